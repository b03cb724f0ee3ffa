/* day: the hall's day at the centre: its supervisors, the day's report from
 * the shipped rows, the windows' closes, the hall's close and the central
 * verify (docs/deployment.md, "The hall's day").
 *
 * Why a supervisor is a PostgreSQL login and not a row of ours: the centre
 * must not trust whoever connects to say who they are. A kiosk's staff table
 * is that kiosk's, and its PIN hashes never leave it; at the centre the
 * server itself checks a supervisor's PIN (the role's SCRAM password), and
 * its grants and row-level security are what the supervisor may do. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/pg/conn.h"

/* Copy a result's text into a fixed field. */
#define GET(dst, r, i, c) snprintf((dst), sizeof(dst), "%s", PQgetvalue((r), (i), (c)))

static int64_t get64(const PGresult *r, int i, int c)
{
	return strtoll(PQgetvalue(r, i, c), NULL, 10);
}

static bool sup_id_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n >= 1 && n <= 32 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

/* Rows of a query as a malloc'd array of `size` each, filled by fill(). */
static int collect(hall *h, const char *sql, int np, const char *const *params, size_t size,
		   void (*fill)(void *item, const PGresult *r, int i), void **out, size_t *n,
		   const char *what, kerr *err)
{
	*out = NULL;
	*n = 0;
	PGresult *r = hall_execp(h, sql, np, params, PGRES_TUPLES_OK, what, err);
	if (!r)
		return -1;
	int rows = PQntuples(r);
	char *v = calloc(rows ? (size_t)rows : 1, size);
	if (!v) {
		PQclear(r);
		return kerr_set(err, "hall", "out of memory %s", what);
	}
	for (int i = 0; i < rows; i++)
		fill(v + (size_t)i * size, r, i);
	PQclear(r);
	*out = v;
	*n = (size_t)rows;
	return 0;
}

/* ---- supervisors ---- */

int hall_supervisor_add(hall *h, const char *sup_id, const char *hall_id, const char *pin,
			kerr *err)
{
	if (!sup_id_valid(sup_id))
		return kerr_set(err, "hall", "'%s' is not a staff id (1-32 of A-Z a-z 0-9 _ . -)",
				sup_id ? sup_id : "");
	if (!hall_id_valid(hall_id))
		return kerr_set(err, "hall", "'%s' is not a hall id (1-24 of A-Z a-z 0-9 _ -)",
				hall_id ? hall_id : "");
	if (!pin || strlen(pin) < 6)
		return kerr_set(err, "hall", "the supervisor's hall PIN must have 6 characters or "
				"more");
	char role[64];
	snprintf(role, sizeof role, "hall_sup_%s", sup_id);
	/* The verifier is made here: the PIN itself never reaches the server
	 * (nor its log). */
	char *verifier = PQencryptPasswordConn(h->c, pin, role, "scram-sha-256");
	if (!verifier)
		return hall_err(h, NULL, "hashing the supervisor's PIN", err);
	char *ident = PQescapeIdentifier(h->c, role, strlen(role));
	char *lit = PQescapeLiteral(h->c, verifier, strlen(verifier));
	PQfreemem(verifier);
	if (!ident || !lit) {
		PQfreemem(ident);
		PQfreemem(lit);
		return hall_err(h, NULL, "quoting the supervisor's role", err);
	}
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%s') THEN"
		 " CREATE ROLE %s LOGIN IN ROLE hall_supervisor; END IF; END $$;"
		 "ALTER ROLE %s PASSWORD %s",
		 role, ident, ident, lit); /* role: checked characters only */
	PQfreemem(ident);
	PQfreemem(lit);
	const char *p[3] = { sup_id, role, hall_id };
	int added = -1;
	PGresult *r = NULL;
	if (hall_version(h, err) < HALL_SCHEMA_VERSION) {
		if (!err->msg[0])
			kerr_set(err, "hall", "the central schema is not up to date: run kioskctl "
				 "hall init first");
		return -1;
	}
	if (hall_run(h, "BEGIN", "registering the supervisor", err) ||
	    hall_run(h, "SELECT pg_advisory_xact_lock(x'4859414c4c'::bigint)",
		     "registering the supervisor", err) ||
	    hall_run(h, sql, "creating the supervisor's role", err))
		goto fail;
	r = hall_execp(h, "INSERT INTO hall.halls (hall_id) VALUES ($1) ON CONFLICT DO NOTHING", 1,
		       p + 2, PGRES_COMMAND_OK, "registering the hall", err);
	if (!r)
		goto fail;
	PQclear(r);
	r = hall_execp(h,
		       "INSERT INTO hall.supervisors (supervisor_id, role_name, hall_id)"
		       " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
		       3, p, PGRES_COMMAND_OK, "registering the supervisor", err);
	if (!r)
		goto fail;
	added = atoi(PQcmdTuples(r)) ? 0 : 1;
	PQclear(r);
	if (hall_run(h, "COMMIT", "registering the supervisor", err))
		goto fail;
	return added;
fail:
	hall_rollback(h);
	return -1;
}

/* The supervisor's login; timeout_s > 0 bounds the connection and each
 * statement (a caller at the counter), 0 waits as libpq does. */
static hall *connect_sup(const char *conninfo, const char *sup_id, const char *pin,
			 int timeout_s, bool *refused, kerr *err)
{
	*refused = false;
	if (!conninfo || !*conninfo)
		return kerr_set(err, "hall", "no central store given: set [hall] central in "
				"kiosk.ini or give --central CONNINFO"),
		       NULL;
	if (!sup_id_valid(sup_id)) {
		*refused = true;
		return kerr_set(err, "hall", "'%s' is not a staff id", sup_id ? sup_id : ""), NULL;
	}
	char role[64];
	snprintf(role, sizeof role, "hall_sup_%s", sup_id);
	hall *h = calloc(1, sizeof *h);
	if (!h)
		return kerr_set(err, "hall", "out of memory"), NULL;
	char t[16], stmt[64];
	snprintf(t, sizeof t, "%d", timeout_s);
	snprintf(stmt, sizeof stmt, "-c statement_timeout=%d", timeout_s * 1000);
	const char *keys[] = { "dbname", "user", "password", "connect_timeout", "options", NULL };
	const char *vals[] = { conninfo, role, pin, t, stmt, NULL };
	if (timeout_s <= 0)
		keys[3] = NULL; /* the connection string's own, or none */
	h->c = PQconnectdbParams(keys, vals, 1);
	if (!h->c || PQstatus(h->c) != CONNECTION_OK) {
		char msg[400] = "out of memory";
		if (h->c)
			snprintf(msg, sizeof msg, "%s", PQerrorMessage(h->c));
		msg[strcspn(msg, "\n")] = '\0';
		if (strstr(msg, "password authentication failed") ||
		    strstr(msg, "does not exist") || strstr(msg, "no password supplied")) {
			*refused = true;
			kerr_set(err, "hall", "the centre refused supervisor %s: a wrong hall PIN, or "
				 "not a supervisor of the hall (kioskctl hall supervisor-add); nothing "
				 "was done", sup_id);
		} else {
			kerr_set(err, "hall", "cannot reach the central store: %s", msg);
		}
		hall_close(h);
		return NULL;
	}
	if (!PQconnectionUsedPassword(h->c)) {
		*refused = true;
		kerr_set(err, "hall", "the centre let supervisor %s in without asking for the PIN: "
			 "its pg_hba.conf must require scram-sha-256 for +hall_supervisor "
			 "(docs/deployment.md); nothing was done", sup_id);
		hall_close(h);
		return NULL;
	}
	PQclear(PQexec(h->c, "SET lc_messages TO 'C'; SET client_min_messages TO warning;"
			     " SET client_encoding TO 'UTF8'"));
	return h;
}

hall *hall_connect_supervisor(const char *conninfo, const char *sup_id, const char *pin,
			      bool *refused, kerr *err)
{
	return connect_sup(conninfo, sup_id, pin, 0, refused, err);
}

hall *hall_connect_supervisor_bounded(const char *conninfo, const char *sup_id, const char *pin,
				      int timeout_s, bool *refused, kerr *err)
{
	return connect_sup(conninfo, sup_id, pin, timeout_s > 0 ? timeout_s : 1, refused, err);
}

int hall_supervisor_check(hall *h, const char *sup_id, const char *hall_id, char *halls,
			  size_t halls_len, kerr *err)
{
	const char *p[1] = { sup_id };
	PGresult *r = hall_execp(h,
				 "SELECT coalesce(string_agg(hall_id, ',' ORDER BY hall_id), '')"
				 " FROM hall.supervisors WHERE supervisor_id = $1"
				 " AND role_name = current_user",
				 1, p, PGRES_TUPLES_OK, "reading the supervisor's halls", err);
	if (!r)
		return -1;
	char list[512];
	GET(list, r, 0, 0);
	PQclear(r);
	if (halls)
		snprintf(halls, halls_len, "%s", list);
	if (!list[0])
		return kerr_set(err, "hall", "%s supervises no hall", sup_id), 1;
	if (!hall_id)
		return 0;
	char pad[520];
	snprintf(pad, sizeof pad, ",%s,", list);
	char want[32];
	snprintf(want, sizeof want, ",%s,", hall_id);
	if (!strstr(pad, want))
		return kerr_set(err, "hall", "%s is not a supervisor of hall %s (its halls: %s); "
				"nothing was done", sup_id, hall_id, list),
		       1;
	return 0;
}

/* ---- the day's report and the windows ---- */

static void fill_day_row(void *item, const PGresult *r, int i)
{
	hall_day_row *d = item;
	GET(d->hall_id, r, i, 0);
	GET(d->kiosk_id, r, i, 1);
	GET(d->clerk, r, i, 2);
	GET(d->service, r, i, 3);
	GET(d->status, r, i, 4);
	d->cases = get64(r, i, 5);
	d->due_fen = get64(r, i, 6);
	d->paid_fen = get64(r, i, 7);
	d->refunded_fen = get64(r, i, 8);
}

int hall_day_report(hall *h, const char *date, const char *hall_id, hall_day_row **out,
		    size_t *n, kerr *err)
{
	const char *p[2] = { date, hall_id };
	return collect(h,
		       "SELECT hall_id, kiosk_id, clerk, service, status, cases, due_fen, paid_fen,"
		       " refunded_fen FROM hall.day_report($1::date, $2)",
		       2, p, sizeof **out, fill_day_row, (void **)out, n, "reading the hall's day",
		       err);
}

static void fill_window(void *item, const PGresult *r, int i)
{
	hall_window *w = item;
	GET(w->hall_id, r, i, 0);
	GET(w->kiosk_id, r, i, 1);
	w->closed = !PQgetisnull(r, i, 2);
	GET(w->closed_by, r, i, 2);
	w->close_seq = get64(r, i, 3);
	GET(w->close_hash, r, i, 4);
	GET(w->counts, r, i, 5);
	w->head_seq = get64(r, i, 6);
	w->shipped_ms = PQgetisnull(r, i, 7) ? -1 : get64(r, i, 7);
	w->local_head = PQgetisnull(r, i, 8) ? -1 : get64(r, i, 8);
	w->reported_ms = PQgetisnull(r, i, 9) ? -1 : get64(r, i, 9);
}

int hall_windows(hall *h, const char *date, const char *hall_id, hall_window **out, size_t *n,
		 kerr *err)
{
	const char *p[2] = { date, hall_id };
	return collect(h,
		       "SELECT k.hall_id, k.kiosk_id, c.closed_by, c.seq, encode(a.hash, 'hex'),"
		       " c.counts, k.head_seq,"
		       " (extract(epoch FROM k.shipped_at) * 1000)::bigint, s.local_head,"
		       " (extract(epoch FROM s.at) * 1000)::bigint FROM hall.kiosks k"
		       " LEFT JOIN LATERAL (SELECT * FROM hall.window_closes w"
		       "  WHERE w.kiosk_id = k.kiosk_id AND w.day = $1::date"
		       "  ORDER BY w.seq LIMIT 1) c ON true"
		       /* its hall and time: the probe reads one partition */
		       " LEFT JOIN hall.audit a ON a.kiosk_id = c.kiosk_id AND a.seq = c.seq"
		       "  AND a.hall_id = k.hall_id AND a.at_ms = c.at_ms"
		       /* its last shipment's report: in its own hall's partitions */
		       " LEFT JOIN LATERAL (SELECT r.local_head, r.at FROM hall.ship_reports r"
		       "  WHERE r.hall_id = k.hall_id AND r.kiosk_id = k.kiosk_id"
		       "  ORDER BY r.at DESC LIMIT 1) s ON true"
		       " WHERE $2::text IS NULL OR k.hall_id = $2 ORDER BY k.hall_id, k.kiosk_id",
		       2, p, sizeof **out, fill_window, (void **)out, n, "reading the windows", err);
}

int hall_of_kiosk(hall *h, const char *kiosk_id, char *hall_id, size_t n, kerr *err)
{
	const char *p[1] = { kiosk_id };
	PGresult *r = hall_execp(h, "SELECT hall_id FROM hall.kiosks WHERE kiosk_id = $1", 1, p,
				 PGRES_TUPLES_OK, "reading the kiosk's hall", err);
	if (!r)
		return -1;
	int found = PQntuples(r) == 1;
	if (found)
		snprintf(hall_id, n, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	if (!found)
		return kerr_set(err, "hall", "kiosk %s is not registered at the centre (kioskctl hall "
				"kiosk-add)", kiosk_id), 1;
	return 0;
}

/* ---- the hall's close ---- */

int hall_close_put(hall *h, const hall_close_rec *c, kerr *err)
{
	const char *p[8] = { c->hall_id, c->day,     c->closed_by, c->windows,
			     c->totals,  c->message, c->key_id,    c->signature };
	PGresult *r = hall_execp(h,
				 "INSERT INTO hall.hall_closes (hall_id, day, closed_by, windows,"
				 " totals, message, key_id, signature)"
				 " VALUES ($1, $2::date, $3, $4, $5, $6, $7, $8)",
				 8, p, PGRES_COMMAND_OK, "closing the hall's day", err);
	if (r) {
		PQclear(r);
		return 0;
	}
	if (strcmp(h->sqlstate, "KH006") == 0 || strcmp(h->sqlstate, "23505") == 0 ||
	    strcmp(h->sqlstate, "42501") == 0) {
		if (strcmp(h->sqlstate, "23505") == 0)
			kerr_set(err, "hall", "hall %s's day %s is already closed: a day is closed "
				 "once (kioskctl hall close-show)", c->hall_id, c->day);
		else if (strcmp(h->sqlstate, "42501") == 0)
			kerr_set(err, "hall", "the centre refused: %s is not a supervisor of hall %s",
				 c->closed_by, c->hall_id);
		return 1;
	}
	return -1;
}

static void fill_close(void *item, const PGresult *r, int i)
{
	hall_close_rec *c = item;
	GET(c->hall_id, r, i, 0);
	GET(c->day, r, i, 1);
	GET(c->closed_by, r, i, 2);
	GET(c->closed_at, r, i, 3);
	GET(c->windows, r, i, 4);
	GET(c->totals, r, i, 5);
	GET(c->message, r, i, 6);
	GET(c->key_id, r, i, 7);
	GET(c->signature, r, i, 8);
	c->closed_ms = get64(r, i, 9);
}

int hall_close_get(hall *h, const char *hall_id, const char *date, hall_close_rec *c, kerr *err)
{
	const char *p[2] = { hall_id, date };
	hall_close_rec *v;
	size_t n;
	if (collect(h,
		    "SELECT hall_id, day::text, closed_by, to_char(closed_at AT TIME ZONE 'UTC',"
		    " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), windows, totals, message, key_id, signature,"
		    " (extract(epoch FROM closed_at) * 1000)::bigint FROM hall.hall_closes WHERE hall_id = $1 AND day = $2::date",
		    2, p, sizeof *v, fill_close, (void **)&v, &n, "reading the hall's close", err))
		return -1;
	if (n)
		*c = v[0];
	free(v);
	return n ? 0 : 1;
}

/* ---- the central verify ---- */

static void fill_check(void *item, const PGresult *r, int i)
{
	hall_check *k = item;
	GET(k->hall_id, r, i, 0);
	GET(k->kiosk_id, r, i, 1);
	k->head_seq = get64(r, i, 2);
	k->refusals = get64(r, i, 3);
	GET(k->shipped_at, r, i, 4);
	k->local_head = PQgetisnull(r, i, 5) ? -1 : get64(r, i, 5);
	GET(k->reported_at, r, i, 6);
}

/* The chain of one kiosk recomputed: rows, the first row at fault and why. */
static const char chain_sql[] =
	"SELECT count(c.seq), coalesce(min(c.seq) FILTER (WHERE c.why IS NOT NULL), 0),"
	" (array_agg(c.why ORDER BY c.seq) FILTER (WHERE c.why IS NOT NULL))[1],"
	" coalesce(max(c.seq), 0), (array_agg(c.hash ORDER BY c.seq DESC))[1] = k.head_hash"
	" FROM hall.kiosks k LEFT JOIN LATERAL (SELECT a.seq, a.hash, CASE"
	"   WHEN a.seq <> row_number() OVER w THEN 'is missing: the rows jump past it'"
	"   WHEN a.prev <> coalesce(lag(a.hash) OVER w, decode(repeat('00', 32), 'hex'))"
	"    THEN 'does not follow the row before it'"
	"   WHEN a.hash <> hall.audit_hash(a.seq, a.at_ms, a.actor, a.action, a.case_no,"
	"    a.detail, a.prev) THEN 'does not match its hash'"
	"   WHEN a.seq = 1 AND (a.action <> 'genesis' OR a.detail <> a.kiosk_id)"
	"    THEN 'is not the kiosk''s genesis row' END AS why"
	"   FROM hall.audit a WHERE a.kiosk_id = k.kiosk_id AND a.hall_id = k.hall_id"
	"   WINDOW w AS (ORDER BY a.seq)) c"
	"  ON true WHERE k.kiosk_id = $1 GROUP BY k.head_hash";

/* The seals of one kiosk against its chain at the centre. */
static const char seals_sql[] =
	"SELECT count(s.seal_id), coalesce(max(s.last_seq), 0),"
	" coalesce(min(s.seal_id) FILTER (WHERE s.why IS NOT NULL), 0),"
	" (array_agg(s.why ORDER BY s.seal_id) FILTER (WHERE s.why IS NOT NULL))[1]"
	" FROM (SELECT x.seal_id, x.last_seq, CASE"
	"   WHEN x.first_seq <> coalesce(lag(x.last_seq) OVER w, 0) + 1"
	"    THEN 'does not start right after the seal before it'"
	"   WHEN x.epoch < coalesce(lag(x.epoch) OVER w, 0)"
	"    OR x.epoch > coalesce(lag(x.epoch) OVER w, -1) + 1"
	"    THEN 'skips an epoch: a seal is missing'"
	"   WHEN x.row_count <> x.last_seq - x.first_seq + 1 THEN 'counts its rows wrong'"
	"   WHEN x.last_seq > 0 AND a.hash IS NULL THEN 'covers rows the centre does not hold'"
	"   WHEN x.last_seq > 0 AND a.hash <> x.head_hash"
	"    THEN 'does not match the chain the centre holds' END AS why"
	"  FROM hall.seals x LEFT JOIN hall.audit a ON a.kiosk_id = x.kiosk_id"
	"   AND a.seq = x.last_seq"
	"  WHERE x.kiosk_id = $1 WINDOW w AS (ORDER BY x.seal_id)) s";

int hall_verify(hall *h, const char *hall_id, hall_check **out, size_t *n, kerr *err)
{
	const char *p[1] = { hall_id };
	if (collect(h,
		    "SELECT k.hall_id, k.kiosk_id, k.head_seq,"
		    " (SELECT count(*) FROM hall.refusals f WHERE f.kiosk_id = k.kiosk_id),"
		    " coalesce(to_char(k.shipped_at AT TIME ZONE 'UTC',"
		    "  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), s.local_head,"
		    " coalesce(to_char(s.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '')"
		    " FROM hall.kiosks k LEFT JOIN LATERAL (SELECT * FROM hall.ship_reports r"
		    "  WHERE r.kiosk_id = k.kiosk_id AND r.hall_id = k.hall_id ORDER BY r.at DESC"
		    "  LIMIT 1) s ON true"
		    " WHERE $1::text IS NULL OR k.hall_id = $1 ORDER BY k.hall_id, k.kiosk_id",
		    1, p, sizeof **out, fill_check, (void **)out, n, "reading the kiosks", err))
		return -1;
	/* One snapshot for the whole check. */
	if (hall_run(h, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "verifying", err))
		goto fail;
	for (size_t i = 0; i < *n; i++) {
		hall_check *k = &(*out)[i];
		const char *q[1] = { k->kiosk_id };
		PGresult *r = hall_execp(h, chain_sql, 1, q, PGRES_TUPLES_OK,
					 "recomputing a kiosk's chain", err);
		if (!r)
			goto fail;
		k->rows = get64(r, 0, 0);
		k->bad_seq = get64(r, 0, 1);
		if (k->bad_seq)
			snprintf(k->problem, sizeof k->problem, "row %lld %s", (long long)k->bad_seq,
				 PQgetvalue(r, 0, 2));
		else if (get64(r, 0, 3) != k->head_seq || k->rows != k->head_seq)
			snprintf(k->problem, sizeof k->problem, "the centre holds %lld rows up to row "
				 "%lld, but its head says %lld", (long long)k->rows,
				 (long long)get64(r, 0, 3), (long long)k->head_seq);
		else if (k->rows && strcmp(PQgetvalue(r, 0, 4), "t") != 0)
			snprintf(k->problem, sizeof k->problem, "the last row's hash is not the head's");
		PQclear(r);
		r = hall_execp(h, seals_sql, 1, q, PGRES_TUPLES_OK, "checking a kiosk's seals", err);
		if (!r)
			goto fail;
		k->seals = get64(r, 0, 0);
		k->sealed_to = get64(r, 0, 1);
		k->seal_bad = get64(r, 0, 2);
		if (k->seal_bad)
			snprintf(k->seal_problem, sizeof k->seal_problem, "seal %lld %s",
				 (long long)k->seal_bad, PQgetvalue(r, 0, 3));
		PQclear(r);
	}
	if (hall_run(h, "COMMIT", "verifying", err))
		goto fail;
	return 0;
fail:
	hall_rollback(h);
	free(*out);
	*out = NULL;
	*n = 0;
	return -1;
}

static void fill_seal(void *item, const PGresult *r, int i)
{
	hall_seal *s = item;
	s->id = get64(r, i, 0);
	s->epoch = get64(r, i, 1);
	s->first_seq = get64(r, i, 2);
	s->last_seq = get64(r, i, 3);
	s->row_count = get64(r, i, 4);
	s->at_ms = get64(r, i, 5);
	audit_unhex(PQgetvalue(r, i, 6), s->head_hash);
	audit_unhex(PQgetvalue(r, i, 7), s->tag);
}

int hall_seals_of(hall *h, const char *kiosk_id, hall_seal **out, size_t *n, kerr *err)
{
	const char *p[1] = { kiosk_id };
	return collect(h,
		       "SELECT seal_id, epoch, first_seq, last_seq, row_count, at_ms,"
		       " encode(head_hash, 'hex'), encode(tag, 'hex') FROM hall.seals"
		       " WHERE kiosk_id = $1 ORDER BY seal_id",
		       1, p, sizeof **out, fill_seal, (void **)out, n, "reading the seals", err);
}

/* ---- reads that need the hall ---- */

hall *hall_connect_bounded(const char *conninfo, int timeout_s, kerr *err)
{
	if (!conninfo || !*conninfo)
		return kerr_set(err, "hall", "no central store given"), NULL;
	if (timeout_s < 1)
		timeout_s = 1;
	char t[16], stmt[64];
	snprintf(t, sizeof t, "%d", timeout_s);
	snprintf(stmt, sizeof stmt, "-c statement_timeout=%d", timeout_s * 1000);
	hall *h = calloc(1, sizeof *h);
	if (!h)
		return kerr_set(err, "hall", "out of memory"), NULL;
	const char *keys[] = { "dbname", "connect_timeout", "options", NULL };
	const char *vals[] = { conninfo, t, stmt, NULL };
	h->c = PQconnectdbParams(keys, vals, 1);
	if (!h->c || PQstatus(h->c) != CONNECTION_OK) {
		char msg[400] = "out of memory";
		if (h->c)
			snprintf(msg, sizeof msg, "%s", PQerrorMessage(h->c));
		msg[strcspn(msg, "\n")] = '\0';
		kerr_set(err, "hall", "cannot reach the central store within %d s: %s", timeout_s, msg);
		hall_close(h);
		return NULL;
	}
	PQclear(PQexec(h->c, "SET lc_messages TO 'C'; SET client_encoding TO 'UTF8'"));
	return h;
}

bool hall_state_retired(const char *state)
{
	return strcmp(state, "PERM_LOST") == 0 || strcmp(state, "DAMAGED") == 0 ||
	       strcmp(state, "TERMINATED") == 0;
}

static void fill_fact(void *item, const PGresult *r, int i)
{
	hall_key_fact *f = item;
	GET(f->key_serial, r, i, 0);
	GET(f->state, r, i, 1);
	GET(f->reason, r, i, 2);
	GET(f->moved_at_kiosk, r, i, 3);
	GET(f->moved_in_hall, r, i, 4);
	GET(f->cert_serial, r, i, 5);
	GET(f->not_after, r, i, 6);
	GET(f->revoked, r, i, 7);
	GET(f->uscc, r, i, 8);
	GET(f->unit_name, r, i, 9);
	GET(f->app, r, i, 10);
	GET(f->bound_agent, r, i, 11);
	GET(f->bound_uscc, r, i, 12);
	GET(f->bound_at_kiosk, r, i, 13);
	GET(f->bound_in_hall, r, i, 14);
	f->bound_seq = get64(r, i, 15);
}

/* Candidate keys by an index each (certificates and bindings naming the
 * unit), kept when their unit now is the one asked (hall.key_units, per
 * key); then each key's last move, last binding and certificates, each a
 * probe by key: no view over the whole registry is scanned. A key known
 * only by its bindings (adopted by a binding: no state moved, no
 * certificate on record) is listed too, so a binding online sees them. */
int hall_lookup(hall *h, const char *uscc, const char *key_serial, hall_key_fact **out,
		size_t *n, kerr *err)
{
	const char *p[2] = { uscc && *uscc ? uscc : NULL, key_serial && *key_serial ? key_serial : NULL };
	return collect(h,
		       "WITH cand AS (SELECT i.key_serial FROM hall.cert_issued i WHERE i.uscc = $1"
		       "  UNION SELECT b.key_serial FROM hall.key_bindings b WHERE b.uscc = $1"
		       "  UNION SELECT $2::text WHERE $2::text IS NOT NULL),"
		       " ks AS (SELECT c.key_serial, u.uscc, u.unit_name FROM cand c"
		       "  LEFT JOIN LATERAL (SELECT x.uscc, x.unit_name FROM ("
		       "   SELECT i.uscc, i.unit_name, i.at_ms, i.kiosk_id, i.seq FROM hall.cert_issued i"
		       "    WHERE i.key_serial = c.key_serial AND i.app = 'kiosk'"
		       "   UNION ALL SELECT b.uscc, b.unit_name, b.at_ms, b.kiosk_id, b.seq"
		       "    FROM hall.key_bindings b WHERE b.key_serial = c.key_serial AND b.uscc IS NOT NULL) x"
		       "   ORDER BY x.at_ms DESC, x.kiosk_id, x.seq DESC LIMIT 1) u ON true"
		       "  WHERE $1::text IS NULL OR u.uscc = $1)"
		       " SELECT ks.key_serial, coalesce(k.to_state, ''), coalesce(k.reason, ''),"
		       "  coalesce(k.kiosk_id, ''), coalesce(hall.hall_of(k.kiosk_id), ''),"
		       "  coalesce(c.cert_serial, ''), coalesce(c.not_after, ''),"
		       "  coalesce(c.revoke_reason, ''), coalesce(ks.uscc, ''), coalesce(ks.unit_name, ''),"
		       "  coalesce(c.app, ''), coalesce(b.agent_name, ''), coalesce(b.uscc, ''),"
		       "  coalesce(b.kiosk_id, ''), coalesce(hall.hall_of(b.kiosk_id), ''),"
		       "  coalesce(b.seq, 0)"
		       " FROM ks"
		       " LEFT JOIN LATERAL (SELECT m.to_state, m.reason, m.kiosk_id, m.at_ms"
		       "  FROM hall.key_moves m WHERE m.key_serial = ks.key_serial"
		       "  AND m.to_state IS NOT NULL AND m.to_state <> ''"
		       "  ORDER BY m.at_ms DESC, m.kiosk_id, m.seq DESC LIMIT 1) k ON true"
		       " LEFT JOIN LATERAL (SELECT x.agent_name, x.uscc, x.kiosk_id, x.seq, x.at_ms"
		       "  FROM hall.key_bindings x"
		       "  WHERE x.key_serial = ks.key_serial"
		       "  ORDER BY x.at_ms DESC, x.kiosk_id, x.seq DESC LIMIT 1) b ON true"
		       " LEFT JOIN hall.certificates c ON c.key_serial = ks.key_serial"
		       " WHERE k.to_state IS NOT NULL OR c.cert_serial IS NOT NULL OR b.kiosk_id IS NOT NULL"
		       " ORDER BY coalesce(k.at_ms, c.issued_ms, b.at_ms) DESC NULLS LAST, ks.key_serial,"
		       "  c.issued_ms DESC, c.app",
		       2, p, sizeof **out, fill_fact, (void **)out, n, "looking up the registry", err);
}

static void fill_conflict(void *item, const PGresult *r, int i)
{
	hall_conflict *c = item;
	GET(c->kind, r, i, 0);
	GET(c->serial, r, i, 1);
	GET(c->first_hall, r, i, 2);
	GET(c->first_kiosk, r, i, 3);
	c->first_seq = get64(r, i, 4);
	c->first_ms = get64(r, i, 5);
	GET(c->first_act, r, i, 6);
	GET(c->second_hall, r, i, 7);
	GET(c->second_kiosk, r, i, 8);
	c->second_seq = get64(r, i, 9);
	c->second_ms = get64(r, i, 10);
	GET(c->second_act, r, i, 11);
}

int hall_conflicts(hall *h, const char *hall_id, hall_conflict **out, size_t *n, kerr *err)
{
	const char *p[1] = { hall_id };
	return collect(h,
		       "SELECT kind, serial, first_hall, first_kiosk, first_seq, first_ms, first_act,"
		       " second_hall, second_kiosk, second_seq, second_ms, second_act"
		       " FROM hall.conflicts WHERE $1::text IS NULL OR first_hall = $1"
		       " OR second_hall = $1 ORDER BY second_ms, serial",
		       1, p, sizeof **out, fill_conflict, (void **)out, n, "reading the conflicts", err);
}
