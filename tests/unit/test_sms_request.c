/*
 * test_sms_request: golden vectors for the SMS request parser — every form
 * with its variations (case, separators, the four date forms, Arabic and
 * Tifinagh, Eastern digits, full-width), the help cases with what they
 * lack, keyword lists, bounds, and the canonical text read back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sms_request.h"
#include "tbuf.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
put_date(struct tbuf *b, const struct parse_date *d)
{
	char iso[11];

	parse_date_fmt_iso(d, iso, sizeof(iso));
	tbuf_addc(b, ' ');
	tbuf_adds(b, parse_date_is_set(d) ? iso : "-");
}

static void
put_identity(struct tbuf *b, const struct sms_request *r)
{
	tbuf_addc(b, ' ');
	tbuf_adds(b, r->idtype == PARSE_ID_NONE ? "-" :
	    parse_idtype_str(r->idtype));
	tbuf_addc(b, ' ');
	tbuf_adds(b, r->idnum[0] != '\0' ? r->idnum : "-");
	put_date(b, &r->expiry);
	put_date(b, &r->birth);
}

/*
 * One line per result: "identity CIN AB123456 - 1980-02-01 fr",
 * "category 7 ar", "otp 123456 fr", "not_for_us fr",
 * "help identity miss_type,miss_birth - 123456 - - fr", "help help - fr".
 */
static const char *
describe(const struct sms_request *r)
{
	static char out[256];
	struct tbuf b;
	unsigned bit;
	int first = 1;

	tbuf_init(&b, out, sizeof(out));
	tbuf_adds(&b, sms_request_strkind(r->kind));
	switch (r->kind) {
	case SMS_REQUEST_IDENTITY:
		put_identity(&b, r);
		break;
	case SMS_REQUEST_CATEGORY:
		tbuf_addf(&b, " %d", r->category);
		break;
	case SMS_REQUEST_OTP:
		tbuf_addf(&b, " %s", r->otp);
		break;
	case SMS_REQUEST_HELP:
		tbuf_addf(&b, " %s ", sms_request_strkind(r->form));
		for (bit = 1; bit <= SMS_REQUEST_BAD_TEXT; bit <<= 1) {
			if (!(r->problems & bit))
				continue;
			tbuf_addf(&b, "%s%s", first ? "" : ",",
			    sms_request_strproblem(bit));
			first = 0;
		}
		if (first)
			tbuf_addc(&b, '-');
		if (r->form == SMS_REQUEST_IDENTITY)
			put_identity(&b, r);
		break;
	default:
		break;
	}
	tbuf_addf(&b, " %s", r->lang);
	return out;
}

static const struct {
	const char *in;
	const char *want;
} golden[] = {
	/* identity, the forms of the design */
	{ "TNS CIN AB123456 01/02/1980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS CIN AB123456 31/12/2030 01/02/1980",
	  "identity CIN AB123456 2030-12-31 1980-02-01 fr" },
	{ "tns cin ab123456 01021980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "Tns Cin Ab123456 01-02-1980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS CIN AB123456 01.02.1980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS CIN AB123456 1/2/1980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "  TNS   CIN  AB123456   01/02/1980  ",
	  "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS\tCIN\r\nAB123456\n01/02/1980", "identity CIN AB123456 - 1980-02-01 fr" },

	/* separators between fields */
	{ "TNS,CIN,AB123456,01/02/1980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS;CIN;AB123456;01021980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS*1*AB123456*01021980#", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS#CIN#AB123456#01.02.1980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS-CIN-AB123456-01-02-1980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS/CIN/AB123456/01/02/1980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS.CIN.AB123456.01.02.1980.", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS+CIN+AB123456+01021980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS: CIN: AB123456, né le 01/02/1980 !",
	  "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS CIN AB123456 31-12-2030/01.02.1980",
	  "identity CIN AB123456 2030-12-31 1980-02-01 fr" },
	{ "TNS\xc2\xa0" "CIN\xc2\xa0" "AB123456\xc2\xa0" "01/02/1980",
	  "identity CIN AB123456 - 1980-02-01 fr" },	/* NBSP */
	{ "TNS\xe2\x80\x83" "CIN\xe3\x80\x80" "AB123456\xe2\x80\xaf" "01/02/1980",
	  "identity CIN AB123456 - 1980-02-01 fr" },	/* em, ideographic, narrow spaces */
	{ "TNS CIN AB123456 01\xe2\x80\x93" "02\xe2\x80\x93" "1980",
	  "identity CIN AB123456 - 1980-02-01 fr" },	/* en dashes */
	{ "\xef\xbb\xbfTNS CIN AB\xc2\xad" "123456 01/02/1980",
	  "identity CIN AB123456 - 1980-02-01 fr" },	/* BOM, soft hyphen */

	/* full-width forms */
	{ "\xef\xbc\xb4\xef\xbc\xae\xef\xbc\xb3\xe3\x80\x80\xef\xbd\x83\xef\xbd\x89"
	  "\xef\xbd\x8e\xef\xbc\x8c\xef\xbc\xa1\xef\xbc\xa2\xef\xbc\x91\xef\xbc\x92"
	  "\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95\xef\xbc\x96 \xef\xbc\x90\xef\xbc\x91"
	  "\xef\xbc\x8f\xef\xbc\x90\xef\xbc\x92\xef\xbc\x8f\xef\xbc\x91\xef\xbc\x99"
	  "\xef\xbc\x98\xef\xbc\x90",
	  "identity CIN AB123456 - 1980-02-01 fr" },

	/* numbers typed apart, lower case, leading words */
	{ "TNS CIN AB 123 456 01/02/1980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS CIN AB-123456 01/02/1980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS CIN ab-123-456 01/02/1980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS CIN AB 12 34 56 01/02/1980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS CIN AB123 456 01/02/1980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS CIN AB-123456-01/02/1980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS CIN AB123456-31-12-2030-01-02-1980",
	  "identity CIN AB123456 2030-12-31 1980-02-01 fr" },
	{ "TNS CIN 123456-01021980", "identity CIN 123456 - 1980-02-01 fr" },
	{ "TNS 1 23456 01021980", "identity CIN 23456 - 1980-02-01 fr" },
	{ "TNS CIN numero AB123456 01/02/1980",
	  "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS CIN 123456 01/02/1980", "identity CIN 123456 - 1980-02-01 fr" },
	{ "TNS CIN 123 456 01/02/1980", "identity CIN 123456 - 1980-02-01 fr" },
	{ "TNS CIN 012345 01/02/1980", "identity CIN 012345 - 1980-02-01 fr" },
	{ "TNS CIN A1 01/02/1980", "identity CIN A1 - 1980-02-01 fr" },
	{ "TNS CIN 12345678901234567890 01/02/1980",
	  "identity CIN 12345678901234567890 - 1980-02-01 fr" },
	{ "TNS CIN 12345678 01/02/1980",	/* not a date: a number */
	  "identity CIN 12345678 - 1980-02-01 fr" },
	{ "TNS CIN 0102 1980 01/02/1980",
	  "identity CIN 01021980 - 1980-02-01 fr" },

	/* type words */
	{ "TNS C AB123456 01/02/1980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS 1 AB123456 01/02/1980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS CNIE AB123456 01/02/1980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS carte nationale AB123456 01/02/1980",
	  "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS SEJOUR E12345 01/02/1980", "identity SEJOUR E12345 - 1980-02-01 fr" },
	{ "TNS séjour E12345 01/02/1980", "identity SEJOUR E12345 - 1980-02-01 fr" },
	{ "TNS S\xc3\x89JOUR E12345 01/02/1980",
	  "identity SEJOUR E12345 - 1980-02-01 fr" },
	{ "TNS CS E12345 01/02/1980", "identity SEJOUR E12345 - 1980-02-01 fr" },
	{ "TNS 2 E12345 01/02/1980", "identity SEJOUR E12345 - 1980-02-01 fr" },
	{ "TNS Carte de séjour E12345 01/02/1980",
	  "identity SEJOUR E12345 - 1980-02-01 fr" },
	{ "TNS carte-sejour E12345 01/02/1980",
	  "identity SEJOUR E12345 - 1980-02-01 fr" },
	{ "TNS PASSPORT ZZ0000001 01/02/1980",
	  "identity PASSPORT ZZ0000001 - 1980-02-01 fr" },
	{ "TNS passeport ZZ0000001 01/02/1980",
	  "identity PASSPORT ZZ0000001 - 1980-02-01 fr" },
	{ "TNS P ZZ0000001 01/02/1980", "identity PASSPORT ZZ0000001 - 1980-02-01 fr" },
	{ "TNS 3 ZZ0000001 01/02/1980", "identity PASSPORT ZZ0000001 - 1980-02-01 fr" },
	{ "TNS P 1234567 01/02/1980", "identity PASSPORT 1234567 - 1980-02-01 fr" },
	{ "TNS CIN P 123456 01/02/1980", "identity CIN P123456 - 1980-02-01 fr" },
	{ "TNS PASSPORT 123456 01/02/1980",
	  "identity PASSPORT 123456 - 1980-02-01 fr" },

	/* type from the number's shape */
	{ "TNS AB123456 01/02/1980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS A123456 01/02/1980", "identity CIN A123456 - 1980-02-01 fr" },
	{ "TNS AB 123456 01/02/1980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS ZZ0000001 01/02/1980", "identity PASSPORT ZZ0000001 - 1980-02-01 fr" },
	{ "TNS ZZ 000 0001 01/02/1980",
	  "identity PASSPORT ZZ0000001 - 1980-02-01 fr" },
	{ "TNS AB123456 31/12/2030 01/02/1980",
	  "identity CIN AB123456 2030-12-31 1980-02-01 fr" },

	/* ambiguous shapes: the type is missing */
	{ "TNS 123456 01/02/1980",
	  "help identity miss_type - 123456 - 1980-02-01 fr" },
	{ "TNS 1234567 01/02/1980",
	  "help identity miss_type - 1234567 - 1980-02-01 fr" },
	{ "TNS ABC12345 01/02/1980",
	  "help identity miss_type - ABC12345 - 1980-02-01 fr" },
	{ "TNS AB1234567 01/02/1980",		/* 2 letters + 7: passport */
	  "identity PASSPORT AB1234567 - 1980-02-01 fr" },
	{ "TNS A1234567 01/02/1980",
	  "help identity miss_type - A1234567 - 1980-02-01 fr" },
	{ "TNS AB12345678 01/02/1980",
	  "help identity miss_type - AB12345678 - 1980-02-01 fr" },
	{ "TNS 12AB34 01/02/1980",
	  "help identity miss_type - 12AB34 - 1980-02-01 fr" },
	{ "TNS P 123456 01/02/1980",		/* passport 123456, or CIN P123456? */
	  "help identity miss_type - 123456 - 1980-02-01 fr" },
	{ "TNS CS 12345 01/02/1980",
	  "help identity miss_type - 12345 - 1980-02-01 fr" },
	{ "TNS C 123456 01/02/1980",		/* CIN either way */
	  "identity CIN 123456 - 1980-02-01 fr" },
	{ "TNS CNS AB123456 01/02/1980",	/* a word that is no type */
	  "help identity bad_type - AB123456 - 1980-02-01 fr" },

	/* Arabic */
	{ "TNS البطاقة الوطنية AB123456 01/02/1980",
	  "identity CIN AB123456 - 1980-02-01 ar" },
	{ "TNS البطاقة الوطنية للتعريف AB123456 01/02/1980",
	  "identity CIN AB123456 - 1980-02-01 ar" },
	{ "TNS بطاقة التعريف AB123456 01/02/1980",
	  "identity CIN AB123456 - 1980-02-01 ar" },
	{ "TNS بطاقة AB123456 01/02/1980", "identity CIN AB123456 - 1980-02-01 ar" },
	{ "TNS البطاقه الوطنيه AB123456 01/02/1980",	/* haa for taa marbuta */
	  "identity CIN AB123456 - 1980-02-01 ar" },
	{ "TNS الإقامة E12345 01/02/1980", "identity SEJOUR E12345 - 1980-02-01 ar" },
	{ "TNS الاقامة E12345 01/02/1980", "identity SEJOUR E12345 - 1980-02-01 ar" },
	{ "TNS بطاقة الإقامة E12345 01/02/1980",
	  "identity SEJOUR E12345 - 1980-02-01 ar" },
	{ "TNS جواز ZZ0000001 01/02/1980",
	  "identity PASSPORT ZZ0000001 - 1980-02-01 ar" },
	{ "TNS جواز السفر ZZ0000001 01/02/1980",
	  "identity PASSPORT ZZ0000001 - 1980-02-01 ar" },
	{ "TNS جـــواز ZZ0000001 01/02/1980",		/* tatweel */
	  "identity PASSPORT ZZ0000001 - 1980-02-01 ar" },
	{ "TNS AB123456 01/02/1980 شكرا", "identity CIN AB123456 - 1980-02-01 ar" },
	{ "TNS رقم AB123456 تاريخ الازدياد 01/02/1980",
	  "identity CIN AB123456 - 1980-02-01 ar" },
	{ "TNS\xe2\x80\x8f CIN\xd8\x8c AB123456\xd8\x8c 01/02/1980",	/* RLM, Arabic commas */
	  "identity CIN AB123456 - 1980-02-01 ar" },
	{ "TNS بطاقة الدراجة AB123456 01/02/1980",	/* unknown words after a type */
	  "identity CIN AB123456 - 1980-02-01 ar" },

	/* Eastern Arabic-Indic digits: ASCII digits, Arabic language */
	{ "TNS CIN AB١٢٣٤٥٦ ٠١/٠٢/١٩٨٠", "identity CIN AB123456 - 1980-02-01 ar" },
	{ "TNS CIN AB۱۲۳۴۵۶ ۰۱۰۲۱۹۸۰", "identity CIN AB123456 - 1980-02-01 ar" },
	{ "TNS ١ AB123456 ٠١٫٠٢٫١٩٨٠", "identity CIN AB123456 - 1980-02-01 ar" },
	{ "TNS OTP ١٢٣٤٥٦", "otp 123456 ar" },

	/* Tifinagh */
	{ "TNS CIN AB123456 01/02/1980 ⵜⴰⵏⵎⵉⵔⵜ", "identity CIN AB123456 - 1980-02-01 tzm" },
	{ "TNS ⵜⴰⴽⴰⵔⴹⴰ AB123456 01/02/1980",
	  "help identity bad_type - AB123456 - 1980-02-01 tzm" },
	{ "TNS ⴰⵣⵓⵍ بطاقة AB123456 01/02/1980",	/* Arabic wins */
	  "help identity bad_type - AB123456 - 1980-02-01 ar" },

	/* dates: calendar, forms not guessed, two dates, more */
	{ "TNS CIN AB123456 29/02/1984", "identity CIN AB123456 - 1984-02-29 fr" },
	{ "TNS CIN AB123456 29/02/2000", "identity CIN AB123456 - 2000-02-29 fr" },
	{ "TNS CIN AB123456 29/02/1981",
	  "help identity bad_date CIN AB123456 - - fr" },
	{ "TNS CIN AB123456 29/02/1900",
	  "help identity bad_date CIN AB123456 - - fr" },
	{ "TNS CIN AB123456 31/02/1980",
	  "help identity bad_date CIN AB123456 - - fr" },
	{ "TNS CIN AB123456 31021980",
	  "help identity bad_date CIN AB123456 - - fr" },
	{ "TNS CIN AB123456 1980-02-01",
	  "help identity bad_date CIN AB123456 - - fr" },
	{ "TNS CIN AB123456 1980/02/01",
	  "help identity bad_date CIN AB123456 - - fr" },
	{ "TNS CIN AB123456 01/02/80",
	  "help identity bad_date CIN AB123456 - - fr" },
	{ "TNS CIN AB123456 01.02.80",
	  "help identity bad_date CIN AB123456 - - fr" },
	{ "TNS CIN AB123456 010280",
	  "help identity bad_date CIN AB123456 - - fr" },
	{ "TNS CIN AB123456 01/02-1980",
	  "help identity bad_date CIN AB123456 - - fr" },
	{ "TNS CIN AB123456 13/13/1980",
	  "help identity bad_date CIN AB123456 - - fr" },
	{ "TNS CIN AB123456 01/02/1899",
	  "help identity bad_date CIN AB123456 - - fr" },
	{ "TNS CIN AB123456 12/30 01/02/1980",	/* month/year expiry */
	  "help identity bad_date CIN AB123456 - - fr" },
	{ "TNS CIN AB123456 12/2030 01/02/1980",
	  "help identity bad_date CIN AB123456 - - fr" },
	{ "TNS CIN AB123456 01/02/1980 12",
	  "help identity bad_date CIN AB123456 - - fr" },
	{ "TNS CIN AB123456 01/02/1980 31/12/2030",	/* order as written */
	  "identity CIN AB123456 1980-02-01 2030-12-31 fr" },
	{ "TNS CIN AB123456 exp 31/12/2030 ne le 01/02/1980 merci",
	  "identity CIN AB123456 2030-12-31 1980-02-01 fr" },
	{ "TNS CIN AB123456 01/01/2030 01/01/2031 01/02/1980",
	  "help identity many_dates CIN AB123456 - - fr" },
	{ "TNS CIN AB123456 01/02/1980 merci beaucoup",
	  "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS CIN AB123456 01/02/1980 😀", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS CIN AB123456 01/02/1980🙏🏽", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS☺CIN→AB123456★01/02/1980\xef\xb8\x8f", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS CIN N° AB123456 01/02/1980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS numero AB123456 01/02/1980", "identity CIN AB123456 - 1980-02-01 fr" },
	{ "TNS Numéro: CIN AB123456 01/02/1980", "identity CIN AB123456 - 1980-02-01 fr" },

	/* missing fields */
	{ "TNS", "help help - fr" },
	{ "tns", "help help - fr" },
	{ "  TNS  !!! ", "help help - fr" },
	{ "TNS 🙏", "help help - fr" },
	{ "TNS numero", "help identity miss_type,miss_number,miss_birth - - - - fr" },
	{ "TNS AIDE", "help help - fr" },
	{ "TNS help", "help help - fr" },
	{ "TNS مساعدة", "help help - ar" },
	{ "TNS CIN", "help identity miss_number,miss_birth CIN - - - fr" },
	{ "TNS PASSEPORT", "help identity miss_number,miss_birth PASSPORT - - - fr" },
	{ "TNS CIN AB123456", "help identity miss_birth CIN AB123456 - - fr" },
	{ "TNS AB123456", "help identity miss_birth CIN AB123456 - - fr" },
	{ "TNS 123456", "help identity miss_type,miss_birth - 123456 - - fr" },
	{ "TNS CIN 01/02/1980", "help identity miss_number CIN - - 1980-02-01 fr" },
	{ "TNS 01/02/1980",
	  "help identity miss_type,miss_number - - - 1980-02-01 fr" },
	{ "TNS bonjour",
	  "help identity bad_type,miss_number,miss_birth - - - - fr" },
	{ "TNS CIN AB123456 01 02 1980",	/* a date typed apart */
	  "help identity bad_date CIN AB123456 - - fr" },
	{ "TNS CIN AB 123456 1 2 1980",
	  "help identity bad_date CIN AB123456 - - fr" },
	{ "TNS CIN AB123456 01021980 0612345678",
	  "help identity bad_date CIN AB123456 - - fr" },
	{ "TNS CIN AB123456 le 1er fevrier 1980",
	  "help identity bad_date CIN AB123456 - - fr" },
	{ "TNS CIN AB123456 01/02/19 80",
	  "help identity bad_date CIN AB123456 - - fr" },

	/* bad numbers */
	{ "TNS CIN 123456789012345678901 01/02/1980",
	  "help identity bad_number CIN - - 1980-02-01 fr" },
	{ "TNS CIN AB 1234 5678 9012 3456 7890 01/02/1980",
	  "help identity bad_number CIN - - 1980-02-01 fr" },
	{ "TNS 123456789012345678901 01/02/1980",
	  "help identity bad_number - - - 1980-02-01 fr" },
	{ "TNS CIN AB12é3456 01/02/1980",	/* folded to E: a number still */
	  "identity CIN AB12E3456 - 1980-02-01 fr" },
	{ "TNS CIN AB12\xe2\x82\xac" "3456 01/02/1980",
	  "help identity bad_number CIN - - 1980-02-01 fr" },
	{ "TNS CIN AB12\xff" "3456 01/02/1980",
	  "help identity bad_number CIN - - 1980-02-01 fr" },

	/* category */
	{ "TNS CAT 3", "category 3 fr" },
	{ "tns cat 12", "category 12 fr" },
	{ "TNS CATEGORIE 999", "category 999 fr" },
	{ "TNS Catégorie 007", "category 7 fr" },
	{ "TNS CAT*5#", "category 5 fr" },
	{ "TNS CAT 5 merci", "category 5 fr" },
	{ "TNS فئة 4", "category 4 ar" },
	{ "TNS فئه ٤", "category 4 ar" },
	{ "TNS CAT", "help category bad_cat fr" },
	{ "TNS CAT 0", "help category bad_cat fr" },
	{ "TNS CAT 1000", "help category bad_cat fr" },
	{ "TNS CAT 3 4", "help category bad_cat fr" },
	{ "TNS CAT 3a", "help category bad_cat fr" },
	{ "TNS CAT 01/02/1980", "help category bad_cat fr" },
	{ "TNS CAT3", "help identity miss_type,miss_birth - CAT3 - - fr" },

	/* one-time code */
	{ "TNS OTP 123456", "otp 123456 fr" },
	{ "tns otp 1234", "otp 1234 fr" },
	{ "TNS CODE 1234567890", "otp 1234567890 fr" },
	{ "TNS code: 123 456", "otp 123456 fr" },
	{ "TNS OTP 123-456", "otp 123456 fr" },
	{ "TNS OTP 01021980", "otp 01021980 fr" },
	{ "TNS رمز 123456", "otp 123456 ar" },
	{ "TNS OTP", "help otp bad_otp fr" },
	{ "TNS OTP 123", "help otp bad_otp fr" },
	{ "TNS OTP 12345678901", "help otp bad_otp fr" },
	{ "TNS OTP 12a456", "help otp bad_otp fr" },
	{ "TNS OTP 01/02/1980", "help otp bad_otp fr" },

	/* not for us */
	{ "", "not_for_us fr" },
	{ "   ", "not_for_us fr" },
	{ "Bonjour TNS CIN AB123456 01/02/1980", "not_for_us fr" },
	{ "TNSCIN AB123456 01/02/1980", "not_for_us fr" },
	{ "TN", "not_for_us fr" },
	{ "TNSS", "not_for_us fr" },
	{ "مرحبا", "not_for_us ar" },
	{ "ⴰⵣⵓⵍ", "not_for_us tzm" },
	{ "\xff\xfe", "not_for_us fr" },
	{ "1515 CIN AB123456 01/02/1980", "not_for_us fr" },
};

static void
test_golden(void **state)
{
	struct sms_request r;
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < N(golden); i++) {
		enum sms_request_kind k = sms_request_parse(golden[i].in,
		    SIZE_MAX, NULL, 0, &r);
		const char *got = describe(&r);

		if (strcmp(got, golden[i].want) != 0) {
			print_error("#%zu \"%s\":\n  got  %s\n  want %s\n", i,
			    golden[i].in, got, golden[i].want);
			bad++;
			continue;
		}
		assert_int_equal(k, r.kind);
		assert_int_equal(r.keyword, r.kind == SMS_REQUEST_NOT_FOR_US ?
		    -1 : 0);
		if (r.kind != SMS_REQUEST_HELP) {
			assert_int_equal(r.problems, 0);
			if (r.kind != SMS_REQUEST_NOT_FOR_US)
				assert_int_equal(r.form, r.kind);
		} else
			assert_int_not_equal(r.form, SMS_REQUEST_NOT_FOR_US);
	}
	assert_int_equal(bad, 0);
}

static void
test_keywords(void **state)
{
	static const char *const kw[] = { "CNSS", NULL, "", "tns2", "Damane" };
	static const struct {
		const char *in;
		int keyword;
		enum sms_request_kind kind;
	} v[] = {
		{ "CNSS CIN AB123456 01/02/1980", 0, SMS_REQUEST_IDENTITY },
		{ "cnss cat 3", 0, SMS_REQUEST_CATEGORY },
		{ "TNS2 OTP 1234", 3, SMS_REQUEST_OTP },
		{ "tns2", 3, SMS_REQUEST_HELP },
		{ "DAMANE", 4, SMS_REQUEST_HELP },
		{ "damane cin ab123456 01021980", 4, SMS_REQUEST_IDENTITY },
		{ "TNS CIN AB123456 01/02/1980", -1, SMS_REQUEST_NOT_FOR_US },
		{ "CNS CIN AB123456 01/02/1980", -1, SMS_REQUEST_NOT_FOR_US },
		{ "\xef\xbd\x83\xef\xbd\x8e\xef\xbd\x93\xef\xbd\x93", 0,
		  SMS_REQUEST_HELP },		/* full-width "cnss" */
	};
	static const char *const one[] = { "tns" };
	struct sms_request r;
	size_t i;

	(void)state;
	for (i = 0; i < N(v); i++) {
		assert_int_equal(sms_request_parse(v[i].in, SIZE_MAX, kw,
		    N(kw), &r), v[i].kind);
		assert_int_equal(r.keyword, v[i].keyword);
	}
	/* configured in lower case, typed in upper */
	assert_int_equal(sms_request_parse("TNS OTP 1234", SIZE_MAX, one, 1,
	    &r), SMS_REQUEST_OTP);
	/* an empty list is the default */
	assert_int_equal(sms_request_parse("TnS OTP 1234", SIZE_MAX, kw, 0,
	    &r), SMS_REQUEST_OTP);
	assert_int_equal(r.keyword, 0);
}

/* Nothing past len is read; a NUL ends the text too. */
static void
test_bounds(void **state)
{
	static const char text[] = "TNS CIN AB123456 01/02/1980";
	char big[SMS_REQUEST_TEXT_MAX + 64];
	struct sms_request r;
	size_t i;

	(void)state;
	assert_int_equal(sms_request_parse(text, strlen(text), NULL, 0, &r),
	    SMS_REQUEST_IDENTITY);
	assert_int_equal(sms_request_parse(text, strlen(text) - 5, NULL, 0,
	    &r), SMS_REQUEST_HELP);		/* "01/02" */
	assert_int_equal(r.problems, SMS_REQUEST_BAD_DATE);
	assert_int_equal(sms_request_parse(text, 16, NULL, 0, &r),
	    SMS_REQUEST_HELP);
	assert_int_equal(r.problems, SMS_REQUEST_MISS_BIRTH);
	assert_int_equal(sms_request_parse(text, 3, NULL, 0, &r),
	    SMS_REQUEST_HELP);
	assert_int_equal(r.problems, 0);
	assert_int_equal(sms_request_parse(text, 0, NULL, 0, &r),
	    SMS_REQUEST_NOT_FOR_US);
	assert_int_equal(sms_request_parse("TNS OTP 1234\0" "5678", 17, NULL,
	    0, &r), SMS_REQUEST_OTP);
	assert_string_equal(r.otp, "1234");
	assert_int_equal(sms_request_parse(NULL, 5, NULL, 0, &r),
	    SMS_REQUEST_NOT_FOR_US);
	assert_int_equal(r.keyword, -1);
	assert_string_equal(r.lang, "fr");
	assert_int_equal(sms_request_parse(text, SIZE_MAX, NULL, 0, NULL),
	    SMS_REQUEST_NOT_FOR_US);

	/* an Arabic letter cut in half at len: undecodable, not read past */
	assert_int_equal(sms_request_parse("TNS \xd8\xa8", 5, NULL, 0, &r),
	    SMS_REQUEST_HELP);
	assert_string_equal(r.lang, "fr");

	/* too long: help, language from what was read */
	memcpy(big, "TNS CIN AB123456 01/02/1980 ", 28);
	for (i = 28; i + 2 < sizeof(big); i += 2)
		memcpy(big + i, "\xd8\xa8", 2);		/* beh */
	big[i] = '\0';
	assert_int_equal(sms_request_parse(big, SIZE_MAX, NULL, 0, &r),
	    SMS_REQUEST_HELP);
	assert_int_equal(r.problems, SMS_REQUEST_BAD_TEXT);
	assert_int_equal(r.form, SMS_REQUEST_HELP);
	assert_string_equal(r.lang, "ar");
	assert_int_equal(sms_request_parse(big, SMS_REQUEST_TEXT_MAX, NULL, 0,
	    &r), SMS_REQUEST_IDENTITY);

	/* too many words */
	memcpy(big, "TNS CIN AB123456 01/02/1980", 27);
	for (i = 27; i + 2 < 27 + 2 * SMS_REQUEST_WORDS_MAX; i += 2)
		memcpy(big + i, " x", 2);
	big[i] = '\0';
	assert_int_equal(sms_request_parse(big, SIZE_MAX, NULL, 0, &r),
	    SMS_REQUEST_HELP);
	assert_int_equal(r.problems, SMS_REQUEST_BAD_TEXT);
	big[27 + 2 * (SMS_REQUEST_WORDS_MAX - 5)] = '\0';	/* 48 words */
	assert_int_equal(sms_request_parse(big, SIZE_MAX, NULL, 0, &r),
	    SMS_REQUEST_IDENTITY);
}

/* The canonical text reads back to the same fields. */
static void
test_format(void **state)
{
	static const struct {
		const char *in, *canon;
	} v[] = {
		{ "tns cin ab-123-456 01.02.1980", "TNS CIN AB123456 01/02/1980" },
		{ "TNS AB123456 1/12/2030 1/2/1980",
		  "TNS CIN AB123456 01/12/2030 01/02/1980" },
		{ "TNS جواز ZZ0000001 ٠١٠٢١٩٨٠", "TNS PASSPORT ZZ0000001 01/02/1980" },
		{ "TNS carte de sejour E12345 01021980",
		  "TNS SEJOUR E12345 01/02/1980" },
		{ "TNS CIN 0102 1980 01/02/1980", "TNS CIN 0102 1980 01/02/1980" },
		{ "TNS CAT 007", "TNS CAT 7" },
		{ "TNS code 123 456", "TNS OTP 123456" },
	};
	struct sms_request a, b;
	char out[64], small[12];
	size_t i;

	(void)state;
	for (i = 0; i < N(v); i++) {
		sms_request_parse(v[i].in, SIZE_MAX, NULL, 0, &a);
		assert_int_equal(sms_request_format(&a, NULL, out, sizeof(out)),
		    0);
		assert_string_equal(out, v[i].canon);
		sms_request_parse(out, SIZE_MAX, NULL, 0, &b);
		assert_int_equal(b.kind, a.kind);
		assert_string_equal(describe(&b), describe(&a));
	}
	sms_request_parse("TNS CAT 3", SIZE_MAX, NULL, 0, &a);
	assert_int_equal(sms_request_format(&a, "cnss", out, sizeof(out)), 0);
	assert_string_equal(out, "cnss CAT 3");
	sms_request_parse("TNS CIN AB123456 01/02/1980", SIZE_MAX, NULL, 0, &a);
	assert_int_equal(sms_request_format(&a, NULL, small, sizeof(small)),
	    -1);
	assert_string_equal(small, "");
	sms_request_parse("TNS CIN", SIZE_MAX, NULL, 0, &a);
	assert_int_equal(sms_request_format(&a, NULL, out, sizeof(out)), -1);
	assert_string_equal(out, "");
	sms_request_parse("hello", SIZE_MAX, NULL, 0, &a);
	assert_int_equal(sms_request_format(&a, NULL, out, sizeof(out)), -1);
	assert_int_equal(sms_request_format(NULL, NULL, out, sizeof(out)), -1);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(sms_request_strkind(SMS_REQUEST_NOT_FOR_US),
	    "not_for_us");
	assert_string_equal(sms_request_strkind(SMS_REQUEST_OTP), "otp");
	assert_string_equal(sms_request_strkind((enum sms_request_kind)42), "?");
	assert_string_equal(sms_request_strproblem(SMS_REQUEST_MISS_TYPE),
	    "miss_type");
	assert_string_equal(sms_request_strproblem(SMS_REQUEST_BAD_TEXT),
	    "bad_text");
	assert_string_equal(sms_request_strproblem(0), "?");
	assert_string_equal(sms_request_strproblem(SMS_REQUEST_MISS_TYPE |
	    SMS_REQUEST_BAD_TYPE), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
