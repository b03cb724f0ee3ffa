/* test_flow_refund: a paid case refunded through the refund flow
 * (tui/flow/refund_flow.c) with the demo devices (tests/unit/testflow.h):
 * the check says whether a case can be refunded; the supervisor's approval
 * is refused to the clerk who asks, to a clerk and to a wrong PIN; approved,
 * the refund is of the order the payment step recorded, for its whole
 * amount, numbered pay_refund_no(order, 1), and the case is cancelled at
 * once; the gateway's SUCCESS makes the order REFUND; a retry of the same
 * number refunds nothing more; the cancelled case takes no further step.
 * And a case paid twice (a second order paid at the gateway, flagged when
 * recorded): F8's check finds the duplicate first, the approval follows the
 * same maker-checker rules, the gateway refunds that order only, the case
 * keeps its payment and goes on; then F8 offers the case's own refund. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "db/repo/payment_repo.h"
#include "db/repo/refund_repo.h"
#include "tests/unit/testflow.h"

static void refund_of_paid_case(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_new_to_payment(f, "rs.new");
	char no[40], order[PAY_TRADE_NO_MAX + 1], refund_no[PAY_REFUND_NO_MAX + 1];
	snprintf(no, sizeof no, "%s", cs->rec.case_no);

	/* not paid yet: no refund */
	refund_rec had;
	bool pending;
	assert_int_equal(refund_flow_check(&f->k, no, &had, &pending), FLOW_STAY);

	tf_pay(f, cs);
	snprintf(order, sizeof order, "%s", cs->order.out_trade_no);
	int64_t fee = cs->order.amount_fen;
	assert_int_equal(pay_refund_no(order, 1, refund_no), 0);
	case_flow_free(cs);
	assert_int_equal(refund_flow_check(&f->k, no, &had, &pending), FLOW_NEXT);
	assert_false(pending);

	/* the approval: not the one asking, not a clerk, not a wrong PIN */
	char msg[1024], pin[16];
	bool again;
	refund_rec r;
	snprintf(pin, sizeof pin, "246810");
	assert_int_equal(refund_flow_approve(&f->k, no, "客户申请撤销", "demo01", pin, &r, msg, sizeof msg, &again),
			 FLOW_FAILED);
	assert_true(again);
	assert_string_equal(pin, "");
	snprintf(pin, sizeof pin, "000000");
	assert_int_equal(refund_flow_approve(&f->k, no, "客户申请撤销", "demosup", pin, &r, msg, sizeof msg, &again),
			 FLOW_FAILED);
	assert_int_equal(tf_int(f, "SELECT count(*) FROM refunds r JOIN cases c ON c.id = r.case_id"
				   " WHERE c.case_no = ?1", no), 0);
	tf_expect_case(f, no, "accepted", "payment");

	/* the supervisor approves: the case is cancelled now, the refund pending */
	snprintf(pin, sizeof pin, "975310");
	if (refund_flow_approve(&f->k, no, "客户申请撤销", "demosup", pin, &r, msg, sizeof msg, &again) != FLOW_NEXT)
		fail_msg("approve: %s", msg);
	assert_string_equal(r.out_trade_no, order);
	assert_string_equal(r.out_refund_no, refund_no);
	assert_int_equal(r.amount_fen, fee);
	assert_int_equal(r.state, PAY_REFUND_PENDING);
	tf_expect_case(f, no, "cancelled", "payment");
	/* approved and not answered: the check says send it again */
	assert_int_equal(refund_flow_check(&f->k, no, &had, &pending), FLOW_NEXT);
	assert_true(pending);
	/* the customer's account refused it (ABNORMAL), then it was put
	 * through on the merchant platform: F8 asks again, and the answer is
	 * taken up (below, SUCCESS) */
	kerr uerr = { 0 };
	if (db_refund_update(f->k.db, "system", refund_no, PAY_REFUND_ABNORMAL, "50300000000000000000000001",
			     &uerr) != 0)
		fail_msg("abnormal: %s", uerr.msg);
	assert_int_equal(refund_flow_check(&f->k, no, &had, &pending), FLOW_NEXT);
	assert_true(pending);
	assert_int_equal(had.state, PAY_REFUND_ABNORMAL);

	/* the gateway refunds the whole order */
	if (refund_flow_send(&f->k, &r, msg, sizeof msg) != FLOW_NEXT)
		fail_msg("send: %s", msg);
	char s[200];
	assert_string_equal(tf_text(f, "SELECT state FROM refunds WHERE out_refund_no = ?1", refund_no, s, sizeof s),
			    "SUCCESS");
	assert_string_equal(tf_text(f, "SELECT state FROM payments WHERE out_trade_no = ?1", order, s, sizeof s),
			    "REFUND");
	tf_expect_case(f, no, "cancelled", "payment");
	assert_int_equal(tf_int(f, "SELECT finished FROM cases WHERE case_no = ?1", no), 1);
	assert_int_equal(tf_audit_count(f, no, "refund.approve"), 1);
	assert_int_equal(tf_audit_count(f, no, "case.cancel"), 1);
	/* refunded: no second one */
	assert_int_equal(refund_flow_check(&f->k, no, &had, &pending), FLOW_STAY);

	/* the same number again at the gateway: the same refund, nothing more */
	char refund_id[80];
	tf_text(f, "SELECT refund_id FROM refunds WHERE out_refund_no = ?1", refund_no, refund_id, sizeof refund_id);
	pay_refund q;
	kerr err = { 0 };
	memset(&q, 0, sizeof q);
	snprintf(q.out_trade_no, sizeof q.out_trade_no, "%s", order);
	snprintf(q.out_refund_no, sizeof q.out_refund_no, "%s", refund_no);
	q.total_fen = q.refund_fen = fee;
	assert_int_equal(pay_refund_order(f->k.pay, &q, &err), PR_OK);
	assert_string_equal(q.refund_id, refund_id);

	/* the case taken up: cancelled, no step recorded any more */
	cs = case_flow_resume(&f->k, no);
	assert_non_null(cs);
	assert_int_equal(cs->rec.status, CS_CANCELLED);
	assert_false(case_flow_commit(&f->k, cs, STEP_SLIP, "after the refund"));
	assert_true(cs->step_failed);
	tf_expect_case(f, no, "cancelled", "payment");
	case_flow_free(cs);
}

static void refund_of_duplicate(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_new_to_payment(f, "rs.new");
	char no[40], o1[PAY_TRADE_NO_MAX + 1];
	snprintf(no, sizeof no, "%s", cs->rec.case_no);
	tf_pay(f, cs);
	snprintf(o1, sizeof o1, "%s", cs->order.out_trade_no);
	int64_t fee = cs->order.amount_fen;
	dup_target t;
	refund_rec had;
	bool pending;
	/* one payment: no duplicate (F8 goes on to the case's refund) */
	assert_int_equal(refund_flow_dup_check(&f->k, no, NULL, false, &t, &had, &pending), FLOW_STAY);
	/* a second order of the case paid at the gateway (a code seen before) */
	kerr err = { 0 };
	pay_order o;
	memset(&o, 0, sizeof o);
	assert_int_equal(pay_trade_no(no, 2, o.out_trade_no), 0);
	o.amount_fen = fee;
	snprintf(o.description, sizeof o.description, "数字证书新办");
	o.expire_ms = clock_now_ms() + 15 * 60 * 1000;
	assert_int_equal(pay_create(f->k.pay, &o, &err), PR_OK);
	assert_int_equal(pay_demo_settle(f->k.pay, o.out_trade_no, &err), 0);
	assert_int_equal(pay_query(f->k.pay, o.out_trade_no, &o, &err), PR_OK);
	payment_rec p = { 0 };
	snprintf(p.case_no, sizeof p.case_no, "%s", no);
	snprintf(p.out_trade_no, sizeof p.out_trade_no, "%s", o.out_trade_no);
	p.amount_fen = fee;
	p.state = o.state;
	p.verified = o.verified;
	snprintf(p.transaction_id, sizeof p.transaction_id, "%s", o.transaction_id);
	assert_int_equal(db_payment_record(f->k.db, "demo01", &p, &err), 0);
	/* F8: the duplicate first */
	assert_int_equal(refund_flow_dup_check(&f->k, no, NULL, false, &t, &had, &pending), FLOW_NEXT);
	assert_string_equal(t.out_trade_no, o.out_trade_no);
	assert_false(pending);
	/* the case's own payment is not a duplicate */
	assert_int_equal(refund_flow_dup_check(&f->k, no, o1, true, &t, &had, &pending), FLOW_STAY);
	assert_int_equal(refund_flow_dup_check(&f->k, no, NULL, false, &t, &had, &pending), FLOW_NEXT);
	char msg[1024], pin[16];
	bool again;
	refund_rec r;
	snprintf(pin, sizeof pin, TF_PIN_CLERK); /* the one asking cannot approve */
	assert_int_equal(refund_flow_dup_approve(&f->k, &t, "重复扣款退还", "demo01", pin, &r, msg, sizeof msg, &again),
			 FLOW_FAILED);
	assert_true(again);
	snprintf(pin, sizeof pin, TF_PIN_SUP);
	if (refund_flow_dup_approve(&f->k, &t, "重复扣款退还", "demosup", pin, &r, msg, sizeof msg, &again) != FLOW_NEXT)
		fail_msg("approve: %s", msg);
	char want[PAY_REFUND_NO_MAX + 1];
	assert_int_equal(pay_refund_dup_no(o.out_trade_no, want), 0);
	assert_string_equal(r.out_refund_no, want);
	assert_string_equal(r.requested_by, "demo01");
	assert_string_equal(r.approved_by, "demosup");
	tf_expect_case(f, no, "accepted", "payment"); /* not cancelled */
	assert_int_equal(refund_flow_send(&f->k, &r, msg, sizeof msg), FLOW_NEXT);
	assert_non_null(strstr(msg, want)); /* refund.dup_sent: the number and the order */
	assert_non_null(strstr(msg, o.out_trade_no));
	for (int i = 0; i < 3 && tf_int(f, "SELECT state = 'SUCCESS' FROM refunds WHERE out_refund_no = ?1", want) != 1; i++)
		assert_int_equal(refund_flow_send(&f->k, &r, msg, sizeof msg), FLOW_NEXT);
	assert_int_equal(tf_int(f, "SELECT state = 'REFUND' FROM payments WHERE out_trade_no = ?1", o.out_trade_no), 1);
	assert_int_equal(tf_int(f, "SELECT state = 'SUCCESS' FROM payments WHERE out_trade_no = ?1", o1), 1);
	tf_expect_case(f, no, "accepted", "payment");
	/* refunded: F8 goes on to the case's own refund; named, it is said */
	assert_int_equal(refund_flow_dup_check(&f->k, no, NULL, false, &t, &had, &pending), FLOW_STAY);
	assert_int_equal(refund_flow_dup_check(&f->k, no, o.out_trade_no, true, &t, &had, &pending), FLOW_FAILED);
	assert_int_equal(refund_flow_check(&f->k, no, &had, &pending), FLOW_NEXT);
	/* the case goes on to its slip with its one payment */
	slip_flow_make(&f->k, cs);
	assert_false(cs->step_failed);
	tf_expect_case(f, no, "completed", "slip");
	case_flow_free(cs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(refund_of_paid_case, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(refund_of_duplicate, tf_setup, tf_teardown),
	};
	return cmocka_run_group_tests(tests, tf_group_setup, tf_group_teardown);
}
