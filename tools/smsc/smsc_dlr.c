/*
 * smsc_dlr: the simulator's delivery receipts — submit_sm_resp message ids
 * in decimal or hex, and the deliver_sm that reports a message's fate as
 * SMPP 3.4 appendix B text or as receipted_message_id/message_state TLVs.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "smsc_dlr.h"
#include "tbuf.h"
#include "utf8.h"

static const struct {
	const char *word;
	int         state;
} smsc_dlr_stats[] = {
	{ "ENROUTE", 1 },
	{ "DELIVRD", 2 },
	{ "EXPIRED", 3 },
	{ "DELETED", 4 },
	{ "UNDELIV", 5 },
	{ "ACCEPTD", 6 },
	{ "UNKNOWN", 7 },
	{ "REJECTD", 8 },
};

static const char *const smsc_dlr_modes[] = {
	[SMSC_DLR_NONE] = "none",
	[SMSC_DLR_TEXT] = "text",
	[SMSC_DLR_TLV] = "tlv",
	[SMSC_DLR_HEX] = "hex",
};

int
smsc_dlr_mode_parse(const char *s, enum smsc_dlr_mode *mode)
{
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < sizeof(smsc_dlr_modes) / sizeof(smsc_dlr_modes[0]); i++)
		if (strcmp(s, smsc_dlr_modes[i]) == 0) {
			*mode = (enum smsc_dlr_mode)i;
			return 0;
		}
	return -1;
}

const char *
smsc_dlr_strmode(enum smsc_dlr_mode mode)
{
	if ((size_t)mode >= sizeof(smsc_dlr_modes) / sizeof(smsc_dlr_modes[0]))
		return "none";
	return smsc_dlr_modes[mode];
}

int
smsc_dlr_stat_state(const char *stat)
{
	size_t i;

	if (stat == NULL)
		return -1;
	for (i = 0; i < sizeof(smsc_dlr_stats) / sizeof(smsc_dlr_stats[0]); i++)
		if (strcmp(stat, smsc_dlr_stats[i].word) == 0)
			return smsc_dlr_stats[i].state;
	return -1;
}

int
smsc_dlr_msgid(enum smsc_dlr_mode mode, uint64_t n, char *out, size_t outsz)
{
	int k;

	if (out == NULL || outsz == 0)
		return -1;
	k = snprintf(out, outsz, mode == SMSC_DLR_HEX ? "%llx" : "%llu",
	    (unsigned long long)n);
	if (k < 0 || (size_t)k >= outsz) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* YYMMDDhhmm in UTC; "0000000000" when the time cannot be broken down. */
static void
smsc_dlr_date(time_t t, char out[11])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || snprintf(out, 11,
	    "%02d%02d%02d%02d%02d", ((tm.tm_year % 100) + 100) % 100,
	    (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100,
	    tm.tm_min % 100) != 10)
		memcpy(out, "0000000000", 11);
}

/*
 * The first SMSC_DLR_TEXT_CHARS characters of a UTF-8 text as octets that
 * read the same in ASCII and in the GSM default alphabet; anything else
 * (a multi-byte character counts once, a byte that starts no valid
 * sequence too) becomes '.'.
 */
static void
smsc_dlr_echo(struct tbuf *b, const char *utf8)
{
	const unsigned char *s = (const unsigned char *)(utf8 ? utf8 : "");
	size_t n;

	for (int i = 0; *s != '\0' && i < SMSC_DLR_TEXT_CHARS; i++, s += n) {
		if ((n = utf8_decode(s, SIZE_MAX, NULL)) == 0)
			n = 1;
		tbuf_addc(b, *s >= 0x20 && *s < 0x7F &&
		    strchr("@$_[]{}\\^~|`", *s) == NULL ? (char)*s : '.');
	}
}

int
smsc_dlr_text(const struct smsc_dlr *d, char *out, size_t outsz)
{
	char sub[11], done[11];
	struct tbuf b;
	int ok;

	if (d == NULL || out == NULL || outsz == 0 ||
	    smsc_dlr_stat_state(d->stat) < 0)
		return -1;
	ok = strcmp(d->stat, "DELIVRD") == 0;
	smsc_dlr_date(d->submitted, sub);
	smsc_dlr_date(d->done, done);
	/* The id is decimal in every mode: SMSCs that answer in hex still
	 * write the receipt's id: in decimal (the mismatch dlr_id covers). */
	tbuf_init(&b, out, outsz);
	tbuf_adds(&b, "id:");
	tbuf_addu(&b, d->n);
	tbuf_adds(&b, " sub:001 dlvrd:");
	tbuf_adds(&b, ok ? "001" : "000");
	tbuf_adds(&b, " submit date:");
	tbuf_adds(&b, sub);
	tbuf_adds(&b, " done date:");
	tbuf_adds(&b, done);
	tbuf_adds(&b, " stat:");
	tbuf_adds(&b, d->stat);
	tbuf_adds(&b, " err:");
	tbuf_adds(&b, ok ? "000" : "001");
	tbuf_adds(&b, " text:");
	smsc_dlr_echo(&b, d->text);
	if (tbuf_end(&b) == -1) {
		out[0] = '\0';
		return -1;
	}
	return (int)b.len;
}

int
smsc_dlr_build(const struct smsc_dlr *d, struct smpp_pdu *pdu)
{
	char text[SMPP_SM_MAX + 1], id[24];
	int state, k;
	uint8_t st;

	if (d == NULL || pdu == NULL)
		return -1;
	memset(pdu, 0, sizeof(*pdu));
	if ((state = smsc_dlr_stat_state(d->stat)) < 0 ||
	    (d->mode != SMSC_DLR_TEXT && d->mode != SMSC_DLR_TLV &&
	    d->mode != SMSC_DLR_HEX))
		return -1;
	pdu->command_id = SMPP_DELIVER_SM;
	pdu->source_addr_ton = d->phone_ton;
	pdu->source_addr_npi = d->phone_npi;
	snprintf(pdu->source_addr, sizeof(pdu->source_addr), "%s",
	    d->phone ? d->phone : "");
	snprintf(pdu->destination_addr, sizeof(pdu->destination_addr), "%s",
	    d->esme ? d->esme : "");
	pdu->esm_class = SMSC_DLR_ESM_CLASS;
	pdu->data_coding = 0;
	if (d->mode == SMSC_DLR_TLV) {
		if (smsc_dlr_msgid(d->mode, d->n, id, sizeof(id)) == -1)
			return -1;
		st = (uint8_t)state;
		if (smpp_pdu_tlv_add(pdu, SMPP_TLV_RECEIPTED_MESSAGE_ID, id,
		    (uint16_t)(strlen(id) + 1)) == -1 ||
		    smpp_pdu_tlv_add(pdu, SMPP_TLV_MESSAGE_STATE, &st, 1) == -1)
			return -1;
		return 0;
	}
	if ((k = smsc_dlr_text(d, text, sizeof(text))) < 0)
		return -1;
	memcpy(pdu->sm, text, (size_t)k);
	pdu->sm_len = (uint16_t)k;
	return 0;
}
