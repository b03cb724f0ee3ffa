/* test_flow_token: the token step (tui/flow/token_flow.h) in trainer mode,
 * on the demo key, with a real database file (tests/unit/testflow.h). A new
 * certificate: with no key in the reader the step fails with the reader's
 * words and nothing is recorded; with the blank demo key it personalises and
 * writes the certificate (the case's unit and USCC on the key, the validity
 * from today) and the step is committed with what was done. A key pulled
 * mid-write fails the step, and the run is taken up again once it is back. A
 * renewal reads the key and extends its certificate by the years bought. A
 * platform whose key_algorithm is sm2 has its blank key personalised with an
 * SM2 pair, a P-256 one with a P-256 pair. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testflow.h"

/* A 证书新办 accepted, at the token step. */
static case_flow *new_at_token(tf_fx *f)
{
	case_flow *cs = tf_case_to(f, "rs.new", STEP_DECISION);
	assert_int_equal(case_flow_next(cs), STEP_TOKEN);
	return cs;
}

/* "actor: detail" of the case's token step. */
static const char *step_detail(tf_fx *f, const char *case_no, char *out, size_t n)
{
	return tf_text(f, "SELECT s.actor || ': ' || s.detail FROM case_steps s JOIN cases c ON c.id = s.case_id"
		   " WHERE c.case_no = ?1 AND s.step = 'token'", case_no, out, n);
}

static void new_cert_on_blank_key(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = new_at_token(f);
	const char *no = cs->rec.case_no;
	token_flow_enter(&f->k, cs);
	assert_int_equal(cs->token_op_ix, 0);
	assert_true(token_flow_writes(&f->k, cs)); /* the clerk is asked first */
	token_flow_confirm(cs, "");

	/* the reader is empty */
	assert_int_equal(token_flow_run(&f->k, cs), FLOW_FAILED);
	assert_true(cs->step_failed);
	assert_string_equal(cs->step_msg, counter_str(&f->k, "token.status.no_key"));
	assert_int_equal(cs->token_op_ix, 0);
	tf_expect_case(f, no, "accepted", "decision");
	assert_int_equal(tf_audit_count(f, no, "case.token"), 0);

	/* the blank key */
	kerr err = { 0 };
	assert_int_equal(token_demo_insert(f->k.tok, "SC-DEMO-0006", &err), 0);
	token_flow_confirm(cs, "");
	assert_int_equal(token_flow_run(&f->k, cs), FLOW_NEXT);
	assert_int_equal(cs->token_op_ix, 2);
	assert_false(token_flow_writes(&f->k, cs)); /* nothing left to run */
	assert_int_equal(cs->rec.last_step, STEP_TOKEN);
	assert_int_equal(case_flow_next(cs), STEP_PAYMENT);
	tf_expect_case(f, no, "accepted", "token");
	assert_int_equal(tf_audit_count(f, no, "case.token"), 1);

	char want[200], s[400], nb[16], na[16];
	snprintf(want, sizeof want, "demo01: personalise; write_cert: certificate %s..%s",
		 civil_format(clock_today(), nb, sizeof nb),
		 civil_format(civil_add_years(clock_today(), 1), na, sizeof na));
	assert_string_equal(step_detail(f, no, s, sizeof s), want);

	/* what the key holds now */
	token_info ki;
	assert_int_equal(token_read_info(f->k.tok, &ki), TOK_OK);
	assert_string_equal(ki.serial, "SC-DEMO-0006");
	assert_true(ki.personalised);
	assert_string_equal(ki.unit_name, TF_UNIT);
	assert_string_equal(ki.uscc, TF_USCC);
	assert_int_equal(ki.not_before, clock_today());
	assert_int_equal(ki.not_after, civil_add_years(clock_today(), 1));
	/* the demo certificate's serial is the case number in hex */
	char hex[TOKEN_CERT_SERIAL_MAX + 1] = "";
	for (size_t i = 0; no[i] && 2 * i + 2 < sizeof hex; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)no[i]);
	assert_string_equal(ki.cert_serial, hex);
	case_flow_free(cs);
}

static void key_pulled_mid_write(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = new_at_token(f);
	kerr err = { 0 };
	assert_int_equal(token_demo_insert(f->k.tok, "SC-DEMO-0006", &err), 0);
	token_flow_enter(&f->k, cs);
	/* the key comes out as the first write starts */
	assert_int_equal(token_demo_fail_next(f->k.tok, TOK_REMOVED, &err), 0);
	assert_int_equal(token_flow_run(&f->k, cs), FLOW_FAILED);
	assert_string_equal(cs->step_msg, counter_str(&f->k, "token.status.removed"));
	assert_int_equal(cs->token_op_ix, 0);
	tf_expect_case(f, cs->rec.case_no, "accepted", "decision");
	bool present = true;
	assert_int_equal(token_present(f->k.tok, &present), TOK_OK);
	assert_false(present);
	/* still out: the reader's words */
	assert_int_equal(token_flow_run(&f->k, cs), FLOW_FAILED);
	assert_string_equal(cs->step_msg, counter_str(&f->k, "token.status.no_key"));

	/* back in: run again, committed once */
	assert_int_equal(token_demo_insert(f->k.tok, "SC-DEMO-0006", &err), 0);
	token_flow_confirm(cs, "");
	assert_false(cs->step_failed);
	assert_string_equal(cs->step_msg, "");
	assert_int_equal(token_flow_run(&f->k, cs), FLOW_NEXT);
	tf_expect_case(f, cs->rec.case_no, "accepted", "token");
	assert_int_equal(tf_int(f, "SELECT count(*) FROM case_steps s JOIN cases c ON c.id = s.case_id"
				   " WHERE c.case_no = ?1 AND s.step = 'token'", cs->rec.case_no), 1);
	case_flow_free(cs);
}

static void renewal_extends(void **state)
{
	tf_fx *f = *state;
	kerr err = { 0 };
	case_flow *cs = tf_open(f, "rs.renew");
	tf_fill(f, cs, "绵阳涪城示例建设工程有限公司", "91510700MA62Q8TU37");
	assert_int_equal(token_demo_insert(f->k.tok, "SC-DEMO-0002", &err), 0); /* 30 days left */
	tf_details(f, cs);
	tf_materials(f, cs);
	tf_accept(f, cs);
	long old_na = clock_today() + 30;
	token_flow_enter(&f->k, cs);
	assert_true(token_flow_writes(&f->k, cs));
	assert_int_equal(token_flow_run(&f->k, cs), FLOW_NEXT);
	token_info ki;
	assert_int_equal(token_read_info(f->k.tok, &ki), TOK_OK);
	/* from today to the old expiry plus the year bought: nothing lost by renewing early */
	assert_int_equal(ki.not_before, clock_today());
	assert_int_equal(ki.not_after, civil_add_years(old_na, 1));
	char s[400];
	step_detail(f, cs->rec.case_no, s, sizeof s);
	const char *want = "demo01: read: read key SC-DEMO-0002; write_cert: certificate ";
	if (strncmp(s, want, strlen(want)) != 0)
		fail_msg("token step recorded as %s", s);
	case_flow_free(cs);
}

/* The platform's key_algorithm reaches the key (services.ini is the only
 * place it is said: here the loaded catalogue is changed as a config edit
 * would). */
static void platform_algorithm_on_the_key(void **state)
{
	tf_fx *f = *state;
	kerr err = { 0 };
	for (int round = 0; round < 2; round++) {
		key_alg want = round == 0 ? KEY_ALG_P256 : KEY_ALG_SM2;
		((platform *)catalog_platform(f->k.cat, "rs"))->key_alg = want;
		case_flow *cs = new_at_token(f);
		token_flow_enter(&f->k, cs);
		token_flow_confirm(cs, "");
		if (round == 1) {
			/* the same blank key again, erased */
			assert_int_equal(token_erase(f->k.tok), TOK_OK);
		}
		assert_int_equal(token_demo_insert(f->k.tok, "SC-DEMO-0006", &err), 0);
		assert_int_equal(token_flow_run(&f->k, cs), FLOW_NEXT);
		token_info ki;
		assert_int_equal(token_read_info(f->k.tok, &ki), TOK_OK);
		assert_true(ki.personalised);
		assert_int_equal(ki.key_alg, want);
		case_flow_free(cs);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(new_cert_on_blank_key, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(key_pulled_mid_write, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(renewal_extends, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(platform_algorithm_on_the_key, tf_setup, tf_teardown),
	};
	return cmocka_run_group_tests(tests, tf_group_setup, tf_group_teardown);
}
