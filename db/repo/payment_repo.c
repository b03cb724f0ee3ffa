/* payment_repo: one row per WeChat Pay order. Recording the same state again
 * (every poll) changes nothing and writes no audit row; a real change is
 * written with its audit row. The rules kept here are the ones money needs:
 * an order's amount and case never change, a paid order only goes on to
 * REFUND, a closed, revoked or refunded order is final, a transaction id once
 * known never changes, and a verified state is never downgraded to an
 * unverified one. A code_url is written when one is given (a record without
 * one keeps the stored one) and goes into the audit detail when it changes. */
#include "db/repo/payment_repo.h"

#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "db/audit_log.h"
#include "db/store.h"

/* The states a payments row holds (the schema's CHECK lists their words):
 * WeChat's trade states, not PAY_NOTFOUND, which is an answer, not a state. */
static bool state_storable(pay_state s)
{
	return (unsigned)s < PAY_STATE_COUNT && s != PAY_NOTFOUND;
}

static bool is_final(pay_state s)
{
	return s == PAY_CLOSED || s == PAY_REVOKED || s == PAY_REFUND;
}

/* A stored state word as the enum; PAY_STATE_COUNT for a word outside the
 * table (only possible past the schema's CHECK: the file was changed). */
static pay_state stored_state(const char *word)
{
	int v = pay_state_from_name(word);
	return v < 0 || !state_storable((pay_state)v) ? PAY_STATE_COUNT : (pay_state)v;
}

/* WeChat Pay: out_trade_no is 6-32 of [0-9A-Za-z_-|*]. */
static bool trade_no_valid(const char *s)
{
	size_t n = strlen(s);
	if (n < 6 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '|' || c == '*'))
			return false;
	}
	return true;
}

static bool plain_id(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* Before a new order of a case is recorded (the write-ahead row, before the
 * gateway is asked to make it): the case is still open, its payment step not
 * recorded, and no other order of it may still be paid (NOTPAY, USERPAYING,
 * PAYERROR: close it and ask the gateway first, where a paid one is found).
 * 0, or -1 with err saying what stands in the way. */
static int new_order_allowed(kdb *db, int64_t case_id, const payment_rec *p, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT finished, EXISTS (SELECT 1 FROM case_steps s WHERE s.case_id = c.id"
				    "  AND s.step = 'payment') FROM cases c WHERE c.id = ?1",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, case_id);
	int rc = sqlite3_step(st);
	bool finished = rc == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
	bool step_done = rc == SQLITE_ROW && sqlite3_column_int(st, 1) != 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return dbi_sqlerr(db, err, "reading the case of the order");
	if (finished)
		return kerr_set(err, p->case_no, "the case is finished: no new order %s is made for it",
				p->out_trade_no);
	if (step_done)
		return kerr_set(err, p->case_no, "the case's payment is recorded already: no new order "
				"%s is made for it", p->out_trade_no);
	st = dbi_stmt(db,
		      "SELECT out_trade_no, state FROM payments WHERE case_id = ?1 AND out_trade_no <> ?2"
		      " AND state IN ('NOTPAY', 'USERPAYING', 'PAYERROR') ORDER BY id LIMIT 1",
		      err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, case_id);
	sqlite3_bind_text(st, 2, p->out_trade_no, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	char other[33] = "", state[16] = "";
	if (rc == SQLITE_ROW) {
		dbi_copy(other, sizeof other, (const char *)sqlite3_column_text(st, 0));
		dbi_copy(state, sizeof state, (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return dbi_sqlerr(db, err, "reading the case's orders");
	return kerr_set(err, p->case_no, "order %s of this case is %s and may still be paid: close it "
			"and ask WeChat Pay before making order %s", other, state, p->out_trade_no);
}

/* Order p has just become a verified SUCCESS: when another order of the same
 * case was paid before it (SUCCESS or REFUND, verified), p is the second
 * payment of the case, and a payment.duplicate row flags it for refund. */
static int flag_second_payment(kdb *db, const char *actor, int64_t case_id, const payment_rec *p,
			       kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT out_trade_no FROM payments WHERE case_id = ?1 AND out_trade_no <> ?2"
				    " AND state IN ('SUCCESS', 'REFUND') AND verified = 1 ORDER BY id LIMIT 1",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, case_id);
	sqlite3_bind_text(st, 2, p->out_trade_no, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	char first[33] = "";
	if (rc == SQLITE_ROW)
		dbi_copy(first, sizeof first, (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return dbi_sqlerr(db, err, "reading the case's paid orders");
	dbuf d = { 0 };
	dbuf_add(&d, "{");
	dbuf_kv(&d, "out_trade_no", p->out_trade_no);
	dbuf_ki(&d, "amount_fen", p->amount_fen);
	dbuf_kv(&d, "transaction_id", p->transaction_id);
	dbuf_kv(&d, "paid_first", first);
	dbuf_kv(&d, "to_do", "refund");
	dbuf_add(&d, "}");
	const char *detail = dbuf_done(&d, err);
	int r = !detail || dbi_audit_append(db, actor, AUD_PAYMENT_DUPLICATE, p->case_no, detail, err) ? -1 : 0;
	dbuf_free(&d);
	return r;
}

int db_payment_record(kdb *db, const char *actor, const payment_rec *p, kerr *err)
{
	if (!actor || !*actor)
		return kerr_set(err, "payment", "recording a payment needs the acting staff id");
	if (!p || !memchr(p->case_no, '\0', sizeof p->case_no) || !p->case_no[0])
		return kerr_set(err, "payment", "a payment needs its case number");
	if (!memchr(p->out_trade_no, '\0', sizeof p->out_trade_no) ||
	    !trade_no_valid(p->out_trade_no))
		return kerr_set(err, "out_trade_no",
				"must be 6 to 32 of letters, digits, '_', '-', '|' or '*'");
	if (p->amount_fen < 0)
		return kerr_set(err, "amount_fen", "a payment cannot be negative (%lld)",
				(long long)p->amount_fen);
	if (!state_storable(p->state))
		return kerr_set(err, "state",
				"'%s' is not a WeChat Pay trade state (NOTPAY, USERPAYING, "
				"SUCCESS, PAYERROR, CLOSED, REVOKED, REFUND)",
				pay_state_name(p->state));
	if (!memchr(p->transaction_id, '\0', sizeof p->transaction_id) ||
	    !plain_id(p->transaction_id, sizeof p->transaction_id - 1))
		return kerr_set(err, "transaction_id", "must be printable ASCII without spaces");
	if (!memchr(p->code_url, '\0', sizeof p->code_url) ||
	    !plain_id(p->code_url, sizeof p->code_url - 1))
		return kerr_set(err, "code_url", "must be printable ASCII without spaces");

	if (dbi_op_begin(db, err))
		return -1;
	dbuf d = { 0 };
	sqlite3_stmt *st = dbi_stmt(db, "SELECT id FROM cases WHERE case_no = ?1", err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, p->case_no, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int64_t case_id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc == SQLITE_DONE) {
		kerr_set(err, p->case_no, "no such case for payment %s", p->out_trade_no);
		goto fail;
	}
	if (rc != SQLITE_ROW) {
		dbi_sqlerr(db, err, "looking up the case");
		goto fail;
	}

	st = dbi_stmt(db,
		      "SELECT case_id, amount_fen, state, transaction_id, verified, code_url"
		      " FROM payments WHERE out_trade_no = ?1",
		      err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, p->out_trade_no, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	bool exists = rc == SQLITE_ROW;
	int64_t old_case = 0, old_amount = 0;
	pay_state old_state = PAY_STATE_COUNT;
	char old_tx[40] = "", old_url[sizeof p->code_url] = "";
	bool old_verified = false;
	if (exists) {
		old_case = sqlite3_column_int64(st, 0);
		old_amount = sqlite3_column_int64(st, 1);
		old_state = stored_state((const char *)sqlite3_column_text(st, 2));
		dbi_copy(old_tx, sizeof old_tx, (const char *)sqlite3_column_text(st, 3));
		old_verified = sqlite3_column_int(st, 4) != 0;
		dbi_copy(old_url, sizeof old_url, (const char *)sqlite3_column_text(st, 5));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		dbi_sqlerr(db, err, "looking up the payment");
		goto fail;
	}
	if (exists && old_state == PAY_STATE_COUNT) {
		kerr_set(err, p->out_trade_no, "the stored state of this order is not a trade "
			 "state: run kioskctl audit verify");
		goto fail;
	}
	/* a new order is made only when nothing else of the case can be paid */
	if (!exists && pay_state_pending(p->state) && new_order_allowed(db, case_id, p, err))
		goto fail;
	int64_t now = clock_now_ms();
	/* a code_url this record brings: stored, and said in the audit detail */
	bool new_url = p->code_url[0] && strcmp(old_url, p->code_url) != 0;
	audit_action action;
	if (!exists) {
		st = dbi_stmt(db,
			      "INSERT INTO payments (case_id, out_trade_no, amount_fen, state,"
			      " transaction_id, verified, created_ms, updated_ms, code_url)"
			      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, NULLIF(?8, ''))",
			      err);
		if (!st)
			goto fail;
		sqlite3_bind_int64(st, 1, case_id);
		sqlite3_bind_text(st, 2, p->out_trade_no, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, p->amount_fen);
		sqlite3_bind_text(st, 4, pay_state_name(p->state), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, p->transaction_id, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 6, p->verified ? 1 : 0);
		sqlite3_bind_int64(st, 7, now);
		sqlite3_bind_text(st, 8, p->code_url, -1, SQLITE_STATIC);
		action = AUD_PAYMENT_CREATE;
	} else {
		if (old_case != case_id) {
			kerr_set(err, p->out_trade_no, "this order belongs to another case, not %s",
				 p->case_no);
			goto fail;
		}
		if (old_amount != p->amount_fen) {
			kerr_set(err, p->out_trade_no,
				 "the order is for %lld fen; an order's amount never changes (%lld "
				 "given)",
				 (long long)old_amount, (long long)p->amount_fen);
			goto fail;
		}
		bool same_state = old_state == p->state;
		if (same_state && strcmp(old_tx, p->transaction_id) == 0 &&
		    old_verified == p->verified && !new_url) {
			/* A poll that brought nothing new. */
			return dbi_op_commit(db, err);
		}
		if (!same_state && is_final(old_state)) {
			kerr_set(err, p->out_trade_no, "the order is %s, which is final; it cannot become %s",
				 pay_state_name(old_state), pay_state_name(p->state));
			goto fail;
		}
		if (!same_state && old_state == PAY_SUCCESS && p->state != PAY_REFUND) {
			kerr_set(err, p->out_trade_no, "a paid order only goes on to REFUND, not %s",
				 pay_state_name(p->state));
			goto fail;
		}
		if (old_tx[0] && strcmp(old_tx, p->transaction_id) != 0) {
			kerr_set(err, p->out_trade_no,
				 "the WeChat transaction id is %s and cannot change to '%s'", old_tx,
				 p->transaction_id);
			goto fail;
		}
		if (same_state && old_verified && !p->verified) {
			kerr_set(err, p->out_trade_no,
				 "the state %s was verified; an unverified report cannot replace it",
				 pay_state_name(old_state));
			goto fail;
		}
		st = dbi_stmt(db,
			      "UPDATE payments SET state = ?2, transaction_id = ?3, verified = ?4,"
			      " updated_ms = ?5, code_url = coalesce(NULLIF(?6, ''), code_url)"
			      " WHERE out_trade_no = ?1",
			      err);
		if (!st)
			goto fail;
		sqlite3_bind_text(st, 1, p->out_trade_no, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, pay_state_name(p->state), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, p->transaction_id, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, p->verified ? 1 : 0);
		sqlite3_bind_int64(st, 5, now);
		sqlite3_bind_text(st, 6, p->code_url, -1, SQLITE_STATIC);
		action = AUD_PAYMENT_UPDATE;
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		dbi_sqlerr(db, err, "recording the payment");
		goto fail;
	}
	dbuf_add(&d, "{");
	dbuf_kv(&d, "out_trade_no", p->out_trade_no);
	dbuf_ki(&d, "amount_fen", p->amount_fen);
	if (exists)
		dbuf_kv(&d, "from", pay_state_name(old_state));
	dbuf_kv(&d, "state", pay_state_name(p->state));
	dbuf_kv(&d, "transaction_id", p->transaction_id);
	dbuf_ki(&d, "verified", p->verified ? 1 : 0);
	if (new_url)
		dbuf_kv(&d, "code_url", p->code_url);
	dbuf_add(&d, "}");
	const char *detail = dbuf_done(&d, err);
	if (!detail || dbi_audit_append(db, actor, action, p->case_no, detail, err))
		goto fail;
	/* paid now, and the case was paid before by another order: flagged for
	 * refund in the same transaction, so no caller can miss it */
	bool paid_now = p->state == PAY_SUCCESS && p->verified &&
			!(exists && old_state == PAY_SUCCESS && old_verified);
	if (paid_now && flag_second_payment(db, actor, case_id, p, err))
		goto fail;
	dbuf_free(&d);
	return dbi_op_commit(db, err);
fail:
	dbuf_free(&d);
	dbi_op_rollback(db);
	return -1;
}

static void payment_row(sqlite3_stmt *st, void *rec)
{
	payment_rec *out = rec;
	memset(out, 0, sizeof *out);
	dbi_copy(out->case_no, sizeof out->case_no, (const char *)sqlite3_column_text(st, 0));
	dbi_copy(out->out_trade_no, sizeof out->out_trade_no, (const char *)sqlite3_column_text(st, 1));
	out->amount_fen = sqlite3_column_int64(st, 2);
	out->state = stored_state((const char *)sqlite3_column_text(st, 3));
	dbi_copy(out->transaction_id, sizeof out->transaction_id,
		 (const char *)sqlite3_column_text(st, 4));
	out->verified = sqlite3_column_int(st, 5) != 0;
	out->created_ms = sqlite3_column_int64(st, 6);
	out->updated_ms = sqlite3_column_int64(st, 7);
	dbi_copy(out->code_url, sizeof out->code_url, (const char *)sqlite3_column_text(st, 8));
}

/* dbi_one's result, or -1 when the row read holds no trade state. */
static int state_checked(int rc, const payment_rec *out, kerr *err)
{
	if (rc == 0 && out->state == PAY_STATE_COUNT)
		return kerr_set(err, out->out_trade_no, "the stored state of this order is not a "
				"trade state: run kioskctl audit verify");
	return rc;
}

#define PAYMENT_COLUMNS                                                              \
	"SELECT c.case_no, p.out_trade_no, p.amount_fen, p.state, p.transaction_id,"  \
	" p.verified, p.created_ms, p.updated_ms, p.code_url"                         \
	" FROM payments p JOIN cases c ON c.id = p.case_id"

int db_payment_get(kdb *db, const char *out_trade_no, payment_rec *out, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db, PAYMENT_COLUMNS " WHERE p.out_trade_no = ?1", err);
	if (st)
		sqlite3_bind_text(st, 1, out_trade_no ? out_trade_no : "", -1, SQLITE_STATIC);
	return state_checked(dbi_one(db, st, payment_row, out, "reading a payment", err), out, err);
}

int db_payment_latest(kdb *db, const char *case_no, payment_rec *out, char *code_url, size_t n,
		      kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db, PAYMENT_COLUMNS " WHERE c.case_no = ?1"
				    " ORDER BY p.created_ms DESC, p.id DESC LIMIT 1", err);
	if (st)
		sqlite3_bind_text(st, 1, case_no ? case_no : "", -1, SQLITE_STATIC);
	int rc = state_checked(dbi_one(db, st, payment_row, out, "reading the case's payment", err),
			       out, err);
	if (rc == 0 && code_url && n)
		dbi_copy(code_url, n, out->code_url);
	return rc;
}

int db_payments_of_case(kdb *db, const char *case_no, payment_rec **out, size_t *n, kerr *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = dbi_stmt(db, PAYMENT_COLUMNS " WHERE c.case_no = ?1 ORDER BY p.id", err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, case_no ? case_no : "", -1, SQLITE_STATIC);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			size_t nc = cap ? cap * 2 : 4;
			payment_rec *nv = realloc(*out, nc * sizeof *nv);
			if (!nv) {
				sqlite3_reset(st);
				free(*out);
				*out = NULL;
				*n = 0;
				return kerr_set(err, db->path, "out of memory reading the case's orders");
			}
			*out = nv;
			cap = nc;
		}
		payment_row(st, &(*out)[(*n)++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return dbi_sqlerr(db, err, "reading the case's orders");
	}
	return 0;
}

/* The orders of the case flagged as its second payment (payment.duplicate)
 * are matched by their number in the row's canonical detail. */
#define NOT_FLAGGED                                                                   \
	" NOT EXISTS (SELECT 1 FROM audit a WHERE a.case_no = c.case_no AND a.action = ?2" \
	"  AND instr(a.detail, '\"out_trade_no\":\"' || p.out_trade_no || '\"') > 0)"

int db_payment_of_case(kdb *db, const char *case_no, payment_rec *out, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db, PAYMENT_COLUMNS " WHERE c.case_no = ?1 AND p.state = 'SUCCESS'"
				    " AND p.verified = 1 AND p.transaction_id <> '' AND" NOT_FLAGGED
				    " ORDER BY p.id LIMIT 1", err);
	if (st) {
		sqlite3_bind_text(st, 1, case_no ? case_no : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, audit_action_name(AUD_PAYMENT_DUPLICATE), -1, SQLITE_STATIC);
	}
	return state_checked(dbi_one(db, st, payment_row, out, "reading the case's payment", err), out, err);
}

int db_payment_flagged(kdb *db, const char *case_no, payment_rec *out, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db, PAYMENT_COLUMNS " WHERE c.case_no = ?1 AND p.state = 'SUCCESS'"
				    " AND NOT" NOT_FLAGGED " ORDER BY p.id LIMIT 1", err);
	if (st) {
		sqlite3_bind_text(st, 1, case_no ? case_no : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, audit_action_name(AUD_PAYMENT_DUPLICATE), -1, SQLITE_STATIC);
	}
	return state_checked(dbi_one(db, st, payment_row, out, "reading the case's flagged payment", err),
			     out, err);
}
