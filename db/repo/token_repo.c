/* token_repo: keys, their moves, certificates and bindings (token_repo.h).
 * Every public call runs as one operation (dbi_op_begin): checks on the rows
 * as stored, the writes, one audit row. */
#include "db/repo/token_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/base/civil.h"
#include "db/audit_log.h"
#include "db/store.h"

#define TOKEN_COLS                                                                          \
	"t.id, t.serial, t.state, t.reason, t.unit_name, t.uscc, t.cert_serial,"           \
	" t.cert_not_before_ms, t.cert_not_after_ms, t.seal_not_after_ms,"                 \
	" COALESCE(c.case_no, ''), t.created_ms, t.updated_ms"                               \
	" FROM tokens t LEFT JOIN cases c ON c.id = t.case_id"

static const char *col_text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

static long col_day(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return -1;
	return clock_local_day(sqlite3_column_int64(st, i));
}

static void token_from_row(sqlite3_stmt *st, token_rec *t)
{
	memset(t, 0, sizeof *t);
	t->id = sqlite3_column_int64(st, 0);
	dbi_copy(t->serial, sizeof t->serial, col_text(st, 1));
	int s = token_state_from_name(col_text(st, 2));
	t->state = s < 0 ? TS_UNFORMATTED : (token_state)s;
	dbi_copy(t->reason, sizeof t->reason, col_text(st, 3));
	dbi_copy(t->unit_name, sizeof t->unit_name, col_text(st, 4));
	dbi_copy(t->uscc, sizeof t->uscc, col_text(st, 5));
	dbi_copy(t->cert_serial, sizeof t->cert_serial, col_text(st, 6));
	t->cert_not_before = col_day(st, 7);
	t->cert_not_after = col_day(st, 8);
	t->seal_not_after = col_day(st, 9);
	dbi_copy(t->case_no, sizeof t->case_no, col_text(st, 10));
	t->created_ms = sqlite3_column_int64(st, 11);
	t->updated_ms = sqlite3_column_int64(st, 12);
}

static void token_fill(sqlite3_stmt *st, void *p)
{
	token_from_row(st, p);
}

/* 0 found, 1 none, -1 error. */
static int read_token(kdb *db, const char *serial, token_rec *out, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db, "SELECT " TOKEN_COLS " WHERE t.serial = ?1", err);
	if (st)
		sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
	return dbi_one(db, st, token_fill, out, "reading a key", err);
}

int db_token_get(kdb *db, const char *serial, token_rec *out, kerr *err)
{
	return read_token(db, serial ? serial : "", out, err);
}

static void bind_case(sqlite3_stmt *st, int i, int64_t case_id)
{
	if (case_id > 0)
		sqlite3_bind_int64(st, i, case_id);
	else
		sqlite3_bind_null(st, i);
}

/* The case's row id (0 when case_no is NULL or ""); -1 with err if unknown. */
static int case_id_of(kdb *db, const char *case_no, int64_t *id, kerr *err)
{
	*id = 0;
	if (!case_no || !*case_no)
		return 0;
	sqlite3_stmt *st = dbi_stmt(db, "SELECT id FROM cases WHERE case_no = ?1", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, case_no, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return kerr_set(err, case_no, "no such case");
	return dbi_sqlerr(db, err, "looking up the case");
}

static int add_event(kdb *db, int64_t token_id, int64_t case_id, int from, token_state to,
		     token_reason why, const char *actor, int64_t now, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db,
				    "INSERT INTO token_events (token_id, case_id, from_state, to_state,"
				    " reason, actor, at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, token_id);
	bind_case(st, 2, case_id);
	if (from < 0)
		sqlite3_bind_null(st, 3);
	else
		sqlite3_bind_text(st, 3, token_state_name((token_state)from), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, token_state_name(to), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, token_reason_name(why), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, now);
	return dbi_step_done(db, st, "recording the key's move", err);
}

/* A key the database does not know enters in state `to` for `why` (one of
 * TOKEN_ENTRIES). */
static int enter(kdb *db, const char *actor, int64_t case_id, const char *serial, token_state to,
		 token_reason why, token_rec *cur, kerr *err)
{
	int64_t now = clock_now_ms();
	sqlite3_stmt *st = dbi_stmt(db,
				    "INSERT INTO tokens (serial, state, reason, case_id, created_ms,"
				    " updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, token_state_name(to), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, token_reason_name(why), -1, SQLITE_STATIC);
	bind_case(st, 4, case_id);
	sqlite3_bind_int64(st, 5, now);
	if (dbi_step_done(db, st, "registering the key", err))
		return -1;
	int64_t id = sqlite3_last_insert_rowid(db->h);
	if (add_event(db, id, case_id, -1, to, why, actor, now, err))
		return -1;
	return read_token(db, serial, cur, err) == 0 ? 0 : -1;
}

/* The key as stored; an unknown one enters by the entry from which the move
 * (to, why) is allowed, or exactly as (to, why). *entered names the entry
 * reason used, NULL when the key was known. */
static int known(kdb *db, const char *actor, int64_t case_id, const char *serial, token_state to,
		 token_reason why, token_rec *cur, const char **entered, kerr *err)
{
	*entered = NULL;
	int rc = read_token(db, serial, cur, err);
	if (rc <= 0)
		return rc;
	for (int s = 0; s < TS_COUNT; s++)
		for (int r = 0; r < TR_COUNT; r++) {
			if (!token_life_entry((token_state)s, (token_reason)r))
				continue;
			bool as_is = s == (int)to && r == (int)why;
			if (!as_is && !token_life_allowed((token_state)s, to, why))
				continue;
			*entered = token_reason_name((token_reason)r);
			if (enter(db, actor, case_id, serial, (token_state)s, (token_reason)r, cur, err))
				return -1;
			return as_is ? 2 : 0;
		}
	return kerr_set(err, serial, "key %s is not known to this kiosk, and a key it does not "
			"know cannot be %s; use a key registered here", serial,
			token_reason_name(why));
}

/* Move a known key; checked against the whitelist. */
static int move(kdb *db, const char *actor, int64_t case_id, token_rec *cur, token_state to,
		token_reason why, const char *reason_text, kerr *err)
{
	if (!token_life_allowed(cur->state, to, why))
		return kerr_set(err, cur->serial, "key %s is %s: it cannot become %s for '%s'",
				cur->serial, token_state_name(cur->state), token_state_name(to),
				token_reason_name(why));
	int64_t now = clock_now_ms();
	sqlite3_stmt *st = dbi_stmt(db,
				    "UPDATE tokens SET state = ?2, reason = ?3, case_id = COALESCE(?4,"
				    " case_id), updated_ms = ?5 WHERE id = ?1",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, cur->id);
	sqlite3_bind_text(st, 2, token_state_name(to), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, reason_text, -1, SQLITE_STATIC);
	bind_case(st, 4, case_id);
	sqlite3_bind_int64(st, 5, now);
	if (dbi_step_done(db, st, "moving the key", err))
		return -1;
	if (add_event(db, cur->id, case_id, (int)cur->state, to, why, actor, now, err))
		return -1;
	cur->state = to;
	return 0;
}

/* Revoke the key's valid certificates (all but keep_serial), listing their
 * serials into d as "revoked":[...]. */
static int revoke_certs(kdb *db, int64_t token_id, const char *keep_serial, const char *reason,
			dbuf *d, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT serial FROM certs WHERE token_id = ?1 AND status = 'valid'"
				    " AND serial <> ?2 ORDER BY id",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, token_id);
	sqlite3_bind_text(st, 2, keep_serial ? keep_serial : "", -1, SQLITE_STATIC);
	dbuf_add(d, ",\"revoked\":[");
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++)
			dbuf_add(d, ",");
		dbuf_json(d, col_text(st, 0));
	}
	sqlite3_reset(st);
	dbuf_add(d, "]");
	if (rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "reading the key's certificates");
	st = dbi_stmt(db,
		      "UPDATE certs SET status = 'revoked', revoke_reason = ?3, revoked_ms = ?4"
		      " WHERE token_id = ?1 AND status = 'valid' AND serial <> ?2",
		      err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, token_id);
	sqlite3_bind_text(st, 2, keep_serial ? keep_serial : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, clock_now_ms());
	return dbi_step_done(db, st, "revoking the key's certificates", err);
}

static bool text_ok(const char *s, size_t max_bytes, bool required)
{
	if (!s)
		return !required;
	size_t n = strlen(s);
	return n <= max_bytes && (!required || n > 0) && dbi_utf8_chars(s) >= 0;
}

/* Checks shared by every call; -1 with err. */
static int common_args(const char *actor, const char *serial, const char *case_no, kerr *err)
{
	if (!actor || !*actor || strlen(actor) > 39)
		return kerr_set(err, "token", "recording a key needs the acting staff id");
	if (!token_serial_valid(serial))
		return kerr_set(err, "serial", "a key serial is 1-%d of A-Z a-z 0-9 _ -",
				TOKEN_SERIAL_MAX);
	if (case_no && strlen(case_no) > 39)
		return kerr_set(err, "case_no", "too long for a case number");
	return 0;
}

/* The audit row of a call: {"serial":..,"from":..,"to":..} plus extra. */
static int audit(kdb *db, const char *actor, const char *case_no, audit_action action, dbuf *d,
		 kerr *err)
{
	dbuf_add(d, "}");
	const char *detail = dbuf_done(d, err);
	return detail ? dbi_audit_append(db, actor, action, case_no, detail, err) : -1;
}

static void detail_start(dbuf *d, const char *serial, const char *entered)
{
	dbuf_add(d, "{");
	dbuf_kv(d, "serial", serial);
	if (entered)
		dbuf_kv(d, "entered", entered);
}

int db_token_transition(kdb *db, const char *actor, const char *case_no, const char *serial,
			token_state to, token_reason why, const char *note, kerr *err)
{
	if (common_args(actor, serial, case_no, err))
		return -1;
	if ((unsigned)to >= TS_COUNT || (unsigned)why >= TR_COUNT)
		return kerr_set(err, serial, "unknown key state or reason");
	if (!text_ok(note, 255, false))
		return kerr_set(err, "note", "the note must be plain text up to 255 bytes");
	if (dbi_op_begin(db, err))
		return -1;
	dbuf d = { 0 };
	int64_t case_id;
	token_rec cur;
	const char *entered;
	if (case_id_of(db, case_no, &case_id, err))
		goto fail;
	int rc = known(db, actor, case_id, serial, to, why, &cur, &entered, err);
	if (rc < 0)
		goto fail;
	detail_start(&d, serial, entered);
	dbuf_kv(&d, "from", rc == 2 ? "" : token_state_name(cur.state));
	if (rc != 2 && move(db, actor, case_id, &cur, to, why, token_reason_name(why), err))
		goto fail;
	dbuf_kv(&d, "to", token_state_name(to));
	if (note && *note)
		dbuf_kv(&d, "note", note);
	if (audit(db, actor, case_no, audit_action_of_reason(why), &d, err))
		goto fail;
	dbuf_free(&d);
	return dbi_op_commit(db, err);
fail:
	dbuf_free(&d);
	dbi_op_rollback(db);
	return -1;
}

static bool app_valid(const char *app)
{
	return app && (strcmp(app, "piv.9a") == 0 || strcmp(app, "piv.9c") == 0);
}

/* The certificates of the key's other applications, after the kiosk's:
 * listed into d as "apps":[{"app","cert"}]. */
static int add_app_certs(kdb *db, int64_t token_id, int64_t case_id, const cert_new *c,
			 const app_cert_new *apps, size_t n, dbuf *d, kerr *err)
{
	if (!n)
		return 0;
	dbuf_add(d, ",\"apps\":[");
	int64_t now = clock_now_ms();
	size_t listed = 0;
	for (size_t i = 0; i < n; i++) {
		const app_cert_new *a = &apps[i];
		sqlite3_stmt *st = dbi_stmt(db,
					    "INSERT INTO certs (serial, token_id, case_id, unit_name, uscc,"
					    " not_before, not_after, der, created_ms, app)"
					    " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10"
					    " WHERE NOT EXISTS (SELECT 1 FROM certs WHERE serial = ?1)",
					    err);
		if (!st)
			return -1;
		sqlite3_bind_text(st, 1, a->serial, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, token_id);
		bind_case(st, 3, case_id);
		sqlite3_bind_text(st, 4, c->unit_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, c->uscc, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 6, a->not_before);
		sqlite3_bind_int64(st, 7, a->not_after);
		if (a->der)
			sqlite3_bind_blob(st, 8, a->der, (int)a->der_len, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 8);
		sqlite3_bind_int64(st, 9, now);
		sqlite3_bind_text(st, 10, a->app, -1, SQLITE_STATIC);
		if (dbi_step_done(db, st, "recording the key's PIV certificate", err))
			return -1;
		if (sqlite3_changes(db->h) == 0)
			continue; /* recorded already (a key read again after a resume) */
		dbuf_add(d, listed++ ? ",{" : "{");
		dbuf_kv(d, "app", a->app);
		dbuf_kv(d, "cert", a->serial);
		dbuf_add(d, "}");
	}
	dbuf_add(d, "]");
	return 0;
}

int db_token_enroll(kdb *db, const char *actor, const char *case_no, const char *serial,
		    const cert_new *c, token_reason why, kerr *err)
{
	return db_token_enroll_apps(db, actor, case_no, serial, c, why, NULL, 0, err);
}

int db_token_enroll_apps(kdb *db, const char *actor, const char *case_no, const char *serial,
			 const cert_new *c, token_reason why, const app_cert_new *apps,
			 size_t n_apps, kerr *err)
{
	return db_token_enroll_in(db, actor, case_no, serial, "kiosk", c, why, apps, n_apps, err);
}

int db_token_enroll_in(kdb *db, const char *actor, const char *case_no, const char *serial,
		       const char *app, const cert_new *c, token_reason why,
		       const app_cert_new *apps, size_t n_apps, kerr *err)
{
	if (common_args(actor, serial, case_no, err))
		return -1;
	if (!app || (strcmp(app, "kiosk") != 0 && strcmp(app, "piv.9a") != 0))
		return kerr_set(err, "app", "a key's certificate is the kiosk application's or PIV's "
				"9A, not '%s'", app ? app : "");
	if (why != TR_ENROLLED && why != TR_RENEWED && why != TR_REENROLLED)
		return kerr_set(err, serial, "a certificate is enrolled, renewed or re-enrolled, "
				"not '%s'", token_reason_name(why));
	if (!c || !token_cert_serial_valid(c->serial))
		return kerr_set(err, "cert_serial", "a certificate serial is 1-%d hex digits",
				TOKEN_CERT_SERIAL_MAX);
	if (!text_ok(c->unit_name, 255, true))
		return kerr_set(err, "unit_name", "the unit name must be 1-255 bytes of text");
	if (!token_uscc_valid(c->uscc))
		return kerr_set(err, "uscc", "not a valid USCC in capitals");
	if (c->not_before < 0 || c->not_after < c->not_before)
		return kerr_set(err, "validity", "not-before must not be after not-after");
	if ((c->der == NULL) != (c->der_len == 0))
		return kerr_set(err, "der", "the certificate bytes and their length disagree");
	if (n_apps && !apps)
		return kerr_set(err, "apps", "no application certificates given");
	for (size_t i = 0; i < n_apps; i++)
		if (!app_valid(apps[i].app) || !token_cert_serial_valid(apps[i].serial) ||
		    strcmp(apps[i].serial, c->serial) == 0 || apps[i].not_before < 0 ||
		    apps[i].not_after < apps[i].not_before ||
		    (apps[i].der == NULL) != (apps[i].der_len == 0))
			return kerr_set(err, "apps", "application certificate %zu: an application "
					"(piv.9a, piv.9c), a serial of its own and a validity", i + 1);
	if (dbi_op_begin(db, err))
		return -1;
	dbuf d = { 0 };
	int64_t case_id;
	token_rec cur;
	const char *entered;
	if (case_id_of(db, case_no, &case_id, err))
		goto fail;
	sqlite3_stmt *st = dbi_stmt(db, "SELECT 1 FROM certs WHERE serial = ?1", err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, c->serial, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW) {
		kerr_set(err, c->serial, "certificate %s is already recorded", c->serial);
		goto fail;
	}
	if ((rc = known(db, actor, case_id, serial, TS_ACTIVE, why, &cur, &entered, err)) < 0)
		goto fail;
	detail_start(&d, serial, entered);
	dbuf_kv(&d, "from", token_state_name(cur.state));
	if (move(db, actor, case_id, &cur, TS_ACTIVE, why, token_reason_name(why), err))
		goto fail;
	dbuf_kv(&d, "to", token_state_name(TS_ACTIVE));
	dbuf_kv(&d, "cert", c->serial);
	if (strcmp(app, "kiosk") != 0)
		dbuf_kv(&d, "cert_app", app); /* a key with PIV alone */
	dbuf_kv(&d, "unit_name", c->unit_name);
	dbuf_kv(&d, "uscc", c->uscc);
	char d1[16], d2[16];
	dbuf_kv(&d, "not_before", civil_format(c->not_before, d1, sizeof d1));
	dbuf_kv(&d, "not_after", civil_format(c->not_after, d2, sizeof d2));
	if (why == TR_REENROLLED && revoke_certs(db, cur.id, NULL, "superseded", &d, err))
		goto fail;
	int64_t now = clock_now_ms();
	st = dbi_stmt(db,
		      "INSERT INTO certs (serial, token_id, case_id, unit_name, uscc, not_before,"
		      " not_after, der, created_ms, app) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
		      " ?10)",
		      err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, c->serial, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, cur.id);
	bind_case(st, 3, case_id);
	sqlite3_bind_text(st, 4, c->unit_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, c->uscc, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, c->not_before);
	sqlite3_bind_int64(st, 7, c->not_after);
	if (c->der)
		sqlite3_bind_blob(st, 8, c->der, (int)c->der_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 8);
	sqlite3_bind_int64(st, 9, now);
	sqlite3_bind_text(st, 10, app, -1, SQLITE_STATIC);
	if (dbi_step_done(db, st, "recording the certificate", err))
		goto fail;
	st = dbi_stmt(db,
		      "UPDATE tokens SET unit_name = ?2, uscc = ?3, cert_serial = ?4,"
		      " cert_not_before_ms = ?5, cert_not_after_ms = ?6 WHERE id = ?1",
		      err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, cur.id);
	sqlite3_bind_text(st, 2, c->unit_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->uscc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, c->serial, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, clock_day_start_ms(c->not_before));
	sqlite3_bind_int64(st, 6, clock_day_start_ms(c->not_after + 1) - 1);
	if (dbi_step_done(db, st, "recording the key's certificate", err))
		goto fail;
	if (add_app_certs(db, cur.id, case_id, c, apps, n_apps, &d, err))
		goto fail;
	if (audit(db, actor, case_no, audit_action_of_reason(why), &d, err))
		goto fail;
	dbuf_free(&d);
	return dbi_op_commit(db, err);
fail:
	dbuf_free(&d);
	dbi_op_rollback(db);
	return -1;
}

/* A known key in one of the states allowed for a call that moves nothing;
 * an unknown one is adopted as ACTIVE. */
static int usable(kdb *db, const char *actor, int64_t case_id, const char *serial,
		  unsigned states, token_rec *cur, const char **entered, const char *what,
		  kerr *err)
{
	int rc = known(db, actor, case_id, serial, TS_ACTIVE, TR_ADOPTED, cur, entered, err);
	if (rc < 0)
		return -1;
	if (!(states & (1u << cur->state)))
		return kerr_set(err, serial, "key %s is %s: %s", serial, token_state_name(cur->state),
				what);
	return 0;
}

int db_token_set_seal(kdb *db, const char *actor, const char *case_no, const char *serial,
		      long seal_not_after, kerr *err)
{
	if (common_args(actor, serial, case_no, err))
		return -1;
	if (seal_not_after < 0)
		return kerr_set(err, "seal_not_after", "the seal validity is a day");
	if (dbi_op_begin(db, err))
		return -1;
	dbuf d = { 0 };
	int64_t case_id;
	token_rec cur;
	const char *entered;
	if (case_id_of(db, case_no, &case_id, err) ||
	    usable(db, actor, case_id, serial, 1u << TS_ACTIVE, &cur, &entered,
		   "only an active key with a certificate gets a seal", err))
		goto fail;
	sqlite3_stmt *st = dbi_stmt(db,
				    "UPDATE tokens SET seal_not_after_ms = ?2, case_id = COALESCE(?3,"
				    " case_id), updated_ms = ?4 WHERE id = ?1",
				    err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, cur.id);
	sqlite3_bind_int64(st, 2, clock_day_start_ms(seal_not_after + 1) - 1);
	bind_case(st, 3, case_id);
	sqlite3_bind_int64(st, 4, clock_now_ms());
	if (dbi_step_done(db, st, "recording the seal", err))
		goto fail;
	detail_start(&d, serial, entered);
	char day[16];
	dbuf_kv(&d, "seal_not_after", civil_format(seal_not_after, day, sizeof day));
	if (audit(db, actor, case_no, AUD_TOKEN_SEAL, &d, err))
		goto fail;
	dbuf_free(&d);
	return dbi_op_commit(db, err);
fail:
	dbuf_free(&d);
	dbi_op_rollback(db);
	return -1;
}

int db_token_retire(kdb *db, const char *actor, const char *case_no, const char *serial,
		    token_reason why, const char *note, kerr *err)
{
	if (common_args(actor, serial, case_no, err))
		return -1;
	token_state to = why == TR_LOST ? TS_PERM_LOST : why == TR_BROKEN ? TS_DAMAGED
			 : why == TR_REVOKED ? TS_TERMINATED : TS_COUNT;
	if (to == TS_COUNT)
		return kerr_set(err, serial, "a key is retired as lost, broken or revoked, not '%s'",
				token_reason_name(why));
	if (!text_ok(note, 255, false))
		return kerr_set(err, "note", "the note must be plain text up to 255 bytes");
	if (dbi_op_begin(db, err))
		return -1;
	dbuf d = { 0 };
	int64_t case_id;
	token_rec cur;
	const char *entered;
	if (case_id_of(db, case_no, &case_id, err))
		goto fail;
	int rc = known(db, actor, case_id, serial, to, why, &cur, &entered, err);
	if (rc < 0)
		goto fail;
	detail_start(&d, serial, entered);
	dbuf_kv(&d, "from", token_state_name(cur.state));
	if (move(db, actor, case_id, &cur, to, why, token_reason_name(why), err))
		goto fail;
	dbuf_kv(&d, "to", token_state_name(to));
	if (revoke_certs(db, cur.id, NULL, token_reason_name(why), &d, err))
		goto fail;
	if (note && *note)
		dbuf_kv(&d, "note", note);
	if (audit(db, actor, case_no, audit_action_of_reason(why), &d, err))
		goto fail;
	dbuf_free(&d);
	return dbi_op_commit(db, err);
fail:
	dbuf_free(&d);
	dbi_op_rollback(db);
	return -1;
}

/* One key's part of a cancellation: the valid certificates case_id issued
 * onto it revoked ("cancelled"); the key keeps the newest valid certificate
 * of the kiosk application left (a renewal cancelled: the one it renewed)
 * and stays ACTIVE, else it is TERMINATED. */
static int cancel_on_key(kdb *db, const char *actor, int64_t case_id, const char *case_no,
			 int64_t token_id, kerr *err)
{
	dbuf d = { 0 };
	token_rec cur;
	sqlite3_stmt *st = dbi_stmt(db, "SELECT " TOKEN_COLS " WHERE t.id = ?1", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, token_id);
	if (dbi_one(db, st, token_fill, &cur, "reading a key", err) != 0)
		return -1;
	detail_start(&d, cur.serial, NULL);
	dbuf_kv(&d, "from", token_state_name(cur.state));
	st = dbi_stmt(db, "SELECT serial FROM certs WHERE token_id = ?1 AND case_id = ?2"
		      " AND status = 'valid' ORDER BY id", err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, token_id);
	sqlite3_bind_int64(st, 2, case_id);
	dbuf_add(&d, ",\"revoked\":[");
	int rc, n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++)
			dbuf_add(&d, ",");
		dbuf_json(&d, col_text(st, 0));
	}
	sqlite3_reset(st);
	dbuf_add(&d, "]");
	if (rc != SQLITE_DONE) {
		dbi_sqlerr(db, err, "reading the case's certificates");
		goto fail;
	}
	st = dbi_stmt(db, "UPDATE certs SET status = 'revoked', revoke_reason = 'cancelled',"
		      " revoked_ms = ?3 WHERE token_id = ?1 AND case_id = ?2 AND status = 'valid'", err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, token_id);
	sqlite3_bind_int64(st, 2, case_id);
	sqlite3_bind_int64(st, 3, clock_now_ms());
	if (dbi_step_done(db, st, "revoking the case's certificates", err))
		goto fail;
	st = dbi_stmt(db, "SELECT serial, unit_name, uscc, not_before, not_after FROM certs"
		      " WHERE token_id = ?1 AND status = 'valid' AND app = 'kiosk'"
		      " ORDER BY id DESC LIMIT 1", err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, token_id);
	rc = sqlite3_step(st);
	char left[TOKEN_CERT_SERIAL_MAX + 1] = "", unit[256] = "", uscc[19] = "";
	long nb = 0, na = 0;
	if (rc == SQLITE_ROW) {
		dbi_copy(left, sizeof left, col_text(st, 0));
		dbi_copy(unit, sizeof unit, col_text(st, 1));
		dbi_copy(uscc, sizeof uscc, col_text(st, 2));
		nb = (long)sqlite3_column_int64(st, 3);
		na = (long)sqlite3_column_int64(st, 4);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		dbi_sqlerr(db, err, "reading the key's certificates");
		goto fail;
	}
	token_state to = *left && cur.state == TS_ACTIVE ? TS_ACTIVE : TS_TERMINATED;
	if (move(db, actor, case_id, &cur, to, TR_CANCELLED, token_reason_name(TR_CANCELLED), err))
		goto fail;
	dbuf_kv(&d, "to", token_state_name(to));
	if (*left) {
		/* the key's certificate is again the one the case replaced */
		st = dbi_stmt(db, "UPDATE tokens SET unit_name = ?2, uscc = ?3, cert_serial = ?4,"
			      " cert_not_before_ms = ?5, cert_not_after_ms = ?6 WHERE id = ?1", err);
		if (!st)
			goto fail;
		sqlite3_bind_int64(st, 1, token_id);
		sqlite3_bind_text(st, 2, unit, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, uscc, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, left, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, clock_day_start_ms(nb));
		sqlite3_bind_int64(st, 6, clock_day_start_ms(na + 1) - 1);
		if (dbi_step_done(db, st, "giving the key back its certificate", err))
			goto fail;
		dbuf_kv(&d, "cert", left);
	}
	if (audit(db, actor, case_no, audit_action_of_reason(TR_CANCELLED), &d, err))
		goto fail;
	dbuf_free(&d);
	return 0;
fail:
	dbuf_free(&d);
	return -1;
}

int token_cancel_case_in_op(kdb *db, const char *actor, int64_t case_id, const char *case_no,
			    kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db, "SELECT DISTINCT token_id FROM certs WHERE case_id = ?1"
				    " AND status = 'valid' ORDER BY token_id", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, case_id);
	int64_t ids[8];
	size_t n = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < sizeof ids / sizeof ids[0])
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return dbi_sqlerr(db, err, "reading the case's certificates");
	if (rc == SQLITE_ROW)
		return kerr_set(err, case_no, "the case wrote certificates onto more than %zu keys",
				sizeof ids / sizeof ids[0]);
	for (size_t i = 0; i < n; i++)
		if (cancel_on_key(db, actor, case_id, case_no, ids[i], err))
			return -1;
	return 0;
}

/* This file's record of the key's current binding, as token_seen: the
 * token.bind row that made it (by its case through the case index; a
 * binding without a case, rare, by a scan of the key's token.bind rows). */
static int local_seen(kdb *db, const char *serial, token_seen *out, kerr *err)
{
	memset(out, 0, sizeof *out);
	token_binding b;
	int rc = db_token_binding(db, serial, &b, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	sqlite3_stmt *st = dbi_stmt(db,
				    b.case_no[0] ? "SELECT max(seq) FROM audit WHERE case_no = ?2"
						   " AND action = 'token.bind'"
						   " AND json_extract(detail, '$.serial') = ?1"
						 : "SELECT max(seq) FROM audit WHERE action = 'token.bind'"
						   " AND json_extract(detail, '$.serial') = ?1",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
	if (b.case_no[0])
		sqlite3_bind_text(st, 2, b.case_no, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	int64_t seq = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return dbi_sqlerr(db, err, "reading the key's binding row");
	if (seq > 0) {
		snprintf(out->kiosk, sizeof out->kiosk, "%s", db_kiosk_id(db) ? db_kiosk_id(db) : "");
		out->seq = seq;
	}
	return 0;
}

int db_token_bind(kdb *db, const char *actor, const char *case_no, const char *serial,
		  const char *uscc, const char *unit_name, const char *agent_name,
		  const char *agent_id_no, kerr *err)
{
	return db_token_bind_seen(db, actor, case_no, serial, uscc, unit_name, agent_name,
				  agent_id_no, NULL, err);
}

int db_token_bind_seen(kdb *db, const char *actor, const char *case_no, const char *serial,
		       const char *uscc, const char *unit_name, const char *agent_name,
		       const char *agent_id_no, const token_seen *seen, kerr *err)
{
	if (common_args(actor, serial, case_no, err))
		return -1;
	if (!token_uscc_valid(uscc))
		return kerr_set(err, "uscc", "not a valid USCC in capitals");
	if (!text_ok(unit_name, 255, true))
		return kerr_set(err, "unit_name", "the unit name must be 1-255 bytes of text");
	if (!text_ok(agent_name, 96, false) || !text_ok(agent_id_no, 18, false))
		return kerr_set(err, "agent", "the agent's name (up to 96 bytes) and ID number (up "
				"to 18) must be plain text");
	if (seen && seen->kiosk[0] && (!db_kiosk_id_valid(seen->kiosk) || seen->seq < 1))
		return kerr_set(err, "seen", "the binding seen is a kiosk's id and audit row");
	if (dbi_op_begin(db, err))
		return -1;
	dbuf d = { 0 };
	int64_t case_id;
	token_rec cur;
	const char *entered;
	if (case_id_of(db, case_no, &case_id, err) ||
	    usable(db, actor, case_id, serial, 1u << TS_ACTIVE, &cur, &entered,
		   "only an active key is bound", err))
		goto fail;
	token_seen here;
	if (!seen) { /* before this binding ends the one seen */
		if (local_seen(db, serial, &here, err))
			goto fail;
		seen = &here;
	}
	int64_t now = clock_now_ms();
	sqlite3_stmt *st = dbi_stmt(db,
				    "UPDATE token_bindings SET unbound_ms = ?2 WHERE token_id = ?1"
				    " AND unbound_ms IS NULL",
				    err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, cur.id);
	sqlite3_bind_int64(st, 2, now);
	if (dbi_step_done(db, st, "ending the previous binding", err))
		goto fail;
	st = dbi_stmt(db,
		      "INSERT INTO token_bindings (token_id, case_id, uscc, unit_name, agent_name,"
		      " agent_id_no, bound_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
		      err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, cur.id);
	bind_case(st, 2, case_id);
	sqlite3_bind_text(st, 3, uscc, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, unit_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, agent_name ? agent_name : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, agent_id_no ? agent_id_no : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, now);
	if (dbi_step_done(db, st, "binding the key", err))
		goto fail;
	detail_start(&d, serial, entered);
	dbuf_kv(&d, "uscc", uscc);
	dbuf_kv(&d, "unit_name", unit_name);
	dbuf_kv(&d, "agent_name", agent_name ? agent_name : "");
	dbuf_kv(&d, "agent_id_no", agent_id_no ? agent_id_no : "");
	char seen_id[DB_KIOSK_ID_MAX + 24];
	if (seen->kiosk[0])
		snprintf(seen_id, sizeof seen_id, "%s:%lld", seen->kiosk, (long long)seen->seq);
	else
		snprintf(seen_id, sizeof seen_id, "none");
	dbuf_kv(&d, "seen", seen_id);
	dbuf_kv(&d, "seen_from", seen->from_hall ? "hall" : "local");
	if (audit(db, actor, case_no, AUD_TOKEN_BIND, &d, err))
		goto fail;
	dbuf_free(&d);
	return dbi_op_commit(db, err);
fail:
	dbuf_free(&d);
	dbi_op_rollback(db);
	return -1;
}

static void binding_fill(sqlite3_stmt *st, void *p)
{
	token_binding *out = p;
	dbi_copy(out->uscc, sizeof out->uscc, col_text(st, 0));
	dbi_copy(out->unit_name, sizeof out->unit_name, col_text(st, 1));
	dbi_copy(out->agent_name, sizeof out->agent_name, col_text(st, 2));
	dbi_copy(out->agent_id_no, sizeof out->agent_id_no, col_text(st, 3));
	dbi_copy(out->case_no, sizeof out->case_no, col_text(st, 4));
	out->bound_ms = sqlite3_column_int64(st, 5);
}

int db_token_binding(kdb *db, const char *serial, token_binding *out, kerr *err)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT b.uscc, b.unit_name, b.agent_name, b.agent_id_no,"
				    " COALESCE(c.case_no, ''), b.bound_ms FROM token_bindings b"
				    " JOIN tokens t ON t.id = b.token_id LEFT JOIN cases c ON c.id ="
				    " b.case_id WHERE t.serial = ?1 AND b.unbound_ms IS NULL",
				    err);
	if (st)
		sqlite3_bind_text(st, 1, serial ? serial : "", -1, SQLITE_STATIC);
	return dbi_one(db, st, binding_fill, out, "reading the key's binding", err);
}

int db_token_pin_reset(kdb *db, const char *actor, const char *case_no, const char *serial,
		       kerr *err)
{
	if (common_args(actor, serial, case_no, err))
		return -1;
	if (dbi_op_begin(db, err))
		return -1;
	dbuf d = { 0 };
	int64_t case_id;
	token_rec cur;
	const char *entered;
	if (case_id_of(db, case_no, &case_id, err) ||
	    usable(db, actor, case_id, serial,
		   1u << TS_FORMATTED | 1u << TS_ACTIVE | 1u << TS_SUSPENDED, &cur, &entered,
		   "a key out of use gets no PIN reset", err))
		goto fail;
	detail_start(&d, serial, entered);
	dbuf_kv(&d, "state", token_state_name(cur.state));
	if (audit(db, actor, case_no, AUD_TOKEN_PIN_RESET, &d, err))
		goto fail;
	dbuf_free(&d);
	return dbi_op_commit(db, err);
fail:
	dbuf_free(&d);
	dbi_op_rollback(db);
	return -1;
}

/* The write-ahead note of a certificate about to be written onto a key. */
static const char *issue_detail(dbuf *d, const char *serial, const char *cert_serial, kerr *err)
{
	dbuf_add(d, "{");
	dbuf_kv(d, "serial", serial);
	dbuf_kv(d, "cert", cert_serial);
	dbuf_add(d, "}");
	return dbuf_done(d, err);
}

int db_token_issue_note(kdb *db, const char *actor, const char *case_no, const char *serial,
			const char *cert_serial, kerr *err)
{
	if (common_args(actor, serial, case_no, err))
		return -1;
	if (!cert_serial || !*cert_serial)
		return kerr_set(err, serial, "no certificate serial to note");
	if (dbi_op_begin(db, err))
		return -1;
	dbuf d = { 0 };
	const char *detail = issue_detail(&d, serial, cert_serial, err);
	if (!detail || dbi_audit_append(db, actor, AUD_TOKEN_ISSUED, case_no, detail, err)) {
		dbuf_free(&d);
		dbi_op_rollback(db);
		return -1;
	}
	dbuf_free(&d);
	return dbi_op_commit(db, err);
}

int db_token_issue_pending(kdb *db, const char *case_no, const char *serial,
			   const char *cert_serial, kerr *err)
{
	dbuf d = { 0 };
	const char *detail = issue_detail(&d, serial ? serial : "", cert_serial ? cert_serial : "", err);
	if (!detail)
		return -1;
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT EXISTS (SELECT 1 FROM audit WHERE case_no = ?1 AND"
				    "  action = ?4 AND detail = ?2)"
				    " AND NOT EXISTS (SELECT 1 FROM certs WHERE serial = ?3)",
				    err);
	if (!st) {
		dbuf_free(&d);
		return -1;
	}
	sqlite3_bind_text(st, 1, case_no ? case_no : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, detail, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, cert_serial ? cert_serial : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, audit_action_name(AUD_TOKEN_ISSUED), -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int pending = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	dbuf_free(&d);
	if (rc != SQLITE_ROW)
		return dbi_sqlerr(db, err, "looking for the certificate's note");
	return pending ? 1 : 0;
}

static void token_event_fill(sqlite3_stmt *st, void *p)
{
	token_event *e = p;
	e->id = sqlite3_column_int64(st, 0);
	e->from = sqlite3_column_type(st, 1) == SQLITE_NULL
			  ? -1
			  : token_state_from_name(col_text(st, 1));
	int to = token_state_from_name(col_text(st, 2));
	e->to = to < 0 ? TS_UNFORMATTED : (token_state)to;
	dbi_copy(e->reason, sizeof e->reason, col_text(st, 3));
	dbi_copy(e->actor, sizeof e->actor, col_text(st, 4));
	dbi_copy(e->case_no, sizeof e->case_no, col_text(st, 5));
	e->at_ms = sqlite3_column_int64(st, 6);
}

int db_token_events(kdb *db, const char *serial, token_event **out, size_t *n, kerr *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT e.id, e.from_state, e.to_state, e.reason, e.actor,"
				    " COALESCE(c.case_no, ''), e.at_ms FROM token_events e JOIN tokens"
				    " t ON t.id = e.token_id LEFT JOIN cases c ON c.id = e.case_id"
				    " WHERE t.serial = ?1 ORDER BY e.id",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, serial ? serial : "", -1, SQLITE_STATIC);
	void *v = NULL;
	int rc = dbi_collect(db, st, sizeof(token_event), token_event_fill, &v, n,
			   "reading the key's moves", err);
	*out = v;
	return rc;
}

static void cert_fill(sqlite3_stmt *st, void *p)
{
	cert_rec *out = p;
	dbi_copy(out->serial, sizeof out->serial, col_text(st, 0));
	dbi_copy(out->key_serial, sizeof out->key_serial, col_text(st, 1));
	dbi_copy(out->unit_name, sizeof out->unit_name, col_text(st, 2));
	dbi_copy(out->uscc, sizeof out->uscc, col_text(st, 3));
	out->not_before = (long)sqlite3_column_int64(st, 4);
	out->not_after = (long)sqlite3_column_int64(st, 5);
	out->revoked = strcmp(col_text(st, 6), "revoked") == 0;
	dbi_copy(out->revoke_reason, sizeof out->revoke_reason, col_text(st, 7));
	out->revoked_ms = sqlite3_column_int64(st, 8);
	dbi_copy(out->case_no, sizeof out->case_no, col_text(st, 9));
	out->created_ms = sqlite3_column_int64(st, 10);
	dbi_copy(out->app, sizeof out->app, col_text(st, 11));
}

int db_cert_get(kdb *db, const char *cert_serial, cert_rec *out, kerr *err)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT x.serial, t.serial, x.unit_name, x.uscc, x.not_before,"
				    " x.not_after, x.status, x.revoke_reason, COALESCE(x.revoked_ms, 0),"
				    " COALESCE(c.case_no, ''), x.created_ms, x.app FROM certs x JOIN tokens t"
				    " ON t.id = x.token_id LEFT JOIN cases c ON c.id = x.case_id"
				    " WHERE x.serial = ?1",
				    err);
	if (st)
		sqlite3_bind_text(st, 1, cert_serial ? cert_serial : "", -1, SQLITE_STATIC);
	return dbi_one(db, st, cert_fill, out, "reading a certificate", err);
}

int db_cert_der(kdb *db, const char *cert_serial, unsigned char **der, size_t *len, kerr *err)
{
	*der = NULL;
	*len = 0;
	sqlite3_stmt *st = dbi_stmt(db, "SELECT der FROM certs WHERE serial = ?1", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, cert_serial ? cert_serial : "", -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) > 0) {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		*der = malloc(n);
		if (!*der) {
			sqlite3_reset(st);
			return kerr_set(err, cert_serial, "out of memory");
		}
		memcpy(*der, sqlite3_column_blob(st, 0), n);
		*len = n;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return 1;
	return dbi_sqlerr(db, err, "reading a certificate");
}

int db_token_by_uscc(kdb *db, const char *uscc, token_rec **out, size_t *n, kerr *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT " TOKEN_COLS " WHERE t.id IN (SELECT token_id FROM certs"
				    " WHERE uscc = ?1 AND status = 'valid')"
				    " ORDER BY t.updated_ms DESC, t.id DESC",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, uscc ? uscc : "", -1, SQLITE_STATIC);
	void *v = NULL;
	int rc = dbi_collect(db, st, sizeof(token_rec), token_fill, &v, n,
			   "listing the unit's keys", err);
	*out = v;
	return rc;
}

/* ---- the CA brought to the database ---- */

typedef struct ca_list {
	ca_status *v;
	char **owned;   /* the strings and DER the entries point into */
	size_t n, cap, n_owned, cap_owned;
} ca_list;

static void *ca_keep(ca_list *l, const void *p, size_t len)
{
	if (l->n_owned == l->cap_owned) {
		size_t cap = l->cap_owned ? l->cap_owned * 2 : 64;
		char **o = realloc(l->owned, cap * sizeof *o);
		if (!o)
			return NULL;
		l->owned = o;
		l->cap_owned = cap;
	}
	char *c = malloc(len + 1);
	if (!c)
		return NULL;
	if (len)
		memcpy(c, p, len);
	c[len] = '\0';
	return l->owned[l->n_owned++] = c;
}

static ca_status *ca_push(ca_list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		ca_status *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return NULL;
		l->v = v;
		l->cap = cap;
	}
	ca_status *s = &l->v[l->n++];
	memset(s, 0, sizeof *s);
	return s;
}

static void ca_list_free(ca_list *l)
{
	for (size_t i = 0; i < l->n_owned; i++)
		free(l->owned[i]);
	free(l->owned);
	free(l->v);
}

/* Rows of (serial, der, revoked, revoked_ms, reason) into l. */
static int ca_rows(kdb *db, sqlite3_stmt *st, ca_list *l, const char *what, kerr *err)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ca_status *s = ca_push(l);
		const char *serial = col_text(st, 0), *reason = col_text(st, 4);
		const void *der = sqlite3_column_blob(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);
		if (!s || !(s->serial = ca_keep(l, serial, strlen(serial))) ||
		    !(s->reason = ca_keep(l, reason, strlen(reason))) ||
		    (der && len && !(s->der = ca_keep(l, der, len)))) {
			sqlite3_reset(st);
			return kerr_set(err, "certs", "out of memory %s", what);
		}
		s->der_len = s->der ? len : 0;
		s->revoked = sqlite3_column_int(st, 2) != 0;
		s->revoked_ms = sqlite3_column_int64(st, 3);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : dbi_sqlerr(db, err, what);
}

int db_token_ca_sync(kdb *db, issuer *is, size_t *changed, kerr *err)
{
	if (changed)
		*changed = 0;
	ca_list l = { 0 };
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT serial, der, status = 'revoked', COALESCE(revoked_ms, 0),"
				    " revoke_reason FROM certs ORDER BY id",
				    err);
	int rc = st ? ca_rows(db, st, &l, "reading the certificates for the CA", err) : -1;
	/* noted, never recorded, and overtaken on its key */
	st = rc == 0 ? dbi_stmt(db,
				"SELECT json_extract(a.detail, '$.cert'), NULL, 1, ?2, 'superseded'"
				" FROM audit a JOIN tokens t ON t.serial = json_extract(a.detail,"
				" '$.serial') WHERE a.action = ?1 AND json_valid(a.detail)"
				" AND NOT EXISTS (SELECT 1 FROM certs x WHERE x.serial ="
				"  json_extract(a.detail, '$.cert'))"
				" AND (EXISTS (SELECT 1 FROM certs x WHERE x.token_id = t.id AND"
				"  x.created_ms >= a.at_ms) OR EXISTS (SELECT 1 FROM token_events e"
				"  WHERE e.token_id = t.id AND e.at_ms >= a.at_ms AND e.reason IN"
				"  ('lost', 'broken', 'revoked', 'erased')))"
				" ORDER BY a.seq",
				err)
		     : NULL;
	if (rc == 0 && !st)
		rc = -1;
	if (rc == 0) {
		sqlite3_bind_text(st, 1, audit_action_name(AUD_TOKEN_ISSUED), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, clock_now_ms());
		rc = ca_rows(db, st, &l, "reading the certificates noted for the CA", err);
	}
	if (rc == 0)
		rc = issuer_sync(is, l.v, l.n, changed, err);
	ca_list_free(&l);
	return rc;
}

/* A reason word as the centre gives it: a-z and _, at most 15. */
static bool reason_word_ok(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n < 16 && strspn(s, "abcdefghijklmnopqrstuvwxyz_") == n;
}

/* 1 when serial is on record here and valid (its recording time in *created),
 * 0 not, -1 with err. */
static int cert_valid_here(kdb *db, const char *serial, int64_t *created, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db, "SELECT created_ms FROM certs WHERE serial = ?1"
				    " AND status = 'valid'", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, serial, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	*created = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "reading a certificate");
	return rc == SQLITE_ROW;
}

/* The retirement v[i] brings to the key on record here, if it moves it:
 * 1 with *cur and *to, *why; 0 none; -1 with err. */
static int key_move_due(kdb *db, const token_revoked_elsewhere *v, token_rec *cur, token_state *to,
			token_reason *why, kerr *err)
{
	int s = token_state_from_name(v->key_state), r = token_reason_from_name(v->reason);
	if (s < 0 || r < 0 || !v->key_serial[0])
		return 0;
	int rc = read_token(db, v->key_serial, cur, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	/* an act recorded here after the other window's stands (both are
	 * listed centrally as a conflict) */
	if (cur->updated_ms > v->at_ms || !token_life_allowed(cur->state, (token_state)s, (token_reason)r))
		return 0;
	*to = (token_state)s;
	*why = (token_reason)r;
	return 1;
}

int db_token_hall_revoked(kdb *db, const token_revoked_elsewhere *v, size_t n, size_t *certs,
			  size_t *keys, kerr *err)
{
	if (certs)
		*certs = 0;
	if (keys)
		*keys = 0;
	for (size_t i = 0; i < n; i++)
		if (!v[i].cert_serial[0] || !reason_word_ok(v[i].reason) || !v[i].by_kiosk[0] ||
		    (v[i].key_serial[0] && !token_serial_valid(v[i].key_serial)))
			return kerr_set(err, "hall", "the hall's revocation of certificate '%s' is not "
					"one this kiosk can take (reason '%s', window '%s', key '%s')",
					v[i].cert_serial, v[i].reason, v[i].by_kiosk, v[i].key_serial);
	/* Read first: most runs find nothing new and write nothing. */
	size_t fresh = 0;
	for (size_t i = 0; i < n && !fresh; i++) {
		int64_t created;
		token_rec cur;
		token_state to;
		token_reason why;
		int rc = cert_valid_here(db, v[i].cert_serial, &created, err);
		int mv = rc >= 0 ? key_move_due(db, &v[i], &cur, &to, &why, err) : 0;
		if (rc < 0 || mv < 0)
			return -1;
		fresh += (size_t)rc + (size_t)mv;
	}
	if (!fresh)
		return 0;
	if (dbi_op_begin(db, err))
		return -1;
	dbuf d = { 0 }, dk = { 0 };
	dbuf_add(&d, "{\"certs\":[");
	size_t done = 0, moved = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t created;
		int rc = cert_valid_here(db, v[i].cert_serial, &created, err);
		if (rc < 0)
			goto fail;
		if (rc == 1) { /* else revoked twice: the first stands */
			int64_t at = v[i].at_ms > created ? v[i].at_ms : created;
			sqlite3_stmt *st = dbi_stmt(db,
						    "UPDATE certs SET status = 'revoked', revoke_reason = ?2,"
						    " revoked_ms = ?3 WHERE serial = ?1 AND status = 'valid'",
						    err);
			if (!st)
				goto fail;
			sqlite3_bind_text(st, 1, v[i].cert_serial, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, v[i].reason, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, at);
			if (dbi_step_done(db, st, "revoking a certificate revoked at another window", err))
				goto fail;
			dbuf_add(&d, done++ ? ",{" : "{");
			dbuf_kv(&d, "cert", v[i].cert_serial);
			dbuf_kv(&d, "reason", v[i].reason);
			dbuf_ki(&d, "at_ms", at);
			dbuf_kv(&d, "kiosk", v[i].by_kiosk);
			dbuf_ki(&d, "seq", v[i].by_seq);
			dbuf_add(&d, "}");
		}
		token_rec cur;
		token_state to;
		token_reason why;
		int mv = key_move_due(db, &v[i], &cur, &to, &why, err);
		if (mv < 0)
			goto fail;
		if (mv == 1) {
			token_state from = cur.state;
			if (move(db, "system", 0, &cur, to, why, token_reason_name(why), err))
				goto fail;
			dbuf_add(&dk, moved++ ? ",{" : "{");
			dbuf_kv(&dk, "serial", cur.serial);
			dbuf_kv(&dk, "from", token_state_name(from));
			dbuf_kv(&dk, "to", token_state_name(to));
			dbuf_kv(&dk, "reason", token_reason_name(why));
			dbuf_ki(&dk, "at_ms", v[i].at_ms);
			dbuf_kv(&dk, "kiosk", v[i].by_kiosk);
			dbuf_ki(&dk, "seq", v[i].by_seq);
			dbuf_add(&dk, "}");
		}
	}
	dbuf_add(&d, "],\"keys\":[");
	if (moved) {
		const char *keys_json = dbuf_done(&dk, err);
		if (!keys_json)
			goto fail;
		dbuf_add(&d, keys_json);
	}
	dbuf_add(&d, "]}");
	const char *detail = dbuf_done(&d, err);
	if (!detail || dbi_audit_append(db, "system", AUD_CA_HALL_REVOKED, "", detail, err))
		goto fail;
	dbuf_free(&d);
	dbuf_free(&dk);
	if (dbi_op_commit(db, err))
		return -1;
	if (certs)
		*certs = done;
	if (keys)
		*keys = moved;
	return 0;
fail:
	dbuf_free(&d);
	dbuf_free(&dk);
	dbi_op_rollback(db);
	return -1;
}

int db_token_ca_moved_since(kdb *db, int64_t seq, const uint8_t hash[AUDIT_HASH_LEN], bool *moved,
			    kerr *err)
{
	*moved = true;
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT (SELECT hash FROM audit WHERE seq = ?1),"
				    " EXISTS (SELECT 1 FROM audit WHERE seq > ?1 AND"
				    "  (action LIKE 'token.%' OR action IN (?2, ?3)))",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_text(st, 2, audit_action_name(AUD_CASE_STEP_TOKEN), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, audit_action_name(AUD_CA_HALL_REVOKED), -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*moved = sqlite3_column_bytes(st, 0) != AUDIT_HASH_LEN ||
			 memcmp(sqlite3_column_blob(st, 0), hash, AUDIT_HASH_LEN) != 0 ||
			 sqlite3_column_int(st, 1) != 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : dbi_sqlerr(db, err, "looking for key writes since the CA's mark");
}

/* The key of a case: the kiosk application's certificate it issued and the
 * one before it on the same key (the PIV certificates share their dates),
 * else the key named by the case's last token audit row (a bind, an unlock
 * and a seal move no key, so only their audit row says which key it was). */
int db_case_key(kdb *db, const char *case_no, case_key_rec *out, kerr *err)
{
	memset(out, 0, sizeof *out);
	out->not_before = out->not_after = out->old_not_after = out->seal_not_after = -1;
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT c.id, t.serial, c.not_before, c.not_after, c.token_id, c.app"
				    " FROM certs c JOIN tokens t ON t.id = c.token_id"
				    " JOIN cases k ON k.id = c.case_id WHERE k.case_no = ?1"
				    " AND c.app IN ('kiosk', 'piv.9a')"
				    " ORDER BY c.app = 'kiosk' DESC, c.id DESC LIMIT 1",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, case_no ? case_no : "", -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int64_t cert_id = 0, token_id = 0;
	char app[8] = "kiosk";
	if (rc == SQLITE_ROW) {
		dbi_copy(app, sizeof app, col_text(st, 5));
		cert_id = sqlite3_column_int64(st, 0);
		dbi_copy(out->serial, sizeof out->serial, col_text(st, 1));
		out->not_before = (long)sqlite3_column_int64(st, 2);
		out->not_after = (long)sqlite3_column_int64(st, 3);
		token_id = sqlite3_column_int64(st, 4);
		out->issued = true;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "reading the case's certificate");
	if (out->issued) {
		st = dbi_stmt(db,
			      "SELECT unit_name, not_after FROM certs WHERE token_id = ?1 AND id < ?2"
			      " AND app = ?3 ORDER BY id DESC LIMIT 1",
			      err);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, token_id);
		sqlite3_bind_int64(st, 2, cert_id);
		sqlite3_bind_text(st, 3, app, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			dbi_copy(out->old_unit_name, sizeof out->old_unit_name, col_text(st, 0));
			out->old_not_after = (long)sqlite3_column_int64(st, 1);
		}
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return dbi_sqlerr(db, err, "reading the certificate replaced");
	} else {
		st = dbi_stmt(db,
			      "SELECT json_extract(detail, '$.serial') FROM audit WHERE case_no = ?1"
			      " AND action LIKE 'token.%' AND action <> ?2 AND json_valid(detail)"
			      " AND json_extract(detail, '$.serial') IS NOT NULL ORDER BY seq DESC LIMIT 1",
			      err);
		if (!st)
			return -1;
		sqlite3_bind_text(st, 1, case_no ? case_no : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, audit_action_name(AUD_TOKEN_ISSUED), -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			dbi_copy(out->serial, sizeof out->serial, col_text(st, 0));
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return dbi_sqlerr(db, err, "reading the case's key");
		if (!out->serial[0])
			return 1;
	}
	token_rec t;
	int got = read_token(db, out->serial, &t, err);
	if (got < 0)
		return -1;
	if (got == 0) {
		/* a key with PIV alone: certificates in 9A and none of the kiosk's */
		st = dbi_stmt(db,
			      "SELECT EXISTS (SELECT 1 FROM certs WHERE token_id = ?1 AND app = 'piv.9a')"
			      " AND NOT EXISTS (SELECT 1 FROM certs WHERE token_id = ?1 AND app = 'kiosk')",
			      err);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, t.id);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			out->piv_only = sqlite3_column_int(st, 0) != 0;
		sqlite3_reset(st);
		if (rc != SQLITE_ROW)
			return dbi_sqlerr(db, err, "reading the key's applications");
		out->seal_not_after = t.seal_not_after;
		if (!out->issued) {
			out->not_before = t.cert_not_before;
			out->not_after = t.cert_not_after;
		}
	}
	return 0;
}
