#include "core/case/staff.h"

#include "core/base/names.h"

static const char *const role_names[] = {
#define X(e, name, key) name,
	STAFF_ROLES(X)
#undef X
};

static const char *const role_keys[] = {
#define X(e, name, key) key,
	STAFF_ROLES(X)
#undef X
};

int staff_role_from_name(const char *s)
{
	return names_index(role_names, ROLE_COUNT, s);
}

const char *staff_role_name(staff_role r)
{
	return (unsigned)r < ROLE_COUNT ? role_names[r] : "?";
}

const char *staff_role_key(staff_role r)
{
	return (unsigned)r < ROLE_COUNT ? role_keys[r] : "?";
}
