/* rating: the level table's lookups and the follow-up's due day (rating.h). */
#include "core/case/rating.h"

#include "core/base/civil.h"

ENUM_DEFINE_WORD_KEY(rating_level, RATING_LEVELS, "?", "rating.unknown")

bool rating_is_bad(rating_level l)
{
	return l == RATE_DISSATISFIED || l == RATE_VERY_DISSATISFIED;
}

long rating_due(const catalog_rules *r, long day)
{
	return civil_add_working_days(day, r->rating_followup_days, &r->calendar);
}
