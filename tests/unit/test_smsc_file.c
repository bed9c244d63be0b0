/*
 * Unit tests for smsc_file: the simulator's whole-file read of a scenario
 * or callers file — the bytes NUL-terminated, and no allocation for what is
 * missing, not a regular file or over the cap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "smsc_file.h"

#define MB (1024L * 1024)

static char dir[] = "/tmp/tnsgw-test-smsc-file-XXXXXX";

static void
write_file(const char *path, const char *bytes, size_t n)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(bytes, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void
test_read(void **state)
{
	char path[256], *text;
	size_t len = 99;

	(void)state;
	snprintf(path, sizeof(path), "%s/a.scn", dir);
	write_file(path, "dial 1 \"*1#\"\n\0x", 15);
	text = smsc_file_read(path, MB, &len);
	assert_non_null(text);
	assert_int_equal(len, 15);
	assert_memory_equal(text, "dial 1 \"*1#\"\n\0x", 15);
	assert_int_equal(text[15], '\0');
	free(text);

	snprintf(path, sizeof(path), "%s/empty", dir);
	write_file(path, "", 0);
	text = smsc_file_read(path, MB, &len);
	assert_non_null(text);
	assert_int_equal(len, 0);
	assert_string_equal(text, "");
	free(text);
	unlink(path);
	snprintf(path, sizeof(path), "%s/a.scn", dir);
	unlink(path);
}

static void
test_refused(void **state)
{
	char path[256], *big;
	size_t len = 7;

	(void)state;
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_null(smsc_file_read(path, MB, &len));
	assert_null(smsc_file_read(dir, MB, &len));	/* a directory */
	assert_int_equal(len, 7);

	/* One byte over the cap, then exactly at it. */
	assert_non_null(big = calloc(1, MB + 1));
	snprintf(path, sizeof(path), "%s/big", dir);
	write_file(path, big, MB + 1);
	assert_null(smsc_file_read(path, MB, &len));
	write_file(path, big, MB);
	free(big);
	assert_non_null(big = smsc_file_read(path, MB, &len));
	assert_int_equal(len, MB);
	free(big);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_refused),
	};
	int rc;

	if (mkdtemp(dir) == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return rc;
}
