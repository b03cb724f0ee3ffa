/* utf8: small UTF-8 helpers shared by the layers that store and show text. */
#ifndef CORE_UTF8_H
#define CORE_UTF8_H

#include <stddef.h>

/* Copy src (NULL as "") into dst of n bytes, cut on a character boundary if it
 * must be cut, always terminated (n > 0). */
void utf8_copy(char *dst, size_t n, const char *src);

#endif
