/* report: the day's figures in one indexed query. The day's cases are found
 * through cases_by_created on [00:00, next 00:00) Asia/Shanghai, and each
 * case's payments through payments_by_case; the ~100 rows of a day are then
 * counted here. Definitions (docs/schema.md repeats them):
 *   paid_fen   sum of the case's payments in state SUCCESS with verified = 1
 *   due_fen    sum of fee_fen over cases accepted, accepted 容缺 or completed
 *   flag_unverified_paid  some payment of the case says SUCCESS, unverified
 *   flag_underpaid        the case is finished as completed (or 容缺 after its
 *                         slip) and fee_fen > paid_fen */
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
	memset(r, 0, sizeof *r);
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
		"   WHERE p.case_id = c.id AND p.state = 'SUCCESS' AND p.verified = 0)"
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

		out->by_status[c->status]++;
		if (c->status == CS_ACCEPTED || c->status == CS_RONGQUE || c->status == CS_COMPLETED)
			out->due_fen += c->fee_fen;
		out->paid_fen += c->paid_fen;
		if (c->flag_unverified_paid || c->flag_underpaid)
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
	return 0;
oom:
	sqlite3_reset(st);
	daily_report_free(out);
	out->day = civil_day;
	return kerr_set(err, db->path, "out of memory building the daily report");
}
