/* session: who is at the window. Signing in (staff id and PIN, the store
 * counts wrong PINs and makes the id wait, a little longer each time up to
 * max_wait_seconds), the idle lock and its unlock by the same
 * clerk or a supervisor's takeover, signing out; each audited. */
#ifndef TUI_FLOW_SESSION_H
#define TUI_FLOW_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/flow/counter.h"

/* Check id and PIN (the PIN is wiped): true with *who signed in; else false
 * with the reason in msg and *unknown when no such id. */
bool session_check(counter *k, const char *id, char *pin, staff_rec *who, char *msg, size_t n,
		   bool *unknown);
/* The message for an id that must wait (login.locked: the seconds left of
 * who->locked_until_ms, rounded up), for the sign-in and the approvals. */
void session_wait_text(const counter *k, const staff_rec *who, char *msg, size_t n);
/* The window locks (idle or F9), audited with the case in progress ("" none). */
void session_lock(counter *k, const char *case_no);
/* *who, just checked, unlocks: the same clerk, a supervisor who takes the
 * window over, or the window's own clerk who takes it back from that
 * supervisor (both audited as staff.takeover); true when unlocked, else the
 * reason in msg. */
bool session_unlock(counter *k, const staff_rec *who, const char *case_no, char *msg, size_t n);
/* Sign out (leaving the program). */
void session_logout(counter *k);

#endif
