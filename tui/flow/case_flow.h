/* case_flow: the case being served, and its steps without a screen.
 * Starting (refused after the day close), resuming a case at the step it
 * reached with what earlier steps recorded, the details step (the typed
 * values checked field by field, the key read where the service needs it,
 * the guides' time rules, the fee), the materials marks, the decision, the
 * supervisor's approval, cancelling, going back to a confirmed step and
 * correcting it (before the point of no return by the clerk, after it the
 * agent's details with a supervisor); every step committed with its audit
 * row (db_case_step, or db_case_correct) before the next is shown. The screens draw a case_flow and
 * turn its outcomes into navigation. A case_flow is owned by its caller:
 * case_flow_open()/case_flow_resume() make one, case_flow_free() releases it
 * (waiting first for a payment query in flight, whose answer is dropped). */
#ifndef TUI_FLOW_CASE_FLOW_H
#define TUI_FLOW_CASE_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "core/case/casefsm.h"
#include "core/case/fees.h"
#include "core/case/rules.h"
#include "db/repo/case_repo.h"
#include "db/repo/token_repo.h"
#include "forms/checklist.h"
#include "tui/flow/counter.h"

/* What a flow did, for the screen to turn into navigation. */
typedef enum flow_outcome {
	FLOW_STAY,      /* nothing to move on to (a message may say why) */
	FLOW_FAILED,    /* stays: cs->step_msg says what went wrong */
	FLOW_NEXT,      /* a step was committed: show the case's next step */
	FLOW_HOME,      /* the case is over here (done or cancelled): home */
	FLOW_ASK_AS_NEW /* an expired renewal: ask to take it as a new case */
} flow_outcome;

/* The details step's fields: the form's, then the case's own. */
#define CASE_FIELDS 10
#define CASE_FIELD_BYTES 512
typedef enum case_field_kind { CF_FORM, CF_OLD_EXPIRY, CF_HOLDER, CF_YEARS, CF_SEALS } case_field_kind;

typedef struct case_flow {
	const service *svc;
	case_rec rec;
	/* details: what was typed (UTF-8), and why each field is wrong ("" fine) */
	int n_fields;
	case_field_kind kinds[CASE_FIELDS];
	char text[CASE_FIELDS][CASE_FIELD_BYTES];
	char field_msg[CASE_FIELDS][512];
	size_t holder_ix;                 /* index into the platform's holder types */
	int years, seals;
	fee_quote quote;
	long old_not_after;               /* the certificate's expiry (key or typed), -1 unknown */
	long old_not_before;
	bool key_read;                    /* the key was read on the details step */
	token_info key;
	char rule_msg[512];               /* a rule stops the case: why */
	/* materials and decision */
	checklist *cl;
	case_decision decision;
	long rongque_deadline;
	/* payment (tui/flow/pay_flow.c) */
	pay_order order;
	bool order_made;                  /* order in hand: its write-ahead row is recorded */
	bool rec_dirty;                   /* the store lags the order in hand: no QR until it is recorded */
	bool create_unsure;               /* the create's answer was lost: ask the gateway first */
	int64_t code_ms;                  /* when the gateway gave the code_url (valid 2 h), 0 none */
	int pay_attempt;
	int64_t last_poll_ms;             /* the gateway is asked every poll_seconds */
	struct poll_job *poll_job;        /* the query in flight (poll_job.h), NULL none */
	/* slip (tui/flow/slip_flow.c) */
	char slip_text_path[1024];
	char *slip_text;
	bool slip_resumed;                /* the paper saved before a crash, taken up */
	/* the last step's result or error, for the screen */
	char step_msg[1024];
	bool step_failed;
	/* token step (tui/flow/token_flow.c, tui/flow/tokstep.c) */
	int token_op_ix;                  /* next token operation to run (demo) */
	char confirm_serial[TOKEN_SERIAL_MAX + 1]; /* the key the clerk agreed to write */
	bool token_resume;                /* a key pulled mid-write: finish when it is back */
	char replaced_cert[TOKEN_CERT_SERIAL_MAX + 1]; /* renewed / changed away */
	token_rec *old_keys;              /* the unit's keys on record (all but a new key's service) */
	size_t n_old_keys;
	struct reg_key *hall_keys;        /* the hall's word on them, NULL offline or no hall */
	size_t n_hall_keys;
	bool hall_answered;               /* the hall answered (hall_keys may still be empty) */
	size_t old_sel;
	bool old_broken;                  /* reissue: broken (DAMAGED), else lost */
	/* past the point of no return, the agent's details being corrected
	 * (the details screen, then the supervisor's approval) */
	bool late_fix;
} case_flow;

/* A new case of svc for the signed-in clerk: NULL with the reason said
 * (the day is closed, the store refused). */
case_flow *case_flow_open(counter *k, const service *svc);
/* A case from the store, with what its steps recorded; NULL with the reason said. */
case_flow *case_flow_resume(counter *k, const char *case_no);
void case_flow_free(case_flow *cs);
/* The step the case goes to next (STEP_NONE: it is over). */
case_step case_flow_next(const case_flow *cs);
/* Complete a step with its audit row; false with the reason in cs->step_msg. */
bool case_flow_commit(counter *k, case_flow *cs, case_step step, const char *detail);
/* Cancel the case with a reason in the audit log (NULL: the rule that
 * stopped it, or the clerk's cancel); FLOW_HOME, or FLOW_FAILED said. */
flow_outcome case_flow_cancel(counter *k, case_flow *cs, const char *why);
/* The same with the code of the reason the clerk picked (kiosk.ini [cancel]
 * reasons; NULL none), recorded beside the words in the audit row. */
flow_outcome case_flow_cancel_coded(counter *k, case_flow *cs, const char *code, const char *why);
/* A service picked by mistake: before any details are confirmed the case is
 * withdrawn. It stays in the store (its number was given out and audited)
 * as cancelled with the code "withdrawn"; FLOW_HOME, or FLOW_STAY said when
 * a step is already confirmed (then F8 cancels it with a reason). */
bool case_flow_withdrawable(const case_flow *cs);
flow_outcome case_flow_withdraw(counter *k, case_flow *cs);

/* ---- going back and corrections (docs/corrections.md) ----
 * Before the point of no return (the key written, the fee taken) the clerk
 * goes back to any confirmed step with what was typed kept; confirming it
 * again with something changed is a correction (db_case_correct: both
 * versions audited, field by field; what stood on it taken back and asked
 * again: a changed materials list re-decides, the fee is recomputed from the
 * corrected details, the supervisor's approval is asked again). After that
 * point only the agent's details, with a supervisor and a reason. */
/* Whether step is confirmed (recorded) already. */
bool case_flow_recorded(const case_flow *cs, case_step step);
/* Whether the key is written (or being written), the fee taken or the case
 * finished. */
bool case_flow_past_return(counter *k, const case_flow *cs);
/* The step Esc goes back to from the step `from` being shown: the last
 * confirmed details, materials or decision before it. STEP_NONE when there
 * is none (the first step: home), or past the point of no return (home too,
 * the case kept; F3 corrects there). */
case_step case_flow_back(counter *k, case_flow *cs, case_step from);
/* Whether field i may still be corrected past the point of no return (the
 * agent's name, ID number, mobile). */
bool case_flow_late_field(const counter *k, const case_flow *cs, int i);
/* Past the point of no return: the agent's fields as typed in cs->text
 * corrected, approved by a supervisor (id and PIN, not the clerk; the PIN is
 * wiped) with a reason. FLOW_NEXT (the correction said, or that nothing
 * changed), or FLOW_FAILED with cs->step_msg. */
flow_outcome case_correct_late(counter *k, case_flow *cs, const char *id, char *pin, const char *reason);
/* What the late correction changes, for the supervisor: "label: old → new; ..."
 * (or that nothing changes), into buf. */
const char *case_late_changes(counter *k, case_flow *cs, char *buf, size_t n);
/* Whether the late correction changes anything (nothing: no approval asked). */
bool case_late_changed(counter *k, case_flow *cs);
/* The late correction given up: the typed fields back to what is stored. */
void case_late_abandon(counter *k, case_flow *cs);

/* ---- details ---- */
/* Check field i; its reason is left in cs->field_msg[i]. */
bool case_field_check(counter *k, case_flow *cs, int i);
/* Whether a value being typed is complete enough to check at once. */
bool case_field_check_now(const counter *k, const case_flow *cs, int i);
/* The holder or the term stepped by dir (-1, +1); the fee follows. */
void case_field_cycle(counter *k, case_flow *cs, int i, int dir);
/* The fee for what is chosen now. */
void case_requote(counter *k, case_flow *cs);
/* Read the key in the slot (the reason said when it cannot be read). */
void case_read_key(counter *k, case_flow *cs);
/* Every field checked, the record filled, the key and the rules applied;
 * FLOW_FAILED with *first_bad the first wrong field (or -1 when a rule or
 * the key stops it, cs->rule_msg says why), FLOW_ASK_AS_NEW, or FLOW_NEXT
 * with the details step committed. */
flow_outcome case_details_submit(counter *k, case_flow *cs, int *first_bad);
/* The expired renewal becomes a new case with what was typed: the new case
 * (NULL when none could open), the old one cancelled and freed. */
case_flow *case_flow_as_new(counter *k, case_flow *old);

/* ---- materials ---- */
/* Mark item i of the checklist (reason for a defective one); false with the
 * reason said. */
bool case_mark(counter *k, case_flow *cs, size_t i, material_mark m, const char *reason);
/* Every material marked: FLOW_NEXT with the step committed; else FLOW_STAY
 * with how many are left said, or FLOW_FAILED. */
flow_outcome case_materials_submit(counter *k, case_flow *cs);

/* ---- decision and approval ---- */
/* The decision step is shown: the 容缺 deadline from today, and the decision
 * the checklist calls for; come back to, the decision recorded (and its
 * deadline), so that Enter alone changes nothing. */
case_decision case_decision_start(counter *k, case_flow *cs);
/* The decision the checklist allows (accept, 容缺 when the service allows it, refuse). */
bool case_decision_open(const case_flow *cs, case_decision d);
/* The decision the checklist calls for. */
case_decision case_decision_suggested(const case_flow *cs);
/* Commit the decision: FLOW_NEXT, or FLOW_FAILED (a refusal with nothing to
 * tell the customer, or the store refused). */
flow_outcome case_decide(counter *k, case_flow *cs, case_decision d);
/* A supervisor (not the clerk, not the case's clerk) approves with id and
 * PIN: FLOW_NEXT, or FLOW_FAILED with the reason. The PIN is wiped. */
flow_outcome case_approve(counter *k, case_flow *cs, const char *id, char *pin);

#endif
