/* paydiffs: the differences a reconciliation with WeChat Pay's bill found
 * for a day (table pay_diffs, schema v8) and its runs (pay_recons), read
 * back for the day view, the day close and kioskctl pay. Written only by
 * db/repo/recon_repo.h. Records are plain copies; lists are malloc'd arrays
 * the caller free()s. docs/reconciliation.md. */
#ifndef DB_PAYDIFFS_H
#define DB_PAYDIFFS_H

#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/base/names.h"
#include "core/pay/recon.h"
#include "db/db.h"

/* A difference's state: enum, the stored word, UI string key. */
#define PAYDIFF_STATUSES(X)                                                      \
	X(PD_OPEN,     "open",     "paydiff.open")     /* unexplained */          \
	X(PD_RESOLVED, "resolved", "paydiff.resolved") /* a supervisor's note */  \
	X(PD_CLEARED,  "cleared",  "paydiff.cleared")  /* a later run no longer finds it */

ENUM_DECLARE_WORD_KEY(paydiff_status, PAYDIFF_STATUSES, PAYDIFF_STATUS_COUNT);

typedef struct paydiff_rec {
	int64_t id;
	long day;
	recon_diff d;
	int64_t found_ms;          /* the run that found it */
	char found_by[33];
	paydiff_status status;
	char resolved_by[33];      /* "" while open */
	int64_t resolved_ms;
	char note[401];
} paydiff_rec;

typedef struct recon_run_rec {
	int64_t id;
	long day;
	char run_by[33];
	int64_t run_ms;
	char bill_sha1[41];        /* "" for a day without a bill (no trade) */
	long bill_rows, found, still_open;
} recon_run_rec;

/* The differences of a day, by id. 0, or -1 with err. */
int db_paydiffs_of_day(kdb *db, long day, paydiff_rec **out, size_t *n, kerr *err);
/* One difference: 0 found, 1 none, -1 error. */
int db_paydiff_get(kdb *db, int64_t id, paydiff_rec *out, kerr *err);
/* The day's last run: 0 found, 1 never reconciled, -1 error. */
int db_recon_last(kdb *db, long day, recon_run_rec *out, kerr *err);

#endif
