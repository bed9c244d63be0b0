/*
 * dialog_pager: outside texts (category labels, documents, region names, a
 * reason) laid out on USSD pages without cutting anything: whole items
 * while they fit, an item too long for a page on its own split at word
 * boundaries over consecutive pages (its number or bullet on the first).
 * For dialog.c only (callers use dialog.h). Pure.
 */
#ifndef TNSGW_DIALOG_PAGER_H
#define TNSGW_DIALOG_PAGER_H

#include <stddef.h>

#include "catalog.h"
#include "dialog.h"
#include "tbuf.h"

#define DIALOG_PAGER_ITEMS	136	/* 128 documents + the closing lines */
#define DIALOG_PAGER_BUF	(DIALOG_MAX_CATEGORIES * (DIALOG_LABEL_MAX + 1) \
	+ REGISTRY_DOCS_MAX + 2048)
#define DIALOG_PAGER_PAGES	255	/* d->page is bounded by the state */
#define DIALOG_PAGER_ALTS	2	/* error lines a title may give way to */

enum dialog_pager_style {
	DIALOG_PS_PLAIN = 0,	/* the text alone */
	DIALOG_PS_NUMBER,	/* "12 text" */
	DIALOG_PS_BULLET,	/* "- text" */
	DIALOG_PS_CLOSING,	/* the text alone, after the list: a page
				 * that starts with one shows no title */
};

struct dialog_pager_item {
	size_t	off, len;	/* in buf, cleaned, trimmed */
	int	style;
	int	num;		/* DIALOG_PS_NUMBER */
};

/* A text's size on the wire: [0] as it is, [1] transliterated. */
struct dialog_pager_meas {
	long	s[2];		/* GSM septets, -1: not all GSM */
	long	c[2];		/* characters */
	int	l[2];		/* all Latin-1 */
};

/* Lines of a page being laid out: their measures summed, their count. */
struct dialog_pager_acc {
	struct dialog_pager_meas	m;
	int				lines;
};

/* Where a page starts and ends: item index and byte offset in the item. */
struct dialog_page {
	int	si, ei;
	size_t	so, eo;
	int	last;
};

/*
 * A list and its page furniture. Texts are copied in (cleaned: invalid
 * UTF-8 as '?', controls as spaces), so the sources may go. The screen is
 * in lang; with transliteration on (French), a page is sent as it is when
 * it fits so (UCS-2: accents kept), else transliterated.
 */
struct dialog_pager {
	const struct dialog_conf	*conf;
	char				 lang[CATALOG_LANG_MAX];
	const char			*title0, *title;	/* NULL: none */
	/* Lines that may stand in for a page's title (error lines): every
	 * titled page leaves room for the longest. */
	const char			*alt[DIALOG_PAGER_ALTS];
	const char			*next, *back;
	int				 back_on_last;	/* 0: the last page ends */
	int				 n;
	struct dialog_pager_item	 item[DIALOG_PAGER_ITEMS];
	size_t				 used;
	char				 buf[DIALOG_PAGER_BUF];
	/* The layout, made once (dialog_pager_walk) and dropped when an
	 * item is added: each item's measure, what follows it, the pages
	 * so far. */
	int				 ready, npages, done;
	struct dialog_pager_meas	 whole[DIALOG_PAGER_ITEMS];
	struct dialog_pager_acc		 rest[DIALOG_PAGER_ITEMS + 1];
	struct dialog_page		 page[DIALOG_PAGER_PAGES + 1];
};

void dialog_pager_init(struct dialog_pager *pg, const struct dialog_conf *conf,
    const char *lang);
/* Add an item (s: len bytes at most, up to a NUL). Spaces around are
 * trimmed; an empty item is not added. -1 when the pager is full. */
int dialog_pager_add(struct dialog_pager *pg, const char *s, size_t len,
    int style, int num);
/* Lay out pages 0..want (or up to the last one): pl is the page reached,
 * its index returned. */
int dialog_pager_walk(struct dialog_pager *pg, int want,
    struct dialog_page *pl);
/* Page p laid out as pl, with an error line before it (err_as_title: in
 * place of its title) when err is not NULL. */
void dialog_pager_render(const struct dialog_pager *pg, int p,
    const struct dialog_page *pl, const char *err, int err_as_title,
    struct tbuf *b);
/*
 * A screen holding outside text, in lang: does it fit one USSD page as
 * dialog_pager_final sends it? That is as it is when it fits so, else
 * (French with transliteration on) transliterated: accents are kept
 * whenever the page allows (DESIGN.md §1).
 */
int dialog_pager_fits(const struct dialog_conf *conf, const char *lang,
    const char *text);
void dialog_pager_final(const struct dialog_conf *conf, const char *lang,
    const char *text, char *out, size_t outsz);
/* The text of item i (for SMS: whole lists), and its prefix ("12 ",
 * "- " or "": its length returned). */
const char *dialog_pager_text(const struct dialog_pager *pg, int i,
    size_t *len);
size_t dialog_pager_prefix(const struct dialog_pager *pg, int i,
    char out[16]);

#endif
