/*
 * smsc_script: parser for the simulator's scenario files — one command per
 * line, bare words and "quoted strings" with \" \\ \n \t escapes, '#'
 * comments — into struct smsc_script, plus the pure screen checks. Hard
 * caps on lines, tokens, strings and commands; outside text is never trusted.
 */
#include "smsc_script.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

#define SMSC_MAX_TOKS (SMSC_SCRIPT_MAX_ARGS + 3)

struct smsc_tok {
	int   quoted;
	char *s;
};

static const struct {
	const char         *name;
	enum smsc_cmd_type  type;
} smsc_cmds[] = {
	{ "dial",	SMSC_CMD_DIAL },
	{ "answer",	SMSC_CMD_ANSWER },
	{ "answer_otp",	SMSC_CMD_ANSWER_OTP },
	{ "sms",	SMSC_CMD_SMS },
	{ "expect",	SMSC_CMD_EXPECT },
	{ "expect_sms",	SMSC_CMD_EXPECT_SMS },
	{ "expect_not",	SMSC_CMD_EXPECT_NOT },
	{ "continues",	SMSC_CMD_CONTINUES },
	{ "ends",	SMSC_CMD_ENDS },
	{ "abort",	SMSC_CMD_ABORT },
	{ "sleep",	SMSC_CMD_SLEEP },
	{ "quit",	SMSC_CMD_QUIT },
	{ "print",	SMSC_CMD_PRINT },
	{ "raw",	SMSC_CMD_RAW },
	{ "expect_pdu",	SMSC_CMD_EXPECT_PDU },
	{ "expect_close", SMSC_CMD_EXPECT_CLOSE },
	{ "expect_bind", SMSC_CMD_EXPECT_BIND },
};

/* SMPP 3.4 §5.1.2.1 command ids (requests; "_resp" adds 0x80000000). */
static const struct {
	const char *name;
	uint32_t    id;
} smsc_pdu_names[] = {
	{ "generic_nack",	0x80000000u },
	{ "bind_receiver",	0x00000001u },
	{ "bind_transmitter",	0x00000002u },
	{ "query_sm",		0x00000003u },
	{ "submit_sm",		0x00000004u },
	{ "deliver_sm",		0x00000005u },
	{ "unbind",		0x00000006u },
	{ "replace_sm",		0x00000007u },
	{ "cancel_sm",		0x00000008u },
	{ "bind_transceiver",	0x00000009u },
	{ "outbind",		0x0000000Bu },
	{ "enquire_link",	0x00000015u },
	{ "submit_multi",	0x00000021u },
	{ "alert_notification",	0x00000102u },
	{ "data_sm",		0x00000103u },
};

/* SMPP 3.4 §5.1.3 command_status values. */
static const struct {
	const char *name;
	uint32_t    status;
} smsc_status_names[] = {
	{ "ESME_ROK",		0x00 },	{ "ESME_RINVMSGLEN",	0x01 },
	{ "ESME_RINVCMDLEN",	0x02 },	{ "ESME_RINVCMDID",	0x03 },
	{ "ESME_RINVBNDSTS",	0x04 },	{ "ESME_RALYBND",	0x05 },
	{ "ESME_RINVPRTFLG",	0x06 },	{ "ESME_RINVREGDLVFLG",	0x07 },
	{ "ESME_RSYSERR",	0x08 },	{ "ESME_RINVSRCADR",	0x0A },
	{ "ESME_RINVDSTADR",	0x0B },	{ "ESME_RINVMSGID",	0x0C },
	{ "ESME_RBINDFAIL",	0x0D },	{ "ESME_RINVPASWD",	0x0E },
	{ "ESME_RINVSYSID",	0x0F },	{ "ESME_RCANCELFAIL",	0x11 },
	{ "ESME_RREPLACEFAIL",	0x13 },	{ "ESME_RMSGQFUL",	0x14 },
	{ "ESME_RINVSERTYP",	0x15 },	{ "ESME_RINVNUMDESTS",	0x33 },
	{ "ESME_RINVDLNAME",	0x34 },	{ "ESME_RINVDESTFLAG",	0x40 },
	{ "ESME_RINVSUBREP",	0x42 },	{ "ESME_RINVESMCLASS",	0x43 },
	{ "ESME_RCNTSUBDL",	0x44 },	{ "ESME_RSUBMITFAIL",	0x45 },
	{ "ESME_RINVSRCTON",	0x48 },	{ "ESME_RINVSRCNPI",	0x49 },
	{ "ESME_RINVDSTTON",	0x50 },	{ "ESME_RINVDSTNPI",	0x51 },
	{ "ESME_RINVSYSTYP",	0x53 },	{ "ESME_RINVREPFLAG",	0x54 },
	{ "ESME_RINVNUMMSGS",	0x55 },	{ "ESME_RTHROTTLED",	0x58 },
	{ "ESME_RINVSCHED",	0x61 },	{ "ESME_RINVEXPIRY",	0x62 },
	{ "ESME_RINVDFTMSGID",	0x63 },	{ "ESME_RX_T_APPN",	0x64 },
	{ "ESME_RX_P_APPN",	0x65 },	{ "ESME_RX_R_APPN",	0x66 },
	{ "ESME_RQUERYFAIL",	0x67 },	{ "ESME_RINVOPTPARSTREAM", 0xC0 },
	{ "ESME_ROPTPARNOTALLWD", 0xC1 }, { "ESME_RINVPARLEN",	0xC2 },
	{ "ESME_RMISSINGOPTPARAM", 0xC3 }, { "ESME_RINVOPTPARAMVAL", 0xC4 },
	{ "ESME_RDELIVERYFAILURE", 0xFE }, { "ESME_RUNKNOWNERR", 0xFF },
};

const char *
smsc_cmd_name(enum smsc_cmd_type t)
{
	for (size_t i = 0; i < sizeof(smsc_cmds) / sizeof(smsc_cmds[0]); i++)
		if (smsc_cmds[i].type == t)
			return smsc_cmds[i].name;
	return "?";
}

static void __attribute__((format(printf, 4, 5)))
seterr(char *err, size_t errsz, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL || errsz == 0)
		return;
	n = snprintf(err, errsz, "%d: ", line);
	if (n < 0 || (size_t)n >= errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, errsz - (size_t)n, fmt, ap);
	va_end(ap);
}

/*
 * Split one line (NUL-terminated, no newline) into tokens. Strings are
 * unescaped in place into buf (never longer than the line). Returns the
 * token count, or -1 with err set.
 */
static int
tokenize(const char *line, char *buf, struct smsc_tok *toks, int lineno,
    char *err, size_t errsz)
{
	const char *p = line;
	char *o = buf;
	int n = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			break;
		if (n == SMSC_MAX_TOKS) {
			seterr(err, errsz, lineno, "too many arguments");
			return -1;
		}
		toks[n].s = o;
		toks[n].quoted = (*p == '"');
		if (*p == '"') {
			size_t len = 0;

			for (p++; *p != '"'; p++) {
				char c = *p;

				if (c == '\0') {
					seterr(err, errsz, lineno, "unterminated string");
					return -1;
				}
				if (c == '\\') {
					switch (*++p) {
					case '"':  c = '"'; break;
					case '\\': c = '\\'; break;
					case 'n':  c = '\n'; break;
					case 't':  c = '\t'; break;
					default:
						seterr(err, errsz, lineno,
						    "unknown escape in string");
						return -1;
					}
				}
				if (++len > SMSC_SCRIPT_STR_MAX) {
					seterr(err, errsz, lineno,
					    "string longer than %d bytes",
					    SMSC_SCRIPT_STR_MAX);
					return -1;
				}
				*o++ = c;
			}
			p++;
			if (*p != '\0' && *p != ' ' && *p != '\t') {
				seterr(err, errsz, lineno,
				    "text glued to a closing quote");
				return -1;
			}
		} else {
			while (*p != '\0' && *p != ' ' && *p != '\t') {
				if (*p == '"') {
					seterr(err, errsz, lineno,
					    "quote inside a word");
					return -1;
				}
				*o++ = *p++;
			}
		}
		*o++ = '\0';
		if (!utf8_valid(toks[n].s, strlen(toks[n].s))) {
			seterr(err, errsz, lineno, "invalid UTF-8");
			return -1;
		}
		n++;
	}
	return n;
}

/* An address: 1..SMSC_SCRIPT_ADDR_MAX digits, a leading '+' dropped. */
static int
parse_addr(const struct smsc_tok *t, char *out)
{
	const char *s = t->s;
	size_t n;

	if (*s == '+')
		s++;
	n = strlen(s);
	if (n == 0 || n > SMSC_SCRIPT_ADDR_MAX || strspn(s, "0123456789") != n)
		return -1;
	memcpy(out, s, n + 1);
	return 0;
}

int
smsc_script_service(const char *dial, char *out, size_t outsz)
{
	size_t n;

	if (*dial != '*' && *dial != '#')
		return -1;
	dial++;
	n = strspn(dial, "0123456789");
	if (n == 0 || n >= outsz)
		return -1;
	memcpy(out, dial, n);
	out[n] = '\0';
	return 0;
}

/* "0x" and 1..8 hex digits. */
static int
parse_hex32(const char *s, uint32_t *out)
{
	size_t n;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return -1;
	s += 2;
	n = strlen(s);
	if (n == 0 || n > 8 || strspn(s, "0123456789abcdefABCDEF") != n)
		return -1;
	*out = (uint32_t)strtoul(s, NULL, 16);
	return 0;
}

int
smsc_script_command_id(const char *name, uint32_t *out)
{
	size_t n = strlen(name);
	int resp = 0;

	if (parse_hex32(name, out) == 0)
		return 0;
	if (n > 5 && strcmp(name + n - 5, "_resp") == 0) {
		resp = 1;
		n -= 5;
	}
	for (size_t i = 0; i < sizeof(smsc_pdu_names) / sizeof(smsc_pdu_names[0]); i++) {
		const char *k = smsc_pdu_names[i].name;

		if (strlen(k) != n || strncmp(k, name, n) != 0)
			continue;
		if (resp && (smsc_pdu_names[i].id & 0x80000000u))
			return -1;	/* no generic_nack_resp */
		*out = smsc_pdu_names[i].id | (resp ? 0x80000000u : 0);
		return 0;
	}
	return -1;
}

int
smsc_script_status(const char *name, uint32_t *out)
{
	if (parse_hex32(name, out) == 0)
		return 0;
	for (size_t i = 0; i < sizeof(smsc_status_names) / sizeof(smsc_status_names[0]); i++)
		if (strcmp(smsc_status_names[i].name, name) == 0) {
			*out = smsc_status_names[i].status;
			return 0;
		}
	return -1;
}

int
smsc_script_pdu_match(const struct smsc_cmd *cmd, uint32_t command_id,
    uint32_t status, uint32_t seq)
{
	int found = 0;

	for (int i = 0; i < cmd->nids; i++)
		found |= cmd->ids[i] == command_id;
	if (!found)
		return 0;
	if (cmd->status_check == SMSC_STATUS_IS && status != cmd->status)
		return 0;
	if (cmd->status_check == SMSC_STATUS_NOT && status == cmd->status)
		return 0;
	return !cmd->has_seq || seq == cmd->seq;
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * raw's bytes: every token (quoted or bare) is hex digits in pairs, with
 * spaces or tabs allowed between bytes; the tokens are joined. A last bare
 * word "*N" repeats the whole sequence N times.
 */
static int
parse_raw(struct smsc_cmd *c, const struct smsc_tok *t, int ntok, int lineno,
    char *err, size_t errsz)
{
	uint8_t buf[SMSC_SCRIPT_RAW_MAX];
	size_t n = 0, rep = 1;

	if (ntok > 1 && !t[ntok - 1].quoted && t[ntok - 1].s[0] == '*') {
		const char *d = t[ntok - 1].s + 1;
		size_t dl = strlen(d);

		if (dl == 0 || dl > 4 || strspn(d, "0123456789") != dl ||
		    (rep = strtoul(d, NULL, 10)) == 0 ||
		    rep > SMSC_SCRIPT_RAW_MAX) {
			seterr(err, errsz, lineno, "raw: *N with N in 1..%d",
			    SMSC_SCRIPT_RAW_MAX);
			return -1;
		}
		ntok--;
	}
	for (int i = 0; i < ntok; i++) {
		const char *p = t[i].s;

		for (;;) {
			int hi, lo;

			while (*p == ' ' || *p == '\t')
				p++;
			if (*p == '\0')
				break;
			if ((hi = hex_digit(p[0])) < 0 ||
			    (lo = hex_digit(p[1])) < 0) {
				int half = hi >= 0 && (p[1] == '\0' ||
				    p[1] == ' ' || p[1] == '\t');

				seterr(err, errsz, lineno, "raw: %s", half ?
				    "odd number of hex digits in a byte" :
				    "not a hex digit");
				return -1;
			}
			if (n == sizeof(buf)) {
				seterr(err, errsz, lineno,
				    "raw: more than %d bytes", SMSC_SCRIPT_RAW_MAX);
				return -1;
			}
			buf[n++] = (uint8_t)(hi << 4 | lo);
			p += 2;
		}
	}
	if (n == 0) {
		seterr(err, errsz, lineno, "usage: raw \"HEX\" ...");
		return -1;
	}
	if (n * rep > SMSC_SCRIPT_RAW_MAX) {
		seterr(err, errsz, lineno, "raw: more than %d bytes",
		    SMSC_SCRIPT_RAW_MAX);
		return -1;
	}
	if ((c->raw = malloc(n * rep)) == NULL) {
		seterr(err, errsz, lineno, "out of memory");
		return -1;
	}
	for (size_t k = 0; k < rep; k++)
		memcpy(c->raw + k * n, buf, n);
	c->raw_len = n * rep;
	return 0;
}

/* expect_pdu CMD[|CMD...] [[!]STATUS] [seq=N] */
static int
parse_expect_pdu(struct smsc_cmd *c, const struct smsc_tok *t, int n,
    int lineno, char *err, size_t errsz)
{
	char ids[SMSC_SCRIPT_MAX_LINE + 1];
	char *name, *save = NULL;
	int i = 2;

	if (n < 2 || n > 4 || t[1].quoted) {
		seterr(err, errsz, lineno,
		    "usage: expect_pdu COMMAND[|COMMAND] [[!]STATUS] [seq=N]");
		return -1;
	}
	snprintf(ids, sizeof(ids), "%s", t[1].s);
	for (name = strtok_r(ids, "|", &save); name != NULL;
	    name = strtok_r(NULL, "|", &save)) {
		if (c->nids == SMSC_SCRIPT_PDU_ALTS) {
			seterr(err, errsz, lineno,
			    "expect_pdu: more than %d commands",
			    SMSC_SCRIPT_PDU_ALTS);
			return -1;
		}
		if (smsc_script_command_id(name, &c->ids[c->nids]) == -1) {
			seterr(err, errsz, lineno,
			    "expect_pdu: unknown command \"%.40s\"", name);
			return -1;
		}
		c->nids++;
	}
	if (c->nids == 0) {
		seterr(err, errsz, lineno, "expect_pdu: no command");
		return -1;
	}
	if (i < n && !t[i].quoted && strncmp(t[i].s, "seq=", 4) != 0) {
		const char *st = t[i].s;

		c->status_check = SMSC_STATUS_IS;
		if (*st == '!') {
			c->status_check = SMSC_STATUS_NOT;
			st++;
		}
		if (smsc_script_status(st, &c->status) == -1) {
			seterr(err, errsz, lineno,
			    "expect_pdu: unknown status \"%.40s\"", t[i].s);
			return -1;
		}
		i++;
	}
	if (i < n && !t[i].quoted && strncmp(t[i].s, "seq=", 4) == 0) {
		const char *d = t[i].s + 4;
		size_t dl = strlen(d);
		unsigned long v;

		if (dl == 0 || dl > 10 || strspn(d, "0123456789") != dl ||
		    (v = strtoul(d, NULL, 10)) > 0xFFFFFFFFul) {
			seterr(err, errsz, lineno,
			    "expect_pdu: seq=N with N in 0..4294967295");
			return -1;
		}
		c->has_seq = 1;
		c->seq = (uint32_t)v;
		i++;
	}
	if (i != n) {
		seterr(err, errsz, lineno,
		    "usage: expect_pdu COMMAND[|COMMAND] [[!]STATUS] [seq=N]");
		return -1;
	}
	return 0;
}

static int
copy_args(struct smsc_cmd *c, const struct smsc_tok *toks, int ntok,
    int lineno, char *err, size_t errsz)
{
	for (int i = 0; i < ntok; i++) {
		if (!toks[i].quoted) {
			seterr(err, errsz, lineno,
			    "%s: argument %d must be a \"quoted string\"",
			    smsc_cmd_name(c->type), i + 1);
			return -1;
		}
		if (c->nargs == SMSC_SCRIPT_MAX_ARGS) {
			seterr(err, errsz, lineno, "%s: more than %d strings",
			    smsc_cmd_name(c->type), SMSC_SCRIPT_MAX_ARGS);
			return -1;
		}
		if ((c->args[c->nargs] = strdup(toks[i].s)) == NULL) {
			seterr(err, errsz, lineno, "out of memory");
			return -1;
		}
		c->nargs++;
	}
	return 0;
}

/* Order a caller's story needs: what came before this command. */
struct smsc_story {
	int has_session;	/* a dial or sms happened */
	int has_screen;		/* an expect happened */
	int has_sms;		/* an expect_sms happened */
};

/* dial MSISDN "*CODE#" or sms MSISDN SHORTCODE "text": a session starts. */
static int
parse_session(struct smsc_cmd *c, const struct smsc_tok *t, int n,
    int lineno, struct smsc_story *st, char *err, size_t errsz)
{
	if (c->type == SMSC_CMD_DIAL) {
		if (n != 3 || t[1].quoted || !t[2].quoted) {
			seterr(err, errsz, lineno, "usage: dial MSISDN \"*CODE#\"");
			return -1;
		}
		if (parse_addr(&t[1], c->msisdn) == -1) {
			seterr(err, errsz, lineno, "dial: bad MSISDN");
			return -1;
		}
		if (smsc_script_service(t[2].s, c->to, sizeof(c->to)) == -1) {
			seterr(err, errsz, lineno,
			    "dial: \"%.40s\" is not a dial string", t[2].s);
			return -1;
		}
		if (strlen(t[2].s) > 160) {
			seterr(err, errsz, lineno, "dial: string too long");
			return -1;
		}
	} else {
		if (n != 4 || t[1].quoted || t[2].quoted || !t[3].quoted) {
			seterr(err, errsz, lineno,
			    "usage: sms MSISDN SHORTCODE \"text\"");
			return -1;
		}
		if (parse_addr(&t[1], c->msisdn) == -1 ||
		    parse_addr(&t[2], c->to) == -1) {
			seterr(err, errsz, lineno, "sms: bad address");
			return -1;
		}
		if (strlen(t[3].s) > 160) {
			seterr(err, errsz, lineno, "sms: text over 160 bytes");
			return -1;
		}
	}
	st->has_session = 1;
	st->has_screen = 0;
	return copy_args(c, &t[n - 1], 1, lineno, err, errsz);
}

/* sleep MS */
static int
parse_sleep(struct smsc_cmd *c, const struct smsc_tok *t, int n, int lineno,
    char *err, size_t errsz)
{
	char *end;

	if (n != 2 || t[1].quoted) {
		seterr(err, errsz, lineno, "usage: sleep MS");
		return -1;
	}
	if (strspn(t[1].s, "0123456789") != strlen(t[1].s) ||
	    strlen(t[1].s) > 9 ||
	    (c->ms = strtol(t[1].s, &end, 10)) > SMSC_SCRIPT_SLEEP_MAX) {
		seterr(err, errsz, lineno, "sleep: 0..%d ms",
		    SMSC_SCRIPT_SLEEP_MAX);
		return -1;
	}
	return 0;
}

/*
 * A command's arguments. Returns -1 (error), 1 when the command is
 * complete, 0 when it acts on the current session: parse_story follows.
 */
static int
parse_syntax(struct smsc_cmd *c, const struct smsc_tok *t, int n, int lineno,
    struct smsc_story *st, char *err, size_t errsz)
{
	int i;

	switch (c->type) {
	case SMSC_CMD_DIAL:
	case SMSC_CMD_SMS:
		return parse_session(c, t, n, lineno, st, err, errsz) ? -1 : 1;
	case SMSC_CMD_ANSWER:
		if (n != 2 || !t[1].quoted) {
			seterr(err, errsz, lineno, "usage: answer \"text\"");
			return -1;
		}
		if (strlen(t[1].s) > 160) {
			seterr(err, errsz, lineno, "answer: text over 160 bytes");
			return -1;
		}
		return 0;	/* its text is kept once the story allows it */
	case SMSC_CMD_EXPECT:
	case SMSC_CMD_EXPECT_NOT:
		if (c->type == SMSC_CMD_EXPECT_NOT && n < 2) {
			seterr(err, errsz, lineno, "usage: expect_not \"text\" ...");
			return -1;
		}
		return copy_args(c, &t[1], n - 1, lineno, err, errsz);
	case SMSC_CMD_EXPECT_SMS:
		i = 1;
		if (n > 1 && !t[1].quoted) {
			if (parse_addr(&t[1], c->msisdn) == -1) {
				seterr(err, errsz, lineno, "expect_sms: bad MSISDN");
				return -1;
			}
			i = 2;
		}
		return copy_args(c, &t[i], n - i, lineno, err, errsz);
	case SMSC_CMD_SLEEP:
		return parse_sleep(c, t, n, lineno, err, errsz) ? -1 : 1;
	case SMSC_CMD_PRINT:
		if (n != 2 || !t[1].quoted) {
			seterr(err, errsz, lineno, "usage: print \"text\"");
			return -1;
		}
		return copy_args(c, &t[1], 1, lineno, err, errsz) ? -1 : 1;
	case SMSC_CMD_RAW:
		return parse_raw(c, &t[1], n - 1, lineno, err, errsz) ? -1 : 1;
	case SMSC_CMD_EXPECT_PDU:
		return parse_expect_pdu(c, t, n, lineno, err, errsz) ? -1 : 1;
	case SMSC_CMD_ANSWER_OTP:
	case SMSC_CMD_CONTINUES:
	case SMSC_CMD_ENDS:
	case SMSC_CMD_ABORT:
	case SMSC_CMD_QUIT:
	case SMSC_CMD_EXPECT_CLOSE:
	case SMSC_CMD_EXPECT_BIND:
		if (n != 1) {
			seterr(err, errsz, lineno, "%s takes no argument", t[0].s);
			return -1;
		}
		return c->type == SMSC_CMD_QUIT ||
		    c->type == SMSC_CMD_EXPECT_CLOSE ||
		    c->type == SMSC_CMD_EXPECT_BIND;
	}
	return 0;
}

/* A command on the current session: what must have come before it. */
static int
parse_story(struct smsc_cmd *c, const struct smsc_tok *t, int lineno,
    struct smsc_story *st, char *err, size_t errsz)
{
	const char *name = t[0].s;

	if (!st->has_session) {
		seterr(err, errsz, lineno, "%s before any dial or sms", name);
		return -1;
	}
	switch (c->type) {
	case SMSC_CMD_ANSWER:
		return copy_args(c, &t[1], 1, lineno, err, errsz);
	case SMSC_CMD_EXPECT:
		st->has_screen = 1;
		break;
	case SMSC_CMD_EXPECT_SMS:
		st->has_sms = 1;
		break;
	case SMSC_CMD_ANSWER_OTP:
		if (!st->has_sms) {
			seterr(err, errsz, lineno, "answer_otp before any expect_sms");
			return -1;
		}
		break;
	case SMSC_CMD_EXPECT_NOT:
	case SMSC_CMD_CONTINUES:
	case SMSC_CMD_ENDS:
		if (!st->has_screen) {
			seterr(err, errsz, lineno, "%s before any expect", name);
			return -1;
		}
		break;
	default:
		break;
	}
	return 0;
}

static int
parse_cmd(struct smsc_cmd *c, const struct smsc_tok *t, int n, int lineno,
    struct smsc_story *st, char *err, size_t errsz)
{
	const char *name = t[0].s;
	size_t i;
	int rc;

	if (t[0].quoted) {
		seterr(err, errsz, lineno, "a line must begin with a command");
		return -1;
	}
	for (i = 0; i < sizeof(smsc_cmds) / sizeof(smsc_cmds[0]); i++)
		if (strcmp(smsc_cmds[i].name, name) == 0)
			break;
	if (i == sizeof(smsc_cmds) / sizeof(smsc_cmds[0])) {
		seterr(err, errsz, lineno, "unknown command \"%.32s\"", name);
		return -1;
	}
	c->type = smsc_cmds[i].type;
	c->line = lineno;
	if ((rc = parse_syntax(c, t, n, lineno, st, err, errsz)) != 0)
		return rc == -1 ? -1 : 0;
	return parse_story(c, t, lineno, st, err, errsz);
}

static void
cmd_clear(struct smsc_cmd *c)
{
	for (int i = 0; i < c->nargs; i++)
		free(c->args[i]);
	c->nargs = 0;
	free(c->raw);
	c->raw = NULL;
	c->raw_len = 0;
}

void
smsc_script_free(struct smsc_script *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->ncmds; i++)
		cmd_clear(&s->cmds[i]);
	free(s->cmds);
	free(s);
}

struct smsc_script *
smsc_script_parse(const char *text, size_t len, char *err, size_t errsz)
{
	struct smsc_script *s;
	struct smsc_story st = { 0, 0, 0 };
	struct smsc_tok toks[SMSC_MAX_TOKS];
	char line[SMSC_SCRIPT_MAX_LINE + 1], buf[SMSC_SCRIPT_MAX_LINE + 1];
	size_t pos = 0, cap = 0;
	int lineno = 0;

	if (err && errsz)
		err[0] = '\0';
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		seterr(err, errsz, 0, "out of memory");
		return NULL;
	}
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - (text + pos)) : len - pos;
		struct smsc_cmd c;
		int n;

		lineno++;
		if (ll > SMSC_SCRIPT_MAX_LINE) {
			seterr(err, errsz, lineno, "line longer than %d bytes",
			    SMSC_SCRIPT_MAX_LINE);
			goto fail;
		}
		memcpy(line, text + pos, ll);
		line[ll] = '\0';
		pos += ll + (nl ? 1 : 0);
		if (memchr(line, '\0', ll) != NULL) {
			seterr(err, errsz, lineno, "NUL byte");
			goto fail;
		}
		if (ll > 0 && line[ll - 1] == '\r')
			line[--ll] = '\0';

		if ((n = tokenize(line, buf, toks, lineno, err, errsz)) == -1)
			goto fail;
		if (n == 0)
			continue;
		if (s->ncmds == SMSC_SCRIPT_MAX_CMDS) {
			seterr(err, errsz, lineno, "more than %d commands",
			    SMSC_SCRIPT_MAX_CMDS);
			goto fail;
		}
		memset(&c, 0, sizeof(c));
		if (parse_cmd(&c, toks, n, lineno, &st, err, errsz) == -1) {
			cmd_clear(&c);
			goto fail;
		}
		if (s->ncmds == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct smsc_cmd *nc;

			if ((nc = realloc(s->cmds, ncap * sizeof(*nc))) == NULL) {
				cmd_clear(&c);
				seterr(err, errsz, lineno, "out of memory");
				goto fail;
			}
			s->cmds = nc;
			cap = ncap;
		}
		s->cmds[s->ncmds++] = c;
	}
	if (s->ncmds == 0) {
		seterr(err, errsz, lineno, "empty scenario");
		goto fail;
	}
	return s;
fail:
	smsc_script_free(s);
	return NULL;
}

const char *
smsc_script_missing(const struct smsc_cmd *cmd, const char *text)
{
	for (int i = 0; i < cmd->nargs; i++)
		if (strstr(text, cmd->args[i]) == NULL)
			return cmd->args[i];
	return NULL;
}

const char *
smsc_script_present(const struct smsc_cmd *cmd, const char *text)
{
	for (int i = 0; i < cmd->nargs; i++)
		if (strstr(text, cmd->args[i]) != NULL)
			return cmd->args[i];
	return NULL;
}

int
smsc_script_otp(const char *text, char *out, size_t outsz)
{
	const char *p = text;

	while (*p) {
		size_t n = strspn(p, "0123456789");

		if (n >= 4 && n <= 10 && n < outsz) {
			memcpy(out, p, n);
			out[n] = '\0';
			return 0;
		}
		p += n ? n : 1;
	}
	return -1;
}
