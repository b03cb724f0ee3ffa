/* Home (the clerk's cases today: start, resume, look up) and the service
 * picker that starts a case. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "tui/term/term.h"
#include "tui/screens/screens.h"

/* Home keeps its state for the session: the row picked stays picked when a
 * case is left and taken up again. */
typedef struct home_state {
	case_rec *cases;
	size_t n_cases;
	int sel;
	bool finding;
	edit_field find;
	char msg[512];
} home_state;

static void home_leave(app *a)
{
	home_state *h = app_private(a);
	free(h->cases);
	h->cases = NULL;
}

static void load_today(app *a)
{
	home_state *h = app_private(a);
	free(h->cases);
	h->cases = NULL;
	h->n_cases = 0;
	kerr err = { 0 };
	if (db_case_list_day(a->k.db, a->k.user.id, clock_today(), &h->cases, &h->n_cases, &err) != 0)
		app_flash_err(a, &err);
	if (h->sel >= (int)h->n_cases)
		h->sel = h->n_cases ? (int)h->n_cases - 1 : 0;
}

static void home_enter(app *a)
{
	home_state *h = app_private(a);
	h->finding = false;
	/* back from a case's paper opened on what F3 found: the same list */
	if (a->came_from != SCR_PAPER || !h->msg[0]) {
		h->msg[0] = '\0';
		load_today(a);
	}
	/* The selection follows the case just left or ended, not the row index:
	 * new cases arrive at the top, and the old index would land on another
	 * case (F8 would then refund that one). */
	for (size_t i = 0; a->go_case[0] && i < h->n_cases; i++)
		if (strcmp(h->cases[i].case_no, a->go_case) == 0)
			h->sel = (int)i;
	a->go_case[0] = '\0';
}

static const char *service_label(const app *a, const char *service_id)
{
	const service *s = catalog_service(a->k.cat, service_id);
	return s ? s->label[a->k.lg] : service_id;
}

static void home_draw(app *a)
{
	home_state *h = app_private(a);
	char buf[512];
	str_var v[] = { { "name", a->k.user.name }, { NULL, NULL } };
	attron(A_BOLD);
	draw_text(3, 2, app_render(a, "home.hello", v, buf, sizeof buf), COLS - 4);
	attroff(A_BOLD);
	int y = 5;
	if (h->finding) {
		/* the field right after the prompt, whatever its width in a language */
		int w = draw_text(y, 2, app_str(a, "home.find_prompt"), COLS - 36);
		draw_field(y, 3 + w, 30, &h->find, true);
		y += 2;
	}
	if (h->msg[0]) {
		draw_text(y++, 2, h->msg, COLS - 4);
		y++;
	}
	if (h->n_cases == 0) {
		draw_wrapped(y, 2, COLS - 4, 3, app_str(a, h->msg[0] ? "home.none_found" : "home.no_cases"));
		return;
	}
	attron(A_UNDERLINE);
	draw_text(y, 2, app_str(a, "home.columns"), COLS - 4);
	attroff(A_UNDERLINE);
	y++;
	for (size_t i = 0; i < h->n_cases && y < LINES - 3; i++, y++) {
		const case_rec *c = &h->cases[i];
		char when[32];
		clock_format_local(c->created_ms, when, sizeof when);
		bool sel = (int)i == h->sel;
		if (sel)
			attron(term_attr(ST_SELECT));
		mvhline(y, 1, ' ', COLS - 2);
		draw_text(y, 0, sel ? "▶" : " ", 1);
		draw_text(y, 2, c->case_no, 26);
		char hm[8];
		snprintf(hm, sizeof hm, "%.5s", when + 11); /* HH:MM */
		draw_text(y, 29, hm, 5);
		draw_text(y, 36, app_str(a, case_status_key(c->status)), 10);
		/* an unfinished case shows the step it waits at */
		const service *svc = catalog_service(a->k.cat, c->service_id);
		/* a cancelled case waits at nothing, whatever step it stopped at */
		case_step next = svc && c->status != CS_CANCELLED ? case_next_step(svc, c->last_step, c->decision)
								   : STEP_NONE;
		draw_text(y, 47, next == STEP_NONE ? "" : app_str(a, case_step_key(next)), 10);
		draw_text(y, 58, service_label(a, c->service_id), COLS - 60);
		if (sel)
			attroff(term_attr(ST_SELECT));
	}
}

static bool home_key(app *a, const key_event *ev)
{
	home_state *h = app_private(a);
	if (h->finding) {
		if (key_is(ev, K_ESC)) {
			h->finding = false;
			load_today(a);
			h->msg[0] = '\0';
			return true;
		}
		if (key_is(ev, KEY_ENTER)) {
			char q[128];
			edit_get(&h->find, q, sizeof q);
			free(h->cases);
			h->cases = NULL;
			kerr err = { 0 };
			if (db_case_find(a->k.db, q, &h->cases, &h->n_cases, &err) != 0)
				app_flash_err(a, &err);
			str_var v[] = { { "query", q }, { NULL, NULL } };
			app_render(a, "home.found", v, h->msg, sizeof h->msg);
			h->finding = false;
			h->sel = 0;
			return true;
		}
		return edit_key(&h->find, ev);
	}
	if (key_is(ev, KEY_UP) && h->sel > 0) {
		h->sel--;
		return true;
	}
	if (key_is(ev, KEY_DOWN) && h->sel + 1 < (int)h->n_cases) {
		h->sel++;
		return true;
	}
	return false;
}

/* A fresh training day (trainer mode): the day's database and papers
 * archived, a new one made, and on at home with an empty list. */
static void new_day(app *a)
{
	char archived[1200], buf[1600];
	kerr err = { 0 };
	/* what the screens kept of the old day goes with it */
	train_free(a);
	app_release(a, SCR_TRAIN);
	app_release(a, SCR_DAY);
	memset(&a->seal, 0, sizeof a->seal);
	if (demo_new_day(&a->k, a->config_dir, a->db_path, archived, sizeof archived, &err) != 0) {
		app_flash_err(a, &err);
		return;
	}
	a->key_dirty = true;
	home_state *h = app_private(a);
	h->sel = 0;
	load_today(a);
	str_var v[] = { { "archive", archived }, { NULL, NULL } };
	app_flash(a, app_render(a, "demo.new_day_done", v, buf, sizeof buf));
}

static bool home_act(app *a, action_id act)
{
	home_state *h = app_private(a);
	switch (act) {
	case ACT_NEW_CASE:
		app_go(a, SCR_SERVICE);
		return true;
	case ACT_FIND:
		h->finding = true;
		edit_clear(&h->find);
		return true;
	case ACT_SUPERVISE:
		app_go(a, SCR_DAY);
		return true;
	case ACT_SUPPLY:
		app_go(a, SCR_SUPPLY);
		return true;
	case ACT_STAFF:
		app_go(a, SCR_STAFF);
		return true;
	case ACT_TRAIN:
		app_go(a, SCR_TRAIN);
		return true;
	case ACT_NEW_DAY:
		/* a case in progress is finished or left first (it would be lost) */
		if (a->cs) {
			app_flash(a, app_str(a, "demo.new_day_case_open"));
			return true;
		}
		app_ask(a, app_str(a, "demo.new_day_ask"), new_day);
		return true;
	case ACT_REFUND:
		if (h->n_cases)
			refund_start(a, h->cases[h->sel].case_no);
		return true;
	case ACT_PAPER:
		if (h->n_cases)
			paper_open(a, h->cases[h->sel].case_no);
		return true;
	case ACT_NEXT:
		if (h->n_cases == 0)
			return true;
		/* a 容缺 case the customer came back to: its supplement */
		if (supp_flow_owes(&h->cases[h->sel])) {
			snprintf(a->go_case, sizeof a->go_case, "%s", h->cases[h->sel].case_no);
			app_go(a, SCR_SUPPLY);
			return true;
		}
		if (h->cases[h->sel].last_step == STEP_SLIP ||
		    h->cases[h->sel].status == CS_CANCELLED) {
			app_flash(a, app_str(a, "home.case_finished"));
			return true;
		}
		if (strcmp(h->cases[h->sel].clerk_id, a->k.user.id) != 0) {
			app_flash(a, app_str(a, "home.not_yours"));
			return true;
		}
		case_resume(a, h->cases[h->sel].case_no);
		return true;
	default:
		return false;
	}
}

/* ---- the service picker ---- */

/* The list starts at the top every time (the state is new on every
 * entry): the same keys always reach the same service (the clerk's hands
 * learn them; scripts rely on it). */
typedef struct service_state {
	int sel;
} service_state;

static void service_draw(app *a)
{
	service_state *st = app_private(a);
	int y = 3;
	/* the names' column as wide as the longest name in this language */
	int lw = 22;
	for (size_t s = 0; s < a->k.cat->n_services; s++)
		if (text_cols(a->k.cat->services[s].label[a->k.lg]) > lw)
			lw = text_cols(a->k.cat->services[s].label[a->k.lg]);
	size_t ix = 0;
	for (size_t p = 0; p < a->k.cat->n_platforms; p++) {
		const platform *pl = &a->k.cat->platforms[p];
		attron(A_BOLD);
		draw_text(y++, 2, pl->name[a->k.lg], COLS - 4);
		attroff(A_BOLD);
		for (size_t s = 0; s < a->k.cat->n_services; s++) {
			const service *svc = &a->k.cat->services[s];
			if (svc->platform != pl)
				continue;
			bool sel = (int)s == st->sel;
			if (y < LINES - 4) {
				if (sel)
					attron(term_attr(ST_SELECT));
				mvhline(y, 3, ' ', COLS - 6);
				draw_text(y, 2, sel ? "▶" : " ", 1);
				draw_text(y, 4, svc->label[a->k.lg], lw);
				if (svc->help[a->k.lg])
					draw_text(y, 6 + lw, svc->help[a->k.lg], COLS - 9 - lw);
				if (sel)
					attroff(term_attr(ST_SELECT));
			}
			y++;
			ix++;
		}
	}
	/* the list's column of notes is cut to fit: the picked service's in full */
	const service *pick = &a->k.cat->services[st->sel];
	if (pick->help[a->k.lg] && y + 1 < LINES - 2)
		draw_wrapped(y + 1 > LINES - 4 ? LINES - 4 : y + 1, 2, COLS - 4, 2, pick->help[a->k.lg]);
}

static bool service_key(app *a, const key_event *ev)
{
	service_state *st = app_private(a);
	int n = (int)a->k.cat->n_services;
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

static bool service_act(app *a, action_id act)
{
	service_state *st = app_private(a);
	if (act == ACT_BACK) {
		app_go(a, SCR_HOME);
		return true;
	}
	if (act == ACT_NEXT) {
		case_start(a, &a->k.cat->services[st->sel]);
		return true;
	}
	return false;
}

const screen_ops scr_home = { SCR_HOME, sizeof(home_state), true, home_enter, home_leave, home_draw, home_key, home_act };
const screen_ops scr_service = { SCR_SERVICE, sizeof(service_state), false, NULL, NULL, service_draw, service_key, service_act };
