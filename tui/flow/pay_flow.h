/* pay_flow: the payment step without a screen. The fee is charged by one
 * order per attempt (out_trade_no from the case number and the attempt, so a
 * retry never charges twice), recorded with the store; a case resumed here
 * takes up the order it already made; the gateway is asked every
 * poll_seconds on a thread of its own so a slow gateway never freezes the
 * screen, and the answer is taken on the caller's thread at the next tick; a
 * verified SUCCESS commits the payment step. Cancelling closes the order
 * first: a customer who paid meanwhile keeps the case. The device is used by
 * one thread at a time: every call here first waits for the query in flight. */
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
/* A new order after the last one closed; FLOW_STAY with "still open" said
 * while the last one can be paid. */
flow_outcome pay_flow_again(counter *k, case_flow *cs);
/* Close the order, then cancel the case: FLOW_HOME. The customer paid
 * meanwhile: the payment is recorded and said, and the case goes on
 * (FLOW_NEXT once the payment step is committed, else FLOW_STAY);
 * FLOW_FAILED when the order may still be payable (the case is kept). */
flow_outcome pay_flow_cancel(counter *k, case_flow *cs);
/* The same with the clerk's reason (code as case_flow_cancel_coded). */
flow_outcome pay_flow_cancel_why(counter *k, case_flow *cs, const char *code, const char *why);
/* Wait for the query in flight, dropping its answer (before the case is
 * left, freed, or the gateway used for anything else). */
void pay_flow_wait(case_flow *cs);

#endif
