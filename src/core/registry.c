/*
 * registry: the record codec — Redis key names, packed registry records,
 * the bucket hashes of both layouts, the registry pointer. Shared by store
 * (daemon) and tnsgw-load so both agree on every byte. Pure code.
 */
#include <stdarg.h>
#include <string.h>

#include "registry.h"
#include "tbuf.h"

/* --- records -------------------------------------------------------- */

static int
registry_date_put(const struct parse_date *d, unsigned char *p)
{
	uint32_t v;

	if (d->y < 1900 || d->y > 1900 + 511 || d->m < 1 || d->m > 12 ||
	    d->d < 1 || d->d > 31)
		return -1;
	v = (uint32_t)(d->y - 1900) << 9 | (uint32_t)d->m << 5 | (uint32_t)d->d;
	p[0] = (unsigned char)(v >> 16);
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)v;
	return 0;
}

static int
registry_date_get(const unsigned char *p, struct parse_date *d)
{
	uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];

	d->y = 1900 + (int)(v >> 9);
	d->m = (int)(v >> 5 & 15);
	d->d = (int)(v & 31);
	if ((v >> 18) != 0 || d->m < 1 || d->m > 12 || d->d < 1)
		return -1;
	return 0;
}

/* Digit string -> count byte + BCD; returns bytes written or -1. */
static int
registry_bcd_put(const char *s, unsigned char *p, size_t room)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 255 || room < 1 + (n + 1) / 2)
		return -1;
	p[0] = (unsigned char)n;
	for (i = 0; i < n; i++) {
		unsigned v;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = (unsigned)(s[i] - '0');
		if (i % 2 == 0)
			p[1 + i / 2] = (unsigned char)(v << 4 | 0x0f);
		else
			p[1 + i / 2] = (unsigned char)((p[1 + i / 2] & 0xf0) | v);
	}
	return (int)(1 + (n + 1) / 2);
}

static int
registry_bcd_get(const unsigned char *p, size_t avail, char *out,
    size_t outsz)
{
	size_t n, i, bytes;
	unsigned v;

	if (avail < 1)
		return -1;
	n = p[0];
	bytes = 1 + (n + 1) / 2;
	if (n == 0 || n + 1 > outsz || bytes > avail)
		return -1;
	for (i = 0; i < n; i++) {
		v = i % 2 == 0 ? p[1 + i / 2] >> 4 : p[1 + i / 2] & 0x0f;
		if (v > 9)
			return -1;
		out[i] = (char)('0' + v);
	}
	if (n % 2 == 1 && (p[1 + n / 2] & 0x0f) != 0x0f)
		return -1;
	out[n] = '\0';
	return (int)bytes;
}

int
registry_pack(const struct registry_rec *r, unsigned char *out, size_t outsz)
{
	unsigned char buf[REGISTRY_PACKED_MAX];
	size_t n = 4, rl;
	int k;

	if (r->status != REGISTRY_ST_REGISTERED &&
	    r->status != REGISTRY_ST_INELIGIBLE)
		return -1;
	buf[0] = (unsigned char)r->status;
	if (r->has_account)
		buf[0] |= REGISTRY_F_HAS_ACCOUNT;
	if (registry_date_put(&r->birth, buf + 1) != 0)
		return -1;
	if (parse_date_is_set(&r->expiry)) {
		buf[0] |= REGISTRY_F_EXPIRY;
		if (registry_date_put(&r->expiry, buf + n) != 0)
			return -1;
		n += 3;
	}
	if (r->reason[0] != '\0') {
		rl = strlen(r->reason);
		if (rl > REGISTRY_CODE_MAX)
			return -1;
		buf[0] |= REGISTRY_F_REASON;
		buf[n++] = (unsigned char)rl;
		memcpy(buf + n, r->reason, rl);
		n += rl;
	}
	if (r->matricule[0] != '\0') {
		buf[0] |= REGISTRY_F_MATRICULE;
		if (strlen(r->matricule) > REGISTRY_MATRICULE_MAX ||
		    (k = registry_bcd_put(r->matricule, buf + n,
		    sizeof(buf) - n)) < 0)
			return -1;
		n += (size_t)k;
	}
	if (r->phone[0] != '\0') {
		buf[0] |= REGISTRY_F_PHONE;
		if (strlen(r->phone) > REGISTRY_PHONE_MAX ||
		    (k = registry_bcd_put(r->phone, buf + n,
		    sizeof(buf) - n)) < 0)
			return -1;
		n += (size_t)k;
	}
	if (n > outsz)
		return -1;
	memcpy(out, buf, n);
	return (int)n;
}

int
registry_unpack(const unsigned char *in, size_t len, struct registry_rec *r)
{
	size_t n = 4, rl;
	int k, f;

	r->status = REGISTRY_ST_NONE;
	memset(&r->birth, 0, sizeof(r->birth));
	memset(&r->expiry, 0, sizeof(r->expiry));
	r->matricule[0] = r->phone[0] = r->reason[0] = '\0';
	r->has_account = 0;
	if (in == NULL || len < 4 || len > REGISTRY_PACKED_MAX)
		return -1;
	f = in[0];
	if ((f & 0x80) || ((f & 3) != REGISTRY_ST_REGISTERED &&
	    (f & 3) != REGISTRY_ST_INELIGIBLE))
		return -1;
	if (registry_date_get(in + 1, &r->birth) != 0)
		goto bad;
	if (f & REGISTRY_F_EXPIRY) {
		if (len < n + 3 || registry_date_get(in + n, &r->expiry) != 0)
			goto bad;
		n += 3;
	}
	if (f & REGISTRY_F_REASON) {
		if (len < n + 1)
			goto bad;
		rl = in[n++];
		if (rl == 0 || rl > REGISTRY_CODE_MAX || len < n + rl)
			goto bad;
		memcpy(r->reason, in + n, rl);
		r->reason[rl] = '\0';
		n += rl;
	}
	if (f & REGISTRY_F_MATRICULE) {
		if ((k = registry_bcd_get(in + n, len - n, r->matricule,
		    sizeof(r->matricule))) < 0)
			goto bad;
		n += (size_t)k;
	}
	if (f & REGISTRY_F_PHONE) {
		if ((k = registry_bcd_get(in + n, len - n, r->phone,
		    sizeof(r->phone))) < 0)
			goto bad;
		n += (size_t)k;
	}
	if (n != len)
		goto bad;
	r->status = (enum registry_status)(f & 3);
	r->has_account = (f & REGISTRY_F_HAS_ACCOUNT) != 0;
	return 0;
bad:
	memset(&r->birth, 0, sizeof(r->birth));
	memset(&r->expiry, 0, sizeof(r->expiry));
	r->matricule[0] = r->phone[0] = r->reason[0] = '\0';
	return -1;
}

/* --- building names without a format -------------------------------- */

/*
 * Names are built into a tbuf in cut mode (tbuf_init_cut): what snprintf
 * would write there, without a format parsed (key names and hash inputs
 * are built on every request). What does not fit is cut at outsz - 1
 * bytes, NUL-ended, and tbuf_end refuses the name (-1), as the snprintf
 * versions did.
 */

/* v in decimal ("%ld"). */
static void
registry_kb_long(struct tbuf *k, long v)
{
	if (v < 0) {
		tbuf_addc(k, '-');
		tbuf_addu(k, 0UL - (unsigned long)v);
	} else
		tbuf_addu(k, (unsigned long)v);
}

/*
 * The NULL-ended strings after out, outsz joined into out: what
 * snprintf("%s%s...") writes (cut and NUL-ended when too long: -1).
 */
static int
registry_cat(char *out, size_t outsz, ...)
{
	struct tbuf k;
	va_list ap;
	const char *p;

	tbuf_init_cut(&k, out, outsz);
	va_start(ap, outsz);
	while ((p = va_arg(ap, const char *)) != NULL)
		tbuf_adds(&k, p);
	va_end(ap);
	return tbuf_end(&k);
}

/* prefix, part, gen, then the strings after gen up to NULL:
 * snprintf("%s<part>%ld<rest>"). */
static int
registry_cat_gen(char *out, size_t outsz, const char *prefix,
    const char *part, long gen, ...)
{
	struct tbuf k;
	va_list ap;
	const char *p;

	tbuf_init_cut(&k, out, outsz);
	tbuf_adds(&k, prefix);
	tbuf_adds(&k, part);
	registry_kb_long(&k, gen);
	va_start(ap, gen);
	while ((p = va_arg(ap, const char *)) != NULL)
		tbuf_adds(&k, p);
	va_end(ap);
	return tbuf_end(&k);
}

/* --- hashes and fields ---------------------------------------------- */

uint32_t
registry_hash(enum parse_idtype t, const char *idnum)
{
	char buf[64];
	struct tbuf k;

	/* "<TYPE>:<NUMBER>", cut at 63 bytes as snprintf cut it. */
	tbuf_init_cut(&k, buf, sizeof(buf));
	tbuf_adds(&k, parse_idtype_str(t));
	tbuf_addn(&k, ":", 1);
	tbuf_adds(&k, idnum);
	tbuf_end(&k);
	return parse_hash32(buf);
}

uint32_t
registry_hash2(enum parse_idtype t, const char *idnum)
{
	char buf[64];
	struct tbuf k;
	size_t n;

	/* The type's name is at most 8 chars: n stays well inside buf. */
	tbuf_init_cut(&k, buf, sizeof(buf));
	tbuf_adds(&k, parse_idtype_str(t));
	tbuf_addn(&k, ":", 1);
	n = k.len;
	for (; *idnum != '\0' && n + 1 < sizeof(buf); idnum++)
		if (*idnum >= '0' && *idnum <= '9')
			buf[n++] = *idnum;
	buf[n] = '\0';
	return parse_hash32(buf);
}

uint32_t
registry_hash_layout(int layout, enum parse_idtype t, const char *idnum)
{
	return layout == REGISTRY_LAYOUT_2 ? registry_hash2(t, idnum) :
	    registry_hash(t, idnum);
}

uint32_t
registry_nbuckets(size_t nrows)
{
	size_t n = (nrows + REGISTRY_BUCKET_TARGET - 1) / REGISTRY_BUCKET_TARGET;

	if (n < 1)
		n = 1;
	if (n > UINT32_MAX / 2)
		n = UINT32_MAX / 2;
	return (uint32_t)n;
}

int
registry_field(enum parse_idtype t, const char *idnum, char *out,
    size_t outsz)
{
	const char *s = parse_idtype_str(t);
	struct tbuf k;

	if (*s == '?')
		return -1;
	/* too long: cut as before, and refused */
	tbuf_init_cut(&k, out, outsz);
	tbuf_addn(&k, s, 1);
	tbuf_adds(&k, idnum);
	return tbuf_end(&k);
}

/* --- key names ------------------------------------------------------ */

int
registry_key_seq(char *out, size_t outsz, const char *prefix)
{
	return registry_cat(out, outsz, prefix, "gen:seq", (const char *)NULL);
}

int
registry_key_gen(char *out, size_t outsz, const char *prefix,
    const char *dataset)
{
	return registry_cat(out, outsz, prefix, dataset, ":gen",
	    (const char *)NULL);
}

int
registry_key_bucket(char *out, size_t outsz, const char *prefix, long gen,
    uint32_t bucket)
{
	struct tbuf k;

	tbuf_init_cut(&k, out, outsz);
	tbuf_adds(&k, prefix);
	tbuf_adds(&k, "reg:");
	registry_kb_long(&k, gen);
	tbuf_addn(&k, ":", 1);
	tbuf_addu(&k, bucket);
	return tbuf_end(&k);
}

int
registry_key_cat_list(char *out, size_t outsz, const char *prefix, long gen)
{
	return registry_cat_gen(out, outsz, prefix, "cat:", gen, ":list",
	    (const char *)NULL);
}

int
registry_key_cat(char *out, size_t outsz, const char *prefix, long gen,
    const char *code)
{
	return registry_cat_gen(out, outsz, prefix, "cat:", gen, ":", code,
	    (const char *)NULL);
}

int
registry_key_rsn(char *out, size_t outsz, const char *prefix, long gen)
{
	return registry_cat_gen(out, outsz, prefix, "rsn:", gen,
	    (const char *)NULL);
}

int
registry_key_pts_regions(char *out, size_t outsz, const char *prefix,
    long gen)
{
	return registry_cat_gen(out, outsz, prefix, "pts:", gen, ":regions",
	    (const char *)NULL);
}

int
registry_key_pts_region(char *out, size_t outsz, const char *prefix,
    long gen, int region)
{
	struct tbuf k;

	tbuf_init_cut(&k, out, outsz);
	tbuf_adds(&k, prefix);
	tbuf_adds(&k, "pts:");
	registry_kb_long(&k, gen);
	tbuf_addn(&k, ":", 1);
	registry_kb_long(&k, region);
	return tbuf_end(&k);
}

int
registry_key_rl_msisdn(char *out, size_t outsz, const char *prefix,
    const char *msisdn)
{
	return registry_cat(out, outsz, prefix, "rl:m:", msisdn,
	    (const char *)NULL);
}

int
registry_key_rl_fail(char *out, size_t outsz, const char *prefix,
    enum parse_idtype t, const char *idnum)
{
	return registry_cat(out, outsz, prefix, "rl:f:", parse_idtype_str(t),
	    ":", idnum, (const char *)NULL);
}

int
registry_key_sess(char *out, size_t outsz, const char *prefix,
    const char *key)
{
	return registry_cat(out, outsz, prefix, "sess:", key,
	    (const char *)NULL);
}

int
registry_key_audit(char *out, size_t outsz, const char *prefix)
{
	return registry_cat(out, outsz, prefix, "audit", (const char *)NULL);
}

int
registry_key_otp(char *out, size_t outsz, const char *prefix,
    const char *person)
{
	return registry_cat(out, outsz, prefix, "otp:", person,
	    (const char *)NULL);
}

int
registry_key_otpf(char *out, size_t outsz, const char *prefix,
    const char *person)
{
	return registry_cat(out, outsz, prefix, "otpf:", person,
	    (const char *)NULL);
}

int
registry_key_pw(char *out, size_t outsz, const char *prefix,
    const char *person)
{
	return registry_cat(out, outsz, prefix, "pw:", person,
	    (const char *)NULL);
}

int
registry_key_outbox(char *out, size_t outsz, const char *prefix)
{
	return registry_cat(out, outsz, prefix, "outbox", (const char *)NULL);
}

int
registry_key_outbox_st(char *out, size_t outsz, const char *prefix,
    const char *id)
{
	return registry_cat(out, outsz, prefix, "outbox:st:", id,
	    (const char *)NULL);
}

int
registry_key_outbox_mid(char *out, size_t outsz, const char *prefix,
    const char *bind, const char *message_id)
{
	return registry_cat(out, outsz, prefix, "outbox:mid:", bind, ":",
	    message_id, (const char *)NULL);
}

int
registry_key_provisioning(char *out, size_t outsz, const char *prefix)
{
	return registry_cat(out, outsz, prefix, "provisioning",
	    (const char *)NULL);
}

static int
registry_parse_ulong(const char **pp, unsigned long max, unsigned long *out)
{
	const char *p = *pp;
	unsigned long v = 0;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > max)
			return -1;
	}
	*pp = p;
	*out = v;
	return 0;
}

int
registry_fmt_regptr(char *out, size_t outsz, long gen, uint32_t nbuckets,
    int layout)
{
	struct tbuf k;

	if (nbuckets == 0 || gen < 0 ||
	    (layout != REGISTRY_LAYOUT_1 && layout != REGISTRY_LAYOUT_2))
		return -1;
	tbuf_init_cut(&k, out, outsz);
	registry_kb_long(&k, gen);
	tbuf_adds(&k, ":");
	tbuf_addu(&k, nbuckets);
	if (layout == REGISTRY_LAYOUT_2)
		tbuf_adds(&k, ":2");
	return tbuf_end(&k);
}

int
registry_parse_regptr(const char *s, long *gen, uint32_t *nbuckets,
    int *layout)
{
	unsigned long g, nb, v = REGISTRY_LAYOUT_1;

	if (s == NULL || registry_parse_ulong(&s, 0x7fffffffUL, &g) != 0 ||
	    *s++ != ':' || registry_parse_ulong(&s, UINT32_MAX / 2, &nb) != 0 ||
	    nb == 0)
		return -1;
	/* Layout 1 has no third part; ":1" is not another spelling of it. */
	if (*s == ':') {
		if (strcmp(s, ":2") != 0)
			return -1;
		v = REGISTRY_LAYOUT_2;
		s += 2;
	}
	if (*s != '\0')
		return -1;
	*gen = (long)g;
	*nbuckets = (uint32_t)nb;
	*layout = (int)v;
	return 0;
}
