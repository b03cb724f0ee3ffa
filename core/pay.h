/* pay: taking the case's fee as a WeChat Pay Native order, behind an
 * operations table so that demo mode, tests and the real WeChat Pay v3 client
 * are interchangeable. A pay_dev is owned by whoever made it (pay_demo_new(),
 * later the WeChat client's constructor) and released with pay_dev_free(). The
 * caller owns every pay_order; a device never keeps a pointer into one.
 * Two closed sets of words: pay_state, the order's state in WeChat's words
 * ("pay.state.<name>" strings), and pay_result, how a call to the gateway went
 * ("pay.result.<name>" strings, what the clerk sees; the kerr alongside holds
 * the detail in English for the log). An order counts as paid only when a
 * query says SUCCESS with verified set. Call through the wrappers, which check
 * the arguments once for every implementation. */
#ifndef CORE_PAY_H
#define CORE_PAY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

/* An order's state: enum, WeChat's trade_state word, UI string key.
 * NOTFOUND is not a trade_state: it stands for the gateway's ORDER_NOT_EXIST
 * answer to a query. */
#define PAY_STATES(X)                                                 \
	X(PAY_NOTPAY,     "NOTPAY",     "pay.state.notpay")     /* waiting for the scan */ \
	X(PAY_USERPAYING, "USERPAYING", "pay.state.userpaying") /* customer entering password */ \
	X(PAY_SUCCESS,    "SUCCESS",    "pay.state.success")    \
	X(PAY_CLOSED,     "CLOSED",     "pay.state.closed")     /* closed or expired unpaid */ \
	X(PAY_REFUND,     "REFUND",     "pay.state.refund")     /* paid, then refunded */ \
	X(PAY_REVOKED,    "REVOKED",    "pay.state.revoked")    /* (payment-code orders only) */ \
	X(PAY_PAYERROR,   "PAYERROR",   "pay.state.payerror")   /* the bank refused */ \
	X(PAY_NOTFOUND,   "NOTFOUND",   "pay.state.notfound")

typedef enum pay_state {
#define X(e, word, key) e,
	PAY_STATES(X)
#undef X
	PAY_STATE_COUNT
} pay_state;

const char *pay_state_name(pay_state s);   /* WeChat's word, "NOTPAY" */
const char *pay_state_key(pay_state s);
int pay_state_from_name(const char *s);
/* Can this state still change without the kiosk doing anything (NOTPAY,
 * USERPAYING)? False: polling stops and the screen acts on the state. */
bool pay_state_pending(pay_state s);

/* How a call went: enum, name, UI string key. */
#define PAY_RESULTS(X)                                                            \
	X(PR_OK,            "ok",            "pay.result.ok")                         \
	X(PR_NETWORK,       "network",       "pay.result.network")       /* no answer: retry, same number */ \
	X(PR_GATEWAY,       "gateway",       "pay.result.gateway")       /* SYSTEM_ERROR, 5xx: retry */ \
	X(PR_UNVERIFIED,    "unverified",    "pay.result.unverified")    /* answer's signature not valid */ \
	X(PR_DUPLICATE,     "duplicate",     "pay.result.duplicate")     /* number used for another order */ \
	X(PR_PAID,          "paid",          "pay.result.paid")          /* the order is already paid */ \
	X(PR_CLOSED,        "closed",        "pay.result.closed")        /* the order is closed */ \
	X(PR_NOT_FOUND,     "not_found",     "pay.result.not_found")     /* no such order */ \
	X(PR_INVALID,       "invalid",       "pay.result.invalid")       /* bad request: not sent */ \
	X(PR_NOT_SUPPORTED, "not_supported", "pay.result.not_supported")

typedef enum pay_result {
#define X(e, name, key) e,
	PAY_RESULTS(X)
#undef X
	PR_COUNT
} pay_result;

const char *pay_result_name(pay_result r);
const char *pay_result_key(pay_result r);
int pay_result_from_name(const char *s);

#define PAY_TRADE_NO_MIN    6
#define PAY_TRADE_NO_MAX    32
#define PAY_DESCRIPTION_MAX 127          /* bytes, WeChat's limit */
#define PAY_AMOUNT_MAX      INT32_MAX    /* amount.total is a 32-bit int of 分 */
#define PAY_CODE_URL_PREFIX "weixin://wxpay/bizpayurl?pr="

typedef struct pay_order {
	char out_trade_no[PAY_TRADE_NO_MAX + 1]; /* from pay_trade_no() */
	int64_t amount_fen;
	char description[PAY_DESCRIPTION_MAX + 1];
	char code_url[512];                 /* shown as the QR code */
	int64_t expire_ms;                  /* UTC ms; unpaid after this: CLOSED */
	pay_state state;
	char transaction_id[40];            /* WeChat's, once paid; "" before */
	int64_t paid_ms;                    /* success_time, UTC ms; 0 before */
	bool verified;                      /* state came from a verified answer */
} pay_order;

/* One implementation; ctx is its own state, released by free(). Each call
 * returns PR_OK or says why not, with err holding the detail.
 * create: in: out_trade_no, amount_fen, description, expire_ms; out:
 *   code_url, state (NOTPAY), verified. The same number with the same amount
 *   and description again gives the same order and code_url (a retry never
 *   charges twice); with a different amount or description PR_DUPLICATE; a
 *   paid one PR_PAID, a closed one PR_CLOSED (make the next attempt number).
 * query: PR_OK with the order as the gateway has it; an unknown number is
 *   PR_OK with state PAY_NOTFOUND.
 * close: PR_OK once closed (also when it already was); PR_PAID for a paid
 *   order, PR_NOT_FOUND for an unknown one. */
typedef struct pay_ops {
	const char *name;                                   /* "demo", "wechat" */
	pay_result (*create)(void *ctx, pay_order *o, kerr *err);
	pay_result (*query)(void *ctx, const char *out_trade_no, pay_order *out, kerr *err);
	pay_result (*close)(void *ctx, const char *out_trade_no, kerr *err);
	void (*free)(void *ctx);
} pay_ops;

typedef struct pay_dev {
	const pay_ops *ops;
	void *ctx;
} pay_dev;

/* Wrappers. A NULL dev or a missing operation: PR_NOT_SUPPORTED. Arguments
 * checked before the device is called (PR_INVALID, err naming the field):
 * a valid trade number; for create 1 <= amount_fen <= PAY_AMOUNT_MAX, a
 * description of 1-127 bytes of UTF-8, expire_ms after clock_now_ms().
 * create clears its outputs first; query clears *out (and leaves verified
 * false on any failure); out_trade_no may be out->out_trade_no itself. */
pay_result pay_create(pay_dev *dev, pay_order *o, kerr *err);
pay_result pay_query(pay_dev *dev, const char *out_trade_no, pay_order *out, kerr *err);
pay_result pay_close(pay_dev *dev, const char *out_trade_no, kerr *err);
const char *pay_dev_name(const pay_dev *dev);   /* "" for NULL */
void pay_dev_free(pay_dev *dev);                /* NULL is fine */

/* Is s a WeChat out_trade_no: 6-32 of [0-9A-Za-z_-|*]? */
bool pay_trade_no_valid(const char *s);

/* The out_trade_no of a case's attempt-th order (1 <= attempt <= 999),
 * deterministic so a retry or restart finds the same order:
 *   attempt 1: the case number itself, when it is a valid trade number;
 *   attempt n: the case number + "_n" (WeChat never takes a closed number
 *   again, so an order re-created after expiry needs a new one).
 * A case number that does not fit (over 32 with its suffix, or under 6) is
 * replaced by a compact form: 10 characters of its SHA-256, '-', and as much of
 * its end (date and sequence) as fits, then the suffix. case_no must be of
 * [0-9A-Za-z_-] and must not end in '_' + digits (which would make two
 * attempts of two cases collide). Returns 0, or -1 for a case number or
 * attempt it cannot take. */
#define PAY_ATTEMPT_MAX 999
int pay_trade_no(const char *case_no, int attempt, char out[PAY_TRADE_NO_MAX + 1]);

/* ---- the demo gateway (core/pay_demo.c) ----
 * Orders kept in memory (a restarted demo knows none: the screens re-create
 * the same number, which gives a fresh order). Every answer counts as
 * verified. Orders stay NOTPAY until the trainer settles them, or CLOSED once
 * expire_ms has passed (by clock_now_ms()). */
pay_dev *pay_demo_new(kerr *err);
/* The customer pays: NOTPAY, USERPAYING or PAYERROR -> SUCCESS with a
 * transaction id ("4200000" + YYYYMMDD + 13 digits). Already paid: PR_OK.
 * Closed or expired: PR_CLOSED; unknown: PR_NOT_FOUND. */
pay_result pay_demo_settle(pay_dev *dev, const char *out_trade_no, kerr *err);
/* Put an order in a state the trainer wants to show (USERPAYING, PAYERROR,
 * REFUND, CLOSED, REVOKED, NOTPAY; SUCCESS goes through pay_demo_settle). */
int pay_demo_set_state(pay_dev *dev, const char *out_trade_no, pay_state st, kerr *err);
/* The next create, query or close fails with r (PR_GATEWAY: the gateway
 * answered SYSTEM_ERROR; PR_NETWORK: no answer; PR_UNVERIFIED: a bad
 * signature) and changes nothing; other results are refused. */
int pay_demo_fail_next(pay_dev *dev, pay_result r, kerr *err);

#endif
