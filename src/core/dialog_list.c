/*
 * dialog_list: case C on paged lists — the categories, the documents
 * (with the receipt SMS and the offer of the proximity points), the
 * regions and their points, and a long end text (a D reason) page by
 * page. On SMS a list is one reply, whole, over two bodies when one does
 * not hold it (dialog_sms_list2).
 */
#include <string.h>

#include "dialog_impl.h"
#include "dialog_pager.h"
#include "log.h"
#include "tbuf.h"
#include "utf8.h"

#define DIALOG_ITEMS_MAX	128	/* documents of one category we page */

static void text_show(struct dialog_ctx *);

/* At most max bytes of s, cut to sz - 1 and NUL-ended: what
 * snprintf(out, sz, "%.*s", max, s) wrote, without the format parse. */
static void
list_copy(char *out, size_t sz, const char *s, size_t max)
{
	size_t n = strnlen(s, max < sz - 1 ? max : sz - 1);

	memcpy(out, s, n);
	out[n] = '\0';
}

/* Start a paged list step: its first page, fetched. */
void
dialog_list_start(struct dialog_ctx *c, enum dialog_step step, enum dialog_need need)
{
	c->d->step = step;
	c->d->page = 0;
	c->d->bad_inputs = 0;
	c->d->pending = DIALOG_P_SHOW;
	c->d->pending_n = 0;
	c->out->need = need;
}

/* An answer on a paged screen: remember it, fetch the list again (the
 * bad answers are counted when the list is back). */
void
dialog_list_input(struct dialog_ctx *c, const char *in, int ok)
{
	struct dialog	*d = c->d;
	int		 n;

	if (ok && d->channel == DIALOG_CH_SMS && in[0] == '\0')
		d->pending = DIALOG_P_SHOW;
	else if (ok && strcmp(in, "0") == 0)
		d->pending = DIALOG_P_NEXT;
	else if (ok && strcmp(in, "00") == 0)
		d->pending = DIALOG_P_BACK;
	else if (ok && (n = dialog_number(in)) > 0) {
		d->pending = DIALOG_P_CHOICE;
		d->pending_n = n;
	} else
		d->pending = DIALOG_P_BAD;
	c->out->need = d->step == DIALOG_S_CATEGORY ? DIALOG_NEED_CATEGORIES :
	    d->step == DIALOG_S_REGION ? DIALOG_NEED_REGIONS :
	    DIALOG_NEED_DOCS;
}

/* Common answers to a failed list fetch; 1 when the dialog ended. */
static int
fetch_failed(struct dialog_ctx *c, int ok_step, enum dialog_fetch_status st,
    int null_res)
{
	if (!ok_step || null_res || st == DIALOG_FETCH_ERROR) {
		dialog_fail(c);
		return 1;
	}
	if (st == DIALOG_FETCH_LOCKED) {
		dialog_locked(c);
		return 1;
	}
	if (st != DIALOG_FETCH_OK) {
		dialog_fail(c);
		return 1;
	}
	return 0;
}

static void
pager_start(struct dialog_ctx *c, struct dialog_pager *pg, const char *gone)
{
	char	lang[CATALOG_LANG_MAX];

	dialog_lang(c, lang);
	dialog_pager_init(pg, c->conf, lang);
	pg->next = dialog_msg(c, "nav_next");
	pg->back = dialog_msg(c, "nav_back");
	/* The error lines always find room in place of the title. */
	pg->alt[0] = dialog_msg(c, "err_choice");
	pg->alt[1] = gone != NULL ? dialog_msg(c, gone) : NULL;
}

/*
 * Apply the pending action to a paged list: move the page, or count a bad
 * answer. Returns the page to show, with *err set to the error line key
 * (or NULL), or -1 when the dialog ended (too many bad answers).
 */
static int
pager_pending(struct dialog_ctx *c, struct dialog_pager *pg, const char *gone,
    const char **err)
{
	struct dialog		*d = c->d;
	struct dialog_page	 pl;
	int			 cur, want, bad = 0;

	*err = NULL;
	cur = dialog_pager_walk(pg, d->page < 0 ? 0 : d->page, &pl);
	switch (d->pending) {
	case DIALOG_P_NEXT:
		want = dialog_pager_walk(pg, cur + 1, &pl);
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
	case DIALOG_P_GONE:
		*err = gone;
		break;
	case DIALOG_P_BAD:
	case DIALOG_P_CHOICE:		/* not one the caller handled */
		bad = 1;
		break;
	default:
		break;
	}
	if (bad) {
		if (dialog_count_bad(c))
			return -1;
		*err = "err_choice";
	} else if (d->pending == DIALOG_P_NEXT || d->pending == DIALOG_P_BACK)
		d->bad_inputs = 0;
	d->page = cur;
	d->pending = DIALOG_P_NONE;
	d->pending_n = 0;
	return cur;
}

/* Show page p, with an error line when it fits (before the page, else in
 * place of its title). */
static void
pager_show(struct dialog_ctx *c, struct dialog_pager *pg, int p,
    const struct dialog_page *pl, const char *err)
{
	char		buf[DIALOG_TEXT_MAX * 2], lang[CATALOG_LANG_MAX];
	struct tbuf	b;
	int		mode;

	dialog_lang(c, lang);
	for (mode = 0; mode < 3; mode++) {
		if (err == NULL && mode < 2)
			continue;
		tbuf_init(&b, buf, sizeof(buf));
		dialog_pager_render(pg, p, pl, mode < 2 ? err : NULL, mode == 1,
		    &b);
		if (tbuf_end(&b) == 0 && b.len < DIALOG_TEXT_MAX &&
		    dialog_pager_fits(c->conf, lang, buf))
			break;
	}
	dialog_emit(c, lang, buf, 1);
}

/* Walk to the page pending asks for and show it; -1 when the dialog
 * ended, else 1 when that page is the last. */
static int
pager_go(struct dialog_ctx *c, struct dialog_pager *pg, const char *gone)
{
	struct dialog_page	 pl;
	const char		*err;
	int			 p;

	if ((p = pager_pending(c, pg, gone, &err)) == -1)
		return -1;
	(void)dialog_pager_walk(pg, p, &pl);
	pager_show(c, pg, p, &pl, err ? dialog_msg(c, err) : NULL);
	return pl.last;
}

/*
 * On SMS a list is one reply: the pending answer, then the whole list, in
 * a second body when it does not fit one. A list that two bodies cannot
 * hold ends with "n more: TNS CAT" (more), and d->page keeps where the
 * next "TNS CAT" alone goes on; a bad answer sends the list from its top.
 */
static void
sms_list_show(struct dialog_ctx *c, const char *key, struct dialog_pager *pg,
    const char *gone, const char *more)
{
	char		 buf[DIALOG_SMS_MAX], buf2[DIALOG_SMS_MAX];
	char		 all[DIALOG_SMS_MAX], lang[CATALOG_LANG_MAX];
	const char	*err = NULL;
	struct tbuf	 b;
	int		 k, from = 0;

	dialog_lang(c, lang);
	if (c->d->pending == DIALOG_P_GONE)
		err = gone;
	else if (c->d->pending == DIALOG_P_BAD ||
	    c->d->pending == DIALOG_P_CHOICE) {
		if (dialog_count_bad(c))
			return;
		err = "err_choice";
	} else if (c->d->page > 0 && c->d->page < pg->n)
		from = c->d->page;
	c->d->pending = DIALOG_P_NONE;
	c->d->pending_n = 0;
	k = dialog_sms_list2(c->conf, c->cat, lang, key, NULL, 0, "list", pg,
	    from, pg->n, more, buf, buf2, sizeof(buf));
	if (k < 0)
		k = 0;
	if (from + k < pg->n)
		log_warnx("dialog: %d of %d items for a next SMS",
		    pg->n - from - k, pg->n);
	c->d->page = from + k < pg->n ? from + k : 0;
	tbuf_init(&b, all, sizeof(all));
	if (err != NULL) {
		tbuf_adds(&b, dialog_msg(c, err));
		tbuf_adds(&b, "\n");
	}
	tbuf_adds(&b, buf);
	if (tbuf_end(&b) == -1 || !dialog_sms_fits(all))
		dialog_emit(c, lang, buf, 0);
	else
		dialog_emit(c, lang, all, 0);
	dialog_sms_put2(c, buf2);
}

/*
 * An end screen that holds an outside text (a reason, a region): whole on
 * one page when it fits (with line when that fits too), else paged
 * (DIALOG_S_TEXT) with line at its end; the last page ends the dialog.
 */
void
dialog_list_long(struct dialog_ctx *c, const char *key, const char *var,
    const char *value, const char *line, enum dialog_outcome o)
{
	char			 buf[DIALOG_TEXT_MAX], lang[CATALOG_LANG_MAX];
	struct tbuf		 b;
	struct dialog_var	 v = { var, value, 0 };

	dialog_lang(c, lang);
	tbuf_init(&b, buf, sizeof(buf));
	dialog_subst(&b, dialog_msg(c, key), &v, 1);
	if (c->d->channel == DIALOG_CH_SMS || (tbuf_end(&b) == 0 &&
	    dialog_pager_fits(c->conf, lang, buf))) {
		dialog_finish_line(c, buf, line, o, 1);
		return;
	}
	tbuf_init(&b, c->d->text, sizeof(c->d->text));
	dialog_clean(&b, value, strlen(value));
	c->d->step = DIALOG_S_TEXT;
	c->d->outcome = o;
	c->d->page = 0;
	c->d->bad_inputs = 0;
	c->d->pending = DIALOG_P_SHOW;
	text_show(c);
}

/* DIALOG_S_TEXT: the template split at its {placeholder} around d->text. */
static void
text_show(struct dialog_ctx *c)
{
	struct dialog		*d = c->d;
	struct dialog_pager	 pg;
	struct dialog_page	 pl;
	const char		*tmpl, *ph, *sfx, *err = NULL;
	char			 pre[DIALOG_TEXT_MAX];
	size_t			 n;
	int			 p, pts = d->region > 0;

	if (d->channel != DIALOG_CH_USSD || d->text[0] == '\0') {
		dialog_fail(c);
		return;
	}
	pager_start(c, &pg, NULL);
	pg.back_on_last = 0;		/* the last page ends the dialog */
	tmpl = dialog_msg(c, pts ? "points_sent" : "ineligible");
	ph = strstr(tmpl, pts ? "{region}" : "{reason}");
	n = ph != NULL ? (size_t)(ph - tmpl) : strlen(tmpl);
	while (n > 0 && (tmpl[n - 1] == ' ' || tmpl[n - 1] == '\n'))
		n--;
	list_copy(pre, sizeof(pre), tmpl, n);
	pg.title0 = pre[0] ? pre : NULL;
	(void)dialog_pager_add(&pg, d->text, sizeof(d->text), DIALOG_PS_PLAIN,
	    0);
	if (ph != NULL && (sfx = strchr(ph, '}')) != NULL)
		(void)dialog_pager_add(&pg, sfx + 1, DIALOG_TEXT_MAX,
		    DIALOG_PS_PLAIN, 0);
	if (!pts && dialog_receipt_on(c, DIALOG_RECEIPT_D))
		(void)dialog_pager_add(&pg, dialog_msg(c, "result_sms"),
		    DIALOG_TEXT_MAX, DIALOG_PS_PLAIN, 0);
	if ((p = pager_pending(c, &pg, NULL, &err)) == -1)
		return;
	(void)dialog_pager_walk(&pg, p, &pl);
	if (pl.last)
		dialog_end(c, d->outcome);
	pager_show(c, &pg, p, &pl, err ? dialog_msg(c, err) : NULL);
}

/* A long text's pages: "0" next, "00" back. */
void
dialog_list_text_input(struct dialog_ctx *c, const char *in, int ok)
{
	c->d->pending = ok && strcmp(in, "0") == 0 ? DIALOG_P_NEXT :
	    ok && strcmp(in, "00") == 0 ? DIALOG_P_BACK : DIALOG_P_BAD;
	text_show(c);
}

void
dialog_list_categories(struct dialog_ctx *c, const struct dialog_categories *res)
{
	struct dialog			*d = c->d;
	struct dialog_pager	pg;
	int			i, n;

	if (fetch_failed(c, d->step == DIALOG_S_CATEGORY,
	    res ? res->status : DIALOG_FETCH_ERROR, res == NULL))
		return;
	n = res->n < 0 ? 0 : res->n;
	if (n > DIALOG_MAX_CATEGORIES)
		n = DIALOG_MAX_CATEGORIES;
	if (n == 0) {
		/* No list to choose from: where to go is all we can say. */
		dialog_finish(c, dialog_msg(c, "docs_where"), DIALOG_OUTCOME_C, 0);
		return;
	}
	if (d->pending == DIALOG_P_CHOICE && d->pending_n >= 1 &&
	    d->pending_n <= n) {
		i = d->pending_n - 1;
		list_copy(d->cat_code, sizeof(d->cat_code), res->item[i].code,
		    sizeof(d->cat_code) - 1);
		dialog_list_start(c, DIALOG_S_DOCS, DIALOG_NEED_DOCS);
		return;
	}
	/* A number not in the list is a bad answer (pager_pending). */
	pager_start(c, &pg, "cat_gone");
	pg.title0 = dialog_msg(c, "cat_intro");
	pg.title = dialog_msg(c, "cat_title");
	for (i = 0; i < n; i++)
		(void)dialog_pager_add(&pg, res->item[i].label,
		    sizeof(res->item[i].label), DIALOG_PS_NUMBER, i + 1);
	if (d->channel == DIALOG_CH_SMS)
		sms_list_show(c, "sms_cat_list", &pg, "cat_gone",
		    "sms_cat_more");
	else
		(void)pager_go(c, &pg, "cat_gone");
}

/* C's SMS into buf (and buf2 when it takes two bodies): the category and
 * its documents, one per line (the first ndocs items of pg). -1 when it
 * cannot be sent. */
static int
docs_sms(struct dialog_ctx *c, const struct dialog_docs *res,
    struct dialog_pager *pg, int ndocs, char *buf, char *buf2, size_t bufsz)
{
	char			 label[DIALOG_LABEL_MAX + 1];
	char			 lang[CATALOG_LANG_MAX];
	struct dialog_var	 v = { "category", label, 0 };
	struct tbuf		 b;
	int			 k;

	dialog_lang(c, lang);
	tbuf_init(&b, label, sizeof(label));
	dialog_clean(&b, res->label, sizeof(res->label));
	k = dialog_sms_list2(c->conf, c->cat, lang, "sms_result_c", &v, 1,
	    "documents", pg, 0, ndocs, "sms_list_more", buf, buf2, bufsz);
	if (k < 0)
		return -1;
	if (k < ndocs)
		log_warnx("dialog: %d documents left out of the SMS",
		    ndocs - k);
	return 0;
}

/* The last documents page was shown: "1" the points, else the end. */
static int
docs_last_answer(struct dialog_ctx *c, struct dialog_pager *pg)
{
	struct dialog		*d = c->d;
	struct dialog_page	 pl;

	if (d->outcome != DIALOG_OUTCOME_C || (d->pending != DIALOG_P_CHOICE &&
	    d->pending != DIALOG_P_NEXT && d->pending != DIALOG_P_BAD))
		return 0;
	(void)dialog_pager_walk(pg, d->page, &pl);
	if (!pl.last)
		return 0;
	if (d->pending == DIALOG_P_CHOICE && d->pending_n == 1) {
		dialog_list_start(c, DIALOG_S_REGION, DIALOG_NEED_REGIONS);
		d->region = 0;
		return 1;
	}
	dialog_finish(c, dialog_msg(c, "bye"), DIALOG_OUTCOME_C, 0);
	return 1;
}

void
dialog_list_docs(struct dialog_ctx *c, const struct dialog_docs *res)
{
	struct dialog			*d = c->d;
	struct dialog_pager	 pg;
	char			 docs[sizeof(res->documents)];
	char			 sms[DIALOG_SMS_MAX], sms2[DIALOG_SMS_MAX];
	char			*s, *bar;
	int			 first, ndocs, sent;

	if (fetch_failed(c, d->step == DIALOG_S_DOCS,
	    res ? res->status : DIALOG_FETCH_ERROR, res == NULL))
		return;
	if (!res->found) {
		/* The category went away since the list was shown. */
		dialog_list_start(c, DIALOG_S_CATEGORY, DIALOG_NEED_CATEGORIES);
		d->pending = DIALOG_P_GONE;
		memset(d->cat_code, 0, sizeof(d->cat_code));
		return;
	}
	first = d->pending == DIALOG_P_SHOW && d->page == 0 &&
	    d->outcome == DIALOG_OUTCOME_NONE;
	pager_start(c, &pg, NULL);
	pg.title0 = pg.title = dialog_msg(c, "docs_title");
	list_copy(docs, sizeof(docs), res->documents, sizeof(docs) - 1);
	for (s = docs; s != NULL && pg.n < DIALOG_ITEMS_MAX; s = bar) {
		if ((bar = strchr(s, '|')) != NULL)
			*bar++ = '\0';
		(void)dialog_pager_add(&pg, s, strlen(s), DIALOG_PS_BULLET, 0);
	}
	ndocs = pg.n;
	sent = (d->channel == DIALOG_CH_SMS || dialog_receipt_on(c,
	    DIALOG_RECEIPT_C)) && docs_sms(c, res, &pg, ndocs, sms, sms2,
	    sizeof(sms)) == 0;
	if (d->channel == DIALOG_CH_SMS) {
		dialog_end(c, DIALOG_OUTCOME_C);
		if (sent) {
			dialog_sms_put(c, sms, "reply");
			dialog_sms_put2(c, sms2);
		} else
			dialog_emit_text(c, dialog_msg(c, "docs_where"), 0);
		return;
	}
	if (first && sent) {
		dialog_sms_put(c, sms, "receipt");
		dialog_sms_put2(c, sms2);
	}
	(void)dialog_pager_add(&pg, dialog_msg(c, "docs_where"), DIALOG_TEXT_MAX,
	    DIALOG_PS_CLOSING, 0);
	if (sent)
		(void)dialog_pager_add(&pg, dialog_msg(c, "docs_sms"),
		    DIALOG_TEXT_MAX, DIALOG_PS_CLOSING, 0);
	(void)dialog_pager_add(&pg, dialog_msg(c, "points_offer"), DIALOG_TEXT_MAX,
	    DIALOG_PS_CLOSING, 0);
	if (docs_last_answer(c, &pg))
		return;
	if (pager_go(c, &pg, NULL) == 1)
		d->outcome = DIALOG_OUTCOME_C;	/* reached; "1" may follow */
}

void
dialog_list_regions(struct dialog_ctx *c, const struct dialog_regions *res)
{
	struct dialog			*d = c->d;
	struct dialog_out		*out = c->out;
	struct dialog_pager	pg;
	int			i, n;

	if (fetch_failed(c, d->step == DIALOG_S_REGION && d->region == 0,
	    res ? res->status : DIALOG_FETCH_ERROR, res == NULL))
		return;
	n = res->n < 0 ? 0 : res->n;
	if (n > DIALOG_REGIONS_MAX)
		n = DIALOG_REGIONS_MAX;
	if (n == 0) {
		dialog_finish(c, dialog_msg(c, "docs_where"), DIALOG_OUTCOME_C, 0);
		return;
	}
	if (d->pending == DIALOG_P_CHOICE && d->pending_n >= 1 &&
	    d->pending_n <= n) {
		d->region = d->pending_n;
		d->pending = DIALOG_P_NONE;
		d->pending_n = 0;
		d->bad_inputs = 0;
		out->need = DIALOG_NEED_POINTS;
		return;
	}
	pager_start(c, &pg, "region_gone");
	pg.title0 = pg.title = dialog_msg(c, "region_title");
	for (i = 0; i < n; i++)
		(void)dialog_pager_add(&pg, res->name[i], sizeof(res->name[i]),
		    DIALOG_PS_NUMBER, i + 1);
	(void)pager_go(c, &pg, "region_gone");
}

void
dialog_list_points(struct dialog_ctx *c, const struct dialog_points *res)
{
	struct dialog			*d = c->d;
	const struct dialog_conf	*conf = c->conf;
	const struct catalog		*cat = c->cat;
	struct dialog_out		*out = c->out;
	struct dialog_pager	 pg;
	char			 region[DIALOG_LABEL_MAX + 1];
	char			 buf[DIALOG_SMS_MAX], buf2[DIALOG_SMS_MAX];
	char			 lang[CATALOG_LANG_MAX];
	char			 pt[sizeof(res->point[0]) * 2];
	struct dialog_var	 v = { "region", region, 0 };
	struct tbuf		 b;
	int			 i, n, k;

	if (fetch_failed(c, d->step == DIALOG_S_REGION && d->region > 0,
	    res ? res->status : DIALOG_FETCH_ERROR, res == NULL))
		return;
	if (!res->found) {
		dialog_list_start(c, DIALOG_S_REGION, DIALOG_NEED_REGIONS);
		d->region = 0;
		d->pending = DIALOG_P_GONE;
		return;
	}
	n = res->n < 0 ? 0 : res->n > DIALOG_POINTS_MAX ? DIALOG_POINTS_MAX :
	    res->n;
	dialog_lang(c, lang);
	tbuf_init(&b, region, sizeof(region));
	dialog_clean(&b, res->region, sizeof(res->region));
	dialog_pager_init(&pg, conf, lang);
	for (i = 0; i < n; i++) {
		/* "name|address|hours|phone" -> "name, address, ..." */
		const char	*p = res->point[i], *e, *f, *end;

		end = p + strnlen(p, sizeof(res->point[i]));
		tbuf_init(&b, pt, sizeof(pt));
		for (; p < end; p = e < end ? e + 1 : end) {
			if ((e = memchr(p, '|', (size_t)(end - p))) == NULL)
				e = end;
			for (f = e; f > p && (f[-1] == ' ' || f[-1] == '\t'); f--)
				;
			while (p < f && (*p == ' ' || *p == '\t'))
				p++;
			if (f == p)
				continue;
			if (b.len > 0)
				tbuf_adds(&b, ", ");
			dialog_clean(&b, p, (size_t)(f - p));
		}
		(void)dialog_pager_add(&pg, pt, b.len, DIALOG_PS_PLAIN, 0);
	}
	if (pg.n == 0) {
		dialog_finish(c, dialog_msg(c, "docs_where"), DIALOG_OUTCOME_C, 0);
		return;
	}
	k = dialog_sms_list2(conf, cat, lang, "sms_points", &v, 1, "points",
	    &pg, 0, pg.n, "sms_list_more", buf, buf2, sizeof(buf));
	if (k > 0) {
		if (k < pg.n)
			log_warnx("dialog: %d points left out of the SMS",
			    pg.n - k);
		dialog_sms_put(c, buf, "points");
		dialog_sms_put2(c, buf2);
	}
	if (!out->sms[0]) {
		dialog_fail(c);
		return;
	}
	dialog_list_long(c, "points_sent", "region", region, NULL,
	    DIALOG_OUTCOME_C);
}
