/* The day's report as CSV (RFC 4180 quoting), the one writer shared by
 * `kioskctl report daily --csv` and the day-close export. No SQL here: it only
 * formats a daily_report that db_report_daily() filled. */
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/fees.h"
#include "db/report.h"

static void csv_field(FILE *f, const char *s, int last)
{
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputc(last ? '\n' : ',', f);
}

int report_write_csv(FILE *f, const daily_report *r)
{
	fprintf(f, "case_no,service,clerk,status,last_step,unit_name,uscc,fee_yuan,paid_yuan,pay_state,flags,created\n");
	for (size_t i = 0; i < r->n_cases; i++) {
		const report_case *c = &r->cases[i];
		char fee[32], paid[32], at[32], flags[96];
		snprintf(flags, sizeof flags, "%s%s%s%s",
			 c->flag_unverified_paid ? " unverified-paid" : "",
			 c->flag_underpaid ? " underpaid" : "",
			 c->flag_no_verified_success ? " no-verified-success" : "",
			 c->flag_overpaid ? " overpaid" : "");
		csv_field(f, c->case_no, 0);
		csv_field(f, c->service_id, 0);
		csv_field(f, c->clerk_id, 0);
		csv_field(f, case_status_name(c->status), 0);
		csv_field(f, case_step_name(c->last_step), 0);
		csv_field(f, c->unit_name, 0);
		csv_field(f, c->uscc, 0);
		csv_field(f, fees_format_yuan(c->fee_fen, fee, sizeof fee), 0);
		csv_field(f, fees_format_yuan(c->paid_fen, paid, sizeof paid), 0);
		csv_field(f, c->pay_state, 0);
		csv_field(f, flags[0] ? flags + 1 : flags, 0);
		csv_field(f, clock_format_local(c->created_ms, at, sizeof at), 1);
	}
	return ferror(f) ? -1 : 0;
}
