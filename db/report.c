/* report: the day's figures in one indexed query. The day's cases are found
 * through cases_by_created on [00:00, next 00:00) Asia/Shanghai, and each
 * case's payments through payments_by_case; the ~100 rows of a day are then
 * counted here. Definitions (docs/schema.md repeats them):
 *   paid_fen   sum of the case's payments in state SUCCESS with verified = 1
 *   due_fen    sum of fee_fen over cases accepted, accepted 容缺 or completed
 *   flag_unverified_paid  some payment of the case says SUCCESS, unverified
 *   flag_underpaid        the case is finished as completed (or 容缺 after its
 *                         slip) and fee_fen > paid_fen
 *   flag_no_verified_success  the case's payment step is recorded, fee_fen > 0,
 *                         and none of its orders is SUCCESS or REFUND with
 *                         verified = 1 (the kiosk marks a case paid only on a
 *                         verified SUCCESS: this is a record to look into)
 *   flag_overpaid         paid_fen > fee_fen (two orders paid: refund one)
 * and for each order of those cases (second query, same index path):
 *   flag_no_case          state SUCCESS, and its case has no payment step or
 *                         is cancelled or refused: money taken that no case
 *                         accounts for (finish the case or refund) */
#include "db/report.h"

#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "db/db_internal.h"

static int count_key(report_count **v, size_t *n, size_t *cap, const char *key)
{
	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*v)[i].key, key) == 0) {
			(*v)[i].n++;
			return 0;
		}
	}
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		report_count *nv = realloc(*v, nc * sizeof *nv);
		if (!nv)
			return -1;
		*v = nv;
		*cap = nc;
	}
	dbi_copy((*v)[*n].key, sizeof (*v)[*n].key, key);
	(*v)[*n].n = 1;
	(*n)++;
	return 0;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const report_count *)a)->key, ((const report_count *)b)->key);
}

void daily_report_free(daily_report *r)
{
	if (!r)
		return;
	free(r->cases);
	free(r->by_service);
	free(r->by_clerk);
	free(r->payments);
	memset(r, 0, sizeof *r);
}

/* Every order of the day's cases, with its case, for the reconciliation. */
static int report_payments(kdb *db, long civil_day, daily_report *out, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(
		db,
		"SELECT c.case_no, c.status, p.out_trade_no, p.amount_fen, p.state,"
		" p.transaction_id, p.verified, p.created_ms, p.updated_ms,"
		" p.state = 'SUCCESS' AND (c.status IN ('cancelled', 'refused') OR NOT EXISTS"
		"  (SELECT 1 FROM case_steps s WHERE s.case_id = c.id AND s.step = 'payment'))"
		" FROM cases c JOIN payments p ON p.case_id = c.id"
		" WHERE c.created_ms >= ?1 AND c.created_ms < ?2"
		" ORDER BY c.created_ms, c.id, p.updated_ms, p.id",
		err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, clock_day_start_ms(civil_day));
	sqlite3_bind_int64(st, 2, clock_day_start_ms(civil_day + 1));
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n_payments == cap) {
			size_t nc = cap ? cap * 2 : 64;
			report_payment *nv = realloc(out->payments, nc * sizeof *nv);
			if (!nv) {
				sqlite3_reset(st);
				return kerr_set(err, db->path, "out of memory building the daily report");
			}
			out->payments = nv;
			cap = nc;
		}
		report_payment *p = &out->payments[out->n_payments++];
		memset(p, 0, sizeof *p);
		dbi_copy(p->case_no, sizeof p->case_no, (const char *)sqlite3_column_text(st, 0));
		int v = case_status_from_name((const char *)sqlite3_column_text(st, 1));
		p->case_status = v < 0 ? CS_OPEN : (case_status)v;
		dbi_copy(p->out_trade_no, sizeof p->out_trade_no,
			 (const char *)sqlite3_column_text(st, 2));
		p->amount_fen = sqlite3_column_int64(st, 3);
		dbi_copy(p->state, sizeof p->state, (const char *)sqlite3_column_text(st, 4));
		dbi_copy(p->transaction_id, sizeof p->transaction_id,
			 (const char *)sqlite3_column_text(st, 5));
		p->verified = sqlite3_column_int(st, 6) != 0;
		p->created_ms = sqlite3_column_int64(st, 7);
		p->updated_ms = sqlite3_column_int64(st, 8);
		p->flag_no_case = sqlite3_column_int(st, 9) != 0;
		if (p->flag_no_case)
			out->n_flagged_payments++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "reading the day's payments");
	return 0;
}

int db_report_daily(kdb *db, long civil_day, daily_report *out, kerr *err)
{
	memset(out, 0, sizeof *out);
	out->day = civil_day;
	sqlite3_stmt *st = dbi_stmt(
		db,
		"SELECT c.case_no, c.service_id, c.clerk_id, c.status, c.last_step, c.unit_name,"
		" c.uscc, c.fee_fen, c.created_ms, c.finished,"
		" (SELECT COALESCE(SUM(p.amount_fen), 0) FROM payments p"
		"   WHERE p.case_id = c.id AND p.state = 'SUCCESS' AND p.verified = 1),"
		" (SELECT p.state FROM payments p WHERE p.case_id = c.id"
		"   ORDER BY p.updated_ms DESC, p.id DESC LIMIT 1),"
		" EXISTS (SELECT 1 FROM payments p"
		"   WHERE p.case_id = c.id AND p.state = 'SUCCESS' AND p.verified = 0),"
		" EXISTS (SELECT 1 FROM case_steps s WHERE s.case_id = c.id AND s.step = 'payment'),"
		" EXISTS (SELECT 1 FROM payments p WHERE p.case_id = c.id"
		"   AND p.state IN ('SUCCESS', 'REFUND') AND p.verified = 1)"
		" FROM cases c WHERE c.created_ms >= ?1 AND c.created_ms < ?2"
		" ORDER BY c.created_ms, c.id",
		err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, clock_day_start_ms(civil_day));
	sqlite3_bind_int64(st, 2, clock_day_start_ms(civil_day + 1));
	size_t cap = 0, cap_svc = 0, cap_clerk = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->n_cases == cap) {
			size_t nc = cap ? cap * 2 : 64;
			report_case *nv = realloc(out->cases, nc * sizeof *nv);
			if (!nv)
				goto oom;
			out->cases = nv;
			cap = nc;
		}
		report_case *c = &out->cases[out->n_cases++];
		memset(c, 0, sizeof *c);
		dbi_copy(c->case_no, sizeof c->case_no, (const char *)sqlite3_column_text(st, 0));
		dbi_copy(c->service_id, sizeof c->service_id,
			 (const char *)sqlite3_column_text(st, 1));
		dbi_copy(c->clerk_id, sizeof c->clerk_id, (const char *)sqlite3_column_text(st, 2));
		int v = case_status_from_name((const char *)sqlite3_column_text(st, 3));
		c->status = v < 0 ? CS_OPEN : (case_status)v;
		const char *ls = (const char *)sqlite3_column_text(st, 4);
		v = (ls && strcmp(ls, "none") != 0) ? case_step_from_name(ls) : -1;
		c->last_step = v < 0 ? STEP_NONE : (case_step)v;
		dbi_copy(c->unit_name, sizeof c->unit_name, (const char *)sqlite3_column_text(st, 5));
		dbi_copy(c->uscc, sizeof c->uscc, (const char *)sqlite3_column_text(st, 6));
		c->fee_fen = sqlite3_column_int64(st, 7);
		c->created_ms = sqlite3_column_int64(st, 8);
		bool finished = sqlite3_column_int(st, 9) != 0;
		c->paid_fen = sqlite3_column_int64(st, 10);
		dbi_copy(c->pay_state, sizeof c->pay_state, (const char *)sqlite3_column_text(st, 11));
		c->flag_unverified_paid = sqlite3_column_int(st, 12) != 0;
		c->flag_underpaid = finished &&
				    (c->status == CS_COMPLETED || c->status == CS_RONGQUE) &&
				    c->fee_fen > c->paid_fen;
		c->flag_no_verified_success = sqlite3_column_int(st, 13) != 0 && c->fee_fen > 0 &&
					      sqlite3_column_int(st, 14) == 0;
		c->flag_overpaid = c->paid_fen > c->fee_fen;

		out->by_status[c->status]++;
		if (c->status == CS_ACCEPTED || c->status == CS_RONGQUE || c->status == CS_COMPLETED)
			out->due_fen += c->fee_fen;
		out->paid_fen += c->paid_fen;
		if (c->flag_unverified_paid || c->flag_underpaid || c->flag_no_verified_success ||
		    c->flag_overpaid)
			out->n_flagged++;
		if (count_key(&out->by_service, &out->n_by_service, &cap_svc, c->service_id) ||
		    count_key(&out->by_clerk, &out->n_by_clerk, &cap_clerk, c->clerk_id))
			goto oom;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		daily_report_free(out);
		out->day = civil_day;
		return dbi_sqlerr(db, err, "reading the day's cases");
	}
	if (out->n_by_service)
		qsort(out->by_service, out->n_by_service, sizeof *out->by_service, by_key);
	if (out->n_by_clerk)
		qsort(out->by_clerk, out->n_by_clerk, sizeof *out->by_clerk, by_key);
	if (report_payments(db, civil_day, out, err) != 0) {
		daily_report_free(out);
		out->day = civil_day;
		return -1;
	}
	return 0;
oom:
	sqlite3_reset(st);
	daily_report_free(out);
	out->day = civil_day;
	return kerr_set(err, db->path, "out of memory building the daily report");
}
