/*
 * metrics: the Prometheus text exposition (format 0.0.4) of /metrics as
 * data. One table owns every family's name, type and help; a writer emits
 * the families in table order, each once, HELP and TYPE first and its
 * samples grouped under them, label values escaped; the latency histogram
 * and the per-status counts live here too. Pure: values and times are
 * passed in, text goes to the caller's emit function.
 */
#ifndef TNSGW_METRICS_H
#define TNSGW_METRICS_H

#include <stddef.h>
#include <stdint.h>

enum metrics_type {
	METRICS_COUNTER = 0,
	METRICS_GAUGE,
	METRICS_HISTOGRAM,
};
const char *metrics_strtype(enum metrics_type t);

/* Every family of the page, in page order (metrics_families[id]). */
enum metrics_id {
	M_BUILD_INFO = 0,
	M_PROCESS_START,
	M_REDIS_UP,
	M_REDIS_PERSIST_OK,
	M_REDIS_PERSIST_REFUSED,
	M_REDIS_TIMEOUTS,
	M_REDIS_FAILOVERS,
	M_REDIS_STALE_RETRIES,		/* generations switched under a request */
	M_REDIS_STALE_FAILED,
	M_REDIS_SECONDS,
	M_BINDS,
	M_BINDS_BOUND,
	M_RELOADS,
	M_REBINDS,
	M_BIND_UP,
	M_BIND_STATE,
	M_BIND_PDUS_IN,
	M_BIND_PDUS_OUT,
	M_BIND_SUBMIT_OK,
	M_BIND_SUBMIT_ERROR,
	M_BIND_SUBMIT_RESULTS,
	M_BIND_SUBMIT_SECONDS,
	M_BIND_TIMEOUTS,
	M_BIND_RECONNECTS,
	M_BIND_NACKS_SENT,
	M_BIND_NACKS_RECEIVED,
	M_BIND_BAD_PDUS,
	M_BIND_THROTTLED,
	M_BIND_SCREENS_RESENT,
	M_BIND_SCREENS_FAILED,
	M_BIND_MO_NOT_SERVED,
	M_BIND_MO_REFUSED,
	M_MO_SCREEN_SECONDS,
	M_DIALOGS_STARTED,
	M_MO_IN_FLIGHT,
	M_MO_REJECTED_BUSY,
	M_DIALOGS,
	M_LOOKUP_FAILURES,
	M_FAILURE_ALARM,
	M_STATE_REFUSED,
	M_STATE_CONFLICTS,
	M_MO_COPIES,			/* an MO again, its screen again */
	M_SMS_REQUESTS,
	M_SMS_HELP,
	M_SMS_NOT_QUEUED,
	M_SMS,
	M_SMS_RETRIED,
	M_SMS_REQUEUED,
	M_DLR,
	M_OUTBOX_LENGTH,
	M_OUTBOX_PENDING,
	M_OUTBOX_LOST,
	M_OUTBOX_DEAD_LETTERS,
	M_OUTBOX_DEAD_LENGTH,
	M_OUTBOX_SEAL_REFUSED,
	M_OUTBOX_CLAIMED_DEAD,		/* ownership between instances */
	M_OUTBOX_CONSUMERS_REMOVED,
	M_OUTBOX_FENCED,		/* self-fencing */
	M_OUTBOX_FENCES,
	M_OUTBOX_FENCED_DROPPED,
	M_COUNT
};

struct metrics_family {
	const char		*name;	/* [a-zA-Z_:][a-zA-Z0-9_:]* */
	enum metrics_type	 type;
	const char		*help;	/* one line; escaped when written */
};
extern const struct metrics_family metrics_families[M_COUNT];

/*
 * A latency histogram in microseconds, written in seconds. Buckets suit
 * millisecond latencies: 0.5 ms to 10 s, then +Inf. bucket[] counts per
 * bucket (not cumulative; the writer sums), bucket[METRICS_BUCKETS] is
 * past the last bound.
 */
#define METRICS_BUCKETS 14
extern const uint64_t metrics_bucket_us[METRICS_BUCKETS];
struct metrics_hist {
	uint64_t bucket[METRICS_BUCKETS + 1];
	uint64_t count;
	uint64_t sum_us;
};
void metrics_hist_observe(struct metrics_hist *h, uint64_t us);
void metrics_hist_add(struct metrics_hist *to, const struct metrics_hist *from);

/*
 * Responses counted by command_status: the first METRICS_STATUS_MAX
 * distinct statuses seen get a slot each, later ones go to other (a
 * peer that invents statuses cannot grow the page).
 */
#define METRICS_STATUS_MAX 16
struct metrics_status {
	uint32_t status[METRICS_STATUS_MAX];
	uint64_t n[METRICS_STATUS_MAX];
	int	 used;
	uint64_t other;
};
void metrics_status_count(struct metrics_status *s, uint32_t status);
void metrics_status_add(struct metrics_status *to,
    const struct metrics_status *from);

struct metrics_label {
	const char *name;	/* [a-zA-Z_][a-zA-Z0-9_]*, not "le" */
	const char *value;	/* any bytes but NUL: escaped when written */
};

/* Receives the page in pieces, each a whole line or more. */
typedef void metrics_emit_fn(void *arg, const char *s, size_t n);

/*
 * The writer. metrics_begin(o, id) writes family id's HELP and TYPE and
 * makes it the current family; the sample calls write to the current
 * family only. A family begun twice, begun out of table order, or a
 * sample of the wrong kind (a number for a histogram or the reverse),
 * with no family begun, or a line over 1,024 bytes is not written and
 * counted in misuse: a page never holds a split or mistyped family.
 */
struct metrics_out {
	metrics_emit_fn	*emit;
	void		*arg;
	int		 cur;		/* current family, -1 none */
	unsigned	 misuse;	/* refused calls, 0 on a good page */
};
void metrics_out_init(struct metrics_out *o, metrics_emit_fn *emit, void *arg);
int metrics_begin(struct metrics_out *o, enum metrics_id id);
/* One sample of a counter or gauge, nl labels (0..4). */
void metrics_u64(struct metrics_out *o, const struct metrics_label *l, int nl,
    uint64_t v);
void metrics_i64(struct metrics_out *o, const struct metrics_label *l, int nl,
    int64_t v);
/* A gauge in seconds with microseconds (a time since the epoch). */
void metrics_seconds(struct metrics_out *o, const struct metrics_label *l,
    int nl, int64_t sec, uint32_t usec);
/* A histogram's _bucket lines (cumulative, le last), _sum and _count. */
void metrics_hist(struct metrics_out *o, const struct metrics_label *l,
    int nl, const struct metrics_hist *h);
/* The command_status counts as samples with a command_status label
 * ("0x00000058"; "other" for the overflow, written only when non-zero)
 * after l. */
void metrics_status(struct metrics_out *o, const struct metrics_label *l,
    int nl, const struct metrics_status *s);

/* A label value escaped per the exposition format (\\, \", \n) into out
 * (NUL-terminated): 0, or -1 when it does not fit. */
int metrics_escape(const char *in, char *out, size_t outsz);

#endif
