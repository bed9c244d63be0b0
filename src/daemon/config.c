/*
 * config: libconfig file -> struct config through one typed schema table per
 * level (top-level groups, each smpp.binds entry): type, bounds, default,
 * allowed values, field offset, so defaults, checks and unknown-key
 * rejection are one walk ("FILE:LINE: reason"); and config -> dialog_conf.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libconfig.h>

#include "dialog.h"
#include "log.h"

enum config_ktype {
	CONFIG_K_INT,		/* int, min..max */
	CONFIG_K_BOOL,		/* int, 0 or 1 */
	CONFIG_K_STR,		/* char[size], length min..size-1, optional check */
	CONFIG_K_PATH,		/* as STR; relative = relative to the config's dir */
	CONFIG_K_ENUM,		/* int, one of enums[].value */
	CONFIG_K_ENUMSTR,	/* char[size], one of enums[].name */
	CONFIG_K_STRLIST,	/* count at count_off, char[max][size] at off */
	CONFIG_K_BINDS,		/* smpp.binds: list of groups, bind table */
	CONFIG_K_DIALECTS,	/* smpp.dialects: list of profile groups */
};

#define CONFIG_F_REQUIRED	0x01

struct config_enum {
	const char *name;
	int         value;
	int         implemented;
};

/*
 * Checks (and may rewrite) a string value into out. On failure writes the
 * whole reason (without the FILE:LINE prefix) into why.
 */
typedef int config_check_fn(const char *where, const char *in, char *out,
    size_t outsz, char *why, size_t whysz);

struct config_key {
	const char *group;		/* "redis"; NULL in the bind table */
	const char *name;
	enum config_ktype type;
	int         flags;
	long long   min, max;		/* INT: value; STR: length; STRLIST: count */
	int         def_int;
	const char *def_str;		/* STR, PATH, ENUM, ENUMSTR */
	const char *const *def_list;	/* STRLIST, NULL-terminated */
	const struct config_enum *enums;/* ENUM, ENUMSTR; NULL-terminated */
	config_check_fn *check;		/* STR, STRLIST elements */
	size_t      off;
	size_t      size;		/* STR: buffer; STRLIST: one element */
	size_t      count_off;		/* STRLIST */
};

/* Compile-time guard: the field written through an int pointer is int-sized. */
#define CONFIG_INTSZ(T, f) \
	(0 * sizeof(char[sizeof(((T *)0)->f) == sizeof(int) ? 1 : -1]))
#define CONFIG_FSZ(T, f)	sizeof(((T *)0)->f)

#define K_INT(T, g, n, fl, lo, hi, d, f) \
	{ g, n, CONFIG_K_INT, fl, lo, hi, d, NULL, NULL, NULL, NULL, \
	  offsetof(T, f) + CONFIG_INTSZ(T, f), sizeof(int), 0 }
#define K_BOOL(T, g, n, d, f) \
	{ g, n, CONFIG_K_BOOL, 0, 0, 1, d, NULL, NULL, NULL, NULL, \
	  offsetof(T, f) + CONFIG_INTSZ(T, f), sizeof(int), 0 }
#define K_STR(T, g, n, fl, minlen, d, chk, f) \
	{ g, n, CONFIG_K_STR, fl, minlen, CONFIG_FSZ(T, f) - 1, 0, d, NULL, \
	  NULL, chk, offsetof(T, f), CONFIG_FSZ(T, f), 0 }
#define K_PATH(T, g, n, d, f) \
	{ g, n, CONFIG_K_PATH, 0, 0, CONFIG_FSZ(T, f) - 1, 0, d, NULL, NULL, \
	  NULL, offsetof(T, f), CONFIG_FSZ(T, f), 0 }
#define K_ENUM(T, g, n, d, e, f) \
	{ g, n, CONFIG_K_ENUM, 0, 0, 0, 0, d, NULL, e, NULL, \
	  offsetof(T, f) + CONFIG_INTSZ(T, f), sizeof(int), 0 }
#define K_ENUMSTR(T, g, n, d, e, f) \
	{ g, n, CONFIG_K_ENUMSTR, 0, 0, CONFIG_FSZ(T, f) - 1, 0, d, NULL, e, \
	  NULL, offsetof(T, f), CONFIG_FSZ(T, f), 0 }
#define K_LIST(T, g, n, maxn, d, chk, f, cnt) \
	{ g, n, CONFIG_K_STRLIST, 0, 1, maxn, 0, NULL, d, NULL, chk, \
	  offsetof(T, f), CONFIG_FSZ(T, f[0]), \
	  offsetof(T, cnt) + CONFIG_INTSZ(T, cnt) }

static const struct config_enum config_log_levels[] = {
	{ "crit", LOG_LVL_CRIT, 1 }, { "err", LOG_LVL_ERR, 1 },
	{ "warning", LOG_LVL_WARNING, 1 }, { "notice", LOG_LVL_NOTICE, 1 },
	{ "info", LOG_LVL_INFO, 1 }, { "debug", LOG_LVL_DEBUG, 1 },
	{ NULL, 0, 0 }
};
static const struct config_enum config_modes[] = {
	{ "transceiver", CONFIG_MODE_TRX, 1 },
	{ "transmitter+receiver", CONFIG_MODE_TX_RX, 1 },
	{ NULL, 0, 0 }
};
static const struct config_enum config_charsets[] = {
	{ "gsm7", GSM_CHARSET_GSM7, 1 }, { "latin1", GSM_CHARSET_LATIN1, 1 },
	{ NULL, 0, 0 }
};
static const struct config_enum config_dlr_ids[] = {
	{ "dec", CONFIG_DLR_DEC, 1 }, { "hex", CONFIG_DLR_HEX, 1 },
	{ NULL, 0, 0 }
};
static const struct config_enum config_password_tos[] = {
	{ "registered_phone", CONFIG_PW_REGISTERED_PHONE, 1 },
	{ "caller", CONFIG_PW_CALLER, 1 },
	{ NULL, 0, 0 }
};

static const struct config_enum config_aofs[] = {
	{ "no", CONFIG_AOF_NO, 1 }, { "everysec", CONFIG_AOF_EVERYSEC, 1 },
	{ "always", CONFIG_AOF_ALWAYS, 1 },
	{ "off", CONFIG_AOF_NO, 1 },	/* DESIGN.md's name for "no" */
	{ NULL, 0, 0 }
};

static const char *const config_def_languages[] = { "fr", "ar", "tzm", NULL };
static const char *const config_def_keywords[] = { "TNS", NULL };
static const char *const config_def_none[] = { NULL };
static const char *const config_def_receipts[] = { "A", "C", "D", NULL };

static config_check_fn config_check_listen;
static config_check_fn config_check_name;
static config_check_fn config_check_service_code;
static config_check_fn config_check_lang;
static config_check_fn config_check_keyword;
static config_check_fn config_check_receipt;
static config_check_fn config_check_phone;
static config_check_fn config_check_hostport;

#define C struct config
static const struct config_key config_keys[] = {
	K_ENUM(C, "daemon", "log_level", "info", config_log_levels,
	    daemon.log_level),
	K_STR(C, "daemon", "admin_listen", 0, 0, "127.0.0.1:9375",
	    config_check_listen, daemon.admin_listen),
	K_PATH(C, "daemon", "messages_dir", "messages", daemon.messages_dir),
	K_BOOL(C, "daemon", "log_dialogs", 0, daemon.log_dialogs),
	K_INT(C, "daemon", "drain_s", 0, 0, 600, 5, daemon.drain_s),
	/* Outbox ownership between instances: the consumer name (default the
	 * host name, resolved at start); fixed across reloads below. */
	K_STR(C, "daemon", "instance", 0, 0, "", config_check_name,
	    daemon.instance),

	K_STR(C, "redis", "host", 0, 1, "127.0.0.1", NULL, redis.host),
	K_INT(C, "redis", "port", 0, 1, 65535, 6379, redis.port),
	K_PATH(C, "redis", "socket", "", redis.socket),
	K_INT(C, "redis", "db", 0, 0, 65535, 0, redis.db),
	K_STR(C, "redis", "prefix", 0, 0, "tns:", NULL, redis.prefix),
	K_INT(C, "redis", "timeout_ms", 0, 1, 60000, 200, redis.timeout_ms),
	/* Redis as a trust boundary (issue 9, piece c) */
	K_STR(C, "redis", "username", 0, 0, "", NULL, redis.username),
	K_STR(C, "redis", "password", 0, 0, "", NULL, redis.password),
	K_ENUM(C, "redis", "require_aof", "everysec", config_aofs,
	    redis.require_aof),
	/* Sentinel failover (issue 12): the master found through Sentinel */
	K_LIST(C, "redis", "sentinels", CONFIG_MAX_SENTINELS,
	    config_def_none, config_check_hostport, redis.sentinels,
	    redis.nsentinels),
	K_STR(C, "redis", "master_name", 0, 0, "", config_check_name,
	    redis.master_name),
	K_STR(C, "redis", "sentinel_password", 0, 0, "", NULL,
	    redis.sentinel_password),

	{ "smpp", "binds", CONFIG_K_BINDS, CONFIG_F_REQUIRED, 1,
	  CONFIG_MAX_BINDS, 0, NULL, NULL, NULL, NULL, 0, 0, 0 },
	{ "smpp", "dialects", CONFIG_K_DIALECTS, 0, 0, CONFIG_MAX_DIALECTS, 0,
	  NULL, NULL, NULL, NULL, 0, 0, 0 },

	K_STR(C, "ussd", "service_code", CONFIG_F_REQUIRED, 1, NULL,
	    config_check_service_code, ussd.service_code),
	K_INT(C, "ussd", "session_timeout_s", 0, 10, 3600, 120,
	    ussd.session_timeout_s),
	K_LIST(C, "ussd", "languages", CONFIG_MAX_LANGS, config_def_languages,
	    config_check_lang, ussd.languages, ussd.nlanguages),
	K_BOOL(C, "ussd", "transliterate", 1, ussd.transliterate),
	K_INT(C, "ussd", "duplicate_window_ms", 0, 0, 60000, 0,
	    ussd.duplicate_window_ms),

	K_LIST(C, "sms", "keywords", CONFIG_MAX_KEYWORDS, config_def_keywords,
	    config_check_keyword, sms.keywords, sms.nkeywords),
	K_LIST(C, "sms", "receipts", 3, config_def_receipts,
	    config_check_receipt, sms.receipts, sms.nreceipts),
	K_INT(C, "sms", "state_ttl_s", 0, 60, 86400, 3600, sms.state_ttl_s),

	K_STR(C, "service", "support_phone", 0, 0, "", config_check_phone,
	    service.support_phone),

	K_BOOL(C, "security", "check_expiry", 1, security.check_expiry),
	K_INT(C, "security", "otp_length", 0, 4, 10, 6, security.otp_length),
	K_INT(C, "security", "otp_ttl_s", 0, 30, 3600, 300,
	    security.otp_ttl_s),
	K_INT(C, "security", "otp_max_attempts", 0, 1, 10, 3,
	    security.otp_max_attempts),
	K_INT(C, "security", "password_length", 0, 8, 64, 10,
	    security.password_length),
	K_INT(C, "security", "max_requests_per_msisdn_hour", 0, 1, 100000, 10,
	    security.max_requests_per_msisdn_hour),
	K_INT(C, "security", "max_failures_per_id_day", 0, 1, 100000, 5,
	    security.max_failures_per_id_day),
	K_ENUM(C, "security", "password_to", "registered_phone",
	    config_password_tos, security.password_to),
	K_PATH(C, "security", "outbox_key_file", "", security.outbox_key_file),
	K_PATH(C, "security", "provisioning_pubkey_file", "",
	    security.provisioning_pubkey_file),
	/* issue 9, piece b: the previous outbox key while it rotates. */
	K_PATH(C, "security", "outbox_key_old_file", "",
	    security.outbox_key_old_file),
	K_INT(C, "security", "password_pending_s", 0, 60, 2592000, 86400,
	    security.password_pending_s),
	K_INT(C, "security", "max_otp_per_person_hour", 0, 1, 100, 3,
	    security.max_otp_per_person_hour),
	K_INT(C, "security", "otp_resend_s", 0, 10, 3600, 60,
	    security.otp_resend_s),
	K_INT(C, "security", "failure_alarm_per_min", 0, 0, 10000000, 600,
	    security.failure_alarm_per_min),

	K_INT(C, "outbox", "claim_idle_s", 0, 2, 3600, 30, outbox.claim_idle_s),
	K_INT(C, "outbox", "max_retries", 0, 0, 100, 5, outbox.max_retries),
	K_INT(C, "outbox", "retry_delay_ms", 0, 10, 600000, 1000,
	    outbox.retry_delay_ms),
	K_INT(C, "outbox", "max_deliveries", 0, 1, 1000, 10,
	    outbox.max_deliveries),
	K_INT(C, "outbox", "keep_s", 0, 60, 30 * 86400, 3600, outbox.keep_s),
};
#undef C

#define B struct config_bind
static const struct config_key config_bind_keys[] = {
	K_STR(B, NULL, "name", CONFIG_F_REQUIRED, 1, NULL, config_check_name,
	    name),
	K_STR(B, NULL, "operator", 0, 0, "", config_check_name, operator),
	K_STR(B, NULL, "host", CONFIG_F_REQUIRED, 1, NULL, NULL, host),
	K_INT(B, NULL, "port", CONFIG_F_REQUIRED, 1, 65535, 0, port),
	K_STR(B, NULL, "system_id", CONFIG_F_REQUIRED, 1, NULL, NULL,
	    system_id),
	K_STR(B, NULL, "password", 0, 0, "", NULL, password),
	K_STR(B, NULL, "system_type", 0, 0, "", NULL, system_type),
	K_ENUM(B, NULL, "mode", "transceiver", config_modes, mode),
	K_STR(B, NULL, "dialect", 0, 1, "ussd_service_op", config_check_name,
	    dialect),
	K_STR(B, NULL, "source_addr", 0, 0, "", NULL, source_addr),
	K_INT(B, NULL, "window", 0, 1, 1000, 10, window),
	K_INT(B, NULL, "tps", 0, 0, 100000, 0, tps),
	K_INT(B, NULL, "enquire_link_s", 0, 1, 3600, 30, enquire_link_s),
	K_INT(B, NULL, "response_timeout_s", 0, 1, 300, 10,
	    response_timeout_s),
	K_INT(B, NULL, "reconnect_min_s", 0, 1, 3600, 1, reconnect_min_s),
	K_INT(B, NULL, "reconnect_max_s", 0, 1, 86400, 60, reconnect_max_s),
	K_ENUM(B, NULL, "charset", "gsm7", config_charsets, charset),
	K_ENUM(B, NULL, "dlr_id", "dec", config_dlr_ids, dlr_id),
	K_BOOL(B, NULL, "trace", 0, trace),
	K_INT(B, NULL, "max_pdu", 0, 1024, 1048576, 65536, max_pdu),
};
#undef B

#define NKEYS(t)	(sizeof(t) / sizeof((t)[0]))
#define CONFIG_MAX_KEYS	64	/* per table: config_group's seen[] */
_Static_assert(NKEYS(config_keys) <= CONFIG_MAX_KEYS, "config_keys too big");
_Static_assert(NKEYS(config_bind_keys) <= CONFIG_MAX_KEYS,
    "config_bind_keys too big");

static const char *const config_groups[] = {
	"daemon", "redis", "smpp", "ussd", "sms", "security", "outbox",
	"service", NULL
};

struct config_ctx {
	const char *path;
	char        dir[PATH_MAX];	/* dirname(path) */
	char       *err;
	size_t      errsz;
};

static void config_err(struct config_ctx *, const config_setting_t *,
    const char *, ...) __attribute__((format(printf, 3, 4)));

static void
config_err(struct config_ctx *x, const config_setting_t *s, const char *fmt,
    ...)
{
	const char *file = NULL;
	va_list ap;
	int n;

	if (s != NULL)
		file = config_setting_source_file(s);
	if (file == NULL)
		file = x->path;
	if (s != NULL && config_setting_source_line(s) > 0)
		n = snprintf(x->err, x->errsz, "%s:%u: ", file,
		    (unsigned)config_setting_source_line(s));
	else
		n = snprintf(x->err, x->errsz, "%s: ", file);
	if (n < 0 || (size_t)n >= x->errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(x->err + n, x->errsz - (size_t)n, fmt, ap);
	va_end(ap);
}

static int
config_strlcpy(char *dst, const char *src, size_t dstsz)
{
	size_t n = strlen(src);

	if (n >= dstsz)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

/* Edit distance, for "did you mean" on unknown keys; short names only. */
static int
config_distance(const char *a, const char *b)
{
	int row[64], la = (int)strlen(a), lb = (int)strlen(b);

	if (la >= 63 || lb >= 63)
		return 99;
	for (int j = 0; j <= lb; j++)
		row[j] = j;
	for (int i = 1; i <= la; i++) {
		int diag = row[0], tmp;

		row[0] = i;
		for (int j = 1; j <= lb; j++) {
			int best = diag + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			diag = tmp;
		}
	}
	return row[lb];
}

static void
config_unknown(struct config_ctx *x, const config_setting_t *s,
    const char *where, const char *const *names)
{
	const char *name = config_setting_name(s), *best = NULL;
	int bestd = 3;

	for (; name != NULL && *names != NULL; names++) {
		int d = config_distance(name, *names);

		if (d < bestd) {
			bestd = d;
			best = *names;
		}
	}
	if (best != NULL)
		config_err(x, s, "unknown key '%s' (did you mean '%s'?)", where,
		    best);
	else
		config_err(x, s, "unknown key '%s'", where);
}

static void
config_enum_list(const struct config_enum *e, char *buf, size_t bufsz)
{
	size_t n = 0;

	buf[0] = '\0';
	for (; e->name != NULL; e++) {
		int w = snprintf(buf + n, bufsz - n, "%s%s", n ? ", " : "",
		    e->name);

		if (w < 0 || (size_t)w >= bufsz - n)
			return;
		n += (size_t)w;
	}
}

/* 127.a.b.c, each a decimal 0..255. */
static int
config_loopback4(const char *h, size_t n)
{
	char buf[16];
	int parts = 0;
	const char *p = buf;

	if (n < 7 || n >= sizeof(buf) || strncmp(h, "127.", 4) != 0)
		return 0;
	memcpy(buf, h, n);
	buf[n] = '\0';
	for (;;) {
		int v = 0, digits = 0;

		while (*p >= '0' && *p <= '9' && digits < 4) {
			v = v * 10 + (*p++ - '0');
			digits++;
		}
		if (digits == 0 || digits > 3 || v > 255)
			return 0;
		parts++;
		if (*p == '\0')
			return parts == 4;
		if (*p++ != '.' || parts == 4)
			return 0;
	}
}

static int
config_check_listen(const char *where, const char *in, char *out,
    size_t outsz, char *why, size_t whysz)
{
	const char *colon = strrchr(in, ':');
	char *end;
	long port;

	if (*in == '\0')
		return config_strlcpy(out, in, outsz);
	if (colon == NULL || colon == in)
		goto bad;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || *end != '\0' || port < 1 ||
	    port > 65535)
		goto bad;
	/* The admin endpoint takes actions (drain, stop, start a bind) with
	 * no authentication: only a loopback address, numeric. */
	if (!((colon - in == 3 && strncmp(in, "::1", 3) == 0) ||
	    config_loopback4(in, (size_t)(colon - in)))) {
		snprintf(why, whysz, "'%s' must listen on a loopback address "
		    "(127.0.0.0/8 or ::1): it has no authentication", where);
		return -1;
	}
	return config_strlcpy(out, in, outsz);
bad:
	snprintf(why, whysz, "'%s' must be \"HOST:PORT\" or \"\" (off)", where);
	return -1;
}

/* A sentinel's address, "HOST:PORT" (redis.sentinels). */
static int
config_check_hostport(const char *where, const char *in, char *out,
    size_t outsz, char *why, size_t whysz)
{
	const char *colon = strrchr(in, ':');
	char *end;
	long port;

	if (colon == NULL || colon == in)
		goto bad;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || *end != '\0' || port < 1 ||
	    port > 65535)
		goto bad;
	for (const char *p = in; p < colon; p++)
		if (isspace((unsigned char)*p))
			goto bad;
	if (config_strlcpy(out, in, outsz) == 0)
		return 0;
bad:
	snprintf(why, whysz, "'%s' must be \"HOST:PORT\" (port 1..65535)",
	    where);
	return -1;
}

/*
 * Names that reach logs, metrics labels and Redis (bind, operator,
 * dialect): [A-Za-z0-9_.-], so a label never needs escaping.
 */
static int
config_check_name(const char *where, const char *in, char *out, size_t outsz,
    char *why, size_t whysz)
{
	size_t n = strlen(in);

	for (const char *p = in; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' &&
		    *p != '.')
			n = outsz;
	if (n == 0 || n >= outsz) {
		snprintf(why, whysz, "'%s' must be 1..%zu characters of "
		    "A-Z a-z 0-9 _ . -", where, outsz - 1);
		return -1;
	}
	return config_strlcpy(out, in, outsz);
}

/* "*1515#" or "1515" -> "1515". */
static int
config_check_service_code(const char *where, const char *in, char *out,
    size_t outsz, char *why, size_t whysz)
{
	size_t n = strlen(in), i;

	if (n >= 2 && in[0] == '*' && in[n - 1] == '#') {
		in++;
		n -= 2;
	}
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)in[i]))
			break;
	if (n == 0 || i < n || n >= outsz) {
		snprintf(why, whysz, "'%s' must be a USSD code like \"*1515#\" "
		    "or \"1515\"", where);
		return -1;
	}
	memcpy(out, in, n);
	out[n] = '\0';
	return 0;
}

/* Language codes name catalogue files: keep them to [a-z0-9_-]. */
static int
config_check_lang(const char *where, const char *in, char *out, size_t outsz,
    char *why, size_t whysz)
{
	size_t n = strlen(in);

	for (const char *p = in; *p != '\0'; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
		    *p != '_' && *p != '-')
			n = 0;
	if (n == 0 || n >= outsz) {
		snprintf(why, whysz, "'%s' must be a language code of 1..%zu "
		    "characters a-z, 0-9, '_', '-'", where, outsz - 1);
		return -1;
	}
	return config_strlcpy(out, in, outsz);
}

static int
config_check_keyword(const char *where, const char *in, char *out,
    size_t outsz, char *why, size_t whysz)
{
	size_t n = strlen(in);

	for (const char *p = in; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p))
			n = 0;
	if (n == 0 || n >= outsz) {
		snprintf(why, whysz, "'%s' must be a word of 1..%zu letters or "
		    "digits", where, outsz - 1);
		return -1;
	}
	return config_strlcpy(out, in, outsz);
}

/* sms.receipts: the outcomes sent again by SMS. */
static int
config_check_receipt(const char *where, const char *in, char *out,
    size_t outsz, char *why, size_t whysz)
{
	if (strcmp(in, "A") != 0 && strcmp(in, "C") != 0 &&
	    strcmp(in, "D") != 0) {
		snprintf(why, whysz, "'%s' must be \"A\", \"C\" or \"D\"",
		    where);
		return -1;
	}
	return config_strlcpy(out, in, outsz);
}

/* A phone number shown to callers: digits, spaces, '+', '-', 0..23. */
static int
config_check_phone(const char *where, const char *in, char *out,
    size_t outsz, char *why, size_t whysz)
{
	for (const char *p = in; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p) && *p != ' ' && *p != '+' &&
		    *p != '-') {
			snprintf(why, whysz, "'%s' must be a phone number "
			    "(digits, spaces, '+', '-')", where);
			return -1;
		}
	return config_strlcpy(out, in, outsz);
}

/* Relative paths in the config are relative to the config's directory. */
static int
config_resolve(struct config_ctx *x, const config_setting_t *s,
    const char *where, const char *in, char *out, size_t outsz)
{
	int n;

	if (*in == '\0' || *in == '/')
		n = snprintf(out, outsz, "%s", in);
	else
		n = snprintf(out, outsz, "%s/%s", x->dir, in);
	if (n < 0 || (size_t)n >= outsz) {
		config_err(x, s, "'%s' is too long", where);
		return -1;
	}
	return 0;
}

static const struct config_enum *
config_enum_find(const struct config_enum *e, const char *name)
{
	for (; e->name != NULL; e++)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

static void
config_defaults(struct config_ctx *x, const struct config_key *keys,
    size_t nkeys, void *base)
{
	char *p = base;

	for (size_t i = 0; i < nkeys; i++) {
		const struct config_key *k = &keys[i];
		const struct config_enum *e;
		int n = 0;

		switch (k->type) {
		case CONFIG_K_INT:
		case CONFIG_K_BOOL:
			*(int *)(void *)(p + k->off) = k->def_int;
			break;
		case CONFIG_K_STR:
		case CONFIG_K_ENUMSTR:
			if (k->def_str != NULL)
				config_strlcpy(p + k->off, k->def_str, k->size);
			break;
		case CONFIG_K_PATH:
			config_resolve(x, NULL, k->name, k->def_str, p + k->off,
			    k->size);
			break;
		case CONFIG_K_ENUM:
			if ((e = config_enum_find(k->enums, k->def_str)) != NULL)
				*(int *)(void *)(p + k->off) = e->value;
			break;
		case CONFIG_K_STRLIST:
			for (; k->def_list[n] != NULL; n++)
				config_strlcpy(p + k->off + (size_t)n * k->size,
				    k->def_list[n], k->size);
			*(int *)(void *)(p + k->count_off) = n;
			break;
		case CONFIG_K_BINDS:
		case CONFIG_K_DIALECTS:
			break;
		}
	}
}

static int
config_set_string(struct config_ctx *x, const struct config_key *k,
    const config_setting_t *s, const char *where, const char *in, char *dst)
{
	char why[256];
	size_t n = strlen(in);

	if (k->check != NULL) {
		why[0] = '\0';
		if (k->check(where, in, dst, k->size, why, sizeof(why)) == -1) {
			if (why[0] == '\0')
				snprintf(why, sizeof(why), "'%s' is too long",
				    where);
			config_err(x, s, "%s", why);
			return -1;
		}
		return 0;
	}
	if ((long long)n < k->min || (long long)n > k->max) {
		if (k->min > 0)
			config_err(x, s, "'%s' must be a string of %lld..%lld "
			    "characters", where, k->min, k->max);
		else
			config_err(x, s, "'%s' must be a string of at most "
			    "%lld characters", where, k->max);
		return -1;
	}
	return config_strlcpy(dst, in, k->size);
}

static int config_binds(struct config_ctx *, const config_setting_t *,
    struct config *);
static int config_dialects(struct config_ctx *, const config_setting_t *,
    struct config *);

/* One setting s for key k, written into base. */
static int
config_set(struct config_ctx *x, const struct config_key *k,
    const config_setting_t *s, const char *where, void *base, void *top)
{
	char *dst = (char *)base + k->off, list[256];
	const struct config_enum *e;
	const char *str;
	long long v;
	int type = config_setting_type(s), n;

	switch (k->type) {
	case CONFIG_K_INT:
		if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
			goto badint;
		v = config_setting_get_int64(s);
		if (v < k->min || v > k->max)
			goto badint;
		*(int *)(void *)dst = (int)v;
		return 0;
	badint:
		config_err(x, s, "'%s' must be an integer %lld..%lld", where,
		    k->min, k->max);
		return -1;
	case CONFIG_K_BOOL:
		if (type != CONFIG_TYPE_BOOL) {
			config_err(x, s, "'%s' must be true or false", where);
			return -1;
		}
		*(int *)(void *)dst = config_setting_get_bool(s) ? 1 : 0;
		return 0;
	case CONFIG_K_STR:
	case CONFIG_K_PATH:
	case CONFIG_K_ENUM:
	case CONFIG_K_ENUMSTR:
		if (type != CONFIG_TYPE_STRING) {
			if (k->type == CONFIG_K_ENUM ||
			    k->type == CONFIG_K_ENUMSTR)
				goto badenum;
			config_err(x, s, "'%s' must be a string", where);
			return -1;
		}
		str = config_setting_get_string(s);
		if (k->type == CONFIG_K_STR)
			return config_set_string(x, k, s, where, str, dst);
		if (k->type == CONFIG_K_PATH)
			return config_resolve(x, s, where, str, dst, k->size);
		if ((e = config_enum_find(k->enums, str)) == NULL)
			goto badenum;
		if (!e->implemented) {
			config_err(x, s, "%s '%s' is not implemented yet",
			    k->name, str);
			return -1;
		}
		if (k->type == CONFIG_K_ENUM)
			*(int *)(void *)dst = e->value;
		else if (config_strlcpy(dst, e->name, k->size) == -1)
			goto badenum;
		return 0;
	badenum:
		config_enum_list(k->enums, list, sizeof(list));
		config_err(x, s, "'%s' must be one of %s", where, list);
		return -1;
	case CONFIG_K_STRLIST:
		n = config_setting_is_aggregate(s) &&
		    type != CONFIG_TYPE_GROUP ? config_setting_length(s) : -1;
		if (n < k->min || n > k->max) {
			config_err(x, s, "'%s' must be a list of %lld..%lld "
			    "strings", where, k->min, k->max);
			return -1;
		}
		for (int i = 0; i < n; i++) {
			const config_setting_t *el = config_setting_get_elem(s,
			    (unsigned)i);
			char ewhere[192];

			snprintf(ewhere, sizeof(ewhere), "%s.[%d]", where, i);
			if (config_setting_type(el) != CONFIG_TYPE_STRING) {
				config_err(x, el, "'%s' must be a string",
				    ewhere);
				return -1;
			}
			str = config_setting_get_string(el);
			if (config_set_string(x, k, el, ewhere, str,
			    dst + (size_t)i * k->size) == -1)
				return -1;
			for (int j = 0; j < i; j++)
				if (strcmp(dst + (size_t)j * k->size,
				    dst + (size_t)i * k->size) == 0) {
					config_err(x, el, "'%s' repeats "
					    "\"%s\"", where, str);
					return -1;
				}
		}
		*(int *)(void *)((char *)base + k->count_off) = n;
		return 0;
	case CONFIG_K_BINDS:
		return config_binds(x, s, top);
	case CONFIG_K_DIALECTS:
		return config_dialects(x, s, top);
	}
	return -1;
}

/*
 * Walk the members of group g against the keys whose group is gname (all
 * keys when gname is NULL), then check required keys. prefix names g in
 * messages ("redis", "smpp.binds.[0]").
 */
static int
config_group(struct config_ctx *x, const config_setting_t *g,
    const char *gname, const char *prefix, const struct config_key *keys,
    size_t nkeys, void *base, void *top)
{
	const char *names[CONFIG_MAX_KEYS + 1];
	unsigned char seen[CONFIG_MAX_KEYS];
	size_t nnames = 0;
	char where[160];
	int n = config_setting_length(g);

	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; i < nkeys; i++)
		if (gname == NULL || strcmp(keys[i].group, gname) == 0)
			names[nnames++] = keys[i].name;
	names[nnames] = NULL;

	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g,
		    (unsigned)i);
		const char *name = config_setting_name(s);
		size_t j;

		snprintf(where, sizeof(where), "%s.%s", prefix,
		    name != NULL ? name : "?");
		for (j = 0; j < nkeys; j++)
			if ((gname == NULL || strcmp(keys[j].group, gname) == 0)
			    && name != NULL && strcmp(keys[j].name, name) == 0)
				break;
		if (j == nkeys) {
			config_unknown(x, s, where, names);
			return -1;
		}
		seen[j] = 1;
		if (config_set(x, &keys[j], s, where, base, top) == -1)
			return -1;
	}
	for (size_t j = 0; j < nkeys; j++) {
		if ((gname != NULL && strcmp(keys[j].group, gname) != 0) ||
		    !(keys[j].flags & CONFIG_F_REQUIRED) || seen[j])
			continue;
		config_err(x, g, "missing required key '%s.%s'", prefix,
		    keys[j].name);
		return -1;
	}
	return 0;
}

static int
config_binds(struct config_ctx *x, const config_setting_t *list,
    struct config *cfg)
{
	int n = config_setting_type(list) == CONFIG_TYPE_LIST ?
	    config_setting_length(list) : -1;

	if (n < 1 || n > CONFIG_MAX_BINDS) {
		config_err(x, list, "'smpp.binds' must be a list of 1..%d "
		    "groups ( { name = ...; }, ... )", CONFIG_MAX_BINDS);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list,
		    (unsigned)i);
		struct config_bind *b = &cfg->binds[i];
		char prefix[64];

		snprintf(prefix, sizeof(prefix), "smpp.binds.[%d]", i);
		if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
			config_err(x, g, "'%s' must be a group { ... }", prefix);
			return -1;
		}
		memset(b, 0, sizeof(*b));
		config_defaults(x, config_bind_keys, NKEYS(config_bind_keys), b);
		b->line = (int)config_setting_source_line(g);
		if (config_group(x, g, NULL, prefix, config_bind_keys,
		    NKEYS(config_bind_keys), b, cfg) == -1)
			return -1;
		if (b->reconnect_min_s > b->reconnect_max_s) {
			config_err(x, g, "'%s.reconnect_min_s' (%d) must not "
			    "exceed reconnect_max_s (%d)", prefix,
			    b->reconnect_min_s, b->reconnect_max_s);
			return -1;
		}
		for (int j = 0; j < i; j++)
			if (strcmp(cfg->binds[j].name, b->name) == 0) {
				config_err(x, config_setting_get_member(g,
				    "name"), "bind name '%s' is already used "
				    "by smpp.binds.[%d] (line %d)", b->name, j,
				    cfg->binds[j].line);
				return -1;
			}
		cfg->nbinds = i + 1;
	}
	return 0;
}

/* ---- smpp.dialects: USSD dialect profiles (DESIGN.md §3) ---- */

static const char *const config_dialect_names[] = {
	"name", "base", "key", "begin", "op_tlv", "op_begin", "op_continue",
	"op_abort", "op_out", "op_out_continue", "op_out_end", "its_end_bit",
	"echo", "command", "dial", "service_type", "dcs_gsm7", "dcs_ucs2",
	"out_dcs_gsm7", "out_dcs_ucs2", NULL
};

/* One string of names[] -> its index, or an error listing them. */
static int
config_dialect_word(struct config_ctx *x, const config_setting_t *s,
    const char *where, const char *const *names, int *out)
{
	char list[160];
	size_t n = 0;

	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		for (int i = 0; names[i] != NULL; i++)
			if (strcmp(names[i], config_setting_get_string(s)) == 0) {
				*out = i;
				return 0;
			}
	list[0] = '\0';
	for (int i = 0; names[i] != NULL && n < sizeof(list); i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s\"%s\"",
		    i ? ", " : "", names[i]);
	config_err(x, s, "'%s' must be one of %s", where, list);
	return -1;
}

static int
config_dialect_int(struct config_ctx *x, const config_setting_t *s,
    const char *where, long long lo, long long hi, int *out)
{
	long long v;

	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		goto bad;
	v = config_setting_get_int64(s);
	if (v < lo || v > hi)
		goto bad;
	*out = (int)v;
	return 0;
bad:
	config_err(x, s, "'%s' must be an integer %lld..%lld (0x%llx)", where,
	    lo, hi, hi);
	return -1;
}

/* [ 0x01, 0x12 ]: octets as bytes on the wire, at most max of them. */
static int
config_dialect_ints(struct config_ctx *x, const config_setting_t *s,
    const char *where, int max, long long hi, int *n, void *vals, int wide)
{
	int len = config_setting_type(s) == CONFIG_TYPE_ARRAY ||
	    config_setting_type(s) == CONFIG_TYPE_LIST ?
	    config_setting_length(s) : -1;
	char ew[160];

	if (len < 0 || len > max) {
		config_err(x, s, "'%s' must be a list [ ... ] of at most %d "
		    "integers", where, max);
		return -1;
	}
	for (int i = 0; i < len; i++) {
		int v;

		snprintf(ew, sizeof(ew), "%s.[%d]", where, i);
		if (config_dialect_int(x, config_setting_get_elem(s,
		    (unsigned)i), ew, wide ? 1 : 0, hi, &v) == -1)
			return -1;
		if (wide)
			((uint16_t *)vals)[i] = (uint16_t)v;
		else
			((uint8_t *)vals)[i] = (uint8_t)v;
	}
	*n = len;
	return 0;
}

static int
config_dialect_bool(struct config_ctx *x, const config_setting_t *s,
    const char *where, int *out)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		config_err(x, s, "'%s' must be true or false", where);
		return -1;
	}
	*out = config_setting_get_bool(s) ? 1 : 0;
	return 0;
}

/* One member of a profile group (anything but name and base). */
static int
config_dialect_member(struct config_ctx *x, const config_setting_t *s,
    const char *k, const char *where, struct dialect *d)
{
	static const char *const keys[] = { "auto", "its_session_info",
	    "user_message_reference", "msisdn", NULL };
	static const char *const begins[] = { "op", "its_sequence",
	    "dial_string", NULL };
	static const char *const cmds[] = { "submit_sm", "data_sm", NULL };
	static const char *const dials[] = { "text", "destination_addr", NULL };
	static const enum dialect_key keyv[] = { DIALECT_KEY_AUTO,
	    DIALECT_KEY_ITS, DIALECT_KEY_UMR, DIALECT_KEY_MSISDN };
	int v, rc;

	if (strcmp(k, "key") == 0) {
		if ((rc = config_dialect_word(x, s, where, keys, &v)) == 0)
			d->key = keyv[v];
	} else if (strcmp(k, "begin") == 0) {
		if ((rc = config_dialect_word(x, s, where, begins, &v)) == 0)
			d->begin = (enum dialect_begin)v;
	} else if (strcmp(k, "command") == 0) {
		if ((rc = config_dialect_word(x, s, where, cmds, &v)) == 0)
			d->cmd = (enum dialect_cmd)v;
	} else if (strcmp(k, "dial") == 0) {
		if ((rc = config_dialect_word(x, s, where, dials, &v)) == 0)
			d->dial = (enum dialect_dial)v;
	} else if (strcmp(k, "op_tlv") == 0) {
		if ((rc = config_dialect_int(x, s, where, 0, 0xFFFF, &v)) == 0)
			d->op_tag = (uint16_t)v;
	} else if (strcmp(k, "op_begin") == 0)
		rc = config_dialect_ints(x, s, where, DIALECT_CODES_MAX, 0xFF,
		    &d->op_begin.n, d->op_begin.v, 0);
	else if (strcmp(k, "op_continue") == 0)
		rc = config_dialect_ints(x, s, where, DIALECT_CODES_MAX, 0xFF,
		    &d->op_continue.n, d->op_continue.v, 0);
	else if (strcmp(k, "op_abort") == 0)
		rc = config_dialect_ints(x, s, where, DIALECT_CODES_MAX, 0xFF,
		    &d->op_abort.n, d->op_abort.v, 0);
	else if (strcmp(k, "dcs_gsm7") == 0)
		rc = config_dialect_ints(x, s, where, DIALECT_CODES_MAX, 0xFF,
		    &d->dcs_gsm7.n, d->dcs_gsm7.v, 0);
	else if (strcmp(k, "dcs_ucs2") == 0)
		rc = config_dialect_ints(x, s, where, DIALECT_CODES_MAX, 0xFF,
		    &d->dcs_ucs2.n, d->dcs_ucs2.v, 0);
	else if (strcmp(k, "echo") == 0)
		rc = config_dialect_ints(x, s, where, DIALECT_ECHO_MAX, 0xFFFF,
		    &d->necho, d->echo, 1);
	else if (strcmp(k, "op_out") == 0)
		rc = config_dialect_bool(x, s, where, &d->out_op);
	else if (strcmp(k, "its_end_bit") == 0)
		rc = config_dialect_bool(x, s, where, &d->its_end_bit);
	else if (strcmp(k, "op_out_continue") == 0) {
		if ((rc = config_dialect_int(x, s, where, 0, 0xFF, &v)) == 0)
			d->op_out_continue = (uint8_t)v;
	} else if (strcmp(k, "op_out_end") == 0) {
		if ((rc = config_dialect_int(x, s, where, 0, 0xFF, &v)) == 0)
			d->op_out_end = (uint8_t)v;
	} else if (strcmp(k, "out_dcs_gsm7") == 0)
		rc = config_dialect_int(x, s, where, -1, 0xFF, &d->out_dcs_gsm7);
	else if (strcmp(k, "out_dcs_ucs2") == 0)
		rc = config_dialect_int(x, s, where, -1, 0xFF, &d->out_dcs_ucs2);
	else if (strcmp(k, "service_type") == 0) {
		if (config_setting_type(s) != CONFIG_TYPE_STRING ||
		    config_strlcpy(d->service_type, config_setting_get_string(s),
		    sizeof(d->service_type)) == -1) {
			config_err(x, s, "'%s' must be a string of at most %zu "
			    "characters", where, sizeof(d->service_type) - 1);
			rc = -1;
		} else
			rc = 0;
	} else {
		config_unknown(x, s, where, config_dialect_names);
		rc = -1;
	}
	return rc;
}

/*
 * One profile group: name (required, not a built-in's), base (the
 * built-in it starts from, [ussd_service_op]), then any other member
 * overriding the base; dialect_check last, reported at the group's line.
 */
static int
config_dialect(struct config_ctx *x, const config_setting_t *g,
    const char *prefix, struct dialect *d)
{
	const config_setting_t *name = config_setting_get_member(g, "name");
	const config_setting_t *base = config_setting_get_member(g, "base");
	const struct dialect *b;
	char where[96], why[256], keep[DIALECT_NAME_MAX];
	int n = config_setting_length(g);

	if (name == NULL) {
		config_err(x, g, "missing required key '%s.name'", prefix);
		return -1;
	}
	snprintf(where, sizeof(where), "%s.name", prefix);
	if (config_setting_type(name) != CONFIG_TYPE_STRING ||
	    config_check_name(where, config_setting_get_string(name), d->name,
	    sizeof(d->name), why, sizeof(why)) == -1) {
		if (config_setting_type(name) != CONFIG_TYPE_STRING)
			snprintf(why, sizeof(why), "'%s' must be a string", where);
		config_err(x, name, "%s", why);
		return -1;
	}
	if (dialect_builtin(d->name) != NULL) {
		config_err(x, name, "'%s' is a built-in dialect: give the "
		    "profile another name (base = \"%s\" starts from it)",
		    d->name, d->name);
		return -1;
	}
	snprintf(where, sizeof(where), "%s.base", prefix);
	if (base != NULL) {
		int v;

		if (config_dialect_word(x, base, where, dialect_builtin_names,
		    &v) == -1)
			return -1;
		b = dialect_builtin(dialect_builtin_names[v]);
	} else
		b = dialect_builtin("ussd_service_op");
	memcpy(keep, d->name, sizeof(keep));
	*d = *b;
	memcpy(d->name, keep, sizeof(d->name));
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g,
		    (unsigned)i);
		const char *k = config_setting_name(s);

		if (k == NULL || strcmp(k, "name") == 0 || strcmp(k, "base") == 0)
			continue;
		snprintf(where, sizeof(where), "%s.%s", prefix, k);
		if (config_dialect_member(x, s, k, where, d) == -1)
			return -1;
	}
	if (dialect_check(d, why, sizeof(why)) == -1) {
		config_err(x, g, "%s: %s", prefix, why);
		return -1;
	}
	return 0;
}

static int
config_dialects(struct config_ctx *x, const config_setting_t *list,
    struct config *cfg)
{
	int n = config_setting_type(list) == CONFIG_TYPE_LIST ?
	    config_setting_length(list) : -1;

	if (n < 0 || n > CONFIG_MAX_DIALECTS) {
		config_err(x, list, "'smpp.dialects' must be a list of 0..%d "
		    "groups ( { name = ...; }, ... )", CONFIG_MAX_DIALECTS);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list,
		    (unsigned)i);
		char prefix[64];

		snprintf(prefix, sizeof(prefix), "smpp.dialects.[%d]", i);
		if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
			config_err(x, g, "'%s' must be a group { ... }", prefix);
			return -1;
		}
		if (config_dialect(x, g, prefix, &cfg->dialects[i]) == -1)
			return -1;
		for (int j = 0; j < i; j++)
			if (strcmp(cfg->dialects[j].name,
			    cfg->dialects[i].name) == 0) {
				config_err(x, g, "dialect name '%s' is already "
				    "used by smpp.dialects.[%d]",
				    cfg->dialects[i].name, j);
				return -1;
			}
		cfg->ndialects = i + 1;
	}
	return 0;
}

/*
 * After the whole file: each bind's dialect names a built-in or a profile
 * of smpp.dialects (in any order in the file), its operator defaults to
 * its name.
 */
static int
config_resolve_binds(struct config_ctx *x, config_t *lc, struct config *cfg)
{
	const config_setting_t *list = config_lookup(lc, "smpp.binds");

	for (int i = 0; i < cfg->nbinds; i++) {
		struct config_bind *b = &cfg->binds[i];
		const struct dialect *d = dialect_builtin(b->dialect);
		const config_setting_t *g, *s;
		char names[256];
		size_t n = 0;

		/* Same size, distinct fields: a plain copy. */
		_Static_assert(sizeof(b->operator) == sizeof(b->name),
		    "operator and name differ in size");
		if (b->operator[0] == '\0')
			memcpy(b->operator, b->name, sizeof(b->operator));
		for (int j = 0; d == NULL && j < cfg->ndialects; j++)
			if (strcmp(cfg->dialects[j].name, b->dialect) == 0)
				d = &cfg->dialects[j];
		if (d != NULL) {
			b->profile = *d;
			continue;
		}
		for (int j = 0; dialect_builtin_names[j] != NULL; j++)
			n += (size_t)snprintf(names + n, sizeof(names) - n,
			    "%s%s", j ? ", " : "", dialect_builtin_names[j]);
		for (int j = 0; j < cfg->ndialects && n < sizeof(names); j++)
			n += (size_t)snprintf(names + n, sizeof(names) - n,
			    ", %s", cfg->dialects[j].name);
		g = list ? config_setting_get_elem(list, (unsigned)i) : NULL;
		s = g ? config_setting_get_member(g, "dialect") : NULL;
		config_err(x, s ? s : g, "'smpp.binds.[%d].dialect': no dialect "
		    "'%s' (built-in or in smpp.dialects: %s)", i, b->dialect,
		    names);
		return -1;
	}
	return 0;
}

/*
 * libconfig 1.5 wraps integer literals past INT_MAX without a word
 * (4294967296 reads as 0, i.e. "tps = no cap"), so find them in the text
 * first: a tiny scanner that skips strings and comments. Only literals with
 * an L suffix are 64-bit in libconfig, and no key of ours takes one.
 */
static int
config_scan_ints(struct config_ctx *x, FILE *fp, const char *path)
{
	char buf[64];
	int c, prev = '\n', line = 1;

	while ((c = getc(fp)) != EOF) {
		if (c == '\n')
			line++;
		if (c == '"') {
			while ((c = getc(fp)) != EOF && c != '"') {
				if (c == '\n')
					line++;
				if (c == '\\' && (c = getc(fp)) == '\n')
					line++;
			}
		} else if (c == '#' || (c == '/' && prev == '/')) {
			while ((c = getc(fp)) != EOF && c != '\n')
				;
			line += c == '\n';
			c = '\n';
		} else if (c == '*' && prev == '/') {
			for (prev = 0; (c = getc(fp)) != EOF; prev = c) {
				line += c == '\n';
				if (c == '/' && prev == '*')
					break;
			}
			c = ' ';
		} else if (isdigit(c) && !isalnum(prev) && prev != '_' &&
		    prev != '.') {
			size_t n = 0;
			unsigned long long v;
			char *end;

			do {
				if (n + 1 < sizeof(buf))
					buf[n++] = (char)c;
			} while ((c = getc(fp)) != EOF && isalnum(c));
			buf[n] = '\0';
			if (c == '.' || strchr(buf, 'e') != NULL ||
			    strchr(buf, 'E') != NULL) {
				if (buf[0] != '0' || (buf[1] != 'x' &&
				    buf[1] != 'X'))
					goto next;	/* a float */
			}
			errno = 0;
			v = strtoull(buf, &end, buf[0] == '0' &&
			    (buf[1] == 'x' || buf[1] == 'X') ? 16 : 10);
			if (*end != 'L' && (errno == ERANGE || v > INT_MAX)) {
				snprintf(x->err, x->errsz, "%s:%d: integer %s "
				    "is too large", path, line, buf);
				return -1;
			}
		next:
			/* Scan the character after the number normally. */
			if (c != EOF)
				ungetc(c, fp);
			c = '0';
		}
		prev = c;
	}
	return 0;
}

static int
config_read_checked(struct config_ctx *x, config_t *lc, const char *path)
{
	FILE *fp;
	int rc;

	/* libconfig says only "file I/O error": open it first for errno. */
	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(x->err, x->errsz, "%s: cannot open: %s", path,
		    strerror(errno));
		return -1;
	}
	rc = config_scan_ints(x, fp, path);
	fclose(fp);
	if (rc == -1)
		return -1;
	if (config_read_file(lc, path) == CONFIG_TRUE)
		return 0;
	if (config_error_type(lc) == CONFIG_ERR_FILE_IO)
		snprintf(x->err, x->errsz, "%s: cannot read: %s", path,
		    config_error_text(lc));
	else
		snprintf(x->err, x->errsz, "%s:%d: %s",
		    config_error_file(lc) ? config_error_file(lc) : path,
		    config_error_line(lc), config_error_text(lc));
	return -1;
}

/* <messages_dir>/<lang>.conf: top-level name = "text"; settings only. */
static int
config_catalog_lang(struct config_ctx *x, struct catalog *cat,
    const char *dir, const char *lang)
{
	struct config_ctx cx = *x;
	char path[PATH_MAX];
	config_t lc;
	config_setting_t *root;
	int n, rc = -1;

	if (snprintf(path, sizeof(path), "%s/%s.conf", dir, lang) >=
	    (int)sizeof(path)) {
		snprintf(x->err, x->errsz, "%s: messages_dir is too long",
		    x->path);
		return -1;
	}
	cx.path = path;
	config_init(&lc);
	if (config_read_checked(&cx, &lc, path) == -1)
		goto out;
	root = config_root_setting(&lc);
	n = config_setting_length(root);
	for (int i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(root,
		    (unsigned)i);

		if (config_setting_type(s) != CONFIG_TYPE_STRING) {
			config_err(&cx, s, "'%s' must be a string",
			    config_setting_name(s));
			goto out;
		}
		if (catalog_set(cat, lang, config_setting_name(s),
		    config_setting_get_string(s)) == -1) {
			config_err(&cx, s, "cannot store '%s'",
			    config_setting_name(s));
			goto out;
		}
	}
	rc = 0;
out:
	config_destroy(&lc);
	return rc;
}

static int
config_walk(struct config_ctx *x, config_t *lc, struct config *cfg)
{
	config_setting_t *root = config_root_setting(lc);
	int n = config_setting_length(root);
	const config_setting_t *smpp = NULL;

	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(root,
		    (unsigned)i);
		const char *name = config_setting_name(g);
		size_t j;

		for (j = 0; config_groups[j] != NULL; j++)
			if (strcmp(config_groups[j], name) == 0)
				break;
		if (config_groups[j] == NULL) {
			config_unknown(x, g, name, config_groups);
			return -1;
		}
		if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
			config_err(x, g, "'%s' must be a group { ... }", name);
			return -1;
		}
		if (strcmp(name, "smpp") == 0)
			smpp = g;
		if (config_group(x, g, name, name, config_keys,
		    NKEYS(config_keys), cfg, cfg) == -1)
			return -1;
	}
	/* Required keys of groups that are absent altogether. */
	for (size_t j = 0; j < NKEYS(config_keys); j++) {
		const struct config_key *k = &config_keys[j];

		if (!(k->flags & CONFIG_F_REQUIRED) ||
		    config_setting_get_member(root, k->group) != NULL)
			continue;
		config_err(x, NULL, "missing required key '%s.%s'", k->group,
		    k->name);
		return -1;
	}
	if (cfg->nbinds == 0) {
		config_err(x, smpp, "missing required key 'smpp.binds'");
		return -1;
	}
	/* Sentinel (issue 12): both keys or neither; no unix socket. */
	if ((cfg->redis.nsentinels > 0) != (cfg->redis.master_name[0] != '\0')) {
		config_err(x, config_lookup(lc, cfg->redis.nsentinels > 0 ?
		    "redis.sentinels" : "redis.master_name"),
		    cfg->redis.nsentinels > 0 ? "'redis.sentinels' needs "
		    "'redis.master_name' (the name the sentinels monitor)" :
		    "'redis.master_name' needs 'redis.sentinels'");
		return -1;
	}
	if (cfg->redis.nsentinels == 0 &&
	    cfg->redis.sentinel_password[0] != '\0') {
		config_err(x, config_lookup(lc, "redis.sentinel_password"),
		    "'redis.sentinel_password' needs 'redis.sentinels'");
		return -1;
	}
	if (cfg->redis.nsentinels > 0 && cfg->redis.socket[0] != '\0') {
		config_err(x, config_lookup(lc, "redis.socket"), "'redis.socket' "
		    "and 'redis.sentinels' exclude each other (the sentinels "
		    "name the master's host and port)");
		return -1;
	}
	return config_resolve_binds(x, lc, cfg);
}

int
config_load(const char *path, struct config *cfg, char *err, size_t errsz)
{
	struct config_ctx x;
	config_t lc;
	const char *slash;
	int rc = -1;

	memset(cfg, 0, sizeof(*cfg));
	memset(&x, 0, sizeof(x));
	x.path = path;
	x.err = err;
	x.errsz = errsz;
	if (errsz > 0)
		err[0] = '\0';
	if (config_strlcpy(cfg->path, path, sizeof(cfg->path)) == -1) {
		snprintf(err, errsz, "%s: path too long", path);
		return -1;
	}
	if ((slash = strrchr(path, '/')) == NULL)
		snprintf(x.dir, sizeof(x.dir), ".");
	else if (slash == path)
		snprintf(x.dir, sizeof(x.dir), "/");
	else
		snprintf(x.dir, sizeof(x.dir), "%.*s", (int)(slash - path),
		    path);

	config_defaults(&x, config_keys, NKEYS(config_keys), cfg);

	/* The config names the key files and the Redis to trust: one that
	 * others can change is refused (missing: config_read_checked says). */
	{
		struct stat sb;

		if (stat(path, &sb) == 0 && (sb.st_mode & (S_IWGRP | S_IWOTH))) {
			snprintf(err, errsz, "%s: writable by %s (mode %04o), "
			    "refused: chmod go-w", path,
			    (sb.st_mode & S_IWOTH) ? "anyone" : "its group",
			    (unsigned)(sb.st_mode & 07777));
			return -1;
		}
	}
	config_init(&lc);
	config_set_include_dir(&lc, x.dir);
	if (config_read_checked(&x, &lc, path) == -1 ||
	    config_walk(&x, &lc, cfg) == -1)
		goto out;

	if ((cfg->catalog = catalog_new()) == NULL) {
		snprintf(err, errsz, "%s: out of memory", path);
		goto out;
	}
	for (int i = 0; i < cfg->ussd.nlanguages; i++)
		if (config_catalog_lang(&x, cfg->catalog,
		    cfg->daemon.messages_dir, cfg->ussd.languages[i]) == -1)
			goto out;
	rc = 0;
out:
	config_destroy(&lc);
	if (rc == -1) {
		catalog_free(cfg->catalog);
		cfg->catalog = NULL;
	}
	return rc;
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	catalog_free(cfg->catalog);
	cfg->catalog = NULL;
}

const struct config_bind *
config_bind_find(const struct config *cfg, const char *name)
{
	for (int i = 0; i < cfg->nbinds; i++)
		if (strcmp(cfg->binds[i].name, name) == 0)
			return &cfg->binds[i];
	return NULL;
}

/* Every ussd.languages entry fits the dialog's menu. */
_Static_assert(CONFIG_MAX_LANGS <= sizeof(((struct dialog_conf *)0)->languages) /
    sizeof(((struct dialog_conf *)0)->languages[0]),
    "struct dialog_conf holds fewer languages than ussd.languages");

void
config_dialog_conf(const struct config *cfg, struct dialog_conf *dc)
{
	memset(dc, 0, sizeof(*dc));
	dc->check_expiry = cfg->security.check_expiry;
	dc->transliterate = cfg->ussd.transliterate;
	dc->nlanguages = cfg->ussd.nlanguages;
	for (int i = 0; i < cfg->ussd.nlanguages && i < CONFIG_MAX_LANGS; i++)
		snprintf(dc->languages[i], sizeof(dc->languages[i]), "%s",
		    cfg->ussd.languages[i]);
	dc->max_bad_inputs = 3;
	dc->otp_length = cfg->security.otp_length;
	dc->password_length = cfg->security.password_length;
	_Static_assert(sizeof(dc->support_phone) >=
	    sizeof(cfg->service.support_phone), "support_phone sizes");
	memcpy(dc->support_phone, cfg->service.support_phone,
	    sizeof(cfg->service.support_phone));
	for (int i = 0; i < cfg->sms.nreceipts && i < 3; i++)
		dc->receipts |= cfg->sms.receipts[i][0] == 'A' ?
		    DIALOG_RECEIPT_A : cfg->sms.receipts[i][0] == 'C' ?
		    DIALOG_RECEIPT_C : DIALOG_RECEIPT_D;
}

/*
 * Reload (SIGHUP): what a new config may change in a running daemon.
 */
const char *
config_bind_diff(const struct config_bind *a, const struct config_bind *b)
{
#define CONFIG_DIFF_STR(f) if (strcmp(a->f, b->f) != 0) return #f
#define CONFIG_DIFF_INT(f) if (a->f != b->f) return #f
	CONFIG_DIFF_STR(name);
	CONFIG_DIFF_STR(operator);
	CONFIG_DIFF_STR(host);
	CONFIG_DIFF_INT(port);
	CONFIG_DIFF_STR(system_id);
	CONFIG_DIFF_STR(password);
	CONFIG_DIFF_STR(system_type);
	CONFIG_DIFF_INT(mode);
	CONFIG_DIFF_STR(dialect);
	/* Both zeroed before they were filled (config_load): padding too. */
	if (memcmp(&a->profile, &b->profile, sizeof(a->profile)) != 0)
		return "dialect (its profile in smpp.dialects)";
	CONFIG_DIFF_STR(source_addr);
	CONFIG_DIFF_INT(window);
	CONFIG_DIFF_INT(tps);
	CONFIG_DIFF_INT(enquire_link_s);
	CONFIG_DIFF_INT(response_timeout_s);
	CONFIG_DIFF_INT(reconnect_min_s);
	CONFIG_DIFF_INT(reconnect_max_s);
	CONFIG_DIFF_INT(charset);
	CONFIG_DIFF_INT(dlr_id);
	CONFIG_DIFF_INT(trace);
	CONFIG_DIFF_INT(max_pdu);
	return NULL;
#undef CONFIG_DIFF_STR
#undef CONFIG_DIFF_INT
}

int
config_reload_check(const struct config *old, const struct config *nw,
    char *err, size_t errsz)
{
	const char *key = NULL;

#define CONFIG_FIXED_STR(f) if (key == NULL && strcmp(old->f, nw->f) != 0) key = #f
#define CONFIG_FIXED_INT(f) if (key == NULL && old->f != nw->f) key = #f
	CONFIG_FIXED_STR(daemon.admin_listen);
	CONFIG_FIXED_STR(daemon.instance);	/* the outbox consumer name */
	CONFIG_FIXED_STR(redis.host);
	CONFIG_FIXED_INT(redis.port);
	CONFIG_FIXED_STR(redis.socket);
	CONFIG_FIXED_INT(redis.db);
	CONFIG_FIXED_STR(redis.prefix);
	CONFIG_FIXED_INT(redis.timeout_ms);
	CONFIG_FIXED_STR(redis.username);
	CONFIG_FIXED_STR(redis.password);
	CONFIG_FIXED_INT(redis.require_aof);
	CONFIG_FIXED_INT(redis.nsentinels);
	for (int i = 0; key == NULL && i < old->redis.nsentinels; i++)
		CONFIG_FIXED_STR(redis.sentinels[i]);
	if (key != NULL && strncmp(key, "redis.sentinels", 15) == 0)
		key = "redis.sentinels";
	CONFIG_FIXED_STR(redis.master_name);
	CONFIG_FIXED_STR(redis.sentinel_password);
	CONFIG_FIXED_STR(security.outbox_key_file);
	CONFIG_FIXED_STR(security.provisioning_pubkey_file);
	CONFIG_FIXED_STR(security.outbox_key_old_file);
	CONFIG_FIXED_INT(outbox.claim_idle_s);
	CONFIG_FIXED_INT(outbox.max_retries);
	CONFIG_FIXED_INT(outbox.retry_delay_ms);
	CONFIG_FIXED_INT(outbox.max_deliveries);
	CONFIG_FIXED_INT(outbox.keep_s);
	CONFIG_FIXED_INT(ussd.nlanguages);
	for (int i = 0; key == NULL && i < old->ussd.nlanguages; i++)
		CONFIG_FIXED_STR(ussd.languages[i]);
	if (key != NULL && strncmp(key, "ussd.languages", 14) == 0)
		key = "ussd.languages";
	/* A bind added is started; one removed (or renamed) is not done. */
	for (int i = 0; key == NULL && i < old->nbinds; i++)
		if (config_bind_find(nw, old->binds[i].name) == NULL)
			key = "smpp.binds (a bind removed or renamed)";
#undef CONFIG_FIXED_STR
#undef CONFIG_FIXED_INT
	if (key == NULL)
		return 0;
	snprintf(err, errsz, "%s: %s cannot change without a restart",
	    nw->path, key);
	return -1;
}
