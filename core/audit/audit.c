/* audit: canonical encoding and SHA-256 of one audit row (see audit.h).
 *
 * canonical(row) = seq (8 bytes big-endian, two's complement)
 *                  at_ms (8 bytes big-endian, two's complement)
 *                  actor, action, case_no, detail: each a 4-byte big-endian
 *                    byte length then the bytes (NULL is the empty string)
 *                  prev (32 bytes)
 * Length prefixes make the encoding unambiguous: ("ab","c") and ("a","bc")
 * hash differently.
 *
 * Verifying the chain hashes every row of the log, so the hasher keeps one
 * EVP_MD (fetched once: a fetch per row costs a lock and a lookup) and one
 * EVP_MD_CTX, and feeds the fields straight from the row without building a
 * buffer. */
#include "core/audit/audit.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

struct audit_hasher {
	EVP_MD *md;
	EVP_MD_CTX *ctx;
};

audit_hasher *audit_hasher_new(void)
{
	audit_hasher *h = calloc(1, sizeof *h);
	if (!h)
		return NULL;
	h->md = EVP_MD_fetch(NULL, "SHA256", NULL);
	h->ctx = EVP_MD_CTX_new();
	if (!h->md || !h->ctx) {
		audit_hasher_free(h);
		return NULL;
	}
	return h;
}

void audit_hasher_free(audit_hasher *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
	free(h);
}

static void be64(uint8_t b[8], int64_t v)
{
	uint64_t u = (uint64_t)v;
	for (int i = 7; i >= 0; i--) {
		b[i] = (uint8_t)(u & 0xff);
		u >>= 8;
	}
}

static int put_str(EVP_MD_CTX *ctx, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n > UINT32_MAX)
		return -1;
	uint8_t len[4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n };
	if (EVP_DigestUpdate(ctx, len, sizeof len) != 1)
		return -1;
	return n == 0 || EVP_DigestUpdate(ctx, s, n) == 1 ? 0 : -1;
}

int audit_hash(audit_hasher *h, const audit_row *row, uint8_t out[AUDIT_HASH_LEN])
{
	if (!h || !row || !out)
		return -1;
	uint8_t nums[16];
	be64(nums, row->seq);
	be64(nums + 8, row->at_ms);
	unsigned int outlen = 0;
	if (EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1 ||
	    EVP_DigestUpdate(h->ctx, nums, sizeof nums) != 1 ||
	    put_str(h->ctx, row->actor) != 0 || put_str(h->ctx, row->action) != 0 ||
	    put_str(h->ctx, row->case_no) != 0 || put_str(h->ctx, row->detail) != 0 ||
	    EVP_DigestUpdate(h->ctx, row->prev, AUDIT_HASH_LEN) != 1 ||
	    EVP_DigestFinal_ex(h->ctx, out, &outlen) != 1 || outlen != AUDIT_HASH_LEN)
		return -1;
	return 0;
}

int audit_digest(audit_hasher *h, const audit_part *parts, size_t n, uint8_t out[AUDIT_HASH_LEN])
{
	if (!h || (!parts && n) || !out)
		return -1;
	unsigned int outlen = 0;
	if (EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (parts[i].n && EVP_DigestUpdate(h->ctx, parts[i].p, parts[i].n) != 1)
			return -1;
	if (EVP_DigestFinal_ex(h->ctx, out, &outlen) != 1 || outlen != AUDIT_HASH_LEN)
		return -1;
	return 0;
}

const char *audit_hex(const uint8_t h[AUDIT_HASH_LEN], char *buf)
{
	static const char hx[] = "0123456789abcdef";
	for (int i = 0; i < AUDIT_HASH_LEN; i++) {
		buf[2 * i] = hx[h[i] >> 4];
		buf[2 * i + 1] = hx[h[i] & 15];
	}
	buf[2 * AUDIT_HASH_LEN] = '\0';
	return buf;
}

static int hexdig(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool audit_unhex(const char *hex, uint8_t out[AUDIT_HASH_LEN])
{
	if (!hex || !out)
		return false;
	uint8_t tmp[AUDIT_HASH_LEN];
	for (int i = 0; i < AUDIT_HASH_LEN; i++) {
		/* hi is checked before reading lo so a short string stops at its NUL */
		int hi = hexdig(hex[2 * i]);
		if (hi < 0)
			return false;
		int lo = hexdig(hex[2 * i + 1]);
		if (lo < 0)
			return false;
		tmp[i] = (uint8_t)(hi << 4 | lo);
	}
	if (hex[2 * AUDIT_HASH_LEN] != '\0')
		return false;
	memcpy(out, tmp, sizeof tmp);
	return true;
}
