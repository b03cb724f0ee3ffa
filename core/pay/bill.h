/* bill: WeChat Pay's trade bill (交易账单) of one day, as the gateway serves
 * it after GET /v3/bill/tradebill (docs/reconciliation.md): a header line of
 * Chinese column names, one line per payment or refund whose fields each
 * start with a backtick (`), amounts in 元 with two decimals, then a summary
 * header (总交易单数,…) and the summary line. Columns are found by their
 * names, so the ALL and REFUND bills (which differ in columns) both read.
 * Also here: the gzip the bill comes in and the SHA-1 its answer names.
 * A bill owns its rows (bill_free()); nothing here keeps a pointer into the
 * text it parsed. Pure: no I/O, no clock. */
#ifndef CORE_PAY_BILL_H
#define CORE_PAY_BILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"

#define BILL_TEXT_MAX (64u << 20) /* a decompressed bill larger than this is refused */
#define BILL_GZ_MAX   (16u << 20) /* a download larger than this is refused */
#define BILL_WORD_MAX 16

typedef struct bill_row {
	bool refund;                /* a refund row (微信退款单号 given, or 交易状态 REFUND) */
	int64_t at_ms;              /* 交易时间 (Asia/Shanghai) as UTC ms */
	char transaction_id[40];    /* 微信订单号 */
	char out_trade_no[33];      /* 商户订单号 */
	char trade_state[BILL_WORD_MAX]; /* 交易状态: SUCCESS, REFUND, REVOKED … */
	int64_t total_fen;          /* 应结订单金额 (else 订单金额) */
	char refund_id[65];         /* 微信退款单号, "" on a payment row */
	char out_refund_no[65];     /* 商户退款单号, "" on a payment row */
	int64_t refund_fen;         /* 退款金额, 0 on a payment row */
	char refund_status[BILL_WORD_MAX]; /* 退款状态: SUCCESS, PROCESSING, ABNORMAL … */
} bill_row;

typedef struct bill {
	bill_row *rows;
	size_t n;
	/* the summary line, checked against the rows by bill_parse() */
	long sum_count;
	int64_t sum_total_fen, sum_refund_fen;
} bill;

/* Parse a bill's text (len bytes, need not be NUL-terminated; a UTF-8 BOM
 * is skipped, lines end in \n or \r\n). Checked: the header names the
 * columns needed (交易时间 微信订单号 商户订单号 交易状态 应结订单金额 or
 * 订单金额, and for refunds 微信退款单号 商户退款单号 退款金额 退款状态);
 * every data line has their fields with a leading backtick, a valid trade
 * number, a time, amounts of 元 with at most two decimals; the summary is
 * there and its count and totals are those of the rows. 0 with *out (owned,
 * bill_free()), or -1 with err naming the line ("bill line N") and *out
 * empty. */
int bill_parse(const char *text, size_t len, bill *out, kerr *err);
void bill_free(bill *b);

/* "12.34" or "`12.34" (元, at most two decimals, no sign) as 分; -1 when not
 * an amount. */
int64_t bill_yuan_fen(const char *s, size_t len);

/* Decompress a gzip stream of at most BILL_GZ_MAX bytes into a malloc'd,
 * NUL-terminated buffer of at most max bytes. 0, or -1 with err. */
int bill_gunzip(const void *gz, size_t len, size_t max, char **out, size_t *out_len, kerr *err);
/* Lower-case hex SHA-1 of p. */
void bill_sha1_hex(const void *p, size_t n, char out[41]);

#endif
