/* The day anchor's text and the kiosk key: counts, message and exported file
 * built and parsed back byte for byte; every malformed input refused with a
 * message naming the field or line; the v1 counts cover every case status;
 * the key made with mode 0600 and its public half beside it, loaded again
 * with the same id (the SHA-256 of its public key DER), refused when others
 * may read it or when it is not an Ed25519 private key; signatures that
 * verify, and fail on a changed message, a changed signature or another key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/audit/anchor.h"
#include "core/case/casefsm.h"
#include "core/audit/kioskkey.h"
#include "core/base/civil.h"
#include "tests/unit/testutil.h"

#define HEAD_HEX "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define COUNTS_OK                                                                         \
	"cases=12,open=2,accepted=2,rongque=1,refused=1,completed=5,cancelled=1,due_fen=240000," \
	"paid_fen=200000"
#define MSG_OK                                                                        \
	"kiosk-anchor v1 kiosk=SCCA-CD-01 day=2026-11-21 last_seq=42 head=" HEAD_HEX \
	" counts=" COUNTS_OK

/* ---- counts ---- */

static void test_counts_round_trip(void **state)
{
	(void)state;
	int64_t c[AC_COUNT], back[AC_COUNT];
	for (int i = 0; i < AC_COUNT; i++)
		c[i] = i * 7;
	c[AC_PAID_FEN] = INT64_MAX;
	char buf[ANCHOR_COUNTS_MAX];
	kerr err = { 0 };
	int version = 0;
	/* v2: every count, refunded_fen last */
	assert_int_equal(anchor_counts_format(c, 2, buf, sizeof buf, &err), 0);
	assert_true(strncmp(buf, "cases=0,open=7,", 15) == 0);
	assert_true(tu_ends_with(buf, ",paid_fen=9223372036854775807,refunded_fen=63"));
	assert_int_equal(anchor_counts_parse(buf, back, &version, "t", &err), 0);
	assert_memory_equal(c, back, sizeof c);
	assert_int_equal(version, 2);
	/* v1: the same without refunded_fen, which reads back as 0 */
	assert_int_equal(anchor_counts_format(c, 1, buf, sizeof buf, &err), 0);
	assert_true(tu_ends_with(buf, ",paid_fen=9223372036854775807"));
	assert_int_equal(anchor_counts_parse(buf, back, &version, "t", &err), 0);
	assert_int_equal(version, 1);
	assert_int_equal(back[AC_REFUNDED_FEN], 0);
	assert_memory_equal(c, back, sizeof(int64_t) * ANCHOR_V1_COUNTS);
	assert_int_equal(anchor_counts_format(c, 3, buf, sizeof buf, &err), -1);
	assert_non_null(strstr(err.msg, "version 3"));

	c[AC_OPEN] = -1;
	assert_int_equal(anchor_counts_format(c, 2, buf, sizeof buf, &err), -1);
	assert_non_null(strstr(err.msg, "open"));
	c[AC_OPEN] = 0;
	assert_int_equal(anchor_counts_format(c, 2, buf, 20, &err), -1);
	assert_non_null(strstr(err.msg, "fit"));
}

static void test_counts_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *says;
	} bad[] = {
		{ "", "cases=" },
		{ "cases=1", ",open=" },
		{ "open=1,cases=1,accepted=0,rongque=0,refused=0,completed=0,cancelled=0,due_fen=0,paid_fen=0", "cases=" },
		{ "cases=01,open=0,accepted=0,rongque=0,refused=0,completed=0,cancelled=0,due_fen=0,paid_fen=0", "leading zeros" },
		{ "cases=-1,open=0,accepted=0,rongque=0,refused=0,completed=0,cancelled=0,due_fen=0,paid_fen=0", "whole number" },
		{ "cases=,open=0,accepted=0,rongque=0,refused=0,completed=0,cancelled=0,due_fen=0,paid_fen=0", "whole number" },
		{ "cases=9223372036854775808,open=0,accepted=0,rongque=0,refused=0,completed=0,cancelled=0,due_fen=0,paid_fen=0", "whole number" },
		{ "cases=99999999999999999999,open=0,accepted=0,rongque=0,refused=0,completed=0,cancelled=0,due_fen=0,paid_fen=0", "whole number" },
		{ "cases=1,open=0,accepted=0,rongque=0,refused=0,completed=0,cancelled=0,due_fen=0,paid_fen=0,", "'refunded_fen='" },
		{ "cases=1,open=0,accepted=0,rongque=0,refused=0,completed=0,cancelled=0,due_fen=0,paid_fen=0,x=1", "'refunded_fen='" },
		{ "cases=1,open=0,accepted=0,rongque=0,refused=0,completed=0,cancelled=0,due_fen=0,paid_fen=0,refunded_fen=0,", "after refunded_fen" },
		{ "cases=1,open=0,accepted=0,rongque=0,refused=0,completed=0,cancelled=0,due_fen=0,paid_fen=0,refunded_fen=", "whole number" },
		{ "cases=1 open=0,accepted=0,rongque=0,refused=0,completed=0,cancelled=0,due_fen=0,paid_fen=0", "whole number" },
		{ "cases=1,,open=0,accepted=0,rongque=0,refused=0,completed=0,cancelled=0,due_fen=0,paid_fen=0", "open=" },
		{ "CASES=1,open=0,accepted=0,rongque=0,refused=0,completed=0,cancelled=0,due_fen=0,paid_fen=0", "cases=" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		int64_t c[AC_COUNT];
		kerr err = { 0 };
		if (anchor_counts_parse(bad[i].in, c, NULL, "here", &err) != -1 ||
		    !strstr(err.msg, bad[i].says) || strcmp(err.where, "here") != 0)
			fail_msg("counts '%s': want an error saying '%s', got '%s'", bad[i].in,
				 bad[i].says, err.msg);
	}
	int64_t c[AC_COUNT];
	kerr err = { 0 };
	assert_int_equal(anchor_counts_parse(NULL, c, NULL, "here", &err), -1);
}

/* Adding a case status must not slip past the signed counts silently. */
static void test_counts_cover_every_status(void **state)
{
	(void)state;
	for (int s = 0; s < CS_COUNT; s++) {
		bool found = false;
		for (int i = 0; i < AC_COUNT; i++)
			found |= strcmp(anchor_count_name((anchor_count)i),
					case_status_name((case_status)s)) == 0;
		if (!found)
			fail_msg("case status '%s' has no count in the anchor",
				 case_status_name((case_status)s));
	}
	assert_string_equal(anchor_count_name(AC_COUNT), "?");
}

/* ---- the message ---- */

static void test_message_round_trip(void **state)
{
	(void)state;
	uint8_t head[AUDIT_HASH_LEN];
	assert_true(audit_unhex(HEAD_HEX, head));
	long day;
	assert_true(civil_parse("2026-11-21", &day));
	char msg[ANCHOR_MESSAGE_MAX];
	kerr err = { 0 };
	assert_int_equal(anchor_message_format("SCCA-CD-01", day, 42, head, COUNTS_OK, msg,
					       sizeof msg, &err), 0);
	assert_string_equal(msg, MSG_OK);

	anchor_rec a;
	assert_int_equal(anchor_message_parse(msg, strlen(msg), "m", &a, &err), 0);
	assert_string_equal(a.kiosk_id, "SCCA-CD-01");
	assert_int_equal(a.day, day);
	assert_int_equal(a.last_seq, 42);
	assert_memory_equal(a.head, head, AUDIT_HASH_LEN);
	assert_string_equal(a.counts_text, COUNTS_OK);
	assert_int_equal(a.version, 1); /* an anchor closed before refunds were signed */
	assert_int_equal(a.counts[AC_CASES], 12);
	assert_int_equal(a.counts[AC_COMPLETED], 5);
	assert_int_equal(a.counts[AC_DUE_FEN], 240000);
	assert_string_equal(a.message, MSG_OK);
	assert_int_equal(a.sig_len, 0);

	/* the bounds of each value */
	assert_int_equal(anchor_message_format("K", day, 1, head, COUNTS_OK, msg, sizeof msg, &err), 0);
	assert_int_equal(anchor_message_parse(msg, strlen(msg), "m", &a, &err), 0);
	assert_int_equal(a.last_seq, 1);
	assert_int_equal(anchor_message_format("K", day, INT64_MAX, head, COUNTS_OK, msg,
					       sizeof msg, &err), 0);
	assert_int_equal(anchor_message_parse(msg, strlen(msg), "m", &a, &err), 0);
	assert_int_equal(a.last_seq, INT64_MAX);
	assert_int_equal(anchor_message_format("abcdefghijklmnopqrstuvwx", day, 5, head, COUNTS_OK,
					       msg, sizeof msg, &err), 0);
	/* a v2 message: its version is its counts' */
	assert_int_equal(anchor_message_format("K", day, 7, head, COUNTS_OK ",refunded_fen=40000",
					       msg, sizeof msg, &err), 0);
	assert_true(strncmp(msg, "kiosk-anchor v2 kiosk=K ", 24) == 0);
	assert_int_equal(anchor_message_parse(msg, strlen(msg), "m", &a, &err), 0);
	assert_int_equal(a.version, 2);
	assert_int_equal(a.counts[AC_REFUNDED_FEN], 40000);
	assert_int_equal(a.counts[AC_PAID_FEN], 200000);
}

static void test_message_format_refuses(void **state)
{
	(void)state;
	uint8_t head[AUDIT_HASH_LEN] = { 0 };
	char msg[ANCHOR_MESSAGE_MAX];
	kerr err = { 0 };
	assert_int_equal(anchor_message_format("bad id", 20000, 1, head, COUNTS_OK, msg, sizeof msg, &err), -1);
	assert_non_null(strstr(err.msg, "kiosk id"));
	assert_int_equal(msg[0], '\0');
	assert_int_equal(anchor_message_format("abcdefghijklmnopqrstuvwxy", 20000, 1, head, COUNTS_OK,
					       msg, sizeof msg, &err), -1);
	assert_int_equal(anchor_message_format("", 20000, 1, head, COUNTS_OK, msg, sizeof msg, &err), -1);
	assert_int_equal(anchor_message_format(NULL, 20000, 1, head, COUNTS_OK, msg, sizeof msg, &err), -1);
	assert_int_equal(anchor_message_format("K", 20000, 0, head, COUNTS_OK, msg, sizeof msg, &err), -1);
	assert_non_null(strstr(err.msg, "last_seq"));
	assert_int_equal(anchor_message_format("K", 20000, 1, head, "cases=1", msg, sizeof msg, &err), -1);
	assert_non_null(strstr(err.msg, "counts"));
	assert_int_equal(anchor_message_format("K", 20000, 1, head, COUNTS_OK, msg, 40, &err), -1);
	assert_non_null(strstr(err.msg, "fit"));
	assert_int_equal(msg[0], '\0');
	/* before 1900: not a day the format can spell */
	long early;
	assert_true(civil_parse("1900-01-01", &early));
	assert_int_equal(anchor_message_format("K", early - 1, 1, head, COUNTS_OK, msg, sizeof msg, &err), -1);
	assert_int_equal(anchor_message_format("K", early, 1, head, COUNTS_OK, msg, sizeof msg, &err), 0);
}

/* MSG_OK with the first occurrence of from replaced by to. */
static const char *edited(const char *from, const char *to)
{
	static char buf[2 * ANCHOR_MESSAGE_MAX];
	const char *p = strstr(MSG_OK, from);
	assert_non_null(p);
	snprintf(buf, sizeof buf, "%.*s%s%s", (int)(p - MSG_OK), MSG_OK, to, p + strlen(from));
	return buf;
}

static void test_message_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *from, *to, *says;
	} bad[] = {
		{ "kiosk-anchor v1", "kiosk-anchor v3", "v1 or v2 anchor" },
		{ "kiosk-anchor v1", "kiosk-anchor v2", "a v2 anchor signs 10 counts, these are v1's 9" },
		{ "paid_fen=200000", "paid_fen=200000,refunded_fen=0", "a v1 anchor signs 9 counts" },
		{ "kiosk-anchor v1 ", "kiosk-anchor v1  ", "extra space" },
		{ "kiosk-anchor", " kiosk-anchor", "extra space" },
		{ "kiosk=SCCA-CD-01 ", "", "'kiosk='" },
		{ "kiosk=SCCA-CD-01", "kiosk=SCCA CD", "'day='" },
		{ "kiosk=SCCA-CD-01", "kiosk=", "kiosk:" },
		{ "kiosk=SCCA-CD-01", "kiosk=SCCA/CD", "kiosk:" },
		{ "kiosk=SCCA-CD-01", "kiosk=abcdefghijklmnopqrstuvwxy", "kiosk:" },
		{ "day=2026-11-21", "day=2026-02-30", "real date" },
		{ "day=2026-11-21", "day=2026-11-1", "YYYY-MM-DD" },
		{ "day=2026-11-21", "day=20261121", "YYYY-MM-DD" },
		{ "day=2026-11-21 last_seq=42", "last_seq=42 day=2026-11-21", "'day='" },
		{ "last_seq=42", "last_seq=042", "leading zeros" },
		{ "last_seq=42", "last_seq=0", "from 1" },
		{ "last_seq=42", "last_seq=-4", "last_seq" },
		{ "last_seq=42", "last_seq=9223372036854775808", "last_seq" },
		{ "last_seq=42", "last_seq=", "last_seq" },
		{ "head=00112233", "head=0011223", "64 lower-case" },
		{ "head=00112233445566778899aabbccddeeff", "head=00112233445566778899AABBCCDDEEFF", "64 lower-case" },
		{ "head=00", "head=zz", "64 lower-case" },
		{ " counts=", " counts=cases=1 ", "counts" },
		{ "counts=cases=12,", "counts=cases=12 ", "after counts" },
		{ "paid_fen=200000", "paid_fen=200000 extra=1", "after counts" },
		{ "paid_fen=200000", "paid_fen=200000\n", "printable ASCII" },
		{ "paid_fen=200000", "paid_fen=200000\r", "printable ASCII" },
		{ "kiosk=SCCA-CD-01", "kiosk=SCCA\tCD", "printable ASCII" },
		{ "kiosk=SCCA-CD-01", "kiosk=成都", "printable ASCII" },
		{ " counts=" COUNTS_OK, "", "fields are missing" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		const char *m = edited(bad[i].from, bad[i].to);
		anchor_rec a;
		kerr err = { 0 };
		if (anchor_message_parse(m, strlen(m), "msg:1", &a, &err) != -1 ||
		    !strstr(err.msg, bad[i].says) || strcmp(err.where, "msg:1") != 0)
			fail_msg("message '%s': want an error saying '%s', got '%s'", m, bad[i].says,
				 err.msg);
		assert_int_equal(a.kiosk_id[0], '\0'); /* nothing half-filled */
		assert_int_equal(a.last_seq, 0);
	}
	anchor_rec a;
	kerr err = { 0 };
	assert_int_equal(anchor_message_parse("", 0, NULL, &a, &err), -1);
	assert_int_equal(anchor_message_parse(NULL, 5, NULL, &a, &err), -1);
	/* a NUL inside the given length is not printable */
	char withnul[] = MSG_OK;
	withnul[20] = '\0';
	assert_int_equal(anchor_message_parse(withnul, sizeof withnul - 1, NULL, &a, &err), -1);
	/* too long */
	char *big = malloc(ANCHOR_MESSAGE_MAX + 10);
	assert_non_null(big);
	memset(big, 'a', ANCHOR_MESSAGE_MAX + 10);
	assert_int_equal(anchor_message_parse(big, ANCHOR_MESSAGE_MAX, NULL, &a, &err), -1);
	assert_non_null(strstr(err.msg, "at most"));
	free(big);
}

/* ---- the key ---- */

typedef struct fx {
	char dir[256];
	char key[320];
	char pub[320];
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	if (!f || !tu_mkdtemp(f->dir, sizeof f->dir))
		return -1;
	snprintf(f->key, sizeof f->key, "%s/data/kiosk-key.pem", f->dir);
	snprintf(f->pub, sizeof f->pub, "%s/data/kiosk-key.pub.pem", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	tu_rmrf(f->dir);
	free(f);
	return 0;
}

static mode_t mode_of(const char *path)
{
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	return sb.st_mode & 0777;
}

/* Entries of dir whose name starts with '.', besides . and .. (temporary files). */
static int hidden_files(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] == '.' && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* The key id computed here from the public key file, independently. */
static void id_of_pub_file(const char *path, char out[65])
{
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	EVP_PKEY *p = PEM_read_PUBKEY(fp, NULL, NULL, NULL);
	fclose(fp);
	assert_non_null(p);
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(p, &der);
	assert_true(n > 0);
	unsigned char md[32];
	assert_int_equal(EVP_Digest(der, (size_t)n, md, NULL, EVP_sha256(), NULL), 1);
	OPENSSL_free(der);
	EVP_PKEY_free(p);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static void test_key_create_and_reload(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	kioskkey *k = kioskkey_load_or_create(f->key, &err);
	assert_non_null(k);
	assert_true(kioskkey_has_private(k));
	assert_int_equal(mode_of(f->key), 0600);
	char dir[300];
	snprintf(dir, sizeof dir, "%s/data", f->dir);
	assert_int_equal(mode_of(dir), 0700);
	assert_true(tu_exists(f->pub));
	size_t n = 0;
	char *pem = tu_read_file(f->key, &n);
	assert_non_null(pem);
	assert_true(strncmp(pem, "-----BEGIN PRIVATE KEY-----\n", 28) == 0); /* PKCS#8 */
	free(pem);
	/* no temporary file left behind */
	assert_int_equal(hidden_files(dir), 0);

	const char *id = kioskkey_id(k);
	assert_int_equal(strlen(id), KIOSKKEY_ID_HEX);
	assert_int_equal(strspn(id, "0123456789abcdef"), KIOSKKEY_ID_HEX);
	char want[65];
	id_of_pub_file(f->pub, want);
	assert_string_equal(id, want);

	/* loaded again: the same key, not a new one */
	char first[65];
	snprintf(first, sizeof first, "%s", id);
	kioskkey_free(k);
	k = kioskkey_load_or_create(f->key, &err);
	assert_non_null(k);
	assert_string_equal(kioskkey_id(k), first);
	kioskkey *pub = kioskkey_load_public(f->pub, &err);
	assert_non_null(pub);
	assert_false(kioskkey_has_private(pub));
	assert_string_equal(kioskkey_id(pub), first);
	kioskkey_free(pub);
	kioskkey_free(k);

	/* a missing public file is written again */
	assert_int_equal(unlink(f->pub), 0);
	k = kioskkey_load_or_create(f->key, &err);
	assert_non_null(k);
	assert_true(tu_exists(f->pub));
	kioskkey_free(k);
}

static void test_key_sign_verify(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	kioskkey *k = kioskkey_load_or_create(f->key, &err);
	assert_non_null(k);
	uint8_t sig[KIOSKKEY_SIG_MAX];
	size_t sl = 0;
	assert_int_equal(kioskkey_sign(k, MSG_OK, strlen(MSG_OK), sig, &sl, &err), 0);
	assert_int_equal(sl, 64);
	assert_true(kioskkey_verify(k, MSG_OK, strlen(MSG_OK), sig, sl));
	kioskkey *pub = kioskkey_load_public(f->pub, &err);
	assert_non_null(pub);
	assert_true(kioskkey_verify(pub, MSG_OK, strlen(MSG_OK), sig, sl));

	/* a changed message, a changed signature, a cut signature */
	char other[] = MSG_OK;
	other[strlen(other) - 1] = '1';
	assert_false(kioskkey_verify(pub, other, strlen(other), sig, sl));
	sig[10] ^= 1;
	assert_false(kioskkey_verify(pub, MSG_OK, strlen(MSG_OK), sig, sl));
	sig[10] ^= 1;
	assert_false(kioskkey_verify(pub, MSG_OK, strlen(MSG_OK), sig, sl - 1));
	assert_false(kioskkey_verify(pub, MSG_OK, strlen(MSG_OK), sig, 0));
	assert_false(kioskkey_verify(NULL, MSG_OK, strlen(MSG_OK), sig, sl));

	/* another key */
	char key2[400];
	snprintf(key2, sizeof key2, "%s/other.pem", f->dir);
	kioskkey *k2 = kioskkey_load_or_create(key2, &err);
	assert_non_null(k2);
	assert_string_not_equal(kioskkey_id(k2), kioskkey_id(k));
	assert_false(kioskkey_verify(k2, MSG_OK, strlen(MSG_OK), sig, sl));
	char pub2[400];
	assert_int_equal(kioskkey_pub_path(key2, pub2, sizeof pub2, &err), 0);
	assert_true(tu_ends_with(pub2, "/other.pub.pem"));
	assert_true(tu_exists(pub2));

	/* the public key alone cannot sign */
	assert_int_equal(kioskkey_sign(pub, MSG_OK, strlen(MSG_OK), sig, &sl, &err), -1);
	assert_int_equal(sl, 0);
	assert_non_null(strstr(err.msg, "private key"));

	/* anchors: sign, check, then change the message */
	anchor_rec a;
	assert_int_equal(anchor_message_parse(MSG_OK, strlen(MSG_OK), NULL, &a, &err), 0);
	assert_int_equal(anchor_sign(&a, k, &err), 0);
	assert_string_equal(a.key_id, kioskkey_id(k));
	assert_true(anchor_signature_ok(&a, pub));
	assert_false(anchor_signature_ok(&a, k2));
	a.message[30] = a.message[30] == 'X' ? 'Y' : 'X';
	assert_false(anchor_signature_ok(&a, pub));

	kioskkey_free(k2);
	kioskkey_free(pub);
	kioskkey_free(k);
}

static void test_key_readable_by_others_refused(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	kioskkey *k = kioskkey_load_or_create(f->key, &err);
	assert_non_null(k);
	kioskkey_free(k);
	assert_int_equal(chmod(f->key, 0644), 0);
	size_t before = 0;
	char *was = tu_read_file(f->key, &before);
	assert_null(kioskkey_load_or_create(f->key, &err));
	assert_string_equal(err.where, f->key);
	char want[400];
	snprintf(want, sizeof want, "chmod 600 %s", f->key);
	assert_non_null(strstr(err.msg, want));
	assert_non_null(strstr(err.msg, "644"));
	/* refused, not replaced */
	assert_true(tu_same_bytes(was, before, f->key));
	free(was);
	assert_int_equal(chmod(f->key, 0640), 0);
	assert_null(kioskkey_load_or_create(f->key, &err));
	assert_int_equal(chmod(f->key, 0600), 0);
	k = kioskkey_load_or_create(f->key, &err);
	assert_non_null(k);
	kioskkey_free(k);
}

static void write_mode(const char *path, const char *text, mode_t mode)
{
	assert_true(tu_write_file(path, text, strlen(text)));
	assert_int_equal(chmod(path, mode), 0);
}

static void test_key_wrong_files_refused(void **state)
{
	fx *f = *state;
	kerr err = { 0 };
	char path[400];
	snprintf(path, sizeof path, "%s/k.pem", f->dir);

	/* not PEM at all */
	write_mode(path, "hello\n", 0600);
	assert_null(kioskkey_load_or_create(path, &err));
	assert_non_null(strstr(err.msg, "not a PEM private key"));
	/* empty */
	write_mode(path, "", 0600);
	assert_null(kioskkey_load_or_create(path, &err));
	assert_non_null(strstr(err.msg, "bytes"));

	/* an EC key is a private key, but not the kind the kiosk signs with */
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(ec);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(PEM_write_PrivateKey(fp, ec, NULL, NULL, 0, NULL, NULL), 1);
	fclose(fp);
	assert_int_equal(chmod(path, 0600), 0);
	assert_null(kioskkey_load_or_create(path, &err));
	assert_non_null(strstr(err.msg, "Ed25519"));
	char pub[400];
	snprintf(pub, sizeof pub, "%s/ec.pub.pem", f->dir);
	fp = fopen(pub, "w");
	assert_non_null(fp);
	assert_int_equal(PEM_write_PUBKEY(fp, ec), 1);
	fclose(fp);
	assert_null(kioskkey_load_public(pub, &err));
	assert_non_null(strstr(err.msg, "Ed25519"));
	EVP_PKEY_free(ec);

	/* a private key where the public one is expected, and the reverse */
	kioskkey *k = kioskkey_load_or_create(f->key, &err);
	assert_non_null(k);
	kioskkey_free(k);
	assert_null(kioskkey_load_public(f->key, &err));
	assert_non_null(strstr(err.msg, "PUBLIC KEY"));
	assert_int_equal(chmod(f->pub, 0600), 0);
	assert_null(kioskkey_load_or_create(f->pub, &err));

	/* a directory, a missing public file, no path */
	assert_null(kioskkey_load_or_create(f->dir, &err));
	assert_non_null(strstr(err.msg, "regular file"));
	snprintf(path, sizeof path, "%s/none.pub.pem", f->dir);
	assert_null(kioskkey_load_public(path, &err));
	assert_string_equal(err.where, path);
	assert_null(kioskkey_load_or_create("", &err));
	assert_null(kioskkey_load_public(NULL, &err));
	/* a key path under a file cannot be created */
	snprintf(path, sizeof path, "%s/kiosk-key.pem/sub/key.pem", f->key);
	assert_null(kioskkey_load_or_create(path, &err));
}

static void test_key_paths(void **state)
{
	(void)state;
	char buf[64];
	kerr err = { 0 };
	assert_int_equal(kioskkey_default_path("/var/kiosk", buf, sizeof buf, &err), 0);
	assert_string_equal(buf, "/var/kiosk/kiosk-key.pem");
	assert_int_equal(kioskkey_pub_path(buf, buf, sizeof buf, &err), 0);
	assert_string_equal(buf, "/var/kiosk/kiosk-key.pub.pem");
	assert_int_equal(kioskkey_pub_path("/k/signing", buf, sizeof buf, &err), 0);
	assert_string_equal(buf, "/k/signing.pub.pem");
	assert_int_equal(kioskkey_pub_path("", buf, sizeof buf, &err), -1);
	assert_int_equal(kioskkey_default_path("", buf, sizeof buf, &err), -1);
	assert_non_null(strstr(err.msg, "data_dir"));
	assert_int_equal(kioskkey_default_path("/a/very/long/directory/name/that/does/not/fit/here",
					       buf, sizeof buf, &err), -1);
	assert_int_equal(kioskkey_pub_path("/a/very/long/directory/name/that/does/not/fit/here/at/all.pem",
					   buf, sizeof buf, &err), -1);
}

/* ---- the exported file ---- */

static void signed_anchor(const fx *f, anchor_rec *a, char *text, size_t n)
{
	kerr err = { 0 };
	kioskkey *k = kioskkey_load_or_create(f->key, &err);
	assert_non_null(k);
	assert_int_equal(anchor_message_parse(MSG_OK, strlen(MSG_OK), NULL, a, &err), 0);
	assert_int_equal(anchor_sign(a, k, &err), 0);
	kioskkey_free(k);
	assert_int_equal(anchor_file_format(a, text, n, &err), 0);
}

static void test_file_round_trip(void **state)
{
	fx *f = *state;
	anchor_rec a, b;
	char text[ANCHOR_FILE_MAX];
	signed_anchor(f, &a, text, sizeof text);
	const char *l2 = strchr(text, '\n') + 1;
	assert_true(strncmp(text, MSG_OK "\n", strlen(MSG_OK) + 1) == 0);
	assert_true(strncmp(l2, "signature=", 10) == 0);
	assert_int_equal(strchr(l2, '\n') - l2, 10 + 128);
	assert_true(tu_ends_with(text, "\n"));
	kerr err = { 0 };
	assert_int_equal(anchor_file_parse(text, strlen(text), "F", &b, &err), 0);
	assert_string_equal(b.message, a.message);
	assert_int_equal(b.sig_len, a.sig_len);
	assert_memory_equal(b.signature, a.signature, a.sig_len);
	assert_string_equal(b.key_id, a.key_id);
	char again[ANCHOR_FILE_MAX];
	assert_int_equal(anchor_file_format(&b, again, sizeof again, &err), 0);
	assert_string_equal(again, text);

	/* through a real file */
	char path[400];
	snprintf(path, sizeof path, "%s/day.anchor", f->dir);
	assert_true(tu_write_file(path, text, strlen(text)));
	assert_int_equal(anchor_file_read(path, &b, &err), 0);
	assert_string_equal(b.message, a.message);
	kerr ferr = { 0 };
	kioskkey *pub = kioskkey_load_public(f->pub, &ferr);
	assert_non_null(pub);
	assert_true(anchor_signature_ok(&b, pub));
	kioskkey_free(pub);

	/* nothing to format without a signature or key id; too small a buffer */
	anchor_rec c = a;
	c.sig_len = 0;
	assert_int_equal(anchor_file_format(&c, again, sizeof again, &err), -1);
	c = a;
	c.key_id[0] = '\0';
	assert_int_equal(anchor_file_format(&c, again, sizeof again, &err), -1);
	assert_int_equal(anchor_file_format(&a, again, 100, &err), -1);
	assert_int_equal(again[0], '\0');
}

static void test_file_malformed(void **state)
{
	fx *f = *state;
	anchor_rec a;
	char text[ANCHOR_FILE_MAX];
	signed_anchor(f, &a, text, sizeof text);
	size_t len = strlen(text);
	const char *l2 = strchr(text, '\n') + 1;
	const char *l3 = strchr(l2, '\n') + 1;
	char buf[2 * ANCHOR_FILE_MAX + 64];
	kerr err;
	anchor_rec b;
#define BAD(line, says, ...)                                                              \
	do {                                                                              \
		snprintf(buf, sizeof buf, __VA_ARGS__);                                   \
		memset(&err, 0, sizeof err);                                              \
		if (anchor_file_parse(buf, strlen(buf), "F", &b, &err) != -1 ||            \
		    !strstr(err.msg, says) || strcmp(err.where, line) != 0)               \
			fail_msg("want %s '%s', got %s '%s' for:\n%s", line, says, err.where, \
				 err.msg, buf);                                           \
		assert_int_equal(b.sig_len, 0);                                           \
	} while (0)

	BAD("F:3", "cut short", "%.*s", (int)(len - 1), text);            /* no final LF */
	BAD("F:3", "ends early", "%.*s", (int)(l3 - text), text);        /* no key id line */
	BAD("F:2", "ends early", "%.*s", (int)(l2 - text), text);        /* message only */
	BAD("F:4", "exactly 3 lines", "%s\n", text);                     /* an empty 4th line */
	BAD("F:4", "exactly 3 lines", "%sextra=1\n", text);
	BAD("F:1", "CR LF", "%.*s\r\n%s", (int)(l2 - text - 1), text, l2);
	BAD("F:2", "CR LF", "%.*s\r\n%s", (int)(l3 - text - 1), text, l3);
	BAD("F:1", "v1 or v2 anchor", "x%s", text);
	BAD("F:2", "'signature='", "%.*s%s", (int)(l2 - text), text, l3); /* line 2 missing */
	BAD("F:2", "'signature='", "%.*sSignature=%s", (int)(l2 - text), text, l2 + 10);
	BAD("F:2", "lower-case hex", "%.*ssignature=\n%s", (int)(l2 - text), text, l3);
	BAD("F:2", "lower-case hex", "%.*ssignature=%.127s\n%s", (int)(l2 - text), text, l2 + 10, l3);
	BAD("F:2", "lower-case hex", "%.*ssignature=AB%.126s\n%s", (int)(l2 - text), text, l2 + 12, l3);
	BAD("F:2", "lower-case hex", "%.*ssignature=%.128s%.128s%.2s\n%s", (int)(l2 - text), text,
	    l2 + 10, l2 + 10, l2 + 10, l3);
	BAD("F:3", "'key_id='", "%.*skeyid=%s", (int)(l3 - text), text, l3 + 7);
	BAD("F:3", "64 lower-case", "%.*skey_id=%.63s\n", (int)(l3 - text), text, l3 + 7);
	BAD("F:3", "64 lower-case", "%.*skey_id=%.64sa\n", (int)(l3 - text), text, l3 + 7);
	BAD("F:3", "64 lower-case", "%.*skey_id=G%.63s\n", (int)(l3 - text), text, l3 + 8);
	BAD("F:1", "printable", "%.*s\t%s", (int)(l2 - text - 1), text, l2 - 1);
#undef BAD
	/* the lines in another order */
	snprintf(buf, sizeof buf, "%s%.*s", l2, (int)(l2 - text), text);
	assert_int_equal(anchor_file_parse(buf, strlen(buf), "F", &b, &err), -1);
	assert_string_equal(err.where, "F:1");

	assert_int_equal(anchor_file_parse("", 0, "F", &b, &err), -1);
	assert_non_null(strstr(err.msg, "empty"));
	assert_int_equal(anchor_file_parse(NULL, 0, NULL, &b, &err), -1);
	memcpy(buf, text, len);
	buf[5] = '\0';
	assert_int_equal(anchor_file_parse(buf, len, "F", &b, &err), -1);
	assert_non_null(strstr(err.msg, "NUL"));
	char *big = calloc(1, ANCHOR_FILE_MAX + 2);
	assert_non_null(big);
	memset(big, '\n', ANCHOR_FILE_MAX + 1);
	assert_int_equal(anchor_file_parse(big, ANCHOR_FILE_MAX + 1, "F", &b, &err), -1);
	assert_non_null(strstr(err.msg, "too long"));

	/* read from disk: missing, a directory, too long */
	char path[400];
	snprintf(path, sizeof path, "%s/none.anchor", f->dir);
	assert_int_equal(anchor_file_read(path, &b, &err), -1);
	assert_string_equal(err.where, path);
	assert_int_equal(anchor_file_read(f->dir, &b, &err), -1);
	assert_non_null(strstr(err.msg, "regular file"));
	snprintf(path, sizeof path, "%s/big.anchor", f->dir);
	assert_true(tu_write_file(path, big, ANCHOR_FILE_MAX + 1));
	assert_int_equal(anchor_file_read(path, &b, &err), -1);
	assert_non_null(strstr(err.msg, "too long"));
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_round_trip),
		cmocka_unit_test(test_counts_malformed),
		cmocka_unit_test(test_counts_cover_every_status),
		cmocka_unit_test(test_message_round_trip),
		cmocka_unit_test(test_message_format_refuses),
		cmocka_unit_test(test_message_malformed),
		cmocka_unit_test(test_key_paths),
		cmocka_unit_test_setup_teardown(test_key_create_and_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_sign_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_readable_by_others_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_wrong_files_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_malformed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
