/*
 * metrics: the table of /metrics families and the exposition writer
 * (Prometheus text format 0.0.4). Each line is built whole in a bounded
 * buffer and emitted whole; families go out once each, in table order.
 */
#include "metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "tbuf.h"

#define METRICS_LINE_MAX 1024
#define METRICS_LABELS_MAX 4

const char *
metrics_strtype(enum metrics_type t)
{
	switch (t) {
	case METRICS_COUNTER:
		return "counter";
	case METRICS_GAUGE:
		return "gauge";
	case METRICS_HISTOGRAM:
		return "histogram";
	}
	return "untyped";
}

#define C METRICS_COUNTER
#define G METRICS_GAUGE
#define H METRICS_HISTOGRAM
const struct metrics_family metrics_families[M_COUNT] = {
	[M_BUILD_INFO] = { "tnsgw_build_info", G,
	    "The running daemon's build: its version in a label, always 1." },
	[M_PROCESS_START] = { "process_start_time_seconds", G,
	    "Start time of the process since the Unix epoch, in seconds." },
	[M_REDIS_UP] = { "tnsgw_redis_up", G,
	    "1 when the Redis connection is up." },
	[M_REDIS_PERSIST_OK] = { "tnsgw_redis_persistence_ok", G,
	    "1 when Redis's persistence meets redis.require_aof (case B may run)." },
	[M_REDIS_PERSIST_REFUSED] = { "tnsgw_redis_persistence_refused_total", C,
	    "Case B requests answered \"unavailable\" for Redis's persistence." },
	[M_REDIS_TIMEOUTS] = { "tnsgw_redis_timeouts_total", C,
	    "Redis requests with no reply within redis.timeout_ms." },
	[M_REDIS_FAILOVERS] = { "tnsgw_redis_failovers_total", C,
	    "Master changes seen through Sentinel (redis.sentinels)." },
	[M_REDIS_STALE_RETRIES] = { "tnsgw_redis_stale_retries_total", C,
	    "Requests a script answered STALE (a load switched a generation): generations read again, the request sent once more." },
	[M_REDIS_STALE_FAILED] = { "tnsgw_redis_stale_failed_total", C,
	    "Requests answered STALE twice: the caller got \"service unavailable\"." },
	[M_REDIS_SECONDS] = { "tnsgw_redis_request_seconds", H,
	    "Round trip of Redis requests on the main connection, sent to reply." },
	[M_BINDS] = { "tnsgw_binds", G,
	    "SMPP binds configured (an operator link: a transceiver, or a transmitter + receiver pair)." },
	[M_BINDS_BOUND] = { "tnsgw_binds_bound", G,
	    "SMPP binds currently bound." },
	[M_RELOADS] = { "tnsgw_reloads_total", C,
	    "Reloads (SIGHUP) applied; a refused reload is not counted." },
	[M_REBINDS] = { "tnsgw_rebinds_total", C,
	    "Binds re-bound by a reload because their settings changed." },
	[M_BIND_UP] = { "tnsgw_bind_up", G,
	    "1 when the bind is bound (both sessions of a pair)." },
	[M_BIND_STATE] = { "tnsgw_bind_state", G,
	    "1 for the bind's state (bound, connecting, down, draining, stopped), 0 for the others." },
	[M_BIND_PDUS_IN] = { "tnsgw_bind_pdus_in_total", C,
	    "PDUs received on the bind." },
	[M_BIND_PDUS_OUT] = { "tnsgw_bind_pdus_out_total", C,
	    "PDUs written on the bind." },
	[M_BIND_SUBMIT_OK] = { "tnsgw_bind_submit_ok_total", C,
	    "Requests (submit_sm, data_sm) answered ESME_ROK." },
	[M_BIND_SUBMIT_ERROR] = { "tnsgw_bind_submit_error_total", C,
	    "Requests that failed: an error status, a generic_nack, a timeout, a lost session or a full queue." },
	[M_BIND_SUBMIT_RESULTS] = { "tnsgw_bind_submit_results_total", C,
	    "Responses to our requests (submit_sm_resp, data_sm_resp, generic_nack) by command_status." },
	[M_BIND_SUBMIT_SECONDS] = { "tnsgw_bind_submit_response_seconds", H,
	    "Round trip of a request, written to its response (submit_sm_resp, data_sm_resp, generic_nack)." },
	[M_BIND_TIMEOUTS] = { "tnsgw_bind_timeouts_total", C,
	    "Requests with no response within response_timeout_s (never resent)." },
	[M_BIND_RECONNECTS] = { "tnsgw_bind_reconnects_total", C,
	    "Connections attempted again after a failed connect, a refused bind or a lost session." },
	[M_BIND_NACKS_SENT] = { "tnsgw_bind_nacks_sent_total", C,
	    "generic_nack sent for PDUs we could not take." },
	[M_BIND_NACKS_RECEIVED] = { "tnsgw_bind_nacks_received_total", C,
	    "generic_nack received in answer to our requests." },
	[M_BIND_BAD_PDUS] = { "tnsgw_bind_bad_pdus_total", C,
	    "PDUs received that did not decode." },
	[M_BIND_THROTTLED] = { "tnsgw_bind_throttled_total", C,
	    "Responses ESME_RTHROTTLED (0x58) or ESME_RMSGQFUL (0x14): the bind paused." },
	[M_BIND_SCREENS_RESENT] = { "tnsgw_bind_screens_resent_total", C,
	    "USSD screens re-sent after a throttle." },
	[M_BIND_SCREENS_FAILED] = { "tnsgw_bind_screens_failed_total", C,
	    "Admitted MOs whose screen was lost." },
	[M_BIND_MO_NOT_SERVED] = { "tnsgw_bind_mo_not_served_total", C,
	    "MOs answered ESME_RX_P_APPN (not for this service)." },
	[M_BIND_MO_REFUSED] = { "tnsgw_bind_mo_refused_total", C,
	    "MOs refused in their deliver_sm_resp with ESME_RTHROTTLED, by reason." },
	[M_MO_SCREEN_SECONDS] = { "tnsgw_mo_screen_seconds", H,
	    "USSD MO to its screen: deliver_sm received to the screen's submit_sm or data_sm written." },
	[M_DIALOGS_STARTED] = { "tnsgw_dialogs_started_total", C,
	    "Dialogs begun: a USSD session opened, or an SMS identity request." },
	[M_MO_IN_FLIGHT] = { "tnsgw_mo_in_flight", G,
	    "MOs held: in flight, or waiting behind another MO of their session." },
	[M_MO_REJECTED_BUSY] = { "tnsgw_mo_rejected_busy_total", C,
	    "MOs refused because too many were held (reason busy)." },
	[M_DIALOGS] = { "tnsgw_dialogs_total", C,
	    "Finished dialogs by outcome and channel (ussd, sms)." },
	[M_LOOKUP_FAILURES] = { "tnsgw_lookup_failures_total", C,
	    "Lookups that matched no record (counted against their number)." },
	[M_FAILURE_ALARM] = { "tnsgw_failure_alarm", G,
	    "1 while the lookup failures of the last minute pass security.failure_alarm_per_min." },
	[M_STATE_REFUSED] = { "tnsgw_session_state_refused_total", C,
	    "Saved dialog states that did not open (tampered, another key): the dialog restarted." },
	[M_STATE_CONFLICTS] = { "tnsgw_state_conflicts_total", C,
	    "Dialog steps whose state write lost to another MO of the session (read again, or the unavailable end)." },
	[M_MO_COPIES] = { "tnsgw_mo_copies_total", C,
	    "USSD MOs that were copies of one answered already (operator redelivery), given its screen again with no other effect, by reason." },
	[M_SMS_REQUESTS] = { "tnsgw_sms_requests_total", C,
	    "SMS MOs by what they asked." },
	[M_SMS_HELP] = { "tnsgw_sms_help_total", C,
	    "Help texts sent, and held back (one an hour per MSISDN)." },
	[M_SMS_NOT_QUEUED] = { "tnsgw_sms_not_queued_total", C,
	    "A dialog's SMS the outbox did not take (Redis)." },
	[M_SMS] = { "tnsgw_sms_total", C,
	    "Outbox SMS settled, by state." },
	[M_SMS_RETRIED] = { "tnsgw_sms_retried_total", C,
	    "Outbox SMS sends retried after a transient error." },
	[M_SMS_REQUEUED] = { "tnsgw_sms_requeued_total", C,
	    "SMS left pending for a later claim (no response, bind down)." },
	[M_DLR] = { "tnsgw_dlr_total", C,
	    "Delivery receipts received." },
	[M_OUTBOX_LENGTH] = { "tnsgw_outbox_length", G,
	    "Entries in the outbox stream." },
	[M_OUTBOX_PENDING] = { "tnsgw_outbox_pending", G,
	    "Outbox entries handed out and not yet settled." },
	[M_OUTBOX_LOST] = { "tnsgw_outbox_lost_total", C,
	    "Pending outbox entries found deleted from the stream." },
	[M_OUTBOX_DEAD_LETTERS] = { "tnsgw_outbox_dead_letters_total", C,
	    "SMS this process wrote to the dead letters (outbox:dead), every reason." },
	[M_OUTBOX_DEAD_LENGTH] = { "tnsgw_outbox_dead_length", G,
	    "Entries in the dead-letter stream (outbox:dead), from every instance." },
	[M_OUTBOX_SEAL_REFUSED] = { "tnsgw_outbox_seal_refused_total", C,
	    "Sealed outbox bodies refused: not opening with their entry's fields (seal), no key with their id (key)." },
	[M_OUTBOX_CLAIMED_DEAD] = { "tnsgw_outbox_claimed_dead_total", C,
	    "Outbox entries this instance claimed from consumers whose heartbeat was gone." },
	[M_OUTBOX_CONSUMERS_REMOVED] = { "tnsgw_outbox_consumers_removed_total", C,
	    "Dead consumers (no heartbeat, nothing pending) this instance removed from the outbox group." },
	[M_OUTBOX_FENCED] = { "tnsgw_outbox_fenced", G,
	    "1 while this instance is fenced: no outbox heartbeat answered for 3.5 s, nothing held is sent, nothing read or claimed." },
	[M_OUTBOX_FENCES] = { "tnsgw_outbox_fences_total", C,
	    "Times this instance fenced itself (no outbox heartbeat answered for 3.5 s)." },
	[M_OUTBOX_FENCED_DROPPED] = { "tnsgw_outbox_fenced_dropped_total", C,
	    "Outbox entries held while fenced and claimed by another instance meanwhile: dropped unsent here." },
};
#undef C
#undef G
#undef H

/* 0.5 ms .. 10 s: written as le="0.0005" ... le="10". */
const uint64_t metrics_bucket_us[METRICS_BUCKETS] = {
	500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000,
};

void
metrics_hist_observe(struct metrics_hist *h, uint64_t us)
{
	int i;

	for (i = 0; i < METRICS_BUCKETS && us > metrics_bucket_us[i]; i++)
		;
	h->bucket[i]++;
	h->count++;
	h->sum_us += us;
}

void
metrics_hist_add(struct metrics_hist *to, const struct metrics_hist *from)
{
	for (int i = 0; i <= METRICS_BUCKETS; i++)
		to->bucket[i] += from->bucket[i];
	to->count += from->count;
	to->sum_us += from->sum_us;
}

void
metrics_status_count(struct metrics_status *s, uint32_t status)
{
	for (int i = 0; i < s->used; i++)
		if (s->status[i] == status) {
			s->n[i]++;
			return;
		}
	if (s->used == METRICS_STATUS_MAX) {
		s->other++;
		return;
	}
	s->status[s->used] = status;
	s->n[s->used++] = 1;
}

void
metrics_status_add(struct metrics_status *to, const struct metrics_status *from)
{
	for (int i = 0; i < from->used; i++) {
		int j;

		for (j = 0; j < to->used && to->status[j] != from->status[i]; j++)
			;
		if (j < to->used)
			to->n[j] += from->n[i];
		else if (to->used < METRICS_STATUS_MAX) {
			to->status[to->used] = from->status[i];
			to->n[to->used++] = from->n[i];
		} else
			to->other += from->n[i];
	}
	to->other += from->other;
}

int
metrics_escape(const char *in, char *out, size_t outsz)
{
	struct tbuf b;

	tbuf_init(&b, out, outsz);
	for (; *in != '\0'; in++)
		switch (*in) {
		case '\\':
			tbuf_adds(&b, "\\\\");
			break;
		case '"':
			tbuf_adds(&b, "\\\"");
			break;
		case '\n':
			tbuf_adds(&b, "\\n");
			break;
		default:
			tbuf_addc(&b, *in);
		}
	return tbuf_end(&b);
}

void
metrics_out_init(struct metrics_out *o, metrics_emit_fn *emit, void *arg)
{
	memset(o, 0, sizeof(*o));
	o->emit = emit;
	o->arg = arg;
	o->cur = -1;
}

static void
metrics_line(struct metrics_out *o, const struct tbuf *b)
{
	if (tbuf_end(b) != 0) {
		o->misuse++;
		return;
	}
	o->emit(o->arg, b->p, b->len);
}

/* HELP text: backslash and newline escaped (quotes stay as they are). */
static void
metrics_add_help(struct tbuf *b, const char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\\')
			tbuf_adds(b, "\\\\");
		else if (*s == '\n')
			tbuf_adds(b, "\\n");
		else
			tbuf_addc(b, *s);
}

int
metrics_begin(struct metrics_out *o, enum metrics_id id)
{
	const struct metrics_family *f;
	char line[METRICS_LINE_MAX];
	struct tbuf b;

	if ((int)id <= o->cur || id >= M_COUNT) {
		o->misuse++;
		return -1;
	}
	f = &metrics_families[id];
	tbuf_init(&b, line, sizeof(line));
	tbuf_adds(&b, "# HELP ");
	tbuf_adds(&b, f->name);
	tbuf_addc(&b, ' ');
	metrics_add_help(&b, f->help);
	tbuf_adds(&b, "\n# TYPE ");
	tbuf_adds(&b, f->name);
	tbuf_addc(&b, ' ');
	tbuf_adds(&b, metrics_strtype(f->type));
	tbuf_addc(&b, '\n');
	o->cur = (int)id;
	metrics_line(o, &b);
	return 0;
}

/* The current family when it is of the kind asked (histogram or not),
 * else NULL and counted. */
static const struct metrics_family *
metrics_cur(struct metrics_out *o, int hist, int nl)
{
	const struct metrics_family *f;

	if (o->cur < 0 || nl < 0 || nl > METRICS_LABELS_MAX) {
		o->misuse++;
		return NULL;
	}
	f = &metrics_families[o->cur];
	if ((f->type == METRICS_HISTOGRAM) != (hist != 0)) {
		o->misuse++;
		return NULL;
	}
	return f;
}

/* name{l...,extra="v"} with the values escaped; extra may be NULL. */
static void
metrics_add_series(struct tbuf *b, const char *name, const char *suffix,
    const struct metrics_label *l, int nl, const char *xname,
    const char *xvalue)
{
	char v[METRICS_LINE_MAX / 2];

	tbuf_adds(b, name);
	tbuf_adds(b, suffix);
	if (nl == 0 && xname == NULL)
		return;
	tbuf_addc(b, '{');
	for (int i = 0; i < nl; i++) {
		if (i > 0)
			tbuf_addc(b, ',');
		tbuf_adds(b, l[i].name);
		tbuf_adds(b, "=\"");
		if (metrics_escape(l[i].value != NULL ? l[i].value : "", v,
		    sizeof(v)) != 0)
			b->over = 1;
		tbuf_adds(b, v);
		tbuf_addc(b, '"');
	}
	if (xname != NULL) {
		if (nl > 0)
			tbuf_addc(b, ',');
		tbuf_adds(b, xname);
		tbuf_adds(b, "=\"");
		tbuf_adds(b, xvalue);
		tbuf_addc(b, '"');
	}
	tbuf_addc(b, '}');
}

void
metrics_u64(struct metrics_out *o, const struct metrics_label *l, int nl,
    uint64_t v)
{
	const struct metrics_family *f = metrics_cur(o, 0, nl);
	char line[METRICS_LINE_MAX];
	struct tbuf b;

	if (f == NULL)
		return;
	tbuf_init(&b, line, sizeof(line));
	metrics_add_series(&b, f->name, "", l, nl, NULL, NULL);
	tbuf_addc(&b, ' ');
	tbuf_addu(&b, v);
	tbuf_addc(&b, '\n');
	metrics_line(o, &b);
}

void
metrics_i64(struct metrics_out *o, const struct metrics_label *l, int nl,
    int64_t v)
{
	const struct metrics_family *f = metrics_cur(o, 0, nl);
	char line[METRICS_LINE_MAX];
	struct tbuf b;

	if (f == NULL)
		return;
	tbuf_init(&b, line, sizeof(line));
	metrics_add_series(&b, f->name, "", l, nl, NULL, NULL);
	tbuf_addf(&b, " %" PRId64 "\n", v);
	metrics_line(o, &b);
}

void
metrics_seconds(struct metrics_out *o, const struct metrics_label *l, int nl,
    int64_t sec, uint32_t usec)
{
	const struct metrics_family *f = metrics_cur(o, 0, nl);
	char line[METRICS_LINE_MAX];
	struct tbuf b;

	if (f == NULL)
		return;
	tbuf_init(&b, line, sizeof(line));
	metrics_add_series(&b, f->name, "", l, nl, NULL, NULL);
	tbuf_addf(&b, " %" PRId64 ".%06u\n", sec, usec % 1000000);
	metrics_line(o, &b);
}

/* Microseconds as seconds, exactly: 2500 -> "0.0025", 10000000 -> "10". */
static void
metrics_add_us(struct tbuf *b, uint64_t us)
{
	char frac[8];
	int n;

	tbuf_addu(b, us / 1000000);
	if (us % 1000000 == 0)
		return;
	n = snprintf(frac, sizeof(frac), "%06u", (unsigned)(us % 1000000));
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = '\0';
	tbuf_addc(b, '.');
	tbuf_adds(b, frac);
}

void
metrics_hist(struct metrics_out *o, const struct metrics_label *l, int nl,
    const struct metrics_hist *h)
{
	const struct metrics_family *f = metrics_cur(o, 1, nl);
	char line[METRICS_LINE_MAX], le[24];
	struct tbuf b, lb;
	uint64_t cum = 0;

	if (f == NULL)
		return;
	for (int i = 0; i <= METRICS_BUCKETS; i++) {
		cum += h->bucket[i];
		tbuf_init(&lb, le, sizeof(le));
		if (i < METRICS_BUCKETS)
			metrics_add_us(&lb, metrics_bucket_us[i]);
		else
			tbuf_adds(&lb, "+Inf");
		tbuf_init(&b, line, sizeof(line));
		metrics_add_series(&b, f->name, "_bucket", l, nl, "le", le);
		tbuf_addc(&b, ' ');
		tbuf_addu(&b, cum);
		tbuf_addc(&b, '\n');
		metrics_line(o, &b);
	}
	tbuf_init(&b, line, sizeof(line));
	metrics_add_series(&b, f->name, "_sum", l, nl, NULL, NULL);
	tbuf_addc(&b, ' ');
	metrics_add_us(&b, h->sum_us);
	tbuf_addc(&b, '\n');
	metrics_line(o, &b);
	tbuf_init(&b, line, sizeof(line));
	metrics_add_series(&b, f->name, "_count", l, nl, NULL, NULL);
	tbuf_addc(&b, ' ');
	tbuf_addu(&b, h->count);
	tbuf_addc(&b, '\n');
	metrics_line(o, &b);
}

void
metrics_status(struct metrics_out *o, const struct metrics_label *l, int nl,
    const struct metrics_status *s)
{
	const struct metrics_family *f = metrics_cur(o, 0, nl);
	char line[METRICS_LINE_MAX], st[16];
	struct tbuf b;

	if (f == NULL)
		return;
	for (int i = 0; i <= s->used; i++) {
		if (i == s->used && s->other == 0)
			break;
		if (i < s->used)
			snprintf(st, sizeof(st), "0x%08" PRIX32, s->status[i]);
		else
			snprintf(st, sizeof(st), "other");
		tbuf_init(&b, line, sizeof(line));
		metrics_add_series(&b, f->name, "", l, nl, "command_status", st);
		tbuf_addc(&b, ' ');
		tbuf_addu(&b, i < s->used ? s->n[i] : s->other);
		tbuf_addc(&b, '\n');
		metrics_line(o, &b);
	}
}
