/* supp_repo: the two records that follow a case's end (issue 13). 容缺补交:
 * a 容缺 case (accepted with a non-essential material missing, its slip
 * printed, a deadline set) is completed when the customer brings back what it
 * owed; db_case_supplement() records each material received (supplements),
 * turns the case 办结 and writes its audit row in one transaction. After the
 * deadline only a supervisor lets it through, with a note (docs/clerk-guide.md
 * "容缺补交"). 好差评: db_rating_record() keeps the customer's one rating of a
 * case (GB/T 39734 一次一评); a 差评 carries the day its follow-up is due, and
 * db_rating_resolve() records once who followed it up, when and what was
 * done. Lists: the 容缺 cases still owed on any day, a day's ratings and the
 * 差评 still open. Every array returned is the caller's to free(). */
#ifndef DB_SUPP_REPO_H
#define DB_SUPP_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/case/rating.h"
#include "db/db.h"
#include "db/repo/case_repo.h"

#define SUPP_NOTE_MAX 400   /* bytes of a late supplement's note */
#define RATING_TEXT_MAX 400 /* bytes of a rating's comment and of a resolution */

/* ---- 容缺补交 ---- */

typedef struct supplement_rec {
	char material_id[64];
	char actor[33];            /* the clerk who took it */
	int64_t at_ms;
	char late_by[33];          /* the supervisor who allowed it after the deadline, "" */
	char note[SUPP_NOTE_MAX + 1];
} supplement_rec;

/* Record that the customer brought back what 容缺 case case_no owed: ids[0..n)
 * are exactly the materials not received at its acceptance (each once), taken
 * by actor. The case must be 容缺受理 with its slip printed. After its
 * deadline (today later than it) late_by names the active supervisor who
 * allows it (the caller checked the PIN; not the actor) and note says why
 * (1-400 bytes); in time both are NULL. One supplements row per material, the
 * case 办结 (status completed), a `case.supplement` audit row
 * {"received":[ids],"deadline","late_by","note"}. 0, or -1 with err (nothing
 * written). */
int db_case_supplement(kdb *db, const char *actor, const char *case_no, const char *const *ids,
		       size_t n, const char *late_by, const char *note, kerr *err);
/* The supplement rows of a case, in the order taken; *out NULL when none. */
int db_case_supplements(kdb *db, const char *case_no, supplement_rec **out, size_t *n, kerr *err);
/* Every 容缺 case still owed (status rongque, slip printed), on any day, the
 * nearest deadline first; at most 200. */
int db_rongque_owed(kdb *db, case_rec **out, size_t *n, kerr *err);

/* ---- 好差评 ---- */

typedef struct rating_rec {
	char case_no[40];
	rating_level level;
	char comment[RATING_TEXT_MAX + 1];
	char actor[33];            /* who recorded it (the clerk at the window) */
	int64_t at_ms;
	long day;                  /* civil day it was given */
	long due_day;              /* a 差评's follow-up deadline, -1 for the others */
	char resolved_by[33];      /* "" while open */
	int64_t resolved_ms;
	char resolution[RATING_TEXT_MAX + 1];
	/* the case, for the lists */
	char service_id[40];
	char unit_name[256];
	char clerk_id[33];
} rating_rec;

/* The customer's rating of case_no, recorded once by actor, with an optional
 * comment (NULL or ""; up to 400 bytes). The case must be over at the window:
 * its slip (or notice) printed, or cancelled. A 差评 gets its due day:
 * due_day, which the caller computes with rating_due() (core/case/rating.h),
 * on or after today; for other levels due_day is ignored. A `case.rating`
 * audit row. 0, or -1 with err (already rated, not over, bad text). */
int db_rating_record(kdb *db, const char *actor, const char *case_no, rating_level level,
		     const char *comment, long due_day, kerr *err);
/* The rating of a case: 0 found, 1 none, -1 error. */
int db_rating_get(kdb *db, const char *case_no, rating_rec *out, kerr *err);
/* Record what was done about case_no's 差评 (the call-back, the outcome), by
 * an active supervisor, once. A `rating.resolve` audit row. */
int db_rating_resolve(kdb *db, const char *by, const char *case_no, const char *what, kerr *err);
/* The 差评 a day view shows for civil_day: those given that day, and those
 * given before it still open, the nearest due day first, then the resolved
 * ones. */
int db_ratings_bad(kdb *db, long civil_day, rating_rec **out, size_t *n, kerr *err);
/* Every rating given on civil_day, in the order given. */
int db_ratings_of_day(kdb *db, long civil_day, rating_rec **out, size_t *n, kerr *err);

#endif
