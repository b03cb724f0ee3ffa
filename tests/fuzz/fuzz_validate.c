/* Fuzz harness for core/validate: every input goes through all four
 * validators and the invariants a caller relies on are checked with abort(),
 * which libFuzzer and the replay driver both report:
 *   - success: reason VAL_OK, pos 0, norm as long as len, and norm validates
 *     again to itself (normalising is idempotent);
 *   - failure: a real reason, pos within 0..len+1, norm empty, got/want/date
 *     terminated strings filled as the reason promises;
 *   - USCC and organisation code: changing the case of ASCII letters or adding
 *     surrounding spaces never changes the verdict;
 *   - the *_check_char functions agree with the validators.
 * Built with libFuzzer (make fuzz) and with tests/fuzz/replay.c (make test). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/case/validate.h"

#define TODAY 20261121

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond)
{
	if (!cond)
		abort();
}

static void check_strings(const val_result *r)
{
	require(memchr(r->got, '\0', sizeof r->got) != NULL);
	require(memchr(r->want, '\0', sizeof r->want) != NULL);
	require(memchr(r->date, '\0', sizeof r->date) != NULL);
	require(memchr(r->norm, '\0', sizeof r->norm) != NULL);
}

static void check_failure(const val_result *r)
{
	require(r->reason > VAL_OK && r->reason < VAL_REASON_COUNT);
	require(r->pos >= 0 && r->pos <= r->len + 1);
	require(r->norm[0] == '\0');
	require(strncmp(val_reason_key(r->reason), "val.", 4) == 0);
	switch (r->reason) {
	case VAL_EMPTY:
		require(r->len == 0 && r->pos == 0);
		break;
	case VAL_LENGTH:
		require(r->len != r->want_len && r->pos == 0);
		break;
	case VAL_BAD_CHAR:
	case VAL_MOBILE:
		require(r->pos >= 1 && r->got[0] != '\0');
		break;
	case VAL_CHECK:
	case VAL_ORG_CHECK:
		require(r->pos >= 1 && r->got[0] != '\0' && r->want[0] != '\0');
		require(strcmp(r->got, r->want) != 0);
		break;
	case VAL_BAD_DATE:
	case VAL_FUTURE_DATE:
		require(r->pos >= 1 && strlen(r->date) == 10);
		break;
	default:
		break;
	}
}

static void check_success(const val_result *r)
{
	require(r->reason == VAL_OK && r->pos == 0);
	require(r->norm[0] != '\0' && (int)strlen(r->norm) == r->len);
	require(r->len == r->want_len);
}

static void check_one(bool ok, const val_result *r)
{
	check_strings(r);
	if (ok)
		check_success(r);
	else
		check_failure(r);
}

static void flip_case(char *s)
{
	for (; *s; s++) {
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
		else if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Keep inputs short enough to copy twice; longer ones add nothing. */
	if (size > 4096)
		return 0;
	char *s = malloc(size + 3);
	char *t = malloc(size + 3);
	if (!s || !t) {
		free(s);
		free(t);
		return 0;
	}
	memcpy(s, data, size);
	s[size] = '\0';

	val_result r, again;
	bool ok;

	ok = validate_uscc(s, &r);
	check_one(ok, &r);
	if (ok) {
		require(validate_uscc(r.norm, &again) && strcmp(again.norm, r.norm) == 0);
		require(uscc_check_char(r.norm) == r.norm[17]);
		require(orgcode_check_char(r.norm + 8) == r.norm[16]);
		memcpy(t, r.norm + 8, 9);
		t[9] = '\0';
		require(validate_orgcode(t, NULL));
	}
	strcpy(t, s);
	flip_case(t);
	require(validate_uscc(t, NULL) == ok);
	t[0] = ' ';
	memcpy(t + 1, s, size + 1);
	strcat(t, " ");
	require(validate_uscc(t, NULL) == ok);

	ok = validate_orgcode(s, &r);
	check_one(ok, &r);
	if (ok) {
		require(validate_orgcode(r.norm, &again) && strcmp(again.norm, r.norm) == 0);
		require(orgcode_check_char(r.norm) == r.norm[8]);
	}
	strcpy(t, s);
	flip_case(t);
	require(validate_orgcode(t, NULL) == ok);

	ok = validate_resident_id(s, TODAY, &r);
	check_one(ok, &r);
	if (ok) {
		require(validate_resident_id(r.norm, TODAY, &again) &&
			strcmp(again.norm, r.norm) == 0);
		require(resident_id_check_char(r.norm) == r.norm[17]);
	}

	ok = validate_mobile(s, &r);
	check_one(ok, &r);
	if (ok) {
		require(validate_mobile(r.norm, &again) && strcmp(again.norm, r.norm) == 0);
		require(r.norm[0] == '1' && r.norm[1] >= '3');
	}

	/* The check-char functions stop at the first character outside their
	 * alphabet (the NUL of a short string included) and answer only with
	 * characters of the alphabet. */
	char c = uscc_check_char(s);
	require(c == '\0' || strchr("0123456789ABCDEFGHJKLMNPQRTUWXY", c));
	c = resident_id_check_char(s);
	require(c == '\0' || strchr("0123456789X", c));
	c = orgcode_check_char(s);
	require(c == '\0' || strchr("0123456789X", c));

	free(s);
	free(t);
	return 0;
}
