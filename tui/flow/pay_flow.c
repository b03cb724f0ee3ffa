/* pay_flow: the payment step. Money is written before it is shown: the
 * order's row is recorded (NOTPAY, its out_trade_no) before the gateway is
 * asked to make it, and its code_url after; the QR code is shown only once
 * the store holds what the customer would scan. A record that failed is
 * retried at every tick before anything else, and a create whose answer was
 * lost is followed by a query of the same number before anything else. A
 * new order and a cancel first close the previous one and ask its state, and
 * an order found paid, at any time, is taken up as the case's payment. */
#include "tui/flow/pay_flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "forms/casewords.h"
#include "db/repo/payment_repo.h"
#include "tui/flow/poll_job.h"

/* WeChat keeps a Native code_url valid for two hours, whatever time_expire. */
#define CODE_URL_MS (2 * 3600 * 1000LL)

static void fail(counter *k, case_flow *cs, pay_result r, const char *detail)
{
	strings_join(counter_str(k, pay_result_key(r)), detail, cs->step_msg, sizeof cs->step_msg);
	cs->step_failed = true;
}

/* The store could not take the order: said with the reason, the QR hidden. */
static void fail_record(counter *k, case_flow *cs, const kerr *err)
{
	char why[600];
	kerr_text(err, why, sizeof why);
	strings_join(counter_str(k, "pay.not_recorded"), why, cs->step_msg, sizeof cs->step_msg);
	cs->step_failed = true;
}

static void ok(case_flow *cs)
{
	cs->step_failed = false;
	cs->step_msg[0] = '\0';
}

/* The order in hand into the store, with the code the customer is shown
 * (and its payment.qr row) in the same transaction. false: said, and the
 * order stays to be recorded (rec_dirty) at the next tick. */
static bool record(counter *k, case_flow *cs, bool new_code)
{
	payment_rec p = { 0 };
	snprintf(p.case_no, sizeof p.case_no, "%s", cs->rec.case_no);
	snprintf(p.out_trade_no, sizeof p.out_trade_no, "%s", cs->order.out_trade_no);
	p.amount_fen = cs->order.amount_fen;
	p.state = cs->order.state == PAY_NOTFOUND ? PAY_NOTPAY : cs->order.state;
	snprintf(p.transaction_id, sizeof p.transaction_id, "%s", cs->order.transaction_id);
	snprintf(p.code_url, sizeof p.code_url, "%s", cs->order.code_url);
	p.verified = cs->order.verified;
	kerr err = { 0 };
	bool tx = new_code && db_tx_begin(k->db, &err) == 0;
	if ((new_code && !tx) || db_payment_record(k->db, k->user.id, &p, &err) != 0 ||
	    (new_code && (db_audit_append(k->db, k->user.id, AUD_PAYMENT_QR, cs->rec.case_no, cs->order.code_url,
					  &err) != 0 ||
			  db_tx_commit(k->db, &err) != 0))) {
		if (tx)
			db_tx_rollback(k->db);
		cs->rec_dirty = true;
		fail_record(k, cs, &err);
		return false;
	}
	cs->rec_dirty = false;
	return true;
}

/* The payment step on the verified SUCCESS in hand (the store checks it
 * again): FLOW_NEXT, or FLOW_FAILED said. A second paid order of the case is
 * said as flagged for refund. */
static flow_outcome commit_paid(counter *k, case_flow *cs)
{
	payment_rec first, dup;
	kerr err = { 0 };
	if (db_payment_flagged(k->db, cs->rec.case_no, &dup, &err) == 0) {
		str_var v[] = { { "no", dup.out_trade_no }, { NULL, NULL } };
		char buf[512];
		counter_say(k, counter_render(k, "pay.paid_twice", v, buf, sizeof buf));
	}
	if (case_flow_next(cs) != STEP_PAYMENT)
		return FLOW_NEXT;
	/* the case's payment is its first paid order, not a flagged second one */
	if (db_payment_of_case(k->db, cs->rec.case_no, &first, &err) == 0 &&
	    strcmp(first.out_trade_no, cs->order.out_trade_no) != 0) {
		snprintf(cs->order.out_trade_no, sizeof cs->order.out_trade_no, "%s", first.out_trade_no);
		snprintf(cs->order.transaction_id, sizeof cs->order.transaction_id, "%s", first.transaction_id);
		cs->order.amount_fen = first.amount_fen;
	}
	char detail[160], fen[24];
	snprintf(fen, sizeof fen, "%lld", (long long)cs->order.amount_fen);
	casewords_note(detail, sizeof detail, SN_PAID, fen, cs->order.transaction_id, NULL);
	return case_flow_commit(k, cs, STEP_PAYMENT, detail) ? FLOW_NEXT : FLOW_FAILED;
}

/* Take the gateway's answer to a query: the query's answer is what counts,
 * recorded before anything is done on it. *r_out is the result as the
 * gateway gave it (PR_NOT_FOUND: no such order). */
static flow_outcome apply_query(counter *k, case_flow *cs, pay_result r, pay_order *o, const kerr *err,
				pay_result *r_out)
{
	*r_out = r;
	if (r != PR_OK) {
		fail(k, cs, r, err->msg);
		return FLOW_FAILED;
	}
	/* no such order at the gateway: the order in hand stays as it is */
	if (o->state == PAY_NOTFOUND) {
		*r_out = PR_NOT_FOUND;
		return FLOW_STAY;
	}
	ok(cs);
	/* a query does not repeat the code or the expiry: keep what the create gave */
	if (!o->code_url[0])
		snprintf(o->code_url, sizeof o->code_url, "%s", cs->order.code_url);
	if (!o->expire_ms)
		o->expire_ms = cs->order.expire_ms;
	if (!o->description[0])
		snprintf(o->description, sizeof o->description, "%s", cs->order.description);
	bool changed = o->state != cs->order.state || o->verified != cs->order.verified ||
		       strcmp(o->transaction_id, cs->order.transaction_id) != 0;
	cs->order = *o;
	if ((changed || cs->rec_dirty) && !record(k, cs, false))
		return FLOW_FAILED;
	if (o->state == PAY_SUCCESS && o->verified)
		return commit_paid(k, cs);
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

/* Send the create of the order in hand (its row is recorded). Its answer
 * lost (no answer, 5xx, unverified): the order may exist, so the next thing
 * done is a query of the same number (create_unsure). */
static flow_outcome send_create(counter *k, case_flow *cs)
{
	kerr err = { 0 };
	pay_order o;
	memset(&o, 0, sizeof o);
	snprintf(o.out_trade_no, sizeof o.out_trade_no, "%s", cs->order.out_trade_no);
	snprintf(o.description, sizeof o.description, "%s", cs->order.description);
	o.amount_fen = cs->order.amount_fen;
	o.expire_ms = cs->order.expire_ms;
	pay_result r = pay_create(k->pay, &o, &err);
	switch (r) {
	case PR_OK:
		cs->create_unsure = false;
		ok(cs);
		snprintf(cs->order.code_url, sizeof cs->order.code_url, "%s", o.code_url);
		cs->order.state = PAY_NOTPAY;
		cs->order.verified = o.verified;
		if (!cs->code_ms)
			cs->code_ms = clock_now_ms();
		return record(k, cs, true) ? FLOW_STAY : FLOW_FAILED;
	case PR_PAID:
	case PR_CLOSED: {
		/* made before (a restart, a lost answer): its state is taken up */
		cs->create_unsure = false;
		pay_result q;
		return poll_now(k, cs, &q);
	}
	case PR_NETWORK:
	case PR_GATEWAY:
	case PR_UNVERIFIED:
		cs->create_unsure = true;
		fail(k, cs, r, err.msg);
		return FLOW_FAILED;
	default:
		cs->create_unsure = false;
		fail(k, cs, r, err.msg);
		return FLOW_FAILED;
	}
}

/* The order whose create's answer was lost, or whose code was never
 * received: asked first; made (the same number, the same body) only when the
 * gateway has none or is still waiting for the scan. */
static flow_outcome settle_order(counter *k, case_flow *cs)
{
	pay_result r;
	flow_outcome out = poll_now(k, cs, &r);
	if (r != PR_OK && r != PR_NOT_FOUND)
		return out;
	cs->create_unsure = false;
	if (r == PR_NOT_FOUND || (pay_state_pending(cs->order.state) && !cs->order.code_url[0]))
		return send_create(k, cs);
	return out;
}

flow_outcome pay_flow_create(counter *k, case_flow *cs)
{
	pay_flow_wait(cs);
	if (!k->pay) {
		fail(k, cs, PR_NOT_SUPPORTED, NULL);
		return FLOW_FAILED;
	}
	/* an order in hand is settled first: never a second one beside it */
	if (cs->order_made && (cs->create_unsure || !cs->order.code_url[0]))
		return settle_order(k, cs);
	if (cs->order_made && cs->rec_dirty)
		return record(k, cs, false) ? FLOW_STAY : FLOW_FAILED;
	if (cs->order_made)
		return FLOW_STAY;
	memset(&cs->order, 0, sizeof cs->order);
	if (pay_trade_no(cs->rec.case_no, cs->pay_attempt, cs->order.out_trade_no) != 0)
		return FLOW_STAY;
	cs->order.amount_fen = cs->rec.fee_fen;
	snprintf(cs->order.description, sizeof cs->order.description, "%s", cs->svc->label[LANG_ZH]);
	int minutes = k->cfg->payment.order_expiry_minutes;
	if (minutes > 120) /* the code the customer scans lasts two hours anyway */
		minutes = 120;
	cs->order.expire_ms = clock_now_ms() + (int64_t)minutes * 60000;
	cs->order.state = PAY_NOTPAY;
	cs->code_ms = 0;
	/* write-ahead: the number is on record before the gateway hears of it */
	if (!record(k, cs, false)) {
		cs->rec_dirty = false; /* nothing was sent: nothing to catch up */
		return FLOW_FAILED;
	}
	cs->order_made = true;
	return send_create(k, cs);
}

flow_outcome pay_flow_poll(counter *k, case_flow *cs)
{
	pay_flow_wait(cs);
	if (cs->order_made && (cs->create_unsure || !cs->order.code_url[0]))
		return settle_order(k, cs);
	pay_result r;
	flow_outcome out = poll_now(k, cs, &r);
	if (r == PR_NOT_FOUND)
		fail(k, cs, PR_NOT_FOUND, NULL);
	return out;
}

flow_outcome pay_flow_tick(counter *k, case_flow *cs)
{
	if (cs->poll_job && poll_job_done(cs->poll_job))
		return poll_finish(k, cs, false);
	if (cs->poll_job)
		return FLOW_STAY;
	/* what the store lags is caught up before anything else */
	if (cs->order_made && cs->rec_dirty) {
		if (!record(k, cs, cs->order.code_url[0] && pay_state_pending(cs->order.state)))
			return FLOW_FAILED;
		ok(cs);
	}
	/* paid, and the step not recorded yet (the store failed): again */
	if (cs->order_made && cs->order.state == PAY_SUCCESS && cs->order.verified &&
	    case_flow_next(cs) == STEP_PAYMENT)
		return commit_paid(k, cs);
	if (!cs->order_made || !k->pay ||
	    clock_now_ms() - cs->last_poll_ms < (int64_t)k->cfg->payment.poll_seconds * 1000)
		return FLOW_STAY;
	cs->last_poll_ms = clock_now_ms();
	if (cs->create_unsure || !cs->order.code_url[0])
		return settle_order(k, cs);
	cs->poll_job = poll_job_start(k->pay, cs->order.out_trade_no);
	if (!cs->poll_job)
		return pay_flow_poll(k, cs); /* no thread: ask in line */
	return FLOW_STAY;
}

/* A case resumed at the payment step (the kiosk was restarted, or the clerk
 * came back to it): the order it already made, never a second one. The
 * gateway is asked at once whatever the row says (its answer counts: a
 * paid order is taken up); an open order comes back with the code the
 * customer was shown; a closed one makes room for the next attempt. *taken
 * when an order was taken up. */
static flow_outcome resume_order(counter *k, case_flow *cs, bool *taken)
{
	payment_rec p;
	char code_url[sizeof cs->order.code_url];
	kerr err = { 0 };
	*taken = false;
	if (db_payment_latest(k->db, cs->rec.case_no, &p, code_url, sizeof code_url, &err) != 0)
		return FLOW_STAY;
	int attempt = 0;
	for (int n = 1; n <= PAY_ATTEMPT_MAX && !attempt; n++) {
		char no[PAY_TRADE_NO_MAX + 1];
		if (pay_trade_no(cs->rec.case_no, n, no) == 0 && strcmp(no, p.out_trade_no) == 0)
			attempt = n;
	}
	if (!attempt)
		return FLOW_STAY;
	cs->pay_attempt = attempt;
	*taken = true;
	memset(&cs->order, 0, sizeof cs->order);
	snprintf(cs->order.out_trade_no, sizeof cs->order.out_trade_no, "%s", p.out_trade_no);
	snprintf(cs->order.code_url, sizeof cs->order.code_url, "%s", code_url);
	snprintf(cs->order.description, sizeof cs->order.description, "%s", cs->svc->label[LANG_ZH]);
	snprintf(cs->order.transaction_id, sizeof cs->order.transaction_id, "%s", p.transaction_id);
	cs->order.amount_fen = p.amount_fen;
	cs->order.state = p.state;
	cs->order.verified = p.verified;
	/* the countdown and the code's two hours: from when the order was
	 * recorded (just before the time_expire the gateway was given) */
	int minutes = k->cfg->payment.order_expiry_minutes > 120 ? 120 : k->cfg->payment.order_expiry_minutes;
	cs->order.expire_ms = p.created_ms + (int64_t)minutes * 60000;
	cs->code_ms = code_url[0] ? p.created_ms : 0;
	cs->order_made = true;
	if (p.state == PAY_SUCCESS && p.verified)
		return commit_paid(k, cs);
	/* a row without its code: the create's answer never reached the store */
	cs->create_unsure = !code_url[0] && pay_state_pending(p.state);
	return settle_order(k, cs);
}

flow_outcome pay_flow_enter(counter *k, case_flow *cs)
{
	if (cs->rec.fee_fen <= 0) {
		/* Nothing to charge (no seal bought, say): the step is recorded as such. */
		return case_flow_commit(k, cs, STEP_PAYMENT, step_note_text(SN_NOTHING_TO_PAY)) ? FLOW_NEXT
												 : FLOW_FAILED;
	}
	if (cs->order_made)
		return pay_flow_tick(k, cs) == FLOW_NEXT ? FLOW_NEXT : FLOW_STAY;
	bool taken;
	flow_outcome out = resume_order(k, cs, &taken);
	if (taken) {
		if (out == FLOW_NEXT || pay_state_pending(cs->order.state) || cs->step_failed)
			return out;
		/* the last order is closed: the next attempt's, made now */
		cs->pay_attempt++;
		cs->order_made = false;
		return pay_flow_create(k, cs);
	}
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

/* Close the order in hand at the gateway and ask its state, recorded:
 * FLOW_NEXT when it turned out paid (taken up), FLOW_STAY with *closed when
 * it can no longer be paid, else FLOW_FAILED said (it may still be paid). */
static flow_outcome close_and_ask(counter *k, case_flow *cs, bool *closed)
{
	kerr err = { 0 };
	*closed = false;
	pay_flow_wait(cs);
	if (!cs->order_made) {
		*closed = true;
		return FLOW_STAY;
	}
	if (!k->pay) {
		fail(k, cs, PR_NOT_SUPPORTED, NULL);
		return FLOW_FAILED;
	}
	pay_result r = pay_close(k->pay, cs->order.out_trade_no, &err);
	if (r != PR_OK && r != PR_NOT_FOUND && r != PR_CLOSED && r != PR_PAID) {
		/* the order may still be payable: keep it and say so */
		fail(k, cs, r, err.msg);
		return FLOW_FAILED;
	}
	pay_result q;
	flow_outcome out = poll_now(k, cs, &q);
	if (out == FLOW_NEXT)
		return FLOW_NEXT;
	if (q == PR_NOT_FOUND) {
		/* the gateway never had it: it can never be paid; recorded closed */
		cs->order.state = PAY_CLOSED;
		cs->order.verified = false;
		if (!record(k, cs, false))
			return FLOW_FAILED;
		*closed = true;
		return FLOW_STAY;
	}
	if (q != PR_OK || out == FLOW_FAILED)
		return FLOW_FAILED;
	if (cs->order.state == PAY_SUCCESS) {
		/* paid but not verified: not taken, not closed */
		return FLOW_FAILED;
	}
	*closed = !pay_state_pending(cs->order.state);
	if (!*closed) {
		fail(k, cs, PR_GATEWAY, NULL);
		return FLOW_FAILED;
	}
	return FLOW_STAY;
}

flow_outcome pay_flow_again(counter *k, case_flow *cs)
{
	/* the customer can pay the code on screen: wait for it (F8 to stop) */
	if (pay_flow_qr_shown(cs, clock_now_ms())) {
		counter_say(k, counter_str(k, "pay.still_open"));
		return FLOW_STAY;
	}
	bool closed;
	flow_outcome out = close_and_ask(k, cs, &closed);
	if (out == FLOW_NEXT) {
		counter_say(k, counter_str(k, "pay.paid_meanwhile_again"));
		return FLOW_NEXT;
	}
	if (!closed)
		return FLOW_FAILED;
	if (cs->order_made)
		cs->pay_attempt++;
	cs->order_made = false;
	cs->create_unsure = false;
	cs->rec_dirty = false;
	return pay_flow_create(k, cs);
}

flow_outcome pay_flow_cancel(counter *k, case_flow *cs)
{
	return pay_flow_cancel_why(k, cs, NULL, "cancelled at payment");
}

flow_outcome pay_flow_cancel_why(counter *k, case_flow *cs, const char *code, const char *why)
{
	bool closed;
	flow_outcome out = close_and_ask(k, cs, &closed);
	if (out == FLOW_NEXT) {
		/* the customer paid in the meantime: recorded, not cancelled
		 * (a paid case is cancelled by refund, with a supervisor) */
		counter_say(k, counter_str(k, "pay.paid_meanwhile"));
		return FLOW_NEXT;
	}
	if (!closed)
		return FLOW_FAILED;
	return case_flow_cancel_coded(k, cs, code, why);
}

bool pay_flow_expired(const case_flow *cs, int64_t now)
{
	return now >= pay_flow_expires_ms(cs);
}

int64_t pay_flow_expires_ms(const case_flow *cs)
{
	int64_t end = cs->order.expire_ms;
	if (cs->code_ms && cs->code_ms + CODE_URL_MS < end)
		end = cs->code_ms + CODE_URL_MS;
	return end;
}

bool pay_flow_qr_shown(const case_flow *cs, int64_t now)
{
	return cs->order_made && !cs->rec_dirty && !cs->create_unsure && cs->order.code_url[0] &&
	       pay_state_pending(cs->order.state) && !pay_flow_expired(cs, now);
}
