/*
 * registry: Redis key names, packed registry records and bucket numbers,
 * and the CSV reader and row validation of the import files. Shared by
 * store (daemon) and tnsgw-load so both agree on every byte. Pure code.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "registry.h"

const char *const registry_cols_registry[] = {
	"id_type", "id_number", "birth_date", "id_expiry", "status",
	"matricule", "has_account", "phone", "reason", NULL,
};
const char *const registry_cols_categories[] = {
	"code", "label_fr", "label_ar", "documents_fr", "documents_ar", NULL,
};
const char *const registry_cols_reasons[] = {
	"code", "text_fr", "text_ar", NULL,
};

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

uint32_t
registry_hash(enum parse_idtype t, const char *idnum)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s:%s", parse_idtype_str(t), idnum);
	return parse_hash32(buf);
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
	int n;

	if (*s == '?')
		return -1;
	n = snprintf(out, outsz, "%c%s", s[0], idnum);
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

/* --- key names ------------------------------------------------------ */

static int
registry_fmt_ok(int n, size_t outsz)
{
	return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

int
registry_key_seq(char *out, size_t outsz, const char *prefix)
{
	return registry_fmt_ok(snprintf(out, outsz, "%sgen:seq", prefix), outsz);
}

int
registry_key_gen(char *out, size_t outsz, const char *prefix,
    const char *dataset)
{
	return registry_fmt_ok(snprintf(out, outsz, "%s%s:gen", prefix,
	    dataset), outsz);
}

int
registry_key_bucket(char *out, size_t outsz, const char *prefix, long gen,
    uint32_t bucket)
{
	return registry_fmt_ok(snprintf(out, outsz, "%sreg:%ld:%u", prefix,
	    gen, (unsigned)bucket), outsz);
}

int
registry_key_cat_list(char *out, size_t outsz, const char *prefix, long gen)
{
	return registry_fmt_ok(snprintf(out, outsz, "%scat:%ld:list", prefix,
	    gen), outsz);
}

int
registry_key_cat(char *out, size_t outsz, const char *prefix, long gen,
    const char *code)
{
	return registry_fmt_ok(snprintf(out, outsz, "%scat:%ld:%s", prefix,
	    gen, code), outsz);
}

int
registry_key_rsn(char *out, size_t outsz, const char *prefix, long gen)
{
	return registry_fmt_ok(snprintf(out, outsz, "%srsn:%ld", prefix, gen),
	    outsz);
}

int
registry_key_rl_msisdn(char *out, size_t outsz, const char *prefix,
    const char *msisdn)
{
	return registry_fmt_ok(snprintf(out, outsz, "%srl:m:%s", prefix,
	    msisdn), outsz);
}

int
registry_key_rl_fail(char *out, size_t outsz, const char *prefix,
    enum parse_idtype t, const char *idnum)
{
	return registry_fmt_ok(snprintf(out, outsz, "%srl:f:%s:%s", prefix,
	    parse_idtype_str(t), idnum), outsz);
}

int
registry_key_sess(char *out, size_t outsz, const char *prefix,
    const char *key)
{
	return registry_fmt_ok(snprintf(out, outsz, "%ssess:%s", prefix, key),
	    outsz);
}

int
registry_key_audit(char *out, size_t outsz, const char *prefix)
{
	return registry_fmt_ok(snprintf(out, outsz, "%saudit", prefix), outsz);
}

int
registry_key_otp(char *out, size_t outsz, const char *prefix,
    const char *person)
{
	return registry_fmt_ok(snprintf(out, outsz, "%sotp:%s", prefix,
	    person), outsz);
}

int
registry_key_otpf(char *out, size_t outsz, const char *prefix,
    const char *person)
{
	return registry_fmt_ok(snprintf(out, outsz, "%sotpf:%s", prefix,
	    person), outsz);
}

int
registry_key_pw(char *out, size_t outsz, const char *prefix,
    const char *person)
{
	return registry_fmt_ok(snprintf(out, outsz, "%spw:%s", prefix, person),
	    outsz);
}

int
registry_key_outbox(char *out, size_t outsz, const char *prefix)
{
	return registry_fmt_ok(snprintf(out, outsz, "%soutbox", prefix), outsz);
}

int
registry_key_outbox_st(char *out, size_t outsz, const char *prefix,
    const char *id)
{
	return registry_fmt_ok(snprintf(out, outsz, "%soutbox:st:%s", prefix,
	    id), outsz);
}

int
registry_key_outbox_mid(char *out, size_t outsz, const char *prefix,
    const char *bind, const char *message_id)
{
	return registry_fmt_ok(snprintf(out, outsz, "%soutbox:mid:%s:%s",
	    prefix, bind, message_id), outsz);
}

int
registry_key_provisioning(char *out, size_t outsz, const char *prefix)
{
	return registry_fmt_ok(snprintf(out, outsz, "%sprovisioning", prefix),
	    outsz);
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
registry_parse_regptr(const char *s, long *gen, uint32_t *nbuckets)
{
	unsigned long g, nb;

	if (s == NULL || registry_parse_ulong(&s, 0x7fffffffUL, &g) != 0 ||
	    *s++ != ':' || registry_parse_ulong(&s, UINT32_MAX / 2, &nb) != 0 ||
	    *s != '\0' || nb == 0)
		return -1;
	*gen = (long)g;
	*nbuckets = (uint32_t)nb;
	return 0;
}

/* --- CSV ------------------------------------------------------------ */

void
registry_csv_init(struct registry_csv *c, const char *data, size_t len)
{
	c->data = data;
	c->len = len;
	c->pos = 0;
	c->line = 1;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		c->pos = 3;
}

/* After an error: skip to the end of the current physical line. */
static void
registry_csv_resync(struct registry_csv *c, size_t p, int line)
{
	while (p < c->len && c->data[p] != '\n')
		p++;
	if (p < c->len) {
		p++;
		line++;
	}
	c->pos = p;
	c->line = line;
}

static int
registry_csv_fail(struct registry_csv *c, struct registry_csv_row *row,
    size_t p, int line, char *err, size_t errsz, const char *why)
{
	snprintf(err, errsz, "%s", why);
	registry_csv_resync(c, p, line);
	row->end = c->pos;
	return -1;
}

int
registry_csv_next(struct registry_csv *c, struct registry_csv_row *row,
    char *err, size_t errsz)
{
	const char *d = c->data;
	size_t p = c->pos, o = 0, fstart;
	int line = c->line, quoted;

	/* Blank lines (LF or CRLF alone) carry no row. */
	for (;;) {
		if (p < c->len && d[p] == '\n') {
			p++;
			line++;
		} else if (p + 1 < c->len && d[p] == '\r' && d[p + 1] == '\n') {
			p += 2;
			line++;
		} else
			break;
	}
	c->pos = p;
	c->line = line;
	row->nfields = 0;
	row->line = line;
	row->start = p;
	row->end = p;
	if (p >= c->len)
		return 0;

	for (;;) {
		if (row->nfields == REGISTRY_CSV_MAXFIELDS)
			return registry_csv_fail(c, row, p, line, err, errsz,
			    "too many fields");
		fstart = o;
		quoted = p < c->len && d[p] == '"';
		if (quoted) {
			p++;
			for (;;) {
				if (p >= c->len) {
					snprintf(err, errsz,
					    "unterminated quoted field");
					c->pos = p;
					c->line = line;
					row->end = p;
					return -1;
				}
				if (d[p] == '"') {
					if (p + 1 < c->len && d[p + 1] == '"') {
						p += 2;
						if (o + 1 >= sizeof(row->buf))
							goto toolong;
						row->buf[o++] = '"';
						continue;
					}
					p++;
					break;
				}
				if (d[p] == '\n')
					line++;
				if (o + 1 >= sizeof(row->buf))
					goto toolong;
				row->buf[o++] = d[p++];
			}
			if (p < c->len && d[p] != ',' && d[p] != '\n' &&
			    !(d[p] == '\r' && p + 1 < c->len && d[p + 1] == '\n'))
				return registry_csv_fail(c, row, p, line, err,
				    errsz, "text after a closing quote");
		} else {
			while (p < c->len && d[p] != ',' && d[p] != '\n') {
				if (d[p] == '\r' && p + 1 < c->len &&
				    d[p + 1] == '\n')
					break;
				if (d[p] == '"')
					return registry_csv_fail(c, row, p, line,
					    err, errsz, "quote inside an unquoted field");
				if (o + 1 >= sizeof(row->buf))
					goto toolong;
				row->buf[o++] = d[p++];
			}
			/* Unquoted fields lose surrounding blanks. */
			while (o > fstart && (row->buf[o - 1] == ' ' ||
			    row->buf[o - 1] == '\t'))
				o--;
			while (fstart < o && (row->buf[fstart] == ' ' ||
			    row->buf[fstart] == '\t')) {
				memmove(row->buf + fstart, row->buf + fstart + 1,
				    o - fstart - 1);
				o--;
			}
		}
		row->buf[o++] = '\0';
		row->field[row->nfields++] = row->buf + fstart;
		if (p >= c->len)
			break;
		if (d[p] == ',') {
			p++;
			continue;
		}
		/* End of row: LF or CRLF. */
		p += d[p] == '\r' ? 2 : 1;
		line++;
		break;
	}
	c->pos = p;
	c->line = line;
	row->end = p;
	return 1;
toolong:
	return registry_csv_fail(c, row, p, line, err, errsz,
	    "row too long");
}

int
registry_check_header(const struct registry_csv_row *row,
    const char *const *cols, char *err, size_t errsz)
{
	int i;

	for (i = 0; cols[i] != NULL; i++) {
		if (i >= row->nfields) {
			snprintf(err, errsz, "header: missing column %s",
			    cols[i]);
			return -1;
		}
		if (strcasecmp(row->field[i], cols[i]) != 0) {
			snprintf(err, errsz, "header: column %d is \"%.40s\", "
			    "expected %s", i + 1, row->field[i], cols[i]);
			return -1;
		}
	}
	if (row->nfields != i) {
		snprintf(err, errsz, "header: %d columns, expected %d",
		    row->nfields, i);
		return -1;
	}
	return 0;
}

/* --- validation ----------------------------------------------------- */

int
registry_code_ok(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (!((s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
			return 0;
	return n >= 1 && n <= REGISTRY_CODE_MAX;
}

int
registry_text_ok(const char *s, size_t maxlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	uint32_t cp;
	int k, i;

	if (n == 0 || n > maxlen)
		return 0;
	while (*p) {
		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return 0;
			p++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			k = 1;
			cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			k = 2;
			cp = *p & 0x0f;
		} else if ((*p & 0xf8) == 0xf0) {
			k = 3;
			cp = *p & 0x07;
		} else
			return 0;
		for (i = 1; i <= k; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		/* Overlong forms, surrogates, beyond Unicode, C1 controls. */
		if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) ||
		    (k == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp < 0xa0))
			return 0;
		p += k + 1;
	}
	return 1;
}

static int
registry_digits_ok(const char *s, size_t min, size_t max)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (s[n] < '0' || s[n] > '9')
			return 0;
	return n >= min && n <= max;
}

static int
registry_err(char *err, size_t errsz, const char *why)
{
	snprintf(err, errsz, "%s", why);
	return -1;
}

static int
registry_nfields(const struct registry_csv_row *row, int want, char *err,
    size_t errsz)
{
	if (row->nfields != want) {
		snprintf(err, errsz, "%d fields, expected %d", row->nfields,
		    want);
		return -1;
	}
	return 0;
}

int
registry_parse_person(const struct registry_csv_row *row,
    struct registry_rec *r, char *err, size_t errsz)
{
	const char *const *f = row->field;

	memset(r, 0, sizeof(*r));
	if (registry_nfields(row, 9, err, errsz) != 0)
		return -1;
	if (parse_idtype(f[0], &r->idtype) != 0)
		return registry_err(err, errsz,
		    "id_type: expected CIN, SEJOUR or PASSPORT");
	if (parse_id_number(f[1], r->idnum, sizeof(r->idnum)) != 0)
		return registry_err(err, errsz, "id_number: invalid");
	if (parse_date_iso(f[2], &r->birth) != 0)
		return registry_err(err, errsz,
		    "birth_date: expected a real YYYY-MM-DD date");
	if (f[3][0] != '\0' && parse_date_iso(f[3], &r->expiry) != 0)
		return registry_err(err, errsz,
		    "id_expiry: expected a real YYYY-MM-DD date or nothing");
	if (strcasecmp(f[4], "REGISTERED") == 0)
		r->status = REGISTRY_ST_REGISTERED;
	else if (strcasecmp(f[4], "INELIGIBLE") == 0)
		r->status = REGISTRY_ST_INELIGIBLE;
	else
		return registry_err(err, errsz,
		    "status: expected REGISTERED or INELIGIBLE");
	if (f[5][0] != '\0' || r->status == REGISTRY_ST_REGISTERED) {
		if (!registry_digits_ok(f[5], 1, REGISTRY_MATRICULE_MAX))
			return registry_err(err, errsz,
			    "matricule: expected 1 to 20 digits");
		memcpy(r->matricule, f[5], strlen(f[5]) + 1);
	}
	if (strcmp(f[6], "1") == 0)
		r->has_account = 1;
	else if (strcmp(f[6], "0") == 0 ||
	    (f[6][0] == '\0' && r->status == REGISTRY_ST_INELIGIBLE))
		r->has_account = 0;
	else
		return registry_err(err, errsz, "has_account: expected 0 or 1");
	if (f[7][0] != '\0') {
		if (!registry_digits_ok(f[7], REGISTRY_PHONE_MIN,
		    REGISTRY_PHONE_MAX))
			return registry_err(err, errsz,
			    "phone: expected 9 to 15 digits or nothing");
		memcpy(r->phone, f[7], strlen(f[7]) + 1);
	}
	if (r->status == REGISTRY_ST_INELIGIBLE) {
		if (f[8][0] == '\0')
			return registry_err(err, errsz,
			    "reason: required when INELIGIBLE");
		if (!registry_code_ok(f[8]))
			return registry_err(err, errsz,
			    "reason: expected a code of [A-Z0-9_]");
		memcpy(r->reason, f[8], strlen(f[8]) + 1);
	} else if (f[8][0] != '\0')
		return registry_err(err, errsz,
		    "reason: only for INELIGIBLE rows");
	return 0;
}

/* Documents: '|'-separated items, none empty. */
static int
registry_docs_ok(const char *s)
{
	const char *p;

	if (!registry_text_ok(s, REGISTRY_DOCS_MAX) || *s == '|')
		return 0;
	for (p = s; *p; p++)
		if (*p == '|' && (p[1] == '|' || p[1] == '\0'))
			return 0;
	return 1;
}

int
registry_parse_category(const struct registry_csv_row *row,
    struct registry_cat *c, char *err, size_t errsz)
{
	const char *const *f = row->field;

	memset(c, 0, sizeof(*c));
	if (registry_nfields(row, 5, err, errsz) != 0)
		return -1;
	if (!registry_code_ok(f[0]))
		return registry_err(err, errsz,
		    "code: expected 1 to 23 chars of [A-Z0-9_]");
	memcpy(c->code, f[0], strlen(f[0]) + 1);
	if (!registry_text_ok(f[1], REGISTRY_LABEL_MAX))
		return registry_err(err, errsz,
		    "label_fr: empty, too long or not UTF-8 text");
	if (!registry_text_ok(f[2], REGISTRY_LABEL_MAX))
		return registry_err(err, errsz,
		    "label_ar: empty, too long or not UTF-8 text");
	if (!registry_docs_ok(f[3]))
		return registry_err(err, errsz,
		    "documents_fr: empty item, too long or not UTF-8 text");
	if (!registry_docs_ok(f[4]))
		return registry_err(err, errsz,
		    "documents_ar: empty item, too long or not UTF-8 text");
	c->label_fr = f[1];
	c->label_ar = f[2];
	c->docs_fr = f[3];
	c->docs_ar = f[4];
	return 0;
}

int
registry_parse_reason(const struct registry_csv_row *row,
    struct registry_reason *r, char *err, size_t errsz)
{
	const char *const *f = row->field;

	memset(r, 0, sizeof(*r));
	if (registry_nfields(row, 3, err, errsz) != 0)
		return -1;
	if (!registry_code_ok(f[0]))
		return registry_err(err, errsz,
		    "code: expected 1 to 23 chars of [A-Z0-9_]");
	memcpy(r->code, f[0], strlen(f[0]) + 1);
	if (!registry_text_ok(f[1], REGISTRY_TEXT_MAX))
		return registry_err(err, errsz,
		    "text_fr: empty, too long or not UTF-8 text");
	if (!registry_text_ok(f[2], REGISTRY_TEXT_MAX))
		return registry_err(err, errsz,
		    "text_ar: empty, too long or not UTF-8 text");
	r->text_fr = f[1];
	r->text_ar = f[2];
	return 0;
}
