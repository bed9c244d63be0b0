/*
 * store_outbox: the outbox side of the store — writing plain SMS to the
 * stream, the consumer (XREADGROUP on a second connection that only
 * blocks there, XPENDING and XCLAIM of idle entries on the main one), settling
 * (XACK and the state record), receipts, and the depth for /metrics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <hiredis/async.h>
#include <hiredis/adapters/libevent.h>

#include "log.h"
#include "registry.h"
#include "store_priv.h"

#define STORE_OUTBOX_BLOCK_MS 1000	/* XREADGROUP BLOCK */
#define STORE_OUTBOX_COUNT   "64"	/* entries per read / claim */
#define STORE_DEPTH_MS       2000	/* outbox depth refresh */
#define STORE_ST_TTL_S       "604800"	/* P"outbox:st:<id>": 7 days */
#define STORE_MID_TTL_S      "172800"	/* P"outbox:mid:...": 2 days */
#define STORE_HB_MS          1000	/* heartbeat period */
#define STORE_HB_FIRST_MS    20	/* until the first heartbeat is answered */
#define STORE_HB_TTL_MS      5000	/* a heartbeat older than this: dead */
#define STORE_FENCE_MS       3500	/* no answered heartbeat sent since: fenced */
#define STORE_OWNED_MAX      "4096"	/* pending ids a lifting heartbeat lists */

/*
 * The reader connection's own record: hiredis's callbacks point at it, so
 * it can outlive its attachment to the store (st NULL) until hiredis has
 * let go of the context (ac NULL).
 */
struct store_reader {
	struct store      *st;	/* NULL: detached */
	redisAsyncContext *ac;	/* NULL: hiredis freed it (or is about to) */
	int                in_cb;	/* inside one of its reply callbacks */
};

static void store_outbox_on_claim(struct store *, const redisReply *);
static void store_outbox_on_depth(struct store *, const redisReply *);

/* --- key names ------------------------------------------------------ */

/* P"outbox:st:<id>" into out: 0, or -1 when it does not fit (as
 * registry.h's names). From the stem named once, else from registry.h. */
static int
store_outbox_kst(const struct store *st, char *out, size_t outsz,
    const char *id)
{
	size_t a = strlen(st->ob.kst), b = strlen(id);

	if (a == 0)
		return registry_key_outbox_st(out, outsz, st->prefix, id);
	if (a + b >= outsz)
		return -1;
	memcpy(out, st->ob.kst, a);
	memcpy(out + a, id, b + 1);
	return 0;
}

/* P"outbox:mid:<bind>:<message_id>" into out, the same way. */
static int
store_outbox_kmid(const struct store *st, char *out, size_t outsz,
    const char *bind, const char *message_id)
{
	size_t a = strlen(st->ob.kmid), b = strlen(bind);
	size_t c = strlen(message_id);

	if (a == 0)
		return registry_key_outbox_mid(out, outsz, st->prefix, bind,
		    message_id);
	if (a + b + 1 + c >= outsz)
		return -1;
	memcpy(out, st->ob.kmid, a);
	memcpy(out + a, bind, b);
	out[a + b] = ':';
	memcpy(out + a + b + 1, message_id, c + 1);
	return 0;
}

/* The outbox key: named once, else into buf (REGISTRY_KEY_MAX). */
static const char *
store_outbox_kob(const struct store *st, char *buf)
{
	if (st->ob.kob[0] != '\0')
		return st->ob.kob;
	registry_key_outbox(buf, REGISTRY_KEY_MAX, st->prefix);
	return buf;
}

/* key + ":w" (the early receipt of a mid key) into out (strlen(key) + 3). */
static void
store_outbox_kw(char *out, const char *key)
{
	size_t n = strlen(key);

	memcpy(out, key, n);
	memcpy(out + n, ":w", 3);
}

/*
 * The stems, named once by registry.h with an empty last part and each
 * checked against registry.h's own name of a sample: a stem that does
 * not give it stays "" (the names are then made per request).
 */
static void
store_outbox_stems(struct store *st)
{
	struct store_outbox *ob = &st->ob;
	char a[REGISTRY_KEY_MAX + 64], b[REGISTRY_KEY_MAX + 64];
	size_t n;

	if (registry_key_outbox(ob->kob, sizeof(ob->kob), st->prefix) != 0)
		ob->kob[0] = '\0';
	ob->kst[0] = ob->kmid[0] = '\0';
	if (registry_key_outbox_st(a, sizeof(a), st->prefix, "") == 0 &&
	    strlen(a) < sizeof(ob->kst)) {
		memcpy(ob->kst, a, strlen(a) + 1);
		if (store_outbox_kst(st, a, sizeof(a), "1-0") != 0 ||
		    registry_key_outbox_st(b, sizeof(b), st->prefix, "1-0") != 0 ||
		    strcmp(a, b) != 0)
			ob->kst[0] = '\0';
	}
	/* "<stem>:" + "" + ":" + "": the stem is that less its last ':'. */
	if (registry_key_outbox_mid(a, sizeof(a), st->prefix, "", "") == 0 &&
	    (n = strlen(a)) >= 2 && n - 1 < sizeof(ob->kmid) &&
	    a[n - 1] == ':' && a[n - 2] == ':') {
		memcpy(ob->kmid, a, n - 1);
		ob->kmid[n - 1] = '\0';
		if (store_outbox_kmid(st, a, sizeof(a), "b", "1") != 0 ||
		    registry_key_outbox_mid(b, sizeof(b), st->prefix, "b",
		    "1") != 0 || strcmp(a, b) != 0)
			ob->kmid[0] = '\0';
	}
}

/* FNV-1a of a mid key: its slot in st->ob.mids, and the check. */
static uint64_t
store_outbox_mid_hash(const char *k)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *k != '\0'; k++)
		h = (h ^ (unsigned char)*k) * 1099511628211ULL;
	return h | 1;		/* 0: an empty slot */
}

/* A record maps mid key k to entry id: remembered for its receipt. */
static void
store_outbox_mid_put(struct store *st, const char *k, const char *id)
{
	uint64_t h = store_outbox_mid_hash(k);
	struct store_mid_slot *m = &st->ob.mids[h & (STORE_MID_SLOTS - 1)];
	size_t n = strlen(id);

	if (n >= sizeof(m->id))
		return;
	m->h = h;
	memcpy(m->id, id, n + 1);
}

/* The entry id a record of ours mapped k to, or NULL. */
static const char *
store_outbox_mid_get(const struct store *st, const char *k)
{
	uint64_t h = store_outbox_mid_hash(k);
	const struct store_mid_slot *m =
	    &st->ob.mids[h & (STORE_MID_SLOTS - 1)];

	return m->h == h ? m->id : NULL;
}

/* --- writing, settling, receipts ------------------------------------ */

void
store_outbox_msg_argv(const struct store_outbox_msg *m, const char **argv,
    struct store_outbox_num *num)
{
	store_dec(num->exp, m->expires_ms > 0 ? m->expires_ms : 0);
	store_dec(num->ton, m->to_ton);
	store_dec(num->npi, m->to_npi);
	argv[0] = store_str(m->bind);
	argv[1] = store_str(m->to);
	argv[2] = store_str(m->from);
	argv[3] = store_str(m->kind);
	argv[4] = store_str(m->lang);
	argv[5] = store_str(m->body);
	argv[6] = num->exp;
	argv[7] = num->ton;
	argv[8] = num->npi;
	argv[9] = store_str(m->operator);
}

void
store_outbox_add(struct store *st, const struct store_outbox_msg *msg,
    store_done_cb *cb, void *arg)
{
	char k[REGISTRY_KEY_MAX];
	struct store_outbox_num num;
	/* No MAXLEN: the stream is trimmed only below what is settled
	 * (STORE_SC_TRIM), never past a promise. */
	const char *argv[3 + 2 * STORE_SMS_NARGS] = { "XADD", NULL, "*", "bind",
	    NULL, "to", NULL, "from", NULL, "kind", NULL, "lang", NULL, "body",
	    NULL, "expires_ms", NULL, "to_ton", NULL, "to_npi", NULL, "op",
	    NULL };
	const char *f[STORE_SMS_NARGS];
	struct store_req *req;
	int i;

	argv[1] = store_outbox_kob(st, k);
	store_outbox_msg_argv(msg, f, &num);
	for (i = 0; i < STORE_SMS_NARGS; i++)
		argv[4 + 2 * i] = f[i];
	req = store_build_or_fail(st, STORE_K_DONE, -1,
	    3 + 2 * STORE_SMS_NARGS, argv);
	req->cb.done = cb;
	req->arg = arg;
	store_submit(st, req);
}

/*
 * Records of entries: each one's state record and, with a message id, the
 * id -> entry map; settle 1 (a final state): XACK and XDEL of the entry.
 * One script writes n records in call order; every key it touches is in
 * KEYS (the outbox, then each record's state key and, with a message id,
 * its mid key and early receipt). A record whose state key cannot be
 * named is dropped (logged); one whose message id cannot, goes without it.
 */
_Static_assert(8 + 8 * STORE_RECS_MAX <= STORE_MAXARGS,
    "a batch of records exceeds STORE_MAXARGS");

/* A record as sent: its fields where they are. */
struct store_rec_ref {
	const char *id, *state, *bind, *mid;
	int         settle;
};

static void
store_outbox_recs_send(struct store *st, const struct store_rec_ref *rec,
    int n)
{
	char kst[STORE_RECS_MAX][REGISTRY_KEY_MAX + 40];
	char kmid[STORE_RECS_MAX][REGISTRY_KEY_MAX + 160];
	char kw[STORE_RECS_MAX][REGISTRY_KEY_MAX + 164];
	char kob[REGISTRY_KEY_MAX], ts[24], nk[8];
	const char *keys[1 + 3 * STORE_RECS_MAX], *args[4 + 5 * STORE_RECS_MAX];
	const char *argv[STORE_MAXARGS];
	const struct store_rec_ref *r;
	int i, nkeys = 0, nargs = 0, argc;

	store_dec(ts, (long long)time(NULL));
	keys[nkeys++] = store_outbox_kob(st, kob);
	args[nargs++] = REGISTRY_OUTBOX_GROUP;
	args[nargs++] = ts;
	args[nargs++] = STORE_ST_TTL_S;
	args[nargs++] = STORE_MID_TTL_S;
	for (i = 0; i < n && i < STORE_RECS_MAX; i++) {
		r = &rec[i];
		if (store_outbox_kst(st, kst[i], sizeof(kst[i]), r->id) != 0) {
			log_warnx("[redis] outbox id too long");
			continue;
		}
		keys[nkeys++] = kst[i];
		args[nargs++] = r->id;
		args[nargs++] = r->state;
		args[nargs++] = r->bind;
		args[nargs++] = "";
		args[nargs++] = r->settle ? "1" : "0";
		if (r->mid[0] == '\0')
			continue;
		if (store_outbox_kmid(st, kmid[i], sizeof(kmid[i]), r->bind,
		    r->mid) != 0) {
			log_warnx("[redis] outbox %s: message id too long",
			    r->id);
			continue;
		}
		store_outbox_kw(kw[i], kmid[i]);
		keys[nkeys++] = kmid[i];
		keys[nkeys++] = kw[i];
		args[nargs - 2] = r->mid;
		store_outbox_mid_put(st, kmid[i], r->id);
	}
	if (nkeys == 1)
		return;
	store_dec(nk, nkeys);
	argv[0] = "EVALSHA";
	argv[1] = "";
	argv[2] = nk;
	memcpy(&argv[3], keys, (size_t)nkeys * sizeof(keys[0]));
	argc = 3 + nkeys;
	memcpy(&argv[argc], args, (size_t)nargs * sizeof(args[0]));
	argc += nargs;
	store_submit(st, store_build(st, STORE_K_NONE, STORE_SC_RECORD, argc,
	    argv));
}

/* The records held, in one script (none: nothing). */
static void
store_outbox_recs_send_held(struct store *st)
{
	struct store_outbox *ob = &st->ob;
	struct store_rec_ref ref[STORE_RECS_MAX];
	int i, n = ob->nrecs;

	ob->nrecs = 0;
	for (i = 0; i < n; i++) {
		ref[i].id = ob->recs[i].id;
		ref[i].state = ob->recs[i].state;
		ref[i].bind = ob->recs[i].bind;
		ref[i].mid = ob->recs[i].mid;
		ref[i].settle = ob->recs[i].settle;
	}
	if (n > 0)
		store_outbox_recs_send(st, ref, n);
}

/*
 * A record of entry id: held for the end of the loop turn with the others
 * of the turn (one script for all), or, when it cannot be held (a field
 * too long for the slot, no loop event, the store going), sent at once
 * after those held, so that records still reach Redis in call order.
 */
static void
store_outbox_record(struct store *st, const char *id, const char *state,
    const char *bind, const char *message_id, int settle)
{
	struct store_outbox *ob = &st->ob;
	struct store_rec *r;
	struct store_rec_ref one;

	bind = store_str(bind);
	state = store_str(state);
	message_id = store_str(message_id);
	if (strlen(id) >= sizeof(r->id) || strlen(state) >= sizeof(r->state) ||
	    strlen(bind) >= sizeof(r->bind) ||
	    strlen(message_id) >= sizeof(r->mid) || st->ev_flush == NULL ||
	    st->dead) {
		store_outbox_recs_send_held(st);
		one.id = id;
		one.state = state;
		one.bind = bind;
		one.mid = message_id;
		one.settle = settle;
		store_outbox_recs_send(st, &one, 1);
		return;
	}
	if (ob->nrecs == STORE_RECS_MAX)
		store_outbox_recs_send_held(st);
	r = &ob->recs[ob->nrecs++];
	memcpy(r->id, id, strlen(id) + 1);
	memcpy(r->state, state, strlen(state) + 1);
	memcpy(r->bind, bind, strlen(bind) + 1);
	memcpy(r->mid, message_id, strlen(message_id) + 1);
	r->settle = settle;
	store_turn_end(st);
}

/* A note held for id: its index, or -1. */
static int
store_outbox_note_find(const struct store *st, const char *id)
{
	int i;

	for (i = 0; i < st->ob.nnotes; i++)
		if (strcmp(st->ob.notes[i].id, id) == 0)
			return i;
	return -1;
}

static void
store_outbox_note_drop(struct store *st, int i)
{
	struct store_outbox *ob = &st->ob;

	if (i != --ob->nnotes)
		ob->notes[i] = ob->notes[ob->nnotes];
}

/* 1 when a note or a record held for the end of the turn maps that
 * message id of that bind. */
static int
store_outbox_held(const struct store *st, const char *bind,
    const char *message_id)
{
	const struct store_outbox *ob = &st->ob;
	int i;

	for (i = 0; i < ob->nrecs; i++)
		if (strcmp(ob->recs[i].mid, message_id) == 0 &&
		    strcmp(ob->recs[i].bind, bind) == 0)
			return 1;
	for (i = 0; i < ob->nnotes; i++)
		if (strcmp(ob->notes[i].mid, message_id) == 0 &&
		    strcmp(ob->notes[i].bind, bind) == 0)
			return 1;
	return 0;
}

static void store_outbox_dlr_waited(struct store *);

void
store_outbox_notes_flush(struct store *st)
{
	struct store_outbox *ob = &st->ob;
	struct store_note *n;
	int i, k = ob->nnotes;

	ob->nnotes = 0;
	for (i = 0; i < k; i++) {
		n = &ob->notes[i];
		store_outbox_record(st, n->id, "submitted", n->bind, n->mid, 0);
	}
	store_outbox_recs_send_held(st);
	store_outbox_dlr_waited(st);	/* the receipts that waited: after */
}

void
store_outbox_ack(struct store *st, const char *id, const char *state,
    const char *bind, const char *message_id)
{
	struct store_note *n;
	int i;

	/* A note of this turn: the settle's record maps the same id (and
	 * writes its state after); another id, the note goes first. */
	if ((i = store_outbox_note_find(st, id)) >= 0) {
		n = &st->ob.notes[i];
		if (message_id == NULL || strcmp(n->mid, message_id) != 0 ||
		    strcmp(n->bind, store_str(bind)) != 0)
			store_outbox_record(st, n->id, "submitted", n->bind,
			    n->mid, 0);
		store_outbox_note_drop(st, i);
	}
	if (st->ac == NULL)
		log_warnx("[redis] outbox %s not settled (%s): Redis is down, "
		    "it will be handed out again", id, store_str(state));
	/* XACK, XDEL and the record in one script: settled and gone from
	 * the stream (with its sealed body) together, or not at all (a
	 * duplicate, never a loss). */
	store_outbox_record(st, id, state, bind, message_id, 1);
}

void
store_outbox_dead(struct store *st, const char *id, const char *kind,
    const char *bind, const char *reason, long long deliveries)
{
	char k[REGISTRY_KEY_MAX + 8], n[24], ts[24];
	const char *argv[19] = { "XADD", k, "MAXLEN", "~", STORE_DEAD_MAXLEN,
	    "*", "id", id, "kind", store_str(kind), "bind", store_str(bind),
	    "reason", store_str(reason), "deliveries", n, "ts", ts, NULL };

	if (registry_key_outbox(k, sizeof(k) - 5, st->prefix) != 0)
		return;
	strcat(k, ":dead");
	snprintf(n, sizeof(n), "%lld", deliveries);
	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	st->metrics.dead_letters++;
	store_submit(st, store_build(st, STORE_K_NONE, -1, 18, argv));
	store_outbox_ack(st, id, "dead", bind, NULL);
}

void
store_outbox_note_id(struct store *st, const char *id, const char *bind,
    const char *message_id)
{
	struct store_outbox *ob = &st->ob;
	struct store_note *n;
	int i;

	bind = store_str(bind);
	message_id = store_str(message_id);
	if ((i = store_outbox_note_find(st, id)) >= 0) {	/* a newer id */
		n = &ob->notes[i];
		store_outbox_record(st, n->id, "submitted", n->bind, n->mid, 0);
		store_outbox_note_drop(st, i);
	}
	if (st->dead || st->ev_flush == NULL || ob->nnotes == STORE_NOTES_MAX ||
	    strlen(id) >= sizeof(n->id) || strlen(bind) >= sizeof(n->bind) ||
	    strlen(message_id) >= sizeof(n->mid)) {
		store_outbox_record(st, id, "submitted", bind, message_id, 0);
		return;
	}
	n = &ob->notes[ob->nnotes++];
	memcpy(n->id, id, strlen(id) + 1);
	memcpy(n->bind, bind, strlen(bind) + 1);
	memcpy(n->mid, message_id, strlen(message_id) + 1);
	store_turn_end(st);
}

/*
 * A receipt in two steps, so that the script names every key it touches
 * (ACLs, and Redis's rule for scripts): GET P"outbox:mid:<bind>:<id>" for
 * the entry it maps to, then STORE_SC_DLR with that entry's state key,
 * which checks the mapping again; when it moved in between (the response's
 * record came), read it again, a few times.
 */
#define STORE_DLR_TRIES 3
/* Released receipts kept for reuse (none under AddressSanitizer, so that
 * a use after release is still caught). */
#if defined(__SANITIZE_ADDRESS__)
#define STORE_DLR_POOL  0
#else
#define STORE_DLR_POOL  64
#endif

struct store_dlr {
	struct store     *st;
	struct store_dlr *next;		/* in the pool */
	int               tries;	/* of the GET, then script */
	int               direct;	/* the script sent with our record's entry */
	char              kmid[REGISTRY_KEY_MAX + 160];
	char              kw[REGISTRY_KEY_MAX + 164];
	char              state[32];
	char              ts[24];
};

static void store_outbox_dlr_get(struct store_dlr *);
static void store_outbox_dlr_send(struct store_dlr *, const char *, size_t);
static void store_outbox_dlr_go(struct store_dlr *);

static void
store_outbox_dlr_release(struct store_dlr *d)
{
	struct store *st = d->st;

	if (!st->dead && st->ob.ndlr_pool < STORE_DLR_POOL) {
		d->next = st->ob.dlr_pool;
		st->ob.dlr_pool = d;
		st->ob.ndlr_pool++;
		return;
	}
	free(d);
}

static void
store_outbox_dlr_applied(void *arg, int status, const char *data, size_t len)
{
	struct store_dlr *d = arg;

	if (status == 0 && data != NULL && len == 5 &&
	    memcmp(data, "moved", 5) == 0 &&
	    (d->direct || ++d->tries < STORE_DLR_TRIES)) {
		d->direct = 0;		/* not one of the tries */
		store_outbox_dlr_get(d);
		return;
	}
	if (status == 0 && data != NULL && len == 5 &&
	    memcmp(data, "moved", 5) == 0)
		log_warnx("[redis] receipt not applied: its message id kept "
		    "moving");
	store_outbox_dlr_release(d);
}

static void
store_outbox_dlr_got(void *arg, int status, const char *data, size_t len)
{
	struct store_dlr *d = arg;

	/* -1: no reply (Redis down, or the store going): dropped, as a
	 * fire-and-forget command would be. */
	if (status != 0 || len >= 40) {
		if (status == 0)
			log_warnx("[redis] receipt: malformed entry id");
		store_outbox_dlr_release(d);
		return;
	}
	store_outbox_dlr_send(d, data != NULL ? data : "", len);
}

/* STORE_SC_DLR for the entry id (len bytes; 0: none known). */
static void
store_outbox_dlr_send(struct store_dlr *d, const char *eid, size_t len)
{
	struct store *st = d->st;
	char kst[REGISTRY_KEY_MAX + 40], id[40];
	const char *argv[11] = { "EVALSHA", "", "3", d->kmid, d->kw, kst, id,
	    d->state, d->ts, STORE_ST_TTL_S, NULL };
	struct store_req *req;

	memcpy(id, eid, len);
	id[len] = '\0';
	if (len == 0) {
		argv[2] = "2";
		memmove(&argv[5], &argv[6], 5 * sizeof(argv[0]));
	} else if (store_outbox_kst(st, kst, sizeof(kst), id) != 0) {
		store_outbox_dlr_release(d);
		return;
	}
	req = store_build_or_fail(st, STORE_K_GET, STORE_SC_DLR,
	    len == 0 ? 9 : 10, argv);
	req->cb.get = store_outbox_dlr_applied;
	req->arg = d;
	store_submit(st, req);
}

static void
store_outbox_dlr_get(struct store_dlr *d)
{
	const char *argv[2] = { "GET", d->kmid };
	struct store_req *req;

	req = store_build_or_fail(d->st, STORE_K_GET, -1, 2, argv);
	req->cb.get = store_outbox_dlr_got;
	req->arg = d;
	store_submit(d->st, req);
}

void
store_outbox_dlr(struct store *st, const char *bind, const char *message_id,
    const char *state)
{
	struct store_dlr *d;

	if ((d = st->ob.dlr_pool) != NULL) {
		st->ob.dlr_pool = d->next;
		st->ob.ndlr_pool--;
	} else if ((d = malloc(sizeof(*d))) == NULL) {
		log_warnx("[redis] receipt dropped: out of memory");
		return;
	}
	d->st = st;
	d->next = NULL;
	d->tries = 0;
	d->direct = 0;
	if (store_outbox_kmid(st, d->kmid, sizeof(d->kmid), store_str(bind),
	    store_str(message_id)) != 0) {
		log_warnx("[redis] receipt: message id too long");
		store_outbox_dlr_release(d);
		return;
	}
	store_outbox_kw(d->kw, d->kmid);
	snprintf(d->state, sizeof(d->state), "%s", store_str(state));
	store_dec(d->ts, (long long)time(NULL));
	/* Its id is in a record held for the end of the turn (the first
	 * segment's response came in this turn): it waits for that record,
	 * then goes straight to the entry. */
	if (message_id != NULL && message_id[0] != '\0' &&
	    st->ob.dlr_wait_tail != NULL && !st->dead &&
	    store_outbox_held(st, store_str(bind), message_id)) {
		*st->ob.dlr_wait_tail = d;
		st->ob.dlr_wait_tail = &d->next;
		return;
	}
	store_outbox_dlr_go(d);
}

/* Sent by a record of ours: the script at once (it checks mid still holds
 * that entry; "moved" reads mid then); else mid is read first. */
static void
store_outbox_dlr_go(struct store_dlr *d)
{
	const char *id;

	if ((id = store_outbox_mid_get(d->st, d->kmid)) != NULL) {
		d->direct = 1;
		store_outbox_dlr_send(d, id, strlen(id));
	} else
		store_outbox_dlr_get(d);
}

/* The receipts that waited for the records of the turn, in order. */
static void
store_outbox_dlr_waited(struct store *st)
{
	struct store_outbox *ob = &st->ob;
	struct store_dlr *d;

	while ((d = ob->dlr_wait) != NULL) {
		if ((ob->dlr_wait = d->next) == NULL)
			ob->dlr_wait_tail = &ob->dlr_wait;
		d->next = NULL;
		store_outbox_dlr_go(d);
	}
}

void
store_outbox_depth(const struct store *st, long long *len, long long *pending)
{
	*len = st != NULL ? st->ob.len : 0;
	*pending = st != NULL ? st->ob.pending : 0;
}

long long
store_outbox_lost(const struct store *st)
{
	return st != NULL ? st->ob.lost : 0;
}

void
store_outbox_owners(const struct store *st, long long *claimed_dead,
    long long *removed)
{
	*claimed_dead = st != NULL ? st->ob.claimed_dead : 0;
	*removed = st != NULL ? st->ob.removed : 0;
}

static void
store_outbox_on_trim(struct store *st, const redisReply *r)
{
	(void)st;
	if (r != NULL && r->type == REDIS_REPLY_INTEGER && r->integer > 0)
		log_debug("[redis] outbox: %lld settled entries trimmed",
		    r->integer);
}

/* Every few depth ticks: the settled entries older than outbox.keep_s go
 * (with their sealed bodies). */
static void
store_outbox_trim(struct store *st)
{
	char k[REGISTRY_KEY_MAX], keep[32];
	const char *argv[6] = { "EVALSHA", "", "1", k, REGISTRY_OUTBOX_GROUP,
	    keep };
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(keep, sizeof(keep), "%lld-0", (long long)ts.tv_sec * 1000 +
	    ts.tv_nsec / 1000000 - (long long)st->keep_s * 1000);
	registry_key_outbox(k, sizeof(k), st->prefix);
	store_submit_fn(st, STORE_SC_TRIM, 6, argv, store_outbox_on_trim);
}

static void
store_outbox_on_depth_tick(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;
	char k[REGISTRY_KEY_MAX], kd[REGISTRY_KEY_MAX + 8];
	const char *argv[6] = { "EVALSHA", "", "2", k, kd,
	    REGISTRY_OUTBOX_GROUP };

	(void)fd;
	(void)what;
	if (!st->up || st->ob.depth_busy)
		return;
	/* The trim runs every keep_s / 8 (a minute at most, a tick at least). */
	if (++st->ob.depth_ticks >= (st->keep_s / 8 < STORE_DEPTH_MS / 1000 ?
	    1 : st->keep_s / 8 > 60 ? 30 : st->keep_s / 8 / (STORE_DEPTH_MS / 1000))) {
		st->ob.depth_ticks = 0;
		store_outbox_trim(st);
	}
	registry_key_outbox(k, sizeof(k), st->prefix);
	snprintf(kd, sizeof(kd), "%s:dead", k);
	st->ob.depth_busy = 1;
	store_submit_fn(st, STORE_SC_DEPTH, 6, argv, store_outbox_on_depth);
}

static void
store_outbox_on_depth(struct store *st, const redisReply *r)
{
	st->ob.depth_busy = 0;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER ||
	    r->element[1]->type != REDIS_REPLY_INTEGER ||
	    r->element[2]->type != REDIS_REPLY_INTEGER)
		return;
	st->ob.len = r->element[0]->integer;
	st->ob.pending = r->element[1]->integer;
	st->metrics.dead_len = r->element[2]->integer;
}

/* --- handing entries out -------------------------------------------- */

/* An optional TON/NPI field: absent -> def; else 0..255 or -1. */
static int
store_outbox_octet(const char *s, int def)
{
	char *end;
	long v;

	if (s == NULL)
		return def;
	if (s[0] < '0' || s[0] > '9')
		return -1;
	v = strtol(s, &end, 10);
	return *end == '\0' && v <= 255 ? (int)v : -1;
}

/*
 * One stream entry (id, flat field array) to the consumer's callback, or,
 * when malformed, settled as "failed". Returns 1 when the store went away
 * inside the callback. to_ton/to_npi came later: entries without them
 * are international numbers (1/1).
 */
static int
store_outbox_hand(struct store *st, const redisReply *idr,
    const redisReply *fields, long long deliveries)
{
	static const char *const names[STORE_SMS_NARGS] = { "bind", "to",
	    "from", "kind", "lang", "body", "expires_ms", "to_ton", "to_npi",
	    "op" };
	struct store_outbox_entry e;
	const char *v[STORE_SMS_NARGS] = { NULL };
	const char *exp;
	char *end;
	size_t i;
	int j, ton = 1, npi = 1, bad = 0;

	if (idr == NULL || idr->type != REDIS_REPLY_STRING ||
	    idr->len == 0 || idr->len >= sizeof(e.id)) {
		log_warnx("[redis] outbox entry with a malformed id skipped");
		return 0;
	}
	memset(&e, 0, sizeof(e));
	memcpy(e.id, idr->str, idr->len);
	if (fields == NULL || fields->type != REDIS_REPLY_ARRAY ||
	    fields->elements % 2 != 0)
		bad = 1;
	for (i = 0; !bad && i < fields->elements; i += 2) {
		const redisReply *n = fields->element[i];
		const redisReply *val = fields->element[i + 1];

		if (n->type != REDIS_REPLY_STRING ||
		    val->type != REDIS_REPLY_STRING) {
			bad = 1;
			break;
		}
		/* Written in the order of names: try the field's own slot
		 * first, the others only for an entry written otherwise. */
		j = (int)(i / 2);
		if (j < STORE_SMS_NARGS && strcmp(n->str, names[j]) == 0) {
			v[j] = val->str;
			continue;
		}
		for (j = 0; j < STORE_SMS_NARGS; j++)
			if (strcmp(n->str, names[j]) == 0)
				v[j] = val->str;
	}
	/* The first 7 present; bind, to, kind and body not empty. */
	for (j = 0; !bad && j < 7; j++)
		if (v[j] == NULL || (v[j][0] == '\0' && j != 2 && j != 4))
			bad = 1;
	if (!bad) {
		exp = v[6];
		e.expires_ms = strtoll(exp, &end, 10);
		if (exp[0] == '\0' || *end != '\0' || e.expires_ms < 0)
			bad = 1;
		ton = store_outbox_octet(v[7], 1);
		npi = store_outbox_octet(v[8], 1);
		if (ton < 0 || npi < 0)
			bad = 1;
	}
	if (bad) {
		store_outbox_dead(st, e.id, v[3], v[0], "malformed entry",
		    deliveries);
		log_err("[redis] outbox entry %s malformed: to the dead letters",
		    e.id);
		return 0;
	}
	e.bind = v[0];
	e.to = v[1];
	e.from = v[2];
	e.kind = v[3];
	e.lang = v[4];
	e.body = v[5];
	e.to_ton = (uint8_t)ton;
	e.to_npi = (uint8_t)npi;
	e.operator = v[9] != NULL ? v[9] : "";
	e.deliveries = deliveries > 0 ? deliveries : 1;
	store_hold(st);
	st->ob.cb(st->ob.arg, &e);
	return store_release(st);
}

/* --- claiming idle entries (main connection) ------------------------ */

/* P"outbox:alive" into k (room for the outbox key + 8). */
static int
store_outbox_alive_key(const struct store *st, char *k, size_t ksz)
{
	if (registry_key_outbox(k, ksz - 8, st->prefix) != 0)
		return -1;
	strcat(k, ":alive");
	return 0;
}

/* One claim round: STORE_SC_OUTBOX_CLAIM (store_scripts.c says what it
 * takes), sent as EVALSHA like every script. */
static void
store_outbox_claim_send(struct store *st)
{
	char k[REGISTRY_KEY_MAX], ka[REGISTRY_KEY_MAX + 8], idle[16], start[24];
	const char *argv[11] = { "EVALSHA", "", "2", k, ka,
	    REGISTRY_OUTBOX_GROUP, st->ob.consumer, idle, idle,
	    STORE_OUTBOX_COUNT, start };

	registry_key_outbox(k, sizeof(k), st->prefix);
	if (store_outbox_alive_key(st, ka, sizeof(ka)) != 0) {
		st->ob.claim_busy = 0;
		return;
	}
	snprintf(idle, sizeof(idle), "%d", st->ob.claim_ms);
	snprintf(start, sizeof(start), "%lld", st->ob.start_ms);
	store_submit_fn(st, STORE_SC_OUTBOX_CLAIM, 11, argv,
	    store_outbox_on_claim);
}

static void
store_outbox_on_claim_tick(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;

	(void)fd;
	(void)what;
	if (st->ob.claim_busy || !st->up || !st->ob.rup || st->ob.paused ||
	    st->ob.start_ms == 0 || store_outbox_fenced(st))
		return;
	st->ob.claim_busy = 1;
	store_outbox_claim_send(st);
}

static long long
store_outbox_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
store_outbox_fenced(struct store *st)
{
	long long age;

	if (st == NULL || st->ob.cb == NULL || st->ob.hb_good_ms == 0)
		return 0;
	if (st->ob.fenced)
		return 1;
	/* Our deadline in Redis is at least STORE_HB_TTL_MS after the last
	 * answered heartbeat was sent: fenced well before it can pass. */
	age = store_outbox_mono_ms() - st->ob.hb_good_ms;
	if (age <= STORE_FENCE_MS)
		return 0;
	st->ob.fenced = 1;
	st->ob.fenced_ms = store_outbox_mono_ms();
	st->ob.fences++;
	log_notice("[redis] outbox: no heartbeat answered for %lld ms: "
	    "sending nothing held, reading and claiming nothing, until one "
	    "is (another instance may claim our entries)", age);
	return 1;
}

void
store_outbox_set_owned(struct store *st, store_outbox_owned_cb *cb, void *arg)
{
	st->ob.owned_cb = cb;
	st->ob.owned_arg = arg;
}

long long
store_outbox_fences(const struct store *st)
{
	return st != NULL ? st->ob.fences : 0;
}

/* The heartbeat that lifts a fence: r is {clock, {id...}}. */
static void
store_outbox_unfence(struct store *st, const redisReply *r, long long sent)
{
	const redisReply *l = r->element[1];
	const char **ids;
	size_t i, n = 0;

	if ((ids = calloc(l->elements + 1, sizeof(*ids))) == NULL) {
		log_warnx("[redis] outbox: fence kept: out of memory");
		return;
	}
	for (i = 0; i < l->elements; i++)
		if (l->element[i]->type == REDIS_REPLY_STRING)
			ids[n++] = l->element[i]->str;
	st->ob.hb_good_ms = sent;
	st->ob.fenced = 0;
	log_notice("[redis] outbox: heartbeat answered again, fenced %lld ms; "
	    "%zu entries still pending for us", store_outbox_mono_ms() -
	    st->ob.fenced_ms, n);
	store_hold(st);
	if (st->ob.owned_cb != NULL)
		st->ob.owned_cb(st->ob.owned_arg, ids, n);
	free(ids);
	if (store_release(st))
		return;
	if (!st->ob.paused && st->ob.ev_resume != NULL)
		event_active(st->ob.ev_resume, EV_TIMEOUT, 1);
}

static void
store_outbox_on_hb(struct store *st, const redisReply *r)
{
	int verify = st->ob.hb_verify;
	long long now;

	st->ob.hb_busy = 0;
	st->ob.hb_verify = 0;
	if (r == NULL)
		return;		/* store.c logged an error reply */
	if (st->ob.start_ms > 0) {
		if (verify && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
		    r->element[0]->type == REDIS_REPLY_INTEGER &&
		    r->element[1]->type == REDIS_REPLY_ARRAY) {
			if (st->ob.fenced)
				store_outbox_unfence(st, r, st->ob.hb_sent_ms);
			else
				st->ob.hb_good_ms = st->ob.hb_sent_ms;
		} else if (r->type == REDIS_REPLY_INTEGER &&
		    !store_outbox_fenced(st))
			/* Answered before our old deadline could pass (not
			 * fenced yet): the deadlines chain without a gap. */
			st->ob.hb_good_ms = st->ob.hb_sent_ms;
		return;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		/* Refused (an ACL without HSET?): other instances will take us
		 * for dead, but an outbox that sends beats one that never
		 * reads. No early take-back (start unknown), no fence. */
		log_err("[redis] outbox heartbeat refused: other instances "
		    "may send this one's SMS again");
		st->ob.start_ms = 1;
	} else if (r->type == REDIS_REPLY_INTEGER && r->integer > 0) {
		/* The first heartbeat: our start on Redis's clock. Only now
		 * does the reader connect, so every entry handed to our name
		 * before this instant was handed to a previous run of it. */
		st->ob.start_ms = r->integer;
		now = st->ob.hb_sent_ms;
		st->ob.hb_good_ms = now > 0 ? now : 1;
	} else
		return;
	store_timer(st->ob.ev_connect, 0);
}

/* Every STORE_HB_MS while the main connection is up: we are alive
 * (STORE_SC_OUTBOX_HB, store_scripts.c).
 * Before the first answer, every STORE_HB_FIRST_MS: the reader waits on it.
 * Fenced, the heartbeat also asks which entries are still ours. */
static void
store_outbox_on_hb_tick(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;
	char ka[REGISTRY_KEY_MAX + 8], k[REGISTRY_KEY_MAX], ttl[16];
	const char *argv[9] = { "EVALSHA", "", "2", ka, k,
	    st->ob.consumer, ttl, REGISTRY_OUTBOX_GROUP, "0" };
	const char *all[10];

	(void)fd;
	(void)what;
	store_timer(st->ob.ev_hb, st->ob.start_ms > 0 ? STORE_HB_MS :
	    STORE_HB_FIRST_MS);
	if (st->ob.hb_busy || !st->up || st->ob.cb == NULL ||
	    store_outbox_alive_key(st, ka, sizeof(ka)) != 0)
		return;
	registry_key_outbox(k, sizeof(k), st->prefix);
	snprintf(ttl, sizeof(ttl), "%d", STORE_HB_TTL_MS);
	st->ob.hb_verify = st->ob.start_ms > 1 && store_outbox_fenced(st);
	if (st->ob.hb_verify)
		argv[8] = "1";
	memcpy(all, argv, sizeof(argv));
	all[9] = STORE_OWNED_MAX;
	st->ob.hb_busy = 1;
	st->ob.hb_sent_ms = store_outbox_mono_ms();
	store_submit_fn(st, STORE_SC_OUTBOX_HB, 10, all, store_outbox_on_hb);
}

static void
store_outbox_on_claim(struct store *st, const redisReply *r)
{
	const redisReply *e;
	size_t i;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING) {
		if (r != NULL && r->type != REDIS_REPLY_ERROR)
			log_warnx("[redis] malformed outbox claim reply");
		st->ob.claim_busy = 0;
		return;
	}
	/* Pending entries deleted from the stream (trimmed or XDEL'd by
	 * someone else): promises that can no longer be kept. Said at err,
	 * counted; nothing to send. */
	if (r->elements >= 2 && r->element[1]->type == REDIS_REPLY_ARRAY)
		for (i = 0; i < r->element[1]->elements; i++) {
			e = r->element[1]->element[i];
			st->ob.lost++;
			log_err("[redis] outbox entry %.*s was deleted from the "
			    "stream before it was sent: lost",
			    e->type == REDIS_REPLY_STRING ? (int)e->len : 1,
			    e->type == REDIS_REPLY_STRING ? e->str : "?");
		}
	if (r->elements >= 3 && r->element[2]->type == REDIS_REPLY_ARRAY &&
	    r->element[2]->elements == 2 &&
	    r->element[2]->element[0]->type == REDIS_REPLY_INTEGER &&
	    r->element[2]->element[1]->type == REDIS_REPLY_INTEGER) {
		e = r->element[2];
		if (e->element[0]->integer > 0)
			log_notice("[redis] outbox: %lld entries claimed from "
			    "consumers whose heartbeat is gone",
			    e->element[0]->integer);
		if (e->element[1]->integer > 0)
			log_notice("[redis] outbox: %lld dead consumers removed "
			    "from the group", e->element[1]->integer);
		st->ob.claimed_dead += e->element[0]->integer;
		st->ob.removed += e->element[1]->integer;
	}
	/* claim_busy stays set while they are handed out: a tick in between
	 * (a callback that runs the loop) cannot claim the same entries. */
	for (i = 3; i < r->elements; i++) {
		e = r->element[i];
		if (e->type != REDIS_REPLY_ARRAY || e->elements != 3 ||
		    e->element[2]->type != REDIS_REPLY_INTEGER) {
			log_warnx("[redis] malformed outbox claim reply");
			continue;
		}
		if (store_outbox_hand(st, e->element[0], e->element[1],
		    e->element[2]->integer))
			return;
	}
	st->ob.claim_busy = 0;
}

/* --- the blocking reader connection --------------------------------- */

static void
store_outbox_reader_zfree(evutil_socket_t fd, short what, void *arg)
{
	struct store_reader *rd = arg;

	(void)fd;
	(void)what;
	if (rd->ac != NULL)
		redisAsyncFree(rd->ac);	/* its callbacks see rd->st NULL */
	free(rd);
}

/*
 * Cut the reader from the store and let its context go: now, or from the
 * loop when we are inside one of its callbacks (hiredis 0.14 must not free
 * a context from there).
 */
static void
store_outbox_reader_detach(struct store *st)
{
	struct store_reader *rd = st->ob.reader;
	static const struct timeval zero = { 0, 0 };

	if (rd == NULL)
		return;
	st->ob.reader = NULL;
	st->ob.read_idle = 0;
	st->ob.rup = 0;
	evtimer_del(st->ob.ev_deadline);
	rd->st = NULL;
	if (rd->in_cb > 0 || rd->ac == NULL) {
		if (event_base_once(st->base, -1, EV_TIMEOUT, store_outbox_reader_zfree,
		    rd, &zero) != 0)
			log_warnx("[redis] cannot schedule the outbox reader's "
			    "release");
		return;
	}
	redisAsyncFree(rd->ac);
	free(rd);
}

static void
store_outbox_reader_down(struct store *st, const char *reason)
{
	store_outbox_reader_detach(st);
	if (st->dead)
		return;
	log_warnx("[redis] outbox reader down: %s; retry in %d ms", reason,
	    st->ob.backoff_ms);
	store_timer(st->ob.ev_connect, st->ob.backoff_ms);
	st->ob.backoff_ms = st->ob.backoff_ms * 2 > STORE_BACKOFF_MAX_MS ?
	    STORE_BACKOFF_MAX_MS : st->ob.backoff_ms * 2;
	if (st->sen.n > 0 && st->ob.backoff_ms > 1000)
		st->ob.backoff_ms = 1000;	/* Sentinel: the master may move */
}

/* From inside a reader callback: drop it from the loop. */
static void
store_outbox_reader_drop_later(struct store *st, const char *reason)
{
	if (st->ob.drop_reason[0] != '\0')
		return;
	snprintf(st->ob.drop_reason, sizeof(st->ob.drop_reason), "%s", reason);
	store_timer(st->ob.ev_drop, 0);
}

static void
store_outbox_on_rdrop(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;
	char why[128];

	(void)fd;
	(void)what;
	snprintf(why, sizeof(why), "%s", st->ob.drop_reason);
	st->ob.drop_reason[0] = '\0';
	if (st->ob.reader != NULL)
		store_outbox_reader_down(st, why);
}

static void
store_outbox_on_rdeadline(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;

	(void)fd;
	(void)what;
	store_outbox_reader_down(st, st->ob.rup ? "outbox read timed out" :
	    "connect/set-up timed out");
}

static void store_outbox_reader_on_read(redisAsyncContext *, void *, void *);

static void
store_outbox_reader_read(struct store *st)
{
	char k[REGISTRY_KEY_MAX], block[16];
	const char *argv[10] = { "XREADGROUP", "GROUP", REGISTRY_OUTBOX_GROUP,
	    st->ob.consumer, "COUNT", STORE_OUTBOX_COUNT, "BLOCK", block,
	    "STREAMS", k };
	const char *all[11];
	size_t len[11];
	int i;

	registry_key_outbox(k, sizeof(k), st->prefix);
	snprintf(block, sizeof(block), "%d", STORE_OUTBOX_BLOCK_MS);
	memcpy(all, argv, sizeof(argv));
	all[10] = ">";
	for (i = 0; i < 11; i++)
		len[i] = strlen(all[i]);
	if (redisAsyncCommandArgv(st->ob.reader->ac, store_outbox_reader_on_read,
	    st->ob.reader, 11, all, len) != REDIS_OK) {
		store_outbox_reader_drop_later(st, "cannot send XREADGROUP");
		return;
	}
	store_timer(st->ob.ev_deadline, STORE_OUTBOX_BLOCK_MS + st->timeout_ms);
}

static void
store_outbox_reader_on_read(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct store_reader *rd = privdata;
	struct store *st = rd->st;
	const redisReply *r = reply, *s, *e;
	size_t i, j;

	(void)ac;
	if (st == NULL || r == NULL)
		return;		/* detached, or going: the disconnect says */
	evtimer_del(st->ob.ev_deadline);
	if (r->type == REDIS_REPLY_ERROR) {
		log_warnx("[redis] outbox read: %.*s",
		    (int)(r->len < 120 ? r->len : 120), r->str);
		if (strncmp(r->str, "READONLY", 8) == 0)
			store_sentinel_demoted(st, "outbox reader");
		store_outbox_reader_drop_later(st, "XREADGROUP failed");
		return;
	}
	rd->in_cb++;
	store_hold(st);
	if (r->type == REDIS_REPLY_ARRAY) {
		for (i = 0; i < r->elements && !st->dead; i++) {
			s = r->element[i];
			if (s->type != REDIS_REPLY_ARRAY || s->elements != 2 ||
			    s->element[1]->type != REDIS_REPLY_ARRAY) {
				log_warnx("[redis] malformed outbox read reply");
				continue;
			}
			for (j = 0; j < s->element[1]->elements && !st->dead;
			    j++) {
				e = s->element[1]->element[j];
				if (e->type != REDIS_REPLY_ARRAY ||
				    e->elements != 2) {
					log_warnx("[redis] malformed outbox "
					    "read reply");
					continue;
				}
				store_outbox_hand(st, e->element[0],
				    e->element[1], 1);
			}
		}
	} else if (r->type != REDIS_REPLY_NIL)
		log_warnx("[redis] malformed outbox read reply");
	if (!st->dead && st->ob.reader == rd) {
		if (st->ob.paused || store_outbox_fenced(st))
			st->ob.read_idle = 1;
		else
			store_outbox_reader_read(st);
	}
	rd->in_cb--;
	store_release(st);
}

static void
store_outbox_reader_on_select(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct store_reader *rd = privdata;
	const redisReply *r = reply;

	(void)ac;
	if (rd->st == NULL || r == NULL)
		return;
	if (r->type != REDIS_REPLY_STATUS) {
		log_warnx("[redis] outbox reader: SELECT failed");
		store_outbox_reader_drop_later(rd->st, "set-up failed");
	}
}

/* AUTH's reply (issue 9, piece c): refused -> logged once, retried. */
static void
store_outbox_reader_on_auth(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct store_reader *rd = privdata;
	const redisReply *r = reply;

	(void)ac;
	if (rd->st == NULL || r == NULL)
		return;
	if (store_health_reader_auth(rd->st, r) != 0)
		store_outbox_reader_drop_later(rd->st, "AUTH refused");
}

/* XGROUP CREATE's reply (BUSYGROUP: it exists, fine): reads start. */
static void
store_outbox_reader_on_group(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct store_reader *rd = privdata;
	struct store *st = rd->st;
	const redisReply *r = reply;

	(void)ac;
	if (st == NULL || r == NULL || st->ob.drop_reason[0] != '\0')
		return;		/* going (AUTH refused, ...) */
	if (r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "BUSYGROUP", 9) != 0) {
		log_warnx("[redis] outbox reader set-up: %.*s",
		    (int)(r->len < 120 ? r->len : 120), r->str);
		if (strncmp(r->str, "READONLY", 8) == 0)
			store_sentinel_demoted(st, "outbox reader");
		store_outbox_reader_drop_later(st, "set-up failed");
		return;
	}
	if (r->type != REDIS_REPLY_ERROR && r->type != REDIS_REPLY_STATUS) {
		store_outbox_reader_drop_later(st, "set-up failed");
		return;
	}
	st->ob.rup = 1;
	/* The set-up deadline ends here: a paused reader sends no read
	 * (whose own deadline would replace it) and must not time out. */
	evtimer_del(st->ob.ev_deadline);
	st->ob.backoff_ms = STORE_BACKOFF_MIN_MS;
	st->health.rauth_logged = 0;
	log_info("[redis] outbox reader up (group %s, consumer %s)",
	    REGISTRY_OUTBOX_GROUP, st->ob.consumer);
	/* A claim round now, not in claim_idle_ms / 2: what a previous run
	 * under this name left pending goes out at once. */
	if (st->ob.ev_claim != NULL)
		event_active(st->ob.ev_claim, EV_TIMEOUT, 1);
	if (st->ob.paused || store_outbox_fenced(st))
		st->ob.read_idle = 1;
	else
		store_outbox_reader_read(st);
}

/* Resume reading from the loop, never from inside a reader callback. */
static void
store_outbox_on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;

	(void)fd;
	(void)what;
	if (st->dead || st->ob.paused || !st->ob.read_idle || st->ob.reader == NULL ||
	    !st->ob.rup || store_outbox_fenced(st))
		return;
	st->ob.read_idle = 0;
	store_outbox_reader_read(st);
}

void
store_outbox_pause(struct store *st, int paused)
{
	if (st->ob.paused == !!paused)
		return;
	st->ob.paused = !!paused;
	if (!paused && st->ob.ev_resume)
		event_active(st->ob.ev_resume, EV_TIMEOUT, 1);
}

static void
store_outbox_reader_on_connect(const redisAsyncContext *ac, int status)
{
	struct store_reader *rd = ac->data;
	struct store *st;
	char why[160];

	if (rd == NULL || (st = rd->st) == NULL || status == REDIS_OK)
		return;
	/* hiredis frees the context when this returns (no disconnect
	 * callback then): rd goes from the loop. */
	snprintf(why, sizeof(why), "%s", ac->c.errstr[0] ? ac->c.errstr :
	    "connect failed");
	rd->ac = NULL;
	store_outbox_reader_down(st, why);
}

static void
store_outbox_reader_on_disconnect(const redisAsyncContext *ac, int status)
{
	struct store_reader *rd = ac->data;
	struct store *st;
	char why[160];

	(void)status;
	if (rd == NULL)
		return;
	rd->ac = NULL;		/* hiredis frees it when this returns */
	if ((st = rd->st) == NULL)
		return;		/* detached: whoever detached frees rd */
	snprintf(why, sizeof(why), "%s", ac->c.errstr[0] ? ac->c.errstr :
	    "connection closed");
	store_outbox_reader_down(st, why);	/* ac NULL: rd freed from the loop */
}

static void
store_outbox_reader_connect(struct store *st)
{
	struct store_reader *rd;
	redisAsyncContext *ac;
	char k[REGISTRY_KEY_MAX], db[16];
	const char *sel[2] = { "SELECT", db };
	const char *auth[3];
	const char *grp[6] = { "XGROUP", "CREATE", k, REGISTRY_OUTBOX_GROUP,
	    "0", "MKSTREAM" };
	size_t len[6];
	int i;

	if (st->ob.reader != NULL || st->dead || st->ob.cb == NULL)
		return;
	if (st->sen.n > 0 && !st->sen.known)
		return;		/* the first Sentinel answer starts it */
	if (st->socket[0] != '\0')
		ac = redisAsyncConnectUnix(st->socket);
	else
		ac = redisAsyncConnect(st->host, st->port);
	if (ac == NULL || ac->err || (rd = calloc(1, sizeof(*rd))) == NULL) {
		char why[160];

		snprintf(why, sizeof(why), "%s", ac && ac->err ? ac->errstr :
		    "cannot allocate a context");
		if (ac != NULL)
			redisAsyncFree(ac);
		store_outbox_reader_down(st, why);
		return;
	}
	rd->st = st;
	rd->ac = ac;
	ac->data = rd;
	store_reply_pool(ac);	/* its replies from the pool too */
	if (redisLibeventAttach(ac, st->base) != REDIS_OK) {
		ac->data = NULL;
		redisAsyncFree(ac);
		free(rd);
		store_outbox_reader_down(st, "cannot attach to the event loop");
		return;
	}
	redisAsyncSetConnectCallback(ac, store_outbox_reader_on_connect);
	redisAsyncSetDisconnectCallback(ac, store_outbox_reader_on_disconnect);
	st->ob.reader = rd;
	registry_key_outbox(k, sizeof(k), st->prefix);
	snprintf(db, sizeof(db), "%d", st->db);
	/* AUTH first, before anything else on this connection. */
	if ((i = store_health_auth_argv(st, auth, len)) > 0 &&
	    redisAsyncCommandArgv(ac, store_outbox_reader_on_auth, rd, i, auth,
	    len) != REDIS_OK)
		goto fail;
	len[0] = 6;
	len[1] = strlen(db);
	if (st->db != 0 && redisAsyncCommandArgv(ac, store_outbox_reader_on_select,
	    rd, 2, sel, len) != REDIS_OK)
		goto fail;
	for (i = 0; i < 6; i++)
		len[i] = strlen(grp[i]);
	if (redisAsyncCommandArgv(ac, store_outbox_reader_on_group, rd, 6, grp,
	    len) != REDIS_OK)
		goto fail;
	store_timer(st->ob.ev_deadline, st->timeout_ms * 5 > 2000 ?
	    st->timeout_ms * 5 : 2000);
	return;
fail:
	store_outbox_reader_down(st, "cannot queue the set-up commands");
}

void
store_outbox_reader_follow(struct store *st)
{
	if (st->dead || st->ob.cb == NULL)
		return;
	if (st->ob.reader != NULL)
		store_outbox_reader_detach(st);
	evtimer_del(st->ob.ev_connect);
	st->ob.backoff_ms = STORE_BACKOFF_MIN_MS;
	store_timer(st->ob.ev_connect, 0);
}

static void
store_outbox_on_rconnect(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	store_outbox_reader_connect(arg);
}

int
store_outbox_start(struct store *st, const char *consumer, int claim_idle_ms,
    store_outbox_cb *cb, void *arg)
{
	struct timeval tv;
	int tick;

	if (st == NULL || st->dead || cb == NULL || consumer == NULL ||
	    consumer[0] == '\0' || strlen(consumer) >= sizeof(st->ob.consumer) ||
	    claim_idle_ms <= 0) {
		log_warnx("[redis] outbox consumer: bad arguments");
		return -1;
	}
	if (st->ob.cb != NULL) {
		log_warnx("[redis] outbox consumer already started");
		return -1;
	}
	st->ob.cb = cb;
	st->ob.arg = arg;
	snprintf(st->ob.consumer, sizeof(st->ob.consumer), "%s", consumer);
	st->ob.claim_ms = claim_idle_ms;
	tick = claim_idle_ms / 2 > 10 ? claim_idle_ms / 2 : 10;
	tv.tv_sec = tick / 1000;
	tv.tv_usec = (tick % 1000) * 1000;
	if (st->ob.ev_claim == NULL) {
		log_warnx("[redis] outbox consumer: no claim timer");
		return -1;
	}
	evtimer_add(st->ob.ev_claim, &tv);
	/* The first heartbeat now (it re-arms itself); its reply connects
	 * the reader. */
	event_active(st->ob.ev_hb, EV_TIMEOUT, 1);
	return 0;
}

/* --- life ----------------------------------------------------------- */

int
store_outbox_init(struct store *st)
{
	struct store_outbox *ob = &st->ob;

	store_outbox_stems(st);
	ob->dlr_wait = NULL;
	ob->dlr_wait_tail = &ob->dlr_wait;
	ob->backoff_ms = STORE_BACKOFF_MIN_MS;
	ob->ev_connect = evtimer_new(st->base, store_outbox_on_rconnect, st);
	ob->ev_deadline = evtimer_new(st->base, store_outbox_on_rdeadline, st);
	ob->ev_drop = evtimer_new(st->base, store_outbox_on_rdrop, st);
	ob->ev_claim = event_new(st->base, -1, EV_PERSIST,
	    store_outbox_on_claim_tick, st);
	ob->ev_resume = event_new(st->base, -1, 0, store_outbox_on_resume, st);
	ob->ev_depth = event_new(st->base, -1, EV_PERSIST,
	    store_outbox_on_depth_tick, st);
	ob->ev_hb = event_new(st->base, -1, 0, store_outbox_on_hb_tick,
	    st);
	if (ob->ev_hb == NULL || ob->ev_connect == NULL || ob->ev_deadline == NULL ||
	    ob->ev_drop == NULL || ob->ev_claim == NULL ||
	    ob->ev_resume == NULL || ob->ev_depth == NULL)
		return -1;
	store_timer(ob->ev_depth, STORE_DEPTH_MS);	/* persistent */
	return 0;
}

void
store_outbox_close(struct store *st)
{
	struct store_outbox *ob = &st->ob;
	struct store_dlr *d;

	while ((d = ob->dlr_pool) != NULL) {
		ob->dlr_pool = d->next;
		free(d);
	}
	while ((d = ob->dlr_wait) != NULL) {	/* none after store_free's flush */
		ob->dlr_wait = d->next;
		free(d);
	}
	ob->dlr_wait_tail = NULL;
	ob->ndlr_pool = 0;
	if (ob->ev_deadline != NULL)
		store_outbox_reader_detach(st);
	if (ob->ev_connect)
		event_free(ob->ev_connect);
	if (ob->ev_deadline)
		event_free(ob->ev_deadline);
	if (ob->ev_drop)
		event_free(ob->ev_drop);
	if (ob->ev_claim)
		event_free(ob->ev_claim);
	if (ob->ev_resume)
		event_free(ob->ev_resume);
	if (ob->ev_depth)
		event_free(ob->ev_depth);
	if (ob->ev_hb)
		event_free(ob->ev_hb);
	ob->ev_hb = NULL;
	ob->nnotes = 0;
	ob->ev_connect = ob->ev_deadline = ob->ev_drop = NULL;
	ob->ev_claim = ob->ev_resume = ob->ev_depth = NULL;
}
