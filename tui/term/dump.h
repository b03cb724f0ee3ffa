/* dump: the screen as UTF-8 text, for script-mode tests and the screen
 * captures in the guides. Each cell once (a wide character's second cell is
 * not repeated), line-drawing characters as Unicode box characters, trailing
 * blanks cut, one line per screen row. */
#ifndef TUI_DUMP_H
#define TUI_DUMP_H

#include <stdio.h>

/* Write the current screen to f, followed by a separator line "----". */
void dump_screen(FILE *f);

#endif
