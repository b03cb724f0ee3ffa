/* core/pay: the case's fee taken as a WeChat Pay Native order. Screens and
 * flows see only the payment ops table of pay.h; behind it either the demo
 * gateway of trainer mode and tests or the WeChat Pay API v3 client, which
 * signs its requests and verifies every answer with wxsign before it trusts a
 * state. Money is integer 分; an order counts as paid only when a verified
 * query says SUCCESS.
 *
 *   files          header   what they hold
 *   pay.[ch]       public   this table; the ops table and its checking
 *                           wrappers, states and results (word tables),
 *                           trade and refund numbers, the clients' constructors
 *   pay_demo.c     -        pay_demo_new(): the simulated gateway (pay.h)
 *   pay_wechat.c   -        pay_wechat_new(): the v3 client over libcurl and
 *                           cJSON, its answers parsed on their own (pay.h);
 *                           the day's trade bill downloaded (pay_bill_download)
 *   bill.[ch]      public   the trade bill: its parser, gunzip, SHA-1
 *   recon.[ch]     public   a day matched three ways (fees due, the kiosk's
 *                           books, the bill) and the classes of difference
 *   wxsign.[ch]    private  v3 request signatures, answer verification,
 *                           secret files, the platform keys' keyring; only
 *                           pay_wechat.c uses it (and its tests, the fuzz
 *                           harness, the payment simulator)
 *
 * pay.h is the folder's public header; wxsign.h is private to it. */

/* pay: taking the case's fee as a WeChat Pay Native order, behind an
 * operations table so that demo mode, tests and the real WeChat Pay v3 client
 * are interchangeable. A pay_dev is owned by whoever made it (pay_demo_new(),
 * pay_wechat_new()) and released with pay_dev_free(). The caller owns every
 * pay_order and pay_refund; a device never keeps a pointer into one.
 * Closed sets of words: pay_state, the order's state in WeChat's words
 * ("pay.state.<name>" strings), pay_result, how a call to the gateway went
 * ("pay.result.<name>" strings, what the clerk sees; the kerr alongside holds
 * the detail in English for the log), and pay_refund_state for refunds. An
 * order counts as paid only when a query says SUCCESS with verified set. Call
 * through the wrappers, which check the arguments once for every
 * implementation. */
#ifndef CORE_PAY_H
#define CORE_PAY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/base/config.h"
#include "core/base/err.h"
#include "core/base/names.h"

/* Each table comes with <type>_name() (its word), <type>_key() (its UI
 * string) and <type>_from_name() (-1 unknown) from core/base/names.h; out of
 * range the name is "?" and the key that of NOTFOUND, GATEWAY or ABNORMAL. */

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

ENUM_DECLARE_WORD_KEY(pay_state, PAY_STATES, PAY_STATE_COUNT);

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
	X(PR_NOT_SUPPORTED, "not_supported", "pay.result.not_supported")                  \
	X(PR_REFUSED,       "refused",       "pay.result.refused")       /* gateway said no: settings, rules */

ENUM_DECLARE_WORD_KEY(pay_result, PAY_RESULTS, PR_COUNT);

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
struct pay_refund;
struct pay_bill_file;

typedef struct pay_ops {
	const char *name;                                   /* "demo", "wechat" */
	pay_result (*create)(void *ctx, pay_order *o, kerr *err);
	pay_result (*query)(void *ctx, const char *out_trade_no, pay_order *out, kerr *err);
	pay_result (*close)(void *ctx, const char *out_trade_no, kerr *err);
	void (*free)(void *ctx);
	/* Optional (NULL: PR_NOT_SUPPORTED); see pay_refund_order(). */
	pay_result (*refund)(void *ctx, struct pay_refund *r, kerr *err);
	/* Optional (NULL: PR_NOT_SUPPORTED); see pay_bill_download(). */
	pay_result (*bill)(void *ctx, long civil_day, struct pay_bill_file *out, kerr *err);
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

/* ---- refunds ----
 * A paid case cancelled by a supervisor gets its money back through a refund
 * of its order. out_refund_no is derived like the trade number (so a retry
 * never refunds twice): pay_refund_no(). The refund's state in WeChat's
 * words, with UI strings "pay.refund.<lower-case word>". PENDING is the
 * kiosk's own word, not the gateway's: a refund the supervisor approved that
 * has no answer yet (what db/ records first); no gateway answer carries it. */
#define PAY_REFUND_STATES(X)                                                     \
	X(PAY_REFUND_PENDING,    "PENDING",    "pay.refund.pending")    /* approved, not answered */ \
	X(PAY_REFUND_PROCESSING, "PROCESSING", "pay.refund.processing") /* on its way */ \
	X(PAY_REFUND_SUCCESS,    "SUCCESS",    "pay.refund.success")                 \
	X(PAY_REFUND_CLOSED,     "CLOSED",     "pay.refund.closed")                  \
	X(PAY_REFUND_ABNORMAL,   "ABNORMAL",   "pay.refund.abnormal")  /* the customer's card refused it */

ENUM_DECLARE_WORD_KEY(pay_refund_state, PAY_REFUND_STATES, PAY_REFUND_STATE_COUNT);


#define PAY_REFUND_NO_MAX     64
#define PAY_REFUND_REASON_MAX 80   /* bytes; shown to the customer */

typedef struct pay_refund {
	/* in */
	char out_trade_no[PAY_TRADE_NO_MAX + 1];   /* the paid order */
	char out_refund_no[PAY_REFUND_NO_MAX + 1]; /* from pay_refund_no() */
	int64_t total_fen;                         /* the order's amount */
	int64_t refund_fen;                        /* 1..total_fen */
	char reason[PAY_REFUND_REASON_MAX + 1];    /* optional */
	/* optional: the charge refunded, by WeChat's transaction id, sent
	 * instead of out_trade_no. An order WeChat Pay's bill charges twice is
	 * two payments of one out_trade_no, each refundable up to the order's
	 * amount: the second one is reached only by its own transaction id
	 * (docs/payment.md, "A charge refunded by its transaction id"). "":
	 * the order's payment, by out_trade_no. */
	char transaction_id[40];
	/* out */
	char refund_id[40];                        /* WeChat's */
	pay_refund_state state;
	bool verified;                             /* from a verified answer */
} pay_refund;

/* Is s an out_refund_no: 1-64 of [0-9A-Za-z_-|*@]? */
bool pay_refund_no_valid(const char *s);
/* The n-th refund number of an order (1 <= n <= 99): "<out_trade_no>-R<n>". */
int pay_refund_no(const char *out_trade_no, int n, char out[PAY_REFUND_NO_MAX + 1]);
/* The refund number of a duplicate payment's refund (重复支付退款) on an
 * order: "<out_trade_no>" PAY_REFUND_DUP_SUFFIX. Its own letter, so that the
 * kiosk, the bill and the merchant platform tell it from a cancelled case's
 * refund (-R<n>), and a case cancelled after its duplicate was refunded gets
 * a number of its own. db/ recognises it by this exact suffix after the
 * refund's own order number (db/repo/refund_repo.h, DB_REFUND_IS_DUP_SQL). */
#define PAY_REFUND_DUP_SUFFIX "-D1"
int pay_refund_dup_no(const char *out_trade_no, char out[PAY_REFUND_NO_MAX + 1]);
/* Is out_refund_no a duplicate payment's refund: a valid out_trade_no
 * followed by PAY_REFUND_DUP_SUFFIX, exactly? A number from pay_refund_no()
 * ends "-R<n>" and never is. */
bool pay_refund_no_is_dup(const char *out_refund_no);
/* Ask for a refund. Checked first (PR_INVALID): both numbers, 1 <= refund_fen
 * <= total_fen <= PAY_AMOUNT_MAX, a reason of at most 80 bytes of UTF-8.
 * Clears the outputs. PR_OK: state and refund_id as the gateway has them;
 * the same out_refund_no again gives the same refund. PR_NOT_FOUND: no such
 * order; PR_REFUSED: not paid, amount too large, no balance (err says). */
pay_result pay_refund_order(pay_dev *dev, pay_refund *r, kerr *err);

/* ---- the day's trade bill ----
 * The gateway's own list of the day's payments and refunds, for the
 * reconciliation (docs/reconciliation.md). What comes back has passed every
 * check the client can make: the answer naming the file was verified, the
 * file was downloaded from the gateway's own host, decompressed, and its
 * SHA-1 is the one the answer named. The caller owns text
 * (pay_bill_file_free()). */
typedef struct pay_bill_file {
	char *text;        /* the bill as WeChat wrote it (NUL-terminated); NULL when empty */
	size_t len;
	char sha1[41];     /* lower-case hex, checked; "" when empty */
	bool empty;        /* NO_STATEMENT_EXIST: no payment or refund that day */
} pay_bill_file;

/* The bill (bill_type ALL: payments and refunds) of civil_day (Asia/
 * Shanghai). PR_OK with out filled (empty for a day without trades);
 * PR_REFUSED when WeChat has not made it yet (STATEMENT_CREATING: it is
 * ready after about 10:00 the next day) or will not (older than 3 months),
 * err saying which; PR_UNVERIFIED when the answer's signature or the file's
 * SHA-1 fails; PR_NETWORK, PR_GATEWAY as for the other calls. A download
 * address that expired before it was used is asked for once more. */
pay_result pay_bill_download(pay_dev *dev, long civil_day, pay_bill_file *out, kerr *err);
void pay_bill_file_free(pay_bill_file *f);

/* ---- the WeChat Pay v3 client (core/pay/pay_wechat.c) ----
 * Native orders over HTTPS (libcurl), requests signed and answers verified
 * as in core/pay/wxsign.h, JSON by cJSON. Plain http only to 127.0.0.0/8, [::1]
 * or localhost (the simulator). Network faults, 5xx and 429 are retried with
 * the same body (and so the same out_trade_no): by default 3 tries of at most
 * 2 s, 150 ms then 450 ms apart, 4 s in all. An answer that cannot be
 * verified is PR_UNVERIFIED and nothing in it is used. Timestamps come from
 * clock_now_ms(). docs/payment.md has the detail. */

/* From [payment]: appid, mchid, merchant_serial, private_key_file (mode 600),
 * platform_keys_dir, apiv3_key_file (mode 600, checked only), notify_url,
 * base_url. NULL with err naming the setting or file and what to do. */
pay_dev *pay_wechat_new(const kiosk_payment_cfg *cfg, kerr *err);
/* Tune the retries: tries 1-10, timeout_ms per try 100-60000, backoff_ms
 * before the 2nd try 0-10000 (then tripled). -1 with err if dev is not the
 * WeChat client or a value is out of range. */
int pay_wechat_set_limits(pay_dev *dev, int tries, long timeout_ms, long backoff_ms, kerr *err);

/* Which call an answer belongs to: enum, the words the client's messages
 * name it by (pay_wx_call_name(), "refund" out of range). */
#define PAY_WX_CALLS(X)                        \
	X(PAY_WX_CREATE, "create order")       \
	X(PAY_WX_QUERY,  "query order")        \
	X(PAY_WX_CLOSE,  "close order")        \
	X(PAY_WX_REFUND, "refund")             \
	X(PAY_WX_BILL,   "trade bill")

ENUM_DECLARE_WORD(pay_wx_call, PAY_WX_CALLS, PAY_WX_CALL_COUNT);

/* Read the body of a verified answer (what the client does after the
 * signature check; on its own for the fuzz harness). PAY_WX_BILL is not
 * read here (PR_INVALID). out_trade_no is the
 * number asked about (an answer about another is PR_GATEWAY). A 2xx answer
 * fills o (create: code_url, state; query: out_trade_no, state, amount,
 * transaction_id, paid_ms) or rf (refund: refund_id, state); o and rf may be
 * NULL where the call or the status has nothing to fill (PR_INVALID if one
 * is needed). A query's ORDER_NOT_EXIST is PR_OK with PAY_NOTFOUND. Other
 * error bodies {code, message} give their pay_result (docs/payment.md) with
 * err holding "CODE: message" (the message cleaned to UTF-8 without control
 * characters). Nothing is written to o or rf unless the answer is good.
 * Never reads beyond len; body need not be NUL-terminated. */
pay_result pay_wechat_parse(pay_wx_call call, long http_status, const char *body, size_t len,
			    const char *out_trade_no, pay_order *o, pay_refund *rf, kerr *err);

/* In wechat mode, the payment files a running kiosk needs: private_key_file
 * and apiv3_key_file regular files that group and others cannot read (the
 * fix, chmod 600, is in the message), platform_keys_dir a directory. 0 (also
 * in demo mode), or -1 with err naming the setting and the file. Contents are
 * not read here. */
int pay_wechat_files_check(const kiosk_payment_cfg *p, kerr *err);

/* ---- the demo gateway (core/pay/pay_demo.c) ----
 * Every answer counts as verified. Orders stay NOTPAY until the trainer
 * settles them, or CLOSED once expire_ms has passed (by clock_now_ms()).
 * pay_demo_new(): orders kept in memory only (tests). pay_demo_open(): kept
 * in the file at path too (trainer mode: <data dir>/demo-pay.orders), read
 * back when it exists and rewritten atomically at every change, so a
 * restarted demo knows the orders it made, paid, closed or refunded, as a
 * real gateway does; NULL with err when the file cannot be read. A change
 * that cannot be written answers PR_GATEWAY (set_state -1) with err. */
pay_dev *pay_demo_new(kerr *err);
pay_dev *pay_demo_open(const char *path, kerr *err);
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
