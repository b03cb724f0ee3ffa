/* refund_repo: the refunds table (schema v4), maker-checker. See the header. */
#include "db/repo/refund_repo.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/pay/pay.h"
#include "db/audit_log.h"
#include "db/store.h"
#include "db/repo/case_repo.h"
#include "db/repo/recon_repo.h"
#include "db/repo/staff_repo.h"
#include "db/repo/token_repo.h"

#define REFUND_COLUMNS                                                                  \
	"SELECT c.case_no, p.out_trade_no, r.out_refund_no, r.amount_fen, r.reason,"   \
	" r.requested_by, r.approved_by, r.state, r.refund_id, r.created_ms, r.updated_ms" \
	" FROM refunds r JOIN cases c ON c.id = r.case_id JOIN payments p ON p.id = r.payment_id"

static void refund_row(sqlite3_stmt *st, refund_rec *out)
{
	memset(out, 0, sizeof *out);
	const int text[] = { 0, 1, 2, 4, 5, 6, 8 };
	char *dst[] = { out->case_no, out->out_trade_no, out->out_refund_no, out->reason,
			out->requested_by, out->approved_by, out->refund_id };
	size_t n[] = { sizeof out->case_no, sizeof out->out_trade_no, sizeof out->out_refund_no,
		       sizeof out->reason, sizeof out->requested_by, sizeof out->approved_by,
		       sizeof out->refund_id };
	for (size_t i = 0; i < sizeof text / sizeof *text; i++)
		dbi_copy(dst[i], n[i], (const char *)sqlite3_column_text(st, text[i]));
	/* the stored word; a word outside the table (only past the schema's CHECK)
	 * reads as PAY_REFUND_STATE_COUNT and one_refund() refuses it */
	int state = pay_refund_state_from_name((const char *)sqlite3_column_text(st, 7));
	out->state = state < 0 ? PAY_REFUND_STATE_COUNT : (pay_refund_state)state;
	out->amount_fen = sqlite3_column_int64(st, 3);
	out->created_ms = sqlite3_column_int64(st, 9);
	out->updated_ms = sqlite3_column_int64(st, 10);
}

static void refund_fill(sqlite3_stmt *st, void *out)
{
	refund_row(st, out);
}

static bool is_dup_of(const refund_rec *r)
{
	char no[PAY_REFUND_NO_MAX + 1];
	return pay_refund_dup_no(r->out_trade_no, no) == 0 && strcmp(no, r->out_refund_no) == 0;
}

/* r->transaction_id, the payment the refund is sent against (see the
 * header): the order's booked transaction id, or the bill's second charge of
 * it for the duplicate's refund of a case's own order; "" while no
 * `duplicate` difference says the bill charges the order twice. */
static int refund_charge(kdb *db, refund_rec *r, kerr *err)
{
	r->transaction_id[0] = '\0';
	sqlite3_stmt *st = dbi_stmt(db, "SELECT p.transaction_id, EXISTS (SELECT 1 FROM pay_diffs d"
				    "  WHERE d.kind = 'duplicate' AND d.out_trade_no = p.out_trade_no)"
				    " FROM payments p WHERE p.out_trade_no = ?1", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, r->out_trade_no, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	char booked[40] = "";
	bool twice = false;
	if (rc == SQLITE_ROW) {
		dbi_copy(booked, sizeof booked, (const char *)sqlite3_column_text(st, 0));
		twice = sqlite3_column_int(st, 1) != 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "reading the refunded order");
	if (!twice)
		return 0;
	if (is_dup_of(r)) {
		dup_target t;
		kerr terr = { 0 };
		int trc = db_refund_dup_target(db, r->case_no, r->out_trade_no, &t, &terr);
		if (trc < 0) {
			*err = terr;
			return -1;
		}
		if (trc == 0 && t.same_order) {
			dbi_copy(r->transaction_id, sizeof r->transaction_id, t.charge_tx);
			return 0;
		}
	}
	dbi_copy(r->transaction_id, sizeof r->transaction_id, booked);
	return 0;
}

/* st is one of the literal statements below (the statement cache is keyed
 * by the SQL's address). */
static int one_refund(kdb *db, sqlite3_stmt *st, const char *value, refund_rec *out, kerr *err)
{
	if (st)
		sqlite3_bind_text(st, 1, value ? value : "", -1, SQLITE_STATIC);
	int rc = dbi_one(db, st, refund_fill, out, "reading a refund", err);
	if (rc == 0 && out->state == PAY_REFUND_STATE_COUNT)
		return kerr_set(err, out->out_refund_no, "the stored state of this refund is not a "
				"refund state: run kioskctl audit verify");
	if (rc == 0 && refund_charge(db, out, err))
		return -1;
	return rc;
}

/* A duplicate payment's refund is numbered "<order>-D1" (pay_refund_dup_no);
 * the case's own refund never is. */
#define NOT_DUP_REFUND " NOT (" DB_REFUND_IS_DUP_SQL("r") ")"

int db_refund_of_case(kdb *db, const char *case_no, refund_rec *out, kerr *err)
{
	return one_refund(db, dbi_stmt(db, REFUND_COLUMNS " WHERE c.case_no = ?1 AND" NOT_DUP_REFUND
				       " ORDER BY r.id DESC LIMIT 1", err), case_no, out, err);
}

int db_refund_get(kdb *db, const char *out_refund_no, refund_rec *out, kerr *err)
{
	return one_refund(db, dbi_stmt(db, REFUND_COLUMNS " WHERE r.out_refund_no = ?1", err),
			  out_refund_no, out, err);
}

/* Is the order flagged as a second payment of its case (payment.duplicate)? */
#define FLAGGED                                                                              \
	" EXISTS (SELECT 1 FROM audit a WHERE a.case_no = c.case_no AND a.case_no <> ''"        \
	"  AND a.action = 'payment.duplicate'"                                                 \
	"  AND instr(a.detail, '\"out_trade_no\":\"' || p.out_trade_no || '\"') > 0)"

int db_refund_dup_target(kdb *db, const char *case_no, const char *out_trade_no, dup_target *out,
			 kerr *err)
{
	memset(out, 0, sizeof *out);
	const char *want = out_trade_no ? out_trade_no : "";
	/* the orders of the case paid and verified (SUCCESS, or REFUND: its
	 * duplicate refund may have gone through already), flagged ones first;
	 * same_order: the bill charged this order twice (a difference says so) */
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT p.out_trade_no, p.amount_fen," FLAGGED ","
				    " EXISTS (SELECT 1 FROM pay_diffs d WHERE d.kind = 'duplicate'"
				    "  AND d.case_no = c.case_no AND d.out_trade_no = p.out_trade_no),"
				    /* the bill's charge of it that the kiosk did not book */
				    " (SELECT d.transaction_id FROM pay_diffs d WHERE d.kind = 'duplicate'"
				    "  AND d.case_no = c.case_no AND d.out_trade_no = p.out_trade_no"
				    "  AND d.transaction_id NOT IN ('', p.transaction_id) ORDER BY d.id LIMIT 1)"
				    " FROM payments p JOIN cases c ON c.id = p.case_id"
				    " WHERE c.case_no = ?1 AND p.state IN ('SUCCESS', 'REFUND') AND p.verified = 1"
				    "  AND (?2 = '' OR p.out_trade_no = ?2)"
				    " ORDER BY 3 DESC, p.id",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, case_no ? case_no : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, want, -1, SQLITE_STATIC);
	int rc = SQLITE_DONE;
	bool found = false;
	while (!found && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		bool flagged = sqlite3_column_int(st, 2) != 0, twice = sqlite3_column_int(st, 3) != 0;
		if (!flagged && !twice)
			continue;
		found = true;
		dbi_copy(out->case_no, sizeof out->case_no, case_no);
		dbi_copy(out->out_trade_no, sizeof out->out_trade_no, (const char *)sqlite3_column_text(st, 0));
		out->amount_fen = sqlite3_column_int64(st, 1);
		out->same_order = !flagged;
		dbi_copy(out->charge_tx, sizeof out->charge_tx, (const char *)sqlite3_column_text(st, 4));
	}
	if (!found && rc != SQLITE_DONE && rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return dbi_sqlerr(db, err, "reading the case's paid orders");
	}
	sqlite3_reset(st);
	if (!found) {
		if (*want)
			kerr_set(err, want, "order %s of case %s is not a second payment: it is not "
				 "paid and verified, or it is the case's one payment (WeChat Pay's bill "
				 "does not charge it twice); to cancel the case and refund it, use F8 "
				 "on the case", want, case_no ? case_no : "");
		else
			kerr_set(err, case_no ? case_no : "", "the case has no second payment to refund "
				 "(no order of it is flagged as paid twice); if WeChat Pay's bill says "
				 "otherwise, reconcile the day first (kioskctl pay reconcile)");
		return 1;
	}
	if (pay_refund_dup_no(out->out_trade_no, out->out_refund_no) != 0)
		return kerr_set(err, out->out_trade_no, "no refund number can be made from this order number");
	/* the second charge is refunded by its own transaction id (WeChat
	 * refunds a payment up to its amount; by out_trade_no the order's own
	 * payment would be refunded instead, and the case's refund refused) */
	if (out->same_order && !out->charge_tx[0]) {
		kerr_set(err, out->out_trade_no, "WeChat Pay's bill charges order %s twice, but the "
			 "reconciliation did not record the second charge's transaction id: refund it "
			 "on the merchant platform and resolve the difference (kioskctl pay resolve)",
			 out->out_trade_no);
		return 1;
	}
	return 0;
}

/* Who may approve: an active supervisor, not the one asking, not the clerk of
 * the case (nobody approves their own case). */
static int check_approver(kdb *db, const char *approved_by, const char *requested_by,
			  const char *clerk_id, kerr *err)
{
	staff_rec s;
	int rc = db_staff_get(db, approved_by, &s, err);
	if (rc < 0)
		return -1;
	if (rc == 1 || !s.active || s.role != ROLE_SUPERVISOR)
		return kerr_set(err, approved_by, "only an active supervisor can approve a refund");
	if (strcmp(approved_by, requested_by) == 0 || strcmp(approved_by, clerk_id) == 0)
		return kerr_set(err, approved_by, "nobody approves their own case: another "
				"supervisor must approve this refund");
	return 0;
}

int db_refund_approve(kdb *db, const char *case_no, const char *requested_by,
		      const char *approved_by, const char *reason, refund_rec *out, kerr *err)
{
	if (!case_no || !*case_no || !requested_by || !*requested_by || !approved_by || !*approved_by)
		return kerr_set(err, "refund", "a refund needs the case, who asks and who approves");
	/* the gateway takes at most 80 bytes of reason (about 26 Chinese characters) */
	long chars = reason ? dbi_utf8_chars(reason) : -1;
	if (chars < 1 || strlen(reason) > PAY_REFUND_REASON_MAX || strspn(reason, " ") == strlen(reason))
		return kerr_set(err, "reason", "say why the case is refunded: 1 to %d bytes of plain "
				"text (about 26 Chinese characters)", PAY_REFUND_REASON_MAX);
	if (dbi_op_begin(db, err))
		return -1;
	dbuf d = { 0 };
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT c.id, c.clerk_id, c.status, p.id, p.out_trade_no, p.amount_fen"
				    " FROM cases c LEFT JOIN payments p ON p.case_id = c.id"
				    "  AND p.state = 'SUCCESS' AND p.verified = 1 AND NOT" FLAGGED
				    " WHERE c.case_no = ?1 ORDER BY p.id LIMIT 1",
				    err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, case_no, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			kerr_set(err, case_no, "no such case");
		else
			dbi_sqlerr(db, err, "reading the case to refund");
		goto fail;
	}
	int64_t case_id = sqlite3_column_int64(st, 0);
	char clerk[33], status[16], trade[33];
	dbi_copy(clerk, sizeof clerk, (const char *)sqlite3_column_text(st, 1));
	dbi_copy(status, sizeof status, (const char *)sqlite3_column_text(st, 2));
	bool paid = sqlite3_column_type(st, 3) != SQLITE_NULL;
	int64_t pay_id = sqlite3_column_int64(st, 3);
	dbi_copy(trade, sizeof trade, (const char *)sqlite3_column_text(st, 4));
	int64_t amount = sqlite3_column_int64(st, 5);
	sqlite3_reset(st);
	if (strcmp(status, "cancelled") == 0) {
		kerr_set(err, case_no, "the case is already cancelled");
		goto fail;
	}
	if (!paid) {
		kerr_set(err, case_no, "the case has no verified payment: there is nothing to refund");
		goto fail;
	}
	refund_rec had;
	rc = db_refund_of_case(db, case_no, &had, err);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		kerr_set(err, case_no, "the case already has a refund (%s)", had.out_refund_no);
		goto fail;
	}
	if (check_approver(db, approved_by, requested_by, clerk, err))
		goto fail;
	char no[PAY_REFUND_NO_MAX + 1];
	if (pay_refund_no(trade, 1, no) != 0) {
		kerr_set(err, trade, "no refund number can be made from this order number");
		goto fail;
	}
	int64_t now = clock_now_ms();
	st = dbi_stmt(db,
		      "INSERT INTO refunds (case_id, payment_id, out_refund_no, amount_fen, reason,"
		      " requested_by, approved_by, state, created_ms, updated_ms)"
		      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'PENDING', ?8, ?8)",
		      err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, case_id);
	sqlite3_bind_int64(st, 2, pay_id);
	sqlite3_bind_text(st, 3, no, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, amount);
	sqlite3_bind_text(st, 5, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, requested_by, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, approved_by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, now);
	if (dbi_step_done(db, st, "recording the refund", err))
		goto fail;
	st = dbi_stmt(db, "UPDATE cases SET status = 'cancelled', finished = 1, updated_ms = ?2"
		      " WHERE id = ?1", err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, case_id);
	sqlite3_bind_int64(st, 2, now);
	if (dbi_step_done(db, st, "cancelling the refunded case", err))
		goto fail;
	dbuf_add(&d, "{");
	dbuf_kv(&d, "out_refund_no", no);
	dbuf_kv(&d, "out_trade_no", trade);
	dbuf_ki(&d, "amount_fen", amount);
	dbuf_kv(&d, "reason", reason);
	dbuf_kv(&d, "requested_by", requested_by);
	dbuf_kv(&d, "approved_by", approved_by);
	dbuf_add(&d, "}");
	const char *detail = dbuf_done(&d, err);
	if (!detail || dbi_audit_append(db, approved_by, AUD_REFUND_APPROVE, case_no, detail, err) ||
	    dbi_audit_append(db, requested_by, AUD_CASE_CANCEL, case_no, detail, err) ||
	    token_cancel_case_in_op(db, approved_by, case_id, case_no, err))
		goto fail;
	dbuf_free(&d);
	if (dbi_op_commit(db, err))
		return -1;
	return db_refund_of_case(db, case_no, out, err) == 0 ? 0 : -1;
fail:
	dbuf_free(&d);
	dbi_op_rollback(db);
	return -1;
}

/* The reason: what the gateway passes on to the customer, 80 bytes at most. */
static int check_reason(const char *reason, kerr *err)
{
	long chars = reason ? dbi_utf8_chars(reason) : -1;
	if (chars < 1 || strlen(reason) > PAY_REFUND_REASON_MAX || strspn(reason, " ") == strlen(reason))
		return kerr_set(err, "reason", "say why the money is refunded: 1 to %d bytes of plain "
				"text (about 26 Chinese characters)", PAY_REFUND_REASON_MAX);
	return 0;
}

int db_refund_dup_approve(kdb *db, const char *case_no, const char *out_trade_no,
			  const char *requested_by, const char *approved_by, const char *reason,
			  refund_rec *out, kerr *err)
{
	if (!case_no || !*case_no || !requested_by || !*requested_by || !approved_by || !*approved_by)
		return kerr_set(err, "refund", "a refund needs the case, who asks and who approves");
	if (check_reason(reason, err))
		return -1;
	if (dbi_op_begin(db, err))
		return -1;
	dbuf d = { 0 };
	case_rec c;
	int rc = db_case_get(db, case_no, &c, err);
	if (rc != 0) {
		if (rc == 1)
			kerr_set(err, case_no, "no such case");
		goto fail;
	}
	dup_target t;
	if (db_refund_dup_target(db, case_no, out_trade_no, &t, err) != 0)
		goto fail;
	refund_rec had;
	rc = db_refund_get(db, t.out_refund_no, &had, err);
	if (rc < 0)
		goto fail;
	if (rc == 0) {
		kerr_set(err, t.out_refund_no, "the duplicate payment %s has its refund already (%s, "
			 "approved by %s)", t.out_trade_no, pay_refund_state_name(had.state), had.approved_by);
		goto fail;
	}
	/* the one asking is staff of the kiosk; the approver as for any refund */
	staff_rec who;
	rc = db_staff_get(db, requested_by, &who, err);
	if (rc < 0)
		goto fail;
	if (rc == 1 || !who.active) {
		kerr_set(err, requested_by, "only active staff can ask for a refund");
		goto fail;
	}
	if (check_approver(db, approved_by, requested_by, c.clerk_id, err))
		goto fail;
	sqlite3_stmt *st = dbi_stmt(db,
				    "INSERT INTO refunds (case_id, payment_id, out_refund_no, amount_fen, reason,"
				    " requested_by, approved_by, state, created_ms, updated_ms)"
				    " SELECT p.case_id, p.id, ?2, ?3, ?4, ?5, ?6, 'PENDING', ?7, ?7"
				    " FROM payments p WHERE p.out_trade_no = ?1",
				    err);
	if (!st)
		goto fail;
	int64_t now = clock_now_ms();
	sqlite3_bind_text(st, 1, t.out_trade_no, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, t.out_refund_no, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, t.amount_fen);
	sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, requested_by, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, approved_by, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, now);
	if (dbi_step_done(db, st, "recording the refund", err))
		goto fail;
	dbuf_add(&d, "{");
	dbuf_kv(&d, "out_refund_no", t.out_refund_no);
	dbuf_kv(&d, "out_trade_no", t.out_trade_no);
	dbuf_ki(&d, "amount_fen", t.amount_fen);
	dbuf_kv(&d, "charged", t.same_order ? "twice_in_bill" : "second_order");
	if (t.same_order)
		dbuf_kv(&d, "transaction_id", t.charge_tx);
	dbuf_kv(&d, "reason", reason);
	dbuf_kv(&d, "requested_by", requested_by);
	dbuf_kv(&d, "approved_by", approved_by);
	dbuf_add(&d, "}");
	const char *detail = dbuf_done(&d, err);
	if (!detail || dbi_audit_append(db, approved_by, AUD_REFUND_DUPLICATE, case_no, detail, err))
		goto fail;
	dbuf_free(&d);
	if (dbi_op_commit(db, err))
		return -1;
	return db_refund_get(db, t.out_refund_no, out, err) == 0 ? 0 : -1;
fail:
	dbuf_free(&d);
	dbi_op_rollback(db);
	return -1;
}

int db_refund_update(kdb *db, const char *actor, const char *out_refund_no,
		     pay_refund_state state, const char *refund_id, kerr *err)
{
	if ((unsigned)state >= PAY_REFUND_STATE_COUNT || state == PAY_REFUND_PENDING)
		return kerr_set(err, pay_refund_state_name(state),
				"not a refund state: PROCESSING, SUCCESS, CLOSED or ABNORMAL");
	if (dbi_op_begin(db, err))
		return -1;
	dbuf d = { 0 };
	refund_rec r;
	int rc = one_refund(db, dbi_stmt(db, REFUND_COLUMNS " WHERE r.out_refund_no = ?1", err),
			    out_refund_no, &r, err);
	if (rc != 0) {
		if (rc == 1)
			kerr_set(err, out_refund_no, "no such refund");
		goto fail;
	}
	/* SUCCESS and CLOSED are final; ABNORMAL (the customer's account refused
	 * the money) may still be closed, or put through once the merchant sent
	 * it to another account on the merchant platform (异常退款): WeChat then
	 * answers the same refund number SUCCESS */
	bool final = r.state == PAY_REFUND_SUCCESS || r.state == PAY_REFUND_CLOSED;
	if (final && r.state != state) {
		kerr_set(err, out_refund_no, "the refund is %s already and cannot become %s",
			 pay_refund_state_name(r.state), pay_refund_state_name(state));
		goto fail;
	}
	if (r.state == PAY_REFUND_ABNORMAL && state == PAY_REFUND_PROCESSING) {
		kerr_set(err, out_refund_no, "an ABNORMAL refund can only be CLOSED or put through "
			 "(SUCCESS), not %s", pay_refund_state_name(state));
		goto fail;
	}
	sqlite3_stmt *st = dbi_stmt(db, "UPDATE refunds SET state = ?2, refund_id = ?3, updated_ms = ?4"
				    " WHERE out_refund_no = ?1", err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, out_refund_no, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pay_refund_state_name(state), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, refund_id && *refund_id ? refund_id : r.refund_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, clock_now_ms());
	if (dbi_step_done(db, st, "recording the refund's state", err))
		goto fail;
	/* the money went back: the order is refunded, not a payment of the case;
	 * but a second charge of the case's own order, refunded, leaves the
	 * order as the case's payment */
	bool dup = is_dup_of(&r);
	bool same_order = false;
	if (dup && state == PAY_REFUND_SUCCESS) {
		dup_target t;
		int trc = db_refund_dup_target(db, r.case_no, r.out_trade_no, &t, err);
		if (trc < 0)
			goto fail;
		same_order = trc == 0 && t.same_order;
	}
	if (state == PAY_REFUND_SUCCESS && !same_order) {
		st = dbi_stmt(db, "UPDATE payments SET state = 'REFUND', updated_ms = ?2"
			      " WHERE out_trade_no = ?1", err);
		if (!st)
			goto fail;
		sqlite3_bind_text(st, 1, r.out_trade_no, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, clock_now_ms());
		if (dbi_step_done(db, st, "marking the order refunded", err))
			goto fail;
	}
	dbuf_add(&d, "{");
	dbuf_kv(&d, "out_refund_no", out_refund_no);
	dbuf_kv(&d, "from", pay_refund_state_name(r.state));
	dbuf_kv(&d, "state", pay_refund_state_name(state));
	dbuf_kv(&d, "refund_id", refund_id ? refund_id : "");
	dbuf_add(&d, "}");
	const char *detail = dbuf_done(&d, err);
	if (!detail || dbi_audit_append(db, actor, AUD_REFUND_STATE, r.case_no, detail, err))
		goto fail;
	/* the duplicate is refunded: the reconciliation's charged-twice
	 * differences of the case are resolved, by the supervisor who approved */
	if (dup && state == PAY_REFUND_SUCCESS && r.state != PAY_REFUND_SUCCESS) {
		char note[RECON_NOTE_MAX + 1];
		snprintf(note, sizeof note, "重复支付退款 %s SUCCESS: %.120s (requested by %s, approved by %s)",
			 out_refund_no, r.reason, r.requested_by, r.approved_by);
		if (db_recon_resolve_dup(db, r.case_no, r.out_trade_no, r.approved_by, note, NULL, err))
			goto fail;
	}
	dbuf_free(&d);
	return dbi_op_commit(db, err);
fail:
	dbuf_free(&d);
	dbi_op_rollback(db);
	return -1;
}
