/*
 * store: the daemon's Redis adapter. One pipelined hiredis (0.14) async
 * connection on the libevent loop: connect, set-up, reconnect with backoff,
 * a deadline on every request, the request/reply machinery, and the dialog
 * requests (lookups, sessions, rate limits, categories, OTPs, audit). The
 * scripts are in store_scripts.c, the outbox consumer in store_outbox.c.
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

#define STORE_MAX_PENDING    20000	/* requests in flight, then fail fast */
#define STORE_MAX_TIMEOUTS   5		/* in a row, then reconnect */
#define STORE_AUDIT_MAXLEN   "1000000"
#define STORE_SENTINEL_BACKOFF_MAX_MS 1000	/* a failover takes seconds */

static void store_connect(struct store *);
static void store_pool_drain(struct store *);
static void store_key_rl_fail(const struct store *, char *, size_t,
    enum parse_idtype, const char *);

/* --- small helpers -------------------------------------------------- */

void
store_hold(struct store *st)
{
	st->depth++;
}

int
store_release(struct store *st)
{
	if (--st->depth == 0 && st->dead) {
		store_pool_drain(st);
		free(st->resp);
		free(st);
		return 1;
	}
	return st->dead;
}

void
store_timer(struct event *ev, int ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

/*
 * Released requests go back to their store's pool (STORE_POOL_MAX of
 * them, each STORE_REQ_ROOM bytes of arguments, their deadline event
 * kept): a dialog step's requests then cost no allocation. The bytes an
 * argument held (a document number, a birth date) are wiped first.
 */
#define STORE_REQ_ROOM  2048
/* Under AddressSanitizer (make SAN=1) nothing is pooled (requests nor
 * reply objects), so a use after release is still caught. */
#if defined(__SANITIZE_ADDRESS__)
#define STORE_POOL_MAX  0
#define STORE_RPOOL_MAX 0
#else
#define STORE_POOL_MAX  256
#define STORE_RPOOL_MAX 1024
#endif

static void
store_req_free(struct store_req *req)
{
	struct store *st = req->st;

	explicit_bzero(req->data, req->used);
	if (st != NULL && !st->dead && req->room == STORE_REQ_ROOM &&
	    st->npool < STORE_POOL_MAX) {
		if (req->deadline != NULL)
			evtimer_del(req->deadline);
		TAILQ_INSERT_HEAD(&st->pool, req, entry);
		st->npool++;
		return;
	}
	if (req->deadline)
		event_free(req->deadline);
	free(req);
}

/* The pool's requests freed (the store going away). */
static void
store_pool_drain(struct store *st)
{
	struct store_req *req;

	while ((req = TAILQ_FIRST(&st->pool)) != NULL) {
		TAILQ_REMOVE(&st->pool, req, entry);
		st->npool--;
		if (req->deadline)
			event_free(req->deadline);
		free(req);
	}
}

static void
store_req_unlink(struct store *st, struct store_req *req)
{
	TAILQ_REMOVE(&st->reqs, req, entry);
	st->nreqs--;
}

/* Two decimal digits of 0..99, for store_utoa. */
static const char store_d2[201] =
    "00010203040506070809101112131415161718192021222324"
    "25262728293031323334353637383940414243444546474849"
    "50515253545556575859606162636465666768697071727374"
    "75767778798081828384858687888990919293949596979899";

/* Decimal digits of v at p (room for 20): their count. Inline: it runs
 * for every argument of every request (RESP lengths and counts), nearly
 * always under 10,000. */
static inline size_t
store_utoa(char *p, size_t v)
{
	char tmp[24];
	size_t n = 0, i;

	if (v < 10) {
		p[0] = (char)('0' + v);
		return 1;
	}
	if (v < 100) {
		memcpy(p, store_d2 + 2 * v, 2);
		return 2;
	}
	if (v < 1000) {
		p[0] = (char)('0' + v / 100);
		memcpy(p + 1, store_d2 + 2 * (v % 100), 2);
		return 3;
	}
	if (v < 10000) {
		memcpy(p, store_d2 + 2 * (v / 100), 2);
		memcpy(p + 2, store_d2 + 2 * (v % 100), 2);
		return 4;
	}
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

/*
 * The room kept before a request's RESP bytes for its head, written when
 * it is sent: "*<argc>\r\n" and, for a script, the pre-formatted
 * "$7 EVALSHA $40 <sha>" (store_scripts_head, 60 bytes).
 */
#define STORE_REQ_HEAD  96

/*
 * A request with argc arguments copied in: the argument vector, their
 * lengths and their bytes all in the one allocation, the bytes already
 * as RESP ("$<len>\r\n<bytes>\r\n"; a script's from its third, after
 * EVALSHA and the SHA) so that sending copies them no more. Each
 * argument's "\r" is kept a NUL but while hiredis copies the request
 * (store_send): argv[i] stays a C string. NULL on allocation failure.
 */
static struct store_req *
store_req_new(struct store *st, enum store_kind kind, int script, int argc,
    const char *const *argv, const size_t *argvlen)
{
	struct store_req *req;
	struct event *ev = NULL;
	size_t total = 0, off, pad, room;
	char *p;
	int i, first = script >= 0 ? 2 : 0;

	if (argc > STORE_MAXARGS || argc < first) {
		log_warnx("[redis] cannot allocate a request");
		return NULL;
	}
	/* Each: "$", at most 20 digits, "\r\n", the bytes, "\r\n". */
	for (i = 0; i < argc; i++)
		total += argvlen[i] + 25;
	/* data[] starts at an offset that may not suit size_t or pointers. */
	pad = (sizeof(void *) - offsetof(struct store_req, data) %
	    sizeof(void *)) % sizeof(void *);
	off = pad + (size_t)argc * (sizeof(size_t) + sizeof(char *)) +
	    STORE_REQ_HEAD;
	/* Exact size when nothing is pooled (ASan sees an overflow). */
	room = STORE_POOL_MAX > 0 && off + total <= STORE_REQ_ROOM ?
	    STORE_REQ_ROOM : off + total;
	if (room == STORE_REQ_ROOM && (req = TAILQ_FIRST(&st->pool)) != NULL) {
		TAILQ_REMOVE(&st->pool, req, entry);
		st->npool--;
		ev = req->deadline;
		memset(req, 0, offsetof(struct store_req, data));
	} else if ((req = calloc(1, sizeof(*req) + room)) == NULL) {
		log_warnx("[redis] cannot allocate a request");
		return NULL;
	}
	req->deadline = ev;
	req->room = room;
	req->kind = kind;
	req->script = script;
	req->argc = argc;
	req->argvlen = (size_t *)(void *)(req->data + pad);
	req->argv = (const char **)(void *)(req->argvlen + argc);
	for (i = 0; i < first; i++) {	/* store_scripts_argv sets them */
		req->argv[i] = "";
		req->argvlen[i] = 0;
	}
	req->resp = p = req->data + off;
	for (; i < argc; i++) {
		*p++ = '$';
		p += store_utoa(p, argvlen[i]);
		*p++ = '\r';
		*p++ = '\n';
		req->argv[i] = p;
		req->argvlen[i] = argvlen[i];
		if (argv[i] != NULL)
			memcpy(p, argv[i], argvlen[i]);
		p += argvlen[i];
		*p++ = '\0';		/* '\r' while sent */
		*p++ = '\n';
	}
	req->resplen = (size_t)(p - req->resp);
	req->used = (size_t)(p - req->data);
	return req;
}

/*
 * The main connection's reply objects (ac->c.reader->fn, set at connect):
 * hiredis's own functions allocate every object and every string apart
 * (some 26 allocations per dialog step); these take a node from a pool
 * that holds the redisReply with its string or element vector when they
 * are short (STORE_RNODE_INL bytes), apart only when longer. The objects
 * are the same redisReply trees hiredis would build; the bytes of a
 * string (a matricule, an OTP's state) are wiped when it goes back.
 */
#define STORE_RNODE_INL  88

struct store_rnode {
	redisReply           r;	/* first: what hiredis and the callbacks see */
	struct store_rnode  *next;	/* in the pool */
	union {
		char         s[STORE_RNODE_INL];
		redisReply  *e[STORE_RNODE_INL / sizeof(redisReply *)];
	} u;
};

static struct store_rnode *store_rpool;
static int store_nrpool;

static struct store_rnode *
store_rnode(const redisReply *r)
{
	return (struct store_rnode *)(void *)(uintptr_t)r;
}

static void
store_rput(struct store_rnode *n)
{
	if (store_nrpool >= STORE_RPOOL_MAX) {
		free(n);
		return;
	}
	n->next = store_rpool;
	store_rpool = n;
	store_nrpool++;
}

/* A node of the given type (hiredis's own functions take it from the
 * function, not from task: a nil bulk string comes with task->type
 * STRING). */
static redisReply *
store_rnew(int type)
{
	struct store_rnode *n;

	if ((n = store_rpool) != NULL) {
		store_rpool = n->next;
		store_nrpool--;
	} else if ((n = malloc(sizeof(*n))) == NULL)
		return NULL;
	memset(&n->r, 0, sizeof(n->r));
	n->r.type = type;
	return &n->r;
}

static void
store_rlink(const redisReadTask *task, redisReply *r)
{
	redisReply *parent;

	if (task->parent != NULL) {
		parent = task->parent->obj;
		parent->element[task->idx] = r;
	}
}

static void
store_rfree(void *p)
{
	redisReply *r = p;
	struct store_rnode *n;
	size_t i;

	if (r == NULL)
		return;
	n = store_rnode(r);
	switch (r->type) {
	case REDIS_REPLY_ARRAY:
		if (r->element != NULL) {
			for (i = 0; i < r->elements; i++)
				store_rfree(r->element[i]);
			if (r->element != n->u.e)
				free(r->element);
		}
		break;
	case REDIS_REPLY_ERROR:
	case REDIS_REPLY_STATUS:
	case REDIS_REPLY_STRING:
		if (r->str != NULL) {
			explicit_bzero(r->str, r->len);
			if (r->str != n->u.s)
				free(r->str);
		}
		break;
	}
	store_rput(n);
}

static void *
store_rstring(const redisReadTask *task, char *str, size_t len)
{
	redisReply *r;
	char *buf;

	if ((r = store_rnew(task->type)) == NULL)
		return NULL;
	if (STORE_RPOOL_MAX > 0 && len < STORE_RNODE_INL)	/* ASan: apart */
		buf = store_rnode(r)->u.s;
	else if ((buf = malloc(len + 1)) == NULL) {
		store_rput(store_rnode(r));
		return NULL;
	}
	memcpy(buf, str, len);
	buf[len] = '\0';
	r->str = buf;
	r->len = len;
	store_rlink(task, r);
	return r;
}

static void *
store_rarray(const redisReadTask *task, int elements)
{
	redisReply *r;

	if ((r = store_rnew(REDIS_REPLY_ARRAY)) == NULL)
		return NULL;
	if (elements > 0) {
		if (STORE_RPOOL_MAX > 0 &&
		    (size_t)elements <= sizeof(store_rnode(r)->u.e) /
		    sizeof(store_rnode(r)->u.e[0])) {
			r->element = store_rnode(r)->u.e;
			memset(r->element, 0, (size_t)elements *
			    sizeof(r->element[0]));
		} else if ((r->element = calloc((size_t)elements,
		    sizeof(r->element[0]))) == NULL) {
			store_rput(store_rnode(r));
			return NULL;
		}
	}
	r->elements = elements > 0 ? (size_t)elements : 0;
	store_rlink(task, r);
	return r;
}

static void *
store_rinteger(const redisReadTask *task, long long value)
{
	redisReply *r;

	if ((r = store_rnew(REDIS_REPLY_INTEGER)) == NULL)
		return NULL;
	r->integer = value;
	store_rlink(task, r);
	return r;
}

static void *
store_rnil(const redisReadTask *task)
{
	redisReply *r;

	if ((r = store_rnew(REDIS_REPLY_NIL)) == NULL)
		return NULL;
	store_rlink(task, r);
	return r;
}

static redisReplyObjectFunctions store_reply_fns = {
	store_rstring, store_rarray, store_rinteger, store_rnil, store_rfree
};

/* ac's replies from the pool (right after it is made: nothing read yet). */
void
store_reply_pool(struct redisAsyncContext *ac)
{
	ac->c.reader->fn = &store_reply_fns;
}

/* v in decimal at p (room for 21), NUL-ended, without a format parsed
 * (the request arguments built per dialog step). */
void
store_dec(char *p, long long v)
{
	char tmp[24];
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*p++ = '-';
	while (n > 0)
		*p++ = tmp[--n];
	*p = '\0';
}

/* --- firing callbacks ----------------------------------------------- */

/*
 * The "<version>:" prefix of a stored dialog state (store.h): the bytes
 * to skip, the version in *ver (NULL ok). No prefix (a value written
 * before 0.6): 0, version 0.
 */
static size_t
store_state_ver(const char *s, size_t len, long long *ver)
{
	long long v = 0;
	size_t i;

	for (i = 0; i < len && i < 18 && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (s[i] - '0');
	if (i == 0 || i >= len || s[i] != ':')
		i = 0, v = 0;
	else
		i++;
	if (ver != NULL)
		*ver = v;
	return i;
}

static int
store_reply_str(const redisReply *r, size_t i, const char *s)
{
	return r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements > i &&
	    r->element[i]->type == REDIS_REPLY_STRING &&
	    strcmp(r->element[i]->str, s) == 0;
}

static const redisReply *
store_reply_el(const redisReply *r, size_t i)
{
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements <= i ||
	    r->element[i]->type != REDIS_REPLY_STRING)
		return NULL;
	return r->element[i];
}

void
store_copy(char *dst, size_t dstsz, const redisReply *s)
{
	size_t n = s->len < dstsz - 1 ? s->len : dstsz - 1;

	memcpy(dst, s->str, n);
	dst[n] = '\0';
}

/* src into dst, cut to dstsz - 1 bytes as snprintf "%s" would (no format
 * parsed per record). */
static void
store_strcpy(char *dst, size_t dstsz, const char *src)
{
	size_t n = strnlen(src, dstsz - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* One packed record and its reason text into rec; -1 when malformed. */
static int
store_fill_record(struct dialog_record *out, const redisReply *v,
    const redisReply *t)
{
	struct registry_rec rec;

	if (v == NULL || t == NULL ||
	    registry_unpack((const unsigned char *)v->str, v->len, &rec) != 0)
		return -1;
	out->reg = rec.status == REGISTRY_ST_REGISTERED ?
	    DIALOG_REG_REGISTERED : DIALOG_REG_INELIGIBLE;
	out->birth = rec.birth;
	out->expiry = rec.expiry;
	store_strcpy(out->matricule, sizeof(out->matricule), rec.matricule);
	out->has_account = rec.has_account;
	store_strcpy(out->phone, sizeof(out->phone), rec.phone);
	store_strcpy(out->reason_code, sizeof(out->reason_code), rec.reason);
	store_copy(out->reason_text, sizeof(out->reason_text), t);
	explicit_bzero(&rec, sizeof(rec));	/* a document number, a birth date */
	return 0;
}

/*
 * {'FOUND', record, reason text}: the number as typed; {'CANDS', record,
 * text, ...}: the records with the digits typed (digits-only); {'NONE'},
 * {'LOCKED'}, {'NOGEN'}.
 */
static void
store_fill_lookup(struct dialog_lookup *res, const redisReply *r)
{
	int cands;

	res->status = DIALOG_FETCH_ERROR;
	if (store_reply_str(r, 0, "LOCKED")) {
		res->status = DIALOG_FETCH_LOCKED;
		return;
	}
	if (store_reply_str(r, 0, "NONE")) {
		res->status = DIALOG_FETCH_OK;
		return;
	}
	if (store_reply_str(r, 0, "NOGEN")) {
		log_warnx("[redis] no registry loaded (run tnsgw-load)");
		return;
	}
	cands = store_reply_str(r, 0, "CANDS");
	if ((!cands && !store_reply_str(r, 0, "FOUND")) ||
	    (!cands && r->elements != 3) || r->elements % 2 != 1) {
		log_warnx("[redis] malformed lookup reply");
		return;
	}
	for (size_t i = 1; i + 1 < r->elements && res->n < DIALOG_CAND_MAX;
	    i += 2)
		if (store_fill_record(&res->rec[res->n++], r->element[i],
		    r->element[i + 1]) != 0) {
			log_warnx("[redis] malformed lookup reply");
			res->n = 0;
			return;
		}
	res->digits_only = cands;
	res->status = DIALOG_FETCH_OK;
}

static void
store_fill_cats(struct dialog_categories *res, const redisReply *r)
{
	const redisReply *c, *l;
	size_t i;

	res->status = DIALOG_FETCH_ERROR;
	if (store_reply_str(r, 0, "NOGEN")) {
		log_warnx("[redis] no categories loaded (run tnsgw-load)");
		return;
	}
	if (!store_reply_str(r, 0, "OK") || r->elements % 2 != 1) {
		log_warnx("[redis] malformed categories reply");
		return;
	}
	for (i = 1; i + 1 < r->elements && res->n < DIALOG_MAX_CATEGORIES;
	    i += 2) {
		if ((c = store_reply_el(r, i)) == NULL ||
		    (l = store_reply_el(r, i + 1)) == NULL) {
			log_warnx("[redis] malformed categories reply");
			res->n = 0;
			return;
		}
		store_copy(res->item[res->n].code,
		    sizeof(res->item[res->n].code), c);
		store_copy(res->item[res->n].label,
		    sizeof(res->item[res->n].label), l);
		res->n++;
	}
	res->status = DIALOG_FETCH_OK;
}

static void
store_fill_docs(struct dialog_docs *res, const redisReply *r)
{
	const redisReply *l, *d;

	res->status = DIALOG_FETCH_ERROR;
	if (store_reply_str(r, 0, "NONE")) {
		res->status = DIALOG_FETCH_OK;
		return;
	}
	if (store_reply_str(r, 0, "NOGEN")) {
		log_warnx("[redis] no categories loaded (run tnsgw-load)");
		return;
	}
	if (!store_reply_str(r, 0, "FOUND") ||
	    (l = store_reply_el(r, 1)) == NULL ||
	    (d = store_reply_el(r, 2)) == NULL) {
		log_warnx("[redis] malformed documents reply");
		return;
	}
	res->status = DIALOG_FETCH_OK;
	res->found = 1;
	store_copy(res->label, sizeof(res->label), l);
	store_copy(res->documents, sizeof(res->documents), d);
}

static void
store_fill_regions(struct dialog_regions *res, const redisReply *r)
{
	size_t i;

	res->status = DIALOG_FETCH_ERROR;
	if (store_reply_str(r, 0, "NOGEN")) {
		log_warnx("[redis] no proximity points loaded (tnsgw-load "
		    "--points)");
		return;
	}
	if (!store_reply_str(r, 0, "OK")) {
		log_warnx("[redis] malformed regions reply");
		return;
	}
	for (i = 1; i < r->elements && res->n < DIALOG_REGIONS_MAX; i++) {
		if (r->element[i]->type != REDIS_REPLY_STRING)
			return;
		store_copy(res->name[res->n++], sizeof(res->name[0]),
		    r->element[i]);
	}
	res->status = DIALOG_FETCH_OK;
}

static void
store_fill_points(struct dialog_points *res, const redisReply *r)
{
	const redisReply *name;
	size_t i;

	res->status = DIALOG_FETCH_ERROR;
	if (store_reply_str(r, 0, "NONE")) {
		res->status = DIALOG_FETCH_OK;
		return;
	}
	if (store_reply_str(r, 0, "NOGEN")) {
		log_warnx("[redis] no proximity points loaded (tnsgw-load "
		    "--points)");
		return;
	}
	if (!store_reply_str(r, 0, "FOUND") ||
	    (name = store_reply_el(r, 1)) == NULL) {
		log_warnx("[redis] malformed points reply");
		return;
	}
	store_copy(res->region, sizeof(res->region), name);
	for (i = 2; i < r->elements && res->n < DIALOG_POINTS_MAX; i++) {
		if (r->element[i]->type != REDIS_REPLY_STRING)
			return;
		store_copy(res->point[res->n++], sizeof(res->point[0]),
		    r->element[i]);
	}
	res->found = 1;
	res->status = DIALOG_FETCH_OK;
}

/* The script's answer ({'SENT'}, {'WRONG', n}, {'ALREADY', tail}, ...). */
static void
store_fill_otp(struct dialog_otp *res, const redisReply *r)
{
	static const struct {
		const char            *word;
		enum dialog_otp_status status;
	} words[] = {
		{ "SENT", DIALOG_OTP_SENT },
		{ "ALREADY", DIALOG_OTP_ALREADY },
		{ "OK", DIALOG_OTP_OK },
		{ "WRONG", DIALOG_OTP_WRONG },
		{ "EXPIRED", DIALOG_OTP_EXPIRED },
		{ "VOID", DIALOG_OTP_VOID },
		{ "LOCKED", DIALOG_OTP_LOCKED },
		{ "LIVE", DIALOG_OTP_LIVE },
		{ "WAIT", DIALOG_OTP_WAIT },
		{ "LIMIT", DIALOG_OTP_LIMIT },
	};
	const redisReply *v;
	size_t i;

	res->status = DIALOG_OTP_ERROR;
	if (r == NULL || r->type == REDIS_REPLY_ERROR)
		return;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (store_reply_str(r, 0, words[i].word))
			break;
	if (i == sizeof(words) / sizeof(words[0])) {
		log_warnx("[redis] malformed OTP reply");
		return;
	}
	if (words[i].status == DIALOG_OTP_WRONG) {
		if ((v = store_reply_el(r, 1)) == NULL) {
			log_warnx("[redis] malformed OTP reply");
			return;
		}
		res->attempts_left = atoi(v->str);
	}
	if (words[i].status == DIALOG_OTP_WAIT) {
		if ((v = store_reply_el(r, 1)) == NULL) {
			log_warnx("[redis] malformed OTP reply");
			return;
		}
		res->wait_s = atoi(v->str);
	}
	/* ALREADY and LIVE: the tail stored with the password / the code;
	 * WAIT: the live code's. */
	if (words[i].status == DIALOG_OTP_ALREADY ||
	    words[i].status == DIALOG_OTP_LIVE ||
	    words[i].status == DIALOG_OTP_WAIT) {
		if ((v = store_reply_el(r, words[i].status ==
		    DIALOG_OTP_WAIT ? 2 : 1)) == NULL) {
			log_warnx("[redis] malformed OTP reply");
			return;
		}
		store_copy(res->phone_tail, sizeof(res->phone_tail), v);
	}
	res->status = words[i].status;
}

/*
 * Call the request's callback once with what reply says (NULL: failure).
 * The request must already be unlinked when it is to be freed after this,
 * and is not touched once the callback runs. Returns 1 when the store went
 * away inside the callback.
 */
static int
store_fire(struct store *st, struct store_req *req, const redisReply *r)
{
	void *arg = req->arg;
	int ok, status;

	req->fired = 1;
	if (req->deadline)
		evtimer_del(req->deadline);	/* kept for the pool */
	if (req->genq && store_reply_str(r, 0, "STALE")) {
		/* Sent again once already (store_gens_wait). */
		st->metrics.stale_failed++;
		log_warnx("[redis] the registry data switched twice during "
		    "one request");
		r = NULL;
	}
	if (r != NULL && r->type == REDIS_REPLY_ERROR && strstr(r->str,
	    "NOPERM") != NULL)
		log_warnx("[redis] refused by the ACL (README \"Redis in "
		    "production\"): %.*s", (int)(r->len < 160 ? r->len : 160),
		    r->str);
	else if (r != NULL && r->type == REDIS_REPLY_ERROR)
		log_warnx("[redis] error reply: %.*s", (int)(r->len < 120 ?
		    r->len : 120), r->str);
	store_hold(st);
	switch (req->kind) {
	case STORE_K_NONE:
	case STORE_K_SYS:
		break;
	case STORE_K_GET: {
		store_get_cb *cb = req->cb.get;
		size_t skip;

		if (r != NULL && r->type == REDIS_REPLY_STRING) {
			skip = store_state_ver(r->str, r->len, NULL);
			cb(arg, 0, r->str + skip, r->len - skip);
		} else
			cb(arg, r != NULL && r->type == REDIS_REPLY_NIL ? 0 : -1,
			    NULL, 0);
		break;
	}
	case STORE_K_DONE: {
		store_done_cb *cb = req->cb.done;

		ok = r != NULL && (r->type == REDIS_REPLY_STATUS ||
		    r->type == REDIS_REPLY_INTEGER ||
		    r->type == REDIS_REPLY_STRING);
		status = ok ? 0 : -1;
		if (cb != NULL)
			cb(arg, status);
		break;
	}
	case STORE_K_LOOKUP: {
		store_lookup_cb *cb = req->cb.lookup;
		struct dialog_lookup res;

		memset(&res, 0, sizeof(res));
		res.status = DIALOG_FETCH_ERROR;
		if (r != NULL)
			store_fill_lookup(&res, r);
		cb(arg, &res);
		break;
	}
	case STORE_K_CATS: {
		store_categories_cb *cb = req->cb.cats;
		struct dialog_categories res;

		memset(&res, 0, sizeof(res));
		res.status = DIALOG_FETCH_ERROR;
		if (r != NULL)
			store_fill_cats(&res, r);
		cb(arg, &res);
		break;
	}
	case STORE_K_DOCS: {
		store_docs_cb *cb = req->cb.docs;
		struct dialog_docs res;

		memset(&res, 0, sizeof(res));
		res.status = DIALOG_FETCH_ERROR;
		if (r != NULL)
			store_fill_docs(&res, r);
		cb(arg, &res);
		break;
	}
	case STORE_K_REGIONS: {
		store_regions_cb *cb = req->cb.regions;
		struct dialog_regions res;

		memset(&res, 0, sizeof(res));
		res.status = DIALOG_FETCH_ERROR;
		if (r != NULL)
			store_fill_regions(&res, r);
		cb(arg, &res);
		break;
	}
	case STORE_K_POINTS: {
		store_points_cb *cb = req->cb.points;
		struct dialog_points *res;

		/* Large (32 points): off the stack. */
		if ((res = calloc(1, sizeof(*res))) == NULL) {
			struct dialog_points none;

			memset(&none, 0, sizeof(none));
			none.status = DIALOG_FETCH_ERROR;
			cb(arg, &none);
			break;
		}
		res->status = DIALOG_FETCH_ERROR;
		if (r != NULL)
			store_fill_points(res, r);
		cb(arg, res);
		free(res);
		break;
	}
	case STORE_K_OTP: {
		store_otp_cb *cb = req->cb.otp;
		struct dialog_otp res;

		memset(&res, 0, sizeof(res));
		snprintf(res.phone_tail, sizeof(res.phone_tail), "%s",
		    req->tail);
		store_fill_otp(&res, r);
		cb(arg, &res);
		break;
	}
	case STORE_K_FN:
		req->cb.fn(st, r);
		break;
	case STORE_K_STATE_GET: {
		long long ver = 0;
		size_t skip;

		if (r != NULL && r->type == REDIS_REPLY_STRING) {
			skip = store_state_ver(r->str, r->len, &ver);
			req->cb.state(arg, 0, r->str + skip, r->len - skip, ver);
		} else
			req->cb.state(arg, r != NULL &&
			    r->type == REDIS_REPLY_NIL ? 0 : -1, NULL, 0, 0);
		break;
	}
	case STORE_K_STATE:
		if (req->cb.state == NULL)
			break;
		if (req->script < 0)	/* a plain SET or DEL */
			req->cb.state(arg, r != NULL && (r->type ==
			    REDIS_REPLY_STATUS || r->type == REDIS_REPLY_INTEGER) ?
			    0 : -1, NULL, 0, req->ver);
		else if (r == NULL || r->type != REDIS_REPLY_INTEGER)
			req->cb.state(arg, -1, NULL, 0, 0);
		else if (r->integer >= 0)
			req->cb.state(arg, 0, NULL, 0, r->integer);
		else
			req->cb.state(arg, STORE_STATE_CONFLICT, NULL, 0,
			    -1 - r->integer);
		break;
	}
	return store_release(st);
}

static int
store_has_cb(const struct store_req *req)
{
	switch (req->kind) {
	case STORE_K_NONE:
	case STORE_K_SYS:
		return 0;
	case STORE_K_DONE:
		return req->cb.done != NULL;
	case STORE_K_STATE:
		return req->cb.state != NULL;
	default:
		return 1;
	}
}

/* --- sending -------------------------------------------------------- */

static void store_on_reply(redisAsyncContext *, void *, void *);

static uint64_t
store_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * The request as RESP bytes in st->resp (grown as needed, kept), every
 * argument copied with its length: a script that goes as EVAL (its SHA
 * not known yet, or after NOSCRIPT). Their length, or 0 when out of
 * memory.
 */
static size_t
store_resp(struct store *st, struct store_req *req)
{
	size_t need = 16, n;
	char *p, *np;
	int i;

	store_scripts_argv(st, req);
	for (n = 0; n < (size_t)req->argc; n++)
		need += req->argvlen[n] + 26;
	if (need > st->respsz) {
		if ((np = realloc(st->resp, need + 1024)) == NULL)
			return 0;
		st->resp = np;
		st->respsz = need + 1024;
	}
	p = st->resp;
	*p++ = '*';
	p += store_utoa(p, (size_t)req->argc);
	*p++ = '\r';
	*p++ = '\n';
	for (i = 0; i < req->argc; i++) {
		*p++ = '$';
		p += store_utoa(p, req->argvlen[i]);
		*p++ = '\r';
		*p++ = '\n';
		memcpy(p, req->argv[i], req->argvlen[i]);
		p += req->argvlen[i];
		*p++ = '\r';
		*p++ = '\n';
	}
	return (size_t)(p - st->resp);
}

/* The arguments' "\r" (c '\r') or their NUL back (c '\0'). */
static void
store_req_cr(struct store_req *req, char c)
{
	int i;

	for (i = req->script >= 0 ? 2 : 0; i < req->argc; i++)
		((char *)(uintptr_t)req->argv[i])[req->argvlen[i]] = c;
}

/*
 * Hand the request to hiredis as RESP bytes, no format string parsed:
 * its own bytes (store_req_new) behind the head written in the room kept
 * before them (EVALSHA and the SHA for a script), or, for a script that
 * must go as EVAL, a copy in st->resp (wiped once hiredis has its own:
 * the arguments, a lookup's birth date, a sealed state, do not stay in
 * the kept buffer). 0, or -1 when it cannot be sent now.
 */
static int
store_send(struct store *st, struct store_req *req)
{
	const char *head = NULL;
	size_t hlen = 0, len;
	char pre[24], *p;
	int rc;

	if (st->ac == NULL)
		return -1;
	if (req->script < 0 ||
	    (hlen = store_scripts_head(st, req, &head)) != 0) {
		pre[0] = '*';
		len = 1 + store_utoa(pre + 1, (size_t)req->argc);
		pre[len++] = '\r';
		pre[len++] = '\n';
		p = req->resp - hlen - len;
		memcpy(p, pre, len);
		if (hlen != 0)
			memcpy(p + len, head, hlen);
		len += hlen + req->resplen;
		store_req_cr(req, '\r');
		rc = redisAsyncFormattedCommand(st->ac, store_on_reply, req, p,
		    len);
		store_req_cr(req, '\0');
	} else {
		if ((len = store_resp(st, req)) == 0)
			return -1;
		rc = redisAsyncFormattedCommand(st->ac, store_on_reply, req,
		    st->resp, len);
		explicit_bzero(st->resp, len);
	}
	if (rc != REDIS_OK)
		return -1;
	req->in_redis = 1;
	req->sent_us = store_now_us();
	store_turn_end(st);
	return 0;
}

/* store_on_flush at the end of this loop turn (once a turn). */
void
store_turn_end(struct store *st)
{
	if (!st->flush_armed && st->ev_flush != NULL) {
		st->flush_armed = 1;
		event_active(st->ev_flush, EV_TIMEOUT, 1);
	}
}

/*
 * The end of a loop turn that queued requests: the outbox records held
 * for it go, then what hiredis holds is written at once instead of on the
 * socket's write event in the next turn: one write for the turn, a turn
 * of latency less, and the write event hiredis adds and deletes again in
 * this same turn costs no epoll_ctl (main.c's changelist). What the socket
 * does not take waits for its write event as before; a write error drops
 * the connection through hiredis's disconnect callback, as it would have
 * there.
 */
static void
store_on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;

	(void)fd;
	(void)what;
	store_hold(st);
	if (!st->dead)
		store_outbox_notes_flush(st);
	st->flush_armed = 0;
	if (!st->dead && st->ac != NULL && st->in_hiredis == 0 &&
	    (st->ac->c.flags & REDIS_CONNECTED) != 0)
		redisAsyncHandleWrite(st->ac);
	store_release(st);
}

static void
store_on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct store_req *req = arg;
	struct store *st = req->st;
	int free_it = !req->in_redis;

	(void)fd;
	(void)what;
	st->timeouts++;
	st->metrics.timeouts++;
	log_warnx("[redis] request timed out after %d ms", st->timeout_ms);
	if (free_it)
		store_req_unlink(st, req);
	store_hold(st);
	store_fire(st, req, NULL);
	if (free_it)
		store_req_free(req);
	if (store_release(st))
		return;
	if (st->timeouts >= STORE_MAX_TIMEOUTS && st->ac != NULL &&
	    st->drop_reason[0] == '\0') {
		snprintf(st->drop_reason, sizeof(st->drop_reason),
		    "%d requests timed out in a row", st->timeouts);
		store_timer(st->ev_drop, 0);
	}
}

/*
 * Queue a built request: send it now, or fail it from a zero-timeout event
 * so that its callback never runs inside the caller's call.
 */
void
store_submit(struct store *st, struct store_req *req)
{
	if (req == NULL)
		return;
	req->st = st;
	TAILQ_INSERT_TAIL(&st->reqs, req, entry);
	st->nreqs++;
	req->deadline_us = store_now_us() + (uint64_t)st->timeout_ms * 1000;
	if (store_has_cb(req)) {
		if (req->deadline == NULL)
			req->deadline = evtimer_new(st->base, store_on_deadline,
			    req);
		if (req->deadline != NULL)
			store_timer(req->deadline, st->timeout_ms);
	} else
		req->fired = 1;
	if (!st->dead && st->nreqs <= STORE_MAX_PENDING &&
	    store_send(st, req) == 0)
		return;
	if (st->nreqs > STORE_MAX_PENDING)
		log_warnx("[redis] %d requests pending, failing new ones",
		    st->nreqs);
	if (req->fired) {
		store_req_unlink(st, req);
		store_req_free(req);
		return;
	}
	req->failq = 1;
	if (st->ev_fail != NULL)
		store_timer(st->ev_fail, 0);
}

static void
store_on_fail(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;
	struct store_reqs now;
	struct store_req *req, *next;

	(void)fd;
	(void)what;
	/* Only those queued so far: a callback that asks again fails on
	 * the next round, not in this loop. */
	TAILQ_INIT(&now);
	for (req = TAILQ_FIRST(&st->reqs); req != NULL; req = next) {
		next = TAILQ_NEXT(req, entry);
		if (req->failq) {
			store_req_unlink(st, req);
			TAILQ_INSERT_TAIL(&now, req, entry);
		}
	}
	store_hold(st);
	while ((req = TAILQ_FIRST(&now)) != NULL) {
		TAILQ_REMOVE(&now, req, entry);
		store_fire(st, req, NULL);
		store_req_free(req);
	}
	store_release(st);
}

/* --- generations (issue 12) ------------------------------------------ */

/*
 * Every key a script touches is named here and passed in KEYS: the keys
 * of the current generations from st->gr.cur, read when the connection
 * comes up (part of its set-up) and again when a script answers STALE.
 */

static void store_setup_step(struct store *);
static void store_gens_read(struct store *);

/* A "<gen>" pointer's value: the generation, -1 for none or garbage. */
static long
store_gen_parse(const char *s)
{
	long v = 0;
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 10)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return i == 0 ? -1 : v;
}

/* A pointer GET's reply into dst: "" for nil; -1 for no string or too long. */
static int
store_gens_ptr(char *dst, size_t dstsz, const redisReply *e)
{
	dst[0] = '\0';
	if (e->type == REDIS_REPLY_NIL)
		return 0;
	if (e->type != REDIS_REPLY_STRING || e->len >= dstsz)
		return -1;
	memcpy(dst, e->str, e->len);
	dst[e->len] = '\0';
	return 0;
}

/* n in decimal into a small buffer (no format parsed). */
static const char *
store_num(char *buf, long long n)
{
	store_dec(buf, n);
	return buf;
}

/* stem then suffix into out (REGISTRY_KEY_MAX): 0, or -1 without a stem
 * (that generation unusable) or when too long. */
static int
store_key_join(char *out, const char *stem, const char *suffix)
{
	size_t a = strlen(stem), b = strlen(suffix);

	if (a == 0 || a + b >= REGISTRY_KEY_MAX)
		return -1;
	memcpy(out, stem, a);
	memcpy(out + a, suffix, b + 1);
	return 0;
}

/* A key registry.h named with "0" last (rc its return): that "0" cut,
 * the stem of the others; "" when it could not be named. */
static void
store_key_stem(char *key, int rc)
{
	size_t n = strlen(key);

	if (rc != 0 || n == 0 || key[n - 1] != '0')
		key[0] = '\0';
	else
		key[n - 1] = '\0';
}

/*
 * A script request built from the current generations: argv is EVALSHA,
 * SHA, numkeys, the nkf fixed keys kf, the keys of the generations, the
 * naf fixed arguments af, then the generations' arguments (the pointers'
 * values as read, and the names of the keys passed). NULL when out of
 * memory.
 */
static struct store_req *
store_genq_new(struct store *st, enum store_kind kind, int script,
    const char *const *kf, int nkf, const char *const *af, int naf,
    const struct store_genp *gp)
{
	const struct store_gens *g = &st->gr.cur;
	static char keys[DIALOG_MAX_CATEGORIES][REGISTRY_KEY_MAX];
	static char nums[DIALOG_REGIONS_MAX + 1][16];
	const char *argv[STORE_MAXARGS], *gk[DIALOG_MAX_CATEGORIES + 2];
	const char *ga[DIALOG_MAX_CATEGORIES + 4];
	size_t len[STORE_MAXARGS];
	char nk[16];
	struct store_req *req;
	uint32_t h;
	int ngk = 0, nga = 0, i, n = 0;

	switch (script) {
	case STORE_SC_LOOKUP:		/* kf: rl:m, rl:f, reg:gen, rsn:gen */
		h = g->reg_layout == REGISTRY_LAYOUT_2 ? gp->hash2 : gp->hash1;
		if (g->reg_ok && store_key_join(keys[0], g->reg_stem,
		    store_num(nums[0], h % g->reg_nb)) == 0)
			gk[ngk++] = keys[0];
		else
			gk[ngk++] = kf[2];	/* not read: NOGEN */
		if (g->rsn_key[0] != '\0')
			gk[ngk++] = g->rsn_key;
		else
			gk[ngk++] = kf[3];	/* not read: no reason text */
		ga[nga++] = g->reg;
		ga[nga++] = g->rsn;
		ga[nga++] = gk[0] == kf[2] ? "" :
		    g->reg_layout == REGISTRY_LAYOUT_2 ? "2" : "1";
		ga[nga++] = gk[1] == kf[3] ? "" : "1";
		break;
	case STORE_SC_CATS:
		ga[nga++] = g->cat;
		for (i = 0; i < g->ncats; i++)
			if (store_key_join(keys[ngk], g->cat_stem,
			    g->cat_code[i]) == 0) {
				gk[ngk] = keys[ngk];
				ngk++;
				ga[nga++] = g->cat_code[i];
			}
		break;
	case STORE_SC_DOCS:		/* af: code, lang */
		if (store_key_join(keys[0], g->cat_stem, af[0]) == 0)
			gk[ngk++] = keys[0];
		ga[nga++] = g->cat;
		break;
	case STORE_SC_REGIONS:
		ga[nga++] = g->pts;
		for (i = 0; i < g->nregions; i++)
			if (store_key_join(keys[ngk], g->pts_stem,
			    store_num(nums[i], g->region[i])) == 0) {
				gk[ngk] = keys[ngk];
				ngk++;
				ga[nga++] = nums[i];
			}
		break;
	case STORE_SC_POINTS:
		ga[nga++] = g->pts;
		if (gp->region >= 1 && gp->region <= g->nregions &&
		    store_key_join(keys[0], g->pts_stem, store_num(nums[0],
		    g->region[gp->region - 1])) == 0) {
			gk[ngk++] = keys[0];
			ga[nga++] = nums[0];
		}
		break;
	default:
		fatalx("store: script %d is no generation request", script);
	}
	if (3 + nkf + ngk + naf + nga > STORE_MAXARGS)
		fatalx("store: %d arguments", 3 + nkf + ngk + naf + nga);
	argv[n++] = "EVALSHA";
	argv[n++] = "";
	argv[n++] = store_num(nk, nkf + ngk);
	for (i = 0; i < nkf; i++)
		argv[n++] = kf[i];
	for (i = 0; i < ngk; i++)
		argv[n++] = gk[i];
	for (i = 0; i < naf; i++)
		argv[n++] = af[i];
	for (i = 0; i < nga; i++)
		argv[n++] = ga[i];
	for (i = 0; i < n; i++)
		len[i] = strlen(argv[i]);
	if ((req = store_req_new(st, kind, script, n, argv, len)) == NULL)
		return NULL;
	req->genq = 1;
	req->nkf = nkf;
	req->ngk = ngk;
	req->naf = naf;
	req->gp = *gp;
	return req;
}

/* A request that waited for the generations, built again from them and
 * sent in its place (its deadline kept); it fails when it cannot be. */
static void
store_genq_again(struct store *st, struct store_req *old)
{
	struct store_req *req;
	uint64_t now = store_now_us();
	int skip = 3 + old->nkf + old->ngk;

	req = store_genq_new(st, old->kind, old->script, old->argv + 3,
	    old->nkf, old->argv + skip, old->naf, &old->gp);
	if (req == NULL) {
		old->gen_need = 0;
		old->failq = 1;
		store_timer(st->ev_fail, 0);
		return;
	}
	req->st = st;
	req->cb = old->cb;
	req->arg = old->arg;
	memcpy(req->tail, old->tail, sizeof(req->tail));
	req->stale = 1;
	req->deadline_us = old->deadline_us;
	TAILQ_INSERT_AFTER(&st->reqs, old, req, entry);
	TAILQ_REMOVE(&st->reqs, old, entry);
	store_req_free(old);
	if (req->deadline == NULL)
		req->deadline = evtimer_new(st->base, store_on_deadline, req);
	if (req->deadline != NULL)
		store_timer(req->deadline, req->deadline_us > now ?
		    (int)((req->deadline_us - now) / 1000) : 0);
	if (store_send(st, req) != 0) {
		req->failq = 1;
		store_timer(st->ev_fail, 0);
	}
}

/* A part of the read failed with r: worth a log line unless the
 * connection is just going away (NULL while down: said already). */
static void
store_gens_loud(struct store *st, const redisReply *r)
{
	if (r != NULL || st->up)
		st->gr.loud = 1;
}

/* One reply of a generations read is in (ok: and usable). The last one
 * makes the read current, or fails the requests waiting for it. */
static void
store_gens_part(struct store *st, int ok)
{
	struct store_req *req, *next;
	int setup = st->gr.setup;

	if (!ok)
		st->gr.failed = 1;
	if (--st->gr.parts > 0)
		return;
	st->gr.busy = 0;
	st->gr.setup = 0;
	if (!st->gr.failed) {
		st->gr.cur = st->gr.next;
		st->gr.done = st->gr.started;
	} else if (st->gr.loud)
		log_warnx("[redis] cannot read the registry generations");
	for (req = TAILQ_FIRST(&st->reqs); req != NULL; req = next) {
		next = TAILQ_NEXT(req, entry);
		if (req->gen_need == 0 || req->gen_need > st->gr.started)
			continue;
		if (!st->gr.failed)
			store_genq_again(st, req);
		else {
			req->gen_need = 0;
			req->failq = 1;
			store_timer(st->ev_fail, 0);
		}
	}
	if (st->gr.again) {
		st->gr.again = 0;
		store_gens_read(st);
		st->gr.setup = setup;
		if (setup)
			return;		/* the set-up waits for that one */
	}
	if (setup && st->gr.failed) {
		/* A connection still there that cannot read them cannot
		 * serve: drop it (from the loop), the reconnect reads again. */
		if (st->ac != NULL && st->drop_reason[0] == '\0') {
			snprintf(st->drop_reason, sizeof(st->drop_reason),
			    "cannot read the registry generations");
			store_timer(st->ev_drop, 0);
		}
	} else if (setup && st->ac != NULL && st->sys_left > 0)
		store_setup_step(st);	/* last: may free st */
}

static void
store_gens_on_cats(struct store *st, const redisReply *r)
{
	struct store_gens *g = &st->gr.next;
	const redisReply *e;
	size_t i;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		store_gens_loud(st, r);
		store_gens_part(st, 0);
		return;
	}
	for (i = 0; i < r->elements && g->ncats < DIALOG_MAX_CATEGORIES;
	    i++) {
		e = r->element[i];
		if (e->type != REDIS_REPLY_STRING || e->len == 0 ||
		    e->len > REGISTRY_CODE_MAX)
			continue;	/* the loader writes none */
		store_copy(g->cat_code[g->ncats++], sizeof(g->cat_code[0]), e);
	}
	store_gens_part(st, 1);
}

static void
store_gens_on_regions(struct store *st, const redisReply *r)
{
	struct store_gens *g = &st->gr.next;
	const redisReply *e;
	char num[16];
	long n;
	size_t i;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY) {
		store_gens_loud(st, r);
		store_gens_part(st, 0);
		return;
	}
	for (i = 0; i < r->elements && g->nregions < DIALOG_REGIONS_MAX;
	    i++) {
		e = r->element[i];
		if (e->type != REDIS_REPLY_STRING || e->len >= sizeof(num))
			continue;
		store_copy(num, sizeof(num), e);
		if ((n = store_gen_parse(num)) < 1 || n > 1000000)
			continue;
		g->region[g->nregions++] = (int)n;
	}
	store_gens_part(st, 1);
}

/* The pointers are in: then the lists of the generations they name. */
static void
store_gens_lists(struct store *st)
{
	struct store_gens *g = &st->gr.next;
	char k[REGISTRY_KEY_MAX], stop[16];
	const char *argv[4] = { "LRANGE", k, "0", stop };

	if (st->gr.failed) {
		store_gens_part(st, 0);
		return;
	}
	g->reg_ok = registry_parse_regptr(g->reg, &g->reg_gen, &g->reg_nb,
	    &g->reg_layout) == 0;
	g->rsn_gen = store_gen_parse(g->rsn);
	g->cat_gen = store_gen_parse(g->cat);
	g->pts_gen = store_gen_parse(g->pts);
	if (g->reg_ok)
		store_key_stem(g->reg_stem, registry_key_bucket(g->reg_stem,
		    sizeof(g->reg_stem), st->prefix, g->reg_gen, 0));
	if (g->rsn_gen >= 0 && registry_key_rsn(g->rsn_key,
	    sizeof(g->rsn_key), st->prefix, g->rsn_gen) != 0)
		g->rsn_key[0] = '\0';
	if (g->cat_gen >= 0)
		store_key_stem(g->cat_stem, registry_key_cat(g->cat_stem,
		    sizeof(g->cat_stem), st->prefix, g->cat_gen, "0"));
	if (g->pts_gen >= 0)
		store_key_stem(g->pts_stem, registry_key_pts_region(
		    g->pts_stem, sizeof(g->pts_stem), st->prefix, g->pts_gen,
		    0));
	if (g->cat_gen >= 0 && registry_key_cat_list(k, sizeof(k),
	    st->prefix, g->cat_gen) == 0) {
		store_dec(stop, DIALOG_MAX_CATEGORIES - 1);
		st->gr.parts++;
		store_submit_fn(st, -1, 4, argv, store_gens_on_cats);
	}
	if (g->pts_gen >= 0 && registry_key_pts_regions(k, sizeof(k),
	    st->prefix, g->pts_gen) == 0) {
		store_dec(stop, DIALOG_REGIONS_MAX - 1);
		st->gr.parts++;
		store_submit_fn(st, -1, 4, argv, store_gens_on_regions);
	}
	store_gens_part(st, 1);
}

/* One pointer's GET (four, not one MGET: each is a key of its own slot in
 * a cluster, and the ACL needs no other command). */
static void
store_gens_on_ptr(struct store *st, const redisReply *r, char *dst,
    size_t dstsz)
{
	if (r == NULL || store_gens_ptr(dst, dstsz, r) != 0) {
		store_gens_loud(st, r);
		st->gr.failed = 1;
	}
	if (--st->gr.ptrs == 0)
		store_gens_lists(st);
}

static void
store_gens_on_reg(struct store *st, const redisReply *r)
{
	store_gens_on_ptr(st, r, st->gr.next.reg, sizeof(st->gr.next.reg));
}

static void
store_gens_on_rsn(struct store *st, const redisReply *r)
{
	store_gens_on_ptr(st, r, st->gr.next.rsn, sizeof(st->gr.next.rsn));
}

static void
store_gens_on_cat(struct store *st, const redisReply *r)
{
	store_gens_on_ptr(st, r, st->gr.next.cat, sizeof(st->gr.next.cat));
}

static void
store_gens_on_pts(struct store *st, const redisReply *r)
{
	store_gens_on_ptr(st, r, st->gr.next.pts, sizeof(st->gr.next.pts));
}

/* Read the generations (after the one out, if one is). */
static void
store_gens_read(struct store *st)
{
	static store_fn_cb *const fns[STORE_NPTRS] = {
		[STORE_PTR_REG] = store_gens_on_reg,
		[STORE_PTR_RSN] = store_gens_on_rsn,
		[STORE_PTR_CAT] = store_gens_on_cat,
		[STORE_PTR_PTS] = store_gens_on_pts,
	};
	const char *argv[2] = { "GET", NULL };
	int i;

	if (st->gr.busy) {
		st->gr.again = 1;
		return;
	}
	st->gr.busy = 1;
	st->gr.failed = 0;
	st->gr.loud = 0;
	st->gr.parts = 1;	/* the pointers, then each list */
	st->gr.ptrs = STORE_NPTRS;
	st->gr.started++;
	memset(&st->gr.next, 0, sizeof(st->gr.next));
	for (i = 0; i < STORE_NPTRS; i++) {
		argv[1] = st->gr.kptr[i];
		store_submit_fn(st, -1, 2, argv, fns[i]);
	}
}

/* req was answered STALE: it waits for a read of the generations that
 * starts after that answer, then goes again (store_gens_part). */
static void
store_gens_wait(struct store *st, struct store_req *req)
{
	st->metrics.stale_retries++;
	req->stale = 1;
	if (st->gr.busy) {
		st->gr.again = 1;
		req->gen_need = st->gr.started + 1;
	} else {
		store_gens_read(st);
		req->gen_need = st->gr.started;
	}
}

/* --- connection ----------------------------------------------------- */

static void
store_went_down(struct store *st, const char *reason)
{
	int report = st->reported != 0;

	st->up = 0;
	st->sys_left = 0;
	st->reported = 0;
	evtimer_del(st->ev_connect_to);
	log_warnx("[redis] %s down: %s; retry in %d ms", st->where, reason,
	    st->backoff_ms);
	store_timer(st->ev_reconnect, st->backoff_ms);
	st->backoff_ms = st->backoff_ms * 2 > STORE_BACKOFF_MAX_MS ?
	    STORE_BACKOFF_MAX_MS : st->backoff_ms * 2;
	/* With Sentinel each retry asks where the master is now. */
	if (st->sen.n > 0 && st->backoff_ms > STORE_SENTINEL_BACKOFF_MAX_MS)
		st->backoff_ms = STORE_SENTINEL_BACKOFF_MAX_MS;
	if (report && st->cb.on_down != NULL)
		st->cb.on_down(reason, st->arg);	/* last: may free st */
}

/* Tear the context down from the loop (never inside one of its own
 * callbacks): pending requests fail, then reconnect later. */
static void
store_drop(struct store *st, const char *reason)
{
	redisAsyncContext *ac = st->ac;
	char why[128];

	if (ac == NULL)
		return;
	snprintf(why, sizeof(why), "%s", reason);
	st->ac = NULL;
	st->up = 0;
	ac->onConnect = NULL;
	ac->onDisconnect = NULL;
	ac->data = NULL;
	store_hold(st);
	redisAsyncFree(ac);	/* NULL replies: the requests fail */
	if (store_release(st))
		return;
	store_went_down(st, why);
}

static void
store_on_drop(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;
	char why[128];

	(void)fd;
	(void)what;
	snprintf(why, sizeof(why), "%s", st->drop_reason);
	st->drop_reason[0] = '\0';
	store_drop(st, why);
}

static void
store_on_connect_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;

	(void)fd;
	(void)what;
	if (!st->up)
		store_drop(st, "connect/set-up timed out");
}

static void
store_on_connect(const redisAsyncContext *ac, int status)
{
	struct store *st = ac->data;

	if (st == NULL || st->ac != ac)
		return;
	if (status != REDIS_OK) {
		/* hiredis frees the context when this returns. */
		st->ac = NULL;
		store_went_down(st, ac->c.errstr[0] ? ac->c.errstr :
		    "connect failed");
		return;
	}
	log_debug("[redis] %s connected", st->where);
}

static void
store_on_disconnect(const redisAsyncContext *ac, int status)
{
	struct store *st = ac->data;

	(void)status;
	if (st == NULL || st->ac != ac)
		return;
	st->ac = NULL;
	store_went_down(st, ac->c.errstr[0] ? ac->c.errstr :
	    "connection closed");
}

/* Reply to a set-up command (SELECT, SCRIPT LOAD). */
static void
store_on_sys(struct store *st, struct store_req *req, const redisReply *r)
{	char why[sizeof(st->drop_reason)];

	if (r == NULL)
		return;		/* the connection is going; handled there */
	if (st->drop_reason[0] != '\0')
		return;		/* an earlier set-up step failed: going */
	if (req->sys <= STORE_SYS_AUTH) {
		/* AUTH and the persistence reads (store_health.c) */
		if (store_health_reply(st, req->sys, r, why, sizeof(why)) != 0) {
			snprintf(st->drop_reason, sizeof(st->drop_reason),
			    "%s", why);
			store_timer(st->ev_drop, 0);
			return;
		}
	} else if (r->type == REDIS_REPLY_ERROR ||
	    (req->sys >= 0 && store_scripts_loaded(st, req->sys, r) != 0)) {
		log_warnx("[redis] set-up %s failed: %.*s",
		    req->sys < 0 ? "SELECT" : "SCRIPT LOAD",
		    r->type == REDIS_REPLY_ERROR ? (int)r->len : 0,
		    r->type == REDIS_REPLY_ERROR ? r->str : "");
		snprintf(st->drop_reason, sizeof(st->drop_reason),
		    "set-up failed");
		store_timer(st->ev_drop, 0);
		return;
	}
	store_setup_step(st);
}

/* One step of the set-up done (a reply, or the generations read): after
 * the last one the store is up. Calls on_up last: may free st. */
static void
store_setup_step(struct store *st)
{
	if (--st->sys_left != 0)
		return;
	store_health_verdict(st);
	st->up = 1;
	st->backoff_ms = STORE_BACKOFF_MIN_MS;
	st->timeouts = 0;
	evtimer_del(st->ev_connect_to);
	st->reported = 1;
	log_info("[redis] %s up (db %d)", st->where, st->db);
	if (st->cb.on_up != NULL)
		st->cb.on_up(st->arg);
}

static void
store_on_reply(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct store_req *req = privdata;
	struct store *st = req->st;
	const redisReply *r = reply;

	(void)ac;
	req->in_redis = 0;
	if (st == NULL) {		/* orphan of a freed store */
		store_req_free(req);
		return;
	}
	store_hold(st);
	st->in_hiredis++;
	if (r != NULL && r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "READONLY", 8) == 0)
		store_sentinel_demoted(st, "requests");	/* drops from the loop */
	if (r != NULL) {
		st->timeouts = 0;
		if (req->kind != STORE_K_SYS)
			metrics_hist_observe(&st->metrics.rtt,
			    store_now_us() - req->sent_us);
	} else
		st->up = 0;		/* the context is going away */
	if (store_scripts_noscript(req, r)) {
		/* Script cache flushed: EVAL sends the body and caches it. */
		if (store_send(st, req) == 0)
			goto out;
	}
	if (req->genq && !req->stale && !req->fired &&
	    store_reply_str(r, 0, "STALE")) {
		/* A generation switched since we read it: nothing was
		 * written; read them again, then send it again. */
		store_gens_wait(st, req);
		goto out;
	}
	store_req_unlink(st, req);
	if (req->kind == STORE_K_SYS)
		store_on_sys(st, req, r);
	else if (!req->fired)
		store_fire(st, req, r);
	else if (r != NULL && r->type == REDIS_REPLY_ERROR)
		log_warnx("[redis] error reply: %.*s",
		    (int)(r->len < 120 ? r->len : 120), r->str);
	store_req_free(req);
out:
	st->in_hiredis--;
	store_release(st);
}

int
store_sys(struct store *st, int sys, int argc, const char **argv)
{
	size_t len[4];
	struct store_req *req;
	int i;

	for (i = 0; i < argc; i++)
		len[i] = strlen(argv[i]);
	if ((req = store_req_new(st, STORE_K_SYS, -1, argc, argv, len)) == NULL)
		return -1;
	req->sys = sys;
	req->fired = 1;
	req->st = st;
	TAILQ_INSERT_TAIL(&st->reqs, req, entry);
	st->nreqs++;
	if (store_send(st, req) != 0) {
		store_req_unlink(st, req);
		store_req_free(req);
		return -1;
	}
	st->sys_left++;
	return 0;
}

static void
store_connect(struct store *st)
{
	redisAsyncContext *ac;
	char db[16];
	const char *argv[2];

	if (st->socket[0] != '\0')
		ac = redisAsyncConnectUnix(st->socket);
	else
		ac = redisAsyncConnect(st->host, st->port);
	if (ac == NULL || ac->err) {
		char why[160];

		snprintf(why, sizeof(why), "%s", ac ? ac->errstr :
		    "cannot allocate a context");
		if (ac != NULL)
			redisAsyncFree(ac);
		store_went_down(st, why);
		return;
	}
	ac->data = st;
	store_reply_pool(ac);
	if (redisLibeventAttach(ac, st->base) != REDIS_OK) {
		redisAsyncFree(ac);
		store_went_down(st, "cannot attach to the event loop");
		return;
	}
	redisAsyncSetConnectCallback(ac, store_on_connect);
	redisAsyncSetDisconnectCallback(ac, store_on_disconnect);
	st->ac = ac;
	st->sys_left = 0;
	/* Set-up goes first in the pipeline: whatever is sent later runs on
	 * the right db, and EVAL covers scripts whose SHA is not back yet.
	 * AUTH first of all (nothing else would be allowed before it), then
	 * the persistence reads that decide whether case B may run. */
	if (store_health_auth(st) != 0)
		goto fail;
	if (st->db != 0) {
		store_dec(db, st->db);
		argv[0] = "SELECT";
		argv[1] = db;
		if (store_sys(st, STORE_SYS_SELECT, 2, argv) != 0)
			goto fail;
	}
	if (store_health_check(st) != 0 || store_scripts_load(st) != 0)
		goto fail;
	/* The generations are read before the store is up: the first
	 * requests name the right keys. */
	st->sys_left++;
	st->gr.setup = 1;
	store_gens_read(st);
	store_timer(st->ev_connect_to, st->timeout_ms * 5 > 2000 ?
	    st->timeout_ms * 5 : 2000);
	return;
fail:
	store_drop(st, "cannot queue the set-up commands");
}

static void
store_on_reconnect(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;

	(void)fd;
	(void)what;
	if (st->ac != NULL)
		return;
	if (st->sen.n > 0)
		store_sentinel_find(st);	/* then store_connect_master */
	else
		store_connect(st);
}

void
store_connect_master(struct store *st)
{
	if (st->ac == NULL && !st->dead)
		store_connect(st);
}

void
store_connect_failed(struct store *st, const char *why)
{
	store_went_down(st, why);
}

void
store_master_moved(struct store *st, const char *why)
{
	if (st->dead)
		return;
	if (st->ac != NULL) {
		/* Up (or connecting) on the old master: drop it from the
		 * loop; the reconnect asks the sentinels. */
		if (st->drop_reason[0] == '\0') {
			snprintf(st->drop_reason, sizeof(st->drop_reason),
			    "%s", why);
			store_timer(st->ev_drop, 0);
		}
		st->backoff_ms = STORE_BACKOFF_MIN_MS;
		return;
	}
	if (st->sen.asking)
		return;		/* a round is out: it finds the new one */
	/* Down, waiting out a backoff: ask now. */
	st->backoff_ms = STORE_BACKOFF_MIN_MS;
	store_timer(st->ev_reconnect, 0);
}

/* --- public --------------------------------------------------------- */

static void
store_set_config(struct store *st, const struct config *cfg)
{
	st->timeout_ms = cfg->redis.timeout_ms > 0 ? cfg->redis.timeout_ms : 200;
	st->keep_s = cfg->outbox.keep_s > 0 ? cfg->outbox.keep_s : 3600;
	st->max_req_hour = cfg->security.max_requests_per_msisdn_hour;
	st->max_fail_day = cfg->security.max_failures_per_id_day;
}

void
store_set_limits(struct store *st, const struct config *cfg)
{
	st->max_req_hour = cfg->security.max_requests_per_msisdn_hour;
	st->max_fail_day = cfg->security.max_failures_per_id_day;
}

struct store *
store_new(struct event_base *base, const struct config *cfg,
    const struct store_cb *cb, void *arg)
{
	struct store *st;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		log_warn("store: calloc");
		return NULL;
	}
	st->base = base;
	if (cb != NULL)
		st->cb = *cb;
	st->arg = arg;
	snprintf(st->host, sizeof(st->host), "%s", cfg->redis.host);
	st->port = cfg->redis.port;
	snprintf(st->socket, sizeof(st->socket), "%s", cfg->redis.socket);
	st->db = cfg->redis.db;
	snprintf(st->prefix, sizeof(st->prefix), "%s", cfg->redis.prefix);
	if (st->socket[0] != '\0')
		snprintf(st->where, sizeof(st->where), "unix:%s", st->socket);
	else
		snprintf(st->where, sizeof(st->where), "%s:%d", st->host,
		    st->port);
	store_set_config(st, cfg);
	registry_key_gen(st->gr.kptr[STORE_PTR_REG], REGISTRY_KEY_MAX,
	    st->prefix, "reg");
	registry_key_gen(st->gr.kptr[STORE_PTR_RSN], REGISTRY_KEY_MAX,
	    st->prefix, "rsn");
	registry_key_gen(st->gr.kptr[STORE_PTR_CAT], REGISTRY_KEY_MAX,
	    st->prefix, "cat");
	registry_key_gen(st->gr.kptr[STORE_PTR_PTS], REGISTRY_KEY_MAX,
	    st->prefix, "pts");
	store_health_init(st, cfg);
	st->reported = -1;
	st->backoff_ms = STORE_BACKOFF_MIN_MS;
	TAILQ_INIT(&st->reqs);
	TAILQ_INIT(&st->pool);
	st->ev_reconnect = evtimer_new(base, store_on_reconnect, st);
	st->ev_connect_to = evtimer_new(base, store_on_connect_timeout, st);
	st->ev_fail = evtimer_new(base, store_on_fail, st);
	st->ev_drop = evtimer_new(base, store_on_drop, st);
	st->ev_flush = event_new(base, -1, 0, store_on_flush, st);
	if (st->ev_reconnect == NULL || st->ev_connect_to == NULL ||
	    st->ev_fail == NULL || st->ev_drop == NULL || st->ev_flush == NULL ||
	    store_outbox_init(st) != 0 || store_sentinel_init(st, cfg) != 0) {
		log_warnx("store: cannot create events");
		store_free(st);
		return NULL;
	}
	/* The first connect runs from the loop like every later one. */
	store_timer(st->ev_reconnect, 0);
	return st;
}

/*
 * store_free from inside a reply callback: the context is freed from the
 * loop just after. If hiredis frees it first (the connection drops in
 * between), its disconnect callback tells the holder, which then only
 * frees itself.
 */
struct store_zombie {
	redisAsyncContext *ac;
};

static void
store_zombie_gone(const redisAsyncContext *ac, int status)
{
	struct store_zombie *z = ac->data;

	(void)status;
	if (z != NULL)
		z->ac = NULL;
}

static void
store_zombie_free(evutil_socket_t fd, short what, void *arg)
{
	struct store_zombie *z = arg;

	(void)fd;
	(void)what;
	if (z->ac != NULL) {
		z->ac->onDisconnect = NULL;
		z->ac->data = NULL;
		redisAsyncFree(z->ac);
	}
	free(z);
}

void
store_free(struct store *st)
{
	struct store_req *req;
	redisAsyncContext *ac;
	struct store_zombie *z;
	static const struct timeval zero = { 0, 0 };

	if (st == NULL || st->dead)
		return;
	store_outbox_notes_flush(st);	/* on the connection before it goes */
	st->dead = 1;
	secret_wipe(st->id_key, sizeof(st->id_key));
	store_hold(st);
	/* Every callback still owed fires now, with -1; ones queued by
	 * those callbacks too. */
	while ((req = TAILQ_FIRST(&st->reqs)) != NULL) {
		store_req_unlink(st, req);
		if (req->in_redis) {
			req->st = NULL;		/* hiredis hands it back later */
			if (!req->fired)
				store_fire(st, req, NULL);
			continue;
		}
		if (!req->fired)
			store_fire(st, req, NULL);
		store_req_free(req);
	}
	if ((ac = st->ac) != NULL) {
		st->ac = NULL;
		ac->onConnect = NULL;
		ac->onDisconnect = NULL;
		ac->data = NULL;
		if (st->in_hiredis > 0 &&
		    (z = calloc(1, sizeof(*z))) != NULL) {
			z->ac = ac;
			ac->data = z;
			ac->onDisconnect = store_zombie_gone;
			if (event_base_once(st->base, -1, EV_TIMEOUT,
			    store_zombie_free, z, &zero) != 0)
				log_warnx("[redis] cannot schedule the "
				    "context's release");
		} else
			redisAsyncFree(ac);	/* not inside its callbacks */
	}
	store_outbox_close(st);
	store_sentinel_close(st);
	explicit_bzero(st->health.pass, sizeof(st->health.pass));
	if (st->ev_reconnect)
		event_free(st->ev_reconnect);
	if (st->ev_connect_to)
		event_free(st->ev_connect_to);
	if (st->ev_fail)
		event_free(st->ev_fail);
	if (st->ev_drop)
		event_free(st->ev_drop);
	if (st->ev_flush)
		event_free(st->ev_flush);
	st->ev_reconnect = st->ev_connect_to = st->ev_fail = st->ev_drop = NULL;
	st->ev_flush = NULL;
	store_release(st);
}

void
store_metrics(const struct store *st, struct store_metrics *m)
{
	if (st == NULL) {
		memset(m, 0, sizeof(*m));
		return;
	}
	*m = st->metrics;
	m->failovers = st->sen.failovers;
	if (st->sen.n > 0 && st->sen.known)
		snprintf(m->master, sizeof(m->master), "%s:%d", st->host,
		    st->port);
	else
		m->master[0] = '\0';
}

int
store_is_up(const struct store *st)
{
	return st != NULL && st->up;
}

int
store_pending(const struct store *st)
{
	return st != NULL ? st->nreqs : 0;
}

struct store_req *
store_build(struct store *st, enum store_kind kind, int script, int argc,
    const char *const *argv)
{
	size_t len[STORE_MAXARGS];
	int i;

	for (i = 0; i < argc && i < STORE_MAXARGS; i++)
		len[i] = argv[i] != NULL ? strlen(argv[i]) : 0;
	return store_req_new(st, kind, script, argc, argv, len);
}

/* Allocation of a few hundred bytes failing leaves nothing sane to do. */
struct store_req *
store_build_or_fail(struct store *st, enum store_kind kind, int script,
    int argc, const char *const *argv)
{
	struct store_req *req;

	if ((req = store_build(st, kind, script, argc, argv)) == NULL)
		fatalx("store: out of memory");
	return req;
}

void
store_submit_fn(struct store *st, int script, int argc,
    const char *const *argv, store_fn_cb *fn)
{
	struct store_req *req;

	req = store_build_or_fail(st, STORE_K_FN, script, argc, argv);
	req->cb.fn = fn;
	store_submit(st, req);
}

void
store_session_get(struct store *st, const char *key, store_get_cb *cb,
    void *arg)
{
	char k[REGISTRY_KEY_MAX + 64];
	const char *argv[2] = { "GET", k };
	struct store_req *req;

	registry_key_sess(k, sizeof(k), st->prefix, key);
	req = store_build_or_fail(st, STORE_K_GET, -1, 2, argv);
	req->cb.get = cb;
	req->arg = arg;
	store_submit(st, req);
}

void
store_session_put(struct store *st, const char *key, const char *data,
    size_t len, int ttl_s, store_done_cb *cb, void *arg)
{
	char k[REGISTRY_KEY_MAX + 64], ttl[16];
	const char *argv[5] = { "SET", k, data, "EX", ttl };
	size_t lens[5];
	struct store_req *req;

	registry_key_sess(k, sizeof(k), st->prefix, key);
	store_dec(ttl, ttl_s > 0 ? ttl_s : 1);
	lens[0] = 3;
	lens[1] = strlen(k);
	lens[2] = len;
	lens[3] = 2;
	lens[4] = strlen(ttl);
	if ((req = store_req_new(st, STORE_K_DONE, -1, 5, argv, lens)) == NULL)
		fatalx("store: out of memory");
	req->cb.done = cb;
	req->arg = arg;
	store_submit(st, req);
}

static void store_reject(struct store *, struct store_req *);

void
store_gate(struct store *st, const char *name, int ttl_s, store_done_cb *cb,
    void *arg)
{
	char k[REGISTRY_KEY_MAX + 64], ttl[16];
	const char *argv[6] = { "SET", k, "1", "NX", "EX", ttl };
	struct store_req *req;

	if (snprintf(k, sizeof(k), "%sgate:%s", st->prefix, name) >=
	    (int)sizeof(k)) {
		log_warnx("[redis] gate name too long");
		k[0] = '\0';
	}
	store_dec(ttl, ttl_s > 0 ? ttl_s : 1);
	req = store_build_or_fail(st, STORE_K_DONE, -1, 6, argv);
	req->cb.done = cb;
	req->arg = arg;
	if (k[0] == '\0') {
		store_reject(st, req);
		return;
	}
	store_submit(st, req);
}

void
store_state_get(struct store *st, const char *key, store_state_cb *cb,
    void *arg)
{
	char k[REGISTRY_KEY_MAX + 64];
	const char *argv[2] = { "GET", k };
	struct store_req *req;

	registry_key_sess(k, sizeof(k), st->prefix, key);
	req = store_build_or_fail(st, STORE_K_STATE_GET, -1, 2, argv);
	req->cb.state = cb;
	req->arg = arg;
	store_submit(st, req);
}

/*
 * A new dialog's state (STORE_STATE_ANY): no version to compare, so no
 * script: SET "<floor_ms>:<bytes>" EX ttl, or DEL. The version is the
 * clock's, never an ended dialog's (store.h).
 */
static void
store_state_replace(struct store *st, const char *k, const char *data,
    size_t len, int ttl_s, long long floor_ms, store_state_cb *cb, void *arg)
{
	char ttl[16], fl[24];
	const char *argv[5] = { data != NULL ? "SET" : "DEL", k, NULL, "EX",
	    ttl };
	size_t lens[5], nf = 0;
	struct store_req *req;
	char *v;

	if (floor_ms < 1)
		floor_ms = 1;
	if (data != NULL) {
		store_dec(fl, floor_ms);
		nf = strlen(fl);
	}
	store_dec(ttl, ttl_s > 0 ? ttl_s : 1);
	lens[0] = strlen(argv[0]);
	lens[1] = strlen(k);
	lens[2] = data != NULL ? nf + 1 + len : 0;
	lens[3] = 2;
	lens[4] = strlen(ttl);
	/* The value "<floor_ms>:<bytes>" written in the request's own copy
	 * (argv[2] NULL: room kept, NUL-ended). */
	req = store_req_new(st, STORE_K_STATE, -1, data != NULL ? 5 : 2, argv,
	    lens);
	if (req == NULL)
		fatalx("store: out of memory");
	if (data != NULL) {
		v = (char *)(uintptr_t)req->argv[2];
		memcpy(v, fl, nf);
		v[nf] = ':';
		memcpy(v + nf + 1, data, len);
	}
	req->ver = data != NULL ? floor_ms : 0;
	req->cb.state = cb;
	req->arg = arg;
	store_submit(st, req);
}

void
store_state_put(struct store *st, const char *key, long long ver,
    const char *data, size_t len, int ttl_s, long long floor_ms,
    store_state_cb *cb, void *arg)
{
	char k[REGISTRY_KEY_MAX + 64], v[24] = "", ttl[24], fl[24];
	const char *argv[9] = { "EVALSHA", "", "1", k, v, data, ttl,
	    data != NULL ? "0" : "1", fl };
	size_t lens[9];
	struct store_req *req;
	int i;

	registry_key_sess(k, sizeof(k), st->prefix, key);
	if (ver == STORE_STATE_ANY) {
		store_state_replace(st, k, data, len, ttl_s, floor_ms, cb, arg);
		return;
	}
	store_dec(v, ver);
	store_dec(ttl, ttl_s > 0 ? ttl_s : 1);
	store_dec(fl, floor_ms > 0 ? floor_ms : 0LL);
	for (i = 0; i < 9; i++)
		lens[i] = argv[i] != NULL ? strlen(argv[i]) : 0;
	lens[5] = data != NULL ? len : 0;
	if ((req = store_req_new(st, STORE_K_STATE, STORE_SC_STATE, 9, argv,
	    lens)) == NULL)
		fatalx("store: out of memory");
	req->cb.state = cb;
	req->arg = arg;
	store_submit(st, req);
}

void
store_session_del(struct store *st, const char *key)
{
	char k[REGISTRY_KEY_MAX + 64];
	const char *argv[2] = { "DEL", k };

	registry_key_sess(k, sizeof(k), st->prefix, key);
	store_submit(st, store_build(st, STORE_K_NONE, -1, 2, argv));
}

/* (year - 1900) << 9 | month << 5 | day, the record's packing; -1 for a
 * date it cannot hold (matches no record). */
static long
store_date_packed(const struct parse_date *d)
{
	if (d->y < 1900 || d->y > 1900 + 511 || d->m < 1 || d->m > 12 ||
	    d->d < 1 || d->d > 31)
		return -1;
	return (long)(d->y - 1900) << 9 | (long)d->m << 5 | d->d;
}

void
store_lookup(struct store *st, const struct store_lookup_req *q,
    store_lookup_cb *cb, void *arg)
{
	char krm[REGISTRY_KEY_MAX], krf[REGISTRY_KEY_MAX];
	char maxr[24], maxf[24];
	char field[REGISTRY_FIELD_MAX + 1], digits[PARSE_IDNUM_MAX + 1] = "";
	char letter[2] = "";
	char dates[9] = "", caller[PARSE_MSISDN_MAX + 1];
	const char *kf[4] = { krm, krf, st->gr.kptr[STORE_PTR_REG],
	    st->gr.kptr[STORE_PTR_RSN] };
	const char *af[8];
	struct store_genp gp = { 0, 0, 0 };
	struct store_req *req;
	long v[2];
	int i, n = 0;

	registry_key_rl_msisdn(krm, sizeof(krm), st->prefix, q->msisdn);
	store_key_rl_fail(st, krf, sizeof(krf), q->idtype, q->idnum);
	store_dec(maxr, st->max_req_hour);
	store_dec(maxf, st->max_fail_day);
	/* The bucket is named from these and the generation (store_genq). */
	gp.hash1 = registry_hash(q->idtype, q->idnum);
	gp.hash2 = registry_hash2(q->idtype, q->idnum);
	if (registry_field(q->idtype, q->idnum, field, sizeof(field)) != 0)
		field[0] = '\0';	/* matches nothing: not found */
	/* Digits only (a dial pad has no letters): the candidates. */
	if (field[0] != '\0' && q->idnum[0] != '\0' &&
	    strspn(q->idnum, "0123456789") == strlen(q->idnum)) {
		snprintf(digits, sizeof(digits), "%s", q->idnum);
		letter[0] = field[0];
	}
	/* The dates as the record packs them (registry.h), compared by the
	 * script: the birth date, then the expiry when it is checked (0
	 * when not given, or one no record holds: a record with an expiry
	 * does not match); each in four characters of 6 bits, '0' + the
	 * value, most significant first (a C string: the packed bytes hold
	 * NULs). No birth date, or one no record holds: "", no match. */
	if (parse_date_is_set(&q->birth) &&
	    (v[n] = store_date_packed(&q->birth)) >= 0) {
		n++;
		if (q->match_expiry) {
			v[n] = parse_date_is_set(&q->expiry) ?
			    store_date_packed(&q->expiry) : 0;
			if (v[n] < 0)
				v[n] = 0;
			n++;
		}
	}
	for (i = 0; i < 4 * n; i++)
		dates[i] = (char)('0' + (v[i / 4] >> (18 - 6 * (i % 4)) & 63));
	dates[4 * n] = '\0';
	/* The caller's number for the phone-on-record exception. */
	if (q->msisdn_ton < 0 || parse_msisdn_intl(q->msisdn, q->msisdn_ton,
	    caller, sizeof(caller)) != 0)
		caller[0] = '\0';
	af[0] = maxr;
	af[1] = maxf;
	af[2] = field;
	af[3] = q->lang != NULL && q->lang[0] != '\0' ? q->lang : "fr";
	af[4] = digits;
	af[5] = letter;
	af[6] = dates;
	af[7] = caller;
	if ((req = store_genq_new(st, STORE_K_LOOKUP, STORE_SC_LOOKUP, kf, 4,
	    af, 8, &gp)) == NULL)
		fatalx("store: out of memory");
	req->cb.lookup = cb;
	req->arg = arg;
	store_submit(st, req);
}

void
store_set_id_key(struct store *st, const unsigned char key[SECRET_KEY_LEN])
{
	memcpy(st->id_key, key, SECRET_KEY_LEN);
}

/* The daily failure counter's name: the document number hashed, never in
 * clear in a key name (Redis, its AOF, MONITOR). */
static void
store_key_rl_fail(const struct store *st, char *out, size_t outsz,
    enum parse_idtype idtype, const char *idnum)
{
	char hex[SECRET_STATE_ID_HEX];

	secret_state_id_hash(st->id_key, parse_idtype_str(idtype), idnum, hex);
	registry_key_rl_fail(out, outsz, st->prefix, idtype, hex);
}

/* A generations request with one fixed key (the pointer ptr), built. */
static void
store_genq_submit(struct store *st, enum store_kind kind, int script,
    enum store_ptr ptr, const char *const *af, int naf, int region,
    struct store_req **out)
{
	const char *kf[1] = { st->gr.kptr[ptr] };
	struct store_genp gp = { 0, 0, region };

	if ((*out = store_genq_new(st, kind, script, kf, 1, af, naf,
	    &gp)) == NULL)
		fatalx("store: out of memory");
}

static const char *
store_lang(const char *lang)
{
	return lang != NULL && lang[0] != '\0' ? lang : "fr";
}

void
store_categories(struct store *st, const char *lang,
    store_categories_cb *cb, void *arg)
{
	const char *af[1] = { store_lang(lang) };
	struct store_req *req;

	store_genq_submit(st, STORE_K_CATS, STORE_SC_CATS, STORE_PTR_CAT,
	    af, 1, 0, &req);
	req->cb.cats = cb;
	req->arg = arg;
	store_submit(st, req);
}

void
store_docs(struct store *st, const char *code, const char *lang,
    store_docs_cb *cb, void *arg)
{
	const char *af[2] = { store_str(code), store_lang(lang) };
	struct store_req *req;

	store_genq_submit(st, STORE_K_DOCS, STORE_SC_DOCS, STORE_PTR_CAT,
	    af, 2, 0, &req);
	req->cb.docs = cb;
	req->arg = arg;
	store_submit(st, req);
}

void
store_regions(struct store *st, const char *lang, store_regions_cb *cb,
    void *arg)
{
	const char *af[1] = { store_lang(lang) };
	struct store_req *req;

	store_genq_submit(st, STORE_K_REGIONS, STORE_SC_REGIONS,
	    STORE_PTR_PTS, af, 1, 0, &req);
	req->cb.regions = cb;
	req->arg = arg;
	store_submit(st, req);
}

void
store_points(struct store *st, int region, const char *lang,
    store_points_cb *cb, void *arg)
{
	char n[24], max[24];
	const char *af[3] = { n, store_lang(lang), max };
	struct store_req *req;

	store_dec(n, region);
	store_dec(max, DIALOG_POINTS_MAX);
	store_genq_submit(st, STORE_K_POINTS, STORE_SC_POINTS,
	    STORE_PTR_PTS, af, 3, region, &req);
	req->cb.points = cb;
	req->arg = arg;
	store_submit(st, req);
}

void
store_audit(struct store *st, const char *outcome, const char *channel,
    const char *operator_name, const char *masked_msisdn,
    const char *masked_id)
{
	char k[REGISTRY_KEY_MAX], ts[24];
	const char *argv[17] = { "XADD", k, "MAXLEN", "~", STORE_AUDIT_MAXLEN,
	    "*", "outcome", outcome, "channel", channel, "operator",
	    operator_name, "msisdn", masked_msisdn, "id", masked_id, "ts" };
	const char *all[18];

	registry_key_audit(k, sizeof(k), st->prefix);
	store_dec(ts, (long long)time(NULL));
	memcpy(all, argv, sizeof(argv));
	all[17] = ts;
	store_submit(st, store_build(st, STORE_K_NONE, -1, 18, all));
}

/* --- case B: OTP issue and verify ----------------------------------- */

const char *
store_str(const char *s)
{
	return s != NULL ? s : "";
}


/* A request that cannot be made (a key too long): it fails from the loop. */
static void
store_reject(struct store *st, struct store_req *req)
{
	req->st = st;
	TAILQ_INSERT_TAIL(&st->reqs, req, entry);
	st->nreqs++;
	req->failq = 1;
	if (st->ev_fail != NULL)
		store_timer(st->ev_fail, 0);
}

void
store_otp_issue(struct store *st, const struct store_otp_issue_req *q,
    store_otp_cb *cb, void *arg)
{
	char kpw[REGISTRY_KEY_MAX], kf[REGISTRY_KEY_MAX], ko[REGISTRY_KEY_MAX];
	char kob[REGISTRY_KEY_MAX], kn[REGISTRY_KEY_MAX + 8], ttl[16], maxf[16];
	char gap[16], maxh[16];
	struct store_outbox_num num;
	const char *argv[15 + STORE_SMS_NARGS] = { "EVALSHA", "", "5", kpw, kf,
	    ko, kob, kn, store_str(q->otp_hash), ttl, maxf,
	    q->resend ? "1" : "0", gap, maxh, store_str(q->phone_tail) };
	struct store_req *req;
	int bad;

	bad = registry_key_pw(kpw, sizeof(kpw), st->prefix, q->person) |
	    registry_key_otpf(kf, sizeof(kf), st->prefix, q->person) |
	    registry_key_otp(ko, sizeof(ko), st->prefix, q->person) |
	    registry_key_outbox(kob, sizeof(kob), st->prefix) |
	    registry_key_otp(kn, sizeof(kn) - 2, st->prefix, q->person);
	strcat(kn, ":n");	/* P"otp:<person>:n": codes sent this hour */
	store_dec(ttl, q->ttl_s > 0 ? q->ttl_s : 1);
	store_dec(maxf, q->max_failures);
	store_dec(gap, q->resend_gap_s);
	store_dec(maxh, q->max_per_hour);
	store_outbox_msg_argv(&q->sms, argv + 15, &num);
	req = store_build_or_fail(st, STORE_K_OTP, STORE_SC_OTP_ISSUE,
	    15 + STORE_SMS_NARGS, argv);
	req->cb.otp = cb;
	req->arg = arg;
	snprintf(req->tail, sizeof(req->tail), "%s", store_str(q->phone_tail));
	if (bad) {
		log_warnx("[redis] OTP keys too long");
		store_reject(st, req);
		return;
	}
	if (!store_persist_ok(st)) {
		/* Case B promises an SMS and writes the "already sent" guard:
		 * not on a Redis that can lose them (logged at connect). */
		st->health.refused++;
		store_reject(st, req);
		return;
	}
	store_submit(st, req);
}

void
store_otp_verify(struct store *st, const struct store_otp_verify_req *q,
    store_otp_cb *cb, void *arg)
{
	char ko[REGISTRY_KEY_MAX], kf[REGISTRY_KEY_MAX], kpw[REGISTRY_KEY_MAX];
	char kpr[REGISTRY_KEY_MAX], kob[REGISTRY_KEY_MAX];
	char maxa[16], pend[16];
	struct store_outbox_num num;
	const char *argv[17 + STORE_SMS_NARGS] = { "EVALSHA", "", "5", ko, kf,
	    kpw, kpr, kob,
	    store_str(q->otp_hash), maxa, pend, store_str(q->phone_tail),
	    store_str(q->person), store_str(q->prov_msisdn),
	    store_str(q->prov_password_sealed), store_str(q->prov_channel),
	    store_str(q->prov_operator) };
	struct store_req *req;
	int bad;

	bad = registry_key_otp(ko, sizeof(ko), st->prefix, q->person) |
	    registry_key_otpf(kf, sizeof(kf), st->prefix, q->person) |
	    registry_key_pw(kpw, sizeof(kpw), st->prefix, q->person) |
	    registry_key_provisioning(kpr, sizeof(kpr), st->prefix) |
	    registry_key_outbox(kob, sizeof(kob), st->prefix);
	store_dec(maxa, q->max_attempts > 0 ?
	    q->max_attempts : 1);
	store_dec(pend, q->pw_pending_s > 0 ?
	    q->pw_pending_s : 1);
	store_outbox_msg_argv(&q->sms, argv + 17, &num);
	req = store_build_or_fail(st, STORE_K_OTP, STORE_SC_OTP_VERIFY,
	    17 + STORE_SMS_NARGS, argv);
	req->cb.otp = cb;
	req->arg = arg;
	snprintf(req->tail, sizeof(req->tail), "%s", store_str(q->phone_tail));
	if (bad) {
		log_warnx("[redis] OTP keys too long");
		store_reject(st, req);
		return;
	}
	if (!store_persist_ok(st)) {
		/* Case B promises an SMS and writes the "already sent" guard:
		 * not on a Redis that can lose them (logged at connect). */
		st->health.refused++;
		store_reject(st, req);
		return;
	}
	store_submit(st, req);
}

