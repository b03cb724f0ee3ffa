/* open: a kiosk file's lifecycle. db_open() refuses before it writes
 * (missing file, not SQLite, another program's file, a newer schema, another
 * kiosk's file, read-only), then sets WAL and the pragmas and hands the file
 * to the migrations; db_close() undoes what is still open. Backup and the
 * integrity check work on an open kdb. Sits on migrate (the schema) and the
 * store (the kdb, errors, transactions). */
#include "db/ledger.h"
#include "db/migrate.h"
#include "db/store.h"

#include "core/base/protect.h"

#include <errno.h>
#include <fcntl.h>
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

int db_schema_version(kdb *db)
{
	return dbi_user_version(db, NULL);
}

const char *db_kiosk_id(const kdb *db)
{
	return db->kiosk_id;
}

/* ---- open / close ---- */

/* Create the directories leading to path (not path itself), each 0700. */
static int make_parents(const char *path, kerr *err)
{
	const char *slash = strrchr(path, '/');
	if (!slash || slash == path)
		return 0;
	char *dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return kerr_set(err, path, "out of memory");
	int rc = protect_mkdirs(dir, err);
	free(dir);
	return rc;
}

/* A new database file, made here 0600 before SQLite opens it: SQLite would
 * make it 0644 less the umask, and gives the -wal and -shm files the
 * database file's mode (os_unix.c, findCreateFileMode). */
static int create_private(const char *path, kerr *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return kerr_set(err, path, "cannot create the database file: %s", strerror(errno));
	int rc = fchmod(fd, 0600) == 0 ? 0 : -1;
	int e = errno;
	close(fd);
	if (rc) {
		unlink(path);
		return kerr_set(err, path, "cannot make the database file private (0600): %s",
				strerror(e));
	}
	return 0;
}

/* The database and its -wal and -shm files: none readable by group or others,
 * also when they were made before (by an older kiosk or under another umask). */
static int protect_files(const char *path, kerr *err)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	char p[4200];
	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		if (snprintf(p, sizeof p, "%s%s", path, suffix[i]) >= (int)sizeof p)
			return kerr_set(err, path, "the path is too long");
		if (protect_file(p, err))
			return -1;
	}
	return 0;
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
	if (!exists && (make_parents(path, err) || create_private(path, err)))
		return NULL;

	bool created = !exists;
	kdb *db = dbi_new(path);
	char *plain = db ? plain_name(path) : NULL;
	if (!plain) {
		kerr_set(err, path, "out of memory");
		goto fail;
	}
	/* a kdb is used by one thread at a time (its owner's): no per-call mutex,
	 * which the verifier's million column reads would pay for */
	int orc = sqlite3_open_v2(plain, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	free(plain);
	if (orc != SQLITE_OK) {
		if (db->h)
			dbi_sqlerr(db, err, "opening");
		else
			kerr_set(err, path, "out of memory opening the database");
		goto fail;
	}
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

	/* Now the writes: private files, journal mode, then the schema. */
	if (protect_files(path, err))
		goto fail;
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
	/* -wal and -shm left by an older kiosk keep their mode: tighten them too. */
	if (protect_files(path, err))
		goto fail;
	if (dbi_exec(db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON", err))
		goto fail;
	if (!(db->hasher = audit_hasher_new())) {
		kerr_set(err, path, "could not set up SHA-256 for the audit log");
		goto fail;
	}
	/* a file with a ledger binds every write from the first one on */
	if (uv >= LEDGER_SCHEMA_VERSION && dbi_ledger_attach(db, err))
		goto fail;
	if (uv < target && dbi_migrate(db, uv, target, kiosk_id, err))
		goto fail;
	if (read_meta_kiosk(db, err))
		goto fail;
	return db;
fail:
	dbi_free(db);
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
	dbi_free(db);
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
	/* exactly 0600 whatever the umask: SQLite gives its journal the same mode */
	int e = fchmod(fd, 0600) == 0 ? 0 : errno;
	close(fd);
	if (e) {
		kerr_set(err, dest, "cannot make the backup private (0600): %s", strerror(e));
		unlink(dest);
		return -1;
	}
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
