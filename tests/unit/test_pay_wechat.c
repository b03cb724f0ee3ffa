/* test_pay_wechat: the WeChat Pay v3 client through the payment ops table,
 * against the gateway simulator (build/tests/sim/paysim) on loopback with keys
 * made by openssl at test time. The scenarios of the issue: paid after a few
 * polls; expiry, then a re-created order with attempt 2; cancel closes the
 * order; a re-sent create gives the same code_url and a changed one is
 * refused; 5xx (and a slow answer) then success with one order only; a bad
 * signature, an unknown serial, a skewed clock and WeChat's signature probe
 * are refused and the order is not taken as paid; refund. Also: the
 * simulator's own signatures checked by the openssl command line (a request
 * signed by openssl is accepted, its answer verifies with openssl), platform
 * public keys by PUB_KEY_ID, the refusals of the constructor (key file
 * modes, plain http to another host), and the payment files check of
 * config. Nothing sleeps: the simulator's knobs make time pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <time.h>

#include "core/base/clock.h"
#include "core/pay/pay.h"
#include "core/pay/wxsign.h"
#include "tests/unit/testutil.h"

static char dir[512];
static tu_sim sim;
static pay_dev *dev;

static kiosk_payment_cfg cfg_for(const char *base_url)
{
	static char key[1100], pdir[1100], v3[1100];
	tu_path(key, sizeof key, dir, "merchant_key.pem");
	tu_path(pdir, sizeof pdir, dir, "platform");
	tu_path(v3, sizeof v3, dir, "apiv3.key");
	kiosk_payment_cfg c = {
		.mode = "wechat",
		.base_url = (char *)base_url,
		.appid = TU_WX_APPID,
		.mchid = TU_WX_MCHID,
		.merchant_serial = TU_WX_MERCHANT_SERIAL,
		.private_key_file = key,
		.platform_keys_dir = pdir,
		.apiv3_key_file = v3,
		.notify_url = "https://kiosk.example.com/wxpay/notify",
		.order_expiry_minutes = 15,
		.poll_seconds = 3,
	};
	return c;
}

static pay_dev *client(const char *base_url)
{
	kiosk_payment_cfg c = cfg_for(base_url);
	kerr err = { { 0 }, { 0 } };
	pay_dev *d = pay_wechat_new(&c, &err);
	if (!d)
		fail_msg("%s: %s", err.where, err.msg);
	/* short timeouts: the slow-answer test waits for one */
	assert_int_equal(pay_wechat_set_limits(d, 3, 1500, 20, &err), 0);
	return d;
}

static int start(void **state)
{
	(void)state;
	if (!tu_mkdtemp(dir, sizeof dir) || !tu_wx_keys(dir)) {
		fprintf(stderr, "cannot make test keys with openssl in %s\n", dir);
		return -1;
	}
	if (!tu_sim_start(&sim, dir, "")) {
		fprintf(stderr, "cannot start the payment simulator (build/tests/sim/paysim)\n");
		return -1;
	}
	kiosk_payment_cfg c = cfg_for(sim.url);
	kerr err = { { 0 }, { 0 } };
	dev = pay_wechat_new(&c, &err);
	if (!dev) {
		fprintf(stderr, "%s: %s\n", err.where, err.msg);
		return -1;
	}
	return pay_wechat_set_limits(dev, 3, 1500, 20, &err);
}

static int stop(void **state)
{
	(void)state;
	pay_dev_free(dev);
	bool clean = tu_sim_stop(&sim);
	tu_rmrf(dir);
	if (!clean)
		fprintf(stderr, "the simulator did not stop cleanly\n");
	return clean ? 0 : -1;
}

/* Each test starts with every knob off. */
static int knobs_off(void **state)
{
	(void)state;
	int st = 0;
	char *r = tu_sim_call(&sim, "POST", "/sim/config",
			      "{\"pay_after\":0,\"expire_after\":0,\"fail_5xx\":0,\"slow_ms\":0,"
			      "\"slow_count\":0,\"skew\":0,\"bad_signature\":0,\"wrong_serial\":0,"
			      "\"signtest\":0}", &st);
	free(r);
	return st == 200 ? 0 : -1;
}

static void knob(const char *json)
{
	int st = 0;
	char *r = tu_sim_call(&sim, "POST", "/sim/config", json, &st);
	if (st != 200)
		fail_msg("knob %s: %d %s", json, st, r ? r : "");
	free(r);
}

static int ctl(const char *method, const char *path)
{
	int st = 0;
	free(tu_sim_call(&sim, method, path, NULL, &st));
	return st;
}

/* A number from GET /sim/stats. */
static long stat_of(const char *name)
{
	char *r = tu_sim_call(&sim, "GET", "/sim/stats", NULL, NULL);
	assert_non_null(r);
	char key[64];
	snprintf(key, sizeof key, "\"%s\":", name);
	char *p = strstr(r, key);
	long v = p ? strtol(p + strlen(key), NULL, 10) : -1;
	free(r);
	return v;
}

/* A field of GET /sim/order/{no}: the gateway's own view. */
static char *sim_order(const char *no)
{
	char path[128];
	snprintf(path, sizeof path, "/sim/order/%s", no);
	return tu_sim_call(&sim, "GET", path, NULL, NULL);
}

static pay_order order(const char *no, int64_t fen)
{
	pay_order o;
	memset(&o, 0, sizeof o);
	snprintf(o.out_trade_no, sizeof o.out_trade_no, "%s", no);
	o.amount_fen = fen;
	snprintf(o.description, sizeof o.description, "四川CA 数字证书新办");
	o.expire_ms = clock_now_ms() + 15 * 60 * 1000;
	return o;
}

static pay_order created(const char *no, int64_t fen)
{
	pay_order o = order(no, fen);
	kerr err = { { 0 }, { 0 } };
	pay_result r = pay_create(dev, &o, &err);
	if (r != PR_OK)
		fail_msg("create %s: %s: %s", no, pay_result_name(r), err.msg);
	assert_true(o.verified);
	assert_int_equal(o.state, PAY_NOTPAY);
	assert_true(strncmp(o.code_url, PAY_CODE_URL_PREFIX, strlen(PAY_CODE_URL_PREFIX)) == 0);
	return o;
}

static pay_order queried(const char *no)
{
	pay_order o;
	kerr err = { { 0 }, { 0 } };
	pay_result r = pay_query(dev, no, &o, &err);
	if (r != PR_OK)
		fail_msg("query %s: %s: %s", no, pay_result_name(r), err.msg);
	assert_true(o.verified);
	return o;
}

/* ---- the scenarios ---- */

static void paid_after_polls(void **state)
{
	(void)state;
	knob("{\"pay_after\":3}");
	pay_order o = created("SCCA-T-20261121-0001", 40000);
	assert_string_equal(o.out_trade_no, "SCCA-T-20261121-0001");
	assert_int_equal(o.amount_fen, 40000);
	for (int i = 1; i <= 2; i++) {
		pay_order q = queried(o.out_trade_no);
		assert_int_equal(q.state, PAY_NOTPAY);
		assert_string_equal(q.transaction_id, "");
		assert_int_equal(q.amount_fen, 40000);
	}
	int64_t before = clock_now_ms();
	pay_order q = queried(o.out_trade_no);
	assert_int_equal(q.state, PAY_SUCCESS);
	assert_true(q.verified);
	assert_int_equal(strlen(q.transaction_id), 27);
	assert_true(strncmp(q.transaction_id, "4200000", 7) == 0);
	assert_true(q.paid_ms > before - 2000 && q.paid_ms <= clock_now_ms());
	assert_int_equal(q.paid_ms % 1000, 0);
	/* the query may name the order it fills */
	pay_order self = q;
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(pay_query(dev, self.out_trade_no, &self, &err), PR_OK);
	assert_int_equal(self.state, PAY_SUCCESS);
	/* paid: re-creating says so, closing refuses */
	o = order("SCCA-T-20261121-0001", 40000);
	assert_int_equal(pay_create(dev, &o, &err), PR_PAID);
	assert_string_equal(o.code_url, "");
	assert_false(o.verified);
	assert_int_equal(pay_close(dev, "SCCA-T-20261121-0001", &err), PR_PAID);
	assert_non_null(strstr(err.msg, "ORDERPAID"));
}

static void expiry_then_recreate(void **state)
{
	(void)state;
	const char *case_no = "SCCA-T-20261121-0002";
	char no1[PAY_TRADE_NO_MAX + 1], no2[PAY_TRADE_NO_MAX + 1];
	assert_int_equal(pay_trade_no(case_no, 1, no1), 0);
	assert_int_equal(pay_trade_no(case_no, 2, no2), 0);
	assert_string_equal(no2, "SCCA-T-20261121-0002_2");
	pay_order o1 = created(no1, 20000);
	/* the order's time runs out at the gateway */
	assert_int_equal(ctl("POST", "/sim/expire/SCCA-T-20261121-0002"), 200);
	assert_int_equal(queried(no1).state, PAY_CLOSED);
	/* the same number again: WeChat never reopens it */
	pay_order again = order(no1, 20000);
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(pay_create(dev, &again, &err), PR_CLOSED);
	assert_non_null(strstr(err.msg, "OUT_TRADE_NO_USED"));
	assert_non_null(strstr(err.msg, "商户订单号重复"));
	/* attempt 2: a new order with its own code */
	pay_order o2 = created(no2, 20000);
	assert_string_not_equal(o2.code_url, o1.code_url);
	assert_int_equal(ctl("POST", "/sim/pay/SCCA-T-20261121-0002_2"), 200);
	assert_int_equal(queried(no2).state, PAY_SUCCESS);
	assert_int_equal(queried(no1).state, PAY_CLOSED);
	/* expiry counted in polls: closed at the 2nd */
	knob("{\"expire_after\":2}");
	created("SCCA-T-20261121-0003", 100);
	assert_int_equal(queried("SCCA-T-20261121-0003").state, PAY_NOTPAY);
	assert_int_equal(queried("SCCA-T-20261121-0003").state, PAY_CLOSED);
	/* time_expire went out as Shanghai time and arrived as the same instant */
	char *g = sim_order(no2);
	char want[64];
	snprintf(want, sizeof want, "\"expire\":%lld", (long long)(o2.expire_ms / 1000));
	assert_non_null(strstr(g, want));
	free(g);
}

static void cancel_closes(void **state)
{
	(void)state;
	const char *no = "SCCA-T-20261121-0005";
	created(no, 5000);
	kerr err = { { 0 }, { 0 } };
	long closes = stat_of("closes");
	assert_int_equal(pay_close(dev, no, &err), PR_OK);
	assert_int_equal(stat_of("closes"), closes + 1);
	char *g = sim_order(no);
	assert_non_null(strstr(g, "\"state\":\"CLOSED\""));
	free(g);
	assert_int_equal(queried(no).state, PAY_CLOSED);
	/* closed is closed: closing again is fine, paying is not possible */
	assert_int_equal(pay_close(dev, no, &err), PR_OK);
	assert_int_equal(ctl("POST", "/sim/pay/SCCA-T-20261121-0005"), 409);
	assert_int_equal(queried(no).state, PAY_CLOSED);
	/* an unknown order */
	assert_int_equal(pay_close(dev, "SCCA-T-NO-SUCH-ORDER", &err), PR_NOT_FOUND);
	assert_non_null(strstr(err.msg, "ORDER_NOT_EXIST"));
	pay_order q = queried("SCCA-T-NO-SUCH-ORDER");
	assert_int_equal(q.state, PAY_NOTFOUND);
	assert_string_equal(q.out_trade_no, "SCCA-T-NO-SUCH-ORDER");
}

static void duplicate_create(void **state)
{
	(void)state;
	const char *no = "SCCA-T-20261121-0006";
	long orders = stat_of("orders");
	pay_order a = created(no, 60000);
	pay_order b = created(no, 60000); /* a retry, or a restarted kiosk */
	assert_string_equal(a.code_url, b.code_url);
	assert_int_equal(stat_of("orders"), orders + 1);
	/* another amount or description under the same number: refused */
	pay_order c = order(no, 60001);
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(pay_create(dev, &c, &err), PR_DUPLICATE);
	assert_string_equal(c.code_url, "");
	assert_non_null(strstr(err.msg, "OUT_TRADE_NO_USED: 商户订单号重复"));
	assert_string_equal(err.where, no);
	c = order(no, 60000);
	snprintf(c.description, sizeof c.description, "四川CA 数字证书更新");
	assert_int_equal(pay_create(dev, &c, &err), PR_DUPLICATE);
	assert_int_equal(stat_of("orders"), orders + 1);
	/* the first order is untouched */
	char *g = sim_order(no);
	assert_non_null(strstr(g, "\"total\":60000"));
	assert_non_null(strstr(g, "数字证书新办"));
	free(g);
}

static void gateway_5xx_then_success(void **state)
{
	(void)state;
	const char *no = "SCCA-T-20261121-0007";
	long orders = stat_of("orders"), calls = stat_of("create_calls");
	knob("{\"fail_5xx\":2}"); /* the gateway does the work but answers 500, twice */
	pay_order o = created(no, 30000);
	assert_int_equal(stat_of("create_calls"), calls + 3);
	assert_int_equal(stat_of("orders"), orders + 1);
	/* more failures than tries: PR_GATEWAY, with WeChat's own (verified) words */
	knob("{\"fail_5xx\":5}");
	pay_order again = order(no, 30000);
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(pay_create(dev, &again, &err), PR_GATEWAY);
	assert_false(again.verified);
	assert_string_equal(again.code_url, "");
	assert_non_null(strstr(err.msg, "after 3 tries"));
	assert_non_null(strstr(err.msg, "SYSTEM_ERROR"));
	knob("{\"fail_5xx\":3}");
	assert_int_equal(pay_query(dev, no, &again, &err), PR_GATEWAY);
	assert_int_equal(again.state, PAY_NOTFOUND);
	knob("{\"fail_5xx\":0}");
	/* afterwards: still one order, the same code */
	pay_order b = created(no, 30000);
	assert_string_equal(b.code_url, o.code_url);
	assert_int_equal(stat_of("orders"), orders + 1);
}

static void slow_answer_retried(void **state)
{
	(void)state;
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(pay_wechat_set_limits(dev, 3, 300, 20, &err), 0);
	const char *no = "SCCA-T-20261121-0008";
	long orders = stat_of("orders"), calls = stat_of("create_calls");
	/* the first answer comes too late: the order was made, the retry finds it */
	knob("{\"slow_ms\":1200,\"slow_count\":1}");
	pay_order o = created(no, 12300);
	assert_int_equal(stat_of("create_calls"), calls + 2);
	assert_int_equal(stat_of("orders"), orders + 1);
	/* every answer too late: no answer, the same number next time */
	knob("{\"slow_ms\":600,\"slow_count\":3}");
	pay_order q;
	assert_int_equal(pay_query(dev, no, &q, &err), PR_NETWORK);
	assert_non_null(strstr(err.msg, "no answer from WeChat Pay"));
	assert_non_null(strstr(err.msg, "the order number stays the same"));
	assert_int_equal(pay_wechat_set_limits(dev, 3, 1500, 20, &err), 0);
	knob("{\"slow_count\":0}");
	assert_string_equal(created(no, 12300).code_url, o.code_url);
}

static void nothing_listening(void **state)
{
	(void)state;
	/* a port nobody listens on: the simulator's, after it is gone */
	tu_sim other;
	assert_true(tu_sim_start(&other, dir, ""));
	char url[64];
	snprintf(url, sizeof url, "%s", other.url);
	assert_true(tu_sim_stop(&other));
	pay_dev *d = client(url);
	pay_order o = order("SCCA-T-20261121-0009", 100);
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(pay_create(d, &o, &err), PR_NETWORK);
	assert_non_null(strstr(err.msg, "after 3 tries"));
	assert_string_equal(err.where, "SCCA-T-20261121-0009");
	pay_dev_free(d);
}

/* An answer that cannot be verified is used for nothing. */
static void expect_unverified(const char *no, const char *why)
{
	pay_order q;
	memset(&q, 0x55, sizeof q);
	kerr err = { { 0 }, { 0 } };
	pay_result r = pay_query(dev, no, &q, &err);
	if (r != PR_UNVERIFIED || !strstr(err.msg, why))
		fail_msg("%s: %s: %s", no, pay_result_name(r), err.msg);
	assert_false(q.verified);
	assert_int_equal(q.state, PAY_NOTFOUND);
	assert_string_equal(q.transaction_id, "");
	assert_non_null(strstr(err.msg, "not trusted"));
}

static void bad_answers_refused(void **state)
{
	(void)state;
	const char *no = "SCCA-T-20261121-0010";
	created(no, 8800);
	assert_int_equal(ctl("POST", "/sim/pay/SCCA-T-20261121-0010"), 200); /* paid at the gateway */
	knob("{\"bad_signature\":1}");
	expect_unverified(no, "does not match");
	knob("{\"wrong_serial\":1}");
	expect_unverified(no, "no platform key with serial '7D5C1E0A");
	knob("{\"signtest\":1}");
	expect_unverified(no, "probe");
	knob("{\"skew\":310}");
	expect_unverified(no, "check the clock");
	knob("{\"skew\":-400}");
	expect_unverified(no, "s before this computer's clock");
	/* within tolerance the same answer is taken */
	knob("{\"skew\":-290}");
	assert_int_equal(queried(no).state, PAY_SUCCESS);
	knob("{\"skew\":0}");
	/* a create with a bad answer gives no code to show */
	knob("{\"bad_signature\":1}");
	pay_order o = order("SCCA-T-20261121-0011", 100);
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(pay_create(dev, &o, &err), PR_UNVERIFIED);
	assert_string_equal(o.code_url, "");
	assert_false(o.verified);
	/* the order exists at the gateway: the next try shows the same one */
	created("SCCA-T-20261121-0011", 100);
	/* a 204 that does not verify is not taken as closed */
	knob("{\"wrong_serial\":1}");
	assert_int_equal(pay_close(dev, "SCCA-T-20261121-0011", &err), PR_UNVERIFIED);
	/* an error answer that does not verify is not believed either */
	knob("{\"bad_signature\":1}");
	assert_int_equal(pay_close(dev, "SCCA-T-NO-SUCH-ORDER", &err), PR_UNVERIFIED);
}

static void refunds(void **state)
{
	(void)state;
	const char *no = "SCCA-T-20261121-0012";
	created(no, 40000);
	pay_refund r;
	memset(&r, 0, sizeof r);
	snprintf(r.out_trade_no, sizeof r.out_trade_no, "%s", no);
	assert_int_equal(pay_refund_no(no, 1, r.out_refund_no), 0);
	assert_string_equal(r.out_refund_no, "SCCA-T-20261121-0012-R1");
	r.total_fen = 40000;
	r.refund_fen = 40000;
	snprintf(r.reason, sizeof r.reason, "业务撤销");
	kerr err = { { 0 }, { 0 } };
	/* not paid yet */
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_REFUSED);
	assert_non_null(strstr(err.msg, "订单未支付"));
	assert_int_equal(ctl("POST", "/sim/pay/SCCA-T-20261121-0012"), 200);
	/* more than was paid */
	r.refund_fen = 40000;
	r.total_fen = 40000;
	pay_refund big = r;
	snprintf(big.out_refund_no, sizeof big.out_refund_no, "%s-R9", no);
	big.total_fen = big.refund_fen = 40001;
	assert_int_equal(pay_refund_order(dev, &big, &err), PR_REFUSED);
	assert_non_null(strstr(err.msg, "PARAM_ERROR"));
	/* the refund, and the same refund again */
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_OK);
	assert_true(r.verified);
	assert_int_equal(r.state, PAY_REFUND_PROCESSING);
	char id[40];
	snprintf(id, sizeof id, "%s", r.refund_id);
	assert_true(strlen(id) > 8);
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_OK);
	assert_int_equal(r.state, PAY_REFUND_SUCCESS);
	assert_string_equal(r.refund_id, id);
	assert_int_equal(stat_of("refunds"), 1);
	assert_int_equal(queried(no).state, PAY_REFUND);
	/* nothing left to refund */
	pay_refund more = r;
	assert_int_equal(pay_refund_no(no, 2, more.out_refund_no), 0);
	more.refund_fen = 1;
	assert_int_equal(pay_refund_order(dev, &more, &err), PR_REFUSED);
	assert_non_null(strstr(err.msg, "超过"));
	/* an unknown order */
	pay_refund none = r;
	snprintf(none.out_trade_no, sizeof none.out_trade_no, "SCCA-T-NO-SUCH-ORDER");
	assert_int_equal(pay_refund_no(none.out_trade_no, 1, none.out_refund_no), 0);
	assert_int_equal(pay_refund_order(dev, &none, &err), PR_NOT_FOUND);
	assert_string_equal(none.refund_id, "");
	/* checked before sending */
	pay_refund inv = r;
	inv.refund_fen = 0;
	assert_int_equal(pay_refund_order(dev, &inv, &err), PR_INVALID);
	assert_string_equal(err.where, "refund_fen");
	inv = r;
	snprintf(inv.out_refund_no, sizeof inv.out_refund_no, "bad no");
	assert_int_equal(pay_refund_order(dev, &inv, &err), PR_INVALID);
	assert_int_equal(pay_refund_order(NULL, &r, &err), PR_NOT_SUPPORTED);
	/* the demo gateway does not know this order (its own refunds: test_refund) */
	pay_dev *demo = pay_demo_new(&err);
	assert_int_equal(pay_refund_order(demo, &r, &err), PR_NOT_FOUND);
	pay_dev_free(demo);
	assert_int_equal(pay_refund_no(no, 0, inv.out_refund_no), -1);
	assert_int_equal(pay_refund_no("x", 1, inv.out_refund_no), -1);
}

static void odd_trade_numbers(void **state)
{
	(void)state;
	/* '|' travels encoded in the path, and the signed URL is the one sent */
	const char *no = "SCCA|T*20261121_13";
	created(no, 100);
	assert_int_equal(queried(no).state, PAY_NOTPAY);
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(pay_close(dev, no, &err), PR_OK);
	assert_int_equal(queried(no).state, PAY_CLOSED);
	assert_int_equal(stat_of("auth_failures"), 0);
}

/* The gateway refuses the kiosk's signature: the clerk is told to call
 * support, the log says what to check. */
static void request_signature_refused(void **state)
{
	(void)state;
	kiosk_payment_cfg c = cfg_for(sim.url);
	c.merchant_serial = "0123456789ABCDEF";
	kerr err = { { 0 }, { 0 } };
	pay_dev *d = pay_wechat_new(&c, &err);
	assert_non_null(d);
	long fails = stat_of("auth_failures");
	pay_order o = order("SCCA-T-20261121-0014", 100);
	assert_int_equal(pay_create(d, &o, &err), PR_REFUSED);
	assert_non_null(strstr(err.msg, "SIGN_ERROR"));
	assert_non_null(strstr(err.msg, "merchant_serial"));
	assert_int_equal(stat_of("auth_failures"), fails + 1);
	pay_dev_free(d);
	/* signed with another key under the right serial */
	assert_true(tu_sh("cd '%s' && openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 "
			  "-out other_key.pem && chmod 600 other_key.pem", dir));
	char other[1100];
	c = cfg_for(sim.url);
	c.private_key_file = (char *)tu_path(other, sizeof other, dir, "other_key.pem");
	d = pay_wechat_new(&c, &err);
	assert_non_null(d);
	assert_int_equal(pay_create(d, &o, &err), PR_REFUSED);
	assert_non_null(strstr(err.msg, "签名错误"));
	assert_int_equal(stat_of("auth_failures"), fails + 2);
	pay_dev_free(d);
	/* the wrong merchant number is caught by the gateway too */
	c = cfg_for(sim.url);
	c.mchid = "1900000002";
	d = pay_wechat_new(&c, &err);
	assert_non_null(d);
	assert_int_equal(pay_create(d, &o, &err), PR_REFUSED);
	pay_dev_free(d);
}

/* ---- the simulator against the openssl command line ---- */

typedef struct raw_answer {
	char *body;
	size_t len;
	char ts[32], nonce[80], sig[1400], serial[80];
	long status;
} raw_answer;

static size_t raw_body(char *p, size_t s, size_t n, void *ud)
{
	raw_answer *a = ud;
	char *nb = realloc(a->body, a->len + s * n + 1);
	if (!nb)
		return 0;
	a->body = nb;
	memcpy(a->body + a->len, p, s * n);
	a->len += s * n;
	a->body[a->len] = '\0';
	return s * n;
}

static size_t raw_header(char *p, size_t s, size_t n, void *ud)
{
	raw_answer *a = ud;
	size_t len = s * n;
	struct {
		const char *name;
		char *dst;
		size_t cap;
	} f[] = { { "Wechatpay-Timestamp: ", a->ts, sizeof a->ts },
		  { "Wechatpay-Nonce: ", a->nonce, sizeof a->nonce },
		  { "Wechatpay-Signature: ", a->sig, sizeof a->sig },
		  { "Wechatpay-Serial: ", a->serial, sizeof a->serial } };
	for (size_t i = 0; i < 4; i++) {
		size_t nl = strlen(f[i].name);
		if (len > nl && strncasecmp(p, f[i].name, nl) == 0) {
			snprintf(f[i].dst, f[i].cap, "%.*s", (int)(len - nl), p + nl);
			f[i].dst[strcspn(f[i].dst, "\r\n")] = '\0';
		}
	}
	return len;
}

/* A query whose Authorization is signed by `openssl dgst -sign`, sent with
 * libcurl: the simulator accepts it, and openssl verifies its answer. */
static void simulator_against_openssl(void **state)
{
	(void)state;
	created("SCCA-T-20261121-0015", 100);
	char url_path[] = "/v3/pay/transactions/out-trade-no/SCCA-T-20261121-0015?mchid=" TU_WX_MCHID;
	long long ts = (long long)time(NULL);
	char msg[512];
	snprintf(msg, sizeof msg, "GET\n%s\n%lld\nOPENSSLNONCE\n\n", url_path, ts);
	char mf[1100], sf[1100];
	tu_path(mf, sizeof mf, dir, "req-msg.txt");
	assert_true(tu_write_file(mf, msg, strlen(msg)));
	assert_true(tu_sh("cd '%s' && openssl dgst -sha256 -sign merchant_key.pem -out req.sig "
			  "req-msg.txt && openssl base64 -A -in req.sig -out req.b64", dir));
	char *b64 = tu_read_file(tu_path(sf, sizeof sf, dir, "req.b64"), NULL);
	assert_non_null(b64);
	b64[strcspn(b64, "\r\n")] = '\0';
	char auth[2048];
	snprintf(auth, sizeof auth, "Authorization: WECHATPAY2-SHA256-RSA2048 mchid=\"%s\","
		 "nonce_str=\"OPENSSLNONCE\",timestamp=\"%lld\",serial_no=\"%s\",signature=\"%s\"",
		 TU_WX_MCHID, ts, TU_WX_MERCHANT_SERIAL, b64);
	free(b64);
	for (int round = 0; round < 2; round++) {
		raw_answer a;
		memset(&a, 0, sizeof a);
		CURL *c = curl_easy_init();
		assert_non_null(c);
		char full[256];
		snprintf(full, sizeof full, "%s%s", sim.url, url_path);
		struct curl_slist *h = curl_slist_append(NULL, auth);
		if (round == 1) /* the signature no longer matches the URL sent */
			snprintf(full, sizeof full, "%s%s&x=1", sim.url, url_path);
		curl_easy_setopt(c, CURLOPT_URL, full);
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, raw_body);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, raw_header);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, &a);
		curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
		assert_int_equal(curl_easy_perform(c), CURLE_OK);
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a.status);
		curl_slist_free_all(h);
		curl_easy_cleanup(c);
		if (round == 0) {
			assert_int_equal(a.status, 200);
			assert_non_null(strstr(a.body, "\"trade_state\":\"NOTPAY\""));
		} else {
			assert_int_equal(a.status, 401);
			assert_non_null(strstr(a.body, "SIGN_ERROR"));
		}
		/* every answer, errors too, verifies with openssl and the platform certificate */
		assert_string_equal(a.serial, TU_WX_PLATFORM_SERIAL);
		char am[8192];
		int al = snprintf(am, sizeof am, "%s\n%s\n%s\n", a.ts, a.nonce, a.body);
		tu_path(mf, sizeof mf, dir, "ans-msg.txt");
		assert_true(tu_write_file(mf, am, (size_t)al));
		assert_true(tu_write_file(tu_path(sf, sizeof sf, dir, "ans.b64"), a.sig, strlen(a.sig)));
		assert_true(tu_sh("cd '%s' && openssl x509 -in platform_cert.pem -pubkey -noout > ppub.pem "
				  "&& openssl base64 -d -A -in ans.b64 -out ans.sig && openssl dgst "
				  "-sha256 -verify ppub.pem -signature ans.sig ans-msg.txt", dir));
		am[0] = am[0] == '1' ? '2' : '1';
		assert_true(tu_write_file(mf, am, (size_t)al));
		assert_false(tu_sh("cd '%s' && openssl dgst -sha256 -verify ppub.pem -signature ans.sig "
				   "ans-msg.txt", dir));
		free(a.body);
	}
}

/* The gateway's platform public key, named by its PUB_KEY_ID. */
static void platform_public_key_id(void **state)
{
	(void)state;
	tu_sim other;
	assert_true(tu_sim_start(&other, dir, "--platform-serial " TU_WX_PUB_KEY_ID " --pay-after 1"));
	pay_dev *d = client(other.url);
	pay_order o = order("SCCA-T-20261121-0016", 100);
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(pay_create(d, &o, &err), PR_OK);
	assert_true(o.verified);
	pay_order q;
	assert_int_equal(pay_query(d, o.out_trade_no, &q, &err), PR_OK);
	assert_int_equal(q.state, PAY_SUCCESS);
	assert_true(q.verified);
	pay_dev_free(d);
	assert_true(tu_sim_stop(&other));
}

/* ---- construction and configuration ---- */

static void constructor_refusals(void **state)
{
	(void)state;
	kerr err = { { 0 }, { 0 } };
	kiosk_payment_cfg c = cfg_for(sim.url);
	/* a key file others can read: refused, naming the file and the fix */
	assert_int_equal(chmod(c.private_key_file, 0644), 0);
	assert_null(pay_wechat_new(&c, &err));
	assert_string_equal(err.where, c.private_key_file);
	assert_non_null(strstr(err.msg, "chmod 600"));
	assert_null(strstr(err.msg, "PRIVATE KEY"));
	assert_int_equal(chmod(c.private_key_file, 0600), 0);
	assert_int_equal(chmod(c.apiv3_key_file, 0640), 0);
	assert_null(pay_wechat_new(&c, &err));
	assert_non_null(strstr(err.msg, "apiv3_key_file"));
	assert_null(strstr(err.msg, "k8Xv2"));
	assert_int_equal(chmod(c.apiv3_key_file, 0600), 0);
	/* plain http only to this computer */
	c = cfg_for("http://192.0.2.1:8080");
	assert_null(pay_wechat_new(&c, &err));
	assert_non_null(strstr(err.msg, "use https://"));
	c = cfg_for("http://127.0.0.1.evil.example");
	assert_null(pay_wechat_new(&c, &err));
	c = cfg_for("ftp://127.0.0.1");
	assert_null(pay_wechat_new(&c, &err));
	c = cfg_for("https://user@api.mch.weixin.qq.com");
	assert_null(pay_wechat_new(&c, &err));
	c = cfg_for("https://api.mch.weixin.qq.com/");
	pay_dev *d = pay_wechat_new(&c, &err);
	assert_non_null(d); /* https anywhere; nothing is sent here */
	assert_string_equal(pay_dev_name(d), "wechat");
	pay_dev_free(d);
	c = cfg_for("http://[::1]:9/");
	d = pay_wechat_new(&c, &err);
	assert_non_null(d);
	pay_dev_free(d);
	c = cfg_for("http://localhost:9");
	d = pay_wechat_new(&c, &err);
	assert_non_null(d);
	pay_dev_free(d);
	/* identity and keys */
	c = cfg_for(sim.url);
	c.mchid = "19x";
	assert_null(pay_wechat_new(&c, &err));
	assert_string_equal(err.where, "mchid");
	c = cfg_for(sim.url);
	c.appid = "";
	assert_null(pay_wechat_new(&c, &err));
	c = cfg_for(sim.url);
	c.notify_url = "http://kiosk.example.com/notify";
	assert_null(pay_wechat_new(&c, &err));
	assert_string_equal(err.where, "notify_url");
	c = cfg_for(sim.url);
	c.platform_keys_dir = dir; /* holds no <serial>.pem */
	assert_null(pay_wechat_new(&c, &err));
	assert_null(pay_wechat_new(NULL, &err));
	/* limits */
	assert_int_equal(pay_wechat_set_limits(dev, 0, 1000, 0, &err), -1);
	assert_int_equal(pay_wechat_set_limits(dev, 3, 50, 0, &err), -1);
	pay_dev *demo = pay_demo_new(&err);
	assert_int_equal(pay_wechat_set_limits(demo, 3, 1000, 0, &err), -1);
	pay_dev_free(demo);
}

static void config_files_check(void **state)
{
	(void)state;
	kerr err = { { 0 }, { 0 } };
	kiosk_payment_cfg c = cfg_for(sim.url);
	assert_int_equal(pay_wechat_files_check(&c, &err), 0);
	assert_int_equal(chmod(c.private_key_file, 0604), 0);
	assert_int_equal(pay_wechat_files_check(&c, &err), -1);
	assert_non_null(strstr(err.msg, "chmod 600"));
	assert_non_null(strstr(err.msg, c.private_key_file));
	assert_int_equal(chmod(c.private_key_file, 0600), 0);
	c.platform_keys_dir = c.private_key_file;
	assert_int_equal(pay_wechat_files_check(&c, &err), -1);
	assert_non_null(strstr(err.msg, "platform_keys_dir: not a directory"));
	c = cfg_for(sim.url);
	c.apiv3_key_file = "/nonexistent/apiv3.key";
	assert_int_equal(pay_wechat_files_check(&c, &err), -1);
	assert_string_equal(err.where, "/nonexistent/apiv3.key");
	/* demo mode needs no files */
	c.mode = "demo";
	assert_int_equal(pay_wechat_files_check(&c, &err), 0);
	assert_int_equal(pay_wechat_files_check(NULL, &err), 0);
}

/* PENDING is the kiosk's word for an approved refund with no answer yet
 * (pay.h); an answer that says it is not one of the gateway's. */
static void refund_status_pending_refused(void **state)
{
	(void)state;
	const char *no = "K0120240301000101";
	char body[256];
	const char *words[] = { "PROCESSING", "PENDING" };
	for (size_t i = 0; i < 2; i++) {
		pay_refund rf;
		memset(&rf, 0, sizeof rf);
		snprintf(rf.out_refund_no, sizeof rf.out_refund_no, "%s-R1", no);
		int n = snprintf(body, sizeof body,
				 "{\"out_refund_no\":\"%s-R1\",\"refund_id\":\"503001\","
				 "\"status\":\"%s\",\"out_trade_no\":\"%s\"}",
				 no, words[i], no);
		kerr err = { 0 };
		pay_result r = pay_wechat_parse(PAY_WX_REFUND, 200, body, (size_t)n, no, NULL, &rf,
						&err);
		if (i == 0) {
			assert_int_equal(r, PR_OK);
			assert_int_equal(rf.state, PAY_REFUND_PROCESSING);
		} else {
			assert_int_equal(r, PR_GATEWAY);
			assert_non_null(strstr(err.msg, "unknown refund status"));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(paid_after_polls, knobs_off),
		cmocka_unit_test_setup(expiry_then_recreate, knobs_off),
		cmocka_unit_test_setup(cancel_closes, knobs_off),
		cmocka_unit_test_setup(duplicate_create, knobs_off),
		cmocka_unit_test_setup(gateway_5xx_then_success, knobs_off),
		cmocka_unit_test_setup(slow_answer_retried, knobs_off),
		cmocka_unit_test_setup(nothing_listening, knobs_off),
		cmocka_unit_test_setup(bad_answers_refused, knobs_off),
		cmocka_unit_test_setup(refunds, knobs_off),
		cmocka_unit_test_setup(odd_trade_numbers, knobs_off),
		cmocka_unit_test_setup(request_signature_refused, knobs_off),
		cmocka_unit_test_setup(simulator_against_openssl, knobs_off),
		cmocka_unit_test_setup(platform_public_key_id, knobs_off),
		cmocka_unit_test_setup(constructor_refusals, knobs_off),
		cmocka_unit_test_setup(config_files_check, knobs_off),
		cmocka_unit_test(refund_status_pending_refused),
	};
	return cmocka_run_group_tests(tests, start, stop);
}
