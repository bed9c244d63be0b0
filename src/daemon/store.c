/*
 * store: the daemon's Redis adapter. One pipelined hiredis (0.14) async
 * connection on the libevent loop (lookups, OTPs, outbox writes are Lua
 * scripts called by EVALSHA) plus, for the outbox consumer, a second one
 * that only blocks in XREADGROUP. Every request has an evtimer deadline;
 * both connections come back by themselves with backoff.
 */
#include <sys/queue.h>

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
#include "store.h"

#define STORE_MAXARGS        32
#define STORE_MAX_PENDING    20000	/* requests in flight, then fail fast */
#define STORE_MAX_TIMEOUTS   5		/* in a row, then reconnect */
#define STORE_BACKOFF_MIN_MS 100
#define STORE_BACKOFF_MAX_MS 5000
#define STORE_FAIL_TTL_S     86400
#define STORE_AUDIT_MAXLEN   "1000000"
#define STORE_OUTBOX_MAXLEN  "1000000"
#define STORE_OUTBOX_BLOCK_MS 1000	/* XREADGROUP BLOCK */
#define STORE_OUTBOX_COUNT   "64"	/* entries per read / claim */
#define STORE_CLAIM_ROUNDS   4		/* XAUTOCLAIM calls per tick at most */
#define STORE_DEPTH_MS       2000	/* outbox depth refresh */
#define STORE_ST_TTL_S       "604800"	/* P"outbox:st:<id>": 7 days */
#define STORE_MID_TTL_S      "172800"	/* P"outbox:mid:...": 2 days */

/*
 * The scripts. Key names are built here the way registry.h writes them
 * (P"reg:<gen>:<bucket>", P"rsn:<gen>", P"cat:<gen>:..."): the bucket key
 * depends on the generation, read in the same atomic step.
 */
enum store_script {
	STORE_SC_LOOKUP = 0,
	STORE_SC_INCR_TTL,
	STORE_SC_CATS,
	STORE_SC_DOCS,
	STORE_SC_OTP_ISSUE,
	STORE_SC_OTP_VERIFY,
	STORE_SC_CLAIM,
	STORE_SC_DEPTH,
	STORE_SC_DLR,
	STORE_SC_RECORD,
	STORE_NSCRIPTS,
};

/* The outbox entry, from STORE_SMS_NARGS ARGV starting at i (order of
 * store_sms_argv). */
#define STORE_LUA_SMS							\
	"local function sms(key, i)\n"					\
	"  return redis.call('XADD', key, 'MAXLEN', '~', "		\
	    "'" STORE_OUTBOX_MAXLEN "', '*',\n"				\
	"      'bind', ARGV[i], 'to', ARGV[i + 1], 'from', ARGV[i + 2],\n"	\
	"      'kind', ARGV[i + 3], 'lang', ARGV[i + 4], 'body', ARGV[i + 5],\n" \
	"      'expires_ms', ARGV[i + 6], 'to_ton', ARGV[i + 7],\n"	\
	"      'to_npi', ARGV[i + 8])\n"					\
	"end\n"
#define STORE_SMS_NARGS 9

static const char *const store_scripts[STORE_NSCRIPTS] = {
	/* KEYS: rl:m, rl:f, reg:gen, rsn:gen. ARGV: max requests/hour,
	 * max failures/day (0 = no limit), hash32, field, lang, prefix. */
	[STORE_SC_LOOKUP] =
	"local n = redis.call('INCR', KEYS[1])\n"
	"if n == 1 then redis.call('EXPIRE', KEYS[1], " "3600" ") end\n"
	"local maxr, maxf = tonumber(ARGV[1]), tonumber(ARGV[2])\n"
	"if maxr > 0 and n > maxr then return {'LOCKED'} end\n"
	"local f = tonumber(redis.call('GET', KEYS[2]) or '0') or 0\n"
	"if maxf > 0 and f >= maxf then return {'LOCKED'} end\n"
	"local g = redis.call('GET', KEYS[3])\n"
	"if not g then return {'NOGEN'} end\n"
	"local gen, nb = string.match(g, '^(%d+):(%d+)$')\n"
	"if not gen then return {'NOGEN'} end\n"
	"local b = tonumber(ARGV[3]) % tonumber(nb)\n"
	"local v = redis.call('HGET', ARGV[6] .. 'reg:' .. gen .. ':' ..\n"
	"    string.format('%d', b), ARGV[4])\n"
	"if not v then return {'NONE'} end\n"
	"local fl = string.byte(v, 1) or 0\n"
	"local txt = ''\n"
	"if math.floor(fl / 16) % 2 == 1 then\n"
	"  local pos = 5 + (math.floor(fl / 8) % 2) * 3\n"
	"  local rl = string.byte(v, pos) or 0\n"
	"  local code = string.sub(v, pos + 1, pos + rl)\n"
	"  local rg = redis.call('GET', KEYS[4])\n"
	"  if rg then\n"
	"    local rk = ARGV[6] .. 'rsn:' .. rg\n"
	"    txt = redis.call('HGET', rk, code .. ':' .. ARGV[5]) or\n"
	"        redis.call('HGET', rk, code .. ':fr') or ''\n"
	"  end\n"
	"end\n"
	"return {'FOUND', v, txt}\n",

	/* KEYS: counter. ARGV: ttl. The TTL is set with the first count,
	 * atomically, so a counter never lives for ever. */
	[STORE_SC_INCR_TTL] =
	"local n = redis.call('INCR', KEYS[1])\n"
	"if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end\n"
	"return n\n",

	/* KEYS: cat:gen. ARGV: prefix, lang, max. */
	[STORE_SC_CATS] =
	"local g = redis.call('GET', KEYS[1])\n"
	"if not g then return {'NOGEN'} end\n"
	"local base = ARGV[1] .. 'cat:' .. g .. ':'\n"
	"local codes = redis.call('LRANGE', base .. 'list', 0,\n"
	"    tonumber(ARGV[3]) - 1)\n"
	"local out = {'OK'}\n"
	"for _, c in ipairs(codes) do\n"
	"  local l = redis.call('HMGET', base .. c, 'label_' .. ARGV[2],\n"
	"      'label_fr')\n"
	"  out[#out + 1] = c\n"
	"  out[#out + 1] = l[1] or l[2] or c\n"
	"end\n"
	"return out\n",

	/* KEYS: cat:gen. ARGV: prefix, code, lang. */
	[STORE_SC_DOCS] =
	"local g = redis.call('GET', KEYS[1])\n"
	"if not g then return {'NOGEN'} end\n"
	"local h = redis.call('HMGET', ARGV[1] .. 'cat:' .. g .. ':' ..\n"
	"    ARGV[2], 'label_' .. ARGV[3], 'label_fr', 'docs_' .. ARGV[3],\n"
	"    'docs_fr')\n"
	"if not h[2] then return {'NONE'} end\n"
	"return {'FOUND', h[1] or h[2], h[3] or h[4] or ''}\n",

	/* KEYS: pw, otpf, otp, outbox. ARGV: hash, ttl, max failures,
	 * then the SMS (9). The code is a hash {h, a} so that a wrong
	 * attempt (HINCRBY) keeps its TTL. */
	[STORE_SC_OTP_ISSUE] =
	STORE_LUA_SMS
	"local t = redis.call('GET', KEYS[1])\n"
	"if t then return {'ALREADY', t} end\n"
	"local maxf = tonumber(ARGV[3]) or 0\n"
	"local f = tonumber(redis.call('GET', KEYS[2]) or '0') or 0\n"
	"if maxf > 0 and f >= maxf then return {'LOCKED'} end\n"
	"redis.call('DEL', KEYS[3])\n"
	"redis.call('HSET', KEYS[3], 'h', ARGV[1], 'a', '0')\n"
	"redis.call('EXPIRE', KEYS[3], ARGV[2])\n"
	"sms(KEYS[4], 4)\n"
	"return {'SENT'}\n",

	/* KEYS: otp, otpf, pw, provisioning, outbox. ARGV: hash, max
	 * attempts, pw pending s, tail, matricule, msisdn, sealed password,
	 * channel, operator, then the SMS (9). The hashes are keyed
	 * (secret_otp_hash), so a plain comparison leaks nothing useful. */
	[STORE_SC_OTP_VERIFY] =
	STORE_LUA_SMS
	"local h = redis.call('HGET', KEYS[1], 'h')\n"
	"if not h then return {'EXPIRED'} end\n"
	"if h ~= ARGV[1] then\n"
	"  local a = redis.call('HINCRBY', KEYS[1], 'a', 1)\n"
	"  if redis.call('INCR', KEYS[2]) == 1 then\n"
	"    redis.call('EXPIRE', KEYS[2], " "86400" ")\n"
	"  end\n"
	"  local ma = tonumber(ARGV[2]) or 1\n"
	"  if a >= ma then\n"
	"    redis.call('DEL', KEYS[1])\n"
	"    return {'VOID'}\n"
	"  end\n"
	"  return {'WRONG', tostring(ma - a)}\n"
	"end\n"
	"redis.call('DEL', KEYS[1], KEYS[2])\n"
	"local t = redis.call('GET', KEYS[3])\n"
	"if t then return {'ALREADY', t} end\n"
	"redis.call('SET', KEYS[3], ARGV[4], 'EX', ARGV[3])\n"
	"local now = redis.call('TIME')\n"
	"redis.call('XADD', KEYS[4], '*', 'matricule', ARGV[5],\n"
	"    'msisdn', ARGV[6], 'password_sealed', ARGV[7],\n"
	"    'channel', ARGV[8], 'operator', ARGV[9], 'ts', now[1])\n"
	"sms(KEYS[5], 10)\n"
	"return {'OK'}\n",

	/* KEYS: outbox. ARGV: group, consumer, min idle ms, cursor, count.
	 * XAUTOCLAIM, then each claimed entry's delivery count. Reply:
	 * {next cursor, {id, fields, deliveries}...}. */
	[STORE_SC_CLAIM] =
	"local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2],\n"
	"    ARGV[3], ARGV[4], 'COUNT', ARGV[5])\n"
	"local out = {r[1]}\n"
	"for _, e in ipairs(r[2]) do\n"
	"  if e[2] then\n"
	"    local p = redis.call('XPENDING', KEYS[1], ARGV[1], e[1], e[1], 1)\n"
	"    local n = 2\n"
	"    if p[1] then n = p[1][4] end\n"
	"    out[#out + 1] = {e[1], e[2], n}\n"
	"  end\n"
	"end\n"
	"return out\n",

	/* KEYS: outbox. ARGV: group. {XLEN, pending} (0 before the group). */
	[STORE_SC_DEPTH] =
	"local n = redis.call('XLEN', KEYS[1])\n"
	"local p = redis.pcall('XPENDING', KEYS[1], ARGV[1])\n"
	"local c = 0\n"
	"if type(p) == 'table' and not p.err and p[1] then c = p[1] end\n"
	"return {n, c}\n",

	/* KEYS: mid. ARGV: state key stem, state, ts, ttl. 1, or 0 when the
	 * message is not known (any more). */
	[STORE_SC_DLR] =
	"local id = redis.call('GET', KEYS[1])\n"
	"if not id then\n"
	/* Early (before the response's id was recorded) or unknown: kept an
	 * hour for STORE_SC_RECORD to apply. */
	"  redis.call('SET', KEYS[1] .. ':w', ARGV[2] .. '|' .. ARGV[3], 'EX', 3600)\n"
	"  return 0\n"
	"end\n"
	"local k = ARGV[1] .. id\n"
	"redis.call('HSET', k, 'state', ARGV[2], 'dlr_ts', ARGV[3])\n"
	"if redis.call('TTL', k) < 0 then redis.call('EXPIRE', k, ARGV[4]) end\n"
	"return 1\n",

	/* KEYS: state hash, mid key (any string when there is no id). ARGV:
	 * state, bind, message_id ("" = none), ts, state ttl, outbox id, mid
	 * ttl. The settle state never overwrites a receipt's (dlr_ts set); a
	 * receipt that came before the id was known is applied here. */
	[STORE_SC_RECORD] =
	"if redis.call('HEXISTS', KEYS[1], 'dlr_ts') == 0 then\n"
	"  redis.call('HSET', KEYS[1], 'state', ARGV[1])\n"
	"end\n"
	"redis.call('HSET', KEYS[1], 'bind', ARGV[2], 'ts', ARGV[4])\n"
	"if ARGV[3] ~= '' then\n"
	"  redis.call('HSET', KEYS[1], 'message_id', ARGV[3])\n"
	"  redis.call('SET', KEYS[2], ARGV[6], 'EX', ARGV[7])\n"
	"  local w = redis.call('GET', KEYS[2] .. ':w')\n"
	"  if w then\n"
	"    local sep = string.find(w, '|', 1, true)\n"
	"    if sep then\n"
	"      redis.call('HSET', KEYS[1], 'state', string.sub(w, 1, sep - 1),\n"
	"          'dlr_ts', string.sub(w, sep + 1))\n"
	"    end\n"
	"    redis.call('DEL', KEYS[2] .. ':w')\n"
	"  end\n"
	"end\n"
	"redis.call('EXPIRE', KEYS[1], ARGV[5])\n"
	"return 1\n",
};

enum store_kind {
	STORE_K_NONE = 0,	/* fire and forget: errors logged */
	STORE_K_SYS,		/* connection set-up (SELECT, SCRIPT LOAD) */
	STORE_K_GET,
	STORE_K_DONE,
	STORE_K_LOOKUP,
	STORE_K_CATS,
	STORE_K_DOCS,
	STORE_K_OTP,
	STORE_K_CLAIM,		/* internal: outbox claim round */
	STORE_K_DEPTH,		/* internal: outbox depth refresh */
};

/*
 * One request. It lives until both its callback has fired (or it has
 * none) and hiredis has handed it back (reply, or NULL when the context
 * goes away). Linked in st->reqs while attached to the store; store_free
 * detaches ("orphans") the ones hiredis still holds.
 */
struct store_req {
	TAILQ_ENTRY(store_req) entry;
	struct store     *st;		/* NULL: orphan */
	enum store_kind   kind;
	int               sys;		/* STORE_K_SYS: -1 SELECT, else script */
	int               script;	/* -1: plain command */
	int               retried;	/* NOSCRIPT retry done */
	int               fired;
	int               in_redis;
	int               failq;	/* waits for the fail event */
	union {
		store_get_cb        *get;
		store_done_cb       *done;
		store_lookup_cb     *lookup;
		store_categories_cb *cats;
		store_docs_cb       *docs;
		store_otp_cb        *otp;
	} cb;
	void             *arg;
	char              tail[8];	/* STORE_K_OTP: the phone tail given */
	struct event     *deadline;
	int               argc;
	const char       *argv[STORE_MAXARGS];
	size_t            argvlen[STORE_MAXARGS];
	char              data[];	/* copies of the arguments */
};

TAILQ_HEAD(store_reqs, store_req);

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

	redisAsyncContext  *ac;
	int                 up;		/* connected and scripts loaded */
	int                 reported;	/* -1 unknown, 0 down, 1 up */
	int                 sys_left;	/* set-up replies still expected */
	int                 backoff_ms;
	int                 timeouts;	/* in a row */
	char                sha[STORE_NSCRIPTS][41];
	char                drop_reason[128];

	struct event       *ev_reconnect;
	struct event       *ev_connect_to;
	struct event       *ev_fail;
	struct event       *ev_drop;
	struct store_reqs   reqs;
	int                 nreqs;

	int                 depth;	/* our frames on the stack */
	int                 in_hiredis;	/* of which inside a hiredis callback */
	int                 dead;	/* store_free ran, free when depth 0 */

	/* The outbox consumer (store_outbox_start) and depth. */
	store_outbox_cb    *ob_cb;
	void               *ob_arg;
	char                ob_consumer[64];
	int                 ob_claim_ms;
	struct store_reader *reader;	/* the blocking connection */
	int                 rup;	/* reader set up, group exists */
	int                 rbackoff_ms;
	char                rdrop_reason[128];
	int                 claim_busy;
	int                 claim_rounds;
	int                 ob_paused;	/* store_outbox_pause: read and claim nothing */
	int                 ob_read_idle;	/* reader up, no XREADGROUP out (paused) */
	struct event       *ev_resume;
	int                 depth_busy;
	long long           ob_len, ob_pending;
	struct event       *ev_rconnect;
	struct event       *ev_rdeadline;
	struct event       *ev_rdrop;
	struct event       *ev_claim;
	struct event       *ev_depth;
};

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

static void store_connect(struct store *);
static void store_reader_detach(struct store *);
static void store_on_rconnect(evutil_socket_t, short, void *);
static void store_on_rdeadline(evutil_socket_t, short, void *);
static void store_on_rdrop(evutil_socket_t, short, void *);
static void store_on_claim_tick(evutil_socket_t, short, void *);
static void store_on_resume(evutil_socket_t, short, void *);
static void store_on_depth_tick(evutil_socket_t, short, void *);
static void store_on_claim(struct store *, const redisReply *);
static void store_on_depth(struct store *, const redisReply *);

/* --- small helpers -------------------------------------------------- */

static void
store_hold(struct store *st)
{
	st->depth++;
}

/* Returns 1 when the store is gone (or going): the caller returns at once. */
static int
store_release(struct store *st)
{
	if (--st->depth == 0 && st->dead) {
		free(st);
		return 1;
	}
	return st->dead;
}

static void
store_timer(struct event *ev, int ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ev, &tv);
}

static void
store_req_free(struct store_req *req)
{
	if (req->deadline)
		event_free(req->deadline);
	free(req);
}

static void
store_req_unlink(struct store *st, struct store_req *req)
{
	TAILQ_REMOVE(&st->reqs, req, entry);
	st->nreqs--;
}

/* A request with argc arguments copied in. NULL on allocation failure. */
static struct store_req *
store_req_new(enum store_kind kind, int script, int argc,
    const char *const *argv, const size_t *argvlen)
{
	struct store_req *req;
	size_t total = 0, off = 0;
	int i;

	for (i = 0; i < argc; i++)
		total += argvlen[i] + 1;
	if (argc > STORE_MAXARGS ||
	    (req = calloc(1, sizeof(*req) + total)) == NULL) {
		log_warnx("[redis] cannot allocate a request");
		return NULL;
	}
	req->kind = kind;
	req->script = script;
	req->argc = argc;
	for (i = 0; i < argc; i++) {
		if (argv[i] != NULL)
			memcpy(req->data + off, argv[i], argvlen[i]);
		req->data[off + argvlen[i]] = '\0';
		req->argv[i] = req->data + off;
		req->argvlen[i] = argvlen[i];
		off += argvlen[i] + 1;
	}
	return req;
}

/* --- firing callbacks ----------------------------------------------- */

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

static void
store_copy(char *dst, size_t dstsz, const redisReply *s)
{
	size_t n = s->len < dstsz - 1 ? s->len : dstsz - 1;

	memcpy(dst, s->str, n);
	dst[n] = '\0';
}

static void
store_fill_lookup(struct dialog_lookup *res, const redisReply *r)
{
	const redisReply *v, *t;
	struct registry_rec rec;

	res->status = DIALOG_FETCH_ERROR;
	if (store_reply_str(r, 0, "LOCKED")) {
		res->status = DIALOG_FETCH_LOCKED;
		return;
	}
	if (store_reply_str(r, 0, "NONE")) {
		res->status = DIALOG_FETCH_OK;
		res->reg = DIALOG_REG_NOT_FOUND;
		return;
	}
	if (store_reply_str(r, 0, "NOGEN")) {
		log_warnx("[redis] no registry loaded (run tnsgw-load)");
		return;
	}
	if (!store_reply_str(r, 0, "FOUND") ||
	    (v = store_reply_el(r, 1)) == NULL ||
	    (t = store_reply_el(r, 2)) == NULL ||
	    registry_unpack((const unsigned char *)v->str, v->len, &rec) != 0) {
		log_warnx("[redis] malformed lookup reply");
		return;
	}
	res->status = DIALOG_FETCH_OK;
	res->reg = rec.status == REGISTRY_ST_REGISTERED ?
	    DIALOG_REG_REGISTERED : DIALOG_REG_INELIGIBLE;
	res->birth = rec.birth;
	res->expiry = rec.expiry;
	snprintf(res->matricule, sizeof(res->matricule), "%s", rec.matricule);
	res->has_account = rec.has_account;
	snprintf(res->phone, sizeof(res->phone), "%s", rec.phone);
	snprintf(res->reason_code, sizeof(res->reason_code), "%s", rec.reason);
	store_copy(res->reason_text, sizeof(res->reason_text), t);
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
	if (words[i].status == DIALOG_OTP_ALREADY) {
		if ((v = store_reply_el(r, 1)) == NULL) {
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
	if (req->deadline) {
		event_free(req->deadline);
		req->deadline = NULL;
	}
	if (r != NULL && r->type == REDIS_REPLY_ERROR)
		log_warnx("[redis] error reply: %.*s", (int)(r->len < 120 ?
		    r->len : 120), r->str);
	store_hold(st);
	switch (req->kind) {
	case STORE_K_NONE:
	case STORE_K_SYS:
		break;
	case STORE_K_GET: {
		store_get_cb *cb = req->cb.get;

		if (r != NULL && r->type == REDIS_REPLY_STRING)
			cb(arg, 0, r->str, r->len);
		else
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
	case STORE_K_CLAIM:
		store_on_claim(st, r);
		break;
	case STORE_K_DEPTH:
		store_on_depth(st, r);
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
	default:
		return 1;
	}
}

/* --- sending -------------------------------------------------------- */

static void store_on_reply(redisAsyncContext *, void *, void *);

/* Hand the request to hiredis (EVALSHA, or EVAL when the SHA is not known
 * yet or after NOSCRIPT). 0, or -1 when it cannot be sent now. */
static int
store_send(struct store *st, struct store_req *req)
{
	if (st->ac == NULL)
		return -1;
	if (req->script >= 0) {
		if (!req->retried && st->sha[req->script][0] != '\0') {
			req->argv[0] = "EVALSHA";
			req->argv[1] = st->sha[req->script];
		} else {
			req->argv[0] = "EVAL";
			req->argv[1] = store_scripts[req->script];
		}
		req->argvlen[0] = strlen(req->argv[0]);
		req->argvlen[1] = strlen(req->argv[1]);
	}
	if (redisAsyncCommandArgv(st->ac, store_on_reply, req, req->argc,
	    req->argv, req->argvlen) != REDIS_OK)
		return -1;
	req->in_redis = 1;
	return 0;
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
static void
store_submit(struct store *st, struct store_req *req)
{
	if (req == NULL)
		return;
	req->st = st;
	TAILQ_INSERT_TAIL(&st->reqs, req, entry);
	st->nreqs++;
	if (store_has_cb(req)) {
		req->deadline = evtimer_new(st->base, store_on_deadline, req);
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
{
	if (r == NULL)
		return;		/* the connection is going; handled there */
	if (r->type == REDIS_REPLY_ERROR ||
	    (req->sys >= 0 && (r->type != REDIS_REPLY_STRING || r->len != 40))) {
		log_warnx("[redis] set-up %s failed: %.*s",
		    req->sys < 0 ? "SELECT" : "SCRIPT LOAD",
		    r->type == REDIS_REPLY_ERROR ? (int)r->len : 0,
		    r->type == REDIS_REPLY_ERROR ? r->str : "");
		if (st->drop_reason[0] == '\0') {
			snprintf(st->drop_reason, sizeof(st->drop_reason),
			    "set-up failed");
			store_timer(st->ev_drop, 0);
		}
		return;
	}
	if (req->sys >= 0)
		memcpy(st->sha[req->sys], r->str, 41);
	if (--st->sys_left == 0) {
		st->up = 1;
		st->backoff_ms = STORE_BACKOFF_MIN_MS;
		st->timeouts = 0;
		evtimer_del(st->ev_connect_to);
		st->reported = 1;
		log_info("[redis] %s up (db %d)", st->where, st->db);
		if (st->cb.on_up != NULL)
			st->cb.on_up(st->arg);
	}
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
	if (r != NULL)
		st->timeouts = 0;
	else
		st->up = 0;		/* the context is going away */
	if (r != NULL && r->type == REDIS_REPLY_ERROR && req->script >= 0 &&
	    !req->retried && strncmp(r->str, "NOSCRIPT", 8) == 0) {
		/* Script cache flushed: EVAL sends the body and caches it. */
		req->retried = 1;
		if (store_send(st, req) == 0)
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

static int
store_sys(struct store *st, int sys, int argc, const char **argv)
{
	size_t len[4];
	struct store_req *req;
	int i;

	for (i = 0; i < argc; i++)
		len[i] = strlen(argv[i]);
	if ((req = store_req_new(STORE_K_SYS, -1, argc, argv, len)) == NULL)
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
	const char *argv[3];
	int i;

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
	 * the right db, and EVAL covers scripts whose SHA is not back yet. */
	if (st->db != 0) {
		snprintf(db, sizeof(db), "%d", st->db);
		argv[0] = "SELECT";
		argv[1] = db;
		if (store_sys(st, -1, 2, argv) != 0)
			goto fail;
	}
	for (i = 0; i < STORE_NSCRIPTS; i++) {
		argv[0] = "SCRIPT";
		argv[1] = "LOAD";
		argv[2] = store_scripts[i];
		if (store_sys(st, i, 3, argv) != 0)
			goto fail;
	}
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
	if (st->ac == NULL)
		store_connect(st);
}

/* --- public --------------------------------------------------------- */

static void
store_set_config(struct store *st, const struct config *cfg)
{
	st->timeout_ms = cfg->redis.timeout_ms > 0 ? cfg->redis.timeout_ms : 200;
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
	st->reported = -1;
	st->backoff_ms = STORE_BACKOFF_MIN_MS;
	TAILQ_INIT(&st->reqs);
	st->ev_reconnect = evtimer_new(base, store_on_reconnect, st);
	st->ev_connect_to = evtimer_new(base, store_on_connect_timeout, st);
	st->ev_fail = evtimer_new(base, store_on_fail, st);
	st->ev_drop = evtimer_new(base, store_on_drop, st);
	st->rbackoff_ms = STORE_BACKOFF_MIN_MS;
	st->ev_rconnect = evtimer_new(base, store_on_rconnect, st);
	st->ev_rdeadline = evtimer_new(base, store_on_rdeadline, st);
	st->ev_rdrop = evtimer_new(base, store_on_rdrop, st);
	st->ev_claim = event_new(base, -1, EV_PERSIST, store_on_claim_tick, st);
	st->ev_resume = event_new(base, -1, 0, store_on_resume, st);
	st->ev_depth = event_new(base, -1, EV_PERSIST, store_on_depth_tick, st);
	if (st->ev_reconnect == NULL || st->ev_connect_to == NULL ||
	    st->ev_fail == NULL || st->ev_drop == NULL ||
	    st->ev_rconnect == NULL || st->ev_rdeadline == NULL ||
	    st->ev_rdrop == NULL || st->ev_claim == NULL || st->ev_resume == NULL ||
	    st->ev_depth == NULL) {
		log_warnx("store: cannot create events");
		store_free(st);
		return NULL;
	}
	store_timer(st->ev_depth, STORE_DEPTH_MS);	/* persistent */
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
	st->dead = 1;
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
	if (st->ev_rdeadline != NULL)
		store_reader_detach(st);
	if (st->ev_rconnect)
		event_free(st->ev_rconnect);
	if (st->ev_rdeadline)
		event_free(st->ev_rdeadline);
	if (st->ev_rdrop)
		event_free(st->ev_rdrop);
	if (st->ev_claim)
		event_free(st->ev_claim);
	if (st->ev_resume)
		event_free(st->ev_resume);
	st->ev_resume = NULL;
	if (st->ev_depth)
		event_free(st->ev_depth);
	st->ev_rconnect = st->ev_rdeadline = st->ev_rdrop = NULL;
	st->ev_claim = st->ev_depth = NULL;
	if (st->ev_reconnect)
		event_free(st->ev_reconnect);
	if (st->ev_connect_to)
		event_free(st->ev_connect_to);
	if (st->ev_fail)
		event_free(st->ev_fail);
	if (st->ev_drop)
		event_free(st->ev_drop);
	st->ev_reconnect = st->ev_connect_to = st->ev_fail = st->ev_drop = NULL;
	store_release(st);
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

static struct store_req *
store_build(struct store *st, enum store_kind kind, int script, int argc,
    const char *const *argv)
{
	size_t len[STORE_MAXARGS];
	int i;

	(void)st;
	for (i = 0; i < argc && i < STORE_MAXARGS; i++)
		len[i] = argv[i] != NULL ? strlen(argv[i]) : 0;
	return store_req_new(kind, script, argc, argv, len);
}

/* Allocation of a few hundred bytes failing leaves nothing sane to do. */
static struct store_req *
store_build_or_fail(struct store *st, enum store_kind kind, int script,
    int argc, const char *const *argv)
{
	struct store_req *req;

	if ((req = store_build(st, kind, script, argc, argv)) == NULL)
		fatalx("store: out of memory");
	return req;
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
	snprintf(ttl, sizeof(ttl), "%d", ttl_s > 0 ? ttl_s : 1);
	lens[0] = 3;
	lens[1] = strlen(k);
	lens[2] = len;
	lens[3] = 2;
	lens[4] = strlen(ttl);
	if ((req = store_req_new(STORE_K_DONE, -1, 5, argv, lens)) == NULL)
		fatalx("store: out of memory");
	req->cb.done = cb;
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

void
store_lookup(struct store *st, const struct store_lookup_req *q,
    store_lookup_cb *cb, void *arg)
{
	char krm[REGISTRY_KEY_MAX], krf[REGISTRY_KEY_MAX];
	char kreg[REGISTRY_KEY_MAX], krsn[REGISTRY_KEY_MAX];
	char maxr[16], maxf[16], hash[16], field[REGISTRY_FIELD_MAX + 1];
	const char *argv[13];
	struct store_req *req;

	registry_key_rl_msisdn(krm, sizeof(krm), st->prefix, q->msisdn);
	registry_key_rl_fail(krf, sizeof(krf), st->prefix, q->idtype, q->idnum);
	registry_key_gen(kreg, sizeof(kreg), st->prefix, "reg");
	registry_key_gen(krsn, sizeof(krsn), st->prefix, "rsn");
	snprintf(maxr, sizeof(maxr), "%d", st->max_req_hour);
	snprintf(maxf, sizeof(maxf), "%d", st->max_fail_day);
	snprintf(hash, sizeof(hash), "%u",
	    (unsigned)registry_hash(q->idtype, q->idnum));
	if (registry_field(q->idtype, q->idnum, field, sizeof(field)) != 0)
		field[0] = '\0';	/* matches nothing: not found */
	argv[0] = "EVALSHA";
	argv[1] = "";
	argv[2] = "4";
	argv[3] = krm;
	argv[4] = krf;
	argv[5] = kreg;
	argv[6] = krsn;
	argv[7] = maxr;
	argv[8] = maxf;
	argv[9] = hash;
	argv[10] = field;
	argv[11] = q->lang != NULL && q->lang[0] != '\0' ? q->lang : "fr";
	argv[12] = st->prefix;
	req = store_build_or_fail(st, STORE_K_LOOKUP, STORE_SC_LOOKUP, 13, argv);
	req->cb.lookup = cb;
	req->arg = arg;
	store_submit(st, req);
}

void
store_record_failure(struct store *st, enum parse_idtype idtype,
    const char *idnum)
{
	char k[REGISTRY_KEY_MAX], ttl[16];
	const char *argv[5] = { "EVALSHA", "", "1", k, ttl };

	registry_key_rl_fail(k, sizeof(k), st->prefix, idtype, idnum);
	snprintf(ttl, sizeof(ttl), "%d", STORE_FAIL_TTL_S);
	store_submit(st, store_build(st, STORE_K_NONE, STORE_SC_INCR_TTL, 5,
	    argv));
}

void
store_categories(struct store *st, const char *lang,
    store_categories_cb *cb, void *arg)
{
	char k[REGISTRY_KEY_MAX], max[16];
	const char *argv[7] = { "EVALSHA", "", "1", k, st->prefix,
	    lang != NULL && lang[0] != '\0' ? lang : "fr", max };
	struct store_req *req;

	registry_key_gen(k, sizeof(k), st->prefix, "cat");
	snprintf(max, sizeof(max), "%d", DIALOG_MAX_CATEGORIES);
	req = store_build_or_fail(st, STORE_K_CATS, STORE_SC_CATS, 7, argv);
	req->cb.cats = cb;
	req->arg = arg;
	store_submit(st, req);
}

void
store_docs(struct store *st, const char *code, const char *lang,
    store_docs_cb *cb, void *arg)
{
	char k[REGISTRY_KEY_MAX];
	const char *argv[7] = { "EVALSHA", "", "1", k, st->prefix, code,
	    lang != NULL && lang[0] != '\0' ? lang : "fr" };
	struct store_req *req;

	registry_key_gen(k, sizeof(k), st->prefix, "cat");
	req = store_build_or_fail(st, STORE_K_DOCS, STORE_SC_DOCS, 7, argv);
	req->cb.docs = cb;
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
	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	memcpy(all, argv, sizeof(argv));
	all[17] = ts;
	store_submit(st, store_build(st, STORE_K_NONE, -1, 18, all));
}

/* --- case B: OTP issue and verify ----------------------------------- */

static const char *
store_str(const char *s)
{
	return s != NULL ? s : "";
}

/* Room for the numeric SMS fields while a request is built. */
struct store_sms_num {
	char exp[24], ton[4], npi[4];
};

/* The STORE_SMS_NARGS SMS fields in the order of STORE_LUA_SMS. */
static void
store_sms_argv(const struct store_outbox_msg *m, const char **argv,
    struct store_sms_num *num)
{
	snprintf(num->exp, sizeof(num->exp), "%lld",
	    m->expires_ms > 0 ? m->expires_ms : 0);
	snprintf(num->ton, sizeof(num->ton), "%u", (unsigned)m->to_ton);
	snprintf(num->npi, sizeof(num->npi), "%u", (unsigned)m->to_npi);
	argv[0] = store_str(m->bind);
	argv[1] = store_str(m->to);
	argv[2] = store_str(m->from);
	argv[3] = store_str(m->kind);
	argv[4] = store_str(m->lang);
	argv[5] = store_str(m->body);
	argv[6] = num->exp;
	argv[7] = num->ton;
	argv[8] = num->npi;
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
	char kob[REGISTRY_KEY_MAX], ttl[16], maxf[16];
	struct store_sms_num num;
	const char *argv[10 + STORE_SMS_NARGS] = { "EVALSHA", "", "4", kpw, kf,
	    ko, kob, store_str(q->otp_hash), ttl, maxf };
	struct store_req *req;
	int bad;

	bad = registry_key_pw(kpw, sizeof(kpw), st->prefix, q->person) |
	    registry_key_otpf(kf, sizeof(kf), st->prefix, q->person) |
	    registry_key_otp(ko, sizeof(ko), st->prefix, q->person) |
	    registry_key_outbox(kob, sizeof(kob), st->prefix);
	snprintf(ttl, sizeof(ttl), "%d", q->ttl_s > 0 ? q->ttl_s : 1);
	snprintf(maxf, sizeof(maxf), "%d", q->max_failures);
	store_sms_argv(&q->sms, argv + 10, &num);
	req = store_build_or_fail(st, STORE_K_OTP, STORE_SC_OTP_ISSUE,
	    10 + STORE_SMS_NARGS, argv);
	req->cb.otp = cb;
	req->arg = arg;
	snprintf(req->tail, sizeof(req->tail), "%s", store_str(q->phone_tail));
	if (bad) {
		log_warnx("[redis] OTP keys too long");
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
	struct store_sms_num num;
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
	snprintf(maxa, sizeof(maxa), "%d", q->max_attempts > 0 ?
	    q->max_attempts : 1);
	snprintf(pend, sizeof(pend), "%d", q->pw_pending_s > 0 ?
	    q->pw_pending_s : 1);
	store_sms_argv(&q->sms, argv + 17, &num);
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
	store_submit(st, req);
}

/* --- outbox: writing, settling, receipts ---------------------------- */

void
store_outbox_add(struct store *st, const struct store_outbox_msg *msg,
    store_done_cb *cb, void *arg)
{
	char k[REGISTRY_KEY_MAX];
	struct store_sms_num num;
	const char *argv[6 + 2 * STORE_SMS_NARGS] = { "XADD", k, "MAXLEN", "~",
	    STORE_OUTBOX_MAXLEN, "*", "bind", NULL, "to", NULL, "from", NULL,
	    "kind", NULL, "lang", NULL, "body", NULL, "expires_ms", NULL,
	    "to_ton", NULL, "to_npi", NULL };
	const char *f[STORE_SMS_NARGS];
	struct store_req *req;
	int i;

	registry_key_outbox(k, sizeof(k), st->prefix);
	store_sms_argv(msg, f, &num);
	for (i = 0; i < STORE_SMS_NARGS; i++)
		argv[7 + 2 * i] = f[i];
	req = store_build_or_fail(st, STORE_K_DONE, -1,
	    6 + 2 * STORE_SMS_NARGS, argv);
	req->cb.done = cb;
	req->arg = arg;
	store_submit(st, req);
}

/* The entry's state record and, with a message id, the id -> entry map. */
static void
store_outbox_record(struct store *st, const char *id, const char *state,
    const char *bind, const char *message_id)
{
	char kst[REGISTRY_KEY_MAX + 40], kmid[REGISTRY_KEY_MAX + 160], ts[24];
	const char *argv[12] = { "EVALSHA", "", "2", kst, kmid, store_str(state),
	    store_str(bind), "", ts, STORE_ST_TTL_S, id, STORE_MID_TTL_S };

	if (registry_key_outbox_st(kst, sizeof(kst), st->prefix, id) != 0) {
		log_warnx("[redis] outbox id too long");
		return;
	}
	snprintf(kmid, sizeof(kmid), "-");
	if (message_id != NULL && message_id[0] != '\0') {
		if (registry_key_outbox_mid(kmid, sizeof(kmid), st->prefix,
		    store_str(bind), message_id) != 0)
			log_warnx("[redis] outbox %s: message id too long", id);
		else
			argv[7] = message_id;
	}
	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	store_submit(st, store_build(st, STORE_K_NONE, STORE_SC_RECORD, 12, argv));
}

void
store_outbox_ack(struct store *st, const char *id, const char *state,
    const char *bind, const char *message_id)
{
	char kob[REGISTRY_KEY_MAX];
	const char *xack[4] = { "XACK", kob, REGISTRY_OUTBOX_GROUP, id };

	if (st->ac == NULL)
		log_warnx("[redis] outbox %s not settled (%s): Redis is down, "
		    "it will be handed out again", id, store_str(state));
	registry_key_outbox(kob, sizeof(kob), st->prefix);
	/* Settled first, then the record: a lost record costs a receipt's
	 * state, a lost XACK a duplicate. */
	store_submit(st, store_build(st, STORE_K_NONE, -1, 4, xack));
	store_outbox_record(st, id, state, bind, message_id);
}

void
store_outbox_note_id(struct store *st, const char *id, const char *bind,
    const char *message_id)
{
	store_outbox_record(st, id, "submitted", bind, message_id);
}

void
store_outbox_dlr(struct store *st, const char *bind, const char *message_id,
    const char *state)
{
	char kmid[REGISTRY_KEY_MAX + 160], stem[REGISTRY_KEY_MAX], ts[24];
	const char *argv[8] = { "EVALSHA", "", "1", kmid, stem,
	    store_str(state), ts, STORE_ST_TTL_S };

	if (registry_key_outbox_mid(kmid, sizeof(kmid), st->prefix,
	    store_str(bind), store_str(message_id)) != 0) {
		log_warnx("[redis] receipt: message id too long");
		return;
	}
	registry_key_outbox_st(stem, sizeof(stem), st->prefix, "");
	snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
	store_submit(st, store_build(st, STORE_K_NONE, STORE_SC_DLR, 8, argv));
}

void
store_outbox_depth(const struct store *st, long long *len, long long *pending)
{
	*len = st != NULL ? st->ob_len : 0;
	*pending = st != NULL ? st->ob_pending : 0;
}

static void
store_on_depth_tick(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;
	char k[REGISTRY_KEY_MAX];
	const char *argv[5] = { "EVALSHA", "", "1", k, REGISTRY_OUTBOX_GROUP };

	(void)fd;
	(void)what;
	if (!st->up || st->depth_busy)
		return;
	registry_key_outbox(k, sizeof(k), st->prefix);
	st->depth_busy = 1;
	store_submit(st, store_build_or_fail(st, STORE_K_DEPTH, STORE_SC_DEPTH,
	    5, argv));
}

static void
store_on_depth(struct store *st, const redisReply *r)
{
	st->depth_busy = 0;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_INTEGER ||
	    r->element[1]->type != REDIS_REPLY_INTEGER)
		return;
	st->ob_len = r->element[0]->integer;
	st->ob_pending = r->element[1]->integer;
}

/* --- outbox: handing entries out ------------------------------------ */

/* An optional TON/NPI field: absent -> def; else 0..255 or -1. */
static int
store_sms_octet(const char *s, int def)
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
	    "from", "kind", "lang", "body", "expires_ms", "to_ton", "to_npi" };
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
		ton = store_sms_octet(v[7], 1);
		npi = store_sms_octet(v[8], 1);
		if (ton < 0 || npi < 0)
			bad = 1;
	}
	if (bad) {
		log_warnx("[redis] outbox entry %s malformed: settled as failed",
		    e.id);
		store_outbox_ack(st, e.id, "failed", v[0], NULL);
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
	e.deliveries = deliveries > 0 ? deliveries : 1;
	store_hold(st);
	st->ob_cb(st->ob_arg, &e);
	return store_release(st);
}

/* --- outbox: claiming idle entries (main connection) ---------------- */

static void
store_claim_send(struct store *st, const char *cursor)
{
	char k[REGISTRY_KEY_MAX], idle[16];
	const char *argv[9] = { "EVALSHA", "", "1", k, REGISTRY_OUTBOX_GROUP,
	    st->ob_consumer, idle, cursor, STORE_OUTBOX_COUNT };

	registry_key_outbox(k, sizeof(k), st->prefix);
	snprintf(idle, sizeof(idle), "%d", st->ob_claim_ms);
	store_submit(st, store_build_or_fail(st, STORE_K_CLAIM, STORE_SC_CLAIM,
	    9, argv));
}

static void
store_on_claim_tick(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;

	(void)fd;
	(void)what;
	if (st->claim_busy || !st->up || !st->rup || st->ob_paused)
		return;
	st->claim_busy = 1;
	st->claim_rounds = 0;
	store_claim_send(st, "0-0");
}

static void
store_on_claim(struct store *st, const redisReply *r)
{
	const redisReply *e;
	char cursor[32];
	size_t i;

	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[0]->len >= sizeof(cursor)) {
		if (r != NULL && r->type != REDIS_REPLY_ERROR)
			log_warnx("[redis] malformed outbox claim reply");
		st->claim_busy = 0;
		return;
	}
	store_copy(cursor, sizeof(cursor), r->element[0]);
	for (i = 1; i < r->elements; i++) {
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
	if (strcmp(cursor, "0-0") != 0 && !st->ob_paused &&
	    ++st->claim_rounds < STORE_CLAIM_ROUNDS && st->up) {
		store_claim_send(st, cursor);
		return;
	}
	st->claim_busy = 0;
}

/* --- outbox: the blocking reader connection ------------------------- */

static void
store_reader_zfree(evutil_socket_t fd, short what, void *arg)
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
store_reader_detach(struct store *st)
{
	struct store_reader *rd = st->reader;
	static const struct timeval zero = { 0, 0 };

	if (rd == NULL)
		return;
	st->reader = NULL;
	st->ob_read_idle = 0;
	st->rup = 0;
	evtimer_del(st->ev_rdeadline);
	rd->st = NULL;
	if (rd->in_cb > 0 || rd->ac == NULL) {
		if (event_base_once(st->base, -1, EV_TIMEOUT, store_reader_zfree,
		    rd, &zero) != 0)
			log_warnx("[redis] cannot schedule the outbox reader's "
			    "release");
		return;
	}
	redisAsyncFree(rd->ac);
	free(rd);
}

static void
store_reader_down(struct store *st, const char *reason)
{
	store_reader_detach(st);
	if (st->dead)
		return;
	log_warnx("[redis] outbox reader down: %s; retry in %d ms", reason,
	    st->rbackoff_ms);
	store_timer(st->ev_rconnect, st->rbackoff_ms);
	st->rbackoff_ms = st->rbackoff_ms * 2 > STORE_BACKOFF_MAX_MS ?
	    STORE_BACKOFF_MAX_MS : st->rbackoff_ms * 2;
}

/* From inside a reader callback: drop it from the loop. */
static void
store_reader_drop_later(struct store *st, const char *reason)
{
	if (st->rdrop_reason[0] != '\0')
		return;
	snprintf(st->rdrop_reason, sizeof(st->rdrop_reason), "%s", reason);
	store_timer(st->ev_rdrop, 0);
}

static void
store_on_rdrop(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;
	char why[128];

	(void)fd;
	(void)what;
	snprintf(why, sizeof(why), "%s", st->rdrop_reason);
	st->rdrop_reason[0] = '\0';
	if (st->reader != NULL)
		store_reader_down(st, why);
}

static void
store_on_rdeadline(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;

	(void)fd;
	(void)what;
	store_reader_down(st, st->rup ? "outbox read timed out" :
	    "connect/set-up timed out");
}

static void store_reader_on_read(redisAsyncContext *, void *, void *);

static void
store_reader_read(struct store *st)
{
	char k[REGISTRY_KEY_MAX], block[16];
	const char *argv[10] = { "XREADGROUP", "GROUP", REGISTRY_OUTBOX_GROUP,
	    st->ob_consumer, "COUNT", STORE_OUTBOX_COUNT, "BLOCK", block,
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
	if (redisAsyncCommandArgv(st->reader->ac, store_reader_on_read,
	    st->reader, 11, all, len) != REDIS_OK) {
		store_reader_drop_later(st, "cannot send XREADGROUP");
		return;
	}
	store_timer(st->ev_rdeadline, STORE_OUTBOX_BLOCK_MS + st->timeout_ms);
}

static void
store_reader_on_read(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct store_reader *rd = privdata;
	struct store *st = rd->st;
	const redisReply *r = reply, *s, *e;
	size_t i, j;

	(void)ac;
	if (st == NULL || r == NULL)
		return;		/* detached, or going: the disconnect says */
	evtimer_del(st->ev_rdeadline);
	if (r->type == REDIS_REPLY_ERROR) {
		log_warnx("[redis] outbox read: %.*s",
		    (int)(r->len < 120 ? r->len : 120), r->str);
		store_reader_drop_later(st, "XREADGROUP failed");
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
	if (!st->dead && st->reader == rd) {
		if (st->ob_paused)
			st->ob_read_idle = 1;
		else
			store_reader_read(st);
	}
	rd->in_cb--;
	store_release(st);
}

static void
store_reader_on_select(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct store_reader *rd = privdata;
	const redisReply *r = reply;

	(void)ac;
	if (rd->st == NULL || r == NULL)
		return;
	if (r->type != REDIS_REPLY_STATUS) {
		log_warnx("[redis] outbox reader: SELECT failed");
		store_reader_drop_later(rd->st, "set-up failed");
	}
}

/* XGROUP CREATE's reply (BUSYGROUP: it exists, fine): reads start. */
static void
store_reader_on_group(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct store_reader *rd = privdata;
	struct store *st = rd->st;
	const redisReply *r = reply;

	(void)ac;
	if (st == NULL || r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR &&
	    strncmp(r->str, "BUSYGROUP", 9) != 0) {
		log_warnx("[redis] outbox reader set-up: %.*s",
		    (int)(r->len < 120 ? r->len : 120), r->str);
		store_reader_drop_later(st, "set-up failed");
		return;
	}
	if (r->type != REDIS_REPLY_ERROR && r->type != REDIS_REPLY_STATUS) {
		store_reader_drop_later(st, "set-up failed");
		return;
	}
	st->rup = 1;
	st->rbackoff_ms = STORE_BACKOFF_MIN_MS;
	log_info("[redis] outbox reader up (group %s, consumer %s)",
	    REGISTRY_OUTBOX_GROUP, st->ob_consumer);
	if (st->ob_paused)
		st->ob_read_idle = 1;
	else
		store_reader_read(st);
}

/* Resume reading from the loop, never from inside a reader callback. */
static void
store_on_resume(evutil_socket_t fd, short what, void *arg)
{
	struct store *st = arg;

	(void)fd;
	(void)what;
	if (st->dead || st->ob_paused || !st->ob_read_idle || st->reader == NULL ||
	    !st->rup)
		return;
	st->ob_read_idle = 0;
	store_reader_read(st);
}

void
store_outbox_pause(struct store *st, int paused)
{
	if (st->ob_paused == !!paused)
		return;
	st->ob_paused = !!paused;
	if (!paused && st->ev_resume)
		event_active(st->ev_resume, EV_TIMEOUT, 1);
}

static void
store_reader_on_connect(const redisAsyncContext *ac, int status)
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
	store_reader_down(st, why);
}

static void
store_reader_on_disconnect(const redisAsyncContext *ac, int status)
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
	store_reader_down(st, why);	/* ac NULL: rd freed from the loop */
}

static void
store_reader_connect(struct store *st)
{
	struct store_reader *rd;
	redisAsyncContext *ac;
	char k[REGISTRY_KEY_MAX], db[16];
	const char *sel[2] = { "SELECT", db };
	const char *grp[6] = { "XGROUP", "CREATE", k, REGISTRY_OUTBOX_GROUP,
	    "0", "MKSTREAM" };
	size_t len[6];
	int i;

	if (st->reader != NULL || st->dead || st->ob_cb == NULL)
		return;
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
		store_reader_down(st, why);
		return;
	}
	rd->st = st;
	rd->ac = ac;
	ac->data = rd;
	if (redisLibeventAttach(ac, st->base) != REDIS_OK) {
		ac->data = NULL;
		redisAsyncFree(ac);
		free(rd);
		store_reader_down(st, "cannot attach to the event loop");
		return;
	}
	redisAsyncSetConnectCallback(ac, store_reader_on_connect);
	redisAsyncSetDisconnectCallback(ac, store_reader_on_disconnect);
	st->reader = rd;
	registry_key_outbox(k, sizeof(k), st->prefix);
	snprintf(db, sizeof(db), "%d", st->db);
	len[0] = 6;
	len[1] = strlen(db);
	if (st->db != 0 && redisAsyncCommandArgv(ac, store_reader_on_select,
	    rd, 2, sel, len) != REDIS_OK)
		goto fail;
	for (i = 0; i < 6; i++)
		len[i] = strlen(grp[i]);
	if (redisAsyncCommandArgv(ac, store_reader_on_group, rd, 6, grp,
	    len) != REDIS_OK)
		goto fail;
	store_timer(st->ev_rdeadline, st->timeout_ms * 5 > 2000 ?
	    st->timeout_ms * 5 : 2000);
	return;
fail:
	store_reader_down(st, "cannot queue the set-up commands");
}

static void
store_on_rconnect(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	store_reader_connect(arg);
}

int
store_outbox_start(struct store *st, const char *consumer, int claim_idle_ms,
    store_outbox_cb *cb, void *arg)
{
	struct timeval tv;
	int tick;

	if (st == NULL || st->dead || cb == NULL || consumer == NULL ||
	    consumer[0] == '\0' || strlen(consumer) >= sizeof(st->ob_consumer) ||
	    claim_idle_ms <= 0) {
		log_warnx("[redis] outbox consumer: bad arguments");
		return -1;
	}
	if (st->ob_cb != NULL) {
		log_warnx("[redis] outbox consumer already started");
		return -1;
	}
	st->ob_cb = cb;
	st->ob_arg = arg;
	snprintf(st->ob_consumer, sizeof(st->ob_consumer), "%s", consumer);
	st->ob_claim_ms = claim_idle_ms;
	tick = claim_idle_ms / 2 > 10 ? claim_idle_ms / 2 : 10;
	tv.tv_sec = tick / 1000;
	tv.tv_usec = (tick % 1000) * 1000;
	if (st->ev_claim == NULL) {
		log_warnx("[redis] outbox consumer: no claim timer");
		return -1;
	}
	evtimer_add(st->ev_claim, &tv);
	store_timer(st->ev_rconnect, 0);	/* from the loop */
	return 0;
}
