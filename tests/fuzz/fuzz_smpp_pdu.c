/*
 * fuzz_smpp_pdu: outside bytes through the whole decode path the client
 * runs (frame, decode), then encode + decode again of what decoded, which
 * must give the same header and fields. Differential too: where
 * libsmpp34's unpack (smpp_pdu_decode_ref) also takes a body, our own
 * reading of the SM family must give the very same struct.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "smpp_pdu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The same PDU: every field, and of sm and tlv[] what their lengths
 * bound (the storage past them is not part of the value). */
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct smpp_pdu a, b, r;
	static uint8_t out[SMPP_MAX_PDU];
	static int init;
	char err[128], line[1024];
	long len, n;
	enum smpp_decode rc;

	if (!init) {
		log_init(LOG_LVL_CRIT);
		init = 1;
	}
	len = smpp_pdu_frame(data, size, 4096);
	if (len <= 0 || (size_t)len > size)
		return 0;
	rc = smpp_pdu_decode(data, (size_t)len, &a, err, sizeof(err));
	smpp_pdu_trace(&a, line, sizeof(line));
	if (smpp_pdu_decode_ref(data, (size_t)len, &r, err, sizeof(err)) ==
	    SMPP_DECODE_OK && (rc != SMPP_DECODE_OK ||
	    !pdu_same(&a, &r)))
		abort();
	/* The peek (any bytes) never reads past len; on a good deliver_sm
	 * or data_sm it agrees with the decoder. */
	{
		int esm = smpp_pdu_peek_esm_class(data, (size_t)len);

		if (rc == SMPP_DECODE_OK && (a.command_id == SMPP_DELIVER_SM ||
		    a.command_id == SMPP_DATA_SM) && esm != a.esm_class)
			abort();
	}
	if (rc != SMPP_DECODE_OK)
		return 0;
	n = smpp_pdu_encode(&a, out, sizeof(out), err, sizeof(err));
	{
		/* Where libsmpp34 packs it too, the very same bytes. */
		static uint8_t ref[SMPP_MAX_PDU];
		long m = smpp_pdu_encode_ref(&a, ref, sizeof(ref), err,
		    sizeof(err));

		if (m >= 0 && (m != n || memcmp(ref, out, (size_t)m) != 0))
			abort();
	}
	if (n < 0)
		return 0;	/* a value our writer refuses */
	if (smpp_pdu_decode(out, (size_t)n, &b, err, sizeof(err)) != SMPP_DECODE_OK)
		abort();
	if (a.command_id != b.command_id || a.sequence != b.sequence ||
	    a.command_status != b.command_status || a.sm_len != b.sm_len ||
	    memcmp(a.sm, b.sm, a.sm_len) != 0 || a.ntlv != b.ntlv ||
	    strcmp(a.source_addr, b.source_addr) != 0 ||
	    strcmp(a.destination_addr, b.destination_addr) != 0 ||
	    strcmp(a.system_id, b.system_id) != 0)
		abort();
	return 0;
}
