/* recon_repo: the reconciliation's writes and the book it matches (see the
 * header). */
#include "db/repo/recon_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/base/clock.h"
#include "core/case/staff.h"
#include "db/audit_log.h"
#include "db/report/paydiffs.h"
#include "db/store.h"
#include "db/repo/staff_repo.h"

/* ---- the book ---- */

typedef struct grow {
	void *p;
	size_t n, cap, size;
} grow;

static void *grow_add(grow *g)
{
	if (g->n == g->cap) {
		size_t nc = g->cap ? g->cap * 2 : 64;
		void *np = realloc(g->p, nc * g->size);
		if (!np)
			return NULL;
		g->p = np;
		g->cap = nc;
	}
	void *e = (char *)g->p + g->n++ * g->size;
	memset(e, 0, g->size);
	return e;
}

static void pay_fill(sqlite3_stmt *st, recon_pay *p, bool of_day)
{
	dbi_copy(p->case_no, sizeof p->case_no, (const char *)sqlite3_column_text(st, 0));
	dbi_copy(p->out_trade_no, sizeof p->out_trade_no, (const char *)sqlite3_column_text(st, 1));
	p->amount_fen = sqlite3_column_int64(st, 2);
	int s = pay_state_from_name((const char *)sqlite3_column_text(st, 3));
	p->state = s < 0 ? PAY_NOTFOUND : (pay_state)s;
	p->verified = sqlite3_column_int(st, 4) != 0;
	dbi_copy(p->transaction_id, sizeof p->transaction_id,
		 (const char *)sqlite3_column_text(st, 5));
	p->of_day = of_day || (sqlite3_column_int64(st, 6) != 0);
}

static void refund_fill(sqlite3_stmt *st, recon_refund *r, bool of_day)
{
	dbi_copy(r->case_no, sizeof r->case_no, (const char *)sqlite3_column_text(st, 0));
	dbi_copy(r->out_trade_no, sizeof r->out_trade_no, (const char *)sqlite3_column_text(st, 1));
	dbi_copy(r->out_refund_no, sizeof r->out_refund_no, (const char *)sqlite3_column_text(st, 2));
	r->amount_fen = sqlite3_column_int64(st, 3);
	int s = pay_refund_state_from_name((const char *)sqlite3_column_text(st, 4));
	r->state = s < 0 ? PAY_REFUND_ABNORMAL : (pay_refund_state)s;
	r->of_day = of_day;
}

#define PAY_SQL                                                                          \
	"SELECT c.case_no, p.out_trade_no, p.amount_fen, p.state, p.verified, p.transaction_id," \
	" c.created_ms >= ?1 AND c.created_ms < ?2"                                       \
	" FROM payments p JOIN cases c ON c.id = p.case_id"
#define REFUND_SQL                                                                       \
	"SELECT c.case_no, p.out_trade_no, r.out_refund_no, r.amount_fen, r.state"        \
	" FROM refunds r JOIN cases c ON c.id = r.case_id JOIN payments p ON p.id = r.payment_id"

int db_recon_book(kdb *db, long day, const bill *b, recon_book *out, kerr *err)
{
	memset(out, 0, sizeof *out);
	int64_t from = clock_day_start_ms(day), to = clock_day_start_ms(day + 1);
	grow cs = { .size = sizeof(recon_case) }, ps = { .size = sizeof(recon_pay) },
	     rs = { .size = sizeof(recon_refund) };
	int rc = -1;
	sqlite3_stmt *st = dbi_stmt(db, "SELECT case_no, fee_fen, status FROM cases"
				    " WHERE created_ms >= ?1 AND created_ms < ?2 ORDER BY created_ms", err);
	if (!st)
		goto out;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	int r;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		recon_case *c = grow_add(&cs);
		if (!c)
			break;
		dbi_copy(c->case_no, sizeof c->case_no, (const char *)sqlite3_column_text(st, 0));
		c->fee_fen = sqlite3_column_int64(st, 1);
		const char *status = (const char *)sqlite3_column_text(st, 2);
		c->due = c->fee_fen > 0 && status && (strcmp(status, "accepted") == 0 ||
						      strcmp(status, "rongque") == 0 ||
						      strcmp(status, "completed") == 0);
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		if (r == SQLITE_ROW)
			kerr_set(err, NULL, "out of memory");
		else
			dbi_sqlerr(db, err, "reading the day's cases");
		goto out;
	}
	/* the orders of the day's cases */
	st = dbi_stmt(db, PAY_SQL " WHERE c.created_ms >= ?1 AND c.created_ms < ?2", err);
	if (!st)
		goto out;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		recon_pay *p = grow_add(&ps);
		if (!p)
			break;
		pay_fill(st, p, true);
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		dbi_sqlerr(db, err, "reading the day's orders");
		goto out;
	}
	/* the refunds asked for that day */
	st = dbi_stmt(db, REFUND_SQL " WHERE r.created_ms >= ?1 AND r.created_ms < ?2", err);
	if (!st)
		goto out;
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, to);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		recon_refund *f = grow_add(&rs);
		if (!f)
			break;
		refund_fill(st, f, true);
	}
	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		dbi_sqlerr(db, err, "reading the day's refunds");
		goto out;
	}
	/* what the bill names from other days: looked up by number (unique) */
	for (size_t i = 0; b && i < b->n; i++) {
		const bill_row *row = &b->rows[i];
		if (!row->refund) {
			st = dbi_stmt(db, PAY_SQL " WHERE p.out_trade_no = ?3"
				      " AND NOT (c.created_ms >= ?1 AND c.created_ms < ?2)", err);
			if (!st)
				goto out;
			sqlite3_bind_int64(st, 1, from);
			sqlite3_bind_int64(st, 2, to);
			sqlite3_bind_text(st, 3, row->out_trade_no, -1, SQLITE_STATIC);
			r = sqlite3_step(st);
			bool dup = false;
			for (size_t k = 0; r == SQLITE_ROW && k < ps.n; k++)
				dup = dup || strcmp(((recon_pay *)ps.p)[k].out_trade_no,
						    row->out_trade_no) == 0;
			recon_pay *p = r == SQLITE_ROW && !dup ? grow_add(&ps) : NULL;
			if (p)
				pay_fill(st, p, false);
		} else {
			st = dbi_stmt(db, REFUND_SQL " WHERE r.out_refund_no = ?1"
				      " AND NOT (r.created_ms >= ?2 AND r.created_ms < ?3)", err);
			if (!st)
				goto out;
			sqlite3_bind_text(st, 1, row->out_refund_no, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, from);
			sqlite3_bind_int64(st, 3, to);
			r = sqlite3_step(st);
			bool dup = false;
			for (size_t k = 0; r == SQLITE_ROW && k < rs.n; k++)
				dup = dup || strcmp(((recon_refund *)rs.p)[k].out_refund_no,
						    row->out_refund_no) == 0;
			recon_refund *f = r == SQLITE_ROW && !dup ? grow_add(&rs) : NULL;
			if (f)
				refund_fill(st, f, false);
		}
		sqlite3_reset(st);
		if (r != SQLITE_ROW && r != SQLITE_DONE) {
			dbi_sqlerr(db, err, "looking up an order of the bill");
			goto out;
		}
	}
	rc = 0;
out:
	if (rc != 0) {
		free(cs.p);
		free(ps.p);
		free(rs.p);
		return -1;
	}
	out->cases = cs.p;
	out->n_cases = cs.n;
	out->pays = ps.p;
	out->n_pays = ps.n;
	out->refunds = rs.p;
	out->n_refunds = rs.n;
	return 0;
}

/* ---- writing ---- */

static int check_supervisor(kdb *db, const char *by, const char *act, kerr *err)
{
	staff_rec s;
	int rc = by && *by ? db_staff_get(db, by, &s, err) : 1;
	if (rc < 0)
		return -1;
	if (rc == 1 || !s.active || s.role != ROLE_SUPERVISOR)
		return kerr_set(err, by ? by : "", "only an active supervisor can %s", act);
	return 0;
}

static void diff_json(dbuf *d, int64_t id, long day, const recon_diff *x)
{
	char date[16];
	civil_format(day, date, sizeof date);
	dbuf_add(d, "{");
	dbuf_ki(d, "id", id);
	dbuf_kv(d, "day", date);
	dbuf_kv(d, "kind", recon_kind_name(x->kind));
	dbuf_kv(d, "out_trade_no", x->out_trade_no);
	dbuf_kv(d, "out_refund_no", x->out_refund_no);
	dbuf_kv(d, "transaction_id", x->transaction_id);
	dbuf_ki(d, "book_fen", x->book_fen);
	dbuf_ki(d, "bill_fen", x->bill_fen);
	dbuf_ki(d, "due_fen", x->due_fen);
	dbuf_kv(d, "detail", x->detail);
	dbuf_add(d, "}");
}

static int resolve_one(kdb *db, const paydiff_rec *r, const char *by, const char *note, kerr *err);

/* The new duplicate difference id: when its case has a duplicate payment's
 * refund (numbered "-D1") that went through, resolve it with that refund.
 * 1 resolved, 0 not, -1 error. */
static int dup_refunded(kdb *db, int64_t id, kerr *err)
{
	paydiff_rec r;
	if (db_paydiff_get(db, id, &r, err) != 0)
		return -1;
	sqlite3_stmt *st = dbi_stmt(db, "SELECT r.out_refund_no, r.approved_by, r.requested_by"
				    " FROM refunds r JOIN cases c ON c.id = r.case_id"
				    " JOIN payments p ON p.id = r.payment_id"
				    " WHERE c.case_no = ?1 AND c.case_no <> '' AND r.state = 'SUCCESS'"
				    /* a duplicate's refund: its order's number + "-D1", exactly */
				    "  AND r.out_refund_no = p.out_trade_no || '" PAY_REFUND_DUP_SUFFIX "'"
				    "  AND (?2 = '' OR p.out_trade_no = ?2)"
				    " ORDER BY r.id LIMIT 1", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, r.d.case_no, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r.d.out_trade_no, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	char no[65] = "", by[33] = "", asked[33] = "";
	if (rc == SQLITE_ROW) {
		dbi_copy(no, sizeof no, (const char *)sqlite3_column_text(st, 0));
		dbi_copy(by, sizeof by, (const char *)sqlite3_column_text(st, 1));
		dbi_copy(asked, sizeof asked, (const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return dbi_sqlerr(db, err, "reading the case's refunds");
	char note[RECON_NOTE_MAX + 1];
	snprintf(note, sizeof note, "重复支付退款 %s SUCCESS (requested by %s, approved by %s)", no,
		 asked, by);
	return resolve_one(db, &r, by, note, err) ? -1 : 1;
}

int db_recon_record(kdb *db, long day, const char *by, const char *bill_sha1, size_t bill_rows,
		    const recon_diff *d, size_t n, recon_outcome *out, kerr *err)
{
	memset(out, 0, sizeof *out);
	if (!bill_sha1 || (strlen(bill_sha1) != 0 && strlen(bill_sha1) != 40))
		return kerr_set(err, "bill_sha1", "40 hex digits, or none for a day without a bill");
	if (dbi_op_begin(db, err))
		return -1;
	paydiff_rec *had = NULL;
	size_t n_had = 0;
	bool *seen = NULL;
	dbuf t = { 0 };
	if (check_supervisor(db, by, "reconcile the payments", err) ||
	    db_paydiffs_of_day(db, day, &had, &n_had, err))
		goto fail;
	seen = calloc(n_had + 1, 1);
	if (!seen) {
		kerr_set(err, NULL, "out of memory");
		goto fail;
	}
	int64_t now = clock_now_ms();
	sqlite3_stmt *st = dbi_stmt(db, "INSERT INTO pay_recons (day, run_by, run_ms, bill_sha1,"
				    " bill_rows, found, still_open) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)",
				    err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, day);
	sqlite3_bind_text(st, 2, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_text(st, 4, bill_sha1, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (int64_t)bill_rows);
	sqlite3_bind_int64(st, 6, (int64_t)n);
	if (dbi_step_done(db, st, "recording the reconciliation", err))
		goto fail;
	out->run_id = sqlite3_last_insert_rowid(db->h);
	for (size_t i = 0; i < n; i++) {
		const recon_diff *x = &d[i];
		/* found before: open stays open, explained stays explained; a
		 * cleared one found again is a new finding */
		bool known = false;
		for (size_t k = 0; k < n_had && !known; k++) {
			if (had[k].status == PD_CLEARED || !recon_same(&had[k].d, x))
				continue;
			known = true;
			seen[k] = true;
			if (had[k].status == PD_OPEN)
				out->kept++;
			else
				out->explained++;
		}
		if (known)
			continue;
		st = dbi_stmt(db, "INSERT INTO pay_diffs (day, recon_id, kind, case_no, out_trade_no,"
			      " out_refund_no, transaction_id, book_fen, bill_fen, due_fen, detail)"
			      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)", err);
		if (!st)
			goto fail;
		sqlite3_bind_int64(st, 1, day);
		sqlite3_bind_int64(st, 2, out->run_id);
		sqlite3_bind_text(st, 3, recon_kind_name(x->kind), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, x->case_no, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, x->out_trade_no, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, x->out_refund_no, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 7, x->transaction_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, x->book_fen < -1 ? -1 : x->book_fen);
		sqlite3_bind_int64(st, 9, x->bill_fen < -1 ? -1 : x->bill_fen);
		sqlite3_bind_int64(st, 10, x->due_fen < -1 ? -1 : x->due_fen);
		sqlite3_bind_text(st, 11, x->detail, -1, SQLITE_STATIC);
		if (dbi_step_done(db, st, "recording a payment difference", err))
			goto fail;
		int64_t id = sqlite3_last_insert_rowid(db->h);
		t.len = 0;
		diff_json(&t, id, day, x);
		const char *text = dbuf_done(&t, err);
		if (!text || dbi_audit_append(db, by, AUD_PAY_DIFF, x->case_no, text, err))
			goto fail;
		/* charged twice, and the duplicate refunded already (重复支付退款):
		 * explained by the refund, resolved by the supervisor who approved it */
		int done = x->kind == RK_DUPLICATE ? dup_refunded(db, id, err) : 0;
		if (done < 0)
			goto fail;
		if (done) {
			out->explained++;
			continue;
		}
		out->added++;
	}
	char when[32];
	clock_format_local(now, when, sizeof when);
	for (size_t k = 0; k < n_had; k++) {
		if (seen[k] || had[k].status != PD_OPEN)
			continue;
		char note[96];
		snprintf(note, sizeof note, "no longer found by the reconciliation of %s", when);
		st = dbi_stmt(db, "UPDATE pay_diffs SET status = 'cleared', resolved_by = ?2,"
			      " resolved_ms = ?3, note = ?4 WHERE id = ?1 AND status = 'open'", err);
		if (!st)
			goto fail;
		sqlite3_bind_int64(st, 1, had[k].id);
		sqlite3_bind_text(st, 2, by, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, now);
		sqlite3_bind_text(st, 4, note, -1, SQLITE_STATIC);
		if (dbi_step_done(db, st, "clearing a payment difference", err))
			goto fail;
		t.len = 0;
		dbuf_add(&t, "{");
		dbuf_ki(&t, "id", had[k].id);
		dbuf_kv(&t, "kind", recon_kind_name(had[k].d.kind));
		dbuf_kv(&t, "status", "cleared");
		dbuf_kv(&t, "note", note);
		dbuf_add(&t, "}");
		const char *text = dbuf_done(&t, err);
		if (!text || dbi_audit_append(db, by, AUD_PAY_DIFF, had[k].d.case_no, text, err))
			goto fail;
		out->cleared++;
	}
	out->open = out->added + out->kept;
	st = dbi_stmt(db, "UPDATE pay_recons SET still_open = ?2 WHERE id = ?1", err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, out->run_id);
	sqlite3_bind_int64(st, 2, (int64_t)out->open);
	if (dbi_step_done(db, st, "recording the reconciliation", err))
		goto fail;
	char date[16];
	civil_format(day, date, sizeof date);
	t.len = 0;
	dbuf_add(&t, "{");
	dbuf_kv(&t, "day", date);
	dbuf_kv(&t, "bill_sha1", bill_sha1);
	dbuf_ki(&t, "bill_rows", (long long)bill_rows);
	dbuf_ki(&t, "found", (long long)n);
	dbuf_ki(&t, "new", (long long)out->added);
	dbuf_ki(&t, "cleared", (long long)out->cleared);
	dbuf_ki(&t, "open", (long long)out->open);
	dbuf_add(&t, "}");
	const char *text = dbuf_done(&t, err);
	if (!text || dbi_audit_append(db, by, AUD_PAY_RECONCILE, "", text, err))
		goto fail;
	dbuf_free(&t);
	free(had);
	free(seen);
	return dbi_op_commit(db, err);
fail:
	dbuf_free(&t);
	free(had);
	free(seen);
	dbi_op_rollback(db);
	memset(out, 0, sizeof *out);
	return -1;
}

/* Mark difference r resolved by `by` with note, audited (pay.resolve), in
 * the caller's operation. */
static int resolve_one(kdb *db, const paydiff_rec *r, const char *by, const char *note, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db, "UPDATE pay_diffs SET status = 'resolved', resolved_by = ?2,"
				    " resolved_ms = ?3, note = ?4 WHERE id = ?1 AND status = 'open'",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, r->id);
	sqlite3_bind_text(st, 2, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, clock_now_ms());
	sqlite3_bind_text(st, 4, note, -1, SQLITE_STATIC);
	if (dbi_step_done(db, st, "resolving a payment difference", err))
		return -1;
	char date[16];
	civil_format(r->day, date, sizeof date);
	dbuf t = { 0 };
	dbuf_add(&t, "{");
	dbuf_ki(&t, "id", r->id);
	dbuf_kv(&t, "day", date);
	dbuf_kv(&t, "kind", recon_kind_name(r->d.kind));
	dbuf_kv(&t, "out_trade_no", r->d.out_trade_no);
	dbuf_kv(&t, "out_refund_no", r->d.out_refund_no);
	dbuf_kv(&t, "note", note);
	dbuf_add(&t, "}");
	const char *text = dbuf_done(&t, err);
	int rc = !text || dbi_audit_append(db, by, AUD_PAY_RESOLVE, r->d.case_no, text, err) ? -1 : 0;
	dbuf_free(&t);
	return rc;
}

int db_recon_resolve(kdb *db, int64_t id, const char *by, const char *note, kerr *err)
{
	long chars = note ? dbi_utf8_chars(note) : -1;
	if (chars < 1 || strlen(note) > RECON_NOTE_MAX || strspn(note, " ") == strlen(note))
		return kerr_set(err, "--note", "say what was done about the difference (refunded, "
				"booked, explained): 1 to %d bytes of plain text", RECON_NOTE_MAX);
	if (dbi_op_begin(db, err))
		return -1;
	paydiff_rec r;
	if (check_supervisor(db, by, "resolve a payment difference", err))
		goto fail;
	int rc = db_paydiff_get(db, id, &r, err);
	if (rc != 0) {
		if (rc == 1)
			kerr_set(err, "--id", "no payment difference %lld", (long long)id);
		goto fail;
	}
	if (r.status != PD_OPEN) {
		kerr_set(err, "--id", "difference %lld is %s already (by %s: %s)", (long long)id,
			 paydiff_status_name(r.status), r.resolved_by, r.note);
		goto fail;
	}
	if (resolve_one(db, &r, by, note, err))
		goto fail;
	return dbi_op_commit(db, err);
fail:
	dbi_op_rollback(db);
	return -1;
}

int db_recon_resolve_dup(kdb *db, const char *case_no, const char *out_trade_no, const char *by,
			 const char *note, size_t *n, kerr *err)
{
	if (n)
		*n = 0;
	if (!case_no || !*case_no)
		return 0;
	if (dbi_op_begin(db, err))
		return -1;
	/* and the payment of that order the bill had before the kiosk booked it
	 * (`unbooked`: a second order paid late, taken up, then refunded, which
	 * is what its "to do" asks) */
	sqlite3_stmt *st = dbi_stmt(db, "SELECT id FROM pay_diffs WHERE status = 'open' AND case_no = ?1"
				    " AND ((kind = 'duplicate' AND (out_trade_no = '' OR out_trade_no = ?2))"
				    "  OR (kind = 'unbooked' AND out_refund_no = '' AND out_trade_no = ?2"
				    "   AND ?2 <> ''))"
				    " ORDER BY id",
				    err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, case_no, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, out_trade_no ? out_trade_no : "", -1, SQLITE_STATIC);
	int64_t ids[64];
	size_t k = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && k < sizeof ids / sizeof *ids)
		ids[k++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		dbi_sqlerr(db, err, "reading the case's payment differences");
		goto fail;
	}
	for (size_t i = 0; i < k; i++) {
		paydiff_rec r;
		if (db_paydiff_get(db, ids[i], &r, err) != 0 || resolve_one(db, &r, by, note, err))
			goto fail;
	}
	if (n)
		*n = k;
	return dbi_op_commit(db, err);
fail:
	dbi_op_rollback(db);
	return -1;
}
