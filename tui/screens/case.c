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

const char *cancel_reason_words(app *a, int ix)
{
	char key[64];
	snprintf(key, sizeof key, "cancel.reason.%s", a->k.cfg->cancel_reasons[ix]);
	return app_str(a, key);
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
	char why[768];
	snprintf(why, sizeof why, "%s%s%s", cancel_reason_words(a, ix), text[0] ? "：" : "", text);
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
	for (int i = 0; i < cfg->n_cancel_reasons && n < APP_CHOICES_MAX; i++)
		items[n++] = cancel_reason_words(a, i);
	app_choose(a, app_str(a, a->screen == SCR_PAYMENT ? "pay.ask_cancel" : "cancel.title"), items, n,
		   cancel_with_reason);
}

static void withdraw_case(app *a)
{
	case_react(a, case_flow_withdraw(&a->k, a->cs));
}

/* The demo key the trainer picked goes in (the one there comes out first),
 * and the details screen reads it at once. */
static bool insert_demo_key(app *a, int ix, const char *text)
{
	(void)text;
	token_demo_entry keys[APP_CHOICES_MAX];
	kerr err = { 0 };
	long n = token_demo_list(a->k.tok, keys, APP_CHOICES_MAX, &err);
	if (ix < 0 || ix >= n || ix >= APP_CHOICES_MAX)
		return true;
	if (token_demo_pull(a->k.tok, &err) != 0 || token_demo_insert(a->k.tok, keys[ix].serial, &err) != 0) {
		app_flash_err(a, &err);
		return true;
	}
	if (a->cs && a->screen == SCR_DETAILS)
		case_read_key(&a->k, a->cs);
	return true;
}

/* F5 in trainer mode: which demo key the customer brings, from a list (its
 * serial, unit or blank, what it is for, a locked PIN flagged). */
static void ask_demo_key(app *a)
{
	token_demo_entry keys[APP_CHOICES_MAX];
	kerr err = { 0 };
	long n = token_demo_list(a->k.tok, keys, APP_CHOICES_MAX, &err);
	if (n < 0) {
		app_flash_err(a, &err);
		return;
	}
	if (n > APP_CHOICES_MAX)
		n = APP_CHOICES_MAX;
	char lines[APP_CHOICES_MAX][128];
	const char *items[APP_CHOICES_MAX];
	for (long i = 0; i < n; i++) {
		const token_demo_entry *e = &keys[i];
		snprintf(lines[i], sizeof lines[i], "%s  %s%s%s%s", e->serial,
			 e->personalised ? (e->unit_name[0] ? e->unit_name : app_str(a, "demo_key.no_cert"))
					 : app_str(a, "demo_key.blank"),
			 e->pin_locked ? "  " : "", e->pin_locked ? app_str(a, "demo_key.pin_locked") : "",
			 e->in_slot ? app_str(a, "demo_key.in_slot") : "");
		items[i] = lines[i];
	}
	app_pick(a, app_str(a, "demo_key.title"), items, (int)n, insert_demo_key);
}

/* Case-wide actions every case screen shares: F8 cancels, Esc goes one step
 * back (home from the first step, with the case kept: it can be resumed),
 * F3 corrects the agent's details past the point of no return, F5 picks the
 * demo key to put in and F6 takes it out. */
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
	case ACT_BACK: {
		/* One step back, before the key is written or the fee taken: the
		 * step is shown with what it holds, and confirmed again (a change
		 * is a correction, audited). From the first step, or past that
		 * point, home: nothing typed is lost, the case stays in memory
		 * (and its committed steps in the database) and Enter on it at
		 * home comes back here. */
		case_step here = STEP_NONE;
		for (int s = 0; s < STEP_COUNT; s++)
			if (step_screen[s] == a->screen)
				here = (case_step)s;
		case_step to = here == STEP_NONE ? STEP_NONE : case_flow_back(&a->k, a->cs, here);
		if (to != STEP_NONE) {
			app_go(a, step_screen[to]);
			return true;
		}
		snprintf(a->go_case, sizeof a->go_case, "%s", a->cs->rec.case_no);
		app_go(a, SCR_HOME);
		return true;
	}
	case ACT_CORRECT:
		/* past the point of no return: the agent's details, with a
		 * supervisor; before it, Esc goes back to any step */
		if (!case_flow_past_return(&a->k, a->cs)) {
			app_flash(a, app_str(a, "correct.use_esc"));
			return true;
		}
		a->cs->late_fix = true;
		a->cs->step_msg[0] = '\0';
		a->cs->step_failed = false;
		app_go(a, SCR_DETAILS);
		return true;
	case ACT_KEY_IN:
		if (a->k.demo)
			ask_demo_key(a);
		else if (a->screen == SCR_DETAILS)
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

