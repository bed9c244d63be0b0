/*
 * parse: pure parsers for what callers type and what files hold — identity
 * document types and numbers, dates, USSD dial strings. No I/O, no
 * allocation; every output has a hard cap.
 */
#ifndef TNSGW_PARSE_H
#define TNSGW_PARSE_H

#include <stddef.h>
#include <stdint.h>

enum parse_idtype {
	PARSE_ID_NONE = 0,
	PARSE_ID_CIN,
	PARSE_ID_SEJOUR,
	PARSE_ID_PASSPORT,
};

#define PARSE_IDNUM_MAX   20	/* longest normalised document number */

/* "CIN" | "SEJOUR" | "PASSPORT" (registry CSV spelling), or "?" */
const char *parse_idtype_str(enum parse_idtype t);
/* Registry CSV spelling, case-insensitive -> 0, else -1. */
int parse_idtype(const char *s, enum parse_idtype *out);

/*
 * Normalise a document number: upper-case, spaces and dashes removed; the
 * result must be 1..PARSE_IDNUM_MAX chars of [A-Z0-9] with at least one
 * digit. out needs PARSE_IDNUM_MAX + 1 bytes. Returns 0 or -1.
 */
int parse_id_number(const char *in, char *out, size_t outsz);

struct parse_date {
	int y, m, d;		/* all 0: no date */
};

/*
 * A date as a caller types it: ddmmyyyy, dd/mm/yyyy, dd-mm-yyyy,
 * dd.mm.yyyy (surrounding spaces allowed; d and m may be one digit when a
 * separator is used). Checked for a real calendar day, 1900..2199.
 */
int parse_date_user(const char *in, struct parse_date *out);
/* YYYY-MM-DD, the registry's form; same checks. */
int parse_date_iso(const char *in, struct parse_date *out);
/* out must hold 11 bytes: "YYYY-MM-DD". */
void parse_date_fmt_iso(const struct parse_date *d, char *out, size_t outsz);
/* <0, 0, >0 like strcmp. */
int parse_date_cmp(const struct parse_date *a, const struct parse_date *b);
int parse_date_is_set(const struct parse_date *d);
/* Days since 1970-01-01 (for "expired?" checks against a clock). */
long parse_date_days(const struct parse_date *d);

/*
 * USSD dial string: "*1515#", "*1515*1*AB123456*01021980#", "#1515#"...
 * service gets the service code's digits ("1515"), args the '*'-separated
 * fields after it (each <= 31 chars, at most PARSE_DIAL_MAXARGS).
 * Returns 0, or -1 when the string is not a dial string.
 */
#define PARSE_DIAL_MAXARGS 6
struct parse_dial {
	char service[16];
	int  nargs;
	char args[PARSE_DIAL_MAXARGS][32];
};
int parse_dial(const char *in, struct parse_dial *out);

/* Trim spaces/tabs/CR/LF both ends into out; returns strlen(out). */
size_t parse_trim(const char *in, char *out, size_t outsz);

/*
 * An MSISDN in international digits (Morocco's numbering: the registry's
 * phones are written so), to compare a caller with a phone on record:
 * '+' first dropped; TON 1 (international): the digits as they are; "00"
 * first: dropped; TON 2 (national) or a '0' first: the '0' becomes "212".
 * out needs PARSE_MSISDN_MAX + 1 bytes. 0, or -1 (not 1..20 digits after
 * a '+', or too long once normalised).
 */
#define PARSE_MSISDN_MAX  20
int parse_msisdn_intl(const char *in, int ton, char *out, size_t outsz);

/* FNV-1a 32-bit: the registry bucket hash shared by loader and store. */
uint32_t parse_hash32(const char *s);

#endif
