/* Drawing helpers shared by the screens: text measured in display columns (a
 * Chinese character takes two), the frame every screen has (title line, status
 * line with the case number and the key's state, footer generated from the
 * action table), fields and wrapped paragraphs. */
#include <curses.h>
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
	int used = 0;
	move(y, x);
	while (utf8 && *utf8) {
		wchar_t wc = next_wc(&utf8);
		int w = wcwidth(wc);
		if (w < 0)
			continue;
		if (used + w > max_cols)
			break;
		wchar_t s[2] = { wc, 0 };
		addnwstr(s, 1);
		used += w;
	}
	return used;
}

void draw_wrapped(int y, int x, int width, int max_rows, const char *utf8)
{
	int row = 0, col = 0;
	move(y, x);
	while (utf8 && *utf8 && row < max_rows) {
		if (*utf8 == '\n') {
			utf8++;
			row++;
			col = 0;
			move(y + row, x);
			continue;
		}
		wchar_t wc = next_wc(&utf8);
		int w = wcwidth(wc);
		if (w < 0)
			continue;
		if (col + w > width) {
			row++;
			col = 0;
			if (row >= max_rows)
				break;
			move(y + row, x);
		}
		wchar_t s[2] = { wc, 0 };
		addnwstr(s, 1);
		col += w;
	}
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

