/* tui/term: the curses toolkit, knowing nothing of the app, the flows or
 * the screens. Everything that touches the terminal is here or in tui/app
 * and tui/screens (tests/cli/test_layering.sh checks it).
 *
 *   files          header  what they hold
 *   term.[ch]      public  this table; the terminal: ncursesw, raw mode, colours
 *                          with a monochrome fallback, signals, resizing
 *   input.[ch]     public  keys from the terminal or from a key script
 *   dump.[ch]      public  the screen as UTF-8 text (script mode)
 *   edit.[ch]      public  a line-editing field of wide characters
 *   draw.[ch]      public  text by display columns, wrapped paragraphs, fields
 *   pager.[ch]     public  a long text between two rows: ↓ ↑ PgDn PgUp, the
 *                          sign that there is more below or above
 *
 * Every header here is public to tui/. */

/* term: the terminal under the kiosk. Opens ncursesw on the real terminal, or
 * on a headless one for script mode (output to /dev/null, the screen read back
 * by dump); raw mode so Ctrl-C, Ctrl-Z and Ctrl-\ arrive as keys instead of
 * leaving; colours with a monochrome fallback; SIGTERM and SIGHUP restore the
 * terminal before the program ends. One terminal per process. */
#ifndef TUI_TERM_H
#define TUI_TERM_H

#include <stdbool.h>

#include <curses.h>

#define TERM_MIN_COLS 80
#define TERM_MIN_ROWS 24

/* Colour pairs, declared once; attr_of() gives the attribute to use, which on
 * a monochrome terminal falls back to bold / reverse / underline. */
#define TERM_STYLES(X)                                                   \
	X(ST_NORMAL,  COLOR_WHITE,  -1,           A_NORMAL)              \
	X(ST_TITLE,   COLOR_WHITE,  COLOR_BLUE,   A_REVERSE)             \
	X(ST_STATUS,  COLOR_BLACK,  COLOR_CYAN,   A_REVERSE)             \
	X(ST_FOOTER,  COLOR_BLACK,  COLOR_WHITE,  A_REVERSE)             \
	X(ST_KEY,     COLOR_YELLOW, COLOR_BLACK,  A_BOLD)                \
	X(ST_SELECT,  COLOR_BLACK,  COLOR_YELLOW, A_REVERSE)             \
	X(ST_ERROR,   COLOR_RED,    -1,           A_BOLD)                \
	X(ST_OK,      COLOR_GREEN,  -1,           A_BOLD)                \
	X(ST_FIELD,   COLOR_WHITE,  COLOR_BLACK,  A_UNDERLINE)           \
	X(ST_DEMO,    COLOR_WHITE,  COLOR_RED,    A_REVERSE | A_BOLD)    \
	X(ST_QR,      COLOR_BLACK,  COLOR_WHITE,  A_REVERSE)             \
	X(ST_DIM,     COLOR_CYAN,   -1,           A_DIM)

typedef enum term_style {
#define X(e, fg, bg, mono) e,
	TERM_STYLES(X)
#undef X
	ST_COUNT
} term_style;

/* Start curses. script: a headless terminal of 80x24 that nothing is shown on. */
int term_open(bool script);
void term_close(void);
bool term_is_open(void);
attr_t term_attr(term_style s);
/* Below the minimum size? */
bool term_too_small(void);
/* Resize the headless terminal (script mode). */
void term_resize(int rows, int cols);
/* Did SIGTERM or SIGHUP arrive? The main loop checks and leaves cleanly. */
bool term_stop_requested(void);

#endif
