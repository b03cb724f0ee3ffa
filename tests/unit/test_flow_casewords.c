/* test_flow_casewords: the supervisor's timeline says a case's recorded
 * details in words (forms/casewords.h). Every phrase the kiosk writes
 * (STEP_NOTES), every key operation, every JSON key (DETAIL_KEYS), every
 * closed set a value comes from and every audit action has words in both
 * languages, and reads back from what the writer wrote; cases carried through
 * the real flows (a new key written and paid, a correction, a refusal, a
 * cancellation) have every step and audit entry of their timeline said in
 * Chinese with no English word left but identifiers; whatever the reader does
 * not know is shown as recorded. The record's own English is unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>

#include "core/audit/actions.h"
#include "core/pay/pay.h"
#include "core/token/token_life.h"
#include "db/report/timeline.h"
#include "forms/casewords.h"
#include "tests/unit/testflow.h"

/* ---- the tables, without a database ---- */

typedef struct words_fx {
	strings *str[LANG_COUNT];
	catalog *cat;
	form_spec *form;
} words_fx;

static int words_setup(void **state)
{
	words_fx *w = calloc(1, sizeof *w);
	kerr err = { 0 };
	for (int l = 0; l < LANG_COUNT; l++)
		w->str[l] = strings_load(KIOSK_CONFIG_DIR, (lang)l, &err);
	w->cat = catalog_load(KIOSK_CONFIG_DIR, &err);
	w->form = form_load(KIOSK_CONFIG_DIR, &err);
	if (!w->str[LANG_ZH] || !w->str[LANG_EN] || !w->cat || !w->form) {
		fprintf(stderr, "setup: %s: %s\n", err.where, err.msg);
		return -1;
	}
	*state = w;
	return 0;
}

static int words_teardown(void **state)
{
	words_fx *w = *state;
	for (int l = 0; l < LANG_COUNT; l++)
		strings_free(w->str[l]);
	catalog_free(w->cat);
	form_free(w->form);
	free(w);
	return 0;
}

static casewords cw_of(const words_fx *w, lang l)
{
	return (casewords){ w->str[l], w->cat, catalog_service(w->cat, "zc.new"), w->form, l };
}

/* An ASCII word of letters that is not an identifier: identifiers hold a
 * digit (serials, case numbers, transaction ids, USCCs, staff ids like
 * demo01) or are among the names the Chinese text uses itself. NULL none. */
static const char *english_word(const char *s, char *word, size_t n)
{
	static const char *const allowed[] = { "Key", "USB", "PIN", "PIV", "SM2", "F9", "demosup",
					       "weixin", NULL };
	const char *p = s;
	while (*p) {
		if (!isalnum((unsigned char)*p)) {
			p++;
			continue;
		}
		/* a run of identifier characters */
		const char *b = p;
		bool digit = false, letter = false;
		while (*p && (isalnum((unsigned char)*p) || strchr("._-:/?=", *p))) {
			digit |= isdigit((unsigned char)*p) != 0;
			letter |= isalpha((unsigned char)*p) != 0;
			p++;
		}
		if (!letter || digit)
			continue;
		snprintf(word, n, "%.*s", (int)(p - b), b);
		bool ok = false;
		for (int i = 0; allowed[i]; i++)
			ok |= strcmp(word, allowed[i]) == 0;
		if (!ok)
			return word;
	}
	return NULL;
}

static int count_placeholders(const char *pattern)
{
	int k = 0;
	for (const char *p = pattern; (p = strstr(p, "%s")); p += 2)
		k++;
	return k;
}

/* Every phrase: words in both languages with a {a} {b} {c} for each %s, and
 * what casewords_note() writes is read back as those words. */
static void every_note_reads_back(void **state)
{
	words_fx *w = *state;
	for (int i = 0; i < SN_COUNT; i++) {
		int k = count_placeholders(step_note_text((step_note)i));
		const char *args[3] = { "K0001", "2026-03-02", "2027-03-01" };
		if (i == SN_PAID)
			args[0] = "40000";
		if (i == SN_RESUMED_AT)
			args[0] = "payment";
		char written[256], said[1024], want[1024];
		casewords_note(written, sizeof written, (step_note)i, args[0], args[1], args[2]);
		for (int l = 0; l < LANG_COUNT; l++) {
			const char *text = strings_get(w->str[l], step_note_key((step_note)i));
			if (!text)
				fail_msg("%s has no words in %s", step_note_key((step_note)i), lang_name((lang)l));
			static const char *const ph[] = { "{a}", "{b}", "{c}" };
			for (int j = 0; j < 3; j++)
				if ((strstr(text, ph[j]) != NULL) != (j < k))
					fail_msg("%s (%s): %s should be there for '%s'", step_note_key((step_note)i),
						 lang_name((lang)l), ph[j], step_note_text((step_note)i));
			casewords cw = cw_of(w, (lang)l);
			str_var v[] = { { "a", i == SN_PAID ? "400.00"
					  : i == SN_RESUMED_AT ? strings_get(w->str[l], "step.payment") : args[0] },
					{ "b", args[1] }, { "c", args[2] }, { NULL, NULL } };
			strings_render(w->str[l], step_note_key((step_note)i), v, want, sizeof want);
			casewords_step(&cw, "token", written, said, sizeof said);
			if (strcmp(said, want) != 0)
				fail_msg("'%s' read back as '%s', not '%s'", written, said, want);
		}
		char word[64];
		casewords cw = cw_of(w, LANG_ZH);
		casewords_step(&cw, "token", written, said, sizeof said);
		if (english_word(said, word, sizeof word))
			fail_msg("'%s' says '%s' in Chinese: '%s' is English", written, said, word);
	}
}

/* The demo key's "<op>[: <note>]": every operation by its words. */
static void every_key_operation(void **state)
{
	words_fx *w = *state;
	casewords cw = cw_of(w, LANG_ZH);
	for (int i = 0; i < TOKEN_OP_COUNT; i++) {
		char key[64], said[512], detail[128], want[256];
		snprintf(key, sizeof key, "token.%s", token_op_name((token_op)i));
		assert_non_null(strings_get(w->str[LANG_ZH], key));
		assert_non_null(strings_get(w->str[LANG_EN], key));
		assert_string_equal(casewords_step(&cw, "token", token_op_name((token_op)i), said, sizeof said),
				    strings_get(w->str[LANG_ZH], key));
		snprintf(detail, sizeof detail, "read; %s: read key K0001", token_op_name((token_op)i));
		snprintf(want, sizeof want, "读取证书信息；%s：读取 Key K0001", strings_get(w->str[LANG_ZH], key));
		assert_string_equal(casewords_step(&cw, "token", detail, said, sizeof said), want);
	}
	/* as a demo case records it */
	char said[512];
	assert_string_equal(casewords_step(&cw, "token", "personalise; write_cert: certificate 2026-11-21..2027-11-21; write_seal",
					   said, sizeof said),
			    "初始化新 Key；写入证书：有效期 2026-11-21 至 2027-11-21；写入印章");
}

/* Every JSON key has its label, and every word a value of a closed set can be
 * has its words. */
static void every_key_and_value(void **state)
{
	words_fx *w = *state;
	static const struct {
		const char *key;
		detail_value how;
	} keys[] = {
#define X(key, how) { key, how },
		DETAIL_KEYS(X)
#undef X
	};
	for (int l = 0; l < LANG_COUNT; l++) {
		casewords cw = cw_of(w, (lang)l);
		/* the party's fields by forms.ini's labels */
		for (int i = 0; i < PF_COUNT; i++) {
			char json[128], said[512];
			const field_spec *fs = form_field(w->form, party_field_name((party_field)i));
			assert_non_null(fs);
			snprintf(json, sizeof json, "{\"%s\":\"K0001\"}", party_field_name((party_field)i));
			casewords_step(&cw, "details", json, said, sizeof said);
			assert_non_null(strstr(said, fs->label[l]));
		}
		for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
			char label[64], json[128], said[512];
			snprintf(label, sizeof label, "timeline.k.%s", keys[i].key);
			if (!strings_get(w->str[l], label))
				fail_msg("%s has no words in %s", label, lang_name((lang)l));
			/* the label said, not the key */
			snprintf(json, sizeof json, "{\"%s\":\"K0001\"}", keys[i].key);
			casewords_step(&cw, "details", json, said, sizeof said);
			if (!strstr(said, strings_get(w->str[l], label)) &&
			    material_mark_from_name(keys[i].key) < 0)
				fail_msg("%s said as '%s'", json, said);
		}
	}
	/* the values of closed sets, each said by its words in Chinese */
	casewords cw = cw_of(w, LANG_ZH);
	char json[160], said[512], word[64];
#define SAYS(fmt, v)                                                                        \
	do {                                                                                \
		snprintf(json, sizeof json, fmt, v);                                        \
		casewords_step(&cw, "x", json, said, sizeof said);                           \
		if (english_word(said, word, sizeof word))                                  \
			fail_msg("%s said as '%s': '%s' is English", json, said, word);     \
	} while (0)
	for (int i = 0; i < PAY_STATE_COUNT; i++)
		SAYS("{\"state\":\"%s\"}", pay_state_name((pay_state)i));
	for (int i = 0; i < PAY_REFUND_STATE_COUNT; i++)
		SAYS("{\"from\":\"%s\"}", pay_refund_state_name((pay_refund_state)i));
	for (int i = 0; i < TS_COUNT; i++)
		SAYS("{\"to\":\"%s\"}", token_state_name((token_state)i));
	for (int i = 0; i < TR_COUNT; i++)
		SAYS("{\"entered\":\"%s\"}", token_reason_name((token_reason)i));
	for (int i = 0; i < STEP_COUNT; i++)
		SAYS("{\"after_step\":\"%s\"}", case_step_name((case_step)i));
	for (int i = 1; i < DEC_COUNT; i++)
		SAYS("{\"decision\":\"%s\"}", case_decision_name((case_decision)i));
	for (int i = 0; i < RATE_COUNT; i++)
		SAYS("{\"level\":\"%s\"}", rating_level_name((rating_level)i));
#define WORD(v) SAYS("{\"charged\":\"%s\"}", v);
	DETAIL_WORDS(WORD)
#undef WORD
	static const char *const papers[] = { "slip", "notice", "supplement" };
	for (size_t i = 0; i < 3; i++) {
		SAYS("{\"paper\":\"%s\"}", papers[i]);
		SAYS("{\"file\":\"/data/slips/2026-03-02/K01-20260302-0001-%s.txt\"}", papers[i]);
		SAYS("{\"file\":\"/data/slips/2026-03-02/K01-20260302-0001-%s-reprint.txt\"}", papers[i]);
	}
	for (size_t i = 0; i < w->cat->n_services; i++)
		SAYS("{\"service\":\"%s\"}", w->cat->services[i].id);
	for (size_t i = 0; i < w->cat->n_materials; i++)
		SAYS("{\"missing\":[\"%s\"]}", w->cat->materials[i].id);
	SAYS("{\"undone\":[\"%s\",\"approval\"]}", "decision");
	SAYS("{\"verified\":%d}", 1);
	SAYS("{\"late\":\"%s\"}", "yes");
	SAYS("{\"holder\":\"%s\"}", "unit");
	SAYS("{\"code\":\"%s\"}", "wrong_service");
#undef SAYS
	/* money in yuan, a correction old -> new, a defective material's reason */
	assert_string_equal(casewords_step(&cw, "x", "{\"fee_fen\":40000}", said, sizeof said), "费用：400.00 元");
	/* SUCCESS: an order paid, a refund made */
	assert_string_equal(casewords_step(&cw, "x", "{\"out_trade_no\":\"K1\",\"state\":\"SUCCESS\"}", said, sizeof said),
			    "订单号：K1；状态：已付款");
	assert_string_equal(casewords_audit(&cw, "refund.state", "{\"out_refund_no\":\"K1-R1\",\"from\":\"PENDING\","
					    "\"state\":\"SUCCESS\",\"refund_id\":\"\"}", said, sizeof said),
			    "退款单号：K1-R1；原状态：已批准，待答复；状态：退款成功");
	assert_string_equal(casewords_step(&cw, "x", "{\"step\":\"details\",\"changes\":[{\"field\":\"agent_mobile\","
					   "\"old\":\"13800138000\",\"new\":\"13900139000\"}]}", said, sizeof said),
			    "更正步骤：单位及经办人信息；改动：经办人手机号码：13800138000 → 13900139000");
	assert_string_equal(casewords_step(&cw, "x", "{\"changes\":[{\"field\":\"app_form\",\"old\":\"received\","
					   "\"new\":\"defective: 未盖章\"}]}", said, sizeof said),
			    "改动：《企业机构数字证书及印章业务申请表》原件：已收取 → 不符合要求——未盖章");
	assert_string_equal(casewords_step(&cw, "materials", "{\"received\":[\"app_form\"],\"missing\":[],"
					   "\"defective\":{\"licence_copy\":\"模糊\"}}", said, sizeof said),
			    "已收取：《企业机构数字证书及印章业务申请表》原件；不符合要求：单位证照复印件（模糊）");
}

/* Every audit action has its words, in both languages. */
static void every_action(void **state)
{
	words_fx *w = *state;
	for (int l = 0; l < LANG_COUNT; l++) {
		casewords cw = cw_of(w, (lang)l);
		for (int a = 0; a < AUD_COUNT; a++) {
			const char *said = casewords_action(&cw, audit_action_name((audit_action)a));
			if (!said)
				fail_msg("audit action %s has no words in %s", audit_action_name((audit_action)a),
					 lang_name((lang)l));
			char word[64];
			if (l == LANG_ZH && english_word(said, word, sizeof word))
				fail_msg("%s is '%s' in Chinese", audit_action_name((audit_action)a), said);
		}
	}
	casewords cw = cw_of(w, LANG_ZH);
	assert_null(casewords_action(&cw, "no.such"));
	/* config check knows the keys: each is in both files */
	for (const char *const *k = casewords_string_keys(); *k; k++)
		for (int l = 0; l < LANG_COUNT; l++)
			if (!strings_get(w->str[l], *k))
				fail_msg("%s missing in %s", *k, lang_name((lang)l));
}

/* What the reader does not know is shown as recorded, never dropped. */
static void unknown_as_recorded(void **state)
{
	words_fx *w = *state;
	casewords cw = cw_of(w, LANG_ZH);
	char said[512];
	assert_string_equal(casewords_step(&cw, "token", "frobnicated the key", said, sizeof said),
			    "frobnicated the key");
	assert_string_equal(casewords_step(&cw, "token", "personalise; frobnicated", said, sizeof said),
			    "初始化新 Key；frobnicated");
	assert_string_equal(casewords_step(&cw, "x", "{\"zzz\":\"abc\",\"note\":\"备注一\"}", said, sizeof said),
			    "zzz：abc；备注：备注一");
	assert_string_equal(casewords_step(&cw, "x", "{\"decision\":\"maybe\"}", said, sizeof said),
			    "决定：maybe");
	assert_string_equal(casewords_step(&cw, "x", "{not json", said, sizeof said), "{not json");
	assert_string_equal(casewords_step(&cw, "x", "", said, sizeof said), "");
	assert_string_equal(casewords_audit(&cw, "payment.qr", "weixin://wxpay/bizpayurl?pr=abc", said, sizeof said),
			    "weixin://wxpay/bizpayurl?pr=abc");
	/* a line too long for its buffer is cut between characters */
	char small[11];
	assert_string_equal(casewords_step(&cw, "x", "{\"note\":\"一二三\"}", small, sizeof small), "备注：");
	/* a newline recorded in free text is a space on the screen */
	assert_string_equal(casewords_step(&cw, "x", "{\"note\":\"a\\nb\"}", said, sizeof said), "备注：a b");
}

/* ---- cases carried through the flows ---- */

/* Every step and audit entry of the case's timeline said in Chinese, none
 * with an English word, none empty where a detail was recorded; the
 * record's text (kioskctl's) keeps its English. */
static void timeline_in_words(tf_fx *f, const char *case_no, const char *must_say)
{
	kerr err = { 0 };
	strings *zh = strings_load(KIOSK_CONFIG_DIR, LANG_ZH, &err);
	assert_non_null(zh);
	timeline_entry *tl = NULL;
	size_t n = 0;
	assert_int_equal(db_case_timeline(f->k.db, case_no, &tl, &n, &err), 0);
	case_rec rec;
	assert_int_equal(db_case_get(f->k.db, case_no, &rec, &err), 0);
	casewords cw = { zh, f->k.cat, catalog_service(f->k.cat, rec.service_id), f->k.form, LANG_ZH };
	bool found = false;
	size_t n_said = 0;
	for (size_t i = 0; i < n; i++) {
		const timeline_entry *e = &tl[i];
		if (e->kind != TL_STEP && e->kind != TL_AUDIT)
			continue;
		const char *step = e->var[0], *action = e->kind == TL_AUDIT ? e->var[1] : NULL;
		char said[1200], word[64];
		if (e->kind == TL_STEP)
			casewords_step(&cw, step, e->detail, said, sizeof said);
		else
			casewords_audit(&cw, action, e->detail, said, sizeof said);
		if (e->kind == TL_AUDIT && !casewords_action(&cw, action))
			fail_msg("%s: action %s has no words", case_no, action);
		if (e->detail[0] && !said[0])
			fail_msg("%s: '%s' said as nothing", case_no, e->detail);
		if (english_word(said, word, sizeof word))
			fail_msg("%s: '%s' said as '%s': '%s' is English", case_no, e->detail, said, word);
		found |= strstr(said, must_say) != NULL;
		n_said++;
	}
	if (!found)
		fail_msg("%s: no entry says '%s'", case_no, must_say);
	assert_true(n_said >= 4);
	free(tl);
	strings_free(zh);
}

/* A new key written and paid, its slip printed; the details corrected first. */
static void new_case_said(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_case_to(f, "zc.new", STEP_DECISION);
	assert_int_equal(case_flow_back(&f->k, cs, STEP_TOKEN), STEP_DECISION);
	assert_int_equal(case_flow_back(&f->k, cs, STEP_DECISION), STEP_MATERIALS);
	assert_int_equal(case_flow_back(&f->k, cs, STEP_MATERIALS), STEP_DETAILS);
	int bad;
	tf_type(f, cs, "agent_mobile", "139 0013 9000");
	assert_int_equal(case_details_submit(&f->k, cs, &bad), FLOW_NEXT);
	assert_int_equal(tf_audit_count(f, cs->rec.case_no, "case.correct"), 1);
	tf_materials(f, cs);
	tf_accept(f, cs);
	tf_token(f, cs, "SC-DEMO-0006");
	tf_pay(f, cs);
	slip_flow_make(&f->k, cs);
	assert_int_equal(slip_flow_done(&f->k, cs), FLOW_HOME);
	char s[1024];
	/* the record keeps its English */
	tf_text(f, "SELECT detail FROM case_steps WHERE step = 'token' AND case_id ="
		   " (SELECT id FROM cases WHERE case_no = ?1)", cs->rec.case_no, s, sizeof s);
	assert_non_null(strstr(s, "personalise; write_cert: certificate "));
	tf_text(f, "SELECT detail FROM case_steps WHERE step = 'payment' AND case_id ="
		   " (SELECT id FROM cases WHERE case_no = ?1)", cs->rec.case_no, s, sizeof s);
	assert_non_null(strstr(s, "paid 40000 fen, transaction "));
	timeline_in_words(f, cs->rec.case_no, "经办人手机号码：13800138000 → 13900139000");
	timeline_in_words(f, cs->rec.case_no, "初始化新 Key；写入证书：有效期 ");
	timeline_in_words(f, cs->rec.case_no, "已付 400.00 元，交易号 ");
	timeline_in_words(f, cs->rec.case_no, "受理回执");
	case_flow_free(cs);
}

/* A refusal (a material defective) and its notice; a cancelled case. */
static void refused_and_cancelled_said(void **state)
{
	tf_fx *f = *state;
	case_flow *cs = tf_open(f, "zc.new");
	tf_fill(f, cs, TF_UNIT, TF_USCC);
	tf_details(f, cs);
	assert_true(case_mark(&f->k, cs, 0, MARK_DEFECTIVE, "未加盖单位公章"));
	for (size_t i = 1; i < cs->cl->n_items; i++)
		assert_true(case_mark(&f->k, cs, i, MARK_RECEIVED, NULL));
	assert_int_equal(case_materials_submit(&f->k, cs), FLOW_NEXT);
	assert_int_equal(case_decide(&f->k, cs, DEC_REFUSE), FLOW_NEXT);
	slip_flow_make(&f->k, cs);
	assert_int_equal(slip_flow_done(&f->k, cs), FLOW_HOME);
	timeline_in_words(f, cs->rec.case_no, "不符合要求：《企业机构数字证书及印章业务申请表》原件（未加盖单位公章）");
	timeline_in_words(f, cs->rec.case_no, "一次性告知单");
	case_flow_free(cs);

	cs = tf_open(f, "zc.new");
	tf_fill(f, cs, TF_UNIT, TF_USCC);
	tf_details(f, cs);
	assert_int_equal(case_flow_cancel(&f->k, cs, "客户改天再来"), FLOW_HOME);
	timeline_in_words(f, cs->rec.case_no, "原因：客户改天再来");
	case_flow_free(cs);
}

int main(void)
{
	const struct CMUnitTest words[] = {
		cmocka_unit_test(every_note_reads_back),
		cmocka_unit_test(every_key_operation),
		cmocka_unit_test(every_key_and_value),
		cmocka_unit_test(every_action),
		cmocka_unit_test(unknown_as_recorded),
	};
	const struct CMUnitTest flows[] = {
		cmocka_unit_test_setup_teardown(new_case_said, tf_setup, tf_teardown),
		cmocka_unit_test_setup_teardown(refused_and_cancelled_said, tf_setup, tf_teardown),
	};
	int rc = cmocka_run_group_tests(words, words_setup, words_teardown);
	return rc + cmocka_run_group_tests(flows, tf_group_setup, tf_group_teardown);
}
