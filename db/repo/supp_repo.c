/* supp_repo: 容缺补交 and 好差评 (supp_repo.h). Each write is one operation
 * (dbi_op_begin/commit): its rows, the case's change and the audit row that
 * describes them commit together, and the ledger binds them. The checks that
 * matter are made inside the transaction on the rows as stored: what the case
 * owed is read from its material decisions, its deadline from the case. */
#include "db/repo/supp_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/base/clock.h"
#include "db/audit_log.h"
#include "db/repo/staff_repo.h"
#include "db/store.h"

static const char *col_text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

/* Optional free text: NULL or "" is none; else plain text of at most max bytes. */
static int check_text(const char *what, const char *s, size_t max, bool required, kerr *err)
{
	bool blank = !s || strspn(s, " ") == strlen(s);
	if (blank)
		return required ? kerr_set(err, what, "say it in words (1 to %zu bytes)", max) : 0;
	if (strlen(s) > max)
		return kerr_set(err, what, "is longer than %zu bytes", max);
	if (dbi_check_hidden(what, s, err))
		return -1;
	if (dbi_utf8_chars(s) < 0)
		return kerr_set(err, what, "holds a control character or bytes that are not UTF-8 text");
	return 0;
}

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

/* ---- 容缺补交 ---- */

int db_case_supplement(kdb *db, const char *actor, const char *case_no, const char *const *ids,
		       size_t n, const char *late_by, const char *note, kerr *err)
{
	if (!actor || !*actor)
		return kerr_set(err, "case", "recording a supplement needs the acting staff id");
	if (!case_no || !*case_no)
		return kerr_set(err, "case", "no case number given");
	if (n == 0 || !ids)
		return kerr_set(err, case_no, "name the materials brought back");
	if (late_by && !*late_by)
		late_by = NULL;
	if (check_text("note", note, SUPP_NOTE_MAX, late_by != NULL, err))
		return -1;
	if (!late_by && note && *note)
		return kerr_set(err, "note", "a note is only written for a supplement after the deadline");
	if (late_by && strcmp(late_by, actor) == 0)
		return kerr_set(err, late_by, "a late supplement is allowed by a supervisor other than "
				"the one who takes it");
	if (dbi_op_begin(db, err))
		return -1;
	dbuf d = { 0 };
	material_decision *owed_all = NULL;
	size_t n_all = 0;
	case_rec c;
	int rc = db_case_get(db, case_no, &c, err);
	if (rc != 0) {
		if (rc == 1)
			kerr_set(err, case_no, "no such case");
		goto fail;
	}
	if (c.status != CS_RONGQUE || c.last_step != STEP_SLIP) {
		kerr_set(err, case_no,
			 c.status == CS_RONGQUE ? "the case is 容缺受理 but its slip is not printed yet: "
						  "finish the case first"
						: "the case is %s, not 容缺受理 owing a material: nothing to supplement",
			 case_status_name(c.status));
		goto fail;
	}
	long today = clock_today();
	bool late = c.rongque_deadline >= 0 && today > c.rongque_deadline;
	char dl[16];
	civil_format(c.rongque_deadline, dl, sizeof dl);
	if (late && !late_by) {
		kerr_set(err, case_no, "the deadline (%s) has passed: a supervisor decides whether the "
			 "supplement is taken, and says why", dl);
		goto fail;
	}
	if (!late && late_by) {
		kerr_set(err, case_no, "the deadline (%s) has not passed: no supervisor is needed", dl);
		goto fail;
	}
	if (late_by && check_supervisor(db, late_by, "allow a supplement after its deadline", err))
		goto fail;
	if (db_case_materials(db, case_no, &owed_all, &n_all, err))
		goto fail;
	size_t owed = 0;
	for (size_t i = 0; i < n_all; i++) {
		if (owed_all[i].mark == MARK_RECEIVED)
			continue;
		owed++;
		size_t hits = 0;
		for (size_t j = 0; j < n; j++)
			hits += ids[j] && strcmp(ids[j], owed_all[i].material_id) == 0;
		if (hits != 1) {
			kerr_set(err, owed_all[i].material_id,
				 hits ? "is named %zu times: name it once"
				      : "is owed by the case but not received (%zu): the case is completed "
					"only when everything it owed is brought",
				 hits);
			goto fail;
		}
	}
	if (owed != n) {
		kerr_set(err, case_no, "%zu materials named but the case owed %zu: name only what it owed",
			 n, owed);
		goto fail;
	}
	int64_t now = clock_now_ms();
	sqlite3_stmt *st = dbi_stmt(db, "INSERT INTO supplements (case_id, material_id, actor, at_ms,"
				    " late_by, note) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", err);
	if (!st)
		goto fail;
	dbuf_add(&d, "{\"received\":[");
	bool first = true;
	for (size_t i = 0; i < n_all; i++) {
		if (owed_all[i].mark == MARK_RECEIVED)
			continue;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, c.id);
		sqlite3_bind_text(st, 2, owed_all[i].material_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, now);
		if (late_by)
			sqlite3_bind_text(st, 5, late_by, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 5);
		sqlite3_bind_text(st, 6, note ? note : "", -1, SQLITE_STATIC);
		if (dbi_step_done(db, st, "recording the supplement", err))
			goto fail;
		if (!first)
			dbuf_add(&d, ",");
		dbuf_json(&d, owed_all[i].material_id);
		first = false;
	}
	dbuf_add(&d, "]");
	dbuf_kv(&d, "deadline", dl);
	if (late_by) {
		dbuf_kv(&d, "late_by", late_by);
		dbuf_kv(&d, "note", note);
	}
	dbuf_add(&d, "}");
	st = dbi_stmt(db, "UPDATE cases SET status = 'completed', updated_ms = ?2 WHERE id = ?1"
		      " AND status = 'rongque'", err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, c.id);
	sqlite3_bind_int64(st, 2, now);
	if (dbi_step_done(db, st, "completing the case", err))
		goto fail;
	const char *detail = dbuf_done(&d, err);
	if (!detail || dbi_audit_append(db, actor, AUD_CASE_SUPPLEMENT, case_no, detail, err))
		goto fail;
	dbuf_free(&d);
	db_material_decisions_free(owed_all, n_all);
	return dbi_op_commit(db, err);
fail:
	dbuf_free(&d);
	db_material_decisions_free(owed_all, n_all);
	dbi_op_rollback(db);
	return -1;
}

static void supp_fill(sqlite3_stmt *st, void *p)
{
	supplement_rec *s = p;
	memset(s, 0, sizeof *s);
	dbi_copy(s->material_id, sizeof s->material_id, col_text(st, 0));
	dbi_copy(s->actor, sizeof s->actor, col_text(st, 1));
	s->at_ms = sqlite3_column_int64(st, 2);
	dbi_copy(s->late_by, sizeof s->late_by, col_text(st, 3));
	dbi_copy(s->note, sizeof s->note, col_text(st, 4));
}

int db_case_supplements(kdb *db, const char *case_no, supplement_rec **out, size_t *n, kerr *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = dbi_stmt(db, "SELECT s.material_id, s.actor, s.at_ms, COALESCE(s.late_by, ''),"
				    " s.note FROM supplements s JOIN cases c ON c.id = s.case_id"
				    " WHERE c.case_no = ?1 ORDER BY s.id", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, case_no ? case_no : "", -1, SQLITE_STATIC);
	void *v = NULL;
	int rc = dbi_collect(db, st, sizeof(supplement_rec), supp_fill, &v, n,
			     "reading the case's supplements", err);
	*out = v;
	return rc;
}

int db_rongque_owed(kdb *db, case_rec **out, size_t *n, kerr *err)
{
	*out = NULL;
	*n = 0;
	/* through cases_rongque_owed (v10), a partial index of the few owed */
	sqlite3_stmt *st = dbi_stmt(db, "SELECT case_no FROM cases WHERE status = 'rongque'"
				    " AND last_step = 'slip' ORDER BY rongque_deadline, id LIMIT 200", err);
	if (!st)
		return -1;
	size_t cap = 0;
	case_rec *v = NULL;
	char (*nos)[40] = NULL;
	size_t k = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (k == cap) {
			size_t nc = cap ? cap * 2 : 16;
			void *nn = realloc(nos, nc * sizeof *nos);
			if (!nn) {
				sqlite3_reset(st);
				free(nos);
				return kerr_set(err, db->path, "out of memory listing the 容缺 cases");
			}
			nos = nn;
			cap = nc;
		}
		dbi_copy(nos[k++], sizeof nos[0], col_text(st, 0));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(nos);
		return dbi_sqlerr(db, err, "listing the 容缺 cases");
	}
	if (k && !(v = calloc(k, sizeof *v))) {
		free(nos);
		return kerr_set(err, db->path, "out of memory listing the 容缺 cases");
	}
	for (size_t i = 0; i < k; i++)
		if (db_case_get(db, nos[i], &v[i], err) != 0) {
			free(nos);
			free(v);
			return -1;
		}
	free(nos);
	*out = v;
	*n = k;
	return 0;
}

/* ---- 好差评 ---- */

#define RATING_COLS                                                                        \
	"c.case_no, r.level, r.comment, r.actor, r.at_ms, r.day, r.due_day,"              \
	" COALESCE(r.resolved_by, ''), COALESCE(r.resolved_ms, 0), r.resolution,"         \
	" c.service_id, c.unit_name, c.clerk_id"

static void rating_fill(sqlite3_stmt *st, void *p)
{
	rating_rec *r = p;
	memset(r, 0, sizeof *r);
	dbi_copy(r->case_no, sizeof r->case_no, col_text(st, 0));
	int l = rating_level_from_name(col_text(st, 1));
	r->level = l < 0 ? RATE_NONE : (rating_level)l;
	dbi_copy(r->comment, sizeof r->comment, col_text(st, 2));
	dbi_copy(r->actor, sizeof r->actor, col_text(st, 3));
	r->at_ms = sqlite3_column_int64(st, 4);
	r->day = (long)sqlite3_column_int64(st, 5);
	r->due_day = sqlite3_column_type(st, 6) == SQLITE_NULL ? -1 : (long)sqlite3_column_int64(st, 6);
	dbi_copy(r->resolved_by, sizeof r->resolved_by, col_text(st, 7));
	r->resolved_ms = sqlite3_column_int64(st, 8);
	dbi_copy(r->resolution, sizeof r->resolution, col_text(st, 9));
	dbi_copy(r->service_id, sizeof r->service_id, col_text(st, 10));
	dbi_copy(r->unit_name, sizeof r->unit_name, col_text(st, 11));
	dbi_copy(r->clerk_id, sizeof r->clerk_id, col_text(st, 12));
}

int db_rating_get(kdb *db, const char *case_no, rating_rec *out, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db, "SELECT " RATING_COLS " FROM ratings r JOIN cases c"
				    " ON c.id = r.case_id WHERE c.case_no = ?1", err);
	if (st)
		sqlite3_bind_text(st, 1, case_no ? case_no : "", -1, SQLITE_STATIC);
	return dbi_one(db, st, rating_fill, out, "reading the case's rating", err);
}

int db_rating_record(kdb *db, const char *actor, const char *case_no, rating_level level,
		     const char *comment, long due_day, kerr *err)
{
	if (!actor || !*actor)
		return kerr_set(err, "case", "recording a rating needs the acting staff id");
	if (!case_no || !*case_no)
		return kerr_set(err, "case", "no case number given");
	if ((unsigned)level >= RATE_COUNT)
		return kerr_set(err, case_no, "unknown rating level %d", (int)level);
	if (check_text("comment", comment, RATING_TEXT_MAX, false, err))
		return -1;
	bool bad = rating_is_bad(level);
	long today = clock_today();
	if (bad && due_day < today)
		return kerr_set(err, case_no, "a 差评's follow-up is due today or later");
	if (dbi_op_begin(db, err))
		return -1;
	dbuf d = { 0 };
	case_rec c;
	int rc = db_case_get(db, case_no, &c, err);
	if (rc != 0) {
		if (rc == 1)
			kerr_set(err, case_no, "no such case");
		goto fail;
	}
	if (c.last_step != STEP_SLIP && c.status != CS_CANCELLED) {
		kerr_set(err, case_no, "the case is not over yet (at %s): the customer rates it at its end",
			 case_step_name(c.last_step));
		goto fail;
	}
	rating_rec had;
	rc = db_rating_get(db, case_no, &had, err);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		kerr_set(err, case_no, "the case was rated already (%s, by %s): one rating per case "
			 "(GB/T 39734 一次一评)", rating_level_name(had.level), had.actor);
		goto fail;
	}
	sqlite3_stmt *st = dbi_stmt(db, "INSERT INTO ratings (case_id, level, comment, actor, at_ms,"
				    " day, due_day) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, c.id);
	sqlite3_bind_text(st, 2, rating_level_name(level), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, comment ? comment : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, clock_now_ms());
	sqlite3_bind_int64(st, 6, today);
	if (bad)
		sqlite3_bind_int64(st, 7, due_day);
	else
		sqlite3_bind_null(st, 7);
	if (dbi_step_done(db, st, "recording the rating", err))
		goto fail;
	dbuf_add(&d, "{");
	dbuf_kv(&d, "level", rating_level_name(level));
	if (comment && *comment)
		dbuf_kv(&d, "comment", comment);
	if (bad) {
		char day[16];
		dbuf_kv(&d, "due", civil_format(due_day, day, sizeof day));
	}
	dbuf_add(&d, "}");
	const char *detail = dbuf_done(&d, err);
	if (!detail || dbi_audit_append(db, actor, AUD_CASE_RATING, case_no, detail, err))
		goto fail;
	dbuf_free(&d);
	return dbi_op_commit(db, err);
fail:
	dbuf_free(&d);
	dbi_op_rollback(db);
	return -1;
}

int db_rating_resolve(kdb *db, const char *by, const char *case_no, const char *what, kerr *err)
{
	if (!case_no || !*case_no)
		return kerr_set(err, "case", "no case number given");
	if (check_text("resolution", what, RATING_TEXT_MAX, true, err))
		return -1;
	if (dbi_op_begin(db, err))
		return -1;
	dbuf d = { 0 };
	rating_rec r;
	if (check_supervisor(db, by, "record the follow-up of a 差评", err))
		goto fail;
	int rc = db_rating_get(db, case_no, &r, err);
	if (rc != 0) {
		if (rc == 1)
			kerr_set(err, case_no, "the case has no rating");
		goto fail;
	}
	if (!rating_is_bad(r.level)) {
		kerr_set(err, case_no, "the case was rated %s: only a 差评 is followed up",
			 rating_level_name(r.level));
		goto fail;
	}
	if (r.resolved_by[0]) {
		kerr_set(err, case_no, "the 差评 was followed up already (by %s: %s)", r.resolved_by,
			 r.resolution);
		goto fail;
	}
	int64_t now = clock_now_ms();
	sqlite3_stmt *st = dbi_stmt(db, "UPDATE ratings SET resolved_by = ?2, resolved_ms = ?3,"
				    " resolution = ?4 WHERE case_id = (SELECT id FROM cases WHERE"
				    " case_no = ?1) AND resolved_by IS NULL", err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, case_no, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now);
	sqlite3_bind_text(st, 4, what, -1, SQLITE_STATIC);
	if (dbi_step_done(db, st, "recording the follow-up", err))
		goto fail;
	char due[16];
	dbuf_add(&d, "{");
	dbuf_kv(&d, "level", rating_level_name(r.level));
	dbuf_kv(&d, "due", civil_format(r.due_day, due, sizeof due));
	dbuf_kv(&d, "late", clock_local_day(now) > r.due_day ? "yes" : "no");
	dbuf_kv(&d, "what", what);
	dbuf_add(&d, "}");
	const char *detail = dbuf_done(&d, err);
	if (!detail || dbi_audit_append(db, by, AUD_RATING_RESOLVE, case_no, detail, err))
		goto fail;
	dbuf_free(&d);
	return dbi_op_commit(db, err);
fail:
	dbuf_free(&d);
	dbi_op_rollback(db);
	return -1;
}

static int rating_list(kdb *db, const char *sql, long day, rating_rec **out, size_t *n, kerr *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = dbi_stmt(db, sql, err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, day);
	void *v = NULL;
	int rc = dbi_collect(db, st, sizeof(rating_rec), rating_fill, &v, n, "listing the ratings", err);
	*out = v;
	return rc;
}

int db_ratings_bad(kdb *db, long civil_day, rating_rec **out, size_t *n, kerr *err)
{
	return rating_list(db,
			   "SELECT " RATING_COLS " FROM ratings r JOIN cases c ON c.id = r.case_id"
			   " WHERE r.due_day IS NOT NULL AND (r.day = ?1"
			   "  OR (r.day < ?1 AND r.resolved_by IS NULL))"
			   " ORDER BY r.resolved_by IS NOT NULL, r.due_day, r.id",
			   civil_day, out, n, err);
}

int db_ratings_of_day(kdb *db, long civil_day, rating_rec **out, size_t *n, kerr *err)
{
	return rating_list(db,
			   "SELECT " RATING_COLS " FROM ratings r JOIN cases c ON c.id = r.case_id"
			   " WHERE r.day = ?1 ORDER BY r.id",
			   civil_day, out, n, err);
}
