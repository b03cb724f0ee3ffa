/* kiosk_seed: a kiosk's records, simulated for the hall's tests and
 * benchmark: CASES cases carried through their steps by the same repository
 * functions the kiosk uses, each with its key (registered, personalised,
 * enrolled with a certificate, bound to the unit: SC-<kiosk>-<day number>-<i>
 * for the i-th case of a day), every fifth key then reported lost (its
 * certificate revoked). 100 cases a day from DAY
 * (YYYY-MM-DD, default 2026-03-02), a day per transaction, so the audit log
 * holds exactly what a kiosk's would: case.*, token.*, payment.*, ledger.bind.
 *
 *   kiosk_seed DB KIOSK_ID CASES [DAY]
 *   kiosk_seed DB KIOSK_ID retire SERIAL lost|revoked DAY
 *   kiosk_seed DB KIOSK_ID bind SERIAL USCC AGENT DAY HH:MM [hall:KIOSK:SEQ|hall:none]
 *
 * The second form retires one key, known here or not (a key brought from
 * another hall), in a case of its own on DAY at 10:00: what a window does
 * when it cannot ask the hall. The third binds one key (known here or not:
 * adopted) to unit USCC and agent AGENT in a case of its own on DAY at
 * HH:MM, as the token step records it: having seen the binding the hall
 * named (its kiosk and audit row, or none) when the hall answered, else
 * this file's own record (offline).
 *
 * A new DB gets the supervisor s001 and the clerk c001; an existing one is
 * added to (its kiosk id is its own). Exit 0, or 2 with the error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/base/clock.h"
#include "core/case/catalog.h"
#include "core/case/fees.h"
#include "db/db.h"
#include "db/repo/case_repo.h"
#include "db/repo/payment_repo.h"
#include "db/repo/staff_repo.h"
#include "db/repo/token_repo.h"

/* The key of case n (the i-th of its day): serial SC-<kiosk>-<day>-<i> and a
 * certificate serial in hex, both unique per kiosk whatever was seeded
 * before. */
static int key_of(kdb *db, const case_rec *c, int n, int i, kerr *err)
{
	char serial[40], cert[40];
	long today = clock_today();
	snprintf(serial, sizeof serial, "SC-%s-%ld-%02d", db_kiosk_id(db), today, i);
	unsigned h = 2166136261u;
	for (const char *p = db_kiosk_id(db); *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	snprintf(cert, sizeof cert, "%08X%06lX%02X", h, (unsigned long)today, (unsigned)i);
	cert_new cn = { .serial = cert, .unit_name = c->party.unit_name, .uscc = c->party.uscc,
			.not_before = today, .not_after = today + 365 };
	if (db_token_transition(db, "c001", c->case_no, serial, TS_FORMATTED, TR_PERSONALISED,
				NULL, err) ||
	    db_token_enroll(db, "c001", c->case_no, serial, &cn, TR_ENROLLED, err) ||
	    db_token_bind(db, "c001", c->case_no, serial, c->party.uscc, c->party.unit_name,
			  c->party.agent_name, c->party.agent_id_no, err))
		return -1;
	if (n % 5 == 4 && db_token_retire(db, "c001", c->case_no, serial, TR_LOST, "客户遗失", err))
		return -1;
	return 0;
}

static int run_case(kdb *db, const catalog *cat, const service *svc, int n, int i, kerr *err)
{
	case_rec c;
	if (db_case_open(db, svc, "c001", &c, err) != 0)
		return -1;
	snprintf(c.party.unit_name, sizeof c.party.unit_name, "成都某某科技有限公司%d", n);
	party_set(&c.party, PF_USCC, "91310115MA1K3BTP2B");
	party_set(&c.party, PF_AGENT_NAME, "张三");
	party_set(&c.party, PF_AGENT_ID_NO, "110102199101010078");
	party_set(&c.party, PF_AGENT_MOBILE, "13800138000");
	c.years = 1;
	c.seals = svc->platform->has_seals ? 1 : 0;
	if (svc->platform->n_holders)
		snprintf(c.holder, sizeof c.holder, "%s", svc->platform->holders[0].id);
	fee_request fr = { svc->platform->n_holders ? &svc->platform->holders[0] : NULL,
			   c.years, c.seals };
	fee_quote q;
	if (fees_quote(cat, svc, &fr, &q, err) != 0)
		return -1;
	c.fee_fen = q.total_fen;
	material_decision md[16];
	for (size_t m = 0; m < svc->n_materials && m < 16; m++)
		md[m] = (material_decision){ svc->materials[m].material->id, MARK_RECEIVED, "",
					     svc->materials[m].essential };
	case_step done = STEP_NONE;
	case_decision seen = DEC_NONE;
	for (case_step st = case_next_step(svc, done, seen); st != STEP_NONE;
	     st = case_next_step(svc, st, seen)) {
		case_step_data d = { .details = &c, .materials = md,
				     .n_materials = svc->n_materials < 16 ? svc->n_materials : 16,
				     .decision = DEC_ACCEPT, .rongque_deadline = -1,
				     .detail = case_step_name(st) };
		if (st == STEP_TOKEN && key_of(db, &c, n, i, err))
			return -1;
		if (st == STEP_PAYMENT) {
			payment_rec p = { 0 };
			snprintf(p.case_no, sizeof p.case_no, "%s", c.case_no);
			snprintf(p.out_trade_no, sizeof p.out_trade_no, "%.32s", c.case_no);
			p.amount_fen = c.fee_fen;
			p.state = PAY_SUCCESS;
			snprintf(p.transaction_id, sizeof p.transaction_id, "42000%027d", n);
			p.verified = true;
			if (db_payment_record(db, "c001", &p, err) != 0)
				return -1;
		}
		if (db_case_step(db, svc, "c001", c.case_no, st, &d, err) != 0)
			return -1;
		if (st == STEP_DECISION)
			seen = DEC_ACCEPT;
	}
	return 0;
}

/* kiosk_seed DB KIOSK_ID retire SERIAL REASON DAY: one key retired. */
static int retire_one(kdb *db, const catalog *cat, char **argv, kerr *err)
{
	int y, m, d;
	if (sscanf(argv[6], "%d-%d-%d", &y, &m, &d) != 3)
		return kerr_set(err, argv[6], "not YYYY-MM-DD");
	clock_set_fixed(clock_day_start_ms(civil_from_ymd(y, m, d)) + 10 * 3600 * 1000LL);
	token_reason why = strcmp(argv[5], "lost") == 0 ? TR_LOST : TR_REVOKED;
	case_rec c;
	if (db_case_open(db, &cat->services[0], "c001", &c, err) != 0)
		return -1;
	return db_token_retire(db, "c001", c.case_no, argv[4], why, "", err);
}

/* kiosk_seed DB KIOSK_ID bind SERIAL USCC AGENT DAY HH:MM [SEEN]: one binding. */
static int bind_one(kdb *db, const catalog *cat, int argc, char **argv, kerr *err)
{
	int y, m, d, hh, mm;
	if (sscanf(argv[7], "%d-%d-%d", &y, &m, &d) != 3 || sscanf(argv[8], "%d:%d", &hh, &mm) != 2)
		return kerr_set(err, argv[7], "not YYYY-MM-DD HH:MM");
	clock_set_fixed(clock_day_start_ms(civil_from_ymd(y, m, d)) + (hh * 60 + mm) * 60000LL);
	token_seen seen = { .from_hall = true };
	if (argc == 10) {
		char *colon = strchr(argv[9] + 5, ':');
		if (strncmp(argv[9], "hall:", 5) != 0 ||
		    (strcmp(argv[9], "hall:none") != 0 &&
		     (!colon || (size_t)(colon - argv[9] - 5) >= sizeof seen.kiosk)))
			return kerr_set(err, argv[9], "not hall:KIOSK:SEQ or hall:none");
		if (colon) {
			snprintf(seen.kiosk, sizeof seen.kiosk, "%.*s", (int)(colon - argv[9] - 5),
				 argv[9] + 5);
			seen.seq = strtoll(colon + 1, NULL, 10);
		}
	}
	case_rec c;
	if (db_case_open(db, &cat->services[0], "c001", &c, err) != 0)
		return -1;
	return db_token_bind_seen(db, "c001", c.case_no, argv[4], argv[5], "成都某某科技有限公司",
				  argv[6], "", argc == 10 ? &seen : NULL, err);
}

int main(int argc, char **argv)
{
	if ((argc == 7 && strcmp(argv[3], "retire") == 0) ||
	    ((argc == 9 || argc == 10) && strcmp(argv[3], "bind") == 0)) {
		kerr err = { 0 };
		catalog *cat = catalog_load(KIOSK_CONFIG_DIR, &err);
		kdb *db = cat ? db_open(argv[1], argv[2], DB_OPEN_CREATE, &err) : NULL;
		staff_rec s;
		int rc = !db || (db_staff_get(db, "c001", &s, &err) == 1 &&
				 (db_staff_add_first(db, "s001", "主管", "975310", &err) != 0 ||
				  db_staff_add(db, "s001", "c001", "张三", ROLE_CLERK, "864209", &err) != 0)) ||
			 (argc == 7 ? retire_one(db, cat, argv, &err)
				    : bind_one(db, cat, argc, argv, &err));
		if (rc)
			fprintf(stderr, "kiosk_seed: %s: %s\n", err.where, err.msg);
		db_close(db);
		catalog_free(cat);
		return rc ? 2 : 0;
	}
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: kiosk_seed DB KIOSK_ID CASES [YYYY-MM-DD]\n");
		return 2;
	}
	int cases = atoi(argv[3]);
	long first = civil_from_ymd(2026, 3, 2);
	if (argc == 5) {
		int y, m, d;
		if (sscanf(argv[4], "%d-%d-%d", &y, &m, &d) != 3) {
			fprintf(stderr, "kiosk_seed: '%s' is not YYYY-MM-DD\n", argv[4]);
			return 2;
		}
		first = civil_from_ymd(y, m, d);
	}
	kerr err = { 0 };
	catalog *cat = catalog_load(KIOSK_CONFIG_DIR, &err);
	kdb *db = cat ? db_open(argv[1], argv[2], DB_OPEN_CREATE, &err) : NULL;
	if (!db)
		goto fail;
	staff_rec s;
	if (db_staff_get(db, "c001", &s, &err) == 1 &&
	    (db_staff_add_first(db, "s001", "主管", "975310", &err) != 0 ||
	     db_staff_add(db, "s001", "c001", "张三", ROLE_CLERK, "864209", &err) != 0))
		goto fail;
	/* Cases that need a key: the catalogue's services with a token step. */
	const service *svcs[64];
	size_t n_svcs = 0;
	for (size_t i = 0; i < cat->n_services && n_svcs < 64; i++)
		if (cat->services[i].kind == SVC_NEW)
			svcs[n_svcs++] = &cat->services[i];
	if (!n_svcs) {
		kerr_set(&err, "catalogue", "no new-certificate service to simulate");
		goto fail;
	}
	for (int n = 0; n < cases;) {
		long day = first + n / 100;
		if (db_tx_begin(db, &err) != 0)
			goto fail;
		for (int i = n % 100; i < 100 && n < cases; i++, n++) {
			clock_set_fixed(clock_day_start_ms(day) + (9 * 3600 + i * 240) * 1000LL);
			if (run_case(db, cat, svcs[n % n_svcs], n, i, &err) != 0) {
				db_tx_rollback(db);
				goto fail;
			}
		}
		if (db_tx_commit(db, &err) != 0)
			goto fail;
	}
	db_close(db);
	catalog_free(cat);
	return 0;
fail:
	fprintf(stderr, "kiosk_seed: %s: %s\n", err.where, err.msg);
	db_close(db);
	catalog_free(cat);
	return 2;
}
