/* issuer: the wrappers and the embedded local OpenSSL CA (issuer.h). */
#include "core/token/issuer.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/base/kini.h"
#include "core/base/civil.h"
#include "core/base/protect.h"

#define CA_YEARS 20
#define UNIT_CHARS_MAX 64 /* ub-organization-name, ub-common-name (RFC 5280) */

/* One signing key of the local CA with its certificate and register. */
typedef struct ca_side {
	char *dir;
	EVP_PKEY *key;                 /* NULL: the SM2 CA not made yet */
	X509 *cert;
} ca_side;

/* The local CA: its EC P-256 key in dir, and for SM2 keys (the platforms
 * whose key_algorithm is sm2) an SM2 key in dir/sm2, made the first time an
 * SM2 key is certified. Each has its own index and CRL: a CRL lists only
 * what its issuer signed. */
enum { SIDE_P256, SIDE_SM2, SIDE_COUNT };
#define SM2_SUBDIR "sm2"

typedef struct local_ca {
	ca_side side[SIDE_COUNT];
	ca_profile profile;
} local_ca;

static ca_keys keys_of(local_ca *ca, int side)
{
	ca_side *s = &ca->side[side];
	return (ca_keys){ s->dir, s->key, s->cert, &ca->profile };
}

static const issuer_ops local_ops;

/* ---- wrappers ---- */

static long utf8_chars(const char *s)
{
	long n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p & 0xC0) != 0x80)
			n++;
	return n;
}

int issuer_issue(issuer *is, const issue_request *rq, issued_cert *out, kerr *err)
{
	if (!out)
		return kerr_set(err, "issuer", "no place for the certificate");
	memset(out, 0, sizeof *out);
	out->not_before = out->not_after = -1;
	if (!is || !is->ops || !is->ops->issue)
		return kerr_set(err, "issuer", "no certificate issuer configured");
	if (!rq || !rq->spki || !rq->spki_len)
		return kerr_set(err, "issuer", "no public key to certify");
	size_t un = rq->unit_name ? strlen(rq->unit_name) : 0;
	if (un == 0 || un > TOKEN_UNIT_MAX || !kini_utf8_valid(rq->unit_name, un, NULL))
		return kerr_set(err, "unit_name", "the unit name must be 1-%d bytes of UTF-8",
				TOKEN_UNIT_MAX);
	if (utf8_chars(rq->unit_name) > UNIT_CHARS_MAX)
		return kerr_set(err, "unit_name", "a certificate holds at most %d characters of "
				"unit name (X.509 O and CN); this one has %ld",
				UNIT_CHARS_MAX, utf8_chars(rq->unit_name));
	if (!token_uscc_valid(rq->uscc))
		return kerr_set(err, "uscc", "not a valid USCC in capitals");
	if (rq->not_before < 0 || rq->not_after < rq->not_before)
		return kerr_set(err, "validity", "not-before must not be after not-after");
	const unsigned char *p = rq->spki;
	EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)rq->spki_len);
	bool ok = k && p == rq->spki + rq->spki_len;
	EVP_PKEY_free(k);
	if (!ok)
		return kerr_set(err, "key", "the key's public key is not a DER SubjectPublicKeyInfo");
	if (is->ops->issue(is->ctx, rq, out, err) != 0) {
		issued_cert_clear(out);
		return -1;
	}
	return 0;
}

int issuer_revoke(issuer *is, const char *cert_serial, const char *reason, kerr *err)
{
	if (!is || !is->ops || !is->ops->revoke)
		return kerr_set(err, "issuer", "no certificate issuer configured");
	if (!token_cert_serial_valid(cert_serial))
		return kerr_set(err, "cert_serial", "a certificate serial is 1-%d hex digits",
				TOKEN_CERT_SERIAL_MAX);
	if (!reason || !*reason || strpbrk(reason, "\t\r\n"))
		return kerr_set(err, "reason", "say why the certificate is revoked (one line)");
	return is->ops->revoke(is->ctx, cert_serial, reason, err);
}

int issuer_sync(issuer *is, const ca_status *list, size_t n, size_t *changed, kerr *err)
{
	if (changed)
		*changed = 0;
	if (!is || !is->ops)
		return kerr_set(err, "issuer", "no certificate issuer configured");
	if (n && !list)
		return kerr_set(err, "issuer", "no certificates to hand over");
	return is->ops->sync ? is->ops->sync(is->ctx, list, n, changed, err) : 0;
}

int issuer_verify(issuer *is, const unsigned char *der, size_t len, kerr *err)
{
	if (!is || !is->ops || !is->ops->verify)
		return kerr_set(err, "issuer", "no certificate issuer configured");
	if (!der || !len)
		return kerr_set(err, "certificate", "no certificate data");
	return is->ops->verify(is->ctx, der, len, err);
}

const char *issuer_name(const issuer *is)
{
	return is && is->ops && is->ops->name ? is->ops->name : "";
}

void issuer_free(issuer *is)
{
	if (!is)
		return;
	if (is->ops && is->ops->free)
		is->ops->free(is->ctx);
	free(is);
}

void issued_cert_clear(issued_cert *c)
{
	if (!c)
		return;
	free(c->der);
	memset(c, 0, sizeof *c);
	c->not_before = c->not_after = -1;
}


token_cert issued_token_cert(const issued_cert *c, const char *unit_name, const char *uscc)
{
	return (token_cert){ .unit_name = unit_name, .uscc = uscc, .cert_serial = c->serial,
			     .not_before = c->not_before, .not_after = c->not_after,
			     .der = c->der, .der_len = c->der_len,
			     .not_after_s = c->not_after_s };
}

/* ---- the local CA ---- */

static int ossl_err(kerr *err, const char *where, const char *what)
{
	char buf[256];
	unsigned long e = ERR_get_error();
	ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	return kerr_set(err, where, "%s%s%s", what, e ? ": " : "", e ? buf : "");
}

static bool add_ext(X509 *cert, X509 *ca, int nid, const char *value)
{
	X509V3_CTX v3;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, ca, cert, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	bool ok = ext && X509_add_ext(cert, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

/* A positive random serial of 16 bytes; hex into out. */
static bool random_serial(X509 *x, char out[TOKEN_CERT_SERIAL_MAX + 1])
{
	unsigned char b[16];
	if (RAND_bytes(b, sizeof b) != 1)
		return false;
	b[0] = (unsigned char)((b[0] & 0x7F) | 0x10); /* positive, 16 bytes long */
	BIGNUM *bn = BN_bin2bn(b, sizeof b, NULL);
	ASN1_INTEGER *ai = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	bool ok = ai && hex && X509_set_serialNumber(x, ai) == 1;
	if (ok)
		snprintf(out, TOKEN_CERT_SERIAL_MAX + 1, "%s", hex);
	OPENSSL_free(hex);
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	return ok;
}

/* Validity from 00:00:00 of the first day to 23:59:59 of the last, Asia/Shanghai. */
static bool set_validity(X509 *x, long first, long last)
{
	time_t nb = (time_t)(clock_day_start_ms(first) / 1000);
	time_t na = (time_t)(clock_day_start_ms(last + 1) / 1000) - 1;
	return ASN1_TIME_set(X509_getm_notBefore(x), nb) && ASN1_TIME_set(X509_getm_notAfter(x), na);
}

static X509 *make_ca_cert(EVP_PKEY *key, kerr *err, const char *dir)
{
	/* two CAs, two names: relying parties (and OCSP) tell them apart */
	const char *cn = ca_key_is_sm2(key) ? "SCCA Kiosk Local SM2 CA" : "SCCA Kiosk Local CA";
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	char serial[TOKEN_CERT_SERIAL_MAX + 1];
	long today = clock_today();
	if (!x || !n || X509_set_version(x, 2) != 1 || !random_serial(x, serial) ||
	    !X509_NAME_add_entry_by_txt(n, "C", MBSTRING_UTF8, (const unsigned char *)"CN", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8,
					(const unsigned char *)"四川CA", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
					(const unsigned char *)cn, -1, -1, 0) ||
	    X509_set_subject_name(x, n) != 1 || X509_set_issuer_name(x, n) != 1 ||
	    !set_validity(x, today, civil_add_years(today, CA_YEARS) - 1) ||
	    X509_set_pubkey(x, key) != 1 ||
	    !add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") ||
	    !add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    !add_ext(x, x, NID_subject_key_identifier, "hash") ||
	    !add_ext(x, x, NID_authority_key_identifier, "keyid:always") ||
	    ca_sign_cert(x, key) != 0) {
		ossl_err(err, dir, "making the local CA certificate");
		X509_free(x);
		x = NULL;
	}
	X509_NAME_free(n);
	return x;
}

/* Write a whole file under a temporary name and link it into place; 1 made,
 * 0 someone else made it first, -1 error. */
static int publish(const char *dir, const char *name, const char *data, size_t len, mode_t mode,
		   bool replace, kerr *err)
{
	char path[4096], tmp[4200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s/.%s.%ld.tmp", dir, name, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return kerr_set(err, tmp, "cannot create: %s", strerror(errno));
	bool ok = fchmod(fd, mode) == 0 && write(fd, data, len) == (ssize_t)len && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok) {
		unlink(tmp);
		return kerr_set(err, tmp, "cannot write: %s", strerror(errno));
	}
	int rc = 1;
	if (replace ? rename(tmp, path) != 0 : link(tmp, path) != 0) {
		if (!replace && errno == EEXIST)
			rc = 0;
		else
			rc = kerr_set(err, path, "cannot put in place: %s", strerror(errno));
	}
	if (!replace)
		unlink(tmp);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return rc;
}

static char *pem_of(bool key, void *obj, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out = NULL;
	if (b && (key ? PEM_write_bio_PrivateKey(b, obj, NULL, NULL, 0, NULL, NULL)
		      : PEM_write_bio_X509(b, obj)) == 1) {
		char *p;
		long n = BIO_get_mem_data(b, &p);
		out = malloc((size_t)n + 1);
		if (out) {
			memcpy(out, p, (size_t)n);
			out[n] = '\0';
			*len = (size_t)n;
		}
		/* the memory BIO held the private key too */
		if (key && n > 0)
			OPENSSL_cleanse(p, (size_t)n);
	}
	BIO_free(b);
	return out;
}

/* Make the CA's key and certificate (dir/ca.key holds both): P-256, or SM2. */
static int create_ca(const char *dir, bool sm2, kerr *err)
{
	EVP_PKEY *key = sm2 ? EVP_PKEY_Q_keygen(NULL, NULL, "SM2")
			    : EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!key)
		return ossl_err(err, dir, "making the local CA key");
	X509 *x = make_ca_cert(key, err, dir);
	int rc = -1;
	size_t kl = 0, cl = 0;
	char *kp = x ? pem_of(true, key, &kl) : NULL, *cp = x ? pem_of(false, x, &cl) : NULL;
	char *both = kp && cp ? malloc(kl + cl + 1) : NULL;
	if (both) {
		memcpy(both, kp, kl);
		memcpy(both + kl, cp, cl);
		rc = publish(dir, "ca.key", both, kl + cl, 0600, false, err) < 0 ? -1 : 0;
		OPENSSL_cleanse(both, kl + cl);
	} else if (x) {
		kerr_set(err, dir, "out of memory making the local CA");
	}
	if (kp)
		OPENSSL_cleanse(kp, kl);
	free(kp);
	free(cp);
	free(both);
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

#define CA_KEY_FILE_MAX (64 * 1024)

/* dir/ca.key read whole into a buffer of ours (stdio's would keep a copy of
 * the key on the heap unwiped); the caller wipes and frees it. Refused when
 * group or others may read it. */
static char *read_ca_key(const char *path, size_t *len, kerr *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		kerr_set(err, path, "cannot read: %s", strerror(errno));
		return NULL;
	}
	struct stat sb;
	char *buf = NULL;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		kerr_set(err, path, "not a regular file");
	} else if (sb.st_mode & 077) {
		kerr_set(err, path, "the CA key is readable by others (mode %03o): chmod 600 it",
			 (unsigned)(sb.st_mode & 0777));
	} else if (sb.st_size <= 0 || sb.st_size > CA_KEY_FILE_MAX) {
		kerr_set(err, path, "the CA key file has %lld bytes; expected 1 to %d",
			 (long long)sb.st_size, CA_KEY_FILE_MAX);
	} else if (!(buf = malloc((size_t)sb.st_size + 1))) {
		kerr_set(err, path, "out of memory");
	} else {
		size_t cap = (size_t)sb.st_size, got = 0;
		while (got < cap) {
			ssize_t r = read(fd, buf + got, cap - got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		if (got != cap) {
			OPENSSL_cleanse(buf, cap);
			free(buf);
			buf = NULL;
			kerr_set(err, path, "cannot read: short read");
		} else {
			buf[cap] = '\0';
			*len = cap;
		}
	}
	close(fd);
	return buf;
}

static int load_ca(ca_side *ca, bool sm2, kerr *err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/ca.key", ca->dir);
	size_t kl = 0;
	char *text = read_ca_key(path, &kl, err);
	if (!text)
		return -1;
	BIO *b = BIO_new_mem_buf(text, (int)kl);
	ca->key = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
	ca->cert = ca->key ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	OPENSSL_cleanse(text, kl);
	free(text);
	if (!ca->key || !ca->cert)
		return ossl_err(err, path, "not a CA key followed by its certificate");
	if (X509_check_private_key(ca->cert, ca->key) != 1)
		return ossl_err(err, path, "the CA certificate is not for the CA key");
	if (ca_key_is_sm2(ca->key) != sm2)
		return kerr_set(err, path, "the CA key is %s; this CA's key must be %s",
				ca_key_alg_name(ca->key), sm2 ? "SM2" : "EC P-256");
	/* the public copy, rewritten when missing or different */
	size_t cl = 0;
	char *cp = pem_of(false, ca->cert, &cl);
	if (!cp)
		return kerr_set(err, path, "out of memory");
	snprintf(path, sizeof path, "%s/ca.crt", ca->dir);
	size_t have = 0;
	char *old = NULL;
	FILE *g = fopen(path, "r");
	if (g) {
		old = malloc(cl + 2);
		have = old ? fread(old, 1, cl + 1, g) : 0;
		fclose(g);
	}
	int rc = 0;
	if (!old || have != cl || memcmp(old, cp, cl) != 0)
		rc = publish(ca->dir, "ca.crt", cp, cl, 0644, true, err) < 0 ? -1 : 0;
	free(old);
	free(cp);
	return rc;
}

static void local_free(void *ctx)
{
	local_ca *ca = ctx;
	if (!ca)
		return;
	for (int i = 0; i < SIDE_COUNT; i++) {
		EVP_PKEY_free(ca->side[i].key);
		X509_free(ca->side[i].cert);
		free(ca->side[i].dir);
	}
	free(ca);
}

/* One side's key and certificate, made first when missing and make is set,
 * and a CRL published when there is none. 0 ready, 1 not made (and not to
 * be), -1 with err. */
static int side_open(local_ca *ca, int side, bool make, kerr *err)
{
	ca_side *s = &ca->side[side];
	if (s->key)
		return 0;
	char path[4096];
	snprintf(path, sizeof path, "%s/ca.key", s->dir);
	if (access(path, F_OK) != 0) {
		if (!make)
			return 1;
		/* the CA's own directory: private even when it was made looser */
		if (protect_dir(s->dir, err) || create_ca(s->dir, side == SIDE_SM2, err) != 0)
			return -1;
	} else if (protect_dir(s->dir, err)) {
		return -1;
	}
	if (load_ca(s, side == SIDE_SM2, err) != 0) {
		EVP_PKEY_free(s->key);
		X509_free(s->cert);
		s->key = NULL;
		s->cert = NULL;
		return -1;
	}
	/* relying parties find a CRL from the start */
	snprintf(path, sizeof path, "%s/crl.der", s->dir);
	ca_keys k = keys_of(ca, side);
	if (access(path, F_OK) != 0 && ca_register_publish(&k, err) != 0)
		return -1;
	return 0;
}

issuer *issuer_local_new(const char *dir, kerr *err)
{
	ca_profile p;
	ca_profile_default(&p);
	return issuer_local_open(dir, &p, err);
}

issuer *issuer_local_open(const char *dir, const ca_profile *profile, kerr *err)
{
	if (!dir || !*dir) {
		kerr_set(err, "issuer", "no directory for the local CA");
		return NULL;
	}
	issuer *is = calloc(1, sizeof *is);
	local_ca *ca = calloc(1, sizeof *ca);
	char sub[4096];
	snprintf(sub, sizeof sub, "%s/%s", dir, SM2_SUBDIR);
	if (!is || !ca || !(ca->side[SIDE_P256].dir = strdup(dir)) ||
	    !(ca->side[SIDE_SM2].dir = strdup(sub))) {
		kerr_set(err, dir, "out of memory");
		goto fail;
	}
	if (profile)
		ca->profile = *profile;
	else
		ca_profile_default(&ca->profile);
	/* the P-256 CA is made on first use; the SM2 one is opened when it
	 * exists, made when the first SM2 key is certified */
	if (side_open(ca, SIDE_P256, true, err) != 0 || side_open(ca, SIDE_SM2, false, err) < 0)
		goto fail;
	is->ops = &local_ops;
	is->ctx = ca;
	return is;
fail:
	local_free(ca);
	free(is);
	return NULL;
}

/* The certificate's notBefore (now) and notAfter (the exact end asked for,
 * else one second before now's clock time on day not_after). */
static int term_of(const issue_request *rq, int64_t *nb, int64_t *na, kerr *err)
{
	int64_t now_ms = clock_now_ms();
	*nb = now_ms / 1000;
	if (rq->not_after_s > 0) {
		*na = rq->not_after_s;
	} else {
		int64_t into_day = now_ms - clock_day_start_ms(clock_local_day(now_ms));
		*na = (clock_day_start_ms(rq->not_after) + into_day) / 1000 - 1;
	}
	if (*na <= *nb)
		return kerr_set(err, "validity", "the certificate would end before it starts "
				"(it starts when it is signed; the end asked for has passed)");
	return 0;
}

static int local_issue(void *ctx, const issue_request *rq, issued_cert *out, kerr *err)
{
	local_ca *ca = ctx;
	int64_t nb, na;
	if (term_of(rq, &nb, &na, err))
		return -1;
	const unsigned char *p = rq->spki;
	EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, (long)rq->spki_len);
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	int rc = -1;
	if (!pub || !x || !n) {
		kerr_set(err, "issuer", "out of memory");
		goto out;
	}
	/* the key's algorithm picks the CA: an SM2 key gets an SM2-with-SM3
	 * certificate from the SM2 CA, made now if this is the first */
	int side = ca_key_is_sm2(pub) ? SIDE_SM2 : SIDE_P256;
	if (side == SIDE_P256 && !EVP_PKEY_is_a(pub, "EC")) {
		kerr_set(err, "key", "the key's public key is neither EC P-256 nor SM2");
		goto out;
	}
	if (side_open(ca, side, true, err) != 0)
		goto out;
	const ca_side *cs = &ca->side[side];
	if (X509_set_version(x, 2) != 1 || !random_serial(x, out->serial) ||
	    !X509_NAME_add_entry_by_txt(n, "C", MBSTRING_UTF8, (const unsigned char *)"CN", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8,
					(const unsigned char *)rq->unit_name, -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
					(const unsigned char *)rq->unit_name, -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(n, "serialNumber", MBSTRING_ASC,
					(const unsigned char *)rq->uscc, -1, -1, 0) ||
	    X509_set_subject_name(x, n) != 1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(cs->cert)) != 1 ||
	    !ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb) ||
	    !ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na) || X509_set_pubkey(x, pub) != 1) {
		ossl_err(err, "issuer", "issuing the certificate");
		goto out;
	}
	if (ca_profile_apply(&ca->profile, x, cs->cert, rq->uscc, err) != 0)
		goto out;
	if (ca_sign_cert(x, cs->key) != 0) {
		ossl_err(err, "issuer", "signing the certificate");
		goto out;
	}
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	if (len <= 0) {
		ossl_err(err, "issuer", "encoding the certificate");
		goto out;
	}
	out->der = malloc((size_t)len);
	if (!out->der) {
		OPENSSL_free(der);
		kerr_set(err, "issuer", "out of memory");
		goto out;
	}
	memcpy(out->der, der, (size_t)len);
	OPENSSL_free(der);
	out->der_len = (size_t)len;
	out->not_before_s = nb;
	out->not_after_s = na;
	out->not_before = clock_local_day(nb * 1000);
	out->not_after = clock_local_day(na * 1000);
	/* the CA records what it signed before anyone holds it */
	ca_keys k = keys_of(ca, side);
	if (ca_register_issued(&k, x, err) != 0)
		goto out;
	rc = 0;
out:
	X509_NAME_free(n);
	X509_free(x);
	EVP_PKEY_free(pub);
	return rc;
}

static int local_revoke(void *ctx, const char *cert_serial, const char *reason, kerr *err)
{
	local_ca *ca = ctx;
	int rc = 1;
	for (int i = 0; i < SIDE_COUNT && rc == 1; i++) {
		int o = side_open(ca, i, false, err);
		if (o < 0)
			return -1;
		if (o == 0) {
			ca_keys k = keys_of(ca, i);
			rc = ca_register_revoke(&k, cert_serial, reason, clock_now_ms(), err);
		}
	}
	if (rc == 1)
		return kerr_set(err, cert_serial, "certificate %s is not in this CA's index: it "
				"was not issued here", cert_serial);
	return rc;
}

/* Each CA enters and revokes what it signed of the list (register.c tells by
 * the signature). */
static int local_sync(void *ctx, const ca_status *list, size_t n, size_t *changed, kerr *err)
{
	local_ca *ca = ctx;
	size_t total = 0;
	for (int i = 0; i < SIDE_COUNT; i++) {
		int o = side_open(ca, i, false, err);
		if (o < 0)
			return -1;
		if (o == 1)
			continue;
		size_t c = 0;
		ca_keys k = keys_of(ca, i);
		if (ca_register_sync(&k, list, n, &c, err) != 0)
			return -1;
		total += c;
	}
	if (changed)
		*changed = total;
	return 0;
}

static int local_verify(void *ctx, const unsigned char *der, size_t len, kerr *err)
{
	local_ca *ca = ctx;
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	int rc = 0;
	if (!x || p != der + len) {
		rc = kerr_set(err, "certificate", "not a DER X.509 certificate");
	} else {
		int side = ca_key_is_sm2(X509_get0_pubkey(x)) ? SIDE_SM2 : SIDE_P256;
		/* the SM2 CA may have been made by another process since we opened */
		if (side_open(ca, side, false, err) < 0) {
			X509_free(x);
			return -1;
		}
		const ca_side *s = &ca->side[side];
		if (!s->key ||
		    X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(s->cert)) != 0 ||
		    !ca_verify_cert(x, s->key))
			rc = kerr_set(err, "certificate", "not issued by this kiosk's CA");
	}
	ERR_clear_error();
	X509_free(x);
	return rc;
}

static const issuer_ops local_ops = {
	.name = "local",
	.issue = local_issue,
	.revoke = local_revoke,
	.sync = local_sync,
	.verify = local_verify,
	.free = local_free,
};
