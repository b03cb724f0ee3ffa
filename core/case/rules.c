#include "core/case/rules.h"

#include "core/base/civil.h"

#include <stdio.h>
#include <string.h>

ENUM_DEFINE_KEY(rule_verdict, RULE_VERDICTS, "rule.unknown")

long rules_days_left(long today, long not_after)
{
	return not_after - today;
}

rule_verdict rules_check(const catalog *c, const service *svc, long today,
			 long not_after, bool key_present)
{
	if (svc->key_required && !key_present)
		return RULE_KEY_REQUIRED;
	long left = rules_days_left(today, not_after);
	switch (svc->kind) {
	case SVC_NEW:
	case SVC_REVOKE: /* revoking an expired certificate is harmless */
	case SVC_UNLOCK: /* a PIN can be reset whatever the validity */
		return RULE_OK;
	case SVC_RENEW:
		if (left < 0)
			return RULE_RENEW_AS_NEW;
		return left > c->rules.renew_window_days ? RULE_RENEW_TOO_EARLY : RULE_OK;
	case SVC_SEAL_UPGRADE:
		return left < c->rules.seal_upgrade_min_days ? RULE_SEAL_TOO_SHORT : RULE_OK;
	case SVC_CHANGE:     /* validity kept: nothing to keep once expired */
	case SVC_REISSUE:    /* "在有效期内丢失或损坏" */
	case SVC_BIND:       /* an expired certificate cannot log in */
	case SVC_SEAL_RENEW: /* the seal follows the certificate's validity */
		return left < 0 ? RULE_EXPIRED : RULE_OK;
	default:
		return RULE_OK;
	}
}

bool rules_seal_current(const service *svc, long seal_not_after, long not_after)
{
	return svc->kind == SVC_SEAL_RENEW && seal_not_after >= 0 && not_after >= 0 &&
	       seal_not_after >= not_after;
}

void rules_new_validity(const service *svc, long today, long old_nb, long old_na,
			int years, long *nb, long *na)
{
	switch (svc->validity) {
	case VALIDITY_NEW:
		*nb = today;
		*na = civil_add_years(today, years);
		return;
	case VALIDITY_EXTEND:
		*nb = today;
		*na = old_na >= today ? civil_add_years(old_na, years)
				      : civil_add_years(today, years);
		return;
	case VALIDITY_KEEP:
		/* 有效期不变 keeps the end; the new certificate starts when it is
		 * issued, never backdated to the old one's start */
		*nb = today;
		*na = old_na;
		return;
	case VALIDITY_SEAL:
	case VALIDITY_NONE:
	default:
		*nb = old_nb;
		*na = old_na;
		return;
	}
}
