/* test_refund: refunds of paid cases (db/repo/refund_repo.h, maker-checker) on a
 * real database file written through the repositories, and the demo
 * gateway's refund (pay_refund_order() on pay_demo_new()).
 * Approval: s1 approves what c1 asks -> a PENDING refunds row numbered
 * pay_refund_no(order, 1), the case cancelled and finished, refund.approve
 * (s1) and case.cancel (c1) audit rows, the chain intact. Refused with
 * nothing written (rows of refunds and audit, the case's status and its
 * payment compared before and after): approver = requester, approver = the
 * case's clerk, a clerk, a trainer, an inactive or unknown approver, an empty,
 * control-character or over-240-byte reason, an unknown case, a case without a
 * verified SUCCESS order, a cancelled case, a second refund. Updates:
 * PROCESSING then SUCCESS (refund id kept, order REFUND, refund.state rows),
 * bad state words and unknown numbers refused. The schema's CHECK keeps maker
 * and checker apart under raw SQL. The lookups give the same answer from any
 * call depth. Demo gateway: a settled order refunds (SUCCESS, an id, order
 * REFUND), a retry gives the same refund, a second refund number finds no
 * balance, unpaid / unknown / wrong total are refused, bad arguments never
 * reach the device, an injected fault changes nothing. Then approve -> demo
 * refund -> update, as the refund screen does. */
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
#include "core/case/catalog.h"
#include "core/base/clock.h"
#include "core/pay/pay.h"
#include "core/base/civil.h"
#include "db/repo/case_repo.h"
#include "db/db.h"
#include "db/repo/payment_repo.h"
#include "db/repo/refund_repo.h"
#include "db/repo/staff_repo.h"
#include "db/repo/token_repo.h"
#include "db/store.h" /* dbi_op_*: a write through db/ that no repository makes */
#include "tests/unit/testutil.h"
#include "tests/unit/testdb.h"
#include "tests/unit/testcase.h"

#define PIN_CLERK "864209"
#define PIN_SUP "753186"
#define FEE 40000

/* 2024-03-01 09:00 Asia/Shanghai */
static int64_t t0(void)
{
	return clock_day_start_ms(civil_from_ymd(2024, 3, 1)) + 9 * 3600 * 1000LL;
}

/* ---- fixture ---- */

typedef struct fx {
	char dir[256];
	char path[320];
	kdb *db;
	sqlite3 *raw;
	catalog *cat;
	const service *svc; /* with a token step and a payment step, no approval */
	case_rec paid;      /* opened by c1, paid (verified SUCCESS), stepped through payment */
} fx;

/* The staff (scrypt is slow on purpose) are added once into a template:
 * clerks c1, c2; supervisors s1, s2; s3 a supervisor made inactive; t1 a
 * trainer. */
static char template_dir[256];
static char template_path[320];

static int group_setup(void **state)
{
	(void)state;
	if (!tu_mkdtemp(template_dir, sizeof template_dir))
		return -1;
	tu_path(template_path, sizeof template_path, template_dir, "template.db");
	clock_set_fixed(t0());
	kerr err = { 0 };
	kdb *db = db_open(template_path, "K01", DB_OPEN_CREATE, &err);
	if (!db)
		return -1;
	int rc = db_staff_add(db, "system", "c1", "张三", ROLE_CLERK, PIN_CLERK, &err) ||
		 db_staff_add(db, "system", "c2", "李四", ROLE_CLERK, PIN_CLERK, &err) ||
		 db_staff_add(db, "system", "s1", "王五", ROLE_SUPERVISOR, PIN_SUP, &err) ||
		 db_staff_add(db, "system", "s2", "赵六", ROLE_SUPERVISOR, PIN_SUP, &err) ||
		 db_staff_add(db, "system", "s3", "钱七", ROLE_SUPERVISOR, PIN_SUP, &err) ||
		 db_staff_add(db, "system", "t1", "孙八", ROLE_TRAINER, PIN_SUP, &err);
	if (rc) {
		db_close(db);
		fprintf(stderr, "staff: %s\n", err.msg);
		return -1;
	}
	/* there is no repository call to retire someone: as an operator would,
	 * but through db/ so that the change is bound to the chain like any
	 * other (a raw UPDATE past db/ is tampering, which audit verify reports) */
	rc = dbi_op_begin(db, &err) ||
	     dbi_exec(db, "UPDATE staff SET active = 0 WHERE id = 's3'", &err) ||
	     dbi_op_commit(db, &err);
	db_close(db);
	if (rc)
		fprintf(stderr, "retiring s3: %s\n", err.msg);
	return rc ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tu_rmrf(template_dir);
	clock_set_fixed(0);
	return 0;
}

/* Steps of case_no by actor up to and including `last` (STEP_NONE: to the end). */
static void step_to(fx *f, const char *actor, const char *case_no, case_step last)
{
	tu_case_step_to(f->db, f->svc, actor, case_no, last, FEE);
}

/* The attempt-th order of case_no, NOTPAY, then moved to state (a
 * transaction id once paid). */
static void order(fx *f, const char *case_no, int attempt, int64_t fen, const char *state,
		  bool verified)
{
	payment_rec p;
	memset(&p, 0, sizeof p);
	snprintf(p.case_no, sizeof p.case_no, "%s", case_no);
	if (pay_trade_no(case_no, attempt, p.out_trade_no) != 0)
		fail_msg("no trade number for %s attempt %d", case_no, attempt);
	p.amount_fen = fen;
	p.state = PAY_NOTPAY;
	kerr err = { 0 };
	if (db_payment_record(f->db, "c1", &p, &err))
		fail_msg("order %s: %s", p.out_trade_no, err.msg);
	if (strcmp(state, "NOTPAY") == 0)
		return;
	p.state = (pay_state)pay_state_from_name(state);
	if (strcmp(state, "SUCCESS") == 0)
		snprintf(p.transaction_id, sizeof p.transaction_id, "4200000001202403010%d%s",
			 attempt, case_no + strlen(case_no) - 4);
	p.verified = verified;
	if (db_payment_record(f->db, "c1", &p, &err))
		fail_msg("order %s -> %s: %s", p.out_trade_no, state, err.msg);
}

/* A case opened by opener, its fee taken by order 1 in pay_state (verified or
 * not); carried through the payment step when the order is a verified SUCCESS,
 * left after the token step otherwise. */
static void open_case(fx *f, const char *opener, const char *pay_word, bool verified,
		      case_rec *c)
{
	kerr err = { 0 };
	if (db_case_open(f->db, f->svc, opener, c, &err))
		fail_msg("open by %s: %s", opener, err.msg);
	step_to(f, opener, c->case_no, STEP_TOKEN);
	if (pay_word)
		order(f, c->case_no, 1, FEE, pay_word, verified);
	if (pay_word && strcmp(pay_word, "SUCCESS") == 0 && verified)
		step_to(f, opener, c->case_no, STEP_PAYMENT);
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	if (!f || !tu_mkdtemp(f->dir, sizeof f->dir))
		return -1;
	tu_path(f->path, sizeof f->path, f->dir, "kiosk.db");
	clock_set_fixed(t0());
	kerr err = { 0 };
	if (!(f->cat = catalog_load(KIOSK_CONFIG_DIR, &err))) {
		fprintf(stderr, "catalog: %s: %s\n", err.where, err.msg);
		return -1;
	}
	for (size_t i = 0; i < f->cat->n_services && !f->svc; i++) {
		const service *s = &f->cat->services[i];
		if (case_step_applies(s, STEP_PAYMENT) && case_step_applies(s, STEP_TOKEN) &&
		    !s->approval_required)
			f->svc = s;
	}
	if (!f->svc || tu_db_copy(template_path, f->path, "K01", &f->db, &f->raw))
		return -1;
	*state = f;
	open_case(f, "c1", "SUCCESS", true, &f->paid);
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
	clock_set_fixed(t0());
	return 0;
}

/* ---- raw reads ---- */

static void raw(fx *f, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(f->raw, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
}

static long long scalar(fx *f, const char *sql, const char *param)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->raw, sql, -1, &st, NULL), SQLITE_OK);
	if (param)
		sqlite3_bind_text(st, 1, param, -1, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void text(fx *f, const char *sql, const char *param, char *out, size_t n)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->raw, sql, -1, &st, NULL), SQLITE_OK);
	if (param)
		sqlite3_bind_text(st, 1, param, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	snprintf(out, n, "%s", rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : "(none)");
	sqlite3_finalize(st);
}

/* What a refused call must leave as it was. */
typedef struct snap {
	long long refunds, audit, audit_head;
	char status[16];
	long long finished, updated_ms;
	char pay_states[128]; /* the case's orders, "no=state;..." */
	char refund_states[256];
} snap;

static void take(fx *f, const char *case_no, snap *s)
{
	memset(s, 0, sizeof *s);
	s->refunds = scalar(f, "SELECT count(*) FROM refunds", NULL);
	s->audit = scalar(f, "SELECT count(*) FROM audit", NULL);
	s->audit_head = scalar(f, "SELECT seq FROM audit_head", NULL);
	text(f, "SELECT status FROM cases WHERE case_no = ?1", case_no, s->status, sizeof s->status);
	s->finished = scalar(f, "SELECT coalesce(sum(finished), -1) FROM cases WHERE case_no = ?1",
			     case_no);
	s->updated_ms = scalar(f, "SELECT coalesce(max(updated_ms), 0) FROM cases WHERE case_no = ?1",
			       case_no);
	text(f, "SELECT coalesce(group_concat(p.out_trade_no || '=' || p.state || p.verified, ';'),"
		" '') FROM payments p JOIN cases c ON c.id = p.case_id WHERE c.case_no = ?1",
	     case_no, s->pay_states, sizeof s->pay_states);
	text(f, "SELECT coalesce(group_concat(out_refund_no || '=' || state || '/' || refund_id"
		" || '/' || updated_ms, ';'), '') FROM refunds",
	     NULL, s->refund_states, sizeof s->refund_states);
}

static void same(const snap *a, const snap *b, const char *what)
{
	if (a->refunds != b->refunds || a->audit != b->audit || a->audit_head != b->audit_head)
		fail_msg("%s: rows written (refunds %lld -> %lld, audit %lld -> %lld)", what,
			 a->refunds, b->refunds, a->audit, b->audit);
	if (strcmp(a->status, b->status) != 0 || a->finished != b->finished ||
	    a->updated_ms != b->updated_ms)
		fail_msg("%s: the case changed (%s -> %s)", what, a->status, b->status);
	if (strcmp(a->pay_states, b->pay_states) != 0)
		fail_msg("%s: the orders changed (%s -> %s)", what, a->pay_states, b->pay_states);
	if (strcmp(a->refund_states, b->refund_states) != 0)
		fail_msg("%s: a refund changed (%s -> %s)", what, a->refund_states,
			 b->refund_states);
}

static void approve_refused(fx *f, const char *case_no, const char *requested_by,
			    const char *approved_by, const char *reason, const char *what)
{
	snap a, b;
	take(f, case_no ? case_no : "", &a);
	kerr err = { 0 };
	refund_rec r;
	int rc = db_refund_approve(f->db, case_no, requested_by, approved_by, reason, &r, &err);
	if (rc != -1)
		fail_msg("%s: db_refund_approve gave %d, want -1", what, rc);
	if (!err.msg[0])
		fail_msg("%s: refused without a message", what);
	take(f, case_no ? case_no : "", &b);
	same(&a, &b, what);
}

static void update_refused(fx *f, const char *case_no, const char *actor, const char *no,
			   pay_refund_state state, const char *refund_id, const char *what)
{
	snap a, b;
	take(f, case_no, &a);
	kerr err = { 0 };
	int rc = db_refund_update(f->db, actor, no, state, refund_id, &err);
	if (rc != -1)
		fail_msg("%s: db_refund_update gave %d, want -1", what, rc);
	if (!err.msg[0])
		fail_msg("%s: refused without a message", what);
	take(f, case_no, &b);
	same(&a, &b, what);
}

static void approve_ok(fx *f, const char *case_no, const char *requested_by,
		       const char *approved_by, const char *reason, refund_rec *r)
{
	kerr err = { 0 };
	if (db_refund_approve(f->db, case_no, requested_by, approved_by, reason, r, &err) != 0)
		fail_msg("approve %s (%s asks, %s approves): %s", case_no, requested_by,
			 approved_by, err.msg);
}

static void chain_intact(fx *f)
{
	audit_verify_result res;
	kerr err = { 0 };
	int rc = db_audit_verify(f->db, &res, &err);
	if (rc != 0)
		fail_msg("audit chain: rc %d, row %lld: %s %s", rc, (long long)res.bad_seq,
			 res.problem, err.msg);
	assert_int_equal(res.bad_seq, 0);
	assert_int_equal(res.rows, scalar(f, "SELECT count(*) FROM audit", NULL));
}

/* ---- approval ---- */

static void test_approve_records_refund_and_cancels(void **state)
{
	fx *f = *state;
	const char *no = f->paid.case_no;
	char trade[PAY_TRADE_NO_MAX + 1], want_no[PAY_REFUND_NO_MAX + 1];
	assert_int_equal(pay_trade_no(no, 1, trade), 0);
	assert_int_equal(pay_refund_no(trade, 1, want_no), 0);
	long long audit_before = scalar(f, "SELECT count(*) FROM audit", NULL);
	assert_int_equal(scalar(f, "SELECT count(*) FROM refunds", NULL), 0);

	clock_set_fixed(t0() + 60000);
	refund_rec r;
	approve_ok(f, no, "c1", "s1", "客户要求退款", &r);
	assert_string_equal(r.case_no, no);
	assert_string_equal(r.out_trade_no, trade);
	assert_string_equal(r.out_refund_no, want_no);
	assert_string_equal(r.out_refund_no, "K01-20240301-0001-R1");
	assert_int_equal(r.amount_fen, FEE);
	assert_string_equal(r.reason, "客户要求退款");
	assert_string_equal(r.requested_by, "c1");
	assert_string_equal(r.approved_by, "s1");
	assert_int_equal(r.state, PAY_REFUND_PENDING);
	assert_string_equal(r.refund_id, "");
	assert_int_equal(r.created_ms, t0() + 60000);
	assert_int_equal(r.updated_ms, t0() + 60000);

	/* the row as stored */
	assert_int_equal(scalar(f, "SELECT count(*) FROM refunds", NULL), 1);
	char s[96];
	text(f, "SELECT state FROM refunds WHERE out_refund_no = ?1", want_no, s, sizeof s);
	assert_string_equal(s, "PENDING");
	assert_int_equal(scalar(f, "SELECT r.payment_id = p.id FROM refunds r, payments p"
				" WHERE p.out_trade_no = ?1", trade), 1);
	assert_int_equal(scalar(f, "SELECT r.case_id = c.id FROM refunds r, cases c"
				" WHERE c.case_no = ?1", no), 1);

	/* the case: cancelled and finished; its order untouched until the gateway answers */
	kerr err = { 0 };
	case_rec c;
	assert_int_equal(db_case_get(f->db, no, &c, &err), 0);
	assert_int_equal(c.status, CS_CANCELLED);
	assert_int_equal(scalar(f, "SELECT finished FROM cases WHERE case_no = ?1", no), 1);
	assert_int_equal(c.updated_ms, t0() + 60000);
	payment_rec p;
	assert_int_equal(db_payment_get(f->db, trade, &p, &err), 0);
	assert_int_equal(p.state, PAY_SUCCESS);
	assert_true(p.verified);

	/* two audit rows, in this order, with the same detail (and the binding
	 * row of the refund and the case, which names no case) */
	assert_int_equal(scalar(f, "SELECT count(*) FROM audit", NULL), audit_before + 3);
	audit_entry *a = NULL;
	size_t n = 0;
	assert_int_equal(db_audit_for_case(f->db, no, &a, &n, &err), 0);
	assert_true(n >= 2);
	assert_string_equal(a[n - 2].action, "refund.approve");
	assert_string_equal(a[n - 2].actor, "s1");
	assert_string_equal(a[n - 1].action, "case.cancel");
	assert_string_equal(a[n - 1].actor, "c1");
	assert_string_equal(a[n - 1].case_no, no);
	char detail[512];
	snprintf(detail, sizeof detail,
		 "{\"out_refund_no\":\"%s\",\"out_trade_no\":\"%s\",\"amount_fen\":%d,"
		 "\"reason\":\"客户要求退款\",\"requested_by\":\"c1\",\"approved_by\":\"s1\"}",
		 want_no, trade, FEE);
	assert_string_equal(a[n - 2].detail, detail);
	assert_string_equal(a[n - 1].detail, detail);
	assert_int_equal(a[n - 1].seq, a[n - 2].seq + 1);
	free(a);
	chain_intact(f);

	/* read back */
	refund_rec g;
	assert_int_equal(db_refund_of_case(f->db, no, &g, &err), 0);
	assert_memory_equal(&g, &r, sizeof g);
}

/* A paid case that wrote a certificate, cancelled and refunded: the
 * certificate is revoked in the same operation (the customer does not keep a
 * certificate that was paid back), its key TERMINATED, and the key's row
 * comes after the case's case.cancel row; a refund refused leaves it valid. */
static void test_approve_revokes_the_case_certificate(void **state)
{
	fx *f = *state;
	const char *no = f->paid.case_no;
	kerr err = { 0 };
	long nb = clock_today(), na = civil_add_years(nb, 1);
	cert_new c = { "AF01", "四川测试科技有限公司", "91310115MA1K3BTP2B", nb, na,
		       (const unsigned char *)"\x30\x00", 2 };
	assert_int_equal(db_token_transition(f->db, "c1", no, "SC-RF-1", TS_FORMATTED,
					     TR_PERSONALISED, NULL, &err), 0);
	if (db_token_enroll(f->db, "c1", no, "SC-RF-1", &c, TR_ENROLLED, &err) != 0)
		fail_msg("enroll: %s: %s", err.where, err.msg);
	approve_refused(f, no, "c1", "c1", "客户要求退款", "the case's clerk approving");
	assert_int_equal(scalar(f, "SELECT count(*) FROM certs WHERE status = 'valid'", NULL), 1);
	refund_rec r;
	approve_ok(f, no, "c1", "s1", "客户要求退款", &r);
	char s[64];
	text(f, "SELECT revoke_reason FROM certs WHERE serial = ?1", "AF01", s, sizeof s);
	assert_string_equal(s, "cancelled");
	text(f, "SELECT state FROM tokens WHERE serial = ?1", "SC-RF-1", s, sizeof s);
	assert_string_equal(s, "TERMINATED");
	audit_entry *a = NULL;
	size_t n = 0;
	assert_int_equal(db_audit_for_case(f->db, no, &a, &n, &err), 0);
	assert_true(n >= 3);
	assert_string_equal(a[n - 2].action, "case.cancel");
	assert_string_equal(a[n - 1].action, "token.cancelled");
	assert_string_equal(a[n - 1].actor, "s1");
	free(a);
	chain_intact(f);
}

/* Every way to approve wrongly, each refused with nothing written; then the
 * right approval of the same case goes through (so each refusal was the
 * rule's, not the case's). */
static void test_approve_refused_approvers(void **state)
{
	fx *f = *state;
	const char *no = f->paid.case_no;
	approve_refused(f, no, "s1", "s1", "客户要求退款", "approver is the requester");
	approve_refused(f, no, "c1", "c1", "客户要求退款", "the clerk approves their own request");
	approve_refused(f, no, "c1", "c2", "客户要求退款", "approver a clerk");
	approve_refused(f, no, "c1", "t1", "客户要求退款", "approver a trainer");
	approve_refused(f, no, "c1", "s3", "客户要求退款", "approver an inactive supervisor");
	approve_refused(f, no, "c1", "nobody", "客户要求退款", "approver an unknown id");
	approve_refused(f, no, "c1", "S1", "客户要求退款", "approver id in upper case");
	approve_refused(f, no, "c1", "", "客户要求退款", "no approver");
	approve_refused(f, no, "c1", NULL, "客户要求退款", "NULL approver");
	approve_refused(f, no, "", "s1", "客户要求退款", "no requester");
	approve_refused(f, no, NULL, "s1", "客户要求退款", "NULL requester");

	/* the case's clerk is a supervisor: that supervisor cannot approve it,
	 * whoever asks */
	case_rec b;
	open_case(f, "s2", "SUCCESS", true, &b);
	approve_refused(f, b.case_no, "c1", "s2", "客户要求退款", "approver is the case's clerk");
	approve_refused(f, b.case_no, "s2", "s2", "客户要求退款", "the case's clerk asks and approves");
	refund_rec r;
	approve_ok(f, b.case_no, "s2", "s1", "客户要求退款", &r);
	assert_string_equal(r.requested_by, "s2");
	assert_string_equal(r.approved_by, "s1");

	/* a supervisor who asks for another clerk's case cannot approve it, but
	 * the other supervisor can */
	approve_refused(f, no, "s2", "s2", "客户要求退款", "supervisor approves own request");
	approve_ok(f, no, "s2", "s1", "客户要求退款", &r);
	assert_int_equal(r.state, PAY_REFUND_PENDING);
	chain_intact(f);
}

static void test_approve_refused_reasons(void **state)
{
	fx *f = *state;
	const char *no = f->paid.case_no;
	char long_reason[512];
	approve_refused(f, no, "c1", "s1", "", "empty reason");
	approve_refused(f, no, "c1", "s1", NULL, "NULL reason");
	approve_refused(f, no, "c1", "s1", "客户\n要求退款", "reason with a line break");
	approve_refused(f, no, "c1", "s1", "refund\x7f", "reason with DEL");
	approve_refused(f, no, "c1", "s1", "\xe9\x80", "reason not UTF-8");
	approve_refused(f, no, "c1", "s1", "   ", "reason of spaces only");
	/* 81 bytes: one over what the gateway takes (PAY_REFUND_REASON_MAX) */
	memset(long_reason, 'a', 81);
	long_reason[81] = '\0';
	approve_refused(f, no, "c1", "s1", long_reason, "reason of 81 ASCII bytes");
	/* 'a' + 27 three-byte characters = 82 bytes */
	long_reason[0] = 'a';
	for (int i = 0; i < 27; i++)
		memcpy(long_reason + 1 + 3 * i, "退", 3);
	long_reason[82] = '\0';
	assert_int_equal(strlen(long_reason), 82);
	approve_refused(f, no, "c1", "s1", long_reason, "reason of 82 bytes of UTF-8");
	/* 78 bytes (26 characters of 3 bytes) + "ab" = 80 bytes, the most */
	refund_rec r;
	memcpy(long_reason + 79, "ab", 3);
	approve_ok(f, no, "c1", "s1", long_reason + 1, &r);
	assert_int_equal(strlen(r.reason), 80);
	assert_string_equal(r.reason, long_reason + 1);
	char s[300];
	text(f, "SELECT reason FROM refunds WHERE out_refund_no = ?1", r.out_refund_no, s, sizeof s);
	assert_string_equal(s, long_reason + 1);
}

static void test_approve_one_character_reason(void **state)
{
	fx *f = *state;
	refund_rec r;
	approve_ok(f, f->paid.case_no, "c1", "s1", "x", &r);
	assert_string_equal(r.reason, "x");
	chain_intact(f);
}

static void test_approve_refused_cases(void **state)
{
	fx *f = *state;
	approve_refused(f, "K01-20240301-0999", "c1", "s1", "客户要求退款", "unknown case");
	approve_refused(f, "", "c1", "s1", "客户要求退款", "empty case number");
	approve_refused(f, NULL, "c1", "s1", "客户要求退款", "NULL case number");

	case_rec none, notpay, unverified, closed, payerror;
	open_case(f, "c1", NULL, false, &none);
	approve_refused(f, none.case_no, "c1", "s1", "客户要求退款", "no order at all");
	open_case(f, "c1", "NOTPAY", true, &notpay);
	approve_refused(f, notpay.case_no, "c1", "s1", "客户要求退款", "order NOTPAY");
	open_case(f, "c1", "SUCCESS", false, &unverified);
	approve_refused(f, unverified.case_no, "c1", "s1", "客户要求退款", "SUCCESS unverified");
	open_case(f, "c1", "CLOSED", true, &closed);
	approve_refused(f, closed.case_no, "c1", "s1", "客户要求退款", "order CLOSED");
	open_case(f, "c1", "PAYERROR", true, &payerror);
	approve_refused(f, payerror.case_no, "c1", "s1", "客户要求退款", "order PAYERROR");

	/* paid: the clerk cannot cancel it (only this refund can) */
	case_rec cancelled;
	open_case(f, "c1", NULL, false, &cancelled);
	order(f, cancelled.case_no, 1, FEE, "SUCCESS", true);
	kerr err = { 0 };
	assert_int_equal(db_case_cancel(f->db, "c1", cancelled.case_no, "客户离开", &err), -1);
	assert_non_null(strstr(err.msg, "refund"));
	/* as an older kiosk could: paid, then cancelled by the clerk before the
	 * payment step (tu_legacy_sql) */
	char no[PAY_TRADE_NO_MAX + 1];
	assert_int_equal(pay_trade_no(cancelled.case_no, 1, no), 0);
	assert_int_equal(tu_legacy_sql(f->db, "UPDATE payments SET state = 'NOTPAY' WHERE out_trade_no = '%s'", no), 0);
	assert_int_equal(db_case_cancel(f->db, "c1", cancelled.case_no, "客户离开", &err), 0);
	assert_int_equal(tu_legacy_sql(f->db, "UPDATE payments SET state = 'SUCCESS' WHERE out_trade_no = '%s'", no), 0);
	approve_refused(f, cancelled.case_no, "c1", "s1", "客户要求退款", "already cancelled case");
	assert_int_equal(scalar(f, "SELECT count(*) FROM refunds", NULL), 0);
	chain_intact(f);
}

/* A closed first order and a paid second one: the paid one is refunded. */
static void test_approve_refunds_the_paid_attempt(void **state)
{
	fx *f = *state;
	case_rec c;
	open_case(f, "c1", "CLOSED", true, &c);
	order(f, c.case_no, 2, FEE, "SUCCESS", true);
	refund_rec r;
	approve_ok(f, c.case_no, "c2", "s2", "重复缴费", &r);
	char trade[PAY_TRADE_NO_MAX + 1], want[PAY_REFUND_NO_MAX + 1];
	assert_int_equal(pay_trade_no(c.case_no, 2, trade), 0);
	assert_int_equal(pay_refund_no(trade, 1, want), 0);
	assert_string_equal(r.out_trade_no, trade);
	assert_string_equal(r.out_refund_no, want);
	assert_int_equal(r.amount_fen, FEE);
}

static void test_second_refund_refused(void **state)
{
	fx *f = *state;
	const char *no = f->paid.case_no;
	refund_rec r;
	approve_ok(f, no, "c1", "s1", "客户要求退款", &r);
	approve_refused(f, no, "c1", "s2", "再退一次", "second refund (case cancelled)");
	approve_refused(f, no, "c2", "s1", "再退一次", "second refund by another pair");
	/* even were the case's status put back (raw SQL), the recorded refund
	 * alone refuses a second one */
	raw(f, "UPDATE cases SET status = 'accepted', finished = 0 WHERE id = "
	       "(SELECT case_id FROM refunds)");
	approve_refused(f, no, "c1", "s2", "再退一次", "second refund (refund recorded)");
	assert_int_equal(scalar(f, "SELECT count(*) FROM refunds", NULL), 1);
	refund_rec g;
	kerr err = { 0 };
	assert_int_equal(db_refund_of_case(f->db, no, &g, &err), 0);
	assert_string_equal(g.approved_by, "s1");
	/* and the status put back past db/ is itself reported, by its columns
	 * (the chain is intact: the rows are not) */
	audit_verify_result res;
	assert_int_equal(db_audit_verify(f->db, &res, &err), 1);
	assert_int_equal(res.bad_seq, 0);
	assert_int_equal(res.n_found, 1);
	assert_int_equal(res.found[0].kind, ROWF_CHANGED);
	assert_string_equal(res.found[0].table, "cases");
	assert_string_equal(res.found[0].columns, "status, finished");
}

static void test_of_case_none(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	refund_rec r;
	memset(&r, 0x5a, sizeof r);
	assert_int_equal(db_refund_of_case(f->db, f->paid.case_no, &r, &err), 1);
	assert_int_equal(db_refund_of_case(f->db, "K01-20240301-0999", &r, &err), 1);
	assert_int_equal(db_refund_of_case(f->db, "", &r, &err), 1);
	assert_int_equal(db_refund_of_case(f->db, NULL, &r, &err), 1);
}

/* ---- the gateway's answers ---- */

static void test_update_processing_then_success(void **state)
{
	fx *f = *state;
	const char *no = f->paid.case_no;
	refund_rec r;
	approve_ok(f, no, "c1", "s1", "客户要求退款", &r);
	long long audit0 = scalar(f, "SELECT count(*) FROM audit", NULL);
	kerr err = { 0 };

	clock_set_fixed(t0() + 120000);
	if (db_refund_update(f->db, "s1", r.out_refund_no, PAY_REFUND_PROCESSING, "50300000012024030100001",
			     &err))
		fail_msg("PROCESSING: %s", err.msg);
	refund_rec g;
	assert_int_equal(db_refund_of_case(f->db, no, &g, &err), 0);
	assert_int_equal(g.state, PAY_REFUND_PROCESSING);
	assert_string_equal(g.refund_id, "50300000012024030100001");
	assert_int_equal(g.updated_ms, t0() + 120000);
	assert_int_equal(g.created_ms, r.created_ms);
	payment_rec p;
	assert_int_equal(db_payment_get(f->db, r.out_trade_no, &p, &err), 0);
	assert_int_equal(p.state, PAY_SUCCESS); /* not yet back */

	clock_set_fixed(t0() + 180000);
	if (db_refund_update(f->db, "s1", r.out_refund_no, PAY_REFUND_SUCCESS, "", &err))
		fail_msg("SUCCESS: %s", err.msg);
	assert_int_equal(db_refund_of_case(f->db, no, &g, &err), 0);
	assert_int_equal(g.state, PAY_REFUND_SUCCESS);
	assert_string_equal(g.refund_id, "50300000012024030100001"); /* kept */
	assert_int_equal(g.updated_ms, t0() + 180000);
	char s[96];
	text(f, "SELECT state || '/' || refund_id FROM refunds WHERE out_refund_no = ?1",
	     r.out_refund_no, s, sizeof s);
	assert_string_equal(s, "SUCCESS/50300000012024030100001");
	assert_int_equal(db_payment_get(f->db, r.out_trade_no, &p, &err), 0);
	assert_int_equal(p.state, PAY_REFUND);
	assert_int_equal(p.amount_fen, FEE);

	/* two refund.state rows, from -> to (each with its binding row) */
	assert_int_equal(scalar(f, "SELECT count(*) FROM audit", NULL), audit0 + 4);
	audit_entry *a = NULL;
	size_t n = 0;
	assert_int_equal(db_audit_for_case(f->db, no, &a, &n, &err), 0);
	assert_true(n >= 2);
	assert_string_equal(a[n - 2].action, "refund.state");
	assert_string_equal(a[n - 2].actor, "s1");
	assert_non_null(strstr(a[n - 2].detail, "\"from\":\"PENDING\",\"state\":\"PROCESSING\""));
	assert_string_equal(a[n - 1].action, "refund.state");
	assert_non_null(strstr(a[n - 1].detail, "\"from\":\"PROCESSING\",\"state\":\"SUCCESS\""));
	assert_non_null(strstr(a[n - 1].detail, r.out_refund_no));
	free(a);
	chain_intact(f);
}

static void test_update_closed_keeps_the_order_paid(void **state)
{
	fx *f = *state;
	refund_rec r;
	approve_ok(f, f->paid.case_no, "c1", "s1", "客户要求退款", &r);
	kerr err = { 0 };
	assert_int_equal(db_refund_update(f->db, "s1", r.out_refund_no, PAY_REFUND_ABNORMAL, "503001", &err), 0);
	assert_int_equal(db_refund_update(f->db, "s1", r.out_refund_no, PAY_REFUND_CLOSED, NULL, &err), 0);
	refund_rec g;
	assert_int_equal(db_refund_of_case(f->db, f->paid.case_no, &g, &err), 0);
	assert_int_equal(g.state, PAY_REFUND_CLOSED);
	assert_string_equal(g.refund_id, "503001");
	payment_rec p;
	assert_int_equal(db_payment_get(f->db, r.out_trade_no, &p, &err), 0);
	assert_int_equal(p.state, PAY_SUCCESS);
	chain_intact(f);
}

static void test_update_refused(void **state)
{
	fx *f = *state;
	const char *no = f->paid.case_no;
	refund_rec r;
	approve_ok(f, no, "c1", "s1", "客户要求退款", &r);
	/* words that are no gateway answer: none but PENDING is in the table, and
	 * the store refuses PENDING and any value outside the table */
	const char *bad[] = { "PENDING", "success", "REFUND", "NOTPAY", "", "SUCCESS ", NULL };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char what[64];
		snprintf(what, sizeof what, "state word '%s'", bad[i] ? bad[i] : "(null)");
		int st = pay_refund_state_from_name(bad[i]);
		assert_int_equal(st, i == 0 ? PAY_REFUND_PENDING : -1);
		update_refused(f, no, "s1", r.out_refund_no, (pay_refund_state)st, "5030001", what);
	}
	update_refused(f, no, "s1", r.out_refund_no, PAY_REFUND_STATE_COUNT, "5030001",
		       "state past the table");
	update_refused(f, no, "s1", "K01-20240301-0999-R1", PAY_REFUND_SUCCESS, "5030001",
		       "unknown refund number");
	update_refused(f, no, "s1", "K01-20240301-0001-R2", PAY_REFUND_SUCCESS, "5030001",
		       "another attempt's number");
	update_refused(f, no, "s1", "", PAY_REFUND_SUCCESS, "5030001", "empty refund number");
	update_refused(f, no, "s1", NULL, PAY_REFUND_SUCCESS, "5030001", "NULL refund number");
	update_refused(f, no, "", r.out_refund_no, PAY_REFUND_SUCCESS, "5030001", "no actor");
	char long_id[80];
	memset(long_id, '7', 65);
	long_id[65] = '\0';
	update_refused(f, no, "s1", r.out_refund_no, PAY_REFUND_SUCCESS, long_id, "refund id over 64");
	refund_rec g;
	kerr err = { 0 };
	assert_int_equal(db_refund_of_case(f->db, no, &g, &err), 0);
	assert_int_equal(g.state, PAY_REFUND_PENDING);
	chain_intact(f);
}

/* ---- the schema keeps maker and checker apart ---- */

/* A refunds row for the paid case's order, straight into the table. */
static int raw_refund(fx *f, const char *no, const char *requested_by, const char *approved_by)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->raw,
					    "INSERT INTO refunds (case_id, payment_id, out_refund_no,"
					    " amount_fen, reason, requested_by, approved_by, state,"
					    " created_ms, updated_ms)"
					    " SELECT c.id, p.id, ?1, p.amount_fen, 'raw', ?2, ?3,"
					    " 'PENDING', 1, 1 FROM cases c JOIN payments p"
					    " ON p.case_id = c.id",
					    -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, no, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, requested_by, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, approved_by, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc;
}

static void test_check_constraint_raw(void **state)
{
	fx *f = *state;
	assert_int_equal(raw_refund(f, "RAW-R1", "s1", "s1"), SQLITE_CONSTRAINT);
	assert_non_null(strstr(sqlite3_errmsg(f->raw), "CHECK"));
	assert_int_equal(scalar(f, "SELECT count(*) FROM refunds", NULL), 0);
	/* the same row with two people goes in: it was the CHECK that refused */
	assert_int_equal(raw_refund(f, "RAW-R1", "c1", "s1"), SQLITE_DONE);
	assert_int_equal(scalar(f, "SELECT count(*) FROM refunds", NULL), 1);
	/* and the number is unique */
	assert_int_equal(raw_refund(f, "RAW-R1", "c2", "s2"), SQLITE_CONSTRAINT);
	assert_int_equal(scalar(f, "SELECT count(*) FROM refunds", NULL), 1);
}

/* ---- the answer does not depend on where the lookup is called from ----
 * The repositories cache prepared statements by the address of their SQL
 * text. These call the lookups with `pad` more bytes of stack under them, so
 * any text built on the stack lands at many different addresses. */

__attribute__((noinline)) static int of_case_deeper(kdb *db, const char *case_no, size_t pad,
						    refund_rec *out, kerr *err)
{
	volatile char room[pad + 1];
	room[0] = 0;
	room[pad] = 0;
	int rc = db_refund_of_case(db, case_no, out, err);
	room[pad] = 1; /* the room stays in use across the call */
	return rc + room[pad] - 1;
}

__attribute__((noinline)) static int update_deeper(kdb *db, const char *no, pay_refund_state state,
						   size_t pad, kerr *err)
{
	volatile char room[pad + 1];
	room[0] = 0;
	room[pad] = 0;
	int rc = db_refund_update(db, "s1", no, state, "5030001", err);
	room[pad] = 1; /* the room stays in use across the call */
	return rc + room[pad] - 1;
}

#define SWEEP_MAX 8192
#define SWEEP_STEP 16

static void test_update_found_after_lookups_at_any_depth(void **state)
{
	fx *f = *state;
	refund_rec r, g;
	kerr err = { 0 };
	approve_ok(f, f->paid.case_no, "c1", "s1", "客户要求退款", &r);
	for (size_t pad = 0; pad <= SWEEP_MAX; pad += SWEEP_STEP) {
		assert_int_equal(of_case_deeper(f->db, f->paid.case_no, pad, &g, &err), 0);
		assert_string_equal(g.out_refund_no, r.out_refund_no);
	}
	for (size_t pad = SWEEP_MAX / 4; pad <= SWEEP_MAX / 2; pad += 512) {
		if (update_deeper(f->db, r.out_refund_no, PAY_REFUND_PROCESSING, pad, &err) != 0)
			fail_msg("update with %zu bytes more stack: %s", pad, err.msg);
	}
	assert_int_equal(db_refund_of_case(f->db, f->paid.case_no, &g, &err), 0);
	assert_int_equal(g.state, PAY_REFUND_PROCESSING);
}

static void test_lookup_found_after_updates_at_any_depth(void **state)
{
	fx *f = *state;
	refund_rec r, g;
	kerr err = { 0 };
	approve_ok(f, f->paid.case_no, "c1", "s1", "客户要求退款", &r);
	for (size_t pad = 0; pad <= SWEEP_MAX; pad += SWEEP_STEP)
		assert_int_equal(update_deeper(f->db, "K01-20240301-0999-R1", PAY_REFUND_SUCCESS, pad, &err),
				 -1);
	for (size_t pad = SWEEP_MAX / 4; pad <= SWEEP_MAX / 2; pad += 512) {
		memset(&g, 0, sizeof g);
		if (of_case_deeper(f->db, f->paid.case_no, pad, &g, &err) != 0)
			fail_msg("the case's refund not found with %zu bytes more stack", pad);
		assert_string_equal(g.out_refund_no, r.out_refund_no);
	}
}

/* ---- the demo gateway ---- */

static pay_dev *demo_with_order(const char *trade, int64_t fen, bool settle, pay_order *o)
{
	kerr err = { 0 };
	pay_dev *dev = pay_demo_new(&err);
	assert_non_null(dev);
	memset(o, 0, sizeof *o);
	snprintf(o->out_trade_no, sizeof o->out_trade_no, "%s", trade);
	o->amount_fen = fen;
	snprintf(o->description, sizeof o->description, "数字证书更新");
	o->expire_ms = clock_now_ms() + 2 * 3600 * 1000LL;
	if (pay_create(dev, o, &err) != PR_OK)
		fail_msg("create: %s", err.msg);
	if (settle && pay_demo_settle(dev, trade, &err) != PR_OK)
		fail_msg("settle: %s", err.msg);
	return dev;
}

static void refund_req(pay_refund *r, const char *trade, int n, int64_t total, int64_t fen)
{
	memset(r, 0, sizeof *r);
	snprintf(r->out_trade_no, sizeof r->out_trade_no, "%s", trade);
	assert_int_equal(pay_refund_no(trade, n, r->out_refund_no), 0);
	r->total_fen = total;
	r->refund_fen = fen;
	snprintf(r->reason, sizeof r->reason, "客户要求退款");
	/* outputs as garbage: the wrapper clears them */
	snprintf(r->refund_id, sizeof r->refund_id, "garbage");
	r->state = PAY_REFUND_ABNORMAL;
	r->verified = true;
}

static pay_state demo_state(pay_dev *dev, const char *trade)
{
	pay_order q;
	kerr err = { 0 };
	assert_int_equal(pay_query(dev, trade, &q, &err), PR_OK);
	return q.state;
}

static void expect_cleared(const pay_refund *r)
{
	assert_string_equal(r->refund_id, "");
	assert_int_equal(r->state, PAY_REFUND_PROCESSING);
	assert_false(r->verified);
}

static void test_demo_refund_settled(void **state)
{
	(void)state;
	const char *trade = "K01-20240301-0001";
	pay_order o;
	pay_dev *dev = demo_with_order(trade, FEE, true, &o);
	assert_int_equal(demo_state(dev, trade), PAY_SUCCESS);
	pay_refund r;
	refund_req(&r, trade, 1, FEE, FEE);
	kerr err = { 0 };
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_OK);
	assert_int_equal(r.state, PAY_REFUND_SUCCESS);
	assert_true(r.verified);
	assert_true(r.refund_id[0] != '\0');
	assert_string_not_equal(r.refund_id, "garbage");
	assert_int_equal(demo_state(dev, trade), PAY_REFUND);
	char id[sizeof r.refund_id];
	snprintf(id, sizeof id, "%s", r.refund_id);

	/* a retry of the same refund: the same answer */
	refund_req(&r, trade, 1, FEE, FEE);
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_OK);
	assert_int_equal(r.state, PAY_REFUND_SUCCESS);
	assert_string_equal(r.refund_id, id);
	assert_int_equal(demo_state(dev, trade), PAY_REFUND);

	/* a refunded order cannot be paid again */
	assert_int_equal(pay_demo_settle(dev, trade, &err), PR_PAID);
	pay_dev_free(dev);
}

/* pay.h: "the same out_refund_no again gives the same refund ... PR_REFUSED:
 * not paid, amount too large, no balance". A second refund number for an
 * order whose whole amount went back already finds no balance. */
static void test_demo_second_refund_number_no_balance(void **state)
{
	(void)state;
	const char *trade = "K01-20240301-0002";
	pay_order o;
	pay_dev *dev = demo_with_order(trade, FEE, true, &o);
	pay_refund r;
	kerr err = { 0 };
	refund_req(&r, trade, 1, FEE, FEE);
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_OK);
	refund_req(&r, trade, 2, FEE, FEE);
	memset(&err, 0, sizeof err);
	pay_result res = pay_refund_order(dev, &r, &err);
	pay_dev_free(dev);
	if (res != PR_REFUSED)
		fail_msg("a second refund (%s) of a fully refunded order gave %s (refund_id %s), "
			 "want refused", r.out_refund_no, pay_result_name(res), r.refund_id);
	expect_cleared(&r);
}

static void test_demo_refund_refused(void **state)
{
	(void)state;
	const char *trade = "K01-20240301-0003";
	pay_order o;
	kerr err = { 0 };
	pay_refund r;

	/* not paid */
	pay_dev *dev = demo_with_order(trade, FEE, false, &o);
	refund_req(&r, trade, 1, FEE, FEE);
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_REFUSED);
	assert_true(err.msg[0] != '\0');
	expect_cleared(&r);
	assert_int_equal(demo_state(dev, trade), PAY_NOTPAY);
	/* closed */
	assert_int_equal(pay_close(dev, trade, &err), PR_OK);
	refund_req(&r, trade, 1, FEE, FEE);
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_REFUSED);
	expect_cleared(&r);
	assert_int_equal(demo_state(dev, trade), PAY_CLOSED);
	/* unknown order */
	refund_req(&r, "K01-20240301-0999", 1, FEE, FEE);
	memset(&err, 0, sizeof err);
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_NOT_FOUND);
	assert_true(err.msg[0] != '\0');
	expect_cleared(&r);
	pay_dev_free(dev);

	/* paid, but the total is not the order's: refused, the order still paid */
	dev = demo_with_order(trade, FEE, true, &o);
	refund_req(&r, trade, 1, FEE - 1, FEE - 1);
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_REFUSED);
	expect_cleared(&r);
	refund_req(&r, trade, 1, FEE + 1, FEE);
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_REFUSED);
	expect_cleared(&r);
	assert_int_equal(demo_state(dev, trade), PAY_SUCCESS);
	/* then the right total goes through */
	refund_req(&r, trade, 1, FEE, FEE);
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_OK);
	assert_int_equal(r.state, PAY_REFUND_SUCCESS);
	pay_dev_free(dev);
}

/* The wrapper's checks: PR_INVALID before the device sees anything (the
 * settled order would be refunded if it did). */
static void test_demo_refund_invalid(void **state)
{
	(void)state;
	const char *trade = "K01-20240301-0004";
	pay_order o;
	pay_dev *dev = demo_with_order(trade, FEE, true, &o);
	kerr err = { 0 };
	pay_refund r;

	assert_int_equal(pay_refund_order(dev, NULL, &err), PR_INVALID);

	refund_req(&r, trade, 1, FEE, 0);
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_INVALID);
	expect_cleared(&r);
	refund_req(&r, trade, 1, FEE, -1);
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_INVALID);
	refund_req(&r, trade, 1, FEE, FEE + 1);
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_INVALID);
	refund_req(&r, trade, 1, 0, 0);
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_INVALID);
	refund_req(&r, trade, 1, (int64_t)PAY_AMOUNT_MAX + 1, FEE);
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_INVALID);

	refund_req(&r, trade, 1, FEE, FEE);
	snprintf(r.out_trade_no, sizeof r.out_trade_no, "K01");
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_INVALID);
	refund_req(&r, trade, 1, FEE, FEE);
	snprintf(r.out_trade_no, sizeof r.out_trade_no, "K01 20240301");
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_INVALID);

	refund_req(&r, trade, 1, FEE, FEE);
	r.out_refund_no[0] = '\0';
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_INVALID);
	refund_req(&r, trade, 1, FEE, FEE);
	snprintf(r.out_refund_no, sizeof r.out_refund_no, "R 1");
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_INVALID);
	refund_req(&r, trade, 1, FEE, FEE);
	memset(r.out_refund_no, 'R', sizeof r.out_refund_no); /* not terminated */
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_INVALID);

	refund_req(&r, trade, 1, FEE, FEE);
	snprintf(r.reason, sizeof r.reason, "\xff\xfe");
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_INVALID);
	memset(&err, 0, sizeof err);
	refund_req(&r, trade, 1, FEE, FEE);
	memset(r.reason, 'a', sizeof r.reason); /* 81 bytes, not terminated */
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_INVALID);
	assert_string_equal(err.where, "reason");
	expect_cleared(&r);

	assert_int_equal(demo_state(dev, trade), PAY_SUCCESS);

	/* boundaries that are fine: an 80-byte reason, no reason, 1 fen */
	refund_req(&r, trade, 1, FEE, FEE);
	memset(r.reason, 'a', PAY_REFUND_REASON_MAX);
	r.reason[PAY_REFUND_REASON_MAX] = '\0';
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_OK);
	pay_dev_free(dev);

	/* no device, or one without refunds */
	refund_req(&r, trade, 1, FEE, FEE);
	assert_int_equal(pay_refund_order(NULL, &r, &err), PR_NOT_SUPPORTED);
	expect_cleared(&r);
}

static void test_demo_refund_fault_changes_nothing(void **state)
{
	(void)state;
	const char *trade = "K01-20240301-0005";
	pay_order o;
	pay_dev *dev = demo_with_order(trade, FEE, true, &o);
	kerr err = { 0 };
	pay_refund r;
	const pay_result faults[] = { PR_NETWORK, PR_GATEWAY, PR_UNVERIFIED };
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(pay_demo_fail_next(dev, faults[i], &err), 0);
		refund_req(&r, trade, 1, FEE, FEE);
		assert_int_equal(pay_refund_order(dev, &r, &err), faults[i]);
		expect_cleared(&r);
		assert_int_equal(demo_state(dev, trade), PAY_SUCCESS);
	}
	refund_req(&r, trade, 1, FEE, 1);
	r.reason[0] = '\0';
	assert_int_equal(pay_refund_order(dev, &r, &err), PR_OK);
	assert_int_equal(r.state, PAY_REFUND_SUCCESS);
	pay_dev_free(dev);
}

/* ---- the whole way, as the refund screen does it ---- */

static void test_approve_send_record(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	refund_rec r;
	pay_order o;
	char trade[PAY_TRADE_NO_MAX + 1];
	assert_int_equal(pay_trade_no(f->paid.case_no, 1, trade), 0);
	pay_dev *dev = demo_with_order(trade, FEE, true, &o);
	approve_ok(f, f->paid.case_no, "c1", "s2", "客户要求退款", &r);

	pay_refund q;
	memset(&q, 0, sizeof q);
	snprintf(q.out_trade_no, sizeof q.out_trade_no, "%s", r.out_trade_no);
	snprintf(q.out_refund_no, sizeof q.out_refund_no, "%s", r.out_refund_no);
	q.total_fen = q.refund_fen = r.amount_fen;
	assert_true(strlen(r.reason) <= PAY_REFUND_REASON_MAX);
	memcpy(q.reason, r.reason, strlen(r.reason) + 1);
	assert_int_equal(pay_refund_order(dev, &q, &err), PR_OK);
	if (db_refund_update(f->db, "c1", r.out_refund_no, q.state,
			     q.refund_id, &err))
		fail_msg("record: %s", err.msg);
	refund_rec g;
	assert_int_equal(db_refund_of_case(f->db, f->paid.case_no, &g, &err), 0);
	assert_int_equal(g.state, PAY_REFUND_SUCCESS);
	assert_string_equal(g.refund_id, q.refund_id);
	payment_rec p;
	assert_int_equal(db_payment_get(f->db, trade, &p, &err), 0);
	assert_int_equal(p.state, PAY_REFUND);
	assert_int_equal(demo_state(dev, trade), PAY_REFUND);
	pay_dev_free(dev);
	chain_intact(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_approve_revokes_the_case_certificate, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_approve_records_refund_and_cancels, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_approve_refused_approvers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_approve_refused_reasons, setup, teardown),
		cmocka_unit_test_setup_teardown(test_approve_one_character_reason, setup, teardown),
		cmocka_unit_test_setup_teardown(test_approve_refused_cases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_approve_refunds_the_paid_attempt, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_second_refund_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_of_case_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_processing_then_success, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_closed_keeps_the_order_paid, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_update_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_constraint_raw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_found_after_lookups_at_any_depth, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lookup_found_after_updates_at_any_depth, setup,
						teardown),
		cmocka_unit_test(test_demo_refund_settled),
		cmocka_unit_test(test_demo_second_refund_number_no_balance),
		cmocka_unit_test(test_demo_refund_refused),
		cmocka_unit_test(test_demo_refund_invalid),
		cmocka_unit_test(test_demo_refund_fault_changes_nothing),
		cmocka_unit_test_setup_teardown(test_approve_send_record, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
