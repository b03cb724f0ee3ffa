/* paysim_case: a counter's paid case against the payment simulator, for the
 * shell tests of `kioskctl pay` (tests/cli/test_pay.sh). A case is opened
 * by the clerk c001 and carried through its steps by the repository
 * functions the kiosk uses; its fee is charged as the payment flow does it
 * (tui/flow/pay_flow.c), through the real WeChat Pay client against paysim:
 * the order recorded NOTPAY before the create call (write-ahead), created,
 * then asked until a verified SUCCESS is recorded, the payment step
 * committed and the case finished. The simulator pays the order at its
 * first query (knob pay_after 1, set by the caller), so the customer's side
 * stays paysim's.
 *
 *   paysim_case CONFIG_DIR DB once      one order, paid (charged twice in the
 *                                       bill when the caller set paysim's
 *                                       duplicate_pay knob)
 *   paysim_case CONFIG_DIR DB second    as once, and a second order of the
 *                                       case made and left NOTPAY before the
 *                                       case finished: the caller then pays it
 *                                       at paysim (POST /sim/pay/NO), a code
 *                                       scanned late, which the kiosk has not
 *                                       heard of
 *
 * Prints the case number and its order numbers on one line. Exit 0, or 2
 * with the error. */
#include <stdio.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/base/config.h"
#include "core/case/catalog.h"
#include "core/pay/pay.h"
#include "db/db.h"
#include "db/repo/case_repo.h"
#include "db/repo/payment_repo.h"

#define FEE 40000

/* The order of attempt n: recorded NOTPAY, then made at the gateway. */
static int order_new(kdb *db, pay_dev *dev, const char *case_no, int n, pay_order *o, kerr *err)
{
	memset(o, 0, sizeof *o);
	if (pay_trade_no(case_no, n, o->out_trade_no) != 0)
		return kerr_set(err, case_no, "no order number");
	o->amount_fen = FEE;
	snprintf(o->description, sizeof o->description, "数字证书新办");
	o->expire_ms = clock_now_ms() + 15 * 60 * 1000;
	payment_rec p = { 0 };
	snprintf(p.case_no, sizeof p.case_no, "%s", case_no);
	snprintf(p.out_trade_no, sizeof p.out_trade_no, "%s", o->out_trade_no);
	p.amount_fen = FEE;
	p.state = PAY_NOTPAY;
	if (db_payment_record(db, "c001", &p, err) != 0)
		return -1;
	pay_result r = pay_create(dev, o, err);
	if (r != PR_OK)
		return -1;
	snprintf(p.code_url, sizeof p.code_url, "%s", o->code_url);
	return db_payment_record(db, "c001", &p, err);
}

/* Ask until paid (paysim pays at the first query) and record the answer. */
static int order_paid(kdb *db, pay_dev *dev, const char *case_no, pay_order *o, kerr *err)
{
	for (int i = 0; i < 5; i++) {
		if (pay_query(dev, o->out_trade_no, o, err) != PR_OK)
			return -1;
		if (o->state == PAY_SUCCESS && o->verified)
			break;
	}
	if (o->state != PAY_SUCCESS || !o->verified)
		return kerr_set(err, o->out_trade_no, "not paid at the simulator: set pay_after 1");
	payment_rec p = { 0 };
	snprintf(p.case_no, sizeof p.case_no, "%s", case_no);
	snprintf(p.out_trade_no, sizeof p.out_trade_no, "%s", o->out_trade_no);
	p.amount_fen = o->amount_fen;
	p.state = o->state;
	p.verified = o->verified;
	snprintf(p.transaction_id, sizeof p.transaction_id, "%s", o->transaction_id);
	return db_payment_record(db, "c001", &p, err);
}

static int step(kdb *db, const service *svc, const case_rec *c, case_step st, kerr *err)
{
	case_rec d = *c;
	material_decision md[32];
	case_step_data sd = { .detail = case_step_name(st), .rongque_deadline = -1 };
	if (st == STEP_DETAILS) {
		party_set(&d.party, PF_UNIT_NAME, "四川测试有限公司");
		party_set(&d.party, PF_USCC, "91310115MA1K3BTP2B");
		party_set(&d.party, PF_AGENT_NAME, "李四");
		party_set(&d.party, PF_AGENT_ID_NO, "110102199101010078");
		party_set(&d.party, PF_AGENT_MOBILE, "13800138000");
		snprintf(d.holder, sizeof d.holder, "unit");
		d.years = 1;
		d.seals = 1;
		d.fee_fen = FEE;
		sd.details = &d;
	} else if (st == STEP_MATERIALS) {
		size_t n = svc->n_materials < 32 ? svc->n_materials : 32;
		for (size_t i = 0; i < n; i++)
			md[i] = (material_decision){ svc->materials[i].material->id, MARK_RECEIVED, "",
						     svc->materials[i].essential };
		sd.materials = md;
		sd.n_materials = n;
	} else if (st == STEP_DECISION) {
		sd.decision = DEC_ACCEPT;
	}
	return db_case_step(db, svc, "c001", c->case_no, st, &sd, err);
}

static int run(const kiosk_config *cfg, const catalog *cat, kdb *db, bool second, kerr *err)
{
	const service *svc = NULL;
	for (size_t i = 0; i < cat->n_services && !svc; i++) {
		const service *s = &cat->services[i];
		if (case_step_applies(s, STEP_PAYMENT) && case_step_applies(s, STEP_TOKEN) &&
		    !s->approval_required)
			svc = s;
	}
	if (!svc)
		return kerr_set(err, "catalogue", "no service with a payment step to simulate");
	pay_dev *dev = pay_wechat_new(&cfg->payment, err);
	if (!dev)
		return -1;
	case_rec c;
	pay_order o1, o2;
	int rc = db_case_open(db, svc, "c001", &c, err);
	/* the steps before the payment, then the payment, then the rest */
	case_rec now = c;
	for (case_step st = case_next_step(svc, STEP_NONE, DEC_NONE); rc == 0 && st != STEP_NONE;
	     st = case_next_step(svc, now.last_step, now.decision)) {
		if (st == STEP_PAYMENT) {
			rc = order_new(db, dev, c.case_no, 1, &o1, err) ||
			     order_paid(db, dev, c.case_no, &o1, err) ||
			     (second && order_new(db, dev, c.case_no, 2, &o2, err));
			if (rc)
				break;
		}
		rc = step(db, svc, &now, st, err) || db_case_get(db, c.case_no, &now, err) != 0;
	}
	pay_dev_free(dev);
	if (rc)
		return -1;
	printf("%s %s%s%s\n", c.case_no, o1.out_trade_no, second ? " " : "", second ? o2.out_trade_no : "");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4 || (strcmp(argv[3], "once") != 0 && strcmp(argv[3], "second") != 0)) {
		fprintf(stderr, "usage: paysim_case CONFIG_DIR DB once|second\n");
		return 2;
	}
	kerr err = { 0 };
	kiosk_config *cfg = config_load(argv[1], &err);
	catalog *cat = cfg ? catalog_load(argv[1], &err) : NULL;
	kdb *db = cat ? db_open(argv[2], cfg->kiosk_id, DB_OPEN_EXISTING, &err) : NULL;
	int rc = !db || run(cfg, cat, db, strcmp(argv[3], "second") == 0, &err);
	if (rc)
		fprintf(stderr, "paysim_case: %s: %s\n", err.where, err.msg);
	db_close(db);
	catalog_free(cat);
	config_free(cfg);
	return rc ? 2 : 0;
}
