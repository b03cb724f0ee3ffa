/* frame: what every screen shows around its own content: the title line
 * (site, window, screen; the trainer's banner), the status line (clerk, case,
 * the key as last seen, the time, a flash message) and the footer of the
 * keys that work here, generated from the action table. */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "core/base/clock.h"
#include "tui/app/app.h"
#include "tui/term/term.h"

static int footer_item(app *a, int y, int x, const action_def *d, bool draw)
{
	const char *label = app_str(a, d->str_key);
	int need = text_cols(d->key_label) + 1 + text_cols(label) + 2;
	if (!draw)
		return need;
	attron(A_BOLD);
	x += draw_text(y, x, d->key_label, COLS - x);
	attroff(A_BOLD);
	draw_text(y, x + 1, label, COLS - x - 1);
	return need;
}

/* The keys that work here, from the action table. When they do not all fit,
 * the way out (F10) still shows, at the right. */
static void footer(app *a)
{
	int y = LINES - 1;
	attron(term_attr(ST_FOOTER));
	mvhline(y, 0, ' ', COLS);
	int x = 1;
	if (a->asking || a->choosing) {
		char buf[160];
		draw_text(y, x, app_render(a, a->asking ? "ui.confirm_keys" : "ui.choose_keys", NULL, buf,
					   sizeof buf), COLS - 2);
		attroff(term_attr(ST_FOOTER));
		return;
	}
	const action_def *quit = action_offered(a, ACT_QUIT) ? &actions[ACT_QUIT] : NULL;
	int reserve = quit ? footer_item(a, y, 0, quit, false) : 0;
	/* In table order when all fit; on a busy screen F1 first, then the keys
	 * of this screen, then the general ones where they still fit */
	int total = reserve;
	for (int i = 0; i < ACT_COUNT; i++)
		if (action_offered(a, (action_id)i) && &actions[i] != quit && !(actions[i].need & NO_FOOT))
			total += footer_item(a, y, 0, &actions[i], false);
	bool busy = x + total >= COLS;
	for (int pass = busy ? 0 : 3; pass < 4; pass++) {
		for (int i = 0; i < ACT_COUNT; i++) {
			const action_def *d = &actions[i];
			if (!action_offered(a, (action_id)i) || d == quit || (d->need & NO_FOOT))
				continue;
			bool help = i == ACT_HELP;
			bool specific = __builtin_popcount(d->where) <= 2;
			if (pass < 3 && ((pass == 0) != help || (pass == 1 && !specific) ||
					 (pass == 2 && specific)))
				continue;
			int need = footer_item(a, y, x, d, false);
			if (x + need + reserve >= COLS)
				continue;
			x += footer_item(a, y, x, d, true);
		}
	}
	if (quit)
		footer_item(a, y, x, quit, true);
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
		int width = COLS - 2;
		int rows = (text_cols(a->flash) + width - 1) / width;
		rows = rows < 1 ? 1 : rows > 3 ? 3 : rows;
		for (int r = 0; r < rows; r++)
			mvhline(LINES - 1 - rows + r, 0, ' ', COLS);
		attron(term_attr(ST_ERROR));
		draw_wrapped(LINES - 1 - rows, 1, width, rows, a->flash);
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
