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
	/* ABNORMAL too: put through on the merchant platform, it comes back
	 * SUCCESS when asked again (the store takes ABNORMAL -> SUCCESS) */
	bool open_refund = rc == 0 && (had->state == PAY_REFUND_PENDING || had->state == PAY_REFUND_PROCESSING ||
				       had->state == PAY_REFUND_ABNORMAL);
	if (rc == 0 && !open_refund) {
		str_var v[] = { { "state", pay_refund_state_name(had->state) }, { NULL, NULL } };
		char buf[512];
		counter_say(k, counter_render(k, "refund.already", v, buf, sizeof buf));
		return FLOW_STAY;
	}
	*pending = open_refund;
	/* the case's payment (its first paid order, not a flagged second one,
	 * which has a refund of its own) */
	if (!*pending && (db_payment_of_case(k->db, case_no, &p, &err) != 0 ||
			  p.state != PAY_SUCCESS || !p.verified)) {
		counter_say(k, counter_str(k, "refund.not_paid"));
		return FLOW_STAY;
	}
	return FLOW_NEXT;
}

/* The approver: a supervisor with the right PIN, neither the one asking nor
 * the case's clerk (said in the clerk's words; the store refuses these too).
 * true with *who; false with msg. */
static bool approver_ok(counter *k, const char *case_no, const char *id, char *pin, staff_rec *who,
			char *msg, size_t n, bool *ask_again)
{
	kerr err = { 0 };
	*ask_again = false;
	/* the role first: a clerk's id with a wrong PIN makes that clerk wait for nothing */
	login_result lr = db_staff_login_as(k->db, id, pin, ROLE_SUPERVISOR, k->cfg->login_max_failures,
					    k->cfg->login_max_wait_s, who, NULL, &err);
	explicit_bzero(pin, strlen(pin));
	if (lr != LOGIN_OK) {
		if (lr == LOGIN_WRONG_ROLE)
			snprintf(msg, n, "%s", counter_str(k, "approval.not_supervisor"));
		else if (lr == LOGIN_LOCKED || (lr == LOGIN_BAD_PIN && who->locked_until_ms))
			session_wait_text(k, who, msg, n);
		else
			snprintf(msg, n, "%s", counter_str(k, "approval.failed"));
		*ask_again = true;
		return false;
	}
	case_rec c;
	if (who->role != ROLE_SUPERVISOR || strcmp(who->id, k->user.id) == 0 ||
	    (db_case_get(k->db, case_no, &c, &err) == 0 && strcmp(who->id, c.clerk_id) == 0)) {
		snprintf(msg, n, "%s",
			 counter_str(k, who->role != ROLE_SUPERVISOR ? "approval.not_supervisor" : "approval.self"));
		*ask_again = true;
		return false;
	}
	return true;
}

flow_outcome refund_flow_approve(counter *k, const char *case_no, const char *reason, const char *id,
				 char *pin, refund_rec *out, char *msg, size_t n, bool *ask_again)
{
	kerr err = { 0 };
	staff_rec who;
	if (!approver_ok(k, case_no, id, pin, &who, msg, n, ask_again))
		return FLOW_FAILED;
	if (db_refund_approve(k->db, case_no, k->user.id, who.id, reason, out, &err) != 0) {
		kerr_text(&err, msg, n);
		return FLOW_FAILED;
	}
	/* the certificates the case issued were revoked with it */
	counter_ca_follow(k);
	return FLOW_NEXT;
}

flow_outcome refund_flow_send(counter *k, const refund_rec *r, char *msg, size_t n)
{
	kerr err = { 0 };
	if (!k->pay) {
		snprintf(msg, n, "%s", counter_str(k, "pay.result.not_supported"));
		return FLOW_FAILED;
	}
	pay_refund_state state;
	pay_result pr = refund_send(k->db, k->pay, k->user.id, r, &state, &err);
	if (pr != PR_OK) {
		/* not answered, or answered and not recorded: asked again with the
		 * same number, which records it and never refunds twice */
		snprintf(msg, n, "%s %s %s", counter_str(k, "refund.pending"), counter_str(k, pay_result_key(pr)),
			 err.msg);
		return FLOW_FAILED;
	}
	char amount[32];
	str_var v[] = { { "amount", fees_format_yuan(r->amount_fen, amount, sizeof amount) },
			{ "state", counter_str(k, pay_refund_state_key(state)) }, { "no", r->out_refund_no },
			{ "order", r->out_trade_no }, { NULL, NULL } };
	counter_render(k, pay_refund_no_is_dup(r->out_refund_no) ? "refund.dup_sent" : "refund.sent", v, msg, n);
	return FLOW_NEXT;
}

flow_outcome refund_flow_dup_check(counter *k, const char *case_no, const char *out_trade_no,
				   bool say_none, dup_target *t, refund_rec *had, bool *pending)
{
	kerr err = { 0 };
	*pending = false;
	bool named = say_none;
	/* a second order paid meanwhile is booked (and flagged) first */
	if (k->pay && refund_take_up(k->db, k->pay, k->user.id, case_no, NULL, &err) < 0) {
		counter_say_err(k, &err);
		return FLOW_FAILED;
	}
	int rc = db_refund_dup_target(k->db, case_no, out_trade_no, t, &err);
	if (rc != 0) {
		if (rc < 0 || named)
			counter_say_err(k, &err);
		return rc < 0 ? FLOW_FAILED : FLOW_STAY;
	}
	rc = db_refund_get(k->db, t->out_refund_no, had, &err);
	if (rc < 0) {
		counter_say_err(k, &err);
		return FLOW_FAILED;
	}
	if (rc == 1)
		return FLOW_NEXT;
	if (had->state == PAY_REFUND_PENDING || had->state == PAY_REFUND_PROCESSING ||
	    had->state == PAY_REFUND_ABNORMAL) {
		*pending = true;
		return FLOW_NEXT;
	}
	/* refunded (or closed) already: F8 on the case goes on to its own refund */
	if (!named)
		return FLOW_STAY;
	str_var v[] = { { "state", pay_refund_state_name(had->state) }, { "no", had->out_refund_no },
			{ NULL, NULL } };
	char buf[512];
	counter_say(k, counter_render(k, "refund.dup_already", v, buf, sizeof buf));
	return FLOW_FAILED;
}

flow_outcome refund_flow_dup_approve(counter *k, const dup_target *t, const char *reason, const char *id,
				     char *pin, refund_rec *out, char *msg, size_t n, bool *ask_again)
{
	kerr err = { 0 };
	staff_rec who;
	if (!approver_ok(k, t->case_no, id, pin, &who, msg, n, ask_again))
		return FLOW_FAILED;
	if (db_refund_dup_approve(k->db, t->case_no, t->out_trade_no, k->user.id, who.id, reason, out, &err) != 0) {
		kerr_text(&err, msg, n);
		return FLOW_FAILED;
	}
	return FLOW_NEXT;
}
