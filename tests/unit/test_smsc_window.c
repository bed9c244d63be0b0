/*
 * Unit tests of smsc_window: requests found again by sequence number in
 * any order, MOs counted apart, the wrap of sequence numbers, growth past
 * thousands out at once, and requests given up on when too old.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "smsc_window.h"

#define MO    SMSC_WINDOW_MO
#define OTHER SMSC_WINDOW_OTHER

static void
test_answer(void **state)
{
	struct smsc_window w;
	struct smsc_window_req r;

	(void)state;
	memset(&w, 0, sizeof(w));
	assert_int_equal(smsc_window_answer(&w, 1, &r), 0);
	for (uint32_t s = 1; s <= 5; s++)
		assert_int_equal(smsc_window_add(&w, s, s == 4 ? OTHER : MO,
		    100 + s, 200 + s, s), 0);
	assert_int_equal(w.nmo, 4);
	assert_int_equal(smsc_window_pending(&w), 5);
	/* Out of order, then the oldest: the head moves past both. */
	assert_int_equal(smsc_window_answer(&w, 3, &r), 1);
	assert_int_equal(r.seq, 3);
	assert_int_equal(r.kind, MO);
	assert_int_equal(r.tag, 103);
	assert_int_equal(r.aux, 203);
	assert_int_equal(smsc_window_answer(&w, 3, &r), 0);	/* once */
	assert_int_equal(w.nmo, 3);
	assert_int_equal(smsc_window_answer(&w, 1, &r), 1);
	assert_int_equal(smsc_window_answer(&w, 2, &r), 1);
	assert_int_equal(w.n, 2);
	assert_int_equal(smsc_window_answer(&w, 4, &r), 1);
	assert_int_equal(r.kind, OTHER);
	assert_int_equal(w.nmo, 1);
	/* Not ours: never sent, or before the oldest, or out of range. */
	assert_int_equal(smsc_window_answer(&w, 6, &r), 0);
	assert_int_equal(smsc_window_answer(&w, 1, &r), 0);
	assert_int_equal(smsc_window_answer(&w, 0, &r), 0);
	assert_int_equal(smsc_window_answer(&w, 0x80000000u, &r), 0);
	assert_int_equal(smsc_window_answer(&w, 5, &r), 1);
	assert_int_equal(w.n, 0);
	assert_int_equal(w.nmo, 0);
	smsc_window_free(&w);
	smsc_window_free(&w);
}

/* Sequences go from SMSC_WINDOW_SEQ_MAX to 1. */
static void
test_wrap(void **state)
{
	struct smsc_window w;
	struct smsc_window_req r;
	const uint32_t seqs[] = { SMSC_WINDOW_SEQ_MAX - 1, SMSC_WINDOW_SEQ_MAX,
	    1, 2 };

	(void)state;
	memset(&w, 0, sizeof(w));
	for (int i = 0; i < 4; i++)
		assert_int_equal(smsc_window_add(&w, seqs[i], MO,
		    (uint32_t)i + 1, 0, 0), 0);
	assert_int_equal(smsc_window_answer(&w, 2, &r), 1);
	assert_int_equal(r.tag, 4);
	assert_int_equal(smsc_window_answer(&w, 1, &r), 1);
	assert_int_equal(r.tag, 3);
	assert_int_equal(smsc_window_answer(&w, SMSC_WINDOW_SEQ_MAX, &r), 1);
	assert_int_equal(r.tag, 2);
	assert_int_equal(smsc_window_answer(&w, 3, &r), 0);
	assert_int_equal(smsc_window_answer(&w, SMSC_WINDOW_SEQ_MAX - 1, &r), 1);
	assert_int_equal(r.tag, 1);
	assert_int_equal(w.nmo, 0);
	smsc_window_free(&w);
}

/* 100,000 out at once (the ring grows, also after its head moved),
 * answered backwards then forwards. */
static void
test_grow(void **state)
{
	struct smsc_window w;
	struct smsc_window_req r;
	const uint32_t n = 100000;

	(void)state;
	memset(&w, 0, sizeof(w));
	for (uint32_t s = 1; s <= 10; s++)
		smsc_window_add(&w, s, MO, s, 0, 0);
	for (uint32_t s = 1; s <= 5; s++)
		assert_int_equal(smsc_window_answer(&w, s, &r), 1);
	for (uint32_t s = 11; s <= n; s++)
		assert_int_equal(smsc_window_add(&w, s, MO, s, 0, 0), 0);
	assert_int_equal(w.nmo, n - 5);
	for (uint32_t s = n; s > n / 2; s--) {
		assert_int_equal(smsc_window_answer(&w, s, &r), 1);
		assert_int_equal(r.tag, s);
	}
	for (uint32_t s = 6; s <= n / 2; s++) {
		assert_int_equal(smsc_window_answer(&w, s, &r), 1);
		assert_int_equal(r.tag, s);
	}
	assert_int_equal(w.nmo, 0);
	assert_int_equal(smsc_window_pending(&w), 0);
	smsc_window_free(&w);
}

static void
test_expire(void **state)
{
	struct smsc_window w;
	struct smsc_window_req r;

	(void)state;
	memset(&w, 0, sizeof(w));
	assert_int_equal(smsc_window_expire(&w, 1000, 10, &r), 0);
	smsc_window_add(&w, 1, OTHER, 0, 0, 100);
	smsc_window_add(&w, 2, MO, 7, 0, 150);
	smsc_window_add(&w, 3, MO, 8, 0, 300);
	assert_int_equal(smsc_window_expire(&w, 159, 60, &r), 0);
	assert_int_equal(smsc_window_expire(&w, 160, 60, &r), 1);
	assert_int_equal(r.seq, 1);
	/* The next one is answered: it is skipped, the third is too young. */
	assert_int_equal(smsc_window_answer(&w, 2, &r), 1);
	assert_int_equal(smsc_window_expire(&w, 300, 60, &r), 0);
	assert_int_equal(smsc_window_expire(&w, 360, 60, &r), 1);
	assert_int_equal(r.tag, 8);
	assert_int_equal(w.nmo, 0);
	/* Given up on: its late answer is not ours any more. */
	assert_int_equal(smsc_window_answer(&w, 3, &r), 0);
	smsc_window_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_grow),
		cmocka_unit_test(test_expire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
