/*
 * test_metrics: the /metrics writer — the families table (names, HELP,
 * TYPE, counters named _total), label escaping, histograms (buckets,
 * cumulative lines, sums in exact decimal seconds), the command_status
 * counts, and the refusals that keep a page grouped (a family begun twice
 * or out of order, a sample of the wrong kind).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "metrics.h"
#include "tbuf.h"

static char page[16384];
static struct tbuf pb;

static void
sink(void *arg, const char *s, size_t n)
{
	(void)arg;
	tbuf_addn(&pb, s, n);
}

static void
out_init(struct metrics_out *o)
{
	tbuf_init(&pb, page, sizeof(page));
	metrics_out_init(o, sink, NULL);
}

static void
test_table(void **state)
{
	(void)state;
	for (int i = 0; i < M_COUNT; i++) {
		const struct metrics_family *f = &metrics_families[i];
		size_t n;

		assert_non_null(f->name);
		assert_non_null(f->help);
		assert_true(f->help[0] != '\0');
		assert_null(strchr(f->help, '\n'));
		n = strlen(f->name);
		for (size_t k = 0; k < n; k++)
			assert_true((f->name[k] >= 'a' && f->name[k] <= 'z') ||
			    f->name[k] == '_');
		/* counters end in _total; nothing else does */
		assert_int_equal(f->type == METRICS_COUNTER,
		    n > 6 && strcmp(f->name + n - 6, "_total") == 0);
		if (f->type == METRICS_HISTOGRAM)
			assert_string_equal(f->name + n - 8, "_seconds");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(f->name,
			    metrics_families[j].name);
	}
	/* names the tests and the README use */
	assert_string_equal(metrics_families[M_DIALOGS].name, "tnsgw_dialogs_total");
	assert_string_equal(metrics_families[M_BIND_PDUS_IN].name,
	    "tnsgw_bind_pdus_in_total");
	assert_string_equal(metrics_families[M_FAILURE_ALARM].name,
	    "tnsgw_failure_alarm");
}

static void
test_escape(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(metrics_escape("Op-1_a.Z9", out, sizeof(out)), 0);
	assert_string_equal(out, "Op-1_a.Z9");
	assert_int_equal(metrics_escape("op\"x y\\z\nw", out, sizeof(out)), 0);
	assert_string_equal(out, "op\\\"x y\\\\z\\nw");
	assert_int_equal(metrics_escape("\"\"\"", out, 6), -1);	/* 6 bytes + NUL */
	assert_int_equal(metrics_escape("\"\"\"", out, 7), 0);
}

static void
test_page(void **state)
{
	struct metrics_out o;
	struct metrics_label l[2] = { { "bind", "op\"x\\y\nz" },
	    { "reason", "busy" } };

	(void)state;
	out_init(&o);
	assert_int_equal(metrics_begin(&o, M_BUILD_INFO), 0);
	l[0].name = "version";
	l[0].value = "0.5";
	metrics_u64(&o, l, 1, 1);
	assert_int_equal(metrics_begin(&o, M_PROCESS_START), 0);
	metrics_seconds(&o, NULL, 0, 1796459234, 5000);
	assert_int_equal(metrics_begin(&o, M_OUTBOX_LOST), 0);
	metrics_i64(&o, NULL, 0, -3);
	assert_int_equal(metrics_begin(&o, M_OUTBOX_SEAL_REFUSED), 0);
	l[0].name = "bind";
	l[0].value = "op\"x\\y\nz";
	metrics_u64(&o, l, 2, 18446744073709551615ULL);
	assert_int_equal(o.misuse, 0);
	assert_string_equal(page,
	    "# HELP tnsgw_build_info The running daemon's build: its version in a label, always 1.\n"
	    "# TYPE tnsgw_build_info gauge\n"
	    "tnsgw_build_info{version=\"0.5\"} 1\n"
	    "# HELP process_start_time_seconds Start time of the process since the Unix epoch, in seconds.\n"
	    "# TYPE process_start_time_seconds gauge\n"
	    "process_start_time_seconds 1796459234.005000\n"
	    "# HELP tnsgw_outbox_lost_total Pending outbox entries found deleted from the stream.\n"
	    "# TYPE tnsgw_outbox_lost_total counter\n"
	    "tnsgw_outbox_lost_total -3\n"
	    "# HELP tnsgw_outbox_seal_refused_total Sealed outbox bodies refused: not opening with their entry's fields (seal), no key with their id (key).\n"
	    "# TYPE tnsgw_outbox_seal_refused_total counter\n"
	    "tnsgw_outbox_seal_refused_total{bind=\"op\\\"x\\\\y\\nz\",reason=\"busy\"} 18446744073709551615\n");
}

/* A page stays grouped: what would split or mistype a family is refused
 * and counted, nothing written. */
static void
test_refusals(void **state)
{
	struct metrics_out o;
	struct metrics_hist h;
	size_t len;

	(void)state;
	memset(&h, 0, sizeof(h));
	out_init(&o);
	metrics_u64(&o, NULL, 0, 1);			/* no family begun */
	assert_int_equal(o.misuse, 1);
	assert_int_equal(pb.len, 0);
	assert_int_equal(metrics_begin(&o, M_REDIS_UP), 0);
	metrics_u64(&o, NULL, 0, 1);
	len = pb.len;
	assert_int_equal(metrics_begin(&o, M_REDIS_UP), -1);	/* twice */
	assert_int_equal(metrics_begin(&o, M_BUILD_INFO), -1);	/* backwards */
	assert_int_equal(metrics_begin(&o, M_COUNT), -1);
	metrics_hist(&o, NULL, 0, &h);			/* a gauge */
	metrics_u64(&o, NULL, 5, 1);			/* too many labels */
	assert_int_equal(o.misuse, 6);
	assert_int_equal(pb.len, len);
	assert_int_equal(metrics_begin(&o, M_REDIS_SECONDS), 0);
	metrics_u64(&o, NULL, 0, 1);			/* a histogram */
	assert_int_equal(o.misuse, 7);
	metrics_hist(&o, NULL, 0, &h);
	assert_int_equal(o.misuse, 7);
}

static void
test_hist(void **state)
{
	struct metrics_hist h, t;
	struct metrics_out o;
	struct metrics_label l = { "bind", "sim" };

	(void)state;
	memset(&h, 0, sizeof(h));
	metrics_hist_observe(&h, 0);		/* le 0.0005 */
	metrics_hist_observe(&h, 500);		/* le 0.0005: bounds inclusive */
	metrics_hist_observe(&h, 501);		/* le 0.001 */
	metrics_hist_observe(&h, 1000000);	/* le 1 */
	metrics_hist_observe(&h, 10000001);	/* +Inf */
	assert_int_equal(h.count, 5);
	assert_int_equal(h.bucket[0], 2);
	assert_int_equal(h.bucket[1], 1);
	assert_int_equal(h.bucket[10], 1);
	assert_int_equal(h.bucket[METRICS_BUCKETS], 1);
	memset(&t, 0, sizeof(t));
	metrics_hist_add(&t, &h);
	metrics_hist_add(&t, &h);
	assert_int_equal(t.count, 10);
	assert_int_equal(t.sum_us, 2 * h.sum_us);
	assert_int_equal(t.bucket[0], 4);

	out_init(&o);
	metrics_begin(&o, M_MO_SCREEN_SECONDS);
	metrics_hist(&o, &l, 1, &h);
	assert_int_equal(o.misuse, 0);
	assert_string_equal(strstr(page, "tnsgw_mo_screen_seconds_bucket"),
	    "tnsgw_mo_screen_seconds_bucket{bind=\"sim\",le=\"0.0005\"} 2\n"
	    "tnsgw_mo_screen_seconds_bucket{bind=\"sim\",le=\"0.001\"} 3\n"
	    "tnsgw_mo_screen_seconds_bucket{bind=\"sim\",le=\"0.0025\"} 3\n"
	    "tnsgw_mo_screen_seconds_bucket{bind=\"sim\",le=\"0.005\"} 3\n"
	    "tnsgw_mo_screen_seconds_bucket{bind=\"sim\",le=\"0.01\"} 3\n"
	    "tnsgw_mo_screen_seconds_bucket{bind=\"sim\",le=\"0.025\"} 3\n"
	    "tnsgw_mo_screen_seconds_bucket{bind=\"sim\",le=\"0.05\"} 3\n"
	    "tnsgw_mo_screen_seconds_bucket{bind=\"sim\",le=\"0.1\"} 3\n"
	    "tnsgw_mo_screen_seconds_bucket{bind=\"sim\",le=\"0.25\"} 3\n"
	    "tnsgw_mo_screen_seconds_bucket{bind=\"sim\",le=\"0.5\"} 3\n"
	    "tnsgw_mo_screen_seconds_bucket{bind=\"sim\",le=\"1\"} 4\n"
	    "tnsgw_mo_screen_seconds_bucket{bind=\"sim\",le=\"2.5\"} 4\n"
	    "tnsgw_mo_screen_seconds_bucket{bind=\"sim\",le=\"5\"} 4\n"
	    "tnsgw_mo_screen_seconds_bucket{bind=\"sim\",le=\"10\"} 4\n"
	    "tnsgw_mo_screen_seconds_bucket{bind=\"sim\",le=\"+Inf\"} 5\n"
	    "tnsgw_mo_screen_seconds_sum{bind=\"sim\"} 11.001002\n"
	    "tnsgw_mo_screen_seconds_count{bind=\"sim\"} 5\n");

	/* no label: le alone */
	out_init(&o);
	memset(&h, 0, sizeof(h));
	metrics_begin(&o, M_REDIS_SECONDS);
	metrics_hist(&o, NULL, 0, &h);
	assert_non_null(strstr(page, "\ntnsgw_redis_request_seconds_bucket{le=\"+Inf\"} 0\n"
	    "tnsgw_redis_request_seconds_sum 0\n"
	    "tnsgw_redis_request_seconds_count 0\n"));
}

static void
test_status(void **state)
{
	struct metrics_status s, t;
	struct metrics_out o;
	struct metrics_label l = { "bind", "sim" };

	(void)state;
	memset(&s, 0, sizeof(s));
	metrics_status_count(&s, 0);
	metrics_status_count(&s, 0x58);
	metrics_status_count(&s, 0);
	assert_int_equal(s.used, 2);
	out_init(&o);
	metrics_begin(&o, M_BIND_SUBMIT_RESULTS);
	metrics_status(&o, &l, 1, &s);
	assert_string_equal(strstr(page, "tnsgw_bind_submit_results_total{"),
	    "tnsgw_bind_submit_results_total{bind=\"sim\",command_status=\"0x00000000\"} 2\n"
	    "tnsgw_bind_submit_results_total{bind=\"sim\",command_status=\"0x00000058\"} 1\n");

	/* a peer inventing statuses: bounded, the rest as "other" */
	for (uint32_t k = 0; k < 40; k++)
		metrics_status_count(&s, 0x400 + k);
	assert_int_equal(s.used, METRICS_STATUS_MAX);
	assert_int_equal(s.other, 40 - (METRICS_STATUS_MAX - 2));
	memset(&t, 0, sizeof(t));
	metrics_status_count(&t, 0x58);
	metrics_status_count(&t, 0xFFFFFFFFu);
	metrics_status_add(&t, &s);
	assert_int_equal(t.used, METRICS_STATUS_MAX);
	assert_int_equal(t.n[0], 2);			/* 0x58: 1 + 1 */
	assert_int_equal(t.status[1], 0xFFFFFFFFu);
	out_init(&o);
	metrics_begin(&o, M_BIND_SUBMIT_RESULTS);
	metrics_status(&o, &l, 1, &t);
	assert_non_null(strstr(page, "command_status=\"0xFFFFFFFF\"} 1\n"));
	assert_non_null(strstr(page, "command_status=\"other\"} "));
	assert_int_equal(o.misuse, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_hist),
		cmocka_unit_test(test_status),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
