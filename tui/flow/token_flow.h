/* token_flow: the token step without a screen. A real kiosk runs the
 * service's key part through the PC/SC driver and the issuer, recorded with
 * the case's step in one transaction (tui/flow/tokstep.c); trainer mode runs
 * the service's operations one by one on the demo key. */
#ifndef TUI_FLOW_TOKEN_FLOW_H
#define TUI_FLOW_TOKEN_FLOW_H

#include <stdbool.h>

#include "core/base/names.h"
#include "tui/flow/case_flow.h"

/* Why the real token step can refuse: id, UI string key. */
#define TOKSTEP_REFUSALS(X)                                  \
	X(TSR_KEY_IN_USE,        "tokstep.key_in_use")        \
	X(TSR_NOT_OUR_CA,        "tokstep.not_our_ca")        \
	X(TSR_NOTHING_CHANGED,   "tokstep.nothing_changed")   \
	X(TSR_OTHER_KEY,         "tokstep.other_key")         \
	X(TSR_NO_KEY_ON_RECORD,  "tokstep.no_key_on_record")  \
	X(TSR_NO_CERT_ON_KEY,    "tokstep.no_cert_on_key")    \
	X(TSR_OLD_VALIDITY,      "tokstep.old_validity")      \
	X(TSR_ISSUER,            "tokstep.issuer_failed")     \
	X(TSR_PIV_ONLY,          "tokstep.piv_only")          \
	X(TSR_PIV_ONLY_SEAL,     "tokstep.piv_only_seal")     \
	X(TSR_PIV_ONLY_SM2,      "tokstep.piv_only_sm2")      \
	X(TSR_PIV_NOT_FACTORY,   "tokstep.piv_not_factory")   \
	X(TSR_PIV_NOT_FACTORY_MGM, "tokstep.piv_not_factory_mgm") \
	X(TSR_STORE,             "tokstep.store_failed")      \
	X(TSR_RETIRED_ELSEWHERE, "tokstep.retired_elsewhere")

/* tokstep_refusal_key() ("tokstep.store_failed" out of range) */
ENUM_DECLARE_KEY(tokstep_refusal, TOKSTEP_REFUSALS, TSR_COUNT);

/* The step is shown: nothing run yet; the unit's keys on record loaded (a
 * real reissue or revocation picks the old key among them). */
void token_flow_enter(counter *k, case_flow *cs);
/* Whether what is left to run writes the key (the clerk is asked first). */
bool token_flow_writes(const counter *k, const case_flow *cs);
/* Enter: the key the clerk agreed to (serial, "" none in the reader) is
 * remembered and the step's message cleared. */
void token_flow_confirm(case_flow *cs, const char *serial);
/* Before the clerk is asked to write: the key in the reader (ki, as last
 * read; NULL none; the demo reads its key itself) passes the checks the run
 * makes first (blank for a new certificate, the case unit's for the others,
 * in the demo not PIN-locked). FLOW_FAILED: cs->step_msg says why, and the
 * clerk is not asked. */
flow_outcome token_flow_precheck(counter *k, case_flow *cs, const token_info *ki);
/* Run what is left: FLOW_NEXT when the step is committed, else FLOW_FAILED
 * with cs->step_msg (cs->token_resume: the key was pulled, run again when
 * it is back). */
flow_outcome token_flow_run(counter *k, case_flow *cs);
/* A key in the reader (serial) after a pull mid-write: whether to run again. */
bool token_flow_resume_due(const case_flow *cs, const char *serial);

/* The real key part (tui/flow/tokstep.c): true when committed. */
bool tokstep_run(counter *k, case_flow *cs);
/* The unit's keys on record into cs->old_keys (every service but a new
 * key's: listed for a reissue, a revocation and a binding), with
 * a hall the centre's keys of the unit too (cs->hall_keys: their state and
 * binding there), or the word that only this window was asked. */
void tokstep_load_old_keys(counter *k, case_flow *cs);

#endif
