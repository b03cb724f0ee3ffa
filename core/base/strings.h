/* strings: the UI text in each language, loaded from kiosk-config/strings/<lang>.ini,
 * looked up by key and rendered with named {placeholders}. Named placeholders
 * rather than printf formats so a config file can never be a format string.
 * strings_new() returns an owned table; strings_free() releases it. */
#ifndef CORE_STRINGS_H
#define CORE_STRINGS_H

#include <stddef.h>

#include "core/base/err.h"
#include "core/base/names.h"

/* The languages of the UI, the first the default: enum, the name of its
 * strings file. lang_name() ("?" out of range) and lang_from_name() (-1 for
 * an unknown name) come from core/base/names.h. */
#define LANGS(X)              \
	X(LANG_ZH, "zh_CN")   \
	X(LANG_EN, "en")

ENUM_DECLARE_WORD(lang, LANGS, LANG_COUNT);

typedef struct strings strings;

/* Load <dir>/strings/<lang>.ini. NULL and err filled on failure. */
strings *strings_load(const char *config_dir, lang l, kerr *err);
void strings_free(strings *s);
/* The text for key, or NULL when missing. */
const char *strings_get(const strings *s, const char *key);
/* Number of keys loaded, and the i-th key (for config check). */
size_t strings_count(const strings *s);
const char *strings_key(const strings *s, size_t i);

/* A {name} -> value pair for rendering. */
typedef struct str_var {
	const char *name;
	const char *value;
} str_var;

/* Render key's text into buf with {name} replaced from vars (NULL-name
 * terminated list). A missing key renders as "[key]" so a gap shows on screen
 * and in tests rather than an empty line; an unknown {name} is left as is.
 * Returns buf. */
const char *strings_render(const strings *s, const char *key, const str_var *vars,
			   char *buf, size_t n);
/* The same for a text that is not in a table (kioskctl's built-in English,
 * for when the strings files cannot be loaded); NULL text renders as "". */
const char *strings_render_text(const char *text, const str_var *vars, char *buf, size_t n);
/* Two sentences as one message: a space between them, except after a
 * full-width (Chinese) one, whose closing punctuation already separates
 * ("……过期。转为新办……", "... expired. Convert ..."). a or b may be NULL or
 * "". Returns buf (n > 0). */
const char *strings_join(const char *a, const char *b, char *buf, size_t n);

#endif
