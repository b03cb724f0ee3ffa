#include "tui/term/input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_PENDING 512

#define SCRIPT_TICK_MS 250

struct input {
	FILE *script;
	char path[512];
	long line;
	key_event pending[MAX_PENDING];
	int n_pending, next_pending;
	char dump_path[512];
	bool dump_to_file;
	int idle_minutes;
	int wait_ticks;          /* script "wait": ticks still to pass */
	int rows, cols;
	char error[640];
};

static const struct {
	const char *name;
	int code;
} named[] = {
	{ "Enter", KEY_ENTER }, { "Esc", K_ESC }, { "Tab", K_TAB }, { "BTab", KEY_BTAB },
	{ "Up", KEY_UP }, { "Down", KEY_DOWN }, { "Left", KEY_LEFT }, { "Right", KEY_RIGHT },
	{ "Home", KEY_HOME }, { "End", KEY_END }, { "PgUp", KEY_PPAGE }, { "PgDn", KEY_NPAGE },
	{ "Backspace", KEY_BACKSPACE }, { "Delete", KEY_DC },
};

input *input_new(const char *script_path)
{
	input *in = calloc(1, sizeof *in);
	if (!in)
		return NULL;
	if (script_path) {
		in->script = fopen(script_path, "r");
		if (!in->script) {
			free(in);
			return NULL;
		}
		snprintf(in->path, sizeof in->path, "%s", script_path);
	}
	return in;
}

void input_free(input *in)
{
	if (!in)
		return;
	if (in->script)
		fclose(in->script);
	free(in);
}

bool input_is_script(const input *in)
{
	return in->script != NULL;
}

const char *input_dump_path(const input *in)
{
	return in->dump_to_file ? in->dump_path : NULL;
}

int input_idle_minutes(const input *in)
{
	return in->idle_minutes;
}

const char *input_error(const input *in)
{
	return in->error;
}

void input_resize_to(const input *in, int *rows, int *cols)
{
	*rows = in->rows;
	*cols = in->cols;
}

bool key_is(const key_event *ev, int code)
{
	return ev->func && ev->code == code;
}

bool key_is_char(const key_event *ev, wchar_t c)
{
	return !ev->func && ev->ch == c;
}

static void push_func(input *in, int code)
{
	if (in->n_pending < MAX_PENDING)
		in->pending[in->n_pending++] = (key_event){ .func = true, .code = code };
}

static void push_char(input *in, wchar_t c)
{
	if (in->n_pending < MAX_PENDING)
		in->pending[in->n_pending++] = (key_event){ .func = false, .ch = c };
}

static input_result script_error(input *in, const char *what, const char *arg)
{
	snprintf(in->error, sizeof in->error, "%.300s:%ld: %s '%.200s'", in->path, in->line, what, arg);
	return IN_ERROR;
}

static int parse_key_name(const char *w)
{
	for (size_t i = 0; i < sizeof named / sizeof *named; i++)
		if (strcmp(w, named[i].name) == 0)
			return named[i].code;
	if (w[0] == 'F' && w[1] >= '1' && w[1] <= '9') {
		int n = atoi(w + 1);
		if (n >= 1 && n <= 12)
			return KEY_F(n);
	}
	return -1;
}

/* Read script lines until one yields something to do. */
static input_result script_next(input *in)
{
	char buf[4096];
	while (fgets(buf, sizeof buf, in->script)) {
		in->line++;
		buf[strcspn(buf, "\r\n")] = '\0';
		char *p = buf;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		if (strncmp(p, "type ", 5) == 0) {
			const char *t = p + 5;
			mbstate_t st;
			memset(&st, 0, sizeof st);
			size_t left = strlen(t);
			while (left > 0) {
				wchar_t wc;
				size_t n = mbrtowc(&wc, t, left, &st);
				if (n == (size_t)-1 || n == (size_t)-2)
					return script_error(in, "text that is not UTF-8", p + 5);
				push_char(in, wc);
				t += n;
				left -= n;
			}
			return IN_KEY;
		}
		if (strncmp(p, "key ", 4) == 0) {
			char *save = NULL;
			for (char *w = strtok_r(p + 4, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
				if (strcmp(w, "Space") == 0) {
					push_char(in, L' ');
					continue;
				}
				if (w[0] == 'C' && w[1] == '-' && w[2] >= 'a' && w[2] <= 'z' && !w[3]) {
					push_char(in, (wchar_t)KEY_CTRL(w[2]));
					continue;
				}
				int code = parse_key_name(w);
				if (code < 0)
					return script_error(in, "unknown key", w);
				push_func(in, code);
			}
			return IN_KEY;
		}
		if (strcmp(p, "dump") == 0 || strncmp(p, "dump ", 5) == 0) {
			in->dump_to_file = p[4] == ' ';
			if (in->dump_to_file)
				snprintf(in->dump_path, sizeof in->dump_path, "%s", p + 5);
			else if (getenv("KIOSK_DUMP")) {
				in->dump_to_file = true;
				snprintf(in->dump_path, sizeof in->dump_path, "%s", getenv("KIOSK_DUMP"));
			}
			return IN_DUMP;
		}
		if (strncmp(p, "resize ", 7) == 0) {
			if (sscanf(p + 7, "%d %d", &in->rows, &in->cols) != 2 || in->rows < 2 ||
			    in->cols < 2 || in->rows > 500 || in->cols > 500)
				return script_error(in, "resize wants ROWS COLS, got", p + 7);
			return IN_RESIZE;
		}
		if (strncmp(p, "wait ", 5) == 0) {
			int secs = atoi(p + 5);
			if (secs <= 0 || secs > 600)
				return script_error(in, "wait wants 1-600 seconds, got", p + 5);
			in->wait_ticks = secs * (1000 / SCRIPT_TICK_MS);
			return IN_TIMEOUT;
		}
		if (strncmp(p, "idle ", 5) == 0) {
			in->idle_minutes = atoi(p + 5);
			if (in->idle_minutes <= 0)
				return script_error(in, "idle wants a number of minutes, got", p + 5);
			return IN_IDLE;
		}
		return script_error(in, "unknown script command", p);
	}
	return IN_END;
}

/* Terminal keys normalised: Enter, Backspace, Esc and Tab as function codes. */
static void normalise(key_event *ev)
{
	if (ev->func) {
		if (ev->code == KEY_ENTER || ev->code == '\r')
			ev->code = KEY_ENTER;
		return;
	}
	switch (ev->ch) {
	case L'\r':
	case L'\n':
		*ev = (key_event){ .func = true, .code = KEY_ENTER };
		break;
	case 127:
	case 8:
		*ev = (key_event){ .func = true, .code = KEY_BACKSPACE };
		break;
	case 27:
		*ev = (key_event){ .func = true, .code = K_ESC };
		break;
	case L'\t':
		*ev = (key_event){ .func = true, .code = K_TAB };
		break;
	default:
		break;
	}
}

input_result input_next(input *in, int timeout_ms, key_event *ev)
{
	if (in->script) {
		/* wait N: real time passes in ticks, as between a clerk's keys */
		if (in->wait_ticks > 0) {
			struct timespec ts = { 0, SCRIPT_TICK_MS * 1000000L };
			nanosleep(&ts, NULL);
			in->wait_ticks--;
			return IN_TIMEOUT;
		}
		if (in->next_pending == in->n_pending) {
			in->next_pending = in->n_pending = 0;
			input_result r = script_next(in);
			if (r != IN_KEY)
				return r;
		}
		*ev = in->pending[in->next_pending++];
		normalise(ev);
		return IN_KEY;
	}
	timeout(timeout_ms);
	wint_t wc;
	int r = get_wch(&wc);
	if (r == ERR)
		return IN_TIMEOUT;
	if (r == KEY_CODE_YES)
		*ev = (key_event){ .func = true, .code = (int)wc };
	else
		*ev = (key_event){ .func = false, .ch = (wchar_t)wc };
	normalise(ev);
	return IN_KEY;
}
