/* test_dayview: the supervisor's day view, range report and case timeline on
 * a real database file, seeded through the repositories: a day of twelve
 * cases by two clerks on two services with every outcome (办结, 容缺受理 before
 * and after its slip, overdue and not, 不予受理 with and without its notice
 * printed, cancelled, interrupted), payments matching and not, key moves with
 * and without a case, and neighbouring days. Every count and money figure is
 * compared with SQL written here, run on the same file through a second raw
 * connection, and with hand-counted values; then the filters and the search,
 * the CSV, the timeline's order and content, the range's days and total, and
 * the errors. */
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
#include "core/base/civil.h"
#include "db/repo/case_repo.h"
#include "db/report/dayview.h"
#include "db/db.h"
#include "db/repo/payment_repo.h"
#include "db/report/report.h"
#include "db/repo/staff_repo.h"
#include "db/report/timeline.h"
#include "db/repo/token_repo.h"
#include "tests/unit/testutil.h"
#include "tests/unit/testdb.h"

#define PIN "864209"
#define MIN_MS (60 * 1000LL)

/* The staff are added once (scrypt is slow on purpose) into a template that
 * each test copies. */
static char template_dir[256];
static char template_path[320];

typedef struct seeded {
	case_rec a, b, c, e, r1, r2, g, h, i, j, k, q; /* day D, see make_day() */
	case_rec p;                                    /* day D - 1 */
	case_rec n;                                    /* day D + 1 */
} seeded;

typedef struct fx {
	char dir[256];
	char path[320];
	kdb *db;
	sqlite3 *raw;
	catalog *cat;
	const service *rq;  /* fees, key, 容缺 allowed, essential and non-essential materials */
	const service *other; /* another service with essential and non-essential materials */
	long day;           /* D: 2024-03-01 */
	int64_t now;        /* the fixed clock while seeding */
	seeded s;
} fx;

static bool both_kinds(const service *s)
{
	bool ess = false, non = false;
	for (size_t i = 0; i < s->n_materials; i++) {
		if (s->materials[i].essential)
			ess = true;
		else
			non = true;
	}
	return ess && non;
}

static int group_setup(void **state)
{
	(void)state;
	if (!tu_mkdtemp(template_dir, sizeof template_dir))
		return -1;
	tu_path(template_path, sizeof template_path, template_dir, "template.db");
	clock_set_fixed(clock_day_start_ms(civil_from_ymd(2024, 2, 1)));
	kerr err = { 0 };
	kdb *db = db_open(template_path, "K01", DB_OPEN_CREATE, &err);
	if (!db)
		return -1;
	int rc = db_staff_add(db, "system", "clerk1", "张三", ROLE_CLERK, PIN, &err) ||
		 db_staff_add(db, "system", "clerk2", "李四", ROLE_CLERK, PIN, &err) ||
		 db_staff_add(db, "system", "sup1", "王五", ROLE_SUPERVISOR, "753186", &err);
	db_close(db);
	return rc ? -1 : 0;
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
	f->day = civil_from_ymd(2024, 3, 1);
	kerr err = { 0 };
	f->cat = catalog_load(KIOSK_CONFIG_DIR, &err);
	if (!f->cat)
		return -1;
	for (size_t i = 0; i < f->cat->n_services; i++) {
		const service *s = &f->cat->services[i];
		if (!f->rq && s->rongque_allowed && s->fee_items && s->n_token_ops &&
		    !s->approval_required && both_kinds(s))
			f->rq = s;
	}
	for (size_t i = 0; i < f->cat->n_services && f->rq; i++) {
		const service *s = &f->cat->services[i];
		if (!f->other && s != f->rq && !s->approval_required && both_kinds(s))
			f->other = s;
	}
	if (!f->rq || !f->other) {
		fprintf(stderr, "the shipped catalog lacks a service this test needs\n");
		return -1;
	}
	if (tu_db_copy(template_path, f->path, NULL, &f->db, &f->raw))
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
	clock_set_fixed(0);
	return 0;
}

/* ---- direct SQL, written here from the definitions in docs/reports.md ---- */

static long long q_int(fx *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static long long q_int(fx *f, const char *fmt, ...)
{
	char sql[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	sqlite3_stmt *st = NULL;
	long long v = -999;
	if (sqlite3_prepare_v2(f->raw, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(f->raw));
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* "created_ms >= start AND created_ms < end" of a day, for the SQL below. */
static const char *in_day(long day, char *buf, size_t n)
{
	snprintf(buf, n, "x.created_ms >= %lld AND x.created_ms < %lld",
		 (long long)clock_day_start_ms(day), (long long)clock_day_start_ms(day + 1));
	return buf;
}

/* The outcome of a case row x, spelled out in SQL. */
static const char *const outcome_sql[OUTCOME_COUNT] = {
	[OUTCOME_COMPLETED] = "x.status = 'completed'",
	[OUTCOME_ACCEPTED] = "x.status = 'accepted'",
	[OUTCOME_RONGQUE] = "x.status = 'rongque'",
	[OUTCOME_REFUSED] = "x.status = 'refused'",
	[OUTCOME_CANCELLED] = "x.status = 'cancelled'",
	[OUTCOME_INTERRUPTED] = "x.status = 'open'",
};

#define VERIFIED_PAID                                                                \
	"(SELECT COALESCE(SUM(p.amount_fen), 0) FROM payments p WHERE p.case_id = x.id" \
	" AND p.state = 'SUCCESS' AND p.verified = 1)"

/* Every mismatch of the cases x matching `where`, one SQL per kind, summed. */
static long long sql_mismatches(fx *f, const char *where)
{
	long long n = 0;
	n += q_int(f, "SELECT count(*) FROM cases x WHERE %s AND EXISTS (SELECT 1 FROM payments p"
		      " WHERE p.case_id = x.id AND p.state = 'SUCCESS' AND p.verified = 0)", where);
	n += q_int(f, "SELECT count(*) FROM cases x WHERE %s AND x.finished = 1 AND x.status IN"
		      " ('completed', 'rongque') AND x.fee_fen > " VERIFIED_PAID, where);
	n += q_int(f, "SELECT count(*) FROM cases x WHERE %s AND x.fee_fen > 0 AND EXISTS"
		      " (SELECT 1 FROM case_steps s WHERE s.case_id = x.id AND s.step = 'payment')"
		      " AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.case_id = x.id AND"
		      " p.verified = 1 AND p.state IN ('SUCCESS', 'REFUND'))", where);
	n += q_int(f, "SELECT count(*) FROM cases x WHERE %s AND " VERIFIED_PAID " > x.fee_fen",
		   where);
	n += q_int(f, "SELECT count(*) FROM cases x JOIN payments p ON p.case_id = x.id WHERE %s"
		      " AND p.state = 'SUCCESS' AND (x.status IN ('cancelled', 'refused') OR NOT"
		      " EXISTS (SELECT 1 FROM case_steps s WHERE s.case_id = x.id AND"
		      " s.step = 'payment'))", where);
	return n;
}

/* Compare every figure of a day view with SQL over the cases matching where. */
static void check_against_sql(fx *f, const dayview *v, const char *where)
{
	const daily_report *r = &v->r;
	assert_int_equal(r->n_cases, q_int(f, "SELECT count(*) FROM cases x WHERE %s", where));
	for (int s = 0; s < CS_COUNT; s++)
		assert_int_equal(r->by_status[s],
				 q_int(f, "SELECT count(*) FROM cases x WHERE %s AND x.status = '%s'",
				       where, case_status_name((case_status)s)));
	long total = 0;
	for (int o = 0; o < OUTCOME_COUNT; o++) {
		assert_int_equal(r->by_outcome[o],
				 q_int(f, "SELECT count(*) FROM cases x WHERE %s AND %s", where,
				       outcome_sql[o]));
		total += r->by_outcome[o];
	}
	assert_int_equal(total, r->n_cases); /* a partition */
	assert_int_equal(r->n_by_service,
			 q_int(f, "SELECT count(DISTINCT service_id) FROM cases x WHERE %s", where));
	for (size_t i = 0; i < r->n_by_service; i++)
		assert_int_equal(r->by_service[i].n,
				 q_int(f, "SELECT count(*) FROM cases x WHERE %s AND x.service_id = '%s'",
				       where, r->by_service[i].key));
	assert_int_equal(r->n_by_clerk,
			 q_int(f, "SELECT count(DISTINCT clerk_id) FROM cases x WHERE %s", where));
	for (size_t i = 0; i < r->n_by_clerk; i++)
		assert_int_equal(r->by_clerk[i].n,
				 q_int(f, "SELECT count(*) FROM cases x WHERE %s AND x.clerk_id = '%s'",
				       where, r->by_clerk[i].key));
	assert_int_equal(r->due_fen,
			 q_int(f, "SELECT COALESCE(SUM(fee_fen), 0) FROM cases x WHERE %s AND"
				  " x.status IN ('accepted', 'rongque', 'completed')", where));
	assert_int_equal(r->paid_fen,
			 q_int(f, "SELECT COALESCE(SUM(p.amount_fen), 0) FROM payments p JOIN cases x"
				  " ON x.id = p.case_id WHERE %s AND p.state = 'SUCCESS' AND"
				  " p.verified = 1", where));
	assert_int_equal(r->n_payments,
			 q_int(f, "SELECT count(*) FROM payments p JOIN cases x ON x.id = p.case_id"
				  " WHERE %s", where));
	assert_int_equal(r->n_mismatches, sql_mismatches(f, where));
	assert_int_equal(r->n_rongque,
			 q_int(f, "SELECT count(*) FROM cases x WHERE %s AND x.status = 'rongque'", where));
	assert_int_equal(r->n_rongque_overdue,
			 q_int(f, "SELECT count(*) FROM cases x WHERE %s AND x.status = 'rongque' AND"
				  " x.rongque_deadline < %ld", where, clock_today()));
	assert_int_equal(v->n_refusals,
			 q_int(f, "SELECT count(*) FROM cases x WHERE %s AND x.status = 'refused'", where));
	size_t lines = 0;
	for (size_t i = 0; i < v->n_refusals; i++)
		lines += v->refusals[i].n_notice;
	assert_int_equal(lines, q_int(f, "SELECT count(*) FROM material_decisions m JOIN cases x ON"
					 " x.id = m.case_id WHERE %s AND x.status = 'refused' AND"
					 " m.mark <> 'received'", where));
}

/* ---- seeding through the repositories ---- */

static void tick(fx *f)
{
	f->now += MIN_MS;
	clock_set_fixed(f->now);
}

static void at(fx *f, long day, int hour)
{
	f->now = clock_day_start_ms(day) + hour * 3600 * 1000LL;
	clock_set_fixed(f->now);
}

typedef struct plan {
	const service *svc;
	const char *clerk;
	const char *unit, *uscc, *agent;
	int64_t fee;
	case_decision dec;
	long deadline;      /* DEC_RONGQUE */
} plan;

static void open_case(fx *f, const plan *p, case_rec *c)
{
	kerr err = { 0 };
	tick(f);
	if (db_case_open(f->db, p->svc, p->clerk, c, &err))
		fail_msg("open: %s", err.msg);
}

/* Record the case's steps up to and including `last` (STEP_NONE: to the end). */
static void advance(fx *f, const plan *p, const char *case_no, case_step last)
{
	kerr err = { 0 };
	for (;;) {
		case_rec c;
		assert_int_equal(db_case_get(f->db, case_no, &c, &err), 0);
		if (last != STEP_NONE && c.last_step == last)
			return;
		case_step next = case_next_step(p->svc, c.last_step, c.decision);
		if (next == STEP_NONE)
			return;
		case_rec d;
		material_decision md[32];
		case_step_data sd = { .detail = "{\"test\":1}" };
		if (next == STEP_DETAILS) {
			memset(&d, 0, sizeof d);
			party_set(&d.party, PF_UNIT_NAME, p->unit);
			party_set(&d.party, PF_USCC, p->uscc);
			party_set(&d.party, PF_AGENT_NAME, p->agent);
			party_set(&d.party, PF_AGENT_ID_NO, "110102199101010078");
			party_set(&d.party, PF_AGENT_MOBILE, "13800138000");
			d.years = 1;
			d.seals = 1;
			d.fee_fen = p->fee;
			sd.details = &d;
		} else if (next == STEP_MATERIALS) {
			assert_true(p->svc->n_materials <= 32);
			bool missed = false, defected = false;
			for (size_t i = 0; i < p->svc->n_materials; i++) {
				const service_material *sm = &p->svc->materials[i];
				md[i] = (material_decision){ sm->material->id, MARK_RECEIVED, "",
							     sm->essential };
				if (p->dec == DEC_RONGQUE && !sm->essential && !missed) {
					md[i].mark = MARK_MISSING;
					missed = true;
				}
				if (p->dec == DEC_REFUSE && sm->essential && !missed) {
					md[i].mark = MARK_MISSING;
					missed = true;
				} else if (p->dec == DEC_REFUSE && !sm->essential && !defected) {
					md[i].mark = MARK_DEFECTIVE;
					md[i].reason = "公章印迹模糊";
					defected = true;
				}
			}
			sd.materials = md;
			sd.n_materials = p->svc->n_materials;
		} else if (next == STEP_DECISION) {
			sd.decision = p->dec;
			sd.rongque_deadline = p->deadline;
		}
		tick(f);
		if (db_case_step(f->db, p->svc, p->clerk, case_no, next, &sd, &err))
			fail_msg("step %s of %s: %s", case_step_name(next), case_no, err.msg);
		if (next == last)
			return;
	}
}

/* An order of the case: created NOTPAY, then moved to state. */
static void order(fx *f, const char *case_no, const char *suffix, int64_t fen, const char *state,
		  bool verified)
{
	payment_rec p;
	memset(&p, 0, sizeof p);
	snprintf(p.case_no, sizeof p.case_no, "%s", case_no);
	snprintf(p.out_trade_no, sizeof p.out_trade_no, "%s%s", case_no, suffix);
	p.amount_fen = fen;
	p.state = PAY_NOTPAY;
	kerr err = { 0 };
	tick(f);
	if (db_payment_record(f->db, "clerk1", &p, &err))
		fail_msg("%s", err.msg);
	p.state = (pay_state)pay_state_from_name(state);
	snprintf(p.transaction_id, sizeof p.transaction_id, "4200%s", case_no + strlen(case_no) - 4);
	p.verified = verified;
	tick(f);
	if (db_payment_record(f->db, "clerk1", &p, &err))
		fail_msg("%s", err.msg);
}

#define USCC_A "91310115MA1K3BTP2B"
#define USCC_B "91110000600037341L"

/* As an older kiosk could record it, which the store now refuses: the steps
 * up to last with the case's fee not paid (tu_legacy_sql). */
static void advance_unpaid(fx *f, const plan *p, const char *case_no, case_step last)
{
	assert_int_equal(tu_legacy_sql(f->db, "UPDATE cases SET fee_fen = 0 WHERE case_no = '%s'", case_no), 0);
	advance(f, p, case_no, last);
	assert_int_equal(tu_legacy_sql(f->db, "UPDATE cases SET fee_fen = %lld WHERE case_no = '%s'",
				       (long long)p->fee, case_no), 0);
}

/* As an older kiosk could: a paid case cancelled without its refund. */
static void cancel_paid(fx *f, const char *actor, const char *case_no, const char *why)
{
	kerr err = { 0 };
	assert_int_equal(db_case_cancel(f->db, actor, case_no, why, &err), -1); /* refused now */
	assert_int_equal(tu_legacy_sql(f->db, "UPDATE payments SET state = 'NOTPAY' WHERE out_trade_no = '%s'",
				       case_no), 0);
	assert_int_equal(db_case_cancel(f->db, actor, case_no, why, &err), 0);
	assert_int_equal(tu_legacy_sql(f->db, "UPDATE payments SET state = 'SUCCESS' WHERE out_trade_no = '%s'",
				       case_no), 0);
}

/* A blank key personalised and given its first certificate for a case. */
static void key_issued(fx *f, const char *actor, const char *case_no, const char *serial,
		       const char *cert_serial)
{
	kerr err = { 0 };
	tick(f);
	if (db_token_transition(f->db, actor, case_no, serial, TS_FORMATTED, TR_PERSONALISED, NULL,
				&err))
		fail_msg("%s", err.msg);
	cert_new c = { cert_serial, "四川测试有限公司", USCC_A, f->day, f->day + 365,
		       (const unsigned char *)"\x30\x00", 2 };
	tick(f);
	if (db_token_enroll(f->db, actor, case_no, serial, &c, TR_ENROLLED, &err))
		fail_msg("%s", err.msg);
}

static void make_day(fx *f)
{
	seeded *s = &f->s;
	kerr err = { 0 };
	long d = f->day;
	const plan pa = { f->rq, "clerk1", "四川甲有限公司", USCC_A, "赵一", 40000, DEC_ACCEPT, 0 };
	const plan pb = { f->rq, "clerk2", "四川乙有限公司", USCC_B, "钱二", 40000, DEC_ACCEPT, 0 };
	const plan pc = { f->rq, "clerk1", "四川丙有限公司", USCC_A, "孙三", 20000, DEC_RONGQUE, d + 2 };
	const plan pe = { f->rq, "clerk2", "四川丁有限公司", USCC_B, "李四", 20000, DEC_RONGQUE, d + 10 };
	const plan pr1 = { f->other, "clerk2", "成都戊有限公司", USCC_A, "周五", 0, DEC_REFUSE, 0 };
	const plan pr2 = { f->other, "clerk1", "成都己有限公司", USCC_B, "吴六", 0, DEC_REFUSE, 0 };
	const plan pg = { f->other, "clerk1", "成都庚有限公司", USCC_A, "郑七", 0, DEC_ACCEPT, 0 };
	const plan ph = { f->rq, "clerk2", "成都辛有限公司", USCC_B, "王八", 0, DEC_ACCEPT, 0 };
	const plan pi = { f->rq, "clerk1", "绵阳壬有限公司", USCC_A, "冯九", 5000, DEC_ACCEPT, 0 };
	const plan pj = { f->rq, "clerk2", "绵阳癸有限公司", USCC_B, "陈十", 8000, DEC_ACCEPT, 0 };
	const plan pk = { f->rq, "clerk1", "德阳甲有限公司", USCC_A, "褚一", 30000, DEC_ACCEPT, 0 };
	const plan pq = { f->rq, "clerk1", "德阳乙有限公司", USCC_B, "卫二", 10000, DEC_RONGQUE, d + 1 };
	const plan pp = { f->rq, "clerk1", "前日有限公司", USCC_A, "蒋三", 40000, DEC_ACCEPT, 0 };
	const plan pn = { f->other, "clerk2", "次日有限公司", USCC_B, "沈四", 0, DEC_REFUSE, 0 };

	/* D - 1: one completed case with its key */
	at(f, d - 1, 10);
	open_case(f, &pp, &s->p);
	advance(f, &pp, s->p.case_no, STEP_DECISION);
	key_issued(f, "clerk1", s->p.case_no, "SC-P", "B001");
	advance(f, &pp, s->p.case_no, STEP_TOKEN);
	order(f, s->p.case_no, "", 40000, "SUCCESS", true);
	advance(f, &pp, s->p.case_no, STEP_NONE);

	at(f, d, 9);
	/* a: completed, paid and verified: clean; its key issued */
	open_case(f, &pa, &s->a);
	advance(f, &pa, s->a.case_no, STEP_DECISION);
	key_issued(f, "clerk1", s->a.case_no, "SC-A", "A001");
	advance(f, &pa, s->a.case_no, STEP_TOKEN);
	order(f, s->a.case_no, "", 40000, "SUCCESS", true);
	advance(f, &pa, s->a.case_no, STEP_NONE);
	/* b: completed on an unverified SUCCESS: three flags */
	open_case(f, &pb, &s->b);
	advance(f, &pb, s->b.case_no, STEP_TOKEN);
	order(f, s->b.case_no, "", 40000, "SUCCESS", false);
	advance_unpaid(f, &pb, s->b.case_no, STEP_NONE);
	/* c: 容缺, slip printed, deadline D + 2 (overdue when read on D + 5) */
	open_case(f, &pc, &s->c);
	advance(f, &pc, s->c.case_no, STEP_TOKEN);
	order(f, s->c.case_no, "", 20000, "SUCCESS", true);
	advance(f, &pc, s->c.case_no, STEP_NONE);
	/* e: 容缺, slip printed, deadline D + 10 (not overdue) */
	open_case(f, &pe, &s->e);
	advance(f, &pe, s->e.case_no, STEP_TOKEN);
	order(f, s->e.case_no, "", 20000, "SUCCESS", true);
	advance(f, &pe, s->e.case_no, STEP_NONE);
	/* r1: refused, notice printed; r2: refused, notice not printed */
	open_case(f, &pr1, &s->r1);
	advance(f, &pr1, s->r1.case_no, STEP_NONE);
	open_case(f, &pr2, &s->r2);
	advance(f, &pr2, s->r2.case_no, STEP_DECISION);
	/* g: cancelled after its details */
	open_case(f, &pg, &s->g);
	advance(f, &pg, s->g.case_no, STEP_DETAILS);
	tick(f);
	assert_int_equal(db_case_cancel(f->db, "clerk1", s->g.case_no, "客户改日再来", &err), 0);
	/* h: left after its details: interrupted */
	open_case(f, &ph, &s->h);
	advance(f, &ph, s->h.case_no, STEP_DETAILS);
	/* i: payment step recorded without any order: accepted, not finished, flagged */
	open_case(f, &pi, &s->i);
	advance(f, &pi, s->i.case_no, STEP_TOKEN);
	advance_unpaid(f, &pi, s->i.case_no, STEP_PAYMENT);
	/* j: two orders paid: overpaid; its key issued */
	open_case(f, &pj, &s->j);
	advance(f, &pj, s->j.case_no, STEP_DECISION);
	key_issued(f, "clerk2", s->j.case_no, "SC-J", "A002");
	advance(f, &pj, s->j.case_no, STEP_TOKEN);
	order(f, s->j.case_no, "", 8000, "SUCCESS", true);
	order(f, s->j.case_no, "_2", 8000, "SUCCESS", true);
	advance(f, &pj, s->j.case_no, STEP_NONE);
	/* k: paid, then cancelled: money without a case */
	open_case(f, &pk, &s->k);
	advance(f, &pk, s->k.case_no, STEP_TOKEN);
	order(f, s->k.case_no, "", 30000, "SUCCESS", true);
	tick(f);
	cancel_paid(f, "sup1", s->k.case_no, "客户要求撤销");
	/* q: 容缺 paid but its slip not printed: 容缺受理, still owed, overdue */
	open_case(f, &pq, &s->q);
	advance(f, &pq, s->q.case_no, STEP_TOKEN);
	order(f, s->q.case_no, "", 10000, "SUCCESS", true);
	advance(f, &pq, s->q.case_no, STEP_PAYMENT);
	/* a blank key personalised with no case */
	tick(f);
	assert_int_equal(db_token_transition(f->db, "sup1", NULL, "SC-FREE", TS_FORMATTED,
					     TR_PERSONALISED, "备用", &err), 0);

	/* D + 1: a refusal, and a's key reported lost */
	at(f, d + 1, 9);
	open_case(f, &pn, &s->n);
	advance(f, &pn, s->n.case_no, STEP_NONE);
	tick(f);
	assert_int_equal(db_token_retire(f->db, "clerk2", s->n.case_no, "SC-A", TR_LOST, "客户遗失",
					 &err), 0);
}

static const report_case *row(const daily_report *r, const char *case_no)
{
	for (size_t i = 0; i < r->n_cases; i++)
		if (strcmp(r->cases[i].case_no, case_no) == 0)
			return &r->cases[i];
	return NULL;
}

static long count_of(const report_count *v, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].key, key) == 0)
			return v[i].n;
	return 0;
}

/* Read the view on D + 5 (what makes c and q overdue, e not). */
static void read_view(fx *f, const dayview_filter *flt, dayview *v)
{
	kerr err = { 0 };
	at(f, f->day + 5, 10);
	if (db_dayview(f->db, f->day, flt, v, &err))
		fail_msg("day view: %s", err.msg);
}

/* ---- the tests ---- */

static void test_outcome_table(void **state)
{
	(void)state;
	for (int o = 0; o < OUTCOME_COUNT; o++) {
		assert_int_equal(case_outcome_from_name(case_outcome_name((case_outcome)o)), o);
		char key[48];
		snprintf(key, sizeof key, "outcome.%s", case_outcome_name((case_outcome)o));
		assert_string_equal(case_outcome_key((case_outcome)o), key);
	}
	assert_int_equal(case_outcome_from_name("done"), -1);
	assert_int_equal(case_outcome_from_name(NULL), -1);
	assert_string_equal(case_outcome_name(OUTCOME_COUNT), "?");
	/* every status, finished or not */
	assert_int_equal(case_outcome_of(CS_OPEN, false), OUTCOME_INTERRUPTED);
	assert_int_equal(case_outcome_of(CS_ACCEPTED, false), OUTCOME_ACCEPTED);
	assert_int_equal(case_outcome_of(CS_ACCEPTED, true), OUTCOME_ACCEPTED);
	assert_int_equal(case_outcome_of(CS_RONGQUE, false), OUTCOME_RONGQUE);
	assert_int_equal(case_outcome_of(CS_RONGQUE, true), OUTCOME_RONGQUE);
	assert_int_equal(case_outcome_of(CS_REFUSED, false), OUTCOME_REFUSED);
	assert_int_equal(case_outcome_of(CS_REFUSED, true), OUTCOME_REFUSED);
	assert_int_equal(case_outcome_of(CS_COMPLETED, true), OUTCOME_COMPLETED);
	assert_int_equal(case_outcome_of(CS_CANCELLED, true), OUTCOME_CANCELLED);
	assert_int_equal(case_outcome_of(CS_CANCELLED, false), OUTCOME_CANCELLED);
	assert_string_equal(report_flag_name(RF_SUCCESS_WITHOUT_CASE), "success-without-case");
	assert_string_equal(report_flag_key(RF_NO_VERIFIED_SUCCESS), "mismatch.no_verified_success");
	assert_string_equal(timeline_kind_name(TL_MATERIAL), "material");
	assert_string_equal(timeline_kind_key(TL_AUDIT), "timeline.audit");
}

/* The unfiltered day: SQL, hand counts, and the daily report agree. */
static void test_day_counts(void **state)
{
	fx *f = *state;
	make_day(f);
	dayview v;
	read_view(f, NULL, &v);
	char where[160];
	check_against_sql(f, &v, in_day(f->day, where, sizeof where));
	const daily_report *r = &v.r;
	const seeded *s = &f->s;
	/* by hand */
	assert_int_equal(r->n_cases, 12);
	assert_int_equal(r->by_outcome[OUTCOME_COMPLETED], 3);   /* a b j */
	assert_int_equal(r->by_outcome[OUTCOME_ACCEPTED], 1);    /* i */
	assert_int_equal(r->by_outcome[OUTCOME_RONGQUE], 3);     /* c e q */
	assert_int_equal(r->by_outcome[OUTCOME_REFUSED], 2);     /* r1 r2 */
	assert_int_equal(r->by_outcome[OUTCOME_CANCELLED], 2);   /* g k */
	assert_int_equal(r->by_outcome[OUTCOME_INTERRUPTED], 1); /* h */
	assert_int_equal(count_of(r->by_clerk, r->n_by_clerk, "clerk1"), 7);
	assert_int_equal(count_of(r->by_clerk, r->n_by_clerk, "clerk2"), 5);
	assert_int_equal(count_of(r->by_service, r->n_by_service, f->rq->id), 9);
	assert_int_equal(count_of(r->by_service, r->n_by_service, f->other->id), 3);
	assert_int_equal(r->due_fen, 40000 + 40000 + 20000 + 20000 + 5000 + 8000 + 10000);
	assert_int_equal(r->paid_fen, 40000 + 20000 + 20000 + 16000 + 30000 + 10000);
	assert_int_equal(r->n_mismatches, 6); /* b x3, i, j, k */
	assert_int_equal(r->n_rongque, 3);    /* c e q */
	assert_int_equal(r->n_rongque_overdue, 2); /* c q */
	assert_int_equal(r->today, f->day + 5);

	/* each mismatch with its case, in case order */
	assert_string_equal(r->mismatches[0].case_no, s->b.case_no);
	assert_int_equal(r->mismatches[0].flag, RF_UNVERIFIED_PAID);
	assert_int_equal(r->mismatches[1].flag, RF_UNDERPAID);
	assert_int_equal(r->mismatches[1].fee_fen, 40000);
	assert_int_equal(r->mismatches[1].paid_fen, 0);
	assert_int_equal(r->mismatches[2].flag, RF_NO_VERIFIED_SUCCESS);
	assert_string_equal(r->mismatches[3].case_no, s->i.case_no);
	assert_int_equal(r->mismatches[3].flag, RF_NO_VERIFIED_SUCCESS);
	assert_string_equal(r->mismatches[4].case_no, s->j.case_no);
	assert_int_equal(r->mismatches[4].flag, RF_OVERPAID);
	assert_int_equal(r->mismatches[4].paid_fen, 16000);
	assert_string_equal(r->mismatches[5].case_no, s->k.case_no);
	assert_int_equal(r->mismatches[5].flag, RF_SUCCESS_WITHOUT_CASE);
	assert_string_equal(r->mismatches[5].out_trade_no, s->k.case_no);
	assert_int_equal(r->mismatches[5].amount_fen, 30000);

	/* the rows */
	const report_case *c = row(r, s->c.case_no);
	assert_non_null(c);
	assert_int_equal(c->outcome, OUTCOME_RONGQUE);
	assert_int_equal(c->rongque_deadline, f->day + 2);
	assert_true(c->rongque_overdue);
	c = row(r, s->e.case_no);
	assert_int_equal(c->rongque_deadline, f->day + 10);
	assert_false(c->rongque_overdue);
	c = row(r, s->q.case_no);
	assert_int_equal(c->outcome, OUTCOME_RONGQUE);
	assert_int_equal(c->status, CS_RONGQUE);
	assert_true(c->rongque_overdue);
	c = row(r, s->a.case_no);
	assert_int_equal(c->outcome, OUTCOME_COMPLETED);
	assert_int_equal(c->rongque_deadline, -1);
	assert_false(c->rongque_overdue);
	assert_string_equal(c->agent_name, "赵一");
	assert_string_equal(c->unit_name, "四川甲有限公司");
	assert_string_equal(c->uscc, USCC_A);
	assert_string_equal(c->pay_state, "SUCCESS");
	assert_int_equal(c->decision, DEC_ACCEPT);
	assert_true(c->finished);
	assert_int_equal(c->last_step, STEP_SLIP);
	c = row(r, s->r2.case_no);
	assert_int_equal(c->outcome, OUTCOME_REFUSED);
	assert_false(c->finished);
	assert_null(row(r, s->p.case_no)); /* other days */
	assert_null(row(r, s->n.case_no));

	/* refusals and their notices, in row order */
	assert_int_equal(v.n_refusals, 2);
	assert_string_equal(v.refusals[0].case_no, s->r1.case_no);
	assert_true(v.refusals[0].notice_printed);
	assert_false(v.refusals[1].notice_printed);
	assert_string_equal(r->cases[v.refusals[1].row].case_no, s->r2.case_no);
	assert_int_equal(v.refusals[0].n_notice, 2);
	const dayview_notice *n0 = &v.refusals[0].notice[0], *n1 = &v.refusals[0].notice[1];
	bool one_missing = (n0->mark == MARK_MISSING) + (n1->mark == MARK_MISSING) == 1;
	assert_true(one_missing);
	const dayview_notice *def = n0->mark == MARK_DEFECTIVE ? n0 : n1;
	const dayview_notice *mis = def == n0 ? n1 : n0;
	assert_string_equal(def->reason, "公章印迹模糊");
	assert_false(def->essential);
	assert_true(mis->essential);
	assert_string_equal(mis->reason, "");
	assert_non_null(catalog_material(f->cat, mis->material_id));

	/* key moves of D: a's and j's (registered, personalised, enrolled) and the
	 * free key (registered, personalised); not p's (D - 1), not the loss (D + 1) */
	assert_int_equal(v.n_keys, q_int(f, "SELECT count(*) FROM token_events WHERE at_ms >= %lld"
					    " AND at_ms < %lld",
					 (long long)clock_day_start_ms(f->day),
					 (long long)clock_day_start_ms(f->day + 1)));
	assert_int_equal(v.n_keys, 8);
	assert_string_equal(v.keys[0].serial, "SC-A");
	assert_int_equal(v.keys[0].from, -1);
	assert_int_equal(v.keys[0].to, TS_UNFORMATTED);
	assert_string_equal(v.keys[0].reason, "registered");
	assert_string_equal(v.keys[0].case_no, s->a.case_no);
	assert_int_equal(v.keys[2].from, TS_FORMATTED);
	assert_int_equal(v.keys[2].to, TS_ACTIVE);
	assert_string_equal(v.keys[2].actor, "clerk1");
	assert_string_equal(v.keys[7].serial, "SC-FREE");
	assert_string_equal(v.keys[7].case_no, "");
	assert_string_equal(v.keys[7].actor, "sup1");
	for (size_t i = 1; i < v.n_keys; i++)
		assert_true(v.keys[i - 1].at_ms <= v.keys[i].at_ms);

	/* the unfiltered view is the daily report */
	daily_report d;
	kerr err = { 0 };
	assert_int_equal(db_report_daily(f->db, f->day, &d, &err), 0);
	assert_int_equal(d.n_cases, r->n_cases);
	assert_memory_equal(d.by_status, r->by_status, sizeof d.by_status);
	assert_memory_equal(d.by_outcome, r->by_outcome, sizeof d.by_outcome);
	assert_int_equal(d.n_by_service, r->n_by_service);
	for (size_t i = 0; i < d.n_by_service; i++) {
		assert_string_equal(d.by_service[i].key, r->by_service[i].key);
		assert_int_equal(d.by_service[i].n, r->by_service[i].n);
	}
	assert_int_equal(d.n_by_clerk, r->n_by_clerk);
	for (size_t i = 0; i < d.n_by_clerk; i++) {
		assert_string_equal(d.by_clerk[i].key, r->by_clerk[i].key);
		assert_int_equal(d.by_clerk[i].n, r->by_clerk[i].n);
	}
	assert_int_equal(d.due_fen, r->due_fen);
	assert_int_equal(d.paid_fen, r->paid_fen);
	assert_int_equal(d.n_flagged, r->n_flagged);
	assert_int_equal(d.n_payments, r->n_payments);
	assert_int_equal(d.n_mismatches, r->n_mismatches);
	daily_report_free(&d);
	dayview_free(&v);
	assert_null(v.r.cases);
	assert_null(v.refusals);
	assert_int_equal(v.n_keys, 0);

	/* the neighbouring days against SQL too */
	for (long day = f->day - 1; day <= f->day + 1; day += 2) {
		kerr e2 = { 0 };
		assert_int_equal(db_dayview(f->db, day, NULL, &v, &e2), 0);
		check_against_sql(f, &v, in_day(day, where, sizeof where));
		assert_int_equal(v.r.n_cases, 1);
		dayview_free(&v);
	}
	/* an empty day */
	assert_int_equal(db_dayview(f->db, f->day + 3, NULL, &v, &err), 0);
	assert_int_equal(v.r.n_cases, 0);
	assert_null(v.r.cases);
	assert_int_equal(v.n_refusals + v.n_keys + v.r.n_mismatches, 0);
	dayview_free(&v);
}

/* Filters by clerk, service and outcome; counts over the rows shown. */
static void test_filters(void **state)
{
	fx *f = *state;
	make_day(f);
	const seeded *s = &f->s;
	char day[160], where[512];
	in_day(f->day, day, sizeof day);
	dayview v;

	dayview_filter flt = { .clerk_id = "clerk1" };
	read_view(f, &flt, &v);
	snprintf(where, sizeof where, "%s AND x.clerk_id = 'clerk1'", day);
	check_against_sql(f, &v, where);
	assert_int_equal(v.r.n_cases, 7);
	assert_int_equal(v.r.n_by_clerk, 1);
	/* key moves of the rows' cases only: a's three, not j's (clerk2) nor the free key */
	assert_int_equal(v.n_keys, 3);
	for (size_t i = 0; i < v.n_keys; i++)
		assert_string_equal(v.keys[i].case_no, s->a.case_no);
	dayview_free(&v);

	flt = (dayview_filter){ .service_id = f->other->id };
	read_view(f, &flt, &v);
	snprintf(where, sizeof where, "%s AND x.service_id = '%s'", day, f->other->id);
	check_against_sql(f, &v, where);
	assert_int_equal(v.r.n_cases, 3);
	assert_int_equal(v.n_keys, 0);
	dayview_free(&v);

	flt = (dayview_filter){ .outcomes = 1u << OUTCOME_REFUSED };
	read_view(f, &flt, &v);
	snprintf(where, sizeof where, "%s AND %s", day, outcome_sql[OUTCOME_REFUSED]);
	check_against_sql(f, &v, where);
	assert_int_equal(v.r.n_cases, 2);
	assert_int_equal(v.r.by_outcome[OUTCOME_REFUSED], 2);
	assert_int_equal(v.r.n_payments, 0);
	dayview_free(&v);

	/* two outcomes at once, and the orders follow their cases */
	flt = (dayview_filter){ .outcomes = (1u << OUTCOME_CANCELLED) | (1u << OUTCOME_INTERRUPTED) };
	read_view(f, &flt, &v);
	snprintf(where, sizeof where, "%s AND ((%s) OR (%s))", day, outcome_sql[OUTCOME_CANCELLED],
		 outcome_sql[OUTCOME_INTERRUPTED]);
	check_against_sql(f, &v, where);
	assert_int_equal(v.r.n_cases, 3); /* g k h */
	assert_int_equal(v.r.n_mismatches, 1); /* k */
	assert_int_equal(v.r.n_rongque_overdue, 0);
	dayview_free(&v);

	/* every filter together */
	flt = (dayview_filter){ .clerk_id = "clerk2", .service_id = f->rq->id,
				.outcomes = 1u << OUTCOME_COMPLETED };
	read_view(f, &flt, &v);
	snprintf(where, sizeof where, "%s AND x.clerk_id = 'clerk2' AND x.service_id = '%s' AND %s",
		 day, f->rq->id, outcome_sql[OUTCOME_COMPLETED]);
	check_against_sql(f, &v, where);
	assert_int_equal(v.r.n_cases, 2); /* b j */
	assert_int_equal(v.n_keys, 3);    /* j's */
	dayview_free(&v);

	/* a clerk with no cases, an unknown service: empty, not an error */
	flt = (dayview_filter){ .clerk_id = "sup1" };
	read_view(f, &flt, &v);
	assert_int_equal(v.r.n_cases, 0);
	assert_int_equal(v.n_keys, 0);
	dayview_free(&v);
	flt = (dayview_filter){ .service_id = "zz.none" };
	read_view(f, &flt, &v);
	assert_int_equal(v.r.n_cases, 0);
	dayview_free(&v);
	/* empty strings are no filter */
	flt = (dayview_filter){ .clerk_id = "", .service_id = "", .search = "" };
	read_view(f, &flt, &v);
	assert_int_equal(v.r.n_cases, 12);
	assert_int_equal(v.n_keys, 8);
	dayview_free(&v);
}

static size_t search_n(fx *f, const char *text, dayview *keep)
{
	dayview_filter flt = { .search = text };
	dayview v;
	read_view(f, &flt, &v);
	size_t n = v.r.n_cases;
	if (keep)
		*keep = v;
	else
		dayview_free(&v);
	return n;
}

static void test_search(void **state)
{
	fx *f = *state;
	make_day(f);
	const seeded *s = &f->s;
	dayview v;
	/* a whole case number, and a prefix of the day's numbers */
	assert_int_equal(search_n(f, s->r1.case_no, &v), 1);
	assert_string_equal(v.r.cases[0].case_no, s->r1.case_no);
	assert_int_equal(v.n_refusals, 1);
	dayview_free(&v);
	assert_int_equal(search_n(f, "K01-20240301-", NULL), 12);
	char prefix[40];
	snprintf(prefix, sizeof prefix, "%.*s", (int)strlen(s->a.case_no) - 1, s->a.case_no);
	assert_int_equal(search_n(f, prefix, NULL),
			 q_int(f, "SELECT count(*) FROM cases WHERE case_no LIKE '%s%%' AND day = %ld",
			       prefix, f->day));
	assert_int_equal(search_n(f, "K01-20240229-", NULL), 0); /* D - 1's number */
	/* a USCC, whole, by prefix, in lower case */
	char where[256];
	snprintf(where, sizeof where, "uscc = '%s' AND day = %ld", USCC_B, f->day);
	long long with_b = q_int(f, "SELECT count(*) FROM cases WHERE %s", where);
	assert_int_equal(with_b, 6); /* b e r2 h j q */
	assert_int_equal(search_n(f, USCC_B, NULL), with_b);
	assert_int_equal(search_n(f, "911100", NULL), with_b);
	assert_int_equal(search_n(f, "91110000600037341l", NULL), with_b);
	/* an agent, by part of the name */
	assert_int_equal(search_n(f, "赵", &v), 1);
	assert_string_equal(v.r.cases[0].case_no, s->a.case_no);
	assert_int_equal(v.n_keys, 3); /* a's key moves come with it */
	dayview_free(&v);
	assert_int_equal(search_n(f, "李四", NULL), 1);
	/* no pattern characters: % and _ are plain text */
	assert_int_equal(search_n(f, "%", NULL), 0);
	assert_int_equal(search_n(f, "_", NULL), 0);
	assert_int_equal(search_n(f, "K01%", NULL), 0);
	assert_int_equal(search_n(f, "'; DROP TABLE cases; --", NULL), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM cases"), 14);
	/* a fragment of the unit's name (issue 13: finding) */
	long long with_unit = q_int(f, "SELECT count(*) FROM cases WHERE instr(unit_name, '四川甲') > 0 AND day = %ld",
				    f->day);
	assert_true(with_unit > 0);
	assert_int_equal(search_n(f, "四川甲", NULL), with_unit);
	/* a case number's tail: its last 4 characters or more */
	const char *no = s->a.case_no;
	assert_int_equal(search_n(f, no + strlen(no) - 4, &v), 1);
	assert_string_equal(v.r.cases[0].case_no, no);
	dayview_free(&v);
	/* search with a filter */
	dayview_filter flt = { .search = USCC_B, .clerk_id = "clerk2" };
	read_view(f, &flt, &v);
	char w[512], day[160];
	snprintf(w, sizeof w, "%s AND x.uscc = '%s' AND x.clerk_id = 'clerk2'",
		 in_day(f->day, day, sizeof day), USCC_B);
	check_against_sql(f, &v, w);
	assert_true(v.r.n_cases > 0);
	dayview_free(&v);
}

static void test_bad_filters(void **state)
{
	fx *f = *state;
	make_day(f);
	kerr err = { 0 };
	dayview v;
	dayview_filter flt = { .search = "\xff\xfe" };
	assert_int_equal(db_dayview(f->db, f->day, &flt, &v, &err), -1);
	assert_string_equal(err.where, "search");
	assert_null(v.r.cases);
	assert_int_equal(v.r.n_cases, 0);
	flt = (dayview_filter){ .clerk_id = "a\nb" };
	assert_int_equal(db_dayview(f->db, f->day, &flt, &v, &err), -1);
	assert_string_equal(err.where, "clerk");
	flt = (dayview_filter){ .outcomes = 1u << OUTCOME_COUNT };
	assert_int_equal(db_dayview(f->db, f->day, &flt, &v, &err), -1);
	assert_string_equal(err.where, "outcome");
	char big[300];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	flt = (dayview_filter){ .service_id = big };
	assert_int_equal(db_dayview(f->db, f->day, &flt, &v, &err), -1);
	/* the connection is usable afterwards (no snapshot left open) */
	assert_int_equal(db_dayview(f->db, f->day, NULL, &v, &err), 0);
	assert_int_equal(v.r.n_cases, 12);
	dayview_free(&v);
	assert_int_equal(db_case_cancel(f->db, "clerk2", f->s.h.case_no, "测试", &err), 0);
}

/* The CSV of a day view: the existing columns, then outcome, agent, deadline. */
static void test_csv(void **state)
{
	fx *f = *state;
	make_day(f);
	dayview v;
	dayview_filter flt = { .outcomes = (1u << OUTCOME_RONGQUE) | (1u << OUTCOME_COMPLETED) };
	read_view(f, &flt, &v);
	char path[400];
	tu_path(path, sizeof path, f->dir, "day.csv");
	FILE *out = fopen(path, "w");
	assert_non_null(out);
	assert_int_equal(report_write_csv(out, &v.r), 0);
	assert_int_equal(fclose(out), 0);
	char *csv = tu_read_file(path, NULL);
	assert_non_null(csv);
	const char *header = "case_no,service,clerk,status,last_step,unit_name,uscc,fee_yuan,"
			     "paid_yuan,pay_state,flags,created,outcome,agent_name,"
			     "rongque_deadline,rongque_overdue,cancel_code,cancel_reason,"
			     "dup_refund_yuan,dup_refund_state,supplied,rating,rating_due,rating_resolved_by\n";
	assert_true(strncmp(csv, header, strlen(header)) == 0);
	size_t lines = 0;
	for (const char *p = csv; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 1 + v.r.n_cases);
	assert_int_equal(v.r.n_cases, 6); /* a b j, c e q */
	char want[200];
	snprintf(want, sizeof want, "%s,%s,clerk1,rongque,slip,", f->s.c.case_no, f->rq->id);
	char *line = strstr(csv, want);
	assert_non_null(line);
	assert_non_null(strstr(line, ",rongque,孙三,2024-03-03,overdue,,,,,,,,\n"));
	snprintf(want, sizeof want, "%s,", f->s.e.case_no);
	line = strstr(csv, want);
	assert_non_null(line);
	assert_non_null(strstr(line, ",rongque,李四,2024-03-11,,,,,,,,,\n"));
	snprintf(want, sizeof want, "%s,", f->s.b.case_no);
	line = strstr(csv, want);
	assert_non_null(strstr(line, ",unverified-paid underpaid no-verified-success,"));
	assert_non_null(strstr(line, ",completed,钱二,,,,,,,,,,\n"));
	assert_non_null(strstr(csv, f->s.q.case_no)); /* 容缺受理 before its slip: listed */
	assert_null(strstr(csv, f->s.h.case_no));     /* interrupted: filtered out */
	free(csv);
	dayview_free(&v);
}

static const timeline_entry *find_entry(const timeline_entry *t, size_t n, timeline_kind k,
					const char *text_part)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].kind == k && strstr(t[i].text, text_part))
			return &t[i];
	return NULL;
}

static void test_timeline(void **state)
{
	fx *f = *state;
	make_day(f);
	const seeded *s = &f->s;
	kerr err = { 0 };
	timeline_entry *t = NULL;
	size_t n = 0;
	assert_int_equal(db_case_timeline(f->db, s->a.case_no, &t, &n, &err), 0);
	/* every source is there */
	long long want = q_int(f, "SELECT count(*) FROM case_steps WHERE case_id = %lld",
			       (long long)s->a.id) +
			 q_int(f, "SELECT count(*) FROM material_decisions WHERE case_id = %lld",
			       (long long)s->a.id) +
			 q_int(f, "SELECT count(*) FROM token_events WHERE case_id = %lld",
			       (long long)s->a.id) +
			 q_int(f, "SELECT count(*) + count(revoked_ms) FROM certs WHERE case_id = %lld",
			       (long long)s->a.id) +
			 2 * q_int(f, "SELECT count(*) FROM payments WHERE case_id = %lld",
				   (long long)s->a.id) +
			 q_int(f, "SELECT count(*) FROM audit WHERE case_no = '%s'", s->a.case_no);
	assert_int_equal(n, want);
	size_t kinds[TL_COUNT] = { 0 };
	for (size_t i = 0; i < n; i++)
		kinds[t[i].kind]++;
	assert_int_equal(kinds[TL_STEP], 6);
	assert_int_equal(kinds[TL_MATERIAL], f->rq->n_materials);
	assert_int_equal(kinds[TL_KEY], 3);
	assert_int_equal(kinds[TL_CERT], 2); /* issued, and revoked when the key was lost */
	assert_int_equal(kinds[TL_PAYMENT], 2);
	assert_int_equal(kinds[TL_REFUND], 0);
	/* in time order; within a millisecond by kind, then row */
	for (size_t i = 1; i < n; i++) {
		const timeline_entry *x = &t[i - 1], *y = &t[i];
		assert_true(x->at_ms <= y->at_ms);
		if (x->at_ms == y->at_ms) {
			assert_true(x->kind <= y->kind);
			if (x->kind == y->kind)
				assert_true(x->row < y->row || (x->row == y->row && x->part < y->part));
		}
	}
	/* it starts with the opening and ends with the key lost the next day */
	assert_int_equal(t[0].kind, TL_AUDIT);
	assert_non_null(strstr(t[0].text, "case.open"));
	assert_string_equal(t[0].actor, "clerk1");
	assert_int_equal(t[n - 1].kind, TL_CERT);
	assert_string_equal(t[n - 1].text, "certificate A001 revoked (lost)");
	assert_string_equal(t[n - 1].actor, "clerk2");
	assert_int_equal(clock_local_day(t[n - 1].at_ms), f->day + 1);
	/* the steps in order, each before the audit row written with it */
	const timeline_entry *mat_step = find_entry(t, n, TL_STEP, "materials: ");
	assert_non_null(mat_step);
	assert_string_equal(mat_step->actor, "clerk1");
	const timeline_entry *mat = &mat_step[1];
	assert_int_equal(mat->kind, TL_MATERIAL);
	assert_int_equal(mat->at_ms, mat_step->at_ms);
	assert_string_equal(mat->actor, "clerk1");
	char first[128];
	snprintf(first, sizeof first, "%s received", f->rq->materials[0].material->id);
	assert_true(strncmp(mat->text, first, strlen(first)) == 0);
	const timeline_entry *mat_audit = &mat_step[1 + f->rq->n_materials];
	assert_int_equal(mat_audit->kind, TL_AUDIT);
	assert_non_null(strstr(mat_audit->text, "case.materials"));
	assert_true(find_entry(t, n, TL_STEP, "details: ") < mat_step);
	assert_true(find_entry(t, n, TL_STEP, "slip") > find_entry(t, n, TL_STEP, "payment"));
	/* key, certificate and payment lines */
	assert_non_null(find_entry(t, n, TL_KEY, "key SC-A entered as UNFORMATTED (registered)"));
	assert_non_null(find_entry(t, n, TL_KEY, "key SC-A FORMATTED -> ACTIVE (enrolled)"));
	const timeline_entry *e = find_entry(t, n, TL_CERT, "issued");
	assert_non_null(e);
	assert_string_equal(e->text, "certificate A001 issued on key SC-A for 四川测试有限公司 ("
				     USCC_A "), valid 2024-03-01 to 2025-03-01");
	assert_string_equal(e->actor, "clerk1");
	e = find_entry(t, n, TL_PAYMENT, "created");
	assert_non_null(e);
	char text[200];
	snprintf(text, sizeof text, "order %s of 400.00 yuan created", s->a.case_no);
	assert_string_equal(e->text, text);
	assert_string_equal(e->actor, "clerk1");
	e = find_entry(t, n, TL_PAYMENT, ": SUCCESS, verified, transaction 4200");
	assert_non_null(e);
	assert_int_equal(e->part, 1);
	/* one line each, no control characters */
	for (size_t i = 0; i < n; i++)
		for (const char *p = t[i].text; *p; p++)
			assert_true((unsigned char)*p >= 0x20);
	free(t);

	/* b: its unverified order says so */
	assert_int_equal(db_case_timeline(f->db, s->b.case_no, &t, &n, &err), 0);
	assert_non_null(find_entry(t, n, TL_PAYMENT, "SUCCESS, NOT verified"));
	assert_null(find_entry(t, n, TL_KEY, "SC-"));
	free(t);

	/* k: cancelled by the supervisor, refunded (maker and checker) */
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "INSERT INTO refunds (case_id, payment_id, out_refund_no, amount_fen, reason,"
		 " requested_by, approved_by, state, refund_id, created_ms, updated_ms) SELECT"
		 " case_id, id, 'R' || out_trade_no, amount_fen, '客户撤销', 'sup1', 'sup2',"
		 " 'SUCCESS', '50300000001', %lld, %lld FROM payments WHERE out_trade_no = '%s'",
		 (long long)(clock_day_start_ms(f->day + 2) + 3600000),
		 (long long)(clock_day_start_ms(f->day + 2) + 7200000), s->k.case_no);
	assert_int_equal(sqlite3_exec(f->raw, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(db_case_timeline(f->db, s->k.case_no, &t, &n, &err), 0);
	e = find_entry(t, n, TL_AUDIT, "case.cancel");
	assert_non_null(e);
	assert_string_equal(e->actor, "sup1");
	e = find_entry(t, n, TL_REFUND, "requested");
	assert_non_null(e);
	assert_string_equal(e->actor, "sup1");
	snprintf(text, sizeof text, "refund R%s of 300.00 yuan on order %s requested by sup1, "
				    "approved by sup2: 客户撤销", s->k.case_no, s->k.case_no);
	assert_string_equal(e->text, text);
	assert_ptr_equal(e, &t[n - 2]);
	assert_string_equal(t[n - 1].text + strlen(t[n - 1].text) - 30,
			    "SUCCESS, refund id 50300000001");
	free(t);

	/* r1: the materials with their marks and the defect's reason */
	assert_int_equal(db_case_timeline(f->db, s->r1.case_no, &t, &n, &err), 0);
	e = find_entry(t, n, TL_MATERIAL, "defective");
	assert_non_null(e);
	assert_non_null(strstr(e->text, ": 公章印迹模糊"));
	assert_non_null(find_entry(t, n, TL_MATERIAL, "missing (essential)"));
	free(t);

	/* an unknown case: 1, nothing allocated; bad numbers: errors */
	timeline_entry dummy;
	t = &dummy; /* must be reset */
	n = 99;
	assert_int_equal(db_case_timeline(f->db, "K01-20240301-0999", &t, &n, &err), 1);
	assert_null(t);
	assert_int_equal(n, 0);
	assert_int_equal(db_case_timeline(f->db, "", &t, &n, &err), -1);
	assert_null(t);
	assert_int_equal(db_case_timeline(f->db, NULL, &t, &n, &err), -1);
	char longno[80];
	memset(longno, '9', sizeof longno - 1);
	longno[sizeof longno - 1] = '\0';
	assert_int_equal(db_case_timeline(f->db, longno, &t, &n, &err), -1);
	assert_non_null(strstr(err.msg, "cannot be a case number"));
	assert_int_equal(db_case_timeline(f->db, "K01-\xff", &t, &n, &err), -1);
	/* the store still writes afterwards: nothing held open */
	assert_int_equal(db_case_cancel(f->db, "clerk2", s->h.case_no, "测试", &err), 0);
}

static void test_range(void **state)
{
	fx *f = *state;
	make_day(f);
	kerr err = { 0 };
	at(f, f->day + 5, 10);
	range_report rr;
	assert_int_equal(db_report_range(f->db, f->day - 2, f->day + 2, &rr, &err), 0);
	assert_int_equal(rr.n_days, 5);
	assert_int_equal(rr.total.day, -1);
	range_day sum = { 0 };
	for (size_t i = 0; i < rr.n_days; i++) {
		const range_day *d = &rr.days[i];
		assert_int_equal(d->day, f->day - 2 + (long)i);
		dayview v;
		assert_int_equal(db_dayview(f->db, d->day, NULL, &v, &err), 0);
		assert_int_equal(d->cases, v.r.n_cases);
		assert_memory_equal(d->by_outcome, v.r.by_outcome, sizeof d->by_outcome);
		assert_int_equal(d->due_fen, v.r.due_fen);
		assert_int_equal(d->paid_fen, v.r.paid_fen);
		assert_int_equal(d->mismatches, v.r.n_mismatches);
		dayview_free(&v);
		sum.cases += d->cases;
		for (int o = 0; o < OUTCOME_COUNT; o++)
			sum.by_outcome[o] += d->by_outcome[o];
		sum.due_fen += d->due_fen;
		sum.paid_fen += d->paid_fen;
		sum.mismatches += d->mismatches;
	}
	assert_int_equal(rr.total.cases, sum.cases);
	assert_memory_equal(rr.total.by_outcome, sum.by_outcome, sizeof sum.by_outcome);
	assert_int_equal(rr.total.due_fen, sum.due_fen);
	assert_int_equal(rr.total.paid_fen, sum.paid_fen);
	assert_int_equal(rr.total.mismatches, sum.mismatches);
	/* and against SQL over the whole span */
	char span[200];
	snprintf(span, sizeof span, "x.created_ms >= %lld AND x.created_ms < %lld",
		 (long long)clock_day_start_ms(f->day - 2), (long long)clock_day_start_ms(f->day + 3));
	assert_int_equal(rr.total.cases, q_int(f, "SELECT count(*) FROM cases x WHERE %s", span));
	assert_int_equal(rr.total.cases, 14);
	assert_int_equal(rr.total.by_outcome[OUTCOME_REFUSED], 3);
	assert_int_equal(rr.total.due_fen,
			 q_int(f, "SELECT SUM(fee_fen) FROM cases x WHERE %s AND"
				  " x.status IN ('accepted', 'rongque', 'completed')", span));
	assert_int_equal(rr.total.mismatches, sql_mismatches(f, span));
	assert_int_equal(rr.days[0].cases, 0);
	assert_int_equal(rr.days[1].cases, 1);
	assert_int_equal(rr.days[2].cases, 12);
	assert_int_equal(rr.days[3].cases, 1);

	/* as CSV: header, a line per day, the total */
	char path[400];
	tu_path(path, sizeof path, f->dir, "range.csv");
	FILE *out = fopen(path, "w");
	assert_non_null(out);
	assert_int_equal(report_write_range_csv(out, &rr), 0);
	fclose(out);
	char *csv = tu_read_file(path, NULL);
	assert_non_null(csv);
	assert_non_null(strstr(csv, "day,cases,completed,accepted,rongque,refused,cancelled,"
				    "interrupted,due_yuan,paid_yuan,mismatches\n"));
	assert_non_null(strstr(csv, "\n2024-03-01,12,3,1,3,2,2,1,1430.00,1360.00,6\n"));
	assert_non_null(strstr(csv, "\n2024-02-28,0,0,0,0,0,0,0,0.00,0.00,0\n"));
	assert_non_null(strstr(csv, "\ntotal,14,"));
	free(csv);
	range_report_free(&rr);
	assert_null(rr.days);

	/* one day, a leap year of 366 days; then the refusals */
	assert_int_equal(db_report_range(f->db, f->day, f->day, &rr, &err), 0);
	assert_int_equal(rr.n_days, 1);
	assert_int_equal(rr.total.cases, 12);
	range_report_free(&rr);
	long y0 = civil_from_ymd(2024, 1, 1);
	assert_int_equal(db_report_range(f->db, y0, y0 + 365, &rr, &err), 0);
	assert_int_equal(rr.n_days, 366);
	assert_int_equal(rr.total.cases, 14);
	range_report_free(&rr);
	assert_int_equal(db_report_range(f->db, y0, y0 + 366, &rr, &err), -1);
	assert_non_null(strstr(err.msg, "367 days"));
	assert_null(rr.days);
	assert_int_equal(db_report_range(f->db, f->day, f->day - 1, &rr, &err), -1);
	assert_non_null(strstr(err.msg, "comes before"));
	assert_null(rr.days);
	assert_int_equal(rr.n_days, 0);
	/* nothing held open */
	assert_int_equal(db_case_cancel(f->db, "clerk2", f->s.h.case_no, "测试", &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outcome_table),
		cmocka_unit_test_setup_teardown(test_day_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_range, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
