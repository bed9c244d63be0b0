/*
 * sms_request: the SMS channel's request parser (DESIGN.md §1, last
 * paragraph). One SMS text, UTF-8 as the gateway decoded it, becomes one
 * request: an identity (type, number, expiry, birth date), a category
 * choice, a one-time code, a help request with what is missing, or "not for
 * us". Pure: no I/O, no allocation, no clock, bounded work on any bytes.
 */
#ifndef TNSGW_SMS_REQUEST_H
#define TNSGW_SMS_REQUEST_H

#include <stddef.h>

#include "parse.h"

#define SMS_REQUEST_TEXT_MAX   2048	/* bytes read; more is HELP, BAD_TEXT */
#define SMS_REQUEST_WORDS_MAX  48	/* words read; more is HELP, BAD_TEXT */
#define SMS_REQUEST_OTP_MIN    4
#define SMS_REQUEST_OTP_MAX    10
#define SMS_REQUEST_CAT_MAX    999
#define SMS_REQUEST_LANG_MAX   4	/* "fr", "ar", "tzm" and the NUL */

enum sms_request_kind {
	SMS_REQUEST_NOT_FOR_US = 0,	/* does not start with a keyword */
	SMS_REQUEST_HELP,		/* a keyword, but no complete request */
	SMS_REQUEST_IDENTITY,		/* idtype, idnum, birth [, expiry] */
	SMS_REQUEST_CATEGORY,		/* category */
	SMS_REQUEST_OTP,		/* otp */
};

/*
 * What a HELP lacks (struct sms_request.problems; 0 for the bare keyword).
 * Several bits may be set: the gateway names them in its help text.
 */
#define SMS_REQUEST_MISS_TYPE    0x0001	/* no type, and the number (if any, and good) does not tell it */
#define SMS_REQUEST_BAD_TYPE     0x0002	/* a word where the type goes that is no type */
#define SMS_REQUEST_MISS_NUMBER  0x0004
#define SMS_REQUEST_BAD_NUMBER   0x0008	/* over PARSE_IDNUM_MAX, or signs a number has not */
#define SMS_REQUEST_MISS_BIRTH   0x0010
#define SMS_REQUEST_BAD_DATE     0x0020	/* digits where a date goes that are no date */
#define SMS_REQUEST_MANY_DATES   0x0040	/* more than two dates */
#define SMS_REQUEST_BAD_CAT      0x0080	/* CAT without one number 1..999 */
#define SMS_REQUEST_BAD_OTP      0x0100	/* OTP without 4..10 digits */
#define SMS_REQUEST_BAD_TEXT     0x0200	/* over SMS_REQUEST_TEXT_MAX bytes or _WORDS_MAX words */

struct sms_request {
	enum sms_request_kind kind;
	/* HELP: the form that was being read (IDENTITY, CATEGORY, OTP), or
	 * HELP for the bare keyword, "AIDE"/"HELP" and a text too long.
	 * Otherwise kind itself. */
	enum sms_request_kind form;
	unsigned problems;		/* SMS_REQUEST_* bits; 0 unless HELP */
	int  keyword;			/* index of the keyword matched, -1 NOT_FOR_US */
	char lang[SMS_REQUEST_LANG_MAX];	/* "ar", "tzm" or "fr", always set */

	/* IDENTITY; on a HELP of that form, the fields that were read
	 * without a problem are kept, the others are zero. */
	enum parse_idtype idtype;
	char idnum[PARSE_IDNUM_MAX + 1];	/* [A-Z0-9], >= 1 digit; may be digits only */
	struct parse_date expiry;		/* unset when one date was given */
	struct parse_date birth;
	int  category;				/* CATEGORY: 1..SMS_REQUEST_CAT_MAX */
	char otp[SMS_REQUEST_OTP_MAX + 1];	/* OTP: 4..10 ASCII digits */
};

/*
 * Read one SMS text: bytes up to len or up to the first NUL, whichever
 * comes first (len may be SIZE_MAX for a C string); nothing past them is
 * read. keywords: nkeywords configured words (sms.keywords), compared
 * without case, accents or full-width forms; NULL or 0 means { "TNS" }.
 * *out is always written whole; the kind is returned too.
 *
 * The text is read as words. Separators: white space of any kind (NBSP,
 * U+2000..200B, U+3000...), every ASCII sign but letters, digits and
 * '-' '/' '.', the Arabic comma and semicolon, symbols and emoji
 * (U+2190..2BFF, U+1F000..1FAFF); '-' '/' '.' separate words too, except
 * inside a date, which keeps them. Full-width forms are their ASCII
 * letters, digits and signs; Eastern Arabic-Indic digits (U+0660..0669,
 * U+06F0..06F9) are ASCII digits; Latin letters lose case and accents;
 * Arabic words lose diacritics and tatweel, and hamza'd alef, taa marbuta
 * and alef maqsura match their plain forms. Invisible marks (bidi marks,
 * BOM, soft hyphen, variation selectors) are dropped. An undecodable byte
 * is a sign no field holds.
 *
 * lang: "ar" when any Arabic-script code point (Arabic-Indic digits and
 * Arabic punctuation included) is in the text, else "tzm" when a Tifinagh
 * one (U+2D30..2D7F) is, else "fr"; set for every kind.
 *
 * Forms, after the keyword (the first word, whole: "TNSCIN" is not for us):
 *   KW                          HELP, form HELP, problems 0; also after
 *                               KW: AIDE, HELP, مساعدة
 *   KW [TYPE] NUMBER [EXPIRY] BIRTH   IDENTITY
 *   KW CAT N                    CATEGORY (CAT, CATEGORIE, CATEGORY, فئة, الفئة)
 *   KW OTP CODE                 OTP (OTP, CODE, رمز, الرمز)
 *
 * TYPE: CIN C 1 CNI CNIE "CARTE NATIONALE" البطاقة الوطنية / بطاقة التعريف /
 * بطاقة / البطاقة; SEJOUR CS 2 "CARTE DE SEJOUR" "CARTE SEJOUR" الإقامة /
 * إقامة / بطاقة الإقامة; PASSPORT PASSEPORT P 3 جواز / جواز السفر / الجواز.
 * NUMERO, NUM, NUMBER, رقم, الرقم before it are skipped. Another word where
 * the type goes is BAD_TYPE (never guessed past).
 *
 * NUMBER: one word of letters and digits, or several: a word of 1-2
 * letters joined to the digits that follow ("AB 123456", "AB-123456"),
 * then groups of 1..4 digits after a word ending with 1..4 digits
 * ("AB 123 456"; "AB123456 01 02 1980" is a number and a bad date). Upper
 * case, separators removed, at most PARSE_IDNUM_MAX, digits only kept as
 * typed. Words without digits before it are skipped. A TYPE of letters
 * that could be the number's own (P, CS) followed by 1..6 digits only is
 * ambiguous (CIN P123456?): MISS_TYPE. Without a type, the number's shape
 * tells it when it is clear: 1-2 letters + 1..6 digits is a CIN, 2 letters
 * + 7 digits a passport; any other shape (digits only...) is MISS_TYPE.
 *
 * Dates: ddmmyyyy, d/m/yyyy, d-m-yyyy, d.m.yyyy (parse_date_user: one
 * separator throughout, a real calendar day 1900..2199). One date is the
 * birth date; two are the expiry then the birth date, as written; more is
 * MANY_DATES. After the number, anything with a digit that is not such a
 * date (31/02/1980, 1980-02-01, 01/02/80, 12/2030, 010280) is BAD_DATE:
 * never read in another order. A valid date ends the number.
 *
 * Words without digits after the fields or between them ("merci",
 * "ne le", "exp") are ignored in every form; anything else with digits
 * makes a HELP. CAT: one word of 1..3 digits, 1..999. OTP: digit groups
 * making 4..10 digits together ("123 456").
 */
enum sms_request_kind sms_request_parse(const char *text, size_t len,
    const char *const *keywords, size_t nkeywords, struct sms_request *out);

/*
 * The canonical text of an IDENTITY, CATEGORY or OTP request, e.g.
 * "TNS CIN AB123456 31/12/2030 01/02/1980", "TNS CAT 7", "TNS OTP 123456",
 * with keyword (NULL: "TNS"); sms_request_parse reads it back to the same
 * fields. Returns 0, or -1 with out "" for another kind or when it does
 * not fit outsz (64 bytes always do).
 */
int sms_request_format(const struct sms_request *r, const char *keyword,
    char *out, size_t outsz);

/* "not_for_us", "help", "identity", "category", "otp"; "?" otherwise. */
const char *sms_request_strkind(enum sms_request_kind k);
/* One problem bit's name ("miss_type", "bad_date"...), for logs; "?" for
 * anything but one known bit. */
const char *sms_request_strproblem(unsigned bit);

#endif
