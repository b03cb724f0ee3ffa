/* Fuzz harness for the trade bill (core/pay/bill.h): the parser over any
 * text, and the gunzip in front of it. Input: byte 0 picks the path (even:
 * the text as a bill; odd: the rest as a gzip download, then, when it
 * inflates, the text as a bill). The invariants a caller relies on are
 * checked with abort():
 *   - 0 means every row has a valid trade number, a transaction id, a state,
 *     amounts within a 32-bit order of 分, and on a refund row a valid refund
 *     number and an amount above zero; the summary's count is the rows';
 *   - -1 leaves the bill empty, with err terminated and valid UTF-8;
 *   - gunzip never returns more than its limit and NUL-terminates.
 * Built with libFuzzer (make fuzz) and with tests/fuzz/replay.c (make test). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/kini.h"
#include "core/pay/bill.h"
#include "core/pay/pay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond)
{
	if (!cond)
		abort();
}

static void parse(const char *text, size_t len)
{
	bill b;
	kerr err = { { 0 }, { 0 } };
	int rc = bill_parse(text, len, &b, &err);
	if (rc != 0) {
		require(rc == -1);
		require(b.n == 0 && b.rows == NULL);
		require(memchr(err.where, '\0', sizeof err.where) != NULL);
		require(memchr(err.msg, '\0', sizeof err.msg) != NULL);
		require(kini_utf8_valid(err.msg, strlen(err.msg), NULL));
		return;
	}
	require(b.sum_count == (long)b.n);
	int64_t refunds = 0;
	for (size_t i = 0; i < b.n; i++) {
		const bill_row *r = &b.rows[i];
		require(pay_trade_no_valid(r->out_trade_no));
		require(r->transaction_id[0] && r->trade_state[0]);
		require(r->total_fen >= 0 && r->total_fen <= PAY_AMOUNT_MAX);
		if (r->refund) {
			require(pay_refund_no_valid(r->out_refund_no));
			require(r->refund_fen >= 1 && r->refund_fen <= PAY_AMOUNT_MAX);
			require(r->refund_id[0] && r->refund_status[0]);
		} else {
			require(r->refund_fen == 0);
		}
		refunds += r->refund_fen;
	}
	require(refunds == b.sum_refund_fen);
	bill_free(&b);
	require(b.rows == NULL && b.n == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *body = (const char *)data + 1;
	size_t len = size - 1;
	if (data[0] % 2 == 0) {
		parse(body, len);
		return 0;
	}
	char *text = NULL;
	size_t tl = 0;
	kerr err = { { 0 }, { 0 } };
	const size_t max = 1 << 20;
	if (bill_gunzip(body, len, max, &text, &tl, &err) == 0) {
		require(text && tl <= max && text[tl] == '\0');
		parse(text, tl);
		free(text);
	} else {
		require(text == NULL && tl == 0);
		require(memchr(err.msg, '\0', sizeof err.msg) != NULL);
	}
	return 0;
}
