/*
 * smsc_run: the scenario runner of the SMSC simulator (tnsgw-smsc
 * --script). It plays each scenario file (smsc_script) in order over the
 * server's rx session, and ends the program: SMSC_EXIT_PASS when every
 * file passed, SMSC_EXIT_MISMATCH on the first mismatch ("FILE:LINE: cmd:
 * what was expected, what came" on stderr), SMSC_EXIT_ERROR on a timeout.
 */
#ifndef TNSGW_SMSC_RUN_H
#define TNSGW_SMSC_RUN_H

#include "smsc_server.h"

#define SMSC_RUN_MAX_SCRIPTS  64
#define SMSC_RUN_FILE_MAX     (1024L * 1024)
#define SMSC_RUN_EXPECT_S     10	/* each expect waits at most this */
#define SMSC_RUN_EXPECT_BIND_S 30	/* expect_bind waits at most this */

/* An empty runner; NULL only when out of memory. */
struct smsc_run *smsc_run_new(void);
/*
 * Read and parse the scenario at path, played after those added before;
 * path must outlive the runner (it names the file in messages). 0, or -1
 * with "PATH: reason" or "PATH:LINE: reason" on stderr.
 */
int smsc_run_add(struct smsc_run *r, const char *path);
/*
 * Play on srv (which must outlive the runner): the first command goes
 * once an rx session is bound. From then on the runner ends the program
 * through smsc_server_finish or smsc_server_quit.
 */
void smsc_run_start(struct smsc_run *r, struct smsc_server *srv);
void smsc_run_free(struct smsc_run *r);	/* NULL ok */

#endif
