#include "core/base/civil.h"

#include <stdio.h>
#include <string.h>

/* Civil-day arithmetic after Howard Hinnant's days_from_civil: exact for the
 * proleptic Gregorian calendar, no time zones, no libc state. */
long civil_from_ymd(int y, int m, int d)
{
	y -= m <= 2;
	const long era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153u * (unsigned)(m + (m > 2 ? -3 : 9)) + 2) / 5 + (unsigned)d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

void civil_to_ymd(long z, int *y, int *m, int *d)
{
	z += 719468;
	const long era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400) + (*m <= 2);
}

static int days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

bool civil_parse(const char *s, long *days)
{
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0');
	int d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return false;
	*days = civil_from_ymd(y, m, d);
	return true;
}

/* Digits of s[*i..] (at most max), their value in *v; how many were read. */
static int digits(const char *s, size_t *i, int max, int *v)
{
	int n = 0;
	*v = 0;
	while (n < max && s[*i] >= '0' && s[*i] <= '9') {
		*v = *v * 10 + (s[*i] - '0');
		(*i)++;
		n++;
	}
	return n;
}

bool civil_parse_typed(const char *s, long *days)
{
	if (!s)
		return false;
	int y, m, d;
	size_t i = 0;
	if (strlen(s) == 8 && s[4] >= '0' && s[4] <= '9') {
		/* 20270622: all eight digits */
		if (digits(s, &i, 4, &y) != 4 || digits(s, &i, 2, &m) != 2 || digits(s, &i, 2, &d) != 2)
			return false;
	} else {
		if (digits(s, &i, 4, &y) != 4)
			return false;
		char sep = s[i];
		if (sep != '-' && sep != '/')
			return false;
		i++;
		int nm = digits(s, &i, 2, &m);
		if (nm < 1 || s[i] != sep)
			return false;
		i++;
		int nd = digits(s, &i, 2, &d);
		if (nd < 1 || s[i] != '\0')
			return false;
	}
	if (s[i] != '\0' || y < 1900 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return false;
	*days = civil_from_ymd(y, m, d);
	return true;
}

const char *civil_format(long days, char *buf, unsigned long n)
{
	int y, m, d;
	civil_to_ymd(days, &y, &m, &d);
	snprintf(buf, n, "%04d-%02d-%02d", y, m, d);
	return buf;
}

long civil_add_years(long days, int years)
{
	int y, m, d;
	civil_to_ymd(days, &y, &m, &d);
	y += years;
	if (m == 2 && d == 29 && days_in_month(y, 2) == 28)
		d = 28;
	return civil_from_ymd(y, m, d);
}

int civil_weekday(long days)
{
	/* 1970-01-01 was a Thursday (4) */
	long r = (days + 3) % 7;
	if (r < 0)
		r += 7;
	return (int)r + 1;
}

static bool listed(const long *v, unsigned long n, long day)
{
	for (unsigned long i = 0; v && i < n; i++)
		if (v[i] == day)
			return true;
	return false;
}

bool civil_is_working_day(long days, const civil_workdays *w)
{
	if (w && listed(w->on, w->n_on, days))
		return true;
	if (w && listed(w->off, w->n_off, days))
		return false;
	return civil_weekday(days) <= 5;
}

long civil_add_working_days(long days, int n, const civil_workdays *w)
{
	while (n > 0) {
		days++;
		if (civil_is_working_day(days, w))
			n--;
	}
	return days;
}
