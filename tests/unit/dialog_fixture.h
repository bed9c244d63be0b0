/*
 * dialog_fixture: what the dialog's unit tests share (test_dialog.c,
 * test_dialog_check.c): the shipped catalogues, read with a tiny parser of
 * key = "text"; (run from the top of the tree, or TNSGW_SRCDIR), and the
 * configurations the tests run under. Included once per test program.
 */
#ifndef TNSGW_DIALOG_FIXTURE_H
#define TNSGW_DIALOG_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "dialog.h"
#include "parse.h"

/* ---- the shipped catalogues ---- */

static int
load_line(struct catalog *c, const char *lang, const char *line)
{
	char		 key[64], text[2048];
	const char	*p = line;
	size_t		 k = 0, t = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '\n' || *p == '#' || (p[0] == '/' && p[1] == '/'))
		return 0;
	while ((*p >= 'a' && *p <= 'z') || *p == '_' || (*p >= '0' && *p <= '9'))
		if (k < sizeof(key) - 1)
			key[k++] = *p++;
	key[k] = '\0';
	while (*p == ' ')
		p++;
	if (*p++ != '=')
		return -1;
	while (*p == ' ')
		p++;
	if (*p++ != '"')
		return -1;
	while (*p != '"' && *p != '\0' && t < sizeof(text) - 1) {
		if (*p == '\\') {
			p++;
			text[t++] = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
			p++;
		} else
			text[t++] = *p++;
	}
	text[t] = '\0';
	if (*p != '"' || p[1] != ';')
		return -1;
	return catalog_set(c, lang, key, text);
}

static __attribute__((unused)) struct catalog *
load_catalog(void)
{
	static const char *const langs[] = { "fr", "ar", "tzm" };
	struct catalog	*c;
	const char	*dir = getenv("TNSGW_SRCDIR");
	char		 path[512], line[4096];
	FILE		*f;
	size_t		 i;

	if (dir == NULL)
		dir = ".";
	if ((c = catalog_new()) == NULL)
		return NULL;
	for (i = 0; i < sizeof(langs) / sizeof(langs[0]); i++) {
		snprintf(path, sizeof(path), "%s/etc/messages/%s.conf", dir,
		    langs[i]);
		if ((f = fopen(path, "r")) == NULL) {
			fprintf(stderr, "cannot open %s\n", path);
			catalog_free(c);
			return NULL;
		}
		while (fgets(line, sizeof(line), f) != NULL)
			if (load_line(c, langs[i], line) == -1) {
				fprintf(stderr, "%s: bad line: %s", path, line);
				fclose(f);
				catalog_free(c);
				return NULL;
			}
		fclose(f);
	}
	return c;
}

/* Every key of the catalogue the dialog uses (dialog_check's list). */
static const char *const all_keys[] = {
	"language_name", "ask_idtype", "idtype_cin", "idtype_sejour",
	"idtype_passport", "ask_idnum", "ask_expiry", "ask_birth",
	"err_choice", "err_idnum", "err_date", "too_many", "expired",
	"service_error", "locked", "next_phone", "next_agency", "no_match",
	"result_a", "result_b", "result_sms", "otp_ask", "otp_live", "otp_new",
	"err_otp", "otp_wrong", "otp_wait", "otp_void", "otp_expired",
	"otp_already", "otp_limit", "minutes_1", "minutes_2", "minutes_3_10",
	"minutes_11", "seconds_1", "seconds_2", "seconds_3_10", "seconds_11",
	"ineligible", "ineligible_generic", "reason_other", "cat_intro",
	"cat_title", "cat_gone", "nav_next", "nav_back", "docs_title",
	"docs_where", "docs_sms", "points_offer", "bye", "region_title",
	"region_gone", "points_sent", "sms_otp", "sms_password",
	"sms_result_a", "sms_result_c", "sms_result_d", "sms_points",
	"sms_no_match", "sms_cat_list", "sms_cat_more", "sms_list_more",
	"sms_otp_ask", "sms_otp_live", "sms_help", NULL,
};

/* ---- configurations ---- */

enum conf_variant {
	CONF_DEFAULT = 0,	/* fr ar tzm, check_expiry, transliterate */
	CONF_NO_EXPIRY,
	CONF_ONE_LANG,		/* fr only: no language menu */
	CONF_NO_TRANSLIT,
	CONF_BAD_ZERO,		/* max_bad_inputs 0 means 3 */
	CONF_BAD_ONE,
	CONF_OTP4,		/* otp_length 4 */
	CONF_SERVICE,		/* support phone, receipts A C D */
};

#define SUPPORT_PHONE	"0801002020"

static __attribute__((unused)) long
days(int y, int m, int d)
{
	struct parse_date	dt = { y, m, d };

	return parse_date_days(&dt);
}

static __attribute__((unused)) void
conf_make(enum conf_variant v, struct dialog_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->check_expiry = v != CONF_NO_EXPIRY;
	conf->transliterate = v != CONF_NO_TRANSLIT;
	conf->nlanguages = v == CONF_ONE_LANG ? 1 : 3;
	snprintf(conf->languages[0], CATALOG_LANG_MAX, "fr");
	snprintf(conf->languages[1], CATALOG_LANG_MAX, "ar");
	snprintf(conf->languages[2], CATALOG_LANG_MAX, "tzm");
	conf->max_bad_inputs = v == CONF_BAD_ZERO ? 0 : v == CONF_BAD_ONE ? 1 : 3;
	conf->today_days = days(2025, 6, 1);
	conf->otp_length = v == CONF_OTP4 ? 4 : 6;
	conf->password_length = 10;
	if (v == CONF_SERVICE) {
		snprintf(conf->support_phone, sizeof(conf->support_phone), "%s",
		    SUPPORT_PHONE);
		conf->receipts = DIALOG_RECEIPT_A | DIALOG_RECEIPT_C |
		    DIALOG_RECEIPT_D;
	}
}

#ifdef DIALOG_FIXTURE_SESS
/*
 * Sessions and walks (test_dialog*.c): what the gateway would fetch, a
 * session saved and restored between calls like the gateway does through
 * Redis, and a table-driven walk through it. Needs cmocka.h first.
 */
#include "dialog_state.h"
#include "gsm.h"

static struct catalog	*cat;

/* ---- fixtures: what the gateway would fetch ---- */

#define MATRICULE "123456789"
#define BIRTH	{ 1980, 2, 1 }
#define EXPIRY	{ 2030, 12, 31 }
#define NODATE	{ 0, 0, 0 }
#define REC_A(b, e, acc, ph)	{ DIALOG_REG_REGISTERED, b, e, MATRICULE, \
	acc, ph, "", "" }
#define REC_D(b, e, text)	{ DIALOG_REG_INELIGIBLE, b, e, "", 0, "", \
	"R", text }
#define ONE(rec)		{ DIALOG_FETCH_OK, 1, 0, { rec } }

struct lookup_fixture {
	const char		*name;
	struct dialog_lookup	 res;
};

#define REASON_AR_LONG "أنتم مشمولون بالتأمين الإجباري الأساسي عن المرض " \
	"للقطاع العام لدى الصندوق الوطني لمنظمات الاحتياط الاجتماعي بصفتكم " \
	"موظفا أو عونا من أعوان الدولة."

static const struct lookup_fixture lookups[] = {
	{ "a", ONE(REC_A(BIRTH, EXPIRY, 1, "212612345678")) },
	{ "b", ONE(REC_A(BIRTH, EXPIRY, 0, "212612345678")) },
	{ "a_noexp", ONE(REC_A(BIRTH, NODATE, 1, "")) },
	{ "d", ONE(REC_D(BIRTH, EXPIRY, "Vous relevez de la CNOPS.")) },
	{ "d_empty", ONE(REC_D(BIRTH, NODATE, "")) },
	{ "d_long", ONE(REC_D(BIRTH, NODATE,
	    "Vous êtes affilié à un autre régime obligatoire d'assurance "
	    "maladie, celui des fonctionnaires et agents de l'Etat, géré par "
	    "la CNOPS, ce qui exclut votre affiliation au régime des "
	    "travailleurs non salariés tant que cette situation dure.")) },
	{ "d_ar_long", ONE(REC_D(BIRTH, NODATE, REASON_AR_LONG)) },
	{ "d_nobirth", ONE(REC_D(NODATE, NODATE, "Vous relevez de la CNOPS.")) },
	{ "b_nobirth", ONE(REC_A(NODATE, EXPIRY, 0, "212612345678")) },
	{ "notfound", { DIALOG_FETCH_OK, 0, 0, { { 0 } } } },
	{ "locked", { DIALOG_FETCH_LOCKED, 0, 0, { { 0 } } } },
	{ "error", { DIALOG_FETCH_ERROR, 1, 0, {
	    REC_A(BIRTH, NODATE, 1, "") } } },
	{ "b_nophone", ONE(REC_A(BIRTH, EXPIRY, 0, "")) },
	{ "b_badphone", ONE(REC_A(BIRTH, EXPIRY, 0, "+212612345678")) },
	{ "b_badmat", ONE(((struct dialog_record){ DIALOG_REG_REGISTERED,
	    BIRTH, EXPIRY, "12345X789", 0, "212612345678", "", "" })) },
	{ "b_nomat", ONE(((struct dialog_record){ DIALOG_REG_REGISTERED,
	    BIRTH, EXPIRY, "", 0, "212612345678", "", "" })) },
	/* A number typed with its digits only: the candidates. */
	{ "cand_one", { DIALOG_FETCH_OK, 3, 1, {
	    REC_A(((struct parse_date){ 1975, 7, 14 }), EXPIRY, 0, ""),
	    REC_A(BIRTH, EXPIRY, 1, "212612345678"),
	    REC_D(NODATE, NODATE, "x") } } },
	{ "cand_two", { DIALOG_FETCH_OK, 2, 1, {
	    REC_A(BIRTH, EXPIRY, 1, ""), REC_A(BIRTH, EXPIRY, 0, "") } } },
	{ "cand_none", { DIALOG_FETCH_OK, 2, 1, {
	    REC_A(((struct parse_date){ 1975, 7, 14 }), EXPIRY, 1, ""),
	    REC_D(NODATE, NODATE, "x") } } },
	{ "cand_d", { DIALOG_FETCH_OK, 1, 1, {
	    REC_D(BIRTH, NODATE, "Vous relevez de la CNOPS.") } } },
	{ "cand_many", { DIALOG_FETCH_OK, 99, 1, {
	    REC_A(((struct parse_date){ 1975, 7, 14 }), EXPIRY, 1, ""),
	    REC_A(((struct parse_date){ 1976, 7, 14 }), EXPIRY, 1, ""),
	    REC_A(((struct parse_date){ 1977, 7, 14 }), EXPIRY, 1, ""),
	    REC_A(BIRTH, EXPIRY, 1, "") } } },
};

/* What the gateway says of the OTP steps. The phone on record ends in 78;
 * the gateway's tail is 42 (as when the SMS goes to the caller). */
struct otp_fixture {
	const char		*name;
	struct dialog_otp	 res;
};

static const struct otp_fixture otps[] = {
	{ "sent", { DIALOG_OTP_SENT, 0, 0, "42" } },
	{ "sent_notail", { DIALOG_OTP_SENT, 0, 0, "" } },
	{ "sent_badtail", { DIALOG_OTP_SENT, 0, 0, "4x" } },
	{ "sent_longtail", { DIALOG_OTP_SENT, 0, 0, "5551234" } },
	{ "sent_new", { DIALOG_OTP_SENT, 0, 0, "17" } },
	{ "live", { DIALOG_OTP_LIVE, 0, 0, "42" } },
	{ "live_notail", { DIALOG_OTP_LIVE, 0, 0, "" } },
	{ "wait", { DIALOG_OTP_WAIT, 0, 45, "" } },
	{ "wait1", { DIALOG_OTP_WAIT, 0, 1, "" } },
	{ "wait2", { DIALOG_OTP_WAIT, 0, 2, "" } },
	{ "wait5", { DIALOG_OTP_WAIT, 0, 5, "" } },
	{ "limit", { DIALOG_OTP_LIMIT, 0, 0, "" } },
	{ "already", { DIALOG_OTP_ALREADY, 0, 0, "42" } },
	{ "already_notail", { DIALOG_OTP_ALREADY, 0, 0, "" } },
	{ "ok", { DIALOG_OTP_OK, 0, 0, "" } },
	{ "ok_tail", { DIALOG_OTP_OK, 0, 0, "31" } },
	{ "wrong2", { DIALOG_OTP_WRONG, 2, 0, "" } },
	{ "wrong1", { DIALOG_OTP_WRONG, 1, 0, "" } },
	{ "wrong0", { DIALOG_OTP_WRONG, 0, 0, "" } },
	{ "wrong_many", { DIALOG_OTP_WRONG, 1000, 0, "" } },
	{ "expired", { DIALOG_OTP_EXPIRED, 0, 0, "" } },
	{ "void", { DIALOG_OTP_VOID, 0, 0, "" } },
	{ "locked", { DIALOG_OTP_LOCKED, 0, 0, "" } },
	{ "error", { DIALOG_OTP_ERROR, 0, 0, "" } },
	{ "bogus", { (enum dialog_otp_status)42, 0, 0, "42" } },
};

static const char *const labels_fr[] = {
	"Médecins", "Pharmaciens", "Chirurgiens-dentistes",
	"Kinésithérapeutes", "Infirmiers", "Sages-femmes", "Vétérinaires",
	"Avocats", "Notaires", "Adoul", "Architectes",
	"Ingénieurs géomètres-topographes", "Commerçants", "Artisans",
	"Agriculteurs",
};
static const char *const labels_ar[] = {
	"أطباء", "صيادلة", "أطباء الأسنان", "مروضون طبيون", "ممرضون", "قابلات",
	"بياطرة", "محامون", "موثقون", "عدول", "مهندسون معماريون",
	"مهندسون طبوغرافيون", "تجار", "صناع تقليديون", "فلاحون",
};

static __attribute__((unused)) void
cats_fill(struct dialog_categories *res, const char *const *labels, int n,
    enum dialog_fetch_status st)
{
	int	i;

	memset(res, 0, sizeof(*res));
	res->status = st;
	res->n = n;
	for (i = 0; i < n; i++) {
		snprintf(res->item[i].code, sizeof(res->item[i].code), "CAT%02d",
		    i + 1);
		snprintf(res->item[i].label, sizeof(res->item[i].label), "%s",
		    labels[i % 15]);
	}
}

static __attribute__((unused)) void
cats_fixture(const char *name, struct dialog_categories *res)
{
	if (strcmp(name, "fr") == 0)
		cats_fill(res, labels_fr, 15, DIALOG_FETCH_OK);
	else if (strcmp(name, "ar") == 0)
		cats_fill(res, labels_ar, 15, DIALOG_FETCH_OK);
	else if (strcmp(name, "empty") == 0)
		cats_fill(res, labels_fr, 0, DIALOG_FETCH_OK);
	else if (strcmp(name, "locked") == 0)
		cats_fill(res, labels_fr, 0, DIALOG_FETCH_LOCKED);
	else
		cats_fill(res, labels_fr, 0, DIALOG_FETCH_ERROR);
}

#define DOCS_LONG_FR "Copie de la CIN|Attestation d'affiliation à " \
	"l'organisme de liaison|Attestation de RIB|Copie du diplôme|" \
	"Autorisation d'exercer|Attestation d'inscription à l'ordre|" \
	"Justificatif d'adresse|Photo d'identité|Formulaire d'immatriculation " \
	"rempli et signé|Copie de la carte de séjour pour les étrangers"

static __attribute__((unused)) void
docs_fixture(const char *name, struct dialog_docs *res)
{
	memset(res, 0, sizeof(*res));
	res->status = DIALOG_FETCH_OK;
	res->found = 1;
	snprintf(res->label, sizeof(res->label), "Pharmaciens");
	if (strcmp(name, "long") == 0)
		snprintf(res->documents, sizeof(res->documents), "%s",
		    DOCS_LONG_FR);
	else if (strcmp(name, "short") == 0)
		snprintf(res->documents, sizeof(res->documents),
		    "Copie de la CIN| Attestation de l'ordre |");
	else if (strcmp(name, "ar") == 0)
		snprintf(res->documents, sizeof(res->documents),
		    "نسخة من البطاقة الوطنية|شهادة الانخراط في الهيئة|"
		    "شهادة الحساب البنكي|نسخة من الشهادة|رخصة مزاولة المهنة");
	else if (strcmp(name, "gone") == 0)
		res->found = 0;
	else if (strcmp(name, "locked") == 0)
		res->status = DIALOG_FETCH_LOCKED;
	else
		res->status = DIALOG_FETCH_ERROR;
}

static __attribute__((unused)) void
regions_fixture(const char *name, struct dialog_regions *res)
{
	static const char *const names[] = { "Casablanca-Settat",
	    "Rabat-Salé-Kénitra", "Souss-Massa", "Oriental",
	    "Tanger-Tétouan-Al Hoceïma", "Fès-Meknès", "Marrakech-Safi",
	    "Béni Mellal-Khénifra", "Drâa-Tafilalet", "Guelmim-Oued Noun",
	    "Laâyoune-Sakia El Hamra", "Dakhla-Oued Ed-Dahab" };
	int	i;

	memset(res, 0, sizeof(*res));
	res->status = strcmp(name, "error") == 0 ? DIALOG_FETCH_ERROR :
	    DIALOG_FETCH_OK;
	res->n = strcmp(name, "empty") == 0 ? 0 : 12;
	for (i = 0; i < res->n; i++)
		snprintf(res->name[i], sizeof(res->name[i]), "%s", names[i]);
}

static __attribute__((unused)) void
points_fixture(const char *name, struct dialog_points *res)
{
	memset(res, 0, sizeof(*res));
	res->status = strcmp(name, "error") == 0 ? DIALOG_FETCH_ERROR :
	    DIALOG_FETCH_OK;
	res->found = strcmp(name, "gone") != 0;
	snprintf(res->region, sizeof(res->region), "Rabat-Salé-Kénitra");
	if (strcmp(name, "none") == 0)
		return;
	res->n = 2;
	snprintf(res->point[0], sizeof(res->point[0]), "Agence Rabat Hassan|"
	    "Av. Hassan II, Rabat|8h30-16h30|0537000000");
	snprintf(res->point[1], sizeof(res->point[1]), "Point Salé| Bd. "
	    "Mohammed V ||");
}

/* ---- a session, saved and restored between calls ---- */

struct sess {
	struct dialog		d;
	struct dialog_out	out;
	struct dialog_conf	conf;
};

/* What the gateway checks of every answer, then the state through Redis. */
static __attribute__((unused)) void
sess_check(struct sess *s)
{
	char		buf[DIALOG_STATE_MAX + 1], buf2[DIALOG_STATE_MAX + 1];
	char		tr[DIALOG_TEXT_MAX];
	struct dialog	d2;
	int		n, n2;

	if (s->d.channel == DIALOG_CH_SMS) {
		assert_string_equal(s->out.text, "");
		if (s->out.need == DIALOG_NEED_NONE)
			assert_true(strlen(s->out.sms) > 0);
	} else if (s->out.need == DIALOG_NEED_NONE) {
		assert_true(strlen(s->out.text) > 0);
		if (!gsm_fits_ussd(s->out.text))
			fail_msg("screen does not fit: %s", s->out.text);
		/* French goes as GSM 7-bit, or as it is when that fits and
		 * transliterating would change it (accents kept). */
		if (strcmp(s->d.lang, "fr") == 0 && s->conf.transliterate &&
		    s->d.step != DIALOG_S_LANG &&
		    gsm_septets(s->out.text) < 0) {
			assert_int_equal(gsm_transliterate(s->out.text, tr,
			    sizeof(tr)), 0);
			assert_string_not_equal(tr, s->out.text);
		}
	}
	if (s->out.sms[0] != '\0')
		assert_non_null(s->out.sms_kind);
	if (s->out.end) {
		assert_int_equal(s->out.need, DIALOG_NEED_NONE);
		assert_int_not_equal(s->out.outcome, DIALOG_OUTCOME_NONE);
		return;
	}
	assert_int_equal(s->out.outcome, DIALOG_OUTCOME_NONE);
	/* Saved to Redis and read back, like between two USSD messages. */
	n = dialog_state_encode(&s->d, buf, sizeof(buf));
	assert_true(n > 0 && n <= DIALOG_STATE_MAX);
	assert_int_equal(dialog_state_decode(&d2, buf, (size_t)n), 0);
	n2 = dialog_state_encode(&d2, buf2, sizeof(buf2));
	assert_int_equal(n, n2);
	assert_memory_equal(buf, buf2, (size_t)n);
	s->d = d2;
}

static __attribute__((unused)) void
sess_begin(struct sess *s, enum conf_variant v, const char *dialstr)
{
	struct parse_dial	dial;

	conf_make(v, &s->conf);
	assert_int_equal(parse_dial(dialstr, &dial), 0);
	dialog_begin(&s->d, &s->conf, cat, &dial, &s->out);
	sess_check(s);
}

/* "lang|channel|idtype|idnum|expiry|birth", dates as ddmmyyyy or "". */
static __attribute__((unused)) void
sess_fields(struct sess *s, enum conf_variant v, const char *spec)
{
	char			 f[6][32];
	struct parse_date	 ex, bi;
	const char		*p = spec, *q;
	int			 i;

	memset(f, 0, sizeof(f));
	for (i = 0; i < 6; i++) {
		q = strchr(p, '|');
		snprintf(f[i], sizeof(f[i]), "%.*s", q ? (int)(q - p) : (int)
		    strlen(p), p);
		p = q ? q + 1 : p + strlen(p);
	}
	memset(&ex, 0, sizeof(ex));
	memset(&bi, 0, sizeof(bi));
	if (f[4][0])
		assert_int_equal(parse_date_user(f[4], &ex), 0);
	if (f[5][0])
		(void)parse_date_user(f[5], &bi);
	conf_make(v, &s->conf);
	dialog_begin_fields(&s->d, &s->conf, cat, f[0][0] ? f[0] : NULL,
	    strcmp(f[1], "sms") == 0 ? DIALOG_CH_SMS : DIALOG_CH_USSD,
	    (enum parse_idtype)atoi(f[2]), f[3], f[4][0] ? &ex : NULL,
	    f[5][0] ? &bi : NULL, &s->out);
	sess_check(s);
}

static __attribute__((unused)) void
sess_input(struct sess *s, const char *in)
{
	dialog_input(&s->d, &s->conf, cat, in, &s->out);
	sess_check(s);
}

static __attribute__((unused)) void
sess_lookup(struct sess *s, const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++)
		if (strcmp(lookups[i].name, name) == 0)
			break;
	assert_true(i < sizeof(lookups) / sizeof(lookups[0]));
	dialog_on_lookup(&s->d, &s->conf, cat, &lookups[i].res, &s->out);
	sess_check(s);
}

static __attribute__((unused)) void
sess_otp(struct sess *s, const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(otps) / sizeof(otps[0]); i++)
		if (strcmp(otps[i].name, name) == 0)
			break;
	assert_true(i < sizeof(otps) / sizeof(otps[0]));
	dialog_on_otp(&s->d, &s->conf, cat, &otps[i].res, &s->out);
	sess_check(s);
}

static __attribute__((unused)) void
sess_cats(struct sess *s, const char *name)
{
	static struct dialog_categories	res;

	cats_fixture(name, &res);
	dialog_on_categories(&s->d, &s->conf, cat, &res, &s->out);
	sess_check(s);
}

static __attribute__((unused)) void
sess_docs(struct sess *s, const char *name)
{
	static struct dialog_docs	res;

	docs_fixture(name, &res);
	dialog_on_docs(&s->d, &s->conf, cat, &res, &s->out);
	sess_check(s);
}

static __attribute__((unused)) void
sess_regions(struct sess *s, const char *name)
{
	static struct dialog_regions	res;

	regions_fixture(name, &res);
	dialog_on_regions(&s->d, &s->conf, cat, &res, &s->out);
	sess_check(s);
}

static __attribute__((unused)) void
sess_points(struct sess *s, const char *name)
{
	static struct dialog_points	res;

	points_fixture(name, &res);
	dialog_on_points(&s->d, &s->conf, cat, &res, &s->out);
	sess_check(s);
}

/* ---- the walks ---- */

enum op { OP_STOP = 0, OP_BEGIN, OP_INPUT, OP_LOOKUP, OP_CATS, OP_DOCS,
	OP_OTP, OP_REGIONS, OP_POINTS, OP_FIELDS };

/* One call and what must come of it: has[] in the screen (or, on SMS,
 * in the SMS), hasnot[] in neither, sms[] in the SMS. */
struct step {
	enum op			 op;
	const char		*arg;
	enum dialog_need	 need;
	int			 end;
	enum dialog_outcome	 outcome;
	const char		*has[3];
	const char		*hasnot[2];
	int			 record_failure;
	const char		*sms[2];
};

struct walk {
	const char		*name;
	enum conf_variant	 conf;
	struct step		 s[24];
};

#define ASK(op, arg, ...)	{ op, arg, DIALOG_NEED_NONE, 0, \
	DIALOG_OUTCOME_NONE, { __VA_ARGS__ }, { NULL }, 0, { NULL } }
#define NEED(op, arg, need)	{ op, arg, need, 0, DIALOG_OUTCOME_NONE, \
	{ NULL }, { NULL }, 0, { NULL } }
#define END(op, arg, o, ...)	{ op, arg, DIALOG_NEED_NONE, 1, o, \
	{ __VA_ARGS__ }, { MATRICULE }, 0, { NULL } }
#define ENDM(op, arg, o, ...)	{ op, arg, DIALOG_NEED_NONE, 1, o, \
	{ __VA_ARGS__ }, { NULL }, 0, { NULL } }
/* A question that must not show the matricule (case B before the OTP). */
#define ASKB(op, arg, ...)	{ op, arg, DIALOG_NEED_NONE, 0, \
	DIALOG_OUTCOME_NONE, { __VA_ARGS__ }, { MATRICULE }, 0, { NULL } }
/* The no-match screen: counted, no matricule, no reason. */
#define NOMATCH(op, arg, ...)	{ op, arg, DIALOG_NEED_NONE, 0, \
	DIALOG_OUTCOME_NONE, { __VA_ARGS__ }, { MATRICULE, "CNOPS" }, 1, \
	{ NULL } }
/* An end with an SMS (receipt, points, SMS channel reply). */
#define ENDS(op, arg, o, has, s1, s2)	{ op, arg, DIALOG_NEED_NONE, 1, o, \
	{ has }, { NULL }, 0, { s1, s2 } }
#define ASKS(op, arg, has, s1, s2)	{ op, arg, DIALOG_NEED_NONE, 0, \
	DIALOG_OUTCOME_NONE, { has }, { NULL }, 0, { s1, s2 } }

#define LANG_MENU	"1 Français", "2 العربية", "3 ⵜⴰⵎⴰⵣⵉⵖⵜ (Tamazight)"
#define IDTYPE_MENU	"1 CIN", "3 Passeport"
#define Q_IDNUM		"numéro de votre"
#define Q_EXPIRY	"Date d'expiration"
#define Q_BIRTH		"date de naissance"
#define LOOKUP		DIALOG_NEED_LOOKUP
#define CATS		DIALOG_NEED_CATEGORIES
#define DOCS		DIALOG_NEED_DOCS
#define ISSUE		DIALOG_NEED_OTP_ISSUE
#define VERIFY		DIALOG_NEED_OTP_VERIFY
#define RESEND		DIALOG_NEED_OTP_RESEND
#define REGIONS		DIALOG_NEED_REGIONS
#define POINTS		DIALOG_NEED_POINTS
#define B_DIAL		"*1515*1*AB123456*31122030*01021980#"
#define Q_OTP		"se terminant par 42. Entrez-le"
#define NO_MATCH_FR	"Aucun dossier ne correspond à ces informations.\n" \
	"1 Corriger mes informations\n2 Je ne suis pas immatriculé(e)"
#define NEXT_PHONE_FR	"Aide : appelez le " SUPPORT_PHONE " ou rendez-vous " \
	"dans une agence CNSS."
#define NEXT_AGENCY_FR	"Aide : rendez-vous dans une agence CNSS ou un " \
	"point de proximité."

static __attribute__((unused)) void
run_walk(const struct walk *w)
{
	struct sess		 s;
	const struct step	*st;
	int			 i, j;

	memset(&s, 0, sizeof(s));
	for (i = 0; w->s[i].op != OP_STOP; i++) {
		st = &w->s[i];
		switch (st->op) {
		case OP_BEGIN:
			sess_begin(&s, w->conf, st->arg);
			break;
		case OP_FIELDS:
			sess_fields(&s, w->conf, st->arg);
			break;
		case OP_INPUT:
			sess_input(&s, st->arg);
			break;
		case OP_LOOKUP:
			sess_lookup(&s, st->arg);
			break;
		case OP_CATS:
			sess_cats(&s, st->arg);
			break;
		case OP_DOCS:
			sess_docs(&s, st->arg);
			break;
		case OP_OTP:
			sess_otp(&s, st->arg);
			break;
		case OP_REGIONS:
			sess_regions(&s, st->arg);
			break;
		case OP_POINTS:
			sess_points(&s, st->arg);
			break;
		default:
			fail();
		}
		if (s.out.need != st->need || s.out.end != st->end ||
		    s.out.outcome != st->outcome ||
		    s.out.record_failure != st->record_failure)
			fail_msg("%s, step %d: need %d end %d outcome %s rf %d, "
			    "screen:\n%s\nSMS:\n%s", w->name, i, s.out.need,
			    s.out.end, dialog_outcome_str(s.out.outcome),
			    s.out.record_failure, s.out.text, s.out.sms);
		for (j = 0; j < 3 && st->has[j] != NULL; j++)
			if (strstr(s.d.channel == DIALOG_CH_SMS ? s.out.sms :
			    s.out.text, st->has[j]) == NULL)
				fail_msg("%s, step %d: no \"%s\" in:\n%s\nSMS:\n%s",
				    w->name, i, st->has[j], s.out.text,
				    s.out.sms);
		for (j = 0; j < 2 && st->hasnot[j] != NULL; j++)
			if (strstr(s.out.text, st->hasnot[j]) != NULL ||
			    (s.d.channel == DIALOG_CH_SMS &&
			    strstr(s.out.sms, st->hasnot[j]) != NULL))
				fail_msg("%s, step %d: \"%s\" in:\n%s\nSMS:\n%s",
				    w->name, i, st->hasnot[j], s.out.text,
				    s.out.sms);
		for (j = 0; j < 2 && st->sms[j] != NULL; j++)
			if (strstr(s.out.sms, st->sms[j]) == NULL)
				fail_msg("%s, step %d: no \"%s\" in the SMS:\n%s",
				    w->name, i, st->sms[j], s.out.sms);
	}
}

static __attribute__((unused)) void
run_walks(const struct walk *w, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		run_walk(&w[i]);
}
#endif /* DIALOG_FIXTURE_SESS */

#endif
