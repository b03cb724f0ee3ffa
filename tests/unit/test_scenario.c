/* The trainer's scenarios (core/scenario) and their scoring (core/score): the
 * shipped kiosk-config/demo/scenarios.ini loads and every scenario agrees with
 * the catalog, the demo keys, the case form, the checklist and the rules,
 * checked here independently of the loader; every scenario played right scores
 * correct with nothing missed, and played wrong (a wrong outcome, a wrong mark
 * or reason, giving up, going on past a stop) scores wrong naming the mistake
 * in both languages; malformed files are refused with file:line; the tables
 * and the score words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/case/catalog.h"
#include "core/base/clock.h"
#include "core/case/rules.h"
#include "core/train/scenario.h"
#include "core/train/score.h"
#include "core/base/strings.h"
#include "core/token/token.h"
#include "core/case/validate.h"
#include "forms/checklist.h"
#include "forms/form.h"
#include "tests/unit/testutil.h"

#define SHIPPED_KEYS KIOSK_CONFIG_DIR "/demo/keys.ini"
#define SHIPPED_SCEN KIOSK_CONFIG_DIR "/demo/scenarios.ini"

static catalog *cat;
static scenario_set *set;

static int group_setup(void **state)
{
	(void)state;
	kerr err = { { 0 }, { 0 } };
	cat = catalog_load(KIOSK_CONFIG_DIR, &err);
	if (!cat) {
		fprintf(stderr, "catalog: %s: %s\n", err.where, err.msg);
		return -1;
	}
	set = scenario_set_load(KIOSK_CONFIG_DIR, cat, &err);
	if (!set) {
		fprintf(stderr, "scenarios: %s: %s\n", err.where, err.msg);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	scenario_set_free(set);
	catalog_free(cat);
	return 0;
}

static bool is_decision(trainee_outcome o)
{
	return o == OUT_ACCEPT || o == OUT_RONGQUE || o == OUT_REFUSE;
}

/* ---- the tables ---- */

static void tables_round_trip(void **state)
{
	(void)state;
	for (int o = 0; o < OUT_COUNT; o++) {
		assert_int_equal(trainee_outcome_from_name(trainee_outcome_name((trainee_outcome)o)), o);
		assert_non_null(scenario_message(set, trainee_outcome_key((trainee_outcome)o), LANG_ZH));
		assert_non_null(scenario_message(set, trainee_outcome_key((trainee_outcome)o), LANG_EN));
	}
	for (int r = 0; r < STOP_COUNT; r++) {
		assert_int_equal(stop_reason_from_name(stop_reason_name((stop_reason)r)), r);
		assert_non_null(scenario_message(set, stop_reason_key((stop_reason)r), LANG_EN));
		rule_verdict v = stop_reason_rule((stop_reason)r);
		if (v != RULE_OK)
			assert_int_equal(stop_reason_of_rule(v), r);
	}
	for (int b = 0; b < BR_COUNT; b++) {
		assert_int_equal(brought_state_from_name(brought_state_name((brought_state)b)), b);
		assert_non_null(scenario_message(set, brought_state_key((brought_state)b), LANG_ZH));
		/* the mark a careful clerk records is one of the checklist's own words */
		int m = material_mark_from_name(brought_state_mark((brought_state)b));
		assert_true(m > MARK_UNSET && m < MARK_COUNT);
	}
	for (int m = 0; m < SMSG_COUNT; m++)
		assert_non_null(scenario_message(set, scenario_msg_key((scenario_msg)m), LANG_EN));
	/* the checklist marks all have a label on the score sheet */
	for (int m = MARK_RECEIVED; m < MARK_COUNT; m++) {
		char key[64];
		snprintf(key, sizeof key, "mark.%s", material_mark_name((material_mark)m));
		assert_non_null(scenario_message(set, key, LANG_ZH));
	}
	/* every rule that stops a case has a reason to score it by */
	for (int v = 0; v < RULE_VERDICT_COUNT; v++)
		if (v != RULE_OK)
			assert_int_not_equal(stop_reason_of_rule((rule_verdict)v), STOP_NONE);
	assert_int_equal(stop_reason_of_rule(RULE_OK), STOP_NONE);
	assert_int_equal(trainee_outcome_of_decision(DEC_ACCEPT), OUT_ACCEPT);
	assert_int_equal(trainee_outcome_of_decision(DEC_RONGQUE), OUT_RONGQUE);
	assert_int_equal(trainee_outcome_of_decision(DEC_REFUSE), OUT_REFUSE);
	assert_int_equal(trainee_outcome_of_decision(DEC_NONE), -1);
	assert_int_equal(trainee_outcome_from_name("bogus"), -1);
	assert_int_equal(stop_reason_from_name(NULL), -1);
	assert_string_equal(trainee_outcome_name((trainee_outcome)99), "?");
	assert_null(scenario_message(set, "no.such.key", LANG_ZH));
	assert_null(scenario_message(NULL, "outcome.accept", LANG_ZH));
}

static void score_words(void **state)
{
	(void)state;
	char buf[SCORE_WORD_MAX];
	for (int o = 0; o < OUT_COUNT; o++)
		for (int r = 0; r < STOP_COUNT; r++) {
			if ((o == OUT_STOP) != (r != STOP_NONE))
				continue;
			score_word((trainee_outcome)o, (stop_reason)r, buf, sizeof buf);
			trainee_outcome po;
			stop_reason pr;
			assert_true(score_word_parse(buf, &po, &pr));
			assert_int_equal(po, o);
			assert_int_equal(pr, r);
		}
	assert_string_equal(score_word(OUT_REFUSE, STOP_KEY_MISSING, buf, sizeof buf), "refuse");
	assert_string_equal(score_word(OUT_STOP, STOP_KEY_MISSING, buf, sizeof buf),
			    "stop:key_missing");
	const char *bad[] = { "", "stop", "stop:", "stop:bogus", "accept:none", "bogus",
			      "accept ", "refuse:key_missing" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(score_word_parse(bad[i], NULL, NULL));
	assert_false(score_word_parse(NULL, NULL, NULL));

	assert_string_equal(score_word_text(set, "stop:outside_window", LANG_ZH, buf, sizeof buf),
			    "停办（未到更新期）");
	assert_string_equal(score_word_text(set, "stop:outside_window", LANG_EN, buf, sizeof buf),
			    "stop (renewal not open yet)");
	assert_string_equal(score_word_text(set, "refuse", LANG_ZH, buf, sizeof buf), "不予受理");
	assert_string_equal(score_word_text(set, "what?", LANG_ZH, buf, sizeof buf), "what?");
	/* a small buffer is cut on a character boundary */
	char small[8];
	score_word_text(set, "rongque", LANG_ZH, small, sizeof small);
	assert_string_equal(small, "容缺");
}

/* ---- the shipped file ---- */

static void shipped_loads_in_order(void **state)
{
	(void)state;
	assert_true(scenario_count(set) >= 13);
	assert_string_equal(scenario_at(set, 0)->id, "renew_ok");
	assert_null(scenario_at(set, scenario_count(set)));
	for (size_t i = 0; i < scenario_count(set); i++) {
		const scenario *sc = scenario_at(set, i);
		assert_ptr_equal(scenario_find(set, sc->id), sc);
		if (i)
			assert_true(sc->line > scenario_at(set, i - 1)->line);
		char header[80];
		snprintf(header, sizeof header, "[scenario %s]", sc->id);
		assert_int_equal(tu_line_of(SHIPPED_SCEN, header), sc->line);
	}
	assert_null(scenario_find(set, "no_such"));
	assert_null(scenario_find(set, NULL));
	assert_int_equal(scenario_check(KIOSK_CONFIG_DIR, cat, NULL), (int)scenario_count(set));
}

/* The situations of the issue are all there, each with the outcome the guides give. */
static void shipped_covers_the_situations(void **state)
{
	(void)state;
	static const stop_reason stops[] = { STOP_KEY_MISMATCH, STOP_OUTSIDE_WINDOW,
					     STOP_RENEW_AS_NEW, STOP_SEAL_TOO_SHORT,
					     STOP_KEY_MISSING, STOP_PIN_LOCKED, STOP_USCC_INVALID };
	for (size_t k = 0; k < sizeof stops / sizeof stops[0]; k++) {
		bool found = false;
		for (size_t i = 0; i < scenario_count(set); i++) {
			const scenario *sc = scenario_at(set, i);
			found = found || (sc->expected == OUT_STOP && sc->expected_reason == stops[k]);
		}
		assert_true(found);
	}
	bool copy_refused = false, unsealed_form_refused = false, plain_accept = false,
	     rongque = false, change_with_old_name = false;
	for (size_t i = 0; i < scenario_count(set); i++) {
		const scenario *sc = scenario_at(set, i);
		bool all = true;
		for (size_t m = 0; m < sc->n_materials; m++) {
			const scenario_material *sm = &sc->materials[m];
			all = all && sm->brought == BR_RECEIVED;
			if (sm->brought == BR_COPY && sc->expected == OUT_REFUSE)
				copy_refused = true;
			if (sm->brought == BR_NO_SEAL && strcmp(sm->sm->material->id, "app_form") == 0 &&
			    sc->expected == OUT_REFUSE)
				unsealed_form_refused = true;
		}
		plain_accept = plain_accept || (all && sc->expected == OUT_ACCEPT);
		rongque = rongque || sc->expected == OUT_RONGQUE;
		change_with_old_name = change_with_old_name ||
				       (sc->svc->kind == SVC_CHANGE && sc->expected == OUT_ACCEPT);
	}
	assert_true(copy_refused);
	assert_true(unsealed_form_refused);
	assert_true(plain_accept);
	assert_true(rongque);
	assert_true(change_with_old_name);
}

/* What the checklist (forms/checklist) says about the materials as brought. */
static trainee_outcome checklist_says(const scenario *sc)
{
	checklist *cl = checklist_new(sc->svc);
	assert_non_null(cl);
	kerr err = { { 0 }, { 0 } };
	for (size_t m = 0; m < sc->n_materials; m++) {
		const scenario_material *sm = &sc->materials[m];
		int mark = material_mark_from_name(brought_state_mark(sm->brought));
		const char *reason = scenario_message(set, brought_state_key(sm->brought), LANG_ZH);
		assert_int_equal(checklist_mark(cl, sm->sm->material->id, (material_mark)mark,
						mark == MARK_DEFECTIVE ? reason : NULL, &err), 0);
	}
	checklist_result r;
	checklist_evaluate(cl, &r);
	trainee_outcome o = r.verdict == CL_COMPLETE ? OUT_ACCEPT
			    : r.verdict == CL_RONGQUE ? OUT_RONGQUE
			    : r.verdict == CL_REFUSE ? OUT_REFUSE : OUT_CANCEL;
	checklist_result_free(&r);
	checklist_free(cl);
	return o;
}

/* Every scenario against the catalog, the demo keys, the form and the rules,
 * computed here the way the screens do it, not through the loader. */
static void shipped_consistent(void **state)
{
	(void)state;
	kerr err = { { 0 }, { 0 } };
	token_dev *keys = token_demo_new(SHIPPED_KEYS, &err);
	assert_non_null(keys);
	form_spec *form = form_load(KIOSK_CONFIG_DIR, &err);
	assert_non_null(form);
	strings *str = strings_load(KIOSK_CONFIG_DIR, LANG_EN, &err);
	assert_non_null(str);
	int y, mo, d;
	civil_to_ymd(clock_today(), &y, &mo, &d);
	int ymd = y * 10000 + mo * 100 + d;

	for (size_t i = 0; i < scenario_count(set); i++) {
		const scenario *sc = scenario_at(set, i);
		/* the catalog */
		assert_ptr_equal(catalog_service(cat, sc->svc->id), sc->svc);
		assert_int_equal(sc->n_materials, sc->svc->n_materials);
		for (size_t m = 0; m < sc->n_materials; m++)
			assert_ptr_equal(sc->materials[m].sm, &sc->svc->materials[m]);
		assert_true(strlen(sc->id) <= SCENARIO_ID_MAX);
		for (int l = 0; l < LANG_COUNT; l++)
			assert_true(sc->title[l][0] && sc->brief[l][0] && sc->teach[l][0]);
		assert_int_not_equal(sc->expected, OUT_CANCEL);
		assert_int_equal(sc->expected == OUT_STOP, sc->expected_reason != STOP_NONE);

		/* the form, as the trainee will type the fields */
		const char *ids[] = { "unit_name", "uscc", "agent_name", "agent_id_no", "agent_mobile" };
		const char *vals[] = { sc->unit_name, sc->uscc, sc->agent_name, sc->agent_id_no,
				       sc->agent_mobile };
		for (size_t f = 0; f < 5; f++) {
			const field_spec *fs = form_field(form, ids[f]);
			assert_non_null(fs);
			char norm[128], msg[256];
			bool ok = form_check_field(fs, vals[f], ymd, str, LANG_EN, norm, sizeof norm,
						   msg, sizeof msg);
			bool want = !(f == 1 && sc->expected_reason == STOP_USCC_INVALID);
			if (ok != want)
				fail_msg("%s: field %s = %s: %s", sc->id, ids[f], vals[f], msg);
		}
		if (sc->expected_reason == STOP_USCC_INVALID) {
			val_result r;
			assert_false(validate_uscc(sc->uscc, &r));
			assert_int_equal(r.reason, VAL_CHECK); /* the check character, as the issue says */
		}

		/* the key */
		token_info info;
		token_info_clear(&info);
		bool has_key = sc->key != NULL;
		if (has_key) {
			assert_int_equal(token_demo_insert(keys, sc->key, &err), 0);
			assert_int_equal(token_read_info(keys, &info), TOK_OK);
		}
		for (size_t m = 0; m < sc->n_materials; m++)
			if (sc->materials[m].sm->material->form == MAT_DEVICE)
				assert_int_equal(sc->materials[m].brought == BR_RECEIVED, has_key);

		/* what the counter meets, in the details screen's order */
		stop_reason meets = STOP_NONE;
		val_result vr;
		if (!validate_uscc(sc->uscc, &vr))
			meets = STOP_USCC_INVALID;
		else if (sc->svc->key_required && !has_key)
			meets = STOP_KEY_MISSING;
		else if (has_key && token_info_has_cert(&info) && sc->svc->kind != SVC_CHANGE &&
			 (strcmp(info.unit_name, sc->unit_name) != 0 || strcmp(info.uscc, sc->uscc) != 0))
			meets = STOP_KEY_MISMATCH;
		else if (has_key && token_info_has_cert(&info)) {
			rule_verdict v = rules_check(cat, sc->svc, clock_today(), info.not_after, true);
			if (v != RULE_OK)
				meets = stop_reason_of_rule(v);
			else if ((info.blocked || sc->key_pin_locked) && sc->svc->kind != SVC_UNLOCK &&
				 sc->svc->kind != SVC_REVOKE)
				meets = STOP_PIN_LOCKED;
		}
		if (meets != sc->expected_reason)
			fail_msg("%s: the counter meets '%s', the scenario expects '%s'", sc->id,
				 stop_reason_name(meets), stop_reason_name(sc->expected_reason));
		if (is_decision(sc->expected) && checklist_says(sc) != sc->expected)
			fail_msg("%s: the checklist says %s, the scenario expects %s", sc->id,
				 trainee_outcome_name(checklist_says(sc)),
				 trainee_outcome_name(sc->expected));
	}
	strings_free(str);
	form_free(form);
	token_dev_free(keys);
}

/* ---- playing every scenario ---- */

typedef struct marks {
	score_mark m[16];
	size_t n;
} marks;

/* The marks a careful clerk records: each material as brought. */
static marks as_brought(const scenario *sc)
{
	marks k = { .n = sc->n_materials };
	assert_true(k.n <= 16);
	for (size_t i = 0; i < sc->n_materials; i++) {
		k.m[i].material_id = sc->materials[i].sm->material->id;
		k.m[i].mark = brought_state_mark(sc->materials[i].brought);
	}
	return k;
}

static score_result play(const scenario *sc, trainee_outcome o, stop_reason r, const marks *k,
			 lang l)
{
	trainee_play p = { .outcome = o, .reason = r, .marks = k ? k->m : NULL,
			   .n_marks = k ? k->n : 0 };
	score_result res;
	kerr err = { { 0 }, { 0 } };
	if (score_play(set, sc, &p, l, &res, &err) != 0)
		fail_msg("%s: %s", sc->id, err.msg);
	return res;
}

static const char *msgt(const char *key, lang l)
{
	const char *t = scenario_message(set, key, l);
	assert_non_null(t);
	return t;
}

static void expect_wrong(const scenario *sc, const score_result *r, lang l, int mistakes,
			 const char *must1, const char *must2)
{
	if (r->correct || r->mistakes != mistakes)
		fail_msg("%s: correct=%d mistakes=%d (want 0, %d): %s", sc->id, r->correct,
			 r->mistakes, mistakes, r->missed);
	if (must1 && !strstr(r->missed, must1))
		fail_msg("%s: '%s' not in: %s", sc->id, must1, r->missed);
	if (must2 && !strstr(r->missed, must2))
		fail_msg("%s: '%s' not in: %s", sc->id, must2, r->missed);
	/* the teaching point closes every wrong score */
	assert_non_null(strstr(r->missed, sc->teach[l]));
}

static void every_scenario_played_right(void **state)
{
	(void)state;
	for (size_t i = 0; i < scenario_count(set); i++) {
		const scenario *sc = scenario_at(set, i);
		marks k = as_brought(sc);
		for (int l = 0; l < LANG_COUNT; l++) {
			score_result r = play(sc, sc->expected, sc->expected_reason,
					      is_decision(sc->expected) ? &k : NULL, (lang)l);
			if (!r.correct || r.missed[0] || r.mistakes)
				fail_msg("%s played right: %s", sc->id, r.missed);
			assert_string_equal(r.expected, r.decided);
			char w[SCORE_WORD_MAX];
			assert_string_equal(r.expected, score_word(sc->expected, sc->expected_reason,
								   w, sizeof w));
		}
		if (sc->expected == OUT_STOP) {
			/* stopping at the details screen after typing: marks recorded
			 * on the way, if any, do not count against a right stop */
			score_result r = play(sc, OUT_STOP, sc->expected_reason, &k, LANG_ZH);
			assert_true(r.correct);
		}
	}
}

/* A different decision than expected, with the right marks. */
static trainee_outcome other_decision(trainee_outcome o)
{
	return o == OUT_ACCEPT ? OUT_REFUSE : OUT_ACCEPT;
}

static void every_scenario_wrong_outcome(void **state)
{
	(void)state;
	for (size_t i = 0; i < scenario_count(set); i++) {
		const scenario *sc = scenario_at(set, i);
		marks k = as_brought(sc);
		for (int li = 0; li < LANG_COUNT; li++) {
			lang l = (lang)li;
			char want[256], got[256], w[SCORE_WORD_MAX];
			score_word_text(set, score_word(sc->expected, sc->expected_reason, w, sizeof w),
					l, want, sizeof want);
			trainee_outcome o = is_decision(sc->expected) ? other_decision(sc->expected)
								      : OUT_ACCEPT;
			/* 1: another decision (a stop scenario: going on and accepting) */
			score_result r = play(sc, o, STOP_NONE, &k, l);
			score_word_text(set, trainee_outcome_name(o), l, got, sizeof got);
			expect_wrong(sc, &r, l, 1, want, got);
			assert_string_equal(r.decided, trainee_outcome_name(o));
			/* 2: giving up */
			r = play(sc, OUT_CANCEL, STOP_NONE, NULL, l);
			expect_wrong(sc, &r, l, 1, want, msgt("outcome.cancel", l));
			/* 3: a stop where a decision was due, or the wrong reason */
			stop_reason wr = sc->expected_reason == STOP_OUTSIDE_WINDOW ? STOP_KEY_MISMATCH
										    : STOP_OUTSIDE_WINDOW;
			r = play(sc, OUT_STOP, wr, NULL, l);
			if (sc->expected == OUT_STOP)
				expect_wrong(sc, &r, l, 1, msgt(stop_reason_key(sc->expected_reason), l),
					     msgt(stop_reason_key(wr), l));
			else
				expect_wrong(sc, &r, l, 1, want, msgt(stop_reason_key(wr), l));
		}
	}
}

/* For each decision scenario: the right decision with one material marked
 * otherwise than it was brought, and with one left unmarked. */
static void every_decision_wrong_mark(void **state)
{
	(void)state;
	size_t played = 0;
	for (size_t i = 0; i < scenario_count(set); i++) {
		const scenario *sc = scenario_at(set, i);
		if (!is_decision(sc->expected))
			continue;
		played++;
		/* the material that matters: the first not in order, else the first */
		size_t at = 0;
		for (size_t m = 0; m < sc->n_materials; m++)
			if (sc->materials[m].brought != BR_RECEIVED) {
				at = m;
				break;
			}
		const scenario_material *sm = &sc->materials[at];
		for (int li = 0; li < LANG_COUNT; li++) {
			lang l = (lang)li;
			marks k = as_brought(sc);
			k.m[at].mark = sm->brought == BR_RECEIVED ? "missing" : "received";
			score_result r = play(sc, sc->expected, STOP_NONE, &k, l);
			expect_wrong(sc, &r, l, 1, sm->sm->material->label[l],
				     msgt(brought_state_key(sm->brought), l));
			char got[64];
			snprintf(got, sizeof got, "mark.%s", k.m[at].mark);
			assert_non_null(strstr(r.missed, msgt(got, l)));
			assert_string_equal(r.expected, r.decided); /* right outcome, still wrong */

			/* left unmarked ("unset", or not in the list at all) */
			k = as_brought(sc);
			k.m[at].mark = "unset";
			r = play(sc, sc->expected, STOP_NONE, &k, l);
			expect_wrong(sc, &r, l, 1, sm->sm->material->label[l], NULL);
			/* a decision taken with no checklist at all: every material unchecked */
			r = play(sc, sc->expected, STOP_NONE, NULL, l);
			expect_wrong(sc, &r, l, (int)sc->n_materials, sm->sm->material->label[l],
				     NULL);
		}
	}
	assert_true(played >= 6);
}

/* The sheet's exact text for one mistake the issue names: a copy taken as the original. */
static void copy_taken_as_original(void **state)
{
	(void)state;
	const scenario *sc = scenario_find(set, "renew_form_copy");
	assert_non_null(sc);
	marks k = as_brought(sc);
	k.m[0].mark = "received";
	score_result r = play(sc, OUT_ACCEPT, STOP_NONE, &k, LANG_ZH);
	char want[SCORE_MISSED_MAX];
	snprintf(want, sizeof want,
		 "应为「不予受理」，实际为「受理」\n"
		 "材料「%s」：复印件（须原件），应记为「有缺陷」，却记为「已收」\n"
		 "要点：%s", sc->materials[0].sm->material->label[LANG_ZH], sc->teach[LANG_ZH]);
	assert_string_equal(r.missed, want);
	assert_int_equal(r.mistakes, 2);
	assert_string_equal(r.expected, "refuse");
	assert_string_equal(r.decided, "accept");

	r = play(sc, OUT_ACCEPT, STOP_NONE, &k, LANG_EN);
	snprintf(want, sizeof want,
		 "expected \"refuse (with the one-time notice)\", decided \"accept\"\n"
		 "%s: a copy where the original is required, so \"defective\", but marked "
		 "\"received\"\nWhat to notice: %s",
		 sc->materials[0].sm->material->label[LANG_EN], sc->teach[LANG_EN]);
	assert_string_equal(r.missed, want);

	/* a stop scenario: wrong reason, in words */
	sc = scenario_find(set, "seal_upgrade_short");
	assert_non_null(sc);
	r = play(sc, OUT_STOP, STOP_KEY_MISSING, NULL, LANG_ZH);
	const char *head = "停办原因应为「证书剩余有效期不足，先更新再升级印章」，"
			   "实际为「未携带 USB Key」\n要点：";
	assert_int_equal(strncmp(r.missed, head, strlen(head)), 0);
	assert_string_equal(r.decided, "stop:key_missing");
	assert_string_equal(r.expected, "stop:seal_too_short");
}

static void score_refuses_bad_plays(void **state)
{
	(void)state;
	const scenario *sc = scenario_find(set, "renew_ok");
	assert_non_null(sc);
	score_result r;
	kerr err = { { 0 }, { 0 } };
	trainee_play p = { .outcome = OUT_ACCEPT };
	score_mark bad_material[] = { { "licence_copy", "received" } };
	p.marks = bad_material;
	p.n_marks = 1;
	assert_int_equal(score_play(set, sc, &p, LANG_ZH, &r, &err), -1);
	assert_non_null(strstr(err.msg, "licence_copy"));
	score_mark twice[] = { { "app_form", "received" }, { "app_form", "missing" } };
	p.marks = twice;
	p.n_marks = 2;
	assert_int_equal(score_play(set, sc, &p, LANG_ZH, &r, &err), -1);
	assert_non_null(strstr(err.msg, "twice"));
	score_mark bad_mark[] = { { "app_form", "lost" } };
	p.marks = bad_mark;
	p.n_marks = 1;
	assert_int_equal(score_play(set, sc, &p, LANG_ZH, &r, &err), -1);
	assert_non_null(strstr(err.msg, "lost"));
	score_mark no_id[] = { { NULL, "received" } };
	p.marks = no_id;
	assert_int_equal(score_play(set, sc, &p, LANG_ZH, &r, &err), -1);
	p.marks = NULL;
	assert_int_equal(score_play(set, sc, &p, LANG_ZH, &r, &err), -1); /* 1 mark announced */
	p.n_marks = 0;
	p.outcome = (trainee_outcome)OUT_COUNT;
	assert_int_equal(score_play(set, sc, &p, LANG_ZH, &r, &err), -1);
	p.outcome = OUT_STOP;
	p.reason = (stop_reason)STOP_COUNT;
	assert_int_equal(score_play(set, sc, &p, LANG_ZH, &r, &err), -1);
	p.reason = STOP_NONE;
	assert_int_equal(score_play(set, sc, &p, (lang)LANG_COUNT, &r, &err), -1);
	assert_int_equal(score_play(NULL, sc, &p, LANG_ZH, &r, &err), -1);
	assert_int_equal(score_play(set, NULL, &p, LANG_ZH, &r, &err), -1);
	assert_int_equal(score_play(set, sc, NULL, LANG_ZH, &r, &err), -1);
	assert_int_equal(score_play(set, sc, &p, LANG_ZH, NULL, &err), -1);
	/* a reason given with a decision is ignored, not held against it */
	score_mark ok[] = { { "app_form", "received" }, { "agent_id_copy", "received" },
			    { "usb_key", "received" } };
	trainee_play q = { .outcome = OUT_ACCEPT, .reason = STOP_KEY_MISMATCH, .marks = ok,
			   .n_marks = 3 };
	assert_int_equal(score_play(set, sc, &q, LANG_ZH, &r, &err), 0);
	assert_true(r.correct);
	assert_string_equal(r.decided, "accept");
}

/* ---- malformed files, each refused at file:line ---- */

static char dir[512];
static char *messages; /* the shipped [messages] section, reused */

static int make_dir(void **state)
{
	(void)state;
	if (!tu_mkdtemp(dir, sizeof dir))
		return -1;
	char *all = tu_read_file(SHIPPED_SCEN, NULL);
	if (!all)
		return -1;
	char *m = strstr(all, "\n[messages]\n");
	messages = m ? strdup(m + 1) : NULL;
	free(all);
	return messages ? 0 : -1;
}

static int remove_dir(void **state)
{
	(void)state;
	free(messages);
	messages = NULL;
	tu_rmrf(dir);
	return 0;
}

static const char base[] =
	"; a test scenario\n"
	"[scenario t1]\n"
	"title.zh_CN = 标题\n"
	"title.en = Title\n"
	"brief.zh_CN = 说明\n"
	"brief.en = Brief\n"
	"teach.zh_CN = 要点\n"
	"teach.en = Point\n"
	"service = zc.renew\n"
	"unit_name = 绵阳涪城示例建设工程有限公司\n"
	"uscc = 91510700MA62Q8TU37\n"
	"agent_name = 王建国\n"
	"agent_id_no = 510703199202030055\n"
	"agent_mobile = 13981234567\n"
	"key = SC-DEMO-0002\n"
	"material.app_form = received\n"
	"material.agent_id_copy = received\n"
	"material.usb_key = received\n"
	"expected = accept\n"
	"\n";

static const char *scen_path(void)
{
	static char p[600];
	return tu_path(p, sizeof p, dir, "scenarios.ini");
}

/* Write base + messages, then replace the line old with repl (NULL: delete;
 * old NULL: no edit). Returns the edited line's number. */
static int write_edited(const char *old, const char *repl)
{
	size_t n = strlen(base) + strlen(messages);
	char *text = malloc(n + 1);
	assert_non_null(text);
	snprintf(text, n + 1, "%s%s", base, messages);
	assert_true(tu_write_file(scen_path(), text, n));
	free(text);
	if (!old)
		return 0;
	int line = tu_edit_line(scen_path(), NULL, old, repl);
	assert_true(line > 0);
	return line;
}

static void expect_fail_at(int line, const char *must)
{
	kerr err = { { 0 }, { 0 } };
	scenario_set *s = scenario_set_load_files(scen_path(), SHIPPED_KEYS, cat, &err);
	if (s) {
		scenario_set_free(s);
		fail_msg("loaded, expected an error at line %d (%s)", line, must);
	}
	char where[700];
	if (line > 0)
		snprintf(where, sizeof where, "%s:%d", scen_path(), line);
	else
		snprintf(where, sizeof where, "%s", scen_path());
	if (strcmp(err.where, where) != 0 || (must && !strstr(err.msg, must)))
		fail_msg("got '%s: %s', want '%s' with '%s'", err.where, err.msg, where,
			 must ? must : "");
}

static void malformed_base_loads(void **state)
{
	(void)state;
	write_edited(NULL, NULL);
	kerr err = { { 0 }, { 0 } };
	scenario_set *s = scenario_set_load_files(scen_path(), SHIPPED_KEYS, cat, &err);
	if (!s)
		fail_msg("%s: %s", err.where, err.msg);
	assert_int_equal(scenario_count(s), 1);
	assert_string_equal(scenario_at(s, 0)->id, "t1");
	scenario_set_free(s);
}

static void malformed_keys_and_values(void **state)
{
	(void)state;
	int l;
	l = write_edited("expected = accept", "expected = accept\ncolour = red");
	expect_fail_at(l + 1, "unknown key 'colour'");
	l = write_edited("service = zc.renew", "service = zc.nothing");
	expect_fail_at(l, "not in the catalog");
	l = write_edited("material.usb_key = received",
			 "material.usb_key = received\nmaterial.licence_copy = received");
	expect_fail_at(l + 1, "takes no material 'licence_copy'");
	write_edited("material.usb_key = received", NULL);
	expect_fail_at(2, "lacks material.usb_key");
	l = write_edited("key = SC-DEMO-0002", "key = SC-DEMO-9999");
	expect_fail_at(l, "not a demo key");
	l = write_edited("expected = accept", "expected = maybe");
	expect_fail_at(l, "not allowed");
	l = write_edited("expected = accept", "expected = cancel");
	expect_fail_at(l, "not allowed");
	l = write_edited("expected = accept", "expected = stop");
	expect_fail_at(l, "needs expected_reason");
	l = write_edited("expected = accept", "expected_reason = key_missing\nexpected = accept");
	expect_fail_at(l, "with expected = stop only");
	l = write_edited("expected = accept", "expected = stop\nexpected_reason = none");
	expect_fail_at(l + 1, "not allowed");
	l = write_edited("agent_id_no = 510703199202030055", "agent_id_no = 510703199202030056");
	expect_fail_at(l, "not a valid resident ID");
	l = write_edited("agent_mobile = 13981234567", "agent_mobile = 12981234567");
	expect_fail_at(l, "mobile");
	l = write_edited("title.en = Title", "title.en =");
	expect_fail_at(l, "empty");
	write_edited("teach.en = Point", NULL);
	expect_fail_at(2, "teach.en");
	l = write_edited("material.app_form = received", "material.app_form = lost");
	expect_fail_at(l, "not allowed");
	l = write_edited("[scenario t1]", "[scenario T-1]");
	expect_fail_at(l, "a-z");
	l = write_edited("[scenario t1]", "[scenario]");
	expect_fail_at(l, "a-z");
	l = write_edited("[scenario t1]", "[customer t1]");
	expect_fail_at(l, "unknown section");
	l = write_edited("key = SC-DEMO-0002", "key = SC-DEMO-0002\nkey_pin_locked = maybe");
	expect_fail_at(l + 1, "yes or no");
	/* a name the trainee could not type as shown: the character named */
	l = write_edited("agent_name = 王建国", "agent_name = 王\u202E建国");
	expect_fail_at(l, "agent_name holds U+202E RIGHT-TO-LEFT OVERRIDE at character 2");
}

static void malformed_materials(void **state)
{
	(void)state;
	int l;
	/* a copy of a material that is a copy anyway */
	l = write_edited("material.agent_id_copy = received", "material.agent_id_copy = copy");
	expect_fail_at(l, "not required as the original");
	/* no fresh seal asked of the key */
	l = write_edited("material.usb_key = received", "material.usb_key = no_seal");
	expect_fail_at(l, "brought (received) or");
	/* the key named but marked missing */
	l = write_edited("material.usb_key = received", "material.usb_key = missing");
	expect_fail_at(l, "does not agree with key");
	/* the key missing but named none the other way round */
	l = write_edited("key = SC-DEMO-0002", "key = none");
	expect_fail_at(tu_line_of(scen_path(), "material.usb_key = received"),
		       "does not agree with key");
}

static void malformed_expectations(void **state)
{
	(void)state;
	int l;
	/* the form missing cannot be accepted */
	l = write_edited("material.app_form = received", "material.app_form = missing");
	expect_fail_at(l + 3, "lead to refuse");
	/* 容缺 for a missing ID copy on a renewal: rongque, not accept */
	l = write_edited("material.agent_id_copy = received", "material.agent_id_copy = missing");
	expect_fail_at(l + 2, "lead to rongque");
	/* a wrong USCC cannot be accepted */
	l = write_edited("uscc = 91510700MA62Q8TU37", "uscc = 91510700MA62Q8TU38");
	expect_fail_at(tu_line_of(scen_path(), "expected = accept"), "uscc_invalid");
	/* another unit's name: the key differs */
	write_edited("unit_name = 绵阳涪城示例建设工程有限公司", "unit_name = 别的公司");
	expect_fail_at(tu_line_of(scen_path(), "expected = accept"), "key_mismatch");
	/* a stop for a reason the situation does not give */
	l = write_edited("expected = accept", "expected = stop\nexpected_reason = outside_window");
	expect_fail_at(l + 1, "nothing in this scenario stops");
	/* two reasons at once: too early and the PIN locked */
	write_edited("key = SC-DEMO-0002", "key = SC-DEMO-0001\nkey_pin_locked = yes");
	tu_edit_line(scen_path(), NULL, "unit_name = 绵阳涪城示例建设工程有限公司",
		     "unit_name = 成都锦城示例科技有限公司");
	tu_edit_line(scen_path(), NULL, "uscc = 91510700MA62Q8TU37", "uscc = 91510100MA61XY3K4K");
	l = tu_edit_line(scen_path(), NULL, "expected = accept",
			 "expected = stop\nexpected_reason = outside_window");
	expect_fail_at(l + 1, "more than one reason");
	/* a new certificate goes onto a blank key, not a customer's */
	write_edited("service = zc.renew", "service = zc.new");
	tu_edit_line(scen_path(), NULL, "material.app_form = received",
		     "material.app_form = received\nmaterial.licence_copy = received");
	tu_edit_line(scen_path(), NULL, "material.usb_key = received", NULL);
	expect_fail_at(tu_line_of(scen_path(), "key = SC-DEMO-0002"), "blank");
	/* a PIN to lock needs a personalised key */
	write_edited("service = zc.renew", "service = zc.new");
	tu_edit_line(scen_path(), NULL, "material.app_form = received",
		     "material.app_form = received\nmaterial.licence_copy = received");
	tu_edit_line(scen_path(), NULL, "material.usb_key = received", NULL);
	tu_edit_line(scen_path(), NULL, "key = SC-DEMO-0002", "key = none\nkey_pin_locked = yes");
	expect_fail_at(tu_line_of(scen_path(), "key_pin_locked = yes"), "personalised");
	/* the same with a blank key: fine without the lock */
	write_edited("service = zc.renew", "service = zc.new");
	tu_edit_line(scen_path(), NULL, "material.app_form = received",
		     "material.app_form = received\nmaterial.licence_copy = received");
	tu_edit_line(scen_path(), NULL, "material.usb_key = received", NULL);
	tu_edit_line(scen_path(), NULL, "key = SC-DEMO-0002", "key = SC-DEMO-0006");
	kerr err = { { 0 }, { 0 } };
	scenario_set *s = scenario_set_load_files(scen_path(), SHIPPED_KEYS, cat, &err);
	if (!s)
		fail_msg("%s: %s", err.where, err.msg);
	scenario_set_free(s);
	/* a locked PIN does not stop a revocation (the key is erased) */
	write_edited("service = zc.renew", "service = zc.revoke");
	tu_edit_line(scen_path(), NULL, "material.usb_key = received", NULL);
	tu_edit_line(scen_path(), NULL, "key = SC-DEMO-0002", "key = SC-DEMO-0007");
	tu_edit_line(scen_path(), NULL, "unit_name = 绵阳涪城示例建设工程有限公司",
		     "unit_name = 成都金牛示例物流有限公司");
	tu_edit_line(scen_path(), NULL, "uscc = 91510700MA62Q8TU37", "uscc = 91510100MA6AHR3W43");
	s = scenario_set_load_files(scen_path(), SHIPPED_KEYS, cat, &err);
	if (!s)
		fail_msg("%s: %s", err.where, err.msg);
	scenario_set_free(s);
	/* but it stops a renewal of the same key */
	tu_edit_line(scen_path(), NULL, "service = zc.revoke", "service = zc.seal_renew");
	tu_edit_line(scen_path(), NULL, "material.app_form = received", NULL);
	tu_edit_line(scen_path(), NULL, "material.agent_id_copy = received",
		     "material.usb_key = received");
	expect_fail_at(tu_line_of(scen_path(), "expected = accept"), "pin_locked");
}

static void malformed_messages_and_file(void **state)
{
	(void)state;
	int l;
	write_edited("outcome.accept.en = accept", NULL);
	expect_fail_at(tu_line_of(scen_path(), "[messages]"), "lacks outcome.accept.en");
	l = write_edited("outcome.accept.en = accept", "outcome.accept.fr = accepter");
	expect_fail_at(l, "ends in .zh_CN or .en");
	l = write_edited("outcome.accept.en = accept", "outcome.accept.en = accept\nmissed.nothing.en = x");
	expect_fail_at(l + 1, "unknown message");
	l = write_edited("outcome.accept.en = accept", "outcome.accept.en =");
	expect_fail_at(l, "empty");
	l = write_edited("[messages]", "[messages extra]");
	expect_fail_at(l, "without a name");
	/* a repeated scenario: kini names the second header */
	l = write_edited("; a test scenario", "[scenario t1]\nservice = zc.renew");
	expect_fail_at(tu_line_of(scen_path(), "[scenario t1]") + 2, NULL);

	/* no [messages] at all; no scenario at all */
	assert_true(tu_write_file(scen_path(), base, strlen(base)));
	expect_fail_at(0, "no [messages]");
	assert_true(tu_write_file(scen_path(), messages, strlen(messages)));
	expect_fail_at(0, "no scenarios");
	/* a file that is not there: named */
	remove(scen_path());
	kerr err = { { 0 }, { 0 } };
	assert_null(scenario_set_load_files(scen_path(), SHIPPED_KEYS, cat, &err));
	assert_non_null(strstr(err.where, "scenarios.ini"));
	/* a broken keys file is named as such */
	write_edited(NULL, NULL);
	char keys[600];
	tu_path(keys, sizeof keys, dir, "keys.ini");
	assert_true(tu_write_file(keys, "[key X]\npersonalised = maybe\n", 29));
	assert_null(scenario_set_load_files(scen_path(), keys, cat, &err));
	assert_non_null(strstr(err.where, "keys.ini:2"));
	assert_null(scenario_set_load_files(NULL, keys, cat, &err));
	assert_null(scenario_set_load(NULL, cat, &err));
	assert_int_equal(scenario_check("/nonexistent/config", cat, &err), -1);
	assert_non_null(strstr(err.where, "scenarios.ini"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tables_round_trip),
		cmocka_unit_test(score_words),
		cmocka_unit_test(shipped_loads_in_order),
		cmocka_unit_test(shipped_covers_the_situations),
		cmocka_unit_test(shipped_consistent),
		cmocka_unit_test(every_scenario_played_right),
		cmocka_unit_test(every_scenario_wrong_outcome),
		cmocka_unit_test(every_decision_wrong_mark),
		cmocka_unit_test(copy_taken_as_original),
		cmocka_unit_test(score_refuses_bad_plays),
		cmocka_unit_test_setup_teardown(malformed_base_loads, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(malformed_keys_and_values, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(malformed_materials, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(malformed_expectations, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(malformed_messages_and_file, make_dir, remove_dir),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
