/*
 * test_dialog_check: the catalogue check — the shipped catalogues pass
 * under every configuration, a missing key is named, and texts that are
 * too long (alone, with their error line, their next step, their list
 * furniture), have unknown placeholders or lack a required one, SMS that
 * start in the wrong script or hold a bidi mark, and A/B screens without
 * the portal are refused with "lang/key: reason".
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
#include "dialog_check.h"
#include "dialog_fixture.h"

static struct catalog	*cat;

static void
test_check_catalog(void **state)
{
	struct dialog_conf	 conf;
	struct catalog		*c;
	char			 err[256];
	int			 i;
	const char *const	*keys = all_keys;
	size_t			 nkeys = 0;
	static const char *const langs[] = { "fr", "ar", "tzm" };
	size_t			 k;

	(void)state;
	while (keys[nkeys] != NULL)
		nkeys++;
	for (i = CONF_DEFAULT; i <= CONF_SERVICE; i++) {
		conf_make((enum conf_variant)i, &conf);
		if (dialog_check_catalog(cat, &conf, err, sizeof(err)) != 0)
			fail_msg("shipped catalogue: %s", err);
	}
	conf_make(CONF_DEFAULT, &conf);

	/* Each language has each key (and nothing else is needed). */
	assert_non_null(c = catalog_new());
	for (i = 0; i < 3; i++)
		for (k = 0; k < nkeys; k++)
			assert_int_equal(catalog_set(c, langs[i], keys[k],
			    catalog_get(cat, langs[i], keys[k])), 0);
	assert_int_equal(dialog_check_catalog(c, &conf, err, sizeof(err)), 0);
	catalog_free(c);

	/* One key missing per language. */
	for (i = 0; i < 3; i++) {
		static const char *const gone[] = { "docs_where", "otp_wrong",
		    "sms_otp", "sms_password", "no_match", "next_phone",
		    "next_agency", "otp_live", "otp_new", "otp_wait",
		    "otp_limit", "minutes_11", "seconds_3_10", "docs_sms",
		    "points_offer", "region_title", "points_sent",
		    "sms_result_a", "sms_result_c", "sms_result_d",
		    "sms_points", "sms_no_match", "sms_cat_list",
		    "sms_cat_more", "sms_list_more",
		    "sms_otp_ask", "sms_otp_live", "sms_help", "result_sms",
		    "reason_other", "bye", "region_gone" };
		char	want[80];

		for (size_t g = 0; g < sizeof(gone) / sizeof(gone[0]); g++) {
			assert_non_null(c = catalog_new());
			for (int j = 0; j < 3; j++)
				for (k = 0; k < nkeys; k++)
					if (j != i || strcmp(keys[k], gone[g]))
						catalog_set(c, langs[j], keys[k],
						    catalog_get(cat, langs[j],
						    keys[k]));
			assert_int_equal(dialog_check_catalog(c, &conf, err,
			    sizeof(err)), -1);
			snprintf(want, sizeof(want), "%s/%s: missing", langs[i],
			    gone[g]);
			if (strstr(err, want) == NULL)
				fail_msg("want \"%s\", got \"%s\"", want, err);
			catalog_free(c);
		}
	}

	/* The SMS bodies are checked with the configured password length:
	 * 64 characters do not fit 2 UCS-2 SMS in Arabic. */
	conf.password_length = 64;
	assert_int_equal(dialog_check_catalog(cat, &conf, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "ar/sms_password: does not fit 2 SMS"));
	conf.password_length = 0;
	assert_int_equal(dialog_check_catalog(cat, &conf, err, sizeof(err)), 0);
	conf.otp_length = 10;
	assert_int_equal(dialog_check_catalog(cat, &conf, err, sizeof(err)), 0);
}

/* Texts that must be refused. */
static void
test_check_catalog_refusals(void **state)
{
	static const struct {
		const char *lang, *key, *text, *expect;
	} t[] = {
		{ "ar", "result_a", "رقم تسجيلك في الصندوق الوطني للضمان "
		    "الاجتماعي هو: {matricule}\nاستعمل معرفاتك المعتادة",
		    "ar/result_a: does not fit" },
		{ "fr", "locked", "Trop de tentatives {quand}.",
		    "fr/locked: unknown placeholder {quand}" },
		{ "fr", "result_b", "Votre numéro est sur le portail.",
		    "fr/result_b: missing placeholder {matricule}" },
		{ "tzm", "ask_idnum", "ⴰⵔⵓ ⵓⵟⵟⵓⵏ ⵏ {idtype} ⵏⵏⴽ, ⵜⴰⵏⵎⵎⵉⵔⵜ ⵉ ⴽⵢⵉ "
		    "ⵙ ⵓⵟⵟⵓⵏ ⵏⵏⴽ ⵏ ⵜⵎⴰⴳⵉⵜ ⴰⵎⴰⵢⵏⵓ ⵏⵖ ⴰⵇⴱⵓⵔ:",
		    "tzm/ask_idnum: does not fit" },
		{ "fr", "ask_birth", "Votre date de naissance, au format jour, "
		    "mois, année sur huit chiffres et sans séparateurs (par "
		    "exemple 01021980 pour le premier février mil neuf cent "
		    "quatre-vingt), puis envoyez :", "fr/ask_birth: does not fit" },
		{ "ar", "language_name", "العربية العربية العربية العربية العربية "
		    "العربية العربية العربية العربية العربية", "language menu" },
		{ "ar", "nav_next", "0 التالي لرؤية باقي الفئات المهنية الأخرى "
		    "المتوفرة في القائمة", "does not fit" },
		{ "fr", "result_b", "Mot de passe envoyé au ...{tail}.",
		    "fr/result_b: missing placeholder {matricule}" },
		{ "ar", "result_b", "رقم تسجيلك: {matricule}\nأرسلنا كلمة المرور "
		    "بـSMS إلى الرقم المنتهي بـ {tail}. غيرها في www.macnss.ma",
		    "ar/result_b: does not fit" },
		{ "fr", "otp_ask", "Code envoyé. Votre matricule {matricule} :",
		    "fr/otp_ask: unknown placeholder {matricule}" },
		{ "fr", "otp_already", "Déjà envoyé ({matricule}).",
		    "fr/otp_already: unknown placeholder {matricule}" },
		{ "fr", "otp_wrong", "Code erroné.",
		    "fr/otp_wrong: missing placeholder {n}" },
		{ "tzm", "otp_wrong", "ⴽⵓⴷ ⵉⵣⴳⵍ. ⵜⵉⵔⵎⵉⵜⵉⵏ ⵉⵇⵇⵉⵎⵏ ⵖⵉⵍⴰ ⴳ ⵓⵙⵎⵓⵜⵜⴳ "
		    "ⴰⴷ ⵏ ⵓⵣⵔⴰⵢ: {n}", "tzm/otp_ask: does not fit one USSD page "
		    "with its error line" },
		{ "ar", "err_otp", "صيغة الرمز غير صحيحة: أدخل الأرقام الواردة "
		    "في الرسالة", "ar/otp_ask: does not fit one USSD page with "
		    "its error line" },
		{ "fr", "otp_void", "Ce code n'est plus valide après trop "
		    "d'erreurs de saisie successives sur ce service. Recomposez "
		    "le code du service depuis votre téléphone pour recevoir un "
		    "nouveau code de vérification par SMS.",
		    "fr/otp_void: does not fit" },
		{ "fr", "sms_otp", "CNSS: votre code expire dans {minutes} min.",
		    "fr/sms_otp: missing placeholder {otp}" },
		{ "fr", "sms_password", "CNSS: {password} pour {matricule} "
		    "({msisdn}).", "fr/sms_password: unknown placeholder "
		    "{msisdn}" },
		{ "ar", "sms_otp", "الضمان الاجتماعي: رمز التحقق الخاص بك هو {otp}. "
		    "تنتهي صلاحيته بعد {minutes}. لا تطلع عليه أحدا ولا ترسله "
		    "لأي شخص يتصل بك باسم الصندوق الوطني للضمان الاجتماعي أو "
		    "غيره.", "ar/sms_otp: does not fit 2 SMS" },
		/* Arabic SMS start in Arabic; no bidi marks anywhere. */
		{ "ar", "sms_otp", "CNSS: رمز التحقق الخاص بك هو {otp}.",
		    "ar/sms_otp: must start in Arabic script" },
		{ "ar", "sms_result_d", "\u200fCNSS: لست مؤهلا.\n{reason}\n{next}",
		    "ar/sms_result_d: holds a bidi control character" },
		{ "fr", "sms_help", "CNSS: envoyez \u200eTNS CIN AB123456 "
		    "25121980.", "fr/sms_help: holds a bidi control character" },
		/* A and B name the portal. */
		{ "fr", "result_a", "Votre matricule : {matricule}.",
		    "fr/result_a: must name www.macnss.ma" },
		{ "tzm", "otp_already", "ⴰⵡⴰⵍ ⵏ ⵓⵣⵔⴰⵢ ⵉⵜⵜⵓⵣⵏ ..{tail}.",
		    "tzm/otp_already: must name www.macnss.ma" },
		/* Every end without an outcome fits with its next step. */
		{ "ar", "locked", "تجاوزت عدد المحاولات المسموح به في هذه "
		    "الساعة. يرجى إعادة المحاولة لاحقا.",
		    "ar/locked: does not fit one USSD page with next_phone" },
		{ "fr", "next_agency", "Aide : rendez-vous dans une agence CNSS ou "
		    "dans un point de proximité CNSS de votre région, du lundi "
		    "au vendredi, de 8h30 à 16h30, muni de votre pièce "
		    "d'identité et de vos justificatifs.",
		    "does not fit one USSD page with next_agency" },
		{ "fr", "next_phone", "Aide : appelez le centre d'appels.",
		    "fr/next_phone: missing placeholder {phone}" },
		/* The new screens and their placeholders. */
		{ "fr", "otp_wait", "Nouveau code plus tard.",
		    "fr/otp_wait: missing placeholder {s}" },
		{ "ar", "minutes_11", "دقيقة",
		    "ar/minutes_11: missing placeholder {n}" },
		{ "fr", "points_sent", "Points envoyés : {points}.",
		    "fr/points_sent: unknown placeholder {points}" },
		{ "fr", "sms_cat_list", "CNSS: répondez TNS CAT <n>.",
		    "fr/sms_cat_list: missing placeholder {list}" },
		{ "tzm", "otp_live", "ⴽⵓⴷ ⵏ SMS ⵖⵔ ...{tail} ⵉⵚⵃⴰ ⴰⵔ ⴷⵖⵉ. ⴰⵔⵓ ⵜ ⵖⵉⵍⴰ "
		    "ⴳ ⵓⵙⵎⵓⵜⵜⴳ ⴰⴷ ⵏ ⵓⵣⵔⴰⵢ ⴰⵎⴰⵢⵏⵓ:",
		    "tzm/otp_live: does not fit one USSD page" },
		{ "ar", "docs_sms", "أرسلنا لك القائمة الكاملة للوثائق المطلوبة "
		    "أيضا عبر رسالة قصيرة.", "ar/docs_sms: does not fit one USSD "
		    "page with the title and navigation" },
		{ "fr", "no_match", "Aucun dossier ne correspond aux informations "
		    "que vous avez saisies (type de pièce, numéro, dates).\n"
		    "1 Corriger mes informations\n2 Je ne suis pas encore "
		    "immatriculé(e) à la CNSS", "fr/no_match: does not fit" },
		{ "tzm", "language_name", "ⵜⴰⵎⴰⵣⵉⵖⵜ ⵜⴰⵏⴰⵡⴰⵢⵜ ⵏ ⵍⵎⵖⵔⵉⴱ "
		    "(Tamazight standard)", "language menu" },
		{ "fr", "sms_password", "CNSS: votre mot de passe initial Ma "
		    "CNSS est {password}. Connectez-vous sur www.macnss.ma avec "
		    "votre numéro d'immatriculation {matricule} et changez-le "
		    "dès votre première connexion. Ne le communiquez à personne, "
		    "la CNSS ne vous le demandera jamais par téléphone ni par "
		    "SMS ni par courriel, et gardez ce message en lieu sûr.",
		    "fr/sms_password: does not fit 2 SMS" },
	};
	struct dialog_conf	 conf;
	struct catalog		*c;
	char			 err[256];
	size_t			 i;
	int			 l, k;
	static const char *const langs[] = { "fr", "ar", "tzm" };

	(void)state;
	conf_make(CONF_DEFAULT, &conf);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_non_null(c = catalog_new());
		/* A copy of the shipped texts, then the one bad text. */
		for (l = 0; l < 3; l++)
			for (k = 0; k < 128; k++) {
				const char *const *keys = all_keys;

				if (keys[k] == NULL)
					break;
				catalog_set(c, langs[l], keys[k],
				    catalog_get(cat, langs[l], keys[k]));
			}
		assert_int_equal(catalog_set(c, t[i].lang, t[i].key, t[i].text),
		    0);
		if (dialog_check_catalog(c, &conf, err, sizeof(err)) != -1)
			fail_msg("accepted %s/%s", t[i].lang, t[i].key);
		if (strstr(err, t[i].expect) == NULL)
			fail_msg("%s/%s: error \"%s\"", t[i].lang, t[i].key,
			    err);
		catalog_free(c);
	}
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
		cmocka_unit_test(test_check_catalog),
		cmocka_unit_test(test_check_catalog_refusals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
