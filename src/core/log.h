/*
 * log: one line per event to stderr with a <N> syslog-priority prefix that
 * journald reads. API after OpenSMTPD's log.h. Callers never pass personal
 * data: mask it first with log_mask_msisdn()/log_mask_id().
 */
#ifndef TNSGW_LOG_H
#define TNSGW_LOG_H

#include <stddef.h>

#define LOG_LVL_CRIT    2
#define LOG_LVL_ERR     3
#define LOG_LVL_WARNING 4
#define LOG_LVL_NOTICE  5
#define LOG_LVL_INFO    6
#define LOG_LVL_DEBUG   7

/* level: one of LOG_LVL_*; lines above it are dropped. */
void log_init(int level);
int  log_get_level(void);
/* Send lines to syslog (daemon facility) instead of stderr. */
void log_use_syslog(const char *ident);
/* "err", "warning", "notice", "info", "debug" -> level, or -1. */
int  log_level_parse(const char *name);
/* LOG_LVL_* -> "crit" .. "debug"; "?" for anything else. */
const char *log_level_name(int level);
/*
 * One step of the run-time level (SIGUSR1 more, SIGUSR2 less verbose):
 * more != 0 one step towards debug, else one towards err, along
 * debug <-> info <-> notice <-> warning <-> err. Never past debug, never
 * below err (err lines are what an operator must always see): a level
 * already at an end stays; crit steps up to err and not down. Pure.
 */
int  log_level_step(int level, int more);
/*
 * Set the level at run time and say so: one line "log level OLD -> NEW
 * (why)", or "log level stays L (why)", at notice priority, written
 * whatever the new level (an operator who turns the level down must still
 * see that it happened).
 */
void log_level_set(int level, const char *why);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* appends ": strerror(errno)" */
/* A persistent failure that needs someone: a promise not kept, a bind
 * refused, a key that does not load. */
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A line at a level chosen at run time (one of LOG_LVL_*), e.g. the
 * per-dialog lines: info or debug by daemon.log_dialogs. */
void log_at(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * A line whose level is off costs one compare: the macros below test the
 * level before the arguments are evaluated, so a masked MSISDN or a
 * command name is never formatted for a line that is dropped. Arguments
 * of a log call must therefore have no side effects. log_err, fatal and
 * fatalx always print and stay plain functions.
 */
extern int log_level_cur;
#define LOG_ON(lvl)	((lvl) <= log_level_cur)
#ifndef LOG_NO_MACROS
#define log_warn(...)	(LOG_ON(LOG_LVL_WARNING) ? log_warn(__VA_ARGS__) : (void)0)
#define log_warnx(...)	(LOG_ON(LOG_LVL_WARNING) ? log_warnx(__VA_ARGS__) : (void)0)
#define log_notice(...)	(LOG_ON(LOG_LVL_NOTICE) ? log_notice(__VA_ARGS__) : (void)0)
#define log_info(...)	(LOG_ON(LOG_LVL_INFO) ? log_info(__VA_ARGS__) : (void)0)
#define log_debug(...)	(LOG_ON(LOG_LVL_DEBUG) ? log_debug(__VA_ARGS__) : (void)0)
#define log_at(lvl, ...) (LOG_ON(lvl) ? log_at((lvl), __VA_ARGS__) : (void)0)
#endif

/*
 * Masking for log lines. Both write into buf (NUL-terminated, truncated to
 * bufsz) and return buf.
 *   log_mask_msisdn("212612340123") -> "2126****0123" (first 4, last 4)
 *   log_mask_id("AB123456")         -> "AB12****"     (first 4 only)
 * Short inputs are masked whole ("****").
 */
const char *log_mask_msisdn(const char *msisdn, char *buf, size_t bufsz);
const char *log_mask_id(const char *id, char *buf, size_t bufsz);

#endif
