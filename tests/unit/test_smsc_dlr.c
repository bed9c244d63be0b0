/*
 * test_smsc_dlr: the simulator's receipts against golden texts and TLVs,
 * its message ids in decimal and hex, and a round trip over the wire
 * (encode, decode) into the daemon's own reader (sms_parse_dlr and
 * sms_msgid_canon), per bind setting dlr_id.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sms.h"
#include "smsc_dlr.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define T0 ((time_t)1700000000)	/* 2023-11-14 22:13:20 UTC */

static void
test_mode_parse(void **state)
{
	static const struct {
		const char         *in;
		int                 ret;
		enum smsc_dlr_mode  mode;
	} t[] = {
		{ "none", 0, SMSC_DLR_NONE },
		{ "text", 0, SMSC_DLR_TEXT },
		{ "tlv", 0, SMSC_DLR_TLV },
		{ "hex", 0, SMSC_DLR_HEX },
		{ "TEXT", -1, SMSC_DLR_NONE },
		{ "", -1, SMSC_DLR_NONE },
		{ "texts", -1, SMSC_DLR_NONE },
	};
	enum smsc_dlr_mode m;

	(void)state;
	for (size_t i = 0; i < N(t); i++) {
		m = SMSC_DLR_NONE;
		if (smsc_dlr_mode_parse(t[i].in, &m) != t[i].ret ||
		    m != t[i].mode)
			fail_msg("'%s': %d", t[i].in, (int)m);
		if (t[i].ret == 0)
			assert_string_equal(smsc_dlr_strmode(m), t[i].in);
	}
	assert_int_equal(smsc_dlr_mode_parse(NULL, &m), -1);
	assert_string_equal(smsc_dlr_strmode((enum smsc_dlr_mode)42), "none");
}

static void
test_stat_state(void **state)
{
	static const struct {
		const char *in;
		int         st;
	} t[] = {
		{ "ENROUTE", 1 }, { "DELIVRD", 2 }, { "EXPIRED", 3 },
		{ "DELETED", 4 }, { "UNDELIV", 5 }, { "ACCEPTD", 6 },
		{ "UNKNOWN", 7 }, { "REJECTD", 8 },
		{ "delivrd", -1 }, { "DELIVERED", -1 }, { "", -1 }, { NULL, -1 },
	};

	(void)state;
	for (size_t i = 0; i < N(t); i++)
		if (smsc_dlr_stat_state(t[i].in) != t[i].st)
			fail_msg("'%s'", t[i].in ? t[i].in : "(null)");
}

static void
test_msgid(void **state)
{
	static const struct {
		enum smsc_dlr_mode  mode;
		uint64_t            n;
		const char         *out;
	} t[] = {
		{ SMSC_DLR_NONE, 1, "1" },
		{ SMSC_DLR_TEXT, 6703, "6703" },
		{ SMSC_DLR_TLV, 6703, "6703" },
		{ SMSC_DLR_HEX, 6703, "1a2f" },
		{ SMSC_DLR_HEX, 4096, "1000" },
		{ SMSC_DLR_HEX, 9, "9" },
		{ SMSC_DLR_HEX, UINT64_MAX, "ffffffffffffffff" },
		{ SMSC_DLR_TEXT, UINT64_MAX, "18446744073709551615" },
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < N(t); i++) {
		assert_int_equal(smsc_dlr_msgid(t[i].mode, t[i].n, out,
		    sizeof(out)), 0);
		assert_string_equal(out, t[i].out);
	}
	assert_int_equal(smsc_dlr_msgid(SMSC_DLR_HEX, 6703, out, 4), -1);
	assert_string_equal(out, "");
	assert_int_equal(smsc_dlr_msgid(SMSC_DLR_HEX, 6703, out, 5), 0);
	assert_int_equal(smsc_dlr_msgid(SMSC_DLR_TEXT, 1, NULL, 8), -1);
}

static void
test_text(void **state)
{
	static const struct {
		uint64_t    n;
		const char *stat, *text, *out;
	} t[] = {
		{ 6703, "DELIVRD", "CNSS: votre code de v\xc3\xa9rification",
		  "id:6703 sub:001 dlvrd:001 submit date:2311142213 done "
		  "date:2311142214 stat:DELIVRD err:000 text:CNSS: votre code de " },
		{ 42, "UNDELIV", "short",
		  "id:42 sub:001 dlvrd:000 submit date:2311142213 done "
		  "date:2311142214 stat:UNDELIV err:001 text:short" },
		/* é is one character; GSM-coded-apart ASCII becomes '.' */
		{ 1, "EXPIRED", "\xc3\xa9t\xc3\xa9 @ $5_[x]~",
		  "id:1 sub:001 dlvrd:000 submit date:2311142213 done "
		  "date:2311142214 stat:EXPIRED err:001 text:.t. . .5..x.." },
		/* Arabic: one '.' per letter; a control character too */
		{ 2, "DELIVRD", "\xd8\xb3\xd8\xb3\tA",
		  "id:2 sub:001 dlvrd:001 submit date:2311142213 done "
		  "date:2311142214 stat:DELIVRD err:000 text:...A" },
		{ 3, "DELIVRD", NULL,
		  "id:3 sub:001 dlvrd:001 submit date:2311142213 done "
		  "date:2311142214 stat:DELIVRD err:000 text:" },
	};
	struct smsc_dlr d;
	char out[256];

	(void)state;
	for (size_t i = 0; i < N(t); i++) {
		memset(&d, 0, sizeof(d));
		d.mode = SMSC_DLR_TEXT;
		d.n = t[i].n;
		d.stat = t[i].stat;
		d.text = t[i].text;
		d.submitted = T0;
		d.done = T0 + 90;
		if (smsc_dlr_text(&d, out, sizeof(out)) != (int)strlen(t[i].out) ||
		    strcmp(out, t[i].out) != 0)
			fail_msg("case %zu: '%s'", i, out);
	}
	/* bounds and bad stats */
	d.stat = "DELIVRD";
	d.text = "x";
	assert_int_equal(smsc_dlr_text(&d, out, 20), -1);
	assert_string_equal(out, "");
	d.stat = "DELIVERED";
	assert_int_equal(smsc_dlr_text(&d, out, sizeof(out)), -1);
	/* At most 20 characters echoed, whatever the message's length. */
	d.stat = "DELIVRD";
	d.text = "0123456789abcdefghijKLMNOP";
	assert_true(smsc_dlr_text(&d, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "text:0123456789abcdefghij"));
	assert_null(strstr(out, "K"));
}

/*
 * text: with bytes that are not UTF-8: each byte that starts no valid
 * sequence (utf8_decode) is one character echoed as '.', a 4-byte
 * character one '.', and the 20-character cap counts them so.
 */
static void
test_text_bytes(void **state)
{
	static const struct {
		const char *text, *echo;
	} t[] = {
		{ "\xf0\x9f\x98\x80ok", "text:.ok" },		/* U+1F600 */
		{ "a\x80\x80" "b", "text:a..b" },			/* stray continuations */
		{ "\xed\xa0\x80z", "text:...z" },		/* a surrogate */
		{ "\xc0\xafz", "text:..z" },			/* overlong '/' */
		{ "\xe2\x82", "text:.." },			/* cut short */
		{ "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
		  "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff" "Z",
		  "text:...................." },
	};
	struct smsc_dlr d;
	char out[256];
	const char *e;

	(void)state;
	for (size_t i = 0; i < N(t); i++) {
		memset(&d, 0, sizeof(d));
		d.mode = SMSC_DLR_TEXT;
		d.n = 7;
		d.stat = "DELIVRD";
		d.text = t[i].text;
		d.submitted = T0;
		d.done = T0;
		if (smsc_dlr_text(&d, out, sizeof(out)) < 0 ||
		    (e = strstr(out, " text:")) == NULL ||
		    strcmp(e + 1, t[i].echo) != 0)
			fail_msg("case %zu: '%s'", i, out);
	}
}

static void
fill(struct smsc_dlr *d, enum smsc_dlr_mode mode, uint64_t n, const char *stat)
{
	memset(d, 0, sizeof(*d));
	d->mode = mode;
	d->n = n;
	d->stat = stat;
	d->phone = "212600000102";
	d->phone_ton = 1;
	d->phone_npi = 1;
	d->esme = "1515";
	d->text = "CNSS: votre mot de passe";
	d->submitted = T0;
	d->done = T0 + 1;
}

static void
test_build(void **state)
{
	struct smsc_dlr d;
	struct smpp_pdu p;
	const struct smpp_tlv *t;

	(void)state;
	fill(&d, SMSC_DLR_TLV, 6703, "DELIVRD");
	assert_int_equal(smsc_dlr_build(&d, &p), 0);
	assert_int_equal(p.command_id, SMPP_DELIVER_SM);
	assert_int_equal(p.esm_class, 0x04);
	assert_int_equal(p.sm_len, 0);
	assert_string_equal(p.source_addr, "212600000102");
	assert_string_equal(p.destination_addr, "1515");
	assert_int_equal(p.source_addr_ton, 1);
	assert_non_null(t = smpp_pdu_tlv_get(&p, SMPP_TLV_RECEIPTED_MESSAGE_ID));
	assert_int_equal(t->len, 5);
	assert_memory_equal(t->val, "6703", 5);	/* with its NUL */
	assert_non_null(t = smpp_pdu_tlv_get(&p, SMPP_TLV_MESSAGE_STATE));
	assert_int_equal(t->len, 1);
	assert_int_equal(t->val[0], 2);

	fill(&d, SMSC_DLR_TLV, 7, "UNDELIV");
	assert_int_equal(smsc_dlr_build(&d, &p), 0);
	assert_non_null(t = smpp_pdu_tlv_get(&p, SMPP_TLV_MESSAGE_STATE));
	assert_int_equal(t->val[0], 5);

	/* hex: the id in the text stays decimal; no TLV */
	fill(&d, SMSC_DLR_HEX, 6703, "DELIVRD");
	assert_int_equal(smsc_dlr_build(&d, &p), 0);
	assert_int_equal(p.ntlv, 0);
	assert_true(p.sm_len > 8);
	assert_memory_equal(p.sm, "id:6703 ", 8);

	fill(&d, SMSC_DLR_TEXT, 6703, "DELIVRD");
	assert_int_equal(smsc_dlr_build(&d, &p), 0);
	assert_int_equal(p.ntlv, 0);
	assert_memory_equal(p.sm, "id:6703 ", 8);

	fill(&d, SMSC_DLR_NONE, 1, "DELIVRD");
	assert_int_equal(smsc_dlr_build(&d, &p), -1);
	fill(&d, SMSC_DLR_TEXT, 1, "GONE");
	assert_int_equal(smsc_dlr_build(&d, &p), -1);
	assert_int_equal(smsc_dlr_build(NULL, &p), -1);
}

/*
 * What the daemon does with the simulator's messages: the outbox keeps the
 * submit_sm_resp's id canonical in the bind's dlr_id base (outbox.c
 * ob_done); the receipt's id is read in that base when it came from
 * receipted_message_id, in decimal when from the text (gateway.c
 * gw_on_deliver). Returns 1 when the two meet, 0 when not, -1 when the
 * receipt did not even parse.
 */
static int
daemon_matches(const struct smsc_dlr *d, int cfg_hex,
    enum sms_dlr_state *st)
{
	struct smpp_pdu p, q;
	uint8_t wire[1024];
	char err[128], resp[24], mid[72], a[72], b[72];
	long n;
	int from_tlv;

	if (smsc_dlr_build(d, &p) != 0)
		return -1;
	p.sequence = 7;
	n = smpp_pdu_encode(&p, wire, sizeof(wire), err, sizeof(err));
	if (n < 0 || smpp_pdu_decode(wire, (size_t)n, &q, err, sizeof(err)) !=
	    SMPP_DECODE_OK)
		return -1;
	if (sms_parse_dlr(&q, mid, sizeof(mid), st) != 1)
		return -1;
	from_tlv = smpp_pdu_tlv_get(&q, SMPP_TLV_RECEIPTED_MESSAGE_ID) != NULL;
	if (smsc_dlr_msgid(d->mode, d->n, resp, sizeof(resp)) != 0 ||
	    sms_msgid_canon(resp, cfg_hex, a, sizeof(a)) != 0 ||
	    sms_msgid_canon(mid, from_tlv && cfg_hex, b, sizeof(b)) != 0)
		return -1;
	return strcmp(a, b) == 0;
}

static void
test_round_trip(void **state)
{
	static const struct {
		enum smsc_dlr_mode  mode;
		uint64_t            n;
		const char         *stat;
		int                 cfg_hex, match;
		enum sms_dlr_state  st;
	} t[] = {
		{ SMSC_DLR_TEXT, 1, "DELIVRD", 0, 1, SMS_DLR_DELIVERED },
		{ SMSC_DLR_TEXT, 6703, "DELIVRD", 0, 1, SMS_DLR_DELIVERED },
		{ SMSC_DLR_TEXT, 6703, "UNDELIV", 0, 1, SMS_DLR_UNDELIVERABLE },
		{ SMSC_DLR_TEXT, 6703, "EXPIRED", 0, 1, SMS_DLR_EXPIRED },
		{ SMSC_DLR_TLV, 6703, "DELIVRD", 0, 1, SMS_DLR_DELIVERED },
		{ SMSC_DLR_TLV, 6703, "UNDELIV", 0, 1, SMS_DLR_UNDELIVERABLE },
		{ SMSC_DLR_TLV, 6703, "REJECTD", 0, 1, SMS_DLR_REJECTED },
		{ SMSC_DLR_HEX, 6703, "DELIVRD", 1, 1, SMS_DLR_DELIVERED },
		{ SMSC_DLR_HEX, 4096, "DELIVRD", 1, 1, SMS_DLR_DELIVERED },
		{ SMSC_DLR_HEX, 4096, "UNDELIV", 1, 1, SMS_DLR_UNDELIVERABLE },
		/* hex ids against a bind left at dlr_id "dec": "1000" is read
		 * as one thousand, the receipt says 4096 */
		{ SMSC_DLR_HEX, 4096, "DELIVRD", 0, 0, SMS_DLR_DELIVERED },
		{ SMSC_DLR_HEX, 0x100009, "DELIVRD", 0, 0, SMS_DLR_DELIVERED },
		/* ids under 10 are the same in both bases */
		{ SMSC_DLR_HEX, 9, "DELIVRD", 0, 1, SMS_DLR_DELIVERED },
		/* and the other way round: a decimal SMSC on a bind set to hex */
		{ SMSC_DLR_TEXT, 4096, "DELIVRD", 1, 0, SMS_DLR_DELIVERED },
	};
	struct smsc_dlr d;
	enum sms_dlr_state st;

	(void)state;
	for (size_t i = 0; i < N(t); i++) {
		int m;

		fill(&d, t[i].mode, t[i].n, t[i].stat);
		st = SMS_DLR_UNKNOWN;
		m = daemon_matches(&d, t[i].cfg_hex, &st);
		if (m != t[i].match || st != t[i].st)
			fail_msg("case %zu (%s %llu %s, dlr_id %s): match %d "
			    "state %s", i, smsc_dlr_strmode(t[i].mode),
			    (unsigned long long)t[i].n, t[i].stat,
			    t[i].cfg_hex ? "hex" : "dec", m,
			    sms_dlr_state_str(st));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_parse),
		cmocka_unit_test(test_stat_state),
		cmocka_unit_test(test_msgid),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_bytes),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
