/*
 * test_store_keys: every key a store script touches comes in KEYS (issue
 * 12, DESIGN.md §6: Redis Cluster slots and ACL key patterns are checked
 * against KEYS). Each script's text is read and every redis.call and
 * redis.pcall parsed: its command must be a literal and its key
 * arguments exactly KEYS[...], nothing built from them. Every script of
 * the table is checked, the outbox's too. No Redis needed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "store.h"

#define MAXARGS 32

/* One call's arguments, as written (trimmed). */
struct call {
	int  n;
	char arg[MAXARGS][256];
};

/*
 * The arguments of the call whose "(" is at *pp, up to its ")" (Lua
 * strings, brackets and parentheses skipped over); *pp after it. -1 when
 * it does not parse.
 */
static int
parse_call(const char **pp, struct call *c)
{
	const char *p = *pp, *start;
	int depth = 0;
	size_t len;

	if (*p != '(')
		return -1;
	c->n = 0;
	start = ++p;
	for (;; p++) {
		if (*p == '\0')
			return -1;
		if (*p == '\'' || *p == '"') {
			char q = *p;

			for (p++; *p != q; p++) {
				if (*p == '\0')
					return -1;
				if (*p == '\\' && p[1] != '\0')
					p++;
			}
			continue;
		}
		if (*p == '(' || *p == '[' || *p == '{') {
			depth++;
			continue;
		}
		if ((*p == ']' || *p == '}') && depth > 0) {
			depth--;
			continue;
		}
		if (*p == ')' && depth > 0) {
			depth--;
			continue;
		}
		if ((*p == ',' || *p == ')') && depth == 0) {
			while (start < p && isspace((unsigned char)*start))
				start++;
			len = (size_t)(p - start);
			while (len > 0 && isspace((unsigned char)start[len - 1]))
				len--;
			if (c->n == MAXARGS || len >= sizeof(c->arg[0]))
				return -1;
			if (len > 0 || *p == ',') {
				memcpy(c->arg[c->n], start, len);
				c->arg[c->n++][len] = '\0';
			}
			if (*p == ')')
				break;
			start = p + 1;
		}
	}
	*pp = p + 1;
	return 0;
}

/* Exactly KEYS[<index>]: nothing concatenated, no other table. */
static int
is_key(const char *a)
{
	size_t n = strlen(a);

	return n > 6 && strncmp(a, "KEYS[", 5) == 0 && a[n - 1] == ']' &&
	    strcspn(a + 5, "]") == n - 6;
}

/*
 * Problems of one script's text, each described in why (the first): 0
 * when every call names its keys as KEYS[n].
 */
static int
lint(const char *text, char *why, size_t whysz)
{
	static const char *const keyless[] = { "TIME" };
	static const char *const allkeys[] = {
		"DEL", "UNLINK", "EXISTS", "MGET", "TOUCH",
	};
	const char *p = text, *hit;
	struct call c;
	char cmd[32];
	int bad = 0, first, last, i;
	size_t k, n;

	why[0] = '\0';
	while ((hit = strstr(p, "redis.")) != NULL) {
		p = hit + 6;
		if (strncmp(p, "call", 4) == 0)
			p += 4;
		else if (strncmp(p, "pcall", 5) == 0)
			p += 5;
		else
			continue;	/* redis.error_reply etc. */
		while (isspace((unsigned char)*p))
			p++;
		if (parse_call(&p, &c) != 0 || c.n == 0) {
			if (!bad++)
				snprintf(why, whysz, "a call that does not "
				    "parse near: %.40s", hit);
			continue;
		}
		n = strlen(c.arg[0]);
		if (n < 3 || n - 2 >= sizeof(cmd) || (c.arg[0][0] != '\'' &&
		    c.arg[0][0] != '"') || c.arg[0][n - 1] != c.arg[0][0]) {
			if (!bad++)
				snprintf(why, whysz, "command not a literal: "
				    "%.60s", c.arg[0]);
			continue;
		}
		for (k = 0; k < n - 2; k++)
			cmd[k] = (char)toupper((unsigned char)c.arg[0][k + 1]);
		cmd[k] = '\0';
		first = 1;
		last = 1;
		for (k = 0; k < sizeof(keyless) / sizeof(keyless[0]); k++)
			if (strcmp(cmd, keyless[k]) == 0)
				first = 0;
		if (first == 0)
			continue;
		for (k = 0; k < sizeof(allkeys) / sizeof(allkeys[0]); k++)
			if (strcmp(cmd, allkeys[k]) == 0)
				last = c.n - 1;
		/* XINFO GROUPS|CONSUMERS key, XGROUP DELCONSUMER key */
		if (strcmp(cmd, "XINFO") == 0 || strcmp(cmd, "XGROUP") == 0)
			first = last = 2;
		if (c.n <= last) {
			if (!bad++)
				snprintf(why, whysz, "%s without its key", cmd);
			continue;
		}
		for (i = first; i <= last; i++)
			if (!is_key(c.arg[i]) && !bad++)
				snprintf(why, whysz, "%s key is not KEYS[n]: "
				    "%.60s", cmd, c.arg[i]);
	}
	return bad;
}

/* The checker itself: it passes what it must and flags what it must. */
static void
test_lint_itself(void **state)
{
	static const char *const good[] = {
		"return redis.call('GET', KEYS[1])",
		"local t = redis.call('TIME')",
		"redis.call('DEL', KEYS[1], KEYS[2])",
		"redis.pcall(\"XPENDING\", KEYS[k], ARGV[1])",
		"redis.call('HMGET', KEYS[i], 'a' .. ARGV[1], 'b')",
		"redis.call('XINFO', 'GROUPS', KEYS[1])",
		"redis.pcall('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])",
		"redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], name)",
		"redis.call('SET', KEYS[1], string.format('%d', n) .. ':' ..\n"
		"    ARGV[2], 'EX', ARGV[3])",
	};
	static const char *const bad[] = {
		"redis.call('GET', bk)",
		"redis.call('HGET', ARGV[1] .. 'reg:' .. g, 'f')",
		"redis.call('SET', KEYS[1] .. ':w', 'x')",
		"redis.call('DEL', KEYS[1], k)",
		"redis.call(c, KEYS[1])",
		"redis.call('GET')",
		"redis.call('XINFO', 'GROUPS', ARGV[1])",
		"redis.call('XGROUP', 'DELCONSUMER', ARGV[1], 'g', name)",
		"redis.call('HDEL', KEYS[2] .. ':alive', name)",
		/* a call the checker cannot see into */
		"local ok, p = pcall(redis.call, 'XPENDING', k, 'g')",
		"redis.call('GET', KEYS[1]",
		"local call = redis.call\ncall('GET', 'x')",
	};
	char why[160];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (lint(good[i], why, sizeof(why)) != 0)
			fail_msg("flagged %s: %s", good[i], why);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (lint(bad[i], why, sizeof(why)) == 0)
			fail_msg("passed %s", bad[i]);
}

static void
test_scripts_keys(void **state)
{
	const char *text, *name;
	char why[200];
	int i, checked = 0, bad = 0;

	(void)state;
	for (i = 0; (text = store_script_text(i, &name)) != NULL; i++) {
		assert_non_null(name);
		/* Every script touches Redis: a text the checker cannot
		 * see into would pass for nothing. */
		assert_non_null(strstr(text, "redis.call"));
		if (lint(text, why, sizeof(why)) != 0) {
			print_error("script %s: %s\n", name, why);
			bad++;
		}
		checked++;
	}
	assert_int_equal(bad, 0);
	/* lookup .. state, then the outbox's heartbeat and claim */
	assert_true(checked >= 14);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lint_itself),
		cmocka_unit_test(test_scripts_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
