/*
 * dialog: the USSD conversation of DESIGN.md §1 as a pure state machine.
 * Each call turns (state, answer or fetched data) into one screen that fits
 * a USSD page, the next state, and what the gateway must fetch next; plus
 * the strict text form the state takes in Redis, and the catalogue check.
 */
#include "dialog.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "gsm.h"
#include "log.h"
#include "parse.h"

#define DIALOG_BAD_DEFAULT	3	/* max_bad_inputs when the conf says 0 */
#define DIALOG_ITEMS_MAX	128	/* documents of one category we page */
#define DIALOG_INPUT_MAX	64	/* longer answers are bad answers */
#define DIALOG_CHOICE_MAX	999	/* largest menu number we read */
#define DIALOG_PAGE_MAX		255	/* bound on d->page in the encoded form */
#define DIALOG_BAD_MAX		99	/* bound on d->bad_inputs, idem */
#define DIALOG_MATRICULE_MAX	23	/* struct dialog_lookup.matricule - 1 */
#define DIALOG_SLOT		20	/* chars a label or {reason} must have room for */
#define DIALOG_ELLIPSIS		"..."
#define DIALOG_PHONE_MAX	23	/* struct dialog.phone - 1 */
#define DIALOG_TAIL_LEN		2	/* digits of the phone shown: "...12" */
#define DIALOG_OTP_DEFAULT	6	/* otp_length when the conf says 0 */
#define DIALOG_PASSWORD_DEFAULT	10	/* password_length, idem */
#define DIALOG_N_MAX		99	/* {n} attempts left: 2 digits */
#define DIALOG_OTP_MINUTES	"60"	/* {minutes} at its longest (3600 s) */
#define DIALOG_SMS_GSM7_MAX	306	/* 2 concatenated SMS: 2 x 153 septets */
#define DIALOG_SMS_UCS2_MAX	134	/* 2 x 67 UCS-2 characters */
#define DIALOG_SMS_TEXT_MAX	2048	/* one rendered SMS body, UTF-8 bytes */
#define DIALOG_RENDER_VARS	8	/* name/value pairs dialog_render takes */
#define DIALOG_ENC_FIELDS	16
#define DIALOG_ENC_VERSION	"D2"

/* Everything one call works with. */
struct ctx {
	struct dialog			*d;
	const struct dialog_conf	*conf;
	const struct catalog		*cat;
	struct dialog_out		*out;
};

/* A bounded text being built; over is set once something did not fit. */
struct dbuf {
	char	*p;
	size_t	 cap, len;
	int	 over;
};

/* A {name} of a catalogue text and its value (maxcp > 0: at most that
 * many characters, then an ellipsis). */
struct dvar {
	const char	*name;
	const char	*value;
	size_t		 maxcp;
};

/* A paged list: categories (numbered, globally) or documents (bulleted,
 * with a closing text on the last page, which ends the session). */
struct pager {
	const char	*title0, *title;	/* first page, later pages */
	const char	*item[DIALOG_ITEMS_MAX];
	size_t		 ilen[DIALOG_ITEMS_MAX];
	int		 n;
	int		 numbered;
	const char	*next, *back;
	const char	*tail;
};

struct page {
	int	start, count, last;
	size_t	cap;		/* max chars per item, 0: whole items */
};

static void dialog_advance(struct ctx *);

/* ---- text building ---- */

static void
dbuf_init(struct dbuf *b, char *p, size_t cap)
{
	b->p = p;
	b->cap = cap;
	b->len = 0;
	b->over = 0;
	p[0] = '\0';
}

static void
dbuf_addn(struct dbuf *b, const char *s, size_t n)
{
	if (b->over)
		return;
	if (n >= b->cap - b->len) {
		b->over = 1;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
dbuf_adds(struct dbuf *b, const char *s)
{
	dbuf_addn(b, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char	c = s[0];
	size_t		need, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4;
	else
		return 0;
	if (n < need)
		return 0;
	for (i = 1; i < need; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (c == 0xe0 && s[1] < 0xa0)
		return 0;
	if (c == 0xed && s[1] > 0x9f)
		return 0;
	if (c == 0xf0 && s[1] < 0x90)
		return 0;
	if (c == 0xf4 && s[1] > 0x8f)
		return 0;
	return need;
}

/*
 * Append outside text (labels, reasons, matricules from Redis): invalid
 * UTF-8 becomes '?', control characters a space, and at most maxcp
 * characters are kept (then an ellipsis) when maxcp > 0.
 */
static void
dbuf_add_clean(struct dbuf *b, const char *s, size_t len, size_t maxcp)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, k, ncp = 0;

	while (i < len && u[i] != '\0') {
		if (maxcp > 0 && ncp == maxcp) {
			dbuf_adds(b, DIALOG_ELLIPSIS);
			return;
		}
		k = utf8_seq(u + i, len - i);
		if (k == 0) {
			dbuf_adds(b, "?");
			i++;
		} else if (k == 1 && (u[i] < 0x20 || u[i] == 0x7f)) {
			dbuf_adds(b, " ");
			i++;
		} else {
			dbuf_addn(b, s + i, k);
			i += k;
		}
		ncp++;
	}
}

/* Characters in s (invalid bytes count one each). */
static size_t
utf8_count(const char *s)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Append a catalogue text with its {placeholders} filled; unknown ones are
 * kept as written (dialog_check_catalog reports them). */
static void
dbuf_subst(struct dbuf *b, const char *tmpl, const struct dvar *v, int nv)
{
	const char	*p = tmpl, *q;
	size_t		 nl;
	int		 i;

	while (*p != '\0') {
		if (*p == '{' && (q = strchr(p + 1, '}')) != NULL) {
			nl = (size_t)(q - p - 1);
			for (i = 0; i < nv; i++)
				if (strlen(v[i].name) == nl &&
				    memcmp(v[i].name, p + 1, nl) == 0)
					break;
			if (i < nv) {
				dbuf_add_clean(b, v[i].value, strlen(v[i].value),
				    v[i].maxcp);
				p = q + 1;
				continue;
			}
		}
		dbuf_addn(b, p, 1);
		p++;
	}
}

/* ---- languages, texts, page fitting ---- */

static int
conf_nlangs(const struct dialog_conf *conf)
{
	if (conf->nlanguages <= 0)
		return 1;
	return conf->nlanguages > 8 ? 8 : conf->nlanguages;
}

/* The i-th menu language (bounded copy: the conf is plain data). */
static void
conf_lang(const struct dialog_conf *conf, const struct catalog *cat, int i,
    char out[CATALOG_LANG_MAX])
{
	const char	*l = NULL;

	if (conf->nlanguages > 0 && i >= 0 && i < conf_nlangs(conf))
		snprintf(out, CATALOG_LANG_MAX, "%.*s", CATALOG_LANG_MAX - 1,
		    conf->languages[i]);
	else
		out[0] = '\0';
	if (out[0] != '\0')
		return;
	if ((l = catalog_lang(cat, 0)) == NULL)
		l = "fr";
	snprintf(out, CATALOG_LANG_MAX, "%s", l);
}

/* The language the screens of this dialog are in. */
static void
ctx_lang(const struct ctx *c, char out[CATALOG_LANG_MAX])
{
	if (c->d->lang[0] != '\0' &&
	    memchr(c->d->lang, '\0', sizeof(c->d->lang)) != NULL)
		snprintf(out, CATALOG_LANG_MAX, "%s", c->d->lang);
	else
		conf_lang(c->conf, c->cat, 0, out);
}

/* A text in lang, else in the first menu language, else French, else "". */
static const char *
msg_lang(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, const char *key)
{
	char		 l0[CATALOG_LANG_MAX];
	const char	*t;

	if ((t = catalog_get(cat, lang, key)) != NULL)
		return t;
	conf_lang(conf, cat, 0, l0);
	if ((t = catalog_get(cat, l0, key)) != NULL)
		return t;
	if ((t = catalog_get(cat, "fr", key)) != NULL)
		return t;
	return "";
}

static const char *
msg(const struct ctx *c, const char *key)
{
	char	lang[CATALOG_LANG_MAX];

	ctx_lang(c, lang);
	return msg_lang(c->conf, c->cat, lang, key);
}

static int
translit_on(const struct dialog_conf *conf, const char *lang)
{
	return conf->transliterate && strcmp(lang, "fr") == 0;
}

/* Does text fit one USSD page once it is what we would send? */
static int
screen_fits(const struct dialog_conf *conf, const char *lang, const char *text)
{
	char	tmp[DIALOG_TEXT_MAX];

	if (translit_on(conf, lang)) {
		if (gsm_transliterate(text, tmp, sizeof(tmp)) == -1)
			return 0;
		text = tmp;
	}
	return gsm_fits_ussd(text) ? 1 : 0;
}

static int
dbuf_fits(const struct dbuf *b, const struct dialog_conf *conf,
    const char *lang)
{
	return !b->over && screen_fits(conf, lang, b->p);
}

/* Cut s at a character boundary to the longest prefix that fits. */
static void
fit_truncate(const struct dialog_conf *conf, const char *lang, char *s)
{
	size_t	lo = 0, hi = strlen(s), mid;
	char	save;
	int	ok;

	if (screen_fits(conf, lang, s))
		return;
	/* Invariant: the prefix of lo bytes fits, that of hi bytes does not. */
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		while (mid > lo && ((unsigned char)s[mid] & 0xc0) == 0x80)
			mid--;
		if (mid == lo) {
			mid = lo + (hi - lo) / 2;
			while (mid < hi && ((unsigned char)s[mid] & 0xc0) == 0x80)
				mid++;
			if (mid == hi)
				break;
		}
		save = s[mid];
		s[mid] = '\0';
		ok = screen_fits(conf, lang, s);
		s[mid] = save;
		if (ok)
			lo = mid;
		else
			hi = mid;
	}
	s[lo] = '\0';
}

/* ---- screens ---- */

static void
emit_lang(struct ctx *c, const char *lang, const char *text)
{
	char	*t = c->out->text;

	if (!translit_on(c->conf, lang) ||
	    gsm_transliterate(text, t, sizeof(c->out->text)) == -1)
		snprintf(t, sizeof(c->out->text), "%s", text);
	if (!screen_fits(c->conf, lang, t)) {
		/* The catalogue check should make this unreachable. */
		log_warnx("dialog: %s screen in state %s too long, cut",
		    lang, dialog_strstate(c->d->step));
		fit_truncate(c->conf, lang, t);
	}
}

static void
emit(struct ctx *c, const char *text)
{
	char	lang[CATALOG_LANG_MAX];

	ctx_lang(c, lang);
	emit_lang(c, lang, text);
}

static void
finish(struct ctx *c, const char *text, enum dialog_outcome o)
{
	c->d->step = DIALOG_S_DONE;
	c->d->outcome = o;
	c->d->pending = DIALOG_P_NONE;
	c->out->need = DIALOG_NEED_NONE;
	c->out->end = 1;
	c->out->outcome = o;
	emit(c, text);
}

static void
finish_key(struct ctx *c, const char *key, enum dialog_outcome o)
{
	finish(c, msg(c, key), o);
}

static int
max_bad(const struct dialog_conf *conf)
{
	return conf->max_bad_inputs > 0 ? conf->max_bad_inputs :
	    DIALOG_BAD_DEFAULT;
}

static const char *
idtype_key(enum parse_idtype t)
{
	switch (t) {
	case PARSE_ID_CIN:
		return "idtype_cin";
	case PARSE_ID_SEJOUR:
		return "idtype_sejour";
	case PARSE_ID_PASSPORT:
		return "idtype_passport";
	default:
		return NULL;
	}
}

/* "1 Français\n2 العربية..." in each language's own name. */
static void
build_lang_menu(const struct dialog_conf *conf, const struct catalog *cat,
    struct dbuf *b)
{
	char		 l[CATALOG_LANG_MAX], num[16];
	const char	*name;
	int		 i;

	for (i = 0; i < conf_nlangs(conf); i++) {
		conf_lang(conf, cat, i, l);
		if ((name = catalog_get(cat, l, "language_name")) == NULL)
			name = l;
		snprintf(num, sizeof(num), "%s%d ", i ? "\n" : "", i + 1);
		dbuf_adds(b, num);
		dbuf_add_clean(b, name, strlen(name), 0);
	}
}

/* The question of the current step. */
static void
build_question(struct ctx *c, struct dbuf *b)
{
	const char	*k = idtype_key(c->d->idtype);
	struct dvar	 v = { "idtype", k ? msg(c, k) : "", 0 };

	switch (c->d->step) {
	case DIALOG_S_LANG:
		build_lang_menu(c->conf, c->cat, b);
		break;
	case DIALOG_S_IDTYPE:
		dbuf_subst(b, msg(c, "ask_idtype"), NULL, 0);
		break;
	case DIALOG_S_IDNUM:
		dbuf_subst(b, msg(c, "ask_idnum"), &v, 1);
		break;
	case DIALOG_S_EXPIRY:
		dbuf_subst(b, msg(c, "ask_expiry"), &v, 1);
		break;
	case DIALOG_S_BIRTH:
		dbuf_subst(b, msg(c, "ask_birth"), NULL, 0);
		break;
	case DIALOG_S_OTP: {
		struct dvar	t = { "tail", c->d->phone_tail, 0 };

		dbuf_subst(b, msg(c, "otp_ask"), &t, 1);
		break;
	}
	default:
		break;
	}
}

/* The language of the question screens (the language menu is in every
 * language: "", not transliterated). */
static void
ask_lang(const struct ctx *c, char lang[CATALOG_LANG_MAX])
{
	if (c->d->step == DIALOG_S_LANG)
		lang[0] = '\0';
	else
		ctx_lang(c, lang);
}

/* Show the question of the current step, after the error line err (text,
 * already filled) when given and when both fit. */
static void
ask_text(struct ctx *c, const char *err)
{
	char		q[DIALOG_TEXT_MAX], s[DIALOG_TEXT_MAX];
	char		lang[CATALOG_LANG_MAX];
	struct dbuf	bq, bs;

	ask_lang(c, lang);
	dbuf_init(&bq, q, sizeof(q));
	build_question(c, &bq);
	if (err != NULL) {
		dbuf_init(&bs, s, sizeof(s));
		dbuf_adds(&bs, err);
		dbuf_adds(&bs, "\n");
		dbuf_adds(&bs, q);
		if (dbuf_fits(&bs, c->conf, lang)) {
			emit_lang(c, lang, s);
			return;
		}
	}
	emit_lang(c, lang, q);
}

/* Show the question of the current step, after an error line if given. */
static void
ask(struct ctx *c, const char *errkey)
{
	char	lang[CATALOG_LANG_MAX];

	ask_lang(c, lang);
	ask_text(c, errkey != NULL ?
	    msg_lang(c->conf, c->cat, lang, errkey) : NULL);
}

/* One more bad answer: ask again with the error line, or give up. */
static void
bad_answer(struct ctx *c, const char *errkey)
{
	if (c->d->bad_inputs < DIALOG_BAD_MAX)
		c->d->bad_inputs++;
	if (c->d->bad_inputs >= max_bad(c->conf)) {
		finish_key(c, "too_many", DIALOG_OUTCOME_ERROR);
		return;
	}
	ask(c, errkey);
}

/* ---- answers ---- */

/* Trim spaces around in into out; -1 when NULL or too long. */
static int
input_trim(const char *in, char *out, size_t outsz)
{
	const char	*e;
	size_t		 n;

	out[0] = '\0';
	if (in == NULL)
		return -1;
	while (*in == ' ' || *in == '\t' || *in == '\r' || *in == '\n')
		in++;
	n = strnlen(in, outsz);
	if (n == outsz)
		return -1;
	e = in + n;
	while (e > in && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		e--;
	memcpy(out, in, (size_t)(e - in));
	out[e - in] = '\0';
	return 0;
}

/* s (within cap bytes) is minlen..maxlen ASCII digits and nothing else. */
static int
digits_ok(const char *s, size_t cap, size_t minlen, size_t maxlen)
{
	size_t	i;

	for (i = 0; i < cap && s[i] != '\0'; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return i < cap && i >= minlen && i <= maxlen;
}

/* Digits in a one-time code: the conf's, 0 (or too many to hold) is 6. */
static size_t
otp_digits(const struct dialog_conf *conf)
{
	if (conf->otp_length <= 0 || (size_t)conf->otp_length >=
	    sizeof(((struct dialog_out *)NULL)->otp_input))
		return DIALOG_OTP_DEFAULT;
	return (size_t)conf->otp_length;
}

/* "1".."999" (no sign, no leading zero) -> the number, else -1. */
static int
input_number(const char *s)
{
	int	n = 0;
	size_t	i, len = strlen(s);

	if (len == 0 || len > 3 || s[0] == '0')
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (s[i] - '0');
	}
	return n;
}

/* A birth date: a real day, not after today (when today is known). */
static int
parse_birth(const struct dialog_conf *conf, const char *in,
    struct parse_date *out)
{
	struct parse_date	dt;

	memset(&dt, 0, sizeof(dt));
	if (parse_date_user(in, &dt) == -1)
		return -1;
	if (conf->today_days > 0 && parse_date_days(&dt) > conf->today_days)
		return -1;
	*out = dt;
	return 0;
}

static int
parse_expiry(const char *in, struct parse_date *out)
{
	struct parse_date	dt;

	memset(&dt, 0, sizeof(dt));
	if (parse_date_user(in, &dt) == -1)
		return -1;
	*out = dt;
	return 0;
}

/* The first question not yet answered (the shortcut may have answered
 * some), or LOOKUP. */
static enum dialog_step
next_step(const struct dialog *d, const struct dialog_conf *conf)
{
	if (d->idtype == PARSE_ID_NONE)
		return DIALOG_S_IDTYPE;
	if (d->idnum[0] == '\0')
		return DIALOG_S_IDNUM;
	if (conf->check_expiry && !parse_date_is_set(&d->expiry))
		return DIALOG_S_EXPIRY;
	if (!parse_date_is_set(&d->birth))
		return DIALOG_S_BIRTH;
	return DIALOG_S_LOOKUP;
}

static void
dialog_advance(struct ctx *c)
{
	struct dialog	*d = c->d;

	if (c->conf->check_expiry && parse_date_is_set(&d->expiry) &&
	    parse_date_days(&d->expiry) < c->conf->today_days) {
		finish_key(c, "expired", DIALOG_OUTCOME_ERROR);
		return;
	}
	d->step = next_step(d, c->conf);
	if (d->step == DIALOG_S_LOOKUP) {
		c->out->need = DIALOG_NEED_LOOKUP;
		return;
	}
	ask(c, NULL);
}

/* An answer on a paged screen: remember it, fetch the list again. */
static void
page_input(struct ctx *c, const char *in, int ok)
{
	struct dialog	*d = c->d;
	int		 n;

	if (ok && strcmp(in, "0") == 0)
		d->pending = DIALOG_P_NEXT;
	else if (ok && strcmp(in, "00") == 0)
		d->pending = DIALOG_P_BACK;
	else if (ok && d->step == DIALOG_S_CATEGORY &&
	    (n = input_number(in)) > 0) {
		d->pending = DIALOG_P_CHOICE;
		d->pending_n = n;
	} else {
		if (d->bad_inputs < DIALOG_BAD_MAX)
			d->bad_inputs++;
		if (d->bad_inputs >= max_bad(c->conf)) {
			finish_key(c, "too_many", DIALOG_OUTCOME_ERROR);
			return;
		}
		d->pending = DIALOG_P_BAD;
	}
	c->out->need = d->step == DIALOG_S_CATEGORY ?
	    DIALOG_NEED_CATEGORIES : DIALOG_NEED_DOCS;
}

/* ---- paged lists ---- */

static void
pager_line(struct dbuf *b, int *first, const char *s)
{
	if (!*first)
		dbuf_adds(b, "\n");
	*first = 0;
	dbuf_adds(b, s);
}

/* err: an error line before the page (err_as_title: instead of its title). */
static void
pager_render(const struct pager *pg, int p, const struct page *pl,
    const char *err, int err_as_title, struct dbuf *b)
{
	char	num[16];
	int	first = 1, i;

	if (err != NULL && !err_as_title)
		pager_line(b, &first, err);
	if (pl->count > 0 || pg->tail == NULL)
		pager_line(b, &first, err != NULL && err_as_title ? err :
		    (p == 0 ? pg->title0 : pg->title));
	for (i = pl->start; i < pl->start + pl->count && i < pg->n; i++) {
		if (pg->numbered)
			snprintf(num, sizeof(num), "%d ", i + 1);
		else
			snprintf(num, sizeof(num), "- ");
		pager_line(b, &first, num);
		dbuf_add_clean(b, pg->item[i], pg->ilen[i], pl->cap);
	}
	if (!pl->last)
		pager_line(b, &first, pg->next);
	if (p > 0 && !(pl->last && pg->tail != NULL))
		pager_line(b, &first, pg->back);
	if (pl->last && pg->tail != NULL)
		pager_line(b, &first, pg->tail);
}

static int
pager_fits(const struct ctx *c, const struct pager *pg, int p,
    const struct page *pl)
{
	char		buf[DIALOG_TEXT_MAX], lang[CATALOG_LANG_MAX];
	struct dbuf	b;

	ctx_lang(c, lang);
	dbuf_init(&b, buf, sizeof(buf));
	pager_render(pg, p, pl, NULL, 0, &b);
	return dbuf_fits(&b, c->conf, lang);
}

/* Lay out page p, which starts at item s: as many items as fit. */
static void
pager_page(const struct ctx *c, const struct pager *pg, int p, int s,
    struct page *pl)
{
	struct page	t;
	int		rem = pg->n - s, cnt;
	size_t		lo, hi, mid;

	memset(pl, 0, sizeof(*pl));
	pl->start = s;
	if (rem <= 0) {			/* only the closing text is left */
		pl->last = 1;
		return;
	}
	t = *pl;
	for (cnt = 1; cnt <= rem; cnt++) {
		t.count = cnt;
		if (cnt < rem) {
			t.last = 0;
			if (pager_fits(c, pg, p, &t)) {
				*pl = t;
				continue;
			}
			/* All the rest, without "next", may still fit. */
			t.count = rem;
		}
		t.last = 1;
		if (pager_fits(c, pg, p, &t)) {
			*pl = t;
		} else if (pg->tail != NULL && t.count == cnt) {
			/* Every item fits but not the closing text too. */
			t.last = 0;
			if (pager_fits(c, pg, p, &t))
				*pl = t;
		}
		break;
	}
	if (pl->count > 0)
		return;

	/* Not even one whole item fits: one item, cut to fit. */
	pl->count = 1;
	pl->last = rem == 1 && pg->tail == NULL;
	lo = 1;
	hi = pg->ilen[s] + 1;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		pl->cap = mid;
		if (pager_fits(c, pg, p, pl))
			lo = mid;
		else
			hi = mid;
	}
	pl->cap = lo;
}

/* Lay out pages 0..want (or up to the last one); the page reached. */
static int
pager_walk(const struct ctx *c, const struct pager *pg, int want,
    struct page *pl)
{
	int	p, s = 0;

	for (p = 0;; p++) {
		pager_page(c, pg, p, s, pl);
		if (p >= want || pl->last)
			return p;
		s += pl->count;
	}
}

/* Show page p, with an error line when it fits (before the page, else in
 * place of its title). */
static void
pager_show(struct ctx *c, const struct pager *pg, int p,
    const struct page *pl, const char *err)
{
	char		buf[DIALOG_TEXT_MAX], lang[CATALOG_LANG_MAX];
	struct dbuf	b;
	int		mode;

	ctx_lang(c, lang);
	for (mode = 0; mode < 3; mode++) {
		if (err == NULL && mode < 2)
			continue;
		dbuf_init(&b, buf, sizeof(buf));
		pager_render(pg, p, pl, mode < 2 ? err : NULL, mode == 1, &b);
		if (dbuf_fits(&b, c->conf, lang))
			break;
	}
	emit_lang(c, lang, buf);
}

/*
 * Apply the pending action to a paged list: move the page, or count a bad
 * answer. Returns the page to show, with *err set to the error line key
 * (or NULL), or -1 when the dialog ended (too many bad answers).
 */
static int
pager_pending(struct ctx *c, const struct pager *pg, const char **err)
{
	struct dialog	*d = c->d;
	struct page	 pl;
	int		 cur, want, bad = 0;

	*err = NULL;
	cur = pager_walk(c, pg, d->page < 0 ? 0 : d->page, &pl);
	switch (d->pending) {
	case DIALOG_P_NEXT:
		want = pager_walk(c, pg, cur + 1, &pl);
		if (want == cur + 1)
			cur = want;
		else
			bad = 1;
		break;
	case DIALOG_P_BACK:
		if (cur > 0)
			cur--;
		else
			bad = 1;
		break;
	case DIALOG_P_BAD:
		*err = "err_choice";
		break;
	case DIALOG_P_GONE:
		*err = "cat_gone";
		break;
	case DIALOG_P_CHOICE:		/* handled by the caller */
		bad = 1;
		break;
	default:
		break;
	}
	if (bad) {
		if (d->bad_inputs < DIALOG_BAD_MAX)
			d->bad_inputs++;
		if (d->bad_inputs >= max_bad(c->conf)) {
			finish_key(c, "too_many", DIALOG_OUTCOME_ERROR);
			return -1;
		}
		*err = "err_choice";
	} else if (d->pending == DIALOG_P_NEXT || d->pending == DIALOG_P_BACK)
		d->bad_inputs = 0;
	d->page = cur;
	d->pending = DIALOG_P_NONE;
	d->pending_n = 0;
	return cur;
}

/* ---- public API ---- */

const char *
dialog_strstate(enum dialog_step s)
{
	switch (s) {
	case DIALOG_S_LANG:
		return "lang";
	case DIALOG_S_IDTYPE:
		return "idtype";
	case DIALOG_S_IDNUM:
		return "idnum";
	case DIALOG_S_EXPIRY:
		return "expiry";
	case DIALOG_S_BIRTH:
		return "birth";
	case DIALOG_S_LOOKUP:
		return "lookup";
	case DIALOG_S_CATEGORY:
		return "category";
	case DIALOG_S_DOCS:
		return "docs";
	case DIALOG_S_DONE:
		return "done";
	case DIALOG_S_OTP:
		return "otp";
	}
	return "?";
}

const char *
dialog_outcome_str(enum dialog_outcome o)
{
	switch (o) {
	case DIALOG_OUTCOME_NONE:
		return "none";
	case DIALOG_OUTCOME_A:
		return "A";
	case DIALOG_OUTCOME_B:
		return "B";
	case DIALOG_OUTCOME_C:
		return "C";
	case DIALOG_OUTCOME_D:
		return "D";
	case DIALOG_OUTCOME_MISMATCH:
		return "mismatch";
	case DIALOG_OUTCOME_LOCKED:
		return "locked";
	case DIALOG_OUTCOME_ERROR:
		return "error";
	case DIALOG_OUTCOME_ABORT:
		return "abort";
	}
	return "none";
}

/* A dial-string argument as a bounded string. */
static int
dial_arg(const struct parse_dial *dial, int i, char out[32])
{
	if (memchr(dial->args[i], '\0', sizeof(dial->args[i])) == NULL)
		return -1;
	memcpy(out, dial->args[i], sizeof(dial->args[i]));
	return 0;
}

/* Take what the shortcut answers; what is invalid is simply asked. */
static void
apply_args(struct dialog *d, const struct dialog_conf *conf,
    const struct parse_dial *dial, int nargs)
{
	char			a[32];
	int			n;
	enum parse_idtype	t;

	if (dial_arg(dial, 0, a) == 0) {
		if ((n = input_number(a)) >= 1 && n <= 3)
			d->idtype = (enum parse_idtype)n;
		else if (parse_idtype(a, &t) == 0 && t != PARSE_ID_NONE)
			d->idtype = t;
	}
	if (nargs >= 2 && dial_arg(dial, 1, a) == 0 &&
	    parse_id_number(a, d->idnum, sizeof(d->idnum)) == -1)
		memset(d->idnum, 0, sizeof(d->idnum));
	if (nargs == 3 && dial_arg(dial, 2, a) == 0)
		(void)parse_birth(conf, a, &d->birth);
	if (nargs >= 4) {
		if (conf->check_expiry && dial_arg(dial, 2, a) == 0)
			(void)parse_expiry(a, &d->expiry);
		if (dial_arg(dial, 3, a) == 0)
			(void)parse_birth(conf, a, &d->birth);
	}
}

void
dialog_begin(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const struct parse_dial *dial,
    struct dialog_out *out)
{
	struct ctx	c = { d, conf, cat, out };
	int		nargs = 0;

	memset(d, 0, sizeof(*d));
	memset(out, 0, sizeof(*out));
	d->step = DIALOG_S_LANG;
	if (dial != NULL) {
		nargs = dial->nargs;
		if (nargs < 0)
			nargs = 0;
		if (nargs > PARSE_DIAL_MAXARGS)
			nargs = PARSE_DIAL_MAXARGS;
	}
	if (nargs > 0 || conf_nlangs(conf) == 1)
		conf_lang(conf, cat, 0, d->lang);
	if (nargs > 0)
		apply_args(d, conf, dial, nargs);
	if (d->lang[0] == '\0')
		ask(&c, NULL);
	else
		dialog_advance(&c);
}

void
dialog_input(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const char *input, struct dialog_out *out)
{
	struct ctx		c = { d, conf, cat, out };
	struct parse_date	dt;
	char			in[DIALOG_INPUT_MAX];
	int			ok, n;

	memset(out, 0, sizeof(*out));
	ok = input_trim(input, in, sizeof(in)) == 0;
	switch (d->step) {
	case DIALOG_S_LANG:
		n = ok ? input_number(in) : -1;
		if (n < 1 || n > conf_nlangs(conf)) {
			bad_answer(&c, "err_choice");
			return;
		}
		conf_lang(conf, cat, n - 1, d->lang);
		break;
	case DIALOG_S_IDTYPE:
		n = ok ? input_number(in) : -1;
		if (n < 1 || n > 3) {
			bad_answer(&c, "err_choice");
			return;
		}
		d->idtype = (enum parse_idtype)n;
		break;
	case DIALOG_S_IDNUM:
		if (!ok || parse_id_number(in, d->idnum, sizeof(d->idnum)) == -1) {
			memset(d->idnum, 0, sizeof(d->idnum));
			bad_answer(&c, "err_idnum");
			return;
		}
		break;
	case DIALOG_S_EXPIRY:
		if (!ok || parse_expiry(in, &dt) == -1) {
			bad_answer(&c, "err_date");
			return;
		}
		d->expiry = dt;
		break;
	case DIALOG_S_BIRTH:
		if (!ok || parse_birth(conf, in, &dt) == -1) {
			bad_answer(&c, "err_date");
			return;
		}
		d->birth = dt;
		break;
	case DIALOG_S_CATEGORY:
	case DIALOG_S_DOCS:
		page_input(&c, in, ok);
		return;
	case DIALOG_S_OTP:
		/* The code goes to the gateway in out, never into d. */
		if (!ok || strlen(in) != otp_digits(conf) ||
		    !digits_ok(in, sizeof(in), 1, otp_digits(conf))) {
			explicit_bzero(in, sizeof(in));
			bad_answer(&c, "err_otp");
			return;
		}
		memcpy(out->otp_input, in, strlen(in) + 1);
		explicit_bzero(in, sizeof(in));
		d->bad_inputs = 0;
		out->need = DIALOG_NEED_OTP_VERIFY;
		return;
	default:
		/* No answer is expected now (lookup in flight, or over). */
		finish_key(&c, "service_error", DIALOG_OUTCOME_ERROR);
		return;
	}
	d->bad_inputs = 0;
	dialog_advance(&c);
}

/* Birth date (and expiry, when checked and the registry has one) match. */
static int
details_match(const struct dialog *d, const struct dialog_conf *conf,
    const struct dialog_lookup *res)
{
	if (!parse_date_is_set(&res->birth) || !parse_date_is_set(&d->birth) ||
	    parse_date_cmp(&res->birth, &d->birth) != 0)
		return 0;
	if (conf->check_expiry && parse_date_is_set(&res->expiry) &&
	    (!parse_date_is_set(&d->expiry) ||
	    parse_date_cmp(&res->expiry, &d->expiry) != 0))
		return 0;
	return 1;
}

/* Fill tmpl's one {name} with value, cut to make the screen fit. */
static void
finish_var(struct ctx *c, const char *tmpl, const char *name,
    const char *value, enum dialog_outcome o)
{
	char		buf[DIALOG_TEXT_MAX], lang[CATALOG_LANG_MAX];
	struct dbuf	b;
	struct dvar	v = { name, value, 0 };
	size_t		lo = 1, hi = utf8_count(value), mid;

	ctx_lang(c, lang);
	dbuf_init(&b, buf, sizeof(buf));
	dbuf_subst(&b, tmpl, &v, 1);
	if (!dbuf_fits(&b, c->conf, lang) && hi > 1) {
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			v.maxcp = mid;
			dbuf_init(&b, buf, sizeof(buf));
			dbuf_subst(&b, tmpl, &v, 1);
			if (dbuf_fits(&b, c->conf, lang))
				lo = mid;
			else
				hi = mid;
		}
		v.maxcp = lo;
		dbuf_init(&b, buf, sizeof(buf));
		dbuf_subst(&b, tmpl, &v, 1);
	}
	finish(c, buf, o);
}

/* tail: the last DIALOG_TAIL_LEN digits of s (1..cap-1 digits), or -1. */
static int
tail_of(const char *s, size_t cap, char tail[DIALOG_TAIL_LEN + 1])
{
	size_t	n;

	if (!digits_ok(s, cap, 1, cap - 1))
		return -1;
	n = strlen(s);
	if (n > DIALOG_TAIL_LEN)
		s += n - DIALOG_TAIL_LEN;
	memcpy(tail, s, strlen(s) + 1);
	return 0;
}

/*
 * Case B, details matched: keep the matricule (shown only once the OTP is
 * right) and the phone on record, and have the gateway issue an OTP. The
 * step stays LOOKUP until the gateway says the code went out.
 */
static void
otp_issue(struct ctx *c, const struct dialog_lookup *res)
{
	struct dialog	*d = c->d;

	if (!digits_ok(res->matricule, sizeof(res->matricule), 1,
	    DIALOG_MATRICULE_MAX)) {
		log_warnx("dialog: registered record without a usable "
		    "matricule");
		finish_key(c, "service_error", DIALOG_OUTCOME_ERROR);
		return;
	}
	memcpy(d->matricule, res->matricule, strlen(res->matricule) + 1);
	memset(d->phone, 0, sizeof(d->phone));
	if (digits_ok(res->phone, sizeof(res->phone), 1, DIALOG_PHONE_MAX))
		memcpy(d->phone, res->phone, strlen(res->phone) + 1);
	else if (res->phone[0] != '\0')
		log_warnx("dialog: registered phone is not digits, taken as "
		    "none");
	memset(d->phone_tail, 0, sizeof(d->phone_tail));
	d->bad_inputs = 0;
	d->page = 0;
	d->pending = DIALOG_P_NONE;
	d->pending_n = 0;
	c->out->need = DIALOG_NEED_OTP_ISSUE;
}

void
dialog_on_lookup(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const struct dialog_lookup *res,
    struct dialog_out *out)
{
	struct ctx	c = { d, conf, cat, out };
	char		mat[sizeof(res->matricule)];
	char		reason[sizeof(res->reason_text)];

	memset(out, 0, sizeof(*out));
	if (d->step != DIALOG_S_LOOKUP || res == NULL ||
	    res->status == DIALOG_FETCH_ERROR) {
		finish_key(&c, "service_error", DIALOG_OUTCOME_ERROR);
		return;
	}
	if (res->status == DIALOG_FETCH_LOCKED) {
		/* The same words whatever the limit: nothing to probe. */
		finish_key(&c, "locked", DIALOG_OUTCOME_LOCKED);
		return;
	}
	if (res->status != DIALOG_FETCH_OK) {
		finish_key(&c, "service_error", DIALOG_OUTCOME_ERROR);
		return;
	}
	snprintf(mat, sizeof(mat), "%.*s", (int)sizeof(mat) - 1,
	    res->matricule);
	snprintf(reason, sizeof(reason), "%.*s", (int)sizeof(reason) - 1,
	    res->reason_text);

	switch (res->reg) {
	case DIALOG_REG_REGISTERED:
		if (!details_match(d, conf, res)) {
			/* Never the matricule here; the gateway counts it. */
			out->record_failure = 1;
			finish_key(&c, "mismatch", DIALOG_OUTCOME_MISMATCH);
		} else if (res->has_account)
			finish_var(&c, msg(&c, "result_a"), "matricule", mat,
			    DIALOG_OUTCOME_A);
		else
			otp_issue(&c, res);
		break;
	case DIALOG_REG_INELIGIBLE:
		/* The reason is personal too: shown only when the details
		 * match (when the registry holds a birth date to match). */
		if (parse_date_is_set(&res->birth) &&
		    !details_match(d, conf, res)) {
			out->record_failure = 1;
			finish_key(&c, "mismatch", DIALOG_OUTCOME_MISMATCH);
		} else if (utf8_count(reason) == 0)
			finish_key(&c, "ineligible_generic", DIALOG_OUTCOME_D);
		else
			finish_var(&c, msg(&c, "ineligible"), "reason", reason,
			    DIALOG_OUTCOME_D);
		break;
	case DIALOG_REG_NOT_FOUND:
		d->step = DIALOG_S_CATEGORY;
		d->page = 0;
		d->bad_inputs = 0;
		d->pending = DIALOG_P_SHOW;
		d->pending_n = 0;
		out->need = DIALOG_NEED_CATEGORIES;
		break;
	default:
		finish_key(&c, "service_error", DIALOG_OUTCOME_ERROR);
		break;
	}
}

/* Common answers to a failed list fetch; 1 when the dialog ended. */
static int
fetch_failed(struct ctx *c, int ok_step, enum dialog_fetch_status st,
    int null_res)
{
	if (!ok_step || null_res || st == DIALOG_FETCH_ERROR) {
		finish_key(c, "service_error", DIALOG_OUTCOME_ERROR);
		return 1;
	}
	if (st == DIALOG_FETCH_LOCKED) {
		finish_key(c, "locked", DIALOG_OUTCOME_LOCKED);
		return 1;
	}
	if (st != DIALOG_FETCH_OK) {
		finish_key(c, "service_error", DIALOG_OUTCOME_ERROR);
		return 1;
	}
	return 0;
}

void
dialog_on_categories(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const struct dialog_categories *res,
    struct dialog_out *out)
{
	struct ctx	 c = { d, conf, cat, out };
	struct pager	 pg;
	struct page	 pl;
	const char	*err;
	int		 i, n, p;

	memset(out, 0, sizeof(*out));
	if (fetch_failed(&c, d->step == DIALOG_S_CATEGORY,
	    res ? res->status : DIALOG_FETCH_ERROR, res == NULL))
		return;
	n = res->n < 0 ? 0 : res->n;
	if (n > DIALOG_MAX_CATEGORIES)
		n = DIALOG_MAX_CATEGORIES;
	if (n == 0) {
		/* No list to choose from: where to go is all we can say. */
		finish_key(&c, "docs_where", DIALOG_OUTCOME_C);
		return;
	}

	if (d->pending == DIALOG_P_CHOICE) {
		if (d->pending_n >= 1 && d->pending_n <= n) {
			i = d->pending_n - 1;
			snprintf(d->cat_code, sizeof(d->cat_code), "%.*s",
			    (int)sizeof(d->cat_code) - 1, res->item[i].code);
			d->step = DIALOG_S_DOCS;
			d->page = 0;
			d->bad_inputs = 0;
			d->pending = DIALOG_P_SHOW;
			d->pending_n = 0;
			out->need = DIALOG_NEED_DOCS;
			return;
		}
		/* A number not in the list: a bad answer, below. */
	}

	memset(&pg, 0, sizeof(pg));
	pg.title0 = msg(&c, "cat_intro");
	pg.title = msg(&c, "cat_title");
	pg.next = msg(&c, "nav_next");
	pg.back = msg(&c, "nav_back");
	pg.numbered = 1;
	pg.n = n;
	for (i = 0; i < n; i++) {
		pg.item[i] = res->item[i].label;
		pg.ilen[i] = strnlen(res->item[i].label,
		    sizeof(res->item[i].label));
	}
	if ((p = pager_pending(&c, &pg, &err)) == -1)
		return;
	(void)pager_walk(&c, &pg, p, &pl);
	pager_show(&c, &pg, p, &pl, err ? msg(&c, err) : NULL);
}

void
dialog_on_docs(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const struct dialog_docs *res,
    struct dialog_out *out)
{
	struct ctx	 c = { d, conf, cat, out };
	struct pager	 pg;
	struct page	 pl;
	char		 docs[DIALOG_DOCS_MAX];
	const char	*err;
	char		*s, *e, *bar;
	int		 p;

	memset(out, 0, sizeof(*out));
	if (fetch_failed(&c, d->step == DIALOG_S_DOCS,
	    res ? res->status : DIALOG_FETCH_ERROR, res == NULL))
		return;
	if (!res->found) {
		/* The category went away since the list was shown. */
		d->step = DIALOG_S_CATEGORY;
		d->page = 0;
		d->pending = DIALOG_P_GONE;
		d->pending_n = 0;
		memset(d->cat_code, 0, sizeof(d->cat_code));
		out->need = DIALOG_NEED_CATEGORIES;
		return;
	}

	memset(&pg, 0, sizeof(pg));
	pg.title0 = pg.title = msg(&c, "docs_title");
	pg.next = msg(&c, "nav_next");
	pg.back = msg(&c, "nav_back");
	pg.tail = msg(&c, "docs_where");
	snprintf(docs, sizeof(docs), "%.*s", (int)sizeof(docs) - 1,
	    res->documents);
	for (s = docs; s != NULL && pg.n < DIALOG_ITEMS_MAX; s = bar) {
		if ((bar = strchr(s, '|')) != NULL)
			*bar++ = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*s == '\0')
			continue;
		pg.item[pg.n] = s;
		pg.ilen[pg.n] = (size_t)(e - s);
		pg.n++;
	}
	if (d->pending == DIALOG_P_GONE || d->pending == DIALOG_P_CHOICE)
		d->pending = DIALOG_P_BAD;
	if ((p = pager_pending(&c, &pg, &err)) == -1)
		return;
	(void)pager_walk(&c, &pg, p, &pl);
	if (pl.last) {
		c.d->step = DIALOG_S_DONE;
		c.d->outcome = DIALOG_OUTCOME_C;
		out->end = 1;
		out->outcome = DIALOG_OUTCOME_C;
	}
	pager_show(&c, &pg, p, &pl, err ? msg(&c, err) : NULL);
}

/* ---- state <-> text: "D2|step|lang|idtype|idnum|expiry|birth|page|bad|
 * cat_code|outcome|pending|pending_n|matricule|phone|phone_tail", cat_code
 * %XX-escaped, the last three digits only. D1 (without the last three) is
 * refused: a session lives minutes, not across an upgrade. ---- */

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
	snprintf(out, 16, "%04d-%02d-%02d", d->y, d->m, d->d);
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

int
dialog_encode(const struct dialog *d, char *buf, size_t bufsz)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 ex[16], bi[16];
	char			 code[DIALOG_CODE_MAX * 3 + 1];
	size_t			 i, j = 0;
	int			 n;

	if (d == NULL || buf == NULL || bufsz == 0)
		return -1;
	if ((int)d->step < DIALOG_S_LANG || d->step > DIALOG_S_OTP ||
	    !lang_ok(d->lang, sizeof(d->lang)) ||
	    (int)d->idtype < PARSE_ID_NONE || d->idtype > PARSE_ID_PASSPORT ||
	    !idnum_ok(d->idnum, sizeof(d->idnum)) ||
	    date_enc(&d->expiry, ex) == -1 || date_enc(&d->birth, bi) == -1 ||
	    d->page < 0 || d->page > DIALOG_PAGE_MAX ||
	    d->bad_inputs < 0 || d->bad_inputs > DIALOG_BAD_MAX ||
	    (int)d->outcome < DIALOG_OUTCOME_NONE ||
	    d->outcome > DIALOG_OUTCOME_ABORT ||
	    (int)d->pending < DIALOG_P_NONE || d->pending > DIALOG_P_GONE ||
	    d->pending_n < 0 || d->pending_n > DIALOG_CHOICE_MAX ||
	    memchr(d->cat_code, '\0', sizeof(d->cat_code)) == NULL ||
	    !digits_ok(d->matricule, sizeof(d->matricule), 0,
	    DIALOG_MATRICULE_MAX) ||
	    !digits_ok(d->phone, sizeof(d->phone), 0, DIALOG_PHONE_MAX) ||
	    !digits_ok(d->phone_tail, sizeof(d->phone_tail), 0,
	    DIALOG_TAIL_LEN))
		return -1;
	for (i = 0; d->cat_code[i] != '\0'; i++) {
		unsigned char	ch = (unsigned char)d->cat_code[i];

		if (code_safe(ch))
			code[j++] = (char)ch;
		else {
			code[j++] = '%';
			code[j++] = hex[ch >> 4];
			code[j++] = hex[ch & 15];
		}
	}
	code[j] = '\0';
	n = snprintf(buf, bufsz, DIALOG_ENC_VERSION
	    "|%d|%s|%d|%s|%s|%s|%d|%d|%s|%d|%d|%d|%s|%s|%s",
	    (int)d->step, d->lang, (int)d->idtype, d->idnum, ex, bi, d->page,
	    d->bad_inputs, code, (int)d->outcome, (int)d->pending,
	    d->pending_n, d->matricule, d->phone, d->phone_tail);
	if (n < 0 || (size_t)n >= bufsz || n > DIALOG_ENCODED_MAX)
		return -1;
	return n;
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

static int
decode_fields(struct dialog *d, char *tmp)
{
	char	*f[DIALOG_ENC_FIELDS], *p = tmp;
	int	 i, v;

	for (i = 0; i < DIALOG_ENC_FIELDS; i++) {
		f[i] = p;
		p = strchr(p, '|');
		if (i == DIALOG_ENC_FIELDS - 1) {
			if (p != NULL)
				return -1;
		} else {
			if (p == NULL)
				return -1;
			*p++ = '\0';
		}
	}
	if (strcmp(f[0], DIALOG_ENC_VERSION) != 0)
		return -1;
	if (dec_field(f[1], DIALOG_S_OTP, &v) == -1)
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
	if (dec_field(f[7], DIALOG_PAGE_MAX, &d->page) == -1 ||
	    dec_field(f[8], DIALOG_BAD_MAX, &d->bad_inputs) == -1)
		return -1;
	if (code_field(f[9], d->cat_code, sizeof(d->cat_code)) == -1)
		return -1;
	if (dec_field(f[10], DIALOG_OUTCOME_ABORT, &v) == -1)
		return -1;
	d->outcome = (enum dialog_outcome)v;
	if (dec_field(f[11], DIALOG_P_GONE, &v) == -1)
		return -1;
	d->pending = (enum dialog_pending)v;
	if (dec_field(f[12], DIALOG_CHOICE_MAX, &d->pending_n) == -1)
		return -1;
	if (!digits_ok(f[13], sizeof(d->matricule), 0, DIALOG_MATRICULE_MAX) ||
	    !digits_ok(f[14], sizeof(d->phone), 0, DIALOG_PHONE_MAX) ||
	    !digits_ok(f[15], sizeof(d->phone_tail), 0, DIALOG_TAIL_LEN))
		return -1;
	memcpy(d->matricule, f[13], strlen(f[13]) + 1);
	memcpy(d->phone, f[14], strlen(f[14]) + 1);
	memcpy(d->phone_tail, f[15], strlen(f[15]) + 1);

	/* What every path past a step has filled in. */
	if (d->step != DIALOG_S_LANG && d->lang[0] == '\0')
		return -1;
	if ((d->step == DIALOG_S_LOOKUP || d->step == DIALOG_S_CATEGORY ||
	    d->step == DIALOG_S_DOCS || d->step == DIALOG_S_OTP) &&
	    (d->idtype == PARSE_ID_NONE || d->idnum[0] == '\0' ||
	    !parse_date_is_set(&d->birth)))
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
	    d->phone_tail[0] == '\0' || d->pending != DIALOG_P_NONE))
		return -1;
	return 0;
}

int
dialog_decode(struct dialog *d, const char *buf, size_t len)
{
	char	tmp[DIALOG_ENCODED_MAX + 1], re[DIALOG_ENCODED_MAX + 1];
	int	n;

	if (d == NULL)
		return -1;
	memset(d, 0, sizeof(*d));
	if (buf == NULL || len == 0 || len > DIALOG_ENCODED_MAX ||
	    memchr(buf, '\0', len) != NULL)
		return -1;
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	if (decode_fields(d, tmp) == -1)
		goto bad;
	/* Only the one canonical spelling is accepted. */
	n = dialog_encode(d, re, sizeof(re));
	if (n < 0 || (size_t)n != len || memcmp(re, buf, len) != 0)
		goto bad;
	return 0;
bad:
	memset(d, 0, sizeof(*d));
	return -1;
}

/* ---- catalogue check ---- */

struct dialog_key {
	const char	*key;
	const char	*vars[2];	/* allowed {placeholders} */
	int		 required;	/* the first one must be there */
};

static const struct dialog_key dialog_keys[] = {
	{ "language_name", { NULL }, 0 },
	{ "ask_idtype", { NULL }, 0 },
	{ "idtype_cin", { NULL }, 0 },
	{ "idtype_sejour", { NULL }, 0 },
	{ "idtype_passport", { NULL }, 0 },
	{ "ask_idnum", { "idtype" }, 0 },
	{ "ask_expiry", { "idtype" }, 0 },
	{ "ask_birth", { NULL }, 0 },
	{ "err_choice", { NULL }, 0 },
	{ "err_idnum", { NULL }, 0 },
	{ "err_date", { NULL }, 0 },
	{ "too_many", { NULL }, 0 },
	{ "expired", { NULL }, 0 },
	{ "service_error", { NULL }, 0 },
	{ "locked", { NULL }, 0 },
	{ "result_a", { "matricule" }, 1 },
	{ "result_b", { "matricule", "tail" }, 1 },
	{ "otp_ask", { "tail" }, 0 },
	{ "err_otp", { NULL }, 0 },
	{ "otp_wrong", { "n" }, 1 },
	{ "otp_void", { NULL }, 0 },
	{ "otp_expired", { NULL }, 0 },
	{ "otp_already", { "tail" }, 0 },
	{ "sms_otp", { "otp", "minutes" }, 1 },
	{ "sms_password", { "password", "matricule" }, 1 },
	{ "mismatch", { NULL }, 0 },
	{ "ineligible", { "reason" }, 1 },
	{ "ineligible_generic", { NULL }, 0 },
	{ "cat_intro", { NULL }, 0 },
	{ "cat_title", { NULL }, 0 },
	{ "cat_gone", { NULL }, 0 },
	{ "nav_next", { NULL }, 0 },
	{ "nav_back", { NULL }, 0 },
	{ "docs_title", { NULL }, 0 },
	{ "docs_where", { NULL }, 0 },
};

static int
check_err(char *err, size_t errsz, const char *lang, const char *key,
    const char *what, const char *name)
{
	if (err != NULL && errsz > 0)
		snprintf(err, errsz, "%s/%s: %s%s%s%s", lang, key, what,
		    name ? " {" : "", name ? name : "", name ? "}" : "");
	return -1;
}

static int
check_placeholders(const char *lang, const struct dialog_key *k,
    const char *text, char *err, size_t errsz)
{
	const char	*p, *q;
	char		 name[40];
	size_t		 nl;
	int		 i, seen = 0;

	for (p = text; (p = strchr(p, '{')) != NULL; p = q + 1) {
		if ((q = strchr(p + 1, '}')) == NULL)
			break;
		nl = (size_t)(q - p - 1);
		snprintf(name, sizeof(name), "%.*s", (int)(nl < 39 ? nl : 39),
		    p + 1);
		for (i = 0; i < 2 && k->vars[i] != NULL; i++)
			if (strcmp(name, k->vars[i]) == 0)
				break;
		if (i == 2 || k->vars[i] == NULL)
			return check_err(err, errsz, lang, k->key,
			    "unknown placeholder", name);
		if (i == 0)
			seen = 1;
	}
	if (k->required && !seen)
		return check_err(err, errsz, lang, k->key,
		    "missing placeholder", k->vars[0]);
	return 0;
}

/* Screen "[pre\n]key-text[\npost...]" with placeholder values v (pre's
 * too); the first one is named in the error. */
static int
check_fits_v(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, const char *pre, const char *key, const struct dvar *v,
    int nv, const char *post, char *err, size_t errsz)
{
	char		buf[DIALOG_TEXT_MAX];
	struct dbuf	b;

	dbuf_init(&b, buf, sizeof(buf));
	if (pre != NULL) {
		dbuf_subst(&b, msg_lang(conf, cat, lang, pre), v, nv);
		dbuf_adds(&b, "\n");
	}
	dbuf_subst(&b, msg_lang(conf, cat, lang, key), v, nv);
	if (post != NULL) {
		dbuf_adds(&b, "\n");
		dbuf_adds(&b, post);
	}
	if (!dbuf_fits(&b, conf, lang))
		return check_err(err, errsz, lang, key,
		    pre ? "does not fit one USSD page with its error line" :
		    nv > 0 ? "does not fit one USSD page with this placeholder "
		    "at its longest:" : post ? "does not fit one USSD page "
		    "with a list item and navigation" :
		    "does not fit one USSD page", nv > 0 ? v[0].name : NULL);
	return 0;
}

/* Screen "[pre\n]key-text[\npost...]" with one placeholder value. */
static int
check_fits(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, const char *pre, const char *key, const char *var,
    const char *val, const char *post, char *err, size_t errsz)
{
	struct dvar	v = { var ? var : "", val ? val : "", 0 };

	return check_fits_v(conf, cat, lang, pre, key, &v, var ? 1 : 0, post,
	    err, errsz);
}

/* An SMS body with placeholders at their longest fits 2 SMS (sent as is:
 * accents kept, GSM 7-bit when every character is in the alphabet). */
static int
check_sms(const struct catalog *cat, const char *lang, const char *key,
    const char *const *kv, char *err, size_t errsz)
{
	char	buf[DIALOG_SMS_TEXT_MAX];
	long	n;

	if (dialog_render(cat, lang, key, kv, buf, sizeof(buf)) == -1)
		return check_err(err, errsz, lang, key, "too long an SMS",
		    NULL);
	if ((n = gsm_septets(buf)) >= 0 ? n > DIALOG_SMS_GSM7_MAX :
	    gsm_utf8_chars(buf) > DIALOG_SMS_UCS2_MAX)
		return check_err(err, errsz, lang, key, "does not fit 2 SMS "
		    "with its placeholders at their longest", NULL);
	return 0;
}

/* Case B: the OTP screens and the SMS bodies. */
static int
check_otp(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, const char *mat, char *err, size_t errsz)
{
	char		 otp[16], pw[80], tail[DIALOG_TAIL_LEN + 1];
	struct dvar	 v[2];
	size_t		 np;
	const char	*kv_otp[] = { "otp", otp, "minutes", DIALOG_OTP_MINUTES,
	    NULL };
	const char	*kv_pw[] = { "password", pw, "matricule", mat, NULL };

	memset(tail, '9', DIALOG_TAIL_LEN);
	tail[DIALOG_TAIL_LEN] = '\0';
	memset(otp, '9', otp_digits(conf));
	otp[otp_digits(conf)] = '\0';
	np = conf->password_length > 0 ? (size_t)conf->password_length :
	    DIALOG_PASSWORD_DEFAULT;
	if (np > sizeof(pw) - 1)
		np = sizeof(pw) - 1;
	memset(pw, 'W', np);
	pw[np] = '\0';

	v[0] = (struct dvar){ "tail", tail, 0 };
	v[1] = (struct dvar){ "n", "99", 0 };
	if (check_fits_v(conf, cat, lang, NULL, "otp_ask", v, 1, NULL, err,
	    errsz) == -1 ||
	    check_fits_v(conf, cat, lang, "err_otp", "otp_ask", v, 1, NULL,
	    err, errsz) == -1 ||
	    check_fits_v(conf, cat, lang, "otp_wrong", "otp_ask", v, 2, NULL,
	    err, errsz) == -1 ||
	    check_fits_v(conf, cat, lang, NULL, "otp_already", v, 1, NULL,
	    err, errsz) == -1 ||
	    check_fits(conf, cat, lang, NULL, "otp_void", NULL, NULL, NULL,
	    err, errsz) == -1 ||
	    check_fits(conf, cat, lang, NULL, "otp_expired", NULL, NULL, NULL,
	    err, errsz) == -1)
		return -1;
	v[0] = (struct dvar){ "matricule", mat, 0 };
	v[1] = (struct dvar){ "tail", tail, 0 };
	if (check_fits_v(conf, cat, lang, NULL, "result_b", v, 2, NULL, err,
	    errsz) == -1)
		return -1;
	if (check_sms(cat, lang, "sms_otp", kv_otp, err, errsz) == -1 ||
	    check_sms(cat, lang, "sms_password", kv_pw, err, errsz) == -1)
		return -1;
	return 0;
}

static int
check_lang(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, char *err, size_t errsz)
{
	static const char *const alone[] = { "too_many", "expired",
	    "service_error", "locked", "mismatch", "ineligible_generic",
	    "docs_where" };
	static const char *const idt[] = { "idtype_cin", "idtype_sejour",
	    "idtype_passport" };
	char		 slot[DIALOG_SLOT + 1], mat[DIALOG_MATRICULE_MAX + 1];
	char		 item0[96], itemn[256];
	const char	*t;
	size_t		 i;

	for (i = 0; i < sizeof(dialog_keys) / sizeof(dialog_keys[0]); i++) {
		if ((t = catalog_get(cat, lang, dialog_keys[i].key)) == NULL)
			return check_err(err, errsz, lang, dialog_keys[i].key,
			    "missing", NULL);
		if (check_placeholders(lang, &dialog_keys[i], t, err,
		    errsz) == -1)
			return -1;
	}
	memset(slot, 'x', DIALOG_SLOT);
	slot[DIALOG_SLOT] = '\0';
	memset(mat, '9', DIALOG_MATRICULE_MAX);
	mat[DIALOG_MATRICULE_MAX] = '\0';

	if (check_fits(conf, cat, lang, "err_choice", "ask_idtype", NULL, NULL,
	    NULL, err, errsz) == -1 ||
	    check_fits(conf, cat, lang, "err_date", "ask_birth", NULL, NULL,
	    NULL, err, errsz) == -1)
		return -1;
	for (i = 0; i < 3; i++) {
		t = catalog_get(cat, lang, idt[i]);
		if (check_fits(conf, cat, lang, "err_idnum", "ask_idnum",
		    "idtype", t, NULL, err, errsz) == -1 ||
		    check_fits(conf, cat, lang, "err_date", "ask_expiry",
		    "idtype", t, NULL, err, errsz) == -1)
			return -1;
	}
	for (i = 0; i < sizeof(alone) / sizeof(alone[0]); i++)
		if (check_fits(conf, cat, lang, NULL, alone[i], NULL, NULL,
		    NULL, err, errsz) == -1)
			return -1;
	if (check_fits(conf, cat, lang, NULL, "result_a", "matricule", mat,
	    NULL, err, errsz) == -1 ||
	    check_otp(conf, cat, lang, mat, err, errsz) == -1 ||
	    check_fits(conf, cat, lang, NULL, "ineligible", "reason", slot,
	    NULL, err, errsz) == -1)
		return -1;

	/* Paged lists: a title, one item of DIALOG_SLOT chars, navigation
	 * (an error line may replace the title, so it must fit there too). */
	snprintf(item0, sizeof(item0), "1 %s\n%s", slot,
	    msg_lang(conf, cat, lang, "nav_next"));
	snprintf(itemn, sizeof(itemn), "64 %s\n%s\n%s", slot,
	    msg_lang(conf, cat, lang, "nav_next"),
	    msg_lang(conf, cat, lang, "nav_back"));
	if (check_fits(conf, cat, lang, NULL, "cat_intro", NULL, NULL, item0,
	    err, errsz) == -1 ||
	    check_fits(conf, cat, lang, NULL, "cat_title", NULL, NULL, itemn,
	    err, errsz) == -1 ||
	    check_fits(conf, cat, lang, NULL, "err_choice", NULL, NULL, itemn,
	    err, errsz) == -1 ||
	    check_fits(conf, cat, lang, NULL, "cat_gone", NULL, NULL, itemn,
	    err, errsz) == -1 ||
	    check_fits(conf, cat, lang, NULL, "docs_title", NULL, NULL, itemn,
	    err, errsz) == -1)
		return -1;
	return 0;
}

int
dialog_check_catalog(const struct catalog *cat,
    const struct dialog_conf *conf, char *err, size_t errsz)
{
	char		lang[CATALOG_LANG_MAX], l0[CATALOG_LANG_MAX];
	char		buf[DIALOG_TEXT_MAX];
	struct dbuf	b;
	int		i;

	if (err != NULL && errsz > 0)
		err[0] = '\0';
	for (i = 0; i < conf_nlangs(conf); i++) {
		conf_lang(conf, cat, i, lang);
		if (check_lang(conf, cat, lang, err, errsz) == -1)
			return -1;
	}
	/* The language menu, in the first language's error line. */
	conf_lang(conf, cat, 0, l0);
	dbuf_init(&b, buf, sizeof(buf));
	dbuf_adds(&b, msg_lang(conf, cat, l0, "err_choice"));
	dbuf_adds(&b, "\n");
	build_lang_menu(conf, cat, &b);
	if (conf_nlangs(conf) > 1 && !dbuf_fits(&b, conf, ""))
		return check_err(err, errsz, l0, "language_name",
		    "the language menu does not fit one USSD page", NULL);
	return 0;
}

/*
 * Where the SMS went, into d->phone_tail: res's tail, else (keep: at the
 * verify step) the one kept since SENT, else the phone on record's. -1
 * when there is none.
 */
static int
otp_tail(struct dialog *d, const struct dialog_otp *res, int keep)
{
	char	t[DIALOG_TAIL_LEN + 1];

	if (tail_of(res->phone_tail, sizeof(res->phone_tail), t) == -1 &&
	    (!keep || tail_of(d->phone_tail, sizeof(d->phone_tail), t) == -1) &&
	    tail_of(d->phone, sizeof(d->phone), t) == -1)
		return -1;
	memset(d->phone_tail, 0, sizeof(d->phone_tail));
	memcpy(d->phone_tail, t, strlen(t) + 1);
	return 0;
}

void
dialog_on_otp(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const struct dialog_otp *res,
    struct dialog_out *out)
{
	struct ctx	c = { d, conf, cat, out };
	char		buf[DIALOG_TEXT_MAX], n[8];
	struct dbuf	b;
	struct dvar	v[2];
	int		issue, verify;

	memset(out, 0, sizeof(*out));
	issue = d->step == DIALOG_S_LOOKUP && d->matricule[0] != '\0' &&
	    memchr(d->matricule, '\0', sizeof(d->matricule)) != NULL;
	verify = d->step == DIALOG_S_OTP;
	if (res == NULL || (!issue && !verify)) {
		finish_key(&c, "service_error", DIALOG_OUTCOME_ERROR);
		return;
	}
	switch (res->status) {
	case DIALOG_OTP_SENT:
		if (!issue)
			break;
		if (otp_tail(d, res, 0) == -1) {
			log_warnx("dialog: OTP sent, but to no known number");
			break;
		}
		d->step = DIALOG_S_OTP;
		d->bad_inputs = 0;
		ask(&c, NULL);
		return;
	case DIALOG_OTP_ALREADY:
		/* No code was checked: the matricule is not on this screen. */
		if (!issue || otp_tail(d, res, 0) == -1)
			break;
		finish_var(&c, msg(&c, "otp_already"), "tail", d->phone_tail,
		    DIALOG_OUTCOME_B);
		return;
	case DIALOG_OTP_OK:
		if (!verify)
			break;
		(void)otp_tail(d, res, 1);
		v[0] = (struct dvar){ "matricule", d->matricule, 0 };
		v[1] = (struct dvar){ "tail", d->phone_tail, 0 };
		dbuf_init(&b, buf, sizeof(buf));
		dbuf_subst(&b, msg(&c, "result_b"), v, 2);
		finish(&c, buf, DIALOG_OUTCOME_B);
		return;
	case DIALOG_OTP_WRONG:
		if (!verify)
			break;
		if (res->attempts_left <= 0) {
			/* No try left is a void code, whatever it is called. */
			finish_key(&c, "otp_void", DIALOG_OUTCOME_ERROR);
			return;
		}
		snprintf(n, sizeof(n), "%d", res->attempts_left > DIALOG_N_MAX ?
		    DIALOG_N_MAX : res->attempts_left);
		v[0] = (struct dvar){ "n", n, 0 };
		dbuf_init(&b, buf, sizeof(buf));
		dbuf_subst(&b, msg(&c, "otp_wrong"), v, 1);
		ask_text(&c, buf);
		return;
	case DIALOG_OTP_VOID:
		if (!verify)
			break;
		finish_key(&c, "otp_void", DIALOG_OUTCOME_ERROR);
		return;
	case DIALOG_OTP_EXPIRED:
		if (!verify)
			break;
		finish_key(&c, "otp_expired", DIALOG_OUTCOME_ERROR);
		return;
	case DIALOG_OTP_LOCKED:
		/* The same words as the lookup's limits: nothing to probe. */
		finish_key(&c, "locked", DIALOG_OUTCOME_LOCKED);
		return;
	case DIALOG_OTP_ERROR:
	default:
		break;
	}
	finish_key(&c, "service_error", DIALOG_OUTCOME_ERROR);
}

int
dialog_render(const struct catalog *cat, const char *lang, const char *key,
    const char *const *kv, char *out, size_t outsz)
{
	struct dvar	 v[DIALOG_RENDER_VARS];
	struct dbuf	 b;
	const char	*t = NULL;
	int		 nv = 0;

	if (out == NULL || outsz == 0)
		return -1;
	out[0] = '\0';
	if (cat == NULL || key == NULL)
		return -1;
	if (lang != NULL)
		t = catalog_get(cat, lang, key);
	if (t == NULL && (t = catalog_get(cat, "fr", key)) == NULL)
		return -1;
	for (; kv != NULL && kv[0] != NULL; kv += 2) {
		if (kv[1] == NULL || nv == DIALOG_RENDER_VARS)
			return -1;
		v[nv++] = (struct dvar){ kv[0], kv[1], 0 };
	}
	dbuf_init(&b, out, outsz);
	dbuf_subst(&b, t, v, nv);
	if (b.over) {
		/* Half a body may hold half a secret. */
		explicit_bzero(out, outsz);
		return -1;
	}
	return 0;
}
