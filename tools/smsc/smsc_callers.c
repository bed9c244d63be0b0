/*
 * smsc_callers: drives the pure smsc_caller state machines — starts them
 * under the concurrency and rate caps (or, open loop, at the rate whatever
 * the answers, under the MO window), feeds them the screens and SMS the
 * server hands on, the MOs' deliver_sm_resp, a tick for deadlines, binds
 * lost and regained — does what each asks (an MO) and counts what they
 * measure.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "log.h"
#include "smsc_callers.h"
#include "smsc_file.h"

struct smsc_callers {
	struct smsc_callers_cfg     cfg;
	struct smsc_server         *srv;
	struct smsc_caller_list    *list;
	size_t                      next;	/* next caller to start */
	uint32_t                   *active;	/* callers in flight */
	size_t                      nactive;
	struct event               *ev_tick;
	struct event               *ev_linger;
	int                         status;	/* the end's, while lingering */
	int                         started;
	int                         stopping;	/* --duration over */
	int                         over;	/* report printed */
	int64_t                     t_start, t_last, t_tokens, t_scan;
	int64_t                     t_lost;	/* bind gone since; 0: bound */
	double                      tokens;
	uint64_t                    done, failed, retries, binds_lost;
	uint64_t                    why[SMSC_CALLER_WHY_MAX];
	/* MOs: sent, their deliver_sm_resp by status, those answered ESME_ROK
	 * whose screen did not come within the step's deadline, the
	 * screens that answered an MO (first MO to the last such screen). */
	uint64_t                    sent, ok, throttled, other;
	uint64_t                    acked_unanswered, answered;
	/* --mo-twice: screens that answered the copies of one MO and were
	 * not all the same (op or text), and the first such (caller index
	 * + 1, 0: none) for the report. */
	uint64_t                    copies_differ;
	size_t                      differ_first;
	int64_t                     t_first_mo, t_last_mo, t_last_answer;
	struct smsc_caller_samples  rtt, dialog, resp;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void callers_end(struct smsc_callers *, int);
static void callers_copies_done(struct smsc_callers *, struct smsc_caller *,
    int64_t);

/* The MO one caller's event asks for, tagged with the caller's index + 1
 * and its MO count so its deliver_sm_resp finds it again. */
static void
callers_send(struct smsc_callers *l, struct smsc_caller *c,
    const struct smsc_caller_act *act, int64_t now)
{
	int op;

	op = act->send == SMSC_CALLER_SEND_DIAL ? SMPP_USSD_PSSR_IND :
	    act->send == SMSC_CALLER_SEND_ABORT ? SMPP_USSD_ABORT :
	    SMPP_USSD_USSR_CONF;
	c->mo_n++;
	c->mo_ack = SMSC_CALLER_ACK_NONE;
	free(c->held);
	c->held = NULL;
	c->copies_got = 0;
	c->copies = smsc_server_send_mo_tag(l->srv, c->msisdn, c->service, op,
	    act->text, (uint32_t)(c - l->list->callers) + 1, c->mo_n);
	if (c->copies == -1) {
		c->copies = 0;
		if (act->send != SMSC_CALLER_SEND_ABORT)
			smsc_caller_park(c);	/* dialled again once bound */
		return;
	}
	if (op == SMPP_USSD_ABORT)
		c->copies = 0;		/* no screen owed */
	if (l->sent++ == 0)
		l->t_first_mo = now;
	l->t_last_mo = now;
}

/* Carry out what one caller's event asks, and count what it measured. */
static void
callers_apply(struct smsc_callers *l, struct smsc_caller *c,
    const struct smsc_caller_act *act, int64_t now)
{
	if (act->rtt_ms >= 0) {
		if (smsc_caller_sample_add(&l->rtt, act->rtt_ms) == -1)
			fatal("malloc");
		l->answered++;
		l->t_last_answer = now;
	}
	if (act->dialog_ms >= 0 && smsc_caller_sample_add(&l->dialog,
	    act->dialog_ms) == -1)
		fatal("malloc");
	/* Read before a dial again resets it. */
	if (act->unanswered && c->mo_ack == SMSC_CALLER_ACK_OK)
		l->acked_unanswered++;
	if (act->why != SMSC_CALLER_WHY_NONE) {
		l->retries++;
		l->why[act->why]++;
	}
	if (act->send != SMSC_CALLER_SEND_NONE)
		callers_send(l, c, act, now);
	if (act->finished) {
		if (c->state == SMSC_CALLER_DONE)
			l->done++;
		else
			l->failed++;
		l->t_last = now;
		/* Swapped with the last one in flight. */
		if (c->slot < l->nactive &&
		    &l->list->callers[l->active[c->slot]] == c) {
			uint32_t last = l->active[--l->nactive];

			l->active[c->slot] = last;
			l->list->callers[last].slot = c->slot;
		}
	}
}

/* Start callers while there is room (concurrency, rate, a bind). */
static void
callers_fill(struct smsc_callers *l, int64_t now)
{
	struct smsc_caller_act act;

	while (!l->stopping && l->next < l->list->n &&
	    (l->cfg.open_loop || l->nactive < (size_t)l->cfg.concurrency) &&
	    (l->cfg.window == 0 ||
	    smsc_server_mo_out(l->srv) < (size_t)l->cfg.window) &&
	    l->t_lost == 0 && smsc_server_ready(l->srv) &&
	    (l->cfg.rate <= 0 || l->tokens >= 1.0)) {
		size_t i = l->next++;
		struct smsc_caller *c = &l->list->callers[i];

		if (l->cfg.rate > 0)
			l->tokens -= 1.0;
		c->slot = l->nactive;
		l->active[l->nactive++] = (uint32_t)i;
		smsc_caller_start(c, &l->cfg.caller, now, &act);
		callers_apply(l, c, &act, now);
	}
}

/*
 * One event for every caller in flight. Backwards: a finished caller is
 * swapped with the last one.
 */
static void
callers_each(struct smsc_callers *l, int64_t now,
    void (*ev)(struct smsc_caller *, const struct smsc_caller_cfg *, int64_t,
    struct smsc_caller_act *))
{
	struct smsc_caller_act act;

	for (size_t i = l->nactive; i-- > 0; ) {
		struct smsc_caller *c;

		if (i >= l->nactive)
			continue;
		c = &l->list->callers[l->active[i]];
		ev(c, &l->cfg.caller, now, &act);
		callers_apply(l, c, &act, now);
	}
}

/* --duration is over: no new dialog, no retry. */
static void
callers_stop(struct smsc_callers *l, int64_t now)
{
	struct smsc_caller_act act;

	log_info("load: --duration over: no new dialog, no retry");
	l->stopping = 1;
	l->cfg.caller.stopping = 1;
	for (size_t i = l->nactive; i-- > 0; ) {
		struct smsc_caller *c = &l->list->callers[l->active[i]];

		smsc_caller_stop(c, &act);
		callers_apply(l, c, &act, now);
	}
}

/* MOs whose deliver_sm_resp never came (so far). */
static uint64_t
callers_no_resp(const struct smsc_callers *l)
{
	uint64_t got = l->ok + l->throttled + l->other;

	return l->sent > got ? l->sent - got : 0;
}

/* The exit status once every caller is through. */
static int
callers_status(const struct smsc_callers *l)
{
	if (l->cfg.open_loop)
		return l->acked_unanswered == 0 && l->other == 0 &&
		    callers_no_resp(l) == 0 ? SMSC_EXIT_PASS :
		    SMSC_EXIT_MISMATCH;
	return l->done == l->list->n ? SMSC_EXIT_PASS : SMSC_EXIT_MISMATCH;
}

/* Every SMSC_CALLERS_TICK_MS: deadlines, pacing, --duration, the end. */
static void
callers_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct smsc_callers *l = arg;
	int64_t now = now_ms();
	int timeout_s = smsc_server_cfg(l->srv)->timeout_s;

	(void)fd;
	(void)what;
	if (l->over)
		return;
	if (l->cfg.rate > 0) {
		double burst = l->cfg.rate / 10 > 1 ? l->cfg.rate / 10 : 1;

		l->tokens += l->cfg.rate * (double)(now - l->t_tokens) / 1000.0;
		if (l->tokens > burst)
			l->tokens = burst;
	}
	l->t_tokens = now;
	if (l->cfg.duration_s > 0 && !l->stopping &&
	    now - l->t_start >= l->cfg.duration_s * 1000L)
		callers_stop(l, now);
	if (l->t_lost != 0 && now - l->t_lost > timeout_s * 1000L) {
		fprintf(stderr, "load: no bind for %d s\n", timeout_s);
		callers_end(l, SMSC_EXIT_ERROR);
		return;
	}
	/* Deadlines are seconds away: looked at every SMSC_CALLERS_SCAN_MS
	 * (thousands in flight), think times at each tick. */
	if (l->cfg.caller.think_ms > 0 ||
	    now - l->t_scan >= SMSC_CALLERS_SCAN_MS) {
		l->t_scan = now;
		callers_each(l, now, smsc_caller_tick);
	}
	callers_fill(l, now);
	if (l->nactive == 0 && (l->stopping || l->next == l->list->n))
		callers_end(l, callers_status(l));
}

/* "MSISDN<TAB>KIND<TAB>done|failed|not_started<TAB>RETRIES" per caller. */
static int
callers_results(const struct smsc_callers *l, const char *path)
{
	FILE *f;

	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < l->list->n; i++) {
		const struct smsc_caller *c = &l->list->callers[i];
		const char *st = smsc_caller_strstate(c->state);

		if (c->state == SMSC_CALLER_IDLE)
			st = "not_started";
		else if (c->state != SMSC_CALLER_DONE)
			st = "failed";
		fprintf(f, "%s\t%s\t%s\t%d\n", c->msisdn,
		    smsc_caller_strkind(c->kind), st, c->retries);
	}
	if (fclose(f) == EOF) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The MOs' side: the human lines, then one key=value line. */
static void
callers_report_mos(struct smsc_callers *l)
{
	char pct[160];
	int64_t span = l->t_last_answer - l->t_first_mo;
	double aps = l->answered > 0 && span > 0 ?
	    (double)l->answered * 1000.0 / (double)span : 0.0;
	double secs = (double)(l->t_last_mo - l->t_first_mo) / 1000.0;

	printf("mo: sent %" PRIu64 ", ESME_ROK %" PRIu64 ", ESME_RTHROTTLED %"
	    PRIu64 ", other status %" PRIu64 ", no response %" PRIu64 "\n",
	    l->sent, l->ok, l->throttled, l->other, callers_no_resp(l));
	printf("screens: answered %" PRIu64 " (%.1f/s), acked unanswered %"
	    PRIu64 "\n", l->answered, aps, l->acked_unanswered);
	smsc_caller_pct_str(&l->resp, pct, sizeof(pct));
	printf("deliver_sm_resp ms: %s\n", pct);
	printf("overload sent=%" PRIu64 " ok=%" PRIu64 " throttled=%" PRIu64
	    " other=%" PRIu64 " no_resp=%" PRIu64 " acked_unanswered=%" PRIu64
	    " answered=%" PRIu64 " answered_per_s=%.1f sent_per_s=%.1f "
	    "mode=%s\n", l->sent, l->ok, l->throttled, l->other,
	    callers_no_resp(l), l->acked_unanswered, l->answered, aps,
	    secs > 0 ? (double)l->sent / secs : 0.0,
	    l->cfg.open_loop ? "open" : "closed");
}

/* The figures on stdout. */
static void
callers_report(struct smsc_callers *l)
{
	const struct smsc_caller_list *cl = l->list;
	uint64_t retried = 0, unstarted = 0, unfinished = 0;
	int64_t end = l->t_last ? l->t_last : now_ms();
	double secs;
	char pct[160];

	for (size_t i = 0; i < cl->n; i++) {
		const struct smsc_caller *c = &cl->callers[i];

		retried += c->retries > 0;
		unstarted += c->state == SMSC_CALLER_IDLE;
		unfinished += c->state != SMSC_CALLER_IDLE &&
		    c->state != SMSC_CALLER_DONE &&
		    c->state != SMSC_CALLER_FAILED;
	}
	if (!l->started)
		end = l->t_start = 0;
	secs = (double)(end - l->t_start) / 1000.0;
	if (l->cfg.rate > 0)
		snprintf(pct, sizeof(pct), "%g/s", l->cfg.rate);
	else
		snprintf(pct, sizeof(pct), "no cap");
	if (l->cfg.open_loop)
		printf("load: %zu callers (a %zu, b %zu, c %zu, m %zu, h %zu), "
		    "open loop, rate %s, window %d, think 0..%d ms, no retry\n",
		    cl->n, cl->nkind[SMSC_CALLER_A], cl->nkind[SMSC_CALLER_B],
		    cl->nkind[SMSC_CALLER_C], cl->nkind[SMSC_CALLER_M],
		    cl->nkind[SMSC_CALLER_H], pct, l->cfg.window,
		    l->cfg.caller.think_ms);
	else
		printf("load: %zu callers (a %zu, b %zu, c %zu, m %zu, h %zu), "
		    "concurrency %d, rate %s, think 0..%d ms, retries %d\n",
		    cl->n, cl->nkind[SMSC_CALLER_A], cl->nkind[SMSC_CALLER_B],
		    cl->nkind[SMSC_CALLER_C], cl->nkind[SMSC_CALLER_M],
		    cl->nkind[SMSC_CALLER_H], l->cfg.concurrency, pct,
		    l->cfg.caller.think_ms, l->cfg.caller.retries);
	printf("callers: done %" PRIu64 ", retried %" PRIu64 ", failed %" PRIu64
	    ", not started %" PRIu64 "\n", l->done, retried,
	    l->failed + unfinished, unstarted);
	printf("retries: %" PRIu64 " (timeout %" PRIu64 ", unexpected screen %"
	    PRIu64 ", bind lost %" PRIu64 ", refused %" PRIu64 "); binds lost %"
	    PRIu64 "\n", l->retries, l->why[SMSC_CALLER_WHY_TIMEOUT],
	    l->why[SMSC_CALLER_WHY_SCREEN], l->why[SMSC_CALLER_WHY_LOST],
	    l->why[SMSC_CALLER_WHY_REFUSED], l->binds_lost);
	printf("elapsed: %.2f s\n", secs);
	printf("dialogs/s: %.1f\n", secs > 0 ? (double)l->done / secs : 0.0);
	smsc_caller_pct_str(&l->dialog, pct, sizeof(pct));
	printf("dial->final ms: %s\n", pct);
	smsc_caller_pct_str(&l->rtt, pct, sizeof(pct));
	printf("round trip ms: %s\n", pct);
	if (smsc_server_cfg(l->srv)->mo_twice)
		printf("copies: MOs whose copies got different screens %" PRIu64
		    "%s%s\n", l->copies_differ, l->differ_first ? ", first to " :
		    "", l->differ_first ? smsc_server_mask(
		    l->list->callers[l->differ_first - 1].msisdn) : "");
	callers_report_mos(l);
	fflush(stdout);
}

static void
callers_linger_cb(evutil_socket_t fd, short what, void *arg)
{
	struct smsc_callers *l = arg;

	(void)fd;
	(void)what;
	smsc_server_finish(l->srv, l->status);
}

/*
 * The figures, once: on stdout, and per caller in --results; then the end,
 * after --linger when it is given (and the end is not a signal's).
 */
static void
callers_end(struct smsc_callers *l, int status)
{
	struct timeval tv = { l->cfg.linger_s, 0 };

	if (l->over)
		return;
	l->over = 1;
	event_del(l->ev_tick);
	callers_report(l);
	if (l->cfg.results && callers_results(l, l->cfg.results) == -1)
		status = SMSC_EXIT_ERROR;
	l->status = status;
	if (l->cfg.linger_s > 0 && status != SMSC_EXIT_ERROR &&
	    l->ev_linger != NULL) {
		log_info("load: answering %d s more", l->cfg.linger_s);
		event_add(l->ev_linger, &tv);
		return;
	}
	smsc_server_finish(l->srv, status);
}

/* --- the server's hooks ------------------------------------------------- */

static void
callers_bound_cb(void *arg, int ready)
{
	struct smsc_callers *l = arg;
	struct timeval tv = { 0, SMSC_CALLERS_TICK_MS * 1000 };
	int64_t now = now_ms();

	if (!ready || l->over)
		return;
	if (!l->started) {
		l->started = 1;
		smsc_server_deadline(l->srv, 0);
		l->t_start = l->t_tokens = now;
		l->tokens = 1.0;
		event_add(l->ev_tick, &tv);
	}
	if (l->t_lost != 0)
		log_info("load: bound again after %lld ms",
		    (long long)(now - l->t_lost));
	l->t_lost = 0;
	callers_each(l, now, smsc_caller_bound);
	callers_fill(l, now);
}

/* The bind deliver_sm go out on is gone: screens asked for are lost. */
static void
callers_lost_cb(void *arg)
{
	struct smsc_callers *l = arg;
	int64_t now = now_ms();

	if (l->over || !l->started)
		return;
	l->binds_lost++;
	l->t_lost = now;
	callers_each(l, now, smsc_caller_lost);
}

static int
callers_message_cb(void *arg, struct smsc_msg *m)
{
	struct smsc_callers *l = arg;
	struct smsc_caller_act act;
	struct smsc_caller *c;
	int64_t now = now_ms();

	if (l->over || (c = smsc_caller_find(l->list, m->to)) == NULL)
		return 0;
	if (m->op >= 0 && c->copies > 1) {
		/* --mo-twice: one screen per copy; the caller reads the
		 * first once they have all come (the copies' screens must
		 * be the same: the gateway saw one step). */
		if (++c->copies_got == 1) {
			c->held_op = m->op;
			if ((c->held = strdup(m->text ? m->text : "")) == NULL)
				fatal("strdup");
		} else if (c->held != NULL && (c->held_op != m->op ||
		    strcmp(c->held, m->text ? m->text : "") != 0)) {
			if (l->copies_differ++ == 0)
				l->differ_first = (size_t)(c -
				    l->list->callers) + 1;
		}
		if (c->copies_got < c->copies)
			return 0;
		callers_copies_done(l, c, now);
		return 0;
	}
	if (m->op >= 0)
		smsc_caller_screen(c, &l->cfg.caller, m->op, m->text, now, &act);
	else
		smsc_caller_sms(c, &l->cfg.caller, m->text, now, &act);
	callers_apply(l, c, &act, now);
	callers_fill(l, now);
	return 0;
}

/* --mo-twice: every copy of the caller's MO answered (or refused): the
 * first screen goes to the caller as if it had come alone. */
static void
callers_copies_done(struct smsc_callers *l, struct smsc_caller *c,
    int64_t now)
{
	struct smsc_caller_act act;
	char *text = c->held;
	int op = c->held_op;

	c->held = NULL;
	c->copies = c->copies_got = 0;
	if (text == NULL)
		return;
	smsc_caller_screen(c, &l->cfg.caller, op, text, now, &act);
	free(text);
	callers_apply(l, c, &act, now);
	callers_fill(l, now);
}

/* An MO's deliver_sm_resp (or generic_nack): counted, and told to its
 * caller (an error means no screen will come). */
static void
callers_mo_resp_cb(void *arg, uint32_t tag, uint32_t aux, uint32_t id,
    uint32_t status, long ms)
{
	struct smsc_callers *l = arg;
	struct smsc_caller_act act;
	struct smsc_caller *c;
	int64_t now = now_ms();
	int ok = id == (SMPP_DELIVER_SM | SMPP_RESP_BIT) &&
	    status == SMPP_ESME_ROK;

	if (l->over || tag == 0 || tag > l->list->n)
		return;
	if (smsc_caller_sample_add(&l->resp, ms) == -1)
		fatal("malloc");
	if (ok)
		l->ok++;
	else if (id == (SMPP_DELIVER_SM | SMPP_RESP_BIT) &&
	    status == SMPP_ESME_RTHROTTLED)
		l->throttled++;
	else
		l->other++;
	c = &l->list->callers[tag - 1];
	if (c->copies > 1 && aux == c->mo_n) {
		/* --mo-twice: a refused copy owes no screen; the caller hears
		 * of a refusal only when every copy was refused. */
		if (!ok && --c->copies > 0) {
			if (c->copies_got >= c->copies)
				callers_copies_done(l, c, now);
			return;
		}
		if (ok && c->mo_ack == SMSC_CALLER_ACK_OK)
			return;
	}
	smsc_caller_ack(c, &l->cfg.caller, aux, ok, now, &act);
	callers_apply(l, c, &act, now);
	callers_fill(l, now);
}

static void
callers_timeout_cb(void *arg)
{
	struct smsc_callers *l = arg;

	fprintf(stderr, "timeout: no bind within %d s\n",
	    smsc_server_cfg(l->srv)->timeout_s);
	callers_end(l, SMSC_EXIT_ERROR);
}

/* --- start-up ------------------------------------------------------------- */

void
smsc_callers_cfg_init(struct smsc_callers_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->concurrency = SMSC_CALLERS_CONC_DEF;
	smsc_caller_cfg_init(&cfg->caller);
}

struct smsc_callers *
smsc_callers_new(const struct smsc_callers_cfg *cfg)
{
	struct smsc_callers *l;
	struct smsc_caller_list *list;
	char err[256], *text;
	size_t len;

	if (cfg->open_loop && cfg->rate <= 0) {
		fprintf(stderr, "--open-loop: needs --rate\n");
		return NULL;
	}
	if ((text = smsc_file_read(cfg->path, SMSC_CALLER_FILE_MAX,
	    &len)) == NULL)
		return NULL;
	list = smsc_caller_parse(text, len, err, sizeof(err));
	free(text);
	if (list == NULL) {
		fprintf(stderr, "%s:%s\n", cfg->path, err);
		return NULL;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		fatal("calloc");
	l->cfg = *cfg;
	l->list = list;
	if (l->cfg.nerrors > 0) {
		l->cfg.caller.errors = l->cfg.errors;
		l->cfg.caller.nerrors = l->cfg.nerrors;
	}
	/* Open loop: every caller may be in flight, and a refused or
	 * unanswered MO is counted, not dialled again. */
	if (l->cfg.open_loop) {
		l->cfg.concurrency = (int)list->n;
		l->cfg.caller.retries = 0;
	}
	if ((size_t)l->cfg.concurrency > list->n)
		l->cfg.concurrency = (int)list->n;
	if ((l->active = calloc((size_t)l->cfg.concurrency,
	    sizeof(*l->active))) == NULL)
		fatal("calloc");
	return l;
}

void
smsc_callers_start(struct smsc_callers *l, struct smsc_server *srv)
{
	struct smsc_server_hooks h = {
		.bound = callers_bound_cb,
		.lost = callers_lost_cb,
		.message = callers_message_cb,
		.mo_resp = callers_mo_resp_cb,
		.timeout = callers_timeout_cb,
		.arg = l,
	};

	l->srv = srv;
	if ((l->ev_tick = event_new(smsc_server_base(srv), -1, EV_PERSIST,
	    callers_tick_cb, l)) == NULL ||
	    (l->ev_linger = evtimer_new(smsc_server_base(srv),
	    callers_linger_cb, l)) == NULL)
		fatalx("event_new");
	smsc_server_set_hooks(srv, &h);
	log_info("load: %zu callers, waiting for the gateway to bind",
	    l->list->n);
}

void
smsc_callers_interrupt(struct smsc_callers *l)
{
	if (l->over) {	/* lingering: the end now */
		event_del(l->ev_linger);
		smsc_server_finish(l->srv, l->status);
		return;
	}
	callers_end(l, SMSC_EXIT_ERROR);
}

void
smsc_callers_free(struct smsc_callers *l)
{
	if (l == NULL)
		return;
	if (l->ev_tick)
		event_free(l->ev_tick);
	if (l->ev_linger)
		event_free(l->ev_linger);
	smsc_caller_list_free(l->list);
	free(l->active);
	smsc_caller_samples_free(&l->rtt);
	smsc_caller_samples_free(&l->dialog);
	smsc_caller_samples_free(&l->resp);
	free(l);
}
