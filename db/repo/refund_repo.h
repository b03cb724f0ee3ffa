/* refund_repo: refunds of paid cases, maker-checker. A clerk (or anyone
 * signed in) asks for a paid case to be cancelled and refunded; a supervisor
 * who is neither the one asking nor the case's clerk approves it with their
 * own id and PIN at the kiosk. db_refund_approve() records the approval, the
 * refund (state PENDING, its out_refund_no fixed so a retry never refunds
 * twice) and the case's cancellation in one transaction with their audit
 * rows; db_refund_update() records what the gateway answered. A case is
 * refunded at most once. Records are plain values owned by the caller. */
#ifndef DB_REFUND_REPO_H
#define DB_REFUND_REPO_H

#include <stdint.h>

#include "core/base/err.h"
#include "core/pay/pay.h"
#include "db/db.h"

typedef struct refund_rec {
	char case_no[40];
	char out_trade_no[33];     /* the paid order */
	char out_refund_no[65];
	int64_t amount_fen;        /* the whole order */
	char reason[241];
	char requested_by[33];
	char approved_by[33];
	pay_refund_state state;    /* PENDING (approved, not yet answered), PROCESSING, SUCCESS, CLOSED, ABNORMAL */
	char refund_id[65];        /* the gateway's, once known */
	int64_t created_ms, updated_ms;
} refund_rec;

/* Approve the refund of case_no's verified payment and cancel the case.
 * Refused with nothing written: no such case, already cancelled, no verified
 * SUCCESS payment, a refund already recorded, approved_by not an active
 * supervisor, approved_by the one asking or the case's clerk, an empty
 * reason. 0 with *out, or -1 with err. */
int db_refund_approve(kdb *db, const char *case_no, const char *requested_by,
		      const char *approved_by, const char *reason, refund_rec *out, kerr *err);
/* The gateway's answer: state PROCESSING, SUCCESS, CLOSED or ABNORMAL (never
 * PENDING), and its refund id. On SUCCESS the order's payment row becomes
 * REFUND. Audited. */
int db_refund_update(kdb *db, const char *actor, const char *out_refund_no,
		     pay_refund_state state, const char *refund_id, kerr *err);
/* The case's refund: 0 found, 1 none, -1 error. */
int db_refund_of_case(kdb *db, const char *case_no, refund_rec *out, kerr *err);

#endif
