/*
 * Unit tests of smsc_dialect, the simulator's own side of the USSD
 * dialects: the session fields of each MO against golden bytes, screens
 * read per dialect (USSD or SMS, waits or ends) with their echo checked,
 * --throttle-screens' memory, and the callers' book.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "smsc_dialect.h"

#define CALLER  "212600000001"	/* FNV-1a 0xdd878937 */
#define S1      0x38		/* its session of its first dial */
#define S2      0x39
#define U1      56712		/* user_message_reference of its first dial */
#define U2      56713

#define ITS SMSC_DIALECT_ITS
#define IO  SMSC_DIALECT_ITS_ONLY
#define UMR SMSC_DIALECT_UMR
#define USO SMSC_DIALECT_USSD_SERVICE_OP
#define MSI SMSC_DIALECT_MSISDN

static void
test_names(void **state)
{
	static const char *const names[] = { "ussd_service_op",
	    "its_session_info", "its_session_info_only",
	    "user_message_reference", "msisdn" };
	enum smsc_dialect d;

	(void)state;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(smsc_dialect_parse(names[i], &d), 0);
		assert_int_equal(d, i);
		assert_string_equal(smsc_dialect_str(d), names[i]);
	}
	assert_int_equal(smsc_dialect_parse("its", &d), -1);
	assert_int_equal(smsc_dialect_parse("", &d), -1);
	assert_int_equal(smsc_dialect_parse("MSISDN", &d), -1);
}

/* What one MO must carry: -1 for an absent TLV. */
struct mo_want {
	int op;			/* ussd_service_op octet */
	int its0, its1;		/* its_session_info octets */
	int umr;		/* user_message_reference */
};

static void
check_mo(enum smsc_dialect d, struct smsc_dialect_sess *s, int op,
    struct mo_want w, int step)
{
	struct smpp_pdu p;
	const struct smpp_tlv *t;
	int n = 0;

	memset(&p, 0, sizeof(p));
	assert_int_equal(smsc_dialect_mo(d, s, op, &p), 0);
	t = smpp_pdu_tlv_get(&p, SMPP_TLV_USSD_SERVICE_OP);
	if (w.op < 0)
		assert_null(t);
	else {
		assert_non_null(t);
		assert_int_equal(t->len, 1);
		assert_int_equal(t->val[0], w.op);
		n++;
	}
	t = smpp_pdu_tlv_get(&p, SMPP_TLV_ITS_SESSION_INFO);
	if (w.its0 < 0)
		assert_null(t);
	else {
		assert_non_null(t);
		assert_int_equal(t->len, 2);
		if (t->val[0] != w.its0 || t->val[1] != w.its1)
			fail_msg("%s step %d: its %02x %02x, want %02x %02x",
			    smsc_dialect_str(d), step, t->val[0], t->val[1],
			    w.its0, w.its1);
		n++;
	}
	t = smpp_pdu_tlv_get(&p, SMPP_TLV_USER_MESSAGE_REFERENCE);
	if (w.umr < 0)
		assert_null(t);
	else {
		assert_non_null(t);
		assert_int_equal(t->len, 2);
		assert_int_equal(t->val[0] << 8 | t->val[1], w.umr);
		n++;
	}
	assert_int_equal(p.ntlv, n);
}

/*
 * Dial, answer, answer, abort, dial again, answer: per dialect, the bytes
 * on the wire. Its sequence counts up per MO from 0 at the dial; the end
 * bit is set on the abort only; a dial takes a new session number or
 * user_message_reference; a plain SMS carries nothing.
 */
static void
test_mo_fields(void **state)
{
	static const int ops[] = { SMPP_USSD_PSSR_IND, SMPP_USSD_USSR_CONF,
	    SMPP_USSD_USSR_CONF, SMPP_USSD_ABORT, SMPP_USSD_PSSR_IND,
	    SMPP_USSD_USSR_CONF, -1 };
	static const struct {
		enum smsc_dialect d;
		struct mo_want w[7];
	} t[] = {
		{ USO, { { 0x01, -1, -1, -1 }, { 0x12, -1, -1, -1 },
		    { 0x12, -1, -1, -1 }, { 0x81, -1, -1, -1 },
		    { 0x01, -1, -1, -1 }, { 0x12, -1, -1, -1 },
		    { -1, -1, -1, -1 } } },
		{ MSI, { { 0x01, -1, -1, -1 }, { 0x12, -1, -1, -1 },
		    { 0x12, -1, -1, -1 }, { 0x81, -1, -1, -1 },
		    { 0x01, -1, -1, -1 }, { 0x12, -1, -1, -1 },
		    { -1, -1, -1, -1 } } },
		{ ITS, { { 0x01, S1, 0x00, -1 }, { 0x12, S1, 0x02, -1 },
		    { 0x12, S1, 0x04, -1 }, { 0x81, S1, 0x07, -1 },
		    { 0x01, S2, 0x00, -1 }, { 0x12, S2, 0x02, -1 },
		    { -1, -1, -1, -1 } } },
		{ IO, { { -1, S1, 0x00, -1 }, { -1, S1, 0x02, -1 },
		    { -1, S1, 0x04, -1 }, { -1, S1, 0x07, -1 },
		    { -1, S2, 0x00, -1 }, { -1, S2, 0x02, -1 },
		    { -1, -1, -1, -1 } } },
		{ UMR, { { 0x01, -1, -1, U1 }, { 0x12, -1, -1, U1 },
		    { 0x12, -1, -1, U1 }, { 0x81, -1, -1, U1 },
		    { 0x01, -1, -1, U2 }, { 0x12, -1, -1, U2 },
		    { -1, -1, -1, -1 } } },
	};
	struct smsc_dialect_sess s;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		smsc_dialect_sess_init(&s, CALLER);
		for (int k = 0; k < 7; k++)
			check_mo(t[i].d, &s, ops[k], t[i].w[k], k);
	}
}

/* Two callers get different session numbers; the sequence wraps to 1. */
static void
test_mo_sessions(void **state)
{
	struct smsc_dialect_sess a, b;
	struct smpp_pdu p;
	const struct smpp_tlv *t;

	(void)state;
	smsc_dialect_sess_init(&a, "212600000001");
	smsc_dialect_sess_init(&b, "212600000002");
	memset(&p, 0, sizeof(p));
	smsc_dialect_mo(ITS, &a, SMPP_USSD_PSSR_IND, &p);
	smsc_dialect_mo(ITS, &b, SMPP_USSD_PSSR_IND, &p);
	assert_int_not_equal(a.its, b.its);
	assert_int_not_equal(a.umr, b.umr);
	for (int i = 0; i < 127; i++) {
		memset(&p, 0, sizeof(p));
		smsc_dialect_mo(IO, &a, SMPP_USSD_USSR_CONF, &p);
	}
	t = smpp_pdu_tlv_get(&p, SMPP_TLV_ITS_SESSION_INFO);
	assert_int_equal(t->val[1], 127 << 1);
	memset(&p, 0, sizeof(p));
	smsc_dialect_mo(IO, &a, SMPP_USSD_USSR_CONF, &p);
	t = smpp_pdu_tlv_get(&p, SMPP_TLV_ITS_SESSION_INFO);
	assert_int_equal(t->val[1], 1 << 1);	/* never 0 again: a begin */
	/* No room: -1. */
	memset(&p, 0, sizeof(p));
	p.ntlv = SMPP_MAX_TLVS;
	assert_int_equal(smsc_dialect_mo(ITS, &a, SMPP_USSD_PSSR_IND, &p), -1);
}

/* A screen's TLVs, -1 for absent; len for a wrong length (0: right). */
struct scr {
	int op, oplen;
	int its0, its1, itslen;
	int umr, umrlen;
};

static void
screen_pdu(const struct scr *x, struct smpp_pdu *p)
{
	uint8_t v[3] = { 0, 0, 0 };

	memset(p, 0, sizeof(*p));
	p->command_id = SMPP_SUBMIT_SM;
	if (x->op >= 0) {
		v[0] = (uint8_t)x->op;
		smpp_pdu_tlv_add(p, SMPP_TLV_USSD_SERVICE_OP, v,
		    (uint16_t)(x->oplen ? x->oplen : 1));
	}
	if (x->its0 >= 0) {
		v[0] = (uint8_t)x->its0;
		v[1] = (uint8_t)x->its1;
		smpp_pdu_tlv_add(p, SMPP_TLV_ITS_SESSION_INFO, v,
		    (uint16_t)(x->itslen ? x->itslen : 2));
	}
	if (x->umr >= 0) {
		v[0] = (uint8_t)(x->umr >> 8);
		v[1] = (uint8_t)x->umr;
		smpp_pdu_tlv_add(p, SMPP_TLV_USER_MESSAGE_REFERENCE, v,
		    (uint16_t)(x->umrlen ? x->umrlen : 2));
	}
}

/*
 * Screens read against a caller who dialled once (session S1 / U1, its
 * last MO sequence 0): what the mode sees (op, -1 for an SMS) and the
 * echo verdict, with a word of the reason.
 */
static void
test_read(void **state)
{
	static const struct {
		enum smsc_dialect d;
		int known;		/* the caller has dialled */
		struct scr x;
		int screen, op, ends;
		const char *bad;	/* NULL: the echo is right */
	} t[] = {
		/* ussd_service_op: the op says it all; no session TLV back. */
		{ USO, 1, { 0x02, 0, -1, 0, 0, -1, 0 }, 1, 0x02, 0, NULL },
		{ USO, 1, { 0x11, 0, -1, 0, 0, -1, 0 }, 1, 0x11, 1, NULL },
		{ USO, 0, { 0x11, 0, -1, 0, 0, -1, 0 }, 1, 0x11, 1, NULL },
		{ USO, 1, { -1, 0, -1, 0, 0, -1, 0 }, 0, -1, 0, NULL },
		{ USO, 1, { -1, 0, -1, 0, 0, U1, 0 }, 0, -1, 0, NULL },	/* an SMS */
		{ USO, 1, { 0x03, 0, -1, 0, 0, -1, 0 }, 1, 0x03, 0, NULL },
		{ USO, 1, { 0x02, 0, S1, 0x00, 0, -1, 0 }, 1, 0x02, 0, "its_session_info echoed" },
		{ USO, 1, { 0x02, 0, -1, 0, 0, U1, 0 }, 1, 0x02, 0, "user_message_reference echoed" },
		{ USO, 1, { 0x02, 2, -1, 0, 0, -1, 0 }, 1, 0x02, 0, "2 octets" },
		{ MSI, 1, { 0x11, 0, -1, 0, 0, -1, 0 }, 1, 0x11, 1, NULL },
		{ MSI, 1, { 0x11, 0, S1, 0x01, 0, -1, 0 }, 1, 0x11, 1, "its_session_info echoed" },
		{ MSI, 1, { 0x02, 0, -1, 0, 0, U1, 0 }, 1, 0x02, 0, "user_message_reference echoed" },
		/* its_session_info: the session number must be the caller's. */
		{ ITS, 1, { 0x02, 0, S1, 0x00, 0, -1, 0 }, 1, 0x02, 0, NULL },
		{ ITS, 1, { 0x11, 0, S1, 0x01, 0, -1, 0 }, 1, 0x11, 1, NULL },
		{ ITS, 1, { 0x11, 0, S1, 0x07, 0, -1, 0 }, 1, 0x11, 1, NULL },
		{ ITS, 1, { -1, 0, S1, 0x01, 0, -1, 0 }, 1, 0x11, 1, NULL },
		{ ITS, 1, { -1, 0, S1, 0x00, 0, -1, 0 }, 1, 0x02, 0, NULL },
		{ ITS, 1, { 0x02, 0, S2, 0x00, 0, -1, 0 }, 1, 0x02, 0, "session 0x39, the caller's is 0x38" },
		{ ITS, 1, { 0x02, 0, -1, 0, 0, -1, 0 }, 1, 0x02, 0, "no its_session_info" },
		{ ITS, 1, { 0x02, 0, S1, 0x00, 1, -1, 0 }, 1, 0x02, 0, "of 1 octets" },
		{ ITS, 0, { 0x02, 0, S1, 0x00, 0, -1, 0 }, 1, 0x02, 0, "no session" },
		{ ITS, 1, { 0x02, 0, S1, 0x01, 0, -1, 0 }, 1, 0x02, 0, "end bit set" },
		{ ITS, 1, { 0x11, 0, S1, 0x00, 0, -1, 0 }, 1, 0x11, 1, "end bit clear" },
		{ ITS, 1, { 0x02, 0, S1, 0x00, 0, U1, 0 }, 1, 0x02, 0, "user_message_reference echoed" },
		{ ITS, 1, { -1, 0, -1, 0, 0, -1, 0 }, 0, -1, 0, NULL },
		/* its_session_info_only: the end bit; no ussd_service_op. */
		{ IO, 1, { -1, 0, S1, 0x00, 0, -1, 0 }, 1, 0x02, 0, NULL },
		{ IO, 1, { -1, 0, S1, 0x01, 0, -1, 0 }, 1, 0x11, 1, NULL },
		{ IO, 1, { -1, 0, S1, 0x05, 0, -1, 0 }, 1, 0x11, 1, NULL },
		{ IO, 1, { -1, 0, -1, 0, 0, -1, 0 }, 0, -1, 0, NULL },
		{ IO, 1, { 0x02, 0, S1, 0x00, 0, -1, 0 }, 1, 0x02, 0, "ussd_service_op 0x02 on a screen" },
		{ IO, 1, { 0x11, 0, -1, 0, 0, -1, 0 }, 1, 0x11, 1, "ussd_service_op 0x11 on a screen" },
		{ IO, 1, { -1, 0, 0x00, 0x01, 0, -1, 0 }, 1, 0x11, 1, "session 0x00" },
		/* user_message_reference: the caller's, both octets. */
		{ UMR, 1, { 0x02, 0, -1, 0, 0, U1, 0 }, 1, 0x02, 0, NULL },
		{ UMR, 1, { 0x11, 0, -1, 0, 0, U1, 0 }, 1, 0x11, 1, NULL },
		{ UMR, 1, { 0x11, 0, -1, 0, 0, U2, 0 }, 1, 0x11, 1, "user_message_reference 56713, the caller's is 56712" },
		{ UMR, 1, { 0x11, 0, -1, 0, 0, U1 & 0xFF, 0 }, 1, 0x11, 1, "the caller's is 56712" },
		{ UMR, 1, { 0x11, 0, -1, 0, 0, -1, 0 }, 1, 0x11, 1, "no user_message_reference" },
		{ UMR, 1, { 0x11, 0, -1, 0, 0, U1, 3 }, 1, 0x11, 1, "of 3 octets" },
		{ UMR, 0, { 0x11, 0, -1, 0, 0, U1, 0 }, 1, 0x11, 1, "no session" },
		{ UMR, 1, { 0x02, 0, S1, 0x00, 0, U1, 0 }, 1, 0x02, 0, "its_session_info echoed" },
	};
	struct smsc_dialect_sess s;
	struct smsc_dialect_read r;
	struct smpp_pdu p;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		smsc_dialect_sess_init(&s, CALLER);
		memset(&p, 0, sizeof(p));
		if (t[i].known)
			smsc_dialect_mo(t[i].d, &s, SMPP_USSD_PSSR_IND, &p);
		screen_pdu(&t[i].x, &p);
		smsc_dialect_read(t[i].d, &p, t[i].known ? &s : NULL, &r);
		if (r.screen != t[i].screen || smsc_dialect_op(&r) != t[i].op ||
		    (r.screen && r.ends != t[i].ends) ||
		    r.bad != (t[i].bad != NULL) ||
		    (t[i].bad && strstr(r.why, t[i].bad) == NULL))
			fail_msg("case %zu (%s): screen %d op %d ends %d bad %d "
			    "\"%s\"; want %d %d %d %s", i,
			    smsc_dialect_str(t[i].d), r.screen,
			    smsc_dialect_op(&r), r.ends, r.bad, r.why,
			    t[i].screen, t[i].op, t[i].ends,
			    t[i].bad ? t[i].bad : "(right)");
	}
}

/* After an abort and a new dial, the old session's echo is wrong. */
static void
test_read_after_redial(void **state)
{
	struct smsc_dialect_sess s;
	struct smsc_dialect_read r;
	struct smpp_pdu p;
	const struct scr old = { -1, 0, S1, 0x01, 0, -1, 0 };
	const struct scr cur = { -1, 0, S2, 0x01, 0, -1, 0 };

	(void)state;
	smsc_dialect_sess_init(&s, CALLER);
	memset(&p, 0, sizeof(p));
	smsc_dialect_mo(IO, &s, SMPP_USSD_PSSR_IND, &p);
	memset(&p, 0, sizeof(p));
	smsc_dialect_mo(IO, &s, SMPP_USSD_ABORT, &p);
	memset(&p, 0, sizeof(p));
	smsc_dialect_mo(IO, &s, SMPP_USSD_PSSR_IND, &p);
	screen_pdu(&old, &p);
	smsc_dialect_read(IO, &p, &s, &r);
	assert_true(r.bad);
	screen_pdu(&cur, &p);
	smsc_dialect_read(IO, &p, &s, &r);
	assert_false(r.bad);
	assert_true(r.ends);
}

static void
test_throttle(void **state)
{
	struct smsc_dialect_sess s;

	(void)state;
	smsc_dialect_sess_init(&s, CALLER);
	assert_int_equal(smsc_dialect_throttle(&s, "1 Français"), 1);
	assert_int_equal(smsc_dialect_throttle(&s, "1 Français"), 0);
	/* Taken once: the same text again (a new screen) is refused again. */
	assert_int_equal(smsc_dialect_throttle(&s, "1 Français"), 1);
	/* Another text while one waits: that one is refused, remembered. */
	assert_int_equal(smsc_dialect_throttle(&s, "1 CIN"), 1);
	assert_int_equal(smsc_dialect_throttle(&s, "1 Français"), 1);
	assert_int_equal(smsc_dialect_throttle(&s, "1 Français"), 0);
	assert_int_equal(smsc_dialect_throttle(&s, ""), 1);
	assert_int_equal(smsc_dialect_throttle(&s, ""), 0);
}

static void
test_book(void **state)
{
	struct smsc_dialect_book *b;
	struct smsc_dialect_sess *s;
	char m[32];

	(void)state;
	assert_non_null(b = smsc_dialect_book_new());
	assert_null(smsc_dialect_book_get(b, "212600000001", 0));
	assert_null(smsc_dialect_book_get(b, "", 1));
	assert_null(smsc_dialect_book_get(b, "123456789012345678901", 1));
	for (int i = 0; i < 20000; i++) {
		snprintf(m, sizeof(m), "2126%08d", i);
		assert_non_null(s = smsc_dialect_book_get(b, m, 1));
		s->begins = (uint32_t)i;
	}
	assert_int_equal(smsc_dialect_book_count(b), 20000);
	for (int i = 0; i < 20000; i++) {
		snprintf(m, sizeof(m), "2126%08d", i);
		assert_non_null(s = smsc_dialect_book_get(b, m, 0));
		assert_int_equal(s->begins, i);
	}
	/* A new entry starts afresh, seeded from its MSISDN. */
	assert_non_null(s = smsc_dialect_book_get(b, CALLER "9", 1));
	assert_int_equal(s->begins, 0);
	assert_false(s->begun);
	assert_int_equal(smsc_dialect_book_count(b), 20001);
	smsc_dialect_book_free(b);
	smsc_dialect_book_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_mo_fields),
		cmocka_unit_test(test_mo_sessions),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_read_after_redial),
		cmocka_unit_test(test_throttle),
		cmocka_unit_test(test_book),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
