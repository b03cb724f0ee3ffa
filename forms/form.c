#include "forms/form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/base/hidden.h"
#include "core/base/kini.h"
#include "core/base/names.h"

ENUM_DEFINE_WORD(field_type, FIELD_TYPES, "?")
ENUM_DEFINE_KEY(field_message, FIELD_MESSAGES, "field.unknown")

/* ---- loading ---- */

static void field_free(field_spec *f)
{
	free(f->id);
	for (int l = 0; l < LANG_COUNT; l++)
		free(f->label[l]);
	kini_list_free(f->choices, f->n_choices);
}

void form_free(form_spec *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_fields; i++)
		field_free(&f->fields[i]);
	free(f->fields);
	free(f->id);
	free(f);
}

const field_spec *form_field(const form_spec *f, const char *id)
{
	if (!f || !id)
		return NULL;
	for (size_t i = 0; i < f->n_fields; i++)
		if (f->fields[i].id && strcmp(f->fields[i].id, id) == 0)
			return &f->fields[i];
	return NULL;
}

static const char *const field_keys[] = {
	"label.zh_CN", "label.en", "type", "required", "max_chars", "min", "max", "choices",
	NULL
};

static bool id_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* Is key given although the type does not use it, or missing although it does? */
static int key_for_type(const kini_doc *d, const kini_section *s, const char *key, bool used,
			const char *type, kerr *err)
{
	const kini_entry *e = kini_find(s, key);
	if (e && !used)
		return kerr_setf(err, d->path, e->line, "%s does not apply to type = %s; "
				 "remove it", key, type);
	if (!e && used) {
		kerr_setf(err, d->path, s->line, "[%s] has type = %s, which needs '%s = ...'; "
			  "add it", s->name, type, key);
		return -1;
	}
	return 0;
}

static int load_field(const kini_doc *d, const kini_section *s, field_spec *f, kerr *err)
{
	if (strcmp(s->type, "field") != 0)
		return kerr_setf(err, d->path, s->line, "unknown section type [%s]; forms.ini "
				 "holds only [field <id>] sections", s->name);
	if (!id_ok(s->arg))
		return kerr_setf(err, d->path, s->line, "[%s]: a field id is a-z, 0-9 and '_', "
				 "e.g. [field unit_name]", s->name);
	if (kini_check_keys(d, s, field_keys, err) < 0)
		return -1;
	if (!(f->id = kini_strdup(s->arg)))
		return kerr_setf(err, d->path, 0, "out of memory");
	for (int l = 0; l < LANG_COUNT; l++) {
		char key[32];
		snprintf(key, sizeof key, "label.%s", lang_name((lang)l));
		const kini_entry *e = kini_require(d, s, key, err);
		if (!e)
			return -1;
		if (!e->value[0])
			return kerr_setf(err, d->path, e->line, "%s is empty; write the label", key);
		if (!(f->label[l] = kini_strdup(e->value)))
			return kerr_setf(err, d->path, 0, "out of memory");
	}
	const kini_entry *e = kini_require(d, s, "type", err);
	if (!e)
		return -1;
	int t = field_type_from_name(e->value);
	if (t < 0)
		return kerr_setf(err, d->path, e->line, "type = '%s' is not allowed; use one of: "
				 "text, uscc, orgcode, resident_id, mobile, date, int, choice",
				 e->value);
	f->type = (field_type)t;
	if (!(e = kini_require(d, s, "required", err)))
		return -1;
	if (kini_parse_bool(e->value, &f->required) < 0)
		return kerr_setf(err, d->path, e->line, "required = '%s' is not allowed; use one "
				 "of: yes, no", e->value);

	const char *tn = field_type_name(f->type);
	if (key_for_type(d, s, "max_chars", f->type == FT_TEXT, tn, err) < 0 ||
	    key_for_type(d, s, "min", f->type == FT_INT, tn, err) < 0 ||
	    key_for_type(d, s, "max", f->type == FT_INT, tn, err) < 0 ||
	    key_for_type(d, s, "choices", f->type == FT_CHOICE, tn, err) < 0)
		return -1;
	long v;
	if (f->type == FT_TEXT) {
		e = kini_find(s, "max_chars");
		if (kini_parse_long(e->value, 1, 10000, &v) < 0)
			return kerr_setf(err, d->path, e->line, "max_chars = '%s': must be a whole "
					 "number from 1 to 10000", e->value);
		f->max_chars = (int)v;
	}
	if (f->type == FT_INT) {
		e = kini_find(s, "min");
		if (kini_parse_long(e->value, -2000000000L, 2000000000L, &f->min) < 0)
			return kerr_setf(err, d->path, e->line, "min = '%s': must be a whole number",
					 e->value);
		e = kini_find(s, "max");
		if (kini_parse_long(e->value, -2000000000L, 2000000000L, &f->max) < 0)
			return kerr_setf(err, d->path, e->line, "max = '%s': must be a whole number",
					 e->value);
		if (f->min > f->max)
			return kerr_setf(err, d->path, e->line, "max = %ld is less than min = %ld",
					 f->max, f->min);
	}
	if (f->type == FT_CHOICE) {
		e = kini_find(s, "choices");
		if (kini_split_list(e->value, &f->choices, &f->n_choices) < 0 || !f->n_choices)
			return kerr_setf(err, d->path, e->line, "choices: list the allowed ids "
					 "separated by commas, e.g. 'unit, expert'");
		for (size_t i = 0; i < f->n_choices; i++) {
			if (!id_ok(f->choices[i]))
				return kerr_setf(err, d->path, e->line, "choices: '%s' is not an id "
						 "(a-z, 0-9, '_')", f->choices[i]);
			for (size_t j = 0; j < i; j++)
				if (strcmp(f->choices[i], f->choices[j]) == 0)
					return kerr_setf(err, d->path, e->line, "choices: '%s' is "
							 "listed twice", f->choices[i]);
		}
	}
	return 0;
}

form_spec *form_load(const char *dir, kerr *err)
{
	size_t n = strlen(dir) + sizeof "/forms.ini";
	char *path = malloc(n);
	if (!path) {
		kerr_set(err, dir, "out of memory");
		return NULL;
	}
	snprintf(path, n, "%s/forms.ini", dir);
	kini_doc *d = kini_load(path, err);
	free(path);
	if (!d)
		return NULL;
	form_spec *f = calloc(1, sizeof *f);
	if (!f || !(f->id = kini_strdup("case")) ||
	    !(f->fields = calloc(d->n_sections ? d->n_sections : 1, sizeof *f->fields))) {
		kerr_setf(err, d->path, 0, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < d->n_sections; i++) {
		f->n_fields++;
		if (load_field(d, &d->sections[i], &f->fields[i], err) < 0)
			goto fail;
	}
	if (!f->n_fields) {
		kerr_setf(err, d->path, 0, "no [field <id>] sections; the case form needs its "
			  "fields");
		goto fail;
	}
	kini_free(d);
	return f;
fail:
	form_free(f);
	kini_free(d);
	return NULL;
}

/* ---- checking ---- */

/* Decode one UTF-8 character; returns its length, 0 for a malformed one. */
static size_t utf8_char(const unsigned char *p, size_t avail, long *cp)
{
	size_t bad;
	size_t len = p[0] < 0x80 ? 1 : p[0] >= 0xF0 ? 4 : p[0] >= 0xE0 ? 3 : 2;
	if (len > avail || !kini_utf8_valid((const char *)p, len, &bad))
		return 0;
	long c = len == 1 ? p[0] : p[0] & (0x3F >> (len - 1));
	for (size_t k = 1; k < len; k++)
		c = (c << 6) | (p[k] & 0x3F);
	*cp = c;
	return len;
}

static bool trim_space(const unsigned char *p, size_t avail, size_t *len)
{
	if (avail >= 1 && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\v' ||
			   *p == '\f')) {
		*len = 1;
		return true;
	}
	if (avail >= 3 && p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) { /* U+3000 */
		*len = 3;
		return true;
	}
	return false;
}

/* The value without surrounding ASCII white space and ideographic spaces. */
static void trim(const char *v, const char **b, size_t *n)
{
	const unsigned char *s = (const unsigned char *)v;
	size_t len = strlen(v), k;
	while (len && trim_space(s, len, &k)) {
		s += k;
		len -= k;
	}
	for (;;) {
		if (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' ||
			    s[len - 1] == '\n' || s[len - 1] == '\v' || s[len - 1] == '\f'))
			len--;
		else if (len >= 3 && s[len - 3] == 0xE3 && s[len - 2] == 0x80 && s[len - 1] == 0x80)
			len -= 3;
		else
			break;
	}
	*b = (const char *)s;
	*n = len;
}

/* A real date as the clerk types it (core/base/civil.h: 2024-03-01,
 * 2024/3/1, 20240301), into *day. */
static bool real_date(const char *s, size_t n, long *day)
{
	char t[16];
	if (n >= sizeof t)
		return false;
	memcpy(t, s, n);
	t[n] = '\0';
	return civil_parse_typed(t, day);
}

typedef struct check {
	const char *key;          /* message key, NULL when fine */
	int len, want_len, pos;
	char got[16], want[4], date[11];
	hidden_char hidden;       /* FM_HIDDEN_CHAR: which character */
} check;

static void render(const field_spec *fs, const check *ck, const strings *str, lang lg,
		   char *msg, size_t msg_n)
{
	if (!msg || !msg_n)
		return;
	const char *label = (unsigned)lg < LANG_COUNT && fs->label[lg] ? fs->label[lg] :
			    fs->label[LANG_ZH] ? fs->label[LANG_ZH] : fs->id;
	char len[16], want_len[16], pos[16], min[24], max[24], choices[256];
	snprintf(len, sizeof len, "%d", ck->len);
	snprintf(want_len, sizeof want_len, "%d", ck->want_len);
	snprintf(pos, sizeof pos, "%d", ck->pos);
	snprintf(min, sizeof min, "%ld", fs->min);
	snprintf(max, sizeof max, "%ld", fs->max);
	size_t used = 0;
	choices[0] = '\0';
	for (size_t i = 0; i < fs->n_choices && used < sizeof choices; i++) {
		int w = snprintf(choices + used, sizeof choices - used, "%s%s", i ? ", " : "",
				 fs->choices[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	/* the hidden character's name in the clerk's language */
	char name[128] = "";
	if (ck->hidden != HC_NONE)
		strings_render(str, hidden_char_key(ck->hidden), NULL, name, sizeof name);
	const str_var vars[] = {
		{ "field", label }, { "len", len }, { "want_len", want_len }, { "pos", pos },
		{ "got", ck->got }, { "want", ck->want }, { "date", ck->date }, { "min", min },
		{ "max", max }, { "choices", choices }, { "char", name }, { NULL, NULL }
	};
	strings_render(str, ck->key, vars, msg, msg_n);
}

static void from_val(check *ck, const val_result *r)
{
	ck->key = val_reason_key(r->reason);
	ck->len = r->len;
	ck->want_len = r->want_len;
	ck->pos = r->pos;
	snprintf(ck->got, sizeof ck->got, "%s", r->got);
	snprintf(ck->want, sizeof ck->want, "%s", r->want);
	snprintf(ck->date, sizeof ck->date, "%s", r->date);
}

/* Copy b[0..n) as the got text, cut on a character boundary. */
static void set_got(check *ck, const char *b, size_t n)
{
	size_t k = n < sizeof ck->got - 1 ? n : sizeof ck->got - 1;
	while (k < n && k > 0 && ((unsigned char)b[k] & 0xC0) == 0x80)
		k--;
	memcpy(ck->got, b, k);
	ck->got[k] = '\0';
}

static void check_text(const field_spec *fs, const char *b, size_t n, check *ck)
{
	const unsigned char *p = (const unsigned char *)b;
	int chars = 0;
	for (size_t i = 0; i < n;) {
		long cp = 0;
		size_t k = utf8_char(p + i, n - i, &cp);
		chars++;
		if (!k) {
			ck->key = field_message_key(FM_BAD_UTF8);
			ck->pos = chars;
			snprintf(ck->got, sizeof ck->got, "\\x%02X", p[i]);
			return;
		}
		if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
			ck->key = val_reason_key(VAL_BAD_CHAR);
			ck->pos = chars;
			snprintf(ck->got, sizeof ck->got, "U+%04lX", (unsigned long)cp);
			return;
		}
		/* invisible, or reorders what is around it on a screen or a slip */
		hidden_char h = hidden_char_of(cp);
		if (h != HC_NONE) {
			ck->key = field_message_key(FM_HIDDEN_CHAR);
			ck->pos = chars;
			ck->hidden = h;
			snprintf(ck->got, sizeof ck->got, "U+%04lX", (unsigned long)cp);
			return;
		}
		i += k;
	}
	ck->len = chars;
	if (chars > fs->max_chars) {
		ck->key = field_message_key(FM_TOO_LONG);
		ck->want_len = fs->max_chars;
	}
}

bool form_check_field(const field_spec *fs, const char *value, int today_ymd,
		      const strings *str, lang lg, char *norm, size_t norm_n,
		      char *msg, size_t msg_n)
{
	if (msg && msg_n)
		msg[0] = '\0';
	if (norm && norm_n)
		norm[0] = '\0';
	if (!fs)
		return false;
	const char *b;
	size_t n;
	trim(value ? value : "", &b, &n);
	check ck = { .hidden = HC_NONE };
	const char *out = b;  /* normalised value: b[0..out_n) or a validator's norm */
	size_t out_n = n;
	val_result r;
	char tmp[512];

	if (n == 0) {
		if (fs->required) {
			ck.key = val_reason_key(VAL_EMPTY);
			render(fs, &ck, str, lg, msg, msg_n);
			return false;
		}
		return true;
	}
	/* the validators take a C string; long values cannot be valid codes anyway */
	size_t tn = n < sizeof tmp ? n : sizeof tmp - 1;
	memcpy(tmp, b, tn);
	tmp[tn] = '\0';

	switch (fs->type) {
	case FT_TEXT:
		check_text(fs, b, n, &ck);
		break;
	case FT_USCC:
	case FT_ORGCODE:
	case FT_RESIDENT_ID:
	case FT_MOBILE: {
		bool ok = fs->type == FT_USCC ? validate_uscc(n < sizeof tmp ? tmp : b, &r) :
			  fs->type == FT_ORGCODE ? validate_orgcode(n < sizeof tmp ? tmp : b, &r) :
			  fs->type == FT_MOBILE ? validate_mobile(n < sizeof tmp ? tmp : b, &r) :
			  validate_resident_id(n < sizeof tmp ? tmp : b, today_ymd, &r);
		if (!ok) {
			from_val(&ck, &r);
		} else {
			out = r.norm;
			out_n = strlen(r.norm);
		}
		break;
	}
	case FT_DATE: {
		long day;
		if (!real_date(b, n, &day)) {
			ck.key = field_message_key(FM_BAD_DATE);
			set_got(&ck, b, n);
		} else {
			/* stored and shown as YYYY-MM-DD whatever way it was typed */
			civil_format(day, tmp, sizeof tmp);
			out = tmp;
			out_n = strlen(tmp);
		}
		break;
	}
	case FT_INT: {
		long v;
		set_got(&ck, b, n);
		if (n >= sizeof tmp || kini_parse_long(tmp, -2147483647L, 2147483647L, &v) < 0)
			ck.key = field_message_key(FM_NOT_INT);
		else if (v < fs->min || v > fs->max)
			ck.key = field_message_key(FM_OUT_OF_RANGE);
		break;
	}
	case FT_CHOICE: {
		bool hit = false;
		for (size_t i = 0; i < fs->n_choices; i++)
			if (strlen(fs->choices[i]) == n && memcmp(fs->choices[i], b, n) == 0)
				hit = true;
		if (!hit) {
			ck.key = field_message_key(FM_NOT_CHOICE);
			set_got(&ck, b, n);
		}
		break;
	}
	default:
		ck.key = val_reason_key(VAL_BAD_CHAR);
		break;
	}
	if (!ck.key && norm && norm_n) {
		if (out_n >= norm_n) {
			/* the caller's buffer is the limit; never store a cut-off value */
			const unsigned char *p = (const unsigned char *)out;
			int fit = 0, all = 0;
			size_t used = 0;
			bool full = false;
			for (size_t i = 0; i < out_n;) {
				size_t k = p[i] < 0x80 ? 1 : p[i] >= 0xF0 ? 4 : p[i] >= 0xE0 ? 3 : 2;
				if (!full && used + k <= norm_n - 1) {
					used += k;
					fit++;
				} else {
					full = true;
				}
				all++;
				i += k;
			}
			ck.key = field_message_key(FM_TOO_LONG);
			ck.want_len = fit;
			ck.len = all;
		} else {
			memcpy(norm, out, out_n);
			norm[out_n] = '\0';
		}
	}
	if (ck.key) {
		if (norm && norm_n)
			norm[0] = '\0';
		render(fs, &ck, str, lg, msg, msg_n);
		return false;
	}
	return true;
}
