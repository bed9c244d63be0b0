/*
 * load_csv: the rows of tnsgw-load's three import files (registry,
 * categories, reasons): an RFC 4180 reader, the header check, and the
 * per-field validation of a row into a registry record, a category or a
 * reason. Pure: reads only the bytes it is given, writes nothing.
 */
#ifndef TNSGW_LOAD_CSV_H
#define TNSGW_LOAD_CSV_H

#include <stddef.h>

#include "registry.h"

/*
 * CSV (RFC 4180): fields separated by ',', optionally in double quotes
 * (then commas, CR/LF and doubled quotes "" inside), rows ended by LF or
 * CRLF, a UTF-8 BOM at the start skipped, blank lines skipped. Unquoted
 * fields lose their surrounding blanks (space, tab).
 */
#define LOAD_CSV_MAXFIELDS 16
#define LOAD_CSV_ROWMAX    8192	/* bytes of one row's field text */

struct load_csv_row {
	int         nfields;
	const char *field[LOAD_CSV_MAXFIELDS];	/* into buf, NUL-terminated */
	int         line;		/* physical line the row starts on (1-based) */
	size_t      start, end;	/* raw span in the input, end after the EOL */
	char        buf[LOAD_CSV_ROWMAX];
};

/* A reader over len bytes at data, which the caller keeps alive. */
struct load_csv {
	const char *data;
	size_t      len;
	size_t      pos;
	int         line;		/* physical line at pos (1-based) */
};

void load_csv_init(struct load_csv *c, const char *data, size_t len);
/*
 * Next row: 1 with row filled, 0 at the end, -1 with the reason in err
 * (row->line says where, row->start/end the raw span skipped; the reader
 * has skipped past the bad physical line, so the caller may go on). The
 * fields stay valid until the next call with the same row.
 */
int load_csv_next(struct load_csv *c, struct load_csv_row *row,
    char *err, size_t errsz);

/* The header row must be exactly these column names (case-insensitive;
 * the reader trimmed the blanks). 0, or -1 with "header: ..." in err. */
extern const char *const load_csv_cols_registry[];	/* NULL-terminated */
extern const char *const load_csv_cols_categories[];
extern const char *const load_csv_cols_reasons[];
int load_csv_check_header(const struct load_csv_row *row,
    const char *const *cols, char *err, size_t errsz);

/* Row validation: 0, or -1 with a short reason in err (no personal data
 * in it beyond the column name). The reason code's existence is the
 * caller's check. */
int load_csv_parse_person(const struct load_csv_row *row,
    struct registry_rec *r, char *err, size_t errsz);

struct load_csv_cat {
	char        code[REGISTRY_CODE_MAX + 1];
	const char *label_fr, *label_ar, *docs_fr, *docs_ar;	/* into the row */
};
int load_csv_parse_category(const struct load_csv_row *row,
    struct load_csv_cat *c, char *err, size_t errsz);

struct load_csv_reason {
	char        code[REGISTRY_CODE_MAX + 1];
	const char *text_fr, *text_ar;		/* into the row */
};
int load_csv_parse_reason(const struct load_csv_row *row,
    struct load_csv_reason *r, char *err, size_t errsz);

/* 1 when s is [A-Z0-9_], 1..REGISTRY_CODE_MAX chars; else 0. */
int load_csv_code_ok(const char *s);
/* 1 when s is strict UTF-8 (utf8.h) with no control character (C0, DEL,
 * C1), 1..maxlen bytes; else 0. */
int load_csv_text_ok(const char *s, size_t maxlen);

#endif
