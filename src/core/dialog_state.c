/*
 * dialog_state: the strict text form struct dialog takes in Redis between
 * two screens; every field is checked on the way out and on the way in, and
 * only the one canonical spelling is read back.
 */
#include "dialog_state.h"

#include <string.h>

#include "dialog_impl.h"
#include "parse.h"
#include "registry.h"
#include "tbuf.h"
#include "utf8.h"

#define DIALOG_STATE_PAGE_MAX	255	/* bound on d->page */
#define DIALOG_STATE_FIELDS	19
#define DIALOG_STATE_VERSION	"D3"

/*
 * The form: "D3|step|lang|idtype|idnum|expiry|birth|page|bad|cat_code|
 * outcome|pending|pending_n|matricule|phone|phone_tail|channel|region|
 * text", cat_code %XX-escaped (all but [A-Za-z0-9_.-]), matricule, phone
 * and phone_tail digits only, text (UTF-8) with '%', '|' and control bytes
 * %XX-escaped. D1 and D2 are refused: a session lives minutes, not across
 * an upgrade.
 */

static int
lang_ok(const char *s, size_t cap)
{
	size_t	i;

	for (i = 0; i < cap && s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '_' || s[i] == '-'))
			return 0;
	return i < cap;
}

static int
idnum_ok(const char *s, size_t cap)
{
	size_t	i;

	for (i = 0; i < cap && s[i] != '\0'; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' &&
		    s[i] <= '9')))
			return 0;
	return i < cap && i <= PARSE_IDNUM_MAX;
}

/* The w low decimal digits of v, zero-padded, at p (no NUL). */
static void
digits(char *p, unsigned v, int w)
{
	while (w-- > 0) {
		p[w] = (char)('0' + v % 10);
		v /= 10;
	}
}

/*
 * The state is written into a tbuf in cut mode (tbuf_init_cut): what
 * snprintf wrote, without a format parsed (a state is encoded for every
 * screen and re-encoded for every one read back). What does not fit is
 * cut at bufsz - 1 bytes and NUL-ended, and the encoder refuses it.
 */

/* '|' then s. */
static void
st_str(struct tbuf *o, const char *s)
{
	tbuf_addc(o, '|');
	tbuf_adds(o, s);
}

/* '|' then v in decimal ("%d"). */
static void
st_int(struct tbuf *o, int v)
{
	tbuf_addc(o, '|');
	if (v < 0) {
		tbuf_addc(o, '-');
		tbuf_addu(o, 0U - (unsigned)v);
	} else
		tbuf_addu(o, (unsigned)v);
}

/* "" for no date, else YYYY-MM-DD of a real day; -1 when d is neither. */
static int
date_enc(const struct parse_date *d, char out[16])
{
	struct parse_date	back;

	out[0] = '\0';
	if (d->y == 0 && d->m == 0 && d->d == 0)
		return 0;
	if (d->y < 1900 || d->y > 2199 || d->m < 1 || d->m > 12 ||
	    d->d < 1 || d->d > 31)
		return -1;
	/* "%04d-%02d-%02d" of the checked fields, written directly. */
	digits(out, (unsigned)d->y, 4);
	out[4] = '-';
	digits(out + 5, (unsigned)d->m, 2);
	out[7] = '-';
	digits(out + 8, (unsigned)d->d, 2);
	out[10] = '\0';
	memset(&back, 0, sizeof(back));
	if (parse_date_iso(out, &back) == -1 || parse_date_cmp(&back, d) != 0)
		return -1;
	return 0;
}

static int
code_safe(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
}

static int
text_safe(unsigned char ch)
{
	return ch >= 0x20 && ch != 0x7f && ch != '%' && ch != '|';
}

/* s with the bytes safe() refuses as %XX, into out (3 * strlen + 1). */
static void
escape(const char *s, int (*safe)(unsigned char), char *out)
{
	static const char	hex[] = "0123456789ABCDEF";
	size_t			i, j = 0;

	for (i = 0; s[i] != '\0'; i++) {
		unsigned char	ch = (unsigned char)s[i];

		if (safe(ch))
			out[j++] = (char)ch;
		else {
			out[j++] = '%';
			out[j++] = hex[ch >> 4];
			out[j++] = hex[ch & 15];
		}
	}
	out[j] = '\0';
}

int
dialog_state_encode(const struct dialog *d, char *buf, size_t bufsz)
{
	char	ex[16], bi[16];
	char	code[REGISTRY_CODE_MAX * 3 + 1];	/* %XX */
	char	text[REGISTRY_TEXT_MAX * 3 + 1];
	struct tbuf o;

	if (d == NULL || buf == NULL || bufsz == 0)
		return -1;
	if ((int)d->step < DIALOG_S_LANG || d->step > DIALOG_S_TEXT ||
	    !lang_ok(d->lang, sizeof(d->lang)) ||
	    (int)d->idtype < PARSE_ID_NONE || d->idtype > PARSE_ID_PASSPORT ||
	    !idnum_ok(d->idnum, sizeof(d->idnum)) ||
	    date_enc(&d->expiry, ex) == -1 || date_enc(&d->birth, bi) == -1 ||
	    d->page < 0 || d->page > DIALOG_STATE_PAGE_MAX ||
	    d->bad_inputs < 0 || d->bad_inputs > DIALOG_BAD_MAX ||
	    (int)d->outcome < DIALOG_OUTCOME_NONE ||
	    d->outcome > DIALOG_OUTCOME_ABORT ||
	    (int)d->pending < DIALOG_P_NONE || d->pending > DIALOG_P_RESEND ||
	    d->pending_n < 0 || d->pending_n > DIALOG_CHOICE_MAX ||
	    memchr(d->cat_code, '\0', sizeof(d->cat_code)) == NULL ||
	    !dialog_digits_ok(d->matricule, sizeof(d->matricule), 0,
	    DIALOG_MATRICULE_MAX) ||
	    !dialog_digits_ok(d->phone, sizeof(d->phone), 0, DIALOG_PHONE_MAX) ||
	    !dialog_digits_ok(d->phone_tail, sizeof(d->phone_tail), 0,
	    DIALOG_TAIL_LEN) ||
	    (int)d->channel < DIALOG_CH_USSD || d->channel > DIALOG_CH_SMS ||
	    d->region < 0 || d->region > DIALOG_REGIONS_MAX ||
	    memchr(d->text, '\0', sizeof(d->text)) == NULL ||
	    !utf8_valid(d->text, strlen(d->text)))
		return -1;
	escape(d->cat_code, code_safe, code);
	escape(d->text, text_safe, text);
	tbuf_init_cut(&o, buf, bufsz);
	tbuf_adds(&o, DIALOG_STATE_VERSION);
	st_int(&o, (int)d->step);
	st_str(&o, d->lang);
	st_int(&o, (int)d->idtype);
	st_str(&o, d->idnum);
	st_str(&o, ex);
	st_str(&o, bi);
	st_int(&o, d->page);
	st_int(&o, d->bad_inputs);
	st_str(&o, code);
	st_int(&o, (int)d->outcome);
	st_int(&o, (int)d->pending);
	st_int(&o, d->pending_n);
	st_str(&o, d->matricule);
	st_str(&o, d->phone);
	st_str(&o, d->phone_tail);
	st_int(&o, (int)d->channel);
	st_int(&o, d->region);
	st_str(&o, text);
	if (tbuf_end(&o) != 0 || o.len > DIALOG_STATE_MAX)
		return -1;
	return (int)o.len;
}

/* Decimal 0..max, digits only (canonical form is checked by re-encoding). */
static int
dec_field(const char *s, int max, int *out)
{
	long	v = 0;
	size_t	i, len = strlen(s);

	if (len == 0 || len > 6)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = (int)v;
	return 0;
}

static int
date_field(const char *s, struct parse_date *out)
{
	memset(out, 0, sizeof(*out));
	if (s[0] == '\0')
		return 0;
	if (strlen(s) != 10 || parse_date_iso(s, out) == -1)
		return -1;
	return 0;
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static int
code_field(const char *s, char *out, size_t outsz)
{
	size_t	j = 0;
	int	hi, lo;

	for (; *s != '\0'; s++) {
		if (j + 1 >= outsz)
			return -1;
		if (*s == '%') {
			if ((hi = hexval(s[1])) == -1 || (lo = hexval(s[2])) == -1)
				return -1;
			if (hi == 0 && lo == 0)
				return -1;
			out[j++] = (char)(hi << 4 | lo);
			s += 2;
		} else
			out[j++] = *s;
	}
	out[j] = '\0';
	return 0;
}

static int decode_check(const struct dialog *);

static int
decode_fields(struct dialog *d, char *tmp)
{
	char	*f[DIALOG_STATE_FIELDS], *p = tmp;
	int	 i, v;

	for (i = 0; i < DIALOG_STATE_FIELDS; i++) {
		f[i] = p;
		p = strchr(p, '|');
		if (i == DIALOG_STATE_FIELDS - 1) {
			if (p != NULL)
				return -1;
		} else {
			if (p == NULL)
				return -1;
			*p++ = '\0';
		}
	}
	if (strcmp(f[0], DIALOG_STATE_VERSION) != 0)
		return -1;
	if (dec_field(f[1], DIALOG_S_TEXT, &v) == -1)
		return -1;
	d->step = (enum dialog_step)v;
	if (strlen(f[2]) >= sizeof(d->lang) || !lang_ok(f[2], sizeof(d->lang)))
		return -1;
	memcpy(d->lang, f[2], strlen(f[2]) + 1);
	if (dec_field(f[3], PARSE_ID_PASSPORT, &v) == -1)
		return -1;
	d->idtype = (enum parse_idtype)v;
	if (strlen(f[4]) > PARSE_IDNUM_MAX || !idnum_ok(f[4], sizeof(d->idnum)))
		return -1;
	memcpy(d->idnum, f[4], strlen(f[4]) + 1);
	if (date_field(f[5], &d->expiry) == -1 ||
	    date_field(f[6], &d->birth) == -1)
		return -1;
	if (dec_field(f[7], DIALOG_STATE_PAGE_MAX, &d->page) == -1 ||
	    dec_field(f[8], DIALOG_BAD_MAX, &d->bad_inputs) == -1)
		return -1;
	if (code_field(f[9], d->cat_code, sizeof(d->cat_code)) == -1)
		return -1;
	if (dec_field(f[10], DIALOG_OUTCOME_ABORT, &v) == -1)
		return -1;
	d->outcome = (enum dialog_outcome)v;
	if (dec_field(f[11], DIALOG_P_RESEND, &v) == -1)
		return -1;
	d->pending = (enum dialog_pending)v;
	if (dec_field(f[12], DIALOG_CHOICE_MAX, &d->pending_n) == -1)
		return -1;
	if (!dialog_digits_ok(f[13], sizeof(d->matricule), 0, DIALOG_MATRICULE_MAX) ||
	    !dialog_digits_ok(f[14], sizeof(d->phone), 0, DIALOG_PHONE_MAX) ||
	    !dialog_digits_ok(f[15], sizeof(d->phone_tail), 0, DIALOG_TAIL_LEN))
		return -1;
	memcpy(d->matricule, f[13], strlen(f[13]) + 1);
	memcpy(d->phone, f[14], strlen(f[14]) + 1);
	memcpy(d->phone_tail, f[15], strlen(f[15]) + 1);
	if (dec_field(f[16], DIALOG_CH_SMS, &v) == -1)
		return -1;
	d->channel = (enum dialog_channel)v;
	if (dec_field(f[17], DIALOG_REGIONS_MAX, &d->region) == -1 ||
	    code_field(f[18], d->text, sizeof(d->text)) == -1 ||
	    !utf8_valid(d->text, strlen(d->text)))
		return -1;
	return decode_check(d);
}

/* What every path past a step has filled in. */
static int
decode_check(const struct dialog *d)
{
	int	post = d->step >= DIALOG_S_LOOKUP && d->step != DIALOG_S_DONE;

	if (d->step != DIALOG_S_LANG && d->lang[0] == '\0')
		return -1;
	if (post && (d->idtype == PARSE_ID_NONE || d->idnum[0] == '\0' ||
	    !parse_date_is_set(&d->birth)))
		return -1;
	/* The SMS channel starts at the lookup and pages nothing. */
	if (d->channel == DIALOG_CH_SMS && (d->step < DIALOG_S_LOOKUP ||
	    d->step == DIALOG_S_REGION || d->step == DIALOG_S_TEXT))
		return -1;
	/* The region once chosen, the text of a paged end. */
	if (d->region != 0 && d->step != DIALOG_S_REGION &&
	    d->step != DIALOG_S_TEXT && d->step != DIALOG_S_DONE)
		return -1;
	if ((d->text[0] != '\0') != (d->step == DIALOG_S_TEXT) &&
	    !(d->step == DIALOG_S_DONE && d->text[0] != '\0'))
		return -1;
	/* Case B's fields: kept from the lookup (LOOKUP while the OTP is
	 * issued), the tail once the code went out; a phone needs a person. */
	if (d->matricule[0] != '\0' && d->step != DIALOG_S_LOOKUP &&
	    d->step != DIALOG_S_OTP && d->step != DIALOG_S_DONE)
		return -1;
	if (d->phone[0] != '\0' && d->matricule[0] == '\0')
		return -1;
	if (d->phone_tail[0] != '\0' && d->step != DIALOG_S_OTP &&
	    d->step != DIALOG_S_DONE)
		return -1;
	if (d->step == DIALOG_S_OTP && (d->matricule[0] == '\0' ||
	    d->phone_tail[0] == '\0' || (d->pending != DIALOG_P_NONE &&
	    d->pending != DIALOG_P_RESEND)))
		return -1;
	if (d->pending == DIALOG_P_RESEND && d->step != DIALOG_S_OTP)
		return -1;
	return 0;
}

int
dialog_state_decode(struct dialog *d, const char *buf, size_t len)
{
	char	tmp[DIALOG_STATE_MAX + 1], re[DIALOG_STATE_MAX + 1];
	int	n;

	if (d == NULL)
		return -1;
	memset(d, 0, sizeof(*d));
	if (buf == NULL || len == 0 || len > DIALOG_STATE_MAX ||
	    memchr(buf, '\0', len) != NULL)
		return -1;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	if (decode_fields(d, tmp) == -1)
		goto bad;
	/* Only the one canonical spelling is accepted. */
	n = dialog_state_encode(d, re, sizeof(re));
	if (n < 0 || (size_t)n != len || memcmp(re, buf, len) != 0)
		goto bad;
	return 0;
bad:
	memset(d, 0, sizeof(*d));
	return -1;
}
