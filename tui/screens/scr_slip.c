/* The slip screen: the 受理回执, or the 一次性告知单 after a refusal, as saved
 * under the data directory and sent to the print command
 * (tui/flow/slip_flow.c does the work); scrolled with the arrows. */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "tui/screens/screens.h"
#include "tui/term/term.h"

typedef struct slip_state {
	int scroll;
} slip_state;

static void slip_enter(app *a)
{
	slip_flow_make(&a->k, a->cs);
}

static void slip_draw(app *a)
{
	case_flow *cs = a->cs;
	const slip_state *st = app_private(a);
	int y = 3, skip = st->scroll;
	const char *p = cs->slip_text ? cs->slip_text : "";
	/* the last line above the message: the customer's rating (F6) */
	while (*p && y < LINES - 4) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (skip > 0) {
			skip--;
		} else {
			char line[1024];
			snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), p);
			draw_text(y++, 4, line, COLS - 6);
		}
		p += len + (nl ? 1 : 0);
	}
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
	if (key_is(ev, KEY_DOWN) || key_is(ev, KEY_NPAGE)) {
		st->scroll += key_is(ev, KEY_NPAGE) ? 10 : 1;
		return true;
	}
	if (key_is(ev, KEY_UP) || key_is(ev, KEY_PPAGE)) {
		st->scroll -= key_is(ev, KEY_PPAGE) ? 10 : 1;
		if (st->scroll < 0)
			st->scroll = 0;
		return true;
	}
	return false;
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
