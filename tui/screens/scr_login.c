/* The screens around the clerk's session: login (staff id and PIN, five
 * failures lock the id), the idle lock (the same clerk's PIN unlocks; a
 * supervisor may take over), and F1 help generated from the action table. */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "core/base/clock.h"
#include "tui/term/term.h"
#include "tui/app/app.h"

/* ---- login ---- */

static void login_enter(app *a)
{
	edit_clear(&a->login_id);
	edit_clear(&a->login_pin);
	a->login_pin.secret = true;
	a->login_focus = 0;
}

static void draw_login_form(app *a, int y, const char *heading)
{
	int x = 4;
	attron(A_BOLD);
	draw_text(y, x, heading, COLS - 8);
	attroff(A_BOLD);
	draw_text(y + 2, x, app_str(a, "login.id"), 20);
	draw_field(y + 2, x + 20, 24, &a->login_id, a->login_focus == 0);
	draw_text(y + 4, x, app_str(a, "login.pin"), 20);
	draw_field(y + 4, x + 20, 24, &a->login_pin, a->login_focus == 1);
	if (a->login_msg[0]) {
		attron(term_attr(ST_ERROR));
		draw_wrapped(y + 6, x, COLS - 8, 3, a->login_msg);
		attroff(term_attr(ST_ERROR));
	}
}

static void login_draw(app *a)
{
	draw_login_form(a, 4, app_str(a, "login.heading"));
}

static void say(app *a, const char *key, const char *name, const char *value)
{
	str_var v[] = { { name, value }, { NULL, NULL } };
	app_render(a, key, v, a->login_msg, sizeof a->login_msg);
}

/* Check id and PIN; on success the user is signed in. Returns true on success. */
static bool try_login(app *a, staff_rec *who)
{
	char id[64], pin[64];
	edit_get(&a->login_id, id, sizeof id);
	edit_get(&a->login_pin, pin, sizeof pin);
	edit_clear(&a->login_pin);
	a->login_focus = 1;
	int left = 0;
	kerr err = { 0 };
	login_result r = db_staff_login(a->db, id, pin, a->cfg->login_max_failures,
					a->cfg->login_lock_minutes, who, &left, &err);
	memset(pin, 0, sizeof pin);
	char n[16], when[32];
	switch (r) {
	case LOGIN_OK:
		a->login_msg[0] = '\0';
		return true;
	case LOGIN_BAD_PIN:
		snprintf(n, sizeof n, "%d", left);
		say(a, "login.bad_pin", "left", n);
		break;
	case LOGIN_LOCKED:
		clock_format_local(who->locked_until_ms, when, sizeof when);
		say(a, "login.locked", "until", when);
		break;
	case LOGIN_UNKNOWN:
		say(a, "login.unknown", "id", id);
		a->login_focus = 0;
		break;
	case LOGIN_ERROR:
		kerr_text(&err, a->login_msg, sizeof a->login_msg);
		break;
	}
	return false;
}

/* Tab and Enter move from the id to the PIN; true when Enter on the PIN asks
 * for the sign-in to be tried. */
static bool form_step(app *a, action_id act)
{
	if (act == ACT_FIELD) {
		a->login_focus = !a->login_focus;
		return false;
	}
	if (act == ACT_NEXT && a->login_focus == 0) {
		a->login_focus = 1;
		return false;
	}
	return act == ACT_NEXT;
}

static bool login_key(app *a, const key_event *ev)
{
	return edit_key(a->login_focus == 0 ? &a->login_id : &a->login_pin, ev);
}

static bool login_act(app *a, action_id act)
{
	if (act != ACT_NEXT && act != ACT_FIELD)
		return false;
	if (!form_step(a, act))
		return true;
	staff_rec who;
	if (try_login(a, &who)) {
		a->user = who;
		a->signed_in = true;
		app_go(a, SCR_HOME);
	}
	return true;
}

/* ---- idle lock ---- */

static void lock_enter(app *a)
{
	edit_set(&a->login_id, a->user.id);
	edit_clear(&a->login_pin);
	a->login_pin.secret = true;
	a->login_focus = 1;
	a->login_msg[0] = '\0';
}

static void lock_draw(app *a)
{
	char buf[256];
	str_var v[] = { { "name", a->user.name }, { "id", a->user.id }, { NULL, NULL } };
	draw_login_form(a, 4, app_render(a, "lock.heading", v, buf, sizeof buf));
	draw_wrapped(14, 4, COLS - 8, 3, app_str(a, "lock.takeover"));
}

static bool lock_act(app *a, action_id act)
{
	if (act == ACT_LOCK || act == ACT_QUIT)
		return true; /* a locked session is left only by unlocking it */
	if (act != ACT_NEXT && act != ACT_FIELD)
		return false;
	if (!form_step(a, act))
		return true;
	staff_rec who;
	if (!try_login(a, &who))
		return true;
	kerr err = { 0 };
	if (strcmp(who.id, a->user.id) != 0) {
		/* Only a supervisor may take over another's locked session. */
		if (who.role != ROLE_SUPERVISOR) {
			db_staff_logout(a->db, who.id, &err);
			say(a, "lock.not_supervisor", "id", who.id);
			return true;
		}
		char detail[128];
		snprintf(detail, sizeof detail, "took over from %s", a->user.id);
		db_audit_append(a->db, who.id, "staff.takeover", a->cs ? a->cs->rec.case_no : "",
				detail, &err);
		a->user = who;
	}
	db_audit_append(a->db, a->user.id, "staff.unlock", "", "", &err);
	a->screen = a->lock_from;
	return true;
}

/* ---- help ---- */

static void help_draw(app *a)
{
	int y = 3;
	attron(A_BOLD);
	draw_text(y++, 2, app_str(a, screen_title_key(a->help_from)), COLS - 4);
	attroff(A_BOLD);
	y++;
	for (int i = 0; i < ACT_COUNT && y < LINES - 3; i++) {
		const action_def *d = &actions[i];
		if (!action_offered_on(a, (action_id)i, a->help_from))
			continue;
		char help[96];
		snprintf(help, sizeof help, "%s.help", d->str_key);
		attron(term_attr(ST_KEY));
		draw_text(y, 2, d->key_label, 8);
		attroff(term_attr(ST_KEY));
		draw_text(y, 11, app_str(a, d->str_key), 14);
		draw_text(y, 26, app_str(a, help), COLS - 28);
		y++;
	}
	y++;
	if (y < LINES - 3)
		draw_wrapped(y, 2, COLS - 4, LINES - 3 - y, app_str(a, "help.general"));
}

static bool help_key(app *a, const key_event *ev)
{
	(void)ev;
	a->screen = a->help_from; /* any key returns */
	return true;
}

const screen_ops scr_login = { SCR_LOGIN, login_enter, login_draw, login_key, login_act };
const screen_ops scr_lock = { SCR_LOCK, lock_enter, lock_draw, login_key, lock_act };
const screen_ops scr_help = { SCR_HELP, NULL, help_draw, help_key, NULL };
