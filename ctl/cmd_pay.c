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
 * refund number. Exit: 0 sent (or refunded already), 1 refused, 2 usage or
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
	"usage: kioskctl pay reconcile --date YYYY-MM-DD --by SUPERVISOR_ID\n"               \
	"       kioskctl pay diffs --date YYYY-MM-DD --by SUPERVISOR_ID\n"                   \
	"       kioskctl pay resolve --id N --note TEXT --by SUPERVISOR_ID\n"                \
	"       kioskctl pay refund-duplicate (--id N | --case NO [--order OUT_TRADE_NO])\n" \
	"                --reason TEXT --by STAFF_ID --approver SUPERVISOR_ID\n"            \
	"  (--config DIR, --db FILE; the PIN is read from the terminal or one line of stdin;\n" \
	"   refund-duplicate reads the PIN of --by, then the PIN of --approver)"

static const char *fen_text(int64_t fen, char *buf)
{
	return fen < 0 ? "-" : fees_format_yuan(fen, buf, 24);
}

static void print_diff(const paydiff_rec *r, bool todo)
{
	char a[24], b[24], c[24];
	printf("#%lld %-15s %-8s case %s order %s%s%s  due %s booked %s bill %s\n",
	       (long long)r->id, recon_kind_name(r->d.kind), paydiff_status_name(r->status),
	       r->d.case_no[0] ? r->d.case_no : "-", r->d.out_trade_no[0] ? r->d.out_trade_no : "-",
	       r->d.out_refund_no[0] ? " refund " : "", r->d.out_refund_no, fen_text(r->d.due_fen, a),
	       fen_text(r->d.book_fen, b), fen_text(r->d.bill_fen, c));
	printf("    %s\n", r->d.detail);
	if (r->status != PD_OPEN) {
		char at[32];
		printf("    %s by %s at %s: %s\n", paydiff_status_name(r->status), r->resolved_by,
		       clock_format_local(r->resolved_ms, at, sizeof at), r->note);
	} else if (todo) {
		printf("    to do: %s\n", recon_kind_todo(r->d.kind));
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

static int reconcile(const args *a, const kiosk_config *cfg, kdb *db, long day)
{
	char date[16];
	civil_format(day, date, sizeof date);
	if (!cfg->payment.mode || strcmp(cfg->payment.mode, "wechat") != 0) {
		fprintf(stderr, "kioskctl: payment.mode is '%s': there is no WeChat Pay bill to "
			"reconcile with (set mode = wechat in kiosk.ini [payment])\n",
			cfg->payment.mode ? cfg->payment.mode : "");
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
		fprintf(stderr, "kioskctl: the trade bill of %s: %s (%s); nothing was recorded\n", date,
			kerr_text(&err, buf, sizeof buf), pay_result_name(r));
		goto out;
	}
	if (!f.empty && bill_parse(f.text, f.len, &b, &err)) {
		char buf[1024];
		fprintf(stderr, "kioskctl: the trade bill of %s (SHA-1 %s) cannot be read: %s; "
			"nothing was recorded\n", date, f.sha1, kerr_text(&err, buf, sizeof buf));
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
		printf("bill %s: none (WeChat Pay has no trade that day)\n", date);
	else
		printf("bill %s: %zu lines, SHA-1 %s (checked)\n", date, b.n, f.sha1);
	printf("kiosk %s: %zu cases, %zu orders, %zu refunds\n", date, cases, orders, refunds);
	printf("differences: %zu found (%zu new, %zu still open, %zu already explained), %zu "
	       "cleared; %zu open\n", n, o.added, o.kept, o.explained, o.cleared, o.open);
	long open = list_day(db, day, false, &err);
	if (open < 0) {
		fail_env(&err);
		goto out;
	}
	if (open > 0)
		printf("resolve each with: kioskctl pay resolve --id N --note TEXT --by ID\n");
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
static int pin_ok(kdb *db, const kiosk_config *cfg, const char *who, bool sup, const char *act)
{
	char pin[64], prompt[80];
	snprintf(prompt, sizeof prompt, "PIN of %.40s: ", who);
	if (ctl_read_pin(prompt, pin, sizeof pin) != 0) {
		fprintf(stderr, "kioskctl: no PIN of %s given on the terminal or stdin; nothing was done\n",
			who);
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
		fprintf(stderr, "kioskctl: %s is a %s; %s is a supervisor's (the PIN was not checked); "
			"nothing was done\n", who, staff_role_name(st.role), act);
		return EXIT_FINDING;
	case LOGIN_UNKNOWN:
		fprintf(stderr, "kioskctl: no active staff member '%s'; nothing was done\n", who);
		return EXIT_FINDING;
	case LOGIN_BAD_PIN:
	case LOGIN_LOCKED:
		fprintf(stderr, "kioskctl: wrong PIN for %s, or it must wait after wrong PINs; nothing "
			"was done\n", who);
		return EXIT_FINDING;
	case LOGIN_ERROR:
		break;
	}
	return fail_env(&err);
}

static void print_refund(const refund_rec *r)
{
	char y[24];
	printf("重复支付退款 %s: case %s order %s, %s yuan: %s%s%s\n", r->out_refund_no, r->case_no,
	       r->out_trade_no, fees_format_yuan(r->amount_fen, y, sizeof y), pay_refund_state_name(r->state),
	       r->refund_id[0] ? ", refund id " : "", r->refund_id);
	printf("    requested by %s, approved by %s: %s\n", r->requested_by, r->approved_by, r->reason);
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
			return usage_error("%s", "--id N is a difference's number (kioskctl pay diffs)");
		int rc = db_paydiff_get(db, id, &d, &err);
		if (rc < 0)
			return fail_env(&err);
		if (rc == 1 || d.d.kind != RK_DUPLICATE || !d.d.case_no[0]) {
			fprintf(stderr, "kioskctl: %s %lld is not a charged-twice (duplicate) difference of a "
				"case; nothing was done\n", rc == 1 ? "there is no difference" : "difference",
				(long long)id);
			return EXIT_FINDING;
		}
		snprintf(case_no, sizeof case_no, "%s", d.d.case_no);
		snprintf(order, sizeof order, "%s", d.d.out_trade_no);
	} else {
		snprintf(case_no, sizeof case_no, "%s", opt(a, "case"));
		snprintf(order, sizeof order, "%s", opt(a, "order") ? opt(a, "order") : "");
	}
	if (!cfg->payment.mode || strcmp(cfg->payment.mode, "wechat") != 0) {
		fprintf(stderr, "kioskctl: payment.mode is '%s': the demo gateway lives in the kiosk; "
			"refund the duplicate payment there (F8 on the case)\n",
			cfg->payment.mode ? cfg->payment.mode : "");
		return EXIT_USAGE;
	}
	int rc = pin_ok(db, cfg, by, false, "asking for a refund");
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
		fprintf(stderr, "kioskctl: %s%s; nothing was done\n", kerr_text(&err, buf, sizeof buf),
			unsure ? " (WeChat Pay could not be asked about every order of the case)" : "");
		rc = trc < 0 ? EXIT_USAGE : EXIT_FINDING;
		goto out;
	}
	refund_rec r;
	trc = db_refund_get(db, t.out_refund_no, &r, &err);
	if (trc < 0) {
		rc = fail_env(&err);
		goto out;
	}
	if (trc == 0 && r.state != PAY_REFUND_PENDING && r.state != PAY_REFUND_PROCESSING) {
		print_refund(&r);
		printf("asked for already: nothing was sent\n");
		rc = r.state == PAY_REFUND_SUCCESS ? EXIT_OK : EXIT_FINDING;
		goto out;
	}
	if (trc == 1) {
		/* not asked for yet: the checker */
		if (!approver || !*approver || !reason || !*reason) {
			rc = usage_error("%s", "a new duplicate payment refund needs --reason TEXT and "
					 "--approver SUPERVISOR_ID (another supervisor approves with their PIN)");
			goto out;
		}
		rc = pin_ok(db, cfg, approver, true, "approving a refund");
		if (rc != EXIT_OK)
			goto out;
		if (db_refund_dup_approve(db, case_no, t.out_trade_no, by, approver, reason, &r, &err)) {
			char buf[1024];
			fprintf(stderr, "kioskctl: %s; nothing was done\n", kerr_text(&err, buf, sizeof buf));
			rc = EXIT_FINDING;
			goto out;
		}
	}
	pay_refund_state state;
	pay_result pr = refund_send(db, dev, by, &r, &state, &err);
	if (pr != PR_OK) {
		char buf[1024];
		print_refund(&r);
		fprintf(stderr, "kioskctl: the refund is approved and recorded, WeChat Pay has not taken "
			"it: %s (%s); run the same command again to send it (same refund number)\n",
			kerr_text(&err, buf, sizeof buf), pay_result_name(pr));
		rc = EXIT_USAGE;
		goto out;
	}
	if (db_refund_get(db, t.out_refund_no, &r, &err) == 0)
		print_refund(&r);
	if (state == PAY_REFUND_SUCCESS) {
		printf("the case keeps its payment; its charged-twice differences are resolved by %s\n",
		       r.approved_by);
	} else {
		printf("not final yet: run the same command again later (same refund number)\n");
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
		return usage_error("%s", PAY_USAGE);
	if (check_opts(a, dup ? "config db id case order reason by approver"
			      : res ? "config db id note by" : "config db date by"))
		return EXIT_USAGE;
	if (dup) {
		if (!opt(a, "id") == !opt(a, "case"))
			return usage_error("%s", "pay refund-duplicate needs --id N (a charged-twice "
					   "difference) or --case NO, one of them");
		if (!opt(a, "by") || !*opt(a, "by"))
			return usage_error("%s", "pay refund-duplicate needs --by STAFF_ID: who asks "
					   "for the refund");
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
			return usage_error("%s", "pay resolve needs --id N (a difference's number, "
					   "from kioskctl pay diffs)");
		if (!opt(a, "note") || !*opt(a, "note"))
			return usage_error("%s", "pay resolve needs --note TEXT: what was done "
					   "(refunded, booked, explained)");
	} else if (!opt(a, "date") || !civil_parse(opt(a, "date"), &day)) {
		return usage_error("%s", "the day is needed: --date YYYY-MM-DD (a real date)");
	}
	if (!opt(a, "by") || !*opt(a, "by"))
		return usage_error("pay %s is a supervisor's: give --by SUPERVISOR_ID", sub);
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
			if (r == 1)
				printf("%s has not been reconciled with WeChat Pay's bill\n", date);
			else if (r == 0)
				printf("%s last reconciled by %s at %s: %ld open\n", date, run.run_by,
				       clock_format_local(run.run_ms, at, sizeof at), run.still_open);
			long open = r < 0 ? -1 : list_day(db, day, true, &err);
			rc = open < 0 ? fail_env(&err) : open > 0 ? EXIT_FINDING : EXIT_OK;
		} else if (db_recon_resolve(db, id, opt(a, "by"), opt(a, "note"), &err)) {
			char buf[1024];
			fprintf(stderr, "kioskctl: %s; nothing was changed\n",
				kerr_text(&err, buf, sizeof buf));
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
