/* core/iso7816: APDU encoding in every case with the bytes written out by
 * hand from ISO 7816-3/-4 (short, extended, Le 256 and 65536 as 00 / 0000),
 * command chaining, decoding and its malformed inputs, status words mapped to
 * what the clerk sees, BER-TLV with long tags and lengths, FCP and ATR. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/token/iso7816.h"

static size_t hex(const char *h, uint8_t *out, size_t cap)
{
	long n = iso_unhex(h, out, cap);
	assert_true(n >= 0);
	return (size_t)n;
}

static void expect_bytes(const uint8_t *got, size_t n, const char *want_hex)
{
	uint8_t want[600];
	size_t m = hex(want_hex, want, sizeof want);
	char g[1300];
	assert_int_equal(n, m);
	if (memcmp(got, want, n) != 0)
		fail_msg("got %s want %s", iso_hex(got, n, g), want_hex);
}

static void test_encode_short(void **state)
{
	(void)state;
	uint8_t out[300], d[3] = { 1, 2, 3 };
	iso_apdu a = { 0x00, 0x44, 0x04, 0x00, NULL, 0, 0 };
	expect_bytes(out, iso_apdu_encode(&a, false, out, sizeof out), "00440400");
	a = (iso_apdu){ 0x00, 0xCA, 0x01, 0x01, NULL, 0, 256 };
	expect_bytes(out, iso_apdu_encode(&a, false, out, sizeof out), "00CA010100");
	a.ne = 17;
	expect_bytes(out, iso_apdu_encode(&a, false, out, sizeof out), "00CA010111");
	a = (iso_apdu){ 0x00, 0x20, 0x00, 0x81, d, 3, 0 };
	expect_bytes(out, iso_apdu_encode(&a, false, out, sizeof out), "0020008103010203");
	a.ne = 256;
	expect_bytes(out, iso_apdu_encode(&a, true, out, sizeof out), "002000810301020300");
	/* fits short: short even when extended is allowed */
	assert_int_equal(iso_apdu_encode(&a, true, out, sizeof out), 9);
	/* too small a buffer, or data missing */
	assert_int_equal(iso_apdu_encode(&a, false, out, 8), 0);
	a.data = NULL;
	assert_int_equal(iso_apdu_encode(&a, false, out, sizeof out), 0);
}

static void test_encode_extended(void **state)
{
	(void)state;
	static uint8_t out[ISO_APDU_MAX], d[300];
	for (int i = 0; i < 300; i++)
		d[i] = (uint8_t)i;
	iso_apdu a = { 0x00, 0xB0, 0x81, 0x00, NULL, 0, 65536 };
	expect_bytes(out, iso_apdu_encode(&a, true, out, sizeof out), "00B08100000000");
	assert_int_equal(iso_apdu_encode(&a, false, out, sizeof out), 0);
	a.ne = 257;
	expect_bytes(out, iso_apdu_encode(&a, true, out, sizeof out), "00B08100000101");
	a = (iso_apdu){ 0x00, 0xD6, 0x83, 0x00, d, 300, 0 };
	size_t n = iso_apdu_encode(&a, true, out, sizeof out);
	assert_int_equal(n, 4 + 3 + 300);
	expect_bytes(out, 7, "00D68300 00012C");
	assert_memory_equal(out + 7, d, 300);
	assert_int_equal(iso_apdu_encode(&a, false, out, sizeof out), 0);
	a.ne = 65536; /* case 4E: Le after the data, two bytes */
	n = iso_apdu_encode(&a, true, out, sizeof out);
	assert_int_equal(n, 4 + 3 + 300 + 2);
	expect_bytes(out + 307, 2, "0000");
	a.ne = 65537;
	assert_int_equal(iso_apdu_encode(&a, true, out, sizeof out), 0);
	/* short data with a long Le is extended too: Lc on three bytes */
	uint8_t one = 0x5A;
	a = (iso_apdu){ 0x00, 0x88, 0x00, 0x00, &one, 1, 300 };
	expect_bytes(out, iso_apdu_encode(&a, true, out, sizeof out), "00880000 000001 5A 012C");
}

static void test_chaining(void **state)
{
	(void)state;
	uint8_t d[600], out[300];
	memset(d, 0xAB, sizeof d);
	iso_apdu a = { 0x00, 0xD6, 0x83, 0x00, d, 600, 0 };
	assert_int_equal(iso_chain_parts(600, 255), 3);
	assert_int_equal(iso_chain_parts(0, 255), 1);
	assert_int_equal(iso_chain_parts(510, 255), 2);
	assert_int_equal(iso_chain_parts(10, 0), 0);
	assert_int_equal(iso_chain_parts(10, 256), 0);
	size_t n = iso_chain_encode(&a, 0, 255, out, sizeof out);
	assert_int_equal(n, 5 + 255);
	expect_bytes(out, 5, "10D68300FF");
	n = iso_chain_encode(&a, 1, 255, out, sizeof out);
	expect_bytes(out, 5, "10D68300FF");
	n = iso_chain_encode(&a, 2, 255, out, sizeof out);
	assert_int_equal(n, 5 + 90);
	expect_bytes(out, 5, "00D683005A");
	assert_int_equal(iso_chain_encode(&a, 3, 255, out, sizeof out), 0);
	/* the last part carries Le; a long Le cannot be chained */
	a.ne = 256;
	n = iso_chain_encode(&a, 2, 255, out, sizeof out);
	assert_int_equal(n, 5 + 90 + 1);
	assert_int_equal(out[n - 1], 0x00);
	a.ne = 257;
	assert_int_equal(iso_chain_encode(&a, 2, 255, out, sizeof out), 0);
}

static void test_decode(void **state)
{
	(void)state;
	uint8_t b[400];
	iso_apdu a;
	assert_int_equal(iso_apdu_decode(b, hex("00440400", b, sizeof b), &a), 0);
	assert_int_equal(a.ins, 0x44);
	assert_int_equal(a.nc + a.ne, 0);
	assert_int_equal(iso_apdu_decode(b, hex("00CA010100", b, sizeof b), &a), 0);
	assert_int_equal(a.ne, 256);
	assert_int_equal(iso_apdu_decode(b, hex("0020008103010203", b, sizeof b), &a), 0);
	assert_int_equal(a.nc, 3);
	assert_int_equal(a.data[2], 3);
	assert_int_equal(a.ne, 0);
	assert_int_equal(iso_apdu_decode(b, hex("002000810301020310", b, sizeof b), &a), 0);
	assert_int_equal(a.ne, 16);
	assert_int_equal(iso_apdu_decode(b, hex("00B08100000000", b, sizeof b), &a), 0);
	assert_int_equal(a.ne, 65536);
	assert_int_equal(iso_apdu_decode(b, hex("00B08100000010", b, sizeof b), &a), 0);
	assert_int_equal(a.ne, 16);
	assert_int_equal(iso_apdu_decode(b, hex("00880000 000001 5A 012C", b, sizeof b), &a), 0);
	assert_int_equal(a.nc, 1);
	assert_int_equal(a.ne, 300);
	/* malformed: too short, Lc disagreeing with the length, extended Lc 0 */
	assert_int_equal(iso_apdu_decode(b, 3, &a), -1);
	assert_int_equal(iso_apdu_decode(b, hex("00200081100102", b, sizeof b), &a), -1);
	assert_int_equal(iso_apdu_decode(b, hex("0020008100000001", b, sizeof b), &a), -1);
	assert_int_equal(iso_apdu_decode(b, hex("0020008100", b, sizeof b), &a), 0); /* Le 256 */
	assert_int_equal(iso_apdu_decode(b, hex("002000810000", b, sizeof b), &a), -1);
}

static void test_response_and_sw(void **state)
{
	(void)state;
	uint8_t b[8];
	iso_resp r;
	assert_int_equal(iso_resp_parse(b, hex("90", b, sizeof b), &r), -1);
	assert_int_equal(iso_resp_parse(b, hex("0102039000", b, sizeof b), &r), 0);
	assert_int_equal(r.len, 3);
	assert_int_equal(r.sw, 0x9000);
	int tries;
	assert_int_equal(iso_sw_status(0x9000, &tries), TOK_OK);
	assert_int_equal(tries, -1);
	assert_int_equal(iso_sw_status(0x6282, NULL), TOK_OK);
	assert_int_equal(iso_sw_status(0x63C3, &tries), TOK_WRONG_PIN);
	assert_int_equal(tries, 3);
	assert_int_equal(iso_sw_status(0x63C1, &tries), TOK_WRONG_PIN);
	assert_int_equal(tries, 1);
	assert_int_equal(iso_sw_status(0x63C0, &tries), TOK_BLOCKED);
	assert_int_equal(tries, 0);
	assert_int_equal(iso_sw_status(0x6983, &tries), TOK_BLOCKED);
	assert_int_equal(tries, 0);
	assert_int_equal(iso_sw_status(0x6A82, &tries), TOK_NOT_PERSONALISED);
	assert_int_equal(tries, -1);
	assert_int_equal(iso_sw_status(0x6982, NULL), TOK_WRONG_CARD);
	assert_int_equal(iso_sw_status(0x6D00, NULL), TOK_WRONG_CARD);
	assert_int_equal(iso_sw_status(0x6E00, NULL), TOK_WRONG_CARD);
	assert_int_equal(iso_sw_status(0x6A89, NULL), TOK_WRONG_CARD);
	assert_int_equal(iso_sw_status(0x6581, NULL), TOK_IO_ERROR);
	assert_int_equal(iso_sw_status(0x6F00, NULL), TOK_IO_ERROR);
	assert_int_equal(iso_sw_status(0x1234, NULL), TOK_IO_ERROR);
	assert_string_equal(iso_sw_text(0x6A82), "file or application not found");
	assert_string_equal(iso_sw_text(0x1234), "unknown status word");
	assert_non_null(strstr(iso_sw_text(0x63C2), "tries"));
}

static void test_tlv(void **state)
{
	(void)state;
	uint8_t b[400];
	iso_tlv t;
	size_t n = hex("8001AA", b, sizeof b);
	assert_int_equal(iso_tlv_parse(b, n, &t), 0);
	assert_int_equal(t.tag, 0x80);
	assert_int_equal(t.len, 1);
	assert_int_equal(t.total, 3);
	assert_false(t.constructed);
	n = hex("5F2003414243", b, sizeof b);
	assert_int_equal(iso_tlv_parse(b, n, &t), 0);
	assert_int_equal(t.tag, 0x5F20);
	assert_int_equal(t.len, 3);
	n = hex("7F494386410400", b, sizeof b);
	assert_int_equal(iso_tlv_parse(b, n, &t), -1); /* value runs past the end */
	n = hex("DF81010201 02", b, sizeof b);
	assert_int_equal(iso_tlv_parse(b, n, &t), 0);
	assert_int_equal(t.tag, 0xDF8101);
	n = hex("DF8181810101", b, sizeof b);
	assert_int_equal(iso_tlv_parse(b, n, &t), -1); /* a fourth tag byte */
	n = hex("308001", b, sizeof b);
	assert_int_equal(iso_tlv_parse(b, n, &t), -1); /* indefinite length */
	n = hex("53840000000100", b, sizeof b);
	assert_int_equal(iso_tlv_parse(b, n, &t), -1); /* four length bytes */
	memset(b, 0, sizeof b);
	b[0] = 0x53;
	b[1] = 0x82;
	b[2] = 0x01;
	b[3] = 0x00;
	assert_int_equal(iso_tlv_parse(b, 4 + 256, &t), 0);
	assert_int_equal(t.len, 256);
	assert_int_equal(iso_tlv_parse(b, 4 + 255, &t), -1);
	b[1] = 0x81;
	b[2] = 0x80;
	assert_int_equal(iso_tlv_parse(b, 3 + 128, &t), 0);
	assert_int_equal(t.len, 128);

	/* walking with padding; find at one level */
	n = hex("00 8001AA FF A1 03 8101BB 00 8201CC", b, sizeof b);
	size_t pos = 0;
	int k = 0;
	while (iso_tlv_next(b, n, &pos, &t) == 1)
		k++;
	assert_int_equal(k, 3);
	assert_int_equal(pos, n);
	assert_int_equal(iso_tlv_find(b, n, 0x82, &t), 1);
	assert_int_equal(t.value[0], 0xCC);
	assert_int_equal(iso_tlv_find(b, n, 0x81, &t), 0); /* nested, not at this level */
	assert_int_equal(iso_tlv_find(b, n, 0xA1, &t), 1);
	assert_true(t.constructed);
	assert_int_equal(iso_tlv_find(t.value, t.len, 0x81, &t), 1);
	n = hex("8001AA 8205", b, sizeof b);
	assert_int_equal(iso_tlv_find(b, n, 0x82, &t), -1);
}

static void test_buf(void **state)
{
	(void)state;
	uint8_t out[8], big[300];
	iso_buf b;
	iso_buf_init(&b, out, sizeof out);
	iso_buf_tlv(&b, 0x80, "AB", 2);
	iso_buf_tlv(&b, 0x5F20, "C", 1);
	assert_false(b.overflow);
	expect_bytes(out, b.len, "800241425F200143");
	iso_buf_tlv(&b, 0x81, "X", 1);
	assert_true(b.overflow);
	assert_int_equal(b.len, 8);
	uint8_t store[400];
	memset(big, 7, sizeof big);
	iso_buf_init(&b, store, sizeof store);
	iso_buf_tlv(&b, 0x7F49, big, 200);
	expect_bytes(store, 5, "7F4981C8 07");
	iso_buf_init(&b, store, sizeof store);
	iso_buf_tlv(&b, 0x53, big, 300);
	expect_bytes(store, 5, "5382012C07");
}

static void test_fcp(void **state)
{
	(void)state;
	uint8_t b[64];
	iso_fcp f;
	size_t n = hex("6215 820138 83025343 8409F0534343414B455901 8A0105", b, sizeof b);
	assert_int_equal(iso_fcp_parse(b, n, &f), 0);
	assert_true(f.is_df);
	assert_int_equal(f.fid, 0x5343);
	assert_int_equal(f.df_name_len, 9);
	assert_int_equal(f.df_name[0], 0xF0);
	assert_true(f.has_lcs);
	assert_true(iso_lcs_operational(f.lcs));
	n = hex("6211 80020280 820101 83025101 880108 8A0103", b, sizeof b);
	assert_int_equal(iso_fcp_parse(b, n, &f), 0);
	assert_false(f.is_df);
	assert_int_equal(f.size, 640);
	assert_true(f.has_sfi);
	assert_int_equal(f.sfi, 1);
	assert_false(iso_lcs_operational(f.lcs));
	/* 81 only when 80 is absent */
	n = hex("6208 81020300 80020100", b, sizeof b);
	assert_int_equal(iso_fcp_parse(b, n, &f), 0);
	assert_int_equal(f.size, 256);
	/* not an FCP, bad field lengths, a name too long */
	n = hex("6F03820138", b, sizeof b);
	assert_int_equal(iso_fcp_parse(b, n, &f), -1);
	n = hex("6205 8303510100", b, sizeof b);
	assert_int_equal(iso_fcp_parse(b, n, &f), -1);
	n = hex("6213 8411 0102030405060708090A0B0C0D0E0F1011", b, sizeof b);
	assert_int_equal(iso_fcp_parse(b, n, &f), -1);
	n = hex("6203 8A0205", b, sizeof b);
	assert_int_equal(iso_fcp_parse(b, n, &f), -1);
}

static void test_atr(void **state)
{
	(void)state;
	uint8_t b[40];
	iso_atr a;
	size_t n = hex("3B8580018073A001C096", b, sizeof b);
	assert_int_equal(iso_atr_parse(b, n, &a), 0);
	assert_true(a.t1);
	assert_int_equal(a.hist_len, 5);
	assert_true(a.has_caps);
	assert_true(a.ext_len);
	assert_true(a.chaining);
	n = hex("3B8580018073A0018056", b, sizeof b);
	assert_int_equal(iso_atr_parse(b, n, &a), 0);
	assert_false(a.ext_len);
	assert_true(a.chaining);
	/* T=0 only, no TCK, historical bytes without capabilities */
	n = hex("3B021401", b, sizeof b);
	assert_int_equal(iso_atr_parse(b, n, &a), 0);
	assert_false(a.t1);
	assert_false(a.has_caps);
	/* TCK missing, historical bytes cut short, not an ATR */
	n = hex("3B8580018073A001C0", b, sizeof b);
	assert_int_equal(iso_atr_parse(b, n, &a), -1);
	n = hex("3B85800180", b, sizeof b);
	assert_int_equal(iso_atr_parse(b, n, &a), -1);
	n = hex("00021401", b, sizeof b);
	assert_int_equal(iso_atr_parse(b, n, &a), -1);
}

static void test_hex(void **state)
{
	(void)state;
	uint8_t b[4];
	char s[9];
	assert_int_equal(iso_unhex("00 a4:0F", b, sizeof b), 3);
	assert_string_equal(iso_hex(b, 3, s), "00A40F");
	assert_int_equal(iso_unhex("0", b, sizeof b), -1);
	assert_int_equal(iso_unhex("0g", b, sizeof b), -1);
	assert_int_equal(iso_unhex("0102030405", b, sizeof b), -1);
	assert_int_equal(iso_unhex("", b, sizeof b), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_short),  cmocka_unit_test(test_encode_extended),
		cmocka_unit_test(test_chaining),      cmocka_unit_test(test_decode),
		cmocka_unit_test(test_response_and_sw), cmocka_unit_test(test_tlv),
		cmocka_unit_test(test_buf),           cmocka_unit_test(test_fcp),
		cmocka_unit_test(test_atr),           cmocka_unit_test(test_hex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
