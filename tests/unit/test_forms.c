/* test_forms: the shipped case form loads in order; form_check_field binds each
 * type to its validator and says what is wrong in the clerk's language, naming
 * the field; text length counts characters; forms.ini faults name file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "forms/form.h"
#include "tests/unit/testutil.h"

typedef struct fx {
	form_spec *form;
	strings *zh, *en;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	kerr err = { { 0 }, { 0 } };
	f->form = form_load(KIOSK_CONFIG_DIR, &err);
	f->zh = strings_load(KIOSK_CONFIG_DIR, LANG_ZH, &err);
	f->en = strings_load(KIOSK_CONFIG_DIR, LANG_EN, &err);
	if (!f->form || !f->zh || !f->en) {
		fprintf(stderr, "setup: %s: %s\n", err.where, err.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	form_free(f->form);
	strings_free(f->zh);
	strings_free(f->en);
	free(f);
	return 0;
}

static void shipped_form(void **state)
{
	fx *f = *state;
	static const char *const ids[] = { "unit_name", "uscc", "agent_name", "agent_id_no",
					   "agent_mobile" };
	static const field_type types[] = { FT_TEXT, FT_USCC, FT_TEXT, FT_RESIDENT_ID,
					    FT_MOBILE };
	assert_string_equal(f->form->id, "case");
	assert_int_equal(f->form->n_fields, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(f->form->fields[i].id, ids[i]);
		assert_int_equal(f->form->fields[i].type, types[i]);
		assert_true(f->form->fields[i].required);
		assert_ptr_equal(form_field(f->form, ids[i]), &f->form->fields[i]);
	}
	assert_string_equal(form_field(f->form, "unit_name")->label[LANG_ZH], "单位名称");
	assert_int_equal(form_field(f->form, "unit_name")->max_chars, 60);
	assert_int_equal(form_field(f->form, "agent_name")->max_chars, 24);
	assert_null(form_field(f->form, "nope"));
	assert_null(form_field(NULL, "uscc"));
	for (int t = 0; t < FT_COUNT; t++)
		assert_int_equal(field_type_from_name(field_type_name((field_type)t)), t);
	assert_int_equal(field_type_from_name("number"), -1);
	for (int m = 0; m < FM_COUNT; m++)
		assert_non_null(strings_get(f->zh, field_message_key((field_message)m)));
}

#define CHECK(f, id, value, lg, ok_want)                                                \
	form_check_field(form_field((f)->form, id), value, 20240601,                    \
			 (lg) == LANG_ZH ? (f)->zh : (f)->en, lg, norm, sizeof norm, msg, \
			 sizeof msg)

static void uscc_field(void **state)
{
	fx *f = *state;
	char norm[64], msg[512];
	assert_true(CHECK(f, "uscc", "91310115ma1k3btp2b", LANG_ZH, true));
	assert_string_equal(norm, "91310115MA1K3BTP2B");
	assert_string_equal(msg, "");
	assert_false(CHECK(f, "uscc", "91110000600037341N", LANG_ZH, false));
	assert_string_equal(msg, "统一社会信用代码第18位校验码应为“L”，现为“N”，请核对证件后重新输入。");
	assert_string_equal(norm, "");
	assert_false(CHECK(f, "uscc", "91110000600037341N", LANG_EN, false));
	assert_string_equal(msg, "Unified social credit code: the check character at position 18 "
			    "should be \"L\", not \"N\"; check the document and type it again.");
	assert_false(CHECK(f, "uscc", "9111000060003734", LANG_ZH, false));
	assert_string_equal(msg, "统一社会信用代码应为18位，现为16位，请核对后重新输入。");
	assert_false(CHECK(f, "uscc", "91110000I00037341L", LANG_ZH, false));
	assert_string_equal(msg, "统一社会信用代码第9位“I”不是允许的字符，请核对后重新输入。");
	/* surrounding spaces, also the full-width one, are dropped */
	assert_true(CHECK(f, "uscc", "\xE3\x80\x80 91110000600037341L \xE3\x80\x80", LANG_ZH, true));
	assert_string_equal(norm, "91110000600037341L");
}

static void id_and_mobile_fields(void **state)
{
	fx *f = *state;
	char norm[64], msg[512];
	assert_true(CHECK(f, "agent_id_no", "44011320141005001x", LANG_ZH, true));
	assert_string_equal(norm, "44011320141005001X");
	assert_false(CHECK(f, "agent_id_no", "110102199101010079", LANG_ZH, false));
	assert_string_equal(msg, "经办人身份证号码第18位校验码应为“8”，现为“9”，请核对证件后重新输入。");
	/* born after "today" (20240601) */
	assert_false(form_check_field(form_field(f->form, "agent_id_no"), "110102202501010012",
				      20240601, f->zh, LANG_ZH, norm, sizeof norm, msg, sizeof msg));
	assert_non_null(strstr(msg, "2025-01-01"));
	assert_non_null(strstr(msg, "晚于今天"));
	assert_true(CHECK(f, "agent_mobile", "+86 138-0013-8000", LANG_ZH, true));
	assert_string_equal(norm, "13800138000");
	assert_false(CHECK(f, "agent_mobile", "12800138000", LANG_EN, false));
	assert_non_null(strstr(msg, "Agent's mobile number"));
}

static void required_and_empty(void **state)
{
	fx *f = *state;
	char norm[64], msg[512];
	assert_false(CHECK(f, "unit_name", "", LANG_ZH, false));
	assert_string_equal(msg, "请填写单位名称。");
	assert_false(CHECK(f, "unit_name", " \t\xE3\x80\x80 ", LANG_ZH, false));
	assert_string_equal(msg, "请填写单位名称。");
	assert_false(CHECK(f, "uscc", NULL, LANG_EN, false));
	assert_string_equal(msg, "Unified social credit code is required; please enter it.");
	assert_false(form_check_field(NULL, "x", 0, f->zh, LANG_ZH, norm, sizeof norm, msg,
				      sizeof msg));
}

static void text_counts_characters(void **state)
{
	fx *f = *state;
	char norm[256], msg[512];
	/* agent_name: max 24 characters; 24 Chinese characters (72 bytes) fit */
	char name[256] = "";
	for (int i = 0; i < 24; i++)
		strcat(name, "张");
	assert_true(CHECK(f, "agent_name", name, LANG_ZH, true));
	assert_string_equal(norm, name);
	strcat(name, "三");
	assert_false(CHECK(f, "agent_name", name, LANG_ZH, false));
	assert_string_equal(msg, "经办人姓名最多24个字，现为25个字，请精简后重新输入。");
	/* 4-byte characters count as one */
	char rare[256] = "";
	for (int i = 0; i < 24; i++)
		strcat(rare, "\xF0\xA0\xAE\xB7"); /* 𠮷 */
	assert_true(CHECK(f, "agent_name", rare, LANG_ZH, true));
	/* surrounding spaces trimmed, inner kept */
	assert_true(CHECK(f, "unit_name", "  四川 某某 有限公司 ", LANG_ZH, true));
	assert_string_equal(norm, "四川 某某 有限公司");
}

static void text_rejects_bad_bytes(void **state)
{
	fx *f = *state;
	char norm[256], msg[512];
	assert_false(CHECK(f, "unit_name", "四川\xE4\xB8公司", LANG_ZH, false));
	assert_string_equal(msg, "单位名称第3个字符无法识别（编码有误），请删除后重新输入。");
	assert_false(CHECK(f, "unit_name", "ab\xC0\xAF", LANG_EN, false));
	assert_non_null(strstr(msg, "character 3 cannot be read"));
	assert_false(CHECK(f, "unit_name", "四川\x1b[2J公司", LANG_ZH, false));
	assert_string_equal(msg, "单位名称第3位“U+001B”不是允许的字符，请核对后重新输入。");
	assert_false(CHECK(f, "unit_name", "a\tb", LANG_ZH, false));
	assert_non_null(strstr(msg, "U+0009"));
}

/* Characters a reader cannot see or that reorder the text: each refused with
 * its code point, its name in the clerk's language and its position. */
static void text_rejects_hidden(void **state)
{
	fx *f = *state;
	char norm[256], msg[512];
	static const struct {
		const char *ch, *code, *zh, *en;
	} cases[] = {
		{ "\u202A", "U+202A", "从左到右嵌入", "left-to-right embedding" },
		{ "\u202B", "U+202B", "从右到左嵌入", "right-to-left embedding" },
		{ "\u202C", "U+202C", "结束方向格式", "pop directional formatting" },
		{ "\u202D", "U+202D", "从左到右覆盖", "left-to-right override" },
		{ "\u202E", "U+202E", "从右到左覆盖", "right-to-left override" },
		{ "\u2066", "U+2066", "从左到右隔离", "left-to-right isolate" },
		{ "\u2067", "U+2067", "从右到左隔离", "right-to-left isolate" },
		{ "\u2068", "U+2068", "首强字符隔离", "first strong isolate" },
		{ "\u2069", "U+2069", "结束方向隔离", "pop directional isolate" },
		{ "\u200E", "U+200E", "从左到右标记", "left-to-right mark" },
		{ "\u200F", "U+200F", "从右到左标记", "right-to-left mark" },
		{ "\u061C", "U+061C", "阿拉伯字母标记", "Arabic letter mark" },
		{ "\u200B", "U+200B", "零宽空格", "zero width space" },
		{ "\u200C", "U+200C", "零宽不连字", "zero width non-joiner" },
		{ "\u200D", "U+200D", "零宽连字", "zero width joiner" },
		{ "\u2060", "U+2060", "零宽词连接符", "word joiner" },
		{ "\uFEFF", "U+FEFF", "零宽不换行空格，即字节顺序标记",
		  "zero width no-break space, the byte order mark" },
		{ "\u00AD", "U+00AD", "软连字符", "soft hyphen" },
		{ "\u2028", "U+2028", "行分隔符", "line separator" },
		{ "\u2029", "U+2029", "段落分隔符", "paragraph separator" },
		{ "\u2062", "U+2062", "不可见的格式字符", "invisible format character" },
		{ "\u0600", "U+0600", "不可见的格式字符", "invisible format character" },
		{ "\uFFF9", "U+FFF9", "不可见的格式字符", "invisible format character" },
		{ "\U0001D173", "U+1D173", "不可见的格式字符", "invisible format character" },
		{ "\U000E0001", "U+E0001", "标签字符", "tag character" },
		{ "\U000E0041", "U+E0041", "标签字符", "tag character" },
		{ "\u3164", "U+3164", "显示为空白的字母", "letter that shows as nothing" },
		{ "\u034F", "U+034F", "显示为空白的字母", "letter that shows as nothing" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char v[64], want[256];
		snprintf(v, sizeof v, "四川某某%s有限公司", cases[i].ch);
		assert_false(CHECK(f, "unit_name", v, LANG_ZH, false));
		snprintf(want, sizeof want, "单位名称第5个字符是不可见的控制字符 %s（%s），请删除后"
			 "重新输入。", cases[i].code, cases[i].zh);
		assert_string_equal(msg, want);
		assert_string_equal(norm, "");
		assert_false(CHECK(f, "agent_name", v, LANG_EN, false));
		snprintf(want, sizeof want, "Agent's name: character 5 is an invisible control "
			 "character, %s (%s); delete it and type it again.", cases[i].code,
			 cases[i].en);
		assert_string_equal(msg, want);
	}
	/* the first one found is named, counting characters, not bytes */
	assert_false(CHECK(f, "agent_name", "\u200B张\u202E三", LANG_ZH, false));
	assert_non_null(strstr(msg, "第1个字符是不可见的控制字符 U+200B（零宽空格）"));
	assert_false(CHECK(f, "agent_name", "张\U00020BB7\u2069", LANG_ZH, false));
	assert_non_null(strstr(msg, "第3个字符是不可见的控制字符 U+2069（结束方向隔离）"));
	/* C1 controls stay refused as controls */
	assert_false(CHECK(f, "unit_name", "四川\xC2\x85公司", LANG_ZH, false));
	assert_string_equal(msg, "单位名称第3位“U+0085”不是允许的字符，请核对后重新输入。");

	/* what names really hold is accepted: the middle dot of a minority or
	 * foreign name, full-width letters, digits and brackets, a rare character,
	 * a variation selector after an ideograph */
	static const char *const good[] = {
		"买买提·艾力", "阿卜杜拉・买买提", "玛丽‧居里",
		"ＡＢＣ（成都）科技有限公司", "四川１２３有限公司", "成都 Smith & Sons 有限公司",
		"\U00020BB7氏", "葛\U000E0100", "张三－李四"
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		assert_true(CHECK(f, "agent_name", good[i], LANG_ZH, true));
		assert_string_equal(norm, good[i]);
	}
}

static void norm_buffer_too_small(void **state)
{
	fx *f = *state;
	char norm[8], msg[512];
	/* never a cut-off value: refused, and norm left empty */
	assert_false(form_check_field(form_field(f->form, "unit_name"), "四川某某公司", 0, f->zh,
				      LANG_ZH, norm, sizeof norm, msg, sizeof msg));
	assert_string_equal(norm, "");
	assert_string_equal(msg, "单位名称最多2个字，现为6个字，请精简后重新输入。");
	assert_true(form_check_field(form_field(f->form, "unit_name"), "四川", 0, f->zh,
				     LANG_ZH, norm, sizeof norm, msg, sizeof msg));
	assert_string_equal(norm, "四川");
	/* norm and msg may be NULL */
	assert_true(form_check_field(form_field(f->form, "uscc"), "91110000600037341L", 0, f->zh,
				     LANG_ZH, NULL, 0, NULL, 0));
	assert_false(form_check_field(form_field(f->form, "uscc"), "x", 0, f->zh, LANG_ZH, NULL,
				      0, NULL, 0));
}

/* ---- a custom form: date, int, choice, optional fields ---- */

static form_spec *load_custom(const char *ini, char *dir, size_t n, kerr *err)
{
	if (!tu_mkdtemp(dir, n))
		return NULL;
	char path[700];
	tu_path(path, sizeof path, dir, "forms.ini");
	if (!tu_write_file(path, ini, strlen(ini)))
		return NULL;
	return form_load(dir, err);
}

static const char custom[] =
	"[field when]\nlabel.zh_CN = 日期\nlabel.en = Date\ntype = date\nrequired = no\n"
	"[field years]\nlabel.zh_CN = 年限\nlabel.en = Years\ntype = int\nrequired = yes\n"
	"min = 1\nmax = 2\n"
	"[field holder]\nlabel.zh_CN = 类型\nlabel.en = Holder\ntype = choice\n"
	"required = yes\nchoices = unit, expert\n"
	"[field org]\nlabel.zh_CN = 组织机构代码\nlabel.en = Org code\ntype = orgcode\n"
	"required = no\n";

static void custom_types(void **state)
{
	fx *f = *state;
	char dir[512], norm[64], msg[512];
	kerr err = { { 0 }, { 0 } };
	form_spec *fs = load_custom(custom, dir, sizeof dir, &err);
	if (!fs)
		fail_msg("%s: %s", err.where, err.msg);
	const field_spec *when = form_field(fs, "when"), *years = form_field(fs, "years"),
			 *holder = form_field(fs, "holder"), *org = form_field(fs, "org");
	assert_int_equal(years->min, 1);
	assert_int_equal(years->max, 2);
	assert_int_equal(holder->n_choices, 2);
#define C(fsp, v) form_check_field(fsp, v, 20240601, f->zh, LANG_ZH, norm, sizeof norm, msg, sizeof msg)
	/* optional and empty is fine */
	assert_true(C(when, ""));
	assert_string_equal(norm, "");
	assert_true(C(org, "  "));
	assert_true(C(when, "2024-02-29"));
	assert_false(C(when, "2023-02-29"));
	assert_string_equal(msg, "日期应为真实日期，例如 2024-03-01、2024/3/1 或 20240301，现为“2023-02-29”。");
	assert_false(C(when, "2024-13-01"));
	/* as a clerk types it, kept as YYYY-MM-DD (issue 13: typing) */
	assert_true(C(when, "2024-1-01"));
	assert_string_equal(norm, "2024-01-01");
	assert_true(C(when, "2024/01/01"));
	assert_string_equal(norm, "2024-01-01");
	assert_true(C(when, "20240229"));
	assert_string_equal(norm, "2024-02-29");
	assert_false(C(when, "2024/1-01"));
	assert_false(C(when, "20230229"));
	assert_true(C(years, "1"));
	assert_true(C(years, "2"));
	assert_false(C(years, "3"));
	assert_string_equal(msg, "年限应在1至2之间，现为3。");
	assert_false(C(years, "0"));
	assert_false(C(years, "1.5"));
	assert_string_equal(msg, "年限应为整数，现为“1.5”。");
	assert_false(C(years, "99999999999999999999"));
	assert_non_null(strstr(msg, "应为整数"));
	assert_false(C(years, ""));
	assert_string_equal(msg, "请填写年限。");
	assert_true(C(holder, "expert"));
	assert_false(C(holder, "Expert"));
	assert_string_equal(msg, "类型“Expert”不是可选项，请从以下选择：unit, expert。");
	/* bound to validate_orgcode: the code inside 91310115MA1K3BTP2B */
	assert_true(C(org, "ma1k3btp2"));
	assert_string_equal(norm, "MA1K3BTP2");
	assert_false(C(org, "MA1K3BTP3"));
	assert_string_equal(msg, "组织机构代码第9位校验码应为“2”，现为“3”，请核对证件后重新输入。");
#undef C
	form_free(fs);
	tu_rmrf(dir);
}

static void expect_bad(const char *ini, int line, const char *want)
{
	char dir[512];
	kerr err = { { 0 }, { 0 } };
	form_spec *fs = load_custom(ini, dir, sizeof dir, &err);
	tu_rmrf(dir);
	if (fs) {
		form_free(fs);
		fail_msg("accepted: %s", ini);
	}
	char where[64];
	if (line)
		snprintf(where, sizeof where, "/forms.ini:%d", line);
	else
		snprintf(where, sizeof where, "/forms.ini");
	if (!tu_ends_with(err.where, where) || !strstr(err.msg, want))
		fail_msg("got '%s: %s', want '...%s' and '%s'", err.where, err.msg, where, want);
}

#define HEAD "[field x]\nlabel.zh_CN = 甲\nlabel.en = X\n"

static void load_errors(void **state)
{
	(void)state;
	expect_bad(HEAD "type = number\nrequired = yes\n", 4,
		   "type = 'number' is not allowed; use one of: text, uscc");
	expect_bad(HEAD "type = uscc\nrequired = yes\nmax_chars = 18\n", 6,
		   "max_chars does not apply to type = uscc");
	expect_bad(HEAD "type = text\nrequired = yes\n", 1, "needs 'max_chars = ...'");
	expect_bad(HEAD "type = text\nrequired = yes\nmax_chars = 0\n", 6, "from 1 to 10000");
	expect_bad(HEAD "type = int\nrequired = yes\nmin = 5\nmax = 1\n", 7,
		   "max = 1 is less than min = 5");
	expect_bad(HEAD "type = int\nrequired = yes\nmin = 1\n", 1, "needs 'max = ...'");
	expect_bad(HEAD "type = choice\nrequired = yes\nchoices = a, a\n", 6, "listed twice");
	expect_bad(HEAD "type = choice\nrequired = yes\nchoices =\n", 6, "list the allowed ids");
	expect_bad(HEAD "type = uscc\nrequired = maybe\n", 5, "use one of: yes, no");
	expect_bad(HEAD "type = uscc\n", 1, "lacks the required key 'required'");
	expect_bad("[field x]\nlabel.zh_CN = 甲\ntype = uscc\nrequired = yes\n", 1,
		   "lacks the required key 'label.en'");
	expect_bad(HEAD "type = uscc\nrequired = yes\nwidth = 3\n", 6, "unknown key 'width'");
	expect_bad("[form]\nid = case\n", 1, "unknown section type [form]");
	expect_bad("[field X-1]\nlabel.zh_CN = a\n", 1, "a field id is a-z");
	expect_bad(HEAD "type = uscc\nrequired = yes\n" HEAD, 6, "duplicate section [field x]");
	expect_bad("; empty\n", 0, "no [field <id>] sections");
	kerr err = { { 0 }, { 0 } };
	assert_null(form_load("/nonexistent", &err));
	assert_string_equal(err.where, "/nonexistent/forms.ini");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shipped_form),
		cmocka_unit_test(uscc_field),
		cmocka_unit_test(id_and_mobile_fields),
		cmocka_unit_test(required_and_empty),
		cmocka_unit_test(text_counts_characters),
		cmocka_unit_test(text_rejects_bad_bytes),
		cmocka_unit_test(text_rejects_hidden),
		cmocka_unit_test(norm_buffer_too_small),
		cmocka_unit_test(custom_types),
		cmocka_unit_test(load_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
