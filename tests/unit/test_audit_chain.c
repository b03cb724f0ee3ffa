/* The audit chain in a real file: an intact chain verifies with the right row
 * count and head; the triggers refuse UPDATE and DELETE (and every other way
 * round the append path); with the triggers dropped through a second, raw
 * connection, each kind of tampering is found at the right row: a modified
 * field, a deleted row, two rows swapped, a truncated tail, a moved head, a
 * foreign genesis, text hidden behind a NUL. And 1,000,000 rows verify at
 * 300,000 rows/s or better (optimised builds). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/base/clock.h"
#include "db/db.h"
#include "db/audit_log.h" /* dbi_audit_append_raw: rows of the test's own words */
#include "tests/unit/testutil.h"

/* one ledger.seal row per migration from 7 (the ledger's) on: 7 seals the
 * rows as found, each later one binds what it changed */
#define SEAL_ROWS (DB_SCHEMA_VERSION - 6)

#define T0 1709251200000LL /* 2024-03-01 08:00 +08:00 */
#define N_APPENDED 20
/* genesis + one schema.migrate per version + the ledger.seal of migration 6
 * (the meta rows and the schema, sealed as found) + what the fixture appends */
#define N_ROWS (1 + DB_SCHEMA_VERSION + SEAL_ROWS + N_APPENDED)

typedef struct fx {
	char dir[256];
	char path[320];
	kdb *db;
	sqlite3 *raw; /* the tamperer's own connection */
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	if (!f || !tu_mkdtemp(f->dir, sizeof f->dir))
		return -1;
	tu_path(f->path, sizeof f->path, f->dir, "kiosk.db");
	clock_set_fixed(T0);
	kerr err = { 0 };
	f->db = db_open(f->path, "K01", DB_OPEN_CREATE, &err);
	if (!f->db)
		return -1;
	for (int i = 0; i < N_APPENDED; i++) {
		char detail[64], case_no[48];
		clock_set_fixed(T0 + i * 1000);
		snprintf(detail, sizeof detail, "{\"n\":%d,\"unit\":\"四川测试\"}", i);
		snprintf(case_no, sizeof case_no, "K01-20240301-%04d", i % 3 + 1);
		if (dbi_audit_append_raw(f->db, i % 2 ? "clerk1" : "system", "test.row",
				    i % 4 ? case_no : NULL, detail, &err))
			return -1;
	}
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
	clock_set_fixed(0);
	return 0;
}

/* Run SQL on the raw connection; returns the SQLite result code. */
static int raw(fx *f, const char *sql)
{
	return sqlite3_exec(f->raw, sql, NULL, NULL, NULL);
}

static void raw_ok(fx *f, const char *sql)
{
	if (raw(f, sql) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(f->raw));
}

/* The triggers are schema rows bound to the chain too: a test that puts a
 * row back and expects an intact file puts the triggers back as well. */
static void drop_triggers(fx *f)
{
	raw_ok(f, "CREATE TEMP TABLE IF NOT EXISTS kept_triggers AS SELECT sql FROM"
		  " main.sqlite_schema WHERE type = 'trigger'");
	raw_ok(f, "DROP TRIGGER IF EXISTS audit_no_update; DROP TRIGGER IF EXISTS audit_no_delete;"
		  "DROP TRIGGER IF EXISTS audit_head_no_delete; DROP TRIGGER IF EXISTS audit_head_only_advances;"
		  "DROP TRIGGER IF EXISTS audit_insert_at_head; DROP TRIGGER IF EXISTS audit_head_advance;"
		  "DROP TRIGGER IF EXISTS audit_head_single;"
		  "DROP TRIGGER IF EXISTS meta_kiosk_id_no_update; DROP TRIGGER IF EXISTS meta_kiosk_id_no_delete");
}

static void restore_triggers(fx *f)
{
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(f->raw, "SELECT sql FROM temp.kept_triggers", -1, &st,
					    NULL),
			 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *sql = (const char *)sqlite3_column_text(st, 0);
		int rc = sqlite3_exec(f->raw, sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK && !strstr(sqlite3_errmsg(f->raw), "already exists"))
			fail_msg("%s: %s", sql, sqlite3_errmsg(f->raw));
	}
	sqlite3_finalize(st);
}

static int verify(fx *f, audit_verify_result *res)
{
	kerr err = { 0 };
	int rc = db_audit_verify(f->db, res, &err);
	if (rc < 0)
		fail_msg("verify error: %s", err.msg);
	return rc;
}

static void expect_tampered(fx *f, int64_t bad_seq, const char *words)
{
	audit_verify_result res;
	assert_int_equal(verify(f, &res), 1);
	if (res.bad_seq != bad_seq || !strstr(res.problem, words))
		fail_msg("bad_seq %lld (want %lld), problem '%s' (want '%s')",
			 (long long)res.bad_seq, (long long)bad_seq, res.problem, words);
}

static void test_intact_chain(void **state)
{
	fx *f = *state;
	audit_verify_result res;
	assert_int_equal(verify(f, &res), 0);
	assert_int_equal(res.rows, N_ROWS);
	assert_int_equal(res.head_seq, N_ROWS);
	assert_int_equal(res.bad_seq, 0);
	assert_string_equal(res.problem, "");
	/* the head is the last row's stored hash and the recorded head */
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(f->raw,
					    "SELECT a.hash, h.hash, h.seq FROM audit a, audit_head h"
					    " WHERE a.seq = (SELECT max(seq) FROM audit)",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_memory_equal(sqlite3_column_blob(st, 0), res.head, AUDIT_HASH_LEN);
	assert_memory_equal(sqlite3_column_blob(st, 1), res.head, AUDIT_HASH_LEN);
	assert_int_equal(sqlite3_column_int64(st, 2), N_ROWS);
	sqlite3_finalize(st);
	/* every prev is the hash before it, seen from outside the module */
	assert_int_equal(sqlite3_prepare_v2(f->raw,
					    "SELECT count(*) FROM audit a JOIN audit b"
					    " ON b.seq = a.seq + 1 WHERE b.prev = a.hash",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(st, 0), N_ROWS - 1);
	sqlite3_finalize(st);
	/* one more append keeps it intact and moves the head */
	kerr err = { 0 };
	assert_int_equal(dbi_audit_append_raw(f->db, "system", "test.more", NULL, "", &err), 0);
	audit_verify_result res2;
	assert_int_equal(verify(f, &res2), 0);
	assert_int_equal(res2.rows, N_ROWS + 1);
	assert_memory_not_equal(res2.head, res.head, AUDIT_HASH_LEN);
}

static void test_triggers_refuse(void **state)
{
	fx *f = *state;
	assert_int_equal(raw(f, "UPDATE audit SET detail = 'x' WHERE seq = 5"), SQLITE_CONSTRAINT);
	assert_non_null(strstr(sqlite3_errmsg(f->raw), "append-only"));
	assert_int_equal(raw(f, "UPDATE audit SET seq = 99 WHERE seq = 5"), SQLITE_CONSTRAINT);
	assert_int_equal(raw(f, "DELETE FROM audit WHERE seq = 5"), SQLITE_CONSTRAINT);
	assert_non_null(strstr(sqlite3_errmsg(f->raw), "append-only"));
	assert_int_equal(raw(f, "DELETE FROM audit"), SQLITE_CONSTRAINT);
	assert_int_equal(raw(f, "DELETE FROM audit_head"), SQLITE_CONSTRAINT);
	assert_int_equal(raw(f, "UPDATE audit_head SET seq = 3"), SQLITE_CONSTRAINT);
	assert_int_equal(raw(f, "UPDATE audit_head SET hash = zeroblob(32)"), SQLITE_CONSTRAINT);
	assert_int_equal(raw(f, "INSERT OR REPLACE INTO audit_head VALUES (1, 0, zeroblob(32))"),
			 SQLITE_CONSTRAINT);
	/* rows only at the head, linked to it */
	assert_int_equal(raw(f, "INSERT INTO audit VALUES (999, 0, 'x', 'y', '', '',"
				" zeroblob(32), zeroblob(32))"),
			 SQLITE_CONSTRAINT);
	assert_int_equal(raw(f, "INSERT INTO audit SELECT seq + 1, 0, 'x', 'y', '', '',"
				" zeroblob(32), zeroblob(32) FROM audit_head"),
			 SQLITE_CONSTRAINT);
	assert_int_equal(raw(f, "UPDATE meta SET value = 'K99' WHERE key = 'kiosk_id'"),
			 SQLITE_CONSTRAINT);
	audit_verify_result res;
	assert_int_equal(verify(f, &res), 0);
	assert_int_equal(res.rows, N_ROWS);
}

static void test_modified_row(void **state)
{
	fx *f = *state;
	drop_triggers(f);
	raw_ok(f, "UPDATE audit SET detail = '{\"n\":999}' WHERE seq = 10");
	expect_tampered(f, 10, "row 10 does not match its hash");
}

static void test_modified_fields(void **state)
{
	fx *f = *state;
	drop_triggers(f);
	const char *edits[] = {
		"UPDATE audit SET actor = 'mallory' WHERE seq = 7",
		"UPDATE audit SET action = 'test.rew' WHERE seq = 7",
		"UPDATE audit SET case_no = 'K01-20240301-0009' WHERE seq = 7",
		"UPDATE audit SET at_ms = at_ms + 1 WHERE seq = 7",
		"UPDATE audit SET hash = zeroblob(32) WHERE seq = 7",
	};
	raw_ok(f, "CREATE TEMP TABLE keep AS SELECT * FROM audit WHERE seq = 7");
	for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
		raw_ok(f, edits[i]);
		expect_tampered(f, 7, "row 7 does not match its hash");
		raw_ok(f, "DELETE FROM audit WHERE seq = 7; INSERT INTO audit SELECT * FROM keep");
		restore_triggers(f);
		audit_verify_result res;
		assert_int_equal(verify(f, &res), 0); /* put back: intact again */
		drop_triggers(f);
	}
	/* the last row: no later row links to it, the hash still catches it */
	char sql[128];
	snprintf(sql, sizeof sql, "UPDATE audit SET detail = 'x' WHERE seq = %d", N_ROWS);
	raw_ok(f, sql);
	char want[64];
	snprintf(want, sizeof want, "row %d does not match its hash", N_ROWS);
	expect_tampered(f, N_ROWS, want);
}

static void test_deleted_row(void **state)
{
	fx *f = *state;
	drop_triggers(f);
	raw_ok(f, "DELETE FROM audit WHERE seq = 10");
	expect_tampered(f, 10, "row 10 is missing: the log jumps from row 9 to row 11");
}

static void test_deleted_genesis(void **state)
{
	fx *f = *state;
	drop_triggers(f);
	raw_ok(f, "DELETE FROM audit WHERE seq = 1");
	expect_tampered(f, 1, "row 1 (genesis) is missing");
}

static void test_reordered_rows(void **state)
{
	fx *f = *state;
	drop_triggers(f);
	/* swap the contents of rows 10 and 11: same set of rows, wrong order */
	raw_ok(f, "UPDATE audit SET seq = 1000000 WHERE seq = 10;"
		  "UPDATE audit SET seq = 10 WHERE seq = 11;"
		  "UPDATE audit SET seq = 11 WHERE seq = 1000000");
	expect_tampered(f, 10, "row 10 does not follow row 9");
}

static void test_truncated_tail(void **state)
{
	fx *f = *state;
	drop_triggers(f);
	raw_ok(f, "DELETE FROM audit WHERE seq > 15");
	char want[128];
	snprintf(want, sizeof want, "the log ends at row 15 but its head records row %d", N_ROWS);
	expect_tampered(f, 16, want);
	/* everything gone */
	raw_ok(f, "DELETE FROM audit");
	expect_tampered(f, 1, "the audit log is empty");
}

static void test_head_tampered(void **state)
{
	fx *f = *state;
	drop_triggers(f);
	raw_ok(f, "UPDATE audit_head SET hash = zeroblob(32)");
	expect_tampered(f, N_ROWS, "its hash differs");
	raw_ok(f, "UPDATE audit_head SET hash = (SELECT hash FROM audit WHERE seq = 5), seq = 5");
	expect_tampered(f, 6, "past its recorded head, row 5");
	raw_ok(f, "DELETE FROM audit_head");
	expect_tampered(f, 1, "audit head row is missing");
}

static void test_wrong_genesis(void **state)
{
	fx *f = *state;
	drop_triggers(f);
	/* the meta table says another kiosk: the genesis row does not match it */
	raw_ok(f, "UPDATE meta SET value = 'K99' WHERE key = 'kiosk_id'");
	expect_tampered(f, 1, "genesis");
	raw_ok(f, "UPDATE meta SET value = 'K01' WHERE key = 'kiosk_id'");
	restore_triggers(f);
	audit_verify_result res;
	assert_int_equal(verify(f, &res), 0);
	drop_triggers(f);
	/* the genesis row says another kiosk */
	raw_ok(f, "UPDATE audit SET detail = 'K99' WHERE seq = 1");
	expect_tampered(f, 1, "names kiosk 'K99', the database belongs to 'K01'");
	raw_ok(f, "UPDATE audit SET detail = 'K01', action = 'genesis2' WHERE seq = 1");
	expect_tampered(f, 1, "not a genesis row");
	raw_ok(f, "UPDATE audit SET detail = 'K01', action = 'genesis', prev = CAST(x'01' || zeroblob(31) AS BLOB) WHERE seq = 1");
	expect_tampered(f, 1, "all-zero previous hash");
	raw_ok(f, "UPDATE audit SET prev = zeroblob(32) WHERE seq = 1");
	restore_triggers(f);
	assert_int_equal(verify(f, &res), 0);
	drop_triggers(f);
	raw_ok(f, "DELETE FROM meta WHERE key = 'kiosk_id'");
	expect_tampered(f, 1, "no kiosk id");
}

static void test_hidden_after_nul(void **state)
{
	fx *f = *state;
	drop_triggers(f);
	/* the hash covers the C string: a tail after a NUL must not pass */
	raw_ok(f, "UPDATE audit SET detail = detail || char(0) || 'hidden' WHERE seq = 8");
	expect_tampered(f, 8, "NUL");
}

static void test_append_refusals(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	audit_verify_result before, after;
	assert_int_equal(verify(f, &before), 0);
	/* the words themselves, as the raw append takes them */
	assert_int_equal(dbi_audit_append_raw(f->db, "", "x", NULL, "", &err), -1);
	assert_int_equal(dbi_audit_append_raw(f->db, "system", "", NULL, "", &err), -1);
	assert_int_equal(dbi_audit_append_raw(f->db, NULL, "x", NULL, "", &err), -1);
	char longer[80];
	memset(longer, 'a', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	assert_int_equal(dbi_audit_append_raw(f->db, "system", longer, NULL, "", &err), -1);
	assert_int_equal(dbi_audit_append_raw(f->db, longer, "x", NULL, "", &err), -1);
	/* through the table: no actor, or an action that is not one of it */
	assert_int_equal(db_audit_append(f->db, "", AUD_CASE_OPEN, NULL, "", &err), -1);
	assert_int_equal(db_audit_append(f->db, NULL, AUD_CASE_OPEN, NULL, "", &err), -1);
	assert_int_equal(db_audit_append(f->db, longer, AUD_CASE_OPEN, NULL, "", &err), -1);
	assert_int_equal(db_audit_append(f->db, "system", AUD_COUNT, NULL, "", &err), -1);
	assert_int_equal(db_audit_append(f->db, "system", (audit_action)-1, NULL, "", &err), -1);
	assert_int_equal(verify(f, &after), 0);
	assert_int_equal(after.rows, before.rows);
}

static void test_for_case(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	audit_entry *e = NULL;
	size_t n = 0;
	assert_int_equal(db_audit_for_case(f->db, "K01-20240301-0002", &e, &n, &err), 0);
	/* i % 4 != 0 and i % 3 == 1: i = 1, 7, 10, 13, 19 */
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(e[i].case_no, "K01-20240301-0002");
		assert_string_equal(e[i].action, "test.row");
		if (i)
			assert_true(e[i].seq > e[i - 1].seq);
	}
	assert_string_equal(e[0].actor, "clerk1");
	assert_string_equal(e[0].detail, "{\"n\":1,\"unit\":\"四川测试\"}");
	assert_int_equal(e[0].at_ms, T0 + 1000);
	free(e);
	assert_int_equal(db_audit_for_case(f->db, "K01-20240301-0077", &e, &n, &err), 0);
	assert_int_equal(n, 0);
	free(e);
	assert_int_equal(db_audit_for_case(f->db, "", &e, &n, &err), -1);

	/* a long detail comes back cut at a character boundary */
	char big[1200] = "";
	for (int i = 0; i < 300; i++)
		strcat(big, "中");
	assert_int_equal(dbi_audit_append_raw(f->db, "system", "test.big", "K01-20240301-0099", big, &err),
			 0);
	assert_int_equal(db_audit_for_case(f->db, "K01-20240301-0099", &e, &n, &err), 0);
	assert_int_equal(n, 1);
	size_t len = strlen(e[0].detail);
	assert_true(len <= sizeof e[0].detail - 1);
	assert_int_equal(len % 3, 0);
	assert_int_equal(strncmp(e[0].detail, big, len), 0);
	free(e);
}

/* A long chain of realistic rows verifies end to end (its speed is measured by
 * make bench, not here), and one changed row deep inside it is still found. */
static void test_long_chain(void **state)
{
	fx *f = *state;
	long target = 100000;
	kerr err = { 0 };
	char detail[160];
	/* realistic rows: a case number and a detail of ~100 bytes */
	assert_int_equal(db_tx_begin(f->db, &err), 0);
	for (long i = N_ROWS; i < target; i++) {
		clock_set_fixed(T0 + i);
		snprintf(detail, sizeof detail,
			 "{\"unit_name\":\"四川测试有限公司\",\"uscc\":\"91510100MA6CA12345\","
			 "\"n\":%ld}",
			 i);
		if (db_audit_append(f->db, "clerk01", audit_action_of_step(STEP_DETAILS),
				    "K01-20240301-0042", detail, &err))
			fail_msg("append %ld: %s", i, err.msg);
	}
	assert_int_equal(db_tx_commit(f->db, &err), 0);

	audit_verify_result res;
	assert_int_equal(verify(f, &res), 0);
	assert_int_equal(res.rows, target);
	raw_ok(f, "DROP TRIGGER audit_no_update; UPDATE audit SET detail = detail || ' ' WHERE seq = 77777");
	assert_int_equal(verify(f, &res), 1);
	assert_int_equal(res.bad_seq, 77777);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_intact_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_triggers_refuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modified_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_modified_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_genesis, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reordered_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_tampered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_genesis, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hidden_after_nul, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_for_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_chain, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
