/* The trainer's screens (demo mode only): the session's list of scripted
 * customers (kiosk-config/demo/scenarios.ini) with the selected one's brief,
 * the reasons a service cannot be done (F8 while a scenario is played), and
 * the score sheet at the end of the session. A scenario is played on the
 * normal case screens: it starts from the demo keys as shipped (the customer's
 * key in the reader, its PIN locked when the scenario says so) and a fresh
 * demo gateway; the trainee types the application from the brief. The play is
 * scored once, when the trainee decides (受理 / 容缺受理 / 不予受理) or stops the
 * service with a reason, and the row goes to the demo database
 * (db/repo/training_repo.h); the case then goes on to the key, the payment and the
 * slip as any other. Scoring and the words of the sheet: core/train/score.h,
 * docs/trainer-scenarios.md; how a trainer runs a session:
 * docs/trainer-guide.md. The session itself is tui/flow/train_flow.c;
 * app->train is owned here (train_free()). */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/train/score.h"
#include "core/base/utf8.h"
#include "db/repo/training_repo.h"
#include "tui/term/term.h"
#include "tui/screens/screens.h"

/* One line of the score sheet: indented text, wrapped when drawn. */
typedef struct sheet_line {
	int indent;
	bool bold;
	char *text;
} sheet_line;

/* The list of scenarios: its selection and first row shown, kept for the
 * session (back from a play the list is where it was). */
typedef struct list_state {
	size_t sel, top;
} list_state;

/* F8 during a play: where it was pressed, the reason picked. */
typedef struct stop_state {
	screen_id from;
	int sel;
} stop_state;

/* The score sheet, made when it is shown. */
typedef struct score_state {
	sheet_line *sheet;
	size_t n;
	int scroll;
} score_state;

/* The stop screen's choices: every reason but STOP_NONE, then abandoning. */
#define STOP_CHOICES ((int)STOP_COUNT)

static const char *msg(const app *a, const char *key)
{
	const char *t = a->train ? scenario_message(a->train->set, key, a->k.lg) : NULL;
	return t ? t : key;
}

static void sheet_clear(score_state *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->sheet[i].text);
	free(st->sheet);
	st->sheet = NULL;
	st->n = 0;
}

void train_free(app *a)
{
	train_session_free(a->train);
	a->train = NULL;
	app_release(a, SCR_TRAIN); /* the next session's list starts at the top */
}

/* ---- the hooks of the case screens ---- */

void train_on_decision(app *a)
{
	train_decided(&a->k, a->train, a->cs);
}

bool train_on_cancel(app *a)
{
	if (!train_wants_stop(&a->k, a->train, a->cs))
		return false;
	app_go(a, SCR_STOP);
	return true;
}

const char *train_banner(const app *a)
{
	return train_on_play_case(a->train, a->cs) ? a->train->banner : "";
}

bool train_control(app *a, action_id act)
{
	if (!a->k.demo || !train_banner(a)[0])
		return false;
	char buf[512], serial[TOKEN_SERIAL_MAX + 1];
	switch (act) {
	case ACT_T_GATEWAY:
		case_pay_wait(a); /* the gateway is used by one thread at a time */
		if (train_fail_gateway(&a->k) == 0)
			app_flash(a, app_str(a, "train.ctl_gateway"));
		return true;
	case ACT_T_PIN_LOCK: {
		int rc = train_lock_pin(&a->k, a->cs, serial, sizeof serial);
		if (rc == 1)
			app_flash(a, app_str(a, "train.ctl_no_key"));
		if (rc != 0)
			return true;
		a->key_dirty = true;
		str_var v[] = { { "serial", serial }, { NULL, NULL } };
		app_flash(a, app_render(a, "train.ctl_pin_locked", v, buf, sizeof buf));
		return true;
	}
	default:
		return false;
	}
}

/* ---- starting a scenario ---- */

static void start(app *a, size_t ix)
{
	case_pay_wait(a); /* no query may be using the old gateway */
	case_flow *cs = train_start(&a->k, a->train, ix);
	/* the devices may be new: look at the reader again */
	a->key_seen = false;
	a->key_dirty = true;
	if (!cs)
		return; /* train_start said why */
	case_end(a);
	a->cs = cs;
	case_goto_next(a);
}

/* The serial of the first blank demo key (the counter's stock), "" if none. */
static void blank_key(const app *a, char *buf, size_t n)
{
	token_demo_entry keys[32];
	kerr err = { 0 };
	long k = token_demo_list(a->k.tok, keys, 32, &err);
	buf[0] = '\0';
	for (long i = 0; i < k && i < 32; i++)
		if (!keys[i].personalised) {
			snprintf(buf, n, "%s", keys[i].serial);
			return;
		}
}

static bool personalises(const service *s)
{
	for (size_t i = 0; i < s->n_token_ops; i++)
		if (s->token_ops[i] == TOP_PERSONALISE)
			return true;
	return false;
}

/* ---- the list of scenarios ---- */

static void train_enter(app *a)
{
	if (!a->train && a->k.demo)
		a->train = train_session_open(&a->k);
	if (!a->train) {
		app_go(a, SCR_HOME);
		return;
	}
	/* back from a stopped play: the list shows that scenario */
	if (a->came_from == SCR_STOP && a->train->playing >= 0) {
		list_state *l = app_private(a);
		l->sel = (size_t)a->train->playing;
	}
	train_sync(&a->k, a->train, a->cs);
	train_load_rows(&a->k, a->train);
}

/* Append s to buf of n bytes, cut on a character boundary when full. */
static void add(char *buf, size_t n, const char *s)
{
	size_t len = strlen(buf);
	if (len + 1 < n)
		utf8_copy(buf + len, n - len, s);
}

/* Where the row of text starting at p ends at cols display columns: before
 * a Latin word it would cut, anywhere else (Chinese breaks between any two
 * characters); at a newline. *next is where the following row starts. */
static const char *row_end(const char *p, int cols, const char **next)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	int col = 0;
	const char *word = NULL, *q = p; /* where the run of Latin letters and digits began */
	while (*q && *q != '\n') {
		wchar_t wc;
		size_t k = mbrtowc(&wc, q, strlen(q), &st);
		if (k == 0 || k == (size_t)-1 || k == (size_t)-2) {
			memset(&st, 0, sizeof st);
			k = 1;
			wc = L'?';
		}
		bool latin = wc > L' ' && wc < 0x7f;
		if (!latin)
			word = NULL;
		else if (!word)
			word = q;
		int w = wcwidth(wc);
		if (w > 0 && col + w > cols && col > 0) {
			const char *end = latin && word && word > p ? word : q;
			const char *n = end;
			while (*n == ' ')
				n++;
			*next = n;
			return end;
		}
		col += w > 0 ? w : 0;
		q += k;
	}
	*next = *q == '\n' ? q + 1 : q;
	return q;
}

/* Text wrapped at cols: rows from skip on drawn from (y, x) while y < stop
 * (with draw). Returns how many rows the whole text takes. */
static int text_walk(const char *text, int cols, int skip, int y, int x, int stop, bool draw)
{
	int r = 0;
	const char *p = text ? text : "";
	if (cols < 2)
		cols = 2;
	do {
		const char *next;
		const char *end = row_end(p, cols, &next);
		if (draw && r >= skip && y < stop) {
			char row[1024];
			size_t len = (size_t)(end - p);
			snprintf(row, sizeof row, "%.*s", (int)(len < sizeof row ? len : sizeof row - 1), p);
			draw_text(y++, x, row, cols);
		}
		r++;
		p = next;
	} while (*p);
	return r;
}

/* What the customer brings: the brief, the materials as brought, the
 * application as filled in (to be typed), into buf. */
static void brief_text(const app *a, const scenario *sc, char *buf, size_t n)
{
	char line[2048];
	buf[0] = '\0';
	str_var v[] = { { "brief", sc->brief[a->k.lg] }, { NULL, NULL } };
	add(buf, n, app_render(a, "train.says", v, line, sizeof line));
	add(buf, n, "\n");
	char list[1024] = "";
	for (size_t i = 0; i < sc->n_materials; i++) {
		const scenario_material *m = &sc->materials[i];
		char item[512];
		str_var mv[] = { { "material", m->sm->material->label[a->k.lg] },
				 { "brought", msg(a, brought_state_key(m->brought)) }, { NULL, NULL } };
		if (i)
			add(list, sizeof list, " · ");
		add(list, sizeof list, app_render(a, "train.material_item", mv, item, sizeof item));
	}
	str_var lv[] = { { "list", list }, { NULL, NULL } };
	add(buf, n, app_render(a, "train.materials", lv, line, sizeof line));
	add(buf, n, "\n");
	add(buf, n, app_str(a, "train.form"));
	/* what is typed, one field a row, or two when both fit */
	static const char *const ids[] = { "unit_name", "uscc", "agent_name", "agent_id_no", "agent_mobile" };
	const char *vals[] = { sc->unit_name, sc->uscc, sc->agent_name, sc->agent_id_no, sc->agent_mobile };
	char item[5][512];
	int k = 0;
	for (size_t i = 0; i < a->k.form->n_fields; i++)
		for (int j = 0; j < 5 && k < 5; j++)
			if (strcmp(a->k.form->fields[i].id, ids[j]) == 0)
				snprintf(item[k++], sizeof item[0], "%s %s", a->k.form->fields[i].label[a->k.lg], vals[j]);
	for (int i = 0; i < k; i++) {
		add(buf, n, "\n  ");
		add(buf, n, item[i]);
		if (i + 1 < k && text_cols(item[i]) + text_cols(item[i + 1]) + 4 <= COLS - 6) {
			add(buf, n, "　");
			add(buf, n, item[++i]);
		}
	}
}

/* The key line: what the customer brings and how to get a blank key. */
static void key_text(const app *a, const scenario *sc, char *buf, size_t n)
{
	char blank[TOKEN_SERIAL_MAX + 1];
	str_var v[] = { { "serial", sc->key }, { NULL, NULL } };
	if (sc->key) {
		app_render(a, "train.key_brought", v, buf, n);
		return;
	}
	blank_key(a, blank, sizeof blank);
	v[0].value = blank;
	app_render(a, personalises(sc->svc) && blank[0] ? "train.key_blank" : "train.key_none", v, buf, n);
}

static void result_text(const app *a, const training_result *r, char *buf, size_t n)
{
	char dec[256], line[512];
	score_word_text(a->train->set, r->decided, a->k.lg, dec, sizeof dec);
	str_var v[] = { { "decided", dec }, { "case", r->case_no }, { NULL, NULL } };
	app_render(a, r->correct ? "train.result_right" : "train.result_wrong", v, line, sizeof line);
	buf[0] = '\0';
	add(buf, n, line);
	if (r->missed[0]) {
		add(buf, n, "\n");
		add(buf, n, r->missed);
	}
}

static void train_draw(app *a)
{
	train_session *t = a->train;
	list_state *l = app_private(a);
	if (!t)
		return;
	size_t n = scenario_count(t->set);
	long right = 0;
	for (size_t i = 0; i < t->n_rows; i++)
		right += t->rows[i].correct;
	char buf[4096], played[24], total[24], rs[24];
	snprintf(played, sizeof played, "%zu", t->n_rows);
	snprintf(total, sizeof total, "%zu", n);
	snprintf(rs, sizeof rs, "%ld", right);
	str_var hv[] = { { "session", t->session_no }, { "name", a->k.user.name }, { "id", t->trainee },
			 { "played", played }, { "total", total }, { "right", rs }, { NULL, NULL } };
	attron(A_BOLD);
	draw_text(3, 2, app_render(a, "train.session", hv, buf, sizeof buf), COLS - 4);
	attroff(A_BOLD);

	/* the selected scenario: its brief, or its result once played; the list
	 * gives way to it on a small screen (three rows at least) */
	const scenario *sc = scenario_at(t->set, l->sel);
	const training_result *r = train_result_of(t, sc->id);
	bool show_result = r && !train_in_play(t, l->sel);
	if (show_result)
		result_text(a, r, buf, sizeof buf);
	else
		brief_text(a, sc, buf, sizeof buf);
	int text_rows = text_walk(buf, COLS - 4, 0, 0, 0, 0, false);
	int fit = LINES - 9 - text_rows;
	size_t rows = fit < 3 ? 3 : (size_t)fit;
	if (rows > n)
		rows = n;
	if (l->sel < l->top)
		l->top = l->sel;
	if (l->sel >= l->top + rows)
		l->top = l->sel + 1 - rows;
	int y = 4;
	for (size_t i = l->top; i < n && i < l->top + rows; i++, y++) {
		const scenario *si = scenario_at(t->set, i);
		const training_result *ri = train_result_of(t, si->id);
		bool sel = i == l->sel;
		const char *mark = train_in_play(t, i) ? "…" : ri ? (ri->correct ? "✓" : "✗") : " ";
		char line[512];
		snprintf(line, sizeof line, "%s %2zu. %s", mark, i + 1, si->title[a->k.lg]);
		if (sel)
			attron(term_attr(ST_SELECT));
		mvhline(y, 1, ' ', COLS - 2);
		draw_text(y, 0, sel ? "▶" : " ", 1);
		draw_text(y, 2, line, COLS - 5);
		if (sel)
			attroff(term_attr(ST_SELECT));
	}
	if (l->top + rows < n)
		draw_text(y - 1, COLS - 2, "↓", 1);
	if (l->top > 0)
		draw_text(4, COLS - 2, "↑", 1);

	y++;
	char line[1024];
	snprintf(line, sizeof line, "%s — %s", sc->svc->label[a->k.lg], sc->svc->platform->name[a->k.lg]);
	attron(A_BOLD);
	draw_text(y++, 2, line, COLS - 4);
	attroff(A_BOLD);
	key_text(a, sc, line, sizeof line);
	draw_text(y++, 2, line, COLS - 4);
	/* what Enter does here, on the message line (a message takes its place) */
	const char *hint = train_in_play(t, l->sel) ? "train.hint_resume" : r ? "train.hint_played" : "train.hint_start";
	attron(term_attr(ST_DIM));
	draw_text(LINES - 2, 1, app_str(a, hint), COLS - 2);
	attroff(term_attr(ST_DIM));
	term_style st = show_result ? (r->correct ? ST_OK : ST_ERROR) : ST_NORMAL;
	attron(term_attr(st));
	text_walk(buf, COLS - 4, 0, y, 2, LINES - 2, true);
	attroff(term_attr(st));
}

static bool train_key(app *a, const key_event *ev)
{
	train_session *t = a->train;
	list_state *l = app_private(a);
	if (!t)
		return false;
	size_t n = scenario_count(t->set);
	if (key_is(ev, KEY_UP)) {
		l->sel = (l->sel + n - 1) % n;
		return true;
	}
	if (key_is(ev, KEY_DOWN)) {
		l->sel = (l->sel + 1) % n;
		return true;
	}
	return false;
}

/* F7 with a scenario not finished: it counts as abandoned and its case is
 * cancelled. */
static void end_abandoning(app *a)
{
	train_session *t = a->train;
	bool in_hand = a->cs && strcmp(a->cs->rec.case_no, t->case_no) == 0;
	if (train_abandon(&a->k, t, a->cs) != 0)
		return;
	if (in_hand)
		case_end(a);
	app_go(a, SCR_SCORE);
}

static bool train_act(app *a, action_id act)
{
	train_session *t = a->train;
	list_state *l = app_private(a);
	if (!t)
		return false;
	switch (act) {
	case ACT_BACK:
		app_go(a, SCR_HOME);
		return true;
	case ACT_END_TRAIN:
		train_sync(&a->k, t, a->cs);
		if (t->playing >= 0 && !t->scored) {
			char q[512];
			str_var v[] = { { "title", train_played(t)->title[a->k.lg] }, { NULL, NULL } };
			app_ask(a, app_render(a, "train.ask_end_unfinished", v, q, sizeof q), end_abandoning);
			return true;
		}
		app_go(a, SCR_SCORE);
		return true;
	case ACT_NEXT: {
		const scenario *sc = scenario_at(t->set, l->sel);
		if (train_in_play(t, l->sel)) {
			case_resume(a, t->case_no);
			return true;
		}
		if (t->playing >= 0 && !t->scored) {
			app_flash(a, app_str(a, "train.finish_first"));
			return true;
		}
		if (train_result_of(t, sc->id)) {
			app_flash(a, app_str(a, "train.already_played"));
			return true;
		}
		start(a, l->sel);
		return true;
	}
	default:
		return false;
	}
}

/* ---- why the service cannot be done (F8 during a play) ---- */

static void stop_enter(app *a)
{
	if (!a->train || a->train->playing < 0 || a->train->scored || !a->cs) {
		app_go(a, SCR_HOME);
		return;
	}
	stop_state *st = app_private(a);
	st->from = a->came_from;
	st->sel = 0;
}

/* Choice i: a stop reason (STOP_NONE + 1 ...), or abandoning (the last). */
static bool choice_is_cancel(int i)
{
	return i == STOP_CHOICES - 1;
}

static const char *choice_label(const app *a, int i)
{
	return choice_is_cancel(i) ? msg(a, trainee_outcome_key(OUT_CANCEL))
				   : msg(a, stop_reason_key((stop_reason)(i + 1)));
}

static void stop_draw(app *a)
{
	train_session *t = a->train;
	stop_state *st = app_private(a);
	if (!t || !a->cs)
		return;
	text_walk(app_str(a, "train.stop_heading"), COLS - 4, 0, 3, 2, 5, true);
	int y = 6;
	for (int i = 0; i < STOP_CHOICES && y < LINES - 5; i++, y++) {
		bool sel = i == st->sel;
		if (sel)
			attron(term_attr(ST_SELECT));
		mvhline(y, 1, ' ', COLS - 2);
		draw_text(y, 0, sel ? "▶" : " ", 1);
		draw_text(y, 4, choice_label(a, i), COLS - 6);
		if (sel)
			attroff(term_attr(ST_SELECT));
	}
	if (a->cs->rule_msg[0]) {
		char buf[1024];
		str_var v[] = { { "msg", a->cs->rule_msg }, { NULL, NULL } };
		attron(term_attr(ST_DIM));
		text_walk(app_render(a, "train.stop_kiosk_says", v, buf, sizeof buf), COLS - 4, 0, y + 1, 2,
			  LINES - 2, true);
		attroff(term_attr(ST_DIM));
	}
}

static bool stop_key(app *a, const key_event *ev)
{
	train_session *t = a->train;
	stop_state *st = app_private(a);
	if (!t)
		return false;
	if (key_is(ev, KEY_UP)) {
		st->sel = (st->sel + STOP_CHOICES - 1) % STOP_CHOICES;
		return true;
	}
	if (key_is(ev, KEY_DOWN)) {
		st->sel = (st->sel + 1) % STOP_CHOICES;
		return true;
	}
	return false;
}

/* Score the stop, cancel the case with the reason, back to the list where the
 * result shows. */
static void do_stop(app *a)
{
	train_session *t = a->train;
	stop_state *st = app_private(a);
	int i = st->sel;
	bool cancel = choice_is_cancel(i);
	stop_reason r = cancel ? STOP_NONE : (stop_reason)(i + 1);
	if (train_stop(&a->k, t, a->cs, cancel, r, choice_label(a, i)) != 0)
		return;
	case_end(a);
	app_go(a, SCR_TRAIN); /* the list shows the scenario stopped */
}

static bool stop_act(app *a, action_id act)
{
	train_session *t = a->train;
	stop_state *st = app_private(a);
	if (!t)
		return false;
	if (act == ACT_BACK) {
		app_go(a, st->from);
		return true;
	}
	if (act == ACT_NEXT) {
		char q[512];
		str_var v[] = { { "reason", choice_label(a, st->sel) }, { NULL, NULL } };
		app_ask(a, app_render(a, "train.ask_stop", v, q, sizeof q), do_stop);
		return true;
	}
	return false;
}

/* ---- the score sheet ---- */

static void sheet_add(score_state *t, int indent, bool bold, const char *text)
{
	sheet_line *g = realloc(t->sheet, (t->n + 1) * sizeof *g);
	if (!g)
		return;
	t->sheet = g;
	char *s = strdup(text ? text : "");
	if (!s)
		return;
	t->sheet[t->n++] = (sheet_line){ indent, bold, s };
}

static void score_leave(app *a)
{
	sheet_clear(app_private(a));
}

static void score_enter(app *a)
{
	train_session *s = a->train;
	score_state *t = app_private(a);
	if (!s) {
		app_go(a, SCR_HOME);
		return;
	}
	train_sync(&a->k, s, a->cs);
	train_load_rows(&a->k, s);
	sheet_clear(t);
	t->scroll = 0;
	char buf[4096], exp[256], dec[256];
	if (!s->n_rows)
		sheet_add(t, 2, false, app_str(a, "train.score_none"));
	for (size_t i = 0; i < s->n_rows; i++) {
		const training_result *r = &s->rows[i];
		const scenario *sc = scenario_find(s->set, r->scenario_id);
		snprintf(buf, sizeof buf, "%s %s", r->correct ? "✓" : "✗", sc ? sc->title[a->k.lg] : r->scenario_id);
		sheet_add(t, 2, true, buf);
		str_var v[] = { { "expected", score_word_text(s->set, r->expected, a->k.lg, exp, sizeof exp) },
				{ "decided", score_word_text(s->set, r->decided, a->k.lg, dec, sizeof dec) },
				{ "case", r->case_no }, { NULL, NULL } };
		sheet_add(t, 6, false, app_render(a, "train.score_expected", v, buf, sizeof buf));
		/* what was missed, one item a line */
		const char *p = r->missed;
		while (*p) {
			const char *nl = strchr(p, '\n');
			size_t len = nl ? (size_t)(nl - p) : strlen(p);
			snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), p);
			sheet_add(t, 6, false, buf);
			p += len + (nl ? 1 : 0);
		}
	}
	training_session *ss = NULL;
	size_t ns = 0;
	kerr err = { 0 };
	if (db_training_sessions(a->k.db, &ss, &ns, &err) != 0) {
		app_flash_err(a, &err);
		return;
	}
	sheet_add(t, 2, false, "");
	sheet_add(t, 2, true, app_str(a, "train.score_history"));
	for (size_t i = 0; i < ns; i++) {
		char when[32], right[24], played[24];
		clock_format_local(ss[i].last_ms, when, sizeof when);
		snprintf(right, sizeof right, "%ld", ss[i].right);
		snprintf(played, sizeof played, "%ld", ss[i].played);
		str_var v[] = { { "session", ss[i].session_no }, { "trainee", ss[i].trainee }, { "right", right },
				{ "played", played }, { "when", when }, { NULL, NULL } };
		sheet_add(t, 4, false, app_render(a, "train.score_session", v, buf, sizeof buf));
	}
	free(ss);
}

/* The sheet's lines wrapped to the screen; rows before scroll are skipped.
 * With draw false, only counts. Returns the rows the sheet takes. */
static int sheet_walk(const app *a, int scroll, int y, int stop, bool draw)
{
	const score_state *t = app_private((app *)a);
	int r = 0;
	for (size_t i = 0; i < t->n; i++) {
		const sheet_line *l = &t->sheet[i];
		int skip = scroll - r > 0 ? scroll - r : 0;
		if (l->bold)
			attron(A_BOLD);
		int rows = text_walk(l->text, COLS - 2 - l->indent, skip, y, l->indent, stop, draw);
		if (l->bold)
			attroff(A_BOLD);
		if (rows > skip)
			y += rows - skip;
		r += rows;
	}
	return r;
}

static void score_draw(app *a)
{
	const train_session *s = a->train;
	const score_state *st = app_private(a);
	if (!s)
		return;
	long right = 0;
	for (size_t i = 0; i < s->n_rows; i++)
		right += s->rows[i].correct;
	char buf[512], rs[24], played[24], total[24];
	snprintf(rs, sizeof rs, "%ld", right);
	snprintf(played, sizeof played, "%zu", s->n_rows);
	snprintf(total, sizeof total, "%zu", scenario_count(s->set));
	str_var v[] = { { "session", s->session_no }, { "name", a->k.user.name }, { "id", s->trainee },
			{ "right", rs }, { "played", played }, { "total", total }, { NULL, NULL } };
	attron(A_BOLD);
	draw_text(3, 2, app_render(a, "train.score_heading", v, buf, sizeof buf), COLS - 4);
	draw_text(4, 2, app_render(a, "train.score_total", v, buf, sizeof buf), COLS - 4);
	attroff(A_BOLD);
	int top = 6, stop = LINES - 2;
	int rows = sheet_walk(a, st->scroll, top, stop, true);
	if (rows - st->scroll > stop - top)
		draw_text(stop - 1, COLS - 2, "↓", 1);
	if (st->scroll > 0)
		draw_text(top, COLS - 2, "↑", 1);
}

static bool score_key(app *a, const key_event *ev)
{
	score_state *t = app_private(a);
	if (!a->train)
		return false;
	int page = LINES - 8 > 1 ? LINES - 8 : 1;
	int max = sheet_walk(a, 0, 0, 0, false) - page;
	if (max < 0)
		max = 0;
	if (key_is(ev, KEY_DOWN) || key_is(ev, KEY_NPAGE))
		t->scroll += key_is(ev, KEY_NPAGE) ? page : 1;
	else if (key_is(ev, KEY_UP) || key_is(ev, KEY_PPAGE))
		t->scroll -= key_is(ev, KEY_PPAGE) ? page : 1;
	else
		return false;
	if (t->scroll > max)
		t->scroll = max;
	if (t->scroll < 0)
		t->scroll = 0;
	return true;
}

static bool score_act(app *a, action_id act)
{
	if (act != ACT_BACK && act != ACT_NEXT)
		return false;
	/* The session ends here: the next F6 starts a new one. */
	train_free(a);
	app_go(a, SCR_HOME);
	return true;
}

const screen_ops scr_train = { SCR_TRAIN, sizeof(list_state), true, train_enter, NULL, train_draw, train_key, train_act };
const screen_ops scr_stop = { SCR_STOP, sizeof(stop_state), false, stop_enter, NULL, stop_draw, stop_key, stop_act };
const screen_ops scr_score = { SCR_SCORE, sizeof(score_state), false, score_enter, score_leave, score_draw, score_key,
				score_act };
