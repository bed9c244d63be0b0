/*
 * dialect: a USSD-over-SMPP dialect as data (DESIGN.md §3). A profile says
 * which field keys the session, how begin / continue / abort are read from
 * an MO, how continue / end are written on a screen, which TLVs are echoed,
 * submit_sm or data_sm, where the dialled string sits and how data_coding
 * maps to GSM 7-bit or UCS-2. dialect_decode turns one deliver_sm/data_sm
 * into one event; dialect_screen builds the PDU of one screen. Pure: no
 * I/O, no clock, no allocation.
 */
#ifndef TNSGW_DIALECT_H
#define TNSGW_DIALECT_H

#include <stddef.h>
#include <stdint.h>

#include "gsm.h"
#include "smpp_pdu.h"
#include "sms.h"

#define DIALECT_NAME_MAX   32
#define DIALECT_CODES_MAX  8
#define DIALECT_ECHO_MAX   4
#define DIALECT_KEY_MAX    96	/* operator:msisdn[:session] */
#define DIALECT_TEXT_MAX   1024	/* decoded MO text, UTF-8 bytes */
#define DIALECT_MSGID_MAX  72

/* What identifies one USSD session besides the operator and the MSISDN. */
enum dialect_key {
	DIALECT_KEY_AUTO = 0,	/* its_session_info's session number, else
				 * user_message_reference, when present */
	DIALECT_KEY_ITS,	/* its_session_info's session number (octet 1) */
	DIALECT_KEY_UMR,	/* user_message_reference (2 octets) */
	DIALECT_KEY_MSISDN,	/* nothing: one dialog per caller and service code */
};

/* How a USSD MO's operation is told when the operation TLV is absent. */
enum dialect_begin {
	DIALECT_BEGIN_OP = 0,	/* from the operation TLV only (absent: SMS) */
	DIALECT_BEGIN_ITS_SEQ,	/* its_session_info sequence number 0 = begin */
	DIALECT_BEGIN_DIAL,	/* a dial string (*...# or #...#) = begin */
};

enum dialect_cmd {
	DIALECT_CMD_SUBMIT_SM = 0,
	DIALECT_CMD_DATA_SM,
};

/* Where the caller's dialled string sits on a begin. */
enum dialect_dial {
	DIALECT_DIAL_TEXT = 0,	/* short_message (or message_payload) */
	DIALECT_DIAL_DEST,	/* destination_addr (the text may be empty) */
};

struct dialect_codes {
	int	n;
	uint8_t	v[DIALECT_CODES_MAX];
};

struct dialect {
	char			name[DIALECT_NAME_MAX];
	enum dialect_key	key;
	enum dialect_begin	begin;
	/* The operation TLV (0x0501 ussd_service_op), 0 for none. Its
	 * value is one octet, read as bytes (never as decimal text). */
	uint16_t		op_tag;
	struct dialect_codes	op_begin;	/* in: caller dialled */
	struct dialect_codes	op_continue;	/* in: caller answered */
	struct dialect_codes	op_abort;	/* in: caller or network ended */
	int			out_op;		/* write op_tag on screens */
	uint8_t			op_out_continue; /* out: screen waits for input */
	uint8_t			op_out_end;	/* out: last screen */
	/* its_session_info: bit 0 of its second octet ends the session, in
	 * both directions (an MO with it set is an abort). */
	int			its_end_bit;
	uint16_t		echo[DIALECT_ECHO_MAX];	/* TLVs copied back */
	int			necho;
	enum dialect_cmd	cmd;
	enum dialect_dial	dial;
	/* Without an operation TLV, a PDU is USSD when its service_type is
	 * this ("" = every MO of the bind is USSD). Written on screens when
	 * set. */
	char			service_type[6];
	/* data_coding: values read as GSM 7-bit / UCS-2 besides the SMPP
	 * ones gsm_decode knows; -1 or the value to write on a screen. */
	struct dialect_codes	dcs_gsm7, dcs_ucs2;
	int			out_dcs_gsm7, out_dcs_ucs2;
};

enum dialect_ev {
	DIALECT_EV_IGNORE = 0,	/* nothing to do; why says what it was */
	DIALECT_EV_RECEIPT,	/* a delivery receipt */
	DIALECT_EV_SMS,		/* a plain SMS (the SMS channel) */
	DIALECT_EV_BEGIN,	/* a USSD session starts (text: the dial string) */
	DIALECT_EV_CONTINUE,	/* the caller answered a screen */
	DIALECT_EV_ABORT,	/* the caller or the network ended the session */
};

struct dialect_event {
	enum dialect_ev		kind;
	const char		*why;		/* IGNORE: a static reason */
	char			msisdn[21];	/* source_addr */
	uint8_t			ton, npi;
	char			service_addr[21];	/* destination_addr */
	char			key[DIALECT_KEY_MAX];	/* session key */
	char			text[DIALECT_TEXT_MAX];	/* UTF-8 */
	int			text_cut;	/* the text did not fit */
	int			op;		/* the operation octet, -1 when none */
	int			necho;
	struct smpp_tlv		echo[DIALECT_ECHO_MAX];
	/* RECEIPT: the message id in canonical form (sms_msgid_canon),
	 * "" when the receipt has no usable id, and its state. */
	char			msgid[DIALECT_MSGID_MAX];
	enum sms_dlr_state	dlr_state;
};

/* Built-in profiles: "ussd_service_op", "its_session_info",
 * "its_session_info_only" (without ussd_service_op on the wire),
 * "user_message_reference", "msisdn". NULL for another name. */
const struct dialect *dialect_builtin(const char *name);
/* The built-in names, NULL-terminated (for "did you mean" and docs). */
extern const char *const dialect_builtin_names[];

/* A profile with the defaults of "ussd_service_op", named name: the
 * start of a profile read from the config. */
void dialect_init(struct dialect *d, const char *name);

/*
 * Is the profile coherent? 0, or -1 with err naming the field ("op_abort:
 * 0x12 is also a continue code"): an operation code in two lists, the same
 * code out for continue and end, a key that needs a TLV the profile does
 * not echo, a begin rule that cannot work with the key, ...
 */
int dialect_check(const struct dialect *d, char *err, size_t errsz);

/*
 * One deliver_sm or data_sm into one event. operator names the bind (the
 * key starts with it), service_code is ussd.service_code (the "msisdn"
 * key uses it), charset the bind's meaning of data_coding 0, dlr_hex
 * whether the bind's message ids are hex (dlr_id). Never fails: what it
 * cannot use is an IGNORE with a reason.
 */
void dialect_decode(const struct dialect *d, const struct smpp_pdu *p,
    const char *operator, const char *service_code, enum gsm_charset charset,
    int dlr_hex, struct dialect_event *ev);

/* What the gateway needs to answer one MO with a screen. */
struct dialect_screen {
	const char		*from;		/* source_addr */
	const char		*to;		/* destination_addr (the caller) */
	uint8_t			 to_ton, to_npi;
	const struct smpp_tlv	*echo;		/* from the event */
	int			 necho;
	const char		*text;		/* UTF-8 */
	int			 end;		/* last screen */
};

/*
 * Build the screen's PDU (submit_sm or data_sm, no sequence): addresses,
 * the text encoded for the bind (gsm_encode, then the profile's
 * data_coding), the operation TLV, the echoed TLVs with its_session_info's
 * end bit set on the last screen and cleared otherwise. 0, or -1 with err
 * (text does not encode or does not fit).
 */
int dialect_screen(const struct dialect *d, const struct dialect_screen *s,
    enum gsm_charset charset, struct smpp_pdu *out, char *err, size_t errsz);

const char *dialect_ev_str(enum dialect_ev e);

#endif
