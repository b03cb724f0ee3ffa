/* anchor_repo: closing a day and checking the audit chain against the day
 * anchors (see anchor_repo.h).
 *
 * Order inside the close transaction, and why: the `day.close` audit row is
 * appended first, then the head (which is that row) is read and signed. The
 * anchor thus covers its own close row, and the close row's detail (day,
 * counts, key id) is in the chain the anchor pins. The detail cannot hold the
 * signed message itself: the message names the row's own hash. */
#include "db/repo/anchor_repo.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/case/casefsm.h"
#include "core/base/clock.h"
#include "core/base/civil.h"
#include "core/case/staff.h"
#include "db/audit_log.h"
#include "db/store.h"
#include "db/repo/case_repo.h"
#include "db/repo/staff_repo.h"

#define ANCHOR_COLS                                                                    \
	"day, kiosk_id, last_seq, head_hash, counts, message, signature, key_id, closed_by," \
	" closed_ms"

static void anchor_fill(sqlite3_stmt *st, void *p)
{
	anchor_rec *a = p;
	memset(a, 0, sizeof *a);
	a->day = (long)sqlite3_column_int64(st, 0);
	dbi_copy(a->kiosk_id, sizeof a->kiosk_id, (const char *)sqlite3_column_text(st, 1));
	a->last_seq = sqlite3_column_int64(st, 2);
	if (sqlite3_column_bytes(st, 3) == AUDIT_HASH_LEN)
		memcpy(a->head, sqlite3_column_blob(st, 3), AUDIT_HASH_LEN);
	dbi_copy(a->counts_text, sizeof a->counts_text, (const char *)sqlite3_column_text(st, 4));
	kerr ignore = { 0 };
	if (anchor_counts_parse(a->counts_text, a->counts, &a->version, "", &ignore))
		memset(a->counts, 0, sizeof a->counts); /* verify reports the text itself */
	dbi_copy(a->message, sizeof a->message, (const char *)sqlite3_column_text(st, 5));
	int sl = sqlite3_column_bytes(st, 6);
	/* an oversized signature is left empty: it then fails to verify */
	if (sl > 0 && sl <= KIOSKKEY_SIG_MAX) {
		memcpy(a->signature, sqlite3_column_blob(st, 6), (size_t)sl);
		a->sig_len = (size_t)sl;
	}
	dbi_copy(a->key_id, sizeof a->key_id, (const char *)sqlite3_column_text(st, 7));
	dbi_copy(a->closed_by, sizeof a->closed_by, (const char *)sqlite3_column_text(st, 8));
	a->closed_ms = sqlite3_column_int64(st, 9);
}

int db_anchor_get(kdb *db, long day, anchor_rec *out, kerr *err)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = dbi_stmt(db, "SELECT " ANCHOR_COLS " FROM day_anchors WHERE day = ?1",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, day);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		anchor_fill(st, out);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc == SQLITE_DONE)
		return 1;
	return dbi_sqlerr(db, err, "reading the day anchors");
}

int db_anchor_list(kdb *db, anchor_rec **out, size_t *n, kerr *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = dbi_stmt(db, "SELECT " ANCHOR_COLS " FROM day_anchors ORDER BY day", err);
	if (!st)
		return -1;
	void *v = NULL;
	int rc = dbi_collect(db, st, sizeof(anchor_rec), anchor_fill, &v, n,
			     "reading the day anchors", err);
	*out = v;
	return rc;
}

/* The detail of a day's `day.close` audit row: {"day","counts","key_id"}. */
static char *close_detail(long day, const char *counts, const char *key_id, kerr *err)
{
	char date[16];
	civil_format(day, date, sizeof date);
	dbuf d = { 0 };
	dbuf_add(&d, "{");
	dbuf_kv(&d, "day", date);
	dbuf_kv(&d, "counts", counts);
	dbuf_kv(&d, "key_id", key_id);
	dbuf_add(&d, "}");
	const char *t = dbuf_done(&d, err);
	if (!t) {
		dbuf_free(&d);
		return NULL;
	}
	return d.p; /* the caller frees the buffer */
}

/* ---- checking anchors ---- */

typedef struct audit_at {
	bool found;
	int64_t at_ms;
	bool hash_ok;                /* the stored hash is the row's hash */
	uint8_t hash[AUDIT_HASH_LEN];
	char actor[40];
	char action[48];
	bool plain_case;             /* case_no is '' */
	char *detail;                /* malloc'd */
} audit_at;

/* The audit row at seq, its hash recomputed. 0, or -1 with err. */
static int read_row(kdb *db, int64_t seq, audit_at *out, kerr *err)
{
	memset(out, 0, sizeof *out);
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT seq, at_ms, actor, action, case_no, detail, prev, hash"
				    " FROM audit WHERE seq = ?1",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, seq);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->found = true;
		audit_row row;
		memset(&row, 0, sizeof row);
		row.seq = seq;
		row.at_ms = sqlite3_column_int64(st, 1);
		out->at_ms = row.at_ms;
		const char *t[4];
		for (int i = 0; i < 4; i++) {
			t[i] = (const char *)sqlite3_column_text(st, 2 + i);
			if (!t[i])
				t[i] = "";
		}
		row.actor = t[0];
		row.action = t[1];
		row.case_no = t[2];
		row.detail = t[3];
		bool sizes = sqlite3_column_bytes(st, 6) == AUDIT_HASH_LEN &&
			     sqlite3_column_bytes(st, 7) == AUDIT_HASH_LEN;
		if (sizes) {
			memcpy(row.prev, sqlite3_column_blob(st, 6), AUDIT_HASH_LEN);
			memcpy(out->hash, sqlite3_column_blob(st, 7), AUDIT_HASH_LEN);
		}
		uint8_t h[AUDIT_HASH_LEN];
		if (audit_hash(db->hasher, &row, h)) {
			sqlite3_reset(st);
			return kerr_set(err, db->path, "computing an audit hash failed (OpenSSL)");
		}
		out->hash_ok = sizes && memcmp(h, out->hash, AUDIT_HASH_LEN) == 0;
		dbi_copy(out->actor, sizeof out->actor, row.actor);
		dbi_copy(out->action, sizeof out->action, row.action);
		out->plain_case = row.case_no[0] == '\0';
		out->detail = strdup(row.detail);
		if (!out->detail) {
			sqlite3_reset(st);
			return kerr_set(err, db->path, "out of memory reading the audit log");
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "reading the audit log");
	return 0;
}

/* The last seq in the log (0 when empty). */
static int log_end(kdb *db, int64_t *end, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db, "SELECT COALESCE(MAX(seq), 0) FROM audit", err);
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	*end = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW ? 0 : dbi_sqlerr(db, err, "reading the audit log");
}

static void add_finding(anchor_verify_result *res, long day, int64_t seq, int file,
			const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void add_finding(anchor_verify_result *res, long day, int64_t seq, int file,
			const char *fmt, ...)
{
	if (res->n_findings == ANCHOR_FINDINGS_MAX) {
		res->n_more++;
		return;
	}
	anchor_finding *f = &res->findings[res->n_findings++];
	f->day = day;
	f->seq = seq;
	f->file = file;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->problem, sizeof f->problem, fmt, ap);
	va_end(ap);
}

/* The day's figures recomputed as of the close (the close row's time: the
 * chain vouches for it) against those the anchor signed; a finding names
 * every count that moved. 0 (a finding or none), -1 error. */
static int check_figures(kdb *db, const anchor_rec *a, int64_t closed_ms,
			 anchor_verify_result *res, kerr *err)
{
	int64_t now[AC_COUNT];
	if (db_day_figures(db, a->day, closed_ms, now, err))
		return -1;
	char moved[300] = "", date[16];
	size_t used = 0;
	int n_moved = 0;
	for (int i = 0; i < anchor_counts_n(a->version); i++) {
		if (now[i] == a->counts[i])
			continue;
		int w = snprintf(moved + used, sizeof moved - used, "%s%s %lld -> %lld",
				 n_moved ? ", " : "", anchor_count_name((anchor_count)i),
				 (long long)a->counts[i], (long long)now[i]);
		if (w > 0 && (size_t)w < sizeof moved - used)
			used += (size_t)w;
		n_moved++;
	}
	if (n_moved)
		add_finding(res, a->day, a->last_seq, -1, "the figures of %s moved since its close "
			    "(signed -> recomputed as of the close): %s", civil_format(a->day, date,
			    sizeof date), moved);
	return 0;
}

/* Check one anchor against the log and the key; at most one finding (the
 * first problem, most telling first). db_twin: for a file's anchor, the
 * database's anchor of that day (NULL when there is none). */
static int check_anchor(kdb *db, const kioskkey *pub, const anchor_rec *a, int file,
			const anchor_rec *db_twin, int64_t end, anchor_verify_result *res, kerr *err)
{
	char date[16], hx1[2 * AUDIT_HASH_LEN + 1], hx2[2 * AUDIT_HASH_LEN + 1];
	civil_format(a->day, date, sizeof date);
	long day = a->day;
	int64_t seq = a->last_seq;

	if (strcmp(a->kiosk_id, db->kiosk_id) != 0) {
		add_finding(res, day, 0, file, "the anchor of %s names kiosk '%s', the database "
			    "belongs to '%s'", date, a->kiosk_id, db->kiosk_id);
		return 0;
	}
	if (file >= 0 && !db_twin) {
		add_finding(res, day, seq, file, "the anchor of %s is not in the database: its "
			    "day_anchors row was deleted", date);
		return 0;
	}
	if (file >= 0 && (strcmp(db_twin->message, a->message) != 0 ||
			  db_twin->sig_len != a->sig_len ||
			  memcmp(db_twin->signature, a->signature, a->sig_len) != 0 ||
			  strcmp(db_twin->key_id, a->key_id) != 0)) {
		add_finding(res, day, seq, file, "the database's anchor of %s differs from the "
			    "exported file: the day_anchors row was replaced", date);
		return 0;
	}

	audit_at row;
	if (read_row(db, seq, &row, err))
		return -1;
	if (!row.found) {
		if (seq > end)
			add_finding(res, day, seq, file, "log truncated: the anchor of %s names row "
				    "%lld, the log ends at row %lld", date, (long long)seq,
				    (long long)end);
		else
			add_finding(res, day, seq, file, "row %lld, named by the anchor of %s, is "
				    "missing (the log goes on to row %lld)", (long long)seq, date,
				    (long long)end);
		goto done;
	}
	if (!row.hash_ok) {
		add_finding(res, day, seq, file, "row %lld, named by the anchor of %s, was "
			    "changed: it does not match its hash", (long long)seq, date);
		goto done;
	}
	if (memcmp(row.hash, a->head, AUDIT_HASH_LEN) != 0) {
		add_finding(res, day, seq, file, "log rewritten: row %lld has hash %.16s..., the "
			    "anchor of %s signed %.16s...", (long long)seq,
			    audit_hex(row.hash, hx1), date, audit_hex(a->head, hx2));
		goto done;
	}

	char msg[ANCHOR_MESSAGE_MAX];
	kerr ferr = { 0 };
	if (anchor_message_format(a->kiosk_id, a->day, a->last_seq, a->head, a->counts_text, msg,
				  sizeof msg, &ferr) != 0 ||
	    strcmp(msg, a->message) != 0) {
		add_finding(res, day, seq, file, "the signed message of %s does not match the "
			    "anchor's fields (day, row, head or counts were changed)%s%s", date,
			    ferr.msg[0] ? ": " : "", ferr.msg);
		goto done;
	}
	if (!pub) {
		free(row.detail);
		return kerr_set(err, "kiosk key", "no public key to check the anchors' signatures "
				"with: give the kiosk's kiosk-key.pub.pem");
	}
	if (strcmp(a->key_id, kioskkey_id(pub)) != 0) {
		add_finding(res, day, seq, file, "the anchor of %s was signed with key %.16s..., "
			    "not with this kiosk's key %.16s...", date, a->key_id, kioskkey_id(pub));
		goto done;
	}
	if (!anchor_signature_ok(a, pub)) {
		add_finding(res, day, seq, file, "the signature of the anchor of %s does not "
			    "verify: the anchor was forged or altered", date);
		goto done;
	}
	char *want = close_detail(a->day, a->counts_text, a->key_id, err);
	if (!want) {
		free(row.detail);
		return -1;
	}
	if (strcmp(row.action, audit_action_name(AUD_DAY_CLOSE)) != 0 || !row.plain_case)
		add_finding(res, day, seq, file, "row %lld, named by the anchor of %s, is not a "
			    "day close (action '%s')", (long long)seq, date, row.action);
	else if (strcmp(row.detail, want) != 0)
		add_finding(res, day, seq, file, "row %lld closes another day or other counts than "
			    "the anchor of %s", (long long)seq, date);
	else if (a->closed_by[0] && strcmp(row.actor, a->closed_by) != 0)
		add_finding(res, day, seq, file, "row %lld was written by '%s', the anchor of %s "
			    "says it was closed by '%s'", (long long)seq, row.actor, date,
			    a->closed_by);
	else if (file < 0 && check_figures(db, a, row.at_ms, res, err)) {
		free(want);
		free(row.detail);
		return -1;
	}
	free(want);
done:
	free(row.detail);
	return 0;
}

/* The anchor checks over the current transaction's snapshot. */
static int check_all(kdb *db, const kioskkey *pub, const anchor_rec *files, size_t n_files,
		     anchor_verify_result *res, kerr *err)
{
	anchor_rec *list = NULL;
	size_t n = 0;
	int64_t end = 0;
	if (log_end(db, &end, err) || db_anchor_list(db, &list, &n, err))
		return -1;
	res->n_anchors = (long)n;
	res->n_files = (long)n_files;
	int rc = 0;
	if (!pub && n + n_files > 0) {
		rc = kerr_set(err, "kiosk key", "no public key to check the signatures of %zu "
			      "anchors with: give the kiosk's kiosk-key.pub.pem", n + n_files);
		goto out;
	}
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = check_anchor(db, pub, &list[i], -1, NULL, end, res, err);
	for (size_t i = 0; i < n_files && rc == 0; i++) {
		const anchor_rec *twin = NULL;
		for (size_t j = 0; j < n && !twin; j++)
			if (list[j].day == files[i].day)
				twin = &list[j];
		rc = check_anchor(db, pub, &files[i], (int)i, twin, end, res, err);
	}
out:
	free(list);
	return rc;
}

int db_audit_verify_anchors(kdb *db, const kioskkey *pub, const anchor_rec *files,
			    size_t n_files, anchor_verify_result *res, kerr *err)
{
	memset(res, 0, sizeof *res);
	/* one snapshot for the chain and the anchors */
	bool own = sqlite3_get_autocommit(db->h);
	if (own && dbi_exec(db, "BEGIN", err))
		return -1;
	int rc = db_audit_verify(db, &res->chain, err);
	if (rc >= 0) {
		res->chain_rc = rc;
		rc = check_all(db, pub, files, n_files, res, err);
	}
	if (own)
		sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
	if (rc < 0)
		return -1;
	return res->chain_rc || res->n_findings ? 1 : 0;
}

/* ---- closing a day ---- */

/* ---- the day's figures, as of a moment ---- */

/* The status count of the anchor for a case status, matched by name, so a
 * status the anchor format lacks is an error, not a gap. */
static int status_count(case_status s, kerr *err)
{
	for (int i = 0; i < AC_COUNT; i++)
		if (strcmp(anchor_count_name((anchor_count)i), case_status_name(s)) == 0)
			return i;
	return kerr_set(err, "day close", "the anchor format has no count for case status "
			"'%s': it needs a new version", case_status_name(s));
}

/* One case of the day as it stood at as_of, rebuilt from what carries its
 * own time: the steps done by then (replayed through case_status_after, as
 * the kiosk did), a cancel by then (a cancelled case is never written again,
 * so its updated_ms is the cancel), the payments held then and the refunds
 * done by then (below), and a 容缺 case's supplement by then (completed). */
static const char figures_sql[] =
	"SELECT c.id, c.status, c.decision, c.fee_fen, c.updated_ms,"
	" (SELECT group_concat(s.step, ' ') FROM (SELECT step FROM case_steps"
	"   WHERE case_id = c.id AND at_ms <= ?3 ORDER BY id) s),"
	/* held at as_of: SUCCESS since then; or refunded after it, when it was
	 * paid by then (its payment step, or a refund asked for, by then) */
	" (SELECT COALESCE(SUM(p.amount_fen), 0) FROM payments p WHERE p.case_id = c.id"
	"   AND p.verified = 1 AND p.updated_ms <= ?3 AND p.state = 'SUCCESS'),"
	" (SELECT COALESCE(SUM(p.amount_fen), 0) FROM payments p WHERE p.case_id = c.id"
	"   AND p.verified = 1 AND p.state = 'REFUND' AND p.updated_ms > ?3"
	"   AND (EXISTS (SELECT 1 FROM case_steps s WHERE s.case_id = c.id"
	"         AND s.step = 'payment' AND s.at_ms <= ?3)"
	"     OR EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.id"
	"         AND r.created_ms <= ?3))),"
	" (SELECT COALESCE(SUM(r.amount_fen), 0) FROM refunds r WHERE r.case_id = c.id"
	"   AND r.state = 'SUCCESS' AND r.updated_ms <= ?3),"
	/* a 容缺 case whose owed material came back by then is completed (v10) */
	" EXISTS (SELECT 1 FROM supplements x WHERE x.case_id = c.id AND x.at_ms <= ?3)"
	" FROM cases c WHERE c.created_ms >= ?1 AND c.created_ms < ?2 AND c.created_ms <= ?3";

int db_day_figures(kdb *db, long day, int64_t as_of_ms, int64_t counts[AC_COUNT], kerr *err)
{
	memset(counts, 0, sizeof(int64_t) * AC_COUNT);
	int idx[CS_COUNT];
	for (int s = 0; s < CS_COUNT; s++)
		if ((idx[s] = status_count((case_status)s, err)) < 0)
			return -1;
	sqlite3_stmt *st = dbi_stmt(db, figures_sql, err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, clock_day_start_ms(day));
	sqlite3_bind_int64(st, 2, clock_day_start_ms(day + 1));
	sqlite3_bind_int64(st, 3, as_of_ms);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *now = (const char *)sqlite3_column_text(st, 1);
		int dv = case_decision_from_name((const char *)sqlite3_column_text(st, 2));
		case_decision dec = dv < 0 ? DEC_NONE : (case_decision)dv;
		case_status status = CS_OPEN;
		const char *steps = (const char *)sqlite3_column_text(st, 5);
		for (const char *p = steps ? steps : ""; *p;) {
			size_t n = strcspn(p, " ");
			char word[24];
			snprintf(word, sizeof word, "%.*s", (int)(n < sizeof word ? n : sizeof word - 1), p);
			int sv = case_step_from_name(word);
			if (sv >= 0)
				status = case_status_after((case_step)sv, dec, status);
			p += n + (p[n] == ' ');
		}
		if (status == CS_RONGQUE && sqlite3_column_int(st, 9))
			status = CS_COMPLETED;
		if (now && strcmp(now, case_status_name(CS_CANCELLED)) == 0 &&
		    sqlite3_column_int64(st, 4) <= as_of_ms)
			status = CS_CANCELLED;
		counts[AC_CASES]++;
		counts[idx[status]]++;
		/* due as the daily report counts it: accepted, 容缺 or completed */
		if (status == CS_ACCEPTED || status == CS_RONGQUE || status == CS_COMPLETED)
			counts[AC_DUE_FEN] += sqlite3_column_int64(st, 3);
		counts[AC_PAID_FEN] += sqlite3_column_int64(st, 6) + sqlite3_column_int64(st, 7);
		counts[AC_REFUNDED_FEN] += sqlite3_column_int64(st, 8);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "reading the day's figures");
	return 0;
}

static int close_checks(kdb *db, long day, const char *who, kerr *err)
{
	char date[16], today_s[16];
	civil_format(day, date, sizeof date);
	long today = clock_today();
	if (day > today)
		return kerr_set(err, "day close", "%s is in the future (today is %s, Asia/Shanghai): "
				"a day is closed on that day or later", date,
				civil_format(today, today_s, sizeof today_s));
	staff_rec s;
	int rc = db_staff_get(db, who, &s, err);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return kerr_set(err, "day close", "no staff member '%s': a day is closed by a "
				"supervisor", who);
	if (!s.active)
		return kerr_set(err, "day close", "staff member '%s' is not active: a day is closed "
				"by an active supervisor", who);
	if (s.role != ROLE_SUPERVISOR)
		return kerr_set(err, "day close", "'%s' is a %s: only a supervisor can close the "
				"day", who, staff_role_name(s.role));
	anchor_rec prev;
	rc = db_anchor_get(db, day, &prev, err);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		char at[32];
		return kerr_set(err, "day close", "%s is already closed (by %s at %s, audit row "
				"%lld): a day is closed once and its anchor never changes; see "
				"kioskctl day show --date %s", date, prev.closed_by,
				clock_format_local(prev.closed_ms, at, sizeof at),
				(long long)prev.last_seq, date);
	}
	return 0;
}

/* The log must be intact and agree with every earlier anchor. 0, 1 (err
 * says what is wrong), -1 error. */
static int log_checks(kdb *db, const kioskkey *key, kerr *err)
{
	anchor_verify_result *v = calloc(1, sizeof *v);
	if (!v)
		return kerr_set(err, db->path, "out of memory");
	int rc = db_audit_verify(db, &v->chain, err);
	if (rc > 0 && v->chain.bad_seq) {
		kerr_set(err, "table audit", "the audit log is tampered at row %lld: %s; a day "
			 "cannot be closed over it (run kioskctl audit verify)",
			 (long long)v->chain.bad_seq, v->chain.problem);
	} else if (rc >= 0) {
		/* the chain is intact: an anchor's finding says more of a log cut
		 * back than the rows it leaves unbound, so it goes first */
		int rows = rc;
		rc = check_all(db, key, NULL, 0, v, err);
		if (rc == 0 && v->n_findings) {
			kerr_set(err, "table day_anchors", "%s; a day cannot be closed while the log "
				 "disagrees with an earlier anchor (run kioskctl audit verify "
				 "--anchors; if the kiosk key was replaced, restore the one the "
				 "earlier days were closed with)",
				 v->findings[0].problem);
			rc = 1;
		} else if (rc == 0 && rows) {
			char line[640], where[80];
			snprintf(where, sizeof where, "table %s", v->chain.found[0].table);
			kerr_set(err, where, "%s; a day cannot be closed over a row changed outside "
				 "the kiosk (run kioskctl audit verify)",
				 db_row_finding_text(&v->chain.found[0], line, sizeof line));
			rc = 1;
		}
	}
	free(v);
	return rc;
}

/* The head row just appended: seq, hash, time. */
static int read_head(kdb *db, anchor_rec *a, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT a.seq, a.hash, a.at_ms FROM audit a"
				    " JOIN audit_head h ON h.id = 1 AND a.seq = h.seq",
				    err);
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	bool ok = rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == AUDIT_HASH_LEN;
	if (ok) {
		a->last_seq = sqlite3_column_int64(st, 0);
		memcpy(a->head, sqlite3_column_blob(st, 1), AUDIT_HASH_LEN);
		a->closed_ms = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "reading the audit head");
	return ok ? 0 : kerr_set(err, db->path, "the audit head is missing or damaged; run "
				 "kioskctl audit verify");
}

static int insert_anchor(kdb *db, const anchor_rec *a, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db,
				    "INSERT INTO day_anchors (" ANCHOR_COLS ")"
				    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, a->day);
	sqlite3_bind_text(st, 2, a->kiosk_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, a->last_seq);
	sqlite3_bind_blob(st, 4, a->head, AUDIT_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, a->counts_text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, a->message, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, a->signature, (int)a->sig_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, a->key_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, a->closed_by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, a->closed_ms);
	return dbi_step_done(db, st, "recording the day anchor", err);
}

int db_day_close(kdb *db, long day, const char *supervisor_id, const kioskkey *key,
		 anchor_rec *out, kerr *err)
{
	memset(out, 0, sizeof *out);
	if (!supervisor_id || !*supervisor_id)
		return kerr_set(err, "day close", "no supervisor given: a day is closed by a "
				"supervisor");
	if (!kioskkey_has_private(key))
		return kerr_set(err, "day close", "the kiosk's private key is needed to sign the "
				"day (kiosk-key.pem), not its public key");
	if (dbi_op_begin(db, err))
		return -1;
	anchor_rec a;
	memset(&a, 0, sizeof a);
	char *detail = NULL;
	int rc = close_checks(db, day, supervisor_id, err);
	if (rc == 0)
		rc = log_checks(db, key, err);
	if (rc != 0)
		goto fail;
	rc = -1;
	a.day = day;
	dbi_copy(a.kiosk_id, sizeof a.kiosk_id, db->kiosk_id);
	dbi_copy(a.closed_by, sizeof a.closed_by, supervisor_id);
	dbi_copy(a.key_id, sizeof a.key_id, kioskkey_id(key));
	a.version = ANCHOR_VERSION;
	if (db_day_figures(db, day, clock_now_ms(), a.counts, err) ||
	    anchor_counts_format(a.counts, a.version, a.counts_text, sizeof a.counts_text, err))
		goto fail;
	detail = close_detail(day, a.counts_text, a.key_id, err);
	if (!detail || dbi_audit_append(db, supervisor_id, AUD_DAY_CLOSE, "", detail, err) ||
	    read_head(db, &a, err))
		goto fail;
	if (anchor_message_format(a.kiosk_id, a.day, a.last_seq, a.head, a.counts_text,
				  a.message, sizeof a.message, err) ||
	    anchor_sign(&a, key, err) || insert_anchor(db, &a, err))
		goto fail;
	free(detail);
	if (dbi_op_commit(db, err))
		return -1;
	*out = a;
	/* the day's writes left the search index in small pieces: merged now,
	 * once a day; the day is closed whatever this does (a find reads
	 * through the pieces, only slower) */
	kerr tidy = { 0 };
	(void)db_case_find_tidy(db, &tidy);
	return 0;
fail:
	free(detail);
	dbi_op_rollback(db);
	return rc;
}
