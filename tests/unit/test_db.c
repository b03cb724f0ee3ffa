/* db: opening real files in a temporary directory. A new file gets its
 * directory (0700), WAL, synchronous=FULL, foreign keys, busy timeout and the
 * schema with its genesis row; files that are not ours are refused with their
 * bytes unchanged (not SQLite, a newer schema, another program's SQLite, a
 * kiosk id that differs); a missing file is not created unless asked; the
 * explicit transaction and the savepoint of a failing operation inside it;
 * backup (opens and verifies, never overwrites); integrity check on a
 * damaged file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "db/db.h"
#include "db/audit_log.h" /* dbi_audit_append_raw: a row of the test's own word */
#include "db/migrate.h"
#include "db/store.h" /* the connection, to read its per-connection pragmas */
#include "db/repo/staff_repo.h"
#include "tests/unit/testutil.h"

/* one ledger.seal row per migration from 7 (the ledger's) on: 7 seals the
 * rows as found, each later one binds what it changed */
#define SEAL_ROWS (DB_SCHEMA_VERSION - 6)

#define T0 1709251200000LL /* 2024-03-01 08:00 +08:00 */

typedef struct fx {
	char dir[256];
	char path[320];
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	if (!f || !tu_mkdtemp(f->dir, sizeof f->dir))
		return -1;
	tu_path(f->path, sizeof f->path, f->dir, "kiosk.db");
	clock_set_fixed(T0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	tu_rmrf(f->dir);
	free(f);
	clock_set_fixed(0);
	return 0;
}

/* One integer or text from a raw connection to path. */
static long long raw_int(const char *path, const char *sql)
{
	sqlite3 *h = NULL;
	long long v = -999;
	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return v;
}

static long long conn_int(kdb *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v = -999;
	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *h = NULL;
	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
			 SQLITE_OK);
	char *msg = NULL;
	int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
	sqlite3_close(h);
}

static void test_create_and_pragmas(void **state)
{
	fx *f = *state;
	char nested[400];
	snprintf(nested, sizeof nested, "%s/a/b/kiosk.db", f->dir);
	kerr err = { 0 };
	kdb *db = db_open(nested, "K01", DB_OPEN_CREATE, &err);
	assert_non_null(db);
	assert_string_equal(db_kiosk_id(db), "K01");
	assert_string_equal(db_path(db), nested);
	assert_int_equal(db_schema_version(db), DB_SCHEMA_VERSION);

	char sub[400];
	struct stat sb;
	snprintf(sub, sizeof sub, "%s/a", f->dir);
	assert_int_equal(stat(sub, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	snprintf(sub, sizeof sub, "%s/a/b", f->dir);
	assert_int_equal(stat(sub, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);

	assert_int_equal(conn_int(db, "PRAGMA synchronous"), 2); /* FULL */
	assert_int_equal(conn_int(db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(conn_int(db, "PRAGMA busy_timeout"), 5000);
	assert_int_equal(conn_int(db, "PRAGMA application_id"), DBI_APPLICATION_ID);
	/* journal_mode is stored in the file: a fresh connection sees WAL. */
	assert_int_equal(raw_int(nested, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);

	/* genesis: seq 1, system, the kiosk id, prev all zero; then one
	 * schema.migrate row per migration, before "to 7" the ledger.seal
	 * row that binds the rows as found (the meta rows and the schema), and
	 * before "to 8" the one that binds what migration 8 changed (its
	 * schema rows). */
	assert_int_equal(conn_int(db, "SELECT count(*) FROM audit"), 1 + DB_SCHEMA_VERSION + SEAL_ROWS);
	assert_int_equal(conn_int(db, "SELECT count(*) FROM audit WHERE seq = 8 AND action = "
				      "'ledger.seal' AND actor = 'system' AND detail LIKE"
				      " '{\"rows\":[[\"meta\",[\"kiosk_id\"],null,\"%' AND detail LIKE"
				      " '%],\"note\":\"sealed as found at the upgrade to schema 7\"}'"),
			 1);
	assert_int_equal(conn_int(db, "SELECT count(*) FROM audit WHERE seq = 9 AND action = "
				      "'schema.migrate' AND detail = 'to 7'"),
			 1);
	assert_int_equal(conn_int(db, "SELECT count(*) FROM audit WHERE seq = 10 AND action = "
				      "'ledger.seal' AND detail LIKE '%what the upgrade to schema 8 "
				      "changed%'"),
			 1);
	assert_int_equal(conn_int(db, "SELECT count(*) FROM audit WHERE seq = 11 AND action = "
				      "'schema.migrate' AND detail = 'to 8'"),
			 1);
	assert_int_equal(conn_int(db, "SELECT count(*) FROM audit WHERE seq = 12 AND action = "
				      "'ledger.seal' AND detail LIKE '%what the upgrade to schema 9 "
				      "changed%'"),
			 1);
	assert_int_equal(conn_int(db, "SELECT count(*) FROM audit WHERE seq = 13 AND action = "
				      "'schema.migrate' AND detail = 'to 9'"),
			 1);
	assert_int_equal(conn_int(db, "SELECT count(*) FROM audit WHERE seq = 1 AND action = "
				      "'genesis' AND actor = 'system' AND detail = 'K01' AND "
				      "case_no = '' AND prev = zeroblob(32)"),
			 1);
	assert_int_equal(conn_int(db, "SELECT count(*) FROM audit WHERE seq = 2 AND action = "
				      "'schema.migrate' AND detail = 'to 1'"),
			 1);
	assert_int_equal(conn_int(db, "SELECT count(*) FROM audit WHERE seq = 3 AND action = "
				      "'schema.migrate' AND detail = 'to 2'"),
			 1);
	assert_int_equal(conn_int(db, "SELECT count(*) FROM audit WHERE seq = 4 AND action = "
				      "'schema.migrate' AND detail = 'to 3'"),
			 1);
	assert_int_equal(conn_int(db, "SELECT value = 'K01' FROM meta WHERE key = 'kiosk_id'"), 1);
	assert_int_equal(db_integrity_check(db, &err), 0);
	audit_verify_result res;
	assert_int_equal(db_audit_verify(db, &res, &err), 0);
	assert_int_equal(res.rows, 1 + DB_SCHEMA_VERSION + SEAL_ROWS);
	db_close(db);
}

static void test_reopen_existing(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	kdb *db = db_open(f->path, "K01", DB_OPEN_CREATE, &err);
	assert_non_null(db);
	db_close(db);
	/* EXISTING with no kiosk id: read back from the file; nothing migrates
	 * again (no new audit rows). */
	db = db_open(f->path, NULL, DB_OPEN_EXISTING, &err);
	assert_non_null(db);
	assert_string_equal(db_kiosk_id(db), "K01");
	assert_int_equal(conn_int(db, "SELECT count(*) FROM audit"), 1 + DB_SCHEMA_VERSION + SEAL_ROWS);
	db_close(db);
	/* the same kiosk id is fine too */
	db = db_open(f->path, "K01", DB_OPEN_EXISTING, &err);
	assert_non_null(db);
	db_close(db);
}

/* Debian's SQLite treats "file:" names as URIs; the kiosk never does. */
static void test_no_uri(void **state)
{
	fx *f = *state;
	char cwd[512];
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(f->dir), 0);
	kerr err = { 0 };
	kdb *db = db_open("file:k.db?mode=memory", "K01", DB_OPEN_CREATE, &err);
	assert_non_null(db);
	assert_int_equal(dbi_audit_append_raw(db, "system", "test.row", NULL, "x", &err), 0);
	assert_int_equal(db_backup(db, "file:b.db?vfs=nonesuch", &err), 0);
	db_close(db);
	bool a = tu_exists("file:k.db?mode=memory"), b = tu_exists("file:b.db?vfs=nonesuch");
	assert_int_equal(chdir(cwd), 0);
	assert_true(a);
	assert_true(b);
	assert_int_equal(raw_int(tu_path(cwd, sizeof cwd, f->dir, "file:k.db?mode=memory"),
				 "SELECT count(*) FROM audit"),
			 1 + DB_SCHEMA_VERSION + SEAL_ROWS + 1); /* + the seal rows + the test's */
}

static void test_kiosk_id_rules(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	assert_true(db_kiosk_id_valid("SC-CD_01"));
	assert_true(db_kiosk_id_valid("abcdefghijklmnopqrstuvwx")); /* 24 */
	assert_false(db_kiosk_id_valid("abcdefghijklmnopqrstuvwxy"));
	assert_false(db_kiosk_id_valid(""));
	assert_false(db_kiosk_id_valid("a b"));
	assert_false(db_kiosk_id_valid("四川"));
	assert_false(db_kiosk_id_valid(NULL));

	assert_null(db_open(f->path, "bad id", DB_OPEN_CREATE, &err));
	assert_non_null(strstr(err.msg, "kiosk id"));
	assert_false(tu_exists(f->path));
	/* a new file needs a kiosk id: refused and nothing created */
	assert_null(db_open(f->path, NULL, DB_OPEN_CREATE, &err));
	assert_false(tu_exists(f->path));

	kdb *db = db_open(f->path, "K01", DB_OPEN_CREATE, &err);
	assert_non_null(db);
	db_close(db);
	size_t len;
	char *before = tu_read_file(f->path, &len);
	assert_non_null(before);
	assert_null(db_open(f->path, "K02", DB_OPEN_EXISTING, &err));
	assert_non_null(strstr(err.msg, "belongs to kiosk 'K01', not 'K02'"));
	assert_true(tu_same_bytes(before, len, f->path));
	free(before);
}

static void test_not_sqlite_refused_unchanged(void **state)
{
	fx *f = *state;
	/* text, then 8 KiB of noise that is not a SQLite header */
	const char *contents[2] = { "this is a kiosk.ini, not a database\n", NULL };
	char noise[8192];
	for (size_t i = 0; i < sizeof noise; i++)
		noise[i] = (char)((i * 2654435761u) >> 13);
	for (int k = 0; k < 2; k++) {
		const char *data = k == 0 ? contents[0] : noise;
		size_t len = k == 0 ? strlen(contents[0]) : sizeof noise;
		assert_true(tu_write_file(f->path, data, len));
		for (int mode = 0; mode < 2; mode++) {
			kerr err = { 0 };
			kdb *db = db_open(f->path, "K01",
					  mode ? DB_OPEN_CREATE : DB_OPEN_EXISTING, &err);
			assert_null(db);
			assert_string_equal(err.where, f->path);
			assert_non_null(strstr(err.msg, "not a SQLite database"));
			assert_true(tu_same_bytes(data, len, f->path));
		}
		char wal[400];
		snprintf(wal, sizeof wal, "%s-wal", f->path);
		assert_false(tu_exists(wal));
	}
}

static void test_newer_version_refused_unchanged(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	kdb *db = db_open(f->path, "K01", DB_OPEN_CREATE, &err);
	assert_non_null(db);
	db_close(db);
	char newer[64];
	snprintf(newer, sizeof newer, "PRAGMA user_version = %d", DB_SCHEMA_VERSION + 1);
	raw_exec(f->path, newer);
	size_t len;
	char *before = tu_read_file(f->path, &len);
	assert_non_null(before);
	for (int mode = 0; mode < 2; mode++) {
		assert_null(db_open(f->path, NULL, mode ? DB_OPEN_CREATE : DB_OPEN_EXISTING, &err));
		char want[600];
		snprintf(want, sizeof want,
			 "database %s has schema version %d, newer than this program's %d: use a "
			 "newer kiosk",
			 f->path, DB_SCHEMA_VERSION + 1, DB_SCHEMA_VERSION);
		assert_string_equal(err.msg, want);
		assert_true(tu_same_bytes(before, len, f->path));
	}
	assert_null(db_open_version(f->path, NULL, 1, &err));
	assert_true(tu_same_bytes(before, len, f->path));
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), DB_SCHEMA_VERSION + 1);
	free(before);
}

static void test_foreign_sqlite_refused(void **state)
{
	fx *f = *state;
	/* another program's database: user_version 0 but tables in it */
	raw_exec(f->path, "CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT);"
			  "INSERT INTO moz_places (url) VALUES ('https://example.org')");
	size_t len;
	char *before = tu_read_file(f->path, &len);
	kerr err = { 0 };
	assert_null(db_open(f->path, "K01", DB_OPEN_CREATE, &err));
	assert_non_null(strstr(err.msg, "not a kiosk database"));
	assert_true(tu_same_bytes(before, len, f->path));
	free(before);

	/* a kiosk-looking version but a foreign application id */
	char other[400];
	tu_path(other, sizeof other, f->dir, "other.db");
	raw_exec(other, "PRAGMA user_version = 1; CREATE TABLE t (x)");
	assert_null(db_open(other, "K01", DB_OPEN_EXISTING, &err));
	assert_non_null(strstr(err.msg, "another program"));
	assert_int_equal(raw_int(other, "PRAGMA user_version"), 1);
}

static void test_missing_existing_refused(void **state)
{
	fx *f = *state;
	char deep[400];
	snprintf(deep, sizeof deep, "%s/nodir/kiosk.db", f->dir);
	kerr err = { 0 };
	assert_null(db_open(f->path, "K01", DB_OPEN_EXISTING, &err));
	assert_string_equal(err.where, f->path);
	assert_non_null(strstr(err.msg, "does not exist"));
	assert_false(tu_exists(f->path));
	assert_null(db_open(deep, "K01", DB_OPEN_EXISTING, &err));
	assert_false(tu_exists(deep));
	snprintf(deep, sizeof deep, "%s/nodir", f->dir);
	assert_false(tu_exists(deep));
	assert_null(db_open("", "K01", DB_OPEN_CREATE, &err));
	assert_null(db_open(NULL, "K01", DB_OPEN_CREATE, &err));
}

static void test_create_failure_leaves_nothing(void **state)
{
	fx *f = *state;
	/* the "directory" is a regular file */
	char file[400], under[480];
	tu_path(file, sizeof file, f->dir, "plainfile");
	assert_true(tu_write_file(file, "x", 1));
	snprintf(under, sizeof under, "%s/kiosk.db", file);
	kerr err = { 0 };
	assert_null(db_open(under, "K01", DB_OPEN_CREATE, &err));
	assert_true(tu_same_bytes("x", 1, file));
	/* a directory where the file should be */
	assert_null(db_open(f->dir, "K01", DB_OPEN_EXISTING, &err));
	assert_non_null(strstr(err.msg, "not a regular file"));
	/* a version that does not exist */
	assert_null(db_open_version(f->path, "K01", 0, &err));
	assert_null(db_open_version(f->path, "K01", DB_SCHEMA_VERSION + 1, &err));
	assert_false(tu_exists(f->path));
}

static long long head_seq(kdb *db)
{
	return conn_int(db, "SELECT seq FROM audit_head");
}

static void test_explicit_transaction(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	kdb *db = db_open(f->path, "K01", DB_OPEN_CREATE, &err);
	assert_non_null(db);
	long long h0 = head_seq(db);

	/* rolled back: nothing stays */
	assert_int_equal(db_tx_begin(db, &err), 0);
	assert_int_equal(db_tx_begin(db, &err), -1); /* no nesting */
	assert_int_equal(dbi_audit_append_raw(db, "system", "test.one", NULL, "a", &err), 0);
	assert_int_equal(dbi_audit_append_raw(db, "system", "test.two", NULL, "b", &err), 0);
	db_tx_rollback(db);
	assert_int_equal(head_seq(db), h0);

	/* committed: both rows */
	assert_int_equal(db_tx_begin(db, &err), 0);
	assert_int_equal(dbi_audit_append_raw(db, "system", "test.one", NULL, "a", &err), 0);
	assert_int_equal(dbi_audit_append_raw(db, "system", "test.two", NULL, "b", &err), 0);
	assert_int_equal(db_tx_commit(db, &err), 0);
	assert_int_equal(head_seq(db), h0 + 2);
	assert_int_equal(db_tx_commit(db, &err), -1); /* none open */

	/* a failing operation inside the transaction undoes only itself */
	assert_int_equal(db_tx_begin(db, &err), 0);
	assert_int_equal(db_staff_add(db, "system", "alice", "Alice", ROLE_CLERK, "246810", &err), 0);
	assert_int_equal(db_staff_add(db, "system", "alice", "Alice 2", ROLE_CLERK, "246810", &err),
			 -1);
	assert_non_null(strstr(err.msg, "already exists"));
	assert_int_equal(dbi_audit_append_raw(db, "", "x", NULL, "", &err), -1); /* no actor */
	assert_int_equal(db_tx_commit(db, &err), 0);
	staff_rec s;
	assert_int_equal(db_staff_get(db, "alice", &s, &err), 0);
	assert_string_equal(s.name, "Alice");
	assert_int_equal(head_seq(db), h0 + 4); /* the one staff.add and its ledger.bind */

	/* closing with a transaction open rolls it back */
	assert_int_equal(db_tx_begin(db, &err), 0);
	assert_int_equal(dbi_audit_append_raw(db, "system", "test.lost", NULL, "", &err), 0);
	db_close(db);
	db = db_open(f->path, NULL, DB_OPEN_EXISTING, &err);
	assert_non_null(db);
	assert_int_equal(head_seq(db), h0 + 4);
	audit_verify_result res;
	assert_int_equal(db_audit_verify(db, &res, &err), 0);
	db_close(db);
}

static void test_backup(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	kdb *db = db_open(f->path, "K01", DB_OPEN_CREATE, &err);
	assert_non_null(db);
	for (int i = 0; i < 50; i++)
		assert_int_equal(dbi_audit_append_raw(db, "system", "test.row", NULL, "x", &err), 0);
	audit_verify_result a, b;
	assert_int_equal(db_audit_verify(db, &a, &err), 0);

	char dest[400];
	tu_path(dest, sizeof dest, f->dir, "backup.db");
	assert_int_equal(db_backup(db, dest, &err), 0);
	/* never over an existing file, whatever it is */
	size_t len;
	char *before = tu_read_file(dest, &len);
	assert_int_equal(db_backup(db, dest, &err), -1);
	assert_non_null(strstr(err.msg, "already exists"));
	assert_true(tu_same_bytes(before, len, dest));
	free(before);
	/* not inside a transaction */
	char dest2[400];
	tu_path(dest2, sizeof dest2, f->dir, "backup2.db");
	assert_int_equal(db_tx_begin(db, &err), 0);
	assert_int_equal(db_backup(db, dest2, &err), -1);
	db_tx_rollback(db);
	assert_false(tu_exists(dest2));
	/* into a directory that does not exist: error, nothing left */
	char dest3[400];
	snprintf(dest3, sizeof dest3, "%s/none/backup.db", f->dir);
	assert_int_equal(db_backup(db, dest3, &err), -1);
	db_close(db);

	kdb *bk = db_open(dest, NULL, DB_OPEN_EXISTING, &err);
	assert_non_null(bk);
	assert_string_equal(db_kiosk_id(bk), "K01");
	assert_int_equal(db_integrity_check(bk, &err), 0);
	assert_int_equal(db_audit_verify(bk, &b, &err), 0);
	assert_int_equal(b.rows, a.rows);
	assert_int_equal(b.head_seq, a.head_seq);
	assert_memory_equal(b.head, a.head, AUDIT_HASH_LEN);
	db_close(bk);
}

static void test_integrity_check_finds_damage(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	kdb *db = db_open(f->path, "K01", DB_OPEN_CREATE, &err);
	assert_non_null(db);
	/* enough rows for several pages, then close (checkpoints the WAL) */
	assert_int_equal(db_tx_begin(db, &err), 0);
	char detail[300];
	memset(detail, 'd', sizeof detail - 1);
	detail[sizeof detail - 1] = '\0';
	for (int i = 0; i < 400; i++)
		assert_int_equal(dbi_audit_append_raw(db, "system", "test.row", NULL, detail, &err), 0);
	assert_int_equal(db_tx_commit(db, &err), 0);
	long long pages = conn_int(db, "PRAGMA page_count");
	long long psize = conn_int(db, "PRAGMA page_size");
	db_close(db);
	assert_true(pages > 10);

	/* scribble over the middle of the file (not page 1, the header) */
	int fd = open(f->path, O_WRONLY);
	assert_true(fd >= 0);
	char junk[512];
	memset(junk, 0x5A, sizeof junk);
	for (long long p = pages / 2; p < pages / 2 + 3; p++)
		assert_int_equal(pwrite(fd, junk, sizeof junk, (off_t)(p * psize)), (ssize_t)sizeof junk);
	close(fd);

	db = db_open(f->path, NULL, DB_OPEN_EXISTING, &err);
	if (!db)
		return; /* refused at open: also a detection */
	audit_verify_result res;
	int ic = db_integrity_check(db, &err);
	int av = db_audit_verify(db, &res, &err);
	assert_true(ic != 0 || av != 0);
	if (ic == 1)
		assert_non_null(strstr(err.msg, "restore"));
	db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_and_pragmas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_existing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kiosk_id_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_uri, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_sqlite_refused_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_version_refused_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_sqlite_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_existing_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_failure_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_explicit_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_integrity_check_finds_damage, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
