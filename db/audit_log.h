/* audit_log (private to db/): the in-transaction append that every change of
 * the repositories and the migrations writes with its business rows, and the
 * chain walk the verifier runs. The public side (db_audit_append,
 * db_audit_for_case; db_audit_verify is ledger_verify.c's) is in db.h. Sits
 * on the store only. */
#ifndef DB_AUDIT_LOG_H
#define DB_AUDIT_LOG_H

#include "core/audit/actions.h"
#include "core/base/err.h"
#include "db/db.h"

/* Append an audit row inside the current operation (the caller's
 * transaction): reads the head, hashes, inserts the action's word. case_no
 * may be NULL. -1 with err for an action outside the table. */
int dbi_audit_append(kdb *db, const char *actor, audit_action action, const char *case_no,
		     const char *detail, kerr *err);
/* For tests only: append a row (in its own operation, like db_audit_append)
 * whose action is any word, also one outside the table, so that the chain's
 * own tests can write rows of their own ("test.row") and check the refusal
 * of an empty or over-long word. Nothing in the kiosk or kioskctl calls it:
 * their rows go through the table. */
int dbi_audit_append_raw(kdb *db, const char *actor, const char *action, const char *case_no,
			 const char *detail, kerr *err);

/* Called by the walk for every row whose hash checks out, in order (detail
 * is detail_len bytes, NUL-free): 0 to go on, -1 to stop with err. */
typedef int (*dbi_walk_visit)(void *ctx, int64_t seq, const char *action, const char *detail,
			      size_t detail_len, kerr *err);
/* The chain walk of db_audit_verify(), inside the caller's (read)
 * transaction: fills res's chain fields; visit (may be NULL) sees each good
 * row. 0 intact, 1 tampered (bad_seq, problem), -1 error. */
int dbi_audit_walk(kdb *db, audit_verify_result *res, dbi_walk_visit visit, void *ctx,
		   kerr *err);

#endif
