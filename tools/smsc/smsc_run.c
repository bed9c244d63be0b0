/*
 * smsc_run: plays scenario commands against the ESME, one family of
 * commands per function (MOs, screen checks, control, connection checks),
 * waiting on the server's hooks (messages, PDUs, binds, closes) and on one
 * timer for expects and sleeps.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "log.h"
#include "smsc_file.h"
#include "smsc_run.h"
#include "tbuf.h"

#define SMSC_RUN_QUEUE_MAX  64	/* received messages not yet expected */
#define SMSC_RUN_MO_TRIES   10	/* an MO refused for now is sent again ... */
#define SMSC_RUN_MO_PAUSE_MS 100	/* ... after this, doubling, ... */
#define SMSC_RUN_MO_PAUSE_MAX_MS 1000	/* ... at most this */

enum smsc_run_state {
	SMSC_RUN_WAIT_BIND = 0,	/* no session to deliver on yet */
	SMSC_RUN_READY,		/* play the next command */
	SMSC_RUN_WAIT_SCREEN,	/* expect: no screen yet */
	SMSC_RUN_WAIT_SMS,	/* expect_sms: no SMS yet */
	SMSC_RUN_SLEEP,
	SMSC_RUN_WAIT_PDU,	/* expect_pdu: no PDU yet */
	SMSC_RUN_WAIT_CLOSE,	/* expect_close: still open */
	SMSC_RUN_WAIT_NEWBIND,	/* expect_bind: no new bind yet */
	SMSC_RUN_DONE,
};

/* The last MO sent, kept to send again when the ESME refuses it for now
 * (ESME_RTHROTTLED, ESME_RMSGQFUL: a pair's receiver bound before its
 * transmitter, a full queue), as an SMSC does. */
struct smsc_run_mo {
	uint32_t  tag;		/* its response's; 0: none */
	int       tries;
	char      msisdn[SMSC_SCRIPT_ADDR_MAX + 1];
	char      to[SMSC_SCRIPT_ADDR_MAX + 1];
	int       op;
	char      text[SMSC_SCRIPT_STR_MAX + 1];
};

/* A PDU from the ESME for expect_pdu (header fields only). */
struct smsc_run_pdu {
	int       conn;
	uint32_t  id, status, seq;
};

struct smsc_run {
	struct smsc_server  *srv;
	int                  quiet;
	const char          *files[SMSC_RUN_MAX_SCRIPTS];
	struct smsc_script  *scripts[SMSC_RUN_MAX_SCRIPTS];
	int                  nscripts;

	enum smsc_run_state  state;
	int                  si;		/* script */
	size_t               ci;		/* command */
	char                 msisdn[SMSC_SCRIPT_ADDR_MAX + 1];
	char                 to[SMSC_SCRIPT_ADDR_MAX + 1];	/* service or short code */
	int                  sms_session;	/* the session began with sms: answers are SMS */
	struct smsc_msg      queue[SMSC_RUN_QUEUE_MAX];
	int                  nqueue;
	struct smsc_msg      screen;		/* last expect's */
	struct smsc_msg      sms;		/* last expect_sms's */
	struct event        *ev_wait;	/* expect or sleep */
	struct smsc_run_mo   mo;
	uint32_t             mo_tags;	/* tags given so far */
	struct event        *ev_mo;	/* mo sent again */
	struct smsc_run_pdu  pdus[SMSC_RUN_QUEUE_MAX];	/* for expect_pdu */
	int                  npdus;
	int                  watch_id;	/* connection of the last raw/expect_bind */
	int                  watch_closed;	/* ... and it has closed */
};

static void run_step(struct smsc_run *);

static const struct smsc_cmd *
run_cmd(const struct smsc_run *r)
{
	return &r->scripts[r->si]->cmds[r->ci];
}

static void __attribute__((format(printf, 3, 4)))
run_fail(struct smsc_run *r, int status, const char *fmt, ...)
{
	va_list ap;
	const struct smsc_cmd *cmd = run_cmd(r);

	fprintf(stderr, "%s:%d: %s: ", r->files[r->si], cmd->line,
	    smsc_cmd_name(cmd->type));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	r->state = SMSC_RUN_DONE;
	smsc_server_finish(r->srv, status);
}

/* Back to playing, from a wait. */
static void
run_resume(struct smsc_run *r)
{
	r->state = SMSC_RUN_READY;
	run_step(r);
}

/* Take the first queued message of the kind (screen or SMS) to msisdn. */
static int
run_take(struct smsc_run *r, int want_screen, const char *msisdn,
    struct smsc_msg *out)
{
	for (int i = 0; i < r->nqueue; i++) {
		struct smsc_msg *m = &r->queue[i];

		if ((m->op >= 0) != want_screen || strcmp(m->to, msisdn) != 0)
			continue;
		event_del(r->ev_wait);
		smsc_server_msg_clear(out);
		*out = *m;
		memmove(m, m + 1, (size_t)(r->nqueue - i - 1) * sizeof(*m));
		r->nqueue--;
		return 1;
	}
	return 0;
}

/*
 * Wait for a message or the end of a sleep. An expect woken by a message
 * that was not its own keeps its first deadline.
 */
static void
run_wait(struct smsc_run *r, enum smsc_run_state st, long ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	r->state = st;
	if (!event_pending(r->ev_wait, EV_TIMEOUT, NULL))
		event_add(r->ev_wait, &tv);
}

/* "generic_nack|deliver_sm_resp !ESME_ROK seq=3" */
static void
pdu_want_str(const struct smsc_cmd *cmd, char *out, size_t outsz)
{
	struct tbuf b;

	tbuf_init(&b, out, outsz);
	for (int i = 0; i < cmd->nids; i++) {
		if (i)
			tbuf_addc(&b, '|');
		tbuf_adds(&b, smpp_pdu_command_str(cmd->ids[i]));
	}
	if (cmd->status_check != SMSC_STATUS_ANY) {
		tbuf_adds(&b, cmd->status_check == SMSC_STATUS_NOT ? " !" : " ");
		tbuf_adds(&b, smpp_pdu_status_str(cmd->status));
	}
	if (cmd->has_seq) {
		tbuf_adds(&b, " seq=");
		tbuf_addu(&b, cmd->seq);
	}
}

static const char *
op_str(int op)
{
	switch (op) {
	case SMPP_USSD_USSR_REQ:	return "0x02 USSR request";
	case SMPP_USSD_PSSR_RESP:	return "0x11 PSSR response";
	case -1:		return "none (plain SMS)";
	default:		return "another value";
	}
}

/*
 * The command families. Each returns 1 when its command is done (play
 * the next), 0 when the run waits or is over.
 */

/* Send r->mo (again). 0, or -1 (no session, does not fit). */
static int
run_mo_send(struct smsc_run *r)
{
	if (++r->mo_tags == 0)
		r->mo_tags = 1;
	r->mo.tag = r->mo_tags;
	return smsc_server_send_mo_tag(r->srv, r->mo.msisdn, r->mo.to,
	    r->mo.op, r->mo.text, r->mo.tag, 0);
}

/* A new MO: remembered, then sent. */
static int
run_send(struct smsc_run *r, const char *msisdn, const char *to, int op,
    const char *text)
{
	event_del(r->ev_mo);
	memset(&r->mo, 0, sizeof(r->mo));
	snprintf(r->mo.msisdn, sizeof(r->mo.msisdn), "%s", msisdn);
	snprintf(r->mo.to, sizeof(r->mo.to), "%s", to);
	r->mo.op = op;
	snprintf(r->mo.text, sizeof(r->mo.text), "%s", text);
	return run_mo_send(r);
}

static void
run_mo_cb(evutil_socket_t fd, short what, void *arg)
{
	struct smsc_run *r = arg;

	(void)fd;
	(void)what;
	if (r->state != SMSC_RUN_DONE && run_mo_send(r) == -1)
		log_warnx("MO to %s not sent again: no session",
		    smsc_server_mask(r->mo.msisdn));
}

/* dial, sms, answer, answer_otp, abort: a deliver_sm from the phone. */
static int
run_mo(struct smsc_run *r, const struct smsc_cmd *cmd)
{
	char otp[16];

	switch (cmd->type) {
	case SMSC_CMD_DIAL:
	case SMSC_CMD_SMS:
		snprintf(r->msisdn, sizeof(r->msisdn), "%s", cmd->msisdn);
		snprintf(r->to, sizeof(r->to), "%s", cmd->to);
		r->sms_session = cmd->type == SMSC_CMD_SMS;
		smsc_server_msg_clear(&r->screen);
		run_send(r, cmd->msisdn, cmd->to,
		    cmd->type == SMSC_CMD_DIAL ? SMPP_USSD_PSSR_IND : -1,
		    cmd->args[0]);
		return 1;
	case SMSC_CMD_ANSWER:
		if (run_send(r, r->msisdn, r->to,
		    SMPP_USSD_USSR_CONF, cmd->args[0]) == -1) {
			run_fail(r, SMSC_EXIT_ERROR, "cannot send the answer");
			return 0;
		}
		return 1;
	case SMSC_CMD_ANSWER_OTP:
		if (r->sms.text == NULL ||
		    smsc_script_otp(r->sms.text, otp, sizeof(otp)) == -1) {
			run_fail(r, SMSC_EXIT_MISMATCH,
			    "no code of 4-10 digits in the last SMS");
			return 0;
		}
		if (r->sms_session) {
			/* The SMS channel: the code goes back as "TNS OTP". */
			char text[40];

			snprintf(text, sizeof(text), "TNS OTP %s", otp);
			run_send(r, r->msisdn, r->to, -1, text);
			return 1;
		}
		run_send(r, r->msisdn, r->to, SMPP_USSD_USSR_CONF, otp);
		return 1;
	default:	/* abort */
		run_send(r, r->msisdn, r->to, SMPP_USSD_ABORT, "");
		return 1;
	}
}

/* expect, expect_sms: the next message of the kind, with every string. */
static int
run_expect_msg(struct smsc_run *r, const struct smsc_cmd *cmd)
{
	int screen = cmd->type == SMSC_CMD_EXPECT;
	const char *to = cmd->msisdn[0] ? cmd->msisdn : r->msisdn;
	struct smsc_msg *m = screen ? &r->screen : &r->sms;
	const char *miss;

	if (!run_take(r, screen, screen ? r->msisdn : to, m)) {
		run_wait(r, screen ? SMSC_RUN_WAIT_SCREEN : SMSC_RUN_WAIT_SMS,
		    SMSC_RUN_EXPECT_S * 1000L);
		return 0;
	}
	if ((miss = smsc_script_missing(cmd, m->text)) != NULL) {
		run_fail(r, SMSC_EXIT_MISMATCH,
		    "expected \"%s\" in the %s, got:\n%s", miss,
		    screen ? "screen" : "SMS", m->text);
		return 0;
	}
	return 1;
}

/* expect_not, continues, ends: checks on the last screen. */
static int
run_check_screen(struct smsc_run *r, const struct smsc_cmd *cmd)
{
	const char *miss;
	int op;

	if (cmd->type == SMSC_CMD_EXPECT_NOT) {
		if (r->screen.text == NULL)
			return 1;	/* the parser saw an expect before */
		if ((miss = smsc_script_present(cmd, r->screen.text)) != NULL) {
			run_fail(r, SMSC_EXIT_MISMATCH,
			    "\"%s\" must not be in the screen, got:\n%s",
			    miss, r->screen.text);
			return 0;
		}
		return 1;
	}
	op = cmd->type == SMSC_CMD_CONTINUES ? SMPP_USSD_USSR_REQ :
	    SMPP_USSD_PSSR_RESP;
	if (r->screen.op != op) {
		run_fail(r, SMSC_EXIT_MISMATCH,
		    "expected ussd_service_op %s, got %s (0x%02x)",
		    op_str(op), op_str(r->screen.op), r->screen.op & 0xFF);
		return 0;
	}
	return 1;
}

/* sleep, quit, print. */
static int
run_control(struct smsc_run *r, const struct smsc_cmd *cmd)
{
	switch (cmd->type) {
	case SMSC_CMD_SLEEP:
		run_wait(r, SMSC_RUN_SLEEP, cmd->ms);
		return 0;
	case SMSC_CMD_QUIT:
		if (!r->quiet)
			printf("== %s:%d: quit\n", r->files[r->si], cmd->line);
		fflush(stdout);
		r->state = SMSC_RUN_DONE;
		smsc_server_quit(r->srv, SMSC_EXIT_PASS);
		return 0;
	default:	/* print */
		printf("%s\n", cmd->args[0]);
		fflush(stdout);
		return 1;
	}
}

/* raw: bytes as they are on the rx session, which is then watched. */
static int
run_raw(struct smsc_run *r, const struct smsc_cmd *cmd)
{
	int id = smsc_server_rx(r->srv);

	if (!r->quiet)
		printf("  [c%d] raw: %zu bytes\n", id, cmd->raw_len);
	if (smsc_server_write(r->srv, id, cmd->raw, cmd->raw_len) == -1) {
		run_fail(r, SMSC_EXIT_ERROR, "write failed");
		return 0;
	}
	r->watch_id = id;
	r->watch_closed = 0;
	return 1;
}

/* expect_pdu on the oldest queued PDU. */
static int
run_expect_pdu(struct smsc_run *r, const struct smsc_cmd *cmd)
{
	struct smsc_run_pdu e;
	char want[160], got[96];

	if (r->npdus == 0) {
		run_wait(r, SMSC_RUN_WAIT_PDU, SMSC_RUN_EXPECT_S * 1000L);
		return 0;
	}
	e = r->pdus[0];
	memmove(&r->pdus[0], &r->pdus[1],
	    (size_t)(r->npdus - 1) * sizeof(r->pdus[0]));
	r->npdus--;
	event_del(r->ev_wait);
	if (smsc_script_pdu_match(cmd, e.id, e.status, e.seq)) {
		if (!r->quiet)
			printf("  [c%d] got %s %s seq=%u\n", e.conn,
			    smpp_pdu_command_str(e.id),
			    smpp_pdu_status_str(e.status), e.seq);
		return 1;
	}
	pdu_want_str(cmd, want, sizeof(want));
	snprintf(got, sizeof(got), "%s", smpp_pdu_command_str(e.id));
	run_fail(r, SMSC_EXIT_MISMATCH, "expected %s, got %s %s seq=%u", want,
	    got, smpp_pdu_status_str(e.status), e.seq);
	return 0;
}

/* expect_close: the watched connection (else the rx session) closes. */
static int
run_expect_close(struct smsc_run *r, const struct smsc_cmd *cmd)
{
	(void)cmd;
	if (r->watch_id == 0) {
		int id = smsc_server_rx(r->srv);

		if (id == 0) {
			run_fail(r, SMSC_EXIT_MISMATCH,
			    "no bound connection to watch");
			return 0;
		}
		r->watch_id = id;
		r->watch_closed = 0;
	}
	if (!r->watch_closed) {
		run_wait(r, SMSC_RUN_WAIT_CLOSE, SMSC_RUN_EXPECT_S * 1000L);
		return 0;
	}
	event_del(r->ev_wait);
	if (!r->quiet)
		printf("  [c%d] closed by the ESME\n", r->watch_id);
	return 1;
}

/* expect_bind: a receiver/transceiver newer than the watched connection. */
static int
run_expect_bind(struct smsc_run *r, const struct smsc_cmd *cmd)
{
	int id = smsc_server_newer_rx(r->srv, r->watch_id);

	(void)cmd;
	if (id == 0) {
		run_wait(r, SMSC_RUN_WAIT_NEWBIND,
		    SMSC_RUN_EXPECT_BIND_S * 1000L);
		return 0;
	}
	event_del(r->ev_wait);
	if (!r->quiet)
		printf("  [c%d] bound\n", id);
	r->watch_id = id;
	r->watch_closed = 0;
	return 1;
}

/* What a command needs bound before it starts. */
enum smsc_run_needs {
	SMSC_RUN_NEEDS_NONE = 0,
	SMSC_RUN_NEEDS_RX,	/* a session to write on (smsc_server_rx) */
	SMSC_RUN_NEEDS_READY,	/* ... and one the screens can come back on
				 * (smsc_server_ready: the pair's transmitter) */
};

/* Each command's player, and what it needs bound to start. */
static const struct {
	int	(*play)(struct smsc_run *, const struct smsc_cmd *);
	enum smsc_run_needs needs;
} run_cmds[] = {
	[SMSC_CMD_DIAL] =		{ run_mo, SMSC_RUN_NEEDS_READY },
	[SMSC_CMD_ANSWER] =		{ run_mo, SMSC_RUN_NEEDS_READY },
	[SMSC_CMD_ANSWER_OTP] =		{ run_mo, SMSC_RUN_NEEDS_READY },
	[SMSC_CMD_SMS] =		{ run_mo, SMSC_RUN_NEEDS_READY },
	[SMSC_CMD_EXPECT] =		{ run_expect_msg, SMSC_RUN_NEEDS_NONE },
	[SMSC_CMD_EXPECT_SMS] =		{ run_expect_msg, SMSC_RUN_NEEDS_NONE },
	[SMSC_CMD_EXPECT_NOT] =		{ run_check_screen, SMSC_RUN_NEEDS_NONE },
	[SMSC_CMD_CONTINUES] =		{ run_check_screen, SMSC_RUN_NEEDS_NONE },
	[SMSC_CMD_ENDS] =		{ run_check_screen, SMSC_RUN_NEEDS_NONE },
	[SMSC_CMD_ABORT] =		{ run_mo, SMSC_RUN_NEEDS_READY },
	[SMSC_CMD_SLEEP] =		{ run_control, SMSC_RUN_NEEDS_NONE },
	[SMSC_CMD_QUIT] =		{ run_control, SMSC_RUN_NEEDS_NONE },
	[SMSC_CMD_PRINT] =		{ run_control, SMSC_RUN_NEEDS_NONE },
	[SMSC_CMD_RAW] =		{ run_raw, SMSC_RUN_NEEDS_RX },
	[SMSC_CMD_EXPECT_PDU] =		{ run_expect_pdu, SMSC_RUN_NEEDS_NONE },
	[SMSC_CMD_EXPECT_CLOSE] =	{ run_expect_close, SMSC_RUN_NEEDS_NONE },
	[SMSC_CMD_EXPECT_BIND] =	{ run_expect_bind, SMSC_RUN_NEEDS_NONE },
};

/* The current script is through: on to the next. 0 when it was the last. */
static int
run_next_script(struct smsc_run *r)
{
	if (!r->quiet)
		printf("== %s: passed\n", r->files[r->si]);
	r->si++;
	r->ci = 0;
	r->msisdn[0] = '\0';
	smsc_server_msg_clear(&r->screen);
	smsc_server_msg_clear(&r->sms);
	r->npdus = 0;
	r->watch_id = 0;
	r->watch_closed = 0;
	if (r->si == r->nscripts) {
		r->state = SMSC_RUN_DONE;
		smsc_server_finish(r->srv, SMSC_EXIT_PASS);
		return 0;
	}
	return 1;
}

/* Play commands until one has to wait. Returns when waiting or done. */
static void
run_step(struct smsc_run *r)
{
	while (r->state == SMSC_RUN_READY) {
		const struct smsc_cmd *cmd;

		if (r->ci >= r->scripts[r->si]->ncmds) {
			if (!run_next_script(r))
				return;
			continue;
		}
		cmd = run_cmd(r);
		if ((run_cmds[cmd->type].needs == SMSC_RUN_NEEDS_RX &&
		    smsc_server_rx(r->srv) == 0) ||
		    (run_cmds[cmd->type].needs == SMSC_RUN_NEEDS_READY &&
		    !smsc_server_ready(r->srv))) {
			r->state = SMSC_RUN_WAIT_BIND;
			return;
		}
		if (!run_cmds[cmd->type].play(r, cmd))
			return;
		r->ci++;
	}
}

static void
run_wait_cb(evutil_socket_t fd, short what, void *arg)
{
	struct smsc_run *r = arg;
	const struct smsc_cmd *cmd;
	char want[160];

	(void)fd;
	(void)what;
	switch (r->state) {
	case SMSC_RUN_SLEEP:
		r->ci++;
		run_resume(r);
		break;
	case SMSC_RUN_WAIT_SCREEN:
		run_fail(r, SMSC_EXIT_ERROR, "no screen to %s within %d s",
		    smsc_server_mask(r->msisdn), SMSC_RUN_EXPECT_S);
		break;
	case SMSC_RUN_WAIT_SMS:
		cmd = run_cmd(r);
		run_fail(r, SMSC_EXIT_ERROR, "no SMS to %s within %d s",
		    smsc_server_mask(cmd->msisdn[0] ? cmd->msisdn : r->msisdn),
		    SMSC_RUN_EXPECT_S);
		break;
	case SMSC_RUN_WAIT_PDU:
		pdu_want_str(run_cmd(r), want, sizeof(want));
		run_fail(r, SMSC_EXIT_ERROR, "no PDU within %d s (expected %s)",
		    SMSC_RUN_EXPECT_S, want);
		break;
	case SMSC_RUN_WAIT_CLOSE:
		run_fail(r, SMSC_EXIT_ERROR,
		    "the ESME kept connection c%d open for %d s", r->watch_id,
		    SMSC_RUN_EXPECT_S);
		break;
	case SMSC_RUN_WAIT_NEWBIND:
		run_fail(r, SMSC_EXIT_ERROR, "no new bind within %d s",
		    SMSC_RUN_EXPECT_BIND_S);
		break;
	default:
		break;
	}
}

/* --- the server's hooks ------------------------------------------------- */

static void
run_bound_cb(void *arg, int ready)
{
	struct smsc_run *r = arg;

	/* A raw waits for any rx session: a bind that is not "ready" yet
	 * (a receiver before its transmitter) may do for it. */
	if ((r->state == SMSC_RUN_WAIT_BIND && (ready ||
	    smsc_server_rx(r->srv) != 0)) ||
	    r->state == SMSC_RUN_WAIT_NEWBIND)
		run_resume(r);
}

static void
run_lost_cb(void *arg)
{
	struct smsc_run *r = arg;

	if (r->state != SMSC_RUN_DONE)
		log_info("no session to deliver on: waiting for a bind");
}

static void
run_closed_cb(void *arg, int conn_id)
{
	struct smsc_run *r = arg;

	if (r->state == SMSC_RUN_DONE || conn_id != r->watch_id)
		return;
	r->watch_closed = 1;
	if (r->state == SMSC_RUN_WAIT_CLOSE)
		run_resume(r);
}

/*
 * Every PDU from the ESME: those expect_pdu may take are queued. Not
 * queued: submit_sm/data_sm (screens and SMS), binds, enquire_link
 * requests (keep-alive, answered on their own) and the answers to the
 * simulator's own requests (deliver_sm of dial/answer/sms, enquire_link,
 * unbind).
 */
static void
run_pdu_cb(void *arg, int conn_id, const struct smpp_pdu *p, int ours)
{
	struct smsc_run *r = arg;
	struct smsc_run_pdu *e;
	uint32_t id = p->command_id;

	if (r->state == SMSC_RUN_DONE)
		return;
	if (id == SMPP_SUBMIT_SM || id == SMPP_DATA_SM ||
	    id == SMPP_BIND_TRANSMITTER || id == SMPP_BIND_RECEIVER ||
	    id == SMPP_BIND_TRANSCEIVER || id == SMPP_ENQUIRE_LINK || ours)
		return;
	if (r->npdus == SMSC_RUN_QUEUE_MAX) {
		log_warnx("too many PDUs not expected: dropping the oldest");
		memmove(&r->pdus[0], &r->pdus[1],
		    (SMSC_RUN_QUEUE_MAX - 1) * sizeof(r->pdus[0]));
		r->npdus--;
	}
	e = &r->pdus[r->npdus++];
	e->conn = conn_id;
	e->id = id;
	e->status = p->command_status;
	e->seq = p->sequence;
	if (r->state == SMSC_RUN_WAIT_PDU)
		run_resume(r);
}

/*
 * The response to an MO of the run: refused for now (ESME_RTHROTTLED,
 * ESME_RMSGQFUL), the last one is sent again after a pause; any other
 * error is logged (the expect that follows will tell).
 */
static void
run_mo_resp_cb(void *arg, uint32_t tag, uint32_t aux, uint32_t id,
    uint32_t status, long resp_ms)
{
	struct smsc_run *r = arg;
	long ms = SMSC_RUN_MO_PAUSE_MS;
	struct timeval tv;

	(void)aux;
	(void)resp_ms;
	if (r->state == SMSC_RUN_DONE || status == SMPP_ESME_ROK)
		return;
	if (tag != r->mo.tag || id != (SMPP_DELIVER_SM | SMPP_RESP_BIT) ||
	    (status != SMPP_ESME_RTHROTTLED && status != SMPP_ESME_RMSGQFUL) ||
	    r->mo.tries >= SMSC_RUN_MO_TRIES) {
		log_warnx("%s to %s: %s", smpp_pdu_command_str(id),
		    smsc_server_mask(r->mo.msisdn), smpp_pdu_status_str(status));
		return;
	}
	for (int i = 0; i < r->mo.tries && ms < SMSC_RUN_MO_PAUSE_MAX_MS; i++)
		ms *= 2;
	if (ms > SMSC_RUN_MO_PAUSE_MAX_MS)
		ms = SMSC_RUN_MO_PAUSE_MAX_MS;
	r->mo.tries++;
	log_info("MO to %s refused (%s): sent again in %ld ms",
	    smsc_server_mask(r->mo.msisdn), smpp_pdu_status_str(status), ms);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	event_add(r->ev_mo, &tv);
}

/* Queued until an expect takes it (the queue keeps the text). */
static int
run_message_cb(void *arg, struct smsc_msg *m)
{
	struct smsc_run *r = arg;

	if (r->state == SMSC_RUN_DONE)
		return 0;
	if (r->nqueue == SMSC_RUN_QUEUE_MAX) {
		log_warnx("too many messages not expected: dropping the oldest");
		smsc_server_msg_clear(&r->queue[0]);
		memmove(&r->queue[0], &r->queue[1],
		    (SMSC_RUN_QUEUE_MAX - 1) * sizeof(r->queue[0]));
		r->nqueue--;
	}
	r->queue[r->nqueue++] = *m;
	if ((r->state == SMSC_RUN_WAIT_SCREEN && m->op >= 0) ||
	    (r->state == SMSC_RUN_WAIT_SMS && m->op < 0))
		run_resume(r);
	return 1;
}

static void
run_timeout_cb(void *arg)
{
	struct smsc_run *r = arg;
	int timeout_s = smsc_server_cfg(r->srv)->timeout_s;

	if (r->state == SMSC_RUN_DONE)
		return;
	if (r->state == SMSC_RUN_WAIT_BIND && r->si == 0 && r->ci == 0)
		fprintf(stderr, "timeout: no bind within %d s\n", timeout_s);
	else
		run_fail(r, SMSC_EXIT_ERROR, "timeout: the run took over %d s",
		    timeout_s);
	r->state = SMSC_RUN_DONE;
}

/* --- start-up ------------------------------------------------------------- */

struct smsc_run *
smsc_run_new(void)
{
	struct smsc_run *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	smsc_server_msg_clear(&r->screen);
	smsc_server_msg_clear(&r->sms);
	return r;
}

int
smsc_run_add(struct smsc_run *r, const char *path)
{
	struct smsc_script *s;
	char err[256], *text;
	size_t len;

	if (r->nscripts == SMSC_RUN_MAX_SCRIPTS) {
		fprintf(stderr, "more than %d scripts\n", SMSC_RUN_MAX_SCRIPTS);
		return -1;
	}
	if ((text = smsc_file_read(path, SMSC_RUN_FILE_MAX, &len)) == NULL)
		return -1;
	s = smsc_script_parse(text, len, err, sizeof(err));
	free(text);
	if (s == NULL) {
		fprintf(stderr, "%s:%s\n", path, err);
		return -1;
	}
	r->files[r->nscripts] = path;
	r->scripts[r->nscripts++] = s;
	return 0;
}

void
smsc_run_start(struct smsc_run *r, struct smsc_server *srv)
{
	struct smsc_server_hooks h = {
		.bound = run_bound_cb,
		.lost = run_lost_cb,
		.closed = run_closed_cb,
		.pdu = run_pdu_cb,
		.message = run_message_cb,
		.mo_resp = run_mo_resp_cb,
		.timeout = run_timeout_cb,
		.arg = r,
	};

	r->srv = srv;
	r->quiet = smsc_server_cfg(srv)->quiet;
	if ((r->ev_wait = evtimer_new(smsc_server_base(srv), run_wait_cb,
	    r)) == NULL || (r->ev_mo = evtimer_new(smsc_server_base(srv),
	    run_mo_cb, r)) == NULL)
		fatalx("event_new");
	smsc_server_set_hooks(srv, &h);
}

void
smsc_run_free(struct smsc_run *r)
{
	if (r == NULL)
		return;
	for (int i = 0; i < r->nqueue; i++)
		smsc_server_msg_clear(&r->queue[i]);
	smsc_server_msg_clear(&r->screen);
	smsc_server_msg_clear(&r->sms);
	for (int i = 0; i < r->nscripts; i++)
		smsc_script_free(r->scripts[i]);
	if (r->ev_wait)
		event_free(r->ev_wait);
	if (r->ev_mo)
		event_free(r->ev_mo);
	free(r);
}
