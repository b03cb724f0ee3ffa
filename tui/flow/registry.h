/* registry: the unit's keys as the hall's central registry holds them, for
 * a reissue, a revocation or a binding at the counter (docs/deployment.md,
 * "Reads that need the hall"). An interface, so the flow never sees libpq
 * (the kiosk does not link it): the hall's implementation runs `kioskctl
 * hall lookup` as a child process and never waits past its bound (the
 * child is killed then), so the clerk is never held longer; a test gives a
 * fake. Owned by whoever made it (registry_free). */
#ifndef TUI_FLOW_REGISTRY_H
#define TUI_FLOW_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/base/config.h"
#include "db/repo/token_repo.h"

/* One key as the centre holds it. */
typedef struct reg_key {
	char serial[64];
	char state[24];    /* its last state's name (token_state), "" unknown */
	char reason[24];
	char kiosk[25];    /* the kiosk that moved it last */
	char hall[25];     /* and that kiosk's hall */
	/* its last binding, wherever made: the agent, "" none */
	char bound_agent[100];
	char bound_uscc[24];
	char bound_kiosk[25], bound_hall[25];
	long long bound_seq;  /* that binding's audit row at bound_kiosk, 0 not said */
} reg_key;

typedef struct registry registry;
struct registry {
	/* The unit's keys: 0 online (*out malloc'd, *n), 1 the centre could not
	 * be asked within the bound (nothing in *out). */
	int (*lookup)(registry *r, const char *uscc, reg_key **out, size_t *n);
	void (*free)(registry *r);
};

int registry_lookup(registry *r, const char *uscc, reg_key **out, size_t *n);
void registry_free(registry *r);

/* The centre's word on a key in a list of it, NULL when it is not there. */
const reg_key *registry_find(const reg_key *c, size_t n, const char *serial);

/* The hall's registry: argv (copied; NULL-terminated) and then "--uscc U
 * --timeout S" run as a child, its output read, killed after timeout_s + 1
 * seconds. NULL when out of memory. */
registry *registry_child_new(const char *const *argv, int timeout_s);
/* The kiosk's: `kioskctl hall lookup --config DIR` with the kioskctl beside
 * this program, a 2-second bound. NULL with no [hall] central, in demo mode
 * (the trainer's cases never reach the hall). */
#define REGISTRY_TIMEOUT_S 2
registry *registry_for(const kiosk_config *cfg, bool demo);

/* The binding a binding of key serial sees when the hall answered with the
 * keys c (online): the key's last binding as the hall holds it (its kiosk
 * and row), or none when the hall lists no binding of it (the key is not
 * among the unit's keys, or was never bound). False when the hall named a
 * binding without its row: then only this file's record can be said. */
bool registry_seen(const reg_key *c, size_t n, const char *serial, token_seen *out);

/* Whether a state's name is a retired key's (lost, broken, revoked). */
bool registry_retired(const char *state);

/* The centre's keys merged into a unit's keys on record here: a key the
 * centre knows and this file does not is added (its state as the centre
 * says); a key the centre says is retired takes that state. *list is
 * realloc'd. Returns how many were added, -1 out of memory. */
int registry_merge(const reg_key *c, size_t n_c, token_rec **list, size_t *n);

#endif
