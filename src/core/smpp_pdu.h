/*
 * smpp_pdu: SMPP 3.4 PDUs <-> our own plain struct, through libsmpp34 (the
 * only file that includes it), behind our own checks: the 16-byte header is
 * read and validated first, the TLV area is pre-scanned (count and lengths
 * bounded) before the library sees the body, libsmpp34's structs are
 * zeroed before unpack and destroy_tlv() runs on every path. Our own
 * struct smpp_pdu is cleared field by field (smpp_pdu_clear), its sm and
 * tlv[] storage bounded by sm_len and ntlv. Pure: no I/O, no clock.
 */
#ifndef TNSGW_SMPP_PDU_H
#define TNSGW_SMPP_PDU_H

#include <stddef.h>
#include <stdint.h>

#define SMPP_HEADER_LEN     16
#define SMPP_MAX_PDU        65536	/* default command_length cap */
#define SMPP_MAX_TLVS       16
#define SMPP_TLV_VAL_MAX    255
#define SMPP_SM_MAX         255	/* short_message octets */
#define SMPP_PAYLOAD_MAX    1024	/* message_payload octets we accept */
#define SMPP_TIME_SIZE      17	/* "YYMMDDhhmmsstnnp" + NUL (SMPP 3.4 §7.1.1) */

/* Command ids (values from SMPP 3.4 §5.1.2.1). */
#define SMPP_GENERIC_NACK          0x80000000u
#define SMPP_BIND_RECEIVER         0x00000001u
#define SMPP_BIND_TRANSMITTER      0x00000002u
#define SMPP_SUBMIT_SM             0x00000004u
#define SMPP_DELIVER_SM            0x00000005u
#define SMPP_UNBIND                0x00000006u
#define SMPP_BIND_TRANSCEIVER      0x00000009u
#define SMPP_ENQUIRE_LINK          0x00000015u
#define SMPP_DATA_SM               0x00000103u
#define SMPP_RESP_BIT              0x80000000u

/* command_status values we use. */
#define SMPP_ESME_ROK              0x00000000u
#define SMPP_ESME_RINVMSGLEN       0x00000001u
#define SMPP_ESME_RINVCMDLEN       0x00000002u
#define SMPP_ESME_RINVCMDID        0x00000003u
#define SMPP_ESME_RINVBNDSTS       0x00000004u
#define SMPP_ESME_RSYSERR          0x00000008u
#define SMPP_ESME_RBINDFAIL        0x0000000Du
#define SMPP_ESME_RINVPASWD        0x0000000Eu
#define SMPP_ESME_RINVSYSID        0x0000000Fu
#define SMPP_ESME_RMSGQFUL         0x00000014u
#define SMPP_ESME_RTHROTTLED       0x00000058u
#define SMPP_ESME_RX_T_APPN        0x00000064u	/* temporary app error */
#define SMPP_ESME_RX_P_APPN        0x00000065u	/* permanent app error: not retried */
#define SMPP_ESME_RUNKNOWNERR      0x000000FFu
#define SMPP_ESME_RINVTLVSTREAM    0x000000C0u
#define SMPP_ESME_RINVOPTPARSTREAM 0x000000C0u

/* TLV tags we know by name. */
#define SMPP_TLV_USER_MESSAGE_REFERENCE 0x0204
#define SMPP_TLV_RECEIPTED_MESSAGE_ID   0x001E
#define SMPP_TLV_MESSAGE_STATE          0x0427
#define SMPP_TLV_USSD_SERVICE_OP        0x0501
#define SMPP_TLV_ITS_SESSION_INFO       0x1383
#define SMPP_TLV_MESSAGE_PAYLOAD        0x0424

/* ussd_service_op values (SMPP 3.4 §5.3.2.44 and the de-facto USSD use). */
#define SMPP_USSD_PSSR_IND   0x01	/* in: caller dialled */
#define SMPP_USSD_USSR_REQ   0x02	/* out: a screen that waits for input */
#define SMPP_USSD_PSSR_RESP  0x11	/* out: the last screen */
#define SMPP_USSD_USSR_CONF  0x12	/* in: caller answered */
#define SMPP_USSD_ABORT      0x81	/* in: caller or network ended it */
#define SMPP_TLV_SAR_MSG_REF_NUM        0x020C
#define SMPP_TLV_SAR_TOTAL_SEGMENTS     0x020E
#define SMPP_TLV_SAR_SEGMENT_SEQNUM     0x020F

struct smpp_tlv {
	uint16_t tag;
	uint16_t len;
	uint8_t  val[SMPP_TLV_VAL_MAX];
};

/*
 * One PDU. Only the fields of its command_id are meaningful. C strings are
 * NUL-terminated and bounded by SMPP 3.4's sizes. For deliver_sm / data_sm
 * the message_payload TLV (when present) is moved to sm/sm_len (up to
 * SMPP_PAYLOAD_MAX) and not kept in tlv[]. Only sm[0..sm_len) and
 * tlv[0..ntlv) (each val[0..len)) are meaningful: the octets past them
 * are whatever an earlier use left (smpp_pdu_clear does not zero them).
 */
struct smpp_pdu {
	uint32_t command_length;
	uint32_t command_id;
	uint32_t command_status;
	uint32_t sequence;

	/* bind_* */
	char     system_id[16];
	char     password[9];
	char     system_type[13];
	uint8_t  interface_version;
	uint8_t  addr_ton, addr_npi;
	char     address_range[41];

	/* submit_sm, deliver_sm, data_sm */
	char     service_type[6];
	uint8_t  source_addr_ton, source_addr_npi;
	char     source_addr[21];
	uint8_t  dest_addr_ton, dest_addr_npi;
	char     destination_addr[21];
	uint8_t  esm_class, protocol_id, priority_flag;
	uint8_t  registered_delivery, data_coding;
	/* submit_sm, deliver_sm: "" or SMPP 3.4 §7.1.1 time, absolute
	 * ("YYMMDDhhmmsstnn+" / "-") or relative ("YYMMDDhhmmss000R") */
	char     schedule_delivery_time[SMPP_TIME_SIZE];
	char     validity_period[SMPP_TIME_SIZE];
	uint16_t sm_len;
	uint8_t  sm[SMPP_PAYLOAD_MAX];

	/* *_resp */
	char     message_id[65];

	int      ntlv;
	struct smpp_tlv tlv[SMPP_MAX_TLVS];
};

enum smpp_decode {
	SMPP_DECODE_OK = 0,
	SMPP_DECODE_BAD_BODY,	/* header fine, body rejected: answer with a nack/_resp error */
	SMPP_DECODE_UNKNOWN,	/* header fine, command id we do not handle: generic_nack */
};

/*
 * Start pdu afresh: every field zero ("" for strings, sm_len and ntlv 0)
 * but the sm and tlv[] storage, which sm_len and ntlv bound (a full
 * memset is ~5 KB per PDU). What decode does first; a PDU built to be
 * encoded starts with it too.
 */
void smpp_pdu_clear(struct smpp_pdu *pdu);

/*
 * Frame check on the first 16 bytes (or fewer: need more). Returns the
 * command_length (16..max_pdu) when a whole header is present and valid,
 * 0 when fewer than 16 bytes are available, -1 when command_length is out
 * of bounds (the caller closes the session).
 */
long smpp_pdu_frame(const uint8_t *buf, size_t avail, uint32_t max_pdu);

/*
 * The esm_class of a whole deliver_sm or data_sm (len octets, framed)
 * without decoding it: a bounded walk over its three leading C strings.
 * -1 when it is not one of those or is too short to tell.
 */
int smpp_pdu_peek_esm_class(const uint8_t *buf, size_t len);

/*
 * Decode one whole PDU (exactly command_length bytes, already framed).
 * The header fields (command_id, status, sequence) are filled in every
 * case so a failed decode can still be answered and correlated. err gets a
 * short reason on failure (no message bodies).
 */
enum smpp_decode smpp_pdu_decode(const uint8_t *buf, size_t len,
    struct smpp_pdu *pdu, char *err, size_t errsz);
/*
 * The same, with every mandatory part libsmpp34 handles (binds and the SM
 * family) unpacked by libsmpp34: the reference smpp_pdu_decode (which
 * reads the SM family itself) is compared with by the fuzz target and the
 * unit tests. Not for the hot path (a log line per field inside).
 */
enum smpp_decode smpp_pdu_decode_ref(const uint8_t *buf, size_t len,
    struct smpp_pdu *pdu, char *err, size_t errsz);

/*
 * Encode pdu (command_id, sequence, fields, tlvs) into buf. sm_len > 254
 * for submit_sm/deliver_sm goes in message_payload instead of short_message.
 * Returns the length written, or -1 (err says why).
 */
long smpp_pdu_encode(const struct smpp_pdu *pdu, uint8_t *buf, size_t bufsz,
    char *err, size_t errsz);
/* The same with libsmpp34 packing every mandatory part it can (binds and
 * the SM family): the reference smpp_pdu_encode (which writes the SM
 * family itself) must match byte for byte. Not for the hot path. */
long smpp_pdu_encode_ref(const struct smpp_pdu *pdu, uint8_t *buf,
    size_t bufsz, char *err, size_t errsz);

/*
 * SMPP 3.4 §7.1.1 time fields: 0 when s is "" or a well-formed 16-char
 * time (absolute: month, day, hour, minute, second and the UTC offset in
 * quarter hours within range, p '+'/'-'; relative: 15 digits and 'R'),
 * -1 otherwise.
 */
int smpp_pdu_time_check(const char *s);

/*
 * A relative time of secs seconds (at least 1; over 99 days is capped) as
 * "0000DDhhmmss000R" in out (SMPP_TIME_SIZE octets or more). 0 or -1.
 */
int smpp_pdu_time_relative(long long secs, char *out, size_t outsz);

/* TLV helpers on struct smpp_pdu. get returns the TLV or NULL; add
 * returns 0 or -1 (full / too long). */
const struct smpp_tlv *smpp_pdu_tlv_get(const struct smpp_pdu *pdu, uint16_t tag);
int smpp_pdu_tlv_add(struct smpp_pdu *pdu, uint16_t tag, const void *val, uint16_t len);

/* "submit_sm", "deliver_sm_resp", ... or "0x%08x" in a static buffer. */
const char *smpp_pdu_command_str(uint32_t command_id);
/* "ESME_ROK", "ESME_RTHROTTLED" ... or "0x%08x". */
const char *smpp_pdu_status_str(uint32_t status);

/*
 * Trace line for a decoded PDU: command, seq, status, addresses masked,
 * TLVs in hex, message bodies replaced by their length. For bind.trace.
 */
void smpp_pdu_trace(const struct smpp_pdu *pdu, char *out, size_t outsz);

#endif
