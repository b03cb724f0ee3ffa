#include "core/base/strings.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/kini.h"
#include "core/base/names.h"
#include "core/base/utf8.h"

ENUM_DEFINE_WORD(lang, LANGS, "?")

typedef struct str_ent {
	char *key;
	char *val;
} str_ent;

struct strings {
	str_ent *ents;     /* file order */
	str_ent **sorted;  /* by key, for lookup */
	size_t n;
};

void strings_free(strings *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->ents[i].key);
		free(s->ents[i].val);
	}
	free(s->ents);
	free(s->sorted);
	free(s);
}

static int cmp_ent(const void *a, const void *b)
{
	return strcmp((*(str_ent *const *)a)->key, (*(str_ent *const *)b)->key);
}

static bool key_ok(const char *k)
{
	if (!*k)
		return false;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '_' ||
		      *k == '.' || *k == '-'))
			return false;
	return true;
}

strings *strings_load(const char *config_dir, lang l, kerr *err)
{
	if ((unsigned)l >= LANG_COUNT) {
		kerr_set(err, NULL, "unknown language %d", (int)l);
		return NULL;
	}
	char path[1024];
	if (snprintf(path, sizeof path, "%s/strings/%s.ini", config_dir, lang_name(l)) >=
	    (int)sizeof path) {
		kerr_set(err, config_dir, "config directory path is too long");
		return NULL;
	}
	kini_doc *d = kini_load(path, err);
	if (!d)
		return NULL;
	strings *s = calloc(1, sizeof *s);
	if (!s)
		goto oom;
	const kini_section *sec = NULL;
	for (size_t i = 0; i < d->n_sections; i++) {
		if (strcmp(d->sections[i].name, "strings") != 0) {
			kerr_setf(err, d->path, d->sections[i].line,
				  "unknown section [%s]; a strings file has one [strings] section",
				  d->sections[i].name);
			goto fail;
		}
		sec = &d->sections[i];
	}
	if (!sec) {
		kerr_setf(err, d->path, 0, "no [strings] section; start the file with [strings]");
		goto fail;
	}
	size_t n = sec->n_entries;
	s->ents = calloc(n ? n : 1, sizeof *s->ents);
	s->sorted = calloc(n ? n : 1, sizeof *s->sorted);
	if (!s->ents || !s->sorted)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		const kini_entry *e = &sec->entries[i];
		if (!key_ok(e->key)) {
			kerr_setf(err, d->path, e->line, "'%s' is not a valid string key; use "
				  "a-z, 0-9, '_', '-' and '.'", e->key);
			goto fail;
		}
		if (!e->value[0]) {
			kerr_setf(err, d->path, e->line, "text for '%s' is empty; write the "
				  "text or delete the line", e->key);
			goto fail;
		}
		s->ents[i].key = kini_strdup(e->key);
		s->ents[i].val = kini_strdup(e->value);
		s->n = i + 1;
		if (!s->ents[i].key || !s->ents[i].val)
			goto oom;
		s->sorted[i] = &s->ents[i];
	}
	qsort(s->sorted, s->n, sizeof *s->sorted, cmp_ent);
	kini_free(d);
	return s;
oom:
	kerr_setf(err, d->path, 0, "out of memory");
fail:
	strings_free(s);
	kini_free(d);
	return NULL;
}

const char *strings_get(const strings *s, const char *key)
{
	if (!s || !key)
		return NULL;
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(key, s->sorted[mid]->key);
		if (c == 0)
			return s->sorted[mid]->val;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

size_t strings_count(const strings *s)
{
	return s ? s->n : 0;
}

const char *strings_key(const strings *s, size_t i)
{
	return s && i < s->n ? s->ents[i].key : NULL;
}

typedef struct outbuf {
	char *buf;
	size_t n, used;
	bool full;
} outbuf;

/* Append len bytes; when they do not fit, cut before the first UTF-8
 * character that would not fit whole and stop appending for good, so the
 * result never ends in half a character or skips a piece in the middle. */
static void put(outbuf *o, const char *s, size_t len)
{
	if (o->full)
		return;
	size_t room = o->n - 1 - o->used;
	if (len > room) {
		size_t k = room;
		while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
			k--;
		len = k;
		o->full = true;
	}
	memcpy(o->buf + o->used, s, len);
	o->used += len;
	o->buf[o->used] = '\0';
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

const char *strings_render(const strings *s, const char *key, const str_var *vars,
			   char *buf, size_t n)
{
	if (!buf || n == 0)
		return buf;
	const char *text = strings_get(s, key);
	if (text)
		return strings_render_text(text, vars, buf, n);
	outbuf o = { buf, n, 0, false };
	buf[0] = '\0';
	put(&o, "[", 1);
	put(&o, key ? key : "(null)", strlen(key ? key : "(null)"));
	put(&o, "]", 1);
	return buf;
}

const char *strings_render_text(const char *text, const str_var *vars, char *buf, size_t n)
{
	if (!buf || n == 0)
		return buf;
	outbuf o = { buf, n, 0, false };
	buf[0] = '\0';
	if (!text)
		return buf;
	const char *lit = text;
	const char *p = text;
	while (*p) {
		if (*p != '{') {
			p++;
			continue;
		}
		const char *q = p + 1;
		while (name_char(*q))
			q++;
		const str_var *hit = NULL;
		if (*q == '}' && q > p + 1 && vars) {
			size_t nl = (size_t)(q - p - 1);
			for (const str_var *v = vars; v->name; v++)
				if (strlen(v->name) == nl && memcmp(v->name, p + 1, nl) == 0) {
					hit = v;
					break;
				}
		}
		if (!hit) {
			p++;
			continue;
		}
		put(&o, lit, (size_t)(p - lit));
		const char *val = hit->value ? hit->value : "";
		put(&o, val, strlen(val));
		p = q + 1;
		lit = p;
	}
	put(&o, lit, (size_t)(p - lit));
	return buf;
}

/* Whether text ends with a character of the CJK blocks or full-width forms
 * (U+2E80..U+9FFF, U+F900..U+FAFF, U+FE30..U+FE4F, U+FF00..U+FFEF). */
static bool ends_wide(const char *text)
{
	long last = 0;
	for (size_t i = 0, len = strlen(text); i < len;) {
		long cp;
		size_t k = utf8_next(text + i, len - i, &cp);
		last = cp;
		i += k ? k : 1;
	}
	return (last >= 0x2E80 && last <= 0x9FFF) || (last >= 0xF900 && last <= 0xFAFF) ||
	       (last >= 0xFE30 && last <= 0xFE4F) || (last >= 0xFF00 && last <= 0xFFEF);
}

const char *strings_join(const char *a, const char *b, char *buf, size_t n)
{
	a = a ? a : "";
	b = b ? b : "";
	const char *sep = *a && *b && !ends_wide(a) ? " " : "";
	snprintf(buf, n, "%s%s%s", a, sep, b);
	return buf;
}
