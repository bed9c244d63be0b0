/*
 * test_dialog_pages: "Nothing is cut" (DESIGN.md §1) — an Arabic reason of
 * over 120 characters, an Arabic label of over 80, a Tamazight label and a
 * long document are paged at word boundaries, every character shown once
 * across the pages, each page within one USSD page (80 UCS-2 characters,
 * 182 GSM septets), the number of an item on its first page only; French
 * pages keep their accents when they fit as UCS-2, else go transliterated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "catalog.h"
#include "dialog.h"
#define DIALOG_FIXTURE_SESS
#include "dialog_fixture.h"
#include "dialog_state.h"
#include "gsm.h"
#include "parse.h"

#define PAGES_MAX	40

#define LABEL_AR_LONG "الممرضون وتقنيو الصحة والمروضون الطبيون وتقنيو الأشعة " \
	"والمختبرات والمساعدون الطبيون العاملون في القطاع الخاص"
#define LABEL_TZM_LONG "ⵉⵎⴰⵙⵙⴰⵏ ⴷ ⵉⵎⵙⵏⴰⵡⵏ ⵏ ⵜⴷⵓⵙⵉ ⴷ ⵉⵎⵙⵏⴰⵡⵏ ⵏ ⵜⵓⵙⵙⵏⴰ ⵏ " \
	"ⵓⵙⵏⵓⵍ ⵉⵅⴷⵎⵏ ⴳ ⵓⵙⵎⵉⵍ ⵓⵎⵥⵍⴰⵢ"
#define DOC_AR_LONG "شهادة التسجيل في جدول الهيئة الوطنية للمهنة مسلمة منذ " \
	"أقل من ثلاثة أشهر وموقعة من طرف رئيس المجلس الجهوي للهيئة"

/* The lines of a screen; NULL-terminated list of lines to leave out. */
static int
is_furniture(const char *line, size_t n, const char *const *skip)
{
	size_t	i;

	for (i = 0; skip[i] != NULL; i++)
		if (strlen(skip[i]) == n && memcmp(line, skip[i], n) == 0)
			return 1;
	return 0;
}

/*
 * Join into out the content lines of the pages (furniture left out), one
 * space between two pieces of one item; a numbered line "N text" starts a
 * new item (kept with its number, on its own line of out).
 */
static void
join_pages(char (*pages)[DIALOG_TEXT_MAX], int np, const char *const *skip,
    char *out, size_t outsz)
{
	const char	*p, *e;
	size_t		 n;
	int		 i;

	out[0] = '\0';
	for (i = 0; i < np; i++)
		for (p = pages[i]; *p != '\0'; p = *e ? e + 1 : e) {
			e = strchr(p, '\n');
			if (e == NULL)
				e = p + strlen(p);
			n = (size_t)(e - p);
			if (n == 0 || is_furniture(p, n, skip))
				continue;
			/* No piece starts or ends with a space. */
			assert_true(p[0] != ' ' && p[n - 1] != ' ');
			if (out[0] != '\0')
				strncat(out, p[0] >= '1' && p[0] <= '9' ?
				    "\n" : " ", outsz - strlen(out) - 1);
			strncat(out, p, n < outsz - strlen(out) - 1 ? n :
			    outsz - strlen(out) - 1);
		}
}

/* Every page of a categories list in the session's state: "0" until the
 * last, then "00" back to the first, the same pages again. */
static int
cat_pages(struct sess *s, const struct dialog_categories *res,
    char (*pages)[DIALOG_TEXT_MAX])
{
	int	np = 0, i;

	for (;;) {
		assert_int_equal(s->out.need, DIALOG_NEED_CATEGORIES);
		dialog_on_categories(&s->d, &s->conf, cat, res, &s->out);
		sess_check(s);
		assert_true(np < PAGES_MAX);
		snprintf(pages[np++], DIALOG_TEXT_MAX, "%s", s->out.text);
		if (strstr(s->out.text, catalog_get(cat, s->d.lang, "nav_next")) ==
		    NULL)
			break;
		sess_input(s, "0");
	}
	for (i = np - 2; i >= 0; i--) {
		sess_input(s, "00");
		dialog_on_categories(&s->d, &s->conf, cat, res, &s->out);
		sess_check(s);
		assert_string_equal(s->out.text, pages[i]);
	}
	return np;
}

static void
long_label(const char *langsel, const char *lang, const char *label,
    const char *const *skip)
{
	static struct dialog_categories	res;
	static char			pages[PAGES_MAX][DIALOG_TEXT_MAX];
	char				all[8192], want[2048];
	struct sess			s;
	int				np, i;

	cats_fill(&res, !strcmp(lang, "fr") ? labels_fr : labels_ar, 4,
	    DIALOG_FETCH_OK);
	snprintf(res.item[1].label, sizeof(res.item[1].label), "%s", label);
	memset(&s, 0, sizeof(s));
	sess_begin(&s, CONF_DEFAULT, "*1515#");
	sess_input(&s, langsel);
	sess_input(&s, "1");
	sess_input(&s, "AB123456");
	sess_input(&s, "31122030");
	sess_input(&s, "01021980");
	sess_lookup(&s, "notfound");
	sess_input(&s, "2");
	np = cat_pages(&s, &res, pages);
	assert_true(np >= 3);
	for (i = 0; i < np; i++)
		assert_true(gsm_utf8_chars(pages[i]) <= 80);
	join_pages(pages, np, skip, all, sizeof(all));
	snprintf(want, sizeof(want), "1 %s\n2 %s\n3 %s\n4 %s",
	    res.item[0].label, label, res.item[2].label, res.item[3].label);
	if (strcmp(all, want) != 0)
		fail_msg("%s: got\n%s\nwant\n%s", lang, all, want);
	/* The number once: on the label's first page only. */
	for (i = 0; i < np; i++)
		if (strstr(pages[i], "\n2 ") != NULL)
			break;
	assert_true(i < np);
	for (i++; i < np; i++)
		assert_null(strstr(pages[i], "\n2 "));
	/* Choosing it by its number works from any page. */
	sess_input(&s, "2");
	dialog_on_categories(&s.d, &s.conf, cat, &res, &s.out);
	sess_check(&s);
	assert_int_equal(s.out.need, DIALOG_NEED_DOCS);
	assert_string_equal(s.d.cat_code, "CAT02");
}

static void
test_long_labels(void **state)
{
	static const char *const skip_ar[] = { "اختر فئتك المهنية:",
	    "فئتك المهنية:", "0 التالي", "00 رجوع", NULL };
	static const char *const skip_tzm[] = { "ⵙⵜⵉ ⵜⴰⴳⴳⴰⵢⵜ ⵏⵏⴽ:",
	    "ⵜⴰⴳⴳⴰⵢⵜ ⵏⵏⴽ:", "0 ⵖⵔ ⵣⴷⴰⵜ", "00 ⵖⵔ ⴷⴼⴼⵉⵔ", NULL };

	(void)state;
	assert_true(gsm_utf8_chars(LABEL_AR_LONG) > 80);
	assert_true(gsm_utf8_chars(LABEL_TZM_LONG) > 50);
	long_label("2", "ar", LABEL_AR_LONG, skip_ar);
	long_label("3", "tzm", LABEL_TZM_LONG, skip_tzm);
}

/* A D reason over 120 Arabic characters: paged to its end, which ends
 * the dialog; "00" goes back; every character once. */
static void
test_long_reason(void **state)
{
	static const char *const skip[] = {
	    "لست مؤهلا لنظام العمال غير الأجراء. السبب:", "0 التالي",
	    "00 رجوع", "ستصلك النتيجة أيضا عبر SMS.", NULL };
	static char	pages[PAGES_MAX][DIALOG_TEXT_MAX];
	char		all[4096];
	struct sess	s;
	int		np = 0, v;

	(void)state;
	assert_true(gsm_utf8_chars(REASON_AR_LONG) > 120);
	for (v = 0; v < 2; v++) {
		memset(&s, 0, sizeof(s));
		sess_begin(&s, v ? CONF_SERVICE : CONF_DEFAULT,
		    "*1515*1*AB123456*31122030*01021980#");
		snprintf(s.d.lang, sizeof(s.d.lang), "ar");
		sess_lookup(&s, "d_ar_long");
		assert_int_equal(s.d.step, DIALOG_S_TEXT);
		np = 0;
		for (;;) {
			assert_true(np < PAGES_MAX);
			snprintf(pages[np++], DIALOG_TEXT_MAX, "%s", s.out.text);
			assert_true(gsm_utf8_chars(s.out.text) <= 80);
			assert_null(strstr(s.out.text, "..."));
			if (s.out.end)
				break;
			assert_non_null(strstr(s.out.text, "0 التالي"));
			if (np == 2) {
				/* Back and forth: the same pages. */
				sess_input(&s, "00");
				assert_string_equal(s.out.text, pages[0]);
				sess_input(&s, "0");
				assert_string_equal(s.out.text, pages[1]);
			}
			sess_input(&s, "0");
		}
		assert_true(np >= 2);
		assert_int_equal(s.out.outcome, DIALOG_OUTCOME_D);
		assert_null(strstr(s.out.text, "0 التالي"));
		assert_null(strstr(s.out.text, "00 رجوع"));
		assert_int_equal(strstr(s.out.text, "ستصلك النتيجة") != NULL, v);
		join_pages(pages, np, skip, all, sizeof(all));
		assert_string_equal(all, REASON_AR_LONG);
		assert_true(strncmp(pages[0], skip[0], strlen(skip[0])) == 0);
	}
	/* Bad answers on the pages count; too many end. */
	memset(&s, 0, sizeof(s));
	sess_begin(&s, CONF_DEFAULT, "*1515*1*AB123456*31122030*01021980#");
	snprintf(s.d.lang, sizeof(s.d.lang), "ar");
	sess_lookup(&s, "d_ar_long");
	sess_input(&s, "00");
	assert_non_null(strstr(s.out.text, "اختيار غير صحيح."));
	sess_input(&s, "x");
	sess_input(&s, "5");
	assert_int_equal(s.out.end, 1);
	assert_int_equal(s.out.outcome, DIALOG_OUTCOME_ERROR);
}

/* A document longer than a page, in Arabic. */
static void
test_long_document(void **state)
{
	static const char *const skip[] = { "الوثائق المطلوبة:", "0 التالي",
	    "00 رجوع", "قدم ملفك في نقطة قرب أو في أقرب وكالة CNSS.",
	    "1 نقط القرب في جهتي (SMS)", NULL };
	static char		pages[PAGES_MAX][DIALOG_TEXT_MAX];
	static struct dialog_docs res;
	char			all[4096];
	struct sess		s;
	int			np = 0;

	(void)state;
	memset(&res, 0, sizeof(res));
	res.status = DIALOG_FETCH_OK;
	res.found = 1;
	snprintf(res.documents, sizeof(res.documents), "نسخة من البطاقة "
	    "الوطنية|%s|صورتان", DOC_AR_LONG);
	memset(&s, 0, sizeof(s));
	sess_begin(&s, CONF_DEFAULT, "*1515*1*AB123456*31122030*01021980#");
	snprintf(s.d.lang, sizeof(s.d.lang), "ar");
	sess_lookup(&s, "notfound");
	sess_input(&s, "2");
	sess_cats(&s, "ar");
	sess_input(&s, "1");
	sess_cats(&s, "ar");
	for (;;) {
		assert_int_equal(s.out.need, DIALOG_NEED_DOCS);
		dialog_on_docs(&s.d, &s.conf, cat, &res, &s.out);
		sess_check(&s);
		assert_true(np < PAGES_MAX);
		snprintf(pages[np++], DIALOG_TEXT_MAX, "%s", s.out.text);
		if (strstr(s.out.text, "0 التالي") == NULL)
			break;
		sess_input(&s, "0");
	}
	assert_non_null(strstr(s.out.text, "1 نقط القرب"));
	join_pages(pages, np, skip, all, sizeof(all));
	assert_string_equal(all, "- نسخة من البطاقة الوطنية - " DOC_AR_LONG
	    " - صورتان");
}

/* French pages with outside text: as they are (UCS-2, accents kept) when
 * that fits, else transliterated; catalogue screens always GSM. */
static void
test_french_accents(void **state)
{
	static const char *const few[] = { "Maîtres d'œuvre", "Façadiers" };
	static struct dialog_categories	res;
	struct sess			s;
	int				i;

	(void)state;
	cats_fill(&res, few, 2, DIALOG_FETCH_OK);
	memset(&s, 0, sizeof(s));
	sess_begin(&s, CONF_DEFAULT, "*1515*1*AB123456*31122030*01021980#");
	sess_lookup(&s, "notfound");
	assert_true(gsm_septets(s.out.text) >= 0);
	sess_input(&s, "2");
	dialog_on_categories(&s.d, &s.conf, cat, &res, &s.out);
	sess_check(&s);
	assert_string_equal(s.out.text, "Choisissez votre catégorie "
	    "professionnelle :\n1 Maîtres d'œuvre\n2 Façadiers");
	/* Too long for UCS-2: transliterated, on the GSM page. */
	res.n = 15;
	for (i = 2; i < 15; i++)
		snprintf(res.item[i].label, sizeof(res.item[i].label), "%s",
		    labels_fr[i]);
	sess_input(&s, "00");
	dialog_on_categories(&s.d, &s.conf, cat, &res, &s.out);
	sess_check(&s);
	assert_non_null(strstr(s.out.text, "1 Maitres d'oeuvre\n2 Facadiers"));
	assert_true(gsm_septets(s.out.text) >= 0);
	/* Without transliteration: as it is, paged to fit UCS-2. */
	memset(&s, 0, sizeof(s));
	sess_begin(&s, CONF_NO_TRANSLIT, "*1515*1*AB123456*31122030*"
	    "01021980#");
	sess_lookup(&s, "notfound");
	sess_input(&s, "2");
	dialog_on_categories(&s.d, &s.conf, cat, &res, &s.out);
	sess_check(&s);
	assert_non_null(strstr(s.out.text, "1 Maîtres d'œuvre"));
	assert_true(gsm_utf8_chars(s.out.text) <= 80);
	/* The D reason with its accents when the page allows. */
	memset(&s, 0, sizeof(s));
	sess_begin(&s, CONF_DEFAULT, "*1515*1*AB123456*31122030*01021980#");
	sess_lookup(&s, "d");
	assert_string_equal(s.out.text, "Non éligible au régime des "
	    "travailleurs non salariés. Motif : Vous relevez de la CNOPS.");
}

static int
setup(void **state)
{
	(void)state;
	return (cat = load_catalog()) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	catalog_free(cat);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_labels),
		cmocka_unit_test(test_long_reason),
		cmocka_unit_test(test_long_document),
		cmocka_unit_test(test_french_accents),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
