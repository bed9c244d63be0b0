/*
 * load_run: one tnsgw-load run, the glue between the files, the plan
 * (load_plan.h) and the writer (load_redis.h): read the input files,
 * plan them, write the rejected rows' files, write and switch the new
 * generation, print the summary; and --get's one-record read-back.
 */
#ifndef TNSGW_LOAD_RUN_H
#define TNSGW_LOAD_RUN_H

#include "load_redis.h"

struct load_run_opts {
	const char *registry, *categories, *reasons, *points;	/* NULL: not loaded */
	const char *reject_file;	/* registry's; NULL: "<registry>.rejects" */
	int         skip_invalid;	/* bad rows to FILE.rejects, not fatal */
	int         layout;		/* registry layout to write; 0: REGISTRY_LAYOUT */
};

/*
 * Load the files o names: everything read and validated before anything
 * is written; then one new generation for all of them, switched at once.
 * Messages on stderr, the summary on stdout. The exit code: 0, or 1 (a
 * bad file, a Redis error: nothing switched).
 */
int load_run(struct load_redis *lr, const struct load_run_opts *o);

/*
 * --get TYPE NUMBER: print the decoded record on stdout. The exit code:
 * 0 printed, 1 error, 2 TYPE or NUMBER unusable, 3 not in the registry.
 */
int load_run_get(struct load_redis *lr, const char *type, const char *num);

#endif
