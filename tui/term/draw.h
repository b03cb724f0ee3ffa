/* draw: text on the curses screen by display columns (a Chinese character
 * takes two), wrapped paragraphs and edit fields. Nothing here knows the app. */
#ifndef TUI_TERM_DRAW_H
#define TUI_TERM_DRAW_H

#include <stdbool.h>

#include "tui/term/edit.h"

/* At most max_cols columns; text that does not fit is cut and ends in "…".
 * Returns the columns used. */
int draw_text(int y, int x, const char *utf8, int max_cols);
int text_cols(const char *utf8);
void draw_field(int y, int x, int width, const edit_field *f, bool focused);
/* Wrapped at spaces (a Latin word moves whole) into width columns and at most
 * max_rows rows; text left over ends the last row in "…". Returns the rows
 * drawn. */
int draw_wrapped(int y, int x, int width, int max_rows, const char *utf8);
/* The rows draw_wrapped() would take for all of utf8 in width columns. */
int text_rows(const char *utf8, int width);

#endif
