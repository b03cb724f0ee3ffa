/* staff: the roles of the people who use the kiosk, declared once. Clerks serve
 * customers; supervisors review, approve and close the day; trainers run demo
 * mode. */
#ifndef CORE_STAFF_H
#define CORE_STAFF_H

#include "core/base/names.h"

#define STAFF_ROLES(X)                                             \
	X(ROLE_CLERK,      "clerk",      "role.clerk")      /* 窗口经办 */ \
	X(ROLE_SUPERVISOR, "supervisor", "role.supervisor") /* 值班主管 */ \
	X(ROLE_TRAINER,    "trainer",    "role.trainer")    /* 培训师 */

/* staff_role_name() is the word stored, _key() the UI string ("?" out of
 * range), _from_name() -1 for an unknown word (core/base/names.h). */
ENUM_DECLARE_WORD_KEY(staff_role, STAFF_ROLES, ROLE_COUNT);

/* How long an id waits after its `failures`-th wrong PIN in a row, in ms:
 * nothing before the max_failures-th, then 1 s, 2 s, 4 s ... doubling up to
 * max_wait_s (kiosk.ini [login]). A wait instead of a long lock: a storm of
 * wrong PINs keeps nobody out for more than max_wait_s, and a guesser gets
 * one PIN a wait (docs/config.md, "Wrong PINs"). Bounds below 1 count as 1. */
long long staff_wait_ms(int failures, int max_failures, int max_wait_s);

#endif
