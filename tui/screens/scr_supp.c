/* 容缺补交 and 好差评 at the kiosk (issue 13, points 2 and 14;
 * tui/flow/supp_flow.c does the work).
 *
 * The supplement screen (F7 at home, or Enter at home on a 容缺 case the
 * finder found): every 容缺 case still owed, on any day, the nearest deadline
 * first (F3 narrows it by case number or its tail, USCC, unit or agent); on
 * the case picked, its owed materials marked as on the materials step (F5
 * received, F6 missing, F7 defective with a reason); after the deadline a
 * supervisor's id, PIN and the reason; Enter completes the case and goes to
 * the 容缺补交回执 (F5 prints a copy marked 补打, F6 the customer's rating).
 *
 * The rating (F6 on the slip, the notice or the 容缺补交回执): the five levels
 * of GB/T 39734 or 未评价, with the customer's words; once per case.
 *
 * The follow-up of a 差评 (Enter on the day view's 差评 tab): what the case
 * was, the rating and its due day, and what the supervisor did. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/base/clock.h"
#include "tui/term/pager.h"
#include "tui/term/term.h"
#include "tui/screens/screens.h"

/* ---- the rating, over the slip screens ---- */

static bool rating_pick(app *a, const char *case_no, int ix, const char *text)
{
	if (ix < 0 || ix >= RATE_COUNT)
		return true;
	rating_flow_record(&a->k, case_no, (rating_level)ix, text);
	return true; /* said either way; the list closes */
}

void rating_ask(app *a, const char *case_no, bool (*on_choose)(app *a, int ix, const char *text))
{
	kerr err = { 0 };
	rating_rec r;
	if (db_rating_get(a->k.db, case_no, &r, &err) == 0) {
		/* 一次一评: said as such, with the rating given */
		char given[512], buf[640];
		str_var v[] = { { "rating", rating_flow_text(&a->k, case_no, given, sizeof given) },
				{ NULL, NULL } };
		app_flash(a, app_render(a, "rating.once", v, buf, sizeof buf));
		return;
	}
	const char *items[RATE_COUNT];
	for (int i = 0; i < RATE_COUNT; i++)
		items[i] = app_str(a, rating_level_key((rating_level)i));
	app_choose(a, app_str(a, "rating.ask"), items, RATE_COUNT, on_choose);
}

bool rating_on_slip(app *a, int ix, const char *text)
{
	return a->cs ? rating_pick(a, a->cs->rec.case_no, ix, text) : true;
}

/* ---- the supplement: find, mark, complete ---- */

enum { F_ITEMS, F_SUP, F_PIN, F_NOTE, F_COUNT };

typedef struct supply_state {
	case_rec *cases;            /* the 容缺 cases owed (all, or found) */
	size_t n_cases;
	int sel;
	bool finding;
	edit_field find;
	char query[128];
	supp_case *sc;              /* the case being supplemented, NULL in the list */
	bool direct;                /* came straight to a case (Esc goes home) */
	int item;
	bool typing_defect;
	edit_field defect, sup, pin, note;
	int focus;                  /* F_* */
} supply_state;

static void supply_list(app *a, supply_state *st)
{
	free(st->cases);
	st->cases = NULL;
	st->n_cases = 0;
	supp_flow_list(&a->k, st->query, &st->cases, &st->n_cases);
	if (st->sel >= (int)st->n_cases)
		st->sel = st->n_cases ? (int)st->n_cases - 1 : 0;
}

static void supply_leave(app *a)
{
	supply_state *st = app_private(a);
	free(st->cases);
	st->cases = NULL;
	supp_case_free(st->sc);
	st->sc = NULL;
}

/* Take up case_no; the first owed item selected. */
static void supply_open(app *a, supply_state *st, const char *case_no)
{
	supp_case_free(st->sc);
	st->sc = supp_flow_open(&a->k, case_no);
	st->item = 0;
	st->focus = F_ITEMS;
	st->typing_defect = false;
	edit_clear(&st->sup);
	edit_clear(&st->pin);
	edit_clear(&st->note);
	st->pin.secret = true;
	if (!st->sc)
		return;
	if (st->sc->done) { /* recorded already: its slip */
		snprintf(a->go_case, sizeof a->go_case, "%s", case_no);
		app_go(a, SCR_SUPP_SLIP);
		return;
	}
	for (size_t i = 0; i < st->sc->cl->n_items; i++)
		if (st->sc->owed[i]) {
			st->item = (int)i;
			break;
		}
}

static void supply_enter(app *a)
{
	supply_state *st = app_private(a);
	st->pin.secret = true;
	if (a->go_case[0]) {
		char no[40];
		snprintf(no, sizeof no, "%s", a->go_case);
		a->go_case[0] = '\0';
		st->direct = true;
		supply_open(a, st, no);
		if (st->sc || a->go_to == SCR_SUPP_SLIP)
			return;
		/* the reason is said; the list is shown instead */
	}
	supply_list(a, st);
}

static void draw_list(app *a, supply_state *st)
{
	int y = 3;
	char buf[512];
	str_var v[] = { { "query", st->query }, { NULL, NULL } };
	attron(A_BOLD);
	draw_wrapped(y, 2, COLS - 4, 2, app_render(a, st->query[0] ? "supp.found" : "supp.heading", v, buf, sizeof buf));
	attroff(A_BOLD);
	y += 2;
	if (st->finding) {
		int w = draw_text(y, 2, app_str(a, "home.find_prompt"), COLS - 36);
		draw_field(y, 3 + w, 30, &st->find, true);
		y += 2;
	}
	if (!st->n_cases) {
		draw_wrapped(y, 2, COLS - 4, 3, app_str(a, st->query[0] ? "supp.none_found" : "supp.none"));
		return;
	}
	attron(A_UNDERLINE);
	draw_text(y++, 2, app_str(a, "supp.columns"), COLS - 4);
	attroff(A_UNDERLINE);
	long today = clock_today();
	for (size_t i = 0; i < st->n_cases && y < LINES - 3; i++, y++) {
		const case_rec *c = &st->cases[i];
		char dl[16];
		bool late = c->rongque_deadline >= 0 && today > c->rongque_deadline;
		bool sel = (int)i == st->sel;
		if (sel)
			attron(term_attr(ST_SELECT));
		mvhline(y, 1, ' ', COLS - 2);
		draw_text(y, 0, sel ? "▶" : " ", 1);
		draw_text(y, 2, c->case_no, 26);
		draw_text(y, 29, civil_format(c->rongque_deadline, dl, sizeof dl), 10);
		if (late && !sel)
			attron(term_attr(ST_ERROR));
		draw_text(y, 40, late ? app_str(a, "day.overdue") : "", 8);
		if (late && !sel)
			attroff(term_attr(ST_ERROR));
		draw_text(y, 49, c->party.unit_name, COLS - 51);
		if (sel)
			attroff(term_attr(ST_SELECT));
	}
}

static void draw_case(app *a, supply_state *st)
{
	supp_case *sc = st->sc;
	const case_rec *c = &sc->rec;
	char buf[1024], acc[16], dl[16];
	str_var v[] = { { "case", c->case_no }, { "unit", c->party.unit_name }, { "uscc", c->party.uscc },
			{ "service", sc->svc->label[a->k.lg] },
			{ "date", civil_format(clock_local_day(c->created_ms), acc, sizeof acc) },
			{ "deadline", civil_format(c->rongque_deadline, dl, sizeof dl) }, { NULL, NULL } };
	attron(A_BOLD);
	draw_wrapped(3, 2, COLS - 4, 2, app_render(a, "supp.case", v, buf, sizeof buf));
	attroff(A_BOLD);
	if (sc->late)
		attron(term_attr(ST_ERROR));
	draw_wrapped(5, 2, COLS - 4, 2, app_render(a, sc->late ? "supp.deadline_passed" : "supp.deadline", v, buf,
						   sizeof buf));
	if (sc->late)
		attroff(term_attr(ST_ERROR));
	int y = 7;
	for (size_t i = 0; i < sc->cl->n_items && y < LINES - 10; i++, y++) {
		const checklist_item *it = &sc->cl->items[i];
		bool sel = st->focus == F_ITEMS && (int)i == st->item;
		if (sel)
			attron(term_attr(ST_SELECT));
		mvhline(y, 1, ' ', COLS - 2);
		draw_text(y, 0, sel ? "▶" : " ", 1);
		const char *mk = sc->owed[i] ? app_str(a, material_mark_key(it->mark)) : app_str(a, "supp.had");
		term_style sty = !sc->owed[i] ? ST_DIM : it->mark == MARK_RECEIVED ? ST_OK
						     : it->mark == MARK_UNSET ? ST_DIM : ST_ERROR;
		if (!sel)
			attron(term_attr(sty));
		draw_text(y, 2, mk, 12);
		if (!sel)
			attroff(term_attr(sty));
		/* a long label goes on to a second row rather than being cut */
		const char *label = it->sm->material->label[a->k.lg];
		char full[600];
		snprintf(full, sizeof full, "%s%s%s", label, sc->owed[i] ? " " : "",
			 sc->owed[i] ? app_str(a, "supp.owed") : "");
		bool two = text_cols(full) > COLS - 17;
		if (two)
			mvhline(y + 1, 1, ' ', COLS - 2);
		draw_wrapped(y, 15, COLS - 17, two ? 2 : 1, full);
		y += two;
		if (it->mark == MARK_DEFECTIVE && it->reason[0])
			draw_text(++y, 15, it->reason, COLS - 17);
		if (sel)
			attroff(term_attr(ST_SELECT));
	}
	if (st->typing_defect) {
		draw_text(LINES - 9, 2, app_str(a, "materials.reason"), 20);
		draw_field(LINES - 9, 22, COLS - 26, &st->defect, true);
	}
	if (sc->late) {
		draw_text(LINES - 8, 2, app_str(a, "supp.f_sup"), 16);
		draw_field(LINES - 8, 18, 20, &st->sup, st->focus == F_SUP);
		draw_text(LINES - 8, 40, app_str(a, "login.pin"), 8);
		draw_field(LINES - 8, 48, 16, &st->pin, st->focus == F_PIN);
		draw_text(LINES - 7, 2, app_str(a, "supp.f_note"), 16);
		draw_field(LINES - 7, 18, COLS - 22, &st->note, st->focus == F_NOTE);
	}
	if (sc->msg[0]) {
		attron(term_attr(sc->failed ? ST_ERROR : ST_OK));
		draw_wrapped(LINES - 6, 2, COLS - 4, 4, sc->msg);
		attroff(term_attr(sc->failed ? ST_ERROR : ST_OK));
	}
}

static void supply_draw(app *a)
{
	supply_state *st = app_private(a);
	if (st->sc)
		draw_case(a, st);
	else
		draw_list(a, st);
}

static edit_field *focused(supply_state *st)
{
	switch (st->focus) {
	case F_SUP:
		return &st->sup;
	case F_PIN:
		return &st->pin;
	case F_NOTE:
		return &st->note;
	default:
		return NULL;
	}
}

static void supply_mark(app *a, supply_state *st, material_mark m, const char *reason)
{
	supp_case *sc = st->sc;
	if (!supp_flow_mark(&a->k, sc, (size_t)st->item, m, reason))
		return;
	for (size_t i = (size_t)st->item + 1; i < sc->cl->n_items; i++)
		if (sc->owed[i]) {
			st->item = (int)i;
			return;
		}
}

static bool supply_key(app *a, const key_event *ev)
{
	supply_state *st = app_private(a);
	if (!st->sc) {
		if (st->finding) {
			if (key_is(ev, K_ESC)) {
				st->finding = false;
				return true;
			}
			if (key_is(ev, KEY_ENTER)) {
				edit_get(&st->find, st->query, sizeof st->query);
				st->finding = false;
				st->sel = 0;
				supply_list(a, st);
				return true;
			}
			return edit_key(&st->find, ev);
		}
		if (key_is(ev, KEY_UP) && st->sel > 0) {
			st->sel--;
			return true;
		}
		if (key_is(ev, KEY_DOWN) && st->sel + 1 < (int)st->n_cases) {
			st->sel++;
			return true;
		}
		return false;
	}
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
			supply_mark(a, st, MARK_DEFECTIVE, r);
			return true;
		}
		edit_key(&st->defect, ev);
		return true; /* while typing a reason, every key is text */
	}
	edit_field *f = focused(st);
	if (f)
		return edit_key(f, ev);
	int n = (int)st->sc->cl->n_items;
	if (key_is(ev, KEY_UP) || key_is(ev, KEY_DOWN)) {
		st->item = (st->item + (key_is(ev, KEY_UP) ? n - 1 : 1)) % n;
		return true;
	}
	return false;
}

static void supply_complete(app *a, supply_state *st)
{
	char id[64], pin[64], note[512];
	edit_get(&st->sup, id, sizeof id);
	edit_get(&st->pin, pin, sizeof pin);
	edit_get(&st->note, note, sizeof note);
	edit_clear(&st->pin);
	flow_outcome out = supp_flow_complete(&a->k, st->sc, id, pin, note);
	explicit_bzero(pin, sizeof pin);
	if (out == FLOW_NEXT) {
		snprintf(a->go_case, sizeof a->go_case, "%s", st->sc->rec.case_no);
		app_go(a, SCR_SUPP_SLIP);
	} else if (out == FLOW_FAILED && st->sc->late && !st->sc->done) {
		st->focus = id[0] ? F_PIN : F_SUP;
	}
}

static bool supply_act(app *a, action_id act)
{
	supply_state *st = app_private(a);
	supp_case *sc = st->sc;
	switch (act) {
	case ACT_NONE:
		return true;
	case ACT_BACK:
		if (sc && !st->direct) {
			supp_case_free(sc);
			st->sc = NULL;
			supply_list(a, st);
			return true;
		}
		if (sc)
			snprintf(a->go_case, sizeof a->go_case, "%s", sc->rec.case_no);
		app_go(a, SCR_HOME);
		return true;
	case ACT_SUPP_FIND:
		if (!sc) {
			st->finding = true;
			edit_set(&st->find, st->query);
		}
		return true;
	case ACT_RECEIVED:
	case ACT_MISSING:
		if (sc && st->focus == F_ITEMS)
			supply_mark(a, st, act == ACT_RECEIVED ? MARK_RECEIVED : MARK_MISSING, "");
		return true;
	case ACT_DEFECTIVE:
		if (sc && st->focus == F_ITEMS && sc->owed[st->item]) {
			edit_clear(&st->defect);
			st->typing_defect = true;
		} else if (sc && st->focus == F_ITEMS) {
			supp_flow_mark(&a->k, sc, (size_t)st->item, MARK_DEFECTIVE, "");
		}
		return true;
	case ACT_FIELD:
	case ACT_FIELD_BACK:
		if (sc && sc->late)
			st->focus = (st->focus + (act == ACT_FIELD ? 1 : F_COUNT - 1)) % F_COUNT;
		return true;
	case ACT_NEXT:
		if (!sc) {
			if (st->n_cases) {
				supply_open(a, st, st->cases[st->sel].case_no);
				st->direct = false;
			}
			return true;
		}
		if (sc->late && st->focus != F_NOTE) {
			/* the supervisor's fields first, one after the other */
			checklist_result r;
			checklist_evaluate(sc->cl, &r);
			bool complete = r.verdict == CL_COMPLETE;
			checklist_result_free(&r);
			if (complete) {
				st->focus = st->focus == F_ITEMS ? F_SUP : st->focus + 1;
				return true;
			}
		}
		supply_complete(a, st);
		return true;
	default:
		return false;
	}
}

/* ---- the 容缺补交回执 ---- */

typedef struct supp_slip_state {
	supp_case *sc;
	pager pg;
} supp_slip_state;

static void supp_slip_enter(app *a)
{
	supp_slip_state *st = app_private(a);
	st->sc = supp_flow_open(&a->k, a->go_case);
	a->go_case[0] = '\0';
}

static void supp_slip_leave(app *a)
{
	supp_slip_state *st = app_private(a);
	supp_case_free(st->sc);
	st->sc = NULL;
}

static pager_area supp_slip_area(void)
{
	return (pager_area){ 3, LINES - 4, 4, COLS - 6 };
}

static void supp_slip_draw(app *a)
{
	supp_slip_state *st = app_private(a);
	if (!st->sc)
		return;
	pager_draw(&st->pg, supp_slip_area(), st->sc->slip_text, app_str(a, "pager.more"), app_str(a, "pager.above"));
	char buf[512];
	attron(A_BOLD);
	draw_text(LINES - 4, 2, rating_flow_text(&a->k, st->sc->rec.case_no, buf, sizeof buf), COLS - 4);
	attroff(A_BOLD);
	if (st->sc->msg[0]) {
		attron(term_attr(st->sc->failed ? ST_ERROR : ST_OK));
		draw_wrapped(LINES - 3, 2, COLS - 4, 1, st->sc->msg);
		attroff(term_attr(st->sc->failed ? ST_ERROR : ST_OK));
	}
}

static bool supp_slip_key(app *a, const key_event *ev)
{
	supp_slip_state *st = app_private(a);
	return st->sc && pager_key(&st->pg, supp_slip_area(), st->sc->slip_text, ev);
}

static bool rating_on_supp_slip(app *a, int ix, const char *text)
{
	supp_slip_state *st = app_private(a);
	return st->sc ? rating_pick(a, st->sc->rec.case_no, ix, text) : true;
}

static bool supp_slip_act(app *a, action_id act)
{
	supp_slip_state *st = app_private(a);
	switch (act) {
	case ACT_NONE:
		return true;
	case ACT_PRINT:
		if (st->sc)
			supp_flow_reprint(&a->k, st->sc);
		return true;
	case ACT_RATE:
		if (st->sc)
			rating_ask(a, st->sc->rec.case_no, rating_on_supp_slip);
		return true;
	case ACT_NEXT:
	case ACT_BACK:
		if (st->sc)
			snprintf(a->go_case, sizeof a->go_case, "%s", st->sc->rec.case_no);
		app_go(a, SCR_HOME);
		return true;
	default:
		return false;
	}
}

/* ---- a 差评's follow-up (the supervisor) ---- */

typedef struct rating_state {
	char case_no[40];
	case_subject subj;
	rating_rec r;
	bool has;
	edit_field what;
} rating_state;

static void rating_load(app *a, rating_state *st)
{
	kerr err = { 0 };
	st->has = db_rating_get(a->k.db, st->case_no, &st->r, &err) == 0;
}

static void rating_enter(app *a)
{
	rating_state *st = app_private(a);
	snprintf(st->case_no, sizeof st->case_no, "%s", a->go_case);
	a->go_case[0] = '\0';
	case_subject_get(&a->k, st->case_no, NULL, &st->subj);
	rating_load(a, st);
}

static void rating_draw(app *a)
{
	rating_state *st = app_private(a);
	char buf[1024], when[32];
	str_var v[] = { { "case", st->case_no }, { NULL, NULL } };
	draw_wrapped(2, 2, COLS - 4, 2, app_render(a, "rating.heading", v, buf, sizeof buf));
	attron(A_BOLD);
	draw_wrapped(5, 4, COLS - 6, 4, case_subject_text(&a->k, &st->subj, buf, sizeof buf));
	attroff(A_BOLD);
	if (!st->has)
		return;
	int y = 10;
	draw_text(y++, 4, rating_flow_text(&a->k, st->case_no, buf, sizeof buf), COLS - 6);
	str_var w[] = { { "by", st->r.actor }, { "at", clock_format_local(st->r.at_ms, when, sizeof when) },
			{ "comment", st->r.comment[0] ? st->r.comment : "-" }, { NULL, NULL } };
	draw_wrapped(y, 4, COLS - 6, 2, app_render(a, "rating.given", w, buf, sizeof buf));
	y += 3;
	if (st->r.resolved_by[0]) {
		str_var x[] = { { "by", st->r.resolved_by },
				{ "at", clock_format_local(st->r.resolved_ms, when, sizeof when) },
				{ "what", st->r.resolution }, { NULL, NULL } };
		attron(term_attr(ST_OK));
		draw_wrapped(y, 4, COLS - 6, 4, app_render(a, "rating.done", x, buf, sizeof buf));
		attroff(term_attr(ST_OK));
		return;
	}
	draw_text(y, 4, app_str(a, "rating.what"), 20);
	draw_field(y, 24, COLS - 28, &st->what, true);
}

static bool rating_key(app *a, const key_event *ev)
{
	rating_state *st = app_private(a);
	if (!st->has || st->r.resolved_by[0])
		return false;
	return edit_key(&st->what, ev);
}

static bool rating_act(app *a, action_id act)
{
	rating_state *st = app_private(a);
	switch (act) {
	case ACT_NONE:
		return true;
	case ACT_BACK:
		app_go(a, SCR_DAY);
		return true;
	case ACT_NEXT:
		if (!st->has || st->r.resolved_by[0]) {
			app_go(a, SCR_DAY);
			return true;
		}
		char what[512];
		edit_get(&st->what, what, sizeof what);
		if (rating_flow_resolve(&a->k, st->case_no, what))
			rating_load(a, st);
		return true;
	default:
		return false;
	}
}

const screen_ops scr_supply = { SCR_SUPPLY, sizeof(supply_state), false, supply_enter, supply_leave,
				supply_draw, supply_key, supply_act };
const screen_ops scr_supp_slip = { SCR_SUPP_SLIP, sizeof(supp_slip_state), false, supp_slip_enter,
				   supp_slip_leave, supp_slip_draw, supp_slip_key, supp_slip_act };
const screen_ops scr_rating = { SCR_RATING, sizeof(rating_state), false, rating_enter, NULL, rating_draw,
				rating_key, rating_act };
