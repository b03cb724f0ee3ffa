/* store: opening the store (refuse before writing), pragmas, the statement cache,
 * operation transactions, backup and integrity check. The schema itself lives
 * in migrate.c, the audit chain in audit_log.c. */
#include "core/base/utf8.h"
#include "db/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool db_kiosk_id_valid(const char *id)
{
	if (!id)
		return false;
	size_t n = strlen(id);
	if (n < 1 || n > DB_KIOSK_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
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
		n++;
	}
	return n;
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

void dbuf_add(dbuf *b, const char *s)
{
	size_t n = strlen(s);
	if (!dbuf_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
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
	if (outer)
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	else
		sqlite3_exec(db->h, "ROLLBACK TO op; RELEASE op", NULL, NULL, NULL);
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

/* ---- open / close ---- */

int dbi_user_version(kdb *db, kerr *err)
{
	sqlite3_stmt *st = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) {
		dbi_sqlerr(db, err, "reading the schema version");
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	else
		dbi_sqlerr(db, err, "reading the schema version");
	sqlite3_finalize(st);
	return v;
}

int db_schema_version(kdb *db)
{
	return dbi_user_version(db, NULL);
}

const char *db_kiosk_id(const kdb *db)
{
	return db->kiosk_id;
}

const char *db_path(const kdb *db)
{
	return db->path;
}

/* Create the directories leading to path (not path itself), mode 0700. */
static int make_parents(const char *path, kerr *err)
{
	char *dup = strdup(path);
	if (!dup)
		return kerr_set(err, path, "out of memory");
	int rc = 0;
	for (char *p = dup + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		struct stat st;
		if (mkdir(dup, 0700) != 0) {
			if (errno != EEXIST) {
				rc = kerr_set(err, dup, "cannot create the database directory: %s",
					      strerror(errno));
				break;
			}
			if (stat(dup, &st) != 0 || !S_ISDIR(st.st_mode)) {
				rc = kerr_set(err, dup,
					      "is not a directory, so the database %s cannot be created "
					      "under it",
					      path);
				break;
			}
		}
		*p = '/';
	}
	free(dup);
	return rc;
}

/* The first thing done with a file: one read of its header and schema. */
static int read_header(kdb *db, int *uv, long long *app_id, int *n_objects, kerr *err)
{
	static const char sql[] = "SELECT (SELECT user_version FROM pragma_user_version),"
				  " (SELECT application_id FROM pragma_application_id),"
				  " (SELECT count(*) FROM sqlite_schema)";
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*uv = sqlite3_column_int(st, 0);
			*app_id = sqlite3_column_int64(st, 1);
			*n_objects = sqlite3_column_int(st, 2);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_OK)
		return 0;
	int code = sqlite3_extended_errcode(db->h) & 0xff;
	if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
		return kerr_set(err, db->path,
				"is not a SQLite database (or it is damaged or encrypted); nothing "
				"was changed. Point the kiosk at its own database file, or restore "
				"that from a backup");
	return dbi_sqlerr(db, err, "reading the database header");
}

static int read_meta_kiosk(kdb *db, kerr *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->h, "SELECT value FROM meta WHERE key = 'kiosk_id'", -1, &st,
			       NULL) != SQLITE_OK)
		return dbi_sqlerr(db, err, "reading the kiosk id");
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		dbi_copy(db->kiosk_id, sizeof db->kiosk_id, v ? v : "");
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return kerr_set(err, db->path,
				"has no kiosk id in its meta table: it is damaged; restore it from a "
				"backup");
	return dbi_sqlerr(db, err, "reading the kiosk id");
}

static void db_free(kdb *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->n_cache; i++)
		sqlite3_finalize(db->cache[i].st);
	free(db->cache);
	if (db->h)
		sqlite3_close(db->h);
	audit_hasher_free(db->hasher);
	free(db->path);
	free(db);
}

/* The name to hand SQLite: Debian builds it with URIs on, so a path that
 * starts with "file:" would be read as a URI (mode=memory, vfs=...). "./"
 * in front keeps it a plain file name. Caller frees. */
static char *plain_name(const char *path)
{
	size_t n = strlen(path);
	char *p = malloc(n + 3);
	if (p)
		snprintf(p, n + 3, "%s%s", strncmp(path, "file:", 5) == 0 ? "./" : "", path);
	return p;
}

static void unlink_created(const char *path)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	size_t n = strlen(path);
	char *p = malloc(n + 16);
	if (!p)
		return;
	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		snprintf(p, n + 16, "%s%s", path, suffix[i]);
		unlink(p);
	}
	free(p);
}

static kdb *open_impl(const char *path, const char *kiosk_id, db_open_mode mode, int target,
		      kerr *err)
{
	if (!path || !*path) {
		kerr_set(err, NULL, "no database path given");
		return NULL;
	}
	if (kiosk_id && !db_kiosk_id_valid(kiosk_id)) {
		kerr_set(err, path,
			 "kiosk id '%s' is not valid: use 1-%d letters, digits, '_' or '-'",
			 kiosk_id, DB_KIOSK_ID_MAX);
		return NULL;
	}
	struct stat sb;
	bool exists = stat(path, &sb) == 0;
	if (!exists && errno != ENOENT) {
		kerr_set(err, path, "cannot look at the database file: %s", strerror(errno));
		return NULL;
	}
	if (exists && !S_ISREG(sb.st_mode)) {
		kerr_set(err, path, "is not a regular file, so it cannot be the database");
		return NULL;
	}
	if (!exists && mode == DB_OPEN_EXISTING) {
		kerr_set(err, path,
			 "the database does not exist (nothing was created): check the data "
			 "directory in kiosk.ini, or create it by starting the kiosk");
		return NULL;
	}
	if (!exists && !kiosk_id) {
		kerr_set(err, path, "a new database needs a kiosk id (nothing was created)");
		return NULL;
	}
	if (!exists && make_parents(path, err))
		return NULL;

	kdb *db = calloc(1, sizeof *db);
	if (!db || !(db->path = strdup(path))) {
		free(db);
		kerr_set(err, path, "out of memory");
		return NULL;
	}
	bool created = false;
	int flags = SQLITE_OPEN_READWRITE | (exists ? 0 : SQLITE_OPEN_CREATE);
	char *plain = plain_name(path);
	if (!plain) {
		db_free(db);
		kerr_set(err, path, "out of memory");
		return NULL;
	}
	int orc = sqlite3_open_v2(plain, &db->h, flags, NULL);
	free(plain);
	if (orc != SQLITE_OK) {
		if (db->h)
			dbi_sqlerr(db, err, "opening");
		else
			kerr_set(err, path, "out of memory opening the database");
		db_free(db);
		return NULL;
	}
	created = !exists;
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, 5000);

	/* Read first: nothing may be written to a file we are going to refuse. */
	int uv = 0, n_objects = 0;
	long long app_id = 0;
	if (read_header(db, &uv, &app_id, &n_objects, err))
		goto fail;
	if (uv > DB_SCHEMA_VERSION) {
		kerr_set(err, NULL,
			 "database %s has schema version %d, newer than this program's %d: use "
			 "a newer kiosk",
			 path, uv, DB_SCHEMA_VERSION);
		goto fail;
	}
	if (uv < 0 || (uv == 0 && n_objects > 0) ||
	    (uv > 0 && app_id != DBI_APPLICATION_ID)) {
		kerr_set(err, NULL,
			 "database %s is a SQLite file of another program (schema version %d, "
			 "application id %lld), not a kiosk database; nothing was changed",
			 path, uv, app_id);
		goto fail;
	}
	if (uv >= 1) {
		if (read_meta_kiosk(db, err))
			goto fail;
		if (kiosk_id && strcmp(kiosk_id, db->kiosk_id) != 0) {
			kerr_set(err, NULL,
				 "database %s belongs to kiosk '%s', not '%s': check kiosk_id in "
				 "kiosk.ini or the database path; nothing was changed",
				 path, db->kiosk_id, kiosk_id);
			goto fail;
		}
	} else if (!kiosk_id) {
		kerr_set(err, path, "the database is empty and no kiosk id was given to create it");
		goto fail;
	}

	if (sqlite3_db_readonly(db->h, "main") == 1) {
		kerr_set(err, path,
			 "the database can only be read (file or directory permissions): the "
			 "kiosk must write to it; nothing was changed");
		goto fail;
	}

	/* Now the writes: journal mode, then the schema. */
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->h, "PRAGMA journal_mode=WAL", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		dbi_sqlerr(db, err, "switching to WAL");
		goto fail;
	}
	const char *jm = (const char *)sqlite3_column_text(st, 0);
	bool wal = jm && strcmp(jm, "wal") == 0;
	sqlite3_finalize(st);
	if (!wal) {
		kerr_set(err, path,
			 "could not switch the database to WAL (the file system may not support "
			 "shared memory); put the data directory on a local disk");
		goto fail;
	}
	if (dbi_exec(db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON", err))
		goto fail;
	if (!(db->hasher = audit_hasher_new())) {
		kerr_set(err, path, "could not set up SHA-256 for the audit log");
		goto fail;
	}
	if (uv < target && dbi_migrate(db, uv, target, kiosk_id, err))
		goto fail;
	if (read_meta_kiosk(db, err))
		goto fail;
	return db;
fail:
	db_free(db);
	if (created)
		unlink_created(path);
	return NULL;
}

kdb *db_open(const char *path, const char *kiosk_id, db_open_mode mode, kerr *err)
{
	return open_impl(path, kiosk_id, mode, DB_SCHEMA_VERSION, err);
}

kdb *db_open_version(const char *path, const char *kiosk_id, int version, kerr *err)
{
	if (version < 1 || version > DB_SCHEMA_VERSION) {
		kerr_set(err, path, "schema version %d does not exist (1 to %d)", version,
			 DB_SCHEMA_VERSION);
		return NULL;
	}
	return open_impl(path, kiosk_id, DB_OPEN_CREATE, version, err);
}

void db_close(kdb *db)
{
	if (!db)
		return;
	while (db->op_depth > 0)
		dbi_op_rollback(db);
	db_tx_rollback(db);
	db_free(db);
}

/* ---- backup and integrity ---- */

int db_backup(kdb *db, const char *dest, kerr *err)
{
	if (!dest || !*dest)
		return kerr_set(err, NULL, "no backup file given");
	if (db->explicit_tx || db->op_depth)
		return kerr_set(err, db->path, "finish the open transaction before a backup");
	/* O_EXCL reserves the name: a backup never overwrites anything. */
	int fd = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return kerr_set(err, dest,
					"already exists: a backup never overwrites a file, choose a "
					"new name");
		return kerr_set(err, dest, "cannot create the backup file: %s", strerror(errno));
	}
	close(fd);
	sqlite3 *d = NULL;
	char *plain = plain_name(dest);
	int rc = plain ? sqlite3_open_v2(plain, &d, SQLITE_OPEN_READWRITE, NULL) : SQLITE_NOMEM;
	free(plain);
	if (rc != SQLITE_OK) {
		kerr_set(err, dest, "cannot open the backup file: %s",
			 d ? sqlite3_errmsg(d) : "out of memory");
		goto fail;
	}
	sqlite3_backup *b = sqlite3_backup_init(d, "main", db->h, "main");
	if (!b) {
		kerr_set(err, dest, "cannot start the backup: %s", sqlite3_errmsg(d));
		goto fail;
	}
	int tries = 0;
	do {
		rc = sqlite3_backup_step(b, -1);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
			if (++tries > 100)
				break;
			sqlite3_sleep(50);
		}
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		kerr_set(err, dest, "the backup failed: %s%s", sqlite3_errstr(rc),
			 (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
				 ? " (the database stayed busy; retry when the kiosk is idle)"
				 : "");
		goto fail;
	}
	if (sqlite3_close(d) != SQLITE_OK) {
		kerr_set(err, dest, "closing the backup failed: %s", sqlite3_errmsg(d));
		d = NULL;
		goto fail;
	}
	return 0;
fail:
	if (d)
		sqlite3_close(d);
	unlink_created(dest);
	return -1;
}

int db_integrity_check(kdb *db, kerr *err)
{
	sqlite3_stmt *st = NULL;
	int result = 0;
	if (sqlite3_prepare_v2(db->h, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return dbi_sqlerr(db, err, "the integrity check");
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		if (!t || strcmp(t, "ok") != 0) {
			kerr_set(err, db->path, "integrity check: %s; restore the database from a backup",
				 t ? t : "?");
			result = 1;
		}
	} else {
		result = dbi_sqlerr(db, err, "the integrity check");
	}
	sqlite3_finalize(st);
	if (result)
		return result;
	if (sqlite3_prepare_v2(db->h, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
		return dbi_sqlerr(db, err, "the foreign key check");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		kerr_set(err, db->path, "table %s row %lld refers to a missing row of table %s",
			 (const char *)sqlite3_column_text(st, 0),
			 (long long)sqlite3_column_int64(st, 1),
			 (const char *)sqlite3_column_text(st, 2));
		result = 1;
	} else if (rc != SQLITE_DONE) {
		result = dbi_sqlerr(db, err, "the foreign key check");
	}
	sqlite3_finalize(st);
	return result;
}
