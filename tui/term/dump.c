#include "tui/term/dump.h"

#include <curses.h>
#include <limits.h>
#include <string.h>
#include <wchar.h>

/* ACS characters (stored as their VT100 letters with A_ALTCHARSET) as Unicode. */
static wchar_t acs_unicode(wchar_t c)
{
	switch (c) {
	case 'q': return L'─';
	case 'x': return L'│';
	case 'l': return L'┌';
	case 'k': return L'┐';
	case 'm': return L'└';
	case 'j': return L'┘';
	case 't': return L'├';
	case 'u': return L'┤';
	case 'v': return L'┴';
	case 'w': return L'┬';
	case 'n': return L'┼';
	case 'a': return L'▒';
	case '0': return L'█';
	case '~': return L'·';
	default: return c;
	}
}

static void put_wc(FILE *f, wchar_t wc)
{
	char mb[MB_LEN_MAX];
	mbstate_t st;
	memset(&st, 0, sizeof st);
	size_t n = wcrtomb(mb, wc, &st);
	if (n != (size_t)-1)
		fwrite(mb, 1, n, f);
}

void dump_screen(FILE *f)
{
	char line[4096];
	for (int y = 0; y < LINES; y++) {
		/* Build the row into a memory stream so trailing blanks can be cut. */
		FILE *m = fmemopen(line, sizeof line - 1, "w");
		if (!m)
			return;
		for (int x = 0; x < COLS; x++) {
			cchar_t cc;
			if (mvwin_wch(stdscr, y, x, &cc) == ERR)
				break;
			wchar_t wch[CCHARW_MAX + 1];
			attr_t attrs;
			short pair;
			if (getcchar(&cc, wch, &attrs, &pair, NULL) == ERR || wch[0] == L'\0') {
				fputc(' ', m);
				continue;
			}
			wchar_t c = wch[0];
			if (attrs & A_ALTCHARSET)
				c = acs_unicode(c);
			put_wc(m, c);
			int w = wcwidth(c);
			if (w == 2)
				x++; /* the second cell of a wide character is not its own */
		}
		long len = ftell(m);
		fclose(m);
		if (len < 0)
			len = 0;
		line[len] = '\0';
		while (len > 0 && line[len - 1] == ' ')
			line[--len] = '\0';
		fprintf(f, "%s\n", line);
	}
	fprintf(f, "----\n");
	fflush(f);
}
