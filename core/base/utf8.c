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
