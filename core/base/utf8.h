/* utf8: small UTF-8 helpers shared by the layers that store and show text. */
#ifndef CORE_UTF8_H
#define CORE_UTF8_H

#include <stddef.h>

/* Copy src (NULL as "") into dst of n bytes, cut on a character boundary if it
 * must be cut, always terminated (n > 0). */
void utf8_copy(char *dst, size_t n, const char *src);

/* Decode the character at s (at most avail bytes): its length in bytes and
 * its code point in *cp, or 0 for a byte that does not start a well-formed
 * sequence (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF; *cp is then the byte). avail > 0. */
size_t utf8_next(const char *s, size_t avail, long *cp);

/* The narrow form of what a Chinese input method types in full-width mode:
 * full-width digits and Latin letters (U+FF10..FF19, FF21..FF3A, FF41..FF5A)
 * become ASCII, and the no-break and ideographic spaces (U+00A0, U+2007,
 * U+202F, U+3000) a plain space; any other code point is returned as it is.
 * Full-width punctuation is left alone: （） belong in a unit's name. */
long utf8_fold_narrow(long cp);

#endif
