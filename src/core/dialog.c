/*
 * dialog: the USSD conversation of DESIGN.md §1 as a pure state machine.
 * Each call turns (state, answer or fetched data) into one screen that fits
 * a USSD page, the next state, and what the gateway must fetch next. The
 * state's text form is dialog_state.c's, the catalogue check dialog_check.c's.
 */
#include "dialog.h"

#include <stdio.h>
#include <string.h>

#include "dialog_impl.h"
#include "gsm.h"
#include "log.h"
#include "parse.h"
#include "tbuf.h"
#include "utf8.h"

#define DIALOG_BAD_DEFAULT	3	/* max_bad_inputs when the conf says 0 */
#define DIALOG_ITEMS_MAX	128	/* documents of one category we page */
#define DIALOG_INPUT_MAX	64	/* longer answers are bad answers */
#define DIALOG_ELLIPSIS		"..."
#define DIALOG_OTP_DEFAULT	6	/* otp_length when the conf says 0 */
#define DIALOG_N_MAX		99	/* {n} attempts left: 2 digits */
#define DIALOG_RENDER_VARS	8	/* name/value pairs dialog_render takes */

/* Everything one call works with. */
struct ctx {
	struct dialog			*d;
	const struct dialog_conf	*conf;
	const struct catalog		*cat;
	struct dialog_out		*out;
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

/*
 * Append outside text (labels, reasons, matricules from Redis): invalid
 * UTF-8 becomes '?', control characters a space, and at most maxcp
 * characters are kept (then an ellipsis) when maxcp > 0.
 */
static void
add_clean(struct tbuf *b, const char *s, size_t len, size_t maxcp)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, k, ncp = 0;

	while (i < len && u[i] != '\0') {
		if (maxcp > 0 && ncp == maxcp) {
			tbuf_adds(b, DIALOG_ELLIPSIS);
			return;
		}
		k = utf8_decode(u + i, len - i, NULL);
		if (k == 0) {
			tbuf_adds(b, "?");
			i++;
		} else if (k == 1 && (u[i] < 0x20 || u[i] == 0x7f)) {
			tbuf_adds(b, " ");
			i++;
		} else {
			tbuf_addn(b, s + i, k);
			i += k;
		}
		ncp++;
	}
}

/* Unknown placeholders are kept as written: dialog_check_catalog reports
 * them. */
void
dialog_subst(struct tbuf *b, const char *tmpl, const struct dialog_var *v,
    int nv)
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
				add_clean(b, v[i].value, strlen(v[i].value),
				    v[i].maxcp);
				p = q + 1;
				continue;
			}
		}
		tbuf_addn(b, p, 1);
		p++;
	}
}

/* ---- languages, texts, page fitting ---- */

int
dialog_nlangs(const struct dialog_conf *conf)
{
	if (conf->nlanguages <= 0)
		return 1;
	return conf->nlanguages > 8 ? 8 : conf->nlanguages;
}

/* The i-th menu language (bounded copy: the conf is plain data). */
void
dialog_conf_lang(const struct dialog_conf *conf, const struct catalog *cat,
    int i, char out[CATALOG_LANG_MAX])
{
	const char	*l = NULL;

	if (conf->nlanguages > 0 && i >= 0 && i < dialog_nlangs(conf))
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
		dialog_conf_lang(c->conf, c->cat, 0, out);
}

const char *
dialog_msg_lang(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, const char *key)
{
	char		 l0[CATALOG_LANG_MAX];
	const char	*t;

	if ((t = catalog_get(cat, lang, key)) != NULL)
		return t;
	dialog_conf_lang(conf, cat, 0, l0);
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
	return dialog_msg_lang(c->conf, c->cat, lang, key);
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

int
dialog_fits(const struct tbuf *b, const struct dialog_conf *conf,
    const char *lang)
{
	return tbuf_end(b) == 0 && screen_fits(conf, lang, b->p);
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

void
dialog_lang_menu(const struct dialog_conf *conf, const struct catalog *cat,
    struct tbuf *b)
{
	char		 l[CATALOG_LANG_MAX], num[16];
	const char	*name;
	int		 i;

	for (i = 0; i < dialog_nlangs(conf); i++) {
		dialog_conf_lang(conf, cat, i, l);
		if ((name = catalog_get(cat, l, "language_name")) == NULL)
			name = l;
		snprintf(num, sizeof(num), "%s%d ", i ? "\n" : "", i + 1);
		tbuf_adds(b, num);
		add_clean(b, name, strlen(name), 0);
	}
}

/* The question of the current step. */
static void
build_question(struct ctx *c, struct tbuf *b)
{
	const char	*k = idtype_key(c->d->idtype);
	struct dialog_var	 v = { "idtype", k ? msg(c, k) : "", 0 };

	switch (c->d->step) {
	case DIALOG_S_LANG:
		dialog_lang_menu(c->conf, c->cat, b);
		break;
	case DIALOG_S_IDTYPE:
		dialog_subst(b, msg(c, "ask_idtype"), NULL, 0);
		break;
	case DIALOG_S_IDNUM:
		dialog_subst(b, msg(c, "ask_idnum"), &v, 1);
		break;
	case DIALOG_S_EXPIRY:
		dialog_subst(b, msg(c, "ask_expiry"), &v, 1);
		break;
	case DIALOG_S_BIRTH:
		dialog_subst(b, msg(c, "ask_birth"), NULL, 0);
		break;
	case DIALOG_S_OTP: {
		struct dialog_var	t = { "tail", c->d->phone_tail, 0 };

		dialog_subst(b, msg(c, "otp_ask"), &t, 1);
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
	struct tbuf	bq, bs;

	ask_lang(c, lang);
	tbuf_init(&bq, q, sizeof(q));
	build_question(c, &bq);
	if (err != NULL) {
		tbuf_init(&bs, s, sizeof(s));
		tbuf_adds(&bs, err);
		tbuf_adds(&bs, "\n");
		tbuf_adds(&bs, q);
		if (dialog_fits(&bs, c->conf, lang)) {
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
	    dialog_msg_lang(c->conf, c->cat, lang, errkey) : NULL);
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

int
dialog_digits_ok(const char *s, size_t cap, size_t minlen, size_t maxlen)
{
	size_t	i;

	for (i = 0; i < cap && s[i] != '\0'; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return i < cap && i >= minlen && i <= maxlen;
}

size_t
dialog_otp_digits(const struct dialog_conf *conf)
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
pager_line(struct tbuf *b, int *first, const char *s)
{
	if (!*first)
		tbuf_adds(b, "\n");
	*first = 0;
	tbuf_adds(b, s);
}

/* err: an error line before the page (err_as_title: instead of its title). */
static void
pager_render(const struct pager *pg, int p, const struct page *pl,
    const char *err, int err_as_title, struct tbuf *b)
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
		add_clean(b, pg->item[i], pg->ilen[i], pl->cap);
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
	struct tbuf	b;

	ctx_lang(c, lang);
	tbuf_init(&b, buf, sizeof(buf));
	pager_render(pg, p, pl, NULL, 0, &b);
	return dialog_fits(&b, c->conf, lang);
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
	struct tbuf	b;
	int		mode;

	ctx_lang(c, lang);
	for (mode = 0; mode < 3; mode++) {
		if (err == NULL && mode < 2)
			continue;
		tbuf_init(&b, buf, sizeof(buf));
		pager_render(pg, p, pl, mode < 2 ? err : NULL, mode == 1, &b);
		if (dialog_fits(&b, c->conf, lang))
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
	if (nargs > 0 || dialog_nlangs(conf) == 1)
		dialog_conf_lang(conf, cat, 0, d->lang);
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
		if (n < 1 || n > dialog_nlangs(conf)) {
			bad_answer(&c, "err_choice");
			return;
		}
		dialog_conf_lang(conf, cat, n - 1, d->lang);
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
		if (!ok || strlen(in) != dialog_otp_digits(conf) ||
		    !dialog_digits_ok(in, sizeof(in), 1, dialog_otp_digits(conf))) {
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
	struct tbuf	b;
	struct dialog_var	v = { name, value, 0 };
	size_t		lo = 1, hi = utf8_chars(value), mid;

	ctx_lang(c, lang);
	tbuf_init(&b, buf, sizeof(buf));
	dialog_subst(&b, tmpl, &v, 1);
	if (!dialog_fits(&b, c->conf, lang) && hi > 1) {
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			v.maxcp = mid;
			tbuf_init(&b, buf, sizeof(buf));
			dialog_subst(&b, tmpl, &v, 1);
			if (dialog_fits(&b, c->conf, lang))
				lo = mid;
			else
				hi = mid;
		}
		v.maxcp = lo;
		tbuf_init(&b, buf, sizeof(buf));
		dialog_subst(&b, tmpl, &v, 1);
	}
	finish(c, buf, o);
}

/* tail: the last DIALOG_TAIL_LEN digits of s (1..cap-1 digits), or -1. */
static int
tail_of(const char *s, size_t cap, char tail[DIALOG_TAIL_LEN + 1])
{
	size_t	n;

	if (!dialog_digits_ok(s, cap, 1, cap - 1))
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

	if (!dialog_digits_ok(res->matricule, sizeof(res->matricule), 1,
	    DIALOG_MATRICULE_MAX)) {
		log_warnx("dialog: registered record without a usable "
		    "matricule");
		finish_key(c, "service_error", DIALOG_OUTCOME_ERROR);
		return;
	}
	memcpy(d->matricule, res->matricule, strlen(res->matricule) + 1);
	memset(d->phone, 0, sizeof(d->phone));
	if (dialog_digits_ok(res->phone, sizeof(res->phone), 1, DIALOG_PHONE_MAX))
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
		} else if (utf8_chars(reason) == 0)
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
	char		 docs[sizeof(res->documents)];
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
	struct tbuf	b;
	struct dialog_var	v[2];
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
		v[0] = (struct dialog_var){ "matricule", d->matricule, 0 };
		v[1] = (struct dialog_var){ "tail", d->phone_tail, 0 };
		tbuf_init(&b, buf, sizeof(buf));
		dialog_subst(&b, msg(&c, "result_b"), v, 2);
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
		v[0] = (struct dialog_var){ "n", n, 0 };
		tbuf_init(&b, buf, sizeof(buf));
		dialog_subst(&b, msg(&c, "otp_wrong"), v, 1);
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
	struct dialog_var	 v[DIALOG_RENDER_VARS];
	struct tbuf	 b;
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
		v[nv++] = (struct dialog_var){ kv[0], kv[1], 0 };
	}
	tbuf_init(&b, out, outsz);
	dialog_subst(&b, t, v, nv);
	if (tbuf_end(&b) == -1) {
		/* Half a body may hold half a secret. */
		explicit_bzero(out, outsz);
		return -1;
	}
	return 0;
}
