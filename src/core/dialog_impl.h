/*
 * dialog_impl: what dialog.c shares with the codec of its state
 * (dialog_state.c) and its catalogue check (dialog_check.c): the bounds of
 * struct dialog's fields, and the text helpers the check must run exactly
 * as the screens do. For these three files only; callers use dialog.h.
 */
#ifndef TNSGW_DIALOG_IMPL_H
#define TNSGW_DIALOG_IMPL_H

#include <stddef.h>

#include "catalog.h"
#include "dialog.h"
#include "tbuf.h"

#define DIALOG_CHOICE_MAX	999	/* largest menu number we read */
#define DIALOG_BAD_MAX		99	/* bound on d->bad_inputs */
#define DIALOG_MATRICULE_MAX	23	/* struct dialog_lookup.matricule - 1 */
#define DIALOG_PHONE_MAX	23	/* struct dialog.phone - 1 */
#define DIALOG_TAIL_LEN		2	/* digits of the phone shown: "...12" */

/* A {name} of a catalogue text and its value (maxcp > 0: at most that
 * many characters, then an ellipsis). */
struct dialog_var {
	const char	*name;
	const char	*value;
	size_t		 maxcp;
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
/* Append tmpl with its {placeholders} from v filled (values cleaned:
 * invalid UTF-8 as '?', controls as spaces); unknown ones kept as written. */
void dialog_subst(struct tbuf *b, const char *tmpl,
    const struct dialog_var *v, int nv);
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
/* s (within cap bytes) is minlen..maxlen ASCII digits and nothing else. */
int dialog_digits_ok(const char *s, size_t cap, size_t minlen,
    size_t maxlen);

#endif
