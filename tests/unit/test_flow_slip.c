/* test_flow_slip: the slip step (tui/flow/slip_flow.h) at the end of a case
 * carried through the flows with the demo devices (tests/unit/testflow.h).
 * After a paid case: the 受理回执 is saved under the data directory
 * (slips/<day>/<case>-slip.txt, the same bytes as the text), carries the
 * case number and the payment's transaction id, the slip step is committed
 * with the file's path and the case is 办结; made once only; Enter goes home.
 * With a print command the file is piped to it; a failing printer is said
 * but the slip is kept and recorded; without one, a reprint says there is no
 * printer. After a refusal the 一次性告知单 lists what is missing. A slip that
 * cannot be saved is not recorded, and Enter makes it again rather than
 * lose it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/testflow.h"

/* A paid 证书新办, at its slip. */
static case_flow *paid_case(tf_fx *f)
{
	case_flow *cs = tf_new_to_payment(f, "rs.new");
	tf_pay(f, cs);
	return cs;
}

static const char *expected_path(tf_fx *f, const case_flow *cs, const char *kind, char *out, size_t n)
{
	char day[16];
	snprintf(out, n, "%s/slips/%s/%s-%s.txt", f->dir, civil_format(clock_today(), day, sizeof day),
		 cs->rec.case_no, kind);
	return out;
}

static void receipt_after_payment(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = paid_case(f);
	const char *no = cs->rec.case_no;
	slip_flow_make(&f->k, cs);
	assert_false(cs->step_failed);
	assert_string_equal(cs->step_msg, "");
	assert_non_null(cs->slip_text);
	char path[1200];
	assert_string_equal(cs->slip_text_path, expected_path(f, cs, "slip", path, sizeof path));
	assert_true(tu_same_bytes(cs->slip_text, strlen(cs->slip_text), path));
	assert_non_null(strstr(cs->slip_text, no));
	assert_true(cs->order.transaction_id[0] != '\0');
	/* (the slip is 40 columns wide: the id on the line after its label) */
	char txn[200];
	snprintf(txn, sizeof txn, "Payment transaction:\n  %s\n", cs->order.transaction_id);
	assert_non_null(strstr(cs->slip_text, txn));
	assert_non_null(strstr(cs->slip_text, TF_UNIT));

	/* the slip step: committed with the file's path, the case 办结 */
	assert_int_equal(cs->rec.last_step, STEP_SLIP);
	assert_int_equal(case_flow_next(cs), STEP_NONE);
	tf_expect_case(f, no, "completed", "slip");
	assert_int_equal(tf_int(f, "SELECT finished FROM cases WHERE case_no = ?1", no), 1);
	char s[1200];
	assert_string_equal(tf_text(f, "SELECT s.detail FROM case_steps s JOIN cases c ON c.id = s.case_id"
				       " WHERE c.case_no = ?1 AND s.step = 'slip'", no, s, sizeof s),
			    path);
	assert_int_equal(tf_audit_count(f, no, "case.slip"), 1);

	/* made once: a second call keeps the text */
	const char *text = cs->slip_text;
	slip_flow_make(&f->k, cs);
	assert_ptr_equal(cs->slip_text, text);
	assert_int_equal(tf_audit_count(f, no, "case.slip"), 1);
	/* no printer configured: a reprint says so */
	f->said[0] = '\0';
	slip_flow_print(&f->k, cs);
	assert_string_equal(f->said, counter_str(&f->k, "slip.no_printer"));
	/* ... and the copy is still kept, marked, and audited (issue 13 point 4) */
	char rp[1200];
	assert_true(tu_exists(expected_path(f, cs, "slip-reprint", rp, sizeof rp)));
	assert_int_equal(tf_audit_count(f, no, "case.reprint"), 1);
	assert_true(tu_same_bytes(cs->slip_text, strlen(cs->slip_text), path)); /* the original untouched */
	assert_int_equal(slip_flow_done(&f->k, cs), FLOW_HOME);
	case_flow_free(cs);
}

static void printed(void **state)
{
	tf_fx *f = *state;
	char *configured = f->k.cfg->print_command;
	char cmd[600], out[400];
	tu_path(out, sizeof out, f->dir, "printed.txt");
	snprintf(cmd, sizeof cmd, "cat > '%s'", out);
	f->k.cfg->print_command = cmd;
	case_flow *cs = paid_case(f);
	slip_flow_make(&f->k, cs);
	assert_false(cs->step_failed);
	assert_string_equal(cs->step_msg, "");
	assert_true(tu_same_bytes(cs->slip_text, strlen(cs->slip_text), out));
	assert_int_equal(slip_flow_done(&f->k, cs), FLOW_HOME);
	case_flow_free(cs);

	/* the printer fails: said, the slip saved and recorded all the same */
	f->k.cfg->print_command = "exit 3";
	assert_int_equal(token_erase(f->k.tok), TOK_OK); /* the blank key again, for the next case */
	cs = tf_new_to_payment(f, "rs.new");
	tf_pay(f, cs);
	slip_flow_make(&f->k, cs);
	assert_true(cs->step_msg[0] != '\0');
	assert_true(tu_exists(cs->slip_text_path));
	tf_expect_case(f, cs->rec.case_no, "completed", "slip");
	/* and a reprint says why it fails */
	f->said[0] = '\0';
	slip_flow_print(&f->k, cs);
	assert_true(f->said[0] != '\0');
	assert_int_equal(slip_flow_done(&f->k, cs), FLOW_HOME);
	case_flow_free(cs);
	f->k.cfg->print_command = configured;
}

static void notice_after_refusal(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_case_to(f, "rs.new", STEP_DETAILS);
	assert_true(case_mark(&f->k, cs, 0, MARK_MISSING, NULL));
	assert_true(case_mark(&f->k, cs, 1, MARK_RECEIVED, NULL));
	assert_true(case_mark(&f->k, cs, 2, MARK_DEFECTIVE, "复印件不清晰"));
	assert_int_equal(case_materials_submit(&f->k, cs), FLOW_NEXT);
	assert_int_equal(case_decide(&f->k, cs, DEC_REFUSE), FLOW_NEXT);
	assert_int_equal(case_flow_next(cs), STEP_SLIP);
	slip_flow_make(&f->k, cs);
	assert_false(cs->step_failed);
	char path[1200];
	assert_string_equal(cs->slip_text_path, expected_path(f, cs, "notice", path, sizeof path));
	assert_true(tu_same_bytes(cs->slip_text, strlen(cs->slip_text), path));
	/* the missing form (its label's first words: the slip wraps at 40 columns) */
	char label[17];
	snprintf(label, sizeof label, "%s", cs->cl->items[0].sm->material->label[LANG_EN]);
	assert_string_equal(label, "Application form");
	assert_non_null(strstr(cs->slip_text, label));
	assert_non_null(strstr(cs->slip_text, "复印件不清晰"));
	tf_expect_case(f, cs->rec.case_no, "refused", "slip");
	assert_int_equal(slip_flow_done(&f->k, cs), FLOW_HOME);
	case_flow_free(cs);
}

static void cannot_save(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = paid_case(f);
	/* the data directory is a file: nothing can be saved under it */
	char file[400];
	tu_path(file, sizeof file, f->dir, "not-a-dir");
	assert_true(tu_write_file(file, "x", 1));
	f->k.data_dir = file;
	slip_flow_make(&f->k, cs);
	assert_true(cs->step_failed);
	assert_true(cs->step_msg[0] != '\0');
	tf_expect_case(f, cs->rec.case_no, "accepted", "payment");
	/* still failing: made again, not lost */
	assert_int_equal(slip_flow_done(&f->k, cs), FLOW_STAY);
	tf_expect_case(f, cs->rec.case_no, "accepted", "payment");
	/* the directory back: the next Enter saves and records it, then home */
	f->k.data_dir = f->dir;
	assert_int_equal(slip_flow_done(&f->k, cs), FLOW_STAY);
	assert_true(tu_exists(cs->slip_text_path));
	tf_expect_case(f, cs->rec.case_no, "completed", "slip");
	assert_int_equal(slip_flow_done(&f->k, cs), FLOW_HOME);
	case_flow_free(cs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(receipt_after_payment, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(printed, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(notice_after_refusal, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(cannot_save, tf_setup, tf_teardown),
	};
	return cmocka_run_group_tests(tests, tf_group_setup, tf_group_teardown);
}
