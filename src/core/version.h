/*
 * version: the release every program reports (--version, and whatever
 * else shows the build): the Makefile's VERSION, plus `git describe` when
 * the tree was built from a git checkout.
 */
#ifndef TNSGW_VERSION_H
#define TNSGW_VERSION_H

#include <stdio.h>

/* "0.5", the Makefile's VERSION; static storage. */
const char *version_release(void);

/* The git describe of the build ("v0.5-3-gfcf5b88-dirty"), or "" when it
 * was not built from git; static storage. */
const char *version_git(void);

/*
 * One line on fp: "tnsgw 0.5" for the daemon, "PROG (tnsgw) 0.5" for a
 * tool, then " (git DESCRIBE)" when known.
 */
void version_print(FILE *fp, const char *prog);

#endif
