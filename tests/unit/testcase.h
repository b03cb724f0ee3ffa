/* Test helper (header-only): carry a case through its steps in the database
 * the way the screens would, every material received and the case accepted,
 * for tests that need cases at a given step (reports, refunds). Include after
 * <cmocka.h>: a failing step fails the test. */
#ifndef TESTS_UNIT_TESTCASE_H
#define TESTS_UNIT_TESTCASE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/case/catalog.h"
#include "db/repo/case_repo.h"

/* Steps of case_no by actor up to and including `last` (STEP_NONE: to the
 * end); the details carry a fixed unit, agent and fee_fen. */
static inline void tu_case_step_to(kdb *db, const service *svc, const char *actor,
				   const char *case_no, case_step last, int64_t fee_fen)
{
	kerr err = { 0 };
	case_rec c;
	for (;;) {
		assert_int_equal(db_case_get(db, case_no, &c, &err), 0);
		case_step next = case_next_step(svc, c.last_step, c.decision);
		if (next == STEP_NONE || (c.last_step == last && last != STEP_NONE))
			break;
		case_rec d;
		material_decision md[32];
		case_step_data sd = { .detail = "{\"test\":1}" };
		if (next == STEP_DETAILS) {
			memset(&d, 0, sizeof d);
			party_set(&d.party, PF_UNIT_NAME, "四川测试有限公司");
			party_set(&d.party, PF_USCC, "91310115MA1K3BTP2B");
			party_set(&d.party, PF_AGENT_NAME, "李四");
			party_set(&d.party, PF_AGENT_ID_NO, "110102199101010078");
			party_set(&d.party, PF_AGENT_MOBILE, "13800138000");
			snprintf(d.holder, sizeof d.holder, "unit");
			d.years = 1;
			d.seals = 1;
			d.fee_fen = fee_fen;
			sd.details = &d;
		} else if (next == STEP_MATERIALS) {
			assert_true(svc->n_materials <= 32);
			for (size_t i = 0; i < svc->n_materials; i++) {
				md[i].material_id = svc->materials[i].material->id;
				md[i].mark = MARK_RECEIVED;
				md[i].reason = "";
				md[i].essential = svc->materials[i].essential;
			}
			sd.materials = md;
			sd.n_materials = svc->n_materials;
		} else if (next == STEP_DECISION) {
			sd.decision = DEC_ACCEPT;
		}
		if (db_case_step(db, svc, actor, case_no, next, &sd, &err))
			fail_msg("step %s of %s: %s", case_step_name(next), case_no, err.msg);
		if (next == last)
			break;
	}
}

#endif
