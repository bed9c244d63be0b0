/*
 * test_dialog_sms: the SMS channel (dialog_begin_fields, DIALOG_CH_SMS) —
 * every outcome of DESIGN.md §1 as one reply SMS each, out->text always
 * "", lists whole (never paged, whole items only, 8 SMS a body at most;
 * a second body, out->sms2, for the rest; past two, "TNS CAT" for the
 * next items), the follow-ups "TNS CAT <n>" and "TNS OTP <code>" as
 * dialog_input() of the saved dialog, out->end when the conversation is
 * over; and dialog_begin_fields on USSD.
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
#include "dialog_impl.h"
#define DIALOG_FIXTURE_SESS
#include "dialog_fixture.h"
#include "dialog_state.h"
#include "gsm.h"
#include "parse.h"
#include "sms.h"

/* "lang|channel|idtype|idnum|expiry|birth" */
#define SMS_FULL	"fr|sms|1|AB123456|31122030|01021980"
#define SMS_NOEXP	"fr|sms|1|AB123456||01021980"
#define SMS_AR		"ar|sms|1|AB123456||01021980"

/* A reply that ends the conversation, one that waits. */
#define REPLY_END(op, arg, o, s1, s2)	{ op, arg, DIALOG_NEED_NONE, 1, o, \
	{ NULL }, { NULL }, 0, { s1, s2 } }
#define REPLY_WAIT(op, arg, s1, s2)	{ op, arg, DIALOG_NEED_NONE, 0, \
	DIALOG_OUTCOME_NONE, { NULL }, { NULL }, 0, { s1, s2 } }
#define REPLY_NOMATCH(op, arg, s1, s2)	{ op, arg, DIALOG_NEED_NONE, 0, \
	DIALOG_OUTCOME_NONE, { NULL }, { MATRICULE, "CNOPS" }, 1, { s1, s2 } }

static const struct walk walks[] = {
	{ "SMS A", CONF_DEFAULT, {
		NEED(OP_FIELDS, SMS_FULL, LOOKUP),
		REPLY_END(OP_LOOKUP, "a", DIALOG_OUTCOME_A, "CNSS: votre numéro "
		    "d'immatriculation est " MATRICULE ".", "www.macnss.ma"),
	} },
	{ "SMS A, no expiry given: not checked", CONF_DEFAULT, {
		NEED(OP_FIELDS, SMS_NOEXP, LOOKUP),
		REPLY_END(OP_LOOKUP, "a", DIALOG_OUTCOME_A, MATRICULE, NULL),
	} },
	{ "SMS B: code asked, TNS OTP, password", CONF_DEFAULT, {
		NEED(OP_FIELDS, SMS_NOEXP, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		REPLY_WAIT(OP_OTP, "sent", "se terminant par 42. Répondez TNS "
		    "OTP suivi de ce code.", NULL),
		REPLY_WAIT(OP_INPUT, "48291", "Code non valide", "TNS OTP"),
		NEED(OP_INPUT, "000000", VERIFY),
		REPLY_WAIT(OP_OTP, "wrong1", "Essais restants : 1.\nCNSS: un "
		    "code", NULL),
		NEED(OP_INPUT, "482913", VERIFY),
		REPLY_END(OP_OTP, "ok", DIALOG_OUTCOME_B, MATRICULE,
		    "www.macnss.ma"),
	} },
	{ "SMS B: a live code", CONF_DEFAULT, {
		NEED(OP_FIELDS, SMS_NOEXP, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		REPLY_WAIT(OP_OTP, "live", "est encore valable. Répondez TNS OTP",
		    NULL),
		NEED(OP_INPUT, "9", RESEND),
		REPLY_WAIT(OP_OTP, "wait", "dans 45 s.\nCNSS: un code", NULL),
	} },
	{ "SMS B: already sent", CONF_SERVICE, {
		NEED(OP_FIELDS, SMS_NOEXP, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		REPLY_END(OP_OTP, "already", DIALOG_OUTCOME_B, "déjà envoyé",
		    "\n" NEXT_PHONE_FR),
	} },
	{ "SMS C: no match, TNS CAT, TNS CAT 3", CONF_SERVICE, {
		NEED(OP_FIELDS, SMS_FULL, LOOKUP),
		REPLY_NOMATCH(OP_LOOKUP, "notfound", "CNSS: aucun dossier ne "
		    "correspond", "TNS CAT"),
		NEED(OP_INPUT, "", CATS),
		REPLY_WAIT(OP_CATS, "fr", "TNS CAT 3) :\n1 Médecins\n2 "
		    "Pharmaciens\n", "\n15 Agriculteurs"),
		NEED(OP_INPUT, "99", CATS),
		REPLY_WAIT(OP_CATS, "fr", "Choix non valide.\nCNSS: répondez",
		    "15 Agriculteurs"),
		NEED(OP_INPUT, "3", CATS),
		NEED(OP_CATS, "fr", DOCS),
		REPLY_END(OP_DOCS, "long", DIALOG_OUTCOME_C, "- Copie de la "
		    "CIN\n- Attestation d'affiliation", "- Copie de la carte de "
		    "séjour pour les étrangers\nDéposez"),
	} },
	{ "SMS C: TNS CAT <n> at once", CONF_DEFAULT, {
		NEED(OP_FIELDS, SMS_FULL, LOOKUP),
		REPLY_NOMATCH(OP_LOOKUP, "notfound", "TNS CIN AB123456 25121980",
		    NULL),
		NEED(OP_INPUT, "2", CATS),
		NEED(OP_CATS, "fr", DOCS),
		REPLY_END(OP_DOCS, "short", DIALOG_OUTCOME_C, "(Pharmaciens) :\n"
		    "- Copie de la CIN\n- Attestation de l'ordre\n", NULL),
	} },
	{ "SMS C: the category gone", CONF_DEFAULT, {
		NEED(OP_FIELDS, SMS_FULL, LOOKUP),
		REPLY_NOMATCH(OP_LOOKUP, "notfound", NULL, NULL),
		NEED(OP_INPUT, "2", CATS),
		NEED(OP_CATS, "fr", DOCS),
		NEED(OP_DOCS, "gone", CATS),
		REPLY_WAIT(OP_CATS, "fr", "Cette catégorie n'est plus "
		    "disponible.\nCNSS:", NULL),
	} },
	{ "SMS D, Arabic, the reason whole", CONF_SERVICE, {
		NEED(OP_FIELDS, SMS_AR, LOOKUP),
		REPLY_END(OP_LOOKUP, "d_ar_long", DIALOG_OUTCOME_D,
		    "الضمان الاجتماعي: لست مؤهلا", REASON_AR_LONG "\nمساعدة: "
		    SUPPORT_PHONE),
	} },
	{ "SMS: locked, what next", CONF_DEFAULT, {
		NEED(OP_FIELDS, SMS_FULL, LOOKUP),
		REPLY_END(OP_LOOKUP, "locked", DIALOG_OUTCOME_LOCKED,
		    "Nombre de tentatives dépassé.", NEXT_AGENCY_FR),
	} },
	{ "SMS: expired when given", CONF_DEFAULT, {
		REPLY_END(OP_FIELDS, "fr|sms|1|AB123456|01012020|01021980",
		    DIALOG_OUTCOME_ERROR, "a expiré", NEXT_AGENCY_FR),
	} },
	{ "SMS: an expiry given is matched", CONF_DEFAULT, {
		NEED(OP_FIELDS, "fr|sms|1|AB123456|30122030|01021980", LOOKUP),
		REPLY_NOMATCH(OP_LOOKUP, "a", "aucun dossier", NULL),
	} },
	{ "SMS: no birth date, the help", CONF_DEFAULT, {
		REPLY_END(OP_FIELDS, "fr|sms|1|AB123456||", DIALOG_OUTCOME_ERROR,
		    "TNS CIN AB123456 25121980", "SEJOUR"),
	} },
	{ "SMS: a birth date to come, the help", CONF_DEFAULT, {
		REPLY_END(OP_FIELDS, "fr|sms|1|AB123456||01012099",
		    DIALOG_OUTCOME_ERROR, "CNSS: envoyez TNS", NULL),
	} },
	{ "SMS: no type, bad number, the help in Arabic", CONF_DEFAULT, {
		REPLY_END(OP_FIELDS, "ar|sms|0|A-B|31122030|01021980",
		    DIALOG_OUTCOME_ERROR, "الضمان الاجتماعي: أرسل TNS", NULL),
	} },
	{ "SMS: an unknown language is the first", CONF_DEFAULT, {
		NEED(OP_FIELDS, "xx|sms|3|ZZ0000001||01021980", LOOKUP),
		REPLY_END(OP_LOOKUP, "a", DIALOG_OUTCOME_A, "CNSS: votre",
		    NULL),
	} },
	{ "SMS: an answer out of turn", CONF_DEFAULT, {
		NEED(OP_FIELDS, SMS_FULL, LOOKUP),
		REPLY_END(OP_INPUT, "3", DIALOG_OUTCOME_ERROR, "indisponible",
		    NULL),
	} },
	/* The same entry point on USSD: what is missing is asked. */
	{ "USSD fields: the birth date asked", CONF_DEFAULT, {
		ASK(OP_FIELDS, "ar|ussd|2|E1234567|31122030|", "تاريخ ازديادك"),
		NEED(OP_INPUT, "01021980", LOOKUP),
		ENDM(OP_LOOKUP, "a", DIALOG_OUTCOME_A, "رقم تسجيلك"),
	} },
	{ "USSD fields: the expiry asked when checked", CONF_DEFAULT, {
		ASK(OP_FIELDS, "fr|ussd|1|AB123456||01021980", Q_EXPIRY),
	} },
	{ "USSD fields: no type", CONF_DEFAULT, {
		ASK(OP_FIELDS, "tzm|ussd|9|AB123456||01021980", "ⴰⵏⴰⵡ ⵏ ⵜⴽⴰⵔⴹⴰ"),
	} },
};

static void
test_walks(void **state)
{
	(void)state;
	run_walks(walks, sizeof(walks) / sizeof(walks[0]));
}

/* The sample's 24 categories (etc/sample/categories.csv, in rank order),
 * with 4 more as long as the longest: over one body in both languages. */
static const char *const cats24_fr[] = {
	"Agriculteurs", "Artisans", "Auto-entrepreneurs", "Commerçants",
	"Chauffeurs de taxi", "Marins pêcheurs artisans",
	"Contribuables soumis à la CPU", "Médecins", "Médecins dentistes",
	"Pharmaciens", "Infirmiers et techniciens de santé",
	"Kinésithérapeutes", "Sages-femmes", "Vétérinaires", "Avocats",
	"Notaires", "Adouls", "Huissiers de justice", "Architectes",
	"Ingénieurs géomètres-topographes",
	"Experts-comptables, comptables agréés", "Guides touristiques",
	"Préposés religieux", "Orthophonistes et psychomotriciens libéraux",
	"Opticiens-lunetiers et audioprothésistes",
	"Transporteurs routiers de marchandises",
	"Exploitants de salles de sport et de loisirs",
	"Autre / pas dans la liste",
};
static const char *const cats24_ar[] = {
	"الفلاحون", "الصناع التقليديون", "المقاولون الذاتيون", "التجار",
	"سائقو سيارات الأجرة", "البحارة الصيادون التقليديون",
	"الملزمون بالمساهمة المهنية الموحدة", "الأطباء", "أطباء الأسنان",
	"الصيادلة", "الممرضون وتقنيو الصحة", "مروضو العلاج الطبيعي",
	"القابلات", "الأطباء البياطرة", "المحامون", "الموثقون", "العدول",
	"المفوضون القضائيون", "المهندسون المعماريون",
	"المهندسون المساحون الطبوغرافيون",
	"الخبراء المحاسبون والمحاسبون المعتمدون", "المرشدون السياحيون",
	"القيمون الدينيون", "مقومو النطق والحركة في القطاع الحر",
	"النظاراتيون وأخصائيو السمع", "الناقلون الطرقيون للبضائع",
	"مستغلو قاعات الرياضة والترفيه", "أخرى / غير موجودة في القائمة",
};

/* Segments of body in each charset a bind may use: both <= 8. */
static void
body_fits(const char *body, int *gsm7, int *latin1)
{
	static struct sms_segment	seg[DIALOG_SMS_SEGMENTS];

	assert_true(dialog_sms_fits(body));
	*gsm7 = sms_split(body, GSM_CHARSET_GSM7, 0, seg, DIALOG_SMS_SEGMENTS);
	*latin1 = sms_split(body, GSM_CHARSET_LATIN1, 0, seg,
	    DIALOG_SMS_SEGMENTS);
	assert_true(*gsm7 >= 1 && *gsm7 <= DIALOG_SMS_SEGMENTS);
	assert_true(*latin1 >= 1 && *latin1 <= DIALOG_SMS_SEGMENTS);
}

/*
 * The item lines "\n<i> <label>" of body from item first (1-based): each
 * whole, in order; returns the next item number. A line that is not an
 * item (the template's, the "more" line) ends the list.
 */
static int
body_items(const char *body, const struct dialog_categories *res, int first)
{
	char		 line[DIALOG_LABEL_MAX + 16];
	const char	*p;
	int		 n = first;

	p = strchr(body, '\n');
	for (; p != NULL && n <= res->n; p = strchr(p + 1, '\n')) {
		snprintf(line, sizeof(line), "\n%d %s", n,
		    res->item[n - 1].label);
		if (strncmp(p, line, strlen(line)) != 0 ||
		    (p[strlen(line)] != '\n' && p[strlen(line)] != '\0'))
			break;
		n++;
	}
	return n;
}

/* Every label in exactly one of the two bodies, in order, whole. */
static void
two_bodies(const char *spec, const char *const *labels, int n)
{
	static struct dialog_categories	res;
	struct sess			s;
	int				i, next, g1, l1, g2, l2;

	memset(&res, 0, sizeof(res));
	res.status = DIALOG_FETCH_OK;
	res.n = n;
	for (i = 0; i < n; i++) {
		snprintf(res.item[i].code, sizeof(res.item[i].code), "C%02d", i);
		snprintf(res.item[i].label, sizeof(res.item[i].label), "%s",
		    labels[i]);
	}
	memset(&s, 0, sizeof(s));
	sess_fields(&s, CONF_DEFAULT, spec);
	sess_lookup(&s, "notfound");
	sess_input(&s, "");
	dialog_on_categories(&s.d, &s.conf, cat, &res, &s.out);
	sess_check(&s);
	assert_int_equal(s.out.end, 0);
	assert_string_equal(s.out.sms_kind, "reply");
	assert_string_not_equal(s.out.sms2, "");
	body_fits(s.out.sms, &g1, &l1);
	body_fits(s.out.sms2, &g2, &l2);
	next = body_items(s.out.sms, &res, 1);
	assert_true(next > 1 && next <= n);
	/* The first body ends on its last item; the second picks up there. */
	assert_null(strchr(strstr(s.out.sms, res.item[next - 2].label), '\n'));
	assert_int_equal(body_items(s.out.sms2, &res, next), n + 1);
	for (i = 0; i < n; i++) {
		const char	*a = strstr(s.out.sms, labels[i]);
		const char	*b = strstr(s.out.sms2, labels[i]);

		assert_true((a != NULL) != (b != NULL));
	}
	/* Nothing left for a next "TNS CAT": it sends the list again. */
	assert_int_equal(s.d.page, 0);
	print_message("%s: %d categories, body 1 items 1-%d (%d/%d segments "
	    "GSM/Latin-1 bind), body 2 items %d-%d (%d/%d)\n", spec, n,
	    next - 1, g1, l1, next, n, g2, l2);
}

/* The sample's categories and more, long, over one body: two bodies. */
static void
test_sms_two_bodies(void **state)
{
	(void)state;
	assert_int_equal(sizeof(cats24_fr) / sizeof(cats24_fr[0]), 28);
	assert_int_equal(sizeof(cats24_ar) / sizeof(cats24_ar[0]), 28);
	two_bodies(SMS_FULL, cats24_fr, 28);
	two_bodies(SMS_AR, cats24_ar, 28);
	/* The sample's 24 alone (no extra): Guides touristiques, Préposés
	 * religieux and Autre reach the caller too. */
	{
		const char *fr24[24], *ar24[24];

		memcpy(fr24, cats24_fr, 23 * sizeof(fr24[0]));
		memcpy(ar24, cats24_ar, 23 * sizeof(ar24[0]));
		fr24[23] = cats24_fr[27];
		ar24[23] = cats24_ar[27];
		two_bodies(SMS_FULL, fr24, 24);
		two_bodies(SMS_AR, ar24, 24);
	}
}

/* A list longer than two bodies of 8 SMS: whole items only, as many as
 * fit; every SMS of the channel fits 8 concatenated SMS and is a reply. */
static void
test_sms_lists(void **state)
{
	static struct dialog_categories	res;
	static struct sms_segment	seg[8];
	struct sess			s;
	const char			*p;
	char				line[DIALOG_LABEL_MAX + 8];
	int				i, n = 0;

	(void)state;
	cats_fill(&res, labels_ar, DIALOG_MAX_CATEGORIES, DIALOG_FETCH_OK);
	for (i = 0; i < DIALOG_MAX_CATEGORIES; i++)
		snprintf(res.item[i].label, sizeof(res.item[i].label),
		    "%s %s %s", labels_ar[i % 15], labels_ar[(i + 1) % 15],
		    labels_ar[(i + 2) % 15]);
	memset(&s, 0, sizeof(s));
	sess_fields(&s, CONF_DEFAULT, SMS_AR);
	sess_lookup(&s, "notfound");
	assert_string_equal(s.out.sms_kind, "reply");
	sess_input(&s, "");
	dialog_on_categories(&s.d, &s.conf, cat, &res, &s.out);
	sess_check(&s);
	assert_string_equal(s.out.sms_kind, "reply");
	assert_true(sms_split(s.out.sms, GSM_CHARSET_GSM7, 0, seg, 8) > 1);
	assert_null(strstr(s.out.sms, "0 التالي"));
	/* Each item line whole, in order from 1, none cut. */
	for (p = strchr(s.out.sms, '\n'); p != NULL; p = strchr(p + 1, '\n')) {
		n++;
		snprintf(line, sizeof(line), "\n%d %s", n, res.item[n - 1].label);
		assert_memory_equal(p, line, strlen(line));
	}
	assert_true(n > 5 && n < DIALOG_MAX_CATEGORIES);
	/*
	 * 64 such labels do not fit two bodies either: the second goes on
	 * from n + 1 and ends with what is left and "TNS CAT"; each "TNS
	 * CAT" alone then sends the next items, till the last, every item
	 * exactly once; the one after starts the list again.
	 */
	{
		int	next = n + 1, rounds = 0, g, l;
		char	want[64];

		for (;;) {
			/* Round 0's first body was read above (1..n). */
			body_fits(s.out.sms, &g, &l);
			if (rounds > 0)
				next = body_items(s.out.sms, &res, next);
			if (s.out.sms2[0] != '\0') {
				body_fits(s.out.sms2, &g, &l);
				next = body_items(s.out.sms2, &res, next);
			}
			if (next > DIALOG_MAX_CATEGORIES)
				break;
			snprintf(want, sizeof(want), "(%d): أرسل TNS CAT",
			    DIALOG_MAX_CATEGORIES - next + 1);
			assert_non_null(strstr(s.out.sms2[0] ? s.out.sms2 :
			    s.out.sms, want));
			assert_int_equal(s.d.page, next - 1);
			assert_true(++rounds < 8);
			sess_input(&s, "");
			assert_int_equal(s.out.need, DIALOG_NEED_CATEGORIES);
			dialog_on_categories(&s.d, &s.conf, cat, &res, &s.out);
			sess_check(&s);
			/* The follow-up's first body starts where we were. */
			snprintf(line, sizeof(line), "\n%d %s", next,
			    res.item[next - 1].label);
			assert_non_null(strstr(s.out.sms, line));
		}
		assert_null(strstr(s.out.sms2, "TNS CAT"));
		assert_int_equal(s.d.page, 0);
		sess_input(&s, "");
		dialog_on_categories(&s.d, &s.conf, cat, &res, &s.out);
		sess_check(&s);
		assert_int_equal(body_items(s.out.sms, &res, 1), n + 1);
	}
	/* The last item listed can be chosen; one past it is still a
	 * category of the list the gateway holds. */
	snprintf(line, sizeof(line), "%d", n + 1);
	sess_input(&s, line);
	dialog_on_categories(&s.d, &s.conf, cat, &res, &s.out);
	sess_check(&s);
	assert_int_equal(s.out.need, DIALOG_NEED_DOCS);
}

/* C's documents over two bodies (SMS channel, Arabic), and the points of a
 * region past two bodies (USSD): whole items, each once, in order, the
 * rest told on the last line. */
static void
test_sms_docs_points(void **state)
{
	static struct dialog_docs	docs;
	static struct dialog_points	pts;
	struct sess			s;
	char				doc[24][96], want[160];
	const char			*p, *q;
	struct tbuf			b;
	int				i, g, l, shown = 0, last = -1;

	(void)state;
	memset(&docs, 0, sizeof(docs));
	docs.status = DIALOG_FETCH_OK;
	docs.found = 1;
	snprintf(docs.label, sizeof(docs.label), "الصيادلة");
	tbuf_init(&b, docs.documents, sizeof(docs.documents));
	for (i = 0; i < 16; i++) {
		snprintf(doc[i], sizeof(doc[i]), "وثيقة رقم %d: نسخة مصادق "
		    "عليها من الشهادة", i + 1);
		if (i > 0)
			tbuf_adds(&b, "|");
		tbuf_adds(&b, doc[i]);
	}
	assert_int_equal(tbuf_end(&b), 0);
	memset(&s, 0, sizeof(s));
	sess_fields(&s, CONF_DEFAULT, SMS_AR);
	sess_lookup(&s, "notfound");
	sess_input(&s, "2");
	sess_cats(&s, "ar");
	assert_int_equal(s.out.need, DIALOG_NEED_DOCS);
	dialog_on_docs(&s.d, &s.conf, cat, &docs, &s.out);
	sess_check(&s);
	assert_int_equal(s.out.end, 1);
	assert_int_equal(s.out.outcome, DIALOG_OUTCOME_C);
	assert_string_not_equal(s.out.sms2, "");
	body_fits(s.out.sms, &g, &l);
	body_fits(s.out.sms2, &g, &l);
	/* Each body is the whole text: it reads alone. */
	assert_non_null(strstr(s.out.sms, "(الصيادلة)"));
	assert_non_null(strstr(s.out.sms2, "(الصيادلة)"));
	for (i = 0; i < 16; i++) {
		snprintf(want, sizeof(want), "\n- %.95s\n", doc[i]);
		p = strstr(s.out.sms, want);
		q = strstr(s.out.sms2, want);
		assert_true((p != NULL) != (q != NULL));
	}

	/* 32 points of 100 characters and more: two bodies, then the line
	 * that says how many are left. */
	memset(&s, 0, sizeof(s));
	sess_fields(&s, CONF_DEFAULT, "fr|ussd|1|AB123456|31122030|01021980");
	sess_lookup(&s, "notfound");
	sess_input(&s, "2");
	sess_cats(&s, "fr");
	sess_input(&s, "2");
	sess_cats(&s, "fr");
	sess_docs(&s, "short");
	while (strstr(s.out.text, "\n1 ") == NULL && s.out.end == 0) {
		sess_input(&s, "0");
		sess_docs(&s, "short");
	}
	sess_input(&s, "1");
	sess_docs(&s, "short");
	assert_int_equal(s.out.need, DIALOG_NEED_REGIONS);
	sess_regions(&s, "fr");
	sess_input(&s, "2");
	sess_regions(&s, "fr");
	assert_int_equal(s.out.need, DIALOG_NEED_POINTS);
	memset(&pts, 0, sizeof(pts));
	pts.status = DIALOG_FETCH_OK;
	pts.found = 1;
	snprintf(pts.region, sizeof(pts.region), "Rabat-Salé-Kénitra");
	pts.n = DIALOG_POINTS_MAX;
	for (i = 0; i < pts.n; i++)
		snprintf(pts.point[i], sizeof(pts.point[i]), "Point de "
		    "proximité n° %02d|Avenue Mohammed V, immeuble %d, "
		    "quartier administratif, Rabat|8h30-16h30|05370000%02d",
		    i + 1, i + 1, i);
	dialog_on_points(&s.d, &s.conf, cat, &pts, &s.out);
	sess_check(&s);
	assert_string_equal(s.out.sms_kind, "points");
	assert_string_not_equal(s.out.sms2, "");
	body_fits(s.out.sms, &g, &l);
	body_fits(s.out.sms2, &g, &l);
	for (i = 0; i < pts.n; i++) {
		snprintf(want, sizeof(want), "\nPoint de proximité n° %02d, ",
		    i + 1);
		p = strstr(s.out.sms, want);
		q = strstr(s.out.sms2, want);
		assert_false(p != NULL && q != NULL);
		if (p == NULL && q == NULL)
			continue;
		assert_int_equal(i, last + 1);	/* in order, none skipped */
		last = i;
		shown++;
	}
	assert_true(shown > 2 && shown < pts.n);
	snprintf(want, sizeof(want), "\nEt %d de plus : liste complète en "
	    "agence CNSS.", pts.n - shown);
	p = strstr(s.out.sms2, want);
	assert_non_null(p);
	assert_string_equal(p, want);
	print_message("points: %d of %d in two bodies\n", shown, pts.n);
}

/* On SMS nothing is ever put on a screen, and the state is kept only
 * while a follow-up is expected. */
static void
test_sms_states(void **state)
{
	char		buf[DIALOG_STATE_MAX + 1];
	struct sess	s;
	int		n;

	(void)state;
	memset(&s, 0, sizeof(s));
	sess_fields(&s, CONF_DEFAULT, SMS_NOEXP);
	sess_lookup(&s, "b");
	sess_otp(&s, "sent");
	assert_int_equal(s.d.channel, DIALOG_CH_SMS);
	assert_int_equal(s.d.step, DIALOG_S_OTP);
	n = dialog_state_encode(&s.d, buf, sizeof(buf));
	assert_true(n > 0);
	assert_non_null(strstr(buf, "|1|0|"));
	/* A code typed as words: refused, asked again by SMS. */
	sess_input(&s, "quatre");
	assert_int_equal(s.out.end, 0);
	assert_non_null(strstr(s.out.sms, "Code non valide"));
	sess_input(&s, "x");
	sess_input(&s, "y");
	assert_int_equal(s.out.end, 1);
	assert_int_equal(s.out.outcome, DIALOG_OUTCOME_ERROR);
	assert_non_null(strstr(s.out.sms, "Trop de saisies"));
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
		cmocka_unit_test(test_walks),
		cmocka_unit_test(test_sms_lists),
		cmocka_unit_test(test_sms_two_bodies),
		cmocka_unit_test(test_sms_docs_points),
		cmocka_unit_test(test_sms_states),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
