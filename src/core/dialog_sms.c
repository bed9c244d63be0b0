/*
 * dialog_sms: the SMS bodies of the dialog — what fits one body (8
 * concatenated SMS, whatever the bind's charset), and lists written whole,
 * one item per line, with as many whole items as fit (never a cut item).
 */
#include <string.h>

#include "dialog_impl.h"
#include "log.h"
#include "dialog_pager.h"
#include "gsm.h"
#include "sms.h"
#include "tbuf.h"

int
dialog_sms_fits(const char *text)
{
	struct sms_segment	seg[DIALOG_SMS_SEGMENTS];

	if (strnlen(text, DIALOG_SMS_MAX) >= DIALOG_SMS_MAX)
		return 0;
	/* On a Latin-1 bind some GSM characters go as UCS-2: both ways. */
	return sms_split(text, GSM_CHARSET_GSM7, 0, seg,
	    DIALOG_SMS_SEGMENTS) > 0 && sms_split(text, GSM_CHARSET_LATIN1, 0,
	    seg, DIALOG_SMS_SEGMENTS) > 0;
}

/* The body with the first k items; 0 when it fits. */
static int
sms_try(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, const char *key, const struct dialog_var *v, int nv,
    const char *list_name, const struct dialog_pager *items, int k,
    char *out, size_t outsz)
{
	struct dialog_var	 all[8];
	char			 lines[DIALOG_SMS_MAX], pre[16];
	struct tbuf		 b;
	const char		*s;
	size_t			 len, pl;
	int			 i;

	tbuf_init(&b, lines, sizeof(lines));
	for (i = 0; i < k; i++) {
		if (i > 0)
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
	if (tbuf_end(&b) == -1 || !dialog_sms_fits(out))
		return -1;
	return 0;
}

int
dialog_sms_list(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, const char *key, const struct dialog_var *v, int nv,
    const char *list_name, const struct dialog_pager *items, int nitems,
    char *out, size_t outsz)
{
	int	lo = 0, hi, mid;

	if (nitems < 0)
		nitems = 0;
	if (nitems > items->n)
		nitems = items->n;
	if (sms_try(conf, cat, lang, key, v, nv, list_name, items, nitems,
	    out, outsz) == 0)
		return nitems;
	if (sms_try(conf, cat, lang, key, v, nv, list_name, items, 0, out,
	    outsz) == -1) {
		out[0] = '\0';
		return -1;
	}
	/* Invariant: lo items fit, hi do not. */
	hi = nitems;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (sms_try(conf, cat, lang, key, v, nv, list_name, items, mid,
		    out, outsz) == 0)
			lo = mid;
		else
			hi = mid;
	}
	(void)sms_try(conf, cat, lang, key, v, nv, list_name, items, lo, out,
	    outsz);
	return lo;
}

/* The SMS to the caller (kind: "reply", "receipt", "points"). */
void
dialog_sms_put(struct dialog_ctx *c, const char *text, const char *kind)
{
	struct tbuf	b;

	tbuf_init(&b, c->out->sms, sizeof(c->out->sms));
	tbuf_adds(&b, text);
	if (tbuf_end(&b) == -1 || !dialog_sms_fits(c->out->sms)) {
		/* Lists are bounded before; this is a last resort. */
		log_warnx("dialog: %s SMS too long, not sent", kind);
		memset(c->out->sms, 0, sizeof(c->out->sms));
		c->out->sms_kind = NULL;
		return;
	}
	c->out->sms_kind = kind;
}

/* The SMS body of key in the dialog's language (values cleaned). */
void
dialog_sms_render(struct dialog_ctx *c, const char *key, const struct dialog_var *v,
    int nv, const char *kind)
{
	char		buf[DIALOG_SMS_MAX];
	struct tbuf	b;

	tbuf_init(&b, buf, sizeof(buf));
	dialog_subst(&b, dialog_msg(c, key), v, nv);
	if (tbuf_end(&b) == -1) {
		log_warnx("dialog: %s SMS too long, not sent", kind);
		return;
	}
	dialog_sms_put(c, buf, kind);
}
