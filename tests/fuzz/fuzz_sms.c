/*
 * fuzz_sms: libFuzzer target for the SMS module — any octets read as a
 * delivery receipt (text, TLVs, data_coding) give 0/1/-1 and a bounded id;
 * any valid UTF-8 split on either bind charset gives segments within
 * SMS_SEGMENT_MAX, whole characters, that join back to the text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the text reads after UCS-2: characters past U+FFFF as '?'. */
static void
bmp_only(const char *in, char *out)
{
	while (*in != '\0') {
		if (((unsigned char)*in & 0xF8) == 0xF0) {
			*out++ = '?';
			in += 4;
		} else
			*out++ = *in++;
	}
	*out = '\0';
}

/*
 * Octet 0 picks the options: bit 0 a receipted_message_id TLV whose length
 * is octet 1 (taken from the data), bit 1 a message_state TLV (octet 2),
 * bit 2 data_coding UCS-2, bits 3..4 the esm_class type bits.
 */
static void
fuzz_dlr(const uint8_t *data, size_t size)
{
	static const uint8_t esm[] = { 0x04, 0x44, 0x00, 0x08 };
	static struct smpp_pdu pdu;
	enum sms_dlr_state st;
	char id[65], canon[68];	/* "s:" + 64 + NUL */
	size_t off = 3, n;
	uint8_t flags;
	int r;

	id[0] = '\0';
	memset(&pdu, 0, sizeof(pdu));
	pdu.command_id = SMPP_DELIVER_SM;
	if (size < 3) {
		n = size < sizeof(pdu.sm) ? size : sizeof(pdu.sm);
		memcpy(pdu.sm, data, n);
		pdu.sm_len = (uint16_t)n;
		pdu.esm_class = 0x04;
	} else {
		flags = data[0];
		pdu.esm_class = esm[(flags >> 3) & 0x03];
		if (flags & 0x04)
			pdu.data_coding = GSM_DC_UCS2;
		if (flags & 0x01) {
			n = data[1];
			if (n > size - off)
				n = size - off;
			(void)smpp_pdu_tlv_add(&pdu,
			    SMPP_TLV_RECEIPTED_MESSAGE_ID, data + off,
			    (uint16_t)n);
			off += n;
		}
		if (flags & 0x02)
			(void)smpp_pdu_tlv_add(&pdu, SMPP_TLV_MESSAGE_STATE,
			    data + 2, 1);
		n = size - off;
		if (n > sizeof(pdu.sm))
			n = sizeof(pdu.sm);
		memcpy(pdu.sm, data + off, n);
		pdu.sm_len = (uint16_t)n;
	}

	r = sms_parse_dlr(&pdu, id, sizeof(id), &st);
	if (r < -1 || r > 1)
		abort();
	if ((pdu.esm_class & 0x3C) != 0x04 && r != 0)
		abort();
	if (r == 1) {
		n = strlen(id);
		if (n == 0 || n > 64)
			abort();
		if (strcmp(sms_dlr_state_str(st), "") == 0)
			abort();
		if (sms_msgid_canon(id, 0, canon, sizeof(canon)) != 0 ||
		    sms_msgid_canon(id, 1, canon, sizeof(canon)) != 0 ||
		    strlen(canon) > n + 2)
			abort();
	}
	if (r == -1 && id[0] != '\0')
		abort();
	/* a short id buffer never overflows */
	(void)sms_parse_dlr(&pdu, id, (size_t)(size % 8) + 1, &st);
	if (strlen(id) > size % 8)
		abort();
}

static void
fuzz_split(const char *s, enum gsm_charset cs)
{
	static struct sms_segment seg[SMS_MAX_SEGMENTS];
	static char joined[SMS_MAX_SEGMENTS * 480 + 1], want[8192];
	char part[481];
	size_t skip, used = 0;
	int n, i;

	n = sms_split(s, cs, 0x5A, seg, SMS_MAX_SEGMENTS);
	if (n == -1)
		return;
	if (n < 1 || n > SMS_MAX_SEGMENTS)
		abort();
	for (i = 0; i < n; i++) {
		if (seg[i].len > SMS_SEGMENT_MAX)
			abort();
		if (seg[i].data_coding != seg[0].data_coding)
			abort();
		skip = 0;
		if (n > 1) {
			if (seg[i].esm_class != 0x40 || seg[i].len < 6 ||
			    seg[i].body[0] != 5 || seg[i].body[1] != 0 ||
			    seg[i].body[2] != 3 || seg[i].body[3] != 0x5A ||
			    seg[i].body[4] != n || seg[i].body[5] != i + 1)
				abort();
			skip = 6;
		} else if (seg[i].esm_class != 0)
			abort();
		if (seg[i].data_coding == GSM_DC_UCS2 &&
		    (seg[i].len - skip) % 2 != 0)
			abort();
		/* never ends inside an escape pair */
		if (seg[i].data_coding == GSM_DC_DEFAULT &&
		    cs == GSM_CHARSET_GSM7 && seg[i].len > skip &&
		    seg[i].body[seg[i].len - 1] == 0x1B)
			abort();
		if (gsm_decode(seg[i].data_coding, cs, seg[i].body + skip,
		    seg[i].len - skip, part, sizeof(part)) != 0)
			abort();
		memcpy(joined + used, part, strlen(part));
		used += strlen(part);
	}
	joined[used] = '\0';
	if (seg[0].data_coding == GSM_DC_UCS2)
		bmp_only(s, want);
	else
		strcpy(want, s);
	if (strcmp(joined, want) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > 4096)
		return 0;
	fuzz_dlr(data, size);

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_split(s, GSM_CHARSET_GSM7);
	fuzz_split(s, GSM_CHARSET_LATIN1);
	free(s);
	return 0;
}
