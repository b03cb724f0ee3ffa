/* test_tui_footer: the footer of every screen shows every key that acts
 * there (design.md's Layout: "a footer with the keys that work here"): for
 * each screen, in both languages, for a clerk and a supervisor, in trainer
 * mode and at a real counter, with and without a case (a reissue; nothing
 * confirmed yet) and a scenario being played, every action the table offers
 * is placed in the footer at 80 columns, in the table's order, on at most
 * two rows, none past the last column nor over another; the actions left out
 * (NO_FOOT) are exactly those FOOT_HIDDEN gives a reason for. Links the
 * kiosk's screens and frame (tui/app) with the shipped strings; no terminal
 * is opened (footer_plan measures, it does not draw). */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tui/app/app.h"

static strings *langs[LANG_COUNT];
static bool scenario_on;

static const char *banner(const app *a)
{
	(void)a;
	return scenario_on ? "S01" : "";
}

static int setup(void **state)
{
	(void)state;
	setlocale(LC_ALL, "C.UTF-8");
	kerr err = { { 0 }, { 0 } };
	for (int l = 0; l < LANG_COUNT; l++)
		if (!(langs[l] = strings_load(KIOSK_CONFIG_DIR, (lang)l, &err)))
			return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int l = 0; l < LANG_COUNT; l++)
		strings_free(langs[l]);
	return 0;
}

static int label_cols(const app *a, action_id id)
{
	return text_cols(actions[id].key_label) + 1 + text_cols(app_str(a, actions[id].str_key));
}

static bool hidden_with_reason(action_id id)
{
	static const struct { action_id id; const char *why; } hidden[] = {
#define X(act, why) { act, why },
		FOOT_HIDDEN(X)
#undef X
	};
	for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++)
		if (hidden[i].id == id)
			return hidden[i].why && strlen(hidden[i].why) > 10;
	return false;
}

/* One screen in one setting: every offered key placed, in order, fitting. */
static void check_footer(app *a, const char *how)
{
	footer_slot s[ACT_COUNT];
	int rows = 0;
	int n = footer_plan(a, 80, s, &rows);
	const char *scr = screen_id_key(a->screen);
	if (rows < 1 || rows > FOOTER_ROWS_MAX)
		fail_msg("%s (%s, %s): the footer takes %d rows", scr, lang_name(a->k.lg), how, rows);
	for (int i = 0; i < n; i++) {
		int end = s[i].col + label_cols(a, s[i].act);
		if (s[i].col < 1 || end > 79)
			fail_msg("%s (%s, %s): %s runs from column %d to %d of 80", scr, lang_name(a->k.lg), how,
				 actions[s[i].act].key_label, s[i].col, end);
		if (i > 0 && s[i].act <= s[i - 1].act)
			fail_msg("%s (%s, %s): %s after %s, not in the table's order", scr, lang_name(a->k.lg), how,
				 actions[s[i].act].key_label, actions[s[i - 1].act].key_label);
		if (i > 0 && s[i].row == s[i - 1].row &&
		    s[i].col < s[i - 1].col + label_cols(a, s[i - 1].act) + 1)
			fail_msg("%s (%s, %s): %s over %s", scr, lang_name(a->k.lg), how,
				 actions[s[i].act].key_label, actions[s[i - 1].act].key_label);
		if (i > 0 && s[i].row < s[i - 1].row)
			fail_msg("%s: rows out of order", scr);
	}
	int k = 0;
	for (int id = 0; id < ACT_COUNT; id++) {
		if (!action_offered(a, (action_id)id))
			continue;
		if (actions[id].need & NO_FOOT)
			continue;
		while (k < n && (int)s[k].act < id)
			k++;
		if (k >= n || (int)s[k].act != id)
			fail_msg("%s (%s, %s): %s %s acts here but is not in the footer", scr, lang_name(a->k.lg), how,
				 actions[id].key_label, app_str(a, actions[id].str_key));
	}
}

static void every_screen_every_key(void **state)
{
	(void)state;
	static app a;
	static case_flow cs;
	static service reissue, renew;
	reissue.kind = SVC_REISSUE;
	renew.kind = SVC_RENEW;
	int checked = 0;
	for (int l = 0; l < LANG_COUNT; l++)
		for (int demo = 0; demo < 2; demo++)
			for (int sup = 0; sup < 2; sup++)
				for (int c = 0; c < 5; c++)       /* no case; reissue/renew, fresh or not; */
					for (int play = 0; play < 2; play++)
						for (int s = 0; s < SCR_COUNT; s++) {
							memset(&a, 0, sizeof a);
							memset(&cs, 0, sizeof cs);
							a.k.str = langs[l];
							a.k.lg = (lang)l;
							a.k.demo = demo;
							a.k.signed_in = s != SCR_LOGIN;
							a.k.user.role = sup ? ROLE_SUPERVISOR : ROLE_CLERK;
							cs.svc = c & 1 ? &reissue : &renew;
							cs.rec.last_step = c >= 3 ? STEP_NONE : STEP_DETAILS;
							a.cs = c ? &cs : NULL;
							scenario_on = play;
							a.banner = banner;
							a.screen = (screen_id)s;
							char how[96];
							snprintf(how, sizeof how, "%s%s%s%s",
								 demo ? "trainer mode" : "real counter",
								 sup ? ", supervisor" : ", clerk",
								 c ? (c & 1 ? ", reissue" : ", renewal") : "",
								 play ? ", scenario" : "");
							check_footer(&a, how);
							checked++;
						}
	assert_true(checked > 1000);
}

/* The keys the issue found missing at home: F11 (a case's paper) and Enter. */
static void home_shows_f11_and_enter(void **state)
{
	(void)state;
	static app a;
	for (int l = 0; l < LANG_COUNT; l++) {
		memset(&a, 0, sizeof a);
		a.k.str = langs[l];
		a.k.lg = (lang)l;
		a.k.signed_in = true;
		a.k.demo = true;
		a.k.user.role = ROLE_SUPERVISOR;
		a.screen = SCR_HOME;
		footer_slot s[ACT_COUNT];
		int rows, n = footer_plan(&a, 80, s, &rows);
		bool f11 = false, next = false;
		for (int i = 0; i < n; i++) {
			f11 |= s[i].act == ACT_PAPER;
			next |= s[i].act == ACT_NEXT;
		}
		assert_true(f11);
		assert_true(next);
		assert_int_equal(rows, 2);
		assert_int_equal(s[n - 1].act, ACT_QUIT); /* the way out last */
	}
}

/* Every NO_FOOT action has its reason in FOOT_HIDDEN, and only those. */
static void hidden_keys_have_reasons(void **state)
{
	(void)state;
	for (int id = 0; id < ACT_COUNT; id++) {
		bool no_foot = actions[id].need & NO_FOOT;
		if (no_foot != hidden_with_reason((action_id)id))
			fail_msg("%s (%s): NO_FOOT %s but FOOT_HIDDEN %s", actions[id].key_label, actions[id].str_key,
				 no_foot ? "set" : "not set", no_foot ? "gives no reason" : "lists it");
	}
}

/* A terminal narrower than 80 columns (never shown: too small) still keeps
 * the way out in the footer. */
static void narrow_keeps_quit(void **state)
{
	(void)state;
	static app a;
	memset(&a, 0, sizeof a);
	a.k.str = langs[LANG_EN];
	a.k.lg = LANG_EN;
	a.k.signed_in = true;
	a.k.demo = true;
	a.k.user.role = ROLE_SUPERVISOR;
	a.screen = SCR_DAY;
	footer_slot s[ACT_COUNT];
	int rows, n = footer_plan(&a, 50, s, &rows);
	assert_true(n > 0);
	assert_int_equal(rows, FOOTER_ROWS_MAX);
	assert_int_equal(s[n - 1].act, ACT_QUIT);
	assert_true(s[n - 1].col + label_cols(&a, ACT_QUIT) <= 49);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_screen_every_key),
		cmocka_unit_test(home_shows_f11_and_enter),
		cmocka_unit_test(hidden_keys_have_reasons),
		cmocka_unit_test(narrow_keeps_quit),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
