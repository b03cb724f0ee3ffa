#include "core/base/clock.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/civil.h"

static int64_t fixed_ms;

void clock_set_fixed(int64_t ms)
{
	fixed_ms = ms;
}

/* Only this file differs between a release and a test build: make compiles
 * it twice, the second time with -DKIOSK_TEST_CLOCK (see the Makefile). */
#ifdef KIOSK_TEST_CLOCK
#define TEST_BUILD true
#else
#define TEST_BUILD false
#endif

bool clock_is_test_build(void)
{
	return TEST_BUILD;
}

const char *clock_env_ignored(void)
{
	const char *s = getenv("KIOSK_NOW");
	if (TEST_BUILD || !s || !*s)
		return NULL;
	return "KIOSK_NOW is set but ignored in a release build: the clock is the "
	       "system's (only a test build, as make check builds, honours it)";
}

/* $KIOSK_NOW: "YYYY-MM-DDTHH:MM:SS+08:00" (Shanghai local) or epoch seconds.
 * Read on every call so a test can change it between runs of a child. A
 * release build never reads it: moving its clock would lift lockouts and
 * open cases on a closed day. */
static int64_t env_now_ms(void)
{
	if (!TEST_BUILD)
		return 0;
	const char *s = getenv("KIOSK_NOW");
	if (!s || !*s)
		return 0;
	int y, mo, d, h, mi, se;
	char tail[8] = "";
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%7s", &y, &mo, &d, &h, &mi, &se, tail) >= 6 &&
	    (tail[0] == '\0' || strcmp(tail, "+08:00") == 0)) {
		long day = civil_from_ymd(y, mo, d);
		return clock_day_start_ms(day) + ((int64_t)h * 3600 + mi * 60 + se) * 1000;
	}
	char *end;
	long long secs = strtoll(s, &end, 10);
	if (*end == '\0' && secs > 0)
		return (int64_t)secs * 1000;
	return 0;
}

int64_t clock_now_ms(void)
{
	if (fixed_ms)
		return fixed_ms;
	int64_t env = env_now_ms();
	if (env)
		return env;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return (long)q;
}

long clock_local_day(int64_t utc_ms)
{
	return floor_div(utc_ms + CLOCK_SHANGHAI_OFFSET_MS, 86400000LL);
}

long clock_today(void)
{
	return clock_local_day(clock_now_ms());
}

int64_t clock_day_start_ms(long civil_day)
{
	return (int64_t)civil_day * 86400000LL - CLOCK_SHANGHAI_OFFSET_MS;
}

const char *clock_format_local(int64_t utc_ms, char *buf, unsigned long n)
{
	long day = clock_local_day(utc_ms);
	int64_t in_day = utc_ms + CLOCK_SHANGHAI_OFFSET_MS - (int64_t)day * 86400000LL;
	int y, m, d;
	civil_to_ymd(day, &y, &m, &d);
	int secs = (int)(in_day / 1000);
	snprintf(buf, n, "%04d-%02d-%02d %02d:%02d:%02d", y, m, d, secs / 3600,
		 secs / 60 % 60, secs % 60);
	return buf;
}
