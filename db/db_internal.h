/* db_internal: what the db/ source files share and nobody else sees: the kdb
 * struct, the prepared-statement cache, the operation transactions every
 * repository function runs in, the in-transaction audit append and a small
 * text builder for the canonical audit details. Only the db/ sources include this
 * (it is the one header that pulls in sqlite3.h). */
#ifndef DB_DB_INTERNAL_H
#define DB_DB_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/audit/audit.h"
#include "core/base/err.h"
#include "db/db.h"

/* PRAGMA application_id of a kiosk database ("KIOS"): tells our file from
 * another program's SQLite file that happens to have user_version 0. */
#define DBI_APPLICATION_ID 0x4B494F53

typedef struct dbi_cached {
	const char *sql; /* a string literal: the cache compares pointers */
	sqlite3_stmt *st;
} dbi_cached;

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
};

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

/* Bring the schema from version `from` to `to`, one transaction per
 * migration (migrate.c). kiosk_id is needed when from == 0. */
int dbi_migrate(kdb *db, int from, int to, const char *kiosk_id, kerr *err);
/* user_version as stored, or -1 with err. */
int dbi_user_version(kdb *db, kerr *err);

/* Append an audit row inside the current operation (the caller's
 * transaction): reads the head, hashes, inserts the action's word. case_no
 * may be NULL. -1 with err for an action outside the table. */
int dbi_audit_append(kdb *db, const char *actor, audit_action action, const char *case_no,
		     const char *detail, kerr *err);
/* For tests only: append a row (in its own operation, like db_audit_append)
 * whose action is any word, also one outside the table, so that the chain's
 * own tests can write rows of their own ("test.row") and check the refusal
 * of an empty or over-long word. Nothing in the kiosk or kioskctl calls it:
 * their rows go through the table. */
int dbi_audit_append_raw(kdb *db, const char *actor, const char *action, const char *case_no,
			 const char *detail, kerr *err);

/* Copy src into dst[n], cutting at a UTF-8 character boundary if too long. */
void dbi_copy(char *dst, size_t n, const char *src);
/* Number of UTF-8 characters in s, or -1 when s is not valid UTF-8 or holds a
 * control character. */
long dbi_utf8_chars(const char *s);

/* Growable text for the canonical audit details ({"key":"value",...} with
 * keys in a fixed order chosen by the caller). An allocation failure is
 * remembered and reported by dbuf_done(). */
typedef struct dbuf {
	char *p;
	size_t len, cap;
	bool oom;
} dbuf;

void dbuf_add(dbuf *b, const char *s);
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
