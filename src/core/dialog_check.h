/*
 * dialog_check: is a catalogue fit for the dialog (config check, start,
 * reload)? Pure.
 */
#ifndef TNSGW_DIALOG_CHECK_H
#define TNSGW_DIALOG_CHECK_H

#include <stddef.h>

#include "catalog.h"
#include "dialog.h"

/*
 * Check that every catalogue text the dialog shows, in every language of
 * conf, exists with only the {placeholders} it fills (and those it must
 * have), and fits one USSD page (with placeholders at their longest, the
 * error line above a question, "9 new code" under the code question, a
 * list item and navigation, the documents' closing lines); that every
 * screen that ends without an outcome fits with its next step line
 * (next_phone with a 10-digit phone, and next_agency); that the screens
 * of A and B name www.macnss.ma; that the language menu fits; that the
 * SMS bodies sms_otp and sms_password fit 2 concatenated SMS (306 GSM
 * septets or 134 UCS-2 characters, with {password} of
 * conf->password_length characters) and the others 8 (lists of three
 * items); that no SMS body holds a bidi control character, and that those
 * of a language whose name is in Arabic script start in Arabic script.
 * 0, or -1 with "lang/key: reason" in err (when err is not NULL).
 */
int dialog_check_catalog(const struct catalog *cat,
    const struct dialog_conf *conf, char *err, size_t errsz);

#endif
