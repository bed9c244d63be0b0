/*
 * load_csv: tnsgw-load's CSV reader (RFC 4180, physical line numbers for
 * FILE:LINE messages, resync past a bad line), the header's column map,
 * and the validation of the registry, categories, reasons and points
 * rows. Pure.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "load_csv.h"
#include "utf8.h"

static const char *const load_csv_cols_registry[] = {
	"id_type", "id_number", "birth_date", "id_expiry", "status",
	"matricule", "has_account", "phone", "reason", NULL,
};
static const char *const load_csv_cols_categories[] = {
	"code", "label_fr", "label_ar", "documents_fr", "documents_ar",
	"label_tzm", "documents_tzm", "rank", NULL,
};
static const char *const load_csv_cols_reasons[] = {
	"code", "text_fr", "text_ar", "text_tzm", NULL,
};
static const char *const load_csv_cols_points[] = {
	"region", "name", "address", "hours", "phone", "region_ar",
	"region_tzm", NULL,
};
const struct load_csv_schema load_csv_registry = { load_csv_cols_registry, 9 };
const struct load_csv_schema load_csv_categories = { load_csv_cols_categories, 5 };
const struct load_csv_schema load_csv_reasons = { load_csv_cols_reasons, 3 };
const struct load_csv_schema load_csv_points = { load_csv_cols_points, 5 };

/* --- CSV ------------------------------------------------------------ */

void
load_csv_init(struct load_csv *c, const char *data, size_t len)
{
	c->data = data;
	c->len = len;
	c->pos = 0;
	c->line = 1;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		c->pos = 3;
}

/* Bytes that end or question an unquoted field's plain span. */
static const unsigned char load_csv_special[256] = {
	[','] = 1, ['\n'] = 1, ['\r'] = 1, ['"'] = 1,
};

/* After an error: skip to the end of the current physical line. */
static void
load_csv_resync(struct load_csv *c, size_t p, int line)
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
load_csv_fail(struct load_csv *c, struct load_csv_row *row,
    size_t p, int line, char *err, size_t errsz, const char *why)
{
	snprintf(err, errsz, "%s", why);
	load_csv_resync(c, p, line);
	row->end = c->pos;
	return -1;
}

int
load_csv_next(struct load_csv *c, struct load_csv_row *row,
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
		if (row->nfields == LOAD_CSV_MAXFIELDS)
			return load_csv_fail(c, row, p, line, err, errsz,
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
				return load_csv_fail(c, row, p, line, err,
				    errsz, "text after a closing quote");
		} else {
			/* The plain bytes in one span (the common case), then
			 * what stopped it. */
			for (;;) {
				size_t q = p;

				while (q < c->len && !load_csv_special[
				    (unsigned char)d[q]])
					q++;
				if (o + (q - p) >= sizeof(row->buf))
					goto toolong;
				memcpy(row->buf + o, d + p, q - p);
				o += q - p;
				p = q;
				if (p >= c->len || d[p] == ',' || d[p] == '\n')
					break;
				if (d[p] == '\r' && p + 1 < c->len &&
				    d[p + 1] == '\n')
					break;
				if (d[p] == '"')
					return load_csv_fail(c, row, p, line,
					    err, errsz, "quote inside an unquoted field");
				/* A lone CR: a byte of the field. */
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
		if (o >= sizeof(row->buf))	/* no room left for the NUL */
			goto toolong;
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
	return load_csv_fail(c, row, p, line, err, errsz,
	    "row too long");
}

/* The optional columns' names, ", "-separated, for a message. */
static void
load_csv_optnames(const struct load_csv_schema *s, char *out, size_t outsz)
{
	size_t o = 0;
	int i;

	out[0] = '\0';
	for (i = s->nreq; s->cols[i] != NULL && o < outsz; i++)
		o += (size_t)snprintf(out + o, outsz - o, "%s%s",
		    i > s->nreq ? ", " : "", s->cols[i]);
}

int
load_csv_header(const struct load_csv_row *row,
    const struct load_csv_schema *s, struct load_csv_hdr *h, char *err,
    size_t errsz)
{
	char names[128];
	int i, k, ncols;

	for (ncols = 0; s->cols[ncols] != NULL; ncols++)
		h->pos[ncols] = -1;
	h->nfields = row->nfields;
	for (i = 0; i < s->nreq; i++) {
		if (i >= row->nfields) {
			snprintf(err, errsz, "header: missing column %s",
			    s->cols[i]);
			return -1;
		}
		if (strcasecmp(row->field[i], s->cols[i]) != 0) {
			snprintf(err, errsz, "header: column %d is \"%.40s\", "
			    "expected %s", i + 1, row->field[i], s->cols[i]);
			return -1;
		}
		h->pos[i] = i;
	}
	if (ncols == s->nreq && row->nfields != s->nreq) {
		snprintf(err, errsz, "header: %d columns, expected %d",
		    row->nfields, s->nreq);
		return -1;
	}
	for (i = s->nreq; i < row->nfields; i++) {
		for (k = s->nreq; k < ncols; k++)
			if (strcasecmp(row->field[i], s->cols[k]) == 0)
				break;
		if (k == ncols) {
			load_csv_optnames(s, names, sizeof(names));
			snprintf(err, errsz, "header: column %d is \"%.40s\", "
			    "expected one of %s", i + 1, row->field[i], names);
			return -1;
		}
		if (h->pos[k] >= 0) {
			snprintf(err, errsz, "header: column %d repeats %s",
			    i + 1, s->cols[k]);
			return -1;
		}
		h->pos[k] = i;
	}
	return 0;
}

/* --- validation ----------------------------------------------------- */

int
load_csv_code_ok(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (!((s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
			return 0;
	return n >= 1 && n <= REGISTRY_CODE_MAX;
}

int
load_csv_text_ok(const char *s, size_t maxlen)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i, k;
	uint32_t cp;

	if (n == 0 || n > maxlen)
		return 0;
	for (i = 0; i < n; i += k) {
		if ((k = utf8_decode(p + i, n - i, &cp)) == 0)
			return 0;
		/* C0 controls, DEL and C1 controls. */
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			return 0;
	}
	return 1;
}

static int
load_csv_digits_ok(const char *s, size_t min, size_t max)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (s[n] < '0' || s[n] > '9')
			return 0;
	return n >= min && n <= max;
}

static int
load_csv_err(char *err, size_t errsz, const char *why)
{
	snprintf(err, errsz, "%s", why);
	return -1;
}

static int
load_csv_nfields(const struct load_csv_row *row, int want, char *err,
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
load_csv_parse_person(const struct load_csv_row *row,
    struct registry_rec *r, char *err, size_t errsz)
{
	const char *const *f = row->field;

	memset(r, 0, sizeof(*r));
	if (load_csv_nfields(row, 9, err, errsz) != 0)
		return -1;
	if (parse_idtype(f[0], &r->idtype) != 0)
		return load_csv_err(err, errsz,
		    "id_type: expected CIN, SEJOUR or PASSPORT");
	if (parse_id_number(f[1], r->idnum, sizeof(r->idnum)) != 0)
		return load_csv_err(err, errsz, "id_number: invalid");
	if (parse_date_iso(f[2], &r->birth) != 0)
		return load_csv_err(err, errsz,
		    "birth_date: expected a real YYYY-MM-DD date");
	if (f[3][0] != '\0' && parse_date_iso(f[3], &r->expiry) != 0)
		return load_csv_err(err, errsz,
		    "id_expiry: expected a real YYYY-MM-DD date or nothing");
	if (strcasecmp(f[4], "REGISTERED") == 0)
		r->status = REGISTRY_ST_REGISTERED;
	else if (strcasecmp(f[4], "INELIGIBLE") == 0)
		r->status = REGISTRY_ST_INELIGIBLE;
	else
		return load_csv_err(err, errsz,
		    "status: expected REGISTERED or INELIGIBLE");
	if (f[5][0] != '\0' || r->status == REGISTRY_ST_REGISTERED) {
		if (!load_csv_digits_ok(f[5], 1, REGISTRY_MATRICULE_MAX))
			return load_csv_err(err, errsz,
			    "matricule: expected 1 to 20 digits");
		memcpy(r->matricule, f[5], strlen(f[5]) + 1);
	}
	if (strcmp(f[6], "1") == 0)
		r->has_account = 1;
	else if (strcmp(f[6], "0") == 0 ||
	    (f[6][0] == '\0' && r->status == REGISTRY_ST_INELIGIBLE))
		r->has_account = 0;
	else
		return load_csv_err(err, errsz, "has_account: expected 0 or 1");
	if (f[7][0] != '\0') {
		if (!load_csv_digits_ok(f[7], REGISTRY_PHONE_MIN,
		    REGISTRY_PHONE_MAX))
			return load_csv_err(err, errsz,
			    "phone: expected 9 to 15 digits or nothing");
		memcpy(r->phone, f[7], strlen(f[7]) + 1);
	}
	if (r->status == REGISTRY_ST_INELIGIBLE) {
		if (f[8][0] == '\0')
			return load_csv_err(err, errsz,
			    "reason: required when INELIGIBLE");
		if (!load_csv_code_ok(f[8]))
			return load_csv_err(err, errsz,
			    "reason: expected a code of [A-Z0-9_]");
		memcpy(r->reason, f[8], strlen(f[8]) + 1);
	} else if (f[8][0] != '\0')
		return load_csv_err(err, errsz,
		    "reason: only for INELIGIBLE rows");
	return 0;
}

/* Documents: '|'-separated items, none empty. */
static int
load_csv_docs_ok(const char *s)
{
	const char *p;

	if (!load_csv_text_ok(s, REGISTRY_DOCS_MAX) || *s == '|')
		return 0;
	for (p = s; *p; p++)
		if (*p == '|' && (p[1] == '|' || p[1] == '\0'))
			return 0;
	return 1;
}

/* Field of schema column col in row ("" when the file has no such
 * column). */
static const char *
load_csv_col(const struct load_csv_row *row, const struct load_csv_hdr *h,
    int col)
{
	return h->pos[col] >= 0 ? row->field[h->pos[col]] : "";
}

/* An optional language text: NULL when empty, else checked like the
 * French one. 0, or -1 with "<name>: ..." in err. */
static int
load_csv_opt_text(const char *v, const char *name, size_t max, int docs,
    const char **out, char *err, size_t errsz)
{
	*out = NULL;
	if (v[0] == '\0')
		return 0;
	if (docs ? !load_csv_docs_ok(v) : !load_csv_text_ok(v, max)) {
		snprintf(err, errsz, docs ? "%s: empty item, too long or not "
		    "UTF-8 text" : "%s: too long or not UTF-8 text", name);
		return -1;
	}
	*out = v;
	return 0;
}

/* rank: empty, or 0..LOAD_CSV_RANK_MAX in decimal digits. */
static int
load_csv_rank(const char *v, struct load_csv_cat *c)
{
	long r = 0;
	size_t n;

	c->has_rank = 0;
	if (v[0] == '\0')
		return 0;
	for (n = 0; v[n] != '\0'; n++) {
		if (v[n] < '0' || v[n] > '9' || n >= 6)
			return -1;
		r = r * 10 + (v[n] - '0');
	}
	c->has_rank = 1;
	c->rank = r;
	return 0;
}

int
load_csv_parse_category(const struct load_csv_row *row,
    const struct load_csv_hdr *h, struct load_csv_cat *c, char *err,
    size_t errsz)
{
	const char *code = load_csv_col(row, h, LOAD_CSV_CAT_CODE);

	memset(c, 0, sizeof(*c));
	if (load_csv_nfields(row, h->nfields, err, errsz) != 0)
		return -1;
	if (!load_csv_code_ok(code))
		return load_csv_err(err, errsz,
		    "code: expected 1 to 23 chars of [A-Z0-9_]");
	memcpy(c->code, code, strlen(code) + 1);
	c->label_fr = load_csv_col(row, h, LOAD_CSV_CAT_LABEL_FR);
	c->label_ar = load_csv_col(row, h, LOAD_CSV_CAT_LABEL_AR);
	c->docs_fr = load_csv_col(row, h, LOAD_CSV_CAT_DOCS_FR);
	c->docs_ar = load_csv_col(row, h, LOAD_CSV_CAT_DOCS_AR);
	if (!load_csv_text_ok(c->label_fr, REGISTRY_LABEL_MAX))
		return load_csv_err(err, errsz,
		    "label_fr: empty, too long or not UTF-8 text");
	if (!load_csv_text_ok(c->label_ar, REGISTRY_LABEL_MAX))
		return load_csv_err(err, errsz,
		    "label_ar: empty, too long or not UTF-8 text");
	if (!load_csv_docs_ok(c->docs_fr))
		return load_csv_err(err, errsz,
		    "documents_fr: empty item, too long or not UTF-8 text");
	if (!load_csv_docs_ok(c->docs_ar))
		return load_csv_err(err, errsz,
		    "documents_ar: empty item, too long or not UTF-8 text");
	if (load_csv_opt_text(load_csv_col(row, h, LOAD_CSV_CAT_LABEL_TZM),
	    "label_tzm", REGISTRY_LABEL_MAX, 0, &c->label_tzm, err,
	    errsz) != 0 ||
	    load_csv_opt_text(load_csv_col(row, h, LOAD_CSV_CAT_DOCS_TZM),
	    "documents_tzm", REGISTRY_DOCS_MAX, 1, &c->docs_tzm, err,
	    errsz) != 0)
		return -1;
	if (load_csv_rank(load_csv_col(row, h, LOAD_CSV_CAT_RANK), c) != 0)
		return load_csv_err(err, errsz,
		    "rank: expected an integer 0 to 999999 or nothing");
	return 0;
}

int
load_csv_parse_reason(const struct load_csv_row *row,
    const struct load_csv_hdr *h, struct load_csv_reason *r, char *err,
    size_t errsz)
{
	const char *code = load_csv_col(row, h, LOAD_CSV_RSN_CODE);

	memset(r, 0, sizeof(*r));
	if (load_csv_nfields(row, h->nfields, err, errsz) != 0)
		return -1;
	if (!load_csv_code_ok(code))
		return load_csv_err(err, errsz,
		    "code: expected 1 to 23 chars of [A-Z0-9_]");
	memcpy(r->code, code, strlen(code) + 1);
	r->text_fr = load_csv_col(row, h, LOAD_CSV_RSN_TEXT_FR);
	r->text_ar = load_csv_col(row, h, LOAD_CSV_RSN_TEXT_AR);
	if (!load_csv_text_ok(r->text_fr, REGISTRY_TEXT_MAX))
		return load_csv_err(err, errsz,
		    "text_fr: empty, too long or not UTF-8 text");
	if (!load_csv_text_ok(r->text_ar, REGISTRY_TEXT_MAX))
		return load_csv_err(err, errsz,
		    "text_ar: empty, too long or not UTF-8 text");
	return load_csv_opt_text(load_csv_col(row, h, LOAD_CSV_RSN_TEXT_TZM),
	    "text_tzm", REGISTRY_TEXT_MAX, 0, &r->text_tzm, err, errsz);
}

/* A point's part: text of 1..max bytes without '|'. */
static int
load_csv_part_ok(const char *s, size_t max)
{
	return load_csv_text_ok(s, max) && strchr(s, '|') == NULL;
}

static int
load_csv_phone_ok(const char *s)
{
	return load_csv_digits_ok(s + (s[0] == '+'), 4, 15);
}

int
load_csv_parse_point(const struct load_csv_row *row,
    const struct load_csv_hdr *h, struct load_csv_point *pt, char *err,
    size_t errsz)
{
	memset(pt, 0, sizeof(*pt));
	if (load_csv_nfields(row, h->nfields, err, errsz) != 0)
		return -1;
	pt->region = load_csv_col(row, h, LOAD_CSV_PT_REGION);
	pt->name = load_csv_col(row, h, LOAD_CSV_PT_NAME);
	pt->address = load_csv_col(row, h, LOAD_CSV_PT_ADDRESS);
	pt->hours = load_csv_col(row, h, LOAD_CSV_PT_HOURS);
	pt->phone = load_csv_col(row, h, LOAD_CSV_PT_PHONE);
	if (!load_csv_text_ok(pt->region, REGISTRY_REGION_MAX))
		return load_csv_err(err, errsz,
		    "region: empty, too long or not UTF-8 text");
	if (!load_csv_part_ok(pt->name, LOAD_CSV_PT_NAME_MAX))
		return load_csv_err(err, errsz,
		    "name: empty, too long, not UTF-8 text or has a '|'");
	if (!load_csv_part_ok(pt->address, LOAD_CSV_PT_ADDRESS_MAX))
		return load_csv_err(err, errsz,
		    "address: empty, too long, not UTF-8 text or has a '|'");
	if (!load_csv_part_ok(pt->hours, LOAD_CSV_PT_HOURS_MAX))
		return load_csv_err(err, errsz,
		    "hours: empty, too long, not UTF-8 text or has a '|'");
	if (!load_csv_phone_ok(pt->phone))
		return load_csv_err(err, errsz,
		    "phone: expected 4 to 15 digits, '+' allowed first");
	if (load_csv_opt_text(load_csv_col(row, h, LOAD_CSV_PT_REGION_AR),
	    "region_ar", REGISTRY_REGION_MAX, 0, &pt->region_ar, err,
	    errsz) != 0)
		return -1;
	return load_csv_opt_text(load_csv_col(row, h, LOAD_CSV_PT_REGION_TZM),
	    "region_tzm", REGISTRY_REGION_MAX, 0, &pt->region_tzm, err, errsz);
}

/* --- reject lines --------------------------------------------------- */

/* One byte of the reject line at *o (counted even past outsz). */
static void
load_csv_rej_put(char *out, size_t outsz, size_t *o, char ch)
{
	if (*o + 1 < outsz)
		out[*o] = ch;
	(*o)++;
}

/* A field of the line: opened, its bytes (quotes doubled), closed. */
static void
load_csv_rej_open(char *out, size_t outsz, size_t *o, int first)
{
	if (!first)
		load_csv_rej_put(out, outsz, o, ',');
	load_csv_rej_put(out, outsz, o, '"');
}

static void
load_csv_rej_byte(char *out, size_t outsz, size_t *o, char ch)
{
	if (ch == '"')
		load_csv_rej_put(out, outsz, o, '"');
	load_csv_rej_put(out, outsz, o, ch);
}

size_t
load_csv_reject_line(const char *raw, size_t len, int ncols,
    const char *reason, char *out, size_t outsz)
{
	size_t i = 0, o = 0;
	int nf = 0, quoted = 0, infield = 0;
	const char *r;

	if (len >= 3 && memcmp(raw, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (len > i && (raw[len - 1] == '\n' || raw[len - 1] == '\r'))
		len--;
	if (ncols < 1)
		ncols = 1;
	/* Field by field; past the ncols-th, commas are the last one's. */
	load_csv_rej_open(out, outsz, &o, 1);
	nf = 1;
	infield = 0;
	for (; i < len; i++) {
		char ch = raw[i];
		size_t k, n;
		uint32_t cp = 0;

		/* Not ASCII, or a NUL: a whole UTF-8 sequence, else U+FFFD,
		 * so that the file stays text. */
		if (ch == '\0' || (unsigned char)ch >= 0x80) {
			n = utf8_decode((const unsigned char *)raw + i, len - i,
			    &cp);
			if (n == 0 || cp == 0) {
				load_csv_rej_put(out, outsz, &o, '\xEF');
				load_csv_rej_put(out, outsz, &o, '\xBF');
				load_csv_rej_put(out, outsz, &o, '\xBD');
				n = 1;
			} else
				for (k = 0; k < n; k++)
					load_csv_rej_put(out, outsz, &o,
					    raw[i + k]);
			i += n - 1;
			infield = 1;
			continue;
		}
		if (quoted) {
			if (ch == '"' && i + 1 < len && raw[i + 1] == '"') {
				load_csv_rej_byte(out, outsz, &o, '"');
				i++;
			} else if (ch == '"')
				quoted = 0;
			else
				load_csv_rej_byte(out, outsz, &o, ch);
			continue;
		}
		if (ch == ',' && nf < ncols) {
			load_csv_rej_put(out, outsz, &o, '"');
			load_csv_rej_open(out, outsz, &o, 0);
			nf++;
			infield = 0;
			continue;
		}
		if (ch == '"' && !infield) {
			quoted = 1;
			infield = 1;
			continue;
		}
		/* A comma past the last column stays; so does a stray quote. */
		load_csv_rej_byte(out, outsz, &o, ch);
		infield = ch != ',';
	}
	load_csv_rej_put(out, outsz, &o, '"');
	for (; nf < ncols; nf++) {
		load_csv_rej_open(out, outsz, &o, 0);
		load_csv_rej_put(out, outsz, &o, '"');
	}
	load_csv_rej_open(out, outsz, &o, 0);
	for (r = reason; *r; r++)
		load_csv_rej_byte(out, outsz, &o, *r);
	load_csv_rej_put(out, outsz, &o, '"');
	load_csv_rej_put(out, outsz, &o, '\n');
	if (outsz > 0)
		out[o < outsz ? o : outsz - 1] = '\0';
	return o;
}
