/* staff: the roles of the people who use the kiosk, declared once. Clerks serve
 * customers; supervisors review, approve and close the day; trainers run demo
 * mode. */
#ifndef CORE_STAFF_H
#define CORE_STAFF_H

#define STAFF_ROLES(X)                                             \
	X(ROLE_CLERK,      "clerk",      "role.clerk")      /* 窗口经办 */ \
	X(ROLE_SUPERVISOR, "supervisor", "role.supervisor") /* 值班主管 */ \
	X(ROLE_TRAINER,    "trainer",    "role.trainer")    /* 培训师 */

typedef enum staff_role {
#define X(e, name, key) e,
	STAFF_ROLES(X)
#undef X
	ROLE_COUNT
} staff_role;

int staff_role_from_name(const char *s);
const char *staff_role_name(staff_role r);
const char *staff_role_key(staff_role r);

#endif
