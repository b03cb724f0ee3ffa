/* casefsm: the case as a state machine. A case goes through steps in a fixed
 * order; which steps a service has follows from the catalog (no token step for a
 * service without token operations, no payment step without fee items, approval
 * only where the service asks for it). After each completed step the case is
 * persisted, so a restart resumes at case_next_step(). Pure logic over values. */
#ifndef CORE_CASEFSM_H
#define CORE_CASEFSM_H

#include <stdbool.h>

#include "core/base/names.h"
#include "core/case/catalog.h"

/* Each table comes with <type>_name() (the word the database stores),
 * <type>_key() (the UI string) and <type>_from_name() (-1 unknown), from
 * core/base/names.h. Out of range: "?", except a step's "none" / "step.none". */

/* Steps in order. */
#define CASE_STEPS(X)                                           \
	X(STEP_DETAILS,   "details",   "step.details")   /* unit and agent */ \
	X(STEP_MATERIALS, "materials", "step.materials") /* checklist */       \
	X(STEP_DECISION,  "decision",  "step.decision")  /* 受理/容缺/不予受理 */ \
	X(STEP_APPROVAL,  "approval",  "step.approval")  /* supervisor (revoke) */ \
	X(STEP_TOKEN,     "token",     "step.token")     /* key operations */  \
	X(STEP_PAYMENT,   "payment",   "step.payment")   /* fee */             \
	X(STEP_SLIP,      "slip",      "step.slip")      /* 受理回执 / 一次性告知单 */

ENUM_DECLARE_WORD_KEY(case_step, CASE_STEPS, STEP_COUNT, STEP_NONE = -1);

/* Where a case stands; the outcome words of the counter. */
#define CASE_STATUSES(X)                                           \
	X(CS_OPEN,      "open",      "status.open")      /* 办理中 */    \
	X(CS_ACCEPTED,  "accepted",  "status.accepted")  /* 受理 */      \
	X(CS_RONGQUE,   "rongque",   "status.rongque")   /* 容缺受理 */  \
	X(CS_REFUSED,   "refused",   "status.refused")   /* 不予受理 */  \
	X(CS_COMPLETED, "completed", "status.completed") /* 办结 */      \
	X(CS_CANCELLED, "cancelled", "status.cancelled") /* 已撤销 */

ENUM_DECLARE_WORD_KEY(case_status, CASE_STATUSES, CS_COUNT);

#define CASE_DECISIONS(X)                                         \
	X(DEC_NONE,    "none",    "decision.none")                    \
	X(DEC_ACCEPT,  "accept",  "decision.accept")  /* 受理 */      \
	X(DEC_RONGQUE, "rongque", "decision.rongque") /* 容缺受理 */  \
	X(DEC_REFUSE,  "refuse",  "decision.refuse")  /* 不予受理 */

ENUM_DECLARE_WORD_KEY(case_decision, CASE_DECISIONS, DEC_COUNT);

/* Does svc have this step at all? */
bool case_step_applies(const service *svc, case_step step);

/* The step that follows `done` for svc given the decision taken (DEC_NONE before
 * the decision). After a refusal only the slip (the 一次性告知单) follows. Returns
 * STEP_NONE when the case is finished. done == STEP_NONE gives the first step. */
case_step case_next_step(const service *svc, case_step done, case_decision dec);

/* The status a case has once `done` is completed with dec. */
case_status case_status_after(case_step done, case_decision dec, case_status current);

/* Is completing `step` now legal, given the last completed step? Exactly the
 * next step is; anything else (skipping, repeating) is refused, which is how a
 * replay after a crash is prevented from recording a step twice. */
bool case_step_allowed(const service *svc, case_step last_done, case_decision dec,
		       case_step step);

/* Corrections (docs/corrections.md). The steps a clerk confirms and may
 * correct: the details, the materials, the decision. */
bool case_step_correctable(case_step step);
/* Whether `later`, recorded, must be taken back and confirmed again when
 * `corrected` changes: the decision stands on the materials, and the
 * supervisor's approval on everything the clerk confirmed before it. */
bool case_step_stands_on(case_step later, case_step corrected);

/* May a decision be recorded for svc at all? DEC_NONE never; DEC_RONGQUE only
 * where the service allows 容缺. (Whether the materials support it is the
 * checklist's verdict, in forms/.) */
bool case_decision_allowed(const service *svc, case_decision d);

#endif
