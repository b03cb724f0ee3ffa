/* report: the day's figures in two indexed queries. The day's cases are found
 * through cases_by_created on [00:00, next 00:00) Asia/Shanghai, and each
 * case's payments through payments_by_case; the ~100 rows of a day are then
 * counted here. A filter (clerk, service, search text) is part of the same
 * statements as bound parameters; the outcome, which is worked out here, is
 * filtered here. Both queries run in one read snapshot (a savepoint), so the
 * cases and their orders agree. Definitions (docs/reports.md repeats them):
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
 *   dup_refund_fen        its duplicate payments' refunds (重复支付退款),
 *                         whatever their state; dup_refund_state the latest's
 * and for each order of those cases (second query, same index path):
 *   flag_no_case          state SUCCESS, and its case has no payment step or
 *                         is cancelled or refused: money taken that no case
 *                         accounts for (finish the case or refund) */
#include "db/report/report.h"

#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/base/civil.h"
#include "core/base/clock.h"
#include "core/base/names.h"
#include "db/repo/refund_repo.h"
#include "db/store.h"

/* ---- the word tables ---- */

ENUM_DEFINE_WORD_KEY(case_outcome, CASE_OUTCOMES, "?", "?")
ENUM_DEFINE_WORD_KEY(report_flag, REPORT_FLAGS, "?", "?")

case_outcome case_outcome_of(case_status status, bool finished)
{
	switch (status) {
	case CS_COMPLETED:
		return OUTCOME_COMPLETED;
	case CS_CANCELLED:
		return OUTCOME_CANCELLED;
	/* After a refusal only the notice can follow: the decision is the outcome,
	 * printed or not (the day view says which). */
	case CS_REFUSED:
		return OUTCOME_REFUSED;
	/* Accepted (or 容缺受理) and not yet 办结: the customer was taken on and
	 * the key, payment or slip is still owed; the supervisor follows these
	 * up, so they are not lumped with cases stopped before any decision. */
	case CS_ACCEPTED:
		(void)finished;
		return OUTCOME_ACCEPTED;
	case CS_RONGQUE:
		return OUTCOME_RONGQUE;
	case CS_OPEN:
	default:
		return OUTCOME_INTERRUPTED;
	}
}

/* ---- counting ---- */

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
	free(r->mismatches);
	memset(r, 0, sizeof *r);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

/* The filter's conditions on the case c, as bound parameters ?3 clerk, ?4
 * service, ?5 search (NULL: no condition). The search compares prefixes and
 * a case number's tail with substr() and looks into names with instr(), so
 * '%' or '_' typed by the supervisor are plain characters, never patterns. */
#define FILTER_SQL                                                                  \
	" AND (?3 IS NULL OR c.clerk_id = ?3) AND (?4 IS NULL OR c.service_id = ?4)" \
	" AND (?5 IS NULL OR substr(c.case_no, 1, length(?5)) = ?5"                 \
	"  OR (length(?5) >= 4 AND substr(c.case_no, -length(?5)) = ?5)"            \
	"  OR substr(c.uscc, 1, length(?5)) = upper(?5) OR instr(c.agent_name, ?5) > 0" \
	"  OR instr(c.unit_name, ?5) > 0)"

static void bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s && *s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void bind_filter(sqlite3_stmt *st, long civil_day, const report_filter *f)
{
	sqlite3_bind_int64(st, 1, clock_day_start_ms(civil_day));
	sqlite3_bind_int64(st, 2, clock_day_start_ms(civil_day + 1));
	bind_opt(st, 3, f->clerk_id);
	bind_opt(st, 4, f->service_id);
	bind_opt(st, 5, f->search);
}

static bool outcome_wanted(const report_filter *f, case_outcome o)
{
	return f->outcomes == 0 || (f->outcomes & (1u << o)) != 0;
}

/* Every order of the day's (filtered) cases, with its case, for the
 * reconciliation. */
static int report_payments(kdb *db, long civil_day, const report_filter *f, daily_report *out,
			   kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(
		db,
		"SELECT c.case_no, c.status, p.out_trade_no, p.amount_fen, p.state,"
		" p.transaction_id, p.verified, p.created_ms, p.updated_ms,"
		" p.state = 'SUCCESS' AND (c.status IN ('cancelled', 'refused') OR NOT EXISTS"
		"  (SELECT 1 FROM case_steps s WHERE s.case_id = c.id AND s.step = 'payment')),"
		" c.finished"
		" FROM cases c JOIN payments p ON p.case_id = c.id"
		" WHERE c.created_ms >= ?1 AND c.created_ms < ?2" FILTER_SQL
		" ORDER BY c.created_ms, c.id, p.updated_ms, p.id",
		err);
	if (!st)
		return -1;
	bind_filter(st, civil_day, f);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int v = case_status_from_name(col_text(st, 1));
		case_status cs = v < 0 ? CS_OPEN : (case_status)v;
		if (!outcome_wanted(f, case_outcome_of(cs, sqlite3_column_int(st, 10) != 0)))
			continue;
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
		dbi_copy(p->case_no, sizeof p->case_no, col_text(st, 0));
		p->case_status = cs;
		dbi_copy(p->out_trade_no, sizeof p->out_trade_no, col_text(st, 2));
		p->amount_fen = sqlite3_column_int64(st, 3);
		dbi_copy(p->state, sizeof p->state, col_text(st, 4));
		dbi_copy(p->transaction_id, sizeof p->transaction_id, col_text(st, 5));
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

static int add_mismatch(daily_report *r, size_t *cap, report_flag flag, const report_case *c,
			const report_payment *p)
{
	if (r->n_mismatches == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		report_mismatch *nv = realloc(r->mismatches, nc * sizeof *nv);
		if (!nv)
			return -1;
		r->mismatches = nv;
		*cap = nc;
	}
	report_mismatch *m = &r->mismatches[r->n_mismatches++];
	memset(m, 0, sizeof *m);
	m->flag = flag;
	dbi_copy(m->case_no, sizeof m->case_no, c ? c->case_no : p->case_no);
	if (c) {
		m->fee_fen = c->fee_fen;
		m->paid_fen = c->paid_fen;
	}
	if (p) {
		dbi_copy(m->out_trade_no, sizeof m->out_trade_no, p->out_trade_no);
		m->amount_fen = p->amount_fen;
	}
	return 0;
}

/* The mismatch list, walking cases and orders together: both are in case
 * order, so each case's flags come with its orders' flags after them. */
static int list_mismatches(daily_report *r)
{
	size_t cap = 0, j = 0;
	for (size_t i = 0; i < r->n_cases; i++) {
		const report_case *c = &r->cases[i];
		const int flags[RF_COUNT] = {
			[RF_UNVERIFIED_PAID] = c->flag_unverified_paid,
			[RF_UNDERPAID] = c->flag_underpaid,
			[RF_NO_VERIFIED_SUCCESS] = c->flag_no_verified_success,
			[RF_OVERPAID] = c->flag_overpaid,
		};
		for (int k = 0; k < RF_COUNT; k++)
			if (flags[k] && add_mismatch(r, &cap, (report_flag)k, c, NULL))
				return -1;
		for (; j < r->n_payments && strcmp(r->payments[j].case_no, c->case_no) == 0; j++)
			if (r->payments[j].flag_no_case &&
			    add_mismatch(r, &cap, RF_SUCCESS_WITHOUT_CASE, c, &r->payments[j]))
				return -1;
	}
	/* Orders whose case is not listed cannot happen (same filter); kept, not lost. */
	for (; j < r->n_payments; j++)
		if (r->payments[j].flag_no_case &&
		    add_mismatch(r, &cap, RF_SUCCESS_WITHOUT_CASE, NULL, &r->payments[j]))
			return -1;
	return 0;
}

static int report_cases(kdb *db, long civil_day, const report_filter *f, daily_report *out,
			kerr *err)
{
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
		"   AND p.state IN ('SUCCESS', 'REFUND') AND p.verified = 1),"
		" c.agent_name, c.decision, c.rongque_deadline,"
		/* why it was cancelled: the last case.cancel audit row (a refund's
		 * too), looked up for cancelled cases only, through audit_by_case
		 * (a partial index: case_no <> '' lets the planner use it) */
		" CASE WHEN c.status = 'cancelled' THEN (SELECT json_extract(a.detail, '$.reason')"
		"   FROM audit a WHERE a.case_no = c.case_no AND a.case_no <> ''"
		"   AND a.action = 'case.cancel' AND json_valid(a.detail) ORDER BY a.seq DESC LIMIT 1) END,"
		" CASE WHEN c.status = 'cancelled' THEN (SELECT COALESCE(json_extract(a.detail, '$.code'),"
		"   CASE WHEN json_extract(a.detail, '$.out_refund_no') IS NOT NULL THEN 'refund' END)"
		"   FROM audit a WHERE a.case_no = c.case_no AND a.case_no <> ''"
		"   AND a.action = 'case.cancel' AND json_valid(a.detail) ORDER BY a.seq DESC LIMIT 1) END,"
		/* its duplicate payments refunded (重复支付退款: numbered "-D1") */
		" (SELECT COALESCE(SUM(r.amount_fen), 0) FROM refunds r WHERE r.case_id = c.id"
		"   AND" DB_REFUND_IS_DUP_SQL("r") "),"
		" (SELECT r.state FROM refunds r WHERE r.case_id = c.id"
		"   AND" DB_REFUND_IS_DUP_SQL("r") " ORDER BY r.id DESC LIMIT 1),"
		/* 容缺补交 and 好差评 (v10): through their case's unique keys */
		" (SELECT MAX(s.at_ms) FROM supplements s WHERE s.case_id = c.id),"
		" (SELECT r.level FROM ratings r WHERE r.case_id = c.id),"
		" (SELECT r.due_day FROM ratings r WHERE r.case_id = c.id),"
		" (SELECT r.resolved_by FROM ratings r WHERE r.case_id = c.id)"
		" FROM cases c WHERE c.created_ms >= ?1 AND c.created_ms < ?2" FILTER_SQL
		" ORDER BY c.created_ms, c.id",
		err);
	if (!st)
		return -1;
	bind_filter(st, civil_day, f);
	size_t cap = 0, cap_svc = 0, cap_clerk = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int v = case_status_from_name(col_text(st, 3));
		case_status status = v < 0 ? CS_OPEN : (case_status)v;
		bool finished = sqlite3_column_int(st, 9) != 0;
		case_outcome outcome = case_outcome_of(status, finished);
		if (!outcome_wanted(f, outcome))
			continue;
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
		dbi_copy(c->case_no, sizeof c->case_no, col_text(st, 0));
		dbi_copy(c->service_id, sizeof c->service_id, col_text(st, 1));
		dbi_copy(c->clerk_id, sizeof c->clerk_id, col_text(st, 2));
		c->status = status;
		c->outcome = outcome;
		c->finished = finished;
		const char *ls = col_text(st, 4);
		v = strcmp(ls, "none") != 0 ? case_step_from_name(ls) : -1;
		c->last_step = v < 0 ? STEP_NONE : (case_step)v;
		dbi_copy(c->unit_name, sizeof c->unit_name, col_text(st, 5));
		dbi_copy(c->uscc, sizeof c->uscc, col_text(st, 6));
		c->fee_fen = sqlite3_column_int64(st, 7);
		c->created_ms = sqlite3_column_int64(st, 8);
		c->paid_fen = sqlite3_column_int64(st, 10);
		dbi_copy(c->pay_state, sizeof c->pay_state, col_text(st, 11));
		c->flag_unverified_paid = sqlite3_column_int(st, 12) != 0;
		c->flag_underpaid = finished &&
				    (c->status == CS_COMPLETED || c->status == CS_RONGQUE) &&
				    c->fee_fen > c->paid_fen;
		c->flag_no_verified_success = sqlite3_column_int(st, 13) != 0 && c->fee_fen > 0 &&
					      sqlite3_column_int(st, 14) == 0;
		c->flag_overpaid = c->paid_fen > c->fee_fen;
		dbi_copy(c->agent_name, sizeof c->agent_name, col_text(st, 15));
		v = case_decision_from_name(col_text(st, 16));
		c->decision = v < 0 ? DEC_NONE : (case_decision)v;
		c->rongque_deadline = sqlite3_column_type(st, 17) == SQLITE_NULL
					      ? -1
					      : (long)sqlite3_column_int64(st, 17);
		dbi_copy(c->cancel_reason, sizeof c->cancel_reason, col_text(st, 18));
		dbi_copy(c->cancel_code, sizeof c->cancel_code, col_text(st, 19));
		c->dup_refund_fen = sqlite3_column_int64(st, 20);
		dbi_copy(c->dup_refund_state, sizeof c->dup_refund_state, col_text(st, 21));
		c->supplied_ms = sqlite3_column_int64(st, 22);
		dbi_copy(c->rating, sizeof c->rating, col_text(st, 23));
		if (sqlite3_column_type(st, 24) != SQLITE_NULL)
			civil_format((long)sqlite3_column_int64(st, 24), c->rating_due, sizeof c->rating_due);
		dbi_copy(c->rating_resolved_by, sizeof c->rating_resolved_by, col_text(st, 25));
		/* Overdue: still 容缺 (not supplemented, not cancelled) after its day. */
		c->rongque_overdue = c->status == CS_RONGQUE && c->rongque_deadline >= 0 &&
				     c->rongque_deadline < out->today;

		out->by_status[c->status]++;
		out->by_outcome[c->outcome]++;
		if (c->status == CS_ACCEPTED || c->status == CS_RONGQUE || c->status == CS_COMPLETED)
			out->due_fen += c->fee_fen;
		out->paid_fen += c->paid_fen;
		if (c->flag_unverified_paid || c->flag_underpaid || c->flag_no_verified_success ||
		    c->flag_overpaid)
			out->n_flagged++;
		if (c->status == CS_RONGQUE) {
			out->n_rongque++;
			if (c->rongque_overdue)
				out->n_rongque_overdue++;
		}
		if (count_key(&out->by_service, &out->n_by_service, &cap_svc, c->service_id) ||
		    count_key(&out->by_clerk, &out->n_by_clerk, &cap_clerk, c->clerk_id))
			goto oom;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "reading the day's cases");
	if (out->n_by_service)
		qsort(out->by_service, out->n_by_service, sizeof *out->by_service, by_key);
	if (out->n_by_clerk)
		qsort(out->by_clerk, out->n_by_clerk, sizeof *out->by_clerk, by_key);
	return 0;
oom:
	sqlite3_reset(st);
	return kerr_set(err, db->path, "out of memory building the daily report");
}

static int check_filter(const report_filter *f, kerr *err)
{
	const struct {
		const char *name, *v;
	} t[] = { { "clerk", f->clerk_id }, { "service", f->service_id }, { "search", f->search } };
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (t[i].v && (strlen(t[i].v) > 255 || dbi_utf8_chars(t[i].v) < 0))
			return kerr_set(err, t[i].name,
					"the filter must be plain text up to 255 bytes, without "
					"control characters");
	if (f->outcomes >> OUTCOME_COUNT)
		return kerr_set(err, "outcome", "unknown outcome bit in the filter (0x%x)",
				f->outcomes);
	return 0;
}

int db_report_filtered(kdb *db, long civil_day, const report_filter *f, daily_report *out,
		       kerr *err)
{
	static const report_filter none = { 0 };
	if (!f)
		f = &none;
	memset(out, 0, sizeof *out);
	out->day = civil_day;
	out->today = clock_today();
	if (check_filter(f, err))
		return -1;
	/* One read snapshot: the cases and their orders agree even while the
	 * counter goes on writing. */
	if (dbi_exec(db, "SAVEPOINT report", err))
		return -1;
	int rc = report_cases(db, civil_day, f, out, err);
	if (rc == 0)
		rc = report_payments(db, civil_day, f, out, err);
	if (rc == 0 && list_mismatches(out))
		rc = kerr_set(err, db->path, "out of memory building the daily report");
	dbi_exec(db, "RELEASE report", NULL);
	if (rc != 0) {
		long today = out->today;
		daily_report_free(out);
		out->day = civil_day;
		out->today = today;
		return -1;
	}
	return 0;
}

int db_report_daily(kdb *db, long civil_day, daily_report *out, kerr *err)
{
	return db_report_filtered(db, civil_day, NULL, out, err);
}

/* ---- a span of days ---- */

void range_report_free(range_report *r)
{
	if (!r)
		return;
	free(r->days);
	memset(r, 0, sizeof *r);
}

static void range_add(range_day *to, const range_day *d)
{
	to->cases += d->cases;
	for (int o = 0; o < OUTCOME_COUNT; o++)
		to->by_outcome[o] += d->by_outcome[o];
	to->due_fen += d->due_fen;
	to->paid_fen += d->paid_fen;
	to->mismatches += d->mismatches;
}

int db_report_range(kdb *db, long from_day, long to_day, range_report *out, kerr *err)
{
	memset(out, 0, sizeof *out);
	out->from_day = from_day;
	out->to_day = to_day;
	out->total.day = -1;
	if (to_day < from_day)
		return kerr_set(err, "range", "the last day comes before the first: give --from "
				"the earlier date and --to the later one");
	if (to_day - from_day + 1 > REPORT_RANGE_MAX_DAYS)
		return kerr_set(err, "range",
				"%ld days asked for, at most %d at a time: report a year or less "
				"(a month is one --from/--to pair)",
				to_day - from_day + 1, REPORT_RANGE_MAX_DAYS);
	size_t n = (size_t)(to_day - from_day + 1);
	out->days = calloc(n, sizeof *out->days);
	if (!out->days)
		return kerr_set(err, db->path, "out of memory building the range report");
	out->n_days = n;
	/* Each day is counted by the daily report itself, so a day of the range
	 * is exactly that day's report; one snapshot for all of them. */
	if (dbi_exec(db, "SAVEPOINT report_range", err)) {
		range_report_free(out);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		range_day *d = &out->days[i];
		d->day = from_day + (long)i;
		daily_report r;
		rc = db_report_daily(db, d->day, &r, err);
		if (rc != 0)
			break;
		d->cases = (long)r.n_cases;
		for (int o = 0; o < OUTCOME_COUNT; o++)
			d->by_outcome[o] = r.by_outcome[o];
		d->due_fen = r.due_fen;
		d->paid_fen = r.paid_fen;
		d->mismatches = (long)r.n_mismatches;
		daily_report_free(&r);
		range_add(&out->total, d);
	}
	dbi_exec(db, "RELEASE report_range", NULL);
	if (rc != 0) {
		range_report_free(out);
		out->from_day = from_day;
		out->to_day = to_day;
		out->total.day = -1;
		return -1;
	}
	return 0;
}
