#include "tui/flow/refund_flow.h"

#include <stdio.h>
#include <string.h>

#include "core/case/fees.h"
#include "db/repo/payment_repo.h"
#include "tui/flow/session.h"

flow_outcome refund_flow_check(counter *k, const char *case_no, refund_rec *had, bool *pending)
{
	payment_rec p;
	kerr err = { 0 };
	*pending = false;
	int rc = db_refund_of_case(k->db, case_no, had, &err);
	if (rc < 0) {
		counter_say_err(k, &err);
		return FLOW_STAY;
	}
	/* approved and not yet final (no answer, or PROCESSING): asked again with
	 * the same refund number, which never refunds twice */
	bool open_refund = rc == 0 && (had->state == PAY_REFUND_PENDING || had->state == PAY_REFUND_PROCESSING);
	if (rc == 0 && !open_refund) {
		str_var v[] = { { "state", pay_refund_state_name(had->state) }, { NULL, NULL } };
		char buf[512];
		counter_say(k, counter_render(k, "refund.already", v, buf, sizeof buf));
		return FLOW_STAY;
	}
	*pending = open_refund;
	if (!*pending && (db_payment_latest(k->db, case_no, &p, NULL, 0, &err) != 0 ||
			  p.state != PAY_SUCCESS || !p.verified)) {
		counter_say(k, counter_str(k, "refund.not_paid"));
		return FLOW_STAY;
	}
	return FLOW_NEXT;
}

flow_outcome refund_flow_approve(counter *k, const char *case_no, const char *reason, const char *id,
				 char *pin, refund_rec *out, char *msg, size_t n, bool *ask_again)
{
	kerr err = { 0 };
	staff_rec who;
	*ask_again = false;
	/* the role first: a clerk's id with a wrong PIN makes that clerk wait for nothing */
	login_result lr = db_staff_login_as(k->db, id, pin, ROLE_SUPERVISOR, k->cfg->login_max_failures,
					    k->cfg->login_max_wait_s, &who, NULL, &err);
	explicit_bzero(pin, strlen(pin));
	if (lr != LOGIN_OK) {
		if (lr == LOGIN_WRONG_ROLE)
			snprintf(msg, n, "%s", counter_str(k, "approval.not_supervisor"));
		else if (lr == LOGIN_LOCKED || (lr == LOGIN_BAD_PIN && who.locked_until_ms))
			session_wait_text(k, &who, msg, n);
		else
			snprintf(msg, n, "%s", counter_str(k, "approval.failed"));
		*ask_again = true;
		return FLOW_FAILED;
	}
	/* said in the clerk's words; the store refuses these too */
	case_rec c;
	if (who.role != ROLE_SUPERVISOR || strcmp(who.id, k->user.id) == 0 ||
	    (db_case_get(k->db, case_no, &c, &err) == 0 && strcmp(who.id, c.clerk_id) == 0)) {
		snprintf(msg, n, "%s",
			 counter_str(k, who.role != ROLE_SUPERVISOR ? "approval.not_supervisor" : "approval.self"));
		*ask_again = true;
		return FLOW_FAILED;
	}
	if (db_refund_approve(k->db, case_no, k->user.id, who.id, reason, out, &err) != 0) {
		kerr_text(&err, msg, n);
		return FLOW_FAILED;
	}
	return FLOW_NEXT;
}

flow_outcome refund_flow_send(counter *k, const refund_rec *r, char *msg, size_t n)
{
	kerr err = { 0 };
	if (!k->pay) {
		snprintf(msg, n, "%s", counter_str(k, "pay.result.not_supported"));
		return FLOW_FAILED;
	}
	pay_refund q;
	memset(&q, 0, sizeof q);
	snprintf(q.out_trade_no, sizeof q.out_trade_no, "%s", r->out_trade_no);
	snprintf(q.out_refund_no, sizeof q.out_refund_no, "%s", r->out_refund_no);
	q.total_fen = q.refund_fen = r->amount_fen;
	/* db_refund_approve kept it within PAY_REFUND_REASON_MAX bytes */
	memcpy(q.reason, r->reason, strnlen(r->reason, sizeof q.reason - 1));
	pay_result pr = pay_refund_order(k->pay, &q, &err);
	if (pr != PR_OK) {
		snprintf(msg, n, "%s %s %s", counter_str(k, "refund.pending"), counter_str(k, pay_result_key(pr)),
			 err.msg);
		return FLOW_FAILED;
	}
	if (db_refund_update(k->db, k->user.id, r->out_refund_no, q.state, q.refund_id, &err) != 0) {
		kerr_text(&err, msg, n);
		return FLOW_FAILED;
	}
	char amount[32];
	str_var v[] = { { "amount", fees_format_yuan(r->amount_fen, amount, sizeof amount) },
			{ "state", counter_str(k, pay_refund_state_key(q.state)) }, { "no", r->out_refund_no },
			{ NULL, NULL } };
	counter_render(k, "refund.sent", v, msg, n);
	return FLOW_NEXT;
}
