/* local (private to db/pg): the kiosk's side of a shipment, read from its
 * SQLite file through db/'s store: the head, the hash at a row, and the rows
 * after a given one in order. Every row read is checked as `audit verify`
 * checks it (core/audit/audit.c's hash recomputed, the previous hash, no
 * NUL hidden in a text, the genesis row), so a file that does not chain is
 * never sent. */
#ifndef DB_PG_LOCAL_H
#define DB_PG_LOCAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/audit/audit.h"
#include "core/base/err.h"
#include "db/db.h"

/* The file's head (seq, hash): 0, or -1 with err. */
int hall_local_head(kdb *db, int64_t *seq, uint8_t hash[AUDIT_HASH_LEN], kerr *err);
/* The stored hash of row seq: 0, 1 when there is no such row, -1 with err. */
int hall_local_hash_at(kdb *db, int64_t seq, uint8_t hash[AUDIT_HASH_LEN], kerr *err);

/* One row as read (texts borrowed until the visit returns). */
typedef struct hall_row {
	int64_t seq, at_ms;
	const char *actor, *action, *case_no, *detail;
	uint8_t prev[AUDIT_HASH_LEN], hash[AUDIT_HASH_LEN];
} hall_row;

/* Visit up to max rows after row `after`, in order; *prev is the hash of row
 * `after` (all zero for 0) and is moved along. Each row must follow it and
 * match its hash, else 1 with problem (what is wrong, in words). visit
 * returns 0 to go on, -1 to stop with err. *n: rows visited. 0, 1 (problem),
 * -1 (err). */
int hall_local_rows(kdb *db, int64_t after, int64_t max, uint8_t prev[AUDIT_HASH_LEN],
		    int (*visit)(void *ctx, const hall_row *row, kerr *err), void *ctx,
		    int64_t *n, char *problem, size_t problem_len, kerr *err);

/* One seal of the file (its `seals` table), borrowed until the visit
 * returns. */
typedef struct hall_local_seal {
	int64_t id, epoch, first_seq, last_seq, row_count, at_ms;
	const uint8_t *head_hash, *tag; /* AUDIT_HASH_LEN bytes each */
} hall_local_seal;

/* Visit the file's seals after seal id `after` that cover no row past
 * `upto`, in order. 0, or -1 with err (a visit's, or the file's). */
int hall_local_seals(kdb *db, int64_t after, int64_t upto,
		     int (*visit)(void *ctx, const hall_local_seal *s, kerr *err), void *ctx,
		     kerr *err);

#endif
