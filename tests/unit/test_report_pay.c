/* test_report_pay: the payment reconciliation of the daily report, on a real
 * database file written through the repositories: every order of the day's
 * cases is listed with its case; a case whose payment step is recorded
 * without a verified SUCCESS is flagged, as is one paid twice; a SUCCESS
 * order that no case took as paid (its case cancelled, or never past the
 * payment step) is flagged; clean cases and orders are not; the orders are
 * read without a full scan or a sort. Then the same file through `kioskctl
 * report daily`, text and CSV. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>

#include "core/case/casefsm.h"
#include "core/case/catalog.h"
#include "core/base/clock.h"
#include "core/base/civil.h"
#include "db/repo/case_repo.h"
#include "db/db.h"
#include "db/store.h" /* the report's cached statements, for their scan counters */
#include "db/repo/payment_repo.h"
#include "db/report/report.h"
#include "db/repo/staff_repo.h"
#include "tests/unit/testutil.h"
#include "tests/unit/testcase.h"
#include "tests/unit/testdb.h"

typedef struct fx {
	char dir[256];
	char path[320];
	kdb *db;
	catalog *cat;
	const service *svc; /* with fees, a token step and a payment step */
	long day;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	if (!f || !tu_mkdtemp(f->dir, sizeof f->dir))
		return -1;
	tu_path(f->path, sizeof f->path, f->dir, "kiosk.db");
	f->day = civil_from_ymd(2024, 3, 1);
	clock_set_fixed(clock_day_start_ms(f->day) + 9 * 3600 * 1000LL);
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
	if (!f->svc)
		return -1;
	f->db = db_open(f->path, "K01", DB_OPEN_CREATE, &err);
	if (!f->db || db_staff_add(f->db, "system", "clerk1", "张三", ROLE_CLERK, "864209", &err) ||
	    db_staff_add(f->db, "system", "sup1", "主管", ROLE_SUPERVISOR, "975310", &err)) {
		fprintf(stderr, "db: %s\n", err.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	db_close(f->db);
	catalog_free(f->cat);
	tu_rmrf(f->dir);
	free(f);
	clock_set_fixed(0);
	return 0;
}

static void step_to(fx *f, const char *case_no, case_step last, int64_t fee)
{
	tu_case_step_to(f->db, f->svc, "clerk1", case_no, last, fee);
}

/* As an older kiosk could record it, which the store now refuses: steps
 * after the token one recorded with the case's fee not paid (tu_legacy_sql). */
static void step_to_unpaid(fx *f, const case_rec *c, case_step last, int64_t fee)
{
	assert_int_equal(tu_legacy_sql(f->db, "UPDATE cases SET fee_fen = 0 WHERE id = %lld", (long long)c->id), 0);
	step_to(f, c->case_no, last, 0);
	assert_int_equal(tu_legacy_sql(f->db, "UPDATE cases SET fee_fen = %lld WHERE id = %lld", (long long)fee,
				       (long long)c->id), 0);
}

/* As an older kiosk could: a paid case cancelled without its refund. */
static void cancel_paid(fx *f, const char *case_no, const char *why)
{
	kerr err = { 0 };
	assert_int_equal(db_case_cancel(f->db, "clerk1", case_no, why, &err), -1); /* refused now */
	assert_int_equal(tu_legacy_sql(f->db, "UPDATE payments SET state = 'NOTPAY' WHERE out_trade_no = '%s'",
				       case_no), 0);
	assert_int_equal(db_case_cancel(f->db, "clerk1", case_no, why, &err), 0);
	assert_int_equal(tu_legacy_sql(f->db, "UPDATE payments SET state = 'SUCCESS' WHERE out_trade_no = '%s'",
				       case_no), 0);
}

static void open_case(fx *f, case_rec *c)
{
	kerr err = { 0 };
	if (db_case_open(f->db, f->svc, "clerk1", c, &err))
		fail_msg("open: %s", err.msg);
}

/* An order of a case going from NOTPAY to state (with a transaction id once paid). */
static void order(fx *f, const char *case_no, int attempt, int64_t fen, const char *state,
		  bool verified)
{
	payment_rec p;
	memset(&p, 0, sizeof p);
	snprintf(p.case_no, sizeof p.case_no, "%s", case_no);
	snprintf(p.out_trade_no, sizeof p.out_trade_no, "%s%s%d", case_no, attempt > 1 ? "_" : "",
		 attempt);
	if (attempt == 1)
		snprintf(p.out_trade_no, sizeof p.out_trade_no, "%s", case_no);
	p.amount_fen = fen;
	p.state = PAY_NOTPAY;
	kerr err = { 0 };
	if (db_payment_record(f->db, "clerk1", &p, &err))
		fail_msg("%s", err.msg);
	if (strcmp(state, "NOTPAY") == 0)
		return;
	bool paid = strcmp(state, "SUCCESS") == 0 || strcmp(state, "REFUND") == 0;
	if (strcmp(state, "REFUND") == 0) {
		p.state = PAY_SUCCESS;
		snprintf(p.transaction_id, sizeof p.transaction_id, "42000000012024030%d%s", attempt,
			 case_no + strlen(case_no) - 4);
		p.verified = verified;
		if (db_payment_record(f->db, "clerk1", &p, &err))
			fail_msg("%s", err.msg);
	}
	p.state = (pay_state)pay_state_from_name(state);
	if (paid)
		snprintf(p.transaction_id, sizeof p.transaction_id, "42000000012024030%d%s", attempt,
			 case_no + strlen(case_no) - 4);
	p.verified = verified;
	if (db_payment_record(f->db, "clerk1", &p, &err))
		fail_msg("%s", err.msg);
}

static const report_case *case_of(const daily_report *r, const char *no)
{
	for (size_t i = 0; i < r->n_cases; i++)
		if (strcmp(r->cases[i].case_no, no) == 0)
			return &r->cases[i];
	fail_msg("case %s not in the report", no);
	return NULL;
}

static const report_payment *payment_of(const daily_report *r, const char *no)
{
	for (size_t i = 0; i < r->n_payments; i++)
		if (strcmp(r->payments[i].out_trade_no, no) == 0)
			return &r->payments[i];
	fail_msg("order %s not in the report", no);
	return NULL;
}

/* The day of the test: cases a..h, see each comment. */
typedef struct day_cases {
	case_rec a, b, c, d, e, g, h, k;
} day_cases;

static void make_day(fx *f, day_cases *x)
{
	/* a: paid, verified, completed: clean */
	open_case(f, &x->a);
	step_to(f, x->a.case_no, STEP_TOKEN, 40000);
	order(f, x->a.case_no, 1, 40000, "SUCCESS", true);
	step_to(f, x->a.case_no, STEP_NONE, 40000);
	/* b: marked paid on an unverified SUCCESS */
	open_case(f, &x->b);
	step_to(f, x->b.case_no, STEP_TOKEN, 40000);
	order(f, x->b.case_no, 1, 40000, "SUCCESS", false);
	step_to_unpaid(f, &x->b, STEP_PAYMENT, 40000);
	/* c: the first order expired, the second was paid: clean, two orders */
	open_case(f, &x->c);
	step_to(f, x->c.case_no, STEP_TOKEN, 20000);
	order(f, x->c.case_no, 1, 20000, "CLOSED", true);
	order(f, x->c.case_no, 2, 20000, "SUCCESS", true);
	step_to(f, x->c.case_no, STEP_NONE, 20000);
	/* d: the customer paid as the clerk cancelled: money without a case */
	open_case(f, &x->d);
	step_to(f, x->d.case_no, STEP_TOKEN, 30000);
	order(f, x->d.case_no, 1, 30000, "SUCCESS", true);
	cancel_paid(f, x->d.case_no, "cancelled at payment");
	/* e: paid, but the kiosk stopped before the payment step: flagged until resumed */
	open_case(f, &x->e);
	step_to(f, x->e.case_no, STEP_TOKEN, 10000);
	order(f, x->e.case_no, 1, 10000, "SUCCESS", true);
	/* g: the payment step recorded with no order at all */
	open_case(f, &x->g);
	step_to(f, x->g.case_no, STEP_TOKEN, 5000);
	step_to_unpaid(f, &x->g, STEP_PAYMENT, 5000);
	/* h: both orders paid (the first one late): overpaid */
	open_case(f, &x->h);
	step_to(f, x->h.case_no, STEP_TOKEN, 8000);
	order(f, x->h.case_no, 1, 8000, "SUCCESS", true);
	order(f, x->h.case_no, 2, 8000, "SUCCESS", true);
	step_to(f, x->h.case_no, STEP_PAYMENT, 8000);
	/* k: paid and since refunded (verified): not flagged */
	open_case(f, &x->k);
	step_to(f, x->k.case_no, STEP_TOKEN, 6000);
	order(f, x->k.case_no, 1, 6000, "REFUND", true);
	step_to_unpaid(f, &x->k, STEP_PAYMENT, 6000);
}

static void reconciliation(void **state)
{
	fx *f = *state;
	day_cases x;
	make_day(f, &x);
	/* a case of the next day, paid: not in this day's list */
	clock_set_fixed(clock_day_start_ms(f->day + 1) + 3600 * 1000LL);
	case_rec later;
	open_case(f, &later);
	step_to(f, later.case_no, STEP_TOKEN, 700);
	order(f, later.case_no, 1, 700, "SUCCESS", true);

	daily_report r;
	kerr err = { 0 };
	assert_int_equal(db_report_daily(f->db, f->day, &r, &err), 0);
	assert_int_equal(r.n_cases, 8);
	assert_int_equal(r.n_payments, 9);
	/* in case order, each case's orders as they were last updated */
	assert_string_equal(r.payments[0].case_no, x.a.case_no);
	assert_string_equal(r.payments[2].out_trade_no, x.c.case_no);
	assert_string_equal(r.payments[3].case_no, x.c.case_no);
	assert_true(tu_ends_with(r.payments[3].out_trade_no, "_2"));

	const report_case *c = case_of(&r, x.a.case_no);
	assert_false(c->flag_no_verified_success || c->flag_overpaid || c->flag_unverified_paid ||
		     c->flag_underpaid);
	const report_payment *p = payment_of(&r, x.a.case_no);
	assert_false(p->flag_no_case);
	assert_true(p->verified);
	assert_string_equal(p->state, "SUCCESS");
	assert_int_equal(p->amount_fen, 40000);
	assert_int_equal(p->case_status, CS_COMPLETED);
	assert_true(strncmp(p->transaction_id, "4200000001", 10) == 0);

	c = case_of(&r, x.b.case_no);
	assert_true(c->flag_no_verified_success);
	assert_true(c->flag_unverified_paid);
	p = payment_of(&r, x.b.case_no);
	assert_false(p->verified);
	assert_false(p->flag_no_case); /* its case took it: the case is what is flagged */

	c = case_of(&r, x.c.case_no);
	assert_false(c->flag_no_verified_success || c->flag_overpaid);
	assert_int_equal(c->paid_fen, 20000);

	c = case_of(&r, x.d.case_no);
	assert_int_equal(c->status, CS_CANCELLED);
	assert_false(c->flag_no_verified_success);
	assert_true(payment_of(&r, x.d.case_no)->flag_no_case);
	assert_int_equal(payment_of(&r, x.d.case_no)->case_status, CS_CANCELLED);

	assert_true(payment_of(&r, x.e.case_no)->flag_no_case);
	assert_false(case_of(&r, x.e.case_no)->flag_no_verified_success);

	c = case_of(&r, x.g.case_no);
	assert_true(c->flag_no_verified_success);
	assert_string_equal(c->pay_state, "");

	c = case_of(&r, x.h.case_no);
	assert_true(c->flag_overpaid);
	assert_false(c->flag_no_verified_success);
	assert_int_equal(c->paid_fen, 16000);

	c = case_of(&r, x.k.case_no);
	assert_false(c->flag_no_verified_success || c->flag_overpaid);
	assert_string_equal(c->pay_state, "REFUND");
	assert_false(payment_of(&r, x.k.case_no)->flag_no_case);

	assert_int_equal(r.n_flagged_payments, 2);       /* d, e */
	assert_int_equal(r.n_flagged, 3);                /* b, g, h */
	daily_report_free(&r);
	assert_null(r.payments);
	assert_int_equal(r.n_payments, 0);

	/* the next day holds its own case and order only; e, once resumed, is clean */
	assert_int_equal(db_report_daily(f->db, f->day + 1, &r, &err), 0);
	assert_int_equal(r.n_payments, 1);
	assert_string_equal(r.payments[0].case_no, later.case_no);
	assert_true(r.payments[0].flag_no_case);
	daily_report_free(&r);
	step_to(f, x.e.case_no, STEP_PAYMENT, 10000);
	assert_int_equal(db_report_daily(f->db, f->day, &r, &err), 0);
	assert_false(payment_of(&r, x.e.case_no)->flag_no_case);
	assert_int_equal(r.n_flagged_payments, 1);
	daily_report_free(&r);
	/* an empty day */
	assert_int_equal(db_report_daily(f->db, f->day + 5, &r, &err), 0);
	assert_int_equal(r.n_payments, 0);
	assert_null(r.payments);
	daily_report_free(&r);
	/* the orders are found through the indexes, in order, without a sort */
	sqlite3_stmt *st = NULL;
	for (size_t i = 0; i < f->db->n_cache; i++)
		if (strstr(f->db->cache[i].sql, "FROM cases c JOIN payments p"))
			st = f->db->cache[i].st;
	assert_non_null(st);
	assert_int_equal(sqlite3_stmt_status(st, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0), 0);
	assert_int_equal(sqlite3_stmt_status(st, SQLITE_STMTSTATUS_SORT, 0), 0);
}

/* Output of a command into a malloc'd string. */
static char *run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	size_t got;
	while ((got = fread(buf + n, 1, cap - 1 - n, p)) > 0)
		n += got;
	buf[n] = '\0';
	assert_int_equal(pclose(p), 0);
	return buf;
}

/* Does a line of out hold both texts? */
static bool line_with(const char *out, const char *a, const char *b)
{
	const char *p = out;
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[1024];
		snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), p);
		if (strstr(line, a) && strstr(line, b))
			return true;
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

static void kioskctl_prints_it(void **state)
{
	fx *f = *state;
	day_cases x;
	make_day(f, &x);
	db_close(f->db);
	f->db = NULL;
	char bin[1024], cmd[2600];
	assert_non_null(tu_bin_dir(bin, sizeof bin));
	/* the report is a supervisor's: --by and the PIN on stdin; its words in
	 * English (--lang en), which this test reads */
	snprintf(cmd, sizeof cmd, "echo 975310 | '%.1000s/../kioskctl' report daily --date 2024-03-01 "
		 "--db '%s' --by sup1 --lang en 2>&1", bin, f->path);
	char *out = run(cmd);
	assert_non_null(strstr(out, "payments: 9, flagged 2"));
	assert_true(line_with(out, x.b.case_no, "NO-VERIFIED-SUCCESS"));
	assert_true(line_with(out, x.g.case_no, "NO-VERIFIED-SUCCESS"));
	assert_true(line_with(out, x.h.case_no, "OVERPAID"));
	/* the order lines: case, order, amount, state, verified, transaction, case status, flag */
	char want[128];
	snprintf(want, sizeof want, "%s", x.d.case_no);
	assert_true(line_with(out, want, "SUCCESS-WITHOUT-CASE"));
	assert_true(line_with(out, want, "cancelled"));
	snprintf(want, sizeof want, "%s", x.e.case_no);
	assert_true(line_with(out, want, "SUCCESS-WITHOUT-CASE"));
	snprintf(want, sizeof want, "%s", x.b.case_no);
	assert_true(line_with(out, want, " NO "));
	snprintf(want, sizeof want, "%s_2", x.c.case_no);
	assert_true(line_with(out, want, "200.00"));
	assert_false(line_with(out, x.a.case_no, "WITHOUT"));
	assert_false(line_with(out, x.k.case_no, "WITHOUT"));
	free(out);
	snprintf(cmd, sizeof cmd, "echo 975310 | '%.1000s/../kioskctl' report daily --date 2024-03-01 "
		 "--csv --db '%s' --by sup1 2>&1", bin, f->path);
	out = run(cmd);
	assert_true(line_with(out, x.b.case_no, ",unverified-paid no-verified-success,"));
	assert_true(line_with(out, x.h.case_no, ",overpaid,"));
	assert_true(line_with(out, x.a.case_no, ",,"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(reconciliation, setup, teardown),
		cmocka_unit_test_setup_teardown(kioskctl_prints_it, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
