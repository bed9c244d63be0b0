/*
 * parse: pure parsers for identity documents, dates and USSD dial strings.
 * Everything here reads a NUL-terminated string and writes into a bounded
 * caller buffer: no I/O, no allocation, no locale, no libc time functions.
 */
#include <string.h>
#include <strings.h>

#include "parse.h"

static int
parse_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
parse_is_alpha(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int
parse_is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

const char *
parse_idtype_str(enum parse_idtype t)
{
	switch (t) {
	case PARSE_ID_CIN:
		return "CIN";
	case PARSE_ID_SEJOUR:
		return "SEJOUR";
	case PARSE_ID_PASSPORT:
		return "PASSPORT";
	case PARSE_ID_NONE:
		break;
	}
	return "?";
}

int
parse_idtype(const char *s, enum parse_idtype *out)
{
	static const enum parse_idtype all[] = {
		PARSE_ID_CIN, PARSE_ID_SEJOUR, PARSE_ID_PASSPORT,
	};
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcasecmp(s, parse_idtype_str(all[i])) == 0) {
			if (out != NULL)
				*out = all[i];
			return 0;
		}
	}
	return -1;
}

int
parse_id_number(const char *in, char *out, size_t outsz)
{
	size_t n = 0;
	int digits = 0;
	const char *p;
	int c;

	if (out == NULL || outsz == 0)
		return -1;
	out[0] = '\0';
	if (in == NULL)
		return -1;
	for (p = in; *p != '\0'; p++) {
		c = (unsigned char)*p;
		if (c == ' ' || c == '\t' || c == '-')
			continue;
		if (c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		else if (parse_is_digit(c))
			digits++;
		else if (!(c >= 'A' && c <= 'Z'))
			goto bad;
		if (n >= PARSE_IDNUM_MAX || n + 1 >= outsz)
			goto bad;
		out[n++] = (char)c;
	}
	if (n == 0 || digits == 0)
		goto bad;
	out[n] = '\0';
	return 0;
bad:
	out[0] = '\0';
	return -1;
}

static int
parse_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
parse_date_check(int y, int m, int d)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};
	int last;

	if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1)
		return -1;
	last = mdays[m - 1];
	if (m == 2 && parse_is_leap(y))
		last = 29;
	return d <= last ? 0 : -1;
}

/* Reads 1..max digits at *pp into *val; advances *pp. */
static int
parse_digits(const char **pp, int min, int max, int *val)
{
	const char *p = *pp;
	int n = 0, v = 0;

	while (n < max && parse_is_digit((unsigned char)p[n])) {
		v = v * 10 + (p[n] - '0');
		n++;
	}
	if (n < min || parse_is_digit((unsigned char)p[n]))
		return -1;
	*pp = p + n;
	*val = v;
	return 0;
}

static int
parse_date_set(struct parse_date *out, int y, int m, int d)
{
	if (parse_date_check(y, m, d) == -1) {
		if (out != NULL)
			out->y = out->m = out->d = 0;
		return -1;
	}
	if (out != NULL) {
		out->y = y;
		out->m = m;
		out->d = d;
	}
	return 0;
}

int
parse_date_user(const char *in, struct parse_date *out)
{
	const char *p, *e;
	int y, m, d;
	char sep;
	size_t len, i;

	if (out != NULL)
		out->y = out->m = out->d = 0;
	if (in == NULL)
		return -1;
	for (p = in; *p == ' ' || *p == '\t'; p++)
		;
	for (e = p + strlen(p); e > p && (e[-1] == ' ' || e[-1] == '\t'); e--)
		;
	len = (size_t)(e - p);

	/* ddmmyyyy */
	if (len == 8) {
		for (i = 0; i < 8 && parse_is_digit((unsigned char)p[i]); i++)
			;
		if (i == 8) {
			d = (p[0] - '0') * 10 + (p[1] - '0');
			m = (p[2] - '0') * 10 + (p[3] - '0');
			y = (p[4] - '0') * 1000 + (p[5] - '0') * 100 +
			    (p[6] - '0') * 10 + (p[7] - '0');
			return parse_date_set(out, y, m, d);
		}
	}

	/* d/m/yyyy, d-m-yyyy, d.m.yyyy: one separator throughout */
	if (parse_digits(&p, 1, 2, &d) == -1)
		return -1;
	sep = *p;
	if (sep != '/' && sep != '-' && sep != '.')
		return -1;
	p++;
	if (parse_digits(&p, 1, 2, &m) == -1 || *p != sep)
		return -1;
	p++;
	if (parse_digits(&p, 4, 4, &y) == -1 || p != e)
		return -1;
	return parse_date_set(out, y, m, d);
}

int
parse_date_iso(const char *in, struct parse_date *out)
{
	const char *p = in;
	int y, m, d;

	if (out != NULL)
		out->y = out->m = out->d = 0;
	if (in == NULL)
		return -1;
	if (parse_digits(&p, 4, 4, &y) == -1 || *p++ != '-' ||
	    parse_digits(&p, 2, 2, &m) == -1 || *p++ != '-' ||
	    parse_digits(&p, 2, 2, &d) == -1 || *p != '\0')
		return -1;
	return parse_date_set(out, y, m, d);
}

void
parse_date_fmt_iso(const struct parse_date *d, char *out, size_t outsz)
{
	int v[3], w[3] = { 4, 2, 2 };
	size_t n = 0;
	int i, k, x;

	if (out == NULL || outsz == 0)
		return;
	out[0] = '\0';
	if (d == NULL || !parse_date_is_set(d) || outsz < 11 ||
	    d->y < 0 || d->y > 9999 || d->m < 0 || d->m > 99 ||
	    d->d < 0 || d->d > 99)
		return;
	v[0] = d->y;
	v[1] = d->m;
	v[2] = d->d;
	for (i = 0; i < 3; i++) {
		if (i > 0)
			out[n++] = '-';
		for (k = w[i] - 1, x = v[i]; k >= 0; k--, x /= 10)
			out[n + (size_t)k] = (char)('0' + x % 10);
		n += (size_t)w[i];
	}
	out[n] = '\0';
}

int
parse_date_cmp(const struct parse_date *a, const struct parse_date *b)
{
	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	if (a->m != b->m)
		return a->m < b->m ? -1 : 1;
	if (a->d != b->d)
		return a->d < b->d ? -1 : 1;
	return 0;
}

int
parse_date_is_set(const struct parse_date *d)
{
	return d != NULL && (d->y != 0 || d->m != 0 || d->d != 0);
}

/*
 * Civil date -> day number. The year is shifted to start on 1 March so the
 * leap day falls last; then whole 400-year eras (146097 days) are counted
 * apart from the day within the era. An unset date gives 0.
 */
long
parse_date_days(const struct parse_date *d)
{
	long y, m, era, yoe, doy, doe;

	if (!parse_date_is_set(d))
		return 0;
	y = d->y;
	m = d->m;
	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;				/* 0..399 */
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d->d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;	/* 0..146096 */
	return era * 146097 + doe - 719468;		/* 0000-03-01 .. 1970-01-01 */
}

/* Copies [s, e) into dst (cap bytes with NUL) if it fits. */
static int
parse_copy(char *dst, size_t cap, const char *s, const char *e)
{
	size_t n = (size_t)(e - s);

	if (n + 1 > cap)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

int
parse_dial(const char *in, struct parse_dial *out)
{
	struct parse_dial r;
	const char *p, *e, *s;

	if (in == NULL || out == NULL)
		return -1;
	memset(&r, 0, sizeof(r));
	for (p = in; parse_is_space((unsigned char)*p); p++)
		;
	for (e = p + strlen(p); e > p && parse_is_space((unsigned char)e[-1]); e--)
		;
	if (e - p < 2 || (*p != '*' && *p != '#'))
		return -1;
	p++;
	if (e[-1] == '#')
		e--;

	/* service code: digits only */
	for (s = p; p < e && parse_is_digit((unsigned char)*p); p++)
		;
	if (p == s || parse_copy(r.service, sizeof(r.service), s, p) == -1)
		return -1;

	/* '*'-separated fields, each non-empty [A-Za-z0-9] */
	while (p < e) {
		if (*p != '*' || r.nargs >= PARSE_DIAL_MAXARGS)
			return -1;
		for (s = ++p; p < e && (parse_is_digit((unsigned char)*p) ||
		    parse_is_alpha((unsigned char)*p)); p++)
			;
		if (p == s || parse_copy(r.args[r.nargs],
		    sizeof(r.args[r.nargs]), s, p) == -1)
			return -1;
		r.nargs++;
	}
	*out = r;
	return 0;
}

size_t
parse_trim(const char *in, char *out, size_t outsz)
{
	const char *e;
	size_t n;

	if (out == NULL || outsz == 0)
		return 0;
	out[0] = '\0';
	if (in == NULL)
		return 0;
	while (parse_is_space((unsigned char)*in))
		in++;
	for (e = in + strlen(in); e > in && parse_is_space((unsigned char)e[-1]); e--)
		;
	n = (size_t)(e - in);
	if (n > outsz - 1)
		n = outsz - 1;
	memcpy(out, in, n);
	out[n] = '\0';
	return n;
}

uint32_t
parse_hash32(const char *s)
{
	uint32_t h = 2166136261u;
	const unsigned char *p;

	if (s == NULL)
		return h;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return h;
}

int
parse_msisdn_intl(const char *in, int ton, char *out, size_t outsz)
{
	size_t n, skip = 0, ccl;
	const char *cc = "";

	if (in == NULL || out == NULL || outsz == 0)
		return -1;
	out[0] = '\0';
	if (in[0] == '+') {
		in++;
		ton = 1;
	}
	n = strlen(in);
	if (n == 0 || n > PARSE_MSISDN_MAX || strspn(in, "0123456789") != n)
		return -1;
	if (ton != 1) {
		if (n > 2 && in[0] == '0' && in[1] == '0')
			skip = 2;
		else if (in[0] == '0') {
			skip = 1;
			cc = "212";
		} else if (ton == 2)
			cc = "212";
	}
	ccl = strlen(cc);
	if (ccl + n - skip > PARSE_MSISDN_MAX || ccl + n - skip >= outsz)
		return -1;
	/* cc then the digits: it fits (checked above), no format needed. */
	memcpy(out, cc, ccl);
	memcpy(out + ccl, in + skip, n - skip + 1);
	return 0;
}
