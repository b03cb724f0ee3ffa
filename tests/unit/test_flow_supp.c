/* test_flow_supp: 容缺补交 and 好差评 (tui/flow/supp_flow.h) without a screen,
 * on a real database file with the demo devices (tests/unit/testflow.h).
 *
 * A 证书新办 accepted 容缺 (the licence copy missing) to its slip is found
 * by the finder's words (USCC, a unit-name fragment, the case number's
 * tail) and in the list of every case owed; taken up, only the owed item
 * may be marked; still unmarked, missing or defective it stays 容缺 with
 * nothing recorded (said at once, the checklist's checks: a defect needs a
 * reason); received, the case is 办结 with one supplements row and one
 * case.supplement audit row, and the 容缺补交回执 (the original case number,
 * what came back and when) is saved as <case>-supplement.txt; taken up again
 * it is done, with the same paper, and it has left the owed list and the
 * day's 容缺 count. After the deadline the store refuses it without a
 * supervisor, and the flow asks one (not a clerk, the right PIN) and a
 * reason, both kept and printed.
 *
 * The rating: once per case, only once the case is over; a 差评 is due 15
 * working days later (Monday 2026-03-02 -> Monday 2026-03-23) and listed for
 * the supervisor, on later days too while open; its follow-up is a
 * supervisor's, once, with words; a 满意 has nothing to follow up; the
 * timeline shows both. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "db/report/report.h"
#include "db/report/timeline.h"
#include "tests/unit/testflow.h"

/* The checklist index of material id. */
static size_t item_of(const checklist *cl, const char *id)
{
	for (size_t i = 0; i < cl->n_items; i++)
		if (strcmp(cl->items[i].sm->material->id, id) == 0)
			return i;
	fail_msg("no material %s", id);
	return 0;
}

/* A 人社 证书新办 for TF_UNIT accepted 容缺 without the licence copy, its key
 * written, paid and its slip printed: its case number into no. */
static void rongque_case(tf_fx *f, char *no, size_t n)
{
	case_flow *cs = tf_case_to(f, "rs.new", STEP_DETAILS);
	for (size_t i = 0; i < cs->cl->n_items; i++) {
		bool lic = strcmp(cs->cl->items[i].sm->material->id, "licence_copy") == 0;
		assert_true(case_mark(&f->k, cs, i, lic ? MARK_MISSING : MARK_RECEIVED, NULL));
	}
	assert_int_equal(case_materials_submit(&f->k, cs), FLOW_NEXT);
	assert_int_equal(case_decision_start(&f->k, cs), DEC_RONGQUE);
	assert_int_equal(case_decide(&f->k, cs, DEC_RONGQUE), FLOW_NEXT);
	tf_token(f, cs, "SC-DEMO-0006");
	tf_pay(f, cs);
	slip_flow_make(&f->k, cs);
	assert_false(cs->step_failed);
	tf_expect_case(f, cs->rec.case_no, "rongque", "slip");
	snprintf(no, n, "%s", cs->rec.case_no);
	case_flow_free(cs);
}

/* The slip's text with its 40-column lines joined again: a line break and
 * the indent after it become one space. */
static const char *flat(const char *text, char *out, size_t n)
{
	size_t o = 0;
	for (const char *p = text; *p && o + 1 < n; p++) {
		if (*p == '\n') {
			while (p[1] == ' ')
				p++;
			out[o++] = ' ';
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
	return out;
}

static size_t listed(tf_fx *f, const char *query, const char *no)
{
	case_rec *v = NULL;
	size_t n = 0, hits = 0;
	assert_int_equal(supp_flow_list(&f->k, query, &v, &n), 0);
	for (size_t i = 0; i < n; i++)
		hits += strcmp(v[i].case_no, no) == 0;
	free(v);
	return hits;
}

static void supplement_in_time(void **state)
{
	tf_fx *f = *state;
	char no[40];
	rongque_case(f, no, sizeof no);
	/* found as the customer remembers it, and in the list of every case owed */
	assert_int_equal(listed(f, NULL, no), 1);
	assert_int_equal(listed(f, TF_USCC, no), 1);
	assert_int_equal(listed(f, "锦城示例", no), 1);
	assert_int_equal(listed(f, no + strlen(no) - 4, no), 1);
	assert_int_equal(listed(f, "no such unit", no), 0);

	supp_case *s = supp_flow_open(&f->k, no);
	assert_non_null(s);
	assert_false(s->done);
	assert_false(s->late);
	assert_int_equal(s->n_owed, 1);
	size_t lic = item_of(s->cl, "licence_copy"), form = item_of(s->cl, "app_form");
	assert_true(s->owed[lic]);
	assert_false(s->owed[form]);
	assert_int_equal(s->cl->items[form].mark, MARK_RECEIVED); /* had at acceptance */
	assert_int_equal(s->cl->items[lic].mark, MARK_UNSET);
	/* only what the case owes is marked here */
	assert_false(supp_flow_mark(&f->k, s, form, MARK_MISSING, NULL));
	assert_string_equal(s->msg, counter_str(&f->k, "supp.not_owed"));
	assert_int_equal(s->cl->items[form].mark, MARK_RECEIVED);

	/* unmarked, missing, defective: it stays 容缺 and nothing is recorded */
	char pin[16] = "";
	assert_int_equal(supp_flow_complete(&f->k, s, NULL, pin, NULL), FLOW_STAY);
	assert_string_equal(s->msg, "1 materials are not checked yet.");
	assert_true(supp_flow_mark(&f->k, s, lic, MARK_MISSING, NULL));
	assert_int_equal(supp_flow_complete(&f->k, s, NULL, pin, NULL), FLOW_STAY);
	assert_non_null(strstr(s->msg, "Still missing or defective: Copy of the unit's licence"));
	assert_false(supp_flow_mark(&f->k, s, lic, MARK_DEFECTIVE, "")); /* a defect says what */
	assert_true(supp_flow_mark(&f->k, s, lic, MARK_DEFECTIVE, "no seal"));
	assert_int_equal(supp_flow_complete(&f->k, s, NULL, pin, NULL), FLOW_STAY);
	tf_expect_case(f, no, "rongque", "slip");
	assert_int_equal(tf_int(f, "SELECT count(*) FROM supplements", NULL), 0);
	assert_int_equal(tf_audit_count(f, no, "case.supplement"), 0);

	/* received: 办结, recorded once, the paper made */
	assert_true(supp_flow_mark(&f->k, s, lic, MARK_RECEIVED, NULL));
	assert_int_equal(supp_flow_complete(&f->k, s, NULL, pin, NULL), FLOW_NEXT);
	assert_true(s->done);
	tf_expect_case(f, no, "completed", "slip");
	char t[600];
	assert_string_equal(tf_text(f, "SELECT s.material_id || '/' || s.actor || '/' || coalesce(s.late_by, '-')"
				       " || '/' || s.note FROM supplements s JOIN cases c ON c.id = s.case_id"
				       " WHERE c.case_no = ?1", no, t, sizeof t),
			    "licence_copy/demo01/-/");
	assert_int_equal(tf_audit_count(f, no, "case.supplement"), 1);
	assert_string_equal(tf_text(f, "SELECT detail FROM audit WHERE action = 'case.supplement' AND case_no = ?1",
				    no, t, sizeof t),
			    "{\"received\":[\"licence_copy\"],\"deadline\":\"2026-04-01\"}");
	assert_non_null(s->slip_text);
	char path[1200], day[16];
	snprintf(path, sizeof path, "%s/slips/%s/%s-supplement.txt", f->dir,
		 civil_format(clock_today(), day, sizeof day), no);
	assert_string_equal(s->slip_path, path);
	assert_true(tu_same_bytes(s->slip_text, strlen(s->slip_text), path));
	char fl[8192];
	flat(s->slip_text, fl, sizeof fl);
	assert_non_null(strstr(fl, no));
	assert_non_null(strstr(fl, "Original case: accepted with materials to follow on 2026-03-02, to supplement by 2026-04-01"));
	assert_non_null(strstr(fl, "Materials brought now: 1. Copy of the unit's licence"));
	assert_non_null(strstr(fl, "Received: 2026-03-02 10:00"));
	assert_non_null(strstr(fl, "Status: completed"));
	assert_null(strstr(fl, "Late:"));
	char *text = strdup(s->slip_text);
	supp_case_free(s);

	/* done: taken up for its paper, the same one; no longer owed */
	s = supp_flow_open(&f->k, no);
	assert_non_null(s);
	assert_true(s->done);
	assert_string_equal(s->slip_text, text);
	assert_int_equal(supp_flow_complete(&f->k, s, NULL, pin, NULL), FLOW_NEXT);
	assert_int_equal(tf_audit_count(f, no, "case.supplement"), 1);
	supp_case_free(s);
	free(text);
	assert_int_equal(listed(f, NULL, no), 0);
	assert_int_equal(listed(f, TF_USCC, no), 0);
	daily_report r;
	kerr err = { 0 };
	assert_int_equal(db_report_daily(f->k.db, clock_today(), &r, &err), 0);
	assert_int_equal(r.n_rongque, 0);
	assert_int_equal(r.by_outcome[OUTCOME_COMPLETED], 1);
	assert_true(r.cases[0].supplied_ms > 0);
	daily_report_free(&r);

	/* a case that owes nothing is not taken up */
	case_flow *cs = tf_case_to(f, "rs.new", STEP_DETAILS);
	f->said[0] = '\0';
	assert_null(supp_flow_open(&f->k, cs->rec.case_no));
	assert_non_null(strstr(f->said, "not a case with a material still to follow"));
	assert_null(supp_flow_open(&f->k, "NO-SUCH-CASE"));
	case_flow_free(cs);
}

static void supplement_late(void **state)
{
	tf_fx *f = *state;
	char no[40];
	rongque_case(f, no, sizeof no);
	const char *owed[] = { "licence_copy" };
	kerr err = { 0 };
	/* in time, no supervisor is asked for; and exactly what it owed */
	assert_int_equal(db_case_supplement(f->k.db, "demo01", no, owed, 1, "demosup", "x", &err), -1);
	assert_non_null(strstr(err.msg, "has not passed"));
	const char *wrong[] = { "app_form" };
	assert_int_equal(db_case_supplement(f->k.db, "demo01", no, wrong, 1, NULL, NULL, &err), -1);
	assert_string_equal(err.where, "licence_copy");
	/* the deadline is 30 days on (services.ini rongque_max_days): the day after it */
	clock_set_fixed(tf_t0() + 31LL * 86400 * 1000);
	assert_int_equal(db_case_supplement(f->k.db, "demo01", no, owed, 1, NULL, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "the deadline (2026-04-01) has passed"));

	supp_case *s = supp_flow_open(&f->k, no);
	assert_non_null(s);
	assert_true(s->late);
	assert_true(supp_flow_mark(&f->k, s, item_of(s->cl, "licence_copy"), MARK_RECEIVED, NULL));
	char pin[16] = "975310";
	/* a supervisor, with the reason */
	assert_int_equal(supp_flow_complete(&f->k, s, "demosup", pin, ""), FLOW_FAILED);
	assert_string_equal(s->msg, counter_str(&f->k, "supp.late_needs"));
	assert_string_equal(pin, ""); /* wiped */
	snprintf(pin, sizeof pin, TF_PIN_CLERK2);
	assert_int_equal(supp_flow_complete(&f->k, s, "demo02", pin, "away"), FLOW_FAILED);
	assert_string_equal(s->msg, counter_str(&f->k, "approval.not_supervisor"));
	snprintf(pin, sizeof pin, "000000");
	assert_int_equal(supp_flow_complete(&f->k, s, "demosup", pin, "away"), FLOW_FAILED);
	assert_string_equal(s->msg, counter_str(&f->k, "approval.failed"));
	snprintf(pin, sizeof pin, TF_PIN_CLERK);
	assert_int_equal(supp_flow_complete(&f->k, s, "demo01", pin, "away"), FLOW_FAILED);
	assert_string_equal(s->msg, counter_str(&f->k, "approval.self"));
	tf_expect_case(f, no, "rongque", "slip");
	assert_int_equal(tf_int(f, "SELECT count(*) FROM supplements", NULL), 0);

	snprintf(pin, sizeof pin, TF_PIN_SUP);
	assert_int_equal(supp_flow_complete(&f->k, s, "demosup", pin, "the customer was abroad"), FLOW_NEXT);
	tf_expect_case(f, no, "completed", "slip");
	char t[300];
	assert_string_equal(tf_text(f, "SELECT late_by || '/' || note FROM supplements", NULL, t, sizeof t),
			    "demosup/the customer was abroad");
	assert_non_null(strstr(tf_text(f, "SELECT detail FROM audit WHERE action = 'case.supplement'", NULL, t,
				       sizeof t),
				"\"late_by\":\"demosup\",\"note\":\"the customer was abroad\""));
	char fl[8192];
	flat(s->slip_text, fl, sizeof fl);
	assert_non_null(strstr(fl, "Late: the deadline 2026-04-01 had passed; taken with the approval of "
				   "supervisor demosup. Reason: the customer was abroad"));
	supp_case_free(s);
}

static void rating_and_followup(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_new_to_payment(f, "rs.new");
	char no[40];
	snprintf(no, sizeof no, "%s", cs->rec.case_no);
	/* not before the end of the case */
	f->said[0] = '\0';
	assert_false(rating_flow_record(&f->k, no, RATE_SATISFIED, NULL));
	assert_non_null(strstr(f->said, "not over yet"));
	tf_pay(f, cs);
	slip_flow_make(&f->k, cs);
	char buf[300];
	assert_string_equal(rating_flow_text(&f->k, no, buf, sizeof buf),
			    "Rating: Not rated (F6 records the customer's rating)");
	assert_true(rating_flow_record(&f->k, no, RATE_DISSATISFIED, "waited an hour"));
	/* Monday 2026-03-02 + 15 working days */
	assert_string_equal(f->said, "Rating recorded: Dissatisfied. A bad rating: the supervisor follows it up by 2026-03-23.");
	assert_int_equal(tf_int(f, "SELECT due_day FROM ratings", NULL), civil_from_ymd(2026, 3, 23));
	assert_string_equal(rating_flow_text(&f->k, no, buf, sizeof buf),
			    "Rating: Dissatisfied (bad: follow up by 2026-03-23)");
	/* once per case */
	assert_false(rating_flow_record(&f->k, no, RATE_VERY_SATISFIED, NULL));
	assert_non_null(strstr(f->said, "one rating per case"));
	assert_int_equal(tf_audit_count(f, no, "case.rating"), 1);
	case_flow_free(cs);

	/* listed for the supervisor that day, and on later days while open */
	rating_rec *v = NULL;
	size_t n = 0;
	kerr err = { 0 };
	assert_int_equal(db_ratings_bad(f->k.db, clock_today() + 3, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].case_no, no);
	assert_string_equal(v[0].comment, "waited an hour");
	free(v);

	/* the follow-up: a supervisor's, with words, once */
	assert_false(rating_flow_resolve(&f->k, no, "called back"));
	assert_non_null(strstr(f->said, "only an active supervisor"));
	tf_sign_in(f, "demosup");
	assert_false(rating_flow_resolve(&f->k, no, "  "));
	assert_true(rating_flow_resolve(&f->k, no, "called back, apologised"));
	assert_false(rating_flow_resolve(&f->k, no, "again"));
	assert_non_null(strstr(f->said, "followed up already"));
	char t[300];
	assert_string_equal(tf_text(f, "SELECT resolved_by || '/' || resolution FROM ratings", NULL, t, sizeof t),
			    "demosup/called back, apologised");
	assert_int_equal(tf_audit_count(f, no, "rating.resolve"), 1);
	assert_string_equal(rating_flow_text(&f->k, no, buf, sizeof buf),
			    "Rating: Dissatisfied (bad: followed up by demosup)");
	/* resolved: no longer listed on a later day, still on its own */
	assert_int_equal(db_ratings_bad(f->k.db, clock_today() + 3, &v, &n, &err), 0);
	assert_int_equal(n, 0);
	free(v);
	assert_int_equal(db_ratings_bad(f->k.db, clock_today(), &v, &n, &err), 0);
	assert_int_equal(n, 1);
	free(v);

	/* the timeline: rated, then followed up */
	timeline_entry *tl = NULL;
	assert_int_equal(db_case_timeline(f->k.db, no, &tl, &n, &err), 0);
	int rated = 0, followed = 0;
	for (size_t i = 0; i < n; i++)
		if (tl[i].kind == TL_RATING) {
			rated += strstr(tl[i].text, "rated dissatisfied: waited an hour; follow-up due 2026-03-23") != NULL;
			followed += strstr(tl[i].text, "followed up: called back, apologised") != NULL;
		}
	free(tl);
	assert_int_equal(rated, 1);
	assert_int_equal(followed, 1);

	/* a refused case is rated too (一次一评: every case); a 满意 has no
	 * follow-up; the report carries both */
	tf_sign_in(f, "demo01");
	cs = tf_case_to(f, "rs.new", STEP_DETAILS);
	for (size_t i = 0; i < cs->cl->n_items; i++)
		assert_true(case_mark(&f->k, cs, i, i ? MARK_RECEIVED : MARK_MISSING, NULL));
	assert_int_equal(case_materials_submit(&f->k, cs), FLOW_NEXT);
	assert_int_equal(case_decision_start(&f->k, cs), DEC_REFUSE);
	assert_int_equal(case_decide(&f->k, cs, DEC_REFUSE), FLOW_NEXT);
	slip_flow_make(&f->k, cs);
	tf_expect_case(f, cs->rec.case_no, "refused", "slip");
	assert_true(rating_flow_record(&f->k, cs->rec.case_no, RATE_SATISFIED, NULL));
	assert_string_equal(f->said, "Rating recorded: Satisfied.");
	tf_sign_in(f, "demosup");
	assert_false(rating_flow_resolve(&f->k, cs->rec.case_no, "x"));
	assert_non_null(strstr(f->said, "only a 差评 is followed up"));
	daily_report r;
	assert_int_equal(db_report_daily(f->k.db, clock_today(), &r, &err), 0);
	assert_int_equal(r.n_cases, 2);
	assert_string_equal(r.cases[0].rating, "dissatisfied");
	assert_string_equal(r.cases[0].rating_due, "2026-03-23");
	assert_string_equal(r.cases[0].rating_resolved_by, "demosup");
	assert_string_equal(r.cases[1].rating, "satisfied");
	assert_string_equal(r.cases[1].rating_due, "");
	daily_report_free(&r);
	case_flow_free(cs);
}

/* The calendar behind the due day: weekdays, holidays, make-up workdays. */
static void working_days(void **state)
{
	(void)state;
	long mon = civil_from_ymd(2026, 3, 2), fri = civil_from_ymd(2026, 3, 6);
	assert_int_equal(civil_weekday(mon), 1);
	assert_int_equal(civil_weekday(fri + 2), 7);
	assert_int_equal(civil_weekday(civil_from_ymd(1970, 1, 1)), 4);
	assert_int_equal(civil_add_working_days(fri, 1, NULL), fri + 3);
	assert_int_equal(civil_add_working_days(fri + 1, 1, NULL), fri + 3); /* from a Saturday */
	assert_int_equal(civil_add_working_days(mon, 0, NULL), mon);
	assert_int_equal(civil_add_working_days(mon, 15, NULL), civil_from_ymd(2026, 3, 23));
	long off[] = { fri + 3 }, on[] = { fri + 1 };
	civil_workdays w = { off, 1, on, 1 };
	assert_false(civil_is_working_day(fri + 3, &w));
	assert_true(civil_is_working_day(fri + 1, &w));
	assert_int_equal(civil_add_working_days(fri, 1, &w), fri + 1);
	assert_int_equal(civil_add_working_days(fri, 2, &w), fri + 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(supplement_in_time, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(supplement_late, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(rating_and_followup, tf_setup, tf_teardown),
		cmocka_unit_test(working_days),
	};
	return cmocka_run_group_tests(tests, tf_group_setup, tf_group_teardown);
}
