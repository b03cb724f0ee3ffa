/* The case in progress at the app's level: starting and taking up a case
 * (tui/flow/case_flow.c does the work), going to the screen of its next step,
 * turning a flow's outcome into navigation, and the keys every case screen
 * shares (F8 cancel, Esc home with the case kept, the demo key in and out). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/screens/screens.h"

static const screen_id step_screen[STEP_COUNT] = {
	[STEP_DETAILS] = SCR_DETAILS,   [STEP_MATERIALS] = SCR_MATERIALS,
	[STEP_DECISION] = SCR_DECISION, [STEP_APPROVAL] = SCR_APPROVAL,
	[STEP_TOKEN] = SCR_TOKEN,       [STEP_PAYMENT] = SCR_PAYMENT,
	[STEP_SLIP] = SCR_SLIP,
};

void case_end(app *a)
{
	if (!a->cs)
		return;
	/* home shows the case that just ended selected, whichever row it is on
	 * now (new cases arrive at the top): F8 there is about this case */
	snprintf(a->go_case, sizeof a->go_case, "%s", a->cs->rec.case_no);
	pay_flow_wait(a->cs);
	case_flow_free(a->cs);
	a->cs = NULL;
}

void case_pay_wait(app *a)
{
	if (a->cs)
		pay_flow_wait(a->cs);
}

void case_goto_next(app *a)
{
	case_flow *cs = a->cs;
	case_step next = case_flow_next(cs);
	if (next == STEP_NONE) {
		case_end(a);
		app_go(a, SCR_HOME);
		return;
	}
	cs->step_msg[0] = '\0';
	cs->step_failed = false;
	app_go(a, step_screen[next]);
}

void case_react(app *a, flow_outcome out)
{
	if (out == FLOW_NEXT) {
		case_goto_next(a);
	} else if (out == FLOW_HOME) {
		case_end(a);
		app_go(a, SCR_HOME);
	}
}

void case_start(app *a, const service *svc)
{
	case_flow *cs = case_flow_open(&a->k, svc);
	if (!cs)
		return;
	case_end(a);
	a->cs = cs;
	case_goto_next(a);
}

int case_resume(app *a, const char *case_no)
{
	if (a->cs && strcmp(a->cs->rec.case_no, case_no) == 0) {
		case_goto_next(a); /* the case left with Esc: what was typed is still here */
		return 0;
	}
	case_flow *cs = case_flow_resume(&a->k, case_no);
	if (!cs)
		return -1;
	case_end(a);
	a->cs = cs;
	case_goto_next(a);
	return 0;
}

/* The reason picked from kiosk.ini's [cancel] reasons, in words with what
 * the clerk added ("other" needs words); at the payment the order is closed
 * first. False keeps the list up. */
static bool cancel_with_reason(app *a, int ix, const char *text)
{
	const kiosk_config *cfg = a->k.cfg;
	if (!a->cs || ix < 0 || ix >= cfg->n_cancel_reasons)
		return true;
	const char *code = cfg->cancel_reasons[ix];
	if (strcmp(code, "other") == 0 && !text[0]) {
		app_flash(a, app_str(a, "cancel.note_needed"));
		return false;
	}
	char key[64], why[768];
	snprintf(key, sizeof key, "cancel.reason.%s", code);
	snprintf(why, sizeof why, "%s%s%s", app_str(a, key), text[0] ? "：" : "", text);
	if (a->screen == SCR_PAYMENT)
		case_react(a, pay_flow_cancel_why(&a->k, a->cs, code, why));
	else
		case_react(a, case_flow_cancel_coded(&a->k, a->cs, code, why));
	return true;
}

/* F8 on any case screen: why, from the configured list or in words. */
void case_ask_cancel(app *a)
{
	const kiosk_config *cfg = a->k.cfg;
	const char *items[APP_CHOICES_MAX];
	int n = 0;
	for (int i = 0; i < cfg->n_cancel_reasons && n < APP_CHOICES_MAX; i++) {
		char key[64];
		snprintf(key, sizeof key, "cancel.reason.%s", cfg->cancel_reasons[i]);
		items[n++] = app_str(a, key);
	}
	app_choose(a, app_str(a, a->screen == SCR_PAYMENT ? "pay.ask_cancel" : "cancel.title"), items, n,
		   cancel_with_reason);
}

static void withdraw_case(app *a)
{
	case_react(a, case_flow_withdraw(&a->k, a->cs));
}

/* Case-wide actions every case screen shares: F8 cancels, Esc goes home with
 * the case kept (it can be resumed), F5/F6 put a demo key in and take it out. */
bool case_common_act(app *a, action_id act)
{
	switch (act) {
	case ACT_CANCEL:
		if (train_on_cancel(a))
			return true;
		case_ask_cancel(a);
		return true;
	case ACT_WITHDRAW:
		if (train_on_cancel(a)) /* a scenario stops with the trainer's reasons */
			return true;
		if (!case_flow_withdrawable(a->cs)) {
			app_flash(a, app_str(a, "withdraw.too_late"));
			return true;
		}
		app_ask(a, app_str(a, "withdraw.ask"), withdraw_case);
		return true;
	case ACT_T_GATEWAY:
	case ACT_T_PIN_LOCK:
		return train_control(a, act);
	case ACT_BACK:
		/* Nothing typed is lost: the case stays in memory (and its committed
		 * steps in the database) and Enter on it at home comes back here. */
		snprintf(a->go_case, sizeof a->go_case, "%s", a->cs->rec.case_no);
		app_go(a, SCR_HOME);
		return true;
	case ACT_KEY_IN:
		if (a->k.demo) {
			token_demo_entry keys[32];
			kerr err = { 0 };
			long n = token_demo_list(a->k.tok, keys, 32, &err);
			long cur = -1;
			for (long i = 0; i < n; i++)
				if (keys[i].in_slot)
					cur = i;
			if (n > 0) {
				token_demo_pull(a->k.tok, &err);
				token_demo_insert(a->k.tok, keys[(cur + 1) % n].serial, &err);
			}
		}
		if (a->screen == SCR_DETAILS)
			case_read_key(&a->k, a->cs);
		return true;
	case ACT_KEY_OUT:
		if (a->k.demo) {
			kerr err = { 0 };
			token_demo_pull(a->k.tok, &err);
		}
		a->cs->key_read = false;
		return true;
	default:
		return false;
	}
}

