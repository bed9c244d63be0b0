/*
 * fuzz_sms_request: libFuzzer target for the SMS request parser. Any bytes
 * (read with their length, no NUL added: ASan sees a read past them) give
 * bounded, NUL-terminated fields that keep their promises, and a request's
 * canonical text reads back to the same fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sms_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_date(const struct parse_date *d)
{
	struct parse_date back;
	char iso[11];

	if (!parse_date_is_set(d))
		return;
	parse_date_fmt_iso(d, iso, sizeof(iso));
	if (parse_date_iso(iso, &back) != 0 || parse_date_cmp(d, &back) != 0)
		abort();
}

static int
all_digits(const char *s, size_t n)
{
	return strspn(s, "0123456789") == n;
}

static void
check(const struct sms_request *r, enum sms_request_kind k, size_t nkw)
{
	size_t n;

	if (k != r->kind || r->kind > SMS_REQUEST_OTP ||
	    r->form > SMS_REQUEST_OTP)
		abort();
	if (strcmp(r->lang, "fr") != 0 && strcmp(r->lang, "ar") != 0 &&
	    strcmp(r->lang, "tzm") != 0)
		abort();
	if ((r->kind == SMS_REQUEST_NOT_FOR_US) != (r->keyword == -1) ||
	    r->keyword >= (int)nkw)
		abort();
	if ((r->kind == SMS_REQUEST_HELP) != (r->problems != 0 ||
	    r->form == SMS_REQUEST_HELP) || r->problems >=
	    SMS_REQUEST_BAD_TEXT << 1)
		abort();
	if ((n = strnlen(r->idnum, sizeof(r->idnum))) >= sizeof(r->idnum))
		abort();
	if (n > 0 && (strspn(r->idnum, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") !=
	    n || strpbrk(r->idnum, "0123456789") == NULL))
		abort();
	check_date(&r->expiry);
	check_date(&r->birth);
	if (parse_date_is_set(&r->expiry) && !parse_date_is_set(&r->birth))
		abort();
	if ((n = strnlen(r->otp, sizeof(r->otp))) >= sizeof(r->otp) ||
	    !all_digits(r->otp, n))
		abort();
	switch (r->kind) {
	case SMS_REQUEST_IDENTITY:
		if (r->idtype == PARSE_ID_NONE || r->idnum[0] == '\0' ||
		    !parse_date_is_set(&r->birth))
			abort();
		break;
	case SMS_REQUEST_CATEGORY:
		if (r->category < 1 || r->category > SMS_REQUEST_CAT_MAX)
			abort();
		break;
	case SMS_REQUEST_OTP:
		if (n < SMS_REQUEST_OTP_MIN)
			abort();
		break;
	default:
		if (r->category != 0 || r->otp[0] != '\0')
			abort();
		break;
	}
}

/* The canonical text reads back to the same request (the language aside:
 * the canonical text is ASCII). */
static void
check_canon(const struct sms_request *r, const char *const *kw, size_t nkw)
{
	struct sms_request b;
	char canon[64];

	if (r->kind == SMS_REQUEST_HELP || r->kind == SMS_REQUEST_NOT_FOR_US) {
		if (sms_request_format(r, NULL, canon, sizeof(canon)) != -1 ||
		    canon[0] != '\0')
			abort();
		return;
	}
	if (sms_request_format(r, kw[r->keyword], canon, sizeof(canon)) != 0)
		abort();
	sms_request_parse(canon, SIZE_MAX, kw, nkw, &b);
	if (b.kind != r->kind || b.keyword != r->keyword ||
	    b.idtype != r->idtype || strcmp(b.idnum, r->idnum) != 0 ||
	    parse_date_cmp(&b.expiry, &r->expiry) != 0 ||
	    parse_date_cmp(&b.birth, &r->birth) != 0 ||
	    b.category != r->category || strcmp(b.otp, r->otp) != 0 ||
	    strcmp(b.lang, "fr") != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const def[] = { "TNS" };
	static const char *const kw[] = { "CNSS", "tns", "C", "1515" };
	struct sms_request r;
	enum sms_request_kind k;

	if (size > 3 * SMS_REQUEST_TEXT_MAX)
		return 0;
	k = sms_request_parse((const char *)data, size, NULL, 0, &r);
	check(&r, k, 1);
	check_canon(&r, def, 1);
	k = sms_request_parse((const char *)data, size, kw, 4, &r);
	check(&r, k, 4);
	check_canon(&r, kw, 4);
	return 0;
}
