/*
 * admin: evhttp server for /metrics and /healthz. Reads the gateway's
 * counters when asked; holds no state of its own.
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

static void
admin_healthz(struct evhttp_request *req, void *arg)
{
	struct admin *a = arg;
	struct gateway_status st;
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	int code = 200;

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
	case M_BINDS:			v = st->binds; break;
	case M_BINDS_BOUND:		v = st->binds_bound; break;
	case M_DIALOGS_STARTED:		v = (int64_t)st->dialogs_started; break;
	case M_MO_IN_FLIGHT:		v = (int64_t)st->dialogs_in_flight; break;
	case M_MO_REJECTED_BUSY:	v = (int64_t)st->rejected_busy; break;
	case M_LOOKUP_FAILURES:		v = (int64_t)st->lookup_failures; break;
	case M_FAILURE_ALARM:		v = st->failure_alarm; break;
	case M_STATE_REFUSED:		v = (int64_t)st->state_refused; break;
	case M_SMS_NOT_QUEUED:		v = (int64_t)st->sms_lost; break;
	case M_SMS_RETRIED:		v = (int64_t)st->sms_retried; break;
	case M_SMS_REQUEUED:		v = (int64_t)st->sms_requeued; break;
	case M_DLR:			v = (int64_t)st->dlrs; break;
	case M_OUTBOX_LENGTH:		v = st->outbox_len; break;
	case M_OUTBOX_PENDING:		v = st->outbox_pending; break;
	case M_OUTBOX_LOST:		v = st->outbox_lost; break;
	case M_OUTBOX_DEAD_LETTERS:	v = (int64_t)r->dead_letters; break;
	case M_OUTBOX_DEAD_LENGTH:	v = r->dead_len; break;
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

static void
admin_other(struct evhttp_request *req, void *arg)
{
	(void)arg;
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
	evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_max_headers_size(a->http, 8192);
	evhttp_set_max_body_size(a->http, 0);
	evhttp_set_timeout(a->http, 5);
	evhttp_set_cb(a->http, "/metrics", admin_metrics, a);
	evhttp_set_cb(a->http, "/healthz", admin_healthz, a);
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
