/* The end of a case: the token step (the service's key operations, asked for
 * once before anything is written, each failure explained), the payment (the
 * fee with its breakdown, the WeChat Pay QR code, the order's countdown and
 * state; the demo payment is settled by the trainer with F5), and the slip
 * (受理回执, or the 一次性告知单 after a refusal), saved under the data
 * directory and sent to the print command. */
#include <curses.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/base/clock.h"
#include "core/print/printout.h"
#include "core/print/qr.h"
#include "core/case/rules.h"
#include "db/repo/payment_repo.h"
#include "forms/slip.h"
#include "tui/term/term.h"
#include "tui/app/app.h"

/* ---- token ---- */

static bool op_writes(token_op op)
{
	return op != TOP_READ && op != TOP_REVOKE_OLD;
}

static void token_enter(app *a)
{
	case_ctx *cs = a->cs;
	cs->token_op_ix = 0;
	cs->step_msg[0] = '\0';
	cs->token_resume = false;
	cs->confirm_serial[0] = '\0';
	if (!a->demo)
		tokstep_load_old_keys(a);
	a->key_dirty = true;
}

/* Reissue and revocation: the unit's keys on record, the one picked marked,
 * and for a reissue whether it was lost or broken. */
static int draw_old_keys(app *a, int y)
{
	case_ctx *cs = a->cs;
	if (a->demo || (cs->svc->kind != SVC_REISSUE && cs->svc->kind != SVC_REVOKE))
		return y;
	if (!cs->n_old_keys) {
		draw_wrapped(y, 4, COLS - 8, 2, app_str(a, "tokstep.old_none"));
		return y + 2;
	}
	draw_text(y++, 4, app_str(a, cs->n_old_keys > 1 ? "tokstep.old_pick" : "tokstep.old_one"), COLS - 8);
	for (size_t i = 0; i < cs->n_old_keys && y < LINES - 8; i++, y++) {
		const token_rec *k = &cs->old_keys[i];
		char na[16], line[512];
		snprintf(line, sizeof line, "%s %s  %s  %s  %s", i == cs->old_sel ? "▶" : " ", k->serial,
			 k->cert_serial, k->cert_not_after >= 0 ? civil_format(k->cert_not_after, na, sizeof na) : "-",
			 app_str(a, token_state_key(k->state)));
		if (i == cs->old_sel)
			attron(term_attr(ST_SELECT));
		draw_text(y, 6, line, COLS - 10);
		if (i == cs->old_sel)
			attroff(term_attr(ST_SELECT));
	}
	if (cs->svc->kind == SVC_REISSUE)
		draw_text(y++, 6, app_str(a, cs->old_broken ? "tokstep.old_broken" : "tokstep.old_lost"), COLS - 10);
	return y + 1;
}

static void token_draw(app *a)
{
	case_ctx *cs = a->cs;
	/* which reader the key is read through (a counter may have two) */
	const char *reader = a->demo ? "" : token_pcsc_reader(a->tok);
	if (reader[0]) {
		char buf[256];
		str_var v[] = { { "reader", reader }, { NULL, NULL } };
		draw_text(LINES - 3, 2, app_render(a, "tokstep.reader", v, buf, sizeof buf), COLS - 4);
	}
	attron(A_BOLD);
	draw_text(3, 2, cs->svc->label[a->lg], COLS - 4);
	attroff(A_BOLD);
	int y = 5;
	for (size_t i = 0; i < cs->svc->n_token_ops; i++, y++) {
		token_op op = cs->svc->token_ops[i];
		char name[64];
		snprintf(name, sizeof name, "token.%s", token_op_name(op));
		const char *mark = (int)i < cs->token_op_ix ? "✓" : (int)i == cs->token_op_ix ? "→" : " ";
		draw_text(y, 4, mark, 2);
		draw_text(y, 7, app_str(a, name), COLS - 10);
	}
	y++;
	y = draw_old_keys(a, y);
	const token_info *k = &a->key_info;
	if (a->key_seen && a->key_st == TOK_OK) {
		char na[16], sa[16], buf[512];
		str_var v[] = { { "serial", k->serial }, { "unit", k->unit_name[0] ? k->unit_name : "-" },
				{ "uscc", k->uscc[0] ? k->uscc : "-" },
				{ "expiry", k->not_after >= 0 ? civil_format(k->not_after, na, sizeof na) : "-" },
				{ "seal", k->seal_not_after >= 0 ? civil_format(k->seal_not_after, sa, sizeof sa) : "-" },
				{ NULL, NULL } };
		draw_wrapped(y, 4, COLS - 8, 2,
			     k->personalised ? app_render(a, "details.key_info", v, buf, sizeof buf)
					     : app_render(a, "tokstep.key_blank", v, buf, sizeof buf));
	} else if (a->key_seen) {
		draw_wrapped(y, 4, COLS - 8, 2, app_str(a, token_status_key(a->key_st)));
	} else if (!a->demo && a->reader_st == TOK_NO_READER) {
		draw_wrapped(y, 4, COLS - 8, 2, app_str(a, "token.status.no_reader"));
	} else {
		draw_text(y, 4, app_str(a, a->demo ? "details.insert_key_demo" : "details.insert_key"), COLS - 8);
	}
	if (cs->step_msg[0]) {
		attron(term_attr(cs->step_failed ? ST_ERROR : ST_OK));
		draw_wrapped(LINES - 6, 2, COLS - 4, 3, cs->step_msg);
		attroff(term_attr(cs->step_failed ? ST_ERROR : ST_OK));
	}
}

static token_status run_op(app *a, token_op op, char *note, size_t n)
{
	case_ctx *cs = a->cs;
	bool present = false;
	if (a->tok)
		token_present(a->tok, &present);
	note[0] = '\0';
	switch (op) {
	case TOP_REVOKE_OLD:
		snprintf(note, n, "old certificate revoked");
		return TOK_OK;
	case TOP_ERASE:
		if (!present) {
			snprintf(note, n, "key not brought: nothing erased");
			return TOK_OK;
		}
		return token_erase(a->tok);
	default:
		break;
	}
	if (!a->tok)
		return TOK_NO_READER;
	if (!present)
		return TOK_NO_KEY;
	switch (op) {
	case TOP_READ: {
		token_info k;
		token_status st = token_read_info(a->tok, &k);
		if (st == TOK_OK)
			snprintf(note, n, "read key %s", k.serial);
		return st;
	}
	case TOP_PERSONALISE:
		return token_personalise(a->tok, a->cat->rules.initial_pin);
	case TOP_WRITE_CERT: {
		long nb, na;
		long today = clock_today();
		rules_new_validity(cs->svc, today, cs->old_not_before >= 0 ? cs->old_not_before : today,
				   cs->old_not_after >= 0 ? cs->old_not_after : today, cs->rec.years > 0 ? cs->rec.years : 1,
				   &nb, &na);
		/* Until the issuer (a CA behind the issuer interface) assigns serials,
		 * the serial is the case number in hex: unique and the same on a retry. */
		char serial[TOKEN_CERT_SERIAL_MAX + 1];
		size_t k = 0;
		for (const char *p = cs->rec.case_no; *p && k + 2 < sizeof serial; p++, k += 2)
			snprintf(serial + k, 3, "%02x", (unsigned char)*p);
		serial[k] = '\0';
		token_cert c = { cs->rec.unit_name, cs->rec.uscc, serial, nb, na, NULL, 0 };
		token_status st = token_write_cert(a->tok, &c);
		char d1[16], d2[16];
		if (st == TOK_OK)
			snprintf(note, n, "certificate %s..%s", civil_format(nb, d1, sizeof d1),
				 civil_format(na, d2, sizeof d2));
		cs->old_not_after = na;
		cs->old_not_before = nb;
		return st;
	}
	case TOP_WRITE_SEAL: {
		token_info k;
		token_status st = token_read_info(a->tok, &k);
		if (st != TOK_OK)
			return st;
		return token_write_seal(a->tok, k.not_after);
	}
	case TOP_RESET_PIN:
		return token_reset_pin(a->tok, a->cat->rules.initial_pin);
	default:
		return TOK_NOT_SUPPORTED;
	}
}

static void run_ops(app *a)
{
	case_ctx *cs = a->cs;
	char detail[1024] = "", note[160];
	while (cs->token_op_ix < (int)cs->svc->n_token_ops) {
		token_op op = cs->svc->token_ops[cs->token_op_ix];
		token_status st = run_op(a, op, note, sizeof note);
		if (st != TOK_OK) {
			snprintf(cs->step_msg, sizeof cs->step_msg, "%s", app_str(a, token_status_key(st)));
			cs->step_failed = true;
			return;
		}
		size_t len = strlen(detail);
		snprintf(detail + len, sizeof detail - len, "%s%s%s%s", len ? "; " : "", token_op_name(op),
			 note[0] ? ": " : "", note);
		cs->token_op_ix++;
	}
	if (case_commit(a, STEP_TOKEN, detail))
		case_goto_next(a);
}

static void run_real(app *a)
{
	if (tokstep_run(a))
		case_goto_next(a);
}

/* A real kiosk: confirm the key that is in the reader, then run. */
static bool token_act_real(app *a, action_id act)
{
	case_ctx *cs = a->cs;
	if (act == ACT_NONE) {
		/* the key came back after being pulled mid-write: finish */
		if (cs->token_resume && a->key_seen && a->key_st == TOK_OK &&
		    (!cs->confirm_serial[0] || strcmp(a->key_info.serial, cs->confirm_serial) == 0))
			run_real(a);
		return true;
	}
	if (act == ACT_OLD_REASON) {
		if (cs->svc->kind == SVC_REISSUE)
			cs->old_broken = !cs->old_broken;
		return true;
	}
	if (act != ACT_NEXT)
		return case_common_act(a, act);
	cs->step_failed = false;
	cs->step_msg[0] = '\0';
	snprintf(cs->confirm_serial, sizeof cs->confirm_serial, "%s",
		 a->key_seen && a->key_st == TOK_OK ? a->key_info.serial : "");
	bool writes = false;
	for (size_t i = 0; i < cs->svc->n_token_ops; i++)
		writes |= op_writes(cs->svc->token_ops[i]);
	if (writes)
		app_ask(a, app_str(a, "token.ask_write"), run_real);
	else
		run_real(a);
	return true;
}

static bool token_key(app *a, const key_event *ev)
{
	case_ctx *cs = a->cs;
	if (a->demo || cs->n_old_keys < 2)
		return false;
	if (key_is(ev, KEY_UP) && cs->old_sel > 0)
		cs->old_sel--;
	else if (key_is(ev, KEY_DOWN) && cs->old_sel + 1 < cs->n_old_keys)
		cs->old_sel++;
	else
		return false;
	return true;
}

static bool token_act(app *a, action_id act)
{
	case_ctx *cs = a->cs;
	if (!a->demo)
		return token_act_real(a, act);
	if (act == ACT_NONE)
		return true;
	if (act != ACT_NEXT)
		return case_common_act(a, act);
	bool writes = false;
	for (size_t i = (size_t)cs->token_op_ix; i < cs->svc->n_token_ops; i++)
		writes |= op_writes(cs->svc->token_ops[i]);
	cs->step_failed = false;
	cs->step_msg[0] = '\0';
	if (writes)
		app_ask(a, app_str(a, "token.ask_write"), run_ops);
	else
		run_ops(a);
	return true;
}

/* ---- payment ---- */

static void record_payment(app *a)
{
	case_ctx *cs = a->cs;
	payment_rec p = { 0 };
	snprintf(p.case_no, sizeof p.case_no, "%s", cs->rec.case_no);
	snprintf(p.out_trade_no, sizeof p.out_trade_no, "%s", cs->order.out_trade_no);
	p.amount_fen = cs->order.amount_fen;
	snprintf(p.state, sizeof p.state, "%s", pay_state_name(cs->order.state));
	snprintf(p.transaction_id, sizeof p.transaction_id, "%s", cs->order.transaction_id);
	p.verified = cs->order.verified;
	kerr err = { 0 };
	if (db_payment_record(a->db, a->user.id, &p, &err) != 0)
		app_flash_err(a, &err);
}

static void make_order(app *a)
{
	case_ctx *cs = a->cs;
	kerr err = { 0 };
	payment_poll_wait(a);
	memset(&cs->order, 0, sizeof cs->order);
	if (!a->pay) {
		snprintf(cs->step_msg, sizeof cs->step_msg, "%s", app_str(a, "pay.result.not_supported"));
		cs->step_failed = true;
		return;
	}
	if (pay_trade_no(cs->rec.case_no, cs->pay_attempt, cs->order.out_trade_no) != 0)
		return;
	cs->order.amount_fen = cs->rec.fee_fen;
	snprintf(cs->order.description, sizeof cs->order.description, "%s", cs->svc->label[LANG_ZH]);
	cs->order.expire_ms = clock_now_ms() + (int64_t)a->cfg->payment.order_expiry_minutes * 60000;
	pay_result r = pay_create(a->pay, &cs->order, &err);
	if (r != PR_OK) {
		snprintf(cs->step_msg, sizeof cs->step_msg, "%s %s", app_str(a, pay_result_key(r)), err.msg);
		cs->step_failed = true;
		return;
	}
	cs->order_made = true;
	cs->step_failed = false;
	cs->step_msg[0] = '\0';
	record_payment(a);
	/* What the customer was shown to scan, for the supervisor and reconciliation. */
	db_audit_append(a->db, a->user.id, "payment.qr", cs->rec.case_no, cs->order.code_url, &err);
}

/* A case resumed at the payment step (the kiosk was restarted, or the clerk
 * came back to it): the order it already made, never a second one. An open
 * order comes back with the code the customer was shown, and the gateway is
 * asked at once (its answer counts); a closed one makes room for the next
 * attempt. True when an open order was taken up. */
static pay_result poll(app *a);
static bool resume_order(app *a)
{
	case_ctx *cs = a->cs;
	payment_rec p;
	char code_url[sizeof cs->order.code_url];
	kerr err = { 0 };
	if (db_payment_latest(a->db, cs->rec.case_no, &p, code_url, sizeof code_url, &err) != 0)
		return false;
	int attempt = 0;
	for (int k = 1; k <= 99 && !attempt; k++) {
		char no[PAY_TRADE_NO_MAX + 1];
		if (pay_trade_no(cs->rec.case_no, k, no) == 0 && strcmp(no, p.out_trade_no) == 0)
			attempt = k;
	}
	if (!attempt)
		return false;
	cs->pay_attempt = attempt;
	int st = pay_state_from_name(p.state);
	if (st == PAY_CLOSED || st == PAY_REVOKED || st == PAY_PAYERROR || st < 0) {
		cs->pay_attempt = attempt + 1;
		return false;
	}
	memset(&cs->order, 0, sizeof cs->order);
	snprintf(cs->order.out_trade_no, sizeof cs->order.out_trade_no, "%s", p.out_trade_no);
	snprintf(cs->order.code_url, sizeof cs->order.code_url, "%s", code_url);
	snprintf(cs->order.description, sizeof cs->order.description, "%s", cs->svc->label[LANG_ZH]);
	cs->order.amount_fen = p.amount_fen;
	cs->order.state = (pay_state)st;
	/* the countdown: from when the order was recorded (within a second of
	 * the time_expire the gateway was given) */
	cs->order.expire_ms = p.created_ms + (int64_t)a->cfg->payment.order_expiry_minutes * 60000;
	cs->order_made = true;
	/* the gateway never had it (the demo gateway forgets on restart; a create
	 * that was recorded but not sent): the same number is created now */
	if (poll(a) == PR_NOT_FOUND) {
		cs->order_made = false;
		make_order(a);
	}
	return true;
}

static void payment_enter(app *a)
{
	case_ctx *cs = a->cs;
	if (cs->rec.fee_fen <= 0) {
		/* Nothing to charge (no seal bought, say): the step is recorded as such. */
		if (case_commit(a, STEP_PAYMENT, "nothing to pay"))
			case_goto_next(a);
		return;
	}
	if (!cs->order_made && !resume_order(a)) {
		if (cs->pay_attempt < 1)
			cs->pay_attempt = 1;
		make_order(a);
	}
}

/* Ask the gateway; the query's answer is what counts. */
/* Take the gateway's answer to a query: the query's answer is what counts. */
static pay_result apply_query(app *a, pay_result r, pay_order *o, const kerr *err)
{
	case_ctx *cs = a->cs;
	pay_state before = cs->order.state;
	if (r != PR_OK) {
		snprintf(cs->step_msg, sizeof cs->step_msg, "%s %s", app_str(a, pay_result_key(r)), err->msg);
		cs->step_failed = true;
		return r;
	}
	/* no such order at the gateway: the order in hand stays as it is */
	if (o->state == PAY_NOTFOUND) {
		snprintf(cs->step_msg, sizeof cs->step_msg, "%s", app_str(a, pay_result_key(PR_NOT_FOUND)));
		cs->step_failed = true;
		return PR_NOT_FOUND;
	}
	cs->step_failed = false;
	cs->step_msg[0] = '\0';
	/* a query does not repeat the code or the expiry: keep what the create gave */
	if (!o->code_url[0])
		snprintf(o->code_url, sizeof o->code_url, "%s", cs->order.code_url);
	if (!o->expire_ms)
		o->expire_ms = cs->order.expire_ms;
	if (!o->description[0])
		snprintf(o->description, sizeof o->description, "%s", cs->order.description);
	cs->order = *o;
	if (o->state != before)
		record_payment(a);
	if (o->state == PAY_SUCCESS && o->verified) {
		char detail[96];
		snprintf(detail, sizeof detail, "paid %lld fen, transaction %s", (long long)o->amount_fen,
			 o->transaction_id);
		if (case_commit(a, STEP_PAYMENT, detail))
			case_goto_next(a);
	}
	return PR_OK;
}

/* The periodic query runs on a thread of its own, so a slow gateway (up to
 * the client's timeouts and retries) never freezes the screen; its answer is
 * taken on the main thread at the next tick. The device is used by one
 * thread at a time: every other gateway call first waits for the query in
 * flight (poll_wait). */
struct poll_job {
	pthread_t th;
	atomic_bool done;
	pay_dev *dev;
	char no[PAY_TRADE_NO_MAX + 1];
	pay_order out;
	pay_result r;
	kerr err;
};

static void *poll_thread(void *arg)
{
	struct poll_job *j = arg;
	j->r = pay_query(j->dev, j->no, &j->out, &j->err);
	atomic_store(&j->done, true);
	return NULL;
}

/* Wait for the query in flight, if any; its answer is dropped when the case
 * has moved on (discard), else taken. */
static void poll_finish(app *a, bool discard)
{
	case_ctx *cs = a->cs;
	struct poll_job *j = cs ? cs->poll_job : NULL;
	if (!j)
		return;
	pthread_join(j->th, NULL);
	cs->poll_job = NULL;
	if (!discard && cs->order_made && strcmp(j->no, cs->order.out_trade_no) == 0)
		apply_query(a, j->r, &j->out, &j->err);
	free(j);
}

void payment_poll_wait(app *a)
{
	poll_finish(a, true);
}

/* Ask the gateway now and wait for the answer. */
static pay_result poll(app *a)
{
	case_ctx *cs = a->cs;
	poll_finish(a, true);
	if (!cs->order_made || !a->pay)
		return PR_NOT_SUPPORTED;
	pay_order o;
	kerr err = { 0 };
	pay_result r = pay_query(a->pay, cs->order.out_trade_no, &o, &err);
	return apply_query(a, r, &o, &err);
}

/* The tick: take an answer that arrived; start a query when one is due. */
static void poll_tick(app *a)
{
	case_ctx *cs = a->cs;
	if (cs->poll_job && atomic_load(&cs->poll_job->done)) {
		poll_finish(a, false);
		return;
	}
	if (cs->poll_job || !cs->order_made || !a->pay ||
	    clock_now_ms() - cs->last_poll_ms < (int64_t)a->cfg->payment.poll_seconds * 1000)
		return;
	cs->last_poll_ms = clock_now_ms();
	struct poll_job *j = calloc(1, sizeof *j);
	if (!j) {
		poll(a);
		return;
	}
	atomic_init(&j->done, false);
	j->dev = a->pay;
	snprintf(j->no, sizeof j->no, "%s", cs->order.out_trade_no);
	if (pthread_create(&j->th, NULL, poll_thread, j) != 0) {
		free(j);
		poll(a); /* no thread: ask in line */
		return;
	}
	cs->poll_job = j;
}

static void payment_draw(app *a)
{
	case_ctx *cs = a->cs;
	if (!cs->order_made) {
		if (cs->step_msg[0]) {
			attron(term_attr(ST_ERROR));
			draw_wrapped(4, 2, COLS - 4, 3, cs->step_msg);
			attroff(term_attr(ST_ERROR));
		}
		return;
	}
	kerr err = { 0 };
	qr_art *q = qr_render(cs->order.code_url, &err);
	int x = 2;
	if (q) {
		attron(term_attr(ST_QR));
		for (int i = 0; i < q->rows && 2 + i < LINES - 2; i++)
			draw_text(2 + i, x, q->lines[i], q->width);
		attroff(term_attr(ST_QR));
		x += q->width + 2;
		qr_art_free(q);
	}
	char yuan[32], buf[256];
	int y = 3;
	str_var v[] = { { "amount", fees_format_yuan(cs->order.amount_fen, yuan, sizeof yuan) }, { NULL, NULL } };
	attron(A_BOLD);
	draw_text(y++, x, app_render(a, "pay.amount", v, buf, sizeof buf), COLS - x - 1);
	attroff(A_BOLD);
	for (int i = 0; i < cs->quote.n_lines; i++, y++) {
		const fee_line *l = &cs->quote.lines[i];
		char fee[64], u[32], t[32];
		snprintf(fee, sizeof fee, "fee.%s", fee_item_name(l->item));
		snprintf(buf, sizeof buf, "%s %s×%d = %s%s", app_str(a, fee),
			 fees_format_yuan(l->unit_fen, u, sizeof u), l->qty,
			 fees_format_yuan(l->total_fen, t, sizeof t), l->waived ? " *" : "");
		draw_text(y, x, buf, COLS - x - 1);
	}
	y++;
	draw_text(y++, x, app_str(a, pay_state_key(cs->order.state)), COLS - x - 1);
	int64_t left = cs->order.expire_ms - clock_now_ms();
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

static void close_and_cancel(app *a)
{
	case_ctx *cs = a->cs;
	kerr err = { 0 };
	payment_poll_wait(a);
	if (cs->order_made && a->pay) {
		pay_result r = pay_close(a->pay, cs->order.out_trade_no, &err);
		if (r == PR_PAID) {
			/* the customer paid in the meantime: record it, do not cancel
			 * (a paid case is cancelled by refund, with a supervisor) */
			poll(a);
			app_flash(a, app_str(a, "pay.paid_meanwhile"));
			return;
		}
		if (r != PR_OK && r != PR_NOT_FOUND && r != PR_CLOSED) {
			/* the order may still be payable: keep the case and say so */
			snprintf(cs->step_msg, sizeof cs->step_msg, "%s %s", app_str(a, pay_result_key(r)),
				 err.msg);
			cs->step_failed = true;
			return;
		}
		if (r == PR_OK || r == PR_CLOSED) {
			cs->order.state = PAY_CLOSED;
			record_payment(a);
		}
	}
	memset(&err, 0, sizeof err);
	if (db_case_cancel(a->db, a->user.id, cs->rec.case_no, "cancelled at payment", &err) != 0) {
		app_flash_err(a, &err);
		return;
	}
	case_end(a);
	app_go(a, SCR_HOME);
}

static bool payment_act(app *a, action_id act)
{
	case_ctx *cs = a->cs;
	kerr err = { 0 };
	switch (act) {
	case ACT_NONE: /* a tick: ask the gateway every poll_seconds, in the background */
		poll_tick(a);
		return true;
	case ACT_NEXT:
		if (!cs->order_made)
			make_order(a);
		else
			poll(a);
		return true;
	case ACT_PAID:
		/* Trainer mode: the customer scans and pays. */
		payment_poll_wait(a);
		if (a->demo && cs->order_made)
			pay_demo_settle(a->pay, cs->order.out_trade_no, &err);
		poll(a);
		return true;
	case ACT_PAY_AGAIN:
		if (cs->order_made && cs->order.state != PAY_CLOSED) {
			app_flash(a, app_str(a, "pay.still_open"));
			return true;
		}
		cs->pay_attempt++;
		make_order(a);
		return true;
	case ACT_CANCEL:
		app_ask(a, app_str(a, "pay.ask_cancel"), close_and_cancel);
		return true;
	default:
		return case_common_act(a, act);
	}
}

/* ---- slip ---- */

static void slip_enter(app *a)
{
	case_ctx *cs = a->cs;
	if (cs->slip_text)
		return;
	checklist_result r;
	checklist_evaluate(cs->cl, &r);
	slip_data d = { 0 };
	d.str = a->str;
	d.lang = a->lg;
	d.site = a->cfg->site;
	d.window = a->cfg->window;
	d.demo = a->demo;
	d.svc = cs->svc;
	d.case_no = cs->rec.case_no;
	d.party = (slip_party){ cs->rec.unit_name, cs->rec.uscc, cs->rec.agent_name, cs->rec.agent_id_no,
				cs->rec.agent_mobile };
	d.decision = cs->rec.decision;
	d.notice = r.notice;
	d.n_notice = r.n_notice;
	d.rongque_deadline = cs->rec.rongque_deadline;
	d.fee = cs->quote.n_lines ? &cs->quote : NULL;
	d.transaction_id = cs->order.transaction_id;
	const char *reasons[1] = { cs->rule_msg };
	d.reasons = reasons;
	d.n_reasons = cs->rule_msg[0] ? 1 : 0;
	d.clerk_id = a->user.id;
	kerr err = { 0 };
	bool refused = cs->rec.decision == DEC_REFUSE;
	cs->slip_text = refused ? slip_render_notice(&d, &err) : slip_render_receipt(&d, &err);
	checklist_result_free(&r);
	if (!cs->slip_text) {
		kerr_text(&err, cs->step_msg, sizeof cs->step_msg);
		cs->step_failed = true;
		return;
	}
	const char *kind = refused ? "notice" : "slip";
	if (printout_save(a->data_dir, cs->rec.case_no, kind, cs->slip_text, cs->slip_text_path,
			  sizeof cs->slip_text_path, &err) != 0) {
		kerr_text(&err, cs->step_msg, sizeof cs->step_msg);
		cs->step_failed = true;
		return;
	}
	if (a->cfg->print_command[0] && printout_send(a->cfg->print_command, cs->slip_text_path, &err) != 0)
		kerr_text(&err, cs->step_msg, sizeof cs->step_msg);
	case_commit(a, STEP_SLIP, cs->slip_text_path);
}

static void slip_draw(app *a)
{
	case_ctx *cs = a->cs;
	int y = 3, skip = cs->slip_scroll;
	const char *p = cs->slip_text ? cs->slip_text : "";
	while (*p && y < LINES - 3) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (skip > 0) {
			skip--;
		} else {
			char line[1024];
			snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), p);
			draw_text(y++, 4, line, COLS - 6);
		}
		p += len + (nl ? 1 : 0);
	}
	if (cs->step_msg[0]) {
		attron(term_attr(ST_ERROR));
		draw_wrapped(LINES - 3, 2, COLS - 4, 1, cs->step_msg);
		attroff(term_attr(ST_ERROR));
	}
}

static bool slip_key(app *a, const key_event *ev)
{
	case_ctx *cs = a->cs;
	if (key_is(ev, KEY_DOWN) || key_is(ev, KEY_NPAGE)) {
		cs->slip_scroll += key_is(ev, KEY_NPAGE) ? 10 : 1;
		return true;
	}
	if (key_is(ev, KEY_UP) || key_is(ev, KEY_PPAGE)) {
		cs->slip_scroll -= key_is(ev, KEY_PPAGE) ? 10 : 1;
		if (cs->slip_scroll < 0)
			cs->slip_scroll = 0;
		return true;
	}
	return false;
}

static bool slip_act(app *a, action_id act)
{
	case_ctx *cs = a->cs;
	kerr err = { 0 };
	switch (act) {
	case ACT_PRINT:
		if (!a->cfg->print_command[0])
			app_flash(a, app_str(a, "slip.no_printer"));
		else if (printout_send(a->cfg->print_command, cs->slip_text_path, &err) != 0)
			app_flash_err(a, &err);
		return true;
	case ACT_NEXT:
	case ACT_BACK:
		if (cs->rec.last_step != STEP_SLIP) {
			/* The slip could not be saved: try again rather than lose it. */
			free(cs->slip_text);
			cs->slip_text = NULL;
			cs->step_msg[0] = '\0';
			slip_enter(a);
			return true;
		}
		case_end(a);
		app_go(a, SCR_HOME);
		return true;
	default:
		return false;
	}
}

const screen_ops scr_token = { SCR_TOKEN, token_enter, token_draw, token_key, token_act };
const screen_ops scr_payment = { SCR_PAYMENT, payment_enter, payment_draw, NULL, payment_act };
const screen_ops scr_slip = { SCR_SLIP, slip_enter, slip_draw, slip_key, slip_act };

extern const screen_ops scr_login, scr_home, scr_service, scr_details, scr_materials,
	scr_decision, scr_approval, scr_lock, scr_help, scr_day, scr_timeline, scr_refund, scr_train, scr_stop,
	scr_score;

const screen_ops *const screens[SCR_COUNT] = {
	[SCR_LOGIN] = &scr_login,         [SCR_HOME] = &scr_home,
	[SCR_SERVICE] = &scr_service,     [SCR_DETAILS] = &scr_details,
	[SCR_MATERIALS] = &scr_materials, [SCR_DECISION] = &scr_decision,
	[SCR_APPROVAL] = &scr_approval,   [SCR_TOKEN] = &scr_token,
	[SCR_PAYMENT] = &scr_payment,     [SCR_SLIP] = &scr_slip,
	[SCR_DAY] = &scr_day,             [SCR_TIMELINE] = &scr_timeline,
	[SCR_REFUND] = &scr_refund,
	[SCR_TRAIN] = &scr_train,         [SCR_STOP] = &scr_stop,
	[SCR_SCORE] = &scr_score,
	[SCR_LOCK] = &scr_lock,           [SCR_HELP] = &scr_help,
};
