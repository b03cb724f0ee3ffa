/* pay_flow: the payment step without a screen. The fee is charged by one
 * order per attempt (out_trade_no from the case number and the attempt, so a
 * retry never charges twice). Written before shown: the order's row is
 * recorded before the gateway is asked to make it (write-ahead), its code_url
 * after, and the QR is shown only once both are in the store; a record that
 * failed is retried at every tick before anything else (no QR meanwhile, the
 * reason said), and a create whose answer was lost is followed by a query of
 * the same number before anything else. A case resumed here takes up the
 * order it already made and asks the gateway at once. The gateway is asked
 * every poll_seconds on a thread of its own so a slow gateway never freezes
 * the screen, and the answer is taken on the caller's thread at the next
 * tick; a verified SUCCESS, found at any time (a create answered "already
 * paid", a close refused as paid, a restart), commits the payment step. A new
 * order and a cancel first close the order in hand and ask its state. The
 * device is used by one thread at a time: every call here first waits for
 * the query in flight. */
#ifndef TUI_FLOW_PAY_FLOW_H
#define TUI_FLOW_PAY_FLOW_H

#include "tui/flow/case_flow.h"

/* The step is shown: nothing to pay commits it (FLOW_NEXT); else the case's
 * open order is taken up (and asked at once) or a new one is made. */
flow_outcome pay_flow_enter(counter *k, case_flow *cs);
/* Make the order of the current attempt (no order yet, or Enter after a failure). */
flow_outcome pay_flow_create(counter *k, case_flow *cs);
/* Ask the gateway now and wait: FLOW_NEXT when paid and committed. */
flow_outcome pay_flow_poll(counter *k, case_flow *cs);
/* A tick: take an answer that arrived, start a query when one is due. */
flow_outcome pay_flow_tick(counter *k, case_flow *cs);
/* Trainer mode: the customer scans and pays (the demo gateway), then ask. */
flow_outcome pay_flow_settle_demo(counter *k, case_flow *cs);
/* A new order after the last one closed or expired: the last one is closed
 * at the gateway and asked first (paid: taken up, FLOW_NEXT; may still be
 * paid: FLOW_FAILED said); FLOW_STAY with "still open" said while the last
 * one can be paid by its code. */
flow_outcome pay_flow_again(counter *k, case_flow *cs);
/* Close the order and ask its state, then cancel the case: FLOW_HOME. The
 * customer paid meanwhile: the payment is recorded and said, and the case
 * goes on (FLOW_NEXT once the payment step is committed); FLOW_FAILED when
 * the order may still be payable (the case is kept). */
flow_outcome pay_flow_cancel(counter *k, case_flow *cs);
/* The same with the clerk's reason (code as case_flow_cancel_coded). */
flow_outcome pay_flow_cancel_why(counter *k, case_flow *cs, const char *code, const char *why);
/* Wait for the query in flight, dropping its answer (before the case is
 * left, freed, or the gateway used for anything else). */
void pay_flow_wait(case_flow *cs);
/* When the order in hand stops being payable by its code: its time_expire,
 * or two hours after the code_url was given (WeChat's limit), the earlier. */
int64_t pay_flow_expires_ms(const case_flow *cs);
bool pay_flow_expired(const case_flow *cs, int64_t now);
/* Whether the QR code may be shown: an order recorded with the code the
 * gateway gave, nothing lagging in the store, still open and not expired.
 * Otherwise the screen shows what to do next and no code. */
bool pay_flow_qr_shown(const case_flow *cs, int64_t now);

#endif
