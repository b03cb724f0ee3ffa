/* Fee calculation against every example in domain.md, the waiver, reissue,
 * services without fees, and bad requests. Amounts in 分 from the shipped config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/case/catalog.h"
#include "core/case/fees.h"
#include "core/case/rules.h"

static catalog *cat;

static int setup(void **state)
{
	(void)state;
	kerr err = { 0 };
	cat = catalog_load(KIOSK_CONFIG_DIR, &err);
	if (!cat)
		fail_msg("shipped config: %s: %s", err.where, err.msg);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	catalog_free(cat);
	return 0;
}

static int64_t quote(const char *svc_id, const char *holder, int years, int seals)
{
	const service *s = catalog_service(cat, svc_id);
	assert_non_null(s);
	fee_request r = { holder ? platform_holder(s->platform, holder) : NULL, years, seals };
	fee_quote q;
	kerr err = { 0 };
	if (fees_quote(cat, s, &r, &q, &err) != 0)
		fail_msg("%s: %s", err.where, err.msg);
	int64_t sum = 0;
	for (int i = 0; i < q.n_lines; i++)
		sum += q.lines[i].total_fen;
	assert_int_equal(sum, q.total_fen);
	return q.total_fen;
}

/* domain.md: unit, 1 year, 1 seal = 100 + 200 + 100 = 400 */
static void unit_one_year_one_seal(void **state)
{
	(void)state;
	assert_int_equal(quote("zc.new", "unit", 1, 1), 40000);
}

/* unit, 2 years, 1 seal = 0 + 400 + 200 = 600 (opening waived) */
static void unit_two_years_waives_opening(void **state)
{
	(void)state;
	assert_int_equal(quote("zc.new", "unit", 2, 1), 60000);
	const service *s = catalog_service(cat, "zc.new");
	fee_request r = { platform_holder(s->platform, "unit"), 2, 1 };
	fee_quote q;
	assert_int_equal(fees_quote(cat, s, &r, &q, NULL), 0);
	bool saw_waiver = false;
	for (int i = 0; i < q.n_lines; i++)
		if (q.lines[i].item == FEE_OPENING) {
			assert_true(q.lines[i].waived);
			assert_int_equal(q.lines[i].total_fen, 0);
			saw_waiver = true;
		}
	assert_true(saw_waiver);
}

/* expert, 2 years, 1 seal = 0 + 100 + 100 = 200 */
static void expert_two_years(void **state)
{
	(void)state;
	assert_int_equal(quote("zc.new", "expert", 2, 1), 20000);
	/* expert, 1 year, 1 seal = 50 + 50 + 50 */
	assert_int_equal(quote("zc.new", "expert", 1, 1), 15000);
}

static void seals_scale_per_seal_per_year(void **state)
{
	(void)state;
	assert_int_equal(quote("zc.new", "unit", 1, 0), 30000);
	assert_int_equal(quote("zc.new", "unit", 1, 3), 60000);
	assert_int_equal(quote("zc.new", "unit", 2, 2), 80000);
}

static void renew_has_no_opening_fee(void **state)
{
	(void)state;
	assert_int_equal(quote("zc.renew", "unit", 1, 1), 30000);
	assert_int_equal(quote("zc.renew", "expert", 2, 1), 20000);
}

/* Reissue: 50 元 per key, whatever the holder. */
static void reissue_is_fifty(void **state)
{
	(void)state;
	assert_int_equal(quote("zc.reissue", NULL, 0, 0), 5000);
	assert_int_equal(quote("rs.reissue", NULL, 0, 0), 5000);
}

static void included_services_cost_nothing(void **state)
{
	(void)state;
	const char *free_ids[] = { "zc.change", "zc.unlock", "zc.revoke", "zc.seal_upgrade",
				   "rs.change", "rs.unlock", "rs.revoke", "rs.bind" };
	for (size_t i = 0; i < sizeof free_ids / sizeof *free_ids; i++) {
		const service *s = catalog_service(cat, free_ids[i]);
		assert_non_null(s);
		assert_int_equal(s->fee_items, 0);
		assert_int_equal(quote(free_ids[i], NULL, 0, 0), 0);
	}
}

static void bad_requests_are_refused(void **state)
{
	(void)state;
	const service *s = catalog_service(cat, "zc.new");
	const holder_type *unit = platform_holder(s->platform, "unit");
	fee_quote q;
	kerr err = { 0 };
	fee_request no_holder = { NULL, 1, 1 };
	assert_int_equal(fees_quote(cat, s, &no_holder, &q, &err), -1);
	assert_non_null(strstr(err.msg, "holder"));
	fee_request three_years = { unit, 3, 1 };
	assert_int_equal(fees_quote(cat, s, &three_years, &q, &err), -1);
	assert_non_null(strstr(err.msg, "1 to 2 years"));
	fee_request zero_years = { unit, 0, 1 };
	assert_int_equal(fees_quote(cat, s, &zero_years, &q, &err), -1);
	fee_request neg_seals = { unit, 1, -1 };
	assert_int_equal(fees_quote(cat, s, &neg_seals, &q, &err), -1);
	assert_non_null(strstr(err.msg, "seal"));
	/* A holder of the other platform is not accepted. */
	const service *rs = catalog_service(cat, "rs.new");
	fee_request foreign = { platform_holder(rs->platform, "unit"), 1, 0 };
	assert_int_equal(fees_quote(cat, s, &foreign, &q, &err), -1);
}

static void yuan_formatting_and_parsing(void **state)
{
	(void)state;
	char b[32];
	assert_string_equal(fees_format_yuan(40000, b, sizeof b), "400.00");
	assert_string_equal(fees_format_yuan(5, b, sizeof b), "0.05");
	assert_string_equal(fees_format_yuan(0, b, sizeof b), "0.00");
	assert_string_equal(fees_format_yuan(-150, b, sizeof b), "-1.50");
	assert_int_equal(fees_parse_fen("10000"), 10000);
	assert_int_equal(fees_parse_fen("0"), 0);
	assert_int_equal(fees_parse_fen("-5"), -1);
	assert_int_equal(fees_parse_fen("100.5"), -1);
	assert_int_equal(fees_parse_fen("1e3"), -1);
	assert_int_equal(fees_parse_fen(""), -1);
	assert_int_equal(fees_parse_fen(" 1"), -1);
	assert_int_equal(fees_parse_fen("9999999999999999999999"), -1);
}

/* A seal renewal whose seal already runs to the certificate's end renews
 * nothing: its seal line stays (said on the slip), at 0, and so the total. */
static void seal_current_costs_nothing(void **state)
{
	(void)state;
	const service *s = catalog_service(cat, "zc.seal_renew");
	assert_non_null(s);
	fee_request r = { platform_holder(s->platform, "unit"), 1, 1 };
	fee_quote q;
	kerr err = { 0 };
	assert_int_equal(fees_quote(cat, s, &r, &q, &err), 0);
	assert_int_equal(q.total_fen, 10000);
	fees_seal_current(&q);
	assert_int_equal(q.total_fen, 0);
	assert_int_equal(q.n_lines, 1);
	assert_int_equal(q.lines[0].item, FEE_SEAL);
	assert_int_equal(q.lines[0].unit_fen, 10000);
	assert_int_equal(q.lines[0].total_fen, 0);
	assert_true(q.lines[0].current);
	/* the rule: a seal to the certificate's day or beyond is current */
	assert_true(rules_seal_current(s, 20000, 20000));
	assert_true(rules_seal_current(s, 20001, 20000));
	assert_false(rules_seal_current(s, 19999, 20000));
	assert_false(rules_seal_current(s, -1, 20000));  /* no seal on the key */
	assert_false(rules_seal_current(catalog_service(cat, "zc.seal_upgrade"), 20000, 20000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unit_one_year_one_seal),
		cmocka_unit_test(unit_two_years_waives_opening),
		cmocka_unit_test(expert_two_years),
		cmocka_unit_test(seals_scale_per_seal_per_year),
		cmocka_unit_test(renew_has_no_opening_fee),
		cmocka_unit_test(reissue_is_fifty),
		cmocka_unit_test(included_services_cost_nothing),
		cmocka_unit_test(bad_requests_are_refused),
		cmocka_unit_test(yuan_formatting_and_parsing),
		cmocka_unit_test(seal_current_costs_nothing),
	};
	return cmocka_run_group_tests_name("fees", tests, setup, teardown);
}
