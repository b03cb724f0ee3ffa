/* local: the kiosk's audit rows read from its SQLite file, checked as read.
 * The only SQL of this folder that is SQLite's. */
#include "db/pg/local.h"

#include <stdio.h>
#include <string.h>

#include "db/store.h"

int hall_local_head(kdb *db, int64_t *seq, uint8_t hash[AUDIT_HASH_LEN], kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db, "SELECT seq, hash FROM audit_head WHERE id = 1", err);
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == AUDIT_HASH_LEN) {
		*seq = sqlite3_column_int64(st, 0);
		memcpy(hash, sqlite3_column_blob(st, 1), AUDIT_HASH_LEN);
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return kerr_set(err, db_path(db), "the audit head is missing or damaged; run kioskctl "
				"audit verify");
	return dbi_sqlerr(db, err, "reading the audit head");
}

int hall_local_hash_at(kdb *db, int64_t seq, uint8_t hash[AUDIT_HASH_LEN], kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db, "SELECT hash FROM audit WHERE seq = ?1", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	int rc = sqlite3_step(st);
	int out = 1;
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == AUDIT_HASH_LEN) {
		memcpy(hash, sqlite3_column_blob(st, 0), AUDIT_HASH_LEN);
		out = 0;
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		out = dbi_sqlerr(db, err, "reading the audit log");
	}
	sqlite3_reset(st);
	return out;
}

/* A column's text, and whether it is exactly that long (no NUL inside). */
static const char *text_of(sqlite3_stmt *st, int i, bool *clean)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	if (!t)
		return "";
	if (strlen(t) != (size_t)sqlite3_column_bytes(st, i))
		*clean = false;
	return t;
}

int hall_local_rows(kdb *db, int64_t after, int64_t max, uint8_t prev[AUDIT_HASH_LEN],
		    int (*visit)(void *ctx, const hall_row *row, kerr *err), void *ctx,
		    int64_t *n, char *problem, size_t problem_len, kerr *err)
{
	*n = 0;
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT seq, at_ms, actor, action, case_no, detail, prev, hash"
				    " FROM audit WHERE seq > ?1 ORDER BY seq LIMIT ?2",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, max);
	int rc, out = 0;
	int64_t expect = after + 1;
	uint8_t calc[AUDIT_HASH_LEN];
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		hall_row row;
		bool clean = true;
		row.seq = sqlite3_column_int64(st, 0);
		row.at_ms = sqlite3_column_int64(st, 1);
		row.actor = text_of(st, 2, &clean);
		row.action = text_of(st, 3, &clean);
		row.case_no = text_of(st, 4, &clean);
		row.detail = text_of(st, 5, &clean);
		const char *why = NULL;
		if (row.seq != expect)
			why = "is missing: the log jumps past it";
		else if (sqlite3_column_bytes(st, 6) != AUDIT_HASH_LEN ||
			 sqlite3_column_bytes(st, 7) != AUDIT_HASH_LEN)
			why = "does not hold 32-byte hashes";
		else if (!clean)
			why = "holds text with a NUL character in it";
		if (!why) {
			memcpy(row.prev, sqlite3_column_blob(st, 6), AUDIT_HASH_LEN);
			memcpy(row.hash, sqlite3_column_blob(st, 7), AUDIT_HASH_LEN);
			audit_row ar = { .seq = row.seq, .at_ms = row.at_ms, .actor = row.actor,
					 .action = row.action, .case_no = row.case_no,
					 .detail = row.detail };
			memcpy(ar.prev, row.prev, AUDIT_HASH_LEN);
			if (memcmp(row.prev, prev, AUDIT_HASH_LEN) != 0)
				why = "does not follow the row before it: its previous hash differs";
			else if (row.seq == 1 && (strcmp(row.action, "genesis") != 0 ||
						  strcmp(row.actor, "system") != 0 ||
						  strcmp(row.detail, db_kiosk_id(db)) != 0))
				why = "is not this kiosk's genesis row";
			else if (audit_hash(db->hasher, &ar, calc) != 0) {
				out = kerr_set(err, db_path(db), "computing an audit hash failed "
					       "(OpenSSL)");
				break;
			} else if (memcmp(calc, row.hash, AUDIT_HASH_LEN) != 0)
				why = "does not match its hash";
		}
		if (why) {
			snprintf(problem, problem_len, "row %lld of %s %s: nothing from it on is "
				 "sent; run kioskctl audit verify",
				 (long long)expect, db_path(db), why);
			out = 1;
			break;
		}
		if (visit(ctx, &row, err)) {
			out = -1;
			break;
		}
		memcpy(prev, row.hash, AUDIT_HASH_LEN);
		expect++;
		(*n)++;
	}
	sqlite3_reset(st);
	if (out == 0 && rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "reading the audit log");
	return out;
}

int hall_local_seals(kdb *db, int64_t after, int64_t upto,
		     int (*visit)(void *ctx, const hall_local_seal *s, kerr *err), void *ctx,
		     kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT id, epoch, first_seq, last_seq, row_count, at_ms,"
				    " head_hash, tag FROM seals WHERE id > ?1 AND last_seq <= ?2"
				    " ORDER BY id",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int64(st, 2, upto);
	int rc, out = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 6) != AUDIT_HASH_LEN ||
		    sqlite3_column_bytes(st, 7) != AUDIT_HASH_LEN) {
			out = kerr_set(err, db_path(db), "seal %lld does not hold 32-byte hashes; run "
				       "kioskctl audit verify", (long long)sqlite3_column_int64(st, 0));
			break;
		}
		hall_local_seal s = { .id = sqlite3_column_int64(st, 0),
				      .epoch = sqlite3_column_int64(st, 1),
				      .first_seq = sqlite3_column_int64(st, 2),
				      .last_seq = sqlite3_column_int64(st, 3),
				      .row_count = sqlite3_column_int64(st, 4),
				      .at_ms = sqlite3_column_int64(st, 5),
				      .head_hash = sqlite3_column_blob(st, 6),
				      .tag = sqlite3_column_blob(st, 7) };
		if (visit(ctx, &s, err)) {
			out = -1;
			break;
		}
	}
	sqlite3_reset(st);
	if (out == 0 && rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "reading the seals");
	return out;
}
