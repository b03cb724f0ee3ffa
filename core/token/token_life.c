/* token_life: names and the whitelist lookups (token_life.h). */
#include "core/token/token_life.h"

#include <stddef.h>

#include "core/base/names.h"

static const char *const state_names[] = {
#define X(e, name, key) name,
	TOKEN_STATES(X)
#undef X
};
static const char *const state_keys[] = {
#define X(e, name, key) key,
	TOKEN_STATES(X)
#undef X
};
static const char *const reason_names[] = {
#define X(e, name, key) name,
	TOKEN_REASONS(X)
#undef X
};
static const char *const reason_keys[] = {
#define X(e, name, key) key,
	TOKEN_REASONS(X)
#undef X
};

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

const char *token_state_name(token_state s)
{
	return names_at(state_names, TS_COUNT, (int)s, "?");
}

const char *token_state_key(token_state s)
{
	return names_at(state_keys, TS_COUNT, (int)s, "token.state.unformatted");
}

int token_state_from_name(const char *s)
{
	return names_index(state_names, TS_COUNT, s);
}

const char *token_reason_name(token_reason r)
{
	return names_at(reason_names, TR_COUNT, (int)r, "?");
}

const char *token_reason_key(token_reason r)
{
	return names_at(reason_keys, TR_COUNT, (int)r, "token.reason.registered");
}

int token_reason_from_name(const char *s)
{
	return names_index(reason_names, TR_COUNT, s);
}

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
