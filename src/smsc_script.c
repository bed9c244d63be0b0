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

/* Strict UTF-8: no overlongs, no surrogates, nothing past U+10FFFF. */
static int
utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		unsigned c = *p;
		int n;
		uint32_t cp;

		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else
			return 0;
		for (int i = 1; i <= n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i] & 0x3F);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return 0;
		p += n + 1;
	}
	return 1;
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
		if (!utf8_valid(toks[n].s)) {
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

static int
parse_cmd(struct smsc_cmd *c, const struct smsc_tok *t, int n, int lineno,
    struct smsc_story *st, char *err, size_t errsz)
{
	const char *name = t[0].s;
	size_t i;

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

	switch (c->type) {
	case SMSC_CMD_DIAL:
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
		st->has_session = 1;
		st->has_screen = 0;
		return copy_args(c, &t[2], 1, lineno, err, errsz);
	case SMSC_CMD_SMS:
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
		st->has_session = 1;
		st->has_screen = 0;
		return copy_args(c, &t[3], 1, lineno, err, errsz);
	case SMSC_CMD_ANSWER:
		if (n != 2 || !t[1].quoted) {
			seterr(err, errsz, lineno, "usage: answer \"text\"");
			return -1;
		}
		if (strlen(t[1].s) > 160) {
			seterr(err, errsz, lineno, "answer: text over 160 bytes");
			return -1;
		}
		break;
	case SMSC_CMD_EXPECT:
	case SMSC_CMD_EXPECT_NOT:
		if (c->type == SMSC_CMD_EXPECT_NOT && n < 2) {
			seterr(err, errsz, lineno, "usage: expect_not \"text\" ...");
			return -1;
		}
		if (copy_args(c, &t[1], n - 1, lineno, err, errsz) == -1)
			return -1;
		break;
	case SMSC_CMD_EXPECT_SMS:
		i = 1;
		if (n > 1 && !t[1].quoted) {
			if (parse_addr(&t[1], c->msisdn) == -1) {
				seterr(err, errsz, lineno, "expect_sms: bad MSISDN");
				return -1;
			}
			i = 2;
		}
		if (copy_args(c, &t[i], n - (int)i, lineno, err, errsz) == -1)
			return -1;
		break;
	case SMSC_CMD_SLEEP: {
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
	case SMSC_CMD_PRINT:
		if (n != 2 || !t[1].quoted) {
			seterr(err, errsz, lineno, "usage: print \"text\"");
			return -1;
		}
		return copy_args(c, &t[1], 1, lineno, err, errsz);
	case SMSC_CMD_ANSWER_OTP:
	case SMSC_CMD_CONTINUES:
	case SMSC_CMD_ENDS:
	case SMSC_CMD_ABORT:
	case SMSC_CMD_QUIT:
		if (n != 1) {
			seterr(err, errsz, lineno, "%s takes no argument", name);
			return -1;
		}
		if (c->type == SMSC_CMD_QUIT)
			return 0;
		break;
	}

	/* The commands left act on the current session. */
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

static void
cmd_clear(struct smsc_cmd *c)
{
	for (int i = 0; i < c->nargs; i++)
		free(c->args[i]);
	c->nargs = 0;
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
