/*
 * smsc_server: the SMSC side of the simulator, shared by every mode — the
 * listener, the ESME sessions (framing, binds, enquire_link, unbind), the
 * messages the ESME submits (reassembled, logged, handed to the mode), the
 * MOs a mode sends, and the delivery receipts (smsc_dlr) owed for what was
 * submitted. One per process; the mode (smsc_run, smsc_phone,
 * smsc_callers; none for --serve) plugs in through struct smsc_server_hooks.
 */
#ifndef TNSGW_SMSC_SERVER_H
#define TNSGW_SMSC_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "smpp_pdu.h"
#include "smsc_dialect.h"
#include "smsc_dlr.h"
#include "smsc_script.h"

struct event_base;

#define SMSC_TEXT_MAX       8192	/* decoded message text, bytes */
#define SMSC_SYSTEM_ID      "tnsgw-smsc"
#define SMSC_SERVER_RESP_WAIT_S  60	/* a request unanswered this long is
					 * forgotten */

/* Exit statuses of the program. */
#define SMSC_EXIT_PASS      0
#define SMSC_EXIT_MISMATCH  1
#define SMSC_EXIT_ERROR     2

/* The options the server runs with; strings and the file stay the caller's. */
struct smsc_server_cfg {
	const char         *listen;	/* ADDR:PORT */
	const char         *system_id;	/* NULL: any */
	const char         *password;	/* NULL: any */
	int                 timeout_s;	/* -t: what smsc_server_deadline arms */
	int                 quiet;	/* -q: no message log */
	int                 verbose;	/* -v: log every PDU */
	int                 show;	/* log each message received in a box */
	FILE               *sms_log;	/* --sms-log: every SMS received, or NULL */
	int                 resp_delay_ms;	/* --resp-delay: SMS answered late */
	enum smsc_dlr_mode  dlr_mode;	/* --dlr */
	const char         *dlr_stat;	/* --dlr-stat */
	int                 dlr_delay_ms;	/* --dlr-delay */
	uint64_t            msgid_start;	/* --msgid-start: the first id, >= 1 */
	enum smsc_dialect   dialect;	/* --dialect: MOs written, screens read */
	int                 throttle_screens;	/* --throttle-screens */
	int                 mo_spread;		/* --mo-spread: MOs round-robin over the receivers */
	int                 mo_twice;		/* --mo-twice: each MO on every bound receiver */
};

/* One message the gateway sent (submit_sm / data_sm), reassembled. */
struct smsc_msg {
	char  to[SMSC_SCRIPT_ADDR_MAX + 1];
	int   op;		/* ussd_service_op, -1 for a plain SMS; a screen
			 * without one (its_session_info_only) reads 0x11
			 * when it ends, 0x02 when it waits for input */
	char *text;		/* UTF-8, owned */
};

/*
 * What the mode hears, from inside the server's libevent callbacks. Every
 * hook may be NULL; arg is passed back. lost and closed no longer fire
 * once smsc_server_finish has run.
 */
struct smsc_server_hooks {
	/* A session bound; ready: MOs can go now and be answered (a
	 * receiver or transceiver to send them on, and a transmitter or
	 * transceiver for the screens: smsc_server_ready). */
	void	(*bound)(void *arg, int ready);
	/* The session MOs went out on closed and no other can take them. */
	void	(*lost)(void *arg);
	/* Connection conn_id closed (after lost when both fire). */
	void	(*closed)(void *arg, int conn_id);
	/* Every PDU from an ESME, decoded or not (the header is always
	 * there), before the server acts on it; ours: it answers one of the
	 * server's own requests (a deliver_sm, enquire_link, unbind). */
	void	(*pdu)(void *arg, int conn_id, const struct smpp_pdu *p,
		    int ours);
	/* A message the gateway sent, whole: return 1 to keep m (the hook
	 * then owns m->text), 0 and the server frees it on return. */
	int	(*message)(void *arg, struct smsc_msg *m);
	/* The response to an MO sent with a tag (smsc_server_send_mo_tag):
	 * command_id deliver_sm_resp or generic_nack, with its status, ms
	 * after the MO went. Fires at most once per MO; not for MOs whose
	 * session closed first or that waited over SMSC_SERVER_RESP_WAIT_S. */
	void	(*mo_resp)(void *arg, uint32_t tag, uint32_t aux,
		    uint32_t command_id, uint32_t status, long ms);
	/* The deadline armed by smsc_server_deadline passed; the server
	 * finishes with SMSC_EXIT_ERROR once this returns. */
	void	(*timeout)(void *arg);
	void	*arg;
};

/*
 * Listen on cfg->listen (cfg is copied). NULL with the reason on stderr
 * (not an address, cannot listen).
 */
struct smsc_server *smsc_server_new(struct event_base *base,
    const struct smsc_server_cfg *cfg);
/* Closes every session at once (no unbind), drops what is owed. NULL ok. */
void smsc_server_free(struct smsc_server *s);
void smsc_server_set_hooks(struct smsc_server *s,
    const struct smsc_server_hooks *h);
const struct smsc_server_cfg *smsc_server_cfg(const struct smsc_server *s);
struct event_base *smsc_server_base(const struct smsc_server *s);

/* Arm (on) or cancel (!on) the cfg->timeout_s deadline. */
void smsc_server_deadline(struct smsc_server *s, int on);

/*
 * A deliver_sm from msisdn to `to` on the rx session: op < 0 a plain SMS,
 * else a USSD MO whose operation is told as a ussd_service_op code
 * (SMPP_USSD_PSSR_IND, _USSR_CONF, _ABORT) and written in --dialect's
 * terms. The number of copies sent (1; with --mo-twice one per bound
 * receiver, the same deliver_sm on each), or -1 when no session is bound
 * or the text does not fit a short_message.
 */
int smsc_server_send_mo(struct smsc_server *s, const char *msisdn,
    const char *to, int op, const char *text);
/*
 * The same, remembered until its deliver_sm_resp: hooks.mo_resp then
 * gets tag (not 0) and aux back. The MO carries the --dialect's session
 * fields (smsc_dialect_mo); op SMPP_USSD_PSSR_IND starts a new session
 * for the caller.
 */
int smsc_server_send_mo_tag(struct smsc_server *s, const char *msisdn,
    const char *to, int op, const char *text, uint32_t tag, uint32_t aux);
/* MOs sent on the rx session that have no response yet. */
size_t smsc_server_mo_out(const struct smsc_server *s);
/* The id of the rx session, 0 when none is bound. */
int smsc_server_rx(const struct smsc_server *s);
/* 1 when MOs can go and be answered: an rx session is bound, and a
 * session that takes submit_sm (transmitter or transceiver). */
int smsc_server_ready(const struct smsc_server *s);
/* The id of a bound receiver/transceiver newer than after_id, or 0. */
int smsc_server_newer_rx(const struct smsc_server *s, int after_id);
/* Bytes as they are on connection conn_id: 0, or -1 (gone, write failed). */
int smsc_server_write(struct smsc_server *s, int conn_id, const void *buf,
    size_t len);

/*
 * The end with this exit status: receipts owed go out, every session is
 * unbound, the loop ends once they are closed or a second has passed.
 * Only the first call counts.
 */
void smsc_server_finish(struct smsc_server *s, int status);
/* Leave the loop now, nothing unbound, with this exit status. */
void smsc_server_quit(struct smsc_server *s, int status);
/* The exit status given; SMSC_EXIT_MISMATCH instead of SMSC_EXIT_PASS
 * when a screen's echo was wrong (smsc_dialect_read). */
int smsc_server_exit_status(const struct smsc_server *s);
/*
 * Once the loop is over: with --throttle-screens "throttle-screens:
 * throttled N, accepted after throttle N" on stdout; when screens had a
 * wrong echo, their count on stderr.
 */
void smsc_server_report(const struct smsc_server *s);

/* The text in a phone box (smsc_screen) on stdout, flushed. */
void smsc_server_show_box(const char *text, const char *title);
/* An MSISDN masked for logs; four calls may share one printf. */
const char *smsc_server_mask(const char *msisdn);
/* Free m's text; m empty, op -1. */
void smsc_server_msg_clear(struct smsc_msg *m);

#endif
