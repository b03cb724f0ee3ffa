/* core/token_profile: the info record round trip (Chinese unit name, with and
 * without a seal), its commit checksum against every torn prefix and a new
 * prefix over an old record, the choice between the two copies, fields the
 * encoder refuses; the key status object; PIN blocks; the admin PIN against
 * values computed with the openssl command line; dates on the card. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/token/iso7816.h"
#include "core/base/civil.h"
#include "core/token/token_profile.h"

static tp_record sample(void)
{
	tp_record r = { 0 };
	r.seq = 7;
	strcpy(r.serial, "SC-TEST-0001");
	strcpy(r.unit_name, "四川测试科技有限公司（成都）");
	strcpy(r.uscc, "91310115MA1K3BTP2B");
	strcpy(r.cert_serial, "36F02BC091C2A73630EE8BF1173BCA5C");
	r.not_before = civil_from_ymd(2025, 1, 1);
	r.not_after = civil_from_ymd(2026, 12, 31);
	r.seal_not_after = -1;
	r.cert_slot = 2;
	r.cert_len = 549;
	for (int i = 0; i < 32; i++)
		r.cert_hash[i] = (uint8_t)(i * 7);
	return r;
}

static void same_record(const tp_record *a, const tp_record *b)
{
	assert_int_equal(a->seq, b->seq);
	assert_string_equal(a->serial, b->serial);
	assert_string_equal(a->unit_name, b->unit_name);
	assert_string_equal(a->uscc, b->uscc);
	assert_string_equal(a->cert_serial, b->cert_serial);
	assert_int_equal(a->not_before, b->not_before);
	assert_int_equal(a->not_after, b->not_after);
	assert_int_equal(a->seal_not_after, b->seal_not_after);
	assert_int_equal(a->cert_slot, b->cert_slot);
	assert_int_equal(a->cert_len, b->cert_len);
	assert_memory_equal(a->cert_hash, b->cert_hash, 32);
}

static void test_record_round_trip(void **state)
{
	(void)state;
	tp_record r = sample(), back;
	uint8_t buf[TP_INFO_SIZE];
	memset(buf, 0xEE, sizeof buf);
	size_t n = tp_record_encode(&r, buf, sizeof buf);
	assert_true(n > 0 && n <= TP_RECORD_MAX);
	assert_int_equal(buf[0], 0xE1);
	/* the rest of the EF (old bytes) does not matter */
	assert_int_equal(tp_record_decode(buf, sizeof buf, &back), 0);
	same_record(&r, &back);
	r.seal_not_after = civil_from_ymd(2026, 12, 31);
	n = tp_record_encode(&r, buf, sizeof buf);
	assert_int_equal(tp_record_decode(buf, n, &back), 0);
	same_record(&r, &back);
	token_info ti;
	token_info_clear(&ti);
	tp_record_to_info(&back, &ti);
	assert_string_equal(ti.unit_name, r.unit_name);
	assert_int_equal(ti.seal_not_after, r.seal_not_after);
	/* the largest record fits the EF */
	memset(r.unit_name, 'A', TOKEN_UNIT_MAX);
	r.unit_name[TOKEN_UNIT_MAX] = '\0';
	memset(r.cert_serial, 'F', TOKEN_CERT_SERIAL_MAX);
	r.cert_serial[TOKEN_CERT_SERIAL_MAX] = '\0';
	memset(r.serial, 'S', TOKEN_SERIAL_MAX);
	r.serial[TOKEN_SERIAL_MAX] = '\0';
	n = tp_record_encode(&r, buf, sizeof buf);
	assert_true(n > 0 && n <= TP_RECORD_MAX && n <= TP_INFO_SIZE);
	assert_int_equal(tp_record_decode(buf, n, &back), 0);
	same_record(&r, &back);
}

static void test_record_torn(void **state)
{
	(void)state;
	tp_record r = sample(), back;
	uint8_t buf[TP_INFO_SIZE], torn[TP_INFO_SIZE];
	size_t n = tp_record_encode(&r, buf, sizeof buf);
	/* every prefix of the new record over an empty EF reads as no record */
	for (size_t k = 0; k < n; k++) {
		memset(torn, 0, sizeof torn);
		memcpy(torn, buf, k);
		assert_int_equal(tp_record_decode(torn, sizeof torn, &back), -1);
		assert_int_equal(back.seq, 0);
	}
	/* a new record torn over an older one: the older one's tail does not make
	 * it valid, whatever the point of the tear */
	tp_record old = sample();
	old.seq = 6;
	strcpy(old.unit_name, "旧名称有限公司");
	uint8_t obuf[TP_INFO_SIZE];
	memset(obuf, 0, sizeof obuf);
	size_t on = tp_record_encode(&old, obuf, sizeof obuf);
	assert_true(on > 0);
	for (size_t k = 1; k < n; k++) {
		memcpy(torn, obuf, sizeof torn);
		memcpy(torn, buf, k);
		int rc = tp_record_decode(torn, sizeof torn, &back);
		if (rc == 0) /* only possible when nothing differed after k */
			same_record(&back, k >= n ? &r : &old);
	}
	/* one flipped bit anywhere */
	for (size_t k = 0; k < n; k++) {
		memcpy(torn, buf, n);
		torn[k] ^= 0x01;
		assert_int_equal(tp_record_decode(torn, n, &back), -1);
	}
	assert_int_equal(tp_record_decode(NULL, 0, &back), -1);
}

static void test_record_pick(void **state)
{
	(void)state;
	tp_record a = sample(), b = sample();
	a.seq = 3;
	b.seq = 4;
	assert_int_equal(tp_record_pick(&a, true, &b, true), 2);
	assert_int_equal(tp_record_pick(&a, true, &b, false), 1);
	assert_int_equal(tp_record_pick(&a, false, &b, true), 2);
	assert_int_equal(tp_record_pick(&a, false, &b, false), 0);
	b.seq = 3; /* equal: A (never written that way, but deterministic) */
	assert_int_equal(tp_record_pick(&a, true, &b, true), 1);
}

static void test_record_refused(void **state)
{
	(void)state;
	uint8_t buf[TP_INFO_SIZE];
	tp_record r = sample();
	strcpy(r.uscc, "91310115MA1K3BTP2C"); /* wrong check character */
	assert_int_equal(tp_record_encode(&r, buf, sizeof buf), 0);
	r = sample();
	r.cert_slot = 3;
	assert_int_equal(tp_record_encode(&r, buf, sizeof buf), 0);
	r = sample();
	r.cert_len = 0;
	assert_int_equal(tp_record_encode(&r, buf, sizeof buf), 0);
	r.cert_len = TP_CERT_SIZE + 1;
	assert_int_equal(tp_record_encode(&r, buf, sizeof buf), 0);
	r = sample();
	r.not_after = r.not_before - 1;
	assert_int_equal(tp_record_encode(&r, buf, sizeof buf), 0);
	r = sample();
	strcpy(r.unit_name, "\xff\xfe");
	assert_int_equal(tp_record_encode(&r, buf, sizeof buf), 0);
	r = sample();
	strcpy(r.cert_serial, "XYZ");
	assert_int_equal(tp_record_encode(&r, buf, sizeof buf), 0);
	r = sample();
	assert_int_equal(tp_record_encode(&r, buf, 40), 0); /* no room */
}

static void test_status(void **state)
{
	(void)state;
	tp_status s = { .lcs = 5, .user_max = 6, .user_left = 2, .admin_max = 10,
			.admin_left = 10, .has_key = true }, back;
	strcpy(s.serial, "SC-TEST-0001");
	uint8_t buf[128];
	size_t n = tp_status_encode(&s, buf, sizeof buf);
	assert_true(n > 0);
	assert_int_equal(tp_status_decode(buf, n, &back), 0);
	assert_string_equal(back.serial, "SC-TEST-0001");
	assert_int_equal(back.lcs, 5);
	assert_int_equal(back.user_left, 2);
	assert_int_equal(back.admin_max, 10);
	assert_true(back.has_key);
	/* a blank key: no counters */
	tp_status blank = { .lcs = 0, .user_max = -1, .user_left = -1, .admin_max = -1,
			    .admin_left = -1 };
	strcpy(blank.serial, "B1");
	n = tp_status_encode(&blank, buf, sizeof buf);
	assert_int_equal(tp_status_decode(buf, n, &back), 0);
	assert_int_equal(back.user_max, -1);
	assert_false(back.has_key);
	/* refused: a serial the kiosk cannot use, more tries left than allowed */
	uint8_t bad[64];
	n = (size_t)iso_unhex("E00A 8003 41 20 42 810100 840100", bad, sizeof bad);
	assert_int_equal(tp_status_decode(bad, n, &back), -1);
	n = (size_t)iso_unhex("E00C 80024231 810105 82020307", bad, sizeof bad);
	assert_int_equal(tp_status_decode(bad, n, &back), -1);
	n = (size_t)iso_unhex("E1038001 41", bad, sizeof bad);
	assert_int_equal(tp_status_decode(bad, n, &back), -1);
}

static void test_pins(void **state)
{
	(void)state;
	uint8_t b[TP_PIN_BLOCK];
	assert_true(tp_pin_block("12345678", b));
	assert_memory_equal(b, "12345678", 8);
	for (int i = 8; i < TP_PIN_BLOCK; i++)
		assert_int_equal(b[i], 0xFF);
	assert_true(tp_pin_block("abcdefghijklmnop", b));
	assert_false(tp_pin_block("abcdefghijklmnopq", b));
	assert_false(tp_pin_block(NULL, b));

	/* HMAC-SHA256(00..1F, serial), first 16 bytes, as the openssl command line
	 * computes it: printf SERIAL | openssl dgst -sha256 -mac HMAC -macopt hexkey:00..1f */
	uint8_t master[32], pin[TP_ADMIN_LEN], want[TP_ADMIN_LEN];
	for (int i = 0; i < 32; i++)
		master[i] = (uint8_t)i;
	assert_int_equal(tp_admin_pin(master, sizeof master, "SC-TEST-0001", pin), 0);
	iso_unhex("ac0acddbd3b04c96ef68570bc9a38a4c", want, sizeof want);
	assert_memory_equal(pin, want, TP_ADMIN_LEN);
	assert_int_equal(tp_admin_pin(master, sizeof master, "SC-TEST-0002", pin), 0);
	iso_unhex("98c5223169af01299971b8926a63d30f", want, sizeof want);
	assert_memory_equal(pin, want, TP_ADMIN_LEN);
	assert_int_equal(tp_admin_pin(master, sizeof master, "bad serial", pin), -1);
	assert_int_equal(tp_admin_pin(master, 0, "SC-TEST-0001", pin), -1);
}

/* The PIV application's secrets: labelled HMACs of the key serial, checked
 * against the openssl command line (printf piv-mgm:SERIAL | openssl dgst
 * -sha256 -mac HMAC -macopt hexkey:00..1f), distinct from the admin PIN. */
static void test_piv_secrets(void **state)
{
	(void)state;
	uint8_t master[32], mgm[TP_PIV_MGM_LEN], want[TP_PIV_MGM_LEN], admin[TP_ADMIN_LEN];
	char puk[9];
	for (int i = 0; i < 32; i++)
		master[i] = (uint8_t)i;
	assert_int_equal(tp_piv_mgm_key(master, sizeof master, "SC-TEST-0001", mgm), 0);
	iso_unhex("9870b8316909f5aac468b9b3f5015cb8c3a63c552ee340da", want, sizeof want);
	assert_memory_equal(mgm, want, TP_PIV_MGM_LEN);
	assert_int_equal(tp_admin_pin(master, sizeof master, "SC-TEST-0001", admin), 0);
	assert_memory_not_equal(mgm, admin, TP_ADMIN_LEN);
	/* the first 8 bytes of the HMAC, big-endian, modulo 10^8 */
	assert_int_equal(tp_piv_puk(master, sizeof master, "SC-TEST-0001", puk), 0);
	assert_string_equal(puk, "35286365");
	assert_int_equal(tp_piv_mgm_key(master, sizeof master, "bad serial", mgm), -1);
	assert_int_equal(tp_piv_puk(master, 0, "SC-TEST-0001", puk), -1);

	uint8_t b[TP_PIV_PIN_BLOCK];
	assert_true(tp_piv_pin_block("12345678", b));
	assert_memory_equal(b, "12345678", 8);
	assert_true(tp_piv_pin_block("123456", b));
	assert_int_equal(b[6], 0xFF);
	assert_int_equal(b[7], 0xFF);
	assert_false(tp_piv_pin_block("12345", b));
	assert_false(tp_piv_pin_block("123456789", b));
	assert_false(tp_piv_pin_block("1234567a", b));
	assert_false(tp_piv_pin_block(NULL, b));
}

static void test_dates(void **state)
{
	(void)state;
	char d[8];
	long day;
	assert_true(tp_date_encode(civil_from_ymd(2028, 2, 29), d));
	assert_memory_equal(d, "20280229", 8);
	assert_true(tp_date_decode((const uint8_t *)"20280229", 8, &day));
	assert_int_equal(day, civil_from_ymd(2028, 2, 29));
	assert_false(tp_date_decode((const uint8_t *)"20270229", 8, &day));
	assert_false(tp_date_decode((const uint8_t *)"2027022", 7, &day));
	assert_false(tp_date_decode((const uint8_t *)"2027-2-1", 8, &day));
	assert_false(tp_date_encode(-1, d));
	assert_int_equal(memcmp(tp_aid, "\xF0SCCAKEY\x01", TP_AID_LEN), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_round_trip), cmocka_unit_test(test_record_torn),
		cmocka_unit_test(test_record_pick),       cmocka_unit_test(test_record_refused),
		cmocka_unit_test(test_status),            cmocka_unit_test(test_pins),
		cmocka_unit_test(test_dates),             cmocka_unit_test(test_piv_secrets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
