/* Identifier validation: every value in domain.md, lengths, bad characters
 * (excluded letters, Chinese, full-width, broken UTF-8) with their positions,
 * wrong check characters with the expected one, the USCC's embedded
 * organisation-code check, dates of birth, mobiles with prefixes and
 * separators; then thousands of random valid codes built with the *_check_char
 * functions, and every single-character mutation of valid codes rejected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/case/validate.h"

#define TODAY 20261121

static const char uscc_alpha[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* The fields every failure must fill; got/want NULL means "don't care". */
static void expect_fail(const val_result *r, val_reason why, int pos, const char *got,
			const char *want)
{
	if (r->reason != why)
		fail_msg("reason %s, expected %s (pos %d got '%s')", val_reason_key(r->reason),
			 val_reason_key(why), r->pos, r->got);
	assert_int_equal(r->pos, pos);
	if (got)
		assert_string_equal(r->got, got);
	if (want)
		assert_string_equal(r->want, want);
	assert_string_equal(r->norm, "");
}

static void expect_ok(bool v, const val_result *r, const char *norm)
{
	if (!v || r->reason != VAL_OK)
		fail_msg("rejected (%s pos %d got '%s' want '%s'), expected %s",
			 val_reason_key(r->reason), r->pos, r->got, r->want, norm);
	assert_string_equal(r->norm, norm);
	assert_int_equal(r->pos, 0);
	assert_int_equal(r->len, (int)strlen(norm));
}

/* Deterministic generator so a failure reproduces. */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

/* ---- reason keys ------------------------------------------------------- */

static void reason_keys(void **state)
{
	(void)state;
	assert_string_equal(val_reason_key(VAL_OK), "val.ok");
	assert_string_equal(val_reason_key(VAL_CHECK), "val.check");
	assert_string_equal(val_reason_key(VAL_ORG_CHECK), "val.org_check");
	assert_string_equal(val_reason_key(VAL_MOBILE), "val.mobile");
	assert_string_equal(val_reason_key(VAL_REASON_COUNT), "val.unknown");
	assert_string_equal(val_reason_key((val_reason)-1), "val.unknown");
	for (int i = 0; i < VAL_REASON_COUNT; i++)
		assert_memory_equal(val_reason_key((val_reason)i), "val.", 4);
}

/* ---- USCC ------------------------------------------------------------- */

static void uscc_domain_values(void **state)
{
	(void)state;
	val_result r;
	expect_ok(validate_uscc("91110000600037341L", &r), &r, "91110000600037341L");
	expect_ok(validate_uscc("91310115MA1K3BTP2B", &r), &r, "91310115MA1K3BTP2B");
	assert_false(validate_uscc("91110000600037341N", &r));
	expect_fail(&r, VAL_CHECK, 18, "N", "L");
	assert_int_equal(r.len, 18);
	assert_int_equal(r.want_len, 18);

	assert_int_equal(uscc_check_char("91110000600037341"), 'L');
	assert_int_equal(uscc_check_char("91310115MA1K3BTP2"), 'B');
	assert_int_equal(uscc_check_char("91310115ma1k3btp2"), 'B');
	assert_int_equal(uscc_check_char("9131011IMA1K3BTP2"), '\0');
	assert_int_equal(uscc_check_char("9131011"), '\0'); /* short: stops at NUL */
	assert_int_equal(uscc_check_char(NULL), '\0');
	/* the org code inside: positions 9-17 */
	assert_int_equal(orgcode_check_char("60003734"), '1');
	assert_int_equal(orgcode_check_char("MA1K3BTP"), '2');
}

static void uscc_case_and_spaces(void **state)
{
	(void)state;
	val_result r;
	expect_ok(validate_uscc("91310115ma1k3btp2b", &r), &r, "91310115MA1K3BTP2B");
	expect_ok(validate_uscc("  91310115MA1K3BTP2B \r\n", &r), &r, "91310115MA1K3BTP2B");
	/* an internal space is a bad character, counted from the first kept char */
	assert_false(validate_uscc(" 91310115 A1K3BTP2B", &r));
	expect_fail(&r, VAL_BAD_CHAR, 9, " ", "");
	/* NULL result pointer is allowed */
	assert_true(validate_uscc("91110000600037341L", NULL));
	assert_false(validate_uscc("91110000600037341N", NULL));
}

static void uscc_empty_and_length(void **state)
{
	(void)state;
	val_result r;
	const char *empties[] = { "", "   ", "\t\n", NULL };
	for (size_t i = 0; i < 4; i++) {
		assert_false(validate_uscc(empties[i], &r));
		expect_fail(&r, VAL_EMPTY, 0, "", "");
		assert_int_equal(r.len, 0);
	}
	assert_false(validate_uscc("91310115MA1K3BTP2", &r)); /* 17 */
	expect_fail(&r, VAL_LENGTH, 0, "", "");
	assert_int_equal(r.len, 17);
	assert_int_equal(r.want_len, 18);
	assert_false(validate_uscc("91310115MA1K3BTP2BB", &r)); /* 19 */
	expect_fail(&r, VAL_LENGTH, 0, "", "");
	assert_int_equal(r.len, 19);
	/* length is counted in characters: 17 ASCII + one Chinese = 18, so it is
	 * the character, not the length, that is wrong ... */
	assert_false(validate_uscc("91310115MA1K3BTP2码", &r));
	expect_fail(&r, VAL_BAD_CHAR, 18, "码", "");
	/* ... and 18 ASCII + one Chinese is 19 */
	assert_false(validate_uscc("91310115MA1K3BTP2B码", &r));
	expect_fail(&r, VAL_LENGTH, 0, "", "");
	assert_int_equal(r.len, 19);
	/* length wins over a bad character */
	assert_false(validate_uscc("I1310115MA1K3BTP2", &r));
	expect_fail(&r, VAL_LENGTH, 0, NULL, NULL);
}

static void uscc_bad_chars(void **state)
{
	(void)state;
	val_result r;
	const char *excluded = "IOZSVioszv";
	for (const char *c = excluded; *c; c++) {
		for (int pos = 1; pos <= 18; pos++) {
			char s[19] = "91310115MA1K3BTP2B";
			s[pos - 1] = *c;
			assert_false(validate_uscc(s, &r));
			char got[2] = { *c, 0 };
			expect_fail(&r, VAL_BAD_CHAR, pos, got, "");
		}
	}
	struct {
		const char *s;
		int pos;
		const char *got;
	} cases[] = {
		{ "913101中5MA1K3BTP2B", 7, "中" },
		{ "91１10115MA1K3BTP2B", 3, "１" },        /* full-width digit */
		{ "91310115MA1K3BTP2Ｂ", 18, "Ｂ" },       /* full-width letter */
		{ "91310115MA1K3BTP2\xff", 18, "\\xFF" }, /* broken UTF-8 */
		{ "9131\xe4\xb8MA1K3BTP2BBB", 5, "\\xE4" }, /* truncated sequence */
		{ "91310115-A1K3BTP2B", 9, "-" },
		{ "9I3101中5MA1K3BTP2B", 2, "I" }, /* first bad one wins */
		{ "913101中5MA1K3BTPOB", 7, "中" },
		{ "I1310115MA1K3BTP2N", 1, "I" }, /* bad char wins over check */
		/* code points whose low byte is an ASCII character of the alphabet */
		{ "9\u0131310115MA1K3BTP2B", 2, "\u0131" }, /* U+0131 ~ '1' */
		{ "913\u4E310115MA1K3BTP2B", 4, "\u4E31" }, /* U+4E31 ~ '1' */
		{ "91310115M\u0141" "1K3BTP2B", 10, "\u0141" }, /* U+0141 ~ 'A' */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_false(validate_uscc(cases[i].s, &r));
		expect_fail(&r, VAL_BAD_CHAR, cases[i].pos, cases[i].got, "");
		assert_int_equal(r.len, 18);
	}
}

static void uscc_wrong_check_reports_expected(void **state)
{
	(void)state;
	val_result r;
	for (const char *c = uscc_alpha; *c; c++) {
		if (*c == 'B')
			continue;
		char s[19] = "91310115MA1K3BTP2B";
		s[17] = *c;
		assert_false(validate_uscc(s, &r));
		char got[2] = { *c, 0 };
		expect_fail(&r, VAL_CHECK, 18, got, "B");
	}
	/* lower-case check typed: got shows it as typed */
	assert_false(validate_uscc("91110000600037341n", &r));
	expect_fail(&r, VAL_CHECK, 18, "n", "L");
}

static void uscc_embedded_org_check(void **state)
{
	(void)state;
	val_result r;
	/* Position 17 changed to every other USCC character and position 18
	 * recomputed: the overall check is right, the org code's is not. */
	int tried = 0;
	for (const char *c = uscc_alpha; *c; c++) {
		if (*c == '2')
			continue;
		char s[19] = "91310115MA1K3BTP2B";
		s[16] = *c;
		s[17] = uscc_check_char(s);
		assert_int_not_equal(s[17], '\0');
		assert_false(validate_uscc(s, &r));
		char got[2] = { *c, 0 };
		expect_fail(&r, VAL_ORG_CHECK, 17, got, "2");
		tried++;
	}
	assert_int_equal(tried, 30);
	/* Change a body digit of the org code and fix up only the overall check:
	 * the org check (expected char recomputed) catches it. */
	char s[19] = "91110000600037341L";
	s[10] = '5';
	s[17] = uscc_check_char(s);
	assert_false(validate_uscc(s, &r));
	char want[2] = { orgcode_check_char(s + 8), 0 };
	assert_string_not_equal(want, "1");
	expect_fail(&r, VAL_ORG_CHECK, 17, "1", want);
	/* Both checks wrong: the overall check is reported first. */
	assert_false(validate_uscc("91110000605037341L", &r));
	assert_int_not_equal(uscc_check_char("91110000605037341"), 'L');
	expect_fail(&r, VAL_CHECK, 18, "L", NULL);
}

/* ---- organisation code ------------------------------------------------ */

static void orgcode_values(void **state)
{
	(void)state;
	val_result r;
	expect_ok(validate_orgcode("600037341", &r), &r, "600037341");
	expect_ok(validate_orgcode("60003734-1", &r), &r, "600037341");
	expect_ok(validate_orgcode(" ma1k3btp2 ", &r), &r, "MA1K3BTP2");
	/* the full alphabet: I O Z S V are allowed in an org code */
	char s[10] = "IOZSV123";
	s[8] = orgcode_check_char(s);
	s[9] = '\0';
	assert_int_not_equal(s[8], '\0');
	expect_ok(validate_orgcode(s, &r), &r, s);

	/* check X and check 0 (11 - 0 -> '0') */
	int found_x = 0, found_0 = 0;
	for (int i = 0; i < 2000 && !(found_x && found_0); i++) {
		char b[10];
		snprintf(b, sizeof b, "%08d", i * 7919);
		b[8] = orgcode_check_char(b);
		b[9] = '\0';
		if (b[8] == 'X' && !found_x) {
			found_x = 1;
			expect_ok(validate_orgcode(b, &r), &r, b);
			char lower[10];
			memcpy(lower, b, sizeof lower);
			lower[8] = 'x';
			expect_ok(validate_orgcode(lower, &r), &r, b);
		}
		if (b[8] == '0' && !found_0) {
			found_0 = 1;
			expect_ok(validate_orgcode(b, &r), &r, b);
		}
	}
	assert_true(found_x && found_0);
	assert_int_equal(orgcode_check_char("6000373"), '\0');
	assert_int_equal(orgcode_check_char("6000373-"), '\0');
}

static void orgcode_errors(void **state)
{
	(void)state;
	val_result r;
	assert_false(validate_orgcode("600037342", &r));
	expect_fail(&r, VAL_CHECK, 9, "2", "1");
	assert_false(validate_orgcode("60003734-2", &r));
	expect_fail(&r, VAL_CHECK, 10, "2", "1");
	assert_false(validate_orgcode("60003734", &r));
	expect_fail(&r, VAL_LENGTH, 0, "", "");
	assert_int_equal(r.len, 8);
	assert_int_equal(r.want_len, 9);
	assert_false(validate_orgcode("6000373411", &r)); /* 10 without a dash */
	expect_fail(&r, VAL_LENGTH, 0, "", "");
	assert_false(validate_orgcode("6000373-41", &r)); /* dash in the wrong place */
	expect_fail(&r, VAL_LENGTH, 0, "", "");
	assert_false(validate_orgcode("", &r));
	expect_fail(&r, VAL_EMPTY, 0, "", "");
	assert_false(validate_orgcode("60中037341", &r));
	expect_fail(&r, VAL_BAD_CHAR, 3, "中", "");
	assert_false(validate_orgcode("M\u01411K3BTP2", &r)); /* U+0141, low byte 'A' */
	expect_fail(&r, VAL_BAD_CHAR, 2, "\u0141", "");
	assert_false(validate_orgcode("60003734A", &r)); /* check must be 0-9 or X */
	expect_fail(&r, VAL_BAD_CHAR, 9, "A", "");
	assert_false(validate_orgcode("60003734-A", &r));
	expect_fail(&r, VAL_BAD_CHAR, 10, "A", "");
	assert_false(validate_orgcode("6000-734-1", &r));
	expect_fail(&r, VAL_BAD_CHAR, 5, "-", "");
}

/* ---- resident ID ----------------------------------------------------- */

/* A valid ID with the given birth date (YYYYMMDD) and sequence. */
static void make_id(char out[19], const char *region, const char *ymd, int seq)
{
	snprintf(out, 19, "%.6s%.8s%03d", region, ymd, seq % 1000);
	out[17] = resident_id_check_char(out);
	out[18] = '\0';
}

static void id_domain_values(void **state)
{
	(void)state;
	val_result r;
	expect_ok(validate_resident_id("110102199101010078", TODAY, &r), &r, "110102199101010078");
	expect_ok(validate_resident_id("44011320141005001X", TODAY, &r), &r, "44011320141005001X");
	expect_ok(validate_resident_id("44011320141005001x", TODAY, &r), &r, "44011320141005001X");
	expect_ok(validate_resident_id(" 110102199101010078\n", TODAY, &r), &r,
		  "110102199101010078");
	assert_int_equal(resident_id_check_char("11010219910101007"), '8');
	assert_int_equal(resident_id_check_char("44011320141005001"), 'X');
	assert_int_equal(resident_id_check_char("4401132014100500X"), '\0');
	assert_int_equal(resident_id_check_char(NULL), '\0');

	assert_false(validate_resident_id("110102199101010077", TODAY, &r));
	expect_fail(&r, VAL_CHECK, 18, "7", "8");
	assert_false(validate_resident_id("440113201410050010", TODAY, &r));
	expect_fail(&r, VAL_CHECK, 18, "0", "X");
	assert_false(validate_resident_id("11010219910101007x", TODAY, &r));
	expect_fail(&r, VAL_CHECK, 18, "x", "8");
}

static void id_length_and_chars(void **state)
{
	(void)state;
	val_result r;
	assert_false(validate_resident_id("11010219910101007", TODAY, &r));
	expect_fail(&r, VAL_LENGTH, 0, "", "");
	assert_int_equal(r.len, 17);
	assert_int_equal(r.want_len, 18);
	assert_false(validate_resident_id("1101021991010100788", TODAY, &r));
	expect_fail(&r, VAL_LENGTH, 0, "", "");
	assert_int_equal(r.len, 19);
	assert_false(validate_resident_id("110102150101003", TODAY, &r)); /* old 15-digit */
	expect_fail(&r, VAL_LENGTH, 0, "", "");
	assert_false(validate_resident_id(NULL, TODAY, &r));
	expect_fail(&r, VAL_EMPTY, 0, "", "");

	assert_false(validate_resident_id("1101X2199101010078", TODAY, &r));
	expect_fail(&r, VAL_BAD_CHAR, 5, "X", "");
	assert_false(validate_resident_id("1101021991010100x8", TODAY, &r));
	expect_fail(&r, VAL_BAD_CHAR, 17, "x", "");
	assert_false(validate_resident_id("11010219910101007Y", TODAY, &r));
	expect_fail(&r, VAL_BAD_CHAR, 18, "Y", "");
	assert_false(validate_resident_id("110102１99101010078", TODAY, &r));
	expect_fail(&r, VAL_BAD_CHAR, 7, "１", "");
	assert_false(validate_resident_id("11010219910101007码", TODAY, &r));
	expect_fail(&r, VAL_BAD_CHAR, 18, "码", "");
	assert_false(validate_resident_id("110102 99101010078", TODAY, &r));
	expect_fail(&r, VAL_BAD_CHAR, 7, " ", "");
}

static void id_dates(void **state)
{
	(void)state;
	val_result r;
	char id[19];
	struct {
		const char *ymd;
		val_reason why;
		int pos;
		const char *date;
	} cases[] = {
		{ "19910230", VAL_BAD_DATE, 13, "1991-02-30" }, /* Feb 30 */
		{ "20000229", VAL_OK, 0, "" },                  /* leap (400) */
		{ "20160229", VAL_OK, 0, "" },                  /* leap */
		{ "20190229", VAL_BAD_DATE, 13, "2019-02-29" }, /* not leap */
		{ "19000229", VAL_BAD_DATE, 13, "1900-02-29" }, /* century, not leap */
		{ "19900431", VAL_BAD_DATE, 13, "1990-04-31" },
		{ "19901231", VAL_OK, 0, "" },
		{ "19901232", VAL_BAD_DATE, 13, "1990-12-32" },
		{ "19901200", VAL_BAD_DATE, 13, "1990-12-00" },
		{ "19901301", VAL_BAD_DATE, 11, "1990-13-01" },
		{ "19900001", VAL_BAD_DATE, 11, "1990-00-01" },
		{ "18991231", VAL_BAD_DATE, 7, "1899-12-31" },  /* before 1900 */
		{ "00000000", VAL_BAD_DATE, 7, "0000-00-00" },
		{ "19000101", VAL_OK, 0, "" },
		{ "20261121", VAL_OK, 0, "" },                  /* born today */
		{ "20261122", VAL_FUTURE_DATE, 7, "2026-11-22" },
		{ "20270101", VAL_FUTURE_DATE, 7, "2027-01-01" },
		{ "99991231", VAL_FUTURE_DATE, 7, "9999-12-31" },
		{ "20270230", VAL_BAD_DATE, 13, "2027-02-30" }, /* not real beats future */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		make_id(id, "510104", cases[i].ymd, 12);
		bool v = validate_resident_id(id, TODAY, &r);
		if (cases[i].why == VAL_OK) {
			expect_ok(v, &r, id);
			continue;
		}
		assert_false(v);
		expect_fail(&r, cases[i].why, cases[i].pos, "", "");
		assert_string_equal(r.date, cases[i].date);
	}
	/* a bad date is reported even when the check is wrong too */
	make_id(id, "510104", "19910230", 12);
	id[17] = id[17] == '1' ? '2' : '1';
	assert_false(validate_resident_id(id, TODAY, &r));
	expect_fail(&r, VAL_BAD_DATE, 13, "", "");
	/* today is the caller's: the same ID is future yesterday */
	make_id(id, "510104", "20261121", 12);
	assert_false(validate_resident_id(id, 20261120, &r));
	expect_fail(&r, VAL_FUTURE_DATE, 7, "", "");
}

/* ---- mobile --------------------------------------------------------- */

static void mobile_cases(void **state)
{
	(void)state;
	val_result r;
	const char *good[] = {
		"13800138000",         "+8613800138000",       "+86 138 0013 8000",
		"0086 138-0013-8000",  "008613800138000",      "138-0013-8000",
		" 13800138000 ",       "+86-13800138000",      "138 0013 8000",
		"+ 86 13800138000",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		expect_ok(validate_mobile(good[i], &r), &r, "13800138000");
	for (char d = '3'; d <= '9'; d++) {
		char s[12] = "13800138000";
		s[1] = d;
		expect_ok(validate_mobile(s, &r), &r, s);
	}

	assert_false(validate_mobile("138001380001", &r)); /* 12 digits */
	expect_fail(&r, VAL_LENGTH, 0, "", "");
	assert_int_equal(r.len, 12);
	assert_int_equal(r.want_len, 11);
	assert_false(validate_mobile("1380013800", &r)); /* 10 */
	expect_fail(&r, VAL_LENGTH, 0, "", "");
	assert_int_equal(r.len, 10);
	assert_false(validate_mobile("86 13800138000", &r)); /* 86 without + is not a prefix */
	expect_fail(&r, VAL_LENGTH, 0, "", "");
	assert_int_equal(r.len, 13);
	assert_false(validate_mobile("+86 138001380001", &r));
	expect_fail(&r, VAL_LENGTH, 0, "", "");
	assert_int_equal(r.len, 12);
	assert_false(validate_mobile("- -", &r));
	expect_fail(&r, VAL_LENGTH, 0, "", "");
	assert_int_equal(r.len, 0);
	assert_false(validate_mobile("  ", &r));
	expect_fail(&r, VAL_EMPTY, 0, "", "");
	assert_false(validate_mobile(NULL, &r));
	expect_fail(&r, VAL_EMPTY, 0, "", "");

	for (char d = '0'; d <= '2'; d++) {
		char s[12] = "13800138000";
		s[1] = d;
		assert_false(validate_mobile(s, &r));
		char got[2] = { d, 0 };
		expect_fail(&r, VAL_MOBILE, 2, got, "");
	}
	assert_false(validate_mobile("+86 128 0013 8000", &r)); /* position in the bare number */
	expect_fail(&r, VAL_MOBILE, 2, "2", "");
	assert_int_equal(r.len, 11);
	assert_false(validate_mobile("23800138000", &r));
	expect_fail(&r, VAL_MOBILE, 1, "2", "");
	assert_false(validate_mobile("0086 03800138000", &r));
	expect_fail(&r, VAL_MOBILE, 1, "0", "");

	assert_false(validate_mobile("138a0138000", &r));
	expect_fail(&r, VAL_BAD_CHAR, 4, "a", "");
	assert_false(validate_mobile("138０0138000", &r)); /* full-width zero */
	expect_fail(&r, VAL_BAD_CHAR, 4, "０", "");
	assert_false(validate_mobile("+86 138－0013－8000", &r)); /* full-width dash */
	expect_fail(&r, VAL_BAD_CHAR, 8, "－", "");
	assert_false(validate_mobile("+1 5551234567", &r)); /* another country */
	expect_fail(&r, VAL_BAD_CHAR, 1, "+", "");
	assert_false(validate_mobile("+86+13800138000", &r));
	expect_fail(&r, VAL_BAD_CHAR, 4, "+", "");
	assert_false(validate_mobile("138(0013)8000", &r));
	expect_fail(&r, VAL_BAD_CHAR, 4, "(", "");
	assert_false(validate_mobile("1380013800\t0", &r));
	expect_fail(&r, VAL_BAD_CHAR, 11, "\t", "");
	assert_false(validate_mobile("0086", &r)); /* the prefix alone */
	expect_fail(&r, VAL_LENGTH, 0, "", "");
	assert_int_equal(r.len, 0);
	/* Malformed UTF-8 that a loose decoder would read as ASCII digits or
	 * separators: overlong forms, surrogates, beyond U+10FFFF. */
	struct {
		const char *s, *got;
	} broken[] = {
		{ "\xe0\x80\xb1" "3800138000", "\\xE0" },   /* overlong '1' */
		{ "\xc0\xb1" "3800138000", "\\xC0" },        /* overlong '1' */
		{ "\xf0\x80\x80\xb1" "3800138000", "\\xF0" }, /* overlong '1' */
		{ "1\xe0\x80\xa0" "3800138000", "\\xE0" },  /* overlong ' ' */
		{ "\xed\xa0\x80" "13800138000", "\\xED" },  /* surrogate */
		{ "\xf4\x90\x80\x80" "13800138000", "\\xF4" }, /* > U+10FFFF */
		{ "\xb1" "13800138000", "\\xB1" },            /* lone continuation */
	};
	for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
		assert_false(validate_mobile(broken[i].s, &r));
		expect_fail(&r, VAL_BAD_CHAR, i == 3 ? 2 : 1, broken[i].got, "");
	}
	/* well-formed 4-byte character: one character, reported whole */
	assert_false(validate_mobile("138\xf0\x9f\x98\x80" "0138000", &r));
	expect_fail(&r, VAL_BAD_CHAR, 4, "\xf0\x9f\x98\x80", "");
	assert_false(validate_mobile("手机13800138000", &r));
	expect_fail(&r, VAL_BAD_CHAR, 1, "手", "");
	assert_int_equal(r.len, 13);
}

/* ---- random valid codes and mutations ------------------------------- */

static void random_uscc(char s[19])
{
	for (int i = 0; i < 16; i++)
		s[i] = uscc_alpha[rnd(31)];
	s[16] = orgcode_check_char(s + 8);
	s[17] = uscc_check_char(s);
	s[18] = '\0';
}

static void random_id(char s[19])
{
	static const char *regions[] = { "510104", "110102", "440113", "310115", "650102" };
	char ymd[40];
	for (;;) {
		int y = 1900 + (int)rnd(127), m = 1 + (int)rnd(12), d = 1 + (int)rnd(31);
		snprintf(ymd, sizeof ymd, "%04d%02d%02d", y, m, d);
		int mdays[] = { 31, (y % 4 == 0 && y % 100) || y % 400 == 0 ? 29 : 28,
				31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
		if (d <= mdays[m - 1] && y * 10000 + m * 100 + d <= TODAY)
			break;
	}
	make_id(s, regions[rnd(5)], ymd, (int)rnd(1000));
}

static void random_valid_codes(void **state)
{
	(void)state;
	val_result r;
	char s[19];
	int x_checks = 0;
	for (int i = 0; i < 5000; i++) {
		random_uscc(s);
		expect_ok(validate_uscc(s, &r), &r, s);
		random_id(s);
		expect_ok(validate_resident_id(s, TODAY, &r), &r, s);
		x_checks += s[17] == 'X';
		char org[10];
		for (int k = 0; k < 8; k++)
			org[k] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[rnd(36)];
		org[8] = orgcode_check_char(org);
		org[9] = '\0';
		expect_ok(validate_orgcode(org, &r), &r, org);
	}
	assert_true(x_checks > 100); /* about 1 in 11 */
}

/* Every substitution of one character by another from a wide set must be
 * rejected (the checks are modulo primes larger than any character's change),
 * and so must every deletion and insertion. Not done for bare organisation
 * codes: GB 11714's check is mod 11 over values up to 35, so swapping '0' for
 * 'B' (a change of 11) is invisible to it by design. */
static const char *mutants[] = {
	"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E",
	"F", "G", "H", "I", "J", "K", "L", "M", "N", "O", "P", "Q", "R", "S", "T",
	"U", "V", "W", "X", "Y", "Z", " ", "-", "中", "０", "\xff",
};

static int mutate_all(const char *valid, bool (*check)(const char *))
{
	int tried = 0;
	size_t n = strlen(valid);
	char buf[64];
	for (size_t pos = 0; pos < n; pos++) {
		for (size_t m = 0; m < sizeof mutants / sizeof mutants[0]; m++) {
			if (strlen(mutants[m]) == 1 && mutants[m][0] == valid[pos])
				continue;
			snprintf(buf, sizeof buf, "%.*s%s%s", (int)pos, valid, mutants[m],
				 valid + pos + 1);
			if (check(buf))
				fail_msg("mutant accepted: '%s' from '%s'", buf, valid);
			tried++;
		}
		/* deletion, insertion */
		snprintf(buf, sizeof buf, "%.*s%s", (int)pos, valid, valid + pos + 1);
		if (check(buf))
			fail_msg("deletion accepted: '%s'", buf);
		snprintf(buf, sizeof buf, "%.*s7%s", (int)pos, valid, valid + pos);
		if (check(buf))
			fail_msg("insertion accepted: '%s'", buf);
		tried += 2;
	}
	return tried;
}

static bool chk_uscc(const char *s)
{
	val_result r;
	bool v = validate_uscc(s, &r);
	assert_true(v || r.reason != VAL_OK);
	return v;
}

static bool chk_id(const char *s)
{
	val_result r;
	bool v = validate_resident_id(s, TODAY, &r);
	assert_true(v || r.reason != VAL_OK);
	return v;
}

static void single_mutations_rejected(void **state)
{
	(void)state;
	assert_true(mutate_all("91310115MA1K3BTP2B", chk_uscc) > 700);
	assert_true(mutate_all("91110000600037341L", chk_uscc) > 700);
	assert_true(mutate_all("110102199101010078", chk_id) > 700);
	assert_true(mutate_all("44011320141005001X", chk_id) > 700);
	char s[19];
	for (int i = 0; i < 50; i++) {
		random_uscc(s);
		mutate_all(s, chk_uscc);
		random_id(s);
		mutate_all(s, chk_id);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reason_keys),
		cmocka_unit_test(uscc_domain_values),
		cmocka_unit_test(uscc_case_and_spaces),
		cmocka_unit_test(uscc_empty_and_length),
		cmocka_unit_test(uscc_bad_chars),
		cmocka_unit_test(uscc_wrong_check_reports_expected),
		cmocka_unit_test(uscc_embedded_org_check),
		cmocka_unit_test(orgcode_values),
		cmocka_unit_test(orgcode_errors),
		cmocka_unit_test(id_domain_values),
		cmocka_unit_test(id_length_and_chars),
		cmocka_unit_test(id_dates),
		cmocka_unit_test(mobile_cases),
		cmocka_unit_test(random_valid_codes),
		cmocka_unit_test(single_mutations_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
