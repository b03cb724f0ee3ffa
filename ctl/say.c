/* What kioskctl says, in the configured language: every message for a person
 * is a ctl.* key of kiosk-config/strings/<lang>.ini rendered with named
 * {placeholders} (never a config text as a printf format). The language is
 * --lang, else KIOSKCTL_LANG, else kiosk.ini's language. When the
 * configuration or its strings cannot be loaded, the few messages that can
 * still be said (the environment error, a usage line, config check's finding)
 * come from a small built-in English table. The table of strings lives for
 * the whole process (one command a process), freed at exit. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/config.h"
#include "core/base/utf8.h"
#include "ctl/ctl.h"

static strings *said;  /* the loaded strings, NULL before or when none load */
static lang said_lang = LANG_EN;

/* Built-in English for when no strings file loads; the same texts as en.ini
 * (tests/cli/test_ctl_lang.sh checks that). */
static const struct {
	const char *key, *text;
} fallback[] = {
	{ "ctl.usage", "usage: {syntax}" },
	{ "ctl.usage_hint", "Run 'kioskctl help' for the commands." },
	{ "ctl.lang_unknown", "--lang '{lang}' is not a language: use zh_CN or en" },
	{ "ctl.lang_env_unknown", "KIOSKCTL_LANG '{lang}' is not a language: use zh_CN or en" },
	{ "ctl.config.failed", "config check: {error}" },
};

static void free_said(void)
{
	strings_free(said);
	said = NULL;
}

static const char *text_of(const char *key)
{
	const char *t = strings_get(said, key);
	if (t || said)
		return t;
	for (size_t i = 0; i < sizeof fallback / sizeof *fallback; i++)
		if (strcmp(key, fallback[i].key) == 0)
			return fallback[i].text;
	return NULL;
}

const char *ctl_text(char *buf, size_t n, const char *key, const str_var *vars)
{
	const char *t = text_of(key);
	if (t)
		return strings_render_text(t, vars, buf, n);
	snprintf(buf, n, "[%s]", key);
	return buf;
}

const char *ctl_word(const char *key)
{
	const char *t = text_of(key);
	return t ? t : key;
}

const char *ctl_term(const char *key, const char *word)
{
	if (said_lang == LANG_EN || !key)
		return word;
	const char *t = text_of(key);
	return t ? t : word;
}

const char *ctl_num(long long v)
{
	/* a ring, so that several numbers fit in one message */
	static char ring[16][24];
	static unsigned next;
	char *b = ring[next++ % 16];
	snprintf(b, sizeof ring[0], "%lld", v);
	return b;
}

void ctl_say_part(FILE *f, const char *key, const str_var *vars)
{
	char buf[4096];
	fputs(ctl_text(buf, sizeof buf, key, vars), f);
}

void ctl_say(FILE *f, const char *key, const str_var *vars)
{
	ctl_say_part(f, key, vars);
	fputc('\n', f);
}

void ctl_err(const char *key, const str_var *vars)
{
	fputs("kioskctl: ", stderr);
	ctl_say(stderr, key, vars);
}

int ctl_usage(const char *key, const str_var *vars)
{
	ctl_err(key, vars);
	ctl_say(stderr, "ctl.usage_hint", NULL);
	return EXIT_USAGE;
}

int ctl_refuse(const char *key, const str_var *vars)
{
	ctl_err(key, vars);
	return EXIT_FINDING;
}

int ctl_usage_of(const char *syntax, const char *note_key)
{
	fputs("kioskctl: ", stderr);
	ctl_say(stderr, "ctl.usage", VARS(V("syntax", syntax)));
	if (note_key)
		ctl_say(stderr, note_key, NULL);
	ctl_say(stderr, "ctl.usage_hint", NULL);
	return EXIT_USAGE;
}

lang ctl_lang(void)
{
	return said_lang;
}

const strings *ctl_strings(void)
{
	return said;
}

int ctl_lang_setup(const args *a, bool tolerant)
{
	const char *flag = opt(a, "lang"), *env = getenv("KIOSKCTL_LANG");
	if (env && !*env)
		env = NULL;
	int lf = flag ? lang_from_name(flag) : -1, le = env ? lang_from_name(env) : -1;
	/* a wrong name is said in the next language that is right */
	const char *bad = flag && lf < 0 ? flag : !flag && env && le < 0 ? env : NULL;
	int asked = lf >= 0 ? lf : le;
	const char *dir = config_default_dir(opt(a, "config"));
	kerr err = { 0 };
	kiosk_config *cfg = config_load(dir, &err);
	bool have_cfg = cfg != NULL;
	lang l = asked >= 0 ? (lang)asked : cfg ? cfg->language : LANG_EN;
	config_free(cfg);
	if (have_cfg || asked >= 0) {
		kerr serr = { 0 };
		said = strings_load(dir, l, &serr);
		if (said) {
			said_lang = l;
			atexit(free_said);
		} else if (have_cfg) {
			err = serr;
		}
	}
	if (bad)
		return ctl_usage(bad == flag ? "ctl.lang_unknown" : "ctl.lang_env_unknown",
				 VARS(V("lang", bad)));
	/* config check reports a broken configuration itself (a finding) */
	if (!said && !tolerant)
		return fail_env(&err);
	return EXIT_OK;
}

/* Display columns of a UTF-8 text: East Asian wide characters (from U+1100
 * Hangul Jamo, U+2E80 on: CJK, full-width forms) take two. */
static int columns(const char *s)
{
	int w = 0;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		long cp;
		size_t k = utf8_next(s + i, n - i, &cp);
		if (k == 0)
			k = 1;
		w += (cp >= 0x1100 && cp <= 0x115F) || cp >= 0x2E80 ? 2 : 1;
		i += k;
	}
	return w;
}

const char *ctl_pad(const char *text, int width)
{
	static char ring[16][192];
	static unsigned next;
	char *b = ring[next++ % 16];
	int w = columns(text), pad = (width < 0 ? -width : width) - w;
	if (pad < 0)
		pad = 0;
	if (width < 0)
		snprintf(b, sizeof ring[0], "%*s%s", pad, "", text);
	else
		snprintf(b, sizeof ring[0], "%s%*s", text, pad, "");
	return b;
}

const char *ctl_col(const char *key, int width)
{
	return ctl_pad(ctl_word(key), width);
}
