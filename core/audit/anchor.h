/* anchor: the supervisor's signed day anchor as text. When a day is closed the
 * kiosk signs one line that pins the audit chain's head at that moment and the
 * day's business figures:
 *
 *   kiosk-anchor v2 kiosk=<id> day=<YYYY-MM-DD> last_seq=<n> head=<64 hex> counts=<counts>
 *
 * counts = cases=N,open=N,accepted=N,rongque=N,refused=N,completed=N,cancelled=N,
 *          due_fen=N,paid_fen=N,refunded_fen=N (names in this fixed order,
 *          ANCHOR_COUNTS below). A v1 anchor (written before refunds were
 *          signed) has the same counts without refunded_fen; it is read, kept
 *          and checked as it is, never rewritten.
 * The exported anchor file is that line, then `signature=<hex>` and
 * `key_id=<64 hex>`, each line ending in LF (docs/day-close.md). This module
 * builds and parses both strictly: one canonical spelling for every value, so
 * parse then format gives back the same bytes, and bad input is a kerr naming
 * the line and field, never a crash. It owns no memory: an anchor_rec is a
 * plain value filled by the caller's functions. Storing anchors is db/'s job
 * (db/repo/anchor_repo.h); the key is core/audit/kioskkey.h's. */
#ifndef CORE_ANCHOR_H
#define CORE_ANCHOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/audit/audit.h"
#include "core/base/err.h"
#include "core/base/names.h"
#include "core/audit/kioskkey.h"

/* The counts an anchor signs, in their signed order: v1 signs all but the
 * last (refunded_fen), v2 all. Changing this list changes the format: that is
 * a new version, never an edit of an old one. */
#define ANCHOR_COUNTS(X)                                                      \
	X(AC_CASES,     "cases")     /* cases opened that day */                 \
	X(AC_OPEN,      "open")      /* by status, as casefsm names them */      \
	X(AC_ACCEPTED,  "accepted")                                              \
	X(AC_RONGQUE,   "rongque")                                               \
	X(AC_REFUSED,   "refused")                                               \
	X(AC_COMPLETED, "completed")                                             \
	X(AC_CANCELLED, "cancelled")                                             \
	X(AC_DUE_FEN,   "due_fen")   /* fees due, 分 (db_report_daily) */         \
	X(AC_PAID_FEN,  "paid_fen")  /* verified payments held (SUCCESS), 分 */  \
	X(AC_REFUNDED_FEN, "refunded_fen") /* refunds done (SUCCESS), 分; v2 */

/* anchor_count_name(): the word signed ("?" out of range); _from_name(). */
ENUM_DECLARE_WORD(anchor_count, ANCHOR_COUNTS, AC_COUNT);

#define ANCHOR_VERSION     2     /* the version a close writes */
#define ANCHOR_V1_COUNTS   (AC_REFUNDED_FEN) /* counts a v1 anchor signs */
#define ANCHOR_PREFIX      "kiosk-anchor v"
#define ANCHOR_KIOSK_MAX   24
#define ANCHOR_COUNTS_MAX  320   /* bytes of the counts text, with its NUL */
#define ANCHOR_MESSAGE_MAX 1024  /* bytes of the message, with its NUL */
#define ANCHOR_FILE_MAX    2048  /* bytes of an exported anchor file */

typedef struct anchor_rec {
	int version;                       /* 1 or 2 (ANCHOR_VERSION) */
	char kiosk_id[ANCHOR_KIOSK_MAX + 1];
	long day;                          /* civil day closed */
	int64_t last_seq;                  /* audit seq of the head when signed */
	uint8_t head[AUDIT_HASH_LEN];      /* that row's hash */
	int64_t counts[AC_COUNT];          /* a v1 anchor's refunded_fen: 0 */
	char counts_text[ANCHOR_COUNTS_MAX];
	char message[ANCHOR_MESSAGE_MAX];  /* the exact signed text, no line end */
	uint8_t signature[KIOSKKEY_SIG_MAX];
	size_t sig_len;
	char key_id[KIOSKKEY_ID_HEX + 1];
	char closed_by[33];                /* from the database; "" from a file */
	int64_t closed_ms;                 /* from the database; 0 from a file */
} anchor_rec;

/* The number of counts a version signs (0 for an unknown version). */
int anchor_counts_n(int version);
/* counts (each >= 0) as the canonical counts text of version (1 or 2). 0 or
 * -1 with err. */
int anchor_counts_format(const int64_t counts[AC_COUNT], int version, char *buf, size_t n,
			 kerr *err);
/* Strict parse of a counts text into counts[] (those a version lacks are 0)
 * and, when version is not NULL, the version its fields say (1 or 2). where
 * names the source for err ("anchor file F:1"). 0 or -1 with err. */
int anchor_counts_parse(const char *s, int64_t counts[AC_COUNT], int *version, const char *where,
			kerr *err);

/* The canonical message for these values into buf. kiosk_id 1-24 of
 * [A-Za-z0-9_-], last_seq >= 1, counts_text canonical (checked); the
 * message's version is the counts text's. */
int anchor_message_format(const char *kiosk_id, long day, int64_t last_seq,
			  const uint8_t head[AUDIT_HASH_LEN], const char *counts_text, char *buf,
			  size_t n, kerr *err);
/* Strict parse of len bytes of a message (no line end) into out (version,
 * kiosk_id, day, last_seq, head, counts, counts_text, message; the rest
 * zeroed). The counts must be those of the message's version. */
int anchor_message_parse(const char *msg, size_t len, const char *where, anchor_rec *out,
			 kerr *err);

/* Sign a->message with k: fills signature, sig_len and key_id. */
int anchor_sign(anchor_rec *a, const kioskkey *k, kerr *err);
/* a->signature verifies over a->message with k (the key id is not compared). */
bool anchor_signature_ok(const anchor_rec *a, const kioskkey *k);

/* The exported file's text: message, signature and key id lines. */
int anchor_file_format(const anchor_rec *a, char *buf, size_t n, kerr *err);
/* Strict parse of an exported file's bytes; name is used in err
 * ("<name>:<line>"). On failure out is zeroed. */
int anchor_file_parse(const char *data, size_t len, const char *name, anchor_rec *out,
		      kerr *err);
/* Read and parse the file at path (at most ANCHOR_FILE_MAX bytes). */
int anchor_file_read(const char *path, anchor_rec *out, kerr *err);

#endif
