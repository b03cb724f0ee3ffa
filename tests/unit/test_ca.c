/* core/ca with the local issuer and db/token_repo on real files: the
 * shipped certificate profile (kiosk-config/ca.ini) and its faults named by
 * file:line; the term (a year ends one second before the same clock time on
 * the anniversary, not a day later); the profile's extensions on an issued
 * certificate, which OpenSSL verifies strictly; every certificate of a
 * retired key revoked at the CA (also the renewed key's earlier one, and one
 * noted but never recorded), in index.txt and in a signed CRL with its
 * number; the CA's files caught up with the database after a kiosk died
 * between the commit and them, and rebuilt when lost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/civil.h"
#include "core/base/clock.h"
#include "core/ca/ca.h"
#include "core/case/staff.h"
#include "core/token/issuer.h"
#include "db/db.h"
#include "db/repo/case_repo.h"
#include "db/repo/staff_repo.h"
#include "db/repo/token_repo.h"
#include "tests/unit/testutil.h"

#ifndef KIOSK_CONFIG_DIR
#define KIOSK_CONFIG_DIR "kiosk-config"
#endif

#define T0 1763712000000LL /* 2025-11-21 16:00 +08:00 */
#define UNIT "四川测试科技有限公司"
#define USCC "91310115MA1K3BTP2B"

typedef struct fx {
	char dir[256];
	char ca[320];
	unsigned char *spki;
	size_t spki_len;
	EVP_PKEY *key;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	if (!f || !tu_mkdtemp(f->dir, sizeof f->dir))
		return -1;
	tu_path(f->ca, sizeof f->ca, f->dir, "ca");
	f->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	unsigned char *p = NULL;
	int n = f->key ? i2d_PUBKEY(f->key, &p) : -1;
	if (n <= 0)
		return -1;
	f->spki = p;
	f->spki_len = (size_t)n;
	clock_set_fixed(T0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	tu_rmrf(f->dir);
	OPENSSL_free(f->spki);
	EVP_PKEY_free(f->key);
	free(f);
	clock_set_fixed(0);
	return 0;
}

/* ---- the profile ---- */

static void test_profile_shipped(void **state)
{
	(void)state;
	ca_profile p;
	kerr err = { 0 };
	assert_int_equal(ca_profile_load(KIOSK_CONFIG_DIR, &p, &err), 0);
	assert_string_equal(p.identity_oid, "1.2.156.10260.4.1.4");
	assert_true(strncmp(p.crl_url, "http://", 7) == 0);
	assert_true(strncmp(p.ocsp_url, "http://", 7) == 0);
	assert_true(p.policy_oid[0]);
	assert_int_equal(p.key_usage, 1u << CA_KU_DIGITAL_SIGNATURE | 1u << CA_KU_NON_REPUDIATION);
	assert_int_equal(p.ext_key_usage, 1u << CA_EKU_CLIENT_AUTH);
	assert_int_equal(p.crl_days, 7);
}

static const char good_ini[] =
	"[profile]\n"
	"policy_oid = 2.999.1\n"
	"cps_url =\n"
	"crl_url = http://crl.test/ca.crl\n"
	"ocsp_url = http://ocsp.test:8080/\n"
	"ca_issuers_url = http://crl.test/ca.crt\n"
	"identity_oid = 1.2.156.10260.4.1.4\n"
	"key_usage = digitalSignature, nonRepudiation\n"
	"ext_key_usage = clientAuth, emailProtection\n"
	"[crl]\n"
	"next_update_days = 3\n";

/* good_ini with the line starting `key` replaced by repl ("" drops it);
 * loaded; the error's where and message checked. */
static void refused(fx *f, const char *key, const char *repl, int line, const char *says)
{
	char text[2048] = "", path[400];
	const char *p = good_ini;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = (size_t)(nl - p) + 1;
		if (strncmp(p, key, strlen(key)) == 0)
			strcat(text, repl);
		else
			strncat(text, p, len);
		p += len;
	}
	tu_path(path, sizeof path, f->dir, "ca.ini");
	assert_true(tu_write_file(path, text, strlen(text)));
	ca_profile pr;
	kerr err = { 0 };
	assert_int_equal(ca_profile_load(f->dir, &pr, &err), -1);
	char where[420];
	snprintf(where, sizeof where, "%s:%d", path, line);
	if (line)
		assert_string_equal(err.where, where);
	if (!strstr(err.msg, says))
		fail_msg("%s: message '%s' lacks '%s'", key, err.msg, says);
}

static void test_profile_errors(void **state)
{
	fx *f = *state;
	char path[400];
	tu_path(path, sizeof path, f->dir, "ca.ini");
	assert_true(tu_write_file(path, good_ini, strlen(good_ini)));
	ca_profile p;
	kerr err = { 0 };
	assert_int_equal(ca_profile_load(f->dir, &p, &err), 0);
	assert_string_equal(p.ocsp_url, "http://ocsp.test:8080/");
	assert_string_equal(p.cps_url, "");
	assert_int_equal(p.ext_key_usage, 3u);
	assert_int_equal(p.crl_days, 3);

	refused(f, "crl_url", "crl_url = https://crl.test/ca.crl\n", 4, "plain http");
	refused(f, "crl_url", "crl_url =\n", 4, "relying parties need it");
	refused(f, "crl_url", "", 1, "lacks the required key 'crl_url'");
	refused(f, "ocsp_url", "ocsp_url = http://ocsp test/\n", 5, "printable ASCII");
	refused(f, "ocsp_url", "ocsp_url = ftp://ocsp.test/\n", 5, "http:// URL");
	refused(f, "policy_oid", "policy_oid = 1.2.abc\n", 2, "not an object identifier");
	refused(f, "policy_oid", "policy_oid = 3.1\n", 2, "not an object identifier");
	refused(f, "policy_oid", "policy_oid = 1.2.156.10260.4.1.4\n", 7, "same as policy_oid");
	refused(f, "identity_oid", "identity_oid = 1.02.3\n", 7, "not an object identifier");
	refused(f, "key_usage", "key_usage = digitalSignature, keyEncipherment\n", 8,
		"'keyEncipherment' is not allowed");
	refused(f, "key_usage", "key_usage =\n", 8, "needs at least one");
	refused(f, "ext_key_usage", "ext_key_usage = clientAuth, clientAuth\n", 9, "listed twice");
	refused(f, "next_update_days", "next_update_days = 0\n", 11, "from 1 to 30");
	refused(f, "[crl]", "[crls]\n", 10, "unknown section [crls]");
	refused(f, "cps_url", "cps = http://x.test/\n", 3, "unknown key 'cps'");
	tu_rmrf(path);
	assert_int_equal(ca_profile_load(f->dir, &p, &err), -1);
	assert_non_null(strstr(err.where, "ca.ini"));
}

/* ---- the term ---- */

static void test_term(void **state)
{
	(void)state;
	int64_t t = T0 / 1000;
	/* a one-year certificate lasts a year, not a year and a day */
	assert_int_equal(ca_term_end(t, 1) - t, 365LL * 86400 - 1);
	assert_int_equal(ca_term_end(t, 2) - t, 730LL * 86400 - 1);
	/* over a 29 February the year has 366 days */
	int64_t m = clock_day_start_ms(civil_from_ymd(2027, 3, 1)) / 1000 + 9 * 3600;
	assert_int_equal(ca_term_end(m, 1) - m, 366LL * 86400 - 1);
	/* from a 29 February: the same time on 28 February */
	int64_t leap = clock_day_start_ms(civil_from_ymd(2028, 2, 29)) / 1000 + 10 * 3600;
	int64_t end = ca_term_end(leap, 1);
	assert_int_equal(clock_local_day(end * 1000), civil_from_ymd(2029, 2, 28));
	assert_int_equal(end - clock_day_start_ms(civil_from_ymd(2029, 2, 28)) / 1000,
			 10 * 3600 - 1);
	/* the end moved by whole years keeps its clock time */
	assert_int_equal(ca_add_years(end, 1) - end, 365LL * 86400);
}

/* ---- the extensions ---- */

static issuer *open_ca(fx *f)
{
	ca_profile p;
	kerr err = { 0 };
	assert_int_equal(ca_profile_load(KIOSK_CONFIG_DIR, &p, &err), 0);
	issuer *is = issuer_local_open(f->ca, &p, &err);
	if (!is)
		fail_msg("%s: %s", err.where, err.msg);
	return is;
}

static void issue(fx *f, issuer *is, issued_cert *ic)
{
	long today = clock_today();
	issue_request rq = { f->spki, f->spki_len, UNIT, USCC, today, civil_add_years(today, 1), 0 };
	kerr err = { 0 };
	if (issuer_issue(is, &rq, ic, &err) != 0)
		fail_msg("%s: %s", err.where, err.msg);
}

static X509 *load_pem(const char *path)
{
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	X509 *x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	assert_non_null(x);
	return x;
}

static void test_extensions(void **state)
{
	fx *f = *state;
	issuer *is = open_ca(f);
	issued_cert ic;
	issue(f, is, &ic);
	const unsigned char *p = ic.der;
	X509 *x = d2i_X509(NULL, &p, (long)ic.der_len);
	assert_non_null(x);
	/* CRL distribution point */
	CRL_DIST_POINTS *dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
	assert_non_null(dps);
	GENERAL_NAME *g = sk_GENERAL_NAME_value(sk_DIST_POINT_value(dps, 0)->distpoint->name.fullname, 0);
	assert_int_equal(g->type, GEN_URI);
	assert_string_equal((const char *)ASN1_STRING_get0_data(g->d.uniformResourceIdentifier),
			    "http://ca.example.invalid/crl/kiosk.crl");
	CRL_DIST_POINTS_free(dps);
	/* OCSP and the CA's certificate */
	AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);
	assert_non_null(aia);
	assert_int_equal(sk_ACCESS_DESCRIPTION_num(aia), 2);
	ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, 0);
	assert_int_equal(OBJ_obj2nid(ad->method), NID_ad_OCSP);
	assert_string_equal((const char *)ASN1_STRING_get0_data(ad->location->d.uniformResourceIdentifier),
			    "http://ocsp.example.invalid/");
	assert_int_equal(OBJ_obj2nid(sk_ACCESS_DESCRIPTION_value(aia, 1)->method), NID_ad_ca_issuers);
	AUTHORITY_INFO_ACCESS_free(aia);
	/* the policy */
	CERTIFICATEPOLICIES *pols = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL);
	assert_non_null(pols);
	char oid[80];
	OBJ_obj2txt(oid, sizeof oid, sk_POLICYINFO_value(pols, 0)->policyid, 1);
	assert_string_equal(oid, "2.999.1.1.1");
	CERTIFICATEPOLICIES_free(pols);
	/* GM/T 0015: the USCC as a PrintableString (tag 0x13, 18 bytes) */
	ASN1_OBJECT *o = OBJ_txt2obj("1.2.156.10260.4.1.4", 1);
	int i = X509_get_ext_by_OBJ(x, o, -1);
	ASN1_OBJECT_free(o);
	assert_true(i >= 0);
	X509_EXTENSION *e = X509_get_ext(x, i);
	assert_false(X509_EXTENSION_get_critical(e));
	const ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(e);
	assert_int_equal(ASN1_STRING_length(os), 20);
	assert_memory_equal(ASN1_STRING_get0_data(os), "\x13\x12" USCC, 20);
	/* key usage, EKU, not a CA */
	assert_int_equal(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION);
	assert_int_equal(X509_get_extended_key_usage(x), XKU_SSL_CLIENT);
	assert_int_equal(X509_check_ca(x), 0);
	/* OpenSSL verifies it strictly against the CA's certificate */
	char path[400];
	tu_path(path, sizeof path, f->ca, "ca.crt");
	X509 *ca = load_pem(path);
	X509_STORE *store = X509_STORE_new();
	X509_STORE_add_cert(store, ca);
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	X509_STORE_CTX_init(ctx, store, x, NULL);
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_X509_STRICT);
	X509_STORE_CTX_set_time(ctx, 0, (time_t)(T0 / 1000 + 60)); /* the pinned clock */
	int ok = X509_verify_cert(ctx);
	if (ok != 1)
		fail_msg("strict verify: %s",
			 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	X509_free(ca);
	X509_free(x);
	issued_cert_clear(&ic);
	issuer_free(is);
}

/* ---- revocation: the database is the record, the CA follows ---- */

typedef struct line {
	char type;
	char rev[64];
} line;

/* The index line of serial: its type and revocation field; type 0 none. */
static line index_line(const fx *f, const char *serial)
{
	char path[400];
	tu_path(path, sizeof path, f->ca, "index.txt");
	char *t = tu_read_file(path, NULL);
	line l = { 0 };
	if (!t)
		return l;
	for (char *s = strtok(t, "\n"); s; s = strtok(NULL, "\n")) {
		char f1[4], f2[40], f3[64], f4[80];
		if (sscanf(s, "%3[^\t]\t%39[^\t]\t%63[^\t]\t%79[^\t]", f1, f2, f3, f4) == 4 &&
		    strcmp(f4, serial) == 0) {
			l.type = f1[0];
			snprintf(l.rev, sizeof l.rev, "%s", f3);
		} else if (sscanf(s, "%3[^\t]\t%39[^\t]\t\t%79[^\t]", f1, f2, f4) == 3 &&
			   strcmp(f4, serial) == 0) {
			l.type = f1[0];
		}
	}
	free(t);
	return l;
}

/* The CRL as published: signed by the CA, its number, its revoked serials
 * and their reason codes. */
static X509_CRL *crl_of(const fx *f, issuer *is)
{
	(void)is;
	char path[400];
	tu_path(path, sizeof path, f->ca, "crl.der");
	size_t len = 0;
	char *der = tu_read_file(path, &len);
	assert_non_null(der);
	const unsigned char *p = (const unsigned char *)der;
	X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
	assert_non_null(crl);
	free(der);
	tu_path(path, sizeof path, f->ca, "ca.crt");
	X509 *ca = load_pem(path);
	assert_int_equal(X509_CRL_verify(crl, X509_get0_pubkey(ca)), 1);
	X509_free(ca);
	return crl;
}

static long crl_number(X509_CRL *crl)
{
	ASN1_INTEGER *n = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
	assert_non_null(n);
	long v = ASN1_INTEGER_get(n);
	ASN1_INTEGER_free(n);
	return v;
}

/* The reason code of serial in crl: -1 not listed, 0 listed without one. */
static int crl_reason(X509_CRL *crl, const char *serial)
{
	STACK_OF(X509_REVOKED) *rs = X509_CRL_get_REVOKED(crl);
	for (int i = 0; i < sk_X509_REVOKED_num(rs); i++) {
		X509_REVOKED *r = sk_X509_REVOKED_value(rs, i);
		BIGNUM *bn = ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(r), NULL);
		char *hex = BN_bn2hex(bn);
		bool same = strcmp(hex, serial) == 0;
		OPENSSL_free(hex);
		BN_free(bn);
		if (!same)
			continue;
		ASN1_ENUMERATED *e = X509_REVOKED_get_ext_d2i(r, NID_crl_reason, NULL, NULL);
		int code = e ? (int)ASN1_ENUMERATED_get(e) : 0;
		ASN1_ENUMERATED_free(e);
		return code;
	}
	return -1;
}

/* The kiosk's database beside the CA, with a clerk to act. */
static kdb *open_db(fx *f)
{
	kerr err = { 0 };
	char dbpath[400];
	tu_path(dbpath, sizeof dbpath, f->dir, "kiosk.db");
	kdb *db = db_open(dbpath, "K01", DB_OPEN_CREATE, &err);
	assert_non_null(db);
	assert_int_equal(db_staff_add(db, "system", "clerk1", "张三", ROLE_CLERK, "135790", &err), 0);
	return db;
}

static void test_retired_key_all_revoked(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	kdb *db = open_db(f);
	issuer *is = open_ca(f);
	/* a new key, then renewed a month later: two valid certificates */
	issued_cert a, b, c, d;
	issue(f, is, &a);
	const char *k = "SC-1";
	assert_int_equal(db_token_transition(db, "clerk1", NULL, k, TS_FORMATTED, TR_PERSONALISED,
					     NULL, &err), 0);
	cert_new ca_ = { a.serial, UNIT, USCC, a.not_before, a.not_after, a.der, a.der_len };
	assert_int_equal(db_token_enroll(db, "clerk1", NULL, k, &ca_, TR_ENROLLED, &err), 0);
	clock_set_fixed(T0 + 30LL * 86400000);
	issue(f, is, &b);
	cert_new cb = { b.serial, UNIT, USCC, b.not_before, b.not_after, b.der, b.der_len };
	assert_int_equal(db_token_enroll(db, "clerk1", NULL, k, &cb, TR_RENEWED, &err), 0);
	/* a third issued and noted for the key, whose recording never came */
	clock_set_fixed(T0 + 31LL * 86400000);
	issue(f, is, &c);
	assert_int_equal(db_token_issue_note(db, "clerk1", NULL, k, c.serial, &err), 0);
	/* another key's certificate stays valid throughout */
	issue(f, is, &d);
	assert_int_equal(db_token_transition(db, "clerk1", NULL, "SC-2", TS_FORMATTED,
					     TR_PERSONALISED, NULL, &err), 0);
	cert_new cd = { d.serial, UNIT, USCC, d.not_before, d.not_after, d.der, d.der_len };
	assert_int_equal(db_token_enroll(db, "clerk1", NULL, "SC-2", &cd, TR_ENROLLED, &err), 0);
	size_t changed = 9;
	assert_int_equal(db_token_ca_sync(db, is, &changed, &err), 0);
	assert_int_equal(changed, 0); /* the CA entered each when it signed it */
	assert_int_equal(index_line(f, a.serial).type, 'V');
	X509_CRL *crl = crl_of(f, is);
	long n1 = crl_number(crl);
	assert_int_equal(crl_reason(crl, a.serial), -1);
	X509_CRL_free(crl);

	/* the key is lost: the database revokes both recorded certificates;
	 * the kiosk dies before the CA's files follow */
	clock_set_fixed(T0 + 40LL * 86400000);
	assert_int_equal(db_token_retire(db, "clerk1", NULL, k, TR_LOST, NULL, &err), 0);
	assert_int_equal(index_line(f, a.serial).type, 'V');
	/* ...and at the next start they catch up: every certificate of the key */
	assert_int_equal(db_token_ca_sync(db, is, &changed, &err), 0);
	assert_int_equal(changed, 3);
	line la = index_line(f, a.serial), lb = index_line(f, b.serial), lc = index_line(f, c.serial);
	assert_int_equal(la.type, 'R');
	assert_int_equal(lb.type, 'R');
	assert_int_equal(lc.type, 'R');
	assert_string_equal(la.rev, "251231080000Z,keyCompromise");
	assert_string_equal(lb.rev, "251231080000Z,keyCompromise");
	assert_string_equal(lc.rev, "251231080000Z,superseded");
	assert_int_equal(index_line(f, d.serial).type, 'V');
	crl = crl_of(f, is);
	assert_int_equal(crl_number(crl), n1 + 1);
	assert_int_equal(crl_reason(crl, a.serial), 1);
	assert_int_equal(crl_reason(crl, b.serial), 1);
	assert_int_equal(crl_reason(crl, c.serial), 4);
	assert_int_equal(crl_reason(crl, d.serial), -1);
	assert_int_equal(sk_X509_REVOKED_num(X509_CRL_get_REVOKED(crl)), 3);
	X509_CRL_free(crl);
	/* again: nothing moves, a new CRL all the same */
	assert_int_equal(db_token_ca_sync(db, is, &changed, &err), 0);
	assert_int_equal(changed, 0);
	crl = crl_of(f, is);
	assert_int_equal(crl_number(crl), n1 + 2);
	X509_CRL_free(crl);

	/* the CA's files lost: rebuilt from the database (the certificate that
	 * was never recorded has no DER there and cannot come back) */
	static const char *const files[] = { "index.txt", "index.txt.attr", "crl.der", "crl.pem",
					     "crlnumber" };
	char path[400];
	for (size_t i = 0; i < sizeof files / sizeof *files; i++)
		remove(tu_path(path, sizeof path, f->ca, files[i]));
	issuer_free(is);
	is = open_ca(f);
	assert_int_equal(db_token_ca_sync(db, is, &changed, &err), 0);
	assert_int_equal(changed, 3 + 2);
	assert_int_equal(index_line(f, a.serial).type, 'R');
	assert_int_equal(index_line(f, b.serial).type, 'R');
	assert_int_equal(index_line(f, d.serial).type, 'V');
	assert_int_equal(index_line(f, c.serial).type, 0);
	crl = crl_of(f, is);
	assert_int_equal(crl_reason(crl, b.serial), 1);
	X509_CRL_free(crl);
	issued_cert_clear(&a);
	issued_cert_clear(&b);
	issued_cert_clear(&c);
	issued_cert_clear(&d);
	issuer_free(is);
	db_close(db);
}

/* A case cancelled after its certificate was issued: the CA's index and CRL
 * list that certificate (cessationOfOperation), and only that one. */
static void test_cancelled_case_revoked(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	kdb *db = open_db(f);
	issuer *is = open_ca(f);
	static material m = { .id = "app_form" };
	static service_material sm = { &m, true };
	static service svc = { .id = "zc.new", .kind = SVC_NEW, .materials = &sm, .n_materials = 1 };
	case_rec c1, c2;
	assert_int_equal(db_case_open(db, &svc, "clerk1", &c1, &err), 0);
	assert_int_equal(db_case_open(db, &svc, "clerk1", &c2, &err), 0);
	issued_cert a, b;
	issue(f, is, &a);
	issue(f, is, &b);
	const char *keys[] = { "SC-1", "SC-2" };
	const issued_cert *ic[] = { &a, &b };
	const char *cases[] = { c1.case_no, c2.case_no };
	for (int i = 0; i < 2; i++) {
		assert_int_equal(db_token_transition(db, "clerk1", cases[i], keys[i], TS_FORMATTED,
						     TR_PERSONALISED, NULL, &err), 0);
		cert_new cn = { ic[i]->serial, UNIT, USCC, ic[i]->not_before, ic[i]->not_after,
				ic[i]->der, ic[i]->der_len };
		assert_int_equal(db_token_enroll(db, "clerk1", cases[i], keys[i], &cn, TR_ENROLLED,
						 &err), 0);
	}
	size_t changed = 9;
	assert_int_equal(db_token_ca_sync(db, is, &changed, &err), 0);
	assert_int_equal(db_case_cancel(db, "clerk1", c1.case_no, "wrong unit", &err), 0);
	assert_int_equal(db_token_ca_sync(db, is, &changed, &err), 0);
	assert_int_equal(changed, 1);
	line la = index_line(f, a.serial);
	assert_int_equal(la.type, 'R');
	assert_non_null(strstr(la.rev, ",cessationOfOperation"));
	assert_int_equal(index_line(f, b.serial).type, 'V');
	X509_CRL *crl = crl_of(f, is);
	assert_int_equal(crl_reason(crl, a.serial), 5);
	assert_int_equal(crl_reason(crl, b.serial), -1);
	X509_CRL_free(crl);
	issued_cert_clear(&a);
	issued_cert_clear(&b);
	issuer_free(is);
	db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile_shipped),
		cmocka_unit_test_setup_teardown(test_profile_errors, setup, teardown),
		cmocka_unit_test(test_term),
		cmocka_unit_test_setup_teardown(test_extensions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retired_key_all_revoked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancelled_case_revoked, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
