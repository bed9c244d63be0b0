/*
 * tnsgw-backoffice: the CNSS back office's side of case B — makes the key
 * pair the provisioning stream is sealed to and the outbox key, opens
 * sealed passwords, and lists the provisioning and outbox streams in clear;
 * unlocks a document locked by failed lookups.
 * Synchronous hiredis (toolredis): this is an operator's tool, not the daemon.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <sodium.h>

#include "log.h"
#include "parse.h"
#include "registry.h"
#include "secret.h"
#include "toolredis.h"
#include "version.h"

#define BO_BATCH    500		/* stream entries per XRANGE */
#define BO_PW_MAX   256		/* an opened password, with room to spare */
#define BO_TIMEOUT_S 30		/* per Redis reply */

/* One stream entry as XRANGE returns it: id, then field/value pairs. */
struct bo_entry {
	const char       *id;
	const redisReply *fields;
};

typedef int bo_entry_fn(const struct bo_entry *e, void *arg);

static redisContext *rc;

/* The usage on fp, then exit(code): stdout and 0 for --help, stderr and 2
 * for a usage error. */
static void __attribute__((noreturn))
usage_to(FILE *fp, int code)
{
	fprintf(fp,
	    "usage: tnsgw-backoffice keygen PUBFILE SECFILE\n"
	    "           make the provisioning key pair (crypto_box): PUBFILE for\n"
	    "           security.provisioning_pubkey_file, SECFILE stays here\n"
	    "       tnsgw-backoffice secretkey FILE\n"
	    "           make an outbox key (security.outbox_key_file), mode 0600\n"
	    "       tnsgw-backoffice open PUBFILE SECFILE [SEALED_B64...]\n"
	    "           print each sealed password in clear\n"
	    "       tnsgw-backoffice provisioning PUBFILE SECFILE [redis options]\n"
	    "           list the provisioning stream, passwords opened\n"
	    "       tnsgw-backoffice outbox KEYFILE [OLDKEYFILE] [redis options]\n"
	    "           list the SMS outbox, bodies opened\n"
	    "       tnsgw-backoffice unlock OUTBOX_KEYFILE TYPE NUMBER [redis options]\n"
	    "           clear the failure counter of one document (TYPE: CIN,\n"
	    "           SEJOUR, PASSPORT)\n"
	    "       tnsgw-backoffice seal PUBFILE [TEXT...]    (tests: seal text)\n"
	    "       tnsgw-backoffice box KEYFILE BIND TO TON NPI KIND OP\n"
	    "                 (tests: seal stdin, whole, for that outbox entry)\n"
	    "       tnsgw-backoffice idhash OUTBOX_KEYFILE TYPE NUMBER\n"
	    "           what stands for NUMBER in a key name (rl:f:TYPE:<hash>)\n"
	    "       tnsgw-backoffice --version | --help\n"
	    "redis options: [-c CONF] [-h HOST] [-p PORT] [-s SOCKET] [-n DB]"
	    " [--prefix P] [--user U]\n"
	    "  -c CONF the daemon's config (its redis.* group); -h HOST, -p PORT"
	    " [127.0.0.1:6379];\n"
	    "  -s SOCKET a unix socket; -n DB [0]; --prefix P [tns:];"
	    " --user U an ACL user.\n"
	    "Redis password: $TNSGW_REDIS_PASSWORD (else redis.password of -c).\n"
	    "Without arguments, open/seal read one item per line on stdin.\n"
	    "Stream lines: provisioning \"<id> <matricule> <msisdn> <channel>"
	    " <operator> <ts> <password>\",\n"
	    "outbox \"<id> <kind> <bind> <to> <body>\"; empty fields print as"
	    " \"-\", and \\, newline,\nCR inside a field as \\\\, \\n, \\r.\n"
	    "Exit: 0 done, 1 an error (file, key, Redis), 2 usage."
	    " See tnsgw-backoffice(1).\n");
	exit(code);
}

static void __attribute__((noreturn))
usage(void)
{
	usage_to(stderr, 2);
}

/* --- keys ----------------------------------------------------------- */

static int
bo_load(const char *path, unsigned char key[SECRET_KEY_LEN])
{
	char err[PATH_MAX + 128];

	if (secret_load_key(path, key, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

/* A public key file: refused only when others can write it. */
static int
bo_load_pub(const char *path, unsigned char key[SECRET_KEY_LEN])
{
	char err[PATH_MAX + 128];

	if (secret_load_pubkey(path, key, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

/* Load a box key pair and check that the secret key goes with the public. */
static int
bo_load_pair(const char *pubfile, const char *secfile,
    unsigned char pub[SECRET_KEY_LEN], unsigned char sec[SECRET_KEY_LEN])
{
	unsigned char derived[crypto_scalarmult_BYTES];
	int same;

	if (bo_load_pub(pubfile, pub) != 0 || bo_load(secfile, sec) != 0)
		return -1;
	if (crypto_scalarmult_base(derived, sec) != 0)
		same = 0;
	else
		same = secret_equal(derived, pub, SECRET_KEY_LEN);
	secret_wipe(derived, sizeof(derived));
	if (!same) {
		fprintf(stderr, "%s: not the secret key of %s\n", secfile,
		    pubfile);
		return -1;
	}
	return 0;
}

static int
bo_write(const char *path, const unsigned char key[SECRET_KEY_LEN])
{
	char err[PATH_MAX + 128];

	if (secret_write_key(path, key, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int
bo_keygen(const char *pubfile, const char *secfile)
{
	unsigned char pub[SECRET_KEY_LEN], sec[SECRET_KEY_LEN];
	int rv = 1;

	if (strcmp(pubfile, secfile) == 0) {
		fprintf(stderr, "PUBFILE and SECFILE must differ\n");
		return 1;
	}
	secret_box_keypair(pub, sec);
	/* The secret key first: a public key alone would be worthless. */
	if (bo_write(secfile, sec) == 0) {
		if (bo_write(pubfile, pub) == 0)
			rv = 0;
		else
			unlink(secfile);	/* created just now, O_EXCL */
	}
	secret_wipe(sec, sizeof(sec));
	return rv;
}

static int
bo_secretkey(const char *path)
{
	unsigned char key[SECRET_KEY_LEN];
	int rv;

	secret_random_key(key);
	rv = bo_write(path, key) == 0 ? 0 : 1;
	secret_wipe(key, sizeof(key));
	return rv;
}

/* --- output --------------------------------------------------------- */

/* One field: "-" when missing or empty; \ newline CR escaped. */
static void
bo_put(const char *s)
{
	if (s == NULL || *s == '\0') {
		fputc('-', stdout);
		return;
	}
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", stdout);
		else if (*s == '\n')
			fputs("\\n", stdout);
		else if (*s == '\r')
			fputs("\\r", stdout);
		else
			fputc(*s, stdout);
	}
}

/* --- items from the command line or stdin --------------------------- */

typedef int bo_item_fn(const char *item, const char *where, void *arg);

static char *
bo_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* fn on each argument, or on each non-empty stdin line; 0, or 1 when any
 * item failed (the others are still done). */
static int
bo_items(int argc, char **argv, bo_item_fn *fn, void *arg)
{
	char where[64], *line = NULL, *s;
	size_t cap = 0;
	long lineno = 0;
	int i, rv = 0;

	if (argc > 0) {
		for (i = 0; i < argc; i++) {
			snprintf(where, sizeof(where), "argument %d", i + 1);
			if (fn(argv[i], where, arg) != 0)
				rv = 1;
		}
		return rv;
	}
	while (getline(&line, &cap, stdin) != -1) {
		lineno++;
		s = bo_trim(line);
		if (*s == '\0')
			continue;
		snprintf(where, sizeof(where), "stdin line %ld", lineno);
		if (fn(s, where, arg) != 0)
			rv = 1;
	}
	if (ferror(stdin)) {
		fprintf(stderr, "stdin: %s\n", strerror(errno));
		rv = 1;
	}
	if (line != NULL)
		secret_wipe(line, cap);
	free(line);
	return rv;
}

struct bo_pair {
	unsigned char pub[SECRET_KEY_LEN], sec[SECRET_KEY_LEN];
};

static int
bo_open_one(const char *item, const char *where, void *arg)
{
	struct bo_pair *kp = arg;
	char pw[BO_PW_MAX];

	if (secret_open_b64(kp->pub, kp->sec, item, pw, sizeof(pw)) != 0) {
		fprintf(stderr, "%s: cannot open (not sealed to this key pair,"
		    " or damaged)\n", where);
		return -1;
	}
	bo_put(pw);
	fputc('\n', stdout);
	secret_wipe(pw, sizeof(pw));
	return 0;
}

/*
 * Test aids: the daemon's side of seal and box, from the shell. Both give
 * head + base64(cipher of the item, overhead bytes longer).
 */
typedef int bo_encode_fn(const unsigned char key[SECRET_KEY_LEN],
    const char *msg, char *out, size_t outsz);

struct bo_coder {
	const char          *verb;		/* "seal", "box" */
	bo_encode_fn        *encode;
	size_t               head, overhead;
	const unsigned char *key;
};

static int
bo_encode_one(const char *item, const char *where, void *arg)
{
	const struct bo_coder *c = arg;
	size_t sz = c->head + sodium_base64_ENCODED_LEN(strlen(item) +
	    c->overhead, sodium_base64_VARIANT_ORIGINAL);
	char *out;

	if ((out = malloc(sz)) == NULL ||
	    c->encode(c->key, item, out, sz) != 0) {
		fprintf(stderr, "%s: cannot %s\n", where, c->verb);
		free(out);
		return -1;
	}
	puts(out);
	free(out);
	return 0;
}

/*
 * box KEYFILE BIND TO TON NPI KIND OP: stdin (all of it, one trailing
 * newline dropped) sealed as the daemon seals an outbox body for the entry
 * with those fields; the sealed text on stdout. Tests forge entries so.
 */
static int
bo_box(char **args)
{
	struct secret_keyed k;
	char err[PATH_MAX + 128], *msg = NULL, *out = NULL;
	size_t len = 0, cap = 0, sz;
	struct secret_seal_ad ad;
	char *end1, *end2;
	int c, rv = 1;

	ad.bind = args[1];
	ad.to = args[2];
	ad.to_ton = (unsigned)strtoul(args[3], &end1, 10);
	ad.to_npi = (unsigned)strtoul(args[4], &end2, 10);
	ad.kind = args[5];
	ad.op = args[6];
	if (*end1 != '\0' || *end2 != '\0' || args[3][0] == '\0' ||
	    args[4][0] == '\0' || ad.to_ton > 255 || ad.to_npi > 255) {
		fprintf(stderr, "TON and NPI: 0..255\n");
		return 1;
	}
	if (secret_load_key_id(args[0], &k, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	while ((c = getchar()) != EOF) {
		if (len + 2 > cap) {
			char *n = realloc(msg, cap = cap ? 2 * cap : 256);

			if (n == NULL)
				goto out;
			msg = n;
		}
		msg[len++] = (char)c;
	}
	if (msg == NULL || (len > 0 && memchr(msg, '\0', len) != NULL)) {
		fprintf(stderr, "stdin: empty, or a NUL inside\n");
		goto out;
	}
	if (msg[len - 1] == '\n')
		len--;
	msg[len] = '\0';
	sz = 64 + sodium_base64_ENCODED_LEN(len + 64,
	    sodium_base64_VARIANT_ORIGINAL);
	if ((out = malloc(sz)) == NULL ||
	    secret_seal2_b64(&k, &ad, msg, out, sz) != 0) {
		fprintf(stderr, "cannot seal\n");
		goto out;
	}
	puts(out);
	rv = 0;
out:
	if (msg != NULL)
		secret_wipe(msg, cap);
	free(msg);
	free(out);
	secret_wipe(&k, sizeof(k));
	return rv;
}

/* --- Redis streams -------------------------------------------------- */

/* The value of field name in an entry, NULL when absent. */
static const char *
bo_get(const struct bo_entry *e, const char *name)
{
	const redisReply *f = e->fields;
	size_t i;

	for (i = 0; i + 1 < f->elements; i += 2) {
		if (f->element[i]->type == REDIS_REPLY_STRING &&
		    strcmp(f->element[i]->str, name) == 0)
			return f->element[i + 1]->type == REDIS_REPLY_STRING ?
			    f->element[i + 1]->str : NULL;
	}
	return NULL;
}

/*
 * fn on every entry of the stream, oldest first, in batches (exclusive
 * ranges from the last id seen). 0, 1 when fn failed on some entry, -1 on
 * a Redis error.
 */
static int
bo_scan(const char *key, bo_entry_fn *fn, void *arg)
{
	char start[64] = "-", count[16];
	const char *argv[6] = { "XRANGE", key, start, "+", "COUNT", count };
	const redisReply *el;
	struct bo_entry e;
	redisReply *r;
	size_t i;
	int rv = 0;

	snprintf(count, sizeof(count), "%d", BO_BATCH);
	for (;;) {
		r = redisCommandArgv(rc, 6, argv, NULL);
		if (r == NULL) {
			fprintf(stderr, "redis XRANGE %s: %s\n", key, rc->errstr);
			return -1;
		}
		if (r->type == REDIS_REPLY_ERROR) {
			fprintf(stderr, "redis XRANGE %s: %s\n", key, r->str);
			freeReplyObject(r);
			return -1;
		}
		if (r->type != REDIS_REPLY_ARRAY) {
			fprintf(stderr, "redis XRANGE %s: unexpected reply\n",
			    key);
			freeReplyObject(r);
			return -1;
		}
		for (i = 0; i < r->elements; i++) {
			el = r->element[i];
			if (el->type != REDIS_REPLY_ARRAY || el->elements != 2 ||
			    el->element[0]->type != REDIS_REPLY_STRING ||
			    el->element[0]->len + 2 > sizeof(start) ||
			    el->element[1]->type != REDIS_REPLY_ARRAY) {
				fprintf(stderr, "redis XRANGE %s: malformed"
				    " entry\n", key);
				freeReplyObject(r);
				return -1;
			}
			e.id = el->element[0]->str;
			e.fields = el->element[1];
			if (fn(&e, arg) != 0)
				rv = 1;
			snprintf(start, sizeof(start), "(%s", e.id);
		}
		i = r->elements;
		freeReplyObject(r);
		if (i < BO_BATCH)
			break;
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "stdout: %s\n", strerror(errno));
		return -1;
	}
	return rv;
}

/* The entry's id, then each named field, each followed by a space. */
static void
bo_put_fields(const struct bo_entry *e, const char *const *names)
{
	bo_put(e->id);
	for (; *names != NULL; names++) {
		fputc(' ', stdout);
		bo_put(bo_get(e, *names));
	}
	fputc(' ', stdout);
}

static int
bo_prov_entry(const struct bo_entry *e, void *arg)
{
	static const char *const fields[] = { "matricule", "msisdn", "channel",
	    "operator", "ts", NULL };
	struct bo_pair *kp = arg;
	const char *sealed = bo_get(e, "password_sealed");
	char pw[BO_PW_MAX];

	if (sealed == NULL ||
	    secret_open_b64(kp->pub, kp->sec, sealed, pw, sizeof(pw)) != 0) {
		fprintf(stderr, "%s: %s\n", e->id, sealed == NULL ?
		    "no password_sealed field" :
		    "cannot open password_sealed (another key pair?)");
		return -1;
	}
	bo_put_fields(e, fields);
	bo_put(pw);
	fputc('\n', stdout);
	secret_wipe(pw, sizeof(pw));
	return 0;
}

/* The outbox keys given (current, then old). */
struct bo_keys {
	struct secret_keyed k[2];
	int                 n;
};

/* An octet field of an outbox entry as the daemon reads it (absent: 1). */
static unsigned
bo_octet(const char *s)
{
	return s == NULL ? 1 : (unsigned)strtoul(s, NULL, 10);
}

static int
bo_outbox_entry(const struct bo_entry *e, void *arg)
{
	static const char *const fields[] = { "kind", "bind", "to", NULL };
	const struct bo_keys *ks = arg;
	const char *body = bo_get(e, "body");
	struct secret_seal_ad ad = { bo_get(e, "to"), bo_get(e, "kind"),
	    bo_get(e, "op"), bo_get(e, "bind"), bo_octet(bo_get(e, "to_ton")),
	    bo_octet(bo_get(e, "to_npi")) };
	enum secret_open2 orc = SECRET_OPEN2_SEAL;
	size_t sz = 0;
	char *plain = NULL;

	if (body != NULL && (strncmp(body, SECRET_SEAL2_PREFIX,
	    sizeof(SECRET_SEAL2_PREFIX) - 1) == 0 || strncmp(body,
	    SECRET_BOX_PREFIX, sizeof(SECRET_BOX_PREFIX) - 1) == 0)) {
		sz = strlen(body) + 1;	/* more than the plaintext needs */
		if ((plain = malloc(sz)) == NULL ||
		    (orc = secret_open2_b64(ks->k, ks->n, &ad, body, plain,
		    sz)) != SECRET_OPEN2_OK) {
			fprintf(stderr, "%s: cannot open the body (%s: %s)\n",
			    e->id, secret_open2_str(orc),
			    orc == SECRET_OPEN2_KEY ? "no key with its id, or an"
			    " sb1 body" : "not sealed for this entry");
			free(plain);
			return -1;
		}
		body = plain;
	}
	bo_put_fields(e, fields);
	/* The body is the rest of the line: an empty one stays empty. */
	if (body != NULL && *body != '\0')
		bo_put(body);
	fputc('\n', stdout);
	if (plain != NULL) {
		secret_wipe(plain, sz);
		free(plain);
	}
	return 0;
}

static int
bo_stream(const struct toolredis_target *t, const char *name,
    bo_entry_fn *fn, void *arg)
{
	char key[64], err[TOOLREDIS_ERR_MAX];
	int rv;

	snprintf(key, sizeof(key), "%s%s", t->prefix, name);
	rc = toolredis_connect(t, BO_TIMEOUT_S, err, sizeof(err));
	if (rc == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	rv = bo_scan(key, fn, arg);
	redisFree(rc);
	rc = NULL;
	return rv == 0 ? 0 : 1;
}

/* --- unlock: the document's failure counters ------------------------ */

/*
 * Deletes P"rl:f:<TYPE>:<NUMBER>" and, for a number with letters, the
 * counter of its digits typed alone (a dial pad's way): the document
 * answers again at once. Says which existed, the number masked.
 */
static int
bo_unlock(const struct toolredis_target *t, const unsigned char *idk,
    const char *type, const char *number)
{
	char hex[SECRET_STATE_ID_HEX];
	char num[PARSE_IDNUM_MAX + 1], digits[PARSE_IDNUM_MAX + 1];
	char key[REGISTRY_KEY_MAX], err[TOOLREDIS_ERR_MAX], m[32];
	const char *nums[2];
	enum parse_idtype it;
	long long cleared = 0;
	int found = 0, n = 0, rv = 0;
	size_t i, k = 0;

	if (parse_idtype(type, &it) != 0 ||
	    parse_id_number(number, num, sizeof(num)) != 0) {
		fprintf(stderr, "unlock: expected TYPE (CIN, SEJOUR, PASSPORT) "
		    "and a document number\n");
		return 2;
	}
	for (i = 0; num[i] != '\0'; i++)
		if (num[i] >= '0' && num[i] <= '9')
			digits[k++] = num[i];
	digits[k] = '\0';
	nums[n++] = num;
	if (strcmp(digits, num) != 0)
		nums[n++] = digits;
	rc = toolredis_connect(t, BO_TIMEOUT_S, err, sizeof(err));
	if (rc == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (int j = 0; j < n && rv == 0; j++) {
		redisReply *r;

		secret_state_id_hash(idk, parse_idtype_str(it), nums[j], hex);
		if (registry_key_rl_fail(key, sizeof(key), t->prefix, it,
		    hex) != 0) {
			rv = 1;
			break;
		}
		r = redisCommand(rc, "GETDEL %s", key);
		if (r == NULL || r->type == REDIS_REPLY_ERROR) {
			fprintf(stderr, "redis: %s\n", r != NULL ? r->str :
			    rc->errstr);
			rv = 1;
		} else if (r->type == REDIS_REPLY_STRING) {
			found++;
			cleared += strtoll(r->str, NULL, 10);
		}
		freeReplyObject(r);
	}
	redisFree(rc);
	rc = NULL;
	if (rv != 0)
		return rv;
	if (found)
		printf("unlocked %s %s: %lld failed lookups cleared\n",
		    parse_idtype_str(it), log_mask_id(num, m, sizeof(m)),
		    cleared);
	else
		printf("%s %s: no failure counter (not locked)\n",
		    parse_idtype_str(it), log_mask_id(num, m, sizeof(m)));
	return 0;
}

/* --- main ----------------------------------------------------------- */

/* The Redis target of the options: 0, or -1 with why said. */
static int
bo_target(const struct toolredis_opts *ro, struct toolredis_target *t)
{
	char err[TOOLREDIS_ERR_MAX];

	if (toolredis_resolve(ro, t, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option lopts[] = {
		TOOLREDIS_LONGOPTS,
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd;
	struct toolredis_opts ro;
	struct toolredis_target rt;
	struct bo_pair kp;
	unsigned char key[SECRET_KEY_LEN];
	int ch, nargs, redis_opts = 0, rv;
	char **args;

	log_init(LOG_LVL_WARNING);
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "--help") == 0 && argc == 2)
		usage_to(stdout, 0);
	if (strcmp(argv[1], "--version") == 0 && argc == 2) {
		version_print(stdout, "tnsgw-backoffice");
		return 0;
	}
	cmd = argv[1];
	argc--;
	argv++;
	toolredis_opts_init(&ro);
	while ((ch = getopt_long(argc, argv, TOOLREDIS_OPTSTRING, lopts,
	    NULL)) != -1) {
		redis_opts = 1;
		if (toolredis_option(&ro, ch, optarg) != 0)
			usage();
	}
	args = argv + optind;
	nargs = argc - optind;
	if (redis_opts && strcmp(cmd, "provisioning") != 0 &&
	    strcmp(cmd, "outbox") != 0 && strcmp(cmd, "unlock") != 0)
		usage();

	if (secret_init() != 0) {
		fprintf(stderr, "libsodium: cannot initialise\n");
		return 1;
	}

	if (strcmp(cmd, "keygen") == 0) {
		if (nargs != 2)
			usage();
		return bo_keygen(args[0], args[1]);
	}
	if (strcmp(cmd, "secretkey") == 0) {
		if (nargs != 1)
			usage();
		return bo_secretkey(args[0]);
	}
	if (strcmp(cmd, "open") == 0) {
		if (nargs < 2)
			usage();
		if (bo_load_pair(args[0], args[1], kp.pub, kp.sec) != 0)
			rv = 1;
		else
			rv = bo_items(nargs - 2, args + 2, bo_open_one, &kp);
		secret_wipe(&kp, sizeof(kp));
		return rv;
	}
	if (strcmp(cmd, "seal") == 0) {
		struct bo_coder seal = { "seal", secret_seal_b64, 0,
		    crypto_box_SEALBYTES, key };

		if (nargs < 1)
			usage();
		if (bo_load_pub(args[0], key) != 0)
			return 1;
		return bo_items(nargs - 1, args + 1, bo_encode_one, &seal);
	}
	if (strcmp(cmd, "box") == 0) {
		if (nargs != 7)
			usage();
		return bo_box(args);
	}
	if (strcmp(cmd, "outbox") == 0) {
		struct bo_keys ks;
		char err[PATH_MAX + 128];

		if (nargs < 1 || nargs > 2)
			usage();
		if (bo_target(&ro, &rt) != 0)
			return 1;
		memset(&ks, 0, sizeof(ks));
		for (ks.n = 0; ks.n < nargs; ks.n++)
			if (secret_load_key_id(args[ks.n], &ks.k[ks.n], err,
			    sizeof(err)) != 0) {
				fprintf(stderr, "%s\n", err);
				secret_wipe(&ks, sizeof(ks));
				return 1;
			}
		rv = bo_stream(&rt, "outbox", bo_outbox_entry, &ks);
		secret_wipe(&ks, sizeof(ks));
		return rv;
	}
	if (strcmp(cmd, "idhash") == 0) {
		unsigned char idk[SECRET_KEY_LEN];
		char hex[SECRET_STATE_ID_HEX];

		if (nargs != 3)
			usage();
		if (bo_load(args[0], key) != 0)
			return 1;
		secret_state_id_key(key, idk);
		secret_state_id_hash(idk, args[1], args[2], hex);
		secret_wipe(key, sizeof(key));
		secret_wipe(idk, sizeof(idk));
		printf("%s\n", hex);
		return 0;
	}
	if (strcmp(cmd, "unlock") == 0) {
		unsigned char idk[SECRET_KEY_LEN];

		if (nargs != 3)
			usage();
		if (bo_target(&ro, &rt) != 0 || bo_load(args[0], key) != 0)
			return 1;
		secret_state_id_key(key, idk);
		secret_wipe(key, sizeof(key));
		rv = bo_unlock(&rt, idk, args[1], args[2]);
		secret_wipe(idk, sizeof(idk));
		return rv;
	}
	if (strcmp(cmd, "provisioning") == 0) {
		if (nargs != 2)
			usage();
		if (bo_target(&ro, &rt) != 0)
			return 1;
		if (bo_load_pair(args[0], args[1], kp.pub, kp.sec) != 0)
			rv = 1;
		else
			rv = bo_stream(&rt, "provisioning", bo_prov_entry, &kp);
		secret_wipe(&kp, sizeof(kp));
		return rv;
	}
	usage();
}
