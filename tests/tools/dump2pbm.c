/* dump2pbm: the QR code on a dumped kiosk screen as a PBM bitmap for zbarimg.
 * Reads a script-mode dump (UTF-8 text), takes the first run of lines that
 * hold half-block characters (▀ ▄ █), and turns each character cell into one
 * column of two modules: ▀ top dark, ▄ bottom dark, █ both, anything else
 * light. The bitmap is scaled up and framed with light margin so zbar finds it.
 * Usage: dump2pbm DUMP > code.pbm */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define MAXW 200
#define MAXH 120
#define SCALE 4
#define MARGIN 8

static int grid[MAXH][MAXW];

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "C.UTF-8");
	if (argc != 2) {
		fprintf(stderr, "usage: dump2pbm DUMP\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	char line[8192];
	int rows = 0, width = 0;
	int started = 0;
	while (fgets(line, sizeof line, f) && rows < MAXH / 2) {
		wchar_t w[4096];
		size_t n = mbstowcs(w, line, 4095);
		if (n == (size_t)-1)
			continue;
		int has = 0;
		for (size_t i = 0; i < n; i++)
			if (w[i] == L'▀' || w[i] == L'▄' || w[i] == L'█')
				has = 1;
		if (!has) {
			if (started)
				break;
			continue;
		}
		started = 1;
		/* Cells, counting a wide character as two columns like the screen. */
		int col = 0;
		for (size_t i = 0; i < n && col < MAXW; i++) {
			if (w[i] == L'\n')
				break;
			int top = w[i] == L'▀' || w[i] == L'█';
			int bot = w[i] == L'▄' || w[i] == L'█';
			grid[rows * 2][col] = top;
			grid[rows * 2 + 1][col] = bot;
			int cw = wcwidth(w[i]);
			col += cw > 0 ? cw : 1;
		}
		if (col > width)
			width = col;
		rows++;
	}
	fclose(f);
	if (!rows) {
		fprintf(stderr, "dump2pbm: no QR code on the screens of %s\n", argv[1]);
		return 1;
	}
	int h = rows * 2;
	printf("P1\n%d %d\n", (width + 2 * MARGIN) * SCALE, (h + 2 * MARGIN) * SCALE);
	for (int y = -MARGIN; y < h + MARGIN; y++)
		for (int sy = 0; sy < SCALE; sy++) {
			for (int x = -MARGIN; x < width + MARGIN; x++) {
				int v = y >= 0 && y < h && x >= 0 && x < width ? grid[y][x] : 0;
				for (int sx = 0; sx < SCALE; sx++)
					fputs(v ? "1" : "0", stdout);
			}
			fputc('\n', stdout);
		}
	return 0;
}
