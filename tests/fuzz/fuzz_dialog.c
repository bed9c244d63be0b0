/*
 * fuzz_dialog: libFuzzer target for the dialog as it meets outside bytes —
 * a session state read back from Redis (dialog_state_decode), then the
 * caller's answer (dialog_input), then fetched lists and OTP answers built
 * from the same bytes — checking every screen fits one USSD page, every kept
 * state re-encodes, and the matricule shows on no case B screen but the
 * last.
 *
 * Input: one flags byte, then "<encoded state>\n<answer>\n<fetch bytes>".
 * An OTP answer takes one fetch byte (status = byte % 12, 11 is no
 * status), the next as a signed attempts_left (and wait_s), the next 7 at
 * most as phone_tail. A lookup has up to 4 records (digits-only
 * candidates when the fetch bytes say so), none of whose matricules may
 * show on the no-match screen; every SMS the dialog puts out fits 8 SMS.
 *
 * Build and run by hand:
 *   make build-fuzz/fuzz_dialog
 *   build-fuzz/fuzz_dialog -max_total_time=60 tests/fuzz/corpus/fuzz_dialog
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "dialog.h"
#include "dialog_state.h"
#include "gsm.h"
#include "log.h"
#include "sms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct catalog	*cat;

/* Short texts for when the shipped catalogues are not where we run. */
static const char *const fallback[][2] = {
	{ "language_name", "Français" },
	{ "ask_idtype", "Type :\n1 CIN\n2 Séjour\n3 Passeport" },
	{ "idtype_cin", "CIN" }, { "idtype_sejour", "carte de séjour" },
	{ "idtype_passport", "passeport" },
	{ "ask_idnum", "Numéro de votre {idtype} :" },
	{ "ask_expiry", "Expiration de votre {idtype} :" },
	{ "ask_birth", "Date de naissance :" }, { "err_choice", "Choix ?" },
	{ "err_idnum", "Numéro ?" }, { "err_date", "Date ?" },
	{ "too_many", "Trop d'erreurs." }, { "expired", "Pièce expirée." },
	{ "service_error", "Indisponible." }, { "locked", "Trop d'essais." },
	{ "result_a", "Matricule {matricule}." },
	{ "result_b", "Matricule {matricule}, mot de passe au ...{tail}." },
	{ "otp_ask", "Code envoyé au ...{tail} :" },
	{ "err_otp", "Code ?" }, { "otp_wrong", "Faux, encore {n}." },
	{ "otp_void", "Code annulé." }, { "otp_expired", "Code expiré." },
	{ "otp_already", "Déjà envoyé au ...{tail}." },
	{ "sms_otp", "Code {otp}, {minutes} min." },
	{ "sms_password", "Mot de passe {password} pour {matricule}." },
	{ "mismatch", "Ne correspond pas." },
	{ "ineligible", "Non éligible : {reason}" },
	{ "ineligible_generic", "Non éligible." },
	{ "no_match", "Aucun dossier.\n1 Corriger\n2 Pas immatriculé" },
	{ "next_agency", "Aide : agence CNSS." },
	{ "next_phone", "Aide : {phone}." }, { "otp_new", "9 Nouveau code" },
	{ "otp_live", "Code encore valable ...{tail} :" },
	{ "otp_wait", "Attendez {s}." }, { "otp_limit", "Trop de codes." },
	{ "points_offer", "1 Points (SMS)" }, { "bye", "Merci." },
	{ "region_title", "Région :" }, { "region_gone", "Région retirée." },
	{ "points_sent", "Points de {region} par SMS." },
	{ "sms_points", "CNSS: {region}\n{points}" },
	{ "sms_result_c", "CNSS: {category}\n{documents}" },
	{ "sms_result_d", "CNSS: {reason}\n{next}" },
	{ "sms_result_a", "CNSS: {matricule}" },
	{ "sms_cat_list", "CNSS: TNS CAT <n>\n{list}" },
	{ "sms_cat_more", "+{n}: TNS CAT" },
	{ "sms_list_more", "+{n}: agence CNSS" },
	{ "sms_no_match", "CNSS: aucun dossier." },
	{ "sms_otp_ask", "CNSS: TNS OTP <code> ...{tail}" },
	{ "sms_help", "CNSS: TNS CIN AB123456 25121980" },
	{ "cat_intro", "Votre catégorie :" }, { "cat_title", "Catégorie :" },
	{ "cat_gone", "Catégorie retirée." }, { "nav_next", "0 Suite" },
	{ "nav_back", "00 Retour" }, { "docs_title", "Documents :" },
	{ "docs_where", "En agence CNSS." },
};

static int
load_file(const char *lang)
{
	char	 path[512], line[4096], key[64], text[2048];
	char	*p;
	size_t	 k, t;
	FILE	*f;

	snprintf(path, sizeof(path), "%s/etc/messages/%s.conf",
	    getenv("TNSGW_SRCDIR") ? getenv("TNSGW_SRCDIR") : ".", lang);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || (p = strchr(line, '"')) == NULL)
			continue;
		for (k = 0; k < sizeof(key) - 1 && line[k] != ' ' &&
		    line[k] != '='; k++)
			key[k] = line[k];
		key[k] = '\0';
		for (t = 0, p++; *p != '\0' && *p != '"' &&
		    t < sizeof(text) - 1; p++) {
			if (*p == '\\' && p[1] != '\0')
				text[t++] = *++p == 'n' ? '\n' : *p;
			else
				text[t++] = *p;
		}
		text[t] = '\0';
		catalog_set(cat, lang, key, text);
	}
	fclose(f);
	return 0;
}

static void
setup(void)
{
	size_t	i;

	log_init(LOG_LVL_CRIT);
	if ((cat = catalog_new()) == NULL)
		abort();
	if (load_file("fr") == -1)
		for (i = 0; i < sizeof(fallback) / sizeof(fallback[0]); i++)
			catalog_set(cat, "fr", fallback[i][0], fallback[i][1]);
	(void)load_file("ar");
	(void)load_file("tzm");
}

/* Take the bytes up to the next '\n' (or the end). */
static size_t
take_line(const uint8_t **p, size_t *left, const uint8_t **line)
{
	const uint8_t	*nl = memchr(*p, '\n', *left);
	size_t		 n = nl ? (size_t)(nl - *p) : *left;

	*line = *p;
	*p += n + (nl ? 1 : 0);
	*left -= n + (nl ? 1 : 0);
	return n;
}

static void
check_out(const struct dialog *d, const struct dialog_out *out)
{
	static struct sms_segment	seg[8];
	char				buf[DIALOG_STATE_MAX + 1];
	char				buf2[DIALOG_STATE_MAX + 1];
	struct dialog			d2;
	int				n, n2;

	if (memchr(out->text, '\0', sizeof(out->text)) == NULL ||
	    memchr(out->sms, '\0', sizeof(out->sms)) == NULL ||
	    memchr(out->sms2, '\0', sizeof(out->sms2)) == NULL)
		abort();
	if (out->sms[0] != '\0' && (out->sms_kind == NULL ||
	    sms_split(out->sms, GSM_CHARSET_GSM7, 0, seg, 8) < 1 ||
	    sms_split(out->sms, GSM_CHARSET_LATIN1, 0, seg, 8) < 1))
		abort();
	/* A list's second body: only after a first, and as bounded. */
	if (out->sms2[0] != '\0' && (out->sms[0] == '\0' ||
	    sms_split(out->sms2, GSM_CHARSET_GSM7, 0, seg, 8) < 1 ||
	    sms_split(out->sms2, GSM_CHARSET_LATIN1, 0, seg, 8) < 1))
		abort();
	if (d->channel == DIALOG_CH_SMS && out->text[0] != '\0')
		abort();
	if (out->need == DIALOG_NEED_NONE && !gsm_fits_ussd(out->text))
		abort();
	if (out->end && out->need != DIALOG_NEED_NONE)
		abort();
	if (out->end)
		return;
	/* A state we keep must encode, and decode to itself. */
	if ((n = dialog_state_encode(d, buf, sizeof(buf))) < 0)
		abort();
	if (dialog_state_decode(&d2, buf, (size_t)n) != 0)
		abort();
	if ((n2 = dialog_state_encode(&d2, buf2, sizeof(buf2))) != n ||
	    memcmp(buf, buf2, (size_t)n) != 0)
		abort();
}

/* No case B screen but the one after a right code shows the matricule
 * (mat: the matricule kept before the call, "" when too short to tell). */
static void
check_no_matricule(const char *mat, const struct dialog_out *out)
{
	if (mat[0] != '\0' && strstr(out->text, mat) != NULL)
		abort();
}

static void
kept_matricule_rec(const struct dialog_record *r, char mat[24])
{
	mat[0] = '\0';
	if (memchr(r->matricule, '\0', sizeof(r->matricule)) != NULL &&
	    strlen(r->matricule) >= 3 &&
	    strspn(r->matricule, "0123456789") == strlen(r->matricule))
		memcpy(mat, r->matricule, strlen(r->matricule) + 1);
}

static void
kept_matricule(const struct dialog *d, char mat[24])
{
	mat[0] = '\0';
	if (memchr(d->matricule, '\0', sizeof(d->matricule)) != NULL &&
	    strlen(d->matricule) >= 3)
		memcpy(mat, d->matricule, strlen(d->matricule) + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dialog_categories	cats;
	static struct dialog_docs	docs;
	static struct dialog_lookup	lk;
	static struct dialog_regions	rg;
	static struct dialog_points	pt;
	struct dialog_otp		otp;
	struct dialog_conf		conf;
	struct dialog			d;
	struct dialog_out		out;
	const uint8_t			*p, *q, *line;
	char				input[512], mat[24];
	enum dialog_step		step0;
	size_t				left, ql, n, i;
	uint8_t				flags;
	int				round;

	if (cat == NULL)
		setup();
	if (size < 1 || size > 8192)
		return 0;
	flags = data[0];
	p = data + 1;
	left = size - 1;

	memset(&conf, 0, sizeof(conf));
	conf.check_expiry = flags & 1;
	conf.transliterate = (flags >> 1) & 1;
	conf.nlanguages = 1 + (flags >> 2) % 3;
	snprintf(conf.languages[0], CATALOG_LANG_MAX, "fr");
	snprintf(conf.languages[1], CATALOG_LANG_MAX, "ar");
	snprintf(conf.languages[2], CATALOG_LANG_MAX, "tzm");
	conf.max_bad_inputs = (flags >> 4) & 3;
	conf.today_days = 20000;
	conf.otp_length = (int)(size % 8) + 3;	/* 3 is "0": 6 digits */
	if (conf.otp_length == 3)
		conf.otp_length = 0;
	conf.password_length = 10;

	n = take_line(&p, &left, &line);
	if (dialog_state_decode(&d, (const char *)line, n) != 0)
		return 0;
	n = take_line(&p, &left, &line);
	if (n >= sizeof(input))
		n = sizeof(input) - 1;
	memcpy(input, line, n);
	input[n] = '\0';
	step0 = d.step;
	kept_matricule(&d, mat);
	dialog_input(&d, &conf, cat, input, &out);
	check_out(&d, &out);
	if (step0 == DIALOG_S_OTP) {
		check_no_matricule(mat, &out);
		/* The code goes out as otp_length digits, never into d. */
		if (out.need == DIALOG_NEED_OTP_VERIFY && (strlen(out.otp_input) !=
		    (conf.otp_length ? (size_t)conf.otp_length : 6) ||
		    strspn(out.otp_input, "0123456789") != strlen(out.otp_input)))
			abort();
	} else if (out.need == DIALOG_NEED_OTP_VERIFY)
		abort();

	/* Whatever the dialog asks for, answer it from the remaining bytes. */
	for (round = 0; round < 4 && out.need != DIALOG_NEED_NONE; round++) {
		switch (out.need) {
		case DIALOG_NEED_LOOKUP:
			memset(&lk, 0, sizeof(lk));
			lk.status = (enum dialog_fetch_status)((flags >> 6) % 3);
			lk.n = (int)(left % 6);
			lk.digits_only = (int)(left / 6 % 2);
			for (i = 0; i < DIALOG_CAND_MAX; i++) {
				struct dialog_record	*r = &lk.rec[i];

				r->reg = (enum dialog_reg_status)((left + i) % 3);
				r->birth = (i + left) % 3 ? d.birth :
				    (struct parse_date){ 0, 0, 0 };
				r->expiry = (flags & 0x80) ? d.expiry :
				    (struct parse_date){ 0, 0, 0 };
				r->has_account = (int)((left >> i) & 1);
				memcpy(r->matricule, p, left < sizeof(r->matricule)
				    ? left : sizeof(r->matricule));
				if (i > 0 && left > i)
					r->matricule[0] = (char)('0' + i);
				memcpy(r->reason_text, p, left <
				    sizeof(r->reason_text) ? left :
				    sizeof(r->reason_text));
			}
			dialog_on_lookup(&d, &conf, cat, &lk, &out);
			if (out.record_failure)
				for (i = 0; i < DIALOG_CAND_MAX; i++) {
					kept_matricule_rec(&lk.rec[i], mat);
					check_no_matricule(mat, &out);
				}
			break;
		case DIALOG_NEED_CATEGORIES:
			memset(&cats, 0, sizeof(cats));
			cats.status = (flags & 0xc0) == 0xc0 ?
			    DIALOG_FETCH_ERROR : DIALOG_FETCH_OK;
			cats.n = (int)(left % (DIALOG_MAX_CATEGORIES + 2));
			q = p;
			ql = left;
			for (i = 0; i < DIALOG_MAX_CATEGORIES && ql > 0; i++) {
				n = 1 + q[0] % 160;	/* may fill a label whole */
				if (n > ql)
					n = ql;
				memcpy(cats.item[i].label, q, n <
				    sizeof(cats.item[i].label) ? n :
				    sizeof(cats.item[i].label));
				memcpy(cats.item[i].code, q, n <
				    sizeof(cats.item[i].code) ? n :
				    sizeof(cats.item[i].code));
				q += n;
				ql -= n;
			}
			dialog_on_categories(&d, &conf, cat, &cats, &out);
			break;
		case DIALOG_NEED_DOCS:
			memset(&docs, 0, sizeof(docs));
			docs.status = (flags & 0xc0) == 0xc0 ?
			    DIALOG_FETCH_LOCKED : DIALOG_FETCH_OK;
			docs.found = (flags & 0x40) == 0 || left > 0;
			memcpy(docs.documents, p, left < sizeof(docs.documents) ?
			    left : sizeof(docs.documents));
			dialog_on_docs(&d, &conf, cat, &docs, &out);
			break;
		case DIALOG_NEED_REGIONS:
			memset(&rg, 0, sizeof(rg));
			rg.status = (flags & 0xc0) == 0xc0 ?
			    DIALOG_FETCH_ERROR : DIALOG_FETCH_OK;
			rg.n = (int)(left % (DIALOG_REGIONS_MAX + 2));
			for (i = 0; i < DIALOG_REGIONS_MAX; i++)
				memcpy(rg.name[i], p, left < sizeof(rg.name[i]) ?
				    left : sizeof(rg.name[i]));
			dialog_on_regions(&d, &conf, cat, &rg, &out);
			break;
		case DIALOG_NEED_POINTS:
			memset(&pt, 0, sizeof(pt));
			pt.status = (flags & 0xc0) == 0xc0 ?
			    DIALOG_FETCH_LOCKED : DIALOG_FETCH_OK;
			pt.found = (flags & 0x40) == 0 || left > 0;
			pt.n = (int)(left % (DIALOG_POINTS_MAX + 2));
			memcpy(pt.region, p, left < sizeof(pt.region) ? left :
			    sizeof(pt.region));
			for (i = 0; i < DIALOG_POINTS_MAX; i++)
				memcpy(pt.point[i], p + (left > i ? i : 0),
				    left - (left > i ? i : 0) <
				    sizeof(pt.point[i]) ? left - (left > i ? i :
				    0) : sizeof(pt.point[i]));
			dialog_on_points(&d, &conf, cat, &pt, &out);
			break;
		case DIALOG_NEED_OTP_ISSUE:
		case DIALOG_NEED_OTP_VERIFY:
		case DIALOG_NEED_OTP_RESEND:
			memset(&otp, 0, sizeof(otp));
			otp.status = left > 0 ?
			    (enum dialog_otp_status)(p[0] % 12) : DIALOG_OTP_SENT;
			otp.attempts_left = left > 1 ? (int8_t)p[1] : 1;
			otp.wait_s = left > 1 ? (int8_t)p[1] * 50 : 0;
			if (left > 2)
				memcpy(otp.phone_tail, p + 2, left - 2 <
				    sizeof(otp.phone_tail) - 1 ? left - 2 :
				    sizeof(otp.phone_tail) - 1);
			if (left > 0) {
				p++;
				left--;
			}
			kept_matricule(&d, mat);
			dialog_on_otp(&d, &conf, cat, &otp, &out);
			check_out(&d, &out);
			if (otp.status != DIALOG_OTP_OK)
				check_no_matricule(mat, &out);
			continue;
		default:
			abort();
		}
		check_out(&d, &out);
	}
	return 0;
}
