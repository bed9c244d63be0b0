/*
 * tnsgw-load: imports the registry, categories, reasons and proximity
 * points CSV files into Redis as a new generation (load_run), checks them
 * (--check), switches back to the previous generation (--rollback), or
 * prints one record (--get).
 * This file is the command line alone.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "log.h"
#include "load_run.h"
#include "toolredis.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: tnsgw-load [-c CONF] [-h HOST] [-p PORT] [-s SOCKET] [-n DB]\n"
	    "           [--prefix P] [--user U] [--registry FILE] [--categories FILE]\n"
	    "           [--reasons FILE] [--points FILE] [--skip-invalid]\n"
	    "           [--reject-file FILE] [--layout 1|2] [--check]\n"
	    "           [--max-reject N|N%%] [--max-shrink P] [--force]\n"
	    "       tnsgw-load [connection options] --rollback\n"
	    "       tnsgw-load [connection options] --get TYPE NUMBER\n"
	    "Redis password: $TNSGW_REDIS_PASSWORD (else redis.password of -c).\n");
	exit(LOAD_RUN_USAGE);
}

/* "N" or "N%" (0..LONG_MAX, a percentage 0..100). 0, or -1. */
static int
parse_max_reject(const char *s, long *n, int *pct)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	*n = strtol(s, &end, 10);
	*pct = *end == '%';
	if (*pct)
		end++;
	return *end == '\0' && (!*pct || *n <= 100) ? 0 : -1;
}

/* A percentage 0..100 (decimals allowed, a trailing '%' too). 0, or -1. */
static int
parse_pct(const char *s, double *v)
{
	char *end;

	if ((*s < '0' || *s > '9') && *s != '.')
		return -1;
	*v = strtod(s, &end);
	if (*end == '%')
		end++;
	return *end == '\0' && *v >= 0.0 && *v <= 100.0 ? 0 : -1;
}

int
main(int argc, char *argv[])
{
	enum { O_REG = TOOLREDIS_OPT_PREFIX + 1, O_CAT, O_RSN, O_SKIP, O_REJ,
	    O_GET, O_PTS, O_LAYOUT, O_CHECK, O_MAXREJ, O_MAXSHR, O_FORCE,
	    O_ROLLBACK };
	static const struct option lopts[] = {
		TOOLREDIS_LONGOPTS,
		{ "registry", required_argument, NULL, O_REG },
		{ "categories", required_argument, NULL, O_CAT },
		{ "reasons", required_argument, NULL, O_RSN },
		{ "points", required_argument, NULL, O_PTS },
		{ "layout", required_argument, NULL, O_LAYOUT },
		{ "skip-invalid", no_argument, NULL, O_SKIP },
		{ "reject-file", required_argument, NULL, O_REJ },
		{ "get", required_argument, NULL, O_GET },
		{ "check", no_argument, NULL, O_CHECK },
		{ "max-reject", required_argument, NULL, O_MAXREJ },
		{ "max-shrink", required_argument, NULL, O_MAXSHR },
		{ "force", no_argument, NULL, O_FORCE },
		{ "rollback", no_argument, NULL, O_ROLLBACK },
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	struct load_run_opts o = { 0 };
	struct toolredis_opts ro;
	struct toolredis_target target;
	struct load_redis *lr;
	const char *get_type = NULL, *get_num = NULL;
	char err[TOOLREDIS_ERR_MAX];
	int ch, code, rollback = 0, force = 0, maxrej = 0;

	o.max_reject = LOAD_RUN_MAX_REJECT_PCT;
	o.max_reject_pct = 1;
	o.max_shrink = LOAD_RUN_MAX_SHRINK;
	o.progress = isatty(STDERR_FILENO);
	log_init(LOG_LVL_WARNING);
	toolredis_opts_init(&ro);
	while ((ch = getopt_long(argc, argv, TOOLREDIS_OPTSTRING, lopts,
	    NULL)) != -1) {
		switch (ch) {
		case O_REG:
			o.registry = optarg;
			break;
		case O_CAT:
			o.categories = optarg;
			break;
		case O_RSN:
			o.reasons = optarg;
			break;
		case O_PTS:
			o.points = optarg;
			break;
		case O_LAYOUT:
			if (strcmp(optarg, "1") == 0)
				o.layout = REGISTRY_LAYOUT_1;
			else if (strcmp(optarg, "2") == 0)
				o.layout = REGISTRY_LAYOUT_2;
			else
				usage();
			break;
		case O_SKIP:
			o.skip_invalid = 1;
			break;
		case O_REJ:
			o.reject_file = optarg;
			break;
		case O_GET:
			get_type = optarg;
			break;
		case O_CHECK:
			o.check = 1;
			break;
		case O_MAXREJ:
			if (parse_max_reject(optarg, &o.max_reject,
			    &o.max_reject_pct) != 0)
				usage();
			maxrej = 1;
			break;
		case O_MAXSHR:
			if (parse_pct(optarg, &o.max_shrink) != 0)
				usage();
			break;
		case O_FORCE:
			force = 1;
			break;
		case O_ROLLBACK:
			rollback = 1;
			break;
		default:
			if (toolredis_option(&ro, ch, optarg) != 0)
				usage();
		}
	}
	if (force)
		o.max_shrink = 100.0;
	if (maxrej)
		o.skip_invalid = 1;	/* a cap on rejects is a leave to reject */
	if (get_type != NULL || rollback) {
		if (optind + (get_type != NULL) != argc || o.registry ||
		    o.categories || o.reasons || o.points || o.layout ||
		    o.check || (get_type != NULL && rollback))
			usage();
		get_num = argv[optind];
	} else if (optind != argc || (!o.registry && !o.categories &&
	    !o.reasons && !o.points) || (o.layout && !o.registry))
		usage();

	if ((code = toolredis_resolve(&ro, &target, err, sizeof(err))) != 0) {
		fprintf(stderr, "%s\n", err);
		return code == -2 ? 2 : 1;	/* -2: an unusable option */
	}
	if ((lr = load_redis_open(&target, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	code = get_type != NULL ? load_run_get(lr, get_type, get_num) :
	    rollback ? load_run_rollback(lr) : load_run(lr, &o);
	load_redis_free(lr);
	return code;
}
