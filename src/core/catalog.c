/*
 * catalog: per-language message texts keyed by name. A small table of
 * languages, each a growing array of (key, text) copies; lookups are linear,
 * which is plenty for the few dozen keys one dialog uses.
 */
#include "catalog.h"

#include <stdlib.h>
#include <string.h>

struct catalog_entry {
	char *key;
	char *text;
};

struct catalog_lang {
	char                  name[CATALOG_LANG_MAX];
	struct catalog_entry *e;
	size_t                n, cap;
};

struct catalog {
	struct catalog_lang *langs;
	int                  nlangs, cap;
};

struct catalog *
catalog_new(void)
{
	return calloc(1, sizeof(struct catalog));
}

void
catalog_free(struct catalog *c)
{
	int	 i;
	size_t	 j;

	if (c == NULL)
		return;
	for (i = 0; i < c->nlangs; i++) {
		for (j = 0; j < c->langs[i].n; j++) {
			free(c->langs[i].e[j].key);
			free(c->langs[i].e[j].text);
		}
		free(c->langs[i].e);
	}
	free(c->langs);
	free(c);
}

static struct catalog_lang *
catalog_find_lang(const struct catalog *c, const char *lang)
{
	int	i;

	for (i = 0; i < c->nlangs; i++)
		if (strcmp(c->langs[i].name, lang) == 0)
			return &c->langs[i];
	return NULL;
}

static struct catalog_entry *
catalog_find_entry(const struct catalog_lang *l, const char *key)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->e[i].key, key) == 0)
			return &l->e[i];
	return NULL;
}

int
catalog_set(struct catalog *c, const char *lang, const char *key,
    const char *text)
{
	struct catalog_lang	*l;
	struct catalog_entry	*e;
	char			*t, *k;
	size_t			 len;

	if (c == NULL || lang == NULL || key == NULL || text == NULL)
		return -1;
	len = strlen(lang);
	if (len == 0 || len >= CATALOG_LANG_MAX || key[0] == '\0')
		return -1;

	if ((l = catalog_find_lang(c, lang)) == NULL) {
		if (c->nlangs == c->cap) {
			struct catalog_lang	*nl;
			int			 ncap = c->cap ? c->cap * 2 : 4;

			nl = realloc(c->langs, (size_t)ncap * sizeof(*nl));
			if (nl == NULL)
				return -1;
			c->langs = nl;
			c->cap = ncap;
		}
		l = &c->langs[c->nlangs];
		memset(l, 0, sizeof(*l));
		memcpy(l->name, lang, len + 1);
		c->nlangs++;
	}

	if ((t = strdup(text)) == NULL)
		return -1;
	if ((e = catalog_find_entry(l, key)) != NULL) {
		free(e->text);
		e->text = t;
		return 0;
	}
	if ((k = strdup(key)) == NULL) {
		free(t);
		return -1;
	}
	if (l->n == l->cap) {
		struct catalog_entry	*ne;
		size_t			 ncap = l->cap ? l->cap * 2 : 32;

		ne = realloc(l->e, ncap * sizeof(*ne));
		if (ne == NULL) {
			free(t);
			free(k);
			return -1;
		}
		l->e = ne;
		l->cap = ncap;
	}
	l->e[l->n].key = k;
	l->e[l->n].text = t;
	l->n++;
	return 0;
}

const char *
catalog_get(const struct catalog *c, const char *lang, const char *key)
{
	const struct catalog_lang	*l;
	const struct catalog_entry	*e;

	if (c == NULL || lang == NULL || key == NULL)
		return NULL;
	if ((l = catalog_find_lang(c, lang)) == NULL)
		return NULL;
	if ((e = catalog_find_entry(l, key)) == NULL)
		return NULL;
	return e->text;
}

int
catalog_nlangs(const struct catalog *c)
{
	return c == NULL ? 0 : c->nlangs;
}

const char *
catalog_lang(const struct catalog *c, int i)
{
	if (c == NULL || i < 0 || i >= c->nlangs)
		return NULL;
	return c->langs[i].name;
}
