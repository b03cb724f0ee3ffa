/* recon: matching one day three ways, the fees due of the cases against the
 * kiosk's own payments and refunds against WeChat Pay's bill of the day
 * (docs/reconciliation.md). The book (what the kiosk recorded) is filled by
 * db/ (db_recon_book); recon_match() compares and classifies every
 * difference. Pure: no SQL, no I/O. The caller owns the book's arrays and
 * the differences returned (free()). */
#ifndef CORE_PAY_RECON_H
#define CORE_PAY_RECON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/base/names.h"
#include "core/pay/bill.h"
#include "core/pay/pay.h"

/* The classes of difference: enum, the stored word, UI string key, and what
 * to do (English, for kioskctl and the docs; recon_kind_todo()). */
#define RECON_KINDS(X)                                                                        \
	X(RK_UNBOOKED, "unbooked", "recon.unbooked",                                          \
	  "money moved at the gateway that the kiosk has not booked: query the order (or the " \
	  "refund) so the kiosk records it and finish the case, or refund the customer")       \
	X(RK_NOT_IN_BILL, "not_in_bill", "recon.not_in_bill",                                 \
	  "the kiosk booked it, the bill does not have it: query the order at the gateway; "   \
	  "paid just before midnight it is in the next day's bill; if the gateway says unpaid, " \
	  "the fee is still owed")                                                             \
	X(RK_AMOUNT, "amount", "recon.amount",                                                \
	  "the amounts differ (fee due, order booked, bill): take the difference or refund "  \
	  "it, and correct the case")                                                          \
	X(RK_REFUND_PENDING, "refund_pending", "recon.refund_pending",                        \
	  "a refund is not yet done on both sides: ask it again from the case (F8) until the " \
	  "gateway says SUCCESS")                                                              \
	X(RK_REFUND_ABNORMAL, "refund_abnormal", "recon.refund_abnormal",                     \
	  "the customer's account refused the refund: on the merchant platform send it to "   \
	  "another account (异常退款), then ask it again from the case")                       \
	X(RK_DUPLICATE, "duplicate", "recon.duplicate",                                       \
	  "the customer was charged twice for one case: refund the extra payment")

ENUM_DECLARE_WORD_KEY(recon_kind, RECON_KINDS, RECON_KIND_COUNT);
const char *recon_kind_todo(recon_kind k);

/* A case of the day and what it owes. */
typedef struct recon_case {
	char case_no[40];
	int64_t fee_fen;
	bool due;                  /* accepted, 容缺 or completed with a fee: it owes fee_fen */
} recon_case;

/* An order the kiosk recorded. of_day: its case was opened that day (the
 * others are orders the bill names, looked up by number). */
typedef struct recon_pay {
	char case_no[40];
	char out_trade_no[33];
	int64_t amount_fen;
	pay_state state;
	bool verified;
	char transaction_id[40];
	bool of_day;
} recon_pay;

/* A refund the kiosk recorded. of_day: asked for that day. */
typedef struct recon_refund {
	char case_no[40];
	char out_trade_no[33];
	char out_refund_no[65];
	int64_t amount_fen;
	pay_refund_state state;
	bool of_day;
} recon_refund;

typedef struct recon_book {
	recon_case *cases;
	size_t n_cases;
	recon_pay *pays;
	size_t n_pays;
	recon_refund *refunds;
	size_t n_refunds;
} recon_book;

void recon_book_free(recon_book *b);

#define RECON_DETAIL_MAX 240

typedef struct recon_diff {
	recon_kind kind;
	char case_no[40];          /* "" when no case is known */
	char out_trade_no[33];
	char out_refund_no[65];    /* refunds only */
	char transaction_id[40];   /* the bill's, when it has one */
	int64_t book_fen;          /* what the kiosk booked (-1: nothing) */
	int64_t bill_fen;          /* what the bill says (-1: nothing) */
	int64_t due_fen;           /* the case's fee (-1: no case) */
	char detail[RECON_DETAIL_MAX]; /* English, one line */
} recon_diff;

/* Compare. The differences come in the bill's order, then the book's; each
 * names its class and the numbers (docs/reconciliation.md has the rules).
 * 0 with *out (malloc'd, NULL when none) and *n, or -1 with err. */
int recon_match(const recon_book *book, const bill *b, recon_diff **out, size_t *n, kerr *err);

/* Two differences are the same finding (class and numbers; the amounts and
 * the text may move): what a reconciliation run again compares. */
bool recon_same(const recon_diff *a, const recon_diff *b);

#endif
