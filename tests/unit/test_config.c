/* test_config: kiosk.ini loads with its defaults, paths are resolved (~, relative
 * to the config dir, db_file relative to data_dir), payment placeholders are
 * refused in wechat mode, and every fault names kiosk.ini:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/base/config.h"
#include "tests/unit/testutil.h"

static char saved_home[1024];
static bool had_home;

static int save_env(void **state)
{
	(void)state;
	const char *h = getenv("HOME");
	had_home = h != NULL;
	snprintf(saved_home, sizeof saved_home, "%s", h ? h : "");
	return 0;
}

static int restore_env(void **state)
{
	(void)state;
	if (had_home)
		setenv("HOME", saved_home, 1);
	else
		unsetenv("HOME");
	unsetenv("KIOSK_CONFIG");
	return 0;
}

static void shipped_defaults(void **state)
{
	(void)state;
	setenv("HOME", "/home/clerk", 1);
	kerr err = { { 0 }, { 0 } };
	kiosk_config *c = config_load(KIOSK_CONFIG_DIR, &err);
	if (!c)
		fail_msg("%s: %s", err.where, err.msg);
	assert_string_equal(c->config_dir, KIOSK_CONFIG_DIR);
	assert_string_equal(c->kiosk_id, "SCCA-CD-01");
	assert_non_null(strstr(c->site, "四川CA"));
	assert_int_equal(c->window, 1);
	assert_string_equal(c->data_dir, "/home/clerk/.local/share/kiosk");
	assert_string_equal(c->db_file, "/home/clerk/.local/share/kiosk/kiosk.db");
	assert_int_equal(c->language, LANG_ZH);
	assert_string_equal(c->reader, "");
	assert_int_equal(c->idle_lock_minutes, 5);
	assert_int_equal(c->login_max_failures, 5);
	assert_int_equal(c->login_max_wait_s, 60);
	assert_string_equal(c->print_command, "");
	assert_int_equal(c->seal_interval_minutes, 15);
	assert_string_equal(c->payment.mode, "demo");
	assert_string_equal(c->payment.base_url, "https://api.mch.weixin.qq.com");
	assert_string_equal(c->payment.appid, "CHANGE-ME");
	/* placeholders are not resolved as paths */
	assert_string_equal(c->payment.private_key_file, "CHANGE-ME");
	assert_int_equal(c->payment.order_expiry_minutes, 15);
	assert_int_equal(c->payment.poll_seconds, 3);
	config_free(c);
}

/* A config dir holding only the given kiosk.ini text. */
static char *dir_with(char *dir, size_t n, const char *ini)
{
	if (!tu_mkdtemp(dir, n))
		return NULL;
	char path[1100];
	tu_path(path, sizeof path, dir, "kiosk.ini");
	if (!tu_write_file(path, ini, strlen(ini)))
		return NULL;
	return dir;
}

static void minimal_uses_defaults(void **state)
{
	(void)state;
	setenv("HOME", "/h", 1);
	char dir[512];
	assert_non_null(dir_with(dir, sizeof dir,
				 "[kiosk]\nkiosk_id = K1\nsite = 测试窗口\nwindow = 7\n"));
	kerr err = { { 0 }, { 0 } };
	kiosk_config *c = config_load(dir, &err);
	if (!c)
		fail_msg("%s: %s", err.where, err.msg);
	assert_int_equal(c->window, 7);
	assert_string_equal(c->data_dir, "/h/.local/share/kiosk");
	assert_string_equal(c->db_file, "/h/.local/share/kiosk/kiosk.db");
	assert_int_equal(c->language, LANG_ZH);
	assert_int_equal(c->idle_lock_minutes, 5);
	assert_int_equal(c->login_max_failures, 5);
	assert_int_equal(c->login_max_wait_s, 60);
	assert_string_equal(c->print_command, "");
	assert_string_equal(c->hall_central, ""); /* no hall: the file alone */
	assert_string_equal(c->payment.mode, "demo");
	assert_string_equal(c->payment.base_url, "https://api.mch.weixin.qq.com");
	assert_string_equal(c->payment.appid, "");
	assert_int_equal(c->payment.order_expiry_minutes, 15);
	assert_int_equal(c->payment.poll_seconds, 3);
	config_free(c);
	tu_rmrf(dir);
}

static void paths_resolved(void **state)
{
	(void)state;
	setenv("HOME", "/home/x", 1);
	char dir[512];
	assert_non_null(dir_with(dir, sizeof dir,
				 "[kiosk]\nkiosk_id = K1\nsite = s\nwindow = 1\n"
				 "data_dir = data\ndb_file = db/k.sqlite\nlanguage = en\n"
				 "[payment]\nprivate_key_file = keys/k.pem\n"
				 "platform_keys_dir = ~/wx\napiv3_key_file = /etc/v3.key\n"));
	kerr err = { { 0 }, { 0 } };
	kiosk_config *c = config_load(dir, &err);
	if (!c)
		fail_msg("%s: %s", err.where, err.msg);
	char want[1200];
	snprintf(want, sizeof want, "%s/data", dir);
	assert_string_equal(c->data_dir, want);
	snprintf(want, sizeof want, "%s/data/db/k.sqlite", dir);
	assert_string_equal(c->db_file, want);
	snprintf(want, sizeof want, "%s/keys/k.pem", dir);
	assert_string_equal(c->payment.private_key_file, want);
	assert_string_equal(c->payment.platform_keys_dir, "/home/x/wx");
	assert_string_equal(c->payment.apiv3_key_file, "/etc/v3.key");
	assert_int_equal(c->language, LANG_EN);
	config_free(c);
	tu_rmrf(dir);
}

static void tilde_forms(void **state)
{
	(void)state;
	setenv("HOME", "/home/y/", 1);
	char dir[512];
	assert_non_null(dir_with(dir, sizeof dir,
				 "[kiosk]\nkiosk_id = K1\nsite = s\nwindow = 1\n"
				 "data_dir = ~\ndb_file = ~/db.sqlite\n"));
	kerr err = { { 0 }, { 0 } };
	kiosk_config *c = config_load(dir, &err);
	if (!c)
		fail_msg("%s: %s", err.where, err.msg);
	assert_string_equal(c->data_dir, "/home/y/");
	assert_string_equal(c->db_file, "/home/y/db.sqlite");
	config_free(c);
	tu_rmrf(dir);
}

static void relative_config_dir_made_absolute(void **state)
{
	(void)state;
	char dir[512];
	assert_non_null(dir_with(dir, sizeof dir,
				 "[kiosk]\nkiosk_id = K1\nsite = s\nwindow = 1\ndata_dir = d\n"));
	char cwd[1024];
	assert_non_null(getcwd(cwd, sizeof cwd));
	char *slash = strrchr(dir, '/');
	*slash = '\0';
	assert_int_equal(chdir(dir), 0);
	kerr err = { { 0 }, { 0 } };
	kiosk_config *c = config_load(slash + 1, &err);
	assert_int_equal(chdir(cwd), 0);
	*slash = '/';
	if (!c)
		fail_msg("%s: %s", err.where, err.msg);
	assert_true(c->config_dir[0] == '/');
	char want[1200];
	snprintf(want, sizeof want, "%s/d", dir);
	assert_string_equal(c->data_dir, want);
	config_free(c);
	tu_rmrf(dir);
}

/* Load ini text and expect failure at kiosk.ini:line with want in the message. */
static void expect_bad(const char *ini, int line, const char *want)
{
	char dir[512];
	assert_non_null(dir_with(dir, sizeof dir, ini));
	kerr err = { { 0 }, { 0 } };
	kiosk_config *c = config_load(dir, &err);
	tu_rmrf(dir);
	if (c) {
		config_free(c);
		fail_msg("accepted: %s", ini);
	}
	char where[64];
	if (line)
		snprintf(where, sizeof where, "/kiosk.ini:%d", line);
	else
		snprintf(where, sizeof where, "/kiosk.ini");
	if (!tu_ends_with(err.where, where) || !strstr(err.msg, want))
		fail_msg("got '%s: %s', want '...%s' and '%s'", err.where, err.msg, where, want);
}

#define BASE "[kiosk]\nkiosk_id = K1\nsite = s\nwindow = 1\n"

static void errors_named_by_line(void **state)
{
	(void)state;
	setenv("HOME", "/h", 1);
	expect_bad(BASE "[printer]\ncommand = lp\n", 5, "unknown section [printer]");
	expect_bad(BASE "idle_minutes = 5\n", 5, "unknown key 'idle_minutes'");
	expect_bad(BASE "[payment]\nmod = demo\n", 6, "unknown key 'mod' in [payment]");
	expect_bad(BASE "idle_lock_minutes = five\n", 5,
		   "idle_lock_minutes = 'five': must be a whole number from 1 to 240");
	expect_bad(BASE "idle_lock_minutes = 0\n", 5, "from 1 to 240");
	expect_bad(BASE "idle_lock_minutes = 241\n", 5, "from 1 to 240");
	expect_bad("[kiosk]\nkiosk_id = K1\nsite = s\nwindow = 1000\n", 4, "from 1 to 999");
	expect_bad("[kiosk]\nkiosk_id = K1\nsite = s\nwindow = -1\n", 4, "from 1 to 999");
	expect_bad("[kiosk]\nkiosk_id = K1\nsite = s\n", 1, "lacks the required key 'window'");
	expect_bad("\n[kiosk]\nsite = s\nwindow = 1\n", 2, "lacks the required key 'kiosk_id'");
	expect_bad("[kiosk]\nkiosk_id = K1\nwindow = 1\n", 1, "lacks the required key 'site'");
	expect_bad("[kiosk]\nkiosk_id = K 1\nsite = s\nwindow = 1\n", 2, "kiosk_id = 'K 1'");
	expect_bad("[kiosk]\nkiosk_id = 1234567890123456789012345\nsite = s\nwindow = 1\n", 2,
		   "1 to 24");
	expect_bad("[kiosk]\nkiosk_id = K1\nsite =\nwindow = 1\n", 3, "site is empty");
	expect_bad(BASE "language = fr\n", 5, "language = 'fr' is not allowed; use one of: "
		   "zh_CN, en");
	expect_bad(BASE "reader = a\nreader = b\n", 6, "appears twice");
	expect_bad(BASE "reader\n", 5, "malformed line");
	expect_bad("[login]\nmax_failures = 3\n", 0, "no [kiosk] section");
	expect_bad(BASE "[login]\nmax_failures = 0\n", 6, "from 1 to 20");
	/* the wait is capped at a minute: no storm of wrong PINs keeps a
	 * supervisor out longer; the old hard lock's key is refused in words */
	expect_bad(BASE "[login]\nmax_wait_seconds = 61\n", 6, "from 1 to 60");
	expect_bad(BASE "[login]\nmax_wait_seconds = 0\n", 6, "from 1 to 60");
	expect_bad(BASE "[login]\nmax_failures = 5\nlock_minutes = 15\n", 7,
		   "lock_minutes is no longer read");
	expect_bad(BASE "data_dir = ~clerk/kiosk\n", 5, "'~user' is not supported");
	expect_bad(BASE "[payment]\nmode = paypal\n", 6,
		   "mode = 'paypal' is not allowed; use one of: demo, wechat");
	expect_bad(BASE "[payment]\npoll_seconds = 0\n", 6, "from 1 to 60");
	expect_bad(BASE "[payment]\norder_expiry_minutes = 1.5\n", 6, "whole number");
	expect_bad(BASE "[audit]\nseal_interval_minutes = 0\n", 6, "from 1 to 1440");
	expect_bad(BASE "[audit]\nseal_interval_minutes = 1441\n", 6, "from 1 to 1440");
	expect_bad(BASE "[audit]\nseal_interval = 5\n", 6, "unknown key 'seal_interval' in [audit]");
}

/* [hall] central: the hall's PostgreSQL as a libpq connection string, kept
 * as written (it is not a path); a key other than central is refused. */
static void hall_section(void **state)
{
	(void)state;
	setenv("HOME", "/h", 1);
	char dir[512];
	assert_non_null(dir_with(dir, sizeof dir,
				 BASE "[hall]\ncentral = host=/run/hall dbname=hall user=kiosk_K1\n"));
	kerr err = { { 0 }, { 0 } };
	kiosk_config *c = config_load(dir, &err);
	if (!c)
		fail_msg("%s: %s", err.where, err.msg);
	assert_string_equal(c->hall_central, "host=/run/hall dbname=hall user=kiosk_K1");
	config_free(c);
	tu_rmrf(dir);
	expect_bad(BASE "[hall]\nserver = x\n", 6, "unknown key 'server' in [hall]");
}

/* The CA's choice for a key with PIV alone: refuse unless it says accept;
 * any other word is named by its line. */
static void piv_only_keys(void **state)
{
	(void)state;
	setenv("HOME", "/h", 1);
	const char *inis[] = { BASE, BASE "piv_only_keys = refuse\n", BASE "piv_only_keys = accept\n" };
	for (size_t i = 0; i < 3; i++) {
		char dir[512];
		assert_non_null(dir_with(dir, sizeof dir, inis[i]));
		kerr err = { { 0 }, { 0 } };
		kiosk_config *c = config_load(dir, &err);
		if (!c)
			fail_msg("%s: %s", err.where, err.msg);
		assert_int_equal(c->piv_only_accept, i == 2);
		config_free(c);
		tu_rmrf(dir);
	}
	expect_bad(BASE "piv_only_keys = yes\n", 5, "piv_only_keys = 'yes' is not allowed");
}

static void home_missing(void **state)
{
	(void)state;
	unsetenv("HOME");
	char dir[512];
	assert_non_null(dir_with(dir, sizeof dir, BASE "data_dir = ~/k\n"));
	kerr err = { { 0 }, { 0 } };
	kiosk_config *c = config_load(dir, &err);
	/* falls back to the password database; either a path or a clear error */
	if (c) {
		assert_true(c->data_dir[0] == '/');
		assert_true(tu_ends_with(c->data_dir, "/k"));
		config_free(c);
	} else {
		assert_non_null(strstr(err.msg, "no home directory"));
	}
	tu_rmrf(dir);
}

#define WECHAT                                                                  \
	BASE "[payment]\nmode = wechat\nbase_url = https://api.mch.weixin.qq.com\n" \
	"appid = wx1234567890abcdef\nmchid = 1900000001\nmerchant_serial = 5157F09E\n" \
	"private_key_file = keys/apiclient_key.pem\nplatform_keys_dir = keys/wx\n"  \
	"apiv3_key_file = keys/v3.key\nnotify_url = https://kiosk.example.com/notify\n"

static void wechat_mode(void **state)
{
	(void)state;
	char dir[512];
	assert_non_null(dir_with(dir, sizeof dir, WECHAT));
	kerr err = { { 0 }, { 0 } };
	kiosk_config *c = config_load(dir, &err);
	if (!c)
		fail_msg("%s: %s", err.where, err.msg);
	assert_string_equal(c->payment.mode, "wechat");
	assert_string_equal(c->payment.mchid, "1900000001");
	char want[1200];
	snprintf(want, sizeof want, "%s/keys/apiclient_key.pem", dir);
	assert_string_equal(c->payment.private_key_file, want);
	config_free(c);
	tu_rmrf(dir);

	/* the simulator on loopback may be plain http */
	assert_non_null(dir_with(dir, sizeof dir, WECHAT "[print]\n"));
	char path[1100];
	tu_path(path, sizeof path, dir, "kiosk.ini");
	assert_true(tu_edit_line(path, NULL, "base_url = https://api.mch.weixin.qq.com",
				 "base_url = http://127.0.0.1:18443") > 0);
	c = config_load(dir, &err);
	if (!c)
		fail_msg("%s: %s", err.where, err.msg);
	assert_string_equal(c->payment.base_url, "http://127.0.0.1:18443");
	config_free(c);
	tu_rmrf(dir);
}

static void wechat_refuses_placeholders(void **state)
{
	(void)state;
	/* the shipped file switched to wechat: refused at the first placeholder */
	char dir[1024], path[1100];
	assert_non_null(tu_config_copy(dir, sizeof dir));
	tu_path(path, sizeof path, dir, "kiosk.ini");
	assert_true(tu_edit_line(path, NULL, "mode = demo", "mode = wechat") > 0);
	kerr err = { { 0 }, { 0 } };
	assert_null(config_load(dir, &err));
	char want[64];
	snprintf(want, sizeof want, "/kiosk.ini:%d", tu_line_of(path, "appid = CHANGE-ME"));
	assert_true(tu_ends_with(err.where, want));
	assert_non_null(strstr(err.msg, "mode = wechat needs appid"));
	assert_non_null(strstr(err.msg, "placeholder"));
	tu_config_remove(dir);

	expect_bad(BASE "[payment]\nmode = wechat\nappid =\n", 7, "needs appid");
	/* missing keys in wechat mode point at the section */
	expect_bad(BASE "[payment]\nmode = wechat\nappid = wx1\nmchid = 1\n"
		   "merchant_serial = s\nprivate_key_file = k\nplatform_keys_dir = d\n"
		   "apiv3_key_file = v\n", 5, "needs notify_url");
}

static void wechat_url_rules(void **state)
{
	(void)state;
	char ini[2048];
	snprintf(ini, sizeof ini, "%s", WECHAT);
	char *p = strstr(ini, "https://api.mch.weixin.qq.com");
	memcpy(p, "http://api.mch.weixin.qq.co", 27); /* same length: http:// to a remote host */
	expect_bad(ini, 7, "base_url must start with https://");
	snprintf(ini, sizeof ini, "%s", WECHAT);
	p = strstr(ini, "mchid = 1900000001");
	memcpy(p, "mchid = 19000000X1", 18);
	expect_bad(ini, 9, "digits only");
	snprintf(ini, sizeof ini, "%s", WECHAT);
	p = strstr(ini, "https://kiosk.example.com/notify");
	memcpy(p, "http://localhost.evil.example/xy", 32);
	expect_bad(ini, 14, "notify_url must start with https://");
}

static void default_dir(void **state)
{
	(void)state;
	unsetenv("KIOSK_CONFIG");
	assert_string_equal(config_default_dir(NULL), KIOSK_CONFIG_DIR);
	assert_string_equal(config_default_dir(""), KIOSK_CONFIG_DIR);
	assert_string_equal(config_default_dir("/etc/kiosk"), "/etc/kiosk");
	setenv("KIOSK_CONFIG", "/srv/kiosk", 1);
	assert_string_equal(config_default_dir(NULL), "/srv/kiosk");
	assert_string_equal(config_default_dir("/etc/kiosk"), "/etc/kiosk");
	setenv("KIOSK_CONFIG", "", 1);
	assert_string_equal(config_default_dir(NULL), KIOSK_CONFIG_DIR);
	unsetenv("KIOSK_CONFIG");
}

static void missing_file(void **state)
{
	(void)state;
	kerr err = { { 0 }, { 0 } };
	assert_null(config_load("/nonexistent/cfg", &err));
	assert_string_equal(err.where, "/nonexistent/cfg/kiosk.ini");
	assert_non_null(strstr(err.msg, "cannot open"));
	config_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(shipped_defaults, save_env, restore_env),
		cmocka_unit_test_setup_teardown(minimal_uses_defaults, save_env, restore_env),
		cmocka_unit_test_setup_teardown(paths_resolved, save_env, restore_env),
		cmocka_unit_test_setup_teardown(tilde_forms, save_env, restore_env),
		cmocka_unit_test_setup_teardown(relative_config_dir_made_absolute, save_env,
						restore_env),
		cmocka_unit_test_setup_teardown(errors_named_by_line, save_env, restore_env),
		cmocka_unit_test_setup_teardown(home_missing, save_env, restore_env),
		cmocka_unit_test_setup_teardown(wechat_mode, save_env, restore_env),
		cmocka_unit_test_setup_teardown(wechat_refuses_placeholders, save_env, restore_env),
		cmocka_unit_test_setup_teardown(wechat_url_rules, save_env, restore_env),
		cmocka_unit_test_setup_teardown(default_dir, save_env, restore_env),
		cmocka_unit_test(missing_file),
		cmocka_unit_test_setup_teardown(hall_section, save_env, restore_env),
		cmocka_unit_test_setup_teardown(piv_only_keys, save_env, restore_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
