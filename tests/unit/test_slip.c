/* test_slip: the 受理回执 and the 一次性告知单 over the shipped config, in both
 * languages. Line widths are measured independently of the code under test,
 * with the C library's wcswidth() in the C.UTF-8 locale. */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <wchar.h>
#include <cmocka.h>

#include "core/base/clock.h"
#include "core/base/civil.h"
#include "forms/slip.h"
#include "tests/unit/testutil.h"

#define CASE_NO "SCCA-CD-01-20240301-0007"
#define SITE "四川CA 成都服务窗口"
#define BANNER "演示 / DEMO — 非正式凭证"

typedef struct fixture {
	catalog *cat;
	strings *str[LANG_COUNT];
	int64_t at;    /* 2024-03-01 10:23:45 Asia/Shanghai */
	long today;
} fixture;

static int setup(void **state)
{
	if (!setlocale(LC_CTYPE, "C.UTF-8")) {
		fprintf(stderr, "setup: no C.UTF-8 locale to measure widths with\n");
		return -1;
	}
	fixture *f = calloc(1, sizeof *f);
	kerr err = { { 0 }, { 0 } };
	f->cat = catalog_load(KIOSK_CONFIG_DIR, &err);
	for (int l = 0; f->cat && l < LANG_COUNT; l++)
		if (!(f->str[l] = strings_load(KIOSK_CONFIG_DIR, (lang)l, &err)))
			break;
	if (!f->cat || !f->str[LANG_ZH] || !f->str[LANG_EN]) {
		fprintf(stderr, "setup: %s: %s\n", err.where, err.msg);
		return -1;
	}
	f->today = civil_from_ymd(2024, 3, 1);
	f->at = clock_day_start_ms(f->today) + (10 * 3600 + 23 * 60 + 45) * 1000LL;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	catalog_free(f->cat);
	for (int l = 0; l < LANG_COUNT; l++)
		strings_free(f->str[l]);
	free(f);
	return 0;
}

/* ---- helpers ---- */

/* Display width of one line by the C library (independent of slip_text_width). */
static int libc_width(const char *s, size_t len)
{
	char *line = strndup(s, len);
	wchar_t w[512];
	size_t n = mbstowcs(w, line, 512);
	free(line);
	if (n == (size_t)-1)
		fail_msg("line is not valid UTF-8: %.*s", (int)len, s);
	int cols = wcswidth(w, n);
	if (cols < 0)
		fail_msg("line has a non-printable character: %.*s", (int)len, s);
	return cols;
}

/* Every line at most SLIP_WIDTH columns, ends in '\n', no trailing blank. */
static void assert_narrow(const char *text)
{
	assert_non_null(text);
	assert_true(tu_ends_with(text, "\n"));
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		assert_non_null(nl);
		int w = libc_width(p, (size_t)(nl - p));
		if (w > SLIP_WIDTH)
			fail_msg("line of %d columns: %.*s", w, (int)(nl - p), p);
		if (nl > p && nl[-1] == ' ')
			fail_msg("trailing space: '%.*s'", (int)(nl - p), p);
		assert_int_equal(w, slip_text_width(strndupa(p, (size_t)(nl - p))));
		p = nl + 1;
	}
}

/* text with every line break and the indent after it removed (CJK), or
 * replaced by one space (sep = " "), so wrapped text can be searched whole. */
static char *joined(const char *text, const char *sep)
{
	char *out = malloc(strlen(text) * 2 + 1);
	size_t o = 0;
	for (const char *p = text; *p; p++) {
		if (*p == '\n') {
			while (p[1] == ' ')
				p++;
			for (const char *s = sep; *s; s++)
				out[o++] = *s;
			continue;
		}
		out[o++] = *p;
	}
	out[o] = '\0';
	return out;
}

static void assert_has(const char *text, const char *needle)
{
	if (!strstr(text, needle)) {
		fprintf(stderr, "---- text ----\n%s---- end ----\n", text);
		fail_msg("expected \"%s\" in the text above", needle);
	}
}

static void assert_lacks(const char *text, const char *needle)
{
	if (strstr(text, needle)) {
		fprintf(stderr, "---- text ----\n%s---- end ----\n", text);
		fail_msg("did not expect \"%s\" in the text above", needle);
	}
}

/* s without any white space: wrapped text compares with its source whatever
 * the line breaks took (a break at a space eats the space). */
static char *flat(const char *s)
{
	char *out = malloc(strlen(s) + 1);
	size_t o = 0;
	for (; *s; s++)
		if (*s != ' ' && *s != '\n')
			out[o++] = *s;
	out[o] = '\0';
	return out;
}

/* needle is in text, however it was wrapped. */
static void assert_has_flat(const char *text, const char *needle)
{
	char *a = flat(text), *b = flat(needle);
	if (!strstr(a, b)) {
		fprintf(stderr, "---- text ----\n%s---- end ----\n", text);
		fail_msg("expected \"%s\" (white space aside) in the text above", needle);
	}
	free(a);
	free(b);
}

/* The line of text that starts with prefix (malloc'd, without '\n'). */
static char *line_with(const char *text, const char *prefix)
{
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			return strndup(p, len);
		p += len + (nl ? 1 : 0);
	}
	fprintf(stderr, "---- text ----\n%s---- end ----\n", text);
	fail_msg("no line starts with \"%s\" in the text above", prefix);
	return NULL;
}

/* A fee line: label at its indent, amount flush with the right edge. */
static void assert_fee(const char *text, const char *left, const char *amount)
{
	char *l = line_with(text, left);
	if (!tu_ends_with(l, amount) || libc_width(l, strlen(l)) != SLIP_WIDTH)
		fail_msg("fee line \"%s\" should end in \"%s\" at column %d", l, amount,
			 SLIP_WIDTH);
	free(l);
}

static const char *S(fixture *f, lang l, const char *key)
{
	const char *s = strings_get(f->str[l], key);
	if (!s)
		fail_msg("string %s missing in %s", key, lang_name(l));
	return s;
}

static slip_data base(fixture *f, lang l, const char *svc_id)
{
	slip_data d;
	memset(&d, 0, sizeof d);
	d.str = f->str[l];
	d.lang = l;
	d.site = SITE;
	d.window = 1;
	d.svc = catalog_service(f->cat, svc_id);
	assert_non_null(d.svc);
	d.case_no = CASE_NO;
	party_set(&d.party, PF_UNIT_NAME, "成都示例科技有限公司");
	party_set(&d.party, PF_USCC, "91310115MA1K3BTP2B");
	party_set(&d.party, PF_AGENT_NAME, "张三");
	party_set(&d.party, PF_AGENT_ID_NO, "110102199101010078");
	party_set(&d.party, PF_AGENT_MOBILE, "13800138000");
	d.decision = DEC_ACCEPT;
	d.clerk_id = "C0012";
	d.at_ms = f->at;
	return d;
}

static void evaluate(const service *svc, const char *const *marks, checklist_result *r)
{
	/* marks: id, mark name, reason, ... NULL; the others received */
	checklist *cl = checklist_new(svc);
	assert_non_null(cl);
	kerr err;
	for (size_t i = 0; i < cl->n_items; i++)
		assert_int_equal(checklist_mark(cl, cl->items[i].sm->material->id, MARK_RECEIVED,
						NULL, &err), 0);
	for (; marks && *marks; marks += 3)
		if (checklist_mark(cl, marks[0], material_mark_from_name(marks[1]), marks[2], &err))
			fail_msg("mark %s: %s", marks[0], err.msg);
	checklist_evaluate(cl, r);
	/* the notice borrows reasons from the checklist: keep them alive */
	for (size_t i = 0; i < r->n_notice; i++)
		r->notice[i].reason = strdup(r->notice[i].reason);
	checklist_free(cl);
}

static void result_free(checklist_result *r)
{
	for (size_t i = 0; i < r->n_notice; i++)
		free((char *)r->notice[i].reason);
	checklist_result_free(r);
}

static void quote(fixture *f, const char *svc_id, int years, int seals, fee_quote *q)
{
	const service *svc = catalog_service(f->cat, svc_id);
	fee_request req = { platform_holder(svc->platform, "unit"), years, seals };
	kerr err;
	if (fees_quote(f->cat, svc, &req, q, &err))
		fail_msg("quote: %s", err.msg);
}

/* ---- the acceptance slip ---- */

static void receipt_accept_zh(void **state)
{
	fixture *f = *state;
	slip_data d = base(f, LANG_ZH, "zc.new");
	fee_quote q;
	quote(f, "zc.new", 1, 1, &q);
	assert_int_equal(q.total_fen, 40000);
	d.fee = &q;
	d.transaction_id = "4200002024030112345678901234";
	kerr err;
	char *t = slip_render_receipt(&d, &err);
	assert_non_null(t);
	assert_narrow(t);
	char *j = joined(t, "");

	assert_has(t, "受理回执");
	assert_has(t, SITE " 第1号窗口");
	assert_has(t, "业务编号：");
	assert_has(t, "【 " CASE_NO " 】");
	assert_has(t, "平台：四川省政府采购一体化平台");
	assert_has_flat(t, "业务：");
	assert_has_flat(t, d.svc->label[LANG_ZH]);
	assert_has(t, "受理决定：受理");
	assert_has(t, "单位名称：成都示例科技有限公司");
	assert_has(t, "统一社会信用代码：91310115MA1K3BTP2B");
	assert_has(t, "经办人：张三");
	/* masked, and never in full */
	assert_has(t, "1101**********0078");
	assert_has(t, "138****8000");
	assert_lacks(t, "110102199101010078");
	assert_lacks(t, "13800138000");
	/* every material received, none to supplement */
	assert_has(t, "已收取资料：");
	for (size_t i = 0; i < d.svc->n_materials; i++)
		assert_has_flat(t, d.svc->materials[i].material->label[LANG_ZH]);
	assert_lacks(t, "容缺");
	assert_lacks(t, "签名");
	/* fees: every line with its amount, and the total, in 元 */
	assert_has(t, "收费明细：");
	/* each figure says what it is per (issue 13 point 12) */
	assert_has(t, "开户费 100.00元（一次性）");
	assert_has(t, "年服务费 200.00元/年×1年");
	assert_has(t, "印章费100.00元/枚/年×1枚×1年");
	assert_fee(t, "  开户费 100.00元（一次性） ", " 100.00 元");
	assert_fee(t, "  年服务费 200.00元/年×1年 ", " 200.00 元");
	assert_fee(t, "  印章费100.00元/枚/年×1枚×1年 ", " 100.00 元");
	assert_fee(t, "合计 ", " 400.00 元");
	assert_has(t, "支付交易号：4200002024030112345678901234");
	assert_has(t, "受理人员：C0012");
	assert_has(t, "受理时间：2024-03-01 10:23:45");
	/* what happens next */
	assert_has(t, "后续事项：");
	assert_has_flat(t, S(f, LANG_ZH, "slip.next.new"));
	assert_has_flat(t, "电子发票将在 2 个工作日内发送至经办人手机（138****8000）");
	assert_has_flat(t, "查询时请提供业务编号");
	assert_lacks(t, BANNER);
	assert_lacks(t, "[slip.");
	assert_true(strncmp(t, "=====", 5) == 0);
	free(j);
	free(t);
}

static void receipt_waived_and_free(void **state)
{
	fixture *f = *state;
	/* 2 years: the opening fee is waived, shown as such */
	slip_data d = base(f, LANG_ZH, "zc.new");
	fee_quote q;
	quote(f, "zc.new", 2, 1, &q);
	assert_int_equal(q.total_fen, 60000);
	d.fee = &q;
	kerr err;
	char *t = slip_render_receipt(&d, &err);
	assert_non_null(t);
	assert_narrow(t);
	assert_fee(t, "  开户费 100.00元 免收（2年期） ", " 0.00 元");
	assert_fee(t, "  年服务费 200.00元/年×2年 ", " 400.00 元");
	assert_fee(t, "  印章费100.00元/枚/年×1枚×2年 ", " 200.00 元");
	assert_fee(t, "合计 ", " 600.00 元");
	assert_lacks(t, "支付交易号"); /* no transaction id given */
	free(t);
	/* no fee: says so, and no e-invoice promise */
	d = base(f, LANG_ZH, "zc.change");
	t = slip_render_receipt(&d, &err);
	assert_non_null(t);
	assert_has(t, "收费：本业务不收费");
	assert_lacks(t, "电子发票");
	assert_lacks(t, "合计");
	free(t);
}

static void receipt_rongque_zh(void **state)
{
	fixture *f = *state;
	slip_data d = base(f, LANG_ZH, "zc.new");
	const char *marks[] = { "licence_copy", "missing", NULL, NULL };
	checklist_result r;
	evaluate(d.svc, marks, &r);
	assert_int_equal(r.verdict, CL_RONGQUE);
	d.decision = DEC_RONGQUE;
	d.notice = r.notice;
	d.n_notice = r.n_notice;
	d.rongque_deadline = civil_from_ymd(2024, 3, 31);
	fee_quote q;
	quote(f, "zc.new", 1, 1, &q);
	d.fee = &q;
	kerr err;
	char *t = slip_render_receipt(&d, &err);
	if (!t)
		fail_msg("%s", err.msg);
	assert_narrow(t);
	char *j = joined(t, "");
	assert_has(t, "受理决定：容缺受理");
	assert_has(t, "容缺资料（须于 2024-03-31 前补交）：");
	/* the missing item is listed under 容缺, not under received */
	const char *rec = strstr(t, "已收取资料：");
	const char *rq = strstr(t, "容缺资料（");
	assert_true(rec && rq && rec < rq);
	const char *lic = strstr(t, "单位证照复印件");
	assert_true(lic > rq);
	assert_null(strstr(lic + 1, "单位证照复印件"));
	assert_has(t, "经办人有效身份证复印件"); /* received */
	assert_has_flat(t, "承诺：本人代表上述单位承诺于 2024-03-31 前补交以上容缺资料");
	assert_has(t, "经办人签名：________________\n");
	assert_has(t, "日期：________年____月____日\n");
	assert_has_flat(t, "请于 2024-03-31 前携带所缺资料和本回执到窗口补交");
	/* a deadline on the day of issue is accepted */
	d.rongque_deadline = f->today;
	char *t2 = slip_render_receipt(&d, &err);
	assert_non_null(t2);
	free(t2);
	free(j);
	free(t);
	result_free(&r);
}

static void receipt_refuses_inconsistent_data(void **state)
{
	fixture *f = *state;
	kerr err;
	const char *marks[] = { "licence_copy", "missing", NULL, NULL };
	checklist_result r;
	slip_data d = base(f, LANG_ZH, "zc.new");
	evaluate(d.svc, marks, &r);

	memset(&err, 0, sizeof err);
	assert_null(slip_render_receipt(NULL, &err));
	assert_true(err.msg[0]);

	d.decision = DEC_REFUSE;
	assert_null(slip_render_receipt(&d, &err));
	assert_non_null(strstr(err.msg, "slip_render_notice"));
	d.decision = DEC_NONE;
	assert_null(slip_render_receipt(&d, &err));

	/* accepted with something missing */
	d.decision = DEC_ACCEPT;
	d.notice = r.notice;
	d.n_notice = r.n_notice;
	assert_null(slip_render_receipt(&d, &err));
	assert_non_null(strstr(err.msg, "容缺"));

	/* 容缺 without a deadline, or one before the day of issue */
	d.decision = DEC_RONGQUE;
	assert_null(slip_render_receipt(&d, &err));
	d.rongque_deadline = f->today - 1;
	assert_null(slip_render_receipt(&d, &err));
	assert_non_null(strstr(err.msg, "deadline"));
	d.rongque_deadline = f->today + 30;
	char *ok = slip_render_receipt(&d, &err);
	assert_non_null(ok);
	free(ok);

	/* 容缺 with nothing missing */
	d.notice = NULL;
	d.n_notice = 0;
	assert_null(slip_render_receipt(&d, &err));
	result_free(&r);

	/* 容缺 where the service does not allow it */
	slip_data c = base(f, LANG_ZH, "zc.change");
	const char *m2[] = { "licence_copy", "missing", NULL, NULL };
	evaluate(c.svc, m2, &r);
	c.decision = DEC_RONGQUE;
	c.notice = r.notice;
	c.n_notice = r.n_notice;
	c.rongque_deadline = f->today + 5;
	assert_null(slip_render_receipt(&c, &err));
	assert_non_null(strstr(err.msg, "zc.change"));
	result_free(&r);

	/* an essential item missing under 容缺 */
	slip_data e = base(f, LANG_ZH, "zc.new");
	const char *m3[] = { "app_form", "missing", NULL, NULL };
	evaluate(e.svc, m3, &r);
	assert_int_equal(r.verdict, CL_REFUSE);
	e.decision = DEC_RONGQUE;
	e.notice = r.notice;
	e.n_notice = r.n_notice;
	e.rongque_deadline = f->today + 5;
	assert_null(slip_render_receipt(&e, &err));
	assert_non_null(strstr(err.msg, "app_form"));
	result_free(&r);

	/* required fields */
	slip_data m = base(f, LANG_ZH, "zc.new");
	m.case_no = "";
	assert_null(slip_render_receipt(&m, &err));
	assert_non_null(strstr(err.msg, "case number"));
	assert_null(slip_render_notice(&m, &err));
	m = base(f, LANG_ZH, "zc.new");
	m.clerk_id = NULL;
	assert_null(slip_render_receipt(&m, &err));
	assert_non_null(strstr(err.msg, "clerk"));
	m = base(f, LANG_ZH, "zc.new");
	m.svc = NULL;
	assert_null(slip_render_receipt(&m, &err));
	m = base(f, LANG_ZH, "zc.new");
	m.str = NULL;
	assert_null(slip_render_receipt(&m, &err));
	m = base(f, LANG_ZH, "zc.new");
	m.lang = LANG_COUNT;
	assert_null(slip_render_receipt(&m, &err));
	m = base(f, LANG_ZH, "zc.new");
	m.n_notice = 2; /* count without items */
	assert_null(slip_render_notice(&m, &err));
}

static void receipt_en(void **state)
{
	fixture *f = *state;
	slip_data d = base(f, LANG_EN, "zc.renew");
	const char *marks[] = { "agent_id_copy", "missing", NULL, NULL };
	checklist_result r;
	evaluate(d.svc, marks, &r);
	d.decision = DEC_RONGQUE;
	d.notice = r.notice;
	d.n_notice = r.n_notice;
	d.rongque_deadline = civil_from_ymd(2024, 3, 15);
	fee_quote q;
	quote(f, "zc.renew", 1, 1, &q);
	d.fee = &q;
	d.transaction_id = "4200002024030112345678901234";
	kerr err;
	char *t = slip_render_receipt(&d, &err);
	if (!t)
		fail_msg("%s", err.msg);
	assert_narrow(t);
	char *j = joined(t, " ");
	assert_has(t, "ACCEPTANCE SLIP");
	assert_has(t, SITE ", window 1");
	assert_has(t, ">> " CASE_NO " <<");
	assert_has_flat(t, "Platform: ");
	assert_has_flat(t, d.svc->platform->name[LANG_EN]);
	assert_has_flat(t, d.svc->label[LANG_EN]);
	assert_has(t, "Agent ID: 1101**********0078");
	assert_has(t, "Agent mobile: 138****8000");
	assert_has(t, "Materials received:");
	assert_has_flat(t, d.svc->materials[0].material->label[LANG_EN]);
	assert_has(t, "To supplement by 2024-03-15:");
	assert_has_flat(t, "Copy of the agent's valid ID card");
	assert_has(j, "I will bring the materials listed above by 2024-03-15");
	assert_has(t, "Agent's signature: ______________");
	assert_has(t, "Fees (yuan):");
	assert_fee(t, "  Annual service fee 200.00/yr x1 ", " 200.00");
	assert_fee(t, "  Seal fee 100.00/seal/yr x 1 x 1 ", " 100.00");
	assert_fee(t, "Total ", " 300.00");
	assert_has(j, "Payment transaction: 4200002024030112345678901234");
	assert_has(t, "Clerk: C0012");
	assert_has(t, "Time: 2024-03-01 10:23:45 (Beijing)");
	assert_has_flat(t, "within 2 working days");
	assert_has_flat(t, S(f, LANG_EN, "slip.next.renew"));
	/* no CJK word of the Chinese paper leaks into the English one */
	assert_lacks(t, "受理");
	assert_lacks(t, "元");
	free(j);
	free(t);
	result_free(&r);
}

/* A whole line of the paper, exactly. */
static void assert_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		if (len == n && strncmp(p, line, n) == 0)
			return;
		p += len + (nl ? 1 : 0);
	}
	fprintf(stderr, "---- text ----\n%s---- end ----\n", text);
	fail_msg("no line is exactly \"%s\" in the text above", line);
}

/* What customers ask (issue 13 point 12): the key, the holder type, the
 * term, the seals, the validity and the new expiry, a changed name, the
 * initial PIN; each line only where it applies. */
static void receipt_says_what_customers_ask(void **state)
{
	fixture *f = *state;
	kerr err;
	/* a new key: holder, term, seals, serial, validity, seal, initial PIN */
	slip_data d = base(f, LANG_ZH, "zc.new");
	fee_quote q;
	quote(f, "zc.new", 2, 1, &q);
	d.fee = &q;
	d.holder = platform_holder(d.svc->platform, "expert");
	d.years = 2;
	d.seals = 1;
	d.initial_pin = "12345678";
	snprintf(d.key.serial, sizeof d.key.serial, "SC-DEMO-0001");
	d.key.not_before = civil_from_ymd(2024, 3, 1);
	d.key.not_after = civil_from_ymd(2026, 2, 28);
	d.key.seal_not_after = civil_from_ymd(2026, 2, 28);
	char *t = slip_render_receipt(&d, &err);
	assert_non_null(t);
	assert_narrow(t);
	assert_line(t, "USB Key 序列号：SC-DEMO-0001");
	assert_line(t, "证书类型：评标专家");
	assert_line(t, "证书年限：2年");
	assert_line(t, "电子印章：1枚");
	assert_line(t, "证书有效期：2024-03-01 至 2026-02-28");
	assert_line(t, "印章有效期至：2026-02-28");
	assert_line(t, "初始密码（用户 PIN）为 12345678：请尽快");
	assert_has_flat(t, "初始密码（用户 PIN）为 12345678：请尽快用证书助手（i信）修改，勿告诉他人。");
	assert_lacks(t, "→");
	free(t);

	/* a renewal: the old expiry and the new one, no PIN */
	d = base(f, LANG_ZH, "zc.renew");
	quote(f, "zc.renew", 1, 1, &q);
	d.fee = &q;
	d.holder = platform_holder(d.svc->platform, "unit");
	d.initial_pin = "12345678";
	snprintf(d.key.serial, sizeof d.key.serial, "SC-DEMO-0002");
	d.key.not_before = civil_from_ymd(2024, 3, 1);
	d.key.not_after = civil_from_ymd(2025, 5, 31);
	d.key.old_not_after = civil_from_ymd(2024, 5, 31);
	t = slip_render_receipt(&d, &err);
	assert_non_null(t);
	assert_line(t, "证书年限：1年");
	assert_line(t, "电子印章：1枚");
	assert_line(t, "证书到期日：2024-05-31 → 2025-05-31");
	assert_lacks(t, "初始密码");
	free(t);

	/* a change: the old name and the new one; validity as it was */
	d = base(f, LANG_ZH, "zc.change");
	snprintf(d.key.serial, sizeof d.key.serial, "SC-DEMO-0002");
	snprintf(d.key.old_unit_name, sizeof d.key.old_unit_name, "成都旧名科技有限公司");
	d.key.not_before = civil_from_ymd(2024, 3, 1);
	d.key.not_after = civil_from_ymd(2024, 5, 31);
	d.key.old_not_after = civil_from_ymd(2024, 5, 31);
	t = slip_render_receipt(&d, &err);
	assert_non_null(t);
	assert_line(t, "单位名称变更：");
	assert_line(t, "  原：成都旧名科技有限公司");
	assert_line(t, "  → 现：成都示例科技有限公司");
	assert_line(t, "证书有效期：2024-03-01 至 2024-05-31");
	assert_lacks(t, "证书到期日");
	assert_lacks(t, "证书年限");
	free(t);

	/* an unlock: the initial PIN and to change it */
	d = base(f, LANG_EN, "rs.unlock");
	d.initial_pin = "12345678";
	snprintf(d.key.serial, sizeof d.key.serial, "SC-DEMO-0003");
	t = slip_render_receipt(&d, &err);
	assert_non_null(t);
	assert_line(t, "USB key serial: SC-DEMO-0003");
	assert_has_flat(t, "The initial PIN (user PIN) is 12345678: change it soon");
	free(t);

	/* the customer's own PIV key: its type, and the PIV PIN's tool (new, unlock) */
	d = base(f, LANG_ZH, "rs.new");
	d.initial_pin = "12345678";
	snprintf(d.key.serial, sizeof d.key.serial, "20261205");
	d.key.piv_only = true;
	t = slip_render_receipt(&d, &err);
	assert_non_null(t);
	assert_narrow(t);
	assert_has_flat(t, "Key 类型：客户自带 PIV Key（YubiKey / PIV 卡，仅 PIV 应用");
	assert_has_flat(t, "PIV 密码（PIN）为 12345678：请尽快用 PIV 工具");
	assert_lacks(t, "证书助手");
	free(t);
	d = base(f, LANG_EN, "rs.unlock");
	d.initial_pin = "12345678";
	snprintf(d.key.serial, sizeof d.key.serial, "20261205");
	d.key.piv_only = true;
	t = slip_render_receipt(&d, &err);
	assert_non_null(t);
	assert_has_flat(t, "Key type: the customer's own PIV key (YubiKey / PIV card");
	assert_has_flat(t, "The PIV PIN has been reset to the initial PIN: change it soon with a PIV tool");
	assert_lacks(t, "assistant");
	free(t);

	/* a revocation prints no validity; nothing known, no line at all */
	d = base(f, LANG_ZH, "zc.revoke");
	d.initial_pin = "12345678";
	t = slip_render_receipt(&d, &err);
	assert_non_null(t);
	assert_lacks(t, "序列号");
	assert_lacks(t, "有效期：");
	assert_lacks(t, "初始密码");
	free(t);
}

/* Every shipped service renders in both languages: no missing key, narrow. */
static void receipt_every_service(void **state)
{
	fixture *f = *state;
	for (size_t i = 0; i < f->cat->n_services; i++) {
		for (int l = 0; l < LANG_COUNT; l++) {
			const service *svc = &f->cat->services[i];
			slip_data d = base(f, (lang)l, svc->id);
			fee_quote q;
			kerr err;
			fee_request req = { svc->platform->n_holders ? &svc->platform->holders[0]
								    : NULL, 2, 1 };
			if (svc->fee_items) {
				if (fees_quote(f->cat, svc, &req, &q, &err))
					fail_msg("%s: %s", svc->id, err.msg);
				d.fee = &q;
			}
			d.demo = true;
			char *t = slip_render_receipt(&d, &err);
			if (!t)
				fail_msg("%s: %s", svc->id, err.msg);
			assert_narrow(t);
			assert_lacks(t, "[slip.");
			assert_lacks(t, "[fee.");
			assert_lacks(t, "[decision.");
			char key[64];
			snprintf(key, sizeof key, "slip.next.%s", service_kind_name(svc->kind));
			char *j = joined(t, l == LANG_EN ? " " : "");
			assert_has_flat(t, S(f, (lang)l, key));
			free(j);
			free(t);
		}
	}
}

/* ---- the one-time notice ---- */

static void notice_zh(void **state)
{
	fixture *f = *state;
	slip_data d = base(f, LANG_ZH, "zc.renew");
	const char *marks[] = { "app_form", "defective", "未加盖单位公章（鲜章），复印件上的印章无效",
				"usb_key", "missing", NULL, NULL };
	checklist_result r;
	evaluate(d.svc, marks, &r);
	assert_int_equal(r.verdict, CL_REFUSE);
	assert_int_equal(r.n_notice, 2);
	d.decision = DEC_REFUSE;
	d.notice = r.notice;
	d.n_notice = r.n_notice;
	char reason[512];
	str_var v[] = { { "days", "75" }, { "open", "2024-03-16" }, { "window", "60" },
			{ NULL, NULL } };
	strings_render(f->str[LANG_ZH], "rule.renew_too_early", v, reason, sizeof reason);
	const char *reasons[] = { reason };
	d.reasons = reasons;
	d.n_reasons = 1;
	kerr err;
	char *t = slip_render_notice(&d, &err);
	if (!t)
		fail_msg("%s", err.msg);
	assert_narrow(t);
	char *j = joined(t, "");
	assert_has(t, "一次性告知单");
	assert_has(t, "【 " CASE_NO " 】");
	assert_has_flat(t, d.svc->label[LANG_ZH]);
	assert_has(t, "单位名称：成都示例科技有限公司");
	assert_has(t, "受理决定：不予受理");
	assert_has_flat(t, "《中华人民共和国行政许可法》第三十二条");
	/* the customer's rights, from the string table */
	assert_has_flat(t, "您的权利：如对本告知有异议，可当场请值班主管复核");
	assert_has(t, "缺少或不符合要求的资料：");
	/* every missing or defective item, with what is wrong */
	assert_has_flat(t, "1. 《企业机构数字证书及印章业务申请表》原件"
			   "不符合要求：未加盖单位公章（鲜章），复印件上的印章无效");
	assert_has_flat(t, "2. 数字证书 USB Key缺少此项资料");
	/* the rule reason as an extra line */
	assert_has(t, "其他不予受理的原因：");
	assert_has_flat(t, reason);
	/* what to bring: every material of the service, with its requirement */
	assert_has(t, "再次办理时请携带以下全部资料：");
	for (size_t i = 0; i < d.svc->n_materials; i++) {
		const material *m = d.svc->materials[i].material;
		assert_has_flat(t, m->label[LANG_ZH]);
		if (m->note[LANG_ZH])
			assert_has_flat(t, m->note[LANG_ZH]);
	}
	assert_has(t, "告知人员：C0012");
	assert_has(t, "告知时间：2024-03-01 10:23:45");
	assert_has_flat(t, "请携带本告知单到窗口重新办理");
	/* the notice does not carry the agent's ID or mobile at all */
	assert_lacks(t, "0078");
	assert_lacks(t, "8000");
	assert_lacks(t, BANNER);
	free(j);
	free(t);
	result_free(&r);
}

static void notice_reason_only_and_empty(void **state)
{
	fixture *f = *state;
	slip_data d = base(f, LANG_ZH, "zc.seal_upgrade");
	kerr err;
	memset(&err, 0, sizeof err);
	assert_null(slip_render_notice(&d, &err));
	assert_non_null(strstr(err.msg, "nothing to tell"));
	const char *reasons[] = { "证书剩余有效期59天，少于60天，请先办理证书更新，再升级印章。" };
	d.reasons = reasons;
	d.n_reasons = 1;
	char *t = slip_render_notice(&d, &err);
	assert_non_null(t);
	assert_narrow(t);
	assert_lacks(t, "缺少或不符合要求的资料：");
	assert_has(t, "其他不予受理的原因：");
	free(t);
}

static void notice_en(void **state)
{
	fixture *f = *state;
	slip_data d = base(f, LANG_EN, "rs.new");
	const char *marks[] = { "app_form", "missing", NULL, "licence_copy", "defective",
				"The copy is illegible: the USCC cannot be read", NULL };
	checklist_result r;
	evaluate(d.svc, marks, &r);
	d.decision = DEC_REFUSE;
	d.notice = r.notice;
	d.n_notice = r.n_notice;
	kerr err;
	char *t = slip_render_notice(&d, &err);
	if (!t)
		fail_msg("%s", err.msg);
	assert_narrow(t);
	char *j = joined(t, " ");
	assert_has(t, "ONE-TIME NOTICE");
	assert_has_flat(t, "Article 32 of the Administrative Licensing Law");
	assert_has(j, "1. Application form for enterprise digital certificates and seals "
		      "(original) Missing");
	assert_has(j, "2. Copy of the unit's licence (business licence or registration "
		      "certificate) Not acceptable: The copy is illegible: the USCC cannot be read");
	assert_has(t, "Next time, bring all of these:");
	assert_has_flat(t, "Requirement: Must be the original");
	assert_has(t, "Notified by: C0012");
	assert_has(t, "Time: 2024-03-01 10:23:45 (Beijing)");
	assert_lacks(t, "Other reasons");
	free(j);
	free(t);
	result_free(&r);
}

/* ---- demo banner, wrapping, masking ---- */

static void demo_banner_top_and_bottom(void **state)
{
	fixture *f = *state;
	for (int l = 0; l < LANG_COUNT; l++) {
		slip_data d = base(f, (lang)l, "zc.unlock");
		d.demo = true;
		const char *reasons[] = { "x" };
		kerr err;
		char *papers[2] = { slip_render_receipt(&d, &err), NULL };
		d.reasons = reasons;
		d.n_reasons = 1;
		papers[1] = slip_render_notice(&d, &err);
		for (int k = 0; k < 2; k++) {
			char *t = papers[k];
			assert_non_null(t);
			assert_narrow(t);
			/* the first and the last line are the banner, centred */
			const char *nl = strchr(t, '\n');
			char *first = strndup(t, (size_t)(nl - t));
			size_t len = strlen(t);
			const char *last = t + len - 1;
			while (last > t && last[-1] != '\n')
				last--;
			assert_string_equal(first + strspn(first, " "), BANNER);
			assert_int_equal(strspn(first, " "), (SLIP_WIDTH - 24) / 2);
			assert_string_equal(last + strspn(last, " "), BANNER "\n");
			/* exactly twice */
			const char *s = strstr(t, BANNER);
			assert_non_null(s);
			s = strstr(s + 1, BANNER);
			assert_non_null(s);
			assert_null(strstr(s + 1, BANNER));
			free(first);
			free(t);
		}
	}
}

static void wrapping_keeps_lines_narrow(void **state)
{
	fixture *f = *state;
	static const char unit[] = "四川省成都市高新技术产业开发区天府大道北段某某某某某某某某"
				   "信息技术股份有限公司第一分公司（筹）";
	static const char txn[] = "42000020240301123456789012345678901234567890ABCDEFGHIJ";
	for (int l = 0; l < LANG_COUNT; l++) {
		slip_data d = base(f, (lang)l, "zc.new");
		party_set(&d.party, PF_UNIT_NAME, unit);
		d.transaction_id = txn;
		d.site = "四川CA 成都高新区天府软件园综合服务大厅政务服务窗口";
		d.window = 12;
		const char *marks[] = { "licence_copy", "defective",
					"复印件模糊\x1b[2J，统一社会信用代码无法辨认，\n请重新复印并加盖鲜章后提交，"
					"reprint it clearly please and stamp it with the fresh seal", NULL };
		checklist_result r;
		evaluate(d.svc, marks, &r);
		d.decision = DEC_RONGQUE;
		d.notice = r.notice;
		d.n_notice = r.n_notice;
		d.rongque_deadline = f->today + 10;
		fee_quote q;
		quote(f, "zc.new", 1, 99, &q);
		d.fee = &q;
		kerr err;
		char *t = slip_render_receipt(&d, &err);
		assert_non_null(t);
		assert_narrow(t);
		char *j = joined(t, "");
		assert_has_flat(t, unit);         /* wrapped, nothing lost */
		assert_has_flat(t, txn);          /* a long word is cut, nothing lost */
		assert_has_flat(t, d.svc->materials[0].material->label[l]);
		/* no line starts with closing punctuation */
		for (const char *p = t; (p = strchr(p, '\n')) && p[1]; p++) {
			const char *s = p + 1 + strspn(p + 1, " ");
			assert_false(strncmp(s, "）", 3) == 0 || strncmp(s, "，", 3) == 0 ||
				     strncmp(s, "。", 3) == 0 || strncmp(s, "》", 3) == 0);
		}
		free(j);
		free(t);
		d.decision = DEC_REFUSE;
		t = slip_render_notice(&d, &err);
		assert_non_null(t);
		assert_narrow(t);
		/* the typed reason cannot move the print head: no escape, no bare break */
		assert_lacks(t, "\x1b");
		j = joined(t, "");
		assert_has_flat(t, "复印件模糊 [2J，统一社会信用代码无法辨认，请重新复印并加盖鲜章后提交，");
		free(j);
		free(t);
		result_free(&r);
	}
}

static void masking(void **state)
{
	(void)state;
	char b[64];
	assert_string_equal(slip_mask("13800138000", 3, 4, b, sizeof b), "138****8000");
	assert_string_equal(slip_mask("110102199101010078", 4, 4, b, sizeof b),
			    "1101**********0078");
	assert_string_equal(slip_mask("44011320141005001X", 4, 4, b, sizeof b),
			    "4401**********001X");
	/* too short to hide anything: hide all of it */
	assert_string_equal(slip_mask("1234567", 3, 4, b, sizeof b), "*******");
	assert_string_equal(slip_mask("12345678", 3, 4, b, sizeof b), "123*5678");
	assert_string_equal(slip_mask("", 3, 4, b, sizeof b), "");
	assert_string_equal(slip_mask(NULL, 3, 4, b, sizeof b), "");
	/* one star per character, not per byte */
	assert_string_equal(slip_mask("张三丰", 1, 1, b, sizeof b), "张*丰");
	/* a small buffer is cut, never overrun */
	char s[6];
	memset(s, 'x', sizeof s);
	assert_string_equal(slip_mask("13800138000", 3, 4, s, sizeof s), "138**");
	assert_null(slip_mask("x", 0, 0, NULL, 0));
}

static void widths(void **state)
{
	(void)state;
	assert_int_equal(SLIP_WIDTH, 40); /* the receipt printer's paper */
	assert_int_equal(slip_text_width(""), 0);
	assert_int_equal(slip_text_width(NULL), 0);
	assert_int_equal(slip_text_width("abc"), 3);
	assert_int_equal(slip_text_width("受理回执"), 8);
	assert_int_equal(slip_text_width(BANNER), 24);
	assert_int_equal(slip_text_width("\xff"), 1); /* invalid byte: one column */
	static const char *samples[] = { "（）《》【】：，。、", "“容缺”", "— ×·", "USB Key 操作",
					 "ｆｕｌｌ", "한국어", "e\xcc\x81", NULL };
	for (const char **p = samples; *p; p++)
		assert_int_equal(slip_text_width(*p), libc_width(*p, strlen(*p)));
}

static void keys_in_both_languages(void **state)
{
	fixture *f = *state;
	size_t n = 0;
	for (const char *const *k = slip_string_keys(); *k; k++, n++)
		for (int l = 0; l < LANG_COUNT; l++)
			if (!strings_get(f->str[l], *k))
				fail_msg("%s missing from strings/%s.ini", *k, lang_name((lang)l));
	assert_true(n > 40);
	/* the banner is the same words in both */
	assert_string_equal(S(f, LANG_ZH, "slip.demo"), BANNER);
	assert_string_equal(S(f, LANG_EN, "slip.demo"), BANNER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(receipt_accept_zh),
		cmocka_unit_test(receipt_waived_and_free),
		cmocka_unit_test(receipt_rongque_zh),
		cmocka_unit_test(receipt_refuses_inconsistent_data),
		cmocka_unit_test(receipt_en),
		cmocka_unit_test(receipt_says_what_customers_ask),
		cmocka_unit_test(receipt_every_service),
		cmocka_unit_test(notice_zh),
		cmocka_unit_test(notice_reason_only_and_empty),
		cmocka_unit_test(notice_en),
		cmocka_unit_test(demo_banner_top_and_bottom),
		cmocka_unit_test(wrapping_keeps_lines_narrow),
		cmocka_unit_test(masking),
		cmocka_unit_test(widths),
		cmocka_unit_test(keys_in_both_languages),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
