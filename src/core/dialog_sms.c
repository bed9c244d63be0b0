/*
 * dialog_sms: the SMS bodies of the dialog — what fits one body (8
 * concatenated SMS, whatever the bind's charset), and lists written whole,
 * one item per line, over two bodies at most (never a cut item).
 */
#include <string.h>

#include "dialog_impl.h"
#include "log.h"
#include "dialog_pager.h"
#include "gsm.h"
#include "sms.h"
#include "tbuf.h"

/* On a Latin-1 bind some GSM characters go as UCS-2: sms_fits checks
 * both ways, measuring instead of splitting. */
int
dialog_sms_fits(const char *text)
{
	return sms_fits(text, DIALOG_SMS_MAX, DIALOG_SMS_SEGMENTS);
}

/* The body with items from..from+k-1, and when more is set the line of
 * more with {n} the items of the list left after them; 0 when it fits. */
static int
sms_try(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, const char *key, const struct dialog_var *v, int nv,
    const char *list_name, const struct dialog_pager *items, int from, int k,
    int nitems, const char *more, char *out, size_t outsz)
{
	struct dialog_var	 all[8], vn = { "n", NULL, 0 };
	char			 lines[DIALOG_SMS_MAX], pre[16], n[16];
	struct tbuf		 b, nb;
	const char		*s;
	size_t			 len, pl;
	int			 i;

	tbuf_init(&b, lines, sizeof(lines));
	for (i = from; i < from + k; i++) {
		if (i > from)
			tbuf_adds(&b, "\n");
		pl = dialog_pager_prefix(items, i, pre);
		tbuf_addn(&b, pre, pl);
		s = dialog_pager_text(items, i, &len);
		tbuf_addn(&b, s, len);
	}
	if (tbuf_end(&b) == -1 || nv > 7)
		return -1;
	if (nv > 0)
		memcpy(all, v, (size_t)nv * sizeof(*v));
	all[nv] = (struct dialog_var){ list_name, lines, 1 };
	tbuf_init(&b, out, outsz);
	dialog_subst(&b, dialog_msg_lang(conf, cat, lang, key), all, nv + 1);
	if (more != NULL && from + k < nitems) {
		tbuf_init(&nb, n, sizeof(n));
		tbuf_addu(&nb, (unsigned long long)(nitems - from - k));
		vn.value = n;
		tbuf_adds(&b, "\n");
		dialog_subst(&b, dialog_msg_lang(conf, cat, lang, more), &vn, 1);
	}
	if (tbuf_end(&b) == -1 || !dialog_sms_fits(out))
		return -1;
	return 0;
}

int
dialog_sms_list(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, const char *key, const struct dialog_var *v, int nv,
    const char *list_name, const struct dialog_pager *items, int from,
    int nitems, const char *more, char *out, size_t outsz)
{
	int	lo = 0, hi, mid;

	if (nitems > items->n)
		nitems = items->n;
	if (nitems < 0)
		nitems = 0;
	if (from < 0 || from > nitems)
		from = nitems;
	if (sms_try(conf, cat, lang, key, v, nv, list_name, items, from,
	    nitems - from, nitems, more, out, outsz) == 0)
		return nitems - from;
	if (sms_try(conf, cat, lang, key, v, nv, list_name, items, from, 0,
	    nitems, more, out, outsz) == -1) {
		out[0] = '\0';
		return -1;
	}
	/* Invariant: lo items fit, hi do not. */
	hi = nitems - from;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (sms_try(conf, cat, lang, key, v, nv, list_name, items, from,
		    mid, nitems, more, out, outsz) == 0)
			lo = mid;
		else
			hi = mid;
	}
	(void)sms_try(conf, cat, lang, key, v, nv, list_name, items, from, lo,
	    nitems, more, out, outsz);
	return lo;
}

int
dialog_sms_list2(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, const char *key, const struct dialog_var *v, int nv,
    const char *list_name, const struct dialog_pager *items, int from,
    int nitems, const char *more, char *out, char *out2, size_t outsz)
{
	int	k1, k2;

	out2[0] = '\0';
	if (nitems > items->n)
		nitems = items->n;
	if (from < 0 || from > nitems)
		from = nitems < 0 ? 0 : nitems;
	if ((k1 = dialog_sms_list(conf, cat, lang, key, v, nv, list_name,
	    items, from, nitems, NULL, out, outsz)) <= 0 || from + k1 >= nitems) {
		/* All in one body; or an item no body holds whole: the first
		 * body says what is left. */
		if (k1 == 0 && from < nitems)
			k1 = dialog_sms_list(conf, cat, lang, key, v, nv,
			    list_name, items, from, nitems, more, out, outsz);
		return k1;
	}
	k2 = dialog_sms_list(conf, cat, lang, key, v, nv, list_name, items,
	    from + k1, nitems, more, out2, outsz);
	if (k2 <= 0) {
		out2[0] = '\0';
		k2 = 0;
	}
	return k1 + k2;
}

/* The SMS to the caller (kind: "reply", "receipt", "points"). */
void
dialog_sms_put(struct dialog_ctx *c, const char *text, const char *kind)
{
	dialog_sms_put_measured(c, text, strlen(text), NULL, kind);
}

void
dialog_sms_put_measured(struct dialog_ctx *c, const char *text, size_t len,
    const struct dialog_measure *m, const char *kind)
{
	struct tbuf	b;
	int		fits = 0;

	tbuf_init(&b, c->out->sms, sizeof(c->out->sms));
	tbuf_addn(&b, text, len);
	if (tbuf_end(&b) == 0)
		fits = m != NULL && m->ok ? sms_fits_measure(c->out->sms, len,
		    &m->m, DIALOG_SMS_MAX, DIALOG_SMS_SEGMENTS) :
		    dialog_sms_fits(c->out->sms);
	if (tbuf_end(&b) == -1 || !fits) {
		/* Lists are bounded before; this is a last resort. */
		log_warnx("dialog: %s SMS too long, not sent", kind);
		memset(c->out->sms, 0, sizeof(c->out->sms));
		memset(c->out->sms2, 0, sizeof(c->out->sms2));
		c->out->sms_kind = NULL;
		return;
	}
	c->out->sms_kind = kind;
}

/* The second body of the SMS just put (none when there is none). */
void
dialog_sms_put2(struct dialog_ctx *c, const char *text)
{
	struct tbuf	b;

	if (c->out->sms[0] == '\0' || text == NULL || text[0] == '\0')
		return;
	tbuf_init(&b, c->out->sms2, sizeof(c->out->sms2));
	tbuf_adds(&b, text);
	if (tbuf_end(&b) == -1 || !dialog_sms_fits(c->out->sms2)) {
		log_warnx("dialog: %s SMS (2/2) too long, not sent",
		    c->out->sms_kind);
		memset(c->out->sms2, 0, sizeof(c->out->sms2));
	}
}

/* The SMS body of key in the dialog's language (values cleaned). */
void
dialog_sms_render(struct dialog_ctx *c, const char *key, const struct dialog_var *v,
    int nv, const char *kind)
{
	char			buf[DIALOG_SMS_MAX];
	struct tbuf		b;
	struct dialog_measure	m;

	dialog_measure_start(&m, 0);
	tbuf_init(&b, buf, sizeof(buf));
	dialog_fill(&b, dialog_msg_text(c, key), v, nv, &m);
	if (tbuf_end(&b) == -1) {
		log_warnx("dialog: %s SMS too long, not sent", kind);
		return;
	}
	dialog_sms_put_measured(c, buf, b.len, &m, kind);
}
