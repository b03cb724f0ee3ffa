/* recon_repo: the reconciliation with WeChat Pay's bill, written
 * (docs/reconciliation.md). db_recon_book() reads what the kiosk booked for
 * a day (cases, orders, refunds, and the orders and refunds the bill names
 * from other days); db_recon_record() keeps a run and its differences with
 * their audit rows in one transaction; db_recon_resolve() records who
 * explained a difference and how. Read back with db/report/paydiffs.h. */
#ifndef DB_RECON_REPO_H
#define DB_RECON_REPO_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/pay/bill.h"
#include "core/pay/recon.h"
#include "db/db.h"

#define RECON_NOTE_MAX 400 /* bytes of a resolution's note */

/* What the kiosk booked for civil day `day`: its cases (fee, owed or not),
 * their orders (of_day), the refunds asked for that day (of_day), and the
 * orders and refunds of bill b (may be NULL) that belong elsewhere. 0 with
 * *out (recon_book_free()), or -1 with err. */
int db_recon_book(kdb *db, long day, const bill *b, recon_book *out, kerr *err);

typedef struct recon_outcome {
	int64_t run_id;
	size_t added;      /* differences found for the first time */
	size_t kept;       /* found again, still open */
	size_t explained;  /* found again, already resolved by a supervisor */
	size_t cleared;    /* open before, not found now */
	size_t open;       /* open for the day after the run */
} recon_outcome;

/* Keep a run of day's reconciliation by supervisor `by` (an active
 * supervisor; the caller checked the PIN) over a bill of bill_rows lines
 * (sha1 "" when the day had none) that found d[0..n): a pay_recons row, a
 * pay_diffs row and a `pay.diff` audit row (with the case) for each new
 * difference, the open ones no longer found marked cleared (`pay.diff`),
 * and a `pay.reconcile` audit row with the counts. 0 with *out, or -1 with
 * err (nothing written). */
int db_recon_record(kdb *db, long day, const char *by, const char *bill_sha1, size_t bill_rows,
		    const recon_diff *d, size_t n, recon_outcome *out, kerr *err);

/* Resolve the open difference id: by an active supervisor, with a note of
 * 1-400 bytes (what was done: refunded, booked, explained). Audited
 * (`pay.resolve`). 0, or -1 with err (no such difference, not open, not a
 * supervisor, no note). */
int db_recon_resolve(kdb *db, int64_t id, const char *by, const char *note, kerr *err);

/* A duplicate payment of case_no (order out_trade_no) was refunded: every
 * open `duplicate` difference of the case that names that order or no order,
 * and an open `unbooked` payment of that order (paid at the gateway before
 * the kiosk took it up), is resolved by `by` (the supervisor who approved
 * the refund) with note,
 * audited (`pay.resolve`). Called by db_refund_update() inside its
 * operation; a run that finds the difference after the refund resolves it
 * the same way. *n (may be NULL): how many. 0, or -1 with err. */
int db_recon_resolve_dup(kdb *db, const char *case_no, const char *out_trade_no, const char *by,
			 const char *note, size_t *n, kerr *err);

#endif
