#include "core/case/staff.h"

#include "core/base/names.h"

ENUM_DEFINE_WORD_KEY(staff_role, STAFF_ROLES, "?", "?")
