/* kini: reads one kiosk-config INI file into memory with a line number on
 * every section and key, so each loader (catalog, config, strings, forms) can
 * name file:line in every error. Parsing is inih's ini_parse_stream() driven by
 * our own reader, which counts lines, refuses over-long lines, NUL bytes and
 * invalid UTF-8, and records section headers (also empty ones, which inih never
 * reports). Generic faults (malformed line, duplicate section or key, key before
 * any section) are reported here; meaning is left to the loaders.
 * kini_load() returns an owned document; kini_free() releases it. */
#ifndef CORE_KINI_H
#define CORE_KINI_H

#include <stdbool.h>
#include <stddef.h>

#include "core/base/err.h"

/* Longest line accepted, in bytes, without the line end. */
#define KINI_MAX_LINE 4096
/* Largest file accepted, in bytes (a config file, not a database). */
#define KINI_MAX_FILE (4L * 1024 * 1024)

typedef struct kini_entry {
	char *key;
	char *value;              /* whitespace-trimmed; may be "" */
	int line;
} kini_entry;

typedef struct kini_section {
	char *name;               /* the text between [ and ], trimmed */
	char *type;               /* first word of name ("service") */
	char *arg;                /* the rest, trimmed ("zc.renew"); "" if none */
	int line;
	kini_entry *entries;      /* in file order; keys are unique */
	size_t n_entries;
} kini_section;

typedef struct kini_doc {
	char *path;               /* as shown in errors */
	kini_section *sections;   /* in file order; names are unique */
	size_t n_sections;
} kini_doc;

/* Read and parse path. NULL with err ("path:line: ...") on any fault. */
kini_doc *kini_load(const char *path, kerr *err);
void kini_free(kini_doc *d);

/* The entry for key in s, or NULL. */
const kini_entry *kini_find(const kini_section *s, const char *key);
/* Like kini_find, but a missing key is an error at the section's header line. */
const kini_entry *kini_require(const kini_doc *d, const kini_section *s, const char *key,
			       kerr *err);
/* Every key of s must be in allowed (NULL-terminated); else an error at the
 * first unknown key's line listing the allowed keys. Returns 0 or -1. */
int kini_check_keys(const kini_doc *d, const kini_section *s, const char *const *allowed,
		    kerr *err);

/* Strict value parsers. 0 on success, -1 on a malformed or out-of-range value
 * (no err: the caller says what the key means). */
int kini_parse_long(const char *v, long min, long max, long *out);
/* yes|no (also true|false, 1|0). */
int kini_parse_bool(const char *v, bool *out);

/* Split a comma list into trimmed, non-empty items (owned array of owned
 * strings). An empty value gives zero items; an empty item (",,") is an error
 * (-1). Free with kini_list_free(). */
int kini_split_list(const char *v, char ***items, size_t *n);
void kini_list_free(char **items, size_t n);

/* Valid UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF)? When not,
 * *bad_at gets the 0-based byte offset of the first bad byte. */
bool kini_utf8_valid(const char *s, size_t len, size_t *bad_at);

/* strdup that returns NULL on NULL. */
char *kini_strdup(const char *s);

#endif
