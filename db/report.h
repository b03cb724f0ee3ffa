/* report: the day's figures for supervisors and kioskctl: every case of a civil
 * day (Asia/Shanghai) with its state, fee due and payment, counts by service,
 * status and clerk, and the money: fees due against verified payments, with
 * each mismatch flagged. The reconciliation lists every payment order of
 * those cases with its case, flagging cases marked paid without a verified
 * SUCCESS and SUCCESS orders that no case took as its payment.
 * daily_report_free() releases what db_report_daily() fills. */
#ifndef DB_REPORT_H
#define DB_REPORT_H

#include <stddef.h>
#include <stdio.h>
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
	int flag_unverified_paid;  /* some payment says SUCCESS, unverified */
	int flag_underpaid;        /* finished with fee due but not paid */
	int flag_no_verified_success; /* its payment step is done with a fee due, and no
				       * order of it is a verified SUCCESS (or REFUND) */
	int flag_overpaid;         /* verified SUCCESS payments above the fee: refund */
	int64_t created_ms;
} report_case;

/* One payment order of the day's cases. */
typedef struct report_payment {
	char case_no[40];
	case_status case_status;
	char out_trade_no[33];
	int64_t amount_fen;
	char state[16];            /* NOTPAY, SUCCESS, CLOSED, REFUND ... */
	char transaction_id[40];
	int verified;
	int64_t created_ms;
	int64_t updated_ms;
	int flag_no_case;          /* SUCCESS, but its case did not take it as paid: no
				    * payment step, or cancelled / refused */
} report_payment;

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
	long n_flagged;            /* cases with any flag */
	report_payment *payments;  /* in case order, then as last updated */
	size_t n_payments;
	long n_flagged_payments;
} daily_report;

int db_report_daily(kdb *db, long civil_day, daily_report *out, kerr *err);
void daily_report_free(daily_report *r);

/* The report's cases as CSV with a header line; -1 on a write error. */
int report_write_csv(FILE *f, const daily_report *r);

#endif
