/* core/audit/seal: the epoch key evolves one way and deterministically (each
 * step is HMAC-SHA256(k_e, "kiosk-seal-evolve" || e), recomputed here with
 * OpenSSL directly), derive(k0, e) is the key evolved e times, a tag changes
 * with every field and fails under another epoch's key, the verification key
 * text round-trips and refuses what is not one, epochs floor before t0, and
 * the key file is 0600, loads back, and after an advance holds only the new
 * epoch's key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/audit/seal.h"
#include "tests/unit/testutil.h"

static void fill_k0(uint8_t k[SEAL_KEY_LEN])
{
	for (int i = 0; i < SEAL_KEY_LEN; i++)
		k[i] = (uint8_t)(0xa0 + i);
}

static void test_evolve_is_the_hmac_step(void **state)
{
	(void)state;
	uint8_t k[SEAL_KEY_LEN], want[EVP_MAX_MD_SIZE];
	fill_k0(k);
	uint8_t msg[17 + 8] = "kiosk-seal-evolve";
	memset(msg + 17, 0, 8);
	msg[24] = 3; /* e = 3, big-endian */
	unsigned int len = 0;
	HMAC(EVP_sha256(), k, SEAL_KEY_LEN, msg, sizeof msg, want, &len);
	assert_int_equal(len, 32);
	assert_int_equal(seal_evolve(k, 3), 0);
	assert_memory_equal(k, want, SEAL_KEY_LEN);
}

static void test_evolve_deterministic_and_one_way(void **state)
{
	(void)state;
	uint8_t a[SEAL_KEY_LEN], b[SEAL_KEY_LEN], k0[SEAL_KEY_LEN];
	fill_k0(k0);
	memcpy(a, k0, sizeof a);
	memcpy(b, k0, sizeof b);
	for (int e = 0; e < 5; e++) {
		assert_int_equal(seal_evolve(a, e), 0);
		assert_int_equal(seal_evolve(b, e), 0);
		assert_memory_equal(a, b, SEAL_KEY_LEN);
		assert_memory_not_equal(a, k0, SEAL_KEY_LEN);
	}
	/* the step depends on the epoch number too */
	memcpy(a, k0, sizeof a);
	memcpy(b, k0, sizeof b);
	seal_evolve(a, 0);
	seal_evolve(b, 1);
	assert_memory_not_equal(a, b, SEAL_KEY_LEN);
}

static void test_derive_equals_evolved(void **state)
{
	(void)state;
	uint8_t k0[SEAL_KEY_LEN], k[SEAL_KEY_LEN], d[SEAL_KEY_LEN];
	fill_k0(k0);
	memcpy(k, k0, sizeof k);
	for (int64_t e = 0; e < 40; e++) {
		assert_int_equal(seal_derive(k0, e, d), 0);
		assert_memory_equal(d, k, SEAL_KEY_LEN);
		seal_evolve(k, e);
	}
	assert_int_equal(seal_derive(k0, -1, d), -1);
}

static seal_record rec(void)
{
	seal_record r = { .epoch = 7, .first_seq = 10, .last_seq = 19, .row_count = 10,
			  .at_ms = 1709251200000LL, .kiosk_id = "K01" };
	for (int i = 0; i < 32; i++)
		r.head[i] = (uint8_t)i;
	return r;
}

static void test_tag_changes_with_every_field(void **state)
{
	(void)state;
	uint8_t k[SEAL_KEY_LEN], t0[SEAL_TAG_LEN], t[SEAL_TAG_LEN];
	fill_k0(k);
	seal_record r = rec();
	assert_int_equal(seal_tag(k, &r, t0), 0);
	assert_true(seal_tag_check(k, &r, t0));
	for (int field = 0; field < 7; field++) {
		seal_record m = rec();
		switch (field) {
		case 0: m.epoch++; break;
		case 1: m.first_seq++; break;
		case 2: m.last_seq++; break;
		case 3: m.row_count++; break;
		case 4: m.head[31] ^= 1; break;
		case 5: m.at_ms++; break;
		default: m.kiosk_id = "K02"; break;
		}
		assert_int_equal(seal_tag(k, &m, t), 0);
		assert_memory_not_equal(t, t0, SEAL_TAG_LEN);
		assert_false(seal_tag_check(k, &m, t0));
	}
}

static void test_wrong_epoch_key_fails(void **state)
{
	(void)state;
	uint8_t k0[SEAL_KEY_LEN], k7[SEAL_KEY_LEN], k8[SEAL_KEY_LEN], tag[SEAL_TAG_LEN];
	fill_k0(k0);
	seal_derive(k0, 7, k7);
	seal_derive(k0, 8, k8);
	seal_record r = rec();
	/* a record of epoch 7 tagged with the later key of epoch 8 (the
	 * CVE-2023-31439 class): it does not check with epoch 7's key */
	assert_int_equal(seal_tag(k8, &r, tag), 0);
	assert_false(seal_tag_check(k7, &r, tag));
	assert_int_equal(seal_tag(k7, &r, tag), 0);
	assert_true(seal_tag_check(k7, &r, tag));
}

static void test_vkey_round_trip(void **state)
{
	(void)state;
	uint8_t k0[SEAL_KEY_LEN], back[SEAL_KEY_LEN];
	fill_k0(k0);
	seal_params p = { 1709251200000LL, 900000 }, q = { 0, 0 };
	char text[SEAL_VKEY_MAX];
	assert_int_equal(seal_vkey_format(k0, &p, text, sizeof text), 0);
	assert_string_equal(text, "a0a1a2a3-a4a5a6a7-a8a9aaab-acadaeaf-b0b1b2b3-b4b5b6b7-"
				  "b8b9babb-bcbdbebf/1709251200-900");
	assert_true(seal_vkey_parse(text, back, &q));
	assert_memory_equal(back, k0, SEAL_KEY_LEN);
	assert_int_equal(q.t0_ms, p.t0_ms);
	assert_int_equal(q.interval_ms, p.interval_ms);
	/* upper case and no dashes are the same key */
	assert_true(seal_vkey_parse("A0A1A2A3A4A5A6A7A8A9AAABACADAEAFB0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF"
				    "/1709251200-900", back, &q));
	assert_memory_equal(back, k0, SEAL_KEY_LEN);
	const char *bad[] = {
		"", "a0a1/1-1", "a0a1a2a3-a4a5a6a7-a8a9aaab-acadaeaf-b0b1b2b3-b4b5b6b7-b8b9babb-bcbdbebf",
		"a0a1a2a3-a4a5a6a7-a8a9aaab-acadaeaf-b0b1b2b3-b4b5b6b7-b8b9babb-bcbdbebf/1709251200-0",
		"a0a1a2a3-a4a5a6a7-a8a9aaab-acadaeaf-b0b1b2b3-b4b5b6b7-b8b9babb-bcbdbebf/1709251200",
		"a0a1a2a3-a4a5a6a7-a8a9aaab-acadaeaf-b0b1b2b3-b4b5b6b7-b8b9babb-bcbdbebg/1-1",
		"a0a1a2a3-a4a5a6a7-a8a9aaab-acadaeaf-b0b1b2b3-b4b5b6b7-b8b9babb-bcbdbebf00/1-1",
		"a0a1a2a3-a4a5a6a7-a8a9aaab-acadaeaf-b0b1b2b3-b4b5b6b7-b8b9babb-bcbdbebf/1-1x",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(seal_vkey_parse(bad[i], back, &q));
}

static void test_epoch_of_floors(void **state)
{
	(void)state;
	seal_params p = { 1000000, 60000 };
	assert_int_equal(seal_epoch_of(&p, 1000000), 0);
	assert_int_equal(seal_epoch_of(&p, 1059999), 0);
	assert_int_equal(seal_epoch_of(&p, 1060000), 1);
	assert_int_equal(seal_epoch_of(&p, 999999), -1);
	assert_int_equal(seal_epoch_of(&p, 940000), -1);
	assert_int_equal(seal_epoch_of(&p, 939999), -2);
}

static void test_state_file(void **state)
{
	(void)state;
	char dir[256], path[320];
	assert_non_null(tu_mkdtemp(dir, sizeof dir));
	tu_path(path, sizeof path, dir, SEAL_FILE);
	seal_params p = { 1709251200000LL, 300000 };
	uint8_t k0[SEAL_KEY_LEN], again[SEAL_KEY_LEN];
	kerr err = { 0 };
	assert_int_equal(seal_state_create(path, &p, k0, &err), 0);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* never replaced */
	assert_int_equal(seal_state_create(path, &p, again, &err), 1);
	seal_state st;
	assert_int_equal(seal_state_load(path, &st, &err), 0);
	assert_int_equal(st.epoch, 0);
	assert_memory_equal(st.key, k0, SEAL_KEY_LEN);
	assert_int_equal(st.p.t0_ms, p.t0_ms);
	assert_int_equal(st.p.interval_ms, p.interval_ms);
	for (int i = 0; i < 3; i++)
		assert_int_equal(seal_state_advance(path, &st, &err), 0);
	seal_state back;
	assert_int_equal(seal_state_load(path, &back, &err), 0);
	assert_int_equal(back.epoch, 3);
	uint8_t k3[SEAL_KEY_LEN];
	seal_derive(k0, 3, k3);
	assert_memory_equal(back.key, k3, SEAL_KEY_LEN);
	/* the old key is nowhere in the file, and no temporary is left */
	size_t len = 0;
	char *text = tu_read_file(path, &len);
	assert_non_null(text);
	char hex0[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex0 + 2 * i, 3, "%02x", k0[i]);
	assert_null(strstr(text, hex0));
	free(text);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	/* a key others may read is refused */
	chmod(path, 0644);
	assert_int_equal(seal_state_load(path, &back, &err), -1);
	assert_non_null(strstr(err.msg, "chmod 600"));
	tu_rmrf(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evolve_is_the_hmac_step),
		cmocka_unit_test(test_evolve_deterministic_and_one_way),
		cmocka_unit_test(test_derive_equals_evolved),
		cmocka_unit_test(test_tag_changes_with_every_field),
		cmocka_unit_test(test_wrong_epoch_key_fails),
		cmocka_unit_test(test_vkey_round_trip),
		cmocka_unit_test(test_epoch_of_floors),
		cmocka_unit_test(test_state_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
