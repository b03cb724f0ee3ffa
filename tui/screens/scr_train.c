/* The trainer's screens (demo mode only): the session's list of scripted
 * customers (kiosk-config/demo/scenarios.ini) with the selected one's brief,
 * the reasons a service cannot be done (F8 while a scenario is played), and
 * the score sheet at the end of the session. A scenario is played on the
 * normal case screens: it starts from the demo keys as shipped (the customer's
 * key in the reader, its PIN locked when the scenario says so) and a fresh
 * demo gateway; the trainee types the application from the brief. The play is
 * scored once, when the trainee decides (受理 / 容缺受理 / 不予受理) or stops the
 * service with a reason, and the row goes to the demo database
 * (db/training_repo.h); the case then goes on to the key, the payment and the
 * slip as any other. Scoring and the words of the sheet: core/score.h,
 * docs/trainer-scenarios.md; how a trainer runs a session:
 * docs/trainer-guide.md. app->train is owned here (train_free()). */
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

struct train_ctx {
	scenario_set *set;
	char session_no[TRAINING_SESSION_MAX * 4 + 1];
	char trainee[33];
	size_t sel, top;              /* the list's selection and first row shown */
	/* The scenario in hand: played (scored) or being played. */
	int playing;                  /* index, -1 none */
	bool scored;                  /* its row is in training_results */
	char case_no[48];             /* the case it is played on */
	int64_t started_ms;
	char banner[256];
	/* F8 during a play */
	screen_id stop_from;
	int stop_sel;
	/* this session's rows, in the order played */
	training_result *rows;
	size_t n_rows;
	/* the score sheet */
	sheet_line *sheet;
	size_t n_sheet;
	int scroll;
};

/* The stop screen's choices: every reason but STOP_NONE, then abandoning. */
#define STOP_CHOICES ((int)STOP_COUNT)

static const char *msg(const app *a, const char *key)
{
	const char *t = a->train ? scenario_message(a->train->set, key, a->k.lg) : NULL;
	return t ? t : key;
}

static const scenario *played_scenario(const app *a)
{
	const struct train_ctx *t = a->train;
	return t && t->playing >= 0 ? scenario_at(t->set, (size_t)t->playing) : NULL;
}

static const training_result *result_of(const struct train_ctx *t, const char *scenario_id)
{
	for (size_t i = t->n_rows; i-- > 0;)
		if (strcmp(t->rows[i].scenario_id, scenario_id) == 0)
			return &t->rows[i];
	return NULL;
}

static void load_rows(app *a)
{
	struct train_ctx *t = a->train;
	free(t->rows);
	t->rows = NULL;
	t->n_rows = 0;
	kerr err = { 0 };
	if (db_training_session(a->k.db, t->session_no, &t->rows, &t->n_rows, &err) != 0)
		app_flash_err(a, &err);
}

static void sheet_clear(struct train_ctx *t)
{
	for (size_t i = 0; i < t->n_sheet; i++)
		free(t->sheet[i].text);
	free(t->sheet);
	t->sheet = NULL;
	t->n_sheet = 0;
}

static void ctx_free(struct train_ctx *t)
{
	if (!t)
		return;
	sheet_clear(t);
	free(t->rows);
	scenario_set_free(t->set);
	free(t);
}

void train_free(app *a)
{
	ctx_free(a->train);
	a->train = NULL;
}

/* A new session: the scenarios, a free session number, the trainee signed in. */
static bool session_open(app *a)
{
	if (a->train)
		return true;
	kerr err = { 0 };
	struct train_ctx *t = calloc(1, sizeof *t);
	if (!t)
		return false;
	t->playing = -1;
	if (!(t->set = scenario_set_load(a->k.cfg->config_dir, a->k.cat, &err)) ||
	    db_training_next_session(a->k.db, clock_today(), t->session_no, sizeof t->session_no, &err) != 0) {
		app_flash_err(a, &err);
		ctx_free(t);
		return false;
	}
	if (scenario_count(t->set) == 0) {
		app_flash(a, app_str(a, "train.no_scenarios"));
		ctx_free(t);
		return false;
	}
	snprintf(t->trainee, sizeof t->trainee, "%s", a->k.user.id);
	a->train = t;
	return true;
}

/* ---- scoring ---- */

/* The case in hand is the one the scenario is played on. An expired
 * certificate asked to be renewed is cancelled by the details screen and a new
 * case of the platform's new service opens in its place: that one counts as
 * the play's until the play is scored (sync()). */
static bool replaced_as_new(const app *a)
{
	const struct train_ctx *t = a->train;
	const scenario *sc = played_scenario(a);
	return sc && !t->scored && a->cs && sc->svc->kind == SVC_RENEW &&
	       a->cs->svc->kind == SVC_NEW && a->cs->svc->platform == sc->svc->platform &&
	       a->cs->rec.created_ms >= t->started_ms && strcmp(a->cs->rec.case_no, t->case_no) != 0;
}

static bool on_play_case(const app *a)
{
	const struct train_ctx *t = a->train;
	return t && t->playing >= 0 && a->cs &&
	       (strcmp(a->cs->rec.case_no, t->case_no) == 0 || replaced_as_new(a));
}

/* Score the play with this outcome and keep the row. The marks are the
 * checklist's as recorded on the play's case (none when it is not in hand). */
static int record(app *a, trainee_outcome o, stop_reason r)
{
	struct train_ctx *t = a->train;
	const scenario *sc = played_scenario(a);
	if (!sc || t->scored)
		return 0;
	score_mark marks[32];
	size_t n = 0;
	if (a->cs && strcmp(a->cs->rec.case_no, t->case_no) == 0)
		for (size_t i = 0; i < a->cs->cl->n_items && n < 32; i++) {
			const checklist_item *it = &a->cs->cl->items[i];
			if (it->mark != MARK_UNSET)
				marks[n++] = (score_mark){ it->sm->material->id, material_mark_name(it->mark) };
		}
	trainee_play play = { o, r, n ? marks : NULL, n };
	score_result res;
	kerr err = { 0 };
	training_result row;
	memset(&row, 0, sizeof row);
	if (score_play(t->set, sc, &play, a->k.lg, &res, &err) != 0)
		goto fail;
	snprintf(row.session_no, sizeof row.session_no, "%s", t->session_no);
	snprintf(row.trainee, sizeof row.trainee, "%s", t->trainee);
	snprintf(row.scenario_id, sizeof row.scenario_id, "%s", sc->id);
	snprintf(row.case_no, sizeof row.case_no, "%s", t->case_no);
	snprintf(row.expected, sizeof row.expected, "%s", res.expected);
	snprintf(row.decided, sizeof row.decided, "%s", res.decided);
	row.correct = res.correct;
	snprintf(row.missed, sizeof row.missed, "%s", res.missed);
	if (db_training_record(a->k.db, &row, &err) != 0)
		goto fail;
	t->scored = true;
	load_rows(a);
	return 0;
fail:
	app_flash_err(a, &err);
	return -1;
}

/* Catch up with what happened to the play's case away from these screens: a
 * renewal of an expired certificate taken as a new case (the details screen
 * cancelled it and opened the new one) is the stop the scenario teaches. */
static void sync(app *a)
{
	struct train_ctx *t = a->train;
	if (!t || t->playing < 0 || t->scored)
		return;
	if (a->cs && strcmp(a->cs->rec.case_no, t->case_no) == 0)
		return;
	case_rec r;
	kerr err = { 0 };
	if (db_case_get(a->k.db, t->case_no, &r, &err) != 0 || r.status != CS_CANCELLED)
		return;
	if (replaced_as_new(a)) {
		record(a, OUT_STOP, STOP_RENEW_AS_NEW);
		snprintf(t->case_no, sizeof t->case_no, "%s", a->cs->rec.case_no);
	} else {
		record(a, OUT_CANCEL, STOP_NONE);
	}
}

void train_on_decision(app *a)
{
	struct train_ctx *t = a->train;
	if (!t || t->playing < 0)
		return;
	sync(a);
	if (t->scored || !a->cs || strcmp(a->cs->rec.case_no, t->case_no) != 0)
		return;
	int o = trainee_outcome_of_decision(a->cs->decision);
	if (o >= 0)
		record(a, (trainee_outcome)o, STOP_NONE);
}

bool train_on_cancel(app *a)
{
	struct train_ctx *t = a->train;
	if (!t || t->playing < 0)
		return false;
	sync(a);
	if (t->scored || !a->cs || strcmp(a->cs->rec.case_no, t->case_no) != 0)
		return false;
	t->stop_from = a->screen;
	app_go(a, SCR_STOP);
	return true;
}

const char *train_banner(const app *a)
{
	return on_play_case(a) ? a->train->banner : "";
}

bool train_control(app *a, action_id act)
{
	if (!a->k.demo || !train_banner(a)[0])
		return false;
	kerr err = { 0 };
	char buf[512];
	switch (act) {
	case ACT_T_GATEWAY:
		case_pay_wait(a); /* the gateway is used by one thread at a time */
		if (pay_demo_fail_next(a->k.pay, PR_GATEWAY, &err) != 0)
			app_flash_err(a, &err);
		else
			app_flash(a, app_str(a, "train.ctl_gateway"));
		return true;
	case ACT_T_PIN_LOCK: {
		token_info k;
		if (!a->k.tok || token_read_info(a->k.tok, &k) != TOK_OK) {
			app_flash(a, app_str(a, "train.ctl_no_key"));
			return true;
		}
		if (token_demo_lock_pin(a->k.tok, &err) != 0) {
			app_flash_err(a, &err);
			return true;
		}
		a->key_dirty = true;
		if (a->cs && a->cs->key_read && strcmp(a->cs->key.serial, k.serial) == 0)
			token_read_info(a->k.tok, &a->cs->key);
		str_var v[] = { { "serial", k.serial }, { NULL, NULL } };
		app_flash(a, app_render(a, "train.ctl_pin_locked", v, buf, sizeof buf));
		return true;
	}
	default:
		return false;
	}
}

/* ---- starting a scenario ---- */

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

/* The devices as the scenario wants them: the demo keys from keys.ini again
 * (a renewal or a lock changes them in memory), the customer's key in the
 * reader with its PIN locked if the scenario says so, and a gateway with no
 * order and no failure pending. */
static int devices_for(app *a, const scenario *sc, kerr *err)
{
	char keys[1100];
	snprintf(keys, sizeof keys, "%s/demo/keys.ini", a->k.cfg->config_dir);
	token_dev *tok = token_demo_new(keys, err);
	if (!tok)
		return -1;
	pay_dev *pay = pay_demo_new(err);
	if (!pay) {
		token_dev_free(tok);
		return -1;
	}
	if (sc->key && (token_demo_insert(tok, sc->key, err) != 0 ||
			(sc->key_pin_locked && token_demo_lock_pin(tok, err) != 0))) {
		token_dev_free(tok);
		pay_dev_free(pay);
		return -1;
	}
	case_pay_wait(a); /* no query may be using the old gateway */
	if (a->k.tok)
		token_dev_free(a->k.tok);
	if (a->k.pay)
		pay_dev_free(a->k.pay);
	a->k.tok = tok;
	a->k.pay = pay;
	a->key_seen = false;
	a->key_dirty = true;
	return 0;
}

static void start(app *a, size_t ix)
{
	struct train_ctx *t = a->train;
	const scenario *sc = scenario_at(t->set, ix);
	kerr err = { 0 };
	if (!sc)
		return;
	if (devices_for(a, sc, &err) != 0) {
		app_flash_err(a, &err);
		return;
	}
	int64_t now = clock_now_ms();
	case_start(a, sc->svc);
	if (!a->cs)
		return; /* case_start said why */
	t->playing = (int)ix;
	t->scored = false;
	t->started_ms = now;
	snprintf(t->case_no, sizeof t->case_no, "%s", a->cs->rec.case_no);
	char n[16], total[16];
	snprintf(n, sizeof n, "%zu", ix + 1);
	snprintf(total, sizeof total, "%zu", scenario_count(t->set));
	str_var v[] = { { "n", n }, { "total", total }, { "title", sc->title[a->k.lg] }, { NULL, NULL } };
	app_render(a, "train.banner", v, t->banner, sizeof t->banner);
	/* The customer hands the key over: it is read as the case opens, as the
	 * details screen reads a key already in the reader. */
	token_info k;
	if (sc->key && a->cs->svc->key_required && token_read_info(a->k.tok, &k) == TOK_OK) {
		a->cs->key = k;
		a->cs->key_read = true;
		a->cs->old_not_after = k.not_after;
		a->cs->old_not_before = k.not_before;
	}
	char detail[sizeof t->session_no + SCENARIO_ID_MAX + 32];
	snprintf(detail, sizeof detail, "session %s, scenario %s", t->session_no, sc->id);
	db_audit_append(a->k.db, a->k.user.id, AUD_TRAINING_START, t->case_no, detail, &err);
}

/* ---- the list of scenarios ---- */

static void train_enter(app *a)
{
	if (!a->k.demo || !session_open(a)) {
		app_go(a, SCR_HOME);
		return;
	}
	sync(a);
	load_rows(a);
}

static bool in_play(const struct train_ctx *t, size_t i)
{
	return t->playing == (int)i && !t->scored;
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
	struct train_ctx *t = a->train;
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
	const scenario *sc = scenario_at(t->set, t->sel);
	const training_result *r = result_of(t, sc->id);
	bool show_result = r && !in_play(t, t->sel);
	if (show_result)
		result_text(a, r, buf, sizeof buf);
	else
		brief_text(a, sc, buf, sizeof buf);
	int text_rows = text_walk(buf, COLS - 4, 0, 0, 0, 0, false);
	int fit = LINES - 9 - text_rows;
	size_t rows = fit < 3 ? 3 : (size_t)fit;
	if (rows > n)
		rows = n;
	if (t->sel < t->top)
		t->top = t->sel;
	if (t->sel >= t->top + rows)
		t->top = t->sel + 1 - rows;
	int y = 4;
	for (size_t i = t->top; i < n && i < t->top + rows; i++, y++) {
		const scenario *si = scenario_at(t->set, i);
		const training_result *ri = result_of(t, si->id);
		bool sel = i == t->sel;
		const char *mark = in_play(t, i) ? "…" : ri ? (ri->correct ? "✓" : "✗") : " ";
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
	if (t->top + rows < n)
		draw_text(y - 1, COLS - 2, "↓", 1);
	if (t->top > 0)
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
	const char *hint = in_play(t, t->sel) ? "train.hint_resume" : r ? "train.hint_played" : "train.hint_start";
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
	struct train_ctx *t = a->train;
	if (!t)
		return false;
	size_t n = scenario_count(t->set);
	if (key_is(ev, KEY_UP)) {
		t->sel = (t->sel + n - 1) % n;
		return true;
	}
	if (key_is(ev, KEY_DOWN)) {
		t->sel = (t->sel + 1) % n;
		return true;
	}
	return false;
}

/* F7 with a scenario not finished: it counts as abandoned and its case is
 * cancelled. */
static void end_abandoning(app *a)
{
	struct train_ctx *t = a->train;
	kerr err = { 0 };
	bool in_hand = a->cs && strcmp(a->cs->rec.case_no, t->case_no) == 0;
	if (record(a, OUT_CANCEL, STOP_NONE) != 0)
		return;
	case_rec r;
	if (db_case_get(a->k.db, t->case_no, &r, &err) == 0 && r.status == CS_OPEN &&
	    db_case_cancel(a->k.db, a->k.user.id, t->case_no, "training session ended before the case was finished", &err) != 0)
		app_flash_err(a, &err);
	if (in_hand)
		case_end(a);
	app_go(a, SCR_SCORE);
}

static bool train_act(app *a, action_id act)
{
	struct train_ctx *t = a->train;
	if (!t)
		return false;
	switch (act) {
	case ACT_BACK:
		app_go(a, SCR_HOME);
		return true;
	case ACT_END_TRAIN:
		sync(a);
		if (t->playing >= 0 && !t->scored) {
			char q[512];
			str_var v[] = { { "title", played_scenario(a)->title[a->k.lg] }, { NULL, NULL } };
			app_ask(a, app_render(a, "train.ask_end_unfinished", v, q, sizeof q), end_abandoning);
			return true;
		}
		app_go(a, SCR_SCORE);
		return true;
	case ACT_NEXT: {
		const scenario *sc = scenario_at(t->set, t->sel);
		if (in_play(t, t->sel)) {
			case_resume(a, t->case_no);
			return true;
		}
		if (t->playing >= 0 && !t->scored) {
			app_flash(a, app_str(a, "train.finish_first"));
			return true;
		}
		if (result_of(t, sc->id)) {
			app_flash(a, app_str(a, "train.already_played"));
			return true;
		}
		start(a, t->sel);
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
	a->train->stop_sel = 0;
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
	struct train_ctx *t = a->train;
	if (!t || !a->cs)
		return;
	text_walk(app_str(a, "train.stop_heading"), COLS - 4, 0, 3, 2, 5, true);
	int y = 6;
	for (int i = 0; i < STOP_CHOICES && y < LINES - 5; i++, y++) {
		bool sel = i == t->stop_sel;
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
	struct train_ctx *t = a->train;
	if (!t)
		return false;
	if (key_is(ev, KEY_UP)) {
		t->stop_sel = (t->stop_sel + STOP_CHOICES - 1) % STOP_CHOICES;
		return true;
	}
	if (key_is(ev, KEY_DOWN)) {
		t->stop_sel = (t->stop_sel + 1) % STOP_CHOICES;
		return true;
	}
	return false;
}

/* Score the stop, cancel the case with the reason, back to the list where the
 * result shows. */
static void do_stop(app *a)
{
	struct train_ctx *t = a->train;
	int i = t->stop_sel;
	bool cancel = choice_is_cancel(i);
	stop_reason r = cancel ? STOP_NONE : (stop_reason)(i + 1);
	if (record(a, cancel ? OUT_CANCEL : OUT_STOP, r) != 0)
		return;
	char why[512];
	if (cancel)
		snprintf(why, sizeof why, "training: abandoned by the trainee");
	else
		snprintf(why, sizeof why, "training: stopped, %s (%s)", stop_reason_name(r), choice_label(a, i));
	kerr err = { 0 };
	if (db_case_cancel(a->k.db, a->k.user.id, t->case_no, why, &err) != 0)
		app_flash_err(a, &err);
	case_end(a);
	t->sel = (size_t)t->playing;
	app_go(a, SCR_TRAIN);
}

static bool stop_act(app *a, action_id act)
{
	struct train_ctx *t = a->train;
	if (!t)
		return false;
	if (act == ACT_BACK) {
		app_go(a, t->stop_from);
		return true;
	}
	if (act == ACT_NEXT) {
		char q[512];
		str_var v[] = { { "reason", choice_label(a, t->stop_sel) }, { NULL, NULL } };
		app_ask(a, app_render(a, "train.ask_stop", v, q, sizeof q), do_stop);
		return true;
	}
	return false;
}

/* ---- the score sheet ---- */

static void sheet_add(struct train_ctx *t, int indent, bool bold, const char *text)
{
	sheet_line *g = realloc(t->sheet, (t->n_sheet + 1) * sizeof *g);
	if (!g)
		return;
	t->sheet = g;
	char *s = strdup(text ? text : "");
	if (!s)
		return;
	t->sheet[t->n_sheet++] = (sheet_line){ indent, bold, s };
}

static void score_enter(app *a)
{
	struct train_ctx *t = a->train;
	if (!t) {
		app_go(a, SCR_HOME);
		return;
	}
	sync(a);
	load_rows(a);
	sheet_clear(t);
	t->scroll = 0;
	char buf[4096], exp[256], dec[256];
	if (!t->n_rows)
		sheet_add(t, 2, false, app_str(a, "train.score_none"));
	for (size_t i = 0; i < t->n_rows; i++) {
		const training_result *r = &t->rows[i];
		const scenario *sc = scenario_find(t->set, r->scenario_id);
		snprintf(buf, sizeof buf, "%s %s", r->correct ? "✓" : "✗", sc ? sc->title[a->k.lg] : r->scenario_id);
		sheet_add(t, 2, true, buf);
		str_var v[] = { { "expected", score_word_text(t->set, r->expected, a->k.lg, exp, sizeof exp) },
				{ "decided", score_word_text(t->set, r->decided, a->k.lg, dec, sizeof dec) },
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
	const struct train_ctx *t = a->train;
	int r = 0;
	for (size_t i = 0; i < t->n_sheet; i++) {
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
	struct train_ctx *t = a->train;
	if (!t)
		return;
	long right = 0;
	for (size_t i = 0; i < t->n_rows; i++)
		right += t->rows[i].correct;
	char buf[512], rs[24], played[24], total[24];
	snprintf(rs, sizeof rs, "%ld", right);
	snprintf(played, sizeof played, "%zu", t->n_rows);
	snprintf(total, sizeof total, "%zu", scenario_count(t->set));
	str_var v[] = { { "session", t->session_no }, { "name", a->k.user.name }, { "id", t->trainee },
			{ "right", rs }, { "played", played }, { "total", total }, { NULL, NULL } };
	attron(A_BOLD);
	draw_text(3, 2, app_render(a, "train.score_heading", v, buf, sizeof buf), COLS - 4);
	draw_text(4, 2, app_render(a, "train.score_total", v, buf, sizeof buf), COLS - 4);
	attroff(A_BOLD);
	int top = 6, stop = LINES - 2;
	int rows = sheet_walk(a, t->scroll, top, stop, true);
	if (rows - t->scroll > stop - top)
		draw_text(stop - 1, COLS - 2, "↓", 1);
	if (t->scroll > 0)
		draw_text(top, COLS - 2, "↑", 1);
}

static bool score_key(app *a, const key_event *ev)
{
	struct train_ctx *t = a->train;
	if (!t)
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

const screen_ops scr_train = { SCR_TRAIN, 0, false, train_enter, NULL, train_draw, train_key, train_act };
const screen_ops scr_stop = { SCR_STOP, 0, false, stop_enter, NULL, stop_draw, stop_key, stop_act };
const screen_ops scr_score = { SCR_SCORE, 0, false, score_enter, NULL, score_draw, score_key, score_act };
