/* clock: the time source. Storage is UTC milliseconds; the counter's day is the
 * civil day in Asia/Shanghai (UTC+8, no daylight saving). Unit tests pin the
 * clock in-process with clock_set_fixed(); a test build (make check, built with
 * -DKIOSK_TEST_CLOCK) also takes it from $KIOSK_NOW. A release build (make,
 * make demo) reads the system clock only and ignores $KIOSK_NOW: its front
 * ends print clock_env_ignored() once at start. */
#ifndef CORE_CLOCK_H
#define CORE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define CLOCK_SHANGHAI_OFFSET_MS (8LL * 3600 * 1000)

/* Now, UTC ms. In a test build $KIOSK_NOW ("YYYY-MM-DDTHH:MM:SS+08:00" or
 * epoch seconds) pins it. */
int64_t clock_now_ms(void);
/* True in a test build, where $KIOSK_NOW moves the clock. */
bool clock_is_test_build(void);
/* In a release build with $KIOSK_NOW set: the warning to print (static text
 * naming the variable); NULL when there is nothing to say. */
const char *clock_env_ignored(void);
/* Pin the clock (ms; 0 returns to the real clock). */
void clock_set_fixed(int64_t ms);
/* Civil day (days since 1970-01-01) in Asia/Shanghai for a UTC ms instant. */
long clock_local_day(int64_t utc_ms);
/* Today in Asia/Shanghai. */
long clock_today(void);
/* UTC ms of 00:00 Asia/Shanghai on a civil day. */
int64_t clock_day_start_ms(long civil_day);
/* "YYYY-MM-DD HH:MM:SS" in Asia/Shanghai into buf (>= 20 bytes). */
const char *clock_format_local(int64_t utc_ms, char *buf, unsigned long n);

#endif
