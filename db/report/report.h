/* report: the day's figures for supervisors and kioskctl: every case of a civil
 * day (Asia/Shanghai) with its state, outcome, fee due and payment, counts by
 * service, status, outcome and clerk, and the money: fees due against verified
 * payments, with each mismatch flagged and listed. The reconciliation lists
 * every payment order of those cases with its case, flagging cases marked paid
 * without a verified SUCCESS and SUCCESS orders that no case took as its
 * payment. db_report_filtered() is the same report over the cases a
 * report_filter lets through (the day view, db/report/dayview.h, is built on it);
 * db_report_range() sums the days of a span. The outcome of a case and the
 * mismatch kinds are the closed sets below. daily_report_free() and
 * range_report_free() release what the db_report_*() calls fill.
 * docs/reports.md defines every figure. */
#ifndef DB_REPORT_H
#define DB_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "core/case/casefsm.h"
#include "core/base/err.h"
#include "core/base/names.h"
#include "db/db.h"

/* How a case ended up, for the supervisor: enum, name, UI string key. A
 * partition of the cases, from the stored status and whether steps are left
 * (case_outcome_of()):
 *   completed    status completed (办结: the slip of an accepted case printed)
 *   accepted     status accepted with no step left (受理; casefsm turns an
 *                accepted case into completed with its slip, so this stays
 *                empty unless a service ever ends without a slip)
 *   rongque      status rongque, its slip printed (容缺受理, material owed)
 *   refused      status refused (不予受理), with or without its notice printed
 *   cancelled    status cancelled
 *   interrupted  steps left and not cancelled or refused: status open, or
 *                accepted / rongque before the slip */
#define CASE_OUTCOMES(X)                                                        \
	X(OUTCOME_COMPLETED,   "completed",   "outcome.completed")   /* 办结 */     \
	X(OUTCOME_ACCEPTED,    "accepted",    "outcome.accepted")    /* 受理 */     \
	X(OUTCOME_RONGQUE,     "rongque",     "outcome.rongque")     /* 容缺受理 */ \
	X(OUTCOME_REFUSED,     "refused",     "outcome.refused")     /* 不予受理 */ \
	X(OUTCOME_CANCELLED,   "cancelled",   "outcome.cancelled")   /* 已撤销 */   \
	X(OUTCOME_INTERRUPTED, "interrupted", "outcome.interrupted") /* 未办完 */

/* case_outcome_name(), _key() ("?" out of range), _from_name() (-1 unknown),
 * from core/base/names.h; the same for report_flag below. */
ENUM_DECLARE_WORD_KEY(case_outcome, CASE_OUTCOMES, OUTCOME_COUNT);

/* The outcome of a case with this status; finished: no step is left. */
case_outcome case_outcome_of(case_status status, bool finished);

/* What a mismatch between fee and money is: enum, name (the word of the CSV
 * flags column), UI string key. The first four flag a case, the last an order. */
#define REPORT_FLAGS(X)                                                                   \
	X(RF_UNVERIFIED_PAID,      "unverified-paid",      "mismatch.unverified_paid")      \
	X(RF_UNDERPAID,            "underpaid",            "mismatch.underpaid")            \
	X(RF_NO_VERIFIED_SUCCESS,  "no-verified-success",  "mismatch.no_verified_success")  \
	X(RF_OVERPAID,             "overpaid",             "mismatch.overpaid")             \
	X(RF_SUCCESS_WITHOUT_CASE, "success-without-case", "mismatch.success_without_case")

ENUM_DECLARE_WORD_KEY(report_flag, REPORT_FLAGS, RF_COUNT);


typedef struct report_case {
	char case_no[40];
	char service_id[40];
	char clerk_id[33];
	case_status status;
	case_outcome outcome;
	case_step last_step;
	case_decision decision;
	bool finished;             /* no step left */
	char unit_name[256];
	char uscc[19];
	char agent_name[97];
	int64_t fee_fen;
	int64_t paid_fen;          /* sum of verified SUCCESS payments */
	char pay_state[16];        /* latest payment state, "" if none */
	int flag_unverified_paid;  /* some payment says SUCCESS, unverified */
	int flag_underpaid;        /* finished with fee due but not paid */
	int flag_no_verified_success; /* its payment step is done with a fee due, and no
				       * order of it is a verified SUCCESS (or REFUND) */
	int flag_overpaid;         /* verified SUCCESS payments above the fee: refund */
	long rongque_deadline;     /* civil day to supplement by (容缺), -1 none */
	int rongque_overdue;       /* still 容缺 and the deadline is before today */
	int64_t created_ms;
	char cancel_reason[256];   /* why it was cancelled (the audit row's words), "" */
	char cancel_code[32];      /* the reason picked, "withdrawn", "refund", "" */
	int64_t dup_refund_fen;    /* its duplicate payments' refunds (重复支付退款, "-D1"), asked for */
	char dup_refund_state[16]; /* the latest one's state, "" when none */
	int64_t supplied_ms;       /* 容缺补交: when the owed material came back, 0 none */
	char rating[24];           /* rating_level_name() (core/case/rating.h), "" not rated */
	char rating_due[16];       /* a 差评's follow-up due day, YYYY-MM-DD, "" none */
	char rating_resolved_by[33]; /* who followed the 差评 up, "" open or none */
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

/* One mismatch: a flag of a case, or of one of its orders. */
typedef struct report_mismatch {
	report_flag flag;
	char case_no[40];
	char out_trade_no[33];     /* the order (RF_SUCCESS_WITHOUT_CASE), else "" */
	int64_t fee_fen;           /* the case's fee */
	int64_t paid_fen;          /* the case's verified payments */
	int64_t amount_fen;        /* the order's amount (RF_SUCCESS_WITHOUT_CASE), else 0 */
} report_mismatch;

typedef struct report_count {
	char key[40];              /* service id or clerk id */
	long n;
} report_count;

typedef struct daily_report {
	long day;                  /* civil day */
	long today;                /* clock_today() when read: what overdue is measured against */
	report_case *cases;        /* by creation time */
	size_t n_cases;
	long by_status[CS_COUNT];
	long by_outcome[OUTCOME_COUNT];
	report_count *by_service;  /* sorted by key */
	size_t n_by_service;
	report_count *by_clerk;    /* sorted by key */
	size_t n_by_clerk;
	int64_t due_fen;
	int64_t paid_fen;
	long n_flagged;            /* cases with any flag */
	long n_rongque;            /* cases still 容缺 (status rongque) */
	long n_rongque_overdue;    /* of which past their deadline */
	report_payment *payments;  /* in case order, then as last updated */
	size_t n_payments;
	long n_flagged_payments;
	report_mismatch *mismatches; /* in case order: each case's flags, then its orders' */
	size_t n_mismatches;
} daily_report;

/* Which cases a report reads, besides the day. Every member is optional: NULL
 * or "" (0 for outcomes) lets everything through. A zeroed filter, or a NULL
 * pointer, is no filter. */
typedef struct report_filter {
	const char *clerk_id;      /* exactly this clerk */
	const char *service_id;    /* exactly this service */
	unsigned outcomes;         /* bit (1u << case_outcome) per outcome wanted */
	const char *search;        /* a case number or USCC starting with it (USCC in any
				    * case), a case number ending with it (4 characters
				    * or more), or a unit or agent name holding it */
} report_filter;

int db_report_daily(kdb *db, long civil_day, daily_report *out, kerr *err);
/* The daily report over the cases f lets through: counts, money, mismatches
 * and payments are those of the filtered cases. -1 with err on a bad filter
 * (text that is not UTF-8) or a store error, with *out empty. */
int db_report_filtered(kdb *db, long civil_day, const report_filter *f, daily_report *out,
		       kerr *err);
void daily_report_free(daily_report *r);

/* The report's cases as CSV with a header line; -1 on a write error. */
int report_write_csv(FILE *f, const daily_report *r);

/* ---- a span of days ---- */

#define REPORT_RANGE_MAX_DAYS 366

typedef struct range_day {
	long day;                  /* civil day; -1 for the total */
	long cases;
	long by_outcome[OUTCOME_COUNT];
	int64_t due_fen;
	int64_t paid_fen;
	long mismatches;           /* daily_report.n_mismatches */
} range_day;

typedef struct range_report {
	long from_day, to_day;
	range_day *days;           /* one per day from from_day to to_day, empty days too */
	size_t n_days;
	range_day total;           /* the sum of days[] */
} range_report;

/* Each day of [from_day, to_day] as db_report_daily() counts it, and the total.
 * -1 with err when to_day is before from_day or the span is longer than
 * REPORT_RANGE_MAX_DAYS days. */
int db_report_range(kdb *db, long from_day, long to_day, range_report *out, kerr *err);
void range_report_free(range_report *r);
/* The range as CSV: a header, one line per day, then a "total" line; -1 on a
 * write error. */
int report_write_range_csv(FILE *f, const range_report *r);

#endif
