/* The middle of a case: the materials checklist (each item received, missing
 * or defective with a reason), the decision (受理 / 容缺受理 / 不予受理, only what
 * the checklist and the service allow), and the supervisor's approval for the
 * services that need a second person. */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/base/civil.h"
#include "tui/term/term.h"
#include "tui/app/app.h"

/* ---- materials ---- */

static void materials_enter(app *a)
{
	a->cs->mat_sel = 0;
	a->cs->typing_defect = false;
}

static void materials_draw(app *a)
{
	case_ctx *cs = a->cs;
	attron(A_BOLD);
	draw_text(3, 2, cs->svc->label[a->lg], COLS - 4);
	attroff(A_BOLD);
	int y = 5;
	for (size_t i = 0; i < cs->cl->n_items && y < LINES - 6; i++, y += 2) {
		const checklist_item *it = &cs->cl->items[i];
		const material *m = it->sm->material;
		bool sel = (int)i == cs->mat_sel;
		if (sel)
			attron(term_attr(ST_SELECT));
		mvhline(y, 1, ' ', COLS - 2);
		draw_text(y, 0, sel ? "▶" : " ", 1);
		term_style st = it->mark == MARK_RECEIVED ? ST_OK : it->mark == MARK_UNSET ? ST_DIM : ST_ERROR;
		if (!sel)
			attron(term_attr(st));
		draw_text(y, 2, app_str(a, material_mark_key(it->mark)), 10);
		if (!sel)
			attroff(term_attr(st));
		int x = 13 + draw_text(y, 13, m->label[a->lg], COLS - 30);
		if (it->sm->essential)
			draw_text(y, x + 1, app_str(a, "materials.essential"), 10);
		if (sel)
			attroff(term_attr(ST_SELECT));
		const char *sub = it->mark == MARK_DEFECTIVE ? it->reason : m->note[a->lg];
		if (sub && *sub)
			draw_text(y + 1, 13, sub, COLS - 15);
	}
	if (cs->typing_defect) {
		draw_text(LINES - 5, 2, app_str(a, "materials.reason"), 20);
		draw_field(LINES - 5, 22, COLS - 26, &cs->defect, true);
	} else if (cs->step_msg[0]) {
		attron(term_attr(ST_ERROR));
		draw_wrapped(LINES - 5, 2, COLS - 4, 2, cs->step_msg);
		attroff(term_attr(ST_ERROR));
	}
}

static void mark(app *a, material_mark m, const char *reason)
{
	case_ctx *cs = a->cs;
	kerr err = { 0 };
	const checklist_item *it = &cs->cl->items[cs->mat_sel];
	if (checklist_mark(cs->cl, it->sm->material->id, m, reason, &err) != 0) {
		app_flash_err(a, &err);
		return;
	}
	if (cs->mat_sel + 1 < (int)cs->cl->n_items)
		cs->mat_sel++;
}

static bool materials_key(app *a, const key_event *ev)
{
	case_ctx *cs = a->cs;
	if (cs->typing_defect) {
		if (key_is(ev, K_ESC)) {
			cs->typing_defect = false;
			return true;
		}
		if (key_is(ev, KEY_ENTER)) {
			char r[256];
			edit_get(&cs->defect, r, sizeof r);
			if (!r[0]) {
				app_flash(a, app_str(a, "materials.reason_needed"));
				return true;
			}
			cs->typing_defect = false;
			mark(a, MARK_DEFECTIVE, r);
			return true;
		}
		edit_key(&cs->defect, ev);
		return true; /* while typing a reason, every key is text */
	}
	int n = (int)cs->cl->n_items;
	if (key_is(ev, KEY_UP)) {
		cs->mat_sel = (cs->mat_sel + n - 1) % n;
		return true;
	}
	if (key_is(ev, KEY_DOWN)) {
		cs->mat_sel = (cs->mat_sel + 1) % n;
		return true;
	}
	return false;
}

static bool materials_act(app *a, action_id act)
{
	case_ctx *cs = a->cs;
	switch (act) {
	case ACT_RECEIVED:
		mark(a, MARK_RECEIVED, "");
		return true;
	case ACT_MISSING:
		mark(a, MARK_MISSING, "");
		return true;
	case ACT_DEFECTIVE:
		edit_clear(&cs->defect);
		cs->typing_defect = true;
		return true;
	case ACT_NEXT: {
		checklist_result r;
		checklist_evaluate(cs->cl, &r);
		size_t unset = r.n_unset;
		checklist_result_free(&r);
		if (unset) {
			char n[24], buf[256];
			snprintf(n, sizeof n, "%zu", unset);
			str_var v[] = { { "n", n }, { NULL, NULL } };
			app_flash(a, app_render(a, "materials.unset", v, buf, sizeof buf));
			return true;
		}
		if (case_commit(a, STEP_MATERIALS, ""))
			case_goto_next(a);
		return true;
	}
	default:
		return case_common_act(a, act);
	}
}

/* ---- decision ---- */

static const case_decision choices[] = { DEC_ACCEPT, DEC_RONGQUE, DEC_REFUSE };

static bool choice_allowed(const case_ctx *cs, checklist_verdict v, case_decision d)
{
	switch (d) {
	case DEC_ACCEPT:
		return v == CL_COMPLETE;
	case DEC_RONGQUE:
		return v == CL_RONGQUE && cs->svc->rongque_allowed;
	case DEC_REFUSE:
		return true;
	default:
		return false;
	}
}

static void decision_enter(app *a)
{
	case_ctx *cs = a->cs;
	checklist_result r;
	checklist_evaluate(cs->cl, &r);
	/* Preselect what the checklist calls for. */
	cs->dec_sel = r.verdict == CL_COMPLETE ? 0 : r.verdict == CL_RONGQUE ? 1 : 2;
	checklist_result_free(&r);
	cs->rongque_deadline = clock_today() + a->cat->rules.rongque_max_days;
}

static void decision_draw(app *a)
{
	case_ctx *cs = a->cs;
	checklist_result r;
	checklist_evaluate(cs->cl, &r);
	attron(A_BOLD);
	draw_text(3, 2, app_str(a, checklist_verdict_key(r.verdict)), COLS - 4);
	attroff(A_BOLD);
	int y = 5;
	for (size_t i = 0; i < r.n_notice && y < LINES - 10; i++, y++) {
		const notice_item *n = &r.notice[i];
		char line[512];
		snprintf(line, sizeof line, "• %s: %s%s%s", n->material->label[a->lg],
			 app_str(a, material_mark_key(n->mark)), n->reason && *n->reason ? " — " : "",
			 n->reason ? n->reason : "");
		draw_text(y, 4, line, COLS - 6);
	}
	y++;
	for (int i = 0; i < 3; i++, y++) {
		bool ok = choice_allowed(cs, r.verdict, choices[i]);
		bool sel = i == cs->dec_sel;
		attron(sel ? term_attr(ST_SELECT) : ok ? A_NORMAL : term_attr(ST_DIM));
		mvhline(y, 3, ' ', 40);
		draw_text(y, 2, sel ? "▶" : " ", 1);
		draw_text(y, 4, app_str(a, case_decision_key(choices[i])), 38);
		attroff(sel ? term_attr(ST_SELECT) : ok ? A_NORMAL : term_attr(ST_DIM));
	}
	if (cs->dec_sel == 1) {
		char d[16], buf[256];
		str_var v[] = { { "date", civil_format(cs->rongque_deadline, d, sizeof d) }, { NULL, NULL } };
		draw_text(++y, 4, app_render(a, "decision.deadline", v, buf, sizeof buf), COLS - 6);
	}
	if (cs->step_msg[0]) {
		attron(term_attr(ST_ERROR));
		draw_wrapped(LINES - 5, 2, COLS - 4, 2, cs->step_msg);
		attroff(term_attr(ST_ERROR));
	}
	checklist_result_free(&r);
}

static bool decision_key(app *a, const key_event *ev)
{
	case_ctx *cs = a->cs;
	if (key_is(ev, KEY_UP)) {
		cs->dec_sel = (cs->dec_sel + 2) % 3;
		return true;
	}
	if (key_is(ev, KEY_DOWN)) {
		cs->dec_sel = (cs->dec_sel + 1) % 3;
		return true;
	}
	return false;
}

static void decide(app *a)
{
	case_ctx *cs = a->cs;
	/* 不予受理 comes with a one-time notice of what is missing or defective:
	 * with every material in order there is nothing to tell the customer */
	if (choices[cs->dec_sel] == DEC_REFUSE) {
		checklist_result r;
		checklist_evaluate(cs->cl, &r);
		size_t n = r.n_notice;
		checklist_result_free(&r);
		if (n == 0) {
			snprintf(cs->step_msg, sizeof cs->step_msg, "%s", app_str(a, "decision.refuse_nothing"));
			cs->step_failed = true;
			return;
		}
	}
	cs->decision = choices[cs->dec_sel];
	if (cs->decision != DEC_RONGQUE)
		cs->rongque_deadline = -1;
	if (case_commit(a, STEP_DECISION, "")) {
		train_on_decision(a); /* a scenario being played is scored here */
		case_goto_next(a);
	} else {
		cs->decision = DEC_NONE;
	}
}

static bool decision_act(app *a, action_id act)
{
	case_ctx *cs = a->cs;
	if (act != ACT_NEXT)
		return case_common_act(a, act);
	checklist_result r;
	checklist_evaluate(cs->cl, &r);
	bool ok = choice_allowed(cs, r.verdict, choices[cs->dec_sel]);
	checklist_result_free(&r);
	if (!ok) {
		app_flash(a, app_str(a, "decision.not_allowed"));
		return true;
	}
	char q[256];
	str_var v[] = { { "decision", app_str(a, case_decision_key(choices[cs->dec_sel])) }, { NULL, NULL } };
	app_ask(a, app_render(a, "decision.ask", v, q, sizeof q), decide);
	return true;
}

/* ---- approval (maker-checker) ---- */

static void approval_enter(app *a)
{
	edit_clear(&a->cs->approver);
	edit_clear(&a->cs->approver_pin);
	a->cs->approver_pin.secret = true;
	a->cs->approval_focus = 0;
}

static void approval_draw(app *a)
{
	case_ctx *cs = a->cs;
	draw_wrapped(3, 2, COLS - 4, 2, app_str(a, "approval.heading"));
	draw_text(6, 4, app_str(a, "login.id"), 20);
	draw_field(6, 24, 24, &cs->approver, cs->approval_focus == 0);
	draw_text(8, 4, app_str(a, "login.pin"), 20);
	draw_field(8, 24, 24, &cs->approver_pin, cs->approval_focus == 1);
	if (cs->step_msg[0]) {
		attron(term_attr(ST_ERROR));
		draw_wrapped(10, 4, COLS - 8, 3, cs->step_msg);
		attroff(term_attr(ST_ERROR));
	}
}

static bool approval_key(app *a, const key_event *ev)
{
	case_ctx *cs = a->cs;
	return edit_key(cs->approval_focus == 0 ? &cs->approver : &cs->approver_pin, ev);
}

static bool approval_act(app *a, action_id act)
{
	case_ctx *cs = a->cs;
	if (act == ACT_FIELD) {
		cs->approval_focus = !cs->approval_focus;
		return true;
	}
	if (act != ACT_NEXT)
		return case_common_act(a, act);
	if (cs->approval_focus == 0) {
		cs->approval_focus = 1;
		return true;
	}
	char id[64], pin[64];
	edit_get(&cs->approver, id, sizeof id);
	edit_get(&cs->approver_pin, pin, sizeof pin);
	edit_clear(&cs->approver_pin);
	if (strcmp(id, a->user.id) == 0 || strcmp(id, cs->rec.clerk_id) == 0) {
		snprintf(cs->step_msg, sizeof cs->step_msg, "%s", app_str(a, "approval.self"));
		return true;
	}
	staff_rec who;
	int left = 0;
	kerr err = { 0 };
	login_result r = db_staff_login(a->db, id, pin, a->cfg->login_max_failures,
					a->cfg->login_lock_minutes, &who, &left, &err);
	memset(pin, 0, sizeof pin);
	if (r != LOGIN_OK) {
		snprintf(cs->step_msg, sizeof cs->step_msg, "%s", app_str(a, "approval.failed"));
		return true;
	}
	db_staff_logout(a->db, who.id, &err);
	if (who.role != ROLE_SUPERVISOR) {
		snprintf(cs->step_msg, sizeof cs->step_msg, "%s", app_str(a, "approval.not_supervisor"));
		return true;
	}
	char detail[96];
	snprintf(detail, sizeof detail, "approved by %s", who.id);
	if (case_commit(a, STEP_APPROVAL, detail))
		case_goto_next(a);
	return true;
}

const screen_ops scr_materials = { SCR_MATERIALS, materials_enter, materials_draw, materials_key, materials_act };
const screen_ops scr_decision = { SCR_DECISION, decision_enter, decision_draw, decision_key, decision_act };
const screen_ops scr_approval = { SCR_APPROVAL, approval_enter, approval_draw, approval_key, approval_act };
