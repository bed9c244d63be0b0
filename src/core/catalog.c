/*
 * catalog: per-language message texts keyed by name. A small table of
 * languages, each a growing array of (key, text) copies with an
 * open-addressing hash index over it: a lookup is one hash and, as a rule,
 * one strcmp (dialogs look texts up several times per screen).
 */
#include "catalog.h"

#include <stdint.h>
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
	uint32_t             *idx;	/* 1 + index in e, 0 empty; nidx slots */
	size_t                nidx;	/* a power of two, >= 2 * n, or 0 */
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
		free(c->langs[i].idx);
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

/* FNV-1a */
static uint32_t
catalog_hash(const char *key)
{
	uint32_t	h = 2166136261u;

	for (; *key != '\0'; key++)
		h = (h ^ (unsigned char)*key) * 16777619u;
	return h;
}

static struct catalog_entry *
catalog_find_entry(const struct catalog_lang *l, const char *key)
{
	size_t	i;
	uint32_t	k;

	if (l->nidx == 0)
		return NULL;
	for (i = catalog_hash(key) & (l->nidx - 1); (k = l->idx[i]) != 0;
	    i = (i + 1) & (l->nidx - 1))
		if (strcmp(l->e[k - 1].key, key) == 0)
			return &l->e[k - 1];
	return NULL;
}

/* Index entry j (its key set); grow the index first when it would be
 * more than half full. 0 or -1. */
static int
catalog_index(struct catalog_lang *l, size_t j)
{
	uint32_t	*ni;
	size_t		 n, i, k;

	if (2 * (j + 1) > l->nidx) {
		n = l->nidx ? l->nidx * 2 : 64;
		if ((ni = calloc(n, sizeof(*ni))) == NULL)
			return -1;
		free(l->idx);
		l->idx = ni;
		l->nidx = n;
		for (k = 0; k < j; k++) {
			for (i = catalog_hash(l->e[k].key) & (n - 1);
			    ni[i] != 0; i = (i + 1) & (n - 1))
				;
			ni[i] = (uint32_t)(k + 1);
		}
	}
	for (i = catalog_hash(l->e[j].key) & (l->nidx - 1); l->idx[i] != 0;
	    i = (i + 1) & (l->nidx - 1))
		;
	l->idx[i] = (uint32_t)(j + 1);
	return 0;
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
	if (catalog_index(l, l->n) == -1) {
		free(t);
		free(k);
		return -1;
	}
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
