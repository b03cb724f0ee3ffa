/* token_life: names and the whitelist lookups (token_life.h). */
#include "core/token/token_life.h"

#include <stddef.h>

#include "core/base/names.h"

ENUM_DEFINE_WORD_KEY(token_state, TOKEN_STATES, "?", "token.state.unformatted")
ENUM_DEFINE_WORD_KEY(token_reason, TOKEN_REASONS, "?", "token.reason.registered")

static const struct move {
	token_state from, to;
	token_reason why;
} moves[] = {
#define X(f, t, r) { f, t, r },
	TOKEN_TRANSITIONS(X)
#undef X
};

static const struct entry {
	token_state to;
	token_reason why;
} entries[] = {
#define X(t, r) { t, r },
	TOKEN_ENTRIES(X)
#undef X
};

bool token_life_allowed(token_state from, token_state to, token_reason why)
{
	for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
		if (moves[i].from == from && moves[i].to == to && moves[i].why == why)
			return true;
	return false;
}

bool token_life_entry(token_state to, token_reason why)
{
	for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++)
		if (entries[i].to == to && entries[i].why == why)
			return true;
	return false;
}

bool token_life_final(token_state s)
{
	for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
		if (moves[i].from == s)
			return false;
	return true;
}
