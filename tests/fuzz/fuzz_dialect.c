/*
 * fuzz_dialect: outside bytes framed and decoded as the client does, then
 * through every built-in USSD dialect's decode step (receipt, SMS, begin,
 * continue, abort, session key, echoed TLVs) and, for a USSD event, the
 * screen that would answer it, which must encode.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"
#include "log.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct smpp_pdu p, out;
	static struct dialect_event ev;
	static uint8_t wire[SMPP_MAX_PDU];
	static int init;
	struct dialect_screen s;
	char err[128];
	long len;

	if (!init) {
		log_init(LOG_LVL_CRIT);
		init = 1;
	}
	len = smpp_pdu_frame(data, size, 4096);
	if (len <= 0 || (size_t)len > size)
		return 0;
	if (smpp_pdu_decode(data, (size_t)len, &p, err, sizeof(err)) !=
	    SMPP_DECODE_OK)
		return 0;
	for (int i = 0; dialect_builtin_names[i] != NULL; i++) {
		const struct dialect *d = dialect_builtin(dialect_builtin_names[i]);

		for (int cs = 0; cs < 2; cs++) {
			dialect_decode(d, &p, "op", "*1515#", (enum gsm_charset)cs,
			    cs, &ev);
			if (!utf8_valid(ev.text, strlen(ev.text)) ||
			    strlen(ev.key) >= sizeof(ev.key) ||
			    ev.necho > DIALECT_ECHO_MAX)
				abort();
			if (ev.kind == DIALECT_EV_IGNORE && ev.why == NULL)
				abort();
			if (ev.kind != DIALECT_EV_BEGIN &&
			    ev.kind != DIALECT_EV_CONTINUE)
				continue;
			memset(&s, 0, sizeof(s));
			s.from = ev.service_addr;
			s.to = ev.msisdn;
			s.echo = ev.echo;
			s.necho = ev.necho;
			s.text = "1 Oui\n2 Non";
			s.end = ev.kind == DIALECT_EV_CONTINUE;
			if (dialect_screen(d, &s, (enum gsm_charset)cs, &out, err,
			    sizeof(err)) != 0)
				abort();
			if (smpp_pdu_encode(&out, wire, sizeof(wire), err,
			    sizeof(err)) < 0)
				abort();
		}
	}
	return 0;
}
