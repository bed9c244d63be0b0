/*
 * test_dialog: table-driven walks through every path of the USSD dialog
 * (A, B with its OTP steps, C with paging, D, no match, locked, errors, bad
 * answers, shortcut, expired document), with the shipped catalogues; the
 * state is encoded and decoded between every two calls, like the gateway
 * does through Redis (dialog_fixture.h). Then paging, the OTP answer and
 * the SMS bodies on their own (the encoded form: test_dialog_state; the
 * catalogue check: test_dialog_check; the issue "Every caller gets
 * through": test_dialog_flow, test_dialog_pages, test_dialog_sms).
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

static const struct walk walks[] = {
	{ "A, every screen, French", CONF_DEFAULT, {
		ASK(OP_BEGIN, "*1515#", LANG_MENU),
		ASK(OP_INPUT, "1", IDTYPE_MENU),
		ASK(OP_INPUT, "1", Q_IDNUM " CIN"),
		ASK(OP_INPUT, "ab-123456", Q_EXPIRY, "votre CIN"),
		ASK(OP_INPUT, "31/12/2030", Q_BIRTH),
		NEED(OP_INPUT, " 01.02.1980 ", LOOKUP),
		ENDM(OP_LOOKUP, "a", DIALOG_OUTCOME_A, MATRICULE,
		    "identifiants habituels Ma CNSS"),
	} },
	{ "A, registry without expiry", CONF_DEFAULT, {
		NEED(OP_BEGIN, "*1515*3*X1234567*01012031*01021980#", LOOKUP),
		ENDM(OP_LOOKUP, "a_noexp", DIALOG_OUTCOME_A, MATRICULE),
	} },
	{ "A, Arabic", CONF_DEFAULT, {
		ASK(OP_BEGIN, "*1515#", LANG_MENU),
		ASK(OP_INPUT, "2", "نوع الوثيقة", "3 جواز السفر"),
		ASK(OP_INPUT, "2", "أدخل رقم بطاقة الإقامة"),
		ASK(OP_INPUT, "E123456", "انتهاء صلاحية بطاقة الإقامة"),
		ASK(OP_INPUT, "31-12-2030", "تاريخ ازديادك"),
		NEED(OP_INPUT, "1-2-1980", LOOKUP),
		ENDM(OP_LOOKUP, "a", DIALOG_OUTCOME_A, "رقم تسجيلك", MATRICULE),
	} },
	{ "B: OTP sent, right code, French", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", "code de vérification", Q_OTP),
		NEED(OP_INPUT, " 482913 ", VERIFY),
		ENDM(OP_OTP, "ok", DIALOG_OUTCOME_B, "CNSS : " MATRICULE "\n",
		    "finissant par 42.", "www.macnss.ma"),
	} },
	{ "B: the tail of the OK answer wins", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", Q_OTP),
		NEED(OP_INPUT, "482913", VERIFY),
		ENDM(OP_OTP, "ok_tail", DIALOG_OUTCOME_B, MATRICULE,
		    "finissant par 31."),
	} },
	{ "B: no tail from the gateway, the phone on record's", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent_notail", "se terminant par 78."),
		NEED(OP_INPUT, "482913", VERIFY),
		ENDM(OP_OTP, "ok", DIALOG_OUTCOME_B, MATRICULE, "finissant par 78."),
	} },
	{ "B: a long tail is cut to 2 digits", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent_longtail", "se terminant par 34."),
	} },
	{ "B: no tail anywhere", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b_nophone", ISSUE),
		END(OP_OTP, "sent_badtail", DIALOG_OUTCOME_ERROR, "indisponible"),
	} },
	{ "B: a phone that is not digits is no phone", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b_badphone", ISSUE),
		END(OP_OTP, "sent_notail", DIALOG_OUTCOME_ERROR, "indisponible"),
	} },
	{ "B: a matricule that is not digits", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		END(OP_LOOKUP, "b_badmat", DIALOG_OUTCOME_ERROR, "indisponible"),
	} },
	{ "B: no matricule", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		END(OP_LOOKUP, "b_nomat", DIALOG_OUTCOME_ERROR, "indisponible"),
	} },
	{ "B: wrong code, then right", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", Q_OTP),
		NEED(OP_INPUT, "000000", VERIFY),
		ASKB(OP_OTP, "wrong2", "Code erroné. Essais restants : 2.\n",
		    Q_OTP),
		NEED(OP_INPUT, "111111", VERIFY),
		ASKB(OP_OTP, "wrong1", "Essais restants : 1.", Q_OTP),
		NEED(OP_INPUT, "482913", VERIFY),
		ENDM(OP_OTP, "ok", DIALOG_OUTCOME_B, MATRICULE),
	} },
	{ "B: wrong code with no try left is void", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", Q_OTP),
		NEED(OP_INPUT, "000000", VERIFY),
		END(OP_OTP, "wrong0", DIALOG_OUTCOME_ERROR, "plus valide",
		    "nouveau"),
	} },
	{ "B: attempts left shown on 2 digits at most", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", Q_OTP),
		NEED(OP_INPUT, "000000", VERIFY),
		ASKB(OP_OTP, "wrong_many", "Essais restants : 99."),
	} },
	{ "B: void code", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", Q_OTP),
		NEED(OP_INPUT, "000000", VERIFY),
		END(OP_OTP, "void", DIALOG_OUTCOME_ERROR,
		    "plus valide après trop d'erreurs", "Recomposez"),
	} },
	{ "B: expired code", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", Q_OTP),
		NEED(OP_INPUT, "482913", VERIFY),
		END(OP_OTP, "expired", DIALOG_OUTCOME_ERROR, "Ce code a expiré",
		    "Recomposez"),
	} },
	{ "B: locked at verify", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", Q_OTP),
		NEED(OP_INPUT, "482913", VERIFY),
		END(OP_OTP, "locked", DIALOG_OUTCOME_LOCKED, "Nombre de tentatives"),
	} },
	{ "B: error at verify", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", Q_OTP),
		NEED(OP_INPUT, "482913", VERIFY),
		END(OP_OTP, "error", DIALOG_OUTCOME_ERROR, "indisponible"),
	} },
	{ "B: an unknown status at verify", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", Q_OTP),
		NEED(OP_INPUT, "482913", VERIFY),
		END(OP_OTP, "bogus", DIALOG_OUTCOME_ERROR, "indisponible"),
	} },
	{ "B: password already pending", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		END(OP_OTP, "already", DIALOG_OUTCOME_B, "déjà envoyé",
		    "finissant par 42.", "www.macnss.ma.\n" NEXT_AGENCY_FR),
	} },
	{ "B: already pending, the phone on record's tail", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		END(OP_OTP, "already_notail", DIALOG_OUTCOME_B,
		    "finissant par 78."),
	} },
	{ "B: locked at issue", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		END(OP_OTP, "locked", DIALOG_OUTCOME_LOCKED, "Nombre de tentatives"),
	} },
	{ "B: error at issue", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		END(OP_OTP, "error", DIALOG_OUTCOME_ERROR, "indisponible"),
	} },
	{ "B: answers that do not answer the issue", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		END(OP_OTP, "ok", DIALOG_OUTCOME_ERROR, "indisponible"),
	} },
	{ "B: wrong before any code", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		END(OP_OTP, "wrong2", DIALOG_OUTCOME_ERROR, "indisponible"),
	} },
	{ "B: void or expired before any code", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		END(OP_OTP, "expired", DIALOG_OUTCOME_ERROR, "indisponible"),
	} },
	{ "B: sent again at verify", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", Q_OTP),
		NEED(OP_INPUT, "482913", VERIFY),
		END(OP_OTP, "sent", DIALOG_OUTCOME_ERROR, "indisponible"),
	} },
	{ "B: already at verify", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", Q_OTP),
		NEED(OP_INPUT, "482913", VERIFY),
		END(OP_OTP, "already", DIALOG_OUTCOME_B, "déjà envoyé",
		    "finissant par 42."),
	} },
	{ "B: bad codes, then too many", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", Q_OTP),
		ASKB(OP_INPUT, "48291", "Code non valide", Q_OTP),
		ASKB(OP_INPUT, "48a913", "Code non valide", Q_OTP),
		END(OP_INPUT, "4829134", DIALOG_OUTCOME_ERROR, "Trop de saisies"),
	} },
	{ "B: a good code resets the bad answers", CONF_DEFAULT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", Q_OTP),
		ASKB(OP_INPUT, "", "Code non valide", Q_OTP),
		ASKB(OP_INPUT, "48 29 13", "Code non valide", Q_OTP),
		NEED(OP_INPUT, "000000", VERIFY),
		ASKB(OP_OTP, "wrong2", "Essais restants : 2."),
		ASKB(OP_INPUT, "x", "Code non valide", Q_OTP),
		ASKB(OP_INPUT, "y", "Code non valide", Q_OTP),
		NEED(OP_INPUT, "482913", VERIFY),
		ENDM(OP_OTP, "ok", DIALOG_OUTCOME_B, MATRICULE),
	} },
	{ "B: otp_length 4", CONF_OTP4, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", Q_OTP),
		ASKB(OP_INPUT, "482913", "Code non valide", Q_OTP),
		NEED(OP_INPUT, "4829", VERIFY),
		ENDM(OP_OTP, "ok", DIALOG_OUTCOME_B, MATRICULE),
	} },
	{ "B: no match never reaches the OTP", CONF_DEFAULT, {
		NEED(OP_BEGIN, "*1515*1*AB123456*31122030*02021980#", LOOKUP),
		NOMATCH(OP_LOOKUP, "b", NO_MATCH_FR),
	} },
	{ "B: no transliteration, accents kept", CONF_NO_TRANSLIT, {
		NEED(OP_BEGIN, B_DIAL, LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", "code de vérification", Q_OTP),
		ASKB(OP_INPUT, "1", "Code non valide", Q_OTP),
		NEED(OP_INPUT, "482913", VERIFY),
		ASKB(OP_OTP, "wrong1", "Code erroné. Essais restants : 1.\n",
		    Q_OTP),
		NEED(OP_INPUT, "482913", VERIFY),
		ENDM(OP_OTP, "ok", DIALOG_OUTCOME_B, MATRICULE, "1re connexion"),
	} },
	{ "B, Arabic", CONF_DEFAULT, {
		ASK(OP_BEGIN, "*1515#", LANG_MENU),
		ASK(OP_INPUT, "2", "نوع الوثيقة"),
		ASK(OP_INPUT, "1", "أدخل رقم البطاقة الوطنية"),
		ASK(OP_INPUT, "AB123456", "انتهاء صلاحية"),
		ASK(OP_INPUT, "31122030", "تاريخ ازديادك"),
		NEED(OP_INPUT, "01021980", LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", "أدخل الرمز", "42"),
		ASKB(OP_INPUT, "12", "صيغة الرمز غير صحيحة.\n", "أدخل الرمز"),
		NEED(OP_INPUT, "000000", VERIFY),
		ASKB(OP_OTP, "wrong2", "رمز خاطئ. محاولات متبقية: 2\n",
		    "أدخل الرمز"),
		NEED(OP_INPUT, "482913", VERIFY),
		ENDM(OP_OTP, "ok", DIALOG_OUTCOME_B, "رقمك: " MATRICULE,
		    "..42", "www.macnss.ma"),
	} },
	{ "B, Tamazight", CONF_DEFAULT, {
		ASK(OP_BEGIN, "*1515#", LANG_MENU),
		ASK(OP_INPUT, "3", "ⴰⴷⵍⵉⵙ ⵏ ⵓⵎⵓⴷⴷⵓ"),
		ASK(OP_INPUT, "3", "ⴰⵔⵓ ⵓⵟⵟⵓⵏ ⵏ ⵓⴷⵍⵉⵙ ⵏ ⵓⵎⵓⴷⴷⵓ"),
		ASK(OP_INPUT, "XA1234567", "ⵜⵉⴳⵉⵔⴰ"),
		ASK(OP_INPUT, "31122030", "ⵜⵍⴰⵍⵉⵜ"),
		NEED(OP_INPUT, "01021980", LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		ASKB(OP_OTP, "sent", "...42"),
		NEED(OP_INPUT, "000000", VERIFY),
		ASKB(OP_OTP, "wrong1", "ⵜⵉⵔⵎⵉⵜⵉⵏ ⵉⵇⵇⵉⵎⵏ: 1\n", "...42"),
		NEED(OP_INPUT, "482913", VERIFY),
		ENDM(OP_OTP, "ok", DIALOG_OUTCOME_B, MATRICULE, "(..42)", "www.macnss.ma"),
	} },
	{ "B, Tamazight, already pending", CONF_DEFAULT, {
		ASK(OP_BEGIN, "*1515#", LANG_MENU),
		ASK(OP_INPUT, "3", "ⴰⴷⵍⵉⵙ ⵏ ⵓⵎⵓⴷⴷⵓ"),
		ASK(OP_INPUT, "3", "ⴰⵔⵓ ⵓⵟⵟⵓⵏ ⵏ ⵓⴷⵍⵉⵙ ⵏ ⵓⵎⵓⴷⴷⵓ"),
		ASK(OP_INPUT, "XA1234567", "ⵜⵉⴳⵉⵔⴰ"),
		ASK(OP_INPUT, "31122030", "ⵜⵍⴰⵍⵉⵜ"),
		NEED(OP_INPUT, "01021980", LOOKUP),
		NEED(OP_LOOKUP, "b", ISSUE),
		END(OP_OTP, "already", DIALOG_OUTCOME_B, "..42.", "www.macnss.ma"),
	} },
	{ "no match: birth date", CONF_DEFAULT, {
		NEED(OP_BEGIN, "*1515*1*AB123456*31122030*02021980#", LOOKUP),
		NOMATCH(OP_LOOKUP, "a", NO_MATCH_FR),
	} },
	{ "no match: expiry date", CONF_DEFAULT, {
		NEED(OP_BEGIN, "*1515*1*AB123456*30122030*01021980#", LOOKUP),
		NOMATCH(OP_LOOKUP, "b", NO_MATCH_FR),
	} },
	{ "no match on an ineligible record", CONF_DEFAULT, {
		NEED(OP_BEGIN, "*1515*1*AB123456*30122030*01021980#", LOOKUP),
		NOMATCH(OP_LOOKUP, "d", NO_MATCH_FR),
	} },
	{ "expiry not checked: any expiry matches", CONF_NO_EXPIRY, {
		NEED(OP_BEGIN, "*1515*1*AB123456*01021980#", LOOKUP),
		ENDM(OP_LOOKUP, "a", DIALOG_OUTCOME_A, MATRICULE),
	} },
	{ "locked", CONF_DEFAULT, {
		NEED(OP_BEGIN, "*1515*1*AB123456*31122030*01021980#", LOOKUP),
		END(OP_LOOKUP, "locked", DIALOG_OUTCOME_LOCKED,
		    "Nombre de tentatives"),
	} },
	{ "lookup failure", CONF_DEFAULT, {
		NEED(OP_BEGIN, "*1515*1*AB123456*31122030*01021980#", LOOKUP),
		END(OP_LOOKUP, "error", DIALOG_OUTCOME_ERROR, "indisponible",
		    "plus tard"),
	} },
	{ "D with its reason", CONF_DEFAULT, {
		NEED(OP_BEGIN, "*1515*1*AB123456*31122030*01021980#", LOOKUP),
		END(OP_LOOKUP, "d", DIALOG_OUTCOME_D, "Non éligible",
		    "Vous relevez de la CNOPS."),
	} },
	{ "D without a reason", CONF_DEFAULT, {
		NEED(OP_BEGIN, "*1515*1*AB123456*31122030*01021980#", LOOKUP),
		END(OP_LOOKUP, "d_empty", DIALOG_OUTCOME_D, "autre régime"),
	} },
	{ "D with a reason too long for a page: paged, nothing cut",
	  CONF_DEFAULT, {
		NEED(OP_BEGIN, "*1515*1*AB123456*31122030*01021980#", LOOKUP),
		{ OP_LOOKUP, "d_long", DIALOG_NEED_NONE, 0, DIALOG_OUTCOME_NONE,
		    { "Motif :\nVous etes affilié", "0 Suite" }, { "..." }, 0,
		    { NULL } },
		{ OP_INPUT, "0", DIALOG_NEED_NONE, 1, DIALOG_OUTCOME_D,
		    { "tant que cette situation dure." }, { "0 Suite",
		    "00 Retour" }, 0, { NULL } },
	} },
	{ "C: categories, paging, back, documents", CONF_DEFAULT, {
		NEED(OP_BEGIN, "*1515*1*AB123456*31122030*01021980#", LOOKUP),
		NOMATCH(OP_LOOKUP, "notfound", NO_MATCH_FR),
		NEED(OP_INPUT, "2", CATS),
		ASK(OP_CATS, "fr", "Choisissez votre catégorie", "1 Médecins",
		    "0 Suite"),
		NEED(OP_INPUT, "0", CATS),
		ASK(OP_CATS, "fr", "00 Retour", "Catégorie professionnelle"),
		NEED(OP_INPUT, "00", CATS),
		ASK(OP_CATS, "fr", "1 Médecins", "0 Suite"),
		NEED(OP_INPUT, "2", CATS),
		NEED(OP_CATS, "fr", DOCS),
		ASK(OP_DOCS, "long", "Documents à fournir", "- Copie de la CIN",
		    "0 Suite"),
		NEED(OP_INPUT, "0", DOCS),
		ASK(OP_DOCS, "long", "00 Retour"),
		NEED(OP_INPUT, "00", DOCS),
		ASK(OP_DOCS, "long", "- Copie de la CIN"),
		NEED(OP_INPUT, "0", DOCS),	/* test_docs_last_page goes on */
	} },
	{ "C: short documents, then the points are not wanted", CONF_DEFAULT, {
		NEED(OP_BEGIN, "*1515*1*AB123456*31122030*01021980#", LOOKUP),
		NOMATCH(OP_LOOKUP, "notfound", NO_MATCH_FR),
		NEED(OP_INPUT, "2", CATS),
		ASK(OP_CATS, "fr", "1 Médecins"),
		NEED(OP_INPUT, "13", CATS),
		NEED(OP_CATS, "fr", DOCS),
		ASK(OP_DOCS, "short", "- Copie de la CIN",
		    "- Attestation de l'ordre\n", "point de proximité ou une agence CNSS."),
		NEED(OP_INPUT, "0", DOCS),
		END(OP_DOCS, "short", DIALOG_OUTCOME_C, "Merci"),
	} },
	{ "C: a number not in the list, then a vanished category",
	  CONF_DEFAULT, {
		NEED(OP_BEGIN, "*1515*1*AB123456*31122030*01021980#", LOOKUP),
		NOMATCH(OP_LOOKUP, "notfound", NO_MATCH_FR),
		NEED(OP_INPUT, "2", CATS),
		ASK(OP_CATS, "fr", "1 Médecins"),
		NEED(OP_INPUT, "16", CATS),
		ASK(OP_CATS, "fr", "Choix non valide.", "1 Médecins"),
		NEED(OP_INPUT, "00", CATS),
		ASK(OP_CATS, "fr", "Choix non valide.", "1 Médecins"),
		NEED(OP_INPUT, "1", CATS),
		NEED(OP_CATS, "fr", DOCS),
		NEED(OP_DOCS, "gone", CATS),
		ASK(OP_CATS, "fr", "plus disponible", "1 Médecins"),
		NEED(OP_INPUT, "x", CATS),
		ASK(OP_CATS, "fr", "Choix non valide."),
		NEED(OP_INPUT, "1", CATS),
		NEED(OP_CATS, "fr", DOCS),
		ASK(OP_DOCS, "short", "point de proximité", "1 Points"),
	} },
	{ "C: three bad answers on the list", CONF_DEFAULT, {
		NEED(OP_BEGIN, "*1515*1*AB123456*31122030*01021980#", LOOKUP),
		NOMATCH(OP_LOOKUP, "notfound", NO_MATCH_FR),
		NEED(OP_INPUT, "2", CATS),
		ASK(OP_CATS, "fr", "1 Médecins"),
		NEED(OP_INPUT, "abc", CATS),
		ASK(OP_CATS, "fr", "Choix non valide."),
		NEED(OP_INPUT, "99", CATS),
		ASK(OP_CATS, "fr", "Choix non valide."),
		NEED(OP_INPUT, "00", CATS),
		END(OP_CATS, "fr", DIALOG_OUTCOME_ERROR, "Trop de saisies"),
	} },
	{ "C: Arabic list", CONF_DEFAULT, {
		ASK(OP_BEGIN, "*1515#", LANG_MENU),
		NEED(OP_INPUT, "2", DIALOG_NEED_NONE),
		NEED(OP_INPUT, "1", DIALOG_NEED_NONE),
		NEED(OP_INPUT, "AB123456", DIALOG_NEED_NONE),
		NEED(OP_INPUT, "31122030", DIALOG_NEED_NONE),
		NEED(OP_INPUT, "01021980", LOOKUP),
		NOMATCH(OP_LOOKUP, "notfound", "لا يوجد ملف مطابق", "2 لست مسجلا"),
		NEED(OP_INPUT, "2", CATS),
		ASK(OP_CATS, "ar", "اختر فئتك المهنية", "1 أطباء", "0 التالي"),
		NEED(OP_INPUT, "0", CATS),
		ASK(OP_CATS, "ar", "00 رجوع"),
		NEED(OP_INPUT, "3", CATS),
		NEED(OP_CATS, "ar", DOCS),
		ASK(OP_DOCS, "ar", "الوثائق المطلوبة", "- نسخة من البطاقة الوطنية"),
	} },
	{ "C: no categories at all", CONF_DEFAULT, {
		NEED(OP_BEGIN, "*1515*1*AB123456*31122030*01021980#", LOOKUP),
		NOMATCH(OP_LOOKUP, "notfound", NO_MATCH_FR),
		NEED(OP_INPUT, "2", CATS),
		END(OP_CATS, "empty", DIALOG_OUTCOME_C, "point de proximité"),
	} },
	{ "C: list fetch fails", CONF_DEFAULT, {
		NEED(OP_BEGIN, "*1515*1*AB123456*31122030*01021980#", LOOKUP),
		NOMATCH(OP_LOOKUP, "notfound", NO_MATCH_FR),
		NEED(OP_INPUT, "2", CATS),
		END(OP_CATS, "error", DIALOG_OUTCOME_ERROR, "indisponible"),
	} },
	{ "C: documents fetch locked", CONF_DEFAULT, {
		NEED(OP_BEGIN, "*1515*1*AB123456*31122030*01021980#", LOOKUP),
		NOMATCH(OP_LOOKUP, "notfound", NO_MATCH_FR),
		NEED(OP_INPUT, "2", CATS),
		ASK(OP_CATS, "fr", "1 Médecins"),
		NEED(OP_INPUT, "1", CATS),
		NEED(OP_CATS, "fr", DOCS),
		END(OP_DOCS, "locked", DIALOG_OUTCOME_LOCKED, "tentatives"),
	} },
	{ "bad answers then good ones reset the count", CONF_DEFAULT, {
		ASK(OP_BEGIN, "*1515#", LANG_MENU),
		ASK(OP_INPUT, "4", "Choix non valide.", "1 Français"),
		ASK(OP_INPUT, "", "Choix non valide."),
		ASK(OP_INPUT, "1", IDTYPE_MENU),
		ASK(OP_INPUT, "0", "Choix non valide.", IDTYPE_MENU),
		ASK(OP_INPUT, "CIN", "Choix non valide."),
		ASK(OP_INPUT, "2", Q_IDNUM " carte de séjour"),
		ASK(OP_INPUT, "ABCDEF", "Numéro non valide.", Q_IDNUM),
		ASK(OP_INPUT, "A1", Q_EXPIRY),
		ASK(OP_INPUT, "31/02/2030", "Date non valide.", Q_EXPIRY),
		ASK(OP_INPUT, "2030", "Date non valide."),
		ASK(OP_INPUT, "01012030", Q_BIRTH),
		ASK(OP_INPUT, "01012030", "Date non valide.", Q_BIRTH),
		ASK(OP_INPUT, "hier", "Date non valide.", Q_BIRTH),
		END(OP_INPUT, "32/01/1980", DIALOG_OUTCOME_ERROR,
		    "Trop de saisies"),
	} },
	{ "max_bad_inputs 0 means 3", CONF_BAD_ZERO, {
		ASK(OP_BEGIN, "*1515*9#", IDTYPE_MENU),
		ASK(OP_INPUT, "x", "Choix non valide."),
		ASK(OP_INPUT, "x", "Choix non valide."),
		END(OP_INPUT, "x", DIALOG_OUTCOME_ERROR, "Trop de saisies"),
	} },
	{ "max_bad_inputs 1", CONF_BAD_ONE, {
		ASK(OP_BEGIN, "*1515*1#", Q_IDNUM),
		END(OP_INPUT, "???", DIALOG_OUTCOME_ERROR, "Trop de saisies"),
	} },
	{ "expired document", CONF_DEFAULT, {
		ASK(OP_BEGIN, "*1515#", LANG_MENU),
		ASK(OP_INPUT, "1", IDTYPE_MENU),
		ASK(OP_INPUT, "1", Q_IDNUM),
		ASK(OP_INPUT, "AB123456", Q_EXPIRY),
		END(OP_INPUT, "31/05/2025", DIALOG_OUTCOME_ERROR, "a expiré",
		    "renouveler"),
	} },
	{ "expired document in the shortcut", CONF_DEFAULT, {
		END(OP_BEGIN, "*1515*1*AB123456*01012020*01021980#",
		    DIALOG_OUTCOME_ERROR, "a expiré"),
	} },
	{ "expiry ignored when not checked", CONF_NO_EXPIRY, {
		ASK(OP_BEGIN, "*1515*1*AB123456#", Q_BIRTH),
		NEED(OP_INPUT, "01021980", LOOKUP),
	} },
	{ "shortcut: 3 args with expiry checked asks the expiry", CONF_DEFAULT, {
		ASK(OP_BEGIN, "*1515*1*AB123456*01021980#", Q_EXPIRY),
		NEED(OP_INPUT, "31122030", LOOKUP),
		ENDM(OP_LOOKUP, "a", DIALOG_OUTCOME_A, MATRICULE),
	} },
	{ "shortcut: invalid type and number are asked", CONF_DEFAULT, {
		ASK(OP_BEGIN, "*1515*7*ABCDEF*31122030*01021980#", IDTYPE_MENU),
		ASK(OP_INPUT, "1", Q_IDNUM),
		NEED(OP_INPUT, "AB123456", LOOKUP),
	} },
	{ "shortcut: invalid birth date is asked", CONF_DEFAULT, {
		ASK(OP_BEGIN, "*1515*1*AB123456*31122030*32011980#", Q_BIRTH),
		NEED(OP_INPUT, "01021980", LOOKUP),
	} },
	{ "shortcut: birth date in the future is asked", CONF_DEFAULT, {
		ASK(OP_BEGIN, "*1515*1*AB123456*31122030*01012026#", Q_BIRTH),
	} },
	{ "one language: no menu", CONF_ONE_LANG, {
		ASK(OP_BEGIN, "*1515#", IDTYPE_MENU),
	} },
	{ "answer while the lookup is in flight", CONF_DEFAULT, {
		NEED(OP_BEGIN, "*1515*1*AB123456*31122030*01021980#", LOOKUP),
		END(OP_INPUT, "1", DIALOG_OUTCOME_ERROR, "indisponible"),
	} },
	{ "no transliteration: accents kept", CONF_NO_TRANSLIT, {
		NEED(OP_BEGIN, "*1515*1*AB123456*31122030*01021980#", LOOKUP),
		NOMATCH(OP_LOOKUP, "notfound", NO_MATCH_FR),
		NEED(OP_INPUT, "2", CATS),
		ASK(OP_CATS, "fr", "Choisissez votre catégorie", "1 Médecins"),
		NEED(OP_INPUT, "1", CATS),
		NEED(OP_CATS, "fr", DOCS),
		ASK(OP_DOCS, "short", "point de proximité"),
	} },
};

static void
test_walks(void **state)
{
	(void)state;
	run_walks(walks, sizeof(walks) / sizeof(walks[0]));
}

/* The long documents walk of the table, finished: the last page says where
 * to go and offers the proximity points; C is reached there. */
static void
test_docs_last_page(void **state)
{
	struct sess	s;
	char		seen[4096] = "";
	int		pages = 0;

	(void)state;
	memset(&s, 0, sizeof(s));
	sess_begin(&s, CONF_DEFAULT, "*1515*1*AB123456*31122030*01021980#");
	sess_lookup(&s, "notfound");
	sess_input(&s, "2");
	sess_cats(&s, "fr");
	sess_input(&s, "2");
	sess_cats(&s, "fr");
	assert_string_equal(s.d.cat_code, "CAT02");
	for (;;) {
		assert_int_equal(s.out.need, DIALOG_NEED_DOCS);
		sess_docs(&s, "long");
		pages++;
		strncat(seen, s.out.text, sizeof(seen) - strlen(seen) - 1);
		assert_int_equal(s.out.end, 0);
		if (strstr(s.out.text, "0 Suite") == NULL)
			break;
		assert_null(strstr(s.out.text, "1 Points"));
		assert_int_equal(s.d.outcome, DIALOG_OUTCOME_NONE);
		sess_input(&s, "0");
		assert_true(pages < 20);
	}
	assert_true(pages >= 2);
	assert_int_equal(s.d.outcome, DIALOG_OUTCOME_C);
	assert_int_equal(s.d.step, DIALOG_S_DOCS);
	assert_non_null(strstr(seen, "point de proximité ou une agence CNSS."));
	assert_non_null(strstr(s.out.text, "1 Points de proximité de ma région "
	    "(SMS)"));
	assert_non_null(strstr(s.out.text, "00 Retour"));
	/* Every document shown once, transliterated. */
	assert_non_null(strstr(seen, "- Copie de la carte de séjour pour les "
	    "étrangers"));
	assert_non_null(strstr(seen, "- Formulaire d'immatriculation rempli et "
	    "signé"));
	assert_null(strstr(strstr(seen, "- Photo") + 1, "- Photo"));
	/* "1": the regions, checked against the page shown. */
	sess_input(&s, "1");
	assert_int_equal(s.out.need, DIALOG_NEED_DOCS);
	sess_docs(&s, "long");
	assert_int_equal(s.out.need, DIALOG_NEED_REGIONS);
	assert_int_equal(s.d.step, DIALOG_S_REGION);
}

/*
 * Paging with measured pages: numbers run 1..n across pages with no gap,
 * each page fits, "0 Suite" exactly on pages that have a next one,
 * "00 Retour" on every page but the first, and going back shows the same
 * pages again.
 */
static void
check_paging(enum conf_variant v, const char *lang_choice,
    const char *const *labels, int n, const char *next, const char *back)
{
	static struct dialog_categories	res;
	struct sess			s;
	char				pages[80][DIALOG_TEXT_MAX];
	char				needle[16];
	int				np = 0, expect = 1, i, k;
	const char			*p;

	memset(&s, 0, sizeof(s));
	conf_make(v, &s.conf);
	memset(&res, 0, sizeof(res));
	res.status = DIALOG_FETCH_OK;
	res.n = n;
	for (i = 0; i < n; i++) {
		snprintf(res.item[i].code, sizeof(res.item[i].code), "C%d", i);
		snprintf(res.item[i].label, sizeof(res.item[i].label), "%s",
		    labels[i % 15]);
	}
	sess_begin(&s, v, "*1515#");
	sess_input(&s, lang_choice);
	sess_input(&s, "1");
	sess_input(&s, "AB123456");
	sess_input(&s, "31122030");
	sess_input(&s, "01021980");
	sess_lookup(&s, "notfound");
	sess_input(&s, "2");
	for (;;) {
		assert_int_equal(s.out.need, DIALOG_NEED_CATEGORIES);
		dialog_on_categories(&s.d, &s.conf, cat, &res, &s.out);
		sess_check(&s);
		assert_true(np < 80);
		snprintf(pages[np], sizeof(pages[np]), "%s", s.out.text);
		/* The numbers this page shows, in order. */
		for (k = 0;; k++) {
			snprintf(needle, sizeof(needle), "\n%d ", expect);
			if ((p = strstr(s.out.text, needle)) == NULL)
				break;
			expect++;
		}
		if (k < 1)
			fail_msg("page %d shows no %d:\n%s", np, expect,
			    s.out.text);
		assert_int_equal(strstr(s.out.text, back) != NULL, np > 0);
		np++;
		if (expect > n) {
			assert_null(strstr(s.out.text, next));
			break;
		}
		assert_non_null(strstr(s.out.text, next));
		sess_input(&s, "0");
	}
	assert_int_equal(expect, n + 1);
	assert_true(np >= 2);
	/* "0" on the last page is a bad answer; the page stays. */
	sess_input(&s, "0");
	dialog_on_categories(&s.d, &s.conf, cat, &res, &s.out);
	sess_check(&s);
	assert_int_equal(s.d.page, np - 1);
	/* Back to the first page, the same screens (error line aside). */
	for (i = np - 2; i >= 0; i--) {
		sess_input(&s, "00");
		dialog_on_categories(&s.d, &s.conf, cat, &res, &s.out);
		sess_check(&s);
		assert_string_equal(s.out.text, pages[i]);
	}
	/* Global numbers work from any page. */
	snprintf(needle, sizeof(needle), "%d", n);
	sess_input(&s, needle);
	dialog_on_categories(&s.d, &s.conf, cat, &res, &s.out);
	sess_check(&s);
	assert_int_equal(s.out.need, DIALOG_NEED_DOCS);
	snprintf(needle, sizeof(needle), "C%d", n - 1);
	assert_string_equal(s.d.cat_code, needle);
}

static void
test_paging(void **state)
{
	(void)state;
	check_paging(CONF_DEFAULT, "1", labels_fr, 15, "0 Suite", "00 Retour");
	check_paging(CONF_DEFAULT, "1", labels_fr, 64, "0 Suite", "00 Retour");
	check_paging(CONF_NO_TRANSLIT, "1", labels_fr, 40, "0 Suite",
	    "00 Retour");
	check_paging(CONF_DEFAULT, "2", labels_ar, 15, "0 التالي", "00 رجوع");
	check_paging(CONF_DEFAULT, "3", labels_fr, 30, "0 ⵖⵔ ⵣⴷⴰⵜ",
	    "00 ⵖⵔ ⴷⴼⴼⵉⵔ");
}

/* Labels longer than a page, bad UTF-8 and control bytes from Redis: paged
 * whole (one long word cut between characters), never with "...". */
static void
test_hostile_labels(void **state)
{
	static struct dialog_categories	res;
	struct sess			s;
	size_t				ls = 0, qs = 0, k;
	int				i, pages = 0;

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(&res, 0, sizeof(res));
	res.status = DIALOG_FETCH_OK;
	res.n = 5;
	for (i = 0; i < 5; i++)
		memset(res.item[i].label, i == 2 ? 0xff : 'L',
		    sizeof(res.item[i].label));	/* no NUL at all */
	memcpy(res.item[1].label, "a\nb\x01", 4);
	memset(res.item[3].code, 'C', sizeof(res.item[3].code));
	sess_begin(&s, CONF_DEFAULT, "*1515*1*AB123456*31122030*01021980#");
	sess_lookup(&s, "notfound");
	sess_input(&s, "2");
	for (;;) {
		dialog_on_categories(&s.d, &s.conf, cat, &res, &s.out);
		sess_check(&s);
		if (pages == 0)
			assert_non_null(strstr(s.out.text, "1 LLLL"));
		assert_null(strstr(s.out.text, "..."));
		for (k = 0; s.out.text[k] != '\0'; k++) {
			ls += s.out.text[k] == 'L';
			qs += s.out.text[k] == '?';
		}
		pages++;
		if (strstr(s.out.text, "0 Suite") == NULL)
			break;
		sess_input(&s, "0");
		assert_true(pages < 40);
	}
	/* Every character once: 4 labels of L (one after "a b "), one of
	 * invalid bytes. */
	assert_int_equal(ls, 512 * 3 + 508);
	assert_int_equal(qs, 512);
	sess_input(&s, "4");
	dialog_on_categories(&s.d, &s.conf, cat, &res, &s.out);
	sess_check(&s);
	assert_int_equal(s.out.need, DIALOG_NEED_DOCS);
	assert_int_equal(strlen(s.d.cat_code), REGISTRY_CODE_MAX);
}

/* ---- case B on its own ---- */

/* Bring a session to the OTP question. */
static void
sess_to_otp(struct sess *s, enum conf_variant v)
{
	memset(s, 0, sizeof(*s));
	sess_begin(s, v, B_DIAL);
	assert_int_equal(s->out.need, DIALOG_NEED_LOOKUP);
	sess_lookup(s, "b");
	assert_int_equal(s->out.need, DIALOG_NEED_OTP_ISSUE);
	/* What the gateway needs to issue the code. */
	assert_string_equal(s->d.matricule, MATRICULE);
	assert_string_equal(s->d.phone, "212612345678");
	assert_string_equal(s->d.phone_tail, "");
	assert_int_equal(s->out.text[0], '\0');
	sess_otp(s, "sent");
	assert_int_equal(s->d.step, DIALOG_S_OTP);
	assert_string_equal(s->d.phone_tail, "42");
}

/* The typed code: exactly otp_length digits once trimmed, handed over in
 * out->otp_input, never kept in the state. */
static void
test_otp_input(void **state)
{
	static const struct {
		enum conf_variant	 conf;
		int			 otp_length;
		const char		*in;
		const char		*code;	/* NULL: refused */
	} t[] = {
		{ CONF_DEFAULT, 6, "482913", "482913" },
		{ CONF_DEFAULT, 6, " 482913", "482913" },
		{ CONF_DEFAULT, 6, "\t482913 \r\n", "482913" },
		{ CONF_DEFAULT, 6, "000000", "000000" },
		{ CONF_DEFAULT, 6, "48291", NULL },
		{ CONF_DEFAULT, 6, "4829134", NULL },
		{ CONF_DEFAULT, 6, "48a913", NULL },
		{ CONF_DEFAULT, 6, "ABCDEF", NULL },
		{ CONF_DEFAULT, 6, "48 2913", NULL },
		{ CONF_DEFAULT, 6, "+48291", NULL },
		{ CONF_DEFAULT, 6, "-48291", NULL },
		{ CONF_DEFAULT, 6, "48291.", NULL },
		{ CONF_DEFAULT, 6, "", NULL },
		{ CONF_DEFAULT, 6, "   ", NULL },
		{ CONF_DEFAULT, 6, "٤٨٢٩١٣", NULL },	/* Arabic-Indic digits */
		{ CONF_DEFAULT, 6, "４８２９１３", NULL },	/* full-width */
		{ CONF_DEFAULT, 6, "482913482913482913482913482913482913482913"
		    "482913482913482913482913482913", NULL },
		{ CONF_OTP4, 4, "4829", "4829" },
		{ CONF_OTP4, 4, "482913", NULL },
		{ CONF_OTP4, 4, "482", NULL },
		{ CONF_DEFAULT, 0, "482913", "482913" },	/* 0 means 6 */
		{ CONF_DEFAULT, 0, "4829", NULL },
		{ CONF_DEFAULT, 10, "4829134829", "4829134829" },
		{ CONF_DEFAULT, 10, "482913", NULL },
		{ CONF_DEFAULT, 15, "482913482913482", "482913482913482" },
		{ CONF_DEFAULT, 16, "4829134829134829", NULL },	/* too long: 6 */
		{ CONF_DEFAULT, 16, "482913", "482913" },
	};
	struct sess	s;
	char		buf[DIALOG_STATE_MAX + 1];
	size_t		i;
	int		n;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sess_to_otp(&s, t[i].conf);
		s.conf.otp_length = t[i].otp_length;
		dialog_input(&s.d, &s.conf, cat, t[i].in, &s.out);
		if (t[i].code == NULL) {
			if (s.out.need != DIALOG_NEED_NONE ||
			    strstr(s.out.text, "Code non valide") == NULL)
				fail_msg("case %zu (%s): not refused", i,
				    t[i].in);
			assert_int_equal(s.out.otp_input[0], '\0');
			assert_int_equal(s.d.bad_inputs, 1);
		} else {
			if (s.out.need != DIALOG_NEED_OTP_VERIFY)
				fail_msg("case %zu (%s): refused:\n%s", i,
				    t[i].in, s.out.text);
			assert_string_equal(s.out.otp_input, t[i].code);
			assert_int_equal(s.out.text[0], '\0');
			assert_int_equal(s.out.end, 0);
		}
		assert_int_equal(s.d.step, DIALOG_S_OTP);
		assert_null(strstr(s.out.text, MATRICULE));
		/* What goes to Redis holds no code. */
		n = dialog_state_encode(&s.d, buf, sizeof(buf));
		assert_true(n > 0);
		if (t[i].code != NULL && strstr(buf, t[i].code) != NULL)
			fail_msg("case %zu: code in the state: %s", i, buf);
		assert_null(memmem(&s.d, sizeof(s.d), "482913", 6));
	}
}

/* dialog_on_otp where no OTP is expected ends the dialog, shows nothing
 * personal. */
static void
test_otp_out_of_order(void **state)
{
	static const enum dialog_otp_status st[] = { DIALOG_OTP_SENT,
	    DIALOG_OTP_ALREADY, DIALOG_OTP_OK, DIALOG_OTP_WRONG };
	struct dialog_otp	res;
	struct sess		s;
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
		memset(&res, 0, sizeof(res));
		res.status = st[i];
		res.attempts_left = 2;
		snprintf(res.phone_tail, sizeof(res.phone_tail), "42");

		/* At the language menu. */
		memset(&s, 0, sizeof(s));
		sess_begin(&s, CONF_DEFAULT, "*1515#");
		dialog_on_otp(&s.d, &s.conf, cat, &res, &s.out);
		assert_int_equal(s.out.end, 1);
		assert_int_equal(s.out.outcome, DIALOG_OUTCOME_ERROR);

		/* Waiting for a lookup: no person kept yet. */
		sess_begin(&s, CONF_DEFAULT, B_DIAL);
		dialog_on_otp(&s.d, &s.conf, cat, &res, &s.out);
		assert_int_equal(s.out.outcome, DIALOG_OUTCOME_ERROR);

		/* Case A ended: the dialog is over. */
		sess_begin(&s, CONF_DEFAULT, B_DIAL);
		sess_lookup(&s, "a");
		dialog_on_otp(&s.d, &s.conf, cat, &res, &s.out);
		assert_int_equal(s.out.outcome, DIALOG_OUTCOME_ERROR);
		assert_null(strstr(s.out.text, MATRICULE));

		/* Case C's list. */
		sess_begin(&s, CONF_DEFAULT, B_DIAL);
		sess_lookup(&s, "notfound");
		sess_input(&s, "2");
		sess_cats(&s, "fr");
		dialog_on_otp(&s.d, &s.conf, cat, &res, &s.out);
		assert_int_equal(s.out.outcome, DIALOG_OUTCOME_ERROR);
	}

	/* No result at all, at either need. */
	memset(&s, 0, sizeof(s));
	sess_begin(&s, CONF_DEFAULT, B_DIAL);
	sess_lookup(&s, "b");
	dialog_on_otp(&s.d, &s.conf, cat, NULL, &s.out);
	assert_int_equal(s.out.outcome, DIALOG_OUTCOME_ERROR);
	sess_to_otp(&s, CONF_DEFAULT);
	dialog_on_otp(&s.d, &s.conf, cat, NULL, &s.out);
	assert_int_equal(s.out.outcome, DIALOG_OUTCOME_ERROR);
	assert_null(strstr(s.out.text, MATRICULE));

	/* A code typed while it is being issued. */
	memset(&s, 0, sizeof(s));
	sess_begin(&s, CONF_DEFAULT, B_DIAL);
	sess_lookup(&s, "b");
	dialog_input(&s.d, &s.conf, cat, "482913", &s.out);
	assert_int_equal(s.out.outcome, DIALOG_OUTCOME_ERROR);
	assert_int_equal(s.out.otp_input[0], '\0');
	assert_null(strstr(s.out.text, MATRICULE));

	/* Leftovers of a paged screen in the state (a state that decodes)
	 * do not follow the dialog into the OTP step (found by fuzz_dialog). */
	{
		static const char st0[] =
		    "D3|4|fr|1|AB123456|2030-12-31||3|0||0|1|5||||0|0|";

		memset(&s, 0, sizeof(s));
		conf_make(CONF_DEFAULT, &s.conf);
		assert_int_equal(dialog_state_decode(&s.d, st0, strlen(st0)), 0);
		sess_input(&s, "01021980");
		assert_int_equal(s.out.need, DIALOG_NEED_LOOKUP);
		sess_lookup(&s, "b");
		assert_int_equal(s.out.need, DIALOG_NEED_OTP_ISSUE);
		sess_otp(&s, "sent");
		assert_int_equal(s.d.step, DIALOG_S_OTP);
		assert_int_equal(s.d.pending, DIALOG_P_NONE);
		assert_int_equal(s.d.page, 0);
	}

	/* Only OK shows the matricule, whatever the language. */
	for (i = 0; i < 3; i++) {
		static const char *const l[] = { "fr", "ar", "tzm" };
		static const char *const never[] = { "sent", "already",
		    "wrong2", "wrong0", "void", "expired", "locked", "error",
		    "bogus" };
		size_t	k;

		for (k = 0; k < sizeof(never) / sizeof(never[0]); k++) {
			sess_to_otp(&s, CONF_DEFAULT);
			snprintf(s.d.lang, sizeof(s.d.lang), "%s", l[i]);
			sess_otp(&s, never[k]);
			if (strstr(s.out.text, MATRICULE) != NULL)
				fail_msg("%s/%s shows the matricule: %s", l[i],
				    never[k], s.out.text);
		}
		sess_to_otp(&s, CONF_DEFAULT);
		snprintf(s.d.lang, sizeof(s.d.lang), "%s", l[i]);
		sess_otp(&s, "ok");
		assert_non_null(strstr(s.out.text, MATRICULE));
	}
}

/* A wrong code: the tries left in the screen as snprintf("%d") wrote
 * them, 99 at most. */
static void
test_otp_wrong_count(void **state)
{
	static const int left[] = { 1, 2, 9, 10, 42, 98, 99, 100, 1000,
	    2147483647 };
	struct dialog_otp	res;
	struct sess		s;
	char			want[64];
	size_t			i;

	(void)state;
	for (i = 0; i < sizeof(left) / sizeof(left[0]); i++) {
		sess_to_otp(&s, CONF_DEFAULT);
		memset(&res, 0, sizeof(res));
		res.status = DIALOG_OTP_WRONG;
		res.attempts_left = left[i];
		snprintf(res.phone_tail, sizeof(res.phone_tail), "42");
		dialog_on_otp(&s.d, &s.conf, cat, &res, &s.out);
		snprintf(want, sizeof(want), "Essais restants : %d.",
		    left[i] > 99 ? 99 : left[i]);
		if (strstr(s.out.text, want) == NULL)
			fail_msg("%d left: \"%s\" not in\n%s", left[i], want,
			    s.out.text);
		assert_int_equal(s.d.step, DIALOG_S_OTP);
	}
}

/* The SMS bodies the gateway renders. */
static void
test_render(void **state)
{
	const char *const kv_otp[] = { "otp", "482913", "minutes", "5", NULL };
	const char *const kv_pw[] = { "matricule", MATRICULE, "password",
	    "Kx7pQ2mZ9r", NULL };
	const char *const kv_odd[] = { "otp", NULL };
	const char *const kv_ctl[] = { "otp", "48\n29\x01" "13", "minutes",
	    "5", "unused", "x", NULL };
	char		 out[512], small[40];
	struct catalog	*c;
	size_t		 i;

	(void)state;
	assert_int_equal(dialog_render(cat, "fr", "sms_otp", kv_otp, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "CNSS: votre code de vérification est "
	    "482913. Il expire dans 5 min. Ne le communiquez à personne.");
	assert_int_equal(dialog_render(cat, "fr", "sms_password", kv_pw, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "CNSS: votre mot de passe initial Ma CNSS "
	    "est Kx7pQ2mZ9r. Connectez-vous sur www.macnss.ma avec votre "
	    "numéro d'immatriculation " MATRICULE " et changez-le.");
	/* Arabic and Tamazight, values in place; no transliteration. */
	assert_int_equal(dialog_render(cat, "ar", "sms_otp", kv_otp, out,
	    sizeof(out)), 0);
	assert_non_null(strstr(out, "رمز التحقق"));
	assert_non_null(strstr(out, "482913"));
	assert_null(strchr(out, '{'));
	assert_int_equal(dialog_render(cat, "tzm", "sms_password", kv_pw, out,
	    sizeof(out)), 0);
	assert_non_null(strstr(out, "Kx7pQ2mZ9r"));
	assert_non_null(strstr(out, MATRICULE));
	assert_null(strchr(out, '{'));
	/* The code is the first run of digits (the simulator's answer_otp). */
	for (i = 0; i < 3; i++) {
		static const char *const l[] = { "fr", "ar", "tzm" };
		const char	*p;

		assert_int_equal(dialog_render(cat, l[i], "sms_otp", kv_otp,
		    out, sizeof(out)), 0);
		p = strpbrk(out, "0123456789");
		assert_non_null(p);
		assert_memory_equal(p, "482913", 6);
	}

	/* Fallback to French: unknown language, NULL language, a key only
	 * the French catalogue has. */
	assert_int_equal(dialog_render(cat, "xx", "sms_otp", kv_otp, out,
	    sizeof(out)), 0);
	assert_non_null(strstr(out, "votre code de vérification est 482913"));
	assert_int_equal(dialog_render(cat, NULL, "sms_otp", kv_otp, out,
	    sizeof(out)), 0);
	assert_non_null(strstr(out, "votre code"));
	assert_non_null(c = catalog_new());
	assert_int_equal(catalog_set(c, "fr", "sms_x", "FR {otp}"), 0);
	assert_int_equal(catalog_set(c, "ar", "sms_y", "AR {otp}"), 0);
	assert_int_equal(dialog_render(c, "ar", "sms_x", kv_otp, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "FR 482913");
	assert_int_equal(dialog_render(c, "ar", "sms_y", kv_otp, out,
	    sizeof(out)), 0);
	assert_string_equal(out, "AR 482913");
	/* No fallback from French to another language. */
	assert_int_equal(dialog_render(c, "fr", "sms_y", kv_otp, out,
	    sizeof(out)), -1);
	assert_string_equal(out, "");
	catalog_free(c);

	/* Missing key, bad arguments. */
	assert_int_equal(dialog_render(cat, "fr", "sms_nope", kv_otp, out,
	    sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(dialog_render(cat, "fr", NULL, kv_otp, out,
	    sizeof(out)), -1);
	assert_int_equal(dialog_render(NULL, "fr", "sms_otp", kv_otp, out,
	    sizeof(out)), -1);
	assert_int_equal(dialog_render(cat, "fr", "sms_otp", kv_otp, NULL, 10),
	    -1);
	assert_int_equal(dialog_render(cat, "fr", "sms_otp", kv_otp, out, 0),
	    -1);
	assert_int_equal(dialog_render(cat, "fr", "sms_otp", kv_odd, out,
	    sizeof(out)), -1);

	/* Placeholders without a value stay as written; values are cleaned
	 * of control characters; names not in the text are ignored. */
	assert_int_equal(dialog_render(cat, "fr", "sms_otp", NULL, out,
	    sizeof(out)), 0);
	assert_non_null(strstr(out, "est {otp}. Il expire dans {minutes}."));
	assert_int_equal(dialog_render(cat, "fr", "sms_otp", kv_ctl, out,
	    sizeof(out)), 0);
	assert_non_null(strstr(out, "est 48 29 13. "));

	/* Too small: -1 and nothing of the secret left behind. */
	memset(small, 'Z', sizeof(small));
	assert_int_equal(dialog_render(cat, "fr", "sms_password", kv_pw, small,
	    sizeof(small)), -1);
	for (i = 0; i < sizeof(small); i++)
		assert_int_equal(small[i], '\0');
	/* Exactly enough room. */
	assert_int_equal(dialog_render(cat, "fr", "sms_otp", kv_otp, out,
	    sizeof(out)), 0);
	i = strlen(out) + 1;
	assert_int_equal(dialog_render(cat, "fr", "sms_otp", kv_otp, small,
	    0), -1);
	{
		char	exact[256];

		assert_true(i <= sizeof(exact));
		assert_int_equal(dialog_render(cat, "fr", "sms_otp", kv_otp,
		    exact, i), 0);
		assert_string_equal(exact, out);
		assert_int_equal(dialog_render(cat, "fr", "sms_otp", kv_otp,
		    exact, i - 1), -1);
	}
}

static void
test_strings(void **state)
{
	(void)state;
	assert_string_equal(dialog_outcome_str(DIALOG_OUTCOME_A), "A");
	assert_string_equal(dialog_outcome_str(DIALOG_OUTCOME_MISMATCH),
	    "mismatch");
	assert_string_equal(dialog_outcome_str(DIALOG_OUTCOME_LOCKED), "locked");
	assert_string_equal(dialog_outcome_str(DIALOG_OUTCOME_ERROR), "error");
	assert_string_equal(dialog_outcome_str(DIALOG_OUTCOME_ABORT), "abort");
	assert_string_equal(dialog_outcome_str(DIALOG_OUTCOME_NONE), "none");
	assert_string_equal(dialog_strstate(DIALOG_S_CATEGORY), "category");
	assert_string_equal(dialog_strstate(DIALOG_S_DONE), "done");
	assert_string_equal(dialog_strstate(DIALOG_S_OTP), "otp");
	assert_string_equal(dialog_outcome_str(DIALOG_OUTCOME_B), "B");
	assert_string_equal(dialog_strstate((enum dialog_step)77), "?");
}

/* Calls out of order end the dialog cleanly. */
static void
test_out_of_order(void **state)
{
	struct sess			s;
	static struct dialog_categories	cats;
	static struct dialog_docs	docs;

	(void)state;
	memset(&s, 0, sizeof(s));
	sess_begin(&s, CONF_DEFAULT, "*1515#");
	cats_fixture("fr", &cats);
	dialog_on_categories(&s.d, &s.conf, cat, &cats, &s.out);
	assert_int_equal(s.out.end, 1);
	assert_int_equal(s.out.outcome, DIALOG_OUTCOME_ERROR);

	sess_begin(&s, CONF_DEFAULT, "*1515#");
	docs_fixture("short", &docs);
	dialog_on_docs(&s.d, &s.conf, cat, &docs, &s.out);
	assert_int_equal(s.out.outcome, DIALOG_OUTCOME_ERROR);

	sess_begin(&s, CONF_DEFAULT, "*1515#");
	dialog_on_lookup(&s.d, &s.conf, cat, &lookups[0].res, &s.out);
	assert_int_equal(s.out.outcome, DIALOG_OUTCOME_ERROR);
	assert_null(strstr(s.out.text, MATRICULE));

	/* A finished dialog takes no more answers. */
	dialog_input(&s.d, &s.conf, cat, "1", &s.out);
	assert_int_equal(s.out.end, 1);

	/* No dial string at all. */
	conf_make(CONF_DEFAULT, &s.conf);
	dialog_begin(&s.d, &s.conf, cat, NULL, &s.out);
	assert_non_null(strstr(s.out.text, "1 Français"));
	dialog_input(&s.d, &s.conf, cat, NULL, &s.out);
	assert_non_null(strstr(s.out.text, "Choix non valide."));
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
		cmocka_unit_test(test_docs_last_page),
		cmocka_unit_test(test_paging),
		cmocka_unit_test(test_hostile_labels),
		cmocka_unit_test(test_otp_input),
		cmocka_unit_test(test_otp_out_of_order),
		cmocka_unit_test(test_otp_wrong_count),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_out_of_order),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
