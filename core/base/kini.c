#include "core/base/kini.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* inih's knobs are process globals in Debian's build; every parse sets the ones
 * it relies on, so another user of inih in the process cannot change what a
 * config line means. Multi-line values and inline comments are off: a value is
 * exactly the rest of its line, and ';' inside a value is text. */
static void set_inih_knobs(void)
{
	ini_use_stack = true; /* line buffer of ini_max_line bytes */
	ini_max_line = KINI_MAX_LINE + 16;
	ini_stop_on_first_error = true;
	ini_allow_multiline = false;
	ini_allow_inline_comments = false;
	ini_allow_no_value = false;
	ini_allow_bom = true;
	ini_allow_realloc = false;
}

char *kini_strdup(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p)
		memcpy(p, s, n);
	return p;
}

static char *strndup_trim(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\v' ||
		     *s == '\f')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
		     s[n - 1] == '\n' || s[n - 1] == '\v' || s[n - 1] == '\f'))
		n--;
	char *p = malloc(n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

bool kini_utf8_valid(const char *str, size_t len, size_t *bad_at)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		size_t need;
		unsigned min;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
			min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			min = 0x10000;
		} else {
			goto bad;
		}
		if (len - i <= need)
			goto bad;
		unsigned cp = c & (0x3Fu >> need);
		for (size_t k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				goto bad;
			cp = (cp << 6) | (s[i + k] & 0x3Fu);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			goto bad;
		i += need + 1;
	}
	return true;
bad:
	if (bad_at)
		*bad_at = i;
	return false;
}

/* ---- the document being built ---- */

static void section_free(kini_section *s)
{
	for (size_t i = 0; i < s->n_entries; i++) {
		free(s->entries[i].key);
		free(s->entries[i].value);
	}
	free(s->entries);
	free(s->name);
	free(s->type);
	free(s->arg);
}

void kini_free(kini_doc *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_sections; i++)
		section_free(&d->sections[i]);
	free(d->sections);
	free(d->path);
	free(d);
}

typedef struct reader {
	const char *path;
	const char *buf;
	size_t len, pos;
	int line;                 /* number of the line last handed to inih */
	const char *line_text;    /* that line, in buf */
	size_t line_len;          /* without the line end */
	kini_doc *doc;
	size_t sec_cap;
	long cur;                 /* index of the current section, -1 before any */
	size_t ent_cap;
	kerr *err;
	bool failed;
} reader;

static int fail(reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(reader *r, const char *fmt, ...)
{
	if (r->failed)
		return 0;
	r->failed = true;
	char msg[sizeof r->err->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	kerr_setf(r->err, r->path, r->line, "%s", msg);
	return 0;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* A [section] header line: record it (inih only reports sections that hold a
 * key, and truncates long names). Returns false on a fault already reported. */
static bool note_header(reader *r, const char *s, size_t n)
{
	const char *close = memchr(s, ']', n);
	if (!close)
		return true; /* inih reports the missing ']' */
	for (const char *p = close + 1; p < s + n; p++) {
		if (!is_ws(*p)) {
			fail(r, "text after ']' in a section header; put only [name] on this line "
				"(comments go on their own line, starting with ; or #)");
			return false;
		}
	}
	char *raw = strndup_trim(s + 1, (size_t)(close - s - 1));
	if (!raw) {
		fail(r, "out of memory");
		return false;
	}
	if (!raw[0]) {
		free(raw);
		fail(r, "empty section header []; write the section name between the brackets");
		return false;
	}
	/* "type arg" with the spacing normalised, so [a  b] and [a b] are one name */
	size_t tl = 0;
	while (raw[tl] && !is_ws(raw[tl]))
		tl++;
	char *type = strndup_trim(raw, tl);
	char *arg = strndup_trim(raw + tl, strlen(raw + tl));
	char *name = type && arg ? malloc(strlen(type) + strlen(arg) + 2) : NULL;
	free(raw);
	if (!name) {
		free(type);
		free(arg);
		fail(r, "out of memory");
		return false;
	}
	strcpy(name, type);
	if (arg[0]) {
		strcat(name, " ");
		strcat(name, arg);
	}
	for (size_t i = 0; i < r->doc->n_sections; i++) {
		if (strcmp(r->doc->sections[i].name, name) == 0) {
			fail(r, "duplicate section [%s] (first at line %d); merge the two or remove one",
			     name, r->doc->sections[i].line);
			free(name);
			free(type);
			free(arg);
			return false;
		}
	}
	if (r->doc->n_sections == r->sec_cap) {
		size_t cap = r->sec_cap ? r->sec_cap * 2 : 16;
		kini_section *ns = realloc(r->doc->sections, cap * sizeof *ns);
		if (!ns) {
			free(name);
			free(type);
			free(arg);
			fail(r, "out of memory");
			return false;
		}
		r->doc->sections = ns;
		r->sec_cap = cap;
	}
	kini_section *sec = &r->doc->sections[r->doc->n_sections];
	memset(sec, 0, sizeof *sec);
	sec->name = name;
	sec->type = type;
	sec->arg = arg;
	sec->line = r->line;
	r->doc->n_sections++;
	r->cur = (long)r->doc->n_sections - 1;
	r->ent_cap = 0;
	return true;
}

/* fgets-like reader for ini_parse_stream: one line per call, counted. */
static char *read_line(char *str, int num, void *stream)
{
	reader *r = stream;
	if (r->failed || r->pos >= r->len)
		return NULL;
	const char *s = r->buf + r->pos;
	size_t rest = r->len - r->pos;
	const char *nl = memchr(s, '\n', rest);
	size_t total = nl ? (size_t)(nl - s) + 1 : rest; /* with the '\n' */
	size_t content = total - (nl ? 1 : 0);
	if (content && s[content - 1] == '\r')
		content--;
	r->line++;
	r->line_text = s;
	r->line_len = content;
	r->pos += total;
	if (content > KINI_MAX_LINE || total + 1 > (size_t)num) {
		fail(r, "line is %zu bytes long, more than the %d allowed; shorten the text",
		     content, KINI_MAX_LINE);
		return NULL;
	}
	if (memchr(s, '\0', total)) {
		fail(r, "line contains a NUL byte; is this a text file? Save it as UTF-8 text");
		return NULL;
	}
	size_t bad;
	if (!kini_utf8_valid(s, total, &bad)) {
		fail(r, "invalid UTF-8 at byte %zu of the line; save the file as UTF-8 "
			"(not GBK)", bad + 1);
		return NULL;
	}
	memcpy(str, s, total);
	str[total] = '\0';

	const char *p = s;
	size_t n = content;
	if (r->line == 1 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
		p += 3;
		n -= 3;
	}
	while (n && is_ws(*p)) {
		p++;
		n--;
	}
	if (n && *p == '[' && !note_header(r, p, n))
		return NULL;
	return str;
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
	(void)section; /* inih truncates long names; ours is the one the reader noted */
	reader *r = user;
	if (r->failed)
		return 0;
	if (r->cur < 0)
		return fail(r, "key '%s' comes before any [section] header; put it under "
			       "its section", name);
	if (!name[0])
		return fail(r, "a key name is missing before '='; write 'key = value'");
	kini_section *sec = &r->doc->sections[r->cur];
	const kini_entry *prev = kini_find(sec, name);
	if (prev)
		return fail(r, "key '%s' appears twice in [%s] (first at line %d); keep one",
			    name, sec->name, prev->line);
	if (sec->n_entries == r->ent_cap) {
		size_t cap = r->ent_cap ? r->ent_cap * 2 : 8;
		kini_entry *ne = realloc(sec->entries, cap * sizeof *ne);
		if (!ne)
			return fail(r, "out of memory");
		sec->entries = ne;
		r->ent_cap = cap;
	}
	kini_entry *e = &sec->entries[sec->n_entries];
	e->key = kini_strdup(name);
	e->value = kini_strdup(value);
	e->line = r->line;
	if (!e->key || !e->value) {
		free(e->key);
		free(e->value);
		return fail(r, "out of memory");
	}
	sec->n_entries++;
	return 1;
}

static char *read_file(const char *path, size_t *len, kerr *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		kerr_setf(err, path, 0, "cannot open: %s; check the config directory "
			  "(--config or $KIOSK_CONFIG)", strerror(errno));
		return NULL;
	}
	size_t cap = 8192, n = 0;
	char *buf = malloc(cap);
	if (!buf) {
		fclose(f);
		kerr_setf(err, path, 0, "out of memory");
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			if (cap > (size_t)KINI_MAX_FILE) {
				free(buf);
				fclose(f);
				kerr_setf(err, path, 0, "file is larger than %ld bytes; is this "
					  "the right file?", KINI_MAX_FILE);
				return NULL;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				fclose(f);
				kerr_setf(err, path, 0, "out of memory");
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		kerr_setf(err, path, 0, "read error");
		return NULL;
	}
	if (n > (size_t)KINI_MAX_FILE) {
		free(buf);
		kerr_setf(err, path, 0, "file is larger than %ld bytes; is this the right file?",
			  KINI_MAX_FILE);
		return NULL;
	}
	*len = n;
	return buf;
}

kini_doc *kini_load(const char *path, kerr *err)
{
	size_t len = 0;
	char *buf = read_file(path, &len, err);
	if (!buf)
		return NULL;
	kini_doc *d = calloc(1, sizeof *d);
	if (!d || !(d->path = kini_strdup(path))) {
		free(d);
		free(buf);
		kerr_setf(err, path, 0, "out of memory");
		return NULL;
	}
	reader r = { .path = path, .buf = buf, .len = len, .doc = d, .cur = -1, .err = err };
	set_inih_knobs();
	int rc = ini_parse_stream(read_line, &r, on_entry, &r);
	if (!r.failed && rc != 0) {
		if (rc > 0) {
			/* inih stops on the first error, which is the line just read */
			const char *p = r.line_text ? r.line_text : "";
			size_t n = r.line_text ? r.line_len : 0;
			while (n && is_ws(*p)) {
				p++;
				n--;
			}
			if (n && *p == '[')
				kerr_setf(err, path, rc, "section header without a closing ']'; "
					  "write [name]");
			else
				kerr_setf(err, path, rc, "malformed line; expected 'key = value', "
					  "a [section] header, or a comment starting with ; or #");
		} else {
			kerr_setf(err, path, 0, "cannot parse (inih error %d)", rc);
		}
		r.failed = true;
	}
	free(buf);
	if (r.failed) {
		kini_free(d);
		return NULL;
	}
	return d;
}

const kini_entry *kini_find(const kini_section *s, const char *key)
{
	for (size_t i = 0; i < s->n_entries; i++)
		if (strcmp(s->entries[i].key, key) == 0)
			return &s->entries[i];
	return NULL;
}

const kini_entry *kini_require(const kini_doc *d, const kini_section *s, const char *key,
			       kerr *err)
{
	const kini_entry *e = kini_find(s, key);
	if (!e)
		kerr_setf(err, d->path, s->line, "[%s] lacks the required key '%s'; add "
			  "'%s = ...' to this section", s->name, key, key);
	return e;
}

int kini_check_keys(const kini_doc *d, const kini_section *s, const char *const *allowed,
		    kerr *err)
{
	for (size_t i = 0; i < s->n_entries; i++) {
		bool ok = false;
		for (const char *const *a = allowed; *a; a++)
			if (strcmp(*a, s->entries[i].key) == 0) {
				ok = true;
				break;
			}
		if (ok)
			continue;
		char list[400];
		size_t used = 0;
		list[0] = '\0';
		for (const char *const *a = allowed; *a && used < sizeof list; a++) {
			int w = snprintf(list + used, sizeof list - used, "%s%s",
					 a == allowed ? "" : ", ", *a);
			if (w < 0)
				break;
			used += (size_t)w;
		}
		return kerr_setf(err, d->path, s->entries[i].line,
				 "unknown key '%s' in [%s]; allowed keys: %s", s->entries[i].key,
				 s->name, list);
	}
	return 0;
}

int kini_parse_long(const char *v, long min, long max, long *out)
{
	const char *p = v;
	bool neg = false;
	if (*p == '-') {
		neg = true;
		p++;
	}
	if (!*p)
		return -1;
	long acc = 0;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		int dgt = *p - '0';
		/* accumulate negatively so LONG_MIN is reachable without overflow */
		if (acc < (LONG_MIN + dgt) / 10)
			return -1;
		acc = acc * 10 - dgt;
	}
	if (!neg) {
		if (acc == LONG_MIN)
			return -1;
		acc = -acc;
	}
	if (acc < min || acc > max)
		return -1;
	*out = acc;
	return 0;
}

int kini_parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1")) {
		*out = true;
		return 0;
	}
	if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0")) {
		*out = false;
		return 0;
	}
	return -1;
}

void kini_list_free(char **items, size_t n)
{
	if (!items)
		return;
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

int kini_split_list(const char *v, char ***items, size_t *n)
{
	*items = NULL;
	*n = 0;
	const char *p = v;
	while (is_ws(*p))
		p++;
	if (!*p)
		return 0;
	size_t count = 1;
	for (const char *q = v; *q; q++)
		if (*q == ',')
			count++;
	char **out = calloc(count, sizeof *out);
	if (!out)
		return -1;
	size_t k = 0;
	const char *start = v;
	for (;;) {
		const char *end = strchr(start, ',');
		size_t len = end ? (size_t)(end - start) : strlen(start);
		char *item = strndup_trim(start, len);
		if (!item || !item[0]) {
			free(item);
			kini_list_free(out, k);
			return -1;
		}
		out[k++] = item;
		if (!end)
			break;
		start = end + 1;
	}
	*items = out;
	*n = k;
	return 0;
}
