/* clock: the time source. Storage is UTC milliseconds; the counter's day is the
 * civil day in Asia/Shanghai (UTC+8, no daylight saving). Tests and the demo set
 * a fixed or offset clock through clock_set_fixed() or $KIOSK_NOW. */
#ifndef CORE_CLOCK_H
#define CORE_CLOCK_H

#include <stdint.h>

#define CLOCK_SHANGHAI_OFFSET_MS (8LL * 3600 * 1000)

/* Now, UTC ms. $KIOSK_NOW ("YYYY-MM-DDTHH:MM:SS+08:00" or epoch seconds) pins it. */
int64_t clock_now_ms(void);
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
