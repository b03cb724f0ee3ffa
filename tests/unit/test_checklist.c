/* test_checklist: the materials check over the shipped services. rs.new allows
 * 容缺 (app_form essential; licence_copy, agent_id_copy not); rs.change does not
 * (app_form and usb_key essential). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "forms/checklist.h"
#include "tests/unit/testutil.h"

static int setup(void **state)
{
	kerr err = { { 0 }, { 0 } };
	catalog *c = catalog_load(KIOSK_CONFIG_DIR, &err);
	if (!c) {
		fprintf(stderr, "setup: %s: %s\n", err.where, err.msg);
		return -1;
	}
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	catalog_free(*state);
	return 0;
}

static checklist *new_for(void **state, const char *id)
{
	const service *s = catalog_service(*state, id);
	assert_non_null(s);
	checklist *cl = checklist_new(s);
	assert_non_null(cl);
	assert_int_equal(cl->n_items, s->n_materials);
	return cl;
}

static void mark(checklist *cl, const char *id, material_mark m, const char *reason)
{
	kerr err = { { 0 }, { 0 } };
	if (checklist_mark(cl, id, m, reason, &err) != 0)
		fail_msg("mark %s: %s", id, err.msg);
}

static void all_received_complete(void **state)
{
	checklist *cl = new_for(state, "rs.change");
	for (size_t i = 0; i < cl->n_items; i++)
		mark(cl, cl->items[i].sm->material->id, MARK_RECEIVED, NULL);
	checklist_result r;
	checklist_evaluate(cl, &r);
	assert_int_equal(r.verdict, CL_COMPLETE);
	assert_int_equal(r.n_notice, 0);
	assert_int_equal(r.n_unset, 0);
	assert_null(r.notice);
	checklist_result_free(&r);
	checklist_free(cl);
}

static void nonessential_missing_rongque(void **state)
{
	checklist *cl = new_for(state, "rs.new");
	assert_true(cl->svc->rongque_allowed);
	mark(cl, "app_form", MARK_RECEIVED, NULL);
	mark(cl, "licence_copy", MARK_MISSING, NULL);
	mark(cl, "agent_id_copy", MARK_RECEIVED, NULL);
	checklist_result r;
	checklist_evaluate(cl, &r);
	assert_int_equal(r.verdict, CL_RONGQUE);
	assert_int_equal(r.n_notice, 1);
	assert_string_equal(r.notice[0].material->id, "licence_copy");
	assert_int_equal(r.notice[0].mark, MARK_MISSING);
	assert_false(r.notice[0].essential);
	assert_string_equal(r.notice[0].reason, "");
	checklist_result_free(&r);
	assert_null(r.notice);
	checklist_free(cl);
}

static void nonessential_missing_without_rongque(void **state)
{
	checklist *cl = new_for(state, "rs.change");
	assert_false(cl->svc->rongque_allowed);
	mark(cl, "app_form", MARK_RECEIVED, NULL);
	mark(cl, "licence_copy", MARK_MISSING, NULL);
	mark(cl, "agent_id_copy", MARK_RECEIVED, NULL);
	mark(cl, "usb_key", MARK_RECEIVED, NULL);
	checklist_result r;
	checklist_evaluate(cl, &r);
	assert_int_equal(r.verdict, CL_REFUSE);
	assert_int_equal(r.n_notice, 1);
	assert_string_equal(r.notice[0].material->id, "licence_copy");
	checklist_result_free(&r);
	checklist_free(cl);
}

static void essential_missing_refused(void **state)
{
	/* even where 容缺 is allowed, an essential item cannot be missing */
	checklist *cl = new_for(state, "rs.new");
	mark(cl, "app_form", MARK_MISSING, NULL);
	mark(cl, "licence_copy", MARK_RECEIVED, NULL);
	mark(cl, "agent_id_copy", MARK_RECEIVED, NULL);
	checklist_result r;
	checklist_evaluate(cl, &r);
	assert_int_equal(r.verdict, CL_REFUSE);
	assert_int_equal(r.n_notice, 1);
	assert_true(r.notice[0].essential);
	checklist_result_free(&r);
	/* the key on a key service */
	checklist_free(cl);
	cl = new_for(state, "zc.renew");
	assert_true(cl->svc->rongque_allowed);
	mark(cl, "app_form", MARK_RECEIVED, NULL);
	mark(cl, "agent_id_copy", MARK_RECEIVED, NULL);
	mark(cl, "usb_key", MARK_MISSING, NULL);
	checklist_evaluate(cl, &r);
	assert_int_equal(r.verdict, CL_REFUSE);
	assert_string_equal(r.notice[0].material->id, "usb_key");
	assert_true(r.notice[0].essential);
	checklist_result_free(&r);
	checklist_free(cl);
}

static void defective_with_reason(void **state)
{
	checklist *cl = new_for(state, "rs.new");
	mark(cl, "app_form", MARK_RECEIVED, NULL);
	mark(cl, "licence_copy", MARK_RECEIVED, NULL);
	mark(cl, "agent_id_copy", MARK_DEFECTIVE, "未加盖单位公章（鲜章）");
	checklist_result r;
	checklist_evaluate(cl, &r);
	/* a defective copy is as good as none: 容缺 on a non-essential item */
	assert_int_equal(r.verdict, CL_RONGQUE);
	assert_int_equal(r.n_notice, 1);
	assert_int_equal(r.notice[0].mark, MARK_DEFECTIVE);
	assert_string_equal(r.notice[0].reason, "未加盖单位公章（鲜章）");
	checklist_result_free(&r);
	/* a defective essential item refuses */
	mark(cl, "app_form", MARK_DEFECTIVE, "印章为复印件");
	checklist_evaluate(cl, &r);
	assert_int_equal(r.verdict, CL_REFUSE);
	assert_int_equal(r.n_notice, 2);
	checklist_result_free(&r);
	/* re-marking received clears the reason */
	mark(cl, "app_form", MARK_RECEIVED, NULL);
	assert_string_equal(cl->items[0].reason, "");
	checklist_free(cl);
}

static void notice_lists_everything_in_order(void **state)
{
	checklist *cl = new_for(state, "zc.change");
	/* marked in reverse order; the notice follows the catalog's order */
	mark(cl, "usb_key", MARK_MISSING, NULL);
	mark(cl, "agent_id_copy", MARK_DEFECTIVE, "身份证已过期");
	mark(cl, "licence_copy", MARK_RECEIVED, NULL);
	mark(cl, "app_form", MARK_DEFECTIVE, "缺少经办人签字");
	checklist_result r;
	checklist_evaluate(cl, &r);
	assert_int_equal(r.verdict, CL_REFUSE);
	assert_int_equal(r.n_notice, 3);
	assert_string_equal(r.notice[0].material->id, "app_form");
	assert_int_equal(r.notice[0].mark, MARK_DEFECTIVE);
	assert_string_equal(r.notice[0].reason, "缺少经办人签字");
	assert_true(r.notice[0].essential);
	assert_string_equal(r.notice[1].material->id, "agent_id_copy");
	assert_int_equal(r.notice[1].mark, MARK_DEFECTIVE);
	assert_string_equal(r.notice[1].reason, "身份证已过期");
	assert_false(r.notice[1].essential);
	assert_string_equal(r.notice[2].material->id, "usb_key");
	assert_int_equal(r.notice[2].mark, MARK_MISSING);
	assert_true(r.notice[2].essential);
	checklist_result_free(&r);
	checklist_free(cl);
}

static void unmarked_incomplete(void **state)
{
	checklist *cl = new_for(state, "rs.new");
	checklist_result r;
	checklist_evaluate(cl, &r);
	assert_int_equal(r.verdict, CL_INCOMPLETE);
	assert_int_equal(r.n_unset, 3);
	checklist_result_free(&r);
	mark(cl, "app_form", MARK_RECEIVED, NULL);
	mark(cl, "licence_copy", MARK_MISSING, NULL);
	checklist_evaluate(cl, &r);
	assert_int_equal(r.verdict, CL_INCOMPLETE);
	assert_int_equal(r.n_unset, 1);
	/* the notice is listed whatever the verdict */
	assert_int_equal(r.n_notice, 1);
	checklist_result_free(&r);
	/* un-marking goes back to incomplete */
	mark(cl, "agent_id_copy", MARK_RECEIVED, NULL);
	mark(cl, "licence_copy", MARK_RECEIVED, NULL);
	checklist_evaluate(cl, &r);
	assert_int_equal(r.verdict, CL_COMPLETE);
	checklist_result_free(&r);
	mark(cl, "licence_copy", MARK_UNSET, NULL);
	checklist_evaluate(cl, &r);
	assert_int_equal(r.verdict, CL_INCOMPLETE);
	checklist_result_free(&r);
	checklist_free(cl);
}

static void defective_without_reason_rejected(void **state)
{
	checklist *cl = new_for(state, "rs.new");
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(checklist_mark(cl, "licence_copy", MARK_DEFECTIVE, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "without a reason"));
	assert_int_equal(checklist_mark(cl, "licence_copy", MARK_DEFECTIVE, " \t ", &err), -1);
	assert_int_equal(checklist_mark(cl, "licence_copy", MARK_DEFECTIVE, "", &err), -1);
	assert_int_equal(cl->items[1].mark, MARK_UNSET); /* unchanged */
	/* too long or broken text is refused, not cut */
	char longr[300];
	memset(longr, 'x', sizeof longr - 1);
	longr[sizeof longr - 1] = '\0';
	assert_int_equal(checklist_mark(cl, "licence_copy", MARK_DEFECTIVE, longr, &err), -1);
	assert_non_null(strstr(err.msg, "shorten"));
	longr[255] = '\0';
	assert_int_equal(checklist_mark(cl, "licence_copy", MARK_DEFECTIVE, longr, &err), 0);
	assert_int_equal(checklist_mark(cl, "licence_copy", MARK_DEFECTIVE, "\xE4\xB8", &err), -1);
	assert_non_null(strstr(err.msg, "UTF-8"));
	/* the reason goes on the notice: nothing in it may hide or reorder text */
	assert_int_equal(checklist_mark(cl, "licence_copy", MARK_DEFECTIVE, "复印件\u202E模糊",
					&err), -1);
	assert_non_null(strstr(err.msg, "U+202E RIGHT-TO-LEFT OVERRIDE at character 4"));
	assert_int_equal(strlen(cl->items[1].reason), 255); /* the accepted one stays */
	checklist_free(cl);
}

static void unknown_material_rejected(void **state)
{
	checklist *cl = new_for(state, "rs.new");
	kerr err = { { 0 }, { 0 } };
	/* a real material, but not on this service's list */
	assert_int_equal(checklist_mark(cl, "usb_key", MARK_RECEIVED, NULL, &err), -1);
	assert_non_null(strstr(err.msg, "'usb_key' is not on the checklist of service rs.new"));
	assert_int_equal(checklist_mark(cl, "passport", MARK_RECEIVED, NULL, &err), -1);
	assert_int_equal(checklist_mark(cl, NULL, MARK_RECEIVED, NULL, &err), -1);
	assert_int_equal(checklist_mark(cl, "app_form", (material_mark)9, NULL, &err), -1);
	assert_int_equal(checklist_mark(NULL, "app_form", MARK_RECEIVED, NULL, &err), -1);
	checklist_free(cl);
	checklist_free(NULL);
	assert_null(checklist_new(NULL));
}

static void single_key_service(void **state)
{
	/* zc.seal_renew: only the key */
	checklist *cl = new_for(state, "zc.seal_renew");
	assert_int_equal(cl->n_items, 1);
	mark(cl, "usb_key", MARK_RECEIVED, NULL);
	checklist_result r;
	checklist_evaluate(cl, &r);
	assert_int_equal(r.verdict, CL_COMPLETE);
	checklist_result_free(&r);
	checklist_free(cl);
}

static void names(void **state)
{
	(void)state;
	for (int m = 0; m < MARK_COUNT; m++)
		assert_int_equal(material_mark_from_name(material_mark_name((material_mark)m)), m);
	assert_string_equal(material_mark_key(MARK_DEFECTIVE), "mark.defective");
	assert_int_equal(material_mark_from_name("lost"), -1);
	assert_int_equal(material_mark_from_name(NULL), -1);
	assert_string_equal(checklist_verdict_name(CL_RONGQUE), "rongque");
	assert_string_equal(checklist_verdict_key(CL_REFUSE), "checklist.refuse");
	assert_string_equal(checklist_verdict_name((checklist_verdict)42), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(all_received_complete),
		cmocka_unit_test(nonessential_missing_rongque),
		cmocka_unit_test(nonessential_missing_without_rongque),
		cmocka_unit_test(essential_missing_refused),
		cmocka_unit_test(defective_with_reason),
		cmocka_unit_test(notice_lists_everything_in_order),
		cmocka_unit_test(unmarked_incomplete),
		cmocka_unit_test(defective_without_reason_rejected),
		cmocka_unit_test(unknown_material_rejected),
		cmocka_unit_test(single_key_service),
		cmocka_unit_test(names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
