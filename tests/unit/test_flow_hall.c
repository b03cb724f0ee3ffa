/* tui/flow/registry: the hall's registry at the counter, behind its
 * interface. The centre's keys merged into the unit's keys on record here
 * (a key known only elsewhere added, a key retired elsewhere taking that
 * state); the child-process implementation reading `kioskctl hall lookup`'s
 * words, and never waiting past its bound (a child that hangs is killed);
 * the token step's list of the unit's keys with a fake registry, online
 * and offline, and what the counter says of each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "tests/unit/testflow.h"

#include "tui/flow/registry.h"
#include "tui/flow/token_flow.h"

static void merge_adds_and_retires(void **state)
{
	(void)state;
	token_rec *list = calloc(1, sizeof *list);
	size_t n = 1;
	snprintf(list[0].serial, sizeof list[0].serial, "SC-HERE-1");
	list[0].state = TS_ACTIVE;
	reg_key c[3] = { { .serial = "SC-HERE-1", .state = "TERMINATED", .kiosk = "K3", .hall = "HB" },
			 { .serial = "SC-THERE-2", .state = "ACTIVE", .kiosk = "K1", .hall = "HA" },
			 { .serial = "SC-ODD-3", .state = "", .kiosk = "", .hall = "" } };
	assert_int_equal(registry_merge(c, 3, &list, &n), 1);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].state, TS_TERMINATED);
	assert_string_equal(list[1].serial, "SC-THERE-2");
	assert_int_equal(list[1].state, TS_ACTIVE);
	free(list);
}

static void child_reads_the_lookup(void **state)
{
	(void)state;
	const char *argv[] = { "/bin/sh", "-c",
			       "printf 'hall: online; 2 on record at the centre for unit %s\\n"
			       "key SC-A-1 TERMINATED (revoked) last moved at K3 (hall HB); certificate 0A to "
			       "2027-01-01, revoked: revoked\\n"
			       "key SC-B-2 ACTIVE (enrolled) last moved at K1 (hall HA)\\n"
			       "key SC-B-2 ACTIVE (enrolled) last moved at K1 (hall HA); certificate 0B\\n"
			       "  bound SC-B-2 to 91510100MA61XY3K4K, agent 张三, at K3 (hall HB), row 42\\n' \"$2\"",
			       "lookup", NULL };
	registry *r = registry_child_new(argv, 2);
	assert_non_null(r);
	reg_key *k = NULL;
	size_t n = 0;
	assert_int_equal(registry_lookup(r, "91510100MA61XY3K4K", &k, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(k[0].serial, "SC-A-1");
	assert_string_equal(k[0].state, "TERMINATED");
	assert_string_equal(k[0].reason, "revoked");
	assert_string_equal(k[0].kiosk, "K3");
	assert_string_equal(k[0].hall, "HB");
	assert_string_equal(k[1].serial, "SC-B-2");
	assert_string_equal(k[0].bound_agent, ""); /* no binding line: none */
	assert_string_equal(k[1].bound_agent, "张三");
	assert_string_equal(k[1].bound_uscc, "91510100MA61XY3K4K");
	assert_string_equal(k[1].bound_kiosk, "K3");
	assert_string_equal(k[1].bound_hall, "HB");
	/* a binding at the counter sees what the hall named: that binding (its
	 * kiosk and row), none for a key it lists no binding of, and nothing
	 * of the hall's when it named a binding without its row */
	assert_int_equal(k[1].bound_seq, 42);
	token_seen seen;
	assert_true(registry_seen(k, n, "SC-B-2", &seen));
	assert_true(seen.from_hall);
	assert_string_equal(seen.kiosk, "K3");
	assert_int_equal(seen.seq, 42);
	assert_true(registry_seen(k, n, "SC-A-1", &seen));
	assert_true(seen.from_hall);
	assert_string_equal(seen.kiosk, "");
	assert_true(registry_seen(k, n, "SC-NOWHERE", &seen));
	assert_string_equal(seen.kiosk, "");
	k[1].bound_seq = 0;
	assert_false(registry_seen(k, n, "SC-B-2", &seen));
	free(k);
	registry_free(r);
}

static void child_offline_and_bounded(void **state)
{
	(void)state;
	const char *off[] = { "/bin/sh", "-c",
			      "echo 'hall: offline; looked up locally only (no)'; exit 2", NULL };
	registry *r = registry_child_new(off, 1);
	reg_key *k = NULL;
	size_t n = 0;
	assert_int_equal(registry_lookup(r, "X", &k, &n), 1);
	assert_int_equal(n, 0);
	registry_free(r);
	/* a centre that never answers: the child is killed at the bound */
	const char *hang[] = { "/bin/sh", "-c", "exec sleep 30", NULL };
	r = registry_child_new(hang, 1);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(registry_lookup(r, "X", &k, &n), 1);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true(b.tv_sec - a.tv_sec <= 3);
	registry_free(r);
	assert_int_equal(registry_lookup(NULL, "X", &k, &n), 1);
}

/* A fake centre: online with one key known only there, or offline. */
typedef struct fake_reg {
	registry ops;
	bool online;
	int calls;
} fake_reg;

static int fake_lookup(registry *r, const char *uscc, reg_key **out, size_t *n)
{
	fake_reg *f = (fake_reg *)r;
	f->calls++;
	if (!f->online)
		return 1;
	*out = calloc(1, sizeof **out);
	snprintf((*out)[0].serial, sizeof (*out)[0].serial, "SC-ELSEWHERE-%.4s", uscc);
	snprintf((*out)[0].state, sizeof (*out)[0].state, "PERM_LOST");
	snprintf((*out)[0].bound_agent, sizeof (*out)[0].bound_agent, "李四");
	snprintf((*out)[0].bound_hall, sizeof (*out)[0].bound_hall, "HB");
	*n = 1;
	return 0;
}

static void fake_free(registry *r)
{
	(void)r;
}

static const service *reissue_service(const catalog *cat)
{
	for (size_t i = 0; i < cat->n_services; i++)
		if (cat->services[i].kind == SVC_REISSUE)
			return &cat->services[i];
	return NULL;
}

static void old_keys_from_the_hall(void **state)
{
	tf_fx *f = *state;
	fake_reg fr = { .ops = { fake_lookup, fake_free }, .online = true };
	case_flow cs;
	memset(&cs, 0, sizeof cs);
	cs.svc = reissue_service(f->k.cat);
	assert_non_null(cs.svc);
	snprintf(cs.rec.party.uscc, sizeof cs.rec.party.uscc, "%s", TF_USCC);
	tokstep_load_old_keys(&f->k, &cs);
	size_t here = cs.n_old_keys;
	assert_int_equal(fr.calls, 0); /* no hall: the file only, nothing said of a hall */

	f->k.reg = &fr.ops;
	tokstep_load_old_keys(&f->k, &cs);
	assert_int_equal(fr.calls, 1);
	assert_int_equal(cs.n_old_keys, here + 1);
	assert_string_equal(cs.old_keys[here].serial, "SC-ELSEWHERE-9151");
	assert_int_equal(cs.old_keys[here].state, TS_PERM_LOST);
	assert_non_null(strstr(f->said, "looked up at the hall too (1 only on record elsewhere)"));
	assert_true(cs.hall_answered);

	fr.online = false;
	tokstep_load_old_keys(&f->k, &cs);
	assert_int_equal(cs.n_old_keys, here);
	assert_non_null(strstr(f->said, "at this window only"));
	assert_null(cs.hall_keys); /* offline: nothing of the hall kept */
	assert_false(cs.hall_answered);
	free(cs.old_keys);
	f->k.reg = NULL;
}

/* A binding asks the hall too: the unit's keys there, each with the
 * binding the hall knows, kept for the screen; a key the hall says is
 * retired takes that state (refused when brought). */
static void bind_asks_the_hall(void **state)
{
	tf_fx *f = *state;
	fake_reg fr = { .ops = { fake_lookup, fake_free }, .online = true };
	case_flow cs;
	memset(&cs, 0, sizeof cs);
	for (size_t i = 0; i < f->k.cat->n_services && !cs.svc; i++)
		if (f->k.cat->services[i].kind == SVC_BIND)
			cs.svc = &f->k.cat->services[i];
	assert_non_null(cs.svc);
	snprintf(cs.rec.party.uscc, sizeof cs.rec.party.uscc, "%s", TF_USCC);
	f->k.reg = &fr.ops;
	tokstep_load_old_keys(&f->k, &cs);
	assert_int_equal(fr.calls, 1);
	assert_int_equal(cs.n_hall_keys, 1);
	const reg_key *h = registry_find(cs.hall_keys, cs.n_hall_keys, "SC-ELSEWHERE-9151");
	assert_non_null(h);
	assert_string_equal(h->bound_agent, "李四");
	assert_string_equal(h->bound_hall, "HB");
	assert_null(registry_find(cs.hall_keys, cs.n_hall_keys, "SC-NOWHERE"));
	free(cs.old_keys);
	free(cs.hall_keys);
	f->k.reg = NULL;
}

/* A reissue at the token step whose old key the hall says was lost at
 * another hall: refused before the key is touched, nothing recorded. */
static void retired_elsewhere_refused(void **state)
{
	tf_fx *f = *state;
	fake_reg fr = { .ops = { fake_lookup, fake_free }, .online = true };
	case_flow *cs = tf_open(f, "rs.reissue");
	tf_fill(f, cs, TF_UNIT, TF_USCC);
	snprintf(cs->text[5], CASE_FIELD_BYTES, "2027-03-01"); /* the old certificate's end */
	tf_details(f, cs);
	tf_materials(f, cs);
	tf_accept(f, cs);
	f->k.reg = &fr.ops;
	tokstep_load_old_keys(&f->k, cs);
	f->k.reg = NULL;
	size_t i = 0;
	while (i < cs->n_old_keys && strcmp(cs->old_keys[i].serial, "SC-ELSEWHERE-9151") != 0)
		i++;
	assert_true(i < cs->n_old_keys);
	cs->old_sel = i;
	int steps = tf_int(f, "SELECT count(*) FROM case_steps", NULL);
	assert_false(tokstep_run(&f->k, cs));
	assert_true(cs->step_failed);
	assert_non_null(strstr(cs->step_msg, "Key SC-ELSEWHERE-9151 is "));
	assert_non_null(strstr(cs->step_msg, "according to the hall"));
	assert_int_equal(tf_int(f, "SELECT count(*) FROM case_steps", NULL), steps);
	case_flow_free(cs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(merge_adds_and_retires),
		cmocka_unit_test(child_reads_the_lookup),
		cmocka_unit_test(child_offline_and_bounded),
		cmocka_unit_test_setup_teardown(old_keys_from_the_hall, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(bind_asks_the_hall, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(retired_elsewhere_refused, tf_setup, tf_teardown),
	};
	return cmocka_run_group_tests(tests, tf_group_setup, tf_group_teardown);
}
