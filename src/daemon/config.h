/*
 * config: the typed configuration (DESIGN.md §4) loaded from a libconfig
 * file through one schema table: defaults, bounds, unknown keys rejected,
 * errors as "FILE:LINE: reason". Also loads the message catalogue
 * (<messages_dir>/<lang>.conf for each ussd.languages entry). The only file
 * that includes libconfig. Modules receive these plain structs.
 */
#ifndef TNSGW_CONFIG_H
#define TNSGW_CONFIG_H

#include <limits.h>

#include "catalog.h"
#include "dialect.h"
#include "gsm.h"

#define CONFIG_MAX_BINDS     16
#define CONFIG_MAX_DIALECTS  16
#define CONFIG_MAX_LANGS     8
#define CONFIG_MAX_KEYWORDS  8
#define CONFIG_MAX_SENTINELS 8
#define CONFIG_ERR_MAX       (PATH_MAX + 256)

enum config_bind_mode {
	CONFIG_MODE_TRX = 0,		/* "transceiver" */
	CONFIG_MODE_TX_RX,		/* "transmitter+receiver" */
};

enum config_dlr_id {
	CONFIG_DLR_DEC = 0,
	CONFIG_DLR_HEX,
};

enum config_password_to {
	CONFIG_PW_REGISTERED_PHONE = 0,
	CONFIG_PW_CALLER,
};

struct config_bind {
	char  name[32];			/* [A-Za-z0-9_.-] */
	char  operator[32];		/* [name]: binds of one operator share it */
	char  host[256];
	int   port;
	char  system_id[16];
	char  password[9];
	char  system_type[13];
	enum config_bind_mode mode;
	char  dialect[32];		/* ["ussd_service_op"], a built-in or smpp.dialects name */
	struct dialect profile;		/* the dialect, resolved */
	char  source_addr[21];
	int   window;			/* [10] */
	int   tps;			/* [0] = no cap */
	int   enquire_link_s;		/* [30] */
	int   response_timeout_s;	/* [10] */
	int   reconnect_min_s;		/* [1] */
	int   reconnect_max_s;		/* [60] */
	enum gsm_charset charset;	/* ["gsm7"] */
	enum config_dlr_id dlr_id;	/* ["dec"] */
	int   trace;			/* [false] */
	int   max_pdu;			/* [65536] command_length cap */
	int   line;			/* config line of this bind, for errors */
};

/* redis.require_aof: the persistence case B needs of Redis (ordered). */
enum config_aof {
	CONFIG_AOF_NO = 0,		/* "no": nothing checked */
	CONFIG_AOF_EVERYSEC,		/* appendonly yes, appendfsync everysec or always */
	CONFIG_AOF_ALWAYS,		/* appendonly yes, appendfsync always */
};

struct config {
	char path[PATH_MAX];
	struct {
		int  log_level;			/* ["info"] */
		char admin_listen[64];		/* ["127.0.0.1:9375"], "" = off */
		char messages_dir[PATH_MAX];	/* [<dir of config>/messages] */
		int  log_dialogs;		/* [false]: per-dialog lines at info, else debug */
		int  drain_s;			/* [5]: SIGTERM's wait for dialogs in flight */
		/* outbox ownership: this instance's outbox consumer name, unique
		 * per live instance; "" = the host name */
		char instance[64];		/* [""] */
	} daemon;
	struct {
		char host[256];			/* ["127.0.0.1"] */
		int  port;			/* [6379] */
		char socket[PATH_MAX];		/* [""] = use host:port */
		int  db;			/* [0] */
		char prefix[32];		/* ["tns:"] */
		int  timeout_ms;		/* [200] */
		/* Redis as a trust boundary (issue 9, piece c) */
		char username[128];		/* [""] = AUTH password alone */
		char password[256];		/* [""] = no AUTH */
		int  require_aof;		/* CONFIG_AOF_*: ["everysec"] */
		/* Sentinel (issue 12): the master is found through these;
		 * host/port/socket are then unused. Restart-only. */
		int  nsentinels;		/* [[]] = no Sentinel */
		char sentinels[CONFIG_MAX_SENTINELS][272];	/* "host:port" */
		char master_name[64];		/* [""]; required with sentinels */
		char sentinel_password[256];	/* [""] = no AUTH to sentinels */
	} redis;
	int nbinds;
	struct config_bind binds[CONFIG_MAX_BINDS];
	int ndialects;			/* smpp.dialects: profiles of the config */
	struct dialect dialects[CONFIG_MAX_DIALECTS];
	struct {
		char service_code[16];		/* digits only, e.g. "1515" (config may say "*1515#") */
		int  session_timeout_s;		/* [120] */
		int  nlanguages;		/* [["fr","ar","tzm"]] */
		char languages[CONFIG_MAX_LANGS][CATALOG_LANG_MAX];
		int  transliterate;		/* [true] */
		/* [0 = off, 0..60000] an MO whose input is the one the
		 * dialog's last step took, within this many ms of it: a copy
		 * redelivered by the operator, answered the same screen */
		int  duplicate_window_ms;
	} ussd;
	struct {
		int  nkeywords;			/* [["TNS"]] */
		char keywords[CONFIG_MAX_KEYWORDS][16];
		int  nreceipts;			/* [["A","C","D"]] outcomes sent again by SMS */
		char receipts[4][2];
		int  state_ttl_s;		/* [3600] an SMS conversation waits this long */
	} sms;
	struct {
		char support_phone[24];		/* [""] the CNSS call centre, on next steps */
	} service;
	struct {
		int  check_expiry;			/* [true] */
		int  otp_length;			/* [6] */
		int  otp_ttl_s;				/* [300] */
		int  otp_max_attempts;			/* [3] */
		int  password_length;			/* [10] */
		int  max_requests_per_msisdn_hour;	/* [10] */
		int  max_failures_per_id_day;		/* [5] */
		enum config_password_to password_to;	/* ["registered_phone"] */
		char outbox_key_file[PATH_MAX];
		char provisioning_pubkey_file[PATH_MAX];
		/* issue 9, piece b: opens what the previous key sealed */
		char outbox_key_old_file[PATH_MAX];
		int  password_pending_s;		/* [86400] "already sent" holds this long */
		int  max_otp_per_person_hour;		/* [3] codes sent to one person an hour */
		int  otp_resend_s;			/* [60] before "9" sends a new code */
		int  failure_alarm_per_min;		/* [600] lookup failures a minute that raise the alarm; 0 = off */
	} security;
	struct {
		int  claim_idle_s;	/* [30] pending SMS idle this long are re-sent */
		int  max_retries;	/* [5] on ESME_RTHROTTLED / ESME_RMSGQFUL */
		int  retry_delay_ms;	/* [1000] first retry pause, doubled each time */
		int  max_deliveries;	/* [10] times an entry is handed out before it is dead */
		int  keep_s;		/* [3600] settled entries kept in the stream this long */
	} outbox;
	struct catalog *catalog;	/* owned */
};

/*
 * Load and check path into *cfg (zeroed first). Returns 0, or -1 with
 * "FILE:LINE: reason" (or "FILE: reason") in err. On error *cfg holds
 * nothing to free.
 */
int config_load(const char *path, struct config *cfg, char *err, size_t errsz);
void config_free(struct config *cfg);		/* frees the catalogue; NULL ok */
const struct config_bind *config_bind_find(const struct config *cfg, const char *name);

/*
 * The dialog's settings taken from cfg, the one place they are mapped:
 * security.check_expiry, otp_length, password_length; ussd.transliterate
 * and languages (menu order). *dc is zeroed first; max_bad_inputs is the
 * fixed 3; today_days is left 0 for the caller to set from the clock
 * (config reads none).
 */
struct dialog_conf;
void config_dialog_conf(const struct config *cfg, struct dialog_conf *dc);

/*
 * Reload (SIGHUP). The first field of bind a that differs in b, by its
 * key name ("tps", "password": no value), or NULL when none does.
 */
const char *config_bind_diff(const struct config_bind *a,
    const struct config_bind *b);
/*
 * 0 when nw may replace old in a running daemon, else -1 with
 * "FILE: KEY cannot change without a restart" in err. Fixed until a
 * restart: daemon.admin_listen, redis.*, the key files
 * (security.*_file), outbox.*, ussd.languages, and each bind's name (a
 * bind removed or renamed; one added is fine).
 */
int config_reload_check(const struct config *old, const struct config *nw,
    char *err, size_t errsz);

#endif
