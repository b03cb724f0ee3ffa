/* migrate: the schema, as numbered migrations. Each runs in its own
 * BEGIN IMMEDIATE transaction that also sets PRAGMA user_version and appends a
 * "schema.migrate" audit row, so a file is always at exactly one version and
 * a crash mid-migration leaves the previous one. A migration's SQL never
 * changes once shipped: a new table or column is a new migration (and a line
 * in docs/schema.md). Enum CHECK lists spell out the *_name() values of
 * core/ (casefsm.h, staff.h); test_migrate checks they agree. */
#include "db/migrate.h"

#include <stdio.h>

#include "core/base/clock.h"
#include "db/audit_log.h"
#include "db/ledger.h"
#include "db/store.h"

/* v1: the kiosk's identity, staff, cases with their steps and material
 * decisions, and the hash-chained audit log with its head. */
static const char v1_sql[] =
	"CREATE TABLE meta ("
	" key   TEXT PRIMARY KEY,"
	" value TEXT NOT NULL"
	") STRICT;"
	"CREATE TRIGGER meta_kiosk_id_no_update BEFORE UPDATE ON meta WHEN OLD.key = 'kiosk_id'"
	" BEGIN SELECT RAISE(ABORT, 'the kiosk id of a database never changes'); END;"
	"CREATE TRIGGER meta_kiosk_id_no_delete BEFORE DELETE ON meta WHEN OLD.key = 'kiosk_id'"
	" BEGIN SELECT RAISE(ABORT, 'the kiosk id of a database never changes'); END;"

	"CREATE TABLE staff ("
	" id              TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 32),"
	" name            TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 32),"
	" role            TEXT NOT NULL CHECK (role IN ('clerk', 'supervisor', 'trainer')),"
	" pin_hash        TEXT NOT NULL CHECK (length(pin_hash) > 0),"
	" failures        INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),"
	" locked_until_ms INTEGER NOT NULL DEFAULT 0 CHECK (locked_until_ms >= 0),"
	" active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),"
	" created_ms      INTEGER NOT NULL,"
	" updated_ms      INTEGER NOT NULL"
	") STRICT;"

	"CREATE TABLE cases ("
	" id               INTEGER PRIMARY KEY,"
	" case_no          TEXT NOT NULL UNIQUE CHECK (length(case_no) BETWEEN 1 AND 39),"
	" kiosk_id         TEXT NOT NULL,"
	" day              INTEGER NOT NULL,"
	" day_seq          INTEGER NOT NULL CHECK (day_seq BETWEEN 1 AND 9999),"
	" service_id       TEXT NOT NULL CHECK (length(service_id) BETWEEN 1 AND 39),"
	" clerk_id         TEXT NOT NULL REFERENCES staff(id),"
	" status           TEXT NOT NULL DEFAULT 'open' CHECK (status IN"
	"  ('open', 'accepted', 'rongque', 'refused', 'completed', 'cancelled')),"
	" last_step        TEXT NOT NULL DEFAULT 'none' CHECK (last_step IN ('none',"
	"  'details', 'materials', 'decision', 'approval', 'token', 'payment', 'slip')),"
	" decision         TEXT NOT NULL DEFAULT 'none' CHECK (decision IN"
	"  ('none', 'accept', 'rongque', 'refuse')),"
	" finished         INTEGER NOT NULL DEFAULT 0 CHECK (finished IN (0, 1)),"
	" unit_name        TEXT NOT NULL DEFAULT '' CHECK (length(CAST(unit_name AS BLOB)) <= 255),"
	" uscc             TEXT NOT NULL DEFAULT '' CHECK (length(CAST(uscc AS BLOB)) <= 18),"
	" agent_name       TEXT NOT NULL DEFAULT '' CHECK (length(CAST(agent_name AS BLOB)) <= 96),"
	" agent_id_no      TEXT NOT NULL DEFAULT '' CHECK (length(CAST(agent_id_no AS BLOB)) <= 18),"
	" agent_mobile     TEXT NOT NULL DEFAULT '' CHECK (length(CAST(agent_mobile AS BLOB)) <= 11),"
	" holder           TEXT NOT NULL DEFAULT '' CHECK (length(CAST(holder AS BLOB)) <= 16),"
	" years            INTEGER NOT NULL DEFAULT 0 CHECK (years BETWEEN 0 AND 99),"
	" seals            INTEGER NOT NULL DEFAULT 0 CHECK (seals BETWEEN 0 AND 99),"
	" fee_fen          INTEGER NOT NULL DEFAULT 0 CHECK (fee_fen >= 0),"
	" rongque_deadline INTEGER,"
	" created_ms       INTEGER NOT NULL,"
	" updated_ms       INTEGER NOT NULL,"
	" UNIQUE (kiosk_id, day, day_seq),"
	" CHECK ((decision = 'rongque') = (rongque_deadline IS NOT NULL))"
	") STRICT;"
	"CREATE INDEX cases_unfinished_by_clerk ON cases(clerk_id, finished, created_ms);"

	"CREATE TABLE case_steps ("
	" id      INTEGER PRIMARY KEY,"
	" case_id INTEGER NOT NULL REFERENCES cases(id),"
	" step    TEXT NOT NULL CHECK (step IN"
	"  ('details', 'materials', 'decision', 'approval', 'token', 'payment', 'slip')),"
	" actor   TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 39),"
	" at_ms   INTEGER NOT NULL,"
	" detail  TEXT NOT NULL DEFAULT '',"
	" UNIQUE (case_id, step)"
	") STRICT;"

	"CREATE TABLE material_decisions ("
	" case_id     INTEGER NOT NULL REFERENCES cases(id),"
	" material_id TEXT NOT NULL CHECK (length(material_id) BETWEEN 1 AND 63),"
	" mark        TEXT NOT NULL CHECK (mark IN ('received', 'missing', 'defective')),"
	" reason      TEXT NOT NULL DEFAULT '',"
	" essential   INTEGER NOT NULL CHECK (essential IN (0, 1)),"
	" PRIMARY KEY (case_id, material_id),"
	" CHECK ((mark = 'defective') = (reason <> ''))"
	") STRICT;"

	"CREATE TABLE audit ("
	" seq     INTEGER PRIMARY KEY CHECK (seq >= 1),"
	" at_ms   INTEGER NOT NULL,"
	" actor   TEXT NOT NULL CHECK (length(CAST(actor AS BLOB)) BETWEEN 1 AND 39),"
	" action  TEXT NOT NULL CHECK (length(CAST(action AS BLOB)) BETWEEN 1 AND 47),"
	" case_no TEXT NOT NULL DEFAULT '' CHECK (length(CAST(case_no AS BLOB)) <= 47),"
	" detail  TEXT NOT NULL DEFAULT '',"
	" prev    BLOB NOT NULL CHECK (length(prev) = 32),"
	" hash    BLOB NOT NULL CHECK (length(hash) = 32)"
	") STRICT;"
	"CREATE INDEX audit_by_case ON audit(case_no) WHERE case_no <> '';"
	"CREATE TABLE audit_head ("
	" id   INTEGER PRIMARY KEY CHECK (id = 1),"
	" seq  INTEGER NOT NULL CHECK (seq >= 0),"
	" hash BLOB NOT NULL CHECK (length(hash) = 32)"
	") STRICT;"
	/* The database itself keeps the log append-only and the chain linked;
	 * audit_verify() catches what is done with these triggers dropped. */
	"CREATE TRIGGER audit_insert_at_head BEFORE INSERT ON audit"
	" WHEN NEW.seq IS NOT (SELECT seq + 1 FROM audit_head WHERE id = 1)"
	"  OR NEW.prev IS NOT (SELECT hash FROM audit_head WHERE id = 1)"
	" BEGIN SELECT RAISE(ABORT, 'audit rows are only appended after the head'); END;"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: rows cannot be changed'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: rows cannot be deleted'); END;"
	"CREATE TRIGGER audit_head_advance AFTER INSERT ON audit"
	" BEGIN UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1; END;"
	"CREATE TRIGGER audit_head_single BEFORE INSERT ON audit_head"
	" WHEN (SELECT count(*) FROM audit_head) > 0"
	" BEGIN SELECT RAISE(ABORT, 'the audit head is a single row'); END;"
	"CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head"
	" BEGIN SELECT RAISE(ABORT, 'the audit head cannot be deleted'); END;"
	"CREATE TRIGGER audit_head_only_advances BEFORE UPDATE ON audit_head"
	" WHEN NEW.id IS NOT OLD.id OR NEW.seq IS NOT OLD.seq + 1"
	"  OR NEW.hash IS NOT (SELECT hash FROM audit WHERE seq = NEW.seq)"
	" BEGIN SELECT RAISE(ABORT, 'the audit head only moves to the row just appended'); END;"
	"INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, zeroblob(32));";

/* v2: the keys (tokens) with their lifecycle, payments, and the indexes the
 * daily report reads through. */
static const char v2_sql[] =
	"CREATE TABLE tokens ("
	" id                 INTEGER PRIMARY KEY,"
	" serial             TEXT NOT NULL UNIQUE CHECK (length(serial) BETWEEN 1 AND 64),"
	" state              TEXT NOT NULL DEFAULT 'UNFORMATTED' CHECK (state IN ('UNFORMATTED',"
	"  'FORMATTED', 'ACTIVE', 'SUSPENDED', 'DAMAGED', 'PERM_LOST', 'TERMINATED')),"
	" reason             TEXT NOT NULL DEFAULT '',"
	" unit_name          TEXT NOT NULL DEFAULT '' CHECK (length(CAST(unit_name AS BLOB)) <= 255),"
	" uscc               TEXT NOT NULL DEFAULT '' CHECK (length(CAST(uscc AS BLOB)) <= 18),"
	" cert_serial        TEXT NOT NULL DEFAULT '' CHECK (length(cert_serial) <= 64),"
	" cert_not_before_ms INTEGER,"
	" cert_not_after_ms  INTEGER,"
	" seal_not_after_ms  INTEGER,"
	" case_id            INTEGER REFERENCES cases(id),"
	" created_ms         INTEGER NOT NULL,"
	" updated_ms         INTEGER NOT NULL,"
	" CHECK (cert_not_before_ms IS NULL OR cert_not_after_ms IS NULL"
	"  OR cert_not_before_ms <= cert_not_after_ms)"
	") STRICT;"
	"CREATE INDEX tokens_by_uscc ON tokens(uscc) WHERE uscc <> '';"
	"CREATE TABLE token_events ("
	" id         INTEGER PRIMARY KEY,"
	" token_id   INTEGER NOT NULL REFERENCES tokens(id),"
	" case_id    INTEGER REFERENCES cases(id),"
	" from_state TEXT CHECK (from_state IS NULL OR from_state IN ('UNFORMATTED', 'FORMATTED',"
	"  'ACTIVE', 'SUSPENDED', 'DAMAGED', 'PERM_LOST', 'TERMINATED')),"
	" to_state   TEXT NOT NULL CHECK (to_state IN ('UNFORMATTED', 'FORMATTED', 'ACTIVE',"
	"  'SUSPENDED', 'DAMAGED', 'PERM_LOST', 'TERMINATED')),"
	" reason     TEXT NOT NULL DEFAULT '',"
	" actor      TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 39),"
	" at_ms      INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX token_events_by_token ON token_events(token_id, id);"
	"CREATE TABLE payments ("
	" id             INTEGER PRIMARY KEY,"
	" case_id        INTEGER NOT NULL REFERENCES cases(id),"
	" out_trade_no   TEXT NOT NULL UNIQUE CHECK (length(out_trade_no) BETWEEN 6 AND 32),"
	" amount_fen     INTEGER NOT NULL CHECK (amount_fen >= 0),"
	" state          TEXT NOT NULL CHECK (state IN ('NOTPAY', 'USERPAYING', 'SUCCESS',"
	"  'PAYERROR', 'CLOSED', 'REVOKED', 'REFUND')),"
	" transaction_id TEXT NOT NULL DEFAULT '' CHECK (length(transaction_id) <= 39),"
	" verified       INTEGER NOT NULL DEFAULT 0 CHECK (verified IN (0, 1)),"
	" created_ms     INTEGER NOT NULL,"
	" updated_ms     INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX payments_by_case ON payments(case_id, updated_ms);"
	"CREATE INDEX cases_by_created ON cases(created_ms);";

/* v3: the certificates issued onto keys (revoked ones stay, marked) and the
 * keys' bindings to a unit and agent (bind service). */
static const char v3_sql[] =
	"CREATE TABLE certs ("
	" id            INTEGER PRIMARY KEY,"
	" serial        TEXT NOT NULL UNIQUE CHECK (length(serial) BETWEEN 1 AND 64),"
	" token_id      INTEGER NOT NULL REFERENCES tokens(id),"
	" case_id       INTEGER REFERENCES cases(id),"
	" unit_name     TEXT NOT NULL CHECK (length(CAST(unit_name AS BLOB)) BETWEEN 1 AND 255),"
	" uscc          TEXT NOT NULL CHECK (length(uscc) = 18),"
	" not_before    INTEGER NOT NULL CHECK (not_before >= 0),"
	" not_after     INTEGER NOT NULL,"
	" status        TEXT NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'revoked')),"
	" revoke_reason TEXT NOT NULL DEFAULT '',"
	" revoked_ms    INTEGER,"
	" der           BLOB,"
	" created_ms    INTEGER NOT NULL,"
	" CHECK (not_before <= not_after),"
	" CHECK ((status = 'revoked') = (revoked_ms IS NOT NULL)),"
	" CHECK ((status = 'revoked') = (revoke_reason <> ''))"
	") STRICT;"
	"CREATE INDEX certs_by_token ON certs(token_id, id);"
	"CREATE INDEX certs_by_uscc ON certs(uscc, status);"
	"CREATE TRIGGER certs_revoked_final BEFORE UPDATE ON certs WHEN OLD.status = 'revoked'"
	" BEGIN SELECT RAISE(ABORT, 'a revoked certificate stays revoked'); END;"
	"CREATE TABLE token_bindings ("
	" id          INTEGER PRIMARY KEY,"
	" token_id    INTEGER NOT NULL REFERENCES tokens(id),"
	" case_id     INTEGER REFERENCES cases(id),"
	" uscc        TEXT NOT NULL CHECK (length(uscc) = 18),"
	" unit_name   TEXT NOT NULL CHECK (length(CAST(unit_name AS BLOB)) BETWEEN 1 AND 255),"
	" agent_name  TEXT NOT NULL DEFAULT '' CHECK (length(CAST(agent_name AS BLOB)) <= 96),"
	" agent_id_no TEXT NOT NULL DEFAULT '' CHECK (length(agent_id_no) <= 18),"
	" bound_ms    INTEGER NOT NULL,"
	" unbound_ms  INTEGER,"
	" CHECK (unbound_ms IS NULL OR unbound_ms >= bound_ms)"
	") STRICT;"
	"CREATE UNIQUE INDEX token_bindings_current ON token_bindings(token_id)"
	" WHERE unbound_ms IS NULL;"
	/* home's look-up of a case by the unit's USCC (db_case_find) */
	"CREATE INDEX cases_by_uscc ON cases(uscc);";

/* v4: what the supervisor and the trainer add. Day anchors (the signed head of
 * the audit chain at each day close; append-only), refunds of paid cases that a
 * supervisor cancelled (maker-checker: requested by one person, approved by
 * another), and the trainer's scores (kept in the demo database). */
static const char v4_sql[] =
	"CREATE TABLE day_anchors ("
	" day        INTEGER PRIMARY KEY,"
	" kiosk_id   TEXT NOT NULL CHECK (length(kiosk_id) BETWEEN 1 AND 24),"
	" last_seq   INTEGER NOT NULL CHECK (last_seq >= 1),"
	" head_hash  BLOB NOT NULL CHECK (length(head_hash) = 32),"
	" counts     TEXT NOT NULL DEFAULT '',"
	" message    TEXT NOT NULL CHECK (length(message) BETWEEN 1 AND 4096),"
	" signature  BLOB NOT NULL CHECK (length(signature) BETWEEN 1 AND 1024),"
	" key_id     TEXT NOT NULL CHECK (length(key_id) = 64),"
	" closed_by  TEXT NOT NULL CHECK (length(closed_by) BETWEEN 1 AND 32),"
	" closed_ms  INTEGER NOT NULL"
	") STRICT;"
	"CREATE TRIGGER day_anchors_no_update BEFORE UPDATE ON day_anchors"
	" BEGIN SELECT RAISE(ABORT, 'a day anchor is never changed'); END;"
	"CREATE TRIGGER day_anchors_no_delete BEFORE DELETE ON day_anchors"
	" BEGIN SELECT RAISE(ABORT, 'a day anchor is never removed'); END;"
	"CREATE TABLE refunds ("
	" id            INTEGER PRIMARY KEY,"
	" case_id       INTEGER NOT NULL REFERENCES cases(id),"
	" payment_id    INTEGER NOT NULL REFERENCES payments(id),"
	" out_refund_no TEXT NOT NULL UNIQUE CHECK (length(out_refund_no) BETWEEN 1 AND 64),"
	" amount_fen    INTEGER NOT NULL CHECK (amount_fen > 0),"
	" reason        TEXT NOT NULL CHECK (length(CAST(reason AS BLOB)) BETWEEN 1 AND 240),"
	" requested_by  TEXT NOT NULL CHECK (length(requested_by) BETWEEN 1 AND 32),"
	" approved_by   TEXT NOT NULL CHECK (length(approved_by) BETWEEN 1 AND 32),"
	" state         TEXT NOT NULL CHECK (state IN ('PENDING', 'PROCESSING', 'SUCCESS',"
	"  'CLOSED', 'ABNORMAL')),"
	" refund_id     TEXT NOT NULL DEFAULT '' CHECK (length(refund_id) <= 64),"
	" created_ms    INTEGER NOT NULL,"
	" updated_ms    INTEGER NOT NULL,"
	" CHECK (approved_by <> requested_by)"
	") STRICT;"
	"CREATE INDEX refunds_by_case ON refunds(case_id);"
	"CREATE TABLE training_results ("
	" id          INTEGER PRIMARY KEY,"
	" session_no  TEXT NOT NULL CHECK (length(session_no) BETWEEN 1 AND 40),"
	" trainee     TEXT NOT NULL CHECK (length(trainee) BETWEEN 1 AND 32),"
	" scenario_id TEXT NOT NULL CHECK (length(scenario_id) BETWEEN 1 AND 40),"
	" case_no     TEXT NOT NULL DEFAULT '',"
	" expected    TEXT NOT NULL,"
	" decided     TEXT NOT NULL,"
	" correct     INTEGER NOT NULL CHECK (correct IN (0, 1)),"
	" missed      TEXT NOT NULL DEFAULT '',"
	" at_ms       INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX training_by_session ON training_results(session_no, id);"
	/* the supervisor's day view reads token events by time */
	"CREATE INDEX token_events_by_time ON token_events(at_ms);";

/* v5: the code_url of a WeChat Pay order, kept with the order so a kiosk
 * restarted at the payment step shows the customer the same QR code (until v4
 * it was read back from the case's last payment.qr audit row). The rows of an
 * older file are filled from the audit log exactly as db_payment_latest() of
 * v4 found it: a case's newest order (by created_ms, then id) takes the detail
 * of the case's last payment.qr row; older orders were never given one and
 * stay NULL, as does a detail too long for the column (none was ever written:
 * the gateway's code_url fits 511 bytes). */
static const char v5_sql[] =
	"ALTER TABLE payments ADD COLUMN code_url TEXT"
	" CHECK (code_url IS NULL OR length(CAST(code_url AS BLOB)) BETWEEN 1 AND 511);"
	"UPDATE payments SET code_url = ("
	" SELECT CASE WHEN length(CAST(a.detail AS BLOB)) BETWEEN 1 AND 511 THEN a.detail END"
	"  FROM audit a WHERE a.case_no = (SELECT case_no FROM cases WHERE id = payments.case_id)"
	"  AND a.case_no <> '' AND a.action = 'payment.qr'" /* <> '': through audit_by_case */
	"  ORDER BY a.seq DESC LIMIT 1)"
	" WHERE id = (SELECT p.id FROM payments p WHERE p.case_id = payments.case_id"
	"  ORDER BY p.created_ms DESC, p.id DESC LIMIT 1);";

/* v6: forward-secure sealing (core/audit/seal.h, docs/audit.md "Sealing").
 * seal_setup is the one row kioskctl audit seal-init writes (t0 and the
 * epoch's length; the key itself never enters the database); seals holds one
 * checkpoint per row: audit rows first_seq..last_seq written during epoch,
 * the chain's hash at last_seq, and the HMAC tag made with that epoch's key.
 * Both are append-only like the audit log, and seals follow one another:
 * each starts right after the last, and epochs go on one by one (every ended
 * epoch is sealed, an empty one with no rows, so a removed epoch shows).
 * Sealing writes no audit row (a row per seal would itself need sealing,
 * every epoch). */
static const char v6_sql[] =
	"CREATE TABLE seal_setup ("
	" id          INTEGER PRIMARY KEY CHECK (id = 1),"
	" t0_ms       INTEGER NOT NULL CHECK (t0_ms >= 0),"
	" interval_ms INTEGER NOT NULL CHECK (interval_ms >= 1000),"
	" set_by      TEXT NOT NULL CHECK (length(set_by) BETWEEN 1 AND 32),"
	" set_ms      INTEGER NOT NULL"
	") STRICT;"
	"CREATE TRIGGER seal_setup_no_update BEFORE UPDATE ON seal_setup"
	" BEGIN SELECT RAISE(ABORT, 'sealing is set up once and never changed'); END;"
	"CREATE TRIGGER seal_setup_no_delete BEFORE DELETE ON seal_setup"
	" BEGIN SELECT RAISE(ABORT, 'sealing is set up once and never changed'); END;"
	"CREATE TABLE seals ("
	" id        INTEGER PRIMARY KEY,"
	" epoch     INTEGER NOT NULL CHECK (epoch >= 0),"
	" first_seq INTEGER NOT NULL CHECK (first_seq >= 1),"
	" last_seq  INTEGER NOT NULL CHECK (last_seq >= first_seq - 1),"
	" row_count INTEGER NOT NULL CHECK (row_count >= 0),"
	" head_hash BLOB NOT NULL CHECK (length(head_hash) = 32),"
	" at_ms     INTEGER NOT NULL,"
	" tag       BLOB NOT NULL CHECK (length(tag) = 32)"
	") STRICT;"
	"CREATE TRIGGER seals_in_order BEFORE INSERT ON seals"
	" WHEN NEW.first_seq IS NOT (SELECT COALESCE(MAX(last_seq), 0) + 1 FROM seals)"
	"  OR NEW.epoch < (SELECT COALESCE(MAX(epoch), 0) FROM seals)"
	"  OR NEW.epoch > (SELECT COALESCE(MAX(epoch), -1) + 1 FROM seals)"
	"  OR NEW.last_seq > (SELECT seq FROM audit_head WHERE id = 1)"
	" BEGIN SELECT RAISE(ABORT, 'a seal starts after the last one, in the same epoch or the next'); END;"
	"CREATE TRIGGER seals_no_update BEFORE UPDATE ON seals"
	" BEGIN SELECT RAISE(ABORT, 'a seal is never changed'); END;"
	"CREATE TRIGGER seals_no_delete BEFORE DELETE ON seals"
	" BEGIN SELECT RAISE(ABORT, 'a seal is never removed'); END;";

/* v7: every table bound to the audit chain (db/ledger.h). Nothing in the
 * schema changes: the migration keeps the schema's digest in meta and seals
 * the rows an older file holds, as found, in `ledger.seal` rows; from then on
 * every write is bound in its own transaction. */
static const char v7_sql[] = "";

/* v8: reconciliation with WeChat Pay's trade bill (docs/reconciliation.md).
 * pay_recons holds one row per run (the day, who ran it, the bill's SHA-1 and
 * lines, what was found); pay_diffs one row per difference found, open until
 * a supervisor resolves it with a note, or cleared when a later run no longer
 * finds it. Both are bound by the ledger like every table. The kind list
 * spells out recon_kind_name() (core/pay/recon.h). */
static const char v8_sql[] =
	"CREATE TABLE pay_recons ("
	" id        INTEGER PRIMARY KEY,"
	" day       INTEGER NOT NULL,"
	" run_by    TEXT NOT NULL CHECK (length(run_by) BETWEEN 1 AND 32),"
	" run_ms    INTEGER NOT NULL,"
	" bill_sha1 TEXT NOT NULL CHECK (length(bill_sha1) IN (0, 40)),"
	" bill_rows INTEGER NOT NULL CHECK (bill_rows >= 0),"
	" found     INTEGER NOT NULL CHECK (found >= 0),"
	" still_open INTEGER NOT NULL CHECK (still_open >= 0)"
	") STRICT;"
	"CREATE INDEX pay_recons_by_day ON pay_recons(day, id);"
	"CREATE TABLE pay_diffs ("
	" id             INTEGER PRIMARY KEY,"
	" day            INTEGER NOT NULL,"
	" recon_id       INTEGER NOT NULL REFERENCES pay_recons(id),"
	" kind           TEXT NOT NULL CHECK (kind IN ('unbooked', 'not_in_bill', 'amount',"
	"  'refund_pending', 'refund_abnormal', 'duplicate')),"
	" case_no        TEXT NOT NULL DEFAULT '' CHECK (length(case_no) <= 39),"
	" out_trade_no   TEXT NOT NULL DEFAULT '' CHECK (length(out_trade_no) <= 32),"
	" out_refund_no  TEXT NOT NULL DEFAULT '' CHECK (length(out_refund_no) <= 64),"
	" transaction_id TEXT NOT NULL DEFAULT '' CHECK (length(transaction_id) <= 39),"
	" book_fen       INTEGER NOT NULL CHECK (book_fen >= -1),"
	" bill_fen       INTEGER NOT NULL CHECK (bill_fen >= -1),"
	" due_fen        INTEGER NOT NULL CHECK (due_fen >= -1),"
	" detail         TEXT NOT NULL DEFAULT '' CHECK (length(CAST(detail AS BLOB)) <= 400),"
	" status         TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved', 'cleared')),"
	" resolved_by    TEXT CHECK (resolved_by IS NULL OR length(resolved_by) BETWEEN 1 AND 32),"
	" resolved_ms    INTEGER,"
	" note           TEXT NOT NULL DEFAULT '' CHECK (length(CAST(note AS BLOB)) <= 400),"
	" CHECK ((status = 'open') = (resolved_by IS NULL)),"
	" CHECK ((resolved_by IS NULL) = (resolved_ms IS NULL)),"
	" CHECK (status <> 'resolved' OR note <> '')"
	") STRICT;"
	"CREATE INDEX pay_diffs_by_day ON pay_diffs(day, id);";

/* v9: the application a certificate is in. The customer's key carries the
 * kiosk's application and PIV (slots 9A and 9C, docs/token-profile.md); the
 * PIV certificates are certificates of the key like the kiosk's, recorded
 * with it and revoked with it when the key is retired, re-enrolled or
 * erased. Rows of older files are the kiosk application's. */
static const char v9_sql[] =
	"ALTER TABLE certs ADD COLUMN app TEXT NOT NULL DEFAULT 'kiosk'"
	" CHECK (app IN ('kiosk', 'piv.9a', 'piv.9c'));";
/* v10: the counter's whole day (issue 13). supplements holds one row per
 * material a 容缺 case owed and the customer brought back (补交): who took
 * it, when, and after the deadline the supervisor who allowed it with a note;
 * the case turns 办结 in the same transaction. ratings holds a case's one
 * rating (GB/T 39734 一次一评: the five levels, or none when the customer
 * declines); a 差评 (dissatisfied, very_dissatisfied) carries the civil day
 * its follow-up is due and, once a supervisor records it, who resolved it,
 * when and what was done. Both are bound by the ledger like every table; a
 * supplement and a rating are never changed, a rating's resolution is
 * written once. The level list spells out rating_level_name()
 * (core/case/rating.h). */
static const char v10_sql[] =
	"CREATE TABLE supplements ("
	" id          INTEGER PRIMARY KEY,"
	" case_id     INTEGER NOT NULL REFERENCES cases(id),"
	" material_id TEXT NOT NULL CHECK (length(material_id) BETWEEN 1 AND 63),"
	" actor       TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 32),"
	" at_ms       INTEGER NOT NULL,"
	" late_by     TEXT CHECK (late_by IS NULL OR length(late_by) BETWEEN 1 AND 32),"
	" note        TEXT NOT NULL DEFAULT '' CHECK (length(CAST(note AS BLOB)) <= 400),"
	" UNIQUE (case_id, material_id),"
	" CHECK (late_by IS NULL OR note <> '')"
	") STRICT;"
	/* the 容缺 cases still owed, on any day (db_rongque_owed) */
	"CREATE INDEX cases_rongque_owed ON cases(rongque_deadline) WHERE status = 'rongque';"
	"CREATE TRIGGER supplements_no_update BEFORE UPDATE ON supplements"
	" BEGIN SELECT RAISE(ABORT, 'a supplement is never changed'); END;"
	"CREATE TRIGGER supplements_no_delete BEFORE DELETE ON supplements"
	" BEGIN SELECT RAISE(ABORT, 'a supplement is never removed'); END;"
	"CREATE TABLE ratings ("
	" id          INTEGER PRIMARY KEY,"
	" case_id     INTEGER NOT NULL UNIQUE REFERENCES cases(id),"
	" level       TEXT NOT NULL CHECK (level IN ('very_satisfied', 'satisfied', 'basic',"
	"  'dissatisfied', 'very_dissatisfied', 'none')),"
	" comment     TEXT NOT NULL DEFAULT '' CHECK (length(CAST(comment AS BLOB)) <= 400),"
	" actor       TEXT NOT NULL CHECK (length(actor) BETWEEN 1 AND 32),"
	" at_ms       INTEGER NOT NULL,"
	" day         INTEGER NOT NULL,"
	" due_day     INTEGER,"
	" resolved_by TEXT CHECK (resolved_by IS NULL OR length(resolved_by) BETWEEN 1 AND 32),"
	" resolved_ms INTEGER,"
	" resolution  TEXT NOT NULL DEFAULT '' CHECK (length(CAST(resolution AS BLOB)) <= 400),"
	" CHECK ((level IN ('dissatisfied', 'very_dissatisfied')) = (due_day IS NOT NULL)),"
	" CHECK ((resolved_by IS NULL) = (resolved_ms IS NULL)),"
	" CHECK ((resolved_by IS NULL) = (resolution = '')),"
	" CHECK (resolved_by IS NULL OR due_day IS NOT NULL)"
	") STRICT;"
	"CREATE INDEX ratings_by_day ON ratings(day);"
	"CREATE INDEX ratings_open ON ratings(due_day) WHERE due_day IS NOT NULL AND resolved_by IS NULL;"
	"CREATE TRIGGER ratings_once BEFORE UPDATE ON ratings"
	" WHEN NEW.case_id IS NOT OLD.case_id OR NEW.level IS NOT OLD.level"
	"  OR NEW.comment IS NOT OLD.comment OR NEW.actor IS NOT OLD.actor"
	"  OR NEW.at_ms IS NOT OLD.at_ms OR NEW.day IS NOT OLD.day OR NEW.due_day IS NOT OLD.due_day"
	"  OR OLD.resolved_by IS NOT NULL"
	" BEGIN SELECT RAISE(ABORT, 'a rating is given once; only its follow-up is added, once'); END;"
	"CREATE TRIGGER ratings_no_delete BEFORE DELETE ON ratings"
	" BEGIN SELECT RAISE(ABORT, 'a rating is never removed'); END;";

/* v11: finding a case fast (issue 13 point 11, docs/schema.md "Finding a
 * case"). cases_find is a contentless FTS5 trigram index of the unit's and
 * the agent's names, each with two U+001F after it so that every character
 * starts a trigram (a fragment of one or two characters is found through
 * cases_find_terms, the index's terms, by prefix); triggers keep it in step
 * with every write of cases, whoever makes it. cases_by_tail finds a case
 * number by its last four characters. The index is derived from cases and
 * its tables are not bound by the ledger (LEDGER_UNBOUND_SQL): a case is
 * found only through its own row, which is. Each write adds a small segment
 * to the index; the day close merges them (db_case_find_tidy). A migration
 * that rebuilds cases must keep its ids and recreate the three triggers. */
static const char v11_sql[] =
	"CREATE VIRTUAL TABLE cases_find USING fts5(unit, agent, content='',"
	" tokenize='trigram case_sensitive 1', columnsize=0);"
	"CREATE VIRTUAL TABLE cases_find_terms USING fts5vocab(cases_find, row);"
	"CREATE INDEX cases_by_tail ON cases(substr(case_no, -4));"
	"CREATE TRIGGER cases_find_insert AFTER INSERT ON cases BEGIN"
	" INSERT INTO cases_find(rowid, unit, agent) VALUES (new.id,"
	"  new.unit_name || char(31, 31), new.agent_name || char(31, 31)); END;"
	"CREATE TRIGGER cases_find_delete AFTER DELETE ON cases BEGIN"
	" INSERT INTO cases_find(cases_find, rowid, unit, agent) VALUES ('delete', old.id,"
	"  old.unit_name || char(31, 31), old.agent_name || char(31, 31)); END;"
	"CREATE TRIGGER cases_find_update AFTER UPDATE OF id, unit_name, agent_name ON cases"
	" WHEN old.id IS NOT new.id OR old.unit_name IS NOT new.unit_name"
	"  OR old.agent_name IS NOT new.agent_name BEGIN"
	" INSERT INTO cases_find(cases_find, rowid, unit, agent) VALUES ('delete', old.id,"
	"  old.unit_name || char(31, 31), old.agent_name || char(31, 31));"
	" INSERT INTO cases_find(rowid, unit, agent) VALUES (new.id,"
	"  new.unit_name || char(31, 31), new.agent_name || char(31, 31)); END;"
	"INSERT INTO cases_find(rowid, unit, agent)"
	" SELECT id, unit_name || char(31, 31), agent_name || char(31, 31) FROM cases;"
	"INSERT INTO cases_find(cases_find) VALUES ('optimize');";

typedef struct migration {
	int version;
	const char *sql;
} migration;

static const migration migrations[] = {
	{ 1, v1_sql },
	{ 2, v2_sql },
	{ 3, v3_sql },
	{ 4, v4_sql },
	{ 5, v5_sql },
	{ 6, v6_sql },
	{ 7, v7_sql },
	{ 8, v8_sql },
	{ 9, v9_sql },
	{ 10, v10_sql },
	{ 11, v11_sql },
};

_Static_assert(sizeof migrations / sizeof migrations[0] == DB_SCHEMA_VERSION,
	       "one migration per schema version");

static int v1_identity(kdb *db, const char *kiosk_id, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db, "INSERT INTO meta (key, value) VALUES (?1, ?2)", err);
	if (!st)
		return -1;
	char created[24];
	snprintf(created, sizeof created, "%lld", (long long)clock_now_ms());
	const char *kv[][2] = { { "kiosk_id", kiosk_id }, { "created_ms", created } };
	for (size_t i = 0; i < 2; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, kv[i][0], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, kv[i][1], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			dbi_sqlerr(db, err, "writing the kiosk id");
			sqlite3_reset(st);
			return -1;
		}
	}
	sqlite3_reset(st);
	char appid[64];
	snprintf(appid, sizeof appid, "PRAGMA application_id = %d", DBI_APPLICATION_ID);
	if (dbi_exec(db, appid, err))
		return -1;
	/* The genesis row: seq 1, all-zero prev, the kiosk id as its detail. */
	return dbi_audit_append(db, "system", AUD_GENESIS, "", kiosk_id, err);
}

int dbi_user_version(kdb *db, kerr *err)
{
	sqlite3_stmt *st = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) {
		dbi_sqlerr(db, err, "reading the schema version");
		return -1;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	else
		dbi_sqlerr(db, err, "reading the schema version");
	sqlite3_finalize(st);
	return v;
}

static int migrate_one(kdb *db, const migration *m, const char *kiosk_id, kerr *err)
{
	ledger_before *before = NULL;
	if (dbi_op_begin(db, err))
		return -1;
	/* Re-read under the write lock: another process may have migrated. */
	int cur = dbi_user_version(db, err);
	if (cur < 0)
		goto fail;
	if (cur >= m->version)
		return dbi_op_commit(db, err);
	if (cur != m->version - 1) {
		kerr_set(err, db->path, "schema version %d cannot be migrated to %d", cur,
			 m->version);
		goto fail;
	}
	if (m->version == 1 && !kiosk_id) {
		kerr_set(err, db->path, "a new database needs a kiosk id");
		goto fail;
	}
	/* after the ledger, a migration binds what it changes (ledger.h) */
	if (m->version > LEDGER_SCHEMA_VERSION && !(before = dbi_ledger_before_migration(db, err)))
		goto fail;
	if (sqlite3_exec(db->h, m->sql, NULL, NULL, NULL) != SQLITE_OK) {
		char what[64];
		snprintf(what, sizeof what, "migrating to schema version %d", m->version);
		dbi_sqlerr(db, err, what);
		goto fail;
	}
	if (m->version == 1 && v1_identity(db, kiosk_id, err))
		goto fail;
	char detail[32], pragma[48], note[96];
	snprintf(note, sizeof note, "sealed as found at the upgrade to schema %d", m->version);
	if (m->version == LEDGER_SCHEMA_VERSION && dbi_ledger_seal_all(db, note, err))
		goto fail;
	snprintf(note, sizeof note, "what the upgrade to schema %d changed", m->version);
	if (before && dbi_ledger_after_migration(db, before, note, err))
		goto fail;
	dbi_ledger_before_free(before);
	before = NULL;
	snprintf(detail, sizeof detail, "to %d", m->version);
	if (dbi_audit_append(db, "system", AUD_SCHEMA_MIGRATE, "", detail, err))
		goto fail;
	snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", m->version);
	if (dbi_exec(db, pragma, err))
		goto fail;
	return dbi_op_commit(db, err);
fail:
	dbi_ledger_before_free(before);
	dbi_op_rollback(db);
	/* the ledger may have followed a schema that is now rolled back */
	if (dbi_ledger_on(db))
		dbi_ledger_attach(db, NULL);
	return -1;
}

int dbi_migrate(kdb *db, int from, int to, const char *kiosk_id, kerr *err)
{
	for (int v = from + 1; v <= to; v++) {
		if (v > LEDGER_SCHEMA_VERSION && !dbi_ledger_on(db) && dbi_ledger_attach(db, err))
			return -1;
		if (migrate_one(db, &migrations[v - 1], kiosk_id, err))
			return -1;
	}
	if (to >= LEDGER_SCHEMA_VERSION && from < to)
		return dbi_ledger_attach(db, err); /* the schema moved: follow it */
	return 0;
}

int dbi_migrate_run(kdb *db, int version, const char *sql, kerr *err)
{
	migration m = { version, sql };
	if (version > LEDGER_SCHEMA_VERSION && !dbi_ledger_on(db) && dbi_ledger_attach(db, err))
		return -1;
	if (migrate_one(db, &m, NULL, err))
		return -1;
	return version >= LEDGER_SCHEMA_VERSION ? dbi_ledger_attach(db, err) : 0;
}
