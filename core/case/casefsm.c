#include "core/case/casefsm.h"

#include "core/base/names.h"

#define NAMES(X_TABLE, T)                                      \
	static const char *const T##_names[] = { X_TABLE(NAME_OF) }; \
	static const char *const T##_keys[] = { X_TABLE(KEY_OF) };
#define NAME_OF(e, name, key) name,
#define KEY_OF(e, name, key) key,
NAMES(CASE_STEPS, step)
NAMES(CASE_STATUSES, status)
NAMES(CASE_DECISIONS, decision)
#undef NAME_OF
#undef KEY_OF
#undef NAMES

static int find(const char *const *names, int n, const char *s)
{
	return names_index(names, n, s);
}

const char *case_step_name(case_step s)
{
	return (unsigned)s < STEP_COUNT ? step_names[s] : "none";
}
const char *case_step_key(case_step s)
{
	return (unsigned)s < STEP_COUNT ? step_keys[s] : "step.none";
}
int case_step_from_name(const char *s)
{
	return find(step_names, STEP_COUNT, s);
}
const char *case_status_name(case_status s)
{
	return (unsigned)s < CS_COUNT ? status_names[s] : "?";
}
const char *case_status_key(case_status s)
{
	return (unsigned)s < CS_COUNT ? status_keys[s] : "?";
}
int case_status_from_name(const char *s)
{
	return find(status_names, CS_COUNT, s);
}
const char *case_decision_name(case_decision d)
{
	return (unsigned)d < DEC_COUNT ? decision_names[d] : "?";
}
const char *case_decision_key(case_decision d)
{
	return (unsigned)d < DEC_COUNT ? decision_keys[d] : "?";
}
int case_decision_from_name(const char *s)
{
	return find(decision_names, DEC_COUNT, s);
}

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
