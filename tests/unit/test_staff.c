/* Staff administration with authority (db/repo/staff_repo.c): the first
 * supervisor of an empty database and no other added by nobody; a
 * supervisor's unlock, new PIN, disable and role change, each refused to a
 * clerk, a trainer, a disabled or unknown id and audited when done; the last
 * active supervisor never taken away; a disabled member signing in nowhere;
 * the role checked before the PIN (a clerk's id with a wrong PIN makes that
 * clerk wait for nothing); and the waits after wrong PINs (staff_wait_ms).
 * What was written is read back with SQL of the test's own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/case/staff.h"
#include "db/db.h"
#include "db/repo/staff_repo.h"
#include "tests/unit/testdb.h"
#include "tests/unit/testutil.h"

/* 2026-11-21 10:00 +08:00 */
#define T0 1795226400000LL
#define PIN_SUP "753186"
#define PIN_SUP2 "975310"
#define PIN_CLERK "864209"
#define PIN_NEW "246813"

typedef struct fx {
	char dir[256];
	char path[320];
	kdb *db;
	sqlite3 *raw;
} fx;

/* sup1, sup2 (supervisors), clerk1, trainer1: made once, copied per test. */
static char template_dir[256];
static char template_path[320];

static int group_setup(void **state)
{
	(void)state;
	if (!tu_mkdtemp(template_dir, sizeof template_dir))
		return -1;
	tu_path(template_path, sizeof template_path, template_dir, "template.db");
	clock_set_fixed(T0);
	kerr err = { 0 };
	kdb *db = db_open(template_path, "K01", DB_OPEN_CREATE, &err);
	if (!db)
		return -1;
	int rc = db_staff_add_first(db, "sup1", "王五", PIN_SUP, &err) ||
		 db_staff_add(db, "sup1", "sup2", "赵六", ROLE_SUPERVISOR, PIN_SUP2, &err) ||
		 db_staff_add(db, "sup1", "clerk1", "张三", ROLE_CLERK, PIN_CLERK, &err) ||
		 db_staff_add(db, "sup1", "trainer1", "孙八", ROLE_TRAINER, PIN_CLERK, &err);
	if (rc)
		fprintf(stderr, "template: %s\n", err.msg);
	db_close(db);
	return rc ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tu_rmrf(template_dir);
	return 0;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	if (!f || !tu_mkdtemp(f->dir, sizeof f->dir))
		return -1;
	tu_path(f->path, sizeof f->path, f->dir, "kiosk.db");
	clock_set_fixed(T0);
	if (tu_db_copy(template_path, f->path, "K01", &f->db, &f->raw))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	db_close(f->db);
	sqlite3_close(f->raw);
	tu_rmrf(f->dir);
	free(f);
	return 0;
}

static long long q_int(fx *f, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v = -1;
	if (sqlite3_prepare_v2(f->raw, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(f->raw));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static const char *q_text(fx *f, char *buf, size_t n, const char *sql)
{
	sqlite3_stmt *st = NULL;
	buf[0] = '\0';
	if (sqlite3_prepare_v2(f->raw, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(f->raw));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

/* The staff table and the audit log's length, to see that nothing moved. */
static void snapshot(fx *f, char *buf, size_t n)
{
	q_text(f, buf, n,
	       "SELECT (SELECT count(*) FROM audit) || ' ' || group_concat(id || ':' || role || ':'"
	       " || failures || ':' || locked_until_ms || ':' || active || ':' || pin_hash, ' ')"
	       " FROM (SELECT * FROM staff ORDER BY id)");
}

static login_result login_as(fx *f, const char *id, const char *pin, staff_role need, staff_rec *s)
{
	kerr err = { 0 };
	login_result r = db_staff_login_as(f->db, id, pin, need, 3, 60, s, NULL, &err);
	if (r == LOGIN_ERROR)
		fail_msg("login error: %s", err.msg);
	return r;
}

static void staff_waits(void **state)
{
	(void)state;
	/* max_failures 5, max_wait 60 s: the kiosk.ini defaults */
	const long long want[] = { 0, 0, 0, 0, 0, 1000, 2000, 4000, 8000, 16000, 32000, 60000,
				   60000 };
	for (int i = 0; i < (int)(sizeof want / sizeof *want); i++)
		assert_int_equal(staff_wait_ms(i, 5, 60), want[i]);
	assert_int_equal(staff_wait_ms(1000000, 5, 60), 60000);
	assert_int_equal(staff_wait_ms(2147483647, 5, 60), 60000);
	/* a shorter cap; one free try; bounds below 1 count as 1 */
	assert_int_equal(staff_wait_ms(3, 1, 3), 3000);
	assert_int_equal(staff_wait_ms(1, 1, 60), 1000);
	assert_int_equal(staff_wait_ms(1, 0, 0), 1000);
	assert_int_equal(staff_wait_ms(40, 3, 1), 1000);
}

/* Only the first member of an empty table is added by nobody, and it is a
 * supervisor; a table with any row refuses, whatever the row. */
static void first_supervisor(void **state)
{
	(void)state;
	char dir[256], path[320];
	assert_non_null(tu_mkdtemp(dir, sizeof dir));
	tu_path(path, sizeof path, dir, "new.db");
	kerr err = { 0 };
	kdb *db = db_open(path, "K01", DB_OPEN_CREATE, &err);
	assert_non_null(db);
	/* bad fields and weak PINs write nothing, not even the right to a first */
	assert_int_equal(db_staff_add_first(db, "s 1", "王五", PIN_SUP, &err), -1);
	assert_int_equal(db_staff_add_first(db, "s1", "王五", "123456", &err), -1);
	assert_non_null(strstr(err.msg, "pin.sequence"));
	assert_int_equal(db_staff_add_first(db, "s1", "王五", PIN_SUP, &err), 0);
	assert_int_equal(db_staff_add_first(db, "s2", "赵六", PIN_SUP2, &err), 1);
	assert_non_null(strstr(err.msg, "has staff already"));
	staff_rec s;
	assert_int_equal(db_staff_get(db, "s1", &s, &err), 0);
	assert_int_equal(s.role, ROLE_SUPERVISOR);
	assert_int_equal(db_staff_get(db, "s2", &s, &err), 1);
	/* disabled rows count too: disabling every supervisor never reopens it */
	sqlite3 *raw = NULL;
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, "UPDATE staff SET active = 0", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(db_staff_add_first(db, "s3", "钱七", PIN_SUP2, &err), 1);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(raw, "SELECT group_concat(actor || ' ' || action || ' ' ||"
						 " detail, '|') FROM audit WHERE action LIKE 'staff.%'",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0),
			    "system staff.add_first {\"id\":\"s1\",\"name\":\"王五\",\"role\":\"supervisor\"}");
	sqlite3_finalize(st);
	sqlite3_close(raw);
	db_close(db);
	tu_rmrf(dir);
}

/* Every change refused to whoever is not an active supervisor, with nothing
 * written; the same changes by a supervisor done and audited. */
static void changes_need_a_supervisor(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	char before[4096], after[4096];
	/* a disabled supervisor, for the refusals */
	assert_int_equal(db_staff_add(f->db, "sup1", "sup3", "钱七", ROLE_SUPERVISOR, PIN_SUP, &err), 0);
	assert_int_equal(db_staff_disable(f->db, "sup1", "sup3", &err), 0);
	snapshot(f, before, sizeof before);
	const char *nobody[] = { "clerk1", "trainer1", "sup3", "ghost", "", NULL };
	for (size_t i = 0; i < sizeof nobody / sizeof *nobody; i++) {
		const char *by = nobody[i];
		assert_int_equal(db_staff_unlock(f->db, by, "clerk1", &err), 1);
		assert_non_null(strstr(err.msg, "supervisor's"));
		assert_int_equal(db_staff_reset_pin(f->db, by, "clerk1", PIN_NEW, &err), 1);
		assert_int_equal(db_staff_disable(f->db, by, "clerk1", &err), 1);
		assert_int_equal(db_staff_set_role(f->db, by, "clerk1", ROLE_SUPERVISOR, &err), 1);
		/* not even on themselves */
		if (by && *by && strcmp(by, "ghost") != 0)
			assert_int_equal(db_staff_set_role(f->db, by, by, ROLE_SUPERVISOR, &err), 1);
	}
	/* a supervisor, on nobody */
	assert_int_equal(db_staff_unlock(f->db, "sup1", "ghost", &err), 1);
	assert_non_null(strstr(err.msg, "no staff member 'ghost'"));
	assert_int_equal(db_staff_set_role(f->db, "sup1", "clerk1", ROLE_COUNT, &err), -1);
	assert_int_equal(db_staff_reset_pin(f->db, "sup1", "clerk1", "121212", &err), -1);
	assert_non_null(strstr(err.msg, "pin.repeated"));
	snapshot(f, after, sizeof after);
	assert_string_equal(after, before);

	/* done by a supervisor, each with its audit row */
	staff_rec s;
	for (int i = 0; i < 3; i++)
		login_as(f, "clerk1", "000000", ROLE_COUNT, &s);
	assert_int_equal(q_int(f, "SELECT failures FROM staff WHERE id = 'clerk1'"), 3);
	assert_true(q_int(f, "SELECT locked_until_ms FROM staff WHERE id = 'clerk1'") > T0);
	assert_int_equal(db_staff_unlock(f->db, "sup1", "clerk1", &err), 0);
	assert_int_equal(q_int(f, "SELECT failures + locked_until_ms FROM staff WHERE id = 'clerk1'"), 0);
	assert_int_equal(login_as(f, "clerk1", PIN_CLERK, ROLE_COUNT, &s), LOGIN_OK);

	assert_int_equal(db_staff_reset_pin(f->db, "sup2", "clerk1", PIN_NEW, &err), 0);
	assert_int_equal(login_as(f, "clerk1", PIN_CLERK, ROLE_COUNT, &s), LOGIN_BAD_PIN);
	assert_int_equal(login_as(f, "clerk1", PIN_NEW, ROLE_COUNT, &s), LOGIN_OK);

	assert_int_equal(db_staff_set_role(f->db, "sup1", "clerk1", ROLE_TRAINER, &err), 0);
	assert_int_equal(db_staff_set_role(f->db, "sup1", "clerk1", ROLE_TRAINER, &err), 1);
	assert_non_null(strstr(err.msg, "already"));
	assert_int_equal(db_staff_disable(f->db, "sup2", "clerk1", &err), 0);
	assert_int_equal(db_staff_disable(f->db, "sup2", "clerk1", &err), 1);
	assert_non_null(strstr(err.msg, "disabled already"));
	assert_int_equal(db_staff_set_role(f->db, "sup1", "clerk1", ROLE_CLERK, &err), 1);
	assert_non_null(strstr(err.msg, "disabled"));

	char buf[2048];
	q_text(f, buf, sizeof buf,
	       "SELECT group_concat(actor || ' ' || action || ' ' || detail, '|') FROM (SELECT *"
	       " FROM audit WHERE action IN ('staff.unlock_by', 'staff.reset_pin', 'staff.disable',"
	       " 'staff.role') ORDER BY seq)");
	char want[2048];
	snprintf(want, sizeof want,
		 "sup1 staff.disable {\"id\":\"sup3\",\"role\":\"supervisor\"}|"
		 "sup1 staff.unlock_by {\"id\":\"clerk1\",\"failures\":3,\"locked_until_ms\":%lld}|"
		 "sup2 staff.reset_pin {\"id\":\"clerk1\"}|"
		 "sup1 staff.role {\"id\":\"clerk1\",\"from\":\"clerk\",\"to\":\"trainer\"}|"
		 "sup2 staff.disable {\"id\":\"clerk1\",\"role\":\"trainer\"}",
		 T0 + 1000);
	assert_string_equal(buf, want);
	/* no PIN, old or new, anywhere in the log */
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit WHERE instr(detail, '" PIN_NEW "') > 0"
				  " OR instr(detail, '" PIN_CLERK "') > 0"),
			 0);
	audit_verify_result res;
	assert_int_equal(db_audit_verify(f->db, &res, &err), 0);
}

/* A disabled member signs in nowhere: not at the kiosk, not as --by. */
static void disabled_cannot_sign_in(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	staff_rec s;
	assert_int_equal(db_staff_disable(f->db, "sup1", "sup2", &err), 0);
	assert_int_equal(login_as(f, "sup2", PIN_SUP2, ROLE_COUNT, &s), LOGIN_UNKNOWN);
	assert_int_equal(login_as(f, "sup2", PIN_SUP2, ROLE_SUPERVISOR, &s), LOGIN_UNKNOWN);
	assert_int_equal(db_staff_unlock(f->db, "sup2", "clerk1", &err), 1);
	assert_non_null(strstr(err.msg, "disabled"));
	/* listed still, as disabled */
	staff_rec *list = NULL;
	size_t n = 0;
	assert_int_equal(db_staff_list(f->db, &list, &n, &err), 0);
	assert_int_equal(n, 4);
	const char *ids[] = { "clerk1", "sup1", "sup2", "trainer1" };
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(list[i].id, ids[i]);
		assert_int_equal(list[i].active, i != 2);
	}
	free(list);
}

/* The last active supervisor is never disabled nor given another role; with
 * a second one, either may be. */
static void last_supervisor_kept(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	assert_int_equal(db_staff_set_role(f->db, "sup1", "sup2", ROLE_CLERK, &err), 0);
	char before[4096], after[4096];
	snapshot(f, before, sizeof before);
	assert_int_equal(db_staff_disable(f->db, "sup1", "sup1", &err), 1);
	assert_non_null(strstr(err.msg, "last active supervisor"));
	assert_int_equal(db_staff_set_role(f->db, "sup1", "sup1", ROLE_CLERK, &err), 1);
	assert_non_null(strstr(err.msg, "last active supervisor"));
	snapshot(f, after, sizeof after);
	assert_string_equal(after, before);
	/* promoted back, the first may then step down */
	assert_int_equal(db_staff_set_role(f->db, "sup1", "sup2", ROLE_SUPERVISOR, &err), 0);
	assert_int_equal(db_staff_set_role(f->db, "sup1", "sup1", ROLE_CLERK, &err), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM staff WHERE role = 'supervisor' AND active"), 1);
}

/* Where a supervisor is asked for, the role is checked before the PIN: a
 * clerk's or trainer's id, right PIN or wrong, is refused and its count and
 * wait stay as they were; a supervisor's wrong PINs still count. */
static void role_before_pin(void **state)
{
	fx *f = *state;
	staff_rec s;
	char before[4096], after[4096];
	for (int i = 0; i < 10; i++) {
		snapshot(f, before, sizeof before);
		assert_int_equal(login_as(f, "clerk1", "000000", ROLE_SUPERVISOR, &s), LOGIN_WRONG_ROLE);
		assert_int_equal(s.role, ROLE_CLERK);
		snapshot(f, after, sizeof after);
		/* one audit row more; the staff rows as they were */
		assert_string_equal(strchr(after, ' '), strchr(before, ' '));
	}
	assert_int_equal(login_as(f, "clerk1", PIN_CLERK, ROLE_SUPERVISOR, &s), LOGIN_WRONG_ROLE);
	assert_int_equal(login_as(f, "trainer1", "000000", ROLE_SUPERVISOR, &s), LOGIN_WRONG_ROLE);
	assert_int_equal(q_int(f, "SELECT sum(failures) FROM staff"), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit WHERE action = 'staff.login_failed' AND"
				  " detail = '{\"reason\":\"wrong role\",\"role\":\"clerk\","
				  "\"needed\":\"supervisor\"}'"),
			 11);
	/* the clerk still signs in at once */
	assert_int_equal(login_as(f, "clerk1", PIN_CLERK, ROLE_COUNT, &s), LOGIN_OK);
	/* a supervisor's id: the PIN is checked and wrong ones count */
	assert_int_equal(login_as(f, "sup1", "000000", ROLE_SUPERVISOR, &s), LOGIN_BAD_PIN);
	assert_int_equal(s.failures, 1);
	assert_int_equal(login_as(f, "sup1", PIN_SUP, ROLE_SUPERVISOR, &s), LOGIN_OK);
	assert_int_equal(s.role, ROLE_SUPERVISOR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(staff_waits),
		cmocka_unit_test(first_supervisor),
		cmocka_unit_test_setup_teardown(changes_need_a_supervisor, setup, teardown),
		cmocka_unit_test_setup_teardown(disabled_cannot_sign_in, setup, teardown),
		cmocka_unit_test_setup_teardown(last_supervisor_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(role_before_pin, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
