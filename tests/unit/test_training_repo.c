/* The trainer's score sheet (db/training_repo) on a real database file:
 * results read back as written and in play order, with their audit rows and
 * an intact chain; sessions listed latest first with their totals; every kind
 * of bad record refused with nothing written (neither row nor audit);
 * session numbers per day; and a scenario scored by core/score recorded end
 * to end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/case/catalog.h"
#include "core/base/clock.h"
#include "core/train/scenario.h"
#include "core/train/score.h"
#include "db/repo/case_repo.h"
#include "db/db.h"
#include "db/repo/staff_repo.h"
#include "db/repo/training_repo.h"
#include "tests/unit/testutil.h"

/* 2024-03-01 08:00 +08:00; civil day 19783 */
#define T0 1709251200000LL
#define DAY0 19783L
#define MIN_MS (60 * 1000LL)

static char template_dir[256];
static char template_path[320];
static char cases[3][40]; /* three demo cases opened in the template */

typedef struct fx {
	char dir[256];
	char path[320];
	kdb *db;
	sqlite3 *raw;
} fx;

/* Staff are added once (scrypt is slow on purpose); each test copies the file. */
static int group_setup(void **state)
{
	(void)state;
	if (!tu_mkdtemp(template_dir, sizeof template_dir))
		return -1;
	tu_path(template_path, sizeof template_path, template_dir, "template.db");
	clock_set_fixed(T0);
	kerr err = { { 0 }, { 0 } };
	catalog *cat = catalog_load(KIOSK_CONFIG_DIR, &err);
	kdb *db = cat ? db_open(template_path, "DEMO", DB_OPEN_CREATE, &err) : NULL;
	int rc = !db || db_staff_add(db, "system", "demo01", "培训学员", ROLE_CLERK, "246810", &err) ||
		 db_staff_add(db, "system", "demo02", "培训学员二", ROLE_CLERK, "135790", &err);
	for (int i = 0; i < 3 && !rc; i++) {
		case_rec c;
		rc = db_case_open(db, catalog_service(cat, "zc.renew"), "demo01", &c, &err);
		snprintf(cases[i], sizeof cases[i], "%s", c.case_no);
	}
	if (rc)
		fprintf(stderr, "template: %s: %s\n", err.where, err.msg);
	db_close(db);
	catalog_free(cat);
	return rc ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tu_rmrf(template_dir);
	clock_set_fixed(0);
	return 0;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	if (!f || !tu_mkdtemp(f->dir, sizeof f->dir))
		return -1;
	tu_path(f->path, sizeof f->path, f->dir, "demo.db");
	clock_set_fixed(T0);
	kerr err = { { 0 }, { 0 } };
	kdb *tpl = db_open(template_path, NULL, DB_OPEN_EXISTING, &err);
	if (!tpl)
		return -1;
	int rc = db_backup(tpl, f->path, &err);
	db_close(tpl);
	if (rc || !(f->db = db_open(f->path, "DEMO", DB_OPEN_EXISTING, &err)))
		return -1;
	if (sqlite3_open_v2(f->path, &f->raw, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(f->raw, 5000);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	sqlite3_close(f->raw);
	db_close(f->db);
	tu_rmrf(f->dir);
	free(f);
	return 0;
}

static long long count(fx *f, const char *sql)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->raw, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static training_result result(const char *session, const char *trainee, const char *scenario_id,
			      const char *case_no, const char *expected, const char *decided,
			      const char *missed, int64_t at)
{
	training_result r;
	memset(&r, 0, sizeof r);
	snprintf(r.session_no, sizeof r.session_no, "%s", session);
	snprintf(r.trainee, sizeof r.trainee, "%s", trainee);
	snprintf(r.scenario_id, sizeof r.scenario_id, "%s", scenario_id);
	snprintf(r.case_no, sizeof r.case_no, "%s", case_no);
	snprintf(r.expected, sizeof r.expected, "%s", expected);
	snprintf(r.decided, sizeof r.decided, "%s", decided);
	snprintf(r.missed, sizeof r.missed, "%s", missed);
	r.correct = !missed[0];
	r.at_ms = at;
	return r;
}

static void record_ok(fx *f, const training_result *r)
{
	kerr err = { { 0 }, { 0 } };
	if (db_training_record(f->db, r, &err) != 0)
		fail_msg("%s: %s", err.where, err.msg);
}

static void records_read_back_in_order(void **state)
{
	fx *f = *state;
	training_result in[3] = {
		result("TR-20240301-01", "demo01", "renew_ok", cases[0], "accept", "accept", "",
		       T0 + 1 * MIN_MS),
		result("TR-20240301-01", "demo01", "renew_form_copy", cases[1], "refuse", "accept",
		       "应为「不予受理」，实际为「受理」\n要点：申请表须为原件", T0 + 2 * MIN_MS),
		result("TR-20240301-01", "demo01", "renew_too_early", cases[2],
		       "stop:outside_window", "stop:key_mismatch", "停办原因应为…", T0 + 3 * MIN_MS),
	};
	long long audit0 = count(f, "SELECT count(*) FROM audit");
	for (int i = 0; i < 3; i++)
		record_ok(f, &in[i]);
	/* a result row each, and its binding */
	assert_int_equal(count(f, "SELECT count(*) FROM audit"), audit0 + 6);

	training_result *out = NULL;
	size_t n = 0;
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(db_training_session(f->db, "TR-20240301-01", &out, &n, &err), 0);
	assert_int_equal(n, 3);
	for (int i = 0; i < 3; i++) {
		assert_string_equal(out[i].session_no, in[i].session_no);
		assert_string_equal(out[i].trainee, in[i].trainee);
		assert_string_equal(out[i].scenario_id, in[i].scenario_id);
		assert_string_equal(out[i].case_no, in[i].case_no);
		assert_string_equal(out[i].expected, in[i].expected);
		assert_string_equal(out[i].decided, in[i].decided);
		assert_int_equal(out[i].correct, in[i].correct);
		assert_string_equal(out[i].missed, in[i].missed);
		assert_int_equal(out[i].at_ms, in[i].at_ms);
	}
	free(out);

	/* the audit row, on the case's timeline */
	audit_entry *a = NULL;
	size_t na = 0;
	assert_int_equal(db_audit_for_case(f->db, cases[1], &a, &na, &err), 0);
	assert_true(na >= 1);
	assert_string_equal(a[na - 1].action, "training.result");
	assert_string_equal(a[na - 1].actor, "demo01");
	assert_string_equal(a[na - 1].detail,
			    "{\"session_no\":\"TR-20240301-01\",\"scenario\":\"renew_form_copy\","
			    "\"expected\":\"refuse\",\"decided\":\"accept\",\"correct\":0}");
	free(a);
	audit_verify_result v;
	assert_int_equal(db_audit_verify(f->db, &v, &err), 0);

	/* an unknown session is empty, not an error */
	assert_int_equal(db_training_session(f->db, "TR-none", &out, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(out);
	assert_int_equal(db_training_session(f->db, NULL, &out, &n, &err), 0);
	assert_int_equal(n, 0);
}

static void sessions_latest_first_with_totals(void **state)
{
	fx *f = *state;
	kerr err = { { 0 }, { 0 } };
	training_session *s = NULL;
	size_t n = 9;
	assert_int_equal(db_training_sessions(f->db, &s, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(s);

	/* A: two right, one wrong, earlier; B: one wrong, later; C: played between */
	training_result r;
	r = result("A", "demo01", "renew_ok", cases[0], "accept", "accept", "", T0 + 1 * MIN_MS);
	record_ok(f, &r);
	r = result("C", "demo02", "unlock_ok", "", "accept", "accept", "", T0 + 2 * MIN_MS);
	record_ok(f, &r);
	r = result("A", "demo01", "change_ok", cases[1], "accept", "refuse", "x", T0 + 3 * MIN_MS);
	record_ok(f, &r);
	r = result("A", "demo02", "new_rongque", "", "rongque", "rongque", "", T0 + 4 * MIN_MS);
	record_ok(f, &r);
	r = result("B", "demo02", "key_mismatch", cases[2], "stop:key_mismatch", "cancel", "y",
		   T0 + 9 * MIN_MS);
	record_ok(f, &r);

	assert_int_equal(db_training_sessions(f->db, &s, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(s[0].session_no, "B");
	assert_int_equal(s[0].played, 1);
	assert_int_equal(s[0].right, 0);
	assert_string_equal(s[1].session_no, "A");
	assert_string_equal(s[1].trainee, "demo01"); /* its first row's */
	assert_int_equal(s[1].played, 3);
	assert_int_equal(s[1].right, 2);
	assert_int_equal(s[1].first_ms, T0 + 1 * MIN_MS);
	assert_int_equal(s[1].last_ms, T0 + 4 * MIN_MS);
	assert_string_equal(s[2].session_no, "C");
	assert_int_equal(s[2].played, 1);
	assert_int_equal(s[2].right, 1);
	free(s);
}

static void at_zero_is_now(void **state)
{
	fx *f = *state;
	clock_set_fixed(T0 + 42);
	training_result r = result("S", "demo01", "renew_ok", "", "accept", "accept", "", 0);
	record_ok(f, &r);
	assert_int_equal(count(f, "SELECT at_ms FROM training_results"), T0 + 42);
}

/* Each bad record: -1, err says where and what, and nothing was written. */
static void expect_refused(fx *f, const training_result *r, const char *must)
{
	long long rows = count(f, "SELECT count(*) FROM training_results");
	long long audit = count(f, "SELECT count(*) FROM audit");
	kerr err = { { 0 }, { 0 } };
	if (db_training_record(f->db, r, &err) != -1)
		fail_msg("recorded, expected a refusal with '%s'", must);
	if (!strstr(err.msg, must))
		fail_msg("'%s' not in: %s", must, err.msg);
	assert_int_equal(count(f, "SELECT count(*) FROM training_results"), rows);
	assert_int_equal(count(f, "SELECT count(*) FROM audit"), audit);
}

static void bad_records_refused(void **state)
{
	fx *f = *state;
	training_result ok = result("S1", "demo01", "renew_ok", cases[0], "accept", "accept", "", T0);
	training_result r;

	r = ok; r.session_no[0] = '\0';
	expect_refused(f, &r, "session_no");
	r = ok; memset(r.session_no, 'x', 41); r.session_no[41] = '\0';
	expect_refused(f, &r, "session_no");
	r = ok; snprintf(r.session_no, sizeof r.session_no, "a\tb");
	expect_refused(f, &r, "session_no");
	r = ok; memset(r.session_no, 'x', sizeof r.session_no); /* not terminated */
	expect_refused(f, &r, "session_no");
	r = ok; snprintf(r.trainee, sizeof r.trainee, "nobody");
	expect_refused(f, &r, "not a member of staff");
	r = ok; r.trainee[0] = '\0';
	expect_refused(f, &r, "trainee");
	r = ok; snprintf(r.scenario_id, sizeof r.scenario_id, "Renew-OK");
	expect_refused(f, &r, "scenario_id");
	r = ok; r.scenario_id[0] = '\0';
	expect_refused(f, &r, "scenario_id");
	r = ok; snprintf(r.case_no, sizeof r.case_no, "DEMO-20240301-0999");
	expect_refused(f, &r, "not in this database");
	r = ok; snprintf(r.expected, sizeof r.expected, "cancel");
	expect_refused(f, &r, "expected");
	r = ok; snprintf(r.expected, sizeof r.expected, "stop");
	expect_refused(f, &r, "expected");
	r = ok; snprintf(r.decided, sizeof r.decided, "stop:maybe");
	expect_refused(f, &r, "decided");
	r = ok; snprintf(r.decided, sizeof r.decided, "refuse");
	expect_refused(f, &r, "a right play"); /* correct but decided otherwise */
	r = ok; snprintf(r.missed, sizeof r.missed, "something");
	expect_refused(f, &r, "a right play"); /* correct but something missed */
	r = ok; r.correct = false;
	expect_refused(f, &r, "says what was missed");
	r = ok; r.correct = false; snprintf(r.missed, sizeof r.missed, "bad \xC3\x28 byte");
	expect_refused(f, &r, "UTF-8");
	r = ok; r.at_ms = -1;
	expect_refused(f, &r, "1970");
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(db_training_record(f->db, NULL, &err), -1);
	assert_int_equal(db_training_record(NULL, &ok, &err), -1);

	/* a case is scored once */
	record_ok(f, &ok);
	r = ok;
	snprintf(r.session_no, sizeof r.session_no, "S2");
	expect_refused(f, &r, "scored already");
	/* without a case, the same scenario may be played again */
	r = ok; r.case_no[0] = '\0';
	record_ok(f, &r);
	record_ok(f, &r);
	assert_int_equal(count(f, "SELECT count(*) FROM training_results"), 3);
}

static void session_numbers_per_day(void **state)
{
	fx *f = *state;
	kerr err = { { 0 }, { 0 } };
	char no[32];
	assert_int_equal(db_training_next_session(f->db, DAY0, no, sizeof no, &err), 0);
	assert_string_equal(no, "TR-20240301-01");
	training_result r = result(no, "demo01", "renew_ok", "", "accept", "accept", "", T0);
	record_ok(f, &r);
	record_ok(f, &r); /* two rows, one session */
	assert_int_equal(db_training_next_session(f->db, DAY0, no, sizeof no, &err), 0);
	assert_string_equal(no, "TR-20240301-02");
	r = result("TR-20240301-09", "demo01", "renew_ok", "", "accept", "accept", "", T0);
	record_ok(f, &r);
	r = result("TR-20240301-x1", "demo01", "renew_ok", "", "accept", "accept", "", T0);
	record_ok(f, &r); /* not a number: ignored */
	assert_int_equal(db_training_next_session(f->db, DAY0, no, sizeof no, &err), 0);
	assert_string_equal(no, "TR-20240301-10");
	/* another day starts again */
	assert_int_equal(db_training_next_session(f->db, DAY0 + 1, no, sizeof no, &err), 0);
	assert_string_equal(no, "TR-20240302-01");
	assert_int_equal(db_training_next_session(f->db, DAY0, no, 8, &err), -1);
	assert_int_equal(db_training_next_session(f->db, -1, no, sizeof no, &err), -1);
}

/* A scenario scored by core/score and recorded as the screens will. */
static void scored_play_recorded(void **state)
{
	fx *f = *state;
	kerr err = { { 0 }, { 0 } };
	catalog *cat = catalog_load(KIOSK_CONFIG_DIR, &err);
	assert_non_null(cat);
	scenario_set *set = scenario_set_load(KIOSK_CONFIG_DIR, cat, &err);
	assert_non_null(set);
	const scenario *sc = scenario_find(set, "renew_form_copy");
	assert_non_null(sc);
	score_mark marks[] = { { "app_form", "received" }, { "agent_id_copy", "received" },
			       { "usb_key", "received" } };
	trainee_play p = { .outcome = OUT_ACCEPT, .marks = marks, .n_marks = 3 };
	score_result s;
	assert_int_equal(score_play(set, sc, &p, LANG_ZH, &s, &err), 0);
	assert_false(s.correct);

	training_result r;
	memset(&r, 0, sizeof r);
	snprintf(r.session_no, sizeof r.session_no, "TR-20240301-01");
	snprintf(r.trainee, sizeof r.trainee, "demo02");
	snprintf(r.scenario_id, sizeof r.scenario_id, "%s", sc->id);
	snprintf(r.case_no, sizeof r.case_no, "%s", cases[2]);
	memcpy(r.expected, s.expected, sizeof r.expected);
	memcpy(r.decided, s.decided, sizeof r.decided);
	r.correct = s.correct;
	memcpy(r.missed, s.missed, sizeof r.missed);
	record_ok(f, &r);

	/* and the right play of the next scenario */
	sc = scenario_find(set, "renew_too_early");
	assert_non_null(sc);
	trainee_play q = { .outcome = OUT_STOP, .reason = STOP_OUTSIDE_WINDOW };
	assert_int_equal(score_play(set, sc, &q, LANG_ZH, &s, &err), 0);
	assert_true(s.correct);
	snprintf(r.scenario_id, sizeof r.scenario_id, "%s", sc->id);
	r.case_no[0] = '\0';
	memcpy(r.expected, s.expected, sizeof r.expected);
	memcpy(r.decided, s.decided, sizeof r.decided);
	r.correct = s.correct;
	memcpy(r.missed, s.missed, sizeof r.missed);
	record_ok(f, &r);

	training_result *out = NULL;
	size_t n = 0;
	assert_int_equal(db_training_session(f->db, "TR-20240301-01", &out, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_false(out[0].correct);
	assert_non_null(strstr(out[0].missed, "复印件（须原件）"));
	assert_string_equal(out[1].expected, "stop:outside_window");
	assert_true(out[1].correct);
	free(out);
	scenario_set_free(set);
	catalog_free(cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(records_read_back_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(sessions_latest_first_with_totals, setup, teardown),
		cmocka_unit_test_setup_teardown(at_zero_is_now, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_records_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(session_numbers_per_day, setup, teardown),
		cmocka_unit_test_setup_teardown(scored_play_recorded, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
