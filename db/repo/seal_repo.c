/* seal_repo: the seal_setup row and the seals table (db/repo/seal_repo.h). */
#include "db/repo/seal_repo.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "core/base/clock.h"
#include "db/audit_log.h"
#include "db/repo/staff_repo.h"
#include "db/store.h"

static void setup_fill(sqlite3_stmt *st, void *p)
{
	seal_setup_rec *s = p;
	s->p.t0_ms = sqlite3_column_int64(st, 0);
	s->p.interval_ms = sqlite3_column_int64(st, 1);
	dbi_copy(s->set_by, sizeof s->set_by, (const char *)sqlite3_column_text(st, 2));
	s->set_ms = sqlite3_column_int64(st, 3);
}

int db_seal_setup_get(kdb *db, seal_setup_rec *out, kerr *err)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = dbi_stmt(db, "SELECT t0_ms, interval_ms, set_by, set_ms FROM seal_setup"
				    " WHERE id = 1", err);
	return dbi_one(db, st, setup_fill, out, "reading the seal set-up", err);
}

/* One integer from a statement without bindings; *has false for NULL or no row. */
static int one_int(kdb *db, const char *sql, int64_t arg, int64_t *v, bool *has, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db, sql, err);
	if (!st)
		return -1;
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, arg);
	int rc = sqlite3_step(st);
	*has = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
	*v = *has ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : dbi_sqlerr(db, err, "reading the seals");
}

/* The stored hash of audit row seq: 0, 1 no such row, -1 error. */
static int hash_at(kdb *db, int64_t seq, uint8_t out[AUDIT_HASH_LEN], kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db, "SELECT hash FROM audit WHERE seq = ?1", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	int rc = sqlite3_step(st), r = 1;
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == AUDIT_HASH_LEN) {
		memcpy(out, sqlite3_column_blob(st, 0), AUDIT_HASH_LEN);
		r = 0;
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		r = dbi_sqlerr(db, err, "reading the audit log");
	}
	sqlite3_reset(st);
	return r;
}

/* Seal rows first..last with key as epoch (inside the caller's operation). */
static int write_seal(kdb *db, const uint8_t key[SEAL_KEY_LEN], int64_t epoch, int64_t first,
		      int64_t last, kerr *err)
{
	seal_record r = { .epoch = epoch, .first_seq = first, .last_seq = last,
			  .row_count = last - first + 1, .at_ms = clock_now_ms(),
			  .kiosk_id = db->kiosk_id };
	int h = hash_at(db, last, r.head, err);
	if (h)
		return h < 0 ? -1 : kerr_set(err, "table audit", "no audit row %lld to seal",
					     (long long)last);
	uint8_t tag[SEAL_TAG_LEN];
	if (seal_tag(key, &r, tag))
		return kerr_set(err, "seal", "computing a seal's tag failed (OpenSSL)");
	sqlite3_stmt *st = dbi_stmt(db, "INSERT INTO seals (epoch, first_seq, last_seq, row_count,"
				    " head_hash, at_ms, tag) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, epoch);
	sqlite3_bind_int64(st, 2, first);
	sqlite3_bind_int64(st, 3, last);
	sqlite3_bind_int64(st, 4, r.row_count);
	sqlite3_bind_blob(st, 5, r.head, AUDIT_HASH_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, r.at_ms);
	sqlite3_bind_blob(st, 7, tag, SEAL_TAG_LEN, SQLITE_TRANSIENT);
	return dbi_step_done(db, st, "writing a seal", err);
}

int db_seal_init(kdb *db, const char *supervisor_id, const seal_state *st, kerr *err)
{
	if (!supervisor_id || !*supervisor_id)
		return kerr_set(err, "seal set-up", "no supervisor given: sealing is set up by a "
				"supervisor");
	if (st->epoch != 0)
		return kerr_set(err, "seal set-up", "sealing starts from the key of epoch 0");
	if (dbi_op_begin(db, err))
		return -1;
	seal_setup_rec have;
	staff_rec s;
	int r = db_seal_setup_get(db, &have, err);
	if (r == 0)
		kerr_set(err, "table seal_setup", "sealing is already set up (by %s): its "
			 "verification key was shown then and is not shown again", have.set_by);
	if (r <= 0)
		goto fail;
	r = db_staff_get(db, supervisor_id, &s, err);
	if (r > 0)
		kerr_set(err, "seal set-up", "no staff member '%s'", supervisor_id);
	else if (r == 0 && (!s.active || s.role != ROLE_SUPERVISOR))
		kerr_set(err, "seal set-up", "'%s' is not an active supervisor: sealing is set up "
			 "by one", supervisor_id);
	if (r != 0 || !s.active || s.role != ROLE_SUPERVISOR)
		goto fail;
	sqlite3_stmt *ins = dbi_stmt(db, "INSERT INTO seal_setup (id, t0_ms, interval_ms, set_by,"
				     " set_ms) VALUES (1, ?1, ?2, ?3, ?4)", err);
	if (!ins)
		goto fail;
	sqlite3_bind_int64(ins, 1, st->p.t0_ms);
	sqlite3_bind_int64(ins, 2, st->p.interval_ms);
	sqlite3_bind_text(ins, 3, supervisor_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(ins, 4, clock_now_ms());
	if (dbi_step_done(db, ins, "writing the seal set-up", err))
		goto fail;
	char detail[96];
	snprintf(detail, sizeof detail, "{\"t0_ms\":%lld,\"interval_ms\":%lld}",
		 (long long)st->p.t0_ms, (long long)st->p.interval_ms);
	if (dbi_audit_append(db, supervisor_id, AUD_SEAL_INIT, "", detail, err))
		goto fail;
	int64_t head;
	bool has;
	if (one_int(db, "SELECT seq FROM audit_head WHERE id = 1", 0, &head, &has, err) ||
	    write_seal(db, st->key, 0, 1, head, err))
		goto fail;
	return dbi_op_commit(db, err);
fail:
	dbi_op_rollback(db);
	return -1;
}

/* Seal the unsealed rows written before limit_ms (a prefix: it stops at the
 * first row written at or after it) with key as epoch, inside the caller's
 * operation. empty_ok: write the seal even with no rows (an ended epoch's).
 * *sealed_to set. */
static int seal_prefix(kdb *db, const uint8_t key[SEAL_KEY_LEN], int64_t epoch, int64_t limit_ms,
		       bool empty_ok, int64_t *sealed_to, int *n_seals, kerr *err)
{
	int64_t last = 0, head = 0, stop = 0;
	bool has, has_stop;
	if (one_int(db, "SELECT MAX(last_seq) FROM seals", 0, &last, &has, err) ||
	    one_int(db, "SELECT seq FROM audit_head WHERE id = 1", 0, &head, &has, err))
		return -1;
	sqlite3_stmt *st = dbi_stmt(db, "SELECT MIN(seq) FROM audit WHERE seq > ?1 AND at_ms >= ?2",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, last);
	sqlite3_bind_int64(st, 2, limit_ms);
	int rc = sqlite3_step(st);
	has_stop = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
	stop = has_stop ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return dbi_sqlerr(db, err, "reading the audit log");
	int64_t end = has_stop ? stop - 1 : head;
	if (end > last || empty_ok) {
		if (write_seal(db, key, epoch, last + 1, end > last ? end : last, err))
			return -1;
		(*n_seals)++;
		last = end > last ? end : last;
	}
	*sealed_to = last;
	return 0;
}

/* Seal every epoch from st's to now_e - 1 (each with its own key: rows
 * written during it, or none), and with current also now_e's rows, in one
 * operation; st is evolved in memory to max(now_e, st->epoch). Epochs that
 * already have a seal after the key file's (a run that committed but crashed
 * before rewriting the file) are only stepped over. */
static int seal_epochs(kdb *db, seal_state *st, int64_t now_e, bool current,
		       seal_run_result *res, kerr *err)
{
	if (dbi_op_begin(db, err))
		return -1;
	int64_t max_e;
	bool any;
	if (one_int(db, "SELECT MAX(epoch) FROM seals", 0, &max_e, &any, err))
		goto fail;
	for (; st->epoch < now_e; st->epoch++) {
		int64_t end_ms = st->p.t0_ms + (st->epoch + 1) * st->p.interval_ms;
		if ((!any || st->epoch >= max_e) &&
		    seal_prefix(db, st->key, st->epoch, end_ms, !any || st->epoch > max_e,
				&res->sealed_to, &res->seals, err))
			goto fail;
		if (seal_evolve(st->key, st->epoch)) {
			kerr_set(err, "seal", "cannot evolve the seal key (OpenSSL)");
			goto fail;
		}
	}
	if (current) {
		int64_t end_ms = st->p.t0_ms + (st->epoch + 1) * st->p.interval_ms;
		if (seal_prefix(db, st->key, st->epoch, end_ms, false, &res->sealed_to, &res->seals,
				err))
			goto fail;
	}
	return dbi_op_commit(db, err);
fail:
	dbi_op_rollback(db);
	return -1;
}

int db_seal_run(kdb *db, const char *key_path, int64_t now_ms, bool current,
		seal_run_result *res, kerr *err)
{
	memset(res, 0, sizeof *res);
	seal_setup_rec setup;
	int r = db_seal_setup_get(db, &setup, err);
	if (r)
		return r;
	/* One sealer at a time (the kiosk's tick and kioskctl's day close): an
	 * older key must never be written back over a newer one. */
	char lock_path[4200];
	if (snprintf(lock_path, sizeof lock_path, "%s.lock", key_path) >= (int)sizeof lock_path)
		return kerr_set(err, key_path, "the path is too long");
	int lfd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lfd < 0 || flock(lfd, LOCK_EX) != 0) {
		if (lfd >= 0)
			close(lfd);
		return kerr_set(err, lock_path, "cannot lock the seal key");
	}
	seal_state st;
	int rc = -1;
	if (access(key_path, F_OK) != 0) {
		kerr_set(err, key_path, "the seal key is missing, but sealing is set up: nothing "
			 "more can be sealed (docs/audit.md, \"Sealing\": a lost key)");
		goto out;
	}
	if (seal_state_load(key_path, &st, err))
		goto out;
	if (st.p.t0_ms != setup.p.t0_ms || st.p.interval_ms != setup.p.interval_ms) {
		kerr_set(err, key_path, "this seal key was not made for this database (its start "
			 "or interval differ from the set-up's)");
		goto out;
	}
	res->from_epoch = st.epoch;
	int64_t now_e = seal_epoch_of(&st.p, now_ms);
	int64_t v;
	bool has;
	if (one_int(db, "SELECT MAX(last_seq) FROM seals", 0, &v, &has, err))
		goto out;
	res->sealed_to = v;
	if (now_e > st.epoch || current) {
		/* the seals first, in memory a copy of the key evolving with them;
		 * the file is rewritten once they are committed (a crash between
		 * leaves an older key file, which the next run steps forward) */
		seal_state next = st;
		int r2 = seal_epochs(db, &next, now_e, current, res, err);
		if (r2 == 0 && next.epoch > st.epoch)
			r2 = seal_state_advance_to(key_path, &st, next.epoch, err);
		seal_state_wipe(&next);
		if (r2)
			goto out;
	}
	res->to_epoch = st.epoch;
	rc = 0;
out:
	seal_state_wipe(&st);
	flock(lfd, LOCK_UN);
	close(lfd);
	return rc;
}

/* ---- verification ---- */

static void finding(seal_verify_result *res, int64_t seal_id, int64_t seq, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void finding(seal_verify_result *res, int64_t seal_id, int64_t seq, const char *fmt, ...)
{
	if (res->n_findings == SEAL_FINDINGS_MAX) {
		res->n_more++;
		return;
	}
	seal_finding *f = &res->findings[res->n_findings++];
	f->seal_id = seal_id;
	f->seq = seq;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->problem, sizeof f->problem, fmt, ap);
	va_end(ap);
}

typedef struct seal_row {
	int64_t id, epoch, first, last, count, at_ms;
	bool sizes;
	uint8_t head[AUDIT_HASH_LEN];
	uint8_t tag[SEAL_TAG_LEN];
} seal_row;

static void seal_row_fill(sqlite3_stmt *st, void *p)
{
	seal_row *s = p;
	s->id = sqlite3_column_int64(st, 0);
	s->epoch = sqlite3_column_int64(st, 1);
	s->first = sqlite3_column_int64(st, 2);
	s->last = sqlite3_column_int64(st, 3);
	s->count = sqlite3_column_int64(st, 4);
	s->at_ms = sqlite3_column_int64(st, 6);
	s->sizes = sqlite3_column_bytes(st, 5) == AUDIT_HASH_LEN &&
		   sqlite3_column_bytes(st, 7) == SEAL_TAG_LEN;
	if (s->sizes) {
		memcpy(s->head, sqlite3_column_blob(st, 5), AUDIT_HASH_LEN);
		memcpy(s->tag, sqlite3_column_blob(st, 7), SEAL_TAG_LEN);
	}
}

/* The first row in first..last not written during epoch (the set-up seal:
 * not at or before epoch 0); 0 when all are. */
static int row_outside(kdb *db, const seal_params *p, const seal_row *s, bool setup_seal,
		       int64_t *seq, int64_t *at_ms, kerr *err)
{
	int64_t lo = p->t0_ms + s->epoch * p->interval_ms, hi = lo + p->interval_ms;
	sqlite3_stmt *st = dbi_stmt(db, "SELECT seq, at_ms FROM audit WHERE seq BETWEEN ?1 AND ?2"
				    " AND ((?3 AND at_ms < ?4) OR at_ms >= ?5) ORDER BY seq LIMIT 1",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, s->first);
	sqlite3_bind_int64(st, 2, s->last);
	sqlite3_bind_int(st, 3, !setup_seal);
	sqlite3_bind_int64(st, 4, lo);
	sqlite3_bind_int64(st, 5, hi);
	int rc = sqlite3_step(st);
	*seq = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	*at_ms = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : dbi_sqlerr(db, err, "reading the audit log");
}

static int check_seals(kdb *db, const uint8_t *k0, seal_verify_result *res, kerr *err)
{
	seal_row *rows = NULL;
	size_t n = 0;
	sqlite3_stmt *st = dbi_stmt(db, "SELECT id, epoch, first_seq, last_seq, row_count, head_hash,"
				    " at_ms, tag FROM seals ORDER BY id", err);
	if (!st || dbi_collect(db, st, sizeof *rows, seal_row_fill, (void **)&rows, &n,
			       "reading the seals", err))
		return -1;
	res->n_seals = (long)n;
	uint8_t key[SEAL_KEY_LEN];
	int64_t key_e = 0;
	if (k0)
		memcpy(key, k0, SEAL_KEY_LEN);
	int64_t prev_last = 0, prev_epoch = 0;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const seal_row *s = &rows[i];
		if (i == 0)
			res->first_epoch = s->epoch;
		res->last_epoch = s->epoch;
		if (s->first != prev_last + 1)
			finding(res, s->id, s->first, "seal %lld (epoch %lld) starts at row %lld, not "
				"right after the last sealed row %lld: seals overlap or leave a gap",
				(long long)s->id, (long long)s->epoch, (long long)s->first,
				(long long)prev_last);
		if (i > 0 && s->epoch < prev_epoch)
			finding(res, s->id, 0, "seal %lld goes back from epoch %lld to %lld",
				(long long)s->id, (long long)prev_epoch, (long long)s->epoch);
		/* every ended epoch is sealed, an empty one too: a gap is seals removed
		 * (and the rows they covered re-dated and re-sealed later) */
		if (i == 0 && s->epoch != 0)
			finding(res, s->id, 0, "the first seal is of epoch %lld, not the set-up seal "
				"of epoch 0: seals were removed", (long long)s->epoch);
		else if (i > 0 && s->epoch > prev_epoch + 1) {
			char gap[64];
			if (s->epoch == prev_epoch + 2)
				snprintf(gap, sizeof gap, "epoch %lld", (long long)prev_epoch + 1);
			else
				snprintf(gap, sizeof gap, "epochs %lld..%lld", (long long)prev_epoch + 1,
					 (long long)s->epoch - 1);
			finding(res, s->id, 0, "no seal for %s (seal %lld is of epoch %lld): every "
				"ended epoch is sealed, so seals were removed", gap, (long long)s->id,
				(long long)s->epoch);
		}
		if (s->last < s->first - 1 || s->count != s->last - s->first + 1)
			finding(res, s->id, 0, "seal %lld says %lld rows for rows %lld..%lld",
				(long long)s->id, (long long)s->count, (long long)s->first,
				(long long)s->last);
		prev_last = s->last > prev_last ? s->last : prev_last;
		prev_epoch = s->epoch;
		uint8_t h[AUDIT_HASH_LEN];
		int hr = s->sizes ? hash_at(db, s->last, h, err) : 1;
		if (hr < 0) {
			rc = -1;
			break;
		}
		if (hr > 0 || !s->sizes)
			finding(res, s->id, s->last, "seal %lld (epoch %lld) covers row %lld, which the "
				"log does not hold (log truncated?)", (long long)s->id,
				(long long)s->epoch, (long long)s->last);
		else if (memcmp(h, s->head, AUDIT_HASH_LEN) != 0)
			finding(res, s->id, s->last, "seal %lld (epoch %lld): the chain's hash at row "
				"%lld is not the sealed one: rows %lld..%lld were changed after "
				"sealing", (long long)s->id, (long long)s->epoch, (long long)s->last,
				(long long)s->first, (long long)s->last);
		int64_t bad_seq = 0, bad_at = 0;
		if (res->p.interval_ms > 0 && row_outside(db, &res->p, s, i == 0 && s->epoch == 0, &bad_seq, &bad_at, err)) {
			rc = -1;
			break;
		}
		if (bad_seq)
			finding(res, s->id, bad_seq, "row %lld was written in epoch %lld but is sealed "
				"in epoch %lld (seal %lld): rows of one epoch are only sealed with "
				"that epoch's key", (long long)bad_seq,
				(long long)seal_epoch_of(&res->p, bad_at), (long long)s->epoch,
				(long long)s->id);
		if (!k0 || !s->sizes)
			continue;
		if (s->epoch < key_e) {
			memcpy(key, k0, SEAL_KEY_LEN);
			key_e = 0;
		}
		for (; key_e < s->epoch; key_e++)
			if (seal_evolve(key, key_e)) {
				rc = kerr_set(err, "seal", "deriving a seal key failed (OpenSSL)");
				break;
			}
		seal_record r = { .epoch = s->epoch, .first_seq = s->first, .last_seq = s->last,
				  .row_count = s->count, .at_ms = s->at_ms,
				  .kiosk_id = db->kiosk_id };
		memcpy(r.head, s->head, AUDIT_HASH_LEN);
		if (rc == 0 && !seal_tag_check(key, &r, s->tag))
			finding(res, s->id, s->last, "seal %lld (epoch %lld, rows %lld..%lld): the tag "
				"does not verify with the key of epoch %lld: forged or re-sealed",
				(long long)s->id, (long long)s->epoch, (long long)s->first,
				(long long)s->last, (long long)s->epoch);
	}
	OPENSSL_cleanse(key, sizeof key);
	res->sealed_to = prev_last;
	free(rows);
	return rc;
}

typedef struct day_end {
	long day;
	int64_t last_seq;
} day_end;

static void day_end_fill(sqlite3_stmt *st, void *p)
{
	day_end *d = p;
	d->day = (long)sqlite3_column_int64(st, 0);
	d->last_seq = sqlite3_column_int64(st, 1);
}

static int check_days(kdb *db, seal_verify_result *res, kerr *err)
{
	day_end *days = NULL;
	size_t n = 0;
	sqlite3_stmt *st = dbi_stmt(db, "SELECT day, last_seq FROM day_anchors ORDER BY day", err);
	if (!st || dbi_collect(db, st, sizeof *days, day_end_fill, (void **)&days, &n,
			       "reading the day anchors", err))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (days[i].last_seq > res->sealed_to)
			finding(res, 0, days[i].last_seq, "the day closed at row %lld (day %ld) has no "
				"seal at or after its close: seals were removed, or the close "
				"was never sealed", (long long)days[i].last_seq, days[i].day);
	free(days);
	return 0;
}

static int verify_in(kdb *db, const uint8_t *k0, const seal_params *kp, seal_verify_result *res,
		     kerr *err)
{
	seal_setup_rec setup;
	int has_setup = db_seal_setup_get(db, &setup, err);
	if (has_setup < 0)
		return -1;
	int64_t n_seals, n_init, head;
	bool has;
	if (one_int(db, "SELECT count(*) FROM seals", 0, &n_seals, &has, err) ||
	    one_int(db, "SELECT count(*) FROM audit WHERE action = 'seal.init'", 0, &n_init, &has,
		    err) ||
	    one_int(db, "SELECT seq FROM audit_head WHERE id = 1", 0, &head, &has, err))
		return -1;
	res->head_seq = head;
	res->keyed = k0 != NULL;
	res->set_up = has_setup == 0 || n_seals > 0 || n_init > 0;
	if (!res->set_up) {
		if (k0)
			finding(res, 0, 0, "a verification key was given, but this database has no "
				"seals and no seal set-up: sealing was never set up here, or all of "
				"it was removed");
		return 0;
	}
	if (has_setup != 0)
		finding(res, 0, 0, "the seal set-up row is missing, but the database %s: it was "
			"removed", n_init ? "holds a seal.init audit row" : "holds seals");
	res->p = has_setup == 0 ? setup.p : (kp ? *kp : (seal_params){ 0, 0 });
	if (kp) {
		if (has_setup == 0 && (setup.p.t0_ms != kp->t0_ms ||
				       setup.p.interval_ms != kp->interval_ms))
			finding(res, 0, 0, "the seal set-up (start %lld s, interval %lld s) is not "
				"the verification key's (start %lld s, interval %lld s)",
				(long long)setup.p.t0_ms / 1000, (long long)setup.p.interval_ms / 1000,
				(long long)kp->t0_ms / 1000, (long long)kp->interval_ms / 1000);
		res->p = *kp; /* the key's, kept off the kiosk, is the one to trust */
	}
	if (res->p.interval_ms <= 0)
		finding(res, 0, 0, "without the set-up row the rows' epochs cannot be checked: "
			"give the verification key (--seal-key)");
	if (n_seals == 0)
		finding(res, 0, 0, "sealing is set up, but there is not a single seal (the "
			"set-up seal covers the rows before it): seals were removed");
	if (check_seals(db, k0, res, err) || check_days(db, res, err))
		return -1;
	res->tail_rows = head > res->sealed_to ? head - res->sealed_to : 0;
	int64_t now_e = res->p.interval_ms > 0 ? seal_epoch_of(&res->p, clock_now_ms()) : 0;
	if (res->n_seals > 0 && now_e - 1 > res->last_epoch)
		res->ended_unsealed = now_e - 1 - res->last_epoch;
	return 0;
}

int db_seal_verify(kdb *db, const uint8_t *k0, const seal_params *kp, seal_verify_result *res,
		   kerr *err)
{
	memset(res, 0, sizeof *res);
	if ((k0 == NULL) != (kp == NULL))
		return kerr_set(err, "seal verify", "the verification key comes with its start and "
				"interval");
	bool own = sqlite3_get_autocommit(db->h);
	if (own && dbi_exec(db, "BEGIN", err))
		return -1;
	int rc = verify_in(db, k0, kp, res, err);
	if (own)
		sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
	if (rc < 0)
		return -1;
	return res->n_findings || res->n_more ? 1 : 0;
}
