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
		{ "raw\n", "1: usage: raw" },
		{ "raw \"\"\n", "1: usage: raw" },
		{ "raw \"0\"\n", "1: raw: odd number" },
		{ "raw \"0 0\"\n", "1: raw: odd number" },
		{ "raw \"0g\"\n", "1: raw: not a hex digit" },
		{ "raw \"zz\"\n", "1: raw: not a hex digit" },
		{ "raw 0x10\n", "1: raw: not a hex digit" },
		{ "expect_pdu\n", "1: usage: expect_pdu" },
		{ "expect_pdu \"generic_nack\"\n", "1: usage: expect_pdu" },
		{ "expect_pdu nack\n", "1: expect_pdu: unknown command \"nack\"" },
		{ "expect_pdu generic_nack_resp\n", "1: expect_pdu: unknown command" },
		{ "expect_pdu deliver_sm_resp_resp\n", "1: expect_pdu: unknown command" },
		{ "expect_pdu 0x\n", "1: expect_pdu: unknown command" },
		{ "expect_pdu 0x123456789\n", "1: expect_pdu: unknown command" },
		{ "expect_pdu |\n", "1: expect_pdu: no command" },
		{ "expect_pdu a|b|c|d|e\n", "1: expect_pdu: unknown command \"a\"" },
		{ "expect_pdu unbind|unbind|unbind|unbind|unbind\n",
		  "1: expect_pdu: more than 4 commands" },
		{ "expect_pdu generic_nack ESME_BOGUS\n", "1: expect_pdu: unknown status" },
		{ "expect_pdu generic_nack !\n", "1: expect_pdu: unknown status" },
		{ "expect_pdu generic_nack seq=\n", "1: expect_pdu: seq=N" },
		{ "expect_pdu generic_nack seq=-1\n", "1: expect_pdu: seq=N" },
		{ "expect_pdu generic_nack seq=4294967296\n", "1: expect_pdu: seq=N" },
		{ "expect_pdu generic_nack seq=1 ESME_ROK\n", "1: usage: expect_pdu" },
		{ "expect_pdu generic_nack ESME_ROK seq=1 x\n", "1: usage: expect_pdu" },
		{ "expect_pdu generic_nack \"ESME_ROK\"\n", "1: usage: expect_pdu" },
		{ "expect_close now\n", "1: expect_close takes no argument" },
		{ "expect_bind 1\n", "1: expect_bind takes no argument" },
		{ "expect_bind\nexpect \"x\"\n", "2: expect before any dial" },
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

/*
 * A command's own syntax is checked before the story (what must come
 * before it), and the commands that need no session parse alone.
 */
static void
test_syntax_then_story(void **state)
{
	static const struct {
		const char *text;
		const char *err;	/* NULL: parses */
	} t[] = {
		{ "answer 1\n", "1: usage: answer" },
		{ "answer \"1\" \"2\"\n", "1: usage: answer" },
		{ "answer \"12345678901234567890123456789012345678901234567890"
		  "12345678901234567890123456789012345678901234567890"
		  "12345678901234567890123456789012345678901234567890"
		  "12345678901\"\n", "1: answer: text over 160 bytes" },
		{ "continues x\n", "1: continues takes no argument" },
		{ "abort x\n", "1: abort takes no argument" },
		{ "answer_otp x\n", "1: answer_otp takes no argument" },
		{ "expect x\n", "1: expect: argument 1 must be" },
		{ "expect_not\n", "1: usage: expect_not" },
		{ "expect_sms 21a \"x\"\n", "1: expect_sms: bad MSISDN" },
		{ "expect_sms \"x\"\n", "1: expect_sms before any dial" },
		{ "abort\n", "1: abort before any dial" },
		{ "answer_otp\n", "1: answer_otp before any dial" },
		{ "ends\n", "1: ends before any dial" },
		{ "sleep 5\n", NULL },
		{ "print \"x\"\n", NULL },
		{ "quit\n", NULL },
		{ "raw \"00\"\n", NULL },
		{ "expect_pdu generic_nack\n", NULL },
		{ "expect_close\n", NULL },
		{ "expect_bind\n", NULL },
		{ "sms 2126 1515 \"x\"\nexpect_sms \"x\"\nanswer_otp\n", NULL },
	};
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct smsc_script *s = parse(t[i].text, err, sizeof(err));

		if (t[i].err == NULL && s == NULL)
			fail_msg("case %zu: error \"%s\"", i, err);
		if (t[i].err != NULL && (s != NULL ||
		    strncmp(err, t[i].err, strlen(t[i].err)) != 0))
			fail_msg("case %zu: got %s \"%s\", want \"%s\"", i,
			    s ? "a script" : "error", err, t[i].err);
		smsc_script_free(s);
	}
}

/* Strings are strict UTF-8 (the core's utf8_valid), in bare words too. */
static void
test_utf8(void **state)
{
	static const struct {
		const char *text;
		int ok;
	} t[] = {
		{ "print \"\xf0\x9f\x98\x80\"\n", 1 },	/* U+1F600 */
		{ "print \"\xf4\x8f\xbf\xbf\"\n", 1 },	/* U+10FFFF */
		{ "print \"\xef\xbf\xbf\"\n", 1 },		/* U+FFFF */
		{ "print \"\xf4\x90\x80\x80\"\n", 0 },	/* past U+10FFFF */
		{ "print \"\xf5\x80\x80\x80\"\n", 0 },
		{ "print \"\xe0\x9f\xbf\"\n", 0 },		/* overlong */
		{ "print \"\xf0\x8f\xbf\xbf\"\n", 0 },	/* overlong */
		{ "print \"\xe2\x82\"\n", 0 },		/* cut short */
		{ "print \"\x80\"\n", 0 },			/* stray */
		{ "print \"x\" # \xff in a comment\n", 1 },
		{ "sleep \xff\n", 0 },
	};
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct smsc_script *s = parse(t[i].text, err, sizeof(err));

		if ((s != NULL) != t[i].ok ||
		    (!t[i].ok && strcmp(err, "1: invalid UTF-8") != 0))
			fail_msg("case %zu: got %s \"%s\"", i,
			    s ? "a script" : "error", s ? "" : err);
		smsc_script_free(s);
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

/* raw, expect_pdu, expect_close and expect_bind: no dial needed. */
static void
test_robust_cmds(void **state)
{
	const char *text =
	    "raw \"00 00 00 10 00 00 00 99\" \"00000000\" 00000007\n"
	    "expect_pdu generic_nack ESME_RINVCMDID seq=7\n"
	    "expect_pdu deliver_sm_resp|generic_nack !ESME_ROK\n"
	    "expect_pdu enquire_link_resp seq=4294967295\n"
	    "expect_pdu 0x80000015 0x0000ff\n"
	    "expect_close\n"
	    "expect_bind\n"
	    "raw \"ff\"\n"
	    "dial 2126 \"*1#\"\n";
	char err[128], *big;
	struct smsc_script *s;
	const struct smsc_cmd *c;

	(void)state;
	s = parse(text, err, sizeof(err));
	if (s == NULL)
		fail_msg("%s", err);
	assert_int_equal(s->ncmds, 9);

	c = &s->cmds[0];
	assert_int_equal(c->type, SMSC_CMD_RAW);
	assert_int_equal(c->raw_len, 16);
	assert_memory_equal(c->raw, "\0\0\0\x10\0\0\0\x99\0\0\0\0\0\0\0\x07", 16);
	assert_int_equal(c->nargs, 0);

	c = &s->cmds[1];
	assert_int_equal(c->type, SMSC_CMD_EXPECT_PDU);
	assert_int_equal(c->nids, 1);
	assert_int_equal(c->ids[0], 0x80000000u);
	assert_int_equal(c->status_check, SMSC_STATUS_IS);
	assert_int_equal(c->status, 3);
	assert_int_equal(c->has_seq, 1);
	assert_int_equal(c->seq, 7);

	c = &s->cmds[2];
	assert_int_equal(c->nids, 2);
	assert_int_equal(c->ids[0], 0x80000005u);
	assert_int_equal(c->ids[1], 0x80000000u);
	assert_int_equal(c->status_check, SMSC_STATUS_NOT);
	assert_int_equal(c->status, 0);
	assert_int_equal(c->has_seq, 0);

	c = &s->cmds[3];
	assert_int_equal(c->ids[0], 0x80000015u);
	assert_int_equal(c->status_check, SMSC_STATUS_ANY);
	assert_int_equal(c->seq, 0xFFFFFFFFu);

	c = &s->cmds[4];
	assert_int_equal(c->ids[0], 0x80000015u);
	assert_int_equal(c->status, 0xFF);

	assert_int_equal(s->cmds[5].type, SMSC_CMD_EXPECT_CLOSE);
	assert_int_equal(s->cmds[6].type, SMSC_CMD_EXPECT_BIND);
	assert_int_equal(s->cmds[7].raw_len, 1);
	assert_int_equal(s->cmds[7].raw[0], 0xFF);
	assert_string_equal(smsc_cmd_name(SMSC_CMD_EXPECT_CLOSE), "expect_close");
	smsc_script_free(s);

	/* Repeats: up to 4096 bytes in all. */
	s = parse("raw \"ff\" *64\nraw \"00 01\" 02 *2\n"
	    "raw ff *4096\nraw \"*2\"\n", err, sizeof(err));
	assert_null(s);
	assert_string_equal(err, "4: raw: not a hex digit");
	s = parse("raw \"ff\" *64\nraw \"00 01\" 02 *2\nraw ff *4096\n",
	    err, sizeof(err));
	if (s == NULL)
		fail_msg("%s", err);
	assert_int_equal(s->cmds[0].raw_len, 64);
	assert_int_equal(s->cmds[0].raw[63], 0xFF);
	assert_int_equal(s->cmds[1].raw_len, 6);
	assert_memory_equal(s->cmds[1].raw, "\0\1\2\0\1\2", 6);
	assert_int_equal(s->cmds[2].raw_len, SMSC_SCRIPT_RAW_MAX);
	smsc_script_free(s);
	assert_null(parse("raw ffff *2049\n", err, sizeof(err)));
	assert_string_equal(err, "1: raw: more than 4096 bytes");
	assert_null(parse("raw ff *0\n", err, sizeof(err)));
	assert_string_equal(err, "1: raw: *N with N in 1..4096");
	assert_null(parse("raw ff *4097\n", err, sizeof(err)));
	assert_string_equal(err, "1: raw: *N with N in 1..4096");
	assert_null(parse("raw *3\n", err, sizeof(err)));
	assert_string_equal(err, "1: raw: not a hex digit");

	/* All 8 strings of 512 digits: 2048 bytes. */
	big = malloc(SMSC_SCRIPT_MAX_LINE + 1);
	assert_non_null(big);
	strcpy(big, "raw");
	for (int k = 0; k < 7; k++) {
		strcat(big, " \"");
		for (int i = 0; i < 256; i++)
			strcat(big, "0f");
		strcat(big, "\"");
	}
	s = parse(big, err, sizeof(err));
	if (s == NULL)
		fail_msg("%s", err);
	assert_int_equal(s->cmds[0].raw_len, 7 * 256);
	assert_int_equal(s->cmds[0].raw[7 * 256 - 1], 0x0f);
	smsc_script_free(s);
	free(big);
}

static void
test_pdu_names(void **state)
{
	static const struct {
		const char *name;
		int         rc;
		uint32_t    id;
	} cmds[] = {
		{ "generic_nack", 0, 0x80000000u },
		{ "deliver_sm_resp", 0, 0x80000005u },
		{ "enquire_link", 0, 0x00000015u },
		{ "enquire_link_resp", 0, 0x80000015u },
		{ "unbind", 0, 0x00000006u },
		{ "data_sm_resp", 0, 0x80000103u },
		{ "bind_transceiver_resp", 0, 0x80000009u },
		{ "0x00000099", 0, 0x99u },
		{ "0XfFfFfFfF", 0, 0xFFFFFFFFu },
		{ "_resp", -1, 0 },
		{ "deliver_s", -1, 0 },
		{ "deliver_sm_", -1, 0 },
		{ "Generic_nack", -1, 0 },
		{ "", -1, 0 },
	};
	static const struct {
		const char *name;
		int         rc;
		uint32_t    status;
	} sts[] = {
		{ "ESME_ROK", 0, 0 },
		{ "ESME_RINVCMDID", 0, 3 },
		{ "ESME_RINVMSGLEN", 0, 1 },
		{ "ESME_RTHROTTLED", 0, 0x58 },
		{ "ESME_RINVOPTPARSTREAM", 0, 0xC0 },
		{ "0x0000000A", 0, 0x0A },
		{ "esme_rok", -1, 0 },
		{ "3", -1, 0 },
	};
	uint32_t v;
	char err[128];
	struct smsc_script *s;

	(void)state;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		v = 0;
		if (smsc_script_command_id(cmds[i].name, &v) != cmds[i].rc ||
		    (cmds[i].rc == 0 && v != cmds[i].id))
			fail_msg("command %s: got 0x%08x", cmds[i].name, v);
	}
	for (size_t i = 0; i < sizeof(sts) / sizeof(sts[0]); i++) {
		v = 0;
		if (smsc_script_status(sts[i].name, &v) != sts[i].rc ||
		    (sts[i].rc == 0 && v != sts[i].status))
			fail_msg("status %s: got 0x%08x", sts[i].name, v);
	}

	s = parse("expect_pdu generic_nack ESME_RINVCMDID seq=7\n"
	    "expect_pdu deliver_sm_resp|generic_nack !ESME_ROK\n"
	    "expect_pdu unbind\n", err, sizeof(err));
	assert_non_null(s);
	assert_true(smsc_script_pdu_match(&s->cmds[0], 0x80000000u, 3, 7));
	assert_false(smsc_script_pdu_match(&s->cmds[0], 0x80000000u, 3, 8));
	assert_false(smsc_script_pdu_match(&s->cmds[0], 0x80000000u, 1, 7));
	assert_false(smsc_script_pdu_match(&s->cmds[0], 0x80000005u, 3, 7));
	assert_true(smsc_script_pdu_match(&s->cmds[1], 0x80000005u, 1, 9));
	assert_true(smsc_script_pdu_match(&s->cmds[1], 0x80000000u, 3, 9));
	assert_false(smsc_script_pdu_match(&s->cmds[1], 0x80000005u, 0, 9));
	assert_false(smsc_script_pdu_match(&s->cmds[1], 0x80000015u, 1, 9));
	assert_true(smsc_script_pdu_match(&s->cmds[2], 0x00000006u, 0, 1));
	assert_true(smsc_script_pdu_match(&s->cmds[2], 0x00000006u, 5, 2));
	assert_false(smsc_script_pdu_match(&s->cmds[2], 0x80000006u, 0, 1));
	smsc_script_free(s);
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
		cmocka_unit_test(test_syntax_then_story),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_robust_cmds),
		cmocka_unit_test(test_pdu_names),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_otp),
		cmocka_unit_test(test_service),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
