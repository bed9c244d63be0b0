/*
 * tnsgw-smsc: the bundled SMSC simulator — the command line and the
 * wiring. An SMPP 3.4 server (smsc_server) that the daemon binds to, with
 * one mode on top: play scenario files (smsc_run), act as a phone in the
 * terminal (smsc_phone), drive many callers and measure them (--load,
 * smsc_callers), or just answer (--serve).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "smsc_callers.h"
#include "smsc_phone.h"
#include "smsc_run.h"
#include "smsc_server.h"
#include "version.h"

enum smsc_mode {
	SMSC_MODE_NONE = 0,
	SMSC_MODE_SCRIPT,
	SMSC_MODE_PHONE,
	SMSC_MODE_SERVE,
	SMSC_MODE_LOAD,
};

/* What the command line says; the modes are built from it. */
static struct smsc_opts {
	enum smsc_mode           mode;
	struct smsc_server_cfg   srv;
	const char              *phone_msisdn;	/* --phone */
	const char              *phone_code;	/* --code */
	struct smsc_callers_cfg  callers;	/* --load and its options */
} opts;

/* The program's parts, once the command line is read. */
static struct {
	struct smsc_server      *srv;
	struct smsc_run         *run;	/* --script: files parsed as they come */
	struct smsc_phone       *phone;
	struct smsc_callers     *callers;
} app;

/* --- the command line ----------------------------------------------- */

static void
usage(void)
{
	printf(
"usage: tnsgw-smsc -l ADDR:PORT [-u SYSTEM_ID -w PASSWORD] [-t TIMEOUT_S] [-q] MODE\n"
"\n"
"An SMPP 3.4 SMSC simulator that the tnsgw daemon binds to.\n"
"\n"
"modes:\n"
"  --script FILE [--script FILE ...]\n"
"        play each scenario in order over the first bound receiver or\n"
"        transceiver session (format: tests/integration/scenarios/README.md).\n"
"        Exit 0 when all pass, 1 on the first mismatch (file:line, what was\n"
"        expected, what came), 2 on usage/IO errors or a timeout. MOs wait\n"
"        for a session that takes screens too (a pair's transmitter); one\n"
"        refused for now (ESME_RTHROTTLED, ESME_RMSGQFUL) goes again\n"
"        0.1..1 s later, 10 times at most.\n"
"  --phone MSISDN [--code '*1515#']\n"
"        interactive phone: dials the code once the daemon has bound, shows\n"
"        each screen, reads the answer from stdin (\"> \"); when the session\n"
"        ends, an empty line dials again, a code (*1515*2#) dials that and\n"
"        'q' quits. EOF quits. Every SMS shows, to this phone or another\n"
"        (case B's code goes to the phone on record); the prompt is drawn\n"
"        again under it.\n"
"  --serve\n"
"        only accept binds and answer, until SIGTERM/SIGINT.\n"
"  --load CALLERS_FILE [--concurrency C] [--rate R] [--duration S]\n"
"         [--retries K] [--think MS] [--redial MS] [--results FILE] [--error-text TEXT ...]\n"
"         [--otp-sms TEXT] [--otp-screen TEXT] [--docs-screen TEXT]\n"
"         [--open-loop] [--window N] [--linger S]\n"
"        many callers at once, one per line of CALLERS_FILE:\n"
"          KIND MSISDN \"DIAL_STRING\" [\"ANSWER\" ...]  (# comments, blank lines ok)\n"
"        KIND a: the first screen ends the session; b: a screen asking for\n"
"        the OTP, answered with the code of the SMS to MSISDN, then a final\n"
"        screen (a first screen that ends, \"already sent\", is done too);\n"
"        c: the category list, answered \"1\", then a screen with\n"
"        --docs-screen [\"%s\"] (paged: the caller hangs up); m: each\n"
"        screen asking answered with the next ANSWER of its line (1 to 16),\n"
"        then a final screen; h: the first screen asking, left unanswered\n"
"        (the session stays open: dialogs held for a memory figure). A step\n"
"        that takes over %d s, an unexpected screen or a lost bind dials\n"
"        again, K times at most [%d], then the caller failed. C callers at\n"
"        once [%d], at most R new dialogs a second [no cap], no new one\n"
"        after S seconds [none]; waits for the daemon to bind again (-t).\n"
"        --think: before each answer the caller reads for 0..MS ms [0].\n"
"        --redial: after a wrong screen or none, dials again MS ms later\n"
"        [0: at once].\n"
"        --linger: after the figures, answer S seconds more (the SMS the\n"
"        gateway still sends, e.g. receipts) before the exit [0].\n"
"        Prints callers done/retried/failed, dialogs/s and latency\n"
"        percentiles (dial -> final screen, MO -> next screen); --results\n"
"        writes \"MSISDN<TAB>KIND<TAB>done|failed|not_started<TAB>RETRIES\".\n"
"        A screen containing an --error-text (default: the French service\n"
"        error, locked, mismatch, expired, void code texts) is never a\n"
"        success; an SMS with --otp-sms [\"%s\"] carries the OTP (its first\n"
"        4-10 digits), a screen with --otp-screen [\"%s\"] asks for it.\n"
"        Exit 0 every caller done, 1 some failed or not started, 2 error.\n"
"        An MO answered with an error (ESME_RTHROTTLED ...) is a retry\n"
"        100 ms later.\n"
"        --open-loop (needs --rate): dial R callers a second whatever the\n"
"        answers (no concurrency cap); an MO refused or unanswered is\n"
"        counted, not retried. --window N: at most N deliver_sm without\n"
"        their deliver_sm_resp before a new dial waits [no cap; 1..%d].\n"
"        Then, apart: MOs sent, answered ESME_ROK, ESME_RTHROTTLED, other\n"
"        statuses, no response; MOs answered ESME_ROK whose screen did not\n"
"        come within the step (acked unanswered); screens answered per\n"
"        second; deliver_sm_resp latency; and one line \"overload sent=N\n"
"        ok=N throttled=N other=N no_resp=N acked_unanswered=N answered=N\n"
"        answered_per_s=X sent_per_s=X mode=open|closed\". Open loop exits\n"
"        0 when every MO got ESME_ROK or ESME_RTHROTTLED and every\n"
"        ESME_ROK its screen.\n"
"\n"
"options:\n"
"  -l, --listen ADDR:PORT  address to listen on (e.g. 127.0.0.1:2775)\n"
"  -u, --system-id ID      refuse binds with another system_id (ESME_RINVSYSID)\n"
"  -w, --password PW       refuse binds with another password (ESME_RINVPASWD)\n"
"  -t, --timeout S         --script: whole run; --phone: wait for the bind;\n"
"                          --load: wait for the first bind and each rebind [30]\n"
"                          (each expect waits at most %d s)\n"
"  -q, --quiet             no screen log (the phone still shows its screens)\n"
"  -v, --verbose           also log every PDU (addresses masked, bodies as lengths)\n"
"      --sms-log FILE      append every SMS received (not USSD screens) to FILE,\n"
"                          one line each: MSISDN, a tab, the text (\\n escaped)\n"
"      --resp-delay MS     answer each plain SMS's submit_sm after 0..MS ms, as a\n"
"                          busy SMSC (the SMS is taken at once; screens: no delay)\n"
"      --dlr MODE          delivery receipts for messages sent with\n"
"                          registered_delivery bit 0, as a deliver_sm (esm_class\n"
"                          0x04) on the receiver/transceiver session: none [default];\n"
"                          text (SMPP 3.4 appendix B \"id:N ... stat:...\");\n"
"                          tlv (receipted_message_id + message_state, no text);\n"
"                          hex (message ids answered in hex, \"1a2f\", while the\n"
"                          receipt text says the same number in decimal)\n"
"      --dlr-stat STAT     the receipts' state: DELIVRD [default], UNDELIV,\n"
"                          EXPIRED, DELETED, ACCEPTD, REJECTD, UNKNOWN, ENROUTE\n"
"      --dlr-delay MS      send each receipt MS ms after the message's response [0];\n"
"                          those still waiting when a run ends go out at once\n"
"      --msgid-start N     message ids count from N [1]\n"
"      --dialect NAME      the USSD dialect of MOs and screens [ussd_service_op]:\n"
"                          ussd_service_op (0x0501: 0x01 begin, 0x12 continue,\n"
"                          0x81 abort; screens 0x02 wait, 0x11 end);\n"
"                          its_session_info (the same, plus 0x1383: a session\n"
"                          number per dial, sequence << 1 | end bit);\n"
"                          its_session_info_only (0x1383 alone: sequence 0\n"
"                          begins, the end bit aborts / ends the screen);\n"
"                          user_message_reference (0x0501 plus 0x0204, one per\n"
"                          dial); msisdn (0x0501 only). A screen must echo\n"
"                          the caller's current session TLV and no other; a\n"
"                          wrong echo is logged and the exit status is 1\n"
"      --throttle-screens  answer the first submit of every screen with\n"
"                          ESME_RTHROTTLED, take it when the same text comes\n"
"                          again to the same caller; counts printed at the end\n"
"      --mo-spread         send each MO on the next bound receiver in turn\n"
"                          (several ESMEs bound: a dialog's successive MOs\n"
"                          reach different ones) [first bound receiver]\n"
"      --mo-twice          send each MO on every bound receiver at once (an\n"
"                          operator redelivering on both binds); --load then\n"
"                          waits for a screen per copy, counts copies whose\n"
"                          screens differ, and goes on with the first\n"
"  -V, --version           print the version and exit\n"
"  -h, --help              this text\n",
	    SMSC_CALLER_DOCS_SCREEN, SMSC_CALLER_STEP_MS / 1000, SMSC_CALLER_RETRIES,
	    SMSC_CALLERS_CONC_DEF,
	    SMSC_CALLER_OTP_SMS, SMSC_CALLER_OTP_SCREEN, SMSC_CALLERS_WINDOW_MAX,
	    SMSC_RUN_EXPECT_S);
}

/* The options that need more than a store: each checks its argument. */

static int
opt_help(const char *arg)
{
	(void)arg;
	usage();
	exit(0);
}

static int
opt_version(const char *arg)
{
	(void)arg;
	version_print(stdout, "tnsgw-smsc");
	exit(0);
}

static int
opt_script(const char *arg)
{
	if (app.run == NULL && (app.run = smsc_run_new()) == NULL)
		fatal("smsc_run_new");
	return smsc_run_add(app.run, arg);
}

static int
opt_phone(const char *arg)
{
	size_t n = strlen(arg);

	if (n == 0 || n > SMSC_SCRIPT_ADDR_MAX ||
	    strspn(arg, "0123456789") != n) {
		fprintf(stderr, "--phone: MSISDN of 1..%d digits\n",
		    SMSC_SCRIPT_ADDR_MAX);
		return -1;
	}
	opts.phone_msisdn = arg;
	return 0;
}

static int
opt_sms_log(const char *arg)
{
	if ((opts.srv.sms_log = fopen(arg, "a")) == NULL) {
		fprintf(stderr, "%s: %s\n", arg, strerror(errno));
		return -1;
	}
	return 0;
}

static int
opt_rate(const char *arg)
{
	char *end;
	double r;

	errno = 0;
	r = strtod(arg, &end);
	if (errno || *end || end == arg || !(r > 0) || r > 1e6) {
		fprintf(stderr, "--rate: dialogs a second, "
		    "over 0, at most 1000000\n");
		return -1;
	}
	opts.callers.rate = r;
	return 0;
}

static int
opt_dialect(const char *arg)
{
	if (smsc_dialect_parse(arg, &opts.srv.dialect) == -1) {
		fprintf(stderr, "--dialect: ussd_service_op, its_session_info, "
		    "its_session_info_only, user_message_reference or msisdn\n");
		return -1;
	}
	return 0;
}

static int
opt_error_text(const char *arg)
{
	if (opts.callers.nerrors == SMSC_CALLERS_ERRORS_MAX || arg[0] == '\0') {
		fprintf(stderr, "--error-text: %d non-empty texts at most\n",
		    SMSC_CALLERS_ERRORS_MAX);
		return -1;
	}
	opts.callers.errors[opts.callers.nerrors++] = arg;
	return 0;
}

static int
opt_dlr(const char *arg)
{
	if (smsc_dlr_mode_parse(arg, &opts.srv.dlr_mode) == -1) {
		fprintf(stderr, "--dlr: none, text, tlv or hex\n");
		return -1;
	}
	return 0;
}

static int
opt_dlr_stat(const char *arg)
{
	if (smsc_dlr_stat_state(arg) < 0) {
		fprintf(stderr, "--dlr-stat: DELIVRD, UNDELIV, EXPIRED, "
		    "DELETED, ACCEPTD, REJECTD, UNKNOWN or ENROUTE\n");
		return -1;
	}
	opts.srv.dlr_stat = arg;
	return 0;
}

static int
opt_msgid_start(const char *arg)
{
	unsigned long long u;
	char *end;

	errno = 0;
	u = strtoull(arg, &end, 10);
	if (errno || *end || end == arg || arg[0] == '-' || u < 1 ||
	    u > (1ULL << 62)) {
		fprintf(stderr, "--msgid-start: 1..%llu\n", 1ULL << 62);
		return -1;
	}
	opts.srv.msgid_start = u;
	return 0;
}

enum smsc_opt_type {
	SMSC_OPT_FLAG,	/* no argument: *num = 1 (num may be NULL) */
	SMSC_OPT_STR,	/* *str = the argument */
	SMSC_OPT_INT,	/* *num = the argument, a decimal in lo..hi */
	SMSC_OPT_FN,	/* fn checks and stores the argument */
	SMSC_OPT_CALL,	/* no argument: fn(NULL) */
};

/* One option; the getopt_long tables are built from these. */
struct smsc_opt {
	const char          *name;
	int                  chr;	/* its short form, or 0 */
	enum smsc_opt_type   type;
	enum smsc_mode       mode;	/* the mode it selects, if any */
	int                 *num;	/* FLAG, INT */
	const char         **str;	/* STR */
	long                 lo, hi;	/* INT */
	const char          *unit;	/* INT: after the range in the error */
	int                (*fn)(const char *);	/* FN, CALL: 0, or -1 */
};

/* In the order getopt_long's abbreviations have always known. */
static const struct smsc_opt smsc_opts[] = {
	{ "listen", 'l', SMSC_OPT_STR, .str = &opts.srv.listen },
	{ "system-id", 'u', SMSC_OPT_STR, .str = &opts.srv.system_id },
	{ "password", 'w', SMSC_OPT_STR, .str = &opts.srv.password },
	{ "timeout", 't', SMSC_OPT_INT, .num = &opts.srv.timeout_s,
	    .lo = 1, .hi = 86400, .unit = " seconds" },
	{ "quiet", 'q', SMSC_OPT_FLAG, .num = &opts.srv.quiet },
	{ "verbose", 'v', SMSC_OPT_FLAG, .num = &opts.srv.verbose },
	{ "help", 'h', SMSC_OPT_CALL, .fn = opt_help },
	{ "version", 'V', SMSC_OPT_CALL, .fn = opt_version },
	{ "script", 0, SMSC_OPT_FN, .mode = SMSC_MODE_SCRIPT,
	    .fn = opt_script },
	{ "phone", 0, SMSC_OPT_FN, .mode = SMSC_MODE_PHONE, .fn = opt_phone },
	{ "code", 0, SMSC_OPT_STR, .str = &opts.phone_code },
	{ "serve", 0, SMSC_OPT_FLAG, .mode = SMSC_MODE_SERVE },
	{ "sms-log", 0, SMSC_OPT_FN, .fn = opt_sms_log },
	{ "load", 0, SMSC_OPT_STR, .mode = SMSC_MODE_LOAD,
	    .str = &opts.callers.path },
	{ "concurrency", 0, SMSC_OPT_INT, .num = &opts.callers.concurrency,
	    .lo = 1, .hi = SMSC_CALLERS_CONC_MAX },
	{ "rate", 0, SMSC_OPT_FN, .fn = opt_rate },
	{ "duration", 0, SMSC_OPT_INT, .num = &opts.callers.duration_s,
	    .lo = 1, .hi = 86400 },
	{ "retries", 0, SMSC_OPT_INT, .num = &opts.callers.caller.retries,
	    .lo = 0, .hi = 1000 },
	{ "results", 0, SMSC_OPT_STR, .str = &opts.callers.results },
	{ "error-text", 0, SMSC_OPT_FN, .fn = opt_error_text },
	{ "otp-sms", 0, SMSC_OPT_STR, .str = &opts.callers.caller.otp_sms },
	{ "otp-screen", 0, SMSC_OPT_STR,
	    .str = &opts.callers.caller.otp_screen },
	{ "docs-screen", 0, SMSC_OPT_STR,
	    .str = &opts.callers.caller.docs_screen },
	{ "think", 0, SMSC_OPT_INT, .num = &opts.callers.caller.think_ms,
	    .lo = 0, .hi = 60000 },
	{ "redial", 0, SMSC_OPT_INT, .num = &opts.callers.caller.redial_ms,
	    .lo = 0, .hi = 60000 },
	{ "resp-delay", 0, SMSC_OPT_INT, .num = &opts.srv.resp_delay_ms,
	    .lo = 0, .hi = 30000 },
	{ "dlr", 0, SMSC_OPT_FN, .fn = opt_dlr },
	{ "dlr-stat", 0, SMSC_OPT_FN, .fn = opt_dlr_stat },
	{ "dlr-delay", 0, SMSC_OPT_INT, .num = &opts.srv.dlr_delay_ms,
	    .lo = 0, .hi = 600000, .unit = " ms" },
	{ "msgid-start", 0, SMSC_OPT_FN, .fn = opt_msgid_start },
	{ "dialect", 0, SMSC_OPT_FN, .fn = opt_dialect },
	{ "throttle-screens", 0, SMSC_OPT_FLAG,
	    .num = &opts.srv.throttle_screens },
	{ "mo-spread", 0, SMSC_OPT_FLAG, .num = &opts.srv.mo_spread },
	{ "mo-twice", 0, SMSC_OPT_FLAG, .num = &opts.srv.mo_twice },
	{ "open-loop", 0, SMSC_OPT_FLAG, .num = &opts.callers.open_loop },
	{ "window", 0, SMSC_OPT_INT, .num = &opts.callers.window,
	    .lo = 1, .hi = SMSC_CALLERS_WINDOW_MAX },
	{ "linger", 0, SMSC_OPT_INT, .num = &opts.callers.linger_s,
	    .lo = 0, .hi = 3600, .unit = " seconds" },
};

#define SMSC_NOPTS ((int)(sizeof(smsc_opts) / sizeof(smsc_opts[0])))
/* getopt_long's value for smsc_opts[i] without a short form. */
#define SMSC_OPT_LONG	256	/* + i */

/* The getopt_long tables built from smsc_opts. */
static void
opt_tables(struct option *lopts, char *shorts)
{
	for (int i = 0; i < SMSC_NOPTS; i++) {
		const struct smsc_opt *o = &smsc_opts[i];
		int arg = o->type != SMSC_OPT_FLAG && o->type != SMSC_OPT_CALL;

		lopts[i].name = o->name;
		lopts[i].has_arg = arg ? required_argument : no_argument;
		lopts[i].flag = NULL;
		lopts[i].val = o->chr ? o->chr : SMSC_OPT_LONG + i;
		if (o->chr) {
			*shorts++ = (char)o->chr;
			if (arg)
				*shorts++ = ':';
		}
	}
	memset(&lopts[SMSC_NOPTS], 0, sizeof(lopts[0]));
	*shorts = '\0';
}

/* The option getopt_long returned, or NULL for its '?'. */
static const struct smsc_opt *
opt_find(int ch)
{
	if (ch >= SMSC_OPT_LONG && ch < SMSC_OPT_LONG + SMSC_NOPTS)
		return &smsc_opts[ch - SMSC_OPT_LONG];
	for (int i = 0; i < SMSC_NOPTS; i++)
		if (smsc_opts[i].chr != 0 && smsc_opts[i].chr == ch)
			return &smsc_opts[i];
	return NULL;
}

static int
opt_set(const struct smsc_opt *o, const char *arg)
{
	char *end;
	long v;

	switch (o->type) {
	case SMSC_OPT_FLAG:
		if (o->num)
			*o->num = 1;
		return 0;
	case SMSC_OPT_STR:
		*o->str = arg;
		return 0;
	case SMSC_OPT_INT:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || end == arg || v < o->lo || v > o->hi) {
			if (o->chr)
				fprintf(stderr, "-%c: %ld..%ld%s\n", o->chr,
				    o->lo, o->hi, o->unit ? o->unit : "");
			else
				fprintf(stderr, "--%s: %ld..%ld%s\n", o->name,
				    o->lo, o->hi, o->unit ? o->unit : "");
			return -1;
		}
		*o->num = (int)v;
		return 0;
	case SMSC_OPT_FN:
	case SMSC_OPT_CALL:
		return o->fn(arg);
	}
	return -1;
}

/* After the options: what they say together; the mode's start-up. */
static int
opts_check(int argc, char **argv)
{
	if (optind != argc) {
		fprintf(stderr, "unexpected argument: %s\n", argv[optind]);
		return -1;
	}
	if (opts.mode == SMSC_MODE_NONE || opts.srv.listen == NULL) {
		fprintf(stderr, "need -l ADDR:PORT and a mode\n");
		return -1;
	}
	if (opts.mode == SMSC_MODE_LOAD &&
	    (app.callers = smsc_callers_new(&opts.callers)) == NULL)
		return -1;
	if (opts.mode == SMSC_MODE_PHONE && (app.phone =
	    smsc_phone_new(opts.phone_msisdn, opts.phone_code)) == NULL) {
		fprintf(stderr, "--code: not a dial string: %s\n",
		    opts.phone_code);
		return -1;
	}
	return 0;
}

static int
parse_args(int argc, char **argv)
{
	struct option lopts[SMSC_NOPTS + 1];
	char shorts[2 * SMSC_NOPTS + 1];
	const struct smsc_opt *o;
	int ch;

	opts.srv.timeout_s = 30;
	opts.srv.dlr_stat = "DELIVRD";
	opts.srv.msgid_start = 1;
	opts.phone_code = "*1515#";
	smsc_callers_cfg_init(&opts.callers);
	opt_tables(lopts, shorts);
	while ((ch = getopt_long(argc, argv, shorts, lopts, NULL)) != -1) {
		if ((o = opt_find(ch)) == NULL || opt_set(o, optarg) == -1)
			return -1;
		if (o->mode == SMSC_MODE_NONE)
			continue;
		if (opts.mode != SMSC_MODE_NONE && opts.mode != o->mode) {
			fprintf(stderr, "one mode only\n");
			return -1;
		}
		opts.mode = o->mode;
	}
	return opts_check(argc, argv);
}

/* --- the loop --------------------------------------------------------- */

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	(void)arg;
	log_info("signal %d: exiting", (int)sig);
	if (app.callers)
		smsc_callers_interrupt(app.callers);
	smsc_server_finish(app.srv, opts.mode == SMSC_MODE_SCRIPT ||
	    opts.mode == SMSC_MODE_LOAD ? SMSC_EXIT_ERROR : 0);
}

int
main(int argc, char **argv)
{
	struct event_config *cfg;
	struct event_base *base;
	struct event *ev_sigint, *ev_sigterm;
	int status;

	log_init(LOG_LVL_INFO);
	if (parse_args(argc, argv) == -1) {
		fprintf(stderr, "usage: tnsgw-smsc -l ADDR:PORT [-u ID -w PW] "
		    "[-t S] [-q] [-v] --script FILE... | --phone MSISDN | --serve "
		    "| --load CALLERS_FILE (see --help)\n");
		return SMSC_EXIT_ERROR;
	}
	if (opts.srv.quiet)
		log_init(LOG_LVL_WARNING);
	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());

	/* epoll refuses regular files, and the phone may read one as stdin. */
	if ((cfg = event_config_new()) == NULL)
		fatalx("event_config_new");
	if (opts.mode == SMSC_MODE_PHONE)
		event_config_avoid_method(cfg, "epoll");
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (base == NULL)
		fatalx("event_base_new");

	/* The phone and the load driver show messages their own way. */
	opts.srv.show = opts.mode == SMSC_MODE_SCRIPT || opts.mode == SMSC_MODE_SERVE;
	if ((app.srv = smsc_server_new(base, &opts.srv)) == NULL)
		return SMSC_EXIT_ERROR;
	if (app.run)
		smsc_run_start(app.run, app.srv);
	if (app.phone)
		smsc_phone_start(app.phone, app.srv);
	if (app.callers)
		smsc_callers_start(app.callers, app.srv);
	ev_sigint = evsignal_new(base, SIGINT, signal_cb, NULL);
	ev_sigterm = evsignal_new(base, SIGTERM, signal_cb, NULL);
	if (ev_sigint == NULL || ev_sigterm == NULL)
		fatalx("event_new");
	evsignal_add(ev_sigint, NULL);
	evsignal_add(ev_sigterm, NULL);
	if (opts.mode != SMSC_MODE_SERVE)
		smsc_server_deadline(app.srv, 1);
	fflush(stdout);

	event_base_dispatch(base);

	smsc_server_report(app.srv);
	status = smsc_server_exit_status(app.srv);
	smsc_run_free(app.run);
	smsc_phone_free(app.phone);
	smsc_callers_free(app.callers);
	smsc_server_free(app.srv);
	event_free(ev_sigint);
	event_free(ev_sigterm);
	event_base_free(base);
	if (opts.srv.sms_log)
		fclose(opts.srv.sms_log);
	fflush(stdout);
	return status;
}
