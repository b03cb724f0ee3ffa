/* store: the kdb and its statement cache, the step helpers, SQLite errors in
 * words, the text builder for audit details, and the operation transactions.
 * Opening a file is open.c's, the schema migrate.c's, the audit chain
 * audit_log.c's; this file uses none of them. */
#include "db/store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/hidden.h"
#include "core/base/utf8.h"

/* ---- the kdb ---- */

kdb *dbi_new(const char *path)
{
	kdb *db = calloc(1, sizeof *db);
	if (!db)
		return NULL;
	if (!(db->path = strdup(path))) {
		free(db);
		return NULL;
	}
	return db;
}

void dbi_free(kdb *db)
{
	if (!db)
		return;
	if (db->hooks && db->hooks->release)
		db->hooks->release(db); /* its statements go before the connection */
	for (size_t i = 0; i < db->n_cache; i++)
		sqlite3_finalize(db->cache[i].st);
	free(db->cache);
	if (db->h)
		sqlite3_close(db->h);
	audit_hasher_free(db->hasher);
	free(db->path);
	free(db);
}

const char *db_path(const kdb *db)
{
	return db->path;
}

/* ---- small shared helpers ---- */

int dbi_sqlerr(kdb *db, kerr *err, const char *what)
{
	int code = sqlite3_extended_errcode(db->h) & 0xff;
	const char *hint = "";
	switch (code) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		hint = "; another program holds the database: close it and retry";
		break;
	case SQLITE_FULL:
		hint = "; the disk is full: free some space and retry";
		break;
	case SQLITE_READONLY:
	case SQLITE_PERM:
		hint = "; the database or its directory is not writable";
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		hint = "; the database is damaged: restore it from a backup";
		break;
	case SQLITE_IOERR:
		hint = "; the disk reported an error";
		break;
	default:
		break;
	}
	return kerr_set(err, db->path, "%s failed: %s%s", what, sqlite3_errmsg(db->h), hint);
}

int dbi_exec(kdb *db, const char *sql, kerr *err)
{
	if (sqlite3_exec(db->h, sql, NULL, NULL, NULL) != SQLITE_OK)
		return dbi_sqlerr(db, err, sql);
	return 0;
}

sqlite3_stmt *dbi_stmt(kdb *db, const char *sql, kerr *err)
{
	for (size_t i = 0; i < db->n_cache; i++) {
		if (db->cache[i].sql == sql) {
			sqlite3_stmt *st = db->cache[i].st;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
	}
	if (db->n_cache == db->cap_cache) {
		size_t cap = db->cap_cache ? db->cap_cache * 2 : 32;
		dbi_cached *c = realloc(db->cache, cap * sizeof *c);
		if (!c) {
			kerr_set(err, db->path, "out of memory preparing a statement");
			return NULL;
		}
		db->cache = c;
		db->cap_cache = cap;
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		dbi_sqlerr(db, err, "preparing a statement");
		return NULL;
	}
	db->cache[db->n_cache].sql = sql;
	db->cache[db->n_cache].st = st;
	db->n_cache++;
	return st;
}

int dbi_step_done(kdb *db, sqlite3_stmt *st, const char *what, kerr *err)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : dbi_sqlerr(db, err, what);
}

int dbi_one(kdb *db, sqlite3_stmt *st, void (*fill)(sqlite3_stmt *, void *), void *out,
	    const char *what, kerr *err)
{
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		fill(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return 1;
	return dbi_sqlerr(db, err, what);
}

int dbi_collect(kdb *db, sqlite3_stmt *st, size_t size, void (*fill)(sqlite3_stmt *, void *),
		void **out, size_t *n, const char *what, kerr *err)
{
	*out = NULL;
	*n = 0;
	char *v = NULL;
	size_t len = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			size_t nc = cap ? cap * 2 : 8;
			char *nv = realloc(v, nc * size);
			if (!nv) {
				sqlite3_reset(st);
				free(v);
				return kerr_set(err, db->path, "out of memory %s", what);
			}
			v = nv;
			cap = nc;
		}
		memset(v + len * size, 0, size);
		fill(st, v + len * size);
		len++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return dbi_sqlerr(db, err, what);
	}
	*out = v;
	*n = len;
	return 0;
}

void dbi_copy(char *dst, size_t n, const char *src)
{
	utf8_copy(dst, n, src);
}

long dbi_utf8_chars(const char *s)
{
	long n = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned c = *p;
		int extra;
		uint32_t cp;
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return -1;
			extra = 0;
			cp = c;
		} else if ((c & 0xE0) == 0xC0) {
			extra = 1;
			cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			extra = 2;
			cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			extra = 3;
			cp = c & 0x07;
		} else {
			return -1;
		}
		p++;
		for (int i = 0; i < extra; i++, p++) {
			if ((*p & 0xC0) != 0x80)
				return -1;
			cp = (cp << 6) | (*p & 0x3F);
		}
		/* overlong forms, surrogates and beyond U+10FFFF are not text */
		if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
		    (extra == 3 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return -1;
		/* nor, for the store, what a reader cannot see or what reorders the
		 * text around it (C1 controls, bidi controls, zero-width ...) */
		if (hidden_char_of((long)cp) != HC_NONE)
			return -1;
		n++;
	}
	return n;
}

int dbi_check_hidden(const char *what, const char *s, kerr *err)
{
	hidden_hit h;
	char said[96];
	if (!hidden_find(s, &h))
		return 0;
	return kerr_set(err, what, "holds %s, a character that does not show or that reorders "
			"the text around it on screens and slips; remove it",
			hidden_describe(&h, said, sizeof said));
}

/* ---- dbuf ---- */

static bool dbuf_reserve(dbuf *b, size_t more)
{
	if (b->oom)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 128;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void dbuf_addn(dbuf *b, const char *s, size_t n)
{
	if (!dbuf_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void dbuf_add(dbuf *b, const char *s)
{
	dbuf_addn(b, s, strlen(s));
}

void dbuf_addf(dbuf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = true;
		return;
	}
	if ((size_t)n < sizeof tmp) {
		dbuf_add(b, tmp);
		return;
	}
	if (!dbuf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void dbuf_json(dbuf *b, const char *s)
{
	if (!s)
		s = "";
	dbuf_add(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char tmp[8];
		if (*p == '"' || *p == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)*p;
			tmp[2] = '\0';
		} else if (*p < 0x20 || *p == 0x7f) {
			snprintf(tmp, sizeof tmp, "\\u%04x", *p);
		} else {
			tmp[0] = (char)*p;
			tmp[1] = '\0';
		}
		dbuf_add(b, tmp);
	}
	dbuf_add(b, "\"");
}

static void dbuf_key(dbuf *b, const char *key)
{
	if (b->len > 0 && b->p[b->len - 1] != '{' && b->p[b->len - 1] != '[')
		dbuf_add(b, ",");
	dbuf_json(b, key);
	dbuf_add(b, ":");
}

void dbuf_kv(dbuf *b, const char *key, const char *value)
{
	dbuf_key(b, key);
	dbuf_json(b, value);
}

void dbuf_ki(dbuf *b, const char *key, long long value)
{
	dbuf_key(b, key);
	dbuf_addf(b, "%lld", value);
}

const char *dbuf_done(dbuf *b, kerr *err)
{
	if (b->oom) {
		kerr_set(err, NULL, "out of memory building an audit detail");
		return NULL;
	}
	if (!b->p)
		dbuf_add(b, "");
	if (b->oom) {
		kerr_set(err, NULL, "out of memory building an audit detail");
		return NULL;
	}
	return b->p;
}

void dbuf_free(dbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->oom = false;
}

/* ---- transactions ---- */

int dbi_op_begin(kdb *db, kerr *err)
{
	if (db->op_depth >= (int)(sizeof db->op_outer / sizeof db->op_outer[0]))
		return kerr_set(err, db->path, "database operations nested too deeply");
	bool outer = !db->explicit_tx && db->op_depth == 0;
	if (dbi_exec(db, outer ? "BEGIN IMMEDIATE" : "SAVEPOINT op", err))
		return -1;
	if (outer)
		snprintf(db->last_actor, sizeof db->last_actor, "system");
	db->op_outer[db->op_depth++] = outer;
	return 0;
}

void dbi_op_rollback(kdb *db)
{
	if (db->op_depth <= 0)
		return;
	bool outer = db->op_outer[--db->op_depth];
	/* After some errors (disk full, I/O) SQLite has already rolled the whole
	 * transaction back; then there is nothing left to undo. */
	if (sqlite3_get_autocommit(db->h))
		return;
	if (outer) {
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	} else {
		sqlite3_exec(db->h, "ROLLBACK TO op; RELEASE op", NULL, NULL, NULL);
		if (db->hooks && db->hooks->savepoint_undone)
			db->hooks->savepoint_undone(db);
	}
}

/* The ledger's binding of what the transaction wrote, before it commits. */
static int before_commit(kdb *db, kerr *err)
{
	if (!db->hooks || !db->hooks->before_commit)
		return 0;
	return db->hooks->before_commit(db, err);
}

int dbi_op_commit(kdb *db, kerr *err)
{
	if (db->op_depth <= 0)
		return kerr_set(err, db->path, "internal: commit without an operation");
	bool outer = db->op_outer[db->op_depth - 1];
	if (sqlite3_get_autocommit(db->h)) {
		db->op_depth--;
		return kerr_set(err, db->path,
				"the transaction was rolled back after an earlier error; nothing of it "
				"was written");
	}
	if (before_commit(db, err)) {
		dbi_op_rollback(db);
		return -1;
	}
	if (sqlite3_exec(db->h, outer ? "COMMIT" : "RELEASE op", NULL, NULL, NULL) != SQLITE_OK) {
		dbi_sqlerr(db, err, outer ? "committing" : "releasing a savepoint");
		dbi_op_rollback(db);
		return -1;
	}
	db->op_depth--;
	return 0;
}

int db_tx_begin(kdb *db, kerr *err)
{
	if (db->explicit_tx || db->op_depth)
		return kerr_set(err, db->path, "a transaction is already open");
	if (dbi_exec(db, "BEGIN IMMEDIATE", err))
		return -1;
	db->explicit_tx = true;
	snprintf(db->last_actor, sizeof db->last_actor, "system");
	return 0;
}

int db_tx_commit(kdb *db, kerr *err)
{
	if (!db->explicit_tx)
		return kerr_set(err, db->path, "no transaction is open");
	db->explicit_tx = false;
	if (sqlite3_get_autocommit(db->h))
		return kerr_set(err, db->path,
				"the transaction was rolled back after an earlier error; nothing of it "
				"was written");
	if (before_commit(db, err)) {
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		dbi_sqlerr(db, err, "committing");
		if (!sqlite3_get_autocommit(db->h))
			sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

void db_tx_rollback(kdb *db)
{
	if (!db->explicit_tx)
		return;
	db->explicit_tx = false;
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}
