/* The supervisor's day close on a real database: the anchor covers its own
 * `day.close` row and the day's counts, is signed by the kiosk key and
 * verifies; a second close, a clerk, an unknown or inactive id, a day in the
 * future, a public-only key, a tampered chain and a log that disagrees with an
 * earlier anchor are all refused with nothing written. Then, with raw SQL as a
 * tamperer would (triggers dropped): a truncated log, a rewritten log, a
 * forged or re-keyed signature, changed counts and a deleted anchor row (kept
 * in an exported file) are each reported by db_audit_verify_anchors(). Since
 * the rows are bound to the chain (schema 6), db_audit_verify() alone reports
 * the changed or deleted anchor row and the rows a cut left unbound too; the
 * anchors still say what the cut was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit/anchor.h"
#include "core/case/catalog.h"
#include "core/base/clock.h"
#include "core/audit/kioskkey.h"
#include "db/repo/anchor_repo.h"
#include "db/repo/case_repo.h"
#include "db/db.h"
#include "db/repo/staff_repo.h"
#include "db/store.h" /* dbi_op_*: a write through db/ that no repository makes */
#include "tests/unit/testutil.h"

/* 2024-03-01 08:00 +08:00; civil day 19783 */
#define T0 1709251200000LL
#define DAY0 19783L
#define PIN_CLERK "864209"
#define PIN_SUP "753186"

typedef struct fx {
	char dir[256];
	char path[320];
	char key_path[320];
	kdb *db;
	sqlite3 *raw;
	kioskkey *key;
	kioskkey *pub;
	catalog *cat;
} fx;

/* The staff (scrypt is slow on purpose) are added once into a template. */
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
	int rc = db_staff_add(db, "system", "clerk1", "张三", ROLE_CLERK, PIN_CLERK, &err) ||
		 db_staff_add(db, "system", "sup1", "王五", ROLE_SUPERVISOR, PIN_SUP, &err) ||
		 db_staff_add(db, "system", "sup2", "赵六", ROLE_SUPERVISOR, PIN_SUP, &err);
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
	tu_path(f->key_path, sizeof f->key_path, f->dir, "kiosk-key.pem");
	clock_set_fixed(T0);
	kerr err = { 0 };
	f->cat = catalog_load(KIOSK_CONFIG_DIR, &err);
	kdb *tpl = db_open(template_path, NULL, DB_OPEN_EXISTING, &err);
	if (!f->cat || !tpl)
		return -1;
	int rc = db_backup(tpl, f->path, &err);
	db_close(tpl);
	if (rc)
		return -1;
	f->db = db_open(f->path, "K01", DB_OPEN_EXISTING, &err);
	f->key = kioskkey_load_or_create(f->key_path, &err);
	char pub[400];
	if (!f->db || !f->key || kioskkey_pub_path(f->key_path, pub, sizeof pub, &err))
		return -1;
	f->pub = kioskkey_load_public(pub, &err);
	if (!f->pub || sqlite3_open_v2(f->path, &f->raw, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(f->raw, 5000);
	/* two cases on DAY0: one left open, one cancelled */
	const service *svc = &f->cat->services[0];
	case_rec c1, c2;
	if (db_case_open(f->db, svc, "clerk1", &c1, &err) ||
	    db_case_open(f->db, svc, "clerk1", &c2, &err) ||
	    db_case_cancel(f->db, "clerk1", c2.case_no, "customer left", &err))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	sqlite3_close(f->raw);
	db_close(f->db);
	kioskkey_free(f->key);
	kioskkey_free(f->pub);
	catalog_free(f->cat);
	tu_rmrf(f->dir);
	free(f);
	clock_set_fixed(T0);
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
	assert_int_equal(sqlite3_prepare_v2(f->raw, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void close_ok(fx *f, long day, anchor_rec *a)
{
	kerr err = { 0 };
	if (db_day_close(f->db, day, "sup1", f->key, a, &err) != 0)
		fail_msg("close: %s: %s", err.where, err.msg);
}

/* Verify with the kiosk's public key; the result's return value. */
static int verify(fx *f, const anchor_rec *files, size_t n, anchor_verify_result *res)
{
	kerr err = { 0 };
	int rc = db_audit_verify_anchors(f->db, f->pub, files, n, res, &err);
	if (rc < 0)
		fail_msg("verify: %s: %s", err.where, err.msg);
	return rc;
}

/* A bound row of table found at fault in kind. */
static bool has_row_finding(const audit_verify_result *r, row_finding_kind kind, const char *table)
{
	for (size_t i = 0; i < r->n_found; i++)
		if (r->found[i].kind == kind && strcmp(r->found[i].table, table) == 0)
			return true;
	return false;
}

/* A trigger dropped as a tamperer would, and put back as it was (the schema's
 * rows are bound to the chain too). */
static void drop_trigger(fx *f, const char *name)
{
	char sql[256];
	snprintf(sql, sizeof sql, "CREATE TEMP TABLE IF NOT EXISTS kept (name TEXT, sql TEXT);"
		 " INSERT INTO kept SELECT name, sql FROM main.sqlite_schema WHERE name = '%s';"
		 " DROP TRIGGER main.%s", name, name);
	raw(f, sql);
}

static void restore_trigger(fx *f, const char *name)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->raw, "SELECT sql FROM temp.kept WHERE name = ?1"
					    " ORDER BY rowid DESC LIMIT 1", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	raw(f, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* There is no repository call to retire someone: through db/, so that the
 * change is bound like any other (a raw UPDATE is tampering). */
static void staff_active(fx *f, const char *id, int active)
{
	kerr err = { 0 };
	char sql[128];
	snprintf(sql, sizeof sql, "UPDATE staff SET active = %d WHERE id = '%s'", active, id);
	if (dbi_op_begin(f->db, &err) || dbi_exec(f->db, sql, &err) || dbi_op_commit(f->db, &err))
		fail_msg("%s: %s", sql, err.msg);
}

static bool has_finding(const anchor_verify_result *res, const char *text)
{
	for (size_t i = 0; i < res->n_findings; i++)
		if (strstr(res->findings[i].problem, text))
			return true;
	return false;
}

static void test_close_signs_the_head_and_counts(void **state)
{
	fx *f = *state;
	long long rows_before = scalar(f, "SELECT count(*) FROM audit");
	anchor_rec a;
	close_ok(f, DAY0, &a);

	/* the anchor names its own close row; the head is the row after it, which
	 * binds the anchor row itself to the chain */
	assert_int_equal(a.last_seq, rows_before + 1);
	audit_verify_result vr;
	kerr err = { 0 };
	assert_int_equal(db_audit_verify(f->db, &vr, &err), 0);
	assert_int_equal(vr.head_seq, a.last_seq + 1);
	assert_int_equal(scalar(f, "SELECT count(*) FROM audit WHERE action = 'ledger.bind' AND"
				   " seq = (SELECT seq FROM audit_head) AND detail LIKE"
				   " '{\"rows\":[[\"day_anchors\",[19783],null,%'"),
			 1);
	audit_entry e;
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->raw, "SELECT hash FROM audit WHERE seq = ?1", -1, &st,
					    NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(st, 1, a.last_seq);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_memory_equal(sqlite3_column_blob(st, 0), a.head, AUDIT_HASH_LEN);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(f->raw, "SELECT actor, action, case_no, detail, at_ms FROM"
					    " audit WHERE seq = ?1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, a.last_seq);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(e.actor, sizeof e.actor, "%s", sqlite3_column_text(st, 0));
	snprintf(e.action, sizeof e.action, "%s", sqlite3_column_text(st, 1));
	snprintf(e.case_no, sizeof e.case_no, "%s", sqlite3_column_text(st, 2));
	snprintf(e.detail, sizeof e.detail, "%s", sqlite3_column_text(st, 3));
	e.at_ms = sqlite3_column_int64(st, 4);
	sqlite3_finalize(st);
	assert_string_equal(e.actor, "sup1");
	assert_string_equal(e.action, "day.close");
	assert_string_equal(e.case_no, "");
	char want[512];
	snprintf(want, sizeof want, "{\"day\":\"2024-03-01\",\"counts\":\"%s\",\"key_id\":\"%s\"}",
		 a.counts_text, kioskkey_id(f->key));
	assert_string_equal(e.detail, want);
	assert_int_equal(a.closed_ms, e.at_ms);
	assert_int_equal(a.closed_ms, T0);

	/* the counts of the day */
	assert_string_equal(a.counts_text, "cases=2,open=1,accepted=0,rongque=0,refused=0,"
					   "completed=0,cancelled=1,due_fen=0,paid_fen=0,refunded_fen=0");
	assert_int_equal(a.version, 2);
	assert_int_equal(a.counts[AC_CASES], 2);
	assert_int_equal(a.counts[AC_OPEN], 1);
	assert_int_equal(a.counts[AC_CANCELLED], 1);

	/* the message, its signature and key */
	assert_string_equal(a.kiosk_id, "K01");
	assert_int_equal(a.day, DAY0);
	assert_string_equal(a.closed_by, "sup1");
	assert_string_equal(a.key_id, kioskkey_id(f->key));
	assert_true(anchor_signature_ok(&a, f->pub));
	anchor_rec m;
	assert_int_equal(anchor_message_parse(a.message, strlen(a.message), NULL, &m, &err), 0);
	assert_int_equal(m.last_seq, a.last_seq);
	assert_memory_equal(m.head, a.head, AUDIT_HASH_LEN);
	assert_string_equal(m.counts_text, a.counts_text);
	assert_non_null(strstr(a.message, "day=2024-03-01"));

	/* as stored */
	anchor_rec g;
	assert_int_equal(db_anchor_get(f->db, DAY0, &g, &err), 0);
	assert_string_equal(g.message, a.message);
	assert_int_equal(g.sig_len, a.sig_len);
	assert_memory_equal(g.signature, a.signature, a.sig_len);
	assert_int_equal(g.closed_ms, a.closed_ms);
	assert_int_equal(g.counts[AC_CANCELLED], 1);
	assert_int_equal(db_anchor_get(f->db, DAY0 - 1, &g, &err), 1);

	/* verify: intact, and still after more rows are appended */
	anchor_verify_result res;
	assert_int_equal(verify(f, NULL, 0, &res), 0);
	assert_int_equal(res.n_anchors, 1);
	assert_int_equal(res.n_findings, 0);
	assert_int_equal(db_audit_append(f->db, "sup1", AUD_STAFF_LOGOUT, "", "", &err), 0);
	assert_int_equal(verify(f, NULL, 0, &res), 0);

	/* an earlier day, with no cases, closed later: both anchors verify */
	anchor_rec b;
	close_ok(f, DAY0 - 1, &b);
	assert_true(strstr(b.counts_text, "cases=0,") == b.counts_text);
	assert_int_equal(b.last_seq, a.last_seq + 3); /* a's binding row, the logout */
	anchor_rec *list = NULL;
	size_t n = 0;
	assert_int_equal(db_anchor_list(f->db, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].day, DAY0 - 1);
	assert_int_equal(list[1].day, DAY0);
	free(list);
	assert_int_equal(verify(f, NULL, 0, &res), 0);
	assert_int_equal(res.n_anchors, 2);
}

/* Every refusal leaves the audit log and the anchors as they were. */
static void refused(fx *f, long day, const char *who, const kioskkey *key, int want_rc,
		    const char *says)
{
	long long audit = scalar(f, "SELECT count(*) FROM audit");
	long long anchors = scalar(f, "SELECT count(*) FROM day_anchors");
	anchor_rec a;
	kerr err = { 0 };
	int rc = db_day_close(f->db, day, who, key, &a, &err);
	if (rc != want_rc || !strstr(err.msg, says))
		fail_msg("close %ld by %s: want %d '%s', got %d '%s'", day, who ? who : "(null)",
			 want_rc, says, rc, err.msg);
	assert_int_equal(a.last_seq, 0);
	assert_int_equal(scalar(f, "SELECT count(*) FROM audit"), audit);
	assert_int_equal(scalar(f, "SELECT count(*) FROM day_anchors"), anchors);
}

/* A closed day takes no new case; the next day does. */
static void test_no_case_after_close(void **state)
{
	fx *f = *state;
	anchor_rec a;
	close_ok(f, DAY0, &a);
	const service *svc = catalog_service(f->cat, "zc.new");
	assert_non_null(svc);
	long long cases = scalar(f, "SELECT count(*) FROM cases");
	kerr err = { 0 };
	case_rec c;
	assert_int_equal(db_case_open(f->db, svc, "clerk1", &c, &err), -1);
	assert_non_null(strstr(err.msg, "the day is closed (by sup1)"));
	assert_int_equal(scalar(f, "SELECT count(*) FROM cases"), cases);
	clock_set_fixed(T0 + 86400000LL);
	memset(&err, 0, sizeof err);
	assert_int_equal(db_case_open(f->db, svc, "clerk1", &c, &err), 0);
	clock_set_fixed(T0);
}

static void test_close_refusals(void **state)
{
	fx *f = *state;
	refused(f, DAY0, "clerk1", f->key, -1, "only a supervisor");
	refused(f, DAY0, "nobody", f->key, -1, "no staff member 'nobody'");
	refused(f, DAY0, "", f->key, -1, "no supervisor");
	refused(f, DAY0, NULL, f->key, -1, "no supervisor");
	staff_active(f, "sup2", 0);
	refused(f, DAY0, "sup2", f->key, -1, "not active");
	refused(f, DAY0 + 1, "sup1", f->key, -1, "2024-03-02 is in the future (today is 2024-03-01");
	refused(f, DAY0 + 400, "sup1", f->key, -1, "future");
	refused(f, DAY0, "sup1", f->pub, -1, "private key");
	refused(f, DAY0, "sup1", NULL, -1, "private key");

	/* today is allowed; then it is closed for good */
	anchor_rec a;
	close_ok(f, DAY0, &a);
	refused(f, DAY0, "sup1", f->key, -1, "2024-03-01 is already closed (by sup1");
	refused(f, DAY0, "sup2", f->key, -1, "not active"); /* who is checked first */
	staff_active(f, "sup2", 1);
	refused(f, DAY0, "sup2", f->key, -1, "already closed");
	/* after midnight the next day can be closed */
	clock_set_fixed(T0 + 24LL * 3600 * 1000);
	close_ok(f, DAY0 + 1, &a);
	anchor_verify_result res;
	assert_int_equal(verify(f, NULL, 0, &res), 0);
}

static void test_close_refused_on_tampered_chain(void **state)
{
	fx *f = *state;
	raw(f, "DROP TRIGGER audit_no_update; UPDATE audit SET detail = 'x' WHERE seq = 3");
	refused(f, DAY0, "sup1", f->key, 1, "tampered at row 3");
}

static void test_close_refused_when_an_anchor_disagrees(void **state)
{
	fx *f = *state;
	anchor_rec a;
	close_ok(f, DAY0 - 1, &a);
	/* another key than the one the earlier day was signed with */
	char other[400];
	snprintf(other, sizeof other, "%s/other-key.pem", f->dir);
	kerr err = { 0 };
	kioskkey *k2 = kioskkey_load_or_create(other, &err);
	assert_non_null(k2);
	refused(f, DAY0, "sup1", k2, 1, "not with this kiosk's key");
	kioskkey_free(k2);
	/* a log cut back before the anchor, its head moved back with it */
	char sql[400];
	snprintf(sql, sizeof sql,
		 "DROP TRIGGER audit_no_delete; DROP TRIGGER audit_head_only_advances;"
		 " DELETE FROM audit WHERE seq >= %lld;"
		 " UPDATE audit_head SET seq = %lld, hash = (SELECT hash FROM audit WHERE seq = %lld)",
		 (long long)a.last_seq, (long long)a.last_seq - 1, (long long)a.last_seq - 1);
	raw(f, sql);
	refused(f, DAY0, "sup1", f->key, 1, "log truncated");
}

/* Drop the audit triggers and cut the log from seq on; fix_head: move the
 * head back too, so the chain alone looks intact. The triggers are put back
 * after, as a careful tamperer would. */
static void truncate_from(fx *f, int64_t seq, bool fix_head)
{
	char sql[512];
	drop_trigger(f, "audit_no_delete");
	drop_trigger(f, "audit_head_only_advances");
	snprintf(sql, sizeof sql, "DELETE FROM audit WHERE seq >= %lld;", (long long)seq);
	raw(f, sql);
	if (fix_head) {
		snprintf(sql, sizeof sql,
			 "UPDATE audit_head SET seq = %lld, hash = (SELECT hash FROM audit"
			 " WHERE seq = %lld)", (long long)seq - 1, (long long)seq - 1);
		raw(f, sql);
	}
	restore_trigger(f, "audit_no_delete");
	restore_trigger(f, "audit_head_only_advances");
}

static void test_truncated_log_reported(void **state)
{
	fx *f = *state;
	anchor_rec a;
	close_ok(f, DAY0, &a);
	kerr err = { 0 };
	assert_int_equal(db_audit_append(f->db, "sup1", AUD_STAFF_LOGOUT, "", "", &err), 0);
	truncate_from(f, a.last_seq - 1, true);

	/* the chain alone is consistent; the rows it bound are not (the anchor's
	 * binding was cut with it), and the anchor says what was cut */
	audit_verify_result vr;
	assert_int_equal(db_audit_verify(f->db, &vr, &err), 1);
	assert_int_equal(vr.bad_seq, 0);
	assert_true(has_row_finding(&vr, ROWF_INSERTED, "day_anchors"));
	anchor_verify_result res;
	assert_int_equal(verify(f, NULL, 0, &res), 1);
	assert_int_equal(res.chain_rc, 1);
	assert_int_equal(res.chain.bad_seq, 0);
	assert_int_equal(res.n_findings, 1);
	char want[200];
	snprintf(want, sizeof want, "log truncated: the anchor of 2024-03-01 names row %lld, the "
		 "log ends at row %lld", (long long)a.last_seq, (long long)a.last_seq - 2);
	assert_string_equal(res.findings[0].problem, want);
	assert_int_equal(res.findings[0].day, DAY0);
	assert_int_equal(res.findings[0].seq, a.last_seq);
	assert_int_equal(res.findings[0].file, -1);
}

static void test_truncated_tail_without_head_fix(void **state)
{
	fx *f = *state;
	anchor_rec a;
	close_ok(f, DAY0, &a);
	truncate_from(f, a.last_seq, false);
	anchor_verify_result res;
	assert_int_equal(verify(f, NULL, 0, &res), 1);
	assert_int_equal(res.chain_rc, 1);
	assert_non_null(strstr(res.chain.problem, "were removed"));
	assert_true(has_finding(&res, "log truncated"));
}

static void test_rewritten_log_reported(void **state)
{
	fx *f = *state;
	anchor_rec a;
	close_ok(f, DAY0, &a);
	/* cut back to before the close and write other rows in its place: a
	 * consistent chain, but not the one that was signed */
	truncate_from(f, a.last_seq, true);
	kerr err = { 0 };
	clock_set_fixed(T0 + 1);
	assert_int_equal(db_audit_append(f->db, "sup1", AUD_DAY_CLOSE, "", "{}", &err), 0);
	assert_int_equal(db_audit_append(f->db, "sup1", AUD_STAFF_LOGOUT, "", "", &err), 0);
	audit_verify_result vr;
	assert_int_equal(db_audit_verify(f->db, &vr, &err), 1);
	assert_int_equal(vr.bad_seq, 0); /* a consistent chain, over rows it does not bind */
	assert_true(has_row_finding(&vr, ROWF_INSERTED, "day_anchors"));
	anchor_verify_result res;
	assert_int_equal(verify(f, NULL, 0, &res), 1);
	assert_int_equal(res.n_findings, 1);
	char want[80];
	snprintf(want, sizeof want, "log rewritten: row %lld has hash", (long long)a.last_seq);
	assert_non_null(strstr(res.findings[0].problem, want));
	assert_non_null(strstr(res.findings[0].problem, "2024-03-01"));
}

static void test_changed_close_row_reported(void **state)
{
	fx *f = *state;
	anchor_rec a;
	close_ok(f, DAY0, &a);
	raw(f, "DROP TRIGGER audit_no_update");
	char sql[200];
	snprintf(sql, sizeof sql, "UPDATE audit SET actor = 'sup2' WHERE seq = %lld",
		 (long long)a.last_seq);
	raw(f, sql);
	anchor_verify_result res;
	assert_int_equal(verify(f, NULL, 0, &res), 1);
	assert_int_equal(res.chain_rc, 1);
	assert_true(has_finding(&res, "was changed: it does not match its hash"));
}

static void test_forged_anchors_reported(void **state)
{
	fx *f = *state;
	anchor_rec a;
	close_ok(f, DAY0, &a);
	drop_trigger(f, "day_anchors_no_update");
	anchor_verify_result res;

	/* a signature that is not the kiosk's: the row no longer matches its
	 * binding either */
	raw(f, "UPDATE day_anchors SET signature = zeroblob(64)");
	assert_int_equal(verify(f, NULL, 0, &res), 1);
	assert_int_equal(res.chain.bad_seq, 0);
	assert_true(has_row_finding(&res.chain, ROWF_CHANGED, "day_anchors"));
	assert_string_equal(res.chain.found[0].columns, "signature");
	assert_true(has_finding(&res, "signature of the anchor of 2024-03-01 does not verify"));

	/* signed again with another key, its key id with it */
	char other[400];
	snprintf(other, sizeof other, "%s/other-key.pem", f->dir);
	kerr err = { 0 };
	kioskkey *k2 = kioskkey_load_or_create(other, &err);
	assert_non_null(k2);
	anchor_rec forged = a;
	assert_int_equal(anchor_sign(&forged, k2, &err), 0);
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->raw, "UPDATE day_anchors SET signature = ?1,"
					    " key_id = ?2", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, forged.signature, (int)forged.sig_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, forged.key_id, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	assert_int_equal(verify(f, NULL, 0, &res), 1);
	assert_true(has_finding(&res, "not with this kiosk's key"));
	kioskkey_free(k2);

	/* the counts changed, message and all, the old signature kept */
	st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->raw, "UPDATE day_anchors SET signature = ?1,"
					    " key_id = ?2", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, a.signature, (int)a.sig_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, a.key_id, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	restore_trigger(f, "day_anchors_no_update");
	assert_int_equal(verify(f, NULL, 0, &res), 0); /* all put back */
	drop_trigger(f, "day_anchors_no_update");
	raw(f, "UPDATE day_anchors SET counts = replace(counts, 'cases=2,', 'cases=1,'),"
	       " message = replace(message, 'cases=2,', 'cases=1,')");
	assert_int_equal(verify(f, NULL, 0, &res), 1);
	assert_true(has_finding(&res, "does not verify"));

	/* only the counts column changed */
	raw(f, "UPDATE day_anchors SET message = replace(message, 'cases=1,', 'cases=2,')");
	assert_int_equal(verify(f, NULL, 0, &res), 1);
	assert_true(has_finding(&res, "does not match the anchor's fields"));

	/* the anchor moved to another day */
	raw(f, "UPDATE day_anchors SET counts = replace(counts, 'cases=1,', 'cases=2,'),"
	       " day = day - 1");
	assert_int_equal(verify(f, NULL, 0, &res), 1);
	assert_true(has_finding(&res, "does not match the anchor's fields"));
	assert_int_equal(res.findings[0].day, DAY0 - 1);
}

static void test_exported_anchor_file(void **state)
{
	fx *f = *state;
	anchor_rec a, file;
	close_ok(f, DAY0, &a);
	char text[ANCHOR_FILE_MAX];
	kerr err = { 0 };
	assert_int_equal(anchor_file_format(&a, text, sizeof text, &err), 0);
	assert_int_equal(anchor_file_parse(text, strlen(text), "day.anchor", &file, &err), 0);
	anchor_verify_result res;
	assert_int_equal(verify(f, &file, 1, &res), 0);
	assert_int_equal(res.n_files, 1);

	/* a file whose message is changed no longer verifies */
	anchor_rec bad = file;
	bad.message[strlen(bad.message) - 1] = bad.message[strlen(bad.message) - 1] == '1' ? '2' : '1';
	assert_int_equal(verify(f, &bad, 1, &res), 1);
	assert_int_equal(res.findings[0].file, 0);
	/* another kiosk's anchor */
	bad = file;
	snprintf(bad.kiosk_id, sizeof bad.kiosk_id, "K02");
	assert_int_equal(verify(f, &bad, 1, &res), 1);
	assert_true(has_finding(&res, "names kiosk 'K02'"));

	/* the anchor row deleted: its binding in the chain shows it gone, and the
	 * file still knows what it said */
	raw(f, "DROP TRIGGER day_anchors_no_delete; DELETE FROM day_anchors");
	assert_int_equal(verify(f, NULL, 0, &res), 1);
	assert_int_equal(res.chain.bad_seq, 0);
	assert_true(has_row_finding(&res.chain, ROWF_DELETED, "day_anchors"));
	assert_int_equal(res.n_findings, 0);
	assert_int_equal(res.n_anchors, 0);
	assert_int_equal(verify(f, &file, 1, &res), 1);
	assert_int_equal(res.n_findings, 1);
	assert_int_equal(res.findings[0].file, 0);
	assert_int_equal(res.findings[0].day, DAY0);
	assert_non_null(strstr(res.findings[0].problem, "is not in the database"));
}

static void test_replaced_anchor_row_caught_by_file(void **state)
{
	fx *f = *state;
	anchor_rec a, file;
	close_ok(f, DAY0, &a);
	char text[ANCHOR_FILE_MAX];
	kerr err = { 0 };
	assert_int_equal(anchor_file_format(&a, text, sizeof text, &err), 0);
	assert_int_equal(anchor_file_parse(text, strlen(text), "day.anchor", &file, &err), 0);
	/* someone with the kiosk key re-signs other counts */
	anchor_rec forged = a;
	forged.counts[AC_CASES] = 1;
	assert_int_equal(anchor_counts_format(forged.counts, forged.version, forged.counts_text,
					      sizeof forged.counts_text, &err), 0);
	assert_int_equal(anchor_message_format(forged.kiosk_id, forged.day, forged.last_seq,
					       forged.head, forged.counts_text, forged.message,
					       sizeof forged.message, &err), 0);
	assert_int_equal(anchor_sign(&forged, f->key, &err), 0);
	raw(f, "DROP TRIGGER day_anchors_no_update");
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->raw, "UPDATE day_anchors SET counts = ?1,"
					    " message = ?2, signature = ?3", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, forged.counts_text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, forged.message, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, forged.signature, (int)forged.sig_len, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	anchor_verify_result res;
	/* the close row in the chain still holds the true counts */
	assert_int_equal(verify(f, NULL, 0, &res), 1);
	assert_true(has_finding(&res, "other counts"));
	assert_int_equal(verify(f, &file, 1, &res), 1);
	assert_int_equal(res.n_findings, 2);
	assert_true(has_finding(&res, "differs from the exported file"));
}

static void test_public_key_needed_only_with_anchors(void **state)
{
	fx *f = *state;
	anchor_verify_result res;
	kerr err = { 0 };
	assert_int_equal(db_audit_verify_anchors(f->db, NULL, NULL, 0, &res, &err), 0);
	anchor_rec a;
	close_ok(f, DAY0, &a);
	assert_int_equal(db_audit_verify_anchors(f->db, NULL, NULL, 0, &res, &err), -1);
	assert_non_null(strstr(err.msg, "public key"));
	/* the private key verifies too */
	assert_int_equal(db_audit_verify_anchors(f->db, f->key, NULL, 0, &res, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_close_signs_the_head_and_counts),
		T(test_close_refusals),
		T(test_no_case_after_close),
		T(test_close_refused_on_tampered_chain),
		T(test_close_refused_when_an_anchor_disagrees),
		T(test_truncated_log_reported),
		T(test_truncated_tail_without_head_fix),
		T(test_rewritten_log_reported),
		T(test_changed_close_row_reported),
		T(test_forged_anchors_reported),
		T(test_exported_anchor_file),
		T(test_replaced_anchor_row_caught_by_file),
		T(test_public_key_needed_only_with_anchors),
#undef T
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
