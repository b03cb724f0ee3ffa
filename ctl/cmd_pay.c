/* kioskctl pay: the reconciliation with WeChat Pay's own bill
 * (docs/reconciliation.md). `pay reconcile` downloads the day's trade bill
 * (verified answer, SHA-1 of the file), matches it with the day's cases,
 * orders and refunds, records the run and every difference in the audit
 * chain and lists what is open; `pay diffs` lists a day's differences;
 * `pay resolve` records who explained one and how. All are a supervisor's
 * (--by and the PIN). Exit: 0 nothing open, 1 differences open (or a
 * refusal), 2 usage or environment (the bill not ready, the gateway down). */
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
#include "db/repo/staff_repo.h"
#include "db/report/paydiffs.h"

#define PAY_USAGE                                                                          \
	"usage: kioskctl pay reconcile --date YYYY-MM-DD --by SUPERVISOR_ID\n"               \
	"       kioskctl pay diffs --date YYYY-MM-DD --by SUPERVISOR_ID\n"                   \
	"       kioskctl pay resolve --id N --note TEXT --by SUPERVISOR_ID\n"                \
	"  (--config DIR, --db FILE; the PIN is read from the terminal or one line of stdin)"

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
	int sup = ctl_supervisor(a, db, "reconciling the payments");
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

int cmd_pay(const args *a)
{
	const char *sub = a->n_words == 2 ? a->words[1] : "";
	bool rec = strcmp(sub, "reconcile") == 0, diffs = strcmp(sub, "diffs") == 0,
	     res = strcmp(sub, "resolve") == 0;
	if (!rec && !diffs && !res)
		return usage_error("%s", PAY_USAGE);
	if (check_opts(a, res ? "config db id note by" : "config db date by"))
		return EXIT_USAGE;
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
	} else if ((rc = ctl_supervisor(a, db, diffs ? "listing payment differences"
						  : "resolving a payment difference")) == EXIT_OK) {
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
