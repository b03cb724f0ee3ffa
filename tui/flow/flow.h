/* tui/flow: what the counter does, without a screen. No curses here: a flow
 * takes the counter's parts (counter.h), acts on the store and the devices,
 * and returns an outcome (flow_outcome) that the screen turns into
 * navigation; what it has to say it leaves in the case (step_msg) or says
 * through the counter. Flows are unit-tested with the demo devices and a
 * real database file (tests/unit/test_flow_*.c).
 *
 * | file            | holds                                                    | public |
 * |-----------------|----------------------------------------------------------|--------|
 * | flow.h          | this table; includes every public header below           | yes    |
 * | counter.[ch]    | the counter's parts, its strings, say and progress        | yes    |
 * | case_flow.[ch]  | the case: open, resume, commit, details, decision, approval, cancel, going back and corrections | yes |
 * | token_flow.[ch] | the token step: demo op by op, or the real key part      | yes    |
 * | tokstep.c       | the real key part through PC/SC and the issuer, one transaction | (token_flow.h) |
 * | poll_job.[ch]   | one payment query on a thread of its own                 | (pay_flow) |
 * | pay_flow.[ch]   | the payment: order, resume, polling thread, cancel       | yes    |
 * | refund_flow.[ch]| a paid case refunded: check, supervisor's approval, send  | yes    |
 * | subject.[ch]    | what an approval is about: unit, USCC, service, money, key | yes    |
 * | train_flow.[ch] | the trainer's session: scenarios, a play's start, scoring, stop | yes |
 * | slip_flow.[ch]  | the slip or notice: render, save, print, commit          | yes    |
 * | paper_flow.[ch] | any case's slip or notice read back, reprinted marked 补打 and audited | yes |
 * | supp_flow.[ch]  | 容缺补交 (find, mark, complete, the 容缺补交回执) and 好差评 (rate, follow up) | yes |
 * | session.[ch]    | sign-in, idle lock, unlock, takeover and handing back, sign-out | yes |
 * | staff_flow.[ch] | a supervisor's changes of the staff: list, add, unlock, PIN, disable | yes |
 * | seal_flow.[ch]  | forward-secure sealing at the tick and the day close     | yes    |
 * | ship_job.[ch]   | the hall's shipper: kioskctl hall ship on a thread, every few seconds; the status line's 在线 / 离线 N 条待同步 | yes |
 * | registry.[ch]   | the hall's registry at the counter, behind an interface: kioskctl hall lookup in a child with a bound | yes |
 * | hallday.[ch]    | the hall's day for the supervisor's hall view: kioskctl hall day in a child with a bound, the PIN on its stdin; sums by window, clerk, service | yes |
 * | child.[ch]      | a program run with a deadline, input on its stdin, output read back | (hallday) |
 * | demo.[ch]       | trainer mode's staff, demo key and demo gateway          | yes    |
 *
 * Layering: flow → core, forms, db; nothing here includes tui/app,
 * tui/screens or tui/term (checked by tests/cli/test_layering.sh). */
#ifndef TUI_FLOW_FLOW_H
#define TUI_FLOW_FLOW_H

#include "tui/flow/case_flow.h"
#include "tui/flow/counter.h"
#include "tui/flow/demo.h"
#include "tui/flow/hallday.h"
#include "tui/flow/paper_flow.h"
#include "tui/flow/pay_flow.h"
#include "tui/flow/refund_flow.h"
#include "tui/flow/seal_flow.h"
#include "tui/flow/session.h"
#include "tui/flow/registry.h"
#include "tui/flow/ship_job.h"
#include "tui/flow/slip_flow.h"
#include "tui/flow/staff_flow.h"
#include "tui/flow/subject.h"
#include "tui/flow/supp_flow.h"
#include "tui/flow/token_flow.h"
#include "tui/flow/train_flow.h"

#endif
