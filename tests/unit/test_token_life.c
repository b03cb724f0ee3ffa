/* core/token_life and db/token_repo on a real database: the whitelist itself;
 * a blank key's life (registered, personalised, enrolled, renewed, changed
 * with the old certificate revoked, sealed, lost with its certificate
 * revoked), each move with its event and audit row and the chain intact;
 * moves outside the whitelist refused with nothing written; revocation and
 * reuse of an erased key; adoption of a key issued elsewhere, binding and PIN
 * reset; a move inside the case's own transaction rolled back with it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/base/civil.h"
#include "core/case/staff.h"
#include "core/token/token_life.h"
#include "db/repo/case_repo.h"
#include "db/db.h"
#include "db/repo/staff_repo.h"
#include "db/repo/token_repo.h"
#include "tests/unit/testutil.h"

#define T0 1763712000000LL /* 2025-11-21 16:00 +08:00 */
#define UNIT "四川测试科技有限公司"
#define USCC "91310115MA1K3BTP2B"
#define USCC2 "91110000600037341L"

typedef struct fx {
	char dir[256];
	char path[320];
	kdb *db;
	char case_no[40];
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	if (!f || !tu_mkdtemp(f->dir, sizeof f->dir))
		return -1;
	clock_set_fixed(T0);
	tu_path(f->path, sizeof f->path, f->dir, "kiosk.db");
	kerr err = { 0 };
	f->db = db_open(f->path, "K01", DB_OPEN_CREATE, &err);
	if (!f->db || db_staff_add(f->db, "system", "clerk1", "张三", ROLE_CLERK, "135790", &err))
		return -1;
	static material m = { .id = "app_form" };
	static service_material sm = { &m, true };
	static service svc = { .id = "zc.new", .kind = SVC_NEW, .materials = &sm, .n_materials = 1 };
	case_rec c;
	if (db_case_open(f->db, &svc, "clerk1", &c, &err))
		return -1;
	snprintf(f->case_no, sizeof f->case_no, "%s", c.case_no);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	db_close(f->db);
	tu_rmrf(f->dir);
	free(f);
	clock_set_fixed(0);
	return 0;
}

static long long count(fx *f, const char *sql)
{
	sqlite3 *h = NULL;
	long long v = -1;
	if (sqlite3_open_v2(f->path, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return v;
}

static void chain_ok(fx *f)
{
	audit_verify_result r;
	kerr err = { 0 };
	assert_int_equal(db_audit_verify(f->db, &r, &err), 0);
}

static cert_new cert(const char *serial, const char *unit, const char *uscc, long nb, long na)
{
	return (cert_new){ serial, unit, uscc, nb, na, (const unsigned char *)"\x30\x00", 2 };
}

static void test_whitelist(void **state)
{
	(void)state;
	for (int s = 0; s < TS_COUNT; s++)
		assert_int_equal(token_state_from_name(token_state_name((token_state)s)), s);
	for (int r = 0; r < TR_COUNT; r++)
		assert_int_equal(token_reason_from_name(token_reason_name((token_reason)r)), r);
	assert_int_equal(token_state_from_name("LOST"), -1);
	assert_string_equal(token_state_name(TS_PERM_LOST), "PERM_LOST");
	assert_string_equal(token_state_key(TS_ACTIVE), "token.state.active");
	assert_string_equal(token_reason_key(TR_LOST), "token.reason.lost");
#define X(f, t, r) assert_true(token_life_allowed(f, t, r));
	TOKEN_TRANSITIONS(X)
#undef X
	assert_false(token_life_allowed(TS_UNFORMATTED, TS_ACTIVE, TR_ENROLLED));
	assert_false(token_life_allowed(TS_ACTIVE, TS_UNFORMATTED, TR_ERASED));
	assert_false(token_life_allowed(TS_ACTIVE, TS_PERM_LOST, TR_BROKEN));
	assert_false(token_life_allowed(TS_PERM_LOST, TS_ACTIVE, TR_RELEASED));
	assert_true(token_life_final(TS_PERM_LOST));
	assert_true(token_life_final(TS_DAMAGED));
	assert_false(token_life_final(TS_TERMINATED));
	assert_false(token_life_final(TS_ACTIVE));
	assert_true(token_life_entry(TS_UNFORMATTED, TR_REGISTERED));
	assert_true(token_life_entry(TS_ACTIVE, TR_ADOPTED));
	assert_false(token_life_entry(TS_FORMATTED, TR_PERSONALISED));
}

static void test_blank_key_life(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	token_rec t;
	const char *k = "SC-0001";
	assert_int_equal(db_token_get(f->db, k, &t, &err), 1);
	assert_int_equal(db_token_transition(f->db, "clerk1", f->case_no, k, TS_FORMATTED,
					     TR_PERSONALISED, NULL, &err), 0);
	assert_int_equal(db_token_get(f->db, k, &t, &err), 0);
	assert_int_equal(t.state, TS_FORMATTED);
	assert_string_equal(t.case_no, f->case_no);
	assert_int_equal(t.cert_not_after, -1);
	long nb = clock_today(), na = civil_add_years(nb, 1);
	cert_new c1 = cert("AA01", UNIT, USCC, nb, na);
	assert_int_equal(db_token_enroll(f->db, "clerk1", f->case_no, k, &c1, TR_ENROLLED, &err), 0);
	assert_int_equal(db_token_get(f->db, k, &t, &err), 0);
	assert_int_equal(t.state, TS_ACTIVE);
	assert_string_equal(t.cert_serial, "AA01");
	assert_string_equal(t.unit_name, UNIT);
	assert_int_equal(t.cert_not_before, nb);
	assert_int_equal(t.cert_not_after, na);
	/* renewal: a new certificate, the old one stays valid until it ends */
	cert_new c2 = cert("AA02", UNIT, USCC, nb, civil_add_years(na, 1));
	assert_int_equal(db_token_enroll(f->db, "clerk1", NULL, k, &c2, TR_RENEWED, &err), 0);
	cert_rec cr;
	assert_int_equal(db_cert_get(f->db, "AA01", &cr, &err), 0);
	assert_false(cr.revoked);
	assert_string_equal(cr.key_serial, k);
	assert_string_equal(cr.case_no, f->case_no);
	/* change: same key, new subject, the earlier certificates superseded */
	cert_new c3 = cert("AA03", "四川测试科技股份有限公司", USCC, nb, civil_add_years(na, 1));
	assert_int_equal(db_token_enroll(f->db, "clerk1", NULL, k, &c3, TR_REENROLLED, &err), 0);
	assert_int_equal(db_cert_get(f->db, "AA01", &cr, &err), 0);
	assert_true(cr.revoked);
	assert_string_equal(cr.revoke_reason, "superseded");
	assert_int_equal(db_cert_get(f->db, "AA02", &cr, &err), 0);
	assert_true(cr.revoked);
	assert_int_equal(db_cert_get(f->db, "AA03", &cr, &err), 0);
	assert_false(cr.revoked);
	assert_string_equal(cr.unit_name, "四川测试科技股份有限公司");
	assert_int_equal(db_cert_get(f->db, "FFFF", &cr, &err), 1);
	assert_int_equal(db_token_set_seal(f->db, "clerk1", NULL, k, na, &err), 0);
	assert_int_equal(db_token_get(f->db, k, &t, &err), 0);
	assert_int_equal(t.seal_not_after, na);
	/* lost: PERM_LOST, its certificate revoked */
	assert_int_equal(db_token_retire(f->db, "clerk1", NULL, k, TR_LOST, "客户遗失", &err), 0);
	assert_int_equal(db_token_get(f->db, k, &t, &err), 0);
	assert_int_equal(t.state, TS_PERM_LOST);
	assert_int_equal(db_cert_get(f->db, "AA03", &cr, &err), 0);
	assert_true(cr.revoked);
	assert_string_equal(cr.revoke_reason, "lost");

	token_event *ev = NULL;
	size_t n = 0;
	assert_int_equal(db_token_events(f->db, k, &ev, &n, &err), 0);
	assert_int_equal(n, 6);
	static const struct {
		int from;
		token_state to;
		const char *why;
	} want[] = { { -1, TS_UNFORMATTED, "registered" },
		     { TS_UNFORMATTED, TS_FORMATTED, "personalised" },
		     { TS_FORMATTED, TS_ACTIVE, "enrolled" },
		     { TS_ACTIVE, TS_ACTIVE, "renewed" },
		     { TS_ACTIVE, TS_ACTIVE, "reenrolled" },
		     { TS_ACTIVE, TS_PERM_LOST, "lost" } };
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ev[i].from, want[i].from);
		assert_int_equal(ev[i].to, want[i].to);
		assert_string_equal(ev[i].reason, want[i].why);
		assert_string_equal(ev[i].actor, "clerk1");
	}
	assert_string_equal(ev[0].case_no, f->case_no);
	assert_string_equal(ev[3].case_no, "");
	free(ev);
	assert_int_equal(count(f, "SELECT group_concat(action, ' ') = 'token.personalised"
				  " token.enrolled token.renewed token.reenrolled token.seal token.lost'"
				  " FROM (SELECT action FROM audit WHERE action LIKE 'token.%' ORDER BY seq)"),
			 1);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'token.lost' AND"
				  " detail LIKE '%\"revoked\":[\"AA03\"]%' AND detail LIKE '%客户遗失%'"),
			 1);
	chain_ok(f);
}

static void test_refused_moves(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	long nb = clock_today(), na = nb + 365;
	cert_new c = cert("BB01", UNIT, USCC, nb, na);
	/* a key never personalised here is not enrolled */
	assert_int_equal(db_token_enroll(f->db, "clerk1", NULL, "SC-X", &c, TR_ENROLLED, &err), -1);
	assert_non_null(strstr(err.msg, "not known"));
	assert_int_equal(db_token_transition(f->db, "clerk1", NULL, "SC-1", TS_FORMATTED,
					     TR_PERSONALISED, NULL, &err), 0);
	long long audit_rows = count(f, "SELECT count(*) FROM audit");
	/* FORMATTED cannot be renewed, lost cannot be "broken" into ACTIVE, ... */
	assert_int_equal(db_token_enroll(f->db, "clerk1", NULL, "SC-1", &c, TR_RENEWED, &err), -1);
	assert_non_null(strstr(err.msg, "FORMATTED"));
	assert_string_equal(err.where, "SC-1");
	assert_int_equal(db_token_transition(f->db, "clerk1", NULL, "SC-1", TS_ACTIVE, TR_RELEASED,
					     NULL, &err), -1);
	assert_int_equal(db_token_transition(f->db, "clerk1", NULL, "SC-1", TS_FORMATTED,
					     TR_PERSONALISED, NULL, &err), -1);
	assert_int_equal(db_token_set_seal(f->db, "clerk1", NULL, "SC-1", na, &err), -1);
	assert_int_equal(db_token_bind(f->db, "clerk1", NULL, "SC-1", USCC, UNIT, "", "", &err), -1);
	/* bad arguments never reach the database */
	assert_int_equal(db_token_enroll(f->db, "clerk1", NULL, "SC-1", &c, TR_LOST, &err), -1);
	cert_new bad = cert("BB02", UNIT, "91310115MA1K3BTP2C", nb, na);
	assert_int_equal(db_token_enroll(f->db, "clerk1", NULL, "SC-1", &bad, TR_ENROLLED, &err), -1);
	assert_string_equal(err.where, "uscc");
	bad = cert("XYZ", UNIT, USCC, nb, na);
	assert_int_equal(db_token_enroll(f->db, "clerk1", NULL, "SC-1", &bad, TR_ENROLLED, &err), -1);
	bad = cert("BB02", UNIT, USCC, na, nb);
	assert_int_equal(db_token_enroll(f->db, "clerk1", NULL, "SC-1", &bad, TR_ENROLLED, &err), -1);
	assert_int_equal(db_token_transition(f->db, "clerk1", NULL, "bad serial", TS_FORMATTED,
					     TR_PERSONALISED, NULL, &err), -1);
	assert_int_equal(db_token_transition(f->db, "", NULL, "SC-2", TS_FORMATTED,
					     TR_PERSONALISED, NULL, &err), -1);
	assert_int_equal(db_token_transition(f->db, "clerk1", "K01-20991231-0001", "SC-2",
					     TS_FORMATTED, TR_PERSONALISED, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "no such case"));
	assert_int_equal(db_token_retire(f->db, "clerk1", NULL, "SC-1", TR_ENROLLED, NULL, &err), -1);
	assert_int_equal(count(f, "SELECT count(*) FROM audit"), audit_rows);
	assert_int_equal(count(f, "SELECT count(*) FROM tokens"), 1);
	/* a certificate serial is recorded once */
	assert_int_equal(db_token_enroll(f->db, "clerk1", NULL, "SC-1", &c, TR_ENROLLED, &err), 0);
	assert_int_equal(db_token_transition(f->db, "clerk1", NULL, "SC-3", TS_FORMATTED,
					     TR_PERSONALISED, NULL, &err), 0);
	assert_int_equal(db_token_enroll(f->db, "clerk1", NULL, "SC-3", &c, TR_ENROLLED, &err), -1);
	assert_non_null(strstr(err.msg, "already recorded"));
	token_rec t;
	assert_int_equal(db_token_get(f->db, "SC-3", &t, &err), 0);
	assert_int_equal(t.state, TS_FORMATTED);
	/* a lost key stays lost */
	assert_int_equal(db_token_retire(f->db, "clerk1", NULL, "SC-1", TR_BROKEN, NULL, &err), 0);
	assert_int_equal(db_token_get(f->db, "SC-1", &t, &err), 0);
	assert_int_equal(t.state, TS_DAMAGED);
	assert_int_equal(db_token_retire(f->db, "clerk1", NULL, "SC-1", TR_REVOKED, NULL, &err), -1);
	assert_int_equal(db_token_pin_reset(f->db, "clerk1", NULL, "SC-1", &err), -1);
	chain_ok(f);
}

static void test_revoke_and_reuse(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	long nb = clock_today(), na = nb + 365;
	cert_new c = cert("CC01", UNIT, USCC, nb, na);
	const char *k = "SC-R";
	assert_int_equal(db_token_transition(f->db, "clerk1", NULL, k, TS_FORMATTED,
					     TR_PERSONALISED, NULL, &err), 0);
	assert_int_equal(db_token_enroll(f->db, "clerk1", NULL, k, &c, TR_ENROLLED, &err), 0);
	assert_int_equal(db_token_retire(f->db, "clerk1", f->case_no, k, TR_REVOKED, NULL, &err), 0);
	token_rec t;
	assert_int_equal(db_token_get(f->db, k, &t, &err), 0);
	assert_int_equal(t.state, TS_TERMINATED);
	cert_rec cr;
	assert_int_equal(db_cert_get(f->db, "CC01", &cr, &err), 0);
	assert_true(cr.revoked);
	assert_true(cr.revoked_ms > 0);
	/* the key, erased, is blank again and can be personalised for someone else */
	assert_int_equal(db_token_transition(f->db, "clerk1", f->case_no, k, TS_UNFORMATTED,
					     TR_ERASED, NULL, &err), 0);
	assert_int_equal(db_token_transition(f->db, "clerk1", NULL, k, TS_FORMATTED,
					     TR_PERSONALISED, NULL, &err), 0);
	cert_new c2 = cert("CC02", "另一家公司", USCC2, nb, na);
	assert_int_equal(db_token_enroll(f->db, "clerk1", NULL, k, &c2, TR_ENROLLED, &err), 0);
	/* the revoked certificate stays revoked, also against a direct update */
	sqlite3 *h;
	assert_int_equal(sqlite3_open(f->path, &h), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(h, "UPDATE certs SET status = 'valid', revoked_ms = NULL,"
					     " revoke_reason = '' WHERE serial = 'CC01'",
					  NULL, NULL, NULL),
			     SQLITE_OK);
	sqlite3_close(h);
	token_rec *v = NULL;
	size_t n = 0;
	assert_int_equal(db_token_by_uscc(f->db, USCC, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	free(v);
	assert_int_equal(db_token_by_uscc(f->db, USCC2, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].serial, k);
	free(v);
	chain_ok(f);
}

static void test_adopt_bind_unlock(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	token_binding b;
	const char *k = "ELSEWHERE-9";
	assert_int_equal(db_token_binding(f->db, k, &b, &err), 1);
	/* a key issued elsewhere is adopted as ACTIVE when it is first bound */
	assert_int_equal(db_token_bind(f->db, "clerk1", f->case_no, k, USCC, UNIT, "李四",
				       "110102199101010078", &err), 0);
	token_rec t;
	assert_int_equal(db_token_get(f->db, k, &t, &err), 0);
	assert_int_equal(t.state, TS_ACTIVE);
	assert_string_equal(t.reason, "adopted");
	assert_int_equal(db_token_binding(f->db, k, &b, &err), 0);
	assert_string_equal(b.agent_name, "李四");
	assert_string_equal(b.case_no, f->case_no);
	/* a new agent: the old binding ends, one binding is current */
	clock_set_fixed(T0 + 60000);
	assert_int_equal(db_token_bind(f->db, "clerk1", NULL, k, USCC, UNIT, "王五", "", &err), 0);
	assert_int_equal(db_token_binding(f->db, k, &b, &err), 0);
	assert_string_equal(b.agent_name, "王五");
	assert_int_equal(count(f, "SELECT count(*) FROM token_bindings"), 2);
	assert_int_equal(count(f, "SELECT count(*) FROM token_bindings WHERE unbound_ms IS NULL"), 1);
	assert_int_equal(db_token_bind(f->db, "clerk1", NULL, k, "9131", UNIT, "", "", &err), -1);
	/* each binding says which binding it saw: the first none, the second
	 * this file's first (its token.bind row), as the local record */
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'token.bind' AND"
				  " json_extract(detail, '$.seen') = 'none' AND"
				  " json_extract(detail, '$.seen_from') = 'local'"),
			 1);
	assert_int_equal(count(f, "SELECT count(*) FROM audit b WHERE b.action = 'token.bind' AND"
				  " json_extract(b.detail, '$.seen') = 'K01:' || (SELECT min(seq)"
				  " FROM audit WHERE action = 'token.bind') AND b.case_no = ''"),
			 1);
	/* the hall's word, when it answered, is what was seen */
	clock_set_fixed(T0 + 120000);
	token_seen hall = { .from_hall = true, .kiosk = "B1", .seq = 77 };
	assert_int_equal(db_token_bind_seen(f->db, "clerk1", NULL, k, USCC, UNIT, "赵六", "", &hall,
					    &err), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'token.bind' AND"
				  " json_extract(detail, '$.seen') = 'B1:77' AND"
				  " json_extract(detail, '$.seen_from') = 'hall'"),
			 1);
	token_seen none = { .from_hall = true };
	clock_set_fixed(T0 + 180000);
	assert_int_equal(db_token_bind_seen(f->db, "clerk1", NULL, k, USCC, UNIT, "赵六", "", &none,
					    &err), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'token.bind' AND"
				  " json_extract(detail, '$.seen') = 'none' AND"
				  " json_extract(detail, '$.seen_from') = 'hall'"),
			 1);
	token_seen bad = { .from_hall = true, .kiosk = "B 1", .seq = 3 };
	assert_int_equal(db_token_bind_seen(f->db, "clerk1", NULL, k, USCC, UNIT, "赵六", "", &bad,
					    &err), -1);
	/* PIN reset: audited, no move */
	assert_int_equal(db_token_pin_reset(f->db, "clerk1", f->case_no, k, &err), 0);
	assert_int_equal(db_token_pin_reset(f->db, "clerk1", NULL, "NEW-ONE", &err), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'token.pin_reset'"), 2);
	assert_int_equal(count(f, "SELECT count(*) FROM token_events"), 2); /* two adoptions */
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'token.bind' AND"
				  " detail LIKE '%\"entered\":\"adopted\"%'"),
			 1);
	chain_ok(f);
}

/* The key's PIV certificates (slots 9A, 9C) recorded with its kiosk
 * certificate: certificates of the key, in their application, superseded by
 * a change and revoked when the key is retired, as the kiosk's are. */
static void test_app_certs(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	const char *k = "SC-PIV-1";
	long nb = clock_today(), na = civil_add_years(nb, 1);
	static const unsigned char der[] = { 0x30, 0x00 };
	cert_new c1 = cert("BB01", UNIT, USCC, nb, na);
	app_cert_new a1[] = { { "piv.9a", "BB0A", nb, na, der, sizeof der },
			      { "piv.9c", "BB0C", nb, na, der, sizeof der } };
	assert_int_equal(db_token_transition(f->db, "clerk1", f->case_no, k, TS_FORMATTED,
					     TR_PERSONALISED, NULL, &err), 0);
	assert_int_equal(db_token_enroll_apps(f->db, "clerk1", f->case_no, k, &c1, TR_ENROLLED, a1, 2,
					      &err), 0);
	cert_rec cr;
	assert_int_equal(db_cert_get(f->db, "BB0A", &cr, &err), 0);
	assert_string_equal(cr.app, "piv.9a");
	assert_string_equal(cr.key_serial, k);
	assert_string_equal(cr.unit_name, UNIT);
	assert_string_equal(cr.case_no, f->case_no);
	assert_int_equal(db_cert_get(f->db, "BB01", &cr, &err), 0);
	assert_string_equal(cr.app, "kiosk");
	/* the key's certificate is still the kiosk application's */
	token_rec t;
	assert_int_equal(db_token_get(f->db, k, &t, &err), 0);
	assert_string_equal(t.cert_serial, "BB01");
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'token.enrolled' AND"
				  " detail LIKE '%\"cert\":\"BB01\"%\"apps\":[{\"app\":\"piv.9a\","
				  "\"cert\":\"BB0A\"},{\"app\":\"piv.9c\",\"cert\":\"BB0C\"}]}'"), 1);
	/* a change supersedes the PIV certificates too; the new ones stay */
	cert_new c2 = cert("BB02", "四川测试科技股份有限公司", USCC, nb, na);
	app_cert_new a2[] = { { "piv.9a", "BB2A", nb, na, der, sizeof der },
			      { "piv.9c", "BB0C", nb, na, der, sizeof der } }; /* recorded already */
	assert_int_equal(db_token_enroll_apps(f->db, "clerk1", NULL, k, &c2, TR_REENROLLED, a2, 2,
					      &err), 0);
	assert_int_equal(db_cert_get(f->db, "BB0A", &cr, &err), 0);
	assert_true(cr.revoked);
	assert_string_equal(cr.revoke_reason, "superseded");
	assert_int_equal(db_cert_get(f->db, "BB2A", &cr, &err), 0);
	assert_false(cr.revoked);
	assert_int_equal(count(f, "SELECT count(*) FROM certs WHERE serial = 'BB0C'"), 1);
	/* retired: every certificate of the key revoked, PIV's included */
	assert_int_equal(db_token_retire(f->db, "clerk1", NULL, k, TR_LOST, NULL, &err), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM certs x JOIN tokens t ON t.id = x.token_id"
				  " WHERE t.serial = 'SC-PIV-1' AND x.status = 'valid'"), 0);
	assert_int_equal(db_cert_get(f->db, "BB2A", &cr, &err), 0);
	assert_string_equal(cr.revoke_reason, "lost");
	/* refused with nothing written: no application, the kiosk's serial again */
	assert_int_equal(db_token_transition(f->db, "clerk1", NULL, "SC-PIV-2", TS_FORMATTED,
					     TR_PERSONALISED, NULL, &err), 0);
	cert_new c3 = cert("BB03", UNIT, USCC, nb, na);
	app_cert_new bad[] = { { "piv.9d", "BB3A", nb, na, der, sizeof der },
			       { "piv.9a", "BB03", nb, na, der, sizeof der } };
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(db_token_enroll_apps(f->db, "clerk1", NULL, "SC-PIV-2", &c3,
						      TR_ENROLLED, &bad[i], 1, &err), -1);
	assert_int_equal(count(f, "SELECT count(*) FROM certs WHERE serial LIKE 'BB3%' OR serial ="
				  " 'BB03'"), 0);
	chain_ok(f);
}

static void test_inside_case_transaction(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	long long audit_rows = count(f, "SELECT count(*) FROM audit");
	assert_int_equal(db_tx_begin(f->db, &err), 0);
	assert_int_equal(db_token_transition(f->db, "clerk1", f->case_no, "SC-T", TS_FORMATTED,
					     TR_PERSONALISED, NULL, &err), 0);
	/* a failing call inside leaves the earlier one in place ... */
	assert_int_equal(db_token_set_seal(f->db, "clerk1", NULL, "SC-T", 20000, &err), -1);
	token_rec t;
	assert_int_equal(db_token_get(f->db, "SC-T", &t, &err), 0);
	/* ... and the whole transaction goes when the case's step fails */
	db_tx_rollback(f->db);
	assert_int_equal(db_token_get(f->db, "SC-T", &t, &err), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM audit"), audit_rows);
	assert_int_equal(db_tx_begin(f->db, &err), 0);
	assert_int_equal(db_token_transition(f->db, "clerk1", f->case_no, "SC-T", TS_FORMATTED,
					     TR_PERSONALISED, NULL, &err), 0);
	assert_int_equal(db_tx_commit(f->db, &err), 0);
	assert_int_equal(db_token_get(f->db, "SC-T", &t, &err), 0);
	/* the move's row and the binding of the key and its event */
	assert_int_equal(count(f, "SELECT count(*) FROM audit"), audit_rows + 2);
	chain_ok(f);
}

/* A case cancelled takes back what it issued: a 新办's certificates (PIV's
 * too) revoked "cancelled" and its key TERMINATED; a renewal's new
 * certificate revoked and the key given back the one it renewed, still
 * ACTIVE; the earlier case's certificate untouched; one token.cancelled row
 * per key listing the serials; a cancel that fails leaves every certificate
 * valid. */
static void test_cancel_takes_back_certificates(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	static const unsigned char der[] = { 0x30, 0x00 };
	long nb = clock_today(), na = civil_add_years(nb, 1);
	const char *k = "SC-CAN-1";
	cert_new c1 = cert("CA01", UNIT, USCC, nb, na);
	app_cert_new a1[] = { { "piv.9a", "CA0A", nb, na, der, sizeof der },
			      { "piv.9c", "CA0C", nb, na, der, sizeof der } };
	assert_int_equal(db_token_transition(f->db, "clerk1", f->case_no, k, TS_FORMATTED,
					     TR_PERSONALISED, NULL, &err), 0);
	assert_int_equal(db_token_enroll_apps(f->db, "clerk1", f->case_no, k, &c1, TR_ENROLLED, a1, 2,
					      &err), 0);
	/* a renewal in a second case, on the same key */
	static material m = { .id = "app_form" };
	static service_material sm = { &m, true };
	static service renew = { .id = "zc.renew", .kind = SVC_RENEW, .materials = &sm, .n_materials = 1 };
	case_rec c2;
	assert_int_equal(db_case_open(f->db, &renew, "clerk1", &c2, &err), 0);
	cert_new c2c = cert("CA02", UNIT, USCC, nb, civil_add_years(na, 1));
	assert_int_equal(db_token_enroll(f->db, "clerk1", c2.case_no, k, &c2c, TR_RENEWED, &err), 0);
	/* a cancel refused for its own reason changes nothing */
	assert_int_equal(db_case_cancel(f->db, "clerk1", c2.case_no, "", &err), -1);
	assert_int_equal(count(f, "SELECT count(*) FROM certs WHERE status = 'valid'"), 4);
	/* the renewal cancelled: its certificate revoked, the key back on CA01 */
	assert_int_equal(db_case_cancel(f->db, "clerk1", c2.case_no, "wrong case", &err), 0);
	cert_rec cr;
	assert_int_equal(db_cert_get(f->db, "CA02", &cr, &err), 0);
	assert_true(cr.revoked);
	assert_string_equal(cr.revoke_reason, "cancelled");
	assert_int_equal(db_cert_get(f->db, "CA01", &cr, &err), 0);
	assert_false(cr.revoked);
	token_rec t;
	assert_int_equal(db_token_get(f->db, k, &t, &err), 0);
	assert_int_equal(t.state, TS_ACTIVE);
	assert_string_equal(t.cert_serial, "CA01");
	assert_int_equal(t.cert_not_after, na);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'token.cancelled' AND"
				  " detail LIKE '%\"revoked\":[\"CA02\"]%\"to\":\"ACTIVE\"%\"cert\":\"CA01\"%'"), 1);
	/* the 新办 cancelled: every certificate it issued revoked, the key retired */
	assert_int_equal(db_case_cancel(f->db, "clerk1", f->case_no, "wrong unit", &err), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM certs WHERE status = 'valid'"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM certs WHERE revoke_reason = 'cancelled'"), 4);
	assert_int_equal(db_token_get(f->db, k, &t, &err), 0);
	assert_int_equal(t.state, TS_TERMINATED);
	assert_string_equal(t.reason, "cancelled");
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'token.cancelled' AND"
				  " detail LIKE '%\"revoked\":[\"CA01\",\"CA0A\",\"CA0C\"]%\"to\":\"TERMINATED\"%'"), 1);
	/* a case that issued nothing cancels with no key row */
	case_rec c3;
	assert_int_equal(db_case_open(f->db, &renew, "clerk1", &c3, &err), 0);
	assert_int_equal(db_case_cancel(f->db, "clerk1", c3.case_no, "customer left", &err), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'token.cancelled'"), 2);
	chain_ok(f);
}

/* The key of a case, for its slip (db_case_key): the certificate the case
 * issued and the one before it on the same key (a renewal's old expiry, a
 * change's old name), else the key its token audit row names (an unlock);
 * a case that touched no key has none. */
static void test_case_key(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	case_key_rec r;
	static material m = { .id = "app_form" };
	static service_material sm = { &m, true };
	static service svc = { .id = "zc.change", .kind = SVC_CHANGE, .materials = &sm, .n_materials = 1 };
	case_rec c2, c3, c4;
	assert_int_equal(db_case_open(f->db, &svc, "clerk1", &c2, &err), 0);
	assert_int_equal(db_case_open(f->db, &svc, "clerk1", &c3, &err), 0);
	assert_int_equal(db_case_open(f->db, &svc, "clerk1", &c4, &err), 0);
	assert_int_equal(db_case_key(f->db, f->case_no, &r, &err), 1);
	const char *k = "SC-0009";
	long nb = clock_today(), na = civil_add_years(nb, 1);
	assert_int_equal(db_token_transition(f->db, "clerk1", f->case_no, k, TS_FORMATTED, TR_PERSONALISED,
					     NULL, &err), 0);
	cert_new c1 = cert("BB01", UNIT, USCC, nb, na);
	assert_int_equal(db_token_enroll(f->db, "clerk1", f->case_no, k, &c1, TR_ENROLLED, &err), 0);
	assert_int_equal(db_token_set_seal(f->db, "clerk1", f->case_no, k, na, &err), 0);
	assert_int_equal(db_case_key(f->db, f->case_no, &r, &err), 0);
	assert_string_equal(r.serial, k);
	assert_true(r.issued);
	assert_int_equal(r.not_before, nb);
	assert_int_equal(r.not_after, na);
	assert_int_equal(r.old_not_after, -1);
	assert_string_equal(r.old_unit_name, "");
	assert_int_equal(r.seal_not_after, na);
	/* a change of name on the same key: the old name, the validity kept */
	cert_new cc = cert("BB02", "四川测试科技股份有限公司", USCC, nb, na);
	assert_int_equal(db_token_enroll(f->db, "clerk1", c2.case_no, k, &cc, TR_REENROLLED, &err), 0);
	assert_int_equal(db_case_key(f->db, c2.case_no, &r, &err), 0);
	assert_string_equal(r.old_unit_name, UNIT);
	assert_int_equal(r.old_not_after, na);
	assert_int_equal(r.not_after, na);
	/* a renewal: the old expiry and the new one */
	cert_new cr = cert("BB03", "四川测试科技股份有限公司", USCC, nb, civil_add_years(na, 1));
	assert_int_equal(db_token_enroll(f->db, "clerk1", c3.case_no, k, &cr, TR_RENEWED, &err), 0);
	assert_int_equal(db_case_key(f->db, c3.case_no, &r, &err), 0);
	assert_int_equal(r.old_not_after, na);
	assert_int_equal(r.not_after, civil_add_years(na, 1));
	/* an unlock writes no certificate: the key its audit row names, its validity now */
	assert_int_equal(db_token_pin_reset(f->db, "clerk1", c4.case_no, k, &err), 0);
	assert_int_equal(db_case_key(f->db, c4.case_no, &r, &err), 0);
	assert_string_equal(r.serial, k);
	assert_false(r.issued);
	assert_int_equal(r.not_after, civil_add_years(na, 1));
	assert_int_equal(r.old_not_after, -1);
	assert_false(r.piv_only);
	chain_ok(f);
}

/* A key with PIV alone (a YubiKey the customer brought): its certificate of
 * record is 9A's, 9C's beside it; the case's slip finds them, says the key
 * is PIV-only, and a renewal's old expiry is the earlier 9A's. */
static void test_piv_only_key(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	case_key_rec r;
	static material m = { .id = "app_form" };
	static service_material sm = { &m, true };
	static service svc = { .id = "rs.renew", .kind = SVC_RENEW, .materials = &sm, .n_materials = 1 };
	case_rec c2, c3;
	assert_int_equal(db_case_open(f->db, &svc, "clerk1", &c2, &err), 0);
	assert_int_equal(db_case_open(f->db, &svc, "clerk1", &c3, &err), 0);
	const char *k = "20261205";
	long nb = clock_today(), na = civil_add_years(nb, 1);
	assert_int_equal(db_token_transition(f->db, "clerk1", f->case_no, k, TS_FORMATTED, TR_PERSONALISED,
					     NULL, &err), 0);
	cert_new a1 = cert("CA01", UNIT, USCC, nb, na);
	app_cert_new c1 = { "piv.9c", "CC01", nb, na, (const unsigned char *)"\x30\x00", 2 };
	assert_int_equal(db_token_enroll_in(f->db, "clerk1", f->case_no, k, "kiosk.x", &a1, TR_ENROLLED,
					    &c1, 1, &err), -1);
	assert_int_equal(db_token_enroll_in(f->db, "clerk1", f->case_no, k, "piv.9a", &a1, TR_ENROLLED,
					    &c1, 1, &err), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM certs WHERE serial = 'CA01' AND app = 'piv.9a'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM certs WHERE serial = 'CC01' AND app = 'piv.9c'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM tokens WHERE serial = '20261205' AND cert_serial = 'CA01'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE detail LIKE '%\"cert_app\":\"piv.9a\"%'"), 1);
	assert_int_equal(db_case_key(f->db, f->case_no, &r, &err), 0);
	assert_string_equal(r.serial, k);
	assert_true(r.issued);
	assert_true(r.piv_only);
	assert_int_equal(r.not_after, na);
	assert_int_equal(r.seal_not_after, -1);
	/* renewed: the earlier 9A's expiry is the old one */
	cert_new a2 = cert("CA02", UNIT, USCC, nb, civil_add_years(na, 1));
	app_cert_new c2c = { "piv.9c", "CC02", nb, civil_add_years(na, 1), (const unsigned char *)"\x30\x00", 2 };
	assert_int_equal(db_token_enroll_in(f->db, "clerk1", c2.case_no, k, "piv.9a", &a2, TR_RENEWED,
					    &c2c, 1, &err), 0);
	assert_int_equal(db_case_key(f->db, c2.case_no, &r, &err), 0);
	assert_true(r.piv_only);
	assert_int_equal(r.old_not_after, na);
	assert_int_equal(r.not_after, civil_add_years(na, 1));
	/* an unlock: the key named by its audit row, still PIV-only */
	assert_int_equal(db_token_pin_reset(f->db, "clerk1", c3.case_no, k, &err), 0);
	assert_int_equal(db_case_key(f->db, c3.case_no, &r, &err), 0);
	assert_false(r.issued);
	assert_true(r.piv_only);
	chain_ok(f);
}

/* Revocations made at other windows of the hall, taken in by the window
 * that issued the certificates (db_token_hall_revoked, docs/ca.md): the
 * certificates revoked with the other window's reason and time, a key the
 * other window retired retired here too, once; an act recorded here after
 * the other window's keeps the key; nothing written when nothing is new. */
static void test_hall_revoked(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	long nb = clock_today(), na = civil_add_years(nb, 1);
	cert_new c1 = cert("DD01", UNIT, USCC, nb, na), c2 = cert("DD02", UNIT, USCC, nb, na),
		 c3 = cert("DD03", UNIT, USCC, nb, na), c4 = cert("DD04", UNIT, USCC, nb, civil_add_years(na, 1));
	const char *keys[] = { "SC-H1", "SC-H2", "SC-H3" };
	const cert_new *cs[] = { &c1, &c2, &c3 };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(db_token_transition(f->db, "clerk1", NULL, keys[i], TS_FORMATTED,
						     TR_PERSONALISED, NULL, &err), 0);
		assert_int_equal(db_token_enroll(f->db, "clerk1", NULL, keys[i], cs[i], TR_ENROLLED, &err), 0);
	}
	/* SC-H3 renewed here at T0 + 400 s, after the other window's act at 200 s */
	clock_set_fixed(T0 + 400000);
	assert_int_equal(db_token_enroll(f->db, "clerk1", NULL, "SC-H3", &c4, TR_RENEWED, &err), 0);
	long long audit0 = count(f, "SELECT count(*) FROM audit");
	token_revoked_elsewhere v[] = {
		{ "DD01", "lost", T0 + 60000, "K2", 9, "SC-H1", "PERM_LOST" },
		{ "DD01", "revoked", T0 + 120000, "K3", 4, "SC-H1", "TERMINATED" }, /* the first stands */
		{ "DD02", "superseded", T0 + 60000, "K2", 10, "SC-H2", "" },       /* changed there */
		{ "ZZ99", "lost", T0 + 60000, "K2", 11, "SC-ZZ", "PERM_LOST" },     /* not on record */
		{ "DD03", "revoked", T0 + 200000, "K3", 5, "SC-H3", "TERMINATED" },
	};
	size_t nc = 9, nk = 9;
	assert_int_equal(db_token_hall_revoked(f->db, v, 5, &nc, &nk, &err), 0);
	assert_int_equal(nc, 3);
	assert_int_equal(nk, 1);
	assert_int_equal(count(f, "SELECT count(*) FROM certs WHERE serial = 'DD01' AND status = 'revoked'"
			      " AND revoke_reason = 'lost' AND revoked_ms = 1763712060000"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM certs WHERE serial = 'DD02' AND revoke_reason = 'superseded'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM certs WHERE serial = 'DD03' AND status = 'revoked'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM certs WHERE serial = 'DD04' AND status = 'valid'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM tokens WHERE serial = 'SC-H1' AND state = 'PERM_LOST'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM token_events e JOIN tokens t ON t.id = e.token_id"
			      " WHERE t.serial = 'SC-H1' AND e.to_state = 'PERM_LOST' AND e.reason = 'lost'"
			      " AND e.actor = 'system'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM tokens WHERE serial = 'SC-H2' AND state = 'ACTIVE'"), 1);
	/* renewed here after the other window's revocation: the key stays as it is */
	assert_int_equal(count(f, "SELECT count(*) FROM tokens WHERE serial = 'SC-H3' AND state = 'ACTIVE'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM tokens WHERE serial = 'SC-ZZ'"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'ca.hall_revoked'"
			      " AND json_array_length(detail, '$.certs') = 3"
			      " AND json_extract(detail, '$.keys[0].serial') = 'SC-H1'"
			      " AND json_extract(detail, '$.certs[0].kiosk') = 'K2'"), 1);
	chain_ok(f);
	/* asked again: nothing new, nothing written */
	long long audit1 = count(f, "SELECT count(*) FROM audit");
	assert_true(audit1 > audit0);
	assert_int_equal(db_token_hall_revoked(f->db, v, 5, &nc, &nk, &err), 0);
	assert_int_equal(nc, 0);
	assert_int_equal(nk, 0);
	assert_int_equal(count(f, "SELECT count(*) FROM audit"), audit1);
	/* what the centre sent that this kiosk cannot take: refused, nothing written */
	token_revoked_elsewhere bad[] = { { "DD04", "Lost!", T0, "K2", 1, "SC-H3", "" } };
	assert_int_equal(db_token_hall_revoked(f->db, bad, 1, &nc, &nk, &err), -1);
	assert_non_null(strstr(err.msg, "DD04"));
	assert_int_equal(count(f, "SELECT count(*) FROM certs WHERE serial = 'DD04' AND status = 'valid'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM audit"), audit1);
	/* a start re-syncs the CA after such a row */
	chain_ok(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whitelist),
		cmocka_unit_test_setup_teardown(test_blank_key_life, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_piv_only_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_moves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoke_and_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt_bind_unlock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inside_case_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_app_certs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_takes_back_certificates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hall_revoked, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
