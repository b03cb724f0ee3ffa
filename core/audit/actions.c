/* actions: the audit action table's lookups (see actions.h). */
#include "core/audit/actions.h"

#include "core/base/names.h"

static const char *const action_words[] = {
#define X(e, word) word,
	AUDIT_ACTIONS(X)
#undef X
#define X(e, name, key) "case." name,
	CASE_STEPS(X)
#undef X
#define X(e, name, key) "token." name,
	TOKEN_REASONS(X)
#undef X
};

/* Where the generated families start: right after the fixed rows. */
enum {
#define X(e, word) AUD_FIXED_##e,
	AUDIT_ACTIONS(X)
#undef X
	AUD_FIXED_COUNT
};
_Static_assert(AUD_COUNT == AUD_FIXED_COUNT + STEP_COUNT + TR_COUNT,
	       "the audit actions are the fixed rows, then one per step, then one per reason");
_Static_assert(sizeof action_words / sizeof *action_words == AUD_COUNT,
	       "one word per audit action");

const char *audit_action_name(audit_action a)
{
	return names_at(action_words, AUD_COUNT, (int)a, "?");
}

int audit_action_from_name(const char *s)
{
	return names_index(action_words, AUD_COUNT, s);
}

audit_action audit_action_of_step(case_step s)
{
	return (unsigned)s < STEP_COUNT ? (audit_action)(AUD_FIXED_COUNT + s) : AUD_COUNT;
}

audit_action audit_action_of_reason(token_reason r)
{
	return (unsigned)r < TR_COUNT ? (audit_action)(AUD_FIXED_COUNT + STEP_COUNT + r) : AUD_COUNT;
}
