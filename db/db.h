/* db: the kiosk's SQLite store, the only place that holds SQL. This is the
 * folder's main header, and the public API of its top level.
 *
 *   file           header              what it holds
 *   store.c        store.h (private)   the kdb, statement cache, step helpers,
 *                                      errors in words, audit-detail text
 *                                      builder, operation transactions; below:
 *                                      db_path(), db_tx_*()
 *   audit_log.c    audit_log.h         the hash-chained audit log: the append
 *                  (private)           inside a transaction, the chain walk;
 *                                      below: db_audit_append(), _for_case()
 *   ledger.c       ledger.h (private)  every table bound to the chain: the
 *                                      pre-update hook's notes, the binding
 *                                      at commit, the seal at migrations
 *   ledger_rows.c  ledger.h            the bound tables, key values, a row's
 *                                      canonical form, a binding's text
 *   ledger_verify.c ledger.h           below: db_audit_verify() (the chain
 *                                      and every bound row), the findings
 *   migrate.c      migrate.h (private) the schema as numbered migrations,
 *                                      user_version, application_id
 *   open.c         (none; below)       db_open() / db_close(), backup, integrity
 *                                      check, schema version, kiosk id
 *   repo/          repo/repo.h         one repository per table family (staff,
 *                                      cases, keys, payments, refunds, day
 *                                      anchors, training)
 *   report/        report/reports.h    the day's figures, day view, timeline,
 *                                      day export
 *   pg/            pg/pg.h             the hall's central store on PostgreSQL
 *                                      and the shipment of the audit log to it
 *                                      (libpq; its own archive, which kioskctl
 *                                      links and the kiosk does not)
 *
 * This header belongs to no one file: it declares the public functions of
 * store.c, audit_log.c and open.c (each under its file's name below) and
 * includes nothing of db/, so every file may include it without a circle.
 * Public: this header, and the headers that repo/repo.h and report/reports.h
 * list. store.h, audit_log.h, ledger.h and migrate.h are private to db/ and
 * its subfolders (store.h is the one header that pulls in sqlite3.h).
 * Dependencies point one way. At the top level:
 *   store <- audit_log <- ledger <- migrate <- open
 * (the store calls the ledger at commit through hooks it is handed, so it
 * includes nothing above it).
 * Between folders: repo/ -> report/, and both -> the top level (this header,
 * store.h; repo/ also audit_log.h). A repository may read a report (the day
 * close signs the day's counts); nothing in report/ includes repo/, and
 * nothing at the top level includes either.
 *
 * db_open() opens (or creates) the file with WAL, synchronous=FULL, foreign
 * keys and a busy timeout, and brings the schema to DB_SCHEMA_VERSION by
 * numbered migrations (PRAGMA user_version); an older file is upgraded in
 * place, a newer one or a file that is not SQLite is refused before anything
 * is written. Every change is written with the audit row that describes it in
 * one BEGIN IMMEDIATE transaction. A kdb is owned by its opener, used by one
 * thread at a time (the connection takes no lock per call) and released
 * with db_close(). docs/schema.md describes the file. */
#ifndef DB_DB_H
#define DB_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/audit/actions.h"
#include "core/audit/audit.h"
#include "core/base/err.h"

/* The schema this program writes: the number of migrations in migrate.c. */
#define DB_SCHEMA_VERSION 11

typedef struct kdb kdb;

/* ---- open.c ---- */

/* A kiosk id is 1-24 of [A-Za-z0-9_-]: it starts every case number
 * (<kiosk>-<YYYYMMDD>-<NNNN>), which must fit a WeChat Pay out_trade_no. */
#define DB_KIOSK_ID_MAX 24
bool db_kiosk_id_valid(const char *kiosk_id);

typedef enum db_open_mode {
	DB_OPEN_EXISTING, /* the file must exist; it is migrated if older */
	DB_OPEN_CREATE,   /* created (with its directory) if missing */
} db_open_mode;

/* kiosk_id goes into the genesis audit row of a new file; for an existing
 * file it is read back (db_kiosk_id) and may be NULL. */
kdb *db_open(const char *path, const char *kiosk_id, db_open_mode mode, kerr *err);
/* For migration tests: create or open a file but migrate only up to version. */
kdb *db_open_version(const char *path, const char *kiosk_id, int version, kerr *err);
void db_close(kdb *db);

int db_schema_version(kdb *db);
const char *db_kiosk_id(const kdb *db);

/* Online backup (sqlite3_backup) of the whole database into dest, which must
 * not exist yet. Returns 0 or -1 with err. */
int db_backup(kdb *db, const char *dest, kerr *err);

/* PRAGMA integrity_check: 0 "ok", 1 with the first problem in err, -1 error. */
int db_integrity_check(kdb *db, kerr *err);

/* ---- store.c ---- */

/* The file the kdb was opened on (as given), for messages. */
const char *db_path(const kdb *db);

/* Explicit transactions for bulk work (bench, demo seeding). Repository
 * functions called inside one join it instead of opening their own. */
int db_tx_begin(kdb *db, kerr *err);
int db_tx_commit(kdb *db, kerr *err);
void db_tx_rollback(kdb *db);

/* ---- audit_log.c (and ledger_verify.c: db_audit_verify) ---- */

/* Append one audit row (its own transaction unless one is open). The action
 * is one of the table's (core/audit/actions.h); -1 with err for any other. */
int db_audit_append(kdb *db, const char *actor, audit_action action,
		    const char *case_no, const char *detail, kerr *err);

/* A bound row that does not match the chain (docs/audit.md). */
typedef enum row_finding_kind {
	ROWF_CHANGED,  /* the row differs from its last record */
	ROWF_DELETED,  /* recorded, and gone */
	ROWF_INSERTED, /* there without a record (or recorded as deleted) */
	ROWF_RECORD,   /* a binding row of the chain that cannot be read */
} row_finding_kind;

typedef struct row_finding {
	row_finding_kind kind;
	char table[64];
	char key[128];     /* "id=3", "case_id=7, material_id=m.licence" */
	char columns[192]; /* changed: the columns that differ, ", "-separated;
			    * "" when none can be named */
	int64_t seq;       /* the audit row of the row's last record (its
			    * version); 0 when none */
	char note[160];    /* more, in words ("" when nothing) */
} row_finding;

#define AUDIT_ROW_FINDINGS_MAX 32

typedef struct audit_verify_result {
	int64_t rows;                  /* rows walked */
	uint8_t head[AUDIT_HASH_LEN];  /* hash of the last row */
	int64_t head_seq;
	int64_t bad_seq;               /* first row at fault, 0 when none */
	char problem[320];             /* what is wrong there, in words */
	/* The bound rows (schema 6 on; when the chain is intact): */
	int64_t bound_rows;            /* current rows recomputed */
	int bound_tables;              /* tables they are in */
	row_finding found[AUDIT_ROW_FINDINGS_MAX];
	size_t n_found;                /* findings kept */
	long n_more;                   /* findings beyond AUDIT_ROW_FINDINGS_MAX */
} audit_verify_result;

/* Walk the whole chain: seq without gaps from 1, genesis row with the kiosk id,
 * each prev equal to the previous hash, each hash recomputed, and the last row
 * equal to the recorded head (catches a truncated tail). Then, when the chain
 * is intact and its rows are bound (schema 6 on), recompute every current row
 * of every bound table (and the schema's own rows) and match it with the last
 * record of that row in the chain: a row changed (with the columns that
 * differ), deleted, or inserted without its record is a finding, and so is a
 * change the kiosk recorded over a row that had been changed outside it.
 * Returns 0 intact, 1 tampered (bad_seq and problem for the chain, found[]
 * for rows), -1 on error (err). Memory: 32 bytes a bound row. */
int db_audit_verify(kdb *db, audit_verify_result *res, kerr *err);
/* A finding as one line: "payments id=3: changed (column amount_fen); its
 * last record is audit row 57". Returns buf. */
const char *db_row_finding_text(const row_finding *f, char *buf, size_t n);

/* The last row of the audit log (its seq, from audit_head): what a hall's
 * shipper compares with the centre's acknowledgement. 0 or -1 with err. */
int db_audit_head_seq(kdb *db, int64_t *seq, kerr *err);
/* The head's seq and hash: what the kiosk compares with the mark the CA's
 * files were last derived at (tui/kiosk.c). 0 or -1 with err. */
int db_audit_head(kdb *db, int64_t *seq, uint8_t hash[AUDIT_HASH_LEN], kerr *err);

/* One audit row as stored, for timelines and tests (action: the stored word,
 * audit_action_from_name() gives the enum). */
typedef struct audit_entry {
	int64_t seq;
	int64_t at_ms;
	char actor[40];
	char action[48];
	char case_no[48];
	char detail[512];
} audit_entry;

/* Audit rows of one case in order; *out owned by the caller (free()). */
int db_audit_for_case(kdb *db, const char *case_no, audit_entry **out, size_t *n, kerr *err);

#endif
