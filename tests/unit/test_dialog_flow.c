/*
 * test_dialog_flow: the issue "Every caller gets through" on USSD, with
 * golden screens in fr, ar and tzm — the one no-match screen whatever the
 * cause (digits-only candidates included), the next step on every end
 * without an outcome, the OTP across sessions (live code, "9", wait,
 * limit), receipts by SMS, the proximity points after the documents, the
 * language menu and the date prompts.
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

#define DIAL_FULL	"*1515*1*AB123456*31122030*01021980#"
#define DIAL_DIGITS	"*1515*1*123456*31122030*01021980#"

static const struct walk walks[] = {
	{ "no match: 1 asks the number again, type kept", CONF_DEFAULT, {
		NEED(OP_BEGIN, "*1515*2*E1234567*31122030*02021980#", LOOKUP),
		NOMATCH(OP_LOOKUP, "notfound", NO_MATCH_FR),
		ASK(OP_INPUT, "3", "Choix non valide.\n" NO_MATCH_FR),
		ASK(OP_INPUT, "1", "Entrez le numéro de votre carte de séjour :"),
		ASK(OP_INPUT, "E7654321", Q_EXPIRY, "carte de séjour"),
		ASK(OP_INPUT, "31122030", Q_BIRTH),
		NEED(OP_INPUT, "01021980", LOOKUP),
		ENDM(OP_LOOKUP, "a", DIALOG_OUTCOME_A, MATRICULE),
	} },
	{ "no match: bad answers end", CONF_BAD_ONE, {
		NEED(OP_BEGIN, DIAL_FULL, LOOKUP),
		NOMATCH(OP_LOOKUP, "cand_none", NO_MATCH_FR),
		END(OP_INPUT, "x", DIALOG_OUTCOME_ERROR, "Trop de saisies",
		    NEXT_AGENCY_FR),
	} },
	{ "digits only: the one candidate whose dates match", CONF_DEFAULT, {
		NEED(OP_BEGIN, DIAL_DIGITS, LOOKUP),
		ENDM(OP_LOOKUP, "cand_one", DIALOG_OUTCOME_A, MATRICULE,
		    "www.macnss.ma"),
	} },
	{ "digits only: an ineligible candidate", CONF_DEFAULT, {
		NEED(OP_BEGIN, DIAL_DIGITS, LOOKUP),
		ENDM(OP_LOOKUP, "cand_d", DIALOG_OUTCOME_D, "CNOPS"),
	} },
	{ "digits only: no more than DIALOG_CAND_MAX read", CONF_DEFAULT, {
		NEED(OP_BEGIN, DIAL_DIGITS, LOOKUP),
		ENDM(OP_LOOKUP, "cand_many", DIALOG_OUTCOME_A, MATRICULE),
	} },
	{ "a record without a birth date: typed in full", CONF_DEFAULT, {
		NEED(OP_BEGIN, DIAL_FULL, LOOKUP),
		ENDM(OP_LOOKUP, "d_nobirth", DIALOG_OUTCOME_D, "CNOPS"),
	} },
	{ "no match, then not registered: case C", CONF_DEFAULT, {
		NEED(OP_BEGIN, DIAL_DIGITS, LOOKUP),
		NOMATCH(OP_LOOKUP, "cand_two", NO_MATCH_FR),
		NEED(OP_INPUT, "2", CATS),
		ASK(OP_CATS, "fr", "Choisissez votre catégorie", "1 Médecins"),
	} },
	/* Next steps. */
	{ "locked, with the call centre", CONF_SERVICE, {
		NEED(OP_BEGIN, DIAL_FULL, LOOKUP),
		END(OP_LOOKUP, "locked", DIALOG_OUTCOME_LOCKED,
		    "Nombre de tentatives dépassé. Merci de réessayer plus tard."
		    "\n" NEXT_PHONE_FR),
	} },
	{ "service error, an agency", CONF_DEFAULT, {
		NEED(OP_BEGIN, DIAL_FULL, LOOKUP),
		END(OP_LOOKUP, "error", DIALOG_OUTCOME_ERROR,
		    "indisponible", NEXT_AGENCY_FR),
	} },
	{ "expired document, what next", CONF_SERVICE, {
		END(OP_BEGIN, "*1515*1*AB123456*01012020*01021980#",
		    DIALOG_OUTCOME_ERROR, "a expiré", NEXT_PHONE_FR),
	} },
	/* OTP across sessions. */
	{ "B: a live code is asked for, no new SMS", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "live", "Le code envoyé par SMS au numéro se "
		    "terminant par 42 est encore valable. Entrez-le :\n"
		    "9 Recevoir un nouveau code"),
		NEED(OP_INPUT, "482913", VERIFY),
		ENDM(OP_OTP, "ok", DIALOG_OUTCOME_B, MATRICULE, "finissant par 42"),
	} },
	{ "B: live without a tail, the phone on record's", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "live_notail", "terminant par 78 est encore"),
	} },
	{ "B: 9, a new code", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", Q_OTP, "\n9 Recevoir un nouveau code"),
		NEED(OP_INPUT, " 9 ", RESEND),
		ASKB(OP_OTP, "sent_new", "se terminant par 17. Entrez-le"),
		NEED(OP_INPUT, "482913", VERIFY),
		ENDM(OP_OTP, "ok", DIALOG_OUTCOME_B, "finissant par 17"),
	} },
	{ "B: 9 too soon: wait, the code already sent", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", Q_OTP),
		NEED(OP_INPUT, "9", RESEND),
		ASKB(OP_OTP, "wait", "Nouveau code possible dans 45 s.\nUn code",
		    Q_OTP, "\n9 Recevoir un nouveau code"),
		NEED(OP_INPUT, "482913", VERIFY),
		ENDM(OP_OTP, "ok", DIALOG_OUTCOME_B, "finissant par 42"),
	} },
	{ "B: 9, too many codes", CONF_SERVICE, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "live", "encore valable"),
		NEED(OP_INPUT, "9", RESEND),
		END(OP_OTP, "limit", DIALOG_OUTCOME_LOCKED, "Trop de codes "
		    "demandés. Merci de réessayer dans une heure.\n"
		    NEXT_PHONE_FR),
	} },
	{ "B: limit at issue", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		END(OP_OTP, "limit", DIALOG_OUTCOME_LOCKED, "Trop de codes",
		    NEXT_AGENCY_FR),
	} },
	{ "B: 9 after a wrong code; wrong answers to a resend", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", Q_OTP),
		NEED(OP_INPUT, "000000", VERIFY),
		ASKB(OP_OTP, "wrong2", "Essais restants : 2.", Q_OTP),
		NEED(OP_INPUT, "9", RESEND),
		END(OP_OTP, "ok", DIALOG_OUTCOME_ERROR, "indisponible"),
	} },
	{ "B: a live code at verify is no answer", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", Q_OTP),
		NEED(OP_INPUT, "482913", VERIFY),
		END(OP_OTP, "live", DIALOG_OUTCOME_ERROR, "indisponible"),
	} },
	{ "B: wait at issue is no answer", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		END(OP_OTP, "wait", DIALOG_OUTCOME_ERROR, "indisponible"),
	} },
	{ "B: already, after a resend", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", Q_OTP),
		NEED(OP_INPUT, "9", RESEND),
		END(OP_OTP, "already_notail", DIALOG_OUTCOME_B,
		    "finissant par 42", "www.macnss.ma"),
	} },
	{ "B: void and expired say what next", CONF_SERVICE, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", Q_OTP),
		NEED(OP_INPUT, "482913", VERIFY),
		END(OP_OTP, "void", DIALOG_OUTCOME_ERROR, "plus valide",
		    NEXT_PHONE_FR),
	} },
	/* Receipts. */
	{ "A: receipt by SMS, said on the screen", CONF_SERVICE, {
		NEED(OP_BEGIN, DIAL_FULL, LOOKUP),
		ENDS(OP_LOOKUP, "a", DIALOG_OUTCOME_A, "Vous recevez aussi ce "
		    "résultat par SMS.", "immatriculation est " MATRICULE,
		    "attestations"),
	} },
	{ "D: receipt with the reason and the next step", CONF_SERVICE, {
		NEED(OP_BEGIN, DIAL_FULL, LOOKUP),
		ENDS(OP_LOOKUP, "d", DIALOG_OUTCOME_D, "Vous recevez aussi",
		    "Motif : Vous relevez de la CNOPS.\n", NEXT_PHONE_FR),
	} },
	{ "D without a reason: receipt with the other scheme", CONF_SERVICE, {
		NEED(OP_BEGIN, DIAL_FULL, LOOKUP),
		ENDS(OP_LOOKUP, "d_empty", DIALOG_OUTCOME_D, "autre régime",
		    "Motif : vous relevez d'un autre régime", NULL),
	} },
	/* Case C: the documents, then the proximity points. */
	{ "C: documents by SMS, then the points of a region", CONF_SERVICE, {
		NEED(OP_BEGIN, DIAL_FULL, LOOKUP),
		NOMATCH(OP_LOOKUP, "notfound", NO_MATCH_FR),
		NEED(OP_INPUT, "2", CATS),
		ASK(OP_CATS, "fr", "1 Médecins"),
		NEED(OP_INPUT, "2", CATS),
		NEED(OP_CATS, "fr", DOCS),
		ASKS(OP_DOCS, "short", "- Copie de la CIN",
		    "(Pharmaciens) :\n- Copie de la CIN\n- Attestation de "
		    "l'ordre\nDéposez", NULL),
		NEED(OP_INPUT, "0", DOCS),
		ASK(OP_DOCS, "short", "Déposez votre dossier dans un point de "
		    "proximité ou une agence CNSS.\nLa liste vous est aussi "
		    "envoyée par SMS.\n1 Points de proximité de ma région (SMS)"
		    "\n00 Retour"),
		NEED(OP_INPUT, "1", DOCS),
		NEED(OP_DOCS, "short", REGIONS),
		ASK(OP_REGIONS, "fr", "Choisissez votre région :\n1 Casablanca",
		    "0 Suite"),
		NEED(OP_INPUT, "0", REGIONS),
		ASK(OP_REGIONS, "fr", "00 Retour", "12 Dakhla"),
		NEED(OP_INPUT, "2", REGIONS),
		NEED(OP_REGIONS, "fr", POINTS),
		ENDS(OP_POINTS, "ok", DIALOG_OUTCOME_C, "Les points de proximité de "
		    "la région Rabat-Salé-Kénitra vous sont envoyés par SMS.",
		    "région Rabat-Salé-Kénitra :\nAgence Rabat Hassan, Av. "
		    "Hassan II, Rabat, 8h30-16h30, 0537000000\n",
		    "\nPoint Salé, Bd. Mohammed V"),
	} },
	{ "C: a region gone, the list again; no point there", CONF_DEFAULT, {
		NEED(OP_BEGIN, DIAL_FULL, LOOKUP),
		NOMATCH(OP_LOOKUP, "notfound", NO_MATCH_FR),
		NEED(OP_INPUT, "2", CATS),
		ASK(OP_CATS, "fr", "1 Médecins"),
		NEED(OP_INPUT, "1", CATS),
		NEED(OP_CATS, "fr", DOCS),
		ASK(OP_DOCS, "short", "1 Points"),
		NEED(OP_INPUT, "1", DOCS),
		NEED(OP_DOCS, "short", REGIONS),
		ASK(OP_REGIONS, "fr", "1 Casablanca"),
		NEED(OP_INPUT, "13", REGIONS),
		ASK(OP_REGIONS, "fr", "Choix non valide."),
		NEED(OP_INPUT, "1", REGIONS),
		NEED(OP_REGIONS, "fr", POINTS),
		NEED(OP_POINTS, "gone", REGIONS),
		ASK(OP_REGIONS, "fr", "Cette région n'est plus disponible."),
		NEED(OP_INPUT, "3", REGIONS),
		NEED(OP_REGIONS, "fr", POINTS),
		ENDM(OP_POINTS, "none", DIALOG_OUTCOME_C, "point de proximité"),
	} },
	{ "C: regions fail, no region at all", CONF_DEFAULT, {
		NEED(OP_BEGIN, DIAL_FULL, LOOKUP),
		NOMATCH(OP_LOOKUP, "notfound", NO_MATCH_FR),
		NEED(OP_INPUT, "2", CATS),
		ASK(OP_CATS, "fr", "1 Médecins"),
		NEED(OP_INPUT, "1", CATS),
		NEED(OP_CATS, "fr", DOCS),
		ASK(OP_DOCS, "short", "1 Points"),
		NEED(OP_INPUT, "1", DOCS),
		NEED(OP_DOCS, "short", REGIONS),
		END(OP_REGIONS, "error", DIALOG_OUTCOME_ERROR, "indisponible",
		    NEXT_AGENCY_FR),
	} },
	{ "C: points fail", CONF_DEFAULT, {
		NEED(OP_BEGIN, DIAL_FULL, LOOKUP),
		NOMATCH(OP_LOOKUP, "notfound", NO_MATCH_FR),
		NEED(OP_INPUT, "2", CATS),
		ASK(OP_CATS, "fr", "1 Médecins"),
		NEED(OP_INPUT, "1", CATS),
		NEED(OP_CATS, "fr", DOCS),
		ASK(OP_DOCS, "short", "1 Points"),
		NEED(OP_INPUT, "1", DOCS),
		NEED(OP_DOCS, "short", REGIONS),
		ENDM(OP_REGIONS, "empty", DIALOG_OUTCOME_C, "point de proximité"),
	} },
	{ "C: any other answer on the last page ends on C", CONF_DEFAULT, {
		NEED(OP_BEGIN, DIAL_FULL, LOOKUP),
		NOMATCH(OP_LOOKUP, "notfound", NO_MATCH_FR),
		NEED(OP_INPUT, "2", CATS),
		ASK(OP_CATS, "fr", "1 Médecins"),
		NEED(OP_INPUT, "1", CATS),
		NEED(OP_CATS, "fr", DOCS),
		ASK(OP_DOCS, "short", "1 Points"),
		NEED(OP_INPUT, "2", DOCS),
		ENDM(OP_DOCS, "short", DIALOG_OUTCOME_C,
		    "Merci d'avoir utilisé le service CNSS."),
	} },
	{ "C, Arabic: documents and points", CONF_SERVICE, {
		ASK(OP_BEGIN, "*1515#", LANG_MENU),
		NEED(OP_INPUT, "2", DIALOG_NEED_NONE),
		NEED(OP_INPUT, "1", DIALOG_NEED_NONE),
		NEED(OP_INPUT, "AB123456", DIALOG_NEED_NONE),
		NEED(OP_INPUT, "31122030", DIALOG_NEED_NONE),
		NEED(OP_INPUT, "01021980", LOOKUP),
		NOMATCH(OP_LOOKUP, "notfound", "لا يوجد ملف مطابق"),
		NEED(OP_INPUT, "2", CATS),
		ASK(OP_CATS, "ar", "1 أطباء"),
		NEED(OP_INPUT, "1", CATS),
		NEED(OP_CATS, "ar", DOCS),
		ASKS(OP_DOCS, "ar", "الوثائق المطلوبة", "الضمان الاجتماعي: "
		    "الوثائق المطلوبة", "- رخصة مزاولة المهنة\n"),
	} },
};

static void
test_walks(void **state)
{
	(void)state;
	run_walks(walks, sizeof(walks) / sizeof(walks[0]));
}

/* Bring a USSD session in lang (1 fr, 2 ar, 3 tzm) to the lookup. */
static void
to_lookup(struct sess *s, enum conf_variant v, const char *lang,
    const char *num, const char *expiry, const char *birth)
{
	memset(s, 0, sizeof(*s));
	sess_begin(s, v, "*1515#");
	sess_input(s, lang);
	sess_input(s, "1");
	sess_input(s, num);
	sess_input(s, expiry);
	sess_input(s, birth);
	assert_int_equal(s->out.need, DIALOG_NEED_LOOKUP);
}

/* The no-match screen is the same, byte for byte, whatever the cause. */
static void
test_no_match_same(void **state)
{
	static const struct {
		const char *num, *expiry, *birth, *lookup;
	} causes[] = {
		{ "AB123456", "31122030", "01021980", "notfound" },
		{ "AB123456", "31122030", "02021980", "a" },	/* birth */
		{ "AB123456", "30122030", "01021980", "b" },	/* expiry */
		{ "AB123456", "31122030", "02021980", "d" },
		{ "AB123456", "31122030", "01021980", "b_nobirth" },
		{ "123456", "31122030", "01021980", "cand_two" },
		{ "123456", "31122030", "01021980", "cand_none" },
		{ "123456", "31122030", "02021980", "cand_one" },
		{ "123456", "31122030", "01021980", "notfound" },
	};
	static const char *const golden[] = {
		NO_MATCH_FR,
		"لا يوجد ملف مطابق لهذه المعلومات.\n1 تصحيح معلوماتي\n"
		"2 لست مسجلا",
		"ⵓⵔ ⵉⵍⵍⵉ ⵓⴼⴰⵢⵍⵓ ⵉⵎⵙⴰⵙⴰⵏ.\n1 ⵙⵖⵓⴷⵓ ⵉⵙⴰⵍⵍⵏ ⵉⵏⵓ\n2 ⵓⵔ ⵜⵜⵓⵣⵎⵎⵎⵖ",
	};
	static const char *const langs[] = { "1", "2", "3" };
	struct sess	s;
	size_t		i, l;

	(void)state;
	for (l = 0; l < 3; l++)
		for (i = 0; i < sizeof(causes) / sizeof(causes[0]); i++) {
			to_lookup(&s, CONF_DEFAULT, langs[l], causes[i].num,
			    causes[i].expiry, causes[i].birth);
			sess_lookup(&s, causes[i].lookup);
			assert_int_equal(s.out.record_failure, 1);
			assert_int_equal(s.out.end, 0);
			assert_int_equal(s.out.outcome, DIALOG_OUTCOME_NONE);
			assert_int_equal(s.d.step, DIALOG_S_NOMATCH);
			assert_string_equal(s.out.sms, "");
			if (strcmp(s.out.text, golden[l]) != 0)
				fail_msg("%s/%s: %s", langs[l], causes[i].lookup,
				    s.out.text);
			/* The details are kept for the gateway's count. */
			assert_true(s.d.idnum[0] != '\0');
		}
	/* "1": type kept, number and dates cleared. */
	to_lookup(&s, CONF_DEFAULT, "1", "AB123456", "31122030", "01021980");
	sess_lookup(&s, "notfound");
	sess_input(&s, "1");
	assert_string_equal(s.out.text, "Entrez le numéro de votre CIN :");
	assert_int_equal(s.d.idtype, PARSE_ID_CIN);
	assert_string_equal(s.d.idnum, "");
	assert_false(parse_date_is_set(&s.d.birth));
	assert_false(parse_date_is_set(&s.d.expiry));
	assert_int_equal(s.out.record_failure, 0);
}

/* Every end without an outcome ends with the next step, in every language,
 * with the call centre when there is one. */
static void
test_next_steps(void **state)
{
	static const struct {
		const char *lookup, *otp1, *in, *otp2;
		const char *dial;
	} ends[] = {
		{ "locked", NULL, NULL, NULL, DIAL_FULL },
		{ "error", NULL, NULL, NULL, DIAL_FULL },
		{ NULL, NULL, NULL, NULL, "*1515*1*AB123456*01012020*01021980#" },
		{ "b", "limit", NULL, NULL, B_DIAL },
		{ "b", "already", NULL, NULL, B_DIAL },
		{ "b", "locked", NULL, NULL, B_DIAL },
		{ "b", "sent", "482913", "void", B_DIAL },
		{ "b", "sent", "482913", "expired", B_DIAL },
		{ "b", "sent", "482913", "wrong0", B_DIAL },
		{ "b", "sent", "9", "limit", B_DIAL },
	};
	static const char *const langs[] = { "fr", "ar", "tzm" };
	static const char *const nexts[2][3] = {
		{ NEXT_AGENCY_FR, "مساعدة: وكالة CNSS أو نقطة قرب",
		    "ⵜⴰⵡⵉⵙⵉ: ⵜⴰⵏⵙⴰ ⵏ CNSS ⵏⵖ ⴰⵏⵙⴰ ⵉⵇⵔⴱⵏ" },
		{ NEXT_PHONE_FR, "مساعدة: " SUPPORT_PHONE " أو وكالة CNSS",
		    "ⵜⴰⵡⵉⵙⵉ: " SUPPORT_PHONE " ⵏⵖ ⵜⴰⵏⵙⴰ ⵏ CNSS" },
	};
	struct sess	 s;
	const char	*nl;
	size_t		 i, l;
	int		 v;

	(void)state;
	for (v = 0; v < 2; v++)
		for (l = 0; l < 3; l++)
			for (i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
				memset(&s, 0, sizeof(s));
				conf_make(v ? CONF_SERVICE : CONF_DEFAULT,
				    &s.conf);
				{
					struct parse_dial	dial;

					assert_int_equal(parse_dial(ends[i].dial,
					    &dial), 0);
					dialog_begin(&s.d, &s.conf, cat, &dial,
					    &s.out);
				}
				snprintf(s.d.lang, sizeof(s.d.lang), "%s",
				    langs[l]);
				if (ends[i].lookup == NULL) {
					/* The expired document: once more, in
					 * the language. */
					dialog_begin_fields(&s.d, &s.conf, cat,
					    langs[l], DIALOG_CH_USSD,
					    PARSE_ID_CIN, "AB123456",
					    &(struct parse_date){ 2020, 1, 1 },
					    &(struct parse_date){ 1980, 2, 1 },
					    &s.out);
				} else
					sess_lookup(&s, ends[i].lookup);
				if (ends[i].otp1 != NULL)
					sess_otp(&s, ends[i].otp1);
				if (ends[i].in != NULL) {
					sess_input(&s, ends[i].in);
					sess_otp(&s, ends[i].otp2);
				}
				assert_int_equal(s.out.end, 1);
				nl = strrchr(s.out.text, '\n');
				if (nl == NULL || strcmp(nl + 1,
				    nexts[v][l]) != 0)
					fail_msg("%s %zu: %s", langs[l], i,
					    s.out.text);
			}
}

/* The language menu, the date prompts: golden. */
static void
test_languages(void **state)
{
	struct sess	s;

	(void)state;
	memset(&s, 0, sizeof(s));
	sess_begin(&s, CONF_DEFAULT, "*1515#");
	assert_string_equal(s.out.text, "1 Français\n2 العربية\n"
	    "3 ⵜⴰⵎⴰⵣⵉⵖⵜ (Tamazight)");
	sess_input(&s, "5");
	assert_string_equal(s.out.text, "Choix non valide.\n1 Français\n"
	    "2 العربية\n3 ⵜⴰⵎⴰⵣⵉⵖⵜ (Tamazight)");

	sess_begin(&s, CONF_DEFAULT, "*1515*1*AB123456*31122030*x#");
	assert_string_equal(s.out.text, "Votre date de naissance (jjmmaaaa, "
	    "ex. 25121980) :");
	sess_begin(&s, CONF_DEFAULT, "*1515*1*AB123456#");
	assert_string_equal(s.out.text, "Date d'expiration de votre CIN "
	    "(jjmmaaaa, ex. 31122030) :");

	to_lookup(&s, CONF_DEFAULT, "2", "AB123456", "31122030", "01021980");
	sess_begin(&s, CONF_DEFAULT, "*1515#");
	sess_input(&s, "2");
	sess_input(&s, "1");
	sess_input(&s, "AB123456");
	assert_string_equal(s.out.text, "انتهاء صلاحية البطاقة الوطنية "
	    "(يوم/شهر/سنة، مثال: 31122030):");
	sess_input(&s, "31122030");
	assert_string_equal(s.out.text, "تاريخ ازديادك (يوم/شهر/سنة، مثال: "
	    "25121980):");
	sess_begin(&s, CONF_DEFAULT, "*1515#");
	sess_input(&s, "3");
	sess_input(&s, "1");
	sess_input(&s, "AB123456");
	sess_input(&s, "31122030");
	assert_string_equal(s.out.text, "ⴰⵙⴰⴽⵓⴷ ⵏ ⵜⵍⴰⵍⵉⵜ ⵏⵏⴽ "
	    "(ⴰⵙⵙ/ⴰⵢⵢⵓⵔ/ⴰⵙⴳⴳⵯⴰⵙ, ⴰⵎⴷⵢⴰ: 25121980):");
}

/* A and B name the portal and what to do, in every language. */
static void
test_portal(void **state)
{
	static const char *const langs[] = { "fr", "ar", "tzm" };
	struct sess	s;
	size_t		l;

	(void)state;
	for (l = 0; l < 3; l++) {
		memset(&s, 0, sizeof(s));
		sess_begin(&s, CONF_SERVICE, DIAL_FULL);
		snprintf(s.d.lang, sizeof(s.d.lang), "%s", langs[l]);
		sess_lookup(&s, "a");
		assert_non_null(strstr(s.out.text, "www.macnss.ma"));
		assert_non_null(strstr(s.out.text, MATRICULE));
		assert_string_equal(s.out.sms_kind, "receipt");
		assert_non_null(strstr(s.out.sms, "www.macnss.ma"));
		assert_non_null(strstr(s.out.sms, MATRICULE));

		sess_begin(&s, CONF_SERVICE, B_DIAL);
		snprintf(s.d.lang, sizeof(s.d.lang), "%s", langs[l]);
		sess_lookup(&s, "b");
		sess_otp(&s, "sent");
		sess_input(&s, "482913");
		sess_otp(&s, "ok");
		assert_non_null(strstr(s.out.text, "www.macnss.ma"));
		assert_string_equal(s.out.sms, "");	/* B: no receipt */
	}
	/* The receipt line only when the page allows; the SMS anyway. */
	memset(&s, 0, sizeof(s));
	sess_begin(&s, CONF_DEFAULT, DIAL_FULL);
	sess_lookup(&s, "a");
	assert_string_equal(s.out.text, "Votre numéro d'immatriculation CNSS : "
	    MATRICULE "\nUtilisez vos identifiants habituels Ma CNSS sur "
	    "www.macnss.ma.");
	assert_string_equal(s.out.sms, "");
}

/* Minutes and seconds in the Arabic plural; Arabic SMS start in Arabic
 * and never carry a bidi mark. */
static void
test_plurals(void **state)
{
	static const struct {
		const char *lang, *key, *name, *n, *want;
	} t[] = {
		{ "ar", "sms_otp", "minutes", "1", "مدة صلاحيته: دقيقة واحدة." },
		{ "ar", "sms_otp", "minutes", "2", "مدة صلاحيته: دقيقتان." },
		{ "ar", "sms_otp", "minutes", "3", "مدة صلاحيته: 3 دقائق." },
		{ "ar", "sms_otp", "minutes", "10", "مدة صلاحيته: 10 دقائق." },
		{ "ar", "sms_otp", "minutes", "11", "مدة صلاحيته: 11 دقيقة." },
		{ "ar", "sms_otp", "minutes", "60", "مدة صلاحيته: 60 دقيقة." },
		{ "ar", "sms_otp", "minutes", "103", "مدة صلاحيته: 103 دقائق." },
		{ "fr", "sms_otp", "minutes", "1", "Il expire dans 1 min." },
		{ "fr", "sms_otp", "minutes", "5", "Il expire dans 5 min." },
		{ "tzm", "sms_otp", "minutes", "5", "5 min." },
		{ "ar", "sms_otp", "minutes", "x5", "مدة صلاحيته: x5." },
	};
	static const char *const arkeys[] = { "sms_otp", "sms_password",
	    "sms_result_a", "sms_result_c", "sms_result_d", "sms_points",
	    "sms_no_match", "sms_cat_list", "sms_otp_ask", "sms_otp_live",
	    "sms_help" };
	const char	*kv[5];
	char		 out[1024];
	struct sess	 s;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		kv[0] = "otp";
		kv[1] = "482913";
		kv[2] = t[i].name;
		kv[3] = t[i].n;
		kv[4] = NULL;
		assert_int_equal(dialog_render(cat, t[i].lang, t[i].key, kv, out,
		    sizeof(out)), 0);
		if (strstr(out, t[i].want) == NULL)
			fail_msg("%s %s: %s", t[i].lang, t[i].n, out);
	}
	for (i = 0; i < sizeof(arkeys) / sizeof(arkeys[0]); i++) {
		const char	*x = catalog_get(cat, "ar", arkeys[i]);

		assert_non_null(x);
		assert_memory_equal(x, "الضمان الاجتماعي:", strlen(
		    "الضمان الاجتماعي:"));
		assert_null(strstr(x, "\u200f"));
	}
	assert_non_null(strstr(catalog_get(cat, "ar", "sms_password"),
	    "ثم غيّر كلمة المرور"));
	assert_null(strstr(catalog_get(cat, "ar", "sms_password"), "وغيرها"));

	/* Seconds to wait on the code screen. */
	{
		static const char *const w[][2] = { { "wait1", "ثانية واحدة" },
		    { "wait2", "ثانيتان" }, { "wait5", "5 ثوان" },
		    { "wait", "45 ثانية" } };

		for (i = 0; i < 4; i++) {
			memset(&s, 0, sizeof(s));
			sess_begin(&s, CONF_DEFAULT, B_DIAL);
			snprintf(s.d.lang, sizeof(s.d.lang), "ar");
			sess_lookup(&s, "b");
			sess_otp(&s, "sent");
			sess_input(&s, "9");
			sess_otp(&s, w[i][0]);
			if (strstr(s.out.text, w[i][1]) == NULL)
				fail_msg("%s: %s", w[i][0], s.out.text);
			assert_non_null(strstr(s.out.text, "أدخل الرمز"));
		}
	}
}

/* The D receipt holds the long reason whole, and the next step. */
static void
test_receipt_d_long(void **state)
{
	struct sess	s;

	(void)state;
	memset(&s, 0, sizeof(s));
	sess_begin(&s, CONF_SERVICE, DIAL_FULL);
	snprintf(s.d.lang, sizeof(s.d.lang), "ar");
	sess_lookup(&s, "d_ar_long");
	assert_string_equal(s.out.sms_kind, "receipt");
	assert_non_null(strstr(s.out.sms, REASON_AR_LONG));
	assert_non_null(strstr(s.out.sms, "مساعدة: " SUPPORT_PHONE));
	assert_int_equal(s.out.end, 0);		/* paged: test_dialog_pages */
	assert_int_equal(s.d.outcome, DIALOG_OUTCOME_D);
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
		cmocka_unit_test(test_no_match_same),
		cmocka_unit_test(test_next_steps),
		cmocka_unit_test(test_languages),
		cmocka_unit_test(test_portal),
		cmocka_unit_test(test_plurals),
		cmocka_unit_test(test_receipt_d_long),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
