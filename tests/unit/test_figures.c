/* The business figures a day anchor signs (v2: cases by status, fees due,
 * payments held, refunds done), recomputed by db_audit_verify_anchors() as of
 * the close (issue 11 point 3). On the ledger fixture (tests/unit/testledger.h:
 * four cases of TL_DAY, one paid and completed, one revocation, one paid then
 * refunded, one left open; the day closed): the figures signed are the day's;
 * business done through the kiosk after the close (the open case finished
 * and paid, the paid one refunded) moves nothing as of the close; each
 * tamperer's edit of the rows behind a figure (a payment's amount, a forged
 * SUCCESS payment, a case's outcome, a case deleted, a refund's amount) is
 * named with its day and count. (A v1 anchor's nine counts: test_anchor.) */
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
#include "db/repo/anchor_repo.h"
#include "tests/unit/testledger.h"

#define HOUR 3600000LL

typedef struct fx {
	char dir[256];
	char path[320];
	tl_cases cases;
	kdb *db;
	sqlite3 *raw;
	kioskkey *pub;
	catalog *cat;
} fx;

static char template_dir[256];
static char template_path[320];
static tl_cases template_cases;

static int group_setup(void **state)
{
	(void)state;
	if (!tu_mkdtemp(template_dir, sizeof template_dir))
		return -1;
	tu_path(template_path, sizeof template_path, template_dir, "template.db");
	return tl_populate(template_path, template_dir, &template_cases);
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
	clock_set_fixed(TL_T0);
	kerr err = { 0 };
	kdb *tpl = db_open(template_path, NULL, DB_OPEN_EXISTING, &err);
	if (!tpl || db_backup(tpl, f->path, &err)) {
		db_close(tpl);
		return -1;
	}
	db_close(tpl);
	f->cases = template_cases;
	f->cat = catalog_load(KIOSK_CONFIG_DIR, &err);
	f->db = db_open(f->path, NULL, DB_OPEN_EXISTING, &err);
	char key[400], pub[400];
	tu_path(key, sizeof key, template_dir, "kiosk-key.pem");
	if (!f->cat || !f->db || kioskkey_pub_path(key, pub, sizeof pub, &err) ||
	    !(f->pub = kioskkey_load_public(pub, &err)) ||
	    sqlite3_open_v2(f->path, &f->raw, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
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
	kioskkey_free(f->pub);
	catalog_free(f->cat);
	tu_rmrf(f->dir);
	free(f);
	clock_set_fixed(TL_T0);
	return 0;
}

static void raw(fx *f, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(f->raw, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
}

static int verify(fx *f, anchor_verify_result *res)
{
	kerr err = { 0 };
	int rc = db_audit_verify_anchors(f->db, f->pub, NULL, 0, res, &err);
	if (rc < 0)
		fail_msg("verify: %s: %s", err.where, err.msg);
	return rc;
}

/* The anchors' finding about the figures (NULL when there is none). */
static const char *figures_finding(const anchor_verify_result *res)
{
	for (size_t i = 0; i < res->n_findings; i++)
		if (strstr(res->findings[i].problem, "moved since its close"))
			return res->findings[i].problem;
	return NULL;
}

/* Verify, and the figures finding must name the day and every `want`. */
static void moved(fx *f, const char *const *want, size_t n)
{
	anchor_verify_result *res = calloc(1, sizeof *res);
	assert_non_null(res);
	assert_int_equal(verify(f, res), 1);
	const char *p = figures_finding(res);
	if (!p)
		fail_msg("no finding about the figures (%zu findings%s%s)", res->n_findings,
			 res->n_findings ? ": " : "", res->n_findings ? res->findings[0].problem : "");
	assert_non_null(strstr(p, "the figures of 2024-03-01 moved"));
	for (size_t i = 0; i < n; i++)
		if (!strstr(p, want[i]))
			fail_msg("the finding '%s' does not say '%s'", p, want[i]);
	free(res);
}

static void test_figures_signed_at_close(void **state)
{
	fx *f = *state;
	anchor_rec a;
	kerr err = { 0 };
	assert_int_equal(db_anchor_get(f->db, TL_DAY, &a, &err), 0);
	assert_int_equal(a.version, 2);
	/* A completed, B (revocation, approved) accepted, C cancelled, D open,
	 * E (容缺, then supplemented, no fee) completed; due: A and B; held: A's
	 * order (C's was refunded); refunded: C's */
	assert_string_equal(a.counts_text, "cases=5,open=1,accepted=1,rongque=0,refused=0,"
					   "completed=2,cancelled=1,due_fen=80000,paid_fen=40000,"
					   "refunded_fen=40000");
	int64_t now[AC_COUNT];
	assert_int_equal(db_day_figures(f->db, TL_DAY, a.closed_ms, now, &err), 0);
	assert_memory_equal(now, a.counts, sizeof now);
	anchor_verify_result *res = calloc(1, sizeof *res);
	assert_int_equal(verify(f, res), 0);
	assert_int_equal(res->n_findings, 0);
	free(res);
}

/* Business done at the counter after the close is the next figures', not a
 * change of the closed day's: as of the close nothing moved. */
static void test_later_business_moves_nothing(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	anchor_rec a;
	assert_int_equal(db_anchor_get(f->db, TL_DAY, &a, &err), 0);
	clock_set_fixed(TL_T0 + HOUR);
	/* D finished and paid; A cancelled and refunded */
	const service *svc = catalog_service(f->cat, "zc.new");
	tu_case_step_to(f->db, svc, "c2", f->cases.d, STEP_TOKEN, TL_FEE);
	assert_int_equal(tl_pay(f->db, "c2", f->cases.d, 4, &err), 0);
	tu_case_step_to(f->db, svc, "c2", f->cases.d, STEP_NONE, TL_FEE);
	refund_rec r;
	assert_int_equal(db_refund_approve(f->db, f->cases.a, "c2", "s2", "客户要求撤销", &r, &err),
			 0);
	assert_int_equal(db_refund_update(f->db, "s2", r.out_refund_no, PAY_REFUND_SUCCESS,
					  "50300000012024030100002", &err),
			 0);
	/* the day's figures now differ (so the check below is not empty) */
	int64_t now[AC_COUNT];
	assert_int_equal(db_day_figures(f->db, TL_DAY, clock_now_ms(), now, &err), 0);
	assert_int_equal(now[AC_OPEN], 0);
	assert_int_equal(now[AC_CANCELLED], 2);
	assert_int_equal(now[AC_PAID_FEN], 40000);     /* D's; A's refunded */
	assert_int_equal(now[AC_REFUNDED_FEN], 80000); /* A's and C's */
	/* as of the close they are what was signed */
	assert_int_equal(db_day_figures(f->db, TL_DAY, a.closed_ms, now, &err), 0);
	assert_memory_equal(now, a.counts, sizeof now);
	anchor_verify_result *res = calloc(1, sizeof *res);
	assert_int_equal(verify(f, res), 0);
	assert_int_equal(res->n_findings, 0);
	free(res);
}

static void test_payment_amount_lowered(void **state)
{
	fx *f = *state;
	raw(f, "UPDATE payments SET amount_fen = 100 WHERE state = 'SUCCESS'");
	static const char *const want[] = { "paid_fen 40000 -> 100" };
	moved(f, want, 1);
}

static void test_payment_deleted(void **state)
{
	fx *f = *state;
	raw(f, "DELETE FROM payments WHERE state = 'SUCCESS'");
	static const char *const want[] = { "paid_fen 40000 -> 0" };
	moved(f, want, 1);
}

static void test_forged_success_payment(void **state)
{
	fx *f = *state;
	char sql[400];
	snprintf(sql, sizeof sql,
		 "INSERT INTO payments (case_id, out_trade_no, amount_fen, state, transaction_id,"
		 " verified, created_ms, updated_ms) SELECT id, 'FORGED000001', 40000, 'SUCCESS',"
		 " '4200000001202403019999', 1, %lld, %lld FROM cases WHERE case_no = '%s'",
		 TL_T0, TL_T0, f->cases.d);
	raw(f, sql);
	static const char *const want[] = { "paid_fen 40000 -> 80000" };
	moved(f, want, 1);
}

static void test_case_outcome_changed(void **state)
{
	fx *f = *state;
	char sql[200];
	snprintf(sql, sizeof sql, "UPDATE cases SET status = 'cancelled', finished = 1"
		 " WHERE case_no = '%s'", f->cases.d);
	raw(f, sql);
	static const char *const want[] = { "open 1 -> 0", "cancelled 1 -> 2" };
	moved(f, want, 2);
}

static void test_case_fee_changed(void **state)
{
	fx *f = *state;
	char sql[200];
	snprintf(sql, sizeof sql, "UPDATE cases SET fee_fen = 1 WHERE case_no = '%s'", f->cases.a);
	raw(f, sql);
	static const char *const want[] = { "due_fen 80000 -> 40001" };
	moved(f, want, 1);
}

static void test_case_deleted(void **state)
{
	fx *f = *state;
	char sql[400];
	snprintf(sql, sizeof sql, "PRAGMA foreign_keys = OFF; DELETE FROM case_steps WHERE case_id ="
		 " (SELECT id FROM cases WHERE case_no = '%s'); DELETE FROM cases WHERE case_no = '%s'",
		 f->cases.d, f->cases.d);
	raw(f, sql);
	static const char *const want[] = { "cases 5 -> 4", "open 1 -> 0" };
	moved(f, want, 2);
}

static void test_refund_amount_raised(void **state)
{
	fx *f = *state;
	raw(f, "UPDATE refunds SET amount_fen = 90000");
	static const char *const want[] = { "refunded_fen 40000 -> 90000" };
	moved(f, want, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_figures_signed_at_close),
		T(test_later_business_moves_nothing),
		T(test_payment_amount_lowered),
		T(test_payment_deleted),
		T(test_forged_success_payment),
		T(test_case_outcome_changed),
		T(test_case_fee_changed),
		T(test_case_deleted),
		T(test_refund_amount_raised),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
