/* rules: the CA's time rules for a case, as stated in the guides, with the
 * numbers from the catalog: renewal opens N days before expiry and an expired
 * certificate renews like a new one; a seal upgrade needs at least N days left;
 * change and reissue keep the validity; change and bind need the key. Dates are
 * calendar days in Asia/Shanghai, held as civil days (core/base/civil.h). */
#ifndef CORE_RULES_H
#define CORE_RULES_H

#include <stdbool.h>

#include "core/case/catalog.h"
#include "core/base/names.h"


#define RULE_VERDICTS(X)                                                          \
	X(RULE_OK,             "rule.ok")                                           \
	X(RULE_RENEW_TOO_EARLY,"rule.renew_too_early") /* {days} left, opens {open} */ \
	X(RULE_RENEW_AS_NEW,   "rule.renew_as_new")   /* expired {expiry}: as new */ \
	X(RULE_SEAL_TOO_SHORT, "rule.seal_too_short") /* {days} left < {min}: renew first */ \
	X(RULE_EXPIRED,        "rule.expired")        /* certificate expired {expiry} */ \
	X(RULE_KEY_REQUIRED,   "rule.key_required")   /* this service needs the key */

/* rule_verdict_key(): the UI string, "rule.unknown" out of range. */
ENUM_DECLARE_KEY(rule_verdict, RULE_VERDICTS, RULE_VERDICT_COUNT);

/* Days of validity left: expiry day minus today (0 on the expiry day, negative after). */
long rules_days_left(long today, long not_after);

/* May svc proceed for a certificate expiring on not_after (civil day; the
 * certificate is valid through that day), today, with the key present or not?
 * RULE_RENEW_AS_NEW is a go-ahead with the new-case materials; every other
 * verdict but RULE_OK stops the case. */
rule_verdict rules_check(const catalog *c, const service *svc, long today,
			 long not_after, bool key_present);

/* A seal renewal whose seal already runs to the certificate's end (政采
 * guide 一（四）2: 续期的印章有效期与 CA 证书一致): nothing to renew, so
 * nothing is charged. Dates are civil days, -1 unknown (never current). */
bool rules_seal_current(const service *svc, long seal_not_after, long not_after);

/* The validity the new certificate gets: [*nb, *na] as civil days.
 * NEW: today .. today + years (same day-of-year; 02-29 -> 02-28);
 * EXTEND: today .. old expiry + years if not expired, else like NEW;
 * KEEP: today .. the old expiry (有效期不变 keeps the end; a certificate
 * starts when it is issued, never backdated: docs/ca.md);
 * SEAL and NONE: the old certificate's [old_nb, old_na]. The last day is
 * the anniversary: the certificate ends one second before the clock time it
 * was issued at on that day (core/ca/ca.h). */
void rules_new_validity(const service *svc, long today, long old_nb, long old_na,
			int years, long *nb, long *na);


#endif
