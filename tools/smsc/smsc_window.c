/*
 * smsc_window: a growing ring of the requests a connection has out, in
 * sequence order, so a response is found by the distance of its sequence
 * from the oldest one; answered slots are dropped from the head.
 */
#include <stdlib.h>
#include <string.h>

#include "smsc_window.h"

static struct smsc_window_req *
slot(const struct smsc_window *w, size_t i)
{
	return &w->v[(w->head + i) % w->cap];
}

/* Drop answered requests at the head. */
static void
trim(struct smsc_window *w)
{
	while (w->n > 0 && slot(w, 0)->done) {
		w->head = (w->head + 1) % w->cap;
		w->n--;
	}
	if (w->n == 0)
		w->head = 0;
}

static int
grow(struct smsc_window *w)
{
	size_t cap = w->cap ? w->cap * 2 : 64;
	struct smsc_window_req *v;

	if ((v = calloc(cap, sizeof(*v))) == NULL)
		return -1;
	for (size_t i = 0; i < w->n; i++)
		v[i] = *slot(w, i);
	free(w->v);
	w->v = v;
	w->cap = cap;
	w->head = 0;
	return 0;
}

int
smsc_window_add(struct smsc_window *w, uint32_t seq,
    enum smsc_window_kind kind, uint32_t tag, uint32_t aux, int64_t now_ms)
{
	struct smsc_window_req *r;

	if (w->n == w->cap && grow(w) != 0)
		return -1;
	r = slot(w, w->n);
	memset(r, 0, sizeof(*r));
	r->seq = seq;
	r->kind = kind;
	r->tag = tag;
	r->aux = aux;
	r->t_ms = now_ms;
	w->n++;
	if (kind == SMSC_WINDOW_MO)
		w->nmo++;
	return 0;
}

/* Forget r (answered or given up). */
static void
settle(struct smsc_window *w, struct smsc_window_req *r,
    struct smsc_window_req *out)
{
	*out = *r;
	r->done = 1;
	out->done = 1;
	if (r->kind == SMSC_WINDOW_MO)
		w->nmo--;
	trim(w);
}

int
smsc_window_answer(struct smsc_window *w, uint32_t seq,
    struct smsc_window_req *out)
{
	struct smsc_window_req *r;
	uint32_t first;
	size_t off;

	if (w->n == 0 || seq == 0 || seq > SMSC_WINDOW_SEQ_MAX)
		return 0;
	first = slot(w, 0)->seq;
	off = seq >= first ? seq - first : (size_t)seq +
	    (SMSC_WINDOW_SEQ_MAX - first);
	if (off >= w->n)
		return 0;
	r = slot(w, off);
	if (r->seq != seq || r->done)
		return 0;
	settle(w, r, out);
	return 1;
}

int
smsc_window_expire(struct smsc_window *w, int64_t now_ms, int64_t age_ms,
    struct smsc_window_req *out)
{
	struct smsc_window_req *r;

	trim(w);
	if (w->n == 0)
		return 0;
	r = slot(w, 0);
	if (r->t_ms > now_ms - age_ms)
		return 0;
	settle(w, r, out);
	return 1;
}

size_t
smsc_window_pending(const struct smsc_window *w)
{
	size_t k = 0;

	for (size_t i = 0; i < w->n; i++)
		k += !slot(w, i)->done;
	return k;
}

void
smsc_window_free(struct smsc_window *w)
{
	free(w->v);
	memset(w, 0, sizeof(*w));
}
