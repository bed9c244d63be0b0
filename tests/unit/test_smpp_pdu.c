/*
 * test_smpp_pdu: golden SMPP 3.4 byte vectors (built by hand from the
 * spec), round trips, frame bounds, and hostile bodies that must be
 * rejected with the header still filled.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "smpp_pdu.h"

/* bind_transceiver seq 1: "tnsgw" / "secret" / "USSD", 0x34, ton 1 npi 1, "" */
static const uint8_t g_bind[] = {
	0x00, 0x00, 0x00, 0x26, 0x00, 0x00, 0x00, 0x09,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	't', 'n', 's', 'g', 'w', 0,
	's', 'e', 'c', 'r', 'e', 't', 0,
	'U', 'S', 'S', 'D', 0,
	0x34, 0x01, 0x01, 0x00,
};

/* deliver_sm seq 7 from 212612340123 to 1515, dc 0x0F, "*1515#",
 * ussd_service_op = 0x01 (PSSR indication). */
static const uint8_t g_deliver[] = {
	0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x05,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,
	'U', 'S', 'S', 'D', 0,
	0x01, 0x01,
	'2', '1', '2', '6', '1', '2', '3', '4', '0', '1', '2', '3', 0,
	0x00, 0x00,
	'1', '5', '1', '5', 0,
	0x00, 0x00, 0x00,		/* esm_class, protocol_id, priority */
	0x00, 0x00,			/* schedule, validity */
	0x00, 0x00, 0x0F, 0x00,		/* reg_deliv, replace, dc, default id */
	0x06, '*', '1', '5', '1', '5', '#',
	0x05, 0x01, 0x00, 0x01, 0x01,
};

/* submit_sm seq 0x2A from 1515 to 212612340123, "Hello",
 * ussd_service_op 0x02, its_session_info 0x12 0x01. */
static const uint8_t g_submit[] = {
	0x00, 0x00, 0x00, 0x41, 0x00, 0x00, 0x00, 0x04,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2A,
	0,
	0x00, 0x00,
	'1', '5', '1', '5', 0,
	0x01, 0x01,
	'2', '1', '2', '6', '1', '2', '3', '4', '0', '1', '2', '3', 0,
	0x00, 0x00, 0x00,
	0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0x05, 'H', 'e', 'l', 'l', 'o',
	0x05, 0x01, 0x00, 0x01, 0x02,
	0x13, 0x83, 0x00, 0x02, 0x12, 0x01,
};

/* submit_sm seq 3 from 1515 to 0612340123 (ton 2 national, npi 1),
 * "OTP", registered_delivery 1, scheduled 2026-03-15 09:30:00.0 at UTC+1
 * (4 quarter hours), valid for 5 minutes (relative). */
static const uint8_t g_submit_times[] = {
	0x00, 0x00, 0x00, 0x52, 0x00, 0x00, 0x00, 0x04,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
	0,
	0x00, 0x00,
	'1', '5', '1', '5', 0,
	0x02, 0x01,
	'0', '6', '1', '2', '3', '4', '0', '1', '2', '3', 0,
	0x00, 0x00, 0x00,
	'2', '6', '0', '3', '1', '5', '0', '9', '3', '0', '0', '0',
	'0', '0', '4', '+', 0,
	'0', '0', '0', '0', '0', '0', '0', '0', '0', '5', '0', '0',
	'0', '0', '0', 'R', 0,
	0x01, 0x00, 0x00, 0x00,
	0x03, 'O', 'T', 'P',
};

static const uint8_t g_enquire[] = {
	0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x15,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
};

static const uint8_t g_nack[] = {
	0x00, 0x00, 0x00, 0x10, 0x80, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x09,
};

static struct smpp_pdu pdu, pdu2;
static uint8_t buf[4096];
static char err[128];

static void
encode_expect(const struct smpp_pdu *p, const uint8_t *want, size_t wantlen)
{
	long n = smpp_pdu_encode(p, buf, sizeof(buf), err, sizeof(err));

	if (n < 0)
		fail_msg("encode: %s", err);
	assert_int_equal(n, wantlen);
	assert_memory_equal(buf, want, wantlen);
}

static void
test_golden_bind(void **state)
{
	(void)state;
	memset(&pdu, 0, sizeof(pdu));
	pdu.command_id = SMPP_BIND_TRANSCEIVER;
	pdu.sequence = 1;
	strcpy(pdu.system_id, "tnsgw");
	strcpy(pdu.password, "secret");
	strcpy(pdu.system_type, "USSD");
	pdu.interface_version = 0x34;
	pdu.addr_ton = 1;
	pdu.addr_npi = 1;
	encode_expect(&pdu, g_bind, sizeof(g_bind));

	assert_int_equal(smpp_pdu_decode(g_bind, sizeof(g_bind), &pdu2, err,
	    sizeof(err)), SMPP_DECODE_OK);
	assert_int_equal(pdu2.command_id, SMPP_BIND_TRANSCEIVER);
	assert_int_equal(pdu2.sequence, 1);
	assert_string_equal(pdu2.system_id, "tnsgw");
	assert_string_equal(pdu2.password, "secret");
	assert_string_equal(pdu2.system_type, "USSD");
	assert_int_equal(pdu2.interface_version, 0x34);
	assert_int_equal(pdu2.addr_ton, 1);
	assert_int_equal(pdu2.addr_npi, 1);
	assert_string_equal(pdu2.address_range, "");
}

static void
test_golden_deliver(void **state)
{
	const struct smpp_tlv *t;

	(void)state;
	assert_int_equal(smpp_pdu_decode(g_deliver, sizeof(g_deliver), &pdu,
	    err, sizeof(err)), SMPP_DECODE_OK);
	assert_int_equal(pdu.command_id, SMPP_DELIVER_SM);
	assert_int_equal(pdu.sequence, 7);
	assert_string_equal(pdu.service_type, "USSD");
	assert_int_equal(pdu.source_addr_ton, 1);
	assert_int_equal(pdu.source_addr_npi, 1);
	assert_string_equal(pdu.source_addr, "212612340123");
	assert_int_equal(pdu.dest_addr_ton, 0);
	assert_string_equal(pdu.destination_addr, "1515");
	assert_int_equal(pdu.data_coding, 0x0F);
	assert_int_equal(pdu.sm_len, 6);
	assert_memory_equal(pdu.sm, "*1515#", 6);
	assert_int_equal(pdu.ntlv, 1);
	t = smpp_pdu_tlv_get(&pdu, SMPP_TLV_USSD_SERVICE_OP);
	assert_non_null(t);
	assert_int_equal(t->len, 1);
	assert_int_equal(t->val[0], 0x01);
	assert_null(smpp_pdu_tlv_get(&pdu, SMPP_TLV_ITS_SESSION_INFO));

	/* and back to the same bytes */
	encode_expect(&pdu, g_deliver, sizeof(g_deliver));
}

static void
test_golden_submit(void **state)
{
	static const uint8_t op = 0x02, its[2] = { 0x12, 0x01 };

	(void)state;
	memset(&pdu, 0, sizeof(pdu));
	pdu.command_id = SMPP_SUBMIT_SM;
	pdu.sequence = 0x2A;
	strcpy(pdu.source_addr, "1515");
	pdu.dest_addr_ton = 1;
	pdu.dest_addr_npi = 1;
	strcpy(pdu.destination_addr, "212612340123");
	pdu.sm_len = 5;
	memcpy(pdu.sm, "Hello", 5);
	assert_int_equal(smpp_pdu_tlv_add(&pdu, SMPP_TLV_USSD_SERVICE_OP, &op, 1), 0);
	assert_int_equal(smpp_pdu_tlv_add(&pdu, SMPP_TLV_ITS_SESSION_INFO, its, 2), 0);
	encode_expect(&pdu, g_submit, sizeof(g_submit));

	assert_int_equal(smpp_pdu_decode(g_submit, sizeof(g_submit), &pdu2,
	    err, sizeof(err)), SMPP_DECODE_OK);
	assert_int_equal(pdu2.ntlv, 2);
	assert_int_equal(pdu2.tlv[0].tag, SMPP_TLV_USSD_SERVICE_OP);
	assert_int_equal(pdu2.tlv[1].tag, SMPP_TLV_ITS_SESSION_INFO);
	assert_int_equal(pdu2.tlv[1].len, 2);
	assert_memory_equal(pdu2.tlv[1].val, its, 2);
	assert_int_equal(pdu2.sm_len, 5);
	assert_string_equal(pdu2.destination_addr, "212612340123");
}

static void
test_golden_submit_times(void **state)
{
	(void)state;
	memset(&pdu, 0, sizeof(pdu));
	pdu.command_id = SMPP_SUBMIT_SM;
	pdu.sequence = 3;
	strcpy(pdu.source_addr, "1515");
	pdu.dest_addr_ton = 2;
	pdu.dest_addr_npi = 1;
	strcpy(pdu.destination_addr, "0612340123");
	strcpy(pdu.schedule_delivery_time, "260315093000004+");
	strcpy(pdu.validity_period, "000000000500000R");
	pdu.registered_delivery = 1;
	pdu.sm_len = 3;
	memcpy(pdu.sm, "OTP", 3);
	encode_expect(&pdu, g_submit_times, sizeof(g_submit_times));

	assert_int_equal(smpp_pdu_decode(g_submit_times, sizeof(g_submit_times),
	    &pdu2, err, sizeof(err)), SMPP_DECODE_OK);
	assert_string_equal(pdu2.schedule_delivery_time, "260315093000004+");
	assert_string_equal(pdu2.validity_period, "000000000500000R");
	assert_int_equal(pdu2.dest_addr_ton, 2);
	assert_int_equal(pdu2.dest_addr_npi, 1);
	assert_string_equal(pdu2.destination_addr, "0612340123");
	assert_int_equal(pdu2.registered_delivery, 1);
	assert_int_equal(pdu2.sm_len, 3);
	assert_memory_equal(pdu2.sm, "OTP", 3);
	assert_int_equal(pdu2.ntlv, 0);

	/* The old vectors carry NULL times: decoded empty. */
	assert_int_equal(smpp_pdu_decode(g_submit, sizeof(g_submit), &pdu2,
	    err, sizeof(err)), SMPP_DECODE_OK);
	assert_string_equal(pdu2.schedule_delivery_time, "");
	assert_string_equal(pdu2.validity_period, "");
}

static void
test_golden_header_only(void **state)
{
	(void)state;
	memset(&pdu, 0, sizeof(pdu));
	pdu.command_id = SMPP_ENQUIRE_LINK;
	pdu.sequence = 256;
	encode_expect(&pdu, g_enquire, sizeof(g_enquire));
	assert_int_equal(smpp_pdu_decode(g_enquire, sizeof(g_enquire), &pdu2,
	    err, sizeof(err)), SMPP_DECODE_OK);
	assert_int_equal(pdu2.sequence, 256);

	memset(&pdu, 0, sizeof(pdu));
	pdu.command_id = SMPP_GENERIC_NACK;
	pdu.command_status = SMPP_ESME_RINVCMDID;
	pdu.sequence = 9;
	encode_expect(&pdu, g_nack, sizeof(g_nack));
	assert_int_equal(smpp_pdu_decode(g_nack, sizeof(g_nack), &pdu2,
	    err, sizeof(err)), SMPP_DECODE_OK);
	assert_int_equal(pdu2.command_status, SMPP_ESME_RINVCMDID);
	assert_int_equal(pdu2.sequence, 9);
}

/* Round trips through encode then decode, field by field. */
static void
roundtrip(const struct smpp_pdu *in, struct smpp_pdu *out)
{
	long n = smpp_pdu_encode(in, buf, sizeof(buf), err, sizeof(err));

	if (n < 0)
		fail_msg("encode %s: %s", smpp_pdu_command_str(in->command_id), err);
	if (smpp_pdu_decode(buf, (size_t)n, out, err, sizeof(err)) != SMPP_DECODE_OK)
		fail_msg("decode %s: %s", smpp_pdu_command_str(in->command_id), err);
	assert_int_equal(out->command_length, n);
	assert_int_equal(out->command_id, in->command_id);
	assert_int_equal(out->command_status, in->command_status);
	assert_int_equal(out->sequence, in->sequence);
}

static void
test_roundtrip(void **state)
{
	static const struct {
		uint32_t id;
		uint16_t sm_len;
		uint32_t status;
	} t[] = {
		{ SMPP_SUBMIT_SM, 0, 0 },
		{ SMPP_SUBMIT_SM, 253, 0 },
		{ SMPP_SUBMIT_SM, 254, 0 },
		{ SMPP_SUBMIT_SM, 255, 0 },	/* message_payload */
		{ SMPP_SUBMIT_SM, SMPP_PAYLOAD_MAX, 0 },
		{ SMPP_DELIVER_SM, 160, 0 },
		{ SMPP_DELIVER_SM, 254, 0 },
		{ SMPP_DELIVER_SM, 600, 0 },
		{ SMPP_DATA_SM, 0, 0 },
		{ SMPP_DATA_SM, 182, 0 },
		{ SMPP_BIND_TRANSMITTER, 0, 0 },
		{ SMPP_BIND_RECEIVER, 0, 0 },
		{ SMPP_BIND_TRANSCEIVER | SMPP_RESP_BIT, 0, 0 },
		{ SMPP_BIND_TRANSCEIVER | SMPP_RESP_BIT, 0, SMPP_ESME_RINVPASWD },
		{ SMPP_SUBMIT_SM | SMPP_RESP_BIT, 0, 0 },
		{ SMPP_SUBMIT_SM | SMPP_RESP_BIT, 0, SMPP_ESME_RTHROTTLED },
		{ SMPP_SUBMIT_SM | SMPP_RESP_BIT, 0, 0x00000401 },
		{ SMPP_DELIVER_SM | SMPP_RESP_BIT, 0, 0 },
		{ SMPP_DELIVER_SM | SMPP_RESP_BIT, 0, SMPP_ESME_RINVMSGLEN },
		{ SMPP_DATA_SM | SMPP_RESP_BIT, 0, 0 },
		{ SMPP_UNBIND, 0, 0 },
		{ SMPP_UNBIND | SMPP_RESP_BIT, 0, 0 },
		{ SMPP_ENQUIRE_LINK | SMPP_RESP_BIT, 0, 0 },
	};
	static const uint8_t op = 0x11;

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint32_t base = t[i].id & ~SMPP_RESP_BIT;
		int body = t[i].id == SMPP_SUBMIT_SM || t[i].id == SMPP_DELIVER_SM ||
		    t[i].id == SMPP_DATA_SM;

		memset(&pdu, 0, sizeof(pdu));
		pdu.command_id = t[i].id;
		pdu.command_status = t[i].status;
		pdu.sequence = 0x7FFFFFFF - (uint32_t)i;
		if (body) {
			strcpy(pdu.service_type, "USSD");
			pdu.source_addr_ton = 7;	/* not in libsmpp34's list */
			pdu.source_addr_npi = 2;
			strcpy(pdu.source_addr, "212612340123");
			pdu.dest_addr_ton = 0;
			strcpy(pdu.destination_addr, "12345678901234567890");
			pdu.esm_class = 0x40;
			pdu.data_coding = 0x08;
			pdu.registered_delivery = 1;
			pdu.sm_len = t[i].sm_len;
			for (int j = 0; j < pdu.sm_len; j++)
				pdu.sm[j] = (uint8_t)(j * 7 + 1);
			assert_int_equal(smpp_pdu_tlv_add(&pdu,
			    SMPP_TLV_USSD_SERVICE_OP, &op, 1), 0);
		} else if (t[i].id == SMPP_BIND_TRANSMITTER ||
		    t[i].id == SMPP_BIND_RECEIVER) {
			strcpy(pdu.system_id, "123456789012345");
			strcpy(pdu.password, "12345678");
			strcpy(pdu.system_type, "123456789012");
			strcpy(pdu.address_range, "^2126");
			pdu.interface_version = 0x33;
			pdu.addr_ton = 9;
		} else if (base == SMPP_BIND_TRANSCEIVER) {
			strcpy(pdu.system_id, "SMSC");
		} else if (base != SMPP_DELIVER_SM && (t[i].id & SMPP_RESP_BIT) &&
		    base != SMPP_UNBIND && base != SMPP_ENQUIRE_LINK)
			strcpy(pdu.message_id, "5f2a0000000001");
		roundtrip(&pdu, &pdu2);
		if (body) {
			assert_string_equal(pdu2.service_type, "USSD");
			assert_int_equal(pdu2.source_addr_ton, 7);
			assert_int_equal(pdu2.source_addr_npi, 2);
			assert_string_equal(pdu2.source_addr, "212612340123");
			assert_string_equal(pdu2.destination_addr,
			    "12345678901234567890");
			assert_int_equal(pdu2.esm_class, 0x40);
			assert_int_equal(pdu2.data_coding, 0x08);
			assert_int_equal(pdu2.registered_delivery, 1);
			assert_int_equal(pdu2.sm_len, t[i].sm_len);
			assert_memory_equal(pdu2.sm, pdu.sm, pdu.sm_len);
			assert_int_equal(pdu2.ntlv, 1);
			assert_int_equal(pdu2.tlv[0].val[0], 0x11);
		} else if (t[i].id == SMPP_BIND_TRANSMITTER ||
		    t[i].id == SMPP_BIND_RECEIVER) {
			assert_string_equal(pdu2.system_id, "123456789012345");
			assert_string_equal(pdu2.password, "12345678");
			assert_string_equal(pdu2.system_type, "123456789012");
			assert_string_equal(pdu2.address_range, "^2126");
			assert_int_equal(pdu2.interface_version, 0x33);
			assert_int_equal(pdu2.addr_ton, 9);
		} else if (t[i].status == 0 && base == SMPP_BIND_TRANSCEIVER) {
			assert_string_equal(pdu2.system_id, "SMSC");
		} else if (t[i].status == 0)
			assert_string_equal(pdu2.message_id, pdu.message_id);
	}
}

static void
test_encode_errors(void **state)
{
	(void)state;
	memset(&pdu, 0, sizeof(pdu));
	pdu.command_id = 0x00000003;	/* query_sm: not supported */
	assert_int_equal(smpp_pdu_encode(&pdu, buf, sizeof(buf), err, sizeof(err)), -1);

	memset(&pdu, 0, sizeof(pdu));
	pdu.command_id = SMPP_SUBMIT_SM;
	pdu.sm_len = SMPP_PAYLOAD_MAX + 1;
	assert_int_equal(smpp_pdu_encode(&pdu, buf, sizeof(buf), err, sizeof(err)), -1);

	pdu.sm_len = 10;
	assert_int_equal(smpp_pdu_encode(&pdu, buf, 20, err, sizeof(err)), -1);
	memset(pdu.source_addr, 'x', sizeof(pdu.source_addr));
	assert_int_equal(smpp_pdu_encode(&pdu, buf, sizeof(buf), err, sizeof(err)), -1);

	memset(&pdu, 0, sizeof(pdu));
	pdu.command_id = SMPP_ENQUIRE_LINK;
	pdu.ntlv = 1;
	assert_int_equal(smpp_pdu_encode(&pdu, buf, sizeof(buf), err, sizeof(err)), -1);
}

static void
test_tlv_helpers(void **state)
{
	uint8_t v[SMPP_TLV_VAL_MAX + 1] = { 0 };

	(void)state;
	memset(&pdu, 0, sizeof(pdu));
	assert_int_equal(smpp_pdu_tlv_add(&pdu, 1, v, SMPP_TLV_VAL_MAX + 1), -1);
	for (int i = 0; i < SMPP_MAX_TLVS; i++)
		assert_int_equal(smpp_pdu_tlv_add(&pdu, (uint16_t)(0x1400 + i), v, 1), 0);
	assert_int_equal(smpp_pdu_tlv_add(&pdu, 0x1500, v, 1), -1);
	assert_non_null(smpp_pdu_tlv_get(&pdu, 0x1405));
	assert_null(smpp_pdu_tlv_get(&pdu, 0x1500));
}

static void
test_frame(void **state)
{
	static const struct {
		uint32_t len;
		size_t avail;
		uint32_t max;
		long want;
	} t[] = {
		{ 16, 15, SMPP_MAX_PDU, 0 },
		{ 0, 0, SMPP_MAX_PDU, 0 },
		{ 15, 16, SMPP_MAX_PDU, -1 },
		{ 0, 16, SMPP_MAX_PDU, -1 },
		{ 16, 16, SMPP_MAX_PDU, 16 },
		{ SMPP_MAX_PDU, 16, SMPP_MAX_PDU, SMPP_MAX_PDU },
		{ SMPP_MAX_PDU + 1, 16, SMPP_MAX_PDU, -1 },
		{ 0xFFFFFFFFu, 16, SMPP_MAX_PDU, -1 },
		{ 1024, 16, 1024, 1024 },
		{ 1025, 16, 1024, -1 },
	};
	uint8_t h[16] = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		h[0] = (uint8_t)(t[i].len >> 24);
		h[1] = (uint8_t)(t[i].len >> 16);
		h[2] = (uint8_t)(t[i].len >> 8);
		h[3] = (uint8_t)t[i].len;
		assert_int_equal(smpp_pdu_frame(h, t[i].avail, t[i].max), t[i].want);
	}
}

static void
set_len(uint8_t *b, size_t len)
{
	b[0] = (uint8_t)(len >> 24);
	b[1] = (uint8_t)(len >> 16);
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
}

static void
expect_bad(const uint8_t *b, size_t len, uint32_t id, uint32_t seq)
{
	assert_int_equal(smpp_pdu_decode(b, len, &pdu, err, sizeof(err)),
	    SMPP_DECODE_BAD_BODY);
	assert_true(err[0] != '\0');
	assert_int_equal(pdu.command_id, id);
	assert_int_equal(pdu.sequence, seq);
	assert_int_equal(pdu.command_length, len);
	assert_int_equal(pdu.ntlv, 0);
	assert_int_equal(pdu.sm_len, 0);
}

/* Every prefix of each body is rejected, the header kept. */
static void
test_truncated(void **state)
{
	static const struct {
		const uint8_t *b;
		size_t len, tlvs;	/* tlvs: octets of TLVs at the end */
	} t[] = {
		{ g_bind, sizeof(g_bind), 0 },
		{ g_deliver, sizeof(g_deliver), 5 },
		{ g_submit, sizeof(g_submit), 11 },
	};
	uint8_t b[256];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		for (size_t n = SMPP_HEADER_LEN + 1; n < t[i].len; n++) {
			/* cutting exactly between TLVs is a valid PDU */
			if (n == t[i].len - t[i].tlvs || (i == 2 && n == t[i].len - 6))
				continue;
			memcpy(b, t[i].b, n);
			set_len(b, n);
			expect_bad(b, n, t[i].b[7] | (uint32_t)t[i].b[6] << 8, t[i].b[15]);
		}
	}
	/* an empty request body */
	memcpy(b, g_deliver, 16);
	set_len(b, 16);
	expect_bad(b, 16, SMPP_DELIVER_SM, 7);
	/* command_length disagreeing with the octets given */
	assert_int_equal(smpp_pdu_decode(g_deliver, sizeof(g_deliver) - 1, &pdu,
	    err, sizeof(err)), SMPP_DECODE_BAD_BODY);
	assert_int_equal(pdu.command_length, sizeof(g_deliver));
	assert_int_equal(pdu.sequence, 7);
	/* under a header */
	assert_int_equal(smpp_pdu_decode(g_deliver, 15, &pdu, err, sizeof(err)),
	    SMPP_DECODE_BAD_BODY);
}

static void
test_hostile(void **state)
{
	uint8_t b[1024];
	size_t n;

	(void)state;
	/* TLV length overrunning the PDU */
	memcpy(b, g_deliver, sizeof(g_deliver));
	b[sizeof(g_deliver) - 2] = 0x10;
	expect_bad(b, sizeof(g_deliver), SMPP_DELIVER_SM, 7);
	b[sizeof(g_deliver) - 3] = 0xFF;
	b[sizeof(g_deliver) - 2] = 0xFF;
	expect_bad(b, sizeof(g_deliver), SMPP_DELIVER_SM, 7);

	/* 17 TLVs */
	n = sizeof(g_deliver);
	memcpy(b, g_deliver, n);
	for (int i = 0; i < SMPP_MAX_TLVS; i++) {
		memcpy(b + n, (const uint8_t[]){ 0x14, 0x00, 0x00, 0x01, 0x00 }, 5);
		n += 5;
	}
	set_len(b, n);
	expect_bad(b, n, SMPP_DELIVER_SM, 7);
	/* ... 16 are fine */
	set_len(b, n - 5);
	assert_int_equal(smpp_pdu_decode(b, n - 5, &pdu, err, sizeof(err)),
	    SMPP_DECODE_OK);
	assert_int_equal(pdu.ntlv, SMPP_MAX_TLVS);

	/* TLV longer than SMPP_TLV_VAL_MAX (not message_payload) */
	n = sizeof(g_deliver);
	memcpy(b, g_deliver, n);
	memcpy(b + n, (const uint8_t[]){ 0x14, 0x00, 0x01, 0x00 }, 4);
	memset(b + n + 4, 'a', 256);
	n += 4 + 256;
	set_len(b, n);
	expect_bad(b, n, SMPP_DELIVER_SM, 7);

	/* message_payload together with a short_message */
	n = sizeof(g_deliver);
	memcpy(b, g_deliver, n);
	memcpy(b + n, (const uint8_t[]){ 0x04, 0x24, 0x00, 0x02, 'h', 'i' }, 6);
	n += 6;
	set_len(b, n);
	expect_bad(b, n, SMPP_DELIVER_SM, 7);

	/* TLV header cut short */
	n = sizeof(g_deliver);
	memcpy(b, g_deliver, n);
	b[n++] = 0x05;
	b[n++] = 0x01;
	b[n++] = 0x00;
	set_len(b, n);
	expect_bad(b, n, SMPP_DELIVER_SM, 7);

	/* C string without NUL: system_id of 16 letters */
	memcpy(b, g_bind, 16);
	memset(b + 16, 'A', 40);
	set_len(b, 56);
	expect_bad(b, 56, SMPP_BIND_TRANSCEIVER, 1);
	/* ... and a body that ends inside a string */
	memcpy(b, g_bind, sizeof(g_bind));
	b[sizeof(g_bind) - 1] = 'x';
	expect_bad(b, sizeof(g_bind), SMPP_BIND_TRANSCEIVER, 1);

	/* TLVs on a bind are trailing garbage */
	memcpy(b, g_bind, sizeof(g_bind));
	memcpy(b + sizeof(g_bind), (const uint8_t[]){ 0x05, 0x01, 0x00, 0x01, 0x01 }, 5);
	set_len(b, sizeof(g_bind) + 5);
	expect_bad(b, sizeof(g_bind) + 5, SMPP_BIND_TRANSCEIVER, 1);

	/* sm_length 255 */
	memcpy(b, g_deliver, 16 + 37);
	b[16 + 36] = 255;
	memset(b + 16 + 37, 'x', 255);
	set_len(b, 16 + 37 + 255);
	expect_bad(b, 16 + 37 + 255, SMPP_DELIVER_SM, 7);

	/* a body on enquire_link */
	memcpy(b, g_enquire, 16);
	b[16] = 0;
	set_len(b, 17);
	expect_bad(b, 17, SMPP_ENQUIRE_LINK, 256);

	/* unknown command: header filled, UNKNOWN */
	memcpy(b, g_enquire, 16);
	b[7] = 0x77;
	assert_int_equal(smpp_pdu_decode(b, 16, &pdu, err, sizeof(err)),
	    SMPP_DECODE_UNKNOWN);
	assert_int_equal(pdu.command_id, 0x77);
	assert_int_equal(pdu.sequence, 256);
}

/*
 * Time fields on the wire (schedule_delivery_time of g_submit_times
 * replaced, then validity_period), in submit_sm and deliver_sm: accepted
 * and kept, or BAD_BODY with the header kept; encode refuses the same.
 */
static void
test_time_fields(void **state)
{
	static const struct {
		const char *t;
		int ok;
	} t[] = {
		{ "", 1 },
		{ "000000000500000R", 1 },
		{ "990231235959948R", 1 },	/* relative: amounts, no bounds */
		{ "260315093000004+", 1 },
		{ "991231235959948-", 1 },
		{ "000101000000000+", 1 },
		{ "000000000500000r", 0 },
		{ "000000000500000", 0 },	/* 15 chars */
		{ "0", 0 },
		{ "000000000500000R0", 0 },	/* 17 chars: no NUL in field */
		{ "00000000050000 R", 0 },
		{ "0000000005000x0R", 0 },
		{ "260315093000004 ", 0 },
		{ "260015093000004+", 0 },	/* month 00 */
		{ "261315093000004+", 0 },	/* month 13 */
		{ "260300093000004+", 0 },	/* day 00 */
		{ "260332093000004+", 0 },
		{ "260315243000004+", 0 },	/* hour 24 */
		{ "260315096000004+", 0 },
		{ "260315093060004+", 0 },
		{ "260315093000049+", 0 },	/* UTC offset over 12 h */
		{ "-60315093000004+", 0 },
	};
	static const uint32_t ids[] = { SMPP_SUBMIT_SM, SMPP_DELIVER_SM };
	/* offset of schedule_delivery_time in g_submit_times */
	const size_t at = SMPP_HEADER_LEN + 1 + 2 + 5 + 2 + 11 + 3;
	uint8_t b[256];
	size_t n, len;
	long elen;

	(void)state;
	for (size_t k = 0; k < 2; k++)
	for (size_t which = 0; which < 2; which++)
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		/* header + fields before the times */
		memcpy(b, g_submit_times, at);
		b[7] = (uint8_t)ids[k];
		n = at;
		len = strlen(t[i].t) + 1;
		if (which == 1) {
			b[n++] = '\0';
			memcpy(b + n, t[i].t, len);
			n += len;
		} else {
			memcpy(b + n, t[i].t, len);
			n += len;
			b[n++] = '\0';
		}
		memcpy(b + n, g_submit_times + sizeof(g_submit_times) - 8, 8);
		n += 8;
		set_len(b, n);
		if (!t[i].ok) {
			expect_bad(b, n, ids[k], 3);
			assert_string_equal(pdu.validity_period, "");
		} else {
			if (smpp_pdu_decode(b, n, &pdu, err, sizeof(err)) !=
			    SMPP_DECODE_OK)
				fail_msg("%s: %s", t[i].t, err);
			assert_string_equal(which ? pdu.validity_period :
			    pdu.schedule_delivery_time, t[i].t);
			assert_string_equal(which ? pdu.schedule_delivery_time :
			    pdu.validity_period, "");
			assert_string_equal(pdu.destination_addr, "0612340123");
			assert_int_equal(pdu.registered_delivery, 1);
			assert_int_equal(pdu.sm_len, 3);
			/* and back to the same bytes */
			elen = smpp_pdu_encode(&pdu, buf, sizeof(buf), err,
			    sizeof(err));
			assert_int_equal(elen, n);
			assert_memory_equal(buf, b, n);
		}
		assert_int_equal(smpp_pdu_time_check(t[i].t), t[i].ok ? 0 : -1);
		/* encode refuses what decode refuses */
		if (!t[i].ok && strlen(t[i].t) < SMPP_TIME_SIZE) {
			memset(&pdu, 0, sizeof(pdu));
			pdu.command_id = ids[k];
			strcpy(which ? pdu.validity_period :
			    pdu.schedule_delivery_time, t[i].t);
			assert_int_equal(smpp_pdu_encode(&pdu, buf, sizeof(buf),
			    err, sizeof(err)), -1);
		}
	}
	/* a time field without its NUL in 17 octets */
	memset(&pdu, 0, sizeof(pdu));
	pdu.command_id = SMPP_SUBMIT_SM;
	memset(pdu.validity_period, '0', sizeof(pdu.validity_period));
	assert_int_equal(smpp_pdu_encode(&pdu, buf, sizeof(buf), err,
	    sizeof(err)), -1);
}

static void
test_time_relative(void **state)
{
	static const struct {
		long long secs;
		const char *want;
	} t[] = {
		{ -5, "000000000001000R" },
		{ 0, "000000000001000R" },
		{ 1, "000000000001000R" },
		{ 59, "000000000059000R" },
		{ 300, "000000000500000R" },
		{ 3599, "000000005959000R" },
		{ 3600, "000000010000000R" },
		{ 86399, "000000235959000R" },
		{ 86400, "000001000000000R" },
		{ 2 * 86400 + 3 * 3600 + 4 * 60 + 5, "000002030405000R" },
		{ 99 * 86400LL + 86399, "000099235959000R" },
		{ 100 * 86400LL, "000099235959000R" },	/* capped */
		{ 1LL << 62, "000099235959000R" },
	};
	char out[SMPP_TIME_SIZE];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(smpp_pdu_time_relative(t[i].secs, out,
		    sizeof(out)), 0);
		assert_string_equal(out, t[i].want);
		assert_int_equal(smpp_pdu_time_check(out), 0);
	}
	assert_int_equal(smpp_pdu_time_relative(300, out, sizeof(out) - 1), -1);
}

static void
test_strings_and_trace(void **state)
{
	char line[512];

	(void)state;
	assert_string_equal(smpp_pdu_command_str(SMPP_DATA_SM | SMPP_RESP_BIT),
	    "data_sm_resp");
	assert_string_equal(smpp_pdu_command_str(0x12345678), "0x12345678");
	assert_string_equal(smpp_pdu_status_str(SMPP_ESME_RTHROTTLED),
	    "ESME_RTHROTTLED");
	assert_string_equal(smpp_pdu_status_str(0x401), "0x00000401");

	assert_int_equal(smpp_pdu_decode(g_deliver, sizeof(g_deliver), &pdu,
	    err, sizeof(err)), SMPP_DECODE_OK);
	smpp_pdu_trace(&pdu, line, sizeof(line));
	assert_non_null(strstr(line, "deliver_sm seq=7"));
	assert_non_null(strstr(line, "2126****0123"));
	assert_null(strstr(line, "212612340123"));
	assert_null(strstr(line, "*1515#"));
	assert_non_null(strstr(line, "<6 bytes>"));
	assert_non_null(strstr(line, "0501=01"));

	assert_int_equal(smpp_pdu_decode(g_bind, sizeof(g_bind), &pdu,
	    err, sizeof(err)), SMPP_DECODE_OK);
	smpp_pdu_trace(&pdu, line, sizeof(line));
	assert_null(strstr(line, "secret"));
	smpp_pdu_trace(&pdu, line, 8);
	assert_int_equal(strlen(line), 7);
}

/* Our reading and writing of the SM family and libsmpp34's give the same
 * struct and the same bytes, every field set (times, TON/NPI, payload,
 * TLVs); a short_message of 254 octets too (libsmpp34's off-by-one). */
static void
test_own_vs_libsmpp34(void **state)
{
	static const uint32_t ids[] = { SMPP_DELIVER_SM, SMPP_SUBMIT_SM,
	    SMPP_DATA_SM, SMPP_SUBMIT_SM };
	static struct smpp_pdu p, a, r;
	uint8_t wire[2048], op = 0x12, its[2] = { 7, 4 };
	char why[128];
	long n;

	(void)state;
	for (size_t k = 0; k < sizeof(ids) / sizeof(ids[0]); k++) {
		memset(&p, 0, sizeof(p));
		p.command_id = ids[k];
		p.sequence = 77;
		strcpy(p.service_type, "USSD");
		p.source_addr_ton = 1;
		p.source_addr_npi = 1;
		strcpy(p.source_addr, "212612340123");
		p.dest_addr_ton = 0;
		p.dest_addr_npi = 9;
		strcpy(p.destination_addr, "*1515*1#");
		p.esm_class = 0x40;
		p.registered_delivery = 1;
		p.data_coding = 0x08;
		if (k == 3) {			/* 254 octets */
			p.sm_len = 254;
			memset(p.sm, 'y', 254);
		} else if (ids[k] != SMPP_DATA_SM) {
			p.protocol_id = 3;
			p.priority_flag = 1;
			strcpy(p.validity_period, "000000001000000R");
			p.sm_len = 12;
			memcpy(p.sm, "\x05\x00\x03\x01\x02\x01\x00\x41\x00\x42\x00\x43", 12);
		} else {
			p.sm_len = 300;
			memset(p.sm, 'x', 300);
		}
		smpp_pdu_tlv_add(&p, SMPP_TLV_USSD_SERVICE_OP, &op, 1);
		smpp_pdu_tlv_add(&p, SMPP_TLV_ITS_SESSION_INFO, its, 2);
		n = smpp_pdu_encode(&p, wire, sizeof(wire), why, sizeof(why));
		assert_true(n > 0);
		{
			/* Written by us, byte for byte what libsmpp34 packs. */
			uint8_t ref[2048];
			long m = smpp_pdu_encode_ref(&p, ref, sizeof(ref), why,
			    sizeof(why));

			assert_int_equal(m, n);
			assert_memory_equal(ref, wire, (size_t)n);
		}
		assert_int_equal(smpp_pdu_decode(wire, (size_t)n, &a, why,
		    sizeof(why)), SMPP_DECODE_OK);
		assert_int_equal(smpp_pdu_decode_ref(wire, (size_t)n, &r, why,
		    sizeof(why)), SMPP_DECODE_OK);
		assert_memory_equal(&a, &r, sizeof(a));
		/* The esm_class read without decoding. */
		assert_int_equal(smpp_pdu_peek_esm_class(wire, (size_t)n),
		    ids[k] == SMPP_SUBMIT_SM ? -1 : 0x40);
		for (long cut = SMPP_HEADER_LEN; cut < 40 && cut < n; cut++)
			assert_true(smpp_pdu_peek_esm_class(wire, (size_t)cut) ==
			    -1 || ids[k] != SMPP_SUBMIT_SM);
		assert_string_equal(a.source_addr, "212612340123");
		assert_int_equal(a.dest_addr_npi, 9);
		assert_int_equal(a.sm_len, p.sm_len);
		assert_int_equal(a.ntlv, 2);
	}
}

/* Equal as values: every field, and of sm and tlv[] what their lengths
 * bound (the storage past them is left as it was). */
static int
pdu_same(const struct smpp_pdu *a, const struct smpp_pdu *b)
{
	if (memcmp(a, b, offsetof(struct smpp_pdu, sm)) != 0 ||
	    memcmp(a->sm, b->sm, a->sm_len) != 0 ||
	    memcmp(a->message_id, b->message_id, sizeof(a->message_id)) != 0 ||
	    a->ntlv != b->ntlv)
		return 0;
	for (int i = 0; i < a->ntlv; i++)
		if (a->tlv[i].tag != b->tlv[i].tag ||
		    a->tlv[i].len != b->tlv[i].len ||
		    memcmp(a->tlv[i].val, b->tlv[i].val, a->tlv[i].len) != 0)
			return 0;
	return 1;
}

/*
 * The client decodes every PDU into one reused struct, cleared by
 * smpp_pdu_clear and not wiped whole: a decode into a struct full of an
 * earlier PDU (or of garbage) is the same value as into a zeroed one,
 * and a short PDU after a long one keeps none of its fields.
 */
static void
test_reused_struct(void **state)
{
	static struct smpp_pdu in, fresh, dirty;
	static uint8_t big[4096], small[64];
	static const uint8_t v2[2] = { 0x05, 0x02 }, op = 0x12;
	char why[128];
	long nb, ns;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.command_id = SMPP_DELIVER_SM;
	in.sequence = 7;
	strcpy(in.service_type, "USSD");
	strcpy(in.source_addr, "212612340123");
	strcpy(in.destination_addr, "1515");
	in.data_coding = 0x08;
	in.sm_len = 600;
	for (int j = 0; j < in.sm_len; j++)
		in.sm[j] = (uint8_t)(j * 3 + 1);
	assert_int_equal(smpp_pdu_tlv_add(&in, SMPP_TLV_USSD_SERVICE_OP, &op, 1), 0);
	assert_int_equal(smpp_pdu_tlv_add(&in, SMPP_TLV_ITS_SESSION_INFO, v2, 2), 0);
	nb = smpp_pdu_encode(&in, big, sizeof(big), why, sizeof(why));
	assert_true(nb > 600);
	memset(&in, 0, sizeof(in));
	in.command_id = SMPP_SUBMIT_SM | SMPP_RESP_BIT;
	in.sequence = 8;
	strcpy(in.message_id, "5f2a");
	ns = smpp_pdu_encode(&in, small, sizeof(small), why, sizeof(why));
	assert_true(ns > 16);

	memset(&fresh, 0, sizeof(fresh));
	memset(&dirty, 0xA5, sizeof(dirty));
	assert_int_equal(smpp_pdu_decode(big, (size_t)nb, &fresh, why,
	    sizeof(why)), SMPP_DECODE_OK);
	assert_int_equal(smpp_pdu_decode(big, (size_t)nb, &dirty, why,
	    sizeof(why)), SMPP_DECODE_OK);
	assert_string_equal(why, "");
	assert_true(pdu_same(&fresh, &dirty));
	assert_int_equal(dirty.sm_len, 600);
	assert_int_equal(dirty.ntlv, 2);

	/* the short one after the long one, in the same struct */
	memset(&fresh, 0, sizeof(fresh));
	assert_int_equal(smpp_pdu_decode(small, (size_t)ns, &fresh, why,
	    sizeof(why)), SMPP_DECODE_OK);
	assert_int_equal(smpp_pdu_decode(small, (size_t)ns, &dirty, why,
	    sizeof(why)), SMPP_DECODE_OK);
	assert_true(pdu_same(&fresh, &dirty));
	assert_string_equal(dirty.message_id, "5f2a");
	assert_string_equal(dirty.source_addr, "");
	assert_string_equal(dirty.service_type, "");
	assert_int_equal(dirty.sm_len, 0);
	assert_int_equal(dirty.ntlv, 0);
	assert_int_equal(dirty.data_coding, 0);

	/* a body that fails keeps its header only, whatever was there */
	memset(&dirty, 0xA5, sizeof(dirty));
	memset(big + 16, 'X', 8);	/* service_type: no NUL in 6 octets */
	assert_int_equal(smpp_pdu_decode(big, (size_t)nb, &dirty, why,
	    sizeof(why)), SMPP_DECODE_BAD_BODY);
	assert_int_equal(dirty.command_id, SMPP_DELIVER_SM);
	assert_int_equal(dirty.sequence, 7);
	assert_string_equal(dirty.source_addr, "");
	assert_int_equal(dirty.sm_len, 0);
	assert_int_equal(dirty.ntlv, 0);

	/* a struct cleared for encoding encodes as a zeroed one */
	memset(&fresh, 0, sizeof(fresh));
	memset(&dirty, 0xA5, sizeof(dirty));
	smpp_pdu_clear(&dirty);
	fresh.command_id = dirty.command_id = SMPP_SUBMIT_SM;
	strcpy(fresh.source_addr, "1515");
	strcpy(dirty.source_addr, "1515");
	fresh.sm_len = dirty.sm_len = 3;
	memcpy(fresh.sm, "abc", 3);
	memcpy(dirty.sm, "abc", 3);
	nb = smpp_pdu_encode(&fresh, big, sizeof(big), why, sizeof(why));
	ns = smpp_pdu_encode(&dirty, buf, sizeof(buf), why, sizeof(why));
	assert_true(nb > 0);
	assert_int_equal(nb, ns);
	assert_memory_equal(big, buf, (size_t)nb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_vs_libsmpp34),
		cmocka_unit_test(test_golden_bind),
		cmocka_unit_test(test_golden_deliver),
		cmocka_unit_test(test_golden_submit),
		cmocka_unit_test(test_golden_submit_times),
		cmocka_unit_test(test_time_fields),
		cmocka_unit_test(test_time_relative),
		cmocka_unit_test(test_golden_header_only),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_reused_struct),
		cmocka_unit_test(test_encode_errors),
		cmocka_unit_test(test_tlv_helpers),
		cmocka_unit_test(test_frame),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_strings_and_trace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
