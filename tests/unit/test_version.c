/*
 * test_version: the --version line of the daemon and of a tool, with and
 * without a git describe, and the release the Makefile gave.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "version.h"

/* version_print's line for prog, in a malloc'd string. */
static char *
line_of(const char *prog)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	version_print(fp, prog);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

static void
test_release(void **state)
{
	const char *r = version_release();
	char *end;

	(void)state;
	/* MAJOR.MINOR[.PATCH], digits and dots. */
	assert_true(strtol(r, &end, 10) >= 0 && end != r && *end == '.');
	assert_int_equal(strspn(r, "0123456789."), strlen(r));
}

static void
test_lines(void **state)
{
	static const struct {
		const char *prog, *head;
	} t[] = {
		{ "tnsgw", "tnsgw " },
		{ "tnsgw-load", "tnsgw-load (tnsgw) " },
		{ "tnsgw-smsc", "tnsgw-smsc (tnsgw) " },
	};
	char want[256];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *got = line_of(t[i].prog);

		if (version_git()[0] != '\0')
			snprintf(want, sizeof(want), "%s%s (git %s)\n",
			    t[i].head, version_release(), version_git());
		else
			snprintf(want, sizeof(want), "%s%s\n", t[i].head,
			    version_release());
		assert_string_equal(got, want);
		free(got);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
