/* report: the day's figures for supervisors and kioskctl: every case of a civil
 * day (Asia/Shanghai) with its state, fee due and payment, counts by service,
 * status and clerk, and the money: fees due against verified payments, with
 * each mismatch flagged. daily_report_free() releases what db_report_daily() fills. */
#ifndef DB_REPORT_H
#define DB_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/casefsm.h"
#include "core/err.h"
#include "db/db.h"

typedef struct report_case {
	char case_no[40];
	char service_id[40];
	char clerk_id[33];
	case_status status;
	case_step last_step;
	char unit_name[256];
	char uscc[19];
	int64_t fee_fen;
	int64_t paid_fen;          /* sum of verified SUCCESS payments */
	char pay_state[16];        /* latest payment state, "" if none */
	int flag_unverified_paid;  /* marked paid without a verified SUCCESS */
	int flag_underpaid;        /* finished with fee due but not paid */
	int64_t created_ms;
} report_case;

typedef struct report_count {
	char key[40];              /* service id or clerk id */
	long n;
} report_count;

typedef struct daily_report {
	long day;                  /* civil day */
	report_case *cases;
	size_t n_cases;
	long by_status[CS_COUNT];
	report_count *by_service;
	size_t n_by_service;
	report_count *by_clerk;
	size_t n_by_clerk;
	int64_t due_fen;
	int64_t paid_fen;
	long n_flagged;
} daily_report;

int db_report_daily(kdb *db, long civil_day, daily_report *out, kerr *err);
void daily_report_free(daily_report *r);

#endif
