/* kioskctl report: the day's cases, counts and money (text or CSV), matching
 * the supervisor's day view. */
#include <stdio.h>
#include <string.h>

#include "core/casefsm.h"
#include "core/clock.h"
#include "core/fees.h"
#include "core/rules.h"
#include "ctl/ctl.h"
#include "db/report.h"

static void print_report_text(const daily_report *r, const char *date, const char *kiosk)
{
	char due[32], paid[32];
	printf("Daily report %s, kiosk %s: %zu cases\n", date, kiosk, r->n_cases);
	printf("status:");
	for (int s = 0; s < CS_COUNT; s++)
		printf(" %s %ld", case_status_name((case_status)s), r->by_status[s]);
	printf("\nfees due %s yuan, paid (verified) %s yuan, flagged %ld\n",
	       fees_format_yuan(r->due_fen, due, sizeof due),
	       fees_format_yuan(r->paid_fen, paid, sizeof paid), r->n_flagged);
	printf("by service:");
	for (size_t i = 0; i < r->n_by_service; i++)
		printf(" %s %ld", r->by_service[i].key, r->by_service[i].n);
	printf("\nby clerk:");
	for (size_t i = 0; i < r->n_by_clerk; i++)
		printf(" %s %ld", r->by_clerk[i].key, r->by_clerk[i].n);
	printf("\n");
	if (r->n_cases)
		printf("%-22s %-16s %-10s %-10s %-10s %10s %10s %-8s %s\n", "case", "service",
		       "clerk", "status", "step", "fee", "paid", "payment", "flags");
	for (size_t i = 0; i < r->n_cases; i++) {
		const report_case *c = &r->cases[i];
		printf("%-22s %-16s %-10s %-10s %-10s %10s %10s %-8s %s%s%s%s\n", c->case_no,
		       c->service_id, c->clerk_id, case_status_name(c->status),
		       case_step_name(c->last_step), fees_format_yuan(c->fee_fen, due, sizeof due),
		       fees_format_yuan(c->paid_fen, paid, sizeof paid),
		       c->pay_state[0] ? c->pay_state : "-",
		       c->flag_unverified_paid ? "PAID-UNVERIFIED " : "",
		       c->flag_underpaid ? "UNDERPAID " : "",
		       c->flag_no_verified_success ? "NO-VERIFIED-SUCCESS " : "",
		       c->flag_overpaid ? "OVERPAID" : "");
	}
	/* Reconciliation: every WeChat Pay order of these cases, with its case. */
	printf("payments: %zu, flagged %ld\n", r->n_payments, r->n_flagged_payments);
	if (r->n_payments)
		printf("%-22s %-32s %10s %-10s %-8s %-28s %-10s %s\n", "case", "out_trade_no",
		       "amount", "state", "verified", "transaction", "case is", "flags");
	for (size_t i = 0; i < r->n_payments; i++) {
		const report_payment *p = &r->payments[i];
		printf("%-22s %-32s %10s %-10s %-8s %-28s %-10s %s\n", p->case_no, p->out_trade_no,
		       fees_format_yuan(p->amount_fen, due, sizeof due), p->state,
		       p->verified ? "yes" : "NO", p->transaction_id[0] ? p->transaction_id : "-",
		       case_status_name(p->case_status),
		       p->flag_no_case ? "SUCCESS-WITHOUT-CASE" : "");
	}
}

int cmd_report(const args *a)
{
	if (a->n_words != 2 || strcmp(a->words[1], "daily") != 0)
		return usage_error("%s", "usage: kioskctl report daily --date YYYY-MM-DD [--csv] [--db FILE]");
	if (check_opts(a, "config db date csv"))
		return EXIT_USAGE;
	long day;
	if (!opt(a, "date"))
		return usage_error("%s", "report daily needs --date YYYY-MM-DD");
	if (!civil_parse(opt(a, "date"), &day))
		return usage_error("--date '%s' is not a real date in the form YYYY-MM-DD", opt(a, "date"));
	kerr err = { 0 };
	kdb *db = open_db(a, DB_OPEN_EXISTING, &err);
	if (!db)
		return fail_env(&err);
	daily_report r;
	int rc = db_report_daily(db, day, &r, &err);
	if (rc != 0) {
		db_close(db);
		return fail_env(&err);
	}
	if (opt(a, "csv"))
		report_write_csv(stdout, &r);
	else
		print_report_text(&r, opt(a, "date"), db_kiosk_id(db));
	daily_report_free(&r);
	db_close(db);
	return EXIT_OK;
}

