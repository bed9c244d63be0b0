/*
 * tnsgw-load: imports the registry, categories, reasons and proximity
 * points CSV files into Redis as a new generation (load_run), or prints
 * one record (--get).
 * This file is the command line alone.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	    "           [--reject-file FILE] [--layout 1|2]\n"
	    "       tnsgw-load [connection options] --get TYPE NUMBER\n"
	    "Redis password: $TNSGW_REDIS_PASSWORD (else redis.password of -c).\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	enum { O_REG = TOOLREDIS_OPT_PREFIX + 1, O_CAT, O_RSN, O_SKIP, O_REJ,
	    O_GET, O_PTS, O_LAYOUT };
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
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	struct load_run_opts o = { 0 };
	struct toolredis_opts ro;
	struct toolredis_target target;
	struct load_redis *lr;
	const char *get_type = NULL, *get_num = NULL;
	char err[TOOLREDIS_ERR_MAX];
	int ch, code;

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
		default:
			if (toolredis_option(&ro, ch, optarg) != 0)
				usage();
		}
	}
	if (get_type != NULL) {
		if (optind + 1 != argc || o.registry || o.categories ||
		    o.reasons || o.points || o.layout)
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
	    load_run(lr, &o);
	load_redis_free(lr);
	return code;
}
