/*
 * smpp_pdu: SMPP 3.4 codec. Outside bytes meet our own checks first (header,
 * a bounded walk of the mandatory fields, a TLV pre-scan); only then does
 * libsmpp34 unpack the mandatory part of the bodies it handles well. Pure:
 * no I/O, no clock, no logging.
 */
#include "smpp_pdu.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <smpp34.h>
#include <smpp34_structs.h>
#include <smpp34_params.h>

#include "log.h"
#include "tbuf.h"

/* Mandatory-field kinds of the layout walk. TON/NPI/IV are single octets
 * that libsmpp34 validates against short lists (an unknown NPI, a 0x33
 * bind); we keep the wire value and hide it from the library. The two
 * time fields (F_TIME) are ours too: its deliver_sm frame sizes them 1
 * (NULL only) and it does not check their format. */
enum fkind { F_END = 0, F_CSTR, F_U8, F_TON, F_NPI, F_IV, F_SM, F_TIME };

struct field {
	enum fkind kind;
	uint16_t   max;		/* F_CSTR: size including the NUL */
};

#define L_TLV     0x01	/* TLVs may follow the mandatory part */
#define L_RESP    0x02	/* a response: an empty body is accepted */
#define L_LIB     0x04	/* mandatory part unpacked/packed by libsmpp34 */
#define L_PAYLOAD 0x08	/* message_payload moves to sm/sm_len */

#define MAXFIELDS 20

struct layout {
	uint32_t     id;
	int          flags;
	struct field f[MAXFIELDS];
};

#define CS(n) { F_CSTR, n }
#define U8    { F_U8, 0 }
#define TON   { F_TON, 0 }
#define NPI   { F_NPI, 0 }
#define TIME  { F_TIME, SMPP_TIME_SIZE }

static const struct layout layouts[] = {
	{ SMPP_BIND_TRANSMITTER, L_LIB,
	    { CS(16), CS(9), CS(13), { F_IV, 0 }, TON, NPI, CS(41) } },
	{ SMPP_BIND_RECEIVER, L_LIB,
	    { CS(16), CS(9), CS(13), { F_IV, 0 }, TON, NPI, CS(41) } },
	{ SMPP_BIND_TRANSCEIVER, L_LIB,
	    { CS(16), CS(9), CS(13), { F_IV, 0 }, TON, NPI, CS(41) } },
	{ SMPP_BIND_TRANSMITTER | SMPP_RESP_BIT, L_TLV | L_RESP, { CS(16) } },
	{ SMPP_BIND_RECEIVER | SMPP_RESP_BIT, L_TLV | L_RESP, { CS(16) } },
	{ SMPP_BIND_TRANSCEIVER | SMPP_RESP_BIT, L_TLV | L_RESP, { CS(16) } },
	{ SMPP_UNBIND, 0, { { F_END, 0 } } },
	{ SMPP_UNBIND | SMPP_RESP_BIT, L_RESP, { { F_END, 0 } } },
	{ SMPP_ENQUIRE_LINK, 0, { { F_END, 0 } } },
	{ SMPP_ENQUIRE_LINK | SMPP_RESP_BIT, L_RESP, { { F_END, 0 } } },
	{ SMPP_GENERIC_NACK, L_RESP, { { F_END, 0 } } },
	{ SMPP_SUBMIT_SM, L_LIB | L_TLV | L_PAYLOAD,
	    { CS(6), TON, NPI, CS(21), TON, NPI, CS(21), U8, U8, U8,
	      TIME, TIME, U8, U8, U8, U8, { F_SM, 254 } } },
	{ SMPP_DELIVER_SM, L_LIB | L_TLV | L_PAYLOAD,
	    { CS(6), TON, NPI, CS(21), TON, NPI, CS(21), U8, U8, U8,
	      TIME, TIME, U8, U8, U8, U8, { F_SM, 254 } } },
	{ SMPP_DATA_SM, L_LIB | L_TLV | L_PAYLOAD,
	    { CS(6), TON, NPI, CS(21), TON, NPI, CS(21), U8, U8, U8 } },
	{ SMPP_SUBMIT_SM | SMPP_RESP_BIT, L_TLV | L_RESP, { CS(65) } },
	{ SMPP_DELIVER_SM | SMPP_RESP_BIT, L_TLV | L_RESP, { CS(65) } },
	{ SMPP_DATA_SM | SMPP_RESP_BIT, L_TLV | L_RESP, { CS(65) } },
};

#undef CS
#undef U8
#undef TON
#undef NPI
#undef TIME

/* Where each mandatory field starts, and where the TLV area begins. */
struct scan {
	size_t off[MAXFIELDS];
	int    nfields;
	size_t tlv_start;
	size_t sm_len;
};

/* Largest mandatory part (submit_sm with a 254-octet short_message). */
#define MANDATORY_MAX 400

static void
seterr(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* No error: the reason cleared without a format parse (every PDU). */
static void
errclr(char *err, size_t errsz)
{
	if (err != NULL && errsz > 0)
		err[0] = '\0';
}

void
smpp_pdu_clear(struct smpp_pdu *pdu)
{
	memset(pdu, 0, offsetof(struct smpp_pdu, sm));
	memset(pdu->message_id, 0, sizeof(pdu->message_id));
	pdu->ntlv = 0;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static int
is_bind(uint32_t id)
{
	return id == SMPP_BIND_TRANSMITTER || id == SMPP_BIND_RECEIVER ||
	    id == SMPP_BIND_TRANSCEIVER;
}

static const struct layout *
layout_find(uint32_t id)
{
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (layouts[i].id == id)
			return &layouts[i];
	return NULL;
}

/*
 * Walk the mandatory fields of body[0..blen) with bounds: every C string
 * must have its NUL inside the body and within its SMPP size (libsmpp34's
 * own walk uses an unbounded strlen, so this is what keeps it in bounds).
 */
static int
layout_scan(const struct layout *lay, const uint8_t *body, size_t blen,
    struct scan *sc, char *err, size_t errsz)
{
	static const char *kname[] = { "end", "string", "octet", "ton", "npi",
	    "interface_version", "short_message", "time" };
	size_t p = 0, n;
	const uint8_t *nul;
	int i;

	memset(sc, 0, sizeof(*sc));
	for (i = 0; i < MAXFIELDS && lay->f[i].kind != F_END; i++) {
		sc->off[i] = p;
		switch (lay->f[i].kind) {
		case F_CSTR:
		case F_TIME:
			n = blen - p;
			if (n > lay->f[i].max)
				n = lay->f[i].max;
			nul = n ? memchr(body + p, '\0', n) : NULL;
			if (nul == NULL) {
				seterr(err, errsz, "field %d: %s", i,
				    blen - p < lay->f[i].max ?
				    "string truncated (no NUL)" :
				    "string too long");
				return -1;
			}
			if (lay->f[i].kind == F_TIME &&
			    smpp_pdu_time_check((const char *)(body + p)) != 0) {
				seterr(err, errsz, "field %d: bad time format", i);
				return -1;
			}
			p += (size_t)(nul - (body + p)) + 1;
			break;
		case F_SM:
			if (p >= blen) {
				seterr(err, errsz, "sm_length missing");
				return -1;
			}
			n = body[p++];
			if (n > lay->f[i].max) {
				seterr(err, errsz, "sm_length %zu too long", n);
				return -1;
			}
			if (n > blen - p) {
				seterr(err, errsz, "short_message truncated");
				return -1;
			}
			sc->sm_len = n;
			p += n;
			break;
		default:
			if (p >= blen) {
				seterr(err, errsz, "field %d: %s missing", i,
				    kname[lay->f[i].kind]);
				return -1;
			}
			p++;
			break;
		}
	}
	sc->nfields = i;
	sc->tlv_start = p;
	return 0;
}

/*
 * TLV pre-scan, straight into pdu->tlv[]: each header and value inside
 * the PDU, at most SMPP_MAX_TLVS, values bounded. message_payload goes to
 * *payload (not copied yet) for the PDUs that carry it.
 */
static int
tlv_scan(const struct layout *lay, const uint8_t *body, size_t blen,
    size_t p, struct smpp_pdu *pdu, const uint8_t **payload,
    size_t *payload_len, char *err, size_t errsz)
{
	int count = 0;
	uint16_t tag, tlen;

	*payload = NULL;
	*payload_len = 0;
	if (p < blen && !(lay->flags & L_TLV)) {
		seterr(err, errsz, "%zu trailing octets", blen - p);
		return -1;
	}
	while (p < blen) {
		if (blen - p < 4) {
			seterr(err, errsz, "TLV header truncated");
			return -1;
		}
		tag = get16(body + p);
		tlen = get16(body + p + 2);
		p += 4;
		if (tlen > blen - p) {
			seterr(err, errsz, "TLV 0x%04x length %u overruns the PDU",
			    tag, tlen);
			return -1;
		}
		if (++count > SMPP_MAX_TLVS) {
			seterr(err, errsz, "more than %d TLVs", SMPP_MAX_TLVS);
			return -1;
		}
		if (tag == SMPP_TLV_MESSAGE_PAYLOAD && (lay->flags & L_PAYLOAD)) {
			if (tlen > SMPP_PAYLOAD_MAX) {
				seterr(err, errsz, "message_payload %u too long",
				    tlen);
				return -1;
			}
			if (*payload != NULL) {
				seterr(err, errsz, "message_payload twice");
				return -1;
			}
			*payload = body + p;
			*payload_len = tlen;
		} else {
			if (tlen > SMPP_TLV_VAL_MAX) {
				seterr(err, errsz, "TLV 0x%04x length %u too long",
				    tag, tlen);
				return -1;
			}
			pdu->tlv[pdu->ntlv].tag = tag;
			pdu->tlv[pdu->ntlv].len = tlen;
			memcpy(pdu->tlv[pdu->ntlv].val, body + p, tlen);
			pdu->ntlv++;
		}
		p += tlen;
	}
	return 0;
}

/*
 * smpp34_strerror is one global buffer rewritten by every call and it
 * holds field values (addresses, the bind password): copy it at once and
 * keep only the failing field's name and the library's reason.
 */
static void
lib_err(const char *what, char *err, size_t errsz)
{
	char copy[sizeof(smpp34_strerror)];
	char name[40] = "", reason[64] = "";
	const char *b, *c, *o, *e;
	size_t n;

	memcpy(copy, smpp34_strerror, sizeof(copy));
	copy[sizeof(copy) - 1] = '\0';
	b = strrchr(copy, '[');
	if (b != NULL) {
		b++;
		c = strchr(b, ':');
		o = strrchr(b, '(');
		e = o ? strchr(o, ')') : NULL;
		if (c != NULL) {
			n = (size_t)(c - b);
			if (n >= sizeof(name))
				n = sizeof(name) - 1;
			memcpy(name, b, n);
			name[n] = '\0';
		}
		if (o != NULL && e != NULL) {
			n = (size_t)(e - o - 1);
			if (n >= sizeof(reason))
				n = sizeof(reason) - 1;
			memcpy(reason, o + 1, n);
			reason[n] = '\0';
		}
	}
	seterr(err, errsz, "libsmpp34 %s: %s %s", what, name, reason);
}

static void
cstr_copy(char *dst, size_t dstsz, const void *src, size_t srcsz)
{
	size_t n = strnlen(src, srcsz);

	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

#define CSTR_COPY(dst, src) cstr_copy((dst), sizeof(dst), (src), sizeof(src))

union lib_pdu {
	bind_transmitter_t  btx;
	bind_receiver_t     brx;
	bind_transceiver_t  btrx;
	submit_sm_t         submit;
	deliver_sm_t        deliver;
	data_sm_t           data;
};

/* Free what unpack/pack may have hung on the struct, on every path. */
static void
lib_cleanup(uint32_t id, union lib_pdu *u)
{
	switch (id) {
	case SMPP_SUBMIT_SM:
		destroy_tlv(u->submit.tlv);
		u->submit.tlv = NULL;
		break;
	case SMPP_DELIVER_SM:
		destroy_tlv(u->deliver.tlv);
		u->deliver.tlv = NULL;
		break;
	case SMPP_DATA_SM:
		destroy_tlv(u->data.tlv);
		u->data.tlv = NULL;
		break;
	default:
		break;
	}
}

#define FILL_BIND(pdu, t) do {						\
	CSTR_COPY((pdu)->system_id, (t)->system_id);			\
	CSTR_COPY((pdu)->password, (t)->password);			\
	CSTR_COPY((pdu)->system_type, (t)->system_type);		\
	CSTR_COPY((pdu)->address_range, (t)->address_range);		\
} while (0)

#define FILL_SM(pdu, t) do {						\
	CSTR_COPY((pdu)->service_type, (t)->service_type);		\
	CSTR_COPY((pdu)->source_addr, (t)->source_addr);		\
	CSTR_COPY((pdu)->destination_addr, (t)->destination_addr);	\
	(pdu)->esm_class = (t)->esm_class;				\
	(pdu)->registered_delivery = (t)->registered_delivery;		\
	(pdu)->data_coding = (t)->data_coding;				\
} while (0)

/* Octets of mandatory field i (up to the next one, or the TLV area). */
static size_t
field_len(const struct scan *sc, int i, size_t end)
{
	return (i + 1 < sc->nfields ? sc->off[i + 1] : end) - sc->off[i];
}

/*
 * Unpack the mandatory part through libsmpp34. It gets a private copy
 * without the TLV area (we decoded that: its tag-typed value union ignores
 * the length octets and its log would outgrow its buffer), with header
 * values its validators might refuse (status, sequence 0) neutralised
 * (the real header is ours already) and the fields we read ourselves
 * blanked: TON/NPI 0, interface_version 0x34, time fields "".
 */
static int
lib_unpack(const struct layout *lay, const uint8_t *body,
    const struct scan *sc, struct smpp_pdu *pdu, char *err, size_t errsz)
{
	uint8_t copy[SMPP_HEADER_LEN + MANDATORY_MAX];
	union lib_pdu u;
	size_t blen = sc->tlv_start, q = SMPP_HEADER_LEN, n;
	int i, rc, ntime = 0;

	if (blen > MANDATORY_MAX) {
		seterr(err, errsz, "mandatory part too long");
		return -1;
	}
	put32(copy + 4, lay->id);
	put32(copy + 8, 0);
	put32(copy + 12, 1);
	for (i = 0; i < sc->nfields; i++) {
		switch (lay->f[i].kind) {
		case F_TON:
		case F_NPI:
			copy[q++] = 0;
			break;
		case F_IV:
			copy[q++] = SMPP_VERSION;
			break;
		case F_TIME:
			copy[q++] = '\0';
			break;
		default:
			n = field_len(sc, i, blen);
			memcpy(copy + q, body + sc->off[i], n);
			q += n;
			break;
		}
	}
	put32(copy, (uint32_t)q);

	memset(&u, 0, sizeof(u));
	rc = smpp34_unpack(lay->id, &u, copy, (int)q);
	if (rc != 0) {
		lib_err("unpack", err, errsz);
		lib_cleanup(lay->id, &u);
		return -1;
	}
	switch (lay->id) {
	case SMPP_BIND_TRANSMITTER:
		FILL_BIND(pdu, &u.btx);
		break;
	case SMPP_BIND_RECEIVER:
		FILL_BIND(pdu, &u.brx);
		break;
	case SMPP_BIND_TRANSCEIVER:
		FILL_BIND(pdu, &u.btrx);
		break;
	case SMPP_SUBMIT_SM:
		FILL_SM(pdu, &u.submit);
		pdu->protocol_id = u.submit.protocol_id;
		pdu->priority_flag = u.submit.priority_flag;
		pdu->sm_len = u.submit.sm_length;
		memcpy(pdu->sm, u.submit.short_message, pdu->sm_len);
		break;
	case SMPP_DELIVER_SM:
		FILL_SM(pdu, &u.deliver);
		pdu->protocol_id = u.deliver.protocol_id;
		pdu->priority_flag = u.deliver.priority_flag;
		pdu->sm_len = u.deliver.sm_length;
		memcpy(pdu->sm, u.deliver.short_message, pdu->sm_len);
		break;
	case SMPP_DATA_SM:
		FILL_SM(pdu, &u.data);
		break;
	default:
		break;
	}
	lib_cleanup(lay->id, &u);

	/* The octets hidden from the library come from the wire. */
	for (i = 0; i < sc->nfields; i++) {
		uint8_t v = body[sc->off[i]];
		if (lay->f[i].kind == F_TIME) {
			/* NUL inside the field: layout_scan checked. */
			if (ntime++ == 0)
				cstr_copy(pdu->schedule_delivery_time,
				    sizeof(pdu->schedule_delivery_time),
				    body + sc->off[i], SMPP_TIME_SIZE);
			else
				cstr_copy(pdu->validity_period,
				    sizeof(pdu->validity_period),
				    body + sc->off[i], SMPP_TIME_SIZE);
		} else if (lay->f[i].kind == F_IV)
			pdu->interface_version = v;
		else if (lay->f[i].kind == F_TON || lay->f[i].kind == F_NPI) {
			/* bind: addr_ton/npi; sm: source then dest. */
			if (is_bind(lay->id)) {
				if (lay->f[i].kind == F_TON)
					pdu->addr_ton = v;
				else
					pdu->addr_npi = v;
			} else if (i < 4) {
				if (lay->f[i].kind == F_TON)
					pdu->source_addr_ton = v;
				else
					pdu->source_addr_npi = v;
			} else {
				if (lay->f[i].kind == F_TON)
					pdu->dest_addr_ton = v;
				else
					pdu->dest_addr_npi = v;
			}
		}
	}
	return 0;
}

/*
 * The SM family (submit_sm, deliver_sm, data_sm) read straight from the
 * walked layout: every field's place and bound is known already, so this
 * is copies only. libsmpp34's unpack of the same body formats a log line
 * per field (about 40,000 instructions a PDU, most of a busy daemon's
 * time); it stays the reference the fuzz target holds this to
 * (smpp_pdu_decode_ref) and does the binds.
 */
static void
own_unpack(const struct layout *lay, const uint8_t *body,
    const struct scan *sc, struct smpp_pdu *pdu)
{
	const uint8_t *f[MAXFIELDS];
	int i;

	for (i = 0; i < sc->nfields; i++)
		f[i] = body + sc->off[i];
	/* Bounded: layout_scan found each NUL within the field's size. */
	cstr_copy(pdu->service_type, sizeof(pdu->service_type), f[0], 6);
	pdu->source_addr_ton = *f[1];
	pdu->source_addr_npi = *f[2];
	cstr_copy(pdu->source_addr, sizeof(pdu->source_addr), f[3], 21);
	pdu->dest_addr_ton = *f[4];
	pdu->dest_addr_npi = *f[5];
	cstr_copy(pdu->destination_addr, sizeof(pdu->destination_addr), f[6],
	    21);
	pdu->esm_class = *f[7];
	if (lay->id == SMPP_DATA_SM) {
		pdu->registered_delivery = *f[8];
		pdu->data_coding = *f[9];
		return;
	}
	pdu->protocol_id = *f[8];
	pdu->priority_flag = *f[9];
	cstr_copy(pdu->schedule_delivery_time,
	    sizeof(pdu->schedule_delivery_time), f[10], SMPP_TIME_SIZE);
	cstr_copy(pdu->validity_period, sizeof(pdu->validity_period), f[11],
	    SMPP_TIME_SIZE);
	pdu->registered_delivery = *f[12];
	pdu->data_coding = *f[14];
	pdu->sm_len = (uint16_t)sc->sm_len;
	memcpy(pdu->sm, f[16] + 1, sc->sm_len);
}

static enum smpp_decode
pdu_decode(const uint8_t *buf, size_t len, struct smpp_pdu *pdu,
    char *err, size_t errsz, int ref)
{
	const struct layout *lay;
	const uint8_t *body, *payload;
	size_t blen, payload_len;
	struct scan sc;
	uint32_t hdr[4];

	smpp_pdu_clear(pdu);
	errclr(err, errsz);
	if (buf == NULL || len < SMPP_HEADER_LEN) {
		seterr(err, errsz, "PDU shorter than its header");
		return SMPP_DECODE_BAD_BODY;
	}
	/* The header first, from the raw bytes, so any failure below can
	 * still be answered and correlated. */
	pdu->command_length = get32(buf);
	pdu->command_id = get32(buf + 4);
	pdu->command_status = get32(buf + 8);
	pdu->sequence = get32(buf + 12);
	if (pdu->command_length != len) {
		seterr(err, errsz, "command_length %u but %zu octets",
		    pdu->command_length, len);
		return SMPP_DECODE_BAD_BODY;
	}
	lay = layout_find(pdu->command_id);
	if (lay == NULL) {
		seterr(err, errsz, "unsupported command 0x%08x", pdu->command_id);
		return SMPP_DECODE_UNKNOWN;
	}
	body = buf + SMPP_HEADER_LEN;
	blen = len - SMPP_HEADER_LEN;
	if (blen == 0 && (lay->flags & L_RESP))
		return SMPP_DECODE_OK;	/* error responses carry no body */

	if (layout_scan(lay, body, blen, &sc, err, errsz) == -1 ||
	    tlv_scan(lay, body, blen, sc.tlv_start, pdu, &payload,
	    &payload_len, err, errsz) == -1)
		goto bad;
	if (payload != NULL && sc.sm_len > 0) {
		seterr(err, errsz, "short_message and message_payload both set");
		goto bad;
	}

	if ((lay->flags & L_LIB) && !ref && !is_bind(lay->id))
		own_unpack(lay, body, &sc, pdu);
	else if (lay->flags & L_LIB) {
		if (lib_unpack(lay, body, &sc, pdu, err, errsz) == -1)
			goto bad;
	} else if (sc.nfields == 1) {
		/* Responses: one C string our walk has bounded already;
		 * libsmpp34 refuses legitimate shapes here (a body with an
		 * error status, a non-empty deliver_sm_resp message_id). */
		if (is_bind(lay->id & ~SMPP_RESP_BIT))
			cstr_copy(pdu->system_id, sizeof(pdu->system_id),
			    body, lay->f[0].max);
		else
			cstr_copy(pdu->message_id, sizeof(pdu->message_id),
			    body, lay->f[0].max);
	}
	if (payload != NULL) {
		memcpy(pdu->sm, payload, payload_len);
		pdu->sm_len = (uint16_t)payload_len;
	}
	return SMPP_DECODE_OK;

bad:
	/* Keep the header, drop half-decoded fields. */
	hdr[0] = pdu->command_length;
	hdr[1] = pdu->command_id;
	hdr[2] = pdu->command_status;
	hdr[3] = pdu->sequence;
	smpp_pdu_clear(pdu);
	pdu->command_length = hdr[0];
	pdu->command_id = hdr[1];
	pdu->command_status = hdr[2];
	pdu->sequence = hdr[3];
	return SMPP_DECODE_BAD_BODY;
}

enum smpp_decode
smpp_pdu_decode(const uint8_t *buf, size_t len, struct smpp_pdu *pdu,
    char *err, size_t errsz)
{
	return pdu_decode(buf, len, pdu, err, errsz, 0);
}

enum smpp_decode
smpp_pdu_decode_ref(const uint8_t *buf, size_t len, struct smpp_pdu *pdu,
    char *err, size_t errsz)
{
	return pdu_decode(buf, len, pdu, err, errsz, 1);
}

int
smpp_pdu_peek_esm_class(const uint8_t *buf, size_t len)
{
	static const size_t max[3] = { 6, 21, 21 };	/* with their NUL */
	const uint8_t *nul;
	uint32_t id;
	size_t p = SMPP_HEADER_LEN, n;

	if (len < SMPP_HEADER_LEN)
		return -1;
	id = get32(buf + 4);
	if (id != SMPP_DELIVER_SM && id != SMPP_DATA_SM)
		return -1;
	/* service_type, TON, NPI, source_addr, TON, NPI, destination_addr */
	for (int i = 0; i < 3; i++) {
		n = len - p < max[i] ? len - p : max[i];
		if ((nul = memchr(buf + p, '\0', n)) == NULL)
			return -1;
		p = (size_t)(nul - buf) + 1 + (i < 2 ? 2 : 0);
		if (p > len)
			return -1;
	}
	return p < len ? buf[p] : -1;
}

long
smpp_pdu_frame(const uint8_t *buf, size_t avail, uint32_t max_pdu)
{
	uint32_t len;

	if (avail < SMPP_HEADER_LEN)
		return 0;
	len = get32(buf);
	if (max_pdu < SMPP_HEADER_LEN)
		max_pdu = SMPP_MAX_PDU;
	if (len < SMPP_HEADER_LEN || len > max_pdu)
		return -1;
	return (long)len;
}

/* ---- encode ---- */

struct writer {
	uint8_t *buf;
	size_t   size, len;
	int      overflow;
};

static void
w_bytes(struct writer *w, const void *p, size_t n)
{
	if (w->overflow || n > w->size - w->len) {
		w->overflow = 1;
		return;
	}
	if (n > 0)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void
w_u16(struct writer *w, uint16_t v)
{
	uint8_t b[2] = { v >> 8, v & 0xff };

	w_bytes(w, b, 2);
}

static void
w_u32(struct writer *w, uint32_t v)
{
	uint8_t b[4];

	put32(b, v);
	w_bytes(w, b, 4);
}

/* A NUL-terminated field of at most size octets (NUL included). */
static int
cstr_ok(const char *s, size_t size)
{
	return strnlen(s, size) < size;
}

static void
w_cstr(struct writer *w, const char *s)
{
	w_bytes(w, s, strlen(s) + 1);
}

#define STRSET(dst, src) memcpy((dst), (src), strlen(src) + 1)

/*
 * Pack the mandatory part through libsmpp34 into body/blen. Its packer
 * validates TON/NPI against short lists, refuses a 254-octet
 * short_message (off by one) and has no room for deliver_sm's time
 * fields: we pack TON/NPI as 0, the times empty and at most 253 octets,
 * then write the wire values through our own layout walk.
 */
static int
lib_pack(const struct layout *lay, const struct smpp_pdu *pdu,
    uint8_t *body, size_t *blen, char *err, size_t errsz)
{
	uint8_t tmp[SMPP_HEADER_LEN + MANDATORY_MAX], out[MANDATORY_MAX];
	union lib_pdu u;
	struct scan sc;
	int plen = 0, rc, i, nton = 0, nnpi = 0, ntime = 0, extra = 0;
	size_t n, q = 0, flen;
	uint8_t smlen = 0;

	memset(&u, 0, sizeof(u));
	switch (lay->id) {
	case SMPP_BIND_TRANSMITTER:
	case SMPP_BIND_RECEIVER:
	case SMPP_BIND_TRANSCEIVER:
		/* The three bind bodies share one frame. */
		STRSET(u.btrx.system_id, pdu->system_id);
		STRSET(u.btrx.password, pdu->password);
		STRSET(u.btrx.system_type, pdu->system_type);
		STRSET(u.btrx.address_range, pdu->address_range);
		u.btrx.interface_version = SMPP_VERSION;
		u.btrx.command_id = lay->id;
		u.btrx.sequence_number = 1;
		break;
	case SMPP_SUBMIT_SM:
	case SMPP_DELIVER_SM:
		if (pdu->sm_len <= 254) {
			smlen = (uint8_t)pdu->sm_len;
			extra = smlen == 254;
		}
		if (lay->id == SMPP_SUBMIT_SM) {
#define FILL(t) do {							\
	STRSET((t)->service_type, pdu->service_type);			\
	STRSET((t)->source_addr, pdu->source_addr);			\
	STRSET((t)->destination_addr, pdu->destination_addr);		\
	(t)->esm_class = pdu->esm_class;				\
	(t)->protocol_id = pdu->protocol_id;				\
	(t)->priority_flag = pdu->priority_flag;			\
	(t)->registered_delivery = pdu->registered_delivery;		\
	(t)->data_coding = pdu->data_coding;				\
	(t)->sm_length = smlen - extra;					\
	memcpy((t)->short_message, pdu->sm, (t)->sm_length);		\
	(t)->command_id = lay->id;					\
	(t)->sequence_number = 1;					\
} while (0)
			FILL(&u.submit);
		} else
			FILL(&u.deliver);
#undef FILL
		break;
	case SMPP_DATA_SM:
		STRSET(u.data.service_type, pdu->service_type);
		STRSET(u.data.source_addr, pdu->source_addr);
		STRSET(u.data.destination_addr, pdu->destination_addr);
		u.data.esm_class = pdu->esm_class;
		u.data.registered_delivery = pdu->registered_delivery;
		u.data.data_coding = pdu->data_coding;
		u.data.command_id = lay->id;
		u.data.sequence_number = 1;
		break;
	default:
		seterr(err, errsz, "no packer for 0x%08x", lay->id);
		return -1;
	}
	rc = smpp34_pack(lay->id, tmp, (int)sizeof(tmp), &plen, &u);
	if (rc != 0) {
		lib_err("pack", err, errsz);
		lib_cleanup(lay->id, &u);
		return -1;
	}
	lib_cleanup(lay->id, &u);
	if (plen < SMPP_HEADER_LEN || (size_t)plen + extra > sizeof(tmp)) {
		seterr(err, errsz, "libsmpp34 pack: bad length %d", plen);
		return -1;
	}
	n = (size_t)plen - SMPP_HEADER_LEN;
	memcpy(body, tmp + SMPP_HEADER_LEN, n);
	if (extra) {
		/* short_message is the last mandatory field: append the
		 * 254th octet and fix sm_length in front of it. */
		body[n - 253 - 1] = 254;
		body[n] = pdu->sm[253];
		n++;
	}
	if (layout_scan(lay, body, n, &sc, err, errsz) == -1 ||
	    sc.tlv_start != n) {
		seterr(err, errsz, "libsmpp34 pack: unexpected layout");
		return -1;
	}
	for (i = 0; i < sc.nfields; i++) {
		int isbind = is_bind(lay->id);
		const char *ts;

		flen = lay->f[i].kind == F_TIME ? SMPP_TIME_SIZE :
		    field_len(&sc, i, n);
		if (flen > sizeof(out) - q) {
			seterr(err, errsz, "mandatory part too long");
			return -1;
		}
		switch (lay->f[i].kind) {
		case F_IV:
			out[q++] = pdu->interface_version;
			break;
		case F_TON:
			out[q++] = isbind ? pdu->addr_ton : nton++ == 0 ?
			    pdu->source_addr_ton : pdu->dest_addr_ton;
			break;
		case F_NPI:
			out[q++] = isbind ? pdu->addr_npi : nnpi++ == 0 ?
			    pdu->source_addr_npi : pdu->dest_addr_npi;
			break;
		case F_TIME:
			ts = ntime++ == 0 ? pdu->schedule_delivery_time :
			    pdu->validity_period;
			flen = strlen(ts) + 1;	/* < SMPP_TIME_SIZE: checked */
			memcpy(out + q, ts, flen);
			q += flen;
			break;
		default:
			memcpy(out + q, body + sc.off[i], flen);
			q += flen;
			break;
		}
	}
	memcpy(body, out, q);
	*blen = q;
	return 0;
}

/*
 * The SM family's mandatory part written by us, field by field in SMPP
 * 3.4 order (replace_if_present and sm_default_msg_id 0): byte for byte
 * what lib_pack gives (the unit test and the fuzz target hold it to
 * that), without libsmpp34's formatting of every field. The string
 * fields were checked NUL-terminated within their sizes by the caller.
 */
static int
own_pack(const struct layout *lay, const struct smpp_pdu *pdu,
    uint8_t *body, size_t *blen, int payload)
{
	struct writer w = { body, MANDATORY_MAX, 0, 0 };
	uint8_t o[4];

	w_cstr(&w, pdu->service_type);
	o[0] = pdu->source_addr_ton;
	o[1] = pdu->source_addr_npi;
	w_bytes(&w, o, 2);
	w_cstr(&w, pdu->source_addr);
	o[0] = pdu->dest_addr_ton;
	o[1] = pdu->dest_addr_npi;
	w_bytes(&w, o, 2);
	w_cstr(&w, pdu->destination_addr);
	if (lay->id == SMPP_DATA_SM) {
		o[0] = pdu->esm_class;
		o[1] = pdu->registered_delivery;
		o[2] = pdu->data_coding;
		w_bytes(&w, o, 3);
	} else {
		o[0] = pdu->esm_class;
		o[1] = pdu->protocol_id;
		o[2] = pdu->priority_flag;
		w_bytes(&w, o, 3);
		w_cstr(&w, pdu->schedule_delivery_time);
		w_cstr(&w, pdu->validity_period);
		o[0] = pdu->registered_delivery;
		o[1] = 0;			/* replace_if_present_flag */
		o[2] = pdu->data_coding;
		o[3] = 0;			/* sm_default_msg_id */
		w_bytes(&w, o, 4);
		o[0] = payload ? 0 : (uint8_t)pdu->sm_len;
		w_bytes(&w, o, 1);
		if (!payload)
			w_bytes(&w, pdu->sm, pdu->sm_len);
	}
	if (w.overflow)
		return -1;
	*blen = w.len;
	return 0;
}

static long
pdu_encode(const struct smpp_pdu *pdu, uint8_t *buf, size_t bufsz,
    char *err, size_t errsz, int ref)
{
	const struct layout *lay;
	struct writer w = { buf, bufsz, 0, 0 };
	uint8_t body[MANDATORY_MAX];
	size_t blen = 0;
	int payload = 0, i;

	errclr(err, errsz);
	lay = layout_find(pdu->command_id);
	if (lay == NULL) {
		seterr(err, errsz, "unsupported command 0x%08x", pdu->command_id);
		return -1;
	}
	if (pdu->ntlv < 0 || pdu->ntlv > SMPP_MAX_TLVS ||
	    (pdu->ntlv > 0 && !(lay->flags & L_TLV))) {
		seterr(err, errsz, "bad TLV count %d for %s", pdu->ntlv,
		    smpp_pdu_command_str(pdu->command_id));
		return -1;
	}
	if (pdu->sm_len > SMPP_PAYLOAD_MAX) {
		seterr(err, errsz, "sm_len %u too long", pdu->sm_len);
		return -1;
	}
	if (!cstr_ok(pdu->system_id, sizeof(pdu->system_id)) ||
	    !cstr_ok(pdu->password, sizeof(pdu->password)) ||
	    !cstr_ok(pdu->system_type, sizeof(pdu->system_type)) ||
	    !cstr_ok(pdu->address_range, sizeof(pdu->address_range)) ||
	    !cstr_ok(pdu->service_type, sizeof(pdu->service_type)) ||
	    !cstr_ok(pdu->source_addr, sizeof(pdu->source_addr)) ||
	    !cstr_ok(pdu->destination_addr, sizeof(pdu->destination_addr)) ||
	    !cstr_ok(pdu->message_id, sizeof(pdu->message_id)) ||
	    !cstr_ok(pdu->schedule_delivery_time,
	    sizeof(pdu->schedule_delivery_time)) ||
	    !cstr_ok(pdu->validity_period, sizeof(pdu->validity_period))) {
		seterr(err, errsz, "string field without NUL");
		return -1;
	}
	if ((lay->id == SMPP_SUBMIT_SM || lay->id == SMPP_DELIVER_SM) &&
	    (smpp_pdu_time_check(pdu->schedule_delivery_time) != 0 ||
	    smpp_pdu_time_check(pdu->validity_period) != 0)) {
		seterr(err, errsz, "bad schedule_delivery_time or validity_period");
		return -1;
	}
	if (lay->flags & L_PAYLOAD)
		payload = pdu->sm_len > 0 && (lay->id == SMPP_DATA_SM ||
		    pdu->sm_len > 254);
	for (i = 0; i < pdu->ntlv; i++) {
		if (pdu->tlv[i].len > SMPP_TLV_VAL_MAX) {
			seterr(err, errsz, "TLV 0x%04x too long", pdu->tlv[i].tag);
			return -1;
		}
		if (payload && pdu->tlv[i].tag == SMPP_TLV_MESSAGE_PAYLOAD) {
			seterr(err, errsz, "message_payload in sm and in tlv[]");
			return -1;
		}
	}

	if ((lay->flags & L_LIB) && !ref && !is_bind(lay->id)) {
		if (own_pack(lay, pdu, body, &blen, payload) == -1) {
			seterr(err, errsz, "mandatory part too long");
			return -1;
		}
	} else if (lay->flags & L_LIB) {
		if (lib_pack(lay, pdu, body, &blen, err, errsz) == -1)
			return -1;
	}
	w_u32(&w, 0);	/* command_length, set below */
	w_u32(&w, pdu->command_id);
	w_u32(&w, pdu->command_status);
	w_u32(&w, pdu->sequence);
	if (lay->flags & L_LIB)
		w_bytes(&w, body, blen);
	else if (lay->f[0].kind == F_CSTR) {
		/* Responses: one C string. An error response carries no
		 * body (SMPP 3.4 §4.4.2) unless the caller put something
		 * in it; deliver_sm_resp keeps its empty message_id. */
		const char *s = is_bind(lay->id & ~SMPP_RESP_BIT) ?
		    pdu->system_id : pdu->message_id;
		if (pdu->command_status == SMPP_ESME_ROK || s[0] != '\0' ||
		    pdu->ntlv > 0 ||
		    pdu->command_id == (SMPP_DELIVER_SM | SMPP_RESP_BIT))
			w_cstr(&w, s);
	}
	if (payload) {
		w_u16(&w, SMPP_TLV_MESSAGE_PAYLOAD);
		w_u16(&w, pdu->sm_len);
		w_bytes(&w, pdu->sm, pdu->sm_len);
	}
	/* TLV values are written as the raw octets they hold. */
	for (i = 0; i < pdu->ntlv; i++) {
		w_u16(&w, pdu->tlv[i].tag);
		w_u16(&w, pdu->tlv[i].len);
		w_bytes(&w, pdu->tlv[i].val, pdu->tlv[i].len);
	}
	if (w.overflow) {
		seterr(err, errsz, "buffer too small (%zu)", bufsz);
		return -1;
	}
	put32(buf, (uint32_t)w.len);
	return (long)w.len;
}

long
smpp_pdu_encode(const struct smpp_pdu *pdu, uint8_t *buf, size_t bufsz,
    char *err, size_t errsz)
{
	return pdu_encode(pdu, buf, bufsz, err, errsz, 0);
}

long
smpp_pdu_encode_ref(const struct smpp_pdu *pdu, uint8_t *buf, size_t bufsz,
    char *err, size_t errsz)
{
	return pdu_encode(pdu, buf, bufsz, err, errsz, 1);
}

/* ---- helpers ---- */

/* Two ASCII digits at s as a number, or -1. */
static int
two_digits(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

int
smpp_pdu_time_check(const char *s)
{
	/* Absolute "YYMMDDhhmmsstnnp": bounds of MM, DD, hh, mm, ss, nn. */
	static const struct {
		int pos, lo, hi;
	} absr[] = {
		{ 2, 1, 12 }, { 4, 1, 31 }, { 6, 0, 23 }, { 8, 0, 59 },
		{ 10, 0, 59 }, { 13, 0, 48 },
	};
	size_t i, n = strnlen(s, SMPP_TIME_SIZE);

	if (n == 0)
		return 0;
	if (n != SMPP_TIME_SIZE - 1)
		return -1;
	for (i = 0; i < 15; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	if (s[15] == 'R')
		return 0;	/* relative: amounts, no calendar bounds */
	if (s[15] != '+' && s[15] != '-')
		return -1;
	for (i = 0; i < sizeof(absr) / sizeof(absr[0]); i++) {
		int v = two_digits(s + absr[i].pos);

		if (v < absr[i].lo || v > absr[i].hi)
			return -1;
	}
	return 0;
}

int
smpp_pdu_time_relative(long long secs, char *out, size_t outsz)
{
	long long days;
	int n;

	if (out == NULL || outsz < SMPP_TIME_SIZE)
		return -1;
	if (secs < 1)
		secs = 1;
	days = secs / 86400;
	if (days > 99) {
		days = 99;
		secs = 99 * 86400LL + 86399;
	}
	secs %= 86400;
	/* "0000" DD hh mm ss "000R": every field two digits, 0..99. */
	{
		const int f[4] = { (int)days, (int)(secs / 3600),
		    (int)(secs / 60 % 60), (int)(secs % 60) };

		_Static_assert(SMPP_TIME_SIZE == 17, "time field");
		memcpy(out, "0000", 4);
		for (n = 0; n < 4; n++) {
			out[4 + 2 * n] = (char)('0' + f[n] / 10);
			out[5 + 2 * n] = (char)('0' + f[n] % 10);
		}
		memcpy(out + 12, "000R", 5);
	}
	return 0;
}

const struct smpp_tlv *
smpp_pdu_tlv_get(const struct smpp_pdu *pdu, uint16_t tag)
{
	for (int i = 0; i < pdu->ntlv && i < SMPP_MAX_TLVS; i++)
		if (pdu->tlv[i].tag == tag)
			return &pdu->tlv[i];
	return NULL;
}

int
smpp_pdu_tlv_add(struct smpp_pdu *pdu, uint16_t tag, const void *val,
    uint16_t len)
{
	struct smpp_tlv *t;

	if (pdu->ntlv < 0 || pdu->ntlv >= SMPP_MAX_TLVS ||
	    len > SMPP_TLV_VAL_MAX || (len > 0 && val == NULL))
		return -1;
	t = &pdu->tlv[pdu->ntlv++];
	t->tag = tag;
	t->len = len;
	if (len > 0)
		memcpy(t->val, val, len);
	return 0;
}

static const struct {
	uint32_t    id;
	const char *name;
} commands[] = {
	{ SMPP_GENERIC_NACK, "generic_nack" },
	{ SMPP_BIND_RECEIVER, "bind_receiver" },
	{ SMPP_BIND_RECEIVER | SMPP_RESP_BIT, "bind_receiver_resp" },
	{ SMPP_BIND_TRANSMITTER, "bind_transmitter" },
	{ SMPP_BIND_TRANSMITTER | SMPP_RESP_BIT, "bind_transmitter_resp" },
	{ 0x00000003u, "query_sm" },
	{ 0x80000003u, "query_sm_resp" },
	{ SMPP_SUBMIT_SM, "submit_sm" },
	{ SMPP_SUBMIT_SM | SMPP_RESP_BIT, "submit_sm_resp" },
	{ SMPP_DELIVER_SM, "deliver_sm" },
	{ SMPP_DELIVER_SM | SMPP_RESP_BIT, "deliver_sm_resp" },
	{ SMPP_UNBIND, "unbind" },
	{ SMPP_UNBIND | SMPP_RESP_BIT, "unbind_resp" },
	{ 0x00000007u, "replace_sm" },
	{ 0x80000007u, "replace_sm_resp" },
	{ 0x00000008u, "cancel_sm" },
	{ 0x80000008u, "cancel_sm_resp" },
	{ SMPP_BIND_TRANSCEIVER, "bind_transceiver" },
	{ SMPP_BIND_TRANSCEIVER | SMPP_RESP_BIT, "bind_transceiver_resp" },
	{ 0x0000000Bu, "outbind" },
	{ SMPP_ENQUIRE_LINK, "enquire_link" },
	{ SMPP_ENQUIRE_LINK | SMPP_RESP_BIT, "enquire_link_resp" },
	{ 0x00000021u, "submit_multi" },
	{ 0x80000021u, "submit_multi_resp" },
	{ 0x00000102u, "alert_notification" },
	{ SMPP_DATA_SM, "data_sm" },
	{ SMPP_DATA_SM | SMPP_RESP_BIT, "data_sm_resp" },
};

const char *
smpp_pdu_command_str(uint32_t command_id)
{
	static char buf[16];

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].id == command_id)
			return commands[i].name;
	snprintf(buf, sizeof(buf), "0x%08x", command_id);
	return buf;
}

static const struct {
	uint32_t    status;
	const char *name;
} statuses[] = {
	{ 0x00, "ESME_ROK" }, { 0x01, "ESME_RINVMSGLEN" },
	{ 0x02, "ESME_RINVCMDLEN" }, { 0x03, "ESME_RINVCMDID" },
	{ 0x04, "ESME_RINVBNDSTS" }, { 0x05, "ESME_RALYBND" },
	{ 0x06, "ESME_RINVPRTFLG" }, { 0x07, "ESME_RINVREGDLVFLG" },
	{ 0x08, "ESME_RSYSERR" }, { 0x0A, "ESME_RINVSRCADR" },
	{ 0x0B, "ESME_RINVDSTADR" }, { 0x0C, "ESME_RINVMSGID" },
	{ 0x0D, "ESME_RBINDFAIL" }, { 0x0E, "ESME_RINVPASWD" },
	{ 0x0F, "ESME_RINVSYSID" }, { 0x11, "ESME_RCANCELFAIL" },
	{ 0x13, "ESME_RREPLACEFAIL" }, { 0x14, "ESME_RMSGQFUL" },
	{ 0x15, "ESME_RINVSERTYP" }, { 0x45, "ESME_RSUBMITFAIL" },
	{ 0x58, "ESME_RTHROTTLED" }, { 0x61, "ESME_RINVSCHED" },
	{ 0x62, "ESME_RINVEXPIRY" }, { 0x64, "ESME_RX_T_APPN" },
	{ 0x65, "ESME_RX_P_APPN" }, { 0x66, "ESME_RX_R_APPN" },
	{ 0xC0, "ESME_RINVOPTPARSTREAM" }, { 0xC1, "ESME_ROPTPARNOTALLWD" },
	{ 0xC2, "ESME_RINVPARLEN" }, { 0xC3, "ESME_RMISSINGOPTPARAM" },
	{ 0xC4, "ESME_RINVOPTPARAMVAL" }, { 0xFE, "ESME_RDELIVERYFAILURE" },
	{ 0xFF, "ESME_RUNKNOWNERR" },
};

const char *
smpp_pdu_status_str(uint32_t status)
{
	static char buf[16];

	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].status == status)
			return statuses[i].name;
	snprintf(buf, sizeof(buf), "0x%08x", status);
	return buf;
}

/* ---- trace ---- */

/* Room for the longest trace line: the fields of a submit_sm and 16 TLVs
 * of 32 octets in hex come to less than 1,500 bytes. */
#define SMPP_PDU_TRACE_MAX	2048

/* TLVs whose value may carry a phone number or text: length only. */
static int
tlv_private(uint16_t tag)
{
	return tag == 0x0381 || tag == 0x0202 || tag == 0x0203 ||
	    tag == SMPP_TLV_MESSAGE_PAYLOAD || tag == 0x001D;
}

void
smpp_pdu_trace(const struct smpp_pdu *pdu, char *out, size_t outsz)
{
	char line[SMPP_PDU_TRACE_MAX], m1[32], m2[32];
	struct tbuf t;
	uint32_t id = pdu->command_id;

	if (out == NULL || outsz == 0)
		return;
	tbuf_init(&t, line, sizeof(line));
	tbuf_addf(&t, "%s seq=%u", smpp_pdu_command_str(id), pdu->sequence);
	if (id & SMPP_RESP_BIT)
		tbuf_addf(&t, " status=%s",
		    smpp_pdu_status_str(pdu->command_status));
	switch (id) {
	case SMPP_BIND_TRANSMITTER:
	case SMPP_BIND_RECEIVER:
	case SMPP_BIND_TRANSCEIVER:
		/* never the password */
		tbuf_addf(&t, " system_id=%.15s system_type=%.12s"
		    " interface_version=0x%02x", pdu->system_id,
		    pdu->system_type, pdu->interface_version);
		break;
	case SMPP_BIND_TRANSMITTER | SMPP_RESP_BIT:
	case SMPP_BIND_RECEIVER | SMPP_RESP_BIT:
	case SMPP_BIND_TRANSCEIVER | SMPP_RESP_BIT:
		tbuf_addf(&t, " system_id=%.15s", pdu->system_id);
		break;
	case SMPP_SUBMIT_SM:
	case SMPP_DELIVER_SM:
	case SMPP_DATA_SM:
		log_mask_msisdn(pdu->source_addr, m1, sizeof(m1));
		log_mask_msisdn(pdu->destination_addr, m2, sizeof(m2));
		tbuf_addf(&t, " service_type=%.5s src=%u/%u:%s dst=%u/%u:%s"
		    " esm_class=0x%02x registered_delivery=%u"
		    " data_coding=0x%02x sm=<%u bytes>", pdu->service_type,
		    pdu->source_addr_ton, pdu->source_addr_npi, m1,
		    pdu->dest_addr_ton, pdu->dest_addr_npi, m2,
		    pdu->esm_class, pdu->registered_delivery,
		    pdu->data_coding, pdu->sm_len);
		if (pdu->schedule_delivery_time[0] != '\0')
			tbuf_addf(&t, " schedule=%.16s",
			    pdu->schedule_delivery_time);
		if (pdu->validity_period[0] != '\0')
			tbuf_addf(&t, " validity=%.16s",
			    pdu->validity_period);
		break;
	case SMPP_SUBMIT_SM | SMPP_RESP_BIT:
	case SMPP_DELIVER_SM | SMPP_RESP_BIT:
	case SMPP_DATA_SM | SMPP_RESP_BIT:
		tbuf_addf(&t, " message_id=%.64s", pdu->message_id);
		break;
	default:
		break;
	}
	for (int i = 0; i < pdu->ntlv && i < SMPP_MAX_TLVS; i++) {
		const struct smpp_tlv *tl = &pdu->tlv[i];
		tbuf_addf(&t, " %04x=", tl->tag);
		if (tlv_private(tl->tag)) {
			tbuf_addf(&t, "<%u bytes>", tl->len);
			continue;
		}
		for (unsigned j = 0; j < tl->len && j < 32; j++)
			tbuf_addf(&t, "%02x", tl->val[j]);
		if (tl->len > 32)
			tbuf_adds(&t, "..");
	}
	/* A short out takes the line's beginning. */
	snprintf(out, outsz, "%s", line);
}
