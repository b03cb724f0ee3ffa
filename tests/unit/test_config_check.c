/* test_config_check: the whole shipped config passes with the right counts; a
 * string key the code needs, missing in one language, is named with its file;
 * each part's own fault comes through with its file:line; nothing is written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "forms/config_check.h"
#include "tests/unit/testutil.h"

static void shipped_passes(void **state)
{
	(void)state;
	config_summary s;
	kerr err = { { 0 }, { 0 } };
	if (config_check_dir(KIOSK_CONFIG_DIR, &s, &err) != 0)
		fail_msg("%s: %s", err.where, err.msg);
	assert_int_equal(s.platforms, 2);
	assert_int_equal(s.services, 15);
	assert_int_equal(s.materials, 8);
	assert_int_equal(s.holders, 3);
	assert_int_equal(s.fields, 5);
	assert_true(s.strings[LANG_ZH] > 0);
	assert_int_equal(s.strings[LANG_ZH], s.strings[LANG_EN]);
	assert_int_equal(config_check_dir(KIOSK_CONFIG_DIR, NULL, &err), 0);
}

static void required_keys_cover_tables(void **state)
{
	(void)state;
	const char *const *k = config_required_string_keys();
	size_t n = 0;
	bool saw[6] = { false };
	static const char *const probe[] = { "val.check", "rule.renew_too_early", "step.slip",
					     "role.trainer", "kind.seal_renew", "pin.too_simple" };
	for (; k[n]; n++)
		for (size_t i = 0; i < 6; i++)
			if (strcmp(k[n], probe[i]) == 0)
				saw[i] = true;
	for (size_t i = 0; i < 6; i++)
		if (!saw[i])
			fail_msg("required keys lack %s", probe[i]);
	assert_true(n > 80);
}

static void expect_fail(const char *file, const char *old, const char *repl,
			const char *where_suffix, const char *want)
{
	char dir[1024], path[1100];
	assert_non_null(tu_config_copy(dir, sizeof dir));
	tu_path(path, sizeof path, dir, file);
	if (tu_edit_line(path, NULL, old, repl) < 0)
		fail_msg("fixture: '%s' not in %s", old, file);
	kerr err = { { 0 }, { 0 } };
	config_summary s = { 0 };
	int rc = config_check_dir(dir, &s, &err);
	tu_config_remove(dir);
	assert_int_equal(rc, -1);
	assert_int_equal(s.services, 0); /* out untouched on failure */
	if (!tu_ends_with(err.where, where_suffix) || !strstr(err.msg, want))
		fail_msg("got '%s: %s', want '...%s' and '%s'", err.where, err.msg, where_suffix,
			 want);
}

static void missing_string_key_named(void **state)
{
	(void)state;
	expect_fail("strings/en.ini",
		    "val.length = {field} must have {want_len} characters, but has {len}; check "
		    "it and type it again.", NULL, "/strings/en.ini",
		    "missing 1 string key the code uses: val.length");
	expect_fail("strings/zh_CN.ini", "token.erase = 清除 Key", NULL, "/strings/zh_CN.ini",
		    "token.erase");
	expect_fail("strings/zh_CN.ini", "kind.new = 新办", "kind.nwe = 新办",
		    "/strings/zh_CN.ini", "kind.new");
	/* an extra key in one language only */
	expect_fail("strings/zh_CN.ini", "role.trainer = 培训师",
		    "role.trainer = 培训师\nextra.hello = 你好", "/strings/en.ini",
		    "missing string key 'extra.hello', which the other language has");
}

static void each_part_checked(void **state)
{
	(void)state;
	char line[64];
	char path[1100];
	tu_path(path, sizeof path, KIOSK_CONFIG_DIR, "kiosk.ini");
	snprintf(line, sizeof line, "/kiosk.ini:%d", tu_line_of(path, "window = 1"));
	expect_fail("kiosk.ini", "window = 1", "window = 0", line, "from 1 to 999");
	tu_path(path, sizeof path, KIOSK_CONFIG_DIR, "fees.ini");
	snprintf(line, sizeof line, "/fees.ini:%d", tu_line_of(path, "reissue_fen = 5000"));
	expect_fail("fees.ini", "reissue_fen = 5000", "reissue_fen = -1", line,
		    "fee must be a whole number of 分 ≥ 0");
	tu_path(path, sizeof path, KIOSK_CONFIG_DIR, "forms.ini");
	snprintf(line, sizeof line, "/forms.ini:%d", tu_line_of(path, "type = uscc"));
	expect_fail("forms.ini", "type = uscc", "type = code", line, "type = 'code'");
	/* a field the case record needs */
	expect_fail("forms.ini", "[field agent_mobile]", "[field agent_phone]", "/forms.ini",
		    "no [field agent_mobile]");
	expect_fail("forms.ini", "type = uscc", "type = orgcode", "/forms.ini",
		    "the case stores it as type uscc");
	/* what the clerk may type must fit what the case keeps (255 bytes) */
	expect_fail("forms.ini", "max_chars = 60", "max_chars = 64", "/forms.ini",
		    "[field unit_name] has max_chars = 64; the case keeps 255 bytes, which hold "
		    "at most 63 characters");
	tu_path(path, sizeof path, KIOSK_CONFIG_DIR, "strings/en.ini");
	snprintf(line, sizeof line, "/strings/en.ini:%d", tu_line_of(path, "[strings]"));
	expect_fail("strings/en.ini", "[strings]", "[string]", line, "unknown section [string]");
}

static void nothing_written(void **state)
{
	(void)state;
	char dir[1024];
	assert_non_null(tu_config_copy(dir, sizeof dir));
	char path[1100];
	tu_path(path, sizeof path, dir, "services.ini");
	size_t n;
	char *before = tu_read_file(path, &n);
	struct stat st0, st1;
	assert_int_equal(stat(dir, &st0), 0);
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(config_check_dir(dir, NULL, &err), 0);
	assert_true(tu_same_bytes(before, n, path));
	assert_int_equal(stat(dir, &st1), 0);
	assert_int_equal(st0.st_nlink, st1.st_nlink); /* no new subdirectory */
	assert_false(tu_exists(tu_path(path, sizeof path, dir, "kiosk.db")));
	free(before);
	tu_config_remove(dir);
	assert_int_equal(config_check_dir("", NULL, &err), -1);
	assert_int_equal(config_check_dir("/nonexistent", NULL, &err), -1);
	assert_non_null(strstr(err.where, "/nonexistent/kiosk.ini"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shipped_passes),
		cmocka_unit_test(required_keys_cover_tables),
		cmocka_unit_test(missing_string_key_named),
		cmocka_unit_test(each_part_checked),
		cmocka_unit_test(nothing_written),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
