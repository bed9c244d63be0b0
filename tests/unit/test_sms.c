/*
 * test_sms: golden segments for sms_split (GSM 7-bit, Latin-1 binds, UCS-2,
 * UDH, escape pairs at segment boundaries, limits), delivery receipts in the
 * styles SMSCs send them (appendix B text, TLV-only, hex ids, mixed case,
 * missing fields, garbage), and message id canonical forms.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sms.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define EURO	"\xe2\x82\xac"		/* GSM 1B 65 */
#define E_ACUTE	"\xc3\xa9"		/* é: GSM 05 */
#define A_GRAVE	"\xc3\xa0"		/* à: GSM 7F */
#define C_CED	"\xc3\xa7"		/* ç: not GSM */
#define AR_SEEN	"\xd8\xb3"		/* U+0633 */
#define EMOJI	"\xf0\x9f\x98\x80"	/* U+1F600 */

static char big[4096];

/* s repeated n times into big, after prefix */
static const char *
rep(const char *prefix, const char *s, int n, const char *suffix)
{
	size_t off;
	int i;

	off = (size_t)snprintf(big, sizeof(big), "%s", prefix);
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(big + off, sizeof(big) - off, "%s", s);
	snprintf(big + off, sizeof(big) - off, "%s", suffix);
	return big;
}

static void
assert_udh(const struct sms_segment *s, uint8_t ref, uint8_t total,
    uint8_t seq, uint8_t dc)
{
	const uint8_t want[] = { 0x05, 0x00, 0x03, ref, total, seq };

	assert_int_equal(s->esm_class, 0x40);
	assert_int_equal(s->data_coding, dc);
	assert_true(s->len >= sizeof(want));
	assert_memory_equal(s->body, want, sizeof(want));
}

static void
assert_all(const struct sms_segment *s, size_t from, size_t to, uint8_t b)
{
	size_t i;

	for (i = from; i < to; i++)
		assert_int_equal(s->body[i], b);
}

static void
test_split_gsm_160_161(void **state)
{
	struct sms_segment seg[SMS_MAX_SEGMENTS];

	(void)state;
	assert_int_equal(sms_split(rep("", "a", 160, ""), GSM_CHARSET_GSM7,
	    0x2A, seg, SMS_MAX_SEGMENTS), 1);
	assert_int_equal(seg[0].data_coding, 0x00);
	assert_int_equal(seg[0].esm_class, 0x00);
	assert_int_equal(seg[0].len, 160);
	assert_all(&seg[0], 0, 160, 'a');

	assert_int_equal(sms_split(rep("", "a", 161, ""), GSM_CHARSET_GSM7,
	    0x2A, seg, SMS_MAX_SEGMENTS), 2);
	assert_udh(&seg[0], 0x2A, 2, 1, 0x00);
	assert_int_equal(seg[0].len, 6 + 153);
	assert_all(&seg[0], 6, 6 + 153, 'a');
	assert_udh(&seg[1], 0x2A, 2, 2, 0x00);
	assert_int_equal(seg[1].len, 6 + 8);
	assert_all(&seg[1], 6, 6 + 8, 'a');

	/* 3 full segments exactly, then one more character: 4 */
	assert_int_equal(sms_split(rep("", "a", 459, ""), GSM_CHARSET_GSM7,
	    0xFF, seg, SMS_MAX_SEGMENTS), 3);
	assert_udh(&seg[2], 0xFF, 3, 3, 0x00);
	assert_int_equal(seg[2].len, 159);
	assert_int_equal(sms_split(rep("", "a", 460, ""), GSM_CHARSET_GSM7,
	    0xFF, seg, SMS_MAX_SEGMENTS), 4);
	assert_int_equal(seg[3].len, 7);
}

static void
test_split_gsm_escape_boundary(void **state)
{
	struct sms_segment seg[SMS_MAX_SEGMENTS];

	(void)state;
	/* 158 + € = 160 septets: one message */
	assert_int_equal(sms_split(rep("", "a", 158, EURO), GSM_CHARSET_GSM7,
	    1, seg, SMS_MAX_SEGMENTS), 1);
	assert_int_equal(seg[0].len, 160);
	assert_int_equal(seg[0].body[158], 0x1B);
	assert_int_equal(seg[0].body[159], 0x65);
	/* 159 + € = 161: split; € would straddle 153 only in the next case */
	assert_int_equal(sms_split(rep("", "a", 159, EURO), GSM_CHARSET_GSM7,
	    1, seg, SMS_MAX_SEGMENTS), 2);

	/* 152 + € + 10: the escape pair would cut at 153, so it moves */
	assert_int_equal(sms_split(rep("", "a", 152, EURO "bbbbbbbbbb"),
	    GSM_CHARSET_GSM7, 7, seg, SMS_MAX_SEGMENTS), 2);
	assert_udh(&seg[0], 7, 2, 1, 0x00);
	assert_int_equal(seg[0].len, 6 + 152);
	assert_all(&seg[0], 6, 6 + 152, 'a');
	assert_udh(&seg[1], 7, 2, 2, 0x00);
	assert_int_equal(seg[1].len, 6 + 12);
	assert_int_equal(seg[1].body[6], 0x1B);
	assert_int_equal(seg[1].body[7], 0x65);
	assert_all(&seg[1], 8, 18, 'b');

	/* 151 + €: the pair fills the segment exactly and stays */
	assert_int_equal(sms_split(rep("", "a", 151, EURO "bbbbbbbbbb"),
	    GSM_CHARSET_GSM7, 7, seg, SMS_MAX_SEGMENTS), 2);
	assert_int_equal(seg[0].len, 6 + 153);
	assert_int_equal(seg[0].body[157], 0x1B);
	assert_int_equal(seg[0].body[158], 0x65);
	assert_int_equal(seg[1].len, 6 + 10);
}

/* Every € position around the boundary: no segment ends in an escape. */
static void
test_split_escape_sweep(void **state)
{
	struct sms_segment seg[SMS_MAX_SEGMENTS];
	int k, n, i;

	(void)state;
	for (k = 140; k < 170; k++) {
		n = sms_split(rep("", "a", k, EURO EURO EURO "[]"
		    "cccccccccccccccccccccccc"), GSM_CHARSET_GSM7, 3, seg,
		    SMS_MAX_SEGMENTS);
		assert_true(n >= 1);
		for (i = 0; i < n; i++) {
			assert_true(seg[i].len <= SMS_SEGMENT_MAX);
			if (n > 1)
				assert_true(seg[i].len - 6 <= 153);
			assert_int_not_equal(seg[i].body[seg[i].len - 1], 0x1B);
		}
	}
}

static void
test_split_french_golden(void **state)
{
	static const uint8_t gsm[] = {
		'C', 'o', 'd', 'e', ' ', 'e', 'n', 'v', 'o', 'y', 0x05, ' ',
		0x7F, ' ', '1', '2', 'h', ' ', 0x1B, 0x65,
	};
	static const uint8_t latin1[] = {
		'C', 'o', 'd', 'e', ' ', 'e', 'n', 'v', 'o', 'y', 0xE9, ' ',
		0xE0, ' ', '1', '2', 'h',
	};
	static const uint8_t ucs2[] = {
		0x00, 'L', 0x00, 'e', 0x00, 0xE7, 0x00, 'o', 0x00, 'n',
	};
	struct sms_segment seg[SMS_MAX_SEGMENTS];
	const char *text = "Code envoy" E_ACUTE " " A_GRAVE " 12h";

	(void)state;
	assert_int_equal(sms_split("Code envoy" E_ACUTE " " A_GRAVE " 12h "
	    EURO, GSM_CHARSET_GSM7, 9, seg, 1), 1);
	assert_int_equal(seg[0].data_coding, 0x00);
	assert_int_equal(seg[0].esm_class, 0x00);
	assert_int_equal(seg[0].len, sizeof(gsm));
	assert_memory_equal(seg[0].body, gsm, sizeof(gsm));

	/* a Latin-1 bind: the same text as Latin-1 octets, still 0x00 */
	assert_int_equal(sms_split(text, GSM_CHARSET_LATIN1, 9, seg, 1), 1);
	assert_int_equal(seg[0].data_coding, 0x00);
	assert_int_equal(seg[0].len, sizeof(latin1));
	assert_memory_equal(seg[0].body, latin1, sizeof(latin1));

	/* ç is not GSM: UCS-2 on either bind */
	assert_int_equal(sms_split("Le" C_CED "on", GSM_CHARSET_GSM7, 9, seg,
	    1), 1);
	assert_int_equal(seg[0].data_coding, 0x08);
	assert_int_equal(seg[0].len, sizeof(ucs2));
	assert_memory_equal(seg[0].body, ucs2, sizeof(ucs2));
	assert_int_equal(sms_split("Le" C_CED "on", GSM_CHARSET_LATIN1, 9,
	    seg, 1), 1);
	assert_int_equal(seg[0].data_coding, 0x08);

	/* € is GSM but not Latin-1: UCS-2 on a Latin-1 bind */
	assert_int_equal(sms_split("5 " EURO, GSM_CHARSET_LATIN1, 9, seg, 1),
	    1);
	assert_int_equal(seg[0].data_coding, 0x08);
	assert_int_equal(seg[0].len, 6);
	assert_int_equal(seg[0].body[4], 0x20);
	assert_int_equal(seg[0].body[5], 0xAC);
}

/* On a Latin-1 bind the limit is the septets the SMSC will send. */
static void
test_split_latin1_septets(void **state)
{
	struct sms_segment seg[SMS_MAX_SEGMENTS];

	(void)state;
	/* '[' is one Latin-1 octet but an escape pair in GSM: 80 = 160 */
	assert_int_equal(sms_split(rep("", "[", 80, ""), GSM_CHARSET_LATIN1,
	    4, seg, SMS_MAX_SEGMENTS), 1);
	assert_int_equal(seg[0].len, 80);
	assert_all(&seg[0], 0, 80, '[');
	assert_int_equal(sms_split(rep("", "[", 81, ""), GSM_CHARSET_LATIN1,
	    4, seg, SMS_MAX_SEGMENTS), 2);
	assert_udh(&seg[0], 4, 2, 1, 0x00);
	assert_int_equal(seg[0].len, 6 + 76);
	assert_all(&seg[0], 6, 6 + 76, '[');
	assert_udh(&seg[1], 4, 2, 2, 0x00);
	assert_int_equal(seg[1].len, 6 + 5);

	/* é: one octet, one septet */
	assert_int_equal(sms_split(rep("", E_ACUTE, 161, ""),
	    GSM_CHARSET_LATIN1, 4, seg, SMS_MAX_SEGMENTS), 2);
	assert_int_equal(seg[0].len, 6 + 153);
	assert_all(&seg[0], 6, 6 + 153, 0xE9);
	assert_int_equal(seg[1].len, 6 + 8);
}

static void
test_split_ucs2(void **state)
{
	struct sms_segment seg[SMS_MAX_SEGMENTS];
	int i;

	(void)state;
	assert_int_equal(sms_split(rep("", AR_SEEN, 70, ""), GSM_CHARSET_GSM7,
	    5, seg, SMS_MAX_SEGMENTS), 1);
	assert_int_equal(seg[0].data_coding, 0x08);
	assert_int_equal(seg[0].esm_class, 0x00);
	assert_int_equal(seg[0].len, 140);
	for (i = 0; i < 140; i += 2) {
		assert_int_equal(seg[0].body[i], 0x06);
		assert_int_equal(seg[0].body[i + 1], 0x33);
	}

	assert_int_equal(sms_split(rep("", AR_SEEN, 71, ""),
	    GSM_CHARSET_LATIN1, 5, seg, SMS_MAX_SEGMENTS), 2);
	assert_udh(&seg[0], 5, 2, 1, 0x08);
	assert_int_equal(seg[0].len, 6 + 134);
	assert_udh(&seg[1], 5, 2, 2, 0x08);
	assert_int_equal(seg[1].len, 6 + 8);
	for (i = 6; i < seg[1].len; i += 2) {
		assert_int_equal(seg[1].body[i], 0x06);
		assert_int_equal(seg[1].body[i + 1], 0x33);
	}

	/* one Arabic letter turns a GSM text into UCS-2 */
	assert_int_equal(sms_split(rep(AR_SEEN, "a", 69, ""),
	    GSM_CHARSET_GSM7, 5, seg, SMS_MAX_SEGMENTS), 1);
	assert_int_equal(sms_split(rep(AR_SEEN, "a", 70, ""),
	    GSM_CHARSET_GSM7, 5, seg, SMS_MAX_SEGMENTS), 2);
	assert_int_equal(seg[0].data_coding, 0x08);

	/* past U+FFFF: one '?' as gsm_encode writes it */
	assert_int_equal(sms_split(rep("", EMOJI, 71, ""), GSM_CHARSET_GSM7,
	    5, seg, SMS_MAX_SEGMENTS), 2);
	assert_int_equal(seg[0].len, 6 + 134);
	assert_int_equal(seg[0].body[6], 0x00);
	assert_int_equal(seg[0].body[7], '?');
}

static void
test_split_limits(void **state)
{
	struct sms_segment seg[SMS_MAX_SEGMENTS];

	(void)state;
	assert_int_equal(sms_split(rep("", "a", 307, ""), GSM_CHARSET_GSM7,
	    0, seg, 2), -1);
	assert_int_equal(sms_split(rep("", "a", 306, ""), GSM_CHARSET_GSM7,
	    0, seg, 2), 2);
	assert_int_equal(sms_split(rep("", "a", 307, ""), GSM_CHARSET_GSM7,
	    0, seg, 3), 3);
	assert_int_equal(sms_split(rep("", "a", 161, ""), GSM_CHARSET_GSM7,
	    0, seg, 1), -1);
	assert_int_equal(sms_split(rep("", "a", 153 * 8 + 1, ""),
	    GSM_CHARSET_GSM7, 0, seg, SMS_MAX_SEGMENTS), -1);
	assert_int_equal(sms_split(rep("", AR_SEEN, 67 * 8, ""),
	    GSM_CHARSET_GSM7, 0, seg, SMS_MAX_SEGMENTS), 8);
	assert_int_equal(sms_split("a", GSM_CHARSET_GSM7, 0, seg, 0), -1);
	assert_int_equal(sms_split(NULL, GSM_CHARSET_GSM7, 0, seg, 1), -1);
	assert_int_equal(sms_split("a", GSM_CHARSET_GSM7, 0, NULL, 1), -1);
	assert_int_equal(sms_split("a\xc3", GSM_CHARSET_GSM7, 0, seg, 1), -1);
	assert_int_equal(sms_split("\xed\xa0\x80", GSM_CHARSET_GSM7, 0, seg,
	    1), -1);

	assert_int_equal(sms_split("", GSM_CHARSET_GSM7, 0, seg, 1), 1);
	assert_int_equal(seg[0].len, 0);
	assert_int_equal(seg[0].esm_class, 0);
}

/* Segments decoded and joined give the text back. */
static void
test_split_reassemble(void **state)
{
	static const char *texts[] = {
		"Votre mot de passe initial Ma CNSS vous a " E_ACUTE "t"
		E_ACUTE " envoy" E_ACUTE ". Connectez-vous sur le portail, "
		"changez-le d" E_ACUTE "s la premi" "\xc3\xa8" "re connexion "
		"[r" E_ACUTE "f " EURO "] et gardez-le pour vous. Ne le "
		"communiquez jamais, m" "\xc3\xaa" "me " A_GRAVE " un agent.",
		"Votre mot de passe initial Ma CNSS vous a " E_ACUTE "t"
		E_ACUTE " envoy" E_ACUTE ". Connectez-vous sur le portail, "
		"changez-le d" E_ACUTE "s la premi" "\xc3\xa8" "re connexion "
		"{r" E_ACUTE "f " EURO "} et gardez-le pour vous. Ne le "
		"communiquez jamais, pas m" E_ACUTE "me " A_GRAVE " un agent.",
		"\xd9\x83\xd9\x84\xd9\x85\xd8\xa9 \xd8\xa7\xd9\x84\xd9\x85\xd8"
		"\xb1\xd9\x88\xd8\xb1 \xd8\xa7\xd9\x84\xd8\xa3\xd9\x88\xd9\x84"
		"\xd9\x8a\xd8\xa9 \xd9\x84\xd8\xad\xd8\xb3\xd8\xa7\xd8\xa8\xd9"
		"\x83\xd9\x85 \xd9\x85\xd8\xa7 \xd8\xb3\xd9\x8a \xd9\x86\xd9"
		"\x8a\xd8\xb3 \xd8\xb3\xd9\x8a \xd9\x86\xd9\x8a\xd8\xb3 \xd8"
		"\xb3\xd9\x8a \xd9\x86\xd9\x8a\xd8\xb3 \xd8\xb3\xd9\x8a \xd9"
		"\x86\xd9\x8a\xd8\xb3 \xd8\xb3\xd9\x8a \xd9\x86\xd9\x8a\xd8\xb3"
		" 12345678901234567890 \xd8\xb3\xd9\x8a \xd9\x86\xd9\x8a\xd8"
		"\xb3 \xd8\xb3\xd9\x8a \xd9\x86\xd9\x8a\xd8\xb3.",
	};
	struct sms_segment seg[SMS_MAX_SEGMENTS];
	char joined[2048], part[1024];
	size_t i;
	int n, k, cs;

	(void)state;
	for (i = 0; i < N(texts); i++) {
		for (cs = GSM_CHARSET_GSM7; cs <= GSM_CHARSET_LATIN1; cs++) {
			n = sms_split(texts[i], (enum gsm_charset)cs, 0x11, seg,
			    SMS_MAX_SEGMENTS);
			assert_true(n >= 2);
			joined[0] = '\0';
			for (k = 0; k < n; k++) {
				assert_udh(&seg[k], 0x11, (uint8_t)n,
				    (uint8_t)(k + 1), seg[0].data_coding);
				assert_int_equal(gsm_decode(seg[k].data_coding,
				    (enum gsm_charset)cs, seg[k].body + 6,
				    seg[k].len - 6u, part, sizeof(part)), 0);
				strcat(joined, part);
			}
			assert_string_equal(joined, texts[i]);
		}
	}
}

/* A receipt PDU: esm_class, text, optional TLVs (val NULL = absent). */
static void
mk_dlr(struct smpp_pdu *p, uint8_t esm, const char *text,
    const void *rid, uint16_t ridlen, int mstate)
{
	uint8_t ms;

	memset(p, 0, sizeof(*p));
	p->command_id = SMPP_DELIVER_SM;
	p->esm_class = esm;
	if (text != NULL) {
		p->sm_len = (uint16_t)strlen(text);
		memcpy(p->sm, text, p->sm_len);
	}
	if (rid != NULL)
		assert_int_equal(smpp_pdu_tlv_add(p,
		    SMPP_TLV_RECEIPTED_MESSAGE_ID, rid, ridlen), 0);
	if (mstate >= 0) {
		ms = (uint8_t)mstate;
		assert_int_equal(smpp_pdu_tlv_add(p, SMPP_TLV_MESSAGE_STATE,
		    &ms, 1), 0);
	}
}

static void
test_dlr_styles(void **state)
{
	static const struct {
		const char *name;
		uint8_t     esm;
		const char *text;
		const char *rid;	/* TLV value incl. its NUL, or NULL */
		int         mstate;	/* -1: no TLV */
		int         ret;
		const char *id;
		enum sms_dlr_state st;
	} v[] = {
		{ "kannel", 0x04, "id:1234567890 sub:001 dlvrd:001 submit "
		    "date:2401151030 done date:2401151031 stat:DELIVRD "
		    "err:000 text:Votre code", NULL, -1,
		    1, "1234567890", SMS_DLR_DELIVERED },
		{ "tlv only", 0x04, "", "0001A2", 2,
		    1, "0001A2", SMS_DLR_DELIVERED },
		{ "tlv over text", 0x04, "id:999 stat:UNDELIV", "7f3a", 2,
		    1, "7f3a", SMS_DLR_DELIVERED },
		{ "tlv id, text stat", 0x04, "id:999 stat:EXPIRED", "7f3a",
		    -1, 1, "7f3a", SMS_DLR_EXPIRED },
		{ "text id, tlv state", 0x04, "id:999 stat:EXPIRED", NULL, 8,
		    1, "999", SMS_DLR_REJECTED },
		{ "hex id", 0x04, "id:7F3A9C0B sub:001 dlvrd:000 stat:UNDELIV "
		    "err:001", NULL, -1, 1, "7F3A9C0B", SMS_DLR_UNDELIVERABLE },
		{ "mixed case", 0x04, "ID:Ab12-XY SUB:001 DLVRD:001 SUBMIT "
		    "DATE:2401151030 DONE DATE:2401151031 Stat:delivrd Err:000 "
		    "Text:x", NULL, -1, 1, "Ab12-XY", SMS_DLR_DELIVERED },
		{ "any order", 0x04, "stat:EXPIRED err:000 dlvrd:000 id:42",
		    NULL, -1, 1, "42", SMS_DLR_EXPIRED },
		{ "no stat", 0x04, "id:42 sub:001 dlvrd:001", NULL, -1,
		    1, "42", SMS_DLR_UNKNOWN },
		{ "odd stat", 0x04, "id:42 stat:WHATEVER", NULL, -1,
		    1, "42", SMS_DLR_UNKNOWN },
		{ "full words", 0x04, "id:42 stat:Delivered", NULL, -1,
		    1, "42", SMS_DLR_DELIVERED },
		{ "blank after colon", 0x04, "id: 42 stat: ACCEPTD", NULL, -1,
		    1, "42", SMS_DLR_ACCEPTED },
		{ "empty id value", 0x04, "id: sub:001 stat:DELIVRD", NULL, -1,
		    -1, "", SMS_DLR_DELIVERED },
		{ "no id", 0x04, "sub:001 dlvrd:001 stat:DELIVRD err:000",
		    NULL, -1, -1, "", SMS_DLR_DELIVERED },
		{ "id only in text:", 0x04, "sub:001 stat:DELIVRD text:id:77",
		    NULL, -1, -1, "", SMS_DLR_DELIVERED },
		{ "text: after id", 0x04, "id:5 stat:ENROUTE text:id:77 "
		    "stat:DELIVRD", NULL, -1, 1, "5", SMS_DLR_ENROUTE },
		{ "not a word start", 0x04, "msgid:5 xstat:DELIVRD", NULL, -1,
		    -1, "", SMS_DLR_UNKNOWN },
		{ "garbage", 0x04, "\xff\x01garbage:::", NULL, -1,
		    -1, "", SMS_DLR_UNKNOWN },
		{ "empty", 0x04, "", NULL, -1, -1, "", SMS_DLR_UNKNOWN },
		{ "empty tlv id falls back", 0x04, "id:31 stat:DELETED", "", -1,
		    1, "31", SMS_DLR_DELETED },
		{ "bad tlv state falls back", 0x04, "id:31 stat:DELETED", NULL,
		    0, 1, "31", SMS_DLR_DELETED },
		{ "tlv state 9 falls back", 0x04, "id:31 stat:DELETED", NULL,
		    9, 1, "31", SMS_DLR_DELETED },
		{ "64-char id", 0x04, "id:0123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcdef stat:DELIVRD", NULL, -1,
		    1, "0123456789abcdef0123456789abcdef0123456789abcdef"
		    "0123456789abcdef", SMS_DLR_DELIVERED },
		{ "65-char id", 0x04, "id:0123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcdefX stat:DELIVRD", NULL, -1,
		    -1, "", SMS_DLR_DELIVERED },
		{ "udhi with receipt", 0x44, "id:8 stat:REJECTD", NULL, -1,
		    1, "8", SMS_DLR_REJECTED },
		{ "plain MO", 0x00, "id:8 stat:DELIVRD", NULL, -1,
		    0, "", SMS_DLR_UNKNOWN },
		{ "SME ack", 0x08, "id:8 stat:DELIVRD", NULL, -1,
		    0, "", SMS_DLR_UNKNOWN },
		{ "intermediate", 0x20, "id:8 stat:ENROUTE", NULL, -1,
		    0, "", SMS_DLR_UNKNOWN },
	};
	struct smpp_pdu *p;
	enum sms_dlr_state st;
	char id[65];
	size_t i;
	int r;

	(void)state;
	p = test_malloc(sizeof(*p));
	for (i = 0; i < N(v); i++) {
		mk_dlr(p, v[i].esm, v[i].text, v[i].rid,
		    v[i].rid != NULL ? (uint16_t)(strlen(v[i].rid) + 1) : 0,
		    v[i].mstate);
		st = (enum sms_dlr_state)99;
		memset(id, 'x', sizeof(id));
		r = sms_parse_dlr(p, id, sizeof(id), &st);
		if (r != v[i].ret)
			fail_msg("%s: ret %d", v[i].name, r);
		if (r == 0)
			continue;
		if (strcmp(id, v[i].id) != 0)
			fail_msg("%s: id '%s'", v[i].name, id);
		if (st != v[i].st)
			fail_msg("%s: state %s", v[i].name,
			    sms_dlr_state_str(st));
	}
	test_free(p);
}

static void
test_dlr_states(void **state)
{
	static const struct {
		const char *stat;
		int         tlv;
		enum sms_dlr_state st;
		const char *str;
	} v[] = {
		{ "ENROUTE", 1, SMS_DLR_ENROUTE, "enroute" },
		{ "DELIVRD", 2, SMS_DLR_DELIVERED, "delivered" },
		{ "EXPIRED", 3, SMS_DLR_EXPIRED, "expired" },
		{ "DELETED", 4, SMS_DLR_DELETED, "deleted" },
		{ "UNDELIV", 5, SMS_DLR_UNDELIVERABLE, "undeliverable" },
		{ "ACCEPTD", 6, SMS_DLR_ACCEPTED, "accepted" },
		{ "UNKNOWN", 7, SMS_DLR_UNKNOWN, "unknown" },
		{ "REJECTD", 8, SMS_DLR_REJECTED, "rejected" },
	};
	struct smpp_pdu *p;
	enum sms_dlr_state st;
	char id[16], text[64];
	size_t i;

	(void)state;
	p = test_malloc(sizeof(*p));
	for (i = 0; i < N(v); i++) {
		/* from the text: the TLV says the opposite when absent */
		snprintf(text, sizeof(text), "id:1 stat:%s err:000", v[i].stat);
		mk_dlr(p, 0x04, text, NULL, 0, -1);
		assert_int_equal(sms_parse_dlr(p, id, sizeof(id), &st), 1);
		assert_int_equal(st, v[i].st);
		/* from the TLV, overriding the text */
		mk_dlr(p, 0x04, "id:1 stat:DELETED", NULL, 0, v[i].tlv);
		assert_int_equal(sms_parse_dlr(p, id, sizeof(id), &st), 1);
		assert_int_equal(st, v[i].st);
		assert_string_equal(sms_dlr_state_str(v[i].st), v[i].str);
	}
	assert_string_equal(sms_dlr_state_str((enum sms_dlr_state)42),
	    "unknown");
	test_free(p);
}

static void
test_dlr_edges(void **state)
{
	static const uint8_t ucs2[] = {
		0, 'i', 0, 'd', 0, ':', 0, 'A', 0, '9', 0, ' ',
		0, 's', 0, 't', 0, 'a', 0, 't', 0, ':',
		0, 'E', 0, 'X', 0, 'P', 0, 'I', 0, 'R', 0, 'E', 0, 'D',
	};
	static const uint8_t rid_nuls[] = { 'a', 'b', 0, 0, 0 };
	static const uint8_t rid_ctl[] = { 'a', '\n', 'b', 0 };
	static const uint8_t rid_nonul[] = { 'c', 'd' };
	struct smpp_pdu *p;
	enum sms_dlr_state st;
	char id[65], small[4];

	(void)state;
	p = test_malloc(sizeof(*p));

	/* a UCS-2 receipt text */
	mk_dlr(p, 0x04, NULL, NULL, 0, -1);
	p->data_coding = 0x08;
	memcpy(p->sm, ucs2, sizeof(ucs2));
	p->sm_len = sizeof(ucs2);
	assert_int_equal(sms_parse_dlr(p, id, sizeof(id), &st), 1);
	assert_string_equal(id, "A9");
	assert_int_equal(st, SMS_DLR_EXPIRED);

	/* TLV padded with NULs, TLV without its NUL, TLV with a control */
	mk_dlr(p, 0x04, "", rid_nuls, sizeof(rid_nuls), 3);
	assert_int_equal(sms_parse_dlr(p, id, sizeof(id), &st), 1);
	assert_string_equal(id, "ab");
	mk_dlr(p, 0x04, "", rid_nonul, sizeof(rid_nonul), 3);
	assert_int_equal(sms_parse_dlr(p, id, sizeof(id), &st), 1);
	assert_string_equal(id, "cd");
	mk_dlr(p, 0x04, "id:77", rid_ctl, sizeof(rid_ctl), 3);
	assert_int_equal(sms_parse_dlr(p, id, sizeof(id), &st), 1);
	assert_string_equal(id, "77");

	/* id buffer too small: no usable id, never a truncated one */
	mk_dlr(p, 0x04, "id:12345 stat:DELIVRD", NULL, 0, -1);
	assert_int_equal(sms_parse_dlr(p, small, sizeof(small), &st), -1);
	assert_string_equal(small, "");
	assert_int_equal(sms_parse_dlr(p, id, 6, &st), 1);
	assert_string_equal(id, "12345");
	assert_int_equal(sms_parse_dlr(p, id, 0, &st), -1);
	assert_int_equal(sms_parse_dlr(p, NULL, 10, &st), -1);
	/* state may be left out */
	assert_int_equal(sms_parse_dlr(p, id, sizeof(id), NULL), 1);
	assert_int_equal(sms_parse_dlr(NULL, id, sizeof(id), &st), 0);

	/* the text reaches the end of sm, no NUL: value cut at sm_len */
	mk_dlr(p, 0x04, "stat:DELIVRD id:4242", NULL, 0, -1);
	p->sm[p->sm_len] = '9';
	assert_int_equal(sms_parse_dlr(p, id, sizeof(id), &st), 1);
	assert_string_equal(id, "4242");

	/* a receipt longer than short_message (from message_payload) */
	mk_dlr(p, 0x04, NULL, NULL, 0, -1);
	memset(p->sm, ' ', 600);
	memcpy(p->sm + 500, "id:600 stat:DELIVRD", 19);
	p->sm_len = 600;
	assert_int_equal(sms_parse_dlr(p, id, sizeof(id), &st), 1);
	assert_string_equal(id, "600");

	/* an sm_len past the buffer is clamped */
	p->sm_len = 0xFFFF;
	assert_int_equal(sms_parse_dlr(p, id, sizeof(id), &st), 1);
	test_free(p);
}

static void
test_msgid_canon(void **state)
{
	static const struct {
		const char *in;
		int         hex;
		int         ret;
		const char *out;
	} v[] = {
		{ "0001A2", 1, 0, "1a2" },
		{ "4660", 0, 0, "1234" },
		{ "418", 0, 0, "1a2" },
		{ "418", 1, 0, "418" },
		{ "abc-12", 0, 0, "s:abc-12" },
		{ "ABC-12", 1, 0, "s:abc-12" },
		{ "1A2", 0, 0, "s:1a2" },	/* not decimal: text, never 418 */
		{ "12345678901234567890", 0, 0, "ab54a98ceb1f0ad2" },
		{ "99999999999999999999", 0, 0, "s:99999999999999999999" },
		{ "18446744073709551615", 0, 0, "ffffffffffffffff" },
		{ "18446744073709551616", 0, 0, "s:18446744073709551616" },
		{ "00018446744073709551615", 0, 0, "ffffffffffffffff" },
		{ "FFFFFFFFFFFFFFFF", 1, 0, "ffffffffffffffff" },
		{ "00FFFFFFFFFFFFFFFF", 1, 0, "ffffffffffffffff" },
		{ "10000000000000000", 1, 0, "s:10000000000000000" },
		{ "0", 0, 0, "0" },
		{ "0000", 1, 0, "0" },
		{ "", 0, 0, "" },
		{ "", 1, 0, "" },
		{ "-12", 0, 0, "s:-12" },
		{ "+12", 0, 0, "s:+12" },
		{ " 12", 0, 0, "s: 12" },
		{ "0x1A", 1, 0, "s:0x1a" },
	};
	char out[65];
	size_t i;

	(void)state;
	for (i = 0; i < N(v); i++) {
		memset(out, 'x', sizeof(out));
		if (sms_msgid_canon(v[i].in, v[i].hex, out, sizeof(out)) !=
		    v[i].ret || strcmp(out, v[i].out) != 0)
			fail_msg("'%s' hex %d: '%s'", v[i].in, v[i].hex, out);
	}

	/* out too small, in both forms */
	assert_int_equal(sms_msgid_canon("4660", 0, out, 4), -1);
	assert_string_equal(out, "");
	assert_int_equal(sms_msgid_canon("4660", 0, out, 5), 0);
	assert_string_equal(out, "1234");
	assert_int_equal(sms_msgid_canon("abc-12", 0, out, 8), -1);
	assert_int_equal(sms_msgid_canon("abc-12", 0, out, 9), 0);
	assert_int_equal(sms_msgid_canon("", 0, out, 1), 0);
	assert_int_equal(sms_msgid_canon("1", 0, out, 0), -1);
	assert_int_equal(sms_msgid_canon(NULL, 0, out, sizeof(out)), -1);
	assert_int_equal(sms_msgid_canon("1", 0, NULL, 8), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_gsm_160_161),
		cmocka_unit_test(test_split_gsm_escape_boundary),
		cmocka_unit_test(test_split_escape_sweep),
		cmocka_unit_test(test_split_french_golden),
		cmocka_unit_test(test_split_latin1_septets),
		cmocka_unit_test(test_split_ucs2),
		cmocka_unit_test(test_split_limits),
		cmocka_unit_test(test_split_reassemble),
		cmocka_unit_test(test_dlr_styles),
		cmocka_unit_test(test_dlr_states),
		cmocka_unit_test(test_dlr_edges),
		cmocka_unit_test(test_msgid_canon),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
