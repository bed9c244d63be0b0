/*
 * store_priv: the inside of the store adapter, shared by store.c (the main
 * connection and its requests), store_scripts.c (the Lua scripts) and
 * store_outbox.c (the outbox consumer). No other file includes it. hiredis
 * types appear only as incomplete structs: store*.c alone include hiredis.
 */
#ifndef TNSGW_STORE_PRIV_H
#define TNSGW_STORE_PRIV_H

#include <sys/queue.h>

#include <limits.h>
#include <stddef.h>

#include "dialog.h"
#include "registry.h"
#include "secret.h"
#include "store.h"

struct event;
struct store_dlr;
struct redisAsyncContext;
struct redisReply;

/* Arguments of one request: the categories screen names up to
 * DIALOG_MAX_CATEGORIES keys and as many codes. */
#define STORE_MAXARGS        (16 + 2 * DIALOG_MAX_CATEGORIES)
#define STORE_BACKOFF_MIN_MS 100
#define STORE_BACKOFF_MAX_MS 5000
#define STORE_SMS_NARGS      10	/* fields of one outbox SMS */
#define STORE_DEAD_MAXLEN    "100000"	/* XADD MAXLEN ~ of P"outbox:dead" */
#define STORE_MID_SLOTS      1024	/* message id -> entry slots (power of 2) */
#define STORE_NOTES_MAX      32		/* notes held to the end of a loop turn */
/* Records of outbox entries sent in one script (STORE_SC_RECORD) at the
 * end of a loop turn: EVALSHA, its SHA, numkeys, the outbox, 4 ARGV, and
 * at most 3 keys + 5 ARGV each, within STORE_MAXARGS. */
#define STORE_RECS_MAX       16

/*
 * Set-up commands that are no script (store_req.sys; scripts are >= 0).
 * Redis as a trust boundary (issue 9, piece c): AUTH and the persistence
 * check (store_health.c).
 */
#define STORE_SYS_SELECT     -1
#define STORE_SYS_AUTH       -2
#define STORE_SYS_CFG_AOF    -3	/* CONFIG GET appendonly */
#define STORE_SYS_CFG_FSYNC  -4	/* CONFIG GET appendfsync */
#define STORE_SYS_CFG_POLICY -5	/* CONFIG GET maxmemory-policy */
#define STORE_SYS_INFO       -6	/* INFO persistence */

/* The Lua scripts (store_scripts.c), by number. */
enum store_script {
	STORE_SC_LOOKUP = 0,
	STORE_SC_CATS,
	STORE_SC_DOCS,
	STORE_SC_OTP_ISSUE,
	STORE_SC_OTP_VERIFY,
	STORE_SC_DEPTH,
	STORE_SC_DLR,
	STORE_SC_RECORD,
	STORE_SC_TRIM,
	STORE_SC_REGIONS,
	STORE_SC_POINTS,
	STORE_SC_STATE,		/* versioned dialog state: compare and set */
	STORE_SC_OUTBOX_HB,	/* the outbox consumer's heartbeat */
	STORE_SC_OUTBOX_CLAIM,	/* claims of idle and dead consumers' entries */
	STORE_NSCRIPTS,
};

enum store_kind {
	STORE_K_NONE = 0,	/* fire and forget: errors logged */
	STORE_K_SYS,		/* connection set-up (SELECT, SCRIPT LOAD) */
	STORE_K_GET,
	STORE_K_DONE,
	STORE_K_LOOKUP,
	STORE_K_CATS,
	STORE_K_DOCS,
	STORE_K_REGIONS,
	STORE_K_POINTS,
	STORE_K_OTP,
	STORE_K_FN,		/* internal: the raw reply to a store function */
	STORE_K_STATE_GET,	/* the dialog state and its version */
	STORE_K_STATE,		/* the state's compare-and-set */
};

/* STORE_K_FN: the reply (NULL on failure or timeout), valid only during
 * the call, which is made holding the store (store_hold). */
typedef void store_fn_cb(struct store *st, const struct redisReply *r);

/*
 * What a request built from the generations (store_genq) needs besides
 * its arguments to be built again after STALE.
 */
struct store_genp {
	uint32_t          hash1, hash2;	/* LOOKUP: registry_hash, _hash2 */
	int               region;	/* POINTS: 1.. */
};

/*
 * One request. It lives until both its callback has fired (or it has
 * none) and hiredis has handed it back (reply, or NULL when the context
 * goes away). Linked in st->reqs while attached to the store; store_free
 * detaches ("orphans") the ones hiredis still holds. A request answered
 * STALE waits in st->reqs (not in Redis, its deadline running) for the
 * generations read gen_need, then is built again (store.c).
 */
struct store_req {
	TAILQ_ENTRY(store_req) entry;
	struct store     *st;		/* NULL: orphan */
	enum store_kind   kind;
	int               sys;		/* STORE_K_SYS: STORE_SYS_*, else script */
	int               script;	/* -1: plain command */
	int               retried;	/* NOSCRIPT retry done */
	int               fired;
	int               in_redis;
	int               failq;	/* waits for the fail event */
	uint64_t          sent_us;	/* handed to hiredis, for the round trip */
	uint64_t          deadline_us;	/* monotonic: when it fails */
	/* built from the generations: argv is EVALSHA, SHA, numkeys, nkf
	 * fixed KEYS, ngk KEYS of the generations, naf fixed ARGV, then the
	 * generations' ARGV */
	int               genq;
	int               nkf, ngk, naf;
	struct store_genp gp;
	int               stale;	/* answered STALE once: sent again */
	unsigned          gen_need;	/* waits for this generations read */
	union {
		store_get_cb        *get;
		store_done_cb       *done;
		store_lookup_cb     *lookup;
		store_categories_cb *cats;
		store_docs_cb       *docs;
		store_regions_cb    *regions;
		store_points_cb     *points;
		store_otp_cb        *otp;
		store_fn_cb         *fn;
		store_state_cb      *state;
	} cb;
	void             *arg;
	char              tail[8];	/* STORE_K_OTP: the phone tail given */
	long long         ver;		/* STORE_K_STATE plain SET/DEL: the version */
	struct event     *deadline;	/* kept with the request in the pool */
	size_t            room;		/* bytes of data[]: STORE_REQ_ROOM, or
					 * more for a big one (not pooled) */
	size_t            used;		/* of which written (wiped on release) */
	int               argc;
	const char      **argv;		/* in this allocation, after data */
	size_t           *argvlen;	/* the same */
	char             *resp;		/* the arguments as RESP, in data (a
					 * script's from argv[2]) */
	size_t            resplen;
	char              data[];	/* argvlen, argv, room for the head,
					 * the arguments as RESP */
};

TAILQ_HEAD(store_reqs, store_req);

/*
 * The outbox consumer's state (store_outbox.c alone touches it): the
 * blocking reader connection, the claim and depth rounds on the main one.
 */
struct store_outbox {
	store_outbox_cb     *cb;	/* NULL until store_outbox_start */
	void                *arg;
	char                 consumer[64];
	int                  claim_ms;
	struct store_reader *reader;	/* the blocking connection */
	int                  rup;	/* reader set up, group exists */
	int                  backoff_ms;
	char                 drop_reason[128];
	int                  claim_busy;
	int                  paused;	/* store_outbox_pause: read and claim nothing */
	int                  read_idle;	/* reader up, no XREADGROUP out (paused) */
	int                  depth_busy;
	int                  depth_ticks;	/* the trim runs every few */
	long long            len, pending;
	long long            lost;	/* pending entries found deleted */
	/* Ownership between instances: a heartbeat in P"outbox:alive", and
	 * claims only from consumers whose heartbeat is gone. */
	int                  hb_busy;	/* a heartbeat out */
	long long            start_ms;	/* first heartbeat, Redis's clock; 0 before */
	long long            claimed_dead;	/* entries claimed from dead consumers */
	long long            removed;	/* dead consumers removed from the group */
	/* Self-fencing (store_outbox_fenced): monotonic ms. */
	long long            hb_sent_ms;	/* the heartbeat out was sent then */
	int                  hb_verify;	/* it also lists our pending ids */
	long long            hb_good_ms;	/* sent time of the last one answered */
	int                  fenced;	/* until a verifying heartbeat answers */
	long long            fenced_ms;	/* since then (monotonic ms) */
	long long            fences;	/* times fenced */
	store_outbox_owned_cb *owned_cb;
	void                *owned_arg;
	/* Named once (store_outbox_init, registry.h's names): the outbox
	 * key, the stems of P"outbox:st:<id>" and P"outbox:mid:<bind>:<mid>"
	 * ("" when registry.h names them otherwise: named per request). */
	char                 kob[REGISTRY_KEY_MAX];
	char                 kst[REGISTRY_KEY_MAX];
	char                 kmid[REGISTRY_KEY_MAX];
	/* The entries the records of this process mapped a message id to
	 * (a hash of the mid key -> entry id, a slot each, overwritten): a
	 * receipt's script is sent at once with that entry, which it checks
	 * against mid, instead of a GET of mid first. Never trusted: a
	 * wrong or old slot costs the GET it saved. */
	struct store_mid_slot {
		uint64_t     h;
		char         id[32];
	}                    mids[STORE_MID_SLOTS];
	struct store_dlr    *dlr_pool;	/* released receipts, for reuse */
	int                  ndlr_pool;
	/* Receipts whose id a note or record held for the end of the turn
	 * maps: sent just after those records, in arrival order. */
	struct store_dlr    *dlr_wait, **dlr_wait_tail;
	/* Notes of a message id waiting for the end of the loop turn
	 * (store_outbox_note_id): a settle in the same turn replaces them. */
	struct store_note {
		char         id[32];
		char         bind[64];
		char         mid[80];
	}                    notes[STORE_NOTES_MAX];
	int                  nnotes;
	/* Records of entries (states, settles, notes) waiting for the end
	 * of the loop turn, in call order: one script writes them all. */
	struct store_rec {
		char         id[32];
		char         state[24];
		char         bind[64];
		char         mid[80];
		int          settle;
	}                    recs[STORE_RECS_MAX];
	int                  nrecs;
	struct event        *ev_hb;
	struct event        *ev_connect;
	struct event        *ev_deadline;
	struct event        *ev_drop;
	struct event        *ev_claim;
	struct event        *ev_resume;
	struct event        *ev_depth;
};

/*
 * The generations the requests are built from (issue 12): the pointers'
 * values as read ("" none), and what the daemon needs of the current
 * generations to name their keys.
 */
struct store_gens {
	char      reg[48];		/* P"reg:gen" */
	char      rsn[24], cat[24], pts[24];	/* P"rsn:gen" ... */
	int       reg_ok;		/* reg parsed: reg_gen, reg_nb, reg_layout */
	long      reg_gen;
	uint32_t  reg_nb;
	int       reg_layout;
	long      rsn_gen, cat_gen, pts_gen;	/* -1: none or unusable */
	int       ncats;		/* P"cat:<gen>:list" */
	char      cat_code[DIALOG_MAX_CATEGORIES][REGISTRY_CODE_MAX + 1];
	int       nregions;		/* P"pts:<gen>:regions" */
	int       region[DIALOG_REGIONS_MAX];
	/* Named once per read (registry.h's names), not per request: the
	 * stems P"reg:<gen>:", P"cat:<gen>:", P"pts:<gen>:" and the key
	 * P"rsn:<gen>" ("" when that generation is unusable). */
	char      reg_stem[REGISTRY_KEY_MAX], cat_stem[REGISTRY_KEY_MAX];
	char      pts_stem[REGISTRY_KEY_MAX], rsn_key[REGISTRY_KEY_MAX];
};

/* The pointers' keys (st->gr.kptr), named at store_new. */
enum store_ptr {
	STORE_PTR_REG = 0, STORE_PTR_RSN, STORE_PTR_CAT, STORE_PTR_PTS,
	STORE_NPTRS,
};

/* Reading them: the four pointers, then the two lists. */
struct store_genread {
	struct store_gens cur;		/* what requests are built from */
	struct store_gens next;		/* being read */
	int       busy;			/* a read out */
	int       ptrs;			/* its pointer GETs still due */
	int       parts;		/* then its parts still due (the
					 * pointers as one, each list) */
	int       failed;		/* one of them failed */
	int       loud;			/* ... not only as the connection went */
	int       again;		/* another read once this one is done */
	int       setup;		/* part of the connection's set-up */
	unsigned  started, done;	/* reads started, the last one done */
	char      kptr[STORE_NPTRS][REGISTRY_KEY_MAX];	/* P"reg:gen" ... */
};

/*
 * Redis as a trust boundary (issue 9, piece c; store_health.c): the AUTH
 * credentials and what the last connect learnt of Redis's persistence.
 */
struct store_health {
	char      user[128];		/* redis.username ("" = none) */
	char      pass[256];		/* redis.password ("" = no AUTH) */
	int       require;		/* redis.require_aof, CONFIG_AOF_* */
	/* read during the set-up of the main connection */
	int       cfg_aof;		/* CONFIG GET appendonly: -1 refused, 0, 1 */
	int       cfg_fsync;		/* CONFIG_AOF_*: -1 refused; NO = "no" */
	int       info_aof;		/* INFO persistence aof_enabled: -1 unknown */
	char      policy[32];		/* maxmemory-policy, "" unknown */
	int       ok;			/* the required level met (1) or not (0) */
	char      problem[192];		/* why not, or why Redis is refused */
	int       auth_logged;		/* main: AUTH refusal logged this outage */
	int       rauth_logged;		/* reader: the same */
	unsigned long long refused;	/* case B requests refused for it */
};

/*
 * Sentinel (issue 12; store_sentinel.c): where the master is. A round asks
 * every sentinel at once (SENTINEL get-master-addr-by-name) and the first
 * answer wins; a subscription to +switch-master on one sentinel re-finds
 * the master as soon as a failover is announced.
 */
#define STORE_SENTINEL_MAX   8		/* CONFIG_MAX_SENTINELS */

struct store_sentinel_conn {
	struct store             *st;
	struct redisAsyncContext *ac;	/* NULL: none (or hiredis freed it) */
	int                       failed;	/* this round: no answer from it */
};

struct store_sentinel {
	int       n;			/* 0: no Sentinel, host/port fixed */
	char      host[STORE_SENTINEL_MAX][256];
	int       port[STORE_SENTINEL_MAX];
	char      name[64];		/* redis.master_name */
	char      pass[256];		/* redis.sentinel_password ("" no AUTH) */
	int       sub_auth_logged;	/* the subscription's AUTH refusal said */
	/* the current round */
	int       asking;
	int       nfailed;
	int       found;		/* an answer came: ahost:aport */
	char      ahost[256];
	int       aport;
	char      why[128];		/* the last failure, for the log */
	struct store_sentinel_conn ask[STORE_SENTINEL_MAX];
	struct event *ev_done;		/* end of a round: first answer or deadline */
	/* the +switch-master subscription */
	struct store_sentinel_conn sub;
	int       sub_next;		/* the sentinel it tries next */
	struct event *ev_sub;		/* (re)subscribe */
	int       known;		/* a master was found once */
	uint64_t  failovers;		/* master changes seen */
};

struct store {
	struct event_base  *base;
	struct store_cb     cb;
	void               *arg;
	char                where[PATH_MAX + 16];
	char                host[256];
	int                 port;
	char                socket[PATH_MAX];
	int                 db;
	char                prefix[32];
	int                 timeout_ms;
	int                 max_req_hour;
	int                 max_fail_day;
	int                 keep_s;	/* outbox.keep_s */
	/* Personal data at rest (issue 9, piece d): the key that hashes a
	 * document number in a key name (secret_state_id_hash). */
	unsigned char       id_key[SECRET_KEY_LEN];

	struct redisAsyncContext *ac;
	int                 up;		/* connected and scripts loaded */
	int                 reported;	/* -1 unknown, 0 down, 1 up */
	int                 sys_left;	/* set-up replies still expected */
	int                 backoff_ms;
	int                 timeouts;	/* in a row */
	char                sha[STORE_NSCRIPTS][41];	/* store_scripts.c */
	char                drop_reason[128];

	struct event       *ev_reconnect;
	struct event       *ev_connect_to;
	struct event       *ev_fail;
	struct event       *ev_drop;
	struct event       *ev_flush;	/* the end of a turn that sent requests */
	int                 flush_armed;	/* ev_flush active */
	struct store_reqs   reqs;
	int                 nreqs;
	struct store_reqs   pool;	/* released requests, for reuse */
	int                 npool;

	int                 depth;	/* our frames on the stack */
	int                 in_hiredis;	/* of which inside a hiredis callback */
	int                 dead;	/* store_free ran, free when depth 0 */

	struct store_outbox ob;
	struct store_health health;	/* store_health.c */
	struct store_sentinel sen;	/* store_sentinel.c */
	struct store_metrics metrics;	/* store_metrics; dead_len in store_outbox.c */
	struct store_genread gr;	/* store.c */

	/*
	 * Requests as RESP bytes (store_send): built here, handed to
	 * redisAsyncFormattedCommand (which copies them), so no format
	 * string is parsed per request. evalsha[i]: the pre-formatted
	 * "$7 EVALSHA $40 <sha>" head of script i, once its SHA is known.
	 */
	char               *resp;
	size_t              respsz;
	char                evalsha[STORE_NSCRIPTS][64];	/* 60 used */
	size_t              evalsha_len[STORE_NSCRIPTS];
};

/* --- store.c: the main connection ------------------------------------ */

/* Hold the store across a call that may free it; release returns 1 when
 * it is gone (or going): the caller returns at once. */
void store_hold(struct store *st);
int store_release(struct store *st);
void store_timer(struct event *ev, int ms);
/* A connection's reply objects from store.c's pool (hiredis's reader
 * functions), set right after the context is made. */
struct redisAsyncContext;
void store_reply_pool(struct redisAsyncContext *ac);
/* A reply string copied, cut to dstsz - 1, NUL-terminated. */
void store_copy(char *dst, size_t dstsz, const struct redisReply *s);
const char *store_str(const char *s);	/* NULL -> "" */
/* v in decimal at p (room for 21), NUL-ended, no format parsed. */
void store_dec(char *p, long long v);

/*
 * A request of argc NUL-terminated arguments (NULL counts as ""), copied:
 * NULL on allocation failure; store_build_or_fail ends the process then.
 * For a script, argv[0] and argv[1] are placeholders (EVALSHA, the SHA)
 * that store_scripts_argv fills when it is sent.
 */
struct store_req *store_build(struct store *st, enum store_kind kind,
    int script, int argc, const char *const *argv);
struct store_req *store_build_or_fail(struct store *st, enum store_kind kind,
    int script, int argc, const char *const *argv);
/* Queue a built request (NULL ok: nothing) on the main connection: sent
 * now, or failed from the loop (never inside this call). */
void store_submit(struct store *st, struct store_req *req);
/* A STORE_K_FN request: fn gets the reply once, from the loop. */
void store_submit_fn(struct store *st, int script, int argc,
    const char *const *argv, store_fn_cb *fn);
/* A set-up command, first in the pipeline (sys: -1 SELECT, else the
 * script being loaded). 0, or -1 when it cannot be queued. */
int store_sys(struct store *st, int sys, int argc, const char **argv);

/* --- store_scripts.c ------------------------------------------------- */

/* Queue SCRIPT LOAD of every script (store_sys). 0 or -1. */
int store_scripts_load(struct store *st);
/* The reply to SCRIPT LOAD of script: keep its SHA. 0, or -1 when the
 * reply is no SHA. */
int store_scripts_loaded(struct store *st, int script,
    const struct redisReply *r);
/* argv[0..1] of a script request: EVALSHA and the SHA when known and no
 * NOSCRIPT came back for it, else EVAL and the body. */
void store_scripts_argv(const struct store *st, struct store_req *req);
/* The RESP bytes of argv[0..1] of a script request when they are EVALSHA
 * and its SHA (pre-formatted at SCRIPT LOAD): their length, with *head
 * set; 0 when the request must go as EVAL (store_scripts_argv). */
size_t store_scripts_head(const struct store *st, const struct store_req *req,
    const char **head);
/* 1 when r is NOSCRIPT for a script request not retried yet: it is marked
 * retried, and is to be sent again (as EVAL, which caches the script). */
int store_scripts_noscript(struct store_req *req, const struct redisReply *r);

/* --- store_health.c (issue 9, piece c) ------------------------------- */

/* From store_new: the credentials and the requirement of cfg. */
void store_health_init(struct store *st, const struct config *cfg);
/* The AUTH command of the config into argv/len (3 slots): its argc, 0
 * when no password is set (then nothing is to be sent). */
int store_health_auth_argv(const struct store *st, const char **argv,
    size_t *len);
/* Queue AUTH (when set) on the main connection: first of the set-up.
 * 0 or -1. */
int store_health_auth(struct store *st);
/* Queue the persistence reads (CONFIG GET x3, INFO persistence) as set-up
 * commands. 0 or -1. */
int store_health_check(struct store *st);
/*
 * The reply to a set-up command of store_health (sys <= STORE_SYS_AUTH).
 * 0, or -1 when the connection must not be used (AUTH refused: logged at
 * err once per outage, the reason kept for /healthz and written to why).
 */
int store_health_reply(struct store *st, int sys, const struct redisReply *r,
    char *why, size_t whysz);
/* The whole set-up answered: decide whether case B may run (logged). */
void store_health_verdict(struct store *st);
/* The reader connection's AUTH reply: 0, or -1 when refused (logged at
 * err once per outage of the reader). */
int store_health_reader_auth(struct store *st, const struct redisReply *r);

/* --- store_sentinel.c (issue 12) ------------------------------------ */

/* From store_new: the sentinels of cfg (none: nothing to do). 0 or -1
 * (store_sentinel_close cleans up what was made). */
int store_sentinel_init(struct store *st, const struct config *cfg);
/* From store_free: every sentinel connection goes, no callback after. */
void store_sentinel_close(struct store *st);
/* Find the master (a round, from the loop; with a deadline); then
 * store_connect_master (st->host/port set) or store_connect_failed. */
void store_sentinel_find(struct store *st);
/* The master refused a write (-READONLY, on either connection): it was
 * demoted; drop the main connection so that the next connect asks the
 * sentinels again. Never inside a hiredis callback's context free. */
void store_sentinel_demoted(struct store *st, const char *conn);

/* store.c, for store_sentinel.c: connect to st->host:st->port now, or
 * count the attempt failed (backoff, then a new round). */
void store_connect_master(struct store *st);
void store_connect_failed(struct store *st, const char *why);
/* A failover seen: if the main connection is down, try now; if it is up,
 * drop it from the loop with the reason why (the reconnect asks). */
void store_master_moved(struct store *st, const char *why);
/* store_outbox.c: the reader is dropped and reconnects now (the master
 * moved). */
void store_outbox_reader_follow(struct store *st);
/* store_outbox.c: the notes held for the end of the loop turn recorded
 * now (from store_free, before the connection goes). */
void store_outbox_notes_flush(struct store *st);
/* The end of this loop turn runs store_outbox_notes_flush, then writes
 * what the turn queued (store.c's store_on_flush); no-op once armed. */
void store_turn_end(struct store *st);

/* --- store_outbox.c -------------------------------------------------- */

/* Room for the numeric SMS fields while a request is built. */
struct store_outbox_num {
	char exp[24], ton[4], npi[4];
};
/* The STORE_SMS_NARGS fields of m into argv, in the order of the scripts'
 * sms() (store_scripts.c): bind to from kind lang body expires_ms to_ton
 * to_npi. argv points into m and num. */
void store_outbox_msg_argv(const struct store_outbox_msg *m,
    const char **argv, struct store_outbox_num *num);
/* From store_new: the consumer's events and the depth refresh. 0 or -1
 * (store_outbox_close cleans up what was made). */
int store_outbox_init(struct store *st);
/* From store_free, after the main connection's callbacks have fired: the
 * reader goes, the events are freed. Nothing is handed out after this. */
void store_outbox_close(struct store *st);

#endif
