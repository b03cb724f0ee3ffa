/* actions: the words of the audit log's action column, declared once. Every
 * row the kiosk writes names one of these: db_audit_append() takes the enum
 * and db/ alone writes the word, and whatever reads rows back (the timeline,
 * the day close, a resumed payment) compares against audit_action_name(), not
 * a literal. The words are inside every stored row's hash and in files
 * already written, so a word never changes; a new action is a new row.
 *
 * Besides the rows of AUDIT_ACTIONS, every case step has its action
 * "case.<step>" (CASE_STEPS, core/case/casefsm.h) and every key move its
 * action "token.<reason>" (TOKEN_REASONS, core/token/token_life.h). Those are
 * generated from their own tables, so a new step or reason has its action
 * without a second list; reach them with audit_action_of_step() and
 * audit_action_of_reason(). Plain lookups over static tables, no state. */
#ifndef CORE_AUDIT_ACTIONS_H
#define CORE_AUDIT_ACTIONS_H

#include "core/case/casefsm.h"
#include "core/token/token_life.h"

/* enum, the stored word */
#define AUDIT_ACTIONS(X)                                                         \
	X(AUD_GENESIS,            "genesis")            /* row 1, detail: the kiosk id */ \
	X(AUD_SCHEMA_MIGRATE,     "schema.migrate")                                  \
	X(AUD_STAFF_ADD,          "staff.add")                                       \
	X(AUD_STAFF_LOGIN,        "staff.login")                                     \
	X(AUD_STAFF_LOGIN_FAILED, "staff.login_failed")                              \
	X(AUD_STAFF_LOCKED,       "staff.locked")       /* too many wrong PINs */     \
	X(AUD_STAFF_LOGOUT,       "staff.logout")                                    \
	X(AUD_STAFF_LOCK,         "staff.lock")         /* the screen locked */       \
	X(AUD_STAFF_UNLOCK,       "staff.unlock")                                    \
	X(AUD_STAFF_TAKEOVER,     "staff.takeover")     /* another one unlocked */    \
	X(AUD_STAFF_ADD_FIRST,    "staff.add_first")    /* the first supervisor, by nobody */ \
	X(AUD_STAFF_UNLOCK_BY,    "staff.unlock_by")    /* a supervisor ended a wait */ \
	X(AUD_STAFF_RESET_PIN,    "staff.reset_pin")    /* a supervisor set a new PIN */ \
	X(AUD_STAFF_DISABLE,      "staff.disable")      /* can no longer sign in */   \
	X(AUD_STAFF_ROLE,         "staff.role")         /* a supervisor changed a role */ \
	X(AUD_CASE_OPEN,          "case.open")                                       \
	X(AUD_CASE_RESUME,        "case.resume")                                     \
	X(AUD_CASE_CANCEL,        "case.cancel")                                     \
	X(AUD_CASE_CORRECT,       "case.correct")       /* a confirmed step changed: old -> new */ \
	X(AUD_PAYMENT_CREATE,     "payment.create")                                  \
	X(AUD_PAYMENT_UPDATE,     "payment.update")                                  \
	X(AUD_PAYMENT_QR,         "payment.qr")         /* detail: the code_url shown */ \
	X(AUD_REFUND_APPROVE,     "refund.approve")                                  \
	X(AUD_REFUND_STATE,       "refund.state")                                    \
	X(AUD_TOKEN_SEAL,         "token.seal")                                      \
	X(AUD_TOKEN_BIND,         "token.bind")                                      \
	X(AUD_TOKEN_PIN_RESET,    "token.pin_reset")                                 \
	X(AUD_TOKEN_ISSUED,       "token.issued")       /* a certificate written */   \
	X(AUD_DAY_CLOSE,          "day.close")                                       \
	X(AUD_TRAINING_START,     "training.start")                                  \
	X(AUD_TRAINING_RESULT,    "training.result")                                 \
	X(AUD_LEDGER_BIND,        "ledger.bind")        /* rows bound to the chain */ \
	X(AUD_LEDGER_SEAL,        "ledger.seal")        /* rows as found, at an upgrade */ \
	X(AUD_SEAL_INIT,          "seal.init")          /* sealing set up: t0, interval */ \
	X(AUD_PAYMENT_DUPLICATE,  "payment.duplicate")  /* a second paid order of a case: to refund */ \
	X(AUD_PAY_RECONCILE,      "pay.reconcile")      /* a day matched with WeChat's bill */ \
	X(AUD_PAY_DIFF,           "pay.diff")           /* a difference found (or cleared) */ \
	X(AUD_PAY_RESOLVE,        "pay.resolve")        /* a difference explained, by whom */ \
	X(AUD_CASE_REPRINT,       "case.reprint")       /* a case's paper reprinted: which, the copy's file */ \
	X(AUD_REFUND_DUPLICATE,   "refund.duplicate")   /* a duplicate payment's refund approved */ \
	X(AUD_CASE_SUPPLEMENT,    "case.supplement")    /* 容缺补交: the owed material received */ \
	X(AUD_CASE_RATING,        "case.rating")        /* 好差评: the customer's rating */ \
	X(AUD_RATING_RESOLVE,     "rating.resolve")     /* a 差评 followed up, by whom, what */ \
	X(AUD_CA_HALL_REVOKED,    "ca.hall_revoked")    /* certificates issued here, revoked at another window */

typedef enum audit_action {
#define X(e, word) e,
	AUDIT_ACTIONS(X)
#undef X
	/* "case.<step>": AUD_CASE_STEP_DETAILS "case.details" ... */
#define X(e, name, key) AUD_CASE_##e,
	CASE_STEPS(X)
#undef X
	/* "token.<reason>": AUD_TOKEN_TR_ENROLLED "token.enrolled" ... */
#define X(e, name, key) AUD_TOKEN_##e,
	TOKEN_REASONS(X)
#undef X
	AUD_COUNT
} audit_action;

const char *audit_action_name(audit_action a);   /* the stored word; "?" out of range */
int audit_action_from_name(const char *s);       /* -1 for a word outside the table, NULL */
audit_action audit_action_of_step(case_step s);      /* "case.<step>"; AUD_COUNT for no step */
audit_action audit_action_of_reason(token_reason r); /* "token.<reason>"; AUD_COUNT for none */

#endif
