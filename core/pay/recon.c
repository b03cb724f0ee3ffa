/* recon: the three-way match of a day (see recon.h). Orders and refunds are
 * looked up by number through sorted index arrays, so a day of a few
 * thousand lines is matched in well under a millisecond. */
#include "core/pay/recon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/case/fees.h"

ENUM_DEFINE_WORD_KEY(recon_kind, RECON_KINDS, "?", "recon.unbooked")

#define TODO_COL(e, word, key, todo) todo,
static const char *const todos[] = { RECON_KINDS(TODO_COL) };
#undef TODO_COL

const char *recon_kind_todo(recon_kind k)
{
	return (unsigned)k < RECON_KIND_COUNT ? todos[k] : "";
}

void recon_book_free(recon_book *b)
{
	if (!b)
		return;
	free(b->cases);
	free(b->pays);
	free(b->refunds);
	memset(b, 0, sizeof *b);
}

bool recon_same(const recon_diff *a, const recon_diff *b)
{
	return a->kind == b->kind && strcmp(a->case_no, b->case_no) == 0 &&
	       strcmp(a->out_trade_no, b->out_trade_no) == 0 &&
	       strcmp(a->out_refund_no, b->out_refund_no) == 0;
}

typedef struct diffs {
	recon_diff *d;
	size_t n, cap;
	bool oom;
} diffs;

static recon_diff *add(diffs *ds, recon_kind k, const char *case_no, const char *trade_no)
{
	if (ds->n == ds->cap) {
		size_t nc = ds->cap ? ds->cap * 2 : 16;
		recon_diff *nd = realloc(ds->d, nc * sizeof *nd);
		if (!nd) {
			ds->oom = true;
			return NULL;
		}
		ds->d = nd;
		ds->cap = nc;
	}
	recon_diff *d = &ds->d[ds->n++];
	memset(d, 0, sizeof *d);
	d->kind = k;
	d->book_fen = d->bill_fen = d->due_fen = -1;
	snprintf(d->case_no, sizeof d->case_no, "%s", case_no ? case_no : "");
	snprintf(d->out_trade_no, sizeof d->out_trade_no, "%s", trade_no ? trade_no : "");
	return d;
}

/* ---- look-ups by number ---- */

typedef struct sort_by {
	const char *base;
	size_t off;
} sort_by;

static int by_key(const void *a, const void *b, void *ctx)
{
	const sort_by *s = ctx;
	return strcmp(s->base + *(const size_t *)a + s->off, s->base + *(const size_t *)b + s->off);
}

/* Byte offsets of the n elements of size sz at base, sorted by the string at
 * off. NULL when out of memory (or n == 0). */
static size_t *index_of(const void *base, size_t n, size_t sz, size_t off)
{
	if (!n)
		return NULL;
	size_t *ix = malloc(n * sizeof *ix);
	if (!ix)
		return NULL;
	for (size_t i = 0; i < n; i++)
		ix[i] = i * sz;
	sort_by s = { base, off };
	qsort_r(ix, n, sizeof *ix, by_key, &s);
	return ix;
}

/* The first element whose key is key, as an index into base; -1 none. */
static long find(const void *base, const size_t *ix, size_t n, size_t sz, size_t off,
		 const char *key)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp((const char *)base + ix[mid] + off, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < n && strcmp((const char *)base + ix[lo] + off, key) == 0)
		return (long)(ix[lo] / sz);
	return -1;
}

static bool paid(pay_state s)
{
	return s == PAY_SUCCESS || s == PAY_REFUND;
}

static const char *yuan(int64_t fen, char *buf)
{
	return fen < 0 ? "-" : fees_format_yuan(fen, buf, 24);
}

int recon_match(const recon_book *book, const bill *b, recon_diff **out, size_t *n, kerr *err)
{
	*out = NULL;
	*n = 0;
	diffs ds = { 0 };
	size_t np = book->n_pays, nr = book->n_refunds, nc = book->n_cases, nb = b ? b->n : 0;
	size_t *pix = index_of(book->pays, np, sizeof(recon_pay), offsetof(recon_pay, out_trade_no));
	size_t *rix = index_of(book->refunds, nr, sizeof(recon_refund),
			       offsetof(recon_refund, out_refund_no));
	size_t *cix = index_of(book->cases, nc, sizeof(recon_case), offsetof(recon_case, case_no));
	size_t *bix = index_of(b ? b->rows : NULL, nb, sizeof(bill_row),
			       offsetof(bill_row, out_trade_no));
	bool *pay_seen = calloc(np + 1, 1), *ref_seen = calloc(nr + 1, 1);
	int64_t *case_bill = calloc(nc + 1, sizeof *case_bill); /* paid per case, by the bill */
	int *case_orders = calloc(nc + 1, sizeof *case_orders); /* paid orders per case */
	bool *case_dup = calloc(nc + 1, 1);     /* reported: charged twice or amount */
	char y1[24], y2[24], y3[24];
	if ((np && !pix) || (nr && !rix) || (nc && !cix) || (nb && !bix) || !pay_seen ||
	    !ref_seen || !case_bill || !case_orders || !case_dup) {
		ds.oom = true;
		goto done;
	}
	/* 1. payments of the bill, an order (all its lines) at a time */
	for (size_t k = 0; k < nb;) {
		const bill_row *first = &b->rows[bix[k] / sizeof(bill_row)];
		size_t end = k;
		int charges = 0;
		int64_t bill_fen = 0;
		const char *tx = "";
		for (; end < nb; end++) {
			const bill_row *r = &b->rows[bix[end] / sizeof(bill_row)];
			if (strcmp(r->out_trade_no, first->out_trade_no) != 0)
				break;
			if (r->refund || strcmp(r->trade_state, "REVOKED") == 0)
				continue;
			/* each payment line is a charge: WeChat lists an order once */
			charges++;
			bill_fen += r->total_fen;
			tx = r->transaction_id;
		}
		size_t from = k;
		k = end;
		if (!charges)
			continue;
		long pi = find(book->pays, pix, np, sizeof(recon_pay),
			       offsetof(recon_pay, out_trade_no), first->out_trade_no);
		const recon_pay *p = pi >= 0 ? &book->pays[pi] : NULL;
		if (p)
			pay_seen[pi] = true;
		long ci = p ? find(book->cases, cix, nc, sizeof(recon_case),
				   offsetof(recon_case, case_no), p->case_no) : -1;
		if (ci >= 0) {
			case_bill[ci] += bill_fen;
			case_orders[ci]++;
		}
		recon_diff *d;
		if (charges > 1) {
			if (!(d = add(&ds, RK_DUPLICATE, p ? p->case_no : "", first->out_trade_no)))
				goto done;
			d->bill_fen = bill_fen;
			d->book_fen = p && p->verified && paid(p->state) ? p->amount_fen : -1;
			d->due_fen = ci >= 0 ? book->cases[ci].fee_fen : -1;
			/* the charge to refund (its refund names it by this id,
			 * docs/payment.md): one the kiosk did not book; while it
			 * booked none, the latest (a query of the order answers
			 * with the first payment) */
			const bill_row *pick = NULL;
			bool booked = p && p->transaction_id[0];
			for (size_t x = from; x < end; x++) {
				const bill_row *r = &b->rows[bix[x] / sizeof(bill_row)];
				if (r->refund || strcmp(r->trade_state, "REVOKED") == 0)
					continue;
				if (booked ? strcmp(r->transaction_id, p->transaction_id) != 0 && !pick
					   : !pick || r->at_ms >= pick->at_ms)
					pick = r;
			}
			if (pick)
				tx = pick->transaction_id;
			snprintf(d->transaction_id, sizeof d->transaction_id, "%s", tx);
			snprintf(d->detail, sizeof d->detail, "the bill charges order %s %d times, "
				 "%s yuan in all", first->out_trade_no, charges, yuan(bill_fen, y1));
			if (ci >= 0)
				case_dup[ci] = true;
			continue;
		}
		if (!p || !p->verified || !paid(p->state)) {
			if (!(d = add(&ds, RK_UNBOOKED, p ? p->case_no : "", first->out_trade_no)))
				goto done;
			d->bill_fen = bill_fen;
			d->due_fen = ci >= 0 ? book->cases[ci].fee_fen : -1;
			snprintf(d->transaction_id, sizeof d->transaction_id, "%s", tx);
			if (p)
				snprintf(d->detail, sizeof d->detail, "paid %s yuan at the gateway; the "
					 "kiosk has the order as %s%s", yuan(bill_fen, y1),
					 pay_state_name(p->state), p->verified ? "" : " (unverified)");
			else
				snprintf(d->detail, sizeof d->detail, "paid %s yuan at the gateway; the "
					 "kiosk has no such order", yuan(bill_fen, y1));
			continue;
		}
		if (bill_fen != p->amount_fen) {
			if (!(d = add(&ds, RK_AMOUNT, p->case_no, first->out_trade_no)))
				goto done;
			d->bill_fen = bill_fen;
			d->book_fen = p->amount_fen;
			d->due_fen = ci >= 0 ? book->cases[ci].fee_fen : -1;
			snprintf(d->transaction_id, sizeof d->transaction_id, "%s", tx);
			snprintf(d->detail, sizeof d->detail, "the order is booked at %s yuan, the bill "
				 "says %s yuan", yuan(p->amount_fen, y1), yuan(bill_fen, y2));
			if (ci >= 0)
				case_dup[ci] = true; /* one finding, not a second on the case */
		}
	}
	/* 2. orders the kiosk booked as paid that the bill does not have */
	for (size_t i = 0; i < np; i++) {
		const recon_pay *p = &book->pays[i];
		if (pay_seen[i] || !p->of_day || !p->verified || !paid(p->state))
			continue;
		recon_diff *d = add(&ds, RK_NOT_IN_BILL, p->case_no, p->out_trade_no);
		if (!d)
			goto done;
		d->book_fen = p->amount_fen;
		snprintf(d->transaction_id, sizeof d->transaction_id, "%s", p->transaction_id);
		long ci = find(book->cases, cix, nc, sizeof(recon_case), offsetof(recon_case, case_no),
			       p->case_no);
		d->due_fen = ci >= 0 ? book->cases[ci].fee_fen : -1;
		snprintf(d->detail, sizeof d->detail, "booked as paid (%s yuan, verified); the bill "
			 "has no payment of the order", yuan(p->amount_fen, y1));
	}
	/* 3. the cases: two orders paid, or paid other than the fee */
	for (size_t i = 0; i < nc; i++) {
		const recon_case *c = &book->cases[i];
		if (case_dup[i])
			continue;
		recon_diff *d;
		if (case_orders[i] > 1) {
			if (!(d = add(&ds, RK_DUPLICATE, c->case_no, "")))
				goto done;
			d->bill_fen = case_bill[i];
			d->due_fen = c->fee_fen;
			snprintf(d->detail, sizeof d->detail, "%d orders of the case are paid in the "
				 "bill, %s yuan for a fee of %s yuan", case_orders[i],
				 yuan(case_bill[i], y1), yuan(c->fee_fen, y2));
			continue;
		}
		if (c->due && case_orders[i] == 1 && case_bill[i] != c->fee_fen) {
			if (!(d = add(&ds, RK_AMOUNT, c->case_no, "")))
				goto done;
			d->bill_fen = case_bill[i];
			d->due_fen = c->fee_fen;
			snprintf(d->detail, sizeof d->detail, "the fee due is %s yuan, the bill has %s "
				 "yuan paid", yuan(c->fee_fen, y1), yuan(case_bill[i], y2));
		}
	}
	/* 4. refunds of the bill */
	for (size_t k = 0; k < nb; k++) {
		const bill_row *r = &b->rows[k];
		if (!r->refund)
			continue;
		long ri = find(book->refunds, rix, nr, sizeof(recon_refund),
			       offsetof(recon_refund, out_refund_no), r->out_refund_no);
		const recon_refund *f = ri >= 0 ? &book->refunds[ri] : NULL;
		if (f)
			ref_seen[ri] = true;
		long pi = find(book->pays, pix, np, sizeof(recon_pay),
			       offsetof(recon_pay, out_trade_no), r->out_trade_no);
		const char *case_no = f ? f->case_no : pi >= 0 ? book->pays[pi].case_no : "";
		recon_diff *d = NULL;
		if (!f) {
			d = add(&ds, RK_UNBOOKED, case_no, r->out_trade_no);
			if (d)
				snprintf(d->detail, sizeof d->detail, "the bill has a refund (%s) of %s "
					 "yuan the kiosk never asked for", r->refund_status,
					 yuan(r->refund_fen, y1));
		} else if (strcmp(r->refund_status, "ABNORMAL") == 0) {
			d = add(&ds, RK_REFUND_ABNORMAL, case_no, r->out_trade_no);
			if (d)
				snprintf(d->detail, sizeof d->detail, "the bill has the refund ABNORMAL; "
					 "the kiosk has it %s", pay_refund_state_name(f->state));
		} else if (strcmp(r->refund_status, "SUCCESS") != 0 ||
			   f->state != PAY_REFUND_SUCCESS) {
			d = add(&ds, RK_REFUND_PENDING, case_no, r->out_trade_no);
			if (d)
				snprintf(d->detail, sizeof d->detail, "the bill has the refund %s; the "
					 "kiosk has it %s", r->refund_status,
					 pay_refund_state_name(f->state));
		} else if (r->refund_fen != f->amount_fen) {
			d = add(&ds, RK_AMOUNT, case_no, r->out_trade_no);
			if (d)
				snprintf(d->detail, sizeof d->detail, "the refund is booked at %s yuan, "
					 "the bill says %s yuan", yuan(f->amount_fen, y1),
					 yuan(r->refund_fen, y2));
		} else {
			continue;
		}
		if (!d)
			goto done;
		snprintf(d->out_refund_no, sizeof d->out_refund_no, "%s", r->out_refund_no);
		snprintf(d->transaction_id, sizeof d->transaction_id, "%s", r->transaction_id);
		d->bill_fen = r->refund_fen;
		d->book_fen = f ? f->amount_fen : -1;
	}
	/* 5. refunds of the day the bill does not have */
	for (size_t i = 0; i < nr; i++) {
		const recon_refund *f = &book->refunds[i];
		if (ref_seen[i] || !f->of_day || f->state == PAY_REFUND_CLOSED)
			continue;
		recon_kind k = f->state == PAY_REFUND_SUCCESS ? RK_NOT_IN_BILL
			       : f->state == PAY_REFUND_ABNORMAL ? RK_REFUND_ABNORMAL
								 : RK_REFUND_PENDING;
		recon_diff *d = add(&ds, k, f->case_no, f->out_trade_no);
		if (!d)
			goto done;
		snprintf(d->out_refund_no, sizeof d->out_refund_no, "%s", f->out_refund_no);
		d->book_fen = f->amount_fen;
		snprintf(d->detail, sizeof d->detail, "the kiosk has the refund %s (%s yuan); the "
			 "bill has no line of it", pay_refund_state_name(f->state),
			 yuan(f->amount_fen, y3));
	}
done:
	free(pix);
	free(rix);
	free(cix);
	free(bix);
	free(pay_seen);
	free(ref_seen);
	free(case_bill);
	free(case_orders);
	free(case_dup);
	if (ds.oom) {
		free(ds.d);
		return kerr_set(err, "reconciliation", "out of memory");
	}
	*out = ds.d;
	*n = ds.n;
	return 0;
}
