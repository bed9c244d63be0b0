/*
 * smsc_window: the requests one SMSC connection has out (its deliver_sm,
 * enquire_link, unbind), in the order they went, found again by sequence
 * number when their response comes; the MOs among them counted apart, for
 * --window and for the load mode's statuses. Pure: time comes in as now_ms.
 */
#ifndef TNSGW_SMSC_WINDOW_H
#define TNSGW_SMSC_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#define SMSC_WINDOW_SEQ_MAX  0x7FFFFFFFu	/* sequences run 1..this, then 1 */

enum smsc_window_kind {
	SMSC_WINDOW_MO = 1,	/* a mode's deliver_sm (dial, answer, SMS) */
	SMSC_WINDOW_OTHER,	/* a receipt, enquire_link, unbind */
};

struct smsc_window_req {
	uint32_t               seq;
	enum smsc_window_kind  kind;
	uint32_t               tag, aux;	/* the mode's, given back */
	int64_t                t_ms;		/* when it went */
	int                    done;		/* answered (or given up) */
};

/* Zeroed: empty. Grows as needed. */
struct smsc_window {
	struct smsc_window_req *v;	/* a ring, oldest at head */
	size_t                  cap, head, n;	/* n: slots in use, done or not */
	size_t                  nmo;	/* MOs not answered yet */
};

/*
 * A request went out with sequence seq, the next one after the newest
 * (sequences are given in order; a wrap goes from SMSC_WINDOW_SEQ_MAX to
 * 1). 0, or -1 when out of memory (the request is then not remembered).
 */
int smsc_window_add(struct smsc_window *w, uint32_t seq,
    enum smsc_window_kind kind, uint32_t tag, uint32_t aux, int64_t now_ms);
/*
 * A response with sequence seq: 1 with the request in *out (and forgotten)
 * when it answers one still out, 0 otherwise.
 */
int smsc_window_answer(struct smsc_window *w, uint32_t seq,
    struct smsc_window_req *out);
/*
 * The oldest request still out if it went before now_ms - age_ms: 1 with
 * it in *out (and forgotten: no answer will count), 0 when there is none.
 */
int smsc_window_expire(struct smsc_window *w, int64_t now_ms, int64_t age_ms,
    struct smsc_window_req *out);
/* Requests still out (all kinds). */
size_t smsc_window_pending(const struct smsc_window *w);
void smsc_window_free(struct smsc_window *w);	/* then empty again */

#endif
