/* training_repo: the trainer's score sheet, table training_results (schema v4),
 * written only in the demo database. One row per scenario played: the
 * session, the trainee, the scenario, the demo case, the expected and the
 * trainee's outcome as score words (core/train/score.h: "refuse",
 * "stop:key_missing"), right or wrong and what was missed. Each row is written with its audit row
 * (training.result) in one transaction. Lists are owned by the caller (free()). */
#ifndef DB_TRAINING_REPO_H
#define DB_TRAINING_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/train/score.h"
#include "db/db.h"

#define TRAINING_SESSION_MAX 40 /* session_no: 1-40 characters */

typedef struct training_result {
	char session_no[TRAINING_SESSION_MAX * 4 + 1]; /* up to 40 characters of UTF-8 */
	char trainee[33];            /* staff id */
	char scenario_id[SCENARIO_ID_MAX + 1];
	char case_no[48];            /* the demo case played; "" when none was opened */
	char expected[SCORE_WORD_MAX];
	char decided[SCORE_WORD_MAX];
	bool correct;
	char missed[SCORE_MISSED_MAX]; /* "" exactly when correct */
	int64_t at_ms;               /* when scored; 0 on recording: now */
} training_result;

/* Record one play. Checked before anything is written: session_no 1-40
 * characters without control characters; trainee a member of staff;
 * scenario_id 1-40 of a-z 0-9 _; case_no "" or a case of this database not
 * scored before; expected and decided score words (expected never cancel);
 * correct exactly when decided equals expected and missed is empty; missed
 * valid UTF-8. Returns 0, or -1 with err and nothing written. */
int db_training_record(kdb *db, const training_result *r, kerr *err);

/* The rows of one session in the order played; *out NULL and *n 0 when the
 * session has none. */
int db_training_session(kdb *db, const char *session_no, training_result **out, size_t *n,
			kerr *err);

typedef struct training_session {
	char session_no[TRAINING_SESSION_MAX * 4 + 1];
	char trainee[33];            /* of its first row */
	int64_t first_ms, last_ms;
	long played, right;
} training_session;

/* Every session, latest (last row played) first. */
int db_training_sessions(kdb *db, training_session **out, size_t *n, kerr *err);

/* A session number not used yet: "TR-<YYYYMMDD>-<NN>" for the civil day,
 * NN from 01 (more digits after 99). buf >= 24 bytes. 0, or -1 with err. */
int db_training_next_session(kdb *db, long civil_day, char *buf, size_t n, kerr *err);

#endif
