/* audit_log (private to db/): the in-transaction append that every change of
 * the repositories and the migrations writes with its business rows. The
 * public side (db_audit_append, db_audit_verify, db_audit_for_case) is in
 * db.h. Sits on the store only. */
#ifndef DB_AUDIT_LOG_H
#define DB_AUDIT_LOG_H

#include "core/base/err.h"
#include "db/db.h"

/* Append an audit row inside the current operation (the caller's
 * transaction): reads the head, hashes, inserts. case_no may be NULL. */
int dbi_audit_append(kdb *db, const char *actor, const char *action, const char *case_no,
		     const char *detail, kerr *err);

#endif
