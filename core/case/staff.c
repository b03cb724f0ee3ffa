#include "core/case/staff.h"

#include "core/base/names.h"

ENUM_DEFINE_WORD_KEY(staff_role, STAFF_ROLES, "?", "?")

long long staff_wait_ms(int failures, int max_failures, int max_wait_s)
{
	if (max_failures < 1)
		max_failures = 1;
	if (max_wait_s < 1)
		max_wait_s = 1;
	if (failures < max_failures)
		return 0;
	long long cap = (long long)max_wait_s * 1000;
	int doublings = failures - max_failures;
	/* 1 s << 20 is past any cap already: stop shifting before it overflows */
	long long wait = doublings >= 20 ? cap : 1000LL << doublings;
	return wait < cap ? wait : cap;
}
