/*
 * smsc_caller: the SMSC simulator's load mode (tnsgw-smsc --load) without the
 * sockets — the callers file, the state machine of one virtual caller
 * (dial, answer, wait for the OTP SMS, retry), latency samples and their
 * percentiles. Pure: time comes in as now_ms, actions go out as structs;
 * smsc_callers does the SMPP and the timers.
 */
#ifndef TNSGW_SMSC_CALLER_H
#define TNSGW_SMSC_CALLER_H

#include <stddef.h>
#include <stdint.h>

#include "smsc_script.h"

#define SMSC_CALLER_MAX_CALLERS  1000000
#define SMSC_CALLER_FILE_MAX     (128L * 1024 * 1024)
#define SMSC_CALLER_DIAL_MAX     160	/* bytes of a dial string */
#define SMSC_CALLER_CODES        4	/* OTPs remembered per caller */
#define SMSC_CALLER_CODE_MAX     10	/* digits of an OTP */
#define SMSC_CALLER_STEP_MS      10000	/* one step (screen, SMS) waits this */
#define SMSC_CALLER_RETRIES      3
#define SMSC_CALLER_ANSWER_MAX   64	/* bytes of an answer, NUL included */
#define SMSC_CALLER_ANSWERS      16	/* m: answers after the dial string */
#define SMSC_CALLER_REFUSED_MS   100	/* a refused MO: the pause before
					 * the dial again */

enum smsc_caller_kind {
	SMSC_CALLER_A = 0,	/* dial; the first screen ends the session */
	SMSC_CALLER_B,		/* dial; OTP screen; the SMS's code; final screen */
	SMSC_CALLER_C,		/* dial; category list; "1"; documents */
	SMSC_CALLER_M,		/* dial; each screen asking answered with the
				 * next of the line's answers; a final screen
				 * once they are all sent */
	SMSC_CALLER_H,		/* dial; the first screen asking: done, the
				 * session left open (never answered) */
	SMSC_CALLER_KINDS
};

enum smsc_caller_state {
	SMSC_CALLER_IDLE = 0,	/* not started */
	SMSC_CALLER_WAIT_FIRST,	/* dialled, no screen yet */
	SMSC_CALLER_WAIT_CODE,	/* b: the OTP screen came, the SMS has not */
	SMSC_CALLER_THINK,	/* reading the screen: answers at c->due */
	SMSC_CALLER_WAIT_FINAL,	/* answered, no screen yet */
	SMSC_CALLER_WAIT_BIND,	/* interrupted: dial again once bound */
	SMSC_CALLER_PAUSE,	/* the MO was refused: dials again at c->due */
	SMSC_CALLER_DONE,
	SMSC_CALLER_FAILED,
};

/* Why a caller started again (for the counters). */
enum smsc_caller_why {
	SMSC_CALLER_WHY_NONE = 0,
	SMSC_CALLER_WHY_TIMEOUT,		/* a step took over SMSC_CALLER_STEP_MS */
	SMSC_CALLER_WHY_SCREEN,		/* an unexpected screen */
	SMSC_CALLER_WHY_LOST,		/* the bind went away mid-step */
	SMSC_CALLER_WHY_REFUSED,	/* the MO's deliver_sm_resp was an error */
	SMSC_CALLER_WHY_MAX
};

/* What the gateway said to the caller's last MO (its deliver_sm_resp). */
enum smsc_caller_ack {
	SMSC_CALLER_ACK_NONE = 0,	/* no response yet */
	SMSC_CALLER_ACK_OK,		/* ESME_ROK: a screen is owed */
	SMSC_CALLER_ACK_REFUSED,	/* an error: no screen will come */
};

struct smsc_caller {
	enum smsc_caller_kind    kind;
	enum smsc_caller_state state;
	char     msisdn[SMSC_SCRIPT_ADDR_MAX + 1];
	char     service[SMSC_SCRIPT_ADDR_MAX + 1];
	char    *dial;		/* owned by the list; m: then its answers,
				 * each NUL-terminated */
	int      nanswers;	/* m: answers after the dial string */
	int      next_answer;	/* m: answers sent this attempt */
	long     line;		/* in the callers file */
	int      retries;	/* dialled again so far */
	int64_t  t_dial;	/* this attempt's dial, ms */
	int64_t  t_mo;		/* the last MO (dial or answer), ms */
	int64_t  deadline;	/* of the current step, ms; 0: none */
	int64_t  due;		/* THINK: when the answer goes; PAUSE: the dial */
	uint32_t rng;		/* think times; seeded from the MSISDN */
	/* b: OTPs received since this attempt's dial, oldest first */
	char     code[SMSC_CALLER_CODES][SMSC_CALLER_CODE_MAX + 1];
	uint8_t  code_used[SMSC_CALLER_CODES];
	int      ncodes;
	char     answer[SMSC_CALLER_ANSWER_MAX];
	/* The driver's: MOs sent so far (each is tagged with the count, so
	 * a response is told from a late one of an earlier MO), what the
	 * last one got, the caller's place in its list of callers in flight. */
	uint32_t mo_n;
	enum smsc_caller_ack mo_ack;
	size_t   slot;
	/* --mo-twice: copies of the last MO sent (a screen owed for each
	 * taken), screens got for them, the first one held (owned) until
	 * the last comes. */
	int      copies, copies_got, held_op;
	char    *held;
};

struct smsc_caller_list {
	size_t               n;
	struct smsc_caller  *callers;	/* owned */
	size_t               nslots;	/* hash: MSISDN -> index + 1 */
	uint32_t            *slots;
	size_t               nkind[SMSC_CALLER_KINDS];
};

/* How callers judge what they get (the defaults fit the French screens). */
struct smsc_caller_cfg {
	int          retries;		/* K: dials again at most this often */
	int          step_ms;		/* each step's deadline */
	int          stopping;		/* --duration is over: no more retries */
	int          think_ms;		/* before each answer: 0..think_ms */
	int          redial_ms;		/* after a wrong screen or a timeout:
					 * the pause before dialling again */
	const char  *otp_sms;		/* b: an SMS with this is an OTP */
	const char  *otp_screen;	/* b: a screen with this asks for it */
	const char  *docs_screen;	/* c: the screen after the category */
	const char *const *errors;	/* a screen with one of these is wrong */
	int          nerrors;
};

/*
 * Defaults: an OTP SMS contains "code de v" (the code is its first run of
 * 4 to 10 digits), the screens asking for it "code"; kind c's last screen
 * "Documents" (when it is paged and waits for input, the caller hangs up:
 * abort); a screen containing
 * "indisponible", "dépassé", "Trop de saisies", "ne correspondent pas",
 * "expiré" or "plus valide" is never a success. Matched ignoring ASCII case.
 */
#define SMSC_CALLER_OTP_SMS     "code de v"
#define SMSC_CALLER_OTP_SCREEN  "code"
#define SMSC_CALLER_DOCS_SCREEN "Documents"
extern const char *const smsc_caller_default_errors[];
extern const int smsc_caller_ndefault_errors;

void smsc_caller_cfg_init(struct smsc_caller_cfg *cfg);

/*
 * Parse a callers file: one caller a line, `KIND MSISDN "DIAL_STRING"`
 * with KIND a, b, c or h, or `m MSISDN "DIAL_STRING" "ANSWER"...` (1 to
 * SMSC_CALLER_ANSWERS answers, each under SMSC_CALLER_ANSWER_MAX bytes);
 * blank lines and lines starting with '#' skipped.
 * MSISDNs are unique. Returns the list (free with smsc_caller_list_free), or
 * NULL with "LINE: reason" in err.
 */
struct smsc_caller_list *smsc_caller_parse(const char *text, size_t len,
    char *err, size_t errsz);
void smsc_caller_list_free(struct smsc_caller_list *l);	/* NULL ok */
/* The caller with this MSISDN, or NULL. */
struct smsc_caller *smsc_caller_find(const struct smsc_caller_list *l,
    const char *msisdn);

enum smsc_caller_send {
	SMSC_CALLER_SEND_NONE = 0,
	SMSC_CALLER_SEND_DIAL,	/* deliver_sm 0x01 with c->dial */
	SMSC_CALLER_SEND_ANSWER,	/* deliver_sm 0x12 with c->answer */
	SMSC_CALLER_SEND_ABORT,	/* deliver_sm 0x81: the caller hangs up */
};

/* What one event asks of the driver, and what it measured. */
struct smsc_caller_act {
	enum smsc_caller_send send;
	const char *text;	/* the dial string or the answer */
	long     rtt_ms;	/* >= 0: MO -> this screen */
	long     dialog_ms;	/* >= 0: dial -> final screen, caller done */
	enum smsc_caller_why why;	/* != NONE: this event counted a retry */
	int      finished;	/* the caller is DONE or FAILED now */
	int      unanswered;	/* a step's deadline passed with no screen
				 * after the caller's last MO */
};

/*
 * The events. Each fills *act (zeroed first; rtt_ms and dialog_ms -1).
 * start: an IDLE caller dials. screen: a USSD screen to this caller (op
 * 0x02 waits for input, 0x11 ends). sms: a plain SMS to this caller.
 * tick: the step's deadline may have passed. lost: the bind went away
 * (a caller waiting for a screen will never get it: it is interrupted,
 * which counts as a retry, and dials again at rebind; a caller waiting for
 * its SMS or thinking keeps going: its session lives in Redis). bound: a
 * bind is up again. With cfg->think_ms, an answer is not sent at once: the
 * caller thinks (uniform 0..think_ms) and a later tick sends it. park: the driver could
 * not send what the last event asked (no bind): dial again at rebind,
 * without counting another retry. stop: --duration is over: a caller
 * waiting for a bind or pausing fails. ack: the deliver_sm_resp of the
 * caller's MO number mo_n (ok: ESME_ROK); an error on its last MO while it
 * waits for a screen is a retry (none will come): the caller pauses
 * SMSC_CALLER_REFUSED_MS, then a tick dials again; of an earlier MO,
 * nothing.
 */
void smsc_caller_start(struct smsc_caller *c, const struct smsc_caller_cfg *cfg,
    int64_t now_ms, struct smsc_caller_act *act);
void smsc_caller_screen(struct smsc_caller *c, const struct smsc_caller_cfg *cfg,
    int op, const char *text, int64_t now_ms, struct smsc_caller_act *act);
void smsc_caller_sms(struct smsc_caller *c, const struct smsc_caller_cfg *cfg,
    const char *text, int64_t now_ms, struct smsc_caller_act *act);
void smsc_caller_tick(struct smsc_caller *c, const struct smsc_caller_cfg *cfg,
    int64_t now_ms, struct smsc_caller_act *act);
void smsc_caller_lost(struct smsc_caller *c, const struct smsc_caller_cfg *cfg,
    int64_t now_ms, struct smsc_caller_act *act);
void smsc_caller_bound(struct smsc_caller *c, const struct smsc_caller_cfg *cfg,
    int64_t now_ms, struct smsc_caller_act *act);
void smsc_caller_ack(struct smsc_caller *c, const struct smsc_caller_cfg *cfg,
    uint32_t mo_n, int ok, int64_t now_ms, struct smsc_caller_act *act);
void smsc_caller_park(struct smsc_caller *c);
void smsc_caller_stop(struct smsc_caller *c, struct smsc_caller_act *act);

const char *smsc_caller_strstate(enum smsc_caller_state s);
const char *smsc_caller_strkind(enum smsc_caller_kind k);

/* Latency samples (ms), growing as needed. */
struct smsc_caller_samples {
	long   *v;
	size_t  n, cap;
	int     sorted;
};

int smsc_caller_sample_add(struct smsc_caller_samples *s, long ms);	/* 0, -1 */
/* Nearest-rank percentile (0 < p <= 100); -1 when there is no sample. */
long smsc_caller_percentile(struct smsc_caller_samples *s, double p);
void smsc_caller_samples_free(struct smsc_caller_samples *s);

/* "p50 12 p90 40 p99 95 max 130 (n 1000)", or "none" without samples. */
void smsc_caller_pct_str(struct smsc_caller_samples *s, char *out, size_t outsz);

#endif
