/* anchor_repo: the supervisor's day close and the day_anchors table.
 * db_day_close() verifies the whole audit chain, appends the `day.close` audit
 * row and signs an anchor naming that very row (its seq and hash) with the
 * day's counts, all in one BEGIN IMMEDIATE transaction, so an anchor always
 * covers its own close row and nothing is half-written.
 * db_audit_verify_anchors() checks the chain against every recorded anchor
 * (and against anchors kept outside in exported files), which catches a log
 * cut back or rewritten consistently enough to pass db_audit_verify() alone.
 * anchor_rec values are plain copies owned by the caller; lists are malloc'd
 * arrays the caller free()s. docs/day-close.md describes what is signed. */
#ifndef DB_ANCHOR_REPO_H
#define DB_ANCHOR_REPO_H

#include <stddef.h>
#include <stdint.h>

#include "core/audit/anchor.h"
#include "core/base/err.h"
#include "core/audit/kioskkey.h"
#include "db/db.h"

/* The figures an anchor signs for civil day `day` (ANCHOR_COUNTS, v2's
 * all), as they stood at as_of_ms, rebuilt from the bound rows: the cases
 * opened that day by then, each with the status its steps done by then give
 * (cancelled if cancelled by then), the fees due of those accepted, 容缺 or
 * completed, the verified payments held then (paid, not yet refunded) and
 * the refunds done by then. A close signs them as of its own moment; verify
 * recomputes them as of the close (docs/day-close.md, "The figures").
 * 0, or -1 with err. */
int db_day_figures(kdb *db, long day, int64_t as_of_ms, int64_t counts[AC_COUNT], kerr *err);

/* Close a civil day as supervisor_id (an active staff member with role
 * supervisor; the caller has checked the PIN with db_staff_login()), signing
 * with key (its private half). Refused: a day after today (Asia/Shanghai), a
 * day already closed, anyone but an active supervisor. Fills out with the
 * stored anchor. Returns 0 closed; 1 the audit log is tampered or disagrees
 * with an earlier anchor (err says where; nothing written); -1 refused or
 * failed, with err (nothing written). */
int db_day_close(kdb *db, long day, const char *supervisor_id, const kioskkey *key,
		 anchor_rec *out, kerr *err);

/* The anchor of a day: 0 found, 1 the day is not closed, -1 error. */
int db_anchor_get(kdb *db, long day, anchor_rec *out, kerr *err);
/* Every anchor by day; *out malloc'd (free()), NULL when none. */
int db_anchor_list(kdb *db, anchor_rec **out, size_t *n, kerr *err);

#define ANCHOR_FINDINGS_MAX 16

typedef struct anchor_finding {
	long day;             /* the anchor's day */
	int64_t seq;          /* the audit row concerned, 0 when none */
	int file;             /* index into the files given, -1 for a database anchor */
	char problem[400];    /* in words: what is wrong */
} anchor_finding;

typedef struct anchor_verify_result {
	int chain_rc;                  /* db_audit_verify(): 0 intact, 1 tampered */
	audit_verify_result chain;     /* its result */
	long n_anchors;                /* anchors in the database */
	long n_files;                  /* anchors from files */
	anchor_finding findings[ANCHOR_FINDINGS_MAX];
	size_t n_findings;             /* findings kept, at most one per anchor */
	long n_more;                   /* findings beyond ANCHOR_FINDINGS_MAX */
} anchor_verify_result;

/* In one read snapshot: walk the chain (db_audit_verify), then for every
 * database anchor and every anchor in files[0..n_files) (parsed exported
 * files, may be NULL/0): the row it names exists ("log truncated" when the log
 * ends before it), its hash is the anchor's head ("rewritten"), it is the
 * day's `day.close` row, the signed message is the one rebuilt from the
 * anchor's fields, the key id is pub's and the signature verifies. A file's
 * anchor must also still be in the database, unchanged (a deleted anchor row
 * is caught this way). Then, for every database anchor found sound, the day's
 * figures are recomputed as of the close row's time (db_day_figures) and
 * each count the anchor signs compared: a day whose figures moved is a
 * finding naming the counts, signed and now. pub may be NULL only when there
 * is no anchor at all.
 * Returns 0 all intact, 1 a finding (res), -1 error (err). */
int db_audit_verify_anchors(kdb *db, const kioskkey *pub, const anchor_rec *files,
			    size_t n_files, anchor_verify_result *res, kerr *err);

#endif
