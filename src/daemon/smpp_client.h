/*
 * smpp_client: one outbound SMPP bind (ESME side) on the libevent loop —
 * connect (TCP_NODELAY), bind as transceiver, transmitter or receiver
 * (smpp_client_set_role), enquire_link both ways, window of
 * outstanding requests with response timeouts (USSD screens ahead of SMS,
 * see smpp_client_submit_prio), deliver_sm/data_sm answered at once then
 * handed up, generic_nack for unknown commands, reconnect with
 * exponential backoff and jitter after a lost connection or failed bind,
 * unbind on shutdown. Framing and PDU decode through smpp_pdu.
 */
#ifndef TNSGW_SMPP_CLIENT_H
#define TNSGW_SMPP_CLIENT_H

#include <stdint.h>

#include "config.h"
#include "smpp_pdu.h"

struct event_base;
struct smpp_client;

enum smpp_client_state {
	SMPP_CLIENT_IDLE = 0,		/* waiting to (re)connect */
	SMPP_CLIENT_CONNECTING,
	SMPP_CLIENT_BINDING,
	SMPP_CLIENT_BOUND,
	SMPP_CLIENT_UNBINDING,
	SMPP_CLIENT_CLOSED,		/* stopped for good */
};
const char *smpp_client_strstate(enum smpp_client_state s);

/* What the session binds as: a transceiver, or one half of a
 * transmitter + receiver pair (DESIGN.md §3, mode "transmitter+receiver"). */
enum smpp_client_role {
	SMPP_CLIENT_TRX = 0,	/* bind_transceiver: MOs in, screens/SMS out */
	SMPP_CLIENT_TX,		/* bind_transmitter: submits only */
	SMPP_CLIENT_RX,		/* bind_receiver: MOs and receipts only */
};
const char *smpp_client_strrole(enum smpp_client_role r);

#define SMPP_CLIENT_QUEUE_MAX 1000	/* requests waiting, per priority */

struct smpp_client_cb {
	/* Bound / lost the bind (reason for logs). Optional. */
	void (*on_bound)(struct smpp_client *c, void *arg);
	void (*on_unbound)(struct smpp_client *c, const char *reason, void *arg);
	/*
	 * A deliver_sm or data_sm on a bound receiver or transceiver. The
	 * return value is the command_status of its _resp, written as soon as
	 * this returns: SMPP_ESME_ROK takes the message (a promise: its
	 * answer must follow), SMPP_ESME_RTHROTTLED refuses it for now. What
	 * the callback submits is held until that _resp is written. pdu is
	 * valid only during the call. NULL: every message is taken.
	 */
	uint32_t (*on_deliver)(struct smpp_client *c, const struct smpp_pdu *pdu,
	    void *arg);
	/* After smpp_client_stop(): unbind done (or timed out) and closed. */
	void (*on_stopped)(struct smpp_client *c, void *arg);
};

/*
 * Completion of smpp_client_submit: fires exactly once, from the loop (never
 * inside smpp_client_submit), with the response's command_status and
 * message_id, or status SMPP_ESME_RX_T_APPN-like local codes below when no
 * response came. resp is NULL in that case.
 */
#define SMPP_CLIENT_E_TIMEOUT  0xFFFF0001u	/* no response in response_timeout_s */
#define SMPP_CLIENT_E_CLOSED   0xFFFF0002u	/* connection lost before the response */
#define SMPP_CLIENT_E_NOTBOUND 0xFFFF0003u	/* not bound / stopping */
#define SMPP_CLIENT_E_QUEUE    0xFFFF0004u	/* local queue full */
#define SMPP_CLIENT_E_NACK     0xFFFF0005u	/* generic_nack: not taken */
typedef void smpp_client_done_cb(void *arg, uint32_t status, const struct smpp_pdu *resp);

struct smpp_client *smpp_client_new(struct event_base *base,
    const struct config_bind *conf, const struct smpp_client_cb *cb, void *arg);
void smpp_client_free(struct smpp_client *c);		/* NULL ok; not from its own callbacks */
/* Before smpp_client_start: bind as role (default SMPP_CLIENT_TRX).
 * 0, or -1 once started. A receiver refuses submits (-1). */
int smpp_client_set_role(struct smpp_client *c, enum smpp_client_role role);
enum smpp_client_role smpp_client_role(const struct smpp_client *c);
/* Begin connecting. */
int smpp_client_start(struct smpp_client *c);
/* Unbind (wait for unbind_resp, bounded by response_timeout_s), close,
 * then on_stopped. No reconnect after this. */
void smpp_client_stop(struct smpp_client *c);

/*
 * Send a request (submit_sm, data_sm...; the client sets the sequence).
 * Queued when the window is full (bounded queue, then E_QUEUE). done may be
 * NULL. Returns 0 when accepted; -1 when not bound or stopping (done is not
 * called then).
 */
int smpp_client_submit(struct smpp_client *c, const struct smpp_pdu *pdu,
    smpp_client_done_cb *done, void *arg);

/*
 * The same with a priority. urgent != 0 (USSD screens: the network ends
 * the session after a few seconds) goes ahead of every normal request
 * (SMS: they can wait) still queued, and normal requests never hold more
 * than window - max(1, window / 10) slots of the window (all of a window
 * of 1), so a screen finds a free slot while a slow SMSC sits on SMS. After
 * 8 urgent sends in a row while a normal one could have gone, one normal
 * goes: SMS slow down, never starve. Both share the TPS bucket; the queue
 * bound (E_QUEUE) is per priority. smpp_client_submit is urgent = 0.
 */
int smpp_client_submit_prio(struct smpp_client *c, const struct smpp_pdu *pdu,
    int urgent, smpp_client_done_cb *done, void *arg);

enum smpp_client_state smpp_client_state(const struct smpp_client *c);
const char *smpp_client_name(const struct smpp_client *c);
const struct config_bind *smpp_client_conf(const struct smpp_client *c);

/*
 * Throttling: a response ESME_RTHROTTLED or ESME_RMSGQFUL (or a
 * generic_nack with either) pauses every send of the bind, 100 ms doubling
 * to 1 s while the SMSC keeps refusing, reset by a success. An urgent
 * request (a screen) is then re-sent by the client, in its first-send
 * order, as long as its first send is under 5 s old; past that, or for a
 * normal request, done gets the status.
 */

/* Screens queued or in the window: what admission control weighs. */
int smpp_client_urgent_pending(const struct smpp_client *c);

/* Counters for /metrics. */
struct smpp_client_stats {
	uint64_t pdus_in, pdus_out, submit_ok, submit_err, timeouts;
	uint64_t reconnects, nacks_sent, bad_pdus;
	uint64_t throttled;		/* responses 0x58 / 0x14 */
	uint64_t resent;		/* screens re-sent after a throttle */
	uint64_t nacks_recv;		/* generic_nack answering our requests */
	uint64_t deliver_refused;	/* MOs answered with an error status */
};
const struct smpp_client_stats *smpp_client_stats(const struct smpp_client *c);

#endif
