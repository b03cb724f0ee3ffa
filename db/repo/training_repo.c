/* training_repo: the trainer's score sheet (training_repo.h). */
#include "db/repo/training_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/base/kini.h"
#include "core/base/civil.h"
#include "db/audit_log.h"
#include "db/store.h"

/* A fixed-size text field of the record is terminated and holds 1..max
 * characters (0.. when may_be_empty) without control characters. */
static int check_text(const char *what, const char *s, size_t cap, long max, bool may_be_empty,
		      kerr *err)
{
	if (strnlen(s, cap) == cap)
		return kerr_set(err, "training result", "%s is not terminated", what);
	if (!*s && may_be_empty)
		return 0;
	long chars = dbi_utf8_chars(s);
	if (chars < 1 || chars > max)
		return kerr_set(err, "training result", "%s must be 1 to %ld characters of text "
				"(no control characters)", what, max);
	return 0;
}

static bool scenario_id_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > SCENARIO_ID_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static int validate(const training_result *r, kerr *err)
{
	if (check_text("session_no", r->session_no, sizeof r->session_no, TRAINING_SESSION_MAX,
		       false, err) ||
	    check_text("trainee", r->trainee, sizeof r->trainee, 32, false, err) ||
	    check_text("case_no", r->case_no, sizeof r->case_no, 47, true, err))
		return -1;
	if (strnlen(r->scenario_id, sizeof r->scenario_id) == sizeof r->scenario_id ||
	    !scenario_id_ok(r->scenario_id))
		return kerr_set(err, "training result", "scenario_id must be 1-%d of a-z, 0-9 "
				"and '_' (a scenario of scenarios.ini)", SCENARIO_ID_MAX);
	trainee_outcome eo, dout;
	stop_reason er, dr;
	if (strnlen(r->expected, sizeof r->expected) == sizeof r->expected ||
	    !score_word_parse(r->expected, &eo, &er) || eo == OUT_CANCEL)
		return kerr_set(err, "training result", "expected '%.*s' is not an expected "
				"outcome (accept, rongque, refuse, stop:<reason>)",
				(int)sizeof r->expected - 1, r->expected);
	if (strnlen(r->decided, sizeof r->decided) == sizeof r->decided ||
	    !score_word_parse(r->decided, &dout, &dr))
		return kerr_set(err, "training result", "decided '%.*s' is not an outcome (accept, "
				"rongque, refuse, stop:<reason>, cancel)",
				(int)sizeof r->decided - 1, r->decided);
	size_t ml = strnlen(r->missed, sizeof r->missed);
	size_t bad;
	if (ml == sizeof r->missed || !kini_utf8_valid(r->missed, ml, &bad))
		return kerr_set(err, "training result", "missed is not terminated UTF-8 text");
	if (r->correct && (strcmp(r->expected, r->decided) != 0 || ml))
		return kerr_set(err, "training result", "a right play decides what was expected "
				"and misses nothing (expected %s, decided %s)", r->expected,
				r->decided);
	if (!r->correct && !ml)
		return kerr_set(err, "training result", "a wrong play says what was missed");
	if (r->at_ms < 0)
		return kerr_set(err, "training result", "at_ms %lld is before 1970",
				(long long)r->at_ms);
	return 0;
}

/* 1 when the query with one text parameter returns a row, 0 none, -1 error. */
static int exists(kdb *db, const char *sql, const char *param, const char *what, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db, sql, err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return dbi_sqlerr(db, err, what);
}

int db_training_record(kdb *db, const training_result *r, kerr *err)
{
	if (!db || !r)
		return kerr_set(err, "training result", "db_training_record needs a database and "
				"a result");
	if (validate(r, err) < 0)
		return -1;
	int64_t at = r->at_ms ? r->at_ms : clock_now_ms();

	if (dbi_op_begin(db, err))
		return -1;
	int e = exists(db, "SELECT 1 FROM staff WHERE id = ?1", r->trainee, "looking up staff",
		       err);
	if (e == 0)
		kerr_set(err, "training result", "trainee '%s' is not a member of staff here; "
			 "log in as a demo trainee", r->trainee);
	if (e != 1)
		goto fail;
	if (r->case_no[0]) {
		e = exists(db, "SELECT 1 FROM cases WHERE case_no = ?1", r->case_no,
			   "looking up the case", err);
		if (e == 0)
			kerr_set(err, "training result", "case %s is not in this database",
				 r->case_no);
		if (e != 1)
			goto fail;
		e = exists(db, "SELECT 1 FROM training_results WHERE case_no = ?1", r->case_no,
			   "looking up the scores", err);
		if (e == 1)
			kerr_set(err, "training result", "case %s is scored already; a case is one "
				 "play", r->case_no);
		if (e != 0)
			goto fail;
	}
	sqlite3_stmt *st = dbi_stmt(db,
				    "INSERT INTO training_results (session_no, trainee, scenario_id,"
				    " case_no, expected, decided, correct, missed, at_ms)"
				    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
				    err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, r->session_no, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->trainee, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->scenario_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, r->case_no, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->expected, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->decided, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, r->correct ? 1 : 0);
	sqlite3_bind_text(st, 8, r->missed, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, at);
	if (dbi_step_done(db, st, "recording the training result", err))
		goto fail;

	dbuf d = { 0 };
	dbuf_add(&d, "{");
	dbuf_kv(&d, "session_no", r->session_no);
	dbuf_kv(&d, "scenario", r->scenario_id);
	dbuf_kv(&d, "expected", r->expected);
	dbuf_kv(&d, "decided", r->decided);
	dbuf_ki(&d, "correct", r->correct ? 1 : 0);
	dbuf_add(&d, "}");
	const char *detail = dbuf_done(&d, err);
	int rc = detail ? dbi_audit_append(db, r->trainee, AUD_TRAINING_RESULT, r->case_no, detail,
					   err)
			: -1;
	dbuf_free(&d);
	if (rc)
		goto fail;
	return dbi_op_commit(db, err);
fail:
	dbi_op_rollback(db);
	return -1;
}

static void result_fill(sqlite3_stmt *st, void *p)
{
	training_result *r = p;
	dbi_copy(r->session_no, sizeof r->session_no, (const char *)sqlite3_column_text(st, 0));
	dbi_copy(r->trainee, sizeof r->trainee, (const char *)sqlite3_column_text(st, 1));
	dbi_copy(r->scenario_id, sizeof r->scenario_id, (const char *)sqlite3_column_text(st, 2));
	dbi_copy(r->case_no, sizeof r->case_no, (const char *)sqlite3_column_text(st, 3));
	dbi_copy(r->expected, sizeof r->expected, (const char *)sqlite3_column_text(st, 4));
	dbi_copy(r->decided, sizeof r->decided, (const char *)sqlite3_column_text(st, 5));
	r->correct = sqlite3_column_int(st, 6) != 0;
	dbi_copy(r->missed, sizeof r->missed, (const char *)sqlite3_column_text(st, 7));
	r->at_ms = sqlite3_column_int64(st, 8);
}

int db_training_session(kdb *db, const char *session_no, training_result **out, size_t *n,
			kerr *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT session_no, trainee, scenario_id, case_no, expected,"
				    " decided, correct, missed, at_ms FROM training_results"
				    " WHERE session_no = ?1 ORDER BY id",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, session_no ? session_no : "", -1, SQLITE_STATIC);
	void *v = NULL;
	int rc = dbi_collect(db, st, sizeof(training_result), result_fill, &v, n,
			     "reading the training session", err);
	*out = v;
	return rc;
}

static void session_fill(sqlite3_stmt *st, void *p)
{
	training_session *s = p;
	dbi_copy(s->session_no, sizeof s->session_no, (const char *)sqlite3_column_text(st, 0));
	dbi_copy(s->trainee, sizeof s->trainee, (const char *)sqlite3_column_text(st, 1));
	s->first_ms = sqlite3_column_int64(st, 2);
	s->last_ms = sqlite3_column_int64(st, 3);
	s->played = (long)sqlite3_column_int64(st, 4);
	s->right = (long)sqlite3_column_int64(st, 5);
}

int db_training_sessions(kdb *db, training_session **out, size_t *n, kerr *err)
{
	*out = NULL;
	*n = 0;
	/* training_by_session (session_no, id) serves the grouping and the first row */
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT t.session_no,"
				    " (SELECT f.trainee FROM training_results f"
				    "  WHERE f.session_no = t.session_no ORDER BY f.id LIMIT 1),"
				    " min(t.at_ms), max(t.at_ms), count(*), sum(t.correct)"
				    " FROM training_results t GROUP BY t.session_no"
				    " ORDER BY max(t.at_ms) DESC, max(t.id) DESC",
				    err);
	if (!st)
		return -1;
	void *v = NULL;
	int rc = dbi_collect(db, st, sizeof(training_session), session_fill, &v, n,
			     "listing the training sessions", err);
	*out = v;
	return rc;
}

int db_training_next_session(kdb *db, long civil_day, char *buf, size_t n, kerr *err)
{
	if (!buf || n < 24)
		return kerr_set(err, "training session", "the buffer needs 24 bytes");
	buf[0] = '\0';
	if (civil_day < 0)
		return kerr_set(err, "training session", "day %ld is before 1970", civil_day);
	int y, m, d;
	civil_to_ymd(civil_day, &y, &m, &d);
	char prefix[24];
	snprintf(prefix, sizeof prefix, "TR-%04d%02d%02d-", y, m, d);
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT DISTINCT session_no FROM training_results"
				    " WHERE substr(session_no, 1, length(?1)) = ?1",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, prefix, -1, SQLITE_STATIC);
	long max = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0) + strlen(prefix);
		long v;
		if (kini_parse_long(s, 1, 999999, &v) == 0 && v > max)
			max = v;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "numbering the training session");
	if (max >= 999999)
		return kerr_set(err, "training session", "no session number left for %s",
				prefix);
	snprintf(buf, n, "%s%02ld", prefix, max + 1);
	return 0;
}
