/* kioskkey: the kiosk's Ed25519 signing key (see kioskkey.h). Files are
 * written whole under a temporary name, synced and renamed; the private key
 * is never replaced once in place, because every anchor it signed would stop
 * verifying. Buffers that held the secret are wiped. */
#include "core/audit/kioskkey.h"

#include "core/base/protect.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define KEYFILE_MAX (16 * 1024)

struct kioskkey {
	EVP_PKEY *pkey;
	bool priv;
	char id[KIOSKKEY_ID_HEX + 1];
};

int kioskkey_default_path(const char *data_dir, char *buf, size_t n, kerr *err)
{
	if (!data_dir || !*data_dir)
		return kerr_set(err, "kiosk key", "no data directory: set data_dir in kiosk.ini "
				"or give the key file with --key FILE");
	if (snprintf(buf, n, "%s/%s", data_dir, KIOSKKEY_FILE) >= (int)n)
		return kerr_set(err, data_dir, "the data directory's path is too long");
	return 0;
}

int kioskkey_pub_path(const char *key_path, char *buf, size_t n, kerr *err)
{
	size_t len = key_path ? strlen(key_path) : 0;
	if (len == 0)
		return kerr_set(err, "kiosk key", "no key file given");
	char src[4096]; /* buf may be key_path itself */
	if (len >= sizeof src)
		return kerr_set(err, "kiosk key", "the key file's path is too long");
	memcpy(src, key_path, len + 1);
	if (len >= 4 && strcmp(src + len - 4, ".pem") == 0)
		len -= 4;
	if (snprintf(buf, n, "%.*s.pub.pem", (int)len, src) >= (int)n)
		return kerr_set(err, src, "the key file's path is too long");
	return 0;
}

void kioskkey_free(kioskkey *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

bool kioskkey_has_private(const kioskkey *k)
{
	return k && k->priv;
}

const char *kioskkey_id(const kioskkey *k)
{
	return k ? k->id : "";
}

/* The key id: SHA-256 of the SubjectPublicKeyInfo DER, lower-case hex. */
static int compute_id(kioskkey *k)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k->pkey, &der);
	if (n <= 0)
		return -1;
	unsigned char md[32];
	unsigned int mdlen = 0;
	int ok = EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == 32;
	OPENSSL_free(der);
	if (!ok)
		return -1;
	static const char hx[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) {
		k->id[2 * i] = hx[md[i] >> 4];
		k->id[2 * i + 1] = hx[md[i] & 15];
	}
	k->id[KIOSKKEY_ID_HEX] = '\0';
	return 0;
}

static kioskkey *wrap(EVP_PKEY *pkey, bool priv, const char *path, kerr *err)
{
	kioskkey *k = calloc(1, sizeof *k);
	if (!k) {
		EVP_PKEY_free(pkey);
		kerr_set(err, path, "out of memory loading the kiosk key");
		return NULL;
	}
	k->pkey = pkey;
	k->priv = priv;
	if (compute_id(k) != 0) {
		kioskkey_free(k);
		kerr_set(err, path, "cannot compute the key id (OpenSSL)");
		return NULL;
	}
	return k;
}

/* Never ask for a pass phrase: an encrypted key file is simply refused. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0;
}

/* The whole file into a malloc'd buffer, at most KEYFILE_MAX bytes. For a
 * secret the open file must be a regular file group and others cannot read. */
static char *read_key_file(const char *path, bool secret, size_t *len, kerr *err)
{
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		kerr_set(err, path, "cannot open the kiosk key file: %s", strerror(errno));
		return NULL;
	}
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		kerr_set(err, path, "not a regular file: give the key file itself");
		return NULL;
	}
	if (secret && (sb.st_mode & (S_IRWXG | S_IRWXO))) {
		close(fd);
		kerr_set(err, path, "the kiosk's private key may be read by group or others (mode "
			 "%03o): only the kiosk user may read it; run chmod 600 %s",
			 (unsigned)(sb.st_mode & 0777), path);
		return NULL;
	}
	if (sb.st_size <= 0 || sb.st_size > KEYFILE_MAX) {
		close(fd);
		kerr_set(err, path, "the key file has %lld bytes; a PEM key has 1 to %d",
			 (long long)sb.st_size, KEYFILE_MAX);
		return NULL;
	}
	size_t cap = (size_t)sb.st_size;
	char *buf = malloc(cap + 1);
	size_t got = 0;
	while (buf && got < cap) {
		ssize_t r = read(fd, buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (!buf || got != cap) {
		kerr_set(err, path, "cannot read the key file: %s", buf ? "short read" : "out of memory");
		if (buf)
			OPENSSL_cleanse(buf, cap);
		free(buf);
		return NULL;
	}
	buf[cap] = '\0';
	*len = cap;
	return buf;
}

static void free_secret(char *buf, size_t len)
{
	if (buf)
		OPENSSL_cleanse(buf, len);
	free(buf);
}

static bool is_ed25519(const EVP_PKEY *p)
{
	return EVP_PKEY_is_a(p, "ED25519") == 1;
}

/* A key as PEM text (private: PKCS#8 "PRIVATE KEY"; else "PUBLIC KEY"). */
static char *pem_of(EVP_PKEY *pkey, bool priv, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out = NULL;
	if (b && (priv ? PEM_write_bio_PrivateKey(b, pkey, NULL, NULL, 0, NULL, NULL)
		       : PEM_write_bio_PUBKEY(b, pkey)) == 1) {
		char *p = NULL;
		long n = BIO_get_mem_data(b, &p);
		out = n > 0 ? malloc((size_t)n + 1) : NULL;
		if (out) {
			memcpy(out, p, (size_t)n);
			out[n] = '\0';
			*len = (size_t)n;
		}
		/* the memory BIO held the secret too */
		if (priv && n > 0)
			OPENSSL_cleanse(p, (size_t)n);
	}
	BIO_free(b);
	return out;
}

/* Make sure the public key file holds k's public key. */
static int publish_public(const kioskkey *k, const char *key_path, kerr *err)
{
	char pub[4200];
	if (kioskkey_pub_path(key_path, pub, sizeof pub, err))
		return -1;
	size_t len = 0;
	char *pem = pem_of(k->pkey, false, &len);
	if (!pem)
		return kerr_set(err, pub, "cannot encode the public key (OpenSSL)");
	size_t have = 0;
	kerr ignore = { 0 };
	char *old = read_key_file(pub, false, &have, &ignore);
	int rc = 0;
	if (!old || have != len || memcmp(old, pem, len) != 0)
		rc = protect_write(pub, pem, len, 0644, true, err) < 0 ? -1 : 0;
	free(old);
	free(pem);
	return rc;
}

static kioskkey *load_private(const char *path, kerr *err)
{
	size_t len = 0;
	char *buf = read_key_file(path, true, &len, err);
	if (!buf)
		return NULL;
	BIO *b = BIO_new_mem_buf(buf, (int)len);
	EVP_PKEY *pkey = b ? PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL) : NULL;
	BIO_free(b);
	free_secret(buf, len);
	if (!pkey) {
		ERR_clear_error();
		kerr_set(err, path, "not a PEM private key (or one protected by a pass phrase): "
			 "restore the kiosk key from its backup, or move the file away so a new "
			 "key is made");
		return NULL;
	}
	if (!is_ed25519(pkey)) {
		EVP_PKEY_free(pkey);
		kerr_set(err, path, "the kiosk key must be an Ed25519 key; this file holds another "
			 "kind");
		return NULL;
	}
	return wrap(pkey, true, path, err);
}

static int create_key(const char *path, kerr *err)
{
	char dir[4096];
	protect_dir_of(path, dir, sizeof dir);
	if (protect_mkdirs(dir, err))
		return -1;
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!pkey)
		return kerr_set(err, path, "cannot make an Ed25519 key (OpenSSL)");
	size_t len = 0;
	char *pem = pem_of(pkey, true, &len);
	EVP_PKEY_free(pkey);
	if (!pem)
		return kerr_set(err, path, "cannot encode the new key (OpenSSL)");
	int rc = protect_write(path, pem, len, 0600, false, err);
	free_secret(pem, len);
	return rc < 0 ? -1 : 0;
}

kioskkey *kioskkey_load_or_create(const char *path, kerr *err)
{
	if (!path || !*path) {
		kerr_set(err, "kiosk key", "no key file given");
		return NULL;
	}
	struct stat sb;
	if (stat(path, &sb) != 0) {
		if (errno != ENOENT) {
			kerr_set(err, path, "cannot use the kiosk key file: %s", strerror(errno));
			return NULL;
		}
		if (create_key(path, err))
			return NULL;
	}
	kioskkey *k = load_private(path, err);
	if (k && publish_public(k, path, err)) {
		kioskkey_free(k);
		return NULL;
	}
	return k;
}

kioskkey *kioskkey_load_public(const char *path, kerr *err)
{
	if (!path || !*path) {
		kerr_set(err, "kiosk key", "no public key file given");
		return NULL;
	}
	size_t len = 0;
	char *buf = read_key_file(path, false, &len, err);
	if (!buf)
		return NULL;
	BIO *b = BIO_new_mem_buf(buf, (int)len);
	EVP_PKEY *pkey = b ? PEM_read_bio_PUBKEY(b, NULL, no_passphrase, NULL) : NULL;
	BIO_free(b);
	free(buf);
	if (!pkey) {
		ERR_clear_error();
		kerr_set(err, path, "not a PEM public key (\"BEGIN PUBLIC KEY\"); use the "
			 "kiosk-key.pub.pem written beside the kiosk key");
		return NULL;
	}
	if (!is_ed25519(pkey)) {
		EVP_PKEY_free(pkey);
		kerr_set(err, path, "the kiosk key must be an Ed25519 key; this file holds another "
			 "kind");
		return NULL;
	}
	return wrap(pkey, false, path, err);
}

int kioskkey_sign(const kioskkey *k, const void *msg, size_t len, uint8_t *sig,
		  size_t *sig_len, kerr *err)
{
	*sig_len = 0;
	if (!k || !k->priv)
		return kerr_set(err, "kiosk key", "only the private key can sign: load "
				"kiosk-key.pem, not the public key");
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t n = KIOSKKEY_SIG_MAX;
	/* Ed25519 signs the message itself (no separate digest): md is NULL */
	int ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
		 EVP_DigestSign(ctx, sig, &n, msg, len) == 1 && n > 0 && n <= KIOSKKEY_SIG_MAX;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return kerr_set(err, "kiosk key", "signing failed (OpenSSL)");
	*sig_len = n;
	return 0;
}

bool kioskkey_verify(const kioskkey *k, const void *msg, size_t len, const uint8_t *sig,
		     size_t sig_len)
{
	if (!k || !sig || sig_len == 0 || sig_len > KIOSKKEY_SIG_MAX)
		return false;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
		  EVP_DigestVerify(ctx, sig, sig_len, msg, len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		ERR_clear_error();
	return ok;
}
