/*
 * log: stderr lines with syslog <N> prefixes (journald parses them), and the
 * masking helpers that keep personal data out of every line.
 */
#define LOG_NO_MACROS
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

int log_level_cur = LOG_LVL_INFO;
static int log_syslog;

void
log_use_syslog(const char *ident)
{
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_syslog = 1;
}

void
log_init(int level)
{
	log_level_cur = level;
}

int
log_get_level(void)
{
	return log_level_cur;
}

int
log_level_parse(const char *name)
{
	static const struct { const char *name; int level; } t[] = {
		{ "crit", LOG_LVL_CRIT }, { "err", LOG_LVL_ERR },
		{ "error", LOG_LVL_ERR }, { "warning", LOG_LVL_WARNING },
		{ "warn", LOG_LVL_WARNING }, { "notice", LOG_LVL_NOTICE },
		{ "info", LOG_LVL_INFO }, { "debug", LOG_LVL_DEBUG },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcasecmp(name, t[i].name) == 0)
			return t[i].level;
	return -1;
}

const char *
log_level_name(int level)
{
	static const char *const names[] = { "emerg", "alert", "crit", "err",
	    "warning", "notice", "info", "debug" };

	if (level < LOG_LVL_CRIT || level > LOG_LVL_DEBUG)
		return "?";
	return names[level];
}

int
log_level_step(int level, int more)
{
	if (more)
		return level < LOG_LVL_ERR ? LOG_LVL_ERR :
		    level >= LOG_LVL_DEBUG ? LOG_LVL_DEBUG : level + 1;
	return level <= LOG_LVL_ERR ? level : level - 1;
}

static void vlog(int, int, const char *, const char *, va_list)
    __attribute__((format(printf, 4, 0)));

static void
vlog(int level, int force, const char *errstr, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (level > log_level_cur && !force)
		return;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	/* One write per line so lines from a crash are never interleaved. */
	for (char *p = line; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (log_syslog) {
		if (errstr)
			syslog(level, "%s: %s", line, errstr);
		else
			syslog(level, "%s", line);
		return;
	}
	if (errstr)
		fprintf(stderr, "<%d>%s: %s\n", level, line, errstr);
	else
		fprintf(stderr, "<%d>%s\n", level, line);
}

#define LOGFN(name, lvl, witherr)					\
void									\
name(const char *fmt, ...)						\
{									\
	int saved = errno;						\
	va_list ap;							\
	va_start(ap, fmt);						\
	vlog(lvl, 0, witherr ? strerror(saved) : NULL, fmt, ap);	\
	va_end(ap);							\
	errno = saved;							\
}

LOGFN(log_warn, LOG_LVL_WARNING, 1)
LOGFN(log_err, LOG_LVL_ERR, 0)
LOGFN(log_warnx, LOG_LVL_WARNING, 0)
LOGFN(log_notice, LOG_LVL_NOTICE, 0)
LOGFN(log_info, LOG_LVL_INFO, 0)
LOGFN(log_debug, LOG_LVL_DEBUG, 0)

void
log_at(int level, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(level, 0, NULL, fmt, ap);
	va_end(ap);
	errno = saved;
}

static void log_force(int, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
log_force(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, 1, NULL, fmt, ap);
	va_end(ap);
}

void
log_level_set(int level, const char *why)
{
	int old = log_level_cur;

	log_level_cur = level;
	if (old == level)
		log_force(LOG_LVL_NOTICE, "log level stays %s (%s)",
		    log_level_name(level), why);
	else
		log_force(LOG_LVL_NOTICE, "log level %s -> %s (%s)",
		    log_level_name(old), log_level_name(level), why);
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_CRIT, 0, strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_CRIT, 0, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Append k octets of s at buf[*len], cut to bufsz - 1 (snprintf's cut). */
static void
mask_put(char *buf, size_t bufsz, size_t *len, const char *s, size_t k)
{
	if (k > bufsz - 1 - *len)
		k = bufsz - 1 - *len;
	memcpy(buf + *len, s, k);
	*len += k;
}

/* head****tail, as snprintf("%.*s****%s") wrote it, without the format
 * parse: the masks run for audit entries on every dialog. */
static const char *
mask(const char *in, size_t keep_head, size_t keep_tail, char *buf, size_t bufsz)
{
	size_t n = in ? strlen(in) : 0, len = 0;

	if (bufsz == 0)
		return buf;
	if (n < keep_head + keep_tail + 2) {
		mask_put(buf, bufsz, &len, "****", 4);
		buf[len] = '\0';
		return buf;
	}
	mask_put(buf, bufsz, &len, in, keep_head);
	mask_put(buf, bufsz, &len, "****", 4);
	mask_put(buf, bufsz, &len, in + n - keep_tail, keep_tail);
	buf[len] = '\0';
	return buf;
}

const char *
log_mask_msisdn(const char *msisdn, char *buf, size_t bufsz)
{
	return mask(msisdn, 4, 4, buf, bufsz);
}

const char *
log_mask_id(const char *id, char *buf, size_t bufsz)
{
	size_t n = id ? strlen(id) : 0;

	/* Keep at most half of a short number, never more than 4 chars. */
	return mask(id, n >= 8 ? 4 : n / 2, 0, buf, bufsz);
}
