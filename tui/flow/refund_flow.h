/* refund_flow: cancelling a paid case by refunding its verified payment,
 * and refunding a duplicate payment of a case (重复支付退款: the case keeps
 * its one payment and stays as it is), both maker-checker. Anyone may ask; a supervisor who is neither the one asking
 * nor the case's clerk approves with id and PIN (the store refuses the rest
 * too); the approval is recorded before the gateway is asked, and a refund
 * approved but not final (no answer, PROCESSING) is asked again with the same
 * refund number, which never refunds twice. Messages are written into the
 * caller's buffer in the clerk's language. */
#ifndef TUI_FLOW_REFUND_FLOW_H
#define TUI_FLOW_REFUND_FLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "db/repo/refund_repo.h"
#include "db/repo/refund_send.h"
#include "tui/flow/case_flow.h"

/* May case_no be refunded now? FLOW_NEXT: go to the approval (*pending with
 * *had: approved before and not final, to be sent again); FLOW_STAY with the
 * reason said (refunded already, not paid, the store failed). */
flow_outcome refund_flow_check(counter *k, const char *case_no, refund_rec *had, bool *pending);
/* The supervisor id and PIN (wiped) approve the refund of case_no for
 * reason: FLOW_NEXT with *out recorded; FLOW_FAILED with msg (*ask_again:
 * the id and PIN are to be typed again). */
flow_outcome refund_flow_approve(counter *k, const char *case_no, const char *reason, const char *id,
				 char *pin, refund_rec *out, char *msg, size_t n, bool *ask_again);
/* Ask the gateway for the approved refund and record its answer: FLOW_NEXT
 * (msg says what the gateway said), or FLOW_FAILED (msg: pending, why). */
flow_outcome refund_flow_send(counter *k, const refund_rec *r, char *msg, size_t n);

/* A duplicate payment of case_no to refund: order out_trade_no (NULL or ""
 * for the case's order flagged as paid twice, as F8 on a case finds it).
 * The case's open orders are asked about first, so one paid meanwhile is
 * booked and flagged. FLOW_NEXT with *t (*pending with *had: approved
 * before, not final, to be sent again); FLOW_STAY when there is none, said
 * only when say_none (F8 on a case then goes on to the case's refund);
 * FLOW_FAILED said (refunded already, the store failed). */
flow_outcome refund_flow_dup_check(counter *k, const char *case_no, const char *out_trade_no,
				   bool say_none, dup_target *t, refund_rec *had, bool *pending);
/* The supervisor id and PIN (wiped) approve the refund of duplicate t for
 * reason; the signed-in user is the one asking. As refund_flow_approve. */
flow_outcome refund_flow_dup_approve(counter *k, const dup_target *t, const char *reason, const char *id,
				     char *pin, refund_rec *out, char *msg, size_t n, bool *ask_again);

#endif
