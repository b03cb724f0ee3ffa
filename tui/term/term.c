#include "tui/term/term.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static SCREEN *scr;
static FILE *scr_out, *scr_in;
static bool colour;
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static const struct {
	short fg, bg;
	attr_t mono;
} styles[] = {
#define X(e, fg, bg, mono) { fg, bg, mono },
	TERM_STYLES(X)
#undef X
};

/* Many terminals send xterm's function-key codes whatever TERM says (a vt100
 * entry knows only F1-F4): teach curses the codes its entry lacks, so F5-F12
 * are not read as Esc followed by junk. */
static void define_xterm_keys(void)
{
	static const char *const codes[] = {
		"\033OP", "\033OQ", "\033OR", "\033OS", "\033[15~", "\033[17~",
		"\033[18~", "\033[19~", "\033[20~", "\033[21~", "\033[23~", "\033[24~",
	};
	for (int i = 0; i < 12; i++)
		if (key_defined(codes[i]) == 0)
			define_key(codes[i], KEY_F(i + 1));
}

int term_open(bool script)
{
	setlocale(LC_ALL, "");
	if (script) {
		/* Headless: curses draws into its own screen model, read back by dump. */
		scr_out = fopen("/dev/null", "w");
		scr_in = fopen("/dev/null", "r");
		const char *t = getenv("TERM");
		scr = newterm(t && *t ? t : "xterm-256color", scr_out, scr_in);
		if (!scr)
			scr = newterm("vt100", scr_out, scr_in);
		if (!scr)
			return -1;
		set_term(scr);
		resizeterm(TERM_MIN_ROWS, TERM_MIN_COLS);
	} else {
		if (!initscr())
			return -1;
	}
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	define_xterm_keys();
	set_escdelay(25);
	curs_set(0);
	colour = has_colors() && start_color() == OK;
	if (colour) {
		use_default_colors();
		for (int i = 1; i < ST_COUNT; i++)
			init_pair((short)i, styles[i].fg, styles[i].bg);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	return 0;
}

void term_close(void)
{
	if (!scr && isendwin())
		return;
	endwin();
	if (scr) {
		delscreen(scr);
		scr = NULL;
		fclose(scr_out);
		fclose(scr_in);
	}
}

bool term_is_open(void)
{
	return stdscr != NULL && !isendwin();
}

attr_t term_attr(term_style s)
{
	if ((unsigned)s >= ST_COUNT)
		return A_NORMAL;
	if (!colour || s == ST_NORMAL)
		return styles[s].mono;
	/* Keep bold where the style has it; colour carries the rest. */
	return COLOR_PAIR(s) | (styles[s].mono & (A_BOLD | A_UNDERLINE));
}

bool term_too_small(void)
{
	return LINES < TERM_MIN_ROWS || COLS < TERM_MIN_COLS;
}

void term_resize(int rows, int cols)
{
	resizeterm(rows, cols);
}

bool term_stop_requested(void)
{
	return stop_signal != 0;
}
