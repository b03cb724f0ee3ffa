/* csv: one cell of the kiosk's CSV files, quoted as RFC 4180 says and made
 * safe to open in a spreadsheet (OWASP, "CSV Injection"): a text cell that a
 * spreadsheet would take for a formula (=HYPERLINK(...), +cmd|...) is written
 * with a single quote before it, inside quotes, so it shows as the text it
 * is. Numbers the code formats itself (a fee, a count) are written as they
 * are, so a negative amount stays a number; anything else in a number cell
 * is treated as text. Private to db/report (report_csv.c); docs/reports.md,
 * "CSV and spreadsheets". */
#ifndef DB_REPORT_CSV_H
#define DB_REPORT_CSV_H

#include <stdbool.h>
#include <stdio.h>

/* Does a spreadsheet read text starting like s as a formula? True when its
 * first character after any spaces is one of = + - @ TAB CR LF. */
bool csv_is_formula(const char *s);

/* A text cell: s (NULL as "") then ',' or, when last, '\n'. Quoted when it
 * holds a comma, a quote, CR or LF (each quote doubled); when csv_is_formula(),
 * prefixed with ' and always quoted. */
void csv_text(FILE *f, const char *s, bool last);

/* A number cell the code wrote itself ("400.00", "-12.50", "3"): as it is
 * when it is a plain decimal number (-?digits, optionally .digits), else as
 * csv_text(), never raw. */
void csv_number(FILE *f, const char *s, bool last);

#endif
