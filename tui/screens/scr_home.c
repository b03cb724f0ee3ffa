/* Home (the clerk's cases today: start, resume, look up) and the service
 * picker that starts a case. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "tui/term/term.h"
#include "tui/app/app.h"

static void load_today(app *a)
{
	free(a->cases);
	a->cases = NULL;
	a->n_cases = 0;
	kerr err = { 0 };
	if (db_case_list_day(a->db, a->user.id, clock_today(), &a->cases, &a->n_cases, &err) != 0)
		app_flash_err(a, &err);
	if (a->home_sel >= (int)a->n_cases)
		a->home_sel = a->n_cases ? (int)a->n_cases - 1 : 0;
}

static void home_enter(app *a)
{
	a->finding = false;
	a->home_msg[0] = '\0';
	load_today(a);
}

static const char *service_label(const app *a, const char *service_id)
{
	const service *s = catalog_service(a->cat, service_id);
	return s ? s->label[a->lg] : service_id;
}

static void home_draw(app *a)
{
	char buf[512];
	str_var v[] = { { "name", a->user.name }, { NULL, NULL } };
	attron(A_BOLD);
	draw_text(3, 2, app_render(a, "home.hello", v, buf, sizeof buf), COLS - 4);
	attroff(A_BOLD);
	int y = 5;
	if (a->finding) {
		draw_text(y, 2, app_str(a, "home.find_prompt"), 30);
		draw_field(y, 32, 30, &a->find, true);
		y += 2;
	}
	if (a->home_msg[0]) {
		draw_text(y++, 2, a->home_msg, COLS - 4);
		y++;
	}
	if (a->n_cases == 0) {
		draw_text(y, 2, app_str(a, a->home_msg[0] ? "home.none_found" : "home.no_cases"), COLS - 4);
		return;
	}
	attron(A_UNDERLINE);
	draw_text(y, 2, app_str(a, "home.columns"), COLS - 4);
	attroff(A_UNDERLINE);
	y++;
	for (size_t i = 0; i < a->n_cases && y < LINES - 3; i++, y++) {
		const case_rec *c = &a->cases[i];
		char when[32];
		clock_format_local(c->created_ms, when, sizeof when);
		bool sel = (int)i == a->home_sel;
		if (sel)
			attron(term_attr(ST_SELECT));
		mvhline(y, 1, ' ', COLS - 2);
		draw_text(y, 0, sel ? "▶" : " ", 1);
		draw_text(y, 2, c->case_no, 26);
		draw_text(y, 29, when + 11, 5);
		draw_text(y, 36, app_str(a, case_status_key(c->status)), 10);
		/* an unfinished case shows the step it waits at */
		const service *svc = catalog_service(a->cat, c->service_id);
		case_step next = svc ? case_next_step(svc, c->last_step, c->decision) : STEP_NONE;
		draw_text(y, 47, next == STEP_NONE ? "" : app_str(a, case_step_key(next)), 10);
		draw_text(y, 58, service_label(a, c->service_id), COLS - 60);
		if (sel)
			attroff(term_attr(ST_SELECT));
	}
}

static bool home_key(app *a, const key_event *ev)
{
	if (a->finding) {
		if (key_is(ev, K_ESC)) {
			a->finding = false;
			load_today(a);
			a->home_msg[0] = '\0';
			return true;
		}
		if (key_is(ev, KEY_ENTER)) {
			char q[128];
			edit_get(&a->find, q, sizeof q);
			free(a->cases);
			a->cases = NULL;
			kerr err = { 0 };
			if (db_case_find(a->db, q, &a->cases, &a->n_cases, &err) != 0)
				app_flash_err(a, &err);
			str_var v[] = { { "query", q }, { NULL, NULL } };
			app_render(a, "home.found", v, a->home_msg, sizeof a->home_msg);
			a->finding = false;
			a->home_sel = 0;
			return true;
		}
		return edit_key(&a->find, ev);
	}
	if (key_is(ev, KEY_UP) && a->home_sel > 0) {
		a->home_sel--;
		return true;
	}
	if (key_is(ev, KEY_DOWN) && a->home_sel + 1 < (int)a->n_cases) {
		a->home_sel++;
		return true;
	}
	return false;
}

static bool home_act(app *a, action_id act)
{
	switch (act) {
	case ACT_NEW_CASE:
		app_go(a, SCR_SERVICE);
		return true;
	case ACT_FIND:
		a->finding = true;
		edit_clear(&a->find);
		return true;
	case ACT_SUPERVISE:
		app_go(a, SCR_DAY);
		return true;
	case ACT_TRAIN:
		app_go(a, SCR_TRAIN);
		return true;
	case ACT_REFUND:
		if (a->n_cases)
			refund_start(a, a->cases[a->home_sel].case_no);
		return true;
	case ACT_NEXT:
		if (a->n_cases == 0)
			return true;
		if (a->cases[a->home_sel].last_step == STEP_SLIP ||
		    a->cases[a->home_sel].status == CS_CANCELLED) {
			app_flash(a, app_str(a, "home.case_finished"));
			return true;
		}
		if (strcmp(a->cases[a->home_sel].clerk_id, a->user.id) != 0) {
			app_flash(a, app_str(a, "home.not_yours"));
			return true;
		}
		case_resume(a, a->cases[a->home_sel].case_no);
		return true;
	default:
		return false;
	}
}

/* ---- the service picker ---- */

static int service_sel;

/* The list starts at the top every time: the same keys always reach the
 * same service (the clerk's hands learn them; scripts rely on it). */
static void service_enter(app *a)
{
	(void)a;
	service_sel = 0;
}

static void service_draw(app *a)
{
	int y = 3;
	size_t ix = 0;
	for (size_t p = 0; p < a->cat->n_platforms; p++) {
		const platform *pl = &a->cat->platforms[p];
		attron(A_BOLD);
		draw_text(y++, 2, pl->name[a->lg], COLS - 4);
		attroff(A_BOLD);
		for (size_t s = 0; s < a->cat->n_services; s++) {
			const service *svc = &a->cat->services[s];
			if (svc->platform != pl)
				continue;
			bool sel = (int)s == service_sel;
			if (y < LINES - 4) {
				if (sel)
					attron(term_attr(ST_SELECT));
				mvhline(y, 3, ' ', COLS - 6);
				draw_text(y, 2, sel ? "▶" : " ", 1);
				draw_text(y, 4, svc->label[a->lg], 22);
				if (svc->help[a->lg])
					draw_text(y, 28, svc->help[a->lg], COLS - 31);
				if (sel)
					attroff(term_attr(ST_SELECT));
			}
			y++;
			ix++;
		}
	}
}

static bool service_key(app *a, const key_event *ev)
{
	int n = (int)a->cat->n_services;
	if (key_is(ev, KEY_UP)) {
		service_sel = (service_sel + n - 1) % n;
		return true;
	}
	if (key_is(ev, KEY_DOWN)) {
		service_sel = (service_sel + 1) % n;
		return true;
	}
	return false;
}

static bool service_act(app *a, action_id act)
{
	if (act == ACT_BACK) {
		app_go(a, SCR_HOME);
		return true;
	}
	if (act == ACT_NEXT) {
		case_start(a, &a->cat->services[service_sel]);
		return true;
	}
	return false;
}

const screen_ops scr_home = { SCR_HOME, home_enter, home_draw, home_key, home_act };
const screen_ops scr_service = { SCR_SERVICE, service_enter, service_draw, service_key, service_act };
