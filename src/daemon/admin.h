/*
 * admin: the operators' HTTP endpoint on daemon.admin_listen (evhttp):
 * GET /metrics (Prometheus text format) and GET /healthz (200 when Redis
 * answers and at least one bind is bound, else 503 with the reason).
 */
#ifndef TNSGW_ADMIN_H
#define TNSGW_ADMIN_H

struct event_base;
struct gateway;
struct admin;

/* listen is "HOST:PORT" (numeric host). NULL on failure (logged). */
struct admin *admin_new(struct event_base *base, const char *listen,
    struct gateway *gw);
void admin_free(struct admin *a);	/* NULL ok */

#endif
