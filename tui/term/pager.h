/* pager: a text of lines shown between two rows of the screen, scrolled with
 * ↓ ↑ PgDn PgUp. When the text is longer than its rows, its last row is a
 * sign instead of a line: "more below" while lines follow (never past the
 * end: the last page shows the text's end), "above" once scrolled, both in
 * the caller's words (tui/term knows nothing of the app's strings). The
 * caller owns the text; the pager holds only where it is. */
#ifndef TUI_TERM_PAGER_H
#define TUI_TERM_PAGER_H

#include <stdbool.h>

#include "tui/term/input.h"

typedef struct pager {
	int top;                  /* the first line shown */
} pager;

/* Rows y to bottom - 1, from column x, width columns. */
typedef struct pager_area {
	int y, bottom, x, width;
} pager_area;

/* The text's lines in the area from p->top, the sign on its last row when
 * they do not all fit (below: while more follow; above: when scrolled). */
void pager_draw(pager *p, pager_area ar, const char *text, const char *below, const char *above);
/* ↓ ↑ one line, PgDn PgUp a page, kept between the top and the last page;
 * true if the key was one of them. */
bool pager_key(pager *p, pager_area ar, const char *text, const key_event *ev);
/* Whether lines follow below what pager_draw shows. */
bool pager_more(const pager *p, pager_area ar, const char *text);

#endif
