/*
 * gateway_priv: what the gateway's files share (gateway.c: the binds, the
 * MOs' admission and routing, the life cycle; gateway_dialog.c: one MO's
 * dialog through the store and its screen or SMS; gateway_sms.c: the SMS
 * channel). Not for other modules: they use gateway.h.
 */
#ifndef TNSGW_GATEWAY_PRIV_H
#define TNSGW_GATEWAY_PRIV_H

#include <stdint.h>

#include "config.h"
#include "dialect.h"
#include "dialog.h"
#include "failrate.h"
#include "log.h"
#include "secret.h"
#include "smpp_client.h"
#include "sms_request.h"

struct event;
struct event_base;
struct outbox;
struct session_queue;
struct store;

#define GW_HASH_SIZE      4096	/* session_queue buckets */
#define GW_MAX_IN_FLIGHT  10000	/* MOs held (in flight + waiting), all binds */
#define GW_MAX_WAITING    4	/* MOs queued behind one session's MO */
#define GW_KEY_MAX        DIALECT_KEY_MAX
/*
 * Screens an operator may owe at once: MOs admitted and not answered yet
 * plus screens queued or in the window. Below the client's urgent queue
 * bound, so an admitted MO's screen is never refused for room; and at most
 * GW_BACKLOG_S seconds of the bind's TPS, so it never waits longer than a
 * caller does.
 */
#define GW_BACKLOG_MAX    (SMPP_CLIENT_QUEUE_MAX - 50)
#define GW_BACKLOG_S      2
/* Redis down this long is an outage: one err line (the store's retries
 * stay warnings). */
#define GW_REDIS_ERR_S    5
/* The level of the lines each dialog writes (its end, an abort): info
 * with daemon.log_dialogs, else debug (journald's rate limit would drop
 * lines at a campaign's peak). */
#define GW_LOG_DIALOG(gw) \
	((gw)->cfg->daemon.log_dialogs ? LOG_LVL_INFO : LOG_LVL_DEBUG)

/* Sessions of re-bound binds (reload) still unbinding, at most. */
#define GW_RETIRED_MAX    (4 * CONFIG_MAX_BINDS)
/* Hot path (issue 11): freed requests kept for reuse (~8 KB each, 4 MiB
 * at most; only as many as were once in flight at the same time). 64 was
 * too few: at 200 MOs in flight, one request in four was a new calloc. */
#define GW_REQ_POOL       512

/* One SMPP session of a bind: the transceiver, or one half of a pair. */
struct gw_link {
	struct gw_bind		*bind;
	struct smpp_client	*c;
	int			 bound;
	int			 stopped;
};

/* Why an MO was refused in its deliver_sm_resp (metrics). */
enum gw_refusal {
	GW_REFUSE_STOPPING = 0,
	GW_REFUSE_BUSY,		/* GW_MAX_IN_FLIGHT MOs held */
	GW_REFUSE_SESSION,	/* GW_MAX_WAITING behind the session's MO */
	GW_REFUSE_BACKLOG,	/* the operator owes too many screens */
	GW_REFUSE_NO_TX,	/* no transmitting session bound to answer on */
	GW_REFUSE_NOMEM,
	GW_REFUSE_MAX
};

/* Why a USSD MO was a copy of one answered already (gw_is_copy; README
 * "Copies of an MO"): 0 is none; mo_copies[c - 1] counts copy c. */
enum gw_copy {
	GW_COPY_NONE = 0,
	GW_COPY_LOST_WRITE,	/* lost its write to the same input (same version read) */
	GW_COPY_WINDOW,		/* within ussd.duplicate_window_ms */
	GW_COPY_DONE,		/* the last MO of an ended dialog (its done mark) */
	GW_COPY_MAX
};

struct gw_bind {
	struct gateway		*gw;
	const struct config_bind *conf;
	const struct dialect	*dialect;	/* conf->profile */
	struct gw_link		 rx;		/* the transceiver, or the receiver */
	struct gw_link		 tx;		/* the transmitter (pair only) */
	int			 pair;		/* mode transmitter+receiver */
	int			 owed;		/* MOs admitted, screen not sent yet */
	uint64_t		 refused[GW_REFUSE_MAX];
	uint64_t		 not_served;	/* MOs answered ESME_RX_P_APPN */
	uint64_t		 screens_failed;
	/* issue 10, /status and the admin actions (gateway_bind_action) */
	int			 admin;		/* enum gw_admin */
	int64_t			 up_since_s;	/* wall clock, 0: not up */
	uint64_t		 mos;		/* MOs taken into a dialog */
	struct event		*drain_ev;	/* polls a draining bind */
	int			 drain_left_ms;
	struct smpp_client_stats old;	/* of the clients a start replaced */
};

/* What the operator asked of a bind (POST /binds/NAME/...). */
enum gw_admin {
	GW_ADMIN_RUN = 0,
	GW_ADMIN_DRAINING,	/* no new dialog; unbinds once idle */
	GW_ADMIN_STOPPED,	/* unbound (or unbinding), no reconnect */
};

struct gw_req {
	struct gateway	*gw;
	struct gw_bind	*bind;
	char		 key[GW_KEY_MAX];	/* operator:msisdn[:session], the queue's key */
	char		 msisdn[21];
	uint8_t		 msisdn_ton, msisdn_npi;
	char		 service_addr[21];
	int		 begin;		/* the MO opens the session */
	uint64_t	 mo_us;		/* received (smpp_client_now_us) */
	int		 owed;		/* counted in bind->owed */
	int		 aborted;	/* the network aborted while this was in flight */
	int		 necho;
	struct smpp_tlv	 echo[DIALECT_ECHO_MAX];
	char		 input[DIALOG_TEXT_MAX];
	int		 sms;		/* the SMS channel: answers by SMS */
	const char	*sms_kind;	/* the SMS being queued, for logs */
	void		(*sms_done)(struct gw_req *, int);	/* after it */
	struct sms_request req;		/* sms: the request read */
	struct dialog	 d;
	struct dialog_out out;
	/* The versioned dialog state (DESIGN.md §6): the version read, and
	 * whether one was (a step then writes only over that version). */
	long long	 state_ver;
	int		 state_read;
	int		 state_tries;	/* re-reads after a lost write */
	int		 state_skip;	/* given up: leave the state alone */
	void		(*state_cb)(void *, int, const char *, size_t);
	/* Copies of an MO (README "Dialog state versions"): the version the
	 * step read first (before any re-read), the MO found to be a copy
	 * (it answers the screen the state keeps, nothing else), and the
	 * dialog's dial (when, its input's hash) carried from step to step. */
	long long	 first_ver;
	int		 dup;
	long long	 begin_ms;
	uint64_t	 begin_hash;
};

struct gateway {
	struct event_base	*base;
	struct dialect_event	 ev;		/* gw_on_deliver's scratch */
	const struct config	*cfg;
	struct store		*store;
	struct outbox		*outbox;
	struct dialog_conf	 dconf;
	/* Case B keys (security.outbox_key_file, provisioning_pubkey_file). */
	int			 b_ready;
	unsigned char		 box_key[SECRET_KEY_LEN];
	/* issue 9, piece b: the outbox keys with their ids: [0] the current
	 * (box_key), [1] security.outbox_key_old_file when set (nbox 2). */
	struct secret_keyed	 box[2];
	int			 nbox;
	unsigned char		 otp_key[SECRET_KEY_LEN];
	unsigned char		 prov_pub[SECRET_KEY_LEN];
	uint64_t		 dlrs;
	int			 nbinds;
	struct gw_bind		 binds[CONFIG_MAX_BINDS];
	struct session_queue	*sq;		/* every gw_req held, by r->key */
	uint64_t		 dialogs_started;
	uint64_t		 sms_lost;	/* a dialog's SMS the outbox did not take */
	uint64_t		 sms_requests[5];	/* by enum sms_request_kind */
	uint64_t		 sms_help_sent, sms_help_held;
	uint64_t		 outcome[2][16];	/* [0 USSD, 1 SMS][enum dialog_outcome] */
	/* Personal data at rest (issue 9, piece d): the dialog state's
	 * sealing key and the key hashing document numbers in key names,
	 * both derived from the outbox key (random when there is none). */
	unsigned char		 state_key[SECRET_KEY_LEN];
	unsigned char		 id_key[SECRET_KEY_LEN];
	uint64_t		 state_refused;	/* saved states that did not open */
	uint64_t		 state_conflicts;	/* steps whose write lost */
	uint64_t		 mo_copies[GW_COPY_MAX - 1];	/* by enum gw_copy - 1 */
	int			 stopping;
	int			 freeing;	/* gateway_free running: finish, start nothing */
	int			 binds_running;
	int			 binds_started;	/* once, at the first Redis "up" */
	struct event		*drain_ev;
	struct event		*drain_poll;
	struct event		*flush_ev;
	int			 flush_left;	/* ms */
	void			(*stop_done)(void *);
	void			*stop_arg;
	/* Failure limits (issue 9 a): the no-match rate and its alarm. */
	struct failrate		 failrate;
	struct event		*alarm_ev;	/* re-checks while raised */
	/* Redis outages (issue 10): err once GW_REDIS_ERR_S into one. */
	struct event		*redis_err_ev;
	int			 redis_down;	/* on_down came, no on_up since */
	int			 redis_err_logged;
	long long		 redis_down_ms;	/* monotonic, when it went */
	char			 redis_down_why[128];
	/* Reload (issue 10): the sessions a re-bind replaced, stopped and
	 * unbinding; freed from retire_ev once stopped (never inside their
	 * own callback), or at gateway_free. */
	struct {
		struct smpp_client *c;
		int		    stopped;
	}			 retired[GW_RETIRED_MAX];
	int			 nretired;
	struct event		*retire_ev;
	uint64_t		 reloads, rebinds;
	/* Hot path (issue 11, the PDU path): requests freed and wiped, kept
	 * for the next MO so it needs neither an allocation nor a zeroing
	 * of its ~8 KB (a wiped request is all zero, as calloc gives). */
	struct gw_req		*req_pool[GW_REQ_POOL];
	int			 nreq_pool;
};

/* The session screens and SMS of bind b go out on: its transceiver, or
 * the transmitter of its pair. */
static inline struct smpp_client *
gw_tx(const struct gw_bind *b)
{
	return b->pair ? b->tx.c : b->rx.c;
}

static inline int
gw_tx_bound(const struct gw_bind *b)
{
	return b->pair ? b->tx.bound : b->rx.bound;
}

/* gateway.c: one lookup failure (a no-match the lookup script counted):
 * into the failure rate, the alarm raised when it passes
 * security.failure_alarm_per_min. */
void gateway_failure(struct gateway *gw);

/* gateway.c, the request pool: a zeroed request (NULL when out of
 * memory), and the way back (wiped, then pooled or freed; r may be
 * NULL). Every gw_req is taken and given back through these. */
struct gw_req *gateway_req_alloc(struct gateway *gw);
void gateway_req_release(struct gw_req *r);

/* gateway_dialog.c */
/* Today as parse_date_days(), UTC. */
long gateway_dialog_today(void);
/* Run r, which holds its session's slot: begin or continue its dialog. */
void gateway_dialog_run(struct gw_req *r);
/* r, in flight, is done: the next MO of its session takes the slot. */
void gateway_dialog_finish(struct gw_req *r);
/* Wipe and free r (it may hold an ID number, dates, a typed code). */
void gateway_dialog_req_free(struct gw_req *r);
/* session_queue_free's drop: an MO still held at gateway_free. */
void gateway_dialog_req_drop(void *item, void *arg);

/* Run the dialog's need, or, with none, save or drop its state and send
 * its SMS and screen; then finish r. */
void gateway_dialog_process(struct gw_req *r);
/* A saved dialog state (data, len as Redis gave it, data NULL when there
 * is none) opened with the state key for r->key and decoded into r->d:
 * 0, or -1 (r->d zeroed) when there is none, it does not decode, or it
 * does not open — then counted in state_refused and logged. */
int gateway_dialog_state_open(struct gw_req *r, const char *data, size_t len);
/* Read the saved dialog state of r->key with its version (kept in r for
 * the write that ends the step), then cb(r, status, data, len) as
 * store_session_get's callback. */
void gateway_dialog_state_get(struct gw_req *r,
    void (*cb)(void *, int, const char *, size_t));
/* Redis is not there: the "unavailable" end (in the session's language,
 * else the first), then gateway_dialog_process. */
void gateway_dialog_unavailable(struct gw_req *r);
/* Queue text to the caller of r through the outbox (kind, sealed at
 * rest when the key is there), then call done(r, 0 | -1). */
void gateway_dialog_queue_sms(struct gw_req *r, const char *text,
    const char *kind, void (*done)(struct gw_req *, int));

/* gateway.c */
/* While stopping: when nothing is held any more, unbind. */
void gateway_drain_check(struct gateway *gw);
/* Refuse an MO in its deliver_sm_resp: counted by why; the status. */
uint32_t gateway_refuse(struct gw_bind *b, enum gw_refusal why,
    const char *msisdn);

/* gateway_sms.c */
/* An SMS MO (the SMS channel): the status of its deliver_sm_resp. */
uint32_t gateway_sms_mo(struct gw_bind *b, const struct dialect_event *ev);
/* Run r (r->sms), which holds its conversation's slot. */
void gateway_sms_run(struct gw_req *r);

#endif
