/* issuer: where the customers' certificates come from, behind an operations
 * table like the key and the payment gateway, so that a remote CA can replace
 * the embedded default. The default is a local OpenSSL CA whose key and
 * certificate live in a directory under the kiosk's data directory, made on
 * first use (tests and the demo give it their own directory). An issuer is
 * owned by whoever made it and released with issuer_free(); issued_cert owns
 * its DER (issued_cert_clear()). The validity to ask for comes from
 * rules_new_validity() (core/case/rules.h): new 1 or 2 years, renewal extended,
 * change and reissue the old certificate's end. A certificate is valid from
 * the second it is signed, never backdated; a term ends one second before the
 * same clock time on its last day (core/ca/ca.h, docs/ca.md). */
#ifndef CORE_ISSUER_H
#define CORE_ISSUER_H

#include <stddef.h>

#include <stdint.h>

#include "core/base/err.h"
#include "core/ca/ca.h"
#include "core/token/token.h"

/* What to certify. Strings and the key are borrowed for the call. */
typedef struct issue_request {
	const unsigned char *spki;     /* the key's public key, DER SubjectPublicKeyInfo */
	size_t spki_len;
	const char *unit_name;         /* 1..64 characters of UTF-8 (X.509 limit of O and CN) */
	const char *uscc;              /* a valid USCC in capitals */
	long not_before, not_after;    /* civil days, Asia/Shanghai, inclusive; the
					* certificate starts when it is signed */
	int64_t not_after_s;           /* the exact end to keep or extend (UTC s, the
					* old certificate's notAfter moved by the years
					* bought); 0: the term's end on day not_after,
					* one second before the signing's clock time */
} issue_request;

typedef struct issued_cert {
	unsigned char *der;            /* owned; issued_cert_clear() */
	size_t der_len;
	char serial[TOKEN_CERT_SERIAL_MAX + 1];  /* upper-case hex */
	long not_before, not_after;              /* civil days of the two below */
	int64_t not_before_s, not_after_s;       /* notBefore, notAfter (UTC s) */
} issued_cert;

typedef struct issuer_ops {
	const char *name;              /* "local" */
	int (*issue)(void *ctx, const issue_request *rq, issued_cert *out, kerr *err);
	/* record a certificate as revoked (the database records it too);
	 * reason is the database's word (lost, broken, revoked, superseded) */
	int (*revoke)(void *ctx, const char *cert_serial, const char *reason, kerr *err);
	/* the CA's published status brought to the database's view of every
	 * certificate (NULL: nothing to bring; a remote CA would resend the
	 * revocations it may have missed) */
	int (*sync)(void *ctx, const ca_status *list, size_t n, size_t *changed, kerr *err);
	/* 0 when der was issued (signed) by this issuer */
	int (*verify)(void *ctx, const unsigned char *der, size_t len, kerr *err);
	void (*free)(void *ctx);
} issuer_ops;

typedef struct issuer {
	const issuer_ops *ops;
	void *ctx;
} issuer;

/* The local CA in dir: dir/ca.key holds the CA's EC P-256 key and its
 * certificate (owner-only), dir/ca.crt a public copy of the certificate;
 * index.txt, crlnumber and the CRL (crl.der, crl.pem) are its register
 * (core/ca/ca.h), and a CRL is published when there is none. Made on first
 * use (dir too, 0700); two processes starting at once end up with the same
 * CA. The certificates follow profile (copied; kiosk-config/ca.ini). NULL
 * with err when the files are unreadable or do not belong together. */
issuer *issuer_local_open(const char *dir, const ca_profile *profile, kerr *err);
/* The same with ca_profile_default() (tests and tools). */
issuer *issuer_local_new(const char *dir, kerr *err);

/* Wrappers: check the request (unit name, USCC, validity, public key), then
 * call the implementation. 0 or -1 with err. */
int issuer_issue(issuer *is, const issue_request *rq, issued_cert *out, kerr *err);
int issuer_revoke(issuer *is, const char *cert_serial, const char *reason, kerr *err);
/* The database's view of every certificate handed to the CA
 * (db_token_ca_sync() in db/repo/token_repo.h builds it): on start and after
 * every commit that recorded or revoked one. 0 (also when the issuer has no
 * sync), -1 with err. */
int issuer_sync(issuer *is, const ca_status *list, size_t n, size_t *changed, kerr *err);
int issuer_verify(issuer *is, const unsigned char *der, size_t len, kerr *err);
const char *issuer_name(const issuer *is);
void issuer_free(issuer *is);
void issued_cert_clear(issued_cert *c);

/* What write_cert needs, from an issued certificate and the case's holder
 * (pointers into c and the strings given; valid while they are). */
token_cert issued_token_cert(const issued_cert *c, const char *unit_name, const char *uscc);

#endif
