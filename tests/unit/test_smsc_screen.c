/*
 * Unit tests for smsc_screen: word wrap counted in characters (not bytes)
 * and the phone box of the SMSC simulator, against golden outputs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "smsc_screen.h"

static void
test_wrap(void **state)
{
	static const struct {
		const char *in;
		int width;
		const char *out;
		int lines;
	} t[] = {
		{ "", 10, "", 1 },
		{ "1 Francais", 10, "1 Francais", 1 },
		{ "Choisissez la langue", 10, "Choisissez\nla langue", 2 },
		{ "Langue:\n1 Francais\n2 Arabe", 30, "Langue:\n1 Francais\n2 Arabe", 3 },
		{ "aaaa bbbb cccc", 9, "aaaa bbbb\ncccc", 2 },
		{ "aaaa  bbbb", 9, "aaaa \nbbbb", 2 },
		{ "abcdefghijklmnopqrstu", 8, "abcdefgh\nijklmnop\nqrstu", 3 },
		{ "ab abcdefghijkl", 8, "ab\nabcdefgh\nijkl", 3 },
		{ "  lead", 8, "lead", 1 },
		{ "tab\there\r", 8, "tab here", 1 },
		{ "bell\a!", 8, "bell!", 1 },
		/* é and ù are two bytes, one column. */
		{ "\xc3\xa9t\xc3\xa9 o\xc3\xb9 \xc3\xa9t\xc3\xa9", 8,
		  "\xc3\xa9t\xc3\xa9 o\xc3\xb9\n\xc3\xa9t\xc3\xa9", 2 },
		/* Arabic: 8 letters cut after 8 columns. */
		{ "\xd8\xa7\xd8\xa8\xd8\xaa\xd8\xab\xd8\xac\xd8\xad\xd8\xae\xd8\xaf\xd8\xb0", 8,
		  "\xd8\xa7\xd8\xa8\xd8\xaa\xd8\xab\xd8\xac\xd8\xad\xd8\xae\xd8\xaf\n\xd8\xb0", 2 },
		/* Stray bytes count one column each and are copied as they are. */
		{ "\xff\xfe ok", 8, "\xff\xfe ok", 1 },
	};
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int n = smsc_screen_wrap(t[i].in, t[i].width, out, sizeof(out));

		if (n != t[i].lines || strcmp(out, t[i].out) != 0)
			fail_msg("case %zu: got %d \"%s\", want %d \"%s\"", i,
			    n, out, t[i].lines, t[i].out);
	}
}

/*
 * Columns come from the core's strict decoder: a 4-byte character is one
 * column, a byte that starts no valid sequence (surrogate, overlong, cut
 * short, stray continuation) is one column of its own, copied as it is.
 */
static void
test_wrap_bytes(void **state)
{
	static const struct {
		const char *in;
		int width;
		const char *out;
		int lines;
	} t[] = {
		{ "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
		  "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 8,
		  "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
		  "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\n\xf0\x9f\x98\x80", 2 },
		/* a surrogate's three bytes: three columns */
		{ "abcde\xed\xa0\x80x", 8, "abcde\xed\xa0\x80\nx", 2 },
		/* overlong and cut-short sequences, stray continuations */
		{ "\xc0\xaf\xe2\x82z\x80\x80\x80x", 8,
		  "\xc0\xaf\xe2\x82z\x80\x80\x80\nx", 2 },
		{ "\xe2\x82", 8, "\xe2\x82", 1 },
	};
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int n = smsc_screen_wrap(t[i].in, t[i].width, out, sizeof(out));

		if (n != t[i].lines || strcmp(out, t[i].out) != 0)
			fail_msg("case %zu: got %d \"%s\", want %d \"%s\"", i,
			    n, out, t[i].lines, t[i].out);
	}
}

/* A box too big for out: -1, and out ends at the end of a whole append. */
static void
test_box_cut(void **state)
{
	char out[40];

	(void)state;
	assert_int_equal(smsc_screen_box("one\ntwo\nthree", "T", 10, out,
	    sizeof(out)), -1);
	assert_true(strlen(out) < sizeof(out));
	assert_string_equal(out,
	    "+-- T -------+\n"
	    "| one        |\n"
	    "| two    ");
}

static void
test_wrap_bounds(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(smsc_screen_wrap("abc", 3, out, sizeof(out)), -1);
	assert_int_equal(smsc_screen_wrap("abc", 201, out, sizeof(out)), -1);
	assert_int_equal(smsc_screen_wrap("abcdefghij", 10, out, sizeof(out)), -1);
	assert_true(strlen(out) < sizeof(out));
	assert_int_equal(smsc_screen_wrap("abcdefg", 10, out, sizeof(out)), 1);
	assert_int_equal(smsc_screen_wrap("x", 10, out, 0), -1);
}

static void
test_box(void **state)
{
	char out[512];

	(void)state;
	assert_int_equal(smsc_screen_box("Langue:\n1 Fran\xc3\xa7" "ais\n2 Arabe",
	    "USSD", 12, out, sizeof(out)), 0);
	assert_string_equal(out,
	    "+-- USSD ------+\n"
	    "| Langue:      |\n"
	    "| 1 Fran\xc3\xa7" "ais   |\n"
	    "| 2 Arabe      |\n"
	    "+--------------+\n");

	assert_int_equal(smsc_screen_box("Merci", NULL, 8, out, sizeof(out)), 0);
	assert_string_equal(out,
	    "+----------+\n"
	    "| Merci    |\n"
	    "+----------+\n");

	/* A title too long for the border is left out. */
	assert_int_equal(smsc_screen_box("", "a long title", 8, out, sizeof(out)), 0);
	assert_string_equal(out,
	    "+----------+\n"
	    "|          |\n"
	    "+----------+\n");

	assert_int_equal(smsc_screen_box("Merci", NULL, 8, out, 20), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_wrap_bytes),
		cmocka_unit_test(test_wrap_bounds),
		cmocka_unit_test(test_box),
		cmocka_unit_test(test_box_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
