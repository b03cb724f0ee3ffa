/* ledger (private to db/): every table of the file bound to the audit chain,
 * after SQL Server's ledger tables. Each change of each row is recorded, in
 * an audit row written in the same transaction, by the hash of the row's
 * new content (core/audit/rowhash.h) and the hash of the content it had
 * before, so that a row changed, deleted or added outside the kiosk no
 * longer matches the chain, and a change the kiosk later makes over such a
 * row does not seal it either (the state it started from is on record).
 *
 * Bound: every ordinary table of the file except the chain itself (audit,
 * audit_head) and its seals (seal_setup, seals: they carry their own HMAC
 * tags, follow one another by trigger, and a seal that wrote an audit row
 * would itself need sealing, every epoch) and the tables of the search
 * index (cases_find_*, v11: derived from cases by trigger, rewritten in
 * blocks as FTS5 merges them; a case is found through its own bound row,
 * db_case_find); and the schema's own rows (sqlite_schema: type, name, table
 * and SQL of every table, index and trigger), so a trigger added, dropped or
 * changed outside the kiosk is seen too. A table a later migration creates is
 * bound without a line here.
 *
 * How a row gets its record, by construction rather than by discipline:
 *  - on every connection, SQLite's pre-update hook notes the key of every
 *    row of a bound table about to be inserted, updated or deleted, by any
 *    statement (a raw one, a trigger's), and keeps the row as it was the
 *    first time the transaction touches it;
 *  - the store's before_commit hook (the outermost operation's COMMIT or
 *    RELEASE, and db_tx_commit()) binds what was noted: one `ledger.bind`
 *    audit row per operation lists, for each row, its table, key, the hash
 *    of its state before, the hash of its state now (null: deleted) and its
 *    column check bytes;
 *  - an sqlite3 commit hook refuses (rolls back) a commit while noted rows
 *    are unbound, so even a raw INSERT through db/ cannot commit unbound;
 *  - writes are refused while the schema differs from the digest kept in
 *    meta (a trigger stored in the file could otherwise change rows inside
 *    the kiosk's own transactions).
 * The verifier (ledger_verify.c) folds these rows into the last record of
 * every key and matches the tables against it; nothing but the chain is
 * trusted, and no table holds a copy to keep in step.
 *
 * Text of a binding row (compact JSON, one entry per row):
 *   {"rows":[ENTRY,...]}  or, for `ledger.seal`, {"rows":[...],"note":"..."}
 *   ENTRY = ["table",[key values],"before","after","checks"]
 *     before: 32 hex digits (the first 16 bytes of the row's hash before the
 *             change), null when there was no row;
 *     after:  64 hex digits (the row's hash now), null when it was deleted;
 *     checks: hex, ROWHASH_CHECK_LEN bytes per column ("" when deleted);
 *     key values: integers as digits, text as JSON strings, null, and
 *             {"r":"%.17g"} / {"x":"hex"} for a real or a blob.
 * Sits on the audit log and the store. */
#ifndef DB_LEDGER_H
#define DB_LEDGER_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/audit/rowhash.h"
#include "core/base/err.h"
#include "db/db.h"
#include "db/store.h"

#define LEDGER_SCHEMA_VERSION 7  /* the migration that binds the tables */
#define LEDGER_KEY_MAX 3         /* key columns a binding holds */
#define LEDGER_PRE_LEN 16        /* bytes of the "before" hash kept */
#define LEDGER_CHUNK 1000        /* entries per audit row */
/* the tables not bound, as an SQL list (see above) */
#define LEDGER_UNBOUND_SQL                                                   \
	"('audit', 'audit_head', 'seal_setup', 'seals', 'cases_find_data',"  \
	" 'cases_find_idx', 'cases_find_config')"
#define LEDGER_SCHEMA_TABLE "sqlite_schema" /* the schema's rows, as bound */
#define LEDGER_META_DIGEST "schema_digest"  /* meta key of the schema's digest */

/* ---- the bound tables, as the file holds them now (ledger_rows.c) ---- */

typedef struct ltab {
	char *name;
	char *select;        /* every row */
	char *by_key;        /* one row: WHERE <key> IS ?1 ... */
	size_t ncols;
	char **cols;         /* names, in the table's order ("rowid" first when
			      * the key is the rowid) */
	bool by_rowid;       /* the key is the rowid, kept as column 0 (the
			      * table declares no PRIMARY KEY) */
	int nkey;            /* 0: the table has no key a binding can hold */
	int key[LEDGER_KEY_MAX]; /* the key's columns (indexes into cols) */
	bool schema;         /* the schema's rows (sqlite_schema) */
	uint8_t prefix[AUDIT_HASH_LEN];
	sqlite3_stmt *st_key; /* by_key, prepared when first needed (binder) */
} ltab;

typedef struct lcat {
	ltab *t;
	size_t n;
} lcat;

/* The bound tables of the file (by name, the schema's rows last). 0, or -1
 * with err. */
int lcat_load(kdb *db, lcat *cat, kerr *err);
void lcat_free(lcat *cat);
ltab *lcat_find(const lcat *cat, const char *name);
/* Column i of t as SQL: its quoted name, or the rowid. */
void ltab_col_ref(dbuf *d, const ltab *t, size_t i);
/* An identifier in double quotes. */
void ledger_ident(dbuf *d, const char *name);

/* ---- key values, copied or viewed ---- */

typedef struct lval {
	int type;            /* SQLITE_NULL, _INTEGER, _FLOAT, _TEXT, _BLOB */
	int64_t i;
	double r;
	const char *p;       /* text or blob bytes (a view, or own) */
	size_t n;
	char *own;           /* a copy's buffer */
	size_t cap;
} lval;

typedef struct lkey {
	int n;
	lval v[LEDGER_KEY_MAX];
} lkey;

void lval_view(lval *out, sqlite3_value *v);       /* points into v */
bool lval_copy(lval *dst, const lval *src);        /* false when out of memory */
void lkey_free(lkey *k);
void lval_bind(sqlite3_stmt *st, int i, const lval *v);
void lkey_of_row(const ltab *t, sqlite3_stmt *row, lkey *k); /* views */
/* The key's canonical bytes (the row encoding of its values). */
void lkey_bytes(const lkey *k, rowenc *e);
/* "id=3", "case_id=7, material_id=m.licence" (t NULL: the values alone). */
void lkey_text(const ltab *t, const lkey *k, char *buf, size_t n);

/* ---- rows ---- */

/* The row's canonical form: columns [0, ncols) of st. */
void ledger_encode(rowenc *e, sqlite3_stmt *st, size_t ncols);
/* Which columns differ between a row and recorded check bytes, as "a, b"
 * (t's names) into buf; "" when none can be named. */
void ledger_diff_columns(const ltab *t, const rowenc *now, const uint8_t *recorded,
			 size_t rec_len, char *buf, size_t n);

/* ---- the text of a binding row ---- */

typedef struct lentry {
	const char *table;   /* NUL-terminated (own buffer) */
	lkey key;            /* own buffers */
	bool has_pre, has_hash;
	uint8_t pre[LEDGER_PRE_LEN];
	uint8_t hash[AUDIT_HASH_LEN];
	uint8_t *checks;     /* own buffer */
	size_t n_checks;
	/* buffers reused entry after entry */
	char *tbuf;
	size_t tcap, ccap;
} lentry;

void ledger_entry_text(dbuf *d, bool first, const char *table, const lkey *k,
		       const uint8_t *pre, const uint8_t *hash, const uint8_t *checks,
		       size_t n_checks);
/* Each entry of a binding row's detail, in order; fn returns 0 to go on.
 * Without checks, only the first LEDGER_PRE_LEN bytes of the hash are read
 * and no check bytes (the fold needs no more). 0 all read, 1 the text is not
 * a binding row's (nothing more is read), -1 what fn returned. e is reused;
 * lentry_free() it after. */
int ledger_entries(const char *detail, size_t n, bool checks, lentry *e,
		   int (*fn)(void *ctx, const lentry *e), void *ctx);
void lentry_free(lentry *e);

/* ---- binding (ledger.c) ---- */

/* Bind an open kdb to its file (schema >= 6): load the bound tables,
 * install the hooks; check the schema against its digest in meta (writes
 * are refused while they differ). Again after a migration, to follow the
 * schema. 0, -1 err. */
int dbi_ledger_attach(kdb *db, kerr *err);
bool dbi_ledger_on(const kdb *db);
/* SHA-256 of the schema's rows, lower-case hex (65 bytes). 0, -1 err. */
int dbi_ledger_schema_digest(kdb *db, char hex[2 * AUDIT_HASH_LEN + 1], kerr *err);

/* Migration 6: keep the schema's digest in meta, then bind every row of
 * every bound table as found, in `ledger.seal` rows whose detail carries
 * note. Refused when the chain already binds rows (a file taken back to an
 * older version to have its rows sealed again). */
int dbi_ledger_seal_all(kdb *db, const char *note, kerr *err);

/* A migration after 6, in its transaction: before() keeps the schema's rows
 * and the bound tables as they were; after() follows the new schema, keeps
 * its digest in meta and binds, in `ledger.seal` rows with note, what the
 * migration changed: rows it wrote, rows of a table it created, every row of
 * a table it gave new columns (from the values under the old columns, so a
 * row changed outside the kiosk is still seen), the schema rows it changed,
 * the rows of a table it dropped. */
typedef struct ledger_before ledger_before;
ledger_before *dbi_ledger_before_migration(kdb *db, kerr *err);
int dbi_ledger_after_migration(kdb *db, ledger_before *b, const char *note, kerr *err);
void dbi_ledger_before_free(ledger_before *b);

#endif
