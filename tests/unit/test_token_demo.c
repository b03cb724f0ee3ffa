/* test_token_demo: the token ops table through its wrappers, on the demo key
 * reader: the shipped demo keys (relative dates, valid USCCs, each scenario),
 * every operation on an empty slot, PIN counting down to blocked and reset,
 * personalise / write / seal / erase, injected faults, the trainer controls,
 * the status table and its strings, and keys.ini faults named file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/base/clock.h"
#include "core/base/civil.h"
#include "core/base/strings.h"
#include "core/token/token.h"
#include "core/case/validate.h"
#include "tests/unit/testutil.h"

#define SHIPPED KIOSK_CONFIG_DIR "/demo/keys.ini"
#define PIN "12345678"

static long today;

static int pin_clock(void **state)
{
	(void)state;
	today = civil_from_ymd(2026, 11, 21);
	clock_set_fixed(clock_day_start_ms(today) + 10LL * 3600 * 1000);
	return 0;
}

static int unpin_clock(void **state)
{
	(void)state;
	clock_set_fixed(0);
	return 0;
}

static token_dev *shipped(void)
{
	kerr err = { { 0 }, { 0 } };
	token_dev *dev = token_demo_new(SHIPPED, &err);
	if (!dev)
		fail_msg("%s: %s", err.where, err.msg);
	return dev;
}

static void insert(token_dev *dev, const char *serial)
{
	kerr err = { { 0 }, { 0 } };
	if (token_demo_insert(dev, serial, &err) != 0)
		fail_msg("insert %s: %s", serial, err.msg);
}

static token_info read_ok(token_dev *dev)
{
	token_info i;
	assert_int_equal(token_read_info(dev, &i), TOK_OK);
	return i;
}

/* Field by field: struct copies need not keep padding bytes. */
static void assert_same_info(const token_info *a, const token_info *b)
{
	assert_string_equal(a->serial, b->serial);
	assert_int_equal(a->personalised, b->personalised);
	assert_string_equal(a->unit_name, b->unit_name);
	assert_string_equal(a->uscc, b->uscc);
	assert_string_equal(a->cert_serial, b->cert_serial);
	assert_int_equal(a->not_before, b->not_before);
	assert_int_equal(a->not_after, b->not_after);
	assert_int_equal(a->seal_not_after, b->seal_not_after);
	assert_int_equal(a->pin_tries_left, b->pin_tries_left);
	assert_int_equal(a->pin_tries_max, b->pin_tries_max);
	assert_int_equal(a->blocked, b->blocked);
}

/* ---- the status table and its text ---- */

static void status_table(void **state)
{
	(void)state;
	kerr err = { { 0 }, { 0 } };
	strings *s[LANG_COUNT];
	for (int l = 0; l < LANG_COUNT; l++) {
		s[l] = strings_load(KIOSK_CONFIG_DIR, (lang)l, &err);
		if (!s[l])
			fail_msg("%s: %s", err.where, err.msg);
	}
	for (int i = 0; i < TOK_STATUS_COUNT; i++) {
		const char *name = token_status_name((token_status)i);
		assert_int_equal(token_status_from_name(name), i);
		char want[64];
		snprintf(want, sizeof want, "token.status.%s", name);
		assert_string_equal(token_status_key((token_status)i), want);
		for (int l = 0; l < LANG_COUNT; l++)
			if (!strings_get(s[l], want))
				fail_msg("%s missing in %s.ini", want, lang_name((lang)l));
	}
	assert_int_equal(token_status_from_name("nope"), -1);
	assert_int_equal(token_status_from_name(NULL), -1);
	assert_string_equal(token_status_name((token_status)99), "?");

	const str_var v[] = { { "tries", "3" }, { NULL, NULL } };
	char buf[512];
	strings_render(s[LANG_ZH], token_status_key(TOK_WRONG_PIN), v, buf, sizeof buf);
	assert_non_null(strstr(buf, "还可再试3次"));
	strings_render(s[LANG_EN], token_status_key(TOK_WRONG_PIN), v, buf, sizeof buf);
	assert_non_null(strstr(buf, "3 tries left"));
	for (int l = 0; l < LANG_COUNT; l++)
		strings_free(s[l]);
}

/* ---- the shipped demo keys ---- */

static void shipped_keys(void **state)
{
	(void)state;
	token_dev *dev = shipped();
	assert_string_equal(token_dev_name(dev), "demo");
	token_demo_entry e[16];
	kerr err = { { 0 }, { 0 } };
	long n = token_demo_list(dev, e, 16, &err);
	assert_int_equal(n, 9);
	for (long i = 0; i < n; i++) {
		assert_false(e[i].in_slot);
		assert_true(e[i].note[0] != '\0');
		insert(dev, e[i].serial);
		token_info in = read_ok(dev);
		assert_string_equal(in.serial, e[i].serial);
		if (!in.personalised)
			continue;
		val_result r;
		assert_true(validate_uscc(in.uscc, &r));
		assert_string_equal(in.unit_name, e[i].unit_name);
		/* the list says whose key it is and its certificate, as read */
		assert_string_equal(in.uscc, e[i].uscc);
		assert_string_equal(in.cert_serial, e[i].cert_serial);
		assert_true(in.not_before <= in.not_after);
	}

	insert(dev, "SC-DEMO-0001"); /* comfortably valid, with seal */
	token_info i = read_ok(dev);
	assert_int_equal(i.not_after, today + 300);
	assert_int_equal(i.not_before, civil_add_years(today + 300, -1));
	assert_int_equal(i.seal_not_after, today + 300);
	assert_int_equal(i.pin_tries_left, 6);
	assert_int_equal(i.pin_tries_max, TOKEN_DEMO_TRIES_DEFAULT);
	assert_false(i.blocked);
	assert_true(token_info_has_cert(&i));
	assert_int_equal(strlen(i.cert_serial), 16);

	insert(dev, "SC-DEMO-0002"); /* renewal window */
	assert_int_equal(read_ok(dev).not_after, today + 30);
	insert(dev, "SC-DEMO-0003"); /* expired */
	assert_int_equal(read_ok(dev).not_after, today - 5);
	insert(dev, "SC-DEMO-0004"); /* < 60 days, no seal */
	i = read_ok(dev);
	assert_int_equal(i.not_after, today + 40);
	assert_int_equal(i.seal_not_after, -1);
	insert(dev, "SC-DEMO-0006"); /* blank */
	i = read_ok(dev);
	assert_false(i.personalised);
	assert_false(token_info_has_cert(&i));
	assert_string_equal(i.unit_name, "");
	assert_int_equal(i.pin_tries_left, -1);
	assert_int_equal(i.not_before, -1);
	insert(dev, "SC-DEMO-0007"); /* PIN locked */
	i = read_ok(dev);
	assert_true(i.blocked);
	assert_int_equal(i.pin_tries_left, 0);
	insert(dev, "SC-DEMO-0008"); /* the unit's former name */
	assert_string_equal(read_ok(dev).unit_name, "成都高新示例软件有限公司");
	token_dev_free(dev);
}

/* ---- the slot ---- */

static void empty_slot(void **state)
{
	(void)state;
	token_dev *dev = shipped();
	bool present = true;
	assert_int_equal(token_present(dev, &present), TOK_OK);
	assert_false(present);
	token_info i;
	int tries = 7;
	const token_cert c = { "单位", "91510100MA61XY3K4K", "AB", today, today + 1, NULL, 0,
			       0, false, -1 };
	assert_int_equal(token_read_info(dev, &i), TOK_NO_KEY);
	assert_string_equal(i.serial, "");
	assert_int_equal(i.not_after, -1);
	assert_int_equal(token_personalise(dev, PIN), TOK_NO_KEY);
	assert_int_equal(token_write_cert(dev, &c), TOK_NO_KEY);
	assert_int_equal(token_write_seal(dev, today), TOK_NO_KEY);
	assert_int_equal(token_verify_pin(dev, PIN, &tries), TOK_NO_KEY);
	assert_int_equal(tries, -1);
	assert_int_equal(token_change_pin(dev, PIN, "87654321", &tries), TOK_NO_KEY);
	assert_int_equal(token_reset_pin(dev, PIN), TOK_NO_KEY);
	assert_int_equal(token_erase(dev), TOK_NO_KEY);

	insert(dev, "SC-DEMO-0002");
	assert_int_equal(token_present(dev, &present), TOK_OK);
	assert_true(present);
	/* a second key replaces the first: one slot */
	insert(dev, "SC-DEMO-0003");
	assert_string_equal(read_ok(dev).serial, "SC-DEMO-0003");
	token_demo_entry e[9];
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(token_demo_list(dev, e, 9, &err), 9);
	for (int k = 0; k < 9; k++)
		assert_int_equal(e[k].in_slot, strcmp(e[k].serial, "SC-DEMO-0003") == 0);
	assert_int_equal(token_demo_pull(dev, &err), 0);
	assert_int_equal(token_read_info(dev, &i), TOK_NO_KEY);
	assert_int_equal(token_demo_pull(dev, &err), 0); /* twice: fine */

	assert_int_equal(token_demo_insert(dev, "SC-DEMO-9999", &err), -1);
	assert_non_null(strstr(err.msg, "SC-DEMO-9999"));
	assert_int_equal(token_demo_insert(dev, NULL, &err), -1);
	assert_int_equal(token_present(dev, NULL), TOK_INVALID);
	assert_int_equal(token_read_info(dev, NULL), TOK_INVALID);
	token_dev_free(dev);
}

/* ---- PINs ---- */

static void pin_counts_down_to_blocked(void **state)
{
	(void)state;
	token_dev *dev = shipped();
	insert(dev, "SC-DEMO-0001");
	int tries = -5;
	for (int left = 5; left >= 1; left--) {
		assert_int_equal(token_verify_pin(dev, "00000000", &tries), TOK_WRONG_PIN);
		assert_int_equal(tries, left);
		assert_int_equal(read_ok(dev).pin_tries_left, left);
	}
	assert_int_equal(token_verify_pin(dev, "00000000", &tries), TOK_BLOCKED);
	assert_int_equal(tries, 0);
	assert_true(read_ok(dev).blocked);
	/* blocked: even the right PIN is refused, and nothing goes below zero */
	assert_int_equal(token_verify_pin(dev, PIN, &tries), TOK_BLOCKED);
	assert_int_equal(tries, 0);
	assert_int_equal(token_change_pin(dev, PIN, "87654321", &tries), TOK_BLOCKED);
	/* unlock: reset with the admin PIN */
	assert_int_equal(token_reset_pin(dev, PIN), TOK_OK);
	token_info i = read_ok(dev);
	assert_false(i.blocked);
	assert_int_equal(i.pin_tries_left, 6);
	assert_int_equal(token_verify_pin(dev, PIN, &tries), TOK_OK);
	assert_int_equal(tries, 6);
	assert_int_equal(token_verify_pin(dev, PIN, NULL), TOK_OK); /* tries_left optional */
	token_dev_free(dev);
}

static void right_pin_restores_tries(void **state)
{
	(void)state;
	token_dev *dev = shipped();
	insert(dev, "SC-DEMO-0002");
	int tries;
	assert_int_equal(token_verify_pin(dev, "1234567", &tries), TOK_WRONG_PIN);
	assert_int_equal(token_verify_pin(dev, "", &tries), TOK_WRONG_PIN); /* counted too */
	assert_int_equal(tries, 4);
	assert_int_equal(token_verify_pin(dev, PIN, &tries), TOK_OK);
	assert_int_equal(tries, 6);
	char longpin[80];
	memset(longpin, '1', sizeof longpin - 1);
	longpin[sizeof longpin - 1] = '\0';
	assert_int_equal(token_verify_pin(dev, longpin, &tries), TOK_INVALID);
	assert_int_equal(token_verify_pin(dev, NULL, &tries), TOK_INVALID);
	assert_int_equal(read_ok(dev).pin_tries_left, 6); /* neither cost a try */
	token_dev_free(dev);
}

static void change_pin(void **state)
{
	(void)state;
	token_dev *dev = shipped();
	insert(dev, "SC-DEMO-0001");
	int tries;
	/* a bad new PIN costs no try */
	assert_int_equal(token_change_pin(dev, PIN, "12345", &tries), TOK_PIN_FORMAT);
	assert_int_equal(token_change_pin(dev, PIN, "12345678901234567", &tries), TOK_PIN_FORMAT);
	assert_int_equal(token_change_pin(dev, PIN, "1234 678", &tries), TOK_PIN_FORMAT);
	assert_int_equal(token_change_pin(dev, PIN, NULL, &tries), TOK_INVALID);
	assert_int_equal(token_change_pin(dev, NULL, "87654321", &tries), TOK_INVALID);
	assert_int_equal(read_ok(dev).pin_tries_left, 6);
	/* a wrong old PIN costs one and changes nothing */
	assert_int_equal(token_change_pin(dev, "11111111", "87654321", &tries), TOK_WRONG_PIN);
	assert_int_equal(tries, 5);
	assert_int_equal(token_verify_pin(dev, "87654321", &tries), TOK_WRONG_PIN);
	assert_int_equal(tries, 4);
	/* boundaries of the PIN format: 6 and 16 characters, letters allowed */
	assert_int_equal(token_change_pin(dev, PIN, "abc123", &tries), TOK_OK);
	assert_int_equal(tries, 6);
	assert_int_equal(token_change_pin(dev, "abc123", "A234567890123456", &tries), TOK_OK);
	assert_int_equal(token_verify_pin(dev, "abc123", &tries), TOK_WRONG_PIN);
	assert_int_equal(token_verify_pin(dev, "A234567890123456", &tries), TOK_OK);
	token_dev_free(dev);
}

static void pin_acceptable(void **state)
{
	(void)state;
	assert_true(token_pin_acceptable("123456"));
	assert_true(token_pin_acceptable("1234567890abcdef"));
	assert_false(token_pin_acceptable("12345"));
	assert_false(token_pin_acceptable("1234567890abcdefg"));
	assert_false(token_pin_acceptable("12345-78"));
	assert_false(token_pin_acceptable("１２３４５６")); /* full-width digits */
	assert_false(token_pin_acceptable(NULL));
	assert_true(token_serial_valid("A"));
	assert_true(token_serial_valid("SC-DEMO_0001"));
	assert_true(token_serial_valid("12345678901234567890123456789012"));
	assert_false(token_serial_valid("123456789012345678901234567890123"));
	assert_false(token_serial_valid(""));
	assert_false(token_serial_valid("a b"));
	assert_false(token_serial_valid(NULL));
}

static void lock_pin_control(void **state)
{
	(void)state;
	token_dev *dev = shipped();
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(token_demo_lock_pin(dev, &err), -1); /* empty slot */
	assert_non_null(strstr(err.msg, "insert"));
	insert(dev, "SC-DEMO-0006");
	assert_int_equal(token_demo_lock_pin(dev, &err), -1); /* blank key: no PIN */
	assert_non_null(strstr(err.msg, "blank"));
	insert(dev, "SC-DEMO-0005");
	assert_int_equal(token_demo_lock_pin(dev, &err), 0);
	int tries;
	assert_int_equal(token_verify_pin(dev, PIN, &tries), TOK_BLOCKED);
	assert_int_equal(tries, 0);
	token_dev_free(dev);
}

/* ---- personalise, write, seal, erase ---- */

static void personalise_blank_key(void **state)
{
	(void)state;
	token_dev *dev = shipped();
	insert(dev, "SC-DEMO-0001");
	assert_int_equal(token_personalise(dev, PIN), TOK_WRONG_CARD);
	token_info kept = read_ok(dev);
	assert_true(token_info_has_cert(&kept)); /* untouched */

	insert(dev, "SC-DEMO-0006");
	int tries;
	assert_int_equal(token_verify_pin(dev, PIN, &tries), TOK_NOT_PERSONALISED);
	assert_int_equal(token_change_pin(dev, PIN, "87654321", &tries), TOK_NOT_PERSONALISED);
	assert_int_equal(token_reset_pin(dev, PIN), TOK_NOT_PERSONALISED);
	assert_int_equal(token_write_seal(dev, today), TOK_NOT_PERSONALISED);
	const token_cert c = { "成都新办示例有限公司", "91510100MA6CGW2X6P", "0A1B2C", today,
			       civil_add_years(today, 1), NULL, 0, 0, false, -1 };
	assert_int_equal(token_write_cert(dev, &c), TOK_NOT_PERSONALISED);
	assert_int_equal(token_personalise(dev, "123"), TOK_PIN_FORMAT);
	assert_int_equal(token_personalise(dev, NULL), TOK_INVALID);
	assert_false(read_ok(dev).personalised);

	assert_int_equal(token_personalise(dev, PIN), TOK_OK);
	token_info i = read_ok(dev);
	assert_true(i.personalised);
	assert_false(token_info_has_cert(&i));
	assert_int_equal(i.pin_tries_left, 6);
	assert_int_equal(token_verify_pin(dev, PIN, &tries), TOK_OK);
	assert_int_equal(token_personalise(dev, PIN), TOK_WRONG_CARD); /* not twice */
	assert_int_equal(token_write_seal(dev, today + 365), TOK_NO_CERT);

	static const unsigned char der[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
	token_cert d = c;
	d.der = der;
	d.der_len = sizeof der;
	assert_int_equal(token_write_cert(dev, &d), TOK_OK);
	i = read_ok(dev);
	assert_string_equal(i.unit_name, "成都新办示例有限公司");
	assert_string_equal(i.uscc, "91510100MA6CGW2X6P");
	assert_string_equal(i.cert_serial, "0A1B2C");
	assert_int_equal(i.not_before, today);
	assert_int_equal(i.not_after, civil_add_years(today, 1));
	assert_int_equal(i.seal_not_after, -1);

	/* the key keeps what was written while it is out of the slot */
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(token_demo_pull(dev, &err), 0);
	insert(dev, "SC-DEMO-0006");
	assert_string_equal(read_ok(dev).cert_serial, "0A1B2C");
	token_dev_free(dev);

	/* a restarted demo starts from keys.ini again */
	dev = shipped();
	insert(dev, "SC-DEMO-0006");
	assert_false(read_ok(dev).personalised);
	token_dev_free(dev);
}

static void write_cert_checks(void **state)
{
	(void)state;
	token_dev *dev = shipped();
	insert(dev, "SC-DEMO-0008");
	token_info before = read_ok(dev);
	const token_cert good = { "成都高新示例软件集团有限公司", "91510104MA6DJ9QG4K", "ff01",
				  before.not_before, before.not_after, NULL, 0, 0, false, -1 };
	static const unsigned char der[] = { 0x30, 0x00 };
	char longname[TOKEN_UNIT_MAX + 2];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	token_cert bad[14];
	for (int k = 0; k < 14; k++)
		bad[k] = good;
	bad[0].unit_name = "";
	bad[1].unit_name = longname;
	bad[2].unit_name = "\xff\xfe";
	bad[3].uscc = "91510104MA6DJ9QG4L";      /* wrong check character */
	bad[4].uscc = "91510104ma6dj9qg4k";      /* lower case: the key holds capitals */
	bad[5].cert_serial = "";
	bad[6].cert_serial = "0xff";
	bad[7].not_before = before.not_after + 1; /* starts after it ends */
	bad[8].not_before = -1;
	bad[9].der = der;                         /* der without its length */
	bad[10].der_len = 2;                      /* length without der */
	bad[11].unit_name = NULL;
	bad[12].uscc = NULL;
	bad[13].cert_serial = NULL;
	for (int k = 0; k < 14; k++) {
		if (token_write_cert(dev, &bad[k]) != TOK_INVALID)
			fail_msg("bad certificate %d accepted", k);
	}
	assert_int_equal(token_write_cert(dev, NULL), TOK_INVALID);
	token_info after = read_ok(dev);
	assert_same_info(&before, &after); /* nothing written */

	/* the change service: new unit name, validity and seal kept */
	assert_int_equal(token_write_cert(dev, &good), TOK_OK);
	after = read_ok(dev);
	assert_string_equal(after.unit_name, "成都高新示例软件集团有限公司");
	assert_string_equal(after.cert_serial, "ff01");
	assert_int_equal(after.not_after, before.not_after);
	assert_int_equal(after.seal_not_after, before.seal_not_after);
	/* a cert of exactly one day and a name of exactly TOKEN_UNIT_MAX bytes */
	token_cert edge = good;
	edge.not_before = edge.not_after = today;
	longname[TOKEN_UNIT_MAX] = '\0';
	edge.unit_name = longname;
	assert_int_equal(token_write_cert(dev, &edge), TOK_OK);
	assert_int_equal(strlen(read_ok(dev).unit_name), TOKEN_UNIT_MAX);
	token_dev_free(dev);
}

static void seal_and_erase(void **state)
{
	(void)state;
	token_dev *dev = shipped();
	insert(dev, "SC-DEMO-0005"); /* seal upgrade: no seal yet */
	token_info i = read_ok(dev);
	assert_int_equal(i.seal_not_after, -1);
	assert_int_equal(token_write_seal(dev, -1), TOK_INVALID);
	assert_int_equal(token_write_seal(dev, i.not_after), TOK_OK);
	assert_int_equal(read_ok(dev).seal_not_after, today + 200);

	/* revocation with the key brought: erased to blank, and blank stays fine */
	assert_int_equal(token_erase(dev), TOK_OK);
	i = read_ok(dev);
	assert_false(i.personalised);
	assert_false(token_info_has_cert(&i));
	assert_int_equal(i.seal_not_after, -1);
	assert_int_equal(i.pin_tries_left, -1);
	assert_int_equal(token_erase(dev), TOK_OK);
	int tries;
	assert_int_equal(token_verify_pin(dev, PIN, &tries), TOK_NOT_PERSONALISED);
	/* and it can be personalised again (a reissue onto the returned key) */
	assert_int_equal(token_personalise(dev, PIN), TOK_OK);
	assert_int_equal(token_verify_pin(dev, PIN, &tries), TOK_OK);
	token_dev_free(dev);
}

/* ---- faults ---- */

static void injected_faults(void **state)
{
	(void)state;
	token_dev *dev = shipped();
	kerr err = { { 0 }, { 0 } };
	insert(dev, "SC-DEMO-0001");
	token_info before = read_ok(dev);

	assert_int_equal(token_demo_fail_next(dev, TOK_IO_ERROR, &err), 0);
	bool present;
	assert_int_equal(token_present(dev, &present), TOK_OK); /* present is not an operation */
	assert_true(present);
	assert_int_equal(token_write_seal(dev, today + 1), TOK_IO_ERROR);
	assert_int_equal(read_ok(dev).seal_not_after, before.seal_not_after); /* unchanged */

	/* pulled mid-write: left as before, slot empty, same key back works */
	assert_int_equal(token_demo_fail_next(dev, TOK_REMOVED, &err), 0);
	const token_cert c = { "换名示例有限公司", "91510100MA61XY3K4K", "01", today, today + 9,
			       NULL, 0, 0, false, -1 };
	assert_int_equal(token_write_cert(dev, &c), TOK_REMOVED);
	assert_int_equal(token_present(dev, &present), TOK_OK);
	assert_false(present);
	insert(dev, "SC-DEMO-0001");
	token_info back = read_ok(dev);
	assert_same_info(&before, &back);
	assert_int_equal(token_write_cert(dev, &c), TOK_OK);

	/* a wrong PIN through a fault costs nothing */
	assert_int_equal(token_demo_fail_next(dev, TOK_NO_READER, &err), 0);
	int tries;
	assert_int_equal(token_verify_pin(dev, "0", &tries), TOK_NO_READER);
	assert_int_equal(read_ok(dev).pin_tries_left, 6);
	/* a fault hits the next operation even with no key in the slot */
	assert_int_equal(token_demo_pull(dev, &err), 0);
	assert_int_equal(token_demo_fail_next(dev, TOK_IO_ERROR, &err), 0);
	token_info i;
	assert_int_equal(token_read_info(dev, &i), TOK_IO_ERROR);
	assert_int_equal(token_read_info(dev, &i), TOK_NO_KEY);

	assert_int_equal(token_demo_fail_next(dev, TOK_OK, &err), -1);
	assert_int_equal(token_demo_fail_next(dev, TOK_STATUS_COUNT, &err), -1);
	token_dev_free(dev);
}

/* A driver that implements nothing but present. */
static token_status fake_present(void *ctx, bool *present)
{
	(void)ctx;
	*present = true;
	return TOK_OK;
}
static void fake_free(void *ctx)
{
	free(ctx);
}

static void not_a_demo_device(void **state)
{
	(void)state;
	static const token_ops fake_ops = { .name = "fake", .present = fake_present,
					    .free = fake_free };
	token_dev *dev = calloc(1, sizeof *dev);
	assert_non_null(dev);
	dev->ops = &fake_ops;
	dev->ctx = malloc(1);
	kerr err = { { 0 }, { 0 } };
	assert_int_equal(token_demo_insert(dev, "SC-DEMO-0001", &err), -1);
	assert_non_null(strstr(err.msg, "fake"));
	assert_int_equal(token_demo_pull(dev, &err), -1);
	assert_int_equal(token_demo_lock_pin(dev, &err), -1);
	assert_int_equal(token_demo_fail_next(dev, TOK_IO_ERROR, &err), -1);
	assert_int_equal(token_demo_list(dev, NULL, 0, &err), -1);
	assert_int_equal(token_demo_list(NULL, NULL, 0, &err), -1);
	bool present;
	assert_int_equal(token_present(dev, &present), TOK_OK);
	assert_true(present);
	token_info i;
	assert_int_equal(token_read_info(dev, &i), TOK_NOT_SUPPORTED);
	assert_int_equal(token_personalise(dev, PIN), TOK_NOT_SUPPORTED);
	assert_int_equal(token_erase(dev), TOK_NOT_SUPPORTED);
	assert_int_equal(token_write_seal(dev, 1), TOK_NOT_SUPPORTED);
	token_dev_free(dev);

	assert_int_equal(token_present(NULL, &present), TOK_NOT_SUPPORTED);
	assert_int_equal(token_read_info(NULL, &i), TOK_NOT_SUPPORTED);
	assert_int_equal(token_verify_pin(NULL, PIN, NULL), TOK_NOT_SUPPORTED);
	assert_int_equal(token_change_pin(NULL, PIN, PIN, NULL), TOK_NOT_SUPPORTED);
	assert_int_equal(token_reset_pin(NULL, PIN), TOK_NOT_SUPPORTED);
	assert_int_equal(token_write_cert(NULL, NULL), TOK_NOT_SUPPORTED);
	assert_string_equal(token_dev_name(NULL), "");
	token_dev_free(NULL);
}

static void list_truncates(void **state)
{
	(void)state;
	token_dev *dev = shipped();
	kerr err = { { 0 }, { 0 } };
	token_demo_entry e[3];
	assert_int_equal(token_demo_list(dev, e, 3, &err), 9);
	assert_string_equal(e[0].serial, "SC-DEMO-0001");
	assert_string_equal(e[2].serial, "SC-DEMO-0003");
	assert_int_equal(token_demo_list(dev, NULL, 0, &err), 9);
	token_dev_free(dev);
}

/* ---- keys.ini faults, each named file:line ---- */

static char dir[512];

static int make_dir(void **state)
{
	(void)state;
	pin_clock(state);
	return tu_mkdtemp(dir, sizeof dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	tu_rmrf(dir);
	return unpin_clock(state);
}

#define GOOD_KEY                              \
	"[key K1]\n"                          \
	"personalised = yes\n"                \
	"unit_name = 成都示例有限公司\n"      \
	"uscc = 91510100MA61XY3K4K\n"         \
	"not_after = +30d\n"                  \
	"pin = 12345678\n"

/* Load text as keys.ini; NULL expected: err.where must be path:line. */
static token_dev *load_text(const char *text, kerr *err, char *path, size_t n)
{
	tu_path(path, n, dir, "keys.ini");
	assert_true(tu_write_file(path, text, strlen(text)));
	memset(err, 0, sizeof *err);
	return token_demo_new(path, err);
}

static void expect_fault(const char *text, int line, const char *msg_part)
{
	kerr err;
	char path[600], where[700];
	token_dev *dev = load_text(text, &err, path, sizeof path);
	if (dev) {
		token_dev_free(dev);
		fail_msg("accepted:\n%s", text);
	}
	if (line > 0)
		snprintf(where, sizeof where, "%s:%d", path, line);
	else
		snprintf(where, sizeof where, "%s", path);
	if (strcmp(err.where, where) != 0)
		fail_msg("where '%s', want '%s' (%s)", err.where, where, err.msg);
	if (!strstr(err.msg, msg_part))
		fail_msg("message '%s' lacks '%s'", err.msg, msg_part);
}

static void keys_file_good_forms(void **state)
{
	(void)state;
	kerr err;
	char path[600];
	token_dev *dev = load_text(GOOD_KEY "not_before = 2026-01-01\nseal_not_after = 2027-02-28\n"
				   "cert_serial = 00ABcd\npin_tries_max = 3\npin_tries_left = 3\n"
				   "[key K2]\npersonalised = no\npin_tries_max = 15\n"
				   "[key K3]\npersonalised = yes\npin = abcdef\n",
				   &err, path, sizeof path);
	if (!dev)
		fail_msg("%s: %s", err.where, err.msg);
	insert(dev, "K1");
	token_info i = read_ok(dev);
	assert_int_equal(i.not_before, civil_from_ymd(2026, 1, 1));
	assert_int_equal(i.not_after, today + 30);
	assert_int_equal(i.seal_not_after, civil_from_ymd(2027, 2, 28));
	assert_string_equal(i.cert_serial, "00ABcd");
	assert_int_equal(i.pin_tries_max, 3);
	insert(dev, "K2");
	assert_int_equal(token_personalise(dev, PIN), TOK_OK);
	assert_int_equal(read_ok(dev).pin_tries_left, 15);
	insert(dev, "K3"); /* personalised, no certificate yet */
	i = read_ok(dev);
	assert_true(i.personalised);
	assert_false(token_info_has_cert(&i));
	int tries;
	assert_int_equal(token_verify_pin(dev, "abcdef", &tries), TOK_OK);
	token_dev_free(dev);

	/* relative days: +0d is today, +36500d the largest */
	dev = load_text(GOOD_KEY "not_before = -0d\nseal_not_after = +36500d\n", &err, path,
			sizeof path);
	if (!dev)
		fail_msg("%s: %s", err.where, err.msg);
	insert(dev, "K1");
	i = read_ok(dev);
	assert_int_equal(i.not_before, today);
	assert_int_equal(i.seal_not_after, today + 36500);
	token_dev_free(dev);
}

static void keys_file_faults(void **state)
{
	(void)state;
	/* dates */
	expect_fault(GOOD_KEY "seal_not_after = 2027-02-30\n", 7, "not a date");
	expect_fault("[key K1]\npersonalised = yes\nunit_name = 甲\nuscc = 91510100MA61XY3K4K\n"
		     "not_after = +30\npin = 12345678\n", 5, "+Nd");
	expect_fault(GOOD_KEY "not_before = +36501d\n", 7, "not a date");
	expect_fault(GOOD_KEY "not_before = -30000d\n", 7, "not a date"); /* before 1970 */
	expect_fault(GOOD_KEY "not_before = +d\n", 7, "not a date");
	expect_fault(GOOD_KEY "not_before = +1x0d\n", 7, "not a date");
	expect_fault(GOOD_KEY "not_before = +31d\n", 7, "after not_after");
	/* USCC */
	expect_fault("[key K1]\npersonalised = yes\nunit_name = 甲\nuscc = 91510100MA61XY3K4L\n"
		     "not_after = +30d\npin = 12345678\n", 4, "should be 'K', not 'L'");
	expect_fault("[key K1]\npersonalised = yes\nunit_name = 甲\nuscc = 91510100ma61xy3k4k\n"
		     "not_after = +30d\npin = 12345678\n", 4, "capitals");
	expect_fault("[key K1]\npersonalised = yes\nunit_name = 甲\nuscc = 9151010\n"
		     "not_after = +30d\npin = 12345678\n", 4, "18 characters");
	expect_fault("[key K1]\npersonalised = yes\nunit_name = 甲\nuscc = 91510100MA61XY3KIK\n"
		     "not_after = +30d\npin = 12345678\n", 4, "not allowed");
	/* unknown key, unknown section, bad serial, duplicate serial */
	expect_fault(GOOD_KEY "colour = red\n", 7, "colour");
	expect_fault(GOOD_KEY "[reader R1]\npersonalised = no\n", 7, "unknown section");
	expect_fault("[key bad*serial]\npersonalised = no\n", 1, "serial");
	expect_fault("[key]\npersonalised = no\n", 1, "serial");
	expect_fault(GOOD_KEY "[key  K1]\npersonalised = no\n", 7, "duplicate section");
	/* required and forbidden keys */
	expect_fault("[key K1]\nnote = x\n", 1, "personalised");
	expect_fault("[key K1]\npersonalised = maybe\n", 2, "yes or no");
	expect_fault("[key K1]\npersonalised = no\npin = 12345678\n", 3, "blank key");
	expect_fault("[key K1]\npersonalised = no\nunit_name = 甲\n", 3, "blank key");
	expect_fault("[key K1]\npersonalised = yes\n", 1, "pin");
	expect_fault("[key K1]\npersonalised = yes\npin = 1234\n", 3, "6-16");
	expect_fault(GOOD_KEY "pin_tries_left = 7\n", 7, "0 to 6");
	expect_fault(GOOD_KEY "pin_tries_left = -1\n", 7, "0 to 6");
	expect_fault(GOOD_KEY "pin_tries_max = 16\n", 7, "1 to 15");
	expect_fault("[key K1]\npersonalised = yes\npin = 12345678\nunit_name = 甲\n", 1, "uscc");
	expect_fault("[key K1]\npersonalised = yes\npin = 12345678\nseal_not_after = +3d\n", 4,
		     "no certificate");
	expect_fault("[key K1]\npersonalised = yes\nunit_name = \nuscc = 91510100MA61XY3K4K\n"
		     "not_after = +30d\npin = 12345678\n", 3, "empty");
	expect_fault(GOOD_KEY "cert_serial = xyz\n", 7, "hex");
	/* the file as a whole */
	expect_fault("; nothing but a comment\n", 0, "no demo keys");
	expect_fault(GOOD_KEY "not a line\n", 7, "");

	kerr err = { { 0 }, { 0 } };
	char path[600];
	tu_path(path, sizeof path, dir, "missing.ini");
	assert_null(token_demo_new(path, &err));
	assert_non_null(strstr(err.where, "missing.ini"));
	assert_null(token_demo_new(NULL, &err));
	assert_null(token_demo_new("", &err));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(status_table),
		cmocka_unit_test(shipped_keys),
		cmocka_unit_test(empty_slot),
		cmocka_unit_test(pin_counts_down_to_blocked),
		cmocka_unit_test(right_pin_restores_tries),
		cmocka_unit_test(change_pin),
		cmocka_unit_test(pin_acceptable),
		cmocka_unit_test(lock_pin_control),
		cmocka_unit_test(personalise_blank_key),
		cmocka_unit_test(write_cert_checks),
		cmocka_unit_test(seal_and_erase),
		cmocka_unit_test(injected_faults),
		cmocka_unit_test(not_a_demo_device),
		cmocka_unit_test(list_truncates),
		cmocka_unit_test_setup_teardown(keys_file_good_forms, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(keys_file_faults, make_dir, remove_dir),
	};
	return cmocka_run_group_tests(tests, pin_clock, unpin_clock);
}
