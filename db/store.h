/* store: the low level every db/ file works through, private to db/ (the one
 * header that pulls in sqlite3.h; nothing outside db/ includes it, tests
 * aside). It holds the kdb struct and its lifetime (dbi_new/dbi_free; opening
 * a file is open.c's), the prepared-statement cache and the step helpers, the
 * operation transactions every repository function runs in (and the public
 * db_tx_*() of db.h), SQLite errors in the clerk's words, and a small text
 * builder for the canonical audit details. It depends on nothing else in db/
 * but db.h's types: the audit log, the migrations and the opener sit above. */
#ifndef DB_STORE_H
#define DB_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/audit/audit.h"
#include "core/base/err.h"
#include "db/db.h"

typedef struct dbi_cached {
	const char *sql; /* a string literal: the cache compares pointers */
	sqlite3_stmt *st;
} dbi_cached;

/* What a transaction owes the ledger (db/ledger.c fills these in when the
 * file has one; the store calls them and knows nothing else of it, so the
 * store stays below the audit log and the ledger). before_commit binds the
 * rows written since the last binding and appends their audit row, just
 * before every operation's COMMIT or RELEASE and db_tx_commit()'s COMMIT:
 * -1 (err) refuses the commit, and the caller rolls back. savepoint_undone is
 * told of a savepoint rolled back; release frees the ledger's state (before
 * the connection closes). */
typedef struct dbi_tx_hooks {
	int (*before_commit)(kdb *db, kerr *err);
	void (*savepoint_undone)(kdb *db);
	void (*release)(kdb *db);
} dbi_tx_hooks;

struct kdb {
	sqlite3 *h;
	char *path;
	char kiosk_id[DB_KIOSK_ID_MAX + 1];
	bool explicit_tx;      /* db_tx_begin() is open */
	int op_depth;          /* repository operations in progress (savepoints) */
	bool op_outer[8];      /* per depth: this op opened the transaction itself */
	audit_hasher *hasher;  /* reused by every append and verify */
	dbi_cached *cache;
	size_t n_cache, cap_cache;
	const dbi_tx_hooks *hooks; /* NULL while the file has no ledger */
	struct ledger *ledger;     /* db/ledger.c's state, owned through hooks */
	char last_actor[40];       /* actor of the last audit row appended: the
				    * ledger's binding row is written in its name */
};

/* A kdb for path with nothing open yet (h NULL, no hasher): the opener fills
 * it in. NULL when out of memory. dbi_free() releases whatever it holds: the
 * cached statements, the connection, the hasher; NULL is ignored. */
kdb *dbi_new(const char *path);
void dbi_free(kdb *db);

/* A cached statement for a literal SQL text, reset and with its bindings
 * cleared. NULL with err on a prepare failure. Callers sqlite3_reset() it
 * when done so no read lock outlives the call. */
sqlite3_stmt *dbi_stmt(kdb *db, const char *sql, kerr *err);
/* Run SQL without results (one or more statements). */
int dbi_exec(kdb *db, const char *sql, kerr *err);
/* Fill err from the connection's last error: "while <what>". Returns -1. */
int dbi_sqlerr(kdb *db, kerr *err, const char *what);
/* Step a statement that returns no rows and reset it: 0, or -1 with err
 * saying what was being done. */
int dbi_step_done(kdb *db, sqlite3_stmt *st, const char *what, kerr *err);
/* Step a bound statement to its end, filling one element of `size` bytes per
 * row with fill(); *out is a malloc'd array of *n elements (NULL when none).
 * The statement is reset. 0, or -1 with err saying what was being read. */
int dbi_collect(kdb *db, sqlite3_stmt *st, size_t size, void (*fill)(sqlite3_stmt *, void *),
		void **out, size_t *n, const char *what, kerr *err);

/* Step a bound statement for at most one row, filled into out by fill();
 * the statement is reset. 0 a row, 1 none, -1 with err (NULL st: -1, the
 * error already set by dbi_stmt). */
int dbi_one(kdb *db, sqlite3_stmt *st, void (*fill)(sqlite3_stmt *, void *), void *out,
	    const char *what, kerr *err);

/* One repository operation: BEGIN IMMEDIATE when no transaction is open,
 * otherwise a SAVEPOINT inside the caller's db_tx_begin() transaction, so a
 * failing operation leaves nothing behind either way. Every op_begin is
 * matched by exactly one op_commit or op_rollback. */
int dbi_op_begin(kdb *db, kerr *err);
int dbi_op_commit(kdb *db, kerr *err);
void dbi_op_rollback(kdb *db);

/* Copy src into dst[n], cutting at a UTF-8 character boundary if too long. */
void dbi_copy(char *dst, size_t n, const char *src);
/* Number of UTF-8 characters in s, or -1 when s is not valid UTF-8 or holds a
 * control character or another character a reader cannot see or that
 * reorders the text (core/base/hidden.h: bidi controls, zero-width ...). A
 * caller that names the character to its user finds it with hidden_find(). */
long dbi_utf8_chars(const char *s);
/* 0 when s holds no hidden character; otherwise -1 with err at what naming
 * the first one ("holds U+202E RIGHT-TO-LEFT OVERRIDE at character 5 ..."). */
int dbi_check_hidden(const char *what, const char *s, kerr *err);

/* Growable text for the canonical audit details ({"key":"value",...} with
 * keys in a fixed order chosen by the caller). An allocation failure is
 * remembered and reported by dbuf_done(). */
typedef struct dbuf {
	char *p;
	size_t len, cap;
	bool oom;
} dbuf;

void dbuf_add(dbuf *b, const char *s);
void dbuf_addn(dbuf *b, const char *s, size_t n); /* n bytes of s (no NUL inside) */
void dbuf_addf(dbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s as a JSON string literal (quotes, escapes for " \ and control chars). */
void dbuf_json(dbuf *b, const char *s);
/* ,"key":"value" (the comma unless first after '{' or '['). */
void dbuf_kv(dbuf *b, const char *key, const char *value);
void dbuf_ki(dbuf *b, const char *key, long long value);
/* The text (never NULL on success), or NULL with err on allocation failure. */
const char *dbuf_done(dbuf *b, kerr *err);
void dbuf_free(dbuf *b);

#endif
