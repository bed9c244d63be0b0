/*
 * test_dialect: the USSD dialect profiles — every built-in profile's decode
 * of begin / continue / abort / SMS / receipts and its session key, a
 * profile as the config would define it (vendor codes, dial string in
 * destination_addr, data_sm, data_coding mapping), the coherence checks,
 * and screens checked as bytes on the wire.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "dialect.h"

#define OP	"iam"
#define SVC	"*1515#"

static void
mo(struct smpp_pdu *p, const char *text)
{
	memset(p, 0, sizeof(*p));
	p->command_id = SMPP_DELIVER_SM;
	snprintf(p->source_addr, sizeof(p->source_addr), "212600000001");
	p->source_addr_ton = 1;
	p->source_addr_npi = 1;
	snprintf(p->destination_addr, sizeof(p->destination_addr), "1515");
	p->sm_len = (uint16_t)strlen(text);
	memcpy(p->sm, text, p->sm_len);
}

static void
op(struct smpp_pdu *p, uint8_t v)
{
	assert_int_equal(smpp_pdu_tlv_add(p, SMPP_TLV_USSD_SERVICE_OP, &v, 1), 0);
}

static void
its(struct smpp_pdu *p, uint8_t sess, uint8_t seq, int end)
{
	uint8_t v[2] = { sess, (uint8_t)((seq << 1) | (end ? 1 : 0)) };

	assert_int_equal(smpp_pdu_tlv_add(p, SMPP_TLV_ITS_SESSION_INFO, v, 2), 0);
}

static void
umr(struct smpp_pdu *p, uint8_t a, uint8_t b)
{
	uint8_t v[2] = { a, b };

	assert_int_equal(smpp_pdu_tlv_add(p, SMPP_TLV_USER_MESSAGE_REFERENCE,
	    v, 2), 0);
}

static void
dec(const char *profile, const struct smpp_pdu *p, struct dialect_event *ev)
{
	const struct dialect *d = dialect_builtin(profile);

	assert_non_null(d);
	dialect_decode(d, p, OP, SVC, GSM_CHARSET_GSM7, 0, ev);
}

static void
test_builtins(void **state)
{
	char err[128];
	struct dialect d;

	(void)state;
	for (int i = 0; dialect_builtin_names[i] != NULL; i++) {
		const struct dialect *b = dialect_builtin(dialect_builtin_names[i]);

		assert_non_null(b);
		assert_string_equal(b->name, dialect_builtin_names[i]);
		if (dialect_check(b, err, sizeof(err)) != 0)
			fail_msg("%s: %s", b->name, err);
	}
	assert_null(dialect_builtin("ussd"));
	assert_null(dialect_builtin(""));
	dialect_init(&d, "opx");
	assert_string_equal(d.name, "opx");
	assert_int_equal(d.op_tag, SMPP_TLV_USSD_SERVICE_OP);
	assert_int_equal(dialect_check(&d, err, sizeof(err)), 0);
}

static void
test_ussd_service_op(void **state)
{
	struct smpp_pdu p;
	struct dialect_event ev;

	(void)state;
	mo(&p, "*1515*1*AB123456*01021980#");
	op(&p, SMPP_USSD_PSSR_IND);
	dec("ussd_service_op", &p, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_BEGIN);
	assert_string_equal(ev.key, "iam:212600000001");
	assert_string_equal(ev.text, "*1515*1*AB123456*01021980#");
	assert_string_equal(ev.msisdn, "212600000001");
	assert_string_equal(ev.service_addr, "1515");
	assert_int_equal(ev.ton, 1);
	assert_int_equal(ev.op, SMPP_USSD_PSSR_IND);
	assert_int_equal(ev.necho, 0);

	mo(&p, "2");
	op(&p, SMPP_USSD_USSR_CONF);
	its(&p, 0x05, 3, 0);
	dec("ussd_service_op", &p, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_CONTINUE);
	assert_string_equal(ev.key, "iam:212600000001:i05");
	assert_int_equal(ev.necho, 1);
	assert_int_equal(ev.echo[0].tag, SMPP_TLV_ITS_SESSION_INFO);

	/* the operation wins over an end bit */
	mo(&p, "2");
	op(&p, SMPP_USSD_USSR_CONF);
	its(&p, 0x05, 3, 1);
	dec("ussd_service_op", &p, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_CONTINUE);

	mo(&p, "1");
	op(&p, SMPP_USSD_USSR_CONF);
	umr(&p, 0x01, 0x02);
	dec("ussd_service_op", &p, &ev);
	assert_string_equal(ev.key, "iam:212600000001:u0102");
	assert_int_equal(ev.necho, 1);
	assert_int_equal(ev.echo[0].tag, SMPP_TLV_USER_MESSAGE_REFERENCE);

	mo(&p, "");
	op(&p, SMPP_USSD_ABORT);
	dec("ussd_service_op", &p, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_ABORT);

	mo(&p, "x");
	op(&p, 0x33);
	dec("ussd_service_op", &p, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_IGNORE);
	assert_int_equal(ev.op, 0x33);
	assert_non_null(ev.why);

	mo(&p, "x");
	{
		uint8_t two[2] = { 1, 2 };

		smpp_pdu_tlv_add(&p, SMPP_TLV_USSD_SERVICE_OP, two, 2);
	}
	dec("ussd_service_op", &p, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_IGNORE);

	/* no operation: a text message */
	mo(&p, "TNS CIN AB123456 01/02/1980");
	dec("ussd_service_op", &p, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_SMS);
	assert_string_equal(ev.text, "TNS CIN AB123456 01/02/1980");
}

static void
test_its_session_info(void **state)
{
	struct smpp_pdu p;
	struct dialect_event ev;

	(void)state;
	mo(&p, SVC);
	op(&p, SMPP_USSD_PSSR_IND);
	its(&p, 0x2A, 0, 0);
	umr(&p, 9, 9);
	dec("its_session_info", &p, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_BEGIN);
	assert_string_equal(ev.key, "iam:212600000001:i2a");
	assert_int_equal(ev.necho, 1);		/* umr is not this profile's */

	mo(&p, "1");
	op(&p, SMPP_USSD_USSR_CONF);
	dec("its_session_info", &p, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_IGNORE);	/* nothing keys it */

	/* without ussd_service_op: the sequence number and the end bit */
	mo(&p, SVC);
	its(&p, 0x07, 0, 0);
	dec("its_session_info_only", &p, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_BEGIN);
	assert_string_equal(ev.key, "iam:212600000001:i07");
	mo(&p, "3");
	its(&p, 0x07, 2, 0);
	dec("its_session_info_only", &p, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_CONTINUE);
	assert_string_equal(ev.text, "3");
	mo(&p, "");
	its(&p, 0x07, 4, 1);
	dec("its_session_info_only", &p, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_ABORT);
	mo(&p, "3");
	dec("its_session_info_only", &p, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_IGNORE);
}

static void
test_umr_and_msisdn(void **state)
{
	struct smpp_pdu p;
	struct dialect_event ev;

	(void)state;
	mo(&p, SVC);
	op(&p, SMPP_USSD_PSSR_IND);
	umr(&p, 0xAB, 0x01);
	its(&p, 1, 0, 0);
	dec("user_message_reference", &p, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_BEGIN);
	assert_string_equal(ev.key, "iam:212600000001:uab01");
	assert_int_equal(ev.necho, 1);
	assert_int_equal(ev.echo[0].tag, SMPP_TLV_USER_MESSAGE_REFERENCE);
	mo(&p, SVC);
	op(&p, SMPP_USSD_PSSR_IND);
	dec("user_message_reference", &p, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_IGNORE);

	mo(&p, SVC);
	op(&p, SMPP_USSD_PSSR_IND);
	its(&p, 1, 0, 0);
	dec("msisdn", &p, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_BEGIN);
	assert_string_equal(ev.key, "iam:212600000001:*1515#");
	assert_int_equal(ev.necho, 0);		/* sends no session id back */
}

static void
test_receipts(void **state)
{
	const char *txt = "id:1234 sub:001 dlvrd:001 submit date:2612041200 "
	    "done date:2612041201 stat:DELIVRD err:000 text:";
	struct smpp_pdu p;
	struct dialect_event ev;

	(void)state;
	mo(&p, txt);
	p.esm_class = 0x04;
	dec("ussd_service_op", &p, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_RECEIPT);
	assert_string_equal(ev.msgid, "4d2");	/* 1234 decimal */
	assert_int_equal(ev.dlr_state, SMS_DLR_DELIVERED);

	/* receipted_message_id in the bind's base */
	mo(&p, "");
	p.esm_class = 0x04;
	smpp_pdu_tlv_add(&p, SMPP_TLV_RECEIPTED_MESSAGE_ID, "1A", 3);
	{
		uint8_t st = 5;

		smpp_pdu_tlv_add(&p, SMPP_TLV_MESSAGE_STATE, &st, 1);
	}
	dialect_decode(dialect_builtin("msisdn"), &p, OP, SVC,
	    GSM_CHARSET_GSM7, 1, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_RECEIPT);
	assert_string_equal(ev.msgid, "1a");
	assert_int_equal(ev.dlr_state, SMS_DLR_UNDELIVERABLE);
	dialect_decode(dialect_builtin("msisdn"), &p, OP, SVC,
	    GSM_CHARSET_GSM7, 0, &ev);
	assert_string_equal(ev.msgid, "s:1a");	/* never equals 0x1a */

	/* a receipt without a usable id is still a receipt */
	mo(&p, "stat:DELIVRD");
	p.esm_class = 0x04;
	dec("ussd_service_op", &p, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_RECEIPT);
	assert_string_equal(ev.msgid, "");
}

static void
test_ignored(void **state)
{
	struct smpp_pdu p;
	struct dialect_event ev;
	char longop[200];

	(void)state;
	mo(&p, SVC);
	op(&p, SMPP_USSD_PSSR_IND);
	p.source_addr[0] = '\0';
	dec("ussd_service_op", &p, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_IGNORE);

	mo(&p, SVC);
	p.command_id = SMPP_SUBMIT_SM;
	dec("ussd_service_op", &p, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_IGNORE);

	memset(longop, 'o', sizeof(longop) - 1);
	longop[sizeof(longop) - 1] = '\0';
	mo(&p, SVC);
	op(&p, SMPP_USSD_PSSR_IND);
	dialect_decode(dialect_builtin("ussd_service_op"), &p, longop, SVC,
	    GSM_CHARSET_GSM7, 0, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_IGNORE);
}

/* A profile as an operator's document would describe it. */
static void
vendor(struct dialect *d)
{
	dialect_init(d, "opx");
	d->key = DIALECT_KEY_MSISDN;
	d->op_continue.n = 2;
	d->op_continue.v[1] = 0x20;
	d->op_abort.n = 2;
	d->op_abort.v[1] = 0x22;
	d->dial = DIALECT_DIAL_DEST;
	d->cmd = DIALECT_CMD_DATA_SM;
	d->necho = 0;
	d->its_end_bit = 0;
	snprintf(d->service_type, sizeof(d->service_type), "USSD");
	d->dcs_ucs2.n = 1;
	d->dcs_ucs2.v[0] = 0x11;
	d->out_dcs_gsm7 = 0x0F;
	d->out_dcs_ucs2 = 0x48;
}

static void
test_config_profile(void **state)
{
	struct dialect d;
	struct smpp_pdu p;
	struct dialect_event ev;
	char err[128];
	static const uint8_t ucs2[] = { 0x06, 0x27, 0x06, 0x44 };	/* alef lam */

	(void)state;
	vendor(&d);
	assert_int_equal(dialect_check(&d, err, sizeof(err)), 0);

	mo(&p, "");
	p.command_id = SMPP_DATA_SM;
	snprintf(p.destination_addr, sizeof(p.destination_addr), "*1515*1#");
	op(&p, 0x01);
	dialect_decode(&d, &p, OP, SVC, GSM_CHARSET_GSM7, 0, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_BEGIN);
	assert_string_equal(ev.text, "*1515*1#");
	assert_string_equal(ev.key, "iam:212600000001:*1515#");

	mo(&p, "");
	memcpy(p.sm, ucs2, sizeof(ucs2));
	p.sm_len = sizeof(ucs2);
	p.data_coding = 0x11;
	op(&p, 0x20);
	dialect_decode(&d, &p, OP, SVC, GSM_CHARSET_GSM7, 0, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_CONTINUE);
	assert_string_equal(ev.text, "\xD8\xA7\xD9\x84");

	mo(&p, "");
	op(&p, 0x22);
	dialect_decode(&d, &p, OP, SVC, GSM_CHARSET_GSM7, 0, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_ABORT);

	/* no operation TLV and not this profile's service_type: an SMS */
	d.begin = DIALECT_BEGIN_DIAL;
	mo(&p, "TNS 123");
	dialect_decode(&d, &p, OP, SVC, GSM_CHARSET_GSM7, 0, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_SMS);
	/* ... with it: a dial string begins, anything else continues */
	mo(&p, "2");
	snprintf(p.service_type, sizeof(p.service_type), "USSD");
	snprintf(p.destination_addr, sizeof(p.destination_addr), "*1515#");
	dialect_decode(&d, &p, OP, SVC, GSM_CHARSET_GSM7, 0, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_BEGIN);
	d.dial = DIALECT_DIAL_TEXT;
	dialect_decode(&d, &p, OP, SVC, GSM_CHARSET_GSM7, 0, &ev);
	assert_int_equal(ev.kind, DIALECT_EV_CONTINUE);
}

static void
test_checks(void **state)
{
	struct dialect d;
	char err[160];

	(void)state;
#define EXPECT(prefix, stmt) do { \
	dialect_init(&d, "x"); \
	stmt; \
	assert_int_equal(dialect_check(&d, err, sizeof(err)), -1); \
	if (strncmp(err, prefix, strlen(prefix)) != 0) \
		fail_msg("want %s, got %s", prefix, err); \
} while (0)
	EXPECT("name", d.name[0] = '\0');
	EXPECT("op_abort", (d.op_abort.v[0] = SMPP_USSD_USSR_CONF));
	EXPECT("op_continue", (d.op_continue.v[0] = SMPP_USSD_PSSR_IND));
	EXPECT("begin", (d.op_tag = 0, d.out_op = 0));
	EXPECT("op_begin", d.op_begin.n = 0);
	EXPECT("out_op", (d.op_tag = 0, d.begin = DIALECT_BEGIN_DIAL,
	    d.op_begin.n = 0));
	EXPECT("op_out_end", d.op_out_end = d.op_out_continue);
	EXPECT("echo", d.echo[1] = d.echo[0]);
	EXPECT("echo", d.echo[1] = SMPP_TLV_USSD_SERVICE_OP);
	EXPECT("key", (d.key = DIALECT_KEY_ITS, d.echo[0] = 0x1400,
	    d.its_end_bit = 0));
	EXPECT("key", (d.key = DIALECT_KEY_UMR, d.necho = 1));
	EXPECT("begin", (d.begin = DIALECT_BEGIN_ITS_SEQ));
	EXPECT("its_end_bit", (d.necho = 0));
	EXPECT("dcs_ucs2", (d.dcs_gsm7.n = 1, d.dcs_gsm7.v[0] = 0x48,
	    d.dcs_ucs2.n = 1, d.dcs_ucs2.v[0] = 0x48));
	EXPECT("out_dcs", d.out_dcs_ucs2 = 256);
	EXPECT("op_begin", d.op_begin.n = 9);
}

/* Find tag's value in the wire bytes of a PDU's TLV area. */
static const uint8_t *
wire_tlv(const uint8_t *buf, long len, uint16_t tag, size_t tlv_start,
    uint16_t *vlen)
{
	size_t i = tlv_start;

	while (i + 4 <= (size_t)len) {
		uint16_t t = (uint16_t)(buf[i] << 8 | buf[i + 1]);
		uint16_t l = (uint16_t)(buf[i + 2] << 8 | buf[i + 3]);

		if (t == tag) {
			*vlen = l;
			return buf + i + 4;
		}
		i += 4 + l;
	}
	return NULL;
}

static void
test_screen_wire(void **state)
{
	struct smpp_pdu in, out, back;
	struct dialect_event ev;
	struct dialect_screen s;
	uint8_t buf[1024];
	char err[128];
	const uint8_t *v;
	uint16_t vl;
	long n;

	(void)state;
	mo(&in, SVC);
	op(&in, SMPP_USSD_PSSR_IND);
	its(&in, 0x05, 0, 1);
	dec("ussd_service_op", &in, &ev);
	memset(&s, 0, sizeof(s));
	s.from = "1515";
	s.to = ev.msisdn;
	s.to_ton = ev.ton;
	s.to_npi = ev.npi;
	s.echo = ev.echo;
	s.necho = ev.necho;
	s.text = "1 Francais\n2 Arabe";
	assert_int_equal(dialect_screen(dialect_builtin("ussd_service_op"), &s,
	    GSM_CHARSET_GSM7, &out, err, sizeof(err)), 0);
	assert_int_equal(out.command_id, SMPP_SUBMIT_SM);
	n = smpp_pdu_encode(&out, buf, sizeof(buf), err, sizeof(err));
	assert_true(n > 0);
	assert_int_equal(smpp_pdu_decode(buf, (size_t)n, &back, err,
	    sizeof(err)), SMPP_DECODE_OK);
	/* bytes on the wire, not decimal text */
	v = wire_tlv(buf, n, SMPP_TLV_USSD_SERVICE_OP,
	    (size_t)n - 4 - 1 - 4 - 2, &vl);
	assert_non_null(v);
	assert_int_equal(vl, 1);
	assert_int_equal(v[0], SMPP_USSD_USSR_REQ);
	v = smpp_pdu_tlv_get(&back, SMPP_TLV_ITS_SESSION_INFO)->val;
	assert_int_equal(v[0], 0x05);
	assert_int_equal(v[1] & 1, 0);		/* not the end */
	assert_int_equal(back.data_coding, 0x00);
	assert_string_equal(back.destination_addr, "212600000001");

	s.end = 1;
	assert_int_equal(dialect_screen(dialect_builtin("ussd_service_op"), &s,
	    GSM_CHARSET_GSM7, &out, err, sizeof(err)), 0);
	assert_int_equal(smpp_pdu_tlv_get(&out, SMPP_TLV_USSD_SERVICE_OP)->val[0],
	    SMPP_USSD_PSSR_RESP);
	assert_int_equal(smpp_pdu_tlv_get(&out, SMPP_TLV_ITS_SESSION_INFO)->val[1] & 1,
	    1);

	/* the vendor profile: data_sm, its data_coding, service_type */
	{
		struct dialect d;

		vendor(&d);
		s.text = "\xD8\xB1\xD9\x82\xD9\x85";
		s.necho = 0;
		assert_int_equal(dialect_screen(&d, &s, GSM_CHARSET_GSM7, &out,
		    err, sizeof(err)), 0);
		assert_int_equal(out.command_id, SMPP_DATA_SM);
		assert_int_equal(out.data_coding, 0x48);
		assert_string_equal(out.service_type, "USSD");
		n = smpp_pdu_encode(&out, buf, sizeof(buf), err, sizeof(err));
		assert_true(n > 0);
		assert_int_equal(smpp_pdu_decode(buf, (size_t)n, &back, err,
		    sizeof(err)), SMPP_DECODE_OK);
		assert_int_equal(back.sm_len, 6);
		s.text = "Bonjour";
		assert_int_equal(dialect_screen(&d, &s, GSM_CHARSET_GSM7, &out,
		    err, sizeof(err)), 0);
		assert_int_equal(out.data_coding, 0x0F);
		/* a Latin-1 bind's 0x00 is not GSM: left as it is */
		assert_int_equal(dialect_screen(&d, &s, GSM_CHARSET_LATIN1, &out,
		    err, sizeof(err)), 0);
		assert_int_equal(out.data_coding, 0x00);
	}

	/* a screen that cannot fit is refused, not cut */
	{
		char big[600];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		s.text = big;
		assert_int_equal(dialect_screen(dialect_builtin("msisdn"), &s,
		    GSM_CHARSET_GSM7, &out, err, sizeof(err)), -1);
	}
}

/*
 * dialect_decode clears the event without wiping its text and echo
 * storage (it runs per MO): an event full of garbage or of an earlier MO
 * decodes to the same value as a zeroed one.
 */
static void
test_event_reused(void **state)
{
	static struct dialect_event a, b;
	struct smpp_pdu p;

	(void)state;
	mo(&p, "*1515*1*AB123456*01021980#");
	op(&p, SMPP_USSD_PSSR_IND);
	its(&p, 0x05, 0, 0);
	memset(&a, 0, sizeof(a));
	memset(&b, 0xA5, sizeof(b));
	dec("ussd_service_op", &p, &a);
	dec("ussd_service_op", &p, &b);
	assert_int_equal(b.kind, DIALECT_EV_BEGIN);
	assert_string_equal(b.key, a.key);
	assert_string_equal(b.text, a.text);
	assert_string_equal(b.msisdn, a.msisdn);
	assert_string_equal(b.service_addr, a.service_addr);
	assert_string_equal(b.msgid, "");
	assert_int_equal(b.text_cut, 0);
	assert_int_equal(b.necho, 1);
	assert_memory_equal(b.echo[0].val, a.echo[0].val, a.echo[0].len);

	/* a short MO without TLVs after it, in the same event */
	mo(&p, "");
	op(&p, SMPP_USSD_USSR_CONF);
	dec("ussd_service_op", &p, &b);
	assert_int_equal(b.kind, DIALECT_EV_CONTINUE);
	assert_string_equal(b.text, "");
	assert_string_equal(b.key, "iam:212600000001");
	assert_int_equal(b.necho, 0);
	assert_int_equal(b.op, SMPP_USSD_USSR_CONF);

	/* an MO with no caller: ignored, nothing of the one before */
	mo(&p, "1");
	p.source_addr[0] = '\0';
	dec("ussd_service_op", &p, &b);
	assert_int_equal(b.kind, DIALECT_EV_IGNORE);
	assert_string_equal(b.key, "");
	assert_string_equal(b.msisdn, "");
	assert_int_equal(b.op, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtins),
		cmocka_unit_test(test_event_reused),
		cmocka_unit_test(test_ussd_service_op),
		cmocka_unit_test(test_its_session_info),
		cmocka_unit_test(test_umr_and_msisdn),
		cmocka_unit_test(test_receipts),
		cmocka_unit_test(test_ignored),
		cmocka_unit_test(test_config_profile),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_screen_wire),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
