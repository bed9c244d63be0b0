/*
 * gateway: the glue (DESIGN.md §2). Owns the Redis store and one
 * smpp_client per configured bind; routes each decoded MO to its dialog,
 * runs what the dialog needs (lookups, session saves, audit) through the
 * store, and sends the screens back over the bind the request came in on.
 */
#ifndef TNSGW_GATEWAY_H
#define TNSGW_GATEWAY_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "smpp_client.h"
#include "store.h"

struct event_base;
struct gateway;

/*
 * Set up the gateway: the Redis store (it starts connecting from the loop),
 * the outbox, one smpp_client per configured bind (not started), and case
 * B's keys when both key files are set (else case B answers "unavailable",
 * logged). base and cfg are borrowed and must outlive the gateway. Nothing
 * is sent and no callback runs before the loop does. NULL on failure,
 * with everything undone.
 */
struct gateway *gateway_new(struct event_base *base, const struct config *cfg);
/*
 * Start the outbox consumer (named host:pid) and the binds: at once when
 * Redis already answers, else at Redis's first "up" (once; a later loss of
 * Redis does not unbind them). Call it once, after gateway_new and before
 * the loop runs. 0, or -1 when the outbox or a bind cannot start.
 */
int gateway_start(struct gateway *gw);
/*
 * Graceful stop. From this call on, new MOs are ignored (their
 * deliver_sm_resp said ESME_ROK already; no dialog starts) while delivery
 * receipts still settle; the outbox takes no new entry once no MO is held
 * (a dialog may still promise an SMS). Then, from the loop: the MOs held
 * finish and the outbox's sends settle (bounded by drain_ms in all), every
 * bind unbinds (each bounded by its response_timeout_s), the Redis requests
 * still in the pipeline get their replies (bounded: 2 s), and done(arg)
 * fires, once. done may stop the loop; gateway_free comes after the loop
 * returns. A second call is ignored (its done never fires); done does not
 * fire if gateway_free comes first.
 */
void gateway_stop(struct gateway *gw, int drain_ms, void (*done)(void *), void *arg);
/*
 * NULL ok. Not from inside a gateway callback or done: after the loop
 * returns. Pending Redis callbacks fire with errors and the MOs they held
 * end without a screen; MOs waiting are dropped; SMS being sent stay
 * pending in Redis for the next start. Key material is wiped.
 */
void gateway_free(struct gateway *gw);

/*
 * Reload (SIGHUP): cfg replaces the config given so far, which config_
 * reload_check accepted. Binds are matched by name: one whose settings
 * differ (config_bind_diff) re-binds: its sessions are stopped (unbind,
 * bounded by response_timeout_s) and new ones with the new settings start
 * (once the binds have started); what its old sessions owed is lost, as on
 * a lost connection. A bind of cfg not running is added and started. The
 * other binds keep their sessions and their MOs.
 * The dialog settings, the catalogue, the security limits, the SMS
 * keywords and the texts take effect for the next step of every dialog.
 * Both the old and the new cfg must outlive the gateway (the store and the
 * outbox keep the first; a dialog's pointers may be into the old one).
 * 0, or -1 with the reason in err and nothing changed (out of memory, or
 * sessions of earlier re-binds still unbinding). Not while stopping.
 */
int gateway_reload(struct gateway *gw, const struct config *cfg, char *err,
    size_t errsz);

/* Why an MO was a copy of one answered already, in tnsgw_mo_copies_total
 * and /status: lost its write to the same input, within
 * ussd.duplicate_window_ms, the last MO of an ended dialog. */
#define GATEWAY_COPY_REASONS 3
extern const char *const gateway_copy_names[GATEWAY_COPY_REASONS];

struct gateway_status {
	int redis_up;
	int binds, binds_bound;
	uint64_t dialogs_started, dialogs_in_flight, rejected_busy;
	uint64_t outcome[16];			/* by enum dialog_outcome */
	uint64_t outcome_by[2][16];		/* the same by channel: 0 USSD, 1 SMS */
	uint64_t sms_sent, sms_dead, sms_expired, sms_retried, sms_requeued;
	uint64_t dlrs;
	long long outbox_len, outbox_pending;
	long long outbox_lost;		/* pending entries deleted under us */
	long long outbox_claimed_dead, outbox_removed;	/* store_outbox_owners */
	uint64_t sms_requests[5];	/* SMS MOs by enum sms_request_kind */
	uint64_t sms_help_sent, sms_help_held;
	uint64_t sms_lost;		/* a dialog's SMS the outbox did not take */
	/* Personal data at rest (issue 9, piece d). */
	uint64_t state_refused;		/* saved dialog states that did not open */
	uint64_t state_conflicts;	/* steps whose state write lost (§6) */
	/* failure limits (issue 9 a) */
	uint64_t lookup_failures;	/* no-matches counted by the lookup */
	int failure_alarm;		/* 1: over security.failure_alarm_per_min */
	/* Redis as a trust boundary (issue 9, piece c) */
	int redis_persist_ok;		/* case B may run (store_persist_ok) */
	uint64_t redis_persist_refused;	/* case B refused for persistence */
	char redis_problem[192];	/* store_trust_problem, "" = none */
	/* issue 9, piece b: sealed outbox bodies refused, by reason */
	uint64_t seal_refused_seal;	/* does not open with its entry's fields */
	uint64_t seal_refused_key;	/* no key with its id (or an sb1 body) */
	/* issue 10, metrics: Redis's round trips and timeouts, the dead
	 * letters (store_metrics) */
	struct store_metrics redis;
	uint64_t reloads, rebinds;	/* reloads applied, binds re-bound */
	/* Scale-out (issue 12), for ops: USSD MOs answered as copies of
	 * one answered already, by gateway_copy_names; the outbox's
	 * self-fencing (store_outbox_fenced now, store_outbox_fences, and
	 * the held entries dropped as claimed by another instance). The
	 * registry's STALE retries are in redis (store_metrics). */
	uint64_t mo_copies[GATEWAY_COPY_REASONS];
	int outbox_fenced;
	long long outbox_fences;
	uint64_t outbox_fenced_dropped;
};
/* A snapshot of the counters into *st (zeroed first); any time between
 * gateway_new and gateway_free. dialogs_in_flight counts the MOs held:
 * in flight and waiting behind one of their session. */
void gateway_status(const struct gateway *gw, struct gateway_status *st);
/* Why MOs were refused in their deliver_sm_resp (ESME_RTHROTTLED). */
#define GATEWAY_REFUSALS 6
extern const char *const gateway_refusal_names[GATEWAY_REFUSALS];

/* A bind's state for /status and tnsgw_bind_state: bound (every session
 * of it), connecting (or binding, or waiting to reconnect), down (not
 * started yet), draining, stopped (by an admin action). */
enum gateway_bind_state {
	GATEWAY_BIND_BOUND = 0,
	GATEWAY_BIND_CONNECTING,
	GATEWAY_BIND_DOWN,
	GATEWAY_BIND_DRAINING,
	GATEWAY_BIND_STOPPED,
	GATEWAY_BIND_STATES
};
extern const char *const gateway_bind_state_names[GATEWAY_BIND_STATES];

/* One bind (an operator link: a transceiver, or a transmitter + receiver
 * pair reported as one), for /metrics and /status. */
struct gateway_bind_info {
	const char *name, *operator, *dialect;	/* valid until gateway_free */
	int pair;			/* transmitter+receiver */
	int up;				/* every session of it bound */
	int rx_up, tx_up;		/* can take MOs / can send */
	int owed;			/* MOs admitted, screen not sent yet */
	struct smpp_client_stats stats;	/* both sessions summed */
	uint64_t refused[GATEWAY_REFUSALS];
	uint64_t not_served;		/* MOs answered ESME_RX_P_APPN */
	uint64_t screens_failed;	/* admitted MOs whose screen was lost */
	enum gateway_bind_state state;
	int64_t since_s;		/* bound since (wall clock s), 0: not up */
	char last_error[128];		/* last close not asked for, "" none */
	int64_t last_error_s;		/* its wall time (s), 0: none */
	int window_used, window_size;	/* requests awaiting a response */
	int queued;			/* requests waiting for the window */
	uint64_t mos;			/* MOs taken into a dialog */
};
/* A snapshot of bind i (0 <= i < binds) into *bi. */
void gateway_bind_info(const struct gateway *gw, int i,
    struct gateway_bind_info *bi);

/*
 * The operator's actions on one bind (admin: POST /binds/NAME/ACTION).
 * DRAIN: new dialogs (USSD begins, SMS MOs) are refused ESME_RTHROTTLED
 * (reason "stopping"), the dialogs in flight go on; once the bind owes no
 * screen and has nothing queued (or after daemon.drain_s) it unbinds and
 * stays stopped. STOP: unbind now; what is in flight ends as on a lost
 * bind. START: bind again (a drain not finished is called off). From the
 * loop, never blocking; a new client replaces a stopped one here, so not
 * from inside a client callback (admin's HTTP callbacks are fine).
 * Returns 0 (done or begun), -1 no bind of that name, -2 refused now (the
 * reason in why: the daemon stopping, binds not started yet, still
 * unbinding, already running).
 */
enum gateway_bind_action {
	GATEWAY_BIND_DRAIN = 0,
	GATEWAY_BIND_STOP,
	GATEWAY_BIND_START,
};
int gateway_bind_action(struct gateway *gw, const char *name,
    enum gateway_bind_action act, char *why, size_t whysz);

#endif
