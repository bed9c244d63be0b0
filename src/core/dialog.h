/*
 * dialog: the conversation of DESIGN.md §1 (USSD screens, or SMS replies)
 * as a pure state machine.
 * Input + state (+ what the gateway fetched) -> screen + next state +
 * what to fetch next. No sockets, no Redis, no clock but what is passed in.
 *
 * Contract with the gateway:
 *   - dialog_begin() for a new USSD session (the dial string),
 *     dialog_begin_fields() for a request that carries its answers (an SMS
 *     "TNS CIN AB123456 25121980"), dialog_input() for each later answer.
 *     All fill a struct dialog_out.
 *   - When out->need != DIALOG_NEED_NONE there is no screen yet: the gateway
 *     fetches what is asked (request fields in the dialog: d->idtype,
 *     d->idnum, d->cat_code, d->lang) and calls the matching dialog_on_*()
 *     exactly once with the result (or with status DIALOG_FETCH_ERROR on a
 *     Redis failure/timeout). That call fills out again (a screen, or in
 *     principle another need).
 *   - out->record_failure: a no-match (DESIGN.md §1). The failed attempt
 *     was counted against the document number by the lookup itself
 *     (store.h: the script compares the dates and counts, atomically with
 *     the limits); the gateway audits it and adds it to the failure rate.
 *   - out->end: the screen is the last one (PSSR response); the gateway
 *     deletes the session. Otherwise it saves the dialog
 *     (dialog_state_encode, dialog_state.h) and sends the screen as a USSR
 *     request.
 *   - out->sms: an SMS to the caller, written to the outbox before the
 *     screen goes (see struct dialog_out).
 *   - The catalogue is checked once, before use: dialog_check.h.
 *   - out->outcome is set on the last screen (for audit and metrics). A
 *     dialog that reached its outcome but still offers more (C's last
 *     documents page offers the proximity points; a D reason or C's end
 *     text paged over several screens) keeps it in d->outcome meanwhile
 *     (end 0, out->outcome NONE): a session dropped there has reached
 *     d->outcome.
 *
 * The SMS channel (d->channel DIALOG_CH_SMS): the same flow, but every
 * answer is in out->sms (kind "reply", and out->sms2 when a list takes two
 * bodies), out->text stays "", lists are whole (never paged; a category
 * list longer than two bodies ends with "TNS CAT for the rest", and "TNS
 * CAT" alone then sends the items after those sent: d->page), and
 * out->end says whether the conversation is over (the gateway deletes its
 * state) or waits (state kept) for a follow-up, which
 * the gateway gives as dialog_input() of the saved dialog: "TNS CAT [n]"
 * as dialog_input(n, "" when absent) at DIALOG_S_NOMATCH or
 * DIALOG_S_CATEGORY, "TNS OTP <code>" as dialog_input(code) at
 * DIALOG_S_OTP. The help text for an unreadable request is the catalogue's
 * "sms_help", rendered by the gateway with dialog_render().
 */
#ifndef TNSGW_DIALOG_H
#define TNSGW_DIALOG_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"
#include "parse.h"
#include "registry.h"

/* Codes, labels, documents and reasons come from the registry's data: their
 * sizes are registry.h's (characters or bytes, + 1 for the NUL here). */
#define DIALOG_TEXT_MAX       1024	/* one screen, UTF-8 bytes */
#define DIALOG_SMS_MAX        2048	/* one SMS body (8 segments), UTF-8 bytes */
#define DIALOG_SMS_SEGMENTS   8		/* concatenated SMS in one body at most */
#define DIALOG_MAX_CATEGORIES 64
/* A category label or region name, bytes: longer than the loader's
 * REGISTRY_LABEL_MAX, so that nothing Redis holds is cut on the way in. */
#define DIALOG_LABEL_MAX      511

enum dialog_step {
	DIALOG_S_LANG = 0,	/* language menu shown */
	DIALOG_S_IDTYPE,	/* document type menu shown */
	DIALOG_S_IDNUM,		/* asked for the document number */
	DIALOG_S_EXPIRY,	/* asked for the expiry date */
	DIALOG_S_BIRTH,		/* asked for the birth date */
	DIALOG_S_LOOKUP,	/* waiting for the registry lookup */
	DIALOG_S_CATEGORY,	/* (paged) category list shown */
	DIALOG_S_DOCS,		/* (paged) documents of the chosen category shown */
	DIALOG_S_DONE,
	DIALOG_S_OTP,		/* case B: asked for the one-time code */
	DIALOG_S_NOMATCH,	/* "no record matches: 1 correct, 2 not registered" */
	DIALOG_S_REGION,	/* (paged) region list shown, after the documents */
	DIALOG_S_TEXT,		/* a long text shown page by page (a reason) */
};
const char *dialog_strstate(enum dialog_step s);

enum dialog_outcome {
	DIALOG_OUTCOME_NONE = 0,
	DIALOG_OUTCOME_A,		/* registered, has an account */
	DIALOG_OUTCOME_B,		/* registered, no account (later issue) */
	DIALOG_OUTCOME_C,		/* not registered: documents shown */
	DIALOG_OUTCOME_D,		/* not eligible */
	DIALOG_OUTCOME_MISMATCH,	/* (not produced since the no-match
					 * screen: DIALOG_S_NOMATCH) */
	DIALOG_OUTCOME_LOCKED,		/* rate limit */
	DIALOG_OUTCOME_ERROR,		/* backend failure, too many bad inputs */
	DIALOG_OUTCOME_ABORT,		/* caller or network ended the session */
};
/* "A", "B", "C", "D", "mismatch", "locked", "error", "abort", "none" */
const char *dialog_outcome_str(enum dialog_outcome o);

enum dialog_need {
	DIALOG_NEED_NONE = 0,
	DIALOG_NEED_LOOKUP,		/* registry lookup of (idtype, idnum) */
	DIALOG_NEED_CATEGORIES,		/* category list in d->lang */
	DIALOG_NEED_DOCS,		/* documents of d->cat_code in d->lang */
	DIALOG_NEED_OTP_ISSUE,		/* case B: send a new OTP to the person
					 * (d->matricule, d->phone), or say a
					 * code is live, a password is
					 * already pending, or the limit */
	DIALOG_NEED_OTP_VERIFY,		/* case B: check out->otp_input; when
					 * right, issue the initial password */
	DIALOG_NEED_OTP_RESEND,		/* case B: the caller asked ("9") for a
					 * new code: issue one unless too soon
					 * or too many (dialog_on_otp) */
	DIALOG_NEED_REGIONS,		/* the regions of the proximity points,
					 * in d->lang (dialog_on_regions) */
	DIALOG_NEED_POINTS,		/* the points of region d->region
					 * (dialog_on_points) */
};

/* The channel a dialog runs on: screens on USSD, SMS on the SMS channel
 * (d->channel; the texts differ, the flow is the same). */
enum dialog_channel {
	DIALOG_CH_USSD = 0,
	DIALOG_CH_SMS,
};

/* Outcomes sent again by SMS when the dialog ends on them (sms.receipts),
 * as bits of dialog_conf.receipts. */
#define DIALOG_RECEIPT_A	0x01
#define DIALOG_RECEIPT_C	0x02
#define DIALOG_RECEIPT_D	0x04

enum dialog_fetch_status {
	DIALOG_FETCH_OK = 0,
	DIALOG_FETCH_ERROR,		/* Redis down, timeout, bad data */
	DIALOG_FETCH_LOCKED,		/* a rate limit refused the lookup */
};

/* Pending action on a paged screen while its list is (re)fetched. */
enum dialog_pending {
	DIALOG_P_NONE = 0,
	DIALOG_P_SHOW,		/* show d->page as it is */
	DIALOG_P_NEXT,		/* "0": next page */
	DIALOG_P_BACK,		/* "00": previous page */
	DIALOG_P_CHOICE,	/* a number: pick item pending_n (categories) */
	DIALOG_P_BAD,		/* unreadable answer: show d->page with an error */
	DIALOG_P_GONE,		/* the chosen category (region) vanished: list again */
	DIALOG_P_RESEND,	/* DIALOG_S_OTP: "9", a new code asked
				 * (DIALOG_NEED_OTP_RESEND in flight) */
};

struct dialog_conf {
	int  check_expiry;		/* security.check_expiry */
	int  transliterate;		/* ussd.transliterate */
	int  nlanguages;		/* ussd.languages, menu order */
	char languages[8][CATALOG_LANG_MAX];
	int  max_bad_inputs;		/* re-prompts before giving up [3] */
	long today_days;		/* parse_date_days() of today, for expiry */
	int  otp_length;		/* security.otp_length: digits the caller types
					 * (0, or more than otp_input holds: 6) */
	int  password_length;		/* security.password_length, for the SMS
					 * check of dialog_check_catalog [10] */
	char support_phone[24];		/* service.support_phone, "" = none */
	int  receipts;			/* DIALOG_RECEIPT_* (sms.receipts) */
};
/* (The catalogue texts the dialog uses, their placeholders and what must
 * fit: dialog_check.h. Every screen that ends without an outcome ends with
 * next_phone, {phone} = support_phone, or next_agency.) */

struct dialog {
	enum dialog_step  step;
	char              lang[CATALOG_LANG_MAX];
	enum parse_idtype idtype;
	char              idnum[PARSE_IDNUM_MAX + 1];
	struct parse_date expiry;
	struct parse_date birth;
	int               page;		/* current page of a paged screen; on SMS
					 * at DIALOG_S_CATEGORY the first item
					 * the next "TNS CAT" sends (0: all) */
	int               bad_inputs;	/* consecutive invalid answers */
	char              cat_code[REGISTRY_CODE_MAX + 1];
	enum dialog_outcome outcome;
	/* What the last answer on a paged screen asked for, applied when the
	 * list comes back (dialog_on_categories/dialog_on_docs). */
	enum dialog_pending pending;
	int               pending_n;	/* the number typed, for DIALOG_P_CHOICE */
	/* Case B, kept from the lookup for the OTP steps. */
	char              matricule[24];
	char              phone[24];	/* phone on record, "" if none */
	char              phone_tail[8];	/* last digits of where the SMS went */
	enum dialog_channel channel;
	int               region;	/* DIALOG_S_REGION: the region chosen, 1..;
					 * DIALOG_S_TEXT: > 0 when the text is
					 * the region of points_sent */
	/* DIALOG_S_TEXT: the outside text paged (a D reason, or a region
	 * name), cleaned UTF-8; "" otherwise. */
	char              text[REGISTRY_TEXT_MAX + 1];
};

struct dialog_out {
	char                text[DIALOG_TEXT_MAX];	/* UTF-8 screen, may be "" when need is set */
	int                 end;
	enum dialog_need    need;
	int                 record_failure;
	enum dialog_outcome outcome;
	/* DIALOG_NEED_OTP_VERIFY: the code as typed (digits only). Never kept
	 * in struct dialog, so never saved to Redis. */
	char                otp_input[16];
	/*
	 * An SMS to the caller (the MSISDN of the dialog), "" for none: the
	 * outcome again (sms.receipts: A, C's documents, D's reason), the
	 * proximity points of a region, or on the SMS channel the answer
	 * itself. The gateway writes it to the outbox BEFORE it sends the
	 * screen (a screen may promise it). UTF-8, whole (never cut), at
	 * most what 8 concatenated SMS carry.
	 */
	char                sms[DIALOG_SMS_MAX];
	/*
	 * A list too long for one body (the categories, C's documents, the
	 * points) goes on here, same kind, same bounds, "" for none (always
	 * "" when sms is): the gateway queues it right after sms, before the
	 * screen. Each body is a whole text with whole items. When even two
	 * bodies cannot hold a list, sms2 ends with a line saying how many
	 * items are left and how to get them (catalogue sms_cat_more,
	 * sms_list_more).
	 */
	char                sms2[DIALOG_SMS_MAX];
	const char         *sms_kind;	/* "receipt", "points", "reply"; static */
};

/* What the registry holds of one person. */
enum dialog_reg_status {
	DIALOG_REG_NOT_FOUND = 0,	/* (unused in a record) */
	DIALOG_REG_REGISTERED,
	DIALOG_REG_INELIGIBLE,
};
struct dialog_record {
	enum dialog_reg_status   reg;
	struct parse_date        birth;
	struct parse_date        expiry;	/* unset when the registry has none */
	char                     matricule[24];
	int                      has_account;
	char                     phone[24];
	char                     reason_code[REGISTRY_CODE_MAX + 1];
	char                     reason_text[REGISTRY_TEXT_MAX + 1];	/* in d->lang, "" if unknown */
};
/*
 * What the registry said of (idtype, idnum): no record (n 0: not in the
 * registry, subject), the record of the number as typed (n 1), or, for a
 * number typed with its digits only, every record with those digits (up to
 * DIALOG_CAND_MAX): the dialog keeps the one whose dates match, when
 * exactly one does (DESIGN.md §1).
 */
#define DIALOG_CAND_MAX 4
struct dialog_lookup {
	enum dialog_fetch_status status;
	int                      n;
	int                      digits_only;	/* rec[] are candidates */
	struct dialog_record     rec[DIALOG_CAND_MAX];
};

struct dialog_category {
	char code[REGISTRY_CODE_MAX + 1];
	char label[DIALOG_LABEL_MAX + 1];	/* in d->lang (falls back to fr) */
};
struct dialog_categories {
	enum dialog_fetch_status status;
	int                      n;
	struct dialog_category   item[DIALOG_MAX_CATEGORIES];
};

struct dialog_docs {
	enum dialog_fetch_status status;
	int  found;				/* 0: the code no longer exists */
	char label[DIALOG_LABEL_MAX + 1];
	char documents[REGISTRY_DOCS_MAX + 1];	/* '|'-separated, in d->lang */
};

/* Case B's OTP steps, as the gateway settled them. */
enum dialog_otp_status {
	DIALOG_OTP_SENT = 0,	/* a new code went to the outbox */
	DIALOG_OTP_ALREADY,	/* a password is already pending for the person: no new secret */
	DIALOG_OTP_OK,		/* code right: password issued (SMS + provisioning) */
	DIALOG_OTP_WRONG,	/* code wrong, attempts_left more tries */
	DIALOG_OTP_EXPIRED,	/* no live code (TTL passed, used, or void) */
	DIALOG_OTP_VOID,	/* wrong too many times: the code is void now */
	DIALOG_OTP_LOCKED,	/* too many consecutive failures for the person */
	DIALOG_OTP_ERROR,	/* Redis failure/timeout, no key configured */
	DIALOG_OTP_LIVE,	/* issue: a code sent earlier is still live; no
				 * new SMS (the caller re-dialled) */
	DIALOG_OTP_WAIT,	/* resend: too soon after the last code (wait_s) */
	DIALOG_OTP_LIMIT,	/* issue/resend: security.max_otp_per_person_hour
				 * codes this hour already */
};
struct dialog_otp {
	enum dialog_otp_status status;
	int  attempts_left;		/* DIALOG_OTP_WRONG */
	int  wait_s;			/* DIALOG_OTP_WAIT: seconds before a resend */
	char phone_tail[8];		/* last 2 digits of the number the SMS went/goes to */
};

/* The regions of the proximity points (tnsgw-load --points), in file
 * order, names in d->lang (French when the file has none). */
#define DIALOG_REGIONS_MAX 16
struct dialog_regions {
	enum dialog_fetch_status status;
	int  n;
	char name[DIALOG_REGIONS_MAX][DIALOG_LABEL_MAX + 1];
};
/* The points of one region: each "name|address|hours|phone". */
#define DIALOG_POINTS_MAX 32
struct dialog_points {
	enum dialog_fetch_status status;
	int  found;			/* 0: the region no longer exists */
	char region[DIALOG_LABEL_MAX + 1];
	int  n;
	char point[DIALOG_POINTS_MAX][REGISTRY_LABEL_MAX * 2 + 1];
};

/* out emptied (as if zeroed) for the next step: what a step fills in. */
void dialog_out_reset(struct dialog_out *out);

/* Start a session from the dial string (already parsed; args may carry the
 * shortcut answers: [idtype, number, birth] or [idtype, number, expiry,
 * birth]). The channel is USSD. */
void dialog_begin(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const struct parse_dial *dial,
    struct dialog_out *out);
/*
 * Start a session whose request carries the answers (the SMS channel, or
 * any channel that reads them elsewhere): lang (NULL or not a menu
 * language: the first menu language), idtype (PARSE_ID_NONE: none), idnum
 * as typed (normalised here), expiry (NULL or unset: not given; when given
 * and security.check_expiry, checked), birth (NULL or unset: none). On USSD
 * what is missing is asked; on SMS a request without a valid type, number
 * or birth date gets the "sms_help" text and ends (outcome ERROR), and the
 * expiry is never asked: it is matched only when given.
 */
void dialog_begin_fields(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const char *lang, enum dialog_channel channel,
    enum parse_idtype idtype, const char *idnum,
    const struct parse_date *expiry, const struct parse_date *birth,
    struct dialog_out *out);
/* One answer typed by the caller (UTF-8). */
void dialog_input(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const char *input, struct dialog_out *out);
/*
 * After DIALOG_NEED_LOOKUP. The record the caller's details designate: for
 * a number typed in full (!digits_only), rec[0] when its birth date (and
 * expiry, when checked, given and the registry has one) match, or when it
 * is INELIGIBLE with no birth date in the registry; for digits only, the
 * one candidate whose dates match when exactly one does (a record without
 * a birth date never matches). Anything else (n 0, dates wrong, ambiguous)
 * gets the one "no_match" screen (DIALOG_S_NOMATCH, record_failure 1):
 * "1" asks the number again (type kept), "2" leads to case C.
 * The gateway's lookup (store_lookup) applies these same rules in Redis,
 * where the failure is counted, and hands over only the record it
 * designated (n 1) or none (n 0); the check here repeats them on what
 * came back, so nothing but a designated record is ever shown.
 */
void dialog_on_lookup(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const struct dialog_lookup *res,
    struct dialog_out *out);
void dialog_on_categories(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const struct dialog_categories *res,
    struct dialog_out *out);
/* The documents (paged on USSD; C's receipt SMS on the first page when
 * sms.receipts has C). Their last page offers "1" the proximity points of
 * a region (DIALOG_NEED_REGIONS; it is checked against the page shown, so
 * "1" costs one more DIALOG_NEED_DOCS first); any other answer there ends
 * the dialog ("bye", outcome C). */
void dialog_on_docs(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const struct dialog_docs *res,
    struct dialog_out *out);
/* The regions, a paged numbered list (DIALOG_S_REGION), fetched again on
 * every page like the categories; a number sets d->region and asks
 * DIALOG_NEED_POINTS. No region at all ends on "docs_where" (outcome C). */
void dialog_on_regions(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const struct dialog_regions *res,
    struct dialog_out *out);
/* The points of d->region: out->sms (kind "points") and the end screen
 * "points_sent", outcome C; found 0: the region list again; no point:
 * "docs_where". */
void dialog_on_points(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const struct dialog_points *res,
    struct dialog_out *out);

/*
 * Case B. After DIALOG_NEED_OTP_ISSUE (d->step is still DIALOG_S_LOOKUP,
 * d->matricule set) the answers are SENT (a new code went out: d->step
 * becomes DIALOG_S_OTP and the caller is asked for it), LIVE (a code sent
 * earlier is still live, no new SMS: asked for that code, "otp_live"),
 * ALREADY, LIMIT, LOCKED or ERROR. On DIALOG_S_OTP the caller types the
 * code (DIALOG_NEED_OTP_VERIFY) or "9" for a new one
 * (DIALOG_NEED_OTP_RESEND, d->pending DIALOG_P_RESEND while in flight).
 * After DIALOG_NEED_OTP_VERIFY the answers are OK (the only screen with
 * the matricule), WRONG (attempts_left > 0, asked again; 0 is taken as
 * VOID), VOID, EXPIRED, LOCKED or ERROR; after DIALOG_NEED_OTP_RESEND,
 * SENT (asked for the new code), WAIT (res->wait_s: "otp_wait", then asked
 * again for the code already sent), LIMIT, ALREADY, LOCKED or ERROR. A
 * status that does not answer the need in flight ends the dialog with the
 * service error screen. res->phone_tail: digits, the last 2 are kept
 * (d->phone_tail); when it is empty the tail kept since SENT/LIVE, else
 * that of d->phone, is used.
 */
void dialog_on_otp(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const struct dialog_otp *res,
    struct dialog_out *out);

/*
 * Render catalogue text key in lang with {name} placeholders replaced from
 * kv (name, value, name, value, ..., NULL): for SMS bodies (sms_otp,
 * sms_password, sms_help, ...). Falls back to "fr" when lang lacks the
 * key. A number given as {minutes} or {s} is written through the
 * number-dependent keys minutes_1, minutes_2, minutes_3_10, minutes_11
 * (seconds_* for {s}) of lang, each with {n} (Arabic plurals), when lang
 * has them. Returns 0, or -1 when the key is missing or out is too small.
 */
int dialog_render(const struct catalog *cat, const char *lang,
    const char *key, const char *const *kv, char *out, size_t outsz);

#endif
