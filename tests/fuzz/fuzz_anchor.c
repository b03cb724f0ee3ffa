/* Fuzz harness for the day anchor parsers (core/audit/anchor.h): the exported
 * anchor file, the signed message line and the counts text, all fed the same
 * bytes. The invariants a caller relies on are checked with abort():
 *   - err strings terminated and valid UTF-8 (they reach the operator);
 *   - a parsed file formats back to exactly the bytes read, its message
 *     parses again to the same fields, and its signature and key id fit;
 *   - a parsed message or counts text formats back to exactly its bytes
 *     (one spelling per value: what is verified is what was signed);
 *   - on failure the record is left empty.
 * Built with libFuzzer (make fuzz) and with tests/fuzz/replay.c (make test). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit/anchor.h"
#include "core/base/kini.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond)
{
	if (!cond)
		abort();
}

static void check_err(const kerr *e)
{
	require(memchr(e->where, '\0', sizeof e->where) != NULL);
	require(memchr(e->msg, '\0', sizeof e->msg) != NULL);
	require(kini_utf8_valid(e->msg, strlen(e->msg), NULL));
}

static bool empty(const anchor_rec *a)
{
	return a->kiosk_id[0] == '\0' && a->message[0] == '\0' && a->counts_text[0] == '\0' &&
	       a->last_seq == 0 && a->sig_len == 0 && a->key_id[0] == '\0';
}

static void same_fields(const anchor_rec *a, const anchor_rec *b)
{
	require(strcmp(a->kiosk_id, b->kiosk_id) == 0);
	require(a->day == b->day && a->last_seq == b->last_seq);
	require(memcmp(a->head, b->head, AUDIT_HASH_LEN) == 0);
	require(memcmp(a->counts, b->counts, sizeof a->counts) == 0);
	require(strcmp(a->counts_text, b->counts_text) == 0);
	require(strcmp(a->message, b->message) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	static char buf[ANCHOR_FILE_MAX + ANCHOR_MESSAGE_MAX];

	/* the whole input as an exported anchor file */
	anchor_rec a, m;
	kerr err = { { 0 }, { 0 } };
	if (anchor_file_parse(text, size, "fuzz.anchor", &a, &err) == 0) {
		require(a.sig_len >= 1 && a.sig_len <= KIOSKKEY_SIG_MAX);
		require(strlen(a.key_id) == KIOSKKEY_ID_HEX);
		require(a.last_seq >= 1);
		kerr e2 = { { 0 }, { 0 } };
		require(anchor_file_format(&a, buf, sizeof buf, &e2) == 0);
		require(strlen(buf) == size && memcmp(buf, data, size) == 0);
		require(anchor_message_parse(a.message, strlen(a.message), NULL, &m, &e2) == 0);
		same_fields(&a, &m);
	} else {
		require(empty(&a));
	}
	check_err(&err);

	/* the whole input as one message line */
	kerr e3 = { { 0 }, { 0 } };
	if (anchor_message_parse(text, size, "fuzz", &m, &e3) == 0) {
		require(size < ANCHOR_MESSAGE_MAX);
		kerr e4 = { { 0 }, { 0 } };
		require(anchor_message_format(m.kiosk_id, m.day, m.last_seq, m.head, m.counts_text,
					      buf, sizeof buf, &e4) == 0);
		require(strlen(buf) == size && memcmp(buf, data, size) == 0);
		require(strcmp(m.message, buf) == 0);
	} else {
		require(empty(&m));
	}
	check_err(&e3);

	/* the input up to its first NUL as a counts text */
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	int64_t counts[AC_COUNT];
	kerr e5 = { { 0 }, { 0 } };
	int version = 0;
	if (anchor_counts_parse(s, counts, &version, "fuzz", &e5) == 0) {
		kerr e6 = { { 0 }, { 0 } };
		require(anchor_counts_format(counts, version, buf, sizeof buf, &e6) == 0);
		require(strcmp(buf, s) == 0);
	}
	check_err(&e5);
	free(s);
	return 0;
}
