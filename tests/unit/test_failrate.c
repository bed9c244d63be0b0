/*
 * test_failrate: the sliding minute of lookup failures and the alarm on
 * it — counted per second, forgotten after 60 s, raised at the threshold,
 * cleared once under it and a minute up, off at 0.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "failrate.h"

static void
test_window(void **state)
{
	struct failrate f;

	(void)state;
	failrate_init(&f);
	assert_int_equal(failrate_last_min(&f, 0), 0);
	for (int i = 0; i < 10; i++)
		failrate_add(&f, 1000000 + i * 100);	/* one second */
	failrate_add(&f, 1030000);
	assert_int_equal(failrate_last_min(&f, 1030500), 11);
	assert_int_equal(failrate_last_min(&f, 1059999), 11);
	assert_int_equal(failrate_last_min(&f, 1060000), 1);	/* first second out */
	assert_int_equal(failrate_last_min(&f, 1090000), 0);
	/* A slot reused a minute later starts again. */
	failrate_add(&f, 1060000);
	assert_int_equal(failrate_last_min(&f, 1060000), 2);
	assert_int_equal(f.total, 12);
}

static void
test_alarm(void **state)
{
	struct failrate f;
	long long t = 5000000;

	(void)state;
	failrate_init(&f);
	for (int i = 0; i < 9; i++)
		failrate_add(&f, t + i);
	assert_int_equal(failrate_check(&f, t + 10, 10), FAILRATE_SAME);
	failrate_add(&f, t + 10);
	assert_int_equal(failrate_check(&f, t + 10, 10), FAILRATE_RISE);
	assert_int_equal(f.alarm, 1);
	assert_int_equal(failrate_check(&f, t + 20, 10), FAILRATE_SAME);
	/* Under the threshold, but up less than a minute: held. */
	assert_int_equal(failrate_check(&f, t + 59000, 100), FAILRATE_SAME);
	/* The failures gone and a minute passed: cleared. */
	assert_int_equal(failrate_check(&f, t + 61000, 10), FAILRATE_FALL);
	assert_int_equal(f.alarm, 0);
	assert_int_equal(failrate_check(&f, t + 62000, 10), FAILRATE_SAME);
	/* Off: never rises, falls at once if up. */
	for (int i = 0; i < 50; i++)
		failrate_add(&f, t + 70000);
	assert_int_equal(failrate_check(&f, t + 70000, 0), FAILRATE_SAME);
	assert_int_equal(failrate_check(&f, t + 70000, 1), FAILRATE_RISE);
	assert_int_equal(failrate_check(&f, t + 70001, 0), FAILRATE_FALL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_alarm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
