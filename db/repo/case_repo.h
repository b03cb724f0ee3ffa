/* case_repo: cases and their steps. db_case_step() is the one way a case moves:
 * inside one transaction it checks with casefsm that the step is the next legal
 * one (so a replay after a crash cannot record it twice), writes the step's rows
 * (details, material decisions, decision, free-form detail for token, payment
 * and slip), advances the case and appends the audit row. */
#ifndef DB_CASE_REPO_H
#define DB_CASE_REPO_H

#include <stddef.h>
#include <stdint.h>

#include "core/case/casefsm.h"
#include "core/case/catalog.h"
#include "core/case/marks.h"
#include "core/case/party.h"
#include "core/base/err.h"
#include "db/db.h"

typedef struct case_rec {
	int64_t id;
	char case_no[40];          /* <kiosk>-<YYYYMMDD>-<NNNN> */
	char service_id[40];
	char clerk_id[33];
	case_status status;
	case_step last_step;       /* STEP_NONE right after opening */
	case_decision decision;
	case_party party;          /* unit and agent (core/case/party.h) */
	char holder[17];           /* holder type id, "" if none */
	int years;
	int seals;
	int64_t fee_fen;
	long rongque_deadline;     /* civil day, -1 if none */
	int64_t created_ms;
	int64_t updated_ms;
} case_rec;

/* Open a case for svc by clerk; fills out (case_no assigned per kiosk and day).
 * Refused once the supervisor has closed the day (day_anchors). */
int db_case_open(kdb *db, const service *svc, const char *clerk_id, case_rec *out, kerr *err);

typedef struct material_decision {
	const char *material_id;
	material_mark mark;       /* received, missing or defective (never MARK_UNSET) */
	const char *reason;       /* "" unless defective */
	int essential;
} material_decision;

/* What a step brings; only the part for that step is read. */
typedef struct case_step_data {
	const case_rec *details;             /* STEP_DETAILS: party fields, holder, years, seals, fee */
	const material_decision *materials;  /* STEP_MATERIALS */
	size_t n_materials;
	case_decision decision;              /* STEP_DECISION */
	long rongque_deadline;               /* STEP_DECISION with DEC_RONGQUE */
	const char *detail;                  /* free text stored on the step and in the audit row */
} case_step_data;

/* Complete `step` of case_no as actor. -1 with err when the step is not the
 * next legal one, the case is finished, or the store fails; nothing written.
 * Money, checked inside the transaction: with a fee, the payment step needs a
 * verified SUCCESS order of the case (with its transaction id) whose amount
 * is the fee, and so does the step that finishes an accepted case. */
int db_case_step(kdb *db, const service *svc, const char *actor, const char *case_no,
		 case_step step, const case_step_data *data, kerr *err);
/* Cancel an open case (the reason is audited). Refused for a case with a
 * SUCCESS order: a paid case is cancelled only by its refund
 * (db_refund_approve). */
int db_case_cancel(kdb *db, const char *actor, const char *case_no, const char *reason, kerr *err);
/* The same with the code of the reason picked (kiosk.ini [cancel] reasons,
 * "withdrawn" for a service picked by mistake; NULL none): the case.cancel
 * audit row's detail holds {"reason", "code", "after_step"}, which the
 * timeline shows and the day's CSV reports (no column of its own). */
int db_case_cancel_coded(kdb *db, const char *actor, const char *case_no, const char *code,
			 const char *reason, kerr *err);

/* ---- corrections (docs/corrections.md) ----
 * A confirmed step's data changed after the clerk went back to it. Before
 * the point of no return (the key written, the fee taken, the case finished)
 * the clerk corrects the details, the materials or the decision alone; the
 * steps that stood on the corrected one are taken back and confirmed again
 * (a changed materials list: the decision; anything: the supervisor's
 * approval), and the case moves back to the last step still standing. After
 * that point only the agent's name, ID number and mobile may change (neither
 * on the key nor in the fee), with a supervisor other than the clerk
 * (approved_by, checked by the caller with the supervisor's PIN) and a
 * reason. The case.correct audit row holds {"step", "changes":[{"field",
 * "old", "new"}...], "undone":[steps], "approved_by", "reason"}: both
 * versions, field by field. */
typedef struct case_correction {
	const char *case_no;
	const char *actor;                /* the clerk */
	case_step step;                   /* STEP_DETAILS, STEP_MATERIALS or STEP_DECISION */
	const case_step_data *data;       /* the step's data as db_case_step takes it */
	const char *approved_by;          /* the supervisor, past the point of no return */
	const char *reason;               /* why (needed past the point of no return) */
} case_correction;

/* 0 corrected, 1 nothing changed (nothing written), -1 refused with err. */
int db_case_correct(kdb *db, const service *svc, const case_correction *cc, kerr *err);
/* 1 when the case's key is written, its fee taken or it is finished; 0 not; -1 error. */
int db_case_past_return(kdb *db, const char *case_no, kerr *err);

/* 0 found, 1 no such case, -1 error. */
int db_case_get(kdb *db, const char *case_no, case_rec *out, kerr *err);

/* Material decisions recorded for a case; *out owned by the caller, free it
 * and its strings with db_material_decisions_free(). */
int db_case_materials(kdb *db, const char *case_no, material_decision **out, size_t *n, kerr *err);
void db_material_decisions_free(material_decision *m, size_t n);

/* Open (unfinished) cases of a clerk, newest first, for resuming; *out owned (free()). */
int db_case_list_open(kdb *db, const char *clerk_id, case_rec **out, size_t *n, kerr *err);
/* Cases a clerk opened on a civil day, newest first; *out owned (free()). */
int db_case_list_day(kdb *db, const char *clerk_id, long civil_day, case_rec **out, size_t *n,
		     kerr *err);
/* Cases found by what the customer remembers (at most 50, newest first):
 * the case number or its tail (the last digits, at least 4 characters), the
 * USCC (any letter case), or a fragment of the unit's or the agent's name.
 * Blanks around query are ignored; an empty query finds nothing. Text is
 * compared as typed (instr, substr): '%' and '_' are plain characters.
 * Through the search index of schema 11 (cases_find, cases_by_tail), the
 * rows and their order the same as a read of every case would give.
 * *out owned (free()). */
int db_case_find(kdb *db, const char *query, case_rec **out, size_t *n, kerr *err);
/* The search index (schema 11) merged into one piece: each write of a case
 * adds a small one, which a find reads through; the day close calls this
 * (db_day_close). 0 (also for a file without the index), -1 error. */
int db_case_find_tidy(kdb *db, kerr *err);

#endif
