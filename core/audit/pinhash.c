/* pinhash: scrypt through OpenSSL 3's EVP_KDF (see pinhash.h).
 *
 * Stored form: "scrypt$N$r$p$salthex$hashhex", all decimal and lower-case hex.
 * pinhash_check trusts nothing in it: every field is parsed strictly and the
 * cost parameters are bounded, because a stored string with N = 2^40 would make
 * one login attempt eat the machine (the database is not a trusted input once a
 * backup has been restored from somewhere). */
#include "core/audit/pinhash.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

/* Cost for new hashes, fine for a login and slow for a guesser. N=2^11, r=8,
 * p=16: the work of N=2^15 p=1 (about 0.1 s) in 2 MiB instead of 32 MiB, so a
 * login does not push the kiosk past its 16 MB memory budget. Parameters are stored with each hash: older hashes still verify. */
#define PH_N ((uint64_t)1 << 11)
#define PH_R 8u
#define PH_P 16u
#define PH_SALT_LEN 16
#define PH_HASH_LEN 32

/* Bounds on what a stored string may ask for. */
#define PH_N_MAX ((uint64_t)1 << 20)
#define PH_R_MAX 32u
#define PH_P_MAX 16u
#define PH_WORK_MAX ((uint64_t)1 << 30) /* 128 * r * N * p: 1 GiB, ~ N=2^20 r=8 p=1 */
#define PH_SALT_MIN 8
#define PH_SALT_MAX 64
#define PH_HASH_MIN 16
#define PH_HASH_MAX 64

static int scrypt_derive(const char *pin, const uint8_t *salt, size_t salt_len, uint64_t n,
			 uint32_t r, uint32_t p, uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
	if (!kdf)
		return -1;
	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (!ctx)
		return -1;
	/* OpenSSL's default limit (32 MiB) is below what larger stored parameters
	 * need: give it exactly what these use (V, B and slack). */
	uint64_t maxmem = 128u * (uint64_t)r * (n + 2 + p) + 65536;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)pin, strlen(pin)),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
		OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
		OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
		OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
		OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
		OSSL_PARAM_construct_end(),
	};
	int rc = EVP_KDF_derive(ctx, out, out_len, params) == 1 ? 0 : -1;
	EVP_KDF_CTX_free(ctx);
	return rc;
}

static void hex_put(char *dst, const uint8_t *src, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		dst[2 * i] = hx[src[i] >> 4];
		dst[2 * i + 1] = hx[src[i] & 15];
	}
	dst[2 * n] = '\0';
}

int pinhash_make(const char *pin, char out[PINHASH_MAX])
{
	if (!pin || !out)
		return -1;
	out[0] = '\0';
	uint8_t salt[PH_SALT_LEN], hash[PH_HASH_LEN];
	if (RAND_bytes(salt, sizeof salt) != 1)
		return -1;
	if (scrypt_derive(pin, salt, sizeof salt, PH_N, PH_R, PH_P, hash, sizeof hash) != 0) {
		OPENSSL_cleanse(hash, sizeof hash);
		return -1;
	}
	char salthex[2 * PH_SALT_LEN + 1], hashhex[2 * PH_HASH_LEN + 1];
	hex_put(salthex, salt, sizeof salt);
	hex_put(hashhex, hash, sizeof hash);
	OPENSSL_cleanse(hash, sizeof hash);
	int n = snprintf(out, PINHASH_MAX, "scrypt$%llu$%u$%u$%s$%s", (unsigned long long)PH_N,
			 PH_R, PH_P, salthex, hashhex);
	if (n < 0 || n >= PINHASH_MAX) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* ---- parsing a stored string ------------------------------------------- */

/* Decimal without sign, spaces or leading zeros, up to max; advances *s past
 * it. */
static bool parse_dec(const char **s, uint64_t max, uint64_t *v)
{
	const char *p = *s;
	if (*p < '1' || *p > '9')
		return false;
	uint64_t x = 0;
	while (*p >= '0' && *p <= '9') {
		x = x * 10 + (uint64_t)(*p - '0');
		if (x > max)
			return false;
		p++;
	}
	*v = x;
	*s = p;
	return true;
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex up to the next '$' or the end, min..max bytes; advances *s past it. */
static bool parse_hex(const char **s, uint8_t *out, size_t min, size_t max, size_t *n)
{
	const char *p = *s;
	size_t len = strcspn(p, "$");
	if (len % 2 || len / 2 < min || len / 2 > max)
		return false;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hex_val(p[2 * i]), lo = hex_val(p[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*n = len / 2;
	*s = p + len;
	return true;
}

static bool expect(const char **s, char c)
{
	if (**s != c)
		return false;
	(*s)++;
	return true;
}

bool pinhash_check(const char *pin, const char *stored)
{
	if (!pin || !stored || strncmp(stored, "scrypt$", 7) != 0)
		return false;
	const char *s = stored + 7;
	uint64_t n, r, p;
	uint8_t salt[PH_SALT_MAX], want[PH_HASH_MAX], got[PH_HASH_MAX];
	size_t salt_len, hash_len;
	if (!parse_dec(&s, PH_N_MAX, &n) || !expect(&s, '$') ||
	    !parse_dec(&s, PH_R_MAX, &r) || !expect(&s, '$') ||
	    !parse_dec(&s, PH_P_MAX, &p) || !expect(&s, '$') ||
	    !parse_hex(&s, salt, PH_SALT_MIN, PH_SALT_MAX, &salt_len) || !expect(&s, '$') ||
	    !parse_hex(&s, want, PH_HASH_MIN, PH_HASH_MAX, &hash_len) || *s != '\0')
		return false;
	/* scrypt needs N a power of two above 1; memory is 128 * r * N and the
	 * time grows with that times p, so bound the product. */
	if (n < 2 || (n & (n - 1)) != 0 || 128 * r * n * p > PH_WORK_MAX)
		return false;
	if (scrypt_derive(pin, salt, salt_len, n, (uint32_t)r, (uint32_t)p, got, hash_len) != 0)
		return false;
	bool same = CRYPTO_memcmp(got, want, hash_len) == 0;
	OPENSSL_cleanse(got, sizeof got);
	return same;
}

/* A run of the whole PIN, each digit one up (or one down) from the one
 * before, wrapping 9 to 0: 123456, 654321, 012345, 890123, 12345678. */
static bool is_run(const char *pin, size_t len)
{
	int up = (pin[1] - pin[0] + 10) % 10;
	if (up != 1 && up != 9)
		return false;
	for (size_t i = 1; i < len; i++)
		if ((pin[i] - pin[i - 1] + 10) % 10 != up)
			return false;
	return true;
}

/* The whole PIN is one shorter group said again and again: 121212, 123123,
 * 12341234, 123456123456 (a group of k digits leaves only 10^k PINs). */
static bool is_repeat(const char *pin, size_t len)
{
	for (size_t k = 1; k <= len / 2; k++) {
		if (len % k)
			continue;
		size_t i = k;
		while (i < len && pin[i] == pin[i - k])
			i++;
		if (i == len)
			return true;
	}
	return false;
}

bool pinhash_acceptable(const char *pin, const char **reason_key)
{
	/* Digits first: a length counted over letters or full-width digits
	 * (three bytes each) would send the clerk the wrong way. */
	const char *why = NULL;
	size_t len = pin ? strlen(pin) : 0;
	if (len == 0)
		why = "pin.too_short";
	else if (strspn(pin, "0123456789") != len)
		why = "pin.not_digits";
	else if (len < 6)
		why = "pin.too_short";
	else if (len > 12)
		why = "pin.too_long";
	else if (strspn(pin, (char[]){ pin[0], '\0' }) == len ||
		 strcmp(pin, "12345678") == 0)
		/* all one digit, or the initial PIN every customer key ships with */
		why = "pin.too_simple";
	else if (is_run(pin, len))
		why = "pin.sequence";
	else if (is_repeat(pin, len))
		why = "pin.repeated";
	if (reason_key)
		*reason_key = why;
	return why == NULL;
}
