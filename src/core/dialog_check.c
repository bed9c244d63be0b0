/*
 * dialog_check: the catalogue checked before it is used (tnsgw -t, start,
 * SIGHUP): every text the dialog shows is there, with only the
 * placeholders it fills, and fits one USSD page at its longest; the SMS
 * bodies fit 2 concatenated SMS.
 */
#include "dialog_check.h"

#include <stdio.h>
#include <string.h>

#include "dialog_impl.h"
#include "gsm.h"
#include "tbuf.h"

#define DIALOG_CHECK_SLOT	20	/* chars a label or {reason} fills */
#define DIALOG_CHECK_MINUTES	"60"	/* {minutes} at its longest (3600 s) */
#define DIALOG_CHECK_PASSWORD	10	/* password_length when conf says 0 */
#define DIALOG_CHECK_SMS_GSM7	306	/* 2 concatenated SMS: 2 x 153 */
#define DIALOG_CHECK_SMS_UCS2	134	/* 2 x 67 UCS-2 characters */
#define DIALOG_CHECK_SMS_TEXT	2048	/* one rendered SMS body, bytes */

struct check_key {
	const char	*key;
	const char	*vars[2];	/* allowed {placeholders} */
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
	{ "result_a", { "matricule" }, 1 },
	{ "result_b", { "matricule", "tail" }, 1 },
	{ "otp_ask", { "tail" }, 0 },
	{ "err_otp", { NULL }, 0 },
	{ "otp_wrong", { "n" }, 1 },
	{ "otp_void", { NULL }, 0 },
	{ "otp_expired", { NULL }, 0 },
	{ "otp_already", { "tail" }, 0 },
	{ "sms_otp", { "otp", "minutes" }, 1 },
	{ "sms_password", { "password", "matricule" }, 1 },
	{ "mismatch", { NULL }, 0 },
	{ "ineligible", { "reason" }, 1 },
	{ "ineligible_generic", { NULL }, 0 },
	{ "cat_intro", { NULL }, 0 },
	{ "cat_title", { NULL }, 0 },
	{ "cat_gone", { NULL }, 0 },
	{ "nav_next", { NULL }, 0 },
	{ "nav_back", { NULL }, 0 },
	{ "docs_title", { NULL }, 0 },
	{ "docs_where", { NULL }, 0 },
};

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
		for (i = 0; i < 2 && k->vars[i] != NULL; i++)
			if (strcmp(name, k->vars[i]) == 0)
				break;
		if (i == 2 || k->vars[i] == NULL)
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

/* Screen "[pre\n]key-text[\npost...]" with placeholder values v (pre's
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
		    "with a list item and navigation" :
		    "does not fit one USSD page", nv > 0 ? v[0].name : NULL);
	return 0;
}

/* Screen "[pre\n]key-text[\npost...]" with one placeholder value. */
static int
check_fits(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, const char *pre, const char *key, const char *var,
    const char *val, const char *post, char *err, size_t errsz)
{
	struct dialog_var	v = { var ? var : "", val ? val : "", 0 };

	return check_fits_v(conf, cat, lang, pre, key, &v, var ? 1 : 0, post,
	    err, errsz);
}

/* An SMS body with placeholders at their longest fits 2 SMS (sent as is:
 * accents kept, GSM 7-bit when every character is in the alphabet). */
static int
check_sms(const struct catalog *cat, const char *lang, const char *key,
    const char *const *kv, char *err, size_t errsz)
{
	char	buf[DIALOG_CHECK_SMS_TEXT];
	long	n;

	if (dialog_render(cat, lang, key, kv, buf, sizeof(buf)) == -1)
		return check_err(err, errsz, lang, key, "too long an SMS",
		    NULL);
	if ((n = gsm_septets(buf)) >= 0 ? n > DIALOG_CHECK_SMS_GSM7 :
	    gsm_utf8_chars(buf) > DIALOG_CHECK_SMS_UCS2)
		return check_err(err, errsz, lang, key, "does not fit 2 SMS "
		    "with its placeholders at their longest", NULL);
	return 0;
}

/* Case B: the OTP screens and the SMS bodies. */
static int
check_otp(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, const char *mat, char *err, size_t errsz)
{
	char		 otp[16], pw[80], tail[DIALOG_TAIL_LEN + 1];
	struct dialog_var	 v[2];
	size_t		 np;
	const char	*kv_otp[] = { "otp", otp, "minutes",
	    DIALOG_CHECK_MINUTES, NULL };
	const char	*kv_pw[] = { "password", pw, "matricule", mat, NULL };

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

	v[0] = (struct dialog_var){ "tail", tail, 0 };
	v[1] = (struct dialog_var){ "n", "99", 0 };
	if (check_fits_v(conf, cat, lang, NULL, "otp_ask", v, 1, NULL, err,
	    errsz) == -1 ||
	    check_fits_v(conf, cat, lang, "err_otp", "otp_ask", v, 1, NULL,
	    err, errsz) == -1 ||
	    check_fits_v(conf, cat, lang, "otp_wrong", "otp_ask", v, 2, NULL,
	    err, errsz) == -1 ||
	    check_fits_v(conf, cat, lang, NULL, "otp_already", v, 1, NULL,
	    err, errsz) == -1 ||
	    check_fits(conf, cat, lang, NULL, "otp_void", NULL, NULL, NULL,
	    err, errsz) == -1 ||
	    check_fits(conf, cat, lang, NULL, "otp_expired", NULL, NULL, NULL,
	    err, errsz) == -1)
		return -1;
	v[0] = (struct dialog_var){ "matricule", mat, 0 };
	v[1] = (struct dialog_var){ "tail", tail, 0 };
	if (check_fits_v(conf, cat, lang, NULL, "result_b", v, 2, NULL, err,
	    errsz) == -1)
		return -1;
	if (check_sms(cat, lang, "sms_otp", kv_otp, err, errsz) == -1 ||
	    check_sms(cat, lang, "sms_password", kv_pw, err, errsz) == -1)
		return -1;
	return 0;
}

static int
check_lang(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, char *err, size_t errsz)
{
	static const char *const alone[] = { "too_many", "expired",
	    "service_error", "locked", "mismatch", "ineligible_generic",
	    "docs_where" };
	static const char *const idt[] = { "idtype_cin", "idtype_sejour",
	    "idtype_passport" };
	char		 slot[DIALOG_CHECK_SLOT + 1];
	char		 mat[DIALOG_MATRICULE_MAX + 1];
	char		 item0[96], itemn[256];
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
	    check_otp(conf, cat, lang, mat, err, errsz) == -1 ||
	    check_fits(conf, cat, lang, NULL, "ineligible", "reason", slot,
	    NULL, err, errsz) == -1)
		return -1;

	/* Paged lists: a title, one item of DIALOG_CHECK_SLOT chars, navigation
	 * (an error line may replace the title, so it must fit there too). */
	snprintf(item0, sizeof(item0), "1 %s\n%s", slot,
	    dialog_msg_lang(conf, cat, lang, "nav_next"));
	snprintf(itemn, sizeof(itemn), "64 %s\n%s\n%s", slot,
	    dialog_msg_lang(conf, cat, lang, "nav_next"),
	    dialog_msg_lang(conf, cat, lang, "nav_back"));
	if (check_fits(conf, cat, lang, NULL, "cat_intro", NULL, NULL, item0,
	    err, errsz) == -1 ||
	    check_fits(conf, cat, lang, NULL, "cat_title", NULL, NULL, itemn,
	    err, errsz) == -1 ||
	    check_fits(conf, cat, lang, NULL, "err_choice", NULL, NULL, itemn,
	    err, errsz) == -1 ||
	    check_fits(conf, cat, lang, NULL, "cat_gone", NULL, NULL, itemn,
	    err, errsz) == -1 ||
	    check_fits(conf, cat, lang, NULL, "docs_title", NULL, NULL, itemn,
	    err, errsz) == -1)
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
