/* draw: text on the curses screen by display columns (a Chinese character
 * takes two), wrapped paragraphs and edit fields. Nothing here knows the app. */
#ifndef TUI_TERM_DRAW_H
#define TUI_TERM_DRAW_H

#include <stdbool.h>

#include "tui/term/edit.h"

int draw_text(int y, int x, const char *utf8, int max_cols);
int text_cols(const char *utf8);
void draw_field(int y, int x, int width, const edit_field *f, bool focused);
void draw_wrapped(int y, int x, int width, int max_rows, const char *utf8);

#endif
