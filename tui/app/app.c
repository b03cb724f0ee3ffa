/* app: the loop and what it offers the screens. The loop draws, takes one
 * key (from the terminal or the script), and dispatches it to the screen or
 * the action table; it is the only place that waits, so a script key is taken
 * only when the program is idle. Only the loop changes screens: a handler
 * asks for one (app_go, app_return) and the loop goes there before it draws,
 * giving each screen its private state and taking it back (after htop's
 * reactions: flows act, screens draw, the loop navigates). */
#include <curses.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/base/utf8.h"
#include "tui/term/dump.h"
#include "tui/term/term.h"
#include "tui/app/app.h"

const action_def actions[ACT_COUNT] = {
#define X(e, key, label, skey, where, need) { key, label, skey, where, need },
	ACTIONS(X)
#undef X
};

ENUM_DEFINE_KEY(screen_id, SCREENS, "screen.unknown")

bool action_offered(const app *a, action_id id)
{
	return action_offered_on(a, id, a->screen);
}

bool action_offered_on(const app *a, action_id id, screen_id s)
{
	const action_def *d = &actions[id];
	if (!(d->where & ON(s)))
		return false;
	unsigned need = d->need;
	if ((need & NEED_DEMO) && !a->k.demo)
		return false;
	if ((need & NEED_REAL) && a->k.demo)
		return false;
	/* the day view and day close are the supervisor's */
	if ((need & NEED_SUPERVISOR) && !(a->k.signed_in && a->k.user.role == ROLE_SUPERVISOR))
		return false;
	/* a fresh training day is the trainer's or the supervisor's */
	if ((need & NEED_TRAINER) && !(a->k.signed_in && (a->k.user.role == ROLE_TRAINER ||
							  a->k.user.role == ROLE_SUPERVISOR)))
		return false;
	/* lost or broken is asked of a reissue only */
	if ((need & NEED_REISSUE) && !(a->cs && a->cs->svc->kind == SVC_REISSUE))
		return false;
	/* a service picked by mistake is withdrawn before anything is confirmed */
	if ((need & NEED_FRESH) && !(a->cs && case_flow_withdrawable(a->cs)))
		return false;
	/* the hall's day: a hall configured, outside trainer mode */
	if ((need & NEED_HALL) && !a->k.hallday)
		return false;
	/* the trainer's controls, while a scenario is played */
	if ((need & NEED_SCENARIO) && (!a->banner || a->banner(a)[0] == '\0'))
		return false;
	return true;
}

action_id action_for_key(const app *a, const key_event *ev)
{
	if (!ev->func)
		return ACT_NONE;
	for (int i = 0; i < ACT_COUNT; i++)
		if (actions[i].key == ev->code && action_offered(a, (action_id)i))
			return (action_id)i;
	return ACT_NONE;
}

const char *app_str(const app *a, const char *key)
{
	return counter_str(&a->k, key);
}

const char *app_render(const app *a, const char *key, const str_var *vars, char *buf, size_t n)
{
	return counter_render(&a->k, key, vars, buf, n);
}

void app_flash(app *a, const char *text)
{
	snprintf(a->flash, sizeof a->flash, "%s", text);
}

void app_flash_err(app *a, const kerr *err)
{
	kerr_text(err, a->flash, sizeof a->flash);
}

/* Help and the lock are shown over a screen, which keeps its state under them. */
static bool is_overlay(screen_id s)
{
	return s == SCR_HELP || s == SCR_LOCK;
}

static void release(app *a, screen_id s)
{
	const screen_ops *o = screens[s];
	if (!a->priv[s])
		return;
	if (o->leave)
		o->leave(a);
	if (a->priv[s]) /* a screen's state may hold a PIN being typed */
		explicit_bzero(a->priv[s], screens[s]->private_size);
	free(a->priv[s]);
	a->priv[s] = NULL;
}

/* The screen being left gives its state back, unless it keeps it or only an
 * overlay comes over it. */
static void leave(app *a, screen_id from, screen_id to)
{
	/* help comes over any screen, the lock over any but an overlay */
	if (from == to || screens[from]->keep || to == SCR_HELP || (to == SCR_LOCK && !is_overlay(from)))
		return;
	screen_id cur = a->screen;
	a->screen = from; /* leave() hooks see their own screen */
	release(a, from);
	a->screen = cur;
}

void app_go(app *a, screen_id s)
{
	a->go_to = s;
	a->going = GO_ENTER;
}

void app_return(app *a, screen_id s)
{
	a->go_to = s;
	a->going = GO_RETURN;
}

/* Go where the handlers asked; a screen's enter may ask again (a step with
 * nothing to do moves on), so until none does. The last request wins. */
static void navigate(app *a)
{
	for (int hops = 0; a->going != GO_STAY && hops < 2 * SCR_COUNT; hops++) {
		screen_id s = a->go_to;
		bool enter = a->going == GO_ENTER;
		a->going = GO_STAY;
		if (enter)
			a->came_from = a->screen;
		leave(a, a->screen, s);
		a->screen = s;
		if (!enter)
			continue;
		if (screens[s]->private_size && !a->priv[s])
			a->priv[s] = calloc(1, screens[s]->private_size);
		if (screens[s]->enter)
			screens[s]->enter(a);
	}
}

void *app_private(app *a)
{
	return a->priv[a->screen];
}

void app_release(app *a, screen_id s)
{
	screen_id cur = a->screen;
	a->screen = s; /* leave() hooks see their own screen */
	release(a, s);
	a->screen = cur;
}

void app_release_all(app *a)
{
	for (int s = 0; s < SCR_COUNT; s++) {
		a->screen = (screen_id)s;
		release(a, (screen_id)s);
	}
}

void app_ask(app *a, const char *question, void (*on_yes)(app *a))
{
	a->asking = true;
	snprintf(a->question, sizeof a->question, "%s", question);
	a->on_yes = on_yes;
}

void app_choose(app *a, const char *title, const char *const *items, int n,
		bool (*on_choose)(app *a, int ix, const char *text))
{
	a->choosing = true;
	snprintf(a->choose_title, sizeof a->choose_title, "%s", title);
	a->n_choose = n < APP_CHOICES_MAX ? n : APP_CHOICES_MAX;
	for (int i = 0; i < a->n_choose; i++)
		snprintf(a->choose_item[i], sizeof a->choose_item[i], "%s", items[i]);
	a->choose_sel = 0;
	edit_clear(&a->choose_text);
	a->choose_words = true;
	a->on_choose = on_choose;
}

void app_pick(app *a, const char *title, const char *const *items, int n,
	      bool (*on_choose)(app *a, int ix, const char *text))
{
	app_choose(a, title, items, n, on_choose);
	a->choose_words = false;
}

/* A key while a choice is up: nothing else gets it. */
static void choose_key(app *a, const key_event *ev)
{
	if (key_is(ev, K_ESC)) {
		a->choosing = false;
	} else if (key_is(ev, KEY_UP)) {
		a->choose_sel = (a->choose_sel + a->n_choose - 1) % a->n_choose;
	} else if (key_is(ev, KEY_DOWN)) {
		a->choose_sel = (a->choose_sel + 1) % a->n_choose;
	} else if (key_is(ev, KEY_ENTER)) {
		char text[512];
		edit_get(&a->choose_text, text, sizeof text);
		a->choosing = false;
		if (!a->on_choose(a, a->choose_sel, text))
			a->choosing = true;
	} else if (a->choose_words && !key_is(ev, KEY_RESIZE)) {
		edit_key(&a->choose_text, ev);
	}
}

/* ---- leaving, locking ---- */

static void do_quit(app *a)
{
	session_logout(&a->k);
	a->quit = true;
}

static void lock_now(app *a)
{
	if (!a->k.signed_in || a->screen == SCR_LOCK)
		return;
	/* help opened on the lock screen: still locked, back to it as it was */
	if (a->screen == SCR_HELP && a->help_from == SCR_LOCK) {
		app_return(a, SCR_LOCK);
		return;
	}
	a->lock_from = a->screen == SCR_HELP ? a->help_from : a->screen;
	if (a->screen == SCR_HELP)
		app_return(a, a->help_from);
	a->asking = false; /* a question left open is asked again by its key */
	a->choosing = false;
	session_lock(&a->k, a->cs ? a->cs->rec.case_no : "");
	app_go(a, SCR_LOCK);
}

/* The case's step message and the status line's flash are about the key
 * that was there: cleared when it changes. */
static void clear_key_messages(app *a)
{
	a->flash[0] = '\0';
	a->cs->step_msg[0] = '\0';
	a->cs->step_failed = false;
}

static void handle_key(app *a, const key_event *ev)
{
	/* Too small to show the screen: the clerk cannot see what a key would
	 * do (a case opened, another cancelled blind behind the notice), so no
	 * key does anything until the window is big enough again. */
	if (term_too_small()) {
		a->keys_ignored = true; /* said on the notice */
		return;
	}
	a->flash[0] = '\0';
	/* Full-width digits and letters and no-break spaces, as an input method
	 * types them, go into every field in their narrow form (a USCC or a
	 * mobile number typed full-width would otherwise be refused); the clerk
	 * is told, since the field shows something else than was typed. */
	key_event narrow = *ev;
	if (!ev->func && utf8_fold_narrow(ev->ch) != ev->ch) {
		narrow.ch = (wchar_t)utf8_fold_narrow(ev->ch);
		ev = &narrow;
		app_flash(a, app_str(a, "ui.folded"));
	}
	if (a->choosing) {
		choose_key(a, ev);
		return;
	}
	if (a->asking) {
		if (key_is(ev, KEY_ENTER) || key_is_char(ev, L'y') || key_is_char(ev, L'Y')) {
			a->asking = false;
			a->on_yes(a);
			a->key_dirty = true;  /* it may have written the key */
		} else if (key_is(ev, K_ESC) || key_is_char(ev, L'n') || key_is_char(ev, L'N')) {
			a->asking = false;
		}
		return;
	}
	if (key_is(ev, KEY_RESIZE))
		return;
	const screen_ops *s = screens[a->screen];
	if (s->key && s->key(a, ev))
		return;
	action_id act = action_for_key(a, ev);
	if (act == ACT_NONE) {
		/* Ctrl-C, Ctrl-Z, Ctrl-\ arrive as characters in raw mode: say how to leave. */
		if (!ev->func && (ev->ch == KEY_CTRL('c') || ev->ch == KEY_CTRL('z') ||
				  ev->ch == KEY_CTRL('\\')))
			app_flash(a, app_str(a, "ui.how_to_leave"));
		return;
	}
	/* the key may have been written or (demo) put in or out: look again */
	if (act == ACT_NEXT || act == ACT_KEY_IN || act == ACT_KEY_OUT)
		a->key_dirty = true;
	/* what was said about the key before is stale once it changes */
	if ((act == ACT_KEY_IN || act == ACT_KEY_OUT) && a->cs)
		clear_key_messages(a);
	if (s->act && s->act(a, act))
		return;
	switch (act) {
	case ACT_HELP:
		a->help_from = a->screen;
		app_go(a, SCR_HELP);
		break;
	case ACT_QUIT:
		app_ask(a, app_str(a, a->cs ? "ui.ask_quit_case" : "ui.ask_quit"), do_quit);
		break;
	case ACT_LOCK:
		lock_now(a);
		break;
	default:
		break;
	}
}

void app_watch_key(app *a)
{
	if (!a->k.tok)
		return;
	bool present = false;
	a->reader_st = token_present(a->k.tok, &present);
	if (present == a->key_seen && !a->key_dirty)
		return;
	/* A key put in, pulled or swapped by hand (not by a key just handled,
	 * which said its own message): what was said about the old one goes. */
	bool by_hand = !a->key_dirty;
	char was[sizeof a->key_info.serial];
	snprintf(was, sizeof was, "%s", a->key_info.serial);
	a->key_seen = present;
	a->key_dirty = false;
	if (present)
		a->key_st = token_read_info(a->k.tok, &a->key_info);
	else
		memset(&a->key_info, 0, sizeof a->key_info);
	if (by_hand && strcmp(was, a->key_info.serial) != 0 && a->cs)
		clear_key_messages(a);
}

void app_redraw(app *a)
{
	erase();
	if (term_too_small()) {
		char buf[512];
		str_var v[] = { { "cols", NULL }, { "rows", NULL }, { NULL, NULL } };
		char c[16], r[16];
		snprintf(c, sizeof c, "%d", TERM_MIN_COLS);
		snprintf(r, sizeof r, "%d", TERM_MIN_ROWS);
		v[0].value = c;
		v[1].value = r;
		app_render(a, "ui.too_small", v, buf, sizeof buf);
		if (a->keys_ignored) {
			size_t len = strlen(buf);
			snprintf(buf + len, sizeof buf - len, "\n%s", app_str(a, "ui.too_small_keys"));
		}
		draw_wrapped(0, 0, COLS, LINES, buf);
	} else {
		a->keys_ignored = false;
		screens[a->screen]->draw(a);
		draw_frame(a);
	}
	refresh();
}

static void check_idle(app *a)
{
	int64_t idle_ms = (int64_t)a->k.cfg->idle_lock_minutes * 60000;
	if (a->k.signed_in && idle_ms > 0 && clock_now_ms() - a->last_key_ms >= idle_ms)
		lock_now(a);
}

int app_run(app *a)
{
	int rc = 0;
	a->last_key_ms = clock_now_ms();
	a->screen = SCR_LOGIN;
	app_go(a, SCR_LOGIN);
	while (!a->quit && !term_stop_requested()) {
		navigate(a);
		app_watch_key(a);
		app_redraw(a);
		key_event ev;
		input_result r = input_next(a->in, 1000, &ev);
		switch (r) {
		case IN_KEY:
			a->last_key_ms = clock_now_ms();
			handle_key(a, &ev);
			break;
		case IN_TIMEOUT:
			check_idle(a);
			seal_flow_tick(&a->k, &a->seal); /* an ended epoch sealed */
			if (screens[a->screen]->act)
				screens[a->screen]->act(a, ACT_NONE); /* a tick: polling */
			break;
		case IN_DUMP: {
			const char *p = input_dump_path(a->in);
			/* a screen shows names and ID numbers: a dump file is private */
			int fd = p ? open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600) : -1;
			FILE *f = p ? (fd >= 0 ? fdopen(fd, "a") : NULL) : stdout;
			if (p && fd >= 0 && !f)
				close(fd);
			if (f) {
				dump_screen(f);
				if (p)
					fclose(f);
			}
			break;
		}
		case IN_RESIZE: {
			int rows, cols;
			input_resize_to(a->in, &rows, &cols);
			term_resize(rows, cols);
			break;
		}
		case IN_IDLE:
			a->last_key_ms -= (int64_t)input_idle_minutes(a->in) * 60000;
			check_idle(a);
			break;
		case IN_END:
			a->quit = true;
			break;
		case IN_ERROR:
			term_close();
			fprintf(stderr, "kiosk: script: %s\n", input_error(a->in));
			return 2;
		}
	}
	return rc;
}

