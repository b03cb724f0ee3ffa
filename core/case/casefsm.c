#include "core/case/casefsm.h"

#include "core/base/names.h"

ENUM_DEFINE_WORD_KEY(case_step, CASE_STEPS, "none", "step.none")
ENUM_DEFINE_WORD_KEY(case_status, CASE_STATUSES, "?", "?")
ENUM_DEFINE_WORD_KEY(case_decision, CASE_DECISIONS, "?", "?")

bool case_step_applies(const service *svc, case_step step)
{
	switch (step) {
	case STEP_APPROVAL:
		return svc->approval_required;
	case STEP_TOKEN:
		return svc->n_token_ops > 0;
	case STEP_PAYMENT:
		return svc->fee_items != 0;
	case STEP_DETAILS:
	case STEP_MATERIALS:
	case STEP_DECISION:
	case STEP_SLIP:
		return true;
	default:
		return false;
	}
}

case_step case_next_step(const service *svc, case_step done, case_decision dec)
{
	if (done == STEP_NONE)
		return STEP_DETAILS;
	if ((unsigned)done >= STEP_COUNT || done == STEP_SLIP)
		return STEP_NONE;
	/* A refused case gets its one-time notice and nothing else. */
	if (dec == DEC_REFUSE && done >= STEP_DECISION)
		return STEP_SLIP;
	for (int s = done + 1; s < STEP_COUNT; s++)
		if (case_step_applies(svc, (case_step)s))
			return (case_step)s;
	return STEP_NONE;
}

case_status case_status_after(case_step done, case_decision dec, case_status current)
{
	if (done == STEP_DECISION) {
		switch (dec) {
		case DEC_ACCEPT:
			return CS_ACCEPTED;
		case DEC_RONGQUE:
			return CS_RONGQUE;
		case DEC_REFUSE:
			return CS_REFUSED;
		default:
			return current;
		}
	}
	/* The slip ends an accepted case (办结). A 容缺 case stays 容缺受理 until
	 * the missing material is supplied; a refused one stays refused. */
	if (done == STEP_SLIP && current == CS_ACCEPTED)
		return CS_COMPLETED;
	return current;
}

bool case_step_allowed(const service *svc, case_step last_done, case_decision dec,
		       case_step step)
{
	return step != STEP_NONE && step == case_next_step(svc, last_done, dec);
}

bool case_decision_allowed(const service *svc, case_decision d)
{
	switch (d) {
	case DEC_ACCEPT:
	case DEC_REFUSE:
		return true;
	case DEC_RONGQUE:
		return svc->rongque_allowed;
	default:
		return false;
	}
}

bool case_step_correctable(case_step step)
{
	return step == STEP_DETAILS || step == STEP_MATERIALS || step == STEP_DECISION;
}

bool case_step_stands_on(case_step later, case_step corrected)
{
	if (!case_step_correctable(corrected) || later <= corrected)
		return false;
	return later == STEP_APPROVAL || (later == STEP_DECISION && corrected == STEP_MATERIALS);
}
