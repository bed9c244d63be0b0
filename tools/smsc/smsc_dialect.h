/*
 * smsc_dialect: the SMSC simulator's side of the USSD dialects (DESIGN.md
 * §3) — the fields an MO carries in each dialect, a screen read in the
 * dialect's terms (USSD or plain SMS, waits for input or ends) with the
 * session TLVs the gateway echoed checked against the caller's session,
 * and the book of what the simulator remembers per caller (its session,
 * a screen it refused with --throttle-screens). Written apart from the
 * daemon's dialect module (only the SMPP constants are shared), so the
 * two cannot share a bug. Pure: no I/O, no clock.
 */
#ifndef TNSGW_SMSC_DIALECT_H
#define TNSGW_SMSC_DIALECT_H

#include <stddef.h>
#include <stdint.h>

#include "smpp_pdu.h"

#define SMSC_DIALECT_WHY_MAX  160	/* bytes of a mismatch's reason */

enum smsc_dialect {
	/* ussd_service_op only: the session is the caller's MSISDN. */
	SMSC_DIALECT_USSD_SERVICE_OP = 0,
	/* ussd_service_op and its_session_info (0x1383: session number,
	 * then sequence << 1 | end bit). */
	SMSC_DIALECT_ITS,
	/* its_session_info without ussd_service_op: sequence 0 begins, the
	 * end bit on an MO aborts, on a screen ends the session. */
	SMSC_DIALECT_ITS_ONLY,
	/* ussd_service_op and user_message_reference (0x0204, 2 octets). */
	SMSC_DIALECT_UMR,
	/* ussd_service_op only, and no session TLV may come back. */
	SMSC_DIALECT_MSISDN,
};

/* The daemon's built-in names: "ussd_service_op", "its_session_info",
 * "its_session_info_only", "user_message_reference", "msisdn". 0, or -1
 * for another name. */
int smsc_dialect_parse(const char *name, enum smsc_dialect *out);
const char *smsc_dialect_str(enum smsc_dialect d);

/* One caller as the simulator knows it. */
struct smsc_dialect_sess {
	uint32_t seed;		/* from the MSISDN: callers' numbers differ */
	uint32_t begins;	/* sessions begun so far */
	int      begun;		/* its / umr below are the current session's */
	uint8_t  its;		/* its_session_info session number */
	uint8_t  seq;		/* the sequence of the caller's last MO */
	uint16_t umr;		/* user_message_reference */
	int      throttled;	/* --throttle-screens: a screen was refused ... */
	uint64_t throttled_hash;	/* ... and this was its text */
};

/* A new caller: no session yet; seed from the MSISDN. */
void smsc_dialect_sess_init(struct smsc_dialect_sess *s, const char *msisdn);

/*
 * The dialect's fields on an MO from this caller: op is the
 * ussd_service_op meaning (SMPP_USSD_PSSR_IND begin, SMPP_USSD_USSR_CONF
 * continue, SMPP_USSD_ABORT abort), -1 for a plain SMS (no field at all).
 * A begin starts a new session (a new its session number or
 * user_message_reference), a continue or abort counts the its sequence up;
 * an abort sets the end bit. In its_session_info_only no ussd_service_op
 * goes out. Adds TLVs to p (which has room: at most two) and updates s.
 * 0, or -1 when p has no room.
 */
int smsc_dialect_mo(enum smsc_dialect d, struct smsc_dialect_sess *s, int op,
    struct smpp_pdu *p);

/* A submit_sm / data_sm from the gateway, read in the dialect's terms. */
struct smsc_dialect_read {
	int  screen;	/* 1: a USSD screen (it carries ussd_service_op or
			 * its_session_info), 0: a plain SMS */
	int  op;	/* the ussd_service_op octet, -1 when absent */
	int  ends;	/* screen: the last one (ussd_service_op 0x11, else the
			 * its_session_info end bit); 0: waits for input */
	int  bad;	/* screen: the echo is wrong, why says how */
	char why[SMSC_DIALECT_WHY_MAX];
};

/*
 * Read p, a submit_sm or data_sm to a caller whose session is s (NULL:
 * the simulator knows none). A screen's echo must be the dialect's:
 * its_session_info with the caller's current session number (its
 * dialects), user_message_reference equal to the caller's current one
 * (user_message_reference), no session TLV the MO did not carry (so none
 * at all in ussd_service_op and msisdn), the its end bit agreeing with
 * ussd_service_op 0x02 / 0x11, no ussd_service_op in
 * its_session_info_only. A wrong or missing echo sets bad and why.
 */
void smsc_dialect_read(enum smsc_dialect d, const struct smpp_pdu *p,
    const struct smsc_dialect_sess *s, struct smsc_dialect_read *out);

/* The ussd_service_op a mode sees for a screen read: its own when it
 * carries one, else 0x11 (ends) or 0x02 (waits); -1 for an SMS. */
int smsc_dialect_op(const struct smsc_dialect_read *r);

/*
 * --throttle-screens: the first submit of each screen is refused, the same
 * text sent again to the same caller is taken. Returns 1: refuse this one
 * (remembered); 0: take it, it is the one refused before (forgotten).
 */
int smsc_dialect_throttle(struct smsc_dialect_sess *s, const char *text);

/*
 * The callers, by MSISDN (an open-addressing table that grows). get
 * returns the caller's entry, created (smsc_dialect_sess_init) when create
 * is set, NULL when absent or out of memory. Entries stay valid until the
 * next get with create (which may move them).
 */
struct smsc_dialect_book;

struct smsc_dialect_book *smsc_dialect_book_new(void);	/* NULL: no memory */
void smsc_dialect_book_free(struct smsc_dialect_book *b);	/* NULL ok */
struct smsc_dialect_sess *smsc_dialect_book_get(struct smsc_dialect_book *b,
    const char *msisdn, int create);
size_t smsc_dialect_book_count(const struct smsc_dialect_book *b);

#endif
