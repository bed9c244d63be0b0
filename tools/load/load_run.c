/*
 * load_run: a tnsgw-load run — each input file read whole, planned
 * (load_plan), its bad rows copied to its reject file (CSV) or listed
 * (--check); the guards; then the writer (load_redis) for the new
 * generation and the summary. Also --rollback and --get.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "load_csv.h"
#include "load_run.h"

#define LOAD_RUN_FILE_MAX ((size_t)2 << 30)

/* One input file, in memory, and where its rejected rows go. */
struct load_run_file {
	struct load_plan_src src;
	char                *data;		/* malloc'd, or mapped when maplen > 0 */
	size_t               maplen;
	char                 rej_path[PATH_MAX];
	FILE                *rej;		/* opened at the first reject */
	int                  rej_cols;	/* the header's field count */
};

static double
load_run_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A mapped file that shrinks under the load faults (SIGBUS) on its next
 * page: say so and stop. It can only happen while the files are planned,
 * before anything is written to Redis, so nothing is switched.
 */
static void
load_run_sigbus(int sig)
{
	static const char msg[] = "tnsgw-load: an input file shrank while "
	    "it was read: nothing switched\n";

	(void)sig;
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	_exit(LOAD_RUN_ERR);
}

/* A regular file of len bytes mapped read-only, its pages populated at
 * once: no copy of it and no fresh memory to clear (a 5 M-row registry
 * is 350 MB). 0, or -1 (the caller reads it instead). */
static int
load_run_map(struct load_run_file *f, int fd, size_t len)
{
	static int handler;
	struct sigaction sa;
	void *m;

	if (!handler) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = load_run_sigbus;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGBUS, &sa, NULL) != 0)
			return -1;
		handler = 1;
	}
	m = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (m == MAP_FAILED)
		return -1;
	(void)madvise(m, len, MADV_SEQUENTIAL);
	f->data = m;
	f->maplen = len;
	return 0;
}

/* Read path whole: a regular file mapped (load_run_map), else one
 * buffer of the file's size when it is a regular file (no copy on
 * growth), else doubled as it fills. 0, or -1 with the reason printed. */
static int
load_run_read(struct load_run_file *f, const char *path)
{
	size_t cap = 1 << 16, len = 0;
	struct stat st;
	ssize_t r;
	char *q;
	int fd;

	f->src.path = path;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((uint64_t)st.st_size > LOAD_RUN_FILE_MAX) {
			fprintf(stderr, "%s: file too large\n", path);
			goto fail;
		}
		if (load_run_map(f, fd, (size_t)st.st_size) == 0) {
			close(fd);
			f->src.data = f->data;
			f->src.len = f->maplen;
			return 0;
		}
		cap = (size_t)st.st_size + 1;	/* + 1: EOF seen in one read */
	}
	if ((f->data = malloc(cap)) == NULL)
		goto oom;
	load_plan_hugepages(f->data, cap);
	for (;;) {
		if (len == cap) {
			if (cap >= LOAD_RUN_FILE_MAX) {
				fprintf(stderr, "%s: file too large\n", path);
				goto fail;
			}
			if ((q = realloc(f->data, cap * 2)) == NULL)
				goto oom;
			f->data = q;
			cap *= 2;
		}
		r = read(fd, f->data + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	f->src.data = f->data;
	f->src.len = len;
	return 0;
oom:
	fprintf(stderr, "tnsgw-load: out of memory\n");
fail:
	close(fd);
	return -1;
}

static void
load_run_file_free(struct load_run_file *f)
{
	if (f->rej != NULL)
		fclose(f->rej);
	if (f->maplen > 0)
		munmap(f->data, f->maplen);
	else
		free(f->data);
	f->maplen = 0;
	f->data = NULL;
	f->rej = NULL;
}

/* One reject line (load_csv_reject_line) to out. 0, or -1 out of memory. */
static int
load_run_rej_line(FILE *out, const char *raw, size_t len, int ncols,
    const char *reason)
{
	char buf[4096], *big;
	size_t n;

	n = load_csv_reject_line(raw, len, ncols, reason, buf, sizeof(buf));
	if (n < sizeof(buf)) {
		fwrite(buf, 1, n, out);
		return 0;
	}
	if ((big = malloc(n + 1)) == NULL)
		return -1;
	load_csv_reject_line(raw, len, ncols, reason, big, n + 1);
	fwrite(big, 1, n, out);
	free(big);
	return 0;
}

/* The header's field count (1 when it does not read as CSV). */
static int
load_run_hdr_cols(const struct load_plan_src *src)
{
	struct load_csv c;
	struct load_csv_row *row;
	char err[256];
	int n = 1;

	if ((row = malloc(sizeof(*row))) == NULL)
		return 1;
	load_csv_init(&c, src->data + src->hdr_start,
	    src->hdr_end - src->hdr_start);
	if (load_csv_next(&c, row, err, sizeof(err)) == 1 && row->nfields > 0)
		n = row->nfields;
	free(row);
	return n;
}

/*
 * The reject sink (--skip-invalid): a CSV file of its own (RFC 4180,
 * every field quoted): the input's header and a reject_reason column,
 * then each bad row in the header's columns with "PATH:LINE: reason".
 */
static int
load_run_reject(void *arg, const struct load_plan_src *src, int line,
    size_t start, size_t end, const char *why, char *err, size_t errsz)
{
	struct load_run_file *f = arg;
	char reason[LOAD_PLAN_ERR_MAX];

	if (f->rej == NULL) {
		/* Rows of the registry are personal data: the owner's alone. */
		int fd = open(f->rej_path, O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0600);

		if (fd < 0 || (f->rej = fdopen(fd, "w")) == NULL) {
			snprintf(err, errsz, "%s: %s", f->rej_path,
			    strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		f->rej_cols = load_run_hdr_cols(src);
		if (load_run_rej_line(f->rej, src->data + src->hdr_start,
		    src->hdr_end - src->hdr_start, f->rej_cols,
		    "reject_reason") != 0)
			goto oom;
	}
	snprintf(reason, sizeof(reason), "%s:%d: %s", src->path, line, why);
	if (load_run_rej_line(f->rej, src->data + start, end - start,
	    f->rej_cols, reason) != 0)
		goto oom;
	return 0;
oom:
	snprintf(err, errsz, "tnsgw-load: out of memory");
	return -1;
}

/* The --check sink: every bad row listed on stderr, nothing written. */
static int
load_run_check_row(void *arg, const struct load_plan_src *src, int line,
    size_t start, size_t end, const char *why, char *err, size_t errsz)
{
	(void)arg;
	(void)start;
	(void)end;
	(void)err;
	(void)errsz;
	fprintf(stderr, "%s:%d: %s\n", src->path, line, why);
	return 0;
}

typedef int (*load_run_planner)(struct load_plan *, struct load_plan_src *,
    const struct load_plan_sink *, char *, size_t);

/* Read one file and plan it. 0, or -1 with the reason printed. */
static int
load_run_file(struct load_run_file *f, const char *path, const char *rej,
    const struct load_run_opts *o, struct load_plan *p,
    load_run_planner plan)
{
	struct load_plan_sink sink = { load_run_reject, f };
	struct load_plan_sink check = { load_run_check_row, f };
	char err[LOAD_PLAN_ERR_MAX];

	if (load_run_read(f, path) != 0)
		return -1;
	if (o->progress && f->src.len >= LOAD_RUN_PROGRESS_BYTES)
		fprintf(stderr, "tnsgw-load: checking %s (%zu MB)\n", path,
		    f->src.len >> 20);
	if (rej != NULL)
		snprintf(f->rej_path, sizeof(f->rej_path), "%s", rej);
	else
		snprintf(f->rej_path, sizeof(f->rej_path), "%s.rejects", path);
	if (plan(p, &f->src, o->check ? &check : o->skip_invalid ? &sink :
	    NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

/* The input files, in the order of the pointers' datasets. */
enum { LOAD_RUN_REG, LOAD_RUN_CAT, LOAD_RUN_RSN, LOAD_RUN_PTS, LOAD_RUN_NF };

/* 1. Read and validate everything before writing anything. */
static int
load_run_plan(struct load_redis *lr, const struct load_run_opts *o,
    struct load_plan *p, struct load_run_file f[LOAD_RUN_NF])
{
	if (o->layout != 0)
		p->layout = o->layout;
	if (o->reasons != NULL && load_run_file(&f[LOAD_RUN_RSN], o->reasons,
	    NULL, o, p, load_plan_reasons) != 0)
		return -1;
	if (o->categories != NULL && load_run_file(&f[LOAD_RUN_CAT],
	    o->categories, NULL, o, p, load_plan_categories) != 0)
		return -1;
	if (o->points != NULL && load_run_file(&f[LOAD_RUN_PTS], o->points,
	    NULL, o, p, load_plan_points) != 0)
		return -1;
	if (o->registry != NULL) {
		if (o->reasons == NULL && load_redis_known(lr, p) != 0)
			return -1;
		if (load_run_file(&f[LOAD_RUN_REG], o->registry,
		    o->reject_file, o, p, load_plan_registry) != 0)
			return -1;
	}
	return 0;
}

static void
load_run_summary(const struct load_plan *p,
    const struct load_run_file f[LOAD_RUN_NF], long gen, double secs,
    double wsecs, long mem0, long mem1)
{
	const struct load_plan_src *reg = &f[LOAD_RUN_REG].src;
	long nrows = reg->nrows;
	int i;

	if (p->has_reasons)
		printf("reasons: %ld rows, %ld rejected, generation %ld\n",
		    f[LOAD_RUN_RSN].src.nrows, f[LOAD_RUN_RSN].src.nrej, gen);
	if (p->has_categories)
		printf("categories: %ld rows, %ld rejected, generation %ld\n",
		    f[LOAD_RUN_CAT].src.nrows, f[LOAD_RUN_CAT].src.nrej, gen);
	if (p->has_points)
		printf("points: %ld rows, %ld rejected, %d regions, "
		    "generation %ld\n", f[LOAD_RUN_PTS].src.nrows,
		    f[LOAD_RUN_PTS].src.nrej, p->nregions, gen);
	if (p->has_registry) {
		printf("registry: %ld rows, %ld rejected, generation %ld, "
		    "%u buckets (fullest %u), layout %d, %.2f s, %.0f rows/s "
		    "(write %.2f s)\n", nrows, reg->nrej, gen,
		    (unsigned)p->nbuckets, (unsigned)p->maxfill, p->layout,
		    secs, secs > 0 ? (double)nrows / secs : 0.0, wsecs);
		if (mem0 >= 0 && mem1 >= 0)
			printf("registry: used_memory +%ld bytes, %.1f bytes "
			    "per record\n", mem1 - mem0,
			    (double)(mem1 - mem0) / (double)nrows);
		if (p->maxfill > REGISTRY_BUCKET_LIMIT)
			printf("registry: warning: a bucket holds %u rows (over "
			    "%d: many numbers with one type and the same "
			    "digits); it is read right but takes more memory\n",
			    (unsigned)p->maxfill, REGISTRY_BUCKET_LIMIT);
	}
	for (i = 0; i < LOAD_RUN_NF; i++)
		if (f[i].src.nrej)
			printf("rejected rows in %s\n", f[i].rej_path);
}

/*
 * 2. The guards, before anything is written: rejects per file, the
 * registry's shrink against the live one. 0, or -1 with the reason
 * printed.
 */
static int
load_run_guards(struct load_redis *lr, const struct load_run_opts *o,
    const struct load_plan *p, const struct load_run_file f[LOAD_RUN_NF],
    int *refused)
{
	char err[LOAD_PLAN_ERR_MAX];
	long live;
	int i, bad = 0;

	*refused = 0;
	for (i = 0; i < LOAD_RUN_NF; i++) {
		if (f[i].data == NULL || o->check)
			continue;
		if (load_plan_reject_guard(f[i].src.path, f[i].src.nrows,
		    f[i].src.nrej, o->max_reject, o->max_reject_pct, err,
		    sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			bad = 1;
		}
	}
	if (p->has_registry) {
		if (load_redis_live_count(lr, &live) != 0)
			return -1;
		if (load_plan_shrink_guard(live, f[LOAD_RUN_REG].src.nrows,
		    o->max_shrink, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s\n", err);
			bad = 1;
		} else if (o->check && live >= 0)
			printf("registry: %ld rows against %ld live records "
			    "(%+.1f %%)\n", f[LOAD_RUN_REG].src.nrows, live,
			    live > 0 ? 100.0 * (double)(f[LOAD_RUN_REG].src.nrows
			    - live) / (double)live : 0.0);
	}
	*refused = bad;
	return 0;
}

/* --check's summary: rows and errors per file. */
static void
load_run_check_summary(const struct load_run_file f[LOAD_RUN_NF])
{
	static const char *const name[LOAD_RUN_NF] = { "registry",
	    "categories", "reasons", "points" };
	int i;

	for (i = 0; i < LOAD_RUN_NF; i++)
		if (f[i].data != NULL)
			printf("%s: %s: %ld valid rows, %ld errors\n", name[i],
			    f[i].src.path, f[i].src.nrows, f[i].src.nrej);
}

int
load_run(struct load_redis *lr, const struct load_run_opts *o)
{
	struct load_run_file f[LOAD_RUN_NF];
	struct load_plan *p;
	double t0 = load_run_now(), tw0, tw1;
	long gen = 0, mem0 = -1, mem1 = -1, nerr = 0;
	int rcode = LOAD_RUN_ERR, refused, i;

	memset(f, 0, sizeof(f));
	if ((p = load_plan_new()) == NULL) {
		fprintf(stderr, "tnsgw-load: out of memory\n");
		return LOAD_RUN_ERR;
	}
	if (load_run_plan(lr, o, p, f) != 0)
		goto out;
	if (load_run_guards(lr, o, p, f, &refused) != 0)
		goto out;
	if (o->check) {
		load_run_check_summary(f);
		for (i = 0; i < LOAD_RUN_NF; i++)
			nerr += f[i].src.nrej;
		rcode = nerr > 0 || refused ? LOAD_RUN_ERR : LOAD_RUN_OK;
		goto out;
	}
	if (refused) {
		rcode = LOAD_RUN_REFUSED;
		goto out;
	}

	/* 3. A new generation, written pipelined. */
	if (load_redis_gen(lr, &gen) != 0)
		goto out;
	if (p->has_reasons && load_redis_write_reasons(lr, p, gen) != 0)
		goto discard;
	if (p->has_categories && load_redis_write_categories(lr, p, gen) != 0)
		goto discard;
	if (p->has_points && load_redis_write_points(lr, p, gen) != 0)
		goto discard;
	tw0 = tw1 = load_run_now();
	if (p->has_registry) {
		mem0 = load_redis_used_memory(lr);
		load_redis_hset_only(lr, o->hset);
		load_redis_progress(lr, o->progress &&
		    f[LOAD_RUN_REG].src.len >= LOAD_RUN_PROGRESS_BYTES);
		if (load_redis_write_registry(lr, p, gen) != 0)
			goto discard;
		mem1 = load_redis_used_memory(lr);
		tw1 = load_run_now();
	}

	/* 4. Switch; the live generation becomes the previous one. */
	if (load_redis_switch(lr, p, gen) != 0)
		goto discard;
	load_run_summary(p, f, gen, load_run_now() - t0, tw1 - tw0, mem0,
	    mem1);
	rcode = LOAD_RUN_OK;
	goto out;
discard:
	load_redis_discard(lr, p, gen);
out:
	for (i = 0; i < LOAD_RUN_NF; i++)
		load_run_file_free(&f[i]);
	load_plan_free(p);
	return rcode;
}

int
load_run_rollback(struct load_redis *lr)
{
	return load_redis_rollback(lr) == 0 ? LOAD_RUN_OK : LOAD_RUN_ERR;
}

int
load_run_get(struct load_redis *lr, const char *type, const char *num)
{
	struct registry_rec rec;
	enum parse_idtype t;
	char idnum[PARSE_IDNUM_MAX + 1], b[16], e[16];
	int r;

	if (parse_idtype(type, &t) != 0 ||
	    parse_id_number(num, idnum, sizeof(idnum)) != 0) {
		fprintf(stderr, "--get: expected TYPE (CIN|SEJOUR|PASSPORT) "
		    "and a document number\n");
		return 2;
	}
	if ((r = load_redis_record(lr, t, idnum, &rec)) < 0)
		return 1;
	if (r > 0) {
		printf("%s %s: not in the registry\n", parse_idtype_str(t),
		    idnum);
		return 3;
	}
	parse_date_fmt_iso(&rec.birth, b, sizeof(b));
	e[0] = '\0';
	if (parse_date_is_set(&rec.expiry))
		parse_date_fmt_iso(&rec.expiry, e, sizeof(e));
	printf("%s %s: %s birth=%s expiry=%s matricule=%s has_account=%d "
	    "phone=%s reason=%s\n", parse_idtype_str(t), idnum,
	    rec.status == REGISTRY_ST_REGISTERED ? "REGISTERED" : "INELIGIBLE",
	    b, e, rec.matricule, rec.has_account, rec.phone, rec.reason);
	return 0;
}
