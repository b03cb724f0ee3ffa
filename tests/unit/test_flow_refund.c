/* test_flow_refund: what the flows leave for a refund, and what a refund
 * leaves for them. The refund itself is still done by the refund screen
 * (tui/screens/scr_super.c: db_refund_approve, pay_refund_order on the
 * gateway, db_refund_update), so this test takes those same steps on a case
 * paid through the flows with the demo devices (tests/unit/testflow.h) and
 * states the contract a refund flow must keep: the refund is of the order
 * the payment step recorded, for its whole amount, numbered
 * pay_refund_no(order, 1); the approval cancels the case at once; the
 * gateway's SUCCESS makes the order REFUND; a retry of the same number
 * refunds nothing more; the cancelled case takes no further step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "db/repo/refund_repo.h"
#include "tests/unit/testflow.h"

static void refund_of_paid_case(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_new_to_payment(f, "rs.new");
	tf_pay(f, cs);
	char no[40], order[PAY_TRADE_NO_MAX + 1], refund_no[PAY_REFUND_NO_MAX + 1];
	snprintf(no, sizeof no, "%s", cs->rec.case_no);
	snprintf(order, sizeof order, "%s", cs->order.out_trade_no);
	int64_t fee = cs->order.amount_fen;
	assert_int_equal(pay_refund_no(order, 1, refund_no), 0);
	case_flow_free(cs);

	/* the clerk asks, the supervisor approves: the case is cancelled now */
	kerr err = { 0 };
	refund_rec r;
	if (db_refund_approve(f->k.db, no, "demo01", "demosup", "客户申请撤销", &r, &err) != 0)
		fail_msg("approve: %s", err.msg);
	assert_string_equal(r.out_trade_no, order);
	assert_string_equal(r.out_refund_no, refund_no);
	assert_int_equal(r.amount_fen, fee);
	assert_string_equal(r.state, "PENDING");
	tf_expect_case(f, no, "cancelled", "payment");

	/* the gateway refunds the whole order */
	pay_refund q;
	memset(&q, 0, sizeof q);
	snprintf(q.out_trade_no, sizeof q.out_trade_no, "%s", r.out_trade_no);
	snprintf(q.out_refund_no, sizeof q.out_refund_no, "%s", r.out_refund_no);
	q.total_fen = q.refund_fen = r.amount_fen;
	/* the reason as the refund screen sends it (at most PAY_REFUND_REASON_MAX bytes) */
	memcpy(q.reason, r.reason, strnlen(r.reason, sizeof q.reason - 1));
	assert_int_equal(pay_refund_order(f->k.pay, &q, &err), PR_OK);
	assert_int_equal(q.state, PAY_REFUND_SUCCESS);
	assert_true(q.refund_id[0] != '\0');
	if (db_refund_update(f->k.db, "demo01", r.out_refund_no, pay_refund_state_name(q.state), q.refund_id,
			     &err) != 0)
		fail_msg("update: %s", err.msg);

	char s[200];
	assert_string_equal(tf_text(f, "SELECT state FROM refunds WHERE out_refund_no = ?1", refund_no, s, sizeof s),
			    "SUCCESS");
	assert_string_equal(tf_text(f, "SELECT refund_id FROM refunds WHERE out_refund_no = ?1", refund_no, s,
				    sizeof s),
			    q.refund_id);
	assert_string_equal(tf_text(f, "SELECT state FROM payments WHERE out_trade_no = ?1", order, s, sizeof s),
			    "REFUND");
	tf_expect_case(f, no, "cancelled", "payment");
	assert_int_equal(tf_int(f, "SELECT finished FROM cases WHERE case_no = ?1", no), 1);
	assert_int_equal(tf_audit_count(f, no, "refund.approve"), 1);
	assert_int_equal(tf_audit_count(f, no, "case.cancel"), 1);

	/* the same number again: the same refund, nothing more */
	pay_refund again = q;
	memset(again.refund_id, 0, sizeof again.refund_id);
	assert_int_equal(pay_refund_order(f->k.pay, &again, &err), PR_OK);
	assert_string_equal(again.refund_id, q.refund_id);
	/* and no second refund of the case */
	assert_int_not_equal(db_refund_approve(f->k.db, no, "demo01", "demosup", "again", &r, &err), 0);

	/* the case taken up: cancelled, no step recorded any more */
	cs = case_flow_resume(&f->k, no);
	assert_non_null(cs);
	assert_int_equal(cs->rec.status, CS_CANCELLED);
	assert_false(case_flow_commit(&f->k, cs, STEP_SLIP, "after the refund"));
	assert_true(cs->step_failed);
	tf_expect_case(f, no, "cancelled", "payment");
	case_flow_free(cs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(refund_of_paid_case, tf_setup, tf_teardown),
	};
	return cmocka_run_group_tests(tests, tf_group_setup, tf_group_teardown);
}
