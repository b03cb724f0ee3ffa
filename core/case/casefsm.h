/* casefsm: the case as a state machine. A case goes through steps in a fixed
 * order; which steps a service has follows from the catalog (no token step for a
 * service without token operations, no payment step without fee items, approval
 * only where the service asks for it). After each completed step the case is
 * persisted, so a restart resumes at case_next_step(). Pure logic over values. */
#ifndef CORE_CASEFSM_H
#define CORE_CASEFSM_H

#include <stdbool.h>

#include "core/case/catalog.h"

/* Steps in order; name is what the database stores, key the UI string. */
#define CASE_STEPS(X)                                           \
	X(STEP_DETAILS,   "details",   "step.details")   /* unit and agent */ \
	X(STEP_MATERIALS, "materials", "step.materials") /* checklist */       \
	X(STEP_DECISION,  "decision",  "step.decision")  /* 受理/容缺/不予受理 */ \
	X(STEP_APPROVAL,  "approval",  "step.approval")  /* supervisor (revoke) */ \
	X(STEP_TOKEN,     "token",     "step.token")     /* key operations */  \
	X(STEP_PAYMENT,   "payment",   "step.payment")   /* fee */             \
	X(STEP_SLIP,      "slip",      "step.slip")      /* 受理回执 / 一次性告知单 */

typedef enum case_step {
#define X(e, name, key) e,
	CASE_STEPS(X)
#undef X
	STEP_COUNT,
	STEP_NONE = -1
} case_step;

/* Where a case stands; the outcome words of the counter. */
#define CASE_STATUSES(X)                                           \
	X(CS_OPEN,      "open",      "status.open")      /* 办理中 */    \
	X(CS_ACCEPTED,  "accepted",  "status.accepted")  /* 受理 */      \
	X(CS_RONGQUE,   "rongque",   "status.rongque")   /* 容缺受理 */  \
	X(CS_REFUSED,   "refused",   "status.refused")   /* 不予受理 */  \
	X(CS_COMPLETED, "completed", "status.completed") /* 办结 */      \
	X(CS_CANCELLED, "cancelled", "status.cancelled") /* 已撤销 */

typedef enum case_status {
#define X(e, name, key) e,
	CASE_STATUSES(X)
#undef X
	CS_COUNT
} case_status;

#define CASE_DECISIONS(X)                                         \
	X(DEC_NONE,    "none",    "decision.none")                    \
	X(DEC_ACCEPT,  "accept",  "decision.accept")  /* 受理 */      \
	X(DEC_RONGQUE, "rongque", "decision.rongque") /* 容缺受理 */  \
	X(DEC_REFUSE,  "refuse",  "decision.refuse")  /* 不予受理 */

typedef enum case_decision {
#define X(e, name, key) e,
	CASE_DECISIONS(X)
#undef X
	DEC_COUNT
} case_decision;

const char *case_step_name(case_step s);
const char *case_step_key(case_step s);
int case_step_from_name(const char *s);
const char *case_status_name(case_status s);
const char *case_status_key(case_status s);
int case_status_from_name(const char *s);
const char *case_decision_name(case_decision d);
const char *case_decision_key(case_decision d);
int case_decision_from_name(const char *s);

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

/* May a decision be recorded for svc at all? DEC_NONE never; DEC_RONGQUE only
 * where the service allows 容缺. (Whether the materials support it is the
 * checklist's verdict, in forms/.) */
bool case_decision_allowed(const service *svc, case_decision d);

#endif
