/*
 * catalog: the texts callers see, per language, keyed by message name.
 * Filled by config (from etc/messages/<lang>.conf), read by dialog. Pure:
 * no I/O. Texts are UTF-8 and may hold {placeholders} the dialog fills.
 */
#ifndef TNSGW_CATALOG_H
#define TNSGW_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "gsm.h"

#define CATALOG_LANG_MAX 8	/* "fr", "ar", "tzm", ... (< 8 chars) */

/*
 * A text split once, when it is set, the way dialog_subst reads it:
 * literal pieces and {placeholders}. A '{' with no '}' after it, or whose
 * name holds another '{', is literal. Each piece carries its measure
 * (gsm_measure) as written and transliterated (gsm_transliterate), so that
 * filling a text measures only the values put in it; for a placeholder,
 * the measure of "{name}" as written (what stays when no value has the
 * name).
 */
struct catalog_piece {
	uint32_t		off;	/* literal: in text; var: of the name */
	uint32_t		len;	/* bytes of the literal, of the name */
	uint32_t		toff;	/* the literal ("{name}") transliterated: */
	uint32_t		tlen;	/* in tr */
	int			var;
	struct gsm_measure	m, mt;	/* as written, transliterated */
};

struct catalog_text {
	const char			*text;
	size_t				 len;		/* strlen(text) */
	const char			*tr;		/* the pieces transliterated */
	const struct catalog_piece	*piece;
	int				 npiece;
	int				 measured;	/* valid UTF-8: the measures add up */
	int				 nested;	/* some '{' literal for a nested '{' */
};

struct catalog;

struct catalog *catalog_new(void);
void catalog_free(struct catalog *c);		/* NULL is a no-op */

/* Copy text under (lang, key); replaces an earlier value. 0 or -1. */
int catalog_set(struct catalog *c, const char *lang, const char *key,
    const char *text);
/* The text, or NULL when the language or key is missing. Valid until
 * catalog_free. */
const char *catalog_get(const struct catalog *c, const char *lang,
    const char *key);
/* The same text split in pieces (see struct catalog_piece), or NULL. */
const struct catalog_text *catalog_get_text(const struct catalog *c,
    const char *lang, const char *key);
/* Split text into t (pieces allocated, catalog_text_free them); for texts
 * that are not in a catalogue. 0 or -1. */
int catalog_text_split(const char *text, struct catalog_text *t);
void catalog_text_free(struct catalog_text *t);
/* Languages in the order first set. */
int catalog_nlangs(const struct catalog *c);
const char *catalog_lang(const struct catalog *c, int i);

#endif
