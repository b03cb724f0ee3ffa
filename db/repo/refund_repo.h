/* refund_repo: refunds, maker-checker. Two kinds, told apart by their
 * number (core/pay/pay.h):
 * - a paid case cancelled and refunded ("-R1"): a clerk (or anyone signed
 *   in) asks; a supervisor who is neither the one asking nor the case's
 *   clerk approves with their own id and PIN. db_refund_approve() records the
 *   approval, the refund (state PENDING, its out_refund_no fixed so a retry
 *   never refunds twice) and the case's cancellation in one transaction with
 *   their audit rows. A case is cancelled and refunded at most once.
 * - a duplicate payment refunded (重复支付退款, "-D1"): a second paid order of
 *   a case (flagged payment.duplicate by the store), or the case's order that
 *   WeChat Pay's bill charges twice (a reconciliation's `duplicate`
 *   difference). db_refund_dup_approve() records it the same way, under the
 *   same maker-checker rules, but the case keeps its one payment and stays as
 *   it is. Once the gateway says SUCCESS, the case's open `duplicate`
 *   differences are resolved by the supervisor who approved it.
 * db_refund_update() records what the gateway answered for either.
 * Records are plain values owned by the caller. */
#ifndef DB_REFUND_REPO_H
#define DB_REFUND_REPO_H

#include <stdint.h>

#include "core/base/err.h"
#include "core/pay/pay.h"
#include "db/db.h"

typedef struct refund_rec {
	char case_no[40];
	char out_trade_no[33];     /* the paid order */
	char out_refund_no[65];
	int64_t amount_fen;        /* the whole order */
	char reason[241];
	char requested_by[33];
	char approved_by[33];
	pay_refund_state state;    /* PENDING (approved, not yet answered), PROCESSING, SUCCESS, CLOSED, ABNORMAL */
	char refund_id[65];        /* the gateway's, once known */
	int64_t created_ms, updated_ms;
	/* The payment the refund is sent against, by WeChat's transaction id
	 * (pay_refund.transaction_id), derived on reading: "" (by out_trade_no)
	 * unless WeChat Pay's bill charges the order twice (a `duplicate`
	 * difference names its second charge); then the duplicate's refund of
	 * the case's own order names that second charge, any other refund of the
	 * order the charge the kiosk booked. Each charge is refundable up to
	 * the order's amount on its own, so the case's refund after its
	 * duplicate's (or before it) is never over what WeChat allows. */
	char transaction_id[40];
} refund_rec;

/* SQL: the refunds row r (an alias) is a duplicate payment's refund: its
 * number is its own order's pay_refund_dup_no(), exactly (the case's refunds
 * are "<order>-R<n>" and never are). */
#define DB_REFUND_IS_DUP_SQL(r)                                                        \
	" " r ".out_refund_no = (SELECT dp.out_trade_no FROM payments dp WHERE dp.id = " r \
	".payment_id) || '" PAY_REFUND_DUP_SUFFIX "'"

/* Approve the refund of case_no's verified payment and cancel the case.
 * Refused with nothing written: no such case, already cancelled, no verified
 * SUCCESS payment, a refund already recorded, approved_by not an active
 * supervisor, approved_by the one asking or the case's clerk, an empty
 * reason. 0 with *out, or -1 with err. */
int db_refund_approve(kdb *db, const char *case_no, const char *requested_by,
		      const char *approved_by, const char *reason, refund_rec *out, kerr *err);
/* The gateway's answer: state PROCESSING, SUCCESS, CLOSED or ABNORMAL (never
 * PENDING), and its refund id. SUCCESS and CLOSED are final; ABNORMAL may
 * still become CLOSED or SUCCESS (put through after 异常退款 on the merchant
 * platform). On SUCCESS the order's payment row becomes REFUND. Audited. */
int db_refund_update(kdb *db, const char *actor, const char *out_refund_no,
		     pay_refund_state state, const char *refund_id, kerr *err);
/* The case's refund that cancelled it (not a duplicate's): 0 found, 1 none,
 * -1 error. */
int db_refund_of_case(kdb *db, const char *case_no, refund_rec *out, kerr *err);
/* One refund by its number: 0 found, 1 none, -1 error. */
int db_refund_get(kdb *db, const char *out_refund_no, refund_rec *out, kerr *err);

/* A duplicate payment of a case, to refund. */
typedef struct dup_target {
	char case_no[40];
	char out_trade_no[33];
	char out_refund_no[65];    /* pay_refund_dup_no() of the order */
	int64_t amount_fen;        /* one charge: the order's amount */
	bool same_order;           /* the bill charged the case's own order twice */
	char charge_tx[40];        /* same_order: the second charge's transaction id
				      (the bill's), which the refund names */
} dup_target;

/* The duplicate payment of case_no to refund: order out_trade_no (NULL or ""
 * for the case's first order flagged as a second payment, else the order a
 * `duplicate` difference names). 0 with *out; 1 when the case has none (err
 * says why, in words for the clerk); -1 on a store error. */
int db_refund_dup_target(kdb *db, const char *case_no, const char *out_trade_no, dup_target *out,
			 kerr *err);
/* Approve the refund of that duplicate payment: requested_by an active staff
 * member, approved_by an active supervisor who is neither the one asking nor
 * the case's clerk, a reason of 1-80 bytes. The refund (PENDING, number
 * pay_refund_dup_no()) and a refund.duplicate audit row in one transaction;
 * the case is not touched. Refused with nothing written: no duplicate, its
 * refund already asked for (db_refund_get() has it), the rules above. 0 with
 * *out, or -1 with err. */
int db_refund_dup_approve(kdb *db, const char *case_no, const char *out_trade_no,
			  const char *requested_by, const char *approved_by, const char *reason,
			  refund_rec *out, kerr *err);

#endif
