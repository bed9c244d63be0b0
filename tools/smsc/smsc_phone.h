/*
 * smsc_phone: the interactive phone of the SMSC simulator (tnsgw-smsc
 * --phone). Once the ESME binds it dials the code, shows each screen in a
 * box (smsc_screen), reads the answer from stdin after "> "; when the
 * session ends, an empty line dials again and 'q' (or EOF) quits, exit 0.
 */
#ifndef TNSGW_SMSC_PHONE_H
#define TNSGW_SMSC_PHONE_H

#include "smsc_server.h"

#define SMSC_PHONE_WAIT_S   10	/* a screen is awaited at most this */
#define SMSC_PHONE_LINE_MAX 1024	/* bytes of a line typed; more is dropped */
#define SMSC_PHONE_CODE_MAX 160	/* bytes of a dial string */

/*
 * A phone for msisdn (1..SMSC_SCRIPT_ADDR_MAX digits) dialling code (a
 * dial string, see smsc_script_service); both copied. NULL when either is
 * not valid.
 */
struct smsc_phone *smsc_phone_new(const char *msisdn, const char *code);
/*
 * Plug into srv (which must outlive the phone) and print that the phone
 * waits for a bind. stdin is read only while a prompt is up; the phone
 * ends the program through smsc_server_finish.
 */
void smsc_phone_start(struct smsc_phone *p, struct smsc_server *srv);
void smsc_phone_free(struct smsc_phone *p);	/* NULL ok */

#endif
