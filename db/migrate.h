/* migrate (private to db/): the schema as numbered migrations, and the two
 * marks a kiosk file carries in its header (user_version, application_id).
 * The opener calls it; it sits on the audit log (each migration writes its
 * schema.migrate row) and the store. */
#ifndef DB_MIGRATE_H
#define DB_MIGRATE_H

#include "core/base/err.h"
#include "db/db.h"

/* PRAGMA application_id of a kiosk database ("KIOS"): tells our file from
 * another program's SQLite file that happens to have user_version 0. */
#define DBI_APPLICATION_ID 0x4B494F53

/* Bring the schema from version `from` to `to`, one transaction per
 * migration. kiosk_id is needed when from == 0. */
int dbi_migrate(kdb *db, int from, int to, const char *kiosk_id, kerr *err);
/* user_version as stored, or -1 with err. */
int dbi_user_version(kdb *db, kerr *err);
/* For tests only: run sql as migration `version` (the file must be at
 * version - 1), exactly as a numbered migration runs: its own transaction,
 * the ledger's part, its schema.migrate row, user_version. This is how a
 * later migration is checked to bind what it changes before one exists. */
int dbi_migrate_run(kdb *db, int version, const char *sql, kerr *err);

#endif
