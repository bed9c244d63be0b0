/*
 * load_csv: the rows of tnsgw-load's four import files (registry,
 * categories, reasons, proximity points): an RFC 4180 reader, the header
 * check, and the per-field validation of a row into a registry record, a
 * category, a reason or a point. Pure: reads only the bytes it is given,
 * writes nothing.
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

/*
 * A file's columns: the required ones first, in this order (the registry
 * has only these), then the optional ones in any order, each at most
 * once. Names compare case-insensitively (the reader trimmed the blanks).
 */
struct load_csv_schema {
	const char *const *cols;	/* required, then optional; NULL-ended */
	int                nreq;
};
extern const struct load_csv_schema load_csv_registry;
extern const struct load_csv_schema load_csv_categories;
extern const struct load_csv_schema load_csv_reasons;
extern const struct load_csv_schema load_csv_points;

/* Column numbers in each schema's cols. */
enum load_csv_cat_col {
	LOAD_CSV_CAT_CODE, LOAD_CSV_CAT_LABEL_FR, LOAD_CSV_CAT_LABEL_AR,
	LOAD_CSV_CAT_DOCS_FR, LOAD_CSV_CAT_DOCS_AR,
	LOAD_CSV_CAT_LABEL_TZM, LOAD_CSV_CAT_DOCS_TZM, LOAD_CSV_CAT_RANK,
};
enum load_csv_rsn_col {
	LOAD_CSV_RSN_CODE, LOAD_CSV_RSN_TEXT_FR, LOAD_CSV_RSN_TEXT_AR,
	LOAD_CSV_RSN_TEXT_TZM,
};
enum load_csv_pt_col {
	LOAD_CSV_PT_REGION, LOAD_CSV_PT_NAME, LOAD_CSV_PT_ADDRESS,
	LOAD_CSV_PT_HOURS, LOAD_CSV_PT_PHONE,
	LOAD_CSV_PT_REGION_AR, LOAD_CSV_PT_REGION_TZM,
};

/* Where a file's header put each column. */
struct load_csv_hdr {
	int nfields;			/* fields every row must have */
	int pos[LOAD_CSV_MAXFIELDS];	/* schema column -> field, -1 absent */
};

/* Check the header row against s and map its columns into h. 0, or -1
 * with "header: ..." in err. */
int load_csv_header(const struct load_csv_row *row,
    const struct load_csv_schema *s, struct load_csv_hdr *h, char *err,
    size_t errsz);

/* Row validation: 0, or -1 with a short reason in err (no personal data
 * in it beyond the column name). The reason code's existence is the
 * caller's check. The registry's columns are fixed: its rows need no
 * header map. */
int load_csv_parse_person(const struct load_csv_row *row,
    struct registry_rec *r, char *err, size_t errsz);

/* A category. An optional language column that is absent or empty in a
 * row gives NULL (the daemon then reads French). */
#define LOAD_CSV_RANK_MAX 999999
struct load_csv_cat {
	char        code[REGISTRY_CODE_MAX + 1];
	const char *label_fr, *label_ar, *docs_fr, *docs_ar;	/* into the row */
	const char *label_tzm, *docs_tzm;	/* into the row, or NULL */
	int         has_rank;		/* rank given (0..LOAD_CSV_RANK_MAX) */
	long        rank;
};
int load_csv_parse_category(const struct load_csv_row *row,
    const struct load_csv_hdr *h, struct load_csv_cat *c, char *err,
    size_t errsz);

struct load_csv_reason {
	char        code[REGISTRY_CODE_MAX + 1];
	const char *text_fr, *text_ar;		/* into the row */
	const char *text_tzm;			/* into the row, or NULL */
};
int load_csv_parse_reason(const struct load_csv_row *row,
    const struct load_csv_hdr *h, struct load_csv_reason *r, char *err,
    size_t errsz);

/*
 * A proximity point. name, address and hours are text without '|' (the
 * point is stored as "name|address|hours|phone"), phone an optional '+'
 * and 4 to 15 digits; region names are text (ar and tzm NULL when absent
 * or empty). Bytes at most, NUL excluded:
 */
#define LOAD_CSV_PT_NAME_MAX    127
#define LOAD_CSV_PT_ADDRESS_MAX 255
#define LOAD_CSV_PT_HOURS_MAX   63
#define LOAD_CSV_PT_PHONE_MAX   16
struct load_csv_point {
	const char *region, *region_ar, *region_tzm;	/* into the row */
	const char *name, *address, *hours, *phone;	/* into the row */
};
int load_csv_parse_point(const struct load_csv_row *row,
    const struct load_csv_hdr *h, struct load_csv_point *pt, char *err,
    size_t errsz);

/*
 * A reject file's line: the raw row (len bytes at raw, its end of line
 * included or not, possibly malformed CSV) split leniently into fields (a
 * quote that does not close runs to the end, a stray quote is a
 * character), made ncols fields (missing ones empty, extra ones joined
 * into the last with their commas), then reason as one more field; every
 * field quoted as RFC 4180 says, the line ended by "\n". A UTF-8 BOM
 * before the row is dropped (the header's); a NUL or a byte that is not
 * valid UTF-8 becomes U+FFFD, so the line is UTF-8 text. Into out, NUL-terminated:
 * the line's length, or how long it would be when outsz is too small
 * (nothing usable written then), as snprintf.
 */
size_t load_csv_reject_line(const char *raw, size_t len, int ncols,
    const char *reason, char *out, size_t outsz);

/* 1 when s is [A-Z0-9_], 1..REGISTRY_CODE_MAX chars; else 0. */
int load_csv_code_ok(const char *s);
/* 1 when s is strict UTF-8 (utf8.h) with no control character (C0, DEL,
 * C1), 1..maxlen bytes; else 0. */
int load_csv_text_ok(const char *s, size_t maxlen);

#endif
