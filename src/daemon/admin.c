/*
 * admin: evhttp server for /metrics, /healthz, /status (for a person) and
 * the operator's actions on one bind (POST /binds/NAME/drain|stop|start).
 * Reads the gateway's counters when asked; holds no state of its own.
 */
#include "admin.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "dialog.h"
#include "gateway.h"
#include "log.h"
#include "metrics.h"
#include "sms_request.h"
#include "smpp_client.h"
#include "version.h"


struct admin {
	struct evhttp	*http;
	struct gateway	*gw;
	int64_t		 start_sec;	/* process_start_time_seconds */
	uint32_t	 start_usec;
};

/* The pages answer GET and HEAD; POST is for the actions alone. */
static int
admin_refuse_post(struct evhttp_request *req)
{
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST)
		return 0;
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
	    "GET, HEAD");
	evhttp_send_error(req, 405, "Method Not Allowed");
	return 1;
}

static void
admin_healthz(struct evhttp_request *req, void *arg)
{
	struct admin *a = arg;
	struct gateway_status st;
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	int code = 200;

	if (admin_refuse_post(req))
		return;
	gateway_status(a->gw, &st);
	if (!st.redis_up) {
		code = 503;
		evbuffer_add_printf(out, "redis down\n");
	}
	/* Redis as a trust boundary (issue 9, piece c): AUTH refused, or a
	 * persistence below redis.require_aof (case B "unavailable"). */
	if (st.redis_problem[0] != '\0' &&
	    (!st.redis_up || !st.redis_persist_ok)) {
		code = 503;
		evbuffer_add_printf(out, "%s\n", st.redis_problem);
	}
	if (st.binds_bound == 0) {
		code = 503;
		evbuffer_add_printf(out, "no bind is bound (0 of %d)\n", st.binds);
	}
	if (code == 200)
		evbuffer_add_printf(out, "ok: redis up, %d of %d binds bound\n",
		    st.binds_bound, st.binds);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	evhttp_send_reply(req, code, code == 200 ? "OK" : "Service Unavailable",
	    NULL);
}

/* The metrics writer's sink: the reply's buffer. */
static void
admin_emit(void *arg, const char *s, size_t n)
{
	evbuffer_add(arg, s, n);
}

/* A family with one unlabelled number from the status: 1 when id is one
 * (its sample written), 0 otherwise. */
static int
admin_scalar(struct metrics_out *o, enum metrics_id id,
    const struct gateway_status *st)
{
	const struct store_metrics *r = &st->redis;
	int64_t v;

	switch (id) {
	case M_REDIS_UP:		v = st->redis_up; break;
	case M_REDIS_PERSIST_OK:	v = st->redis_persist_ok; break;
	case M_REDIS_PERSIST_REFUSED:	v = (int64_t)st->redis_persist_refused; break;
	case M_REDIS_TIMEOUTS:		v = (int64_t)r->timeouts; break;
	case M_REDIS_FAILOVERS:		v = (int64_t)r->failovers; break;
	case M_REDIS_STALE_RETRIES:	v = (int64_t)r->stale_retries; break;
	case M_REDIS_STALE_FAILED:	v = (int64_t)r->stale_failed; break;
	case M_BINDS:			v = st->binds; break;
	case M_BINDS_BOUND:		v = st->binds_bound; break;
	case M_RELOADS:			v = (int64_t)st->reloads; break;
	case M_REBINDS:			v = (int64_t)st->rebinds; break;
	case M_DIALOGS_STARTED:		v = (int64_t)st->dialogs_started; break;
	case M_MO_IN_FLIGHT:		v = (int64_t)st->dialogs_in_flight; break;
	case M_MO_REJECTED_BUSY:	v = (int64_t)st->rejected_busy; break;
	case M_LOOKUP_FAILURES:		v = (int64_t)st->lookup_failures; break;
	case M_FAILURE_ALARM:		v = st->failure_alarm; break;
	case M_STATE_REFUSED:		v = (int64_t)st->state_refused; break;
	case M_STATE_CONFLICTS:		v = (int64_t)st->state_conflicts; break;
	case M_SMS_NOT_QUEUED:		v = (int64_t)st->sms_lost; break;
	case M_SMS_RETRIED:		v = (int64_t)st->sms_retried; break;
	case M_SMS_REQUEUED:		v = (int64_t)st->sms_requeued; break;
	case M_DLR:			v = (int64_t)st->dlrs; break;
	case M_OUTBOX_LENGTH:		v = st->outbox_len; break;
	case M_OUTBOX_PENDING:		v = st->outbox_pending; break;
	case M_OUTBOX_LOST:		v = st->outbox_lost; break;
	case M_OUTBOX_CLAIMED_DEAD:	v = st->outbox_claimed_dead; break;
	case M_OUTBOX_CONSUMERS_REMOVED: v = st->outbox_removed; break;
	case M_OUTBOX_DEAD_LETTERS:	v = (int64_t)r->dead_letters; break;
	case M_OUTBOX_DEAD_LENGTH:	v = r->dead_len; break;
	case M_OUTBOX_FENCED:		v = st->outbox_fenced; break;
	case M_OUTBOX_FENCES:		v = st->outbox_fences; break;
	case M_OUTBOX_FENCED_DROPPED:	v = (int64_t)st->outbox_fenced_dropped; break;
	default:
		return 0;
	}
	metrics_i64(o, NULL, 0, v);
	return 1;
}

/* A per-bind family with one counter of the bind's: 1 when id is one. */
static int
admin_bind_scalar(struct metrics_out *o, enum metrics_id id,
    const struct gateway_bind_info *bi, const struct metrics_label *l)
{
	const struct smpp_client_stats *s = &bi->stats;
	uint64_t v;

	switch (id) {
	case M_BIND_UP:			v = (uint64_t)bi->up; break;
	case M_BIND_PDUS_IN:		v = s->pdus_in; break;
	case M_BIND_PDUS_OUT:		v = s->pdus_out; break;
	case M_BIND_SUBMIT_OK:		v = s->submit_ok; break;
	case M_BIND_SUBMIT_ERROR:	v = s->submit_err; break;
	case M_BIND_TIMEOUTS:		v = s->timeouts; break;
	case M_BIND_RECONNECTS:		v = s->reconnects; break;
	case M_BIND_NACKS_SENT:		v = s->nacks_sent; break;
	case M_BIND_NACKS_RECEIVED:	v = s->nacks_recv; break;
	case M_BIND_BAD_PDUS:		v = s->bad_pdus; break;
	case M_BIND_THROTTLED:		v = s->throttled; break;
	case M_BIND_SCREENS_RESENT:	v = s->resent; break;
	case M_BIND_SCREENS_FAILED:	v = bi->screens_failed; break;
	case M_BIND_MO_NOT_SERVED:	v = bi->not_served; break;
	default:
		return 0;
	}
	metrics_u64(o, l, 1, v);
	return 1;
}

/* The samples of one per-bind family, every bind in config order. */
static void
admin_binds(struct admin *a, struct metrics_out *o, enum metrics_id id,
    int nbinds)
{
	for (int i = 0; i < nbinds; i++) {
		struct gateway_bind_info bi;
		struct metrics_label l[2] = { { "bind", NULL }, { NULL, NULL } };

		gateway_bind_info(a->gw, i, &bi);
		l[0].value = bi.name;
		if (admin_bind_scalar(o, id, &bi, l))
			continue;
		switch (id) {
		case M_BIND_SUBMIT_RESULTS:
			metrics_status(o, l, 1, &bi.stats.results);
			break;
		case M_BIND_SUBMIT_SECONDS:
			metrics_hist(o, l, 1, &bi.stats.resp_time);
			break;
		case M_MO_SCREEN_SECONDS:
			metrics_hist(o, l, 1, &bi.stats.mo_screen);
			break;
		case M_BIND_STATE:
			l[1].name = "state";
			for (int k = 0; k < GATEWAY_BIND_STATES; k++) {
				l[1].value = gateway_bind_state_names[k];
				metrics_u64(o, l, 2, (int)bi.state == k);
			}
			break;
		case M_BIND_MO_REFUSED:
			l[1].name = "reason";
			for (int k = 0; k < GATEWAY_REFUSALS; k++) {
				l[1].value = gateway_refusal_names[k];
				metrics_u64(o, l, 2, bi.refused[k]);
			}
			break;
		default:
			break;
		}
	}
}

/*
 * The page: every family of metrics_families in its order, HELP and TYPE
 * from the table, then its samples (metrics.h refuses a family split or
 * mistyped, so the page parses strictly). Built whole from counters held
 * in memory: no wait, a few hundred lines per bind at most.
 */
static void
admin_metrics(struct evhttp_request *req, void *arg)
{
	struct admin *a = arg;
	struct gateway_status st;
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	struct metrics_out o;
	struct metrics_label l[2];

	if (admin_refuse_post(req))
		return;
	gateway_status(a->gw, &st);
	metrics_out_init(&o, admin_emit, out);
	for (int i = 0; i < M_COUNT; i++) {
		enum metrics_id id = (enum metrics_id)i;

		metrics_begin(&o, id);
		if (admin_scalar(&o, id, &st))
			continue;
		switch (id) {
		case M_BUILD_INFO:
			l[0].name = "version";
			l[0].value = version_release();
			metrics_u64(&o, l, 1, 1);
			break;
		case M_PROCESS_START:
			metrics_seconds(&o, NULL, 0, a->start_sec, a->start_usec);
			break;
		case M_REDIS_SECONDS:
			metrics_hist(&o, NULL, 0, &st.redis.rtt);
			break;
		case M_DIALOGS:
			l[0].name = "outcome";
			l[1].name = "channel";
			for (int k = DIALOG_OUTCOME_A; k <= DIALOG_OUTCOME_ABORT;
			    k++)
				for (int c = 0; c < 2; c++) {
					l[0].value = dialog_outcome_str(
					    (enum dialog_outcome)k);
					l[1].value = c == 0 ? "ussd" : "sms";
					metrics_u64(&o, l, 2, st.outcome_by[c][k]);
				}
			break;
		case M_SMS_REQUESTS:
			l[0].name = "kind";
			for (int k = 0; k < 5; k++) {
				l[0].value = sms_request_strkind(
				    (enum sms_request_kind)k);
				metrics_u64(&o, l, 1, st.sms_requests[k]);
			}
			break;
		case M_SMS_HELP:
			l[0].name = "state";
			l[0].value = "sent";
			metrics_u64(&o, l, 1, st.sms_help_sent);
			l[0].value = "held";
			metrics_u64(&o, l, 1, st.sms_help_held);
			break;
		case M_SMS:
			l[0].name = "state";
			l[0].value = "sent";
			metrics_u64(&o, l, 1, st.sms_sent);
			l[0].value = "dead";
			metrics_u64(&o, l, 1, st.sms_dead);
			l[0].value = "expired";
			metrics_u64(&o, l, 1, st.sms_expired);
			break;
		case M_MO_COPIES:
			l[0].name = "reason";
			for (int k = 0; k < GATEWAY_COPY_REASONS; k++) {
				l[0].value = gateway_copy_names[k];
				metrics_u64(&o, l, 1, st.mo_copies[k]);
			}
			break;
		case M_OUTBOX_SEAL_REFUSED:
			l[0].name = "reason";
			l[0].value = "seal";
			metrics_u64(&o, l, 1, st.seal_refused_seal);
			l[0].value = "key";
			metrics_u64(&o, l, 1, st.seal_refused_key);
			break;
		default:
			admin_binds(a, &o, id, st.binds);
			break;
		}
	}
	if (o.misuse != 0)
		log_warnx("admin: /metrics: %u samples refused by the writer "
		    "(a bug)", o.misuse);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, 200, "OK", NULL);
}

/* "2026-12-05 08:57:20 UTC" */
static void
admin_utc(char *buf, size_t n, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, n, "?");
}

/* "3d 04:05:06" */
static void
admin_duration(char *buf, size_t n, int64_t s)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(buf, n, "%lldd %02lld:%02lld:%02lld",
		    (long long)(s / 86400), (long long)(s % 86400 / 3600),
		    (long long)(s % 3600 / 60), (long long)(s % 60));
	else
		snprintf(buf, n, "%02lld:%02lld:%02lld", (long long)(s / 3600),
		    (long long)(s % 3600 / 60), (long long)(s % 60));
}

/* A JSON string of a value from config or a log reason: the quote, the
 * backslash and control bytes escaped. */
static void
admin_json_str(struct evbuffer *out, const char *v)
{
	evbuffer_add(out, "\"", 1);
	for (; *v != '\0'; v++) {
		unsigned char ch = (unsigned char)*v;

		if (ch == '"' || ch == '\\')
			evbuffer_add_printf(out, "\\%c", ch);
		else if (ch < 0x20)
			evbuffer_add_printf(out, "\\u%04x", ch);
		else
			evbuffer_add(out, v, 1);
	}
	evbuffer_add(out, "\"", 1);
}

static const char *
admin_mode(const struct gateway_bind_info *bi)
{
	return bi->pair ? "transmitter+receiver" : "transceiver";
}

static void
admin_status_text(struct admin *a, struct evbuffer *out,
    const struct gateway_status *st, int64_t now)
{
	const struct metrics_hist *rtt = &st->redis.rtt;
	char t[64], d[64];

	admin_duration(d, sizeof(d), now - a->start_sec);
	admin_utc(t, sizeof(t), a->start_sec);
	evbuffer_add_printf(out, "tnsgw %s (%s)\n", version_release(),
	    version_git());
	evbuffer_add_printf(out, "up %s, since %s\n\n", d, t);
	evbuffer_add_printf(out, "redis: %s, persistence %s",
	    st->redis_up ? "up" : "DOWN",
	    st->redis_persist_ok ? "ok" : "NOT OK (case B refused)");
	if (rtt->count > 0)
		evbuffer_add_printf(out, ", mean round trip %.1f ms",
		    (double)rtt->sum_us / (double)rtt->count / 1000.0);
	evbuffer_add_printf(out, "\n");
	if (st->redis.master[0] != '\0')
		evbuffer_add_printf(out, "redis master: %s (through Sentinel; "
		    "%llu failovers seen)\n", st->redis.master,
		    (unsigned long long)st->redis.failovers);
	if (st->redis_problem[0] != '\0')
		evbuffer_add_printf(out, "redis problem: %s\n",
		    st->redis_problem);
	evbuffer_add_printf(out, "outbox: %lld waiting, %lld being sent; "
	    "dead letters: %lld (%llu in all)\n", st->outbox_len,
	    st->outbox_pending, st->redis.dead_len,
	    (unsigned long long)st->redis.dead_letters);
	evbuffer_add_printf(out, "outbox fence: %s (%lld fences since start; "
	    "%llu entries dropped, claimed by another instance meanwhile)\n",
	    st->outbox_fenced ? "FENCED (nothing held is sent)" : "no",
	    st->outbox_fences, (unsigned long long)st->outbox_fenced_dropped);
	evbuffer_add_printf(out, "generations: %llu requests answered STALE "
	    "and sent again, %llu STALE twice (\"unavailable\")\n",
	    (unsigned long long)st->redis.stale_retries,
	    (unsigned long long)st->redis.stale_failed);
	evbuffer_add_printf(out, "dialogs: %llu started, %llu in flight\n",
	    (unsigned long long)st->dialogs_started,
	    (unsigned long long)st->dialogs_in_flight);
	evbuffer_add_printf(out, "MO copies answered again: %llu lost_write, "
	    "%llu window, %llu done\n\n",
	    (unsigned long long)st->mo_copies[0],
	    (unsigned long long)st->mo_copies[1],
	    (unsigned long long)st->mo_copies[2]);
	evbuffer_add_printf(out, "binds: %d of %d bound\n", st->binds_bound,
	    st->binds);
	for (int i = 0; i < st->binds; i++) {
		struct gateway_bind_info bi;

		gateway_bind_info(a->gw, i, &bi);
		evbuffer_add_printf(out, "\n[%s] operator %s, %s, dialect %s\n",
		    bi.name, bi.operator, admin_mode(&bi), bi.dialect);
		evbuffer_add_printf(out, "  state: %s\n",
		    gateway_bind_state_names[bi.state]);
		if (bi.since_s > 0) {
			admin_utc(t, sizeof(t), bi.since_s);
			admin_duration(d, sizeof(d), now - bi.since_s);
			evbuffer_add_printf(out, "  bound since: %s (%s)\n", t, d);
		}
		if (bi.last_error_s > 0) {
			admin_utc(t, sizeof(t), bi.last_error_s);
			evbuffer_add_printf(out, "  last error: %s (%s)\n",
			    bi.last_error, t);
		} else
			evbuffer_add_printf(out, "  last error: none\n");
		evbuffer_add_printf(out, "  window: %d of %d in use; queue: %d\n",
		    bi.window_used, bi.window_size, bi.queued);
		evbuffer_add_printf(out, "  MOs: %llu; submits: %llu ok, %llu "
		    "failed; screens owed: %d; screens lost: %llu\n",
		    (unsigned long long)bi.mos,
		    (unsigned long long)bi.stats.submit_ok,
		    (unsigned long long)bi.stats.submit_err, bi.owed,
		    (unsigned long long)bi.screens_failed);
	}
}

static void
admin_status_json(struct admin *a, struct evbuffer *out,
    const struct gateway_status *st, int64_t now)
{
	evbuffer_add_printf(out, "{\"version\":");
	admin_json_str(out, version_release());
	evbuffer_add_printf(out, ",\"git\":");
	admin_json_str(out, version_git());
	evbuffer_add_printf(out, ",\"start_time\":%lld,\"uptime_s\":%lld,"
	    "\"redis\":{\"up\":%s,\"persistence_ok\":%s,"
	    "\"requests\":%llu,\"rtt_sum_us\":%llu,\"failovers\":%llu,"
	    "\"master\":\"%s\",\"stale_retries\":%llu,"
	    "\"stale_failed\":%llu},"
	    "\"outbox\":{\"waiting\":%lld,\"pending\":%lld,"
	    "\"dead_letters\":%lld,\"fenced\":%s,\"fences\":%lld,"
	    "\"fenced_dropped\":%llu},\"mo_copies\":{",
	    (long long)a->start_sec, (long long)(now - a->start_sec),
	    st->redis_up ? "true" : "false",
	    st->redis_persist_ok ? "true" : "false",
	    (unsigned long long)st->redis.rtt.count,
	    (unsigned long long)st->redis.rtt.sum_us,
	    (unsigned long long)st->redis.failovers, st->redis.master,
	    (unsigned long long)st->redis.stale_retries,
	    (unsigned long long)st->redis.stale_failed,
	    st->outbox_len,
	    st->outbox_pending, st->redis.dead_len,
	    st->outbox_fenced ? "true" : "false", st->outbox_fences,
	    (unsigned long long)st->outbox_fenced_dropped);
	for (int k = 0; k < GATEWAY_COPY_REASONS; k++)
		evbuffer_add_printf(out, "%s\"%s\":%llu", k ? "," : "",
		    gateway_copy_names[k], (unsigned long long)st->mo_copies[k]);
	evbuffer_add_printf(out, "},\"binds\":[");
	for (int i = 0; i < st->binds; i++) {
		struct gateway_bind_info bi;

		gateway_bind_info(a->gw, i, &bi);
		evbuffer_add_printf(out, "%s{\"name\":", i ? "," : "");
		admin_json_str(out, bi.name);
		evbuffer_add_printf(out, ",\"operator\":");
		admin_json_str(out, bi.operator);
		evbuffer_add_printf(out, ",\"mode\":\"%s\",\"state\":\"%s\","
		    "\"bound_since\":%lld,\"last_error\":", admin_mode(&bi),
		    gateway_bind_state_names[bi.state], (long long)bi.since_s);
		admin_json_str(out, bi.last_error);
		evbuffer_add_printf(out, ",\"last_error_time\":%lld,"
		    "\"window_used\":%d,\"window_size\":%d,\"queue\":%d,"
		    "\"mos\":%llu,\"submits_ok\":%llu,\"submits_failed\":%llu}",
		    (long long)bi.last_error_s, bi.window_used, bi.window_size,
		    bi.queued, (unsigned long long)bi.mos,
		    (unsigned long long)bi.stats.submit_ok,
		    (unsigned long long)bi.stats.submit_err);
	}
	evbuffer_add_printf(out, "]}\n");
}

/* GET /status: a page for a person (?format=json for a script). Built
 * from counters in memory, like /metrics: nothing waits. */
static void
admin_status(struct evhttp_request *req, void *arg)
{
	struct admin *a = arg;
	struct gateway_status st;
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	int json = q != NULL && strcmp(q, "format=json") == 0;

	if (admin_refuse_post(req))
		return;
	gateway_status(a->gw, &st);
	if (json)
		admin_status_json(a, out, &st, (int64_t)time(NULL));
	else
		admin_status_text(a, out, &st, (int64_t)time(NULL));
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", json ? "application/json" :
	    "text/plain; charset=utf-8");
	evhttp_send_reply(req, 200, "OK", NULL);
}

/*
 * POST /binds/NAME/drain|stop|start. The listener is loopback only
 * (config: daemon.admin_listen), so whoever reaches it is on the host.
 * 405 for another method, 404 for an unknown bind or action, 409 when
 * the action cannot be taken now (the reason in the body).
 */
static void
admin_bind_action(struct evhttp_request *req, struct admin *a,
    const char *path)
{
	static const char *const acts[] = { "drain", "stop", "start" };
	char name[sizeof(((struct config_bind *)0)->name)], why[128] = "";
	const char *slash = strchr(path, '/');
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	int act = -1, rc;

	if (slash == NULL || slash == path ||
	    (size_t)(slash - path) >= sizeof(name)) {
		evhttp_send_error(req, 404, "Not Found");
		return;
	}
	memcpy(name, path, (size_t)(slash - path));
	name[slash - path] = '\0';
	for (int i = 0; i < 3; i++)
		if (strcmp(slash + 1, acts[i]) == 0)
			act = i;
	if (act < 0) {
		evhttp_send_error(req, 404, "Not Found");
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "POST");
		evhttp_send_error(req, 405, "Method Not Allowed");
		return;
	}
	rc = gateway_bind_action(a->gw, name, (enum gateway_bind_action)act,
	    why, sizeof(why));
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	if (rc == -1) {
		evbuffer_add_printf(out, "no bind named %s\n", name);
		evhttp_send_reply(req, 404, "Not Found", NULL);
		return;
	}
	if (rc != 0) {
		log_notice("admin: %s of bind %s refused: %s", acts[act], name,
		    why);
		evbuffer_add_printf(out, "%s %s refused: %s\n", acts[act], name,
		    why);
		evhttp_send_reply(req, 409, "Conflict", NULL);
		return;
	}
	log_notice("admin: %s of bind %s asked", acts[act], name);
	evbuffer_add_printf(out, "%s %s: ok\n", acts[act], name);
	evhttp_send_reply(req, 200, "OK", NULL);
}

static void
admin_other(struct evhttp_request *req, void *arg)
{
	const char *path = evhttp_uri_get_path(
	    evhttp_request_get_evhttp_uri(req));

	if (path != NULL && strncmp(path, "/binds/", 7) == 0) {
		admin_bind_action(req, arg, path + 7);
		return;
	}
	evhttp_send_error(req, 404, "Not Found");
}

/* The process's start for process_start_time_seconds: admin_new runs
 * at start-up, before the loop, a few milliseconds after exec. */
static void
admin_start_time(struct admin *a)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	a->start_sec = (int64_t)now.tv_sec;
	a->start_usec = (uint32_t)(now.tv_nsec / 1000);
}

struct admin *
admin_new(struct event_base *base, const char *listen, struct gateway *gw)
{
	struct admin *a;
	char host[64];
	const char *colon = strrchr(listen, ':');
	long port;
	char *end;

	if (colon == NULL || (size_t)(colon - listen) >= sizeof(host)) {
		log_warnx("admin: bad listen address '%s'", listen);
		return NULL;
	}
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port < 1 || port > 65535) {
		log_warnx("admin: bad port in '%s'", listen);
		return NULL;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->gw = gw;
	admin_start_time(a);
	if ((a->http = evhttp_new(base)) == NULL ||
	    evhttp_bind_socket(a->http, host, (unsigned short)port) != 0) {
		log_warnx("admin: cannot listen on %s", listen);
		admin_free(a);
		return NULL;
	}
	evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST);
	evhttp_set_max_headers_size(a->http, 8192);
	evhttp_set_max_body_size(a->http, 0);
	evhttp_set_timeout(a->http, 5);
	evhttp_set_cb(a->http, "/metrics", admin_metrics, a);
	evhttp_set_cb(a->http, "/healthz", admin_healthz, a);
	evhttp_set_cb(a->http, "/status", admin_status, a);
	evhttp_set_gencb(a->http, admin_other, a);
	log_info("admin: listening on %s", listen);
	return a;
}

void
admin_free(struct admin *a)
{
	if (a == NULL)
		return;
	if (a->http)
		evhttp_free(a->http);
	free(a);
}
