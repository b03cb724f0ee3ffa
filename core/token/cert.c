/* cert: parsing a key's certificate and comparing it with a case (cert.h). */
#include "core/token/cert.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "core/base/clock.h"
#include "core/base/names.h"
#include "core/case/validate.h"

ENUM_DEFINE_WORD_KEY(cert_match, CERT_MATCHES, "?", "cert.match.both_differ")

/* One subject attribute as UTF-8 into out; false when absent or too long. */
static bool name_entry(const X509_NAME *n, int nid, char *out, size_t cap)
{
	out[0] = '\0';
	int i = X509_NAME_get_index_by_NID(n, nid, -1);
	if (i < 0)
		return false;
	const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
	unsigned char *u = NULL;
	int len = ASN1_STRING_to_UTF8(&u, s);
	bool ok = len >= 0 && (size_t)len < cap && !memchr(u, '\0', (size_t)len);
	if (ok) {
		memcpy(out, u, (size_t)len);
		out[len] = '\0';
	}
	OPENSSL_free(u);
	return ok;
}

static void name_line(const X509_NAME *n, char *out, size_t cap)
{
	out[0] = '\0';
	BIO *b = BIO_new(BIO_s_mem());
	if (!b)
		return;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		int k = BIO_read(b, out, (int)cap - 1);
		out[k > 0 ? k : 0] = '\0';
	}
	BIO_free(b);
}

static bool time_day(const ASN1_TIME *t, long *day, int64_t *secs)
{
	struct tm tm;
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return false;
	time_t s = timegm(&tm);
	if (s == (time_t)-1)
		return false;
	*secs = (int64_t)s;
	*day = clock_local_day((int64_t)s * 1000);
	return *day >= 0;
}

/* The USCC in the GM/T 0015 organisation identity extension, if any. */
static void identity_uscc(const X509 *x, char *out, size_t cap)
{
	ASN1_OBJECT *o = OBJ_txt2obj("1.2.156.10260.4.1.4", 1);
	int i = o ? X509_get_ext_by_OBJ(x, o, -1) : -1;
	ASN1_OBJECT_free(o);
	if (i < 0)
		return;
	const ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(X509_get_ext(x, i));
	const unsigned char *p = ASN1_STRING_get0_data(os);
	ASN1_STRING *s = d2i_ASN1_PRINTABLE(NULL, &p, ASN1_STRING_length(os));
	val_result r;
	char v[64];
	if (s && ASN1_STRING_length(s) < (int)sizeof v &&
	    (ASN1_STRING_type(s) == V_ASN1_PRINTABLESTRING || ASN1_STRING_type(s) == V_ASN1_UTF8STRING)) {
		memcpy(v, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
		v[ASN1_STRING_length(s)] = '\0';
		if (strlen(v) == 18 && validate_uscc(v, &r))
			snprintf(out, cap, "%.18s", r.norm);
	}
	ASN1_STRING_free(s);
}

int cert_parse(const unsigned char *der, size_t len, cert_info *out, kerr *err)
{
	memset(out, 0, sizeof *out);
	out->not_before = out->not_after = -1;
	if (!der || len == 0 || len > 65535)
		return kerr_set(err, "certificate", "no certificate data");
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	if (!x || p != der + len) {
		X509_free(x);
		return kerr_set(err, "certificate", "not a DER X.509 certificate");
	}
	int rc = -1;
	const X509_NAME *subj = X509_get_subject_name(x);
	if (!name_entry(subj, NID_organizationName, out->unit_name, sizeof out->unit_name))
		name_entry(subj, NID_commonName, out->unit_name, sizeof out->unit_name);
	char v[64];
	val_result r;
	if ((name_entry(subj, NID_serialNumber, v, sizeof v) && validate_uscc(v, &r)) ||
	    (name_entry(subj, NID_organizationalUnitName, v, sizeof v) && validate_uscc(v, &r)))
		snprintf(out->uscc, sizeof out->uscc, "%.18s", r.norm);
	else
		identity_uscc(x, out->uscc, sizeof out->uscc);
	name_line(subj, out->subject, sizeof out->subject);
	name_line(X509_get_issuer_name(x), out->issuer, sizeof out->issuer);
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	if (hex && strlen(hex) <= TOKEN_CERT_SERIAL_MAX && hex[0] != '-')
		snprintf(out->serial, sizeof out->serial, "%s", hex);
	OPENSSL_free(hex);
	BN_free(bn);
	if (!out->serial[0]) {
		kerr_set(err, "certificate", "the serial number is negative or over %d hex digits",
			 TOKEN_CERT_SERIAL_MAX);
		goto out;
	}
	if (!time_day(X509_get0_notBefore(x), &out->not_before, &out->not_before_s) ||
	    !time_day(X509_get0_notAfter(x), &out->not_after, &out->not_after_s) ||
	    out->not_after < out->not_before) {
		kerr_set(err, "certificate", "the validity dates cannot be read");
		goto out;
	}
	rc = 0;
out:
	X509_free(x);
	if (rc)
		out->not_before = out->not_after = -1;
	return rc;
}

/* Unit name folded for comparison into out (cap >= strlen(s) + 1). */
static void fold(const char *s, char *out, size_t cap)
{
	size_t k = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (p[0] == 0xEF && p[1] == 0xBC && (p[2] == 0x88 || p[2] == 0x89)) {
			out[k++] = p[2] == 0x88 ? '(' : ')'; /* full-width brackets */
			p += 3;
		} else if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) {
			out[k++] = ' '; /* ideographic space */
			p += 3;
		} else {
			char c = (char)*p++;
			out[k++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
		}
		if (k + 1 >= cap)
			break;
	}
	out[k] = '\0';
	/* trim spaces at both ends */
	size_t b = 0;
	while (out[b] == ' ' || out[b] == '\t')
		b++;
	while (k > b && (out[k - 1] == ' ' || out[k - 1] == '\t'))
		out[--k] = '\0';
	memmove(out, out + b, k - b + 1);
}

cert_match cert_compare(const cert_info *c, const char *unit_name, const char *uscc)
{
	char a[TOKEN_UNIT_MAX + 1], b[TOKEN_UNIT_MAX + 1];
	fold(c->unit_name, a, sizeof a);
	fold(unit_name ? unit_name : "", b, sizeof b);
	bool unit_ok = a[0] && strcmp(a, b) == 0;
	val_result r;
	bool uscc_ok = c->uscc[0] && uscc && validate_uscc(uscc, &r) && strcmp(r.norm, c->uscc) == 0;
	if (unit_ok && uscc_ok)
		return CERT_MATCH;
	if (uscc_ok)
		return CERT_UNIT_DIFFERS;
	if (unit_ok)
		return CERT_USCC_DIFFERS;
	return CERT_BOTH_DIFFER;
}

bool cert_key_matches(const unsigned char *der, size_t len, const unsigned char *spki,
		      size_t spki_len)
{
	if (!der || !spki)
		return false;
	const unsigned char *p = der, *q = spki;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	EVP_PKEY *k = d2i_PUBKEY(NULL, &q, (long)spki_len);
	bool eq = x && k && X509_get0_pubkey(x) && EVP_PKEY_eq(X509_get0_pubkey(x), k) == 1;
	EVP_PKEY_free(k);
	X509_free(x);
	return eq;
}
