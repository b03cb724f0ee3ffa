/* The national algorithms at the local CA (core/ca/sign.c, the local
 * issuer): an SM2 key is certified SM2-with-SM3 by a second CA key (SM2,
 * in ca/sm2, made on first use) under the GM/T 0009 default distinguishing
 * ID, which OpenSSL checks only when told (a certificate or CRL checked with
 * an empty or another ID fails); a P-256 key is certified as before by the
 * P-256 CA, which never lists the SM2 certificates; the SM2 CA revokes and
 * publishes an SM2-signed CRL; signatures of data verify under the ID only;
 * a platform's key_algorithm in services.ini (p256, sm2, anything else
 * refused with file:line); the key status object's 85 (the pair's
 * algorithm) and the public key object's 06 (its curve). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/base/clock.h"
#include "core/ca/ca.h"
#include "core/case/catalog.h"
#include "core/token/issuer.h"
#include "core/token/token_profile.h"
#include "tests/unit/testutil.h"

#define T0 1763712000000LL /* 2025-11-21 16:00 +08:00 */
#define UNIT "四川测试科技有限公司"
#define USCC "91310115MA1K3BTP2B"

typedef struct fx {
	char dir[256];
	char ca[320];
	EVP_PKEY *sm2, *p256;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	if (!f || !tu_mkdtemp(f->dir, sizeof f->dir))
		return -1;
	tu_path(f->ca, sizeof f->ca, f->dir, "ca");
	f->sm2 = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
	f->p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!f->sm2 || !f->p256)
		return -1;
	clock_set_fixed(T0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	tu_rmrf(f->dir);
	EVP_PKEY_free(f->sm2);
	EVP_PKEY_free(f->p256);
	free(f);
	clock_set_fixed(0);
	return 0;
}

static void issue(issuer *is, EVP_PKEY *key, issued_cert *ic)
{
	unsigned char *spki = NULL;
	int n = i2d_PUBKEY(key, &spki);
	assert_true(n > 0);
	long today = clock_today();
	issue_request rq = { spki, (size_t)n, UNIT, USCC, today, civil_add_years(today, 1), 0 };
	kerr err = { 0 };
	if (issuer_issue(is, &rq, ic, &err) != 0)
		fail_msg("%s: %s", err.where, err.msg);
	OPENSSL_free(spki);
}

static X509 *der_cert(const issued_cert *ic)
{
	const unsigned char *p = ic->der;
	X509 *x = d2i_X509(NULL, &p, (long)ic->der_len);
	assert_non_null(x);
	return x;
}

static X509 *load_pem(const char *dir, const char *name)
{
	char path[512];
	tu_path(path, sizeof path, dir, name);
	FILE *fp = fopen(path, "r");
	if (!fp)
		fail_msg("%s: missing", path);
	X509 *x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	assert_non_null(x);
	return x;
}

/* Chain verification of x against ca, strict, with the given ID on both
 * (NULL: none, as OpenSSL 3.0 does by default). */
static int chain_ok(X509 *x, X509 *ca, const char *id)
{
	if (id) {
		ASN1_OCTET_STRING *o = ASN1_OCTET_STRING_new();
		ASN1_OCTET_STRING_set(o, (const unsigned char *)id, (int)strlen(id));
		X509_set0_distinguishing_id(x, o);
	} else {
		X509_set0_distinguishing_id(x, NULL);
	}
	X509_STORE *store = X509_STORE_new();
	X509_STORE_add_cert(store, ca);
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_STORE_CTX_init(ctx, store, x, NULL);
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_X509_STRICT);
	X509_STORE_CTX_set_time(ctx, 0, (time_t)(T0 / 1000 + 60));
	int ok = X509_verify_cert(ctx);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	return ok;
}

static bool index_has(const char *dir, const char *serial)
{
	char path[512];
	tu_path(path, sizeof path, dir, "index.txt");
	char *t = tu_read_file(path, NULL);
	bool has = t && strstr(t, serial) != NULL;
	free(t);
	return has;
}

static void test_sm2_certificate(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	issuer *is = issuer_local_new(f->ca, &err);
	assert_non_null(is);
	char sm2dir[400];
	tu_path(sm2dir, sizeof sm2dir, f->ca, "sm2");
	/* made when the first SM2 key is certified, not before */
	assert_false(tu_exists(sm2dir));
	issued_cert ic;
	issue(is, f->sm2, &ic);
	X509 *x = der_cert(&ic);
	assert_int_equal(X509_get_signature_nid(x), NID_SM2_with_SM3);
	assert_true(EVP_PKEY_is_a(X509_get0_pubkey(x), "SM2"));
	X509 *ca = load_pem(sm2dir, "ca.crt");
	assert_true(EVP_PKEY_is_a(X509_get0_pubkey(ca), "SM2"));
	assert_int_equal(X509_get_signature_nid(ca), NID_SM2_with_SM3);
	assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(ca)), 0);
	char cn[80];
	X509_NAME_get_text_by_NID(X509_get_subject_name(ca), NID_commonName, cn, sizeof cn);
	assert_string_equal(cn, "SCCA Kiosk Local SM2 CA");
	/* the signature is over Z with the GM/T 0009 default ID: it verifies
	 * with that ID, not with OpenSSL 3.0's empty default nor another */
	assert_int_equal(chain_ok(x, ca, CA_SM2_ID), 1);
	assert_int_not_equal(chain_ok(x, ca, NULL), 1);
	assert_int_not_equal(chain_ok(x, ca, "1111111111111111"), 1);
	assert_true(ca_verify_cert(x, X509_get0_pubkey(ca)));
	/* the CA certificate signs itself with the ID too */
	assert_true(ca_verify_cert(ca, X509_get0_pubkey(ca)));
	X509_set0_distinguishing_id(ca, NULL);
	assert_int_not_equal(X509_verify(ca, X509_get0_pubkey(ca)), 1);
	/* the issuer knows it as its own; each CA's index holds its own */
	assert_int_equal(issuer_verify(is, ic.der, ic.der_len, &err), 0);
	assert_true(index_has(sm2dir, ic.serial));
	assert_false(index_has(f->ca, ic.serial));
	X509_free(ca);
	X509_free(x);
	issued_cert_clear(&ic);
	issuer_free(is);
}

static void test_p256_as_before(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	issuer *is = issuer_local_new(f->ca, &err);
	assert_non_null(is);
	issued_cert ic;
	issue(is, f->p256, &ic);
	X509 *x = der_cert(&ic);
	assert_int_equal(X509_get_signature_nid(x), NID_ecdsa_with_SHA256);
	X509 *ca = load_pem(f->ca, "ca.crt");
	assert_int_equal(chain_ok(x, ca, NULL), 1);
	assert_true(index_has(f->ca, ic.serial));
	char sm2dir[400];
	tu_path(sm2dir, sizeof sm2dir, f->ca, "sm2");
	assert_false(tu_exists(sm2dir));
	/* and once the SM2 CA exists, a P-256 key still goes to the P-256 CA */
	issued_cert ic2, ic3;
	issue(is, f->sm2, &ic2);
	issue(is, f->p256, &ic3);
	X509 *x3 = der_cert(&ic3);
	assert_int_equal(X509_get_signature_nid(x3), NID_ecdsa_with_SHA256);
	assert_int_equal(chain_ok(x3, ca, NULL), 1);
	assert_false(index_has(sm2dir, ic3.serial));
	/* a second start opens both */
	issuer_free(is);
	is = issuer_local_new(f->ca, &err);
	assert_non_null(is);
	assert_int_equal(issuer_verify(is, ic2.der, ic2.der_len, &err), 0);
	assert_int_equal(issuer_verify(is, ic3.der, ic3.der_len, &err), 0);
	X509_free(x3);
	X509_free(ca);
	X509_free(x);
	issued_cert_clear(&ic);
	issued_cert_clear(&ic2);
	issued_cert_clear(&ic3);
	issuer_free(is);
}

static X509_CRL *load_crl(const char *dir)
{
	char path[512];
	tu_path(path, sizeof path, dir, "crl.der");
	size_t len = 0;
	char *der = tu_read_file(path, &len);
	assert_non_null(der);
	const unsigned char *p = (const unsigned char *)der;
	X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
	assert_non_null(crl);
	free(der);
	return crl;
}

/* The CRL's signature checked by hand with id (may be "": empty). */
static bool crl_sig_ok(X509_CRL *crl, EVP_PKEY *key, const char *id)
{
	unsigned char *tbs = NULL;
	int tl = i2d_re_X509_CRL_tbs(crl, &tbs);
	const ASN1_BIT_STRING *sig = NULL;
	X509_CRL_get0_signature(crl, &sig, NULL);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	bool ok = tl > 0 && md &&
		  EVP_DigestVerifyInit_ex(md, &pc, "SM3", NULL, NULL, key, NULL) == 1 &&
		  EVP_PKEY_CTX_set1_id(pc, id, strlen(id)) > 0 &&
		  EVP_DigestVerify(md, ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig),
				   tbs, (size_t)tl) == 1;
	EVP_MD_CTX_free(md);
	OPENSSL_free(tbs);
	return ok;
}

static void test_sm2_revoked_in_its_crl(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	issuer *is = issuer_local_new(f->ca, &err);
	assert_non_null(is);
	issued_cert ic;
	issue(is, f->sm2, &ic);
	if (issuer_revoke(is, ic.serial, "lost", &err) != 0)
		fail_msg("%s: %s", err.where, err.msg);
	char sm2dir[400];
	tu_path(sm2dir, sizeof sm2dir, f->ca, "sm2");
	X509 *ca = load_pem(sm2dir, "ca.crt");
	X509_CRL *crl = load_crl(sm2dir);
	assert_int_equal(X509_CRL_get_signature_nid(crl), NID_SM2_with_SM3);
	assert_int_equal(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), 1);
	assert_true(ca_verify_crl(crl, X509_get0_pubkey(ca)));
	assert_true(crl_sig_ok(crl, X509_get0_pubkey(ca), CA_SM2_ID));
	assert_false(crl_sig_ok(crl, X509_get0_pubkey(ca), ""));
	X509_CRL_free(crl);
	/* the P-256 CA's CRL does not list it (no entries: no list at all) */
	crl = load_crl(f->ca);
	assert_true(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)) <= 0);
	X509_CRL_free(crl);
	/* a serial neither CA issued */
	assert_int_equal(issuer_revoke(is, "1234ABCD", "lost", &err), -1);
	X509_free(ca);
	issued_cert_clear(&ic);
	issuer_free(is);
}

/* Signatures of data (the key's answer to the final check's challenge). */
static void test_sm2_data_signature(void **state)
{
	fx *f = *state;
	const unsigned char msg[] = "challenge";
	unsigned char sig[128];
	for (int i = 0; i < 2; i++) {
		const char *id = i == 0 ? CA_SM2_ID : "";
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		EVP_PKEY_CTX *pc = NULL;
		size_t sl = sizeof sig;
		assert_int_equal(EVP_DigestSignInit_ex(md, &pc, "SM3", NULL, NULL, f->sm2, NULL), 1);
		assert_true(EVP_PKEY_CTX_set1_id(pc, id, strlen(id)) > 0);
		assert_int_equal(EVP_DigestSign(md, sig, &sl, msg, sizeof msg), 1);
		EVP_MD_CTX_free(md);
		/* the kiosk verifies under the default ID only */
		assert_int_equal(ca_verify_data(f->sm2, sig, sl, msg, sizeof msg), i == 0);
	}
	assert_string_equal(ca_key_alg_name(f->sm2), "sm2");
	assert_string_equal(ca_key_alg_name(f->p256), "p256");
}

static void test_platform_key_algorithm(void **state)
{
	(void)state;
	char cfg[600];
	assert_non_null(tu_config_copy(cfg, sizeof cfg));
	char path[700];
	tu_path(path, sizeof path, cfg, "services.ini");
	kerr err = { 0 };
	catalog *c = catalog_load(cfg, &err);
	assert_non_null(c);
	/* shipped: every platform P-256 */
	for (size_t i = 0; i < c->n_platforms; i++)
		assert_int_equal(c->platforms[i].key_alg, KEY_ALG_P256);
	catalog_free(c);
	assert_true(tu_edit_line(path, "[platform zc]", "key_algorithm = p256",
				 "key_algorithm = sm2") > 0);
	c = catalog_load(cfg, &err);
	assert_non_null(c);
	assert_int_equal(catalog_platform(c, "zc")->key_alg, KEY_ALG_SM2);
	assert_int_equal(catalog_platform(c, "rs")->key_alg, KEY_ALG_P256);
	catalog_free(c);
	int line = tu_edit_line(path, NULL, "key_algorithm = sm2", "key_algorithm = rsa");
	assert_true(line > 0);
	assert_null(catalog_load(cfg, &err));
	char where[64];
	snprintf(where, sizeof where, "services.ini:%d", line);
	assert_non_null(strstr(err.where, where));
	assert_non_null(strstr(err.msg, "p256"));
	tu_config_remove(cfg);
}

static void test_status_object(void **state)
{
	(void)state;
	tp_status s = { .serial = "SC-1", .lcs = 5, .user_max = 6, .user_left = 6,
			.admin_max = 10, .admin_left = 10, .has_key = true, .key_alg = TP_ALG_P256 };
	uint8_t p256[128], sm2[128];
	size_t n1 = tp_status_encode(&s, p256, sizeof p256);
	s.key_alg = TP_ALG_SM2;
	size_t n2 = tp_status_encode(&s, sm2, sizeof sm2);
	/* a P-256 key answers as keys always did; an SM2 key adds 85 01 53 */
	assert_int_equal(n2, n1 + 3);
	assert_memory_equal(sm2 + n2 - 3, "\x85\x01\x53", 3);
	tp_status d;
	assert_int_equal(tp_status_decode(p256, n1, &d), 0);
	assert_int_equal(tp_key_alg_of(d.key_alg), KEY_ALG_P256);
	assert_int_equal(tp_status_decode(sm2, n2, &d), 0);
	assert_int_equal(tp_key_alg_of(d.key_alg), KEY_ALG_SM2);
	sm2[n2 - 1] = 0x99; /* an algorithm the profile does not know */
	assert_int_equal(tp_status_decode(sm2, n2, &d), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sm2_certificate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_p256_as_before, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sm2_revoked_in_its_crl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sm2_data_signature, setup, teardown),
		cmocka_unit_test(test_platform_key_algorithm),
		cmocka_unit_test(test_status_object),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
