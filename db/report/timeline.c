/* timeline: one read snapshot, one query per source table, each entry made
 * into one line here, then sorted. Steps, payments, refunds and audit rows are
 * reached through their case indexes; token_events and certs have no index by
 * case (schema v4), so those two read their table through: a few milliseconds
 * on a year of keys, for a screen opened by hand. Tables that keep no actor
 * borrow the one of the row written with them in the same operation: a
 * material's is its materials step's, a certificate's the key move recorded
 * with it, an order's the audit row of its creation or last change. */
#include "db/report/timeline.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/case/fees.h"
#include "core/base/names.h"
#include "core/base/civil.h"
#include "core/pay/pay.h"
#include "db/store.h"

ENUM_DEFINE_WORD_KEY(timeline_kind, TIMELINE_KINDS, "?", "?")

static const char *col_text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

typedef struct tl {
	kdb *db;
	timeline_entry *v;
	size_t n, cap;
	kerr *err;
} tl;

/* A new entry (text filled by the caller with tl_text), or NULL on OOM. */
static timeline_entry *tl_add(tl *t, int64_t at_ms, timeline_kind kind, int64_t row, int part,
			      const char *actor)
{
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 32;
		timeline_entry *nv = realloc(t->v, nc * sizeof *nv);
		if (!nv) {
			kerr_set(t->err, t->db->path, "out of memory building the case timeline");
			return NULL;
		}
		t->v = nv;
		t->cap = nc;
	}
	timeline_entry *e = &t->v[t->n++];
	memset(e, 0, sizeof *e);
	e->at_ms = at_ms;
	e->kind = kind;
	e->row = row;
	e->part = part;
	dbi_copy(e->actor, sizeof e->actor, actor ? actor : "");
	return e;
}

/* The entry's one line: formatted, cut at a character boundary, control
 * characters (a free-text detail may hold a newline) made spaces. */
__attribute__((format(printf, 2, 3))) static void tl_text(timeline_entry *e, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	dbi_copy(e->text, sizeof e->text, buf);
}

/* The entry's line for a person: its strings key and NULL-ended name, value
 * pairs (values copied, control characters made spaces). */
static void tl_say(timeline_entry *e, const char *key, ...)
{
	va_list ap;
	va_start(ap, key);
	e->key = key;
	for (int i = 0; i < TL_VARS; i++) {
		const char *name = va_arg(ap, const char *);
		if (!name)
			break;
		const char *value = va_arg(ap, const char *);
		e->var_name[i] = name;
		dbi_copy(e->var[i], sizeof e->var[i], value ? value : "");
		for (char *p = e->var[i]; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = ' ';
	}
	va_end(ap);
}

/* Step a statement bound to the case, calling row() for each result row. */
static int tl_each(tl *t, sqlite3_stmt *st, int (*row)(tl *, sqlite3_stmt *), const char *what)
{
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (row(t, st)) {
			sqlite3_reset(st);
			return -1;
		}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return dbi_sqlerr(t->db, t->err, what);
	return 0;
}

static int step_row(tl *t, sqlite3_stmt *st)
{
	timeline_entry *e = tl_add(t, sqlite3_column_int64(st, 3), TL_STEP,
				   sqlite3_column_int64(st, 0), 0, col_text(st, 2));
	if (!e)
		return -1;
	const char *detail = col_text(st, 4);
	tl_text(e, "%s%s%s", col_text(st, 1), *detail ? ": " : "", detail);
	tl_say(e, *detail ? "timeline.line.step_detail" : "timeline.line.step", "step", col_text(st, 1),
	       "detail", detail, NULL);
	dbi_copy(e->detail, sizeof e->detail, detail);
	return 0;
}

static int material_row(tl *t, sqlite3_stmt *st)
{
	timeline_entry *e = tl_add(t, sqlite3_column_int64(st, 5), TL_MATERIAL,
				   sqlite3_column_int64(st, 0), 0, col_text(st, 6));
	if (!e)
		return -1;
	const char *reason = col_text(st, 3);
	tl_text(e, "%s %s%s%s%s", col_text(st, 1), col_text(st, 2),
		sqlite3_column_int(st, 4) ? " (essential)" : "", *reason ? ": " : "", reason);
	tl_say(e, *reason ? "timeline.line.material_why" : "timeline.line.material", "material",
	       col_text(st, 1), "mark", col_text(st, 2), "reason", reason, NULL);
	return 0;
}

static int key_row(tl *t, sqlite3_stmt *st)
{
	timeline_entry *e = tl_add(t, sqlite3_column_int64(st, 6), TL_KEY,
				   sqlite3_column_int64(st, 0), 0, col_text(st, 5));
	if (!e)
		return -1;
	if (sqlite3_column_type(st, 2) == SQLITE_NULL) {
		tl_text(e, "key %s entered as %s (%s)", col_text(st, 1), col_text(st, 3),
			col_text(st, 4));
		tl_say(e, "timeline.line.key_entered", "serial", col_text(st, 1), "tto", col_text(st, 3),
		       "treason", col_text(st, 4), NULL);
	} else {
		tl_text(e, "key %s %s -> %s (%s)", col_text(st, 1), col_text(st, 2),
			col_text(st, 3), col_text(st, 4));
		tl_say(e, "timeline.line.key_moved", "serial", col_text(st, 1), "tfrom", col_text(st, 2),
		       "tto", col_text(st, 3), "treason", col_text(st, 4), NULL);
	}
	return 0;
}

static int cert_row(tl *t, sqlite3_stmt *st)
{
	int64_t id = sqlite3_column_int64(st, 0);
	timeline_entry *e = tl_add(t, sqlite3_column_int64(st, 10), TL_CERT, id, 0,
				   col_text(st, 11));
	if (!e)
		return -1;
	char nb[16], na[16];
	tl_text(e, "certificate %s issued on key %s for %s (%s), valid %s to %s", col_text(st, 1),
		col_text(st, 2), col_text(st, 3), col_text(st, 4),
		civil_format((long)sqlite3_column_int64(st, 5), nb, sizeof nb),
		civil_format((long)sqlite3_column_int64(st, 6), na, sizeof na));
	tl_say(e, "timeline.line.cert_issued", "cert", col_text(st, 1), "serial", col_text(st, 2),
	       "unit", col_text(st, 3), "uscc", col_text(st, 4), "nb", nb, "na", na, NULL);
	if (strcmp(col_text(st, 7), "revoked") == 0) {
		e = tl_add(t, sqlite3_column_int64(st, 9), TL_CERT, id, 1, col_text(st, 12));
		if (!e)
			return -1;
		tl_text(e, "certificate %s revoked (%s)", col_text(st, 1), col_text(st, 8));
		tl_say(e, "timeline.line.cert_revoked", "cert", col_text(st, 1), "treason",
		       col_text(st, 8), NULL);
	}
	return 0;
}

static int payment_row(tl *t, sqlite3_stmt *st)
{
	int64_t id = sqlite3_column_int64(st, 0);
	char yuan[32];
	timeline_entry *e = tl_add(t, sqlite3_column_int64(st, 6), TL_PAYMENT, id, 0,
				   col_text(st, 8));
	if (!e)
		return -1;
	tl_text(e, "order %s of %s yuan created", col_text(st, 1),
		fees_format_yuan(sqlite3_column_int64(st, 2), yuan, sizeof yuan));
	tl_say(e, "timeline.line.order_created", "order", col_text(st, 1), "amount", yuan, NULL);
	e = tl_add(t, sqlite3_column_int64(st, 7), TL_PAYMENT, id, 1, col_text(st, 9));
	if (!e)
		return -1;
	const char *tx = col_text(st, 4);
	tl_text(e, "order %s: %s, %s%s%s", col_text(st, 1), col_text(st, 3),
		sqlite3_column_int(st, 5) ? "verified" : "NOT verified",
		*tx ? ", transaction " : "", tx);
	tl_say(e, sqlite3_column_int(st, 5) ? "timeline.line.order_verified" : "timeline.line.order_unverified",
	       "order", col_text(st, 1), "state", col_text(st, 3), "tx", tx, NULL);
	return 0;
}

/* A refund: the case's own (it was cancelled), or a duplicate payment's
 * (重复支付退款, numbered "-D1"; the case kept its payment). */
static int refund_row(tl *t, sqlite3_stmt *st)
{
	int64_t id = sqlite3_column_int64(st, 0);
	char yuan[32];
	bool dup = pay_refund_no_is_dup(col_text(st, 1));
	timeline_kind kind = dup ? TL_DUP_REFUND : TL_REFUND;
	const char *what = dup ? "duplicate payment refund (重复支付退款)" : "refund";
	timeline_entry *e = tl_add(t, sqlite3_column_int64(st, 8), kind, id, 0, col_text(st, 4));
	if (!e)
		return -1;
	tl_text(e, "%s %s of %s yuan on order %s requested by %s, approved by %s: %s", what,
		col_text(st, 1), fees_format_yuan(sqlite3_column_int64(st, 2), yuan, sizeof yuan),
		col_text(st, 10), col_text(st, 4), col_text(st, 5), col_text(st, 3));
	tl_say(e, dup ? "timeline.line.dup_refund_asked" : "timeline.line.refund_asked", "no",
	       col_text(st, 1), "amount", yuan, "order", col_text(st, 10), "by", col_text(st, 4),
	       "approver", col_text(st, 5), "reason", col_text(st, 3), NULL);
	e = tl_add(t, sqlite3_column_int64(st, 9), kind, id, 1, "");
	if (!e)
		return -1;
	const char *rid = col_text(st, 7);
	tl_text(e, "%s %s: %s%s%s", what, col_text(st, 1), col_text(st, 6),
		*rid ? ", refund id " : "", rid);
	tl_say(e, dup ? "timeline.line.dup_refund_state" : "timeline.line.refund_state", "no",
	       col_text(st, 1), "refund_state", col_text(st, 6), "id", rid, NULL);
	return 0;
}

static int supplement_row(tl *t, sqlite3_stmt *st)
{
	timeline_entry *e = tl_add(t, sqlite3_column_int64(st, 2), TL_SUPPLEMENT,
				   sqlite3_column_int64(st, 0), 0, col_text(st, 3));
	if (!e)
		return -1;
	const char *late = col_text(st, 4);
	if (*late) {
		tl_text(e, "%s received after the deadline, allowed by %s: %s", col_text(st, 1), late,
			col_text(st, 5));
		tl_say(e, "timeline.line.supplied_late", "material", col_text(st, 1), "by", late,
		       "reason", col_text(st, 5), NULL);
	} else {
		tl_text(e, "%s received (容缺补交)", col_text(st, 1));
		tl_say(e, "timeline.line.supplied", "material", col_text(st, 1), NULL);
	}
	return 0;
}

static int rating_row(tl *t, sqlite3_stmt *st)
{
	int64_t id = sqlite3_column_int64(st, 0);
	timeline_entry *e = tl_add(t, sqlite3_column_int64(st, 4), TL_RATING, id, 0, col_text(st, 3));
	if (!e)
		return -1;
	const char *comment = col_text(st, 2);
	char due[16] = "";
	if (sqlite3_column_type(st, 5) != SQLITE_NULL)
		civil_format((long)sqlite3_column_int64(st, 5), due, sizeof due);
	tl_text(e, "rated %s%s%s%s%s", col_text(st, 1), *comment ? ": " : "", comment,
		*due ? "; follow-up due " : "", due);
	tl_say(e, *due ? "timeline.line.rated_poor" : "timeline.line.rated", "rating", col_text(st, 1),
	       "comment", comment, "due", due, NULL);
	if (sqlite3_column_type(st, 6) != SQLITE_NULL) {
		e = tl_add(t, sqlite3_column_int64(st, 7), TL_RATING, id, 1, col_text(st, 6));
		if (!e)
			return -1;
		tl_text(e, "差评 followed up: %s", col_text(st, 8));
		tl_say(e, "timeline.line.followed_up", "note", col_text(st, 8), NULL);
	}
	return 0;
}

static int audit_entry_row(tl *t, sqlite3_stmt *st)
{
	timeline_entry *e = tl_add(t, sqlite3_column_int64(st, 1), TL_AUDIT,
				   sqlite3_column_int64(st, 0), 0, col_text(st, 2));
	if (!e)
		return -1;
	const char *detail = col_text(st, 4);
	char seq[24];
	snprintf(seq, sizeof seq, "%lld", (long long)sqlite3_column_int64(st, 0));
	tl_text(e, "#%s %s%s%s", seq, col_text(st, 3), *detail ? " " : "", detail);
	tl_say(e, *detail ? "timeline.line.audit" : "timeline.line.audit_bare", "seq", seq, "action",
	       col_text(st, 3), "detail", detail, NULL);
	dbi_copy(e->detail, sizeof e->detail, detail);
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const timeline_entry *x = a, *y = b;
	if (x->at_ms != y->at_ms)
		return x->at_ms < y->at_ms ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->row != y->row)
		return x->row < y->row ? -1 : 1;
	return (x->part > y->part) - (x->part < y->part);
}

/* One source: its statement, bound to the case id (?1) and, where it uses
 * them, the case number (?2) and the words of the audit actions it matches
 * (?3, ?4: acts[0], acts[1]), so that the words come from the table. */
typedef struct source {
	const char *sql;
	int (*row)(tl *, sqlite3_stmt *);
	const char *what;
	audit_action acts[2];
} source;

#define NO_ACTS { AUD_COUNT, AUD_COUNT } /* a statement without ?3 */

static const source sources[] = {
	{ "SELECT id, step, actor, at_ms, detail FROM case_steps WHERE case_id = ?1",
	  step_row, "reading the case's steps", NO_ACTS },
	{ "SELECT m.rowid, m.material_id, m.mark, m.reason, m.essential,"
	  " COALESCE(s.at_ms, 0), COALESCE(s.actor, '')"
	  " FROM material_decisions m LEFT JOIN case_steps s"
	  "  ON s.case_id = m.case_id AND s.step = 'materials'"
	  " WHERE m.case_id = ?1",
	  material_row, "reading the case's materials", NO_ACTS },
	{ "SELECT e.id, t.serial, e.from_state, e.to_state, e.reason, e.actor, e.at_ms"
	  " FROM token_events e JOIN tokens t ON t.id = e.token_id WHERE e.case_id = ?1",
	  key_row, "reading the case's key moves", NO_ACTS },
	{ "SELECT x.id, x.serial, t.serial, x.unit_name, x.uscc, x.not_before, x.not_after,"
	  " x.status, x.revoke_reason, x.revoked_ms, x.created_ms,"
	  " COALESCE((SELECT e.actor FROM token_events e WHERE e.token_id = x.token_id"
	  "  AND e.at_ms <= x.created_ms ORDER BY e.id DESC LIMIT 1), ''),"
	  " COALESCE((SELECT e.actor FROM token_events e WHERE e.token_id = x.token_id"
	  "  AND e.at_ms <= x.revoked_ms ORDER BY e.id DESC LIMIT 1), '')"
	  " FROM certs x JOIN tokens t ON t.id = x.token_id WHERE x.case_id = ?1",
	  cert_row, "reading the case's certificates", NO_ACTS },
	{ "SELECT p.id, p.out_trade_no, p.amount_fen, p.state, p.transaction_id, p.verified,"
	  " p.created_ms, p.updated_ms,"
	  " COALESCE((SELECT a.actor FROM audit a WHERE a.case_no = ?2 AND a.case_no <> ''"
	  "  AND a.action = ?3"
	  "  AND instr(a.detail, '\"out_trade_no\":\"' || p.out_trade_no || '\"') > 0"
	  "  ORDER BY a.seq LIMIT 1), ''),"
	  " COALESCE((SELECT a.actor FROM audit a WHERE a.case_no = ?2 AND a.case_no <> ''"
	  "  AND a.action IN (?3, ?4)"
	  "  AND instr(a.detail, '\"out_trade_no\":\"' || p.out_trade_no || '\"') > 0"
	  "  ORDER BY a.seq DESC LIMIT 1), '')"
	  " FROM payments p WHERE p.case_id = ?1",
	  payment_row, "reading the case's payments", { AUD_PAYMENT_CREATE, AUD_PAYMENT_UPDATE } },
	{ "SELECT r.id, r.out_refund_no, r.amount_fen, r.reason, r.requested_by, r.approved_by,"
	  " r.state, r.refund_id, r.created_ms, r.updated_ms, COALESCE(p.out_trade_no, '')"
	  " FROM refunds r LEFT JOIN payments p ON p.id = r.payment_id WHERE r.case_id = ?1",
	  refund_row, "reading the case's refunds", NO_ACTS },
	{ "SELECT id, material_id, at_ms, actor, COALESCE(late_by, ''), note FROM supplements"
	  " WHERE case_id = ?1",
	  supplement_row, "reading the case's supplements", NO_ACTS },
	{ "SELECT id, level, comment, actor, at_ms, due_day, resolved_by, resolved_ms, resolution"
	  " FROM ratings WHERE case_id = ?1",
	  rating_row, "reading the case's rating", NO_ACTS },
	{ "SELECT seq, at_ms, actor, action, detail FROM audit"
	  " WHERE case_no = ?2 AND case_no <> '' ORDER BY seq",
	  audit_entry_row, "reading the case's audit rows", NO_ACTS },
};

int db_case_timeline(kdb *db, const char *case_no, timeline_entry **out, size_t *n, kerr *err)
{
	*out = NULL;
	*n = 0;
	if (!case_no || !*case_no)
		return kerr_set(err, "case", "no case number given");
	if (strlen(case_no) > 47 || dbi_utf8_chars(case_no) < 0)
		return kerr_set(err, "case", "'%.47s' cannot be a case number (at most 39 characters "
				"of plain text, like K01-20240301-0001)", case_no);
	if (dbi_exec(db, "SAVEPOINT timeline", err))
		return -1;
	tl t = { .db = db, .err = err };
	int rc = 0;
	sqlite3_stmt *st = dbi_stmt(db, "SELECT id FROM cases WHERE case_no = ?1", err);
	if (!st) {
		rc = -1;
		goto done;
	}
	sqlite3_bind_text(st, 1, case_no, -1, SQLITE_STATIC);
	int step = sqlite3_step(st);
	int64_t case_id = step == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (step == SQLITE_DONE) {
		rc = 1;
		goto done;
	}
	if (step != SQLITE_ROW) {
		rc = dbi_sqlerr(db, err, "looking up the case");
		goto done;
	}
	for (size_t i = 0; i < sizeof sources / sizeof sources[0] && rc == 0; i++) {
		st = dbi_stmt(db, sources[i].sql, err);
		if (!st) {
			rc = -1;
			break;
		}
		if (sqlite3_bind_parameter_count(st) >= 1)
			sqlite3_bind_int64(st, 1, case_id);
		if (sqlite3_bind_parameter_count(st) >= 2)
			sqlite3_bind_text(st, 2, case_no, -1, SQLITE_STATIC);
		for (int k = 0; k < 2 && sqlite3_bind_parameter_count(st) >= 3 + k; k++)
			sqlite3_bind_text(st, 3 + k, audit_action_name(sources[i].acts[k]), -1,
					  SQLITE_STATIC);
		rc = tl_each(&t, st, sources[i].row, sources[i].what);
	}
done:
	dbi_exec(db, "RELEASE timeline", NULL);
	if (rc != 0) {
		free(t.v);
		return rc;
	}
	if (t.n)
		qsort(t.v, t.n, sizeof *t.v, by_time);
	*out = t.v;
	*n = t.n;
	return 0;
}
