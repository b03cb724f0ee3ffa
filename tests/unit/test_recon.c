/* test_recon: the reconciliation with WeChat Pay's bill, end to end against
 * the gateway simulator (build/tests/sim/paysim): cases carried through their
 * steps in a real database file, their orders made, paid and refunded at the
 * simulator through the real client, the day's bill downloaded (verified
 * answer, gzip, SHA-1), parsed and matched. Each kind of difference is
 * injected with the simulator's knobs and must come out classified as
 * itself, and nothing when the books agree; then a run again, a resolution
 * with the supervisor's note, the bill not ready, an expired address, a
 * damaged download, and audit verify intact over the new tables. The
 * simulator's clock is the test's (KIOSK_NOW at its start, then its
 * `advance` knob), so the day ends without sleeping. Then the duplicate
 * payment's refund (重复支付退款), one path for both ways a duplicate is
 * found: the bill charging an order twice (a reconciliation's `duplicate`)
 * and a second order of a case paid meanwhile (taken up, flagged by the
 * store): maker-checker, the case keeping its one payment, the difference
 * resolved by the approver, asked again without a second refund, and killed
 * (SIGKILL) at every write transaction of the path, then resumed. */
#include <signal.h>
#include <sys/wait.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/base/clock.h"
#include "core/case/catalog.h"
#include "core/pay/bill.h"
#include "core/pay/pay.h"
#include "core/pay/recon.h"
#include "db/db.h"
#include "db/repo/case_repo.h"
#include "db/repo/payment_repo.h"
#include "db/repo/recon_repo.h"
#include "db/repo/refund_repo.h"
#include "db/repo/refund_send.h"
#include "db/report/report.h"
#include "db/report/timeline.h"
#include "db/repo/staff_repo.h"
#include "db/report/paydiffs.h"
#include "tests/unit/testutil.h"
#include "tests/unit/testdb.h"
#include "tests/unit/testcase.h"

#define FEE 40000

static char keys[512], template_dir[256], template_path[320];
static catalog *cat;
static const service *svc;

/* Tomorrow (by the real clock): the test keys openssl makes are valid from
 * now for 30 days, and the platform certificate is checked at every answer. */
static long day_of_test;

static long the_day(void)
{
	return day_of_test;
}

static int64_t t0(void)
{
	return clock_day_start_ms(the_day()) + 9 * 3600 * 1000LL;
}

typedef struct fx {
	char dir[256], path[320];
	kdb *db;
	sqlite3 *raw;
	tu_sim sim;
	pay_dev *dev;
} fx;

static int group_setup(void **state)
{
	(void)state;
	clock_set_fixed(0);
	unsetenv("KIOSK_NOW");
	day_of_test = clock_today() + 1;
	clock_set_fixed(t0());
	char now[32];
	snprintf(now, sizeof now, "%lld", (long long)(t0() / 1000));
	setenv("KIOSK_NOW", now, 1); /* the simulator's clock: the test's */
	kerr err = { 0 };
	if (!tu_mkdtemp(keys, sizeof keys) || !tu_wx_keys(keys) ||
	    !tu_mkdtemp(template_dir, sizeof template_dir))
		return -1;
	if (!(cat = catalog_load(KIOSK_CONFIG_DIR, &err)))
		return -1;
	for (size_t i = 0; i < cat->n_services && !svc; i++) {
		const service *s = &cat->services[i];
		if (case_step_applies(s, STEP_PAYMENT) && case_step_applies(s, STEP_TOKEN) &&
		    !s->approval_required)
			svc = s;
	}
	tu_path(template_path, sizeof template_path, template_dir, "template.db");
	kdb *db = db_open(template_path, "K01", DB_OPEN_CREATE, &err);
	if (!svc || !db)
		return -1;
	int rc = db_staff_add(db, "system", "c1", "张三", ROLE_CLERK, "864209", &err) ||
		 db_staff_add(db, "system", "s1", "王五", ROLE_SUPERVISOR, "753186", &err) ||
		 db_staff_add(db, "system", "s2", "赵六", ROLE_SUPERVISOR, "753186", &err);
	db_close(db);
	return rc ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	catalog_free(cat);
	tu_rmrf(keys);
	tu_rmrf(template_dir);
	clock_set_fixed(0);
	unsetenv("KIOSK_NOW");
	return 0;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	clock_set_fixed(t0());
	if (!f || !tu_mkdtemp(f->dir, sizeof f->dir))
		return -1;
	tu_path(f->path, sizeof f->path, f->dir, "kiosk.db");
	if (tu_db_copy(template_path, f->path, "K01", &f->db, &f->raw) ||
	    !tu_sim_start(&f->sim, keys, ""))
		return -1;
	static char key[1100], pdir[1100], v3[1100];
	tu_path(key, sizeof key, keys, "merchant_key.pem");
	tu_path(pdir, sizeof pdir, keys, "platform");
	tu_path(v3, sizeof v3, keys, "apiv3.key");
	kiosk_payment_cfg c = {
		.mode = "wechat", .base_url = f->sim.url, .appid = TU_WX_APPID,
		.mchid = TU_WX_MCHID, .merchant_serial = TU_WX_MERCHANT_SERIAL,
		.private_key_file = key, .platform_keys_dir = pdir, .apiv3_key_file = v3,
		.notify_url = "https://kiosk.example.com/wxpay/notify",
		.order_expiry_minutes = 15, .poll_seconds = 3,
	};
	kerr err = { 0 };
	if (!(f->dev = pay_wechat_new(&c, &err)))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	pay_dev_free(f->dev);
	bool clean = tu_sim_stop(&f->sim);
	sqlite3_close(f->raw);
	db_close(f->db);
	tu_rmrf(f->dir);
	free(f);
	clock_set_fixed(t0());
	return clean ? 0 : -1;
}

static void knob(fx *f, const char *json)
{
	int st = 0;
	char *r = tu_sim_call(&f->sim, "POST", "/sim/config", json, &st);
	if (st != 200)
		fail_msg("knob %s: %d %s", json, st, r ? r : "");
	free(r);
}

static void sim_post(fx *f, const char *path)
{
	int st = 0;
	char *r = tu_sim_call(&f->sim, "POST", path, "", &st);
	if (st != 200)
		fail_msg("%s: %d %s", path, st, r ? r : "");
	free(r);
}

/* The kiosk's record of an order as the gateway answered it. */
static void book(fx *f, const char *case_no, const pay_order *o)
{
	payment_rec p;
	memset(&p, 0, sizeof p);
	snprintf(p.case_no, sizeof p.case_no, "%s", case_no);
	snprintf(p.out_trade_no, sizeof p.out_trade_no, "%s", o->out_trade_no);
	p.amount_fen = o->amount_fen;
	p.state = o->state == PAY_NOTFOUND ? PAY_NOTPAY : o->state;
	snprintf(p.transaction_id, sizeof p.transaction_id, "%s", o->transaction_id);
	p.verified = o->verified;
	kerr err = { 0 };
	if (db_payment_record(f->db, "c1", &p, &err))
		fail_msg("record %s: %s", o->out_trade_no, err.msg);
}

/* A case opened and taken to its token step; its order of amount fen made
 * at the simulator and booked NOTPAY. With pay, the customer pays and the
 * kiosk books what a verified query says; with finish, the case goes on to
 * its end. */
static void a_case(fx *f, int64_t fen, bool pay, bool finish, case_rec *c, pay_order *o)
{
	kerr err = { 0 };
	if (db_case_open(f->db, svc, "c1", c, &err))
		fail_msg("open: %s", err.msg);
	tu_case_step_to(f->db, svc, "c1", c->case_no, STEP_TOKEN, FEE);
	memset(o, 0, sizeof *o);
	assert_int_equal(pay_trade_no(c->case_no, 1, o->out_trade_no), 0);
	o->amount_fen = fen;
	snprintf(o->description, sizeof o->description, "数字证书新办");
	o->expire_ms = clock_now_ms() + 15 * 60 * 1000;
	if (pay_create(f->dev, o, &err) != PR_OK)
		fail_msg("create: %s", err.msg);
	o->state = PAY_NOTPAY;
	book(f, c->case_no, o);
	if (!pay)
		return;
	char path[96];
	snprintf(path, sizeof path, "/sim/pay/%s", o->out_trade_no);
	sim_post(f, path);
	assert_int_equal(pay_query(f->dev, o->out_trade_no, o, &err), PR_OK);
	assert_int_equal(o->state, PAY_SUCCESS);
	book(f, c->case_no, o);
	if (finish)
		tu_case_step_to(f->db, svc, "c1", c->case_no, STEP_NONE, FEE);
}

/* Cancel and refund a paid case (s1 approves c1's request); the gateway
 * asked `asks` times, the kiosk recording each answer. */
static void a_refund(fx *f, const case_rec *c, const pay_order *o, int asks, refund_rec *r)
{
	kerr err = { 0 };
	if (db_refund_approve(f->db, c->case_no, "c1", "s1", "客户申请撤销", r, &err))
		fail_msg("approve: %s", err.msg);
	for (int i = 0; i < asks; i++) {
		pay_refund rf;
		memset(&rf, 0, sizeof rf);
		snprintf(rf.out_trade_no, sizeof rf.out_trade_no, "%s", o->out_trade_no);
		snprintf(rf.out_refund_no, sizeof rf.out_refund_no, "%s", r->out_refund_no);
		rf.total_fen = rf.refund_fen = o->amount_fen;
		assert_int_equal(pay_refund_order(f->dev, &rf, &err), PR_OK);
		if (db_refund_update(f->db, "s1", r->out_refund_no, rf.state, rf.refund_id, &err))
			fail_msg("refund update: %s", err.msg);
	}
}

/* The day ends: the test's clock and the simulator's go to 11:00 the next day. */
static void next_morning(fx *f)
{
	clock_set_fixed(t0() + 26 * 3600 * 1000LL);
	knob(f, "{\"advance\":93600}");
}

/* One reconciliation as kioskctl pay reconcile runs it, by s1. Returns the
 * pay_result of the download; on PR_OK *out holds the differences found. */
static pay_result reconcile(fx *f, recon_diff **out, size_t *n, recon_outcome *o)
{
	kerr err = { 0 };
	pay_bill_file file;
	*out = NULL;
	*n = 0;
	pay_result r = pay_bill_download(f->dev, the_day(), &file, &err);
	if (r != PR_OK)
		return r;
	bill b = { 0 };
	recon_book bk;
	if (!file.empty && bill_parse(file.text, file.len, &b, &err))
		fail_msg("parse: %s: %s", err.where, err.msg);
	if (db_recon_book(f->db, the_day(), &b, &bk, &err) || recon_match(&bk, &b, out, n, &err))
		fail_msg("match: %s", err.msg);
	recon_outcome ignore;
	if (db_recon_record(f->db, the_day(), "s1", file.sha1, b.n, *out, *n, o ? o : &ignore, &err))
		fail_msg("record: %s", err.msg);
	recon_book_free(&bk);
	bill_free(&b);
	pay_bill_file_free(&file);
	return PR_OK;
}

static size_t count_kind(const recon_diff *d, size_t n, recon_kind k)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += d[i].kind == k;
	return c;
}

static void chain_intact(fx *f)
{
	audit_verify_result res;
	kerr err = { 0 };
	int rc = db_audit_verify(f->db, &res, &err);
	if (rc != 0) {
		char buf[400] = "";
		if (res.n_found)
			db_row_finding_text(&res.found[0], buf, sizeof buf);
		fail_msg("audit verify %d: %s %s %s", rc, err.msg, res.problem, buf);
	}
}

/* ---- the books agree ---- */

static void test_books_agree(void **state)
{
	fx *f = *state;
	case_rec c[4];
	pay_order o[4];
	for (int i = 0; i < 3; i++)
		a_case(f, FEE, true, true, &c[i], &o[i]);
	a_case(f, FEE, true, false, &c[3], &o[3]);
	refund_rec r;
	a_refund(f, &c[3], &o[3], 2, &r); /* PROCESSING, then SUCCESS */
	next_morning(f);
	recon_diff *d;
	size_t n;
	recon_outcome out;
	assert_int_equal(reconcile(f, &d, &n, &out), PR_OK);
	for (size_t i = 0; i < n; i++)
		print_message("unexpected: %s %s %s\n", recon_kind_name(d[i].kind), d[i].out_trade_no,
			      d[i].detail);
	assert_int_equal(n, 0);
	assert_int_equal(out.open, 0);
	free(d);
	recon_run_rec run;
	kerr err = { 0 };
	assert_int_equal(db_recon_last(f->db, the_day(), &run, &err), 0);
	assert_int_equal(run.bill_rows, 5); /* four payments, one refund */
	assert_int_equal(strlen(run.bill_sha1), 40);
	chain_intact(f);
}

/* ---- each kind, injected ---- */

static void test_unbooked(void **state)
{
	fx *f = *state;
	case_rec c[2];
	pay_order o[2];
	a_case(f, FEE, true, true, &c[0], &o[0]);
	a_case(f, FEE, false, false, &c[1], &o[1]);
	/* the customer paid after the kiosk gave up: the gateway has it paid */
	char path[96];
	snprintf(path, sizeof path, "/sim/pay/%s", o[1].out_trade_no);
	sim_post(f, path);
	knob(f, "{\"bill_extra\":1}"); /* and a payment no case of the kiosk made */
	next_morning(f);
	recon_diff *d;
	size_t n;
	assert_int_equal(reconcile(f, &d, &n, NULL), PR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(count_kind(d, n, RK_UNBOOKED), 2);
	bool with_case = false, without = false;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(d[i].out_trade_no, o[1].out_trade_no) == 0) {
			with_case = true;
			assert_string_equal(d[i].case_no, c[1].case_no);
			assert_int_equal(d[i].bill_fen, FEE);
			assert_non_null(strstr(d[i].detail, "NOTPAY"));
		} else {
			without = d[i].case_no[0] == '\0';
		}
	}
	assert_true(with_case && without);
	free(d);
	chain_intact(f);
}

static void test_not_in_bill(void **state)
{
	fx *f = *state;
	case_rec c[2];
	pay_order o[2];
	a_case(f, FEE, true, true, &c[0], &o[0]);
	a_case(f, FEE, true, true, &c[1], &o[1]);
	char json[128];
	snprintf(json, sizeof json, "{\"bill_omit\":\"%s\"}", o[0].out_trade_no);
	knob(f, json);
	next_morning(f);
	recon_diff *d;
	size_t n;
	assert_int_equal(reconcile(f, &d, &n, NULL), PR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(d[0].kind, RK_NOT_IN_BILL);
	assert_string_equal(d[0].case_no, c[0].case_no);
	assert_int_equal(d[0].book_fen, FEE);
	free(d);
}

static void test_amount(void **state)
{
	fx *f = *state;
	case_rec c[3];
	pay_order o[3];
	a_case(f, FEE, true, true, &c[0], &o[0]);
	a_case(f, FEE, true, true, &c[1], &o[1]);
	/* booked = bill, the fee differs: a case an older kiosk let finish with
	 * 400.00 taken for a fee of 500.00 (the store refuses that now, so the
	 * fee is raised behind it, as such a file would hold it) */
	a_case(f, FEE, true, true, &c[2], &o[2]);
	assert_int_equal(tu_legacy_sql(f->db, "UPDATE cases SET fee_fen = 50000 WHERE case_no = '%s'",
				       c[2].case_no), 0);
	char json[160];
	snprintf(json, sizeof json, "{\"bill_amount_no\":\"%s\",\"bill_amount_delta\":100}",
		 o[0].out_trade_no);
	knob(f, json);
	next_morning(f);
	recon_diff *d;
	size_t n;
	assert_int_equal(reconcile(f, &d, &n, NULL), PR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(count_kind(d, n, RK_AMOUNT), 2);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(d[i].case_no, c[0].case_no) == 0) {
			assert_int_equal(d[i].book_fen, FEE);
			assert_int_equal(d[i].bill_fen, FEE + 100);
		} else {
			assert_string_equal(d[i].case_no, c[2].case_no);
			assert_int_equal(d[i].due_fen, 50000);
			assert_int_equal(d[i].bill_fen, FEE);
		}
	}
	free(d);
}

static void test_refund_pending(void **state)
{
	fx *f = *state;
	case_rec c;
	pay_order o;
	refund_rec r;
	a_case(f, FEE, true, false, &c, &o);
	knob(f, "{\"refund_processing\":1}");
	a_refund(f, &c, &o, 2, &r); /* PROCESSING both times */
	next_morning(f);
	recon_diff *d;
	size_t n;
	assert_int_equal(reconcile(f, &d, &n, NULL), PR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(d[0].kind, RK_REFUND_PENDING);
	assert_string_equal(d[0].out_refund_no, r.out_refund_no);
	assert_string_equal(d[0].case_no, c.case_no);
	free(d);
}

/* ABNORMAL, then the gateway puts it through: the first difference clears,
 * the kiosk's record (ABNORMAL, which it may only close) against the bill's
 * SUCCESS stays until a supervisor explains it; a run again then finds it
 * explained, and nothing is open. */
static void test_refund_abnormal_then_success(void **state)
{
	fx *f = *state;
	case_rec c;
	pay_order o;
	refund_rec r;
	a_case(f, FEE, true, false, &c, &o);
	knob(f, "{\"refund_abnormal\":1}");
	a_refund(f, &c, &o, 1, &r);
	next_morning(f);
	recon_diff *d;
	size_t n;
	recon_outcome out;
	assert_int_equal(reconcile(f, &d, &n, &out), PR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(d[0].kind, RK_REFUND_ABNORMAL);
	assert_int_equal(out.added, 1);
	free(d);
	/* run again: the same finding, kept, not doubled */
	assert_int_equal(reconcile(f, &d, &n, &out), PR_OK);
	assert_int_equal(out.added, 0);
	assert_int_equal(out.kept, 1);
	free(d);
	char path[128];
	snprintf(path, sizeof path, "/sim/refund-success/%s", r.out_refund_no);
	sim_post(f, path);
	assert_int_equal(reconcile(f, &d, &n, &out), PR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(d[0].kind, RK_REFUND_PENDING);
	assert_int_equal(out.cleared, 1);
	assert_int_equal(out.open, 1);
	free(d);
	/* explained by a supervisor, with a note */
	paydiff_rec *list;
	size_t ln;
	kerr err = { 0 };
	assert_int_equal(db_paydiffs_of_day(f->db, the_day(), &list, &ln, &err), 0);
	assert_int_equal(ln, 2);
	assert_int_equal(list[0].status, PD_CLEARED);
	assert_string_equal(list[0].resolved_by, "s1");
	assert_int_equal(list[1].status, PD_OPEN);
	int64_t id = list[1].id;
	free(list);
	assert_int_equal(db_recon_resolve(f->db, id, "c1", "已退", &err), -1); /* a clerk */
	assert_int_equal(db_recon_resolve(f->db, id, "s2", "", &err), -1);     /* no note */
	assert_int_equal(db_recon_resolve(f->db, id, "s2", "商户平台异常退款已成功，已核实", &err), 0);
	assert_int_equal(db_recon_resolve(f->db, id, "s2", "again", &err), -1);
	paydiff_rec one;
	assert_int_equal(db_paydiff_get(f->db, id, &one, &err), 0);
	assert_int_equal(one.status, PD_RESOLVED);
	assert_string_equal(one.resolved_by, "s2");
	assert_int_equal(reconcile(f, &d, &n, &out), PR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(out.explained, 1);
	assert_int_equal(out.open, 0);
	free(d);
	assert_int_equal(sqlite3_exec(f->raw, "SELECT 1", NULL, NULL, NULL), SQLITE_OK);
	chain_intact(f);
}

static void test_duplicate(void **state)
{
	fx *f = *state;
	case_rec c[2];
	pay_order o[2];
	a_case(f, FEE, true, true, &c[0], &o[0]);
	knob(f, "{\"duplicate_pay\":1}");
	a_case(f, FEE, true, true, &c[1], &o[1]);
	next_morning(f);
	recon_diff *d;
	size_t n;
	assert_int_equal(reconcile(f, &d, &n, NULL), PR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(d[0].kind, RK_DUPLICATE);
	assert_string_equal(d[0].case_no, c[1].case_no);
	assert_int_equal(d[0].bill_fen, 2 * FEE);
	free(d);
}


/* ---- the duplicate payment's refund (重复支付退款) ---- */

static long sim_stat(fx *f, const char *name)
{
	char *r = tu_sim_call(&f->sim, "GET", "/sim/stats", NULL, NULL);
	assert_non_null(r);
	char key[64];
	snprintf(key, sizeof key, "\"%s\":", name);
	char *p = strstr(r, key);
	long v = p ? strtol(p + strlen(key), NULL, 10) : -1;
	free(r);
	return v;
}

/* The refunds and audit rows written so far, as one number. */
static long long written(fx *f)
{
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_prepare_v2(f->raw, "SELECT (SELECT count(*) FROM refunds) * 1000000 +"
					    " (SELECT max(seq) FROM audit)", -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	long long v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

static const paydiff_rec *find_diff(const paydiff_rec *v, size_t n, recon_kind k, const char *case_no)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].d.kind == k && strcmp(v[i].d.case_no, case_no) == 0)
			return &v[i];
	return NULL;
}

/* The bill charges the case's order twice: the reconciliation's duplicate is
 * refunded through maker-checker, the case keeps its payment, the difference
 * is resolved by the supervisor who approved, asking again refunds nothing
 * more, and a run again finds it explained. */
static void test_dup_refund_charged_twice(void **state)
{
	fx *f = *state;
	case_rec c;
	pay_order o;
	knob(f, "{\"duplicate_pay\":1}");
	a_case(f, FEE, true, true, &c, &o);
	next_morning(f);
	recon_diff *d;
	size_t n;
	assert_int_equal(reconcile(f, &d, &n, NULL), PR_OK);
	assert_int_equal(count_kind(d, n, RK_DUPLICATE), 1);
	free(d);
	kerr err = { 0 };
	dup_target t;
	assert_int_equal(db_refund_dup_target(f->db, c.case_no, "", &t, &err), 0);
	assert_string_equal(t.out_trade_no, o.out_trade_no);
	assert_true(t.same_order);
	assert_int_equal(t.amount_fen, FEE);
	/* maker-checker: nobody approves their own request, nor the case's clerk,
	 * nor a clerk; a reason is needed */
	refund_rec r;
	long long before = written(f);
	assert_int_equal(db_refund_dup_approve(f->db, c.case_no, "", "s1", "s1", "重复扣款", &r, &err), -1);
	assert_non_null(strstr(err.msg, "nobody approves their own"));
	assert_int_equal(db_refund_dup_approve(f->db, c.case_no, "", "s1", "c1", "重复扣款", &r, &err), -1);
	assert_non_null(strstr(err.msg, "only an active supervisor"));
	assert_int_equal(db_refund_dup_approve(f->db, c.case_no, "", "c1", "s2", "", &r, &err), -1);
	assert_int_equal(written(f), before);
	assert_int_equal(db_refund_dup_approve(f->db, c.case_no, "", "c1", "s2", "重复扣款退还", &r, &err), 0);
	char want[80];
	snprintf(want, sizeof want, "%s-D1", o.out_trade_no);
	assert_string_equal(r.out_refund_no, want);
	assert_int_equal(r.state, PAY_REFUND_PENDING);
	assert_int_equal(db_refund_dup_approve(f->db, c.case_no, "", "c1", "s1", "重复扣款退还", &r, &err), -1);
	assert_non_null(strstr(err.msg, "has its refund already"));
	/* not the case's refund: F8's cancel-and-refund still sees none */
	refund_rec cr;
	assert_int_equal(db_refund_of_case(f->db, c.case_no, &cr, &err), 1);
	/* the gateway takes it (PROCESSING), asked again it is SUCCESS */
	pay_refund_state st;
	pay_result pr = refund_send(f->db, f->dev, "c1", &r, &st, &err);
	if (pr != PR_OK)
		fail_msg("refund_send: %s: %s", pay_result_name(pr), err.msg);
	assert_int_equal(st, PAY_REFUND_PROCESSING);
	assert_int_equal(sim_stat(f, "refunds"), 1);
	paydiff_rec *v;
	size_t nv;
	assert_int_equal(db_paydiffs_of_day(f->db, the_day(), &v, &nv, &err), 0);
	assert_int_equal(find_diff(v, nv, RK_DUPLICATE, c.case_no)->status, PD_OPEN); /* not yet */
	free(v);
	assert_int_equal(refund_send(f->db, f->dev, "c1", &r, &st, &err), PR_OK);
	assert_int_equal(st, PAY_REFUND_SUCCESS);
	/* asked again (a resend after a lost answer): the same refund */
	assert_int_equal(refund_send(f->db, f->dev, "c1", &r, &st, &err), PR_OK);
	assert_int_equal(st, PAY_REFUND_SUCCESS);
	assert_int_equal(sim_stat(f, "refunds"), 1);
	/* the case keeps its one payment and stays completed */
	case_rec now;
	assert_int_equal(db_case_get(f->db, c.case_no, &now, &err), 0);
	assert_int_equal(now.status, CS_COMPLETED);
	payment_rec p;
	assert_int_equal(db_payment_of_case(f->db, c.case_no, &p, &err), 0);
	assert_string_equal(p.out_trade_no, o.out_trade_no);
	assert_int_equal(p.state, PAY_SUCCESS);
	/* the difference resolved by the approver */
	assert_int_equal(db_paydiffs_of_day(f->db, the_day(), &v, &nv, &err), 0);
	const paydiff_rec *x = find_diff(v, nv, RK_DUPLICATE, c.case_no);
	assert_non_null(x);
	assert_int_equal(x->status, PD_RESOLVED);
	assert_string_equal(x->resolved_by, "s2");
	assert_non_null(strstr(x->note, "重复支付退款"));
	free(v);
	/* a run again: found again, explained; nothing open */
	recon_outcome oc;
	assert_int_equal(reconcile(f, &d, &n, &oc), PR_OK);
	free(d);
	assert_int_equal(oc.open, 0);
	/* the timeline says what it was */
	timeline_entry *tl;
	size_t ntl;
	assert_int_equal(db_case_timeline(f->db, c.case_no, &tl, &ntl, &err), 0);
	size_t dups = 0;
	for (size_t i = 0; i < ntl; i++)
		dups += tl[i].kind == TL_DUP_REFUND && strstr(tl[i].text, "重复支付退款") != NULL;
	free(tl);
	assert_int_equal(dups, 2);
	chain_intact(f);
}

/* A case whose first order is its payment, and a second order of it paid at
 * the gateway while the kiosk holds it NOTPAY (a code shown before, paid
 * late). */
static void two_paid(fx *f, case_rec *c, pay_order *o1, pay_order *o2)
{
	kerr err = { 0 };
	a_case(f, FEE, true, false, c, o1);
	memset(o2, 0, sizeof *o2);
	assert_int_equal(pay_trade_no(c->case_no, 2, o2->out_trade_no), 0);
	o2->amount_fen = FEE;
	snprintf(o2->description, sizeof o2->description, "数字证书新办");
	o2->expire_ms = clock_now_ms() + 15 * 60 * 1000;
	if (pay_create(f->dev, o2, &err) != PR_OK)
		fail_msg("create: %s", err.msg);
	o2->state = PAY_NOTPAY;
	book(f, c->case_no, o2);
	char path[96];
	snprintf(path, sizeof path, "/sim/pay/%s", o2->out_trade_no);
	sim_post(f, path);
	tu_case_step_to(f->db, svc, "c1", c->case_no, STEP_NONE, FEE);
}

/* A second order of the case paid meanwhile: taken up, flagged, refunded on
 * its own; the day's report stops flagging the case; the reconciliation's
 * charged-twice finding is explained by the refund, by its approver. */
static void test_dup_refund_second_order(void **state)
{
	fx *f = *state;
	case_rec c;
	pay_order o1, o2;
	two_paid(f, &c, &o1, &o2);
	kerr err = { 0 };
	dup_target t;
	/* the kiosk has not heard of the second payment yet */
	assert_int_equal(db_refund_dup_target(f->db, c.case_no, "", &t, &err), 1);
	int unsure = -1;
	assert_int_equal(refund_take_up(f->db, f->dev, "c1", c.case_no, &unsure, &err), 1);
	assert_int_equal(unsure, 0);
	assert_int_equal(db_refund_dup_target(f->db, c.case_no, "", &t, &err), 0);
	assert_string_equal(t.out_trade_no, o2.out_trade_no);
	assert_false(t.same_order);
	/* the first order is the case's payment, not a duplicate */
	assert_int_equal(db_refund_dup_target(f->db, c.case_no, o1.out_trade_no, &t, &err), 1);
	assert_int_equal(db_refund_dup_target(f->db, c.case_no, o2.out_trade_no, &t, &err), 0);
	daily_report rep;
	assert_int_equal(db_report_daily(f->db, the_day(), &rep, &err), 0);
	assert_int_equal(rep.cases[0].flag_overpaid, 1);
	daily_report_free(&rep);
	refund_rec r;
	assert_int_equal(db_refund_dup_approve(f->db, c.case_no, "", "c1", "s2", "重复扣款退还", &r, &err), 0);
	pay_refund_state st;
	assert_int_equal(refund_send(f->db, f->dev, "c1", &r, &st, &err), PR_OK);
	assert_int_equal(refund_send(f->db, f->dev, "c1", &r, &st, &err), PR_OK);
	assert_int_equal(st, PAY_REFUND_SUCCESS);
	payment_rec p;
	assert_int_equal(db_payment_get(f->db, o2.out_trade_no, &p, &err), 0);
	assert_int_equal(p.state, PAY_REFUND);
	assert_int_equal(db_payment_of_case(f->db, c.case_no, &p, &err), 0);
	assert_string_equal(p.out_trade_no, o1.out_trade_no);
	assert_int_equal(p.state, PAY_SUCCESS);
	case_rec now;
	assert_int_equal(db_case_get(f->db, c.case_no, &now, &err), 0);
	assert_int_equal(now.status, CS_COMPLETED);
	assert_int_equal(db_report_daily(f->db, the_day(), &rep, &err), 0);
	assert_int_equal(rep.cases[0].flag_overpaid, 0);
	assert_int_equal(rep.cases[0].paid_fen, FEE);
	assert_int_equal(rep.cases[0].dup_refund_fen, FEE);
	assert_string_equal(rep.cases[0].dup_refund_state, "SUCCESS");
	/* the CSV says so in the case's line, before the supplement's and the
	 * rating's columns (empty here) */
	char *csv = NULL;
	size_t csv_len = 0;
	FILE *mem = open_memstream(&csv, &csv_len);
	assert_non_null(mem);
	assert_int_equal(report_write_csv(mem, &rep), 0);
	fclose(mem);
	assert_non_null(strstr(csv, ",dup_refund_yuan,dup_refund_state,supplied,rating,rating_due,"
					 "rating_resolved_by\n"));
	assert_non_null(strstr(csv, ",400.00,SUCCESS,,,,\n"));
	free(csv);
	daily_report_free(&rep);
	/* the case can still be cancelled and refunded, with its own number */
	refund_rec cr;
	assert_int_equal(db_refund_of_case(f->db, c.case_no, &cr, &err), 1);
	next_morning(f);
	recon_diff *d;
	size_t n;
	recon_outcome oc;
	assert_int_equal(reconcile(f, &d, &n, &oc), PR_OK);
	assert_int_equal(count_kind(d, n, RK_DUPLICATE), 1);
	free(d);
	assert_int_equal(oc.open, 0);
	assert_int_equal(oc.explained, 1);
	paydiff_rec *v;
	size_t nv;
	assert_int_equal(db_paydiffs_of_day(f->db, the_day(), &v, &nv, &err), 0);
	const paydiff_rec *x = find_diff(v, nv, RK_DUPLICATE, c.case_no);
	assert_non_null(x);
	assert_int_equal(x->status, PD_RESOLVED);
	assert_string_equal(x->resolved_by, "s2");
	free(v);
	chain_intact(f);
}

/* The duplicate's refund ABNORMAL (the customer's account refused it), then
 * put through at the gateway (异常退款 on the merchant platform): asked again
 * with the same number the kiosk records SUCCESS, its books right again (the
 * second order REFUND, the case no longer overpaid), the difference resolved
 * by the approver; never a second refund. */
static int dup_path(kdb *db, pay_dev *dev, const char *case_no);

static void test_dup_refund_abnormal_then_success(void **state)
{
	fx *f = *state;
	case_rec c;
	pay_order o1, o2;
	two_paid(f, &c, &o1, &o2);
	next_morning(f);
	recon_diff *d;
	size_t n;
	assert_int_equal(reconcile(f, &d, &n, NULL), PR_OK);
	assert_int_equal(count_kind(d, n, RK_DUPLICATE), 1);
	free(d);
	knob(f, "{\"refund_abnormal\":1}");
	assert_int_equal(dup_path(f->db, f->dev, c.case_no), PAY_REFUND_ABNORMAL);
	kerr err = { 0 };
	refund_rec r;
	char no[PAY_REFUND_NO_MAX + 1];
	assert_int_equal(pay_refund_dup_no(o2.out_trade_no, no), 0);
	assert_int_equal(db_refund_get(f->db, no, &r, &err), 0);
	assert_int_equal(r.state, PAY_REFUND_ABNORMAL);
	/* asked again while still refused: ABNORMAL, nothing new */
	pay_refund_state st;
	assert_int_equal(refund_send(f->db, f->dev, "c1", &r, &st, &err), PR_OK);
	assert_int_equal(st, PAY_REFUND_ABNORMAL);
	/* the merchant sends it to another account; asked again: SUCCESS */
	char path[128];
	snprintf(path, sizeof path, "/sim/refund-success/%s", no);
	sim_post(f, path);
	pay_result pr = refund_send(f->db, f->dev, "c1", &r, &st, &err);
	if (pr != PR_OK)
		fail_msg("asked again: %s: %s", pay_result_name(pr), err.msg);
	assert_int_equal(st, PAY_REFUND_SUCCESS);
	assert_int_equal(sim_stat(f, "refunds"), 1);
	assert_int_equal(db_refund_get(f->db, no, &r, &err), 0);
	assert_int_equal(r.state, PAY_REFUND_SUCCESS);
	payment_rec p;
	assert_int_equal(db_payment_get(f->db, o2.out_trade_no, &p, &err), 0);
	assert_int_equal(p.state, PAY_REFUND);
	daily_report rep;
	assert_int_equal(db_report_daily(f->db, the_day(), &rep, &err), 0);
	assert_int_equal(rep.cases[0].flag_overpaid, 0);
	daily_report_free(&rep);
	paydiff_rec *v;
	size_t nv;
	assert_int_equal(db_paydiffs_of_day(f->db, the_day(), &v, &nv, &err), 0);
	const paydiff_rec *x = find_diff(v, nv, RK_DUPLICATE, c.case_no);
	assert_non_null(x);
	assert_int_equal(x->status, PD_RESOLVED);
	assert_string_equal(x->resolved_by, "s2");
	free(v);
	/* SUCCESS is final: nothing takes it back */
	assert_int_equal(db_refund_update(f->db, "c1", no, PAY_REFUND_ABNORMAL, NULL, &err), -1);
	chain_intact(f);
}

/* ---- killed at every write of the path, then resumed ---- */

static int kill_at, begins;

static int on_stmt(unsigned type, void *ctx, void *p, void *x)
{
	(void)ctx;
	(void)p;
	if (type == SQLITE_TRACE_STMT && x && strncmp((const char *)x, "BEGIN", 5) == 0 && ++begins == kill_at)
		raise(SIGKILL);
	return 0;
}

/* The path as the kiosk and kioskctl follow it, resumable: take up, find
 * the duplicate, approve unless approved, send unless final. The state the
 * refund ended in, or -1. */
static int dup_path(kdb *db, pay_dev *dev, const char *case_no)
{
	kerr err = { 0 };
	dup_target t;
	refund_rec r;
	if (refund_take_up(db, dev, "c1", case_no, NULL, &err) < 0 ||
	    db_refund_dup_target(db, case_no, "", &t, &err) != 0)
		return -1;
	int rc = db_refund_get(db, t.out_refund_no, &r, &err);
	if (rc < 0)
		return -1;
	if (rc == 1 && db_refund_dup_approve(db, case_no, "", "c1", "s2", "重复扣款退还", &r, &err))
		return -1;
	/* asked until final (the gateway says PROCESSING first) */
	pay_refund_state st = r.state;
	for (int i = 0; i < 3 && (st == PAY_REFUND_PENDING || st == PAY_REFUND_PROCESSING); i++)
		if (refund_send(db, dev, "c1", &r, &st, &err) != PR_OK)
			return -1;
	return (int)st;
}

static void test_dup_refund_killed(void **state)
{
	fx *f = *state;
	bool finished = false;
	long refunds = sim_stat(f, "refunds");
	for (kill_at = 1; kill_at < 30 && !finished; kill_at++) {
		case_rec c;
		pay_order o1, o2;
		two_paid(f, &c, &o1, &o2);
		fflush(NULL);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			kerr err = { 0 };
			kdb *db = db_open(f->path, "K01", DB_OPEN_EXISTING, &err);
			if (!db)
				_exit(3);
			begins = 0;
			sqlite3_trace_v2(db->h, SQLITE_TRACE_STMT, on_stmt, NULL);
			_exit(dup_path(db, f->dev, c.case_no) == PAY_REFUND_SUCCESS ? 0 : 4);
		}
		int wst = 0;
		assert_int_equal(waitpid(pid, &wst, 0), pid);
		finished = WIFEXITED(wst) && WEXITSTATUS(wst) == 0;
		if (!finished && !(WIFSIGNALED(wst) && WTERMSIG(wst) == SIGKILL))
			fail_msg("kill at %d: the child ended with %d", kill_at, wst);
		/* resumed: the same path again, to the end */
		if (dup_path(f->db, f->dev, c.case_no) != PAY_REFUND_SUCCESS)
			fail_msg("kill at %d: not refunded after the resume", kill_at);
		refunds++;
		if (sim_stat(f, "refunds") != refunds)
			fail_msg("kill at %d: %ld refunds at the gateway, %ld expected", kill_at,
				 sim_stat(f, "refunds"), refunds);
		kerr err = { 0 };
		payment_rec p;
		assert_int_equal(db_payment_get(f->db, o2.out_trade_no, &p, &err), 0);
		assert_int_equal(p.state, PAY_REFUND);
		assert_int_equal(db_payment_of_case(f->db, c.case_no, &p, &err), 0);
		assert_string_equal(p.out_trade_no, o1.out_trade_no);
		case_rec now;
		assert_int_equal(db_case_get(f->db, c.case_no, &now, &err), 0);
		assert_int_equal(now.status, CS_COMPLETED);
		char sql[300];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM refunds r JOIN cases c ON c.id = r.case_id"
			 " WHERE c.case_no = '%s'", c.case_no);
		sqlite3_stmt *q;
		assert_int_equal(sqlite3_prepare_v2(f->raw, sql, -1, &q, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(q, 0), 1);
		sqlite3_finalize(q);
		chain_intact(f);
	}
	assert_true(finished);
	assert_true(kill_at > 4); /* killed at several writes before it ran through */
}

/* ---- an order charged twice, then the case cancelled (or the reverse) ----
 * WeChat refunds a payment up to its amount. The bill's second charge of the
 * case's own order is refunded by its transaction id, the case's refund by
 * the charge the kiosk booked, so both go through whichever comes first and
 * the customer gets back exactly the two charges. */

/* One number from paysim's view of an order (GET /sim/order/NO). */
static long long sim_order(fx *f, const char *no, const char *field)
{
	char path[96], key[48];
	snprintf(path, sizeof path, "/sim/order/%s", no);
	char *r = tu_sim_call(&f->sim, "GET", path, NULL, NULL);
	assert_non_null(r);
	snprintf(key, sizeof key, "\"%s\":", field);
	char *p = strstr(r, key);
	long long v = p ? strtoll(p + strlen(key), NULL, 10) : -1;
	free(r);
	return v;
}

/* The case's own refund as F8 does it, resumable: approve unless approved
 * (s2 approves c1's request), then ask until final. The state, or -1. */
static int cancel_path(kdb *db, pay_dev *dev, const char *case_no)
{
	kerr err = { 0 };
	refund_rec r;
	int rc = db_refund_of_case(db, case_no, &r, &err);
	if (rc < 0 || (rc == 1 && db_refund_approve(db, case_no, "c1", "s2", "客户申请撤销", &r, &err)))
		return -1;
	pay_refund_state st = r.state;
	for (int i = 0; i < 3 && (st == PAY_REFUND_PENDING || st == PAY_REFUND_PROCESSING); i++) {
		/* read again: the resumed record names the charge as the store has it */
		if (db_refund_get(db, r.out_refund_no, &r, &err) != 0 ||
		    refund_send(db, dev, "c1", &r, &st, &err) != PR_OK)
			return -1;
	}
	return (int)st;
}

static int dup_path(kdb *db, pay_dev *dev, const char *case_no);

/* Both refunds of a case whose order the bill charges twice went through:
 * the gateway paid back both charges, each in full, and nothing more; the
 * kiosk has both refunds SUCCESS, the case cancelled. */
static void both_refunded(fx *f, const case_rec *c, const pay_order *o, const char *when)
{
	if (sim_order(f, o->out_trade_no, "charges") != 2 ||
	    sim_order(f, o->out_trade_no, "paid") != 2 * FEE ||
	    sim_order(f, o->out_trade_no, "refunded") != 2 * FEE ||
	    sim_order(f, o->out_trade_no, "refunded_first") != FEE ||
	    sim_order(f, o->out_trade_no, "refunded_second") != FEE)
		fail_msg("%s: the gateway paid back %lld of %lld (first %lld, second %lld)", when,
			 sim_order(f, o->out_trade_no, "refunded"), sim_order(f, o->out_trade_no, "paid"),
			 sim_order(f, o->out_trade_no, "refunded_first"),
			 sim_order(f, o->out_trade_no, "refunded_second"));
	kerr err = { 0 };
	refund_rec r;
	char no[PAY_REFUND_NO_MAX + 1];
	assert_int_equal(pay_refund_dup_no(o->out_trade_no, no), 0);
	assert_int_equal(db_refund_get(f->db, no, &r, &err), 0);
	assert_int_equal(r.state, PAY_REFUND_SUCCESS);
	assert_int_equal(r.amount_fen, FEE);
	assert_int_equal(db_refund_of_case(f->db, c->case_no, &r, &err), 0);
	assert_int_equal(r.state, PAY_REFUND_SUCCESS);
	assert_int_equal(r.amount_fen, FEE);
	case_rec now;
	assert_int_equal(db_case_get(f->db, c->case_no, &now, &err), 0);
	assert_int_equal(now.status, CS_CANCELLED);
	payment_rec p;
	assert_int_equal(db_payment_get(f->db, o->out_trade_no, &p, &err), 0);
	assert_int_equal(p.state, PAY_REFUND);
}

/* Cases paid, each charged twice by the gateway, the day reconciled. */
static void charged_twice(fx *f, case_rec *c, pay_order *o, int n)
{
	char json[48];
	snprintf(json, sizeof json, "{\"duplicate_pay\":%d}", n);
	knob(f, json);
	for (int i = 0; i < n; i++)
		a_case(f, FEE, true, true, &c[i], &o[i]);
	next_morning(f);
	recon_diff *d;
	size_t nd;
	assert_int_equal(reconcile(f, &d, &nd, NULL), PR_OK);
	assert_int_equal(count_kind(d, nd, RK_DUPLICATE), (size_t)n);
	free(d);
}

static void test_charged_twice_then_cancelled(void **state)
{
	fx *f = *state;
	case_rec c[2];
	pay_order o[2];
	charged_twice(f, c, o, 2);
	kerr err = { 0 };
	/* the duplicate's refund names the bill's second charge, not the one
	 * booked; the case's refund names the booked one */
	dup_target t;
	assert_int_equal(db_refund_dup_target(f->db, c[0].case_no, "", &t, &err), 0);
	assert_true(t.same_order);
	payment_rec p;
	assert_int_equal(db_payment_get(f->db, o[0].out_trade_no, &p, &err), 0);
	assert_true(t.charge_tx[0] != '\0');
	assert_string_not_equal(t.charge_tx, p.transaction_id);
	/* the duplicate first, then the case cancelled */
	assert_int_equal(dup_path(f->db, f->dev, c[0].case_no), PAY_REFUND_SUCCESS);
	assert_int_equal(sim_order(f, o[0].out_trade_no, "refunded_second"), FEE);
	assert_int_equal(sim_order(f, o[0].out_trade_no, "refunded_first"), 0);
	refund_rec r;
	char no[PAY_REFUND_NO_MAX + 1];
	assert_int_equal(pay_refund_dup_no(o[0].out_trade_no, no), 0);
	assert_int_equal(db_refund_get(f->db, no, &r, &err), 0);
	assert_string_equal(r.transaction_id, t.charge_tx);
	assert_int_equal(cancel_path(f->db, f->dev, c[0].case_no), PAY_REFUND_SUCCESS);
	assert_int_equal(db_refund_of_case(f->db, c[0].case_no, &r, &err), 0);
	assert_string_equal(r.transaction_id, p.transaction_id);
	both_refunded(f, &c[0], &o[0], "duplicate, then cancelled");
	/* the reverse: the case cancelled first, its duplicate refunded after */
	assert_int_equal(cancel_path(f->db, f->dev, c[1].case_no), PAY_REFUND_SUCCESS);
	assert_int_equal(dup_path(f->db, f->dev, c[1].case_no), PAY_REFUND_SUCCESS);
	both_refunded(f, &c[1], &o[1], "cancelled, then its duplicate");
	/* nothing more can be taken: a third refund of the order is refused as
	 * WeChat refuses it (INVALID_REQUEST, over what the payment has left) */
	pay_refund more;
	memset(&more, 0, sizeof more);
	snprintf(more.out_trade_no, sizeof more.out_trade_no, "%s", o[0].out_trade_no);
	assert_int_equal(pay_refund_no(o[0].out_trade_no, 2, more.out_refund_no), 0);
	more.total_fen = more.refund_fen = FEE;
	assert_int_equal(pay_refund_order(f->dev, &more, &err), PR_REFUSED);
	assert_non_null(strstr(err.msg, "INVALID_REQUEST"));
	snprintf(more.transaction_id, sizeof more.transaction_id, "%s", t.charge_tx);
	assert_int_equal(pay_refund_order(f->dev, &more, &err), PR_REFUSED);
	assert_non_null(strstr(err.msg, "INVALID_REQUEST"));
	/* the reconciliation agrees: every refund in the bill as booked */
	recon_diff *d;
	size_t nd;
	recon_outcome oc;
	assert_int_equal(reconcile(f, &d, &nd, &oc), PR_OK);
	for (size_t i = 0; i < nd; i++)
		if (d[i].kind != RK_DUPLICATE)
			fail_msg("unexpected: %s %s %s", recon_kind_name(d[i].kind), d[i].out_trade_no,
				 d[i].detail);
	free(d);
	assert_int_equal(oc.open, 0);
	chain_intact(f);
}

/* The case cancelled and refunded before anyone knew its order was charged
 * twice: its refund went by out_trade_no, to the payment the kiosk booked;
 * the reconciliation then finds the second charge and its refund names it. */
static void test_cancelled_before_reconciled(void **state)
{
	fx *f = *state;
	case_rec c;
	pay_order o;
	knob(f, "{\"duplicate_pay\":1}");
	a_case(f, FEE, true, true, &c, &o);
	assert_int_equal(cancel_path(f->db, f->dev, c.case_no), PAY_REFUND_SUCCESS);
	kerr err = { 0 };
	refund_rec r;
	assert_int_equal(db_refund_of_case(f->db, c.case_no, &r, &err), 0);
	assert_string_equal(r.transaction_id, ""); /* no difference yet: by out_trade_no */
	assert_int_equal(sim_order(f, o.out_trade_no, "refunded_first"), FEE);
	next_morning(f);
	recon_diff *d;
	size_t nd;
	assert_int_equal(reconcile(f, &d, &nd, NULL), PR_OK);
	assert_int_equal(count_kind(d, nd, RK_DUPLICATE), 1);
	free(d);
	assert_int_equal(dup_path(f->db, f->dev, c.case_no), PAY_REFUND_SUCCESS);
	both_refunded(f, &c, &o, "cancelled before the reconciliation");
	chain_intact(f);
}

/* Charged twice while the kiosk had booked neither payment (it holds the
 * order NOTPAY when the day is reconciled): the difference names the later
 * charge; the order taken up is the first payment (what a query answers), so
 * the duplicate's refund reaches the second. */
static void test_charged_twice_unbooked(void **state)
{
	fx *f = *state;
	case_rec c;
	pay_order o;
	a_case(f, FEE, false, false, &c, &o);
	knob(f, "{\"duplicate_pay\":1}");
	char path[96];
	snprintf(path, sizeof path, "/sim/pay/%s", o.out_trade_no);
	sim_post(f, path);
	next_morning(f);
	recon_diff *d;
	size_t nd;
	assert_int_equal(reconcile(f, &d, &nd, NULL), PR_OK);
	assert_int_equal(count_kind(d, nd, RK_DUPLICATE), 1);
	assert_int_equal(d[0].book_fen, -1);
	free(d);
	assert_int_equal(dup_path(f->db, f->dev, c.case_no), PAY_REFUND_SUCCESS);
	assert_int_equal(sim_order(f, o.out_trade_no, "refunded_second"), FEE);
	assert_int_equal(sim_order(f, o.out_trade_no, "refunded_first"), 0);
	kerr err = { 0 };
	payment_rec p;
	assert_int_equal(db_payment_of_case(f->db, c.case_no, &p, &err), 0);
	assert_string_equal(p.out_trade_no, o.out_trade_no);
	assert_int_equal(p.state, PAY_SUCCESS);
	chain_intact(f);
}

/* What the gateway does with the old way, both refunds by out_trade_no: the
 * second is refused (a payment is refunded up to its amount), so the case's
 * refund after its duplicate's would never go through. */
static void test_charged_twice_one_number_refused(void **state)
{
	fx *f = *state;
	case_rec c;
	pay_order o;
	charged_twice(f, &c, &o, 1);
	kerr err = { 0 };
	pay_refund a;
	memset(&a, 0, sizeof a);
	snprintf(a.out_trade_no, sizeof a.out_trade_no, "%s", o.out_trade_no);
	assert_int_equal(pay_refund_dup_no(o.out_trade_no, a.out_refund_no), 0);
	a.total_fen = a.refund_fen = FEE;
	assert_int_equal(pay_refund_order(f->dev, &a, &err), PR_OK);
	pay_refund b = a;
	assert_int_equal(pay_refund_no(o.out_trade_no, 1, b.out_refund_no), 0);
	assert_int_equal(pay_refund_order(f->dev, &b, &err), PR_REFUSED);
	assert_non_null(strstr(err.msg, "INVALID_REQUEST"));
	assert_int_equal(sim_order(f, o.out_trade_no, "refunded"), FEE);
	/* the same refund number again naming another charge: not the same
	 * refund (WeChat: the request differs from the first) */
	dup_target t;
	assert_int_equal(db_refund_dup_target(f->db, c.case_no, "", &t, &err), 0);
	snprintf(a.transaction_id, sizeof a.transaction_id, "%s", t.charge_tx);
	assert_int_equal(pay_refund_order(f->dev, &a, &err), PR_REFUSED);
	assert_non_null(strstr(err.msg, "INVALID_REQUEST"));
}

/* Killed (SIGKILL) at every write transaction of the two refunds, the
 * duplicate's then the case's (and the reverse), resumed each time: both
 * charges paid back once, never a fen more. */
static void killed_both(fx *f, bool dup_first)
{
	enum { N = 14 };
	case_rec c[N];
	pay_order o[N];
	charged_twice(f, c, o, N);
	bool finished = false;
	long refunds = sim_stat(f, "refunds");
	int i = 0;
	for (kill_at = 1; kill_at <= N && !finished; kill_at++, i++) {
		fflush(NULL);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			kerr err = { 0 };
			kdb *db = db_open(f->path, "K01", DB_OPEN_EXISTING, &err);
			if (!db)
				_exit(3);
			begins = 0;
			sqlite3_trace_v2(db->h, SQLITE_TRACE_STMT, on_stmt, NULL);
			bool ok = dup_first ? dup_path(db, f->dev, c[i].case_no) == PAY_REFUND_SUCCESS &&
						      cancel_path(db, f->dev, c[i].case_no) == PAY_REFUND_SUCCESS
					    : cancel_path(db, f->dev, c[i].case_no) == PAY_REFUND_SUCCESS &&
						      dup_path(db, f->dev, c[i].case_no) == PAY_REFUND_SUCCESS;
			_exit(ok ? 0 : 4);
		}
		int wst = 0;
		assert_int_equal(waitpid(pid, &wst, 0), pid);
		finished = WIFEXITED(wst) && WEXITSTATUS(wst) == 0;
		if (!finished && !(WIFSIGNALED(wst) && WTERMSIG(wst) == SIGKILL))
			fail_msg("kill at %d: the child ended with %d", kill_at, wst);
		/* resumed: both paths again, in the same order, to the end */
		int a = dup_first ? dup_path(f->db, f->dev, c[i].case_no)
				  : cancel_path(f->db, f->dev, c[i].case_no);
		int b = dup_first ? cancel_path(f->db, f->dev, c[i].case_no)
				  : dup_path(f->db, f->dev, c[i].case_no);
		if (a != PAY_REFUND_SUCCESS || b != PAY_REFUND_SUCCESS)
			fail_msg("kill at %d: not refunded after the resume (%d, %d)", kill_at, a, b);
		char when[48];
		snprintf(when, sizeof when, "kill at %d", kill_at);
		both_refunded(f, &c[i], &o[i], when);
		refunds += 2;
		if (sim_stat(f, "refunds") != refunds)
			fail_msg("kill at %d: %ld refunds at the gateway, %ld expected", kill_at,
				 sim_stat(f, "refunds"), refunds);
		chain_intact(f);
	}
	assert_true(finished);
	assert_true(kill_at > 5); /* killed at several writes before it ran through */
}

static void test_charged_twice_killed_dup_first(void **state)
{
	killed_both(*state, true);
}

static void test_charged_twice_killed_cancel_first(void **state)
{
	killed_both(*state, false);
}

/* A case's own refund number never reads as a duplicate's, whatever the
 * order number holds (even "-D1" itself); the duplicate's always does. */
static void test_refund_numbers(void **state)
{
	(void)state;
	const char *orders[] = { "K01-20261121-0001", "K01-20261121-0001_2", "AB-D9-D1",
				 "123456", "a|b*c-D", "K01-D1" };
	for (size_t i = 0; i < sizeof orders / sizeof *orders; i++) {
		char no[PAY_REFUND_NO_MAX + 1];
		for (int n = 1; n <= 99; n++) {
			assert_int_equal(pay_refund_no(orders[i], n, no), 0);
			if (pay_refund_no_is_dup(no))
				fail_msg("%s reads as a duplicate's refund", no);
		}
		assert_int_equal(pay_refund_dup_no(orders[i], no), 0);
		assert_true(pay_refund_no_is_dup(no));
	}
	assert_false(pay_refund_no_is_dup("-D1"));
	assert_false(pay_refund_no_is_dup("K01-20261121-0001-D2"));
	assert_false(pay_refund_no_is_dup("K01-20261121-0001-D12"));
	assert_false(pay_refund_no_is_dup(NULL));
}

/* ---- the download ---- */

static void test_bill_download(void **state)
{
	fx *f = *state;
	case_rec c;
	pay_order o;
	a_case(f, FEE, true, true, &c, &o);
	kerr err = { 0 };
	pay_bill_file file;
	/* the day has not ended: WeChat's STATEMENT_CREATING */
	assert_int_equal(pay_bill_download(f->dev, the_day(), &file, &err), PR_REFUSED);
	assert_non_null(strstr(err.msg, "STATEMENT_CREATING"));
	assert_null(file.text);
	next_morning(f);
	/* an address dead on arrival is asked for again, once */
	knob(f, "{\"bill_expire_next\":1}");
	assert_int_equal(pay_bill_download(f->dev, the_day(), &file, &err), PR_OK);
	assert_false(file.empty);
	assert_int_equal(strlen(file.sha1), 40);
	assert_non_null(strstr(file.text, "`" TU_WX_APPID));
	assert_non_null(strstr(file.text, o.out_trade_no));
	pay_bill_file_free(&file);
	knob(f, "{\"bill_expire_next\":2}");
	assert_int_equal(pay_bill_download(f->dev, the_day(), &file, &err), PR_GATEWAY);
	/* a download that is not what the answer's SHA-1 names is not used */
	knob(f, "{\"bill_corrupt\":1}");
	memset(&err, 0, sizeof err);
	assert_int_equal(pay_bill_download(f->dev, the_day(), &file, &err), PR_UNVERIFIED);
	assert_non_null(strstr(err.msg, "SHA-1"));
	assert_null(file.text);
	/* an answer whose signature fails is not used either */
	knob(f, "{\"bad_signature\":1}");
	assert_int_equal(pay_bill_download(f->dev, the_day(), &file, &err), PR_UNVERIFIED);
	/* a day without trades: an empty bill, and a reconciliation of nothing */
	assert_int_equal(pay_bill_download(f->dev, the_day() - 1, &file, &err), PR_OK);
	assert_true(file.empty);
	pay_bill_file_free(&file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_books_agree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unbooked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_in_bill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_amount, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refund_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refund_abnormal_then_success, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bill_download, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dup_refund_charged_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dup_refund_second_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dup_refund_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dup_refund_abnormal_then_success, setup, teardown),
		cmocka_unit_test_setup_teardown(test_charged_twice_then_cancelled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_charged_twice_one_number_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancelled_before_reconciled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_charged_twice_unbooked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_charged_twice_killed_dup_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_charged_twice_killed_cancel_first, setup, teardown),
		cmocka_unit_test(test_refund_numbers),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
