/* civil: the proleptic Gregorian calendar as day numbers (days since
 * 1970-01-01), with no time zone and no libc state. The counter's dates are
 * civil days in Asia/Shanghai (core/base/clock.h gives today); the rules and
 * every date on a slip, a key or in the store use these. */
#ifndef CORE_BASE_CIVIL_H
#define CORE_BASE_CIVIL_H

#include <stdbool.h>

/* Civil day numbers: days since 1970-01-01, and back. ymd is YYYYMMDD. */
long civil_from_ymd(int y, int m, int d);
void civil_to_ymd(long days, int *y, int *m, int *d);
/* Parse "YYYY-MM-DD" strictly (a real date); -1 (no such day) on error via ok. */
bool civil_parse(const char *s, long *days);
/* Parse a date as a clerk types it: "2027-06-22", "2027/6/22" (month and day
 * of one or two digits, '-' or '/' alike) or "20270622"; a real date from
 * 1900 on. Spaces around it are the caller's to trim. */
bool civil_parse_typed(const char *s, long *days);
/* Format as YYYY-MM-DD into buf (>= 11 bytes). */
const char *civil_format(long days, char *buf, unsigned long n);

/* Add years to a civil day, clamping 02-29 to 02-28. */
long civil_add_years(long days, int years);

/* The day of the week: 1 Monday ... 7 Sunday (ISO 8601). */
int civil_weekday(long days);

/* Working days: Monday to Friday, except the days in `off` (public holidays),
 * plus the weekend days in `on` (the make-up working days, 调休, that the
 * State Council's yearly notice moves onto a Saturday or Sunday). Either
 * list may be NULL with n 0; neither needs to be sorted. */
typedef struct civil_workdays {
	const long *off;
	unsigned long n_off;
	const long *on;
	unsigned long n_on;
} civil_workdays;

bool civil_is_working_day(long days, const civil_workdays *w);
/* The n-th working day after `days` (n >= 1; the start day itself does not
 * count, as a deadline of "15 working days" from a rating is read). n <= 0
 * gives `days`. w may be NULL: Monday to Friday. */
long civil_add_working_days(long days, int n, const civil_workdays *w);

#endif
