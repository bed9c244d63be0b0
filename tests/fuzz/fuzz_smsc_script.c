/*
 * fuzz_smsc_script: libFuzzer target for the simulator's scenario parser —
 * any bytes either parse into commands that respect the caps (addresses of
 * digits, bounded strings, sleep in range) or give a "LINE: reason" error.
 * The screen formatter is run on the strings too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smsc_screen.h"
#include "smsc_script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_cmd(const struct smsc_cmd *c)
{
	char out[64], box[8192];

	if (strlen(c->msisdn) > SMSC_SCRIPT_ADDR_MAX ||
	    strspn(c->msisdn, "0123456789") != strlen(c->msisdn) ||
	    strlen(c->to) > SMSC_SCRIPT_ADDR_MAX ||
	    c->nargs < 0 || c->nargs > SMSC_SCRIPT_MAX_ARGS ||
	    c->ms < 0 || c->ms > SMSC_SCRIPT_SLEEP_MAX || c->line < 1)
		abort();
	for (int i = 0; i < c->nargs; i++) {
		if (c->args[i] == NULL || strlen(c->args[i]) > SMSC_SCRIPT_STR_MAX)
			abort();
		smsc_script_missing(c, c->args[i]);
		smsc_script_otp(c->args[i], out, sizeof(out));
		if (smsc_screen_box(c->args[i], "T", SMSC_SCREEN_WIDTH, box,
		    sizeof(box)) == -1)
			abort();	/* 512 bytes always fit 8 KB of box */
	}
	if ((c->type == SMSC_CMD_DIAL || c->type == SMSC_CMD_SMS) &&
	    (c->msisdn[0] == '\0' || c->to[0] == '\0' || c->nargs != 1))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smsc_script *s;
	char err[256];

	s = smsc_script_parse((const char *)data, size, err, sizeof(err));
	if (s == NULL) {
		if (err[0] < '0' || err[0] > '9' || strchr(err, ':') == NULL)
			abort();
		return 0;
	}
	if (s->ncmds == 0 || s->ncmds > SMSC_SCRIPT_MAX_CMDS)
		abort();
	for (size_t i = 0; i < s->ncmds; i++)
		check_cmd(&s->cmds[i]);
	smsc_script_free(s);
	return 0;
}
