/* test_flow_pay: the payment step (tui/flow/pay_flow.h) on the demo gateway
 * with a real database file and a pinned clock (tests/unit/testflow.h).
 * Entering the step makes the order of attempt 1 (NOTPAY, recorded in
 * payments, the QR's code audited); asked while unpaid it stays; settled, the
 * verified SUCCESS commits the payment step with its transaction id. An order
 * left past order_expiry_minutes reads CLOSED and the next attempt makes a
 * second number ("again" is refused while the first can still be paid). A
 * restart at the payment step takes up the same order: with the gateway
 * that made it (the code kept; paid while the kiosk was down: committed), and
 * with a fresh demo gateway that never saw it (the same number made again,
 * still one row) — never a second order, never two paid. Cancelling an
 * unpaid order closes it and cancels the case; an order paid meanwhile is
 * recorded and the case kept; a gateway that does not answer keeps the case.
 * The background query: started by a tick every poll_seconds (on the pinned
 * clock), its answer taken at a later tick, dropped by pay_flow_wait(), and
 * waited for by case_flow_free(). A fee of nothing commits the step without
 * an order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "tests/unit/testflow.h"

#define FEE 30000 /* rs.new, one year: opening 100 + annual 200 yuan */

static const char *trade_no(const case_flow *cs, int attempt, char out[PAY_TRADE_NO_MAX + 1])
{
	if (pay_trade_no(cs->rec.case_no, attempt, out) != 0)
		fail_msg("no trade number for %s attempt %d", cs->rec.case_no, attempt);
	return out;
}

/* The case's orders as "number=STATE/verified;..." in the order made. */
static const char *orders(tf_fx *f, const char *case_no, char *out, size_t n)
{
	return tf_text(f, "SELECT coalesce(group_concat(p.out_trade_no || '=' || p.state || '/' || p.verified, ';'), '')"
			  " FROM (SELECT p.* FROM payments p JOIN cases c ON c.id = p.case_id"
			  "  WHERE c.case_no = ?1 ORDER BY p.id) p", case_no, out, n);
}

/* Never two orders under one number, never two paid orders for one case. */
static void one_paid_at_most(tf_fx *f, const char *case_no)
{
	assert_int_equal(tf_int(f, "SELECT count(*) FROM (SELECT out_trade_no FROM payments"
				   " GROUP BY out_trade_no HAVING count(*) > 1)", NULL), 0);
	assert_true(tf_int(f, "SELECT count(*) FROM payments p JOIN cases c ON c.id = p.case_id"
			      " WHERE c.case_no = ?1 AND p.state IN ('SUCCESS', 'REFUND')", case_no) <= 1);
}

static void expect_orders(tf_fx *f, const char *case_no, const char *want)
{
	char s[512];
	orders(f, case_no, s, sizeof s);
	if (strcmp(s, want) != 0)
		fail_msg("orders of %s: %s, expected %s", case_no, s, want);
	one_paid_at_most(f, case_no);
}

/* The kiosk restarted at the payment step: the store opened again on the
 * same file and the clerk signed in again; the demo gateway kept (as a real
 * gateway lives on) or made anew (a restarted demo knows no order). */
static void restart(tf_fx *f, bool new_gateway)
{
	tf_reopen_db(f);
	memset(&f->k.user, 0, sizeof f->k.user);
	f->k.signed_in = false;
	tf_sign_in(f, "demo01");
	if (new_gateway) {
		kerr err = { 0 };
		pay_dev_free(f->k.pay);
		f->k.pay = pay_demo_new(&err);
		assert_non_null(f->k.pay);
	}
}

/* Ticks until the query in flight has answered; the last tick's outcome. */
static flow_outcome take_answer(tf_fx *f, case_flow *cs)
{
	flow_outcome out = FLOW_STAY;
	struct timespec ms = { 0, 1000000 };
	for (int i = 0; cs->poll_job && i < 10000; i++) {
		out = pay_flow_tick(&f->k, cs);
		if (cs->poll_job)
			nanosleep(&ms, NULL);
	}
	assert_null(cs->poll_job);
	return out;
}

/* A 新办 at the payment step with its first order made (the code on screen):
 * the case number into no (n bytes) and the order's trade number into t1,
 * copies that outlive the case_flow. */
static case_flow *order_made(tf_fx *f, char *no, size_t n, char t1[PAY_TRADE_NO_MAX + 1])
{
	case_flow *cs = tf_new_to_payment(f, "rs.new");
	snprintf(no, n, "%s", cs->rec.case_no);
	trade_no(cs, 1, t1);
	assert_int_equal(pay_flow_enter(&f->k, cs), FLOW_STAY);
	return cs;
}

static void order_then_paid(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_new_to_payment(f, "rs.new");
	const char *no = cs->rec.case_no;
	char t1[PAY_TRADE_NO_MAX + 1], s[600];
	trade_no(cs, 1, t1);

	assert_int_equal(pay_flow_enter(&f->k, cs), FLOW_STAY);
	assert_true(cs->order_made);
	assert_int_equal(cs->pay_attempt, 1);
	assert_string_equal(cs->order.out_trade_no, t1);
	assert_int_equal(cs->order.state, PAY_NOTPAY);
	assert_int_equal(cs->order.amount_fen, FEE);
	assert_true(cs->order.code_url[0] != '\0');
	assert_int_equal(cs->order.expire_ms, tf_t0() + 15 * 60000LL);
	snprintf(s, sizeof s, "%s=NOTPAY/1", t1);
	expect_orders(f, no, s);
	assert_int_equal(tf_int(f, "SELECT amount_fen FROM payments WHERE out_trade_no = ?1", t1), FEE);
	char url[600];
	assert_string_equal(tf_text(f, "SELECT detail FROM audit WHERE action = 'payment.qr' AND case_no = ?1", no,
				    url, sizeof url),
			    cs->order.code_url);

	/* unpaid: asked, it stays; entering again or "again" makes nothing new */
	assert_int_equal(pay_flow_poll(&f->k, cs), FLOW_STAY);
	assert_int_equal(cs->order.state, PAY_NOTPAY);
	assert_false(cs->step_failed);
	assert_int_equal(pay_flow_enter(&f->k, cs), FLOW_STAY);
	f->said[0] = '\0';
	assert_int_equal(pay_flow_again(&f->k, cs), FLOW_STAY);
	assert_string_equal(f->said, counter_str(&f->k, "pay.still_open"));
	assert_int_equal(cs->pay_attempt, 1);
	expect_orders(f, no, s);
	tf_expect_case(f, no, "accepted", "token");

	/* the customer pays */
	kerr err = { 0 };
	assert_int_equal(pay_demo_settle(f->k.pay, t1, &err), PR_OK);
	assert_int_equal(pay_flow_poll(&f->k, cs), FLOW_NEXT);
	assert_int_equal(cs->order.state, PAY_SUCCESS);
	assert_true(cs->order.verified);
	assert_int_equal(strncmp(cs->order.transaction_id, "4200000", 7), 0);
	assert_int_equal(case_flow_next(cs), STEP_SLIP);
	tf_expect_case(f, no, "accepted", "payment");
	snprintf(s, sizeof s, "%s=SUCCESS/1", t1);
	expect_orders(f, no, s);
	char tx[64];
	assert_string_equal(tf_text(f, "SELECT transaction_id FROM payments WHERE out_trade_no = ?1", t1, tx, sizeof tx),
			    cs->order.transaction_id);
	char want[200];
	snprintf(want, sizeof want, "paid %d fen, transaction %s", FEE, cs->order.transaction_id);
	assert_string_equal(tf_text(f, "SELECT s.detail FROM case_steps s JOIN cases c ON c.id = s.case_id"
				       " WHERE c.case_no = ?1 AND s.step = 'payment'", no, s, sizeof s),
			    want);
	case_flow_free(cs);
}

static void expired_then_again(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_new_to_payment(f, "rs.new");
	const char *no = cs->rec.case_no;
	char t1[PAY_TRADE_NO_MAX + 1], t2[PAY_TRADE_NO_MAX + 1], want[200];
	trade_no(cs, 1, t1);
	trade_no(cs, 2, t2);
	assert_string_not_equal(t1, t2);
	assert_int_equal(pay_flow_enter(&f->k, cs), FLOW_STAY);
	assert_true(pay_flow_qr_shown(cs, clock_now_ms()));

	/* one millisecond before the expiry it is still open */
	clock_set_fixed(tf_t0() + 15 * 60000LL - 1);
	assert_int_equal(pay_flow_poll(&f->k, cs), FLOW_STAY);
	assert_int_equal(cs->order.state, PAY_NOTPAY);
	assert_true(pay_flow_qr_shown(cs, clock_now_ms()));
	/* at order_expiry_minutes the gateway has closed it: no QR any more */
	clock_set_fixed(tf_t0() + (int64_t)f->k.cfg->payment.order_expiry_minutes * 60000);
	assert_false(pay_flow_qr_shown(cs, clock_now_ms())); /* expired, before any answer */
	assert_int_equal(pay_flow_poll(&f->k, cs), FLOW_STAY);
	assert_int_equal(cs->order.state, PAY_CLOSED);
	assert_false(pay_flow_qr_shown(cs, clock_now_ms()));
	snprintf(want, sizeof want, "%s=CLOSED/1", t1);
	expect_orders(f, no, want);
	kerr err = { 0 };
	assert_int_equal(pay_demo_settle(f->k.pay, t1, &err), PR_CLOSED); /* too late to pay it */

	/* the next attempt: a new number */
	assert_int_equal(pay_flow_again(&f->k, cs), FLOW_STAY);
	assert_int_equal(cs->pay_attempt, 2);
	assert_string_equal(cs->order.out_trade_no, t2);
	assert_int_equal(cs->order.state, PAY_NOTPAY);
	snprintf(want, sizeof want, "%s=CLOSED/1;%s=NOTPAY/1", t1, t2);
	expect_orders(f, no, want);
	assert_int_equal(pay_flow_settle_demo(&f->k, cs), FLOW_NEXT);
	snprintf(want, sizeof want, "%s=CLOSED/1;%s=SUCCESS/1", t1, t2);
	expect_orders(f, no, want);
	tf_expect_case(f, no, "accepted", "payment");
	case_flow_free(cs);
}

/* WeChat keeps a Native code_url for two hours whatever time_expire: an
 * order open longer than that shows its QR no more. */
static void code_url_two_hours(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_new_to_payment(f, "rs.new");
	assert_int_equal(pay_flow_enter(&f->k, cs), FLOW_STAY);
	cs->order.expire_ms = clock_now_ms() + 3 * 3600 * 1000LL; /* as a long time_expire would */
	assert_true(pay_flow_qr_shown(cs, clock_now_ms() + 2 * 3600 * 1000LL - 1000));
	assert_false(pay_flow_qr_shown(cs, clock_now_ms() + 2 * 3600 * 1000LL + 1000));
	assert_true(pay_flow_expires_ms(cs) <= clock_now_ms() + 2 * 3600 * 1000LL);
	case_flow_free(cs);
}

/* ---- a restart at the payment step ---- */

static void restart_same_gateway(void **state)
{
	tf_fx *f = *state;
	char no[40], t1[PAY_TRADE_NO_MAX + 1], want[200];
	case_flow *cs = order_made(f, no, sizeof no, t1);
	char url[sizeof cs->order.code_url];
	snprintf(url, sizeof url, "%s", cs->order.code_url);
	pay_flow_wait(cs);
	case_flow_free(cs);

	restart(f, false);
	cs = case_flow_resume(&f->k, no);
	assert_non_null(cs);
	assert_int_equal(case_flow_next(cs), STEP_PAYMENT);
	assert_int_equal(pay_flow_enter(&f->k, cs), FLOW_STAY);
	assert_true(cs->order_made);
	assert_int_equal(cs->pay_attempt, 1);
	assert_string_equal(cs->order.out_trade_no, t1);
	assert_string_equal(cs->order.code_url, url); /* the code the customer was shown */
	assert_int_equal(cs->order.amount_fen, FEE);
	assert_int_equal(cs->order.expire_ms, tf_t0() + 15 * 60000LL);
	assert_int_equal(cs->order.state, PAY_NOTPAY);
	snprintf(want, sizeof want, "%s=NOTPAY/1", t1);
	expect_orders(f, no, want);
	assert_int_equal(tf_audit_count(f, no, "payment.qr"), 1);
	pay_flow_wait(cs);
	case_flow_free(cs);

	/* paid while the kiosk was down: taken up, the step committed */
	kerr err = { 0 };
	assert_int_equal(pay_demo_settle(f->k.pay, t1, &err), PR_OK);
	restart(f, false);
	cs = case_flow_resume(&f->k, no);
	assert_non_null(cs);
	assert_int_equal(pay_flow_enter(&f->k, cs), FLOW_NEXT);
	assert_int_equal(cs->order.state, PAY_SUCCESS);
	snprintf(want, sizeof want, "%s=SUCCESS/1", t1);
	expect_orders(f, no, want);
	tf_expect_case(f, no, "accepted", "payment");
	case_flow_free(cs);
}

static void restart_new_gateway(void **state)
{
	tf_fx *f = *state;
	char no[40], t1[PAY_TRADE_NO_MAX + 1], want[200];
	case_flow *cs = order_made(f, no, sizeof no, t1);
	pay_flow_wait(cs);
	case_flow_free(cs);

	/* a restarted demo: the gateway never saw the order; it is made again
	 * under the same number, in the same row */
	restart(f, true);
	cs = case_flow_resume(&f->k, no);
	assert_non_null(cs);
	assert_int_equal(pay_flow_enter(&f->k, cs), FLOW_STAY);
	assert_true(cs->order_made);
	assert_false(cs->step_failed);
	assert_int_equal(cs->pay_attempt, 1);
	assert_string_equal(cs->order.out_trade_no, t1);
	assert_int_equal(cs->order.state, PAY_NOTPAY);
	snprintf(want, sizeof want, "%s=NOTPAY/1", t1);
	expect_orders(f, no, want);
	assert_int_equal(tf_audit_count(f, no, "payment.qr"), 2);
	pay_order o;
	kerr err = { 0 };
	assert_int_equal(pay_query(f->k.pay, t1, &o, &err), PR_OK);
	assert_int_equal(o.state, PAY_NOTPAY);

	/* and again, paid this time: one order, one payment */
	pay_flow_wait(cs);
	case_flow_free(cs);
	restart(f, true);
	cs = case_flow_resume(&f->k, no);
	assert_non_null(cs);
	assert_int_equal(pay_flow_enter(&f->k, cs), FLOW_STAY);
	assert_string_equal(cs->order.out_trade_no, t1);
	assert_int_equal(pay_flow_settle_demo(&f->k, cs), FLOW_NEXT);
	snprintf(want, sizeof want, "%s=SUCCESS/1", t1);
	expect_orders(f, no, want);
	tf_expect_case(f, no, "accepted", "payment");
	case_flow_free(cs);
}

/* ---- cancelling at the payment step ---- */

static void cancel_unpaid(void **state)
{
	tf_fx *f = *state;
	char no[40], t1[PAY_TRADE_NO_MAX + 1], want[200];
	case_flow *cs = order_made(f, no, sizeof no, t1);
	assert_int_equal(pay_flow_cancel(&f->k, cs), FLOW_HOME);
	case_flow_free(cs);
	tf_expect_case(f, no, "cancelled", "token");
	snprintf(want, sizeof want, "%s=CLOSED/1", t1);
	expect_orders(f, no, want);
	char s[300];
	tf_text(f, "SELECT detail FROM audit WHERE case_no = ?1 AND action = 'case.cancel'", no, s, sizeof s);
	assert_non_null(strstr(s, "cancelled at payment"));
	/* closed at the gateway too: the customer can no longer pay it */
	kerr err = { 0 };
	assert_int_equal(pay_demo_settle(f->k.pay, t1, &err), PR_CLOSED);
}

static void cancel_paid_meanwhile(void **state)
{
	tf_fx *f = *state;
	char no[40], t1[PAY_TRADE_NO_MAX + 1], want[200];
	case_flow *cs = order_made(f, no, sizeof no, t1);
	/* the customer pays as the clerk cancels, before the kiosk asked */
	kerr err = { 0 };
	assert_int_equal(pay_demo_settle(f->k.pay, t1, &err), PR_OK);
	f->said[0] = '\0';
	/* the payment is recorded and its step committed: the case goes on to
	 * its slip (a paid case is cancelled only by a refund) */
	assert_int_equal(pay_flow_cancel(&f->k, cs), FLOW_NEXT);
	assert_string_equal(f->said, counter_str(&f->k, "pay.paid_meanwhile"));
	assert_int_equal(cs->order.state, PAY_SUCCESS);
	tf_expect_case(f, no, "accepted", "payment");
	snprintf(want, sizeof want, "%s=SUCCESS/1", t1);
	expect_orders(f, no, want);
	assert_int_equal(tf_audit_count(f, no, "case.cancel"), 0);
	case_flow_free(cs);
}

static void cancel_gateway_silent(void **state)
{
	tf_fx *f = *state;
	char no[40], t1[PAY_TRADE_NO_MAX + 1], want[200];
	case_flow *cs = order_made(f, no, sizeof no, t1);
	kerr err = { 0 };
	assert_int_equal(pay_demo_fail_next(f->k.pay, PR_NETWORK, &err), 0);
	/* the order may still be payable: the case is kept, the reason shown */
	assert_int_equal(pay_flow_cancel(&f->k, cs), FLOW_FAILED);
	assert_true(cs->step_failed);
	assert_non_null(strstr(cs->step_msg, counter_str(&f->k, pay_result_key(PR_NETWORK))));
	tf_expect_case(f, no, "accepted", "token");
	snprintf(want, sizeof want, "%s=NOTPAY/1", t1);
	expect_orders(f, no, want);
	/* the gateway back: cancelled */
	assert_int_equal(pay_flow_cancel(&f->k, cs), FLOW_HOME);
	tf_expect_case(f, no, "cancelled", "token");
	case_flow_free(cs);
}

/* ---- the background query ---- */

static void tick_in_background(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_new_to_payment(f, "rs.new");
	const char *no = cs->rec.case_no;
	char t1[PAY_TRADE_NO_MAX + 1];
	trade_no(cs, 1, t1);
	int64_t every = (int64_t)f->k.cfg->payment.poll_seconds * 1000;
	int64_t now = tf_t0();
	assert_null(cs->poll_job);
	/* no order yet: nothing to ask */
	assert_int_equal(pay_flow_tick(&f->k, cs), FLOW_STAY);
	assert_null(cs->poll_job);
	assert_int_equal(pay_flow_enter(&f->k, cs), FLOW_STAY);

	/* the first tick asks at once; a later tick takes the answer */
	assert_int_equal(pay_flow_tick(&f->k, cs), FLOW_STAY);
	assert_non_null(cs->poll_job);
	assert_int_equal(cs->last_poll_ms, now);
	assert_int_equal(take_answer(f, cs), FLOW_STAY);
	assert_int_equal(cs->order.state, PAY_NOTPAY);
	/* not again before poll_seconds */
	assert_int_equal(pay_flow_tick(&f->k, cs), FLOW_STAY);
	assert_null(cs->poll_job);
	clock_set_fixed(now + every - 1);
	assert_int_equal(pay_flow_tick(&f->k, cs), FLOW_STAY);
	assert_null(cs->poll_job);
	clock_set_fixed(now += every);
	assert_int_equal(pay_flow_tick(&f->k, cs), FLOW_STAY);
	assert_non_null(cs->poll_job);
	assert_int_equal(take_answer(f, cs), FLOW_STAY);

	/* paid; the query in flight is waited for and its answer dropped */
	kerr err = { 0 };
	assert_int_equal(pay_demo_settle(f->k.pay, t1, &err), PR_OK);
	clock_set_fixed(now += every);
	assert_int_equal(pay_flow_tick(&f->k, cs), FLOW_STAY);
	assert_non_null(cs->poll_job);
	pay_flow_wait(cs);
	assert_null(cs->poll_job);
	assert_int_equal(cs->order.state, PAY_NOTPAY);
	tf_expect_case(f, no, "accepted", "token");

	/* the next one's answer is taken: committed */
	clock_set_fixed(now += every);
	assert_int_equal(pay_flow_tick(&f->k, cs), FLOW_STAY);
	assert_non_null(cs->poll_job);
	assert_int_equal(take_answer(f, cs), FLOW_NEXT);
	assert_int_equal(cs->order.state, PAY_SUCCESS);
	tf_expect_case(f, no, "accepted", "payment");
	char want[200];
	snprintf(want, sizeof want, "%s=SUCCESS/1", t1);
	expect_orders(f, no, want);

	/* a query in flight when the case is left: waited for, then freed */
	clock_set_fixed(now += every);
	assert_int_equal(pay_flow_tick(&f->k, cs), FLOW_STAY);
	assert_non_null(cs->poll_job);
	pay_flow_wait(cs);
	assert_null(cs->poll_job);
	case_flow_free(cs);
}

/* case_flow_free() itself waits for a query in flight (case_flow.h): the
 * thread joined and its job freed (LeakSanitizer under make asan). */
static void free_waits(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_new_to_payment(f, "rs.new");
	assert_int_equal(pay_flow_enter(&f->k, cs), FLOW_STAY);
	assert_int_equal(pay_flow_tick(&f->k, cs), FLOW_STAY);
	assert_non_null(cs->poll_job);
	char t1[PAY_TRADE_NO_MAX + 1];
	trade_no(cs, 1, t1);
	case_flow_free(cs);
	/* the gateway is free for the next call at once */
	pay_order o;
	kerr err = { 0 };
	assert_int_equal(pay_query(f->k.pay, t1, &o, &err), PR_OK);
	assert_int_equal(o.state, PAY_NOTPAY);
}

/* A query that fails in the background: said on the step, the order kept. */
static void tick_gateway_error(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_new_to_payment(f, "rs.new");
	assert_int_equal(pay_flow_enter(&f->k, cs), FLOW_STAY);
	kerr err = { 0 };
	assert_int_equal(pay_demo_fail_next(f->k.pay, PR_GATEWAY, &err), 0);
	assert_int_equal(pay_flow_tick(&f->k, cs), FLOW_STAY);
	assert_int_equal(take_answer(f, cs), FLOW_FAILED);
	assert_true(cs->step_failed);
	assert_true(cs->order_made);
	assert_int_equal(cs->order.state, PAY_NOTPAY);
	/* the next answer clears it */
	assert_int_equal(pay_flow_poll(&f->k, cs), FLOW_STAY);
	assert_false(cs->step_failed);
	assert_string_equal(cs->step_msg, "");
	case_flow_free(cs);
}

/* ---- nothing to pay ---- */

/* A seal renewal with no seal bought charges nothing: the step is recorded
 * as such, without an order. */
static void nothing_to_pay(void **state)
{
	tf_fx *f = *state;
	kerr err = { 0 };
	case_flow *cs = tf_open(f, "zc.seal_renew");
	tf_fill(f, cs, TF_UNIT, TF_USCC);
	int seals = -1;
	for (int i = 0; i < cs->n_fields; i++)
		if (cs->kinds[i] == CF_SEALS)
			seals = i;
	assert_true(seals >= 0);
	snprintf(cs->text[seals], CASE_FIELD_BYTES, "0");
	assert_int_equal(token_demo_insert(f->k.tok, "SC-DEMO-0001", &err), 0);
	tf_details(f, cs);
	assert_int_equal(cs->rec.fee_fen, 0);
	tf_materials(f, cs);
	tf_accept(f, cs);
	token_flow_enter(&f->k, cs);
	if (token_flow_run(&f->k, cs) != FLOW_NEXT)
		fail_msg("token: %s", cs->step_msg);
	assert_int_equal(case_flow_next(cs), STEP_PAYMENT);
	assert_int_equal(pay_flow_enter(&f->k, cs), FLOW_NEXT);
	assert_false(cs->order_made);
	char s[200];
	assert_string_equal(tf_text(f, "SELECT s.detail FROM case_steps s JOIN cases c ON c.id = s.case_id"
				       " WHERE c.case_no = ?1 AND s.step = 'payment'", cs->rec.case_no, s, sizeof s),
			    "nothing to pay");
	assert_int_equal(tf_int(f, "SELECT count(*) FROM payments", NULL), 0);
	case_flow_free(cs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(order_then_paid, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(expired_then_again, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(code_url_two_hours, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(restart_same_gateway, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(restart_new_gateway, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(cancel_unpaid, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(cancel_paid_meanwhile, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(cancel_gateway_silent, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(tick_in_background, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(free_waits, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(tick_gateway_error, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(nothing_to_pay, tf_setup, tf_teardown),
	};
	return cmocka_run_group_tests(tests, tf_group_setup, tf_group_teardown);
}
