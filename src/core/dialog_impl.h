/*
 * dialog_impl: what dialog.c shares with its other files — the pager
 * (dialog_pager.c), the SMS bodies (dialog_sms.c), the codec of its state
 * (dialog_state.c) and its catalogue check (dialog_check.c): the bounds of
 * struct dialog's fields, and the text helpers the check must run exactly
 * as the screens do. For these files only; callers use dialog.h.
 */
#ifndef TNSGW_DIALOG_IMPL_H
#define TNSGW_DIALOG_IMPL_H

#include <stddef.h>

#include "catalog.h"
#include "dialog.h"
#include "tbuf.h"

#define DIALOG_CHOICE_MAX	999	/* largest menu number we read */
#define DIALOG_BAD_MAX		99	/* bound on d->bad_inputs */
#define DIALOG_MATRICULE_MAX	23	/* struct dialog_record.matricule - 1 */
#define DIALOG_PHONE_MAX	23	/* struct dialog.phone - 1 */
#define DIALOG_TAIL_LEN		2	/* digits of the phone shown: "...12" */
#define DIALOG_SMS_GSM7		(DIALOG_SMS_SEGMENTS * 153)	/* septets */
#define DIALOG_SMS_UCS2		(DIALOG_SMS_SEGMENTS * 67)	/* characters */

/* A {name} of a catalogue text and its value (cleaned when filled in,
 * but with its line breaks kept when lines is set: lines we wrote). */
struct dialog_var {
	const char	*name;
	const char	*value;
	int		 lines;
};

/* Languages of the menu: conf->nlanguages bounded to 1..8. */
int dialog_nlangs(const struct dialog_conf *conf);
/* The i-th menu language, else the catalogue's first, else "fr". */
void dialog_conf_lang(const struct dialog_conf *conf,
    const struct catalog *cat, int i, char out[CATALOG_LANG_MAX]);
/* Text key in lang, else in the first menu language, else French, else
 * "" (never NULL). Valid as long as cat. */
const char *dialog_msg_lang(const struct dialog_conf *conf,
    const struct catalog *cat, const char *lang, const char *key);
/* The same text split in pieces (an empty one when none). */
const struct catalog_text *dialog_msg_text_lang(const struct dialog_conf *conf,
    const struct catalog *cat, const char *lang, const char *key);
/* Append outside text s (len bytes at most, up to a NUL): invalid UTF-8
 * as '?', control characters as a space; nothing is cut. */
void dialog_clean(struct tbuf *b, const char *s, size_t len);
/* The same, '\n' kept. */
void dialog_clean_lines(struct tbuf *b, const char *s, size_t len);
/* Append tmpl with its {placeholders} from v filled (values cleaned);
 * unknown ones kept as written. */
void dialog_subst(struct tbuf *b, const char *tmpl,
    const struct dialog_var *v, int nv);
/*
 * What a text filled by dialog_fill needs on the air, added up piece by
 * piece: m as written (an SMS body), ms as the screen would send it
 * (transliterated when tr is set, else m). ok is 0 once it is unknown (an
 * append that did not fit, a text not measured whole): the text is then
 * measured the old way.
 */
struct dialog_measure {
	struct gsm_measure	m, ms;
	size_t			len;	/* bytes dialog_fill appended */
	int			tr, ok;
};
void dialog_measure_start(struct dialog_measure *m, int tr);
/* dialog_subst of t's text, the same bytes, filled from its pieces: the
 * literals copied and not read again (their measures were taken when the
 * catalogue was loaded), only the values measured; m (may be NULL)
 * gets what was appended. */
void dialog_fill(struct tbuf *b, const struct catalog_text *t,
    const struct dialog_var *v, int nv, struct dialog_measure *m);
/* What gsm_transliterate makes of dialog_fill's text, written from the
 * transliterated pieces (catalog_piece tr) and values, with the same
 * measures and m->len the bytes dialog_fill would have appended. Worth
 * something only whole: m->ok is 0 when anything did not fit. */
void dialog_fill_tr(struct tbuf *b, const struct catalog_text *t,
    const struct dialog_var *v, int nv, struct dialog_measure *m);
/* French screens are transliterated to GSM 7-bit (ussd.transliterate). */
int dialog_translit_on(const struct dialog_conf *conf, const char *lang);
/* b is not over and, as it would be sent in lang ("": the language menu,
 * never transliterated), fits one USSD page. */
int dialog_fits(const struct tbuf *b, const struct dialog_conf *conf,
    const char *lang);
/* "1 Français\n2 العربية..." in each language's own name. */
void dialog_lang_menu(const struct dialog_conf *conf,
    const struct catalog *cat, struct tbuf *b);
/* Digits of a one-time code: conf->otp_length, or 6 when it is 0 or more
 * than struct dialog_out.otp_input holds. */
size_t dialog_otp_digits(const struct dialog_conf *conf);
/* "1".."999" (no sign, no leading zero) -> the number, else -1. */
int dialog_number(const char *s);
/* s (within cap bytes) is minlen..maxlen ASCII digits and nothing else. */
int dialog_digits_ok(const char *s, size_t cap, size_t minlen,
    size_t maxlen);
/* The "what to do next" line: next_phone with conf->support_phone when it
 * is set (and !agency), else next_agency. */
void dialog_next_line(const struct dialog_conf *conf,
    const struct catalog *cat, const char *lang, int agency, struct tbuf *b);
/* n through the number-dependent keys base_1, base_2, base_3_10,
 * base_11 of lang ({n} in them); n alone when lang lacks them. */
void dialog_plural(const struct catalog *cat, const char *lang,
    const char *base, long n, struct tbuf *b);

/* ---- one call of the dialog (dialog.c, dialog_list.c, dialog_otp.c) ---- */

/* Everything one call works with. */
struct dialog_ctx {
	struct dialog			*d;
	const struct dialog_conf	*conf;
	const struct catalog		*cat;
	struct dialog_out		*out;
};

/* The dialog's language; its text key (dialog_msg_lang). */
void dialog_lang(const struct dialog_ctx *c, char out[CATALOG_LANG_MAX]);
const char *dialog_msg(const struct dialog_ctx *c, const char *key);
/* dialog_msg's text, split in pieces (an empty one when none). */
const struct catalog_text *dialog_msg_text(const struct dialog_ctx *c,
    const char *key);
/* text, as sent in lang, fits one USSD page. */
int dialog_screen_fits(const struct dialog_conf *conf, const char *lang,
    const char *text);
/* The text of this step: on USSD the screen (French transliterated; an
 * outside text as it is when it fits so), on SMS the reply SMS. */
void dialog_emit(struct dialog_ctx *c, const char *lang, const char *text,
    int outside);
void dialog_emit_text(struct dialog_ctx *c, const char *text, int outside);
/* The first of the n texts t[] that fits one page (on SMS: t[0]). */
void dialog_emit_first(struct dialog_ctx *c, const char *lang,
    char (*t)[DIALOG_TEXT_MAX * 2], int n);
/* The dialog ends on o (the caller then emits the last text). */
void dialog_end(struct dialog_ctx *c, enum dialog_outcome o);
void dialog_finish(struct dialog_ctx *c, const char *text,
    enum dialog_outcome o, int outside);
/* text, then line when both fit one page (on SMS: always). */
void dialog_finish_line(struct dialog_ctx *c, const char *text,
    const char *line, enum dialog_outcome o, int outside);
/* An end without an outcome the caller can use: key with v, then what to
 * do next (dialog_next_line). */
void dialog_finish_next(struct dialog_ctx *c, const char *key,
    const struct dialog_var *v, int nv, enum dialog_outcome o);
void dialog_fail(struct dialog_ctx *c);		/* service error */
void dialog_locked(struct dialog_ctx *c);	/* a limit, any */
/* One more bad answer: 1 when that was one too many (the dialog ended). */
int dialog_count_bad(struct dialog_ctx *c);
/* The question of the step again, after the error line errkey if any;
 * dialog_bad_answer counts it first. */
void dialog_ask(struct dialog_ctx *c, const char *errkey);
void dialog_bad_answer(struct dialog_ctx *c, const char *errkey);
/* sms.receipts has bit, and the channel is USSD (on SMS the answer is
 * the SMS). */
int dialog_receipt_on(const struct dialog_ctx *c, int bit);

/* ---- dialog_list.c ---- */

/* Start a paged list step: its first page, fetched (need). */
void dialog_list_start(struct dialog_ctx *c, enum dialog_step step,
    enum dialog_need need);
/* An answer on a list (categories, documents, regions): kept in
 * d->pending, the list fetched again. */
void dialog_list_input(struct dialog_ctx *c, const char *in, int ok);
/* An end text holding an outside text: whole when it fits a page (with
 * line when that fits too), else paged (DIALOG_S_TEXT), line at its end. */
void dialog_list_long(struct dialog_ctx *c, const char *key,
    const char *var, const char *value, const char *line,
    enum dialog_outcome o);
/* An answer on DIALOG_S_TEXT: "0" next, "00" back. */
void dialog_list_text_input(struct dialog_ctx *c, const char *in, int ok);
void dialog_list_categories(struct dialog_ctx *c,
    const struct dialog_categories *res);
void dialog_list_docs(struct dialog_ctx *c, const struct dialog_docs *res);
void dialog_list_regions(struct dialog_ctx *c,
    const struct dialog_regions *res);
void dialog_list_points(struct dialog_ctx *c, const struct dialog_points *res);

/* ---- dialog_otp.c ---- */

/* Case B, details matched: keep the person, have the code issued. */
void dialog_otp_issue(struct dialog_ctx *c, const struct dialog_record *r);
/* The code typed (in, insz bytes, wiped), or "9" for a new one. */
void dialog_otp_input(struct dialog_ctx *c, char *in, size_t insz, int ok);
/* The code question (key otp_ask or otp_live) after err if any, with
 * "9 new code" when the page allows. */
void dialog_otp_ask(struct dialog_ctx *c, const char *err, const char *key);
void dialog_otp_answer(struct dialog_ctx *c, const struct dialog_otp *res);

/* ---- dialog_sms.c ---- */

/* The SMS to the caller (kind "reply", "receipt", "points"), when it fits
 * one body; else none (logged). */
void dialog_sms_put(struct dialog_ctx *c, const char *text,
    const char *kind);
/* The second body of that SMS (out->sms2), after dialog_sms_put: "" or
 * NULL for none; none either when the first was not put. */
void dialog_sms_put2(struct dialog_ctx *c, const char *text);
/* dialog_sms_put of len bytes of text whose measure is m (NULL: not
 * known). */
void dialog_sms_put_measured(struct dialog_ctx *c, const char *text,
    size_t len, const struct dialog_measure *m, const char *kind);
/* The same, key rendered with v in the dialog's language. */
void dialog_sms_render(struct dialog_ctx *c, const char *key,
    const struct dialog_var *v, int nv, const char *kind);

/* Does text fit one SMS body: DIALOG_SMS_MAX bytes and DIALOG_SMS_SEGMENTS
 * concatenated SMS, whatever the bind's charset? */
int dialog_sms_fits(const char *text);
/*
 * Render key of lang into out (outsz bytes) with v, and {list_name}
 * filled with the lines of items from..nitems-1 (each "prefix text",
 * prefix from its style: "12 ", "- " or none), as many whole items as let
 * the body fit (dialog_sms_fits); when some are left out and more is not
 * NULL, the body ends with the line of key more ({n}: the items left).
 * Returns the items put, -1 when not even the text without them fits.
 */
struct dialog_pager;
int dialog_sms_list(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, const char *key, const struct dialog_var *v, int nv,
    const char *list_name, const struct dialog_pager *items, int from,
    int nitems, const char *more, char *out, size_t outsz);
/*
 * The same list over two bodies (each the whole template, so that either
 * reads alone whatever order they arrive in): out with the first items
 * that fit, out2 ("" when out holds them all) with the next ones. The
 * bounds of the design (64 categories of 127 bytes, 2047 bytes of
 * documents, 32 points of 511 bytes) do NOT always fit two bodies: then
 * out2 (or out, when one item alone fits no body) ends with the line of
 * more, {n} the items left. Returns the items put, -1 as above.
 */
int dialog_sms_list2(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, const char *key, const struct dialog_var *v, int nv,
    const char *list_name, const struct dialog_pager *items, int from,
    int nitems, const char *more, char *out, char *out2, size_t outsz);

#endif
