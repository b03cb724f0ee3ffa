/* testutil: helpers shared by the unit tests, header-only (static inline) so
 * each test stays one .c file. Append new helpers at the end; prefix them tu_. */
#ifndef TESTS_UNIT_TESTUTIL_H
#define TESTS_UNIT_TESTUTIL_H

#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- temporary directories and files (real files, never :memory:) ---- */

/* Make a fresh directory under $TMPDIR (or /tmp) into buf; NULL on failure. */
static inline char *tu_mkdtemp(char *buf, size_t n)
{
	const char *base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	snprintf(buf, n, "%s/kiosk-test-XXXXXX", base);
	return mkdtemp(buf);
}

static inline int tu_rm_one(const char *p, const struct stat *sb, int type, struct FTW *f)
{
	(void)sb;
	(void)type;
	(void)f;
	return remove(p);
}

/* rm -rf path (the temporary directory of a test). */
static inline void tu_rmrf(const char *path)
{
	if (path && *path)
		nftw(path, tu_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* dir/name into buf; returns buf. */
static inline const char *tu_path(char *buf, size_t n, const char *dir, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
	return buf;
}

/* Whole file into a malloc'd buffer (NUL-terminated); NULL if unreadable. */
static inline char *tu_read_file(const char *path, size_t *len)
{
	if (len)
		*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *p = malloc(cap + 1);
	size_t got;
	while (p && (got = fread(p + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *q = realloc(p, cap * 2 + 1);
			if (!q) {
				free(p);
				p = NULL;
				break;
			}
			p = q;
			cap *= 2;
		}
	}
	fclose(f);
	if (p)
		p[n] = '\0';
	if (len)
		*len = n;
	return p;
}

static inline bool tu_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	bool ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok;
}

static inline bool tu_exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

/* Do two files hold the same bytes? */
static inline bool tu_same_bytes(const void *a, size_t alen, const char *path)
{
	size_t blen = 0;
	char *b = tu_read_file(path, &blen);
	bool same = b && alen == blen && memcmp(a, b, alen) == 0;
	free(b);
	return same;
}

/* ---- config fixtures: a copy of kiosk-config/ to break one line at a time ---- */

#include <dirent.h>

/* Copy the files of src into dst (created), recursing into subdirectories. */
static inline bool tu_copy_tree(const char *src, const char *dst)
{
	if (mkdir(dst, 0700) != 0 && !tu_exists(dst))
		return false;
	DIR *d = opendir(src);
	if (!d)
		return false;
	bool ok = true;
	struct dirent *e;
	while (ok && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char s[1024], t[1024];
		tu_path(s, sizeof s, src, e->d_name);
		tu_path(t, sizeof t, dst, e->d_name);
		struct stat sb;
		if (stat(s, &sb) != 0) {
			ok = false;
		} else if (S_ISDIR(sb.st_mode)) {
			ok = tu_copy_tree(s, t);
		} else {
			size_t n = 0;
			char *buf = tu_read_file(s, &n);
			ok = buf && tu_write_file(t, buf, n);
			free(buf);
		}
	}
	closedir(d);
	return ok;
}

/* A fresh temporary copy of the shipped kiosk-config/ into buf; NULL on failure. */
static inline char *tu_config_copy(char *buf, size_t n)
{
	char tmp[512];
	if (!tu_mkdtemp(tmp, sizeof tmp))
		return NULL;
	snprintf(buf, n, "%s/cfg", tmp);
	if (!tu_copy_tree(KIOSK_CONFIG_DIR, buf)) {
		tu_rmrf(tmp);
		return NULL;
	}
	return buf;
}

/* Remove what tu_config_copy() made (the parent of the cfg directory). */
static inline void tu_config_remove(const char *cfg)
{
	char parent[1024];
	snprintf(parent, sizeof parent, "%s", cfg);
	char *slash = strrchr(parent, '/');
	if (slash && strcmp(slash, "/cfg") == 0)
		*slash = '\0';
	tu_rmrf(parent);
}

/* In file path, replace the first line equal to old (without its line end)
 * that comes after the first line equal to anchor (anchor NULL: from the top)
 * with repl (may hold '\n' for several lines; NULL deletes the line). Returns
 * the 1-based number of the replaced line, -1 if not found or on I/O error. */
static inline int tu_edit_line(const char *path, const char *anchor, const char *old,
			       const char *repl)
{
	size_t n = 0;
	char *buf = tu_read_file(path, &n);
	if (!buf)
		return -1;
	size_t cap = n + (repl ? strlen(repl) : 0) + 2;
	char *out = malloc(cap);
	if (!out) {
		free(buf);
		return -1;
	}
	size_t used = 0;
	int line = 0, hit = -1;
	bool armed = anchor == NULL;
	char *p = buf;
	while (p < buf + n) {
		char *nl = memchr(p, '\n', (size_t)(buf + n - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(buf + n - p);
		size_t full = nl ? len + 1 : len;
		line++;
		bool eq_old = hit < 0 && armed && strlen(old) == len && memcmp(p, old, len) == 0;
		if (!armed && strlen(anchor) == len && memcmp(p, anchor, len) == 0)
			armed = true;
		if (eq_old) {
			hit = line;
			if (repl) {
				size_t rl = strlen(repl);
				memcpy(out + used, repl, rl);
				used += rl;
				out[used++] = '\n';
			}
		} else {
			memcpy(out + used, p, full);
			used += full;
		}
		p += full;
	}
	bool ok = hit > 0 && tu_write_file(path, out, used);
	free(out);
	free(buf);
	return ok ? hit : -1;
}

/* 1-based number of the first line equal to text, -1 if none. */
static inline int tu_line_of(const char *path, const char *text)
{
	size_t n = 0;
	char *buf = tu_read_file(path, &n);
	if (!buf)
		return -1;
	int line = 0, hit = -1;
	char *p = buf;
	while (p < buf + n && hit < 0) {
		char *nl = memchr(p, '\n', (size_t)(buf + n - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(buf + n - p);
		line++;
		if (strlen(text) == len && memcmp(p, text, len) == 0)
			hit = line;
		p += nl ? len + 1 : len;
	}
	free(buf);
	return hit;
}

/* Does s end with suffix? */
static inline bool tu_ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

#endif
