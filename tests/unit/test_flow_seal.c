/* tui/flow/seal_flow on the demo counter: the tick does nothing until
 * sealing is set up (and looks again a minute later, not every second);
 * once set up, it seals an ended epoch with that epoch's key and then waits
 * for the next boundary; a missing key file is said once, not every tick;
 * the day close seals the current epoch's rows at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <unistd.h>

#include "tests/unit/testflow.h"

#include "core/audit/seal.h"
#include "db/repo/seal_repo.h"

#define MIN 60000LL

static void set_up_sealing(tf_fx *f, uint8_t k0[SEAL_KEY_LEN], seal_params *p)
{
	char path[400];
	kerr err = { 0 };
	tu_path(path, sizeof path, f->dir, SEAL_FILE);
	*p = (seal_params){ clock_now_ms() / 1000 * 1000, 15 * MIN };
	assert_int_equal(seal_state_create(path, p, k0, &err), 0);
	seal_state st;
	assert_int_equal(seal_state_load(path, &st, &err), 0);
	assert_int_equal(db_seal_init(f->k.db, "demosup", &st, &err), 0);
	seal_state_wipe(&st);
}

static void verify_ok(tf_fx *f, const uint8_t k0[SEAL_KEY_LEN], const seal_params *p,
		      int64_t tail)
{
	seal_verify_result r;
	kerr err = { 0 };
	assert_int_equal(db_seal_verify(f->k.db, k0, p, &r, &err), 0);
	assert_int_equal(r.tail_rows, tail);
}

static void tick_seals_ended_epochs(void **state)
{
	tf_fx *f = *state;
	seal_flow sf = { 0 };
	int64_t t = tf_t0();
	assert_int_equal(seal_flow_tick(&f->k, &sf), SEALF_IDLE);
	assert_int_equal(sf.next_ms, t + MIN); /* not set up: a minute later */
	uint8_t k0[SEAL_KEY_LEN];
	seal_params p;
	set_up_sealing(f, k0, &p);
	/* still waiting out the minute */
	clock_set_fixed(t + 30000);
	assert_int_equal(seal_flow_tick(&f->k, &sf), SEALF_IDLE);
	kerr err = { 0 };
	assert_int_equal(db_audit_append(f->k.db, "demo01", AUD_STAFF_LOCK, "", "", &err), 0);
	clock_set_fixed(t + MIN);
	assert_int_equal(seal_flow_tick(&f->k, &sf), SEALF_IDLE); /* epoch 0 not over */
	assert_int_equal(sf.next_ms, p.t0_ms + 15 * MIN);
	clock_set_fixed(p.t0_ms + 15 * MIN);
	assert_int_equal(seal_flow_tick(&f->k, &sf), SEALF_SEALED);
	assert_int_equal(sf.next_ms, p.t0_ms + 30 * MIN);
	assert_int_equal(tf_int(f, "SELECT count(*) FROM seals", NULL), 2);
	verify_ok(f, k0, &p, 0);
	assert_int_equal(f->n_said, 0);
}

static void missing_key_said_once(void **state)
{
	tf_fx *f = *state;
	uint8_t k0[SEAL_KEY_LEN];
	seal_params p;
	set_up_sealing(f, k0, &p);
	char path[400];
	tu_path(path, sizeof path, f->dir, SEAL_FILE);
	assert_int_equal(unlink(path), 0);
	seal_flow sf = { 0 };
	clock_set_fixed(p.t0_ms + 20 * MIN);
	assert_int_equal(seal_flow_tick(&f->k, &sf), SEALF_FAILED);
	assert_int_equal(f->n_said, 1);
	assert_non_null(strstr(f->said, "seal"));
	clock_set_fixed(p.t0_ms + 22 * MIN);
	assert_int_equal(seal_flow_tick(&f->k, &sf), SEALF_FAILED);
	assert_int_equal(f->n_said, 1);
}

static void day_close_seals_at_once(void **state)
{
	tf_fx *f = *state;
	uint8_t k0[SEAL_KEY_LEN];
	seal_params p;
	set_up_sealing(f, k0, &p);
	kerr err = { 0 };
	clock_set_fixed(p.t0_ms + 5 * MIN);
	assert_int_equal(db_audit_append(f->k.db, "demo01", AUD_STAFF_LOCK, "", "", &err), 0);
	verify_ok(f, k0, &p, 1);
	assert_int_equal(seal_flow_day_close(&f->k, &err), 0);
	verify_ok(f, k0, &p, 0);
	assert_int_equal(tf_int(f, "SELECT count(*) FROM seals WHERE epoch = 0", NULL), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(tick_seals_ended_epochs, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(missing_key_said_once, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(day_close_seals_at_once, tf_setup, tf_teardown),
	};
	return cmocka_run_group_tests(tests, tf_group_setup, tf_group_teardown);
}
