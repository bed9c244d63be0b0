/*
 * dialog_otp: case B's one-time code — kept from the lookup, asked for
 * (again after a re-dial while it is live), a new one on "9", and what the
 * gateway says of it, up to the matricule on screen once it is right.
 */
#include <string.h>

#include "dialog_impl.h"
#include "log.h"
#include "tbuf.h"

#define DIALOG_N_MAX		99	/* {n} attempts left: 2 digits */
#define DIALOG_WAIT_MAX		3600	/* {s} seconds to wait, at most */
#define DIALOG_RESEND		"9"	/* on the code screens: a new code */

/* tail: the last DIALOG_TAIL_LEN digits of s (1..cap-1 digits), or -1. */
static int
tail_of(const char *s, size_t cap, char tail[DIALOG_TAIL_LEN + 1])
{
	size_t	n;

	if (!dialog_digits_ok(s, cap, 1, cap - 1))
		return -1;
	n = strlen(s);
	if (n > DIALOG_TAIL_LEN)
		s += n - DIALOG_TAIL_LEN;
	memcpy(tail, s, strlen(s) + 1);
	return 0;
}

/*
 * Case B, details matched: keep the matricule (shown only once the OTP is
 * right) and the phone on record, and have the gateway issue an OTP. The
 * step stays LOOKUP until the gateway says the code went out.
 */
void
dialog_otp_issue(struct dialog_ctx *c, const struct dialog_record *r)
{
	struct dialog	*d = c->d;

	if (!dialog_digits_ok(r->matricule, sizeof(r->matricule), 1,
	    DIALOG_MATRICULE_MAX)) {
		log_warnx("dialog: registered record without a usable "
		    "matricule");
		dialog_fail(c);
		return;
	}
	memcpy(d->matricule, r->matricule, strlen(r->matricule) + 1);
	memset(d->phone, 0, sizeof(d->phone));
	if (dialog_digits_ok(r->phone, sizeof(r->phone), 1, DIALOG_PHONE_MAX))
		memcpy(d->phone, r->phone, strlen(r->phone) + 1);
	else if (r->phone[0] != '\0')
		log_warnx("dialog: registered phone is not digits, taken as "
		    "none");
	memset(d->phone_tail, 0, sizeof(d->phone_tail));
	d->bad_inputs = 0;
	d->page = 0;
	d->pending = DIALOG_P_NONE;
	d->pending_n = 0;
	c->out->need = DIALOG_NEED_OTP_ISSUE;
}

/* The code goes to the gateway in out, never into d; "9": a new code. */
void
dialog_otp_input(struct dialog_ctx *c, char *in, size_t insz, int ok)
{
	size_t	nd = dialog_otp_digits(c->conf);

	if (ok && nd > 1 && strcmp(in, DIALOG_RESEND) == 0) {
		c->d->pending = DIALOG_P_RESEND;
		c->out->need = DIALOG_NEED_OTP_RESEND;
		return;
	}
	if (!ok || strlen(in) != nd || !dialog_digits_ok(in, insz, 1, nd)) {
		explicit_bzero(in, insz);
		dialog_bad_answer(c, "err_otp");
		return;
	}
	memcpy(c->out->otp_input, in, strlen(in) + 1);
	explicit_bzero(in, insz);
	c->d->bad_inputs = 0;
	c->out->need = DIALOG_NEED_OTP_VERIFY;
}

/*
 * The code screen (key otp_ask or otp_live; on SMS their sms_ forms), after
 * the error line err when given, with "9 new code" when the page allows:
 * [err, question, new], [err, question], [question, new], [question].
 */
void
dialog_otp_ask(struct dialog_ctx *c, const char *err, const char *key)
{
	char			 t[4][DIALOG_TEXT_MAX * 2], q[DIALOG_TEXT_MAX];
	char			 lang[CATALOG_LANG_MAX];
	struct dialog_var	 v = { "tail", c->d->phone_tail, 0 };
	struct tbuf		 b;
	const char		*nw = dialog_msg(c, "otp_new");
	int			 i;

	dialog_lang(c, lang);
	if (c->d->channel == DIALOG_CH_SMS)
		key = strcmp(key, "otp_live") == 0 ? "sms_otp_live" :
		    "sms_otp_ask";
	tbuf_init(&b, q, sizeof(q));
	dialog_subst(&b, dialog_msg(c, key), &v, 1);
	for (i = 0; i < 4; i++) {
		tbuf_init(&b, t[i], sizeof(t[i]));
		if (err != NULL && i < 2) {
			tbuf_adds(&b, err);
			tbuf_adds(&b, "\n");
		}
		tbuf_adds(&b, q);
		if (i % 2 == 0 && c->d->channel == DIALOG_CH_USSD) {
			tbuf_adds(&b, "\n");
			tbuf_adds(&b, nw);
		}
	}
	dialog_emit_first(c, lang, err != NULL ? t : t + 2, err != NULL ? 4 : 2);
}

/*
 * Where the SMS went, into d->phone_tail: res's tail, else (keep: after
 * the code went out) the one kept, else the phone on record's. -1 when
 * there is none.
 */
static int
otp_tail(struct dialog *d, const struct dialog_otp *res, int keep)
{
	char	t[DIALOG_TAIL_LEN + 1];

	if (tail_of(res->phone_tail, sizeof(res->phone_tail), t) == -1 &&
	    (!keep || tail_of(d->phone_tail, sizeof(d->phone_tail), t) == -1) &&
	    tail_of(d->phone, sizeof(d->phone), t) == -1)
		return -1;
	memset(d->phone_tail, 0, sizeof(d->phone_tail));
	memcpy(d->phone_tail, t, strlen(t) + 1);
	return 0;
}

/* A code is (still) live: ask for it. */
static void
otp_asked(struct dialog_ctx *c, const struct dialog_otp *res, int keep,
    const char *err, const char *key)
{
	if (otp_tail(c->d, res, keep) == -1) {
		log_warnx("dialog: OTP sent, but to no known number");
		dialog_fail(c);
		return;
	}
	c->d->step = DIALOG_S_OTP;
	c->d->bad_inputs = 0;
	dialog_otp_ask(c, err, key);
}

/* The right code: the matricule, the password on its way. */
static void
otp_ok(struct dialog_ctx *c, const struct dialog_otp *res)
{
	char			buf[DIALOG_TEXT_MAX];
	struct tbuf		b;
	struct dialog_var	v[2];

	(void)otp_tail(c->d, res, 1);
	v[0] = (struct dialog_var){ "matricule", c->d->matricule, 0 };
	v[1] = (struct dialog_var){ "tail", c->d->phone_tail, 0 };
	tbuf_init(&b, buf, sizeof(buf));
	dialog_subst(&b, dialog_msg(c, "result_b"), v, 2);
	dialog_finish(c, buf, DIALOG_OUTCOME_B, 0);
}

static void
otp_wrong(struct dialog_ctx *c, const struct dialog_otp *res)
{
	char			buf[DIALOG_TEXT_MAX], n[8];
	struct tbuf		b;
	struct dialog_var	v = { "n", n, 0 };

	if (res->attempts_left <= 0) {
		/* No try left is a void code, whatever it is called. */
		dialog_finish_next(c, "otp_void", NULL, 0, DIALOG_OUTCOME_ERROR);
		return;
	}
	/* 1..99: what snprintf("%d") wrote, without the format. */
	tbuf_init(&b, n, sizeof(n));
	tbuf_addu(&b, (unsigned)(res->attempts_left > DIALOG_N_MAX ?
	    DIALOG_N_MAX : res->attempts_left));
	tbuf_init(&b, buf, sizeof(buf));
	dialog_subst(&b, dialog_msg(c, "otp_wrong"), &v, 1);
	dialog_otp_ask(c, buf, "otp_ask");
}

static void
otp_wait(struct dialog_ctx *c, const struct dialog_otp *res)
{
	char			buf[DIALOG_TEXT_MAX], s[64], lang[CATALOG_LANG_MAX];
	struct tbuf		b;
	struct dialog_var	v = { "s", s, 0 };
	long			w = res->wait_s;

	dialog_lang(c, lang);
	tbuf_init(&b, s, sizeof(s));
	dialog_plural(c->cat, lang, "seconds", w < 1 ? 1 : w > DIALOG_WAIT_MAX ?
	    DIALOG_WAIT_MAX : w, &b);
	tbuf_init(&b, buf, sizeof(buf));
	dialog_subst(&b, dialog_msg(c, "otp_wait"), &v, 1);
	otp_asked(c, res, 1, buf, "otp_ask");
}

void
dialog_otp_answer(struct dialog_ctx *c, const struct dialog_otp *res)
{
	struct dialog			*d = c->d;
	struct dialog_var	v = { "tail", d->phone_tail, 0 };
	int			issue, verify, resend;

	issue = d->step == DIALOG_S_LOOKUP && d->matricule[0] != '\0' &&
	    memchr(d->matricule, '\0', sizeof(d->matricule)) != NULL;
	verify = d->step == DIALOG_S_OTP && d->pending == DIALOG_P_NONE;
	resend = d->step == DIALOG_S_OTP && d->pending == DIALOG_P_RESEND;
	if (d->step == DIALOG_S_OTP)
		d->pending = DIALOG_P_NONE;
	if (res == NULL || (!issue && !verify && !resend)) {
		dialog_fail(c);
		return;
	}
	switch (res->status) {
	case DIALOG_OTP_SENT:
		if (verify)
			break;
		otp_asked(c, res, resend, NULL, "otp_ask");
		return;
	case DIALOG_OTP_LIVE:
		if (!issue)
			break;
		otp_asked(c, res, 0, NULL, "otp_live");
		return;
	case DIALOG_OTP_WAIT:
		if (!resend)
			break;
		otp_wait(c, res);
		return;
	case DIALOG_OTP_LIMIT:
		if (verify)
			break;
		dialog_finish_next(c, "otp_limit", NULL, 0, DIALOG_OUTCOME_LOCKED);
		return;
	case DIALOG_OTP_ALREADY:
		/* No code was checked, or the code was used already (a copy of
		 * the MO that used it): the matricule is not on this screen. */
		if (otp_tail(d, res, resend) == -1)
			break;
		dialog_finish_next(c, "otp_already", &v, 1, DIALOG_OUTCOME_B);
		return;
	case DIALOG_OTP_OK:
		if (!verify)
			break;
		otp_ok(c, res);
		return;
	case DIALOG_OTP_WRONG:
		if (!verify)
			break;
		otp_wrong(c, res);
		return;
	case DIALOG_OTP_VOID:
	case DIALOG_OTP_EXPIRED:
		if (!verify)
			break;
		dialog_finish_next(c, res->status == DIALOG_OTP_VOID ? "otp_void" :
		    "otp_expired", NULL, 0, DIALOG_OUTCOME_ERROR);
		return;
	case DIALOG_OTP_LOCKED:
		dialog_locked(c);
		return;
	case DIALOG_OTP_ERROR:
	default:
		break;
	}
	dialog_fail(c);
}
