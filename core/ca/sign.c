/* sign: what the CA's key signs and what the kiosk verifies, in either of
 * the kiosk's two algorithms (ca.h): ECDSA with SHA-256 for an EC P-256 key,
 * SM2 with SM3 (GM/T 0003, GM/T 0009) for an SM2 key. An SM2 signature
 * covers Z = SM3(ENTL || ID || curve || public key) before the message, so
 * signer and verifier must use the same distinguishing ID; OpenSSL 3.0 takes
 * an empty ID unless told, which no GM/T relying party uses. Every SM2
 * signature and verification of the kiosk goes through here with the
 * GM/T 0009 default ID set explicitly (CA_SM2_ID). */
#include "core/ca/ca.h"

#include <openssl/err.h>
#include <string.h>

const char ca_sm2_id[] = CA_SM2_ID;

bool ca_key_is_sm2(const EVP_PKEY *key)
{
	return key && EVP_PKEY_is_a(key, "SM2");
}

const char *ca_key_alg_name(const EVP_PKEY *key)
{
	if (ca_key_is_sm2(key))
		return "sm2";
	if (key && EVP_PKEY_is_a(key, "EC"))
		return "p256";
	return "?";
}

/* A digest context for key, with the SM2 ID on an SM2 key. */
static EVP_MD_CTX *md_for(EVP_PKEY *key, bool sign)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	bool sm2 = ca_key_is_sm2(key);
	const char *dg = sm2 ? "SM3" : "SHA256";
	int ok = md && (sign ? EVP_DigestSignInit_ex(md, &pc, dg, NULL, NULL, key, NULL)
			     : EVP_DigestVerifyInit_ex(md, &pc, dg, NULL, NULL, key, NULL)) == 1;
	if (ok && sm2)
		ok = EVP_PKEY_CTX_set1_id(pc, ca_sm2_id, CA_SM2_ID_LEN) > 0;
	if (!ok) {
		EVP_MD_CTX_free(md);
		return NULL;
	}
	return md;
}

int ca_sm2_set_id(X509 *x)
{
	if (!x)
		return -1;
	ASN1_OCTET_STRING *id = ASN1_OCTET_STRING_new();
	if (!id || ASN1_OCTET_STRING_set(id, (const unsigned char *)ca_sm2_id, CA_SM2_ID_LEN) != 1) {
		ASN1_OCTET_STRING_free(id);
		return -1;
	}
	X509_set0_distinguishing_id(x, id); /* x owns it */
	return 0;
}

int ca_sign_cert(X509 *x, EVP_PKEY *key)
{
	EVP_MD_CTX *md = md_for(key, true);
	int ok = md && X509_sign_ctx(x, md) > 0;
	EVP_MD_CTX_free(md);
	/* verified later in this process with the same ID */
	if (ok && ca_key_is_sm2(key) && ca_sm2_set_id(x) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

int ca_sign_crl(X509_CRL *crl, EVP_PKEY *key)
{
	EVP_MD_CTX *md = md_for(key, true);
	int ok = md && X509_CRL_sign_ctx(crl, md) > 0;
	EVP_MD_CTX_free(md);
	return ok ? 0 : -1;
}

bool ca_verify_cert(X509 *x, EVP_PKEY *key)
{
	if (!x || !key)
		return false;
	if (ca_key_is_sm2(key) && ca_sm2_set_id(x) != 0)
		return false;
	bool ok = X509_verify(x, key) == 1;
	ERR_clear_error();
	return ok;
}

bool ca_verify_crl(X509_CRL *crl, EVP_PKEY *key)
{
	if (!crl || !key)
		return false;
	if (!ca_key_is_sm2(key)) {
		bool ok = X509_CRL_verify(crl, key) == 1;
		ERR_clear_error();
		return ok;
	}
	/* X509_CRL_verify has no distinguishing ID to give OpenSSL 3.0 (it
	 * verifies SM2 with an empty one): the signature over the DER of the
	 * TBSCertList, checked here with ours */
	unsigned char *tbs = NULL;
	int tlen = i2d_re_X509_CRL_tbs(crl, &tbs);
	const ASN1_BIT_STRING *sig = NULL;
	X509_CRL_get0_signature(crl, &sig, NULL);
	EVP_MD_CTX *md = tlen > 0 && sig ? md_for(key, false) : NULL;
	bool ok = md && EVP_DigestVerify(md, ASN1_STRING_get0_data(sig),
					 (size_t)ASN1_STRING_length(sig), tbs, (size_t)tlen) == 1;
	EVP_MD_CTX_free(md);
	OPENSSL_free(tbs);
	ERR_clear_error();
	return ok;
}

bool ca_verify_data(EVP_PKEY *key, const unsigned char *sig, size_t sig_len,
		    const unsigned char *data, size_t len)
{
	EVP_MD_CTX *md = key ? md_for(key, false) : NULL;
	bool ok = md && EVP_DigestVerify(md, sig, sig_len, data, len) == 1;
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return ok;
}
