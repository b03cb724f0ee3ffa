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

#endif
