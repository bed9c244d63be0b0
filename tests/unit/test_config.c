/*
 * test_config: the shipped config loads, defaults and explicit values land
 * in the struct, and every broken sample under tests/unit/data/config/ is
 * refused with the exact "FILE:LINE: reason"; config_dialog_conf maps every
 * dialog setting. Run from the repository root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "dialog.h"
#include "log.h"

#define D "tests/unit/data/config/"

static struct config cfg;	/* large: keep it off the stack */

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static void
copy_file(const char *from, const char *to)
{
	char buf[8192];
	size_t n;
	FILE *in = fopen(from, "r"), *out = fopen(to, "w");

	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

static void
check_shipped(const struct config *c)
{
	const struct config_bind *b;

	assert_int_equal(c->daemon.log_level, LOG_LVL_INFO);
	assert_string_equal(c->daemon.admin_listen, "127.0.0.1:9375");
	assert_int_equal(c->daemon.log_dialogs, 0);
	assert_int_equal(c->daemon.drain_s, 5);
	assert_string_equal(c->daemon.instance, "");
	assert_string_equal(c->redis.host, "127.0.0.1");
	assert_int_equal(c->redis.port, 6380);
	assert_int_equal(c->nbinds, 1);
	assert_non_null(b = config_bind_find(c, "sim"));
	assert_string_equal(b->host, "127.0.0.1");
	assert_int_equal(b->port, 2775);
	assert_string_equal(b->system_id, "tnsgw");
	assert_string_equal(b->password, "secret");
	assert_int_equal(b->mode, CONFIG_MODE_TRX);
	assert_string_equal(b->dialect, "ussd_service_op");
	assert_int_equal(b->max_pdu, 65536);
	assert_string_equal(c->ussd.service_code, "1515");
	assert_int_equal(c->ussd.nlanguages, 3);
	assert_non_null(c->catalog);
}

/* The shipped file, with stand-in catalogues next to it in a temp dir. */
static void
test_shipped_config(void **state)
{
	char dir[] = "/tmp/tnsgw-test-config-XXXXXX", p[PATH_MAX], e[512];
	const char *langs[] = { "fr", "ar", "tzm" };

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/messages", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/messages/%s.conf", dir, langs[i]);
		write_file(p, "welcome = \"x\";\n");
	}
	snprintf(p, sizeof(p), "%s/tnsgw.conf", dir);
	copy_file("etc/tnsgw.conf", p);

	if (config_load(p, &cfg, e, sizeof(e)) != 0)
		fail_msg("%s", e);
	check_shipped(&cfg);
	snprintf(p, sizeof(p), "%s/messages", dir);
	assert_string_equal(cfg.daemon.messages_dir, p);
	assert_string_equal(catalog_get(cfg.catalog, "tzm", "welcome"), "x");
	config_free(&cfg);

	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/messages/%s.conf", dir, langs[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/messages", dir);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/tnsgw.conf", dir);
	unlink(p);
	rmdir(dir);
}

/* The shipped file with the shipped catalogue, once that exists. */
static void
test_shipped_with_catalogue(void **state)
{
	char e[512];

	(void)state;
	if (access("etc/messages/fr.conf", R_OK) != 0 ||
	    access("etc/messages/ar.conf", R_OK) != 0 ||
	    access("etc/messages/tzm.conf", R_OK) != 0)
		skip();
	if (config_load("etc/tnsgw.conf", &cfg, e, sizeof(e)) != 0)
		fail_msg("%s", e);
	check_shipped(&cfg);
	assert_string_equal(cfg.daemon.messages_dir, "etc/messages");
	config_free(&cfg);
}

static void
test_defaults(void **state)
{
	const struct config_bind *b;
	char e[512];

	(void)state;
	if (config_load(D "minimal.conf", &cfg, e, sizeof(e)) != 0)
		fail_msg("%s", e);
	assert_string_equal(cfg.path, D "minimal.conf");
	assert_int_equal(cfg.daemon.log_level, LOG_LVL_INFO);
	assert_string_equal(cfg.daemon.admin_listen, "127.0.0.1:9375");
	assert_string_equal(cfg.daemon.messages_dir, D "messages");
	assert_int_equal(cfg.daemon.log_dialogs, 0);
	assert_int_equal(cfg.daemon.drain_s, 5);
	assert_string_equal(cfg.daemon.instance, "");
	assert_string_equal(cfg.redis.host, "127.0.0.1");
	assert_int_equal(cfg.redis.port, 6379);
	assert_string_equal(cfg.redis.socket, "");
	assert_int_equal(cfg.redis.db, 0);
	assert_string_equal(cfg.redis.prefix, "tns:");
	assert_int_equal(cfg.redis.timeout_ms, 200);
	/* Redis as a trust boundary (issue 9, piece c) */
	assert_string_equal(cfg.redis.username, "");
	assert_string_equal(cfg.redis.password, "");
	assert_int_equal(cfg.redis.require_aof, CONFIG_AOF_EVERYSEC);
	assert_int_equal(cfg.redis.nsentinels, 0);
	assert_string_equal(cfg.redis.master_name, "");

	assert_int_equal(cfg.nbinds, 1);
	b = &cfg.binds[0];
	assert_string_equal(b->name, "op1");
	assert_string_equal(b->host, "10.0.0.1");
	assert_int_equal(b->port, 2775);
	assert_string_equal(b->system_id, "gw");
	assert_string_equal(b->password, "");
	assert_string_equal(b->system_type, "");
	assert_int_equal(b->mode, CONFIG_MODE_TRX);
	assert_string_equal(b->dialect, "ussd_service_op");
	assert_string_equal(b->source_addr, "");
	assert_int_equal(b->window, 10);
	assert_int_equal(b->tps, 0);
	assert_int_equal(b->enquire_link_s, 30);
	assert_int_equal(b->response_timeout_s, 10);
	assert_int_equal(b->reconnect_min_s, 1);
	assert_int_equal(b->reconnect_max_s, 60);
	assert_int_equal(b->charset, GSM_CHARSET_GSM7);
	assert_int_equal(b->dlr_id, CONFIG_DLR_DEC);
	assert_int_equal(b->trace, 0);
	assert_int_equal(b->max_pdu, 65536);
	assert_int_equal(b->line, 3);

	assert_string_equal(cfg.ussd.service_code, "1515");
	assert_int_equal(cfg.ussd.session_timeout_s, 120);
	assert_int_equal(cfg.ussd.nlanguages, 3);
	assert_string_equal(cfg.ussd.languages[0], "fr");
	assert_string_equal(cfg.ussd.languages[1], "ar");
	assert_string_equal(cfg.ussd.languages[2], "tzm");
	assert_int_equal(cfg.ussd.transliterate, 1);
	assert_int_equal(cfg.ussd.duplicate_window_ms, 0);
	assert_int_equal(cfg.sms.nkeywords, 1);
	assert_string_equal(cfg.sms.keywords[0], "TNS");

	assert_int_equal(cfg.security.check_expiry, 1);
	assert_int_equal(cfg.security.otp_length, 6);
	assert_int_equal(cfg.security.otp_ttl_s, 300);
	assert_int_equal(cfg.security.otp_max_attempts, 3);
	assert_int_equal(cfg.security.password_length, 10);
	assert_int_equal(cfg.security.max_requests_per_msisdn_hour, 10);
	assert_int_equal(cfg.security.max_failures_per_id_day, 5);
	assert_int_equal(cfg.security.failure_alarm_per_min, 600);
	assert_int_equal(cfg.security.password_to, CONFIG_PW_REGISTERED_PHONE);
	assert_string_equal(cfg.security.outbox_key_file, "");
	assert_string_equal(cfg.security.provisioning_pubkey_file, "");
	assert_string_equal(cfg.security.outbox_key_old_file, "");

	assert_string_equal(catalog_get(cfg.catalog, "fr", "welcome"),
	    "Bienvenue à la CNSS");
	assert_string_equal(catalog_get(cfg.catalog, "fr", "lang_menu"),
	    "1 Français\n2 العربية\n3 ⵜⴰⵎⴰⵣⵉⵖⵜ");
	assert_string_equal(catalog_get(cfg.catalog, "ar", "welcome"),
	    "مرحبا");
	assert_null(catalog_get(cfg.catalog, "ar", "lang_menu"));
	config_free(&cfg);
	assert_null(cfg.catalog);
}

static void
test_explicit_values(void **state)
{
	const struct config_bind *b;
	char e[512];

	(void)state;
	if (config_load(D "full.conf", &cfg, e, sizeof(e)) != 0)
		fail_msg("%s", e);
	assert_int_equal(cfg.daemon.log_level, LOG_LVL_DEBUG);
	assert_string_equal(cfg.daemon.admin_listen, "");
	assert_int_equal(cfg.daemon.log_dialogs, 1);
	assert_int_equal(cfg.daemon.drain_s, 12);
	assert_string_equal(cfg.daemon.instance, "gw-2.casa");
	assert_string_equal(cfg.redis.socket, "/run/redis/redis.sock");
	assert_int_equal(cfg.redis.db, 3);
	assert_string_equal(cfg.redis.prefix, "t2:");
	assert_int_equal(cfg.redis.timeout_ms, 50);
	assert_string_equal(cfg.redis.username, "tnsgw");
	assert_string_equal(cfg.redis.password, "s3cret pass");
	assert_int_equal(cfg.redis.require_aof, CONFIG_AOF_ALWAYS);

	assert_int_equal(cfg.nbinds, 2);
	assert_non_null(b = config_bind_find(&cfg, "iam"));
	assert_ptr_equal(b, &cfg.binds[0]);
	assert_string_equal(b->system_type, "USSD");
	assert_string_equal(b->password, "pw");
	assert_string_equal(b->source_addr, "1515");
	assert_int_equal(b->window, 50);
	assert_int_equal(b->tps, 100);
	assert_int_equal(b->charset, GSM_CHARSET_LATIN1);
	assert_int_equal(b->dlr_id, CONFIG_DLR_HEX);
	assert_int_equal(b->trace, 1);
	assert_int_equal(b->max_pdu, 4096);
	assert_int_equal(b->line, 14);
	assert_non_null(b = config_bind_find(&cfg, "inwi"));
	assert_int_equal(b->reconnect_min_s, 5);
	assert_int_equal(b->reconnect_max_s, 5);
	assert_int_equal(b->window, 10);
	assert_null(config_bind_find(&cfg, "orange"));

	assert_string_equal(cfg.ussd.service_code, "1515");
	assert_int_equal(cfg.ussd.session_timeout_s, 60);
	assert_int_equal(cfg.ussd.nlanguages, 2);
	assert_string_equal(cfg.ussd.languages[0], "ar");
	assert_string_equal(cfg.ussd.languages[1], "fr");
	assert_int_equal(cfg.ussd.transliterate, 0);
	assert_int_equal(cfg.ussd.duplicate_window_ms, 1500);
	assert_int_equal(cfg.sms.nkeywords, 2);
	assert_string_equal(cfg.sms.keywords[1], "CNSS");
	assert_int_equal(cfg.security.check_expiry, 0);
	assert_int_equal(cfg.security.otp_length, 8);
	assert_int_equal(cfg.security.password_to, CONFIG_PW_CALLER);
	/* Relative paths are taken from the config file's directory. */
	assert_string_equal(cfg.security.outbox_key_file, D "keys/outbox.key");
	assert_string_equal(cfg.security.outbox_key_old_file,
	    D "keys/outbox.old.key");
	assert_string_equal(cfg.security.provisioning_pubkey_file,
	    "/etc/tnsgw/backoffice.pub");
	/* Catalogues are loaded in ussd.languages order. */
	assert_int_equal(catalog_nlangs(cfg.catalog), 2);
	assert_string_equal(catalog_lang(cfg.catalog, 0), "ar");
	assert_string_equal(catalog_lang(cfg.catalog, 1), "fr");
	assert_null(catalog_get(cfg.catalog, "tzm", "welcome"));
	config_free(&cfg);
}

struct bad_case {
	const char *file;
	const char *err;
};

static const struct bad_case bad_cases[] = {
	/* unknown keys, at each level */
	{ "unknown_top.conf", D "unknown_top.conf:6: unknown key 'loglevel'" },
	{ "unknown_group.conf",
	  D "unknown_group.conf:3: unknown key 'redis.prot' "
	  "(did you mean 'port'?)" },
	{ "unknown_bind.conf",
	  D "unknown_bind.conf:14: unknown key 'smpp.binds.[1].windw' "
	  "(did you mean 'window'?)" },
	{ "unknown_nosuggest.conf",
	  D "unknown_nosuggest.conf:6: unknown key 'ussd.flavour'" },
	/* the admin endpoint has no authentication: loopback only */
	{ "admin_public.conf",
	  D "admin_public.conf:6: 'daemon.admin_listen' must listen on a "
	  "loopback address (127.0.0.0/8 or ::1): it has no authentication" },
	{ "group_scalar.conf",
	  D "group_scalar.conf:1: 'redis' must be a group { ... }" },
	/* types */
	{ "port_string.conf",
	  D "port_string.conf:3: 'smpp.binds.[0].port' must be an integer "
	  "1..65535" },
	{ "system_id_int.conf",
	  D "system_id_int.conf:6: 'smpp.binds.[0].system_id' must be a "
	  "string" },
	{ "drain_s.conf",
	  D "drain_s.conf:1: 'daemon.drain_s' must be an integer 0..600" },
	{ "instance.conf",
	  D "instance.conf:1: 'daemon.instance' must be 1..63 characters of "
	  "A-Z a-z 0-9 _ . -" },
	{ "log_dialogs.conf",
	  D "log_dialogs.conf:1: 'daemon.log_dialogs' must be true or false" },
	{ "bool_string.conf",
	  D "bool_string.conf:6: 'ussd.transliterate' must be true or false" },
	{ "window_float.conf",
	  D "window_float.conf:3: 'smpp.binds.[0].window' must be an integer "
	  "1..1000" },
	{ "bind_scalar.conf",
	  D "bind_scalar.conf:4: 'smpp.binds.[1]' must be a group { ... }" },
	/* bounds */
	{ "tps_int64.conf",
	  D "tps_int64.conf:5: integer 4294967296 is too large" },
	{ "int64_suffix.conf",
	  D "int64_suffix.conf:3: 'smpp.binds.[0].tps' must be an integer "
	  "0..100000" },
	{ "redis_port.conf",
	  D "redis_port.conf:2: 'redis.port' must be an integer 1..65535" },
	/* Sentinel: both keys or neither, HOST:PORT, no unix socket */
	{ "sentinel_no_name.conf",
	  D "sentinel_no_name.conf:2: 'redis.sentinels' needs "
	  "'redis.master_name' (the name the sentinels monitor)" },
	{ "master_name_alone.conf",
	  D "master_name_alone.conf:2: 'redis.master_name' needs "
	  "'redis.sentinels'" },
	{ "sentinel_addr.conf",
	  D "sentinel_addr.conf:3: 'redis.sentinels.[1]' must be "
	  "\"HOST:PORT\" (port 1..65535)" },
	{ "sentinel_password_alone.conf",
	  D "sentinel_password_alone.conf:2: 'redis.sentinel_password' needs "
	  "'redis.sentinels'" },
	{ "sentinel_socket.conf",
	  D "sentinel_socket.conf:2: 'redis.socket' and 'redis.sentinels' "
	  "exclude each other (the sentinels name the master's host and "
	  "port)" },
	{ "failure_alarm.conf",
	  D "failure_alarm.conf:2: 'security.failure_alarm_per_min' must be an "
	  "integer 0..10000000" },
	{ "max_pdu.conf",
	  D "max_pdu.conf:3: 'smpp.binds.[0].max_pdu' must be an integer "
	  "1024..1048576" },
	{ "system_id_long.conf",
	  D "system_id_long.conf:3: 'smpp.binds.[0].system_id' must be a "
	  "string of 1..15 characters" },
	{ "reconnect.conf",
	  D "reconnect.conf:2: 'smpp.binds.[0].reconnect_min_s' (30) must "
	  "not exceed reconnect_max_s (10)" },
	/* enums */
	{ "bad_mode.conf",
	  D "bad_mode.conf:5: 'smpp.binds.[1].mode' must be one of "
	  "transceiver, transmitter+receiver" },
	{ "dialect_bad.conf",
	  D "dialect_bad.conf:3: 'smpp.binds.[0].dialect': no dialect "
	  "'huawei' (built-in or in smpp.dialects: ussd_service_op, "
	  "its_session_info, its_session_info_only, user_message_reference, "
	  "msisdn)" },
	/* dialect profiles */
	{ "dialect_conflict.conf",
	  D "dialect_conflict.conf:4: smpp.dialects.[0]: op_abort: 0x12 is "
	  "also in op_continue" },
	{ "dialect_member.conf",
	  D "dialect_member.conf:3: unknown key "
	  "'smpp.dialects.[0].servce_type' (did you mean 'service_type'?)" },
	{ "dialect_builtin_name.conf",
	  D "dialect_builtin_name.conf:3: 'msisdn' is a built-in dialect: "
	  "give the profile another name (base = \"msisdn\" starts from it)" },
	{ "dialect_code_range.conf",
	  D "dialect_code_range.conf:3: 'smpp.dialects.[0].op_begin.[0]' must "
	  "be an integer 0..255 (0xff)" },
	{ "bind_name_chars.conf",
	  D "bind_name_chars.conf:2: 'smpp.binds.[0].name' must be 1..31 "
	  "characters of A-Z a-z 0-9 _ . -" },
	{ "require_aof.conf",
	  D "require_aof.conf:2: 'redis.require_aof' must be one of "
	  "no, everysec, always, off" },
	{ "password_to.conf",
	  D "password_to.conf:6: 'security.password_to' must be one of "
	  "registered_phone, caller" },
	/* values */
	{ "service_code.conf",
	  D "service_code.conf:4: 'ussd.service_code' must be a USSD code "
	  "like \"*1515#\" or \"1515\"" },
	{ "languages_empty.conf",
	  D "languages_empty.conf:6: 'ussd.languages' must be a list of 1..8 "
	  "strings" },
	{ "lang_path.conf",
	  D "lang_path.conf:7: 'ussd.languages.[1]' must be a language code "
	  "of 1..7 characters a-z, 0-9, '_', '-'" },
	/* binds */
	{ "dup_bind.conf",
	  D "dup_bind.conf:5: bind name 'iam' is already used by "
	  "smpp.binds.[0] (line 3)" },
	{ "no_binds.conf",
	  D "no_binds.conf:2: 'smpp.binds' must be a list of 1..16 groups "
	  "( { name = ...; }, ... )" },
	{ "no_smpp.conf",
	  D "no_smpp.conf: missing required key 'smpp.binds'" },
	{ "bind_no_name.conf",
	  D "bind_no_name.conf:3: missing required key "
	  "'smpp.binds.[0].name'" },
	/* syntax */
	{ "syntax.conf", D "syntax.conf:6: syntax error" },
	/* catalogue */
	{ "missing_catalog.conf",
	  D "messages/zz.conf: cannot open: No such file or directory" },
	{ "bad_catalog.conf",
	  D "badmsg/fr.conf:3: 'retries' must be a string" },
	{ "does_not_exist.conf",
	  D "does_not_exist.conf: cannot open: No such file or directory" },
};

static void
test_bad_configs(void **state)
{
	char path[PATH_MAX], e[CONFIG_ERR_MAX];
	int failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *t = &bad_cases[i];

		snprintf(path, sizeof(path), D "%s", t->file);
		memset(&cfg, 0xa5, sizeof(cfg));
		if (config_load(path, &cfg, e, sizeof(e)) != -1) {
			print_error("%s: loaded\n", t->file);
			config_free(&cfg);
			failed++;
			continue;
		}
		if (strcmp(e, t->err) != 0) {
			print_error("%s:\n  want %s\n  got  %s\n", t->file,
			    t->err, e);
			failed++;
		}
		assert_null(cfg.catalog);
		config_free(&cfg);	/* nothing to free, must be safe */
	}
	assert_int_equal(failed, 0);
}

/* Binds in transmitter+receiver mode, operators, every built-in dialect
 * and a profile of the config, resolved per bind. */
static void
test_dialects(void **state)
{
	const struct config_bind *b;
	char e[512];

	(void)state;
	if (config_load(D "dialects.conf", &cfg, e, sizeof(e)) != 0)
		fail_msg("%s", e);
	assert_int_equal(cfg.ndialects, 1);
	assert_non_null(b = config_bind_find(&cfg, "op1.trx"));
	assert_string_equal(b->operator, "op1");
	assert_int_equal(b->mode, CONFIG_MODE_TRX);
	assert_string_equal(b->profile.name, "opx");
	assert_int_equal(b->profile.key, DIALECT_KEY_MSISDN);
	assert_int_equal(b->profile.cmd, DIALECT_CMD_DATA_SM);
	assert_int_equal(b->profile.dial, DIALECT_DIAL_DEST);
	assert_string_equal(b->profile.service_type, "USSD");
	assert_int_equal(b->profile.op_continue.n, 2);
	assert_int_equal(b->profile.op_continue.v[1], 0x20);
	assert_int_equal(b->profile.op_abort.v[1], 0x22);
	assert_int_equal(b->profile.op_begin.n, 1);	/* from the base */
	assert_int_equal(b->profile.dcs_ucs2.v[0], 0x11);
	assert_int_equal(b->profile.out_dcs_gsm7, 0x0F);
	assert_int_equal(b->profile.out_dcs_ucs2, 0x48);
	assert_non_null(b = config_bind_find(&cfg, "op1-pair"));
	assert_int_equal(b->mode, CONFIG_MODE_TX_RX);
	assert_string_equal(b->profile.name, "its_session_info");
	assert_int_equal(b->profile.key, DIALECT_KEY_ITS);
	config_free(&cfg);

	/* once refused as "not implemented yet" */
	if (config_load(D "mode_txrx.conf", &cfg, e, sizeof(e)) != 0)
		fail_msg("%s", e);
	assert_int_equal(cfg.binds[0].mode, CONFIG_MODE_TX_RX);
	assert_string_equal(cfg.binds[0].operator, "op1");	/* its name */
	config_free(&cfg);
	if (config_load(D "dialect_later.conf", &cfg, e, sizeof(e)) != 0)
		fail_msg("%s", e);
	assert_string_equal(cfg.binds[0].profile.name, "its_session_info");
	config_free(&cfg);
}

/* redis.sentinels and redis.master_name land in the struct; both are
 * restart-only. */
static void
test_sentinel(void **state)
{
	static struct config b;
	char e[512];

	(void)state;
	if (config_load(D "sentinel.conf", &cfg, e, sizeof(e)) != 0)
		fail_msg("%s", e);
	assert_int_equal(cfg.redis.nsentinels, 2);
	assert_string_equal(cfg.redis.sentinels[0], "127.0.0.1:26379");
	assert_string_equal(cfg.redis.sentinels[1], "sentinel-2.example:26380");
	assert_string_equal(cfg.redis.master_name, "tnsgw");
	if (config_load(D "sentinel.conf", &b, e, sizeof(e)) != 0)
		fail_msg("%s", e);
	assert_int_equal(config_reload_check(&cfg, &b, e, sizeof(e)), 0);
	b.redis.sentinels[1][0] = 'x';
	assert_int_equal(config_reload_check(&cfg, &b, e, sizeof(e)), -1);
	assert_non_null(strstr(e, ": redis.sentinels cannot change"));
	b.redis = cfg.redis;
	b.redis.nsentinels = 1;
	assert_int_equal(config_reload_check(&cfg, &b, e, sizeof(e)), -1);
	b.redis = cfg.redis;
	snprintf(b.redis.master_name, sizeof(b.redis.master_name), "other");
	assert_int_equal(config_reload_check(&cfg, &b, e, sizeof(e)), -1);
	assert_non_null(strstr(e, ": redis.master_name cannot change"));
	b.redis = cfg.redis;
	snprintf(b.redis.sentinel_password, sizeof(b.redis.sentinel_password),
	    "new");
	assert_int_equal(config_reload_check(&cfg, &b, e, sizeof(e)), -1);
	assert_non_null(strstr(e, ": redis.sentinel_password cannot change"));
	config_free(&b);
	config_free(&cfg);
}

/* A small error buffer truncates, never overflows. */
static void
test_small_err_buffer(void **state)
{
	char e[16];

	(void)state;
	memset(e, 'x', sizeof(e));
	assert_int_equal(config_load(D "unknown_top.conf", &cfg, e, sizeof(e)),
	    -1);
	assert_int_equal(strlen(e), sizeof(e) - 1);
	assert_memory_equal(e, D, sizeof(e) - 1);
	config_free(NULL);
}

/*
 * struct dialog_conf as config_dialog_conf knows it. A field added to the
 * real one changes its size and fails test_dialog_conf: map the new field
 * in config_dialog_conf, check it below, then add it here.
 */
struct dialog_conf_known {
	int  check_expiry;
	int  transliterate;
	int  nlanguages;
	char languages[8][CATALOG_LANG_MAX];
	int  max_bad_inputs;
	long today_days;
	int  otp_length;
	int  password_length;
	char support_phone[24];
	int  receipts;
};

/* One mapping, two configs whose booleans are swapped so that no field can
 * be read from its neighbour; every byte of the result is written whatever
 * was there before. */
static void
test_dialog_conf(void **state)
{
	static struct config c;
	struct dialog_conf dc, junk;
	const char *langs[] = { "tzm", "ar", "fr" };

	(void)state;
	assert_int_equal(sizeof(struct dialog_conf),
	    sizeof(struct dialog_conf_known));
	for (int flip = 0; flip < 2; flip++) {
		memset(&c, 0, sizeof(c));
		c.security.check_expiry = !flip;
		c.ussd.transliterate = flip;
		c.ussd.nlanguages = 3;
		for (int i = 0; i < 3; i++)
			snprintf(c.ussd.languages[i], sizeof(c.ussd.languages[i]),
			    "%s", langs[i]);
		c.security.otp_length = 7 + flip;
		c.security.password_length = 12 + flip;
		snprintf(c.service.support_phone, sizeof(c.service.support_phone),
		    "080%d 20 30 30", flip);
		c.sms.nreceipts = 2 - flip;
		strcpy(c.sms.receipts[0], flip ? "D" : "A");
		strcpy(c.sms.receipts[1], "C");
		/* Settings the dialog does not take must not leak in. */
		c.security.otp_ttl_s = 300;
		c.security.max_failures_per_id_day = 5;
		c.ussd.session_timeout_s = 60;

		memset(&dc, 0xA5, sizeof(dc));
		config_dialog_conf(&c, &dc);
		assert_int_equal(dc.check_expiry, !flip);
		assert_int_equal(dc.transliterate, flip);
		assert_int_equal(dc.nlanguages, 3);
		for (int i = 0; i < 3; i++)
			assert_string_equal(dc.languages[i], langs[i]);
		for (int i = 3; i < 8; i++)
			assert_string_equal(dc.languages[i], "");
		assert_int_equal(dc.max_bad_inputs, 3);
		assert_int_equal(dc.today_days, 0);	/* the caller's clock */
		assert_int_equal(dc.otp_length, 7 + flip);
		assert_int_equal(dc.password_length, 12 + flip);
		assert_string_equal(dc.support_phone, flip ? "0801 20 30 30" :
		    "0800 20 30 30");
		assert_int_equal(dc.receipts, flip ? DIALOG_RECEIPT_D :
		    DIALOG_RECEIPT_A | DIALOG_RECEIPT_C);

		memset(&junk, 0x5A, sizeof(junk));
		config_dialog_conf(&c, &junk);
		assert_memory_equal(&dc, &junk, sizeof(dc));
	}
}

/* The shipped file's settings reach the dialog as loaded. */
static void
test_dialog_conf_loaded(void **state)
{
	struct dialog_conf dc;
	char e[512];

	(void)state;
	if (config_load(D "full.conf", &cfg, e, sizeof(e)) != 0)
		fail_msg("%s", e);
	config_dialog_conf(&cfg, &dc);
	assert_int_equal(dc.check_expiry, 0);
	assert_int_equal(dc.transliterate, 0);
	assert_int_equal(dc.nlanguages, 2);
	assert_string_equal(dc.languages[0], "ar");
	assert_string_equal(dc.languages[1], "fr");
	assert_int_equal(dc.otp_length, 8);
	assert_int_equal(dc.password_length, cfg.security.password_length);
	/* sms.receipts by default: A, C and D. */
	assert_int_equal(dc.receipts, DIALOG_RECEIPT_A | DIALOG_RECEIPT_C |
	    DIALOG_RECEIPT_D);
	config_free(&cfg);
}

/* Reload: config_bind_diff names the first bind key that differs;
 * config_reload_check refuses the keys only a restart changes. */
static void
test_reload_checks(void **state)
{
	static struct config a, b;
	struct config_bind x;
	char e[512];

	(void)state;
	if (access("etc/messages/fr.conf", R_OK) != 0)
		skip();
	if (config_load("etc/tnsgw.conf", &a, e, sizeof(e)) != 0 ||
	    config_load("etc/tnsgw.conf", &b, e, sizeof(e)) != 0)
		fail_msg("%s", e);
	assert_null(config_bind_diff(&a.binds[0], &b.binds[0]));
	assert_int_equal(config_reload_check(&a, &b, e, sizeof(e)), 0);

	x = a.binds[0];
	x.tps = 50;
	assert_string_equal(config_bind_diff(&a.binds[0], &x), "tps");
	x = a.binds[0];
	x.password[0] ^= 1;
	assert_string_equal(config_bind_diff(&a.binds[0], &x), "password");
	x = a.binds[0];
	x.profile.begin ^= 1;
	assert_non_null(strstr(config_bind_diff(&a.binds[0], &x), "dialect"));

	/* What may change live passes. */
	b.binds[0].tps = 50;
	b.daemon.log_level = LOG_LVL_DEBUG;
	b.security.otp_ttl_s = 60;
	snprintf(b.ussd.service_code, sizeof(b.ussd.service_code), "1616");
	assert_int_equal(config_reload_check(&a, &b, e, sizeof(e)), 0);

	snprintf(b.redis.prefix, sizeof(b.redis.prefix), "x:");
	assert_int_equal(config_reload_check(&a, &b, e, sizeof(e)), -1);
	assert_non_null(strstr(e, "redis.prefix cannot change without a restart"));
	b.redis = a.redis;
	snprintf(b.daemon.admin_listen, sizeof(b.daemon.admin_listen), "127.0.0.1:1");
	assert_int_equal(config_reload_check(&a, &b, e, sizeof(e)), -1);
	assert_non_null(strstr(e, "daemon.admin_listen"));
	b.daemon = a.daemon;
	snprintf(b.daemon.instance, sizeof(b.daemon.instance), "gw9");
	assert_int_equal(config_reload_check(&a, &b, e, sizeof(e)), -1);
	assert_non_null(strstr(e, "daemon.instance"));
	b.daemon = a.daemon;
	b.ussd.languages[1][0] = 'x';
	assert_int_equal(config_reload_check(&a, &b, e, sizeof(e)), -1);
	assert_non_null(strstr(e, ": ussd.languages cannot"));
	b.ussd = a.ussd;
	b.outbox.keep_s++;
	assert_int_equal(config_reload_check(&a, &b, e, sizeof(e)), -1);
	assert_non_null(strstr(e, "outbox.keep_s"));
	b.outbox = a.outbox;
	snprintf(b.binds[0].name, sizeof(b.binds[0].name), "other");
	assert_int_equal(config_reload_check(&a, &b, e, sizeof(e)), -1);
	assert_non_null(strstr(e, "smpp.binds"));
	b.binds[0] = a.binds[0];
	b.nbinds = 0;
	assert_int_equal(config_reload_check(&a, &b, e, sizeof(e)), -1);
	assert_non_null(strstr(e, "smpp.binds"));
	/* A bind added is fine. */
	b.nbinds = 2;
	b.binds[1] = a.binds[0];
	snprintf(b.binds[1].name, sizeof(b.binds[1].name), "extra");
	assert_int_equal(config_reload_check(&a, &b, e, sizeof(e)), 0);
	b.nbinds = a.nbinds;
	assert_int_equal(config_reload_check(&a, &b, e, sizeof(e)), 0);
	config_free(&a);
	config_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_config),
		cmocka_unit_test(test_shipped_with_catalogue),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_explicit_values),
		cmocka_unit_test(test_bad_configs),
		cmocka_unit_test(test_dialects),
		cmocka_unit_test(test_sentinel),
		cmocka_unit_test(test_small_err_buffer),
		cmocka_unit_test(test_dialog_conf),
		cmocka_unit_test(test_dialog_conf_loaded),
		cmocka_unit_test(test_reload_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
