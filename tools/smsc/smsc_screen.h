/*
 * smsc_screen: draws a USSD screen or an SMS as a phone would show it, for
 * the SMSC simulator — text wrapped at word boundaries to a column width
 * counted in Unicode characters, inside an ASCII box. Pure: no I/O.
 */
#ifndef TNSGW_SMSC_SCREEN_H
#define TNSGW_SMSC_SCREEN_H

#include <stddef.h>

#define SMSC_SCREEN_WIDTH   30	/* text columns of a phone screen */
#define SMSC_SCREEN_MIN     8
#define SMSC_SCREEN_MAX     200

/*
 * Wrap UTF-8 text to lines of at most width characters, joined by '\n'
 * (no trailing one); a byte that starts no valid sequence is a character
 * of its own, copied as it is. Breaks at spaces; a word longer than width
 * is cut; the text's own newlines are kept, CR and tabs become spaces, other
 * control characters are dropped. Returns the number of lines, or -1 when
 * out is too small (out is still NUL-terminated) or width is out of range.
 */
int smsc_screen_wrap(const char *utf8, int width, char *out, size_t outsz);

/*
 * The text wrapped to width columns inside a box (one space of margin
 * each side), title (may be NULL or "") on the top border:
 *   +-- USSD ----------------------+
 *   | 1 Francais                   |
 *   +------------------------------+   (width 28)
 * Every line ends with '\n'. Returns 0, or -1 when out is too small.
 */
int smsc_screen_box(const char *utf8, const char *title, int width,
    char *out, size_t outsz);

#endif
