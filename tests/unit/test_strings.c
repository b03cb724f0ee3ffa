/* test_strings: the UI string files load, lookups work, {name} rendering fills
 * only known names, truncation never cuts a UTF-8 character, and every fault
 * in a strings file names file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/base/strings.h"
#include "tests/unit/testutil.h"

static void lang_names(void **state)
{
	(void)state;
	assert_int_equal(lang_from_name("zh_CN"), LANG_ZH);
	assert_int_equal(lang_from_name("en"), LANG_EN);
	assert_int_equal(lang_from_name("zh"), -1);
	assert_int_equal(lang_from_name("EN"), -1);
	assert_int_equal(lang_from_name(NULL), -1);
	assert_string_equal(lang_name(LANG_ZH), "zh_CN");
	assert_string_equal(lang_name(LANG_EN), "en");
	assert_string_equal(lang_name((lang)7), "?");
}

static void shipped_render(void **state)
{
	(void)state;
	kerr err = { { 0 }, { 0 } };
	strings *zh = strings_load(KIOSK_CONFIG_DIR, LANG_ZH, &err);
	if (!zh)
		fail_msg("%s: %s", err.where, err.msg);
	strings *en = strings_load(KIOSK_CONFIG_DIR, LANG_EN, &err);
	if (!en)
		fail_msg("%s: %s", err.where, err.msg);
	assert_true(strings_count(zh) > 50);
	assert_int_equal(strings_count(zh), strings_count(en));
	assert_string_equal(strings_key(zh, 0), "val.ok"); /* file order */
	assert_null(strings_key(zh, strings_count(zh)));
	assert_string_equal(strings_get(zh, "status.rongque"), "容缺受理");
	assert_null(strings_get(zh, "no.such.key"));

	const str_var v[] = { { "field", "统一社会信用代码" }, { "pos", "18" }, { "want", "L" },
			      { "got", "N" }, { NULL, NULL } };
	char buf[512];
	assert_string_equal(strings_render(zh, "val.check", v, buf, sizeof buf),
			    "统一社会信用代码第18位校验码应为“L”，现为“N”，请核对证件后重新输入。");
	const str_var ve[] = { { "field", "Unified social credit code" }, { "pos", "18" },
			       { "want", "L" }, { "got", "N" }, { NULL, NULL } };
	assert_string_equal(strings_render(en, "val.check", ve, buf, sizeof buf),
			    "Unified social credit code: the check character at position 18 should "
			    "be \"L\", not \"N\"; check the document and type it again.");
	/* a missing key shows as [key] */
	assert_string_equal(strings_render(zh, "no.such.key", v, buf, sizeof buf), "[no.such.key]");
	assert_string_equal(strings_render(NULL, "k", NULL, buf, sizeof buf), "[k]");
	strings_free(zh);
	strings_free(en);
	strings_free(NULL);
}

/* A config dir with strings/<lang>.ini holding text. */
static char *dir_with(char *dir, size_t n, lang l, const char *text, size_t len)
{
	if (!tu_mkdtemp(dir, n))
		return NULL;
	char sub[600], path[700];
	tu_path(sub, sizeof sub, dir, "strings");
	if (mkdir(sub, 0700) != 0)
		return NULL;
	snprintf(path, sizeof path, "%s/%s.ini", sub, lang_name(l));
	if (!tu_write_file(path, text, len))
		return NULL;
	return dir;
}

static strings *load_text(const char *text, char *dir, size_t n)
{
	assert_non_null(dir_with(dir, n, LANG_EN, text, strlen(text)));
	kerr err = { { 0 }, { 0 } };
	strings *s = strings_load(dir, LANG_EN, &err);
	if (!s)
		fail_msg("%s: %s", err.where, err.msg);
	return s;
}

static void render_placeholders(void **state)
{
	(void)state;
	char dir[512];
	strings *s = load_text("[strings]\n"
			       "a = x {field} y {nope} {} {FIELD} {unclosed\n"
			       "b = {field}{field}{len}\n"
			       "c = 50% {0} %s %n {field\n"
			       "d = ; not a comment here\n",
			       dir, sizeof dir);
	const str_var v[] = { { "field", "F" }, { "len", NULL }, { NULL, NULL } };
	char buf[128];
	assert_string_equal(strings_render(s, "a", v, buf, sizeof buf),
			    "x F y {nope} {} {FIELD} {unclosed");
	assert_string_equal(strings_render(s, "b", v, buf, sizeof buf), "FF");
	/* config text is never a format string */
	assert_string_equal(strings_render(s, "c", v, buf, sizeof buf), "50% {0} %s %n {field");
	assert_string_equal(strings_render(s, "a", NULL, buf, sizeof buf),
			    "x {field} y {nope} {} {FIELD} {unclosed");
	assert_string_equal(strings_get(s, "d"), "; not a comment here");
	/* a value holding {field} is not expanded again */
	const str_var w[] = { { "field", "{len}" }, { "len", "9" }, { NULL, NULL } };
	assert_string_equal(strings_render(s, "b", w, buf, sizeof buf), "{len}{len}9");
	strings_free(s);
	tu_rmrf(dir);
}

static void render_truncates_on_utf8_boundary(void **state)
{
	(void)state;
	char dir[512];
	strings *s = load_text("[strings]\nzh = 中文字\nmix = ab{v}cd\n", dir, sizeof dir);
	char buf[16];
	memset(buf, 'Z', sizeof buf);
	/* 中文字 is 9 bytes: with room for 4 only 中 fits whole */
	assert_string_equal(strings_render(s, "zh", NULL, buf, 5), "中");
	assert_string_equal(strings_render(s, "zh", NULL, buf, 6), "中");
	assert_string_equal(strings_render(s, "zh", NULL, buf, 7), "中文");
	assert_string_equal(strings_render(s, "zh", NULL, buf, 9), "中文");
	assert_string_equal(strings_render(s, "zh", NULL, buf, 10), "中文字");
	assert_string_equal(strings_render(s, "zh", NULL, buf, 3), "");
	assert_string_equal(strings_render(s, "zh", NULL, buf, 1), "");
	/* nothing written at all with n == 0 */
	buf[0] = 'Q';
	strings_render(s, "zh", NULL, buf, 0);
	assert_int_equal(buf[0], 'Q');
	/* once a value is cut, nothing after it is appended (no holes) */
	const str_var v[] = { { "v", "中文" }, { NULL, NULL } };
	assert_string_equal(strings_render(s, "mix", v, buf, 7), "ab中");
	assert_string_equal(strings_render(s, "mix", v, buf, 9), "ab中文");
	assert_string_equal(strings_render(s, "mix", v, buf, 11), "ab中文cd");
	/* a missing key is cut the same way */
	assert_string_equal(strings_render(s, "missing.key", NULL, buf, 6), "[miss");
	strings_free(s);
	tu_rmrf(dir);
}

static void syntax_variations(void **state)
{
	(void)state;
	char dir[512];
	/* BOM, CRLF, comments, blank lines, spaces around '=' */
	strings *s = load_text("\xEF\xBB\xBF; comment\r\n# another\r\n\r\n[strings]\r\n"
			       "  k1   =   v1  \r\nk2=v2\r\n",
			       dir, sizeof dir);
	assert_string_equal(strings_get(s, "k1"), "v1");
	assert_string_equal(strings_get(s, "k2"), "v2");
	assert_int_equal(strings_count(s), 2);
	strings_free(s);
	tu_rmrf(dir);
}

static void expect_bad(const char *text, size_t len, int line, const char *want)
{
	char dir[512];
	assert_non_null(dir_with(dir, sizeof dir, LANG_ZH, text, len));
	kerr err = { { 0 }, { 0 } };
	strings *s = strings_load(dir, LANG_ZH, &err);
	tu_rmrf(dir);
	if (s) {
		strings_free(s);
		fail_msg("accepted: %.60s", text);
	}
	char where[64];
	if (line)
		snprintf(where, sizeof where, "/strings/zh_CN.ini:%d", line);
	else
		snprintf(where, sizeof where, "/strings/zh_CN.ini");
	if (!tu_ends_with(err.where, where) || !strstr(err.msg, want))
		fail_msg("got '%s: %s', want '...%s' and '%s'", err.where, err.msg, where, want);
}

#define BAD(text, line, want) expect_bad(text, sizeof text - 1, line, want)

static void errors_named_by_line(void **state)
{
	(void)state;
	BAD("[strings]\na = 1\n[other]\nb = 2\n", 3, "unknown section [other]");
	BAD("a = 1\n[strings]\n", 1, "before any [section]");
	BAD("[strings]\na = 1\na = 2\n", 3, "appears twice");
	BAD("[strings]\na = 1\nb =\n", 3, "text for 'b' is empty");
	BAD("[strings]\nA.b = 1\n", 2, "not a valid string key");
	BAD("[strings]\na = 1\nno equals sign\n", 3, "malformed line");
	BAD("[strings]\na = 1\n[strings\n", 3, "without a closing ']'");
	BAD("[strings]\na = \xE4\xB8\n", 2, "invalid UTF-8");
	BAD("[strings]\na = \xC0\xAF\n", 2, "invalid UTF-8");          /* overlong '/' */
	BAD("[strings]\na = \xED\xA0\x80\n", 2, "invalid UTF-8");      /* surrogate */
	BAD("[strings]\na = ok\nb = x\0y\n", 3, "NUL byte");
	BAD("; nothing\n", 0, "no [strings] section");
	BAD("[strings]\n[strings]\n", 2, "duplicate section [strings]");
}

static void line_length_boundary(void **state)
{
	(void)state;
	/* "k = " + value: exactly 4096 bytes is accepted, 4097 refused */
	size_t cap = 5000;
	char *t = malloc(cap);
	assert_non_null(t);
	for (int extra = 0; extra <= 1; extra++) {
		size_t n = 0;
		n += (size_t)sprintf(t, "[strings]\nshort = s\nk = ");
		size_t line_start = strlen("[strings]\nshort = s\n");
		size_t want = 4096 + (size_t)extra;
		while (n - line_start < want)
			t[n++] = 'v';
		t[n++] = '\r'; /* the line end does not count */
		t[n++] = '\n';
		t[n] = '\0';
		char dir[512];
		assert_non_null(dir_with(dir, sizeof dir, LANG_ZH, t, n));
		kerr err = { { 0 }, { 0 } };
		strings *s = strings_load(dir, LANG_ZH, &err);
		tu_rmrf(dir);
		if (!extra) {
			if (!s)
				fail_msg("4096-byte line refused: %s: %s", err.where, err.msg);
			assert_int_equal(strlen(strings_get(s, "k")), 4096 - 4);
			strings_free(s);
		} else {
			assert_null(s);
			assert_true(tu_ends_with(err.where, "/strings/zh_CN.ini:3"));
			assert_non_null(strstr(err.msg, "4097 bytes long, more than the 4096 allowed"));
		}
	}
	free(t);
}

static void missing_file(void **state)
{
	(void)state;
	kerr err = { { 0 }, { 0 } };
	assert_null(strings_load("/nonexistent", LANG_EN, &err));
	assert_string_equal(err.where, "/nonexistent/strings/en.ini");
	assert_non_null(strstr(err.msg, "cannot open"));
	assert_null(strings_load("/nonexistent", (lang)5, &err));
}

/* Two sentences: a space after an English one, none after a Chinese one
 * (its 。 separates), nothing around an empty one. */
static void join_sentences(void **state)
{
	(void)state;
	char buf[128];
	assert_string_equal(strings_join("证书已过期。", "转为新办吗？", buf, sizeof buf),
			    "证书已过期。转为新办吗？");
	assert_string_equal(strings_join("Expired.", "Convert?", buf, sizeof buf), "Expired. Convert?");
	assert_string_equal(strings_join("订单未记录：", "disk full", buf, sizeof buf), "订单未记录：disk full");
	assert_string_equal(strings_join("单位 ABC", "x", buf, sizeof buf), "单位 ABC x");
	assert_string_equal(strings_join("", "b", buf, sizeof buf), "b");
	assert_string_equal(strings_join("a", NULL, buf, sizeof buf), "a");
	assert_string_equal(strings_join(NULL, NULL, buf, sizeof buf), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lang_names),
		cmocka_unit_test(join_sentences),
		cmocka_unit_test(shipped_render),
		cmocka_unit_test(render_placeholders),
		cmocka_unit_test(render_truncates_on_utf8_boundary),
		cmocka_unit_test(syntax_variations),
		cmocka_unit_test(errors_named_by_line),
		cmocka_unit_test(line_length_boundary),
		cmocka_unit_test(missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
