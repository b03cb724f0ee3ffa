/* timeline: everything recorded about one case, in the order it happened, for
 * the supervisor's case timeline and `kioskctl report case`: its steps, the
 * mark of each material (recorded with the materials step), the moves of the
 * keys it touched, the certificates issued for it (and their revocation), its
 * payment orders and refunds, the materials brought back after a 容缺
 * acceptance, the customer's rating and a 差评's follow-up, and every audit row carrying its number. Each
 * entry says when, who, what kind, and one line of text. db_case_timeline()
 * returns a malloc'd array the caller releases with free(). */
#ifndef DB_TIMELINE_H
#define DB_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/base/names.h"
#include "db/db.h"

/* Entry kinds, in the order entries of the same millisecond are listed (a
 * step before the rows written with it, the audit row that describes them
 * last): enum, name, UI string key. */
#define TIMELINE_KINDS(X)                                       \
	X(TL_STEP,     "step",     "timeline.step")     /* case_steps */          \
	X(TL_MATERIAL, "material", "timeline.material") /* material_decisions */  \
	X(TL_KEY,      "key",      "timeline.key")      /* token_events */        \
	X(TL_CERT,     "cert",     "timeline.cert")     /* certs issued, revoked */ \
	X(TL_PAYMENT,  "payment",  "timeline.payment")  /* payments */            \
	X(TL_REFUND,   "refund",   "timeline.refund")   /* refunds: a case cancelled */ \
	X(TL_DUP_REFUND, "dup_refund", "timeline.dup_refund") /* a duplicate payment refunded (重复支付退款) */ \
	X(TL_SUPPLEMENT, "supplement", "timeline.supplement") /* supplements (容缺补交) */ \
	X(TL_RATING,   "rating",   "timeline.rating")   /* ratings, a 差评's follow-up */ \
	X(TL_AUDIT,    "audit",    "timeline.audit")    /* audit rows of the case */

/* timeline_kind_name(), _key() ("?" out of range), _from_name(). */
ENUM_DECLARE_WORD_KEY(timeline_kind, TIMELINE_KINDS, TL_COUNT);

enum { TL_VARS = 7 };

typedef struct timeline_entry {
	int64_t at_ms;
	timeline_kind kind;
	int64_t row;               /* the row's id in its table (audit: seq) */
	int part;                  /* 0, or 1 for a row's second entry (an order's
				    * state, a certificate's revocation, a refund's state) */
	char actor[40];            /* staff id or "system"; "" when the row keeps none */
	char text[600];            /* one line, no control characters: the record's
				    * own words (English), for kioskctl and exports */
	/* The same line for a person, in any language: a strings key
	 * ("timeline.line.*") and its variables, the values as recorded. The
	 * values of closed sets are the stored words, translated by the screen:
	 * step, mark, material (an id), tfrom/tto (key states), treason (a key
	 * move's or a revocation's reason), state (an order's), refund_state,
	 * rating; a step's or audit row's detail and action are said by
	 * forms/casewords.h. NULL key: show text. */
	const char *key;
	const char *var_name[TL_VARS];
	char var[TL_VARS][160];
	/* A step's or an audit row's detail, whole ("detail" among the vars
	 * is its first 160 bytes): the screen says it in words
	 * (forms/casewords.h), which a cut JSON would defeat. "" for others. */
	char detail[2048];
} timeline_entry;

/* The case's entries by time, then kind, then row and part. 0 with *out
 * (malloc'd, NULL when empty) and *n; 1 when there is no such case (nothing
 * allocated); -1 with err. */
int db_case_timeline(kdb *db, const char *case_no, timeline_entry **out, size_t *n, kerr *err);

#endif
