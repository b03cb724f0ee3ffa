/* rowhash: the canonical form and hash of one row of a bound table. Every
 * table of business or access facts is bound to the audit chain (after SQL
 * Server's ledger tables): each state of each row is recorded by its hash
 * in an audit row, so a row changed, removed or added outside the kiosk no
 * longer matches the chain (db/ledger.c writes the bindings, and
 * db/ledger_verify.c checks them).
 *
 *   canonical(row)  = for each column, in the table's column order:
 *                       one type tag byte: 0 NULL, 1 integer, 2 real, 3 text,
 *                       4 blob; then an integer as 8 bytes big-endian two's
 *                       complement, a real as its 8 IEEE-754 bytes big-endian,
 *                       a text or blob as a 4-byte big-endian byte length and
 *                       the bytes (all of them: a NUL hides nothing)
 *   prefix(table)   = SHA-256 of the canonical form (as above) of the values:
 *                       the text "kiosk.ledger.row/1", the table's name, its
 *                       column count (an integer), each column's name
 *   hash(row)       = SHA-256(prefix(table) || canonical(row))
 * The key is the table's primary-key columns, part of the row. A row's
 * version is the audit row that records its state; successive records of a
 * row are linked by the hash of the state each change started from. Column
 * names are in the prefix, so renaming or reordering columns changes every
 * hash of the table.
 *
 * Check bytes: 2 per column, the low 16 bits of FNV-1a (32 bits) over that
 * column's canonical bytes. They name the column that differs when a row no
 * longer matches its hash (a changed column keeps its check bytes once in
 * 65,536 changes, and is then not named); detection rests on the hash alone.
 *
 * A rowenc is owned by its user (rowenc_free); nothing here touches SQL. */
#ifndef CORE_AUDIT_ROWHASH_H
#define CORE_AUDIT_ROWHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/audit/audit.h"

#define ROWHASH_CHECK_LEN 2 /* check bytes per column */

typedef enum rowval_type { RV_NULL, RV_INT, RV_REAL, RV_TEXT, RV_BLOB } rowval_type;

/* One column value, as the store hands it over. */
typedef struct rowval {
	rowval_type type;
	int64_t i;        /* RV_INT */
	double r;         /* RV_REAL */
	const void *p;    /* RV_TEXT, RV_BLOB: n bytes (p may be NULL when n is 0) */
	size_t n;
} rowval;

/* The canonical bytes of one row and where each column ends in them. */
typedef struct rowenc {
	uint8_t *p;
	size_t len, cap;
	size_t *end;      /* end[i]: offset just past column i */
	size_t ncols, capcols;
	bool oom;         /* an allocation failed: the encoding is unusable */
} rowenc;

void rowenc_clear(rowenc *e);                 /* empty, memory kept */
void rowenc_free(rowenc *e);
void rowenc_add(rowenc *e, const rowval *v);  /* the next column */
bool rowenc_copy(rowenc *dst, const rowenc *src); /* false when out of memory */
/* The canonical bytes of column i alone. */
const uint8_t *rowenc_col(const rowenc *e, size_t i, size_t *n);
/* The check bytes of every column into out (ROWHASH_CHECK_LEN * ncols
 * bytes, cap at most); the number written. */
size_t rowenc_checks(const rowenc *e, uint8_t *out, size_t cap);

/* prefix(table) for the columns named cols[0..ncols). 0, -1 on a crypto failure. */
int rowhash_prefix(audit_hasher *h, const char *table, const char *const *cols, size_t ncols,
		   uint8_t out[AUDIT_HASH_LEN]);
/* hash(row) of an encoded row. 0, or -1 (crypto failure, or e->oom). */
int rowhash(audit_hasher *h, const uint8_t prefix[AUDIT_HASH_LEN], const rowenc *e,
	    uint8_t out[AUDIT_HASH_LEN]);

#endif
