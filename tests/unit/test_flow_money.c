/* test_flow_money: money that is never wrong, through the payment and slip
 * flows with the real WeChat Pay client against the gateway simulator
 * (build/tests/sim/paysim) and a real database file. Faults are injected at
 * the moment the author found them: right after the gateway made the
 * order, the database is locked by a write transaction held on another
 * connection, or the disk is full (RLIMIT_FSIZE: every write fails); the
 * customer pays meanwhile through the simulator; then the kiosk goes on, or
 * is restarted. Whatever happens: no QR is shown while the order is not
 * recorded, one order is made and it becomes the case's payment (never a
 * second charge), the case never completes without it. A slip step whose
 * commit failed after the paper was saved is resumed without a second file,
 * with the transaction id on it. And kill -9 (SIGKILL in a child, at the
 * start of every write transaction of the payment and slip steps), then a
 * resume: never two paid orders, never a completed case without a verified
 * payment, always one slip file with its transaction id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "core/print/printout.h"
#include "tests/unit/testflow.h"

static char keydir[256];
static tu_sim sim;

/* ---- the gateway: the real client, with a hook after each create ---- */

typedef enum fault { FX_NONE, FX_LOCK, FX_FULL } fault;

typedef struct hooked {
	pay_dev *real;
	tf_fx *f;
	fault after_create;   /* injected once the gateway answered a create */
} hooked;

static struct rlimit saved_fsize;
static bool full_now;

static void fault_on(tf_fx *f, fault x)
{
	if (x == FX_LOCK) {
		if (sqlite3_exec(f->raw, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			fail_msg("lock: %s", sqlite3_errmsg(f->raw));
	} else if (x == FX_FULL) {
		/* every write of this process fails (short or EFBIG): a full disk */
		struct rlimit one = { 1, saved_fsize.rlim_max };
		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &one);
		full_now = true;
	}
}

static void fault_off(tf_fx *f, fault x)
{
	if (x == FX_LOCK)
		sqlite3_exec(f->raw, "ROLLBACK", NULL, NULL, NULL);
	else if (x == FX_FULL && full_now) {
		setrlimit(RLIMIT_FSIZE, &saved_fsize);
		full_now = false;
	}
}

static pay_result h_create(void *ctx, pay_order *o, kerr *err)
{
	hooked *h = ctx;
	pay_result r = h->real->ops->create(h->real->ctx, o, err);
	if (h->after_create != FX_NONE) {
		fault_on(h->f, h->after_create);
		h->after_create = FX_NONE;
	}
	return r;
}
static pay_result h_query(void *ctx, const char *no, pay_order *out, kerr *err)
{
	hooked *h = ctx;
	return h->real->ops->query(h->real->ctx, no, out, err);
}
static pay_result h_close(void *ctx, const char *no, kerr *err)
{
	hooked *h = ctx;
	return h->real->ops->close(h->real->ctx, no, err);
}
static pay_result h_refund(void *ctx, struct pay_refund *r, kerr *err)
{
	hooked *h = ctx;
	return h->real->ops->refund(h->real->ctx, r, err);
}
static void h_free(void *ctx)
{
	hooked *h = ctx;
	pay_dev_free(h->real);
	free(h);
}
static const pay_ops hooked_ops = { "wechat", h_create, h_query, h_close, h_free, h_refund, NULL };

static hooked *gateway(tf_fx *f)
{
	static char key[400], pdir[400], v3[400];
	tu_path(key, sizeof key, keydir, "merchant_key.pem");
	tu_path(pdir, sizeof pdir, keydir, "platform");
	tu_path(v3, sizeof v3, keydir, "apiv3.key");
	kiosk_payment_cfg c = f->k.cfg->payment;
	c.mode = "wechat";
	c.base_url = sim.url;
	c.appid = TU_WX_APPID;
	c.mchid = TU_WX_MCHID;
	c.merchant_serial = TU_WX_MERCHANT_SERIAL;
	c.private_key_file = key;
	c.platform_keys_dir = pdir;
	c.apiv3_key_file = v3;
	c.notify_url = "https://kiosk.example.com/wxpay/notify";
	kerr err = { 0 };
	hooked *h = calloc(1, sizeof *h);
	assert_non_null(h);
	h->real = pay_wechat_new(&c, &err);
	if (!h->real)
		fail_msg("%s: %s", err.where, err.msg);
	assert_int_equal(pay_wechat_set_limits(h->real, 2, 1500, 10, &err), 0);
	h->f = f;
	pay_dev *d = calloc(1, sizeof *d);
	assert_non_null(d);
	d->ops = &hooked_ops;
	d->ctx = h;
	if (f->k.pay)
		pay_dev_free(f->k.pay);
	f->k.pay = d;
	return h;
}

static int group_setup(void **state)
{
	getrlimit(RLIMIT_FSIZE, &saved_fsize);
	if (tf_group_setup(state))
		return -1;
	if (!tu_mkdtemp(keydir, sizeof keydir) || !tu_wx_keys(keydir)) {
		fprintf(stderr, "cannot make the payment keys\n");
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	tu_rmrf(keydir);
	return tf_group_teardown(state);
}

/* The real clock: the simulator checks the client's timestamps. A gateway
 * of its own for each test (each starts with the same case numbers). */
static int setup(void **state)
{
	if (tf_setup(state))
		return -1;
	if (!tu_sim_start(&sim, keydir, "")) {
		fprintf(stderr, "cannot start the payment simulator\n");
		return -1;
	}
	clock_set_fixed(0);
	tf_fx *f = *state;
	/* a locked database fails in 50 ms, not the kiosk's 5 s */
	sqlite3_busy_timeout(f->k.db->h, 50);
	return 0;
}

static void customer_pays(const char *no)
{
	char path[96];
	snprintf(path, sizeof path, "/sim/pay/%s", no);
	int st = 0;
	free(tu_sim_call(&sim, "POST", path, NULL, &st));
	if (st != 200)
		fail_msg("paying %s at the simulator: HTTP %d", no, st);
}

static long sim_orders_made(void)
{
	char *r = tu_sim_call(&sim, "GET", "/sim/stats", NULL, NULL);
	assert_non_null(r);
	char *p = strstr(r, "\"orders\":");
	long v = p ? strtol(p + 9, NULL, 10) : -1;
	free(r);
	return v;
}

/* Never a silent second charge: at most one paid order per case unless the
 * second is flagged; the case's payment of its fee when its step is
 * recorded. */
static void money_right(tf_fx *f, const char *case_no)
{
	long long paid = tf_int(f, "SELECT count(*) FROM payments p JOIN cases c ON c.id = p.case_id"
				   " WHERE c.case_no = ?1 AND p.state IN ('SUCCESS', 'REFUND')", case_no);
	long long flagged = tf_int(f, "SELECT count(*) FROM audit WHERE case_no = ?1 AND action = 'payment.duplicate'",
				   case_no);
	if (paid > 1 + flagged)
		fail_msg("%s: %lld paid orders, %lld flagged", case_no, paid, flagged);
	long long stepped = tf_int(f, "SELECT count(*) FROM case_steps s JOIN cases c ON c.id = s.case_id"
				      " WHERE c.case_no = ?1 AND s.step IN ('payment', 'slip')", case_no);
	if (stepped)
		assert_int_equal(tf_int(f, "SELECT count(*) FROM payments p JOIN cases c ON c.id = p.case_id"
					   " WHERE c.case_no = ?1 AND p.state = 'SUCCESS' AND p.verified = 1"
					   " AND p.amount_fen = c.fee_fen AND p.transaction_id <> ''", case_no), 1);
}

static void restart(tf_fx *f)
{
	tf_reopen_db(f);
	sqlite3_busy_timeout(f->k.db->h, 50);
	tf_sign_in(f, "demo01");
}

/* The double charge of the issue: the order made at the gateway, its record
 * refused (locked or full), the customer pays; the kiosk goes on or is
 * restarted. */
static void double_charge(tf_fx *f, fault x, bool with_restart, bool use_f6)
{
	case_flow *cs = tf_new_to_payment(f, "rs.new");
	char no[40], t1[PAY_TRADE_NO_MAX + 1];
	snprintf(no, sizeof no, "%s", cs->rec.case_no);
	assert_int_equal(pay_trade_no(no, 1, t1), 0);
	hooked *h = gateway(f);
	long made = sim_orders_made();
	h->after_create = x;
	flow_outcome out = pay_flow_enter(&f->k, cs);
	bool shown = pay_flow_qr_shown(cs, clock_now_ms());
	bool failed = out == FLOW_FAILED && cs->step_failed;
	fault_off(f, x);
	assert_true(failed);
	assert_false(shown); /* no QR while the order is not recorded */
	assert_non_null(strstr(cs->step_msg, counter_str(&f->k, "pay.not_recorded")));
	assert_int_equal(sim_orders_made(), made + 1);
	/* the write-ahead row was there before the gateway heard of it; its code is not */
	char s[200];
	assert_string_equal(tf_text(f, "SELECT state || '/' || coalesce(code_url, '') FROM payments WHERE out_trade_no = ?1",
				    t1, s, sizeof s), "NOTPAY/");

	/* the customer pays all the same (a code seen before, a second screen) */
	customer_pays(t1);
	fault_on(f, x);
	/* still failing: nothing moves on, no step without the record */
	flow_outcome again = pay_flow_tick(&f->k, cs);
	bool still_shown = pay_flow_qr_shown(cs, clock_now_ms());
	fault_off(f, x);
	assert_int_equal(again, FLOW_FAILED);
	assert_false(still_shown);
	tf_expect_case(f, no, "accepted", "token");
	money_right(f, no);

	if (with_restart) {
		pay_flow_wait(cs);
		case_flow_free(cs);
		restart(f);
		gateway(f);
		cs = case_flow_resume(&f->k, no);
		assert_non_null(cs);
		/* the order found paid: taken up as the case's payment */
		assert_int_equal(pay_flow_enter(&f->k, cs), FLOW_NEXT);
	} else if (use_f6) {
		/* F6 on a failed order: closed and asked first; found paid */
		assert_int_equal(pay_flow_again(&f->k, cs), FLOW_NEXT);
	} else {
		out = FLOW_STAY;
		for (int i = 0; i < 3 && out != FLOW_NEXT; i++)
			out = pay_flow_tick(&f->k, cs) == FLOW_NEXT ? FLOW_NEXT : pay_flow_poll(&f->k, cs);
		assert_int_equal(out, FLOW_NEXT);
	}
	/* one charge: one order made, paid once, the step recorded on it */
	assert_int_equal(sim_orders_made(), made + 1);
	char want[200];
	snprintf(want, sizeof want, "%s=SUCCESS/1", t1);
	assert_string_equal(tf_text(f, "SELECT group_concat(out_trade_no || '=' || state || '/' || verified, ';')"
				       " FROM payments p JOIN cases c ON c.id = p.case_id WHERE c.case_no = ?1",
				    no, s, sizeof s), want);
	tf_expect_case(f, no, "accepted", "payment");
	money_right(f, no);
	/* the slip carries the transaction */
	slip_flow_make(&f->k, cs);
	assert_false(cs->step_failed);
	char tx[64];
	tf_text(f, "SELECT transaction_id FROM payments WHERE out_trade_no = ?1", t1, tx, sizeof tx);
	assert_non_null(strstr(cs->slip_text, tx));
	tf_expect_case(f, no, "completed", "slip");
	case_flow_free(cs);
	audit_verify_result res;
	kerr err = { 0 };
	assert_int_equal(db_audit_verify(f->k.db, &res, &err), 0);
}

static void locked_no_restart(void **state) { double_charge(*state, FX_LOCK, false, false); }
static void locked_restart(void **state) { double_charge(*state, FX_LOCK, true, false); }
static void locked_then_f6(void **state) { double_charge(*state, FX_LOCK, false, true); }
static void full_no_restart(void **state) { double_charge(*state, FX_FULL, false, false); }
static void full_restart(void **state) { double_charge(*state, FX_FULL, true, false); }

/* The write-ahead row itself refused: nothing is sent to the gateway. */
static void locked_before_create(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_new_to_payment(f, "rs.new");
	gateway(f);
	long made = sim_orders_made();
	fault_on(f, FX_LOCK);
	flow_outcome out = pay_flow_enter(&f->k, cs);
	fault_off(f, FX_LOCK);
	assert_int_equal(out, FLOW_FAILED);
	assert_false(cs->order_made);
	assert_false(pay_flow_qr_shown(cs, clock_now_ms()));
	assert_int_equal(sim_orders_made(), made);
	/* Enter again: recorded, made, shown */
	assert_int_equal(pay_flow_create(&f->k, cs), FLOW_STAY);
	assert_true(pay_flow_qr_shown(cs, clock_now_ms()));
	assert_int_equal(sim_orders_made(), made + 1);
	case_flow_free(cs);
}

/* A lost create answer (the gateway made it, answered 500): the next thing
 * is a query; paid meanwhile, taken up; never a second order. */
static void lost_create_answer(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_new_to_payment(f, "rs.new");
	char no[40], t1[PAY_TRADE_NO_MAX + 1];
	snprintf(no, sizeof no, "%s", cs->rec.case_no);
	assert_int_equal(pay_trade_no(no, 1, t1), 0);
	gateway(f);
	long made = sim_orders_made();
	int st = 0;
	free(tu_sim_call(&sim, "POST", "/sim/config", "{\"fail_5xx\":2}", &st));
	assert_int_equal(st, 200);
	assert_int_equal(pay_flow_enter(&f->k, cs), FLOW_FAILED);
	assert_true(cs->create_unsure);
	assert_false(pay_flow_qr_shown(cs, clock_now_ms()));
	customer_pays(t1);
	assert_int_equal(pay_flow_poll(&f->k, cs), FLOW_NEXT);
	assert_int_equal(sim_orders_made(), made + 1);
	tf_expect_case(f, no, "accepted", "payment");
	money_right(f, no);
	case_flow_free(cs);
}

/* The slip step's commit fails after its paper was saved (locked); resumed,
 * the same paper is recorded: one file, with the transaction id. */
static void slip_resumed_once(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_new_to_payment(f, "rs.new");
	char no[40];
	snprintf(no, sizeof no, "%s", cs->rec.case_no);
	tf_pay(f, cs);
	fault_on(f, FX_LOCK);
	slip_flow_make(&f->k, cs);
	fault_off(f, FX_LOCK);
	assert_true(cs->step_failed);
	tf_expect_case(f, no, "accepted", "payment");
	char first[1100];
	snprintf(first, sizeof first, "%s", cs->slip_text_path);
	case_flow_free(cs);
	restart(f);
	cs = case_flow_resume(&f->k, no);
	assert_non_null(cs);
	assert_int_equal(case_flow_next(cs), STEP_SLIP);
	assert_string_equal(cs->order.transaction_id, ""); /* nothing of it in memory */
	slip_flow_make(&f->k, cs);
	assert_true(cs->slip_resumed);
	assert_string_equal(cs->slip_text_path, first);
	tf_expect_case(f, no, "completed", "slip");
	char pat[600], tx[64], txt[200];
	snprintf(pat, sizeof pat, "%s/slips/*/%s-slip*.txt", f->dir, no);
	glob_t g;
	assert_int_equal(glob(pat, 0, NULL, &g), 0);
	assert_int_equal(g.gl_pathc, 1);
	globfree(&g);
	tf_text(f, "SELECT p.transaction_id FROM payments p JOIN cases c ON c.id = p.case_id WHERE c.case_no = ?1",
		no, tx, sizeof tx);
	snprintf(txt, sizeof txt, "Payment transaction:\n  %s\n", tx);
	assert_non_null(strstr(cs->slip_text, txt));
	case_flow_free(cs);
}

/* ---- kill -9 at every write of the payment and slip steps ---- */

static int kill_at, begins;

static int on_stmt(unsigned type, void *ctx, void *p, void *x)
{
	(void)ctx;
	(void)p;
	if (type == SQLITE_TRACE_STMT && x && strncmp((const char *)x, "BEGIN", 5) == 0 && ++begins == kill_at)
		raise(SIGKILL);
	return 0;
}

/* In a child: the payment step and the slip, killed at the start of its
 * kill_at-th write transaction. Exit 0 when it ran to the end. */
static void child_run(tf_fx *f, const char *no)
{
	restart(f);
	gateway(f);
	sqlite3_trace_v2(f->k.db->h, SQLITE_TRACE_STMT, on_stmt, NULL);
	case_flow *cs = case_flow_resume(&f->k, no);
	if (!cs)
		_exit(3);
	flow_outcome out = pay_flow_enter(&f->k, cs);
	if (out != FLOW_NEXT && cs->order_made) {
		customer_pays(cs->order.out_trade_no);
		out = pay_flow_poll(&f->k, cs);
	}
	if (out != FLOW_NEXT)
		_exit(4);
	slip_flow_make(&f->k, cs);
	_exit(case_flow_next(cs) == STEP_NONE ? 0 : 5);
}

static void killed_everywhere(void **state)
{
	tf_fx *f = *state;
	bool finished = false;
	for (kill_at = 1; kill_at < 40 && !finished; kill_at++) {
		begins = 0;
		if (kill_at > 1)
			assert_int_equal(token_erase(f->k.tok), TOK_OK); /* the blank key for the next case */
		case_flow *cs = tf_new_to_payment(f, "rs.new");
		char no[40];
		snprintf(no, sizeof no, "%s", cs->rec.case_no);
		case_flow_free(cs);
		fflush(NULL);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			child_run(f, no);
		int wst = 0;
		assert_int_equal(waitpid(pid, &wst, 0), pid);
		finished = WIFEXITED(wst) && WEXITSTATUS(wst) == 0;
		if (!finished && !(WIFSIGNALED(wst) && WTERMSIG(wst) == SIGKILL))
			fail_msg("kill at %d: the child ended with %d", kill_at, wst);
		/* the kiosk restarted: the case resumed and finished */
		restart(f);
		gateway(f);
		money_right(f, no);
		cs = case_flow_resume(&f->k, no);
		assert_non_null(cs);
		if (case_flow_next(cs) == STEP_PAYMENT) {
			flow_outcome out = pay_flow_enter(&f->k, cs);
			if (out != FLOW_NEXT) {
				assert_true(cs->order_made);
				customer_pays(cs->order.out_trade_no);
				out = pay_flow_poll(&f->k, cs);
			}
			if (out != FLOW_NEXT)
				fail_msg("kill at %d: payment not taken: %s", kill_at, cs->step_msg);
		}
		if (case_flow_next(cs) == STEP_SLIP)
			slip_flow_make(&f->k, cs);
		if (case_flow_next(cs) != STEP_NONE)
			fail_msg("kill at %d: not finished: %s", kill_at, cs->step_msg);
		case_flow_free(cs);
		tf_expect_case(f, no, "completed", "slip");
		money_right(f, no);
		assert_int_equal(tf_int(f, "SELECT count(*) FROM payments p JOIN cases c ON c.id = p.case_id"
					   " WHERE c.case_no = ?1 AND p.state = 'SUCCESS'", no), 1);
		char pat[600], tx[64];
		snprintf(pat, sizeof pat, "%s/slips/*/%s-slip*.txt", f->dir, no);
		glob_t g;
		assert_int_equal(glob(pat, 0, NULL, &g), 0);
		if (g.gl_pathc != 1)
			fail_msg("kill at %d: %zu slip files", kill_at, (size_t)g.gl_pathc);
		char *text = NULL, path[1100];
		kerr err = { 0 };
		assert_int_equal(printout_find(f->dir, no, "slip", path, sizeof path, &text), 0);
		globfree(&g);
		tf_text(f, "SELECT p.transaction_id FROM payments p JOIN cases c ON c.id = p.case_id"
			   " WHERE c.case_no = ?1 AND p.state = 'SUCCESS'", no, tx, sizeof tx);
		if (!strstr(text, tx))
			fail_msg("kill at %d: the slip lacks transaction %s", kill_at, tx);
		free(text);
		char s[1200];
		assert_string_equal(tf_text(f, "SELECT s.detail FROM case_steps s JOIN cases c ON c.id = s.case_id"
					       " WHERE c.case_no = ?1 AND s.step = 'slip'", no, s, sizeof s), path);
		assert_int_equal(db_integrity_check(f->k.db, &err), 0);
		audit_verify_result res;
		assert_int_equal(db_audit_verify(f->k.db, &res, &err), 0);
	}
	assert_true(finished);
	assert_true(kill_at > 5); /* it was killed at several writes before it ran through */
}

static int teardown(void **state)
{
	tu_sim_stop(&sim);
	return tf_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(locked_no_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(locked_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(locked_then_f6, setup, teardown),
		cmocka_unit_test_setup_teardown(full_no_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(full_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(locked_before_create, setup, teardown),
		cmocka_unit_test_setup_teardown(lost_create_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(slip_resumed_once, setup, teardown),
		cmocka_unit_test_setup_teardown(killed_everywhere, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
