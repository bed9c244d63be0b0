/*
 * toolredis: the Redis connection of the operator tools (tnsgw-load,
 * tnsgw-backoffice) — the -c/-h/-p/-s/-n/--prefix/--user options, redis.*
 * from the daemon's config, the password from the environment
 * (TOOLREDIS_PASSWORD_ENV, never the command line), a synchronous hiredis
 * connection with a timeout, AUTH, SELECT.
 * For the tools only: the daemon talks to Redis through store.c (hiredis
 * async, pipelined) alone and must never call this blocking code.
 */
#ifndef TNSGW_TOOLREDIS_H
#define TNSGW_TOOLREDIS_H

#include <getopt.h>
#include <limits.h>
#include <stddef.h>

struct redisContext;		/* <hiredis/hiredis.h> */

#define TOOLREDIS_OPTSTRING  "c:h:p:s:n:"	/* getopt's short options */
#define TOOLREDIS_OPT_PREFIX 256	/* getopt_long value of --prefix */
#define TOOLREDIS_OPT_USER   255	/* getopt_long value of --user */
#define TOOLREDIS_PASSWORD_ENV "TNSGW_REDIS_PASSWORD"
/* The long options' entries, for the tool's getopt_long table; a tool numbers
 * its own long options above TOOLREDIS_OPT_PREFIX. */
#define TOOLREDIS_LONGOPTS \
	{ "prefix", required_argument, NULL, TOOLREDIS_OPT_PREFIX }, \
	{ "user", required_argument, NULL, TOOLREDIS_OPT_USER }
#define TOOLREDIS_ERR_MAX    (PATH_MAX + 256)
#define TOOLREDIS_CONNECT_S  5			/* connect timeout */

/* The connection options as given on the command line (the strings are
 * borrowed from argv). */
struct toolredis_opts {
	const char *conf;	/* -c: the daemon's config, for redis.* */
	const char *host;	/* -h */
	const char *socket;	/* -s */
	const char *prefix;	/* --prefix */
	const char *user;	/* --user: Redis ACL user */
	int         port;	/* -p, -1 when not given */
	int         db;		/* -n, -1 when not given */
};

/* Where to connect: the defaults (127.0.0.1:6379, db 0, "tns:", no AUTH),
 * then the config's redis.*, then the options; the password last from
 * $TNSGW_REDIS_PASSWORD when set. */
struct toolredis_target {
	char host[256];
	int  port;
	char socket[PATH_MAX];	/* "" = host:port */
	int  db;
	char prefix[32];	/* key prefix */
	char user[128];		/* AUTH user ("" = AUTH password alone) */
	char pass[256];		/* AUTH password ("" = no AUTH) */
};

/* No option given yet. */
void toolredis_opts_init(struct toolredis_opts *o);

/*
 * One getopt_long result: 0 when ch is a connection option with a usable
 * value (-p 1..65535, -n 0..10000), kept in o; -1 when ch is not one, or
 * its value is out of range (the tool's usage message, then).
 */
int toolredis_option(struct toolredis_opts *o, int ch, const char *arg);

/*
 * The target of the options o (reads o->conf when given). -h or -p
 * without -s drop the config's socket. 0; -1 when the config cannot be
 * loaded; -2 when an option's value cannot be used (--prefix too long).
 * On error err says why, with no newline.
 */
int toolredis_resolve(const struct toolredis_opts *o,
    struct toolredis_target *t, char *err, size_t errsz);

/*
 * A synchronous hiredis context connected to t (TOOLREDIS_CONNECT_S to
 * connect, then timeout_s on every reply), AUTHenticated when t->pass is
 * set, with t->db SELECTed; the caller owns it (redisFree). NULL with err
 * set ("redis HOST:PORT: ...", "redis unix:PATH: ...", "redis AUTH: ...",
 * "redis SELECT N: ...") on failure.
 */
struct redisContext *toolredis_connect(const struct toolredis_target *t,
    int timeout_s, char *err, size_t errsz);

#endif
