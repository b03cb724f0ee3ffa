/* pinhash: staff PINs stored as scrypt (OpenSSL EVP_KDF) hashes with a random
 * salt, never in the clear. The parameters are stored with the hash so they can
 * be raised later without invalidating existing PINs. */
#ifndef CORE_PINHASH_H
#define CORE_PINHASH_H

#include <stdbool.h>
#include <stddef.h>

#define PINHASH_MAX 192 /* "scrypt$N$r$p$salthex$hashhex" */

/* Hash pin into out (a self-describing string). Returns 0, -1 on failure. */
int pinhash_make(const char *pin, char out[PINHASH_MAX]);
/* Constant-time compare of pin against a stored string; false on a malformed one. */
bool pinhash_check(const char *pin, const char *stored);
/* A staff PIN must be 6 to 12 digits and not one of the first a guesser
 * tries. Returns false with a reason key (a UI string key):
 *   pin.too_short, pin.too_long, pin.not_digits
 *   pin.too_simple  all one digit (000000), or the keys' initial 12345678
 *   pin.sequence    a run up or down over the whole PIN, 9 wrapping to 0:
 *                   123456, 654321, 012345, 890123
 *   pin.repeated    one shorter group repeated: 121212, 123123, 12341234
 * For 6 digits that refuses 1,110 of the 1,000,000 PINs (docs/config.md). */
bool pinhash_acceptable(const char *pin, const char **reason_key);

#endif
