/*
 * test_toolredis: the tools' connection options (ranges, what is not
 * ours), how defaults, the daemon's config and the options combine (a
 * config's socket dropped by -h/-p), and the connection errors' wording.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "log.h"
#include "toolredis.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define LONG_PREFIX "0123456789012345678901234567890123"	/* 34 > 31 */
#define SOCK_CONF   "@sock"	/* in the table: the file write_sock_conf makes */

static char sock_conf[64];

/*
 * The shipped config with redis.socket set and the shipped catalogue
 * (tests run from the top of the tree), as sock_conf.
 */
static void
write_sock_conf(void)
{
	char line[1024], cwd[PATH_MAX];
	FILE *in, *out;

	snprintf(sock_conf, sizeof(sock_conf), "/tmp/tnsgw-test-toolredis.%ld",
	    (long)getpid());
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_non_null(in = fopen("etc/tnsgw.conf", "r"));
	assert_non_null(out = fopen(sock_conf, "w"));
	while (fgets(line, sizeof(line), in) != NULL) {
		const char *k = line + strspn(line, " \t");

		if (strncmp(k, "socket ", 7) == 0)
			fputs("socket = \"/run/cfg.sock\";\n", out);
		else if (strncmp(k, "messages_dir ", 13) == 0)
			fprintf(out, "messages_dir = \"%s/etc/messages\";\n",
			    cwd);
		else
			fputs(line, out);
	}
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

static void
test_option(void **state)
{
	static const struct {
		int         ch;
		const char *arg;
		int         rv, port, db;
	} t[] = {
		{ 'p', "1", 0, 1, -1 },
		{ 'p', "65535", 0, 65535, -1 },
		{ 'p', "0", -1, -1, -1 },
		{ 'p', "65536", -1, -1, -1 },
		{ 'p', "80x", -1, -1, -1 },
		{ 'p', "", -1, -1, -1 },
		{ 'n', "0", 0, -1, 0 },
		{ 'n', "10000", 0, -1, 10000 },
		{ 'n', "10001", -1, -1, -1 },
		{ 'n', "-1", -1, -1, -1 },
		{ 'c', "x.conf", 0, -1, -1 },
		{ 'h', "redis.local", 0, -1, -1 },
		{ 's', "/run/redis.sock", 0, -1, -1 },
		{ TOOLREDIS_OPT_PREFIX, "x:", 0, -1, -1 },
		{ 'H', NULL, -1, -1, -1 },	/* --help: the tool's */
		{ '?', NULL, -1, -1, -1 },
		{ TOOLREDIS_OPT_PREFIX + 1, "f", -1, -1, -1 },
	};
	struct toolredis_opts o;
	size_t i;

	(void)state;
	for (i = 0; i < N(t); i++) {
		toolredis_opts_init(&o);
		assert_int_equal(toolredis_option(&o, t[i].ch, t[i].arg),
		    t[i].rv);
		assert_int_equal(o.port, t[i].port);
		assert_int_equal(o.db, t[i].db);
	}
	toolredis_opts_init(&o);
	assert_int_equal(toolredis_option(&o, 'c', "a.conf"), 0);
	assert_int_equal(toolredis_option(&o, 'h', "h"), 0);
	assert_int_equal(toolredis_option(&o, 's', "/s"), 0);
	assert_int_equal(toolredis_option(&o, TOOLREDIS_OPT_PREFIX, "p:"), 0);
	assert_string_equal(o.conf, "a.conf");
	assert_string_equal(o.host, "h");
	assert_string_equal(o.socket, "/s");
	assert_string_equal(o.prefix, "p:");
}

/* The shipped config (tests run from the top of the tree) says
 * 127.0.0.1:6380, no socket, db 0, "tns:". */
static void
test_resolve(void **state)
{
	static const struct {
		const char *conf, *host, *sock, *prefix;
		int         port, db;
		int         rv;
		const char *w_host, *w_sock, *w_prefix;
		int         w_port, w_db;
	} t[] = {
		{ NULL, NULL, NULL, NULL, -1, -1, 0,
		    "127.0.0.1", "", "tns:", 6379, 0 },
		{ NULL, "redis.local", NULL, "x:", 7000, 3, 0,
		    "redis.local", "", "x:", 7000, 3 },
		{ NULL, NULL, "/run/r.sock", NULL, -1, -1, 0,
		    "127.0.0.1", "/run/r.sock", "tns:", 6379, 0 },
		/* -s wins over -h and -p, whatever the order. */
		{ NULL, "h", "/run/r.sock", NULL, 7000, -1, 0,
		    "h", "/run/r.sock", "tns:", 7000, 0 },
		{ "etc/tnsgw.conf", NULL, NULL, NULL, -1, -1, 0,
		    "127.0.0.1", "", "tns:", 6380, 0 },
		{ "etc/tnsgw.conf", NULL, NULL, "cfg:", 7001, 2, 0,
		    "127.0.0.1", "", "cfg:", 7001, 2 },
		{ "etc/tnsgw.conf", NULL, "/s", NULL, -1, -1, 0,
		    "127.0.0.1", "/s", "tns:", 6380, 0 },
		/* A config's socket: kept, unless -h or -p without -s. */
		{ SOCK_CONF, NULL, NULL, NULL, -1, 2, 0,
		    "127.0.0.1", "/run/cfg.sock", "tns:", 6380, 2 },
		{ SOCK_CONF, NULL, NULL, NULL, 7000, -1, 0,
		    "127.0.0.1", "", "tns:", 7000, 0 },
		{ SOCK_CONF, "h", NULL, NULL, -1, -1, 0,
		    "h", "", "tns:", 6380, 0 },
		{ SOCK_CONF, NULL, "/s", NULL, 7000, -1, 0,
		    "127.0.0.1", "/s", "tns:", 7000, 0 },
		/* 31 characters fit, 32 do not. */
		{ NULL, NULL, NULL, "0123456789012345678901234567890", -1, -1,
		    0, "127.0.0.1", "", "0123456789012345678901234567890",
		    6379, 0 },
		{ NULL, NULL, NULL, "01234567890123456789012345678901", -1, -1,
		    -2, NULL, NULL, NULL, 0, 0 },
		{ "/nonexistent/tnsgw.conf", NULL, NULL, NULL, -1, -1, -1,
		    NULL, NULL, NULL, 0, 0 },
		/* The config is read before the prefix is checked. */
		{ "/nonexistent/tnsgw.conf", NULL, NULL, LONG_PREFIX, -1, -1,
		    -1, NULL, NULL, NULL, 0, 0 },
	};
	struct toolredis_opts o;
	struct toolredis_target r;
	char err[TOOLREDIS_ERR_MAX];
	size_t i;

	(void)state;
	write_sock_conf();
	for (i = 0; i < N(t); i++) {
		toolredis_opts_init(&o);
		o.conf = t[i].conf != NULL && strcmp(t[i].conf, SOCK_CONF) == 0 ?
		    sock_conf : t[i].conf;
		o.host = t[i].host;
		o.socket = t[i].sock;
		o.prefix = t[i].prefix;
		o.port = t[i].port;
		o.db = t[i].db;
		err[0] = '\0';
		assert_int_equal(toolredis_resolve(&o, &r, err, sizeof(err)),
		    t[i].rv);
		if (t[i].rv == -1) {
			assert_non_null(strstr(err, t[i].conf));
			continue;
		}
		if (t[i].rv == -2) {
			assert_string_equal(err, "--prefix: too long");
			continue;
		}
		assert_string_equal(r.host, t[i].w_host);
		assert_string_equal(r.socket, t[i].w_sock);
		assert_string_equal(r.prefix, t[i].w_prefix);
		assert_int_equal(r.port, t[i].w_port);
		assert_int_equal(r.db, t[i].w_db);
	}
	unlink(sock_conf);
}

/* A bound socket that does not listen: connecting to it is refused. */
static int
closed_port(int *fd)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((*fd = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(*fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    getsockname(*fd, (struct sockaddr *)&sa, &len) != 0)
		return -1;
	return ntohs(sa.sin_port);
}

static void
test_connect_errors(void **state)
{
	struct toolredis_target t;
	char err[TOOLREDIS_ERR_MAX], want[64];
	int fd = -1, port;

	(void)state;
	port = closed_port(&fd);
	assert_true(port > 0);
	memset(&t, 0, sizeof(t));
	snprintf(t.host, sizeof(t.host), "127.0.0.1");
	t.port = port;
	assert_null(toolredis_connect(&t, 1, err, sizeof(err)));
	snprintf(want, sizeof(want), "redis 127.0.0.1:%d: ", port);
	assert_memory_equal(err, want, strlen(want));
	assert_non_null(strstr(err, "refused"));
	close(fd);

	snprintf(t.socket, sizeof(t.socket), "/nonexistent/redis.sock");
	assert_null(toolredis_connect(&t, 1, err, sizeof(err)));
	assert_memory_equal(err, "redis unix:/nonexistent/redis.sock: ",
	    strlen("redis unix:/nonexistent/redis.sock: "));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_option),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_connect_errors),
	};

	log_init(LOG_LVL_WARNING);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
