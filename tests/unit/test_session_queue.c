/*
 * test_session_queue: the gateway's per-session queue alone — arrival
 * order kept, one item in flight per key, the waiting bound per key and the
 * global bound (and what is refused past them), keys independent, the
 * entry released with its last item, hash collisions (one bucket, and two
 * keys with the same 32-bit hash), and every item handed back once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "session_queue.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Items are slots of this array: their address says which MO they are. */
static int items[64];
static int dropped[64];

#define IT(i) ((void *)&items[i])

static void
drop_cb(void *item, void *arg)
{
	(void)arg;
	dropped[(int *)item - items]++;
}

/*
 * Scenarios as tables: each step offers, finishes, dequeues or looks up,
 * and says what comes back. A step's item -1 means NULL is expected.
 */
enum step_op { ADD, FINISH, DEQUEUE, LOOKUP };
struct step {
	enum step_op	 op;
	const char	*key;
	int		 item;		/* ADD: offered; others: expected */
	enum session_queue_result res;	/* ADD only */
	size_t		 count, keys;	/* after the step */
};

static void
run_steps(const char *name, size_t max_items, size_t max_waiting,
    const struct step *s, size_t n)
{
	struct session_queue *q = session_queue_new(64, max_items, max_waiting);
	void *got;

	assert_non_null(q);
	for (size_t i = 0; i < n; i++) {
		if (s[i].op == ADD) {
			if (session_queue_add(q, s[i].key, IT(s[i].item)) != s[i].res)
				fail_msg("%s step %zu: add %s #%d: not %s", name, i,
				    s[i].key, s[i].item,
				    session_queue_strresult(s[i].res));
		} else {
			if (s[i].op == FINISH)
				got = session_queue_finish(q, s[i].key);
			else if (s[i].op == DEQUEUE)
				got = session_queue_dequeue(q, s[i].key);
			else
				got = session_queue_lookup(q, s[i].key);
			if (got != (s[i].item < 0 ? NULL : IT(s[i].item)))
				fail_msg("%s step %zu: %s: got #%ld, want #%d", name,
				    i, s[i].key,
				    got ? (long)((int *)got - items) : -1L, s[i].item);
		}
		if (session_queue_count(q) != s[i].count ||
		    session_queue_keys(q) != s[i].keys)
			fail_msg("%s step %zu: count %zu keys %zu, want %zu %zu",
			    name, i, session_queue_count(q), session_queue_keys(q),
			    s[i].count, s[i].keys);
	}
	session_queue_free(q, NULL, NULL);
}

/* Arrival order kept; one in flight per key: a second MO of the same key
 * waits, it does not run; each finish hands back the next one. */
static void
test_order(void **state)
{
	static const struct step s[] = {
		{ ADD, "iam:212600000001", 1, SESSION_QUEUE_RUN, 1, 1 },
		{ ADD, "iam:212600000001", 2, SESSION_QUEUE_QUEUED, 2, 1 },
		{ ADD, "iam:212600000001", 3, SESSION_QUEUE_QUEUED, 3, 1 },
		{ ADD, "iam:212600000001", 4, SESSION_QUEUE_QUEUED, 4, 1 },
		{ LOOKUP, "iam:212600000001", 1, 0, 4, 1 },
		{ FINISH, "iam:212600000001", 2, 0, 3, 1 },
		{ LOOKUP, "iam:212600000001", 2, 0, 3, 1 },
		{ ADD, "iam:212600000001", 5, SESSION_QUEUE_QUEUED, 4, 1 },
		{ FINISH, "iam:212600000001", 3, 0, 3, 1 },
		{ FINISH, "iam:212600000001", 4, 0, 2, 1 },
		{ FINISH, "iam:212600000001", 5, 0, 1, 1 },
		{ FINISH, "iam:212600000001", -1, 0, 0, 0 },
		{ LOOKUP, "iam:212600000001", -1, 0, 0, 0 },
	};

	(void)state;
	run_steps("order", 100, 4, s, N(s));
}

/* At most max_waiting behind one key: the next is refused FULL and not
 * taken (count unchanged); once one finishes there is room again. */
static void
test_waiting_bound(void **state)
{
	static const struct step s[] = {
		{ ADD, "k", 1, SESSION_QUEUE_RUN, 1, 1 },
		{ ADD, "k", 2, SESSION_QUEUE_QUEUED, 2, 1 },
		{ ADD, "k", 3, SESSION_QUEUE_QUEUED, 3, 1 },
		{ ADD, "k", 4, SESSION_QUEUE_REFUSED_FULL, 3, 1 },
		{ ADD, "other", 5, SESSION_QUEUE_RUN, 4, 2 },	/* its own bound */
		{ FINISH, "k", 2, 0, 3, 2 },
		{ ADD, "k", 6, SESSION_QUEUE_QUEUED, 4, 2 },
		{ ADD, "k", 7, SESSION_QUEUE_REFUSED_FULL, 4, 2 },
		{ FINISH, "k", 3, 0, 3, 2 },
		{ FINISH, "k", 6, 0, 2, 2 },	/* 4 and 7 were never taken */
		{ FINISH, "k", -1, 0, 1, 1 },
	};
	/* max_waiting 0: one MO per session at a time, no queue. */
	static const struct step z[] = {
		{ ADD, "k", 1, SESSION_QUEUE_RUN, 1, 1 },
		{ ADD, "k", 2, SESSION_QUEUE_REFUSED_FULL, 1, 1 },
		{ DEQUEUE, "k", -1, 0, 1, 1 },
		{ FINISH, "k", -1, 0, 0, 0 },
		{ ADD, "k", 3, SESSION_QUEUE_RUN, 1, 1 },
	};

	(void)state;
	run_steps("waiting", 100, 2, s, N(s));
	run_steps("waiting0", 100, 0, z, N(z));
}

/* max_items counts in flight and waiting over every key; past it every
 * add is refused BUSY, before the per-key bound is looked at. */
static void
test_global_bound(void **state)
{
	static const struct step s[] = {
		{ ADD, "a", 1, SESSION_QUEUE_RUN, 1, 1 },
		{ ADD, "b", 2, SESSION_QUEUE_RUN, 2, 2 },
		{ ADD, "a", 3, SESSION_QUEUE_QUEUED, 3, 2 },
		{ ADD, "c", 4, SESSION_QUEUE_REFUSED_BUSY, 3, 2 },
		{ ADD, "a", 5, SESSION_QUEUE_REFUSED_BUSY, 3, 2 },
		{ ADD, "b", 6, SESSION_QUEUE_REFUSED_BUSY, 3, 2 },
		{ FINISH, "b", -1, 0, 2, 1 },
		{ ADD, "c", 7, SESSION_QUEUE_RUN, 3, 2 },
		{ FINISH, "a", 3, 0, 2, 2 },	/* a's next is still held */
		{ ADD, "a", 8, SESSION_QUEUE_QUEUED, 3, 2 },
		{ ADD, "a", 9, SESSION_QUEUE_REFUSED_BUSY, 3, 2 },
	};
	struct session_queue *q;

	(void)state;
	run_steps("global", 3, 4, s, N(s));

	assert_non_null(q = session_queue_new(8, 2, 4));
	assert_int_equal(session_queue_busy(q), 0);
	assert_int_equal(session_queue_add(q, "a", IT(1)), SESSION_QUEUE_RUN);
	assert_int_equal(session_queue_add(q, "a", IT(2)), SESSION_QUEUE_QUEUED);
	assert_int_equal(session_queue_busy(q), 1);
	assert_ptr_equal(session_queue_dequeue(q, "a"), IT(2));
	assert_int_equal(session_queue_busy(q), 0);
	session_queue_free(q, NULL, NULL);
}

/* Keys do not see each other: each has its own item in flight, its own
 * waiting list, and finishing one leaves the other as it was. */
static void
test_independent_keys(void **state)
{
	static const struct step s[] = {
		{ ADD, "iam:2126001", 1, SESSION_QUEUE_RUN, 1, 1 },
		{ ADD, "iam:2126002", 2, SESSION_QUEUE_RUN, 2, 2 },
		{ ADD, "inwi:2126001", 3, SESSION_QUEUE_RUN, 3, 3 },	/* other bind */
		{ ADD, "iam:2126001:i05", 4, SESSION_QUEUE_RUN, 4, 4 },	/* other session */
		{ ADD, "iam:2126001", 5, SESSION_QUEUE_QUEUED, 5, 4 },
		{ ADD, "iam:2126002", 6, SESSION_QUEUE_QUEUED, 6, 4 },
		{ FINISH, "iam:2126002", 6, 0, 5, 4 },
		{ LOOKUP, "iam:2126001", 1, 0, 5, 4 },
		{ LOOKUP, "inwi:2126001", 3, 0, 5, 4 },
		{ FINISH, "inwi:2126001", -1, 0, 4, 3 },
		{ LOOKUP, "iam:2126001", 1, 0, 4, 3 },
		{ FINISH, "iam:2126001", 5, 0, 3, 3 },
		{ FINISH, "iam:2126002", -1, 0, 2, 2 },
		{ FINISH, "iam:2126001", -1, 0, 1, 1 },
		{ LOOKUP, "iam:2126001:i05", 4, 0, 1, 1 },
	};

	(void)state;
	run_steps("keys", 100, 4, s, N(s));
}

/* The entry goes with the last item: lookup says nothing is in flight, a
 * finish or dequeue of that key is a no-op, and the next add runs. */
static void
test_release(void **state)
{
	static const struct step s[] = {
		{ FINISH, "k", -1, 0, 0, 0 },		/* never added */
		{ DEQUEUE, "k", -1, 0, 0, 0 },
		{ ADD, "k", 1, SESSION_QUEUE_RUN, 1, 1 },
		{ ADD, "k", 2, SESSION_QUEUE_QUEUED, 2, 1 },
		{ FINISH, "k", 2, 0, 1, 1 },
		{ FINISH, "k", -1, 0, 0, 0 },
		{ LOOKUP, "k", -1, 0, 0, 0 },
		{ FINISH, "k", -1, 0, 0, 0 },		/* twice: nothing */
		{ ADD, "k", 3, SESSION_QUEUE_RUN, 1, 1 },
	};

	(void)state;
	run_steps("release", 100, 4, s, N(s));
}

/*
 * Released entries are pooled and reused: keys of every length around
 * SESSION_QUEUE_KEY_POOLED (a longer one gets an entry of its own, never
 * pooled) come and go, each keeping its own items in order; the pool never
 * holds more than SESSION_QUEUE_POOL_MAX (none under ASan).
 */
static void
test_entry_pool(void **state)
{
	char key[3][SESSION_QUEUE_KEY_POOLED + 40];
	struct session_queue *q;
	size_t len[3], n, pooled_max = 0;

	(void)state;
	q = session_queue_new(7, 100, 4);
	assert_non_null(q);
	for (int round = 0; round < 200; round++) {
		/* Three keys, one of them too long for a pooled entry from
		 * round to round (lengths 1..SESSION_QUEUE_KEY_POOLED + 30). */
		for (int k = 0; k < 3; k++) {
			len[k] = 1 + (size_t)(round * 7 + k * 45) %
			    (SESSION_QUEUE_KEY_POOLED + 30);
			n = (size_t)snprintf(key[k], sizeof(key[k]), "%d:%d:",
			    k, round);
			if (len[k] < n)
				len[k] = n;
			memset(key[k] + n, 'a' + k, len[k] - n);
			key[k][len[k]] = '\0';
			assert_int_equal(session_queue_add(q, key[k], IT(k)),
			    SESSION_QUEUE_RUN);
			assert_int_equal(session_queue_add(q, key[k], IT(10 + k)),
			    SESSION_QUEUE_QUEUED);
		}
		assert_int_equal(session_queue_keys(q), 3);
		for (int k = 0; k < 3; k++) {
			assert_ptr_equal(session_queue_lookup(q, key[k]), IT(k));
			assert_ptr_equal(session_queue_finish(q, key[k]),
			    IT(10 + k));
			assert_null(session_queue_finish(q, key[k]));
			assert_null(session_queue_lookup(q, key[k]));
		}
		assert_int_equal(session_queue_count(q), 0);
		assert_int_equal(session_queue_keys(q), 0);
		if (session_queue_pooled(q) > pooled_max)
			pooled_max = session_queue_pooled(q);
	}
	assert_true(pooled_max <= 3 && pooled_max <= SESSION_QUEUE_POOL_MAX);
#if !defined(__SANITIZE_ADDRESS__)
	assert_true(pooled_max >= 1);
#endif
	session_queue_free(q, NULL, NULL);
}

/* A session ended early: dequeue hands back what waits, oldest first; the
 * item in flight stays until it finishes, and then nothing follows it. */
static void
test_dequeue(void **state)
{
	static const struct step s[] = {
		{ ADD, "k", 1, SESSION_QUEUE_RUN, 1, 1 },
		{ ADD, "k", 2, SESSION_QUEUE_QUEUED, 2, 1 },
		{ ADD, "k", 3, SESSION_QUEUE_QUEUED, 3, 1 },
		{ ADD, "k", 4, SESSION_QUEUE_QUEUED, 4, 1 },
		{ DEQUEUE, "k", 2, 0, 3, 1 },
		{ DEQUEUE, "k", 3, 0, 2, 1 },
		{ DEQUEUE, "k", 4, 0, 1, 1 },
		{ DEQUEUE, "k", -1, 0, 1, 1 },
		{ LOOKUP, "k", 1, 0, 1, 1 },
		{ ADD, "k", 5, SESSION_QUEUE_QUEUED, 2, 1 },	/* room again */
		{ FINISH, "k", 5, 0, 1, 1 },
		{ FINISH, "k", -1, 0, 0, 0 },
	};

	(void)state;
	run_steps("dequeue", 100, 3, s, N(s));
}

/* Every key in one bucket: each is still found by its own name, and
 * releasing one from the head, the middle or the tail of the chain leaves
 * the others in place. */
static void
test_one_bucket(void **state)
{
	struct session_queue *q;
	char key[16];
	const int order[] = { 0, 5, 9, 3, 1, 8, 2, 7, 4, 6 };

	(void)state;
	assert_non_null(q = session_queue_new(1, 100, 1));
	for (int i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(session_queue_add(q, key, IT(i)), SESSION_QUEUE_RUN);
		assert_int_equal(session_queue_add(q, key, IT(10 + i)),
		    SESSION_QUEUE_QUEUED);
	}
	assert_int_equal(session_queue_keys(q), 10);
	for (int i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_ptr_equal(session_queue_lookup(q, key), IT(i));
		assert_int_equal(session_queue_waiting(q, key), 1);
	}
	for (size_t j = 0; j < N(order); j++) {
		int i = order[j];

		snprintf(key, sizeof(key), "k%d", i);
		assert_ptr_equal(session_queue_finish(q, key), IT(10 + i));
		assert_null(session_queue_finish(q, key));
		assert_null(session_queue_lookup(q, key));
		for (size_t k = j + 1; k < N(order); k++) {
			snprintf(key, sizeof(key), "k%d", order[k]);
			assert_ptr_equal(session_queue_lookup(q, key),
			    IT(order[k]));
		}
	}
	assert_int_equal(session_queue_keys(q), 0);
	assert_int_equal(session_queue_count(q), 0);
	session_queue_free(q, NULL, NULL);
}

/* Two keys with the same 32-bit hash (FNV-1a, parse_hash32: 0x01900ece,
 * found by a search over 2^21 numbers) are two sessions, not one. */
static void
test_full_hash_collision(void **state)
{
	const char *a = "iam:212600814404", *b = "iam:212601448479";
	struct session_queue *q;

	(void)state;
	assert_int_equal(parse_hash32(a), 0x01900ece);
	assert_int_equal(parse_hash32(b), 0x01900ece);
	assert_non_null(q = session_queue_new(4096, 100, 4));
	assert_int_equal(session_queue_add(q, a, IT(1)), SESSION_QUEUE_RUN);
	assert_int_equal(session_queue_add(q, b, IT(2)), SESSION_QUEUE_RUN);
	assert_int_equal(session_queue_add(q, b, IT(3)), SESSION_QUEUE_QUEUED);
	assert_ptr_equal(session_queue_lookup(q, a), IT(1));
	assert_ptr_equal(session_queue_lookup(q, b), IT(2));
	assert_int_equal(session_queue_waiting(q, a), 0);
	assert_int_equal(session_queue_waiting(q, b), 1);
	assert_null(session_queue_finish(q, a));
	assert_null(session_queue_lookup(q, a));
	assert_ptr_equal(session_queue_lookup(q, b), IT(2));
	assert_ptr_equal(session_queue_finish(q, b), IT(3));
	assert_null(session_queue_finish(q, b));
	assert_int_equal(session_queue_keys(q), 0);
	session_queue_free(q, NULL, NULL);
}

/* session_queue_free hands every held item, in flight or waiting, to drop
 * exactly once; refused and handed-back items are not among them. */
static void
test_free_drops(void **state)
{
	struct session_queue *q;

	(void)state;
	memset(dropped, 0, sizeof(dropped));
	assert_non_null(q = session_queue_new(2, 6, 2));
	assert_int_equal(session_queue_add(q, "a", IT(1)), SESSION_QUEUE_RUN);
	assert_int_equal(session_queue_add(q, "a", IT(2)), SESSION_QUEUE_QUEUED);
	assert_int_equal(session_queue_add(q, "a", IT(3)), SESSION_QUEUE_QUEUED);
	assert_int_equal(session_queue_add(q, "a", IT(4)),
	    SESSION_QUEUE_REFUSED_FULL);
	assert_int_equal(session_queue_add(q, "b", IT(5)), SESSION_QUEUE_RUN);
	assert_int_equal(session_queue_add(q, "c", IT(6)), SESSION_QUEUE_RUN);
	assert_int_equal(session_queue_add(q, "c", IT(7)), SESSION_QUEUE_QUEUED);
	assert_int_equal(session_queue_add(q, "d", IT(8)),
	    SESSION_QUEUE_REFUSED_BUSY);
	assert_ptr_equal(session_queue_dequeue(q, "c"), IT(7));
	assert_null(session_queue_finish(q, "b"));
	session_queue_free(q, drop_cb, NULL);
	for (int i = 0; i < 10; i++)
		assert_int_equal(dropped[i], i == 1 || i == 2 || i == 3 || i == 6);
	session_queue_free(NULL, drop_cb, NULL);
}

static void
test_names(void **state)
{
	(void)state;
	assert_null(session_queue_new(0, 1, 1));
	assert_string_equal(session_queue_strresult(SESSION_QUEUE_RUN), "run");
	assert_string_equal(session_queue_strresult(SESSION_QUEUE_QUEUED), "queued");
	assert_string_equal(session_queue_strresult(SESSION_QUEUE_REFUSED_BUSY), "busy");
	assert_string_equal(session_queue_strresult(SESSION_QUEUE_REFUSED_FULL), "full");
	assert_string_equal(session_queue_strresult(SESSION_QUEUE_REFUSED_NOMEM), "nomem");
	assert_false(SESSION_QUEUE_REFUSED(SESSION_QUEUE_RUN));
	assert_false(SESSION_QUEUE_REFUSED(SESSION_QUEUE_QUEUED));
	assert_true(SESSION_QUEUE_REFUSED(SESSION_QUEUE_REFUSED_BUSY));
	assert_true(SESSION_QUEUE_REFUSED(SESSION_QUEUE_REFUSED_FULL));
	assert_true(SESSION_QUEUE_REFUSED(SESSION_QUEUE_REFUSED_NOMEM));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_waiting_bound),
		cmocka_unit_test(test_global_bound),
		cmocka_unit_test(test_independent_keys),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_entry_pool),
		cmocka_unit_test(test_dequeue),
		cmocka_unit_test(test_one_bucket),
		cmocka_unit_test(test_full_hash_collision),
		cmocka_unit_test(test_free_drops),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
