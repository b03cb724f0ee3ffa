/* cert: X.509 certificates as the counter needs them, with OpenSSL: parse the
 * certificate read from a key into the fields a case is checked against
 * (unit name, USCC, serial, validity as civil days in Asia/Shanghai) and
 * compare them with the case, which is how "所属机构与key信息不一致" (the
 * unit on the certificate is not the account's) is caught at the counter.
 * cert_info is a plain value owned by the caller. Subject layout of the
 * kiosk's certificates (core/issuer): C=CN, O=<unit>, CN=<unit>,
 * serialNumber=<USCC>; an OU of 18 characters that is a valid USCC is also
 * taken as the USCC, as some CAs put it there, and so is the GM/T 0015
 * organisation identity extension (1.2.156.10260.4.1.4, a PrintableString or
 * UTF8String) when the subject holds none. */
#ifndef CORE_CERT_H
#define CORE_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/base/names.h"
#include "core/token/token.h"

typedef struct cert_info {
	char unit_name[TOKEN_UNIT_MAX + 1];      /* O, else CN; "" none */
	char uscc[19];                           /* serialNumber or OU; "" none */
	char serial[TOKEN_CERT_SERIAL_MAX + 1];  /* upper-case hex */
	long not_before, not_after;              /* civil days, Asia/Shanghai */
	int64_t not_before_s, not_after_s;       /* the exact times (UTC s) */
	char subject[512];                       /* one line, UTF-8, for display */
	char issuer[512];
} cert_info;

/* Parse a DER certificate. 0, or -1 with err (not DER X.509, no validity). */
int cert_parse(const unsigned char *der, size_t len, cert_info *out, kerr *err);

/* How the certificate compares with a case: enum, name, UI string key (the
 * strings take {cert_unit}, {cert_uscc}, {case_unit}, {case_uscc}), with
 * cert_match_name(), _key() and _from_name() from core/base/names.h (out of
 * range: "?" and both_differ's key). */
#define CERT_MATCHES(X)                                                    \
	X(CERT_MATCH,         "match",         "cert.match.match")         \
	X(CERT_UNIT_DIFFERS,  "unit_differs",  "cert.match.unit_differs")  \
	X(CERT_USCC_DIFFERS,  "uscc_differs",  "cert.match.uscc_differs")  \
	X(CERT_BOTH_DIFFER,   "both_differ",   "cert.match.both_differ")

ENUM_DECLARE_WORD_KEY(cert_match, CERT_MATCHES, CERT_MATCH_COUNT);

/* Compare with the case's unit name and USCC. Unit names are compared after
 * trimming spaces and folding full-width brackets and ASCII case (the
 * certificate may write （） where the form has ()); the USCC exactly after
 * upper-casing. */
cert_match cert_compare(const cert_info *c, const char *unit_name, const char *uscc);

/* The certificate's public key as DER SubjectPublicKeyInfo equals spki. */
bool cert_key_matches(const unsigned char *der, size_t len, const unsigned char *spki,
		      size_t spki_len);

#endif
