/* test_party: the case-party table's words, columns and sizes, get and set by
 * field with UTF-8-safe truncation, and the lookups core/base/names.h
 * generates (the same for every table: word, key, -1 or a fallback). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/case/casefsm.h"
#include "core/case/party.h"
#include "core/case/rules.h"

static void field_words(void **state)
{
	(void)state;
	static const char *const words[] = { "unit_name", "uscc", "agent_name", "agent_id_no",
					     "agent_mobile" };
	assert_int_equal(PF_COUNT, 5);
	for (int i = 0; i < PF_COUNT; i++) {
		assert_string_equal(party_field_name((party_field)i), words[i]);
		assert_string_equal(party_field_column((party_field)i), words[i]);
		assert_int_equal(party_field_from_name(words[i]), i);
	}
	assert_int_equal(party_field_from_name("holder"), -1);
	assert_int_equal(party_field_from_name(NULL), -1);
	assert_string_equal(party_field_name(PF_COUNT), "?");
	assert_string_equal(party_field_column((party_field)-1), "");
	assert_int_equal(party_field_size(PF_COUNT), 0);
	assert_string_equal(party_field_type(PF_COUNT), "");
	/* the columns' limits, as the store has always had them */
	case_party p;
	assert_int_equal(party_field_size(PF_UNIT_NAME), sizeof p.unit_name);
	assert_int_equal(sizeof p.unit_name, 256);
	assert_int_equal(sizeof p.uscc, 19);
	assert_int_equal(sizeof p.agent_name, 97);
	assert_int_equal(sizeof p.agent_id_no, 19);
	assert_int_equal(sizeof p.agent_mobile, 12);
	assert_string_equal(party_field_type(PF_AGENT_ID_NO), "resident_id");
	assert_true(party_field_is_text(PF_UNIT_NAME));
	assert_true(party_field_is_text(PF_AGENT_NAME));
	assert_false(party_field_is_text(PF_USCC));
	assert_false(party_field_is_text(PF_AGENT_MOBILE));
}

static void get_and_set(void **state)
{
	(void)state;
	case_party p;
	memset(&p, 0, sizeof p);
	assert_int_equal(party_set(&p, PF_UNIT_NAME, "四川测试有限公司"), 0);
	assert_int_equal(party_set(&p, PF_AGENT_MOBILE, "13800138000"), 0);
	assert_string_equal(p.unit_name, "四川测试有限公司");
	assert_string_equal(party_get(&p, PF_UNIT_NAME), "四川测试有限公司");
	assert_string_equal(party_get(&p, PF_AGENT_MOBILE), "13800138000");
	assert_string_equal(party_get(&p, PF_USCC), "");
	assert_int_equal(party_set(&p, PF_USCC, NULL), 0);
	assert_string_equal(p.uscc, "");
	/* out of range: nothing written, nothing read */
	assert_int_equal(party_set(&p, PF_COUNT, "x"), -1);
	assert_int_equal(party_set(NULL, PF_USCC, "x"), -1);
	assert_string_equal(party_get(&p, (party_field)-1), "");
	assert_string_equal(party_get(NULL, PF_USCC), "");
	/* too long: cut on a character boundary, terminated */
	char big[400] = "";
	for (int i = 0; i < 40; i++)
		strcat(big, "名称"); /* 240 bytes */
	strcat(big, "a名称名称名称名称名称名称"); /* 1 + 36: 277 bytes */
	assert_int_equal(party_set(&p, PF_UNIT_NAME, big), 0);
	assert_int_equal(strlen(p.unit_name), 253); /* 240 + 1 + 4 characters of 3 */
	assert_memory_equal(p.unit_name, big, 253);
	assert_int_equal(party_set(&p, PF_AGENT_MOBILE, "+86 138 0013 8000"), 0);
	assert_string_equal(p.agent_mobile, "+86 138 001");
}

static void generated_lookups(void **state)
{
	(void)state;
	/* word + key table with its own fallbacks */
	assert_string_equal(case_step_name(STEP_SLIP), "slip");
	assert_string_equal(case_step_key(STEP_SLIP), "step.slip");
	assert_int_equal(case_step_from_name("payment"), STEP_PAYMENT);
	assert_int_equal(case_step_from_name("Payment"), -1);
	assert_string_equal(case_step_name(STEP_NONE), "none");
	assert_string_equal(case_step_key(STEP_COUNT), "step.none");
	/* key-only table */
	assert_string_equal(rule_verdict_key(RULE_EXPIRED), "rule.expired");
	assert_string_equal(rule_verdict_key(RULE_VERDICT_COUNT), "rule.unknown");
	/* word-only table */
	assert_string_equal(service_kind_name(SVC_SEAL_RENEW), "seal_renew");
	assert_string_equal(service_kind_name((service_kind)-3), "?");
	assert_int_equal(service_kind_from_name("seal_renew"), SVC_SEAL_RENEW);
	assert_int_equal(service_kind_from_name(""), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(field_words),
		cmocka_unit_test(get_and_set),
		cmocka_unit_test(generated_lookups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
