/* The supervisor's day view in hall mode (全厅, F4 in the day view): the
 * day of every window of this kiosk's hall, from the centre (tui/flow/
 * hallday.h: kioskctl hall day in a child, with a bound). The hall's totals
 * by status and money, its close; a table by window (cases, 办理中, fees
 * due, paid, refunded, its day close, rows not yet shipped and its last
 * shipment), by clerk, by service; under the table, the selected row's
 * cases by service. The date moves as in the day view (PgUp/PgDn, F2).
 *
 * Authority is the centre's: on entering, the supervisor types the hall PIN
 * (their hall login's password, kioskctl hall supervisor-add), which goes
 * to the child on its stdin; it is kept only while this view is shown
 * (wiped when the view is left by F4 or Esc, when the centre refuses it, or
 * when someone else is signed in) so that changing the date does not ask
 * again. The figures fetched are kept for the session (a few dates), so an
 * unreachable centre shows what was last read, and when, beside the words
 * saying it could not be reached; never another supervisor's. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/base/clock.h"
#include "core/case/fees.h"
#include "tui/term/term.h"
#include "tui/screens/screens.h"

#define CACHE_MAX 8

enum { HT_WINDOWS, HT_CLERKS, HT_SERVICES, HT_COUNT };
static const char *const tab_keys[HT_COUNT] = { "hall.tab.windows", "hall.tab.clerks",
						 "hall.tab.services" };

typedef struct hall_state {
	bool started;
	long day;
	int tab, sel;
	bool asking;                  /* the hall PIN asked for */
	edit_field pin_field;
	char pin[64];                 /* the PIN typed, while the view is shown */
	char pin_of[40];              /* whose */
	bool jumping;                 /* F2: a date typed */
	edit_field jump;
	hallday cache[CACHE_MAX];     /* the dates read, newest fetch first */
	int n_cache;
	int shown;                    /* the cache entry of the day shown, -1 none */
	hallday_result last;          /* how the last fetch of the day went */
	char why[512];
	char msg[1024];
	bool msg_err;
} hall_state;

static bool supervisor_here(const app *a)
{
	return a->k.signed_in && a->k.user.role == ROLE_SUPERVISOR;
}

static void forget_pin(hall_state *h)
{
	explicit_bzero(h->pin, sizeof h->pin);
	h->pin_of[0] = '\0';
	edit_clear(&h->pin_field);
}

static void ask_pin(hall_state *h)
{
	forget_pin(h);
	h->pin_field.secret = true;
	h->asking = true;
	h->jumping = false;
}

/* The cached day shown for h->day: the last read of that date by the
 * supervisor signed in, -1 none. */
static int cached(const app *a, const hall_state *h)
{
	char date[16];
	civil_format(h->day, date, sizeof date);
	for (int i = 0; i < h->n_cache; i++)
		if (strcmp(h->cache[i].date, date) == 0 &&
		    strcmp(h->cache[i].fetched_by, a->k.user.id) == 0)
			return i;
	return -1;
}

/* The day just read, first in the cache (the same date's older read and,
 * when full, the oldest go). */
static void keep(hall_state *h, hallday *d)
{
	for (int i = 0; i < h->n_cache; i++)
		if (strcmp(h->cache[i].date, d->date) == 0 &&
		    strcmp(h->cache[i].fetched_by, d->fetched_by) == 0) {
			hallday_free(&h->cache[i]);
			h->cache[i] = h->cache[--h->n_cache];
			break;
		}
	if (h->n_cache == CACHE_MAX)
		hallday_free(&h->cache[--h->n_cache]);
	memmove(&h->cache[1], &h->cache[0], (size_t)h->n_cache * sizeof h->cache[0]);
	h->cache[0] = *d;
	h->n_cache++;
	memset(d, 0, sizeof *d);
}

/* Read the day h->day from the centre, with the PIN typed. */
static void fetch(app *a, hall_state *h)
{
	snprintf(h->msg, sizeof h->msg, "%s", app_str(a, "hall.reading"));
	h->msg_err = false;
	app_redraw(a); /* the centre may take its bound: say so meanwhile */
	hallday d;
	h->why[0] = '\0';
	h->last = hallday_fetch(&a->k, h->day, h->pin, &d, h->why, sizeof h->why);
	h->msg[0] = '\0';
	h->sel = 0;
	switch (h->last) {
	case HD_OK:
		keep(h, &d);
		break;
	case HD_REFUSED:
		ask_pin(h); /* a wrong PIN is not kept */
		break;
	case HD_NOT_ALLOWED:
		forget_pin(h);
		app_go(a, SCR_HOME);
		break;
	case HD_OFFLINE:
		break;
	}
	/* the centre's own words, under the view */
	if (h->last != HD_OK && h->why[0]) {
		snprintf(h->msg, sizeof h->msg, "%s", h->why);
		h->msg_err = true;
	}
	h->shown = cached(a, h);
}

static hall_state *ctx(app *a)
{
	hall_state *h = app_private(a);
	if (h && !h->started) {
		h->started = true;
		h->day = clock_today();
		h->shown = -1;
		h->last = HD_OK;
	}
	return h;
}

static void hall_enter(app *a)
{
	hall_state *h = ctx(a);
	if (!h)
		return;
	if (!supervisor_here(a)) {
		app_go(a, SCR_HOME);
		return;
	}
	if (a->go_day > 0)
		h->day = a->go_day;
	a->go_day = 0;
	h->tab = h->sel = 0;
	h->msg[0] = h->why[0] = '\0';
	h->last = HD_OK;
	h->shown = cached(a, h);
	ask_pin(h); /* each time the hall is opened */
}

static void hall_leave(app *a)
{
	hall_state *h = app_private(a);
	forget_pin(h);
	for (int i = 0; i < h->n_cache; i++)
		hallday_free(&h->cache[i]);
	h->n_cache = 0;
}

/* Back to the window's own day view, on the same date; the PIN goes. */
static void to_window(app *a, hall_state *h)
{
	forget_pin(h);
	h->asking = h->jumping = false;
	a->go_day = h->day;
	app_go(a, SCR_DAY);
}

static void show_day(app *a, hall_state *h, long day)
{
	h->day = day;
	h->sel = 0;
	h->msg[0] = '\0';
	h->shown = cached(a, h);
	if (h->pin[0])
		fetch(a, h);
	else
		ask_pin(h);
}

/* ---- drawing ---- */

static const char *yuan(int64_t fen, char *buf, size_t n)
{
	return fees_format_yuan(fen, buf, n);
}

static const char *service_label(const void *ctx_, const char *id)
{
	const app *a = ctx_;
	const service *s = catalog_service(a->k.cat, id);
	return s ? s->label[a->k.lg] : id;
}

/* A table of text cells: column widths by display columns (the header's or
 * the widest cell's), numbers right-aligned, two spaces between columns
 * (one when two do not fit). */
#define COLS_MAX 10
typedef struct table {
	int ncol;
	const char *head[COLS_MAX];
	bool right[COLS_MAX];
	int w[COLS_MAX];
	int gap;
} table;

static void table_fit(table *t, const char *cell, int c)
{
	int w = text_cols(cell);
	if (w > t->w[c])
		t->w[c] = w;
}

static void table_line(const table *t, char cells[][64], char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int c = 0; c < t->ncol && len < n; c++) {
		int pad = t->w[c] - text_cols(cells[c]);
		if (pad < 0)
			pad = 0;
		bool last = c == t->ncol - 1;
		len += (size_t)snprintf(buf + len, n - len, "%*s%s%*s", t->right[c] ? pad : 0, "",
					cells[c], t->right[c] || last ? 0 : pad, "");
		if (!last && len < n)
			len += (size_t)snprintf(buf + len, n - len, "%*s", t->gap, "");
	}
}

static int table_rows(const hallday *d, int tab)
{
	switch (tab) {
	case HT_WINDOWS:
		return (int)d->n_win;
	case HT_CLERKS:
		return (int)hallday_clerks(d);
	default:
		return (int)hallday_services(d);
	}
}

/* Row i of the table (i < 0: the header) as cells. */
static void row_cells(const app *a, const hallday *d, int tab, int i, char cells[][64])
{
	hallday_figs f;
	int c = 0;
	char t[32];
	if (tab == HT_WINDOWS) {
		if (i < 0) {
			const char *k[] = { "hall.col.window", "hall.col.cases", "status.open", "hall.col.due",
					    "hall.col.paid", "hall.col.refunded", "hall.col.closed",
					    "hall.col.unshipped", "hall.col.shipped" };
			for (; c < 9; c++)
				snprintf(cells[c], 64, "%s", app_str(a, k[c]));
			return;
		}
		const hallday_window *w = &d->win[i];
		hallday_sum(d, w->kiosk_id, NULL, &f);
		int64_t lag = hallday_unshipped(w);
		snprintf(cells[c++], 64, "%s", w->kiosk_id);
		snprintf(cells[c++], 64, "%lld", (long long)f.cases);
		snprintf(cells[c++], 64, "%lld", (long long)f.by_status[CS_OPEN]);
		snprintf(cells[c++], 64, "%s", yuan(f.due_fen, t, sizeof t));
		snprintf(cells[c++], 64, "%s", yuan(f.paid_fen, t, sizeof t));
		snprintf(cells[c++], 64, "%s", yuan(f.refunded_fen, t, sizeof t));
		snprintf(cells[c++], 64, "%s", app_str(a, w->closed ? "hall.closed_yes" : "hall.closed_no"));
		if (lag < 0)
			snprintf(cells[c++], 64, "?");
		else
			snprintf(cells[c++], 64, "%lld", (long long)lag);
		if (w->shipped_ms < 0)
			snprintf(cells[c++], 64, "%s", app_str(a, "hall.never"));
		else
			snprintf(cells[c++], 64, "%.11s", clock_format_local(w->shipped_ms, t, sizeof t) + 5);
		return;
	}
	if (tab == HT_CLERKS) {
		if (i < 0) {
			const char *k[] = { "hall.col.window", "hall.col.clerk", "hall.col.cases",
					    "status.open", "hall.col.due", "hall.col.paid", "hall.col.refunded" };
			for (; c < 7; c++)
				snprintf(cells[c], 64, "%s", app_str(a, k[c]));
			return;
		}
		const char *kiosk, *clerk;
		hallday_clerk_at(d, (size_t)i, &kiosk, &clerk);
		hallday_sum(d, kiosk, clerk, &f);
		snprintf(cells[c++], 64, "%s", kiosk);
		snprintf(cells[c++], 64, "%s", clerk);
	} else {
		if (i < 0) {
			const char *k[] = { "hall.col.cases", "status.open", "hall.col.due", "hall.col.paid",
					    "hall.col.refunded", "hall.col.service" };
			for (; c < 6; c++)
				snprintf(cells[c], 64, "%s", app_str(a, k[c]));
			return;
		}
		hallday_sum_service(d, hallday_service_at(d, (size_t)i), &f);
	}
	snprintf(cells[c++], 64, "%lld", (long long)f.cases);
	snprintf(cells[c++], 64, "%lld", (long long)f.by_status[CS_OPEN]);
	snprintf(cells[c++], 64, "%s", yuan(f.due_fen, t, sizeof t));
	snprintf(cells[c++], 64, "%s", yuan(f.paid_fen, t, sizeof t));
	snprintf(cells[c++], 64, "%s", yuan(f.refunded_fen, t, sizeof t));
	if (tab == HT_SERVICES)
		snprintf(cells[c++], 64, "%s", service_label(a, hallday_service_at(d, (size_t)i)));
}

static void table_make(const app *a, const hallday *d, int tab, table *t)
{
	memset(t, 0, sizeof *t);
	t->ncol = tab == HT_WINDOWS ? 9 : tab == HT_CLERKS ? 7 : 6;
	int first_num = tab == HT_WINDOWS ? 1 : tab == HT_CLERKS ? 2 : 0;
	for (int c = 0; c < t->ncol; c++)
		t->right[c] = c >= first_num && !(tab == HT_SERVICES && c == 5);
	if (tab == HT_WINDOWS)
		t->right[6] = t->right[8] = false; /* 已/未 日结, a time */
	char cells[COLS_MAX][64];
	int n = table_rows(d, tab);
	for (int i = -1; i < n; i++) {
		row_cells(a, d, tab, i, cells);
		for (int c = 0; c < t->ncol; c++)
			table_fit(t, cells[c], c);
	}
	int sum = 0;
	for (int c = 0; c < t->ncol; c++)
		sum += t->w[c];
	t->gap = sum + 2 * (t->ncol - 1) <= COLS - 4 ? 2 : 1;
}

/* The hall's totals, its money and its close. */
static int draw_totals(app *a, const hallday *d, int y)
{
	hallday_figs f;
	hallday_sum(d, NULL, NULL, &f);
	char buf[1024], n[24], f1[32], f2[32], f3[32];
	size_t len = (size_t)snprintf(buf, sizeof buf, "%s %lld", app_str(a, "hall.col.cases"),
				      (long long)f.cases);
	for (int s = 0; s < CS_COUNT && len < sizeof buf; s++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "  %s %lld",
					app_str(a, case_status_key((case_status)s)),
					(long long)f.by_status[s]);
	draw_wrapped(y, 2, COLS - 4, 2, buf);
	y += 2;
	str_var v[] = { { "due", yuan(f.due_fen, f1, sizeof f1) }, { "paid", yuan(f.paid_fen, f2, sizeof f2) },
			{ "refunded", yuan(f.refunded_fen, f3, sizeof f3) }, { NULL, NULL } };
	draw_text(y++, 2, app_render(a, "hall.money", v, buf, sizeof buf), COLS - 4);
	/* the hall's close, or the windows it waits for */
	char open[512] = "";
	size_t n_open = 0;
	for (size_t i = 0; i < d->n_win; i++)
		if (!d->win[i].closed) {
			size_t l = strlen(open);
			snprintf(open + l, sizeof open - l, "%s%s", l ? ", " : "", d->win[i].kiosk_id);
			n_open++;
		}
	snprintf(n, sizeof n, "%zu", n_open);
	char at[32];
	str_var w[] = { { "by", d->hall_closed_by },
			{ "at", d->hall_closed ? clock_format_local(d->hall_closed_ms, at, sizeof at) : "" },
			{ "n", n }, { "windows", open }, { NULL, NULL } };
	const char *key = d->hall_closed ? "hall.hall_closed" : n_open ? "hall.hall_open" : "hall.hall_ready";
	app_render(a, key, w, buf, sizeof buf);
	int rows = text_cols(buf) > COLS - 4 ? 2 : 1; /* many windows open: two lines */
	attron(term_attr(d->hall_closed ? ST_OK : ST_ERROR));
	draw_wrapped(y, 2, COLS - 4, rows, buf);
	attroff(term_attr(d->hall_closed ? ST_OK : ST_ERROR));
	return y + rows + 1;
}

/* Under the table (three lines above the message's): the selected row's
 * cases by service and, for a window, its close and shipping in words. */
static void draw_detail(app *a, const hallday *d, int tab, int sel)
{
	char buf[1024], by[768], n1[24], n2[24], at[32];
	int y = LINES - 7;
	if (sel < 0 || sel >= table_rows(d, tab) || tab == HT_SERVICES)
		return;
	const char *kiosk, *clerk = NULL;
	if (tab == HT_WINDOWS)
		kiosk = d->win[sel].kiosk_id;
	else
		hallday_clerk_at(d, (size_t)sel, &kiosk, &clerk);
	hallday_by_service(d, kiosk, clerk, service_label, a, by, sizeof by);
	snprintf(buf, sizeof buf, "%s %s%s%s %s", kiosk, clerk ? clerk : "", clerk ? " " : "",
		 app_str(a, "day.by_service"), by[0] ? by : "-");
	draw_text(y++, 2, buf, COLS - 4);
	if (tab != HT_WINDOWS)
		return;
	const hallday_window *w = &d->win[sel];
	snprintf(n1, sizeof n1, "%lld", (long long)w->head_seq);
	snprintf(n2, sizeof n2, "%lld", (long long)w->local_head);
	str_var v[] = { { "held", n1 }, { "kiosk_rows", n2 },
			{ "at", w->reported_ms >= 0 ? clock_format_local(w->reported_ms, at, sizeof at) : "" },
			{ "by", w->closed_by }, { NULL, NULL } };
	char ship[512], close[256];
	app_render(a, w->local_head < 0 ? "hall.ship_unknown" : "hall.ship_state", v, ship, sizeof ship);
	app_render(a, w->closed ? "hall.window_closed" : "hall.window_open", v, close, sizeof close);
	snprintf(buf, sizeof buf, "%s  %s", close, ship);
	draw_wrapped(y, 2, COLS - 4, 2, buf);
}

static void draw_table(app *a, hall_state *h, const hallday *d, int y)
{
	int x = 2;
	for (int t = 0; t < HT_COUNT; t++) {
		char label[96];
		snprintf(label, sizeof label, t == h->tab ? "[%s]" : " %s ", app_str(a, tab_keys[t]));
		if (t == h->tab)
			attron(A_BOLD);
		x += draw_text(y, x, label, COLS - x - 1) + 1;
		if (t == h->tab)
			attroff(A_BOLD);
	}
	y++;
	table t;
	table_make(a, d, h->tab, &t);
	char cells[COLS_MAX][64], line[1024];
	row_cells(a, d, h->tab, -1, cells);
	table_line(&t, cells, line, sizeof line);
	attron(A_BOLD);
	draw_text(y++, 2, line, COLS - 4);
	attroff(A_BOLD);
	int n = table_rows(d, h->tab);
	if (!n)
		draw_text(y, 2, app_str(a, "hall.none"), COLS - 4);
	int room = LINES - 8 - y; /* the detail's lines below */
	if (room < 1)
		room = 1;
	int top = h->sel >= room ? h->sel - room + 1 : 0;
	for (int i = top; i < n && i < top + room; i++, y++) {
		row_cells(a, d, h->tab, i, cells);
		table_line(&t, cells, line, sizeof line);
		bool sel = i == h->sel;
		if (sel)
			attron(term_attr(ST_SELECT));
		mvhline(y, 1, ' ', COLS - 2);
		draw_text(y, 0, sel ? "▶" : " ", 1);
		draw_text(y, 2, line, COLS - 4);
		if (sel)
			attroff(term_attr(ST_SELECT));
	}
	draw_detail(a, d, h->tab, h->sel);
}

static void hall_draw(app *a)
{
	hall_state *h = ctx(a);
	if (!h || !supervisor_here(a))
		return; /* nothing of the hall shows to anyone else */
	char date[16], buf[1024], at[32];
	civil_format(h->day, date, sizeof date);
	const hallday *d = h->shown >= 0 ? &h->cache[h->shown] : NULL;
	str_var v[] = { { "date", date }, { "hall", d ? d->hall_id : "" }, { NULL, NULL } };
	attron(A_BOLD);
	draw_text(2, 2, app_render(a, d ? "hall.heading" : "hall.heading_none", v, buf, sizeof buf), COLS - 4);
	attroff(A_BOLD);
	int y = 4;
	if (h->asking) {
		str_var w[] = { { "id", a->k.user.id }, { NULL, NULL } };
		draw_wrapped(y, 2, COLS - 4, 3, app_str(a, "hall.pin_why"));
		y += 4;
		int wd = draw_text(y, 2, app_render(a, "hall.pin_prompt", w, buf, sizeof buf), 40);
		draw_field(y, 3 + wd, 24, &h->pin_field, !h->jumping);
		y += 2;
	}
	if (h->jumping) {
		int w = draw_text(y, 2, app_str(a, "day.jump_prompt"), 20);
		draw_field(y, 3 + w, 12, &h->jump, true);
		draw_text(y, 5 + w + 12, app_str(a, "day.jump_forms"), COLS - 7 - w - 12);
		y += 2;
	}
	/* how the last read went: when these figures were read, or why not */
	if (!h->asking || h->last != HD_OK) {
		str_var w[] = { { "at", d ? clock_format_local(d->fetched_ms, at, sizeof at) : "" },
				{ "why", h->why }, { NULL, NULL } };
		const char *key = h->last == HD_OFFLINE ? d ? "hall.offline_cached" : "hall.offline"
				  : h->last == HD_REFUSED ? "hall.refused"
				  : d ? "hall.fetched" : NULL;
		if (key) {
			bool bad = h->last != HD_OK;
			if (bad)
				attron(term_attr(ST_ERROR));
			draw_wrapped(3, 2, COLS - 4, 1, app_render(a, key, w, buf, sizeof buf));
			if (bad)
				attroff(term_attr(ST_ERROR));
		}
	}
	if (d && !h->asking) {
		y = draw_totals(a, d, y);
		draw_table(a, h, d, y);
	}
	if (h->msg[0]) { /* the centre's own words: two lines when no figures show */
		attron(term_attr(h->msg_err ? ST_ERROR : ST_OK));
		draw_wrapped(d && !h->asking ? LINES - 3 : LINES - 4, 2, COLS - 4, d && !h->asking ? 1 : 2,
			     h->msg);
		attroff(term_attr(h->msg_err ? ST_ERROR : ST_OK));
	}
}

/* ---- keys ---- */

/* Enter on the date typed after F2 (the day view's forms). */
static void jump_to(app *a, hall_state *h)
{
	char text[64];
	edit_get(&h->jump, text, sizeof text);
	char *s = text;
	while (*s == ' ')
		s++;
	for (size_t n = strlen(s); n && s[n - 1] == ' '; n--)
		s[n - 1] = '\0';
	long day;
	char buf[256];
	if (!civil_parse_typed(s, &day)) {
		str_var v[] = { { "got", s }, { NULL, NULL } };
		snprintf(h->msg, sizeof h->msg, "%s", app_render(a, "day.bad_date", v, buf, sizeof buf));
		h->msg_err = true;
		return;
	}
	if (day > clock_today()) {
		snprintf(h->msg, sizeof h->msg, "%s", app_str(a, "day.future_date"));
		h->msg_err = true;
		return;
	}
	h->jumping = false;
	show_day(a, h, day);
}

/* Who is signed in is still the supervisor whose PIN was typed; else the
 * PIN goes (a takeover at the lock) and, for a clerk, the view too. */
static bool still_theirs(app *a, hall_state *h)
{
	if (!supervisor_here(a)) {
		forget_pin(h);
		app_go(a, SCR_HOME);
		return false;
	}
	if (h->pin_of[0] && strcmp(h->pin_of, a->k.user.id) != 0) {
		ask_pin(h);
		h->shown = cached(a, h);
	}
	return true;
}

static bool hall_key(app *a, const key_event *ev)
{
	hall_state *h = ctx(a);
	if (!h || !still_theirs(a, h))
		return true;
	if (h->jumping) {
		if (key_is(ev, K_ESC)) {
			h->jumping = false;
			h->msg[0] = '\0';
			return true;
		}
		if (key_is(ev, KEY_ENTER)) {
			jump_to(a, h);
			return true;
		}
		return edit_key(&h->jump, ev);
	}
	if (h->asking) {
		if (key_is(ev, KEY_ENTER)) {
			edit_get(&h->pin_field, h->pin, sizeof h->pin);
			edit_clear(&h->pin_field);
			if (!h->pin[0])
				return true;
			snprintf(h->pin_of, sizeof h->pin_of, "%s", a->k.user.id);
			h->asking = false;
			fetch(a, h);
			return true;
		}
		return edit_key(&h->pin_field, ev);
	}
	const hallday *d = h->shown >= 0 ? &h->cache[h->shown] : NULL;
	int n = d ? table_rows(d, h->tab) : 0;
	if (key_is(ev, KEY_UP) && h->sel > 0) {
		h->sel--;
		return true;
	}
	if (key_is(ev, KEY_DOWN) && h->sel + 1 < n) {
		h->sel++;
		return true;
	}
	if (key_is(ev, KEY_LEFT) || key_is(ev, KEY_RIGHT)) {
		h->tab = (h->tab + (key_is(ev, KEY_LEFT) ? HT_COUNT - 1 : 1)) % HT_COUNT;
		h->sel = 0;
		return true;
	}
	return false;
}

static bool hall_act(app *a, action_id act)
{
	hall_state *h = ctx(a);
	if (!h)
		return false;
	if (act == ACT_NONE) { /* a tick: a takeover at the lock is seen at once */
		still_theirs(a, h);
		return true;
	}
	if (act == ACT_HELP || act == ACT_LOCK || act == ACT_QUIT)
		return false; /* the app's: the view (and the PIN) stay under the lock */
	if (!still_theirs(a, h))
		return true;
	switch (act) {
	case ACT_BACK:
		if (h->jumping) {
			h->jumping = false;
			return true;
		}
		to_window(a, h);
		return true;
	case ACT_WINDOW_DAY:
		to_window(a, h);
		return true;
	case ACT_PREV_DAY:
	case ACT_NEXT_DAY:
		if (act == ACT_NEXT_DAY && h->day >= clock_today())
			return true;
		show_day(a, h, h->day + (act == ACT_NEXT_DAY ? 1 : -1));
		return true;
	case ACT_GO_DATE:
		h->jumping = true;
		edit_clear(&h->jump);
		return true;
	case ACT_HALL_REFRESH:
		if (h->pin[0])
			fetch(a, h);
		else
			ask_pin(h);
		return true;
	case ACT_TAB:
		h->tab = (h->tab + 1) % HT_COUNT;
		h->sel = 0;
		return true;
	default:
		return true; /* Enter and the rest: nothing here */
	}
}

const screen_ops scr_hall = { SCR_HALL, sizeof(hall_state), true, hall_enter, hall_leave, hall_draw,
			      hall_key, hall_act };
