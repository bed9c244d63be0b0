/*
 * smsc_script: the scenario files of the SMSC simulator (tnsgw-smsc
 * --script), parsed into a list of commands, and the pure checks run on
 * the screens that come back. No I/O, no clock: the simulator's main loop
 * plays the commands. Format: tests/integration/scenarios/README.md.
 */
#ifndef TNSGW_SMSC_SCRIPT_H
#define TNSGW_SMSC_SCRIPT_H

#include <stddef.h>
#include <stdint.h>

#define SMSC_SCRIPT_MAX_CMDS   1024	/* commands per file */
#define SMSC_SCRIPT_MAX_LINE   4096	/* bytes per line */
#define SMSC_SCRIPT_MAX_ARGS   8	/* strings per expect */
#define SMSC_SCRIPT_STR_MAX    512	/* bytes per string, after escapes */
#define SMSC_SCRIPT_ADDR_MAX   20	/* digits of an MSISDN or short code */
#define SMSC_SCRIPT_SLEEP_MAX  600000	/* ms */
#define SMSC_SCRIPT_RAW_MAX    4096	/* bytes of one raw command */
#define SMSC_SCRIPT_PDU_ALTS   4	/* commands an expect_pdu accepts */

enum smsc_cmd_type {
	SMSC_CMD_DIAL = 0,	/* dial MSISDN "*1515#" */
	SMSC_CMD_ANSWER,	/* answer "2" */
	SMSC_CMD_ANSWER_OTP,	/* answer_otp: the code of the last SMS taken */
	SMSC_CMD_SMS,		/* sms MSISDN SHORTCODE "TNS CIN ..." */
	SMSC_CMD_EXPECT,	/* expect "a" "b" ...: next USSD screen */
	SMSC_CMD_EXPECT_SMS,	/* expect_sms [MSISDN] "a" ...: next plain SMS */
	SMSC_CMD_EXPECT_NOT,	/* expect_not "a" ...: last screen lacks them */
	SMSC_CMD_CONTINUES,	/* last screen is a USSR request (0x02) */
	SMSC_CMD_ENDS,		/* last screen is a PSSR response (0x11) */
	SMSC_CMD_ABORT,		/* deliver_sm with ussd_service_op 0x81 */
	SMSC_CMD_SLEEP,		/* sleep MS */
	SMSC_CMD_QUIT,		/* exit 0 at once */
	SMSC_CMD_PRINT,		/* print "text" */
	SMSC_CMD_RAW,		/* raw "00 00 00 10 ...": bytes as they are */
	SMSC_CMD_EXPECT_PDU,	/* expect_pdu generic_nack [STATUS] [seq=N] */
	SMSC_CMD_EXPECT_CLOSE,	/* the ESME closes the connection */
	SMSC_CMD_EXPECT_BIND,	/* an ESME binds (again) */
};

/* expect_pdu's status check. */
enum smsc_status_check {
	SMSC_STATUS_ANY = 0,	/* no STATUS given */
	SMSC_STATUS_IS,		/* STATUS: this one */
	SMSC_STATUS_NOT,	/* !STATUS: anything but this one */
};

struct smsc_cmd {
	enum smsc_cmd_type type;
	int   line;				/* 1-based, for messages */
	char  msisdn[SMSC_SCRIPT_ADDR_MAX + 1];	/* dial, sms, expect_sms ("" = current) */
	char  to[SMSC_SCRIPT_ADDR_MAX + 1];	/* dial: service digits; sms: short code */
	long  ms;				/* sleep */
	int   nargs;
	char *args[SMSC_SCRIPT_MAX_ARGS];	/* owned, NUL-terminated UTF-8 */

	/* raw */
	uint8_t *raw;				/* owned */
	size_t   raw_len;			/* 1..SMSC_SCRIPT_RAW_MAX */

	/* expect_pdu: one of ids[0..nids), then the status and sequence */
	int      nids;
	uint32_t ids[SMSC_SCRIPT_PDU_ALTS];
	enum smsc_status_check status_check;
	uint32_t status;
	int      has_seq;
	uint32_t seq;
};

struct smsc_script {
	size_t           ncmds;
	struct smsc_cmd *cmds;		/* owned */
};

/*
 * Parse a whole scenario (len bytes, need not be NUL-terminated). Returns
 * a new script (free with smsc_script_free), or NULL with "LINE: reason" in
 * err. Besides syntax it checks the order a story needs: answer, expect,
 * abort... only after a dial or sms; continues, ends, expect_not only after
 * an expect. raw, expect_pdu, expect_close and expect_bind need no dial.
 */
struct smsc_script *smsc_script_parse(const char *text, size_t len,
    char *err, size_t errsz);
void smsc_script_free(struct smsc_script *s);	/* NULL ok */

/* "dial", "expect", ... */
const char *smsc_cmd_name(enum smsc_cmd_type t);

/*
 * SMPP names for expect_pdu: "generic_nack", "deliver_sm_resp" ... and
 * "ESME_RINVCMDID" ...; a 0x-prefixed hex number (1..8 digits) is taken as
 * it is. Return 0 with *out set, or -1 for an unknown name.
 */
int smsc_script_command_id(const char *name, uint32_t *out);
int smsc_script_status(const char *name, uint32_t *out);

/*
 * expect_pdu's check on a PDU received: 1 when command id, status and
 * sequence all match what cmd asks, 0 otherwise.
 */
int smsc_script_pdu_match(const struct smsc_cmd *cmd, uint32_t command_id,
    uint32_t status, uint32_t seq);

/*
 * For expect/expect_sms: the first of cmd's strings that text does not
 * contain, or NULL when it contains them all. For expect_not: the first
 * string text does contain, or NULL.
 */
const char *smsc_script_missing(const struct smsc_cmd *cmd, const char *text);
const char *smsc_script_present(const struct smsc_cmd *cmd, const char *text);

/*
 * The one-time code in an SMS: the first run of 4 to 10 ASCII digits not
 * glued to other digits. Returns 0 with the digits in out, or -1.
 */
int smsc_script_otp(const char *text, char *out, size_t outsz);

/*
 * The service code of a dial string: "*1515*1*2#" -> "1515" (the digits
 * after the leading '*' or '#'). Returns 0, or -1 when there are none.
 */
int smsc_script_service(const char *dial, char *out, size_t outsz);

#endif
