/*
 * dialect: USSD dialect profiles (the built-in ones and the checks of those
 * read from the config), the one decode step from an MO PDU to an event,
 * and the encoding of a screen in the profile's terms.
 */
#include "dialect.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "tbuf.h"

#define SET(...)	{ (int)sizeof((uint8_t[]){ __VA_ARGS__ }), { __VA_ARGS__ } }

static const struct dialect builtins[] = {
	{ .name = "ussd_service_op", .key = DIALECT_KEY_AUTO,
	  .begin = DIALECT_BEGIN_OP, .op_tag = SMPP_TLV_USSD_SERVICE_OP,
	  .op_begin = SET(SMPP_USSD_PSSR_IND), .op_continue = SET(SMPP_USSD_USSR_CONF),
	  .op_abort = SET(SMPP_USSD_ABORT), .out_op = 1,
	  .op_out_continue = SMPP_USSD_USSR_REQ, .op_out_end = SMPP_USSD_PSSR_RESP,
	  .its_end_bit = 1,
	  .echo = { SMPP_TLV_ITS_SESSION_INFO, SMPP_TLV_USER_MESSAGE_REFERENCE },
	  .necho = 2, .out_dcs_gsm7 = -1, .out_dcs_ucs2 = -1 },
	{ .name = "its_session_info", .key = DIALECT_KEY_ITS,
	  .begin = DIALECT_BEGIN_OP, .op_tag = SMPP_TLV_USSD_SERVICE_OP,
	  .op_begin = SET(SMPP_USSD_PSSR_IND), .op_continue = SET(SMPP_USSD_USSR_CONF),
	  .op_abort = SET(SMPP_USSD_ABORT), .out_op = 1,
	  .op_out_continue = SMPP_USSD_USSR_REQ, .op_out_end = SMPP_USSD_PSSR_RESP,
	  .its_end_bit = 1, .echo = { SMPP_TLV_ITS_SESSION_INFO }, .necho = 1,
	  .out_dcs_gsm7 = -1, .out_dcs_ucs2 = -1 },
	{ .name = "its_session_info_only", .key = DIALECT_KEY_ITS,
	  .begin = DIALECT_BEGIN_ITS_SEQ, .its_end_bit = 1,
	  .echo = { SMPP_TLV_ITS_SESSION_INFO }, .necho = 1,
	  .out_dcs_gsm7 = -1, .out_dcs_ucs2 = -1 },
	{ .name = "user_message_reference", .key = DIALECT_KEY_UMR,
	  .begin = DIALECT_BEGIN_OP, .op_tag = SMPP_TLV_USSD_SERVICE_OP,
	  .op_begin = SET(SMPP_USSD_PSSR_IND), .op_continue = SET(SMPP_USSD_USSR_CONF),
	  .op_abort = SET(SMPP_USSD_ABORT), .out_op = 1,
	  .op_out_continue = SMPP_USSD_USSR_REQ, .op_out_end = SMPP_USSD_PSSR_RESP,
	  .echo = { SMPP_TLV_USER_MESSAGE_REFERENCE }, .necho = 1,
	  .out_dcs_gsm7 = -1, .out_dcs_ucs2 = -1 },
	{ .name = "msisdn", .key = DIALECT_KEY_MSISDN,
	  .begin = DIALECT_BEGIN_OP, .op_tag = SMPP_TLV_USSD_SERVICE_OP,
	  .op_begin = SET(SMPP_USSD_PSSR_IND), .op_continue = SET(SMPP_USSD_USSR_CONF),
	  .op_abort = SET(SMPP_USSD_ABORT), .out_op = 1,
	  .op_out_continue = SMPP_USSD_USSR_REQ, .op_out_end = SMPP_USSD_PSSR_RESP,
	  .out_dcs_gsm7 = -1, .out_dcs_ucs2 = -1 },
};

const char *const dialect_builtin_names[] = {
	"ussd_service_op", "its_session_info", "its_session_info_only",
	"user_message_reference", "msisdn", NULL
};

const struct dialect *
dialect_builtin(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(builtins[i].name, name) == 0)
			return &builtins[i];
	return NULL;
}

void
dialect_init(struct dialect *d, const char *name)
{
	*d = builtins[0];
	snprintf(d->name, sizeof(d->name), "%s", name);
}

const char *
dialect_ev_str(enum dialect_ev e)
{
	switch (e) {
	case DIALECT_EV_IGNORE:		return "ignore";
	case DIALECT_EV_RECEIPT:	return "receipt";
	case DIALECT_EV_SMS:		return "sms";
	case DIALECT_EV_BEGIN:		return "begin";
	case DIALECT_EV_CONTINUE:	return "continue";
	case DIALECT_EV_ABORT:		return "abort";
	}
	return "?";
}

/* ---- checks ------------------------------------------------------------ */

static int
codes_has(const struct dialect_codes *c, int v)
{
	for (int i = 0; i < c->n && i < DIALECT_CODES_MAX; i++)
		if (c->v[i] == v)
			return 1;
	return 0;
}

static int
echoes(const struct dialect *d, uint16_t tag)
{
	for (int i = 0; i < d->necho && i < DIALECT_ECHO_MAX; i++)
		if (d->echo[i] == tag)
			return 1;
	return 0;
}

static int
fail(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errsz > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errsz, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
check_codes(const struct dialect *d, char *err, size_t errsz)
{
	static const char *names[] = { "op_begin", "op_continue", "op_abort" };
	const struct dialect_codes *l[] = { &d->op_begin, &d->op_continue,
	    &d->op_abort };

	for (int i = 0; i < 3; i++) {
		if (l[i]->n < 0 || l[i]->n > DIALECT_CODES_MAX)
			return fail(err, errsz, "%s: at most %d codes", names[i],
			    DIALECT_CODES_MAX);
		for (int k = 0; k < l[i]->n; k++)
			for (int j = 0; j < i; j++)
				if (codes_has(l[j], l[i]->v[k]))
					return fail(err, errsz,
					    "%s: 0x%02x is also in %s", names[i],
					    l[i]->v[k], names[j]);
	}
	return 0;
}

int
dialect_check(const struct dialect *d, char *err, size_t errsz)
{
	if (d->name[0] == '\0')
		return fail(err, errsz, "name: empty");
	if (check_codes(d, err, errsz) != 0)
		return -1;
	if (d->begin == DIALECT_BEGIN_OP && d->op_tag == 0)
		return fail(err, errsz, "begin: \"op\" needs an operation TLV (op_tag)");
	if (d->op_tag != 0 && (d->op_begin.n == 0 || d->op_continue.n == 0))
		return fail(err, errsz, "%s: an operation TLV needs begin and "
		    "continue codes", d->op_begin.n == 0 ? "op_begin" : "op_continue");
	if (d->out_op && d->op_tag == 0)
		return fail(err, errsz, "out_op: no operation TLV (op_tag) to write");
	if (d->out_op && d->op_out_continue == d->op_out_end)
		return fail(err, errsz, "op_out_end: same code as op_out_continue "
		    "(0x%02x): the caller could not tell the last screen",
		    d->op_out_end);
	if (d->necho < 0 || d->necho > DIALECT_ECHO_MAX)
		return fail(err, errsz, "echo: at most %d TLVs", DIALECT_ECHO_MAX);
	for (int i = 0; i < d->necho; i++) {
		if (d->echo[i] == 0 || (d->op_tag != 0 && d->echo[i] == d->op_tag) ||
		    d->echo[i] == SMPP_TLV_MESSAGE_PAYLOAD)
			return fail(err, errsz, "echo: 0x%04x cannot be echoed",
			    d->echo[i]);
		for (int j = 0; j < i; j++)
			if (d->echo[j] == d->echo[i])
				return fail(err, errsz, "echo: 0x%04x twice",
				    d->echo[i]);
	}
	if (d->key == DIALECT_KEY_ITS && !echoes(d, SMPP_TLV_ITS_SESSION_INFO))
		return fail(err, errsz, "key: its_session_info keys the session "
		    "but is not echoed (echo must hold 0x1383)");
	if (d->key == DIALECT_KEY_UMR && !echoes(d, SMPP_TLV_USER_MESSAGE_REFERENCE))
		return fail(err, errsz, "key: user_message_reference keys the "
		    "session but is not echoed (echo must hold 0x0204)");
	if (d->begin == DIALECT_BEGIN_ITS_SEQ && d->key != DIALECT_KEY_ITS)
		return fail(err, errsz, "begin: \"its_sequence\" needs key "
		    "\"its_session_info\"");
	if (d->its_end_bit && !echoes(d, SMPP_TLV_ITS_SESSION_INFO))
		return fail(err, errsz, "its_end_bit: its_session_info is not echoed");
	for (int i = 0; i < d->dcs_gsm7.n && i < DIALECT_CODES_MAX; i++)
		if (codes_has(&d->dcs_ucs2, d->dcs_gsm7.v[i]))
			return fail(err, errsz, "dcs_ucs2: 0x%02x is also in "
			    "dcs_gsm7", d->dcs_gsm7.v[i]);
	if (d->out_dcs_gsm7 < -1 || d->out_dcs_gsm7 > 255 ||
	    d->out_dcs_ucs2 < -1 || d->out_dcs_ucs2 > 255)
		return fail(err, errsz, "out_dcs: a data_coding is 0..255");
	return 0;
}

/* ---- decode ------------------------------------------------------------ */

static void
ignore(struct dialect_event *ev, const char *why)
{
	ev->kind = DIALECT_EV_IGNORE;
	ev->why = why;
}

/* src into dst (dstsz > 0), cut to fit and NUL-terminated, without a
 * format parse: the per-PDU copies. */
static void
str_copy(char *dst, size_t dstsz, const char *src)
{
	size_t n = strnlen(src, dstsz - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* "%02x" of v at out (two characters, no NUL). */
static void
hex2(char *out, uint8_t v)
{
	static const char digits[] = "0123456789abcdef";

	out[0] = digits[v >> 4];
	out[1] = digits[v & 0x0f];
}

/*
 * ev afresh: every field zero or empty, op -1. The text and the echo
 * storage are not wiped (text[0] and necho bound them): this runs per
 * MO and the event is ~2 KB.
 */
static void
event_clear(struct dialect_event *ev)
{
	memset(ev, 0, offsetof(struct dialect_event, text));
	ev->text[0] = '\0';
	ev->text_cut = 0;
	ev->op = -1;
	ev->necho = 0;
	memset(ev->msgid, 0, sizeof(ev->msgid));
	ev->dlr_state = 0;
}

/* "*...#" or "#...#": what a caller dials to open a session. */
static int
is_dial(const char *s)
{
	size_t n = strlen(s);

	return n >= 2 && (s[0] == '*' || s[0] == '#') && s[n - 1] == '#';
}

static void
decode_text(const struct dialect *d, const struct smpp_pdu *p,
    enum gsm_charset charset, struct dialect_event *ev)
{
	uint8_t dc = p->data_coding;

	if (codes_has(&d->dcs_ucs2, dc))
		dc = GSM_DC_UCS2;
	else if (codes_has(&d->dcs_gsm7, dc)) {
		dc = GSM_DC_DEFAULT;
		charset = GSM_CHARSET_GSM7;
	}
	if (gsm_decode(dc, charset, p->sm, p->sm_len, ev->text,
	    sizeof(ev->text)) != 0)
		ev->text_cut = 1;
}

static int
decode_receipt(const struct smpp_pdu *p, int dlr_hex, struct dialect_event *ev)
{
	char mid[DIALECT_MSGID_MAX];
	const struct smpp_tlv *rt;
	int k, hex;

	k = sms_parse_dlr(p, mid, sizeof(mid), &ev->dlr_state);
	if (k == 0)
		return 0;
	ev->kind = DIALECT_EV_RECEIPT;
	if (k != 1)
		return 1;
	/* receipted_message_id repeats the submit_sm_resp id, so it is read
	 * in the bind's base like that one; an id from the text is decimal
	 * (the common mismatch: hex in the response, decimal in the receipt). */
	rt = smpp_pdu_tlv_get(p, SMPP_TLV_RECEIPTED_MESSAGE_ID);
	hex = rt != NULL && rt->len > 0 && rt->val[0] != '\0' && dlr_hex;
	if (sms_msgid_canon(mid, hex, ev->msgid, sizeof(ev->msgid)) != 0)
		ev->msgid[0] = '\0';
	return 1;
}

/* The USSD operation of an MO, or SMS / IGNORE. */
static void
decode_kind(const struct dialect *d, const struct smpp_pdu *p,
    const struct smpp_tlv *its, struct dialect_event *ev)
{
	const struct smpp_tlv *op = d->op_tag ? smpp_pdu_tlv_get(p, d->op_tag) : NULL;

	if (op != NULL) {
		if (op->len != 1) {
			ignore(ev, "operation TLV is not one octet");
			return;
		}
		ev->op = op->val[0];
		if (codes_has(&d->op_begin, ev->op))
			ev->kind = DIALECT_EV_BEGIN;
		else if (codes_has(&d->op_continue, ev->op))
			ev->kind = DIALECT_EV_CONTINUE;
		else if (codes_has(&d->op_abort, ev->op))
			ev->kind = DIALECT_EV_ABORT;
		else
			ignore(ev, "operation code not in the dialect");
		return;
	}
	if (d->begin == DIALECT_BEGIN_OP ||
	    (d->service_type[0] != '\0' &&
	    strcmp(p->service_type, d->service_type) != 0)) {
		ev->kind = DIALECT_EV_SMS;
		return;
	}
	if (d->begin == DIALECT_BEGIN_ITS_SEQ) {
		if (its == NULL || its->len != 2) {
			ignore(ev, "no two-octet its_session_info");
			return;
		}
		ev->kind = (its->val[1] >> 1) == 0 ? DIALECT_EV_BEGIN :
		    DIALECT_EV_CONTINUE;
	} else
		ev->kind = is_dial(d->dial == DIALECT_DIAL_DEST ?
		    p->destination_addr : ev->text) ? DIALECT_EV_BEGIN :
		    DIALECT_EV_CONTINUE;
	/* Without an operation, the end bit on an MO is the caller leaving. */
	if (d->its_end_bit && its != NULL && its->len == 2 && (its->val[1] & 1))
		ev->kind = DIALECT_EV_ABORT;
}

static int
decode_key(const struct dialect *d, const struct smpp_pdu *p,
    const struct smpp_tlv *its, const char *operator, const char *service_code,
    struct dialect_event *ev)
{
	const struct smpp_tlv *umr = smpp_pdu_tlv_get(p,
	    SMPP_TLV_USER_MESSAGE_REFERENCE);
	struct tbuf b;
	char hx[6];
	int use_its = 0, use_umr = 0;

	switch (d->key) {
	case DIALECT_KEY_AUTO:
		use_its = its != NULL && its->len >= 1;
		use_umr = !use_its && umr != NULL && umr->len == 2;
		break;
	case DIALECT_KEY_ITS:
		if (its == NULL || its->len < 1) {
			ignore(ev, "no its_session_info to key the session");
			return -1;
		}
		use_its = 1;
		break;
	case DIALECT_KEY_UMR:
		if (umr == NULL || umr->len != 2) {
			ignore(ev, "no user_message_reference to key the session");
			return -1;
		}
		use_umr = 1;
		break;
	case DIALECT_KEY_MSISDN:
		break;
	}
	tbuf_init(&b, ev->key, sizeof(ev->key));
	tbuf_adds(&b, operator);
	tbuf_addc(&b, ':');
	tbuf_adds(&b, ev->msisdn);
	/* its_session_info's session number is its first octet; the second
	 * carries the sequence and the end bit, which change per PDU. */
	if (use_its) {
		hx[0] = ':';
		hx[1] = 'i';
		hex2(hx + 2, its->val[0]);
		tbuf_addn(&b, hx, 4);
	} else if (use_umr) {
		hx[0] = ':';
		hx[1] = 'u';
		hex2(hx + 2, umr->val[0]);
		hex2(hx + 4, umr->val[1]);
		tbuf_addn(&b, hx, 6);
	}
	else if (d->key == DIALECT_KEY_MSISDN) {
		tbuf_addc(&b, ':');
		tbuf_adds(&b, service_code);
	}
	if (tbuf_end(&b) != 0) {
		ignore(ev, "session key too long");
		return -1;
	}
	return 0;
}

void
dialect_decode(const struct dialect *d, const struct smpp_pdu *p,
    const char *operator, const char *service_code, enum gsm_charset charset,
    int dlr_hex, struct dialect_event *ev)
{
	const struct smpp_tlv *its, *t;

	event_clear(ev);
	if (p->command_id != SMPP_DELIVER_SM && p->command_id != SMPP_DATA_SM) {
		ignore(ev, "not a deliver_sm or data_sm");
		return;
	}
	if (decode_receipt(p, dlr_hex, ev))
		return;
	str_copy(ev->msisdn, sizeof(ev->msisdn), p->source_addr);
	ev->ton = p->source_addr_ton;
	ev->npi = p->source_addr_npi;
	str_copy(ev->service_addr, sizeof(ev->service_addr),
	    p->destination_addr);
	if (ev->msisdn[0] == '\0') {
		ignore(ev, "no source_addr");
		return;
	}
	decode_text(d, p, charset, ev);
	its = smpp_pdu_tlv_get(p, SMPP_TLV_ITS_SESSION_INFO);
	decode_kind(d, p, its, ev);
	if (ev->kind == DIALECT_EV_IGNORE || ev->kind == DIALECT_EV_SMS)
		return;
	if (decode_key(d, p, its, operator, service_code, ev) != 0)
		return;
	if (ev->kind == DIALECT_EV_BEGIN && d->dial == DIALECT_DIAL_DEST)
		str_copy(ev->text, sizeof(ev->text), p->destination_addr);
	for (int i = 0; i < d->necho && ev->necho < DIALECT_ECHO_MAX; i++)
		if ((t = smpp_pdu_tlv_get(p, d->echo[i])) != NULL)
			ev->echo[ev->necho++] = *t;
}

/* ---- encode ------------------------------------------------------------ */

int
dialect_screen(const struct dialect *d, const struct dialect_screen *s,
    enum gsm_charset charset, struct smpp_pdu *p, char *err, size_t errsz)
{
	size_t len = 0;
	uint8_t op;

	smpp_pdu_clear(p);
	p->command_id = d->cmd == DIALECT_CMD_DATA_SM ? SMPP_DATA_SM :
	    SMPP_SUBMIT_SM;
	str_copy(p->service_type, sizeof(p->service_type), d->service_type);
	str_copy(p->source_addr, sizeof(p->source_addr), s->from);
	p->dest_addr_ton = s->to_ton;
	p->dest_addr_npi = s->to_npi;
	str_copy(p->destination_addr, sizeof(p->destination_addr), s->to);
	if (gsm_encode(s->text, charset, p->sm, SMPP_SM_MAX, &len,
	    &p->data_coding) != 0)
		return fail(err, errsz, "screen does not encode in %d octets",
		    SMPP_SM_MAX);
	p->sm_len = (uint16_t)len;
	if (p->data_coding == GSM_DC_UCS2 && d->out_dcs_ucs2 >= 0)
		p->data_coding = (uint8_t)d->out_dcs_ucs2;
	else if (p->data_coding == GSM_DC_DEFAULT && charset == GSM_CHARSET_GSM7 &&
	    d->out_dcs_gsm7 >= 0)
		p->data_coding = (uint8_t)d->out_dcs_gsm7;
	if (d->out_op) {
		op = s->end ? d->op_out_end : d->op_out_continue;
		if (smpp_pdu_tlv_add(p, d->op_tag, &op, 1) != 0)
			return fail(err, errsz, "no room for the operation TLV");
	}
	for (int i = 0; i < s->necho; i++) {
		struct smpp_tlv t = s->echo[i];

		if (t.tag == SMPP_TLV_ITS_SESSION_INFO && t.len == 2 &&
		    d->its_end_bit)
			t.val[1] = s->end ? (uint8_t)(t.val[1] | 1) :
			    (uint8_t)(t.val[1] & ~1u);
		if (smpp_pdu_tlv_add(p, t.tag, t.val, t.len) != 0)
			return fail(err, errsz, "no room for TLV 0x%04x", t.tag);
	}
	return 0;
}
