/* staff_repo: the staff table. PINs are kept only as pinhash strings; every
 * add, login, failure, wait, logout and every supervisor's change of a member
 * (unlock, new PIN, disable, role) is written with its audit row.
 *
 * Authority: the changes a supervisor makes take the acting id `by` and check
 * it again inside their own transaction (an active supervisor), so a
 * supervisor disabled a moment earlier cannot act; the caller has checked
 * that supervisor's PIN with db_staff_login_as(). Only the very first member
 * of an empty database is added by nobody (db_staff_add_first). */
#ifndef DB_STAFF_REPO_H
#define DB_STAFF_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/case/staff.h"
#include "db/db.h"

typedef struct staff_rec {
	char id[33];
	char name[97];
	staff_role role;
	int failures;             /* wrong PINs in a row since the last right one */
	int64_t locked_until_ms;  /* no PIN is checked before this time; 0: no wait */
	bool active;              /* false: disabled, cannot sign in */
} staff_rec;

/* Add a member of staff. id: 1-32 of [A-Za-z0-9_.-]; name 1-32 characters;
 * pin acceptable to pinhash_acceptable(). Existing id -> -1 with err. The
 * caller vouches for actor (kioskctl: a supervisor whose PIN it checked). */
int db_staff_add(kdb *db, const char *actor, const char *id, const char *name,
		 staff_role role, const char *pin, kerr *err);
/* The first member of an empty database: a supervisor, added by nobody
 * (audited as staff.add_first by "system"), in the same transaction that
 * finds the staff table empty. 0 added; 1 refused (the table has a row,
 * disabled ones included: err says so); -1 error (a bad id, name or PIN). */
int db_staff_add_first(kdb *db, const char *id, const char *name, const char *pin,
		       kerr *err);
/* 0 found, 1 no such id, -1 error. */
int db_staff_get(kdb *db, const char *id, staff_rec *out, kerr *err);
/* Every member, disabled ones too, by id: *out malloc'd (NULL when none),
 * the caller frees it. 0, or -1 with err. */
int db_staff_list(kdb *db, staff_rec **out, size_t *n, kerr *err);

/* A supervisor's changes of a member `id`, each in one transaction with its
 * audit row (actor `by`). 0 done; 1 refused with err saying why (`by` is not
 * an active supervisor, no such id, nothing to change, or it would leave no
 * active supervisor); -1 error. */
/* End the member's wait and clear the count of wrong PINs (staff.unlock_by). */
int db_staff_unlock(kdb *db, const char *by, const char *id, kerr *err);
/* A new PIN (pinhash_acceptable(), else -1); the count and wait cleared too
 * (staff.reset_pin; the PIN is not in the detail). */
int db_staff_reset_pin(kdb *db, const char *by, const char *id, const char *pin, kerr *err);
/* The member can no longer sign in, at the kiosk or as --by (staff.disable).
 * Rows are never deleted: cases keep naming their clerk. */
int db_staff_disable(kdb *db, const char *by, const char *id, kerr *err);
/* A new role for an active member (staff.role, from and to). */
int db_staff_set_role(kdb *db, const char *by, const char *id, staff_role role, kerr *err);

typedef enum login_result {
	LOGIN_OK,
	LOGIN_BAD_PIN,    /* checked and wrong: *tries_left more before the waits;
			   * at 0, out->locked_until_ms is the wait it began */
	LOGIN_LOCKED,     /* not checked nor counted: the id waits until
			   * out->locked_until_ms */
	LOGIN_UNKNOWN,    /* no such (active) staff id */
	LOGIN_WRONG_ROLE, /* db_staff_login_as: the id has another role; its PIN
			   * was not checked nor its count touched */
	LOGIN_ERROR,      /* err filled */
} login_result;

/* Check a PIN. Wrong PINs are counted; from the max_failures-th in a row
 * each one makes the id wait (staff_wait_ms(): 1 s, 2 s, 4 s ... up to
 * max_wait_s), and while it waits no PIN is checked. A right PIN resets the
 * count; the count does not start again by itself when a wait ends. Audited
 * either way (staff.login, staff.login_failed, staff.locked). */
login_result db_staff_login(kdb *db, const char *id, const char *pin, int max_failures,
			    int max_wait_s, staff_rec *out, int *tries_left, kerr *err);
/* The same for an act that needs a role: the role is checked first, so a
 * wrong PIN typed with a clerk's id where a supervisor's is asked for counts
 * against nobody (LOGIN_WRONG_ROLE, audited). */
login_result db_staff_login_as(kdb *db, const char *id, const char *pin, staff_role need,
			       int max_failures, int max_wait_s, staff_rec *out, int *tries_left,
			       kerr *err);
int db_staff_logout(kdb *db, const char *id, kerr *err);

#endif
