/* test_hidden: which characters a name must not hold (core/base/hidden.h) and
 * the strict UTF-8 decoder under it (utf8_next): every kind at its edges, the
 * characters next to them left alone, positions counted in characters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/base/hidden.h"
#include "core/base/utf8.h"

static void kinds(void **state)
{
	(void)state;
	static const struct {
		long cp;
		hidden_char kind;
	} hit[] = {
		{ 0x00, HC_CONTROL }, { 0x1F, HC_CONTROL }, { 0x7F, HC_CONTROL },
		{ 0x80, HC_CONTROL }, { 0x9F, HC_CONTROL }, { 0xAD, HC_SHY },
		{ 0x034F, HC_BLANK }, { 0x0600, HC_FORMAT }, { 0x0605, HC_FORMAT },
		{ 0x061C, HC_ALM }, { 0x06DD, HC_FORMAT }, { 0x070F, HC_FORMAT },
		{ 0x0890, HC_FORMAT }, { 0x0891, HC_FORMAT }, { 0x08E2, HC_FORMAT },
		{ 0x115F, HC_BLANK }, { 0x1160, HC_BLANK }, { 0x17B4, HC_BLANK },
		{ 0x17B5, HC_BLANK }, { 0x180E, HC_FORMAT },
		{ 0x200B, HC_ZWSP }, { 0x200C, HC_ZWNJ }, { 0x200D, HC_ZWJ },
		{ 0x200E, HC_LRM }, { 0x200F, HC_RLM }, { 0x2028, HC_LS }, { 0x2029, HC_PS },
		{ 0x202A, HC_LRE }, { 0x202B, HC_RLE }, { 0x202C, HC_PDF }, { 0x202D, HC_LRO },
		{ 0x202E, HC_RLO }, { 0x2060, HC_WJ }, { 0x2061, HC_FORMAT }, { 0x2064, HC_FORMAT },
		{ 0x2066, HC_LRI }, { 0x2067, HC_RLI }, { 0x2068, HC_FSI }, { 0x2069, HC_PDI },
		{ 0x206A, HC_FORMAT }, { 0x206F, HC_FORMAT }, { 0x3164, HC_BLANK },
		{ 0xFEFF, HC_BOM }, { 0xFFA0, HC_BLANK }, { 0xFFF9, HC_FORMAT },
		{ 0xFFFB, HC_FORMAT }, { 0x110BD, HC_FORMAT }, { 0x110CD, HC_FORMAT },
		{ 0x13430, HC_FORMAT }, { 0x1343F, HC_FORMAT }, { 0x1BCA0, HC_FORMAT },
		{ 0x1BCA3, HC_FORMAT }, { 0x1D173, HC_FORMAT }, { 0x1D17A, HC_FORMAT },
		{ 0xE0001, HC_TAG }, { 0xE0020, HC_TAG }, { 0xE007F, HC_TAG },
	};
	for (size_t i = 0; i < sizeof hit / sizeof hit[0]; i++) {
		if (hidden_char_of(hit[i].cp) != hit[i].kind)
			fail_msg("U+%04lX: kind %d, wanted %d", hit[i].cp,
				 (int)hidden_char_of(hit[i].cp), (int)hit[i].kind);
	}
	/* their neighbours, and what names hold, are seen */
	static const long seen[] = {
		0x20, 0x7E, 0xA0, 0xAC, 0xAE, 0xB7, 0x0606, 0x061B, 0x061D, 0x200A, 0x2010,
		0x2027, 0x202F, 0x2065, 0x2070, 0x2022, 0x30FB, 0x3000, 0x3165, 0x4E00, 0xFE0F,
		0xFEFE, 0xFF01, 0xFF10, 0xFFFC, 0x20BB7, 0xE0000, 0xE0002, 0xE0080, 0xE0100,
		0x10FFFF, -1, 0x110000,
	};
	for (size_t i = 0; i < sizeof seen / sizeof seen[0]; i++)
		if (hidden_char_of(seen[i]) != HC_NONE)
			fail_msg("U+%04lX taken as hidden", seen[i]);
	/* every kind has its key and English name */
	for (int k = 0; k < HC_COUNT; k++) {
		assert_true(strncmp(hidden_char_key((hidden_char)k), "char.", 5) == 0);
		assert_true(strlen(hidden_char_english((hidden_char)k)) > 3);
	}
	assert_string_equal(hidden_char_key(HC_RLO), "char.rlo");
	assert_string_equal(hidden_char_english(HC_RLO), "RIGHT-TO-LEFT OVERRIDE");
}

static void find_positions(void **state)
{
	(void)state;
	hidden_hit h;
	char said[96];
	assert_false(hidden_find(NULL, &h));
	assert_false(hidden_find("", &h));
	assert_false(hidden_find("买买提·艾力 ＡＢＣ（成都）\U00020BB7", &h));
	assert_true(hidden_find("四川某某\u202E有限公司", &h));
	assert_int_equal(h.pos, 5);
	assert_int_equal(h.cp, 0x202E);
	assert_int_equal(h.kind, HC_RLO);
	assert_string_equal(hidden_describe(&h, said, sizeof said),
			    "U+202E RIGHT-TO-LEFT OVERRIDE at character 5");
	/* the first one, counted in characters (4-byte ones too) */
	assert_true(hidden_find("\U00020BB7a\u200Bb\u202E", &h));
	assert_int_equal(h.pos, 3);
	assert_int_equal(h.kind, HC_ZWSP);
	assert_true(hidden_find("\U000E0041", &h));
	assert_int_equal(h.pos, 1);
	assert_int_equal(h.cp, 0xE0041);
	assert_string_equal(hidden_describe(&h, said, sizeof said),
			    "U+E0041 a tag character at character 1");
	/* a broken byte is one character and not itself reported */
	assert_true(hidden_find("a\xff\xC2\xAD", &h));
	assert_int_equal(h.pos, 3);
	assert_int_equal(h.kind, HC_SHY);
	assert_false(hidden_find("a\xff\xE2\x80", &h)); /* cut U+202E */
	/* an overlong U+202E is not one */
	assert_false(hidden_find("\xF0\x82\x80\xAE", &h));
	assert_true(hidden_find("x\ty", NULL));
}

static void decoder(void **state)
{
	(void)state;
	long cp;
	assert_int_equal(utf8_next("A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(utf8_next("\xC2\xB7", 2, &cp), 2);
	assert_int_equal(cp, 0xB7);
	assert_int_equal(utf8_next("\xE2\x80\xAE", 3, &cp), 3);
	assert_int_equal(cp, 0x202E);
	assert_int_equal(utf8_next("\xF0\xA0\xAE\xB7", 4, &cp), 4);
	assert_int_equal(cp, 0x20BB7);
	assert_int_equal(utf8_next("\xF4\x8F\xBF\xBF", 4, &cp), 4);
	assert_int_equal(cp, 0x10FFFF);
	static const char *const bad[] = {
		"\x80", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF0\x80\x80\xAF",
		"\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF", "\xC2", "\xE2\x80", "\xC2\x41",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(utf8_next(bad[i], strlen(bad[i]), &cp), 0);
	/* avail is honoured: a sequence cut by it is broken */
	assert_int_equal(utf8_next("\xE2\x80\xAE", 2, &cp), 0);
}

/* What a full-width input method types, folded to its narrow form. */
static void fold_narrow(void **state)
{
	(void)state;
	assert_int_equal(utf8_fold_narrow(0xFF10), '0');
	assert_int_equal(utf8_fold_narrow(0xFF19), '9');
	assert_int_equal(utf8_fold_narrow(0xFF21), 'A');
	assert_int_equal(utf8_fold_narrow(0xFF3A), 'Z');
	assert_int_equal(utf8_fold_narrow(0xFF41), 'a');
	assert_int_equal(utf8_fold_narrow(0xFF5A), 'z');
	assert_int_equal(utf8_fold_narrow(0x00A0), ' ');
	assert_int_equal(utf8_fold_narrow(0x202F), ' ');
	assert_int_equal(utf8_fold_narrow(0x3000), ' ');
	/* full-width brackets belong in a unit's name; Chinese stays */
	assert_int_equal(utf8_fold_narrow(0xFF08), 0xFF08);
	assert_int_equal(utf8_fold_narrow(0xFF09), 0xFF09);
	assert_int_equal(utf8_fold_narrow(0x6210), 0x6210);
	assert_int_equal(utf8_fold_narrow('x'), 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kinds),
		cmocka_unit_test(find_positions),
		cmocka_unit_test(decoder),
		cmocka_unit_test(fold_narrow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
