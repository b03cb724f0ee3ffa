/* paysim: a WeChat Pay API v3 gateway on loopback, for tests and the
 * benchmark (docs/payment.md, "The simulator"). It behaves like the real one
 * where the kiosk can tell: every request's Authorization is checked (scheme,
 * mchid, the merchant certificate's serial and validity, the SHA256withRSA
 * signature over METHOD\nURL\nTS\nNONCE\nBODY\n with the URL exactly as sent,
 * a timestamp within 300 s), orders are kept (NOTPAY -> SUCCESS / CLOSED ->
 * REFUND), an identical create gives the same order and code_url and a
 * changed one OUT_TRADE_NO_USED, and every answer, 204 and errors included,
 * is signed with the platform key and carries the Wechatpay-* headers.
 *
 * Scenario knobs, as flags at start or later by POST /sim/config (JSON with
 * the same names, underscores for dashes): pay-after N (the order is paid at
 * its N-th query), expire-after N (closed unpaid at its N-th query),
 * fail-5xx N (the next N API calls are done but answered 500 SYSTEM_ERROR),
 * slow-ms M with slow-count N (the next N answers wait M ms), skew S (answers
 * are timestamped S seconds off), bad-signature N, wrong-serial N, signtest N
 * (the next N answers carry a broken signature, an unknown serial, or
 * WeChat's WECHATPAY/SIGNTEST/ probe). Control, unsigned and unauthenticated
 * (loopback only): POST /sim/pay/{no}, POST /sim/expire/{no},
 * POST /sim/config, GET /sim/stats, GET /sim/order/{no}.
 *
 * Listens on 127.0.0.1 (port 0 = any free port), prints the port on a line of
 * its own when ready, and exits 0 on SIGTERM or SIGINT (also sent to it when
 * the process that started it ends). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <zlib.h>

#include "core/base/clock.h"
#include "core/pay/pay.h"
#include "core/pay/wxsign.h"

#define BODY_MAX (64 * 1024)

typedef enum { ST_NOTPAY, ST_SUCCESS, ST_CLOSED, ST_REFUND } ostate;
static const char *const ostate_word[] = { "NOTPAY", "SUCCESS", "CLOSED", "REFUND" };
static const char *const ostate_desc[] = { "订单未支付", "支付成功", "订单已关闭", "转入退款" };

typedef struct order {
	char no[PAY_TRADE_NO_MAX + 1];
	char appid[33];
	char description[PAY_DESCRIPTION_MAX + 1];
	int64_t total;
	int64_t expire_s;
	char code_url[64];
	ostate state;
	char tx[40];
	int64_t paid_s;
	int queries;
	int64_t refunded;     /* of charge 0, the order's own payment (tx) */
	/* duplicate_pay: the order was paid twice, two payments of one
	 * out_trade_no (the bill lists both). Each is refundable up to the
	 * order's total on its own, as WeChat limits refunds per payment: a
	 * refund by out_trade_no (or by tx) reaches charge 0, the second one
	 * only by its transaction id tx2. */
	bool charged_twice;
	char tx2[40];
	int64_t refunded2;
} order;

typedef struct refund {
	char no[PAY_REFUND_NO_MAX + 1];
	char order_no[PAY_TRADE_NO_MAX + 1];
	int64_t amount;
	char id[40];
	int64_t created_s;
	int asked;
	int fate;             /* 0 normal, 1 stays PROCESSING, 2 ABNORMAL, 3 SUCCESS */
	int charge;           /* 0 the order's payment, 1 its second charge (tx2) */
} refund;

/* A bill asked for: its text (made when asked) behind a download token. */
typedef struct bill_file {
	char token[33];
	char *text;
	size_t len;
	int64_t expires_s;
	bool corrupt;
} bill_file;

typedef struct knobs {
	int pay_after, expire_after;
	int fail_5xx;
	int slow_ms, slow_count;
	int skew;
	int bad_signature, wrong_serial, signtest;
	/* the trade bill (docs/reconciliation.md) */
	int advance;                  /* seconds added to the clock */
	int bill_url_ttl;             /* seconds a download address lives (30) */
	int bill_expire_next;         /* the next N addresses are dead on arrival */
	int bill_corrupt;             /* the next N downloads differ from their SHA-1 */
	int bill_extra;               /* the bill adds N payments nobody booked */
	int duplicate_pay;            /* the next N orders paid are charged twice */
	int refund_abnormal;          /* the next N refunds go ABNORMAL */
	int refund_processing;        /* the next N refunds stay PROCESSING */
	int bill_amount_delta;        /* with bill_amount_no: that order's amount moved */
	char bill_amount_no[PAY_TRADE_NO_MAX + 1];
	char bill_omit[PAY_TRADE_NO_MAX + 1]; /* that order is left out of the bill */
} knobs;

static struct {
	pthread_mutex_t mu;
	char mchid[33];
	char appid[33];
	wx_keyring *merchant;         /* the merchant's certificate */
	EVP_PKEY *platform;           /* signs every answer */
	char platform_serial[WX_SERIAL_MAX + 1];
	knobs k;
	order *orders;
	size_t n_orders, cap_orders;
	refund *refunds;
	size_t n_refunds, cap_refunds;
	bill_file *bills;
	size_t n_bills, cap_bills;
	long creates, create_calls, queries, closes, refund_calls, auth_failures, bill_calls,
		downloads;
	unsigned long seq;
} S = { .mu = PTHREAD_MUTEX_INITIALIZER, .k = { .bill_url_ttl = 30 } };

typedef struct req {
	char *uri;       /* as sent: path and query */
	char *body;
	size_t len, cap;
	bool started, too_big;
} req;

typedef struct reply {
	unsigned status;
	char *body;      /* malloc'd, may be NULL for none */
	size_t len;      /* 0: strlen(body) (a bill's gzip is binary) */
	bool raw;        /* control endpoints and bill downloads: not signed */
	int slow_ms;
} reply;

/* ---- small helpers ---- */

/* The kiosk's clock (core/base/clock.h), so a test that pins $KIOSK_NOW for the
 * kiosk and starts the simulator in the same environment keeps both agreed. */
static int64_t now_s(void)
{
	return clock_now_ms() / 1000 + S.k.advance;
}

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

static char *print_json(cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s;
}

static reply err_reply(unsigned status, const char *code, const char *message)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "code", code);
	cJSON_AddStringToObject(j, "message", message);
	return (reply){ status, print_json(j), 0, false, 0 };
}

static void rand_alnum(char *out, size_t n)
{
	static const char a[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	unsigned char b[64];
	if (n > sizeof b)
		n = sizeof b;
	if (RAND_bytes(b, (int)n) != 1)
		memset(b, 7, n);
	for (size_t i = 0; i + 1 < n; i++)
		out[i] = a[b[i] % 62];
	out[n - 1] = '\0';
}

/* Shanghai wall time as RFC 3339, written independently of the client. */
static void rfc3339(int64_t t, char out[32])
{
	time_t s = (time_t)(t + 8 * 3600);
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
}

/* 2026-11-21T10:34:56+08:00 (or Z, or another offset) -> epoch seconds, -1. */
static int64_t parse_time(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
	if (!p)
		return -1;
	int64_t t = (int64_t)timegm(&tm);
	if (*p == 'Z' && p[1] == '\0')
		return t;
	int h, m;
	char sign;
	if (sscanf(p, "%c%2d:%2d", &sign, &h, &m) != 3 || (sign != '+' && sign != '-') ||
	    strlen(p) != 6)
		return -1;
	return t - (sign == '+' ? 1 : -1) * (h * 3600 + m * 60);
}

static order *find_order(const char *no)
{
	for (size_t i = 0; i < S.n_orders; i++)
		if (strcmp(S.orders[i].no, no) == 0)
			return &S.orders[i];
	return NULL;
}

static refund *find_refund(const char *no)
{
	for (size_t i = 0; i < S.n_refunds; i++)
		if (strcmp(S.refunds[i].no, no) == 0)
			return &S.refunds[i];
	return NULL;
}

static void pay(order *o)
{
	if (o->state != ST_NOTPAY)
		return;
	o->state = ST_SUCCESS;
	o->paid_s = now_s();
	if (S.k.duplicate_pay > 0) {
		S.k.duplicate_pay--;
		o->charged_twice = true;
	}
	snprintf(o->tx, sizeof o->tx, "4200000%014lld%06lu", (long long)o->paid_s, ++S.seq % 1000000);
	if (o->charged_twice) /* another number: "4200009…" where tx has "4200000…" */
		snprintf(o->tx2, sizeof o->tx2, "420000%c%s", '9', o->tx + 7);
}

/* Unpaid after time_expire: closed, as the gateway does. */
static void expire(order *o)
{
	if (o->state == ST_NOTPAY && now_s() >= o->expire_s)
		o->state = ST_CLOSED;
}

/* ---- the API ---- */

static const char *jstr(const cJSON *j, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int64_t jint(const cJSON *j, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, k);
	if (!cJSON_IsNumber(v) || v->valuedouble != (double)(int64_t)v->valuedouble)
		return -1;
	return (int64_t)v->valuedouble;
}

static reply order_json(const order *o)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "appid", o->appid);
	cJSON_AddStringToObject(j, "mchid", S.mchid);
	cJSON_AddStringToObject(j, "out_trade_no", o->no);
	if (o->tx[0])
		cJSON_AddStringToObject(j, "transaction_id", o->tx);
	cJSON_AddStringToObject(j, "trade_type", "NATIVE");
	cJSON_AddStringToObject(j, "trade_state", ostate_word[o->state]);
	cJSON_AddStringToObject(j, "trade_state_desc", ostate_desc[o->state]);
	cJSON_AddStringToObject(j, "attach", "");
	if (o->paid_s) {
		char t[32];
		rfc3339(o->paid_s, t);
		cJSON_AddStringToObject(j, "bank_type", "OTHERS");
		cJSON_AddStringToObject(j, "success_time", t);
		cJSON *payer = cJSON_AddObjectToObject(j, "payer");
		cJSON_AddStringToObject(payer, "openid", "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o");
	}
	cJSON *a = cJSON_AddObjectToObject(j, "amount");
	cJSON_AddNumberToObject(a, "total", (double)o->total);
	if (o->paid_s)
		cJSON_AddNumberToObject(a, "payer_total", (double)o->total);
	cJSON_AddStringToObject(a, "currency", "CNY");
	cJSON_AddStringToObject(a, "payer_currency", "CNY");
	return (reply){ 200, print_json(j), 0, false, 0 };
}

static reply api_create(const cJSON *j)
{
	S.create_calls++;
	const char *appid = jstr(j, "appid"), *mchid = jstr(j, "mchid");
	const char *desc = jstr(j, "description"), *no = jstr(j, "out_trade_no");
	const char *te = jstr(j, "time_expire"), *notify = jstr(j, "notify_url");
	const cJSON *amount = cJSON_GetObjectItemCaseSensitive(j, "amount");
	int64_t total = cJSON_IsObject(amount) ? jint(amount, "total") : -1;
	const char *cur = cJSON_IsObject(amount) ? jstr(amount, "currency") : NULL;
	if (!appid || !mchid || !desc || !no || !notify || total < 0)
		return err_reply(400, "PARAM_ERROR", "缺少参数：appid、mchid、description、"
				 "out_trade_no、notify_url、amount.total 均为必填");
	if (strcmp(mchid, S.mchid) != 0 || strcmp(appid, S.appid) != 0)
		return err_reply(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配");
	size_t dl = strlen(desc);
	if (dl == 0 || dl > PAY_DESCRIPTION_MAX)
		return err_reply(400, "PARAM_ERROR", "description 长度应为1-127字节");
	if (!pay_trade_no_valid(no))
		return err_reply(400, "PARAM_ERROR", "out_trade_no 格式错误");
	if (strncmp(notify, "https://", 8) != 0)
		return err_reply(400, "PARAM_ERROR", "notify_url 必须为 https 地址");
	if (total < 1 || total > INT32_MAX)
		return err_reply(400, "PARAM_ERROR", "amount.total 应为正整数（分）");
	if (cur && strcmp(cur, "CNY") != 0)
		return err_reply(400, "PARAM_ERROR", "currency 仅支持 CNY");
	int64_t exp = te ? parse_time(te) : now_s() + 2 * 3600;
	if (exp < 0)
		return err_reply(400, "PARAM_ERROR", "time_expire 格式错误，应为 rfc3339 格式");
	if (exp <= now_s())
		return err_reply(400, "PARAM_ERROR", "time_expire 已过期");
	order *o = find_order(no);
	if (o) {
		expire(o);
		if (strcmp(o->appid, appid) != 0 || strcmp(o->description, desc) != 0 ||
		    o->total != total)
			return err_reply(400, "OUT_TRADE_NO_USED", "商户订单号重复");
		if (o->state == ST_SUCCESS || o->state == ST_REFUND)
			return err_reply(400, "ORDERPAID", "该订单已支付");
		if (o->state == ST_CLOSED) /* WeChat never takes a closed number again */
			return err_reply(400, "OUT_TRADE_NO_USED", "商户订单号重复");
	} else {
		if (S.n_orders == S.cap_orders) {
			size_t cap = S.cap_orders ? S.cap_orders * 2 : 64;
			order *no_ = realloc(S.orders, cap * sizeof *no_);
			if (!no_)
				return err_reply(500, "SYSTEM_ERROR", "系统错误");
			S.orders = no_;
			S.cap_orders = cap;
		}
		o = &S.orders[S.n_orders++];
		memset(o, 0, sizeof *o);
		copy(o->no, sizeof o->no, no);
		copy(o->appid, sizeof o->appid, appid);
		copy(o->description, sizeof o->description, desc);
		o->total = total;
		o->expire_s = exp;
		char code[10];
		rand_alnum(code, sizeof code);
		snprintf(o->code_url, sizeof o->code_url, "%s%s", PAY_CODE_URL_PREFIX, code);
		S.creates++;
	}
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "code_url", o->code_url);
	return (reply){ 200, print_json(r), 0, false, 0 };
}

static reply api_query(const char *no, const char *mchid)
{
	S.queries++;
	if (!mchid || strcmp(mchid, S.mchid) != 0)
		return err_reply(400, "PARAM_ERROR", "mchid 与请求不符");
	order *o = find_order(no);
	if (!o)
		return err_reply(404, "ORDER_NOT_EXIST", "订单不存在");
	o->queries++;
	expire(o);
	if (o->state == ST_NOTPAY && S.k.pay_after > 0 && o->queries >= S.k.pay_after)
		pay(o);
	if (o->state == ST_NOTPAY && S.k.expire_after > 0 && o->queries >= S.k.expire_after)
		o->state = ST_CLOSED;
	return order_json(o);
}

static reply api_close(const char *no, const cJSON *j)
{
	S.closes++;
	const char *mchid = j ? jstr(j, "mchid") : NULL;
	if (!mchid || strcmp(mchid, S.mchid) != 0)
		return err_reply(400, "PARAM_ERROR", "mchid 与请求不符");
	order *o = find_order(no);
	if (!o)
		return err_reply(404, "ORDER_NOT_EXIST", "订单不存在");
	expire(o);
	if (o->state == ST_SUCCESS || o->state == ST_REFUND)
		return err_reply(400, "ORDERPAID", "订单已支付");
	o->state = ST_CLOSED;
	return (reply){ 204, NULL, 0, false, 0 };
}

/* A refund's status as the gateway has it now. */
static const char *refund_status(const refund *r)
{
	switch (r->fate) {
	case 1:
		return "PROCESSING";
	case 2:
		return "ABNORMAL";
	case 3:
		return "SUCCESS";
	default:
		/* The first answer says PROCESSING; asked again, it is done. */
		return r->asked > 1 ? "SUCCESS" : "PROCESSING";
	}
}

static reply refund_json(const refund *r, const order *o)
{
	const char *tx = r->charge ? o->tx2 : o->tx;
	cJSON *j = cJSON_CreateObject();
	char t[32];
	rfc3339(r->created_s, t);
	cJSON_AddStringToObject(j, "refund_id", r->id);
	cJSON_AddStringToObject(j, "out_refund_no", r->no);
	cJSON_AddStringToObject(j, "transaction_id", tx);
	cJSON_AddStringToObject(j, "out_trade_no", o->no);
	cJSON_AddStringToObject(j, "channel", "ORIGINAL");
	cJSON_AddStringToObject(j, "user_received_account", "支付用户零钱");
	cJSON_AddStringToObject(j, "create_time", t);
	const char *st = refund_status(r);
	cJSON_AddStringToObject(j, "status", st);
	if (strcmp(st, "SUCCESS") == 0)
		cJSON_AddStringToObject(j, "success_time", t);
	cJSON *a = cJSON_AddObjectToObject(j, "amount");
	cJSON_AddNumberToObject(a, "total", (double)o->total);
	cJSON_AddNumberToObject(a, "refund", (double)r->amount);
	cJSON_AddNumberToObject(a, "payer_total", (double)o->total);
	cJSON_AddNumberToObject(a, "payer_refund", (double)r->amount);
	cJSON_AddStringToObject(a, "currency", "CNY");
	return (reply){ 200, print_json(j), 0, false, 0 };
}

static reply api_refund(const cJSON *j)
{
	S.refund_calls++;
	const char *no = jstr(j, "out_trade_no"), *rno = jstr(j, "out_refund_no");
	const char *tx = jstr(j, "transaction_id");
	const cJSON *amount = cJSON_GetObjectItemCaseSensitive(j, "amount");
	int64_t amt = cJSON_IsObject(amount) ? jint(amount, "refund") : -1;
	int64_t total = cJSON_IsObject(amount) ? jint(amount, "total") : -1;
	if ((!no && !tx) || !rno || !pay_refund_no_valid(rno) || amt < 1 || total < 1)
		return err_reply(400, "PARAM_ERROR", "缺少参数：transaction_id 与 out_trade_no 二选一，"
				 "out_refund_no、amount.refund、amount.total 均为必填");
	/* the payment refunded: by its transaction id (which wins, as at
	 * WeChat), else the order's own payment */
	order *o = NULL;
	int charge = 0;
	if (tx) {
		for (size_t i = 0; i < S.n_orders && !o; i++) {
			order *x = &S.orders[i];
			if (x->tx[0] && strcmp(x->tx, tx) == 0)
				o = x;
			else if (x->tx2[0] && strcmp(x->tx2, tx) == 0)
				o = x, charge = 1;
		}
	} else {
		o = find_order(no);
	}
	if (!o)
		return err_reply(404, "RESOURCE_NOT_EXISTS", "订单不存在");
	refund *r = find_refund(rno);
	if (r) {
		if (strcmp(r->order_no, o->no) != 0 || r->charge != charge || r->amount != amt)
			return err_reply(400, "INVALID_REQUEST", "请求内容和上次请求不一致，请核实后再试");
		r->asked++;
		return refund_json(r, o);
	}
	if (o->state != ST_SUCCESS && o->state != ST_REFUND)
		return err_reply(400, "INVALID_REQUEST", "订单未支付，不能退款");
	if (total != o->total)
		return err_reply(400, "PARAM_ERROR", "订单金额与原订单不一致");
	/* WeChat's rule: the refunds of a payment never sum above its total */
	int64_t *refunded = charge ? &o->refunded2 : &o->refunded;
	if (amt > o->total - *refunded)
		return err_reply(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额");
	if (S.n_refunds == S.cap_refunds) {
		size_t cap = S.cap_refunds ? S.cap_refunds * 2 : 16;
		refund *nr = realloc(S.refunds, cap * sizeof *nr);
		if (!nr)
			return err_reply(500, "SYSTEM_ERROR", "系统错误");
		S.refunds = nr;
		S.cap_refunds = cap;
	}
	r = &S.refunds[S.n_refunds++];
	memset(r, 0, sizeof *r);
	copy(r->no, sizeof r->no, rno);
	copy(r->order_no, sizeof r->order_no, o->no);
	r->charge = charge;
	r->amount = amt;
	r->created_s = now_s();
	r->asked = 1;
	if (S.k.refund_abnormal > 0) {
		S.k.refund_abnormal--;
		r->fate = 2;
	} else if (S.k.refund_processing > 0) {
		S.k.refund_processing--;
		r->fate = 1;
	}
	snprintf(r->id, sizeof r->id, "50000000%016lu", ++S.seq);
	*refunded += amt;
	if (o->refunded == o->total) /* the order's own payment is refunded in full */
		o->state = ST_REFUND;
	return refund_json(r, o);
}


/* ---- the trade bill ---- */

/* "12.34" from 分, written here on its own (not the kiosk's formatter). */
static void yuan(int64_t fen, char out[24])
{
	snprintf(out, 24, "%lld.%02lld", (long long)(fen / 100), (long long)(fen % 100));
}

/* Shanghai wall time "2026-11-21 10:34:56". */
static void bill_time(int64_t t, char out[24])
{
	time_t s = (time_t)(t + 8 * 3600);
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(out, 24, "%Y-%m-%d %H:%M:%S", &tm);
}

typedef struct textbuf {
	char *p;
	size_t len, cap;
} textbuf;

static void put(textbuf *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(textbuf *t, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		size_t room = t->cap - t->len;
		int n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (t->p && (size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = (t->cap ? t->cap * 2 : 8192) + (size_t)n;
		char *np = realloc(t->p, cap);
		if (!np)
			return;
		t->p = np;
		t->cap = cap;
	}
}

static const char bill_header[] =
	"交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"
	"交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,"
	"充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,"
	"费率备注\r\n";

/* One payment line: every field with WeChat's leading backtick. */
static void pay_line(textbuf *t, int64_t at, const char *tx, const char *no, const char *desc,
		     int64_t fen, long *count, int64_t *total, int64_t *fees)
{
	char when[24], amt[24], fee[24];
	bill_time(at, when);
	yuan(fen, amt);
	int64_t f = (fen * 6 + 500) / 1000; /* 0.60 % */
	yuan(f, fee);
	put(t, "`%s,`%s,`%s,`0,`,`%s,`%s,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`NATIVE,`SUCCESS,`OTHERS,"
	    "`CNY,`%s,`0.00,`0,`0,`0.00,`0.00,`,`,`%s,`,`%s,`0.60%%,`%s,`0.00,`\r\n",
	    when, S.appid, S.mchid, tx, no, amt, desc, fee, amt);
	(*count)++;
	*total += fen;
	*fees += f;
}

/* The bill of the Shanghai day starting at day_s: the orders paid and the
 * refunds asked for in it, as the gateway has them now. */
static char *make_bill(int64_t day_s, size_t *len, long *lines)
{
	textbuf t = { 0 };
	long count = 0;
	int64_t total = 0, refunds = 0, fees = 0;
	put(&t, "%s", bill_header);
	for (size_t i = 0; i < S.n_orders; i++) {
		const order *o = &S.orders[i];
		if (!o->paid_s || o->paid_s < day_s || o->paid_s >= day_s + 86400 ||
		    strcmp(o->no, S.k.bill_omit) == 0)
			continue;
		int64_t fen = o->total;
		if (strcmp(o->no, S.k.bill_amount_no) == 0)
			fen += S.k.bill_amount_delta;
		pay_line(&t, o->paid_s, o->tx, o->no, o->description, fen, &count, &total, &fees);
		if (o->charged_twice)
			pay_line(&t, o->paid_s + 7, o->tx2, o->no, o->description, fen, &count, &total,
				 &fees);
	}
	for (int i = 0; i < S.k.bill_extra; i++) {
		char no[40], tx[40];
		snprintf(no, sizeof no, "SIMX%lld%02d", (long long)(day_s / 86400), i);
		snprintf(tx, sizeof tx, "42000099%014lld%02d", (long long)day_s, i);
		pay_line(&t, day_s + 3600 + i, tx, no, "unbooked", 100, &count, &total, &fees);
	}
	for (size_t i = 0; i < S.n_refunds; i++) {
		const refund *r = &S.refunds[i];
		const order *o = find_order(r->order_no);
		if (!o || r->created_s < day_s || r->created_s >= day_s + 86400)
			continue;
		char when[24], amt[24], tot[24], fee[24];
		bill_time(r->created_s, when);
		yuan(r->amount, amt);
		yuan(o->total, tot);
		int64_t f = (r->amount * 6 + 500) / 1000;
		yuan(f, fee);
		put(&t, "`%s,`%s,`%s,`0,`,`%s,`%s,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`NATIVE,`REFUND,"
		    "`OTHERS,`CNY,`0.00,`0.00,`%s,`%s,`%s,`0.00,`ORIGINAL,`%s,`%s,`,`-%s,`0.60%%,"
		    "`%s,`%s,`\r\n",
		    when, S.appid, S.mchid, r->charge ? o->tx2 : o->tx, o->no, r->id, r->no, amt,
		    refund_status(r),
		    o->description, fee, tot, amt);
		count++;
		refunds += r->amount;
		fees -= f;
	}
	char a[24], b[24], c[24];
	yuan(total, a);
	yuan(refunds, b);
	yuan(fees < 0 ? 0 : fees, c);
	put(&t, "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,"
	    "申请退款总金额\r\n`%ld,`%s,`%s,`0.00,`%s,`%s,`%s\r\n", count, a, b, c, a, b);
	*len = t.len;
	*lines = count;
	return t.p;
}

static int gzip(const char *in, size_t len, char **out, size_t *out_len)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	size_t cap = deflateBound(&z, (uLong)len) + 64;
	char *buf = malloc(cap);
	z.next_in = (unsigned char *)in;
	z.avail_in = (uInt)len;
	z.next_out = (unsigned char *)buf;
	z.avail_out = (uInt)cap;
	int rc = buf ? deflate(&z, Z_FINISH) : Z_MEM_ERROR;
	*out_len = cap - z.avail_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}

/* GET /v3/bill/tradebill?bill_date=…: the download address of the day's bill,
 * once the day has ended (before: STATEMENT_CREATING, as WeChat says until
 * the bill is made); a day without trades is NO_STATEMENT_EXIST. */
static reply api_tradebill(struct MHD_Connection *c)
{
	S.bill_calls++;
	const char *date = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "bill_date");
	const char *type = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "bill_type");
	const char *tar = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "tar_type");
	const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *end = date ? strptime(date, "%Y-%m-%d", &tm) : NULL;
	if (!end || *end || strlen(date) != 10)
		return err_reply(400, "PARAM_ERROR", "bill_date 格式错误，应为 yyyy-MM-DD");
	if (type && strcmp(type, "ALL") != 0)
		return err_reply(400, "PARAM_ERROR", "模拟器只提供 ALL 账单");
	if (tar && strcmp(tar, "GZIP") != 0)
		return err_reply(400, "PARAM_ERROR", "tar_type 仅支持 GZIP");
	int64_t day_s = (int64_t)timegm(&tm) - 8 * 3600;
	if (now_s() < day_s + 86400)
		return err_reply(400, "STATEMENT_CREATING", "账单生成中，请在次日10点后下载");
	if (now_s() > day_s + 92 * 86400)
		return err_reply(400, "INVALID_REQUEST", "仅支持下载三个月内的账单");
	size_t len = 0;
	long lines = 0;
	char *bill = make_bill(day_s, &len, &lines);
	if (!bill)
		return err_reply(500, "SYSTEM_ERROR", "系统错误");
	if (lines == 0) {
		free(bill);
		return err_reply(400, "NO_STATEMENT_EXIST", "账单文件不存在");
	}
	if (S.n_bills == S.cap_bills) {
		size_t cap = S.cap_bills ? S.cap_bills * 2 : 8;
		bill_file *nb = realloc(S.bills, cap * sizeof *nb);
		if (!nb) {
			free(bill);
			return err_reply(500, "SYSTEM_ERROR", "系统错误");
		}
		S.bills = nb;
		S.cap_bills = cap;
	}
	bill_file *f = &S.bills[S.n_bills++];
	memset(f, 0, sizeof *f);
	rand_alnum(f->token, sizeof f->token);
	f->text = bill;
	f->len = len;
	f->expires_s = now_s() + S.k.bill_url_ttl;
	if (S.k.bill_expire_next > 0) {
		S.k.bill_expire_next--;
		f->expires_s = now_s() - 1;
	}
	if (S.k.bill_corrupt > 0) {
		S.k.bill_corrupt--;
		f->corrupt = true;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int ml = 0;
	char hex[41] = "";
	EVP_Digest(bill, len, md, &ml, EVP_sha1(), NULL);
	for (unsigned i = 0; i < ml && i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	char url[256];
	snprintf(url, sizeof url, "http://%.64s/v3/billdownload/file?token=%s",
		 host ? host : "127.0.0.1", f->token);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "hash_type", "SHA1");
	cJSON_AddStringToObject(j, "hash_value", hex);
	cJSON_AddStringToObject(j, "download_url", url);
	return (reply){ 200, print_json(j), 0, false, 0 };
}

/* GET /v3/billdownload/file?token=…: the bill, gzip, unsigned (WeChat signs
 * only the answer that names it). */
static reply api_billfile(struct MHD_Connection *c)
{
	S.downloads++;
	const char *token = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
	bill_file *f = NULL;
	for (size_t i = 0; token && i < S.n_bills; i++)
		if (strcmp(S.bills[i].token, token) == 0)
			f = &S.bills[i];
	if (!f)
		return err_reply(404, "RESOURCE_NOT_EXISTS", "账单下载地址不存在");
	if (now_s() > f->expires_s)
		return err_reply(400, "INVALID_REQUEST", "账单下载地址已过期，请重新申请");
	char *text = malloc(f->len + 1);
	if (!text)
		return err_reply(500, "SYSTEM_ERROR", "系统错误");
	memcpy(text, f->text, f->len);
	if (f->corrupt) /* a digit of the first amount changed after the hash was taken */
		for (size_t i = 0; i < f->len; i++)
			if (text[i] == '.' && i > 0 && text[i - 1] >= '0' && text[i - 1] <= '9') {
				text[i - 1] = text[i - 1] == '9' ? '8' : (char)(text[i - 1] + 1);
				break;
			}
	char *gz = NULL;
	size_t gl = 0;
	int rc = gzip(text, f->len, &gz, &gl);
	free(text);
	if (rc != 0)
		return err_reply(500, "SYSTEM_ERROR", "系统错误");
	return (reply){ 200, gz, gl, true, 0 };
}

/* ---- control ---- */

static reply raw_json(unsigned status, cJSON *j)
{
	return (reply){ status, print_json(j), 0, true, 0 };
}

static reply ctl_message(unsigned status, const char *msg)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, status < 300 ? "ok" : "error", msg);
	return raw_json(status, j);
}

static int set_knobs(const cJSON *j)
{
	struct {
		const char *name;
		int *v;
	} f[] = { { "pay_after", &S.k.pay_after },         { "expire_after", &S.k.expire_after },
		  { "fail_5xx", &S.k.fail_5xx },           { "slow_ms", &S.k.slow_ms },
		  { "slow_count", &S.k.slow_count },       { "skew", &S.k.skew },
		  { "bad_signature", &S.k.bad_signature }, { "wrong_serial", &S.k.wrong_serial },
		  { "signtest", &S.k.signtest },           { "advance", &S.k.advance },
		  { "bill_url_ttl", &S.k.bill_url_ttl },   { "bill_expire_next", &S.k.bill_expire_next },
		  { "bill_corrupt", &S.k.bill_corrupt },   { "bill_extra", &S.k.bill_extra },
		  { "duplicate_pay", &S.k.duplicate_pay }, { "refund_abnormal", &S.k.refund_abnormal },
		  { "refund_processing", &S.k.refund_processing },
		  { "bill_amount_delta", &S.k.bill_amount_delta } };
	struct {
		const char *name;
		char *v;
		size_t n;
	} words[] = { { "bill_amount_no", S.k.bill_amount_no, sizeof S.k.bill_amount_no },
		      { "bill_omit", S.k.bill_omit, sizeof S.k.bill_omit } };
	const cJSON *it;
	cJSON_ArrayForEach(it, j)
	{
		bool word = false;
		for (size_t w = 0; w < sizeof words / sizeof words[0]; w++)
			if (it->string && strcmp(it->string, words[w].name) == 0) {
				if (!cJSON_IsString(it) || strlen(it->valuestring) >= words[w].n)
					return -1;
				copy(words[w].v, words[w].n, it->valuestring);
				word = true;
			}
		if (word)
			continue;
		size_t i;
		for (i = 0; i < sizeof f / sizeof f[0]; i++)
			if (it->string && strcmp(it->string, f[i].name) == 0)
				break;
		if (i == sizeof f / sizeof f[0] || !cJSON_IsNumber(it))
			return -1;
		*f[i].v = (int)it->valuedouble;
	}
	return 0;
}

static reply control(const char *method, const char *url, const cJSON *j)
{
	if (strcmp(method, "GET") == 0 && strcmp(url, "/sim/stats") == 0) {
		cJSON *r = cJSON_CreateObject();
		cJSON_AddNumberToObject(r, "orders", (double)S.creates);
		cJSON_AddNumberToObject(r, "create_calls", (double)S.create_calls);
		cJSON_AddNumberToObject(r, "queries", (double)S.queries);
		cJSON_AddNumberToObject(r, "closes", (double)S.closes);
		cJSON_AddNumberToObject(r, "refunds", (double)S.n_refunds);
		cJSON_AddNumberToObject(r, "refund_calls", (double)S.refund_calls);
		cJSON_AddNumberToObject(r, "auth_failures", (double)S.auth_failures);
		cJSON_AddNumberToObject(r, "bill_calls", (double)S.bill_calls);
		cJSON_AddNumberToObject(r, "downloads", (double)S.downloads);
		return raw_json(200, r);
	}
	if (strcmp(method, "GET") == 0 && strncmp(url, "/sim/order/", 11) == 0) {
		order *o = find_order(url + 11);
		if (!o)
			return ctl_message(404, "no such order");
		expire(o);
		cJSON *r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "out_trade_no", o->no);
		cJSON_AddStringToObject(r, "state", ostate_word[o->state]);
		cJSON_AddStringToObject(r, "code_url", o->code_url);
		cJSON_AddStringToObject(r, "description", o->description);
		cJSON_AddNumberToObject(r, "total", (double)o->total);
		cJSON_AddNumberToObject(r, "queries", o->queries);
		cJSON_AddNumberToObject(r, "expire", (double)o->expire_s);
		/* the money: charged (each payment of the order), refunded (in all) */
		int charges = o->paid_s ? 1 + o->charged_twice : 0;
		cJSON_AddNumberToObject(r, "charges", charges);
		cJSON_AddNumberToObject(r, "paid", (double)(o->total * charges));
		cJSON_AddNumberToObject(r, "refunded", (double)(o->refunded + o->refunded2));
		cJSON_AddNumberToObject(r, "refunded_first", (double)o->refunded);
		cJSON_AddStringToObject(r, "transaction_id", o->tx);
		if (o->charged_twice) {
			cJSON_AddStringToObject(r, "second_transaction_id", o->tx2);
			cJSON_AddNumberToObject(r, "refunded_second", (double)o->refunded2);
		}
		return raw_json(200, r);
	}
	if (strcmp(method, "POST") != 0)
		return ctl_message(405, "control calls are POST, or GET /sim/stats and /sim/order/{no}");
	if (strncmp(url, "/sim/pay/", 9) == 0 || strncmp(url, "/sim/expire/", 12) == 0) {
		bool paying = url[5] == 'p';
		order *o = find_order(url + (paying ? 9 : 12));
		if (!o)
			return ctl_message(404, "no such order");
		expire(o);
		if (paying) {
			if (o->state != ST_NOTPAY && o->state != ST_SUCCESS)
				return ctl_message(409, "the order is closed or refunded; it cannot be paid");
			pay(o);
		} else {
			if (o->state == ST_NOTPAY)
				o->state = ST_CLOSED;
			o->expire_s = now_s();
		}
		return ctl_message(200, ostate_word[o->state]);
	}
	if (strncmp(url, "/sim/refund-success/", 20) == 0) {
		refund *f = find_refund(url + 20);
		if (!f)
			return ctl_message(404, "no such refund");
		f->fate = 3; /* the ABNORMAL refund went through after all */
		return ctl_message(200, refund_status(f));
	}
	if (strcmp(url, "/sim/config") == 0) {
		if (!cJSON_IsObject(j) || set_knobs(j) != 0)
			return ctl_message(400, "a JSON object of knobs: pay_after, expire_after, "
					   "fail_5xx, slow_ms, slow_count, skew, bad_signature, "
					   "wrong_serial, signtest, advance, bill_url_ttl, "
					   "bill_expire_next, bill_corrupt, bill_extra, duplicate_pay, "
					   "refund_abnormal, refund_processing, bill_amount_delta (numbers), "
					   "bill_amount_no, bill_omit (order numbers)");
		return ctl_message(200, "set");
	}
	return ctl_message(404, "unknown control call");
}

/* ---- requests ---- */

static reply check_auth(struct MHD_Connection *c, const char *method, const req *r)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	wx_auth a;
	kerr err = { { 0 }, { 0 } };
	reply bad = { 0, NULL, 0, false, 0 };
	if (wx_auth_parse(h, &a, &err) != 0) {
		bad = err_reply(401, "SIGN_ERROR", "Authorization 格式错误");
	} else if (strcmp(a.mchid, S.mchid) != 0) {
		bad = err_reply(401, "SIGN_ERROR", "商户号与证书不匹配");
	} else {
		long long ts = strtoll(a.timestamp, NULL, 10);
		EVP_PKEY *k = wx_keyring_find(S.merchant, a.serial, now_s() * 1000, &err);
		size_t ml = 0;
		char *msg = wx_request_message(method, r->uri, ts, a.nonce, r->body ? r->body : "", &ml);
		if (llabs(ts - (long long)now_s()) > WX_CLOCK_TOLERANCE_S)
			bad = err_reply(401, "SIGN_ERROR", "Authorization 时间戳与服务器时间相差过大");
		else if (!k)
			bad = err_reply(401, "SIGN_ERROR", "商户证书序列号有误");
		else if (!msg || wx_verify(k, msg, ml, a.signature, &err) != 0)
			bad = err_reply(401, "SIGN_ERROR", "签名错误");
		free(msg);
	}
	if (bad.status)
		S.auth_failures++;
	return bad;
}

static reply api(struct MHD_Connection *c, const char *method, const char *url, const req *r)
{
	reply bad = check_auth(c, method, r);
	if (bad.status)
		return bad;
	cJSON *j = r->len ? cJSON_ParseWithLength(r->body, r->len) : NULL;
	if (r->len && !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return err_reply(400, "PARAM_ERROR", "请求体不是JSON对象");
	}
	static const char prefix[] = "/v3/pay/transactions/out-trade-no/";
	size_t pl = sizeof prefix - 1;
	reply out;
	if (strcmp(method, "POST") == 0 && strcmp(url, "/v3/pay/transactions/native") == 0 && j) {
		out = api_create(j);
	} else if (strcmp(method, "GET") == 0 && strncmp(url, prefix, pl) == 0 &&
		   !strchr(url + pl, '/')) {
		out = api_query(url + pl, MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
								       "mchid"));
	} else if (strcmp(method, "POST") == 0 && strncmp(url, prefix, pl) == 0 &&
		   strlen(url + pl) > 6 && strcmp(url + strlen(url) - 6, "/close") == 0) {
		char no[PAY_TRADE_NO_MAX + 8];
		snprintf(no, sizeof no, "%.*s", (int)(strlen(url + pl) - 6), url + pl);
		out = api_close(no, j);
	} else if (strcmp(method, "POST") == 0 && strcmp(url, "/v3/refund/domestic/refunds") == 0 &&
		   j) {
		out = api_refund(j);
	} else if (strcmp(method, "GET") == 0 && strcmp(url, "/v3/bill/tradebill") == 0) {
		out = api_tradebill(c);
	} else if (strcmp(method, "GET") == 0 && strcmp(url, "/v3/billdownload/file") == 0) {
		out = api_billfile(c);
	} else {
		out = err_reply(404, "NOT_FOUND", "请求的资源不存在");
	}
	cJSON_Delete(j);
	/* Knobs that change the answer, not the work. */
	if (S.k.fail_5xx > 0) {
		S.k.fail_5xx--;
		free(out.body);
		out = err_reply(500, "SYSTEM_ERROR", "系统错误");
	}
	if (S.k.slow_count > 0) {
		S.k.slow_count--;
		out.slow_ms = S.k.slow_ms;
	}
	return out;
}

/* Sign an answer and send it. */
static enum MHD_Result send_reply(struct MHD_Connection *c, reply *out)
{
	const char *body = out->body ? out->body : "";
	size_t len = out->len ? out->len : strlen(body);
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!resp) {
		free(out->body);
		return MHD_NO;
	}
	if (len)
		MHD_add_response_header(resp, "Content-Type", out->len ? "application/octet-stream"
								 : "application/json");
	if (!out->raw) {
		char ts[24], nonce[WX_NONCE_LEN + 1], sig[WX_SIG_B64_MAX + 32], rid[40];
		char serial[WX_SERIAL_MAX + 1];
		pthread_mutex_lock(&S.mu);
		int skew = S.k.skew;
		bool bad = S.k.bad_signature > 0, wrong = S.k.wrong_serial > 0, probe = S.k.signtest > 0;
		if (bad)
			S.k.bad_signature--;
		if (wrong)
			S.k.wrong_serial--;
		if (probe)
			S.k.signtest--;
		copy(serial, sizeof serial, wrong ? "7D5C1E0A9F3B2C4D5E6F708192A3B4C5D6E7F809" :
						    S.platform_serial);
		snprintf(rid, sizeof rid, "08%014lu", ++S.seq);
		pthread_mutex_unlock(&S.mu);
		snprintf(ts, sizeof ts, "%lld", (long long)(now_s() + skew));
		wx_nonce(nonce);
		size_t ml = 0;
		char *msg = wx_response_message(ts, nonce, body, len, &ml);
		kerr err = { { 0 }, { 0 } };
		if (!msg || wx_sign(S.platform, msg, ml, sig, sizeof sig, &err) != 0)
			snprintf(sig, sizeof sig, "unsigned");
		free(msg);
		if (bad)
			sig[0] = sig[0] == 'A' ? 'B' : 'A'; /* still base64, no longer valid */
		if (probe) {
			char tail[24];
			rand_alnum(tail, sizeof tail);
			snprintf(sig, sizeof sig, "%s%s", WX_SIGNTEST_PREFIX, tail);
		}
		MHD_add_response_header(resp, "Wechatpay-Timestamp", ts);
		MHD_add_response_header(resp, "Wechatpay-Nonce", nonce);
		MHD_add_response_header(resp, "Wechatpay-Signature", sig);
		MHD_add_response_header(resp, "Wechatpay-Serial", serial);
		MHD_add_response_header(resp, "Wechatpay-Signature-Type", WX_AUTH_SCHEME);
		MHD_add_response_header(resp, "Request-ID", rid);
	}
	if (out->slow_ms > 0) {
		struct timespec d = { out->slow_ms / 1000, (out->slow_ms % 1000) * 1000000L };
		nanosleep(&d, NULL);
	}
	enum MHD_Result rc = MHD_queue_response(c, out->status, resp);
	MHD_destroy_response(resp);
	free(out->body);
	return rc;
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	(void)cls;
	(void)c;
	req *r = calloc(1, sizeof *r);
	if (r)
		r->uri = strdup(uri ? uri : "");
	return r;
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	req *r = *con_cls;
	if (r) {
		free(r->uri);
		free(r->body);
		free(r);
		*con_cls = NULL;
	}
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	(void)cls;
	(void)version;
	req *r = *con_cls;
	if (!r || !r->uri)
		return MHD_NO;
	if (!r->started) {
		r->started = true;
		return MHD_YES;
	}
	if (*upload_size) {
		if (r->len + *upload_size > BODY_MAX) {
			r->too_big = true;
		} else {
			if (r->len + *upload_size + 1 > r->cap) {
				size_t cap = (r->len + *upload_size + 1) * 2;
				char *nb = realloc(r->body, cap);
				if (!nb)
					return MHD_NO;
				r->body = nb;
				r->cap = cap;
			}
			memcpy(r->body + r->len, upload, *upload_size);
			r->len += *upload_size;
			r->body[r->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	reply out;
	pthread_mutex_lock(&S.mu);
	if (r->too_big) {
		out = err_reply(413, "PARAM_ERROR", "请求体过大");
	} else if (strncmp(url, "/sim/", 5) == 0) {
		cJSON *j = r->len ? cJSON_ParseWithLength(r->body, r->len) : NULL;
		out = control(method, url, j);
		cJSON_Delete(j);
	} else {
		out = api(c, method, url, r);
	}
	pthread_mutex_unlock(&S.mu);
	return send_reply(c, &out);
}

/* ---- start ---- */

static void usage(void)
{
	fprintf(stderr,
		"usage: paysim --mchid M --appid A --merchant-cert FILE --platform-key FILE\n"
		"              (--platform-cert FILE | --platform-serial S) [--port N]\n"
		"              [--pay-after N] [--expire-after N] [--fail-5xx N] [--slow-ms M]\n"
		"              [--slow-count N] [--skew S] [--bad-signature N] [--wrong-serial N]\n"
		"              [--signtest N]\n");
	exit(2);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(BODY_MAX + 1);
	size_t n = buf ? fread(buf, 1, BODY_MAX, f) : 0;
	fclose(f);
	if (!buf || n == 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static int int_arg(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < -1000000 || v > 1000000)
		usage();
	return (int)v;
}

int main(int argc, char **argv)
{
	const char *merchant_cert = NULL, *platform_key = NULL, *platform_cert = NULL;
	const char *platform_serial = NULL;
	int port = 0;
	struct {
		const char *flag;
		int *v;
	} knob_flags[] = { { "--pay-after", &S.k.pay_after },   { "--expire-after", &S.k.expire_after },
			   { "--fail-5xx", &S.k.fail_5xx },     { "--slow-ms", &S.k.slow_ms },
			   { "--slow-count", &S.k.slow_count }, { "--skew", &S.k.skew },
			   { "--bad-signature", &S.k.bad_signature },
			   { "--wrong-serial", &S.k.wrong_serial }, { "--signtest", &S.k.signtest },
			   { "--port", &port } };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (i + 1 >= argc)
			usage();
		const char *v = argv[++i];
		bool done = false;
		for (size_t k = 0; k < sizeof knob_flags / sizeof knob_flags[0]; k++) {
			if (strcmp(a, knob_flags[k].flag) == 0) {
				*knob_flags[k].v = int_arg(v);
				done = true;
			}
		}
		if (done)
			continue;
		if (strcmp(a, "--mchid") == 0)
			copy(S.mchid, sizeof S.mchid, v);
		else if (strcmp(a, "--appid") == 0)
			copy(S.appid, sizeof S.appid, v);
		else if (strcmp(a, "--merchant-cert") == 0)
			merchant_cert = v;
		else if (strcmp(a, "--platform-key") == 0)
			platform_key = v;
		else if (strcmp(a, "--platform-cert") == 0)
			platform_cert = v;
		else if (strcmp(a, "--platform-serial") == 0)
			platform_serial = v;
		else
			usage();
	}
	if (!S.mchid[0] || !S.appid[0] || !merchant_cert || !platform_key ||
	    (!platform_cert && !platform_serial) || port < 0 || port > 65535)
		usage();

	kerr err = { { 0 }, { 0 } };
	size_t len = 0;
	char *pem = slurp(merchant_cert, &len);
	S.merchant = wx_keyring_new();
	if (!pem || !S.merchant || wx_keyring_add_pem(S.merchant, NULL, pem, len, &err) != 0) {
		fprintf(stderr, "paysim: %s: %s\n", merchant_cert, err.msg[0] ? err.msg : "unreadable");
		return 2;
	}
	free(pem);
	if (!(S.platform = wx_private_key_load(platform_key, "--platform-key", &err))) {
		fprintf(stderr, "paysim: %s: %s\n", err.where, err.msg);
		return 2;
	}
	if (platform_serial) {
		copy(S.platform_serial, sizeof S.platform_serial, platform_serial);
	} else {
		pem = slurp(platform_cert, &len);
		if (!pem || wx_cert_serial(pem, len, S.platform_serial, &err) != 0) {
			fprintf(stderr, "paysim: %s: %s\n", platform_cert,
				err.msg[0] ? err.msg : "unreadable");
			return 2;
		}
		free(pem);
	}

	/* Signals go to the main thread only: block them before any thread starts. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* A test that dies mid-way takes its simulator with it. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);

	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	struct MHD_Daemon *d = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG,
		(uint16_t)port, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL, MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "paysim: cannot listen on 127.0.0.1:%d\n", port);
		return 2;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("%u\n", info ? (unsigned)info->port : (unsigned)port);
	fflush(stdout);

	int sig = 0;
	while (sigwait(&set, &sig) != 0)
		;
	MHD_stop_daemon(d);
	EVP_PKEY_free(S.platform);
	wx_keyring_free(S.merchant);
	free(S.orders);
	free(S.refunds);
	for (size_t i = 0; i < S.n_bills; i++)
		free(S.bills[i].text);
	free(S.bills);
	return 0;
}
