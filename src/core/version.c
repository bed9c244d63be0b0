/*
 * version: the release and git describe, fixed at build time by the
 * Makefile (TNSGW_VERSION, TNSGW_GIT on this file alone, so a new commit
 * rebuilds one object).
 */
#include <string.h>

#include "version.h"

#ifndef TNSGW_VERSION
#define TNSGW_VERSION "0.5"
#endif
#ifndef TNSGW_GIT
#define TNSGW_GIT ""
#endif

const char *
version_release(void)
{
	return TNSGW_VERSION;
}

const char *
version_git(void)
{
	return TNSGW_GIT;
}

void
version_print(FILE *fp, const char *prog)
{
	if (strcmp(prog, "tnsgw") == 0)
		fprintf(fp, "tnsgw %s", TNSGW_VERSION);
	else
		fprintf(fp, "%s (tnsgw) %s", prog, TNSGW_VERSION);
	if (TNSGW_GIT[0] != '\0')
		fprintf(fp, " (git %s)", TNSGW_GIT);
	fputc('\n', fp);
}
