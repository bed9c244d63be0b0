/*
 * dialog_check: the catalogue checked before it is used (tnsgw -t, start,
 * SIGHUP): every text the dialog shows is there, with only the
 * placeholders it fills, and fits one USSD page at its longest (with its
 * error line, its "what to do next" line, its list furniture); the SMS
 * bodies fit theirs; Arabic-script SMS start in Arabic script.
 */
#include "dialog_check.h"

#include <stdio.h>
#include <string.h>

#include "dialog_impl.h"
#include "gsm.h"
#include "tbuf.h"
#include "utf8.h"

#define DIALOG_CHECK_SLOT	20	/* chars a label or {reason} fills */
#define DIALOG_CHECK_MINUTES	"60"	/* {minutes} at its longest (3600 s) */
#define DIALOG_CHECK_SECONDS	"3600"	/* {s} at its longest */
#define DIALOG_CHECK_PASSWORD	10	/* password_length when conf says 0 */
#define DIALOG_CHECK_PHONE	"0800000000"	/* {phone}: 10 digits */
#define DIALOG_CHECK_SMS_GSM7	306	/* 2 concatenated SMS: 2 x 153 */
#define DIALOG_CHECK_SMS_UCS2	134	/* 2 x 67 UCS-2 characters */
#define DIALOG_CHECK_URL	"www.macnss.ma"

struct check_key {
	const char	*key;
	const char	*vars[3];	/* allowed {placeholders} */
	int		 required;	/* the first one must be there */
};

static const struct check_key check_keys[] = {
	{ "language_name", { NULL }, 0 },
	{ "ask_idtype", { NULL }, 0 },
	{ "idtype_cin", { NULL }, 0 },
	{ "idtype_sejour", { NULL }, 0 },
	{ "idtype_passport", { NULL }, 0 },
	{ "ask_idnum", { "idtype" }, 0 },
	{ "ask_expiry", { "idtype" }, 0 },
	{ "ask_birth", { NULL }, 0 },
	{ "err_choice", { NULL }, 0 },
	{ "err_idnum", { NULL }, 0 },
	{ "err_date", { NULL }, 0 },
	{ "too_many", { NULL }, 0 },
	{ "expired", { NULL }, 0 },
	{ "service_error", { NULL }, 0 },
	{ "locked", { NULL }, 0 },
	{ "next_phone", { "phone" }, 1 },
	{ "next_agency", { NULL }, 0 },
	{ "no_match", { NULL }, 0 },
	{ "result_a", { "matricule" }, 1 },
	{ "result_b", { "matricule", "tail" }, 1 },
	{ "result_sms", { NULL }, 0 },
	{ "otp_ask", { "tail" }, 0 },
	{ "otp_live", { "tail" }, 0 },
	{ "otp_new", { NULL }, 0 },
	{ "err_otp", { NULL }, 0 },
	{ "otp_wrong", { "n" }, 1 },
	{ "otp_wait", { "s" }, 1 },
	{ "otp_void", { NULL }, 0 },
	{ "otp_expired", { NULL }, 0 },
	{ "otp_already", { "tail" }, 0 },
	{ "otp_limit", { NULL }, 0 },
	{ "minutes_1", { "n" }, 0 },
	{ "minutes_2", { "n" }, 0 },
	{ "minutes_3_10", { "n" }, 1 },
	{ "minutes_11", { "n" }, 1 },
	{ "seconds_1", { "n" }, 0 },
	{ "seconds_2", { "n" }, 0 },
	{ "seconds_3_10", { "n" }, 1 },
	{ "seconds_11", { "n" }, 1 },
	{ "ineligible", { "reason" }, 1 },
	{ "ineligible_generic", { NULL }, 0 },
	{ "reason_other", { NULL }, 0 },
	{ "cat_intro", { NULL }, 0 },
	{ "cat_title", { NULL }, 0 },
	{ "cat_gone", { NULL }, 0 },
	{ "nav_next", { NULL }, 0 },
	{ "nav_back", { NULL }, 0 },
	{ "docs_title", { NULL }, 0 },
	{ "docs_where", { NULL }, 0 },
	{ "docs_sms", { NULL }, 0 },
	{ "points_offer", { NULL }, 0 },
	{ "bye", { NULL }, 0 },
	{ "region_title", { NULL }, 0 },
	{ "region_gone", { NULL }, 0 },
	{ "points_sent", { "region" }, 1 },
	{ "sms_otp", { "otp", "minutes" }, 1 },
	{ "sms_password", { "password", "matricule" }, 1 },
	{ "sms_result_a", { "matricule" }, 1 },
	{ "sms_result_c", { "documents", "category" }, 1 },
	{ "sms_result_d", { "reason", "next" }, 1 },
	{ "sms_points", { "points", "region" }, 1 },
	{ "sms_no_match", { NULL }, 0 },
	{ "sms_cat_list", { "list" }, 1 },
	{ "sms_cat_more", { "n" }, 0 },
	{ "sms_list_more", { "n" }, 0 },
	{ "sms_otp_ask", { "tail" }, 0 },
	{ "sms_otp_live", { "tail" }, 0 },
	{ "sms_help", { NULL }, 0 },
};

/* The screens that end without an outcome: each ends with a next step. */
static const char *const check_next[] = { "too_many", "expired",
    "service_error", "locked", "otp_void", "otp_expired", "otp_limit",
    "otp_already" };

static int
check_err(char *err, size_t errsz, const char *lang, const char *key,
    const char *what, const char *name)
{
	if (err != NULL && errsz > 0)
		snprintf(err, errsz, "%s/%s: %s%s%s%s", lang, key, what,
		    name ? " {" : "", name ? name : "", name ? "}" : "");
	return -1;
}

static int
check_placeholders(const char *lang, const struct check_key *k,
    const char *text, char *err, size_t errsz)
{
	const char	*p, *q;
	char		 name[40];
	size_t		 nl;
	int		 i, seen = 0;

	for (p = text; (p = strchr(p, '{')) != NULL; p = q + 1) {
		if ((q = strchr(p + 1, '}')) == NULL)
			break;
		nl = (size_t)(q - p - 1);
		snprintf(name, sizeof(name), "%.*s", (int)(nl < 39 ? nl : 39),
		    p + 1);
		for (i = 0; i < 3 && k->vars[i] != NULL; i++)
			if (strcmp(name, k->vars[i]) == 0)
				break;
		if (i == 3 || k->vars[i] == NULL)
			return check_err(err, errsz, lang, k->key,
			    "unknown placeholder", name);
		if (i == 0)
			seen = 1;
	}
	if (k->required && !seen)
		return check_err(err, errsz, lang, k->key,
		    "missing placeholder", k->vars[0]);
	return 0;
}

/* Code point class: 1 Arabic script, 2 bidi control, 0 other. */
static int
cp_class(uint32_t cp)
{
	if ((cp >= 0x0600 && cp <= 0x06ff) || (cp >= 0x0750 && cp <= 0x077f) ||
	    (cp >= 0x08a0 && cp <= 0x08ff) || (cp >= 0xfb50 && cp <= 0xfdff) ||
	    (cp >= 0xfe70 && cp <= 0xfeff))
		return 1;
	if ((cp >= 0x200e && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069) || cp == 0x061c)
		return 2;
	return 0;
}

static uint32_t
first_cp(const char *s)
{
	uint32_t	cp = 0;

	if (utf8_decode((const unsigned char *)s, SIZE_MAX, &cp) == 0)
		return 0;
	return cp;
}

/*
 * An SMS body: no bidi control at all (a right-to-left mark before Latin
 * shows as a box on many phones), and in an Arabic-script language it
 * starts in Arabic script (a body that starts in Latin is laid out left
 * to right).
 */
static int
check_sms_script(const struct catalog *cat, const char *lang,
    const char *key, const char *text, char *err, size_t errsz)
{
	const unsigned char	*u = (const unsigned char *)text;
	const char		*name = catalog_get(cat, lang, "language_name");
	uint32_t		 cp;
	size_t			 k;

	for (; *u != '\0'; u += k) {
		if ((k = utf8_decode(u, SIZE_MAX, &cp)) == 0)
			return check_err(err, errsz, lang, key,
			    "is not UTF-8", NULL);
		if (cp_class(cp) == 2)
			return check_err(err, errsz, lang, key,
			    "holds a bidi control character", NULL);
	}
	if (name != NULL && cp_class(first_cp(name)) == 1 &&
	    cp_class(first_cp(text)) != 1)
		return check_err(err, errsz, lang, key,
		    "must start in Arabic script", NULL);
	return 0;
}

/* Screen "[pre\n]key-text[\npost]" with placeholder values v (pre's
 * too); the first one is named in the error. */
static int
check_fits_v(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, const char *pre, const char *key,
    const struct dialog_var *v, int nv, const char *post, char *err,
    size_t errsz)
{
	char		buf[DIALOG_TEXT_MAX];
	struct tbuf	b;

	tbuf_init(&b, buf, sizeof(buf));
	if (pre != NULL) {
		dialog_subst(&b, dialog_msg_lang(conf, cat, lang, pre), v, nv);
		tbuf_adds(&b, "\n");
	}
	dialog_subst(&b, dialog_msg_lang(conf, cat, lang, key), v, nv);
	if (post != NULL) {
		tbuf_adds(&b, "\n");
		tbuf_adds(&b, post);
	}
	if (!dialog_fits(&b, conf, lang))
		return check_err(err, errsz, lang, key,
		    pre ? "does not fit one USSD page with its error line" :
		    nv > 0 ? "does not fit one USSD page with this placeholder "
		    "at its longest:" : post ? "does not fit one USSD page "
		    "with what follows it" : "does not fit one USSD page",
		    nv > 0 ? v[0].name : NULL);
	return 0;
}

/* Screen "[pre\n]key-text[\npost]" with one placeholder value. */
static int
check_fits(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, const char *pre, const char *key, const char *var,
    const char *val, const char *post, char *err, size_t errsz)
{
	struct dialog_var	v = { var ? var : "", val ? val : "", 0 };

	return check_fits_v(conf, cat, lang, pre, key, &v, var ? 1 : 0, post,
	    err, errsz);
}

/* An SMS body with placeholders at their longest fits 2 SMS (small: the
 * secrets the gateway renders) or DIALOG_SMS_SEGMENTS (sent as is: accents
 * kept, GSM 7-bit when every character is in the alphabet). */
static int
check_sms(const struct catalog *cat, const char *lang, const char *key,
    const char *const *kv, int small, char *err, size_t errsz)
{
	char	buf[DIALOG_SMS_MAX];
	long	n;

	if (dialog_render(cat, lang, key, kv, buf, sizeof(buf)) == -1)
		return check_err(err, errsz, lang, key, "too long an SMS",
		    NULL);
	if (check_sms_script(cat, lang, key, catalog_get(cat, lang, key),
	    err, errsz) == -1)
		return -1;
	if (small && ((n = gsm_septets(buf)) >= 0 ? n > DIALOG_CHECK_SMS_GSM7 :
	    gsm_utf8_chars(buf) > DIALOG_CHECK_SMS_UCS2))
		return check_err(err, errsz, lang, key, "does not fit 2 SMS "
		    "with its placeholders at their longest", NULL);
	if (!small && !dialog_sms_fits(buf))
		return check_err(err, errsz, lang, key, "does not fit 8 SMS "
		    "with its placeholders at their longest", NULL);
	return 0;
}

/* Every SMS body of the dialog. */
static int
check_smses(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, const char *mat, const char *slot, char *err,
    size_t errsz)
{
	char		 otp[16], pw[80], tail[DIALOG_TAIL_LEN + 1];
	char		 list[3 * (DIALOG_CHECK_SLOT + 8)], nx[DIALOG_TEXT_MAX];
	struct tbuf	 b;
	size_t		 np;
	const char	*kv_otp[] = { "otp", otp, "minutes",
	    DIALOG_CHECK_MINUTES, NULL };
	const char	*kv_pw[] = { "password", pw, "matricule", mat, NULL };
	const char	*kv_a[] = { "matricule", mat, NULL };
	const char	*kv_c[] = { "category", slot, "documents", list, NULL };
	const char	*kv_d[] = { "reason", slot, "next", nx, NULL };
	const char	*kv_p[] = { "region", slot, "points", list, NULL };
	const char	*kv_l[] = { "list", list, NULL };
	const char	*kv_t[] = { "tail", tail, NULL };
	const char	*kv_n[] = { "n", "64", NULL };

	memset(tail, '9', DIALOG_TAIL_LEN);
	tail[DIALOG_TAIL_LEN] = '\0';
	memset(otp, '9', dialog_otp_digits(conf));
	otp[dialog_otp_digits(conf)] = '\0';
	np = conf->password_length > 0 ? (size_t)conf->password_length :
	    DIALOG_CHECK_PASSWORD;
	if (np > sizeof(pw) - 1)
		np = sizeof(pw) - 1;
	memset(pw, 'W', np);
	pw[np] = '\0';
	snprintf(list, sizeof(list), "1 %s\n2 %s\n3 %s", slot, slot, slot);
	tbuf_init(&b, nx, sizeof(nx));
	dialog_next_line(conf, cat, lang, 0, &b);
	if (check_sms(cat, lang, "sms_otp", kv_otp, 1, err, errsz) == -1 ||
	    check_sms(cat, lang, "sms_password", kv_pw, 1, err, errsz) == -1 ||
	    check_sms(cat, lang, "sms_result_a", kv_a, 0, err, errsz) == -1 ||
	    check_sms(cat, lang, "sms_result_c", kv_c, 0, err, errsz) == -1 ||
	    check_sms(cat, lang, "sms_result_d", kv_d, 0, err, errsz) == -1 ||
	    check_sms(cat, lang, "sms_points", kv_p, 0, err, errsz) == -1 ||
	    check_sms(cat, lang, "sms_no_match", NULL, 0, err, errsz) == -1 ||
	    check_sms(cat, lang, "sms_cat_list", kv_l, 0, err, errsz) == -1 ||
	    check_sms(cat, lang, "sms_cat_more", kv_n, 1, err, errsz) == -1 ||
	    check_sms(cat, lang, "sms_list_more", kv_n, 1, err, errsz) == -1 ||
	    check_sms(cat, lang, "sms_otp_ask", kv_t, 0, err, errsz) == -1 ||
	    check_sms(cat, lang, "sms_otp_live", kv_t, 0, err, errsz) == -1 ||
	    check_sms(cat, lang, "sms_help", NULL, 0, err, errsz) == -1)
		return -1;
	return 0;
}

/* The code screens: with "9 new code", with their error lines. */
static int
check_otp(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, const char *mat, char *err, size_t errsz)
{
	char			 tail[DIALOG_TAIL_LEN + 1], s[64];
	const char		*nw = dialog_msg_lang(conf, cat, lang, "otp_new");
	struct dialog_var	 v[2];
	struct tbuf		 b;

	memset(tail, '9', DIALOG_TAIL_LEN);
	tail[DIALOG_TAIL_LEN] = '\0';
	tbuf_init(&b, s, sizeof(s));
	dialog_plural(cat, lang, "seconds", 3600, &b);
	v[0] = (struct dialog_var){ "tail", tail, 0 };
	v[1] = (struct dialog_var){ "n", "99", 0 };
	if (check_fits_v(conf, cat, lang, NULL, "otp_ask", v, 1, nw, err,
	    errsz) == -1 ||
	    check_fits_v(conf, cat, lang, NULL, "otp_live", v, 1, nw, err,
	    errsz) == -1 ||
	    check_fits_v(conf, cat, lang, "err_otp", "otp_ask", v, 1, NULL,
	    err, errsz) == -1 ||
	    check_fits_v(conf, cat, lang, "otp_wrong", "otp_ask", v, 2, NULL,
	    err, errsz) == -1)
		return -1;
	v[1] = (struct dialog_var){ "s", s, 0 };
	if (check_fits_v(conf, cat, lang, "otp_wait", "otp_ask", v, 2, NULL,
	    err, errsz) == -1)
		return -1;
	v[0] = (struct dialog_var){ "matricule", mat, 0 };
	v[1] = (struct dialog_var){ "tail", tail, 0 };
	return check_fits_v(conf, cat, lang, NULL, "result_b", v, 2, NULL, err,
	    errsz);
}

/* The screens that end without an outcome, each with its next step
 * (the call centre's number, and the agency). */
static int
check_nexts(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, char *err, size_t errsz)
{
	struct dialog_conf	 c2 = *conf;
	char			 nx[DIALOG_TEXT_MAX], tail[DIALOG_TAIL_LEN + 1];
	struct dialog_var	 v = { "tail", tail, 0 };
	struct tbuf		 b;
	size_t			 i;
	int			 agency;

	memset(tail, '9', DIALOG_TAIL_LEN);
	tail[DIALOG_TAIL_LEN] = '\0';
	snprintf(c2.support_phone, sizeof(c2.support_phone), "%s",
	    DIALOG_CHECK_PHONE);
	for (agency = 0; agency < 2; agency++) {
		tbuf_init(&b, nx, sizeof(nx));
		dialog_next_line(&c2, cat, lang, agency, &b);
		for (i = 0; i < sizeof(check_next) / sizeof(check_next[0]); i++)
			if (check_fits_v(conf, cat, lang, NULL, check_next[i], &v,
			    1, nx, err, errsz) == -1)
				return check_err(err, errsz, lang, check_next[i],
				    agency ? "does not fit one USSD page with "
				    "next_agency" : "does not fit one USSD page "
				    "with next_phone ({phone} of 10 digits)",
				    NULL);
	}
	return 0;
}

/* Paged lists: a title, one item of DIALOG_CHECK_SLOT chars, navigation
 * (an error line may replace the title, so it must fit there too); the
 * documents' closing lines; the ends of case C. */
static int
check_lists(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, const char *slot, char *err, size_t errsz)
{
	static const char *const titles[] = { "cat_title", "err_choice",
	    "cat_gone", "docs_title", "region_title", "region_gone" };
	static const char *const closing[] = { "docs_where", "docs_sms",
	    "points_offer" };
	const char	*nn = dialog_msg_lang(conf, cat, lang, "nav_next");
	const char	*nb = dialog_msg_lang(conf, cat, lang, "nav_back");
	char		 item0[256], itemn[512];
	size_t		 i;

	snprintf(item0, sizeof(item0), "1 %s\n%s", slot, nn);
	snprintf(itemn, sizeof(itemn), "64 %s\n%s\n%s", slot, nn, nb);
	if (check_fits(conf, cat, lang, NULL, "cat_intro", NULL, NULL, item0,
	    err, errsz) == -1)
		return -1;
	for (i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
		if (check_fits(conf, cat, lang, NULL, titles[i], NULL, NULL,
		    itemn, err, errsz) == -1)
			return -1;
	for (i = 0; i < sizeof(closing) / sizeof(closing[0]); i++) {
		snprintf(itemn, sizeof(itemn), "%s\n%s\n%s",
		    dialog_msg_lang(conf, cat, lang, closing[i]), nn, nb);
		if (check_fits(conf, cat, lang, NULL, "docs_title", NULL, NULL,
		    itemn, err, errsz) == -1)
			return check_err(err, errsz, lang, closing[i],
			    "does not fit one USSD page with the title and "
			    "navigation", NULL);
	}
	if (check_fits(conf, cat, lang, NULL, "bye", NULL, NULL, NULL, err,
	    errsz) == -1 ||
	    check_fits(conf, cat, lang, NULL, "points_sent", "region", slot,
	    NULL, err, errsz) == -1)
		return -1;
	return 0;
}

/* The screens of A and B say where to go next: the portal. */
static int
check_url(const struct catalog *cat, const char *lang, char *err,
    size_t errsz)
{
	static const char *const keys[] = { "result_a", "result_b",
	    "otp_already", "sms_result_a" };
	size_t	i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strstr(catalog_get(cat, lang, keys[i]), DIALOG_CHECK_URL) ==
		    NULL)
			return check_err(err, errsz, lang, keys[i],
			    "must name " DIALOG_CHECK_URL, NULL);
	return 0;
}

static int
check_lang(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, char *err, size_t errsz)
{
	static const char *const alone[] = { "ineligible_generic", "no_match",
	    "docs_where" };
	static const char *const idt[] = { "idtype_cin", "idtype_sejour",
	    "idtype_passport" };
	char		 slot[DIALOG_CHECK_SLOT + 1];
	char		 mat[DIALOG_MATRICULE_MAX + 1];
	const char	*t;
	size_t		 i;

	for (i = 0; i < sizeof(check_keys) / sizeof(check_keys[0]); i++) {
		if ((t = catalog_get(cat, lang, check_keys[i].key)) == NULL)
			return check_err(err, errsz, lang, check_keys[i].key,
			    "missing", NULL);
		if (check_placeholders(lang, &check_keys[i], t, err,
		    errsz) == -1)
			return -1;
	}
	memset(slot, 'x', DIALOG_CHECK_SLOT);
	slot[DIALOG_CHECK_SLOT] = '\0';
	memset(mat, '9', DIALOG_MATRICULE_MAX);
	mat[DIALOG_MATRICULE_MAX] = '\0';

	if (check_fits(conf, cat, lang, "err_choice", "ask_idtype", NULL, NULL,
	    NULL, err, errsz) == -1 ||
	    check_fits(conf, cat, lang, "err_date", "ask_birth", NULL, NULL,
	    NULL, err, errsz) == -1 ||
	    check_fits(conf, cat, lang, "err_choice", "no_match", NULL, NULL,
	    NULL, err, errsz) == -1)
		return -1;
	for (i = 0; i < 3; i++) {
		t = catalog_get(cat, lang, idt[i]);
		if (check_fits(conf, cat, lang, "err_idnum", "ask_idnum",
		    "idtype", t, NULL, err, errsz) == -1 ||
		    check_fits(conf, cat, lang, "err_date", "ask_expiry",
		    "idtype", t, NULL, err, errsz) == -1)
			return -1;
	}
	for (i = 0; i < sizeof(alone) / sizeof(alone[0]); i++)
		if (check_fits(conf, cat, lang, NULL, alone[i], NULL, NULL,
		    NULL, err, errsz) == -1)
			return -1;
	if (check_fits(conf, cat, lang, NULL, "result_a", "matricule", mat,
	    NULL, err, errsz) == -1 ||
	    check_nexts(conf, cat, lang, err, errsz) == -1 ||
	    check_otp(conf, cat, lang, mat, err, errsz) == -1 ||
	    check_fits(conf, cat, lang, NULL, "ineligible", "reason", slot,
	    NULL, err, errsz) == -1 ||
	    check_lists(conf, cat, lang, slot, err, errsz) == -1 ||
	    check_url(cat, lang, err, errsz) == -1 ||
	    check_smses(conf, cat, lang, mat, slot, err, errsz) == -1)
		return -1;
	return 0;
}

int
dialog_check_catalog(const struct catalog *cat,
    const struct dialog_conf *conf, char *err, size_t errsz)
{
	char		lang[CATALOG_LANG_MAX], l0[CATALOG_LANG_MAX];
	char		buf[DIALOG_TEXT_MAX];
	struct tbuf	b;
	int		i;

	if (err != NULL && errsz > 0)
		err[0] = '\0';
	for (i = 0; i < dialog_nlangs(conf); i++) {
		dialog_conf_lang(conf, cat, i, lang);
		if (check_lang(conf, cat, lang, err, errsz) == -1)
			return -1;
	}
	/* The language menu, in the first language's error line. */
	dialog_conf_lang(conf, cat, 0, l0);
	tbuf_init(&b, buf, sizeof(buf));
	tbuf_adds(&b, dialog_msg_lang(conf, cat, l0, "err_choice"));
	tbuf_adds(&b, "\n");
	dialog_lang_menu(conf, cat, &b);
	if (dialog_nlangs(conf) > 1 && !dialog_fits(&b, conf, ""))
		return check_err(err, errsz, l0, "language_name",
		    "the language menu does not fit one USSD page", NULL);
	return 0;
}
