/* ship: a kiosk's audit log to the centre, from the row the centre
 * acknowledged, in order, a batch per transaction.
 *
 * The centre's head (hall.kiosks, which only its batch trigger moves) is the
 * acknowledgement; the kiosk keeps no state of its own, so a shipment killed
 * at any point, a lost connection or a restarted server just means the next
 * run starts from what the centre committed. A batch is copied into a
 * session's temporary table (COPY is fast, and COPY FROM cannot go straight
 * into a table under row-level security) and moved into hall.audit with one
 * INSERT, whose statement trigger checks the chain (central.c). Rows the
 * centre already holds (a second shipper got there first) are not inserted
 * again; the first row that is must chain from the centre's head, so a file
 * that differs from what the centre holds is refused by the centre itself.
 * While the centre checks and commits one batch, the next is read from the
 * file and hashed (the two overlap: docs/performance.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/pg/conn.h"
#include "db/pg/local.h"

#define DEFAULT_BATCH 10000

/* A batch read from the file in COPY's binary format: the header, then per
 * row 9 fields (kiosk_id, seq, at_ms, actor, action, case_no, detail, prev,
 * hash), each a 4-byte length and its bytes (texts as UTF-8, numbers as 8
 * bytes big-endian, hashes as their 32 bytes), then the trailer. Binary
 * spares the server parsing hex and escapes (docs/performance.md). */
typedef struct batch {
	const char *kiosk;
	char *p;
	size_t len, cap;
	int64_t first, n;              /* rows first .. first + n - 1 */
	uint8_t last[AUDIT_HASH_LEN];  /* the hash of its last row */
} batch;

static const char copy_header[19] = "PGCOPY\n\377\r\n\0" /* signature */
				    "\0\0\0\0"           /* flags */
				    "\0\0\0";             /* extension length (4th 0: the NUL) */

static int b_reserve(batch *b, size_t more, kerr *err)
{
	if (b->len + more <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 1024 * 1024;
	while (cap < b->len + more)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p)
		return kerr_set(err, "hall", "out of memory building a batch");
	b->p = p;
	b->cap = cap;
	return 0;
}

static void b_be(batch *b, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--)
		b->p[b->len++] = (char)(v >> (8 * i));
}

static void b_field(batch *b, const void *p, size_t n)
{
	b_be(b, n, 4);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void b_text(batch *b, const char *s)
{
	b_field(b, s, strlen(s));
}

static void b_int8(batch *b, int64_t v)
{
	b_be(b, 8, 4);
	b_be(b, (uint64_t)v, 8);
}

static int add_row(void *ctx, const hall_row *row, kerr *err)
{
	batch *b = ctx;
	size_t need = strlen(b->kiosk) + strlen(row->actor) + strlen(row->action) +
		      strlen(row->case_no) + strlen(row->detail) + 2 * AUDIT_HASH_LEN +
		      2 + 9 * 4 + 2 * 8 + 2;
	if (b_reserve(b, need, err))
		return -1;
	b_be(b, 9, 2);
	b_text(b, b->kiosk);
	b_int8(b, row->seq);
	b_int8(b, row->at_ms);
	b_text(b, row->actor);
	b_text(b, row->action);
	b_text(b, row->case_no);
	b_text(b, row->detail);
	b_field(b, row->prev, AUDIT_HASH_LEN);
	b_field(b, row->hash, AUDIT_HASH_LEN);
	return 0;
}

/* Read up to max rows after row `after` (whose hash is prev) into b. 0, 1
 * when the file stops chaining (problem; b holds the good rows before the
 * fault), -1 with err. */
static int batch_read(kdb *db, int64_t after, const uint8_t prev[AUDIT_HASH_LEN], int64_t max,
		      batch *b, char *problem, size_t problem_len, kerr *err)
{
	b->len = 0;
	b->first = after + 1;
	memcpy(b->last, prev, AUDIT_HASH_LEN);
	if (b_reserve(b, sizeof copy_header + 2, err))
		return -1;
	memcpy(b->p, copy_header, sizeof copy_header);
	b->len = sizeof copy_header;
	int rc = hall_local_rows(db, after, max, b->last, add_row, b, &b->n, problem, problem_len,
				 err);
	if (rc >= 0) {
		if (b_reserve(b, 2, err))
			return -1;
		b_be(b, 0xffff, 2); /* the trailer: -1 */
	}
	return rc;
}

/* BEGIN, and the batch copied into the session's table. 0 or -1 with err.
 * Two shippers of one kiosk (a second kioskctl, a retry while the first
 * still runs) take turns by a lock on the kiosk's id, so the second reads
 * the head the first committed instead of inserting the same rows in
 * another order (which would deadlock on the primary key). */
static int batch_send(hall *h, const batch *b, const char *kiosk_lit, kerr *err)
{
	char lock[128];
	snprintf(lock, sizeof lock,
		 "BEGIN; SELECT pg_advisory_xact_lock(hashtext('hall.ship ' || %s))", kiosk_lit);
	if (hall_run(h, lock, "starting a batch", err))
		return -1;
	PGresult *res = hall_exec(h, "COPY hall_batch FROM STDIN (FORMAT binary)", PGRES_COPY_IN,
				  "starting a batch", err);
	if (!res)
		return -1;
	PQclear(res);
	enum { CHUNK = 256 * 1024 };
	for (size_t off = 0; off < b->len; off += CHUNK) {
		size_t n = b->len - off < CHUNK ? b->len - off : CHUNK;
		if (PQputCopyData(h->c, b->p + off, (int)n) != 1)
			return hall_err(h, NULL, "sending a batch", err);
	}
	if (PQputCopyEnd(h->c, NULL) != 1)
		return hall_err(h, NULL, "sending a batch", err);
	int rc = 0;
	while ((res = PQgetResult(h->c))) {
		if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = hall_err(h, res, "sending a batch", err);
		PQclear(res);
	}
	if (rc == 0 && hall_lost(h))
		rc = hall_err(h, NULL, "sending a batch", err);
	return rc;
}

/* The batch moved into hall.audit and committed, sent without waiting: the
 * caller reads the next batch meanwhile, then calls batch_commit_end. The
 * kiosk's hall (the partition) is read once per batch here, not by the
 * column's default once per row. */
static int batch_commit_begin(hall *h, const char *kiosk_lit, kerr *err)
{
	char sql[800];
	snprintf(sql, sizeof sql,
		 "INSERT INTO hall.audit (kiosk_id, seq, at_ms, actor, action, case_no, detail,"
		 " prev, hash, hall_id) SELECT b.kiosk_id, b.seq, b.at_ms, b.actor, b.action,"
		 " b.case_no, b.detail, b.prev, b.hash, (SELECT k.hall_id FROM hall.kiosks k"
		 " WHERE k.kiosk_id = %s) FROM hall_batch b"
		 " WHERE b.seq > (SELECT k.head_seq FROM hall.kiosks k WHERE k.kiosk_id = %s);"
		 " COMMIT",
		 kiosk_lit, kiosk_lit);
	h->sqlstate[0] = '\0';
	if (PQsendQuery(h->c, sql) != 1)
		return hall_err(h, NULL, "adding a batch at the centre", err);
	return 0;
}

/* 0 committed (*inserted: rows new at the centre), -1 with err. */
static int batch_commit_end(hall *h, int64_t *inserted, kerr *err)
{
	*inserted = 0;
	int rc = 0, results = 0;
	PGresult *res;
	while ((res = PQgetResult(h->c))) {
		if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK)
			rc = hall_err(h, res, "adding a batch at the centre", err);
		else if (rc == 0 && results++ == 0)
			*inserted = strtoll(PQcmdTuples(res), NULL, 10);
		PQclear(res);
	}
	if (rc == 0 && (results != 2 || hall_lost(h)))
		rc = hall_err(h, NULL, "committing a batch", err);
	return rc;
}

/* The centre's head for this kiosk: 0, or -1 with err (not registered is an
 * error of set-up, said in words). */
static int central_head(hall *h, const char *kiosk, int64_t *seq, uint8_t hash[AUDIT_HASH_LEN],
			kerr *err)
{
	const char *p[1] = { kiosk };
	PGresult *r = hall_execp(h,
				 "SELECT head_seq, encode(head_hash, 'hex'), current_user"
				 " FROM hall.kiosks WHERE kiosk_id = $1",
				 1, p, PGRES_TUPLES_OK, "reading the centre's acknowledgement", err);
	if (!r)
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return kerr_set(err, "hall", "the centre knows no kiosk %s for this login: register "
				"it (kioskctl hall kiosk-add %s) and connect as its role kiosk_%s",
				kiosk, kiosk, kiosk);
	}
	*seq = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	bool ok = audit_unhex(PQgetvalue(r, 0, 1), hash);
	PQclear(r);
	return ok ? 0 : kerr_set(err, "hall", "the centre's head hash for %s is damaged", kiosk);
}

/* Record a refusal at the centre (best effort: the refusal stands anyway). */
static void record_refusal(hall *h, const char *kiosk, int64_t local, int64_t central,
			   const char *reason)
{
	if (hall_lost(h))
		return;
	hall_rollback(h);
	char l[24], c[24];
	snprintf(l, sizeof l, "%lld", (long long)local);
	snprintf(c, sizeof c, "%lld", (long long)central);
	const char *p[4] = { kiosk, l, c, reason };
	PGresult *r = PQexecParams(h->c,
				   "INSERT INTO hall.refusals (kiosk_id, local_head, central_head,"
				   " reason) VALUES ($1, $2, $3, $4)",
				   4, NULL, p, NULL, NULL, 0);
	PQclear(r);
}

/* Whether the file agrees with the centre up to the centre's head: 0 yes, 1
 * refused (problem), -1 error. */
static int check_agrees(kdb *db, const char *kiosk, int64_t local_head, int64_t c_seq,
			const uint8_t c_hash[AUDIT_HASH_LEN], hall_ship_result *r, kerr *err)
{
	if (c_seq > local_head) {
		snprintf(r->problem, sizeof r->problem,
			 "rewind refused: the centre holds rows 1 to %lld of kiosk %s, but %s ends at "
			 "row %lld: it was restored from an older copy or is another file; nothing "
			 "was sent (keep this file aside and tell the hall's administrator)",
			 (long long)c_seq, kiosk, db_path(db), (long long)local_head);
		return 1;
	}
	if (c_seq == 0)
		return 0;
	uint8_t mine[AUDIT_HASH_LEN];
	int rc = hall_local_hash_at(db, c_seq, mine, err);
	if (rc < 0)
		return -1;
	if (rc == 1 || memcmp(mine, c_hash, AUDIT_HASH_LEN) != 0) {
		snprintf(r->problem, sizeof r->problem,
			 "fork refused: row %lld of %s is not the row %lld the centre holds for kiosk "
			 "%s (the file was restored from a backup and written again, or replaced); "
			 "nothing was sent (keep this file aside and tell the hall's administrator)",
			 (long long)c_seq, db_path(db), (long long)c_seq, kiosk);
		return 1;
	}
	return 0;
}

static const char batch_table_sql[] =
	"CREATE TEMP TABLE IF NOT EXISTS hall_batch (kiosk_id text, seq bigint, at_ms bigint,"
	" actor text, action text, case_no text, detail text, prev bytea, hash bytea)"
	" ON COMMIT DELETE ROWS";

/* SQLSTATEs after which the centre's head is read again and the shipment
 * goes on from there: another shipper's rows (unique violation), a batch
 * that no longer starts at the head (KH002), a deadlock or serialization
 * failure (the server chose this transaction to give way). */
static bool head_moved(const hall *h)
{
	static const char *const again[] = { "23505", "KH002", "40P01", "40001" };
	for (size_t i = 0; i < sizeof again / sizeof *again; i++)
		if (strcmp(h->sqlstate, again[i]) == 0)
			return true;
	return false;
}

/* The centre refused a row as not following the one before (KH004) at the
 * first row of a batch: this file differs from the chain the centre holds. */
static bool fork_at_head(const hall *h)
{
	return strcmp(h->sqlstate, "KH004") == 0;
}

/* One seal sent (its transaction is the caller's). */
static int send_seal(void *ctx, const hall_local_seal *s, kerr *err)
{
	void **c = ctx;
	hall *h = c[0];
	const char *kiosk = c[1];
	char id[24], ep[24], fs[24], ls[24], rc[24], at[24];
	char hh[2 * AUDIT_HASH_LEN + 3] = "\\x", tg[2 * AUDIT_HASH_LEN + 3] = "\\x";
	snprintf(id, sizeof id, "%lld", (long long)s->id);
	snprintf(ep, sizeof ep, "%lld", (long long)s->epoch);
	snprintf(fs, sizeof fs, "%lld", (long long)s->first_seq);
	snprintf(ls, sizeof ls, "%lld", (long long)s->last_seq);
	snprintf(rc, sizeof rc, "%lld", (long long)s->row_count);
	snprintf(at, sizeof at, "%lld", (long long)s->at_ms);
	audit_hex(s->head_hash, hh + 2);
	audit_hex(s->tag, tg + 2);
	const char *p[9] = { kiosk, id, ep, fs, ls, rc, hh, at, tg };
	PGresult *r = hall_execp(h,
				 "INSERT INTO hall.seals (kiosk_id, seal_id, epoch, first_seq, last_seq,"
				 " row_count, head_hash, at_ms, tag) VALUES ($1, $2, $3, $4, $5, $6,"
				 " $7::bytea, $8, $9::bytea) ON CONFLICT DO NOTHING",
				 9, p, PGRES_COMMAND_OK, "sending a seal", err);
	if (!r)
		return -1;
	PQclear(r);
	return 0;
}

/* After the rows: the file's seals that cover only rows the centre holds,
 * and what the file holds (its head), so the centre can name a kiosk's gap
 * in shipping (hall verify). A centre whose schema predates them (no
 * hall.seals) is left as it is. 0 or -1 with err. */
static int ship_tail(hall *h, kdb *db, const char *kiosk, const hall_ship_result *r, kerr *err)
{
	const char *p[1] = { kiosk };
	PGresult *res = hall_execp(h, "SELECT coalesce(max(seal_id), 0) FROM hall.seals"
				      " WHERE kiosk_id = $1",
				   1, p, PGRES_TUPLES_OK, "reading the centre's seals", err);
	if (!res) {
		if (strcmp(h->sqlstate, "42P01") == 0) {
			memset(err, 0, sizeof *err);
			return 0;
		}
		return -1;
	}
	int64_t after = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	void *ctx[2] = { h, (void *)kiosk };
	if (hall_run(h, "BEGIN", "sending the seals", err))
		return -1;
	if (hall_local_seals(db, after, r->acked, send_seal, ctx, err)) {
		hall_rollback(h);
		return -1;
	}
	char l[24], c[24];
	snprintf(l, sizeof l, "%lld", (long long)r->local_head);
	snprintf(c, sizeof c, "%lld", (long long)r->acked);
	const char *q[3] = { kiosk, l, c };
	res = hall_execp(h,
			 "INSERT INTO hall.ship_reports (kiosk_id, local_head, central_head)"
			 " VALUES ($1, $2, $3)",
			 3, q, PGRES_COMMAND_OK, "reporting the kiosk's head", err);
	if (!res) {
		hall_rollback(h);
		return -1;
	}
	PQclear(res);
	return hall_run(h, "COMMIT", "sending the seals", err);
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

int hall_ship(hall *h, kdb *db, const hall_ship_opts *o, hall_ship_result *r, kerr *err)
{
	memset(r, 0, sizeof *r);
	const char *kiosk = db_kiosk_id(db);
	int64_t per = o && o->batch_rows > 0 ? o->batch_rows : DEFAULT_BATCH;
	int64_t max_rows = o && o->max_rows > 0 ? o->max_rows : INT64_MAX;
	uint8_t local_hash[AUDIT_HASH_LEN], c_hash[AUDIT_HASH_LEN];
	int64_t c_seq;
	if (hall_local_head(db, &r->local_head, local_hash, err) ||
	    central_head(h, kiosk, &c_seq, c_hash, err))
		return -1;
	r->acked_before = r->acked = c_seq;
	int rc = check_agrees(db, kiosk, r->local_head, c_seq, c_hash, r, err);
	if (rc == 1)
		record_refusal(h, kiosk, r->local_head, c_seq, r->problem);
	if (rc)
		return rc;
	if (hall_run(h, batch_table_sql, "preparing the batch table", err))
		return -1;
	char *lit = PQescapeLiteral(h->c, kiosk, strlen(kiosk));
	if (!lit)
		return hall_err(h, NULL, "quoting the kiosk id", err);
	batch cur = { .kiosk = kiosk }, next = { .kiosk = kiosk };
	char local_problem[sizeof r->problem] = "";
	int out = -1, retries = 0;
	int64_t budget = min64(r->local_head - r->acked, max_rows);
	rc = batch_read(db, r->acked, c_hash, min64(per, budget), &cur, local_problem,
			sizeof local_problem, err);
	if (rc < 0)
		goto done;
	while (cur.n > 0) {
		if (batch_send(h, &cur, lit, err) || batch_commit_begin(h, lit, err)) {
			hall_rollback(h);
			goto failed;
		}
		/* The next batch is read while the centre works on this one. */
		int64_t left = budget - (r->sent + cur.n);
		next.n = 0;
		int nrc = 0;
		if (!local_problem[0] && left > 0)
			nrc = batch_read(db, cur.first + cur.n - 1, cur.last, min64(per, left), &next,
					 local_problem, sizeof local_problem, err);
		int64_t inserted;
		if (batch_commit_end(h, &inserted, err)) {
			hall_rollback(h);
			goto failed;
		}
		if (nrc < 0)
			goto done;
		r->acked = cur.first + cur.n - 1;
		r->sent += inserted;
		if (inserted)
			r->batches++;
		retries = 0;
		batch t = cur;
		cur = next;
		next = t;
		continue;
	failed:
		if (fork_at_head(h) && !hall_lost(h)) {
			snprintf(r->problem, sizeof r->problem,
				 "fork refused: the centre says %.300s", err->msg);
			record_refusal(h, kiosk, r->local_head, r->acked, r->problem);
			out = 1;
			goto done;
		}
		if (hall_lost(h) || !head_moved(h))
			goto done;
		/* Someone else shipped these rows meanwhile: go on from the
		 * centre's head, once it is checked to be ours. Two shippers
		 * may leapfrog for a while; only a head that stops moving
		 * ends it. */
		kerr again = { 0 };
		int64_t seen = r->acked;
		if (central_head(h, kiosk, &c_seq, c_hash, &again)) {
			*err = again;
			goto done;
		}
		if (c_seq > seen)
			retries = 0;
		else if (++retries > 3)
			goto done;
		rc = check_agrees(db, kiosk, r->local_head, c_seq, c_hash, r, &again);
		if (rc) {
			if (rc == 1)
				record_refusal(h, kiosk, r->local_head, c_seq, r->problem);
			else
				*err = again;
			out = rc;
			goto done;
		}
		memset(err, 0, sizeof *err);
		r->acked = c_seq;
		local_problem[0] = '\0';
		budget = min64(r->local_head - r->acked, max_rows - r->sent);
		if (batch_read(db, r->acked, c_hash, min64(per, budget), &cur, local_problem,
			       sizeof local_problem, err) < 0)
			goto done;
		budget += r->sent;
	}
	if (local_problem[0]) {
		snprintf(r->problem, sizeof r->problem, "%s", local_problem);
		record_refusal(h, kiosk, r->local_head, r->acked, r->problem);
		out = 1;
	} else {
		out = ship_tail(h, db, kiosk, r, err) ? -1 : 0;
	}
done:
	free(cur.p);
	free(next.p);
	PQfreemem(lit);
	return out;
}

/* ---- what comes back: revocations made elsewhere ---- */

int hall_ca_feed(hall *h, const char *kiosk_id, token_revoked_elsewhere **out, size_t *n,
		 kerr *err)
{
	*out = NULL;
	*n = 0;
	const char *p[1] = { kiosk_id };
	PGresult *r = hall_execp(h,
				 "SELECT f.cert_serial, f.reason, f.at_ms, f.by_kiosk, f.by_seq,"
				 " f.key_serial, coalesce(f.key_state, '') FROM hall.ca_feed f"
				 " WHERE f.issuer_kiosk = $1 ORDER BY f.at_ms, f.by_kiosk, f.by_seq, f.id",
				 1, p, PGRES_TUPLES_OK, "reading the revocations made at other windows",
				 err);
	if (!r) {
		if (strcmp(h->sqlstate, "42P01") == 0)
			kerr_set(err, "hall", "the centre's schema is older than this kioskctl's (no "
				 "hall.ca_feed): upgrade it with kioskctl hall init");
		return -1;
	}
	int rows = PQntuples(r);
	token_revoked_elsewhere *v = calloc(rows ? (size_t)rows : 1, sizeof *v);
	if (!v) {
		PQclear(r);
		return kerr_set(err, "hall", "out of memory reading the revocations");
	}
	for (int i = 0; i < rows; i++) {
		snprintf(v[i].cert_serial, sizeof v[i].cert_serial, "%s", PQgetvalue(r, i, 0));
		snprintf(v[i].reason, sizeof v[i].reason, "%s", PQgetvalue(r, i, 1));
		v[i].at_ms = strtoll(PQgetvalue(r, i, 2), NULL, 10);
		snprintf(v[i].by_kiosk, sizeof v[i].by_kiosk, "%s", PQgetvalue(r, i, 3));
		v[i].by_seq = strtoll(PQgetvalue(r, i, 4), NULL, 10);
		snprintf(v[i].key_serial, sizeof v[i].key_serial, "%s", PQgetvalue(r, i, 5));
		snprintf(v[i].key_state, sizeof v[i].key_state, "%s", PQgetvalue(r, i, 6));
	}
	PQclear(r);
	*out = v;
	*n = (size_t)rows;
	return 0;
}
