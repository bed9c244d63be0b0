/*
 * smsc_callers: the load driver of the SMSC simulator (tnsgw-smsc --load):
 * many virtual callers (smsc_caller, one state machine each) dialling
 * through the server at a bounded concurrency and rate, then one report
 * on stdout (callers done/retried/failed, dialogs/s, latency percentiles)
 * and, with --results, one line per caller in a file.
 */
#ifndef TNSGW_SMSC_CALLERS_H
#define TNSGW_SMSC_CALLERS_H

#include "smsc_caller.h"
#include "smsc_server.h"

#define SMSC_CALLERS_TICK_MS     10	/* deadlines and pacing */
#define SMSC_CALLERS_CONC_DEF    10
#define SMSC_CALLERS_CONC_MAX    100000
#define SMSC_CALLERS_ERRORS_MAX  32	/* --error-text given */
#define SMSC_CALLERS_WINDOW_MAX  100000
#define SMSC_CALLERS_SCAN_MS     100	/* deadlines looked at this often
					 * (each tick with --think) */

/* The command line of --load; the strings stay the caller's. */
struct smsc_callers_cfg {
	const char             *path;	/* the callers file */
	const char             *results;	/* --results FILE, or NULL */
	const char             *errors[SMSC_CALLERS_ERRORS_MAX];	/* --error-text */
	int                     nerrors;	/* 0: smsc_caller's defaults */
	int                     concurrency;	/* callers in flight at most */
	int                     duration_s;	/* 0: until the list is done */
	double                  rate;	/* dials started per second; 0: no cap */
	int                     open_loop;	/* --open-loop: dial at rate,
					 * whatever the answers; no retry */
	int                     window;	/* MOs without their deliver_sm_resp
					 * before a new dial waits; 0: no cap */
	int                     linger_s;	/* --linger: after the report,
					 * keep answering this long (the SMS
					 * the gateway still sends) */
	struct smsc_caller_cfg  caller;	/* retries, think time, texts */
};

/* Defaults: concurrency SMSC_CALLERS_CONC_DEF, smsc_caller_cfg_init. */
void smsc_callers_cfg_init(struct smsc_callers_cfg *cfg);

/*
 * Read and parse cfg->path (cfg is copied). NULL with "PATH: reason" or
 * "PATH:LINE: reason" on stderr, or "--open-loop: ..." when it lacks a
 * rate. Open loop: concurrency is not a cap, retries are 0.
 */
struct smsc_callers *smsc_callers_new(const struct smsc_callers_cfg *cfg);
/*
 * Plug into srv (which must outlive the driver): the callers start once
 * the server is ready (smsc_server_ready). The driver ends the program
 * through smsc_server_finish: SMSC_EXIT_PASS when every caller is done
 * (open loop: when every MO got ESME_ROK or ESME_RTHROTTLED and every
 * ESME_ROK its screen), SMSC_EXIT_MISMATCH when some failed or never
 * started (open loop: otherwise), SMSC_EXIT_ERROR on a timeout or when
 * --results cannot be written; with --linger, that long after the report.
 */
void smsc_callers_start(struct smsc_callers *l, struct smsc_server *srv);
/* A signal: the report now (once), then the end with SMSC_EXIT_ERROR. */
void smsc_callers_interrupt(struct smsc_callers *l);
void smsc_callers_free(struct smsc_callers *l);	/* NULL ok */

#endif
