/* test_flow_case: the case flow (tui/flow/case_flow.h) without a screen, on a
 * real database file with the demo key (tests/unit/testflow.h). A 证书新办:
 * opened (its fields laid out, nothing recorded but the case), the details
 * checked and committed (the typed party, holder, term and fee in the
 * store), a wrong USCC stopping it on that field with its reason and nothing
 * recorded; the materials: unset ones keep the step (FLOW_STAY, how many
 * said), all received commits it; the decision: a refusal with nothing to
 * tell is refused, acceptance commits it. A case resumed gives back the typed
 * fields and the marks (with the defect's reason) and continues where it was.
 * Cancelled: FLOW_HOME and the case cancelled in the store with its reason
 * audited. A renewal reads the key in the reader: with the key of the same
 * unit it goes on (the key's serial in the step's detail), another unit's
 * key or no key stops it with the reason, an expired key asks to take it as a
 * new case (the renewal cancelled, the new case keeps what was typed). A
 * revocation needs a supervisor other than the clerk. After the day close no
 * case opens (said). The SQL that checks the store is written here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/audit/kioskkey.h"
#include "db/repo/anchor_repo.h"
#include "tests/unit/testflow.h"

/* ---- a new certificate: details, materials, decision ---- */

static void new_case_details(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_open(f, "rs.new");
	assert_int_equal(cs->rec.status, CS_OPEN);
	assert_int_equal(cs->rec.last_step, STEP_NONE);
	assert_int_equal(case_flow_next(cs), STEP_DETAILS);
	assert_string_equal(cs->rec.clerk_id, "demo01");
	/* the form's five fields, then the holder and the term the fee depends on */
	assert_int_equal(cs->n_fields, 7);
	assert_int_equal(cs->kinds[5], CF_HOLDER);
	assert_int_equal(cs->kinds[6], CF_YEARS);
	tf_expect_case(f, cs->rec.case_no, "open", "none");
	assert_int_equal(tf_audit_count(f, cs->rec.case_no, "case.open"), 1);

	tf_fill(f, cs, TF_UNIT, TF_USCC);
	int bad = -2;
	assert_int_equal(case_details_submit(&f->k, cs, &bad), FLOW_NEXT);
	assert_int_equal(bad, -1);
	assert_int_equal(cs->rec.last_step, STEP_DETAILS);
	assert_int_equal(case_flow_next(cs), STEP_MATERIALS);
	/* opening 100 yuan + one year at 200 yuan */
	assert_int_equal(cs->rec.fee_fen, 30000);
	assert_int_equal(cs->quote.total_fen, 30000);

	char s[300];
	const char *no = cs->rec.case_no;
	tf_expect_case(f, no, "open", "details");
	assert_string_equal(tf_text(f, "SELECT unit_name FROM cases WHERE case_no = ?1", no, s, sizeof s), TF_UNIT);
	assert_string_equal(tf_text(f, "SELECT uscc FROM cases WHERE case_no = ?1", no, s, sizeof s), TF_USCC);
	assert_string_equal(tf_text(f, "SELECT agent_name FROM cases WHERE case_no = ?1", no, s, sizeof s), TF_AGENT);
	assert_string_equal(tf_text(f, "SELECT agent_id_no FROM cases WHERE case_no = ?1", no, s, sizeof s), TF_ID_NO);
	assert_string_equal(tf_text(f, "SELECT agent_mobile FROM cases WHERE case_no = ?1", no, s, sizeof s), TF_PHONE);
	assert_string_equal(tf_text(f, "SELECT holder FROM cases WHERE case_no = ?1", no, s, sizeof s), "unit");
	assert_int_equal(tf_int(f, "SELECT years FROM cases WHERE case_no = ?1", no), 1);
	assert_int_equal(tf_int(f, "SELECT fee_fen FROM cases WHERE case_no = ?1", no), 30000);
	assert_int_equal(tf_int(f, "SELECT count(*) FROM case_steps s JOIN cases c ON c.id = s.case_id"
				   " WHERE c.case_no = ?1 AND s.step = 'details' AND s.actor = 'demo01'", no), 1);
	assert_int_equal(tf_audit_count(f, no, "case.details"), 1);
	case_flow_free(cs);
}

static void wrong_uscc(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_open(f, "rs.new");
	/* the last character is the check character: one off */
	tf_fill(f, cs, TF_UNIT, "91510100MA61XY3K4A");
	int bad = -2;
	assert_int_equal(case_details_submit(&f->k, cs, &bad), FLOW_FAILED);
	int uscc = tf_field(f, cs, "uscc");
	assert_int_equal(bad, uscc);
	assert_true(cs->field_msg[uscc][0] != '\0');
	for (int i = 0; i < cs->n_fields; i++)
		if (i != uscc)
			assert_string_equal(cs->field_msg[i], "");
	/* nothing recorded: the case is where it was opened */
	assert_int_equal(cs->rec.last_step, STEP_NONE);
	tf_expect_case(f, cs->rec.case_no, "open", "none");
	assert_int_equal(tf_audit_count(f, cs->rec.case_no, "case.details"), 0);

	/* the first wrong field is the one named, the reason of each kept */
	tf_type(f, cs, "agent_mobile", "1380013800");
	assert_int_equal(case_details_submit(&f->k, cs, &bad), FLOW_FAILED);
	assert_int_equal(bad, uscc);
	assert_true(cs->field_msg[tf_field(f, cs, "agent_mobile")][0] != '\0');

	/* put right, it goes on */
	tf_type(f, cs, "uscc", TF_USCC);
	tf_type(f, cs, "agent_mobile", TF_PHONE);
	assert_int_equal(case_details_submit(&f->k, cs, &bad), FLOW_NEXT);
	assert_string_equal(cs->field_msg[uscc], "");
	tf_expect_case(f, cs->rec.case_no, "open", "details");
	case_flow_free(cs);
}

static void materials_and_decision(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_case_to(f, "rs.new", STEP_DETAILS);
	const char *no = cs->rec.case_no;

	/* nothing marked: the step stays, how many are left is said */
	assert_int_equal(cs->cl->n_items, 3);
	f->said[0] = '\0';
	assert_int_equal(case_materials_submit(&f->k, cs), FLOW_STAY);
	assert_string_equal(f->said, "3 materials are not checked yet.");
	assert_true(case_mark(&f->k, cs, 0, MARK_RECEIVED, NULL));
	assert_true(case_mark(&f->k, cs, 1, MARK_RECEIVED, NULL));
	assert_int_equal(case_materials_submit(&f->k, cs), FLOW_STAY);
	assert_string_equal(f->said, "1 materials are not checked yet.");
	tf_expect_case(f, no, "open", "details");
	/* a defect needs its reason (said, the mark not taken) */
	f->said[0] = '\0';
	assert_false(case_mark(&f->k, cs, 2, MARK_DEFECTIVE, ""));
	assert_true(f->said[0] != '\0');
	assert_int_equal(cs->cl->items[2].mark, MARK_UNSET);

	assert_true(case_mark(&f->k, cs, 2, MARK_RECEIVED, NULL));
	assert_int_equal(case_materials_submit(&f->k, cs), FLOW_NEXT);
	tf_expect_case(f, no, "open", "materials");
	assert_int_equal(tf_int(f, "SELECT count(*) FROM material_decisions m JOIN cases c ON c.id = m.case_id"
				   " WHERE c.case_no = ?1 AND m.mark = 'received'", no), 3);

	/* the decision: everything received, so there is nothing to refuse over */
	assert_int_equal(case_decision_start(&f->k, cs), DEC_ACCEPT);
	assert_true(cs->rongque_deadline >= 0);
	assert_true(case_decision_open(cs, DEC_ACCEPT));
	assert_false(case_decision_open(cs, DEC_RONGQUE));
	assert_int_equal(case_decide(&f->k, cs, DEC_REFUSE), FLOW_FAILED);
	assert_true(cs->step_failed);
	assert_string_equal(cs->step_msg, counter_str(&f->k, "decision.refuse_nothing"));
	assert_int_equal(cs->decision, DEC_NONE);
	tf_expect_case(f, no, "open", "materials");

	assert_int_equal(case_decide(&f->k, cs, DEC_ACCEPT), FLOW_NEXT);
	assert_int_equal(cs->rec.decision, DEC_ACCEPT);
	assert_int_equal(cs->rongque_deadline, -1);
	assert_int_equal(case_flow_next(cs), STEP_TOKEN);
	tf_expect_case(f, no, "accepted", "decision");
	char s[32];
	assert_string_equal(tf_text(f, "SELECT decision FROM cases WHERE case_no = ?1", no, s, sizeof s), "accept");
	assert_string_equal(tf_text(f, "SELECT rongque_deadline FROM cases WHERE case_no = ?1", no, s, sizeof s),
			    "(null)");
	case_flow_free(cs);
}

/* A missing licence copy and a defective ID copy: refused, with both on the
 * notice; a refusal goes straight to the slip. */
static void refusal(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_case_to(f, "rs.new", STEP_DETAILS);
	assert_true(case_mark(&f->k, cs, 0, MARK_MISSING, NULL)); /* the form: essential */
	assert_true(case_mark(&f->k, cs, 1, MARK_RECEIVED, NULL));
	assert_true(case_mark(&f->k, cs, 2, MARK_DEFECTIVE, "复印件不清晰"));
	assert_int_equal(case_materials_submit(&f->k, cs), FLOW_NEXT);
	assert_int_equal(case_decision_start(&f->k, cs), DEC_REFUSE);
	assert_false(case_decision_open(cs, DEC_ACCEPT));
	assert_false(case_decision_open(cs, DEC_RONGQUE));
	assert_int_equal(case_decide(&f->k, cs, DEC_REFUSE), FLOW_NEXT);
	assert_int_equal(case_flow_next(cs), STEP_SLIP);
	tf_expect_case(f, cs->rec.case_no, "refused", "decision");
	case_flow_free(cs);
}

/* ---- resuming ---- */

static void resume(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_open(f, "rs.new");
	tf_fill(f, cs, TF_UNIT, TF_USCC);
	/* the details normalise what was typed: lower case x, spaces */
	tf_type(f, cs, "agent_id_no", " 44011320141005001x ");
	case_field_cycle(&f->k, cs, 6, +1); /* two years */
	tf_details(f, cs);
	assert_int_equal(cs->rec.years, 2);
	assert_true(case_mark(&f->k, cs, 0, MARK_RECEIVED, NULL));
	assert_true(case_mark(&f->k, cs, 1, MARK_MISSING, NULL));
	assert_true(case_mark(&f->k, cs, 2, MARK_DEFECTIVE, "复印件不清晰"));
	assert_int_equal(case_materials_submit(&f->k, cs), FLOW_NEXT);
	char no[40];
	snprintf(no, sizeof no, "%s", cs->rec.case_no);
	int64_t fee = cs->rec.fee_fen;
	case_flow_free(cs);

	/* the kiosk restarted: a fresh store connection, the case taken up */
	tf_reopen_db(f);
	cs = case_flow_resume(&f->k, no);
	assert_non_null(cs);
	assert_string_equal(cs->svc->id, "rs.new");
	assert_int_equal(case_flow_next(cs), STEP_DECISION);
	assert_string_equal(cs->text[tf_field(f, cs, "unit_name")], TF_UNIT);
	assert_string_equal(cs->text[tf_field(f, cs, "uscc")], TF_USCC);
	assert_string_equal(cs->text[tf_field(f, cs, "agent_name")], TF_AGENT);
	assert_string_equal(cs->text[tf_field(f, cs, "agent_id_no")], "44011320141005001X");
	assert_string_equal(cs->text[tf_field(f, cs, "agent_mobile")], TF_PHONE);
	assert_int_equal(cs->years, 2);
	assert_int_equal(cs->quote.total_fen, fee);
	assert_int_equal(cs->cl->items[0].mark, MARK_RECEIVED);
	assert_int_equal(cs->cl->items[1].mark, MARK_MISSING);
	assert_int_equal(cs->cl->items[2].mark, MARK_DEFECTIVE);
	assert_string_equal(cs->cl->items[2].reason, "复印件不清晰");
	assert_int_equal(tf_audit_count(f, no, "case.resume"), 1);
	/* and goes on from there */
	assert_int_equal(case_decision_start(&f->k, cs), case_decision_suggested(cs));
	assert_int_equal(case_decide(&f->k, cs, DEC_REFUSE), FLOW_NEXT);
	tf_expect_case(f, no, "refused", "decision");
	case_flow_free(cs);

	/* an unknown case is said, not made */
	f->said[0] = '\0';
	assert_null(case_flow_resume(&f->k, "SCCA-CD-01-20260302-9999"));
	/* in the clerk's words (strings), not the store's English */
	assert_string_equal(f->said, "There is no case SCCA-CD-01-20260302-9999.");
}

/* ---- cancelling ---- */

static void cancel(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_case_to(f, "rs.new", STEP_DETAILS);
	char no[40];
	snprintf(no, sizeof no, "%s", cs->rec.case_no);
	assert_int_equal(case_flow_cancel(&f->k, cs, NULL), FLOW_HOME);
	case_flow_free(cs);
	tf_expect_case(f, no, "cancelled", "details");
	assert_int_equal(tf_int(f, "SELECT finished FROM cases WHERE case_no = ?1", no), 1);
	char s[300];
	tf_text(f, "SELECT actor || ': ' || detail FROM audit WHERE case_no = ?1 AND action = 'case.cancel'",
		no, s, sizeof s);
	if (strncmp(s, "demo01: ", 8) != 0 || !strstr(s, "\"reason\":\"cancelled by the clerk\""))
		fail_msg("cancel audited as %s", s);

	/* taken up again, it goes nowhere; a second cancel is refused (said) */
	cs = case_flow_resume(&f->k, no);
	assert_non_null(cs);
	assert_int_equal(cs->rec.status, CS_CANCELLED);
	assert_false(case_flow_commit(&f->k, cs, STEP_MATERIALS, ""));
	assert_true(cs->step_failed);
	f->said[0] = '\0';
	assert_int_equal(case_flow_cancel(&f->k, cs, "again"), FLOW_FAILED);
	assert_true(f->said[0] != '\0');
	case_flow_free(cs);
	assert_int_equal(tf_audit_count(f, no, "case.cancel"), 1);
}

/* ---- a renewal: the key read on the details step ---- */

#define KEY2_UNIT "绵阳涪城示例建设工程有限公司"
#define KEY2_USCC "91510700MA62Q8TU37"

static void renewal_reads_key(void **state)
{
	tf_fx *f = *state;
	kerr err = { 0 };
	case_flow *cs = tf_open(f, "rs.renew");
	tf_fill(f, cs, KEY2_UNIT, KEY2_USCC);
	/* no key in the reader: the rule says why, nothing recorded */
	int bad = -2;
	assert_int_equal(case_details_submit(&f->k, cs, &bad), FLOW_FAILED);
	assert_int_equal(bad, -1);
	assert_string_equal(cs->rule_msg, counter_str(&f->k, "rule.key_required"));
	tf_expect_case(f, cs->rec.case_no, "open", "none");

	/* another unit's key: caught at the counter */
	assert_int_equal(token_demo_insert(f->k.tok, "SC-DEMO-0001", &err), 0);
	assert_int_equal(case_details_submit(&f->k, cs, &bad), FLOW_FAILED);
	assert_int_equal(bad, -1);
	assert_non_null(strstr(cs->rule_msg, "成都锦城示例科技有限公司"));
	tf_expect_case(f, cs->rec.case_no, "open", "none");

	/* the unit's key, 30 days left: inside the renewal window */
	assert_int_equal(token_demo_insert(f->k.tok, "SC-DEMO-0002", &err), 0);
	case_read_key(&f->k, cs);
	assert_true(cs->key_read);
	assert_string_equal(cs->key.serial, "SC-DEMO-0002");
	assert_int_equal(cs->old_not_after, clock_today() + 30);
	assert_int_equal(case_details_submit(&f->k, cs, &bad), FLOW_NEXT);
	assert_string_equal(cs->rule_msg, "");
	assert_int_equal(cs->rec.fee_fen, 20000); /* the annual fee only */
	char s[1024];
	tf_text(f, "SELECT s.detail FROM case_steps s JOIN cases c ON c.id = s.case_id"
		   " WHERE c.case_no = ?1 AND s.step = 'details'", cs->rec.case_no, s, sizeof s);
	if (!strstr(s, "key SC-DEMO-0002"))
		fail_msg("detail: %s", s);
	case_flow_free(cs);
}

static void expired_renewal_as_new(void **state)
{
	tf_fx *f = *state;
	kerr err = { 0 };
	case_flow *cs = tf_open(f, "rs.renew");
	tf_fill(f, cs, "成都天府示例商贸有限公司", "91510100MA6C7D2A75");
	assert_int_equal(token_demo_insert(f->k.tok, "SC-DEMO-0003", &err), 0); /* expired 5 days ago */
	int bad = -2;
	assert_int_equal(case_details_submit(&f->k, cs, &bad), FLOW_ASK_AS_NEW);
	assert_true(cs->rule_msg[0] != '\0');
	char old[40];
	snprintf(old, sizeof old, "%s", cs->rec.case_no);
	tf_expect_case(f, old, "open", "none");

	case_flow *nw = case_flow_as_new(&f->k, cs);
	case_flow_free(cs);
	assert_non_null(nw);
	assert_string_equal(nw->svc->id, "rs.new");
	assert_string_not_equal(nw->rec.case_no, old);
	assert_string_equal(nw->text[tf_field(f, nw, "unit_name")], "成都天府示例商贸有限公司");
	assert_string_equal(nw->text[tf_field(f, nw, "agent_id_no")], TF_ID_NO);
	tf_expect_case(f, old, "cancelled", "none");
	tf_expect_case(f, nw->rec.case_no, "open", "none");
	tf_details(f, nw);
	case_flow_free(nw);
}

/* ---- approval (revocation) ---- */

static void approval(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_case_to(f, "rs.revoke", STEP_DECISION);
	assert_int_equal(case_flow_next(cs), STEP_APPROVAL);
	char pin[16];
	/* the clerk cannot approve their own case; the PIN is wiped either way */
	snprintf(pin, sizeof pin, TF_PIN_CLERK);
	assert_int_equal(case_approve(&f->k, cs, "demo01", pin), FLOW_FAILED);
	assert_string_equal(cs->step_msg, counter_str(&f->k, "approval.self"));
	assert_string_equal(pin, "");
	/* another clerk is no supervisor */
	snprintf(pin, sizeof pin, TF_PIN_CLERK2);
	assert_int_equal(case_approve(&f->k, cs, "demo02", pin), FLOW_FAILED);
	assert_string_equal(cs->step_msg, counter_str(&f->k, "approval.not_supervisor"));
	/* the role is asked before the PIN: a clerk's id with wrong PINs is
	 * refused as no supervisor, and that clerk is not made to wait */
	for (int i = 0; i < 8; i++) {
		snprintf(pin, sizeof pin, "000000");
		assert_int_equal(case_approve(&f->k, cs, "demo02", pin), FLOW_FAILED);
		assert_string_equal(cs->step_msg, counter_str(&f->k, "approval.not_supervisor"));
	}
	assert_int_equal(tf_int(f, "SELECT failures + locked_until_ms FROM staff WHERE id = ?1", "demo02"), 0);
	/* a wrong PIN */
	snprintf(pin, sizeof pin, "000000");
	assert_int_equal(case_approve(&f->k, cs, "demosup", pin), FLOW_FAILED);
	assert_string_equal(cs->step_msg, counter_str(&f->k, "approval.failed"));
	tf_expect_case(f, cs->rec.case_no, "accepted", "decision");
	/* wrong PINs up to the wait: the clerk is told how long, not "wrong" */
	for (int i = 1; i < f->k.cfg->login_max_failures; i++) {
		snprintf(pin, sizeof pin, "000000");
		assert_int_equal(case_approve(&f->k, cs, "demosup", pin), FLOW_FAILED);
	}
	assert_string_equal(cs->step_msg, "Too many wrong PINs: this staff id is held; try again in 1 s.");
	snprintf(pin, sizeof pin, TF_PIN_SUP);
	assert_int_equal(case_approve(&f->k, cs, "demosup", pin), FLOW_FAILED);
	assert_string_equal(cs->step_msg, "Too many wrong PINs: this staff id is held; try again in 1 s.");
	clock_set_fixed(tf_t0() + 1000);

	snprintf(pin, sizeof pin, TF_PIN_SUP);
	assert_int_equal(case_approve(&f->k, cs, "demosup", pin), FLOW_NEXT);
	assert_string_equal(pin, "");
	assert_int_equal(case_flow_next(cs), STEP_TOKEN);
	tf_expect_case(f, cs->rec.case_no, "accepted", "approval");
	char s[200];
	tf_text(f, "SELECT s.detail FROM case_steps s JOIN cases c ON c.id = s.case_id"
		   " WHERE c.case_no = ?1 AND s.step = 'approval'", cs->rec.case_no, s, sizeof s);
	assert_string_equal(s, "approved by demosup");
	case_flow_free(cs);
}

/* ---- the day closed ---- */

static void day_closed(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_open(f, "rs.new"); /* before the close: opens */
	case_flow_free(cs);
	kerr err = { 0 };
	char key_path[400];
	tu_path(key_path, sizeof key_path, f->dir, "kiosk.key");
	kioskkey *key = kioskkey_load_or_create(key_path, &err);
	assert_non_null(key);
	anchor_rec a;
	if (db_day_close(f->k.db, clock_today(), "demosup", key, &a, &err) != 0)
		fail_msg("day close: %s", err.msg);
	kioskkey_free(key);

	long long cases = tf_int(f, "SELECT count(*) FROM cases", NULL);
	f->said[0] = '\0';
	assert_null(case_flow_open(&f->k, tf_service(f, "rs.new")));
	/* in trainer mode (the fixture's), with the remedy: a fresh training day */
	assert_true(f->k.demo);
	assert_string_equal(f->said, "The day was closed by demosup: no new cases today. To go on training, "
				     "a trainer or supervisor presses F12 at home for a fresh training day.");
	assert_int_equal(tf_int(f, "SELECT count(*) FROM cases", NULL), cases);

	/* the next day opens again */
	clock_set_fixed(tf_t0() + 24 * 3600 * 1000LL);
	cs = tf_open(f, "rs.new");
	case_flow_free(cs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(new_case_details, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(wrong_uscc, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(materials_and_decision, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(refusal, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(resume, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(cancel, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(renewal_reads_key, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(expired_renewal_as_new, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(approval, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(day_closed, tf_setup, tf_teardown),
	};
	return cmocka_run_group_tests(tests, tf_group_setup, tf_group_teardown);
}
