/* test_wxsign: WeChat Pay v3 signatures alone, checked against an independent
 * implementation, the openssl command line: what the kiosk signs, `openssl
 * dgst -sha256 -verify` accepts (and rejects once a byte changes); what
 * `openssl dgst -sha256 -sign` signs, the kiosk accepts. The request message
 * is compared with one written out here by hand, not built by the code under
 * test. Also: answer verification (headers, ±300 s at both edges, serial,
 * probes, validity of the certificate), the Authorization parser, the
 * keyring directory, and secret files (mode 600 or refused, contents never in
 * an error). Keys are made by openssl into a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/pem.h>

#include "core/pay/wxsign.h"
#include "tests/unit/testutil.h"

static char dir[512];

static int make_keys(void **state)
{
	(void)state;
	if (!tu_mkdtemp(dir, sizeof dir) || !tu_wx_keys(dir)) {
		fprintf(stderr, "cannot make test keys with openssl in %s\n", dir);
		return -1;
	}
	return 0;
}

static int remove_keys(void **state)
{
	(void)state;
	tu_rmrf(dir);
	return 0;
}

static const char *at(const char *name)
{
	static char buf[4][1024];
	static int k;
	k = (k + 1) % 4;
	return tu_path(buf[k], sizeof buf[k], dir, name);
}

static EVP_PKEY *merchant_key(void)
{
	kerr err = { { 0 }, { 0 } };
	EVP_PKEY *k = wx_private_key_load(at("merchant_key.pem"), "private_key_file", &err);
	if (!k)
		fail_msg("%s: %s", err.where, err.msg);
	return k;
}

static EVP_PKEY *cert_key(const char *file)
{
	size_t n = 0;
	char *pem = tu_read_file(at(file), &n);
	assert_non_null(pem);
	BIO *b = BIO_new_mem_buf(pem, (int)n);
	X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	free(pem);
	assert_non_null(x);
	EVP_PKEY *k = X509_get_pubkey(x);
	X509_free(x);
	return k;
}

/* openssl's verdict on a base64 signature of the bytes in msg_file. */
static bool cli_verifies(const char *b64, const char *msg_file, const char *cert)
{
	assert_true(tu_write_file(at("sig.b64"), b64, strlen(b64)));
	return tu_sh("cd '%s' && openssl x509 -in %s -pubkey -noout > pub.pem && "
		     "openssl base64 -d -A -in sig.b64 -out sig.bin && "
		     "openssl dgst -sha256 -verify pub.pem -signature sig.bin '%s'",
		     dir, cert, msg_file);
}

/* ---- against the openssl command line ---- */

static void kiosk_signs_openssl_verifies(void **state)
{
	(void)state;
	EVP_PKEY *k = merchant_key();
	const char msg[] = "POST\n/v3/pay/transactions/native\n1700000000\nABC\n"
			   "{\"description\":\"四川CA 数字证书新办\"}\n";
	assert_true(tu_write_file(at("msg.txt"), msg, strlen(msg)));
	char sig[WX_SIG_B64_MAX + 1];
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(wx_sign(k, msg, strlen(msg), sig, sizeof sig, &err), 0);
	assert_int_equal(strlen(sig), 344); /* 256 bytes of RSA-2048 in base64 */
	assert_true(cli_verifies(sig, at("msg.txt"), "merchant_cert.pem"));
	/* one byte changed: openssl says no */
	char other[sizeof msg];
	memcpy(other, msg, sizeof msg);
	other[3] = 'S';
	assert_true(tu_write_file(at("msg2.txt"), other, strlen(other)));
	assert_false(cli_verifies(sig, at("msg2.txt"), "merchant_cert.pem"));
	/* the wrong certificate: no */
	assert_false(cli_verifies(sig, at("msg.txt"), "platform_cert.pem"));
	/* too small an output buffer is an error, not a cut signature */
	char small[100];
	assert_int_equal(wx_sign(k, msg, strlen(msg), small, sizeof small, &err), -1);
	assert_string_equal(small, "");
	EVP_PKEY_free(k);
}

static void openssl_signs_kiosk_verifies(void **state)
{
	(void)state;
	const char msg[] = "1700000000\nnonce-of-the-gateway\n{\"code_url\":\"weixin://wxpay/bizpayurl?pr=abc\"}\n";
	assert_true(tu_write_file(at("m.txt"), msg, strlen(msg)));
	assert_true(tu_sh("cd '%s' && openssl dgst -sha256 -sign platform_key.pem -out s.bin m.txt && "
			  "openssl base64 -A -in s.bin -out s.b64", dir));
	char *b64 = tu_read_file(at("s.b64"), NULL);
	assert_non_null(b64);
	b64[strcspn(b64, "\r\n")] = '\0';
	EVP_PKEY *pub = cert_key("platform_cert.pem");
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(wx_verify(pub, msg, strlen(msg), b64, &err), 0);
	/* a changed message, a changed signature, the wrong key */
	assert_int_equal(wx_verify(pub, msg, strlen(msg) - 1, b64, &err), -1);
	assert_non_null(strstr(err.msg, "does not match"));
	char *bad = malloc(strlen(b64) + 2);
	assert_non_null(bad);
	memcpy(bad, b64, strlen(b64) + 1);
	bad[10] = bad[10] == 'A' ? 'B' : 'A';
	assert_int_equal(wx_verify(pub, msg, strlen(msg), bad, &err), -1);
	EVP_PKEY *mk = cert_key("merchant_cert.pem");
	assert_int_equal(wx_verify(mk, msg, strlen(msg), b64, &err), -1);
	/* not base64 at all, or with a line break in it */
	assert_int_equal(wx_verify(pub, msg, strlen(msg), "not base64!", &err), -1);
	assert_non_null(strstr(err.msg, "not base64"));
	memmove(bad + 65, bad + 64, strlen(bad + 64) + 1);
	memcpy(bad, b64, 64);
	bad[64] = '\n';
	assert_int_equal(wx_verify(pub, msg, strlen(msg), bad, &err), -1);
	assert_int_equal(wx_verify(pub, msg, strlen(msg), "", &err), -1);
	assert_int_equal(wx_verify(NULL, msg, strlen(msg), b64, &err), -1);
	free(bad);
	free(b64);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(mk);
}

/* The Authorization header: fields, and a signature openssl accepts over a
 * message written out here by hand. */
static void authorization_header(void **state)
{
	(void)state;
	EVP_PKEY *k = merchant_key();
	const char *body = "{\"mchid\":\"1900000001\"}";
	char h[WX_SIG_B64_MAX + 512];
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(wx_authorization(k, TU_WX_MCHID, TU_WX_MERCHANT_SERIAL, "POST",
					  "/v3/pay/transactions/out-trade-no/SCCA-1%7C2/close", body,
					  1554208460LL, "593BEC0C930BF1AFEB40B4A08C8FB242", h, sizeof h,
					  &err),
			 0);
	assert_true(strncmp(h, "WECHATPAY2-SHA256-RSA2048 mchid=\"1900000001\",nonce_str=\"593BEC0C930BF1AFEB40B4A08C8FB242\","
			       "timestamp=\"1554208460\",serial_no=\"" TU_WX_MERCHANT_SERIAL "\",signature=\"", 165) == 0);
	wx_auth a;
	assert_int_equal(wx_auth_parse(h, &a, &err), 0);
	assert_string_equal(a.mchid, TU_WX_MCHID);
	assert_string_equal(a.nonce, "593BEC0C930BF1AFEB40B4A08C8FB242");
	assert_string_equal(a.timestamp, "1554208460");
	assert_string_equal(a.serial, TU_WX_MERCHANT_SERIAL);
	const char expected[] = "POST\n/v3/pay/transactions/out-trade-no/SCCA-1%7C2/close\n"
				"1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n"
				"{\"mchid\":\"1900000001\"}\n";
	assert_true(tu_write_file(at("req.txt"), expected, strlen(expected)));
	assert_true(cli_verifies(a.signature, at("req.txt"), "merchant_cert.pem"));
	/* a GET has an empty body line, and the query string is signed */
	assert_int_equal(wx_authorization(k, TU_WX_MCHID, TU_WX_MERCHANT_SERIAL, "GET",
					  "/v3/pay/transactions/out-trade-no/X123456?mchid=1900000001",
					  NULL, 1554208460LL, "N1", h, sizeof h, &err),
			 0);
	assert_int_equal(wx_auth_parse(h, &a, &err), 0);
	const char get[] = "GET\n/v3/pay/transactions/out-trade-no/X123456?mchid=1900000001\n"
			   "1554208460\nN1\n\n";
	assert_true(tu_write_file(at("get.txt"), get, strlen(get)));
	assert_true(cli_verifies(a.signature, at("get.txt"), "merchant_cert.pem"));
	/* values that would break the header are refused */
	assert_int_equal(wx_authorization(k, "19\"00", TU_WX_MERCHANT_SERIAL, "GET", "/", NULL, 1,
					  "N", h, sizeof h, &err), -1);
	assert_string_equal(h, "");
	assert_int_equal(wx_authorization(k, TU_WX_MCHID, "A B", "GET", "/", NULL, 1, "N", h,
					  sizeof h, &err), -1);
	char tiny[64];
	assert_int_equal(wx_authorization(k, TU_WX_MCHID, TU_WX_MERCHANT_SERIAL, "GET", "/", NULL, 1,
					  "N", tiny, sizeof tiny, &err), -1);
	assert_string_equal(tiny, "");
	EVP_PKEY_free(k);
}

static void request_and_response_messages(void **state)
{
	(void)state;
	size_t n = 0;
	char *m = wx_request_message("GET", "/v3/x?a=1", 42, "N", NULL, &n);
	assert_string_equal(m, "GET\n/v3/x?a=1\n42\nN\n\n");
	assert_int_equal(n, strlen(m));
	free(m);
	const char body[] = { 'a', '\0', 'b' };
	m = wx_response_message("7", "nn", body, sizeof body, &n);
	assert_int_equal(n, 9);
	assert_memory_equal(m, "7\nnn\na\0b\n", 9);
	free(m);
	m = wx_response_message("7", "nn", "", 0, &n); /* a 204: empty body line */
	assert_string_equal(m, "7\nnn\n\n");
	free(m);
}

static void nonces(void **state)
{
	(void)state;
	char a[WX_NONCE_LEN + 1], b[WX_NONCE_LEN + 1];
	assert_int_equal(wx_nonce(a), 0);
	assert_int_equal(wx_nonce(b), 0);
	assert_int_equal(strlen(a), WX_NONCE_LEN);
	assert_int_equal(strspn(a, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"), WX_NONCE_LEN);
	assert_string_not_equal(a, b);
}

static void auth_parse_rules(void **state)
{
	(void)state;
	wx_auth a;
	kerr err = { { 0 }, { 0 } };
	const char *ok = "WECHATPAY2-SHA256-RSA2048 mchid=\"1\",nonce_str=\"n\",timestamp=\"5\","
			 "serial_no=\"S\",signature=\"c2ln\"";
	assert_int_equal(wx_auth_parse(ok, &a, &err), 0);
	assert_string_equal(a.signature, "c2ln");
	/* any order, spaces after the commas */
	assert_int_equal(wx_auth_parse("WECHATPAY2-SHA256-RSA2048 signature=\"c2ln\", serial_no=\"S\", "
				       "timestamp=\"5\", nonce_str=\"n\", mchid=\"1\"", &a, &err), 0);
	assert_string_equal(a.mchid, "1");
	struct {
		const char *h, *why;
	} bad[] = {
		{ NULL, "no Authorization" },
		{ "Bearer x", "scheme" },
		{ "WECHATPAY2-SHA256-RSA2048 mchid=\"1\",nonce_str=\"n\",timestamp=\"5\",serial_no=\"S\"", "signature is missing" },
		{ "WECHATPAY2-SHA256-RSA2048 mchid=\"1\",mchid=\"2\",nonce_str=\"n\",timestamp=\"5\",serial_no=\"S\",signature=\"x\"", "twice" },
		{ "WECHATPAY2-SHA256-RSA2048 mchid=\"1\",nonce_str=\"n\",timestamp=\"5\",serial_no=\"S\",signature=\"x\",extra=\"y\"", "unknown parameter 'extra'" },
		{ "WECHATPAY2-SHA256-RSA2048 mchid=\"1\",nonce_str=\"n\",timestamp=\"5x\",serial_no=\"S\",signature=\"x\"", "not a number" },
		{ "WECHATPAY2-SHA256-RSA2048 mchid=1,nonce_str=\"n\"", "not of the form" },
		{ "WECHATPAY2-SHA256-RSA2048 mchid=\"1\",nonce_str=\"\",timestamp=\"5\",serial_no=\"S\",signature=\"x\"", "empty" },
		{ "WECHATPAY2-SHA256-RSA2048 mchid=\"1\" nonce_str=\"n\"", "not of the form" },
		{ "WECHATPAY2-SHA256-RSA2048 mchid=\"1\",nonce_str=\"n", "not of the form" },
		{ "WECHATPAY2-SHA256-RSA2048 mchid=\"1\x01\",nonce_str=\"n\"", "not of the form" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&err, 0, sizeof err);
		if (wx_auth_parse(bad[i].h, &a, &err) != -1 || !strstr(err.msg, bad[i].why))
			fail_msg("case %zu: got '%s', wanted '%s'", i, err.msg, bad[i].why);
		assert_string_equal(a.mchid, ""); /* nothing half-filled */
	}
	/* a value longer than its field */
	char longer[600];
	snprintf(longer, sizeof longer, "WECHATPAY2-SHA256-RSA2048 mchid=\"%040d\"", 1);
	assert_int_equal(wx_auth_parse(longer, &a, &err), -1);
	assert_non_null(strstr(err.msg, "too long"));
}

/* ---- answers ---- */

static char *cli_sign_answer(const char *ts, const char *nonce, const char *body)
{
	char msg[1024];
	snprintf(msg, sizeof msg, "%s\n%s\n%s\n", ts, nonce, body);
	assert_true(tu_write_file(at("ans.txt"), msg, strlen(msg)));
	assert_true(tu_sh("cd '%s' && openssl dgst -sha256 -sign platform_key.pem -out a.bin ans.txt && "
			  "openssl base64 -A -in a.bin -out a.b64", dir));
	char *b64 = tu_read_file(at("a.b64"), NULL);
	assert_non_null(b64);
	b64[strcspn(b64, "\r\n")] = '\0';
	return b64;
}

static void answers_verified(void **state)
{
	(void)state;
	kerr err = { { 0 }, { 0 } };
	wx_keyring *k = wx_keyring_load_dir(at("platform"), &err);
	if (!k)
		fail_msg("%s: %s", err.where, err.msg);
	assert_int_equal(wx_keyring_count(k), 2);
	const char *body = "{\"trade_state\":\"SUCCESS\"}";
	char t0[24], t1[24];
	long long base = (long long)time(NULL);
	snprintf(t0, sizeof t0, "%lld", base);
	snprintf(t1, sizeof t1, "%lld", base + 1);
	const int64_t now = base * 1000 + 999;
	char *sig = cli_sign_answer(t0, "NONCE1", body);
	const char *serial = TU_WX_PLATFORM_SERIAL;
	assert_int_equal(wx_verify_response(k, t0, "NONCE1", sig, serial, body,
					    strlen(body), now, &err), 0);
	/* the serial in any case, and by its public-key id */
	assert_int_equal(wx_verify_response(k, t0, "NONCE1", sig,
					    "3775b6a45acd1f8d5edfcf89e1c0e4d9e1e2f3a4", body,
					    strlen(body), now, &err), 0);
	assert_int_equal(wx_verify_response(k, t0, "NONCE1", sig, TU_WX_PUB_KEY_ID, body,
					    strlen(body), now, &err), 0);
	/* ±300 s is accepted, 301 s is not, both ways */
	assert_int_equal(wx_verify_response(k, t0, "NONCE1", sig, serial, body,
					    strlen(body), now + 300000, &err), 0);
	/* (the certificate is younger than 300 s: its bare public key here) */
	assert_int_equal(wx_verify_response(k, t0, "NONCE1", sig, TU_WX_PUB_KEY_ID, body,
					    strlen(body), now - 300000 - 999, &err), 0);
	assert_int_equal(wx_verify_response(k, t0, "NONCE1", sig, serial, body,
					    strlen(body), now + 301000, &err), -1);
	assert_non_null(strstr(err.msg, "check the clock"));
	assert_int_equal(wx_verify_response(k, t0, "NONCE1", sig, TU_WX_PUB_KEY_ID, body,
					    strlen(body), now - 302000, &err), -1);
	assert_non_null(strstr(err.msg, "302 s after"));
	/* body, nonce or timestamp changed */
	assert_int_equal(wx_verify_response(k, t0, "NONCE1", sig, serial,
					    "{\"trade_state\":\"NOTPAY\"}", 24, now, &err), -1);
	assert_int_equal(wx_verify_response(k, t0, "NONCE2", sig, serial, body,
					    strlen(body), now, &err), -1);
	assert_int_equal(wx_verify_response(k, t1, "NONCE1", sig, serial, body,
					    strlen(body), now, &err), -1);
	/* unknown serial; missing or malformed headers; WeChat's probe */
	assert_int_equal(wx_verify_response(k, t0, "NONCE1", sig, "ABCDEF", body,
					    strlen(body), now, &err), -1);
	assert_non_null(strstr(err.msg, "no platform key with serial 'ABCDEF'"));
	assert_int_equal(wx_verify_response(k, t0, "NONCE1", NULL, serial, body,
					    strlen(body), now, &err), -1);
	assert_non_null(strstr(err.msg, "no Wechatpay-Signature header"));
	assert_int_equal(wx_verify_response(k, "", "NONCE1", sig, serial, body, strlen(body), now,
					    &err), -1);
	assert_int_equal(wx_verify_response(k, "17e8", "NONCE1", sig, serial, body, strlen(body),
					    now, &err), -1);
	assert_int_equal(wx_verify_response(k, t0, "NONCE1",
					    WX_SIGNTEST_PREFIX "ABCDEF", serial, body, strlen(body),
					    now, &err), -1);
	assert_non_null(strstr(err.msg, "probe"));
	/* a certificate is used only within its validity */
	assert_int_equal(wx_verify_response(k, "0", "NONCE1", sig, serial, body, strlen(body), 0,
					    &err), -1);
	assert_non_null(strstr(err.msg, "not valid now"));
	free(sig);
	wx_keyring_free(k);
}

static void keyring_directory(void **state)
{
	(void)state;
	kerr err = { { 0 }, { 0 } };
	char kd[1100];
	tu_path(kd, sizeof kd, dir, "ring");
	assert_int_equal(mkdir(kd, 0700), 0);
	/* empty: refused */
	assert_null(wx_keyring_load_dir(kd, &err));
	assert_non_null(strstr(err.msg, "no platform certificate"));
	/* a README and dot files are ignored; one certificate is enough */
	assert_true(tu_sh("cd '%s' && echo hi > ring/README && cp platform_cert.pem "
			  "ring/00%s.pem", dir, TU_WX_PLATFORM_SERIAL));
	wx_keyring *k = wx_keyring_load_dir(kd, &err);
	if (!k)
		fail_msg("%s", err.msg);
	assert_int_equal(wx_keyring_count(k), 1);
	assert_non_null(wx_keyring_find(k, TU_WX_PLATFORM_SERIAL, (int64_t)time(NULL) * 1000, &err));
	wx_keyring_free(k);
	/* a certificate under another serial's name: refused, naming the file */
	assert_true(tu_sh("cd '%s' && cp merchant_cert.pem ring/ABCDEF.pem", dir));
	assert_null(wx_keyring_load_dir(kd, &err));
	assert_true(tu_ends_with(err.where, "ring/ABCDEF.pem"));
	assert_non_null(strstr(err.msg, "serial is " TU_WX_MERCHANT_SERIAL));
	assert_true(tu_sh("rm '%s/ring/ABCDEF.pem'", dir));
	/* a .pem that is neither */
	assert_true(tu_sh("cd '%s' && echo junk > ring/ABCD.pem", dir));
	assert_null(wx_keyring_load_dir(kd, &err));
	assert_true(tu_ends_with(err.where, "ring/ABCD.pem"));
	assert_true(tu_sh("rm '%s/ring/ABCD.pem'", dir));
	/* a name that is no serial */
	assert_true(tu_sh("cd '%s' && cp platform_cert.pem 'ring/wechat pay.pem'", dir));
	assert_null(wx_keyring_load_dir(kd, &err));
	assert_non_null(strstr(err.msg, "name a platform certificate by its serial"));
	assert_true(tu_sh("rm '%s/ring/wechat pay.pem'", dir));
	/* a public key under a certificate's name */
	assert_true(tu_sh("cd '%s' && cp platform/" TU_WX_PUB_KEY_ID ".pem ring/ABCD.pem", dir));
	assert_null(wx_keyring_load_dir(kd, &err));
	assert_non_null(strstr(err.msg, "PUB_KEY_ID_"));
	/* no directory */
	assert_null(wx_keyring_load_dir("/nonexistent/wechatpay", &err));
	assert_non_null(strstr(err.msg, "cannot open the directory"));
}

static void keyring_validity_and_serials(void **state)
{
	(void)state;
	kerr err = { { 0 }, { 0 } };
	wx_keyring *k = wx_keyring_load_dir(at("platform"), &err);
	assert_non_null(k);
	int64_t now = (int64_t)time(NULL) * 1000;
	assert_non_null(wx_keyring_find(k, TU_WX_PLATFORM_SERIAL, now, &err));
	assert_non_null(wx_keyring_find(k, "0" TU_WX_PLATFORM_SERIAL, now, &err));
	assert_non_null(wx_keyring_find(k, "pub_key_id_0114232134912410000000000000", now, &err));
	/* 30 days of validity: a year on, the certificate is refused, the bare key is not */
	int64_t later = now + 365LL * 86400 * 1000;
	assert_null(wx_keyring_find(k, TU_WX_PLATFORM_SERIAL, later, &err));
	assert_non_null(strstr(err.msg, "expired or not yet valid"));
	assert_non_null(wx_keyring_find(k, TU_WX_PUB_KEY_ID, later, &err));
	assert_null(wx_keyring_find(k, "", now, &err));
	assert_null(wx_keyring_find(k, NULL, now, &err));
	char serial[WX_SERIAL_MAX + 1];
	size_t n = 0;
	char *pem = tu_read_file(at("merchant_cert.pem"), &n);
	assert_int_equal(wx_cert_serial(pem, n, serial, &err), 0);
	assert_string_equal(serial, TU_WX_MERCHANT_SERIAL);
	/* the same key twice is refused */
	assert_int_equal(wx_keyring_add_pem(k, NULL, pem, n, &err), 0);
	assert_int_equal(wx_keyring_add_pem(k, NULL, pem, n, &err), -1);
	assert_non_null(strstr(err.msg, "same serial"));
	assert_int_equal(wx_cert_serial("junk", 4, serial, &err), -1);
	assert_string_equal(serial, "");
	free(pem);
	wx_keyring_free(k);
}

/* ---- secret files ---- */

static void secret_file_modes(void **state)
{
	(void)state;
	kerr err = { { 0 }, { 0 } };
	const char *key = at("merchant_key.pem");
	assert_int_equal(wx_secret_file_check(key, "private_key_file", &err), 0);
	const mode_t bad[] = { 0644, 0640, 0604, 0660, 0610, 0601 };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(chmod(key, bad[i]), 0);
		memset(&err, 0, sizeof err);
		assert_int_equal(wx_secret_file_check(key, "private_key_file", &err), -1);
		assert_string_equal(err.where, key);
		assert_non_null(strstr(err.msg, "chmod 600"));
		assert_non_null(strstr(err.msg, key));
		assert_non_null(strstr(err.msg, "private_key_file"));
		assert_null(wx_private_key_load(key, "private_key_file", &err));
	}
	assert_int_equal(chmod(key, 0400), 0); /* read-only for the owner is fine */
	assert_int_equal(wx_secret_file_check(key, "private_key_file", &err), 0);
	assert_int_equal(chmod(key, 0600), 0);
	/* missing, a directory, nothing given */
	assert_int_equal(wx_secret_file_check(at("nothing.pem"), "private_key_file", &err), -1);
	assert_non_null(strstr(err.msg, "mode 600"));
	assert_int_equal(chmod(at("platform"), 0700), 0);
	assert_int_equal(wx_secret_file_check(at("platform"), "private_key_file", &err), -1);
	assert_non_null(strstr(err.msg, "not a regular file"));
	assert_int_equal(wx_secret_file_check("", "private_key_file", &err), -1);
	assert_int_equal(wx_secret_file_check(NULL, "private_key_file", &err), -1);
}

/* Nothing of a secret file's contents ever shows in an error. */
static void secrets_never_quoted(void **state)
{
	(void)state;
	kerr err = { { 0 }, { 0 } };
	/* a broken key: the message names the file, not a byte of it */
	const char *broken = at("broken.pem");
	const char text[] = "-----BEGIN PRIVATE KEY-----\nMIIEvQSECRETSECRETSECRET\n-----END PRIVATE KEY-----\n";
	assert_true(tu_write_file(broken, text, strlen(text)));
	assert_int_equal(chmod(broken, 0600), 0);
	assert_null(wx_private_key_load(broken, "private_key_file", &err));
	assert_non_null(strstr(err.msg, "not an unencrypted PEM private key"));
	assert_null(strstr(err.msg, "SECRET"));
	assert_null(strstr(err.where, "SECRET"));
	/* an encrypted key is refused without asking for a pass phrase */
	assert_true(tu_sh("cd '%s' && openssl pkey -in merchant_key.pem -aes256 -passout pass:x "
			  "-out enc.pem && chmod 600 enc.pem", dir));
	assert_null(wx_private_key_load(at("enc.pem"), "private_key_file", &err));
	assert_non_null(strstr(err.msg, "unencrypted"));
	/* a key too small for v3 */
	assert_true(tu_sh("cd '%s' && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 "
			  "-out small.pem && chmod 600 small.pem", dir));
	assert_null(wx_private_key_load(at("small.pem"), "private_key_file", &err));
	assert_non_null(strstr(err.msg, "at least 2048 bits"));
	/* the APIv3 key: 32 printable characters, a line end allowed */
	const char *v3 = at("v3.key");
	assert_int_equal(wx_apiv3_key_check(at("apiv3.key"), "apiv3_key_file", &err), 0);
	assert_true(tu_write_file(v3, "k8Xv2mQ9pL4sT7wZ1nB6cR3yH5jF0dGa\r\n", 34));
	assert_int_equal(chmod(v3, 0600), 0);
	assert_int_equal(wx_apiv3_key_check(v3, "apiv3_key_file", &err), 0);
	assert_true(tu_write_file(v3, "k8Xv2mQ9pL4sT7wZ1nB6cR3yH5jF0dG", 31));
	assert_int_equal(wx_apiv3_key_check(v3, "apiv3_key_file", &err), -1);
	assert_non_null(strstr(err.msg, "holds 31"));
	assert_null(strstr(err.msg, "k8Xv2"));
	assert_true(tu_write_file(v3, "k8Xv2mQ9pL4sT7wZ 1nB6cR3yH5jF0dG", 32));
	assert_int_equal(wx_apiv3_key_check(v3, "apiv3_key_file", &err), -1);
	assert_non_null(strstr(err.msg, "spaces or control"));
	assert_null(strstr(err.msg, "k8Xv2"));
	assert_int_equal(chmod(v3, 0644), 0);
	assert_int_equal(wx_apiv3_key_check(v3, "apiv3_key_file", &err), -1);
	assert_non_null(strstr(err.msg, "chmod 600"));
	/* an empty secret file */
	assert_true(tu_write_file(v3, "", 0));
	assert_int_equal(chmod(v3, 0600), 0);
	assert_int_equal(wx_apiv3_key_check(v3, "apiv3_key_file", &err), -1);
	assert_non_null(strstr(err.msg, "0 bytes"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kiosk_signs_openssl_verifies),
		cmocka_unit_test(openssl_signs_kiosk_verifies),
		cmocka_unit_test(authorization_header),
		cmocka_unit_test(request_and_response_messages),
		cmocka_unit_test(nonces),
		cmocka_unit_test(auth_parse_rules),
		cmocka_unit_test(answers_verified),
		cmocka_unit_test(keyring_directory),
		cmocka_unit_test(keyring_validity_and_serials),
		cmocka_unit_test(secret_file_modes),
		cmocka_unit_test(secrets_never_quoted),
	};
	return cmocka_run_group_tests(tests, make_keys, remove_keys);
}
