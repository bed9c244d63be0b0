/*
 * dialog_fixture: what the dialog's unit tests share (test_dialog.c,
 * test_dialog_check.c): the shipped catalogues, read with a tiny parser of
 * key = "text"; (run from the top of the tree, or TNSGW_SRCDIR), and the
 * configurations the tests run under. Included once per test program.
 */
#ifndef TNSGW_DIALOG_FIXTURE_H
#define TNSGW_DIALOG_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "dialog.h"
#include "parse.h"

/* ---- the shipped catalogues ---- */

static int
load_line(struct catalog *c, const char *lang, const char *line)
{
	char		 key[64], text[2048];
	const char	*p = line;
	size_t		 k = 0, t = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '\n' || *p == '#' || (p[0] == '/' && p[1] == '/'))
		return 0;
	while ((*p >= 'a' && *p <= 'z') || *p == '_' || (*p >= '0' && *p <= '9'))
		if (k < sizeof(key) - 1)
			key[k++] = *p++;
	key[k] = '\0';
	while (*p == ' ')
		p++;
	if (*p++ != '=')
		return -1;
	while (*p == ' ')
		p++;
	if (*p++ != '"')
		return -1;
	while (*p != '"' && *p != '\0' && t < sizeof(text) - 1) {
		if (*p == '\\') {
			p++;
			text[t++] = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
			p++;
		} else
			text[t++] = *p++;
	}
	text[t] = '\0';
	if (*p != '"' || p[1] != ';')
		return -1;
	return catalog_set(c, lang, key, text);
}

static struct catalog *
load_catalog(void)
{
	static const char *const langs[] = { "fr", "ar", "tzm" };
	struct catalog	*c;
	const char	*dir = getenv("TNSGW_SRCDIR");
	char		 path[512], line[4096];
	FILE		*f;
	size_t		 i;

	if (dir == NULL)
		dir = ".";
	if ((c = catalog_new()) == NULL)
		return NULL;
	for (i = 0; i < sizeof(langs) / sizeof(langs[0]); i++) {
		snprintf(path, sizeof(path), "%s/etc/messages/%s.conf", dir,
		    langs[i]);
		if ((f = fopen(path, "r")) == NULL) {
			fprintf(stderr, "cannot open %s\n", path);
			catalog_free(c);
			return NULL;
		}
		while (fgets(line, sizeof(line), f) != NULL)
			if (load_line(c, langs[i], line) == -1) {
				fprintf(stderr, "%s: bad line: %s", path, line);
				fclose(f);
				catalog_free(c);
				return NULL;
			}
		fclose(f);
	}
	return c;
}

/* ---- configurations ---- */

enum conf_variant {
	CONF_DEFAULT = 0,	/* fr ar tzm, check_expiry, transliterate */
	CONF_NO_EXPIRY,
	CONF_ONE_LANG,		/* fr only: no language menu */
	CONF_NO_TRANSLIT,
	CONF_BAD_ZERO,		/* max_bad_inputs 0 means 3 */
	CONF_BAD_ONE,
	CONF_OTP4,		/* otp_length 4 */
};

static long
days(int y, int m, int d)
{
	struct parse_date	dt = { y, m, d };

	return parse_date_days(&dt);
}

static void
conf_make(enum conf_variant v, struct dialog_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->check_expiry = v != CONF_NO_EXPIRY;
	conf->transliterate = v != CONF_NO_TRANSLIT;
	conf->nlanguages = v == CONF_ONE_LANG ? 1 : 3;
	snprintf(conf->languages[0], CATALOG_LANG_MAX, "fr");
	snprintf(conf->languages[1], CATALOG_LANG_MAX, "ar");
	snprintf(conf->languages[2], CATALOG_LANG_MAX, "tzm");
	conf->max_bad_inputs = v == CONF_BAD_ZERO ? 0 : v == CONF_BAD_ONE ? 1 : 3;
	conf->today_days = days(2025, 6, 1);
	conf->otp_length = v == CONF_OTP4 ? 4 : 6;
	conf->password_length = 10;
}

#endif
