/*
 * smsc_file: reads a whole input file of the simulator (a scenario, a
 * callers file) into memory, refusing what is not a regular file or is
 * over a size cap. Errors go to stderr as "PATH: reason".
 */
#ifndef TNSGW_SMSC_FILE_H
#define TNSGW_SMSC_FILE_H

#include <stddef.h>

/*
 * The bytes of the regular file at path (at most max, a whole number of
 * MB), NUL-terminated, with their count in *len; the caller frees them.
 * NULL on error, "PATH: reason" printed on stderr.
 */
char *smsc_file_read(const char *path, long max, size_t *len);

#endif
