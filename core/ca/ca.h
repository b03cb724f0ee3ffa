/* core/ca: the kiosk's local certification authority as relying parties see
 * it: the certificate profile its certificates follow, their term, and the
 * files through which it publishes what it signed and what it revoked. This
 * is the folder's main header and its only header: everything below is
 * public (core/token/issuer.c, which signs, is its user; db/ and tui/flow
 * hand it the database's view of the certificates through the issuer).
 *
 *   file          holds                                             header
 *   ca.h          this table; the profile, the term, the register   public
 *   profile.c     kiosk-config/ca.ini read and checked (file:line),  (ca.h)
 *                 the term of a certificate (the CPS's rule), the
 *                 profile's extensions put on a certificate
 *   register.c    the CA's files: index.txt in OpenSSL's format     (ca.h)
 *                 (what `openssl ca` and `openssl ocsp -index`
 *                 read), its .attr, crlnumber, and the signed CRL
 *                 (crl.der, crl.pem), rebuilt from the database
 *   sign.c        signing and verifying in the kiosk's two          (ca.h)
 *                 algorithms: ECDSA-SHA256 (P-256) and SM2-with-SM3
 *                 with the SM2 distinguishing ID set explicitly
 *
 * docs/ca.md describes the files, the profile and the choices made. The
 * folder depends on core/base and OpenSSL only. */
#ifndef CORE_CA_H
#define CORE_CA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/base/err.h"
#include "core/base/names.h"

/* ---- the certificate profile (kiosk-config/ca.ini) ---- */

#define CA_URL_MAX 255
#define CA_OID_MAX 63

/* Key usages an end-entity certificate of an EC signing key may carry:
 * enum, the word in ca.ini, OpenSSL's name. */
#define CA_KEY_USAGES(X)                                             \
	X(CA_KU_DIGITAL_SIGNATURE, "digitalSignature", "digitalSignature") \
	X(CA_KU_NON_REPUDIATION,   "nonRepudiation",   "nonRepudiation")   \
	X(CA_KU_KEY_AGREEMENT,     "keyAgreement",     "keyAgreement")

/* Extended key usages: enum, the word in ca.ini, OpenSSL's short name. */
#define CA_EXT_KEY_USAGES(X)                                     \
	X(CA_EKU_CLIENT_AUTH,      "clientAuth",      "clientAuth")      \
	X(CA_EKU_EMAIL_PROTECTION, "emailProtection", "emailProtection")

ENUM_DECLARE_WORD(ca_key_usage, CA_KEY_USAGES, CA_KU_COUNT);
ENUM_DECLARE_WORD(ca_ext_key_usage, CA_EXT_KEY_USAGES, CA_EKU_COUNT);

typedef struct ca_profile {
	char policy_oid[CA_OID_MAX + 1];      /* certificatePolicies; "" none */
	char cps_url[CA_URL_MAX + 1];         /* its CPS qualifier; "" none */
	char crl_url[CA_URL_MAX + 1];         /* cRLDistributionPoints; "" none */
	char ocsp_url[CA_URL_MAX + 1];        /* authorityInfoAccess OCSP; "" none */
	char ca_issuers_url[CA_URL_MAX + 1];  /* authorityInfoAccess caIssuers; "" none */
	char identity_oid[CA_OID_MAX + 1];    /* GM/T 0015 organisation identity
					       * (the USCC as a PrintableString); "" none */
	unsigned key_usage;                   /* bits 1u << ca_key_usage */
	unsigned ext_key_usage;               /* bits 1u << ca_ext_key_usage; 0 none */
	int crl_days;                         /* CRL nextUpdate = thisUpdate + days */
} ca_profile;

/* The profile without any URL or policy (tests, tools): the identity
 * extension 1.2.156.10260.4.1.4, digitalSignature + nonRepudiation,
 * clientAuth, CRLs for 7 days. */
void ca_profile_default(ca_profile *p);

/* dir/ca.ini read and checked: [profile] and [crl] (docs/config.md). 0, or
 * -1 with err naming file:line and what to write instead. */
int ca_profile_load(const char *dir, ca_profile *out, kerr *err);

/* The profile's extensions on an end-entity certificate x signed by ca:
 * basicConstraints, key usage, EKU, key identifiers, certificate policies,
 * CRL distribution point, authority information access, and the identity
 * extension carrying uscc. 0, or -1 with err. */
int ca_profile_apply(const ca_profile *p, X509 *x, X509 *ca, const char *uscc, kerr *err);

/* ---- the term (the CPS's rule, docs/ca.md) ----
 * A certificate is valid from the second it is issued. A term of N years
 * ends one second before the same Asia/Shanghai clock time on the day N
 * years later (29 February: 28 February in a year without it): a one-year
 * certificate issued 2025-11-21 16:00:00 is valid to 2026-11-21 15:59:59,
 * 365 days less a second. Times are UTC seconds. */
int64_t ca_term_end(int64_t start_s, int years);
/* The same clock time years later (for an extended end: the old end moved
 * by the years bought). */
int64_t ca_add_years(int64_t t_s, int years);

/* ---- signatures: ECDSA P-256 with SHA-256, or SM2 with SM3 ----
 * The algorithm follows the key: an SM2 key (OpenSSL's "SM2" type, the
 * curve 1.2.156.10197.1.301) signs SM2-with-SM3 with the distinguishing ID
 * CA_SM2_ID (GM/T 0009's default, which OpenSSL 3.0 does not apply by
 * itself: it uses an empty ID unless told), any other EC key ECDSA with
 * SHA-256. Relying parties check with the same ID (`openssl verify -vfyopt
 * distid:1234567812345678`, docs/ca.md). */
#define CA_SM2_ID     "1234567812345678"
#define CA_SM2_ID_LEN 16
extern const char ca_sm2_id[];

bool ca_key_is_sm2(const EVP_PKEY *key);
/* "p256", "sm2" or "?" (the words of a platform's key_algorithm) */
const char *ca_key_alg_name(const EVP_PKEY *key);
/* x signed by key (SHA-256 or SM3 with the ID); an SM2-signed x also gets
 * the ID for its own later verification. 0 or -1 (OpenSSL's error queue). */
int ca_sign_cert(X509 *x, EVP_PKEY *key);
/* The CRL signed by key. 0 or -1. */
int ca_sign_crl(X509_CRL *crl, EVP_PKEY *key);
/* Give x the SM2 ID for X509_verify / X509_verify_cert (a certificate
 * parsed from DER has none, and OpenSSL 3.0 would verify with an empty one).
 * 0 or -1. */
int ca_sm2_set_id(X509 *x);
/* x (or the CRL, or data's signature sig: DER ECDSA-Sig-Value / SM2
 * signature) verifies with key, under the ID on an SM2 key. */
bool ca_verify_cert(X509 *x, EVP_PKEY *key);
bool ca_verify_crl(X509_CRL *crl, EVP_PKEY *key);
bool ca_verify_data(EVP_PKEY *key, const unsigned char *sig, size_t sig_len,
		    const unsigned char *data, size_t len);

/* ---- the register: what the CA signed and revoked ---- */

/* One certificate as the database knows it (borrowed for the call). */
typedef struct ca_status {
	const char *serial;               /* upper-case hex */
	const unsigned char *der;         /* NULL when not kept */
	size_t der_len;
	bool revoked;
	int64_t revoked_ms;               /* when revoked (UTC ms) */
	const char *reason;               /* the database's word: lost, broken,
					   * revoked, superseded, ... */
} ca_status;

/* The CA whose files live in dir (borrowed for each call). */
typedef struct ca_keys {
	const char *dir;
	EVP_PKEY *key;
	X509 *cert;
	const ca_profile *profile;
} ca_keys;

/* The CRL reason (RFC 5280 CRLReason, OpenSSL's word in index.txt) for the
 * database's reason: lost -> keyCompromise, broken and revoked ->
 * cessationOfOperation, superseded -> superseded, anything else
 * unspecified. */
const char *ca_crl_reason(const char *db_reason);

/* A certificate just signed: its V line into index.txt. 0 or -1 with err. */
int ca_register_issued(const ca_keys *k, X509 *x, kerr *err);
/* One certificate revoked (it must be in index.txt), then the CRL published.
 * A certificate already revoked stays as first revoked. 0, 1 when this CA
 * did not issue it (not in the index), -1 with err. */
int ca_register_revoke(const ca_keys *k, const char *serial, const char *db_reason,
		       int64_t at_ms, kerr *err);
/* The index brought to what the database says, then the CRL published
 * (always, so its thisUpdate and number move on): every certificate in list
 * that this CA signed (its DER verifies) is entered when missing and revoked
 * when the database has revoked it. Lines the database does not know (a
 * certificate signed and never recorded) stay as they are; a revocation is
 * never taken back. *changed (may be NULL) counts the lines added or
 * revoked. 0 or -1 with err. */
int ca_register_sync(const ca_keys *k, const ca_status *list, size_t n, size_t *changed,
		     kerr *err);
/* The CRL alone, signed again from index.txt (thisUpdate now). */
int ca_register_publish(const ca_keys *k, kerr *err);

#endif
