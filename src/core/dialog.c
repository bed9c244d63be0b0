/*
 * dialog: the conversation of DESIGN.md §1 as a pure state machine. Each
 * call turns (state, answer or fetched data) into one screen that fits a
 * USSD page (or, on the SMS channel, one reply SMS), the next state, and
 * what the gateway must fetch next. Paging is dialog_pager.c's, SMS lists
 * dialog_sms.c's, the state's text form dialog_state.c's, the catalogue
 * check dialog_check.c's.
 */
#include "dialog.h"

#include <string.h>

#include "dialog_impl.h"
#include "dialog_pager.h"
#include "gsm.h"
#include "log.h"
#include "parse.h"
#include "tbuf.h"
#include "utf8.h"

#define DIALOG_BAD_DEFAULT	3	/* max_bad_inputs when the conf says 0 */
#define DIALOG_INPUT_MAX	64	/* longer answers are bad answers */
#define DIALOG_OTP_DEFAULT	6	/* otp_length when the conf says 0 */
#define DIALOG_RENDER_VARS	8	/* name/value pairs dialog_render takes */

static void dialog_advance(struct dialog_ctx *);

/* ---- text building ---- */

/* Whole characters, appended as one tbuf_addn each would have: in one
 * copy when they fit, else one by one until one does not. */
static void
clean_run(struct tbuf *b, const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, k;

	if (b->over || n < b->cap - b->len) {
		tbuf_addn(b, s, n);
		return;
	}
	while (i < n && !b->over) {
		k = utf8_decode(u + i, n - i, NULL);
		tbuf_addn(b, s + i, k);
		i += k;
	}
}

/*
 * Append n bytes as if each had been appended alone: in one copy when they
 * all fit, else byte by byte up to where the buffer is full (a template
 * cut there ends where the byte-wise copy ended).
 */
static void
add_run(struct tbuf *b, const char *s, size_t n)
{
	size_t	i;

	if (b->over || n < b->cap - b->len) {
		tbuf_addn(b, s, n);
		return;
	}
	for (i = 0; i < n && !b->over; i++)
		tbuf_addn(b, s + i, 1);
}

/* Values are copied in runs of printable ASCII and valid sequences; a
 * control character becomes a space, a bad byte '?'. */
static void
clean(struct tbuf *b, const char *s, size_t len, int lines)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i = 0, k, run = 0;

	while (i < len && u[i] != '\0') {
		if (u[i] >= 0x20 && u[i] < 0x7f) {
			i++;
			continue;
		}
		k = utf8_decode(u + i, len - i, NULL);
		if (k > 1 || (k == 1 && lines && u[i] == '\n')) {
			i += k;
			continue;
		}
		/* The run so far, whole sequences: as tbuf_addn of each. */
		clean_run(b, s + run, i - run);
		tbuf_adds(b, k == 0 ? "?" : " ");
		i++;
		run = i;
	}
	clean_run(b, s + run, i - run);
}

void
dialog_clean(struct tbuf *b, const char *s, size_t len)
{
	clean(b, s, len, 0);
}

void
dialog_clean_lines(struct tbuf *b, const char *s, size_t len)
{
	clean(b, s, len, 1);
}

/* Unknown placeholders are kept as written: dialog_check_catalog reports
 * them. */
void
dialog_subst(struct tbuf *b, const char *tmpl, const struct dialog_var *v,
    int nv)
{
	const char	*p = tmpl, *q;
	size_t		 nl, lit;
	int		 i;

	while (*p != '\0') {
		if (*p != '{') {
			lit = strcspn(p, "{");
			add_run(b, p, lit);
			p += lit;
			continue;
		}
		if ((q = strchr(p + 1, '}')) != NULL) {
			nl = (size_t)(q - p - 1);
			for (i = 0; i < nv; i++)
				if (strncmp(v[i].name, p + 1, nl) == 0 &&
				    v[i].name[nl] == '\0')
					break;
			if (i < nv) {
				clean(b, v[i].value, strlen(v[i].value),
				    v[i].lines);
				p = q + 1;
				continue;
			}
		}
		add_run(b, p, 1);
		p++;
	}
}

void
dialog_measure_start(struct dialog_measure *m, int tr)
{
	static const struct gsm_measure	zero = { 0, 0, 1 };

	m->m = m->ms = zero;
	m->len = 0;
	m->tr = tr;
	m->ok = 1;
}

/* The value just appended at b->p + start, measured (and transliterated
 * first for the screen's measure when m->tr). */
static void
fill_measure_value(const struct tbuf *b, size_t start,
    struct dialog_measure *m)
{
	char			tr[DIALOG_TEXT_MAX * 3];
	struct gsm_measure	vm;

	if (b->over || gsm_measure(b->p + start, &vm) == -1) {
		m->ok = 0;
		return;
	}
	gsm_measure_add(&m->m, &vm);
	/* ASCII in the GSM alphabet (no '`') is transliterated as it is */
	if (m->tr && !(vm.septets >= 0 && (size_t)vm.chars == b->len - start) &&
	    (gsm_transliterate(b->p + start, tr, sizeof(tr)) == -1 ||
	    gsm_measure(tr, &vm) == -1)) {
		m->ok = 0;
		return;
	}
	gsm_measure_add(&m->ms, &vm);
}

/*
 * The pieces are what dialog_subst reads: a literal goes in as add_run
 * (cut byte-wise, as one run or several), a placeholder as its value
 * cleaned, or as "{name}" written when no value has the name. A text whose
 * split made a nested '{' literal (catalog_text_split) could match a
 * value named with a '{': none is, and should one be, dialog_subst does it.
 */
void
dialog_fill(struct tbuf *b, const struct catalog_text *t,
    const struct dialog_var *v, int nv, struct dialog_measure *m)
{
	const struct catalog_piece	*p;
	const char			*name;
	size_t				 start;
	int				 i, k;

	if (t->nested)
		for (i = 0; i < nv; i++)
			if (strchr(v[i].name, '{') != NULL) {
				if (m != NULL)
					m->ok = 0;
				dialog_subst(b, t->text, v, nv);
				return;
			}
	if (m != NULL && !t->measured)
		m->ok = 0;
	for (k = 0; k < t->npiece; k++) {
		p = &t->piece[k];
		if (!p->var) {
			add_run(b, t->text + p->off, p->len);
			if (m != NULL) {
				m->len += p->len;
				gsm_measure_add(&m->m, &p->m);
				gsm_measure_add(&m->ms, m->tr ? &p->mt : &p->m);
			}
			continue;
		}
		name = t->text + p->off;
		for (i = 0; i < nv; i++)
			if (strncmp(v[i].name, name, p->len) == 0 &&
			    v[i].name[p->len] == '\0')
				break;
		if (i == nv) {
			add_run(b, name - 1, p->len + 2);
			if (m != NULL) {
				m->len += p->len + 2;
				gsm_measure_add(&m->m, &p->m);
				gsm_measure_add(&m->ms, m->tr ? &p->mt : &p->m);
			}
			continue;
		}
		start = b->len;
		clean(b, v[i].value, strlen(v[i].value), v[i].lines);
		if (m != NULL) {
			m->len += b->len - start;
			if (m->ok)
				fill_measure_value(b, start, m);
		}
	}
	if (m != NULL && b->over)
		m->ok = 0;
}

/*
 * gsm_transliterate reads character by character, and the pieces end at
 * a '{' or '}': the transliteration of the whole is that of its pieces
 * one after the other. A value is cleaned first (what dialog_fill would
 * have written), then transliterated, unless it is GSM ASCII already.
 */
void
dialog_fill_tr(struct tbuf *b, const struct catalog_text *t,
    const struct dialog_var *v, int nv, struct dialog_measure *m)
{
	const struct catalog_piece	*p;
	const char			*name;
	char				 val[DIALOG_TEXT_MAX];
	struct tbuf			 vb;
	struct gsm_measure		 vm;
	size_t				 n;
	int				 i, k;

	if (!t->measured || t->nested || t->tr == NULL)
		m->ok = 0;
	for (k = 0; k < t->npiece && m->ok && !b->over; k++) {
		p = &t->piece[k];
		name = t->text + p->off;
		for (i = 0; p->var && i < nv; i++)
			if (strncmp(v[i].name, name, p->len) == 0 &&
			    v[i].name[p->len] == '\0')
				break;
		if (!p->var || i == nv) {
			tbuf_addn(b, t->tr + p->toff, p->tlen);
			m->len += p->len + (p->var ? 2 : 0);
			gsm_measure_add(&m->m, &p->m);
			gsm_measure_add(&m->ms, &p->mt);
			continue;
		}
		tbuf_init(&vb, val, sizeof(val));
		clean(&vb, v[i].value, strlen(v[i].value), v[i].lines);
		if (vb.over || gsm_measure(val, &vm) == -1) {
			m->ok = 0;
			break;
		}
		m->len += vb.len;
		gsm_measure_add(&m->m, &vm);
		if (vm.septets >= 0 && (size_t)vm.chars == vb.len) {
			tbuf_addn(b, val, vb.len);
			gsm_measure_add(&m->ms, &vm);
			continue;
		}
		if (gsm_transliterate(val, b->p + b->len, b->cap - b->len) ==
		    -1 || gsm_measure(b->p + b->len, &vm) == -1) {
			/* all of the partial value (see tbuf_addf) */
			memset(b->p + b->len, 0, b->cap - b->len);
			b->over = 1;
			break;
		}
		n = strlen(b->p + b->len);
		b->len += n;
		gsm_measure_add(&m->ms, &vm);
	}
	if (b->over)
		m->ok = 0;
}

/* ---- languages, texts, page fitting ---- */

int
dialog_nlangs(const struct dialog_conf *conf)
{
	if (conf->nlanguages <= 0)
		return 1;
	return conf->nlanguages > 8 ? 8 : conf->nlanguages;
}

/* At most sz - 1 bytes of s, NUL-terminated (what snprintf("%s") wrote,
 * without the format parsing); s may overlap out. */
static void
copy_cut(char *out, size_t sz, const char *s)
{
	size_t	n = strnlen(s, sz - 1);

	memmove(out, s, n);
	out[n] = '\0';
}

static void
lang_copy(char out[CATALOG_LANG_MAX], const char *s)
{
	copy_cut(out, CATALOG_LANG_MAX, s);
}

/* The i-th menu language (bounded copy: the conf is plain data). */
void
dialog_conf_lang(const struct dialog_conf *conf, const struct catalog *cat,
    int i, char out[CATALOG_LANG_MAX])
{
	const char	*l = NULL;

	if (conf->nlanguages > 0 && i >= 0 && i < dialog_nlangs(conf))
		lang_copy(out, conf->languages[i]);
	else
		out[0] = '\0';
	if (out[0] != '\0')
		return;
	if ((l = catalog_lang(cat, 0)) == NULL)
		l = "fr";
	lang_copy(out, l);
}

/* The language the screens of this dialog are in. */
void
dialog_lang(const struct dialog_ctx *c, char out[CATALOG_LANG_MAX])
{
	if (c->d->lang[0] != '\0' &&
	    memchr(c->d->lang, '\0', sizeof(c->d->lang)) != NULL)
		lang_copy(out, c->d->lang);
	else
		dialog_conf_lang(c->conf, c->cat, 0, out);
}

const char *
dialog_msg_lang(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, const char *key)
{
	char		 l0[CATALOG_LANG_MAX];
	const char	*t;

	if ((t = catalog_get(cat, lang, key)) != NULL)
		return t;
	dialog_conf_lang(conf, cat, 0, l0);
	if ((t = catalog_get(cat, l0, key)) != NULL)
		return t;
	if ((t = catalog_get(cat, "fr", key)) != NULL)
		return t;
	return "";
}

const char *
dialog_msg(const struct dialog_ctx *c, const char *key)
{
	char	lang[CATALOG_LANG_MAX];

	dialog_lang(c, lang);
	return dialog_msg_lang(c->conf, c->cat, lang, key);
}

const struct catalog_text *
dialog_msg_text_lang(const struct dialog_conf *conf,
    const struct catalog *cat, const char *lang, const char *key)
{
	static const struct catalog_text	 none = { .text = "", .tr = "",
	    .measured = 1 };
	char					 l0[CATALOG_LANG_MAX];
	const struct catalog_text		*t;

	if ((t = catalog_get_text(cat, lang, key)) != NULL)
		return t;
	dialog_conf_lang(conf, cat, 0, l0);
	if ((t = catalog_get_text(cat, l0, key)) != NULL)
		return t;
	if ((t = catalog_get_text(cat, "fr", key)) != NULL)
		return t;
	return &none;
}

const struct catalog_text *
dialog_msg_text(const struct dialog_ctx *c, const char *key)
{
	char	lang[CATALOG_LANG_MAX];

	dialog_lang(c, lang);
	return dialog_msg_text_lang(c->conf, c->cat, lang, key);
}

int
dialog_translit_on(const struct dialog_conf *conf, const char *lang)
{
	return conf->transliterate && strcmp(lang, "fr") == 0;
}

/* Does text fit one USSD page once it is what we would send? */
int
dialog_screen_fits(const struct dialog_conf *conf, const char *lang, const char *text)
{
	char	tmp[DIALOG_TEXT_MAX];

	if (dialog_translit_on(conf, lang)) {
		if (gsm_transliterate(text, tmp, sizeof(tmp)) == -1)
			return 0;
		text = tmp;
	}
	return gsm_fits_ussd(text) ? 1 : 0;
}

int
dialog_fits(const struct tbuf *b, const struct dialog_conf *conf,
    const char *lang)
{
	return tbuf_end(b) == 0 && dialog_screen_fits(conf, lang, b->p);
}

void
dialog_next_line(const struct dialog_conf *conf, const struct catalog *cat,
    const char *lang, int agency, struct tbuf *b)
{
	char			 phone[sizeof(conf->support_phone)];
	struct dialog_var	 v = { "phone", phone, 0 };

	copy_cut(phone, sizeof(phone), conf->support_phone);
	if (!agency && phone[0] != '\0')
		dialog_fill(b, dialog_msg_text_lang(conf, cat, lang,
		    "next_phone"), &v, 1, NULL);
	else
		dialog_fill(b, dialog_msg_text_lang(conf, cat, lang,
		    "next_agency"), NULL, 0, NULL);
}

void
dialog_plural(const struct catalog *cat, const char *lang, const char *base,
    long n, struct tbuf *b)
{
	char				 key[48], num[24];
	const char			*sfx;
	const struct catalog_text	*t;
	struct dialog_var		 v = { "n", num, 0 };
	struct tbuf			 kb;
	long				 r = n % 100;
	size_t				 k;

	tbuf_init(&kb, num, sizeof(num));
	if (n < 0) {
		tbuf_addc(&kb, '-');
		tbuf_addu(&kb, 0ULL - (unsigned long long)n);
	} else
		tbuf_addu(&kb, (unsigned long long)n);
	sfx = n == 1 ? "1" : n == 2 ? "2" : r >= 3 && r <= 10 ? "3_10" : "11";
	/* base "_" sfx, cut as snprintf would */
	copy_cut(key, sizeof(key), base);
	k = strlen(key);
	copy_cut(key + k, sizeof(key) - k, "_");
	k = strlen(key);
	copy_cut(key + k, sizeof(key) - k, sfx);
	if (lang == NULL || (t = catalog_get_text(cat, lang, key)) == NULL) {
		tbuf_adds(b, num);
		return;
	}
	dialog_fill(b, t, &v, 1, NULL);
}

/* ---- screens and replies ---- */

/* Cut s at a character boundary to the longest prefix that fits (the
 * catalogue check makes this a last resort). */
static void
fit_truncate(const struct dialog_conf *conf, const char *lang, char *s)
{
	size_t	n = strlen(s);

	while (n > 0 && !dialog_screen_fits(conf, lang, s)) {
		n = utf8_cut(s, n, n - 1);
		s[n] = '\0';
	}
}

/*
 * The text of this step: on USSD the screen (French transliterated, or,
 * outside text, as it is when it fits so), on SMS the reply.
 */
void
dialog_emit(struct dialog_ctx *c, const char *lang, const char *text, int outside)
{
	char	*t = c->out->text;

	if (c->d->channel == DIALOG_CH_SMS) {
		t[0] = '\0';
		dialog_sms_put(c, text, "reply");
		return;
	}
	if (outside)
		dialog_pager_final(c->conf, lang, text, t,
		    sizeof(c->out->text));
	else if (!dialog_translit_on(c->conf, lang) ||
	    gsm_transliterate(text, t, sizeof(c->out->text)) == -1)
		copy_cut(t, sizeof(c->out->text), text);
	if (!gsm_fits_ussd(t)) {
		log_warnx("dialog: %s screen in state %s too long, cut",
		    lang, dialog_strstate(c->d->step));
		fit_truncate(c->conf, lang, t);
	}
}

void
dialog_emit_text(struct dialog_ctx *c, const char *text, int outside)
{
	char	lang[CATALOG_LANG_MAX];

	dialog_lang(c, lang);
	dialog_emit(c, lang, text, outside);
}

void
dialog_end(struct dialog_ctx *c, enum dialog_outcome o)
{
	c->d->step = DIALOG_S_DONE;
	c->d->outcome = o;
	c->d->pending = DIALOG_P_NONE;
	c->out->need = DIALOG_NEED_NONE;
	c->out->end = 1;
	c->out->outcome = o;
}

void
dialog_finish(struct dialog_ctx *c, const char *text, enum dialog_outcome o, int outside)
{
	dialog_end(c, o);
	dialog_emit_text(c, text, outside);
}

/*
 * The screen dialog_emit (outside 0) would write for text, written to out
 * (DIALOG_TEXT_MAX bytes): 1 when it fits the page as it is, 0 when it
 * does not (out is then to be written again).
 */
static int
screen_sent(const struct dialog_conf *conf, const char *lang,
    const char *text, char *out)
{
	size_t	n;

	if (dialog_translit_on(conf, lang)) {
		if (gsm_transliterate(text, out, DIALOG_TEXT_MAX) == -1)
			return 0;
	} else {
		if ((n = strlen(text)) >= DIALOG_TEXT_MAX)
			return 0;
		memcpy(out, text, n + 1);
	}
	return gsm_fits_ussd(out);
}

/*
 * screen_sent with the text's measure known (m->tr as dialog_translit_on
 * for lang): the same screen in c->out->text and the same answer, the text
 * not measured again. 0 also when the measure is unknown.
 */
static int
screen_measured(struct dialog_ctx *c, const char *text, size_t len,
    const struct dialog_measure *m)
{
	if (!m->ok || c->d->channel != DIALOG_CH_USSD)
		return 0;
	if (m->tr) {
		if (gsm_transliterate(text, c->out->text, DIALOG_TEXT_MAX) == -1)
			return 0;
	} else {
		if (len >= DIALOG_TEXT_MAX)
			return 0;
		memcpy(c->out->text, text, len + 1);
	}
	return gsm_fits_ussd_measure(&m->ms);
}

/*
 * The transliterated screen of text (filled with v) and, when line has
 * words, "\n" line, written straight into c->out->text from the pieces:
 * 1 when it is what dialog_finish_line (or, without a line, dialog_finish)
 * would have sent, whole. The unfilled texts must not have been cut on
 * the way (m.len) for that.
 */
static int
screen_tr(struct dialog_ctx *c, const struct catalog_text *text,
    const struct dialog_var *v, int nv, const struct catalog_text *line)
{
	static const struct gsm_measure	 nl = { 1, 1, 1 };
	struct dialog_measure		 m;
	struct tbuf			 b;
	size_t				 tlen;

	if (c->d->channel != DIALOG_CH_USSD)
		return 0;
	dialog_measure_start(&m, 1);
	tbuf_init(&b, c->out->text, DIALOG_TEXT_MAX);
	dialog_fill_tr(&b, text, v, nv, &m);
	tlen = m.len;
	if (line != NULL && line->len > 0) {
		tbuf_addc(&b, '\n');
		gsm_measure_add(&m.m, &nl);
		gsm_measure_add(&m.ms, &nl);
		m.len++;
		dialog_fill_tr(&b, line, NULL, 0, &m);
	}
	return m.ok && tbuf_end(&b) == 0 && tlen < DIALOG_TEXT_MAX &&
	    m.len < DIALOG_TEXT_MAX && gsm_fits_ussd_measure(&m.ms);
}

/* dialog_finish(c, b's text, o, 0) for a text filled with its measure. */
static void
finish_measured(struct dialog_ctx *c, const struct tbuf *b,
    const struct dialog_measure *m, enum dialog_outcome o)
{
	if (tbuf_end(b) == 0 && screen_measured(c, b->p, b->len, m)) {
		dialog_end(c, o);
		return;
	}
	dialog_finish(c, b->p, o, 0);
}

/* dialog_finish_line(c, b's text, line, o, 0) for a text filled with its
 * measure: line's measure comes from its pieces. */
static void
finish_line_measured(struct dialog_ctx *c, const struct tbuf *b,
    const struct dialog_measure *m, const struct catalog_text *line,
    enum dialog_outcome o)
{
	static const struct gsm_measure	 nl = { 1, 1, 1 };
	char				 buf[DIALOG_TEXT_MAX];
	struct tbuf			 a;
	struct dialog_measure		 ma = *m;

	if (line->len > 0 && tbuf_end(b) == 0) {
		tbuf_init(&a, buf, sizeof(buf));
		tbuf_addn(&a, b->p, b->len);
		tbuf_addc(&a, '\n');
		gsm_measure_add(&ma.m, &nl);
		gsm_measure_add(&ma.ms, &nl);
		dialog_fill(&a, line, NULL, 0, &ma);
		if (tbuf_end(&a) == 0 && screen_measured(c, buf, a.len, &ma)) {
			dialog_end(c, o);
			return;
		}
	}
	dialog_finish_line(c, b->p, line->text, o, 0);
}

/* text, then line when both fit (on SMS: always). */
void
dialog_finish_line(struct dialog_ctx *c, const char *text, const char *line,
    enum dialog_outcome o, int outside)
{
	char		buf[DIALOG_SMS_MAX], lang[CATALOG_LANG_MAX];
	struct tbuf	b;

	dialog_lang(c, lang);
	if (line != NULL && line[0] != '\0') {
		tbuf_init(&b, buf, c->d->channel == DIALOG_CH_SMS ?
		    sizeof(buf) : DIALOG_TEXT_MAX);
		tbuf_adds(&b, text);
		tbuf_adds(&b, "\n");
		tbuf_adds(&b, line);
		if (tbuf_end(&b) == 0 && c->d->channel == DIALOG_CH_USSD &&
		    !outside) {
			/* What dialog_emit would write, measured once. */
			if (screen_sent(c->conf, lang, buf, c->out->text)) {
				dialog_end(c, o);
				return;
			}
		} else if (tbuf_end(&b) == 0 && (c->d->channel ==
		    DIALOG_CH_SMS || dialog_pager_fits(c->conf, lang, buf))) {
			dialog_finish(c, buf, o, outside);
			return;
		}
	}
	dialog_finish(c, text, o, outside);
}

/*
 * An end without an outcome the caller can use (locked, expired, limits,
 * errors): key with v, then what to do next (the call centre, else an
 * agency; the agency when the phone does not fit).
 */
void
dialog_finish_next(struct dialog_ctx *c, const char *key, const struct dialog_var *v,
    int nv, enum dialog_outcome o)
{
	char		buf[DIALOG_TEXT_MAX], nx[DIALOG_TEXT_MAX];
	char		lang[CATALOG_LANG_MAX], all[DIALOG_TEXT_MAX * 2];
	struct tbuf	b, bn, ba;
	int		agency;

	dialog_lang(c, lang);
	tbuf_init(&b, buf, sizeof(buf));
	dialog_subst(&b, dialog_msg(c, key), v, nv);
	for (agency = 0; agency < 2; agency++) {
		tbuf_init(&bn, nx, sizeof(nx));
		dialog_next_line(c->conf, c->cat, lang, agency, &bn);
		tbuf_init(&ba, all, sizeof(all));
		tbuf_adds(&ba, buf);
		tbuf_adds(&ba, "\n");
		tbuf_adds(&ba, nx);
		if (c->d->channel == DIALOG_CH_SMS || dialog_fits(&ba, c->conf,
		    lang)) {
			dialog_finish(c, all, o, 0);
			return;
		}
	}
	dialog_finish(c, buf, o, 0);
}

void
dialog_fail(struct dialog_ctx *c)
{
	dialog_finish_next(c, "service_error", NULL, 0, DIALOG_OUTCOME_ERROR);
}

void
dialog_locked(struct dialog_ctx *c)
{
	/* The same words whatever the limit: nothing to probe. */
	dialog_finish_next(c, "locked", NULL, 0, DIALOG_OUTCOME_LOCKED);
}

static int
max_bad(const struct dialog_conf *conf)
{
	return conf->max_bad_inputs > 0 ? conf->max_bad_inputs :
	    DIALOG_BAD_DEFAULT;
}

/* One more bad answer; 1 when that was one too many (the dialog ended). */
int
dialog_count_bad(struct dialog_ctx *c)
{
	if (c->d->bad_inputs < DIALOG_BAD_MAX)
		c->d->bad_inputs++;
	if (c->d->bad_inputs < max_bad(c->conf))
		return 0;
	dialog_finish_next(c, "too_many", NULL, 0, DIALOG_OUTCOME_ERROR);
	return 1;
}

static const char *
idtype_key(enum parse_idtype t)
{
	switch (t) {
	case PARSE_ID_CIN:
		return "idtype_cin";
	case PARSE_ID_SEJOUR:
		return "idtype_sejour";
	case PARSE_ID_PASSPORT:
		return "idtype_passport";
	default:
		return NULL;
	}
}

void
dialog_lang_menu(const struct dialog_conf *conf, const struct catalog *cat,
    struct tbuf *b)
{
	char		 l[CATALOG_LANG_MAX], num[16];
	const char	*name;
	struct tbuf	 nb;
	int		 i;

	for (i = 0; i < dialog_nlangs(conf); i++) {
		dialog_conf_lang(conf, cat, i, l);
		if ((name = catalog_get(cat, l, "language_name")) == NULL)
			name = l;
		tbuf_init(&nb, num, sizeof(num));
		if (i > 0)
			tbuf_addc(&nb, '\n');
		tbuf_addu(&nb, (unsigned long long)i + 1);
		tbuf_addc(&nb, ' ');
		tbuf_adds(b, num);
		dialog_clean(b, name, strlen(name));
	}
}

/* The question of the current step. */
static void
build_question(struct dialog_ctx *c, struct tbuf *b)
{
	const char		*k = idtype_key(c->d->idtype);
	struct dialog_var	 v = { "idtype", k ? dialog_msg(c, k) : "", 0 };

	switch (c->d->step) {
	case DIALOG_S_LANG:
		dialog_lang_menu(c->conf, c->cat, b);
		break;
	case DIALOG_S_IDTYPE:
		dialog_subst(b, dialog_msg(c, "ask_idtype"), NULL, 0);
		break;
	case DIALOG_S_IDNUM:
		dialog_subst(b, dialog_msg(c, "ask_idnum"), &v, 1);
		break;
	case DIALOG_S_EXPIRY:
		dialog_subst(b, dialog_msg(c, "ask_expiry"), &v, 1);
		break;
	case DIALOG_S_BIRTH:
		dialog_subst(b, dialog_msg(c, "ask_birth"), NULL, 0);
		break;
	case DIALOG_S_NOMATCH:
		dialog_subst(b, dialog_msg(c, c->d->channel == DIALOG_CH_SMS ?
		    "sms_no_match" : "no_match"), NULL, 0);
		break;
	default:
		break;
	}
}

/* The language of the question screens (the language menu is in every
 * language: "", not transliterated). */
static void
ask_lang(const struct dialog_ctx *c, char lang[CATALOG_LANG_MAX])
{
	if (c->d->step == DIALOG_S_LANG)
		lang[0] = '\0';
	else
		dialog_lang(c, lang);
}

/* Show the first of the texts that fits (on SMS: the first). */
void
dialog_emit_first(struct dialog_ctx *c, const char *lang, char (*t)[DIALOG_TEXT_MAX * 2],
    int n)
{
	int	i;

	for (i = 0; i < n - 1 && c->d->channel != DIALOG_CH_SMS; i++)
		if (strlen(t[i]) < DIALOG_TEXT_MAX &&
		    dialog_screen_fits(c->conf, lang, t[i]))
			break;
	dialog_emit(c, lang, t[i], 0);
}

/* Show the question of the current step, after the error line err (text,
 * already filled) when given and when both fit. */
static void
ask_text(struct dialog_ctx *c, const char *err)
{
	char		t[2][DIALOG_TEXT_MAX * 2];
	char		lang[CATALOG_LANG_MAX];
	struct tbuf	bq, bs;

	if (c->d->step == DIALOG_S_OTP) {
		dialog_otp_ask(c, err, "otp_ask");
		return;
	}
	ask_lang(c, lang);
	tbuf_init(&bq, t[1], sizeof(t[1]));
	build_question(c, &bq);
	tbuf_init(&bs, t[0], sizeof(t[0]));
	if (err != NULL) {
		tbuf_adds(&bs, err);
		tbuf_adds(&bs, "\n");
	}
	tbuf_adds(&bs, t[1]);
	dialog_emit_first(c, lang, t, 2);
}

/* Show the question of the current step, after an error line if given. */
void
dialog_ask(struct dialog_ctx *c, const char *errkey)
{
	char	lang[CATALOG_LANG_MAX];

	ask_lang(c, lang);
	ask_text(c, errkey != NULL ?
	    dialog_msg_lang(c->conf, c->cat, lang, errkey) : NULL);
}

/* One more bad answer: ask again with the error line, or give up. */
void
dialog_bad_answer(struct dialog_ctx *c, const char *errkey)
{
	if (!dialog_count_bad(c))
		dialog_ask(c, errkey);
}

/* ---- answers ---- */

/* Trim spaces around in into out; -1 when NULL or too long. */
static int
input_trim(const char *in, char *out, size_t outsz)
{
	const char	*e;
	size_t		 n;

	out[0] = '\0';
	if (in == NULL)
		return -1;
	while (*in == ' ' || *in == '\t' || *in == '\r' || *in == '\n')
		in++;
	n = strnlen(in, outsz);
	if (n == outsz)
		return -1;
	e = in + n;
	while (e > in && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		e--;
	memcpy(out, in, (size_t)(e - in));
	out[e - in] = '\0';
	return 0;
}

int
dialog_digits_ok(const char *s, size_t cap, size_t minlen, size_t maxlen)
{
	size_t	i;

	for (i = 0; i < cap && s[i] != '\0'; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return i < cap && i >= minlen && i <= maxlen;
}

size_t
dialog_otp_digits(const struct dialog_conf *conf)
{
	if (conf->otp_length <= 0 || (size_t)conf->otp_length >=
	    sizeof(((struct dialog_out *)NULL)->otp_input))
		return DIALOG_OTP_DEFAULT;
	return (size_t)conf->otp_length;
}

/* "1".."999" (no sign, no leading zero) -> the number, else -1. */
int
dialog_number(const char *s)
{
	int	n = 0;
	size_t	i, len = strlen(s);

	if (len == 0 || len > 3 || s[0] == '0')
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		n = n * 10 + (s[i] - '0');
	}
	return n;
}

/* A real calendar day (a date from outside may be anything). */
static int
date_ok(const struct parse_date *dt)
{
	struct parse_date	back;
	char			iso[16];

	if (dt->y < 1900 || dt->y > 2199 || dt->m < 1 || dt->m > 12 ||
	    dt->d < 1 || dt->d > 31)
		return 0;
	parse_date_fmt_iso(dt, iso, sizeof(iso));
	memset(&back, 0, sizeof(back));
	return parse_date_iso(iso, &back) == 0 &&
	    parse_date_cmp(&back, dt) == 0;
}

/* A birth date: a real day, not after today (when today is known). */
static int
birth_ok(const struct dialog_conf *conf, const struct parse_date *dt)
{
	return date_ok(dt) && (conf->today_days <= 0 ||
	    parse_date_days(dt) <= conf->today_days);
}

static int
parse_birth(const struct dialog_conf *conf, const char *in,
    struct parse_date *out)
{
	struct parse_date	dt;

	memset(&dt, 0, sizeof(dt));
	if (parse_date_user(in, &dt) == -1 || !birth_ok(conf, &dt))
		return -1;
	*out = dt;
	return 0;
}

static int
parse_expiry(const char *in, struct parse_date *out)
{
	struct parse_date	dt;

	memset(&dt, 0, sizeof(dt));
	if (parse_date_user(in, &dt) == -1)
		return -1;
	*out = dt;
	return 0;
}

/* The first question not yet answered (the shortcut may have answered
 * some), or LOOKUP. On SMS the expiry is never asked. */
static enum dialog_step
next_step(const struct dialog *d, const struct dialog_conf *conf)
{
	if (d->idtype == PARSE_ID_NONE)
		return DIALOG_S_IDTYPE;
	if (d->idnum[0] == '\0')
		return DIALOG_S_IDNUM;
	if (conf->check_expiry && d->channel == DIALOG_CH_USSD &&
	    !parse_date_is_set(&d->expiry))
		return DIALOG_S_EXPIRY;
	if (!parse_date_is_set(&d->birth))
		return DIALOG_S_BIRTH;
	return DIALOG_S_LOOKUP;
}

static void
dialog_advance(struct dialog_ctx *c)
{
	struct dialog	*d = c->d;

	if (c->conf->check_expiry && parse_date_is_set(&d->expiry) &&
	    parse_date_days(&d->expiry) < c->conf->today_days) {
		dialog_finish_next(c, "expired", NULL, 0, DIALOG_OUTCOME_ERROR);
		return;
	}
	d->step = next_step(d, c->conf);
	if (d->step == DIALOG_S_LOOKUP) {
		c->out->need = DIALOG_NEED_LOOKUP;
		return;
	}
	if (d->channel == DIALOG_CH_SMS) {
		/* A request without its answers: how to write one. */
		dialog_finish(c, dialog_msg(c, "sms_help"), DIALOG_OUTCOME_ERROR, 0);
		return;
	}
	dialog_ask(c, NULL);
}

/* "1 correct my details", "2 I am not registered"; on SMS "TNS CAT [n]". */
static void
nomatch_input(struct dialog_ctx *c, const char *in, int ok)
{
	struct dialog	*d = c->d;
	int		 n = ok ? dialog_number(in) : -1;

	if (d->channel == DIALOG_CH_SMS) {
		dialog_list_start(c, DIALOG_S_CATEGORY, DIALOG_NEED_CATEGORIES);
		if (n > 0) {
			d->pending = DIALOG_P_CHOICE;
			d->pending_n = n;
		}
		return;
	}
	if (n == 1) {
		memset(d->idnum, 0, sizeof(d->idnum));
		memset(&d->expiry, 0, sizeof(d->expiry));
		memset(&d->birth, 0, sizeof(d->birth));
		d->bad_inputs = 0;
		d->step = DIALOG_S_IDNUM;
		dialog_ask(c, NULL);
	} else if (n == 2)
		dialog_list_start(c, DIALOG_S_CATEGORY, DIALOG_NEED_CATEGORIES);
	else
		dialog_bad_answer(c, "err_choice");
}

/* The answers to the questions before the lookup; 0 when taken. */
static int
question_input(struct dialog_ctx *c, const char *in, int ok)
{
	struct dialog		*d = c->d;
	struct parse_date	 dt;
	int			 n;

	switch (d->step) {
	case DIALOG_S_LANG:
	case DIALOG_S_IDTYPE:
		n = ok ? dialog_number(in) : -1;
		if (n < 1 || n > (d->step == DIALOG_S_LANG ?
		    dialog_nlangs(c->conf) : 3)) {
			dialog_bad_answer(c, "err_choice");
			return -1;
		}
		if (d->step == DIALOG_S_LANG)
			dialog_conf_lang(c->conf, c->cat, n - 1, d->lang);
		else
			d->idtype = (enum parse_idtype)n;
		return 0;
	case DIALOG_S_IDNUM:
		if (!ok || parse_id_number(in, d->idnum, sizeof(d->idnum)) == -1) {
			memset(d->idnum, 0, sizeof(d->idnum));
			dialog_bad_answer(c, "err_idnum");
			return -1;
		}
		return 0;
	case DIALOG_S_EXPIRY:
	case DIALOG_S_BIRTH:
		if (!ok || (d->step == DIALOG_S_EXPIRY ? parse_expiry(in, &dt) :
		    parse_birth(c->conf, in, &dt)) == -1) {
			dialog_bad_answer(c, "err_date");
			return -1;
		}
		if (d->step == DIALOG_S_EXPIRY)
			d->expiry = dt;
		else
			d->birth = dt;
		return 0;
	default:
		/* No answer is expected now (lookup in flight, or over). */
		dialog_fail(c);
		return -1;
	}
}

void
dialog_input(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const char *input, struct dialog_out *out)
{
	struct dialog_ctx	c = { d, conf, cat, out };
	char		in[DIALOG_INPUT_MAX];
	int		ok;

	dialog_out_reset(out);
	ok = input_trim(input, in, sizeof(in)) == 0;
	switch (d->step) {
	case DIALOG_S_CATEGORY:
	case DIALOG_S_DOCS:
	case DIALOG_S_REGION:
		dialog_list_input(&c, in, ok);
		return;
	case DIALOG_S_NOMATCH:
		nomatch_input(&c, in, ok);
		return;
	case DIALOG_S_TEXT:
		dialog_list_text_input(&c, in, ok);
		return;
	case DIALOG_S_OTP:
		if (d->pending != DIALOG_P_NONE)
			break;
		dialog_otp_input(&c, in, sizeof(in), ok);
		return;
	case DIALOG_S_LANG:
	case DIALOG_S_IDTYPE:
	case DIALOG_S_IDNUM:
	case DIALOG_S_EXPIRY:
	case DIALOG_S_BIRTH:
		if (d->channel == DIALOG_CH_SMS)
			break;
		if (question_input(&c, in, ok) == -1)
			return;
		d->bad_inputs = 0;
		dialog_advance(&c);
		return;
	default:
		break;
	}
	dialog_fail(&c);
}

/* ---- the lookup ---- */

/* Birth date (and expiry, when checked, given and the registry has one)
 * match. On USSD the expiry is always given when it is checked. */
static int
details_match(const struct dialog *d, const struct dialog_conf *conf,
    const struct dialog_record *r)
{
	if (!parse_date_is_set(&r->birth) || !parse_date_is_set(&d->birth) ||
	    parse_date_cmp(&r->birth, &d->birth) != 0)
		return 0;
	if (conf->check_expiry && parse_date_is_set(&r->expiry) &&
	    (parse_date_is_set(&d->expiry) || d->channel == DIALOG_CH_USSD) &&
	    parse_date_cmp(&r->expiry, &d->expiry) != 0)
		return 0;
	return 1;
}

/* The record the caller's details designate, or NULL (DESIGN.md §1). */
static const struct dialog_record *
designate(const struct dialog *d, const struct dialog_conf *conf,
    const struct dialog_lookup *res)
{
	const struct dialog_record	*r = NULL;
	int				 i, n = res->n;

	if (n > DIALOG_CAND_MAX)
		n = DIALOG_CAND_MAX;
	if (n <= 0)
		return NULL;
	if (!res->digits_only) {
		r = &res->rec[0];
		/* Some ineligible records have no birth date: the number
		 * typed in full is all there is to match. */
		if (!parse_date_is_set(&r->birth))
			return r->reg == DIALOG_REG_INELIGIBLE ? r : NULL;
		return details_match(d, conf, r) ? r : NULL;
	}
	for (i = 0; i < n; i++) {
		if (!details_match(d, conf, &res->rec[i]))
			continue;
		if (r != NULL)
			return NULL;		/* more than one: ambiguous */
		r = &res->rec[i];
	}
	return r;
}

/* The one screen for every way of not matching: no oracle (DESIGN §5). */
static void
no_match(struct dialog_ctx *c)
{
	struct dialog	*d = c->d;

	c->out->record_failure = 1;
	d->step = DIALOG_S_NOMATCH;
	d->bad_inputs = 0;
	d->page = 0;
	d->pending = DIALOG_P_NONE;
	d->pending_n = 0;
	dialog_ask(c, NULL);
}

int
dialog_receipt_on(const struct dialog_ctx *c, int bit)
{
	return c->d->channel == DIALOG_CH_USSD && (c->conf->receipts & bit);
}

static void
result_a(struct dialog_ctx *c, const struct dialog_record *r)
{
	char				 buf[DIALOG_TEXT_MAX];
	char				 lang[CATALOG_LANG_MAX];
	struct tbuf			 b;
	struct dialog_var		 v = { "matricule", r->matricule, 0 };
	struct dialog_measure		 m;
	const struct catalog_text	*text, *line;
	int				 tr, receipt;

	if (!dialog_digits_ok(r->matricule, sizeof(r->matricule), 1,
	    DIALOG_MATRICULE_MAX)) {
		log_warnx("dialog: registered record without a usable "
		    "matricule");
		dialog_fail(c);
		return;
	}
	if (c->d->channel == DIALOG_CH_SMS) {
		dialog_end(c, DIALOG_OUTCOME_A);
		dialog_sms_render(c, "sms_result_a", &v, 1, "reply");
		return;
	}
	receipt = dialog_receipt_on(c, DIALOG_RECEIPT_A);
	if (receipt)
		dialog_sms_render(c, "sms_result_a", &v, 1, "receipt");
	dialog_lang(c, lang);
	text = dialog_msg_text_lang(c->conf, c->cat, lang, "result_a");
	line = receipt && c->out->sms[0] ? dialog_msg_text_lang(c->conf,
	    c->cat, lang, "result_sms") : NULL;
	tr = dialog_translit_on(c->conf, lang);
	if (tr && screen_tr(c, text, &v, 1, line)) {
		dialog_end(c, DIALOG_OUTCOME_A);
		return;
	}
	dialog_measure_start(&m, tr);
	tbuf_init(&b, buf, sizeof(buf));
	dialog_fill(&b, text, &v, 1, &m);
	if (line != NULL)
		finish_line_measured(c, &b, &m, line, DIALOG_OUTCOME_A);
	else
		finish_measured(c, &b, &m, DIALOG_OUTCOME_A);
}

static void
result_d(struct dialog_ctx *c, const struct dialog_record *r)
{
	char			 reason[sizeof(r->reason_text)];
	char			 nx[DIALOG_TEXT_MAX], lang[CATALOG_LANG_MAX];
	struct tbuf		 b;
	struct dialog_var	 v[2];
	int			 sms = c->d->channel == DIALOG_CH_SMS;

	dialog_lang(c, lang);
	tbuf_init(&b, reason, sizeof(reason));
	dialog_clean(&b, r->reason_text, sizeof(r->reason_text));
	tbuf_init(&b, nx, sizeof(nx));
	dialog_next_line(c->conf, c->cat, lang, 0, &b);
	v[0] = (struct dialog_var){ "reason", utf8_chars(reason) > 0 ? reason :
	    dialog_msg(c, "reason_other"), 0 };
	v[1] = (struct dialog_var){ "next", nx, 0 };
	if (sms) {
		dialog_end(c, DIALOG_OUTCOME_D);
		dialog_sms_render(c, "sms_result_d", v, 2, "reply");
		return;
	}
	if (dialog_receipt_on(c, DIALOG_RECEIPT_D))
		dialog_sms_render(c, "sms_result_d", v, 2, "receipt");
	if (utf8_chars(reason) == 0)
		dialog_finish_line(c, dialog_msg(c, "ineligible_generic"), c->out->sms[0] ?
		    dialog_msg(c, "result_sms") : NULL, DIALOG_OUTCOME_D, 0);
	else
		dialog_list_long(c, "ineligible", "reason", reason,
		    c->out->sms[0] ? dialog_msg(c, "result_sms") : NULL,
		    DIALOG_OUTCOME_D);
}

void
dialog_on_lookup(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const struct dialog_lookup *res,
    struct dialog_out *out)
{
	struct dialog_ctx			 c = { d, conf, cat, out };
	const struct dialog_record	*r;

	dialog_out_reset(out);
	if (d->step != DIALOG_S_LOOKUP || res == NULL ||
	    res->status == DIALOG_FETCH_ERROR) {
		dialog_fail(&c);
		return;
	}
	if (res->status == DIALOG_FETCH_LOCKED) {
		dialog_locked(&c);
		return;
	}
	if (res->status != DIALOG_FETCH_OK) {
		dialog_fail(&c);
		return;
	}
	if ((r = designate(d, conf, res)) == NULL) {
		/* Never the matricule here; the lookup counted it. */
		no_match(&c);
		return;
	}
	switch (r->reg) {
	case DIALOG_REG_REGISTERED:
		if (r->has_account)
			result_a(&c, r);
		else
			dialog_otp_issue(&c, r);
		break;
	case DIALOG_REG_INELIGIBLE:
		result_d(&c, r);
		break;
	default:
		dialog_fail(&c);
		break;
	}
}

/* ---- paged lists ---- */

/* ---- proximity points (case C, after the documents) ---- */

/* ---- a long end text, page by page ---- */

/* ---- case B: the one-time code ---- */

/* ---- what the gateway fetched ---- */

void
dialog_on_categories(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const struct dialog_categories *res,
    struct dialog_out *out)
{
	struct dialog_ctx	c = { d, conf, cat, out };

	dialog_out_reset(out);
	dialog_list_categories(&c, res);
}

void
dialog_on_docs(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const struct dialog_docs *res,
    struct dialog_out *out)
{
	struct dialog_ctx	c = { d, conf, cat, out };

	dialog_out_reset(out);
	dialog_list_docs(&c, res);
}

void
dialog_on_regions(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const struct dialog_regions *res,
    struct dialog_out *out)
{
	struct dialog_ctx	c = { d, conf, cat, out };

	dialog_out_reset(out);
	dialog_list_regions(&c, res);
}

void
dialog_on_points(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const struct dialog_points *res,
    struct dialog_out *out)
{
	struct dialog_ctx	c = { d, conf, cat, out };

	dialog_out_reset(out);
	dialog_list_points(&c, res);
}

void
dialog_on_otp(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const struct dialog_otp *res,
    struct dialog_out *out)
{
	struct dialog_ctx	c = { d, conf, cat, out };

	dialog_out_reset(out);
	dialog_otp_answer(&c, res);
}

/* ---- starting ---- */

const char *
dialog_strstate(enum dialog_step s)
{
	static const char *const names[] = { "lang", "idtype", "idnum",
	    "expiry", "birth", "lookup", "category", "docs", "done", "otp",
	    "nomatch", "region", "text" };

	if ((int)s < 0 || (size_t)s >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[s];
}

const char *
dialog_outcome_str(enum dialog_outcome o)
{
	static const char *const names[] = { "none", "A", "B", "C", "D",
	    "mismatch", "locked", "error", "abort" };

	if ((int)o < 0 || (size_t)o >= sizeof(names) / sizeof(names[0]))
		return "none";
	return names[o];
}

/* A dial-string argument as a bounded string. */
static int
dial_arg(const struct parse_dial *dial, int i, char out[32])
{
	if (memchr(dial->args[i], '\0', sizeof(dial->args[i])) == NULL)
		return -1;
	memcpy(out, dial->args[i], sizeof(dial->args[i]));
	return 0;
}

/* Take what the shortcut answers; what is invalid is simply asked. */
static void
apply_args(struct dialog *d, const struct dialog_conf *conf,
    const struct parse_dial *dial, int nargs)
{
	char			a[32];
	int			n;
	enum parse_idtype	t;

	if (dial_arg(dial, 0, a) == 0) {
		if ((n = dialog_number(a)) >= 1 && n <= 3)
			d->idtype = (enum parse_idtype)n;
		else if (parse_idtype(a, &t) == 0 && t != PARSE_ID_NONE)
			d->idtype = t;
	}
	if (nargs >= 2 && dial_arg(dial, 1, a) == 0 &&
	    parse_id_number(a, d->idnum, sizeof(d->idnum)) == -1)
		memset(d->idnum, 0, sizeof(d->idnum));
	if (nargs == 3 && dial_arg(dial, 2, a) == 0)
		(void)parse_birth(conf, a, &d->birth);
	if (nargs >= 4) {
		if (conf->check_expiry && dial_arg(dial, 2, a) == 0)
			(void)parse_expiry(a, &d->expiry);
		if (dial_arg(dial, 3, a) == 0)
			(void)parse_birth(conf, a, &d->birth);
	}
}

/*
 * out emptied as a memset of it would, without writing its 5 KB: every
 * byte of a text past its NUL is zero already (out starts zeroed and a
 * text is written whole; the gateway's wipe of a released request relies
 * on it too), so a text's used bytes and the small fields are all there
 * is to clear.
 */
void
dialog_out_reset(struct dialog_out *out)
{
	memset(out->text, 0, strnlen(out->text, sizeof(out->text)));
	memset(&out->end, 0, offsetof(struct dialog_out, sms) -
	    offsetof(struct dialog_out, end));
	memset(out->sms, 0, strnlen(out->sms, sizeof(out->sms)));
	memset(out->sms2, 0, strnlen(out->sms2, sizeof(out->sms2)));
	memset(&out->sms_kind, 0, sizeof(*out) -
	    offsetof(struct dialog_out, sms_kind));
}

void
dialog_begin(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const struct parse_dial *dial,
    struct dialog_out *out)
{
	struct dialog_ctx	c = { d, conf, cat, out };
	int		nargs = 0;

	memset(d, 0, sizeof(*d));
	dialog_out_reset(out);
	d->step = DIALOG_S_LANG;
	if (dial != NULL) {
		nargs = dial->nargs;
		if (nargs < 0)
			nargs = 0;
		if (nargs > PARSE_DIAL_MAXARGS)
			nargs = PARSE_DIAL_MAXARGS;
	}
	if (nargs > 0 || dialog_nlangs(conf) == 1)
		dialog_conf_lang(conf, cat, 0, d->lang);
	if (nargs > 0)
		apply_args(d, conf, dial, nargs);
	if (d->lang[0] == '\0')
		dialog_ask(&c, NULL);
	else
		dialog_advance(&c);
}

void
dialog_begin_fields(struct dialog *d, const struct dialog_conf *conf,
    const struct catalog *cat, const char *lang, enum dialog_channel channel,
    enum parse_idtype idtype, const char *idnum,
    const struct parse_date *expiry, const struct parse_date *birth,
    struct dialog_out *out)
{
	struct dialog_ctx	c = { d, conf, cat, out };
	char		l[CATALOG_LANG_MAX];
	int		i;

	memset(d, 0, sizeof(*d));
	dialog_out_reset(out);
	d->channel = channel == DIALOG_CH_SMS ? DIALOG_CH_SMS : DIALOG_CH_USSD;
	d->step = DIALOG_S_IDTYPE;
	dialog_conf_lang(conf, cat, 0, d->lang);
	for (i = 0; lang != NULL && i < dialog_nlangs(conf); i++) {
		dialog_conf_lang(conf, cat, i, l);
		if (strncmp(l, lang, sizeof(l)) == 0)
			memcpy(d->lang, l, sizeof(l));
	}
	if (idtype >= PARSE_ID_CIN && idtype <= PARSE_ID_PASSPORT)
		d->idtype = idtype;
	if (idnum != NULL && (strnlen(idnum, 64) == 64 || parse_id_number(idnum,
	    d->idnum, sizeof(d->idnum)) == -1))
		memset(d->idnum, 0, sizeof(d->idnum));
	if (expiry != NULL && date_ok(expiry))
		d->expiry = *expiry;
	if (birth != NULL && birth_ok(conf, birth))
		d->birth = *birth;
	dialog_advance(&c);
}

/* ---- SMS bodies for the gateway ---- */

/* The value of 1..6 digits. */
static long
digits_value(const char *s)
{
	long	v = 0;

	for (; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (*s - '0');
	return v;
}

int
dialog_render(const struct catalog *cat, const char *lang, const char *key,
    const char *const *kv, char *out, size_t outsz)
{
	struct dialog_var	 v[DIALOG_RENDER_VARS];
	char			 pl[DIALOG_RENDER_VARS][64];
	struct tbuf		 b;
	const char		*t = NULL, *tl = lang;
	int			 nv = 0;

	if (out == NULL || outsz == 0)
		return -1;
	out[0] = '\0';
	if (cat == NULL || key == NULL)
		return -1;
	if (lang != NULL)
		t = catalog_get(cat, lang, key);
	if (t == NULL) {
		tl = "fr";
		if ((t = catalog_get(cat, "fr", key)) == NULL)
			return -1;
	}
	for (; kv != NULL && kv[0] != NULL; kv += 2) {
		if (kv[1] == NULL || nv == DIALOG_RENDER_VARS)
			return -1;
		v[nv] = (struct dialog_var){ kv[0], kv[1], 0 };
		/* A count of minutes or seconds in the language's plural. */
		if ((strcmp(kv[0], "minutes") == 0 || strcmp(kv[0], "s") == 0) &&
		    dialog_digits_ok(kv[1], 8, 1, 6)) {
			tbuf_init(&b, pl[nv], sizeof(pl[nv]));
			dialog_plural(cat, tl, kv[0][0] == 'm' ? "minutes" :
			    "seconds", digits_value(kv[1]), &b);
			if (tbuf_end(&b) == 0)
				v[nv].value = pl[nv];
		}
		nv++;
	}
	tbuf_init(&b, out, outsz);
	dialog_subst(&b, t, v, nv);
	if (tbuf_end(&b) == -1) {
		/* Half a body may hold half a secret. */
		explicit_bzero(out, outsz);
		return -1;
	}
	return 0;
}
