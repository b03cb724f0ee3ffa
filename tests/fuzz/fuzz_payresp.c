/* Fuzz harness for the WeChat Pay answer parser (pay_wechat_parse, what the
 * client runs on a verified body) and the Authorization parser (what the
 * simulator runs on every request). Input: byte 0 picks the call (create,
 * query, close, refund), byte 1 the HTTP status, the rest is the body. The
 * invariants a caller relies on are checked with abort():
 *   - a result from the table; err strings terminated and valid UTF-8 (they
 *     reach the clerk's screen);
 *   - PR_OK on create: a weixin:// code_url and NOTPAY; on query: a state
 *     from the table, the number asked about, and for SUCCESS a transaction
 *     id and a payment time; on refund: an id and a state from the table;
 *   - on any failure the order's code_url and transaction_id stay empty.
 * Built with libFuzzer (make fuzz) and with tests/fuzz/replay.c (make test). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/kini.h"
#include "core/pay/pay.h"
#include "core/pay/wxsign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NO "SCCA-F-20261121-0001"

static void require(int cond)
{
	if (!cond)
		abort();
}

static void check_err(const kerr *e)
{
	require(memchr(e->where, '\0', sizeof e->where) != NULL);
	require(memchr(e->msg, '\0', sizeof e->msg) != NULL);
	require(kini_utf8_valid(e->msg, strlen(e->msg), NULL));
}

static bool terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long statuses[] = { 200, 204, 400, 401, 403, 404, 429, 500, 502, 302, 100, 299 };
	if (size < 2)
		return 0;
	pay_wx_call call = (pay_wx_call)(data[0] % 4);
	long status = statuses[data[1] % (sizeof statuses / sizeof statuses[0])];
	const char *body = (const char *)data + 2;
	size_t len = size - 2;

	pay_order o;
	memset(&o, 0, sizeof o);
	pay_refund rf;
	memset(&rf, 0, sizeof rf);
	snprintf(rf.out_refund_no, sizeof rf.out_refund_no, "%s-R1", NO);
	kerr err = { { 0 }, { 0 } };
	pay_result r = pay_wechat_parse(call, status, body, len, NO, &o, &rf, &err);
	require((unsigned)r < PR_COUNT);
	check_err(&err);
	require(terminated(o.code_url, sizeof o.code_url));
	require(terminated(o.transaction_id, sizeof o.transaction_id));
	require(terminated(o.out_trade_no, sizeof o.out_trade_no));
	require(terminated(rf.refund_id, sizeof rf.refund_id));
	if (r == PR_OK) {
		switch (call) {
		case PAY_WX_CREATE:
			require(strncmp(o.code_url, "weixin://", 9) == 0);
			require(o.state == PAY_NOTPAY);
			break;
		case PAY_WX_QUERY:
			require((unsigned)o.state < PAY_STATE_COUNT);
			require(strcmp(o.out_trade_no, NO) == 0);
			if (o.state == PAY_SUCCESS)
				require(o.transaction_id[0] != '\0' && o.paid_ms > 0);
			require(o.amount_fen >= 0 && o.amount_fen <= PAY_AMOUNT_MAX);
			break;
		case PAY_WX_REFUND:
			require(rf.refund_id[0] != '\0');
			require((unsigned)rf.state < PAY_REFUND_STATE_COUNT &&
				rf.state != PAY_REFUND_PENDING); /* the kiosk's word only */
			break;
		default:
			break;
		}
	} else {
		require(o.code_url[0] == '\0');
		require(o.transaction_id[0] == '\0');
		require(rf.refund_id[0] == '\0');
	}
	/* Without a place for the answer: an error, never a crash. */
	kerr e2 = { { 0 }, { 0 } };
	r = pay_wechat_parse(call, status, body, len, NULL, NULL, NULL, &e2);
	require((unsigned)r < PR_COUNT);
	check_err(&e2);

	/* The same bytes as an Authorization header. */
	char *h = malloc(len + 1);
	if (!h)
		return 0;
	memcpy(h, body, len);
	h[len] = '\0';
	wx_auth a;
	kerr e3 = { { 0 }, { 0 } };
	if (wx_auth_parse(h, &a, &e3) == 0) {
		require(a.mchid[0] && a.nonce[0] && a.timestamp[0] && a.serial[0] && a.signature[0]);
		require(strspn(a.timestamp, "0123456789") == strlen(a.timestamp));
	} else {
		require(a.mchid[0] == '\0' && a.signature[0] == '\0');
	}
	require(memchr(e3.msg, '\0', sizeof e3.msg) != NULL);
	free(h);
	return 0;
}
