/* test_pay_demo: the payment ops table through its wrappers, on the demo
 * gateway: trade numbers derived from case numbers (fit, suffix, compact form,
 * uniqueness), create idempotence and duplicates, NOTPAY until settled,
 * expiry to CLOSED at its exact millisecond, close, injected gateway faults,
 * the trainer controls, argument checks, and the two word tables. The clock is
 * pinned: nothing here waits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/base/clock.h"
#include "core/pay/pay.h"
#include "core/base/civil.h"
#include "core/base/strings.h"
#include "tests/unit/testutil.h"

static int64_t now;

static int pin_clock(void **state)
{
	(void)state;
	now = clock_day_start_ms(civil_from_ymd(2026, 11, 21)) + 10LL * 3600 * 1000;
	clock_set_fixed(now);
	return 0;
}

static int unpin_clock(void **state)
{
	(void)state;
	clock_set_fixed(0);
	return 0;
}

static pay_dev *demo(void)
{
	kerr err = { { 0 }, { 0 } };
	pay_dev *dev = pay_demo_new(&err);
	if (!dev)
		fail_msg("%s", err.msg);
	return dev;
}

static pay_order order(const char *no, int64_t fen)
{
	pay_order o;
	memset(&o, 0, sizeof o);
	snprintf(o.out_trade_no, sizeof o.out_trade_no, "%s", no);
	o.amount_fen = fen;
	snprintf(o.description, sizeof o.description, "四川CA 数字证书更新");
	o.expire_ms = now + 15 * 60 * 1000;
	return o;
}

static pay_order created(pay_dev *dev, const char *no, int64_t fen)
{
	pay_order o = order(no, fen);
	kerr err = { { 0 }, { 0 } };
	pay_result r = pay_create(dev, &o, &err);
	if (r != PR_OK)
		fail_msg("create %s: %s: %s", no, pay_result_name(r), err.msg);
	return o;
}

static pay_state state_of(pay_dev *dev, const char *no)
{
	pay_order o;
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(pay_query(dev, no, &o, &err), PR_OK);
	assert_true(o.verified);
	return o.state;
}

/* ---- the word tables ---- */

static void tables(void **state)
{
	(void)state;
	kerr err = { { 0 }, { 0 } };
	strings *s[LANG_COUNT];
	for (int l = 0; l < LANG_COUNT; l++) {
		s[l] = strings_load(KIOSK_CONFIG_DIR, (lang)l, &err);
		if (!s[l])
			fail_msg("%s: %s", err.where, err.msg);
	}
	static const char *const words[] = { "NOTPAY", "USERPAYING", "SUCCESS", "CLOSED",
					     "REFUND", "REVOKED", "PAYERROR", "NOTFOUND" };
	assert_int_equal(PAY_STATE_COUNT, 8);
	for (int i = 0; i < PAY_STATE_COUNT; i++) {
		assert_string_equal(pay_state_name((pay_state)i), words[i]);
		assert_int_equal(pay_state_from_name(words[i]), i);
		char key[64], lower[16];
		size_t k = 0;
		for (; words[i][k]; k++)
			lower[k] = (char)(words[i][k] - 'A' + 'a');
		lower[k] = '\0';
		snprintf(key, sizeof key, "pay.state.%s", lower);
		assert_string_equal(pay_state_key((pay_state)i), key);
		for (int l = 0; l < LANG_COUNT; l++)
			if (!strings_get(s[l], key))
				fail_msg("%s missing in %s.ini", key, lang_name((lang)l));
	}
	assert_int_equal(pay_state_from_name("notpay"), -1); /* WeChat's words are upper case */
	assert_int_equal(pay_state_from_name(NULL), -1);
	assert_true(pay_state_pending(PAY_NOTPAY));
	assert_true(pay_state_pending(PAY_USERPAYING));
	for (int i = PAY_SUCCESS; i < PAY_STATE_COUNT; i++)
		assert_false(pay_state_pending((pay_state)i));

	for (int i = 0; i < PR_COUNT; i++) {
		const char *name = pay_result_name((pay_result)i);
		assert_int_equal(pay_result_from_name(name), i);
		char key[64];
		snprintf(key, sizeof key, "pay.result.%s", name);
		assert_string_equal(pay_result_key((pay_result)i), key);
		for (int l = 0; l < LANG_COUNT; l++)
			if (!strings_get(s[l], key))
				fail_msg("%s missing in %s.ini", key, lang_name((lang)l));
	}
	assert_int_equal(PR_OK, 0);
	assert_string_equal(pay_result_name((pay_result)99), "?");
	for (int l = 0; l < LANG_COUNT; l++)
		strings_free(s[l]);
}

/* ---- trade numbers ---- */

static void trade_no_valid(void **state)
{
	(void)state;
	assert_false(pay_trade_no_valid("12345"));
	assert_true(pay_trade_no_valid("123456"));
	assert_true(pay_trade_no_valid("12345678901234567890123456789012"));
	assert_false(pay_trade_no_valid("123456789012345678901234567890123"));
	assert_true(pay_trade_no_valid("aZ09_-|*"));
	assert_false(pay_trade_no_valid("abc.def"));
	assert_false(pay_trade_no_valid("abc def"));
	assert_false(pay_trade_no_valid("订单号123456"));
	assert_false(pay_trade_no_valid(""));
	assert_false(pay_trade_no_valid(NULL));
}

static void trade_no_from_case(void **state)
{
	(void)state;
	char out[PAY_TRADE_NO_MAX + 1];
	assert_int_equal(pay_trade_no("SCCA-CD-01-20261121-0001", 1, out), 0);
	assert_string_equal(out, "SCCA-CD-01-20261121-0001");
	assert_int_equal(pay_trade_no("SCCA-CD-01-20261121-0001", 2, out), 0);
	assert_string_equal(out, "SCCA-CD-01-20261121-0001_2");
	assert_int_equal(pay_trade_no("SCCA-CD-01-20261121-0001", PAY_ATTEMPT_MAX, out), 0);
	assert_string_equal(out, "SCCA-CD-01-20261121-0001_999");
	/* exactly 32 fits as it is; with a suffix it no longer does */
	const char *c32 = "ABCDEFGHIJKLMNOPQRS-20261121-0001";
	assert_int_equal(strlen(c32), 33);
	const char *k32 = "BCDEFGHIJKLMNOPQRS-20261121-0001";
	assert_int_equal(pay_trade_no(k32, 1, out), 0);
	assert_string_equal(out, k32);
	assert_int_equal(pay_trade_no(k32, 2, out), 0);
	assert_int_equal(strlen(out), 32);
	assert_int_equal(out[10], '-');
	assert_true(tu_ends_with(out, "-20261121-0001_2"));
	/* a 24-character kiosk id makes a 38-character case number: compact form */
	const char *c38 = "KIOSK-ID-OF-24-CHARACTER-20261121-0001";
	assert_int_equal(strlen(c38), 38);
	assert_int_equal(pay_trade_no(c38, 1, out), 0);
	assert_int_equal(strlen(out), 32);
	assert_true(pay_trade_no_valid(out));
	assert_true(tu_ends_with(out, "-20261121-0001"));
	/* golden values (docs/devices.md): an upgrade that changed them would lose
	 * track of the orders of cases open across it */
	assert_string_equal(out, "jsbffvhdvm-ARACTER-20261121-0001");
	char again[PAY_TRADE_NO_MAX + 1];
	assert_int_equal(pay_trade_no(c38, 1, again), 0);
	assert_string_equal(out, again); /* deterministic */
	assert_int_equal(pay_trade_no(c32, 1, again), 0);
	assert_string_not_equal(out, again);
	assert_int_equal(pay_trade_no(c38, 2, again), 0);
	assert_string_equal(again, "jsbffvhdvm-ACTER-20261121-0001_2");
	/* too short for WeChat: compact too */
	assert_int_equal(pay_trade_no("A-1", 1, out), 0);
	assert_string_equal(out + 10, "-A-1");
	assert_true(pay_trade_no_valid(out));
	assert_int_equal(pay_trade_no("ABCDEF", 1, out), 0);
	assert_string_equal(out, "ABCDEF");
	/* refused */
	assert_int_equal(pay_trade_no("SCCA-20261121-0001", 0, out), -1);
	assert_string_equal(out, "");
	assert_int_equal(pay_trade_no("SCCA-20261121-0001", PAY_ATTEMPT_MAX + 1, out), -1);
	assert_int_equal(pay_trade_no("SCCA-20261121-0001", -1, out), -1);
	assert_int_equal(pay_trade_no("", 1, out), -1);
	assert_int_equal(pay_trade_no(NULL, 1, out), -1);
	assert_int_equal(pay_trade_no("SCCA 20261121-0001", 1, out), -1);
	assert_int_equal(pay_trade_no("SCCA*20261121-0001", 1, out), -1);
	assert_int_equal(pay_trade_no("窗口-20261121-0001", 1, out), -1);
	assert_int_equal(pay_trade_no("SCCA-20261121-0001_2", 1, out), -1); /* looks like an attempt */
	assert_int_equal(pay_trade_no("SCCA-20261121-0001_", 1, out), 0);
	assert_int_equal(pay_trade_no("SCCA-20261121-0001", 1, NULL), -1);
}

/* Every (case, attempt) gives its own valid number, short and long kiosk ids. */
static void trade_no_unique(void **state)
{
	(void)state;
	static const char *const kiosks[] = { "K1", "SCCA-CD-01", "SCCA-CD-01-B",
					      "KIOSK-ID-OF-24-CHARACTER", "KIOSK-ID-OF-24-CHARACTEX",
					      "SCCA_CD_99" };
	enum { NK = 6, NSEQ = 40, NATT = 4, N = NK * NSEQ * NATT };
	char (*all)[PAY_TRADE_NO_MAX + 1] = calloc(N, sizeof *all);
	assert_non_null(all);
	int n = 0;
	for (int k = 0; k < NK; k++) {
		for (int q = 1; q <= NSEQ; q++) {
			char case_no[64];
			snprintf(case_no, sizeof case_no, "%s-20261121-%04d", kiosks[k], q);
			for (int a = 1; a <= NATT; a++) {
				assert_int_equal(pay_trade_no(case_no, a, all[n]), 0);
				assert_true(pay_trade_no_valid(all[n]));
				n++;
			}
		}
	}
	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (strcmp(all[i], all[j]) == 0)
				fail_msg("%s made twice", all[i]);
	free(all);
}

/* ---- orders ---- */

static void create_and_settle(void **state)
{
	(void)state;
	pay_dev *dev = demo();
	assert_string_equal(pay_dev_name(dev), "demo");
	assert_int_equal(state_of(dev, "SCCA-20261121-0001"), PAY_NOTFOUND);

	pay_order o = created(dev, "SCCA-20261121-0001", 40000);
	assert_int_equal(o.state, PAY_NOTPAY);
	assert_true(o.verified);
	assert_int_equal(strlen(o.code_url), strlen(PAY_CODE_URL_PREFIX) + 9);
	assert_memory_equal(o.code_url, PAY_CODE_URL_PREFIX, strlen(PAY_CODE_URL_PREFIX));
	for (const char *p = o.code_url + strlen(PAY_CODE_URL_PREFIX); *p; p++)
		assert_non_null(strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
				       *p));
	assert_string_equal(o.transaction_id, "");

	/* a retry: the same order and code_url, whatever expiry the retry asks for */
	pay_order again = order("SCCA-20261121-0001", 40000);
	again.expire_ms = now + 60 * 60 * 1000;
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(pay_create(dev, &again, &err), PR_OK);
	assert_string_equal(again.code_url, o.code_url);
	assert_int_equal(again.expire_ms, o.expire_ms);
	/* another order has another code */
	pay_order other = created(dev, "SCCA-20261121-0002", 40000);
	assert_string_not_equal(other.code_url, o.code_url);

	/* waiting until the trainer settles it */
	for (int i = 0; i < 3; i++)
		assert_int_equal(state_of(dev, o.out_trade_no), PAY_NOTPAY);
	clock_set_fixed(now + 60 * 1000);
	assert_int_equal(pay_demo_settle(dev, o.out_trade_no, &err), PR_OK);
	pay_order q;
	assert_int_equal(pay_query(dev, o.out_trade_no, &q, &err), PR_OK);
	assert_int_equal(q.state, PAY_SUCCESS);
	assert_true(q.verified);
	assert_int_equal(q.amount_fen, 40000);
	assert_int_equal(q.paid_ms, now + 60 * 1000);
	assert_int_equal(strlen(q.transaction_id), 28);
	assert_memory_equal(q.transaction_id, "420000020261121", 15);
	for (const char *p = q.transaction_id; *p; p++)
		assert_true(*p >= '0' && *p <= '9');
	char tx[40];
	snprintf(tx, sizeof tx, "%s", q.transaction_id);
	assert_int_equal(pay_demo_settle(dev, o.out_trade_no, &err), PR_OK); /* paid once */
	assert_int_equal(pay_query(dev, o.out_trade_no, &q, &err), PR_OK);
	assert_string_equal(q.transaction_id, tx);
	assert_int_equal(q.paid_ms, now + 60 * 1000);

	/* a paid order can be neither re-created nor closed */
	again = order("SCCA-20261121-0001", 40000);
	assert_int_equal(pay_create(dev, &again, &err), PR_PAID);
	assert_non_null(strstr(err.msg, "ORDERPAID"));
	assert_false(again.verified);
	assert_int_equal(pay_close(dev, o.out_trade_no, &err), PR_PAID);
	assert_int_equal(state_of(dev, o.out_trade_no), PAY_SUCCESS);
	clock_set_fixed(now);
	pay_dev_free(dev);

	/* a restarted demo knows no orders */
	dev = demo();
	assert_int_equal(state_of(dev, "SCCA-20261121-0001"), PAY_NOTFOUND);
	pay_dev_free(dev);
}

static void duplicate_number(void **state)
{
	(void)state;
	pay_dev *dev = demo();
	pay_order o = created(dev, "SCCA-20261121-0003", 40000);
	kerr err = { { 0 }, { 0 } };
	pay_order changed = order("SCCA-20261121-0003", 60000);
	assert_int_equal(pay_create(dev, &changed, &err), PR_DUPLICATE);
	assert_non_null(strstr(err.msg, "40000"));
	assert_string_equal(changed.code_url, "");
	assert_false(changed.verified);
	changed = order("SCCA-20261121-0003", 40000);
	snprintf(changed.description, sizeof changed.description, "四川CA 印章续期");
	assert_int_equal(pay_create(dev, &changed, &err), PR_DUPLICATE);
	/* the first order is untouched */
	pay_order q;
	assert_int_equal(pay_query(dev, o.out_trade_no, &q, &err), PR_OK);
	assert_int_equal(q.amount_fen, 40000);
	assert_int_equal(q.state, PAY_NOTPAY);
	pay_dev_free(dev);
}

static void expiry_then_recreate(void **state)
{
	(void)state;
	pay_dev *dev = demo();
	char no1[PAY_TRADE_NO_MAX + 1], no2[PAY_TRADE_NO_MAX + 1];
	assert_int_equal(pay_trade_no("SCCA-20261121-0004", 1, no1), 0);
	pay_order o = created(dev, no1, 20000);
	kerr err = { { 0 }, { 0 } };

	clock_set_fixed(o.expire_ms - 1);
	assert_int_equal(state_of(dev, no1), PAY_NOTPAY);
	clock_set_fixed(o.expire_ms);
	assert_int_equal(state_of(dev, no1), PAY_CLOSED);
	assert_int_equal(pay_demo_settle(dev, no1, &err), PR_CLOSED);
	/* WeChat takes a closed number never again: the next attempt */
	pay_order same = order(no1, 20000);
	same.expire_ms = o.expire_ms + 15 * 60 * 1000;
	assert_int_equal(pay_create(dev, &same, &err), PR_CLOSED);
	assert_int_equal(pay_trade_no("SCCA-20261121-0004", 2, no2), 0);
	pay_order next = order(no2, 20000);
	next.expire_ms = o.expire_ms + 15 * 60 * 1000;
	assert_int_equal(pay_create(dev, &next, &err), PR_OK);
	assert_string_not_equal(next.code_url, o.code_url);
	assert_int_equal(pay_demo_settle(dev, no2, &err), PR_OK);
	assert_int_equal(state_of(dev, no2), PAY_SUCCESS);
	/* a paid order does not expire */
	clock_set_fixed(next.expire_ms + 1);
	assert_int_equal(state_of(dev, no2), PAY_SUCCESS);
	/* nor expire in the settle of an order that ran out unseen */
	clock_set_fixed(now);
	pay_order late = created(dev, "SCCA-20261121-0005", 100);
	clock_set_fixed(late.expire_ms + 5);
	assert_int_equal(pay_demo_settle(dev, late.out_trade_no, &err), PR_CLOSED);
	assert_int_equal(pay_close(dev, late.out_trade_no, &err), PR_OK);
	clock_set_fixed(now);
	pay_dev_free(dev);
}

static void cancel_closes(void **state)
{
	(void)state;
	pay_dev *dev = demo();
	pay_order o = created(dev, "SCCA-20261121-0006", 5000);
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(pay_close(dev, o.out_trade_no, &err), PR_OK);
	assert_int_equal(state_of(dev, o.out_trade_no), PAY_CLOSED);
	assert_int_equal(pay_close(dev, o.out_trade_no, &err), PR_OK); /* again: fine */
	assert_int_equal(pay_demo_settle(dev, o.out_trade_no, &err), PR_CLOSED);
	assert_int_equal(pay_close(dev, "SCCA-20261121-0099", &err), PR_NOT_FOUND);
	assert_non_null(strstr(err.msg, "ORDER_NOT_EXIST"));
	assert_int_equal(pay_close(dev, "bad", &err), PR_INVALID);
	pay_dev_free(dev);
}

/* ---- argument checks before the device ---- */

static void create_checks(void **state)
{
	(void)state;
	pay_dev *dev = demo();
	kerr err;
	pay_order o;
	struct {
		pay_order o;
		const char *where;
	} bad[9];
	for (int i = 0; i < 9; i++)
		bad[i].o = order("SCCA-20261121-0007", 100);
	bad[0].o.amount_fen = 0;
	bad[0].where = "amount";
	bad[1].o.amount_fen = (int64_t)PAY_AMOUNT_MAX + 1;
	bad[1].where = "amount";
	bad[2].o.amount_fen = -100;
	bad[2].where = "amount";
	bad[3].o.description[0] = '\0';
	bad[3].where = "description";
	memset(bad[4].o.description, 'x', PAY_DESCRIPTION_MAX + 1); /* no room for the NUL */
	bad[4].where = "description";
	snprintf(bad[5].o.description, sizeof bad[5].o.description, "bad \xc3(");
	bad[5].where = "description";
	bad[6].o.expire_ms = now;
	bad[6].where = "expire_ms";
	snprintf(bad[7].o.out_trade_no, sizeof bad[7].o.out_trade_no, "12345");
	bad[7].where = "out_trade_no";
	snprintf(bad[8].o.out_trade_no, sizeof bad[8].o.out_trade_no, "SCCA.20261121");
	bad[8].where = "out_trade_no";
	for (int i = 0; i < 9; i++) {
		memset(&err, 0, sizeof err);
		o = bad[i].o;
		if (pay_create(dev, &o, &err) != PR_INVALID)
			fail_msg("bad order %d accepted", i);
		assert_string_equal(err.where, bad[i].where);
		assert_string_equal(o.code_url, "");
		assert_false(o.verified);
	}
	/* none reached the gateway */
	assert_int_equal(state_of(dev, "SCCA-20261121-0007"), PAY_NOTFOUND);
	/* the boundaries that pass */
	o = order("SCCA-20261121-0007", PAY_AMOUNT_MAX);
	memset(o.description, 'x', PAY_DESCRIPTION_MAX);
	o.description[PAY_DESCRIPTION_MAX] = '\0';
	o.expire_ms = now + 1;
	assert_int_equal(pay_create(dev, &o, &err), PR_OK);
	o = order("SCCA-20261121-0008", 1);
	assert_int_equal(pay_create(dev, &o, &err), PR_OK);

	assert_int_equal(pay_create(dev, NULL, &err), PR_INVALID);
	assert_int_equal(pay_query(dev, "SCCA-20261121-0008", NULL, &err), PR_INVALID);
	assert_int_equal(pay_query(dev, "x", &o, &err), PR_INVALID);
	assert_int_equal(o.state, PAY_NOTFOUND);
	assert_false(o.verified);
	assert_int_equal(pay_query(dev, NULL, &o, &err), PR_INVALID);
	pay_dev_free(dev);
}

/* ---- faults and trainer controls ---- */

static void gateway_faults(void **state)
{
	(void)state;
	pay_dev *dev = demo();
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(pay_demo_fail_next(dev, PR_GATEWAY, &err), 0);
	pay_order o = order("SCCA-20261121-0009", 40000);
	assert_int_equal(pay_create(dev, &o, &err), PR_GATEWAY);
	assert_non_null(strstr(err.msg, "SYSTEM_ERROR"));
	assert_false(o.verified);
	assert_string_equal(o.code_url, "");
	assert_int_equal(state_of(dev, o.out_trade_no), PAY_NOTFOUND); /* nothing made */
	/* the retry with the same number makes one order */
	o = created(dev, "SCCA-20261121-0009", 40000);

	assert_int_equal(pay_demo_fail_next(dev, PR_NETWORK, &err), 0);
	pay_order q;
	q.verified = true;
	assert_int_equal(pay_query(dev, o.out_trade_no, &q, &err), PR_NETWORK);
	assert_false(q.verified);
	assert_non_null(strstr(err.msg, "no answer"));
	assert_int_equal(state_of(dev, o.out_trade_no), PAY_NOTPAY);

	assert_int_equal(pay_demo_fail_next(dev, PR_UNVERIFIED, &err), 0);
	assert_int_equal(pay_close(dev, o.out_trade_no, &err), PR_UNVERIFIED);
	assert_non_null(strstr(err.msg, "signature"));
	assert_int_equal(state_of(dev, o.out_trade_no), PAY_NOTPAY); /* not closed */

	/* only gateway-side faults can be injected */
	assert_int_equal(pay_demo_fail_next(dev, PR_OK, &err), -1);
	assert_int_equal(pay_demo_fail_next(dev, PR_DUPLICATE, &err), -1);
	assert_int_equal(pay_demo_fail_next(dev, PR_COUNT, &err), -1);
	assert_int_equal(state_of(dev, o.out_trade_no), PAY_NOTPAY);
	pay_dev_free(dev);
}

static void trainer_states(void **state)
{
	(void)state;
	pay_dev *dev = demo();
	kerr err = { { 0 }, { 0 } };
	pay_order o = created(dev, "SCCA-20261121-0010", 40000);
	assert_int_equal(pay_demo_set_state(dev, o.out_trade_no, PAY_USERPAYING, &err), 0);
	assert_int_equal(state_of(dev, o.out_trade_no), PAY_USERPAYING);
	assert_int_equal(pay_demo_set_state(dev, o.out_trade_no, PAY_PAYERROR, &err), 0);
	assert_int_equal(state_of(dev, o.out_trade_no), PAY_PAYERROR);
	/* the customer pays another way */
	assert_int_equal(pay_demo_settle(dev, o.out_trade_no, &err), PR_OK);
	assert_int_equal(state_of(dev, o.out_trade_no), PAY_SUCCESS);
	assert_int_equal(pay_demo_set_state(dev, o.out_trade_no, PAY_CLOSED, &err), -1);
	assert_int_equal(pay_demo_set_state(dev, o.out_trade_no, PAY_REFUND, &err), 0);
	pay_order q;
	assert_int_equal(pay_query(dev, o.out_trade_no, &q, &err), PR_OK);
	assert_int_equal(q.state, PAY_REFUND);
	assert_int_equal(strlen(q.transaction_id), 28); /* kept for the refund */
	assert_int_equal(pay_demo_settle(dev, o.out_trade_no, &err), PR_PAID);
	assert_int_equal(pay_close(dev, o.out_trade_no, &err), PR_PAID);

	pay_order u = created(dev, "SCCA-20261121-0011", 100);
	assert_int_equal(pay_demo_set_state(dev, u.out_trade_no, PAY_REFUND, &err), -1);
	assert_int_equal(pay_demo_set_state(dev, u.out_trade_no, PAY_SUCCESS, &err), -1);
	assert_int_equal(pay_demo_set_state(dev, u.out_trade_no, PAY_NOTFOUND, &err), -1);
	assert_int_equal(pay_demo_set_state(dev, u.out_trade_no, PAY_STATE_COUNT, &err), -1);
	assert_int_equal(pay_demo_set_state(dev, u.out_trade_no, PAY_REVOKED, &err), 0);
	assert_int_equal(pay_demo_settle(dev, u.out_trade_no, &err), PR_CLOSED);
	assert_int_equal(pay_close(dev, u.out_trade_no, &err), PR_OK);
	assert_int_equal(state_of(dev, u.out_trade_no), PAY_REVOKED);
	assert_int_equal(pay_demo_set_state(dev, "SCCA-20261121-0099", PAY_CLOSED, &err), -1);
	assert_int_equal(pay_demo_settle(dev, "SCCA-20261121-0099", &err), PR_NOT_FOUND);
	assert_int_equal(pay_demo_settle(dev, NULL, &err), PR_NOT_FOUND);
	pay_dev_free(dev);
}

static pay_result fake_query(void *ctx, const char *no, pay_order *out, kerr *err)
{
	(void)ctx;
	(void)err;
	snprintf(out->out_trade_no, sizeof out->out_trade_no, "%s", no);
	out->state = PAY_SUCCESS;
	out->verified = false; /* an answer the client could not verify */
	return PR_OK;
}

static void not_a_demo_device(void **state)
{
	(void)state;
	static const pay_ops fake_ops = { .name = "fake", .query = fake_query };
	pay_dev *dev = calloc(1, sizeof *dev);
	assert_non_null(dev);
	dev->ops = &fake_ops;
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(pay_demo_settle(dev, "SCCA-20261121-0001", &err), PR_NOT_SUPPORTED);
	assert_non_null(strstr(err.msg, "fake"));
	assert_int_equal(pay_demo_set_state(dev, "SCCA-20261121-0001", PAY_CLOSED, &err), -1);
	assert_int_equal(pay_demo_fail_next(dev, PR_GATEWAY, &err), -1);
	pay_order o = order("SCCA-20261121-0001", 1);
	assert_int_equal(pay_create(dev, &o, &err), PR_NOT_SUPPORTED);
	assert_int_equal(pay_close(dev, o.out_trade_no, &err), PR_NOT_SUPPORTED);
	/* the wrapper passes the device's verified flag on as it is */
	assert_int_equal(pay_query(dev, o.out_trade_no, &o, &err), PR_OK);
	assert_int_equal(o.state, PAY_SUCCESS);
	assert_false(o.verified);
	pay_dev_free(dev); /* no free op: the wrapper copes */

	assert_int_equal(pay_create(NULL, &o, &err), PR_NOT_SUPPORTED);
	assert_int_equal(pay_query(NULL, o.out_trade_no, &o, &err), PR_NOT_SUPPORTED);
	assert_int_equal(pay_close(NULL, o.out_trade_no, &err), PR_NOT_SUPPORTED);
	assert_string_equal(pay_dev_name(NULL), "");
	pay_dev_free(NULL);
}

/* A fresh training day (or a restart with a new orders' file) numbers its
 * cases from 0001 again: the same trade number paid again is another
 * payment, with a transaction id of its own. */
static void transaction_id_unique(void **state)
{
	(void)state;
	char tx[2][40];
	for (int i = 0; i < 2; i++) {
		pay_dev *dev = demo();
		pay_order o = created(dev, "SCCA-20261121-0001", 40000);
		kerr err = { { 0 }, { 0 } };
		assert_int_equal(pay_demo_settle(dev, o.out_trade_no, &err), PR_OK);
		pay_order q;
		assert_int_equal(pay_query(dev, o.out_trade_no, &q, &err), PR_OK);
		assert_int_equal(strlen(q.transaction_id), 28);
		snprintf(tx[i], sizeof tx[i], "%s", q.transaction_id);
		pay_dev_free(dev);
	}
	assert_string_not_equal(tx[0], tx[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tables),
		cmocka_unit_test(trade_no_valid),
		cmocka_unit_test(trade_no_from_case),
		cmocka_unit_test(trade_no_unique),
		cmocka_unit_test(create_and_settle),
		cmocka_unit_test(duplicate_number),
		cmocka_unit_test(expiry_then_recreate),
		cmocka_unit_test(cancel_closes),
		cmocka_unit_test(create_checks),
		cmocka_unit_test(gateway_faults),
		cmocka_unit_test(trainer_states),
		cmocka_unit_test(not_a_demo_device),
		cmocka_unit_test(transaction_id_unique),
	};
	return cmocka_run_group_tests(tests, pin_clock, unpin_clock);
}
