/* closecheck: what is still open when a day is to be closed, for the
 * supervisor to see before the close (F12 in the day view, `kioskctl day
 * close`): the cases not finished (number, unit, service, status, the step
 * they wait at), the fees not collected (due against verified payments),
 * the reconciliation's unexplained differences and whether the day was
 * ever compared with WeChat Pay's bill. A close_check owns its lists:
 * close_check_free() releases them. */
#ifndef DB_REPORT_CLOSECHECK_H
#define DB_REPORT_CLOSECHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "db/db.h"
#include "db/report/report.h"

typedef struct close_item {
	char case_no[40];
	char unit_name[256];
	char service_id[40];
	case_status status;
	case_step last_step;       /* the step it reached (STEP_NONE: only opened) */
	case_decision decision;
	int64_t fee_fen, paid_fen;
} close_item;

typedef struct close_check {
	long day;
	close_item *open;          /* cases neither finished nor cancelled, oldest first */
	size_t n_open;
	close_item *unpaid;        /* cases not cancelled or refused, their key written
				    * (or finished), whose fee verified payments do
				    * not cover */
	size_t n_unpaid;
	int64_t unpaid_fen;        /* the sum of what they still owe */
	size_t n_diffs_open;       /* reconciliation differences unexplained */
	bool never_reconciled;     /* no reconciliation run for the day */
} close_check;

/* The check of civil day `day`. 0, or -1 with err (nothing to free). */
int db_close_check(kdb *db, long day, close_check *out, kerr *err);
void close_check_free(close_check *c);
/* Whether anything is open: a case, a fee, a difference (a day never
 * reconciled is said, but is not "open": the bill comes the next morning). */
bool close_check_any(const close_check *c);

#endif
