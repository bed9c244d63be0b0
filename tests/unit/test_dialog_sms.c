/*
 * test_dialog_sms: the SMS channel (dialog_begin_fields, DIALOG_CH_SMS) —
 * every outcome of DESIGN.md §1 as one reply SMS each, out->text always
 * "", lists whole in one SMS (never paged, whole items only, 8 SMS at
 * most), the follow-ups "TNS CAT <n>" and "TNS OTP <code>" as
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

/* A list longer than 8 SMS: whole items only, as many as fit; every SMS
 * of the channel fits 8 concatenated SMS and is a reply. */
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
	/* The last item listed can be chosen; one past it is still a
	 * category of the list the gateway holds. */
	snprintf(line, sizeof(line), "%d", n + 1);
	sess_input(&s, line);
	dialog_on_categories(&s.d, &s.conf, cat, &res, &s.out);
	sess_check(&s);
	assert_int_equal(s.out.need, DIALOG_NEED_DOCS);
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
		cmocka_unit_test(test_sms_states),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
