/* payment_repo: the payments table, one row per WeChat Pay order
 * (out_trade_no unique, derived from the case number so a retry never makes a
 * second order). State changes are audited. `verified` is set only from a
 * response whose signature was checked. The order's code_url (what the
 * customer scans) is kept with it (schema v5), so a kiosk restarted at the
 * payment step shows the same QR code. */
#ifndef DB_PAYMENT_REPO_H
#define DB_PAYMENT_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/pay/pay.h"
#include "db/db.h"

typedef struct payment_rec {
	char case_no[40];
	char out_trade_no[33];
	int64_t amount_fen;
	pay_state state;          /* WeChat's trade state; never PAY_NOTFOUND (not a state) */
	char transaction_id[40];  /* WeChat's id once paid, "" before */
	bool verified;            /* state came from a verified gateway response */
	int64_t created_ms;
	int64_t updated_ms;
	char code_url[512];       /* the QR code's text from the gateway, "" if none */
} payment_rec;

/* Insert the order or update its state (same out_trade_no). Audited. A
 * non-empty code_url (printable ASCII, no spaces) is stored; an empty one
 * keeps what is stored, so a poll need not carry it.
 * Money rules kept here, inside the transaction:
 * - a new order (inserted NOTPAY or USERPAYING: the write-ahead row, recorded
 *   before the gateway is asked to make it) is refused when the case is
 *   finished, its payment step is recorded, or another order of it may still
 *   be paid (NOTPAY, USERPAYING, PAYERROR: close it and ask first). So a case
 *   has at most one order that can take money at a time.
 * - an order becoming a verified SUCCESS while another order of the case was
 *   paid before it (verified SUCCESS or REFUND) is recorded as it is (the
 *   money moved) and flagged for refund by a payment.duplicate audit row in
 *   the same transaction: never a silent second charge. */
int db_payment_record(kdb *db, const char *actor, const payment_rec *p, kerr *err);
/* 0 found, 1 none, -1 error. */
int db_payment_get(kdb *db, const char *out_trade_no, payment_rec *out, kerr *err);
/* The case's most recent order, with its stored code_url ("" if none): a
 * kiosk restarted at the payment step resumes that order. code_url[n] (may
 * be NULL) receives a copy of out->code_url. 0, 1 none, -1 error. */
int db_payment_latest(kdb *db, const char *case_no, payment_rec *out, char *code_url, size_t n,
		      kerr *err);

/* The case's payment: its first verified SUCCESS order with a transaction
 * id that is not flagged as a second payment. 0, 1 none, -1 error. */
int db_payment_of_case(kdb *db, const char *case_no, payment_rec *out, kerr *err);
/* The case's first order flagged as a second payment (payment.duplicate) and
 * still SUCCESS, i.e. not refunded yet. 0, 1 none, -1 error. */
int db_payment_flagged(kdb *db, const char *case_no, payment_rec *out, kerr *err);

/* Every order of the case, oldest first: 0 with *out (malloc'd, NULL when
 * none; the caller free()s it) and *n, or -1 with err. */
int db_payments_of_case(kdb *db, const char *case_no, payment_rec **out, size_t *n, kerr *err);

#endif
