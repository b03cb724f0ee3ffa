/* kiosk: the full-screen program at the counter. main() loads and checks the
 * configuration, opens the database and the devices (the demo key and payment
 * in demo mode), then runs the loop: draw, take one key (from the terminal or
 * the script), dispatch it to the screen or the action table. The loop is the
 * only place that waits, so a script key is taken only when the program is idle.
 * Options: --config DIR, --data-dir DIR, --demo, --check. */
#include <curses.h>
#include <locale.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/base/civil.h"
#include "forms/config_check.h"
#include "tui/term/dump.h"
#include "tui/term/term.h"
#include "tui/app/app.h"

const action_def actions[ACT_COUNT] = {
#define X(e, key, label, skey, where, when) { key, label, skey, where, when },
	ACTIONS(X)
#undef X
};

static const char *const screen_keys[SCR_COUNT] = {
#define X(e, key) key,
	SCREENS(X)
#undef X
};

const char *screen_title_key(screen_id s)
{
	return (unsigned)s < SCR_COUNT ? screen_keys[s] : "screen.unknown";
}

bool action_offered(const app *a, action_id id)
{
	return action_offered_on(a, id, a->screen);
}

bool action_offered_on(const app *a, action_id id, screen_id s)
{
	const action_def *d = &actions[id];
	if (!(d->where & ON(s)))
		return false;
	int when = d->when & A_WHEN;
	if ((when == A_DEMO && !a->demo) || (when == A_REAL && a->demo))
		return false;
	switch (id) {
	case ACT_OLD_REASON: /* lost or broken is asked of a reissue only */
		return a->cs && a->cs->svc->kind == SVC_REISSUE;
	case ACT_SUPERVISE:  /* the day view and day close are the supervisor's */
		return a->signed_in && a->user.role == ROLE_SUPERVISOR;
	case ACT_T_GATEWAY:
	case ACT_T_PIN_LOCK: /* the trainer's controls, while a scenario is played */
		return train_banner(a)[0] != '\0';
	default:
		return true;
	}
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
	const char *s = strings_get(a->str, key);
	return s ? s : key;
}

const char *app_render(const app *a, const char *key, const str_var *vars, char *buf, size_t n)
{
	return strings_render(a->str, key, vars, buf, n);
}

void app_flash(app *a, const char *text)
{
	snprintf(a->flash, sizeof a->flash, "%s", text);
}

void app_flash_err(app *a, const kerr *err)
{
	kerr_text(err, a->flash, sizeof a->flash);
}

int app_today_ymd(void)
{
	int y, m, d;
	civil_to_ymd(clock_today(), &y, &m, &d);
	return y * 10000 + m * 100 + d;
}

void app_go(app *a, screen_id s)
{
	a->screen = s;
	if (screens[s]->enter)
		screens[s]->enter(a);
}

void app_ask(app *a, const char *question, void (*on_yes)(app *a))
{
	a->asking = true;
	snprintf(a->question, sizeof a->question, "%s", question);
	a->on_yes = on_yes;
}

/* ---- leaving, locking ---- */

static void do_quit(app *a)
{
	kerr err = { 0 };
	if (a->signed_in)
		db_staff_logout(a->db, a->user.id, &err);
	a->quit = true;
}

static void lock_now(app *a)
{
	if (!a->signed_in || a->screen == SCR_LOCK)
		return;
	/* help opened on the lock screen: still locked, back to it as it was */
	if (a->screen == SCR_HELP && a->help_from == SCR_LOCK) {
		a->screen = SCR_LOCK;
		return;
	}
	a->lock_from = a->screen == SCR_HELP ? a->help_from : a->screen;
	a->asking = false; /* a question left open is asked again by its key */
	kerr err = { 0 };
	db_audit_append(a->db, a->user.id, "staff.lock", a->cs ? a->cs->rec.case_no : "",
			"idle or F9", &err);
	app_go(a, SCR_LOCK);
}

static void handle_key(app *a, const key_event *ev)
{
	a->flash[0] = '\0';
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
	if (!a->tok)
		return;
	bool present = false;
	a->reader_st = token_present(a->tok, &present);
	if (present == a->key_seen && !a->key_dirty)
		return;
	a->key_seen = present;
	a->key_dirty = false;
	if (present)
		a->key_st = token_read_info(a->tok, &a->key_info);
	else
		memset(&a->key_info, 0, sizeof a->key_info);
}

void app_redraw(app *a)
{
	erase();
	if (term_too_small()) {
		char buf[256];
		str_var v[] = { { "cols", NULL }, { "rows", NULL }, { NULL, NULL } };
		char c[16], r[16];
		snprintf(c, sizeof c, "%d", TERM_MIN_COLS);
		snprintf(r, sizeof r, "%d", TERM_MIN_ROWS);
		v[0].value = c;
		v[1].value = r;
		draw_wrapped(0, 0, COLS, LINES, app_render(a, "ui.too_small", v, buf, sizeof buf));
	} else {
		screens[a->screen]->draw(a);
		draw_frame(a);
	}
	refresh();
}

static void check_idle(app *a)
{
	int64_t idle_ms = (int64_t)a->cfg->idle_lock_minutes * 60000;
	if (a->signed_in && idle_ms > 0 && clock_now_ms() - a->last_key_ms >= idle_ms)
		lock_now(a);
}

static int run(app *a)
{
	int rc = 0;
	a->last_key_ms = clock_now_ms();
	app_go(a, SCR_LOGIN);
	while (!a->quit && !term_stop_requested()) {
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
			if (screens[a->screen]->act)
				screens[a->screen]->act(a, ACT_NONE); /* a tick: polling */
			break;
		case IN_DUMP: {
			const char *p = input_dump_path(a->in);
			FILE *f = p ? fopen(p, "a") : stdout;
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

/* Every screen and action names UI strings: check them at start-up so a gap in
 * a translation is found here, not on a clerk's screen. */
static int check_ui_strings(const app *a, kerr *err)
{
	for (int i = 0; i < SCR_COUNT; i++)
		if (!strings_get(a->str, screen_keys[i]))
			return kerr_set(err, lang_name(a->lg), "UI string '%s' is missing from strings/%s.ini",
					screen_keys[i], lang_name(a->lg));
	for (int i = 0; i < ACT_COUNT; i++) {
		char help[96];
		snprintf(help, sizeof help, "%s.help", actions[i].str_key);
		if (!strings_get(a->str, actions[i].str_key) || !strings_get(a->str, help))
			return kerr_set(err, lang_name(a->lg),
					"UI string '%s' or '%s' is missing from strings/%s.ini",
					actions[i].str_key, help, lang_name(a->lg));
	}
	for (int i = 0; i < TSR_COUNT; i++)
		if (!strings_get(a->str, tokstep_refusal_key((tokstep_refusal)i)))
			return kerr_set(err, lang_name(a->lg), "UI string '%s' is missing from strings/%s.ini",
					tokstep_refusal_key((tokstep_refusal)i), lang_name(a->lg));
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: kiosk [--config DIR] [--data-dir DIR] [--demo] [--check]\n");
	return 2;
}

int main(int argc, char **argv)
{
	/* A fixed mmap threshold: large short-lived buffers (the 4 MiB of a PIN's
	 * scrypt) go back to the system when freed instead of staying in the heap,
	 * which keeps a kiosk that runs all day inside its memory budget. */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	setlocale(LC_ALL, "");
	const char *config_dir = NULL, *data_dir = NULL;
	bool demo = false, check_only = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--demo") == 0)
			demo = true;
		else if (strcmp(argv[i], "--check") == 0)
			check_only = true;
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			config_dir = argv[++i];
		else if (strcmp(argv[i], "--data-dir") == 0 && i + 1 < argc)
			data_dir = argv[++i];
		else
			return usage();
	}
	const char *dir = config_default_dir(config_dir);
	kerr err = { 0 };
	char msg[1024];
	config_summary sum;
	app a;
	memset(&a, 0, sizeof a);
	a.login_pin.secret = true;
	a.demo = demo;
	int rc = 2;
	if (config_check_dir(dir, &sum, &err) != 0 || !(a.cfg = config_load(dir, &err)) ||
	    !(a.cat = catalog_load(dir, &err)) || !(a.form = form_load(dir, &err)))
		goto out;
	a.lg = a.cfg->language;
	if (!(a.str = strings_load(dir, a.lg, &err)) || check_ui_strings(&a, &err) != 0)
		goto out;
	/* Demo mode never touches the real data: its own directory (database,
	 * slips, the kiosk key) under the configured one. */
	char demo_dir[900];
	snprintf(demo_dir, sizeof demo_dir, "%.890s/demo", a.cfg->data_dir);
	a.data_dir = data_dir ? data_dir : demo ? demo_dir : a.cfg->data_dir;
	if (demo)
		snprintf(a.db_path, sizeof a.db_path, "%.900s/demo.db", a.data_dir);
	else if (data_dir)
		snprintf(a.db_path, sizeof a.db_path, "%s/kiosk.db", data_dir);
	else
		snprintf(a.db_path, sizeof a.db_path, "%s", a.cfg->db_file);
	if (!(a.db = db_open(a.db_path, a.cfg->kiosk_id, DB_OPEN_CREATE, &err)))
		goto out;
	if (demo && demo_prepare(&a, dir, &err) != 0)
		goto out;
	/* Outside demo mode: the customer's key through PC/SC (nothing talks to
	 * pcscd until the first look, so the kiosk starts without a reader), the
	 * local CA, and the WeChat Pay client when configured. */
	char ca_dir[1100];
	snprintf(ca_dir, sizeof ca_dir, "%s%s", data_dir ? data_dir : a.cfg->ca_dir, data_dir ? "/ca" : "");
	if (!demo && (!(a.tok = token_pcsc_new(a.cfg->reader, a.cfg->token_admin_secret_file, &err)) ||
		      !(a.ca = issuer_local_new(ca_dir, &err))))
		goto out;
	if (!demo && strcmp(a.cfg->payment.mode, "wechat") == 0 &&
	    (pay_wechat_files_check(&a.cfg->payment, &err) != 0 || !(a.pay = pay_wechat_new(&a.cfg->payment, &err))))
		goto out;
	if (check_only) {
		printf("kiosk %s ready: config %s, database %s (schema %d)%s\n", a.cfg->kiosk_id, dir,
		       a.db_path, db_schema_version(a.db), demo ? ", demo mode" : "");
		rc = 0;
		goto out;
	}
	const char *script = getenv("KIOSK_SCRIPT");
	a.in = input_new(script && *script ? script : NULL);
	if (!a.in) {
		kerr_set(&err, script, "cannot read the key script");
		goto out;
	}
	if (term_open(input_is_script(a.in)) != 0) {
		kerr_set(&err, NULL, "cannot start the terminal (TERM=%s)", getenv("TERM") ? getenv("TERM") : "");
		goto out;
	}
	rc = run(&a);
	term_close();
out:
	if (rc == 2 && (err.msg[0] || err.where[0]))
		fprintf(stderr, "kiosk: %s\n", kerr_text(&err, msg, sizeof msg));
	case_end(&a);
	super_free(&a);
	train_free(&a);
	free(a.cases);
	input_free(a.in);
	if (a.tok)
		token_dev_free(a.tok);
	if (a.ca)
		issuer_free(a.ca);
	if (a.pay)
		pay_dev_free(a.pay);
	db_close(a.db);
	form_free(a.form);
	strings_free(a.str);
	catalog_free(a.cat);
	config_free(a.cfg);
	return rc;
}
