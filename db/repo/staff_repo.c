/* staff_repo: staff rows and logins. The PIN itself never reaches SQL or the
 * audit log: only pinhash strings are stored, and audit details say what
 * happened (bad PIN, locked until) without any part of what was typed. */
#include "db/repo/staff_repo.h"

#include <string.h>

#include "core/base/clock.h"
#include "core/audit/pinhash.h"
#include "db/audit_log.h"
#include "db/store.h"

static bool staff_id_valid(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	if (n < 1 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

/* What an unknown id is recorded as: itself when it looks like an id, but
 * never something that may be a PIN typed into the wrong field. */
static const char *loggable_id(const char *id)
{
	if (!staff_id_valid(id))
		return "(not a valid id)";
	size_t n = strlen(id);
	if (strspn(id, "0123456789") == n && n >= 6 && n <= 12)
		return "(digits only, not shown)";
	return id;
}

int db_staff_add(kdb *db, const char *actor, const char *id, const char *name,
		 staff_role role, const char *pin, kerr *err)
{
	if (!actor || !*actor)
		return kerr_set(err, "staff", "adding staff needs the acting staff id");
	if (!staff_id_valid(id))
		return kerr_set(err, "staff id",
				"'%s' is not a valid staff id: use 1-32 letters, digits, '_', '.' "
				"or '-'",
				id ? id : "");
	if (name && dbi_check_hidden("staff name", name, err))
		return -1;
	long chars = name ? dbi_utf8_chars(name) : -1;
	if (chars < 1 || chars > 32 || strlen(name) > 96)
		return kerr_set(err, "staff name",
				"the name must be 1 to 32 characters of text (no control "
				"characters)");
	if ((unsigned)role >= ROLE_COUNT)
		return kerr_set(err, "staff role", "unknown role %d", (int)role);
	const char *reason = NULL;
	if (!pin || !pinhash_acceptable(pin, &reason)) {
		const char *why = "no PIN was given";
		if (reason && strcmp(reason, "pin.too_short") == 0)
			why = "it needs at least 6 digits";
		else if (reason && strcmp(reason, "pin.too_long") == 0)
			why = "it may have at most 12 digits";
		else if (reason && strcmp(reason, "pin.not_digits") == 0)
			why = "it may only contain digits";
		else if (reason)
			why = "it is too simple; choose another";
		return kerr_set(err, "staff PIN", "the PIN is not acceptable (%s): %s",
				reason ? reason : "pin.missing", why);
	}
	char hash[PINHASH_MAX];
	if (pinhash_make(pin, hash))
		return kerr_set(err, "staff PIN", "hashing the PIN failed (OpenSSL)");

	if (dbi_op_begin(db, err))
		return -1;
	sqlite3_stmt *st = dbi_stmt(db, "SELECT 1 FROM staff WHERE id = ?1", err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW) {
		kerr_set(err, "staff id", "staff id '%s' already exists: choose another", id);
		goto fail;
	}
	if (rc != SQLITE_DONE) {
		dbi_sqlerr(db, err, "looking up staff");
		goto fail;
	}
	int64_t now = clock_now_ms();
	st = dbi_stmt(db,
		      "INSERT INTO staff (id, name, role, pin_hash, failures, locked_until_ms,"
		      " active, created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, 0, 0, 1, ?5, ?5)",
		      err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, staff_role_name(role), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		dbi_sqlerr(db, err, "adding staff");
		goto fail;
	}
	dbuf d = { 0 };
	dbuf_add(&d, "{");
	dbuf_kv(&d, "id", id);
	dbuf_kv(&d, "name", name);
	dbuf_kv(&d, "role", staff_role_name(role));
	dbuf_add(&d, "}");
	const char *detail = dbuf_done(&d, err);
	rc = detail ? dbi_audit_append(db, actor, AUD_STAFF_ADD, "", detail, err) : -1;
	dbuf_free(&d);
	if (rc)
		goto fail;
	return dbi_op_commit(db, err);
fail:
	dbi_op_rollback(db);
	return -1;
}

typedef struct staff_row {
	staff_rec rec;
	char pin_hash[PINHASH_MAX];
} staff_row;

/* 0 found, 1 none, -1 error. */
static int read_staff(kdb *db, const char *id, staff_row *out, kerr *err)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT id, name, role, failures, locked_until_ms, active,"
				    " pin_hash FROM staff WHERE id = ?1",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		dbi_copy(out->rec.id, sizeof out->rec.id, (const char *)sqlite3_column_text(st, 0));
		dbi_copy(out->rec.name, sizeof out->rec.name,
			 (const char *)sqlite3_column_text(st, 1));
		int role = staff_role_from_name((const char *)sqlite3_column_text(st, 2));
		out->rec.role = role < 0 ? ROLE_CLERK : (staff_role)role;
		out->rec.failures = sqlite3_column_int(st, 3);
		out->rec.locked_until_ms = sqlite3_column_int64(st, 4);
		out->rec.active = sqlite3_column_int(st, 5) != 0;
		dbi_copy(out->pin_hash, sizeof out->pin_hash,
			 (const char *)sqlite3_column_text(st, 6));
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 1;
	return dbi_sqlerr(db, err, "looking up staff");
}

int db_staff_get(kdb *db, const char *id, staff_rec *out, kerr *err)
{
	staff_row row;
	int rc = read_staff(db, id ? id : "", &row, err);
	memset(&row.pin_hash, 0, sizeof row.pin_hash);
	if (rc == 0)
		*out = row.rec;
	return rc;
}

static int update_login_state(kdb *db, const char *id, int failures, int64_t locked_until,
			      int64_t now, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db,
				    "UPDATE staff SET failures = ?2, locked_until_ms = ?3,"
				    " updated_ms = ?4 WHERE id = ?1",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, failures);
	sqlite3_bind_int64(st, 3, locked_until);
	sqlite3_bind_int64(st, 4, now);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : dbi_sqlerr(db, err, "recording the login");
}

/* Append one audit row whose detail is built by the caller in d (freed here). */
static int audit_dbuf(kdb *db, const char *actor, audit_action action, dbuf *d, kerr *err)
{
	const char *detail = dbuf_done(d, err);
	int rc = detail ? dbi_audit_append(db, actor, action, "", detail, err) : -1;
	dbuf_free(d);
	return rc;
}

login_result db_staff_login(kdb *db, const char *id, const char *pin, int max_failures,
			    int lock_minutes, staff_rec *out, int *tries_left, kerr *err)
{
	staff_rec dummy;
	int dummy_tries;
	if (!out)
		out = &dummy;
	if (!tries_left)
		tries_left = &dummy_tries;
	memset(out, 0, sizeof *out);
	*tries_left = 0;
	if (max_failures < 1 || lock_minutes < 1) {
		kerr_set(err, "login", "the login lock settings must be at least 1 (failures %d, "
				       "minutes %d): check kiosk.ini",
			 max_failures, lock_minutes);
		return LOGIN_ERROR;
	}
	if (!id)
		id = "";
	if (!pin)
		pin = "";
	if (dbi_op_begin(db, err))
		return LOGIN_ERROR;
	int64_t now = clock_now_ms();
	staff_row row;
	login_result result = LOGIN_ERROR;
	dbuf d = { 0 };
	int rc = read_staff(db, id, &row, err);
	if (rc < 0)
		goto fail;
	if (rc == 1 || !row.rec.active) {
		dbuf_add(&d, "{");
		dbuf_kv(&d, "id", loggable_id(id));
		dbuf_kv(&d, "reason", rc == 1 ? "unknown id" : "inactive");
		dbuf_add(&d, "}");
		if (audit_dbuf(db, "system", AUD_STAFF_LOGIN_FAILED, &d, err))
			goto fail;
		result = LOGIN_UNKNOWN;
		goto commit;
	}
	*out = row.rec;
	if (row.rec.locked_until_ms > now) {
		/* While locked the PIN is not even checked: no guessing through a lock. */
		dbuf_add(&d, "{");
		dbuf_kv(&d, "reason", "locked");
		dbuf_ki(&d, "locked_until_ms", row.rec.locked_until_ms);
		dbuf_add(&d, "}");
		if (audit_dbuf(db, row.rec.id, AUD_STAFF_LOGIN_FAILED, &d, err))
			goto fail;
		result = LOGIN_LOCKED;
		goto commit;
	}
	int failures = row.rec.failures;
	if (row.rec.locked_until_ms != 0)
		failures = 0; /* the lock has run out: a fresh count */
	bool ok = pinhash_check(pin, row.pin_hash);
	if (ok) {
		if (update_login_state(db, row.rec.id, 0, 0, now, err))
			goto fail;
		dbuf_add(&d, "{");
		dbuf_kv(&d, "role", staff_role_name(row.rec.role));
		dbuf_add(&d, "}");
		if (audit_dbuf(db, row.rec.id, AUD_STAFF_LOGIN, &d, err))
			goto fail;
		out->failures = 0;
		out->locked_until_ms = 0;
		*tries_left = max_failures;
		result = LOGIN_OK;
		goto commit;
	}
	failures++;
	int64_t until = failures >= max_failures ? now + (int64_t)lock_minutes * 60000 : 0;
	if (update_login_state(db, row.rec.id, failures, until, now, err))
		goto fail;
	dbuf_add(&d, "{");
	dbuf_kv(&d, "reason", "wrong PIN");
	dbuf_ki(&d, "failures", failures);
	dbuf_add(&d, "}");
	if (audit_dbuf(db, row.rec.id, AUD_STAFF_LOGIN_FAILED, &d, err))
		goto fail;
	if (until) {
		dbuf_add(&d, "{");
		dbuf_ki(&d, "failures", failures);
		dbuf_ki(&d, "locked_until_ms", until);
		dbuf_add(&d, "}");
		if (audit_dbuf(db, row.rec.id, AUD_STAFF_LOCKED, &d, err))
			goto fail;
	}
	out->failures = failures;
	out->locked_until_ms = until;
	*tries_left = until ? 0 : max_failures - failures;
	result = until ? LOGIN_LOCKED : LOGIN_BAD_PIN;
commit:
	memset(row.pin_hash, 0, sizeof row.pin_hash);
	if (dbi_op_commit(db, err))
		return LOGIN_ERROR;
	return result;
fail:
	memset(row.pin_hash, 0, sizeof row.pin_hash);
	dbuf_free(&d);
	dbi_op_rollback(db);
	return LOGIN_ERROR;
}

int db_staff_logout(kdb *db, const char *id, kerr *err)
{
	if (dbi_op_begin(db, err))
		return -1;
	staff_row row;
	int rc = read_staff(db, id ? id : "", &row, err);
	memset(row.pin_hash, 0, sizeof row.pin_hash);
	if (rc == 1)
		kerr_set(err, "staff id", "no staff member '%s'", id ? id : "");
	if (rc != 0 || dbi_audit_append(db, row.rec.id, AUD_STAFF_LOGOUT, "", "", err)) {
		dbi_op_rollback(db);
		return -1;
	}
	return dbi_op_commit(db, err);
}
