/* The day's report as CSV (RFC 4180 quoting), the one writer shared by
 * `kioskctl report daily --csv` (the day view's rows, filtered or not) and the
 * day-close export; and the range report as CSV. No SQL here: it only formats
 * what db_report_daily(), db_report_filtered() or db_report_range() filled.
 * Every cell goes through csv.h: text (names, ids, words) as csv_text(), so a
 * unit name like =HYPERLINK(...) reaches a spreadsheet as text; money and
 * counts as csv_number(). Columns are only ever added at the end, so a reader
 * by position keeps working; docs/reports.md lists them. */
#include <stdio.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/case/fees.h"
#include "core/base/civil.h"
#include "db/report/csv.h"
#include "db/report/report.h"

int report_write_csv(FILE *f, const daily_report *r)
{
	fprintf(f, "case_no,service,clerk,status,last_step,unit_name,uscc,fee_yuan,paid_yuan,"
		   "pay_state,flags,created,outcome,agent_name,rongque_deadline,rongque_overdue,"
		   "cancel_code,cancel_reason,dup_refund_yuan,dup_refund_state,supplied,rating,rating_due,rating_resolved_by\n");
	for (size_t i = 0; i < r->n_cases; i++) {
		const report_case *c = &r->cases[i];
		char fee[32], paid[32], at[32], flags[96], deadline[16] = "";
		const int set[] = { [RF_UNVERIFIED_PAID] = c->flag_unverified_paid,
				    [RF_UNDERPAID] = c->flag_underpaid,
				    [RF_NO_VERIFIED_SUCCESS] = c->flag_no_verified_success,
				    [RF_OVERPAID] = c->flag_overpaid };
		size_t len = 0;
		flags[0] = '\0';
		for (size_t k = 0; k < sizeof set / sizeof set[0]; k++)
			if (set[k] && len < sizeof flags)
				len += (size_t)snprintf(flags + len, sizeof flags - len, " %s",
							report_flag_name((report_flag)k));
		csv_text(f, c->case_no, false);
		csv_text(f, c->service_id, false);
		csv_text(f, c->clerk_id, false);
		csv_text(f, case_status_name(c->status), false);
		csv_text(f, case_step_name(c->last_step), false);
		csv_text(f, c->unit_name, false);
		csv_text(f, c->uscc, false);
		csv_number(f, fees_format_yuan(c->fee_fen, fee, sizeof fee), false);
		csv_number(f, fees_format_yuan(c->paid_fen, paid, sizeof paid), false);
		csv_text(f, c->pay_state, false);
		csv_text(f, flags[0] ? flags + 1 : flags, false);
		csv_text(f, clock_format_local(c->created_ms, at, sizeof at), false);
		csv_text(f, case_outcome_name(c->outcome), false);
		csv_text(f, c->agent_name, false);
		if (c->rongque_deadline >= 0)
			civil_format(c->rongque_deadline, deadline, sizeof deadline);
		csv_text(f, deadline, false);
		csv_text(f, c->rongque_overdue ? "overdue" : "", false);
		csv_text(f, c->cancel_code, false);
		csv_text(f, c->cancel_reason, false);
		/* 重复支付退款: the duplicate payment refunded, the case kept */
		char dup[32] = "";
		if (c->dup_refund_state[0])
			fees_format_yuan(c->dup_refund_fen, dup, sizeof dup);
		csv_number(f, dup, false);
		csv_text(f, c->dup_refund_state, false);
		char when[32] = "";
		if (c->supplied_ms)
			clock_format_local(c->supplied_ms, when, sizeof when);
		csv_text(f, when, false);
		csv_text(f, c->rating, false);
		csv_text(f, c->rating_due, false);
		csv_text(f, c->rating_resolved_by, true);
	}
	return ferror(f) ? -1 : 0;
}

static void range_line(FILE *f, const char *day, const range_day *d)
{
	char num[32];
	csv_text(f, day, false);
	snprintf(num, sizeof num, "%ld", d->cases);
	csv_number(f, num, false);
	for (int o = 0; o < OUTCOME_COUNT; o++) {
		snprintf(num, sizeof num, "%ld", d->by_outcome[o]);
		csv_number(f, num, false);
	}
	csv_number(f, fees_format_yuan(d->due_fen, num, sizeof num), false);
	csv_number(f, fees_format_yuan(d->paid_fen, num, sizeof num), false);
	snprintf(num, sizeof num, "%ld", d->mismatches);
	csv_number(f, num, true);
}

int report_write_range_csv(FILE *f, const range_report *r)
{
	fputs("day,cases", f);
	for (int o = 0; o < OUTCOME_COUNT; o++)
		fprintf(f, ",%s", case_outcome_name((case_outcome)o));
	fputs(",due_yuan,paid_yuan,mismatches\n", f);
	for (size_t i = 0; i < r->n_days; i++) {
		char day[16];
		range_line(f, civil_format(r->days[i].day, day, sizeof day), &r->days[i]);
	}
	range_line(f, "total", &r->total);
	return ferror(f) ? -1 : 0;
}
