/*
 * test_registry: the record codec — packing round trips and golden bytes,
 * malformed records refused, bucket hash stability, key names, the
 * registry pointer; the key builders and hashes byte for byte against the
 * snprintf formulas they replaced.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "registry.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
test_pack_roundtrip(void **state)
{
	static const struct registry_rec v[] = {
		{ PARSE_ID_CIN, "AB123456", { 1980, 2, 1 }, { 2030, 5, 31 },
		    REGISTRY_ST_REGISTERED, "123456789", 1, "", "" },
		{ PARSE_ID_CIN, "BE765432", { 1900, 1, 1 }, { 0, 0, 0 },
		    REGISTRY_ST_REGISTERED, "00000000000000000001", 0,
		    "212612345678901", "" },
		{ PARSE_ID_PASSPORT, "ZZ0000001", { 2199, 12, 31 }, { 2199, 12, 31 },
		    REGISTRY_ST_INELIGIBLE, "", 0, "", "ABCDEFGHIJKLMNOPQRSTUVW" },
		{ PARSE_ID_SEJOUR, "E1", { 2000, 2, 29 }, { 0, 0, 0 },
		    REGISTRY_ST_INELIGIBLE, "7", 1, "212600000000", "AYANT_DROIT" },
	};
	unsigned char buf[REGISTRY_PACKED_MAX];
	struct registry_rec out;
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < N(v); i++) {
		n = registry_pack(&v[i], buf, sizeof(buf));
		assert_true(n > 0 && n <= REGISTRY_PACKED_MAX);
		memset(&out, 0x55, sizeof(out));
		assert_int_equal(registry_unpack(buf, (size_t)n, &out), 0);
		assert_int_equal(out.status, v[i].status);
		assert_int_equal(out.has_account, v[i].has_account);
		assert_int_equal(parse_date_cmp(&out.birth, &v[i].birth), 0);
		assert_int_equal(parse_date_is_set(&out.expiry),
		    parse_date_is_set(&v[i].expiry));
		if (parse_date_is_set(&v[i].expiry))
			assert_int_equal(parse_date_cmp(&out.expiry,
			    &v[i].expiry), 0);
		assert_string_equal(out.matricule, v[i].matricule);
		assert_string_equal(out.phone, v[i].phone);
		assert_string_equal(out.reason, v[i].reason);
		/* Every shorter prefix and one extra byte are refused. */
		for (size_t k = 0; k < (size_t)n; k++)
			assert_int_equal(registry_unpack(buf, k, &out), -1);
		buf[n] = 0;
		assert_int_equal(registry_unpack(buf, (size_t)n + 1, &out), -1);
	}
	/* The largest record still fits a listpack value. */
	n = registry_pack(&v[2], buf, sizeof(buf));
	assert_true(n + 11 + 11 <= 64);
	/* Too small an output buffer. */
	assert_int_equal(registry_pack(&v[0], buf, 5), -1);
}

static void
test_pack_golden(void **state)
{
	/* Format v1 is on disk in Redis: these bytes must never change. */
	static const struct registry_rec r = { PARSE_ID_CIN, "AB123456",
	    { 1980, 2, 1 }, { 2030, 5, 31 }, REGISTRY_ST_REGISTERED,
	    "123456789", 1, "212612345678", "" };
	static const unsigned char want[] = {
		0x6d,			/* REG | account | expiry | matr | phone */
		0x00, 0xa0, 0x41,	/* 80 << 9 | 2 << 5 | 1 */
		0x01, 0x04, 0xbf,	/* 130 << 9 | 5 << 5 | 31 */
		0x09, 0x12, 0x34, 0x56, 0x78, 0x9f,
		0x0c, 0x21, 0x26, 0x12, 0x34, 0x56, 0x78,
	};
	static const struct registry_rec d = { PARSE_ID_CIN, "X1",
	    { 1990, 1, 1 }, { 0, 0, 0 }, REGISTRY_ST_INELIGIBLE, "", 0, "",
	    "AMO_CNOPS" };
	unsigned char buf[REGISTRY_PACKED_MAX];
	int n;

	(void)state;
	n = registry_pack(&r, buf, sizeof(buf));
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	/* The lookup script reads the reason at byte 5 (1-based) without
	 * expiry: length then code. */
	n = registry_pack(&d, buf, sizeof(buf));
	assert_int_equal(n, 4 + 1 + 9);
	assert_int_equal(buf[0], 0x12);
	assert_int_equal(buf[4], 9);
	assert_memory_equal(buf + 5, "AMO_CNOPS", 9);
}

static void
test_unpack_bad(void **state)
{
	static const struct {
		const unsigned char b[8];
		size_t n;
	} v[] = {
		{ { 0x00, 0x00, 0xa0, 0x41 }, 4 },		/* status 0 */
		{ { 0x03, 0x00, 0xa0, 0x41 }, 4 },		/* status 3 */
		{ { 0x81, 0x00, 0xa0, 0x41 }, 4 },		/* reserved bit */
		{ { 0x01, 0x00, 0xa0, 0x01 }, 4 },		/* month 0 */
		{ { 0x01, 0x00, 0xa0, 0x40 }, 4 },		/* day 0 */
		{ { 0x21, 0x00, 0xa0, 0x41, 0x02, 0x1a }, 6 },	/* BCD digit 10 */
		{ { 0x21, 0x00, 0xa0, 0x41, 0x01, 0x10 }, 6 },	/* bad pad */
		{ { 0x21, 0x00, 0xa0, 0x41, 0x00 }, 5 },	/* 0 digits */
		{ { 0x11, 0x00, 0xa0, 0x41, 0x00 }, 5 },	/* empty reason */
	};
	struct registry_rec r;
	size_t i;

	(void)state;
	for (i = 0; i < N(v); i++)
		if (registry_unpack(v[i].b, v[i].n, &r) != -1)
			fail_msg("case %zu accepted", i);
	assert_int_equal(registry_unpack(NULL, 0, &r), -1);
}

static void
test_bucket(void **state)
{
	char f[REGISTRY_FIELD_MAX + 1];

	(void)state;
	/* FNV-1a of "CIN:AB123456" etc., computed apart: loader and daemon
	 * of any version must put a person in the same bucket. */
	assert_int_equal(registry_hash(PARSE_ID_CIN, "AB123456"), 3337181717u);
	assert_int_equal(registry_hash(PARSE_ID_PASSPORT, "ZZ0000001"),
	    2546426758u);
	assert_int_equal(registry_hash(PARSE_ID_SEJOUR, "E1234567"), 177156788u);
	assert_int_equal(registry_nbuckets(0), 1);
	assert_int_equal(registry_nbuckets(64), 1);
	assert_int_equal(registry_nbuckets(65), 2);
	assert_int_equal(registry_nbuckets(1000000), 15625);
	assert_int_equal(registry_field(PARSE_ID_CIN, "AB123456", f, sizeof(f)), 0);
	assert_string_equal(f, "CAB123456");
	assert_int_equal(registry_field(PARSE_ID_SEJOUR, "E1", f, sizeof(f)), 0);
	assert_string_equal(f, "SE1");
	assert_int_equal(registry_field(PARSE_ID_PASSPORT, "P1", f, sizeof(f)), 0);
	assert_string_equal(f, "PP1");
	assert_int_equal(registry_field(PARSE_ID_NONE, "P1", f, sizeof(f)), -1);
	assert_int_equal(registry_field(PARSE_ID_CIN, "AB123456", f, 9), -1);
}

static void
test_hash2(void **state)
{
	static const struct {
		enum parse_idtype t;
		const char       *a, *b;	/* same type and digits */
	} same[] = {
		{ PARSE_ID_CIN, "AB123456", "123456" },
		{ PARSE_ID_CIN, "AB123456", "XY123456" },
		{ PARSE_ID_CIN, "A123456", "Z123456Z" },
		{ PARSE_ID_CIN, "1A2B3C", "123" },
		{ PARSE_ID_SEJOUR, "E1234567", "1234567" },
		{ PARSE_ID_PASSPORT, "ZZ0000001", "0000001" },
	};
	size_t i;

	(void)state;
	/* FNV-1a of "CIN:123456" etc., computed apart: these values are the
	 * contract with the daemon's lookup (layout 2). */
	assert_int_equal(registry_hash2(PARSE_ID_CIN, "AB123456"), 593119786u);
	assert_int_equal(registry_hash2(PARSE_ID_PASSPORT, "ZZ0000001"),
	    3110625590u);
	assert_int_equal(registry_hash2(PARSE_ID_SEJOUR, "E1234567"),
	    4082136187u);
	for (i = 0; i < N(same); i++) {
		if (registry_hash2(same[i].t, same[i].a) !=
		    registry_hash2(same[i].t, same[i].b))
			fail_msg("case %zu: %s and %s differ", i, same[i].a,
			    same[i].b);
		/* Digits only: layout 2's hash is layout 1's. */
		if (strspn(same[i].b, "0123456789") == strlen(same[i].b) &&
		    registry_hash2(same[i].t, same[i].b) !=
		    registry_hash(same[i].t, same[i].b))
			fail_msg("case %zu: digits-only hashes differ", i);
	}
	/* Digits matter, and their order; the type matters. */
	assert_int_not_equal(registry_hash2(PARSE_ID_CIN, "AB123456"),
	    registry_hash2(PARSE_ID_CIN, "AB123457"));
	assert_int_not_equal(registry_hash2(PARSE_ID_CIN, "AB123456"),
	    registry_hash2(PARSE_ID_CIN, "AB654321"));
	assert_int_not_equal(registry_hash2(PARSE_ID_CIN, "123456"),
	    registry_hash2(PARSE_ID_SEJOUR, "123456"));
	assert_int_not_equal(registry_hash2(PARSE_ID_CIN, "AB123456"),
	    registry_hash(PARSE_ID_CIN, "AB123456"));
	/* Each layout's own. */
	assert_int_equal(registry_hash_layout(REGISTRY_LAYOUT_1, PARSE_ID_CIN,
	    "AB123456"), registry_hash(PARSE_ID_CIN, "AB123456"));
	assert_int_equal(registry_hash_layout(REGISTRY_LAYOUT_2, PARSE_ID_CIN,
	    "AB123456"), registry_hash2(PARSE_ID_CIN, "AB123456"));
}

static void
test_same_bucket(void **state)
{
	/* Numbers that differ only in their letters share a layout-2 bucket
	 * whatever the bucket count, so a digits-only lookup finds them. */
	static const char *const nums[] = {
		"AB123456", "123456", "BE123456", "Z123456", "ZZ123456",
	};
	uint32_t nb, b0;
	size_t i;

	(void)state;
	for (nb = 1; nb < 5000; nb = nb * 3 + 1) {
		b0 = registry_hash2(PARSE_ID_CIN, nums[0]) % nb;
		for (i = 1; i < N(nums); i++)
			assert_int_equal(registry_hash2(PARSE_ID_CIN, nums[i]) %
			    nb, b0);
	}
}

static void
test_keys(void **state)
{
	char k[REGISTRY_KEY_MAX];

	(void)state;
	assert_int_equal(registry_key_bucket(k, sizeof(k), "tns:", 7, 4095), 0);
	assert_string_equal(k, "tns:reg:7:4095");
	assert_int_equal(registry_key_gen(k, sizeof(k), "tns:", "cat"), 0);
	assert_string_equal(k, "tns:cat:gen");
	assert_int_equal(registry_key_cat_list(k, sizeof(k), "p:", 3), 0);
	assert_string_equal(k, "p:cat:3:list");
	assert_int_equal(registry_key_cat(k, sizeof(k), "p:", 3, "MEDECIN"), 0);
	assert_string_equal(k, "p:cat:3:MEDECIN");
	assert_int_equal(registry_key_rsn(k, sizeof(k), "tns:", 12), 0);
	assert_string_equal(k, "tns:rsn:12");
	assert_int_equal(registry_key_rl_msisdn(k, sizeof(k), "tns:",
	    "212612345678"), 0);
	assert_string_equal(k, "tns:rl:m:212612345678");
	assert_int_equal(registry_key_rl_fail(k, sizeof(k), "tns:",
	    PARSE_ID_SEJOUR, "E1"), 0);
	assert_string_equal(k, "tns:rl:f:SEJOUR:E1");
	assert_int_equal(registry_key_sess(k, sizeof(k), "tns:", "iam:1"), 0);
	assert_string_equal(k, "tns:sess:iam:1");
	assert_int_equal(registry_key_audit(k, sizeof(k), "tns:"), 0);
	assert_string_equal(k, "tns:audit");
	assert_int_equal(registry_key_seq(k, sizeof(k), "tns:"), 0);
	assert_string_equal(k, "tns:gen:seq");
	assert_int_equal(registry_key_audit(k, 5, "tns:"), -1);

	assert_int_equal(registry_key_pts_regions(k, sizeof(k), "tns:", 9), 0);
	assert_string_equal(k, "tns:pts:9:regions");
	assert_int_equal(registry_key_pts_region(k, sizeof(k), "tns:", 9, 12), 0);
	assert_string_equal(k, "tns:pts:9:12");
	assert_int_equal(registry_key_gen(k, sizeof(k), "tns:", "pts"), 0);
	assert_string_equal(k, "tns:pts:gen");
	assert_int_equal(registry_key_pts_region(k, 8, "tns:", 9, 12), -1);
}

static void
test_regptr(void **state)
{
	static const char *const bad[] = {
		"12:0", "12", "12:4x", ":4", "", "12:4:", "12:4:1", "12:4:3",
		"12:4:02", "12:4:2 ", " 12:4", "12:4:2:2", "-1:4", "12:-4",
		"12:4:22", "2147483648:4", "12:2147483648", "12:4:2x", "12::2",
		"12:0:2",
	};
	char k[64];
	long gen;
	uint32_t nb;
	int layout;
	size_t i;

	(void)state;
	/* Layout 1: the form every loader wrote before layout 2. */
	layout = 0;
	assert_int_equal(registry_parse_regptr("12:4096", &gen, &nb, &layout), 0);
	assert_int_equal(gen, 12);
	assert_int_equal(nb, 4096);
	assert_int_equal(layout, REGISTRY_LAYOUT_1);
	/* Layout 2. */
	assert_int_equal(registry_parse_regptr("7:313:2", &gen, &nb, &layout), 0);
	assert_int_equal(gen, 7);
	assert_int_equal(nb, 313);
	assert_int_equal(layout, REGISTRY_LAYOUT_2);
	assert_int_equal(registry_parse_regptr("2147483647:2147483647:2", &gen,
	    &nb, &layout), 0);
	assert_int_equal(gen, 2147483647L);
	assert_int_equal(nb, 2147483647u);
	for (i = 0; i < N(bad); i++) {
		gen = -5;
		if (registry_parse_regptr(bad[i], &gen, &nb, &layout) != -1)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_int_equal(gen, -5);	/* untouched */
	}
	assert_int_equal(registry_parse_regptr(NULL, &gen, &nb, &layout), -1);

	/* Writing: each layout's form, read back the same. */
	assert_int_equal(registry_fmt_regptr(k, sizeof(k), 12, 4096,
	    REGISTRY_LAYOUT_1), 0);
	assert_string_equal(k, "12:4096");
	assert_int_equal(registry_fmt_regptr(k, sizeof(k), 7, 313,
	    REGISTRY_LAYOUT_2), 0);
	assert_string_equal(k, "7:313:2");
	assert_int_equal(registry_parse_regptr(k, &gen, &nb, &layout), 0);
	assert_int_equal(layout, REGISTRY_LAYOUT_2);
	assert_int_equal(registry_fmt_regptr(k, 7, 7, 313, REGISTRY_LAYOUT_2), -1);
	assert_int_equal(registry_fmt_regptr(k, sizeof(k), 7, 0,
	    REGISTRY_LAYOUT_2), -1);
	assert_int_equal(registry_fmt_regptr(k, sizeof(k), 7, 3, 3), -1);
	assert_int_equal(REGISTRY_LAYOUT, REGISTRY_LAYOUT_2);
}

/*
 * The builders against the snprintf formulas they replaced: for every
 * argument set and every size around the full length (0, 1, exact fit,
 * one byte short, ...), the same bytes in the whole buffer (nothing
 * written past the cut) and -1 exactly when snprintf's result did not
 * fit. A builder that writes other bytes, or forgets a bound, fails here.
 */
struct kargs {
	const char		*prefix, *s1, *s2;
	long			 gen;
	uint32_t		 u;
	int			 i;
	enum parse_idtype	 t;
};

static const struct kargs *K;

#define KEY_PAIR(name, call, fmt, ...)					\
static int b_##name(char *o, size_t n) { return call; }		\
static int f_##name(char *o, size_t n)					\
{ return snprintf(o, n, fmt, __VA_ARGS__); }

KEY_PAIR(seq, registry_key_seq(o, n, K->prefix), "%sgen:seq", K->prefix)
KEY_PAIR(gen, registry_key_gen(o, n, K->prefix, K->s1), "%s%s:gen",
    K->prefix, K->s1)
KEY_PAIR(bucket, registry_key_bucket(o, n, K->prefix, K->gen, K->u),
    "%sreg:%ld:%u", K->prefix, K->gen, (unsigned)K->u)
KEY_PAIR(cat_list, registry_key_cat_list(o, n, K->prefix, K->gen),
    "%scat:%ld:list", K->prefix, K->gen)
KEY_PAIR(cat, registry_key_cat(o, n, K->prefix, K->gen, K->s1),
    "%scat:%ld:%s", K->prefix, K->gen, K->s1)
KEY_PAIR(rsn, registry_key_rsn(o, n, K->prefix, K->gen), "%srsn:%ld",
    K->prefix, K->gen)
KEY_PAIR(pts_regions, registry_key_pts_regions(o, n, K->prefix, K->gen),
    "%spts:%ld:regions", K->prefix, K->gen)
KEY_PAIR(pts_region, registry_key_pts_region(o, n, K->prefix, K->gen, K->i),
    "%spts:%ld:%d", K->prefix, K->gen, K->i)
KEY_PAIR(rl_msisdn, registry_key_rl_msisdn(o, n, K->prefix, K->s1),
    "%srl:m:%s", K->prefix, K->s1)
KEY_PAIR(rl_fail, registry_key_rl_fail(o, n, K->prefix, K->t, K->s1),
    "%srl:f:%s:%s", K->prefix, parse_idtype_str(K->t), K->s1)
KEY_PAIR(sess, registry_key_sess(o, n, K->prefix, K->s1), "%ssess:%s",
    K->prefix, K->s1)
KEY_PAIR(audit, registry_key_audit(o, n, K->prefix), "%saudit", K->prefix)
KEY_PAIR(otp, registry_key_otp(o, n, K->prefix, K->s1), "%sotp:%s",
    K->prefix, K->s1)
KEY_PAIR(otpf, registry_key_otpf(o, n, K->prefix, K->s1), "%sotpf:%s",
    K->prefix, K->s1)
KEY_PAIR(pw, registry_key_pw(o, n, K->prefix, K->s1), "%spw:%s",
    K->prefix, K->s1)
KEY_PAIR(outbox, registry_key_outbox(o, n, K->prefix), "%soutbox",
    K->prefix)
KEY_PAIR(outbox_st, registry_key_outbox_st(o, n, K->prefix, K->s1),
    "%soutbox:st:%s", K->prefix, K->s1)
KEY_PAIR(outbox_mid, registry_key_outbox_mid(o, n, K->prefix, K->s1,
    K->s2), "%soutbox:mid:%s:%s", K->prefix, K->s1, K->s2)
KEY_PAIR(provisioning, registry_key_provisioning(o, n, K->prefix),
    "%sprovisioning", K->prefix)
KEY_PAIR(regptr1, registry_fmt_regptr(o, n, K->gen, K->u,
    REGISTRY_LAYOUT_1), "%ld:%u", K->gen, (unsigned)K->u)
KEY_PAIR(regptr2, registry_fmt_regptr(o, n, K->gen, K->u,
    REGISTRY_LAYOUT_2), "%ld:%u:2", K->gen, (unsigned)K->u)

/* registry_field as it was: "%c%s", cut and refused when too long. */
static int
b_field(char *o, size_t n)
{
	return registry_field(K->t, K->s1, o, n);
}

static int
f_field(char *o, size_t n)
{
	return snprintf(o, n, "%c%s", parse_idtype_str(K->t)[0], K->s1);
}

struct kpair {
	const char	*name;
	int		(*build)(char *, size_t);
	int		(*formula)(char *, size_t);
	int		 gen_ok;	/* only gen >= 0, u > 0 (regptr) */
	int		 known_type;	/* only a known type (field) */
};

#define P(name) { #name, b_##name, f_##name, 0, 0 }

static const struct kpair kpairs[] = {
	P(seq), P(gen), P(bucket), P(cat_list), P(cat), P(rsn),
	P(pts_regions), P(pts_region), P(rl_msisdn), P(rl_fail), P(sess),
	P(audit), P(otp), P(otpf), P(pw), P(outbox), P(outbox_st),
	P(outbox_mid), P(provisioning),
	{ "regptr1", b_regptr1, f_regptr1, 1, 0 },
	{ "regptr2", b_regptr2, f_regptr2, 1, 0 },
	{ "field", b_field, f_field, 0, 1 },
};

#define KBUF 300

/* One builder at one size: same bytes as snprintf over the whole buffer,
 * -1 exactly when the full text (len bytes) does not fit. */
static void
key_check(const struct kpair *p, size_t len, size_t sz, size_t ai)
{
	char a[KBUF], b[KBUF];
	int rc;

	memset(a, 0x5a, sizeof(a));
	memset(b, 0x5a, sizeof(b));
	rc = p->build(a, sz);
	(void)p->formula(b, sz);
	if (memcmp(a, b, sizeof(a)) != 0)
		fail_msg("%s, args %zu, size %zu: \"%.*s\" != \"%.*s\"",
		    p->name, ai, sz, (int)sz, a, (int)sz, b);
	if (rc != (len >= sz ? -1 : 0))
		fail_msg("%s, args %zu, size %zu (text %zu): returned %d",
		    p->name, ai, sz, len, rc);
}

static void
test_keys_as_snprintf(void **state)
{
	static const char long64[] =
	    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_";
	static const struct kargs args[] = {
		{ "tns:", "AB123456", "1f2e", 7, 4095, 12, PARSE_ID_CIN },
		{ "", "", "", 0, 0, 0, PARSE_ID_SEJOUR },
		{ "p:", "1733412345678-0", "iam", 1, 1, 1, PARSE_ID_PASSPORT },
		{ "tnsgw:prod:", "212612345678", "s:00ff", 123456789,
		  2147483647u, 16, PARSE_ID_CIN },
		{ "x", long64, long64, 2147483647L, UINT32_MAX, 2147483647,
		  PARSE_ID_SEJOUR },
		{ "tns:", "E1", "9", -1, 10, -1, PARSE_ID_CIN },
		{ "tns:", "Z", "Y", -9223372036854775807L - 1, 100, -2147483647 - 1,
		  PARSE_ID_NONE },
		{ "tns:", "MEDECIN", "", 9223372036854775807L, 99999, 9,
		  PARSE_ID_PASSPORT },
		{ long64, "a", "b", 10, 9, 99, PARSE_ID_CIN },
	};
	size_t ai, pi, j, len;

	(void)state;
	for (ai = 0; ai < N(args); ai++) {
		K = &args[ai];
		for (pi = 0; pi < N(kpairs); pi++) {
			const struct kpair *p = &kpairs[pi];

			if (p->gen_ok && (K->gen < 0 || K->u == 0))
				continue;
			if (p->known_type && K->t == PARSE_ID_NONE)
				continue;
			len = (size_t)p->formula(NULL, 0);
			assert_true(len + 3 < KBUF);
			/* 0, 1, 2, one short, exact fit (len + 1), one more,
			 * then every size (each cut point). */
			for (j = 0; j <= len + 3; j++)
				key_check(p, len, j, ai);
			key_check(p, len, KBUF, ai);
		}
	}
	/* An unknown type: no field, nothing written. */
	{
		char o[8];

		memset(o, 0x5a, sizeof(o));
		assert_int_equal(registry_field(PARSE_ID_NONE, "A1", o,
		    sizeof(o)), -1);
		assert_int_equal((unsigned char)o[0], 0x5a);
	}
	/* regptr refusals write nothing. */
	{
		char o[16];

		memset(o, 0x5a, sizeof(o));
		assert_int_equal(registry_fmt_regptr(o, sizeof(o), -1, 4,
		    REGISTRY_LAYOUT_2), -1);
		assert_int_equal(registry_fmt_regptr(o, sizeof(o), 1, 0,
		    REGISTRY_LAYOUT_1), -1);
		assert_int_equal(registry_fmt_regptr(o, sizeof(o), 1, 4, 3), -1);
		assert_int_equal((unsigned char)o[0], 0x5a);
	}
}

/* The hashes against parse_hash32 of the strings snprintf built: the
 * bucket of every record on disk depends on them. Numbers long enough to
 * be cut at 63 bytes of "<TYPE>:<NUMBER>" included. */
/* Not inlined: the number's size stays unknown to the compiler, as in
 * registry.c (its cut is the point, not a warning). */
static __attribute__((noinline)) uint32_t
hash_formula(enum parse_idtype t, const char *idnum)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s:%s", parse_idtype_str(t), idnum);
	return parse_hash32(buf);
}

static __attribute__((noinline)) uint32_t
hash2_formula(enum parse_idtype t, const char *idnum)
{
	char buf[64];
	size_t n;

	n = (size_t)snprintf(buf, sizeof(buf), "%s:", parse_idtype_str(t));
	for (; *idnum != '\0' && n + 1 < sizeof(buf); idnum++)
		if (*idnum >= '0' && *idnum <= '9')
			buf[n++] = *idnum;
	buf[n] = '\0';
	return parse_hash32(buf);
}

static void
test_hash_as_snprintf(void **state)
{
	static const enum parse_idtype types[] = {
		PARSE_ID_NONE, PARSE_ID_CIN, PARSE_ID_SEJOUR, PARSE_ID_PASSPORT,
	};
	char num[80];
	size_t ti, len, i;

	(void)state;
	for (ti = 0; ti < N(types); ti++) {
		for (len = 0; len < sizeof(num); len++) {
			/* letters and digits mixed: both hashes see them */
			for (i = 0; i < len; i++)
				num[i] = (char)(i % 3 == 0 ? 'A' + i % 26 :
				    '0' + (i * 7 + len) % 10);
			num[len] = '\0';
			if (registry_hash(types[ti], num) !=
			    hash_formula(types[ti], num))
				fail_msg("registry_hash type %zu len %zu", ti, len);
			if (registry_hash2(types[ti], num) !=
			    hash2_formula(types[ti], num))
				fail_msg("registry_hash2 type %zu len %zu", ti,
				    len);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack_roundtrip),
		cmocka_unit_test(test_pack_golden),
		cmocka_unit_test(test_unpack_bad),
		cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_hash2),
		cmocka_unit_test(test_same_bucket),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_regptr),
		cmocka_unit_test(test_keys_as_snprintf),
		cmocka_unit_test(test_hash_as_snprintf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
