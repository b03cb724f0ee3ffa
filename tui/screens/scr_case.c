/* The middle of a case: the materials checklist (each item received, missing
 * or defective with a reason), the decision (受理 / 容缺受理 / 不予受理, only what
 * the checklist and the service allow), and the supervisor's approval for the
 * services that need a second person. */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "core/base/civil.h"
#include "tui/term/term.h"
#include "tui/screens/screens.h"

/* ---- materials ---- */

typedef struct materials_state {
	int sel;
	edit_field defect;                /* reason being typed for a defective mark */
	bool typing_defect;
} materials_state;

static void materials_enter(app *a)
{
	materials_state *st = app_private(a);
	st->sel = 0;
	st->typing_defect = false;
}

static void materials_draw(app *a)
{
	case_flow *cs = a->cs;
	materials_state *ms = app_private(a);
	attron(A_BOLD);
	draw_text(3, 2, cs->svc->label[a->k.lg], COLS - 4);
	attroff(A_BOLD);
	/* the marks' column as wide as its longest word in this language
	 * ("Not checked"), the names after it */
	int mw = 0;
	for (int k = 0; k < MARK_COUNT; k++) {
		int w = text_cols(app_str(a, material_mark_key((material_mark)k)));
		mw = w > mw ? w : mw;
	}
	int nx = 2 + mw + 1;
	int y = 5;
	for (size_t i = 0; i < cs->cl->n_items && y < LINES - 6; i++, y += 2) {
		const checklist_item *it = &cs->cl->items[i];
		const material *m = it->sm->material;
		bool sel = (int)i == ms->sel;
		if (sel)
			attron(term_attr(ST_SELECT));
		mvhline(y, 1, ' ', COLS - 2);
		draw_text(y, 0, sel ? "▶" : " ", 1);
		term_style st = it->mark == MARK_RECEIVED ? ST_OK : it->mark == MARK_UNSET ? ST_DIM : ST_ERROR;
		if (!sel)
			attron(term_attr(st));
		draw_text(y, 2, app_str(a, material_mark_key(it->mark)), mw);
		if (!sel)
			attroff(term_attr(st));
		/* the name and (essential) whole: on a second row when one is
		 * not enough (long English names) */
		char name[512];
		snprintf(name, sizeof name, "%s%s%s", m->label[a->k.lg], it->sm->essential ? " " : "",
			 it->sm->essential ? app_str(a, "materials.essential") : "");
		int nw = COLS - nx - 2;
		if (text_cols(name) > nw) {
			if (sel)
				mvhline(y + 1, 1, ' ', COLS - 2);
			draw_wrapped(y, nx, nw, 2, name);
			y++;
		} else {
			draw_text(y, nx, name, nw);
		}
		if (sel)
			attroff(term_attr(ST_SELECT));
		const char *sub = it->mark == MARK_DEFECTIVE ? it->reason : m->note[a->k.lg];
		if (sub && *sub) {
			/* the item under the cursor shows its whole note (up to three
			 * rows, the items below move down); the others one row */
			int w = COLS - nx - 2, rows = 1;
			if (sel && w > 1) {
				rows = (text_cols(sub) + w - 2) / (w - 1);
				rows = rows < 1 ? 1 : rows > 3 ? 3 : rows;
			}
			draw_wrapped(y + 1, nx, w, rows, sub);
			y += rows - 1;
		}
	}
	if (ms->typing_defect) {
		draw_text(LINES - 5, 2, app_str(a, "materials.reason"), 20);
		draw_field(LINES - 5, 22, COLS - 26, &ms->defect, true);
	} else if (cs->step_msg[0]) {
		attron(term_attr(ST_ERROR));
		draw_wrapped(LINES - 5, 2, COLS - 4, 2, cs->step_msg);
		attroff(term_attr(ST_ERROR));
	}
}

static void mark(app *a, material_mark m, const char *reason)
{
	case_flow *cs = a->cs;
	materials_state *st = app_private(a);
	if (!case_mark(&a->k, cs, (size_t)st->sel, m, reason))
		return;
	if (st->sel + 1 < (int)cs->cl->n_items)
		st->sel++;
}

static bool materials_key(app *a, const key_event *ev)
{
	case_flow *cs = a->cs;
	materials_state *st = app_private(a);
	if (st->typing_defect) {
		if (key_is(ev, K_ESC)) {
			st->typing_defect = false;
			return true;
		}
		if (key_is(ev, KEY_ENTER)) {
			char r[256];
			edit_get(&st->defect, r, sizeof r);
			if (!r[0]) {
				app_flash(a, app_str(a, "materials.reason_needed"));
				return true;
			}
			st->typing_defect = false;
			mark(a, MARK_DEFECTIVE, r);
			return true;
		}
		edit_key(&st->defect, ev);
		return true; /* while typing a reason, every key is text */
	}
	int n = (int)cs->cl->n_items;
	if (key_is(ev, KEY_UP)) {
		st->sel = (st->sel + n - 1) % n;
		return true;
	}
	if (key_is(ev, KEY_DOWN)) {
		st->sel = (st->sel + 1) % n;
		return true;
	}
	return false;
}

static bool materials_act(app *a, action_id act)
{
	materials_state *st = app_private(a);
	switch (act) {
	case ACT_RECEIVED:
		mark(a, MARK_RECEIVED, "");
		return true;
	case ACT_MISSING:
		mark(a, MARK_MISSING, "");
		return true;
	case ACT_DEFECTIVE:
		edit_clear(&st->defect);
		st->typing_defect = true;
		return true;
	case ACT_NEXT:
		case_react(a, case_materials_submit(&a->k, a->cs));
		return true;
	default:
		return case_common_act(a, act);
	}
}

/* ---- decision ---- */

static const case_decision choices[] = { DEC_ACCEPT, DEC_RONGQUE, DEC_REFUSE };

typedef struct decision_state {
	int sel;                          /* index into choices */
} decision_state;

static void decision_enter(app *a)
{
	decision_state *st = app_private(a);
	/* Preselect what the checklist calls for. */
	case_decision d = case_decision_start(&a->k, a->cs);
	st->sel = d == DEC_ACCEPT ? 0 : d == DEC_RONGQUE ? 1 : 2;
}

static void decision_draw(app *a)
{
	case_flow *cs = a->cs;
	const decision_state *ds = app_private(a);
	checklist_result r;
	checklist_evaluate(cs->cl, &r);
	attron(A_BOLD);
	int y = 3 + draw_wrapped(3, 2, COLS - 4, 2, app_str(a, checklist_verdict_key(r.verdict)));
	attroff(A_BOLD);
	y++;
	for (size_t i = 0; i < r.n_notice && y < LINES - 10; i++, y++) {
		const notice_item *n = &r.notice[i];
		char line[512];
		str_var v[] = { { "material", n->material->label[a->k.lg] },
				{ "mark", app_str(a, material_mark_key(n->mark)) },
				{ "reason", n->reason ? n->reason : "" }, { NULL, NULL } };
		app_render(a, n->reason && *n->reason ? "decision.item_why" : "decision.item", v, line,
			   sizeof line);
		y += draw_wrapped(y, 4, COLS - 6, 2, line) - 1;
	}
	y++;
	for (int i = 0; i < 3; i++, y++) {
		bool ok = case_decision_open(cs, choices[i]);
		bool sel = i == ds->sel;
		attron(sel ? term_attr(ST_SELECT) : ok ? A_NORMAL : term_attr(ST_DIM));
		mvhline(y, 3, ' ', 40);
		draw_text(y, 2, sel ? "▶" : " ", 1);
		draw_text(y, 4, app_str(a, case_decision_key(choices[i])), 38);
		attroff(sel ? term_attr(ST_SELECT) : ok ? A_NORMAL : term_attr(ST_DIM));
	}
	if (ds->sel == 1) {
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
	decision_state *st = app_private(a);
	if (key_is(ev, KEY_UP)) {
		st->sel = (st->sel + 2) % 3;
		return true;
	}
	if (key_is(ev, KEY_DOWN)) {
		st->sel = (st->sel + 1) % 3;
		return true;
	}
	return false;
}

static void decide(app *a)
{
	const decision_state *st = app_private(a);
	flow_outcome out = case_decide(&a->k, a->cs, choices[st->sel]);
	if (out == FLOW_NEXT)
		train_on_decision(a); /* a scenario being played is scored here */
	case_react(a, out);
}

static bool decision_act(app *a, action_id act)
{
	const decision_state *st = app_private(a);
	if (act != ACT_NEXT)
		return case_common_act(a, act);
	if (!case_decision_open(a->cs, choices[st->sel])) {
		app_flash(a, app_str(a, "decision.not_allowed"));
		return true;
	}
	char q[256];
	str_var v[] = { { "decision", app_str(a, case_decision_key(choices[st->sel])) }, { NULL, NULL } };
	app_ask(a, app_render(a, "decision.ask", v, q, sizeof q), decide);
	return true;
}

/* ---- approval (maker-checker) ---- */

/* The supervisor's id and PIN under the case's subject; for a correction
 * past the point of no return (cs->late_fix) what changes below the subject
 * and a third field, the reason. */
typedef struct approval_state {
	edit_field id, pin, reason;
	int focus;
	case_subject subj;                /* what is approved, shown above the PIN */
	char changes[1024];               /* a late correction: old → new */
} approval_state;

static void approval_enter(app *a)
{
	approval_state *st = app_private(a);
	edit_clear(&st->id);
	edit_clear(&st->pin);
	edit_clear(&st->reason);
	st->pin.secret = true;
	st->focus = 0;
	case_subject_get(&a->k, a->cs->rec.case_no, a->cs->key_read ? &a->cs->key : NULL, &st->subj);
	if (a->cs->late_fix)
		case_late_changes(&a->k, a->cs, st->changes, sizeof st->changes);
}

static void approval_draw(app *a)
{
	case_flow *cs = a->cs;
	approval_state *st = app_private(a);
	char subj[1024];
	draw_wrapped(3, 2, COLS - 4, 2, app_str(a, cs->late_fix ? "correct.approval_heading" : "approval.heading"));
	attron(A_BOLD);
	draw_wrapped(5, 4, COLS - 6, 4, case_subject_text(&a->k, &st->subj, subj, sizeof subj));
	attroff(A_BOLD);
	/* another unit's key in the reader, said apart; a late correction:
	 * the changes under the case they change; the fields below them */
	int y = 9, top = 10;
	char warn[512];
	if (case_subject_warning(&a->k, &st->subj, warn, sizeof warn)[0]) {
		attron(term_attr(ST_ERROR));
		draw_wrapped(y, 4, COLS - 6, 2, warn);
		y += 2;
		attroff(term_attr(ST_ERROR));
		top = y + 1;
	}
	if (cs->late_fix) {
		attron(A_BOLD);
		draw_wrapped(y, 4, COLS - 6, 2, st->changes);
		attroff(A_BOLD);
		top = y + 3;
	}
	draw_text(top, 4, app_str(a, "login.id"), 20);
	draw_field(top, 24, 24, &st->id, st->focus == 0);
	draw_text(top + 2, 4, app_str(a, "login.pin"), 20);
	draw_field(top + 2, 24, 24, &st->pin, st->focus == 1);
	y = top + 4;
	if (cs->late_fix) {
		draw_text(y, 4, app_str(a, "correct.reason"), 20);
		draw_field(y, 24, COLS - 30, &st->reason, st->focus == 2);
		y += 2;
	}
	if (cs->step_msg[0]) {
		attron(term_attr(ST_ERROR));
		draw_wrapped(y, 4, COLS - 8, 4, cs->step_msg);
		attroff(term_attr(ST_ERROR));
	}
}

static edit_field *approval_field(approval_state *st)
{
	return st->focus == 0 ? &st->id : st->focus == 1 ? &st->pin : &st->reason;
}

static bool approval_key(app *a, const key_event *ev)
{
	approval_state *st = app_private(a);
	return edit_key(approval_field(st), ev);
}

static bool approval_act(app *a, action_id act)
{
	approval_state *st = app_private(a);
	int n = a->cs->late_fix ? 3 : 2;
	if (act == ACT_FIELD || act == ACT_FIELD_BACK) {
		st->focus = (st->focus + (act == ACT_FIELD ? 1 : n - 1)) % n;
		return true;
	}
	if (a->cs->late_fix && act == ACT_BACK) { /* back to the fields being corrected */
		app_go(a, SCR_DETAILS);
		return true;
	}
	if (act != ACT_NEXT)
		return case_common_act(a, act);
	if (st->focus + 1 < n) {
		st->focus++;
		return true;
	}
	char id[64], pin[64], why[512];
	edit_get(&st->id, id, sizeof id);
	edit_get(&st->pin, pin, sizeof pin);
	edit_clear(&st->pin);
	if (a->cs->late_fix) {
		edit_get(&st->reason, why, sizeof why);
		flow_outcome out = case_correct_late(&a->k, a->cs, id, pin, why);
		if (out == FLOW_NEXT)
			case_goto_next(a); /* back where the case is */
		else
			st->focus = 1;
		return true;
	}
	case_react(a, case_approve(&a->k, a->cs, id, pin));
	return true;
}

const screen_ops scr_materials = { SCR_MATERIALS, sizeof(materials_state), false, materials_enter, NULL,
				   materials_draw, materials_key, materials_act };
const screen_ops scr_decision = { SCR_DECISION, sizeof(decision_state), false, decision_enter, NULL,
				  decision_draw, decision_key, decision_act };
const screen_ops scr_approval = { SCR_APPROVAL, sizeof(approval_state), false, approval_enter, NULL,
				  approval_draw, approval_key, approval_act };
