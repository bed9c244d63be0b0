/*
 * smsc_caller: the load mode's pure parts — the callers file, one virtual
 * caller's state machine (what to send, when to give up and dial again)
 * and latency percentiles. No sockets, no clock: smsc_callers drives it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smsc_caller.h"

#define USSD_USSR_REQ   0x02	/* a screen waiting for input */
#define USSD_PSSR_RESP  0x11	/* the last screen */

const char *const smsc_caller_default_errors[] = {
	"indisponible",		/* service_error */
	"dépassé",		/* locked */
	"Trop de saisies",	/* too_many */
	"ne correspondent pas",	/* mismatch */
	"expiré",		/* document or OTP expired */
	"plus valide",		/* OTP void */
};
const int smsc_caller_ndefault_errors = (int)(sizeof(smsc_caller_default_errors) /
    sizeof(smsc_caller_default_errors[0]));

void
smsc_caller_cfg_init(struct smsc_caller_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->retries = SMSC_CALLER_RETRIES;
	cfg->step_ms = SMSC_CALLER_STEP_MS;
	cfg->otp_sms = SMSC_CALLER_OTP_SMS;
	cfg->otp_screen = SMSC_CALLER_OTP_SCREEN;
	cfg->docs_screen = SMSC_CALLER_DOCS_SCREEN;
	cfg->errors = smsc_caller_default_errors;
	cfg->nerrors = smsc_caller_ndefault_errors;
}

const char *
smsc_caller_strstate(enum smsc_caller_state s)
{
	switch (s) {
	case SMSC_CALLER_IDLE:		return "idle";
	case SMSC_CALLER_WAIT_FIRST:	return "wait_first";
	case SMSC_CALLER_WAIT_CODE:	return "wait_code";
	case SMSC_CALLER_THINK:		return "think";
	case SMSC_CALLER_WAIT_FINAL:	return "wait_final";
	case SMSC_CALLER_WAIT_BIND:	return "wait_bind";
	case SMSC_CALLER_PAUSE:		return "pause";
	case SMSC_CALLER_DONE:		return "done";
	case SMSC_CALLER_FAILED:	return "failed";
	}
	return "?";
}

const char *
smsc_caller_strkind(enum smsc_caller_kind k)
{
	switch (k) {
	case SMSC_CALLER_A:	return "a";
	case SMSC_CALLER_B:	return "b";
	case SMSC_CALLER_C:	return "c";
	case SMSC_CALLER_M:	return "m";
	case SMSC_CALLER_H:	return "h";
	case SMSC_CALLER_KINDS:	break;
	}
	return "?";
}

/* --- the callers file ------------------------------------------------ */

static void __attribute__((format(printf, 4, 5)))
seterr(char *err, size_t errsz, long line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (errsz == 0)
		return;
	n = snprintf(err, errsz, "%ld: ", line);
	if (n < 0 || (size_t)n >= errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errsz - (size_t)n, fmt, ap);
	va_end(ap);
}

static uint32_t
fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

/* Slot of msisdn: its own, or the empty one it would go to. */
static size_t
slot_of(const struct smsc_caller_list *l, const char *msisdn)
{
	size_t i = fnv1a(msisdn) & (l->nslots - 1);

	while (l->slots[i] != 0 &&
	    strcmp(l->callers[l->slots[i] - 1].msisdn, msisdn) != 0)
		i = (i + 1) & (l->nslots - 1);
	return i;
}

struct smsc_caller *
smsc_caller_find(const struct smsc_caller_list *l, const char *msisdn)
{
	size_t i;

	if (l == NULL || l->nslots == 0)
		return NULL;
	i = slot_of(l, msisdn);
	return l->slots[i] ? &l->callers[l->slots[i] - 1] : NULL;
}

void
smsc_caller_list_free(struct smsc_caller_list *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->callers[i].dial);
		free(l->callers[i].held);
	}
	free(l->callers);
	free(l->slots);
	free(l);
}

/*
 * The quoted string at *pp (after its opening quote) into out (at most
 * max bytes, NUL-terminated); *pp left after the closing quote. Returns
 * its length, or -1 with the reason in err.
 */
static long
parse_quoted(char **pp, long lineno, const char *what, char *out, size_t max,
    char *err, size_t errsz)
{
	char *p = *pp;
	size_t n = 0;

	for (;; p++) {
		char ch = *p;

		if (ch == '\0') {
			seterr(err, errsz, lineno, "unterminated string");
			return -1;
		}
		if (ch == '"')
			break;
		if (ch == '\\') {
			ch = *++p;
			if (ch != '"' && ch != '\\') {
				seterr(err, errsz, lineno,
				    "only \\\" and \\\\ are escapes");
				return -1;
			}
		}
		if (n == max) {
			seterr(err, errsz, lineno, "%s over %zu bytes", what, max);
			return -1;
		}
		out[n++] = ch;
	}
	out[n] = '\0';
	*pp = p + 1;
	return (long)n;
}

/*
 * One non-blank line (NUL-terminated, no newline) into c. Returns 0, or -1
 * with the reason in err.
 */
static int
parse_line(char *p, long lineno, struct smsc_caller *c, char *err,
    size_t errsz)
{
	char dial[SMSC_CALLER_DIAL_MAX + 1];
	char ans[SMSC_CALLER_ANSWERS][SMSC_CALLER_ANSWER_MAX];
	long alen[SMSC_CALLER_ANSWERS], dn;
	size_t n, total;

	memset(c, 0, sizeof(*c));
	switch (*p) {
	case 'a': case 'A':	c->kind = SMSC_CALLER_A; break;
	case 'b': case 'B':	c->kind = SMSC_CALLER_B; break;
	case 'c': case 'C':	c->kind = SMSC_CALLER_C; break;
	case 'm': case 'M':	c->kind = SMSC_CALLER_M; break;
	case 'h': case 'H':	c->kind = SMSC_CALLER_H; break;
	default:
		seterr(err, errsz, lineno, "kind must be a, b, c, m or h");
		return -1;
	}
	p++;
	if (*p != ' ' && *p != '\t') {
		seterr(err, errsz, lineno, "kind must be a, b, c, m or h");
		return -1;
	}
	p += strspn(p, " \t");
	if (*p == '+')
		p++;
	n = strspn(p, "0123456789");
	if (n == 0 || n > SMSC_SCRIPT_ADDR_MAX || (p[n] != ' ' && p[n] != '\t')) {
		seterr(err, errsz, lineno, "MSISDN: 1 to %d digits",
		    SMSC_SCRIPT_ADDR_MAX);
		return -1;
	}
	memcpy(c->msisdn, p, n);
	c->msisdn[n] = '\0';
	p += n;
	p += strspn(p, " \t");
	if (*p++ != '"') {
		seterr(err, errsz, lineno, "the dial string must be quoted");
		return -1;
	}
	if ((dn = parse_quoted(&p, lineno, "dial string", dial,
	    SMSC_CALLER_DIAL_MAX, err, errsz)) == -1)
		return -1;
	total = (size_t)dn + 1;
	/* m: the answers, one quoted string each. */
	for (;;) {
		p += strspn(p, " \t\r");
		if (*p != '"')
			break;
		if (c->kind != SMSC_CALLER_M) {
			seterr(err, errsz, lineno, "answers are for kind m only");
			return -1;
		}
		if (c->nanswers == SMSC_CALLER_ANSWERS) {
			seterr(err, errsz, lineno, "more than %d answers",
			    SMSC_CALLER_ANSWERS);
			return -1;
		}
		p++;
		if ((alen[c->nanswers] = parse_quoted(&p, lineno, "an answer",
		    ans[c->nanswers], SMSC_CALLER_ANSWER_MAX - 1, err,
		    errsz)) == -1)
			return -1;
		if (alen[c->nanswers] == 0) {
			seterr(err, errsz, lineno, "an empty answer");
			return -1;
		}
		total += (size_t)alen[c->nanswers++] + 1;
	}
	if (*p != '\0' && *p != '#') {
		seterr(err, errsz, lineno, "unexpected text after the dial string");
		return -1;
	}
	if (c->kind == SMSC_CALLER_M && c->nanswers == 0) {
		seterr(err, errsz, lineno, "kind m needs its answers");
		return -1;
	}
	if (smsc_script_service(dial, c->service, sizeof(c->service)) == -1) {
		seterr(err, errsz, lineno, "not a dial string: \"%.40s\"", dial);
		return -1;
	}
	if ((c->dial = malloc(total)) == NULL) {
		seterr(err, errsz, lineno, "out of memory");
		return -1;
	}
	memcpy(c->dial, dial, (size_t)dn + 1);
	total = (size_t)dn + 1;
	for (int i = 0; i < c->nanswers; i++) {
		memcpy(c->dial + total, ans[i], (size_t)alen[i] + 1);
		total += (size_t)alen[i] + 1;
	}
	return 0;
}

struct smsc_caller_list *
smsc_caller_parse(const char *text, size_t len, char *err, size_t errsz)
{
	struct smsc_caller_list *l;
	const char *p = text, *end = text + len, *nl;
	char line[SMSC_CALLER_DIAL_MAX * 2 + 128];
	size_t cap = 0, i;
	long lineno = 0;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		seterr(err, errsz, 0, "out of memory");
		return NULL;
	}
	for (; p < end; p = nl + 1) {
		struct smsc_caller c;
		const char *q;
		size_t n;

		lineno++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		n = (size_t)(nl - p);
		if (n >= sizeof(line)) {
			seterr(err, errsz, lineno, "line over %zu bytes",
			    sizeof(line) - 1);
			goto fail;
		}
		if (memchr(p, '\0', n) != NULL) {
			seterr(err, errsz, lineno, "NUL byte");
			goto fail;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		q = line + strspn(line, " \t\r");
		if (*q == '\0' || *q == '#')
			continue;
		if (l->n == SMSC_CALLER_MAX_CALLERS) {
			seterr(err, errsz, lineno, "more than %d callers",
			    SMSC_CALLER_MAX_CALLERS);
			goto fail;
		}
		if (parse_line(line + (q - line), lineno, &c, err, errsz) == -1)
			goto fail;
		c.line = lineno;
		if (l->n == cap) {
			struct smsc_caller *nc;

			cap = cap ? cap * 2 : 256;
			if ((nc = realloc(l->callers, cap * sizeof(*nc))) == NULL) {
				free(c.dial);
				seterr(err, errsz, lineno, "out of memory");
				goto fail;
			}
			l->callers = nc;
		}
		l->callers[l->n++] = c;
		l->nkind[c.kind]++;
	}
	if (l->n == 0) {
		seterr(err, errsz, lineno, "no caller in the file");
		goto fail;
	}
	for (l->nslots = 16; l->nslots < 2 * l->n; l->nslots *= 2)
		;
	if ((l->slots = calloc(l->nslots, sizeof(*l->slots))) == NULL) {
		seterr(err, errsz, lineno, "out of memory");
		goto fail;
	}
	for (i = 0; i < l->n; i++) {
		size_t s = slot_of(l, l->callers[i].msisdn);

		if (l->slots[s] != 0) {
			seterr(err, errsz, l->callers[i].line,
			    "the MSISDN of line %ld again",
			    l->callers[l->slots[s] - 1].line);
			goto fail;
		}
		l->slots[s] = (uint32_t)(i + 1);
	}
	return l;
fail:
	smsc_caller_list_free(l);
	return NULL;
}

/* --- one caller ------------------------------------------------------ */

static int
has_text(const char *text, const char *sub)
{
	return sub != NULL && sub[0] != '\0' && strcasestr(text, sub) != NULL;
}

static int
is_error(const struct smsc_caller_cfg *cfg, const char *text)
{
	for (int i = 0; i < cfg->nerrors; i++)
		if (has_text(text, cfg->errors[i]))
			return 1;
	return 0;
}

static void
act_init(struct smsc_caller_act *act)
{
	memset(act, 0, sizeof(*act));
	act->rtt_ms = -1;
	act->dialog_ms = -1;
}

static void
caller_dial(struct smsc_caller *c, const struct smsc_caller_cfg *cfg,
    int64_t now, struct smsc_caller_act *act)
{
	/* Codes received stay on the phone: a dial while a code is live
	 * gets a screen asking for it and no new SMS (its answer or the
	 * screen may have been lost: a killed instance, a failover). Each
	 * may be tried once more, newest first; a void one costs an attempt
	 * and the screen asks again. */
	memset(c->code_used, 0, sizeof(c->code_used));
	c->state = SMSC_CALLER_WAIT_FIRST;
	c->t_dial = c->t_mo = now;
	c->deadline = now + cfg->step_ms;
	c->next_answer = 0;
	act->send = SMSC_CALLER_SEND_DIAL;
	act->text = c->dial;
}

static void
caller_end(struct smsc_caller *c, enum smsc_caller_state st,
    struct smsc_caller_act *act)
{
	c->state = st;
	c->deadline = 0;
	act->send = SMSC_CALLER_SEND_NONE;
	act->finished = 1;
}

static void
caller_done(struct smsc_caller *c, int64_t now, struct smsc_caller_act *act)
{
	act->dialog_ms = (long)(now - c->t_dial);
	caller_end(c, SMSC_CALLER_DONE, act);
}

/* Dial again, or fail when the retries are spent. */
static void
caller_retry(struct smsc_caller *c, const struct smsc_caller_cfg *cfg,
    int64_t now, enum smsc_caller_why why, struct smsc_caller_act *act)
{
	if (cfg->stopping || c->retries >= cfg->retries) {
		caller_end(c, SMSC_CALLER_FAILED, act);
		return;
	}
	c->retries++;
	act->why = why;
	if (cfg->redial_ms > 0) {	/* reads "try later", then dials */
		c->state = SMSC_CALLER_PAUSE;
		c->due = now + cfg->redial_ms;
		c->deadline = 0;
		return;
	}
	caller_dial(c, cfg, now, act);
}

/* xorshift32: think times that a test can replay. */
static uint32_t
caller_rand(struct smsc_caller *c)
{
	uint32_t x = c->rng ? c->rng : (fnv1a(c->msisdn) | 1);

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return c->rng = x;
}

/* Send c->answer now, or after thinking when the config says so. */
static void
caller_answer(struct smsc_caller *c, const struct smsc_caller_cfg *cfg,
    int64_t now, struct smsc_caller_act *act)
{
	if (cfg->think_ms > 0) {
		c->state = SMSC_CALLER_THINK;
		c->due = now + (int64_t)(caller_rand(c) %
		    ((uint32_t)cfg->think_ms + 1));
		c->deadline = 0;
		return;
	}
	c->state = SMSC_CALLER_WAIT_FINAL;
	c->t_mo = now;
	c->deadline = now + cfg->step_ms;
	act->send = SMSC_CALLER_SEND_ANSWER;
	act->text = c->answer;
}

/* Answer with the newest code not tried yet. Returns 0 when there is none. */
static int
caller_answer_code(struct smsc_caller *c, const struct smsc_caller_cfg *cfg,
    int64_t now, struct smsc_caller_act *act)
{
	for (int i = c->ncodes - 1; i >= 0; i--) {
		if (c->code_used[i])
			continue;
		c->code_used[i] = 1;
		snprintf(c->answer, sizeof(c->answer), "%s", c->code[i]);
		caller_answer(c, cfg, now, act);
		return 1;
	}
	return 0;
}

/* m: a screen asking: the next of the line's answers. Returns 0 when they
 * are all sent. */
static int
caller_answer_next(struct smsc_caller *c, const struct smsc_caller_cfg *cfg,
    int64_t now, struct smsc_caller_act *act)
{
	const char *a = c->dial;

	if (c->next_answer >= c->nanswers)
		return 0;
	for (int i = 0; i <= c->next_answer; i++)
		a += strlen(a) + 1;
	c->next_answer++;
	snprintf(c->answer, sizeof(c->answer), "%s", a);
	caller_answer(c, cfg, now, act);
	return 1;
}

/* b: a screen asking for the code (first, or after a wrong one). */
static void
caller_want_code(struct smsc_caller *c, const struct smsc_caller_cfg *cfg,
    int64_t now, struct smsc_caller_act *act)
{
	if (caller_answer_code(c, cfg, now, act))
		return;
	c->state = SMSC_CALLER_WAIT_CODE;
	c->deadline = now + cfg->step_ms;
}

void
smsc_caller_start(struct smsc_caller *c, const struct smsc_caller_cfg *cfg,
    int64_t now_ms, struct smsc_caller_act *act)
{
	act_init(act);
	if (c->state != SMSC_CALLER_IDLE)
		return;
	caller_dial(c, cfg, now_ms, act);
}

void
smsc_caller_screen(struct smsc_caller *c, const struct smsc_caller_cfg *cfg,
    int op, const char *text, int64_t now_ms, struct smsc_caller_act *act)
{
	int ends = op == USSD_PSSR_RESP, asks = op == USSD_USSR_REQ;
	int bad = is_error(cfg, text);

	act_init(act);
	switch (c->state) {
	case SMSC_CALLER_WAIT_FIRST:
		act->rtt_ms = (long)(now_ms - c->t_mo);
		switch (c->kind) {
		case SMSC_CALLER_A:
			if (ends && !bad) {
				caller_done(c, now_ms, act);
				return;
			}
			break;
		case SMSC_CALLER_B:
			if (ends && !bad) {	/* "already sent" */
				caller_done(c, now_ms, act);
				return;
			}
			if (asks && !bad && has_text(text, cfg->otp_screen)) {
				caller_want_code(c, cfg, now_ms, act);
				return;
			}
			break;
		case SMSC_CALLER_C:
			if (asks && !bad) {
				snprintf(c->answer, sizeof(c->answer), "1");
				caller_answer(c, cfg, now_ms, act);
				return;
			}
			break;
		case SMSC_CALLER_M:
			if (asks && !bad &&
			    caller_answer_next(c, cfg, now_ms, act))
				return;
			break;
		case SMSC_CALLER_H:
			if (asks && !bad) {	/* left open, never answered */
				caller_done(c, now_ms, act);
				return;
			}
			break;
		case SMSC_CALLER_KINDS:
			break;
		}
		caller_retry(c, cfg, now_ms, SMSC_CALLER_WHY_SCREEN, act);
		return;
	case SMSC_CALLER_WAIT_FINAL:
		act->rtt_ms = (long)(now_ms - c->t_mo);
		if (c->kind == SMSC_CALLER_C) {
			/* The documents, maybe paged: enough read. */
			if ((ends || asks) && !bad &&
			    has_text(text, cfg->docs_screen)) {
				caller_done(c, now_ms, act);
				if (asks) {
					act->send = SMSC_CALLER_SEND_ABORT;
					act->text = "";
				}
				return;
			}
			caller_retry(c, cfg, now_ms, SMSC_CALLER_WHY_SCREEN, act);
			return;
		}
		if (c->kind == SMSC_CALLER_M) {
			if (asks && !bad &&
			    caller_answer_next(c, cfg, now_ms, act))
				return;
			if (ends && !bad && c->next_answer == c->nanswers) {
				caller_done(c, now_ms, act);
				return;
			}
			caller_retry(c, cfg, now_ms, SMSC_CALLER_WHY_SCREEN, act);
			return;
		}
		if (ends && !bad) {
			caller_done(c, now_ms, act);
			return;
		}
		if (c->kind == SMSC_CALLER_B && asks && !bad &&
		    has_text(text, cfg->otp_screen)) {
			/* A wrong code (one of an earlier attempt): the next. */
			caller_want_code(c, cfg, now_ms, act);
			return;
		}
		caller_retry(c, cfg, now_ms, SMSC_CALLER_WHY_SCREEN, act);
		return;
	case SMSC_CALLER_WAIT_CODE:
	case SMSC_CALLER_THINK:
		caller_retry(c, cfg, now_ms, SMSC_CALLER_WHY_SCREEN, act);
		return;
	default:
		/* Late: an attempt given up on, or the caller is finished. */
		return;
	}
}

void
smsc_caller_sms(struct smsc_caller *c, const struct smsc_caller_cfg *cfg,
    const char *text, int64_t now_ms, struct smsc_caller_act *act)
{
	char code[SMSC_CALLER_CODE_MAX + 1];

	act_init(act);
	/* PAUSE too: a code sent for a dial whose screen said "try later"
	 * (its reply lost in a failover) is for the next dial. */
	if (c->kind != SMSC_CALLER_B || (c->state != SMSC_CALLER_WAIT_FIRST &&
	    c->state != SMSC_CALLER_WAIT_CODE && c->state != SMSC_CALLER_THINK &&
	    c->state != SMSC_CALLER_WAIT_FINAL && c->state != SMSC_CALLER_PAUSE))
		return;
	if (!has_text(text, cfg->otp_sms) ||
	    smsc_script_otp(text, code, sizeof(code)) == -1)
		return;
	for (int i = 0; i < c->ncodes; i++)
		if (strcmp(c->code[i], code) == 0)
			return;		/* a copy of one we have */
	if (c->ncodes == SMSC_CALLER_CODES) {
		memmove(&c->code[0], &c->code[1],
		    (SMSC_CALLER_CODES - 1) * sizeof(c->code[0]));
		memmove(&c->code_used[0], &c->code_used[1],
		    (SMSC_CALLER_CODES - 1) * sizeof(c->code_used[0]));
		c->ncodes--;
	}
	snprintf(c->code[c->ncodes], sizeof(c->code[0]), "%s", code);
	c->code_used[c->ncodes++] = 0;
	if (c->state == SMSC_CALLER_WAIT_CODE)
		caller_answer_code(c, cfg, now_ms, act);
}

void
smsc_caller_tick(struct smsc_caller *c, const struct smsc_caller_cfg *cfg,
    int64_t now_ms, struct smsc_caller_act *act)
{
	act_init(act);
	switch (c->state) {
	case SMSC_CALLER_WAIT_FIRST:
	case SMSC_CALLER_WAIT_CODE:
	case SMSC_CALLER_WAIT_FINAL:
		if (c->deadline == 0 || now_ms < c->deadline)
			break;
		act->unanswered = c->state != SMSC_CALLER_WAIT_CODE;
		caller_retry(c, cfg, now_ms, SMSC_CALLER_WHY_TIMEOUT, act);
		break;
	case SMSC_CALLER_THINK:
		if (now_ms < c->due)
			break;
		c->state = SMSC_CALLER_WAIT_FINAL;
		c->t_mo = now_ms;
		c->deadline = now_ms + cfg->step_ms;
		act->send = SMSC_CALLER_SEND_ANSWER;
		act->text = c->answer;
		break;
	case SMSC_CALLER_PAUSE:
		if (now_ms >= c->due)
			caller_dial(c, cfg, now_ms, act);
		break;
	default:
		break;
	}
}

void
smsc_caller_lost(struct smsc_caller *c, const struct smsc_caller_cfg *cfg,
    int64_t now_ms, struct smsc_caller_act *act)
{
	(void)now_ms;
	act_init(act);
	if (c->state != SMSC_CALLER_WAIT_FIRST &&
	    c->state != SMSC_CALLER_WAIT_FINAL)
		return;
	if (cfg->stopping || c->retries >= cfg->retries) {
		caller_end(c, SMSC_CALLER_FAILED, act);
		return;
	}
	c->retries++;
	act->why = SMSC_CALLER_WHY_LOST;
	c->state = SMSC_CALLER_WAIT_BIND;
	c->deadline = 0;
}

void
smsc_caller_bound(struct smsc_caller *c, const struct smsc_caller_cfg *cfg,
    int64_t now_ms, struct smsc_caller_act *act)
{
	act_init(act);
	if (c->state == SMSC_CALLER_WAIT_BIND)
		caller_dial(c, cfg, now_ms, act);
}

void
smsc_caller_ack(struct smsc_caller *c, const struct smsc_caller_cfg *cfg,
    uint32_t mo_n, int ok, int64_t now_ms, struct smsc_caller_act *act)
{
	act_init(act);
	if (mo_n != c->mo_n)
		return;		/* an earlier MO's: the caller moved on */
	c->mo_ack = ok ? SMSC_CALLER_ACK_OK : SMSC_CALLER_ACK_REFUSED;
	if (ok || (c->state != SMSC_CALLER_WAIT_FIRST &&
	    c->state != SMSC_CALLER_WAIT_FINAL))
		return;
	/* No screen will come. Not at once: what refused it (a full queue,
	 * a transmitter not bound yet) needs a moment. */
	if (cfg->stopping || c->retries >= cfg->retries) {
		caller_end(c, SMSC_CALLER_FAILED, act);
		return;
	}
	c->retries++;
	act->why = SMSC_CALLER_WHY_REFUSED;
	c->state = SMSC_CALLER_PAUSE;
	c->due = now_ms + SMSC_CALLER_REFUSED_MS;
	c->deadline = 0;
}

void
smsc_caller_park(struct smsc_caller *c)
{
	c->state = SMSC_CALLER_WAIT_BIND;
	c->deadline = 0;
}

void
smsc_caller_stop(struct smsc_caller *c, struct smsc_caller_act *act)
{
	act_init(act);
	if (c->state == SMSC_CALLER_WAIT_BIND || c->state == SMSC_CALLER_PAUSE)
		caller_end(c, SMSC_CALLER_FAILED, act);
}

/* --- latency ---------------------------------------------------------- */

int
smsc_caller_sample_add(struct smsc_caller_samples *s, long ms)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		long *v;

		if ((v = realloc(s->v, cap * sizeof(*v))) == NULL)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = ms < 0 ? 0 : ms;
	s->sorted = 0;
	return 0;
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

long
smsc_caller_percentile(struct smsc_caller_samples *s, double p)
{
	size_t rank;
	double x;

	if (s->n == 0 || p <= 0 || p > 100)
		return -1;
	if (!s->sorted) {
		qsort(s->v, s->n, sizeof(s->v[0]), cmp_long);
		s->sorted = 1;
	}
	/* Nearest rank: the smallest value with p % of the samples at or
	 * under it. */
	x = p * (double)s->n / 100.0 - 1e-9;	/* 0.07 * 100 is 7.000...1 */
	rank = (size_t)x;
	if ((double)rank < x)
		rank++;
	if (rank == 0)
		rank = 1;
	return s->v[rank - 1];
}

void
smsc_caller_samples_free(struct smsc_caller_samples *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

void
smsc_caller_pct_str(struct smsc_caller_samples *s, char *out, size_t outsz)
{
	if (s->n == 0) {
		snprintf(out, outsz, "none");
		return;
	}
	snprintf(out, outsz, "p50 %ld p90 %ld p99 %ld max %ld (n %zu)",
	    smsc_caller_percentile(s, 50), smsc_caller_percentile(s, 90),
	    smsc_caller_percentile(s, 99), smsc_caller_percentile(s, 100), s->n);
}
