/*
 * dialog_state: struct dialog <-> the bytes the gateway keeps in Redis
 * between two screens of a session. Pure.
 */
#ifndef TNSGW_DIALOG_STATE_H
#define TNSGW_DIALOG_STATE_H

#include <stddef.h>

#include "dialog.h"

#define DIALOG_STATE_MAX	2048	/* longest dialog_state_encode output */

/*
 * encode returns the length (at most DIALOG_STATE_MAX, and less than
 * bufsz: buf is NUL-terminated) or -1 when a field is out of range or buf
 * is too small. decode returns 0, or -1 on anything malformed or not in
 * the one canonical spelling (then d is zeroed).
 * The form is versioned ("D3|..."); decode takes only the current version:
 * sessions live ussd.session_timeout_s, a session saved by an older build
 * ends with the service error screen.
 */
int dialog_state_encode(const struct dialog *d, char *buf, size_t bufsz);
int dialog_state_decode(struct dialog *d, const char *buf, size_t len);

#endif
