/*
 * sms_request: one SMS text -> one request. The text is first folded into
 * a normal form (ASCII upper case, plain Arabic letters, one space between
 * words), cut into words (dates kept whole), then read by its form.
 * Everything lives on the stack with fixed caps.
 */
#include <string.h>

#include "sms_request.h"
#include "tbuf.h"
#include "utf8.h"

#define SR_AR   0x1		/* an Arabic-script code point was seen */
#define SR_TZM  0x2		/* a Tifinagh one */

/* What one code point becomes in the normal form. */
enum sr_map {
	SR_M_DROP,		/* nothing (invisible marks, diacritics) */
	SR_M_SEP,		/* a word separator */
	SR_M_ASCII,		/* the ASCII character in *to */
	SR_M_KEEP,		/* the code point *to, as UTF-8 */
	SR_M_OE,		/* "OE" */
};

/* Word classes (struct sr_tok.cls). */
#define SR_T_DIGIT   0x01	/* holds a digit */
#define SR_T_LATIN   0x02	/* holds a letter A-Z */
#define SR_T_OTHER   0x04	/* holds anything else */
#define SR_T_DATE    0x08	/* digits shaped as a date, joined by / - . */
#define SR_T_DATE_OK 0x10	/* a calendar date in a user form: date set */

struct sr_tok {
	size_t off, len;	/* in the normal form */
	unsigned cls;
	struct parse_date date;
};

struct sr_lex {
	const char *s;		/* the normal form */
	struct sr_tok tok[SMS_REQUEST_WORDS_MAX];
	int n;
	int over;		/* more words than SMS_REQUEST_WORDS_MAX */
};

/* What a known word or phrase means. */
enum sr_word {
	SR_W_NONE = 0,
	SR_W_CIN,
	SR_W_SEJOUR,
	SR_W_PASSPORT,
	SR_W_CAT,
	SR_W_OTP,
	SR_W_HELP,
	SR_W_NOISE,		/* "number": skipped where the type goes */
};

/* Written as people write them: they are folded like the text before
 * they are compared. Longer phrases before their prefixes. */
static const struct {
	const char *text;
	enum sr_word w;
} sr_words[] = {
	{ "CARTE NATIONALE", SR_W_CIN },
	{ "البطاقة الوطنية", SR_W_CIN },
	{ "بطاقة التعريف", SR_W_CIN },
	{ "CARTE DE SEJOUR", SR_W_SEJOUR },
	{ "CARTE SEJOUR", SR_W_SEJOUR },
	{ "بطاقة الإقامة", SR_W_SEJOUR },
	{ "جواز السفر", SR_W_PASSPORT },
	{ "CIN", SR_W_CIN },
	{ "C", SR_W_CIN },
	{ "1", SR_W_CIN },
	{ "CNI", SR_W_CIN },
	{ "CNIE", SR_W_CIN },
	{ "بطاقة", SR_W_CIN },
	{ "البطاقة", SR_W_CIN },
	{ "SEJOUR", SR_W_SEJOUR },
	{ "CS", SR_W_SEJOUR },
	{ "2", SR_W_SEJOUR },
	{ "الإقامة", SR_W_SEJOUR },
	{ "إقامة", SR_W_SEJOUR },
	{ "PASSPORT", SR_W_PASSPORT },
	{ "PASSEPORT", SR_W_PASSPORT },
	{ "P", SR_W_PASSPORT },
	{ "3", SR_W_PASSPORT },
	{ "جواز", SR_W_PASSPORT },
	{ "الجواز", SR_W_PASSPORT },
	{ "CAT", SR_W_CAT },
	{ "CATEGORIE", SR_W_CAT },
	{ "CATEGORY", SR_W_CAT },
	{ "فئة", SR_W_CAT },
	{ "الفئة", SR_W_CAT },
	{ "OTP", SR_W_OTP },
	{ "CODE", SR_W_OTP },
	{ "رمز", SR_W_OTP },
	{ "الرمز", SR_W_OTP },
	{ "AIDE", SR_W_HELP },
	{ "HELP", SR_W_HELP },
	{ "مساعدة", SR_W_HELP },
	{ "NUMERO", SR_W_NOISE },
	{ "NUM", SR_W_NOISE },
	{ "NUMBER", SR_W_NOISE },
	{ "رقم", SR_W_NOISE },
	{ "الرقم", SR_W_NOISE },
};

#define SR_PHRASE_MAX 64	/* folded phrase or keyword, NUL included */

static int
sr_in(uint32_t cp, uint32_t lo, uint32_t hi)
{
	return cp >= lo && cp <= hi;
}

static int
sr_is_arabic(uint32_t cp)
{
	return sr_in(cp, 0x0600, 0x06FF) || sr_in(cp, 0x0750, 0x077F) ||
	    sr_in(cp, 0x08A0, 0x08FF) || sr_in(cp, 0xFB50, 0xFDFF) ||
	    sr_in(cp, 0xFE70, 0xFEFE);
}

/* Arabic block: digits, punctuation, diacritics, letter variants. */
static enum sr_map
sr_map_arabic(uint32_t cp, uint32_t *to)
{
	if (sr_in(cp, 0x0660, 0x0669) || sr_in(cp, 0x06F0, 0x06F9)) {
		*to = '0' + (cp & 0xF);
		return SR_M_ASCII;
	}
	switch (cp) {
	case 0x060C: case 0x061B: case 0x061F: case 0x066A: case 0x066C:
		return SR_M_SEP;	/* comma, semicolon, ?, %, thousands */
	case 0x066B: case 0x06D4:
		*to = '.';		/* decimal separator, full stop */
		return SR_M_ASCII;
	case 0x061C: case 0x0640: case 0x0670:
		return SR_M_DROP;	/* letter mark, tatweel, dagger alef */
	case 0x0622: case 0x0623: case 0x0625: case 0x0671:
		*to = 0x0627;		/* alef with madda/hamza, wasla */
		return SR_M_KEEP;
	case 0x0629:
		*to = 0x0647;		/* taa marbuta -> haa */
		return SR_M_KEEP;
	case 0x0649:
		*to = 0x064A;		/* alef maqsura -> yaa */
		return SR_M_KEEP;
	}
	if (sr_in(cp, 0x064B, 0x065F) || sr_in(cp, 0x06D6, 0x06ED))
		return SR_M_DROP;	/* harakat, Quranic marks */
	*to = cp;
	return SR_M_KEEP;
}

/* One code point's fate in the normal form (header: the rules). */
static enum sr_map
sr_map(uint32_t cp, uint32_t *to)
{
	static const char latin1[] =
	    "AAAAAAACEEEEIIIIDNOOOOO OUUUUYTS"
	    "AAAAAAACEEEEIIIIDNOOOOO OUUUUYTY";

	*to = cp;
	if (sr_in(cp, 0xFF01, 0xFF5E))	/* full-width ASCII */
		cp = *to = cp - 0xFEE0;
	if (cp < 0x80) {
		if (sr_in(cp, 'a', 'z'))
			*to = cp - ('a' - 'A');
		else if (!sr_in(cp, 'A', 'Z') && !sr_in(cp, '0', '9') &&
		    cp != '-' && cp != '/' && cp != '.')
			return SR_M_SEP;
		return SR_M_ASCII;
	}
	if (sr_in(cp, 0xC0, 0xFF)) {
		if (latin1[cp - 0xC0] == ' ')
			return SR_M_SEP;	/* multiplication, division */
		*to = (unsigned char)latin1[cp - 0xC0];
		return SR_M_ASCII;
	}
	if (sr_in(cp, 0x0600, 0x06FF))
		return sr_map_arabic(cp, to);
	if (cp == 0x0152 || cp == 0x0153)
		return SR_M_OE;
	if (cp == 0x2010 || cp == 0x2011 || cp == 0x2012 || cp == 0x2013 ||
	    cp == 0x2014 || cp == 0x2015 || cp == 0x2212) {
		*to = '-';
		return SR_M_ASCII;
	}
	if (cp == 0x2044 || cp == 0x2215) {
		*to = '/';
		return SR_M_ASCII;
	}
	if (cp == 0xAD || sr_in(cp, 0x200C, 0x200F) ||
	    sr_in(cp, 0x202A, 0x202E) || sr_in(cp, 0x2060, 0x2064) ||
	    sr_in(cp, 0x2066, 0x2069) || sr_in(cp, 0xFE00, 0xFE0F) ||
	    cp == 0xFEFF)
		return SR_M_DROP;	/* and variation selectors */
	if (sr_in(cp, 0x80, 0xA0) || cp == 0xAB || cp == 0xBB ||
	    cp == 0xB7 || cp == 0x1680 || sr_in(cp, 0x2000, 0x200B) ||
	    sr_in(cp, 0x2016, 0x201F) || cp == 0x2022 || cp == 0x2026 ||
	    sr_in(cp, 0x2028, 0x2029) || cp == 0x202F || cp == 0x205F ||
	    cp == 0x3000 || sr_in(cp, 0x2190, 0x2BFF) ||
	    sr_in(cp, 0x1F000, 0x1FAFF))
		return SR_M_SEP;	/* and arrows, symbols, emoji */
	return SR_M_KEEP;
}

struct sr_out {
	char *p;
	size_t cap, len;
};

static void
sr_put(struct sr_out *o, const char *b, size_t n)
{
	if (o->len + n < o->cap) {
		memcpy(o->p + o->len, b, n);
		o->len += n;
	}
}

/*
 * Fold n bytes of s (stopping at a NUL) into out: the normal form, words
 * separated by one space, no space at either end; never longer than the
 * input. *script gets SR_AR / SR_TZM. Returns the length written.
 */
static size_t
sr_norm(const char *s, size_t n, char *out, size_t cap, unsigned *script)
{
	const unsigned char *u = (const unsigned char *)s;
	struct sr_out o = { out, cap, 0 };
	size_t i = 0, k;
	uint32_t cp, to;
	char b[4];

	while (i < n && u[i] != '\0') {
		if ((k = utf8_decode(u + i, n - i, &cp)) == 0) {
			sr_put(&o, "?", 1);	/* undecodable: a sign of its own */
			i++;
			continue;
		}
		i += k;
		if (sr_is_arabic(cp))
			*script |= SR_AR;
		else if (sr_in(cp, 0x2D30, 0x2D7F))
			*script |= SR_TZM;
		switch (sr_map(cp, &to)) {
		case SR_M_DROP:
			break;
		case SR_M_SEP:
			if (o.len > 0 && out[o.len - 1] != ' ')
				sr_put(&o, " ", 1);
			break;
		case SR_M_ASCII:
			b[0] = (char)to;
			sr_put(&o, b, 1);
			break;
		case SR_M_KEEP:
			sr_put(&o, b, utf8_encode(to, b));
			break;
		case SR_M_OE:
			sr_put(&o, "OE", 2);
			break;
		}
	}
	if (o.len > 0 && out[o.len - 1] == ' ')
		o.len--;
	if (cap > 0)
		out[o.len < cap ? o.len : cap - 1] = '\0';
	return o.len;
}

static int
sr_soft(char c)
{
	return c == '-' || c == '/' || c == '.';
}

static void
sr_classify(const char *s, struct sr_tok *t)
{
	char buf[9];
	size_t i;

	t->cls = 0;
	memset(&t->date, 0, sizeof(t->date));
	for (i = 0; i < t->len; i++) {
		if (sr_in((unsigned char)s[t->off + i], '0', '9'))
			t->cls |= SR_T_DIGIT;
		else if (sr_in((unsigned char)s[t->off + i], 'A', 'Z'))
			t->cls |= SR_T_LATIN;
		else
			t->cls |= SR_T_OTHER;
	}
	/* ddmmyyyy stands alone: a date when it is one, else plain digits */
	if (t->cls == SR_T_DIGIT && t->len == 8) {
		memcpy(buf, s + t->off, 8);
		buf[8] = '\0';
		if (parse_date_user(buf, &t->date) == 0)
			t->cls |= SR_T_DATE_OK;
	}
}

/* Only digits: no letter, no sign, not a date with separators. */
static int
sr_digits(const struct sr_tok *t)
{
	return (t->cls & (SR_T_DIGIT | SR_T_LATIN | SR_T_OTHER | SR_T_DATE)) ==
	    SR_T_DIGIT;
}

static int
sr_word(const struct sr_tok *t)
{
	return !(t->cls & SR_T_DIGIT);
}

static int
sr_dateish(const struct sr_tok *t)
{
	return (t->cls & (SR_T_DATE | SR_T_DATE_OK)) != 0;
}

/*
 * Digit parts joined by single separators that make a date attempt:
 * (1-2, 1-2, 4) is read as a date (valid or not); (4, 1-2, 1-2), and with
 * a '/' or '.' (1-2, 1-2, 1-3), are dates in another order or with a
 * short year, never guessed; with '/' or '.' (1-2, 2|4) is a month and
 * year (a card's expiry as printed), no date either. Returns how many
 * parts it took (3, 2 or 0) and the merged word in *t.
 */
static int
sr_date_run(const char *s, const struct sr_tok *p, int n, struct sr_tok *t)
{
	size_t l[3];
	int k, slash[3] = { 0, 0, 0 }, take = 0;
	char buf[16];

	for (k = 0; k < n && k < 3; k++) {
		if (!sr_digits(&p[k]) || (k > 0 &&
		    p[k].off != p[k - 1].off + p[k - 1].len + 1))
			break;
		if (k > 0)
			slash[k] = s[p[k].off - 1] != '-';
		l[k] = p[k].len;
	}
	if (k == 3 && l[0] <= 2 && l[1] <= 2 && (l[2] == 4 ||
	    ((slash[1] || slash[2]) && l[2] <= 3)))
		take = 3;
	else if (k == 3 && l[0] == 4 && l[1] <= 2 && l[2] <= 2)
		take = 3;
	else if (k >= 2 && slash[1] && l[0] <= 2 && (l[1] == 4 || l[1] == 2))
		take = 2;
	if (take == 0)
		return 0;
	t->off = p[0].off;
	t->len = p[take - 1].off + p[take - 1].len - p[0].off;
	t->cls = SR_T_DIGIT | SR_T_DATE;
	memset(&t->date, 0, sizeof(t->date));
	if (take == 3 && l[2] == 4 && t->len < sizeof(buf)) {
		memcpy(buf, s + t->off, t->len);
		buf[t->len] = '\0';
		if (parse_date_user(buf, &t->date) == 0)
			t->cls |= SR_T_DATE_OK;
	}
	return take;
}

static void
sr_push(struct sr_lex *lx, const struct sr_tok *t)
{
	if (lx->n >= SMS_REQUEST_WORDS_MAX) {
		lx->over = 1;
		return;
	}
	lx->tok[lx->n++] = *t;
}

/* One run without spaces: parts between '-' '/' '.', dates merged. */
static void
sr_chunk(struct sr_lex *lx, size_t s, size_t e)
{
	struct sr_tok part[SMS_REQUEST_WORDS_MAX], t;
	int np = 0, i, k;
	size_t p = s, b;

	while (p < e) {
		for (b = p; p < e && !sr_soft(lx->s[p]); p++)
			;
		if (p > b) {
			if (np == SMS_REQUEST_WORDS_MAX) {
				lx->over = 1;
				return;
			}
			part[np].off = b;
			part[np].len = p - b;
			sr_classify(lx->s, &part[np]);
			np++;
		}
		if (p < e)
			p++;
	}
	for (i = 0; i < np; i += k) {
		if ((k = sr_date_run(lx->s, part + i, np - i, &t)) == 0) {
			t = part[i];
			k = 1;
		}
		sr_push(lx, &t);
	}
}

static void
sr_lex(struct sr_lex *lx, const char *s, size_t len)
{
	size_t i = 0, b;

	lx->s = s;
	lx->n = 0;
	lx->over = 0;
	while (i < len && !lx->over) {
		while (i < len && s[i] == ' ')
			i++;
		for (b = i; i < len && s[i] != ' '; i++)
			;
		if (i > b)
			sr_chunk(lx, b, i);
	}
}

/*
 * Does the folded phrase (words separated by one space) match the words
 * from i on? Returns how many words it covers, 0 when not.
 */
static int
sr_phrase_at(const struct sr_lex *lx, int i, const char *ph, size_t phlen)
{
	size_t p = 0, e;
	int k = 0;

	while (p < phlen) {
		for (e = p; e < phlen && ph[e] != ' '; e++)
			;
		if (i + k >= lx->n || lx->tok[i + k].len != e - p ||
		    memcmp(lx->s + lx->tok[i + k].off, ph + p, e - p) != 0)
			return 0;
		k++;
		p = e + 1;
	}
	return k;
}

/* The known word or phrase at word i (*nw words), or SR_W_NONE. */
static enum sr_word
sr_phrase(const struct sr_lex *lx, int i, int *nw)
{
	char ph[SR_PHRASE_MAX];
	unsigned script = 0;
	size_t j, len;
	int k;

	*nw = 0;
	for (j = 0; j < sizeof(sr_words) / sizeof(sr_words[0]); j++) {
		len = sr_norm(sr_words[j].text, strlen(sr_words[j].text), ph,
		    sizeof(ph), &script);
		if ((k = sr_phrase_at(lx, i, ph, len)) > 0) {
			*nw = k;
			return sr_words[j].w;
		}
	}
	return SR_W_NONE;
}

static int
sr_keyword(const struct sr_lex *lx, const char *const *kw, size_t nkw)
{
	static const char *const def[] = { "TNS" };
	char ph[SR_PHRASE_MAX];
	unsigned script = 0;
	size_t j, len;

	if (kw == NULL || nkw == 0) {
		kw = def;
		nkw = 1;
	}
	for (j = 0; j < nkw; j++) {
		if (kw[j] == NULL)
			continue;
		len = sr_norm(kw[j], strnlen(kw[j], SR_PHRASE_MAX - 1), ph,
		    sizeof(ph), &script);
		if (len > 0 && memchr(ph, ' ', len) == NULL &&
		    sr_phrase_at(lx, 0, ph, len) == 1)
			return (int)j;
	}
	return -1;
}

/* Appends word t to a number being read; -1 once over cap. */
static int
sr_append(char *buf, size_t cap, size_t *blen, const char *s,
    const struct sr_tok *t)
{
	if (*blen + t->len >= cap)
		return -1;
	memcpy(buf + *blen, s + t->off, t->len);
	*blen += t->len;
	buf[*blen] = '\0';
	return 0;
}

/* Only 1 or 2 letters A-Z: the letters of a number typed apart. */
static int
sr_letters12(const struct sr_tok *t)
{
	return t->cls == SR_T_LATIN && t->len <= 2;
}

/* Digits at the end of word t: a group a next group may follow. */
static size_t
sr_tail_digits(const char *s, const struct sr_tok *t)
{
	size_t n = 0;

	while (n < t->len && sr_in((unsigned char)s[t->off + t->len - 1 - n],
	    '0', '9'))
		n++;
	return n;
}

/*
 * The number from word *ip on (header: what joins; a group of 1..4 digits
 * joins only a word that ends with such a group, so "AB123456 01 02 1980"
 * is a number and a date typed badly). Returns 1 when a number was found
 * (idnum set, or *bad when it cannot be one), 0 when none; *ip is left on
 * the first word after it.
 */
static int
sr_number(const struct sr_lex *lx, int *ip, char *idnum, int *bad)
{
	char buf[2 * PARSE_IDNUM_MAX + 2];
	size_t blen = 0, tail = 0;
	const struct sr_tok *t;
	int i = *ip, started = 0;

	buf[0] = '\0';
	for (; i < lx->n; i++) {
		t = &lx->tok[i];
		if (sr_dateish(t))
			break;
		if (started) {
			if (!sr_digits(t) || t->len > 4 || tail == 0 ||
			    tail > 4)
				break;
		} else if (sr_word(t)) {
			/* a word before the number, or its letters apart */
			if (!sr_letters12(t) || i + 1 >= lx->n ||
			    !sr_digits(&lx->tok[i + 1]) ||
			    sr_dateish(&lx->tok[i + 1]))
				continue;
			if (sr_append(buf, sizeof(buf), &blen, lx->s, t))
				*bad = 1;
			t = &lx->tok[++i];
		} else if (t->cls & SR_T_OTHER)
			*bad = 1;
		started = 1;
		if (sr_append(buf, sizeof(buf), &blen, lx->s, t))
			*bad = 1;
		tail = sr_tail_digits(lx->s, t);
	}
	*ip = i;
	if (started && !*bad && parse_id_number(buf, idnum,
	    PARSE_IDNUM_MAX + 1) == -1)
		*bad = 1;
	if (*bad)
		idnum[0] = '\0';
	return started;
}

/* 1-2 letters + 1..6 digits: CIN; 2 letters + 7 digits: passport. */
static enum parse_idtype
sr_shape(const char *idnum)
{
	size_t l = 0, d = 0;

	while (sr_in((unsigned char)idnum[l], 'A', 'Z'))
		l++;
	while (sr_in((unsigned char)idnum[l + d], '0', '9'))
		d++;
	if (idnum[l + d] != '\0')
		return PARSE_ID_NONE;
	if ((l == 1 || l == 2) && d >= 1 && d <= 6)
		return PARSE_ID_CIN;
	if (l == 2 && d == 7)
		return PARSE_ID_PASSPORT;
	return PARSE_ID_NONE;
}

/* Dates from word i to the end: other words skipped. */
static void
sr_dates(const struct sr_lex *lx, int i, struct sms_request *out)
{
	struct parse_date d[2];
	int nd = 0, bad = 0;

	memset(d, 0, sizeof(d));
	for (; i < lx->n; i++) {
		if (lx->tok[i].cls & SR_T_DATE_OK) {
			if (nd < 2)
				d[nd] = lx->tok[i].date;
			nd++;
		} else if (lx->tok[i].cls & SR_T_DIGIT)
			bad = 1;
	}
	if (nd > 2)
		out->problems |= SMS_REQUEST_MANY_DATES;
	if (bad)
		out->problems |= SMS_REQUEST_BAD_DATE;
	if (nd == 0 && !bad)
		out->problems |= SMS_REQUEST_MISS_BIRTH;
	if (nd > 2 || bad)
		return;
	if (nd == 2) {
		out->expiry = d[0];
		out->birth = d[1];
	} else if (nd == 1)
		out->birth = d[0];
}

static enum parse_idtype
sr_idtype(enum sr_word w)
{
	switch (w) {
	case SR_W_CIN:
		return PARSE_ID_CIN;
	case SR_W_SEJOUR:
		return PARSE_ID_SEJOUR;
	case SR_W_PASSPORT:
		return PARSE_ID_PASSPORT;
	default:
		return PARSE_ID_NONE;
	}
}

/* KW [TYPE] NUMBER [EXPIRY] BIRTH from word i (w/nw: the phrase there). */
static void
sr_identity(const struct sr_lex *lx, int i, enum sr_word w, int nw,
    struct sms_request *out)
{
	enum parse_idtype type;
	int bad = 0, letters = 0;
	const struct sr_tok *t;

	out->form = SMS_REQUEST_IDENTITY;
	while (w == SR_W_NOISE) {
		i += nw;
		w = sr_phrase(lx, i, &nw);
	}
	type = sr_idtype(w);
	t = i < lx->n ? &lx->tok[i] : NULL;
	if (type != PARSE_ID_NONE) {
		/* P, CS: maybe the letters of a CIN typed apart */
		letters = nw == 1 && sr_letters12(t) && type != PARSE_ID_CIN;
		i += nw;
	} else if (t != NULL && sr_word(t) && !(sr_letters12(t) &&
	    i + 1 < lx->n && sr_digits(&lx->tok[i + 1]))) {
		out->problems |= SMS_REQUEST_BAD_TYPE;
		i++;
	}
	if (sr_number(lx, &i, out->idnum, &bad) == 0)
		out->problems |= SMS_REQUEST_MISS_NUMBER;
	else if (bad)
		out->problems |= SMS_REQUEST_BAD_NUMBER;
	sr_dates(lx, i, out);

	if (letters && out->idnum[0] != '\0' &&
	    strspn(out->idnum, "0123456789") == strlen(out->idnum) &&
	    strlen(out->idnum) <= 6)
		type = PARSE_ID_NONE;	/* ambiguous: say so */
	else if (type == PARSE_ID_NONE && out->idnum[0] != '\0' &&
	    !(out->problems & SMS_REQUEST_BAD_TYPE))
		type = sr_shape(out->idnum);
	if (type == PARSE_ID_NONE && !(out->problems & SMS_REQUEST_BAD_TYPE) &&
	    !(out->problems & SMS_REQUEST_BAD_NUMBER))
		out->problems |= SMS_REQUEST_MISS_TYPE;
	out->idtype = type;
}

/* KW CAT N from word i. */
static void
sr_category(const struct sr_lex *lx, int i, struct sms_request *out)
{
	const struct sr_tok *t;
	int n = 0, v = 0, bad = 0;
	size_t k;

	out->form = SMS_REQUEST_CATEGORY;
	for (; i < lx->n; i++) {
		t = &lx->tok[i];
		if (sr_word(t))
			continue;
		if (!sr_digits(t) || t->len > 3 || n++ > 0) {
			bad = 1;
			continue;
		}
		for (k = 0; k < t->len; k++)
			v = v * 10 + (lx->s[t->off + k] - '0');
	}
	if (bad || n != 1 || v < 1 || v > SMS_REQUEST_CAT_MAX)
		out->problems |= SMS_REQUEST_BAD_CAT;
	else
		out->category = v;
}

/* KW OTP CODE from word i: digit groups joined. */
static void
sr_otp(const struct sr_lex *lx, int i, struct sms_request *out)
{
	char buf[SMS_REQUEST_OTP_MAX + 1];
	size_t blen = 0;
	int bad = 0;

	out->form = SMS_REQUEST_OTP;
	buf[0] = '\0';
	for (; i < lx->n; i++) {
		if (sr_word(&lx->tok[i]))
			continue;
		if (!sr_digits(&lx->tok[i]) ||
		    sr_append(buf, sizeof(buf), &blen, lx->s, &lx->tok[i]))
			bad = 1;
	}
	if (bad || blen < SMS_REQUEST_OTP_MIN)
		out->problems |= SMS_REQUEST_BAD_OTP;
	else
		memcpy(out->otp, buf, blen + 1);
}

enum sms_request_kind
sms_request_parse(const char *text, size_t len, const char *const *keywords,
    size_t nkeywords, struct sms_request *out)
{
	static struct sms_request zero;
	char norm[SMS_REQUEST_TEXT_MAX + 1];
	struct sr_lex lx;
	unsigned script = 0;
	size_t n, nlen;
	int over, nw, k;
	enum sr_word w;

	if (out == NULL)
		return SMS_REQUEST_NOT_FOR_US;
	*out = zero;
	out->keyword = -1;
	memcpy(out->lang, "fr", 3);
	if (text == NULL)
		return SMS_REQUEST_NOT_FOR_US;
	n = strnlen(text, len < SMS_REQUEST_TEXT_MAX + 1 ? len :
	    SMS_REQUEST_TEXT_MAX + 1);
	if ((over = n > SMS_REQUEST_TEXT_MAX))
		n = utf8_cut(text, n, SMS_REQUEST_TEXT_MAX);
	nlen = sr_norm(text, n, norm, sizeof(norm), &script);
	if (script & SR_AR)
		memcpy(out->lang, "ar", 3);
	else if (script & SR_TZM)
		memcpy(out->lang, "tzm", 4);
	sr_lex(&lx, norm, nlen);
	if (lx.n == 0 || (k = sr_keyword(&lx, keywords, nkeywords)) < 0)
		return SMS_REQUEST_NOT_FOR_US;
	out->keyword = k;
	out->kind = out->form = SMS_REQUEST_HELP;
	if (over || lx.over) {
		out->problems = SMS_REQUEST_BAD_TEXT;
		return out->kind;
	}
	if (lx.n == 1)
		return out->kind;
	switch ((w = sr_phrase(&lx, 1, &nw))) {
	case SR_W_HELP:
		return out->kind;
	case SR_W_CAT:
		sr_category(&lx, 1 + nw, out);
		break;
	case SR_W_OTP:
		sr_otp(&lx, 1 + nw, out);
		break;
	default:
		sr_identity(&lx, 1, w, nw, out);
		break;
	}
	out->kind = out->problems != 0 ? SMS_REQUEST_HELP : out->form;
	return out->kind;
}

static void
sr_fmt_date(struct tbuf *b, const struct parse_date *d)
{
	tbuf_addc(b, ' ');
	tbuf_addc(b, (char)('0' + d->d / 10 % 10));
	tbuf_addc(b, (char)('0' + d->d % 10));
	tbuf_addc(b, '/');
	tbuf_addc(b, (char)('0' + d->m / 10 % 10));
	tbuf_addc(b, (char)('0' + d->m % 10));
	tbuf_addc(b, '/');
	tbuf_addu(b, (unsigned long long)d->y % 10000);
}

/* The number as one word, but an 8-digit one that reads as a date is
 * written "dddd dddd" (groups join back; the date would end the number). */
static void
sr_fmt_idnum(struct tbuf *b, const char *idnum)
{
	struct parse_date d;
	size_t n = strnlen(idnum, PARSE_IDNUM_MAX + 1);

	tbuf_addc(b, ' ');
	if (n == 8 && parse_date_user(idnum, &d) == 0) {
		tbuf_addn(b, idnum, 4);
		tbuf_addc(b, ' ');
		tbuf_addn(b, idnum + 4, 4);
	} else
		tbuf_addn(b, idnum, n);
}

int
sms_request_format(const struct sms_request *r, const char *keyword,
    char *out, size_t outsz)
{
	struct tbuf b;
	size_t n;

	tbuf_init(&b, out, outsz);
	if (r == NULL)
		return -1;
	tbuf_adds(&b, keyword != NULL ? keyword : "TNS");
	switch (r->kind) {
	case SMS_REQUEST_IDENTITY:
		n = strnlen(r->idnum, sizeof(r->idnum));
		if (r->idtype == PARSE_ID_NONE || n == 0 || n >= sizeof(r->idnum) ||
		    !parse_date_is_set(&r->birth))
			goto none;
		tbuf_addc(&b, ' ');
		tbuf_adds(&b, parse_idtype_str(r->idtype));
		sr_fmt_idnum(&b, r->idnum);
		if (parse_date_is_set(&r->expiry))
			sr_fmt_date(&b, &r->expiry);
		sr_fmt_date(&b, &r->birth);
		break;
	case SMS_REQUEST_CATEGORY:
		tbuf_adds(&b, " CAT ");
		tbuf_addu(&b, (unsigned long long)(unsigned)r->category);
		break;
	case SMS_REQUEST_OTP:
		n = strnlen(r->otp, sizeof(r->otp));
		if (n == 0 || n >= sizeof(r->otp))
			goto none;
		tbuf_adds(&b, " OTP ");
		tbuf_addn(&b, r->otp, n);
		break;
	default:
		goto none;
	}
	if (tbuf_end(&b) == 0)
		return 0;
none:
	if (out != NULL && outsz > 0)
		out[0] = '\0';
	return -1;
}

const char *
sms_request_strkind(enum sms_request_kind k)
{
	switch (k) {
	case SMS_REQUEST_NOT_FOR_US:
		return "not_for_us";
	case SMS_REQUEST_HELP:
		return "help";
	case SMS_REQUEST_IDENTITY:
		return "identity";
	case SMS_REQUEST_CATEGORY:
		return "category";
	case SMS_REQUEST_OTP:
		return "otp";
	}
	return "?";
}

const char *
sms_request_strproblem(unsigned bit)
{
	switch (bit) {
	case SMS_REQUEST_MISS_TYPE:
		return "miss_type";
	case SMS_REQUEST_BAD_TYPE:
		return "bad_type";
	case SMS_REQUEST_MISS_NUMBER:
		return "miss_number";
	case SMS_REQUEST_BAD_NUMBER:
		return "bad_number";
	case SMS_REQUEST_MISS_BIRTH:
		return "miss_birth";
	case SMS_REQUEST_BAD_DATE:
		return "bad_date";
	case SMS_REQUEST_MANY_DATES:
		return "many_dates";
	case SMS_REQUEST_BAD_CAT:
		return "bad_cat";
	case SMS_REQUEST_BAD_OTP:
		return "bad_otp";
	case SMS_REQUEST_BAD_TEXT:
		return "bad_text";
	}
	return "?";
}
