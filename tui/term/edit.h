/* edit: a line-editing field of wide characters, so that Chinese is edited
 * by character. The caller owns the field (plain struct, no allocation). */
#ifndef TUI_TERM_EDIT_H
#define TUI_TERM_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#include "tui/term/input.h"

/* A line-editing field (wide characters, so Chinese edits by character). */
#define FIELD_MAX 128
typedef struct edit_field {
	wchar_t text[FIELD_MAX + 1];
	int len;
	int cursor;
	bool secret;   /* PIN: shown as * */
	int max;       /* most characters the field takes (forms.ini's max_chars); 0: FIELD_MAX */
	bool refused;  /* the last key was a character refused because the field is full */
} edit_field;

void edit_set(edit_field *f, const char *utf8);
/* UTF-8 of the text into buf. */
const char *edit_get(const edit_field *f, char *buf, size_t n);
/* Apply an editing key; true if it was one (printable, Backspace, Delete,
 * Left, Right, Home, End, Ctrl-U which clears the field). A character past
 * the field's max is taken but not added (f->refused says so). */
bool edit_key(edit_field *f, const key_event *ev);
/* Empty the field; whether it is secret and its max stay. */
void edit_clear(edit_field *f);

#endif
