/*
 * fuzz_parse: libFuzzer target for the parsers that read caller input —
 * dial strings, user and ISO dates, document numbers — with the invariants
 * their outputs promise (bounded, NUL-terminated, round-trippable dates).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_date(const struct parse_date *d)
{
	struct parse_date back;
	char iso[11];

	if (d->y < 1900 || d->y > 2199 || d->m < 1 || d->m > 12 ||
	    d->d < 1 || d->d > 31)
		abort();
	parse_date_fmt_iso(d, iso, sizeof(iso));
	if (parse_date_iso(iso, &back) != 0 || parse_date_cmp(d, &back) != 0)
		abort();
	if (parse_date_days(d) < -25567 || parse_date_days(d) > 84005)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct parse_dial dial;
	struct parse_date date;
	char id[PARSE_IDNUM_MAX + 1], trimmed[64];
	char *s;
	int i;

	if (size > 4096)
		return 0;
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (parse_dial(s, &dial) == 0) {
		if (strnlen(dial.service, sizeof(dial.service)) == 0 ||
		    strnlen(dial.service, sizeof(dial.service)) >=
		    sizeof(dial.service) || dial.nargs < 0 ||
		    dial.nargs > PARSE_DIAL_MAXARGS)
			abort();
		for (i = 0; i < dial.nargs; i++)
			if (strnlen(dial.args[i], sizeof(dial.args[i])) == 0 ||
			    strnlen(dial.args[i], sizeof(dial.args[i])) >=
			    sizeof(dial.args[i]))
				abort();
	}
	if (parse_date_user(s, &date) == 0)
		check_date(&date);
	if (parse_date_iso(s, &date) == 0)
		check_date(&date);
	if (parse_id_number(s, id, sizeof(id)) == 0) {
		size_t n = strlen(id);

		if (n == 0 || n > PARSE_IDNUM_MAX ||
		    strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != n ||
		    strpbrk(id, "0123456789") == NULL)
			abort();
	}
	if (parse_trim(s, trimmed, sizeof(trimmed)) != strlen(trimmed))
		abort();
	(void)parse_idtype(s, NULL);
	(void)parse_hash32(s);
	free(s);
	return 0;
}
