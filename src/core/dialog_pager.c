/*
 * dialog_pager: outside texts on USSD pages with nothing cut (DESIGN.md §1
 * "Nothing is cut"). Each line is measured once (septets, characters,
 * Latin-1 or not, as it is and transliterated): a page's measure is the
 * sum of its lines', so laying out a long list costs no re-rendering.
 */
#include "dialog_pager.h"

#include <string.h>

#include "dialog_impl.h"
#include "gsm.h"
#include "utf8.h"

#define PM_HUGE		1000000L	/* "does not fit" for a count */
#define PM_LINE		(REGISTRY_DOCS_MAX + 64)	/* longest line measured */

static const struct dialog_pager_meas pm_nl = { { 1, 1 }, { 1, 1 }, { 1, 1 } };
static const struct dialog_pager_acc pa_none;

static int
latin1(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	uint32_t		 cp;
	size_t			 k;

	while (*u != '\0') {
		if ((k = utf8_decode(u, SIZE_MAX, &cp)) == 0 || cp > 0xff)
			return 0;
		u += k;
	}
	return 1;
}

static void
meas_one(const char *s, struct dialog_pager_meas *m, int k)
{
	m->s[k] = gsm_septets(s);
	if ((m->c[k] = gsm_utf8_chars(s)) < 0)
		m->c[k] = PM_HUGE;
	m->l[k] = latin1(s);
}

static void
meas_text(int tr, const char *s, size_t len, struct dialog_pager_meas *m)
{
	char	raw[PM_LINE], t[PM_LINE * 2];

	if (len >= sizeof(raw)) {
		m->s[0] = m->s[1] = -1;
		m->c[0] = m->c[1] = PM_HUGE;
		m->l[0] = m->l[1] = 0;
		return;
	}
	memcpy(raw, s, len);
	raw[len] = '\0';
	meas_one(raw, m, 0);
	if (!tr) {
		m->s[1] = m->s[0];
		m->c[1] = m->c[0];
		m->l[1] = m->l[0];
	} else if (gsm_transliterate(raw, t, sizeof(t)) == 0)
		meas_one(t, m, 1);
	else {
		m->s[1] = -1;
		m->c[1] = PM_HUGE;
		m->l[1] = 0;
	}
}

static void
meas_add(struct dialog_pager_meas *a, const struct dialog_pager_meas *b)
{
	int	k;

	for (k = 0; k < 2; k++) {
		a->s[k] = a->s[k] < 0 || b->s[k] < 0 ? -1 : a->s[k] + b->s[k];
		a->c[k] = a->c[k] + b->c[k] > PM_HUGE ? PM_HUGE :
		    a->c[k] + b->c[k];
		a->l[k] = a->l[k] && b->l[k];
	}
}

/* gsm_fits_ussd's rule on a measure. */
static int
fit1(long s, long c, int l)
{
	if (s >= 0 && l)
		return s <= GSM_USSD_MAX_GSM7;
	if (s >= 0)
		return s <= GSM_USSD_MAX_GSM7 && c <= GSM_USSD_MAX_UCS2;
	return c <= GSM_USSD_MAX_UCS2;
}

static void
acc_line(struct dialog_pager_acc *a, const struct dialog_pager_meas *m)
{
	if (a->lines == 0)
		a->m = *m;
	else
		meas_add(&a->m, m);
	a->lines++;
}

static void
acc_join(struct dialog_pager_acc *a, const struct dialog_pager_acc *b)
{
	if (b->lines == 0)
		return;
	if (a->lines == 0) {
		*a = *b;
		return;
	}
	meas_add(&a->m, &b->m);
	a->lines += b->lines;
}

static int
acc_fits(const struct dialog_pager_acc *a, int tr)
{
	struct dialog_pager_meas	m;
	int		i;

	if (a->lines == 0)
		return 1;
	m = a->m;
	for (i = 1; i < a->lines; i++)
		meas_add(&m, &pm_nl);
	return fit1(m.s[0], m.c[0], m.l[0]) ||
	    (tr && fit1(m.s[1], m.c[1], m.l[1]));
}

/* ---- screens with outside text ---- */

int
dialog_pager_fits(const struct dialog_conf *conf, const char *lang,
    const char *text)
{
	char	t[DIALOG_TEXT_MAX];

	if (gsm_fits_ussd(text))
		return 1;
	if (!dialog_translit_on(conf, lang) ||
	    gsm_transliterate(text, t, sizeof(t)) == -1)
		return 0;
	return gsm_fits_ussd(t);
}

void
dialog_pager_final(const struct dialog_conf *conf, const char *lang,
    const char *text, char *out, size_t outsz)
{
	struct tbuf	b;

	if (gsm_fits_ussd(text) || !dialog_translit_on(conf, lang) ||
	    gsm_transliterate(text, out, outsz) == -1) {
		tbuf_init(&b, out, outsz);
		tbuf_adds(&b, text);
	}
}

/* ---- building ---- */

/* "12 " or "- " before an item's first piece, "" otherwise. */
static size_t
prefix(const struct dialog_pager_item *it, char out[16])
{
	size_t	n = 0;
	int	v = it->num, d = 1;

	if (it->style == DIALOG_PS_BULLET) {
		memcpy(out, "- ", 3);
		return 2;
	}
	if (it->style != DIALOG_PS_NUMBER) {
		out[0] = '\0';
		return 0;
	}
	if (v < 0)
		v = 0;
	if (v > 99999)
		v = 99999;
	while (v / d >= 10)
		d *= 10;
	for (; d > 0; d /= 10)
		out[n++] = (char)('0' + v / d % 10);
	out[n++] = ' ';
	out[n] = '\0';
	return n;
}


void
dialog_pager_init(struct dialog_pager *pg, const struct dialog_conf *conf,
    const char *lang)
{
	pg->conf = conf;
	memset(pg->lang, 0, sizeof(pg->lang));
	memcpy(pg->lang, lang, strnlen(lang, sizeof(pg->lang) - 1));
	pg->title0 = pg->title = pg->next = pg->back = NULL;
	pg->alt[0] = pg->alt[1] = NULL;
	pg->ready = 0;
	pg->back_on_last = 1;
	pg->n = 0;
	pg->used = 0;
	pg->buf[0] = '\0';
}

int
dialog_pager_add(struct dialog_pager *pg, const char *s, size_t len,
    int style, int num)
{
	struct dialog_pager_item	*it;
	struct tbuf			 b;
	size_t				 a, e;

	if (pg->n == DIALOG_PAGER_ITEMS || pg->used >= sizeof(pg->buf))
		return -1;
	len = strnlen(s, len);
	tbuf_init(&b, pg->buf + pg->used, sizeof(pg->buf) - pg->used);
	dialog_clean(&b, s, len);
	if (tbuf_end(&b) == -1)
		return -1;
	for (a = 0; a < b.len && (b.p[a] == ' ' || b.p[a] == '\t'); a++)
		;
	for (e = b.len; e > a && (b.p[e - 1] == ' ' || b.p[e - 1] == '\t');
	    e--)
		;
	if (e == a)
		return 0;
	pg->ready = 0;
	it = &pg->item[pg->n++];
	it->off = pg->used + a;
	it->len = e - a;
	it->style = style;
	it->num = num;
	pg->buf[pg->used + e] = '\0';
	pg->used += e + 1;
	return 0;
}

const char *
dialog_pager_text(const struct dialog_pager *pg, int i, size_t *len)
{
	*len = pg->item[i].len;
	return pg->buf + pg->item[i].off;
}

size_t
dialog_pager_prefix(const struct dialog_pager *pg, int i, char out[16])
{
	return prefix(&pg->item[i], out);
}

/* ---- layout ---- */

static int
pg_tr(const struct dialog_pager *pg)
{
	return dialog_translit_on(pg->conf, pg->lang);
}

/* The measure of item i's piece [o, e) (its prefix when o is 0). */
static void
piece_meas(const struct dialog_pager *pg, int i, size_t o, size_t e,
    struct dialog_pager_meas *m)
{
	const struct dialog_pager_item	*it = &pg->item[i];
	struct dialog_pager_meas			 t;
	char				 pre[16];
	size_t				 pl;

	meas_text(pg_tr(pg), pg->buf + it->off + o, e - o, m);
	if (o == 0 && (pl = prefix(it, pre)) > 0) {
		meas_text(0, pre, pl, &t);
		meas_add(m, &t);
	}
}

static void
line_meas(const struct dialog_pager *pg, const char *s, struct dialog_pager_acc *a)
{
	struct dialog_pager_meas	m;

	if (s == NULL)
		return;
	meas_text(pg_tr(pg), s, strlen(s), &m);
	acc_line(a, &m);
}

/* A page that starts at a closing line shows no title. */
static int
titled(const struct dialog_pager *pg, int si)
{
	return si >= pg->n || pg->item[si].style != DIALOG_PS_CLOSING;
}

/* Title and navigation of page p, which starts at item si: one variant
 * per line that may stand for the title (the title, the error lines). */
struct pbase {
	struct dialog_pager_acc	v[1 + DIALOG_PAGER_ALTS];
	int		n;
};

static void
base(const struct dialog_pager *pg, int p, int si, int last, struct pbase *a)
{
	const char	*title = p == 0 ? pg->title0 : pg->title;
	int		 k;

	memset(a, 0, sizeof(*a));
	a->n = 1;
	if (titled(pg, si) && title != NULL) {
		line_meas(pg, title, &a->v[0]);
		for (k = 0; k < DIALOG_PAGER_ALTS; k++)
			if (pg->alt[k] != NULL)
				line_meas(pg, pg->alt[k], &a->v[a->n++]);
	}
	for (k = 0; k < a->n; k++) {
		if (!last)
			line_meas(pg, pg->next, &a->v[k]);
		if (p > 0 && (!last || pg->back_on_last))
			line_meas(pg, pg->back, &a->v[k]);
	}
}

/* Every item measured whole, and what follows each (once per list). */
static void
layout_init(struct dialog_pager *pg)
{
	int	i;

	memset(&pg->rest[pg->n], 0, sizeof(pg->rest[pg->n]));
	for (i = pg->n - 1; i >= 0; i--) {
		piece_meas(pg, i, 0, pg->item[i].len, &pg->whole[i]);
		memset(&pg->rest[i], 0, sizeof(pg->rest[i]));
		acc_line(&pg->rest[i], &pg->whole[i]);
		acc_join(&pg->rest[i], &pg->rest[i + 1]);
	}
	pg->npages = 0;
	pg->done = 0;
	pg->ready = 1;
}

/* Everything from item i, byte o, on. */
static void
remaining(const struct dialog_pager *pg, int i, size_t o,
    struct dialog_pager_acc *a)
{
	struct dialog_pager_meas	m;

	memset(a, 0, sizeof(*a));
	if (i >= pg->n)
		return;
	if (o == 0) {
		*a = pg->rest[i];
		return;
	}
	piece_meas(pg, i, o, pg->item[i].len, &m);
	acc_line(a, &m);
	acc_join(a, &pg->rest[i + 1]);
}

/* Page furniture a (every variant), then b and c, fit one page. */
static int
fits3(const struct dialog_pager *pg, const struct pbase *a,
    const struct dialog_pager_acc *b, const struct dialog_pager_acc *c)
{
	struct dialog_pager_acc	t;
	int		k;

	for (k = 0; k < a->n; k++) {
		t = a->v[k];
		acc_join(&t, b);
		acc_join(&t, c);
		if (!acc_fits(&t, pg_tr(pg)))
			return 0;
	}
	return 1;
}

/* The end of the longest piece of item i from o that fits page p alone
 * (at a word boundary, else at a character one, else one character), and
 * where the next piece starts. */
static void
split(const struct dialog_pager *pg, int p, int i, size_t o, size_t *end,
    size_t *next)
{
	const char	*s = pg->buf + pg->item[i].off;
	size_t		 len = pg->item[i].len, j, b, best = o, k;
	struct pbase	 bs;
	struct dialog_pager_acc	 cur;
	struct dialog_pager_meas	 m;

	base(pg, p, i, 0, &bs);
	memset(&cur, 0, sizeof(cur));
	piece_meas(pg, i, o, o, &m);		/* the prefix alone */
	acc_line(&cur, &m);
	for (j = o; j < len; j = b) {
		for (b = j + 1; b < len && s[b] != ' '; b++)
			;
		meas_text(pg_tr(pg), s + j, b - j, &m);
		meas_add(&cur.m, &m);
		if (!fits3(pg, &bs, &cur, &pa_none))
			break;
		best = b;
	}
	if (best == o) {
		/* One word longer than a page: cut between characters. */
		memset(&cur, 0, sizeof(cur));
		piece_meas(pg, i, o, o, &m);
		acc_line(&cur, &m);
		for (j = o; j < len; j += k) {
			if ((k = utf8_decode((const unsigned char *)s + j,
			    len - j, NULL)) == 0)
				k = 1;
			meas_text(pg_tr(pg), s + j, k, &m);
			meas_add(&cur.m, &m);
			if (!fits3(pg, &bs, &cur, &pa_none))
				break;
			best = j + k;
		}
		if (best == o) {
			k = utf8_decode((const unsigned char *)s + o, len - o,
			    NULL);
			best = o + (k == 0 ? 1 : k);
		}
	}
	*end = best;
	for (k = best; k < len && s[k] == ' '; k++)
		;
	*next = k;
}

/*
 * May the closing lines from item i start on page p after other items?
 * Yes unless they would be split there while all of them fit a page of
 * their own (untitled, with "00").
 */
static int
closing_ok(const struct dialog_pager *pg, int p, int i)
{
	struct pbase	alone;

	if (pg->item[i].style != DIALOG_PS_CLOSING ||
	    (i > 0 && pg->item[i - 1].style == DIALOG_PS_CLOSING))
		return 1;
	base(pg, p + 1, i, 1, &alone);
	return !fits3(pg, &alone, &pg->rest[i], &pa_none);
}

static void
layout_page(const struct dialog_pager *pg, int p, int si, size_t so,
    struct dialog_page *pl)
{
	struct pbase			 b0, b1;
	struct dialog_pager_acc			 content, r, u;
	struct dialog_pager_meas			 m;
	size_t				 e, nx;
	int				 i = si;
	size_t				 o = so;

	memset(pl, 0, sizeof(*pl));
	memset(&content, 0, sizeof(content));
	pl->si = si;
	pl->so = so;
	base(pg, p, si, 0, &b0);
	base(pg, p, si, 1, &b1);
	for (;;) {
		if (i >= pg->n) {
			pl->ei = pg->n;
			pl->eo = 0;
			pl->last = 1;
			return;
		}
		remaining(pg, i, o, &r);
		if (fits3(pg, &b1, &content, &r)) {
			pl->ei = pg->n;
			pl->eo = 0;
			pl->last = 1;
			return;
		}
		memset(&u, 0, sizeof(u));
		if (o == 0)
			m = pg->whole[i];
		else
			piece_meas(pg, i, o, pg->item[i].len, &m);
		acc_line(&u, &m);
		if (content.lines > 0 && o == 0 && !closing_ok(pg, p, i)) {
			/* The closing lines stay together on a page of their
			 * own when they can. */
			pl->ei = i;
			pl->eo = 0;
			return;
		}
		if (fits3(pg, &b0, &content, &u)) {
			acc_join(&content, &u);
			i++;
			o = 0;
			continue;
		}
		if (content.lines > 0) {
			pl->ei = i;
			pl->eo = o;
			return;
		}
		split(pg, p, i, o, &e, &nx);
		if (nx >= pg->item[i].len) {
			pl->ei = i + 1;
			pl->eo = 0;
			pl->last = pl->ei >= pg->n;
		} else {
			pl->ei = i;
			pl->eo = nx;
		}
		return;
	}
}

int
dialog_pager_walk(struct dialog_pager *pg, int want, struct dialog_page *pl)
{
	struct dialog_page	*pp;
	int			 si = 0;
	size_t			 so = 0;

	if (!pg->ready)
		layout_init(pg);
	if (want < 0)
		want = 0;
	/* Pages are laid out once, from the first, as far as asked. */
	while (pg->npages <= want && !pg->done) {
		if (pg->npages > 0) {
			si = pg->page[pg->npages - 1].ei;
			so = pg->page[pg->npages - 1].eo;
		}
		pp = &pg->page[pg->npages];
		layout_page(pg, pg->npages, si, so, pp);
		if (pp->ei == si && pp->eo == so)
			pp->last = 1;		/* no progress: stop here */
		if (pp->last || pg->npages == DIALOG_PAGER_PAGES)
			pg->done = 1;
		pg->npages++;
	}
	if (want >= pg->npages)
		want = pg->npages - 1;
	*pl = pg->page[want];
	return want;
}

/* ---- rendering ---- */

static void
line(struct tbuf *b, int *first, const char *s, size_t n)
{
	if (!*first)
		tbuf_adds(b, "\n");
	*first = 0;
	tbuf_addn(b, s, n);
}

void
dialog_pager_render(const struct dialog_pager *pg, int p,
    const struct dialog_page *pl, const char *err, int err_as_title,
    struct tbuf *b)
{
	const char	*title = !titled(pg, pl->si) ? NULL : p == 0 ?
			    pg->title0 : pg->title;
	const char	*s;
	char		 pre[16], piece[PM_LINE + 16];
	size_t		 o, e, pn;
	int		 first = 1, i;

	if (err != NULL && !err_as_title)
		line(b, &first, err, strlen(err));
	if (err != NULL && err_as_title)
		line(b, &first, err, strlen(err));
	else if (title != NULL)
		line(b, &first, title, strlen(title));
	for (i = pl->si; i < pg->n && i <= pl->ei; i++) {
		s = pg->buf + pg->item[i].off;
		o = i == pl->si ? pl->so : 0;
		e = i == pl->ei ? pl->eo : pg->item[i].len;
		while (e > o && s[e - 1] == ' ')
			e--;
		if (e <= o)
			continue;
		pn = o == 0 ? prefix(&pg->item[i], pre) : 0;
		memcpy(piece, pre, pn);
		if (e - o > sizeof(piece) - pn - 1)
			e = o + (sizeof(piece) - pn - 1);
		memcpy(piece + pn, s + o, e - o);
		line(b, &first, piece, pn + (e - o));
	}
	if (!pl->last && pg->next != NULL)
		line(b, &first, pg->next, strlen(pg->next));
	if (p > 0 && (!pl->last || pg->back_on_last) && pg->back != NULL)
		line(b, &first, pg->back, strlen(pg->back));
}
