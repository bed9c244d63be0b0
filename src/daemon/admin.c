/*
 * admin: evhttp server for /metrics and /healthz. Reads the gateway's
 * counters when asked; holds no state of its own.
 */
#include "admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "dialog.h"
#include "gateway.h"
#include "log.h"
#include "sms_request.h"
#include "smpp_client.h"

struct admin {
	struct evhttp	*http;
	struct gateway	*gw;
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

static void
admin_metrics(struct evhttp_request *req, void *arg)
{
	struct admin *a = arg;
	struct gateway_status st;
	struct evbuffer *out = evhttp_request_get_output_buffer(req);

	gateway_status(a->gw, &st);
	evbuffer_add_printf(out,
	    "# HELP tnsgw_redis_up 1 when the Redis connection is up.\n"
	    "# TYPE tnsgw_redis_up gauge\n"
	    "tnsgw_redis_up %d\n"
	    "# HELP tnsgw_binds_bound SMPP binds currently bound.\n"
	    "# TYPE tnsgw_binds_bound gauge\n"
	    "tnsgw_binds_bound %d\n"
	    "# TYPE tnsgw_binds gauge\n"
	    "tnsgw_binds %d\n"
	    "# HELP tnsgw_dialogs_started_total USSD dialogs begun.\n"
	    "# TYPE tnsgw_dialogs_started_total counter\n"
	    "tnsgw_dialogs_started_total %llu\n"
	    "# TYPE tnsgw_mo_in_flight gauge\n"
	    "tnsgw_mo_in_flight %llu\n"
	    "# TYPE tnsgw_mo_rejected_busy_total counter\n"
	    "tnsgw_mo_rejected_busy_total %llu\n"
	    "# HELP tnsgw_dialogs_total Finished dialogs by outcome.\n"
	    "# TYPE tnsgw_dialogs_total counter\n",
	    st.redis_up, st.binds_bound, st.binds,
	    (unsigned long long)st.dialogs_started,
	    (unsigned long long)st.dialogs_in_flight,
	    (unsigned long long)st.rejected_busy);
	evbuffer_add_printf(out,
	    "# HELP tnsgw_sms_total Outbox SMS settled, by state.\n"
	    "# TYPE tnsgw_sms_total counter\n"
	    "tnsgw_sms_total{state=\"sent\"} %llu\n"
	    "tnsgw_sms_total{state=\"dead\"} %llu\n"
	    "tnsgw_sms_total{state=\"expired\"} %llu\n"
	    "# TYPE tnsgw_sms_retried_total counter\n"
	    "tnsgw_sms_retried_total %llu\n"
	    "# HELP tnsgw_sms_requeued_total SMS left pending for a later claim (no response, bind down).\n"
	    "# TYPE tnsgw_sms_requeued_total counter\n"
	    "tnsgw_sms_requeued_total %llu\n"
	    "# TYPE tnsgw_dlr_total counter\n"
	    "tnsgw_dlr_total %llu\n"
	    "# HELP tnsgw_outbox_length Entries in the outbox stream.\n"
	    "# TYPE tnsgw_outbox_length gauge\n"
	    "tnsgw_outbox_length %lld\n"
	    "# HELP tnsgw_outbox_pending Outbox entries handed out and not yet settled.\n"
	    "# TYPE tnsgw_outbox_pending gauge\n"
	    "tnsgw_outbox_pending %lld\n"
	    "# HELP tnsgw_outbox_lost_total Pending outbox entries found deleted from the stream.\n"
	    "# TYPE tnsgw_outbox_lost_total counter\n"
	    "tnsgw_outbox_lost_total %lld\n",
	    (unsigned long long)st.sms_sent, (unsigned long long)st.sms_dead,
	    (unsigned long long)st.sms_expired, (unsigned long long)st.sms_retried,
	    (unsigned long long)st.sms_requeued, (unsigned long long)st.dlrs,
	    st.outbox_len, st.outbox_pending, st.outbox_lost);
	/* Redis as a trust boundary (issue 9, piece c) */
	evbuffer_add_printf(out,
	    "# HELP tnsgw_redis_persistence_ok 1 when Redis's persistence meets redis.require_aof (case B may run).\n"
	    "# TYPE tnsgw_redis_persistence_ok gauge\n"
	    "tnsgw_redis_persistence_ok %d\n"
	    "# HELP tnsgw_redis_persistence_refused_total Case B requests answered \"unavailable\" for Redis's persistence.\n"
	    "# TYPE tnsgw_redis_persistence_refused_total counter\n"
	    "tnsgw_redis_persistence_refused_total %llu\n",
	    st.redis_persist_ok,
	    (unsigned long long)st.redis_persist_refused);
	for (int o = DIALOG_OUTCOME_A; o <= DIALOG_OUTCOME_ABORT; o++)
		evbuffer_add_printf(out, "tnsgw_dialogs_total{outcome=\"%s\"} %llu\n",
		    dialog_outcome_str((enum dialog_outcome)o),
		    (unsigned long long)st.outcome[o]);
	evbuffer_add_printf(out,
	    "# HELP tnsgw_sms_requests_total SMS MOs by what they asked.\n"
	    "# TYPE tnsgw_sms_requests_total counter\n");
	for (int k = 0; k < 5; k++)
		evbuffer_add_printf(out, "tnsgw_sms_requests_total{kind=\"%s\"} "
		    "%llu\n", sms_request_strkind((enum sms_request_kind)k),
		    (unsigned long long)st.sms_requests[k]);
	evbuffer_add_printf(out,
	    "# HELP tnsgw_sms_help_total Help texts sent, and held back (one an hour per MSISDN).\n"
	    "# TYPE tnsgw_sms_help_total counter\n"
	    "tnsgw_sms_help_total{state=\"sent\"} %llu\n"
	    "tnsgw_sms_help_total{state=\"held\"} %llu\n"
	    "# HELP tnsgw_sms_not_queued_total A dialog's SMS the outbox did not take (Redis).\n"
	    "# TYPE tnsgw_sms_not_queued_total counter\n"
	    "tnsgw_sms_not_queued_total %llu\n",
	    (unsigned long long)st.sms_help_sent,
	    (unsigned long long)st.sms_help_held,
	    (unsigned long long)st.sms_lost);
	/* Personal data at rest (issue 9, piece d). */
	evbuffer_add_printf(out,
	    "# HELP tnsgw_session_state_refused_total Saved dialog states that did not open (tampered, another key): the dialog restarted.\n"
	    "# TYPE tnsgw_session_state_refused_total counter\n"
	    "tnsgw_session_state_refused_total %llu\n",
	    (unsigned long long)st.state_refused);
	/* failure limits (issue 9 a) */
	evbuffer_add_printf(out,
	    "# HELP tnsgw_lookup_failures_total Lookups that matched no record (counted against their number).\n"
	    "# TYPE tnsgw_lookup_failures_total counter\n"
	    "tnsgw_lookup_failures_total %llu\n"
	    "# HELP tnsgw_failure_alarm 1 while the lookup failures of the last minute pass security.failure_alarm_per_min.\n"
	    "# TYPE tnsgw_failure_alarm gauge\n"
	    "tnsgw_failure_alarm %d\n",
	    (unsigned long long)st.lookup_failures, st.failure_alarm);
	/* issue 9, piece b: sealed bodies refused (dead letters, not sent). */
	evbuffer_add_printf(out,
	    "# HELP tnsgw_outbox_seal_refused_total Sealed outbox bodies refused: not opening with their entry's fields (seal), no key with their id (key).\n"
	    "# TYPE tnsgw_outbox_seal_refused_total counter\n"
	    "tnsgw_outbox_seal_refused_total{reason=\"seal\"} %llu\n"
	    "tnsgw_outbox_seal_refused_total{reason=\"key\"} %llu\n",
	    (unsigned long long)st.seal_refused_seal,
	    (unsigned long long)st.seal_refused_key);
	evbuffer_add_printf(out,
	    "# HELP tnsgw_bind_up 1 when the bind is bound.\n"
	    "# TYPE tnsgw_bind_up gauge\n");
	for (int i = 0; i < st.binds; i++) {
		struct gateway_bind_info bi;
		const struct smpp_client_stats *s = &bi.stats;
		const char *n;

		gateway_bind_info(a->gw, i, &bi);
		n = bi.name;
		evbuffer_add_printf(out,
		    "tnsgw_bind_up{bind=\"%s\"} %d\n"
		    "tnsgw_bind_pdus_in_total{bind=\"%s\"} %llu\n"
		    "tnsgw_bind_pdus_out_total{bind=\"%s\"} %llu\n"
		    "tnsgw_bind_submit_ok_total{bind=\"%s\"} %llu\n"
		    "tnsgw_bind_submit_error_total{bind=\"%s\"} %llu\n"
		    "tnsgw_bind_timeouts_total{bind=\"%s\"} %llu\n"
		    "tnsgw_bind_reconnects_total{bind=\"%s\"} %llu\n"
		    "tnsgw_bind_nacks_sent_total{bind=\"%s\"} %llu\n"
		    "tnsgw_bind_bad_pdus_total{bind=\"%s\"} %llu\n"
		    "tnsgw_bind_throttled_total{bind=\"%s\"} %llu\n"
		    "tnsgw_bind_screens_resent_total{bind=\"%s\"} %llu\n"
		    "tnsgw_bind_screens_failed_total{bind=\"%s\"} %llu\n"
		    "tnsgw_bind_mo_not_served_total{bind=\"%s\"} %llu\n",
		    n, bi.up,
		    n, (unsigned long long)s->pdus_in,
		    n, (unsigned long long)s->pdus_out,
		    n, (unsigned long long)s->submit_ok,
		    n, (unsigned long long)s->submit_err,
		    n, (unsigned long long)s->timeouts,
		    n, (unsigned long long)s->reconnects,
		    n, (unsigned long long)s->nacks_sent,
		    n, (unsigned long long)s->bad_pdus,
		    n, (unsigned long long)s->throttled,
		    n, (unsigned long long)s->resent,
		    n, (unsigned long long)bi.screens_failed,
		    n, (unsigned long long)bi.not_served);
		for (int k = 0; k < GATEWAY_REFUSALS; k++)
			evbuffer_add_printf(out, "tnsgw_bind_mo_refused_total"
			    "{bind=\"%s\",reason=\"%s\"} %llu\n", n,
			    gateway_refusal_names[k],
			    (unsigned long long)bi.refused[k]);
	}
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
