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
/* A staff PIN must be 6 to 12 digits. Returns false with a reason key. */
bool pinhash_acceptable(const char *pin, const char **reason_key);

#endif
