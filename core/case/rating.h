/* rating: the customer's rating of a case (好差评, GB/T 39734-2020 一次一评),
 * declared once: the five levels and "none" (the customer declined, 未评价),
 * the word the store keeps (ratings.level) and the UI string key; which
 * levels are a 差评 that a supervisor follows up; and the day the follow-up
 * is due (so many working days after the rating, services.ini [rules]
 * rating_followup_days and the holiday lists). Pure lookups. */
#ifndef CORE_CASE_RATING_H
#define CORE_CASE_RATING_H

#include <stdbool.h>

#include "core/base/names.h"
#include "core/case/catalog.h"

/* In the order the customer is offered them (GB/T 39734 5.2). */
#define RATING_LEVELS(X)                                                            \
	X(RATE_VERY_SATISFIED,    "very_satisfied",    "rating.very_satisfied")    /* 非常满意 */ \
	X(RATE_SATISFIED,         "satisfied",         "rating.satisfied")         /* 满意 */     \
	X(RATE_BASIC,             "basic",             "rating.basic")             /* 基本满意 */ \
	X(RATE_DISSATISFIED,      "dissatisfied",      "rating.dissatisfied")      /* 不满意 */   \
	X(RATE_VERY_DISSATISFIED, "very_dissatisfied", "rating.very_dissatisfied") /* 非常不满意 */ \
	X(RATE_NONE,              "none",              "rating.none")              /* 未评价 */

/* rating_level_name() ("?" out of range), _key() ("rating.unknown"),
 * _from_name() (-1 unknown or NULL) */
ENUM_DECLARE_WORD_KEY(rating_level, RATING_LEVELS, RATE_COUNT);

/* A 差评: 不满意 or 非常不满意, followed up within the configured days. */
bool rating_is_bad(rating_level l);

/* The civil day a 差评 given on `day` is to be resolved by: the rules'
 * rating_followup_days working days later. */
long rating_due(const catalog_rules *r, long day);

#endif
