/* test_flow_session: who is at the window (tui/flow/session.h), on a real
 * database file with the demo staff (tests/unit/testflow.h). Signing in: the
 * right PIN gives the staff member (the PIN buffer wiped), a wrong one says
 * how many tries are left and counts down, the last one locks the id until a
 * time said, an unknown id is flagged so the screen goes back to it. The
 * idle lock is audited with the case in progress; the same clerk unlocks it;
 * another clerk is refused (and signed out again) and the window stays the
 * first clerk's; a supervisor takes it over, audited with whom they took it
 * from, and becomes the counter's user. Signing out is audited. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testflow.h"

/* session_check with a PIN in a buffer of our own (it is wiped). */
static bool check(tf_fx *f, const char *id, const char *pin_text, staff_rec *who, char *msg, size_t n,
		  bool *unknown)
{
	char pin[32];
	snprintf(pin, sizeof pin, "%s", pin_text);
	bool ok = session_check(&f->k, id, pin, who, msg, n, unknown);
	for (size_t i = 0; i < sizeof pin && pin_text[i]; i++)
		if (pin[i] != '\0')
			fail_msg("the PIN was not wiped");
	return ok;
}

static long long audit_of(tf_fx *f, const char *actor, const char *action)
{
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE actor = ?1 AND action = '%s'", action);
	return tf_int(f, sql, actor);
}

static void sign_in(void **state)
{
	tf_fx *f = *state;
	staff_rec who;
	char msg[512] = "x";
	bool unknown = true;
	assert_true(check(f, "demo02", TF_PIN_CLERK2, &who, msg, sizeof msg, &unknown));
	assert_false(unknown);
	assert_string_equal(msg, "");
	assert_string_equal(who.id, "demo02");
	assert_int_equal(who.role, ROLE_CLERK);
	assert_int_equal(audit_of(f, "demo02", "staff.login"), 1);

	/* wrong PINs: the tries left are said, counting down */
	int max = f->k.cfg->login_max_failures;
	for (int left = max - 1; left >= 1; left--) {
		assert_false(check(f, "demo02", "000000", &who, msg, sizeof msg, &unknown));
		assert_false(unknown);
		char want[200];
		snprintf(want, sizeof want, "Wrong PIN; %d more tries, then each wrong PIN makes "
			 "this id wait (a minute at most).", left);
		assert_string_equal(msg, want);
	}
	/* the last one makes the id wait, a second said in words; the right PIN
	 * no longer opens it until then */
	assert_false(check(f, "demo02", "000000", &who, msg, sizeof msg, &unknown));
	assert_string_equal(msg, "Too many wrong PINs: this staff id is held; try again in 1 s.");
	assert_false(check(f, "demo02", TF_PIN_CLERK2, &who, msg, sizeof msg, &unknown));
	assert_string_equal(msg, "Too many wrong PINs: this staff id is held; try again in 1 s.");
	assert_int_equal(tf_int(f, "SELECT failures > 0 AND locked_until_ms > 0 FROM staff WHERE id = ?1", "demo02"),
			 1);
	/* after the wait, the next wrong PIN waits twice as long: the seconds
	 * left are said, rounded up */
	clock_set_fixed(tf_t0() + 1000);
	assert_false(check(f, "demo02", "000000", &who, msg, sizeof msg, &unknown));
	assert_string_equal(msg, "Too many wrong PINs: this staff id is held; try again in 2 s.");
	clock_set_fixed(tf_t0() + 1001);
	assert_false(check(f, "demo02", TF_PIN_CLERK2, &who, msg, sizeof msg, &unknown));
	assert_string_equal(msg, "Too many wrong PINs: this staff id is held; try again in 2 s.");
	/* when it is over, it opens again */
	clock_set_fixed(tf_t0() + 3000);
	assert_true(check(f, "demo02", TF_PIN_CLERK2, &who, msg, sizeof msg, &unknown));

	/* an unknown id: said, and flagged */
	assert_false(check(f, "nobody", "123456", &who, msg, sizeof msg, &unknown));
	assert_true(unknown);
	assert_string_equal(msg, "There is no staff id \"nobody\"; check it and type it again.");
}

static void lock_and_unlock(void **state)
{
	tf_fx *f = *state;
	char msg[512];
	bool unknown;
	staff_rec who;
	case_flow *cs = tf_open(f, "rs.new");
	const char *no = cs->rec.case_no;
	session_lock(&f->k, no);
	assert_int_equal(tf_audit_count(f, no, "staff.lock"), 1);

	/* the same clerk */
	assert_true(check(f, "demo01", TF_PIN_CLERK, &who, msg, sizeof msg, &unknown));
	assert_true(session_unlock(&f->k, &who, no, msg, sizeof msg));
	assert_string_equal(f->k.user.id, "demo01");
	assert_int_equal(audit_of(f, "demo01", "staff.unlock"), 1);
	assert_int_equal(audit_of(f, "demo01", "staff.takeover"), 0);

	/* another clerk, with the right PIN: refused, signed out again */
	session_lock(&f->k, no);
	assert_true(check(f, "demo02", TF_PIN_CLERK2, &who, msg, sizeof msg, &unknown));
	assert_false(session_unlock(&f->k, &who, no, msg, sizeof msg));
	assert_string_equal(msg, "demo02 is not a supervisor and cannot take over another's counter.");
	assert_string_equal(f->k.user.id, "demo01");
	assert_int_equal(audit_of(f, "demo02", "staff.logout"), 1);
	assert_int_equal(audit_of(f, "demo02", "staff.takeover"), 0);
	assert_int_equal(audit_of(f, "demo02", "staff.unlock"), 0);

	/* the supervisor takes the window over, with the case in progress */
	assert_true(check(f, "demosup", TF_PIN_SUP, &who, msg, sizeof msg, &unknown));
	assert_true(session_unlock(&f->k, &who, no, msg, sizeof msg));
	assert_string_equal(f->k.user.id, "demosup");
	assert_int_equal(f->k.user.role, ROLE_SUPERVISOR);
	char s[200];
	assert_string_equal(tf_text(f, "SELECT actor || ' ' || case_no || ' ' || detail FROM audit"
				       " WHERE action = 'staff.takeover'", NULL, s, sizeof s),
			    "demosup " "SCCA-CD-01-20260302-0001" " took over from demo01");
	assert_string_equal(no, "SCCA-CD-01-20260302-0001");
	assert_int_equal(audit_of(f, "demosup", "staff.unlock"), 1);
	/* what the case records from now on is the supervisor's */
	tf_fill(f, cs, TF_UNIT, TF_USCC);
	tf_details(f, cs);
	assert_string_equal(tf_text(f, "SELECT actor FROM audit WHERE case_no = ?1 AND action = 'case.details'", no, s,
				    sizeof s),
			    "demosup");
	case_flow_free(cs);

	/* signing out */
	session_logout(&f->k);
	assert_int_equal(audit_of(f, "demosup", "staff.logout"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(sign_in, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(lock_and_unlock, tf_setup, tf_teardown),
	};
	return cmocka_run_group_tests(tests, tf_group_setup, tf_group_teardown);
}
