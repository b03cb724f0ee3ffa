/* casewords: what a case's record says, in the counter's language. A case
 * step's detail (case_steps.detail) and an audit row's action and detail are
 * the record's own English, the evidence `kioskctl report case` prints as it
 * is; the supervisor's timeline says them in words through the strings files
 * (keys "timeline.note.*", "timeline.k.*", "timeline.audit.*"...).
 *
 * The plain-text phrases the kiosk writes into those details are declared
 * once, in STEP_NOTES: the writers (tui/flow: the key step, the payment, the
 * approval, a resumed case, a lock) put them with casewords_note(), and the
 * reader matches them back, so a new phrase cannot ship without its words
 * (config check and tests/unit/test_flow_casewords.c loop over the tables). The
 * JSON details' keys are listed in DETAIL_KEYS with how their values read.
 * Whatever the reader does not know shows as recorded, never dropped.
 * Plain functions over static tables; the caller owns every buffer. */
#ifndef FORMS_CASEWORDS_H
#define FORMS_CASEWORDS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/base/strings.h"
#include "core/case/catalog.h"
#include "forms/form.h"

/* enum, the English as written ("%s": one word of no spaces: a serial, a
 * date, an amount, a staff id), the strings key of its words ({a} {b} {c}
 * for the %s in order). The order is the matching order: a longer phrase
 * before the one it starts with. */
#define STEP_NOTES(X)                                                                         \
	/* the key step (tui/flow/tokstep.c) */                                               \
	X(SN_KEY_PIV,       "key %s (PIV only)",                  "timeline.note.key_piv")        \
	X(SN_KEY_ABSENT,    "key %s not brought",                 "timeline.note.key_absent")     \
	X(SN_KEY,           "key %s",                             "timeline.note.key")            \
	X(SN_PERSO_SM2,     "personalised with an SM2 key pair",  "timeline.note.perso_sm2")      \
	X(SN_PERSO_PIV,     "personalised (PIV)",                 "timeline.note.perso_piv")      \
	X(SN_PERSO,         "personalised",                       "timeline.note.perso")          \
	X(SN_CERT_FOUND,    "certificate %s found written, recorded now", "timeline.note.cert_found") \
	X(SN_CERT,          "certificate %s %s..%s",              "timeline.note.cert")           \
	X(SN_ERASED_FOUND,  "found erased, recorded now",         "timeline.note.erased_found")   \
	X(SN_ERASED,        "erased",                             "timeline.note.erased")         \
	X(SN_PIN_RESET,     "PIN reset to the initial PIN",       "timeline.note.pin_reset")      \
	X(SN_CHECK_READ,    "checked: certificate read back",     "timeline.note.check_read")     \
	X(SN_CHECK_SIGNED,  "checked: signature verified",        "timeline.note.check_signed")   \
	X(SN_CHECK_PAIR,    "checked: key pair matches",          "timeline.note.check_pair")     \
	X(SN_PIV_CERT,      "piv.%s %s",                          "timeline.note.piv_cert")       \
	X(SN_DONE,          "done",                               "timeline.note.done")           \
	/* the demo key, op by op (tui/flow/token_flow.c): "<op>[: <note>]; ..." */           \
	X(SN_OLD_REVOKED,   "old certificate revoked",            "timeline.note.old_revoked")    \
	X(SN_NOTHING_ERASED, "key not brought: nothing erased",   "timeline.note.nothing_erased") \
	X(SN_READ_KEY,      "read key %s",                        "timeline.note.read_key")       \
	X(SN_CERT_DAYS,     "certificate %s..%s",                 "timeline.note.cert_days")      \
	/* the payment (tui/flow/pay_flow.c), the approval (case_flow.c) */                  \
	X(SN_PAID,          "paid %s fen, transaction %s",        "timeline.note.paid")           \
	X(SN_NOTHING_TO_PAY, "nothing to pay",                    "timeline.note.nothing_to_pay") \
	X(SN_APPROVED_BY,   "approved by %s",                     "timeline.note.approved_by")    \
	/* audit rows of a case: resumed, locked, taken over (case_flow.c, session.c) */      \
	X(SN_RESUMED_AT,    "resumed at %s",                      "timeline.note.resumed_at")     \
	X(SN_LOCKED,        "idle or F9",                         "timeline.note.locked")         \
	X(SN_TOOK_BACK,     "took the window back from %s",       "timeline.note.took_back")      \
	X(SN_TOOK_OVER,     "took over from %s",                  "timeline.note.took_over")

#define X(e, text, key) e,
typedef enum step_note { STEP_NOTES(X) SN_COUNT } step_note;
#undef X

/* The phrase's English with its %s filled from a, b, c (NULL: ""), into buf.
 * Returns buf. */
const char *casewords_note(char *buf, size_t n, step_note id, const char *a, const char *b,
			   const char *c);
/* The phrase's English pattern and its strings key ("?" out of range). */
const char *step_note_text(step_note id);
const char *step_note_key(step_note id);

/* How a JSON detail's value reads: as recorded, money in 分 said in 元, a
 * word of a closed set, a list of materials... */
#define DETAIL_VALUES(X)                                             \
	X(DV_TEXT)      /* as recorded: a name, a serial, a day, an id */  \
	X(DV_FEN)       /* 分, said in 元 */                               \
	X(DV_PARTY)     /* a party field: its label from forms.ini */      \
	X(DV_HOLDER)    /* a holder type of the case's platform */         \
	X(DV_SERVICE)   /* a service id: its label */                      \
	X(DV_DECISION)  /* accept, rongque, refuse */                      \
	X(DV_STEP)      /* a case step */                                  \
	X(DV_STEPS)     /* a list of case steps */                         \
	X(DV_STATE)     /* a payment's, a refund's or a key's state */     \
	X(DV_MATERIALS) /* a list of material ids */                       \
	X(DV_DEFECTIVE) /* material id -> what is wrong */                 \
	X(DV_CHANGES)   /* a correction's [{field, old, new}] */            \
	X(DV_YESNO)     /* 1/0, yes/no */                                  \
	X(DV_CANCEL)    /* a cancel reason's code (kiosk.ini [cancel]) */  \
	X(DV_RATING)    /* a 好差评 level */                                \
	X(DV_PAPER)     /* slip, notice, supplement */                     \
	X(DV_PATH)      /* a file: said by its paper kind, the path left to the record */

#define X(e) e,
typedef enum detail_value { DETAIL_VALUES(X) DV_COUNT } detail_value;
#undef X

/* The keys of the JSON details a case's steps and audit rows hold (db/repo),
 * and how each value reads. Each has its label "timeline.k.<key>"; the
 * party's fields (PARTY_FIELDS, core/case/party.h) are read as DV_PARTY,
 * labelled by forms.ini. */
#define DETAIL_KEYS(X)                                                          \
	X("holder", DV_HOLDER) X("years", DV_TEXT) X("seals", DV_TEXT)                  \
	X("fee_fen", DV_FEN) X("note", DV_TEXT)                                         \
	X("received", DV_MATERIALS) X("missing", DV_MATERIALS)                          \
	X("defective", DV_DEFECTIVE)                                                    \
	X("decision", DV_DECISION) X("deadline", DV_TEXT)                               \
	X("service", DV_SERVICE) X("clerk", DV_TEXT)                                    \
	X("reason", DV_TEXT) X("code", DV_CANCEL) X("after_step", DV_STEP)              \
	X("step", DV_STEP) X("changes", DV_CHANGES) X("undone", DV_STEPS)               \
	X("approved_by", DV_TEXT) X("requested_by", DV_TEXT)                            \
	X("out_trade_no", DV_TEXT) X("amount_fen", DV_FEN) X("from", DV_STATE)          \
	X("state", DV_STATE) X("to", DV_STATE) X("transaction_id", DV_TEXT)             \
	X("verified", DV_YESNO) X("code_url", DV_TEXT)                                  \
	X("paid_first", DV_TEXT) X("to_do", DV_STATE)                                   \
	X("out_refund_no", DV_TEXT) X("refund_id", DV_TEXT) X("charged", DV_STATE)      \
	X("serial", DV_TEXT) X("entered", DV_STATE) X("cert", DV_TEXT)                  \
	X("late_by", DV_TEXT) X("level", DV_RATING) X("comment", DV_TEXT)               \
	X("due", DV_TEXT) X("late", DV_YESNO) X("what", DV_TEXT)                        \
	X("revoked", DV_TEXT) X("apps", DV_TEXT) X("app", DV_TEXT) X("cert_app", DV_TEXT) \
	X("not_before", DV_TEXT) X("not_after", DV_TEXT) X("seal_not_after", DV_TEXT)   \
	X("paper", DV_PAPER) X("file", DV_PATH)

/* The words of values that are neither a table's nor free text: the duplicate
 * payment's "charged" and "to_do", a key's "entered" as. Each has its words
 * "timeline.v.<word>". */
#define DETAIL_WORDS(X) X("twice_in_bill") X("second_order") X("refund")

/* What the reader needs besides the strings: the catalogue (materials,
 * services), the case's service (its platform's holder types; may be NULL),
 * the details form (the party's labels; may be NULL) and the language. */
typedef struct casewords {
	const strings *str;
	const catalog *cat;
	const service *svc;
	const form_spec *form;
	lang lg;
} casewords;

/* A step's detail in words into buf (the step's name not included); the
 * detail as recorded where no word is known for it. Returns buf. */
const char *casewords_step(const casewords *w, const char *step, const char *detail, char *buf,
			   size_t n);
/* An audit row's action in words ("case.open" → 开立业务, "case.details" →
 * the step's words, "token.enrolled" → the key move's); NULL for a word that
 * is not an action. */
const char *casewords_action(const casewords *w, const char *action);
/* An audit row's detail in words into buf (as casewords_step for a step's
 * action). Returns buf. */
const char *casewords_audit(const casewords *w, const char *action, const char *detail, char *buf,
			    size_t n);

/* Every strings key the tables above use, NULL-ended (config check). */
const char *const *casewords_string_keys(void);

#endif
