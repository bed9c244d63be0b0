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
#include "version.h"

/* The short usage on stderr, exit 2: a usage error. */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: tnsgw-load [-c CONF] [-h HOST] [-p PORT] [-s SOCKET] [-n DB]\n"
	    "           [--prefix P] [--user U] [--registry FILE] [--categories FILE]\n"
	    "           [--reasons FILE] [--points FILE] [--skip-invalid]\n"
	    "           [--reject-file FILE] [--layout 1|2] [--check]\n"
	    "           [--max-reject N|N%%] [--max-shrink P] [--force] [--hset]\n"
	    "       tnsgw-load [connection options] --rollback\n"
	    "       tnsgw-load [connection options] --get TYPE NUMBER\n"
	    "       tnsgw-load --version | --help\n"
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

/* --help: every option, on stdout, exit 0. */
static void __attribute__((noreturn))
help(void)
{
	printf(
	    "usage: tnsgw-load [connection options] [load options] FILE options...\n"
	    "       tnsgw-load [connection options] --rollback\n"
	    "       tnsgw-load [connection options] --get TYPE NUMBER\n"
	    "Imports CSV files into Redis as a new generation, switched atomically\n"
	    "(callers see the old data or the new, never half). See tnsgw-load(8).\n"
	    "\n"
	    "files (at least one):\n"
	    "  --registry FILE     id_type,id_number,birth_date,id_expiry,status,\n"
	    "                      matricule,has_account,phone,reason\n"
	    "  --categories FILE   code,label_fr,label_ar,documents_fr,documents_ar\n"
	    "                      [,label_tzm,documents_tzm,rank]\n"
	    "  --reasons FILE      code,text_fr,text_ar[,text_tzm]\n"
	    "  --points FILE       region,name,address,hours,phone\n"
	    "load options:\n"
	    "  --skip-invalid      load the valid rows, write the others to the\n"
	    "                      reject file and count them (default: the first\n"
	    "                      bad row stops the load, FILE:LINE: reason)\n"
	    "  --reject-file FILE  where --skip-invalid writes the registry's\n"
	    "                      rejected rows [FILE.rejects]\n"
	    "  --layout 1|2        the registry's Redis layout [2]; 1 for a daemon\n"
	    "                      that reads only the old one\n"
	    "  --check             validate every file as a load would, list every\n"
	    "                      error (FILE:LINE: reason), write nothing\n"
	    "  --max-reject N|N%%   refuse the load (nothing switched, exit 3) when\n"
	    "                      more rows are rejected [1%%]; implies --skip-invalid\n"
	    "  --max-shrink P      refuse a registry smaller than the live one by\n"
	    "                      more than P %% [10] (exit 3)\n"
	    "  --force             the same as --max-shrink 100\n"
	    "  --hset              write the registry as HSETs (slower) instead of\n"
	    "                      one RESTORE per bucket; the same data either way\n"
	    "  --rollback          switch back to the generation the last load\n"
	    "                      replaced (kept until the next load)\n"
	    "  --get TYPE NUMBER   print the live record of that document (CIN,\n"
	    "                      SEJOUR, PASSPORT) instead of loading\n"
	    "connection options:\n"
	    "  -c CONF             the daemon's config: its redis.* group\n"
	    "  -h HOST, -p PORT    Redis host and port [127.0.0.1:6379]\n"
	    "  -s SOCKET           Redis unix socket\n"
	    "  -n DB               Redis database [0]\n"
	    "  --prefix P          key prefix [tns:]\n"
	    "  --user U            Redis ACL user\n"
	    "  --version           print the version and exit\n"
	    "  --help              print this help and exit\n"
	    "The Redis password comes from $TNSGW_REDIS_PASSWORD, else from\n"
	    "redis.password of -c, never from the command line.\n"
	    "Exit: 0 loaded, 1 a bad file or Redis error (nothing switched), 2 usage,\n"
	    "3 refused by --max-reject or --max-shrink (nothing switched).\n");
	exit(0);
}

int
main(int argc, char *argv[])
{
	enum { O_REG = TOOLREDIS_OPT_PREFIX + 1, O_CAT, O_RSN, O_SKIP, O_REJ,
	    O_GET, O_PTS, O_LAYOUT, O_CHECK, O_MAXREJ, O_MAXSHR, O_FORCE,
	    O_ROLLBACK, O_VERSION, O_HSET };
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
		{ "hset", no_argument, NULL, O_HSET },
		{ "help", no_argument, NULL, 'H' },
		{ "version", no_argument, NULL, O_VERSION },
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
		case 'H':
			help();
		case O_VERSION:
			version_print(stdout, "tnsgw-load");
			return 0;
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
		case O_HSET:
			o.hset = 1;
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
		    o.check || o.hset || (get_type != NULL && rollback))
			usage();
		get_num = argv[optind];
	} else if (optind != argc || (!o.registry && !o.categories &&
	    !o.reasons && !o.points) || ((o.layout || o.hset) && !o.registry))
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
