/* strings: the UI text in each language, loaded from kiosk-config/strings/<lang>.ini,
 * looked up by key and rendered with named {placeholders}. Named placeholders
 * rather than printf formats so a config file can never be a format string.
 * strings_new() returns an owned table; strings_free() releases it. */
#ifndef CORE_STRINGS_H
#define CORE_STRINGS_H

#include <stddef.h>

#include "core/base/err.h"

typedef enum lang { LANG_ZH, LANG_EN, LANG_COUNT } lang;

/* "zh_CN" / "en" <-> lang; returns -1 for an unknown name. */
int lang_from_name(const char *name);
const char *lang_name(lang l);

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

#endif
