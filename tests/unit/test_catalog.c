/*
 * test_catalog: set/get/replace, language order, and the refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "catalog.h"

static void
test_set_get(void **state)
{
	struct catalog	*c;
	static const struct {
		const char *lang, *key, *text;
	} t[] = {
		{ "fr", "hello", "Bonjour" },
		{ "ar", "hello", "مرحبا" },
		{ "tzm", "hello", "ⴰⵣⵓⵍ" },
		{ "fr", "bye", "Au revoir" },
		{ "fr", "empty", "" },
	};
	size_t	i;

	(void)state;
	assert_non_null(c = catalog_new());
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(catalog_set(c, t[i].lang, t[i].key, t[i].text), 0);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_string_equal(catalog_get(c, t[i].lang, t[i].key), t[i].text);

	assert_null(catalog_get(c, "ar", "bye"));
	assert_null(catalog_get(c, "de", "hello"));
	assert_null(catalog_get(c, "fr", "Hello"));
	assert_null(catalog_get(c, NULL, "hello"));
	assert_null(catalog_get(NULL, "fr", "hello"));

	assert_int_equal(catalog_nlangs(c), 3);
	assert_string_equal(catalog_lang(c, 0), "fr");
	assert_string_equal(catalog_lang(c, 1), "ar");
	assert_string_equal(catalog_lang(c, 2), "tzm");
	assert_null(catalog_lang(c, 3));
	assert_null(catalog_lang(c, -1));
	catalog_free(c);
}

static void
test_replace(void **state)
{
	struct catalog	*c;
	char		 buf[32];

	(void)state;
	assert_non_null(c = catalog_new());
	/* The catalogue keeps its own copy. */
	snprintf(buf, sizeof(buf), "first");
	assert_int_equal(catalog_set(c, "fr", "k", buf), 0);
	snprintf(buf, sizeof(buf), "changed");
	assert_string_equal(catalog_get(c, "fr", "k"), "first");
	assert_int_equal(catalog_set(c, "fr", "k", "second"), 0);
	assert_string_equal(catalog_get(c, "fr", "k"), "second");
	assert_int_equal(catalog_nlangs(c), 1);
	catalog_free(c);
}

static void
test_refusals(void **state)
{
	struct catalog	*c;

	(void)state;
	assert_non_null(c = catalog_new());
	assert_int_equal(catalog_set(c, "", "k", "t"), -1);
	assert_int_equal(catalog_set(c, "abcdefgh", "k", "t"), -1);	/* 8 chars */
	assert_int_equal(catalog_set(c, "abcdefg", "k", "t"), 0);	/* 7 chars */
	assert_int_equal(catalog_set(c, "fr", "", "t"), -1);
	assert_int_equal(catalog_set(c, "fr", "k", NULL), -1);
	assert_int_equal(catalog_set(c, NULL, "k", "t"), -1);
	assert_int_equal(catalog_set(NULL, "fr", "k", "t"), -1);
	assert_int_equal(catalog_nlangs(c), 1);
	assert_int_equal(catalog_nlangs(NULL), 0);
	catalog_free(c);
	catalog_free(NULL);
}

static void
test_many(void **state)
{
	struct catalog	*c;
	char		 lang[8], key[32], text[32];
	int		 l, k;

	(void)state;
	assert_non_null(c = catalog_new());
	for (l = 0; l < 10; l++)
		for (k = 0; k < 100; k++) {
			snprintf(lang, sizeof(lang), "l%u", (unsigned)l % 10u);
			snprintf(key, sizeof(key), "key%d", k);
			snprintf(text, sizeof(text), "%d/%d", l, k);
			assert_int_equal(catalog_set(c, lang, key, text), 0);
		}
	assert_int_equal(catalog_nlangs(c), 10);
	assert_string_equal(catalog_get(c, "l7", "key63"), "7/63");
	/* every key after the index grew, replaced ones, missing ones */
	for (l = 0; l < 10; l++)
		for (k = 0; k < 100; k++) {
			snprintf(lang, sizeof(lang), "l%u", (unsigned)l % 10u);
			snprintf(key, sizeof(key), "key%d", k);
			snprintf(text, sizeof(text), "%d/%d", l, k);
			assert_string_equal(catalog_get(c, lang, key), text);
		}
	assert_int_equal(catalog_set(c, "l3", "key99", "new"), 0);
	assert_string_equal(catalog_get(c, "l3", "key99"), "new");
	assert_string_equal(catalog_get(c, "l3", "key98"), "3/98");
	assert_null(catalog_get(c, "l3", "key100"));
	assert_null(catalog_get(c, "l3", "key"));
	assert_null(catalog_get(c, "l3", ""));
	assert_string_equal(catalog_lang(c, 9), "l9");
	catalog_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_get),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
