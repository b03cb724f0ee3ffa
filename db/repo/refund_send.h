/* refund_send: the gateway's side of a refund, one path for the kiosk
 * (tui/flow/refund_flow.c) and kioskctl (`pay refund-duplicate`), so that a
 * duplicate payment found by the payment flow and one found by the
 * reconciliation are refunded the same way. Each call asks the gateway (the
 * caller's pay_dev, WeChat Pay or the demo) outside any transaction, then
 * records its answer through the repositories. Idempotent: the refund is
 * recorded (PENDING) before the gateway hears of it, and asked again with the
 * same out_refund_no, which the gateway never refunds twice; an order asked
 * again records nothing new. docs/reconciliation.md. */
#ifndef DB_REFUND_SEND_H
#define DB_REFUND_SEND_H

#include "core/base/err.h"
#include "core/pay/pay.h"
#include "db/db.h"
#include "db/repo/refund_repo.h"

/* Ask the gateway about every order of case_no that may have been paid since
 * the kiosk last heard of it (NOTPAY, USERPAYING, PAYERROR) and record the
 * answer: a second order paid meanwhile is booked, and flagged by the store,
 * before a duplicate payment is looked for. An order the gateway cannot be
 * asked about now stays as it is (*unsure counts them). Returns the number of
 * orders whose record changed, or -1 with err (the store failed). */
int refund_take_up(kdb *db, pay_dev *dev, const char *actor, const char *case_no, int *unsure,
		   kerr *err);

/* Ask the gateway for the approved refund r and record its answer by actor:
 * PR_OK with *state (PROCESSING, SUCCESS, CLOSED or ABNORMAL); else the
 * gateway's result with err, the refund left as recorded (ask again). A
 * store failure after the gateway's answer is PR_INVALID with err: asking
 * again records it. */
pay_result refund_send(kdb *db, pay_dev *dev, const char *actor, const refund_rec *r,
		       pay_refund_state *state, kerr *err);

#endif
