/* slip_flow: the case's last paper. The 受理回执 (or the 一次性告知单 after a
 * refusal) is rendered from the case, saved under the data directory, sent
 * to the print command, and the slip step committed with the file's path. A
 * receipt for money carries the transaction id of the case's payment as the
 * store holds it (db_payment_of_case), and is refused without one. A slip
 * step resumed after a crash takes up the paper already saved for the case
 * (printout_find) and writes no second one. */
#ifndef TUI_FLOW_SLIP_FLOW_H
#define TUI_FLOW_SLIP_FLOW_H

#include "tui/flow/case_flow.h"

/* Render, save, print and commit; the text stays in cs->slip_text. Does
 * nothing when the text is already made. A failure is left in cs->step_msg. */
void slip_flow_make(counter *k, case_flow *cs);
/* Print the slip again: a copy marked 补打 / REPRINT, saved beside it as
 * <case>-slip-reprint.txt and audited (paper_flow_reprint; said when there
 * is no printer). */
void slip_flow_print(counter *k, case_flow *cs);
/* Enter or Esc on the slip: FLOW_HOME when it is recorded; else it is made
 * again (FLOW_STAY) rather than lost. */
flow_outcome slip_flow_done(counter *k, case_flow *cs);

#endif
