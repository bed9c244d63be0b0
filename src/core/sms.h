/*
 * sms: plain SMS on the SMPP wire — splitting a UTF-8 text into submit_sm
 * segments (GSM 7-bit when every character fits, else UCS-2; concatenated
 * with an 8-bit-reference UDH, esm_class 0x40, when it does not fit one
 * message), and reading delivery receipts (esm_class 0x04: the
 * receipted_message_id TLV first, the "id:... stat:..." text second).
 * Pure: no I/O.
 */
#ifndef TNSGW_SMS_H
#define TNSGW_SMS_H

#include <stddef.h>
#include <stdint.h>

#include "gsm.h"
#include "smpp_pdu.h"

#define SMS_MAX_SEGMENTS  8
#define SMS_SEGMENT_MAX   160	/* octets of short_message, UDH included */

struct sms_segment {
	uint8_t  data_coding;
	uint8_t  esm_class;		/* 0x40 when a UDH leads the body */
	uint16_t len;
	uint8_t  body[SMS_SEGMENT_MAX];	/* UDH + text octets (GSM unpacked septets or UCS-2) */
};

/*
 * Split text for one SMS: 1 segment when it fits 160 GSM septets / 70 UCS-2
 * characters, else segments of 153 septets / 67 characters (never cutting a
 * GSM escape pair or a UTF-16 surrogate pair) with UDH 05 00 03 ref n i.
 * charset is the bind's meaning of data_coding 0. Returns the number of
 * segments, or -1 (bad UTF-8, more than maxseg segments).
 */
int sms_split(const char *utf8, enum gsm_charset charset, uint8_t ref,
    struct sms_segment *seg, int maxseg);

/*
 * Does text go out whole on any bind: under maxbytes bytes, and split by
 * sms_split in at most maxseg segments with the GSM7 charset and with the
 * LATIN1 one (where GSM text past U+00FF goes as UCS-2)? 1 or 0. Same
 * answer as the two sms_split calls, without writing a segment.
 */
int sms_fits(const char *utf8, size_t maxbytes, int maxseg);
/* The same for the len bytes of utf8 whose measure is m (gsm_measure's,
 * or its pieces' added up): the text is read again only when it is long
 * enough for the escape pairs at the cuts to matter. */
int sms_fits_measure(const char *utf8, size_t len,
    const struct gsm_measure *m, size_t maxbytes, int maxseg);

enum sms_dlr_state {
	SMS_DLR_UNKNOWN = 0,
	SMS_DLR_DELIVERED,	/* DELIVRD / message_state 2 */
	SMS_DLR_EXPIRED,	/* EXPIRED / 3 */
	SMS_DLR_DELETED,	/* DELETED / 4 */
	SMS_DLR_UNDELIVERABLE,	/* UNDELIV / 5 */
	SMS_DLR_ACCEPTED,	/* ACCEPTD / 6 */
	SMS_DLR_REJECTED,	/* REJECTD / 8 */
	SMS_DLR_ENROUTE,	/* ENROUTE / 1 */
};
/* "delivered", "expired", ... "unknown" */
const char *sms_dlr_state_str(enum sms_dlr_state s);

/*
 * Is this deliver_sm/data_sm a delivery receipt (esm_class bits 2..5 ==
 * 0x04)? When it is, fill msgid (receipted_message_id TLV, else the text's
 * "id:" field) and state (message_state TLV, else the text's "stat:"), and
 * return 1; return 0 when it is not a receipt, -1 when it is one without a
 * usable id.
 */
int sms_parse_dlr(const struct smpp_pdu *pdu, char *msgid, size_t msgidsz,
    enum sms_dlr_state *state);

/*
 * Canonical form of a message id so that the submit_sm_resp's id and the
 * receipt's id compare equal: ids made only of digits (when in_hex is 0)
 * or only of hex digits (in_hex 1) and that fit 64 bits are written as
 * lower-case hex without leading zeros; anything else is "s:" followed by
 * the id lower-cased (so text never equals a number's form); "" stays "".
 * 0 or -1 (out too small).
 */
int sms_msgid_canon(const char *id, int in_hex, char *out, size_t outsz);

#endif
