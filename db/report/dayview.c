/* dayview: the daily report over the filtered cases (db_report_filtered), and
 * two more indexed reads of the same day in the same snapshot: the refused
 * cases' notices (cases_by_created, then the material_decisions primary key)
 * and the day's key moves (token_events_by_time). Refusals and key events are
 * matched to the rows here, so a filter applies to them exactly as to the
 * rows. */
#include "db/report/dayview.h"

#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "db/store.h"

static const char *col_text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

void dayview_free(dayview *v)
{
	if (!v)
		return;
	daily_report_free(&v->r);
	for (size_t i = 0; i < v->n_refusals; i++)
		free(v->refusals[i].notice);
	free(v->refusals);
	free(v->keys);
	memset(v, 0, sizeof *v);
}

/* Index of the row holding case_no, searching from *from on (the reads are in
 * the rows' order, so the search moves forward); -1 when the case is not a
 * row (filtered out). */
static long row_of(const daily_report *r, size_t *from, const char *case_no)
{
	for (size_t i = *from; i < r->n_cases; i++)
		if (strcmp(r->cases[i].case_no, case_no) == 0) {
			*from = i;
			return (long)i;
		}
	return -1;
}

static bool is_row(const daily_report *r, const char *case_no)
{
	for (size_t i = 0; i < r->n_cases; i++)
		if (strcmp(r->cases[i].case_no, case_no) == 0)
			return true;
	return false;
}

static bool filter_active(const dayview_filter *f)
{
	return f && ((f->clerk_id && *f->clerk_id) || (f->service_id && *f->service_id) ||
		     f->outcomes || (f->search && *f->search));
}

static int grow(void **v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 8;
	void *nv = realloc(*v, nc * size);
	if (!nv)
		return -1;
	*v = nv;
	*cap = nc;
	return 0;
}

/* The refused rows with every material not received (the notice). */
static int read_refusals(kdb *db, long civil_day, dayview *out, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(
		db,
		"SELECT c.case_no, m.material_id, m.mark, m.reason, m.essential,"
		" EXISTS (SELECT 1 FROM case_steps s WHERE s.case_id = c.id AND s.step = 'slip')"
		" FROM cases c LEFT JOIN material_decisions m"
		"  ON m.case_id = c.id AND m.mark <> 'received'"
		" WHERE c.created_ms >= ?1 AND c.created_ms < ?2 AND c.status = 'refused'"
		" ORDER BY c.created_ms, c.id, m.rowid",
		err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, clock_day_start_ms(civil_day));
	sqlite3_bind_int64(st, 2, clock_day_start_ms(civil_day + 1));
	size_t cap = 0, ncap = 0, from = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *case_no = col_text(st, 0);
		dayview_refusal *ref = out->n_refusals ? &out->refusals[out->n_refusals - 1] : NULL;
		if (!ref || strcmp(ref->case_no, case_no) != 0) {
			long row = row_of(&out->r, &from, case_no);
			if (row < 0)
				continue;
			if (grow((void **)&out->refusals, out->n_refusals, &cap, sizeof *out->refusals))
				goto oom;
			ref = &out->refusals[out->n_refusals++];
			memset(ref, 0, sizeof *ref);
			dbi_copy(ref->case_no, sizeof ref->case_no, case_no);
			ref->row = (size_t)row;
			ref->notice_printed = sqlite3_column_int(st, 5) != 0;
			ncap = 0;
		}
		if (sqlite3_column_type(st, 1) == SQLITE_NULL)
			continue; /* refused with every material received: an empty notice */
		if (grow((void **)&ref->notice, ref->n_notice, &ncap, sizeof *ref->notice))
			goto oom;
		dayview_notice *n = &ref->notice[ref->n_notice++];
		memset(n, 0, sizeof *n);
		dbi_copy(n->material_id, sizeof n->material_id, col_text(st, 1));
		int mark = material_mark_from_name(col_text(st, 2));
		if (mark != MARK_MISSING && mark != MARK_DEFECTIVE) {
			/* the schema's CHECK keeps other words out: the file was changed */
			kerr_set(err, ref->case_no, "a stored material mark '%.16s' is not missing or "
				 "defective: run kioskctl audit verify", col_text(st, 2));
			sqlite3_reset(st);
			return -1;
		}
		n->mark = (material_mark)mark;
		dbi_copy(n->reason, sizeof n->reason, col_text(st, 3));
		n->essential = sqlite3_column_int(st, 4) != 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "reading the day's refusals");
	return 0;
oom:
	sqlite3_reset(st);
	return kerr_set(err, db->path, "out of memory building the day view");
}

/* The day's key moves; with a filter, those of the rows' cases only. */
static int read_keys(kdb *db, long civil_day, bool filtered, dayview *out, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(
		db,
		"SELECT t.serial, e.from_state, e.to_state, e.reason, e.actor,"
		" COALESCE(c.case_no, ''), e.at_ms"
		" FROM token_events e JOIN tokens t ON t.id = e.token_id"
		" LEFT JOIN cases c ON c.id = e.case_id"
		" WHERE e.at_ms >= ?1 AND e.at_ms < ?2 ORDER BY e.at_ms, e.id",
		err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, clock_day_start_ms(civil_day));
	sqlite3_bind_int64(st, 2, clock_day_start_ms(civil_day + 1));
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *case_no = col_text(st, 5);
		if (filtered && (!*case_no || !is_row(&out->r, case_no)))
			continue;
		if (grow((void **)&out->keys, out->n_keys, &cap, sizeof *out->keys)) {
			sqlite3_reset(st);
			return kerr_set(err, db->path, "out of memory building the day view");
		}
		dayview_key_event *k = &out->keys[out->n_keys++];
		memset(k, 0, sizeof *k);
		dbi_copy(k->serial, sizeof k->serial, col_text(st, 0));
		k->from = sqlite3_column_type(st, 1) == SQLITE_NULL
				  ? -1
				  : token_state_from_name(col_text(st, 1));
		int to = token_state_from_name(col_text(st, 2));
		k->to = to < 0 ? TS_UNFORMATTED : (token_state)to;
		dbi_copy(k->reason, sizeof k->reason, col_text(st, 3));
		dbi_copy(k->actor, sizeof k->actor, col_text(st, 4));
		dbi_copy(k->case_no, sizeof k->case_no, case_no);
		k->at_ms = sqlite3_column_int64(st, 6);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "reading the day's key moves");
	return 0;
}

int db_dayview(kdb *db, long civil_day, const dayview_filter *f, dayview *out, kerr *err)
{
	memset(out, 0, sizeof *out);
	if (dbi_exec(db, "SAVEPOINT dayview", err))
		return -1;
	int rc = db_report_filtered(db, civil_day, f, &out->r, err);
	if (rc == 0)
		rc = read_refusals(db, civil_day, out, err);
	if (rc == 0)
		rc = read_keys(db, civil_day, filter_active(f), out, err);
	dbi_exec(db, "RELEASE dayview", NULL);
	if (rc != 0) {
		dayview_free(out);
		return -1;
	}
	return 0;
}
