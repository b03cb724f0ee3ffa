/* Drawing helpers shared by the screens: text measured in display columns (a
 * Chinese character takes two), the frame every screen has (title line, status
 * line with the case number and the key's state, footer generated from the
 * action table), fields and wrapped paragraphs. */
#include <curses.h>
#include <wchar.h>
#include <stdlib.h>
#include <string.h>

#include "tui/term/term.h"
#include "tui/term/draw.h"

static wchar_t next_wc(const char **s)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	wchar_t wc;
	size_t n = mbrtowc(&wc, *s, strlen(*s), &st);
	if (n == 0 || n == (size_t)-1 || n == (size_t)-2) {
		(*s)++;
		return L'?';
	}
	*s += n;
	return wc;
}

int text_cols(const char *utf8)
{
	int cols = 0;
	while (utf8 && *utf8) {
		int w = wcwidth(next_wc(&utf8));
		cols += w > 0 ? w : 0;
	}
	return cols;
}

int draw_text(int y, int x, const char *utf8, int max_cols)
{
	/* text that does not fit ends in "…": a word cut silently reads as
	 * another word ("Not checke", "已插") */
	bool cut = text_cols(utf8) > max_cols && max_cols > 1;
	int room = cut ? max_cols - 1 : max_cols, used = 0;
	move(y, x);
	while (utf8 && *utf8) {
		wchar_t wc = next_wc(&utf8);
		int w = wcwidth(wc);
		if (w < 0)
			continue;
		if (used + w > room)
			break;
		wchar_t s[2] = { wc, 0 };
		addnwstr(s, 1);
		used += w;
	}
	if (cut) {
		addnwstr(L"\u2026", 1);
		used++;
	}
	return used;
}

/* A character of a Latin word: cut there, the word goes whole to the next row. */
static bool word_char(wchar_t c)
{
	return c > L' ' && c < 0x2E80;
}

/* Chinese line-breaking (禁则): a row never starts with closing punctuation
 * nor ends with opening punctuation; the character before goes down with it. */
static bool no_row_start(wchar_t c)
{
	return c && wcschr(L"，。、；：！？）」』》〉】〕…～”’,.;:!?)", c) != NULL;
}

static bool no_row_end(wchar_t c)
{
	return c && wcschr(L"（「『《〈【〔“‘", c) != NULL;
}

/* The rows of utf8 wrapped into width columns, at most max_rows; drawn at
 * (y, x) when draw. */
static int wrap(int y, int x, int width, int max_rows, const char *utf8, bool draw)
{
	enum { MAXC = 4096 };
	wchar_t *t = malloc(MAXC * sizeof *t);
	if (!t)
		return 0;
	int n = 0;
	while (utf8 && *utf8 && n < MAXC)
		t[n++] = next_wc(&utf8);
	int row = 0, i = 0;
	while (i < n && row < max_rows) {
		/* the last row, with more than it holds left: it ends in "…" */
		bool last = row == max_rows - 1 && width > 1;
		int rest = 0;
		for (int k = i; last && k < n; k++) {
			int w = wcwidth(t[k]);
			rest += t[k] == L'\n' ? width + 1 : w < 0 ? 0 : w;
		}
		bool more = last && rest > width;
		int room = more ? width - 1 : width;
		/* as much of the row as fits, from i */
		int col = 0, j = i;
		while (j < n && t[j] != L'\n') {
			int w = wcwidth(t[j]);
			w = w < 0 ? 0 : w;
			if (col + w > room)
				break;
			col += w;
			j++;
		}
		int end = j, next = j;
		if (j < n && t[j] == L'\n') {
			next = j + 1;
		} else if (j < n && t[j] == L' ') {
			next = j + 1; /* the row ends at a space: it is not carried over */
		} else if (j < n && row < max_rows - 1 && word_char(t[j]) && word_char(t[j - 1])) {
			/* a Latin word (a key name as "F6", a number) would be cut:
			 * it goes to the next row whole, after a space or a Chinese
			 * character, unless it is longer than a row (a serial in hex) */
			int k = j - 1, e = j;
			while (k > i && word_char(t[k - 1]))
				k--;
			while (e < n && word_char(t[e]))
				e++;
			if (k > i && e - k <= width) {
				end = t[k - 1] == L' ' ? k - 1 : k;
				next = k;
			}
		}
		if (end == j && next == j && j < n && row < max_rows - 1) {
			/* 禁则: closing punctuation takes the character before it to
			 * the next row; opening punctuation goes down with what it opens */
			int k = j - 1;
			if (no_row_start(t[j])) {
				/* back over closing punctuation to the character it closes */
				while (k > i && no_row_start(t[k]))
					k--;
				if (k > i)
					end = next = k;
			} else if (no_row_end(t[k]) && k > i) {
				end = next = k;
			}
		}
		if (end == i && next == i)
			next = i + 1; /* a character wider than the row: skip it */
		if (draw) {
			move(y + row, x);
			for (int k = i; k < end; k++)
				if (wcwidth(t[k]) >= 0)
					addnwstr(&t[k], 1);
			if (more)
				addnwstr(L"\u2026", 1);
		}
		row++;
		i = next;
	}
	free(t);
	return row;
}

int draw_wrapped(int y, int x, int width, int max_rows, const char *utf8)
{
	return wrap(y, x, width, max_rows, utf8, true);
}

int text_rows(const char *utf8, int width)
{
	return wrap(0, 0, width, 1 << 20, utf8, false);
}

void draw_field(int y, int x, int width, const edit_field *f, bool focused)
{
	attr_t a = term_attr(focused ? ST_SELECT : ST_FIELD);
	attron(a);
	mvhline(y, x, ' ', width);
	int col = 0, cur_col = -1;
	move(y, x);
	for (int i = 0; i <= f->len; i++) {
		if (i == f->cursor)
			cur_col = col;
		if (i == f->len)
			break;
		wchar_t wc = f->secret ? L'*' : f->text[i];
		int w = wcwidth(wc);
		if (w < 0)
			w = 1;
		if (col + w > width - 1)
			break;
		wchar_t s[2] = { wc, 0 };
		addnwstr(s, 1);
		col += w;
	}
	attroff(a);
	if (focused && cur_col >= 0) {
		/* The cursor as a visible cell, so script dumps show where typing goes. */
		mvchgat(y, x + cur_col, 1, A_REVERSE | A_BLINK, 0, NULL);
	}
}

