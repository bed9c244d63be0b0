/*
 * catalog: per-language message texts keyed by name. A small table of
 * languages, each a growing array of (key, text) copies with an
 * open-addressing hash index over it: a lookup is one hash and, as a rule,
 * one strcmp (dialogs look texts up several times per screen). Each text
 * is split into literal pieces and placeholders, and the pieces measured,
 * when it is set: never again per screen.
 */
#include "catalog.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct catalog_entry {
	char			*key;
	char			*text;
	struct catalog_text	 t;
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
			catalog_text_free(&c->langs[i].e[j].t);
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

/* Measure n bytes at s as written and transliterated (into tr, trsz
 * bytes). 0, or -1 when they are not valid UTF-8 (the text is then
 * measured whole when filled). */
static int
catalog_measure(const char *s, size_t n, struct gsm_measure *m,
    struct gsm_measure *mt, char *tr, size_t trsz)
{
	char	buf[1024];

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (gsm_measure(buf, m) == -1 ||
	    gsm_transliterate(buf, tr, trsz) == -1 ||
	    gsm_measure(tr, mt) == -1)
		return -1;
	return 0;
}

/* Append n bytes to t->tr (*trlen used, *trcap allocated). 0 or -1. */
static int
catalog_tr_add(struct catalog_text *t, size_t *trlen, size_t *trcap,
    const char *s, size_t n)
{
	char	*nt;
	size_t	 ncap;

	if (*trlen + n + 1 > *trcap) {
		ncap = *trcap ? *trcap * 2 : 64;
		while (ncap < *trlen + n + 1)
			ncap *= 2;
		if ((nt = realloc((void *)(uintptr_t)t->tr, ncap)) == NULL)
			return -1;
		t->tr = nt;
		*trcap = ncap;
	}
	nt = (char *)(uintptr_t)t->tr;
	memcpy(nt + *trlen, s, n);
	*trlen += n;
	nt[*trlen] = '\0';
	return 0;
}

static int
catalog_piece_add(struct catalog_text *t, size_t *cap, size_t *trlen,
    size_t *trcap, const char *text, size_t off, size_t len, int var)
{
	struct catalog_piece	*np, *p;
	char			 tr[3072];
	size_t			 ncap;

	if ((size_t)t->npiece == *cap) {
		ncap = *cap ? *cap * 2 : 4;
		if ((np = realloc((void *)(uintptr_t)t->piece,
		    ncap * sizeof(*np))) == NULL)
			return -1;
		t->piece = np;
		*cap = ncap;
	}
	p = (struct catalog_piece *)(uintptr_t)&t->piece[t->npiece++];
	p->off = (uint32_t)off;
	p->len = (uint32_t)len;
	p->var = var;
	p->toff = p->tlen = 0;
	/* a placeholder as written: "{name}" */
	if (catalog_measure(text + off - (var ? 1 : 0), len + (var ? 2 : 0),
	    &p->m, &p->mt, tr, sizeof(tr)) == -1) {
		t->measured = 0;
		return 0;
	}
	p->toff = (uint32_t)*trlen;
	p->tlen = (uint32_t)strlen(tr);
	return catalog_tr_add(t, trlen, trcap, tr, p->tlen);
}

/*
 * dialog_subst's reading: at a '{', the name runs to the first '}' after
 * it; without one the '{' is literal, and so it is when the name holds a
 * '{' (no value is named so: the '{' is copied and the reading goes on
 * after it, as dialog_subst does when no value has the name).
 */
int
catalog_text_split(const char *text, struct catalog_text *t)
{
	const char	*p, *q;
	size_t		 cap = 0, lit = 0, len, trlen = 0, trcap = 0;

	memset(t, 0, sizeof(*t));
	t->text = text;
	t->len = len = strlen(text);
	t->measured = len <= UINT32_MAX;
	for (p = text; *p != '\0'; p++) {
		if (*p != '{')
			continue;
		if ((q = strchr(p + 1, '}')) == NULL)
			continue;
		if (memchr(p + 1, '{', (size_t)(q - p - 1)) != NULL) {
			t->nested = 1;
			continue;
		}
		if (p > text + lit && catalog_piece_add(t, &cap, &trlen,
		    &trcap, text, lit, (size_t)(p - text) - lit, 0) == -1)
			goto fail;
		if (catalog_piece_add(t, &cap, &trlen, &trcap, text,
		    (size_t)(p + 1 - text), (size_t)(q - p - 1), 1) == -1)
			goto fail;
		lit = (size_t)(q + 1 - text);
		p = q;
	}
	if (len > lit && catalog_piece_add(t, &cap, &trlen, &trcap, text,
	    lit, len - lit, 0) == -1)
		goto fail;
	if (t->tr == NULL && catalog_tr_add(t, &trlen, &trcap, "", 0) == -1)
		goto fail;
	return 0;
fail:
	catalog_text_free(t);
	return -1;
}

void
catalog_text_free(struct catalog_text *t)
{
	if (t == NULL)
		return;
	free((void *)(uintptr_t)t->piece);
	free((void *)(uintptr_t)t->tr);
	t->piece = NULL;
	t->tr = NULL;
	t->npiece = 0;
}

int
catalog_set(struct catalog *c, const char *lang, const char *key,
    const char *text)
{
	struct catalog_lang	*l;
	struct catalog_entry	*e;
	struct catalog_text	 ct;
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
	if (catalog_text_split(t, &ct) == -1) {
		free(t);
		return -1;
	}
	if ((e = catalog_find_entry(l, key)) != NULL) {
		free(e->text);
		catalog_text_free(&e->t);
		e->text = t;
		e->t = ct;
		return 0;
	}
	if ((k = strdup(key)) == NULL) {
		free(t);
		catalog_text_free(&ct);
		return -1;
	}
	if (l->n == l->cap) {
		struct catalog_entry	*ne;
		size_t			 ncap = l->cap ? l->cap * 2 : 32;

		ne = realloc(l->e, ncap * sizeof(*ne));
		if (ne == NULL) {
			free(t);
			free(k);
			catalog_text_free(&ct);
			return -1;
		}
		l->e = ne;
		l->cap = ncap;
	}
	l->e[l->n].key = k;
	l->e[l->n].text = t;
	l->e[l->n].t = ct;
	if (catalog_index(l, l->n) == -1) {
		free(t);
		free(k);
		catalog_text_free(&ct);
		return -1;
	}
	l->n++;
	return 0;
}

/* key's entry in lang, or NULL. */
static const struct catalog_entry *
catalog_entry_of(const struct catalog *c, const char *lang, const char *key)
{
	const struct catalog_lang	*l;

	if (c == NULL || lang == NULL || key == NULL)
		return NULL;
	if ((l = catalog_find_lang(c, lang)) == NULL)
		return NULL;
	return catalog_find_entry(l, key);
}

const char *
catalog_get(const struct catalog *c, const char *lang, const char *key)
{
	const struct catalog_entry	*e = catalog_entry_of(c, lang, key);

	return e != NULL ? e->text : NULL;
}

const struct catalog_text *
catalog_get_text(const struct catalog *c, const char *lang, const char *key)
{
	const struct catalog_entry	*e = catalog_entry_of(c, lang, key);

	return e != NULL ? &e->t : NULL;
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
