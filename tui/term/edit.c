/* Line editing on wide characters: the cursor moves by character, so a
 * Chinese name is edited as the clerk sees it. */
#include <limits.h>
#include <string.h>

#include "tui/term/edit.h"

void edit_clear(edit_field *f)
{
	bool secret = f->secret;
	int max = f->max;
	memset(f, 0, sizeof *f);
	f->secret = secret;
	f->max = max;
}

void edit_set(edit_field *f, const char *utf8)
{
	edit_clear(f);
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t left = utf8 ? strlen(utf8) : 0;
	while (left > 0 && f->len < FIELD_MAX) { /* a value set is kept whole; the check says when it is too long */
		wchar_t wc;
		size_t n = mbrtowc(&wc, utf8, left, &st);
		if (n == 0 || n == (size_t)-1 || n == (size_t)-2)
			break;
		f->text[f->len++] = wc;
		utf8 += n;
		left -= n;
	}
	f->text[f->len] = 0;
	f->cursor = f->len;
}

const char *edit_get(const edit_field *f, char *buf, size_t n)
{
	size_t used = 0;
	mbstate_t st;
	memset(&st, 0, sizeof st);
	for (int i = 0; i < f->len; i++) {
		char mb[MB_LEN_MAX];
		size_t k = wcrtomb(mb, f->text[i], &st);
		if (k == (size_t)-1 || used + k + 1 > n)
			break;
		memcpy(buf + used, mb, k);
		used += k;
	}
	if (n)
		buf[used] = '\0';
	return buf;
}

static int field_max(const edit_field *f)
{
	return f->max > 0 && f->max < FIELD_MAX ? f->max : FIELD_MAX;
}

bool edit_key(edit_field *f, const key_event *ev)
{
	f->refused = false;
	if (!ev->func) {
		if (ev->ch == KEY_CTRL('u')) {
			edit_clear(f);
			return true;
		}
		if (ev->ch < 32 || ev->ch == 127)
			return false; /* control characters are actions, not text */
		if (f->len >= field_max(f)) {
			f->refused = true;
			return true;
		}
		memmove(&f->text[f->cursor + 1], &f->text[f->cursor],
			(size_t)(f->len - f->cursor) * sizeof(wchar_t));
		f->text[f->cursor++] = ev->ch;
		f->text[++f->len] = 0;
		return true;
	}
	switch (ev->code) {
	case KEY_BACKSPACE:
		if (f->cursor > 0) {
			memmove(&f->text[f->cursor - 1], &f->text[f->cursor],
				(size_t)(f->len - f->cursor + 1) * sizeof(wchar_t));
			f->cursor--;
			f->len--;
		}
		return true;
	case KEY_DC:
		if (f->cursor < f->len) {
			memmove(&f->text[f->cursor], &f->text[f->cursor + 1],
				(size_t)(f->len - f->cursor) * sizeof(wchar_t));
			f->len--;
		}
		return true;
	case KEY_LEFT:
		if (f->cursor > 0)
			f->cursor--;
		return true;
	case KEY_RIGHT:
		if (f->cursor < f->len)
			f->cursor++;
		return true;
	case KEY_HOME:
		f->cursor = 0;
		return true;
	case KEY_END:
		f->cursor = f->len;
		return true;
	default:
		return false;
	}
}
