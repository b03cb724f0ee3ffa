/* Repositories on a real file, with the shipped catalog: staff (PIN only as a
 * hash, never in the audit log; wrong PINs and the growing waits, a storm
 * capped at a minute, unknown ids), cases (numbering per kiosk and Shanghai day, steps in order, out of
 * order / repeated / after the end refused with nothing written, the step and
 * its audit row rolled back together, material and decision rules, refusal,
 * 容缺, approval, cancel, the open list), every catalog service walked to its
 * end, payments (create, poll, pay, refund, what money forbids, the code_url
 * kept across records that do not carry it), the daily
 * report against direct SQL, and the report on a year of data (no full scan)
 * without a full scan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/case/casefsm.h"
#include "core/case/catalog.h"
#include "core/base/clock.h"
#include "core/base/civil.h"
#include "db/repo/case_repo.h"
#include "db/db.h"
#include "db/store.h" /* the report's cached statement, for its scan counters */
#include "db/repo/payment_repo.h"
#include "db/report/report.h"
#include "db/repo/staff_repo.h"
#include "tests/unit/testutil.h"
#include "tests/unit/testdb.h"

/* 2024-03-01 08:00 +08:00; civil day 19783 */
#define T0 1709251200000LL

/* The detail of the last audit row an operation wrote itself (the row after
 * it, when it wrote table rows, is their ledger.bind). */
#define LAST_OWN_DETAIL \
	"SELECT detail FROM audit WHERE action <> 'ledger.bind' ORDER BY seq DESC LIMIT 1"
#define MIN_MS (60 * 1000LL)
#define PIN_CLERK "864209"
#define PIN_SUP "753186"

typedef struct fx {
	char dir[256];
	char path[320];
	kdb *db;
	sqlite3 *raw; /* a second connection for direct SQL */
	catalog *cat;
	const service *svc_rq;   /* fees, token, 容缺 allowed, essential + non-essential materials */
	const service *svc_appr; /* needs a supervisor's approval */
	const service *svc_norq; /* no 容缺 */
} fx;

static bool has_both_kinds(const service *s)
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

/* The staff are added once (scrypt is slow on purpose) into a template file
 * that each test copies with db_backup(). */
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
		 db_staff_add(db, "system", "clerk2", "李四", ROLE_CLERK, PIN_CLERK, &err) ||
		 db_staff_add(db, "system", "sup1", "王五", ROLE_SUPERVISOR, PIN_SUP, &err);
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
	kerr err = { 0 };
	f->cat = catalog_load(KIOSK_CONFIG_DIR, &err);
	if (!f->cat) {
		fprintf(stderr, "catalog: %s: %s\n", err.where, err.msg);
		return -1;
	}
	for (size_t i = 0; i < f->cat->n_services; i++) {
		const service *s = &f->cat->services[i];
		if (!f->svc_rq && s->rongque_allowed && s->fee_items && s->n_token_ops &&
		    has_both_kinds(s))
			f->svc_rq = s;
		if (!f->svc_appr && s->approval_required)
			f->svc_appr = s;
		if (!f->svc_norq && !s->rongque_allowed && has_both_kinds(s))
			f->svc_norq = s;
	}
	if (!f->svc_rq || !f->svc_appr || !f->svc_norq) {
		fprintf(stderr, "the shipped catalog lacks a service this test needs\n");
		return -1;
	}
	if (tu_db_copy(template_path, f->path, "K01", &f->db, &f->raw))
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

static long long q_int(fx *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static long long q_int(fx *f, const char *fmt, ...)
{
	char sql[1024];
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

/* Text result into buf. */
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

/* Everything a failed call must leave untouched, as one string. */
static char *snapshot(fx *f)
{
	char *buf = malloc(65536);
	assert_non_null(buf);
	q_text(f, buf, 65536,
	       "SELECT (SELECT seq || ':' || hex(hash) FROM audit_head) || '|' ||"
	       " (SELECT count(*) FROM case_steps) || '|' ||"
	       " (SELECT count(*) FROM material_decisions) || '|' ||"
	       " (SELECT count(*) FROM payments) || '|' ||"
	       " (SELECT coalesce(group_concat(p.state || p.verified || p.transaction_id), '')"
	       "  FROM payments p) || '|' ||"
	       " (SELECT group_concat(id || last_step || status || decision || finished ||"
	       "  updated_ms || unit_name || fee_fen || coalesce(rongque_deadline, '-'), ';')"
	       "  FROM cases) || '|' ||"
	       " (SELECT group_concat(id || failures || locked_until_ms, ';') FROM staff)");
	return buf;
}

static void assert_unchanged(fx *f, char *before)
{
	char *after = snapshot(f);
	assert_string_equal(after, before);
	free(after);
	free(before);
}

/* ---- staff ---- */

static void test_staff_add_get(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	staff_rec s;
	assert_int_equal(db_staff_get(f->db, "clerk1", &s, &err), 0);
	assert_string_equal(s.id, "clerk1");
	assert_string_equal(s.name, "张三");
	assert_int_equal(s.role, ROLE_CLERK);
	assert_int_equal(s.failures, 0);
	assert_int_equal(s.locked_until_ms, 0);
	assert_true(s.active);
	assert_int_equal(db_staff_get(f->db, "sup1", &s, &err), 0);
	assert_int_equal(s.role, ROLE_SUPERVISOR);
	assert_int_equal(db_staff_get(f->db, "nobody", &s, &err), 1);

	char *before = snapshot(f);
	char long_id[40], long_name[200] = "";
	memset(long_id, 'a', 33);
	long_id[33] = '\0';
	for (int i = 0; i < 33; i++)
		strcat(long_name, "名");
	assert_int_equal(db_staff_add(f->db, "system", "a b", "N", ROLE_CLERK, PIN_CLERK, &err), -1);
	assert_non_null(strstr(err.msg, "not a valid staff id"));
	assert_int_equal(db_staff_add(f->db, "system", "", "N", ROLE_CLERK, PIN_CLERK, &err), -1);
	assert_int_equal(db_staff_add(f->db, "system", long_id, "N", ROLE_CLERK, PIN_CLERK, &err), -1);
	assert_int_equal(db_staff_add(f->db, "system", "x1", "", ROLE_CLERK, PIN_CLERK, &err), -1);
	assert_int_equal(db_staff_add(f->db, "system", "x1", long_name, ROLE_CLERK, PIN_CLERK, &err),
			 -1);
	assert_int_equal(db_staff_add(f->db, "system", "x1", "a\tb", ROLE_CLERK, PIN_CLERK, &err), -1);
	assert_int_equal(db_staff_add(f->db, "system", "x1", "\xff\xfe", ROLE_CLERK, PIN_CLERK, &err),
			 -1);
	/* a name that shows as another is refused, the character named */
	assert_int_equal(db_staff_add(f->db, "system", "x1", "王\u202E五", ROLE_CLERK, PIN_CLERK, &err),
			 -1);
	assert_string_equal(err.where, "staff name");
	assert_non_null(strstr(err.msg, "U+202E RIGHT-TO-LEFT OVERRIDE at character 2"));
	assert_int_equal(db_staff_add(f->db, "system", "x1", "王五\u200B", ROLE_CLERK, PIN_CLERK, &err),
			 -1);
	assert_non_null(strstr(err.msg, "U+200B ZERO WIDTH SPACE at character 3"));
	assert_int_equal(db_staff_add(f->db, "system", "x1", "王\xC2\x85五", ROLE_CLERK, PIN_CLERK, &err),
			 -1);
	assert_non_null(strstr(err.msg, "U+0085 a control character"));
	assert_int_equal(db_staff_add(f->db, "system", "x1", "N", ROLE_COUNT, PIN_CLERK, &err), -1);
	assert_int_equal(db_staff_add(f->db, "system", "x1", "N", ROLE_CLERK, "123", &err), -1);
	assert_non_null(strstr(err.msg, "PIN"));
	assert_int_equal(db_staff_add(f->db, "system", "x1", "N", ROLE_CLERK, "12ab56", &err), -1);
	assert_int_equal(db_staff_add(f->db, "system", "x1", "N", ROLE_CLERK, NULL, &err), -1);
	assert_int_equal(db_staff_add(f->db, "", "x1", "N", ROLE_CLERK, PIN_CLERK, &err), -1);
	assert_int_equal(db_staff_add(f->db, "system", "clerk1", "N", ROLE_CLERK, PIN_CLERK, &err), -1);
	assert_non_null(strstr(err.msg, "already exists"));
	/* the PINs a guesser tries first */
	assert_int_equal(db_staff_add(f->db, "system", "x1", "N", ROLE_CLERK, "123456", &err), -1);
	assert_non_null(strstr(err.msg, "pin.sequence"));
	assert_int_equal(db_staff_add(f->db, "system", "x1", "N", ROLE_CLERK, "654321", &err), -1);
	assert_non_null(strstr(err.msg, "pin.sequence"));
	assert_int_equal(db_staff_add(f->db, "system", "x1", "N", ROLE_CLERK, "121212", &err), -1);
	assert_non_null(strstr(err.msg, "pin.repeated"));
	assert_unchanged(f, before);

	/* 32 characters of Chinese is a valid name */
	long_name[strlen(long_name) - 3] = '\0';
	long_id[32] = '\0';
	assert_int_equal(db_staff_add(f->db, "sup1", long_id, long_name, ROLE_TRAINER, "12345678",
				      &err),
			 -1);
	assert_non_null(strstr(err.msg, "too simple"));
	if (db_staff_add(f->db, "sup1", long_id, long_name, ROLE_TRAINER, "24681357", &err))
		fail_msg("%s: %s", err.where, err.msg);
	assert_int_equal(db_staff_get(f->db, long_id, &s, &err), 0);
	assert_string_equal(s.name, long_name);
	assert_int_equal(s.role, ROLE_TRAINER);

	/* the PIN is stored as a scrypt string, and appears nowhere */
	assert_int_equal(q_int(f, "SELECT count(*) FROM staff WHERE pin_hash LIKE 'scrypt$%%'"), 4);
	assert_int_equal(q_int(f, "SELECT count(*) FROM staff WHERE instr(pin_hash, '%s') > 0",
			       PIN_CLERK),
			 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit WHERE instr(detail, '%s') > 0 OR"
				  " instr(detail, '12345678') > 0", PIN_CLERK),
			 0);
	char buf[512];
	q_text(f, buf, sizeof buf,
	       "SELECT actor || ' ' || detail FROM audit WHERE action = 'staff.add'"
	       " ORDER BY seq LIMIT 1");
	assert_string_equal(buf, "system {\"id\":\"clerk1\",\"name\":\"张三\",\"role\":\"clerk\"}");
}

static login_result login(fx *f, const char *id, const char *pin, staff_rec *s, int *left)
{
	kerr err = { 0 };
	login_result r = db_staff_login(f->db, id, pin, 3, 60, s, left, &err);
	if (r == LOGIN_ERROR)
		fail_msg("login error: %s", err.msg);
	return r;
}

/* Wrong PINs make the id wait instead of locking it for long: from the third
 * in a row (max_failures 3) 1 s, 2 s, 4 s ... capped at 60 s (max_wait_s). */
static void test_login_lock_unlock(void **state)
{
	fx *f = *state;
	staff_rec s;
	int left = -1;
	assert_int_equal(login(f, "clerk1", PIN_CLERK, &s, &left), LOGIN_OK);
	assert_string_equal(s.name, "张三");
	assert_int_equal(s.failures, 0);

	/* two wrong, then right: the count starts again */
	assert_int_equal(login(f, "clerk1", "000000", &s, &left), LOGIN_BAD_PIN);
	assert_int_equal(left, 2);
	assert_int_equal(s.failures, 1);
	assert_int_equal(s.locked_until_ms, 0);
	assert_int_equal(login(f, "clerk1", "000001", &s, &left), LOGIN_BAD_PIN);
	assert_int_equal(left, 1);
	assert_int_equal(login(f, "clerk1", PIN_CLERK, &s, &left), LOGIN_OK);
	assert_int_equal(s.failures, 0);
	assert_int_equal(login(f, "clerk1", "000002", &s, &left), LOGIN_BAD_PIN);
	assert_int_equal(left, 2);

	/* the third in a row makes the id wait 1 s */
	clock_set_fixed(T0 + 1000);
	assert_int_equal(login(f, "clerk1", "000003", &s, &left), LOGIN_BAD_PIN);
	assert_int_equal(left, 1);
	assert_int_equal(login(f, "clerk1", "000004", &s, &left), LOGIN_BAD_PIN);
	assert_int_equal(left, 0);
	assert_int_equal(s.failures, 3);
	assert_int_equal(s.locked_until_ms, T0 + 2000);
	staff_rec g;
	kerr err = { 0 };
	assert_int_equal(db_staff_get(f->db, "clerk1", &g, &err), 0);
	assert_int_equal(g.failures, 3);
	assert_int_equal(g.locked_until_ms, T0 + 2000);

	/* waiting: even the right PIN is refused, and nothing is counted */
	clock_set_fixed(T0 + 1999);
	assert_int_equal(login(f, "clerk1", PIN_CLERK, &s, &left), LOGIN_LOCKED);
	assert_int_equal(s.locked_until_ms, T0 + 2000);
	assert_int_equal(db_staff_get(f->db, "clerk1", &g, &err), 0);
	assert_int_equal(g.failures, 3);
	assert_int_equal(g.locked_until_ms, T0 + 2000);

	/* at the end of the wait the count goes on: the next wrong PIN waits
	 * 2 s, the one after 4 s; then the right PIN */
	clock_set_fixed(T0 + 2000);
	assert_int_equal(login(f, "clerk1", "000005", &s, &left), LOGIN_BAD_PIN);
	assert_int_equal(left, 0);
	assert_int_equal(s.failures, 4);
	assert_int_equal(s.locked_until_ms, T0 + 4000);
	clock_set_fixed(T0 + 4000);
	assert_int_equal(login(f, "clerk1", "000006", &s, &left), LOGIN_BAD_PIN);
	assert_int_equal(s.locked_until_ms, T0 + 8000);
	clock_set_fixed(T0 + 8000);
	assert_int_equal(login(f, "clerk1", PIN_CLERK, &s, &left), LOGIN_OK);
	assert_int_equal(db_staff_get(f->db, "clerk1", &g, &err), 0);
	assert_int_equal(g.failures, 0);
	assert_int_equal(g.locked_until_ms, 0);

	/* a storm: a wrong PIN the moment each wait ends, and more in between.
	 * The waits double to 60 s and never pass it; a try inside a wait is
	 * refused unchecked and does not make it longer; the right PIN passes
	 * at the end of the last wait. */
	int64_t t = T0 + 10 * MIN_MS;
	int64_t longest = 0;
	for (int i = 1; i <= 40; i++) {
		clock_set_fixed(t);
		assert_int_equal(login(f, "clerk1", "999999", &s, &left), LOGIN_BAD_PIN);
		assert_int_equal(s.failures, i);
		int64_t wait = s.locked_until_ms ? s.locked_until_ms - t : 0;
		int64_t want = i < 3 ? 0 : i - 3 < 6 ? 1000LL << (i - 3) : 60000;
		assert_int_equal(wait, want);
		if (wait) {
			clock_set_fixed(t + wait - 1);
			assert_int_equal(login(f, "clerk1", "999998", &s, &left), LOGIN_LOCKED);
			assert_int_equal(s.locked_until_ms, t + wait);
		}
		longest = wait > longest ? wait : longest;
		t += wait;
	}
	assert_int_equal(longest, 60000);
	clock_set_fixed(t);
	assert_int_equal(login(f, "clerk1", PIN_CLERK, &s, &left), LOGIN_OK);

	/* one member's wait is not another's */
	assert_int_equal(login(f, "clerk2", PIN_CLERK, &s, &left), LOGIN_OK);

	/* unknown ids */
	assert_int_equal(login(f, "ghost", PIN_CLERK, &s, &left), LOGIN_UNKNOWN);
	assert_int_equal(login(f, "135790", PIN_CLERK, &s, &left), LOGIN_UNKNOWN);
	assert_int_equal(login(f, "", "", &s, &left), LOGIN_UNKNOWN);
	assert_int_equal(db_staff_login(f->db, "clerk1", PIN_CLERK, 0, 60, &s, &left, &err),
			 LOGIN_ERROR);
	assert_int_equal(db_staff_login(f->db, "clerk1", PIN_CLERK, 3, 0, &s, &left, &err),
			 LOGIN_ERROR);

	assert_int_equal(db_staff_logout(f->db, "clerk1", &err), 0);
	assert_int_equal(db_staff_logout(f->db, "ghost", &err), -1);

	/* the audit trail of clerk1, in order, up to the storm; then the storm's
	 * 40 wrong PINs, 38 waits and 38 tries refused in them */
	char buf[2048];
	q_text(f, buf, sizeof buf,
	       "SELECT group_concat(action, ' ') FROM (SELECT action FROM audit"
	       " WHERE actor = 'clerk1' AND action <> 'ledger.bind' ORDER BY seq LIMIT 14)");
	assert_string_equal(buf, "staff.login staff.login_failed staff.login_failed staff.login "
				 "staff.login_failed staff.login_failed staff.login_failed "
				 "staff.locked staff.login_failed staff.login_failed staff.locked "
				 "staff.login_failed staff.locked staff.login");
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit WHERE actor = 'clerk1' AND"
				  " action = 'staff.locked'"),
			 3 + 38);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit WHERE actor = 'clerk1' AND"
				  " detail LIKE '{\"reason\":\"wrong PIN\"%%'"),
			 7 + 40);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit WHERE actor = 'clerk1' AND"
				  " detail LIKE '{\"reason\":\"locked\"%%'"),
			 1 + 38);
	q_text(f, buf, sizeof buf,
	       "SELECT detail FROM audit WHERE action = 'staff.locked' ORDER BY seq LIMIT 1");
	char want[128];
	snprintf(want, sizeof want, "{\"failures\":3,\"locked_until_ms\":%lld}", T0 + 2000);
	assert_string_equal(buf, want);
	q_text(f, buf, sizeof buf,
	       "SELECT group_concat(detail, ' ') FROM (SELECT detail FROM audit"
	       " WHERE actor = 'system' AND action = 'staff.login_failed' ORDER BY seq)");
	assert_string_equal(buf, "{\"id\":\"ghost\",\"reason\":\"unknown id\"} "
				 "{\"id\":\"(digits only, not shown)\",\"reason\":\"unknown id\"} "
				 "{\"id\":\"(not a valid id)\",\"reason\":\"unknown id\"}");
	/* no PIN that was typed, right or wrong, is anywhere in the log */
	const char *typed[] = { PIN_CLERK, "000000", "000003", "999999", "135790" };
	for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++)
		assert_int_equal(q_int(f, "SELECT count(*) FROM audit WHERE instr(detail, '%s') > 0"
					  " OR instr(actor, '%s') > 0",
				       typed[i], typed[i]),
				 0);
	audit_verify_result res;
	assert_int_equal(db_audit_verify(f->db, &res, &err), 0);
}

/* ---- cases ---- */

static case_rec party(int64_t fee)
{
	case_rec d;
	memset(&d, 0, sizeof d);
	party_set(&d.party, PF_UNIT_NAME, "四川测试有限公司");
	party_set(&d.party, PF_USCC, "91310115MA1K3BTP2B");
	party_set(&d.party, PF_AGENT_NAME, "李四");
	party_set(&d.party, PF_AGENT_ID_NO, "110102199101010078");
	party_set(&d.party, PF_AGENT_MOBILE, "13800138000");
	snprintf(d.holder, sizeof d.holder, "unit");
	d.years = 1;
	d.seals = 1;
	d.fee_fen = fee;
	return d;
}

/* All received, except material `bad` (index into svc) marked as given. */
static void marks_for(const service *svc, material_decision *md, size_t bad, material_mark mark,
		      const char *reason)
{
	for (size_t i = 0; i < svc->n_materials; i++) {
		md[i].material_id = svc->materials[i].material->id;
		md[i].mark = MARK_RECEIVED;
		md[i].reason = "";
		md[i].essential = svc->materials[i].essential;
		if (i == bad) {
			md[i].mark = mark;
			md[i].reason = reason;
		}
	}
}

static size_t first_material(const service *svc, bool essential)
{
	for (size_t i = 0; i < svc->n_materials; i++)
		if (svc->materials[i].essential == essential)
			return i;
	return (size_t)-1;
}

static int step(fx *f, const service *svc, const char *actor, const char *case_no, case_step s,
		const case_step_data *d, kerr *err)
{
	return db_case_step(f->db, svc, actor, case_no, s, d, err);
}

static void step_ok(fx *f, const service *svc, const char *case_no, case_step s,
		    const case_step_data *d)
{
	kerr err = { 0 };
	if (step(f, svc, s == STEP_APPROVAL ? "sup1" : "clerk1", case_no, s, d, &err))
		fail_msg("step %s of %s: %s: %s", case_step_name(s), case_no, err.where, err.msg);
}

/* Walk a case from details through the decision (all received, accepted). */
static void to_decision(fx *f, const service *svc, const char *case_no, int64_t fee,
			case_decision dec)
{
	case_rec d = party(fee);
	case_step_data sd = { .details = &d };
	step_ok(f, svc, case_no, STEP_DETAILS, &sd);
	material_decision md[16];
	marks_for(svc, md, (size_t)-1, MARK_RECEIVED, NULL);
	sd = (case_step_data){ .materials = md, .n_materials = svc->n_materials };
	step_ok(f, svc, case_no, STEP_MATERIALS, &sd);
	sd = (case_step_data){ .decision = dec };
	step_ok(f, svc, case_no, STEP_DECISION, &sd);
}

/* The case's fee paid as the kiosk records it: an order NOTPAY, then a
 * verified SUCCESS with its transaction id (the store takes the payment step
 * on nothing less). */
static void pay_fee(fx *f, const case_rec *c)
{
	kerr err = { 0 };
	payment_rec p;
	memset(&p, 0, sizeof p);
	snprintf(p.case_no, sizeof p.case_no, "%s", c->case_no);
	snprintf(p.out_trade_no, sizeof p.out_trade_no, "%.30sP", c->case_no);
	p.amount_fen = c->fee_fen;
	p.state = PAY_NOTPAY;
	if (db_payment_record(f->db, "clerk1", &p, &err))
		fail_msg("order: %s", err.msg);
	p.state = PAY_SUCCESS;
	p.verified = true;
	snprintf(p.transaction_id, sizeof p.transaction_id, "4200000000%s", c->case_no + strlen(c->case_no) - 4);
	if (db_payment_record(f->db, "clerk1", &p, &err))
		fail_msg("paid: %s", err.msg);
}

/* Every remaining step, with a short free-text detail; the case's fee paid
 * first when nothing paid it. */
static void to_end(fx *f, const service *svc, const char *case_no)
{
	kerr err = { 0 };
	case_rec c;
	for (;;) {
		assert_int_equal(db_case_get(f->db, case_no, &c, &err), 0);
		case_step next = case_next_step(svc, c.last_step, c.decision);
		if (next == STEP_NONE)
			break;
		if (next == STEP_PAYMENT && c.fee_fen > 0 &&
		    !q_int(f, "SELECT count(*) FROM payments WHERE case_id = %lld AND state = 'SUCCESS'"
			      " AND verified = 1 AND amount_fen = %lld", (long long)c.id, (long long)c.fee_fen))
			pay_fee(f, &c);
		char detail[64];
		snprintf(detail, sizeof detail, "{\"step\":\"%s\"}", case_step_name(next));
		case_step_data sd = { .detail = detail };
		step_ok(f, svc, case_no, next, &sd);
	}
}

static void open_case(fx *f, const service *svc, const char *clerk, case_rec *c)
{
	kerr err = { 0 };
	if (db_case_open(f->db, svc, clerk, c, &err))
		fail_msg("open: %s", err.msg);
}

static void test_case_numbers(void **state)
{
	fx *f = *state;
	case_rec c;
	open_case(f, f->svc_rq, "clerk1", &c);
	assert_string_equal(c.case_no, "K01-20240301-0001");
	assert_int_equal(c.status, CS_OPEN);
	assert_int_equal(c.last_step, STEP_NONE);
	assert_int_equal(c.decision, DEC_NONE);
	assert_int_equal(c.rongque_deadline, -1);
	assert_int_equal(c.created_ms, T0);
	assert_string_equal(c.service_id, f->svc_rq->id);
	assert_string_equal(c.clerk_id, "clerk1");
	open_case(f, f->svc_appr, "clerk2", &c);
	assert_string_equal(c.case_no, "K01-20240301-0002");
	/* the last millisecond of the Shanghai day, 15:59:59.999 UTC */
	clock_set_fixed(clock_day_start_ms(civil_from_ymd(2024, 3, 2)) - 1);
	open_case(f, f->svc_rq, "clerk1", &c);
	assert_string_equal(c.case_no, "K01-20240301-0003");
	/* midnight in Shanghai: a new day, numbered from 0001 */
	clock_set_fixed(clock_day_start_ms(civil_from_ymd(2024, 3, 2)));
	open_case(f, f->svc_rq, "clerk1", &c);
	assert_string_equal(c.case_no, "K01-20240302-0001");
	case_rec g;
	kerr err = { 0 };
	assert_int_equal(db_case_get(f->db, "K01-20240302-0001", &g, &err), 0);
	assert_int_equal(g.id, c.id);
	assert_int_equal(db_case_get(f->db, "K01-20240302-0009", &g, &err), 1);

	char *before = snapshot(f);
	assert_int_equal(db_case_open(f->db, f->svc_rq, "ghost", &c, &err), -1);
	assert_non_null(strstr(err.msg, "ghost"));
	assert_int_equal(db_case_open(f->db, NULL, "clerk1", &c, &err), -1);
	assert_int_equal(db_case_open(f->db, f->svc_rq, "", &c, &err), -1);
	assert_unchanged(f, before);

	char buf[256];
	q_text(f, buf, sizeof buf,
	       "SELECT actor || ' ' || case_no || ' ' || detail FROM audit"
	       " WHERE action = 'case.open' ORDER BY seq LIMIT 1");
	char want[256];
	snprintf(want, sizeof want,
		 "clerk1 K01-20240301-0001 {\"service\":\"%s\",\"clerk\":\"clerk1\"}",
		 f->svc_rq->id);
	assert_string_equal(buf, want);
}

static void test_case_full_path(void **state)
{
	fx *f = *state;
	const service *svc = f->svc_rq;
	kerr err = { 0 };
	case_rec c;
	open_case(f, svc, "clerk1", &c);

	clock_set_fixed(T0 + MIN_MS);
	case_rec d = party(40000);
	case_step_data sd = { .details = &d };
	step_ok(f, svc, c.case_no, STEP_DETAILS, &sd);
	case_rec g;
	assert_int_equal(db_case_get(f->db, c.case_no, &g, &err), 0);
	assert_string_equal(g.party.unit_name, "四川测试有限公司");
	assert_string_equal(g.party.uscc, "91310115MA1K3BTP2B");
	assert_string_equal(g.party.agent_name, "李四");
	assert_string_equal(g.party.agent_id_no, "110102199101010078");
	assert_string_equal(g.party.agent_mobile, "13800138000");
	assert_string_equal(g.holder, "unit");
	assert_int_equal(g.years, 1);
	assert_int_equal(g.seals, 1);
	assert_int_equal(g.fee_fen, 40000);
	assert_int_equal(g.last_step, STEP_DETAILS);
	assert_int_equal(g.status, CS_OPEN);
	assert_int_equal(g.updated_ms, T0 + MIN_MS);
	char buf[1024];
	q_text(f, buf, sizeof buf, LAST_OWN_DETAIL);
	assert_string_equal(buf, "{\"unit_name\":\"四川测试有限公司\",\"uscc\":\"91310115MA1K3BTP2B\","
				 "\"agent_name\":\"李四\",\"agent_id_no\":\"110102199101010078\","
				 "\"agent_mobile\":\"13800138000\",\"holder\":\"unit\",\"years\":1,"
				 "\"seals\":1,\"fee_fen\":40000}");

	/* materials given in reverse order are stored in the service's order */
	material_decision md[16], rev[16];
	marks_for(svc, md, (size_t)-1, MARK_RECEIVED, NULL);
	for (size_t i = 0; i < svc->n_materials; i++)
		rev[i] = md[svc->n_materials - 1 - i];
	sd = (case_step_data){ .materials = rev, .n_materials = svc->n_materials };
	step_ok(f, svc, c.case_no, STEP_MATERIALS, &sd);
	material_decision *got = NULL;
	size_t n = 0;
	assert_int_equal(db_case_materials(f->db, c.case_no, &got, &n, &err), 0);
	assert_int_equal(n, svc->n_materials);
	char want[1024] = "{\"received\":[";
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(got[i].material_id, svc->materials[i].material->id);
		assert_int_equal(got[i].mark, MARK_RECEIVED);
		assert_string_equal(got[i].reason, "");
		assert_int_equal(got[i].essential, svc->materials[i].essential);
		strcat(want, i ? ",\"" : "\"");
		strcat(want, svc->materials[i].material->id);
		strcat(want, "\"");
	}
	strcat(want, "],\"missing\":[],\"defective\":{}}");
	db_material_decisions_free(got, n);
	q_text(f, buf, sizeof buf, LAST_OWN_DETAIL);
	assert_string_equal(buf, want);

	sd = (case_step_data){ .decision = DEC_ACCEPT, .detail = "ok" };
	step_ok(f, svc, c.case_no, STEP_DECISION, &sd);
	assert_int_equal(db_case_get(f->db, c.case_no, &g, &err), 0);
	assert_int_equal(g.status, CS_ACCEPTED);
	assert_int_equal(g.decision, DEC_ACCEPT);
	q_text(f, buf, sizeof buf, LAST_OWN_DETAIL);
	assert_string_equal(buf, "{\"decision\":\"accept\",\"note\":\"ok\"}");

	/* still open for the clerk */
	case_rec *list = NULL;
	assert_int_equal(db_case_list_open(f->db, "clerk1", &list, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].case_no, c.case_no);
	free(list);

	to_end(f, svc, c.case_no);
	assert_int_equal(db_case_get(f->db, c.case_no, &g, &err), 0);
	assert_int_equal(g.status, CS_COMPLETED);
	assert_int_equal(g.last_step, STEP_SLIP);
	assert_int_equal(db_case_list_open(f->db, "clerk1", &list, &n, &err), 0);
	assert_int_equal(n, 0);
	free(list);

	/* the case's story in the audit log, step by step */
	audit_entry *e = NULL;
	assert_int_equal(db_audit_for_case(f->db, c.case_no, &e, &n, &err), 0);
	char actions[512] = "";
	for (size_t i = 0; i < n; i++) {
		strcat(actions, e[i].action);
		strcat(actions, " ");
	}
	free(e);
	char expect[512] = "case.open ";
	for (case_step s = case_next_step(svc, STEP_NONE, DEC_ACCEPT); s != STEP_NONE;
	     s = case_next_step(svc, s, DEC_ACCEPT)) {
		if (s == STEP_PAYMENT) /* the fee paid before its step is recorded */
			strcat(expect, "payment.create payment.update ");
		strcat(expect, "case.");
		strcat(expect, case_step_name(s));
		strcat(expect, " ");
	}
	assert_string_equal(actions, expect);
	/* the step rows carry the same text as their audit rows */
	assert_int_equal(q_int(f, "SELECT count(*) FROM case_steps s JOIN cases c ON c.id = s.case_id"
				  " JOIN audit a ON a.case_no = c.case_no AND a.action = 'case.' || s.step"
				  " AND a.detail = s.detail AND a.actor = s.actor AND a.at_ms = s.at_ms"),
			 (long long)n - 3);
	q_text(f, buf, sizeof buf,
	       "SELECT detail FROM case_steps WHERE step = 'slip'");
	assert_string_equal(buf, "{\"step\":\"slip\"}");

	/* finished: nothing more */
	char *before = snapshot(f);
	sd = (case_step_data){ 0 };
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_SLIP, &sd, &err), -1);
	assert_non_null(strstr(err.msg, "finished"));
	assert_int_equal(db_case_cancel(f->db, "clerk1", c.case_no, "late", &err), -1);
	assert_unchanged(f, before);
	audit_verify_result res;
	assert_int_equal(db_audit_verify(f->db, &res, &err), 0);
}

static void test_out_of_order_refused(void **state)
{
	fx *f = *state;
	const service *svc = f->svc_rq;
	kerr err = { 0 };
	case_rec c;
	open_case(f, svc, "clerk1", &c);
	clock_set_fixed(T0 + MIN_MS);
	case_step_data sd = { .decision = DEC_ACCEPT };
	char *before = snapshot(f);
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_DECISION, &sd, &err), -1);
	assert_string_equal(err.where, c.case_no);
	assert_non_null(strstr(err.msg, "not the next step"));
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_SLIP, &sd, &err), -1);
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_COUNT, &sd, &err), -1);
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_NONE, &sd, &err), -1);
	assert_int_equal(step(f, svc, "clerk1", "K01-20240301-0999", STEP_TOKEN, &sd, &err), -1);
	assert_non_null(strstr(err.msg, "no such case"));
	/* the wrong service for this case */
	case_rec d = party(100);
	case_step_data dd = { .details = &d };
	assert_int_equal(step(f, f->svc_appr, "clerk1", c.case_no, STEP_DETAILS, &dd, &err), -1);
	assert_non_null(strstr(err.msg, "is for service"));
	assert_int_equal(step(f, svc, "", c.case_no, STEP_DETAILS, &dd, &err), -1);
	/* the details step without details */
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_DETAILS, NULL, &err), -1);
	assert_unchanged(f, before);

	step_ok(f, svc, c.case_no, STEP_DETAILS, &dd);
	/* repeating it (a replay after a crash) is refused */
	before = snapshot(f);
	d.fee_fen = 999;
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_DETAILS, &dd, &err), -1);
	assert_non_null(strstr(err.msg, "already recorded"));
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_TOKEN, &sd, &err), -1);
	assert_unchanged(f, before);
	case_rec g;
	assert_int_equal(db_case_get(f->db, c.case_no, &g, &err), 0);
	assert_int_equal(g.fee_fen, 100);
}

/* The business rows and the audit row are one transaction: when the audit row
 * cannot be written, the step's rows are not there either. */
static void test_step_rolled_back_with_audit(void **state)
{
	fx *f = *state;
	const service *svc = f->svc_rq;
	kerr err = { 0 };
	case_rec c;
	open_case(f, svc, "clerk1", &c);
	assert_int_equal(sqlite3_exec(f->raw,
				      "CREATE TRIGGER fail_audit BEFORE INSERT ON audit"
				      " WHEN NEW.action IN ('case.details', 'case.materials',"
				      " 'payment.create', 'case.cancel')"
				      " BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	char *before = snapshot(f);
	case_rec d = party(500);
	case_step_data sd = { .details = &d };
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_DETAILS, &sd, &err), -1);
	assert_non_null(strstr(err.msg, "injected failure"));
	assert_int_equal(db_case_cancel(f->db, "clerk1", c.case_no, "test", &err), -1);
	assert_unchanged(f, before);
	assert_int_equal(sqlite3_exec(f->raw, "DROP TRIGGER fail_audit", NULL, NULL, NULL), SQLITE_OK);
	step_ok(f, svc, c.case_no, STEP_DETAILS, &sd);
	assert_int_equal(sqlite3_exec(f->raw,
				      "CREATE TRIGGER fail_audit BEFORE INSERT ON audit"
				      " WHEN NEW.action IN ('case.materials', 'payment.create')"
				      " BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	before = snapshot(f);
	material_decision md[16];
	marks_for(svc, md, (size_t)-1, MARK_RECEIVED, NULL);
	sd = (case_step_data){ .materials = md, .n_materials = svc->n_materials };
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_MATERIALS, &sd, &err), -1);
	payment_rec p = { .amount_fen = 500, .state = PAY_NOTPAY };
	snprintf(p.case_no, sizeof p.case_no, "%s", c.case_no);
	snprintf(p.out_trade_no, sizeof p.out_trade_no, "K0120240301000101");
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), -1);
	assert_unchanged(f, before);
	assert_int_equal(sqlite3_exec(f->raw, "DROP TRIGGER fail_audit", NULL, NULL, NULL), SQLITE_OK);
	step_ok(f, svc, c.case_no, STEP_MATERIALS, &sd);
	assert_int_equal(q_int(f, "SELECT count(*) FROM material_decisions"), (long long)svc->n_materials);

	/* inside an explicit transaction a failing step undoes only itself */
	assert_int_equal(db_tx_begin(f->db, &err), 0);
	case_rec c2;
	assert_int_equal(db_case_open(f->db, svc, "clerk2", &c2, &err), 0);
	sd = (case_step_data){ .decision = DEC_RONGQUE, .rongque_deadline = clock_today() + 5 };
	assert_int_equal(db_case_step(f->db, svc, "clerk1", c.case_no, STEP_DECISION, &sd, &err),
			 -1); /* nothing is missing: no 容缺 */
	sd = (case_step_data){ .decision = DEC_ACCEPT };
	assert_int_equal(db_case_step(f->db, svc, "clerk1", c.case_no, STEP_DECISION, &sd, &err), 0);
	assert_int_equal(db_tx_commit(f->db, &err), 0);
	case_rec g;
	assert_int_equal(db_case_get(f->db, c.case_no, &g, &err), 0);
	assert_int_equal(g.status, CS_ACCEPTED);
	assert_int_equal(db_case_get(f->db, c2.case_no, &g, &err), 0);
	audit_verify_result res;
	assert_int_equal(db_audit_verify(f->db, &res, &err), 0);
}

static void test_details_checks(void **state)
{
	fx *f = *state;
	const service *svc = f->svc_rq;
	kerr err = { 0 };
	case_rec c;
	open_case(f, svc, "clerk1", &c);
	char *before = snapshot(f);
	case_step_data sd;
	case_rec d = party(100);
	sd = (case_step_data){ .details = &d };
	d.fee_fen = -1;
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_DETAILS, &sd, &err), -1);
	assert_string_equal(err.where, "fee_fen");
	d = party(100);
	d.years = -1;
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_DETAILS, &sd, &err), -1);
	d = party(100);
	snprintf(d.holder, sizeof d.holder, "alien");
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_DETAILS, &sd, &err), -1);
	assert_string_equal(err.where, "holder");
	d = party(100);
	memset(d.party.uscc, 'A', sizeof d.party.uscc); /* not terminated */
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_DETAILS, &sd, &err), -1);
	assert_string_equal(err.where, "uscc");
	d = party(100);
	party_set(&d.party, PF_UNIT_NAME, "line\nbreak");
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_DETAILS, &sd, &err), -1);
	assert_string_equal(err.where, "unit_name");
	d = party(100);
	party_set(&d.party, PF_AGENT_MOBILE, "138 0013");
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_DETAILS, &sd, &err), -1);
	/* bidi controls and zero-width characters never reach the store, whatever
	 * path the details come by (the form refuses them first) */
	static const struct {
		party_field f;
		const char *v, *said;
	} hidden[] = {
		{ PF_UNIT_NAME, "四川某某\u202E有限公司", "U+202E RIGHT-TO-LEFT OVERRIDE at character 5" },
		{ PF_UNIT_NAME, "\uFEFF四川某某有限公司", "U+FEFF ZERO WIDTH NO-BREAK SPACE" },
		{ PF_AGENT_NAME, "张\u200D三", "U+200D ZERO WIDTH JOINER at character 2" },
		{ PF_AGENT_NAME, "张三\u2066", "U+2066 LEFT-TO-RIGHT ISOLATE at character 3" },
		{ PF_AGENT_NAME, "张\U000E0041三", "U+E0041 a tag character at character 2" },
	};
	for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++) {
		d = party(100);
		party_set(&d.party, hidden[i].f, hidden[i].v);
		assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_DETAILS, &sd, &err), -1);
		assert_string_equal(err.where, party_field_name(hidden[i].f));
		assert_non_null(strstr(err.msg, hidden[i].said));
	}
	assert_unchanged(f, before);
	/* quotes and backslashes are escaped in the canonical text */
	d = party(100);
	party_set(&d.party, PF_UNIT_NAME, "A \"B\" \\ C");
	d.holder[0] = '\0';
	step_ok(f, svc, c.case_no, STEP_DETAILS, &sd);
	char buf[1024];
	q_text(f, buf, sizeof buf, LAST_OWN_DETAIL);
	assert_non_null(strstr(buf, "\"unit_name\":\"A \\\"B\\\" \\\\ C\",\"uscc\""));
	assert_non_null(strstr(buf, "\"holder\":\"\","));
}

static void test_materials_checks(void **state)
{
	fx *f = *state;
	const service *svc = f->svc_rq;
	kerr err = { 0 };
	case_rec c;
	open_case(f, svc, "clerk1", &c);
	case_rec d = party(100);
	case_step_data sd = { .details = &d };
	step_ok(f, svc, c.case_no, STEP_DETAILS, &sd);
	size_t non = first_material(svc, false), ess = first_material(svc, true);
	size_t n = svc->n_materials;
	material_decision md[16];
	char *before = snapshot(f);
#define REFUSED(count, words)                                                         \
	do {                                                                          \
		sd = (case_step_data){ .materials = md, .n_materials = (count) };     \
		assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_MATERIALS, &sd, \
				      &err),                                          \
				 -1);                                                 \
		if (!strstr(err.msg, words))                                          \
			fail_msg("'%s' lacks '%s'", err.msg, words);                  \
	} while (0)
	marks_for(svc, md, (size_t)-1, MARK_RECEIVED, NULL);
	REFUSED(n - 1, "mark every material");
	md[n - 1] = md[0];
	REFUSED(n, "mark it once");
	marks_for(svc, md, non, (material_mark)9, "");
	REFUSED(n, "not one of received, missing, defective");
	marks_for(svc, md, non, MARK_UNSET, "");
	REFUSED(n, "not one of received, missing, defective");
	marks_for(svc, md, non, MARK_DEFECTIVE, "");
	REFUSED(n, "without a reason");
	marks_for(svc, md, non, MARK_MISSING, "forgot");
	REFUSED(n, "only given for a defective");
	marks_for(svc, md, non, MARK_RECEIVED, "");
	md[non].essential = 1;
	REFUSED(n, "catalog");
	marks_for(svc, md, (size_t)-1, MARK_RECEIVED, NULL);
	md[ess].material_id = "no_such_material";
	REFUSED(n, "is not marked");
	marks_for(svc, md, (size_t)-1, MARK_RECEIVED, NULL);
	sd = (case_step_data){ .materials = NULL, .n_materials = n };
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_MATERIALS, &sd, &err), -1);
#undef REFUSED
	assert_unchanged(f, before);

	marks_for(svc, md, non, MARK_DEFECTIVE, "盖章不清晰");
	sd = (case_step_data){ .materials = md, .n_materials = n };
	step_ok(f, svc, c.case_no, STEP_MATERIALS, &sd);
	char buf[1024];
	q_text(f, buf, sizeof buf, LAST_OWN_DETAIL);
	char want[128];
	snprintf(want, sizeof want, "\"missing\":[],\"defective\":{\"%s\":\"盖章不清晰\"}}",
		 svc->materials[non].material->id);
	assert_non_null(strstr(buf, want));
}

static void test_refusal_path(void **state)
{
	fx *f = *state;
	const service *svc = f->svc_rq;
	kerr err = { 0 };
	case_rec c;
	open_case(f, svc, "clerk1", &c);
	case_rec d = party(40000);
	case_step_data sd = { .details = &d };
	step_ok(f, svc, c.case_no, STEP_DETAILS, &sd);
	size_t ess = first_material(svc, true);
	material_decision md[16];
	marks_for(svc, md, ess, MARK_MISSING, "");
	sd = (case_step_data){ .materials = md, .n_materials = svc->n_materials };
	step_ok(f, svc, c.case_no, STEP_MATERIALS, &sd);

	char *before = snapshot(f);
	sd = (case_step_data){ .decision = DEC_ACCEPT };
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_DECISION, &sd, &err), -1);
	assert_non_null(strstr(err.msg, "every material received"));
	sd = (case_step_data){ .decision = DEC_RONGQUE, .rongque_deadline = clock_today() + 10 };
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_DECISION, &sd, &err), -1);
	assert_non_null(strstr(err.msg, "essential material"));
	sd = (case_step_data){ .decision = DEC_NONE };
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_DECISION, &sd, &err), -1);
	assert_unchanged(f, before);

	sd = (case_step_data){ .decision = DEC_REFUSE, .detail = "缺申请表原件" };
	step_ok(f, svc, c.case_no, STEP_DECISION, &sd);
	case_rec g;
	assert_int_equal(db_case_get(f->db, c.case_no, &g, &err), 0);
	assert_int_equal(g.status, CS_REFUSED);
	assert_int_equal(g.decision, DEC_REFUSE);
	assert_int_equal(g.rongque_deadline, -1);
	/* after a refusal only the one-time notice follows */
	before = snapshot(f);
	sd = (case_step_data){ 0 };
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_TOKEN, &sd, &err), -1);
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_PAYMENT, &sd, &err), -1);
	assert_unchanged(f, before);
	sd = (case_step_data){ .detail = "一次性告知单" };
	step_ok(f, svc, c.case_no, STEP_SLIP, &sd);
	assert_int_equal(db_case_get(f->db, c.case_no, &g, &err), 0);
	assert_int_equal(g.status, CS_REFUSED);
	assert_int_equal(g.last_step, STEP_SLIP);
	case_rec *list = NULL;
	size_t n = 1;
	assert_int_equal(db_case_list_open(f->db, "clerk1", &list, &n, &err), 0);
	assert_int_equal(n, 0);
	free(list);
	sd = (case_step_data){ 0 };
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_SLIP, &sd, &err), -1);
}

static void test_rongque_path(void **state)
{
	fx *f = *state;
	const service *svc = f->svc_rq;
	kerr err = { 0 };
	case_rec c;
	open_case(f, svc, "clerk1", &c);
	case_rec d = party(40000);
	case_step_data sd = { .details = &d };
	step_ok(f, svc, c.case_no, STEP_DETAILS, &sd);
	size_t non = first_material(svc, false);
	material_decision md[16];
	marks_for(svc, md, non, MARK_MISSING, "");
	sd = (case_step_data){ .materials = md, .n_materials = svc->n_materials };
	step_ok(f, svc, c.case_no, STEP_MATERIALS, &sd);

	char *before = snapshot(f);
	sd = (case_step_data){ .decision = DEC_ACCEPT };
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_DECISION, &sd, &err), -1);
	sd = (case_step_data){ .decision = DEC_RONGQUE, .rongque_deadline = clock_today() - 1 };
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_DECISION, &sd, &err), -1);
	assert_string_equal(err.where, "rongque_deadline");
	assert_unchanged(f, before);

	long deadline = clock_today() + 10;
	sd = (case_step_data){ .decision = DEC_RONGQUE, .rongque_deadline = deadline };
	step_ok(f, svc, c.case_no, STEP_DECISION, &sd);
	case_rec g;
	assert_int_equal(db_case_get(f->db, c.case_no, &g, &err), 0);
	assert_int_equal(g.status, CS_RONGQUE);
	assert_int_equal(g.rongque_deadline, deadline);
	char buf[256];
	q_text(f, buf, sizeof buf, LAST_OWN_DETAIL);
	assert_string_equal(buf, "{\"decision\":\"rongque\",\"deadline\":\"2024-03-11\"}");
	to_end(f, svc, c.case_no);
	assert_int_equal(db_case_get(f->db, c.case_no, &g, &err), 0);
	assert_int_equal(g.status, CS_RONGQUE); /* until the material is supplied */
	assert_int_equal(g.last_step, STEP_SLIP);
	assert_int_equal(q_int(f, "SELECT finished FROM cases WHERE id = %lld", (long long)g.id), 1);

	/* a service without 容缺 never takes it */
	const service *nr = f->svc_norq;
	open_case(f, nr, "clerk1", &c);
	sd = (case_step_data){ .details = &d };
	step_ok(f, nr, c.case_no, STEP_DETAILS, &sd);
	marks_for(nr, md, first_material(nr, false), MARK_MISSING, "");
	sd = (case_step_data){ .materials = md, .n_materials = nr->n_materials };
	step_ok(f, nr, c.case_no, STEP_MATERIALS, &sd);
	sd = (case_step_data){ .decision = DEC_RONGQUE, .rongque_deadline = deadline };
	assert_int_equal(step(f, nr, "clerk1", c.case_no, STEP_DECISION, &sd, &err), -1);
	assert_non_null(strstr(err.msg, "not possible"));
}

static void test_approval_and_cancel(void **state)
{
	fx *f = *state;
	const service *svc = f->svc_appr;
	kerr err = { 0 };
	case_rec c;
	open_case(f, svc, "clerk1", &c);
	to_decision(f, svc, c.case_no, 0, DEC_ACCEPT);
	case_step_data sd = { 0 };
	char *before = snapshot(f);
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_TOKEN, &sd, &err), -1);
	assert_non_null(strstr(err.msg, "next: approval"));
	assert_unchanged(f, before);
	sd.detail = "{\"approved_by\":\"sup1\"}";
	step_ok(f, svc, c.case_no, STEP_APPROVAL, &sd);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit WHERE action = 'case.approval' AND"
				  " actor = 'sup1' AND detail = '{\"approved_by\":\"sup1\"}'"),
			 1);
	to_end(f, svc, c.case_no);
	case_rec g;
	assert_int_equal(db_case_get(f->db, c.case_no, &g, &err), 0);
	assert_int_equal(g.status, CS_COMPLETED);

	/* cancel */
	open_case(f, svc, "clerk1", &c);
	case_rec d = party(0);
	sd = (case_step_data){ .details = &d };
	step_ok(f, svc, c.case_no, STEP_DETAILS, &sd);
	before = snapshot(f);
	assert_int_equal(db_case_cancel(f->db, "clerk1", c.case_no, "", &err), -1);
	assert_int_equal(db_case_cancel(f->db, "clerk1", c.case_no, NULL, &err), -1);
	assert_int_equal(db_case_cancel(f->db, "", c.case_no, "x", &err), -1);
	assert_int_equal(db_case_cancel(f->db, "clerk1", "K01-20240301-0999", "x", &err), -1);
	assert_unchanged(f, before);
	clock_set_fixed(T0 + 5 * MIN_MS);
	assert_int_equal(db_case_cancel(f->db, "clerk1", c.case_no, "客户离开", &err), 0);
	assert_int_equal(db_case_get(f->db, c.case_no, &g, &err), 0);
	assert_int_equal(g.status, CS_CANCELLED);
	assert_int_equal(g.updated_ms, T0 + 5 * MIN_MS);
	before = snapshot(f);
	assert_int_equal(db_case_cancel(f->db, "clerk1", c.case_no, "again", &err), -1);
	material_decision md[16];
	marks_for(svc, md, (size_t)-1, MARK_RECEIVED, NULL);
	sd = (case_step_data){ .materials = md, .n_materials = svc->n_materials };
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_MATERIALS, &sd, &err), -1);
	assert_non_null(strstr(err.msg, "cancelled"));
	assert_unchanged(f, before);
	char buf[256];
	q_text(f, buf, sizeof buf,
	       "SELECT detail FROM audit WHERE action = 'case.cancel' AND case_no = "
	       "'K01-20240301-0002'");
	assert_string_equal(buf, "{\"reason\":\"客户离开\",\"after_step\":\"details\"}");
}

static void test_list_open(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	case_rec a, b, c, x;
	open_case(f, f->svc_rq, "clerk1", &a);
	clock_set_fixed(T0 + MIN_MS);
	open_case(f, f->svc_rq, "clerk2", &x);
	clock_set_fixed(T0 + 2 * MIN_MS);
	open_case(f, f->svc_appr, "clerk1", &b);
	clock_set_fixed(T0 + 3 * MIN_MS);
	open_case(f, f->svc_rq, "clerk1", &c);
	assert_int_equal(db_case_cancel(f->db, "clerk1", c.case_no, "wrong service", &err), 0);
	to_decision(f, f->svc_rq, a.case_no, 100, DEC_ACCEPT);
	case_rec *list = NULL;
	size_t n = 0;
	assert_int_equal(db_case_list_open(f->db, "clerk1", &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].case_no, b.case_no); /* newest first */
	assert_string_equal(list[1].case_no, a.case_no);
	assert_int_equal(list[1].status, CS_ACCEPTED);
	assert_int_equal(list[1].fee_fen, 100);
	free(list);
	assert_int_equal(db_case_list_open(f->db, "clerk2", &list, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].case_no, x.case_no);
	free(list);
	assert_int_equal(db_case_list_open(f->db, "nobody", &list, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(list);
}

static void test_every_catalog_service(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	for (size_t i = 0; i < f->cat->n_services; i++) {
		const service *svc = &f->cat->services[i];
		case_rec c;
		open_case(f, svc, "clerk1", &c);
		to_decision(f, svc, c.case_no, svc->fee_items ? 10000 : 0, DEC_ACCEPT);
		to_end(f, svc, c.case_no);
		case_rec g;
		assert_int_equal(db_case_get(f->db, c.case_no, &g, &err), 0);
		if (g.status != CS_COMPLETED)
			fail_msg("%s ended %s", svc->id, case_status_name(g.status));
		long long steps = q_int(f, "SELECT count(*) FROM case_steps WHERE case_id = %lld",
					(long long)g.id);
		long long want = 0;
		for (int s = 0; s < STEP_COUNT; s++)
			want += case_step_applies(svc, (case_step)s);
		assert_int_equal(steps, want);
	}
	audit_verify_result res;
	assert_int_equal(db_audit_verify(f->db, &res, &err), 0);
	assert_int_equal(db_integrity_check(f->db, &err), 0);
}

/* ---- payments ---- */

static payment_rec pay(const char *case_no, const char *no, int64_t fen, const char *st,
		       const char *tx, bool verified)
{
	payment_rec p;
	memset(&p, 0, sizeof p);
	snprintf(p.case_no, sizeof p.case_no, "%s", case_no);
	snprintf(p.out_trade_no, sizeof p.out_trade_no, "%s", no);
	p.amount_fen = fen;
	p.state = (pay_state)pay_state_from_name(st);
	snprintf(p.transaction_id, sizeof p.transaction_id, "%s", tx);
	p.verified = verified;
	return p;
}

static void test_payments(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	case_rec c, other;
	open_case(f, f->svc_rq, "clerk1", &c);
	open_case(f, f->svc_rq, "clerk1", &other);
	const char *no = "K0120240301000101";
	payment_rec p = pay(c.case_no, no, 40000, "NOTPAY", "", false);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), 0);
	payment_rec g;
	assert_int_equal(db_payment_get(f->db, no, &g, &err), 0);
	assert_string_equal(g.case_no, c.case_no);
	assert_int_equal(g.amount_fen, 40000);
	assert_int_equal(g.state, PAY_NOTPAY);
	assert_false(g.verified);
	assert_int_equal(g.created_ms, T0);
	assert_int_equal(db_payment_get(f->db, "nope123", &g, &err), 1);

	/* polling without news writes nothing */
	char *before = snapshot(f);
	clock_set_fixed(T0 + 1000);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), 0);
	assert_unchanged(f, before);

	/* what money forbids */
	before = snapshot(f);
	payment_rec bad = pay(c.case_no, no, 39999, "NOTPAY", "", false);
	assert_int_equal(db_payment_record(f->db, "clerk1", &bad, &err), -1);
	assert_non_null(strstr(err.msg, "never changes"));
	bad = pay(other.case_no, no, 40000, "NOTPAY", "", false);
	assert_int_equal(db_payment_record(f->db, "clerk1", &bad, &err), -1);
	bad = pay("K01-20240301-0999", "K01202403010999", 100, "NOTPAY", "", false);
	assert_int_equal(db_payment_record(f->db, "clerk1", &bad, &err), -1);
	bad = pay(c.case_no, "K01X", 100, "NOTPAY", "", false); /* too short */
	assert_int_equal(db_payment_record(f->db, "clerk1", &bad, &err), -1);
	bad = pay(c.case_no, "K01-2024.03", 100, "NOTPAY", "", false); /* '.' */
	assert_int_equal(db_payment_record(f->db, "clerk1", &bad, &err), -1);
	bad = pay(c.case_no, "K0120240301000102", -1, "NOTPAY", "", false);
	assert_int_equal(db_payment_record(f->db, "clerk1", &bad, &err), -1);
	bad = pay(c.case_no, "K0120240301000102", 100, "PAID", "", false); /* not a state */
	assert_int_equal(db_payment_record(f->db, "clerk1", &bad, &err), -1);
	bad = pay(c.case_no, "K0120240301000102", 100, "NOTFOUND", "", false); /* an answer */
	assert_int_equal(db_payment_record(f->db, "clerk1", &bad, &err), -1);
	bad = pay(c.case_no, "K0120240301000102", 100, "NOTPAY", "a b", false);
	assert_int_equal(db_payment_record(f->db, "", &p, &err), -1);
	assert_unchanged(f, before);

	/* paid, first unverified, then verified */
	clock_set_fixed(T0 + 2000);
	p = pay(c.case_no, no, 40000, "SUCCESS", "4200000000202403010001", false);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), 0);
	p.verified = true;
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), 0);
	assert_int_equal(db_payment_get(f->db, no, &g, &err), 0);
	assert_int_equal(g.state, PAY_SUCCESS);
	assert_true(g.verified);
	assert_string_equal(g.transaction_id, "4200000000202403010001");
	assert_int_equal(g.updated_ms, T0 + 2000);
	before = snapshot(f);
	p.verified = false; /* no downgrade */
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), -1);
	p = pay(c.case_no, no, 40000, "NOTPAY", "4200000000202403010001", true);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), -1);
	assert_non_null(strstr(err.msg, "only goes on to REFUND"));
	p = pay(c.case_no, no, 40000, "SUCCESS", "4200000000202403019999", true);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), -1);
	assert_unchanged(f, before);
	p = pay(c.case_no, no, 40000, "REFUND", "4200000000202403010001", true);
	assert_int_equal(db_payment_record(f->db, "sup1", &p, &err), 0);
	p = pay(c.case_no, no, 40000, "SUCCESS", "4200000000202403010001", true);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), -1);
	assert_non_null(strstr(err.msg, "final"));

	/* closed is final */
	p = pay(other.case_no, "K0120240301000201", 100, "NOTPAY", "", false);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), 0);
	p = pay(other.case_no, "K0120240301000201", 100, "CLOSED", "", true);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), 0);
	p = pay(other.case_no, "K0120240301000201", 100, "SUCCESS", "42", true);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), -1);

	char buf[2048];
	q_text(f, buf, sizeof buf,
	       "SELECT group_concat(action || ' ' || detail, ' | ') FROM (SELECT * FROM audit"
	       " WHERE action LIKE 'payment.%' AND case_no = 'K01-20240301-0001' ORDER BY seq)");
	assert_string_equal(
		buf,
		"payment.create {\"out_trade_no\":\"K0120240301000101\",\"amount_fen\":40000,"
		"\"state\":\"NOTPAY\",\"transaction_id\":\"\",\"verified\":0} | "
		"payment.update {\"out_trade_no\":\"K0120240301000101\",\"amount_fen\":40000,"
		"\"from\":\"NOTPAY\",\"state\":\"SUCCESS\",\"transaction_id\":"
		"\"4200000000202403010001\",\"verified\":0} | "
		"payment.update {\"out_trade_no\":\"K0120240301000101\",\"amount_fen\":40000,"
		"\"from\":\"SUCCESS\",\"state\":\"SUCCESS\",\"transaction_id\":"
		"\"4200000000202403010001\",\"verified\":1} | "
		"payment.update {\"out_trade_no\":\"K0120240301000101\",\"amount_fen\":40000,"
		"\"from\":\"SUCCESS\",\"state\":\"REFUND\",\"transaction_id\":"
		"\"4200000000202403010001\",\"verified\":1}");
	audit_verify_result res;
	assert_int_equal(db_audit_verify(f->db, &res, &err), 0);
}

/* The order's code_url is kept with it: a later record without one (a poll,
 * the payment) keeps it, and the case's latest order gives it back. */
static void test_payment_code_url(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	case_rec c;
	open_case(f, f->svc_rq, "clerk1", &c);
	const char *no = "K0120240301000101", *url = "weixin://wxpay/bizpayurl?pr=Ab3dE5gH7";
	payment_rec p = pay(c.case_no, no, 40000, "NOTPAY", "", false);
	snprintf(p.code_url, sizeof p.code_url, "%s", url);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), 0);
	payment_rec g;
	assert_int_equal(db_payment_get(f->db, no, &g, &err), 0);
	assert_string_equal(g.code_url, url);
	char buf[1024];
	q_text(f, buf, sizeof buf,
	       "SELECT detail FROM audit WHERE action = 'payment.create' ORDER BY seq DESC LIMIT 1");
	assert_string_equal(buf, "{\"out_trade_no\":\"K0120240301000101\",\"amount_fen\":40000,"
				 "\"state\":\"NOTPAY\",\"transaction_id\":\"\",\"verified\":0,"
				 "\"code_url\":\"weixin://wxpay/bizpayurl?pr=Ab3dE5gH7\"}");

	/* a poll without the code_url brings nothing new: nothing written */
	char *before = snapshot(f);
	clock_set_fixed(T0 + 1000);
	p = pay(c.case_no, no, 40000, "NOTPAY", "", false);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), 0);
	assert_unchanged(f, before);

	/* paid, recorded without the code_url: the stored one stays */
	clock_set_fixed(T0 + 2000);
	p = pay(c.case_no, no, 40000, "SUCCESS", "4200000000202403010001", true);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), 0);
	char url_out[512] = "left over";
	assert_int_equal(db_payment_latest(f->db, c.case_no, &g, url_out, sizeof url_out, &err), 0);
	assert_string_equal(g.out_trade_no, no);
	assert_int_equal(g.state, PAY_SUCCESS);
	assert_string_equal(g.code_url, url);
	assert_string_equal(url_out, url);
	assert_int_equal(q_int(f, "SELECT count(*) FROM payments WHERE code_url = '%s'", url), 1);
	q_text(f, buf, sizeof buf,
	       "SELECT detail FROM audit WHERE action = 'payment.update' ORDER BY seq DESC LIMIT 1");
	assert_null(strstr(buf, "code_url"));

	/* a code_url is text the gateway sent: no spaces or control characters */
	before = snapshot(f);
	p = pay(c.case_no, "K0120240301000102", 40000, "NOTPAY", "", false);
	snprintf(p.code_url, sizeof p.code_url, "weixin://wxpay/bizpayurl?pr=a b");
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), -1);
	assert_string_equal(err.where, "code_url");
	assert_unchanged(f, before);

	/* the case's next order has its own, or none */
	clock_set_fixed(T0 + 3000);
	p = pay(c.case_no, "K0120240301000102", 40000, "NOTPAY", "", false);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), 0);
	assert_int_equal(db_payment_latest(f->db, c.case_no, &g, url_out, sizeof url_out, &err), 0);
	assert_string_equal(g.out_trade_no, "K0120240301000102");
	assert_string_equal(g.code_url, "");
	assert_string_equal(url_out, "");
	assert_int_equal(q_int(f, "SELECT count(*) FROM payments WHERE code_url IS NULL"), 1);
	audit_verify_result res;
	assert_int_equal(db_audit_verify(f->db, &res, &err), 0);
}

/* The store's money rules (case_repo, payment_repo), whatever the caller:
 * the payment step and the end of an accepted case stand on a verified
 * SUCCESS order of the fee; a paid case is not cancelled but refunded; a new
 * order waits until no other one can be paid; a second paid order is
 * recorded and flagged for refund in the same transaction. */
static void test_money_rules(void **state)
{
	fx *f = *state;
	const service *svc = f->svc_rq;
	kerr err = { 0 };
	case_rec c;
	open_case(f, svc, "clerk1", &c);
	to_decision(f, svc, c.case_no, 40000, DEC_ACCEPT);
	case_step_data sd = { .detail = "{}" };
	step_ok(f, svc, c.case_no, STEP_TOKEN, &sd);
	char no1[40], no2[40], no3[40];
	snprintf(no1, sizeof no1, "%s", c.case_no);
	snprintf(no2, sizeof no2, "%.30s_2", c.case_no);
	snprintf(no3, sizeof no3, "%.30s_3", c.case_no);

	/* no order, an open one, an unverified SUCCESS, one without its
	 * transaction id: the payment step is refused, nothing written */
	char *before = snapshot(f);
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_PAYMENT, &sd, &err), -1);
	assert_non_null(strstr(err.msg, "no verified WeChat Pay payment"));
	assert_unchanged(f, before);
	payment_rec p = pay(c.case_no, no1, 40000, "NOTPAY", "", false);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), 0);
	/* a second order while the first may still be paid */
	payment_rec p2 = pay(c.case_no, no2, 40000, "NOTPAY", "", false);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p2, &err), -1);
	assert_non_null(strstr(err.msg, "may still be paid"));
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_PAYMENT, &sd, &err), -1);
	p = pay(c.case_no, no1, 40000, "SUCCESS", "4200000000202403010001", false);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), 0);
	assert_int_equal(step(f, svc, "clerk1", c.case_no, STEP_PAYMENT, &sd, &err), -1);
	/* paid: the clerk cannot cancel it */
	assert_int_equal(db_case_cancel(f->db, "clerk1", c.case_no, "customer left", &err), -1);
	assert_non_null(strstr(err.msg, "refund"));
	assert_int_equal(q_int(f, "SELECT count(*) FROM cases WHERE id = %lld AND status = 'cancelled'",
			       (long long)c.id), 0);
	/* verified: recorded */
	p.verified = true;
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), 0);
	step_ok(f, svc, c.case_no, STEP_PAYMENT, &sd);
	payment_rec g;
	assert_int_equal(db_payment_of_case(f->db, c.case_no, &g, &err), 0);
	assert_string_equal(g.out_trade_no, no1);
	assert_int_equal(db_payment_flagged(f->db, c.case_no, &g, &err), 1);
	/* the payment step recorded: no new order */
	p2 = pay(c.case_no, no3, 40000, "NOTPAY", "", false);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p2, &err), -1);

	/* a wrong amount is not the fee */
	case_rec w;
	open_case(f, svc, "clerk1", &w);
	to_decision(f, svc, w.case_no, 40000, DEC_ACCEPT);
	step_ok(f, svc, w.case_no, STEP_TOKEN, &sd);
	p = pay(w.case_no, w.case_no, 30000, "NOTPAY", "", false);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), 0);
	p = pay(w.case_no, w.case_no, 30000, "SUCCESS", "4200000000202403010002", true);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), 0);
	assert_int_equal(step(f, svc, "clerk1", w.case_no, STEP_PAYMENT, &sd, &err), -1);

	/* a second order paid anyway (the first closed as far as the kiosk
	 * knew): recorded, flagged for refund in its own transaction */
	case_rec d2;
	open_case(f, svc, "clerk1", &d2);
	to_decision(f, svc, d2.case_no, 40000, DEC_ACCEPT);
	step_ok(f, svc, d2.case_no, STEP_TOKEN, &sd);
	snprintf(no2, sizeof no2, "%.30s_2", d2.case_no);
	p = pay(d2.case_no, d2.case_no, 40000, "NOTPAY", "", false);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), 0);
	p = pay(d2.case_no, d2.case_no, 40000, "SUCCESS", "4200000000202403010003", true);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p, &err), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit WHERE action = 'payment.duplicate'"), 0);
	p2 = pay(d2.case_no, no2, 40000, "NOTPAY", "", false);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p2, &err), 0);
	p2 = pay(d2.case_no, no2, 40000, "SUCCESS", "4200000000202403010004", true);
	assert_int_equal(db_payment_record(f->db, "clerk1", &p2, &err), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit WHERE action = 'payment.duplicate'"
			       " AND case_no = '%s' AND instr(detail, '\"out_trade_no\":\"%s\"') > 0",
			       d2.case_no, no2), 1);
	assert_int_equal(db_payment_of_case(f->db, d2.case_no, &g, &err), 0);
	assert_string_equal(g.out_trade_no, d2.case_no);
	assert_int_equal(db_payment_flagged(f->db, d2.case_no, &g, &err), 0);
	assert_string_equal(g.out_trade_no, no2);
	/* recording it again flags nothing more */
	assert_int_equal(db_payment_record(f->db, "clerk1", &p2, &err), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM audit WHERE action = 'payment.duplicate'"), 1);

	/* the end of an accepted case: not while the fee is owed (as an older
	 * kiosk could leave it: the payment step without a payment) */
	case_rec o;
	open_case(f, svc, "clerk1", &o);
	to_decision(f, svc, o.case_no, 40000, DEC_ACCEPT);
	step_ok(f, svc, o.case_no, STEP_TOKEN, &sd);
	assert_int_equal(tu_legacy_sql(f->db, "UPDATE cases SET fee_fen = 0 WHERE id = %lld", (long long)o.id), 0);
	step_ok(f, svc, o.case_no, STEP_PAYMENT, &sd);
	assert_int_equal(tu_legacy_sql(f->db, "UPDATE cases SET fee_fen = 40000 WHERE id = %lld", (long long)o.id), 0);
	before = snapshot(f);
	assert_int_equal(step(f, svc, "clerk1", o.case_no, STEP_SLIP, &sd, &err), -1);
	assert_non_null(strstr(err.msg, "cannot be completed owing"));
	assert_unchanged(f, before);
	audit_verify_result res;
	assert_int_equal(db_audit_verify(f->db, &res, &err), 0);
}

/* ---- daily report ---- */

static void record_pay(fx *f, const char *case_no, int n, int64_t fen, const char *st, bool ver)
{
	kerr err = { 0 };
	char no[40];
	snprintf(no, sizeof no, "%.3s%.8s%.4s%02d", case_no, case_no + 4, case_no + 13, n);
	payment_rec p = pay(case_no, no, fen, "NOTPAY", "", false);
	if (db_payment_record(f->db, "clerk1", &p, &err))
		fail_msg("%s", err.msg);
	if (strcmp(st, "NOTPAY") != 0) {
		p = pay(case_no, no, fen, st, strcmp(st, "SUCCESS") == 0 ? "4200000001" : "", ver);
		if (db_payment_record(f->db, "clerk1", &p, &err))
			fail_msg("%s", err.msg);
	}
}

/* As an older kiosk could record it, which the store now refuses: the case
 * finished with its fee not (fully) paid (tu_legacy_sql). */
static void to_end_unpaid(fx *f, const service *svc, const case_rec *c, int64_t fee)
{
	assert_int_equal(tu_legacy_sql(f->db, "UPDATE cases SET fee_fen = 0 WHERE id = %lld", (long long)c->id), 0);
	to_end(f, svc, c->case_no);
	assert_int_equal(tu_legacy_sql(f->db, "UPDATE cases SET fee_fen = %lld WHERE id = %lld", (long long)fee,
				       (long long)c->id), 0);
}

static const report_case *find_case(const daily_report *r, const char *case_no)
{
	for (size_t i = 0; i < r->n_cases; i++)
		if (strcmp(r->cases[i].case_no, case_no) == 0)
			return &r->cases[i];
	fail_msg("%s not in the report", case_no);
	return NULL;
}

static void test_daily_report(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	const service *svc = f->svc_rq, *appr = f->svc_appr;
	long day = civil_from_ymd(2024, 3, 1);
	int64_t start = clock_day_start_ms(day);
	case_rec before_day, after_day, a, b, cc, d, e, o, g2;

	clock_set_fixed(start - 1); /* 2024-02-29 23:59:59.999 in Shanghai */
	open_case(f, svc, "clerk1", &before_day);
	to_decision(f, svc, before_day.case_no, 77700, DEC_ACCEPT);

	clock_set_fixed(start); /* 00:00:00.000 belongs to the day */
	open_case(f, svc, "clerk1", &a); /* completed, paid and verified */
	to_decision(f, svc, a.case_no, 40000, DEC_ACCEPT);
	record_pay(f, a.case_no, 1, 40000, "SUCCESS", true);
	to_end(f, svc, a.case_no);

	clock_set_fixed(start + 3600 * 1000);
	open_case(f, svc, "clerk1", &b); /* completed, order never paid: underpaid */
	to_decision(f, svc, b.case_no, 60000, DEC_ACCEPT);
	record_pay(f, b.case_no, 1, 60000, "CLOSED", true);
	record_pay(f, b.case_no, 2, 60000, "NOTPAY", false);
	to_end_unpaid(f, svc, &b, 60000);

	open_case(f, svc, "clerk2", &cc); /* accepted, SUCCESS but unverified */
	to_decision(f, svc, cc.case_no, 50000, DEC_ACCEPT);
	record_pay(f, cc.case_no, 1, 50000, "SUCCESS", false);

	open_case(f, svc, "clerk2", &d); /* refused */
	to_decision(f, svc, d.case_no, 0, DEC_REFUSE);
	to_end(f, svc, d.case_no);

	open_case(f, appr, "clerk1", &e); /* cancelled */
	assert_int_equal(db_case_cancel(f->db, "clerk1", e.case_no, "x", &err), 0);

	open_case(f, svc, "clerk1", &o); /* just opened */

	open_case(f, svc, "clerk2", &g2); /* completed, partly paid: two verified payments */
	to_decision(f, svc, g2.case_no, 30000, DEC_ACCEPT);
	record_pay(f, g2.case_no, 1, 10000, "SUCCESS", true);
	record_pay(f, g2.case_no, 2, 10000, "SUCCESS", true);
	to_end_unpaid(f, svc, &g2, 30000);

	clock_set_fixed(clock_day_start_ms(day + 1)); /* next day */
	open_case(f, svc, "clerk1", &after_day);
	record_pay(f, after_day.case_no, 1, 123, "SUCCESS", true);

	daily_report r;
	assert_int_equal(db_report_daily(f->db, day, &r, &err), 0);
	assert_int_equal(r.day, day);
	assert_int_equal(r.n_cases, 7);
	assert_string_equal(r.cases[0].case_no, a.case_no); /* in opening order */
	assert_string_equal(r.cases[6].case_no, g2.case_no);

	/* against direct SQL over the same file */
	char sql_range[128];
	snprintf(sql_range, sizeof sql_range, "created_ms >= %lld AND created_ms < %lld",
		 (long long)start, (long long)clock_day_start_ms(day + 1));
	assert_int_equal(r.n_cases, q_int(f, "SELECT count(*) FROM cases WHERE %s", sql_range));
	for (int s = 0; s < CS_COUNT; s++)
		assert_int_equal(r.by_status[s],
				 q_int(f, "SELECT count(*) FROM cases WHERE %s AND status = '%s'",
				       sql_range, case_status_name((case_status)s)));
	assert_int_equal(r.by_status[CS_COMPLETED], 3);
	assert_int_equal(r.by_status[CS_ACCEPTED], 1);
	assert_int_equal(r.by_status[CS_REFUSED], 1);
	assert_int_equal(r.by_status[CS_CANCELLED], 1);
	assert_int_equal(r.by_status[CS_OPEN], 1);
	assert_int_equal(r.n_by_service,
			 q_int(f, "SELECT count(DISTINCT service_id) FROM cases WHERE %s", sql_range));
	for (size_t i = 0; i < r.n_by_service; i++) {
		assert_int_equal(r.by_service[i].n,
				 q_int(f, "SELECT count(*) FROM cases WHERE %s AND service_id = '%s'",
				       sql_range, r.by_service[i].key));
		if (i)
			assert_true(strcmp(r.by_service[i - 1].key, r.by_service[i].key) < 0);
	}
	assert_int_equal(r.n_by_clerk, 2);
	assert_string_equal(r.by_clerk[0].key, "clerk1");
	assert_int_equal(r.by_clerk[0].n, 4);
	assert_string_equal(r.by_clerk[1].key, "clerk2");
	assert_int_equal(r.by_clerk[1].n, 3);
	assert_int_equal(r.due_fen,
			 q_int(f, "SELECT sum(fee_fen) FROM cases WHERE %s AND status IN"
				  " ('accepted', 'rongque', 'completed')",
			       sql_range));
	assert_int_equal(r.due_fen, 40000 + 60000 + 50000 + 30000);
	assert_int_equal(r.paid_fen,
			 q_int(f, "SELECT sum(p.amount_fen) FROM payments p JOIN cases c ON"
				  " c.id = p.case_id WHERE c.created_ms >= %lld AND c.created_ms < %lld"
				  " AND p.state = 'SUCCESS' AND p.verified = 1",
			       (long long)start, (long long)clock_day_start_ms(day + 1)));
	assert_int_equal(r.paid_fen, 40000 + 20000);

	const report_case *x = find_case(&r, a.case_no);
	assert_int_equal(x->paid_fen, 40000);
	assert_int_equal(x->fee_fen, 40000);
	assert_string_equal(x->pay_state, "SUCCESS");
	assert_false(x->flag_underpaid || x->flag_unverified_paid);
	assert_int_equal(x->status, CS_COMPLETED);
	assert_int_equal(x->last_step, STEP_SLIP);
	assert_string_equal(x->unit_name, "四川测试有限公司");
	assert_string_equal(x->uscc, "91310115MA1K3BTP2B");
	assert_int_equal(x->created_ms, start);
	x = find_case(&r, b.case_no);
	assert_int_equal(x->paid_fen, 0);
	assert_true(x->flag_underpaid);
	assert_false(x->flag_unverified_paid);
	assert_string_equal(x->pay_state, "NOTPAY"); /* the latest order */
	x = find_case(&r, cc.case_no);
	assert_int_equal(x->paid_fen, 0);
	assert_true(x->flag_unverified_paid);
	assert_false(x->flag_underpaid); /* not finished yet */
	assert_string_equal(x->clerk_id, "clerk2");
	x = find_case(&r, d.case_no);
	assert_false(x->flag_underpaid || x->flag_unverified_paid);
	assert_string_equal(x->pay_state, "");
	x = find_case(&r, e.case_no);
	assert_int_equal(x->status, CS_CANCELLED);
	assert_string_equal(x->service_id, appr->id);
	x = find_case(&r, o.case_no);
	assert_int_equal(x->last_step, STEP_NONE);
	x = find_case(&r, g2.case_no);
	assert_int_equal(x->paid_fen, 20000);
	assert_true(x->flag_underpaid);
	assert_int_equal(r.n_flagged, 3);
	daily_report_free(&r);

	/* the days either side hold one case each; an empty day holds none */
	assert_int_equal(db_report_daily(f->db, day - 1, &r, &err), 0);
	assert_int_equal(r.n_cases, 1);
	assert_string_equal(r.cases[0].case_no, before_day.case_no);
	assert_int_equal(r.due_fen, 77700);
	daily_report_free(&r);
	assert_int_equal(db_report_daily(f->db, day + 1, &r, &err), 0);
	assert_int_equal(r.n_cases, 1);
	assert_int_equal(r.paid_fen, 123);
	assert_int_equal(r.due_fen, 0);
	daily_report_free(&r);
	assert_int_equal(db_report_daily(f->db, day + 2, &r, &err), 0);
	assert_int_equal(r.n_cases, 0);
	assert_null(r.cases);
	assert_int_equal(r.n_flagged, 0);
	daily_report_free(&r);
}

/* A year of a busy counter: 100 cases a day with their steps, payments and
 * audit rows, written straight in SQL (the chain is not what is measured). */
static void test_report_year(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	long day0 = civil_from_ymd(2023, 3, 1);
	char sql[4096];
	snprintf(sql, sizeof sql,
		 "DROP TRIGGER audit_insert_at_head; DROP TRIGGER audit_head_advance;"
		 "BEGIN;"
		 "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 36499)"
		 " INSERT INTO cases (case_no, kiosk_id, day, day_seq, service_id, clerk_id, status,"
		 " last_step, decision, finished, unit_name, uscc, fee_fen, created_ms, updated_ms)"
		 " SELECT printf('K01-%%d-%%04d', %ld + i / 100, i %% 100 + 1), 'K01', %ld + i / 100,"
		 " i %% 100 + 1, CASE i %% 3 WHEN 0 THEN 'zc.new' WHEN 1 THEN 'zc.renew' ELSE"
		 " 'rs.bind' END, CASE i %% 2 WHEN 0 THEN 'clerk1' ELSE 'clerk2' END,"
		 " CASE WHEN i %% 10 = 9 THEN 'refused' ELSE 'completed' END, 'slip',"
		 " CASE WHEN i %% 10 = 9 THEN 'refuse' ELSE 'accept' END, 1,"
		 " '四川测试有限公司' || i, '91310115MA1K3BTP2B', 40000,"
		 " %lld + (i / 100) * 86400000 + 9 * 3600000 + (i %% 100) * 60000,"
		 " %lld + (i / 100) * 86400000 + 9 * 3600000 + (i %% 100) * 60000 FROM n;"
		 "INSERT INTO case_steps (case_id, step, actor, at_ms, detail)"
		 " SELECT c.id, s.step, 'clerk1', c.created_ms, '{\"x\":1}' FROM cases c,"
		 " (SELECT 'details' AS step UNION ALL SELECT 'materials' UNION ALL SELECT"
		 " 'decision' UNION ALL SELECT 'token' UNION ALL SELECT 'payment' UNION ALL"
		 " SELECT 'slip') s;"
		 "INSERT INTO payments (case_id, out_trade_no, amount_fen, state, transaction_id,"
		 " verified, created_ms, updated_ms) SELECT id, printf('PAY%%08d', id), fee_fen,"
		 " 'SUCCESS', '42', id %% 7 <> 0, created_ms, created_ms FROM cases;"
		 "INSERT INTO audit (seq, at_ms, actor, action, case_no, detail, prev, hash)"
		 " SELECT (SELECT max(seq) FROM audit) + row_number() OVER (ORDER BY c.id, s.id),"
		 " c.created_ms, 'clerk1', 'case.' || s.step, c.case_no, s.detail ||"
		 " ' padding to a realistic row length of about one hundred bytes',"
		 " randomblob(32), randomblob(32) FROM cases c JOIN case_steps s ON s.case_id = c.id;"
		 "COMMIT; ANALYZE;",
		 day0, day0, (long long)clock_day_start_ms(day0), (long long)clock_day_start_ms(day0));
	if (sqlite3_exec(f->raw, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("fill: %s", sqlite3_errmsg(f->raw));
	assert_int_equal(q_int(f, "SELECT count(*) FROM cases"), 36500);
	assert_true(q_int(f, "SELECT count(*) FROM audit") > 200000);

	/* a fresh connection: nothing cached from the fill */
	db_close(f->db);
	f->db = db_open(f->path, NULL, DB_OPEN_EXISTING, &err);
	assert_non_null(f->db);

	for (int k = 0; k < 12; k++) {
		long day = day0 + 30 * k + 7;
		daily_report r;
		assert_int_equal(db_report_daily(f->db, day, &r, &err), 0);
		assert_int_equal(r.n_cases, 100);
		assert_int_equal(r.by_status[CS_COMPLETED], 90);
		assert_int_equal(r.by_status[CS_REFUSED], 10);
		assert_int_equal(r.due_fen, 90 * 40000);
		long long paid = q_int(f, "SELECT sum(p.amount_fen) FROM payments p JOIN cases c ON"
					  " c.id = p.case_id WHERE c.day = %ld AND p.verified = 1", day);
		assert_int_equal(r.paid_fen, paid);
		long long flagged = q_int(f, "SELECT count(*) FROM cases c JOIN payments p ON"
					     " p.case_id = c.id WHERE c.day = %ld AND p.verified = 0",
					  day);
		assert_int_equal(r.n_flagged, flagged);
		daily_report_free(&r);
	}
	/* the report's own statement walked no table from end to end */
	sqlite3_stmt *st = NULL;
	for (size_t i = 0; i < f->db->n_cache; i++)
		if (strstr(f->db->cache[i].sql, "FROM cases c WHERE c.created_ms >= ?1"))
			st = f->db->cache[i].st;
	assert_non_null(st);
	assert_int_equal(sqlite3_stmt_status(st, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0), 0);
	assert_int_equal(sqlite3_stmt_status(st, SQLITE_STMTSTATUS_SORT, 0), 0);
	/* Its speed is measured by make bench (docs/performance.md), not here. */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_staff_add_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_lock_unlock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case_full_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_step_rolled_back_with_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_details_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_materials_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusal_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rongque_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_approval_and_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_catalog_service, setup, teardown),
		cmocka_unit_test_setup_teardown(test_payments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_payment_code_url, setup, teardown),
		cmocka_unit_test_setup_teardown(test_money_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_daily_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_year, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
