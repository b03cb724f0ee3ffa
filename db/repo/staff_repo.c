/* staff_repo: staff rows, logins and a supervisor's changes of a member. The
 * PIN itself never reaches SQL or the audit log: only pinhash strings are
 * stored, and audit details say what happened (bad PIN, wait until, new PIN
 * set) without any part of what was typed. */
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

/* The PIN checked and hashed into hash: 0, or -1 with err in the words of
 * whoever chose it. */
static int pin_checked(const char *pin, char hash[PINHASH_MAX], kerr *err)
{
	const char *reason = NULL;
	if (!pin || !pinhash_acceptable(pin, &reason)) {
		const char *why = "no PIN was given";
		if (reason && strcmp(reason, "pin.too_short") == 0)
			why = "it needs at least 6 digits";
		else if (reason && strcmp(reason, "pin.too_long") == 0)
			why = "it may have at most 12 digits";
		else if (reason && strcmp(reason, "pin.not_digits") == 0)
			why = "it may only contain digits";
		else if (reason && strcmp(reason, "pin.sequence") == 0)
			why = "a run of digits up or down, like 123456 or 654321, is the first "
			      "a guesser tries; choose another";
		else if (reason && strcmp(reason, "pin.repeated") == 0)
			why = "a short group repeated, like 121212 or 123123, is the first a "
			      "guesser tries; choose another";
		else if (reason)
			why = "it is too simple; choose another";
		return kerr_set(err, "staff PIN", "the PIN is not acceptable (%s): %s",
				reason ? reason : "pin.missing", why);
	}
	if (pinhash_make(pin, hash))
		return kerr_set(err, "staff PIN", "hashing the PIN failed (OpenSSL)");
	return 0;
}

/* A new member's fields checked and the PIN hashed into hash: 0, or -1 with
 * err. */
static int staff_new_checked(const char *id, const char *name, staff_role role, const char *pin,
			     char hash[PINHASH_MAX], kerr *err)
{
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
	return pin_checked(pin, hash, err);
}

/* Append one audit row whose detail is built by the caller in d (freed here). */
static int audit_dbuf(kdb *db, const char *actor, audit_action action, dbuf *d, kerr *err)
{
	const char *detail = dbuf_done(d, err);
	int rc = detail ? dbi_audit_append(db, actor, action, "", detail, err) : -1;
	dbuf_free(d);
	return rc;
}

/* Inside the caller's operation: the row and its audit row (action with
 * {"id","name","role"}). 0, or -1 with err (an existing id among them). */
static int staff_insert(kdb *db, const char *actor, audit_action action, const char *id,
			const char *name, staff_role role, const char *hash, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db, "SELECT 1 FROM staff WHERE id = ?1", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return kerr_set(err, "staff id", "staff id '%s' already exists: choose another", id);
	if (rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "looking up staff");
	int64_t now = clock_now_ms();
	st = dbi_stmt(db,
		      "INSERT INTO staff (id, name, role, pin_hash, failures, locked_until_ms,"
		      " active, created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, 0, 0, 1, ?5, ?5)",
		      err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, staff_role_name(role), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, now);
	if (dbi_step_done(db, st, "adding staff", err))
		return -1;
	dbuf d = { 0 };
	dbuf_add(&d, "{");
	dbuf_kv(&d, "id", id);
	dbuf_kv(&d, "name", name);
	dbuf_kv(&d, "role", staff_role_name(role));
	dbuf_add(&d, "}");
	return audit_dbuf(db, actor, action, &d, err);
}

int db_staff_add(kdb *db, const char *actor, const char *id, const char *name,
		 staff_role role, const char *pin, kerr *err)
{
	if (!actor || !*actor)
		return kerr_set(err, "staff", "adding staff needs the acting staff id");
	char hash[PINHASH_MAX];
	if (staff_new_checked(id, name, role, pin, hash, err))
		return -1;
	if (dbi_op_begin(db, err))
		return -1;
	if (staff_insert(db, actor, AUD_STAFF_ADD, id, name, role, hash, err)) {
		dbi_op_rollback(db);
		return -1;
	}
	return dbi_op_commit(db, err);
}

int db_staff_add_first(kdb *db, const char *id, const char *name, const char *pin, kerr *err)
{
	char hash[PINHASH_MAX];
	if (staff_new_checked(id, name, ROLE_SUPERVISOR, pin, hash, err))
		return -1;
	if (dbi_op_begin(db, err))
		return -1;
	/* Under the write lock: two first supervisors cannot both find it empty. */
	sqlite3_stmt *st = dbi_stmt(db, "SELECT count(*) FROM staff", err);
	if (!st)
		goto fail;
	int rc = sqlite3_step(st);
	long long n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	if (n < 0) {
		dbi_sqlerr(db, err, "counting staff");
		goto fail;
	}
	if (n > 0) {
		dbi_op_rollback(db);
		kerr_set(err, "staff", "the database has staff already (%lld): only the first "
				       "supervisor of an empty database is added without a "
				       "supervisor's authority",
			 n);
		return 1;
	}
	if (staff_insert(db, "system", AUD_STAFF_ADD_FIRST, id, name, ROLE_SUPERVISOR, hash, err))
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

static void fill_rec(sqlite3_stmt *st, void *p)
{
	staff_rec *r = p;
	memset(r, 0, sizeof *r);
	dbi_copy(r->id, sizeof r->id, (const char *)sqlite3_column_text(st, 0));
	dbi_copy(r->name, sizeof r->name, (const char *)sqlite3_column_text(st, 1));
	int role = staff_role_from_name((const char *)sqlite3_column_text(st, 2));
	r->role = role < 0 ? ROLE_CLERK : (staff_role)role;
	r->failures = sqlite3_column_int(st, 3);
	r->locked_until_ms = sqlite3_column_int64(st, 4);
	r->active = sqlite3_column_int(st, 5) != 0;
}

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
		fill_rec(st, &out->rec);
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
	explicit_bzero(row.pin_hash, sizeof row.pin_hash);
	if (rc == 0)
		*out = row.rec;
	return rc;
}

int db_staff_list(kdb *db, staff_rec **out, size_t *n, kerr *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT id, name, role, failures, locked_until_ms, active"
				    " FROM staff ORDER BY id",
				    err);
	if (!st)
		return -1;
	return dbi_collect(db, st, sizeof **out, fill_rec, (void **)out, n, "listing staff", err);
}

/* ---- a supervisor's changes ------------------------------------------------ */

/* Opens the operation; `by` must be an active supervisor and `id` a member
 * (read into *t). 0 open; 1 refused and -1 failed, both with err and the
 * operation already rolled back. */
static int admin_begin(kdb *db, const char *by, const char *id, staff_row *t, kerr *err)
{
	if (!by)
		by = "";
	if (!id)
		id = "";
	if (dbi_op_begin(db, err))
		return -1;
	staff_row b;
	int rc = read_staff(db, by, &b, err);
	explicit_bzero(b.pin_hash, sizeof b.pin_hash);
	if (rc == 0 && (!b.rec.active || b.rec.role != ROLE_SUPERVISOR)) {
		kerr_set(err, "staff", "%s is %s: changing staff is a supervisor's", b.rec.id,
			 !b.rec.active ? "disabled" : b.rec.role == ROLE_CLERK ? "a clerk"
										: "a trainer");
		rc = 1;
	} else if (rc == 1) {
		kerr_set(err, "staff", "no staff member '%s' to act: changing staff is a "
				       "supervisor's",
			 loggable_id(by));
	} else if (rc == 0) {
		rc = read_staff(db, id, t, err);
		explicit_bzero(t->pin_hash, sizeof t->pin_hash);
		if (rc == 1)
			kerr_set(err, "staff id", "no staff member '%s'", loggable_id(id));
	}
	if (rc != 0)
		dbi_op_rollback(db);
	return rc;
}

/* Active supervisors other than id: 0 or more, -1 with err. */
static long long other_supervisors(kdb *db, const char *id, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT count(*) FROM staff WHERE role = 'supervisor' AND"
				    " active = 1 AND id <> ?1",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	if (n < 0)
		dbi_sqlerr(db, err, "counting supervisors");
	return n;
}

/* Refuses (1 with err) taking the last active supervisor away: nobody could
 * then add, unlock or approve. 0 when t is not one or others remain. */
static int keeps_a_supervisor(kdb *db, const staff_rec *t, const char *what, kerr *err)
{
	if (!t->active || t->role != ROLE_SUPERVISOR)
		return 0;
	long long n = other_supervisors(db, t->id, err);
	if (n < 0)
		return -1;
	if (n > 0)
		return 0;
	kerr_set(err, "staff", "%s is the last active supervisor: %s would leave nobody to "
			       "approve, close the day or change staff; add another supervisor "
			       "first",
		 t->id, what);
	return 1;
}

/* Closes the operation with the audit row in d (freed here): 0, or -1 with
 * the operation rolled back. */
static int admin_commit(kdb *db, const char *by, audit_action action, dbuf *d, kerr *err)
{
	if (audit_dbuf(db, by, action, d, err)) {
		dbi_op_rollback(db);
		return -1;
	}
	return dbi_op_commit(db, err);
}

/* An update of one member bound to id (?1) and now (?2), with up to one more
 * text (?3); then the operation is rolled back on failure. 0, or -1. */
static int admin_update(kdb *db, const char *sql, const char *id, const char *text,
			const char *what, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db, sql, err);
	if (st) {
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, clock_now_ms());
		if (text)
			sqlite3_bind_text(st, 3, text, -1, SQLITE_STATIC);
		if (dbi_step_done(db, st, what, err) == 0)
			return 0;
	}
	dbi_op_rollback(db);
	return -1;
}

int db_staff_unlock(kdb *db, const char *by, const char *id, kerr *err)
{
	staff_row t;
	int rc = admin_begin(db, by, id, &t, err);
	if (rc)
		return rc;
	if (admin_update(db, "UPDATE staff SET failures = 0, locked_until_ms = 0, updated_ms = ?2"
			     " WHERE id = ?1",
			 t.rec.id, NULL, "ending the wait", err))
		return -1;
	dbuf d = { 0 };
	dbuf_add(&d, "{");
	dbuf_kv(&d, "id", t.rec.id);
	dbuf_ki(&d, "failures", t.rec.failures);
	dbuf_ki(&d, "locked_until_ms", t.rec.locked_until_ms);
	dbuf_add(&d, "}");
	return admin_commit(db, by, AUD_STAFF_UNLOCK_BY, &d, err);
}

int db_staff_reset_pin(kdb *db, const char *by, const char *id, const char *pin, kerr *err)
{
	char hash[PINHASH_MAX];
	if (pin_checked(pin, hash, err))
		return -1;
	staff_row t;
	int rc = admin_begin(db, by, id, &t, err);
	if (rc)
		return rc;
	if (admin_update(db, "UPDATE staff SET pin_hash = ?3, failures = 0, locked_until_ms = 0,"
			     " updated_ms = ?2 WHERE id = ?1",
			 t.rec.id, hash, "setting the PIN", err))
		return -1;
	dbuf d = { 0 };
	dbuf_add(&d, "{");
	dbuf_kv(&d, "id", t.rec.id);
	dbuf_add(&d, "}");
	return admin_commit(db, by, AUD_STAFF_RESET_PIN, &d, err);
}

int db_staff_disable(kdb *db, const char *by, const char *id, kerr *err)
{
	staff_row t;
	int rc = admin_begin(db, by, id, &t, err);
	if (rc)
		return rc;
	if (!t.rec.active) {
		dbi_op_rollback(db);
		kerr_set(err, "staff", "%s is disabled already", t.rec.id);
		return 1;
	}
	rc = keeps_a_supervisor(db, &t.rec, "disabling it", err);
	if (rc) {
		dbi_op_rollback(db);
		return rc;
	}
	if (admin_update(db, "UPDATE staff SET active = 0, updated_ms = ?2 WHERE id = ?1",
			 t.rec.id, NULL, "disabling staff", err))
		return -1;
	dbuf d = { 0 };
	dbuf_add(&d, "{");
	dbuf_kv(&d, "id", t.rec.id);
	dbuf_kv(&d, "role", staff_role_name(t.rec.role));
	dbuf_add(&d, "}");
	return admin_commit(db, by, AUD_STAFF_DISABLE, &d, err);
}

int db_staff_set_role(kdb *db, const char *by, const char *id, staff_role role, kerr *err)
{
	if ((unsigned)role >= ROLE_COUNT)
		return kerr_set(err, "staff role", "unknown role %d", (int)role);
	staff_row t;
	int rc = admin_begin(db, by, id, &t, err);
	if (rc)
		return rc;
	if (!t.rec.active || t.rec.role == role) {
		dbi_op_rollback(db);
		kerr_set(err, "staff", !t.rec.active ? "%s is disabled: its role no longer matters"
						     : "%s is a %s already",
			 t.rec.id, staff_role_name(role));
		return 1;
	}
	rc = keeps_a_supervisor(db, &t.rec, "another role", err);
	if (rc) {
		dbi_op_rollback(db);
		return rc;
	}
	if (admin_update(db, "UPDATE staff SET role = ?3, updated_ms = ?2 WHERE id = ?1",
			 t.rec.id, staff_role_name(role), "changing the role", err))
		return -1;
	dbuf d = { 0 };
	dbuf_add(&d, "{");
	dbuf_kv(&d, "id", t.rec.id);
	dbuf_kv(&d, "from", staff_role_name(t.rec.role));
	dbuf_kv(&d, "to", staff_role_name(role));
	dbuf_add(&d, "}");
	return admin_commit(db, by, AUD_STAFF_ROLE, &d, err);
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

login_result db_staff_login(kdb *db, const char *id, const char *pin, int max_failures,
			    int max_wait_s, staff_rec *out, int *tries_left, kerr *err)
{
	return db_staff_login_as(db, id, pin, ROLE_COUNT, max_failures, max_wait_s, out,
				 tries_left, err);
}

/* need: the role the act needs, ROLE_COUNT for any. */
login_result db_staff_login_as(kdb *db, const char *id, const char *pin, staff_role need,
			       int max_failures, int max_wait_s, staff_rec *out, int *tries_left,
			       kerr *err)
{
	staff_rec dummy;
	int dummy_tries;
	if (!out)
		out = &dummy;
	if (!tries_left)
		tries_left = &dummy_tries;
	memset(out, 0, sizeof *out);
	*tries_left = 0;
	if (max_failures < 1 || max_wait_s < 1) {
		kerr_set(err, "login", "the login settings must be at least 1 (max_failures %d, "
				       "max_wait_seconds %d): check kiosk.ini",
			 max_failures, max_wait_s);
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
	if (need != ROLE_COUNT && row.rec.role != need) {
		/* Before the PIN and the wait: whoever types a clerk's id where a
		 * supervisor's is asked for makes that clerk wait for nothing. */
		dbuf_add(&d, "{");
		dbuf_kv(&d, "reason", "wrong role");
		dbuf_kv(&d, "role", staff_role_name(row.rec.role));
		dbuf_kv(&d, "needed", staff_role_name(need));
		dbuf_add(&d, "}");
		if (audit_dbuf(db, row.rec.id, AUD_STAFF_LOGIN_FAILED, &d, err))
			goto fail;
		result = LOGIN_WRONG_ROLE;
		goto commit;
	}
	if (row.rec.locked_until_ms > now) {
		/* While it waits the PIN is not even checked, nor the try counted:
		 * one guess a wait, and a try in the wait does not make it longer. */
		dbuf_add(&d, "{");
		dbuf_kv(&d, "reason", "locked");
		dbuf_ki(&d, "locked_until_ms", row.rec.locked_until_ms);
		dbuf_add(&d, "}");
		if (audit_dbuf(db, row.rec.id, AUD_STAFF_LOGIN_FAILED, &d, err))
			goto fail;
		result = LOGIN_LOCKED;
		goto commit;
	}
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
	/* The count goes on after a wait has run out (only a right PIN or a
	 * supervisor's unlock clears it), so every further guess waits long. */
	int failures = row.rec.failures + 1;
	long long wait = staff_wait_ms(failures, max_failures, max_wait_s);
	int64_t until = wait ? now + wait : 0;
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
	*tries_left = failures < max_failures ? max_failures - failures : 0;
	result = LOGIN_BAD_PIN;
commit:
	explicit_bzero(row.pin_hash, sizeof row.pin_hash);
	if (dbi_op_commit(db, err))
		return LOGIN_ERROR;
	return result;
fail:
	explicit_bzero(row.pin_hash, sizeof row.pin_hash);
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
	explicit_bzero(row.pin_hash, sizeof row.pin_hash);
	if (rc == 1)
		kerr_set(err, "staff id", "no staff member '%s'", id ? id : "");
	if (rc != 0 || dbi_audit_append(db, row.rec.id, AUD_STAFF_LOGOUT, "", "", err)) {
		dbi_op_rollback(db);
		return -1;
	}
	return dbi_op_commit(db, err);
}
