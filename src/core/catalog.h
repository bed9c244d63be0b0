/*
 * catalog: the texts callers see, per language, keyed by message name.
 * Filled by config (from etc/messages/<lang>.conf), read by dialog. Pure:
 * no I/O. Texts are UTF-8 and may hold {placeholders} the dialog fills.
 */
#ifndef TNSGW_CATALOG_H
#define TNSGW_CATALOG_H

#include <stddef.h>

#define CATALOG_LANG_MAX 8	/* "fr", "ar", "tzm", ... (< 8 chars) */

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
/* Languages in the order first set. */
int catalog_nlangs(const struct catalog *c);
const char *catalog_lang(const struct catalog *c, int i);

#endif
