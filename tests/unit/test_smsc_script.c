/*
 * Unit tests for smsc_script: the simulator's scenario parser (good files
 * to their commands, bad files to "LINE: reason") and the screen checks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "smsc_script.h"

static struct smsc_script *
parse(const char *text, char *err, size_t errsz)
{
	return smsc_script_parse(text, strlen(text), err, errsz);
}

static void
test_full_story(void **state)
{
	const char *text =
	    "# case A: a registered TNS with an account\n"
	    "\n"
	    "print \"case A\"\n"
	    "dial 212612340123 \"*1515#\"\n"
	    "expect \"1 Fran\" \"2 \"   # language menu\n"
	    "continues\n"
	    "answer \"1\"\r\n"
	    "expect \"CIN\"\n"
	    "expect_not \"matricule\"\n"
	    "sleep 250\n"
	    "abort\n"
	    "ends\n"
	    "quit";
	char err[128];
	struct smsc_script *s;

	(void)state;
	s = parse(text, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(s->ncmds, 11);

	assert_int_equal(s->cmds[0].type, SMSC_CMD_PRINT);
	assert_int_equal(s->cmds[0].line, 3);
	assert_string_equal(s->cmds[0].args[0], "case A");

	assert_int_equal(s->cmds[1].type, SMSC_CMD_DIAL);
	assert_int_equal(s->cmds[1].line, 4);
	assert_string_equal(s->cmds[1].msisdn, "212612340123");
	assert_string_equal(s->cmds[1].to, "1515");
	assert_int_equal(s->cmds[1].nargs, 1);
	assert_string_equal(s->cmds[1].args[0], "*1515#");

	assert_int_equal(s->cmds[2].type, SMSC_CMD_EXPECT);
	assert_int_equal(s->cmds[2].nargs, 2);
	assert_string_equal(s->cmds[2].args[0], "1 Fran");
	assert_string_equal(s->cmds[2].args[1], "2 ");

	assert_int_equal(s->cmds[3].type, SMSC_CMD_CONTINUES);
	assert_int_equal(s->cmds[4].type, SMSC_CMD_ANSWER);
	assert_string_equal(s->cmds[4].args[0], "1");
	assert_int_equal(s->cmds[6].type, SMSC_CMD_EXPECT_NOT);
	assert_int_equal(s->cmds[7].type, SMSC_CMD_SLEEP);
	assert_int_equal(s->cmds[7].ms, 250);
	assert_int_equal(s->cmds[8].type, SMSC_CMD_ABORT);
	assert_int_equal(s->cmds[9].type, SMSC_CMD_ENDS);
	assert_int_equal(s->cmds[10].type, SMSC_CMD_QUIT);
	assert_int_equal(s->cmds[10].line, 13);
	smsc_script_free(s);
}

static void
test_strings_and_sms(void **state)
{
	const char *text =
	    "sms +212600000001 1515 \"TNS CIN AB123456 01/02/1980\"\n"
	    "expect_sms \"say \\\"hi\\\"\" \"a\\nb\" \"t\\tx\" \"back\\\\slash\"\n"
	    "expect_sms 212600000009 \"mot de passe\"\n"
	    "answer_otp\n"
	    "expect \"\xd8\xa7\xd9\x84\xd8\xb1\xd9\x82\xd9\x85\" \"\"\n"
	    "dial 212600000002 \"*1515*1*AB123456*01021980#\"\n";
	char err[128];
	struct smsc_script *s;

	(void)state;
	s = parse(text, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(s->ncmds, 6);
	assert_int_equal(s->cmds[0].type, SMSC_CMD_SMS);
	assert_string_equal(s->cmds[0].msisdn, "212600000001");
	assert_string_equal(s->cmds[0].to, "1515");
	assert_string_equal(s->cmds[0].args[0], "TNS CIN AB123456 01/02/1980");

	assert_int_equal(s->cmds[1].type, SMSC_CMD_EXPECT_SMS);
	assert_string_equal(s->cmds[1].msisdn, "");
	assert_int_equal(s->cmds[1].nargs, 4);
	assert_string_equal(s->cmds[1].args[0], "say \"hi\"");
	assert_string_equal(s->cmds[1].args[1], "a\nb");
	assert_string_equal(s->cmds[1].args[2], "t\tx");
	assert_string_equal(s->cmds[1].args[3], "back\\slash");

	assert_string_equal(s->cmds[2].msisdn, "212600000009");
	assert_int_equal(s->cmds[2].nargs, 1);
	assert_int_equal(s->cmds[3].type, SMSC_CMD_ANSWER_OTP);
	assert_int_equal(s->cmds[4].nargs, 2);
	assert_string_equal(s->cmds[4].args[1], "");
	assert_string_equal(s->cmds[5].to, "1515");
	assert_string_equal(s->cmds[5].args[0], "*1515*1*AB123456*01021980#");
	smsc_script_free(s);
}

/* Bad scenarios: the line number and a word of the reason. */
static void
test_errors(void **state)
{
	static const struct {
		const char *text;
		const char *err;	/* prefix of the message */
	} t[] = {
		{ "bogus\n", "1: unknown command" },
		{ "\n\n\"dial\"\n", "3: a line must begin" },
		{ "dial 2126 *1515#\n", "1: usage: dial" },
		{ "dial 212612340123456789012 \"*1515#\"\n", "1: dial: bad MSISDN" },
		{ "dial 21a6 \"*1515#\"\n", "1: dial: bad MSISDN" },
		{ "dial 2126 \"1515\"\n", "1: dial: \"1515\" is not" },
		{ "dial 2126 \"*#\"\n", "1: dial: \"*#\" is not" },
		{ "answer \"1\"\n", "1: answer before any dial" },
		{ "expect \"x\"\n", "1: expect before any dial" },
		{ "dial 2126 \"*1#\"\ncontinues\n", "2: continues before any expect" },
		{ "dial 2126 \"*1#\"\nexpect_not \"a\"\n", "2: expect_not before any expect" },
		{ "dial 2126 \"*1#\"\nexpect\nexpect_not\n", "3: usage: expect_not" },
		{ "dial 2126 \"*1#\"\nexpect\ndial 2127 \"*1#\"\nends\n", "4: ends before any expect" },
		{ "dial 2126 \"*1#\"\nanswer_otp\n", "2: answer_otp before any expect_sms" },
		{ "dial 2126 \"*1#\"\nanswer 1\n", "2: usage: answer" },
		{ "dial 2126 \"*1#\"\nanswer \"1\" \"2\"\n", "2: usage: answer" },
		{ "dial 2126 \"*1#\"\nexpect x\n", "2: expect: argument 1 must be" },
		{ "dial 2126 \"*1#\"\nexpect \"a\" \"b\" \"c\" \"d\" \"e\" \"f\" \"g\" \"h\" \"i\"\n",
		  "2: expect: more than 8 strings" },
		{ "dial 2126 \"*1#\"\nexpect \"1\" \"2\" \"3\" \"4\" \"5\" \"6\" \"7\" \"8\" \"9\" \"10\" \"11\"\n",
		  "2: too many arguments" },
		{ "print \"abc\n", "1: unterminated string" },
		{ "print \"a\\qb\"\n", "1: unknown escape" },
		{ "print \"ab\"cd\n", "1: text glued" },
		{ "print ab\"cd\"\n", "1: quote inside" },
		{ "print \"\xc3\x28\"\n", "1: invalid UTF-8" },
		{ "print \"\xed\xa0\x80\"\n", "1: invalid UTF-8" },
		{ "print \"\xc0\xaf\"\n", "1: invalid UTF-8" },
		{ "sleep\n", "1: usage: sleep" },
		{ "sleep -1\n", "1: sleep: 0.." },
		{ "sleep 600001\n", "1: sleep: 0.." },
		{ "sleep 99999999999999999999\n", "1: sleep: 0.." },
		{ "quit now\n", "1: quit takes no argument" },
		{ "sms 2126 \"1515\" \"x\"\n", "1: usage: sms" },
		{ "sms 2126 15x5 \"x\"\n", "1: sms: bad address" },
		{ "# only a comment\n\n", "2: empty scenario" },
		{ "", "0: empty scenario" },
	};
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct smsc_script *s = parse(t[i].text, err, sizeof(err));

		if (s != NULL || strncmp(err, t[i].err, strlen(t[i].err)) != 0)
			fail_msg("case %zu: got %s \"%s\", want \"%s\"", i,
			    s ? "a script" : "error", err, t[i].err);
	}
}

static void
test_limits(void **state)
{
	char err[128], *text;
	struct smsc_script *s;
	size_t n, len;

	(void)state;
	/* A line over the cap. */
	len = SMSC_SCRIPT_MAX_LINE + 20;
	text = malloc(len + 1);
	assert_non_null(text);
	memcpy(text, "print \"", 7);
	memset(text + 7, 'a', len - 8);
	text[len - 1] = '"';
	text[len] = '\0';
	assert_null(parse(text, err, sizeof(err)));
	assert_string_equal(err, "1: line longer than 4096 bytes");

	/* A string over its cap on a line under the line cap. */
	memcpy(text, "print \"", 7);
	memset(text + 7, 'a', SMSC_SCRIPT_STR_MAX + 1);
	strcpy(text + 7 + SMSC_SCRIPT_STR_MAX + 1, "\"");
	assert_null(parse(text, err, sizeof(err)));
	assert_string_equal(err, "1: string longer than 512 bytes");
	free(text);

	/* A NUL byte inside the text. */
	assert_null(smsc_script_parse("quit\nqu\0it\n", 11, err, sizeof(err)));
	assert_string_equal(err, "2: NUL byte");

	/* Exactly the command cap parses; one more does not. */
	n = SMSC_SCRIPT_MAX_CMDS + 1;
	text = malloc(n * 5 + 1);
	assert_non_null(text);
	for (size_t i = 0; i < n; i++)
		memcpy(text + i * 5, "quit\n", 5);
	s = smsc_script_parse(text, (n - 1) * 5, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(s->ncmds, SMSC_SCRIPT_MAX_CMDS);
	smsc_script_free(s);
	assert_null(smsc_script_parse(text, n * 5, err, sizeof(err)));
	assert_string_equal(err, "1025: more than 1024 commands");
	free(text);

	/* Without a final newline, and a tiny error buffer. */
	s = smsc_script_parse("quit", 4, NULL, 0);
	assert_non_null(s);
	smsc_script_free(s);
	assert_null(smsc_script_parse("nope", 4, err, 4));
	assert_string_equal(err, "1: ");
	smsc_script_free(NULL);
}

static void
test_checks(void **state)
{
	char err[128];
	struct smsc_script *s;

	(void)state;
	s = parse("dial 1 \"*1#\"\nexpect \"Langue\" \"2 Arabe\"\n"
	    "expect_not \"matricule\" \"erreur\"\n", err, sizeof(err));
	assert_non_null(s);
	assert_null(smsc_script_missing(&s->cmds[1], "Langue:\n1 Francais\n2 Arabe"));
	assert_string_equal(smsc_script_missing(&s->cmds[1], "Langue: 1 Fr"), "2 Arabe");
	assert_string_equal(smsc_script_missing(&s->cmds[1], ""), "Langue");
	assert_null(smsc_script_present(&s->cmds[2], "Votre numero: 123"));
	assert_string_equal(smsc_script_present(&s->cmds[2], "une erreur"), "erreur");
	smsc_script_free(s);
}

static void
test_otp(void **state)
{
	static const struct {
		const char *text, *otp;	/* otp NULL: none */
	} t[] = {
		{ "Votre code: 123456", "123456" },
		{ "Code 1234, valable 5 min", "1234" },
		{ "12 puis 987654", "987654" },
		{ "n 12345678901 puis 4321", "4321" },	/* 11 digits: not a code */
		{ "123", NULL },
		{ "aucun", NULL },
		{ "", NULL },
		{ "0000000000", "0000000000" },
	};
	char out[16];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int rc = smsc_script_otp(t[i].text, out, sizeof(out));

		if (t[i].otp == NULL)
			assert_int_equal(rc, -1);
		else {
			assert_int_equal(rc, 0);
			assert_string_equal(out, t[i].otp);
		}
	}
	/* The buffer must hold the code. */
	assert_int_equal(smsc_script_otp("123456", out, 6), -1);
}

static void
test_service(void **state)
{
	char out[8];

	(void)state;
	assert_int_equal(smsc_script_service("*1515#", out, sizeof(out)), 0);
	assert_string_equal(out, "1515");
	assert_int_equal(smsc_script_service("#100*2#", out, sizeof(out)), 0);
	assert_string_equal(out, "100");
	assert_int_equal(smsc_script_service("1515", out, sizeof(out)), -1);
	assert_int_equal(smsc_script_service("*#", out, sizeof(out)), -1);
	assert_int_equal(smsc_script_service("*12345678#", out, sizeof(out)), -1);
	assert_string_equal(smsc_cmd_name(SMSC_CMD_EXPECT_SMS), "expect_sms");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_story),
		cmocka_unit_test(test_strings_and_sms),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_otp),
		cmocka_unit_test(test_service),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
