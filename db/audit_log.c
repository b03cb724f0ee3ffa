/* audit_log: appending to and walking the hash-chained audit log. The hash of
 * a row is core/audit/audit.c's audit_hash() over (seq, at_ms, actor, action,
 * case_no, detail, prev); the chain's head (seq, hash) is kept in audit_head
 * by a trigger, so a truncated tail is visible. db_audit_verify() (the walk
 * and the bound rows) is ledger_verify.c's. Sits on the store only. */
#include "db/audit_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "db/store.h"

/* The row itself, with the action as a word (inside the caller's operation). */
static int append_word(kdb *db, const char *actor, const char *action, const char *case_no,
		       const char *detail, kerr *err)
{
	if (!actor || !*actor || !action || !*action)
		return kerr_set(err, db->path, "an audit row needs an actor and an action");
	if (!case_no)
		case_no = "";
	if (!detail)
		detail = "";
	sqlite3_stmt *st = dbi_stmt(db, "SELECT seq, hash FROM audit_head WHERE id = 1", err);
	if (!st)
		return -1;
	audit_row row = { .actor = actor, .action = action, .case_no = case_no, .detail = detail };
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW || sqlite3_column_bytes(st, 1) != AUDIT_HASH_LEN) {
		sqlite3_reset(st);
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			return kerr_set(err, db->path,
					"the audit head is missing or damaged; run kioskctl audit "
					"verify");
		return dbi_sqlerr(db, err, "reading the audit head");
	}
	row.seq = sqlite3_column_int64(st, 0) + 1;
	memcpy(row.prev, sqlite3_column_blob(st, 1), AUDIT_HASH_LEN);
	sqlite3_reset(st);
	row.at_ms = clock_now_ms();
	uint8_t hash[AUDIT_HASH_LEN];
	if (audit_hash(db->hasher, &row, hash))
		return kerr_set(err, db->path, "computing an audit hash failed (OpenSSL)");
	st = dbi_stmt(db,
		      "INSERT INTO audit (seq, at_ms, actor, action, case_no, detail, prev, hash)"
		      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
		      err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, row.seq);
	sqlite3_bind_int64(st, 2, row.at_ms);
	sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, case_no, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, detail, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, row.prev, AUDIT_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 8, hash, AUDIT_HASH_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "appending to the audit log");
	dbi_copy(db->last_actor, sizeof db->last_actor, actor);
	return 0;
}

int dbi_audit_append(kdb *db, const char *actor, audit_action action, const char *case_no,
		     const char *detail, kerr *err)
{
	if ((unsigned)action >= AUD_COUNT)
		return kerr_set(err, db->path, "audit action %d is not one of the table's "
				"(core/audit/actions.h)", (int)action);
	return append_word(db, actor, audit_action_name(action), case_no, detail, err);
}

int db_audit_append(kdb *db, const char *actor, audit_action action, const char *case_no,
		    const char *detail, kerr *err)
{
	if (dbi_op_begin(db, err))
		return -1;
	if (dbi_audit_append(db, actor, action, case_no, detail, err)) {
		dbi_op_rollback(db);
		return -1;
	}
	return dbi_op_commit(db, err);
}

int dbi_audit_append_raw(kdb *db, const char *actor, const char *action, const char *case_no,
			 const char *detail, kerr *err)
{
	if (dbi_op_begin(db, err))
		return -1;
	if (append_word(db, actor, action, case_no, detail, err)) {
		dbi_op_rollback(db);
		return -1;
	}
	return dbi_op_commit(db, err);
}

/* Text of column i, and whether it is exactly that long (no NUL inside: the
 * hash covers the C string, so a hidden tail after a NUL must not pass). */
static const char *col_text(sqlite3_stmt *st, int i, bool *clean)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	if (!t)
		return "";
	if (strlen(t) != (size_t)sqlite3_column_bytes(st, i))
		*clean = false;
	return t;
}

static int tampered(audit_verify_result *res, int64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int tampered(audit_verify_result *res, int64_t seq, const char *fmt, ...)
{
	res->bad_seq = seq;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->problem, sizeof res->problem, fmt, ap);
	va_end(ap);
	return 1;
}

int dbi_audit_walk(kdb *db, audit_verify_result *res, dbi_walk_visit visit, void *ctx,
		   kerr *err)
{
	char kiosk[DB_KIOSK_ID_MAX + 64] = "";
	int64_t head_seq = -1;
	uint8_t head_hash[AUDIT_HASH_LEN];
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->h, "SELECT value FROM meta WHERE key = 'kiosk_id'", -1, &st,
			       NULL) != SQLITE_OK)
		return dbi_sqlerr(db, err, "reading the kiosk id");
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		dbi_copy(kiosk, sizeof kiosk, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "reading the kiosk id");
	if (rc == SQLITE_DONE)
		return tampered(res, 1, "the meta table has no kiosk id, so the genesis row "
					"cannot be checked");

	if (sqlite3_prepare_v2(db->h, "SELECT seq, hash FROM audit_head WHERE id = 1", -1, &st,
			       NULL) != SQLITE_OK)
		return dbi_sqlerr(db, err, "reading the audit head");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == AUDIT_HASH_LEN) {
		head_seq = sqlite3_column_int64(st, 0);
		memcpy(head_hash, sqlite3_column_blob(st, 1), AUDIT_HASH_LEN);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "reading the audit head");
	if (head_seq < 0)
		return tampered(res, 1, "the audit head row is missing or damaged");

	if (sqlite3_prepare_v2(db->h,
			       "SELECT seq, at_ms, actor, action, case_no, detail, prev, hash"
			       " FROM audit ORDER BY seq",
			       -1, &st, NULL) != SQLITE_OK)
		return dbi_sqlerr(db, err, "reading the audit log");

	int result = 0;
	int64_t expect = 1;
	uint8_t last[AUDIT_HASH_LEN] = { 0 }; /* the genesis row's prev: all zero */
	uint8_t h[AUDIT_HASH_LEN];
	audit_row row;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(st, 0);
		if (seq != expect) {
			if (expect == 1)
				result = tampered(res, 1,
						  "row 1 (genesis) is missing: the log starts at row "
						  "%lld",
						  (long long)seq);
			else
				result = tampered(res, expect,
						  "row %lld is missing: the log jumps from row %lld "
						  "to row %lld",
						  (long long)expect, (long long)(expect - 1),
						  (long long)seq);
			break;
		}
		if (sqlite3_column_bytes(st, 6) != AUDIT_HASH_LEN ||
		    sqlite3_column_bytes(st, 7) != AUDIT_HASH_LEN) {
			result = tampered(res, seq, "row %lld does not hold 32-byte hashes",
					  (long long)seq);
			break;
		}
		const void *prev = sqlite3_column_blob(st, 6);
		if (memcmp(prev, last, AUDIT_HASH_LEN) != 0) {
			if (seq == 1)
				result = tampered(res, 1,
						  "row 1 (genesis) must have an all-zero previous "
						  "hash");
			else
				result = tampered(res, seq,
						  "row %lld does not follow row %lld: its previous "
						  "hash is not row %lld's hash (rows were removed, "
						  "inserted or reordered)",
						  (long long)seq, (long long)(seq - 1),
						  (long long)(seq - 1));
			break;
		}
		bool clean = true;
		row.seq = seq;
		row.at_ms = sqlite3_column_int64(st, 1);
		row.actor = col_text(st, 2, &clean);
		row.action = col_text(st, 3, &clean);
		row.case_no = col_text(st, 4, &clean);
		row.detail = col_text(st, 5, &clean);
		memcpy(row.prev, prev, AUDIT_HASH_LEN);
		if (!clean) {
			result = tampered(res, seq, "row %lld holds text with a NUL character in it",
					  (long long)seq);
			break;
		}
		if (seq == 1 && (strcmp(row.action, audit_action_name(AUD_GENESIS)) != 0 ||
				 strcmp(row.actor, "system") != 0)) {
			result = tampered(res, 1,
					  "row 1 is not a genesis row (action '%.40s', actor '%.40s')",
					  row.action, row.actor);
			break;
		}
		if (seq == 1 && strcmp(row.detail, kiosk) != 0) {
			result = tampered(res, 1,
					  "row 1 (genesis) names kiosk '%.40s', the database belongs "
					  "to '%s'",
					  row.detail, kiosk);
			break;
		}
		if (audit_hash(db->hasher, &row, h)) {
			sqlite3_finalize(st);
			return kerr_set(err, db->path, "computing an audit hash failed (OpenSSL)");
		}
		if (memcmp(h, sqlite3_column_blob(st, 7), AUDIT_HASH_LEN) != 0) {
			result = tampered(res, seq, "row %lld does not match its hash",
					  (long long)seq);
			break;
		}
		if (visit && visit(ctx, seq, row.action, row.detail,
				   (size_t)sqlite3_column_bytes(st, 5), err)) {
			sqlite3_finalize(st);
			return -1;
		}
		memcpy(last, h, AUDIT_HASH_LEN);
		res->rows++;
		expect++;
	}
	sqlite3_finalize(st);
	if (result)
		return result;
	if (rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "reading the audit log");

	res->head_seq = res->rows;
	memcpy(res->head, last, AUDIT_HASH_LEN);
	if (res->rows == 0)
		return tampered(res, 1, "the audit log is empty: the genesis row is missing");
	if (head_seq > res->rows)
		return tampered(res, res->rows + 1,
				"the log ends at row %lld but its head records row %lld: rows "
				"%lld to %lld were removed",
				(long long)res->rows, (long long)head_seq,
				(long long)res->rows + 1, (long long)head_seq);
	if (head_seq < res->rows)
		return tampered(res, head_seq + 1,
				"the log goes on to row %lld past its recorded head, row %lld",
				(long long)res->rows, (long long)head_seq);
	if (memcmp(head_hash, last, AUDIT_HASH_LEN) != 0)
		return tampered(res, res->rows,
				"row %lld is not the row the head records: its hash differs",
				(long long)res->rows);
	return 0;
}

typedef struct head_at {
	int64_t seq;
	uint8_t hash[AUDIT_HASH_LEN];
} head_at;

static void head_hash_fill(sqlite3_stmt *st, void *p)
{
	head_at *h = p;
	h->seq = sqlite3_column_int64(st, 0);
	if (sqlite3_column_bytes(st, 1) == AUDIT_HASH_LEN)
		memcpy(h->hash, sqlite3_column_blob(st, 1), AUDIT_HASH_LEN);
}

int db_audit_head(kdb *db, int64_t *seq, uint8_t hash[AUDIT_HASH_LEN], kerr *err)
{
	head_at h = { 0 };
	int rc = dbi_one(db, dbi_stmt(db, "SELECT seq, hash FROM audit_head WHERE id = 1", err),
			 head_hash_fill, &h, "reading the audit head", err);
	*seq = h.seq;
	memcpy(hash, h.hash, AUDIT_HASH_LEN);
	if (rc == 1)
		return kerr_set(err, db->path, "the audit head is missing; run kioskctl audit verify");
	return rc;
}

int db_audit_head_seq(kdb *db, int64_t *seq, kerr *err)
{
	uint8_t hash[AUDIT_HASH_LEN];
	return db_audit_head(db, seq, hash, err);
}

static void audit_entry_fill(sqlite3_stmt *st, void *p)
{
	audit_entry *e = p;
	e->seq = sqlite3_column_int64(st, 0);
	e->at_ms = sqlite3_column_int64(st, 1);
	dbi_copy(e->actor, sizeof e->actor, (const char *)sqlite3_column_text(st, 2));
	dbi_copy(e->action, sizeof e->action, (const char *)sqlite3_column_text(st, 3));
	dbi_copy(e->case_no, sizeof e->case_no, (const char *)sqlite3_column_text(st, 4));
	dbi_copy(e->detail, sizeof e->detail, (const char *)sqlite3_column_text(st, 5));
}

int db_audit_for_case(kdb *db, const char *case_no, audit_entry **out, size_t *n, kerr *err)
{
	*out = NULL;
	*n = 0;
	if (!case_no || !*case_no)
		return kerr_set(err, db->path, "no case number given");
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT seq, at_ms, actor, action, case_no, detail FROM audit"
				    " WHERE case_no = ?1 AND case_no <> '' ORDER BY seq",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, case_no, -1, SQLITE_STATIC);
	void *v = NULL;
	int rc = dbi_collect(db, st, sizeof(audit_entry), audit_entry_fill, &v, n,
			   "reading the audit log", err);
	*out = v;
	return rc;
}
