/*
 * test_dialog_state: the text form a dialog takes in Redis (D3) — round
 * trips with every field at its bounds, fields out of range refused on the
 * way out, and malformed, non-canonical or impossible states, and D1/D2
 * states, refused on the way in; the encoder byte for byte against the
 * snprintf formula it replaced.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dialog.h"
#include "dialog_impl.h"
#include "dialog_state.h"
#include "parse.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
test_encode_roundtrip(void **state)
{
	struct dialog	d, d2;
	char		buf[DIALOG_STATE_MAX + 1];
	int		n;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.step = DIALOG_S_CATEGORY;
	snprintf(d.lang, sizeof(d.lang), "tzm");
	d.idtype = PARSE_ID_PASSPORT;
	snprintf(d.idnum, sizeof(d.idnum), "ABCDEFGHIJ0123456789");
	d.expiry = (struct parse_date){ 2199, 12, 31 };
	d.birth = (struct parse_date){ 1900, 1, 1 };
	d.page = 255;
	d.bad_inputs = 2;
	snprintf(d.cat_code, sizeof(d.cat_code), "a|b%%c é\n");
	d.outcome = DIALOG_OUTCOME_NONE;
	d.pending = DIALOG_P_CHOICE;
	d.pending_n = 999;
	n = dialog_state_encode(&d, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(strlen(buf), (size_t)n);
	assert_null(strchr(buf, '\n'));
	assert_int_equal(dialog_state_decode(&d2, buf, (size_t)n), 0);
	assert_memory_equal(&d, &d2, sizeof(d));

	/* Too small a buffer; out-of-range fields are not encoded. */
	assert_int_equal(dialog_state_encode(&d, buf, 10), -1);
	d2 = d;
	d2.page = 256;
	assert_int_equal(dialog_state_encode(&d2, buf, sizeof(buf)), -1);
	d2 = d;
	d2.birth.d = 30;
	d2.birth.m = 2;
	assert_int_equal(dialog_state_encode(&d2, buf, sizeof(buf)), -1);
	d2 = d;
	d2.step = (enum dialog_step)42;
	assert_int_equal(dialog_state_encode(&d2, buf, sizeof(buf)), -1);
	d2 = d;
	d2.idnum[0] = 'a';
	assert_int_equal(dialog_state_encode(&d2, buf, sizeof(buf)), -1);

	/* The OTP step, fields at their longest. */
	memset(&d, 0, sizeof(d));
	d.step = DIALOG_S_OTP;
	snprintf(d.lang, sizeof(d.lang), "ar");
	d.idtype = PARSE_ID_CIN;
	snprintf(d.idnum, sizeof(d.idnum), "ABCDEFGHIJ0123456789");
	d.expiry = (struct parse_date){ 2199, 12, 31 };
	d.birth = (struct parse_date){ 1980, 2, 1 };
	d.bad_inputs = 2;
	memset(d.matricule, '7', sizeof(d.matricule) - 1);
	memset(d.phone, '6', sizeof(d.phone) - 1);
	snprintf(d.phone_tail, sizeof(d.phone_tail), "66");
	n = dialog_state_encode(&d, buf, sizeof(buf));
	assert_true(n > 0);
	assert_non_null(strstr(buf, "D3|9|ar|"));
	assert_non_null(strstr(buf, "|77777777777777777777777|"
	    "66666666666666666666666|66"));
	assert_int_equal(dialog_state_decode(&d2, buf, (size_t)n), 0);
	assert_memory_equal(&d, &d2, sizeof(d));

	/* Case B fields that are not digits, or too long, are not encoded. */
	d2 = d;
	d2.matricule[3] = 'X';
	assert_int_equal(dialog_state_encode(&d2, buf, sizeof(buf)), -1);
	d2 = d;
	d2.matricule[sizeof(d2.matricule) - 1] = '7';
	assert_int_equal(dialog_state_encode(&d2, buf, sizeof(buf)), -1);
	d2 = d;
	d2.phone[0] = '+';
	assert_int_equal(dialog_state_encode(&d2, buf, sizeof(buf)), -1);
	d2 = d;
	snprintf(d2.phone_tail, sizeof(d2.phone_tail), "666");
	assert_int_equal(dialog_state_encode(&d2, buf, sizeof(buf)), -1);
	d2 = d;
	d2.phone_tail[1] = '|';
	assert_int_equal(dialog_state_encode(&d2, buf, sizeof(buf)), -1);
	d2 = d;
	d2.step = (enum dialog_step)(DIALOG_S_TEXT + 1);
	assert_int_equal(dialog_state_encode(&d2, buf, sizeof(buf)), -1);
}

/* D3's fields: the channel, the region, the text of a paged end. */
static void
test_encode_d3(void **state)
{
	struct dialog	d, d2;
	char		buf[DIALOG_STATE_MAX + 1];
	int		n;

	(void)state;
	/* D3: the channel, the region, a long text (a D reason in Arabic,
	 * every byte of it past 0x7f, and the bytes that are escaped). */
	memset(&d, 0, sizeof(d));
	d.step = DIALOG_S_TEXT;
	snprintf(d.lang, sizeof(d.lang), "ar");
	d.idtype = PARSE_ID_CIN;
	snprintf(d.idnum, sizeof(d.idnum), "AB123456");
	d.birth = (struct parse_date){ 1980, 2, 1 };
	d.outcome = DIALOG_OUTCOME_D;
	d.page = 2;
	while (strlen(d.text) + 6 < sizeof(d.text) - 1)
		strcat(d.text, "ثم|%");
	n = dialog_state_encode(&d, buf, sizeof(buf));
	assert_true(n > 0 && n <= DIALOG_STATE_MAX);
	assert_non_null(strstr(buf, "D3|12|ar|"));
	assert_non_null(strstr(buf, "|0|0|ثم%7C%25ثم"));
	assert_int_equal(dialog_state_decode(&d2, buf, (size_t)n), 0);
	assert_memory_equal(&d, &d2, sizeof(d));
	d2 = d;
	d2.text[0] = (char)0xff;	/* not UTF-8 */
	assert_int_equal(dialog_state_encode(&d2, buf, sizeof(buf)), -1);
	d2 = d;
	memset(d2.text, 'x', sizeof(d2.text));	/* no NUL */
	assert_int_equal(dialog_state_encode(&d2, buf, sizeof(buf)), -1);
	/* The text is escaped at worst 3 to 1 and still fits. */
	memset(d2.text, '|', sizeof(d2.text) - 1);
	d2.text[sizeof(d2.text) - 1] = '\0';
	n = dialog_state_encode(&d2, buf, sizeof(buf));
	assert_true(n > 0 && n <= DIALOG_STATE_MAX);
	assert_int_equal(dialog_state_decode(&d, buf, (size_t)n), 0);
	assert_memory_equal(&d, &d2, sizeof(d));

	/* The region list on SMS is refused; the SMS channel at its steps. */
	memset(&d, 0, sizeof(d));
	d.step = DIALOG_S_REGION;
	snprintf(d.lang, sizeof(d.lang), "fr");
	d.idtype = PARSE_ID_CIN;
	snprintf(d.idnum, sizeof(d.idnum), "AB123456");
	d.birth = (struct parse_date){ 1980, 2, 1 };
	d.region = 16;
	d.outcome = DIALOG_OUTCOME_C;
	n = dialog_state_encode(&d, buf, sizeof(buf));
	assert_true(n > 0);
	assert_non_null(strstr(buf, "|0|16|"));
	assert_int_equal(dialog_state_decode(&d2, buf, (size_t)n), 0);
	assert_memory_equal(&d, &d2, sizeof(d));
	d2 = d;
	d2.region = 17;
	assert_int_equal(dialog_state_encode(&d2, buf, sizeof(buf)), -1);
	d2 = d;
	d2.channel = (enum dialog_channel)2;
	assert_int_equal(dialog_state_encode(&d2, buf, sizeof(buf)), -1);
	d.channel = DIALOG_CH_SMS;
	n = dialog_state_encode(&d, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(dialog_state_decode(&d2, buf, (size_t)n), -1);
	d.step = DIALOG_S_CATEGORY;
	d.region = 0;
	n = dialog_state_encode(&d, buf, sizeof(buf));
	assert_true(n > 0);
	assert_non_null(strstr(buf, "|1|0|"));
	assert_int_equal(dialog_state_decode(&d2, buf, (size_t)n), 0);
	assert_memory_equal(&d, &d2, sizeof(d));
}

/* A state in the OTP step, up to the case B fields. */
#define OTP_PRE	"D3|9|fr|1|AB123456|2030-12-31|1980-02-01|0|0||0|0|0"

static void
test_decode_malformed(void **state)
{
	static const char *const good =
	    "D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT%7C1|0|4|12||||0|0|";
	static const char *const bad[] = {
		"",
		"D1",
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4|12|0|0|",
		"d2|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4|12|||",
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4||||0|0|",
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4|12|||||0|0|",
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4|12\n||||0|0|",
		" D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4|12||||0|0|",
		"D3|06|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4|12||||0|0|",
		"D3|14|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4|12||||0|0|",
		"D3|-1|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4|12||||0|0|",
		"D3|+6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4|12||||0|0|",
		"D3||fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4|12||||0|0|",
		"D3|6|f r|1|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4|12||||0|0|",
		"D3|6|francais|1|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4|12||||0|0|",
		"D3|6||1|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4|12||||0|0|",
		"D3|6|fr|4|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4|12||||0|0|",
		"D3|6|fr|0|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4|12||||0|0|",
		"D3|6|fr|1|ab123456|2030-12-31|1980-02-01|1|0|CAT|0|4|12||||0|0|",
		"D3|6|fr|1||2030-12-31|1980-02-01|1|0|CAT|0|4|12||||0|0|",
		"D3|6|fr|1|AB1234567890123456789|2030-12-31|1980-02-01|1|0|CAT|0|4|12||||0|0|",
		"D3|6|fr|1|AB123456|2030-02-30|1980-02-01|1|0|CAT|0|4|12||||0|0|",
		"D3|6|fr|1|AB123456|2030-2-3|1980-02-01|1|0|CAT|0|4|12||||0|0|",
		"D3|6|fr|1|AB123456|31/12/2030|1980-02-01|1|0|CAT|0|4|12||||0|0|",
		"D3|6|fr|1|AB123456|2030-12-31||1|0|CAT|0|4|12||||0|0|",
		"D3|6|fr|1|AB123456|2030-12-31|1899-12-31|1|0|CAT|0|4|12||||0|0|",
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|256|0|CAT|0|4|12||||0|0|",
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|100|CAT|0|4|12||||0|0|",
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT%7c1|0|4|12||||0|0|",
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT%41|0|4|12||||0|0|",
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT%00|0|4|12||||0|0|",
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT%7|0|4|12||||0|0|",
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT%|0|4|12||||0|0|",
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|C T|0|4|12||||0|0|",
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|"
		    "ABCDEFGHIJKLMNOPQRSTUVWX|0|4|12||||0|0|",
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT|9|4|12||||0|0|",
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|7|12||||0|0|",
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4|1000||||0|0|",
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4|012||||0|0|",
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4|1 2||||0|0|",
		/* The previous versions, as they were and with the new fields. */
		"D1|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT%7C1|0|4|12",
		"D1|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT%7C1|0|4|12|||",
		"D2|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT%7C1|0|4|12|||",
		"D2|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT%7C1|0|4|12|||"
		    "|0|0|",
		"D2|9|fr|1|AB123456|2030-12-31|1980-02-01|0|0||0|0|0"
		    "|123456789|212612345678|42",
		/* D3's fields: channel, region, text. */
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4|12||||2|0|",
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4|12||||0|1|",
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4|12||||0|0|x",
		"D3|11|fr|1|AB123456|2030-12-31|1980-02-01|0|0||0|0|0||||0|17|",
		"D3|11|fr|1|AB123456|2030-12-31|1980-02-01|0|0||0|0|0||||1|0|",
		"D3|12|fr|1|AB123456|2030-12-31|1980-02-01|0|0||4|0|0||||0|0|",
		"D3|12|fr|1|AB123456|2030-12-31|1980-02-01|0|0||4|0|0||||0|0|a|b",
		"D3|12|fr|1|AB123456|2030-12-31|1980-02-01|0|0||4|0|0||||0|0|a%7cb",
		"D3|12|fr|1|AB123456|2030-12-31|1980-02-01|0|0||4|0|0||||0|0|a%41",
		"D3|12|fr|1|AB123456|2030-12-31|1980-02-01|0|0||4|0|0||||0|0|\xff",
		"D3|12|fr|1|AB123456|2030-12-31|1980-02-01|0|0||4|0|0||||0|0|a%0Ab"
		    "%FF",
		"D3|13|fr|1|AB123456|2030-12-31|1980-02-01|0|0||0|0|0||||0|0|",
		"D3|1|fr|0||||0|0||0|0|0||||1|0|",
		"D3|10|fr|1|AB123456|2030-12-31|1980-02-01|0|0||0|7|0||||0|0|",
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|0|0||0|7|0||||0|0|",
		/* Case B's fields: digits only, bounded, where a path puts them. */
		OTP_PRE "|123456789|212612345678|4x|0|0|",
		OTP_PRE "|12345678X|212612345678|42|0|0|",
		OTP_PRE "|123456789|+212612345678|42|0|0|",
		OTP_PRE "|123456789|2126 12345678|42|0|0|",
		OTP_PRE "|123456789|212612345678|421|0|0|",
		OTP_PRE "|123456789|212612345678|-1|0|0|",
		OTP_PRE "|123456789|212612345678||0|0|",
		OTP_PRE "||212612345678|42|0|0|",
		OTP_PRE "|||0|0|",
		OTP_PRE "|123456789012345678901234|212612345678|42|0|0|",
		OTP_PRE "|123456789|123456789012345678901234|42|0|0|",
		OTP_PRE "|123456789|212612345678|42||0|0|",
		OTP_PRE "|123456789|212612345678|0|0|",
		"D3|9|fr|1|AB123456|2030-12-31|1980-02-01|0|0||0|1|0"
		    "|123456789|212612345678|42|0|0|",
		"D3|9|fr|1||2030-12-31|1980-02-01|0|0||0|0|0"
		    "|123456789|212612345678|42|0|0|",
		"D3|9|fr|1|AB123456|2030-12-31||0|0||0|0|0"
		    "|123456789|212612345678|42|0|0|",
		"D3|9||1|AB123456|2030-12-31|1980-02-01|0|0||0|0|0"
		    "|123456789|212612345678|42|0|0|",
		"D3|2|fr|1||||0|0||0|0|0|123456789|||0|0|",
		"D3|6|fr|1|AB123456|2030-12-31|1980-02-01|1|0|CAT|0|4|12"
		    "|123456789|||0|0|",
		"D3|5|fr|1|AB123456|2030-12-31|1980-02-01|0|0||0|0|0"
		    "||212612345678||0|0|",
		"D3|5|fr|1|AB123456|2030-12-31|1980-02-01|0|0||0|0|0"
		    "|123456789|212612345678|42|0|0|",
	};
	struct dialog	d;
	char		big[DIALOG_STATE_MAX + 64];
	size_t		i;

	(void)state;
	assert_int_equal(dialog_state_decode(&d, good, strlen(good)), 0);
	assert_int_equal(d.step, DIALOG_S_CATEGORY);
	assert_string_equal(d.cat_code, "CAT|1");
	assert_int_equal(d.pending, DIALOG_P_CHOICE);
	assert_int_equal(d.pending_n, 12);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&d, 0x5a, sizeof(d));
		if (dialog_state_decode(&d, bad[i], strlen(bad[i])) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(d.step, 0);
		assert_int_equal(d.lang[0], 0);
		assert_int_equal(d.page, 0);
	}
	/* An embedded NUL, a length short of the text, too long a text. */
	assert_int_equal(dialog_state_decode(&d, "D1|6\0", 5), -1);
	assert_int_equal(dialog_state_decode(&d, good, strlen(good) - 3), -1);
	memset(big, 'A', sizeof(big));
	memcpy(big, good, strlen(good));
	assert_int_equal(dialog_state_decode(&d, big, sizeof(big)), -1);
	assert_int_equal(dialog_state_decode(&d, NULL, 4), -1);
}

/* States a path produces are read back; some no path produces are not. */
static void
test_decode_paths(void **state)
{
	struct dialog	d;

	(void)state;
	/* States that no path produces. */
#define DEC(s)	dialog_state_decode(&d, s, strlen(s))
	assert_int_equal(DEC("D3|1||0||||0|0||0|0|0||||0|0|"), -1);
	assert_int_equal(DEC("D3|5|fr|1|AB1|||0|0||0|0|0||||0|0|"), -1);
	assert_int_equal(DEC("D3|0||0||||0|0||0|0|0||||0|0|"), 0);
	/* Those case B produces. */
	assert_int_equal(DEC(OTP_PRE "|123456789|212612345678|42|0|0|"), 0);
	assert_int_equal(d.step, DIALOG_S_OTP);
	assert_string_equal(d.matricule, "123456789");
	assert_string_equal(d.phone, "212612345678");
	assert_string_equal(d.phone_tail, "42");
	assert_int_equal(DEC(OTP_PRE "|12345678901234567890123||4|0|0|"), 0);
	assert_int_equal(DEC("D3|5|fr|1|AB123456|2030-12-31|1980-02-01|0|0||0|0|0"
	    "|123456789|212612345678||0|0|"), 0);
	assert_int_equal(DEC("D3|5|fr|1|AB123456|2030-12-31|1980-02-01|0|0||0|0|0"
	    "|123456789|||0|0|"), 0);
	/* The no-match step, the OTP step with a new code asked (in flight),
	 * the SMS channel waiting for "TNS CAT" or "TNS OTP". */
	assert_int_equal(DEC("D3|10|fr|1|AB123456|2030-12-31|1980-02-01|0|0||0"
	    "|0|0||||0|0|"), 0);
	assert_int_equal(d.step, DIALOG_S_NOMATCH);
	assert_int_equal(DEC(OTP_PRE "|123456789||42|0|0|"), 0);
	assert_int_equal(DEC("D3|9|fr|1|AB123456|2030-12-31|1980-02-01|0|0||0"
	    "|7|0|123456789||42|0|0|"), 0);
	assert_int_equal(d.pending, DIALOG_P_RESEND);
	assert_int_equal(DEC("D3|10|ar|1|123456||1980-02-01|0|0||0|0|0||||1|0|"),
	    0);
	assert_int_equal(d.channel, DIALOG_CH_SMS);
	assert_int_equal(DEC("D3|9|fr|1|AB123456||1980-02-01|0|0||0|0|0"
	    "|123456789||42|1|0|"), 0);
	assert_int_equal(DEC("D3|12|fr|1|AB123456||1980-02-01|0|0||5|0|0"
	    "||||0|3|Rabat-Sal%C3%A9"), -1);	/* not canonical */
	assert_int_equal(DEC("D3|12|fr|1|AB123456||1980-02-01|0|0||3|0|0"
	    "||||0|3|Rabat-Salé"), 0);
	assert_string_equal(d.text, "Rabat-Salé");
	assert_int_equal(DEC("D3|8|fr|1|AB123456|2030-12-31|1980-02-01|0|0||2|0|0"
	    "|123456789|212612345678|42|0|0|"), 0);
#undef DEC
}

/* The form as dialog_state_encode wrote it with snprintf: the oracle of
 * the encoder without a format. Escapes as the module's (every byte
 * outside [A-Za-z0-9_.-] of the code, '%', '|' and controls of the text). */
static void
oracle_escape(const char *s, int code, char *out)
{
	size_t j = 0;

	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		int safe = code ? ((ch >= 'a' && ch <= 'z') ||
		    (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    ch == '_' || ch == '.' || ch == '-') :
		    (ch >= 0x20 && ch != 0x7f && ch != '%' && ch != '|');

		if (safe)
			out[j++] = (char)ch;
		else
			j += (size_t)sprintf(out + j, "%%%02X", ch);
	}
	out[j] = '\0';
}

static void
oracle_date(const struct parse_date *d, char out[16])
{
	out[0] = '\0';
	if (d->y != 0 || d->m != 0 || d->d != 0)
		snprintf(out, 16, "%04d-%02d-%02d", d->y, d->m, d->d);
}

static int
oracle_encode(const struct dialog *d, char *buf, size_t bufsz)
{
	char ex[16], bi[16], code[3 * sizeof(d->cat_code)];
	char text[3 * sizeof(d->text)];

	oracle_date(&d->expiry, ex);
	oracle_date(&d->birth, bi);
	oracle_escape(d->cat_code, 1, code);
	oracle_escape(d->text, 0, text);
	return snprintf(buf, bufsz, "D3"
	    "|%d|%s|%d|%s|%s|%s|%d|%d|%s|%d|%d|%d|%s|%s|%s|%d|%d|%s",
	    (int)d->step, d->lang, (int)d->idtype, d->idnum, ex, bi, d->page,
	    d->bad_inputs, code, (int)d->outcome, (int)d->pending,
	    d->pending_n, d->matricule, d->phone, d->phone_tail,
	    (int)d->channel, d->region, text);
}

/*
 * Varied states (every step, the dates at their ends, numbers of 1 to 3
 * digits, escapes in the code and the text, the longest text) at every
 * buffer size from 1 to past the exact fit: the same bytes in the whole
 * buffer as snprintf wrote, the length when it fits, -1 when it does not
 * (exact fit and one byte short included).
 */
static void
test_encode_as_snprintf(void **state)
{
	static const struct parse_date dates[] = {
		{ 0, 0, 0 }, { 1900, 1, 1 }, { 2199, 12, 31 }, { 2000, 2, 29 },
		{ 1980, 2, 1 }, { 2030, 10, 9 },
	};
	static const char *const codes[] = {
		"", "MEDECIN", "a|b%c é\n", "OTHER", "x.y-z_0",
	};
	static const char *const texts[] = {
		"", "Vous etes inscrit", "ثم|%", "a\tb\x7f|c", "%%%%",
	};
	static char a[DIALOG_STATE_MAX + 64], b[DIALOG_STATE_MAX + 64];
	struct dialog d;
	size_t v, sz, len;
	int ra, rb;

	(void)state;
	for (v = 0; v < 40; v++) {
		memset(&d, 0, sizeof(d));
		d.step = (enum dialog_step)(v % (DIALOG_S_TEXT + 1));
		snprintf(d.lang, sizeof(d.lang), "%s", v % 3 == 0 ? "fr" :
		    v % 3 == 1 ? "ar" : "tzm");
		d.idtype = (enum parse_idtype)(v % 4);
		snprintf(d.idnum, sizeof(d.idnum), "%s", v % 5 == 0 ? "" :
		    v % 5 == 1 ? "AB123456" : v % 5 == 2 ?
		    "ABCDEFGHIJ0123456789" : v % 5 == 3 ? "1" : "E99");
		d.expiry = dates[v % N(dates)];
		d.birth = dates[(v / 2) % N(dates)];
		d.page = (int)(v * 37 % 256);
		d.bad_inputs = (int)(v % (DIALOG_BAD_MAX + 1));
		snprintf(d.cat_code, sizeof(d.cat_code), "%s",
		    codes[v % N(codes)]);
		d.outcome = (enum dialog_outcome)(v % (DIALOG_OUTCOME_ABORT + 1));
		d.pending = (enum dialog_pending)(v % (DIALOG_P_RESEND + 1));
		d.pending_n = v % 4 == 0 ? DIALOG_CHOICE_MAX : (int)(v * 13);
		if (v % 3 == 0)
			memset(d.matricule, '7', v % 7 + 1);
		if (v % 4 == 1)
			memset(d.phone, '6', 9 + v % 6);
		if (v % 2 == 0)
			snprintf(d.phone_tail, sizeof(d.phone_tail), "%02u",
			    (unsigned)(v % 100));
		d.channel = (enum dialog_channel)(v % 2);
		d.region = (int)(v % (DIALOG_REGIONS_MAX + 1));
		if (v == 39) {
			/* the longest text, every byte escaped */
			memset(d.text, '|', sizeof(d.text) - 1);
		} else
			snprintf(d.text, sizeof(d.text), "%s",
			    texts[v % N(texts)]);
		len = (size_t)oracle_encode(&d, NULL, 0);
		assert_true(len + 3 < sizeof(a));
		for (sz = 1; sz <= len + 3; sz++) {
			memset(a, 0x5a, sizeof(a));
			memset(b, 0x5a, sizeof(b));
			ra = dialog_state_encode(&d, a, sz);
			(void)oracle_encode(&d, b, sz);
			rb = len < sz && len <= DIALOG_STATE_MAX ? (int)len : -1;
			if (ra != rb || memcmp(a, b, sizeof(a)) != 0)
				fail_msg("state %zu size %zu: %d \"%s\", wanted "
				    "%d \"%s\"", v, sz, ra, a, rb, b);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_roundtrip),
		cmocka_unit_test(test_encode_d3),
		cmocka_unit_test(test_decode_malformed),
		cmocka_unit_test(test_decode_paths),
		cmocka_unit_test(test_encode_as_snprintf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
