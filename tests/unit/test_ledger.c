/* The binding of every row to the chain (db/ledger.c), on real files:
 *  - every write of the repositories is bound, in a ledger.bind row after
 *    the operation's own, and each change starts from the state last recorded
 *    of its row (the "before" hash of one record is the hash of the last);
 *  - a raw write through db/ inside an operation is bound too; one that
 *    bypasses the operations cannot commit at all (the commit hook), neither
 *    autocommitted nor in a raw BEGIN ... COMMIT; a failed operation inside an
 *    explicit transaction leaves nothing bound;
 *  - a change the kiosk makes over a row changed outside it is reported, not
 *    sealed; a schema changed outside the kiosk stops every write;
 *  - migrations: an older file's rows sealed once, as found, by a row that
 *    says so; a file taken back to an older version is not sealed again; a
 *    later migration binds what it changes (a new column, a new table, rows it
 *    writes, a table it drops after deleting its rows) and a row changed
 *    outside the kiosk before it is still reported after it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/ledger.h"
#include "db/migrate.h" /* dbi_migrate_run: a later migration, run as they all are */
#include "db/store.h"   /* dbi_op_*, dbi_exec: writes through db/ that no repository makes */
#include "tests/unit/testdb.h"
#include "tests/unit/testledger.h"

static char template_dir[256];
static char template_path[320];
static tl_cases cases;

typedef struct fx {
	char dir[256];
	char path[320];
	kdb *db;
	sqlite3 *raw;
	catalog *cat;
} fx;

static int group_setup(void **state)
{
	(void)state;
	if (!tu_mkdtemp(template_dir, sizeof template_dir))
		return -1;
	tu_path(template_path, sizeof template_path, template_dir, "template.db");
	return tl_populate(template_path, template_dir, &cases);
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
	tu_path(f->path, sizeof f->path, f->dir, "kiosk.db");
	clock_set_fixed(TL_T0 + 86400000LL); /* the fixture's day is closed: the next one */
	kerr err = { 0 };
	f->cat = catalog_load(KIOSK_CONFIG_DIR, &err);
	if (!f->cat || tu_db_copy(template_path, f->path, "K01", &f->db, &f->raw))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	sqlite3_close(f->raw);
	db_close(f->db);
	catalog_free(f->cat);
	tu_rmrf(f->dir);
	free(f);
	return 0;
}

static void raw(fx *f, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(f->raw, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
}

static long long scalar(fx *f, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(f->raw, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(f->raw));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int verify(kdb *db, audit_verify_result *res)
{
	kerr err = { 0 };
	int rc = db_audit_verify(db, res, &err);
	if (rc < 0)
		fail_msg("verify: %s: %s", err.where, err.msg);
	for (size_t i = 0; rc && i < res->n_found; i++) {
		char line[640];
		print_message("    %s\n", db_row_finding_text(&res->found[i], line, sizeof line));
	}
	return rc;
}

/* The entries of the audit row at seq, kept as "table key before? after?". */
typedef struct seen {
	char text[2048];
	uint8_t pre[8][LEDGER_PRE_LEN];
	uint8_t hash[8][AUDIT_HASH_LEN];
	bool has_pre[8], has_hash[8];
	int n;
} seen;

static int collect(void *ctx, const lentry *e)
{
	seen *s = ctx;
	char key[128];
	lkey_text(NULL, &e->key, key, sizeof key);
	size_t len = strlen(s->text);
	snprintf(s->text + len, sizeof s->text - len, "%s%s %s%s%s", len ? " | " : "", e->table,
		 key, e->has_pre ? " was" : "", e->has_hash ? " now" : "");
	if (s->n < 8) {
		memcpy(s->pre[s->n], e->pre, LEDGER_PRE_LEN);
		memcpy(s->hash[s->n], e->hash, AUDIT_HASH_LEN);
		s->has_pre[s->n] = e->has_pre;
		s->has_hash[s->n] = e->has_hash;
		s->n++;
	}
	return 0;
}

static void entries_at(fx *f, long long seq, char *action, size_t an, seen *s)
{
	memset(s, 0, sizeof *s);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->raw, "SELECT action, detail FROM audit WHERE seq = ?1",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(st, 1, seq);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(action, an, "%s", sqlite3_column_text(st, 0));
	lentry e = { 0 };
	if (strcmp(action, "ledger.bind") == 0 || strcmp(action, "ledger.seal") == 0)
		assert_int_equal(ledger_entries((const char *)sqlite3_column_text(st, 1),
						(size_t)sqlite3_column_bytes(st, 1), true, &e, collect, s),
				 0);
	lentry_free(&e);
	sqlite3_finalize(st);
}

/* ---- every write bound ---- */

static void test_every_write_bound(void **state)
{
	fx *f = *state;
	audit_verify_result res;
	assert_int_equal(verify(f->db, &res), 0);
	/* every row of every table is recorded (and only the chain itself is not) */
	long long rows = scalar(f, "SELECT (SELECT count(*) FROM meta) + (SELECT count(*) FROM staff)"
				   " + (SELECT count(*) FROM cases) + (SELECT count(*) FROM case_steps)"
				   " + (SELECT count(*) FROM material_decisions)"
				   " + (SELECT count(*) FROM tokens) + (SELECT count(*) FROM token_events)"
				   " + (SELECT count(*) FROM payments) + (SELECT count(*) FROM certs)"
				   " + (SELECT count(*) FROM token_bindings)"
				   " + (SELECT count(*) FROM day_anchors) + (SELECT count(*) FROM refunds)"
				   " + (SELECT count(*) FROM training_results)"
				   " + (SELECT count(*) FROM pay_recons) + (SELECT count(*) FROM pay_diffs)"
				   " + (SELECT count(*) FROM supplements) + (SELECT count(*) FROM ratings)"
				   " + (SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite%')");
	assert_int_equal(res.bound_rows, rows);
	assert_int_equal(res.bound_tables, 18);

	/* one step: its own audit row, then the binding of what it wrote */
	const service *svc = catalog_service(f->cat, "zc.new");
	long long before = scalar(f, "SELECT max(seq) FROM audit");
	tu_case_step_to(f->db, svc, "c2", cases.d, STEP_MATERIALS, TL_FEE);
	assert_int_equal(scalar(f, "SELECT max(seq) FROM audit"), before + 2);
	char action[48];
	seen s;
	entries_at(f, before + 1, action, sizeof action, &s);
	assert_string_equal(action, "case.materials");
	entries_at(f, before + 2, action, sizeof action, &s);
	assert_string_equal(action, "ledger.bind");
	long long id = scalar(f, "SELECT id FROM cases WHERE case_no = (SELECT case_no FROM cases"
				 " WHERE clerk_id = 'c2' AND service_id = 'zc.new')");
	char want[512];
	long long step = scalar(f, "SELECT max(id) FROM case_steps");
	snprintf(want, sizeof want, "cases %lld was now", id);
	assert_non_null(strstr(s.text, want));
	snprintf(want, sizeof want, "case_steps %lld now", step);
	assert_non_null(strstr(s.text, want));
	snprintf(want, sizeof want, "material_decisions %lld, ", id);
	assert_non_null(strstr(s.text, want));
	/* in the name of the one who made the change */
	assert_int_equal(scalar(f, "SELECT actor = 'c2' FROM audit WHERE seq = (SELECT max(seq) FROM"
				   " audit)"),
			 1);

	/* the next step of the same case starts from the state this one recorded */
	int cases_at = -1;
	for (int i = 0; i < s.n; i++)
		if (s.has_pre[i] && s.has_hash[i])
			cases_at = i;
	assert_true(cases_at >= 0);
	uint8_t recorded[AUDIT_HASH_LEN];
	memcpy(recorded, s.hash[cases_at], AUDIT_HASH_LEN);
	before = scalar(f, "SELECT max(seq) FROM audit");
	tu_case_step_to(f->db, svc, "c2", cases.d, STEP_DECISION, TL_FEE);
	entries_at(f, before + 2, action, sizeof action, &s);
	assert_string_equal(action, "ledger.bind");
	bool linked = false;
	for (int i = 0; i < s.n; i++)
		linked |= s.has_pre[i] && memcmp(s.pre[i], recorded, LEDGER_PRE_LEN) == 0;
	assert_true(linked);
	assert_int_equal(verify(f->db, &res), 0);
}

/* ---- writes that bypass the repositories ---- */

static void test_raw_write_in_an_operation_is_bound(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	assert_int_equal(dbi_op_begin(f->db, &err), 0);
	assert_int_equal(dbi_exec(f->db, "UPDATE staff SET name = '张三丰' WHERE id = 'c1'", &err), 0);
	assert_int_equal(dbi_op_commit(f->db, &err), 0);
	char action[48];
	seen s;
	entries_at(f, scalar(f, "SELECT max(seq) FROM audit"), action, sizeof action, &s);
	assert_string_equal(action, "ledger.bind");
	assert_string_equal(s.text, "staff c1 was now");
	audit_verify_result res;
	assert_int_equal(verify(f->db, &res), 0);
}

static void test_raw_write_past_the_operations_refused(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	long long audit = scalar(f, "SELECT count(*) FROM audit");
	/* autocommitted: the commit hook turns it into a rollback */
	assert_int_equal(dbi_exec(f->db, "UPDATE staff SET name = 'X' WHERE id = 'c1'", &err), -1);
	assert_int_equal(scalar(f, "SELECT name = '张三' FROM staff WHERE id = 'c1'"), 1);
	/* a raw transaction of its own on the kiosk's connection: no commit */
	assert_int_equal(sqlite3_exec(f->db->h, "BEGIN; INSERT INTO payments (case_id, out_trade_no,"
						" amount_fen, state, created_ms, updated_ms) VALUES (1,"
						" 'K0120240301000777', 1, 'SUCCESS', 0, 0)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(f->db->h, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_exec(f->db->h, "ROLLBACK", NULL, NULL, NULL);
	assert_int_equal(scalar(f, "SELECT count(*) FROM payments WHERE out_trade_no ="
				   " 'K0120240301000777'"),
			 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM audit"), audit);
	/* and the connection works on */
	assert_int_equal(db_staff_logout(f->db, "c1", &err), 0);
	audit_verify_result res;
	assert_int_equal(verify(f->db, &res), 0);
}

static void test_explicit_transaction(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	assert_int_equal(db_tx_begin(f->db, &err), 0);
	/* a write outside any operation is bound when the transaction commits */
	assert_int_equal(dbi_exec(f->db, "UPDATE staff SET name = '王五五' WHERE id = 's1'", &err), 0);
	/* a failed operation: its savepoint undone, nothing of it bound */
	assert_int_equal(dbi_op_begin(f->db, &err), 0);
	assert_int_equal(dbi_exec(f->db, "UPDATE staff SET name = 'gone' WHERE id = 's2'", &err), 0);
	dbi_op_rollback(f->db);
	/* an operation that succeeds */
	assert_int_equal(db_staff_logout(f->db, "s2", &err), 0);
	assert_int_equal(db_tx_commit(f->db, &err), 0);
	assert_int_equal(scalar(f, "SELECT name = '赵六' FROM staff WHERE id = 's2'"), 1);
	char action[48];
	seen s;
	entries_at(f, scalar(f, "SELECT max(seq) FROM audit"), action, sizeof action, &s);
	assert_string_equal(action, "ledger.bind");
	assert_string_equal(s.text, "staff s1 was now");
	audit_verify_result res;
	assert_int_equal(verify(f->db, &res), 0);
	/* rolled back whole: nothing stays, and nothing is left to bind */
	assert_int_equal(db_tx_begin(f->db, &err), 0);
	assert_int_equal(dbi_exec(f->db, "UPDATE staff SET name = 'none' WHERE id = 's1'", &err), 0);
	db_tx_rollback(f->db);
	assert_int_equal(db_staff_logout(f->db, "s1", &err), 0);
	assert_int_equal(verify(f->db, &res), 0);
}

/* ---- a change over a row changed outside the kiosk ---- */

static void test_change_over_a_tampered_row_reported(void **state)
{
	fx *f = *state;
	long long id = scalar(f, "SELECT id FROM cases WHERE clerk_id = 'c2' AND service_id = 'zc.new'");
	char sql[128];
	snprintf(sql, sizeof sql, "UPDATE cases SET fee_fen = 1 WHERE id = %lld", id);
	raw(f, sql);
	/* the kiosk goes on with the case: its change is recorded, and so is the
	 * state it started from, which is not the one last recorded */
	const service *svc = catalog_service(f->cat, "zc.new");
	tu_case_step_to(f->db, svc, "c2", cases.d, STEP_MATERIALS, TL_FEE);
	long long bind = scalar(f, "SELECT max(seq) FROM audit");
	audit_verify_result res;
	assert_int_equal(verify(f->db, &res), 1);
	assert_int_equal(res.n_found, 1);
	assert_int_equal(res.found[0].kind, ROWF_CHANGED);
	assert_string_equal(res.found[0].table, "cases");
	char want[160];
	snprintf(want, sizeof want, "changed outside the kiosk, then changed again by it at audit row %lld",
		 bind);
	assert_string_equal(res.found[0].note, want);
}

static void test_schema_changed_outside_stops_writes(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	raw(f, "CREATE TRIGGER sneaky AFTER UPDATE ON staff BEGIN"
	       " UPDATE payments SET amount_fen = 1; END");
	/* the trigger would run inside the kiosk's own transaction */
	assert_int_equal(db_staff_logout(f->db, "c1", &err), -1);
	assert_non_null(strstr(err.msg, "schema was changed outside the kiosk"));
	staff_rec s;
	assert_int_equal(db_staff_login(f->db, "c1", TL_PIN_CLERK, 5, 15, &s, NULL, &err),
			 LOGIN_ERROR);
	assert_int_equal(scalar(f, "SELECT count(*) FROM payments WHERE amount_fen = 1"), 0);
	audit_verify_result res;
	assert_int_equal(verify(f->db, &res), 1);
	assert_string_equal(res.found[0].table, "sqlite_schema");
	assert_string_equal(res.found[0].key, "trigger sneaky");
	/* opened again, still refused; the trigger gone, writes resume */
	db_close(f->db);
	f->db = db_open(f->path, NULL, DB_OPEN_EXISTING, &err);
	assert_non_null(f->db);
	assert_int_equal(db_staff_logout(f->db, "c1", &err), -1);
	raw(f, "DROP TRIGGER sneaky");
	assert_int_equal(db_staff_logout(f->db, "c1", &err), 0);
	assert_int_equal(verify(f->db, &res), 0);
}

/* ---- migrations ---- */

static void test_older_file_sealed_once_as_found(void **state)
{
	fx *f = *state;
	char path[400];
	tu_path(path, sizeof path, f->dir, "old.db");
	kerr err = { 0 };
	kdb *db = db_open_version(path, "K02", 6, &err);
	assert_non_null(db);
	assert_int_equal(db_staff_add(db, "system", "c9", "老员工", ROLE_CLERK, TL_PIN_CLERK, &err), 0);
	const service *svc = catalog_service(f->cat, "zc.new");
	case_rec c;
	assert_int_equal(db_case_open(db, svc, "c9", &c, &err), 0);
	tu_case_step_to(db, svc, "c9", c.case_no, STEP_DECISION, TL_FEE);
	audit_verify_result res;
	assert_int_equal(verify(db, &res), 0);
	assert_int_equal(res.bound_tables, 0); /* schema 6: nothing bound yet */
	long long rows6 = res.rows;
	db_close(db);
	/* changed before the upgrade: sealed as found, as the row says */
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "UPDATE cases SET fee_fen = 1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);

	/* to 7 exactly: what follows checks that migration alone (8 binds its
	 * own, like any later one) */
	db = db_open_version(path, NULL, 7, &err);
	assert_non_null(db);
	assert_int_equal(verify(db, &res), 0);
	assert_int_equal(res.rows, rows6 + 2); /* the seal and "to 7" */
	assert_true(res.bound_rows > 10);
	db_close(db);
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT action, actor, detail FROM audit WHERE seq = ?1",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(st, 1, rows6 + 1);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal(sqlite3_column_text(st, 0), "ledger.seal");
	assert_string_equal(sqlite3_column_text(st, 1), "system");
	const char *d = (const char *)sqlite3_column_text(st, 2);
	assert_non_null(strstr(d, "\"note\":\"sealed as found at the upgrade to schema 7\""));
	assert_non_null(strstr(d, "[\"cases\",[1],null,\""));
	assert_non_null(strstr(d, "[\"staff\",[\"c9\"],null,\""));
	sqlite3_finalize(st);
	/* and from then on a change is seen */
	assert_int_equal(sqlite3_exec(h, "UPDATE cases SET fee_fen = 2", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
	db = db_open(path, NULL, DB_OPEN_EXISTING, &err);
	assert_non_null(db);
	assert_int_equal(verify(db, &res), 1);
	assert_string_equal(res.found[0].columns, "fee_fen");
	db_close(db);
}

static void test_bound_file_not_sealed_again(void **state)
{
	fx *f = *state;
	db_close(f->db);
	f->db = NULL;
	/* taken back to schema 6 to have its rows sealed again as they are now */
	raw(f, "UPDATE payments SET amount_fen = 1; PRAGMA user_version = 6");
	kerr err = { 0 };
	assert_null(db_open(f->path, NULL, DB_OPEN_EXISTING, &err));
	assert_non_null(strstr(err.msg, "already binds this file's rows"));
	assert_int_equal(scalar(f, "PRAGMA user_version"), 6); /* nothing written */
}

static void test_later_migration_binds_what_it_changes(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	/* a row changed outside the kiosk before the migration */
	raw(f, "UPDATE staff SET name = '冒名' WHERE id = 'c2'");
	int rc = dbi_migrate_run(f->db, DB_SCHEMA_VERSION + 1,
				 "ALTER TABLE staff ADD COLUMN nickname TEXT NOT NULL DEFAULT '';"
				 "UPDATE staff SET nickname = 'boss' WHERE role = 'supervisor';"
				 "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL) STRICT;"
				 "INSERT INTO notes (body) VALUES ('hello'), ('world');"
				 "CREATE TABLE tally (n INTEGER, what TEXT);" /* no declared key */
				 "INSERT INTO tally VALUES (1, 'a');"
				 "CREATE INDEX staff_by_role ON staff(role);",
				 &err);
	if (rc)
		fail_msg("migration: %s", err.msg);
	audit_verify_result res;
	/* every row matches its record under the new columns; the one changed
	 * before still shows, under the columns it had then */
	assert_int_equal(verify(f->db, &res), 1);
	assert_int_equal(res.n_found, 1);
	assert_string_equal(res.found[0].table, "staff");
	assert_string_equal(res.found[0].key, "id=c2");
	assert_non_null(strstr(res.found[0].note, "changed outside the kiosk"));
	assert_int_equal(res.bound_tables, 20);
	/* a table without a declared key is bound by its rowid, written through
	 * db/ as any other */
	assert_int_equal(dbi_op_begin(f->db, &err), 0);
	assert_int_equal(dbi_exec(f->db, "INSERT INTO tally VALUES (2, 'b')", &err), 0);
	assert_int_equal(dbi_op_commit(f->db, &err), 0);
	raw(f, "UPDATE tally SET n = 9 WHERE rowid = 1");
	assert_int_equal(verify(f->db, &res), 1);
	assert_int_equal(res.n_found, 2);
	bool tally = false;
	for (size_t i = 0; i < res.n_found; i++)
		tally |= strcmp(res.found[i].table, "tally") == 0 &&
			 strcmp(res.found[i].key, "rowid=1") == 0 && strcmp(res.found[i].columns, "n") == 0;
	assert_true(tally);
	raw(f, "UPDATE tally SET n = 1 WHERE rowid = 1");
	/* the new table is bound: a change to it is seen */
	raw(f, "UPDATE notes SET body = 'bye' WHERE id = 2");
	assert_int_equal(verify(f->db, &res), 1);
	bool note = false;
	for (size_t i = 0; i < res.n_found; i++)
		note |= strcmp(res.found[i].table, "notes") == 0 && strcmp(res.found[i].key, "id=2") == 0 &&
			strcmp(res.found[i].columns, "body") == 0;
	assert_true(note);
	/* and the kiosk writes on (the schema's digest followed the migration) */
	assert_int_equal(db_staff_logout(f->db, "s1", &err), 0);
}

static void test_migration_drops_a_table_only_after_its_rows(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	assert_int_equal(dbi_migrate_run(f->db, DB_SCHEMA_VERSION + 1,
					 "DROP TABLE training_results;", &err),
			 -1);
	assert_non_null(strstr(err.msg, "delete them first"));
	assert_int_equal(scalar(f, "SELECT count(*) FROM training_results"), 1);
	if (dbi_migrate_run(f->db, DB_SCHEMA_VERSION + 1,
			    "DELETE FROM training_results; DROP TABLE training_results;", &err))
		fail_msg("migration: %s", err.msg);
	audit_verify_result res;
	assert_int_equal(verify(f->db, &res), 0);
	assert_int_equal(res.bound_tables, 17);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_every_write_bound),
		T(test_raw_write_in_an_operation_is_bound),
		T(test_raw_write_past_the_operations_refused),
		T(test_explicit_transaction),
		T(test_change_over_a_tampered_row_reported),
		T(test_schema_changed_outside_stops_writes),
		T(test_older_file_sealed_once_as_found),
		T(test_bound_file_not_sealed_again),
		T(test_later_migration_binds_what_it_changes),
		T(test_migration_drops_a_table_only_after_its_rows),
#undef T
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
