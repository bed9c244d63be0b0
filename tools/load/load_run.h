/*
 * load_run: one tnsgw-load run, the glue between the files, the plan
 * (load_plan.h) and the writer (load_redis.h): read the input files,
 * plan them, write the rejected rows' files (or, --check, list them),
 * pass the guards (--max-reject, --max-shrink), write and switch the new
 * generation, print the summary; --rollback; and --get's one-record
 * read-back.
 */
#ifndef TNSGW_LOAD_RUN_H
#define TNSGW_LOAD_RUN_H

#include "load_redis.h"

struct load_run_opts {
	const char *registry, *categories, *reasons, *points;	/* NULL: not loaded */
	const char *reject_file;	/* registry's; NULL: "<registry>.rejects" */
	int         skip_invalid;	/* bad rows to FILE.rejects, not fatal */
	int         layout;		/* registry layout to write; 0: REGISTRY_LAYOUT */
	int         check;		/* --check: validate, list every error, write nothing */
	long        max_reject;		/* rejected rows allowed per file (skip_invalid) */
	int         max_reject_pct;	/* max_reject is a percentage of the file's rows */
	double      max_shrink;		/* % the registry may shrink; >= 100: no guard */
	int         progress;		/* registry's progress on stderr */
	int         hset;		/* --hset: registry as HSETs, no RESTORE */
};

#define LOAD_RUN_MAX_REJECT_PCT 1	/* --max-reject default: 1 % */
#define LOAD_RUN_MAX_SHRINK     10.0	/* --max-shrink default: 10 % */
#define LOAD_RUN_PROGRESS_BYTES ((size_t)8 << 20)	/* files this big show progress */

/* Exit codes. */
enum {
	LOAD_RUN_OK = 0, LOAD_RUN_ERR = 1, LOAD_RUN_USAGE = 2,
	LOAD_RUN_REFUSED = 3,	/* a guard (--max-reject, --max-shrink) said no */
};

/*
 * Load the files o names: everything read and validated before anything
 * is written; then one new generation for all of them, switched at once.
 * Messages on stderr, the summary on stdout. With o->check nothing is
 * written: every bad row listed as "FILE:LINE: reason", the guards
 * evaluated. The exit code: LOAD_RUN_OK; LOAD_RUN_ERR (a bad file, a
 * Redis error, --check found an error: nothing switched);
 * LOAD_RUN_REFUSED (a guard: nothing written).
 */
int load_run(struct load_redis *lr, const struct load_run_opts *o);

/* --rollback (load_redis_rollback): LOAD_RUN_OK or LOAD_RUN_ERR. */
int load_run_rollback(struct load_redis *lr);

/*
 * --get TYPE NUMBER: print the decoded record on stdout. The exit code:
 * 0 printed, 1 error, 2 TYPE or NUMBER unusable, 3 not in the registry.
 */
int load_run_get(struct load_redis *lr, const char *type, const char *num);

#endif
