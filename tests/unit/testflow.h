/* Test helper (header-only) for the flow tests (tests/unit/test_flow_*.c):
 * a counter as the kiosk builds it in demo mode — the shipped configuration,
 * catalogue, form and English strings, a real database file in a temporary
 * directory copied from a template that holds the demo staff, the demo key
 * and the demo gateway (demo_prepare) — with what the counter says kept for
 * the test, the clock pinned, and SQL on a raw connection to check the store
 * independently of the code under test. Include after <cmocka.h>.
 *
 * Staff (kiosk-config/demo/staff.ini): demo01 and demo02 clerks, demosup the
 * supervisor, with TF_PIN_* below. Each test starts signed in as demo01. */
#ifndef TESTS_UNIT_TESTFLOW_H
#define TESTS_UNIT_TESTFLOW_H

#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/base/clock.h"
#include "tests/unit/testdb.h"
#include "tests/unit/testutil.h"
#include "tui/flow/flow.h"

#define TF_PIN_CLERK  "246810" /* demo01 */
#define TF_PIN_CLERK2 "135790" /* demo02 */
#define TF_PIN_SUP    "975310" /* demosup */

/* The party of a new certificate: SC-DEMO-0001's unit (a valid USCC). */
#define TF_UNIT  "成都锦城示例科技有限公司"
#define TF_USCC  "91510100MA61XY3K4K"
#define TF_AGENT "李四"
#define TF_ID_NO "110102199101010078"
#define TF_PHONE "13800138000"

/* 2026-03-02 10:00 Asia/Shanghai: a Monday, well inside every demo key's dates. */
static inline int64_t tf_t0(void)
{
	return clock_day_start_ms(civil_from_ymd(2026, 3, 2)) + 10LL * 3600 * 1000;
}

typedef struct tf_fx {
	char dir[256];   /* the data directory: the database, the slips */
	char path[320];  /* the database file */
	counter k;
	sqlite3 *raw;
	char said[1024]; /* the last thing the counter said, "" none */
	int n_said;
} tf_fx;

static char tf_template_dir[256];
static char tf_template_path[320];

static inline void tf_say(void *ui, const char *text)
{
	tf_fx *f = ui;
	snprintf(f->said, sizeof f->said, "%s", text ? text : "");
	f->n_said++;
}

/* Group setup: the template database with the demo staff (scrypt is slow on
 * purpose, so once per file). */
static inline int tf_group_setup(void **state)
{
	(void)state;
	clock_set_fixed(tf_t0());
	if (!tu_mkdtemp(tf_template_dir, sizeof tf_template_dir))
		return -1;
	tu_path(tf_template_path, sizeof tf_template_path, tf_template_dir, "template.db");
	kerr err = { 0 };
	kiosk_config *cfg = config_load(KIOSK_CONFIG_DIR, &err);
	if (!cfg)
		return -1;
	counter k;
	memset(&k, 0, sizeof k);
	k.db = db_open(tf_template_path, cfg->kiosk_id, DB_OPEN_CREATE, &err);
	int rc = k.db ? demo_prepare(&k, KIOSK_CONFIG_DIR, &err) : -1;
	if (rc)
		fprintf(stderr, "template: %s: %s\n", err.where, err.msg);
	if (k.tok)
		token_dev_free(k.tok);
	if (k.pay)
		pay_dev_free(k.pay);
	db_close(k.db);
	config_free(cfg);
	return rc;
}

static inline int tf_group_teardown(void **state)
{
	(void)state;
	tu_rmrf(tf_template_dir);
	clock_set_fixed(0);
	return 0;
}

static inline void tf_sign_in(tf_fx *f, const char *id)
{
	kerr err = { 0 };
	if (db_staff_get(f->k.db, id, &f->k.user, &err) != 0)
		fail_msg("no staff %s: %s", id, err.msg);
	f->k.signed_in = true;
}

/* The counter's store closed and opened again on the same file (a restart);
 * the devices are kept. */
static inline void tf_reopen_db(tf_fx *f)
{
	kerr err = { 0 };
	db_close(f->k.db);
	f->k.db = db_open(f->path, f->k.cfg->kiosk_id, DB_OPEN_EXISTING, &err);
	if (!f->k.db)
		fail_msg("reopen %s: %s", f->path, err.msg);
}

static inline int tf_setup(void **state)
{
	tf_fx *f = calloc(1, sizeof *f);
	if (!f || !tu_mkdtemp(f->dir, sizeof f->dir))
		return -1;
	clock_set_fixed(tf_t0());
	tu_path(f->path, sizeof f->path, f->dir, "kiosk.db");
	kerr err = { 0 };
	counter *k = &f->k;
	if (!(k->cfg = config_load(KIOSK_CONFIG_DIR, &err)) || !(k->cat = catalog_load(KIOSK_CONFIG_DIR, &err)) ||
	    !(k->form = form_load(KIOSK_CONFIG_DIR, &err)) ||
	    !(k->str = strings_load(KIOSK_CONFIG_DIR, LANG_EN, &err))) {
		fprintf(stderr, "config: %s: %s\n", err.where, err.msg);
		return -1;
	}
	k->lg = LANG_EN;
	k->demo = true;
	k->data_dir = f->dir;
	k->say = tf_say;
	k->ui = f;
	if (tu_db_copy(tf_template_path, f->path, k->cfg->kiosk_id, &k->db, &f->raw) != 0 ||
	    demo_prepare(k, KIOSK_CONFIG_DIR, &err) != 0) {
		fprintf(stderr, "setup: %s: %s\n", err.where, err.msg);
		return -1;
	}
	*state = f;
	tf_sign_in(f, "demo01");
	return 0;
}

static inline int tf_teardown(void **state)
{
	tf_fx *f = *state;
	if (f->k.tok)
		token_dev_free(f->k.tok);
	if (f->k.pay)
		pay_dev_free(f->k.pay);
	sqlite3_close(f->raw);
	db_close(f->k.db);
	form_free(f->k.form);
	strings_free(f->k.str);
	catalog_free(f->k.cat);
	config_free(f->k.cfg);
	tu_rmrf(f->dir);
	free(f);
	clock_set_fixed(tf_t0());
	return 0;
}

/* ---- raw reads (SQL written here, not the repositories') ---- */

/* The first column of the first row of sql, ?1 bound to param (may be NULL). */
static inline long long tf_int(tf_fx *f, const char *sql, const char *param)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(f->raw, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(f->raw));
	if (param)
		sqlite3_bind_text(st, 1, param, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("%s (%s): no row", sql, param ? param : "");
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* As tf_int, as text into out ("(none)" without a row, "(null)" for NULL). */
static inline const char *tf_text(tf_fx *f, const char *sql, const char *param, char *out, size_t n)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(f->raw, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(f->raw));
	if (param)
		sqlite3_bind_text(st, 1, param, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_ROW)
		snprintf(out, n, "(none)");
	else if (sqlite3_column_type(st, 0) == SQLITE_NULL)
		snprintf(out, n, "(null)");
	else
		snprintf(out, n, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

/* The case's status and last step in the store. */
static inline void tf_expect_case(tf_fx *f, const char *case_no, const char *status, const char *last_step)
{
	char s[64], l[64];
	tf_text(f, "SELECT status FROM cases WHERE case_no = ?1", case_no, s, sizeof s);
	tf_text(f, "SELECT last_step FROM cases WHERE case_no = ?1", case_no, l, sizeof l);
	if (strcmp(s, status) != 0 || strcmp(l, last_step) != 0)
		fail_msg("case %s: %s at %s, expected %s at %s", case_no, s, l, status, last_step);
}

/* Audit rows of the case with this action. */
static inline long long tf_audit_count(tf_fx *f, const char *case_no, const char *action)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE case_no = ?1 AND action = '%s'", action);
	return tf_int(f, sql, case_no);
}

/* ---- a case through its steps, as a clerk at the screens would ---- */

static inline const service *tf_service(tf_fx *f, const char *id)
{
	const service *s = catalog_service(f->k.cat, id);
	if (!s)
		fail_msg("no service %s", id);
	return s;
}

static inline case_flow *tf_open(tf_fx *f, const char *svc_id)
{
	case_flow *cs = case_flow_open(&f->k, tf_service(f, svc_id));
	if (!cs)
		fail_msg("open %s: %s", svc_id, f->said);
	return cs;
}

/* The index of the form field with this id among the details fields. */
static inline int tf_field(tf_fx *f, const case_flow *cs, const char *id)
{
	for (int i = 0; i < cs->n_fields; i++)
		if (cs->kinds[i] == CF_FORM && strcmp(f->k.form->fields[i].id, id) == 0)
			return i;
	fail_msg("no field %s", id);
	return -1;
}

static inline void tf_type(tf_fx *f, case_flow *cs, const char *id, const char *value)
{
	snprintf(cs->text[tf_field(f, cs, id)], CASE_FIELD_BYTES, "%s", value);
}

/* The party typed on the details step. */
static inline void tf_fill(tf_fx *f, case_flow *cs, const char *unit, const char *uscc)
{
	tf_type(f, cs, "unit_name", unit);
	tf_type(f, cs, "uscc", uscc);
	tf_type(f, cs, "agent_name", TF_AGENT);
	tf_type(f, cs, "agent_id_no", TF_ID_NO);
	tf_type(f, cs, "agent_mobile", TF_PHONE);
}

static inline void tf_details(tf_fx *f, case_flow *cs)
{
	int bad = -2;
	flow_outcome out = case_details_submit(&f->k, cs, &bad);
	if (out != FLOW_NEXT)
		fail_msg("details: outcome %d, field %d (%s), rule: %s, step: %s", out, bad,
			 bad >= 0 ? cs->field_msg[bad] : "", cs->rule_msg, cs->step_msg);
}

/* Every material received, and the materials step committed. */
static inline void tf_materials(tf_fx *f, case_flow *cs)
{
	for (size_t i = 0; i < cs->cl->n_items; i++)
		assert_true(case_mark(&f->k, cs, i, MARK_RECEIVED, NULL));
	assert_int_equal(case_materials_submit(&f->k, cs), FLOW_NEXT);
}

static inline void tf_accept(tf_fx *f, case_flow *cs)
{
	assert_int_equal(case_decision_start(&f->k, cs), DEC_ACCEPT);
	if (case_decide(&f->k, cs, DEC_ACCEPT) != FLOW_NEXT)
		fail_msg("accept: %s", cs->step_msg);
}

/* The key with this serial in the demo reader, and the token step run. */
static inline void tf_token(tf_fx *f, case_flow *cs, const char *serial)
{
	kerr err = { 0 };
	if (token_demo_insert(f->k.tok, serial, &err) != 0)
		fail_msg("insert %s: %s", serial, err.msg);
	token_flow_enter(&f->k, cs);
	if (token_flow_run(&f->k, cs) != FLOW_NEXT)
		fail_msg("token step with %s: %s", serial, cs->step_msg);
}

/* A case of svc_id for TF_UNIT, every material received, accepted (受理). */
static inline case_flow *tf_accepted(tf_fx *f, const char *svc_id)
{
	case_flow *cs = tf_open(f, svc_id);
	tf_fill(f, cs, TF_UNIT, TF_USCC);
	tf_details(f, cs);
	tf_materials(f, cs);
	tf_accept(f, cs);
	return cs;
}

/* A 证书新办 of svc_id (rs.new or zc.new) for TF_UNIT, accepted, its key
 * written on the blank demo key: at the payment step. */
static inline case_flow *tf_new_to_payment(tf_fx *f, const char *svc_id)
{
	case_flow *cs = tf_accepted(f, svc_id);
	assert_int_equal(case_flow_next(cs), STEP_TOKEN);
	tf_token(f, cs, "SC-DEMO-0006");
	assert_int_equal(case_flow_next(cs), STEP_PAYMENT);
	return cs;
}

/* The payment step taken to its end: the order made, settled by the demo
 * gateway and committed. */
static inline void tf_pay(tf_fx *f, case_flow *cs)
{
	assert_int_equal(pay_flow_enter(&f->k, cs), FLOW_STAY);
	if (pay_flow_settle_demo(&f->k, cs) != FLOW_NEXT)
		fail_msg("payment: %s", cs->step_msg);
	assert_int_equal(case_flow_next(cs), STEP_SLIP);
}

#endif
