/*
 * Unit tests of smsc_caller: the callers file, one virtual caller's state
 * machine played as stories (events in, actions and states out), and the
 * latency percentiles.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "smsc_caller.h"

#define CONT 0x02
#define END  0x11

/* --- the callers file ---------------------------------------------- */

static void
test_parse_ok(void **state)
{
	static const char text[] =
	    "# kind msisdn dial\n"
	    "\n"
	    "a 212600000001 \"*1515*1*AB123456*31052030*01021980#\"\n"
	    "  b\t+212600000002   \"*1515*1*B0000002*01012031*02021962#\"  # note\r\n"
	    "C 212600000003 \"#22*\\\"x\\\\#\"\n"
	    "b 212600000004 \"*1515#\"";	/* no final newline */
	char err[128] = "";
	struct smsc_caller_list *l;
	struct smsc_caller *c;

	(void)state;
	l = smsc_caller_parse(text, strlen(text), err, sizeof(err));
	assert_non_null(l);
	assert_int_equal(l->n, 4);
	assert_int_equal(l->nkind[SMSC_CALLER_A], 1);
	assert_int_equal(l->nkind[SMSC_CALLER_B], 2);
	assert_int_equal(l->nkind[SMSC_CALLER_C], 1);
	c = smsc_caller_find(l, "212600000002");
	assert_non_null(c);
	assert_int_equal(c->kind, SMSC_CALLER_B);
	assert_string_equal(c->dial, "*1515*1*B0000002*01012031*02021962#");
	assert_string_equal(c->service, "1515");
	assert_int_equal(c->line, 4);
	assert_int_equal(c->state, SMSC_CALLER_IDLE);
	c = smsc_caller_find(l, "212600000003");
	assert_non_null(c);
	assert_string_equal(c->dial, "#22*\"x\\#");
	assert_string_equal(c->service, "22");
	assert_null(smsc_caller_find(l, "212600000009"));
	assert_null(smsc_caller_find(l, "21260000000"));
	smsc_caller_list_free(l);
	smsc_caller_list_free(NULL);
}

static void
test_parse_errors(void **state)
{
	static const struct {
		const char *text, *err;
	} t[] = {
		{ "x 2126 \"*1515#\"\n", "1: kind must be a, b, c, m or h" },
		{ "ab 2126 \"*1515#\"\n", "1: kind must be a, b, c, m or h" },
		{ "a\n", "1: kind must be a, b, c, m or h" },
		{ "\n# c\na 21x6 \"*1515#\"\n", "3: MSISDN: 1 to 20 digits" },
		{ "a 123456789012345678901 \"*1515#\"\n", "1: MSISDN: 1 to 20 digits" },
		{ "a 2126 *1515#\n", "1: the dial string must be quoted" },
		{ "a 2126 \"*1515#\n", "1: unterminated string" },
		{ "a 2126 \"*1515#\" extra\n", "1: unexpected text after the dial string" },
		{ "a 2126 \"\\n\"\n", "1: only \\\" and \\\\ are escapes" },
		{ "a 2126 \"1515\"\n", "1: not a dial string: \"1515\"" },
		{ "a 2126 \"*1515#\"\nb 2127 \"*1515#\"\nc 2126 \"*1515#\"\n",
		  "3: the MSISDN of line 1 again" },
		{ "# nobody\n\n", "2: no caller in the file" },
		{ "a 2126 \"*1515#\" \"1\"\n", "1: answers are for kind m only" },
		{ "m 2126 \"*1515#\"\n", "1: kind m needs its answers" },
		{ "m 2126 \"*1515#\" \"1\" \"\"\n", "1: an empty answer" },
		{ "m 2126 \"*1515#\" \"1\" x\n", "1: unexpected text after the dial string" },
		{ "m 2126 \"*1515#\" \"1\" \"2\n", "1: unterminated string" },
		{ "m 2126 \"*1515#\" \"1\" \"2\" \"3\" \"4\" \"5\" \"6\" \"7\" \"8\" \"9\" \"10\" \"11\" \"12\" \"13\" \"14\" \"15\" \"16\" \"17\"\n",
		  "1: more than 16 answers" },
		{ "m 2126 \"*1515#\" \"12345678901234567890123456789012345678901234567890123456789012345\"\n",
		  "1: an answer over 63 bytes" },
	};
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct smsc_caller_list *l;

		err[0] = '\0';
		l = smsc_caller_parse(t[i].text, strlen(t[i].text), err,
		    sizeof(err));
		if (l != NULL)
			fail_msg("case %zu parsed", i);
		if (strcmp(err, t[i].err) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err,
			    t[i].err);
	}
}

static void
test_parse_long(void **state)
{
	char dial[200], text[300], err[128];
	struct smsc_caller_list *l;

	(void)state;
	memset(dial, '1', sizeof(dial));
	memcpy(dial, "*1515*", 6);
	dial[SMSC_CALLER_DIAL_MAX] = '\0';
	snprintf(text, sizeof(text), "a 1 \"%s\"\n", dial);
	l = smsc_caller_parse(text, strlen(text), err, sizeof(err));
	assert_non_null(l);
	smsc_caller_list_free(l);
	dial[SMSC_CALLER_DIAL_MAX] = '1';
	dial[SMSC_CALLER_DIAL_MAX + 1] = '\0';
	snprintf(text, sizeof(text), "a 1 \"%s\"\n", dial);
	assert_null(smsc_caller_parse(text, strlen(text), err, sizeof(err)));
	assert_string_equal(err, "1: dial string over 160 bytes");
	/* A NUL inside is refused, not read as the end. */
	assert_null(smsc_caller_parse("a 1 \"*1#\"\0\n", 11, err, sizeof(err)));
	assert_string_equal(err, "1: NUL byte");
}

/* --- one caller, as stories ----------------------------------------- */

enum ev_type {
	EV_END_OF_STORY = 0,
	EV_START, EV_SCREEN, EV_SMS, EV_TICK, EV_LOST, EV_BOUND, EV_PARK,
	EV_STOP,
};

struct ev {
	enum ev_type            type;
	int64_t                 now;
	int                     op;
	const char             *text;
	/* expected */
	enum smsc_caller_send     send;
	const char             *sent;	/* the text sent, when send */
	enum smsc_caller_state  state;
	enum smsc_caller_why      why;
	long                    rtt, dialog;	/* -1: none */
	int                     retries;
};

struct story {
	const char          *name;
	enum smsc_caller_kind  kind;
	int                  max_retries;
	int                  stopping;
	struct ev            ev[16];	/* ends with EV_END_OF_STORY */
};

#define DIAL_B "*1515*1*B1#"
#define ASK    "Un code de vérification vous a été envoyé par SMS au numéro se terminant par 02. Entrez-le :"
#define WRONG  "Code erroné. Essais restants : 2."
#define OTP(c) "CNSS: votre code de vérification est " c ". Il expire dans 5 min."
#define PWSMS  "CNSS: votre mot de passe initial Ma CNSS est Ab34567k9Q. Connectez-vous avec 990000002."
#define RES_B  "Immatriculation CNSS : 990000002\nMot de passe initial envoyé."
#define ALREADY "Votre mot de passe initial Ma CNSS vous a déjà été envoyé par SMS au numéro se terminant par 02."
#define UNAVAIL "Service momentanément indisponible. Merci de réessayer plus tard."
#define MENU   "1 Français\n2 Arabe\n3 Tamazight"

#define W1   SMSC_CALLER_WAIT_FIRST
#define WC   SMSC_CALLER_WAIT_CODE
#define WF   SMSC_CALLER_WAIT_FINAL
#define WB   SMSC_CALLER_WAIT_BIND
#define DONE SMSC_CALLER_DONE
#define FAIL SMSC_CALLER_FAILED
#define NONE SMSC_CALLER_SEND_NONE
#define DIAL SMSC_CALLER_SEND_DIAL
#define ANS  SMSC_CALLER_SEND_ANSWER

static const struct story stories[] = {
	{ "a: the first screen ends", SMSC_CALLER_A, 3, 0, {
		{ EV_START, 100, 0, NULL, DIAL, DIAL_B, W1, 0, -1, -1, 0 },
		{ EV_SCREEN, 140, END, "Votre numéro d'immatriculation CNSS : 1", NONE, NULL, DONE, 0, 40, 40, 0 },
		{ EV_SCREEN, 150, END, "late", NONE, NULL, DONE, 0, -1, -1, 0 },
		{ EV_TICK, 99999, 0, NULL, NONE, NULL, DONE, 0, -1, -1, 0 },
	} },
	{ "a: an error screen or a continuing one is dialled again", SMSC_CALLER_A, 3, 0, {
		{ EV_START, 0, 0, NULL, DIAL, DIAL_B, W1, 0, -1, -1, 0 },
		{ EV_SCREEN, 10, END, UNAVAIL, DIAL, DIAL_B, W1, SMSC_CALLER_WHY_SCREEN, 10, -1, 1 },
		{ EV_SCREEN, 30, CONT, MENU, DIAL, DIAL_B, W1, SMSC_CALLER_WHY_SCREEN, 20, -1, 2 },
		{ EV_SCREEN, 35, END, "matricule 1", NONE, NULL, DONE, 0, 5, 5, 2 },
	} },
	{ "a: timeouts up to K retries, then failed", SMSC_CALLER_A, 2, 0, {
		{ EV_START, 0, 0, NULL, DIAL, DIAL_B, W1, 0, -1, -1, 0 },
		{ EV_TICK, 9999, 0, NULL, NONE, NULL, W1, 0, -1, -1, 0 },
		{ EV_TICK, 10000, 0, NULL, DIAL, DIAL_B, W1, SMSC_CALLER_WHY_TIMEOUT, -1, -1, 1 },
		{ EV_TICK, 19999, 0, NULL, NONE, NULL, W1, 0, -1, -1, 1 },
		{ EV_TICK, 20000, 0, NULL, DIAL, DIAL_B, W1, SMSC_CALLER_WHY_TIMEOUT, -1, -1, 2 },
		{ EV_TICK, 30000, 0, NULL, NONE, NULL, FAIL, 0, -1, -1, 2 },
		{ EV_SCREEN, 30001, END, "matricule", NONE, NULL, FAIL, 0, -1, -1, 2 },
	} },
	{ "b: OTP screen, then the SMS, then the matricule", SMSC_CALLER_B, 3, 0, {
		{ EV_START, 0, 0, NULL, DIAL, DIAL_B, W1, 0, -1, -1, 0 },
		{ EV_SCREEN, 10, CONT, ASK, NONE, NULL, WC, 0, 10, -1, 0 },
		{ EV_SMS, 50, 0, PWSMS, NONE, NULL, WC, 0, -1, -1, 0 },
		{ EV_SMS, 60, 0, OTP("123456"), ANS, "123456", WF, 0, -1, -1, 0 },
		{ EV_SCREEN, 80, END, RES_B, NONE, NULL, DONE, 0, 20, 80, 0 },
	} },
	{ "b: the SMS before the screen is answered at once", SMSC_CALLER_B, 3, 0, {
		{ EV_START, 0, 0, NULL, DIAL, DIAL_B, W1, 0, -1, -1, 0 },
		{ EV_SMS, 5, 0, OTP("654321"), NONE, NULL, W1, 0, -1, -1, 0 },
		{ EV_SCREEN, 10, CONT, ASK, ANS, "654321", WF, 0, 10, -1, 0 },
		{ EV_SCREEN, 12, END, RES_B, NONE, NULL, DONE, 0, 2, 12, 0 },
	} },
	{ "b: a stale code refused, the other one tried", SMSC_CALLER_B, 3, 0, {
		{ EV_START, 0, 0, NULL, DIAL, DIAL_B, W1, 0, -1, -1, 0 },
		{ EV_SMS, 1, 0, OTP("111111"), NONE, NULL, W1, 0, -1, -1, 0 },
		{ EV_SMS, 2, 0, OTP("222222"), NONE, NULL, W1, 0, -1, -1, 0 },
		{ EV_SCREEN, 3, CONT, ASK, ANS, "222222", WF, 0, 3, -1, 0 },
		{ EV_SCREEN, 5, CONT, WRONG, ANS, "111111", WF, 0, 2, -1, 0 },
		{ EV_SCREEN, 6, END, RES_B, NONE, NULL, DONE, 0, 1, 6, 0 },
	} },
	{ "b: a wrong code waits for a new SMS; copies are not tried twice", SMSC_CALLER_B, 3, 0, {
		{ EV_START, 0, 0, NULL, DIAL, DIAL_B, W1, 0, -1, -1, 0 },
		{ EV_SMS, 1, 0, OTP("111111"), NONE, NULL, W1, 0, -1, -1, 0 },
		{ EV_SCREEN, 3, CONT, ASK, ANS, "111111", WF, 0, 3, -1, 0 },
		{ EV_SCREEN, 5, CONT, WRONG, NONE, NULL, WC, 0, 2, -1, 0 },
		{ EV_SMS, 6, 0, OTP("111111"), NONE, NULL, WC, 0, -1, -1, 0 },
		{ EV_SMS, 7, 0, OTP("333333"), ANS, "333333", WF, 0, -1, -1, 0 },
		{ EV_SCREEN, 9, END, RES_B, NONE, NULL, DONE, 0, 2, 9, 0 },
	} },
	{ "b: already sent ends the first screen: done", SMSC_CALLER_B, 3, 0, {
		{ EV_START, 0, 0, NULL, DIAL, DIAL_B, W1, 0, -1, -1, 0 },
		{ EV_SCREEN, 7, END, ALREADY, NONE, NULL, DONE, 0, 7, 7, 0 },
	} },
	{ "b: the session gone (a menu after the code) dials again, old codes void", SMSC_CALLER_B, 3, 0, {
		{ EV_START, 0, 0, NULL, DIAL, DIAL_B, W1, 0, -1, -1, 0 },
		{ EV_SCREEN, 3, CONT, ASK, NONE, NULL, WC, 0, 3, -1, 0 },
		{ EV_SMS, 4, 0, OTP("111111"), ANS, "111111", WF, 0, -1, -1, 0 },
		{ EV_SCREEN, 9, CONT, MENU, DIAL, DIAL_B, W1, SMSC_CALLER_WHY_SCREEN, 5, -1, 1 },
		{ EV_SMS, 10, 0, OTP("222222"), NONE, NULL, W1, 0, -1, -1, 1 },
		{ EV_SCREEN, 11, CONT, ASK, ANS, "222222", WF, 0, 2, -1, 1 },
		{ EV_SCREEN, 15, END, RES_B, NONE, NULL, DONE, 0, 4, 6, 1 },
	} },
	{ "b: a code of an attempt given up on stays on the phone", SMSC_CALLER_B, 3, 0, {
		{ EV_START, 0, 0, NULL, DIAL, DIAL_B, W1, 0, -1, -1, 0 },
		{ EV_SMS, 1, 0, OTP("111111"), NONE, NULL, W1, 0, -1, -1, 0 },
		{ EV_TICK, 10000, 0, NULL, DIAL, DIAL_B, W1, SMSC_CALLER_WHY_TIMEOUT, -1, -1, 1 },
		{ EV_SCREEN, 10005, CONT, ASK, ANS, "111111", WF, 0, 5, -1, 1 },
		{ EV_SCREEN, 10008, END, RES_B, NONE, NULL, DONE, 0, 3, 8, 1 },
	} },
	{ "b: a screen while waiting for the SMS, or a void code, dials again", SMSC_CALLER_B, 3, 0, {
		{ EV_START, 0, 0, NULL, DIAL, DIAL_B, W1, 0, -1, -1, 0 },
		{ EV_SCREEN, 3, CONT, ASK, NONE, NULL, WC, 0, 3, -1, 0 },
		{ EV_SCREEN, 4, CONT, ASK, DIAL, DIAL_B, W1, SMSC_CALLER_WHY_SCREEN, -1, -1, 1 },
		{ EV_SCREEN, 5, CONT, ASK, NONE, NULL, WC, 0, 1, -1, 1 },
		{ EV_SMS, 6, 0, OTP("444444"), ANS, "444444", WF, 0, -1, -1, 1 },
		{ EV_SCREEN, 8, END, "Ce code n'est plus valide après trop d'erreurs.", DIAL, DIAL_B, W1, SMSC_CALLER_WHY_SCREEN, 2, -1, 2 },
		{ EV_SCREEN, 9, CONT, UNAVAIL, DIAL, DIAL_B, W1, SMSC_CALLER_WHY_SCREEN, 1, -1, 3 },
		{ EV_SCREEN, 10, END, UNAVAIL, NONE, NULL, FAIL, 0, 1, -1, 3 },
	} },
	{ "b: the bind lost while waiting for a screen, not for the SMS", SMSC_CALLER_B, 3, 0, {
		{ EV_START, 0, 0, NULL, DIAL, DIAL_B, W1, 0, -1, -1, 0 },
		{ EV_LOST, 1, 0, NULL, NONE, NULL, WB, SMSC_CALLER_WHY_LOST, -1, -1, 1 },
		{ EV_TICK, 50000, 0, NULL, NONE, NULL, WB, 0, -1, -1, 1 },
		{ EV_SMS, 50001, 0, OTP("111111"), NONE, NULL, WB, 0, -1, -1, 1 },
		{ EV_BOUND, 50002, 0, NULL, DIAL, DIAL_B, W1, 0, -1, -1, 1 },
		{ EV_SCREEN, 50003, CONT, ASK, NONE, NULL, WC, 0, 1, -1, 1 },
		{ EV_LOST, 50004, 0, NULL, NONE, NULL, WC, 0, -1, -1, 1 },
		{ EV_BOUND, 50005, 0, NULL, NONE, NULL, WC, 0, -1, -1, 1 },
		{ EV_SMS, 50006, 0, OTP("555555"), ANS, "555555", WF, 0, -1, -1, 1 },
		{ EV_LOST, 50007, 0, NULL, NONE, NULL, WB, SMSC_CALLER_WHY_LOST, -1, -1, 2 },
		{ EV_BOUND, 50008, 0, NULL, DIAL, DIAL_B, W1, 0, -1, -1, 2 },
		{ EV_SCREEN, 50010, END, ALREADY, NONE, NULL, DONE, 0, 2, 2, 2 },
	} },
	{ "b: the bind lost with no retry left fails", SMSC_CALLER_B, 0, 0, {
		{ EV_START, 0, 0, NULL, DIAL, DIAL_B, W1, 0, -1, -1, 0 },
		{ EV_LOST, 1, 0, NULL, NONE, NULL, FAIL, 0, -1, -1, 0 },
		{ EV_BOUND, 2, 0, NULL, NONE, NULL, FAIL, 0, -1, -1, 0 },
	} },
	{ "park: nothing sent, no retry counted; stop fails a parked caller", SMSC_CALLER_A, 3, 0, {
		{ EV_START, 0, 0, NULL, DIAL, DIAL_B, W1, 0, -1, -1, 0 },
		{ EV_PARK, 0, 0, NULL, NONE, NULL, WB, 0, -1, -1, 0 },
		{ EV_TICK, 20000, 0, NULL, NONE, NULL, WB, 0, -1, -1, 0 },
		{ EV_BOUND, 20001, 0, NULL, DIAL, DIAL_B, W1, 0, -1, -1, 0 },
		{ EV_PARK, 20001, 0, NULL, NONE, NULL, WB, 0, -1, -1, 0 },
		{ EV_STOP, 20002, 0, NULL, NONE, NULL, FAIL, 0, -1, -1, 0 },
	} },
	{ "stopping: no retry after --duration", SMSC_CALLER_A, 3, 1, {
		{ EV_START, 0, 0, NULL, DIAL, DIAL_B, W1, 0, -1, -1, 0 },
		{ EV_SCREEN, 5, END, UNAVAIL, NONE, NULL, FAIL, 0, 5, -1, 0 },
	} },
	{ "c: category list, \"1\", documents", SMSC_CALLER_C, 3, 0, {
		{ EV_START, 0, 0, NULL, DIAL, DIAL_B, W1, 0, -1, -1, 0 },
		{ EV_SCREEN, 4, CONT, "Aucune immatriculation. Choisissez votre catégorie :\n1 Artisans", ANS, "1", WF, 0, 4, -1, 0 },
		{ EV_SMS, 5, 0, OTP("123456"), NONE, NULL, WF, 0, -1, -1, 0 },
		{ EV_SCREEN, 9, END, "Documents à fournir : ...", NONE, NULL, DONE, 0, 5, 9, 0 },
	} },
	{ "c: paged documents: done, and the caller hangs up", SMSC_CALLER_C, 3, 0, {
		{ EV_START, 0, 0, NULL, DIAL, DIAL_B, W1, 0, -1, -1, 0 },
		{ EV_SCREEN, 4, CONT, "Choisissez votre catégorie :\n1 Artisans\n0 Suite", ANS, "1", WF, 0, 4, -1, 0 },
		{ EV_SCREEN, 6, CONT, "Documents à fournir :\n- Formulaire\n0 Suite", SMSC_CALLER_SEND_ABORT, "", DONE, 0, 2, 6, 0 },
	} },
	{ "c: the session gone (a menu after \"1\") or an error dials again", SMSC_CALLER_C, 3, 0, {
		{ EV_START, 0, 0, NULL, DIAL, DIAL_B, W1, 0, -1, -1, 0 },
		{ EV_SCREEN, 4, CONT, "catégorie", ANS, "1", WF, 0, 4, -1, 0 },
		{ EV_SCREEN, 6, CONT, MENU, DIAL, DIAL_B, W1, SMSC_CALLER_WHY_SCREEN, 2, -1, 1 },
		{ EV_SCREEN, 7, CONT, "catégorie", ANS, "1", WF, 0, 1, -1, 1 },
		{ EV_SCREEN, 9, END, "Documents : " UNAVAIL, DIAL, DIAL_B, W1, SMSC_CALLER_WHY_SCREEN, 2, -1, 2 },
	} },
	{ "c: a first screen that ends is wrong", SMSC_CALLER_C, 3, 0, {
		{ EV_START, 0, 0, NULL, DIAL, DIAL_B, W1, 0, -1, -1, 0 },
		{ EV_SCREEN, 4, END, "Votre numéro d'immatriculation", DIAL, DIAL_B, W1, SMSC_CALLER_WHY_SCREEN, 4, -1, 1 },
		{ EV_START, 5, 0, NULL, NONE, NULL, W1, 0, -1, -1, 1 },
	} },
};

/* m: the menu walked with the line's answers; h: the first screen, the
 * session left open. */
static void
test_menu_and_hold(void **state)
{
	static const char text[] =
	    "m 212600000001 \"*1515#\" \"1\" \"1\" \"AB123456\" \"31052030\" \"01/02/1980\"\n"
	    "h 212600000002 \"*1515#\"\n";
	static const char *const answers[] = { "1", "1", "AB123456",
	    "31052030", "01/02/1980" };
	struct smsc_caller_cfg cfg;
	struct smsc_caller_act act;
	struct smsc_caller_list *l;
	struct smsc_caller *c;
	char err[128] = "";

	(void)state;
	smsc_caller_cfg_init(&cfg);
	l = smsc_caller_parse(text, strlen(text), err, sizeof(err));
	assert_non_null(l);
	assert_int_equal(l->nkind[SMSC_CALLER_M], 1);
	assert_int_equal(l->nkind[SMSC_CALLER_H], 1);
	c = smsc_caller_find(l, "212600000001");
	assert_int_equal(c->kind, SMSC_CALLER_M);
	assert_int_equal(c->nanswers, 5);
	assert_string_equal(c->dial, "*1515#");
	assert_string_equal(smsc_caller_strkind(c->kind), "m");

	/* Five screens asking, each answered in turn; then the result. */
	smsc_caller_start(c, &cfg, 0, &act);
	assert_int_equal(act.send, SMSC_CALLER_SEND_DIAL);
	for (int i = 0; i < 5; i++) {
		smsc_caller_screen(c, &cfg, CONT, MENU, 10 * (i + 1), &act);
		assert_int_equal(act.send, SMSC_CALLER_SEND_ANSWER);
		assert_string_equal(act.text, answers[i]);
		assert_int_equal(c->state, SMSC_CALLER_WAIT_FINAL);
		assert_int_equal(act.rtt_ms, 10);
	}
	/* A sixth screen asking: no answer left, dialled again. */
	smsc_caller_screen(c, &cfg, CONT, MENU, 60, &act);
	assert_int_equal(act.send, SMSC_CALLER_SEND_DIAL);
	assert_int_equal(act.why, SMSC_CALLER_WHY_SCREEN);
	assert_int_equal(c->retries, 1);
	/* A final screen before the last answer is wrong too. */
	smsc_caller_screen(c, &cfg, CONT, MENU, 70, &act);
	assert_string_equal(act.text, "1");
	smsc_caller_screen(c, &cfg, END, "990000001", 80, &act);
	assert_int_equal(act.send, SMSC_CALLER_SEND_DIAL);
	assert_int_equal(c->retries, 2);
	/* The answers start again at each dial; the result ends it. */
	for (int i = 0; i < 5; i++) {
		smsc_caller_screen(c, &cfg, CONT, MENU, 100 + i, &act);
		assert_string_equal(act.text, answers[i]);
	}
	smsc_caller_screen(c, &cfg, END, "990000001 identifiants habituels",
	    110, &act);
	assert_int_equal(act.send, SMSC_CALLER_SEND_NONE);
	assert_int_equal(c->state, SMSC_CALLER_DONE);
	assert_int_equal(act.finished, 1);
	assert_int_equal(act.dialog_ms, 30);

	/* h: the first screen asking is enough; nothing is answered. */
	c = smsc_caller_find(l, "212600000002");
	assert_int_equal(c->kind, SMSC_CALLER_H);
	smsc_caller_start(c, &cfg, 0, &act);
	smsc_caller_screen(c, &cfg, END, UNAVAIL, 5, &act);
	assert_int_equal(act.send, SMSC_CALLER_SEND_DIAL);
	smsc_caller_screen(c, &cfg, CONT, MENU, 9, &act);
	assert_int_equal(act.send, SMSC_CALLER_SEND_NONE);
	assert_int_equal(c->state, SMSC_CALLER_DONE);
	assert_int_equal(act.rtt_ms, 4);
	assert_int_equal(act.finished, 1);
	smsc_caller_list_free(l);
}

static void
test_stories(void **state)
{
	(void)state;
	for (size_t si = 0; si < sizeof(stories) / sizeof(stories[0]); si++) {
		const struct story *s = &stories[si];
		struct smsc_caller_cfg cfg;
		struct smsc_caller c;
		char dial[] = DIAL_B;

		smsc_caller_cfg_init(&cfg);
		cfg.retries = s->max_retries;
		cfg.stopping = s->stopping;
		memset(&c, 0, sizeof(c));
		c.kind = s->kind;
		c.dial = dial;
		snprintf(c.msisdn, sizeof(c.msisdn), "212600000001");
		for (int i = 0; s->ev[i].type != EV_END_OF_STORY; i++) {
			const struct ev *e = &s->ev[i];
			struct smsc_caller_act act;
			int finished;

			memset(&act, 0x5a, sizeof(act));
			switch (e->type) {
			case EV_START:
				smsc_caller_start(&c, &cfg, e->now, &act);
				break;
			case EV_SCREEN:
				smsc_caller_screen(&c, &cfg, e->op, e->text,
				    e->now, &act);
				break;
			case EV_SMS:
				smsc_caller_sms(&c, &cfg, e->text, e->now, &act);
				break;
			case EV_TICK:
				smsc_caller_tick(&c, &cfg, e->now, &act);
				break;
			case EV_LOST:
				smsc_caller_lost(&c, &cfg, e->now, &act);
				break;
			case EV_BOUND:
				smsc_caller_bound(&c, &cfg, e->now, &act);
				break;
			case EV_PARK:
				smsc_caller_park(&c);
				memset(&act, 0, sizeof(act));
				act.rtt_ms = act.dialog_ms = -1;
				break;
			case EV_STOP:
				smsc_caller_stop(&c, &act);
				break;
			default:
				break;
			}
			finished = (c.state == DONE || c.state == FAIL) &&
			    (e->state == DONE || e->state == FAIL) &&
			    (i == 0 || (s->ev[i - 1].state != DONE &&
			    s->ev[i - 1].state != FAIL));
			if (act.send != e->send || c.state != e->state ||
			    act.why != e->why || act.rtt_ms != e->rtt ||
			    act.dialog_ms != e->dialog ||
			    c.retries != e->retries ||
			    act.finished != finished ||
			    (e->sent && (act.text == NULL ||
			    strcmp(act.text, e->sent) != 0)))
				fail_msg("%s, event %d: send %d (%s) state %s why %d "
				    "rtt %ld dialog %ld retries %d finished %d; "
				    "want send %d (%s) state %s why %d rtt %ld "
				    "dialog %ld retries %d finished %d", s->name,
				    i + 1, act.send, act.send ? act.text : "-",
				    smsc_caller_strstate(c.state), act.why,
				    act.rtt_ms, act.dialog_ms, c.retries,
				    act.finished, e->send, e->sent ? e->sent : "-",
				    smsc_caller_strstate(e->state), e->why,
				    e->rtt, e->dialog, e->retries, finished);
			if (c.state == W1 || c.state == WC || c.state == WF)
				assert_true(c.deadline > e->now &&
				    c.deadline <= e->now + SMSC_CALLER_STEP_MS);
		}
	}
}

/*
 * The MO's deliver_sm_resp: an error on the last MO while a screen is
 * awaited is a retry (or the end, with no retry left: open loop); a late
 * one of an earlier MO changes nothing; a deadline passed while a screen
 * was awaited is flagged unanswered (the driver counts it when the MO had
 * ESME_ROK), not while the caller waits for its SMS.
 */
static void
test_ack(void **state)
{
	struct smsc_caller_cfg cfg;
	struct smsc_caller_act act;
	struct smsc_caller c;
	char dial[] = DIAL_B;

	(void)state;
	smsc_caller_cfg_init(&cfg);
	memset(&c, 0, sizeof(c));
	c.kind = SMSC_CALLER_B;
	c.dial = dial;
	smsc_caller_start(&c, &cfg, 0, &act);
	assert_int_equal(act.send, DIAL);
	c.mo_n = 1;	/* as the driver counts */
	smsc_caller_ack(&c, &cfg, 1, 1, 1, &act);
	assert_int_equal(c.mo_ack, SMSC_CALLER_ACK_OK);
	assert_int_equal(act.send, NONE);
	assert_int_equal(c.state, W1);
	/* A late refusal of an earlier MO. */
	smsc_caller_ack(&c, &cfg, 0, 0, 2, &act);
	assert_int_equal(c.mo_ack, SMSC_CALLER_ACK_OK);
	assert_int_equal(act.send, NONE);
	/* The deadline: unanswered, dialled again. */
	smsc_caller_tick(&c, &cfg, SMSC_CALLER_STEP_MS, &act);
	assert_true(act.unanswered);
	assert_int_equal(act.why, SMSC_CALLER_WHY_TIMEOUT);
	assert_int_equal(act.send, DIAL);
	c.mo_n = 2;
	c.mo_ack = SMSC_CALLER_ACK_NONE;
	/* Refused: no screen will come; a pause, then the dial again. */
	smsc_caller_ack(&c, &cfg, 2, 0, SMSC_CALLER_STEP_MS + 1, &act);
	assert_int_equal(c.mo_ack, SMSC_CALLER_ACK_REFUSED);
	assert_int_equal(act.why, SMSC_CALLER_WHY_REFUSED);
	assert_int_equal(act.send, NONE);
	assert_int_equal(c.state, SMSC_CALLER_PAUSE);
	assert_int_equal(c.retries, 2);
	smsc_caller_screen(&c, &cfg, END, "late", SMSC_CALLER_STEP_MS + 2, &act);
	assert_int_equal(c.state, SMSC_CALLER_PAUSE);
	smsc_caller_tick(&c, &cfg, SMSC_CALLER_STEP_MS + SMSC_CALLER_REFUSED_MS,
	    &act);
	assert_int_equal(act.send, NONE);
	smsc_caller_tick(&c, &cfg, SMSC_CALLER_STEP_MS + 1 +
	    SMSC_CALLER_REFUSED_MS, &act);
	assert_int_equal(act.send, DIAL);
	assert_int_equal(act.why, SMSC_CALLER_WHY_NONE);
	assert_int_equal(c.state, W1);
	c.mo_n = 3;
	/* The OTP screen: waiting for the SMS is not a screen unanswered. */
	smsc_caller_ack(&c, &cfg, 3, 1, SMSC_CALLER_STEP_MS + 2, &act);
	smsc_caller_screen(&c, &cfg, CONT, ASK, SMSC_CALLER_STEP_MS + 3, &act);
	assert_int_equal(c.state, WC);
	smsc_caller_ack(&c, &cfg, 3, 0, SMSC_CALLER_STEP_MS + 4, &act);
	assert_int_equal(c.state, WC);
	assert_int_equal(act.send, NONE);
	smsc_caller_tick(&c, &cfg, 3 * SMSC_CALLER_STEP_MS, &act);
	assert_false(act.unanswered);
	assert_int_equal(act.why, SMSC_CALLER_WHY_TIMEOUT);

	/* No retry left (open loop): a refusal ends the caller. */
	cfg.retries = 0;
	memset(&c, 0, sizeof(c));
	c.kind = SMSC_CALLER_A;
	c.dial = dial;
	smsc_caller_start(&c, &cfg, 0, &act);
	c.mo_n = 1;
	smsc_caller_ack(&c, &cfg, 1, 0, 1, &act);
	assert_int_equal(c.state, FAIL);
	assert_true(act.finished);
	assert_int_equal(act.send, NONE);
	assert_int_equal(act.why, SMSC_CALLER_WHY_NONE);

	/* --duration over: a pausing caller fails. */
	cfg.retries = 3;
	memset(&c, 0, sizeof(c));
	c.kind = SMSC_CALLER_A;
	c.dial = dial;
	smsc_caller_start(&c, &cfg, 0, &act);
	smsc_caller_ack(&c, &cfg, 0, 0, 1, &act);
	assert_int_equal(c.state, SMSC_CALLER_PAUSE);
	smsc_caller_stop(&c, &act);
	assert_int_equal(c.state, FAIL);
	assert_true(act.finished);
}

/* Error texts and markers come from the config, not the code. */
static void
test_cfg_markers(void **state)
{
	static const char *const errs[] = { "BUSY" };
	struct smsc_caller_cfg cfg;
	struct smsc_caller_act act;
	struct smsc_caller c;
	char dial[] = "*1#";

	(void)state;
	smsc_caller_cfg_init(&cfg);
	cfg.errors = errs;
	cfg.nerrors = 1;
	cfg.otp_sms = "PIN";
	cfg.otp_screen = "pin?";
	memset(&c, 0, sizeof(c));
	c.kind = SMSC_CALLER_B;
	c.dial = dial;
	smsc_caller_start(&c, &cfg, 0, &act);
	smsc_caller_screen(&c, &cfg, CONT, "Your PIN?", 1, &act);
	assert_int_equal(c.state, WC);
	smsc_caller_sms(&c, &cfg, OTP("121212"), 2, &act);	/* no "PIN" */
	assert_int_equal(act.send, NONE);
	smsc_caller_sms(&c, &cfg, "pin 98765", 3, &act);
	assert_int_equal(act.send, ANS);
	assert_string_equal(act.text, "98765");
	smsc_caller_screen(&c, &cfg, END, "busy, try later", 4, &act);
	assert_int_equal(act.send, DIAL);
	assert_int_equal(act.why, SMSC_CALLER_WHY_SCREEN);
	/* The French "indisponible" is no error under this config. */
	smsc_caller_screen(&c, &cfg, END, UNAVAIL, 5, &act);
	assert_int_equal(c.state, DONE);
}

/* Think time: the answer waits 0..think_ms, replayably, in a tick. */
static void
test_think(void **state)
{
	struct smsc_caller_cfg cfg;
	struct smsc_caller_act act;
	struct smsc_caller c, c2;
	char dial[] = "*1515*1*B1#";
	int64_t due;
	int spread = 0;

	(void)state;
	smsc_caller_cfg_init(&cfg);
	cfg.think_ms = 500;
	memset(&c, 0, sizeof(c));
	c.kind = SMSC_CALLER_C;
	c.dial = dial;
	snprintf(c.msisdn, sizeof(c.msisdn), "212600000001");
	c2 = c;
	smsc_caller_start(&c, &cfg, 0, &act);
	smsc_caller_screen(&c, &cfg, CONT, "catégorie", 10, &act);
	assert_int_equal(act.send, NONE);
	assert_int_equal(c.state, SMSC_CALLER_THINK);
	due = c.due;
	assert_true(due >= 10 && due <= 510);
	smsc_caller_lost(&c, &cfg, 11, &act);		/* the session lives on */
	assert_int_equal(c.state, SMSC_CALLER_THINK);
	assert_int_equal(act.why, SMSC_CALLER_WHY_NONE);
	smsc_caller_tick(&c, &cfg, due - 1, &act);
	assert_int_equal(act.send, NONE);
	smsc_caller_tick(&c, &cfg, due, &act);
	assert_int_equal(act.send, ANS);
	assert_string_equal(act.text, "1");
	assert_int_equal(c.state, WF);
	assert_true(c.deadline == due + SMSC_CALLER_STEP_MS);
	smsc_caller_screen(&c, &cfg, END, "Documents à fournir", due + 3, &act);
	assert_int_equal(c.state, DONE);
	assert_int_equal(act.rtt_ms, 3);		/* thinking is not latency */
	assert_int_equal(act.dialog_ms, due + 3);

	/* The same MSISDN thinks the same; others differ, within bounds. */
	smsc_caller_start(&c2, &cfg, 0, &act);
	smsc_caller_screen(&c2, &cfg, CONT, "catégorie", 10, &act);
	assert_true(c2.due == due);
	for (int i = 0; i < 50; i++) {
		struct smsc_caller x = c2;

		x.state = SMSC_CALLER_IDLE;
		x.rng = 0;
		snprintf(x.msisdn, sizeof(x.msisdn), "2126%08d", i);
		smsc_caller_start(&x, &cfg, 0, &act);
		smsc_caller_screen(&x, &cfg, CONT, "catégorie", 0, &act);
		assert_true(x.due >= 0 && x.due <= 500);
		spread += x.due != due;
	}
	assert_true(spread > 40);

	/* b: the code arrives while thinking is kept; a screen is wrong. */
	memset(&c, 0, sizeof(c));
	c.kind = SMSC_CALLER_B;
	c.dial = dial;
	smsc_caller_start(&c, &cfg, 0, &act);
	smsc_caller_sms(&c, &cfg, OTP("111111"), 1, &act);
	smsc_caller_screen(&c, &cfg, CONT, ASK, 2, &act);
	assert_int_equal(c.state, SMSC_CALLER_THINK);
	smsc_caller_sms(&c, &cfg, OTP("222222"), 3, &act);
	assert_int_equal(c.state, SMSC_CALLER_THINK);
	smsc_caller_tick(&c, &cfg, c.due, &act);
	assert_string_equal(act.text, "111111");
	smsc_caller_screen(&c, &cfg, CONT, WRONG, c.due + 1, &act);
	assert_int_equal(c.state, SMSC_CALLER_THINK);
	smsc_caller_screen(&c, &cfg, CONT, ASK, c.due + 2, &act);
	assert_int_equal(act.send, DIAL);
	assert_int_equal(act.why, SMSC_CALLER_WHY_SCREEN);
}

/* --- percentiles ----------------------------------------------------- */

static void
test_percentiles(void **state)
{
	struct smsc_caller_samples s;
	char buf[128];

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(smsc_caller_percentile(&s, 50), -1);
	smsc_caller_pct_str(&s, buf, sizeof(buf));
	assert_string_equal(buf, "none");
	/* 100..1, out of order, past the first growth. */
	for (long i = 0; i < 3000; i++)
		assert_int_equal(smsc_caller_sample_add(&s, 100 - i % 100), 0);
	assert_int_equal(smsc_caller_percentile(&s, 50), 50);
	assert_int_equal(smsc_caller_percentile(&s, 7), 7);
	assert_int_equal(smsc_caller_percentile(&s, 90), 90);
	assert_int_equal(smsc_caller_percentile(&s, 99), 99);
	assert_int_equal(smsc_caller_percentile(&s, 99.9), 100);
	assert_int_equal(smsc_caller_percentile(&s, 100), 100);
	assert_int_equal(smsc_caller_percentile(&s, 0.001), 1);
	assert_int_equal(smsc_caller_percentile(&s, 0), -1);
	assert_int_equal(smsc_caller_percentile(&s, 101), -1);
	/* Adding after a sort sorts again. */
	assert_int_equal(smsc_caller_sample_add(&s, 5000), 0);
	assert_int_equal(smsc_caller_percentile(&s, 100), 5000);
	smsc_caller_pct_str(&s, buf, sizeof(buf));
	assert_string_equal(buf, "p50 51 p90 91 p99 100 max 5000 (n 3001)");
	smsc_caller_samples_free(&s);

	/* One sample is every percentile; negative times count as 0. */
	assert_int_equal(smsc_caller_sample_add(&s, -3), 0);
	assert_int_equal(smsc_caller_percentile(&s, 1), 0);
	assert_int_equal(smsc_caller_percentile(&s, 100), 0);
	smsc_caller_samples_free(&s);

	/* 10 samples: p90 is the 9th, p95 the 10th. */
	for (long i = 1; i <= 10; i++)
		smsc_caller_sample_add(&s, i * 10);
	assert_int_equal(smsc_caller_percentile(&s, 90), 90);
	assert_int_equal(smsc_caller_percentile(&s, 95), 100);
	assert_int_equal(smsc_caller_percentile(&s, 10), 10);
	assert_int_equal(smsc_caller_percentile(&s, 11), 20);
	smsc_caller_samples_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_long),
		cmocka_unit_test(test_menu_and_hold),
		cmocka_unit_test(test_stories),
		cmocka_unit_test(test_ack),
		cmocka_unit_test(test_cfg_markers),
		cmocka_unit_test(test_think),
		cmocka_unit_test(test_percentiles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
