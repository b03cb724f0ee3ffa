/* wxsign: WeChat Pay API v3 signing and verification (see wxsign.h). Only
 * OpenSSL's EVP interface; no global state. Secret bytes are wiped after use
 * and no error message ever quotes a file's contents. */
#include "core/pay/wxsign.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#define SECRET_MAX  (64 * 1024)
#define PUBLIC_MAX  (64 * 1024)
#define MIN_RSA_BITS 2048

/* ---- secret files ---- */

static int check_mode(const struct stat *sb, const char *path, const char *what, kerr *err)
{
	if (!S_ISREG(sb->st_mode))
		return kerr_set(err, path, "%s: not a regular file; point %s at the key file itself",
				what, what);
	if (sb->st_mode & (S_IRWXG | S_IRWXO))
		return kerr_set(err, path, "%s: the file may be read by group or others (mode %03o); "
				"a secret must be readable by the kiosk user only: run chmod 600 %s",
				what, (unsigned)(sb->st_mode & 0777), path);
	return 0;
}

int wx_secret_file_check(const char *path, const char *what, kerr *err)
{
	struct stat sb;
	if (!path || !path[0])
		return kerr_set(err, what, "no file given; set %s in kiosk.ini [payment]", what);
	if (stat(path, &sb) != 0)
		return kerr_set(err, path, "%s: cannot use the file (%s); put the merchant's file "
				"there, owned by the kiosk user, mode 600", what, strerror(errno));
	return check_mode(&sb, path, what, err);
}

unsigned char *wx_secret_read(const char *path, const char *what, size_t max, size_t *len,
			      kerr *err)
{
	*len = 0;
	if (wx_secret_file_check(path, what, err) != 0)
		return NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		kerr_set(err, path, "%s: cannot open (%s)", what, strerror(errno));
		return NULL;
	}
	struct stat sb;
	/* Checked again on the open file: the name may have changed since. */
	if (fstat(fd, &sb) != 0 || check_mode(&sb, path, what, err) != 0) {
		if (err && !err->msg[0])
			kerr_set(err, path, "%s: cannot examine the file", what);
		close(fd);
		return NULL;
	}
	if (sb.st_size <= 0 || (size_t)sb.st_size > max) {
		kerr_set(err, path, "%s: the file has %lld bytes; expected 1 to %zu", what,
			 (long long)sb.st_size, max);
		close(fd);
		return NULL;
	}
	size_t cap = (size_t)sb.st_size;
	unsigned char *buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		kerr_set(err, path, "%s: out of memory", what);
		return NULL;
	}
	size_t n = 0;
	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n != cap) {
		wx_secret_free(buf, cap + 1);
		kerr_set(err, path, "%s: could not read the whole file", what);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

void wx_secret_free(unsigned char *p, size_t len)
{
	if (!p)
		return;
	OPENSSL_cleanse(p, len);
	free(p);
}

/* Never prompt for a pass phrase: an encrypted key is refused. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

EVP_PKEY *wx_private_key_load(const char *path, const char *what, kerr *err)
{
	size_t len = 0;
	unsigned char *pem = wx_secret_read(path, what, SECRET_MAX, &len, err);
	if (!pem)
		return NULL;
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, no_password, NULL) : NULL;
	BIO_free(b);
	wx_secret_free(pem, len + 1);
	ERR_clear_error();
	if (!k) {
		kerr_set(err, path, "%s: not an unencrypted PEM private key (expected the "
			 "merchant's apiclient_key.pem)", what);
		return NULL;
	}
	if (!EVP_PKEY_is_a(k, "RSA") || EVP_PKEY_get_bits(k) < MIN_RSA_BITS) {
		kerr_set(err, path, "%s: WeChat Pay v3 needs an RSA key of at least %d bits "
			 "(this one is %s, %d bits)", what, MIN_RSA_BITS,
			 EVP_PKEY_is_a(k, "RSA") ? "RSA" : "not RSA", EVP_PKEY_get_bits(k));
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

int wx_apiv3_key_check(const char *path, const char *what, kerr *err)
{
	size_t len = 0;
	unsigned char *v = wx_secret_read(path, what, 64, &len, err);
	if (!v)
		return -1;
	size_t n = len;
	while (n > 0 && (v[n - 1] == '\n' || v[n - 1] == '\r'))
		n--;
	bool printable = true;
	for (size_t i = 0; i < n; i++)
		if (v[i] < 0x21 || v[i] > 0x7e)
			printable = false;
	wx_secret_free(v, len + 1);
	if (n != 32 || !printable)
		return kerr_set(err, path, "%s: an APIv3 key is 32 printable characters on one "
				"line; this file holds %zu%s", what, n,
				printable ? "" : " with spaces or control characters");
	return 0;
}

/* ---- base64 ---- */

static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict standard base64 (padding required, no spaces) into out; -1 if not. */
static long b64_decode(const char *s, unsigned char *out, size_t cap)
{
	size_t n = strlen(s);
	if (n == 0 || n % 4 != 0 || n / 4 * 3 > cap)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		int pad = 0;
		for (int j = 0; j < 4; j++) {
			unsigned char c = (unsigned char)s[i + j];
			if (c == '=' && i + 4 == n && j >= 2) {
				v[j] = 0;
				pad++;
				continue;
			}
			if (pad)
				return -1; /* data after '=' */
			v[j] = b64_value(c);
			if (v[j] < 0)
				return -1;
		}
		unsigned long w = (unsigned long)v[0] << 18 | (unsigned long)v[1] << 12 |
				  (unsigned long)v[2] << 6 | (unsigned long)v[3];
		out[o++] = (unsigned char)(w >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(w >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)w;
	}
	return (long)o;
}

/* ---- signatures ---- */

int wx_sign(EVP_PKEY *key, const void *msg, size_t len, char *out, size_t n, kerr *err)
{
	if (n)
		out[0] = '\0';
	if (!key)
		return kerr_set(err, "signature", "no signing key");
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	unsigned char sig[1024];
	size_t siglen = sizeof sig;
	int ok = c && EVP_DigestSignInit(c, &pc, EVP_sha256(), NULL, key) == 1 &&
		 EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
		 EVP_DigestSign(c, NULL, &siglen, msg, len) == 1 && siglen <= sizeof sig &&
		 EVP_DigestSign(c, sig, &siglen, msg, len) == 1;
	EVP_MD_CTX_free(c);
	ERR_clear_error();
	if (!ok)
		return kerr_set(err, "signature", "SHA256withRSA signing failed (is the merchant "
				"key an RSA key?)");
	if (4 * ((siglen + 2) / 3) + 1 > n)
		return kerr_set(err, "signature", "no room for the signature");
	EVP_EncodeBlock((unsigned char *)out, sig, (int)siglen);
	return 0;
}

int wx_verify(EVP_PKEY *key, const void *msg, size_t len, const char *sig_b64, kerr *err)
{
	if (!key)
		return kerr_set(err, "signature", "no key to verify with");
	if (!sig_b64 || !sig_b64[0])
		return kerr_set(err, "signature", "no signature");
	if (strncmp(sig_b64, WX_SIGNTEST_PREFIX, strlen(WX_SIGNTEST_PREFIX)) == 0)
		return kerr_set(err, "signature", "a WeChat Pay signature probe (%s…), which is "
				"never a valid signature", WX_SIGNTEST_PREFIX);
	if (strlen(sig_b64) > WX_SIG_B64_MAX)
		return kerr_set(err, "signature", "the signature is too long");
	unsigned char sig[WX_SIG_B64_MAX];
	long sl = b64_decode(sig_b64, sig, sizeof sig);
	if (sl <= 0)
		return kerr_set(err, "signature", "the signature is not base64");
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	int ok = c && EVP_DigestVerifyInit(c, &pc, EVP_sha256(), NULL, key) == 1 &&
		 EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
		 EVP_DigestVerify(c, sig, (size_t)sl, msg, len) == 1;
	EVP_MD_CTX_free(c);
	ERR_clear_error();
	if (!ok)
		return kerr_set(err, "signature", "the SHA256withRSA signature does not match");
	return 0;
}

int wx_nonce(char out[WX_NONCE_LEN + 1])
{
	static const char alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	int k = 0;
	out[0] = '\0';
	while (k < WX_NONCE_LEN) {
		unsigned char b[WX_NONCE_LEN];
		if (RAND_bytes(b, (int)sizeof b) != 1)
			return -1;
		for (size_t i = 0; i < sizeof b && k < WX_NONCE_LEN; i++)
			if (b[i] < 252) /* 7 * 36: no bias */
				out[k++] = alphabet[b[i] % 36];
	}
	out[k] = '\0';
	return 0;
}

char *wx_request_message(const char *method, const char *url, long long ts, const char *nonce,
			 const char *body, size_t *len)
{
	if (!body)
		body = "";
	size_t n = strlen(method) + strlen(url) + strlen(nonce) + strlen(body) + 32;
	char *m = malloc(n);
	if (!m)
		return NULL;
	int w = snprintf(m, n, "%s\n%s\n%lld\n%s\n%s\n", method, url, ts, nonce, body);
	if (w < 0 || (size_t)w >= n) {
		free(m);
		return NULL;
	}
	if (len)
		*len = (size_t)w;
	return m;
}

char *wx_response_message(const char *ts, const char *nonce, const void *body, size_t body_len,
			  size_t *len)
{
	size_t a = strlen(ts), b = strlen(nonce);
	size_t n = a + b + body_len + 3;
	char *m = malloc(n + 1);
	if (!m)
		return NULL;
	memcpy(m, ts, a);
	m[a] = '\n';
	memcpy(m + a + 1, nonce, b);
	m[a + 1 + b] = '\n';
	if (body_len)
		memcpy(m + a + b + 2, body, body_len);
	m[n - 1] = '\n';
	m[n] = '\0';
	if (len)
		*len = n;
	return m;
}

/* A value that can sit between the header's quotes. */
static bool header_safe(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || s[i] == '"' ||
		    s[i] == ',' || s[i] == '\\')
			return false;
	return true;
}

int wx_authorization(EVP_PKEY *key, const char *mchid, const char *serial, const char *method,
		     const char *url, const char *body, long long ts, const char *nonce, char *out,
		     size_t n, kerr *err)
{
	if (n)
		out[0] = '\0';
	if (!header_safe(mchid, 32) || !header_safe(serial, WX_SERIAL_MAX) || !header_safe(nonce, 64))
		return kerr_set(err, "Authorization", "mchid, merchant_serial and the nonce must be "
				"printable without spaces, quotes or commas");
	size_t len = 0;
	char *msg = wx_request_message(method, url, ts, nonce, body, &len);
	if (!msg)
		return kerr_set(err, "Authorization", "out of memory");
	char sig[WX_SIG_B64_MAX + 1];
	int rc = wx_sign(key, msg, len, sig, sizeof sig, err);
	free(msg);
	if (rc != 0)
		return -1;
	int w = snprintf(out, n, "%s mchid=\"%s\",nonce_str=\"%s\",timestamp=\"%lld\","
			 "serial_no=\"%s\",signature=\"%s\"", WX_AUTH_SCHEME, mchid, nonce, ts,
			 serial, sig);
	if (w < 0 || (size_t)w >= n) {
		if (n)
			out[0] = '\0';
		return kerr_set(err, "Authorization", "no room for the header");
	}
	return 0;
}

int wx_auth_parse(const char *h, wx_auth *out, kerr *err)
{
	memset(out, 0, sizeof *out);
	if (!h)
		return kerr_set(err, "Authorization", "no Authorization header");
	size_t sl = strlen(WX_AUTH_SCHEME);
	if (strncmp(h, WX_AUTH_SCHEME, sl) != 0 || h[sl] != ' ')
		return kerr_set(err, "Authorization", "the scheme is not %s", WX_AUTH_SCHEME);
	const char *p = h + sl;
	struct {
		const char *key;
		char *dst;
		size_t cap;
		bool seen;
	} f[] = {
		{ "mchid", out->mchid, sizeof out->mchid, false },
		{ "nonce_str", out->nonce, sizeof out->nonce, false },
		{ "timestamp", out->timestamp, sizeof out->timestamp, false },
		{ "serial_no", out->serial, sizeof out->serial, false },
		{ "signature", out->signature, sizeof out->signature, false },
	};
	const size_t nf = sizeof f / sizeof f[0];
	for (;;) {
		while (*p == ' ')
			p++;
		const char *k = p;
		while ((*p >= 'a' && *p <= 'z') || *p == '_')
			p++;
		size_t kl = (size_t)(p - k);
		if (kl == 0 || p[0] != '=' || p[1] != '"')
			goto bad;
		size_t i;
		for (i = 0; i < nf; i++)
			if (strlen(f[i].key) == kl && strncmp(f[i].key, k, kl) == 0)
				break;
		if (i == nf) {
			memset(out, 0, sizeof *out);
			return kerr_set(err, "Authorization", "unknown parameter '%.*s'",
					(int)(kl > 32 ? 32 : kl), k);
		}
		if (f[i].seen) {
			memset(out, 0, sizeof *out);
			return kerr_set(err, "Authorization", "%s given twice", f[i].key);
		}
		p += 2;
		const char *v = p;
		while (*p && *p != '"') {
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				goto bad;
			p++;
		}
		if (*p != '"')
			goto bad;
		size_t vl = (size_t)(p - v);
		if (vl == 0 || vl >= f[i].cap) {
			memset(out, 0, sizeof *out);
			return kerr_set(err, "Authorization", "%s is empty or too long", f[i].key);
		}
		memcpy(f[i].dst, v, vl);
		f[i].dst[vl] = '\0';
		f[i].seen = true;
		p++;
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (*p != ',')
			goto bad;
		p++;
	}
	for (size_t i = 0; i < nf; i++) {
		if (!f[i].seen) {
			memset(out, 0, sizeof *out);
			return kerr_set(err, "Authorization", "%s is missing", f[i].key);
		}
	}
	if (strspn(out->timestamp, "0123456789") != strlen(out->timestamp)) {
		memset(out, 0, sizeof *out);
		return kerr_set(err, "Authorization", "timestamp is not a number of seconds");
	}
	return 0;
bad:
	memset(out, 0, sizeof *out);
	return kerr_set(err, "Authorization", "not of the form key=\"value\",… at byte %ld",
			(long)(p - h));
}

/* ---- platform keys ---- */

typedef struct wx_key {
	char serial[WX_SERIAL_MAX + 1];  /* as named: upper case; certs without leading zeros */
	EVP_PKEY *pub;
	bool cert;
	int64_t not_before_ms, not_after_ms;
} wx_key;

struct wx_keyring {
	wx_key *keys;
	size_t n, cap;
};

/* Upper case; for a certificate serial also without leading zeros (OpenSSL
 * writes 0A… as A…, file names may keep them). */
static void norm_serial(const char *in, bool cert, char out[WX_SERIAL_MAX + 1])
{
	if (cert)
		while (in[0] == '0' && in[1])
			in++;
	size_t i = 0;
	for (; in[i] && i < WX_SERIAL_MAX; i++)
		out[i] = (in[i] >= 'a' && in[i] <= 'z') ? (char)(in[i] - 'a' + 'A') : in[i];
	out[i] = '\0';
}

static bool is_pubkey_id(const char *s)
{
	return strncmp(s, "PUB_KEY_ID_", 11) == 0;
}

static bool serial_ok(const char *s, bool pubkey)
{
	size_t n = strlen(s);
	if (n == 0 || n > WX_SERIAL_MAX)
		return false;
	for (size_t i = pubkey ? 11 : 0; i < n; i++) {
		char c = s[i];
		bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
		bool word = hex || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
			    c == '-';
		if (!(pubkey ? word : hex))
			return false;
	}
	return !pubkey || n > 11;
}

wx_keyring *wx_keyring_new(void)
{
	return calloc(1, sizeof(wx_keyring));
}

size_t wx_keyring_count(const wx_keyring *k)
{
	return k ? k->n : 0;
}

void wx_keyring_free(wx_keyring *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->n; i++)
		EVP_PKEY_free(k->keys[i].pub);
	free(k->keys);
	free(k);
}

static int64_t asn1_ms(const ASN1_TIME *t)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	return (int64_t)timegm(&tm) * 1000;
}

static X509 *read_cert(const char *pem, size_t len)
{
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	X509 *x = b ? PEM_read_bio_X509(b, NULL, no_password, NULL) : NULL;
	BIO_free(b);
	ERR_clear_error();
	return x;
}

static int serial_of(X509 *x, char out[WX_SERIAL_MAX + 1])
{
	out[0] = '\0';
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	BN_free(bn);
	if (!hex || strlen(hex) > WX_SERIAL_MAX || hex[0] == '-') {
		OPENSSL_free(hex);
		return -1;
	}
	norm_serial(hex, true, out);
	OPENSSL_free(hex);
	return 0;
}

int wx_cert_serial(const char *pem, size_t len, char out[WX_SERIAL_MAX + 1], kerr *err)
{
	out[0] = '\0';
	X509 *x = read_cert(pem, len);
	if (!x)
		return kerr_set(err, "certificate", "not a PEM X.509 certificate");
	int rc = serial_of(x, out);
	X509_free(x);
	return rc == 0 ? 0 : kerr_set(err, "certificate", "the serial number is not usable");
}

int wx_keyring_add_pem(wx_keyring *k, const char *serial, const char *pem, size_t len,
		       kerr *err)
{
	if (!k || !pem || len == 0 || len > PUBLIC_MAX)
		return kerr_set(err, serial, "no key text");
	wx_key e;
	memset(&e, 0, sizeof e);
	e.not_before_ms = INT64_MIN;
	e.not_after_ms = INT64_MAX;
	X509 *x = read_cert(pem, len);
	if (x) {
		char have[WX_SERIAL_MAX + 1];
		if (serial_of(x, have) != 0) {
			X509_free(x);
			return kerr_set(err, serial, "the certificate's serial number is not usable");
		}
		if (serial && serial[0]) {
			char want[WX_SERIAL_MAX + 1];
			norm_serial(serial, true, want);
			if (strcmp(want, have) != 0) {
				X509_free(x);
				return kerr_set(err, serial, "the certificate's serial is %s, not the "
						"%s its name says; name the file <serial>.pem", have,
						serial);
			}
		}
		memcpy(e.serial, have, sizeof have);
		e.cert = true;
		e.pub = X509_get_pubkey(x);
		e.not_before_ms = asn1_ms(X509_get0_notBefore(x));
		e.not_after_ms = asn1_ms(X509_get0_notAfter(x));
		X509_free(x);
		if (e.not_before_ms < 0 || e.not_after_ms < 0) {
			EVP_PKEY_free(e.pub);
			return kerr_set(err, serial, "the certificate's validity dates are unreadable");
		}
	} else {
		if (!serial || !serial_ok(serial, true))
			return kerr_set(err, serial ? serial : "", "a public key needs its id "
					"PUB_KEY_ID_… (the file name), and this is neither that nor a "
					"certificate");
		BIO *b = BIO_new_mem_buf(pem, (int)len);
		e.pub = b ? PEM_read_bio_PUBKEY(b, NULL, no_password, NULL) : NULL;
		BIO_free(b);
		norm_serial(serial, false, e.serial);
	}
	ERR_clear_error();
	if (!e.pub)
		return kerr_set(err, serial ? serial : "", "neither a PEM certificate nor a PEM "
				"public key");
	if (!EVP_PKEY_is_a(e.pub, "RSA") || EVP_PKEY_get_bits(e.pub) < MIN_RSA_BITS) {
		EVP_PKEY_free(e.pub);
		return kerr_set(err, e.serial, "a WeChat Pay platform key is RSA of at least %d bits",
				MIN_RSA_BITS);
	}
	for (size_t i = 0; i < k->n; i++) {
		if (strcasecmp(k->keys[i].serial, e.serial) == 0) {
			EVP_PKEY_free(e.pub);
			return kerr_set(err, e.serial, "two keys with the same serial");
		}
	}
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 4;
		wx_key *nk = realloc(k->keys, cap * sizeof *nk);
		if (!nk) {
			EVP_PKEY_free(e.pub);
			return kerr_set(err, e.serial, "out of memory");
		}
		k->keys = nk;
		k->cap = cap;
	}
	k->keys[k->n++] = e;
	return 0;
}

static char *read_public(const char *path, size_t *len, kerr *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		kerr_set(err, path, "cannot open (%s)", strerror(errno));
		return NULL;
	}
	char *buf = malloc(PUBLIC_MAX + 1);
	size_t n = buf ? fread(buf, 1, PUBLIC_MAX + 1, f) : 0;
	fclose(f);
	if (!buf || n == 0 || n > PUBLIC_MAX) {
		free(buf);
		kerr_set(err, path, "empty, unreadable or over %d bytes", PUBLIC_MAX);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

wx_keyring *wx_keyring_load_dir(const char *dir, kerr *err)
{
	if (!dir || !dir[0]) {
		kerr_set(err, "platform_keys_dir", "no directory given");
		return NULL;
	}
	DIR *d = opendir(dir);
	if (!d) {
		kerr_set(err, dir, "platform_keys_dir: cannot open the directory (%s); put the "
			 "WeChat Pay platform certificates (<serial>.pem) or public key "
			 "(PUB_KEY_ID_….pem) there", strerror(errno));
		return NULL;
	}
	wx_keyring *k = wx_keyring_new();
	if (!k) {
		closedir(d);
		kerr_set(err, dir, "out of memory");
		return NULL;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		if (e->d_name[0] == '.' || n <= 4 || strcmp(e->d_name + n - 4, ".pem") != 0)
			continue;
		char serial[WX_SERIAL_MAX + 1];
		char path[4096];
		if (n - 4 > WX_SERIAL_MAX) {
			kerr_set(err, dir, "%s: the name is too long for a serial", e->d_name);
			goto fail;
		}
		memcpy(serial, e->d_name, n - 4);
		serial[n - 4] = '\0';
		bool pub = is_pubkey_id(serial);
		if (!serial_ok(serial, pub)) {
			kerr_set(err, dir, "%s: name a platform certificate by its serial in hex "
				 "(<serial>.pem) and a platform public key by its id "
				 "(PUB_KEY_ID_….pem)", e->d_name);
			goto fail;
		}
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		size_t len = 0;
		char *pem = read_public(path, &len, err);
		if (!pem)
			goto fail;
		kerr one = { { 0 }, { 0 } };
		int rc = wx_keyring_add_pem(k, serial, pem, len, &one);
		free(pem);
		if (rc != 0) {
			kerr_set(err, path, "%s", one.msg);
			goto fail;
		}
	}
	closedir(d);
	if (k->n == 0) {
		kerr_set(err, dir, "platform_keys_dir: no platform certificate (<serial>.pem) or "
			 "public key (PUB_KEY_ID_….pem) here; without one no answer of WeChat Pay "
			 "can be verified");
		wx_keyring_free(k);
		return NULL;
	}
	return k;
fail:
	closedir(d);
	wx_keyring_free(k);
	return NULL;
}

EVP_PKEY *wx_keyring_find(const wx_keyring *k, const char *serial, int64_t now_ms, kerr *err)
{
	if (!k || !serial || !serial[0]) {
		kerr_set(err, "Wechatpay-Serial", "no serial");
		return NULL;
	}
	for (size_t i = 0; k && i < k->n; i++) {
		const wx_key *e = &k->keys[i];
		char want[WX_SERIAL_MAX + 1];
		norm_serial(serial, e->cert, want);
		if (strcasecmp(e->serial, want) != 0)
			continue;
		if (e->cert && (now_ms < e->not_before_ms || now_ms > e->not_after_ms)) {
			kerr_set(err, "Wechatpay-Serial", "the platform certificate %s is not valid "
				 "now (expired or not yet valid); download the current one", e->serial);
			return NULL;
		}
		return e->pub;
	}
	/* The serial came with an answer not yet trusted: quoted only when it
	 * looks like one, as the message may reach the clerk's screen. */
	kerr_set(err, "Wechatpay-Serial", "no platform key with serial '%.64s' in "
		 "platform_keys_dir; if WeChat Pay has a new platform key, add it there",
		 serial_ok(serial, is_pubkey_id(serial)) ? serial : "(not a serial)");
	return NULL;
}

/* ---- answers ---- */

int wx_verify_response(const wx_keyring *k, const char *timestamp, const char *nonce,
		       const char *signature, const char *serial, const void *body, size_t len,
		       int64_t now_ms, kerr *err)
{
	struct {
		const char *name;
		const char *v;
	} h[] = { { "Wechatpay-Timestamp", timestamp }, { "Wechatpay-Nonce", nonce },
		  { "Wechatpay-Signature", signature }, { "Wechatpay-Serial", serial } };
	for (size_t i = 0; i < sizeof h / sizeof h[0]; i++)
		if (!h[i].v || !h[i].v[0])
			return kerr_set(err, h[i].name, "the answer has no %s header, so it cannot "
					"be verified", h[i].name);
	size_t tl = strlen(timestamp);
	if (tl > 12 || strspn(timestamp, "0123456789") != tl)
		return kerr_set(err, "Wechatpay-Timestamp", "not a number of seconds");
	if (strlen(nonce) > 128)
		return kerr_set(err, "Wechatpay-Nonce", "too long");
	long long ts = strtoll(timestamp, NULL, 10);
	long long diff = ts - now_ms / 1000;
	if (diff > WX_CLOCK_TOLERANCE_S || diff < -WX_CLOCK_TOLERANCE_S)
		return kerr_set(err, "Wechatpay-Timestamp", "the answer was signed %lld s %s this "
				"computer's clock (more than %d s): check the clock",
				diff < 0 ? -diff : diff, diff < 0 ? "before" : "after",
				WX_CLOCK_TOLERANCE_S);
	EVP_PKEY *key = wx_keyring_find(k, serial, now_ms, err);
	if (!key)
		return -1;
	size_t ml = 0;
	char *msg = wx_response_message(timestamp, nonce, body, len, &ml);
	if (!msg)
		return kerr_set(err, "Wechatpay-Signature", "out of memory");
	int rc = wx_verify(key, msg, ml, signature, err);
	free(msg);
	return rc;
}
