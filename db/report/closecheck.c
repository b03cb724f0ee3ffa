/* closecheck: the day's open ends before its close (closecheck.h), from the
 * day's report and its reconciliation runs; no SQL of its own. */
#include "db/report/closecheck.h"

#include <stdlib.h>
#include <string.h>

#include "db/report/paydiffs.h"

static void item_of(const report_case *c, close_item *it)
{
	memset(it, 0, sizeof *it);
	memcpy(it->case_no, c->case_no, sizeof it->case_no);
	memcpy(it->unit_name, c->unit_name, sizeof it->unit_name);
	memcpy(it->service_id, c->service_id, sizeof it->service_id);
	it->status = c->status;
	it->last_step = c->last_step;
	it->decision = c->decision;
	it->fee_fen = c->fee_fen;
	it->paid_fen = c->paid_fen;
}

int db_close_check(kdb *db, long day, close_check *out, kerr *err)
{
	memset(out, 0, sizeof *out);
	out->day = day;
	daily_report r;
	if (db_report_daily(db, day, &r, err) != 0)
		return -1;
	if (r.n_cases) {
		out->open = calloc(r.n_cases, sizeof *out->open);
		out->unpaid = calloc(r.n_cases, sizeof *out->unpaid);
		if (!out->open || !out->unpaid) {
			daily_report_free(&r);
			close_check_free(out);
			return kerr_set(err, "day close", "out of memory listing the day's cases");
		}
	}
	for (size_t i = 0; i < r.n_cases; i++) {
		const report_case *c = &r.cases[i];
		if (!c->finished && c->status != CS_CANCELLED)
			item_of(c, &out->open[out->n_open++]);
		/* owed once the key is written (the payment follows it) or the
		 * case is finished; a case still before its key owes nothing yet */
		bool due = c->finished || c->last_step == STEP_TOKEN || c->last_step == STEP_PAYMENT;
		if (due && c->status != CS_CANCELLED && c->status != CS_REFUSED && c->fee_fen > c->paid_fen) {
			item_of(c, &out->unpaid[out->n_unpaid++]);
			out->unpaid_fen += c->fee_fen - c->paid_fen;
		}
	}
	daily_report_free(&r);
	paydiff_rec *pd = NULL;
	size_t npd = 0;
	if (db_paydiffs_of_day(db, day, &pd, &npd, err) != 0) {
		close_check_free(out);
		return -1;
	}
	for (size_t i = 0; i < npd; i++)
		out->n_diffs_open += pd[i].status == PD_OPEN;
	free(pd);
	recon_run_rec run;
	int rc = db_recon_last(db, day, &run, err);
	if (rc < 0) {
		close_check_free(out);
		return -1;
	}
	out->never_reconciled = rc == 1;
	return 0;
}

void close_check_free(close_check *c)
{
	free(c->open);
	free(c->unpaid);
	c->open = c->unpaid = NULL;
	c->n_open = c->n_unpaid = 0;
}

bool close_check_any(const close_check *c)
{
	return c->n_open || c->n_unpaid || c->n_diffs_open;
}
