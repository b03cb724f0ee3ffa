/* kioskctl pay: the reconciliation with WeChat Pay's own bill
 * (docs/reconciliation.md). `pay reconcile` downloads the day's trade bill
 * (verified answer, SHA-1 of the file), matches it with the day's cases,
 * orders and refunds, records the run and every difference in the audit
 * chain and lists what is open; `pay diffs` lists a day's differences;
 * `pay resolve` records who explained one and how. All are a supervisor's
 * (--by and the PIN). Exit: 0 nothing open, 1 differences open (or a
 * refusal), 2 usage or environment (the bill not ready, the gateway down).
 * `pay refund-duplicate` refunds a case's duplicate payment (重复支付退款),
 * maker-checker: asked for by --by (any staff), approved by --approver (a
 * supervisor who is neither --by nor the case's clerk), each with their PIN;
 * the same path as F8 at the kiosk (db/repo/refund_send.h). Run again, it
 * sends an approved refund the gateway has not answered, with the same
 * refund number (an ABNORMAL one too: once the merchant sent it to another
 * account, WeChat puts it through). Exit: 0 sent (or refunded already), 1
 * refused (or the refund ABNORMAL or CLOSED), 2 usage or
 * environment (demo mode, the gateway down: run it again). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/base/clock.h"
#include "core/case/fees.h"
#include "core/pay/bill.h"
#include "core/pay/pay.h"
#include "core/pay/recon.h"
#include "ctl/ctl.h"
#include "db/repo/recon_repo.h"
#include "db/repo/refund_repo.h"
#include "db/repo/refund_send.h"
#include "db/repo/staff_repo.h"
#include "db/report/paydiffs.h"

#define PAY_USAGE                                                                          \
	"kioskctl pay reconcile --date YYYY-MM-DD --by SUPERVISOR_ID\n"               \
	"       kioskctl pay diffs --date YYYY-MM-DD --by SUPERVISOR_ID\n"                   \
	"       kioskctl pay resolve --id N --note TEXT --by SUPERVISOR_ID\n"                \
	"       kioskctl pay refund-duplicate (--id N | --case NO [--order OUT_TRADE_NO])\n" \
	"                --reason TEXT --by STAFF_ID --approver SUPERVISOR_ID"

static const char *fen_text(int64_t fen, char *buf)
{
	return fen < 0 ? "-" : fees_format_yuan(fen, buf, 24);
}

static void print_diff(const paydiff_rec *r, bool todo)
{
	char a[24], b[24], c[24];
	char refund[80] = "";
	if (r->d.out_refund_no[0]) {
		char said[64];
		snprintf(refund, sizeof refund, " %s",
			 TEXT(said, "ctl.day.diff_refund", V("refund", r->d.out_refund_no)));
	}
	printf("#%lld %-15s %-8s ", (long long)r->id, recon_kind_name(r->d.kind),
	       paydiff_status_name(r->status));
	SAY(stdout, "ctl.pay.diff", V("case", r->d.case_no[0] ? r->d.case_no : "-"),
	    V("order", r->d.out_trade_no[0] ? r->d.out_trade_no : "-"), V("refund", refund),
	    V("due", fen_text(r->d.due_fen, a)), V("booked", fen_text(r->d.book_fen, b)),
	    V("bill", fen_text(r->d.bill_fen, c)));
	printf("    %s\n", r->d.detail);
	if (r->status != PD_OPEN) {
		char at[32];
		printf("    %s ", paydiff_status_name(r->status));
		SAY(stdout, "ctl.pay.resolved_by", V("by", r->resolved_by),
		    V("at", clock_format_local(r->resolved_ms, at, sizeof at)), V("note", r->note));
	} else if (todo) {
		char key[64];
		snprintf(key, sizeof key, "%s.todo", recon_kind_key(r->d.kind));
		fputs("    ", stdout);
		SAY(stdout, "ctl.pay.todo", V("todo", ctl_word(key)));
	}
}

/* The day's differences; returns how many are open. */
static long list_day(kdb *db, long day, bool all, kerr *err)
{
	paydiff_rec *list = NULL;
	size_t n = 0;
	if (db_paydiffs_of_day(db, day, &list, &n, err))
		return -1;
	long open = 0;
	for (size_t i = 0; i < n; i++) {
		open += list[i].status == PD_OPEN;
		if (all || list[i].status == PD_OPEN)
			print_diff(&list[i], true);
	}
	free(list);
	return open;
}

/* How many of the day's differences are open; -1 with err. */
static long count_open(kdb *db, long day, kerr *err)
{
	paydiff_rec *list = NULL;
	size_t n = 0;
	if (db_paydiffs_of_day(db, day, &list, &n, err))
		return -1;
	long open = 0;
	for (size_t i = 0; i < n; i++)
		open += list[i].status == PD_OPEN;
	free(list);
	return open;
}

static int reconcile(const args *a, const kiosk_config *cfg, kdb *db, long day)
{
	char date[16];
	civil_format(day, date, sizeof date);
	if (!cfg->payment.mode || strcmp(cfg->payment.mode, "wechat") != 0) {
		ERR("ctl.pay.not_wechat", V("mode", cfg->payment.mode ? cfg->payment.mode : ""));
		return EXIT_USAGE;
	}
	int sup = ctl_supervisor(a, db, "ctl.act.pay_reconcile");
	if (sup != EXIT_OK)
		return sup;
	const char *who = opt(a, "by");
	kerr err = { 0 };
	int rc = EXIT_USAGE;
	pay_dev *dev = pay_wechat_new(&cfg->payment, &err);
	pay_bill_file f = { 0 };
	bill b = { 0 };
	recon_book book = { 0 };
	recon_diff *d = NULL;
	size_t n = 0;
	if (!dev) {
		fail_env(&err);
		goto out;
	}
	pay_result r = pay_bill_download(dev, day, &f, &err);
	if (r != PR_OK) {
		char buf[1024];
		ERR("ctl.pay.bill_failed", V("date", date), V("error", kerr_text(&err, buf, sizeof buf)),
		    V("result", pay_result_name(r)));
		goto out;
	}
	if (!f.empty && bill_parse(f.text, f.len, &b, &err)) {
		char buf[1024];
		ERR("ctl.pay.bill_unreadable", V("date", date), V("sha1", f.sha1),
		    V("error", kerr_text(&err, buf, sizeof buf)));
		goto out;
	}
	if (db_recon_book(db, day, &b, &book, &err) || recon_match(&book, &b, &d, &n, &err)) {
		fail_env(&err);
		goto out;
	}
	recon_outcome o;
	if (db_recon_record(db, day, who, f.sha1, b.n, d, n, &o, &err)) {
		fail_env(&err);
		goto out;
	}
	size_t cases = book.n_cases, orders = 0, refunds = 0;
	for (size_t i = 0; i < book.n_pays; i++)
		orders += book.pays[i].of_day;
	for (size_t i = 0; i < book.n_refunds; i++)
		refunds += book.refunds[i].of_day;
	if (f.empty)
		SAY(stdout, "ctl.pay.bill_empty", V("date", date));
	else
		SAY(stdout, "ctl.pay.bill", V("date", date), V("n", NUM(b.n)), V("sha1", f.sha1));
	SAY(stdout, "ctl.pay.kiosk_day", V("date", date), V("cases", NUM(cases)), V("orders", NUM(orders)),
	    V("refunds", NUM(refunds)));
	SAY(stdout, "ctl.pay.differences", V("n", NUM(n)), V("added", NUM(o.added)), V("kept", NUM(o.kept)),
	    V("explained", NUM(o.explained)), V("cleared", NUM(o.cleared)), V("open", NUM(o.open)));
	long open = list_day(db, day, false, &err);
	if (open < 0) {
		fail_env(&err);
		goto out;
	}
	if (open > 0)
		SAY(stdout, "ctl.pay.resolve_each");
	rc = open > 0 ? EXIT_FINDING : EXIT_OK;
out:
	recon_book_free(&book);
	free(d);
	bill_free(&b);
	pay_bill_file_free(&f);
	pay_dev_free(dev);
	kerr lerr = { 0 };
	db_staff_logout(db, who, &lerr);
	return rc;
}

static int parse_id(const char *s, int64_t *id)
{
	char *end;
	errno = 0;
	long long v = s ? strtoll(s, &end, 10) : 0;
	if (!s || !*s || *end || errno || v < 1)
		return -1;
	*id = v;
	return 0;
}

/* One staff member's PIN, from the terminal or the next line of stdin:
 * sup: a supervisor's act. EXIT_OK, or the reason printed (EXIT_FINDING, or
 * EXIT_USAGE without a PIN). */
static int pin_ok(kdb *db, const kiosk_config *cfg, const char *who, bool sup, const char *act_key)
{
	char pin[64], prompt[160], whom[48];
	snprintf(whom, sizeof whom, "%.40s", who);
	TEXT(prompt, "ctl.sup.pin_prompt", V("id", whom));
	if (ctl_read_pin(prompt, pin, sizeof pin) != 0) {
		ERR("ctl.pay.no_pin", V("id", who));
		return EXIT_USAGE;
	}
	kerr err = { 0 };
	staff_rec st;
	login_result lr = sup ? db_staff_login_as(db, who, pin, ROLE_SUPERVISOR, cfg->login_max_failures,
						  cfg->login_max_wait_s, &st, NULL, &err)
			      : db_staff_login(db, who, pin, cfg->login_max_failures, cfg->login_max_wait_s, &st,
					       NULL, &err);
	explicit_bzero(pin, sizeof pin);
	switch (lr) {
	case LOGIN_OK:
		return EXIT_OK;
	case LOGIN_WRONG_ROLE:
	{
		char role[48];
		snprintf(role, sizeof role, "ctl.role.%s", staff_role_name(st.role));
		ERR("ctl.pay.wrong_role", V("id", who), V("role", ctl_word(role)), V("act", ctl_word(act_key)));
		return EXIT_FINDING;
	}
	case LOGIN_UNKNOWN:
		ERR("ctl.sup.unknown", V("id", who));
		return EXIT_FINDING;
	case LOGIN_BAD_PIN:
	case LOGIN_LOCKED:
		ERR("ctl.pay.bad_pin", V("id", who));
		return EXIT_FINDING;
	case LOGIN_ERROR:
		break;
	}
	return fail_env(&err);
}

static void print_refund(const refund_rec *r)
{
	char y[24];
	SAY(stdout, r->refund_id[0] ? "ctl.pay.refund_id" : "ctl.pay.refund", V("refund", r->out_refund_no),
	    V("case", r->case_no), V("order", r->out_trade_no),
	    V("yuan", fees_format_yuan(r->amount_fen, y, sizeof y)), V("state", pay_refund_state_name(r->state)),
	    V("id", r->refund_id));
	fputs("    ", stdout);
	SAY(stdout, "ctl.pay.refund_who", V("by", r->requested_by), V("approver", r->approved_by),
	    V("reason", r->reason));
}

static int refund_duplicate(const args *a, const kiosk_config *cfg, kdb *db)
{
	const char *by = opt(a, "by"), *approver = opt(a, "approver"), *reason = opt(a, "reason");
	char case_no[40] = "", order[33] = "";
	kerr err = { 0 };
	if (opt(a, "id")) {
		int64_t id;
		paydiff_rec d;
		if (parse_id(opt(a, "id"), &id))
			return USAGE("ctl.pay.bad_id");
		int rc = db_paydiff_get(db, id, &d, &err);
		if (rc < 0)
			return fail_env(&err);
		if (rc == 1 || d.d.kind != RK_DUPLICATE || !d.d.case_no[0]) {
			ERR(rc == 1 ? "ctl.pay.no_diff" : "ctl.pay.not_duplicate", V("id", NUM(id)));
			return EXIT_FINDING;
		}
		snprintf(case_no, sizeof case_no, "%s", d.d.case_no);
		snprintf(order, sizeof order, "%s", d.d.out_trade_no);
	} else {
		snprintf(case_no, sizeof case_no, "%s", opt(a, "case"));
		snprintf(order, sizeof order, "%s", opt(a, "order") ? opt(a, "order") : "");
	}
	if (!cfg->payment.mode || strcmp(cfg->payment.mode, "wechat") != 0) {
		ERR("ctl.pay.refund_demo", V("mode", cfg->payment.mode ? cfg->payment.mode : ""));
		return EXIT_USAGE;
	}
	int rc = pin_ok(db, cfg, by, false, "ctl.act.refund_ask");
	if (rc != EXIT_OK)
		return rc;
	pay_dev *dev = pay_wechat_new(&cfg->payment, &err);
	if (!dev) {
		rc = fail_env(&err);
		goto out;
	}
	/* an order of the case paid meanwhile is booked (and flagged) first */
	int unsure = 0;
	if (refund_take_up(db, dev, by, case_no, &unsure, &err) < 0) {
		rc = fail_env(&err);
		goto out;
	}
	dup_target t;
	int trc = db_refund_dup_target(db, case_no, order, &t, &err);
	if (trc != 0) {
		char buf[1024];
		ERR(unsure ? "ctl.pay.not_done_unsure" : "ctl.nothing_done", V("error", kerr_text(&err, buf, sizeof buf)));
		rc = trc < 0 ? EXIT_USAGE : EXIT_FINDING;
		goto out;
	}
	refund_rec r;
	trc = db_refund_get(db, t.out_refund_no, &r, &err);
	if (trc < 0) {
		rc = fail_env(&err);
		goto out;
	}
	/* not final: asked again with the same number (an ABNORMAL one too: once
	 * the merchant sent it to another account, WeChat answers SUCCESS) */
	if (trc == 0 && r.state != PAY_REFUND_PENDING && r.state != PAY_REFUND_PROCESSING &&
	    r.state != PAY_REFUND_ABNORMAL) {
		print_refund(&r);
		SAY(stdout, "ctl.pay.asked_already");
		rc = r.state == PAY_REFUND_SUCCESS ? EXIT_OK : EXIT_FINDING;
		goto out;
	}
	if (trc == 1) {
		/* not asked for yet: the checker */
		if (!approver || !*approver || !reason || !*reason) {
			rc = USAGE("ctl.pay.refund_needs");
			goto out;
		}
		rc = pin_ok(db, cfg, approver, true, "ctl.act.refund_approve");
		if (rc != EXIT_OK)
			goto out;
		if (db_refund_dup_approve(db, case_no, t.out_trade_no, by, approver, reason, &r, &err)) {
			char buf[1024];
			ERR("ctl.nothing_done", V("error", kerr_text(&err, buf, sizeof buf)));
			rc = EXIT_FINDING;
			goto out;
		}
	}
	pay_refund_state state;
	pay_result pr = refund_send(db, dev, by, &r, &state, &err);
	if (pr != PR_OK) {
		char buf[1024];
		print_refund(&r);
		ERR("ctl.pay.refund_not_taken", V("error", kerr_text(&err, buf, sizeof buf)),
		    V("result", pay_result_name(pr)));
		rc = EXIT_USAGE;
		goto out;
	}
	if (db_refund_get(db, t.out_refund_no, &r, &err) == 0)
		print_refund(&r);
	if (state == PAY_REFUND_SUCCESS) {
		SAY(stdout, "ctl.pay.refund_done", V("by", r.approved_by));
	} else if (state == PAY_REFUND_ABNORMAL) {
		SAY(stdout, "ctl.pay.refund_abnormal");
		rc = EXIT_FINDING;
		goto out;
	} else {
		SAY(stdout, "ctl.pay.refund_not_final");
	}
	rc = EXIT_OK;
out:
	pay_dev_free(dev);
	kerr lerr = { 0 };
	db_staff_logout(db, by, &lerr);
	if (approver && *approver)
		db_staff_logout(db, approver, &lerr);
	return rc;
}

int cmd_pay(const args *a)
{
	const char *sub = a->n_words == 2 ? a->words[1] : "";
	bool rec = strcmp(sub, "reconcile") == 0, diffs = strcmp(sub, "diffs") == 0,
	     res = strcmp(sub, "resolve") == 0, dup = strcmp(sub, "refund-duplicate") == 0;
	if (!rec && !diffs && !res && !dup)
		return ctl_usage_of(PAY_USAGE, "ctl.pay.usage_note");
	if (check_opts(a, dup ? "config db id case order reason by approver"
			      : res ? "config db id note by" : "config db date by"))
		return EXIT_USAGE;
	if (dup) {
		if (!opt(a, "id") == !opt(a, "case"))
			return USAGE("ctl.pay.refund_which");
		if (!opt(a, "by") || !*opt(a, "by"))
			return USAGE("ctl.pay.refund_by");
		kerr err = { 0 };
		kiosk_config *cfg = load_config(a, &err);
		if (!cfg)
			return fail_env(&err);
		kdb *db = open_db(a, DB_OPEN_EXISTING, &err);
		if (!db) {
			config_free(cfg);
			return fail_env(&err);
		}
		int rc = refund_duplicate(a, cfg, db);
		db_close(db);
		config_free(cfg);
		return rc;
	}
	long day = 0;
	int64_t id = 0;
	if (res) {
		if (parse_id(opt(a, "id"), &id))
			return USAGE("ctl.pay.resolve_id");
		if (!opt(a, "note") || !*opt(a, "note"))
			return USAGE("ctl.pay.resolve_note");
	} else if (!opt(a, "date") || !civil_parse(opt(a, "date"), &day)) {
		return USAGE("ctl.need_date");
	}
	if (!opt(a, "by") || !*opt(a, "by"))
		return USAGE("ctl.pay.need_by", V("sub", sub));
	kerr err = { 0 };
	kiosk_config *cfg = load_config(a, &err);
	if (!cfg)
		return fail_env(&err);
	kdb *db = open_db(a, DB_OPEN_EXISTING, &err);
	if (!db) {
		config_free(cfg);
		return fail_env(&err);
	}
	int rc;
	if (rec) {
		rc = reconcile(a, cfg, db, day);
	} else if ((rc = ctl_supervisor(a, db, diffs ? "ctl.act.pay_diffs" : "ctl.act.pay_resolve")) == EXIT_OK) {
		if (diffs) {
			recon_run_rec run;
			int r = db_recon_last(db, day, &run, &err);
			char date[16], at[32];
			civil_format(day, date, sizeof date);
			/* open now, not when the run ended: refunds and resolutions since
			 * then have closed some */
			long now_open = r == 0 ? count_open(db, day, &err) : 0;
			if (now_open < 0)
				r = -1;
			if (r == 1)
				SAY(stdout, "ctl.pay.never_reconciled", V("date", date));
			else if (r == 0)
				SAY(stdout, "ctl.pay.last_reconciled", V("date", date), V("by", run.run_by),
				    V("at", clock_format_local(run.run_ms, at, sizeof at)), V("open", NUM(now_open)));
			long open = r < 0 ? -1 : list_day(db, day, true, &err);
			rc = open < 0 ? fail_env(&err) : open > 0 ? EXIT_FINDING : EXIT_OK;
		} else if (db_recon_resolve(db, id, opt(a, "by"), opt(a, "note"), &err)) {
			char buf[1024];
			ERR("ctl.nothing_changed", V("error", kerr_text(&err, buf, sizeof buf)));
			rc = EXIT_FINDING;
		} else {
			paydiff_rec r;
			if (db_paydiff_get(db, id, &r, &err) == 0)
				print_diff(&r, false);
			rc = EXIT_OK;
		}
		kerr lerr = { 0 };
		db_staff_logout(db, opt(a, "by"), &lerr);
	}
	db_close(db);
	config_free(cfg);
	return rc;
}
