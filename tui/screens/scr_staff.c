/* The supervisor's staff screen (F5 at home): every member with role, state,
 * wrong PINs in a row and the wait they began; F2 adds a member (id, name,
 * role, PIN twice), F5 ends a wait, F6 sets a new PIN (twice), F7 disables.
 * The acts are `kioskctl staff`'s, through tui/flow/staff_flow.c: done as
 * the supervisor signed in and audited with that id. Offered to
 * supervisors only (NEED_SUPERVISOR). The PINs typed are wiped with the
 * screen's state. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "tui/term/term.h"
#include "tui/screens/screens.h"

/* The form under the list: none, a new member, a new PIN for the one picked. */
typedef enum staff_form { SF_NONE, SF_ADD, SF_PIN } staff_form;

/* Fields of the forms: the add form uses all, the PIN form the last two. */
enum { FF_ID, FF_NAME, FF_ROLE, FF_PIN, FF_AGAIN, FF_COUNT };

typedef struct staff_state {
	staff_rec *list;
	size_t n;
	int sel;
	staff_form form;
	edit_field f[FF_COUNT];
	int role;                 /* the add form's role */
	int focus;                /* FF_* */
	char msg[512];
	bool msg_err;
} staff_state;

static void reload(app *a, staff_state *st)
{
	free(st->list);
	st->list = NULL;
	st->n = 0;
	char msg[512];
	if (!staff_flow_list(&a->k, &st->list, &st->n, msg, sizeof msg)) {
		snprintf(st->msg, sizeof st->msg, "%s", msg);
		st->msg_err = true;
	}
	if (st->sel >= (int)st->n)
		st->sel = st->n ? (int)st->n - 1 : 0;
}

static void staff_enter(app *a)
{
	staff_state *st = app_private(a);
	st->f[FF_PIN].secret = st->f[FF_AGAIN].secret = true;
	st->f[FF_ID].max = 32;
	st->f[FF_NAME].max = 32;
	st->f[FF_PIN].max = st->f[FF_AGAIN].max = 12;
	reload(a, st);
}

static void staff_leave(app *a)
{
	staff_state *st = app_private(a);
	free(st->list);
	st->list = NULL;
}

/* The roles' column: as wide as the longest role's name in this language. */
static int role_cols(const app *a)
{
	int w = 10;
	for (int r = 0; r < ROLE_COUNT; r++)
		if (text_cols(app_str(a, staff_role_key((staff_role)r))) > w)
			w = text_cols(app_str(a, staff_role_key((staff_role)r)));
	return w;
}

static void draw_member(app *a, int y, const staff_rec *s, bool sel)
{
	char state[160] = "", buf[128];
	snprintf(state, sizeof state, "%s", app_str(a, s->active ? "staff.active" : "staff.disabled_state"));
	if (s->failures) {
		char n[16];
		snprintf(n, sizeof n, "%d", s->failures);
		str_var v[] = { { "n", n }, { NULL, NULL } };
		size_t l = strlen(state);
		snprintf(state + l, sizeof state - l, "  %s", app_render(a, "staff.failures", v, buf, sizeof buf));
	}
	if (s->locked_until_ms > clock_now_ms()) {
		char when[32];
		clock_format_local(s->locked_until_ms, when, sizeof when);
		str_var v[] = { { "time", when + 11 }, { NULL, NULL } };
		size_t l = strlen(state);
		snprintf(state + l, sizeof state - l, "  %s", app_render(a, "staff.waits", v, buf, sizeof buf));
	}
	if (sel)
		attron(term_attr(ST_SELECT));
	mvhline(y, 1, ' ', COLS - 2);
	draw_text(y, 0, sel ? "▶" : " ", 1);
	draw_text(y, 2, s->id, 12);
	draw_text(y, 15, s->name, 14);
	int rw = role_cols(a);
	draw_text(y, 30, app_str(a, staff_role_key(s->role)), rw);
	draw_text(y, 31 + rw, state, COLS - 33 - rw);
	if (sel)
		attroff(term_attr(ST_SELECT));
}

static void draw_form(app *a, staff_state *st, int y)
{
	static const char *const label[FF_COUNT] = { "staff.f_id", "staff.f_name", "staff.f_role",
						     "staff.f_pin", "staff.f_again" };
	attron(A_BOLD);
	if (st->form == SF_ADD) {
		draw_text(y++, 2, app_str(a, "staff.add_heading"), COLS - 4);
	} else {
		char buf[256];
		str_var v[] = { { "id", st->list[st->sel].id }, { NULL, NULL } };
		draw_text(y++, 2, app_render(a, "staff.pin_heading", v, buf, sizeof buf), COLS - 4);
	}
	attroff(A_BOLD);
	for (int i = st->form == SF_ADD ? FF_ID : FF_PIN; i < FF_COUNT; i++, y++) {
		draw_text(y, 4, app_str(a, label[i]), 16);
		if (i == FF_ROLE) {
			char buf[64];
			snprintf(buf, sizeof buf, "< %s >", app_str(a, staff_role_key((staff_role)st->role)));
			attron(term_attr(st->focus == i ? ST_SELECT : ST_FIELD));
			draw_text(y, 21, buf, 24);
			attroff(term_attr(st->focus == i ? ST_SELECT : ST_FIELD));
		} else {
			draw_field(y, 21, 24, &st->f[i], st->focus == i);
		}
	}
}

static void staff_draw(app *a)
{
	staff_state *st = app_private(a);
	attron(A_UNDERLINE);
	draw_text(3, 2, app_str(a, "staff.columns"), COLS - 4);
	attroff(A_UNDERLINE);
	int y = 4;
	int rows = st->form != SF_NONE ? LINES - 14 : LINES - 9;
	int top = st->sel >= rows ? st->sel - rows + 1 : 0;
	for (int i = top; i < (int)st->n && y < 4 + rows; i++, y++)
		draw_member(a, y, &st->list[i], i == st->sel);
	if (st->form != SF_NONE)
		draw_form(a, st, y + 1);
	if (st->msg[0]) {
		attron(term_attr(st->msg_err ? ST_ERROR : ST_OK));
		draw_wrapped(LINES - 5, 2, COLS - 4, 2, st->msg);
		attroff(term_attr(st->msg_err ? ST_ERROR : ST_OK));
	}
}

static void say(staff_state *st, bool ok, const char *msg)
{
	snprintf(st->msg, sizeof st->msg, "%s", msg);
	st->msg_err = !ok;
}

static void close_form(staff_state *st)
{
	for (int i = 0; i < FF_COUNT; i++)
		edit_clear(&st->f[i]);
	st->form = SF_NONE;
}

/* Enter on the form's last field. */
static void submit(app *a, staff_state *st)
{
	char id[64], name[160], pin[64], again[64], msg[512];
	edit_get(&st->f[FF_PIN], pin, sizeof pin);
	edit_get(&st->f[FF_AGAIN], again, sizeof again);
	edit_clear(&st->f[FF_PIN]);
	edit_clear(&st->f[FF_AGAIN]);
	bool ok;
	if (st->form == SF_ADD) {
		edit_get(&st->f[FF_ID], id, sizeof id);
		edit_get(&st->f[FF_NAME], name, sizeof name);
		ok = staff_flow_add(&a->k, id, name, (staff_role)st->role, pin, again, msg, sizeof msg);
	} else {
		snprintf(id, sizeof id, "%s", st->list[st->sel].id);
		ok = staff_flow_reset_pin(&a->k, id, pin, again, msg, sizeof msg);
	}
	explicit_bzero(pin, sizeof pin);
	explicit_bzero(again, sizeof again);
	say(st, ok, msg);
	if (!ok) {
		st->focus = FF_PIN; /* the PINs again; what else was typed stays */
		return;
	}
	close_form(st);
	reload(a, st);
	for (size_t i = 0; i < st->n; i++) /* the member just added or changed */
		if (strcmp(st->list[i].id, id) == 0)
			st->sel = (int)i;
}

static bool form_key(app *a, staff_state *st, const key_event *ev)
{
	int first = st->form == SF_ADD ? FF_ID : FF_PIN;
	if (key_is(ev, K_ESC)) {
		close_form(st);
		st->msg[0] = '\0';
		return true;
	}
	if (key_is(ev, K_TAB) || key_is(ev, KEY_DOWN) || (key_is(ev, KEY_ENTER) && st->focus < FF_AGAIN)) {
		st->focus = st->focus < FF_AGAIN ? st->focus + 1 : first;
		return true;
	}
	if (key_is(ev, KEY_BTAB) || key_is(ev, KEY_UP)) {
		st->focus = st->focus > first ? st->focus - 1 : FF_AGAIN;
		return true;
	}
	if (key_is(ev, KEY_ENTER)) {
		submit(a, st);
		return true;
	}
	if (st->focus == FF_ROLE) {
		int dir = key_is(ev, KEY_LEFT) ? -1 : key_is(ev, KEY_RIGHT) || key_is_char(ev, L' ') ? 1 : 0;
		if (dir)
			st->role = (st->role + dir + ROLE_COUNT) % ROLE_COUNT;
		return dir != 0;
	}
	return edit_key(&st->f[st->focus], ev);
}

static bool staff_key(app *a, const key_event *ev)
{
	staff_state *st = app_private(a);
	if (st->form != SF_NONE)
		return form_key(a, st, ev);
	if (key_is(ev, KEY_UP) && st->sel > 0) {
		st->sel--;
		return true;
	}
	if (key_is(ev, KEY_DOWN) && st->sel + 1 < (int)st->n) {
		st->sel++;
		return true;
	}
	return false;
}

static void disable_now(app *a)
{
	staff_state *st = app_private(a);
	char msg[512], id[40];
	snprintf(id, sizeof id, "%s", st->list[st->sel].id);
	say(st, staff_flow_disable(&a->k, id, msg, sizeof msg), msg);
	reload(a, st);
}

static bool staff_act(app *a, action_id act)
{
	staff_state *st = app_private(a);
	bool picked = st->n > 0 && st->form == SF_NONE;
	char msg[512];
	switch (act) {
	case ACT_BACK:
		app_go(a, SCR_HOME);
		return true;
	case ACT_STAFF_ADD:
		close_form(st);
		st->form = SF_ADD;
		st->focus = FF_ID;
		st->role = ROLE_CLERK;
		st->msg[0] = '\0';
		return true;
	case ACT_STAFF_UNLOCK:
		if (picked) {
			say(st, staff_flow_unlock(&a->k, st->list[st->sel].id, msg, sizeof msg), msg);
			reload(a, st);
		}
		return true;
	case ACT_STAFF_PIN:
		if (picked) {
			st->form = SF_PIN;
			st->focus = FF_PIN;
			st->msg[0] = '\0';
		}
		return true;
	case ACT_STAFF_DISABLE:
		if (picked) {
			char q[256];
			str_var v[] = { { "id", st->list[st->sel].id }, { "name", st->list[st->sel].name },
					{ NULL, NULL } };
			app_ask(a, app_render(a, "staff.ask_disable", v, q, sizeof q), disable_now);
		}
		return true;
	default:
		return false;
	}
}

const screen_ops scr_staff = { SCR_STAFF, sizeof(staff_state), false, staff_enter, staff_leave, staff_draw,
				staff_key, staff_act };
