#include "tui/flow/pay_flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "db/repo/payment_repo.h"
#include "tui/flow/poll_job.h"

static void record_payment(counter *k, case_flow *cs)
{
	payment_rec p = { 0 };
	snprintf(p.case_no, sizeof p.case_no, "%s", cs->rec.case_no);
	snprintf(p.out_trade_no, sizeof p.out_trade_no, "%s", cs->order.out_trade_no);
	p.amount_fen = cs->order.amount_fen;
	p.state = cs->order.state;
	snprintf(p.transaction_id, sizeof p.transaction_id, "%s", cs->order.transaction_id);
	/* the code the customer scans is kept with the order (a resume shows it again) */
	snprintf(p.code_url, sizeof p.code_url, "%s", cs->order.code_url);
	p.verified = cs->order.verified;
	kerr err = { 0 };
	if (db_payment_record(k->db, k->user.id, &p, &err) != 0)
		counter_say_err(k, &err);
}

static void fail(counter *k, case_flow *cs, pay_result r, const char *detail)
{
	snprintf(cs->step_msg, sizeof cs->step_msg, detail ? "%s %s" : "%s", counter_str(k, pay_result_key(r)),
		 detail ? detail : "");
	cs->step_failed = true;
}

flow_outcome pay_flow_create(counter *k, case_flow *cs)
{
	kerr err = { 0 };
	pay_flow_wait(cs);
	memset(&cs->order, 0, sizeof cs->order);
	if (!k->pay) {
		fail(k, cs, PR_NOT_SUPPORTED, NULL);
		return FLOW_FAILED;
	}
	if (pay_trade_no(cs->rec.case_no, cs->pay_attempt, cs->order.out_trade_no) != 0)
		return FLOW_STAY;
	cs->order.amount_fen = cs->rec.fee_fen;
	snprintf(cs->order.description, sizeof cs->order.description, "%s", cs->svc->label[LANG_ZH]);
	cs->order.expire_ms = clock_now_ms() + (int64_t)k->cfg->payment.order_expiry_minutes * 60000;
	pay_result r = pay_create(k->pay, &cs->order, &err);
	if (r != PR_OK) {
		fail(k, cs, r, err.msg);
		return FLOW_FAILED;
	}
	cs->order_made = true;
	cs->step_failed = false;
	cs->step_msg[0] = '\0';
	record_payment(k, cs);
	/* What the customer was shown to scan, for the supervisor and reconciliation. */
	db_audit_append(k->db, k->user.id, AUD_PAYMENT_QR, cs->rec.case_no, cs->order.code_url, &err);
	return FLOW_STAY;
}

/* Take the gateway's answer to a query: the query's answer is what counts.
 * *r_out is the result as the gateway gave it (PR_NOT_FOUND: no such order). */
static flow_outcome apply_query(counter *k, case_flow *cs, pay_result r, pay_order *o, const kerr *err,
				pay_result *r_out)
{
	pay_state before = cs->order.state;
	*r_out = r;
	if (r != PR_OK) {
		fail(k, cs, r, err->msg);
		return FLOW_FAILED;
	}
	/* no such order at the gateway: the order in hand stays as it is */
	if (o->state == PAY_NOTFOUND) {
		fail(k, cs, PR_NOT_FOUND, NULL);
		*r_out = PR_NOT_FOUND;
		return FLOW_FAILED;
	}
	cs->step_failed = false;
	cs->step_msg[0] = '\0';
	/* a query does not repeat the code or the expiry: keep what the create gave */
	if (!o->code_url[0])
		snprintf(o->code_url, sizeof o->code_url, "%s", cs->order.code_url);
	if (!o->expire_ms)
		o->expire_ms = cs->order.expire_ms;
	if (!o->description[0])
		snprintf(o->description, sizeof o->description, "%s", cs->order.description);
	cs->order = *o;
	if (o->state != before)
		record_payment(k, cs);
	if (o->state == PAY_SUCCESS && o->verified) {
		char detail[96];
		snprintf(detail, sizeof detail, "paid %lld fen, transaction %s", (long long)o->amount_fen,
			 o->transaction_id);
		return case_flow_commit(k, cs, STEP_PAYMENT, detail) ? FLOW_NEXT : FLOW_FAILED;
	}
	return FLOW_STAY;
}

/* Wait for the query in flight, if any; its answer is dropped (discard),
 * else taken. */
static flow_outcome poll_finish(counter *k, case_flow *cs, bool discard)
{
	poll_job *j = cs ? cs->poll_job : NULL;
	if (!j)
		return FLOW_STAY;
	cs->poll_job = NULL;
	if (discard || !cs->order_made || strcmp(poll_job_trade_no(j), cs->order.out_trade_no) != 0) {
		poll_job_drop(j);
		return FLOW_STAY;
	}
	pay_order o;
	kerr err = { 0 };
	pay_result q = poll_job_take(j, &o, &err), r;
	return apply_query(k, cs, q, &o, &err, &r);
}

void pay_flow_wait(case_flow *cs)
{
	poll_finish(NULL, cs, true);
}

/* Ask the gateway now and wait for the answer; *r as the gateway answered. */
static flow_outcome poll_now(counter *k, case_flow *cs, pay_result *r)
{
	pay_flow_wait(cs);
	*r = PR_NOT_SUPPORTED;
	if (!cs->order_made || !k->pay)
		return FLOW_STAY;
	pay_order o;
	kerr err = { 0 };
	pay_result q = pay_query(k->pay, cs->order.out_trade_no, &o, &err);
	return apply_query(k, cs, q, &o, &err, r);
}

flow_outcome pay_flow_poll(counter *k, case_flow *cs)
{
	pay_result r;
	return poll_now(k, cs, &r);
}

flow_outcome pay_flow_tick(counter *k, case_flow *cs)
{
	if (cs->poll_job && poll_job_done(cs->poll_job))
		return poll_finish(k, cs, false);
	if (cs->poll_job || !cs->order_made || !k->pay ||
	    clock_now_ms() - cs->last_poll_ms < (int64_t)k->cfg->payment.poll_seconds * 1000)
		return FLOW_STAY;
	cs->last_poll_ms = clock_now_ms();
	cs->poll_job = poll_job_start(k->pay, cs->order.out_trade_no);
	if (!cs->poll_job)
		return pay_flow_poll(k, cs); /* no thread: ask in line */
	return FLOW_STAY;
}

/* A case resumed at the payment step (the kiosk was restarted, or the clerk
 * came back to it): the order it already made, never a second one. An open
 * order comes back with the code the customer was shown, and the gateway is
 * asked at once (its answer counts); a closed one makes room for the next
 * attempt. *taken when an open order was taken up. */
static flow_outcome resume_order(counter *k, case_flow *cs, bool *taken)
{
	payment_rec p;
	char code_url[sizeof cs->order.code_url];
	kerr err = { 0 };
	*taken = false;
	if (db_payment_latest(k->db, cs->rec.case_no, &p, code_url, sizeof code_url, &err) != 0)
		return FLOW_STAY;
	int attempt = 0;
	for (int n = 1; n <= 99 && !attempt; n++) {
		char no[PAY_TRADE_NO_MAX + 1];
		if (pay_trade_no(cs->rec.case_no, n, no) == 0 && strcmp(no, p.out_trade_no) == 0)
			attempt = n;
	}
	if (!attempt)
		return FLOW_STAY;
	cs->pay_attempt = attempt;
	pay_state st = p.state;
	if (st == PAY_CLOSED || st == PAY_REVOKED || st == PAY_PAYERROR) {
		cs->pay_attempt = attempt + 1;
		return FLOW_STAY;
	}
	*taken = true;
	memset(&cs->order, 0, sizeof cs->order);
	snprintf(cs->order.out_trade_no, sizeof cs->order.out_trade_no, "%s", p.out_trade_no);
	snprintf(cs->order.code_url, sizeof cs->order.code_url, "%s", code_url);
	snprintf(cs->order.description, sizeof cs->order.description, "%s", cs->svc->label[LANG_ZH]);
	cs->order.amount_fen = p.amount_fen;
	cs->order.state = st;
	/* the countdown: from when the order was recorded (within a second of
	 * the time_expire the gateway was given) */
	cs->order.expire_ms = p.created_ms + (int64_t)k->cfg->payment.order_expiry_minutes * 60000;
	cs->order_made = true;
	/* the gateway never had it (the demo gateway forgets on restart; a create
	 * that was recorded but not sent): the same number is created now */
	pay_result r;
	flow_outcome out = poll_now(k, cs, &r);
	if (r == PR_NOT_FOUND) {
		cs->order_made = false;
		return pay_flow_create(k, cs);
	}
	return out;
}

flow_outcome pay_flow_enter(counter *k, case_flow *cs)
{
	if (cs->rec.fee_fen <= 0) {
		/* Nothing to charge (no seal bought, say): the step is recorded as such. */
		return case_flow_commit(k, cs, STEP_PAYMENT, "nothing to pay") ? FLOW_NEXT : FLOW_FAILED;
	}
	if (cs->order_made)
		return FLOW_STAY;
	bool taken;
	flow_outcome out = resume_order(k, cs, &taken);
	if (taken)
		return out;
	if (cs->pay_attempt < 1)
		cs->pay_attempt = 1;
	return pay_flow_create(k, cs);
}

flow_outcome pay_flow_settle_demo(counter *k, case_flow *cs)
{
	kerr err = { 0 };
	pay_flow_wait(cs);
	if (k->demo && cs->order_made)
		pay_demo_settle(k->pay, cs->order.out_trade_no, &err);
	return pay_flow_poll(k, cs);
}

flow_outcome pay_flow_again(counter *k, case_flow *cs)
{
	if (cs->order_made && cs->order.state != PAY_CLOSED) {
		counter_say(k, counter_str(k, "pay.still_open"));
		return FLOW_STAY;
	}
	cs->pay_attempt++;
	return pay_flow_create(k, cs);
}

flow_outcome pay_flow_cancel(counter *k, case_flow *cs)
{
	return pay_flow_cancel_why(k, cs, NULL, "cancelled at payment");
}

flow_outcome pay_flow_cancel_why(counter *k, case_flow *cs, const char *code, const char *why)
{
	kerr err = { 0 };
	pay_flow_wait(cs);
	if (cs->order_made && k->pay) {
		pay_result r = pay_close(k->pay, cs->order.out_trade_no, &err);
		if (r == PR_PAID) {
			/* the customer paid in the meantime: record it, do not cancel
			 * (a paid case is cancelled by refund, with a supervisor) */
			flow_outcome out = pay_flow_poll(k, cs);
			counter_say(k, counter_str(k, "pay.paid_meanwhile"));
			return out == FLOW_NEXT ? FLOW_NEXT : FLOW_STAY;
		}
		if (r != PR_OK && r != PR_NOT_FOUND && r != PR_CLOSED) {
			/* the order may still be payable: keep the case and say so */
			fail(k, cs, r, err.msg);
			return FLOW_FAILED;
		}
		if (r == PR_OK || r == PR_CLOSED) {
			cs->order.state = PAY_CLOSED;
			record_payment(k, cs);
		}
	}
	return case_flow_cancel_coded(k, cs, code, why);
}
