/*
 * test_log: the run-time level steps (SIGUSR1/SIGUSR2) along debug <-> info
 * <-> notice <-> warning <-> err and stop at the ends; names round-trip
 * through log_level_parse; the level filter (log_at, log_debug) and the
 * level change's own line, which is written whatever the new level. The
 * lines are read back from stderr redirected to a temporary file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static void
test_step_table(void **state)
{
	static const struct { int from, more, to; } t[] = {
		{ LOG_LVL_ERR, 1, LOG_LVL_WARNING },
		{ LOG_LVL_WARNING, 1, LOG_LVL_NOTICE },
		{ LOG_LVL_NOTICE, 1, LOG_LVL_INFO },
		{ LOG_LVL_INFO, 1, LOG_LVL_DEBUG },
		{ LOG_LVL_DEBUG, 1, LOG_LVL_DEBUG },	/* the verbose end */
		{ LOG_LVL_DEBUG, 0, LOG_LVL_INFO },
		{ LOG_LVL_INFO, 0, LOG_LVL_NOTICE },
		{ LOG_LVL_NOTICE, 0, LOG_LVL_WARNING },
		{ LOG_LVL_WARNING, 0, LOG_LVL_ERR },
		{ LOG_LVL_ERR, 0, LOG_LVL_ERR },	/* err is never hidden */
		{ LOG_LVL_CRIT, 1, LOG_LVL_ERR },	/* config "crit" */
		{ LOG_LVL_CRIT, 0, LOG_LVL_CRIT },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (log_level_step(t[i].from, t[i].more) != t[i].to)
			fail_msg("step %s %s: got %s, want %s",
			    log_level_name(t[i].from), t[i].more ? "up" : "down",
			    log_level_name(log_level_step(t[i].from, t[i].more)),
			    log_level_name(t[i].to));
	}
}

/* Five SIGUSR1 from err reach debug and stay; five SIGUSR2 come back. */
static void
test_step_walk(void **state)
{
	int l = LOG_LVL_ERR;

	(void)state;
	for (int i = 0; i < 6; i++)
		l = log_level_step(l, 1);
	assert_int_equal(l, LOG_LVL_DEBUG);
	for (int i = 0; i < 6; i++)
		l = log_level_step(l, 0);
	assert_int_equal(l, LOG_LVL_ERR);
}

static void
test_names(void **state)
{
	(void)state;
	for (int l = LOG_LVL_CRIT; l <= LOG_LVL_DEBUG; l++)
		assert_int_equal(log_level_parse(log_level_name(l)), l);
	assert_string_equal(log_level_name(LOG_LVL_WARNING), "warning");
	assert_string_equal(log_level_name(99), "?");
	assert_string_equal(log_level_name(-1), "?");
	assert_int_equal(log_level_parse("loud"), -1);
}

/* stderr to a file for the call of fn, then the file's text in buf. */
static void
capture(void (*fn)(void), char *buf, size_t bufsz)
{
	char path[] = "/tmp/tnsgw-test-log.XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	FILE *fp;
	size_t n;

	assert_true(fd >= 0 && saved >= 0);
	fflush(stderr);
	assert_int_equal(dup2(fd, 2), 2);
	fn();
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	close(fd);
	assert_non_null(fp = fopen(path, "r"));
	n = fread(buf, 1, bufsz - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	unlink(path);
}

static void
lines_at_info(void)
{
	log_init(LOG_LVL_INFO);
	log_at(LOG_LVL_DEBUG, "dialog %d ended", 1);
	log_debug("debug line");
	log_at(LOG_LVL_INFO, "dialog %d ended", 2);
	log_err("persistent %s", "failure");
}

static void
level_down_to_err(void)
{
	log_init(LOG_LVL_WARNING);
	log_level_set(log_level_step(LOG_LVL_WARNING, 0), "SIGUSR2");
	log_notice("a notice after");
	log_level_set(log_level_step(log_get_level(), 0), "SIGUSR2");
	log_level_set(log_level_step(log_get_level(), 1), "SIGUSR1");
	log_warnx("a warning after");
}

static void
test_filter(void **state)
{
	char out[1024];

	(void)state;
	capture(lines_at_info, out, sizeof(out));
	assert_string_equal(out,
	    "<6>dialog 2 ended\n"
	    "<3>persistent failure\n");
}

static void
test_level_set_line(void **state)
{
	char out[1024];

	(void)state;
	capture(level_down_to_err, out, sizeof(out));
	/* The change to err is written although err hides notices. */
	assert_string_equal(out,
	    "<5>log level warning -> err (SIGUSR2)\n"
	    "<5>log level stays err (SIGUSR2)\n"
	    "<5>log level err -> warning (SIGUSR1)\n"
	    "<4>a warning after\n");
	assert_int_equal(log_get_level(), LOG_LVL_WARNING);
}

static int evaluated;

static const char *
counted(const char *s)
{
	evaluated++;
	return s;
}

static void
lines_counted(void)
{
	log_init(LOG_LVL_NOTICE);
	log_debug("debug %s", counted("a"));
	log_info("info %s", counted("b"));
	log_at(LOG_LVL_INFO, "at info %s", counted("c"));
	log_notice("notice %s", counted("d"));
	log_at(LOG_LVL_WARNING, "at warning %s", counted("e"));
	log_err("err %s", counted("f"));
}

/* A line whose level is off costs no argument: a masked MSISDN or a
 * command name is never built for a dropped line. */
static void
test_args_not_evaluated(void **state)
{
	char out[1024];

	(void)state;
	evaluated = 0;
	capture(lines_counted, out, sizeof(out));
	assert_string_equal(out,
	    "<5>notice d\n"
	    "<4>at warning e\n"
	    "<3>err f\n");
	assert_int_equal(evaluated, 3);
	assert_true(LOG_ON(LOG_LVL_WARNING));
	assert_false(LOG_ON(LOG_LVL_INFO));
}

/* The masks, golden: first 4 and last 4 of an MSISDN, at most half and
 * never more than 4 of a document number, short ones masked whole, cut
 * to the buffer as snprintf cuts. */
static void
test_masks(void **state)
{
	static const struct { int id; const char *in; size_t sz; const char *out; } t[] = {
		{ 0, "212612340123", 32, "2126****0123" },
		{ 0, "1234567890", 32, "1234****7890" },
		{ 0, "123456789", 32, "****" },
		{ 0, "", 32, "****" },
		{ 0, NULL, 32, "****" },
		{ 0, "212612340123", 6, "2126*" },
		{ 0, "212612340123", 13, "2126****0123" },
		{ 0, "212612340123", 12, "2126****012" },
		{ 0, "212612340123", 1, "" },
		{ 0, "1", 3, "**" },
		{ 1, "AB123456", 32, "AB12****" },
		{ 1, "AB1234567890", 32, "AB12****" },
		{ 1, "12345", 32, "12****" },
		{ 1, "123", 32, "1****" },
		{ 1, "12", 32, "****" },
		{ 1, NULL, 32, "****" },
		{ 1, "AB123456", 4, "AB1" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(buf, 'Z', sizeof(buf));
		if (t[i].id)
			assert_ptr_equal(log_mask_id(t[i].in, buf, t[i].sz), buf);
		else
			assert_ptr_equal(log_mask_msisdn(t[i].in, buf, t[i].sz),
			    buf);
		assert_string_equal(buf, t[i].out);
	}
	buf[0] = 'Z';
	log_mask_msisdn("212612340123", buf, 0);	/* writes nothing */
	assert_int_equal(buf[0], 'Z');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_step_table),
		cmocka_unit_test(test_step_walk),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_level_set_line),
		cmocka_unit_test(test_args_not_evaluated),
		cmocka_unit_test(test_masks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
