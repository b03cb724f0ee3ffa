/* core/issuer and core/cert on real files: the local CA made on first use
 * (owner-only key, public certificate) and the same CA when opened again;
 * a certificate issued for a key and parsed back (unit name in UTF-8, USCC,
 * serial, validity days in Asia/Shanghai including the day boundaries);
 * verified against this CA and not another; requests refused with the field
 * named; a damaged or world-readable CA key refused; revocations recorded;
 * the case comparison behind 所属机构与key信息不一致. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/token/cert.h"
#include "core/base/clock.h"
#include "core/token/issuer.h"
#include "core/base/civil.h"
#include "tests/unit/testutil.h"

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

static issue_request req(const fx *f, long nb, long na)
{
	return (issue_request){ f->spki, f->spki_len, UNIT, USCC, nb, na, 0 };
}

static void test_ca_made_once(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	issuer *is = issuer_local_new(f->ca, &err);
	assert_non_null(is);
	assert_string_equal(issuer_name(is), "local");
	char path[400];
	struct stat sb;
	tu_path(path, sizeof path, f->ca, "ca.key");
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	tu_path(path, sizeof path, f->ca, "ca.crt");
	size_t n1 = 0, n2 = 0;
	char *crt1 = tu_read_file(path, &n1);
	assert_non_null(crt1);
	assert_non_null(strstr(crt1, "BEGIN CERTIFICATE"));
	issuer_free(is);
	/* opened again: the same CA, and a lost public copy comes back */
	remove(path);
	is = issuer_local_new(f->ca, &err);
	assert_non_null(is);
	char *crt2 = tu_read_file(path, &n2);
	assert_non_null(crt2);
	assert_int_equal(n1, n2);
	assert_memory_equal(crt1, crt2, n1);
	free(crt1);
	free(crt2);
	issuer_free(is);
}

static void test_issue_and_parse(void **state)
{
	fx *f = *state;
	clock_set_fixed(1763712000000LL); /* 2025-11-21 16:00 +08:00 */
	kerr err = { 0 };
	issuer *is = issuer_local_new(f->ca, &err);
	assert_non_null(is);
	long nb = clock_today(), na = civil_add_years(nb, 2);
	issue_request rq = req(f, nb, na);
	issued_cert ic;
	assert_int_equal(issuer_issue(is, &rq, &ic, &err), 0);
	assert_non_null(ic.der);
	assert_int_equal(strlen(ic.serial), 32);
	assert_int_equal(ic.not_before, nb);
	assert_int_equal(ic.not_after, na);
	cert_info ci;
	assert_int_equal(cert_parse(ic.der, ic.der_len, &ci, &err), 0);
	assert_string_equal(ci.unit_name, UNIT);
	assert_string_equal(ci.uscc, USCC);
	assert_string_equal(ci.serial, ic.serial);
	assert_int_equal(ci.not_before, nb);
	assert_int_equal(ci.not_after, na);
	assert_non_null(strstr(ci.subject, "O=" UNIT));
	assert_non_null(strstr(ci.issuer, "SCCA Kiosk Local CA"));
	assert_true(cert_key_matches(ic.der, ic.der_len, f->spki, f->spki_len));
	assert_int_equal(issuer_verify(is, ic.der, ic.der_len, &err), 0);
	/* valid from the second it is signed (16:00 +08:00 = 08:00 UTC), never
	 * from the start of the day; the term ends one second before the same
	 * clock time on its last day (it ran 00:00:00 to 23:59:59 before, a day
	 * too long: changed on purpose, docs/ca.md) */
	const unsigned char *p = ic.der;
	X509 *x = d2i_X509(NULL, &p, (long)ic.der_len);
	assert_non_null(x);
	struct tm tm;
	assert_int_equal(ASN1_TIME_to_tm(X509_get0_notBefore(x), &tm), 1);
	assert_int_equal(tm.tm_hour, 8);
	assert_int_equal(tm.tm_min, 0);
	assert_int_equal(tm.tm_sec, 0);
	assert_int_equal(ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm), 1);
	assert_int_equal(tm.tm_hour, 7);
	assert_int_equal(tm.tm_min, 59);
	assert_int_equal(tm.tm_sec, 59);
	assert_int_equal(ic.not_before_s, 1763712000LL);
	assert_int_equal(ic.not_after_s - ic.not_before_s, 730LL * 86400 - 1);
	assert_int_equal(ci.not_after_s, ic.not_after_s);
	X509_free(x);
	/* the table token_cert for write_cert */
	token_cert tc = issued_token_cert(&ic, UNIT, USCC);
	assert_true(token_cert_valid(&tc));
	/* two certificates never share a serial */
	issued_cert ic2;
	assert_int_equal(issuer_issue(is, &rq, &ic2, &err), 0);
	assert_string_not_equal(ic.serial, ic2.serial);
	issued_cert_clear(&ic2);

	/* another CA's certificate is not ours */
	char other[400];
	tu_path(other, sizeof other, f->dir, "other");
	issuer *is2 = issuer_local_new(other, &err);
	assert_non_null(is2);
	assert_int_equal(issuer_verify(is2, ic.der, ic.der_len, &err), -1);
	assert_non_null(strstr(err.msg, "not issued by"));
	issuer_free(is2);
	assert_int_equal(issuer_verify(is, ic.der, ic.der_len - 1, &err), -1);
	issued_cert_clear(&ic);
	assert_null(ic.der);
	issuer_free(is);
}

static void test_issue_refused(void **state)
{
	fx *f = *state;
	/* day 20000 (2024-10-04), 12:00 +08:00: a certificate starts when it
	 * is signed, so the days asked for are around the pinned clock */
	clock_set_fixed(clock_day_start_ms(20000) + 12 * 3600000LL);
	kerr err = { 0 };
	issuer *is = issuer_local_new(f->ca, &err);
	assert_non_null(is);
	issued_cert ic;
	issue_request rq = req(f, 20000, 20365);
	rq.uscc = "91310115MA1K3BTP2C";
	assert_int_equal(issuer_issue(is, &rq, &ic, &err), -1);
	assert_string_equal(err.where, "uscc");
	rq = req(f, 20000, 19999);
	assert_int_equal(issuer_issue(is, &rq, &ic, &err), -1);
	assert_string_equal(err.where, "validity");
	/* 64 characters fit O and CN, 65 do not */
	char name[65 * 3 + 1] = "";
	for (int i = 0; i < 64; i++)
		strcat(name, "川");
	rq = req(f, 20000, 20365);
	rq.unit_name = name;
	assert_int_equal(issuer_issue(is, &rq, &ic, &err), 0);
	issued_cert_clear(&ic);
	strcat(name, "川");
	assert_int_equal(issuer_issue(is, &rq, &ic, &err), -1);
	assert_string_equal(err.where, "unit_name");
	assert_non_null(strstr(err.msg, "64"));
	rq = req(f, 20000, 20365);
	rq.unit_name = "";
	assert_int_equal(issuer_issue(is, &rq, &ic, &err), -1);
	rq = req(f, 20000, 20365);
	rq.spki_len -= 1;
	assert_int_equal(issuer_issue(is, &rq, &ic, &err), -1);
	assert_string_equal(err.where, "key");
	assert_int_equal(issuer_issue(NULL, &rq, &ic, &err), -1);
	assert_null(ic.der);
	issuer_free(is);
}

static void test_ca_files_refused(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	issuer *is = issuer_local_new(f->ca, &err);
	assert_non_null(is);
	issuer_free(is);
	char path[400];
	tu_path(path, sizeof path, f->ca, "ca.key");
	chmod(path, 0644);
	assert_null(issuer_local_new(f->ca, &err));
	assert_non_null(strstr(err.msg, "chmod 600"));
	chmod(path, 0600);
	assert_true(tu_write_file(path, "not a key\n", 10));
	chmod(path, 0600);
	assert_null(issuer_local_new(f->ca, &err));
	assert_non_null(strstr(err.where, "ca.key"));
	assert_null(issuer_local_new("", &err));
}

static void test_revoke(void **state)
{
	fx *f = *state;
	clock_set_fixed(1763712000000LL);
	kerr err = { 0 };
	issuer *is = issuer_local_new(f->ca, &err);
	assert_non_null(is);
	long nb = clock_today();
	issue_request rq = req(f, nb, civil_add_years(nb, 1));
	issued_cert a, b;
	assert_int_equal(issuer_issue(is, &rq, &a, &err), 0);
	assert_int_equal(issuer_issue(is, &rq, &b, &err), 0);
	assert_int_equal(issuer_revoke(is, a.serial, "superseded", &err), 0);
	/* revoked once: a second revocation keeps the first */
	assert_int_equal(issuer_revoke(is, a.serial, "lost", &err), 0);
	/* a serial this CA never issued is not listed (it was, in revoked.txt) */
	assert_int_equal(issuer_revoke(is, "AB", "lost", &err), -1);
	assert_non_null(strstr(err.msg, "not issued here"));
	assert_int_equal(issuer_revoke(is, "XYZ", "lost", &err), -1);
	assert_int_equal(issuer_revoke(is, b.serial, "two\nlines", &err), -1);
	/* index.txt as `openssl ca` writes it: the revoked line and the valid one */
	char path[400], want[1024];
	tu_path(path, sizeof path, f->ca, "index.txt");
	char *t = tu_read_file(path, NULL);
	assert_non_null(t);
	snprintf(want, sizeof want, "R\t%s\t251121080000Z,superseded\t%s\tunknown\t/C=CN/O=", "261121075959Z",
		 a.serial);
	assert_memory_equal(t, want, strlen(want));
	snprintf(want, sizeof want, "\nV\t261121075959Z\t\t%s\tunknown\t/C=CN/O=", b.serial);
	assert_non_null(strstr(t, want));
	free(t);
	tu_path(path, sizeof path, f->ca, "index.txt.attr");
	t = tu_read_file(path, NULL);
	assert_non_null(t);
	assert_string_equal(t, "unique_subject = no\n");
	free(t);
	issued_cert_clear(&a);
	issued_cert_clear(&b);
	issuer_free(is);
}

static void test_compare(void **state)
{
	(void)state;
	cert_info c = { .unit_name = "四川测试（成都）有限公司", .uscc = USCC };
	assert_int_equal(cert_compare(&c, "四川测试(成都)有限公司", USCC), CERT_MATCH);
	assert_int_equal(cert_compare(&c, " 四川测试（成都）有限公司 ", "91310115ma1k3btp2b"),
			 CERT_MATCH);
	assert_int_equal(cert_compare(&c, "四川测试有限公司", USCC), CERT_UNIT_DIFFERS);
	assert_int_equal(cert_compare(&c, "四川测试（成都）有限公司", "91110000600037341L"),
			 CERT_USCC_DIFFERS);
	assert_int_equal(cert_compare(&c, "别的公司", "91110000600037341L"), CERT_BOTH_DIFFER);
	assert_int_equal(cert_compare(&c, "四川测试（成都）有限公司", "not a uscc"),
			 CERT_USCC_DIFFERS);
	cert_info empty = { 0 };
	assert_int_equal(cert_compare(&empty, "", ""), CERT_BOTH_DIFFER);
	assert_string_equal(cert_match_name(CERT_UNIT_DIFFERS), "unit_differs");
	assert_string_equal(cert_match_key(CERT_MATCH), "cert.match.match");
	kerr err = { 0 };
	assert_int_equal(cert_parse((const unsigned char *)"\x30\x03\x02\x01\x01", 5, &c, &err), -1);
	assert_int_equal(c.not_after, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ca_made_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_issue_and_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_issue_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ca_files_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoke, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compare, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
