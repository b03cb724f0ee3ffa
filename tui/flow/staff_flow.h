/* staff_flow: a supervisor's changes of the staff at the kiosk, the same
 * acts as `kioskctl staff` (db/repo/staff_repo.h): list, add, end a wait
 * (unlock), set a new PIN, disable. The acting supervisor is the one signed
 * in (k->user, whose PIN the sign-in checked); each change is audited with
 * that id, and the store checks again, in the change's own transaction,
 * that it is an active supervisor. Every function says what it did or why
 * not in msg (the clerk's words) and wipes the PINs it was handed. */
#ifndef TUI_FLOW_STAFF_FLOW_H
#define TUI_FLOW_STAFF_FLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/flow/counter.h"

/* Every member, disabled ones too, by id: *out owned (free()); false with
 * the reason in msg. */
bool staff_flow_list(counter *k, staff_rec **out, size_t *n, char *msg, size_t msg_n);
/* A new member with a PIN typed twice (pin, again). */
bool staff_flow_add(counter *k, const char *id, const char *name, staff_role role, char *pin,
		    char *again, char *msg, size_t msg_n);
/* End the member's wait and clear its count of wrong PINs. */
bool staff_flow_unlock(counter *k, const char *id, char *msg, size_t msg_n);
/* A new PIN typed twice. */
bool staff_flow_reset_pin(counter *k, const char *id, char *pin, char *again, char *msg,
			  size_t msg_n);
/* The member can no longer sign in (not the supervisor acting). */
bool staff_flow_disable(counter *k, const char *id, char *msg, size_t msg_n);

#endif
