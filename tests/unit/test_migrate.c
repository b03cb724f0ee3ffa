/* Migrations on real files: from nothing to the current version (every table,
 * audit rows "to 1" ... "to DB_SCHEMA_VERSION", the seals of migration 7 and each later one); a version-1 file with staff, a case and its
 * steps upgraded in place with its data and audit chain kept; a version-4 file
 * whose payments get their code_url from the payment.qr audit rows as the
 * kiosk used to find it; a migration that
 * fails leaves the file at its previous version with nothing of it written;
 * the enum CHECK lists in the schema agree with the X-macro names of core/
 * and refuse anything else; no downgrade. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/case/casefsm.h"
#include "core/base/clock.h"
#include "core/case/rating.h"
#include "core/case/staff.h"
#include "db/repo/case_repo.h"
#include "db/db.h"
#include "db/repo/payment_repo.h"
#include "db/repo/staff_repo.h"
#include "tests/unit/testutil.h"

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

static long long raw_int(const char *path, const char *sql)
{
	sqlite3 *h = NULL;
	long long v = -999;
	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		else
			fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(h));
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return v;
}

static int raw_exec(const char *path, const char *sql)
{
	sqlite3 *h = NULL;
	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return -1;
	int rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
	sqlite3_close(h);
	return rc;
}

static long long has_table(const char *path, const char *name)
{
	char sql[200];
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM sqlite_schema WHERE type IN ('table', 'index', 'trigger')"
		 " AND name = '%s'",
		 name);
	return raw_int(path, sql);
}

static const char *const v1_objects[] = {
	"meta",	      "staff",	    "cases",	 "case_steps",		     "material_decisions",
	"audit",      "audit_head", "audit_no_update", "audit_no_delete", "audit_head_no_delete",
	"audit_head_advance", "audit_insert_at_head", "audit_by_case",
};
static const char *const v2_objects[] = {
	"tokens", "token_events", "payments", "payments_by_case", "cases_by_created",
};
static const char *const v3_objects[] = {
	"certs", "certs_by_token", "certs_by_uscc", "certs_revoked_final", "token_bindings",
	"token_bindings_current",
};
static const char *const v4_objects[] = {
	"day_anchors", "day_anchors_no_update", "day_anchors_no_delete", "refunds",
	"refunds_by_case", "training_results", "training_by_session", "token_events_by_time",
};

static const char *const v6_objects[] = {
	"seal_setup", "seal_setup_no_update", "seal_setup_no_delete", "seals", "seals_in_order",
	"seals_no_update", "seals_no_delete",
};

static const char *const v8_objects[] = {
	"pay_recons", "pay_recons_by_day", "pay_diffs", "pay_diffs_by_day",
};
static const char *const v10_objects[] = {
	"supplements", "supplements_no_update", "supplements_no_delete", "cases_rongque_owed",
	"ratings", "ratings_by_day", "ratings_open", "ratings_once", "ratings_no_delete",
};
/* the search index (db_case_find) */
static const char *const v11_objects[] = {
	"cases_find", "cases_find_terms", "cases_by_tail", "cases_find_insert", "cases_find_delete",
	"cases_find_update",
};

/* The chain's rows that migrations 2 .. DB_SCHEMA_VERSION append to a v1
 * file: a schema.migrate each, and one ledger.seal for 7 (the rows as found)
 * and each later one (what it changed). */
#define MIGRATION_ROWS ((DB_SCHEMA_VERSION - 1) + (DB_SCHEMA_VERSION - 6))

static void test_from_empty(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	kdb *db = db_open(f->path, "K01", DB_OPEN_CREATE, &err);
	assert_non_null(db);
	db_close(db);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), DB_SCHEMA_VERSION);
	/* v9: the application a certificate is in */
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM pragma_table_info('certs') WHERE name"
				 " = 'app' AND dflt_value = '''kiosk'''"), 1);
	for (size_t i = 0; i < sizeof v11_objects / sizeof v11_objects[0]; i++)
		assert_int_equal(has_table(f->path, v11_objects[i]), 1);
	for (size_t i = 0; i < sizeof v10_objects / sizeof v10_objects[0]; i++)
		assert_int_equal(has_table(f->path, v10_objects[i]), 1);
	for (size_t i = 0; i < sizeof v8_objects / sizeof v8_objects[0]; i++)
		assert_int_equal(has_table(f->path, v8_objects[i]), 1);
	for (size_t i = 0; i < sizeof v6_objects / sizeof v6_objects[0]; i++)
		assert_int_equal(has_table(f->path, v6_objects[i]), 1);
	for (size_t i = 0; i < sizeof v1_objects / sizeof v1_objects[0]; i++)
		assert_int_equal(has_table(f->path, v1_objects[i]), 1);
	for (size_t i = 0; i < sizeof v2_objects / sizeof v2_objects[0]; i++)
		assert_int_equal(has_table(f->path, v2_objects[i]), 1);
	for (size_t i = 0; i < sizeof v3_objects / sizeof v3_objects[0]; i++)
		assert_int_equal(has_table(f->path, v3_objects[i]), 1);
	for (size_t i = 0; i < sizeof v4_objects / sizeof v4_objects[0]; i++)
		assert_int_equal(has_table(f->path, v4_objects[i]), 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM pragma_table_info('payments')"
					  " WHERE name = 'code_url' AND type = 'TEXT' AND \"notnull\" = 0"),
			 1);
	/* v7 adds no table: the schema's digest in meta, and the seal */
	assert_int_equal(raw_int(f->path, "SELECT length(value) FROM meta WHERE key = 'schema_digest'"),
			 64);
	/* the seal row's detail lists the rows it binds: here, by its action */
	char want[600] = "genesis:K01|schema.migrate:to 1|schema.migrate:to 2|"
			 "schema.migrate:to 3|schema.migrate:to 4|schema.migrate:to 5|"
			 "schema.migrate:to 6|ledger.seal:|schema.migrate:to 7";
	for (int v = 8; v <= DB_SCHEMA_VERSION; v++) /* each later one: its seal, then "to N" */
		snprintf(want + strlen(want), sizeof want - strlen(want), "|ledger.seal:|schema.migrate:to %d", v);
	char sql[900];
	snprintf(sql, sizeof sql, "SELECT group_concat(action || ':' ||"
		 " CASE WHEN action = 'ledger.seal' THEN '' ELSE detail END, '|') = '%s'"
		 " FROM (SELECT * FROM audit ORDER BY seq)", want);
	assert_int_equal(raw_int(f->path, sql), 1);
}

/* Make a v1 file holding a clerk, a case with two steps and their audit rows. */
static void make_v1_with_data(fx *f, audit_verify_result *res)
{
	kerr err = { 0 };
	kdb *db = db_open_version(f->path, "K01", 1, &err);
	assert_non_null(db);
	assert_int_equal(db_schema_version(db), 1);
	assert_int_equal(has_table(f->path, "payments"), 0);
	assert_int_equal(has_table(f->path, "tokens"), 0);
	assert_int_equal(db_staff_add(db, "system", "clerk1", "张三", ROLE_CLERK, "135790", &err), 0);

	material m = { .id = "app_form" };
	service_material sm = { &m, true };
	service svc = { .id = "zc.renew", .kind = SVC_RENEW, .materials = &sm, .n_materials = 1 };
	case_rec c;
	assert_int_equal(db_case_open(db, &svc, "clerk1", &c, &err), 0);
	assert_string_equal(c.case_no, "K01-20240301-0001");
	case_rec d = { 0 };
	party_set(&d.party, PF_UNIT_NAME, "四川测试有限公司");
	party_set(&d.party, PF_USCC, "91310115MA1K3BTP2B");
	d.fee_fen = 30000;
	case_step_data sd = { .details = &d };
	assert_int_equal(db_case_step(db, &svc, "clerk1", c.case_no, STEP_DETAILS, &sd, &err), 0);
	material_decision md = { "app_form", MARK_RECEIVED, "", 1 };
	sd = (case_step_data){ .materials = &md, .n_materials = 1 };
	assert_int_equal(db_case_step(db, &svc, "clerk1", c.case_no, STEP_MATERIALS, &sd, &err), 0);
	assert_int_equal(db_audit_verify(db, res, &err), 0);
	db_close(db);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 1);
}

static void test_from_v1_with_data(void **state)
{
	fx *f = *state;
	audit_verify_result v1;
	make_v1_with_data(f, &v1);
	/* a v1 file reopened at v1 stays v1 */
	kerr err = { 0 };
	kdb *db = db_open_version(f->path, NULL, 1, &err);
	assert_non_null(db);
	assert_int_equal(db_schema_version(db), 1);
	db_close(db);

	clock_set_fixed(T0 + 3600 * 1000);
	db = db_open(f->path, NULL, DB_OPEN_EXISTING, &err);
	assert_non_null(db);
	assert_int_equal(db_schema_version(db), DB_SCHEMA_VERSION);
	assert_string_equal(db_kiosk_id(db), "K01");
	for (size_t i = 0; i < sizeof v2_objects / sizeof v2_objects[0]; i++)
		assert_int_equal(has_table(f->path, v2_objects[i]), 1);
	for (size_t i = 0; i < sizeof v3_objects / sizeof v3_objects[0]; i++)
		assert_int_equal(has_table(f->path, v3_objects[i]), 1);
	for (size_t i = 0; i < sizeof v4_objects / sizeof v4_objects[0]; i++)
		assert_int_equal(has_table(f->path, v4_objects[i]), 1);

	/* the data is still there */
	staff_rec s;
	assert_int_equal(db_staff_get(db, "clerk1", &s, &err), 0);
	assert_string_equal(s.name, "张三");
	case_rec c;
	assert_int_equal(db_case_get(db, "K01-20240301-0001", &c, &err), 0);
	assert_string_equal(c.party.unit_name, "四川测试有限公司");
	assert_int_equal(c.fee_fen, 30000);
	assert_int_equal(c.last_step, STEP_MATERIALS);
	material_decision *m = NULL;
	size_t n = 0;
	assert_int_equal(db_case_materials(db, c.case_no, &m, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].mark, MARK_RECEIVED);
	db_material_decisions_free(m, n);

	/* the chain goes on from the v1 head: "to 2" to "to 6", the seal of the
	 * rows as found, "to 7", then for each later migration the seal of what
	 * it made and "to N" */
	audit_verify_result v2;
	assert_int_equal(db_audit_verify(db, &v2, &err), 0);
	assert_int_equal(v2.rows, v1.rows + MIGRATION_ROWS);
	char tos[128] = "", tosql[400];
	for (int v = 2; v <= DB_SCHEMA_VERSION; v++)
		snprintf(tos + strlen(tos), sizeof tos - strlen(tos), "%sto %d", v > 2 ? "|" : "", v);
	snprintf(tosql, sizeof tosql, "SELECT group_concat(detail, '|') = '%s'"
		 " FROM (SELECT detail FROM audit WHERE action = 'schema.migrate'"
		 " AND actor = 'system' AND seq > 3 ORDER BY seq)", tos);
	assert_int_equal(raw_int(f->path, tosql), 1);
	char sql[200];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE seq = %lld AND at_ms = %lld",
		 (long long)v2.rows, T0 + 3600 * 1000LL);
	assert_int_equal(raw_int(f->path, sql), 1);

	/* and the new tables work: a payment for the old case (through the
	 * repository: a row written past it is no longer an intact file) */
	payment_rec p = { .case_no = "K01-20240301-0001", .out_trade_no = "K01202403010001",
			  .amount_fen = 30000, .state = PAY_NOTPAY };
	assert_int_equal(db_payment_record(db, "clerk1", &p, &err), 0);
	assert_int_equal(db_audit_verify(db, &v2, &err), 0);
	db_close(db);
	/* opened again: nothing more to migrate, no new audit row */
	db = db_open(f->path, NULL, DB_OPEN_EXISTING, &err);
	assert_non_null(db);
	audit_verify_result again;
	assert_int_equal(db_audit_verify(db, &again, &err), 0);
	assert_int_equal(again.rows, v2.rows);
	/* asking for v1 of a v8 file does not downgrade */
	db_close(db);
	db = db_open_version(f->path, NULL, 1, &err);
	assert_non_null(db);
	assert_int_equal(db_schema_version(db), DB_SCHEMA_VERSION);
	db_close(db);
}

static void test_failed_migration_keeps_previous(void **state)
{
	fx *f = *state;
	audit_verify_result v1;
	make_v1_with_data(f, &v1);
	/* Something in the way of migration 2: its CREATE TABLE payments fails
	 * after its tokens and token_events tables were already created. */
	assert_int_equal(raw_exec(f->path, "CREATE TABLE payments (x)"), SQLITE_OK);
	kerr err = { 0 };
	assert_null(db_open(f->path, NULL, DB_OPEN_EXISTING, &err));
	assert_non_null(strstr(err.msg, "payments"));
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 1);
	assert_int_equal(has_table(f->path, "tokens"), 0);
	assert_int_equal(has_table(f->path, "token_events"), 0);
	char sql[100];
	snprintf(sql, sizeof sql, "SELECT count(*) = %lld FROM audit", (long long)v1.rows);
	assert_int_equal(raw_int(f->path, sql), 1);
	/* cleared, it migrates */
	assert_int_equal(raw_exec(f->path, "DROP TABLE payments"), SQLITE_OK);
	kdb *db = db_open(f->path, NULL, DB_OPEN_EXISTING, &err);
	assert_non_null(db);
	assert_int_equal(db_schema_version(db), DB_SCHEMA_VERSION);
	audit_verify_result v2;
	assert_int_equal(db_audit_verify(db, &v2, &err), 0);
	assert_int_equal(v2.rows, v1.rows + MIGRATION_ROWS);
	db_close(db);
}

/* A v4 file, where the code_url a case's order showed lived only in the
 * case's payment.qr audit rows: migration 5 gives the case's newest order the
 * last one, as db_payment_latest() of v4 found it, so the kiosk resumes the
 * same; older orders and a case without a payment.qr row get none. */
static void test_v4_payment_code_url(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	kdb *db = db_open_version(f->path, "K01", 4, &err);
	assert_non_null(db);
	assert_int_equal(db_schema_version(db), 4);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM pragma_table_info('payments')"
					  " WHERE name = 'code_url'"),
			 0);
	assert_int_equal(db_staff_add(db, "system", "clerk1", "张三", ROLE_CLERK, "135790", &err), 0);
	material m = { .id = "app_form" };
	service_material sm = { &m, true };
	service svc = { .id = "zc.renew", .kind = SVC_RENEW, .materials = &sm, .n_materials = 1 };
	case_rec a, b;
	assert_int_equal(db_case_open(db, &svc, "clerk1", &a, &err), 0);
	assert_int_equal(db_case_open(db, &svc, "clerk1", &b, &err), 0);
	/* what v4's kiosk wrote: the order row, then its payment.qr row; case a
	 * had a first order closed and a second one made */
	assert_int_equal(raw_exec(f->path, "INSERT INTO payments (case_id, out_trade_no, amount_fen,"
					   " state, created_ms, updated_ms) VALUES"
					   " (1, 'K01202403010001', 30000, 'CLOSED', 100, 300),"
					   " (1, 'K01202403010001_2', 30000, 'NOTPAY', 200, 200),"
					   " (2, 'K01202403010002', 30000, 'NOTPAY', 150, 150)"),
			 SQLITE_OK);
	const char *first = "weixin://wxpay/bizpayurl?pr=first0001";
	const char *second = "weixin://wxpay/bizpayurl?pr=second002";
	assert_int_equal(db_audit_append(db, "clerk1", AUD_PAYMENT_QR, a.case_no, first, &err), 0);
	assert_int_equal(db_audit_append(db, "clerk1", AUD_PAYMENT_QR, a.case_no, second, &err), 0);
	audit_verify_result v4;
	assert_int_equal(db_audit_verify(db, &v4, &err), 0);
	db_close(db);
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 4);

	/* to version 5 exactly: what follows checks that migration alone */
	db = db_open_version(f->path, NULL, 5, &err);
	assert_non_null(db);
	assert_int_equal(db_schema_version(db), 5);
	payment_rec p;
	char url[512] = "";
	assert_int_equal(db_payment_latest(db, a.case_no, &p, url, sizeof url, &err), 0);
	assert_string_equal(p.out_trade_no, "K01202403010001_2");
	assert_string_equal(p.code_url, second);
	assert_string_equal(url, second);
	assert_int_equal(db_payment_get(db, "K01202403010001", &p, &err), 0);
	assert_string_equal(p.code_url, "");
	assert_int_equal(db_payment_latest(db, b.case_no, &p, url, sizeof url, &err), 0);
	assert_string_equal(p.code_url, "");
	assert_string_equal(url, "");
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM payments WHERE code_url IS NULL"), 2);

	/* the chain goes on: one row, "to 5", and the payment.qr rows stay */
	audit_verify_result v5;
	assert_int_equal(db_audit_verify(db, &v5, &err), 0);
	assert_int_equal(v5.rows, v4.rows + 1);
	assert_int_equal(raw_int(f->path, "SELECT action = 'schema.migrate' AND actor = 'system' AND"
					  " detail = 'to 5' FROM audit ORDER BY seq DESC LIMIT 1"),
			 1);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM audit WHERE action = 'payment.qr'"),
			 2);
	db_close(db);
}

/* Every *_name() value of core/ is accepted by the CHECKs; others are not. */
static void test_enum_checks_match_core(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	kdb *db = db_open(f->path, "K01", DB_OPEN_CREATE, &err);
	assert_non_null(db);
	assert_int_equal(db_staff_add(db, "system", "c1", "C", ROLE_CLERK, "135790", &err), 0);
	db_close(db);
	sqlite3 *h;
	assert_int_equal(sqlite3_open_v2(f->path, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	char sql[512];
	int n = 0;
#define TRY(expect, ...)                                                         \
	do {                                                                     \
		snprintf(sql, sizeof sql, __VA_ARGS__);                          \
		int rc_ = sqlite3_exec(h, sql, NULL, NULL, NULL);                \
		if ((rc_ == SQLITE_OK) != (expect))                              \
			fail_msg("%s -> %s", sql, sqlite3_errmsg(h));            \
	} while (0)
	for (int r = 0; r < ROLE_COUNT; r++)
		TRY(true,
		    "INSERT INTO staff (id, name, role, pin_hash, created_ms, updated_ms)"
		    " VALUES ('r%d', 'n', '%s', 'h', 0, 0)",
		    r, staff_role_name((staff_role)r));
	TRY(false, "INSERT INTO staff (id, name, role, pin_hash, created_ms, updated_ms)"
		   " VALUES ('rx', 'n', 'admin', 'h', 0, 0)");
	for (int s = 0; s < CS_COUNT; s++)
		for (int st = -1; st < STEP_COUNT; st++)
			for (int d = 0; d < DEC_COUNT; d++) {
				n++;
				TRY(true,
				    "INSERT INTO cases (case_no, kiosk_id, day, day_seq, service_id,"
				    " clerk_id, status, last_step, decision, rongque_deadline,"
				    " created_ms, updated_ms) VALUES ('X-%d', 'K01', 1, %d, 's', 'c1',"
				    " '%s', '%s', '%s', %s, 0, 0)",
				    n, n, case_status_name((case_status)s),
				    case_step_name((case_step)st),
				    case_decision_name((case_decision)d),
				    d == DEC_RONGQUE ? "19800" : "NULL");
			}
	const char *bad[][3] = { { "'closed'", "'none'", "'none'" },
				 { "'open'", "'done'", "'none'" },
				 { "'open'", "'none'", "'maybe'" } };
	for (int i = 0; i < 3; i++)
		TRY(false,
		    "INSERT INTO cases (case_no, kiosk_id, day, day_seq, service_id, clerk_id,"
		    " status, last_step, decision, created_ms, updated_ms) VALUES ('Y-%d', 'K01',"
		    " 2, %d, 's', 'c1', %s, %s, %s, 0, 0)",
		    i, i + 1, bad[i][0], bad[i][1], bad[i][2]);
	/* 容缺 needs its deadline, and only 容缺 has one */
	TRY(false, "INSERT INTO cases (case_no, kiosk_id, day, day_seq, service_id, clerk_id,"
		   " decision, created_ms, updated_ms) VALUES ('Z-1', 'K01', 3, 1, 's', 'c1',"
		   " 'rongque', 0, 0)");
	TRY(false, "INSERT INTO cases (case_no, kiosk_id, day, day_seq, service_id, clerk_id,"
		   " rongque_deadline, created_ms, updated_ms) VALUES ('Z-2', 'K01', 3, 2, 's',"
		   " 'c1', 19800, 0, 0)");
	/* a clerk that does not exist: foreign key (on for this connection) */
	TRY(true, "PRAGMA foreign_keys = ON");
	TRY(false, "INSERT INTO cases (case_no, kiosk_id, day, day_seq, service_id, clerk_id,"
		   " created_ms, updated_ms) VALUES ('Z-3', 'K01', 3, 3, 's', 'nobody', 0, 0)");
	for (int st = 0; st < STEP_COUNT; st++)
		TRY(true,
		    "INSERT INTO case_steps (case_id, step, actor, at_ms) VALUES (1, '%s', 'c1', 0)",
		    case_step_name((case_step)st));
	TRY(false, "INSERT INTO case_steps (case_id, step, actor, at_ms) VALUES (1, 'none', 'c1', 0)");
	TRY(false, "INSERT INTO case_steps (case_id, step, actor, at_ms) VALUES (1, 'slip', 'c1', 0)");
	TRY(false, "INSERT INTO material_decisions VALUES (1, 'm', 'lost', '', 0)");
	TRY(false, "INSERT INTO material_decisions VALUES (1, 'm', 'defective', '', 0)");
	TRY(false, "INSERT INTO material_decisions VALUES (1, 'm', 'missing', 'why', 0)");
	TRY(true, "INSERT INTO material_decisions VALUES (1, 'm', 'defective', '章不清', 1)");
	TRY(false, "INSERT INTO material_decisions VALUES (1, 'm', 'received', '', 1)");
	TRY(false, "INSERT INTO payments (case_id, out_trade_no, amount_fen, state, created_ms,"
		   " updated_ms) VALUES (1, 'ABCDEF1', -1, 'NOTPAY', 0, 0)");
	TRY(false, "INSERT INTO payments (case_id, out_trade_no, amount_fen, state, created_ms,"
		   " updated_ms) VALUES (1, 'ABCDEF1', 100, 'PAID', 0, 0)");
	TRY(false, "INSERT INTO payments (case_id, out_trade_no, amount_fen, state, created_ms,"
		   " updated_ms) VALUES (1, 'ABCDEF1', 1.5, 'NOTPAY', 0, 0)");
	TRY(true, "INSERT INTO payments (case_id, out_trade_no, amount_fen, state, created_ms,"
		  " updated_ms) VALUES (1, 'ABCDEF1', 0, 'NOTPAY', 0, 0)");
	TRY(false, "INSERT INTO payments (case_id, out_trade_no, amount_fen, state, created_ms,"
		   " updated_ms) VALUES (1, 'ABCDEF1', 100, 'NOTPAY', 0, 0)"); /* unique */
	const char *token_states[] = { "UNFORMATTED", "FORMATTED", "ACTIVE",	 "SUSPENDED",
				       "DAMAGED",     "PERM_LOST", "TERMINATED" };
	for (int i = 0; i < 7; i++)
		TRY(true,
		    "INSERT INTO tokens (serial, state, created_ms, updated_ms)"
		    " VALUES ('SN%d', '%s', 0, 0)",
		    i, token_states[i]);
	TRY(false, "INSERT INTO tokens (serial, state, created_ms, updated_ms)"
		   " VALUES ('SNX', 'LOST', 0, 0)");
	TRY(false, "INSERT INTO tokens (serial, state, created_ms, updated_ms)"
		   " VALUES ('SN0', 'ACTIVE', 0, 0)"); /* unique serial */
	TRY(true, "INSERT INTO token_events (token_id, from_state, to_state, actor, at_ms)"
		  " VALUES (1, 'UNFORMATTED', 'FORMATTED', 'c1', 0)");
	TRY(false, "INSERT INTO token_events (token_id, from_state, to_state, actor, at_ms)"
		   " VALUES (99, 'UNFORMATTED', 'FORMATTED', 'c1', 0)"); /* no token 99 */
	/* v3: a certificate is valid or revoked, revoked with a time and a reason */
	TRY(true, "INSERT INTO certs (serial, token_id, unit_name, uscc, not_before, not_after,"
		  " created_ms) VALUES ('A1', 1, 'u', '91310115MA1K3BTP2B', 1, 2, 0)");
	TRY(false, "INSERT INTO certs (serial, token_id, unit_name, uscc, not_before, not_after,"
		   " status, created_ms) VALUES ('A2', 1, 'u', '91310115MA1K3BTP2B', 1, 2,"
		   " 'revoked', 0)");
	TRY(false, "INSERT INTO certs (serial, token_id, unit_name, uscc, not_before, not_after,"
		   " status, created_ms) VALUES ('A2', 1, 'u', '91310115MA1K3BTP2B', 1, 2,"
		   " 'expired', 0)");
	TRY(false, "INSERT INTO certs (serial, token_id, unit_name, uscc, not_before, not_after,"
		   " created_ms) VALUES ('A2', 1, 'u', '91310115MA1K3BTP2B', 3, 2, 0)");
	TRY(false, "INSERT INTO certs (serial, token_id, unit_name, uscc, not_before, not_after,"
		   " created_ms) VALUES ('A1', 1, 'u', '91310115MA1K3BTP2B', 1, 2, 0)"); /* unique */
	TRY(true, "UPDATE certs SET status = 'revoked', revoked_ms = 5, revoke_reason = 'lost'"
		  " WHERE serial = 'A1'");
	TRY(false, "UPDATE certs SET status = 'valid', revoked_ms = NULL, revoke_reason = ''"
		   " WHERE serial = 'A1'");
	TRY(true, "INSERT INTO token_bindings (token_id, uscc, unit_name, bound_ms)"
		  " VALUES (1, '91310115MA1K3BTP2B', 'u', 10)");
	TRY(false, "INSERT INTO token_bindings (token_id, uscc, unit_name, bound_ms)"
		   " VALUES (1, '91310115MA1K3BTP2B', 'u', 11)"); /* one current binding */
	TRY(false, "INSERT INTO token_bindings (token_id, uscc, unit_name, bound_ms, unbound_ms)"
		   " VALUES (1, '91310115MA1K3BTP2B', 'u', 11, 10)");
	/* v9: a rating's level is one of core's; only a 差评 has a due day, and
	 * only it a follow-up, with words, written once; the rest never changes */
	for (int l = 0; l < RATE_COUNT; l++)
		TRY(true,
		    "INSERT INTO ratings (case_id, level, actor, at_ms, day, due_day)"
		    " VALUES (%d, '%s', 'c1', 0, 1, %s)",
		    l + 1, rating_level_name((rating_level)l), rating_is_bad((rating_level)l) ? "5" : "NULL");
	TRY(false, "INSERT INTO ratings (case_id, level, actor, at_ms, day) VALUES (20, 'angry', 'c1', 0, 1)");
	TRY(false, "INSERT INTO ratings (case_id, level, actor, at_ms, day) VALUES (20, 'dissatisfied', 'c1', 0, 1)");
	TRY(false, "INSERT INTO ratings (case_id, level, actor, at_ms, day, due_day)"
		   " VALUES (20, 'satisfied', 'c1', 0, 1, 5)");
	TRY(false, "INSERT INTO ratings (case_id, level, actor, at_ms, day) VALUES (1, 'none', 'c1', 0, 1)"); /* once */
	TRY(false, "UPDATE ratings SET level = 'satisfied' WHERE case_id = 4");
	TRY(false, "UPDATE ratings SET resolved_by = 's1', resolved_ms = 1 WHERE case_id = 4"); /* no words */
	TRY(false, "UPDATE ratings SET resolved_by = 's1', resolved_ms = 1, resolution = 'x' WHERE case_id = 1");
	TRY(true, "UPDATE ratings SET resolved_by = 's1', resolved_ms = 1, resolution = 'x' WHERE case_id = 4");
	TRY(false, "UPDATE ratings SET resolution = 'y' WHERE case_id = 4"); /* written once */
	TRY(false, "DELETE FROM ratings WHERE case_id = 4");
	TRY(true, "INSERT INTO supplements (case_id, material_id, actor, at_ms) VALUES (1, 'm', 'c1', 0)");
	TRY(false, "INSERT INTO supplements (case_id, material_id, actor, at_ms) VALUES (1, 'm', 'c1', 0)");
	TRY(false, "INSERT INTO supplements (case_id, material_id, actor, at_ms, late_by)"
		   " VALUES (1, 'n', 'c1', 0, 's1')"); /* late without a reason */
	TRY(false, "UPDATE supplements SET actor = 'c2'");
	TRY(false, "DELETE FROM supplements");
#undef TRY
	sqlite3_close(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_from_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_from_v1_with_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_migration_keeps_previous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v4_payment_code_url, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enum_checks_match_core, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
