/* csv: RFC 4180 cells that a spreadsheet cannot run (see csv.h). */
#include "db/report/csv.h"

#include <string.h>

bool csv_is_formula(const char *s)
{
	if (!s)
		return false;
	/* " =1+1" too: some spreadsheets drop the spaces before they look */
	s += strspn(s, " ");
	return *s && strchr("=+-@\t\r\n", *s) != NULL;
}

void csv_text(FILE *f, const char *s, bool last)
{
	if (!s)
		s = "";
	bool formula = csv_is_formula(s);
	if (formula || strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		if (formula)
			fputc('\'', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputc(last ? '\n' : ',', f);
}

static bool plain_number(const char *s)
{
	if (*s == '-')
		s++;
	size_t whole = strspn(s, "0123456789");
	if (!whole)
		return false;
	s += whole;
	if (*s == '.') {
		size_t frac = strspn(++s, "0123456789");
		if (!frac)
			return false;
		s += frac;
	}
	return *s == '\0';
}

void csv_number(FILE *f, const char *s, bool last)
{
	if (s && plain_number(s)) {
		fputs(s, f);
		fputc(last ? '\n' : ',', f);
	} else {
		csv_text(f, s, last);
	}
}
