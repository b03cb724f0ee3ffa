/* The case state machine over the shipped catalogue: the steps each service
 * has, their order, refusal, and that no step can be skipped or repeated. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/case/casefsm.h"
#include "core/case/catalog.h"

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

/* The steps of svc in order for a decision, as a space-separated string. */
static const char *path(const char *svc_id, case_decision dec, char *buf, size_t n)
{
	const service *s = catalog_service(cat, svc_id);
	assert_non_null(s);
	buf[0] = '\0';
	case_decision seen = DEC_NONE;
	int guard = 0;
	for (case_step st = case_next_step(s, STEP_NONE, seen); st != STEP_NONE;
	     st = case_next_step(s, st, seen)) {
		if (buf[0])
			strncat(buf, " ", n - strlen(buf) - 1);
		strncat(buf, case_step_name(st), n - strlen(buf) - 1);
		if (st == STEP_DECISION)
			seen = dec;
		assert_true(++guard < 20);
	}
	return buf;
}

static void paths_per_service(void **state)
{
	(void)state;
	char b[256];
	assert_string_equal(path("zc.new", DEC_ACCEPT, b, sizeof b),
			    "details materials decision token payment slip");
	assert_string_equal(path("zc.change", DEC_ACCEPT, b, sizeof b),
			    "details materials decision token slip");
	assert_string_equal(path("rs.bind", DEC_ACCEPT, b, sizeof b),
			    "details materials decision token slip");
	assert_string_equal(path("zc.reissue", DEC_ACCEPT, b, sizeof b),
			    "details materials decision token payment slip");
	assert_string_equal(path("zc.revoke", DEC_ACCEPT, b, sizeof b),
			    "details materials decision approval token slip");
	assert_string_equal(path("zc.seal_renew", DEC_ACCEPT, b, sizeof b),
			    "details materials decision token payment slip");
	assert_string_equal(path("zc.new", DEC_REFUSE, b, sizeof b),
			    "details materials decision slip");
	assert_string_equal(path("zc.revoke", DEC_REFUSE, b, sizeof b),
			    "details materials decision slip");
}

static void no_skipping_no_repeating(void **state)
{
	(void)state;
	const service *s = catalog_service(cat, "zc.new");
	assert_true(case_step_allowed(s, STEP_NONE, DEC_NONE, STEP_DETAILS));
	assert_false(case_step_allowed(s, STEP_NONE, DEC_NONE, STEP_MATERIALS));
	assert_false(case_step_allowed(s, STEP_DETAILS, DEC_NONE, STEP_DETAILS));
	assert_true(case_step_allowed(s, STEP_DETAILS, DEC_NONE, STEP_MATERIALS));
	assert_false(case_step_allowed(s, STEP_DECISION, DEC_ACCEPT, STEP_SLIP));
	assert_true(case_step_allowed(s, STEP_DECISION, DEC_ACCEPT, STEP_TOKEN));
	assert_false(case_step_allowed(s, STEP_DECISION, DEC_ACCEPT, STEP_APPROVAL));
	assert_true(case_step_allowed(s, STEP_DECISION, DEC_REFUSE, STEP_SLIP));
	assert_false(case_step_allowed(s, STEP_DECISION, DEC_REFUSE, STEP_TOKEN));
	assert_false(case_step_allowed(s, STEP_SLIP, DEC_ACCEPT, STEP_SLIP));
	assert_false(case_step_allowed(s, STEP_SLIP, DEC_ACCEPT, STEP_NONE));
}

static void statuses(void **state)
{
	(void)state;
	assert_int_equal(case_status_after(STEP_DETAILS, DEC_NONE, CS_OPEN), CS_OPEN);
	assert_int_equal(case_status_after(STEP_DECISION, DEC_ACCEPT, CS_OPEN), CS_ACCEPTED);
	assert_int_equal(case_status_after(STEP_DECISION, DEC_RONGQUE, CS_OPEN), CS_RONGQUE);
	assert_int_equal(case_status_after(STEP_DECISION, DEC_REFUSE, CS_OPEN), CS_REFUSED);
	assert_int_equal(case_status_after(STEP_SLIP, DEC_ACCEPT, CS_ACCEPTED), CS_COMPLETED);
	assert_int_equal(case_status_after(STEP_SLIP, DEC_RONGQUE, CS_RONGQUE), CS_RONGQUE);
	assert_int_equal(case_status_after(STEP_SLIP, DEC_REFUSE, CS_REFUSED), CS_REFUSED);
}

static void decisions(void **state)
{
	(void)state;
	for (size_t i = 0; i < cat->n_services; i++) {
		const service *s = &cat->services[i];
		assert_false(case_decision_allowed(s, DEC_NONE));
		assert_true(case_decision_allowed(s, DEC_ACCEPT));
		assert_true(case_decision_allowed(s, DEC_REFUSE));
		assert_int_equal(case_decision_allowed(s, DEC_RONGQUE), s->rongque_allowed);
	}
}

static void names_round_trip(void **state)
{
	(void)state;
	for (int i = 0; i < STEP_COUNT; i++)
		assert_int_equal(case_step_from_name(case_step_name((case_step)i)), i);
	for (int i = 0; i < CS_COUNT; i++)
		assert_int_equal(case_status_from_name(case_status_name((case_status)i)), i);
	for (int i = 0; i < DEC_COUNT; i++)
		assert_int_equal(case_decision_from_name(case_decision_name((case_decision)i)), i);
	assert_int_equal(case_step_from_name("bogus"), -1);
	assert_int_equal(case_status_from_name(NULL), -1);
}

/* What a correction may touch, and what it takes back. */
static void corrections(void **state)
{
	(void)state;
	assert_true(case_step_correctable(STEP_DETAILS));
	assert_true(case_step_correctable(STEP_MATERIALS));
	assert_true(case_step_correctable(STEP_DECISION));
	for (int s = STEP_APPROVAL; s < STEP_COUNT; s++)
		assert_false(case_step_correctable((case_step)s));
	assert_false(case_step_correctable(STEP_NONE));
	/* the decision stands on the materials, not on the details */
	assert_true(case_step_stands_on(STEP_DECISION, STEP_MATERIALS));
	assert_false(case_step_stands_on(STEP_DECISION, STEP_DETAILS));
	assert_false(case_step_stands_on(STEP_MATERIALS, STEP_DETAILS));
	/* the approval on everything before it */
	assert_true(case_step_stands_on(STEP_APPROVAL, STEP_DETAILS));
	assert_true(case_step_stands_on(STEP_APPROVAL, STEP_MATERIALS));
	assert_true(case_step_stands_on(STEP_APPROVAL, STEP_DECISION));
	/* nothing stands on a later step, nor on itself; the key step is never taken back */
	assert_false(case_step_stands_on(STEP_MATERIALS, STEP_DECISION));
	assert_false(case_step_stands_on(STEP_DECISION, STEP_DECISION));
	assert_false(case_step_stands_on(STEP_TOKEN, STEP_DETAILS));
	assert_false(case_step_stands_on(STEP_PAYMENT, STEP_MATERIALS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(paths_per_service),
		cmocka_unit_test(no_skipping_no_repeating),
		cmocka_unit_test(statuses),
		cmocka_unit_test(decisions),
		cmocka_unit_test(names_round_trip),
		cmocka_unit_test(corrections),
	};
	return cmocka_run_group_tests_name("casefsm", tests, setup, teardown);
}
