/* pager: see pager.h. The text is walked line by line on every draw (a slip
 * is some dozens of lines): no copy, no index to keep in step with it. */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "tui/term/draw.h"
#include "tui/term/pager.h"

static int count_lines(const char *t)
{
	if (!t || !*t)
		return 0;
	int n = 1;
	for (const char *p = t; *p; p++)
		if (*p == '\n' && p[1])
			n++;
	return n;
}

/* The lines shown at once: all rows when the text fits, else one row less
 * (the sign's). */
static int view_rows(pager_area ar, int lines)
{
	int rows = ar.bottom - ar.y;
	if (rows < 2)
		return rows < 1 ? 0 : 1;
	return lines > rows ? rows - 1 : rows;
}

static int last_top(pager_area ar, const char *text)
{
	int n = count_lines(text);
	int max = n - view_rows(ar, n);
	return max > 0 ? max : 0;
}

static void clamp(pager *p, pager_area ar, const char *text)
{
	int max = last_top(ar, text);
	if (p->top > max)
		p->top = max;
	if (p->top < 0)
		p->top = 0;
}

bool pager_more(const pager *p, pager_area ar, const char *text)
{
	return p->top < last_top(ar, text);
}

void pager_draw(pager *p, pager_area ar, const char *text, const char *below, const char *above)
{
	clamp(p, ar, text);
	int n = count_lines(text);
	int rows = view_rows(ar, n);
	const char *s = text ? text : "";
	int y = ar.y, skip = p->top;
	while (*s && y < ar.y + rows) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		if (skip > 0) {
			skip--;
		} else {
			char line[1024];
			snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), s);
			draw_text(y++, ar.x, line, ar.width);
		}
		s += len + (nl ? 1 : 0);
	}
	if (n <= rows)
		return;
	/* the sign's row: what lies below, then what lies above */
	char sign[256] = "";
	if (pager_more(p, ar, text))
		snprintf(sign, sizeof sign, "%s", below);
	if (p->top > 0) {
		size_t len = strlen(sign);
		snprintf(sign + len, sizeof sign - len, "%s%s", len ? "   " : "", above);
	}
	attron(A_BOLD);
	draw_text(ar.bottom - 1, ar.x, sign, ar.width);
	attroff(A_BOLD);
}

bool pager_key(pager *p, pager_area ar, const char *text, const key_event *ev)
{
	int n = count_lines(text);
	int page = view_rows(ar, n) - 1;
	if (page < 1)
		page = 1;
	if (key_is(ev, KEY_DOWN))
		p->top++;
	else if (key_is(ev, KEY_NPAGE))
		p->top += page;
	else if (key_is(ev, KEY_UP))
		p->top--;
	else if (key_is(ev, KEY_PPAGE))
		p->top -= page;
	else
		return false;
	clamp(p, ar, text);
	return true;
}
