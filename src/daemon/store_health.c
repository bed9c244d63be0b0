/*
 * store_health: Redis as a trust boundary (issue 9, piece c). AUTH on
 * every connect of both connections, and the persistence check of the
 * main connection's set-up that decides whether case B, which promises
 * SMS and keeps the "already sent" guard in Redis, may run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "log.h"
#include "store_priv.h"

static const char *const store_health_levels[] = {
	[CONFIG_AOF_NO] = "no",
	[CONFIG_AOF_EVERYSEC] = "everysec",
	[CONFIG_AOF_ALWAYS] = "always",
};

void
store_health_init(struct store *st, const struct config *cfg)
{
	struct store_health *h = &st->health;

	snprintf(h->user, sizeof(h->user), "%s", cfg->redis.username);
	snprintf(h->pass, sizeof(h->pass), "%s", cfg->redis.password);
	h->require = cfg->redis.require_aof;
	h->ok = h->require == CONFIG_AOF_NO;
}

int
store_health_auth_argv(const struct store *st, const char **argv,
    size_t *len)
{
	const struct store_health *h = &st->health;
	int n = 0;

	if (h->pass[0] == '\0')
		return 0;
	argv[n++] = "AUTH";
	if (h->user[0] != '\0')
		argv[n++] = h->user;
	argv[n++] = h->pass;
	for (int i = 0; i < n; i++)
		len[i] = strlen(argv[i]);
	return n;
}

int
store_health_auth(struct store *st)
{
	const char *argv[3];
	size_t len[3];
	int n;

	if ((n = store_health_auth_argv(st, argv, len)) == 0)
		return 0;
	return store_sys(st, STORE_SYS_AUTH, n, argv);
}

int
store_health_check(struct store *st)
{
	struct store_health *h = &st->health;
	const char *aof[3] = { "CONFIG", "GET", "appendonly" };
	const char *fsync[3] = { "CONFIG", "GET", "appendfsync" };
	const char *policy[3] = { "CONFIG", "GET", "maxmemory-policy" };
	const char *info[2] = { "INFO", "persistence" };

	h->cfg_aof = h->cfg_fsync = h->info_aof = -1;
	h->policy[0] = '\0';
	if (store_sys(st, STORE_SYS_CFG_AOF, 3, aof) != 0 ||
	    store_sys(st, STORE_SYS_CFG_FSYNC, 3, fsync) != 0 ||
	    store_sys(st, STORE_SYS_CFG_POLICY, 3, policy) != 0 ||
	    store_sys(st, STORE_SYS_INFO, 2, info) != 0)
		return -1;
	return 0;
}

/* CONFIG GET's value ({name, value}), NULL when refused or absent. */
static const char *
store_health_cfg(const redisReply *r)
{
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[1]->type != REDIS_REPLY_STRING)
		return NULL;
	return r->element[1]->str;
}

/* An AUTH refusal: logged at err once per outage (*logged), kept. */
static void
store_health_refused(struct store *st, const char *conn, int *logged,
    const redisReply *r)
{
	struct store_health *h = &st->health;

	snprintf(h->problem, sizeof(h->problem), "redis AUTH refused (%s): %.*s",
	    conn, (int)(r->len < 100 ? r->len : 100), r->str);
	if (!*logged)
		log_err("[redis] %s: %s; check redis.username and "
		    "redis.password (retrying)", st->where, h->problem);
	*logged = 1;
}

int
store_health_reply(struct store *st, int sys, const redisReply *r,
    char *why, size_t whysz)
{
	struct store_health *h = &st->health;
	const char *v, *p;

	switch (sys) {
	case STORE_SYS_AUTH:
		if (r->type == REDIS_REPLY_ERROR) {
			store_health_refused(st, "requests", &h->auth_logged, r);
			snprintf(why, whysz, "%s", h->problem);
			return -1;
		}
		if (strncmp(h->problem, "redis AUTH", 10) == 0)
			h->problem[0] = '\0';
		return 0;
	case STORE_SYS_CFG_AOF:
		if ((v = store_health_cfg(r)) != NULL)
			h->cfg_aof = strcmp(v, "yes") == 0;
		return 0;
	case STORE_SYS_CFG_FSYNC:
		if ((v = store_health_cfg(r)) != NULL)
			h->cfg_fsync = strcmp(v, "always") == 0 ?
			    CONFIG_AOF_ALWAYS : strcmp(v, "everysec") == 0 ?
			    CONFIG_AOF_EVERYSEC : CONFIG_AOF_NO;
		return 0;
	case STORE_SYS_CFG_POLICY:
		if ((v = store_health_cfg(r)) != NULL)
			snprintf(h->policy, sizeof(h->policy), "%s", v);
		return 0;
	case STORE_SYS_INFO:
		if (r->type == REDIS_REPLY_STRING &&
		    (p = strstr(r->str, "aof_enabled:")) != NULL)
			h->info_aof = atoi(p + 12) != 0;
		return 0;
	}
	return 0;
}

void
store_health_verdict(struct store *st)
{
	struct store_health *h = &st->health;
	int have;		/* the level Redis gives, CONFIG_AOF_* */
	const char *seen;

	if (h->cfg_aof >= 0) {
		have = !h->cfg_aof ? CONFIG_AOF_NO : h->cfg_fsync >= 0 ?
		    h->cfg_fsync : CONFIG_AOF_EVERYSEC;
		seen = !h->cfg_aof ? "appendonly no" :
		    h->cfg_fsync == CONFIG_AOF_ALWAYS ? "appendfsync always" :
		    h->cfg_fsync == CONFIG_AOF_EVERYSEC ? "appendfsync everysec" :
		    h->cfg_fsync == CONFIG_AOF_NO ? "appendfsync no" :
		    "appendonly yes";
	} else if (h->info_aof >= 0) {
		/* CONFIG refused by the ACL: INFO says whether the AOF is
		 * on, not its fsync; assume everysec. */
		have = h->info_aof ? CONFIG_AOF_EVERYSEC : CONFIG_AOF_NO;
		seen = h->info_aof ? "aof_enabled 1 (appendfsync not readable, "
		    "assumed everysec)" : "aof_enabled 0";
	} else {
		have = -1;
		seen = "unreadable (CONFIG GET and INFO refused)";
	}
	h->ok = h->require == CONFIG_AOF_NO || have >= h->require;
	if (h->ok) {
		h->problem[0] = '\0';
		log_info("[redis] persistence: %s (required %s)", seen,
		    store_health_levels[h->require]);
	} else {
		snprintf(h->problem, sizeof(h->problem),
		    "redis persistence: %s, required %s", seen,
		    store_health_levels[h->require]);
		log_err("[redis] %s: case B answers \"unavailable\" until "
		    "Redis is fixed and reconnected", h->problem);
	}
	if (h->policy[0] != '\0' && strcmp(h->policy, "noeviction") != 0)
		log_warnx("[redis] maxmemory-policy is %s: Redis may evict "
		    "promises and limits; set noeviction", h->policy);
	else if (h->policy[0] == '\0')
		log_notice("[redis] maxmemory-policy not readable (CONFIG "
		    "refused): make sure it is noeviction");
	h->auth_logged = 0;
}

int
store_health_reader_auth(struct store *st, const redisReply *r)
{
	if (r->type != REDIS_REPLY_ERROR)
		return 0;
	store_health_refused(st, "outbox reader", &st->health.rauth_logged, r);
	return -1;
}

int
store_persist_ok(const struct store *st)
{
	return st != NULL && st->health.ok;
}

const char *
store_trust_problem(const struct store *st)
{
	return st != NULL ? st->health.problem : "";
}

int
store_outage_logged(const struct store *st)
{
	return st != NULL && st->health.auth_logged;
}

unsigned long long
store_persist_refused(const struct store *st)
{
	return st != NULL ? st->health.refused : 0;
}
