/* central: the hall's schema on PostgreSQL as numbered migrations, the
 * kiosks' roles, and the centre's view of its kiosks.
 *
 * Like db/migrate.c, a migration's SQL never changes once shipped; a new
 * table or column is a new migration (and a line in docs/deployment.md).
 * Each runs in its own transaction under an advisory lock, with its row in
 * hall.migrations, so the schema is always at exactly one version and two
 * `kioskctl hall init` at once do the work once.
 *
 * Why the chain is verified in PL/pgSQL and not by the sender: the centre
 * must not depend on the honesty of whoever sends. A statement trigger over
 * the inserted rows (a transition table) recomputes every row's SHA-256 with
 * the canonical encoding of core/audit/audit.c (int8send for the 8-byte
 * big-endian numbers, int4send of the UTF-8 length before each text) and
 * checks that the batch continues exactly the chain the centre holds, in the
 * inserting transaction; any fault raises and the whole batch is rolled
 * back. It is set-based (one window-function query per batch), so it costs
 * little more than the insert itself (docs/performance.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/pg/conn.h"

/* Serialises migrations and registrations (any constant of our own). */
#define HALL_LOCK "4859414c4c" /* "HALL" */

static const char bootstrap_sql[] =
	"CREATE SCHEMA IF NOT EXISTS hall;"
	"CREATE TABLE IF NOT EXISTS hall.migrations ("
	" version    integer PRIMARY KEY,"
	" applied_at timestamptz NOT NULL DEFAULT now(),"
	" by_role    text NOT NULL DEFAULT current_user"
	");"
	"REVOKE ALL ON SCHEMA hall FROM PUBLIC;"
	"REVOKE ALL ON hall.migrations FROM PUBLIC;";

/* The registry's facts from a batch (new_rows), J parsing a detail. Only the
 * details that hold facts are parsed: every token.* row, and the case's
 * steps but its materials (a long list the registry does not keep). */
#define REGISTRY_FILL(J) REGISTRY_FILL_SEEN(J, "")
/* The same, with SEEN the values of key_bindings' columns after case_no
 * ("" none: v1's table). */
#define REGISTRY_FILL_SEEN(J, SEEN) \
	"  WITH f AS MATERIALIZED (SELECT n.kiosk_id, n.seq, n.at_ms, n.actor, n.action," \
	"    n.case_no, CASE WHEN left(n.detail, 1) = '{' THEN " J " END AS j" \
	"    FROM new_rows n" \
	"    WHERE n.action LIKE 'token.%' OR n.action IN ('case.open', 'case.details'," \
	"     'case.decision', 'case.cancel', 'case.approval', 'case.token', 'case.payment'," \
	"     'case.slip', 'case.resume'))," \
	"   moves AS (INSERT INTO hall.key_moves SELECT f.kiosk_id, f.seq, f.at_ms," \
	"    f.j->>'serial', substr(f.action, 7), f.j->>'from', f.j->>'to', f.case_no, f.actor" \
	"    FROM f WHERE f.action LIKE 'token.%' AND jsonb_typeof(f.j->'serial') = 'string')," \
	"   issued AS (INSERT INTO hall.cert_issued SELECT f.kiosk_id, f.seq, f.at_ms," \
	"    f.j->>'cert', f.j->>'serial', f.j->>'unit_name', f.j->>'uscc', f.j->>'not_before'," \
	"    f.j->>'not_after', f.case_no FROM f" \
	"    WHERE f.action IN ('token.enrolled', 'token.renewed', 'token.reenrolled')" \
	"    AND jsonb_typeof(f.j->'cert') = 'string' AND jsonb_typeof(f.j->'serial') = 'string')," \
	"   revoked AS (INSERT INTO hall.cert_revoked SELECT DISTINCT f.kiosk_id, f.seq, f.at_ms," \
	"    r.serial, CASE f.action WHEN 'token.reenrolled' THEN 'superseded'" \
	"    ELSE substr(f.action, 7) END" \
	"    FROM f, jsonb_array_elements_text(f.j->'revoked') AS r(serial)" \
	"    WHERE f.action LIKE 'token.%' AND jsonb_typeof(f.j->'revoked') = 'array')," \
	"   bound AS (INSERT INTO hall.key_bindings SELECT f.kiosk_id, f.seq, f.at_ms," \
	"    f.j->>'serial', f.j->>'uscc', f.j->>'unit_name', f.j->>'agent_name'," \
	"    f.j->>'agent_id_no', f.case_no" SEEN " FROM f WHERE f.action = 'token.bind'" \
	"    AND jsonb_typeof(f.j->'serial') = 'string')" \
	"  INSERT INTO hall.case_events SELECT f.kiosk_id, f.seq, f.at_ms, f.case_no," \
	"   substr(f.action, 6), f.actor, f.j->>'service', f.j->>'unit_name', f.j->>'uscc'," \
	"   f.j->>'decision'," \
	"   CASE WHEN jsonb_typeof(f.j->'fee_fen') = 'number'" \
	"   THEN (f.j->>'fee_fen')::numeric::bigint END" \
	"   FROM f WHERE f.action LIKE 'case.%' AND f.case_no <> '';"

/* v1: the kiosks, their shipped audit rows verified on arrival, refusals,
 * the registry derived from the token.* and case.* rows, the two group roles
 * and the row-level security that keeps each kiosk to its own rows. */
static const char v1_sql[] =
	/* Roles are the cluster's, not the database's: made once. */
	"DO $$ BEGIN"
	" IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hall_kiosk') THEN"
	"  CREATE ROLE hall_kiosk NOLOGIN; END IF;"
	" IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hall_reader') THEN"
	"  CREATE ROLE hall_reader NOLOGIN; END IF;"
	" END $$;"

	"CREATE TABLE hall.kiosks ("
	" kiosk_id   text PRIMARY KEY CHECK (kiosk_id ~ '^[A-Za-z0-9_-]{1,24}$'),"
	" role_name  text NOT NULL UNIQUE,"
	" head_seq   bigint NOT NULL DEFAULT 0 CHECK (head_seq >= 0),"
	" head_hash  bytea NOT NULL DEFAULT decode(repeat('00', 32), 'hex')"
	"            CHECK (octet_length(head_hash) = 32),"
	" added_at   timestamptz NOT NULL DEFAULT now(),"
	" shipped_at timestamptz"
	");"

	/* No foreign key to kiosks: the batch trigger checks the kiosk once per
	 * batch instead of a referential trigger per row. */
	"CREATE TABLE hall.audit ("
	" kiosk_id    text NOT NULL,"
	" seq         bigint NOT NULL CHECK (seq >= 1),"
	" at_ms       bigint NOT NULL,"
	" actor       text NOT NULL,"
	" action      text NOT NULL,"
	" case_no     text NOT NULL,"
	" detail      text NOT NULL,"
	" prev        bytea NOT NULL,"
	" hash        bytea NOT NULL,"
	" received_at timestamptz NOT NULL DEFAULT now(),"
	" PRIMARY KEY (kiosk_id, seq)"
	");"

	"CREATE TABLE hall.refusals ("
	" kiosk_id     text NOT NULL,"
	" at           timestamptz NOT NULL DEFAULT clock_timestamp(),"
	" local_head   bigint NOT NULL,"
	" central_head bigint NOT NULL,"
	" reason       text NOT NULL"
	");"

	/* core/audit/audit.c's canonical form: seq and at_ms as 8 bytes
	 * big-endian, then each text as a 4-byte big-endian byte length and
	 * its UTF-8 bytes, then prev. The database is UTF-8 (hall_init checks),
	 * so octet_length is the UTF-8 length. STABLE (as convert_to is), so
	 * it is inlined into the batch check's query. */
	"CREATE FUNCTION hall.audit_hash(seq bigint, at_ms bigint, actor text, action text,"
	"  case_no text, detail text, prev bytea) RETURNS bytea"
	" LANGUAGE sql STABLE STRICT PARALLEL SAFE AS $$ SELECT sha256("
	"  int8send(seq) || int8send(at_ms)"
	"  || int4send(octet_length(actor)) || convert_to(actor, 'UTF8')"
	"  || int4send(octet_length(action)) || convert_to(action, 'UTF8')"
	"  || int4send(octet_length(case_no)) || convert_to(case_no, 'UTF8')"
	"  || int4send(octet_length(detail)) || convert_to(detail, 'UTF8')"
	"  || prev) $$;"

	/* The batch check: every kiosk's rows in the statement start right after
	 * its head, have no gap, chain from the head hash, match their hashes,
	 * and row 1 is this kiosk's genesis; then the head moves. */
	"CREATE FUNCTION hall.audit_accept() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER"
	" SET search_path = pg_catalog, pg_temp AS $$"
	" DECLARE b record; k record; bad record;"
	" BEGIN"
	"  FOR b IN SELECT n.kiosk_id, min(n.seq) AS lo, max(n.seq) AS hi, count(*) AS cnt"
	"           FROM new_rows n GROUP BY n.kiosk_id ORDER BY n.kiosk_id LOOP"
	"   SELECT x.head_seq, x.head_hash INTO k FROM hall.kiosks x"
	"    WHERE x.kiosk_id = b.kiosk_id FOR UPDATE;"
	"   IF NOT FOUND THEN"
	"    RAISE EXCEPTION 'kiosk % is not registered at the centre', b.kiosk_id"
	"     USING ERRCODE = 'KH001';"
	"   END IF;"
	"   IF b.lo <> k.head_seq + 1 THEN"
	"    RAISE EXCEPTION 'kiosk %: the rows sent start at row %, but the centre holds rows 1 to %"
	" and takes row % next: a repeat or a rewind is refused', b.kiosk_id, b.lo, k.head_seq,"
	"     k.head_seq + 1 USING ERRCODE = 'KH002';"
	"   END IF;"
	"   IF b.cnt <> b.hi - b.lo + 1 THEN"
	"    RAISE EXCEPTION 'kiosk %: rows % to % sent with a gap (% rows)', b.kiosk_id, b.lo,"
	"     b.hi, b.cnt USING ERRCODE = 'KH003';"
	"   END IF;"
	"   SELECT r.seq, r.why INTO bad FROM ("
	"     SELECT n.seq, CASE"
	"      WHEN octet_length(n.prev) <> 32 OR octet_length(n.hash) <> 32"
	"       THEN 'does not hold 32-byte hashes'"
	"      WHEN n.prev <> coalesce(lag(n.hash) OVER (ORDER BY n.seq), k.head_hash)"
	"       THEN 'does not follow the row before it: its previous hash differs (a fork)'"
	"      WHEN n.seq = 1 AND (n.action <> 'genesis' OR n.actor <> 'system'"
	"                          OR n.detail <> n.kiosk_id)"
	"       THEN 'is not this kiosk''s genesis row'"
	"      WHEN n.hash <> hall.audit_hash(n.seq, n.at_ms, n.actor, n.action, n.case_no,"
	"                                     n.detail, n.prev)"
	"       THEN 'does not match its hash'"
	"      END AS why"
	"     FROM new_rows n WHERE n.kiosk_id = b.kiosk_id) r"
	"    WHERE r.why IS NOT NULL ORDER BY r.seq LIMIT 1;"
	"   IF FOUND THEN"
	"    RAISE EXCEPTION 'kiosk %: row % %', b.kiosk_id, bad.seq, bad.why"
	"     USING ERRCODE = 'KH004';"
	"   END IF;"
	"   UPDATE hall.kiosks x SET head_seq = b.hi, shipped_at = now(),"
	"    head_hash = (SELECT n.hash FROM new_rows n WHERE n.kiosk_id = b.kiosk_id"
	"                 AND n.seq = b.hi)"
	"    WHERE x.kiosk_id = b.kiosk_id;"
	"  END LOOP;"
	"  RETURN NULL;"
	" END $$;"

	"CREATE FUNCTION hall.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$"
	" BEGIN RAISE EXCEPTION 'hall.%: rows are never changed or removed (%)', TG_TABLE_NAME,"
	"  TG_OP USING ERRCODE = 'KH005'; END $$;"
	"CREATE FUNCTION hall.head_only_advances() RETURNS trigger LANGUAGE plpgsql AS $$"
	" BEGIN"
	"  IF NEW.kiosk_id <> OLD.kiosk_id OR NEW.role_name <> OLD.role_name"
	"     OR NEW.head_seq < OLD.head_seq THEN"
	"   RAISE EXCEPTION 'hall.kiosks: a kiosk''s head only moves forward' USING ERRCODE = 'KH005';"
	"  END IF;"
	"  RETURN NEW;"
	" END $$;"
	"CREATE TRIGGER kiosks_head_only_advances BEFORE UPDATE ON hall.kiosks"
	" FOR EACH ROW EXECUTE FUNCTION hall.head_only_advances();"
	"CREATE TRIGGER kiosks_no_delete BEFORE DELETE ON hall.kiosks"
	" FOR EACH ROW EXECUTE FUNCTION hall.refuse_change();"

	/* The registry: insert-only facts taken from the token.* and case.*
	 * rows as they arrive (order of arrival does not matter: the views
	 * below pick the latest by the kiosk's time). No primary keys: each
	 * audit row arrives once (its own key), so its facts do too, and an
	 * index fewer per fact is a tenth of a batch's time. */
	"CREATE TABLE hall.key_moves ("
	" kiosk_id text NOT NULL, seq bigint NOT NULL, at_ms bigint NOT NULL,"
	" key_serial text NOT NULL, reason text NOT NULL, from_state text, to_state text,"
	" case_no text NOT NULL, actor text NOT NULL);"
	"CREATE INDEX key_moves_by_key ON hall.key_moves (key_serial, at_ms);"
	"CREATE TABLE hall.cert_issued ("
	" kiosk_id text NOT NULL, seq bigint NOT NULL, at_ms bigint NOT NULL,"
	" cert_serial text NOT NULL, key_serial text NOT NULL, unit_name text, uscc text,"
	" not_before text, not_after text, case_no text NOT NULL);"
	"CREATE INDEX cert_issued_by_serial ON hall.cert_issued (cert_serial);"
	"CREATE INDEX cert_issued_by_uscc ON hall.cert_issued (uscc);"
	"CREATE TABLE hall.cert_revoked ("
	" kiosk_id text NOT NULL, seq bigint NOT NULL, at_ms bigint NOT NULL,"
	" cert_serial text NOT NULL, reason text NOT NULL);"
	"CREATE INDEX cert_revoked_by_serial ON hall.cert_revoked (cert_serial);"
	"CREATE TABLE hall.key_bindings ("
	" kiosk_id text NOT NULL, seq bigint NOT NULL, at_ms bigint NOT NULL,"
	" key_serial text NOT NULL, uscc text, unit_name text, agent_name text,"
	" agent_id_no text, case_no text NOT NULL);"
	"CREATE INDEX key_bindings_by_key ON hall.key_bindings (key_serial, at_ms);"
	"CREATE TABLE hall.case_events ("
	" kiosk_id text NOT NULL, seq bigint NOT NULL, at_ms bigint NOT NULL,"
	" case_no text NOT NULL, step text NOT NULL, actor text NOT NULL,"
	" service text, unit_name text, uscc text, decision text, fee_fen bigint);"
	"CREATE INDEX case_events_by_case ON hall.case_events (case_no, at_ms);"
	"CREATE INDEX case_events_by_uscc ON hall.case_events (uscc) WHERE uscc IS NOT NULL;"

	/* A detail that is not JSON gives no registry facts, never a refused
	 * batch: the chain, not the registry, is what must arrive. */
	"CREATE FUNCTION hall.json_or_null(t text) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$"
	" BEGIN RETURN t::jsonb; EXCEPTION WHEN others THEN RETURN NULL; END $$;"

	"CREATE FUNCTION hall.registry_fill() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER"
	" SET search_path = pg_catalog, pg_temp AS $$"
	" BEGIN"
	/* The whole batch's details parsed at once (one subtransaction); only
	 * when one of them is not JSON, row by row. */
	"  BEGIN"
	REGISTRY_FILL("n.detail::jsonb")
	"  EXCEPTION WHEN others THEN"
	REGISTRY_FILL("hall.json_or_null(n.detail)")
	"  END;"
	"  RETURN NULL;"
	" END $$;"

	/* Triggers of one event fire in name order: the chain first. */
	"CREATE TRIGGER audit_1_accept AFTER INSERT ON hall.audit"
	" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
	" EXECUTE FUNCTION hall.audit_accept();"
	"CREATE TRIGGER audit_2_registry AFTER INSERT ON hall.audit"
	" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
	" EXECUTE FUNCTION hall.registry_fill();"
	"CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON hall.audit"
	" FOR EACH ROW EXECUTE FUNCTION hall.refuse_change();"
	"CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON hall.audit"
	" FOR EACH STATEMENT EXECUTE FUNCTION hall.refuse_change();"
	"CREATE TRIGGER refusals_no_change BEFORE UPDATE OR DELETE ON hall.refusals"
	" FOR EACH ROW EXECUTE FUNCTION hall.refuse_change();"

	/* The registry as read: a key's state, a certificate and its
	 * revocation, a key's binding, a case's unit and last step. */
	"CREATE VIEW hall.keys AS SELECT DISTINCT ON (m.key_serial) m.key_serial,"
	" m.to_state AS state, m.reason, m.kiosk_id, m.seq, m.at_ms FROM hall.key_moves m"
	" WHERE m.to_state IS NOT NULL AND m.to_state <> ''"
	" ORDER BY m.key_serial, m.at_ms DESC, m.kiosk_id, m.seq DESC;"
	"CREATE VIEW hall.certificates AS SELECT i.cert_serial, i.key_serial, i.unit_name, i.uscc,"
	" i.not_before, i.not_after, i.kiosk_id, i.case_no, i.at_ms AS issued_ms,"
	" r.reason AS revoke_reason, r.at_ms AS revoked_ms, r.kiosk_id AS revoked_at_kiosk"
	" FROM hall.cert_issued i LEFT JOIN LATERAL (SELECT * FROM hall.cert_revoked x"
	"  WHERE x.cert_serial = i.cert_serial ORDER BY x.at_ms, x.kiosk_id, x.seq LIMIT 1) r"
	" ON true;"
	"CREATE VIEW hall.bindings AS SELECT DISTINCT ON (b.key_serial) b.key_serial, b.uscc,"
	" b.unit_name, b.agent_name, b.agent_id_no, b.case_no, b.kiosk_id, b.at_ms"
	" FROM hall.key_bindings b ORDER BY b.key_serial, b.at_ms DESC, b.kiosk_id, b.seq DESC;"
	"CREATE VIEW hall.cases AS SELECT e.case_no, min(e.kiosk_id) AS kiosk_id,"
	" (array_agg(e.service ORDER BY e.at_ms) FILTER (WHERE e.step = 'open'))[1] AS service,"
	" (array_agg(e.unit_name ORDER BY e.at_ms DESC) FILTER (WHERE e.step = 'details'))[1]"
	"  AS unit_name,"
	" (array_agg(e.uscc ORDER BY e.at_ms DESC) FILTER (WHERE e.step = 'details'))[1] AS uscc,"
	" (array_agg(e.step ORDER BY e.at_ms DESC, e.seq DESC))[1] AS last_step,"
	" min(e.at_ms) AS opened_ms, max(e.at_ms) AS updated_ms"
	" FROM hall.case_events e GROUP BY e.case_no;"

	/* Access: a kiosk adds and reads only its own rows (row-level
	 * security; insert, never update or delete), and reads the registry; a
	 * reader (the hall's supervisors, reports) reads everything. */
	"REVOKE ALL ON ALL TABLES IN SCHEMA hall FROM PUBLIC;"
	"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA hall FROM PUBLIC;"
	"GRANT USAGE ON SCHEMA hall TO hall_kiosk, hall_reader;"
	"GRANT EXECUTE ON FUNCTION hall.audit_hash(bigint, bigint, text, text, text, text, bytea),"
	" hall.json_or_null(text) TO hall_kiosk, hall_reader;"
	"ALTER TABLE hall.kiosks ENABLE ROW LEVEL SECURITY;"
	"CREATE POLICY kiosks_own ON hall.kiosks FOR SELECT TO hall_kiosk"
	" USING (role_name = current_user);"
	"CREATE POLICY kiosks_all ON hall.kiosks FOR SELECT TO hall_reader USING (true);"
	"ALTER TABLE hall.audit ENABLE ROW LEVEL SECURITY;"
	"CREATE POLICY audit_own_read ON hall.audit FOR SELECT TO hall_kiosk"
	" USING (kiosk_id = (SELECT k.kiosk_id FROM hall.kiosks k WHERE k.role_name = current_user));"
	"CREATE POLICY audit_own_add ON hall.audit FOR INSERT TO hall_kiosk"
	" WITH CHECK (kiosk_id = (SELECT k.kiosk_id FROM hall.kiosks k"
	"  WHERE k.role_name = current_user));"
	"CREATE POLICY audit_all ON hall.audit FOR SELECT TO hall_reader USING (true);"
	"ALTER TABLE hall.refusals ENABLE ROW LEVEL SECURITY;"
	"CREATE POLICY refusals_own_read ON hall.refusals FOR SELECT TO hall_kiosk"
	" USING (kiosk_id = (SELECT k.kiosk_id FROM hall.kiosks k WHERE k.role_name = current_user));"
	"CREATE POLICY refusals_own_add ON hall.refusals FOR INSERT TO hall_kiosk"
	" WITH CHECK (kiosk_id = (SELECT k.kiosk_id FROM hall.kiosks k"
	"  WHERE k.role_name = current_user));"
	"CREATE POLICY refusals_all ON hall.refusals FOR SELECT TO hall_reader USING (true);"
	"GRANT SELECT ON hall.kiosks TO hall_kiosk, hall_reader;"
	"GRANT SELECT, INSERT ON hall.audit, hall.refusals TO hall_kiosk;"
	"GRANT SELECT ON hall.audit, hall.refusals, hall.migrations TO hall_reader;"
	"GRANT SELECT ON hall.key_moves, hall.cert_issued, hall.cert_revoked, hall.key_bindings,"
	" hall.case_events, hall.keys, hall.certificates, hall.bindings, hall.cases"
	" TO hall_kiosk, hall_reader;";

/* The civil day (Asia/Shanghai, UTC+8 all year since 1991) of a kiosk's
 * time in ms, as core/base/clock.c counts it. */
#define CIVIL_DAY(MS) "(date '1970-01-01' + ((" MS " + 28800000) / 86400000)::int)"

/* The day's facts from a batch (new_rows), J parsing a detail: each case
 * opened (its civil day, service, clerk), each payment order's states, each
 * refund's amount and states, and each window's day close. */
#define DAY_FILL(J) \
	"  WITH f AS MATERIALIZED (SELECT n.kiosk_id, n.seq, n.at_ms, n.actor, n.action," \
	"    n.case_no, CASE WHEN left(n.detail, 1) = '{' THEN " J " END AS j" \
	"    FROM new_rows n WHERE n.action IN ('case.open', 'payment.create', 'payment.update'," \
	"     'refund.approve', 'refund.state', 'day.close'))," \
	"   opened AS (INSERT INTO hall.day_cases SELECT f.kiosk_id, f.seq, f.at_ms," \
	"    " CIVIL_DAY("f.at_ms") ", f.case_no, f.j->>'service', f.actor" \
	"    FROM f WHERE f.action = 'case.open' AND f.case_no <> '')," \
	"   paid AS (INSERT INTO hall.pay_events SELECT f.kiosk_id, f.seq, f.at_ms, f.case_no," \
	"    f.j->>'out_trade_no', (f.j->>'amount_fen')::numeric::bigint, f.j->>'state'," \
	"    (f.j->>'verified') = '1' FROM f WHERE f.action IN ('payment.create', 'payment.update')" \
	"    AND jsonb_typeof(f.j->'out_trade_no') = 'string'" \
	"    AND jsonb_typeof(f.j->'amount_fen') = 'number')," \
	"   refunded AS (INSERT INTO hall.refund_events SELECT f.kiosk_id, f.seq, f.at_ms," \
	"    f.case_no, f.j->>'out_refund_no', f.j->>'out_trade_no'," \
	"    CASE WHEN jsonb_typeof(f.j->'amount_fen') = 'number'" \
	"    THEN (f.j->>'amount_fen')::numeric::bigint END," \
	"    CASE f.action WHEN 'refund.approve' THEN 'PENDING' ELSE f.j->>'state' END" \
	"    FROM f WHERE f.action IN ('refund.approve', 'refund.state')" \
	"    AND jsonb_typeof(f.j->'out_refund_no') = 'string')" \
	"  INSERT INTO hall.window_closes SELECT f.kiosk_id, f.seq, f.at_ms," \
	"   (f.j->>'day')::date, f.actor, f.j->>'counts', f.j->>'key_id'" \
	"   FROM f WHERE f.action = 'day.close' AND jsonb_typeof(f.j->'day') = 'string'" \
	"   AND f.j->>'day' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';"

/* v2: the hall's day (docs/deployment.md, "The hall's day"): halls and the
 * kiosks' windows in them, the day's facts derived from the shipped rows
 * (cases opened, payment orders, refunds, each window's day close), the
 * report's functions, what each kiosk last said of its own head (the gap
 * in shipping), its seals, the supervisors (a login role each, its PIN the
 * role's password, checked by PostgreSQL) and the halls' signed day
 * closes, refused while a window of the hall is open. */
static const char v2_sql[] =
	"DO $$ BEGIN"
	" IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hall_supervisor') THEN"
	"  CREATE ROLE hall_supervisor NOLOGIN IN ROLE hall_reader; END IF;"
	" END $$;"
	"CREATE TABLE hall.halls ("
	" hall_id  text PRIMARY KEY CHECK (hall_id ~ '^[A-Za-z0-9_-]{1,24}$'),"
	" added_at timestamptz NOT NULL DEFAULT now());"
	"INSERT INTO hall.halls (hall_id) VALUES ('main');"
	"ALTER TABLE hall.kiosks ADD COLUMN hall_id text NOT NULL DEFAULT 'main'"
	" REFERENCES hall.halls;"

	"CREATE TABLE hall.day_cases ("
	" kiosk_id text NOT NULL, seq bigint NOT NULL, at_ms bigint NOT NULL, day date NOT NULL,"
	" case_no text NOT NULL, service text, clerk text NOT NULL);"
	"CREATE INDEX day_cases_by_day ON hall.day_cases (day, kiosk_id);"
	"CREATE TABLE hall.pay_events ("
	" kiosk_id text NOT NULL, seq bigint NOT NULL, at_ms bigint NOT NULL, case_no text NOT NULL,"
	" out_trade_no text NOT NULL, amount_fen bigint NOT NULL, state text, verified boolean);"
	"CREATE INDEX pay_events_by_case ON hall.pay_events (case_no text_pattern_ops)"
	" INCLUDE (kiosk_id, seq, out_trade_no, amount_fen, state, verified);"
	"CREATE TABLE hall.refund_events ("
	" kiosk_id text NOT NULL, seq bigint NOT NULL, at_ms bigint NOT NULL, case_no text NOT NULL,"
	" out_refund_no text NOT NULL, out_trade_no text, amount_fen bigint, state text);"
	"CREATE INDEX refund_events_by_case ON hall.refund_events (case_no text_pattern_ops);"
	/* case_events' index by case, byte-ordered: a window's day is one range
	 * of it (hall.day_case_rows); equality lookups use it as before. */
	"DROP INDEX hall.case_events_by_case;"
	"CREATE INDEX case_events_by_case ON hall.case_events (case_no text_pattern_ops, at_ms)"
	" INCLUDE (kiosk_id, seq, step, decision, fee_fen);"
	"CREATE TABLE hall.window_closes ("
	" kiosk_id text NOT NULL, seq bigint NOT NULL, at_ms bigint NOT NULL, day date NOT NULL,"
	" closed_by text NOT NULL, counts text, key_id text);"
	"CREATE INDEX window_closes_by_day ON hall.window_closes (day, kiosk_id);"

	"CREATE FUNCTION hall.day_fill() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER"
	" SET search_path = pg_catalog, pg_temp AS $$"
	" BEGIN"
	"  BEGIN"
	DAY_FILL("n.detail::jsonb")
	"  EXCEPTION WHEN others THEN"
	DAY_FILL("hall.json_or_null(n.detail)")
	"  END;"
	"  RETURN NULL;"
	" END $$;"
	/* The rows shipped before this migration give their facts once. */
	"CREATE TEMP VIEW new_rows AS SELECT * FROM hall.audit;"
	DAY_FILL("hall.json_or_null(n.detail)")
	"DROP VIEW new_rows;"
	"CREATE TRIGGER audit_3_day AFTER INSERT ON hall.audit"
	" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hall.day_fill();"

	/* One case of day d at the windows of hall h (NULL: every hall), as
	 * the kiosk's daily report counts it (db/report/report.c): its status
	 * replayed from its steps as casefsm does, the fee due when accepted,
	 * 容缺 or completed, the orders whose last state is a verified SUCCESS
	 * not refunded, the refunds whose last state is SUCCESS. Set-based, for
	 * a province's year (docs/performance.md): a day's cases at a window
	 * share their number's prefix (<kiosk>-YYYYMMDD-), so each window's
	 * facts of the day are one range of the byte-ordered case_no indexes,
	 * read once and grouped, never a lookup per case. */
	"CREATE FUNCTION hall.day_case_rows(d date, h text) RETURNS TABLE (hall_id text,"
	"  kiosk_id text, case_no text, clerk text, service text, status text, due_fen bigint,"
	"  paid_fen bigint, refunded_fen bigint)"
	" LANGUAGE sql STABLE AS $$"
	" WITH o AS MATERIALIZED (SELECT k.hall_id, c.kiosk_id, c.case_no, c.clerk,"
	"   coalesce(c.service, '') AS service FROM hall.day_cases c"
	"   JOIN hall.kiosks k ON k.kiosk_id = c.kiosk_id"
	"   WHERE c.day = d AND (h IS NULL OR k.hall_id = h)),"
	"  px AS MATERIALIZED (SELECT DISTINCT o.kiosk_id,"
	"   regexp_replace(o.case_no, '[0-9]+$', '') AS lo FROM o),"
	/* a case's steps are each recorded once (the kiosk refuses a step
	 * again), so its decision and its fee are the one there is */
	"  ev AS (SELECT x.case_no, bool_or(x.step = 'cancel') AS cancelled,"
	"   max(x.decision) FILTER (WHERE x.step = 'decision') AS decision,"
	"   bool_or(x.step = 'slip') AS slipped,"
	"   max(x.fee_fen) FILTER (WHERE x.step = 'details') AS fee_fen"
	"   FROM px CROSS JOIN LATERAL (SELECT e.case_no, e.step, e.decision, e.fee_fen"
	"    FROM hall.case_events e"
	"    WHERE e.case_no ~>=~ px.lo AND e.case_no ~<~ (px.lo || '~')"
	"    AND e.kiosk_id = px.kiosk_id OFFSET 0) x"
	"   GROUP BY x.case_no),"
	"  rf AS (SELECT DISTINCT ON (z.kiosk_id, z.out_refund_no) z.kiosk_id, z.case_no,"
	"    z.out_refund_no, z.state"
	"   FROM px CROSS JOIN LATERAL (SELECT * FROM hall.refund_events e"
	"    WHERE e.case_no ~>=~ px.lo AND e.case_no ~<~ (px.lo || '~')"
	"    AND e.kiosk_id = px.kiosk_id OFFSET 0) z"
	"   ORDER BY z.kiosk_id, z.out_refund_no, z.seq DESC),"
	/* a refund done: its last state SUCCESS, its order and amount as
	 * approved */
	"  refd AS (SELECT a.kiosk_id, a.case_no, a.out_trade_no, a.amount_fen FROM rf"
	"   JOIN hall.refund_events a ON a.case_no = rf.case_no AND a.kiosk_id = rf.kiosk_id"
	"    AND a.out_refund_no = rf.out_refund_no AND a.amount_fen IS NOT NULL"
	"   WHERE rf.state = 'SUCCESS'),"
	"  pay AS (SELECT q.case_no, sum(q.amount_fen) AS paid FROM (SELECT DISTINCT ON"
	"    (y.kiosk_id, y.out_trade_no) y.kiosk_id, y.case_no, y.out_trade_no, y.amount_fen,"
	"    y.state, y.verified"
	"   FROM px CROSS JOIN LATERAL (SELECT e.kiosk_id, e.seq, e.case_no, e.out_trade_no,"
	"    e.amount_fen, e.state, e.verified FROM hall.pay_events e"
	"    WHERE e.case_no ~>=~ px.lo AND e.case_no ~<~ (px.lo || '~')"
	"    AND e.kiosk_id = px.kiosk_id OFFSET 0) y"
	"   ORDER BY y.kiosk_id, y.out_trade_no, y.seq DESC) q"
	"   WHERE q.state = 'SUCCESS' AND q.verified AND (q.kiosk_id, q.out_trade_no) NOT IN"
	"    (SELECT refd.kiosk_id, refd.out_trade_no FROM refd"
	"     WHERE refd.out_trade_no IS NOT NULL)"
	"   GROUP BY q.case_no),"
	"  rsum AS (SELECT refd.case_no, sum(refd.amount_fen) AS refunded FROM refd"
	"   GROUP BY refd.case_no)"
	" SELECT o.hall_id, o.kiosk_id, o.case_no, o.clerk, o.service,"
	"  CASE WHEN ev.cancelled THEN 'cancelled' WHEN ev.decision = 'refuse' THEN 'refused'"
	"   WHEN ev.decision = 'rongque' THEN 'rongque'"
	"   WHEN ev.decision = 'accept' AND ev.slipped THEN 'completed'"
	"   WHEN ev.decision = 'accept' THEN 'accepted' ELSE 'open' END,"
	"  CASE WHEN NOT coalesce(ev.cancelled, false) AND ev.decision IN ('accept', 'rongque')"
	"   THEN coalesce(ev.fee_fen, 0) ELSE 0 END,"
	"  coalesce(pay.paid, 0)::bigint, coalesce(rsum.refunded, 0)::bigint"
	" FROM o LEFT JOIN ev ON ev.case_no = o.case_no"
	" LEFT JOIN pay ON pay.case_no = o.case_no"
	" LEFT JOIN rsum ON rsum.case_no = o.case_no $$;"
	/* The same, grouped: what `kioskctl hall report` prints and sums. */
	"CREATE FUNCTION hall.day_report(d date, h text) RETURNS TABLE (hall_id text,"
	"  kiosk_id text, clerk text, service text, status text, cases bigint, due_fen bigint,"
	"  paid_fen bigint, refunded_fen bigint)"
	/* JIT compiling the plan would cost far more than running it */
	" LANGUAGE sql STABLE SET jit = off AS $$"
	" SELECT c.hall_id, c.kiosk_id, c.clerk, c.service, c.status, count(*), sum(c.due_fen),"
	"  sum(c.paid_fen), sum(c.refunded_fen) FROM hall.day_case_rows(d, h) c"
	" GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5 $$;"

	/* What a kiosk last said of its own head: the rows it holds that the
	 * centre does not yet (hall verify names the gap). */
	"CREATE TABLE hall.ship_reports ("
	" kiosk_id text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp(),"
	" local_head bigint NOT NULL, central_head bigint NOT NULL);"
	"CREATE INDEX ship_reports_by_kiosk ON hall.ship_reports (kiosk_id, at);"
	/* The kiosk's seals (its `seals` table), shipped as they are: checked
	 * at the centre against the chain it holds (hall verify). */
	"CREATE TABLE hall.seals ("
	" kiosk_id text NOT NULL, seal_id bigint NOT NULL, epoch bigint NOT NULL,"
	" first_seq bigint NOT NULL, last_seq bigint NOT NULL, row_count bigint NOT NULL,"
	" head_hash bytea NOT NULL, at_ms bigint NOT NULL, tag bytea NOT NULL,"
	" received_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (kiosk_id, seal_id));"

	"CREATE TABLE hall.supervisors ("
	" supervisor_id text NOT NULL CHECK (supervisor_id ~ '^[A-Za-z0-9_.-]{1,32}$'),"
	" role_name text NOT NULL, hall_id text NOT NULL REFERENCES hall.halls,"
	" added_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (supervisor_id, hall_id));"
	"CREATE TABLE hall.hall_closes ("
	" hall_id text NOT NULL REFERENCES hall.halls, day date NOT NULL,"
	" closed_by text NOT NULL, role_name text NOT NULL DEFAULT current_user,"
	" closed_at timestamptz NOT NULL DEFAULT now(), windows text NOT NULL,"
	" totals text NOT NULL, message text NOT NULL, key_id text NOT NULL,"
	" signature text NOT NULL, PRIMARY KEY (hall_id, day));"
	/* A hall's day is closed once every window of the hall has closed it
	 * (a day.close of that day shipped), whoever inserts. */
	"CREATE FUNCTION hall.hall_close_check() RETURNS trigger LANGUAGE plpgsql"
	" SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$"
	" DECLARE open_list text; n bigint;"
	" BEGIN"
	"  SELECT count(*), string_agg(k.kiosk_id, ', ' ORDER BY k.kiosk_id) FILTER (WHERE NOT"
	"   EXISTS (SELECT FROM hall.window_closes w WHERE w.kiosk_id = k.kiosk_id"
	"   AND w.day = NEW.day)) INTO n, open_list FROM hall.kiosks k WHERE k.hall_id = NEW.hall_id;"
	"  IF n = 0 THEN"
	"   RAISE EXCEPTION 'hall % has no window', NEW.hall_id USING ERRCODE = 'KH006';"
	"  END IF;"
	"  IF open_list IS NOT NULL THEN"
	"   RAISE EXCEPTION 'hall % cannot close %: windows still open (their day close has not"
	" reached the centre): %', NEW.hall_id, NEW.day, open_list USING ERRCODE = 'KH006';"
	"  END IF;"
	"  RETURN NEW;"
	" END $$;"
	"CREATE TRIGGER hall_closes_all_windows BEFORE INSERT ON hall.hall_closes"
	" FOR EACH ROW EXECUTE FUNCTION hall.hall_close_check();"
	"CREATE TRIGGER hall_closes_no_change BEFORE UPDATE OR DELETE ON hall.hall_closes"
	" FOR EACH ROW EXECUTE FUNCTION hall.refuse_change();"
	"CREATE TRIGGER seals_no_change BEFORE UPDATE OR DELETE ON hall.seals"
	" FOR EACH ROW EXECUTE FUNCTION hall.refuse_change();"
	"CREATE TRIGGER ship_reports_no_change BEFORE UPDATE OR DELETE ON hall.ship_reports"
	" FOR EACH ROW EXECUTE FUNCTION hall.refuse_change();"

	/* The same key or certificate acted on at two kiosks that did not see
	 * each other's act (both offline, or a lookup skipped): a key's move
	 * that did not start from the state the move before it (at another
	 * kiosk) left, and a certificate revoked at two kiosks. Listed for the
	 * supervisors (kioskctl hall conflicts). */
	"CREATE VIEW hall.conflicts AS"
	" WITH m AS (SELECT x.*, k.hall_id,"
	"   lag(x.kiosk_id) OVER w AS p_kiosk, lag(x.to_state) OVER w AS p_to,"
	"   lag(x.seq) OVER w AS p_seq, lag(x.at_ms) OVER w AS p_ms, lag(x.reason) OVER w AS p_reason"
	"   FROM hall.key_moves x JOIN hall.kiosks k ON k.kiosk_id = x.kiosk_id"
	"   WHERE x.to_state IS NOT NULL AND x.to_state <> ''"
	"   WINDOW w AS (PARTITION BY x.key_serial ORDER BY x.at_ms, x.kiosk_id, x.seq))"
	" SELECT 'key'::text AS kind, m.key_serial AS serial, pk.hall_id AS first_hall,"
	"  m.p_kiosk AS first_kiosk, m.p_seq AS first_seq, m.p_ms AS first_ms,"
	"  m.p_reason || ' -> ' || m.p_to AS first_act, m.hall_id AS second_hall,"
	"  m.kiosk_id AS second_kiosk, m.seq AS second_seq, m.at_ms AS second_ms,"
	"  m.reason || ' ' || coalesce(m.from_state, '?') || ' -> ' || m.to_state AS second_act"
	" FROM m JOIN hall.kiosks pk ON pk.kiosk_id = m.p_kiosk"
	" WHERE m.kiosk_id <> m.p_kiosk AND m.from_state IS DISTINCT FROM m.p_to"
	" UNION ALL"
	" SELECT 'certificate', a.cert_serial, ka.hall_id, a.kiosk_id, a.seq, a.at_ms,"
	"  'revoked (' || a.reason || ')', kb.hall_id, b.kiosk_id, b.seq, b.at_ms,"
	"  'revoked (' || b.reason || ')'"
	" FROM hall.cert_revoked a JOIN hall.cert_revoked b ON b.cert_serial = a.cert_serial"
	"  AND b.kiosk_id <> a.kiosk_id AND (a.at_ms, a.kiosk_id, a.seq) < (b.at_ms, b.kiosk_id, b.seq)"
	" JOIN hall.kiosks ka ON ka.kiosk_id = a.kiosk_id JOIN hall.kiosks kb"
	"  ON kb.kiosk_id = b.kiosk_id;"

	/* Which hall a kiosk is a window of: a kiosk reads only its own row
	 * of hall.kiosks, but says where another hall retired a key. */
	"CREATE FUNCTION hall.hall_of(k text) RETURNS text LANGUAGE sql STABLE SECURITY DEFINER"
	" SET search_path = pg_catalog, pg_temp AS $$"
	" SELECT x.hall_id FROM hall.kiosks x WHERE x.kiosk_id = k $$;"

	"REVOKE ALL ON ALL TABLES IN SCHEMA hall FROM PUBLIC;"
	"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA hall FROM PUBLIC;"
	"GRANT EXECUTE ON FUNCTION hall.audit_hash(bigint, bigint, text, text, text, text, bytea),"
	" hall.json_or_null(text), hall.hall_of(text) TO hall_kiosk, hall_reader;"
	"GRANT EXECUTE ON FUNCTION hall.day_case_rows(date, text), hall.day_report(date, text)"
	" TO hall_reader;"
	"ALTER TABLE hall.ship_reports ENABLE ROW LEVEL SECURITY;"
	"ALTER TABLE hall.seals ENABLE ROW LEVEL SECURITY;"
	"CREATE POLICY ship_reports_own_add ON hall.ship_reports FOR INSERT TO hall_kiosk"
	" WITH CHECK (kiosk_id = (SELECT k.kiosk_id FROM hall.kiosks k"
	"  WHERE k.role_name = current_user));"
	"CREATE POLICY seals_own_read ON hall.seals FOR SELECT TO hall_kiosk"
	" USING (kiosk_id = (SELECT k.kiosk_id FROM hall.kiosks k WHERE k.role_name = current_user));"
	"CREATE POLICY seals_own_add ON hall.seals FOR INSERT TO hall_kiosk"
	" WITH CHECK (kiosk_id = (SELECT k.kiosk_id FROM hall.kiosks k"
	"  WHERE k.role_name = current_user));"
	"CREATE POLICY ship_reports_all ON hall.ship_reports FOR SELECT TO hall_reader USING (true);"
	"CREATE POLICY seals_all ON hall.seals FOR SELECT TO hall_reader USING (true);"
	/* A supervisor closes only a hall of its own, in its own name. */
	"ALTER TABLE hall.hall_closes ENABLE ROW LEVEL SECURITY;"
	"CREATE POLICY hall_closes_all ON hall.hall_closes FOR SELECT TO hall_reader USING (true);"
	"CREATE POLICY hall_closes_own_hall ON hall.hall_closes FOR INSERT TO hall_supervisor"
	" WITH CHECK (role_name = current_user AND EXISTS (SELECT FROM hall.supervisors s"
	"  WHERE s.role_name = current_user AND s.supervisor_id = closed_by"
	"  AND s.hall_id = hall_closes.hall_id));"
	"GRANT SELECT ON hall.kiosks, hall.halls TO hall_kiosk, hall_reader;"
	"GRANT SELECT, INSERT ON hall.audit, hall.refusals, hall.seals TO hall_kiosk;"
	"GRANT INSERT ON hall.ship_reports TO hall_kiosk;"
	"GRANT SELECT ON ALL TABLES IN SCHEMA hall TO hall_reader;"
	"GRANT INSERT ON hall.hall_closes TO hall_supervisor;"
	"GRANT SELECT ON hall.key_moves, hall.cert_issued, hall.cert_revoked, hall.key_bindings,"
	" hall.case_events, hall.keys, hall.certificates, hall.bindings, hall.cases,"
	" hall.day_cases, hall.pay_events, hall.refund_events, hall.window_closes"
	" TO hall_kiosk;";

/* v3: hall.audit partitioned (issue 15 point 7): by hall (LIST on a
 * hall_id column, filled by the kiosk's own hall: hall.my_hall(), the
 * column's default, so a kiosk's INSERT is unchanged) and within each hall
 * by civil month (RANGE on at_ms), with a default partition per hall for a
 * row whose month has no partition (a kiosk whose clock is years off).
 * hall.ensure_partitions() makes a hall's partitions for a span of months;
 * hall init keeps them a year ahead (run it monthly), kiosk-add makes a new
 * hall's. The rows already shipped are moved in; the batch trigger also
 * checks each row's hall is its kiosk's; a kiosk's hall no longer changes
 * once it has shipped. (kiosk_id, seq) stays unique by the batch trigger
 * (rows only at head + 1, under the kiosk's row lock) and is the leading
 * part of the key, so reads by kiosk and row stay an index probe. */
static const char v3_sql[] =
	"ALTER TABLE hall.audit RENAME TO audit_unpartitioned;"
	"ALTER INDEX hall.audit_pkey RENAME TO audit_unpartitioned_pkey;"
	"CREATE FUNCTION hall.my_hall() RETURNS text LANGUAGE sql STABLE AS $$"
	" SELECT k.hall_id FROM hall.kiosks k WHERE k.role_name = current_user $$;"
	"CREATE TABLE hall.audit ("
	" kiosk_id    text NOT NULL,"
	" seq         bigint NOT NULL CHECK (seq >= 1),"
	" at_ms       bigint NOT NULL,"
	" actor       text NOT NULL,"
	" action      text NOT NULL,"
	" case_no     text NOT NULL,"
	" detail      text NOT NULL,"
	" prev        bytea NOT NULL,"
	" hash        bytea NOT NULL,"
	" received_at timestamptz NOT NULL DEFAULT now(),"
	" hall_id     text NOT NULL DEFAULT hall.my_hall(),"
	" PRIMARY KEY (kiosk_id, seq, hall_id, at_ms)"
	") PARTITION BY LIST (hall_id);"

	/* A civil month's first ms (Asia/Shanghai, UTC+8). */
	"CREATE FUNCTION hall.month_ms(m date) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$"
	" SELECT (date_trunc('month', m)::date - date '1970-01-01')::bigint * 86400000 - 28800000 $$;"
	/* Hall h's partition and its months first..last; a month whose rows
	 * already went to the hall's default partition is left there. The
	 * number of partitions made. */
	"CREATE FUNCTION hall.ensure_partitions(h text, first_month date, last_month date)"
	" RETURNS integer LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$"
	" DECLARE part text := 'audit_' || h; m date := date_trunc('month', first_month)::date;"
	"  made integer := 0; name text; lo bigint; hi bigint; taken boolean;"
	" BEGIN"
	"  IF to_regclass(format('hall.%I', part)) IS NULL THEN"
	"   EXECUTE format('CREATE TABLE hall.%I PARTITION OF hall.audit FOR VALUES IN (%L)"
	" PARTITION BY RANGE (at_ms)', part, h);"
	"   EXECUTE format('CREATE TABLE hall.%I PARTITION OF hall.%I DEFAULT', part || '_other',"
	"    part);"
	"   made := made + 2;"
	"  END IF;"
	"  WHILE m <= last_month LOOP"
	"   name := part || '_' || to_char(m, 'YYYYMM');"
	"   lo := hall.month_ms(m); hi := hall.month_ms((m + interval '1 month')::date);"
	"   IF to_regclass(format('hall.%I', name)) IS NULL THEN"
	"    EXECUTE format('SELECT EXISTS (SELECT FROM hall.%I WHERE at_ms >= %s AND at_ms < %s)',"
	"     part || '_other', lo, hi) INTO taken;"
	"    IF NOT taken THEN"
	"     EXECUTE format('CREATE TABLE hall.%I PARTITION OF hall.%I FOR VALUES FROM (%s) TO (%s)',"
	"      name, part, lo, hi);"
	"     made := made + 1;"
	"    END IF;"
	"   END IF;"
	"   m := (m + interval '1 month')::date;"
	"  END LOOP;"
	"  RETURN made;"
	" END $$;"
	"SELECT hall.ensure_partitions(h.hall_id, greatest(coalesce((SELECT date '1970-01-01'"
	"  + ((min(a.at_ms) + 28800000) / 86400000)::int FROM hall.audit_unpartitioned a"
	"  JOIN hall.kiosks k ON k.kiosk_id = a.kiosk_id WHERE k.hall_id = h.hall_id),"
	"  current_date), current_date - 1095), current_date + 365) FROM hall.halls h;"
	"INSERT INTO hall.audit SELECT a.kiosk_id, a.seq, a.at_ms, a.actor, a.action, a.case_no,"
	" a.detail, a.prev, a.hash, a.received_at, k.hall_id FROM hall.audit_unpartitioned a"
	" JOIN hall.kiosks k ON k.kiosk_id = a.kiosk_id;"
	"DROP TABLE hall.audit_unpartitioned;"

	/* The batch check again, with each row's hall its kiosk's. */
	"CREATE OR REPLACE FUNCTION hall.audit_accept() RETURNS trigger LANGUAGE plpgsql"
	" SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$"
	" DECLARE b record; k record; bad record;"
	" BEGIN"
	"  FOR b IN SELECT n.kiosk_id, min(n.seq) AS lo, max(n.seq) AS hi, count(*) AS cnt,"
	"           array_agg(DISTINCT n.hall_id) AS halls"
	"           FROM new_rows n GROUP BY n.kiosk_id ORDER BY n.kiosk_id LOOP"
	"   SELECT x.head_seq, x.head_hash, x.hall_id INTO k FROM hall.kiosks x"
	"    WHERE x.kiosk_id = b.kiosk_id FOR UPDATE;"
	"   IF NOT FOUND THEN"
	"    RAISE EXCEPTION 'kiosk % is not registered at the centre', b.kiosk_id"
	"     USING ERRCODE = 'KH001';"
	"   END IF;"
	"   IF b.halls <> ARRAY[k.hall_id] THEN"
	"    RAISE EXCEPTION 'kiosk %: its rows are hall %''s, not %', b.kiosk_id, k.hall_id,"
	"     b.halls USING ERRCODE = 'KH007';"
	"   END IF;"
	"   IF b.lo <> k.head_seq + 1 THEN"
	"    RAISE EXCEPTION 'kiosk %: the rows sent start at row %, but the centre holds rows 1 to %"
	" and takes row % next: a repeat or a rewind is refused', b.kiosk_id, b.lo, k.head_seq,"
	"     k.head_seq + 1 USING ERRCODE = 'KH002';"
	"   END IF;"
	"   IF b.cnt <> b.hi - b.lo + 1 THEN"
	"    RAISE EXCEPTION 'kiosk %: rows % to % sent with a gap (% rows)', b.kiosk_id, b.lo,"
	"     b.hi, b.cnt USING ERRCODE = 'KH003';"
	"   END IF;"
	"   SELECT r.seq, r.why INTO bad FROM ("
	"     SELECT n.seq, CASE"
	"      WHEN octet_length(n.prev) <> 32 OR octet_length(n.hash) <> 32"
	"       THEN 'does not hold 32-byte hashes'"
	"      WHEN n.prev <> coalesce(lag(n.hash) OVER (ORDER BY n.seq), k.head_hash)"
	"       THEN 'does not follow the row before it: its previous hash differs (a fork)'"
	"      WHEN n.seq = 1 AND (n.action <> 'genesis' OR n.actor <> 'system'"
	"                          OR n.detail <> n.kiosk_id)"
	"       THEN 'is not this kiosk''s genesis row'"
	"      WHEN n.hash <> hall.audit_hash(n.seq, n.at_ms, n.actor, n.action, n.case_no,"
	"                                     n.detail, n.prev)"
	"       THEN 'does not match its hash'"
	"      END AS why"
	"     FROM new_rows n WHERE n.kiosk_id = b.kiosk_id) r"
	"    WHERE r.why IS NOT NULL ORDER BY r.seq LIMIT 1;"
	"   IF FOUND THEN"
	"    RAISE EXCEPTION 'kiosk %: row % %', b.kiosk_id, bad.seq, bad.why"
	"     USING ERRCODE = 'KH004';"
	"   END IF;"
	"   UPDATE hall.kiosks x SET head_seq = b.hi, shipped_at = now(),"
	"    head_hash = (SELECT n.hash FROM new_rows n WHERE n.kiosk_id = b.kiosk_id"
	"                 AND n.seq = b.hi)"
	"    WHERE x.kiosk_id = b.kiosk_id;"
	"  END LOOP;"
	"  RETURN NULL;"
	" END $$;"
	"CREATE OR REPLACE FUNCTION hall.head_only_advances() RETURNS trigger LANGUAGE plpgsql AS $$"
	" BEGIN"
	"  IF NEW.kiosk_id <> OLD.kiosk_id OR NEW.role_name <> OLD.role_name"
	"     OR NEW.head_seq < OLD.head_seq THEN"
	"   RAISE EXCEPTION 'hall.kiosks: a kiosk''s head only moves forward' USING ERRCODE = 'KH005';"
	"  END IF;"
	"  IF NEW.hall_id <> OLD.hall_id AND OLD.head_seq > 0 THEN"
	"   RAISE EXCEPTION 'hall.kiosks: kiosk % has shipped to hall %: it stays there',"
	"    OLD.kiosk_id, OLD.hall_id USING ERRCODE = 'KH005';"
	"  END IF;"
	"  RETURN NEW;"
	" END $$;"

	"CREATE TRIGGER audit_1_accept AFTER INSERT ON hall.audit"
	" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
	" EXECUTE FUNCTION hall.audit_accept();"
	"CREATE TRIGGER audit_2_registry AFTER INSERT ON hall.audit"
	" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
	" EXECUTE FUNCTION hall.registry_fill();"
	"CREATE TRIGGER audit_3_day AFTER INSERT ON hall.audit"
	" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hall.day_fill();"
	"CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON hall.audit"
	" FOR EACH ROW EXECUTE FUNCTION hall.refuse_change();"
	"CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON hall.audit"
	" FOR EACH STATEMENT EXECUTE FUNCTION hall.refuse_change();"
	"ALTER TABLE hall.audit ENABLE ROW LEVEL SECURITY;"
	"CREATE POLICY audit_own_read ON hall.audit FOR SELECT TO hall_kiosk"
	" USING (kiosk_id = (SELECT k.kiosk_id FROM hall.kiosks k WHERE k.role_name = current_user));"
	"CREATE POLICY audit_own_add ON hall.audit FOR INSERT TO hall_kiosk"
	" WITH CHECK (kiosk_id = (SELECT k.kiosk_id FROM hall.kiosks k"
	"  WHERE k.role_name = current_user));"
	"CREATE POLICY audit_all ON hall.audit FOR SELECT TO hall_reader USING (true);"
	"REVOKE ALL ON hall.audit FROM PUBLIC;"
	"REVOKE ALL ON FUNCTION hall.ensure_partitions(text, date, date) FROM PUBLIC;"
	"GRANT SELECT, INSERT ON hall.audit TO hall_kiosk;"
	"GRANT SELECT ON hall.audit TO hall_reader;"
	"GRANT EXECUTE ON FUNCTION hall.my_hall() TO hall_kiosk;";

/* The day's facts from a batch as v4 keeps them: DAY_FILL's, each with its
 * kiosk's hall and its case's day (the date in the case's number, which is
 * the day the window itself counts the case on; a number without one: the
 * row's civil day), the keys of their partitions. */
#define DAY_FILL4(J) \
	"  WITH f AS MATERIALIZED (SELECT n.kiosk_id, n.seq, n.at_ms, n.actor, n.action," \
	"    n.case_no, n.hall_id, coalesce(hall.case_day(n.case_no), " CIVIL_DAY("n.at_ms") ")" \
	"    AS case_day, CASE WHEN left(n.detail, 1) = '{' THEN " J " END AS j" \
	"    FROM new_rows n WHERE n.action IN ('case.open', 'payment.create', 'payment.update'," \
	"     'refund.approve', 'refund.state', 'day.close'))," \
	"   opened AS (INSERT INTO hall.day_cases (kiosk_id, seq, at_ms, day, case_no, service," \
	"    clerk, hall_id) SELECT f.kiosk_id, f.seq, f.at_ms, f.case_day, f.case_no," \
	"    f.j->>'service', f.actor, f.hall_id FROM f WHERE f.action = 'case.open'" \
	"    AND f.case_no <> '')," \
	"   paid AS (INSERT INTO hall.pay_events (kiosk_id, seq, at_ms, case_no, out_trade_no," \
	"    amount_fen, state, verified, case_day, hall_id) SELECT f.kiosk_id, f.seq, f.at_ms," \
	"    f.case_no, f.j->>'out_trade_no', (f.j->>'amount_fen')::numeric::bigint, f.j->>'state'," \
	"    (f.j->>'verified') = '1', f.case_day, f.hall_id FROM f" \
	"    WHERE f.action IN ('payment.create', 'payment.update')" \
	"    AND jsonb_typeof(f.j->'out_trade_no') = 'string'" \
	"    AND jsonb_typeof(f.j->'amount_fen') = 'number')," \
	"   refunded AS (INSERT INTO hall.refund_events (kiosk_id, seq, at_ms, case_no," \
	"    out_refund_no, out_trade_no, amount_fen, state, case_day, hall_id)" \
	"    SELECT f.kiosk_id, f.seq, f.at_ms, f.case_no, f.j->>'out_refund_no', f.j->>'out_trade_no'," \
	"    CASE WHEN jsonb_typeof(f.j->'amount_fen') = 'number'" \
	"    THEN (f.j->>'amount_fen')::numeric::bigint END," \
	"    CASE f.action WHEN 'refund.approve' THEN 'PENDING' ELSE f.j->>'state' END," \
	"    f.case_day, f.hall_id FROM f WHERE f.action IN ('refund.approve', 'refund.state')" \
	"    AND jsonb_typeof(f.j->'out_refund_no') = 'string')" \
	"  INSERT INTO hall.window_closes SELECT f.kiosk_id, f.seq, f.at_ms," \
	"   (f.j->>'day')::date, f.actor, f.j->>'counts', f.j->>'key_id'" \
	"   FROM f WHERE f.action = 'day.close' AND jsonb_typeof(f.j->'day') = 'string'" \
	"   AND f.j->>'day' ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$';"

/* v4: the other tables that grow with the days partitioned like hall.audit,
 * by hall and then by month (docs/deployment.md, "Partitions", says which
 * and why): the day's facts, hall.day_cases by the case's day and
 * hall.pay_events and hall.refund_events by the day of their case (its
 * number's date: a refund weeks later stays in its case's month, so the
 * report of a day reads that month's partitions only), and
 * hall.ship_reports (a row per shipment of every kiosk, every 15 s while it
 * runs: the fastest-growing table) by the month it arrived. Each gets
 * hall_id (its kiosk's hall) and the day facts case_day; the rows already
 * there are carried over (a day_cases row's day becomes its number's date,
 * which differs from the row's civil day only for a case opened in the
 * millisecond of midnight). hall.ensure_partitions() now makes every
 * partitioned table's months; the day trigger and the report read the new
 * keys. The registry's tables (hall.key_moves, cert_issued, cert_revoked,
 * key_bindings, case_events) stay whole: each is read by a key, a
 * certificate, a unit or a case across all the years and halls, which a
 * split by month would turn into a probe of every partition. */
static const char v4_sql[] =
	/* The date in a case number <kiosk>-YYYYMMDD-NNNN (db/repo/case_repo.c);
	 * NULL when it has none. Never an error (a day 31 of a short month
	 * runs into the next): what a kiosk sends must never fail a batch. */
	"CREATE FUNCTION hall.case_day(c text) RETURNS date LANGUAGE sql IMMUTABLE PARALLEL SAFE"
	" AS $$ SELECT CASE WHEN c ~ '-[0-9]{4}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])-[0-9]{4}$'"
	"  AND substr(c, length(c) - 12, 4) <> '0000'"
	"  THEN make_date(substr(c, length(c) - 12, 4)::int, substr(c, length(c) - 8, 2)::int, 1)"
	"   + (substr(c, length(c) - 6, 2)::int - 1) END $$;"
	/* A month's first value of a partition key, as SQL text: at_ms (ms,
	 * Asia/Shanghai), at (timestamptz), or a date column. */
	"CREATE FUNCTION hall.month_bound(col text, m date) RETURNS text LANGUAGE sql IMMUTABLE AS $$"
	" SELECT CASE col WHEN 'at_ms' THEN hall.month_ms(m)::text"
	"  WHEN 'at' THEN quote_literal(to_char(m, 'YYYY-MM-DD') || ' 00:00:00+08')"
	"  ELSE quote_literal(to_char(m, 'YYYY-MM-DD')) END $$;"

	"ALTER TABLE hall.day_cases RENAME TO day_cases_unpartitioned;"
	"ALTER INDEX hall.day_cases_by_day RENAME TO day_cases_unpartitioned_by_day;"
	"ALTER TABLE hall.pay_events RENAME TO pay_events_unpartitioned;"
	"ALTER INDEX hall.pay_events_by_case RENAME TO pay_events_unpartitioned_by_case;"
	"ALTER TABLE hall.refund_events RENAME TO refund_events_unpartitioned;"
	"ALTER INDEX hall.refund_events_by_case RENAME TO refund_events_unpartitioned_by_case;"
	"ALTER TABLE hall.ship_reports RENAME TO ship_reports_unpartitioned;"
	"ALTER INDEX hall.ship_reports_by_kiosk RENAME TO ship_reports_unpartitioned_by_kiosk;"

	"CREATE TABLE hall.day_cases ("
	" kiosk_id text NOT NULL, seq bigint NOT NULL, at_ms bigint NOT NULL, day date NOT NULL,"
	" case_no text NOT NULL, service text, clerk text NOT NULL, hall_id text NOT NULL"
	") PARTITION BY LIST (hall_id);"
	"CREATE INDEX day_cases_by_day ON hall.day_cases (day, kiosk_id);"
	"CREATE TABLE hall.pay_events ("
	" kiosk_id text NOT NULL, seq bigint NOT NULL, at_ms bigint NOT NULL, case_no text NOT NULL,"
	" out_trade_no text NOT NULL, amount_fen bigint NOT NULL, state text, verified boolean,"
	" case_day date NOT NULL, hall_id text NOT NULL"
	") PARTITION BY LIST (hall_id);"
	"CREATE INDEX pay_events_by_case ON hall.pay_events (case_no text_pattern_ops)"
	" INCLUDE (kiosk_id, seq, out_trade_no, amount_fen, state, verified);"
	"CREATE TABLE hall.refund_events ("
	" kiosk_id text NOT NULL, seq bigint NOT NULL, at_ms bigint NOT NULL, case_no text NOT NULL,"
	" out_refund_no text NOT NULL, out_trade_no text, amount_fen bigint, state text,"
	" case_day date NOT NULL, hall_id text NOT NULL"
	") PARTITION BY LIST (hall_id);"
	"CREATE INDEX refund_events_by_case ON hall.refund_events (case_no text_pattern_ops);"
	/* A kiosk inserts its own reports: its hall is the column's default. */
	"CREATE TABLE hall.ship_reports ("
	" kiosk_id text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp(),"
	" local_head bigint NOT NULL, central_head bigint NOT NULL,"
	" hall_id text NOT NULL DEFAULT hall.my_hall()"
	") PARTITION BY LIST (hall_id);"
	"CREATE INDEX ship_reports_by_kiosk ON hall.ship_reports (kiosk_id, at);"

	/* Hall h's partitions of every partitioned table, months first..last;
	 * a month whose rows already went to the table's default partition of
	 * the hall is left there. The number of partitions made. */
	"CREATE OR REPLACE FUNCTION hall.ensure_partitions(h text, first_month date,"
	"  last_month date) RETURNS integer LANGUAGE plpgsql"
	" SET search_path = pg_catalog, pg_temp AS $$"
	" DECLARE t record; m date; made integer := 0; part text; name text; lo text; hi text;"
	"  taken boolean;"
	" BEGIN"
	"  FOR t IN SELECT * FROM (VALUES ('audit', 'at_ms'), ('day_cases', 'day'),"
	"    ('pay_events', 'case_day'), ('refund_events', 'case_day'), ('ship_reports', 'at'))"
	"    AS v(tab, col) LOOP"
	"   part := t.tab || '_' || h;"
	"   IF to_regclass(format('hall.%I', part)) IS NULL THEN"
	"    EXECUTE format('CREATE TABLE hall.%I PARTITION OF hall.%I FOR VALUES IN (%L)"
	" PARTITION BY RANGE (%I)', part, t.tab, h, t.col);"
	"    EXECUTE format('CREATE TABLE hall.%I PARTITION OF hall.%I DEFAULT',"
	"     part || '_other', part);"
	"    made := made + 2;"
	"   END IF;"
	"   m := date_trunc('month', first_month)::date;"
	"   WHILE m <= last_month LOOP"
	"    name := part || '_' || to_char(m, 'YYYYMM');"
	"    IF to_regclass(format('hall.%I', name)) IS NULL THEN"
	"     lo := hall.month_bound(t.col, m);"
	"     hi := hall.month_bound(t.col, (m + interval '1 month')::date);"
	"     EXECUTE format('SELECT EXISTS (SELECT FROM hall.%I WHERE %I >= %s AND %I < %s)',"
	"      part || '_other', t.col, lo, t.col, hi) INTO taken;"
	"     IF NOT taken THEN"
	"      EXECUTE format('CREATE TABLE hall.%I PARTITION OF hall.%I FOR VALUES FROM (%s)"
	" TO (%s)', name, part, lo, hi);"
	"      made := made + 1;"
	"     END IF;"
	"    END IF;"
	"    m := (m + interval '1 month')::date;"
	"   END LOOP;"
	"  END LOOP;"
	"  RETURN made;"
	" END $$;"
	/* Every hall's months from the oldest row carried (at most three years
	 * back; older rows go to the defaults) to a year ahead. */
	"SELECT hall.ensure_partitions(h.hall_id, greatest(least(current_date - 365,"
	"  (SELECT min(coalesce(hall.case_day(x.case_no), x.day)) FROM hall.day_cases_unpartitioned x),"
	"  (SELECT min(coalesce(hall.case_day(x.case_no), " CIVIL_DAY("x.at_ms") "))"
	"   FROM hall.pay_events_unpartitioned x),"
	"  (SELECT min(coalesce(hall.case_day(x.case_no), " CIVIL_DAY("x.at_ms") "))"
	"   FROM hall.refund_events_unpartitioned x),"
	"  (SELECT min(x.at)::date FROM hall.ship_reports_unpartitioned x)), current_date - 1095),"
	"  current_date + 365) FROM hall.halls h;"
	"INSERT INTO hall.day_cases (kiosk_id, seq, at_ms, day, case_no, service, clerk, hall_id)"
	" SELECT x.kiosk_id, x.seq, x.at_ms, coalesce(hall.case_day(x.case_no), x.day), x.case_no,"
	" x.service, x.clerk, coalesce(k.hall_id, 'main') FROM hall.day_cases_unpartitioned x"
	" LEFT JOIN hall.kiosks k ON k.kiosk_id = x.kiosk_id;"
	"INSERT INTO hall.pay_events (kiosk_id, seq, at_ms, case_no, out_trade_no, amount_fen, state,"
	" verified, case_day, hall_id) SELECT x.kiosk_id, x.seq, x.at_ms, x.case_no, x.out_trade_no,"
	" x.amount_fen, x.state, x.verified, coalesce(hall.case_day(x.case_no), " CIVIL_DAY("x.at_ms") "),"
	" coalesce(k.hall_id, 'main') FROM hall.pay_events_unpartitioned x"
	" LEFT JOIN hall.kiosks k ON k.kiosk_id = x.kiosk_id;"
	"INSERT INTO hall.refund_events (kiosk_id, seq, at_ms, case_no, out_refund_no, out_trade_no,"
	" amount_fen, state, case_day, hall_id) SELECT x.kiosk_id, x.seq, x.at_ms, x.case_no,"
	" x.out_refund_no, x.out_trade_no, x.amount_fen, x.state,"
	" coalesce(hall.case_day(x.case_no), " CIVIL_DAY("x.at_ms") "), coalesce(k.hall_id, 'main')"
	" FROM hall.refund_events_unpartitioned x LEFT JOIN hall.kiosks k ON k.kiosk_id = x.kiosk_id;"
	"INSERT INTO hall.ship_reports (kiosk_id, at, local_head, central_head, hall_id)"
	" SELECT x.kiosk_id, x.at, x.local_head, x.central_head, coalesce(k.hall_id, 'main')"
	" FROM hall.ship_reports_unpartitioned x LEFT JOIN hall.kiosks k ON k.kiosk_id = x.kiosk_id;"
	"DROP TABLE hall.day_cases_unpartitioned, hall.pay_events_unpartitioned,"
	" hall.refund_events_unpartitioned, hall.ship_reports_unpartitioned;"

	"CREATE OR REPLACE FUNCTION hall.day_fill() RETURNS trigger LANGUAGE plpgsql"
	" SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$"
	" BEGIN"
	"  BEGIN"
	DAY_FILL4("n.detail::jsonb")
	"  EXCEPTION WHEN others THEN"
	DAY_FILL4("hall.json_or_null(n.detail)")
	"  END;"
	"  RETURN NULL;"
	" END $$;"

	/* The report as in v2, each fact table read in the day's month only
	 * (the day: its partition key) and, window by window, in that
	 * window's hall. */
	"CREATE OR REPLACE FUNCTION hall.day_case_rows(d date, h text) RETURNS TABLE (hall_id text,"
	"  kiosk_id text, case_no text, clerk text, service text, status text, due_fen bigint,"
	"  paid_fen bigint, refunded_fen bigint)"
	" LANGUAGE sql STABLE AS $$"
	" WITH o AS MATERIALIZED (SELECT c.hall_id, c.kiosk_id, c.case_no, c.clerk,"
	"   coalesce(c.service, '') AS service FROM hall.day_cases c"
	"   WHERE c.day = d AND (h IS NULL OR c.hall_id = h)),"
	"  px AS MATERIALIZED (SELECT DISTINCT o.hall_id, o.kiosk_id,"
	"   regexp_replace(o.case_no, '[0-9]+$', '') AS lo FROM o),"
	"  ev AS (SELECT x.case_no, bool_or(x.step = 'cancel') AS cancelled,"
	"   max(x.decision) FILTER (WHERE x.step = 'decision') AS decision,"
	"   bool_or(x.step = 'slip') AS slipped,"
	"   max(x.fee_fen) FILTER (WHERE x.step = 'details') AS fee_fen"
	"   FROM px CROSS JOIN LATERAL (SELECT e.case_no, e.step, e.decision, e.fee_fen"
	"    FROM hall.case_events e"
	"    WHERE e.case_no ~>=~ px.lo AND e.case_no ~<~ (px.lo || '~')"
	"    AND e.kiosk_id = px.kiosk_id OFFSET 0) x"
	"   GROUP BY x.case_no),"
	"  rf AS (SELECT DISTINCT ON (z.kiosk_id, z.out_refund_no) z.hall_id, z.kiosk_id,"
	"    z.case_no, z.out_refund_no, z.state"
	"   FROM px CROSS JOIN LATERAL (SELECT * FROM hall.refund_events e"
	"    WHERE e.case_no ~>=~ px.lo AND e.case_no ~<~ (px.lo || '~')"
	"    AND e.kiosk_id = px.kiosk_id AND e.case_day = d AND e.hall_id = px.hall_id"
	"    AND (h IS NULL OR e.hall_id = h)"
	"    OFFSET 0) z"
	"   ORDER BY z.kiosk_id, z.out_refund_no, z.seq DESC),"
	"  refd AS (SELECT a.kiosk_id, a.case_no, a.out_trade_no, a.amount_fen FROM rf"
	"   JOIN hall.refund_events a ON a.case_no = rf.case_no AND a.kiosk_id = rf.kiosk_id"
	"    AND a.out_refund_no = rf.out_refund_no AND a.amount_fen IS NOT NULL"
	"    AND a.case_day = d AND a.hall_id = rf.hall_id AND (h IS NULL OR a.hall_id = h)"
	"   WHERE rf.state = 'SUCCESS'),"
	"  pay AS (SELECT q.case_no, sum(q.amount_fen) AS paid FROM (SELECT DISTINCT ON"
	"    (y.kiosk_id, y.out_trade_no) y.kiosk_id, y.case_no, y.out_trade_no, y.amount_fen,"
	"    y.state, y.verified"
	"   FROM px CROSS JOIN LATERAL (SELECT e.kiosk_id, e.seq, e.case_no, e.out_trade_no,"
	"    e.amount_fen, e.state, e.verified FROM hall.pay_events e"
	"    WHERE e.case_no ~>=~ px.lo AND e.case_no ~<~ (px.lo || '~')"
	"    AND e.kiosk_id = px.kiosk_id AND e.case_day = d AND e.hall_id = px.hall_id"
	"    AND (h IS NULL OR e.hall_id = h)"
	"    OFFSET 0) y"
	"   ORDER BY y.kiosk_id, y.out_trade_no, y.seq DESC) q"
	"   WHERE q.state = 'SUCCESS' AND q.verified AND (q.kiosk_id, q.out_trade_no) NOT IN"
	"    (SELECT refd.kiosk_id, refd.out_trade_no FROM refd"
	"     WHERE refd.out_trade_no IS NOT NULL)"
	"   GROUP BY q.case_no),"
	"  rsum AS (SELECT refd.case_no, sum(refd.amount_fen) AS refunded FROM refd"
	"   GROUP BY refd.case_no)"
	" SELECT o.hall_id, o.kiosk_id, o.case_no, o.clerk, o.service,"
	"  CASE WHEN ev.cancelled THEN 'cancelled' WHEN ev.decision = 'refuse' THEN 'refused'"
	"   WHEN ev.decision = 'rongque' THEN 'rongque'"
	"   WHEN ev.decision = 'accept' AND ev.slipped THEN 'completed'"
	"   WHEN ev.decision = 'accept' THEN 'accepted' ELSE 'open' END,"
	"  CASE WHEN NOT coalesce(ev.cancelled, false) AND ev.decision IN ('accept', 'rongque')"
	"   THEN coalesce(ev.fee_fen, 0) ELSE 0 END,"
	"  coalesce(pay.paid, 0)::bigint, coalesce(rsum.refunded, 0)::bigint"
	" FROM o LEFT JOIN ev ON ev.case_no = o.case_no"
	" LEFT JOIN pay ON pay.case_no = o.case_no"
	" LEFT JOIN rsum ON rsum.case_no = o.case_no $$;"

	/* The report grouped, as v2's, but in PL/pgSQL: its query is planned
	 * with the day and the hall as values (a custom plan), so the planner
	 * opens only that month's partitions. A SQL function's query is planned
	 * generically, over every partition of every hall and month, then
	 * pruned when it starts: a planning cost that grows with the years. */
	"CREATE OR REPLACE FUNCTION hall.day_report(d date, h text) RETURNS TABLE (hall_id text,"
	"  kiosk_id text, clerk text, service text, status text, cases bigint, due_fen bigint,"
	"  paid_fen bigint, refunded_fen bigint)"
	" LANGUAGE plpgsql STABLE SET jit = off AS $$"
	" #variable_conflict use_column\n"
	" BEGIN"
	"  RETURN QUERY SELECT c.hall_id, c.kiosk_id, c.clerk, c.service, c.status, count(*),"
	"   sum(c.due_fen)::bigint, sum(c.paid_fen)::bigint, sum(c.refunded_fen)::bigint"
	"   FROM hall.day_case_rows(d, h) c GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5;"
	" END $$;"

	"CREATE TRIGGER ship_reports_no_change BEFORE UPDATE OR DELETE ON hall.ship_reports"
	" FOR EACH ROW EXECUTE FUNCTION hall.refuse_change();"
	"ALTER TABLE hall.ship_reports ENABLE ROW LEVEL SECURITY;"
	"CREATE POLICY ship_reports_own_add ON hall.ship_reports FOR INSERT TO hall_kiosk"
	" WITH CHECK (kiosk_id = (SELECT k.kiosk_id FROM hall.kiosks k"
	"  WHERE k.role_name = current_user));"
	"CREATE POLICY ship_reports_all ON hall.ship_reports FOR SELECT TO hall_reader USING (true);"
	"REVOKE ALL ON hall.day_cases, hall.pay_events, hall.refund_events, hall.ship_reports"
	" FROM PUBLIC;"
	"REVOKE ALL ON FUNCTION hall.case_day(text), hall.month_bound(text, date) FROM PUBLIC;"
	"GRANT EXECUTE ON FUNCTION hall.case_day(text) TO hall_reader;"
	"GRANT INSERT ON hall.ship_reports TO hall_kiosk;"
	"GRANT SELECT ON hall.day_cases, hall.pay_events, hall.refund_events TO hall_kiosk;"
	"GRANT SELECT ON hall.day_cases, hall.pay_events, hall.refund_events, hall.ship_reports"
	" TO hall_reader;";

/* The registry's facts v5 adds, from a batch (new_rows), J parsing a
 * detail: the key's PIV certificates (the "apps" of an enrolment: piv.9a
 * and piv.9c, issued with the kiosk application's certificate for the same
 * term, so its validity), and the case's later events: a correction (its
 * new values: the unit, USCC and fee of corrected details, a corrected
 * decision, "none" for a decision taken back), a 容缺 supplement and the
 * customer's rating. */
#define REGISTRY_FILL_V5(J) \
	"  WITH f AS MATERIALIZED (SELECT n.kiosk_id, n.seq, n.at_ms, n.actor, n.action," \
	"    n.case_no, CASE WHEN left(n.detail, 1) = '{' THEN " J " END AS j" \
	"    FROM new_rows n WHERE n.action IN ('token.enrolled', 'token.renewed'," \
	"     'token.reenrolled', 'case.correct', 'case.supplement', 'case.rating'))," \
	"   piv AS (INSERT INTO hall.cert_issued (kiosk_id, seq, at_ms, cert_serial, key_serial," \
	"    unit_name, uscc, not_before, not_after, case_no, app)" \
	"    SELECT f.kiosk_id, f.seq, f.at_ms, a.e->>'cert', f.j->>'serial', f.j->>'unit_name'," \
	"    f.j->>'uscc', f.j->>'not_before', f.j->>'not_after', f.case_no, a.e->>'app'" \
	"    FROM f, jsonb_array_elements(CASE WHEN jsonb_typeof(f.j->'apps') = 'array'" \
	"     THEN f.j->'apps' END) AS a(e)" \
	"    WHERE f.action LIKE 'token.%' AND jsonb_typeof(f.j->'serial') = 'string'" \
	"    AND jsonb_typeof(a.e->'cert') = 'string' AND jsonb_typeof(a.e->'app') = 'string')," \
	"   cx AS (SELECT f.*, (SELECT jsonb_object_agg(c.e->>'field', c.e->'new')" \
	"     FROM jsonb_array_elements(CASE WHEN jsonb_typeof(f.j->'changes') = 'array'" \
	"      THEN f.j->'changes' END) AS c(e) WHERE jsonb_typeof(c.e->'field') = 'string') AS ch," \
	"     CASE WHEN jsonb_typeof(f.j->'undone') = 'array' THEN f.j->'undone' @> '[\"decision\"]'" \
	"      ELSE false END AS undone_decision" \
	"    FROM f WHERE f.action = 'case.correct')" \
	"  INSERT INTO hall.case_events (kiosk_id, seq, at_ms, case_no, step, actor, service," \
	"   unit_name, uscc, decision, fee_fen, rating)" \
	"  SELECT f.kiosk_id, f.seq, f.at_ms, f.case_no, substr(f.action, 6), f.actor, NULL," \
	"   CASE WHEN f.j->>'step' = 'details' THEN cx.ch->>'unit_name' END," \
	"   CASE WHEN f.j->>'step' = 'details' THEN cx.ch->>'uscc' END," \
	"   CASE WHEN f.j->>'step' = 'decision' THEN cx.ch->>'decision'" \
	"    WHEN cx.undone_decision THEN 'none' END," \
	"   CASE WHEN f.j->>'step' = 'details' AND cx.ch->>'fee_fen' ~ '^[0-9]{1,15}$'" \
	"    THEN (cx.ch->>'fee_fen')::bigint END," \
	"   CASE WHEN f.action = 'case.rating' THEN f.j->>'level' END" \
	"  FROM f LEFT JOIN cx ON cx.kiosk_id = f.kiosk_id AND cx.seq = f.seq" \
	"  WHERE f.action LIKE 'case.%' AND f.case_no <> '';" \
	/* a corrected unit, USCC or agent moves the case's keys (those it \
	 * enrolled or bound) with it: a binding fact of source 'correct', the \
	 * corrected values over the key's last ones; run after the statements \
	 * above, so it sees the same batch's enrolments and bindings */ \
	"  INSERT INTO hall.key_bindings (kiosk_id, seq, at_ms, key_serial, uscc, unit_name," \
	"   agent_name, agent_id_no, case_no, source)" \
	"  SELECT e.kiosk_id, e.seq, e.at_ms, k.key_serial, coalesce(e.uscc, k.uscc)," \
	"   coalesce(e.unit_name, k.unit_name), coalesce(e.agent_name, k.agent_name)," \
	"   coalesce(e.agent_id_no, k.agent_id_no), e.case_no, 'correct'" \
	"  FROM (SELECT n.kiosk_id, n.seq, n.at_ms, n.case_no, x.ch->>'uscc' AS uscc," \
	"    x.ch->>'unit_name' AS unit_name, x.ch->>'agent_name' AS agent_name," \
	"    x.ch->>'agent_id_no' AS agent_id_no" \
	"    FROM new_rows n CROSS JOIN LATERAL (SELECT (SELECT jsonb_object_agg(c.e->>'field'," \
	"     c.e->'new') FROM jsonb_array_elements(CASE WHEN jsonb_typeof(j.j->'changes') = 'array'" \
	"     THEN j.j->'changes' END) AS c(e) WHERE jsonb_typeof(c.e->'field') = 'string') AS ch" \
	"     FROM (SELECT " J " AS j) j WHERE j.j->>'step' = 'details') x" \
	"    WHERE n.action = 'case.correct' AND left(n.detail, 1) = '{' AND n.case_no <> ''" \
	"    AND x.ch ?| array['uscc', 'unit_name', 'agent_name', 'agent_id_no']) e" \
	"  CROSS JOIN LATERAL (SELECT DISTINCT ON (y.key_serial) y.key_serial, y.uscc, y.unit_name," \
	"    y.agent_name, y.agent_id_no FROM (" \
	"    SELECT b.key_serial, b.uscc, b.unit_name, b.agent_name, b.agent_id_no, b.seq" \
	"     FROM hall.key_bindings b WHERE b.case_no = e.case_no AND b.kiosk_id = e.kiosk_id" \
	"     AND b.seq < e.seq" \
	"    UNION ALL SELECT i.key_serial, i.uscc, i.unit_name, NULL, NULL, i.seq" \
	"     FROM hall.cert_issued i WHERE i.case_no = e.case_no AND i.kiosk_id = e.kiosk_id" \
	"     AND i.app = 'kiosk' AND i.seq < e.seq) y" \
	"   ORDER BY y.key_serial, y.seq DESC) k;"

/* The registry's trigger function from FILL(J), a migration's facts of a
 * batch: the whole batch's details parsed at once, or, when one of them is
 * not JSON, row by row (as v1's). */
#define REGISTRY_FN(FILL) \
	"CREATE OR REPLACE FUNCTION hall.registry_fill() RETURNS trigger LANGUAGE plpgsql" \
	" SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$" \
	" BEGIN" \
	"  BEGIN" \
	FILL("n.detail::jsonb") \
	"  EXCEPTION WHEN others THEN" \
	FILL("hall.json_or_null(n.detail)") \
	"  END;" \
	"  RETURN NULL;" \
	" END $$;"
#define REGISTRY_FILL_5(J) REGISTRY_FILL(J) REGISTRY_FILL_V5(J)

/* v5: the registry takes in what it ignored (issue 15 point 4;
 * docs/deployment.md "The registry"): the keys' PIV certificates beside
 * the kiosk application's (cert_issued.app), a certificate revoked when its
 * key is retired (lost, broken, revoked) at any window even where the
 * certificate is not on record, a case's correction moving its keys to the
 * corrected unit (key_bindings.source = 'correct'), and a case's
 * corrections, supplement and rating among its events (case_events.rating)
 * so the hall's view of a case is whole; the day report replays a corrected
 * decision and a supplement as the kiosk's own report counts them. The
 * rows shipped before are derived again for the new facts (only those: the
 * facts v1 took from them are there already). */
static const char v5_sql[] =
	"ALTER TABLE hall.cert_issued ADD COLUMN app text NOT NULL DEFAULT 'kiosk';"
	"ALTER TABLE hall.key_bindings ADD COLUMN source text NOT NULL DEFAULT 'bind';"
	"ALTER TABLE hall.case_events ADD COLUMN rating text;"
	"CREATE INDEX cert_issued_by_key ON hall.cert_issued (key_serial);"
	"CREATE INDEX cert_issued_by_case ON hall.cert_issued (case_no);"
	"CREATE INDEX key_bindings_by_case ON hall.key_bindings (case_no);"
	"CREATE INDEX key_bindings_by_uscc ON hall.key_bindings (uscc);"

	REGISTRY_FN(REGISTRY_FILL_5)
	/* The rows shipped before this migration give their new facts once. */
	"CREATE TEMP VIEW new_rows AS SELECT * FROM hall.audit WHERE action IN ('token.enrolled',"
	" 'token.renewed', 'token.reenrolled', 'case.correct', 'case.supplement', 'case.rating');"
	REGISTRY_FILL_V5("hall.json_or_null(n.detail)")
	"DROP VIEW new_rows;"

	/* A certificate's revocation: its own (a revoked list), or its key
	 * retired after it was issued, wherever that happened first. */
	"CREATE OR REPLACE VIEW hall.certificates AS SELECT i.cert_serial, i.key_serial,"
	" i.unit_name, i.uscc, i.not_before, i.not_after, i.kiosk_id, i.case_no,"
	" i.at_ms AS issued_ms, r.reason AS revoke_reason, r.at_ms AS revoked_ms,"
	" r.kiosk_id AS revoked_at_kiosk, i.app"
	" FROM hall.cert_issued i LEFT JOIN LATERAL (SELECT x.reason, x.at_ms, x.kiosk_id FROM ("
	"  SELECT c.reason, c.at_ms, c.kiosk_id, c.seq FROM hall.cert_revoked c"
	"   WHERE c.cert_serial = i.cert_serial"
	"  UNION ALL SELECT m.reason, m.at_ms, m.kiosk_id, m.seq FROM hall.key_moves m"
	"   WHERE m.key_serial = i.key_serial AND m.to_state IN ('PERM_LOST', 'DAMAGED', 'TERMINATED')"
	"   AND m.at_ms >= i.at_ms) x"
	"  ORDER BY x.at_ms, x.kiosk_id, x.seq LIMIT 1) r ON true;"
	/* A key's unit: the last of its kiosk certificate's holder and its
	 * bindings (a binding, a corrected case), by the kiosks' time. */
	"CREATE VIEW hall.key_units AS SELECT DISTINCT ON (u.key_serial) u.key_serial, u.uscc,"
	" u.unit_name, u.kiosk_id, u.case_no, u.at_ms FROM ("
	"  SELECT i.key_serial, i.uscc, i.unit_name, i.kiosk_id, i.case_no, i.at_ms, i.seq"
	"   FROM hall.cert_issued i WHERE i.app = 'kiosk'"
	"  UNION ALL SELECT b.key_serial, b.uscc, b.unit_name, b.kiosk_id, b.case_no, b.at_ms, b.seq"
	"   FROM hall.key_bindings b WHERE b.uscc IS NOT NULL) u"
	" ORDER BY u.key_serial, u.at_ms DESC, u.kiosk_id, u.seq DESC;"
	"CREATE OR REPLACE VIEW hall.cases AS SELECT e.case_no, min(e.kiosk_id) AS kiosk_id,"
	" (array_agg(e.service ORDER BY e.at_ms) FILTER (WHERE e.step = 'open'))[1] AS service,"
	" (array_agg(e.unit_name ORDER BY e.at_ms DESC, e.seq DESC)"
	"  FILTER (WHERE e.step IN ('details', 'correct') AND e.unit_name IS NOT NULL))[1]"
	"  AS unit_name,"
	" (array_agg(e.uscc ORDER BY e.at_ms DESC, e.seq DESC)"
	"  FILTER (WHERE e.step IN ('details', 'correct') AND e.uscc IS NOT NULL))[1] AS uscc,"
	" (array_agg(e.step ORDER BY e.at_ms DESC, e.seq DESC))[1] AS last_step,"
	" min(e.at_ms) AS opened_ms, max(e.at_ms) AS updated_ms,"
	" count(*) FILTER (WHERE e.step = 'correct') AS corrections,"
	" bool_or(e.step = 'supplement') AS supplemented,"
	" (array_agg(e.rating ORDER BY e.at_ms DESC, e.seq DESC)"
	"  FILTER (WHERE e.step = 'rating'))[1] AS rating"
	" FROM hall.case_events e GROUP BY e.case_no;"
	/* The day's cases as the kiosk's own report counts them (db/report):
	 * a decision corrected or taken back, a 容缺 case completed by its
	 * supplement. */
	"CREATE OR REPLACE FUNCTION hall.day_case_rows(d date, h text) RETURNS TABLE (hall_id text,"
	"  kiosk_id text, case_no text, clerk text, service text, status text, due_fen bigint,"
	"  paid_fen bigint, refunded_fen bigint)"
	" LANGUAGE sql STABLE AS $$"
	" WITH o AS MATERIALIZED (SELECT c.hall_id, c.kiosk_id, c.case_no, c.clerk,"
	"   coalesce(c.service, '') AS service FROM hall.day_cases c"
	"   WHERE c.day = d AND (h IS NULL OR c.hall_id = h)),"
	"  px AS MATERIALIZED (SELECT DISTINCT o.hall_id, o.kiosk_id,"
	"   regexp_replace(o.case_no, '[0-9]+$', '') AS lo FROM o),"
	"  ev AS (SELECT x.case_no, bool_or(x.step = 'cancel') AS cancelled,"
	/* a case's decision and fee: the last recorded, a correction's
	 * included ("none": a decision taken back by a correction) */
	"   nullif((array_agg(x.decision ORDER BY x.seq DESC) FILTER (WHERE x.decision IS NOT NULL"
	"    AND x.step IN ('decision', 'correct')))[1], 'none') AS decision,"
	"   bool_or(x.step = 'slip') AS slipped, bool_or(x.step = 'supplement') AS supplemented,"
	"   (array_agg(x.fee_fen ORDER BY x.seq DESC) FILTER (WHERE x.fee_fen IS NOT NULL"
	"    AND x.step IN ('details', 'correct')))[1] AS fee_fen"
	"   FROM px CROSS JOIN LATERAL (SELECT e.case_no, e.seq, e.step, e.decision, e.fee_fen"
	"    FROM hall.case_events e"
	"    WHERE e.case_no ~>=~ px.lo AND e.case_no ~<~ (px.lo || '~')"
	"    AND e.kiosk_id = px.kiosk_id OFFSET 0) x"
	"   GROUP BY x.case_no),"
	"  rf AS (SELECT DISTINCT ON (z.kiosk_id, z.out_refund_no) z.hall_id, z.kiosk_id,"
	"    z.case_no, z.out_refund_no, z.state"
	"   FROM px CROSS JOIN LATERAL (SELECT * FROM hall.refund_events e"
	"    WHERE e.case_no ~>=~ px.lo AND e.case_no ~<~ (px.lo || '~')"
	"    AND e.kiosk_id = px.kiosk_id AND e.case_day = d AND e.hall_id = px.hall_id"
	"    AND (h IS NULL OR e.hall_id = h)"
	"    OFFSET 0) z"
	"   ORDER BY z.kiosk_id, z.out_refund_no, z.seq DESC),"
	"  refd AS (SELECT a.kiosk_id, a.case_no, a.out_trade_no, a.amount_fen FROM rf"
	"   JOIN hall.refund_events a ON a.case_no = rf.case_no AND a.kiosk_id = rf.kiosk_id"
	"    AND a.out_refund_no = rf.out_refund_no AND a.amount_fen IS NOT NULL"
	"    AND a.case_day = d AND a.hall_id = rf.hall_id AND (h IS NULL OR a.hall_id = h)"
	"   WHERE rf.state = 'SUCCESS'),"
	"  pay AS (SELECT q.case_no, sum(q.amount_fen) AS paid FROM (SELECT DISTINCT ON"
	"    (y.kiosk_id, y.out_trade_no) y.kiosk_id, y.case_no, y.out_trade_no, y.amount_fen,"
	"    y.state, y.verified"
	"   FROM px CROSS JOIN LATERAL (SELECT e.kiosk_id, e.seq, e.case_no, e.out_trade_no,"
	"    e.amount_fen, e.state, e.verified FROM hall.pay_events e"
	"    WHERE e.case_no ~>=~ px.lo AND e.case_no ~<~ (px.lo || '~')"
	"    AND e.kiosk_id = px.kiosk_id AND e.case_day = d AND e.hall_id = px.hall_id"
	"    AND (h IS NULL OR e.hall_id = h)"
	"    OFFSET 0) y"
	"   ORDER BY y.kiosk_id, y.out_trade_no, y.seq DESC) q"
	"   WHERE q.state = 'SUCCESS' AND q.verified AND (q.kiosk_id, q.out_trade_no) NOT IN"
	"    (SELECT refd.kiosk_id, refd.out_trade_no FROM refd"
	"     WHERE refd.out_trade_no IS NOT NULL)"
	"   GROUP BY q.case_no),"
	"  rsum AS (SELECT refd.case_no, sum(refd.amount_fen) AS refunded FROM refd"
	"   GROUP BY refd.case_no)"
	" SELECT o.hall_id, o.kiosk_id, o.case_no, o.clerk, o.service,"
	"  CASE WHEN ev.cancelled THEN 'cancelled' WHEN ev.decision = 'refuse' THEN 'refused'"
	"   WHEN ev.decision = 'rongque' AND ev.supplemented THEN 'completed'"
	"   WHEN ev.decision = 'rongque' THEN 'rongque'"
	"   WHEN ev.decision = 'accept' AND ev.slipped THEN 'completed'"
	"   WHEN ev.decision = 'accept' THEN 'accepted' ELSE 'open' END,"
	"  CASE WHEN NOT coalesce(ev.cancelled, false) AND ev.decision IN ('accept', 'rongque')"
	"   THEN coalesce(ev.fee_fen, 0) ELSE 0 END,"
	"  coalesce(pay.paid, 0)::bigint, coalesce(rsum.refunded, 0)::bigint"
	" FROM o LEFT JOIN ev ON ev.case_no = o.case_no"
	" LEFT JOIN pay ON pay.case_no = o.case_no"
	" LEFT JOIN rsum ON rsum.case_no = o.case_no $$;"
	/* The conflicts: as before, and a key's act that moves no state done
	 * after another kiosk retired it (a binding of a key revoked in a hall
	 * that was offline). */
	"CREATE OR REPLACE VIEW hall.conflicts AS"
	" WITH m AS (SELECT x.*, k.hall_id,"
	"   lag(x.kiosk_id) OVER w AS p_kiosk, lag(x.to_state) OVER w AS p_to,"
	"   lag(x.seq) OVER w AS p_seq, lag(x.at_ms) OVER w AS p_ms, lag(x.reason) OVER w AS p_reason"
	"   FROM hall.key_moves x JOIN hall.kiosks k ON k.kiosk_id = x.kiosk_id"
	"   WHERE x.to_state IS NOT NULL AND x.to_state <> ''"
	"   WINDOW w AS (PARTITION BY x.key_serial ORDER BY x.at_ms, x.kiosk_id, x.seq))"
	" SELECT 'key'::text AS kind, m.key_serial AS serial, pk.hall_id AS first_hall,"
	"  m.p_kiosk AS first_kiosk, m.p_seq AS first_seq, m.p_ms AS first_ms,"
	"  m.p_reason || ' -> ' || m.p_to AS first_act, m.hall_id AS second_hall,"
	"  m.kiosk_id AS second_kiosk, m.seq AS second_seq, m.at_ms AS second_ms,"
	"  m.reason || ' ' || coalesce(m.from_state, '?') || ' -> ' || m.to_state AS second_act"
	" FROM m JOIN hall.kiosks pk ON pk.kiosk_id = m.p_kiosk"
	" WHERE m.kiosk_id <> m.p_kiosk AND m.from_state IS DISTINCT FROM m.p_to"
	" UNION ALL"
	" SELECT 'certificate', a.cert_serial, ka.hall_id, a.kiosk_id, a.seq, a.at_ms,"
	"  'revoked (' || a.reason || ')', kb.hall_id, b.kiosk_id, b.seq, b.at_ms,"
	"  'revoked (' || b.reason || ')'"
	" FROM hall.cert_revoked a JOIN hall.cert_revoked b ON b.cert_serial = a.cert_serial"
	"  AND b.kiosk_id <> a.kiosk_id AND (a.at_ms, a.kiosk_id, a.seq) < (b.at_ms, b.kiosk_id, b.seq)"
	" JOIN hall.kiosks ka ON ka.kiosk_id = a.kiosk_id JOIN hall.kiosks kb"
	"  ON kb.kiosk_id = b.kiosk_id"
	/* an act that moves no state (a binding, a seal, a PIN reset) on a
	 * key another kiosk had retired before it */
	" UNION ALL"
	" SELECT 'key', a.key_serial, kr.hall_id, r.kiosk_id, r.seq, r.at_ms,"
	"  r.reason || ' -> ' || r.to_state, ka.hall_id, a.kiosk_id, a.seq, a.at_ms,"
	"  a.reason || ' of a retired key'"
	" FROM hall.key_moves a CROSS JOIN LATERAL (SELECT x.kiosk_id, x.seq, x.at_ms, x.reason,"
	"  x.to_state FROM hall.key_moves x WHERE x.key_serial = a.key_serial"
	"  AND x.kiosk_id <> a.kiosk_id AND x.to_state IN ('PERM_LOST', 'DAMAGED', 'TERMINATED')"
	"  AND x.at_ms <= a.at_ms ORDER BY x.at_ms DESC, x.kiosk_id, x.seq DESC LIMIT 1) r"
	" JOIN hall.kiosks ka ON ka.kiosk_id = a.kiosk_id"
	" JOIN hall.kiosks kr ON kr.kiosk_id = r.kiosk_id"
	" WHERE a.to_state IS NULL OR a.to_state = '';"
	"GRANT SELECT ON hall.key_units TO hall_kiosk, hall_reader;";

/* The revocations a kiosk's CA must learn from the hall (one feed row per
 * event): a certificate one kiosk issued, revoked by another (its revoked
 * list), or on a key another kiosk retired (lost, broken, revoked, a case
 * cancelled), changed (reenrolled: superseded) or erased (superseded) after
 * the certificate was issued; with the key and, when the event retired it,
 * the state it left it in. Events of the same kiosk are its own already. */
/* The pairs from the certificates I, the key moves M and the revocations R
 * (the whole tables, or a trigger's new rows and the tables): each side is
 * read by index from the other (LATERAL), so a batch costs its own rows,
 * never a scan of what the centre holds. */
#define CA_FEED_ISSUED_SIDE(I, M, R) \
	" SELECT i.kiosk_id, i.cert_serial, CASE WHEN m.reason IN ('reenrolled', 'erased')" \
	"  THEN 'superseded' ELSE m.reason END, m.at_ms, m.kiosk_id, m.seq, i.key_serial," \
	"  CASE WHEN m.to_state IN ('PERM_LOST', 'DAMAGED', 'TERMINATED') THEN m.to_state END" \
	" FROM " I " i CROSS JOIN LATERAL (SELECT x.* FROM " M " x" \
	"  WHERE x.key_serial = i.key_serial AND x.kiosk_id <> i.kiosk_id AND x.at_ms >= i.at_ms" \
	"  AND (x.to_state IN ('PERM_LOST', 'DAMAGED', 'TERMINATED')" \
	"   OR x.reason IN ('reenrolled', 'erased'))) m" \
	" UNION ALL SELECT i.kiosk_id, i.cert_serial, r.reason, r.at_ms, r.kiosk_id, r.seq," \
	"  i.key_serial, NULL" \
	" FROM " I " i CROSS JOIN LATERAL (SELECT x.* FROM " R " x" \
	"  WHERE x.cert_serial = i.cert_serial AND x.kiosk_id <> i.kiosk_id) r"
/* the same pairs found from new key moves (only those that retire, change
 * or erase a key: a few in a batch) */
#define CA_FEED_MOVED_SIDE \
	" SELECT i.kiosk_id, i.cert_serial, CASE WHEN m.reason IN ('reenrolled', 'erased')" \
	"  THEN 'superseded' ELSE m.reason END, m.at_ms, m.kiosk_id, m.seq, i.key_serial," \
	"  CASE WHEN m.to_state IN ('PERM_LOST', 'DAMAGED', 'TERMINATED') THEN m.to_state END" \
	" FROM new_moves m CROSS JOIN LATERAL (SELECT x.* FROM hall.cert_issued x" \
	"  WHERE x.key_serial = m.key_serial AND x.kiosk_id <> m.kiosk_id AND x.at_ms <= m.at_ms) i" \
	" WHERE m.to_state IN ('PERM_LOST', 'DAMAGED', 'TERMINATED')" \
	"  OR m.reason IN ('reenrolled', 'erased')"
/* ... and from new revocations */
#define CA_FEED_REVOKED_SIDE \
	" SELECT i.kiosk_id, i.cert_serial, r.reason, r.at_ms, r.kiosk_id, r.seq, i.key_serial, NULL" \
	" FROM new_revoked r CROSS JOIN LATERAL (SELECT x.* FROM hall.cert_issued x" \
	"  WHERE x.cert_serial = r.cert_serial AND x.kiosk_id <> r.kiosk_id) i"

#define CA_FEED_INSERT \
	"INSERT INTO hall.ca_feed (issuer_kiosk, cert_serial, reason, at_ms, by_kiosk, by_seq," \
	" key_serial, key_state)"

/* Two kiosks' batches committing at once would each miss the other's half
 * of a pair. So the new certificates' side holds the feed's lock shared
 * (batches of certificates never wait for each other) and the rare side,
 * new retirements and revocations, holds it exclusive: whichever comes
 * second waits for the first to commit, then reads it (READ COMMITTED: a
 * snapshot per statement). WHEN, read after the lock: whether the new rows
 * can make a pair at all (most batches cannot: no insert). */
#define CA_FEED_FUNCTION(NAME, LOCK, WHEN, PAIRS) \
	"CREATE FUNCTION hall." NAME "() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER" \
	" SET search_path = pg_catalog, pg_temp AS $$" \
	" BEGIN" \
	"  PERFORM " LOCK "(hashtext('hall.ca_feed'));" \
	"  IF " WHEN " THEN" \
	"   " CA_FEED_INSERT PAIRS ";" \
	"  END IF;" \
	"  RETURN NULL;" \
	" END $$;"

/* v6: the hall tells each window's CA of the revocations made elsewhere
 * (issue 15, docs/ca.md "Revocations from the hall"): hall.ca_feed, filled
 * as the rows arrive (whichever half of a pair arrives second makes it)
 * and from what the centre holds, read by each kiosk for its own
 * certificates only (row-level security). */
static const char v6_sql[] =
	"CREATE TABLE hall.ca_feed ("
	" id bigserial PRIMARY KEY, issuer_kiosk text NOT NULL, cert_serial text NOT NULL,"
	" reason text NOT NULL, at_ms bigint NOT NULL, by_kiosk text NOT NULL,"
	" by_seq bigint NOT NULL, key_serial text NOT NULL, key_state text);"
	"CREATE INDEX ca_feed_by_issuer ON hall.ca_feed (issuer_kiosk, at_ms);"
	"CREATE TRIGGER ca_feed_no_change BEFORE UPDATE OR DELETE ON hall.ca_feed"
	" FOR EACH ROW EXECUTE FUNCTION hall.refuse_change();"
	/* a certificate arriving after its key was retired elsewhere (both
	 * offline): only when such a move or revocation exists at all */
	CA_FEED_FUNCTION("ca_feed_issued", "pg_advisory_xact_lock_shared",
			 "EXISTS (SELECT FROM new_issued n WHERE EXISTS (SELECT FROM hall.key_moves x"
			 " WHERE x.key_serial = n.key_serial AND x.kiosk_id <> n.kiosk_id"
			 " AND x.at_ms >= n.at_ms AND (x.to_state IN ('PERM_LOST', 'DAMAGED', 'TERMINATED')"
			 " OR x.reason IN ('reenrolled', 'erased')))"
			 " OR EXISTS (SELECT FROM hall.cert_revoked x WHERE x.cert_serial = n.cert_serial"
			 " AND x.kiosk_id <> n.kiosk_id))",
			 CA_FEED_ISSUED_SIDE("new_issued", "hall.key_moves", "hall.cert_revoked"))
	CA_FEED_FUNCTION("ca_feed_moved", "pg_advisory_xact_lock",
			 "EXISTS (SELECT FROM new_moves m WHERE m.to_state IN ('PERM_LOST', 'DAMAGED',"
			 " 'TERMINATED') OR m.reason IN ('reenrolled', 'erased'))",
			 CA_FEED_MOVED_SIDE)
	CA_FEED_FUNCTION("ca_feed_revoked", "pg_advisory_xact_lock", "EXISTS (SELECT FROM new_revoked)",
			 CA_FEED_REVOKED_SIDE)
	"CREATE TRIGGER ca_feed_issued AFTER INSERT ON hall.cert_issued"
	" REFERENCING NEW TABLE AS new_issued FOR EACH STATEMENT"
	" EXECUTE FUNCTION hall.ca_feed_issued();"
	"CREATE TRIGGER ca_feed_moved AFTER INSERT ON hall.key_moves"
	" REFERENCING NEW TABLE AS new_moves FOR EACH STATEMENT"
	" EXECUTE FUNCTION hall.ca_feed_moved();"
	"CREATE TRIGGER ca_feed_revoked AFTER INSERT ON hall.cert_revoked"
	" REFERENCING NEW TABLE AS new_revoked FOR EACH STATEMENT"
	" EXECUTE FUNCTION hall.ca_feed_revoked();"
	/* what the centre holds already */
	CA_FEED_INSERT CA_FEED_ISSUED_SIDE("hall.cert_issued", "hall.key_moves", "hall.cert_revoked") ";"
	"ALTER TABLE hall.ca_feed ENABLE ROW LEVEL SECURITY;"
	"CREATE POLICY ca_feed_own_read ON hall.ca_feed FOR SELECT TO hall_kiosk"
	" USING (issuer_kiosk = (SELECT k.kiosk_id FROM hall.kiosks k"
	"  WHERE k.role_name = current_user));"
	"CREATE POLICY ca_feed_all ON hall.ca_feed FOR SELECT TO hall_reader USING (true);"
	"GRANT SELECT ON hall.ca_feed TO hall_kiosk, hall_reader;";

/* What a token.bind row says it saw (db/repo/token_repo.h, token_seen):
 * key_bindings' source, seen and seen_from, from the detail f.j. */
#define REGISTRY_SEEN \
	", 'bind', CASE WHEN jsonb_typeof(f.j->'seen') = 'string' THEN f.j->>'seen' END," \
	" CASE WHEN jsonb_typeof(f.j->'seen_from') = 'string' THEN f.j->>'seen_from' END"
#define REGISTRY_FILL_7(J) REGISTRY_FILL_SEEN(J, REGISTRY_SEEN) REGISTRY_FILL_V5(J)

/* v7: a binding made blind (issue 15 point 4; docs/deployment.md,
 * "Conflicts"). A kiosk's token.bind row says which binding the clerk saw
 * as the key's current one ("seen": "KIOSK:SEQ", the row that made it, or
 * "none"; "seen_from": "hall" or "local"); the registry keeps it in
 * key_bindings (NULL: a row of a kiosk from before, or a correction's), the
 * rows already shipped give it once, and hall.conflicts lists a binding
 * whose seen is not the binding the centre holds just before it, made at
 * another kiosk: two halls that bound the same key offline, the later
 * without knowing the earlier. A row that says nothing is never judged
 * (it may well have been made online); it is still the binding before the
 * next one. The conflicts the view listed stay as they were: the view is
 * kept, renamed hall.conflicts_acts, and hall.conflicts is it and the
 * bindings' kind. */
static const char v7_sql[] =
	"ALTER TABLE hall.key_bindings ADD COLUMN seen text, ADD COLUMN seen_from text;"
	REGISTRY_FN(REGISTRY_FILL_7)
	/* the bindings shipped before this migration: what they say they saw */
	"UPDATE hall.key_bindings b SET"
	" seen = CASE WHEN jsonb_typeof(x.j->'seen') = 'string' THEN x.j->>'seen' END,"
	" seen_from = CASE WHEN jsonb_typeof(x.j->'seen_from') = 'string' THEN x.j->>'seen_from' END"
	" FROM (SELECT a.kiosk_id, a.seq, hall.json_or_null(a.detail) AS j FROM hall.audit a"
	"  WHERE a.action = 'token.bind' AND left(a.detail, 1) = '{'"
	"  AND strpos(a.detail, '\"seen\"') > 0) x"
	" WHERE b.source = 'bind' AND b.kiosk_id = x.kiosk_id AND b.seq = x.seq;"
	"ALTER VIEW hall.conflicts RENAME TO conflicts_acts;"
	"CREATE VIEW hall.conflicts AS SELECT * FROM hall.conflicts_acts"
	" UNION ALL"
	" SELECT 'binding', b.key_serial, kp.hall_id, b.p_kiosk, b.p_seq, b.p_ms,"
	"  CASE b.p_source WHEN 'correct' THEN 'corrected to ' ELSE 'bound to ' END"
	"  || coalesce(b.p_uscc, '?') || ' (' || coalesce(nullif(b.p_agent, ''), '-') || ')',"
	"  kb.hall_id, b.kiosk_id, b.seq, b.at_ms,"
	"  'bound to ' || coalesce(b.uscc, '?') || ' (' || coalesce(nullif(b.agent_name, ''), '-')"
	"  || '), having seen ' || CASE b.seen WHEN 'none' THEN 'no binding' ELSE b.seen END"
	"  || ' (' || coalesce(b.seen_from, '?') || ')'"
	" FROM (SELECT x.*, lag(x.kiosk_id) OVER w AS p_kiosk, lag(x.seq) OVER w AS p_seq,"
	"   lag(x.at_ms) OVER w AS p_ms, lag(x.uscc) OVER w AS p_uscc,"
	"   lag(x.agent_name) OVER w AS p_agent, lag(x.source) OVER w AS p_source"
	"   FROM hall.key_bindings x"
	"   WINDOW w AS (PARTITION BY x.key_serial ORDER BY x.at_ms, x.kiosk_id, x.seq)) b"
	" JOIN hall.kiosks kp ON kp.kiosk_id = b.p_kiosk"
	" JOIN hall.kiosks kb ON kb.kiosk_id = b.kiosk_id"
	" WHERE b.source = 'bind' AND b.seen IS NOT NULL AND b.kiosk_id <> b.p_kiosk"
	" AND b.seen <> b.p_kiosk || ':' || b.p_seq;"
	"REVOKE ALL ON hall.conflicts FROM PUBLIC;"
	"GRANT SELECT ON hall.conflicts TO hall_reader;";

static const char *const migrations[HALL_SCHEMA_VERSION] = { v1_sql, v2_sql, v3_sql, v4_sql, v5_sql,
							      v6_sql, v7_sql };

/* The version recorded, inside the caller's transaction (the table exists). */
static int version_now(hall *h, kerr *err)
{
	PGresult *r = hall_exec(h, "SELECT coalesce(max(version), 0) FROM hall.migrations",
				PGRES_TUPLES_OK, "reading the central schema's version", err);
	if (!r)
		return -1;
	int v = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return v;
}

int hall_version(hall *h, kerr *err)
{
	PGresult *r = hall_exec(h, "SELECT to_regclass('hall.migrations') IS NOT NULL",
				PGRES_TUPLES_OK, "looking for the central schema", err);
	if (!r)
		return -1;
	bool there = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
	PQclear(r);
	return there ? version_now(h, err) : 0;
}

/* The server must hash text as the kiosk does: UTF-8, and sha256() (11+). */
static int check_server(hall *h, kerr *err)
{
	PGresult *r = hall_exec(h,
				"SELECT current_setting('server_version_num')::int,"
				" current_setting('server_encoding')",
				PGRES_TUPLES_OK, "asking the server's version", err);
	if (!r)
		return -1;
	int num = atoi(PQgetvalue(r, 0, 0));
	char enc[32];
	snprintf(enc, sizeof enc, "%s", PQgetvalue(r, 0, 1));
	PQclear(r);
	if (num < 110000)
		return kerr_set(err, "hall", "the central store runs PostgreSQL %d.%d: version 11 "
				"or later is needed (Debian 12 ships 15)", num / 10000, num % 100);
	if (strcmp(enc, "UTF8") != 0)
		return kerr_set(err, "hall", "the central database is encoded %s: create it with "
				"ENCODING 'UTF8' (createdb -E UTF8 -T template0)", enc);
	return 0;
}

int hall_init(hall *h, int *from, int *to, kerr *err)
{
	return hall_init_to(h, HALL_SCHEMA_VERSION, from, to, err);
}

int hall_init_to(hall *h, int target, int *from, int *to, kerr *err)
{
	*from = *to = -1;
	if (target < 1 || target > HALL_SCHEMA_VERSION)
		return kerr_set(err, "hall", "there is no central schema version %d: this program "
				"knows versions 1 to %d", target, HALL_SCHEMA_VERSION);
	if (check_server(h, err))
		return -1;
	if (hall_run(h, "BEGIN", "starting the central schema", err) ||
	    hall_run(h, "SELECT pg_advisory_xact_lock(x'" HALL_LOCK "'::bigint)",
		     "locking the central schema", err) ||
	    hall_run(h, bootstrap_sql, "creating the hall schema", err))
		goto fail;
	int v = version_now(h, err);
	if (v < 0 || hall_run(h, "COMMIT", "creating the hall schema", err))
		goto fail;
	if (v > HALL_SCHEMA_VERSION)
		return kerr_set(err, "hall", "the central schema is at version %d, newer than this "
				"program's %d: upgrade kioskctl", v, HALL_SCHEMA_VERSION);
	if (v > target)
		return kerr_set(err, "hall", "the central schema is at version %d, past %d: a "
				"migration is never undone", v, target);
	*from = v;
	for (int next = v + 1; next <= target; next++) {
		char what[64];
		snprintf(what, sizeof what, "central migration %d", next);
		if (hall_run(h, "BEGIN", what, err) ||
		    hall_run(h, "SELECT pg_advisory_xact_lock(x'" HALL_LOCK "'::bigint)", what, err))
			goto fail;
		int cur = version_now(h, err);
		if (cur < 0)
			goto fail;
		if (cur < next) { /* another init may have run it meanwhile */
			char ins[96];
			snprintf(ins, sizeof ins, "INSERT INTO hall.migrations (version) VALUES (%d)",
				 next);
			if (hall_run(h, migrations[next - 1], what, err) ||
			    hall_run(h, ins, what, err))
				goto fail;
		}
		if (hall_run(h, "COMMIT", what, err))
			goto fail;
	}
	*to = target;
	/* Every hall's months from a year back to a year ahead (run init monthly;
	 * partitions exist from version 3 on). */
	if (target >= 3 && hall_run(h, "SELECT hall.ensure_partitions(hall_id, current_date - 365, current_date + 365)"
		     " FROM hall.halls", "making the months' partitions", err))
		goto fail;
	return 0;
fail:
	hall_rollback(h);
	return -1;
}

bool hall_id_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 1 || n > 24)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

int hall_kiosk_add(hall *h, const char *kiosk_id, kerr *err)
{
	return hall_kiosk_add_to(h, kiosk_id, NULL, err);
}

int hall_kiosk_add_to(hall *h, const char *kiosk_id, const char *hall_id, kerr *err)
{
	if (!hall_id)
		hall_id = "main";
	if (!hall_id_valid(hall_id))
		return kerr_set(err, "hall", "'%s' is not a hall id (1-24 of A-Z a-z 0-9 _ -)",
				hall_id);
	if (!db_kiosk_id_valid(kiosk_id))
		return kerr_set(err, "hall", "'%s' is not a kiosk id (1-%d of A-Z a-z 0-9 _ -)",
				kiosk_id ? kiosk_id : "", DB_KIOSK_ID_MAX);
	char role[72];
	snprintf(role, sizeof role, "kiosk_%s", kiosk_id);
	char *ident = PQescapeIdentifier(h->c, role, strlen(role));
	if (!ident)
		return hall_err(h, NULL, "quoting the kiosk's role", err);
	char create[256];
	snprintf(create, sizeof create,
		 "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%s') THEN"
		 " CREATE ROLE %s LOGIN IN ROLE hall_kiosk; END IF; END $$",
		 role, ident); /* role: [A-Za-z0-9_-] only, checked above */
	PQfreemem(ident);
	const char *params[3] = { kiosk_id, role, hall_id };
	int added = 0;
	PGresult *r = NULL;
	/* the halls and their partitions (migration 3) are what it needs: a
	 * centre upgraded in stages takes its kiosks from there */
	if (hall_version(h, err) < 3) {
		if (!err->msg[0])
			kerr_set(err, "hall", "the central store has no hall schema yet: run kioskctl "
				 "hall init --central CONNINFO first");
		return -1;
	}
	if (hall_run(h, "BEGIN", "registering the kiosk", err) ||
	    hall_run(h, "SELECT pg_advisory_xact_lock(x'" HALL_LOCK "'::bigint)",
		     "registering the kiosk", err) ||
	    hall_run(h, create, "creating the kiosk's role", err))
		goto fail;
	r = hall_execp(h, "INSERT INTO hall.halls (hall_id) VALUES ($1) ON CONFLICT DO NOTHING",
		       1, params + 2, PGRES_COMMAND_OK, "registering the hall", err);
	if (!r)
		goto fail;
	PQclear(r);
	r = hall_execp(h,
		       "INSERT INTO hall.kiosks (kiosk_id, role_name, hall_id) VALUES ($1, $2, $3)"
		       " ON CONFLICT (kiosk_id) DO NOTHING",
		       3, params, PGRES_COMMAND_OK, "registering the kiosk", err);
	if (!r)
		goto fail;
	added = atoi(PQcmdTuples(r));
	PQclear(r);
	r = hall_execp(h, "SELECT hall.ensure_partitions($1, current_date - 365, current_date + 365)", 1,
		       params + 2, PGRES_TUPLES_OK, "making the hall's partitions", err);
	if (!r)
		goto fail;
	PQclear(r);
	if (!added) {
		r = hall_execp(h, "SELECT hall_id FROM hall.kiosks WHERE kiosk_id = $1", 1, params,
			       PGRES_TUPLES_OK, "registering the kiosk", err);
		if (!r)
			goto fail;
		bool same = PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0), hall_id) == 0;
		if (!same)
			kerr_set(err, "hall", "kiosk %s is a window of hall %s, not %s: a kiosk "
				 "belongs to one hall (register a new kiosk id there)", kiosk_id,
				 PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "?", hall_id);
		PQclear(r);
		if (!same)
			goto fail;
	}
	if (hall_run(h, "COMMIT", "registering the kiosk", err))
		goto fail;
	return added ? 0 : 1;
fail:
	hall_rollback(h);
	return -1;
}

int hall_kiosks(hall *h, hall_kiosk_state **out, size_t *n, kerr *err)
{
	*out = NULL;
	*n = 0;
	PGresult *r = hall_exec(
		h,
		"SELECT k.kiosk_id, k.role_name, k.head_seq, encode(k.head_hash, 'hex'),"
		" coalesce(to_char(k.shipped_at AT TIME ZONE 'UTC',"
		"  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''),"
		" (SELECT count(*) FROM hall.refusals f WHERE f.kiosk_id = k.kiosk_id), k.hall_id"
		" FROM hall.kiosks k ORDER BY k.kiosk_id",
		PGRES_TUPLES_OK, "reading the kiosks", err);
	if (!r)
		return -1;
	int rows = PQntuples(r);
	hall_kiosk_state *v = calloc(rows ? (size_t)rows : 1, sizeof *v);
	if (!v) {
		PQclear(r);
		return kerr_set(err, "hall", "out of memory");
	}
	for (int i = 0; i < rows; i++) {
		snprintf(v[i].kiosk_id, sizeof v[i].kiosk_id, "%s", PQgetvalue(r, i, 0));
		snprintf(v[i].role, sizeof v[i].role, "%s", PQgetvalue(r, i, 1));
		v[i].head_seq = strtoll(PQgetvalue(r, i, 2), NULL, 10);
		audit_unhex(PQgetvalue(r, i, 3), v[i].head_hash);
		snprintf(v[i].shipped_at, sizeof v[i].shipped_at, "%s", PQgetvalue(r, i, 4));
		v[i].refusals = strtoll(PQgetvalue(r, i, 5), NULL, 10);
		snprintf(v[i].hall_id, sizeof v[i].hall_id, "%s", PQgetvalue(r, i, 6));
	}
	PQclear(r);
	*out = v;
	*n = (size_t)rows;
	return 0;
}
