/* err: one error report that names where the fault is (file:line, table, field)
 * and what to do. Every loader and repository fills one of these instead of
 * printing, so kioskctl and the screens decide how to show it. Plain value type:
 * no ownership, no allocation. */
#ifndef CORE_ERR_H
#define CORE_ERR_H

typedef struct kerr {
	char where[320]; /* "kiosk-config/services.ini:12", "table audit, seq 42", "" */
	char msg[640];   /* what is wrong and what to do */
} kerr;

/* Set both parts; where may be NULL. Always returns -1 so callers can
 * `return kerr_set(...)`. Tolerates err == NULL. */
int kerr_set(kerr *err, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, with where formatted as "file:line" (line 0 leaves the line out). */
int kerr_setf(kerr *err, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* "where: msg" or just "msg" into buf. */
const char *kerr_text(const kerr *err, char *buf, unsigned long n);

#endif
