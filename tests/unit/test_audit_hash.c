/* Audit row hashing: the canonical encoding spelled out byte by byte here and
 * hashed with a one-shot EVP call, plus the same digests computed outside C
 * (Python hashlib) as constants, so the module and the test cannot share a
 * mistake; every field changes the hash; NULL equals ""; length prefixes keep
 * field boundaries; the reused context carries nothing between rows; no
 * allocation of our own per row; hex round trip and bad hex. And the action
 * words (core/audit/actions.h), pinned: they are inside every stored hash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "core/audit/actions.h"
#include "core/audit/audit.h"

#define DETAIL "{\"service\":\"renew\",\"unit\":\"四川测试有限公司\"}"

static audit_row fixed_row(void)
{
	audit_row r = { 42, 1763702400123LL, "clerk07", "case.open", "SC20261121-0042", DETAIL, { 0 } };
	for (int i = 0; i < AUDIT_HASH_LEN; i++)
		r.prev[i] = (uint8_t)i;
	return r;
}

/* canonical(fixed_row()), written out: big-endian seq and at_ms, then each
 * string as a 4-byte big-endian byte count and its UTF-8 bytes, then prev. */
static const char fixed_encoding[] =
	"\0\0\0\0\0\0\0\x2a"             /* seq 42 */
	"\0\0\x01\x9a\xa4\xda\xe4\x7b"   /* at_ms 1763702400123 = 0x19AA4DAE47B */
	"\0\0\0\x07" "clerk07"
	"\0\0\0\x09" "case.open"
	"\0\0\0\x0f" "SC20261121-0042"
	"\0\0\0\x35" DETAIL              /* 53 bytes: 12 CJK characters are 36 */
	"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
	"\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f";

/* sha256 of the encodings, from Python's hashlib */
#define FIXED_SHA256 "86c2bd06a85d45c1535892b7f7f1ac4bfa4d11545de19b900605e5a53f9d8025"
/* seq 1, at_ms -1, "system", "genesis", "", "kiosk=SC-CD-01", zero prev */
#define GENESIS_SHA256 "a05c9f798476a48414e2cf73b1a245e527f0e5d97d7f206da036c1a6a51e0b4c"
/* seq 1, at_ms 0, all strings NULL/empty, zero prev */
#define EMPTY_SHA256 "27b0f56c18180d06a1ea825a813e7ee7f68909ab503b66ed1d30fe35de3ed5fb"

static audit_hasher *H;

static int setup(void **state)
{
	(void)state;
	H = audit_hasher_new();
	return H ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	audit_hasher_free(H);
	return 0;
}

static void hash_hex(const audit_row *r, char hex[65])
{
	uint8_t h[AUDIT_HASH_LEN];
	assert_int_equal(audit_hash(H, r, h), 0);
	audit_hex(h, hex);
}

static void fixed_row_independent(void **state)
{
	(void)state;
	assert_int_equal(sizeof fixed_encoding - 1, 148);
	uint8_t want[EVP_MAX_MD_SIZE];
	size_t want_len = 0;
	assert_int_equal(EVP_Q_digest(NULL, "SHA256", NULL, fixed_encoding, sizeof fixed_encoding - 1,
				      want, &want_len), 1);
	assert_int_equal(want_len, AUDIT_HASH_LEN);

	audit_row r = fixed_row();
	uint8_t got[AUDIT_HASH_LEN];
	assert_int_equal(audit_hash(H, &r, got), 0);
	assert_memory_equal(got, want, AUDIT_HASH_LEN);
	char hex[65];
	assert_string_equal(audit_hex(got, hex), FIXED_SHA256);
}

static void genesis_and_empty(void **state)
{
	(void)state;
	char hex[65];
	audit_row g = { 1, -1, "system", "genesis", "", "kiosk=SC-CD-01", { 0 } };
	hash_hex(&g, hex);
	assert_string_equal(hex, GENESIS_SHA256);

	audit_row e = { 1, 0, NULL, NULL, NULL, NULL, { 0 } };
	hash_hex(&e, hex);
	assert_string_equal(hex, EMPTY_SHA256);
	audit_row e2 = { 1, 0, "", "", "", "", { 0 } };
	hash_hex(&e2, hex);
	assert_string_equal(hex, EMPTY_SHA256);
}

static void every_field_counts(void **state)
{
	(void)state;
	audit_row base = fixed_row();
	char h0[65], h[65];
	hash_hex(&base, h0);

	audit_row r;
#define CHANGED(stmt)                                                          \
	do {                                                                   \
		r = base;                                                      \
		stmt;                                                          \
		hash_hex(&r, h);                                               \
		if (strcmp(h, h0) == 0)                                        \
			fail_msg("hash unchanged after: %s", #stmt);          \
	} while (0)
	CHANGED(r.seq = 43);
	CHANGED(r.seq = 42 + ((int64_t)1 << 40)); /* high bytes count too */
	CHANGED(r.seq = -42);
	CHANGED(r.at_ms = 1763702400124LL);
	CHANGED(r.at_ms = 1763702400123LL + ((int64_t)1 << 56));
	CHANGED(r.actor = "clerk08");
	CHANGED(r.actor = "clerk07 ");
	CHANGED(r.actor = "");
	CHANGED(r.action = "case.close");
	CHANGED(r.action = NULL);
	CHANGED(r.case_no = "SC20261121-0043");
	CHANGED(r.case_no = "");
	CHANGED(r.detail = "{\"service\":\"renew\",\"unit\":\"四川测试有限公同\"}");
	CHANGED(r.detail = DETAIL " ");
	for (int i = 0; i < AUDIT_HASH_LEN; i++)
		for (int bit = 0; bit < 8; bit++)
			CHANGED(r.prev[i] ^= (uint8_t)(1u << bit));
#undef CHANGED
	/* and nothing else: the same row again gives the same hash */
	r = base;
	hash_hex(&r, h);
	assert_string_equal(h, h0);
}

/* Without length prefixes these would all encode alike. */
static void field_boundaries(void **state)
{
	(void)state;
	audit_row a = { 7, 7, "ab", "c", "", "", { 0 } };
	audit_row b = { 7, 7, "a", "bc", "", "", { 0 } };
	audit_row c = { 7, 7, "", "abc", "", "", { 0 } };
	audit_row d = { 7, 7, "", "", "abc", "", { 0 } };
	audit_row e = { 7, 7, "", "", "", "abc", { 0 } };
	audit_row *rows[] = { &a, &b, &c, &d, &e };
	char hex[5][65];
	for (int i = 0; i < 5; i++)
		hash_hex(rows[i], hex[i]);
	for (int i = 0; i < 5; i++)
		for (int j = i + 1; j < 5; j++)
			assert_string_not_equal(hex[i], hex[j]);
}

/* The context is reused: hashing other rows in between changes nothing, and
 * a fresh hasher agrees with a well-used one. */
static void reuse_carries_nothing(void **state)
{
	(void)state;
	audit_row r = fixed_row();
	char first[65], again[65], other[65];
	hash_hex(&r, first);
	audit_row noise = { 9, 9, "x", "y", "z", "w", { 0xff } };
	for (int i = 0; i < 100; i++)
		hash_hex(&noise, other);
	hash_hex(&r, again);
	assert_string_equal(first, again);

	audit_hasher *h2 = audit_hasher_new();
	assert_non_null(h2);
	uint8_t out[AUDIT_HASH_LEN];
	assert_int_equal(audit_hash(h2, &r, out), 0);
	assert_string_equal(audit_hex(out, again), first);
	audit_hasher_free(h2);
	audit_hasher_free(NULL);

	assert_int_equal(audit_hash(NULL, &r, out), -1);
	assert_int_equal(audit_hash(H, NULL, out), -1);
}

/* A small chain: each row's prev is the previous hash; altering an early row
 * changes every later hash. */
static void chain_propagates(void **state)
{
	(void)state;
	enum { N = 50 };
	uint8_t h1[N][AUDIT_HASH_LEN], h2[N][AUDIT_HASH_LEN];
	for (int pass = 0; pass < 2; pass++) {
		uint8_t(*h)[AUDIT_HASH_LEN] = pass ? h2 : h1;
		uint8_t prev[AUDIT_HASH_LEN] = { 0 };
		for (int i = 0; i < N; i++) {
			audit_row r = { i + 1, 1763702400000LL + i, "clerk07", "case.step",
					"SC20261121-0001", pass && i == 10 ? "amount=5001" : "amount=5000",
					{ 0 } };
			memcpy(r.prev, prev, sizeof prev);
			assert_int_equal(audit_hash(H, &r, h[i]), 0);
			memcpy(prev, h[i], sizeof prev);
		}
	}
	for (int i = 0; i < N; i++) {
		if (i < 10)
			assert_memory_equal(h1[i], h2[i], AUDIT_HASH_LEN);
		else
			assert_memory_not_equal(h1[i], h2[i], AUDIT_HASH_LEN);
	}
}

static void hex_round_trip(void **state)
{
	(void)state;
	uint8_t h[AUDIT_HASH_LEN], back[AUDIT_HASH_LEN];
	for (int i = 0; i < AUDIT_HASH_LEN; i++)
		h[i] = (uint8_t)(i * 37 + 11);
	char hex[65];
	assert_ptr_equal(audit_hex(h, hex), hex);
	assert_string_equal(hex, "0b30557a9fc4e90e33587da2c7ec1136"
				 "5b80a5caef14395e83a8cdf2173c6186");
	assert_true(audit_unhex(hex, back));
	assert_memory_equal(h, back, AUDIT_HASH_LEN);
	/* upper case is read too */
	memset(back, 0, sizeof back);
	assert_true(audit_unhex("0B30557A9FC4E90E33587DA2C7EC1136"
				"5B80A5CAEF14395E83A8CDF2173C6186", back));
	assert_memory_equal(h, back, AUDIT_HASH_LEN);
	/* every byte value survives */
	for (int v = 0; v < 256; v++) {
		memset(h, v, sizeof h);
		assert_true(audit_unhex(audit_hex(h, hex), back));
		assert_memory_equal(h, back, AUDIT_HASH_LEN);
	}
}

static void bad_hex_rejected(void **state)
{
	(void)state;
	char good[65];
	uint8_t h[AUDIT_HASH_LEN] = { 1, 2, 3 };
	audit_hex(h, good);
	const uint8_t sentinel = 0xA5;
	uint8_t out[AUDIT_HASH_LEN];
	char buf[80];

	const char *bad[] = { "", "0", "zz", "86c2bd06a85d45c1535892b7f7f1ac4bfa4d11545de19b900605e5a53f9d802" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(out, sentinel, sizeof out);
		assert_false(audit_unhex(bad[i], out));
	}
	assert_false(audit_unhex(NULL, out));
	/* one bad character at every position: rejected, out untouched */
	const char subst[] = { 'g', 'G', ' ', 'x', '-', '\n' };
	for (int pos = 0; pos < 64; pos++) {
		for (size_t k = 0; k < sizeof subst; k++) {
			strcpy(buf, good);
			buf[pos] = subst[k];
			memset(out, sentinel, sizeof out);
			assert_false(audit_unhex(buf, out));
			for (int i = 0; i < AUDIT_HASH_LEN; i++)
				assert_int_equal(out[i], sentinel);
		}
		/* truncated at every length */
		strcpy(buf, good);
		buf[pos] = '\0';
		assert_false(audit_unhex(buf, out));
	}
	/* 65 and 66 digits, trailing space, leading space */
	snprintf(buf, sizeof buf, "%s0", good);
	assert_false(audit_unhex(buf, out));
	snprintf(buf, sizeof buf, "%s00", good);
	assert_false(audit_unhex(buf, out));
	snprintf(buf, sizeof buf, "%s ", good);
	assert_false(audit_unhex(buf, out));
	snprintf(buf, sizeof buf, " %s", good);
	assert_false(audit_unhex(buf, out));
	assert_true(audit_unhex(good, out));
	assert_memory_equal(out, h, AUDIT_HASH_LEN);
}

/* ---- allocation count ------------------------------------------------ */

static long n_allocs;
static void *count_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	n_allocs++;
	return malloc(n);
}
static void *count_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	n_allocs++;
	return realloc(p, n);
}
static void count_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}
static bool counting;

/* The hot loop must not allocate on our side (no context, fetch or buffer per
 * row). OpenSSL 3.0 itself re-creates the provider's digest state on every
 * EVP_DigestInit (one allocation, see evp_md_init_internal); later releases
 * keep it. So: at most one allocation per row, from OpenSSL. */
static void no_allocation_per_row(void **state)
{
	(void)state;
	if (!counting)
		skip();
	audit_row r = fixed_row();
	uint8_t out[AUDIT_HASH_LEN];
	assert_int_equal(audit_hash(H, &r, out), 0); /* warm */
	long before = n_allocs;
	enum { ROWS = 10000 };
	for (int i = 0; i < ROWS; i++) {
		r.seq = i;
		assert_int_equal(audit_hash(H, &r, out), 0);
	}
	long per_row_x100 = (n_allocs - before) * 100 / ROWS;
	print_message("allocations per row: %ld.%02ld\n", per_row_x100 / 100, per_row_x100 % 100);
	assert_true(n_allocs - before <= ROWS);
}

/* Every action's word, in the table's order, as rows already stored spell
 * them: a change here is a change of stored data, never a rename. */
static void action_words_pinned(void **state)
{
	(void)state;
	static const char *const words[] = {
		"genesis", "schema.migrate", "staff.add", "staff.login", "staff.login_failed",
		"staff.locked", "staff.logout", "staff.lock", "staff.unlock", "staff.takeover",
		"staff.add_first", "staff.unlock_by", "staff.reset_pin", "staff.disable", "staff.role",
		"case.open", "case.resume", "case.cancel", "case.correct", "payment.create", "payment.update",
		"payment.qr", "refund.approve", "refund.state", "token.seal", "token.bind",
		"token.pin_reset", "token.issued", "day.close", "training.start",
		"training.result", "ledger.bind", "ledger.seal", "seal.init", "payment.duplicate",
		"pay.reconcile", "pay.diff", "pay.resolve", "case.reprint", "refund.duplicate",
		"case.supplement", "case.rating", "rating.resolve", "ca.hall_revoked",
		"case.details", "case.materials", "case.decision", "case.approval", "case.token",
		"case.payment", "case.slip",
		"token.registered", "token.adopted", "token.personalised", "token.enrolled",
		"token.renewed", "token.reenrolled", "token.on_hold", "token.released",
		"token.lost", "token.broken", "token.revoked", "token.erased", "token.cancelled",
	};
	assert_int_equal(sizeof words / sizeof *words, AUD_COUNT);
	for (int a = 0; a < AUD_COUNT; a++) {
		assert_string_equal(audit_action_name((audit_action)a), words[a]);
		assert_int_equal(audit_action_from_name(words[a]), a); /* and each word once */
	}
	assert_string_equal(audit_action_name(AUD_COUNT), "?");
	assert_string_equal(audit_action_name((audit_action)-1), "?");
	assert_int_equal(audit_action_from_name("test.row"), -1);
	assert_int_equal(audit_action_from_name(""), -1);
	assert_int_equal(audit_action_from_name(NULL), -1);
	/* the generated families follow their own tables */
	char want[64];
	for (int s = 0; s < STEP_COUNT; s++) {
		snprintf(want, sizeof want, "case.%s", case_step_name((case_step)s));
		assert_string_equal(audit_action_name(audit_action_of_step((case_step)s)), want);
	}
	for (int r = 0; r < TR_COUNT; r++) {
		snprintf(want, sizeof want, "token.%s", token_reason_name((token_reason)r));
		assert_string_equal(audit_action_name(audit_action_of_reason((token_reason)r)), want);
	}
	assert_int_equal(audit_action_of_step(STEP_NONE), AUD_COUNT);
	assert_int_equal(audit_action_of_step(STEP_COUNT), AUD_COUNT);
	assert_int_equal(audit_action_of_reason(TR_COUNT), AUD_COUNT);
	assert_int_equal(audit_action_of_step(STEP_SLIP), AUD_CASE_STEP_SLIP);
	assert_int_equal(audit_action_of_reason(TR_ENROLLED), AUD_TOKEN_TR_ENROLLED);
}

int main(void)
{
	/* Must come before OpenSSL allocates anything. */
	counting = CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free) == 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixed_row_independent),
		cmocka_unit_test(genesis_and_empty),
		cmocka_unit_test(every_field_counts),
		cmocka_unit_test(field_boundaries),
		cmocka_unit_test(reuse_carries_nothing),
		cmocka_unit_test(chain_propagates),
		cmocka_unit_test(hex_round_trip),
		cmocka_unit_test(bad_hex_rejected),
		cmocka_unit_test(no_allocation_per_row),
		cmocka_unit_test(action_words_pinned),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
