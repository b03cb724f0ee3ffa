/* refund_send: the gateway's side of a refund. See the header. */
#include "db/repo/refund_send.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/repo/payment_repo.h"

int refund_take_up(kdb *db, pay_dev *dev, const char *actor, const char *case_no, int *unsure,
		   kerr *err)
{
	int dummy;
	int *u = unsure ? unsure : &dummy;
	*u = 0;
	payment_rec *v = NULL;
	size_t n = 0;
	if (db_payments_of_case(db, case_no, &v, &n, err))
		return -1;
	int changed = 0;
	for (size_t i = 0; i < n && dev; i++) {
		if (!pay_state_pending(v[i].state) && v[i].state != PAY_PAYERROR)
			continue;
		pay_order o;
		kerr qerr = { 0 };
		pay_result r = pay_query(dev, v[i].out_trade_no, &o, &qerr);
		if (r != PR_OK || o.state == PAY_NOTFOUND) {
			*u += r != PR_OK;
			continue;
		}
		if (o.state == v[i].state && o.verified == v[i].verified &&
		    strcmp(o.transaction_id, v[i].transaction_id) == 0)
			continue;
		payment_rec p = v[i];
		p.state = o.state;
		p.verified = o.verified;
		snprintf(p.transaction_id, sizeof p.transaction_id, "%s", o.transaction_id);
		p.code_url[0] = '\0'; /* kept as stored */
		if (db_payment_record(db, actor, &p, err)) {
			free(v);
			return -1;
		}
		changed++;
	}
	free(v);
	return changed;
}

pay_result refund_send(kdb *db, pay_dev *dev, const char *actor, const refund_rec *r,
		       pay_refund_state *state, kerr *err)
{
	pay_refund q;
	memset(&q, 0, sizeof q);
	snprintf(q.out_trade_no, sizeof q.out_trade_no, "%s", r->out_trade_no);
	snprintf(q.out_refund_no, sizeof q.out_refund_no, "%s", r->out_refund_no);
	/* the charge refunded, when the order was charged twice (refund_rec) */
	snprintf(q.transaction_id, sizeof q.transaction_id, "%s", r->transaction_id);
	q.total_fen = q.refund_fen = r->amount_fen;
	/* the store kept it within PAY_REFUND_REASON_MAX bytes */
	memcpy(q.reason, r->reason, strnlen(r->reason, sizeof q.reason - 1));
	pay_result pr = pay_refund_order(dev, &q, err);
	if (pr != PR_OK)
		return pr;
	if (db_refund_update(db, actor, r->out_refund_no, q.state, q.refund_id, err) != 0)
		return PR_INVALID;
	*state = q.state;
	return PR_OK;
}
