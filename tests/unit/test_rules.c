/* The guides' time rules at their boundaries (day 61, day 60, the expiry day,
 * the day after), key requirements, kept validity, and the civil calendar. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/base/civil.h"
#include "core/case/catalog.h"
#include "core/base/clock.h"
#include "core/case/rules.h"

static catalog *cat;
static long today;

static int setup(void **state)
{
	(void)state;
	kerr err = { 0 };
	cat = catalog_load(KIOSK_CONFIG_DIR, &err);
	if (!cat)
		fail_msg("shipped config: %s: %s", err.where, err.msg);
	today = civil_from_ymd(2026, 11, 21);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	catalog_free(cat);
	return 0;
}

static rule_verdict check(const char *svc, long days_left, bool key)
{
	const service *s = catalog_service(cat, svc);
	assert_non_null(s);
	return rules_check(cat, s, today, today + days_left, key);
}

static void config_carries_the_guides_numbers(void **state)
{
	(void)state;
	assert_int_equal(cat->rules.renew_window_days, 60);
	assert_int_equal(cat->rules.seal_upgrade_min_days, 60);
	assert_string_equal(cat->rules.initial_pin, "12345678");
}

/* "证书到期前 60 天起可办理更新" */
static void renewal_window(void **state)
{
	(void)state;
	for (int p = 0; p < 2; p++) {
		const char *svc = p ? "zc.renew" : "rs.renew";
		assert_int_equal(check(svc, 61, true), RULE_RENEW_TOO_EARLY);
		assert_int_equal(check(svc, 60, true), RULE_OK);
		assert_int_equal(check(svc, 1, true), RULE_OK);
		assert_int_equal(check(svc, 0, true), RULE_OK); /* expiry day: still valid */
		assert_int_equal(check(svc, -1, true), RULE_RENEW_AS_NEW);
		assert_int_equal(check(svc, -400, true), RULE_RENEW_AS_NEW);
	}
}

/* "证书剩余有效期小于 60天的用户，请更新证书后再升级签章" */
static void seal_upgrade_needs_sixty_days(void **state)
{
	(void)state;
	assert_int_equal(check("zc.seal_upgrade", 61, true), RULE_OK);
	assert_int_equal(check("zc.seal_upgrade", 60, true), RULE_OK);
	assert_int_equal(check("zc.seal_upgrade", 59, true), RULE_SEAL_TOO_SHORT);
	assert_int_equal(check("zc.seal_upgrade", 0, true), RULE_SEAL_TOO_SHORT);
	assert_int_equal(check("zc.seal_upgrade", -1, true), RULE_SEAL_TOO_SHORT);
}

static void key_required_for_change_and_bind(void **state)
{
	(void)state;
	assert_int_equal(check("rs.change", 100, false), RULE_KEY_REQUIRED);
	assert_int_equal(check("zc.change", 100, false), RULE_KEY_REQUIRED);
	assert_int_equal(check("rs.bind", 100, false), RULE_KEY_REQUIRED);
	assert_int_equal(check("rs.change", 100, true), RULE_OK);
	assert_int_equal(check("rs.bind", 100, true), RULE_OK);
	/* Reissue and revoke are for a lost key: no key needed. */
	assert_int_equal(check("rs.reissue", 100, false), RULE_OK);
	assert_int_equal(check("zc.revoke", 100, false), RULE_OK);
}

static void change_and_reissue_need_a_valid_certificate(void **state)
{
	(void)state;
	assert_int_equal(check("zc.change", 0, true), RULE_OK);
	assert_int_equal(check("zc.change", -1, true), RULE_EXPIRED);
	assert_int_equal(check("zc.reissue", 0, false), RULE_OK);
	assert_int_equal(check("zc.reissue", -1, false), RULE_EXPIRED);
	assert_int_equal(check("zc.seal_renew", -1, true), RULE_EXPIRED);
}

static void validity_kept_or_extended(void **state)
{
	(void)state;
	long nb, na;
	long old_nb = civil_from_ymd(2025, 3, 1), old_na = civil_from_ymd(2027, 3, 1);
	const char *keep[] = { "rs.change", "zc.change", "rs.reissue", "zc.reissue" };
	for (int i = 0; i < 4; i++) {
		const service *s = catalog_service(cat, keep[i]);
		assert_int_equal(s->validity, VALIDITY_KEEP);
		rules_new_validity(s, today, old_nb, old_na, 2, &nb, &na);
		/* the end is kept; the start is the day of issue, never the
		 * old certificate's (no backdating, docs/ca.md) */
		assert_int_equal(nb, today);
		assert_int_not_equal(nb, old_nb);
		assert_int_equal(na, old_na);
	}
	const service *renew = catalog_service(cat, "zc.renew");
	long soon = today + 30;
	rules_new_validity(renew, today, old_nb, soon, 1, &nb, &na);
	assert_int_equal(nb, today);
	assert_int_equal(na, civil_add_years(soon, 1));
	/* Expired: like new, from today. */
	rules_new_validity(renew, today, old_nb, today - 5, 2, &nb, &na);
	assert_int_equal(na, civil_from_ymd(2028, 11, 21));
	const service *nw = catalog_service(cat, "zc.new");
	rules_new_validity(nw, today, 0, 0, 1, &nb, &na);
	assert_int_equal(nb, today);
	assert_int_equal(na, civil_from_ymd(2027, 11, 21));
}

static void civil_calendar(void **state)
{
	(void)state;
	assert_int_equal(civil_from_ymd(1970, 1, 1), 0);
	assert_int_equal(civil_from_ymd(2000, 3, 1) - civil_from_ymd(2000, 2, 28), 2);
	assert_int_equal(civil_from_ymd(2100, 3, 1) - civil_from_ymd(2100, 2, 28), 1);
	for (long d = -800000; d < 800000; d += 97) {
		int y, m, dd;
		civil_to_ymd(d, &y, &m, &dd);
		assert_int_equal(civil_from_ymd(y, m, dd), d);
	}
	long d;
	assert_true(civil_parse("2024-02-29", &d));
	assert_false(civil_parse("2023-02-29", &d));
	assert_false(civil_parse("2023-13-01", &d));
	assert_false(civil_parse("2023-1-01", &d));
	assert_false(civil_parse("20230101", &d));
	assert_int_equal(civil_add_years(civil_from_ymd(2024, 2, 29), 1), civil_from_ymd(2025, 2, 28));
	char b[16];
	assert_string_equal(civil_format(civil_from_ymd(2026, 11, 21), b, sizeof b), "2026-11-21");
}

static void shanghai_day(void **state)
{
	(void)state;
	/* 2026-11-20 16:00:00 UTC is 2026-11-21 00:00 in Shanghai. */
	int64_t t = clock_day_start_ms(civil_from_ymd(2026, 11, 21));
	assert_int_equal(clock_local_day(t), civil_from_ymd(2026, 11, 21));
	assert_int_equal(clock_local_day(t - 1), civil_from_ymd(2026, 11, 20));
	char b[32];
	assert_string_equal(clock_format_local(t + 3723000, b, sizeof b), "2026-11-21 01:02:03");
	clock_set_fixed(t + 5000);
	assert_int_equal(clock_today(), civil_from_ymd(2026, 11, 21));
	clock_set_fixed(0);
}

/* Dates as a clerk types them. */
static void typed_dates(void **state)
{
	(void)state;
	long want = civil_from_ymd(2027, 6, 22), d = 0;
	assert_true(civil_parse_typed("2027-06-22", &d));
	assert_int_equal(d, want);
	d = 0;
	assert_true(civil_parse_typed("2027/6/22", &d));
	assert_int_equal(d, want);
	d = 0;
	assert_true(civil_parse_typed("20270622", &d));
	assert_int_equal(d, want);
	assert_true(civil_parse_typed("2027-6-2", &d));
	assert_int_equal(d, civil_from_ymd(2027, 6, 2));
	assert_false(civil_parse_typed("2027/06-22", &d)); /* one separator, not two */
	assert_false(civil_parse_typed("2027/2/30", &d));
	assert_false(civil_parse_typed("20271301", &d));
	assert_false(civil_parse_typed("2027/6/221", &d));
	assert_false(civil_parse_typed("27/6/22", &d));
	assert_false(civil_parse_typed("", &d));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_carries_the_guides_numbers),
		cmocka_unit_test(renewal_window),
		cmocka_unit_test(seal_upgrade_needs_sixty_days),
		cmocka_unit_test(key_required_for_change_and_bind),
		cmocka_unit_test(change_and_reissue_need_a_valid_certificate),
		cmocka_unit_test(validity_kept_or_extended),
		cmocka_unit_test(civil_calendar),
		cmocka_unit_test(typed_dates),
		cmocka_unit_test(shanghai_day),
	};
	return cmocka_run_group_tests_name("rules", tests, setup, teardown);
}
