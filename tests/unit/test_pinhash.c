/* Staff PIN hashing: the stored format, round trip, wrong PINs, a published
 * scrypt test vector (RFC 7914) checked through pinhash_check so the KDF call is
 * proven against numbers OpenSSL did not produce, salts differ, malformed and
 * hostile stored strings rejected quickly, and the PIN rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/audit/pinhash.h"

/* RFC 7914 section 12, third vector: P="pleaseletmein", S="SodiumChloride",
 * N=16384, r=8, p=1, dkLen=64. */
#define RFC_SALT "536f6469756d43686c6f72696465"
#define RFC_DK                                                                 \
	"7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"     \
	"d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887"
static const char rfc_stored[] = "scrypt$16384$8$1$" RFC_SALT "$" RFC_DK;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return true;
}

static void format_and_round_trip(void **state)
{
	(void)state;
	char h[PINHASH_MAX];
	assert_int_equal(pinhash_make("246813", h), 0);
	/* scrypt$N$r$p$ salt (16 bytes) $ hash (32 bytes), lower-case hex */
	const char *prefix = "scrypt$2048$8$16$";
	assert_memory_equal(h, prefix, strlen(prefix));
	const char *salt = h + strlen(prefix);
	assert_true(all_hex(salt, 32));
	assert_int_equal(salt[32], '$');
	assert_true(all_hex(salt + 33, 64));
	assert_int_equal(strlen(h), strlen(prefix) + 32 + 1 + 64);

	assert_true(pinhash_check("246813", h));
	assert_false(pinhash_check("246814", h));
	assert_false(pinhash_check("24681", h));
	assert_false(pinhash_check("2468130", h));
	assert_false(pinhash_check("", h));
	assert_false(pinhash_check(NULL, h));

	/* any string can be hashed, including empty and non-ASCII */
	assert_int_equal(pinhash_make("", h), 0);
	assert_true(pinhash_check("", h));
	assert_false(pinhash_check("0", h));
	assert_int_equal(pinhash_make("密码123456", h), 0);
	assert_true(pinhash_check("密码123456", h));

	assert_int_equal(pinhash_make(NULL, h), -1);
	assert_int_equal(pinhash_make("1", NULL), -1);
}

static void salts_differ(void **state)
{
	(void)state;
	char a[PINHASH_MAX], b[PINHASH_MAX];
	assert_int_equal(pinhash_make("802417", a), 0);
	assert_int_equal(pinhash_make("802417", b), 0);
	assert_string_not_equal(a, b);
	/* the salts themselves differ, not just the hashes */
	assert_memory_not_equal(a + 17, b + 17, 32);
	assert_true(pinhash_check("802417", a));
	assert_true(pinhash_check("802417", b));
}

static void rfc7914_vector(void **state)
{
	(void)state;
	assert_true(pinhash_check("pleaseletmein", rfc_stored));
	assert_false(pinhash_check("pleaseletmeim", rfc_stored));
	/* upper-case hex in a stored string is read the same */
	char up[sizeof rfc_stored];
	strcpy(up, rfc_stored);
	for (char *p = up + 17; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	assert_true(pinhash_check("pleaseletmein", up));
	/* every parameter is used: change one and the same hash no longer matches */
	const char *others[] = {
		"scrypt$8192$8$1$" RFC_SALT "$" RFC_DK,
		"scrypt$16384$4$1$" RFC_SALT "$" RFC_DK,
		"scrypt$16384$8$2$" RFC_SALT "$" RFC_DK,
		"scrypt$16384$8$1$" "536f6469756d43686c6f72696466" "$" RFC_DK,
		"scrypt$16384$8$1$" RFC_SALT "$" "8023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
		"d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887",
		"scrypt$16384$8$1$" RFC_SALT "$" "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
		"d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575886",
	};
	for (size_t i = 0; i < sizeof others / sizeof others[0]; i++)
		if (pinhash_check("pleaseletmein", others[i]))
			fail_msg("accepted %s", others[i]);
	/* a prefix of the derived key is itself a valid (shorter) hash: the
	 * length is taken from the stored string */
	char shorter[200];
	snprintf(shorter, sizeof shorter, "scrypt$16384$8$1$%s$%.32s", RFC_SALT, RFC_DK);
	assert_true(pinhash_check("pleaseletmein", shorter));
}

static void malformed_rejected(void **state)
{
	(void)state;
	const char *salt = "00112233445566778899aabbccddeeff";
	const char *hash = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	char buf[512];
	const char *bad[] = {
		"", "scrypt", "scrypt$", "scrypt$$$$$", "bcrypt$16384$8$1$" RFC_SALT "$" RFC_DK,
		"SCRYPT$16384$8$1$" RFC_SALT "$" RFC_DK,
		"scrypt$16384$8$1$" RFC_SALT "$" RFC_DK "$",
		"scrypt$16384$8$1$" RFC_SALT "$" RFC_DK "00$",
		"scrypt$16384$8$1$" RFC_SALT,
		"scrypt$16384$8$1$" RFC_SALT "$",
		"scrypt$16384$8$1$$" RFC_DK,
		"scrypt$16384$8$" RFC_SALT "$" RFC_DK,
		"scrypt$16384$8$1$" RFC_SALT "$" RFC_DK " ",
		" scrypt$16384$8$1$" RFC_SALT "$" RFC_DK,
		"scrypt$016384$8$1$" RFC_SALT "$" RFC_DK, /* leading zero */
		"scrypt$+16384$8$1$" RFC_SALT "$" RFC_DK,
		"scrypt$-16384$8$1$" RFC_SALT "$" RFC_DK,
		"scrypt$ 16384$8$1$" RFC_SALT "$" RFC_DK,
		"scrypt$16384$8$1$" RFC_SALT "0$" RFC_DK, /* odd hex */
		"scrypt$16384$8$1$" RFC_SALT "$" RFC_DK "0",
		"scrypt$16384$8$1$536f6469756d43686c6f7269646g$" RFC_DK, /* not hex */
		"scrypt$16384$8$1$0011223344556677$" RFC_DK "00",         /* hash > 64 bytes */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (pinhash_check("pleaseletmein", bad[i]))
			fail_msg("accepted '%s'", bad[i]);
	assert_false(pinhash_check("x", NULL));

	/* hostile or nonsensical parameters: rejected without running scrypt,
	 * so all of them together stay well under a second */
	const char *params[] = {
		"0$8$1", "1$8$1", "3$8$1", "32767$8$1", "32769$8$1",
		"2097152$8$1",           /* 2^21 */
		"1099511627776$8$1",     /* 2^40 */
		"99999999999999999999999$8$1",
		"1048576$8$2",           /* 2^20 but twice: 2 GiB of work */
		"1048576$16$1",          /* 2 GiB of memory */
		"16384$0$1", "16384$8$0", "16384$33$1", "16384$8$17",
		"16384$4294967297$1",
	};
	double t0 = now_s();
	for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
		snprintf(buf, sizeof buf, "scrypt$%s$%s$%s", params[i], salt, hash);
		if (pinhash_check("123456", buf))
			fail_msg("accepted '%s'", buf);
	}
	assert_true(now_s() - t0 < 1.0);

	/* salt and hash lengths out of bounds (salt 8..64, hash 16..64 bytes) */
	snprintf(buf, sizeof buf, "scrypt$1024$1$1$%.14s$%s", salt, hash);
	assert_false(pinhash_check("123456", buf));
	snprintf(buf, sizeof buf, "scrypt$1024$1$1$%s$%.30s", salt, hash);
	assert_false(pinhash_check("123456", buf));
	/* ... and in bounds: well-formed, only the hash is wrong */
	snprintf(buf, sizeof buf, "scrypt$1024$1$1$%.16s$%.32s", salt, hash);
	assert_false(pinhash_check("123456", buf));
}

static void stored_string_tampering(void **state)
{
	(void)state;
	char h[PINHASH_MAX], t[PINHASH_MAX];
	assert_int_equal(pinhash_make("735190", h), 0);
	size_t salt_at = strlen("scrypt$2048$8$16$");
	/* flip one hex digit in the salt, then in the hash */
	size_t where[] = { salt_at, salt_at + 31, salt_at + 33, strlen(h) - 1 };
	for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
		strcpy(t, h);
		t[where[i]] = t[where[i]] == '0' ? '1' : '0';
		assert_false(pinhash_check("735190", t));
	}
	/* the PIN is not in the string */
	assert_null(strstr(h, "735190"));
}

static void acceptable_rules(void **state)
{
	(void)state;
	struct {
		const char *pin;
		const char *why; /* NULL: acceptable */
	} cases[] = {
		{ NULL, "pin.too_short" },
		{ "", "pin.too_short" },
		{ "12345", "pin.too_short" },
		{ "102938", NULL },
		/* runs of the whole PIN are refused now (were accepted before) */
		{ "123456", "pin.sequence" },
		{ "123456789", "pin.sequence" },
		{ "1234567", "pin.sequence" },
		{ "123456789012", "pin.sequence" },
		{ "1234567891", NULL }, /* 9 then 1: not a run */
		{ "1234567890123", "pin.too_long" },
		{ "12345a", "pin.not_digits" },
		{ "abcdefgh", "pin.not_digits" },
		{ "12a", "pin.not_digits" },
		{ " 123456", "pin.not_digits" },
		{ "123456 ", "pin.not_digits" },
		{ "１２３４５６", "pin.not_digits" }, /* full-width: not ASCII digits */
		{ "-123456", "pin.not_digits" },
		{ "000000", "pin.too_simple" },
		{ "777777777", "pin.too_simple" },
		{ "999999999999", "pin.too_simple" },
		{ "12345678", "pin.too_simple" }, /* the customer keys' initial PIN */
		{ "112345678", NULL },
		{ "0000001", NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *why = "unset";
		bool okay = pinhash_acceptable(cases[i].pin, &why);
		if (cases[i].why == NULL) {
			if (!okay)
				fail_msg("'%s' refused: %s", cases[i].pin, why);
			assert_null(why);
		} else {
			if (okay)
				fail_msg("'%s' accepted, expected %s", cases[i].pin, cases[i].why);
			assert_non_null(why);
			assert_string_equal(why, cases[i].why);
		}
	}
	assert_true(pinhash_acceptable("246813", NULL));
	assert_false(pinhash_acceptable("1", NULL));
}

static void expect_reason(const char *pin, const char *want)
{
	const char *why = "unset";
	bool okay = pinhash_acceptable(pin, &why);
	if (!want && !okay)
		fail_msg("'%s' refused: %s", pin, why);
	if (want && okay)
		fail_msg("'%s' accepted, expected %s", pin, want);
	if (want)
		assert_string_equal(why, want);
	else
		assert_null(why);
}

/* The weakest PINs: whole-PIN runs up or down (9 wraps to 0) and a shorter
 * group repeated. Near misses stay acceptable, and so do the PINs of the demo
 * staff (kiosk-config/demo/staff.ini) and of the tests. */
static void weak_pins(void **state)
{
	(void)state;
	const char *runs[] = { "123456", "234567", "345678", "456789", "567890", "678901",
			       "789012", "890123", "901234", "012345", "654321", "543210",
			       "987654", "210987", "098765", "1234567", "7654321", "0123456789",
			       "9876543210", "123456789012", "210987654321" };
	for (size_t i = 0; i < sizeof runs / sizeof *runs; i++)
		expect_reason(runs[i], "pin.sequence");
	const char *repeats[] = { "121212", "123123", "909090", "010101", "987987", "12341234",
				  "1212121212", "123123123", "123456123456", "98769876",
				  "120120120120", "1234512345" };
	for (size_t i = 0; i < sizeof repeats / sizeof *repeats; i++)
		expect_reason(repeats[i], "pin.repeated");
	/* all one digit and the keys' initial PIN keep their own reason */
	expect_reason("111111", "pin.too_simple");
	expect_reason("12345678", "pin.too_simple");
	const char *fine[] = { "246810", "135790", "975310", "864209", "753186", "735190",
			       "246813", "102938", "24681357", "123457", "123465", "112233",
			       "121213", "123124", "1212121", "12312", "1231231", "654320",
			       "901235", "13579135", "2468013579" };
	for (size_t i = 0; i < sizeof fine / sizeof *fine; i++)
		expect_reason(fine[i], i == 15 ? "pin.too_short" : NULL);

	/* over every 6-digit PIN: 10 all one digit, 10 runs up, 10 down, 90 of
	 * the form ababab and 990 of abcabc are refused (docs/config.md) */
	int refused = 0, seq = 0, rep = 0, simple = 0;
	char pin[7];
	for (int v = 0; v < 1000000; v++) {
		snprintf(pin, sizeof pin, "%06d", v);
		const char *why = NULL;
		if (pinhash_acceptable(pin, &why))
			continue;
		refused++;
		seq += strcmp(why, "pin.sequence") == 0;
		rep += strcmp(why, "pin.repeated") == 0;
		simple += strcmp(why, "pin.too_simple") == 0;
	}
	assert_int_equal(simple, 10);
	assert_int_equal(seq, 20);
	assert_int_equal(rep, 1080);
	assert_int_equal(refused, 1110);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(format_and_round_trip),
		cmocka_unit_test(salts_differ),
		cmocka_unit_test(rfc7914_vector),
		cmocka_unit_test(malformed_rejected),
		cmocka_unit_test(stored_string_tampering),
		cmocka_unit_test(acceptable_rules),
		cmocka_unit_test(weak_pins),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
