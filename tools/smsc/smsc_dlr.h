/*
 * smsc_dlr: delivery receipts as the SMSC simulator writes them — the
 * message_id of a submit_sm_resp (decimal, or hex like many real SMSCs)
 * and the deliver_sm receipt (esm_class 0x04) that settles that message:
 * the SMPP 3.4 appendix B text, or the receipted_message_id and
 * message_state TLVs. Pure: no I/O, no clock (times are parameters).
 */
#ifndef TNSGW_SMSC_DLR_H
#define TNSGW_SMSC_DLR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "smpp_pdu.h"

#define SMSC_DLR_ESM_CLASS  0x04	/* SMSC delivery receipt */
#define SMSC_DLR_TEXT_CHARS 20		/* "text:" echoes this many characters */
#define SMSC_DLR_STAT_MAX   7		/* "DELIVRD", "UNDELIV" ... */

enum smsc_dlr_mode {
	SMSC_DLR_NONE = 0,	/* no receipts */
	SMSC_DLR_TEXT,		/* decimal ids; appendix B text, no TLV */
	SMSC_DLR_TLV,		/* decimal ids; receipted_message_id + message_state, no text */
	SMSC_DLR_HEX,		/* hex ids in the submit_sm_resp, decimal in the text */
};

/* "none", "text", "tlv", "hex" -> mode: 0, or -1 (unknown word). */
int smsc_dlr_mode_parse(const char *s, enum smsc_dlr_mode *mode);
/* The mode's word, "none" for anything unknown. */
const char *smsc_dlr_strmode(enum smsc_dlr_mode mode);

/*
 * The appendix B stat word (upper case: DELIVRD, EXPIRED, DELETED,
 * UNDELIV, ACCEPTD, UNKNOWN, REJECTD, ENROUTE) as its message_state
 * value (SMPP 3.4 §5.2.28: 1..8), or -1 for any other word.
 */
int smsc_dlr_stat_state(const char *stat);

/*
 * The message_id a submit_sm_resp carries for the simulator's message
 * number n: decimal ("6703"), or lower-case hex without leading zeros
 * ("1a2f") in SMSC_DLR_HEX. 0, or -1 when out is too small.
 */
int smsc_dlr_msgid(enum smsc_dlr_mode mode, uint64_t n, char *out,
    size_t outsz);

/* One receipt to write: what the simulator remembers of the message. */
struct smsc_dlr {
	enum smsc_dlr_mode  mode;	/* TEXT, TLV or HEX */
	uint64_t            n;		/* the message's number (its id) */
	const char         *stat;	/* a word smsc_dlr_stat_state knows */
	const char         *phone;	/* the message's destination_addr */
	uint8_t             phone_ton, phone_npi;
	const char         *esme;	/* the message's source_addr ("" ok) */
	const char         *text;	/* its text, UTF-8 (may be NULL) */
	time_t              submitted, done;	/* UTC "submit date", "done date" */
};

/*
 * The appendix B text, "id:<n in decimal> sub:001 dlvrd:001 submit
 * date:YYMMDDhhmm done date:YYMMDDhhmm stat:DELIVRD err:000 text:...":
 * dlvrd is 001 and err 000 for DELIVRD, 000 and 001 for any other stat;
 * text: carries the first SMSC_DLR_TEXT_CHARS characters of the message,
 * each character outside printable ASCII (and those GSM 03.38 codes
 * differently: @ $ _ [ ] { } \ ^ ~ | `) as '.'. Returns the length, or
 * -1 (out too small, unknown stat).
 */
int smsc_dlr_text(const struct smsc_dlr *d, char *out, size_t outsz);

/*
 * Fill pdu (zeroed first) as the deliver_sm receipt of d: from the phone
 * to the ESME's address, esm_class 0x04, data_coding 0; SMSC_DLR_TEXT and
 * SMSC_DLR_HEX put the text in short_message, SMSC_DLR_TLV puts the
 * message_id (the submit_sm_resp's, C-octet string with its NUL) in
 * receipted_message_id and the state in message_state, and no text.
 * The sequence number is left 0. 0, or -1 (mode NONE, unknown stat).
 */
int smsc_dlr_build(const struct smsc_dlr *d, struct smpp_pdu *pdu);

#endif
