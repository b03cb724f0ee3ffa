/* slip_flow: the case's last paper. A 受理回执 acknowledging money carries
 * the transaction id of the case's payment as the store holds it (never what
 * happens to be in memory, which a resumed case does not have), and is
 * refused without one. A slip step resumed after a crash takes up the paper
 * already saved for the case rather than writing a second one; a reprint is
 * a copy marked as one, never the recorded slip. */
#include "tui/flow/slip_flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/utf8.h"
#include "core/print/printout.h"
#include "db/repo/payment_repo.h"
#include "forms/slip.h"
#include "tui/flow/paper_flow.h"

/* The key as the case left it, for the receipt: from the store; in trainer
 * mode, whose demo key writes no certificate rows, from the key in the
 * reader (when it is the one the case read), the old values as read at the
 * details step. Unknown values stay 0 and are not printed. */
static void slip_key_of(counter *k, const case_flow *cs, slip_key *out)
{
	memset(out, 0, sizeof *out);
	kerr err = { 0 };
	case_key_rec r;
	if (db_case_key(k->db, cs->rec.case_no, &r, &err) == 0) {
		snprintf(out->serial, sizeof out->serial, "%s", r.serial);
		out->not_before = r.not_before;
		out->not_after = r.not_after;
		out->old_not_after = r.old_not_after;
		snprintf(out->old_unit_name, sizeof out->old_unit_name, "%s", r.old_unit_name);
		out->seal_not_after = r.seal_not_after;
		out->piv_only = r.piv_only;
		return;
	}
	if (!k->demo || !k->tok)
		return;
	token_info ki;
	if (token_read_info(k->tok, &ki) != TOK_OK || !ki.serial[0] ||
	    (cs->key_read && strcmp(ki.serial, cs->key.serial) != 0))
		return;
	snprintf(out->serial, sizeof out->serial, "%s", ki.serial);
	out->not_before = ki.not_before;
	out->not_after = ki.not_after;
	out->seal_not_after = ki.seal_not_after;
	if (cs->key_read) {
		out->old_not_after = cs->key.not_after;
		utf8_copy(out->old_unit_name, sizeof out->old_unit_name, cs->key.unit_name);
	}
}

static void failed(case_flow *cs, const kerr *err)
{
	kerr_text(err, cs->step_msg, sizeof cs->step_msg);
	cs->step_failed = true;
}

/* Whether a paper saved under the case's number is this case's: the same
 * number may have been another case's (a fresh training day numbers from
 * 0001 again), so it must name the case's USCC (the unit's name may be
 * wrapped on the paper), and a slip that acknowledges money the case's own
 * payment (transaction ids are unique, the demo gateway's too). */
static bool paper_of_case(const char *saved, const case_flow *cs, const char *tx)
{
	if (tx[0] && !strstr(saved, tx))
		return false;
	return strstr(saved, cs->rec.party.uscc) != NULL;
}

void slip_flow_make(counter *k, case_flow *cs)
{
	if (cs->slip_text)
		return;
	bool refused = cs->rec.decision == DEC_REFUSE;
	const char *kind = refused ? "notice" : "slip";
	kerr err = { 0 };
	/* the payment this slip acknowledges, from the store */
	char tx[sizeof cs->order.transaction_id] = "";
	if (!refused && cs->rec.fee_fen > 0) {
		payment_rec p;
		int rc = db_payment_of_case(k->db, cs->rec.case_no, &p, &err);
		if (rc != 0) {
			if (rc == 1)
				kerr_set(&err, cs->rec.case_no, "%s", counter_str(k, "slip.no_payment"));
			failed(cs, &err);
			return;
		}
		snprintf(tx, sizeof tx, "%s", p.transaction_id);
	}
	/* resumed: the paper saved before the interruption is this case's slip */
	char *saved = NULL;
	if (printout_find(k->data_dir, cs->rec.case_no, kind, cs->slip_text_path, sizeof cs->slip_text_path,
			  &saved) == 0 && saved) {
		if (paper_of_case(saved, cs, tx)) {
			cs->slip_text = saved;
			cs->slip_resumed = true;
			if (case_flow_next(cs) == STEP_SLIP)
				case_flow_commit(k, cs, STEP_SLIP, cs->slip_text_path);
			if (!cs->step_failed)
				snprintf(cs->step_msg, sizeof cs->step_msg, "%s", counter_str(k, "slip.resumed"));
			return;
		}
		/* a paper without the transaction (an older kiosk's), or another
		 * case's under the same number: made again (this case's replaces it) */
		free(saved);
	}
	cs->slip_text_path[0] = '\0';
	checklist_result r;
	checklist_evaluate(cs->cl, &r);
	slip_data d = { 0 };
	d.str = k->str;
	d.lang = k->lg;
	d.site = k->cfg->site;
	d.window = k->cfg->window;
	d.demo = k->demo;
	d.svc = cs->svc;
	d.case_no = cs->rec.case_no;
	d.party = cs->rec.party;
	d.decision = cs->rec.decision;
	d.notice = r.notice;
	d.n_notice = r.n_notice;
	d.rongque_deadline = cs->rec.rongque_deadline;
	d.fee = cs->quote.n_lines ? &cs->quote : NULL;
	d.transaction_id = tx;
	const char *reasons[1] = { cs->rule_msg };
	d.reasons = reasons;
	d.n_reasons = cs->rule_msg[0] ? 1 : 0;
	d.clerk_id = k->user.id;
	d.holder = cs->rec.holder[0] ? platform_holder(cs->svc->platform, cs->rec.holder) : NULL;
	d.years = cs->rec.years;
	d.seals = cs->rec.seals;
	d.initial_pin = k->cat->rules.initial_pin;
	if (!refused)
		slip_key_of(k, cs, &d.key);
	cs->slip_text = refused ? slip_render_notice(&d, &err) : slip_render_receipt(&d, &err);
	checklist_result_free(&r);
	if (!cs->slip_text) {
		failed(cs, &err);
		return;
	}
	if (printout_save(k->data_dir, cs->rec.case_no, kind, cs->slip_text, cs->slip_text_path,
			  sizeof cs->slip_text_path, &err) != 0) {
		failed(cs, &err);
		return;
	}
	if (k->cfg->print_command[0] && printout_send(k->cfg->print_command, cs->slip_text_path, &err) != 0)
		kerr_text(&err, cs->step_msg, sizeof cs->step_msg);
	case_flow_commit(k, cs, STEP_SLIP, cs->slip_text_path);
}

void slip_flow_print(counter *k, case_flow *cs)
{
	if (!cs->slip_text)
		return;
	/* a copy marked as a reprint, kept beside the slip (never the slip
	 * itself), and audited: the same as a reprint found from a lookup */
	paper_flow_reprint(k, cs->rec.case_no, cs->rec.decision == DEC_REFUSE ? "notice" : "slip",
			   cs->slip_text);
}

flow_outcome slip_flow_done(counter *k, case_flow *cs)
{
	if (cs->rec.last_step == STEP_SLIP)
		return FLOW_HOME;
	/* The slip could not be saved or recorded: try again rather than lose
	 * it (a slip already saved is found and recorded, not made twice). */
	free(cs->slip_text);
	cs->slip_text = NULL;
	cs->step_msg[0] = '\0';
	cs->step_failed = false;
	slip_flow_make(k, cs);
	return FLOW_STAY;
}
