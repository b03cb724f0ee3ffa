#include "core/base/utf8.h"

#include <string.h>

void utf8_copy(char *dst, size_t n, const char *src)
{
	if (n == 0)
		return;
	if (!src)
		src = "";
	size_t len = strlen(src);
	if (len >= n) {
		len = n - 1;
		/* back off over continuation bytes so no character is cut in half */
		while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

size_t utf8_next(const char *s, size_t avail, long *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned b = p[0];
	size_t need;
	unsigned lo = 0x80, hi = 0xBF; /* the second byte's range */
	*cp = b;
	if (b < 0x80)
		return 1;
	if (b >= 0xC2 && b <= 0xDF) {
		need = 1;
	} else if (b >= 0xE0 && b <= 0xEF) {
		need = 2;
		lo = b == 0xE0 ? 0xA0 : 0x80; /* no overlong forms */
		hi = b == 0xED ? 0x9F : 0xBF; /* no surrogates */
	} else if (b >= 0xF0 && b <= 0xF4) {
		need = 3;
		lo = b == 0xF0 ? 0x90 : 0x80;
		hi = b == 0xF4 ? 0x8F : 0xBF; /* nothing above U+10FFFF */
	} else {
		return 0;
	}
	if (avail <= need || p[1] < lo || p[1] > hi)
		return 0;
	long c = b & (0x3F >> need);
	for (size_t k = 1; k <= need; k++) {
		if ((p[k] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (p[k] & 0x3F);
	}
	*cp = c;
	return need + 1;
}

long utf8_fold_narrow(long cp)
{
	if ((cp >= 0xFF10 && cp <= 0xFF19) || (cp >= 0xFF21 && cp <= 0xFF3A) || (cp >= 0xFF41 && cp <= 0xFF5A))
		return cp - 0xFEE0;
	if (cp == 0x00A0 || cp == 0x2007 || cp == 0x202F || cp == 0x3000)
		return ' ';
	return cp;
}
