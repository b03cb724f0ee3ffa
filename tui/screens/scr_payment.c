/* The payment screen: the fee with its breakdown, the WeChat Pay QR code, the
 * order's countdown and state; the demo payment is settled by the trainer
 * with F5 (tui/flow/pay_flow.c does the work). */
#include <curses.h>
#include <stdio.h>

#include "core/base/clock.h"
#include "core/print/qr.h"
#include "tui/screens/screens.h"
#include "tui/term/term.h"

int payment_draw_qr(app *a, int y, int x)
{
	case_flow *cs = a->cs;
	/* a code is drawn only while it can be paid and the store holds it */
	if (!cs || !cs->order_made || !pay_flow_qr_shown(cs, clock_now_ms()))
		return 0;
	kerr err = { 0 };
	qr_art *q = qr_render(cs->order.code_url, &err);
	if (!q)
		return 0;
	attron(term_attr(ST_QR));
	for (int i = 0; i < q->rows && y + i < LINES - 2; i++)
		draw_text(y + i, x, q->lines[i], q->width);
	attroff(term_attr(ST_QR));
	int w = q->width;
	qr_art_free(q);
	return w;
}

static void payment_enter(app *a)
{
	case_react(a, pay_flow_enter(&a->k, a->cs));
}

static void payment_draw(app *a)
{
	case_flow *cs = a->cs;
	if (!cs->order_made) {
		if (cs->step_msg[0]) {
			attron(term_attr(ST_ERROR));
			draw_wrapped(4, 2, COLS - 4, 3, cs->step_msg);
			attroff(term_attr(ST_ERROR));
		}
		return;
	}
	int64_t now = clock_now_ms();
	bool shown = pay_flow_qr_shown(cs, now);
	int w = payment_draw_qr(a, 2, 2);
	int x = w ? 2 + w + 2 : 2;
	char yuan[32], buf[256];
	int y = 3;
	str_var v[] = { { "amount", fees_format_yuan(cs->order.amount_fen, yuan, sizeof yuan) }, { NULL, NULL } };
	attron(A_BOLD);
	y += draw_wrapped(y, x, COLS - x - 1, 3, app_render(a, shown ? "pay.amount" : "pay.amount_due", v, buf, sizeof buf));
	attroff(A_BOLD);
	/* each figure as the slip says it: what it is per (a year, a seal a
	 * year, a key), a waived one as 免收 */
	char years[16], seals[16];
	snprintf(years, sizeof years, "%d", cs->years);
	snprintf(seals, sizeof seals, "%d", cs->seals);
	for (int i = 0; i < cs->quote.n_lines; i++, y++) {
		const fee_line *l = &cs->quote.lines[i];
		char fee[64], key[64], u[32], t[32], qty[16], line[200];
		snprintf(fee, sizeof fee, "fee.%s", fee_item_name(l->item));
		snprintf(key, sizeof key, "slip.fee_line.%s", fee_item_name(l->item));
		snprintf(qty, sizeof qty, "%d", l->qty);
		str_var fv[] = { { "item", app_str(a, fee) }, { "unit", fees_format_yuan(l->unit_fen, u, sizeof u) },
				 { "qty", qty }, { "years", years }, { "seals", seals },
				 { "amount", fees_format_yuan(l->total_fen, t, sizeof t) }, { NULL, NULL } };
		app_render(a, l->current ? "slip.fee_seal_current" : l->waived ? "slip.fee_waived" : key, fv,
			   line, sizeof line);
		snprintf(buf, sizeof buf, "%s = %s", line, t);
		y += draw_wrapped(y, x, COLS - x - 1, 2, buf) - 1; /* a long one on two rows */
	}
	y++;
	/* no code: what to do next instead */
	const char *next = shown ? NULL
			   : cs->rec_dirty || cs->create_unsure || !cs->order.code_url[0] ? NULL
			   : !pay_state_pending(cs->order.state) ? "pay.next.closed"
			   : "pay.next.expired";
	if (!shown && (cs->create_unsure || (!cs->rec_dirty && !cs->order.code_url[0])))
		next = "pay.next.wait";
	if (next)
		y += draw_wrapped(y, x, COLS - x - 1, 3, app_str(a, next)) + 1;
	y += draw_wrapped(y, x, COLS - x - 1, 2, app_str(a, pay_state_key(cs->order.state)));
	int64_t left = pay_flow_expires_ms(cs) - now;
	if (left < 0)
		left = 0;
	char mmss[48];
	snprintf(mmss, sizeof mmss, "%02lld:%02lld", (long long)(left / 60000), (long long)(left / 1000 % 60));
	str_var tv[] = { { "left", mmss }, { NULL, NULL } };
	draw_text(y++, x, app_render(a, "pay.expires_in", tv, buf, sizeof buf), COLS - x - 1);
	draw_text(y++, x, cs->order.out_trade_no, COLS - x - 1);
	if (cs->step_msg[0]) {
		attron(term_attr(ST_ERROR));
		draw_wrapped(y + 1, x, COLS - x - 1, 3, cs->step_msg);
		attroff(term_attr(ST_ERROR));
	}
}

static bool payment_act(app *a, action_id act)
{
	case_flow *cs = a->cs;
	switch (act) {
	case ACT_NONE: /* a tick: ask the gateway every poll_seconds, in the background */
		/* paid and recorded while this screen was away */
		case_react(a, case_flow_next(cs) != STEP_PAYMENT ? FLOW_NEXT : pay_flow_tick(&a->k, cs));
		return true;
	case ACT_NEXT:
		case_react(a, cs->order_made ? pay_flow_poll(&a->k, cs) : pay_flow_create(&a->k, cs));
		return true;
	case ACT_PAID:
		case_react(a, pay_flow_settle_demo(&a->k, cs));
		return true;
	case ACT_PAY_AGAIN:
		case_react(a, pay_flow_again(&a->k, cs));
		return true;
	case ACT_CANCEL:
		case_ask_cancel(a); /* the order is closed before the case is cancelled */
		return true;
	default:
		return case_common_act(a, act);
	}
}

const screen_ops scr_payment = { SCR_PAYMENT, 0, false, payment_enter, NULL, payment_draw, NULL, payment_act };
