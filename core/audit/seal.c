/* seal: epoch keys that evolve one way, checkpoint tags, the verification
 * key's text, and the key file (core/audit/seal.h). */
#include "core/audit/seal.h"

#include "core/base/protect.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

static const char EVOLVE_LABEL[] = "kiosk-seal-evolve";
static const char TAG_LABEL[] = "kiosk-seal-v1";
static const char FILE_MAGIC[] = "kiosk-seal-key 1";

int64_t seal_epoch_of(const seal_params *p, int64_t t_ms)
{
	int64_t d = t_ms - p->t0_ms;
	int64_t q = d / p->interval_ms;
	if (d % p->interval_ms != 0 && d < 0)
		q--; /* floor, not truncation: a moment before t0 is epoch -1 or less */
	return q;
}

static void put_be64(uint8_t *b, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		b[i] = (uint8_t)v;
}

int seal_evolve(uint8_t key[SEAL_KEY_LEN], int64_t e)
{
	uint8_t msg[sizeof EVOLVE_LABEL - 1 + 8], next[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	memcpy(msg, EVOLVE_LABEL, sizeof EVOLVE_LABEL - 1);
	put_be64(msg + sizeof EVOLVE_LABEL - 1, (uint64_t)e);
	if (!HMAC(EVP_sha256(), key, SEAL_KEY_LEN, msg, sizeof msg, next, &len) ||
	    len != SEAL_KEY_LEN) {
		OPENSSL_cleanse(next, sizeof next);
		return -1;
	}
	OPENSSL_cleanse(key, SEAL_KEY_LEN);
	memcpy(key, next, SEAL_KEY_LEN);
	OPENSSL_cleanse(next, sizeof next);
	return 0;
}

int seal_derive(const uint8_t k0[SEAL_KEY_LEN], int64_t epoch, uint8_t out[SEAL_KEY_LEN])
{
	if (epoch < 0)
		return -1;
	memcpy(out, k0, SEAL_KEY_LEN);
	for (int64_t e = 0; e < epoch; e++)
		if (seal_evolve(out, e)) {
			OPENSSL_cleanse(out, SEAL_KEY_LEN);
			return -1;
		}
	return 0;
}

/* Length-prefixed fields, so no two records share a canonical form. */
static void canon_add(uint8_t *buf, size_t *off, const void *p, size_t n)
{
	put_be64(buf + *off, (uint64_t)n);
	memcpy(buf + *off + 8, p, n);
	*off += 8 + n;
}

static void canon_i64(uint8_t *buf, size_t *off, int64_t v)
{
	uint8_t b[8];
	put_be64(b, (uint64_t)v);
	canon_add(buf, off, b, 8);
}

int seal_tag(const uint8_t key[SEAL_KEY_LEN], const seal_record *r, uint8_t tag[SEAL_TAG_LEN])
{
	const char *kid = r->kiosk_id ? r->kiosk_id : "";
	size_t klen = strlen(kid);
	if (klen > 64)
		return -1;
	uint8_t buf[8 * 16 + sizeof TAG_LABEL + 32 + 64 + 8 * 6];
	size_t off = 0;
	canon_add(buf, &off, TAG_LABEL, sizeof TAG_LABEL - 1);
	canon_i64(buf, &off, r->epoch);
	canon_i64(buf, &off, r->first_seq);
	canon_i64(buf, &off, r->last_seq);
	canon_i64(buf, &off, r->row_count);
	canon_add(buf, &off, r->head, sizeof r->head);
	canon_i64(buf, &off, r->at_ms);
	canon_add(buf, &off, kid, klen);
	unsigned int len = 0;
	uint8_t md[EVP_MAX_MD_SIZE];
	if (!HMAC(EVP_sha256(), key, SEAL_KEY_LEN, buf, off, md, &len) || len != SEAL_TAG_LEN)
		return -1;
	memcpy(tag, md, SEAL_TAG_LEN);
	return 0;
}

bool seal_tag_check(const uint8_t key[SEAL_KEY_LEN], const seal_record *r,
		    const uint8_t tag[SEAL_TAG_LEN])
{
	uint8_t want[SEAL_TAG_LEN];
	return seal_tag(key, r, want) == 0 && CRYPTO_memcmp(want, tag, SEAL_TAG_LEN) == 0;
}

int seal_vkey_format(const uint8_t k0[SEAL_KEY_LEN], const seal_params *p, char *buf, size_t n)
{
	size_t off = 0;
	for (int i = 0; i < SEAL_KEY_LEN; i++) {
		if (i && i % 4 == 0) {
			if (off + 1 >= n)
				return -1;
			buf[off++] = '-';
		}
		if (off + 2 >= n)
			return -1;
		snprintf(buf + off, 3, "%02x", k0[i]);
		off += 2;
	}
	int w = snprintf(buf + off, n - off, "/%" PRId64 "-%" PRId64, p->t0_ms / 1000,
			 p->interval_ms / 1000);
	return w < 0 || (size_t)w >= n - off ? -1 : 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A decimal number of 1-15 digits at *s, advanced past it. */
static bool parse_dec(const char **s, int64_t *out)
{
	int64_t v = 0;
	int digits = 0;
	while (**s >= '0' && **s <= '9' && digits < 16) {
		v = v * 10 + (**s - '0');
		(*s)++;
		digits++;
	}
	*out = v;
	return digits >= 1 && digits <= 15;
}

bool seal_vkey_parse(const char *text, uint8_t k0[SEAL_KEY_LEN], seal_params *p)
{
	if (!text)
		return false;
	const char *s = text;
	uint8_t k[SEAL_KEY_LEN];
	int nib = 0;
	while (*s && *s != '/') {
		if (*s == '-') {
			s++;
			continue;
		}
		int v = hexval(*s++);
		if (v < 0 || nib >= 2 * SEAL_KEY_LEN) {
			OPENSSL_cleanse(k, sizeof k);
			return false;
		}
		if (nib % 2 == 0)
			k[nib / 2] = (uint8_t)(v << 4);
		else
			k[nib / 2] |= (uint8_t)v;
		nib++;
	}
	int64_t t0, iv;
	bool ok = nib == 2 * SEAL_KEY_LEN && *s == '/';
	if (ok) {
		s++;
		ok = parse_dec(&s, &t0) && *s++ == '-' && parse_dec(&s, &iv) && *s == '\0' &&
		     iv >= 1 && iv <= 366LL * 86400;
	}
	if (ok) {
		memcpy(k0, k, SEAL_KEY_LEN);
		p->t0_ms = t0 * 1000;
		p->interval_ms = iv * 1000;
	}
	OPENSSL_cleanse(k, sizeof k);
	return ok;
}

int seal_default_path(const char *data_dir, char *buf, size_t n, kerr *err)
{
	if (snprintf(buf, n, "%s/%s", data_dir, SEAL_FILE) >= (int)n)
		return kerr_set(err, data_dir, "the path is too long");
	return 0;
}

/* The file's text for st into buf (cleansed by the caller). */
static int state_text(const seal_state *st, char *buf, size_t n)
{
	char hex[2 * SEAL_KEY_LEN + 1];
	for (int i = 0; i < SEAL_KEY_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", st->key[i]);
	int w = snprintf(buf, n, "%s\nepoch %" PRId64 "\nt0_ms %" PRId64 "\ninterval_ms %" PRId64
			 "\nkey %s\n", FILE_MAGIC, st->epoch, st->p.t0_ms, st->p.interval_ms, hex);
	OPENSSL_cleanse(hex, sizeof hex);
	return w < 0 || (size_t)w >= n ? -1 : w;
}

static int save(const char *path, const seal_state *st, bool replace, kerr *err)
{
	char text[512];
	int len = state_text(st, text, sizeof text);
	int rc = len < 0 ? kerr_set(err, path, "the seal state does not fit")
			 : protect_write(path, text, (size_t)len, 0600, replace, err);
	OPENSSL_cleanse(text, sizeof text);
	return rc;
}

int seal_state_create(const char *path, const seal_params *p, uint8_t k0[SEAL_KEY_LEN], kerr *err)
{
	if (p->interval_ms < 1000 || p->interval_ms % 1000 || p->t0_ms % 1000)
		return kerr_set(err, path, "the seal interval must be whole seconds, at least one");
	seal_state st = { .epoch = 0, .p = *p };
	if (RAND_bytes(st.key, SEAL_KEY_LEN) != 1)
		return kerr_set(err, path, "no random bytes for the seal key (OpenSSL)");
	int rc = save(path, &st, false, err);
	if (rc == 0)
		memcpy(k0, st.key, SEAL_KEY_LEN);
	seal_state_wipe(&st);
	return rc;
}

int seal_state_load(const char *path, seal_state *st, kerr *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return kerr_set(err, path, errno == ENOENT
				? "no seal key: sealing is not set up (kioskctl audit seal-init)"
				: "cannot open the seal key: %s", strerror(errno));
	struct stat sb;
	char text[512];
	ssize_t n = -1;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && !(sb.st_mode & 077))
		n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n < 0) {
		return kerr_set(err, path, "the seal key must be a regular file that only its owner "
				"may read (chmod 600 %s)", path);
	}
	text[n] = '\0';
	char magic[32], hex[2 * SEAL_KEY_LEN + 2];
	long long e, t0, iv;
	int got = sscanf(text, "%31[^\n]\nepoch %lld\nt0_ms %lld\ninterval_ms %lld\nkey %65s",
			 magic, &e, &t0, &iv, hex);
	bool ok = got == 5 && strcmp(magic, FILE_MAGIC) == 0 && e >= 0 && iv >= 1000 &&
		  strlen(hex) == 2 * SEAL_KEY_LEN;
	for (int i = 0; ok && i < SEAL_KEY_LEN; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		ok = hi >= 0 && lo >= 0;
		st->key[i] = (uint8_t)(hi << 4 | lo);
	}
	OPENSSL_cleanse(text, sizeof text);
	OPENSSL_cleanse(hex, sizeof hex);
	if (!ok) {
		seal_state_wipe(st);
		return kerr_set(err, path, "not a seal key file of this kiosk");
	}
	st->epoch = e;
	st->p.t0_ms = t0;
	st->p.interval_ms = iv;
	return 0;
}

int seal_state_advance(const char *path, seal_state *st, kerr *err)
{
	return seal_state_advance_to(path, st, st->epoch + 1, err);
}

int seal_state_advance_to(const char *path, seal_state *st, int64_t epoch, kerr *err)
{
	if (epoch <= st->epoch)
		return kerr_set(err, path, "the seal key only moves forward (epoch %lld to %lld)",
				(long long)st->epoch, (long long)epoch);
	seal_state next = *st;
	for (; next.epoch < epoch; next.epoch++)
		if (seal_evolve(next.key, next.epoch)) {
			seal_state_wipe(&next);
			return kerr_set(err, path, "cannot evolve the seal key (OpenSSL)");
		}
	if (save(path, &next, true, err)) {
		seal_state_wipe(&next);
		return -1;
	}
	seal_state_wipe(st);
	*st = next;
	seal_state_wipe(&next);
	return 0;
}

void seal_state_wipe(seal_state *st)
{
	OPENSSL_cleanse(st, sizeof *st);
}
