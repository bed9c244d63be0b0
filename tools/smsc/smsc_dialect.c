/*
 * smsc_dialect: the simulator's own reading of the USSD dialects — the
 * session fields written on each MO, a screen told from an SMS and read
 * (waits or ends) with its echo checked, and the per-caller book. Kept
 * independent of the daemon's src/core/dialect.c on purpose.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smsc_dialect.h"

#define ITS_END_BIT  0x01
#define ITS_SEQ_MAX  0x7F	/* the sequence is 7 bits */

static const char *const names[] = {
	[SMSC_DIALECT_USSD_SERVICE_OP] = "ussd_service_op",
	[SMSC_DIALECT_ITS] = "its_session_info",
	[SMSC_DIALECT_ITS_ONLY] = "its_session_info_only",
	[SMSC_DIALECT_UMR] = "user_message_reference",
	[SMSC_DIALECT_MSISDN] = "msisdn",
};

int
smsc_dialect_parse(const char *name, enum smsc_dialect *out)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0) {
			*out = (enum smsc_dialect)i;
			return 0;
		}
	return -1;
}

const char *
smsc_dialect_str(enum smsc_dialect d)
{
	if ((size_t)d < sizeof(names) / sizeof(names[0]))
		return names[d];
	return "?";
}

static int
has_its(enum smsc_dialect d)
{
	return d == SMSC_DIALECT_ITS || d == SMSC_DIALECT_ITS_ONLY;
}

static uint32_t
fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

void
smsc_dialect_sess_init(struct smsc_dialect_sess *s, const char *msisdn)
{
	memset(s, 0, sizeof(*s));
	s->seed = fnv1a(msisdn);
}

/* --- MOs ------------------------------------------------------------ */

int
smsc_dialect_mo(enum smsc_dialect d, struct smsc_dialect_sess *s, int op,
    struct smpp_pdu *p)
{
	uint8_t v[2];

	if (op < 0)
		return 0;	/* a plain SMS carries no session field */
	if (op == SMPP_USSD_PSSR_IND) {
		s->begins++;
		s->begun = 1;
		s->its = (uint8_t)(s->seed + s->begins);
		s->umr = (uint16_t)((s->seed >> 16) + s->begins);
		s->seq = 0;
	} else {
		/* After 127 comes 1: 0 would read as a begin in
		 * its_session_info_only. */
		s->seq = s->seq >= ITS_SEQ_MAX ? 1 : (uint8_t)(s->seq + 1);
	}
	if (d != SMSC_DIALECT_ITS_ONLY) {
		v[0] = (uint8_t)op;
		if (smpp_pdu_tlv_add(p, SMPP_TLV_USSD_SERVICE_OP, v, 1) != 0)
			return -1;
	}
	if (has_its(d)) {
		v[0] = s->its;
		v[1] = (uint8_t)(s->seq << 1 |
		    (op == SMPP_USSD_ABORT ? ITS_END_BIT : 0));
		if (smpp_pdu_tlv_add(p, SMPP_TLV_ITS_SESSION_INFO, v, 2) != 0)
			return -1;
	} else if (d == SMSC_DIALECT_UMR) {
		v[0] = (uint8_t)(s->umr >> 8);
		v[1] = (uint8_t)s->umr;
		if (smpp_pdu_tlv_add(p, SMPP_TLV_USER_MESSAGE_REFERENCE, v,
		    2) != 0)
			return -1;
	}
	return 0;
}

/* --- screens ---------------------------------------------------------- */

static void __attribute__((format(printf, 2, 3)))
bad(struct smsc_dialect_read *r, const char *fmt, ...)
{
	va_list ap;

	if (r->bad)
		return;		/* the first reason is the one told */
	r->bad = 1;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

static void
check_its(enum smsc_dialect d, const struct smpp_tlv *its,
    const struct smsc_dialect_sess *s, struct smsc_dialect_read *r)
{
	if (!has_its(d)) {
		if (its != NULL)
			bad(r, "its_session_info echoed, but %s MOs carry none",
			    smsc_dialect_str(d));
		return;
	}
	if (its == NULL) {
		bad(r, "no its_session_info echoed");
		return;
	}
	if (its->len != 2) {
		bad(r, "its_session_info of %u octets, not 2", its->len);
		return;
	}
	if (s == NULL || !s->begun)
		bad(r, "its_session_info session 0x%02x to a caller with no "
		    "session", its->val[0]);
	else if (its->val[0] != s->its)
		bad(r, "its_session_info session 0x%02x, the caller's is 0x%02x",
		    its->val[0], s->its);
}

static void
check_umr(enum smsc_dialect d, const struct smpp_tlv *umr,
    const struct smsc_dialect_sess *s, struct smsc_dialect_read *r)
{
	unsigned v;

	if (d != SMSC_DIALECT_UMR) {
		if (umr != NULL)
			bad(r, "user_message_reference echoed, but %s MOs "
			    "carry none", smsc_dialect_str(d));
		return;
	}
	if (umr == NULL) {
		bad(r, "no user_message_reference echoed");
		return;
	}
	if (umr->len != 2) {
		bad(r, "user_message_reference of %u octets, not 2", umr->len);
		return;
	}
	v = (unsigned)umr->val[0] << 8 | umr->val[1];
	if (s == NULL || !s->begun)
		bad(r, "user_message_reference %u to a caller with no session",
		    v);
	else if (v != s->umr)
		bad(r, "user_message_reference %u, the caller's is %u", v,
		    (unsigned)s->umr);
}

void
smsc_dialect_read(enum smsc_dialect d, const struct smpp_pdu *p,
    const struct smsc_dialect_sess *s, struct smsc_dialect_read *r)
{
	const struct smpp_tlv *op, *its, *umr;
	int end_bit;

	memset(r, 0, sizeof(*r));
	r->op = -1;
	op = smpp_pdu_tlv_get(p, SMPP_TLV_USSD_SERVICE_OP);
	its = smpp_pdu_tlv_get(p, SMPP_TLV_ITS_SESSION_INFO);
	umr = smpp_pdu_tlv_get(p, SMPP_TLV_USER_MESSAGE_REFERENCE);
	if (op == NULL && its == NULL)
		return;		/* a plain SMS: nothing is echoed on those */
	r->screen = 1;
	if (op != NULL && op->len != 1)
		bad(r, "ussd_service_op of %u octets, not 1", op->len);
	if (op != NULL && op->len >= 1)
		r->op = op->val[0];
	end_bit = its != NULL && its->len == 2 && (its->val[1] & ITS_END_BIT);
	r->ends = r->op >= 0 ? r->op == SMPP_USSD_PSSR_RESP : end_bit;
	if (d == SMSC_DIALECT_ITS_ONLY && op != NULL)
		bad(r, "ussd_service_op 0x%02x on a screen of "
		    "its_session_info_only", r->op & 0xFF);
	check_its(d, its, s, r);
	check_umr(d, umr, s, r);
	if (its != NULL && its->len == 2 && (r->op == SMPP_USSD_USSR_REQ ||
	    r->op == SMPP_USSD_PSSR_RESP) && end_bit != r->ends)
		bad(r, "its_session_info end bit %s with ussd_service_op 0x%02x",
		    end_bit ? "set" : "clear", r->op);
}

int
smsc_dialect_op(const struct smsc_dialect_read *r)
{
	if (!r->screen)
		return -1;
	if (r->op >= 0)
		return r->op;
	return r->ends ? SMPP_USSD_PSSR_RESP : SMPP_USSD_USSR_REQ;
}

/* FNV-1a, 64 bits: a screen's text told from the next one. */
static uint64_t
text_hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 1099511628211ull;
	}
	return h;
}

int
smsc_dialect_throttle(struct smsc_dialect_sess *s, const char *text)
{
	uint64_t h = text_hash(text);

	if (s->throttled && s->throttled_hash == h) {
		s->throttled = 0;
		return 0;
	}
	s->throttled = 1;
	s->throttled_hash = h;
	return 1;
}

/* --- the book ----------------------------------------------------------- */

struct smsc_dialect_entry {
	char                      msisdn[21];	/* "" = free slot */
	struct smsc_dialect_sess  s;
};

struct smsc_dialect_book {
	struct smsc_dialect_entry *v;
	size_t                     cap;	/* a power of two */
	size_t                     n;
};

struct smsc_dialect_book *
smsc_dialect_book_new(void)
{
	struct smsc_dialect_book *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->cap = 64;
	if ((b->v = calloc(b->cap, sizeof(*b->v))) == NULL) {
		free(b);
		return NULL;
	}
	return b;
}

void
smsc_dialect_book_free(struct smsc_dialect_book *b)
{
	if (b == NULL)
		return;
	free(b->v);
	free(b);
}

size_t
smsc_dialect_book_count(const struct smsc_dialect_book *b)
{
	return b->n;
}

/* The slot of msisdn in v (cap a power of two): its own or a free one. */
static size_t
book_slot(const struct smsc_dialect_entry *v, size_t cap, const char *msisdn)
{
	size_t i = fnv1a(msisdn) & (cap - 1);

	while (v[i].msisdn[0] != '\0' && strcmp(v[i].msisdn, msisdn) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

static int
book_grow(struct smsc_dialect_book *b)
{
	size_t cap = b->cap * 2;
	struct smsc_dialect_entry *v;

	if ((v = calloc(cap, sizeof(*v))) == NULL)
		return -1;
	for (size_t i = 0; i < b->cap; i++)
		if (b->v[i].msisdn[0] != '\0')
			v[book_slot(v, cap, b->v[i].msisdn)] = b->v[i];
	free(b->v);
	b->v = v;
	b->cap = cap;
	return 0;
}

struct smsc_dialect_sess *
smsc_dialect_book_get(struct smsc_dialect_book *b, const char *msisdn,
    int create)
{
	size_t i;

	if (msisdn[0] == '\0' || strlen(msisdn) >= sizeof(b->v[0].msisdn))
		return NULL;
	i = book_slot(b->v, b->cap, msisdn);
	if (b->v[i].msisdn[0] != '\0')
		return &b->v[i].s;
	if (!create)
		return NULL;
	if (2 * (b->n + 1) > b->cap) {
		if (book_grow(b) != 0)
			return NULL;
		i = book_slot(b->v, b->cap, msisdn);
	}
	snprintf(b->v[i].msisdn, sizeof(b->v[i].msisdn), "%s", msisdn);
	smsc_dialect_sess_init(&b->v[i].s, msisdn);
	b->n++;
	return &b->v[i].s;
}
