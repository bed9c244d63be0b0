/*
 * sms: plain SMS on the SMPP wire — a UTF-8 text cut into submit_sm bodies
 * (one message, or concatenated segments behind an 8-bit-reference UDH,
 * never cutting a character), delivery receipts read from their TLVs or
 * their SMPP 3.4 appendix B text, and message ids made comparable.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "sms.h"
#include "utf8.h"

#define SMS_SINGLE_SEPTETS	160
#define SMS_SINGLE_UCS2		70	/* UTF-16 units */
#define SMS_CONCAT_SEPTETS	153	/* 160 minus the 6-octet UDH (7 septets) */
#define SMS_CONCAT_UCS2		67	/* (140 - 6) / 2 */
#define SMS_UDH_LEN		6
#define SMS_ESM_UDHI		0x40
#define SMS_ESM_TYPE_MASK	0x3C
#define SMS_ESM_TYPE_RECEIPT	0x04
#define SMS_MSGID_MAX		64

enum sms_mode {
	SMS_MODE_GSM7,		/* unpacked septets, data_coding 0 on a GSM7 bind */
	SMS_MODE_LATIN1,	/* Latin-1 octets, data_coding 0 on a LATIN1 bind */
	SMS_MODE_UCS2,
};

/* A new segment behind the concatenation UDH (its count set at the end). */
static struct sms_segment *
sms_segment_start(struct sms_segment *s, uint8_t dc, uint8_t ref, int i)
{
	s->data_coding = dc;
	s->esm_class = SMS_ESM_UDHI;
	s->body[0] = 0x05;	/* UDH length */
	s->body[1] = 0x00;	/* IEI: concatenation, 8-bit ref */
	s->body[2] = 0x03;	/* IE length */
	s->body[3] = ref;
	s->body[5] = (uint8_t)i;
	s->len = SMS_UDH_LEN;
	return s;
}

/*
 * The text is written once, in the encoding of the whole message
 * (gsm_encode_gsm: no measure before), into a buffer: copied as it is when
 * it fits one message, else cut there: septets after 153 (152 when an
 * escape pair would straddle the cut: 0x1B is never the second octet of a
 * pair), UCS-2 after 67 units (past U+FFFF is one '?': no surrogate pair
 * to keep), Latin-1 octets by their cost in septets. A text longer than
 * maxseg full segments does not fit the buffer and is refused as such
 * (when the GSM pass runs out of room, so would UCS-2: one unit per
 * character, at least half the septets).
 */
int
sms_split(const char *utf8, enum gsm_charset charset, uint8_t ref,
    struct sms_segment *seg, int maxseg)
{
	uint8_t buf[255 * SMS_CONCAT_SEPTETS];
	size_t len, i, k, used, per;
	long sep;
	uint8_t dc;
	int r, nseg, mode;

	if (utf8 == NULL || seg == NULL || maxseg < 1)
		return -1;
	if (maxseg > 255)
		maxseg = 255;		/* the UDH counts in one octet */

	r = gsm_encode_gsm(utf8, charset, buf, maxseg == 1 ?
	    SMS_SINGLE_SEPTETS : (size_t)maxseg * SMS_CONCAT_SEPTETS, &len,
	    &sep);
	if (r == GSM_ENC_BAD || r == GSM_ENC_FULL)
		return -1;	/* bad UTF-8, or too long */
	if (r == GSM_ENC_OK && sep <= SMS_SINGLE_SEPTETS) {
		seg[0].data_coding = GSM_DC_DEFAULT;
		seg[0].esm_class = 0;
		memcpy(seg[0].body, buf, len);
		seg[0].len = (uint16_t)len;
		return 1;
	}
	if (r == GSM_ENC_UCS2 && gsm_utf8_to_ucs2(utf8, seg[0].body,
	    2 * SMS_SINGLE_UCS2, &len) == 0) {
		seg[0].data_coding = GSM_DC_UCS2;
		seg[0].esm_class = 0;
		seg[0].len = (uint16_t)len;
		return 1;
	}
	if (r == GSM_ENC_UCS2) {
		mode = SMS_MODE_UCS2;
		if (gsm_utf8_to_ucs2(utf8, buf,
		    (size_t)maxseg * 2 * SMS_CONCAT_UCS2, &len) == -1)
			return -1;	/* bad UTF-8, or too long */
	} else
		mode = charset == GSM_CHARSET_LATIN1 ? SMS_MODE_LATIN1 :
		    SMS_MODE_GSM7;
	dc = mode == SMS_MODE_UCS2 ? GSM_DC_UCS2 : GSM_DC_DEFAULT;
	nseg = 0;
	for (i = 0; i < len; i += k) {
		if (nseg == maxseg)
			return -1;
		sms_segment_start(&seg[nseg], dc, ref, nseg + 1);
		if (mode == SMS_MODE_UCS2) {
			per = 2 * SMS_CONCAT_UCS2;
			k = len - i < per ? len - i : per;
		} else if (mode == SMS_MODE_GSM7) {
			per = SMS_CONCAT_SEPTETS;
			if ((k = len - i) > per)
				k = buf[i + per - 1] == 0x1B ? per - 1 : per;
		} else {
			for (k = 0, used = 0; i + k < len; k++) {
				used += gsm_latin[buf[i + k]] >> 8;
				if (used > SMS_CONCAT_SEPTETS)
					break;
			}
		}
		memcpy(seg[nseg].body + SMS_UDH_LEN, buf + i, k);
		seg[nseg].len = (uint16_t)(SMS_UDH_LEN + k);
		nseg++;
	}
	for (i = 0; i < (size_t)nseg; i++)
		seg[i].body[4] = (uint8_t)nseg;
	return nseg;
}

/*
 * sms_split's count without writing: segments of one septet-cost packing
 * (GSM7 and LATIN1 modes cost the same per character) and of the UCS-2
 * one, from one pass over the text.
 */
int
sms_fits(const char *utf8, size_t maxbytes, int maxseg)
{
	struct gsm_measure m;
	size_t len;

	if (utf8 == NULL || maxseg < 1 ||
	    (len = strnlen(utf8, maxbytes)) >= maxbytes ||
	    gsm_measure(utf8, &m) == -1)
		return 0;
	return sms_fits_measure(utf8, len, &m, maxbytes, maxseg);
}

int
sms_fits_measure(const char *utf8, size_t len, const struct gsm_measure *mp,
    size_t maxbytes, int maxseg)
{
	struct gsm_measure m = *mp;
	const unsigned char *p;
	size_t clen, used = 0;
	long segs = 0, ucs2;
	uint32_t cp;
	int k;

	if (utf8 == NULL || maxseg < 1 || len >= maxbytes || m.chars < 0)
		return 0;
	if (maxseg > 255)
		maxseg = 255;
	ucs2 = m.chars <= SMS_SINGLE_UCS2 ? 1 :
	    (m.chars + SMS_CONCAT_UCS2 - 1) / SMS_CONCAT_UCS2;
	if (m.septets < 0 || !m.latin1) {
		/* UCS-2 on a LATIN1 bind at least */
		if (ucs2 > maxseg)
			return 0;
		if (m.septets < 0)
			return 1;	/* UCS-2 on both */
	}
	if (m.septets <= SMS_SINGLE_SEPTETS)
		return 1;
	if ((m.septets + SMS_CONCAT_SEPTETS - 1) / SMS_CONCAT_SEPTETS > maxseg)
		return 0;		/* no packing does better */
	/* Every full segment but the last holds 152 septets at least (an
	 * escape pair left for the next one): no count to make below. */
	if (m.septets <= (long)(SMS_CONCAT_SEPTETS - 1) * maxseg)
		return 1;
	for (p = (const unsigned char *)utf8; *p != '\0'; p += clen) {
		if (*p < 0x80) {
			cp = *p;
			clen = 1;
		} else
			clen = utf8_decode(p, SIZE_MAX, &cp);
		k = gsm_char(cp, NULL);
		if (segs == 0 || used + (size_t)k > SMS_CONCAT_SEPTETS) {
			if (++segs > maxseg)
				return 0;
			used = 0;
		}
		used += (size_t)k;
	}
	return 1;
}

const char *
sms_dlr_state_str(enum sms_dlr_state s)
{
	switch (s) {
	case SMS_DLR_DELIVERED:
		return "delivered";
	case SMS_DLR_EXPIRED:
		return "expired";
	case SMS_DLR_DELETED:
		return "deleted";
	case SMS_DLR_UNDELIVERABLE:
		return "undeliverable";
	case SMS_DLR_ACCEPTED:
		return "accepted";
	case SMS_DLR_REJECTED:
		return "rejected";
	case SMS_DLR_ENROUTE:
		return "enroute";
	case SMS_DLR_UNKNOWN:
		break;
	}
	return "unknown";
}

/* message_state values (SMPP 3.4 §5.3.2.35) */
static int
sms_state_from_tlv(unsigned v, enum sms_dlr_state *st)
{
	static const enum sms_dlr_state map[] = {
		SMS_DLR_UNKNOWN,	/* 0: not a state */
		SMS_DLR_ENROUTE,
		SMS_DLR_DELIVERED,
		SMS_DLR_EXPIRED,
		SMS_DLR_DELETED,
		SMS_DLR_UNDELIVERABLE,
		SMS_DLR_ACCEPTED,
		SMS_DLR_UNKNOWN,
		SMS_DLR_REJECTED,
	};

	if (v < 1 || v >= sizeof(map) / sizeof(map[0]))
		return -1;
	*st = map[v];
	return 0;
}

/* The appendix B abbreviations, and the full words some SMSCs write. */
static const struct {
	const char         *word;
	enum sms_dlr_state  state;
} sms_stat_words[] = {
	{ "DELIVRD", SMS_DLR_DELIVERED },
	{ "DELIVERED", SMS_DLR_DELIVERED },
	{ "EXPIRED", SMS_DLR_EXPIRED },
	{ "DELETED", SMS_DLR_DELETED },
	{ "UNDELIV", SMS_DLR_UNDELIVERABLE },
	{ "UNDELIVERABLE", SMS_DLR_UNDELIVERABLE },
	{ "ACCEPTD", SMS_DLR_ACCEPTED },
	{ "ACCEPTED", SMS_DLR_ACCEPTED },
	{ "UNKNOWN", SMS_DLR_UNKNOWN },
	{ "REJECTD", SMS_DLR_REJECTED },
	{ "REJECTED", SMS_DLR_REJECTED },
	{ "ENROUTE", SMS_DLR_ENROUTE },
};

static int
sms_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
sms_is_sep(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' ||
	    c == ';' || c == '\0';
}

/* A usable id: 1..64 printable ASCII octets, no space. */
static int
sms_id_ok(const char *v, size_t n)
{
	size_t i;

	if (n == 0 || n > SMS_MSGID_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] <= 0x20 || (unsigned char)v[i] >= 0x7F)
			return 0;
	return 1;
}

static int
sms_id_copy(const char *v, size_t n, char *msgid, size_t msgidsz)
{
	if (!sms_id_ok(v, n) || n >= msgidsz)
		return -1;
	memcpy(msgid, v, n);
	msgid[n] = '\0';
	return 0;
}

/*
 * Case-insensitive match of key (lower-case, ending in ':') at t[i],
 * where i starts a word. Returns the offset of the value or 0.
 */
static size_t
sms_key_at(const char *t, size_t n, size_t i, const char *key)
{
	size_t k;

	if (i > 0 && !sms_is_sep((unsigned char)t[i - 1]))
		return 0;
	for (k = 0; key[k] != '\0'; k++)
		if (i + k >= n || sms_lower((unsigned char)t[i + k]) != key[k])
			return 0;
	return i + k;
}

/*
 * The value at t[*v]: up to the next separator. Blanks after the colon are
 * skipped ("id: 42"), unless what follows them is the next "key:".
 */
static size_t
sms_value(const char *t, size_t n, size_t *v)
{
	size_t s = *v, e;

	while (s < n && (t[s] == ' ' || t[s] == '\t'))
		s++;
	for (e = s; e < n && !sms_is_sep((unsigned char)t[e]); e++)
		if (t[e] == ':' && s != *v)
			return 0;
	*v = s;
	return e - s;
}

/*
 * Read "id:" and "stat:" from an appendix B text, keys in any case and in
 * any order. "text:" carries the first octets of the original message,
 * which may well read "id:..."; its value runs to the end, so the scan
 * stops there. The id (offset, length) and the state are set only for
 * the fields found.
 */
static void
sms_scan_text(const char *t, size_t n, size_t *idoff, size_t *idlen,
    int *have_id, enum sms_dlr_state *st, int *have_st)
{
	size_t i, v, len, w;
	char word[16];

	for (i = 0; i < n; i++) {
		if (sms_key_at(t, n, i, "text:") != 0)
			return;
		if (!*have_id && (v = sms_key_at(t, n, i, "id:")) != 0) {
			*idlen = sms_value(t, n, &v);
			*idoff = v;
			*have_id = 1;
		} else if (!*have_st &&
		    (v = sms_key_at(t, n, i, "stat:")) != 0) {
			len = sms_value(t, n, &v);
			*have_st = 1;
			*st = SMS_DLR_UNKNOWN;
			if (len == 0 || len >= sizeof(word))
				continue;
			memcpy(word, t + v, len);
			word[len] = '\0';
			for (w = 0; w < sizeof(sms_stat_words) /
			    sizeof(sms_stat_words[0]); w++) {
				if (strcasecmp(word, sms_stat_words[w].word)
				    == 0) {
					*st = sms_stat_words[w].state;
					break;
				}
			}
		}
	}
}

int
sms_parse_dlr(const struct smpp_pdu *pdu, char *msgid, size_t msgidsz,
    enum sms_dlr_state *state)
{
	const struct smpp_tlv *tlv;
	enum sms_dlr_state st = SMS_DLR_UNKNOWN;
	char text[SMPP_PAYLOAD_MAX];
	size_t n, i, len, idoff = 0, idlen = 0;
	int have_id = 0, have_st = 0, got_id = 0;

	if (pdu == NULL || (pdu->esm_class & SMS_ESM_TYPE_MASK) !=
	    SMS_ESM_TYPE_RECEIPT)
		return 0;
	if (msgid == NULL || msgidsz == 0)
		return -1;
	msgid[0] = '\0';

	/* The text as ASCII: a UCS-2 receipt keeps its low octets. */
	len = pdu->sm_len < sizeof(pdu->sm) ? pdu->sm_len : sizeof(pdu->sm);
	n = 0;
	if (pdu->data_coding == GSM_DC_UCS2) {
		for (i = 0; i + 1 < len; i += 2)
			text[n++] = pdu->sm[i] == 0 ? (char)pdu->sm[i + 1] : '?';
	} else {
		memcpy(text, pdu->sm, len);
		n = len;
	}
	sms_scan_text(text, n, &idoff, &idlen, &have_id, &st, &have_st);

	if ((tlv = smpp_pdu_tlv_get(pdu, SMPP_TLV_RECEIPTED_MESSAGE_ID))
	    != NULL) {
		/* a C-octet string: up to its first NUL */
		len = tlv->len < sizeof(tlv->val) ? tlv->len : sizeof(tlv->val);
		for (i = 0; i < len && tlv->val[i] != 0; i++)
			;
		got_id = sms_id_copy((const char *)tlv->val, i, msgid,
		    msgidsz) == 0;
	}
	if (!got_id && have_id)
		got_id = sms_id_copy(text + idoff, idlen, msgid, msgidsz) == 0;

	if ((tlv = smpp_pdu_tlv_get(pdu, SMPP_TLV_MESSAGE_STATE)) != NULL &&
	    tlv->len > 0 && tlv->len <= sizeof(tlv->val))
		(void)sms_state_from_tlv(tlv->val[tlv->len - 1], &st);
	if (state != NULL)
		*state = st;
	if (!got_id) {
		msgid[0] = '\0';
		return -1;
	}
	return 1;
}

static int
sms_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = sms_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* id as a number in base 10 or 16: 0, or -1 (not all digits, > 64 bits) */
static int
sms_msgid_number(const char *id, int base, uint64_t *v)
{
	uint64_t x = 0;
	int d;

	if (*id == '\0')
		return -1;
	for (; *id != '\0'; id++) {
		d = sms_hexval((unsigned char)*id);
		if (d < 0 || d >= base)
			return -1;
		if (x > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -1;
		x = x * (uint64_t)base + (uint64_t)d;
	}
	*v = x;
	return 0;
}

int
sms_msgid_canon(const char *id, int in_hex, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[17];
	uint64_t v;
	size_t n, i;

	if (out == NULL || outsz == 0)
		return -1;
	out[0] = '\0';
	if (id == NULL)
		return -1;
	if (sms_msgid_number(id, in_hex ? 16 : 10, &v) == 0) {
		n = sizeof(tmp) - 1;
		tmp[n] = '\0';
		do {
			tmp[--n] = hex[v & 0x0F];
			v >>= 4;
		} while (v != 0);
		if (sizeof(tmp) - n > outsz)
			return -1;
		memcpy(out, tmp + n, sizeof(tmp) - n);
		return 0;
	}
	/*
	 * Not a number in that base: kept (lower-cased) behind "s:", so it can
	 * never equal a number's form ("1A2" read as text is not 0x1a2).
	 */
	n = strlen(id);
	if (n == 0)
		return 0;
	if (n + 2 >= outsz)
		return -1;
	out[0] = 's';
	out[1] = ':';
	for (i = 0; i <= n; i++)
		out[i + 2] = (char)sms_lower((unsigned char)id[i]);
	return 0;
}
