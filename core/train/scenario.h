/* scenario: the trainer's scripted customers, loaded from
 * kiosk-config/demo/scenarios.ini. Each scenario brings one situation from the
 * CA's guides to the window (a key whose unit differs, a renewal outside its
 * window, a copy where the original is required ...): what the customer says,
 * the service, the customer's fields, the demo key (kiosk-config/demo/keys.ini)
 * or none, each material as brought, and the outcome a careful clerk reaches.
 * The loader checks every scenario against the catalog, the demo keys, the
 * identifier validators and the rules (core/case/rules.h), so an expected outcome
 * that the situation does not lead to is refused with file:line. The words the
 * score sheet uses (outcomes, stop reasons, how a material was brought, the
 * "what was missed" templates) are in the file's [messages] section in both
 * languages. scenario_set_load() returns an owned set that borrows the catalog
 * (services, materials): free the set before the catalog. Format and the
 * reasons for each expected outcome: docs/trainer-scenarios.md. */
#ifndef CORE_SCENARIO_H
#define CORE_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>

#include "core/case/casefsm.h"
#include "core/case/catalog.h"
#include "core/base/err.h"
#include "core/base/names.h"
#include "core/case/rules.h"
#include "core/base/strings.h"

/* What the trainee ended a scenario with: enum, name (scenarios.ini and the
 * score sheet), [messages] key. The first three are the case decisions. */
#define TRAINEE_OUTCOMES(X)                                                          \
	X(OUT_ACCEPT,  "accept",  "outcome.accept")  /* 受理 */                       \
	X(OUT_RONGQUE, "rongque", "outcome.rongque") /* 容缺受理 */                   \
	X(OUT_REFUSE,  "refuse",  "outcome.refuse")  /* 不予受理 + 一次性告知单 */     \
	X(OUT_STOP,    "stop",    "outcome.stop")    /* stopped before a decision: the \
							service cannot be done (a reason) */ \
	X(OUT_CANCEL,  "cancel",  "outcome.cancel")  /* abandoned */

ENUM_DECLARE_WORD_KEY(trainee_outcome, TRAINEE_OUTCOMES, OUT_COUNT);

/* Why the service cannot be done, for OUT_STOP: enum, name, [messages] key,
 * and the rule verdict (core/case/rules.h) that says so on the details screen
 * (RULE_OK for the reasons no rule gives). STOP_NONE goes with every other
 * outcome. */
#define STOP_REASONS(X)                                                                      \
	X(STOP_NONE,           "none",                 "stop.none",                 RULE_OK)    \
	X(STOP_KEY_MISMATCH,   "key_mismatch",         "stop.key_mismatch",         RULE_OK)    \
	X(STOP_OUTSIDE_WINDOW, "outside_window",       "stop.outside_window",       RULE_RENEW_TOO_EARLY) \
	X(STOP_RENEW_AS_NEW,   "expired_renew_as_new", "stop.expired_renew_as_new", RULE_RENEW_AS_NEW) \
	X(STOP_SEAL_TOO_SHORT, "seal_too_short",       "stop.seal_too_short",       RULE_SEAL_TOO_SHORT) \
	X(STOP_CERT_EXPIRED,   "cert_expired",         "stop.cert_expired",         RULE_EXPIRED) \
	X(STOP_KEY_MISSING,    "key_missing",          "stop.key_missing",          RULE_KEY_REQUIRED) \
	X(STOP_PIN_LOCKED,     "pin_locked",           "stop.pin_locked",           RULE_OK)    \
	X(STOP_USCC_INVALID,   "uscc_invalid",         "stop.uscc_invalid",         RULE_OK)

ENUM_DECLARE_WORD_KEY(stop_reason, STOP_REASONS, STOP_COUNT);

/* How the customer brought a material: enum, name (material.<id> = name),
 * [messages] key (also the defect reason the clerk would write), the checklist
 * mark a careful clerk records (forms/checklist.h names). */
#define BROUGHT_STATES(X)                                                                \
	X(BR_RECEIVED,   "received",   "brought.received",   "received")                  \
	X(BR_MISSING,    "missing",    "brought.missing",    "missing")                   \
	X(BR_COPY,       "copy",       "brought.copy",       "defective") /* the original is required */ \
	X(BR_NO_SEAL,    "no_seal",    "brought.no_seal",    "defective") /* no fresh seal (鲜章) */ \
	X(BR_EXPIRED,    "expired",    "brought.expired",    "defective") /* e.g. an expired ID card */ \
	X(BR_ILLEGIBLE,  "illegible",  "brought.illegible",  "defective") /* e.g. the seal's code */ \
	X(BR_INCOMPLETE, "incomplete", "brought.incomplete", "defective") /* form not filled in */

ENUM_DECLARE_WORD_KEY(brought_state, BROUGHT_STATES, BR_COUNT);

/* The fixed texts of the score sheet, [messages] keys with their {placeholders}. */
#define SCENARIO_MESSAGES(X)                                                             \
	X(SMSG_WORD_STOP,       "word.stop")       /* {outcome} {reason} */              \
	X(SMSG_MISSED_OUTCOME,  "missed.outcome")  /* {expected} {decided} */            \
	X(SMSG_MISSED_REASON,   "missed.reason")   /* {expected} {decided} */            \
	X(SMSG_MISSED_MARK,     "missed.mark")     /* {material} {brought} {want} {got} */ \
	X(SMSG_MISSED_UNMARKED, "missed.unmarked") /* {material} {brought} {want} */     \
	X(SMSG_MISSED_TEACH,    "missed.teach")    /* {teach} */                         \
	X(SMSG_MARK_RECEIVED,   "mark.received")                                         \
	X(SMSG_MARK_MISSING,    "mark.missing")                                          \
	X(SMSG_MARK_DEFECTIVE,  "mark.defective")

ENUM_DECLARE_KEY(scenario_msg, SCENARIO_MESSAGES, SMSG_COUNT);

/* Each table above comes with <type>_name(), <type>_key() (its [messages]
 * key) and <type>_from_name() (-1 for an unknown name), from core/base/names.h;
 * out of range the name is "?" and the key "<prefix>.unknown"
 * (scenario_msg_key(): "missed.unknown"). */

/* The outcome of a case decision (DEC_NONE: -1). */
int trainee_outcome_of_decision(case_decision d);
/* The rule verdict that gives this reason (RULE_OK: none), and back
 * (RULE_OK -> STOP_NONE). */
rule_verdict stop_reason_rule(stop_reason r);
stop_reason stop_reason_of_rule(rule_verdict v);
/* The checklist mark name a careful clerk records for it ("unset" out of range). */
const char *brought_state_mark(brought_state b);

/* Sizes (bytes, without the NUL). */
#define SCENARIO_ID_MAX    40   /* 1-40 of a-z 0-9 _ (training_results.scenario_id) */
#define SCENARIO_TITLE_MAX 200
#define SCENARIO_TEXT_MAX  1500 /* brief, teach, a [messages] text */

typedef struct scenario_material {
	const service_material *sm; /* borrowed from the catalog */
	brought_state brought;
	int line;
} scenario_material;

typedef struct scenario {
	char *id;
	int line;                   /* of its [scenario <id>] header */
	char *title[LANG_COUNT];
	char *brief[LANG_COUNT];    /* what the customer says at the window */
	char *teach[LANG_COUNT];    /* what the trainee should notice */
	const service *svc;         /* borrowed from the catalog */
	char *unit_name, *uscc, *agent_name, *agent_id_no, *agent_mobile;
	char *key;                  /* demo key serial the customer brings; NULL: none */
	bool key_pin_locked;        /* the trainer locks the key's PIN first (token_demo_lock_pin) */
	scenario_material *materials; /* one per material of the service, in its order */
	size_t n_materials;
	trainee_outcome expected;   /* never OUT_CANCEL */
	stop_reason expected_reason; /* STOP_NONE unless expected == OUT_STOP */
} scenario;

typedef struct scenario_set {
	char *path;                 /* the scenarios file, as in errors */
	scenario *items;            /* in file order */
	size_t n;
	char **msg;                 /* [messages] texts, by key index and language (internal) */
} scenario_set;

/* Load <config_dir>/demo/scenarios.ini, checked against cat and the demo keys
 * of <config_dir>/demo/keys.ini. NULL with err naming file:line on any fault;
 * nothing is kept. Relative dates in keys.ini count from clock_today(). */
scenario_set *scenario_set_load(const char *config_dir, const catalog *cat, kerr *err);
/* The same with both files named (tests, the fuzz harness). */
scenario_set *scenario_set_load_files(const char *scenarios_file, const char *keys_file,
				      const catalog *cat, kerr *err);
void scenario_set_free(scenario_set *s);

/* Load and drop, for `kioskctl config check`: the number of scenarios, or -1
 * with err. */
int scenario_check(const char *config_dir, const catalog *cat, kerr *err);

size_t scenario_count(const scenario_set *s);
/* The i-th scenario in file order, NULL past the end. */
const scenario *scenario_at(const scenario_set *s, size_t i);
const scenario *scenario_find(const scenario_set *s, const char *id);
/* The scenario's material with this id, NULL if the service has none. */
const scenario_material *scenario_material_of(const scenario *sc, const char *material_id);
/* A [messages] text by key (trainee_outcome_key(), stop_reason_key(),
 * brought_state_key(), scenario_msg_key()), NULL for an unknown key. */
const char *scenario_message(const scenario_set *s, const char *key, lang l);

#endif
