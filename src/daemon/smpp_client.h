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
#include "metrics.h"
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
/* A request's PDU up to this many bytes is encoded into a pooled slot
 * (a USSD screen, one SMS segment); a larger one (message_payload) gets
 * an allocation of its own. Nothing is pooled under AddressSanitizer. */
#define SMPP_CLIENT_SLOT_PDU  416

/*
 * The user's callbacks, each optional (NULL: not called); arg is the one
 * given to smpp_client_new. None fires from inside smpp_client_new,
 * smpp_client_start, smpp_client_stop, smpp_client_submit* or
 * smpp_client_free: all come from the loop. Inside any of them the user
 * may submit and may call smpp_client_stop, but must not call
 * smpp_client_free (free the client after the loop, or from an event of
 * its own).
 */
struct smpp_client_cb {
	/*
	 * The SMSC accepted our bind (transceiver, transmitter or
	 * receiver): once per bind, so again after each reconnect. From the
	 * read callback; submits are accepted from this call on.
	 */
	void (*on_bound)(struct smpp_client *c, void *arg);
	/*
	 * A bound session is gone (connection lost, peer unbind, timeout,
	 * our own stop): once per on_bound (unless the client is freed
	 * first), never without one. Deferred to a zero-timeout event after
	 * the close, and after the done callbacks of the requests that close
	 * failed (E_CLOSED). reason is for logs, valid only during the call.
	 * A failed connect or refused bind is logged and retried, not
	 * reported here.
	 */
	void (*on_unbound)(struct smpp_client *c, const char *reason, void *arg);
	/*
	 * One deliver_sm or data_sm, decoded, received on a bound receiver
	 * or transceiver: once per such PDU, in arrival order, synchronously
	 * from the read callback. The return value is the command_status of
	 * its _resp, written as soon as this returns: SMPP_ESME_ROK takes the
	 * message (a promise: its answer must follow), SMPP_ESME_RTHROTTLED
	 * refuses it for now. What the callback submits is held until that
	 * _resp is written. PDUs that do not decode (answered
	 * ESME_RINVMSGLEN), come before the bind or after an unbind, or reach
	 * a transmitter (ESME_RINVBNDSTS) never reach it. pdu is the client's
	 * scratch: valid only during the call, copy what is kept. NULL: every
	 * message is taken.
	 */
	uint32_t (*on_deliver)(struct smpp_client *c, const struct smpp_pdu *pdu,
	    void *arg);
	/*
	 * After smpp_client_stop: the unbind was answered or timed out (or
	 * there was no session) and the connection is closed; no reconnect
	 * follows. Exactly once per client that was stopped (not when it is
	 * freed first), deferred to the loop, after on_unbound when the
	 * session was bound.
	 */
	void (*on_stopped)(struct smpp_client *c, void *arg);
	/*
	 * Optional, asked before an MO (not a delivery receipt) is even
	 * decoded: a non-zero command_status refuses it at once, with no
	 * on_deliver (a flood then costs a header read). Must be cheap and
	 * must not call into the client.
	 */
	uint32_t (*on_busy)(struct smpp_client *c, void *arg);
};

/*
 * Completion of an accepted smpp_client_submit*: fires exactly once, never
 * inside the submit call. With a response (or a generic_nack answering the
 * request): its command_status and the response itself (message_id...),
 * from the read callback; resp is valid only during the call. Without
 * one: a local code below and resp NULL, from a zero-timeout event, or
 * from inside smpp_client_free (E_CLOSED) for what is still pending then.
 */
#define SMPP_CLIENT_E_TIMEOUT  0xFFFF0001u	/* no response in response_timeout_s */
#define SMPP_CLIENT_E_CLOSED   0xFFFF0002u	/* connection lost before the response */
#define SMPP_CLIENT_E_NOTBOUND 0xFFFF0003u	/* not bound / stopping */
#define SMPP_CLIENT_E_QUEUE    0xFFFF0004u	/* local queue full */
#define SMPP_CLIENT_E_NACK     0xFFFF0005u	/* generic_nack: not taken */
typedef void smpp_client_done_cb(void *arg, uint32_t status, const struct smpp_pdu *resp);

/*
 * A client in state IDLE, not connecting yet. conf and *cb are copied (cb
 * may be NULL: no callbacks); base must outlive the client. NULL on
 * failure.
 */
struct smpp_client *smpp_client_new(struct event_base *base,
    const struct config_bind *conf, const struct smpp_client_cb *cb, void *arg);
/*
 * NULL ok. Closes the connection without an unbind; every done callback
 * not fired yet fires here (E_CLOSED for the requests still pending; they
 * must not submit to this client), on_unbound and on_stopped do not. Not
 * from inside any of the client's callbacks (done included).
 */
void smpp_client_free(struct smpp_client *c);
/* Before smpp_client_start: bind as role (default SMPP_CLIENT_TRX).
 * 0, or -1 once started. A receiver refuses submits (-1). */
int smpp_client_set_role(struct smpp_client *c, enum smpp_client_role role);
enum smpp_client_role smpp_client_role(const struct smpp_client *c);
/*
 * Begin connecting (host names through evdns, never blocking), then bind.
 * A failed connect or bind, and later a lost session, is retried with
 * exponential backoff and jitter (reconnect_min_s..reconnect_max_s) until
 * smpp_client_stop. From IDLE (never started, or waiting to reconnect:
 * the wait is cut short) returns 0; -1 while connecting, binding, bound or
 * unbinding, and after smpp_client_stop. No callback fires inside:
 * on_bound comes from the loop.
 */
int smpp_client_start(struct smpp_client *c);
/*
 * Stop for good: requests still queued (not sent) complete with
 * E_NOTBOUND, new submits are refused (-1). When bound, an unbind is sent
 * and the requests in the window may still get their responses (or time
 * out) until the unbind_resp (bounded by response_timeout_s); when
 * connecting or binding, the connection closes at once. What is left
 * completes with E_CLOSED, then on_unbound (if it was bound) and
 * on_stopped fire, from the loop. A second call does nothing.
 */
void smpp_client_stop(struct smpp_client *c);

/*
 * Send a request (submit_sm, data_sm...; the client sets the sequence;
 * pdu is encoded at once and may go after the call). Queued when the
 * window, the TPS bucket or the output buffer is full (bounded queue, then
 * done with E_QUEUE). done may be NULL. Returns 0 when accepted (done will
 * fire once); -1 when not bound, stopping, the PDU does not encode or no
 * memory (done is not called then).
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
/*
 * The same for a USSD screen answering an MO received at mo_us
 * (smpp_client_now_us; 0: none): when the screen is first written to the
 * socket, the time since mo_us goes to the stats' mo_screen histogram.
 */
int smpp_client_submit_mo(struct smpp_client *c, const struct smpp_pdu *pdu,
    int urgent, uint64_t mo_us, smpp_client_done_cb *done, void *arg);
/* The clock of mo_us and of the histograms: CLOCK_MONOTONIC in us. */
uint64_t smpp_client_now_us(void);

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

/* For /status: requests in the window (its size is conf->window), and
 * waiting in the two queues. */
int smpp_client_window_used(const struct smpp_client *c);
int smpp_client_queued(const struct smpp_client *c);
/* The reason of the last close not asked for by smpp_client_stop (a lost
 * connection, a refused bind, a timeout), "" when none; *when its wall
 * time in seconds (0: none). Valid until the next close or the free. */
const char *smpp_client_last_error(const struct smpp_client *c,
    int64_t *when);

/* Counters for /metrics. */
struct smpp_client_stats {
	uint64_t pdus_in, pdus_out, submit_ok, submit_err, timeouts;
	uint64_t reconnects, nacks_sent, bad_pdus;
	uint64_t throttled;		/* responses 0x58 / 0x14 */
	uint64_t resent;		/* screens re-sent after a throttle */
	uint64_t nacks_recv;		/* generic_nack answering our requests */
	uint64_t deliver_refused;	/* MOs answered with an error status */
	/* Responses to our requests by command_status (a generic_nack's
	 * own status), and their round trip from the write. */
	struct metrics_status results;
	struct metrics_hist resp_time;
	struct metrics_hist mo_screen;	/* see smpp_client_submit_mo */
};
const struct smpp_client_stats *smpp_client_stats(const struct smpp_client *c);

#endif
