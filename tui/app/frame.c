/* frame: what every screen shows around its own content: the title line
 * (site, window, screen; the trainer's banner), the status line (clerk, case,
 * the key as last seen, the time, a flash message) and the footer of the
 * keys that work here, generated from the action table: every key offered
 * and not NO_FOOT, in the table's order, on one row or, when they do not
 * fit, two (design.md's Layout: a footer with the keys that work here). */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "core/base/clock.h"
#include "tui/app/app.h"
#include "tui/term/term.h"

/* An item's columns: key label, a space, the label. */
static int item_cols(const app *a, action_id id)
{
	return text_cols(actions[id].key_label) + 1 + text_cols(app_str(a, actions[id].str_key));
}

static bool in_footer(const app *a, action_id id)
{
	return action_offered(a, id) && !(actions[id].need & NO_FOOT);
}

/* Items `gap` columns apart, from column 1, none in the last column; a row
 * full goes on to the next. On the last row the way out keeps its room.
 * Returns how many were placed; *left how many did not fit. */
static int plan_gap(const app *a, int cols, int gap, footer_slot out[ACT_COUNT], int *rows, int *left)
{
	int quit = in_footer(a, ACT_QUIT) ? item_cols(a, ACT_QUIT) : 0;
	int n = 0, row = 0, x = 1;
	*left = 0;
	for (int i = 0; i < ACT_COUNT; i++) {
		if (!in_footer(a, (action_id)i))
			continue;
		int w = item_cols(a, (action_id)i);
		bool last = row == FOOTER_ROWS_MAX - 1;
		int room = cols - 1 - (last && i != ACT_QUIT && quit ? quit + gap : 0);
		if (x + w > room && x > 1 && !last) {
			row++;
			x = 1;
			last = row == FOOTER_ROWS_MAX - 1;
			room = cols - 1 - (last && i != ACT_QUIT && quit ? quit + gap : 0);
		}
		if (x + w > room) {
			(*left)++; /* too narrow a terminal: left out, F10 kept */
			continue;
		}
		out[n++] = (footer_slot){ (action_id)i, row, x };
		x += w + gap;
	}
	*rows = row + 1;
	return n;
}

/* Two columns between keys; one where two rows would not hold them so (the
 * supervisor's day view in English: the key labels are bold, apart still). */
int footer_plan(const app *a, int cols, footer_slot out[ACT_COUNT], int *rows)
{
	int left;
	int n = plan_gap(a, cols, 2, out, rows, &left);
	if (left)
		n = plan_gap(a, cols, 1, out, rows, &left);
	return n;
}

int app_footer_rows(const app *a)
{
	if (a->asking || a->choosing)
		return 1;
	footer_slot s[ACT_COUNT];
	int rows;
	footer_plan(a, COLS, s, &rows);
	return rows;
}

/* The keys that work here, from the action table (footer_plan). */
static void footer(app *a)
{
	attron(term_attr(ST_FOOTER));
	if (a->asking || a->choosing) {
		char buf[160];
		mvhline(LINES - 1, 0, ' ', COLS);
		draw_text(LINES - 1, 1, app_render(a, a->asking ? "ui.confirm_keys" : "ui.choose_keys", NULL, buf,
						   sizeof buf), COLS - 2);
		attroff(term_attr(ST_FOOTER));
		return;
	}
	footer_slot s[ACT_COUNT];
	int rows;
	int n = footer_plan(a, COLS, s, &rows);
	int top = LINES - rows;
	for (int r = 0; r < rows; r++)
		mvhline(top + r, 0, ' ', COLS);
	for (int i = 0; i < n; i++) {
		const action_def *d = &actions[s[i].act];
		int y = top + s[i].row, x = s[i].col;
		attron(A_BOLD);
		x += draw_text(y, x, d->key_label, COLS - x);
		attroff(A_BOLD);
		draw_text(y, x + 1, app_str(a, d->str_key), COLS - x - 1);
	}
	attroff(term_attr(ST_FOOTER));
}

/* The reader and the key, live (app_watch_key looked before this draw). */
void draw_key_state(const app *a, char *buf, size_t n)
{
	const char *r = "";
	if (!a->k.tok || a->reader_st == TOK_NO_READER) {
		snprintf(buf, n, "%s %s", app_str(a, "ui.key"), app_str(a, "ui.reader_none"));
	} else if (!a->key_seen) {
		snprintf(buf, n, "%s%s %s", r, app_str(a, "ui.key"), app_str(a, "ui.key_absent"));
	} else if (a->key_st != TOK_OK) {
		snprintf(buf, n, "%s%s %s", r, app_str(a, "ui.key"), app_str(a, "ui.key_unreadable"));
	} else {
		snprintf(buf, n, "%s%s %s %s", r, app_str(a, "ui.key"), a->key_info.serial,
			 app_str(a, a->key_info.personalised ? "ui.key_present" : "ui.key_blank"));
	}
}

/* The choice over the screen: title, the items, the line of words; the box
 * is cleared first, so nothing of the screen under it shows through. */
static void draw_choice(app *a)
{
	int w = COLS - 8, x0 = 4;
	int h = a->n_choose + 6;
	int y0 = 3;
	if (y0 + h > LINES - 2)
		h = LINES - 2 - y0;
	/* whole rows cleared: no half of the screen's lines beside the box */
	for (int r = -1; r <= h && y0 + r < LINES - 2; r++)
		mvhline(y0 + r, 0, ' ', COLS);
	attron(term_attr(ST_SELECT));
	for (int r = 0; r < h; r++)
		mvhline(y0 + r, x0, ' ', w);
	draw_wrapped(y0, x0 + 2, w - 4, 2, a->choose_title);
	attroff(term_attr(ST_SELECT));
	int y = y0 + 2;
	for (int i = 0; i < a->n_choose && y < y0 + h - 2; i++, y++) {
		bool sel = i == a->choose_sel;
		attron(sel ? A_REVERSE : term_attr(ST_SELECT));
		mvhline(y, x0, ' ', w);
		draw_text(y, x0 + 1, sel ? "▶" : " ", 1);
		draw_text(y, x0 + 3, a->choose_item[i], w - 5);
		attroff(sel ? A_REVERSE : term_attr(ST_SELECT));
	}
	if (!a->choose_words)
		return;
	attron(term_attr(ST_SELECT));
	int cols = draw_text(y + 1, x0 + 3, app_str(a, "ui.choose_note"), 10);
	attroff(term_attr(ST_SELECT));
	draw_field(y + 1, x0 + 4 + cols, w - 8 - cols, &a->choose_text, true);
}

void draw_frame(app *a)
{
	char buf[512], title[1024];
	/* Title line: site, window, screen; the demo banner cannot be missed. */
	attron(term_attr(a->k.demo ? ST_DEMO : ST_TITLE));
	mvhline(0, 0, ' ', COLS);
	str_var v[] = { { "n", NULL }, { NULL, NULL } };
	char wn[16];
	snprintf(wn, sizeof wn, "%d", a->k.cfg->window);
	v[0].value = wn;
	snprintf(title, sizeof title, "%s  %s  %s%s", a->k.cfg->site,
		 app_render(a, "ui.window_n", v, buf, sizeof buf), app_str(a, screen_id_key(a->screen)),
		 a->k.demo ? "" : "");
	int x = 1;
	if (a->k.demo) {
		x += draw_text(0, x, app_str(a, "ui.demo_banner"), COLS - 2) + 2;
		if (a->banner && a->banner(a)[0])
			x += draw_text(0, x, a->banner(a), COLS - x - 1) + 2;
	}
	/* The screen's name is never cut: the site gives way first. */
	if (x + text_cols(title) > COLS - 1)
		snprintf(title, sizeof title, "%s  %s", buf, app_str(a, screen_id_key(a->screen)));
	draw_text(0, x, title, COLS - x - 1);
	attroff(term_attr(a->k.demo ? ST_DEMO : ST_TITLE));

	/* Status line: who, the case number, the key's state, the time. */
	attron(term_attr(ST_STATUS));
	mvhline(1, 0, ' ', COLS);
	/* MM-DD HH:MM: the year and seconds give way to the key's state */
	char full[32], when[16];
	clock_format_local(clock_now_ms(), full, sizeof full);
	snprintf(when, sizeof when, "%.5s %.5s", full + 5, full + 11);
	char status[512];
	const char *who = a->k.signed_in ? a->k.user.id : "-";
	const char *case_no = a->cs ? a->cs->rec.case_no : "";
	char key[160];
	draw_key_state(a, key, sizeof key);
	char hall[128];
	ship_job_status(a->ship, a->k.db, a->k.str, hall, sizeof hall);
	snprintf(status, sizeof status, "%s %s  %s %s  %s%s%s", app_str(a, "ui.clerk"), who,
		 app_str(a, "ui.case"), case_no[0] ? case_no : "-", key, hall[0] ? "  " : "", hall);
	/* the date gives way to the key's state and the hall link, then the
	 * time: what the clerk acts on is never cut */
	int need = text_cols(status);
	if (need > COLS - 14 && need <= COLS - 8)
		memmove(when, when + 6, strlen(when + 6) + 1); /* HH:MM */
	else if (need > COLS - 8)
		when[0] = '\0';
	int tw = text_cols(when);
	draw_text(1, 1, status, COLS - 3 - (tw ? tw + 1 : 0));
	if (tw)
		draw_text(1, COLS - 1 - tw, when, tw);
	attroff(term_attr(ST_STATUS));

	/* Message above the footer: a long one wraps upwards (up to three
	 * lines, cleared whole first) rather than being cut off. */
	if (a->flash[0]) {
		int bottom = LINES - app_footer_rows(a); /* the footer's first row */
		int width = COLS - 2;
		int rows = (text_cols(a->flash) + width - 1) / width;
		rows = rows < 1 ? 1 : rows > 3 ? 3 : rows;
		for (int r = 0; r < rows; r++)
			mvhline(bottom - rows + r, 0, ' ', COLS);
		attron(term_attr(ST_ERROR));
		draw_wrapped(bottom - rows, 1, width, rows, a->flash);
		attroff(term_attr(ST_ERROR));
	}
	if (a->asking) {
		int w = COLS - 10, h = 5, y = LINES / 2 - 2, x0 = 5;
		/* whole rows cleared: no half of the screen's lines beside the box */
		for (int r = -1; r <= h; r++)
			mvhline(y + r, 0, ' ', COLS);
		attron(term_attr(ST_SELECT));
		for (int r = 0; r < h; r++)
			mvhline(y + r, x0, ' ', w);
		draw_wrapped(y + 1, x0 + 2, w - 4, 3, a->question);
		attroff(term_attr(ST_SELECT));
	}
	if (a->choosing)
		draw_choice(a);
	footer(a);
}
