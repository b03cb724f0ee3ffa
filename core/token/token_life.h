/* token_life: the lifecycle of a customer key on the kiosk's side, after
 * Dogtag TPS: the states, the reasons a key moves, and the whitelist of
 * allowed moves (from, to, reason), each declared once below. The database
 * (db/token_repo) refuses any move that is not in the whitelist, checked
 * inside the transaction on the state as stored. A key the database has not
 * seen yet enters through one of the entries in TOKEN_ENTRIES. Pure data and
 * lookups; nothing is owned. */
#ifndef CORE_TOKEN_LIFE_H
#define CORE_TOKEN_LIFE_H

#include <stdbool.h>

#include "core/base/names.h"

/* Each table comes with <type>_name(), <type>_key() and <type>_from_name()
 * (-1 unknown), from core/base/names.h; out of range the name is "?" and
 * the key that of UNFORMATTED or REGISTERED. */

/* States: enum, name (as stored in tokens.state), UI string key. */
#define TOKEN_STATES(X)                                                  \
	X(TS_UNFORMATTED, "UNFORMATTED", "token.state.unformatted")      \
	X(TS_FORMATTED,   "FORMATTED",   "token.state.formatted")        \
	X(TS_ACTIVE,      "ACTIVE",      "token.state.active")           \
	X(TS_SUSPENDED,   "SUSPENDED",   "token.state.suspended")        \
	X(TS_DAMAGED,     "DAMAGED",     "token.state.damaged")          \
	X(TS_PERM_LOST,   "PERM_LOST",   "token.state.perm_lost")        \
	X(TS_TERMINATED,  "TERMINATED",  "token.state.terminated")

ENUM_DECLARE_WORD_KEY(token_state, TOKEN_STATES, TS_COUNT);

/* Why a key moves: enum, name (as stored in token_events.reason), UI key. */
#define TOKEN_REASONS(X)                                                       \
	X(TR_REGISTERED,   "registered",   "token.reason.registered")   /* a blank key taken in */     \
	X(TR_ADOPTED,      "adopted",      "token.reason.adopted")      /* a key issued elsewhere, first seen here */ \
	X(TR_PERSONALISED, "personalised", "token.reason.personalised") /* application, PINs, key pair */ \
	X(TR_ENROLLED,     "enrolled",     "token.reason.enrolled")     /* first certificate written */ \
	X(TR_RENEWED,      "renewed",      "token.reason.renewed")      /* certificate renewed */      \
	X(TR_REENROLLED,   "reenrolled",   "token.reason.reenrolled")   /* change: new certificate, same key */ \
	X(TR_ON_HOLD,      "on_hold",      "token.reason.on_hold")                                     \
	X(TR_RELEASED,     "released",     "token.reason.released")     /* hold lifted */              \
	X(TR_LOST,         "lost",         "token.reason.lost")                                        \
	X(TR_BROKEN,       "broken",       "token.reason.broken")                                      \
	X(TR_REVOKED,      "revoked",      "token.reason.revoked")      /* revocation: terminated */   \
	X(TR_ERASED,       "erased",       "token.reason.erased")       /* blank again, to be used again */ \
	X(TR_CANCELLED,    "cancelled",    "token.reason.cancelled")    /* its case cancelled: the case's certificates revoked */

ENUM_DECLARE_WORD_KEY(token_reason, TOKEN_REASONS, TR_COUNT);

/* The whitelist: (from, to, reason). */
#define TOKEN_TRANSITIONS(X)                            \
	X(TS_UNFORMATTED, TS_FORMATTED,   TR_PERSONALISED) \
	X(TS_FORMATTED,   TS_ACTIVE,      TR_ENROLLED)     \
	X(TS_FORMATTED,   TS_UNFORMATTED, TR_ERASED)       \
	X(TS_FORMATTED,   TS_DAMAGED,     TR_BROKEN)       \
	X(TS_FORMATTED,   TS_PERM_LOST,   TR_LOST)         \
	X(TS_ACTIVE,      TS_ACTIVE,      TR_RENEWED)      \
	X(TS_ACTIVE,      TS_ACTIVE,      TR_REENROLLED)   \
	X(TS_ACTIVE,      TS_SUSPENDED,   TR_ON_HOLD)      \
	X(TS_ACTIVE,      TS_DAMAGED,     TR_BROKEN)       \
	X(TS_ACTIVE,      TS_PERM_LOST,   TR_LOST)         \
	X(TS_ACTIVE,      TS_TERMINATED,  TR_REVOKED)      \
	X(TS_ACTIVE,      TS_ACTIVE,      TR_CANCELLED)    \
	X(TS_ACTIVE,      TS_TERMINATED,  TR_CANCELLED)    \
	X(TS_SUSPENDED,   TS_ACTIVE,      TR_RELEASED)     \
	X(TS_SUSPENDED,   TS_DAMAGED,     TR_BROKEN)       \
	X(TS_SUSPENDED,   TS_PERM_LOST,   TR_LOST)         \
	X(TS_SUSPENDED,   TS_TERMINATED,  TR_REVOKED)      \
	X(TS_SUSPENDED,   TS_TERMINATED,  TR_CANCELLED)    \
	X(TS_TERMINATED,  TS_UNFORMATTED, TR_ERASED)

/* How a key unknown to the database enters it: (state, reason). */
#define TOKEN_ENTRIES(X)                    \
	X(TS_UNFORMATTED, TR_REGISTERED)   \
	X(TS_ACTIVE,      TR_ADOPTED)

/* Whether (from, to, why) is in the whitelist. */
bool token_life_allowed(token_state from, token_state to, token_reason why);
/* Whether a new key may enter in state `to` for `why`. */
bool token_life_entry(token_state to, token_reason why);
/* No move leaves the state (PERM_LOST, DAMAGED). */
bool token_life_final(token_state s);

#endif
