#include "core/base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 2, 0)))
static void set_msg(kerr *err, const char *fmt, va_list ap)
{
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

int kerr_set(kerr *err, const char *where, const char *fmt, ...)
{
	if (!err)
		return -1;
	snprintf(err->where, sizeof err->where, "%s", where ? where : "");
	va_list ap;
	va_start(ap, fmt);
	set_msg(err, fmt, ap);
	va_end(ap);
	return -1;
}

int kerr_setf(kerr *err, const char *file, int line, const char *fmt, ...)
{
	if (!err)
		return -1;
	if (line > 0)
		snprintf(err->where, sizeof err->where, "%s:%d", file, line);
	else
		snprintf(err->where, sizeof err->where, "%s", file ? file : "");
	va_list ap;
	va_start(ap, fmt);
	set_msg(err, fmt, ap);
	va_end(ap);
	return -1;
}

const char *kerr_text(const kerr *err, char *buf, unsigned long n)
{
	if (err->where[0])
		snprintf(buf, n, "%s: %s", err->where, err->msg);
	else
		snprintf(buf, n, "%s", err->msg);
	return buf;
}
