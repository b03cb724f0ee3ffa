/* input: where keys come from. Normally the terminal (get_wch with a timeout so
 * timers run); in script mode (KIOSK_SCRIPT=<file>) a key script, read one
 * command at a time and only when the program is idle, i.e. has handled the
 * previous key and redrawn. Script commands (docs/script-mode.md):
 *   type TEXT        each character of TEXT as a key (UTF-8, Chinese included)
 *   key NAME...      named keys: Enter Esc Tab BTab Up Down Left Right Home End
 *                    PgUp PgDn Backspace Delete F1..F12 C-a..C-z Space
 *   dump [FILE]      append the screen as UTF-8 text to FILE ($KIOSK_DUMP or stdout)
 *   resize ROWS COLS resize the headless terminal
 *   idle MINUTES     let that much idle time pass (idle lock)
 *   wait SECONDS     let real time pass, in ticks (polling, a key coming back)
 *   # ...            a comment; blank lines are ignored
 * An input owns its script file; input_free() closes it. */
#ifndef TUI_INPUT_H
#define TUI_INPUT_H

#include <stdbool.h>
#include <wchar.h>

#include <curses.h>

typedef struct key_event {
	bool func;      /* a KEY_* code from curses (or a named key), else a character */
	int code;       /* KEY_* when func */
	wchar_t ch;     /* the character when !func (control characters included) */
} key_event;

typedef enum input_result {
	IN_KEY,        /* *ev filled */
	IN_TIMEOUT,    /* nothing within the timeout (terminal only) */
	IN_DUMP,       /* script asks for a dump to input_dump_path() */
	IN_RESIZE,     /* script resized the terminal */
	IN_IDLE,       /* script: input_idle_minutes() of idle time passed */
	IN_END,        /* script finished */
	IN_ERROR,      /* script error: input_error() says where */
} input_result;

typedef struct input input;

/* script_path NULL: the terminal. */
input *input_new(const char *script_path);
void input_free(input *in);
bool input_is_script(const input *in);
input_result input_next(input *in, int timeout_ms, key_event *ev);
const char *input_dump_path(const input *in); /* NULL: stdout */
int input_idle_minutes(const input *in);
const char *input_error(const input *in);
/* Resize request from the last IN_RESIZE. */
void input_resize_to(const input *in, int *rows, int *cols);

/* Keys the terminal sends as characters, normalised to function codes so that
 * handlers test one thing: Enter (CR, LF, KEY_ENTER), Backspace (DEL, BS,
 * KEY_BACKSPACE), Esc and Tab. */
#define K_ESC (KEY_MAX + 1)
#define K_TAB (KEY_MAX + 2)

/* Helpers for key handlers. */
bool key_is(const key_event *ev, int code);      /* a function key */
bool key_is_char(const key_event *ev, wchar_t c); /* a character */
#define KEY_CTRL(c) ((c) & 0x1f)

#endif
