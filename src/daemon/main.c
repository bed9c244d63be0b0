/*
 * main: command line, config load and check, signals (handlers only set
 * events on the loop), sd_notify readiness and watchdog, and wiring of the
 * gateway. Everything else happens in the modules.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "admin.h"
#include "config.h"
#include "dialog.h"
#include "dialog_check.h"
#include "gateway.h"
#include "log.h"
#include "secret.h"
#include "version.h"

/* STATUS= for systemctl status: looked at this often, sent when it
 * changed (so at most once per period). */
#define MAIN_STATUS_S 2

static struct event_base *base;
static struct gateway *gw;
static struct admin *admin;
static const struct config *conf;
static int stopping;
static char status_sent[256];
static const char *conf_path;
static int debug_flag;
/* The configs reloads loaded, newest first (freed at exit). */
struct config_old {
	struct config		*cfg;
	struct config_old	*next;
};
static struct config_old *configs;

static int check_config(const char *path, struct config *cfg, char *err,
    size_t errsz);

/* The usage on fp, then exit(code): stdout and 0 for --help, stderr and 2
 * for a usage error. */
static void __attribute__((noreturn))
usage(FILE *fp, int code)
{
	fprintf(fp,
	    "usage: tnsgw -c FILE [-f] [-d]   run the gateway\n"
	    "       tnsgw -t -c FILE          check the config and the catalogue\n"
	    "       tnsgw --version | --help\n"
	    "  -c, --config FILE  the configuration (libconfig; tnsgw.conf(5))\n"
	    "  -t, --test         check FILE (and the catalogue, the key files) and\n"
	    "                     exit: 0, or FILE:LINE: reason and 1\n"
	    "  -f, --foreground   stay in the foreground, log to stderr (systemd, tests)\n"
	    "  -d, --debug        debug logging (overrides daemon.log_level)\n"
	    "  -V, --version      print the version and exit\n"
	    "  -h, --help         print this help and exit\n"
	    "Signals, files and the unit: tnsgw(8); the keys: tnsgw.conf(5).\n");
	exit(code);
}

/*
 * sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET.
 * A no-op when not started by systemd.
 */
static void
notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') ||
	    strlen(path) >= sizeof(sun.sun_path))
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return;
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len) == -1)
		log_debug("sd_notify: %s", strerror(errno));
	close(fd);
}

/* The seals remembered for reading back (secret_recent_*) age out. */
static void
recent_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	secret_recent_tick();
}

static void
watchdog_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	notify("WATCHDOG=1");
}

/*
 * STATUS=: what `systemctl status` shows under the unit, e.g.
 * "binds 1/2 up, 3 dialogs in flight, outbox 0, redis up" (outbox: the
 * entries not settled yet, the stream's length).
 * Sent only when the text changed since the last one sent.
 */
static void
status_send(const char *state)
{
	struct gateway_status st;
	char msg[sizeof(status_sent)];

	gateway_status(gw, &st);
	snprintf(msg, sizeof(msg), "STATUS=%s%sbinds %d/%d up, %llu dialog%s "
	    "in flight, outbox %lld, redis %s", state ? state : "",
	    state ? ": " : "", st.binds_bound, st.binds,
	    (unsigned long long)st.dialogs_in_flight,
	    st.dialogs_in_flight == 1 ? "" : "s", st.outbox_len,
	    st.redis_up ? "up" : "down");
	if (strcmp(msg, status_sent) == 0)
		return;
	memcpy(status_sent, msg, sizeof(status_sent));
	notify(msg);
}

static void
status_cb(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	status_send(stopping ? "stopping" : NULL);
}

/*
 * Reload (SIGHUP): the new config is checked as `tnsgw -t` does, then
 * against the keys only a restart changes, then handed to the gateway,
 * which re-binds the binds whose settings changed. Any refusal keeps the
 * old config entirely, said at err. The configs replaced are kept until
 * exit: the store and the outbox read the first, and a dialog in flight
 * may hold pointers into the one it started with.
 */
static void
reload(void)
{
	struct config_old *o;
	struct config *nc;
	char err[CONFIG_ERR_MAX], msg[64];
	struct timespec ts;

	if (stopping) {
		log_notice("SIGHUP: stopping, no reload");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000);
	notify(msg);
	log_info("SIGHUP: reloading %s", conf_path);
	if ((nc = calloc(1, sizeof(*nc))) == NULL ||
	    (o = calloc(1, sizeof(*o))) == NULL) {
		free(nc);
		log_err("reload refused: out of memory; the old config stays");
		goto out;
	}
	if (check_config(conf_path, nc, err, sizeof(err)) != 0) {
		free(nc);
		free(o);
		log_err("reload refused: %s; the old config stays", err);
		goto out;
	}
	if (config_reload_check(conf, nc, err, sizeof(err)) != 0 ||
	    gateway_reload(gw, nc, err, sizeof(err)) != 0) {
		config_free(nc);
		free(nc);
		free(o);
		log_err("reload refused: %s; the old config stays", err);
		goto out;
	}
	/* The level follows daemon.log_level when that key changed (a level
	 * stepped by SIGUSR1/2 stays otherwise; -d wins). */
	if (!debug_flag && conf->daemon.log_level != nc->daemon.log_level)
		log_level_set(nc->daemon.log_level, "reload");
	o->cfg = nc;
	o->next = configs;
	configs = o;
	conf = nc;
	log_notice("SIGHUP: reloaded %s", conf_path);
out:
	notify("READY=1");
	status_sent[0] = '\0';
	status_send(NULL);
}

static const char *
sig_name(int sig)
{
	switch (sig) {
	case SIGTERM: return "SIGTERM";
	case SIGINT: return "SIGINT";
	case SIGHUP: return "SIGHUP";
	case SIGUSR1: return "SIGUSR1";
	case SIGUSR2: return "SIGUSR2";
	case SIGALRM: return "SIGALRM";
	case SIGVTALRM: return "SIGVTALRM";
	case SIGPROF: return "SIGPROF";
	case SIGIO: return "SIGIO";
	case SIGPWR: return "SIGPWR";
	default: return "signal";
	}
}

static void
stopped_cb(void *arg)
{
	(void)arg;
	log_info("stopped");
	event_base_loopexit(base, NULL);
}

static void
signal_cb(evutil_socket_t sig, short ev, void *arg)
{
	(void)ev;
	(void)arg;
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		if (stopping++) {
			log_warnx("second signal: exiting now");
			event_base_loopexit(base, NULL);
			return;
		}
		log_info("%s: stopping (drain up to %d s)", sig_name((int)sig),
		    conf->daemon.drain_s);
		notify("STOPPING=1");
		status_send("stopping");
		gateway_stop(gw, conf->daemon.drain_s * 1000, stopped_cb, NULL);
		break;
	case SIGHUP:
		reload();
		break;
	case SIGUSR1:
		log_level_set(log_level_step(log_get_level(), 1),
		    sig_name((int)sig));
		break;
	case SIGUSR2:
		log_level_set(log_level_step(log_get_level(), 0),
		    sig_name((int)sig));
		break;
	default:
		/* Signals nobody should send us: noted, not fatal. */
		log_warnx("%s ignored", sig_name((int)sig));
		break;
	}
}

/*
 * No core file and no ptrace by an unprivileged user: the process holds
 * keys, and between two screens a caller's document number and dates.
 * Before anything secret is read.
 */
static void
harden(void)
{
	struct rlimit rl = { 0, 0 };

	/* A system-call filter may deny setrlimit: then the limit must
	 * already be 0 (systemd's LimitCORE=0). */
	if (setrlimit(RLIMIT_CORE, &rl) == -1 &&
	    (getrlimit(RLIMIT_CORE, &rl) == -1 || rl.rlim_cur != 0))
		fatal("setrlimit(RLIMIT_CORE)");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_DUMPABLE)");
}

/*
 * Load path into *cfg and check it with the catalogue and the key files:
 * what `tnsgw -t` and the reload both run. 0, or -1 with the reason in
 * err (FILE:LINE: reason) and nothing held in *cfg.
 */
static int
check_config(const char *path, struct config *cfg, char *err, size_t errsz)
{
	struct dialog_conf dc;
	char cerr[CONFIG_ERR_MAX];

	if (config_load(path, cfg, err, errsz) != 0)
		return -1;
	/* Case B's key files, when configured, must load. */
	if (secret_init() != 0) {
		snprintf(err, errsz, "libsodium does not initialise");
		config_free(cfg);
		return -1;
	}
	{
		const char *files[3] = { cfg->security.outbox_key_file,
		    cfg->security.provisioning_pubkey_file,
		    cfg->security.outbox_key_old_file };
		unsigned char key[SECRET_KEY_LEN];

		for (int i = 0; i < 3; i++) {
			if (files[i][0] == '\0')
				continue;
			if ((i == 0 ? secret_load_key(files[i], key, err,
			    errsz) : secret_load_pubkey(files[i], key,
			    err, errsz)) != 0) {
				config_free(cfg);
				return -1;
			}
			secret_wipe(key, sizeof(key));
		}
	}
	config_dialog_conf(cfg, &dc);
	if (dialog_check_catalog(cfg->catalog, &dc, cerr, sizeof(cerr)) != 0) {
		/* Cut where it must (err is as long as a path). */
		if (snprintf(err, errsz, "%s: catalogue: ",
		    cfg->daemon.messages_dir) >= 0 && strlen(err) < errsz)
			strncat(err, cerr, errsz - strlen(err) - 1);
		config_free(cfg);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "debug", no_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "test", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static struct config cfg;
	struct event_config *ecfg;
	const char *path = NULL;
	int ch, test = 0, foreground = 0, debug = 0;
	/*
	 * Every signal whose default would end the process quietly is
	 * handled here, from the loop (evsignal: the handler only wakes the
	 * loop): TERM/INT stop, HUP reloads (reload()),
	 * USR1/USR2 step the log level,
	 * the others are logged and ignored. SIGPIPE is ignored outright
	 * (a write to a closed socket fails with EPIPE and the connection
	 * closes through its own path), so is SIGXFSZ (a full log file fails
	 * the write, not the daemon). QUIT and the crash signals keep their
	 * default: they are meant to end it.
	 */
	const int signo[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2,
	    SIGALRM, SIGVTALRM, SIGPROF, SIGIO, SIGPWR, 0 };
	struct event *sigs[sizeof(signo) / sizeof(signo[0])];
	struct event *wd = NULL, *status_ev = NULL, *recent_ev = NULL;
	const char *wdusec;
	char err[CONFIG_ERR_MAX];

	while ((ch = getopt_long(argc, argv, "c:dfthV", lopts, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'd': debug = 1; break;
		case 'f': foreground = 1; break;
		case 't': test = 1; break;
		case 'h': usage(stdout, 0);
		case 'V': version_print(stdout, "tnsgw"); return 0;
		default: usage(stderr, 2);
		}
	}
	if (path == NULL || optind != argc)
		usage(stderr, 2);
	harden();
	if (check_config(path, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	conf_path = path;
	debug_flag = debug;
	if (test) {
		printf("%s: configuration OK\n", path);
		config_free(&cfg);
		return 0;
	}
	log_init(debug ? LOG_LVL_DEBUG : cfg.daemon.log_level);
	if (!foreground) {
		if (daemon(0, 0) == -1)
			fatal("daemon");
		log_use_syslog("tnsgw");
	}
	conf = &cfg;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);

	/* epoll's changes batched per loop turn: an event added and deleted
	 * again in one turn (a socket's write event, written at once) costs
	 * no epoll_ctl. Safe here: no descriptor of the loop is dup()ed. */
	if ((ecfg = event_config_new()) == NULL ||
	    event_config_set_flag(ecfg,
	    EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST) != 0 ||
	    (base = event_base_new_with_config(ecfg)) == NULL)
		fatalx("event_base_new failed");
	event_config_free(ecfg);
	for (int i = 0; signo[i]; i++) {
		sigs[i] = evsignal_new(base, signo[i], signal_cb, NULL);
		if (sigs[i] == NULL || evsignal_add(sigs[i], NULL) != 0)
			fatalx("cannot handle signal %d", signo[i]);
	}
	if ((gw = gateway_new(base, &cfg)) == NULL)
		fatalx("cannot set up the gateway");
	if (gateway_start(gw) != 0)
		fatalx("cannot start the gateway");
	if (cfg.daemon.admin_listen[0] &&
	    (admin = admin_new(base, cfg.daemon.admin_listen, gw)) == NULL)
		fatalx("cannot start the admin endpoint on %s",
		    cfg.daemon.admin_listen);

	/* Watchdog at half the interval systemd asks for. */
	if ((wdusec = getenv("WATCHDOG_USEC")) != NULL) {
		long long us = atoll(wdusec);
		struct timeval tv = { (time_t)(us / 2000000), (suseconds_t)((us / 2) % 1000000) };

		if (us > 0 && (wd = event_new(base, -1, EV_PERSIST, watchdog_cb, NULL)))
			event_add(wd, &tv);
	}
	if (cfg.redis.nsentinels > 0)
		log_info("tnsgw started: %d bind(s), redis master '%s' through "
		    "%d sentinel(s)", cfg.nbinds, cfg.redis.master_name,
		    cfg.redis.nsentinels);
	else
		log_info("tnsgw started: %d bind(s), redis %s:%d", cfg.nbinds,
		    cfg.redis.socket[0] ? cfg.redis.socket : cfg.redis.host,
		    cfg.redis.port);
	/* An outbox body this instance sealed and reads back opens from
	 * memory (seconds at most), not by decrypting it again. */
	{
		struct timeval tv = { 1, 0 };

		if ((recent_ev = event_new(base, -1, EV_PERSIST, recent_cb,
		    NULL)) != NULL && event_add(recent_ev, &tv) == 0)
			secret_recent_enable(1);
	}
	notify("READY=1");
	if (getenv("NOTIFY_SOCKET") != NULL) {
		struct timeval tv = { MAIN_STATUS_S, 0 };

		status_send(NULL);
		if ((status_ev = event_new(base, -1, EV_PERSIST, status_cb,
		    NULL)) != NULL)
			event_add(status_ev, &tv);
	}

	event_base_dispatch(base);

	admin_free(admin);
	gateway_free(gw);
	if (wd)
		event_free(wd);
	if (status_ev)
		event_free(status_ev);
	secret_recent_enable(0);
	if (recent_ev)
		event_free(recent_ev);
	for (int i = 0; signo[i]; i++)
		event_free(sigs[i]);
	event_base_free(base);
	while (configs != NULL) {
		struct config_old *o = configs;

		configs = o->next;
		config_free(o->cfg);
		free(o->cfg);
		free(o);
	}
	config_free(&cfg);
	return 0;
}
