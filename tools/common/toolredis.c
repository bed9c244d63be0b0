/*
 * toolredis: the operator tools' Redis connection options and synchronous
 * hiredis connection (see toolredis.h). Blocking by design: tools only, the
 * daemon's Redis is store.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "config.h"
#include "toolredis.h"

void
toolredis_opts_init(struct toolredis_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->port = -1;
	o->db = -1;
}

static int
toolredis_int(const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

int
toolredis_option(struct toolredis_opts *o, int ch, const char *arg)
{
	switch (ch) {
	case 'c':
		o->conf = arg;
		return 0;
	case 'h':
		o->host = arg;
		return 0;
	case 'p':
		return toolredis_int(arg, 1, 65535, &o->port);
	case 's':
		o->socket = arg;
		return 0;
	case 'n':
		return toolredis_int(arg, 0, 10000, &o->db);
	case TOOLREDIS_OPT_PREFIX:
		o->prefix = arg;
		return 0;
	case TOOLREDIS_OPT_USER:
		o->user = arg;
		return 0;
	default:
		return -1;
	}
}

int
toolredis_resolve(const struct toolredis_opts *o, struct toolredis_target *t,
    char *err, size_t errsz)
{
	const char *pw;

	snprintf(t->host, sizeof(t->host), "127.0.0.1");
	t->port = 6379;
	t->socket[0] = '\0';
	t->db = 0;
	snprintf(t->prefix, sizeof(t->prefix), "tns:");
	t->user[0] = t->pass[0] = '\0';
	if (o->conf != NULL) {
		static struct config cfg;	/* large: not on the stack */

		if (config_load(o->conf, &cfg, err, errsz) != 0)
			return -1;
		snprintf(t->host, sizeof(t->host), "%s", cfg.redis.host);
		t->port = cfg.redis.port;
		snprintf(t->socket, sizeof(t->socket), "%s", cfg.redis.socket);
		t->db = cfg.redis.db;
		snprintf(t->prefix, sizeof(t->prefix), "%s", cfg.redis.prefix);
		snprintf(t->user, sizeof(t->user), "%s", cfg.redis.username);
		snprintf(t->pass, sizeof(t->pass), "%s", cfg.redis.password);
		config_free(&cfg);
	}
	if (o->host != NULL)
		snprintf(t->host, sizeof(t->host), "%s", o->host);
	if (o->port >= 0)
		t->port = o->port;
	/* -h or -p: TCP, not the config's socket; -s still wins. */
	if (o->host != NULL || o->port >= 0)
		t->socket[0] = '\0';
	if (o->socket != NULL)
		snprintf(t->socket, sizeof(t->socket), "%s", o->socket);
	if (o->db >= 0)
		t->db = o->db;
	if (o->prefix != NULL) {
		if (strlen(o->prefix) >= sizeof(t->prefix)) {
			snprintf(err, errsz, "--prefix: too long");
			return -2;
		}
		snprintf(t->prefix, sizeof(t->prefix), "%s", o->prefix);
	}
	if (o->user != NULL) {
		if (strlen(o->user) >= sizeof(t->user)) {
			snprintf(err, errsz, "--user: too long");
			return -2;
		}
		snprintf(t->user, sizeof(t->user), "%s", o->user);
	}
	/* The password never on the command line (ps shows it). */
	if ((pw = getenv(TOOLREDIS_PASSWORD_ENV)) != NULL && pw[0] != '\0') {
		if (strlen(pw) >= sizeof(t->pass)) {
			snprintf(err, errsz, "$%s: too long",
			    TOOLREDIS_PASSWORD_ENV);
			return -2;
		}
		snprintf(t->pass, sizeof(t->pass), "%s", pw);
	}
	return 0;
}

struct redisContext *
toolredis_connect(const struct toolredis_target *t, int timeout_s, char *err,
    size_t errsz)
{
	struct timeval tv = { TOOLREDIS_CONNECT_S, 0 };
	redisContext *rc;
	redisReply *r;

	if (t->socket[0] != '\0')
		rc = redisConnectUnixWithTimeout(t->socket, tv);
	else
		rc = redisConnectWithTimeout(t->host, t->port, tv);
	if (rc == NULL || rc->err) {
		if (t->socket[0] != '\0')
			snprintf(err, errsz, "redis unix:%s: %s", t->socket,
			    rc ? rc->errstr : "cannot allocate");
		else
			snprintf(err, errsz, "redis %s:%d: %s", t->host,
			    t->port, rc ? rc->errstr : "cannot allocate");
		redisFree(rc);
		return NULL;
	}
	tv.tv_sec = timeout_s;
	redisSetTimeout(rc, tv);
	if (t->pass[0] != '\0') {
		if (t->user[0] != '\0')
			r = redisCommand(rc, "AUTH %s %s", t->user, t->pass);
		else
			r = redisCommand(rc, "AUTH %s", t->pass);
		if (r == NULL || r->type == REDIS_REPLY_ERROR) {
			snprintf(err, errsz, "redis AUTH%s%s: %s",
			    t->user[0] ? " as " : "", t->user,
			    r ? r->str : rc->errstr);
			freeReplyObject(r);
			redisFree(rc);
			return NULL;
		}
		freeReplyObject(r);
	}
	if (t->db != 0) {
		r = redisCommand(rc, "SELECT %d", t->db);
		if (r == NULL || r->type == REDIS_REPLY_ERROR) {
			snprintf(err, errsz, "redis SELECT %d: %s", t->db,
			    r ? r->str : rc->errstr);
			freeReplyObject(r);
			redisFree(rc);
			return NULL;
		}
		freeReplyObject(r);
	}
	return rc;
}
