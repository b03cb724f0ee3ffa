/* tui/screens: one ops table per screen, each owning its private state
 * (tui/app/app.h says how), and what the screens share.
 *
 * | file            | screens                                                  |
 * |-----------------|----------------------------------------------------------|
 * | screens.[ch]    | this table; the table of every screen's ops (screens[])  |
 * | scr_login.c     | login, the idle lock (unlock, takeover), F1 help         |
 * | scr_home.c      | home (today's cases, find, resume), the service picker   |
 * | case.c          | the case at the app's level (start, resume, react), shared keys |
 * | scr_details.c   | the details of the case (unit, agent, key, fee)          |
 * | scr_case.c      | materials, decision, approval                            |
 * | scr_token.c     | the token step                                           |
 * | scr_payment.c   | the payment (QR, countdown, state)                       |
 * | scr_slip.c      | the slip or the notice; any case's paper, reprinted (F11) |
 * | scr_super.c     | the supervisor's day view, timeline, day close, refund   |
 * | scr_hall.c      | the day view in hall mode (全厅): every window and clerk of the hall, from the centre |
 * | scr_supp.c      | 容缺补交 (find, mark, complete), its slip; the rating; a 差评's follow-up |
 * | scr_staff.c     | the supervisor's staff: list, add, unlock, new PIN, disable |
 * | scr_train.c     | the trainer's scenarios, stop reasons, score sheet       |
 *
 * screens.h is the only header; main() (tui/kiosk.c) includes it. */
#ifndef TUI_SCREENS_SCREENS_H
#define TUI_SCREENS_SCREENS_H

#include "tui/app/app.h"

/* ---- papers (tui/screens/scr_slip.c) ---- */
/* F11 on a case (home, the day view, the timeline): its slip or notice as
 * saved, F5 reprints it (marked 补打, audited); Esc comes back to the
 * screen it was opened from, on the same case. Nothing happens, said, when
 * the case has no paper. */
void paper_open(app *a, const char *case_no);

/* ---- supervisor (tui/screens/scr_super.c) ---- */
/* F8 at home (or in the day view) on a case: a duplicate payment of it
 * (flagged as paid twice) is refunded first, on its own (重复支付退款: the
 * case keeps its payment); else the case is cancelled and its verified
 * payment refunded. Either once a supervisor (not the case's clerk, not the
 * one asking) approves with id and PIN on the refund screen.
 * refund_start_dup: F8 on a charged-twice difference of the day view, the
 * duplicate of order out_trade_no ("" the case's flagged one) only. */
void refund_start(app *a, const char *case_no);
void refund_start_dup(app *a, const char *case_no, const char *out_trade_no);

/* ---- 好差评 (tui/screens/scr_supp.c) ---- */
/* F6 on a slip: the customer's rating of case_no (GB/T 39734: five levels
 * or 未评价, and their words), taken by on_choose; said instead when the case
 * is rated already. */
void rating_ask(app *a, const char *case_no, bool (*on_choose)(app *a, int ix, const char *text));
/* on_choose for the case in progress's slip (scr_slip.c). */
bool rating_on_slip(app *a, int ix, const char *text);

/* ---- trainer (tui/screens/scr_train.c), demo mode only ----
 * The hooks the case screens call while a scenario is being played; each
 * does nothing when no scenario is (a->train NULL or idle). */
/* The decision was committed: score the play (accept / rongque / refuse). */
void train_on_decision(app *a);
/* F8 during a scenario: ask why the service stops (SCR_STOP) instead of the
 * plain cancel; true when taken. */
bool train_on_cancel(app *a);
/* The trainer's controls during a scenario: ACT_T_GATEWAY (the gateway
 * fails), ACT_T_PIN_LOCK (the key's PIN is locked); true when taken. */
bool train_control(app *a, action_id act);
/* The scenario being played, for the title line ("" when none). */
const char *train_banner(const app *a);
void train_free(app *a);


/* The case in progress (tui/screens/case.c): start one, take one up, end
 * it, go to its next step, and turn a flow's outcome into navigation. */
/* scr_payment.c: the case's QR code at (y, x) while its order can be paid
 * and is recorded (the payment screen, and the idle lock over it); the
 * width drawn, 0 when no code is shown. */
int payment_draw_qr(app *a, int y, int x);

void case_start(app *a, const service *svc);
int case_resume(app *a, const char *case_no);
void case_end(app *a);
void case_goto_next(app *a);
/* Wait for the case's payment query in flight, if any (the gateway is used
 * by one thread at a time). */
void case_pay_wait(app *a);
/* FLOW_NEXT: the next step; FLOW_HOME: the case ends, home; else stay. */
void case_react(app *a, flow_outcome out);
/* F8: ask why the case is cancelled (kiosk.ini [cancel] reasons, or words),
 * then cancel it (at the payment, the order is closed first). */
void case_ask_cancel(app *a);
/* The words of kiosk.ini's [cancel] reason ix (0 <= ix < n_cancel_reasons),
 * as F8 in a case and the refund's reason offer them. */
const char *cancel_reason_words(app *a, int ix);
/* F8 cancel, F7 withdraw (details, nothing confirmed yet), Esc a step back
 * (home from the first step, the case kept), F3 the supervised correction
 * past the point of no return, demo key picked from a list / out: shared
 * by the case screens. */
bool case_common_act(app *a, action_id act);

#endif
