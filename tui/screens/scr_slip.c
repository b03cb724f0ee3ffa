/* The slip screen: the 受理回执, or the 一次性告知单 after a refusal, as saved
 * under the data directory and sent to the print command
 * (tui/flow/slip_flow.c does the work); scrolled with ↓ ↑ PgDn PgUp, a
 * sign on its last row while there is more (tui/term/pager.h). And the
 * paper screen: any case's paper as it was saved, found from a lookup
 * (F11 at home, in the day view, on a timeline), reprinted with F5 as a
 * copy marked 补打 and audited (tui/flow/paper_flow.c). */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "tui/screens/screens.h"
#include "tui/term/pager.h"
#include "tui/term/term.h"

typedef struct slip_state {
	pager pg;
} slip_state;

static void slip_enter(app *a)
{
	slip_flow_make(&a->k, a->cs);
}

/* A paper from row y to above row bottom: the slip, the notice or a case's
 * paper (F11), longer than the screen when it lists many materials; the
 * last row then says there is more (PgDn) or above (PgUp). */
static pager_area paper_area(int y, int bottom)
{
	return (pager_area){ y, bottom, 4, COLS - 6 };
}

static void draw_paper(app *a, pager *pg, pager_area ar, const char *text)
{
	pager_draw(pg, ar, text, app_str(a, "pager.more"), app_str(a, "pager.above"));
}

static void slip_draw(app *a)
{
	case_flow *cs = a->cs;
	slip_state *st = app_private(a);
	/* the last line above the message: the customer's rating (F6) */
	draw_paper(a, &st->pg, paper_area(3, LINES - 4), cs->slip_text);
	if (cs->rec.last_step == STEP_SLIP) {
		char buf[512];
		attron(A_BOLD);
		draw_text(LINES - 4, 2, rating_flow_text(&a->k, cs->rec.case_no, buf, sizeof buf), COLS - 4);
		attroff(A_BOLD);
	}
	if (cs->step_msg[0]) {
		attron(term_attr(ST_ERROR));
		draw_wrapped(LINES - 3, 2, COLS - 4, 1, cs->step_msg);
		attroff(term_attr(ST_ERROR));
	}
}

static bool slip_key(app *a, const key_event *ev)
{
	slip_state *st = app_private(a);
	return pager_key(&st->pg, paper_area(3, LINES - 4), a->cs->slip_text, ev);
}

static bool slip_act(app *a, action_id act)
{
	switch (act) {
	case ACT_PRINT:
		slip_flow_print(&a->k, a->cs);
		return true;
	case ACT_RATE:
		if (a->cs->rec.last_step == STEP_SLIP)
			rating_ask(a, a->cs->rec.case_no, rating_on_slip);
		return true;
	case ACT_NEXT:
	case ACT_BACK:
		case_react(a, slip_flow_done(&a->k, a->cs));
		return true;
	default:
		return false;
	}
}

const screen_ops scr_slip = { SCR_SLIP, sizeof(slip_state), false, slip_enter, NULL, slip_draw, slip_key, slip_act };

/* ---- any case's paper (F11) ---- */

typedef struct paper_state {
	paper p;
	screen_id from;           /* where F11 was pressed: Esc goes back there */
	pager pg;
} paper_state;

void paper_open(app *a, const char *case_no)
{
	if (!case_no || !*case_no)
		return;
	paper p;
	if (paper_flow_load(&a->k, case_no, &p) != 0)
		return; /* said */
	paper_free(&p);
	snprintf(a->go_case, sizeof a->go_case, "%s", case_no);
	app_go(a, SCR_PAPER);
}

static void paper_enter(app *a)
{
	paper_state *st = app_private(a);
	st->from = a->came_from;
	char no[sizeof a->go_case];
	snprintf(no, sizeof no, "%s", a->go_case);
	a->go_case[0] = '\0';
	paper_flow_load(&a->k, no, &st->p);
}

static void paper_leave(app *a)
{
	paper_state *st = app_private(a);
	paper_free(&st->p);
}

/* The paper's rows: under its heading, and under "第 i 张 / 共 n 张" when the
 * case has more than one. */
static pager_area paper_rows(const paper_state *st)
{
	return paper_area(st->p.n > 1 ? 4 : 3, LINES - 3);
}

static void paper_draw(app *a)
{
	paper_state *st = app_private(a);
	const paper_one *p = paper_current(&st->p);
	char key[48], buf[512];
	snprintf(key, sizeof key, "paper.heading.%s", p ? p->kind : "slip");
	str_var v[] = { { "case", st->p.case_no }, { NULL, NULL } };
	attron(A_BOLD);
	draw_text(2, 2, app_render(a, key, v, buf, sizeof buf), COLS - 4);
	attroff(A_BOLD);
	if (st->p.n > 1) { /* which of the case's papers, and how to see the others */
		char i[16], n[16];
		snprintf(i, sizeof i, "%zu", st->p.cur + 1);
		snprintf(n, sizeof n, "%zu", st->p.n);
		str_var w[] = { { "i", i }, { "n", n }, { NULL, NULL } };
		draw_text(3, 2, app_render(a, "paper.which", w, buf, sizeof buf), COLS - 4);
	}
	draw_paper(a, &st->pg, paper_rows(st), p ? p->text : "");
}

static bool paper_key(app *a, const key_event *ev)
{
	paper_state *st = app_private(a);
	const paper_one *p = paper_current(&st->p);
	return pager_key(&st->pg, paper_rows(st), p ? p->text : "", ev);
}

static bool paper_act(app *a, action_id act)
{
	paper_state *st = app_private(a);
	const paper_one *p = paper_current(&st->p);
	switch (act) {
	case ACT_PRINT:
		if (p)
			paper_flow_reprint(&a->k, st->p.case_no, p->kind, p->text);
		return true;
	case ACT_TAB: /* the case's next paper */
		if (st->p.n > 1) {
			st->p.cur = (st->p.cur + 1) % st->p.n;
			st->pg.top = 0; /* the next paper from its first line */
		}
		return true;
	case ACT_NEXT:
	case ACT_BACK:
		/* back where it was opened, on the same case (the timeline is
		 * entered again with it; home and the day view keep their rows) */
		snprintf(a->go_case, sizeof a->go_case, "%s", st->p.case_no);
		app_go(a, st->from == SCR_DAY || st->from == SCR_TIMELINE ? st->from : SCR_HOME);
		return true;
	default:
		return false;
	}
}

const screen_ops scr_paper = { SCR_PAPER, sizeof(paper_state), false, paper_enter, paper_leave, paper_draw,
			       paper_key, paper_act };
