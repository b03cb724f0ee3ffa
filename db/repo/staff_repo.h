/* staff_repo: the staff table. PINs are kept only as pinhash strings; every
 * add, login, failure, lock and logout is written with its audit row. */
#ifndef DB_STAFF_REPO_H
#define DB_STAFF_REPO_H

#include <stdbool.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/case/staff.h"
#include "db/db.h"

typedef struct staff_rec {
	char id[33];
	char name[97];
	staff_role role;
	int failures;             /* consecutive wrong PINs */
	int64_t locked_until_ms;  /* 0 when not locked */
	bool active;
} staff_rec;

/* Add a member of staff. id: 1-32 of [A-Za-z0-9_.-]; name 1-32 characters;
 * pin acceptable to pinhash_acceptable(). Existing id -> -1 with err. */
int db_staff_add(kdb *db, const char *actor, const char *id, const char *name,
		 staff_role role, const char *pin, kerr *err);
/* 0 found, 1 no such id, -1 error. */
int db_staff_get(kdb *db, const char *id, staff_rec *out, kerr *err);

typedef enum login_result {
	LOGIN_OK,
	LOGIN_BAD_PIN,   /* *tries_left more before the lock */
	LOGIN_LOCKED,    /* locked until out->locked_until_ms */
	LOGIN_UNKNOWN,   /* no such (active) staff id */
	LOGIN_ERROR,     /* err filled */
} login_result;

/* Check a PIN; counts failures and locks the id for lock_minutes after
 * max_failures in a row; a success resets the count. Audited either way. */
login_result db_staff_login(kdb *db, const char *id, const char *pin, int max_failures,
			    int lock_minutes, staff_rec *out, int *tries_left, kerr *err);
int db_staff_logout(kdb *db, const char *id, kerr *err);

#endif
