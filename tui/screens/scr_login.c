/* The screens around the clerk's session: login (staff id and PIN, five
 * failures lock the id), the idle lock (the same clerk's PIN unlocks; a
 * supervisor may take over), and F1 help generated from the action table. */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "tui/term/term.h"
#include "tui/screens/screens.h"

/* ---- login ---- */

/* The sign-in form, the same on the login and the lock screen. */
typedef struct login_state {
	edit_field id, pin;
	int focus;
	char msg[512];
} login_state;

static void login_enter(app *a)
{
	login_state *st = app_private(a);
	edit_clear(&st->id);
	edit_clear(&st->pin);
	st->pin.secret = true;
	st->focus = 0;
}

static void draw_login_form(app *a, int y, int x, const char *heading)
{
	login_state *st = app_private(a);
	attron(A_BOLD);
	draw_text(y, x, heading, COLS - x - 4);
	attroff(A_BOLD);
	draw_text(y + 2, x, app_str(a, "login.id"), 20);
	draw_field(y + 2, x + 20, 24, &st->id, st->focus == 0);
	draw_text(y + 4, x, app_str(a, "login.pin"), 20);
	draw_field(y + 4, x + 20, 24, &st->pin, st->focus == 1);
	if (st->msg[0]) {
		attron(term_attr(ST_ERROR));
		draw_wrapped(y + 6, x, COLS - x - 4, 3, st->msg);
		attroff(term_attr(ST_ERROR));
	}
}

static void login_draw(app *a)
{
	draw_login_form(a, 4, 4, app_str(a, "login.heading"));
}

/* Check id and PIN; true with *who when they are right. */
static bool try_login(app *a, staff_rec *who)
{
	login_state *st = app_private(a);
	char id[64], pin[64];
	edit_get(&st->id, id, sizeof id);
	edit_get(&st->pin, pin, sizeof pin);
	edit_clear(&st->pin);
	st->focus = 1;
	bool unknown;
	bool ok = session_check(&a->k, id, pin, who, st->msg, sizeof st->msg, &unknown);
	if (unknown)
		st->focus = 0;
	return ok;
}

/* Tab and Enter move from the id to the PIN; true when Enter on the PIN asks
 * for the sign-in to be tried. */
static bool form_step(app *a, action_id act)
{
	login_state *st = app_private(a);
	if (act == ACT_FIELD) {
		st->focus = !st->focus;
		return false;
	}
	if (act == ACT_NEXT && st->focus == 0) {
		st->focus = 1;
		return false;
	}
	return act == ACT_NEXT;
}

static bool login_key(app *a, const key_event *ev)
{
	login_state *st = app_private(a);
	return edit_key(st->focus == 0 ? &st->id : &st->pin, ev);
}

static bool login_act(app *a, action_id act)
{
	if (act == ACT_FIELD_BACK) /* two fields: back is the other one */
		act = ACT_FIELD;
	if (act != ACT_NEXT && act != ACT_FIELD)
		return false;
	if (!form_step(a, act))
		return true;
	staff_rec who;
	if (try_login(a, &who)) {
		a->k.user = who;
		a->k.signed_in = true;
		a->k.taken_over = false;
		app_go(a, SCR_HOME);
	}
	return true;
}

/* ---- idle lock ---- */

static void lock_enter(app *a)
{
	login_state *st = app_private(a);
	edit_set(&st->id, a->k.user.id);
	edit_clear(&st->pin);
	st->pin.secret = true;
	st->focus = 1;
	st->msg[0] = '\0';
}

/* Locked over the payment screen: the customer may still be paying. */
static bool lock_over_payment(const app *a)
{
	return a->lock_from == SCR_PAYMENT && a->cs;
}

static void lock_draw(app *a)
{
	char buf[256];
	str_var v[] = { { "name", a->k.user.name }, { "id", a->k.user.id }, { NULL, NULL } };
	/* an order that can be paid keeps its code on screen, payable: only
	 * the rest of the counter is locked */
	int w = lock_over_payment(a) ? payment_draw_qr(a, 2, 2) : 0;
	int x = w ? 2 + w + 2 : 4;
	draw_login_form(a, 4, x, app_render(a, "lock.heading", v, buf, sizeof buf));
	draw_wrapped(14, x, COLS - x - 4, 3, app_str(a, "lock.takeover"));
	if (w)
		draw_wrapped(18, x, COLS - x - 4, 3, app_str(a, "lock.qr_payable"));
}

static bool lock_act(app *a, action_id act)
{
	if (act == ACT_NONE) {
		/* a tick: the order is still asked about, so a payment made while
		 * locked is taken up (the payment screen moves on when unlocked) */
		if (lock_over_payment(a))
			pay_flow_tick(&a->k, a->cs);
		return false;
	}
	if (act == ACT_LOCK || act == ACT_QUIT)
		return true; /* a locked session is left only by unlocking it */
	if (act == ACT_FIELD_BACK)
		act = ACT_FIELD;
	if (act != ACT_NEXT && act != ACT_FIELD)
		return false;
	if (!form_step(a, act))
		return true;
	staff_rec who;
	if (!try_login(a, &who))
		return true;
	login_state *st = app_private(a);
	if (session_unlock(&a->k, &who, a->cs ? a->cs->rec.case_no : "", st->msg, sizeof st->msg))
		app_return(a, a->lock_from);
	return true;
}

/* ---- help ---- */

/* The help of a screen can be longer than the screen (long English lines,
 * many keys): it scrolls by entry, and says when there is more. */
typedef struct help_state {
	int top;   /* the first entry shown */
	int next;  /* the first entry not shown */
	bool more; /* entries below the last one shown */
} help_state;

static void help_draw(app *a)
{
	help_state *st = app_private(a);
	int y = 3;
	attron(A_BOLD);
	draw_text(y++, 2, app_str(a, screen_id_key(a->help_from)), COLS - 4);
	attroff(A_BOLD);
	if (st->top > 0)
		draw_text(y, 2, app_str(a, "help.more_above"), COLS - 4);
	y++;
	/* the labels' column as wide as the longest label in this language */
	int lw = 14;
	for (int i = 0; i < ACT_COUNT; i++)
		if (action_offered_on(a, (action_id)i, a->help_from) && text_cols(app_str(a, actions[i].str_key)) + 1 > lw)
			lw = text_cols(app_str(a, actions[i].str_key)) + 1;
	int hx = 11 + lw + 1, hw = COLS - hx - 2, bottom = LINES - 3;
	int entry = 0;
	st->more = false;
	for (int i = 0; i <= ACT_COUNT; i++) {
		bool general = i == ACT_COUNT;
		if (!general && !action_offered_on(a, (action_id)i, a->help_from))
			continue;
		if (entry++ < st->top)
			continue;
		const action_def *d = general ? NULL : &actions[i];
		char help[96];
		if (d)
			snprintf(help, sizeof help, "%s.help", d->str_key);
		const char *text = app_str(a, d ? help : "help.general");
		/* every line whole: an entry that does not fit waits for ↓ */
		int rows = d ? text_rows(text, hw) : text_rows(text, COLS - 4) + 1;
		if (y + rows > bottom - 1) {
			st->more = true;
			st->next = entry - 1;
			break;
		}
		if (!d) {
			draw_wrapped(y + 1, 2, COLS - 4, rows - 1, text);
			break;
		}
		attron(term_attr(ST_KEY));
		draw_text(y, 2, d->key_label, 8);
		attroff(term_attr(ST_KEY));
		draw_text(y, 11, app_str(a, d->str_key), lw);
		draw_wrapped(y, hx, hw, rows, text);
		y += rows;
	}
	if (st->more) {
		attron(A_BOLD);
		draw_text(bottom - 1, 2, app_str(a, "help.more_below"), COLS - 4);
		attroff(A_BOLD);
	}
}

static bool help_key(app *a, const key_event *ev)
{
	help_state *st = app_private(a);
	/* ↓ ↑ an entry, PgDn PgUp a page */
	if ((key_is(ev, KEY_DOWN) || key_is(ev, KEY_NPAGE)) && st->more) {
		st->top = key_is(ev, KEY_NPAGE) && st->next > st->top ? st->next : st->top + 1;
		return true;
	}
	if ((key_is(ev, KEY_UP) || key_is(ev, KEY_PPAGE)) && st->top > 0) {
		int page = st->next > st->top ? st->next - st->top : 1;
		st->top = key_is(ev, KEY_PPAGE) && st->top > page ? st->top - page
			  : key_is(ev, KEY_PPAGE) ? 0 : st->top - 1;
		return true;
	}
	app_return(a, a->help_from); /* any other key returns */
	return true;
}

const screen_ops scr_login = { SCR_LOGIN, sizeof(login_state), false, login_enter, NULL, login_draw, login_key, login_act };
const screen_ops scr_lock = { SCR_LOCK, sizeof(login_state), false, lock_enter, NULL, lock_draw, login_key, lock_act };
const screen_ops scr_help = { SCR_HELP, sizeof(help_state), false, NULL, NULL, help_draw, help_key, NULL };
