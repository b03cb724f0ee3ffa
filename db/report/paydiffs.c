/* paydiffs: reading the reconciliation's tables (see paydiffs.h). */
#include "db/report/paydiffs.h"

#include <string.h>

#include "db/store.h"

ENUM_DEFINE_WORD_KEY(paydiff_status, PAYDIFF_STATUSES, "?", "paydiff.open")

#define DIFF_COLS                                                                         \
	"SELECT d.id, d.day, d.kind, d.case_no, d.out_trade_no, d.out_refund_no,"         \
	" d.transaction_id, d.book_fen, d.bill_fen, d.due_fen, d.detail, r.run_ms, r.run_by," \
	" d.status, d.resolved_by, d.resolved_ms, d.note"                                  \
	" FROM pay_diffs d JOIN pay_recons r ON r.id = d.recon_id"

static void diff_fill(sqlite3_stmt *st, void *p)
{
	paydiff_rec *r = p;
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	r->day = (long)sqlite3_column_int64(st, 1);
	int k = recon_kind_from_name((const char *)sqlite3_column_text(st, 2));
	r->d.kind = k < 0 ? RECON_KIND_COUNT : (recon_kind)k;
	dbi_copy(r->d.case_no, sizeof r->d.case_no, (const char *)sqlite3_column_text(st, 3));
	dbi_copy(r->d.out_trade_no, sizeof r->d.out_trade_no, (const char *)sqlite3_column_text(st, 4));
	dbi_copy(r->d.out_refund_no, sizeof r->d.out_refund_no,
		 (const char *)sqlite3_column_text(st, 5));
	dbi_copy(r->d.transaction_id, sizeof r->d.transaction_id,
		 (const char *)sqlite3_column_text(st, 6));
	r->d.book_fen = sqlite3_column_int64(st, 7);
	r->d.bill_fen = sqlite3_column_int64(st, 8);
	r->d.due_fen = sqlite3_column_int64(st, 9);
	dbi_copy(r->d.detail, sizeof r->d.detail, (const char *)sqlite3_column_text(st, 10));
	r->found_ms = sqlite3_column_int64(st, 11);
	dbi_copy(r->found_by, sizeof r->found_by, (const char *)sqlite3_column_text(st, 12));
	int s = paydiff_status_from_name((const char *)sqlite3_column_text(st, 13));
	r->status = s < 0 ? PD_OPEN : (paydiff_status)s;
	dbi_copy(r->resolved_by, sizeof r->resolved_by, (const char *)sqlite3_column_text(st, 14));
	r->resolved_ms = sqlite3_column_int64(st, 15);
	dbi_copy(r->note, sizeof r->note, (const char *)sqlite3_column_text(st, 16));
}

int db_paydiffs_of_day(kdb *db, long day, paydiff_rec **out, size_t *n, kerr *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = dbi_stmt(db, DIFF_COLS " WHERE d.day = ?1 ORDER BY d.id", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, day);
	void *v = NULL;
	int rc = dbi_collect(db, st, sizeof(paydiff_rec), diff_fill, &v, n,
			     "reading the payment differences", err);
	*out = v;
	return rc;
}

int db_paydiff_get(kdb *db, int64_t id, paydiff_rec *out, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db, DIFF_COLS " WHERE d.id = ?1", err);
	if (st)
		sqlite3_bind_int64(st, 1, id);
	return dbi_one(db, st, diff_fill, out, "reading a payment difference", err);
}

static void run_fill(sqlite3_stmt *st, void *p)
{
	recon_run_rec *r = p;
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	r->day = (long)sqlite3_column_int64(st, 1);
	dbi_copy(r->run_by, sizeof r->run_by, (const char *)sqlite3_column_text(st, 2));
	r->run_ms = sqlite3_column_int64(st, 3);
	dbi_copy(r->bill_sha1, sizeof r->bill_sha1, (const char *)sqlite3_column_text(st, 4));
	r->bill_rows = (long)sqlite3_column_int64(st, 5);
	r->found = (long)sqlite3_column_int64(st, 6);
	r->still_open = (long)sqlite3_column_int64(st, 7);
}

int db_recon_last(kdb *db, long day, recon_run_rec *out, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT id, day, run_by, run_ms, bill_sha1, bill_rows, found, still_open"
				    " FROM pay_recons WHERE day = ?1 ORDER BY id DESC LIMIT 1",
				    err);
	if (st)
		sqlite3_bind_int64(st, 1, day);
	return dbi_one(db, st, run_fill, out, "reading the day's reconciliation", err);
}
