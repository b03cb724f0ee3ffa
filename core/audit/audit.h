/* core/audit: what makes the record tamper-evident. Every business row is
 * written with an audit row (db/ stores them) whose hash chains it to the row
 * before; the supervisor closes a day by signing an anchor that pins the
 * chain's head and the day's counts with the kiosk's own key; staff PINs are
 * kept only as salted hashes. Pure computation and files under the data
 * directory: no SQL here.
 *
 *   files          header  what they hold
 *   audit.[ch]     public  this table; an audit row's canonical form and hash
 *   rowhash.[ch]   public  a business row's canonical form and hash (the ledger
 *                          binding of every table to the chain), its column
 *                          check bytes
 *   actions.[ch]   public  AUDIT_ACTIONS: every action word the log holds, with
 *                          the per-step and per-reason ones generated
 *   anchor.[ch]    public  the signed day anchor as text: counts (word
 *                          table), format, parse, sign, verify
 *   kioskkey.[ch]  public  the kiosk's Ed25519 key in the data directory
 *   pinhash.[ch]   public  staff PINs as scrypt hashes; which PINs are accepted
 *   seal.[ch]      public  forward-secure sealing: epoch keys that evolve one
 *                          way, checkpoint tags, the verification key's text,
 *                          the key file <data_dir>/seal-key
 *
 * Every header here is public. The folder depends on core/base, and the
 * action words on the case's steps (core/case) and the key's reasons
 * (core/token). */

/* audit: the canonical form and hash of one audit-log row. Each row's hash is
 * SHA-256 over a length-prefixed encoding of its fields and the previous row's
 * hash, so changing, removing or reordering any row breaks every hash after it.
 * The genesis row (seq 1) has an all-zero previous hash and carries the kiosk id.
 * db/ stores the rows; this module only computes and compares. */
#ifndef CORE_AUDIT_H
#define CORE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUDIT_HASH_LEN 32

typedef struct audit_row {
	int64_t seq;          /* 1, 2, 3 ... without gaps */
	int64_t at_ms;        /* UTC, milliseconds since the epoch */
	const char *actor;    /* staff id, or "system" */
	const char *action;   /* the word of an audit_action (core/audit/actions.h): "case.open" */
	const char *case_no;  /* "" when not about a case */
	const char *detail;   /* canonical JSON-ish text of what changed */
	uint8_t prev[AUDIT_HASH_LEN];
} audit_row;

typedef struct audit_hasher audit_hasher;

/* A reusable hasher (keeps the digest context across rows: verify is a hot loop). */
audit_hasher *audit_hasher_new(void);
void audit_hasher_free(audit_hasher *h);
/* hash = SHA-256(canonical(row)). Returns 0, -1 on a crypto failure. */
int audit_hash(audit_hasher *h, const audit_row *row, uint8_t out[AUDIT_HASH_LEN]);

/* hash = SHA-256 over the n parts in order, with the same reused context
 * (the row hashes of core/audit/rowhash.c). Returns 0, -1 on a crypto
 * failure. */
typedef struct audit_part {
	const void *p;
	size_t n;
} audit_part;
int audit_digest(audit_hasher *h, const audit_part *parts, size_t n, uint8_t out[AUDIT_HASH_LEN]);

/* Lower-case hex of a hash into buf (>= 65 bytes). */
const char *audit_hex(const uint8_t h[AUDIT_HASH_LEN], char *buf);
/* Parse 64 hex digits; false on anything else. */
bool audit_unhex(const char *hex, uint8_t out[AUDIT_HASH_LEN]);

#endif
