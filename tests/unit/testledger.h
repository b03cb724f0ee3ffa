/* Test helper (header-only): a kiosk file holding at least one row in every
 * bound table, written through the real repositories as the kiosk would, for
 * the ledger's tests. Include after <cmocka.h>.
 *
 *   staff        c1, c2 (clerks), s1, s2 (supervisors), t1 (trainer)
 *   case A       zc.new by c1, every step to the slip; key KEY01 enrolled
 *                with certificate AA01, key KEY02 with AA02 and bound; its
 *                order paid (verified SUCCESS)
 *   case B       zc.revoke by c2 to its token step: approved by s1, KEY01
 *                revoked (AA01 revoked)
 *   case C       zc.new by c1, paid, then cancelled and refunded (asked by
 *                c1, approved by s2, SUCCESS)
 *   case D       zc.new by c2, details only (a case left open)
 *   case E       zc.new by c1 without fee, accepted 容缺 (the licence copy
 *                missing) to its slip, then the licence copy brought back
 *                (a supplement)
 *   rating       case A rated dissatisfied by c1 (a 差评), followed up by s2
 *   training     one result of t1
 *   reconciled   TL_DAY reconciled by s1 with one difference found (case A's
 *                order not in the bill), then resolved by s2
 *   day          TL_DAY closed by s1 (an anchor signed with the key made in
 *                key_dir) */
#ifndef TESTS_UNIT_TESTLEDGER_H
#define TESTS_UNIT_TESTLEDGER_H

#include <stdio.h>
#include <string.h>

#include "core/audit/kioskkey.h"
#include "core/base/clock.h"
#include "core/case/catalog.h"
#include "core/pay/pay.h"
#include "db/db.h"
#include "db/repo/repo.h"
#include "tests/unit/testcase.h"
#include "tests/unit/testutil.h"

#define TL_T0 1709251200000LL /* 2024-03-01 08:00 +08:00 */
#define TL_DAY 19783L
#define TL_PIN_CLERK "864209"
#define TL_PIN_CLERK2 "975318"
#define TL_PIN_SUP "753186"
#define TL_FEE 40000
#define TL_UNIT "四川测试有限公司"
#define TL_USCC "91310115MA1K3BTP2B"

typedef struct tl_cases {
	char a[40], b[40], c[40], d[40], e[40];
} tl_cases;

static inline int tl_fail(kerr *err, const char *what)
{
	fprintf(stderr, "ledger fixture: %s: %s: %s\n", what, err->where, err->msg);
	return -1;
}

/* An order of case_no, NOTPAY then paid and verified. */
static inline int tl_pay(kdb *db, const char *actor, const char *case_no, int n, kerr *err)
{
	payment_rec p;
	memset(&p, 0, sizeof p);
	snprintf(p.case_no, sizeof p.case_no, "%s", case_no);
	if (pay_trade_no(case_no, 1, p.out_trade_no))
		return -1;
	p.amount_fen = TL_FEE;
	p.state = PAY_NOTPAY;
	if (db_payment_record(db, actor, &p, err))
		return -1;
	p.state = PAY_SUCCESS;
	snprintf(p.transaction_id, sizeof p.transaction_id, "420000000120240301%04d", n);
	p.verified = true;
	return db_payment_record(db, actor, &p, err);
}

/* The fixture, written into a new file at path. 0, or -1 (said on stderr). */
static inline int tl_populate(const char *path, const char *key_dir, tl_cases *out)
{
	clock_set_fixed(TL_T0);
	kerr err = { 0 };
	catalog *cat = catalog_load(KIOSK_CONFIG_DIR, &err);
	kdb *db = cat ? db_open(path, "K01", DB_OPEN_CREATE, &err) : NULL;
	int rc = -1;
	if (!db) {
		tl_fail(&err, "open");
		goto out;
	}
	if (db_staff_add(db, "system", "c1", "张三", ROLE_CLERK, TL_PIN_CLERK, &err) ||
	    db_staff_add(db, "system", "c2", "李四", ROLE_CLERK, TL_PIN_CLERK2, &err) ||
	    db_staff_add(db, "system", "s1", "王五", ROLE_SUPERVISOR, TL_PIN_SUP, &err) ||
	    db_staff_add(db, "system", "s2", "赵六", ROLE_SUPERVISOR, TL_PIN_SUP, &err) ||
	    db_staff_add(db, "system", "t1", "孙八", ROLE_TRAINER, TL_PIN_SUP, &err)) {
		tl_fail(&err, "staff");
		goto out;
	}
	const service *svc_new = catalog_service(cat, "zc.new");
	const service *svc_rev = catalog_service(cat, "zc.revoke");
	case_rec a, b, c, d;
	if (!svc_new || !svc_rev || db_case_open(db, svc_new, "c1", &a, &err) ||
	    db_case_open(db, svc_rev, "c2", &b, &err) || db_case_open(db, svc_new, "c1", &c, &err) ||
	    db_case_open(db, svc_new, "c2", &d, &err)) {
		tl_fail(&err, "cases");
		goto out;
	}
	/* case A: the keys on its token step, then paid, then its slip */
	tu_case_step_to(db, svc_new, "c1", a.case_no, STEP_DECISION, TL_FEE);
	long nb = TL_DAY, na = TL_DAY + 365;
	cert_new c1 = { "AA01", TL_UNIT, TL_USCC, nb, na, (const unsigned char *)"\x30\x00", 2 };
	cert_new c2 = { "AA02", TL_UNIT, TL_USCC, nb, na, (const unsigned char *)"\x30\x01", 2 };
	if (db_token_transition(db, "c1", a.case_no, "KEY01", TS_FORMATTED, TR_PERSONALISED, NULL,
				&err) ||
	    db_token_enroll(db, "c1", a.case_no, "KEY01", &c1, TR_ENROLLED, &err) ||
	    db_token_transition(db, "c1", a.case_no, "KEY02", TS_FORMATTED, TR_PERSONALISED, NULL,
				&err) ||
	    db_token_enroll(db, "c1", a.case_no, "KEY02", &c2, TR_ENROLLED, &err) ||
	    db_token_bind(db, "c1", a.case_no, "KEY02", TL_USCC, TL_UNIT, "李四", "110102199101010078",
			  &err)) {
		tl_fail(&err, "keys");
		goto out;
	}
	tu_case_step_to(db, svc_new, "c1", a.case_no, STEP_TOKEN, TL_FEE);
	if (tl_pay(db, "c1", a.case_no, 1, &err)) {
		tl_fail(&err, "payment A");
		goto out;
	}
	tu_case_step_to(db, svc_new, "c1", a.case_no, STEP_NONE, TL_FEE);
	/* case B: revocation, approved by a supervisor, the key revoked */
	tu_case_step_to(db, svc_rev, "c2", b.case_no, STEP_DECISION, TL_FEE);
	case_step_data sd = { .detail = "{\"approved_by\":\"s1\"}" };
	if (db_case_step(db, svc_rev, "s1", b.case_no, STEP_APPROVAL, &sd, &err) ||
	    db_token_retire(db, "c2", b.case_no, "KEY01", TR_REVOKED, "customer asked", &err)) {
		tl_fail(&err, "revocation");
		goto out;
	}
	/* case C: paid, then refunded */
	tu_case_step_to(db, svc_new, "c1", c.case_no, STEP_TOKEN, TL_FEE);
	refund_rec r;
	if (tl_pay(db, "c1", c.case_no, 3, &err) ||
	    db_refund_approve(db, c.case_no, "c1", "s2", "客户要求撤销", &r, &err) ||
	    db_refund_update(db, "s2", r.out_refund_no, PAY_REFUND_SUCCESS, "50300000012024030100001",
			     &err)) {
		tl_fail(&err, "refund");
		goto out;
	}
	/* case D: its details, then left */
	tu_case_step_to(db, svc_new, "c2", d.case_no, STEP_DETAILS, TL_FEE);
	/* case E: 容缺 to its slip, then supplemented; case A's 差评, followed up */
	case_rec e;
	if (db_case_open(db, svc_new, "c1", &e, &err)) {
		tl_fail(&err, "case E");
		goto out;
	}
	tu_case_step_to(db, svc_new, "c1", e.case_no, STEP_DETAILS, 0);
	material_decision md[16];
	for (size_t i = 0; i < svc_new->n_materials && i < 16; i++) {
		md[i].material_id = svc_new->materials[i].material->id;
		md[i].mark = strcmp(md[i].material_id, "licence_copy") == 0 ? MARK_MISSING : MARK_RECEIVED;
		md[i].reason = "";
		md[i].essential = svc_new->materials[i].essential;
	}
	case_step_data me = { .materials = md, .n_materials = svc_new->n_materials };
	case_step_data de = { .decision = DEC_RONGQUE, .rongque_deadline = TL_DAY + 30 };
	const char *owed[] = { "licence_copy" };
	if (db_case_step(db, svc_new, "c1", e.case_no, STEP_MATERIALS, &me, &err) ||
	    db_case_step(db, svc_new, "c1", e.case_no, STEP_DECISION, &de, &err)) {
		tl_fail(&err, "case E decision");
		goto out;
	}
	tu_case_step_to(db, svc_new, "c1", e.case_no, STEP_NONE, 0);
	if (db_case_supplement(db, "c1", e.case_no, owed, 1, NULL, NULL, &err) ||
	    db_rating_record(db, "c1", a.case_no, RATE_DISSATISFIED, "等候太久", TL_DAY + 21, &err) ||
	    db_rating_resolve(db, "s2", a.case_no, "电话回访，已致歉", &err)) {
		tl_fail(&err, "supplement and rating");
		goto out;
	}
	training_result t;
	memset(&t, 0, sizeof t);
	snprintf(t.session_no, sizeof t.session_no, "TR-20240301-01");
	snprintf(t.trainee, sizeof t.trainee, "t1");
	snprintf(t.scenario_id, sizeof t.scenario_id, "renew_ok");
	snprintf(t.expected, sizeof t.expected, "accept");
	snprintf(t.decided, sizeof t.decided, "accept");
	t.correct = true;
	if (db_training_record(db, &t, &err)) {
		tl_fail(&err, "training");
		goto out;
	}
	/* a reconciliation of the day: one difference, resolved */
	recon_diff rd;
	memset(&rd, 0, sizeof rd);
	rd.kind = RK_NOT_IN_BILL;
	snprintf(rd.case_no, sizeof rd.case_no, "%s", a.case_no);
	snprintf(rd.out_trade_no, sizeof rd.out_trade_no, "%.32s", a.case_no);
	rd.book_fen = rd.due_fen = TL_FEE;
	rd.bill_fen = -1;
	snprintf(rd.detail, sizeof rd.detail, "booked as paid; the bill has no payment of the order");
	recon_outcome ro;
	if (db_recon_record(db, TL_DAY, "s1", "", 0, &rd, 1, &ro, &err) ||
	    db_recon_resolve(db, 1, "s2", "paid at 23:59: in the next day's bill", &err)) {
		tl_fail(&err, "reconciliation");
		goto out;
	}
	char key_path[600];
	snprintf(key_path, sizeof key_path, "%s/kiosk-key.pem", key_dir);
	kioskkey *key = kioskkey_load_or_create(key_path, &err);
	anchor_rec an;
	int closed = key ? db_day_close(db, TL_DAY, "s1", key, &an, &err) : -1;
	kioskkey_free(key);
	if (closed) {
		tl_fail(&err, "day close");
		goto out;
	}
	if (out) {
		snprintf(out->a, sizeof out->a, "%s", a.case_no);
		snprintf(out->b, sizeof out->b, "%s", b.case_no);
		snprintf(out->c, sizeof out->c, "%s", c.case_no);
		snprintf(out->d, sizeof out->d, "%s", d.case_no);
		snprintf(out->e, sizeof out->e, "%s", e.case_no);
	}
	rc = 0;
out:
	db_close(db);
	catalog_free(cat);
	return rc;
}

#endif
