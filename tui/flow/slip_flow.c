#include "tui/flow/slip_flow.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/print/printout.h"
#include "forms/slip.h"

void slip_flow_make(counter *k, case_flow *cs)
{
	if (cs->slip_text)
		return;
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
	d.transaction_id = cs->order.transaction_id;
	const char *reasons[1] = { cs->rule_msg };
	d.reasons = reasons;
	d.n_reasons = cs->rule_msg[0] ? 1 : 0;
	d.clerk_id = k->user.id;
	kerr err = { 0 };
	bool refused = cs->rec.decision == DEC_REFUSE;
	cs->slip_text = refused ? slip_render_notice(&d, &err) : slip_render_receipt(&d, &err);
	checklist_result_free(&r);
	if (!cs->slip_text) {
		kerr_text(&err, cs->step_msg, sizeof cs->step_msg);
		cs->step_failed = true;
		return;
	}
	const char *kind = refused ? "notice" : "slip";
	if (printout_save(k->data_dir, cs->rec.case_no, kind, cs->slip_text, cs->slip_text_path,
			  sizeof cs->slip_text_path, &err) != 0) {
		kerr_text(&err, cs->step_msg, sizeof cs->step_msg);
		cs->step_failed = true;
		return;
	}
	if (k->cfg->print_command[0] && printout_send(k->cfg->print_command, cs->slip_text_path, &err) != 0)
		kerr_text(&err, cs->step_msg, sizeof cs->step_msg);
	case_flow_commit(k, cs, STEP_SLIP, cs->slip_text_path);
}

void slip_flow_print(counter *k, case_flow *cs)
{
	kerr err = { 0 };
	if (!k->cfg->print_command[0])
		counter_say(k, counter_str(k, "slip.no_printer"));
	else if (printout_send(k->cfg->print_command, cs->slip_text_path, &err) != 0)
		counter_say_err(k, &err);
}

flow_outcome slip_flow_done(counter *k, case_flow *cs)
{
	if (cs->rec.last_step == STEP_SLIP)
		return FLOW_HOME;
	/* The slip could not be saved: try again rather than lose it. */
	free(cs->slip_text);
	cs->slip_text = NULL;
	cs->step_msg[0] = '\0';
	slip_flow_make(k, cs);
	return FLOW_STAY;
}
