/* test_flow_correct: going back and correcting a case (tui/flow/case_flow.h,
 * db_case_correct) and the demo devices doing as the real ones (issue 13,
 * points 3 and 9), on a real database file with the demo key and gateway
 * (tests/unit/testflow.h). Before the point of no return Esc goes back a step
 * at a time; a step confirmed again with a change is audited with both
 * versions, field by field, and what stood on it is asked again (the
 * materials: the decision; the details: the fee recomputed). After the key
 * is written and the fee paid, only the agent's details, and only with a
 * supervisor and a reason. The demo key refuses to erase another unit's key
 * and stops a service on a key whose PIN is locked (and the list flags it);
 * the demo gateway's orders survive a restart. The SQL is written here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <unistd.h>

#include "tests/unit/testflow.h"

/* The last case.correct row's detail. */
static const char *last_correct(tf_fx *f, const char *case_no, char *out, size_t n)
{
	return tf_text(f, "SELECT detail FROM audit WHERE case_no = ?1 AND action = 'case.correct'"
			  " ORDER BY seq DESC LIMIT 1", case_no, out, n);
}

static void back_steps_and_correct_details(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_case_to(f, "rs.new", STEP_DECISION);
	const char *no = cs->rec.case_no;
	/* Esc from each step goes to the one before; from the first, home */
	assert_int_equal(case_flow_back(&f->k, cs, STEP_TOKEN), STEP_DECISION);
	assert_int_equal(case_flow_back(&f->k, cs, STEP_DECISION), STEP_MATERIALS);
	assert_int_equal(case_flow_back(&f->k, cs, STEP_MATERIALS), STEP_DETAILS);
	assert_int_equal(case_flow_back(&f->k, cs, STEP_DETAILS), STEP_NONE);
	/* what was typed is there; confirmed unchanged, nothing is written */
	assert_string_equal(cs->text[tf_field(f, cs, "agent_mobile")], TF_PHONE);
	int bad;
	assert_int_equal(case_details_submit(&f->k, cs, &bad), FLOW_NEXT);
	assert_string_equal(f->said, "Nothing changed.");
	assert_int_equal(tf_audit_count(f, no, "case.correct"), 0);
	/* a typo in the mobile put right: old and new in the audit row */
	tf_type(f, cs, "agent_mobile", "139 0013 9000");
	assert_int_equal(case_details_submit(&f->k, cs, &bad), FLOW_NEXT);
	assert_int_equal(tf_audit_count(f, no, "case.correct"), 1);
	char s[1024];
	last_correct(f, no, s, sizeof s);
	assert_non_null(strstr(s, "\"step\":\"details\""));
	assert_non_null(strstr(s, "{\"field\":\"agent_mobile\",\"old\":\"13800138000\",\"new\":\"13900139000\"}"));
	assert_null(strstr(s, "unit_name")); /* only what changed */
	assert_string_equal(tf_text(f, "SELECT agent_mobile FROM cases WHERE case_no = ?1", no, s, sizeof s),
			    "13900139000");
	/* the case is where it was: the decision stands, the key step next */
	tf_expect_case(f, no, "accepted", "decision");
	assert_int_equal(case_flow_next(cs), STEP_TOKEN);
	case_flow_free(cs);
}

static void correct_materials_redecides(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_case_to(f, "zc.new", STEP_DECISION);
	const char *no = cs->rec.case_no;
	assert_int_equal(case_flow_back(&f->k, cs, STEP_TOKEN), STEP_DECISION);
	assert_int_equal(case_flow_back(&f->k, cs, STEP_DECISION), STEP_MATERIALS);
	/* the first non-essential material was not there after all */
	size_t ix = 0;
	while (ix < cs->cl->n_items && cs->cl->items[ix].sm->essential)
		ix++;
	assert_true(ix < cs->cl->n_items);
	const char *mid = cs->cl->items[ix].sm->material->id;
	assert_true(case_mark(&f->k, cs, ix, MARK_MISSING, NULL));
	assert_int_equal(case_materials_submit(&f->k, cs), FLOW_NEXT);
	char s[1024], want[256];
	last_correct(f, no, s, sizeof s);
	snprintf(want, sizeof want, "{\"field\":\"%s\",\"old\":\"received\",\"new\":\"missing\"}", mid);
	assert_non_null(strstr(s, want));
	assert_non_null(strstr(s, "\"undone\":[\"decision\"]"));
	/* the decision is asked again, on the corrected materials */
	tf_expect_case(f, no, "open", "materials");
	assert_int_equal(cs->decision, DEC_NONE);
	assert_int_equal(case_flow_next(cs), STEP_DECISION);
	assert_false(case_decision_open(cs, DEC_ACCEPT));
	case_decision d = case_decision_start(&f->k, cs);
	assert_int_equal(d, DEC_RONGQUE);
	assert_int_equal(case_decide(&f->k, cs, DEC_RONGQUE), FLOW_NEXT);
	tf_expect_case(f, no, "rongque", "decision");
	/* and the decision itself corrected: shown as decided (Enter alone
	 * changes nothing), then refuse instead */
	assert_int_equal(case_flow_back(&f->k, cs, STEP_TOKEN), STEP_DECISION);
	long deadline = cs->rec.rongque_deadline;
	clock_set_fixed(tf_t0() + 86400000LL); /* the next day: the deadline stays */
	assert_int_equal(case_decision_start(&f->k, cs), DEC_RONGQUE);
	assert_int_equal(cs->rongque_deadline, deadline);
	assert_int_equal(case_decide(&f->k, cs, DEC_RONGQUE), FLOW_NEXT);
	assert_string_equal(f->said, "Nothing changed.");
	assert_int_equal(case_flow_back(&f->k, cs, STEP_TOKEN), STEP_DECISION);
	assert_int_equal(case_decide(&f->k, cs, DEC_REFUSE), FLOW_NEXT);
	last_correct(f, no, s, sizeof s);
	assert_non_null(strstr(s, "{\"field\":\"decision\",\"old\":\"rongque\",\"new\":\"refuse\"}"));
	tf_expect_case(f, no, "refused", "decision");
	assert_int_equal(case_flow_next(cs), STEP_SLIP);
	case_flow_free(cs);
}

static void correct_term_recomputes_fee(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_case_to(f, "zc.new", STEP_MATERIALS);
	const char *no = cs->rec.case_no;
	assert_int_equal(cs->rec.fee_fen, 40000); /* 100 + 200 + 100 */
	assert_int_equal(case_flow_back(&f->k, cs, STEP_DECISION), STEP_MATERIALS);
	assert_int_equal(case_flow_back(&f->k, cs, STEP_MATERIALS), STEP_DETAILS);
	int years = -1;
	for (int i = 0; i < cs->n_fields; i++)
		if (cs->kinds[i] == CF_YEARS)
			years = i;
	case_field_cycle(&f->k, cs, years, +1); /* two years: the opening fee waived */
	int bad;
	assert_int_equal(case_details_submit(&f->k, cs, &bad), FLOW_NEXT);
	assert_int_equal(cs->rec.fee_fen, 60000); /* 0 + 400 + 200 */
	assert_int_equal(tf_int(f, "SELECT fee_fen FROM cases WHERE case_no = ?1", no), 60000);
	char s[1024];
	last_correct(f, no, s, sizeof s);
	assert_non_null(strstr(s, "{\"field\":\"years\",\"old\":\"1\",\"new\":\"2\"}"));
	assert_non_null(strstr(s, "{\"field\":\"fee_fen\",\"old\":\"40000\",\"new\":\"60000\"}"));
	/* the materials stand: the decision is next */
	assert_int_equal(case_flow_next(cs), STEP_DECISION);
	case_flow_free(cs);
}

static void correction_after_payment(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_new_to_payment(f, "rs.new");
	tf_pay(f, cs);
	const char *no = cs->rec.case_no;
	assert_true(case_flow_past_return(&f->k, cs));
	/* no going back now: Esc goes home */
	assert_int_equal(case_flow_back(&f->k, cs, STEP_SLIP), STEP_NONE);
	assert_int_equal(case_flow_back(&f->k, cs, STEP_PAYMENT), STEP_NONE);
	/* the store refuses a correction without a supervisor */
	tf_type(f, cs, "agent_mobile", "13900139000");
	int bad;
	assert_int_equal(case_details_submit(&f->k, cs, &bad), FLOW_FAILED);
	assert_string_equal(cs->step_msg, counter_str(&f->k, "correct.past_return"));
	case_rec r = cs->rec;
	party_set(&r.party, PF_AGENT_MOBILE, "13900139000");
	case_step_data d = { .details = &r };
	case_correction cc = { no, "demo01", STEP_DETAILS, &d, NULL, "typo" };
	kerr err = { 0 };
	assert_int_equal(db_case_correct(f->k.db, cs->svc, &cc, &err), -1);
	assert_non_null(strstr(err.msg, "supervisor"));
	/* nor what is on the key or paid, even with one */
	case_rec r2 = cs->rec;
	party_set(&r2.party, PF_UNIT_NAME, "成都别的公司");
	case_step_data d2 = { .details = &r2 };
	case_correction cc2 = { no, "demo01", STEP_DETAILS, &d2, "demosup", "typo" };
	assert_int_equal(db_case_correct(f->k.db, cs->svc, &cc2, &err), -1);
	assert_string_equal(err.where, "unit_name");
	/* the clerk, another clerk, no reason: refused */
	char pin[16];
	snprintf(pin, sizeof pin, TF_PIN_CLERK);
	assert_int_equal(case_correct_late(&f->k, cs, "demo01", pin, "typo"), FLOW_FAILED);
	assert_string_equal(cs->step_msg, counter_str(&f->k, "approval.self"));
	snprintf(pin, sizeof pin, TF_PIN_CLERK2);
	assert_int_equal(case_correct_late(&f->k, cs, "demo02", pin, "typo"), FLOW_FAILED);
	assert_string_equal(cs->step_msg, counter_str(&f->k, "approval.not_supervisor"));
	snprintf(pin, sizeof pin, TF_PIN_SUP);
	assert_int_equal(case_correct_late(&f->k, cs, "demosup", pin, ""), FLOW_FAILED);
	assert_string_equal(cs->step_msg, counter_str(&f->k, "correct.reason_needed"));
	assert_int_equal(tf_audit_count(f, no, "case.correct"), 0);
	/* a supervisor with a reason: the agent's mobile corrected; a unit
	 * name typed meanwhile is not taken (it is on the key) */
	tf_type(f, cs, "unit_name", "成都别的公司");
	char changes[512];
	case_late_changes(&f->k, cs, changes, sizeof changes);
	assert_non_null(strstr(changes, "13800138000 → 13900139000"));
	snprintf(pin, sizeof pin, TF_PIN_SUP);
	assert_int_equal(case_correct_late(&f->k, cs, "demosup", pin, "客户报错手机号"), FLOW_NEXT);
	assert_string_equal(pin, "");
	char s[1024];
	last_correct(f, no, s, sizeof s);
	assert_non_null(strstr(s, "{\"field\":\"agent_mobile\",\"old\":\"13800138000\",\"new\":\"13900139000\"}"));
	assert_non_null(strstr(s, "\"approved_by\":\"demosup\""));
	assert_non_null(strstr(s, "\"reason\":\"客户报错手机号\""));
	assert_null(strstr(s, "unit_name"));
	assert_string_equal(tf_text(f, "SELECT unit_name FROM cases WHERE case_no = ?1", no, s, sizeof s), TF_UNIT);
	assert_string_equal(cs->text[tf_field(f, cs, "unit_name")], TF_UNIT);
	/* the case goes on where it was */
	assert_int_equal(case_flow_next(cs), STEP_SLIP);
	case_flow_free(cs);
}

/* A revocation approved, then its details corrected: the approval is asked
 * again (the supervisor approved another text). */
static void correction_takes_back_approval(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_case_to(f, "rs.revoke", STEP_DECISION);
	tf_approve(f, cs);
	const char *no = cs->rec.case_no;
	/* from the key step Esc skips the approval: the decision */
	assert_int_equal(case_flow_back(&f->k, cs, STEP_TOKEN), STEP_DECISION);
	assert_int_equal(case_flow_back(&f->k, cs, STEP_DECISION), STEP_MATERIALS);
	assert_int_equal(case_flow_back(&f->k, cs, STEP_MATERIALS), STEP_DETAILS);
	tf_type(f, cs, "agent_name", "王五");
	int bad;
	assert_int_equal(case_details_submit(&f->k, cs, &bad), FLOW_NEXT);
	char s[1024];
	last_correct(f, no, s, sizeof s);
	assert_non_null(strstr(s, "{\"field\":\"agent_name\",\"old\":\"李四\",\"new\":\"王五\"}"));
	assert_non_null(strstr(s, "\"undone\":[\"approval\"]"));
	tf_expect_case(f, no, "accepted", "decision");
	assert_int_equal(tf_int(f, "SELECT count(*) FROM case_steps s JOIN cases c ON c.id = s.case_id"
				   " WHERE c.case_no = ?1 AND s.step = 'approval'", no), 0);
	assert_int_equal(case_flow_next(cs), STEP_APPROVAL);
	tf_approve(f, cs);
	assert_int_equal(case_flow_next(cs), STEP_TOKEN);
	case_flow_free(cs);
}

/* ---- the demo key as the real one ---- */

static void demo_revocation_foreign_key(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_case_to(f, "rs.revoke", STEP_DECISION);
	tf_approve(f, cs);
	/* another unit's key in the reader: refused, the key untouched */
	kerr err = { 0 };
	assert_int_equal(token_demo_insert(f->k.tok, "SC-DEMO-0002", &err), 0);
	token_flow_enter(&f->k, cs);
	assert_int_equal(token_flow_run(&f->k, cs), FLOW_FAILED);
	assert_non_null(strstr(cs->step_msg, "another unit"));
	token_info ki;
	assert_int_equal(token_read_info(f->k.tok, &ki), TOK_OK);
	assert_true(ki.personalised);
	assert_true(token_info_has_cert(&ki));
	assert_int_equal(case_flow_next(cs), STEP_TOKEN);
	/* a blank key is not the unit's either */
	assert_int_equal(token_demo_insert(f->k.tok, "SC-DEMO-0006", &err), 0);
	token_flow_enter(&f->k, cs);
	assert_int_equal(token_flow_run(&f->k, cs), FLOW_FAILED);
	/* the unit's own key is erased */
	assert_int_equal(token_demo_insert(f->k.tok, "SC-DEMO-0001", &err), 0);
	token_flow_enter(&f->k, cs);
	assert_int_equal(token_flow_run(&f->k, cs), FLOW_NEXT);
	assert_int_equal(token_read_info(f->k.tok, &ki), TOK_OK);
	assert_false(ki.personalised);
	case_flow_free(cs);
}

static void demo_pin_locked(void **state)
{
	tf_fx *f = *state;
	/* the picker's list flags the key shipped locked, and one locked now */
	token_demo_entry keys[16];
	kerr err = { 0 };
	long n = token_demo_list(f->k.tok, keys, 16, &err);
	assert_true(n >= 7);
	for (long i = 0; i < n; i++)
		assert_int_equal(keys[i].pin_locked, strcmp(keys[i].serial, "SC-DEMO-0007") == 0);
	assert_int_equal(token_demo_insert(f->k.tok, "SC-DEMO-0001", &err), 0);
	assert_int_equal(token_demo_lock_pin(f->k.tok, &err), 0);
	n = token_demo_list(f->k.tok, keys, 16, &err);
	assert_true(keys[0].pin_locked && keys[0].in_slot);
	/* a binding on it stops before anything is touched */
	case_flow *cs = tf_case_to(f, "rs.bind", STEP_DETAILS);
	assert_true(cs->key_read && cs->key.blocked);
	tf_materials(f, cs);
	tf_accept(f, cs);
	token_flow_enter(&f->k, cs);
	assert_int_equal(token_flow_run(&f->k, cs), FLOW_FAILED);
	assert_non_null(strstr(cs->step_msg, "PIN is locked"));
	assert_int_equal(cs->token_op_ix, 0);
	assert_int_equal(case_flow_next(cs), STEP_TOKEN);
	case_flow_free(cs);
}

/* ---- the demo gateway across a restart ---- */

static void demo_orders_survive_restart(void **state)
{
	tf_fx *f = *state;
	char path[400];
	snprintf(path, sizeof path, "%s/demo-pay.orders", f->dir);
	kerr err = { 0 };
	pay_dev *p = pay_demo_open(path, &err);
	assert_non_null(p);
	pay_order o = { 0 };
	snprintf(o.out_trade_no, sizeof o.out_trade_no, "T20261121000101");
	o.amount_fen = 30000;
	snprintf(o.description, sizeof o.description, "证书新办\t(demo)");
	o.expire_ms = clock_now_ms() + 15 * 60 * 1000;
	assert_int_equal(pay_create(p, &o, &err), PR_OK);
	pay_order o2 = o;
	snprintf(o2.out_trade_no, sizeof o2.out_trade_no, "T20261121000102");
	assert_int_equal(pay_create(p, &o2, &err), PR_OK);
	assert_int_equal(pay_demo_settle(p, o.out_trade_no, &err), PR_OK);
	pay_order q;
	assert_int_equal(pay_query(p, o.out_trade_no, &q, &err), PR_OK);
	pay_dev_free(p);
	/* written whole, no temporary file left */
	assert_int_equal(access(path, F_OK), 0);

	/* the restart: the paid order is still paid, the other still open */
	p = pay_demo_open(path, &err);
	assert_non_null(p);
	pay_order a, b;
	assert_int_equal(pay_query(p, o.out_trade_no, &a, &err), PR_OK);
	assert_int_equal(a.state, PAY_SUCCESS);
	assert_string_equal(a.transaction_id, q.transaction_id);
	assert_int_equal(a.amount_fen, 30000);
	assert_string_equal(a.description, "证书新办\t(demo)");
	assert_string_equal(a.code_url, o.code_url);
	assert_int_equal(pay_query(p, o2.out_trade_no, &b, &err), PR_OK);
	assert_int_equal(b.state, PAY_NOTPAY);
	/* the same order again is the same order, not a new one */
	pay_order again = o2;
	assert_int_equal(pay_create(p, &again, &err), PR_OK);
	assert_string_equal(again.code_url, b.code_url);
	pay_dev_free(p);

	/* a file that is not the gateway's is said, with its line */
	FILE *w = fopen(path, "a");
	fputs("nonsense\n", w);
	fclose(w);
	assert_null(pay_demo_open(path, &err));
	assert_non_null(strstr(err.where, ":3"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(back_steps_and_correct_details, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(correct_materials_redecides, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(correct_term_recomputes_fee, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(correction_after_payment, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(correction_takes_back_approval, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(demo_revocation_foreign_key, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(demo_pin_locked, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(demo_orders_survive_restart, tf_setup, tf_teardown),
	};
	return cmocka_run_group_tests(tests, tf_group_setup, tf_group_teardown);
}
