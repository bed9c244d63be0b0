/*
 * smsc_phone: one phone in the terminal, as a small state machine over the
 * server's hooks (bound, lost, message), a screen timer and stdin, which is
 * read in whole lines (typed ahead: kept for the next prompt).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "smsc_phone.h"

enum smsc_phone_state {
	SMSC_PHONE_WAIT_BIND = 0,
	SMSC_PHONE_WAIT_SCREEN,
	SMSC_PHONE_INPUT,	/* "> " shown, reading the answer */
	SMSC_PHONE_AGAIN,	/* session over: dial again or quit */
	SMSC_PHONE_DONE,
};

struct smsc_phone {
	struct smsc_server    *srv;
	int                    quiet;
	char                   msisdn[SMSC_SCRIPT_ADDR_MAX + 1];
	char                   code[SMSC_PHONE_CODE_MAX + 1];
	char                   service[SMSC_SCRIPT_ADDR_MAX + 1];

	enum smsc_phone_state  state;
	int                    dialled;
	struct event          *ev_stdin;
	struct event          *ev_wait;
	char                   line[SMSC_PHONE_LINE_MAX];
	size_t                 len;
	int                    skipping;	/* inside an over-long line */
	int                    eof;
};

static void phone_input(struct smsc_phone *);

static void
phone_prompt(const char *prompt)
{
	fputs(prompt, stdout);
	fflush(stdout);
}

static void
phone_dial(struct smsc_phone *p)
{
	struct timeval tv = { SMSC_PHONE_WAIT_S, 0 };

	printf("Calling %s ...\n", p->code);
	fflush(stdout);
	if (smsc_server_send_mo(p->srv, p->msisdn, p->service,
	    SMPP_USSD_PSSR_IND, p->code) == -1) {
		printf("(no network)\n");
		p->state = SMSC_PHONE_WAIT_BIND;
		return;
	}
	p->dialled = 1;
	p->state = SMSC_PHONE_WAIT_SCREEN;
	event_add(p->ev_wait, &tv);
}

#define PHONE_AGAIN_PROMPT "[Enter] dial again, a code (*1515*2#) dials it, [q] quit: "

static void
phone_again(struct smsc_phone *p)
{
	p->state = SMSC_PHONE_AGAIN;
	phone_prompt(PHONE_AGAIN_PROMPT);
	phone_input(p);
}

/* A USSD code typed at the "dial again" prompt: *...# of the characters
 * a keypad has. It becomes the code dialled from now on. */
static int
phone_set_code(struct smsc_phone *p, const char *line)
{
	char service[sizeof(p->service)];
	size_t n = strlen(line);

	if (n < 2 || n > SMSC_PHONE_CODE_MAX || line[0] != '*' ||
	    line[n - 1] != '#' || strspn(line, "0123456789*#") != n ||
	    smsc_script_service(line, service, sizeof(service)) == -1)
		return -1;
	memcpy(p->code, line, n + 1);
	memcpy(p->service, service, sizeof(service));
	return 0;
}

static void
phone_wait_cb(evutil_socket_t fd, short what, void *arg)
{
	struct smsc_phone *p = arg;

	(void)fd;
	(void)what;
	if (p->state != SMSC_PHONE_WAIT_SCREEN)
		return;
	printf("(no answer from the network within %d s)\n",
	    SMSC_PHONE_WAIT_S);
	phone_again(p);
}

/* A whole line typed while a prompt is up. */
static void
phone_line(struct smsc_phone *p, const char *line)
{
	if (!isatty(STDIN_FILENO)) {
		printf("%s\n", line);
		fflush(stdout);
	}
	if (p->state == SMSC_PHONE_INPUT) {
		struct timeval tv = { SMSC_PHONE_WAIT_S, 0 };

		if (smsc_server_send_mo(p->srv, p->msisdn, p->service,
		    SMPP_USSD_USSR_CONF, line) == -1) {
			printf("(cannot send that)\n");
			phone_again(p);
			return;
		}
		p->state = SMSC_PHONE_WAIT_SCREEN;
		event_add(p->ev_wait, &tv);
	} else if (p->state == SMSC_PHONE_AGAIN) {
		if (line[0] == 'q' || line[0] == 'Q') {
			p->state = SMSC_PHONE_DONE;
			smsc_server_finish(p->srv, 0);
		} else if (line[0] != '\0' && phone_set_code(p, line) == -1) {
			printf("(not a USSD code: *...# of digits)\n");
			phone_again(p);
		} else
			phone_dial(p);
	}
}

/*
 * Serve the prompt from what is already read, else wait for stdin. Lines
 * typed ahead stay in the buffer for the next prompt.
 */
static void
phone_input(struct smsc_phone *p)
{
	char line[SMSC_PHONE_LINE_MAX];
	char *nl;
	size_t n;

	if (p->state != SMSC_PHONE_INPUT && p->state != SMSC_PHONE_AGAIN) {
		event_del(p->ev_stdin);
		return;
	}
	if ((nl = memchr(p->line, '\n', p->len)) != NULL) {
		n = (size_t)(nl - p->line);
		memcpy(line, p->line, n);
		line[n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		p->len -= n + 1;
		memmove(p->line, nl + 1, p->len);
		event_del(p->ev_stdin);
		phone_line(p, line);
		return;
	}
	if (p->eof) {
		printf("\n");
		p->state = SMSC_PHONE_DONE;
		smsc_server_finish(p->srv, 0);
		return;
	}
	event_add(p->ev_stdin, NULL);
}

static void
phone_stdin_cb(evutil_socket_t fd, short what, void *arg)
{
	struct smsc_phone *p = arg;
	ssize_t n;

	(void)what;
	if (p->len == sizeof(p->line)) {
		/* Over-long line: keep its start, drop the rest. */
		p->line[sizeof(p->line) - 1] = '\n';
		p->skipping = 1;
		phone_input(p);
		return;
	}
	n = read(fd, p->line + p->len, sizeof(p->line) - p->len);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		n = 0;
	}
	if (n == 0) {
		p->eof = 1;
		event_del(p->ev_stdin);
		if (p->len > 0 && memchr(p->line, '\n', p->len) == NULL)
			p->line[p->len++] = '\n';
		phone_input(p);
		return;
	}
	if (p->skipping) {
		char *nl = memchr(p->line + p->len, '\n', (size_t)n);

		if (nl == NULL)
			return;
		p->skipping = 0;
		n -= nl + 1 - (p->line + p->len);
		memmove(p->line + p->len, nl + 1, (size_t)n);
	}
	p->len += (size_t)n;
	phone_input(p);
}

/* --- the server's hooks ------------------------------------------------- */

static void
phone_bound_cb(void *arg, int ready)
{
	struct smsc_phone *p = arg;

	if (!ready || p->state != SMSC_PHONE_WAIT_BIND)
		return;
	smsc_server_deadline(p->srv, 0);
	if (!p->dialled)
		phone_dial(p);
	else {
		printf("(network back)\n");
		phone_again(p);
	}
}

static void
phone_lost_cb(void *arg)
{
	struct smsc_phone *p = arg;

	event_del(p->ev_wait);
	event_del(p->ev_stdin);
	printf("\n(network lost: waiting for the gateway to bind again)\n");
	fflush(stdout);
	p->state = SMSC_PHONE_WAIT_BIND;
}

static int
phone_message_cb(void *arg, struct smsc_msg *m)
{
	struct smsc_phone *p = arg;

	if (m->op < 0) {
		/* An SMS shows whoever it is for: case B's code goes to the
		 * phone on record, which need not be the one dialling. */
		char title[64];

		if (strcmp(m->to, p->msisdn) == 0)
			snprintf(title, sizeof(title), "SMS");
		else
			snprintf(title, sizeof(title), "SMS to %s", m->to);
		if (p->state == SMSC_PHONE_INPUT || p->state == SMSC_PHONE_AGAIN)
			printf("\n");
		smsc_server_show_box(m->text, title);
		/* The prompt the SMS pushed up, drawn again below it. */
		if (p->state == SMSC_PHONE_INPUT)
			phone_prompt("> ");
		else if (p->state == SMSC_PHONE_AGAIN)
			phone_prompt(PHONE_AGAIN_PROMPT);
		return 0;
	}
	if (strcmp(m->to, p->msisdn) != 0) {
		if (!p->quiet)
			smsc_server_show_box(m->text, "USSD (other)");
		return 0;
	}
	if (p->state != SMSC_PHONE_WAIT_SCREEN) {
		smsc_server_show_box(m->text, "USSD (late)");
		return 0;
	}
	event_del(p->ev_wait);
	smsc_server_show_box(m->text, "USSD");
	if (m->op == SMPP_USSD_USSR_REQ) {
		p->state = SMSC_PHONE_INPUT;
		phone_prompt("> ");
		phone_input(p);
	} else {
		printf("(session ended)\n");
		phone_again(p);
	}
	return 0;
}

static void
phone_timeout_cb(void *arg)
{
	struct smsc_phone *p = arg;

	fprintf(stderr, "timeout: no bind within %d s\n",
	    smsc_server_cfg(p->srv)->timeout_s);
}

/* --- start-up ------------------------------------------------------------- */

struct smsc_phone *
smsc_phone_new(const char *msisdn, const char *code)
{
	struct smsc_phone *p;
	size_t n = strlen(msisdn);

	if (n == 0 || n > SMSC_SCRIPT_ADDR_MAX ||
	    strspn(msisdn, "0123456789") != n ||
	    strlen(code) > SMSC_PHONE_CODE_MAX)
		return NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		fatal("calloc");
	if (smsc_script_service(code, p->service, sizeof(p->service)) == -1) {
		free(p);
		return NULL;
	}
	memcpy(p->msisdn, msisdn, n + 1);
	snprintf(p->code, sizeof(p->code), "%s", code);
	return p;
}

void
smsc_phone_start(struct smsc_phone *p, struct smsc_server *srv)
{
	struct smsc_server_hooks h = {
		.bound = phone_bound_cb,
		.lost = phone_lost_cb,
		.message = phone_message_cb,
		.timeout = phone_timeout_cb,
		.arg = p,
	};
	struct event_base *base = smsc_server_base(srv);

	p->srv = srv;
	p->quiet = smsc_server_cfg(srv)->quiet;
	p->ev_wait = evtimer_new(base, phone_wait_cb, p);
	p->ev_stdin = event_new(base, STDIN_FILENO, EV_READ | EV_PERSIST,
	    phone_stdin_cb, p);
	if (p->ev_wait == NULL || p->ev_stdin == NULL)
		fatalx("event_new");
	smsc_server_set_hooks(srv, &h);
	printf("Phone %s: waiting for the gateway to bind on %s\n", p->msisdn,
	    smsc_server_cfg(srv)->listen);
	fflush(stdout);
}

void
smsc_phone_free(struct smsc_phone *p)
{
	if (p == NULL)
		return;
	if (p->ev_wait)
		event_free(p->ev_wait);
	if (p->ev_stdin)
		event_free(p->ev_stdin);
	free(p);
}
