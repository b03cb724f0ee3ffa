#include "core/case/fees.h"

#include <stdio.h>
#include <string.h>

static bool holder_of(const platform *p, const holder_type *h)
{
	for (size_t i = 0; i < p->n_holders; i++)
		if (&p->holders[i] == h)
			return true;
	return false;
}

static int add_line(fee_quote *q, fee_item item, int64_t unit, int qty, bool waived,
		    const service *svc, kerr *err)
{
	fee_line *l = &q->lines[q->n_lines++];
	l->item = item;
	l->unit_fen = unit;
	l->qty = qty;
	l->waived = waived;
	l->current = 0;
	l->total_fen = 0;
	if (!waived && __builtin_mul_overflow(unit, (int64_t)qty, &l->total_fen))
		return kerr_set(err, svc->id, "fee %s overflows: %lld x %d", fee_item_name(item),
				(long long)unit, qty);
	if (__builtin_add_overflow(q->total_fen, l->total_fen, &q->total_fen))
		return kerr_set(err, svc->id, "fee total overflows");
	return 0;
}

int fees_quote(const catalog *c, const service *svc, const fee_request *req,
	       fee_quote *out, kerr *err)
{
	memset(out, 0, sizeof *out);
	const platform *p = svc->platform;
	bool per_holder = service_charges(svc, FEE_OPENING) || service_charges(svc, FEE_ANNUAL) ||
			  service_charges(svc, FEE_SEAL);
	if (per_holder) {
		if (!req->holder || !holder_of(p, req->holder))
			return kerr_set(err, svc->id,
					"holder type is not one of platform %s's: choose one of its holder types",
					p->id);
		if (req->years < c->rules.years_min || req->years > c->rules.years_max)
			return kerr_set(err, svc->id,
					"a certificate is sold for %d to %d years, not %d",
					c->rules.years_min, c->rules.years_max, req->years);
		if (req->seals < 0 || req->seals > 99)
			return kerr_set(err, svc->id, "seal count must be 0 to 99, not %d", req->seals);
		if (service_charges(svc, FEE_SEAL) && !p->has_seals && req->seals > 0)
			return kerr_set(err, svc->id, "platform %s issues no seals", p->id);
	}
	const holder_type *h = req->holder;
	for (int f = 0; f < FEE_ITEM_COUNT; f++) {
		if (!service_charges(svc, (fee_item)f))
			continue;
		int rc = 0;
		switch ((fee_item)f) {
		case FEE_OPENING: {
			bool waived = p->waive_opening_years > 0 &&
				      req->years >= p->waive_opening_years;
			rc = add_line(out, FEE_OPENING, h->opening_fen, 1, waived, svc, err);
			break;
		}
		case FEE_ANNUAL:
			rc = add_line(out, FEE_ANNUAL, h->annual_fen, req->years, false, svc, err);
			break;
		case FEE_SEAL:
			if (req->seals > 0)
				rc = add_line(out, FEE_SEAL, h->seal_fen, req->years * req->seals,
					      false, svc, err);
			break;
		case FEE_REISSUE:
			rc = add_line(out, FEE_REISSUE, p->reissue_fen, 1, false, svc, err);
			break;
		default:
			break;
		}
		if (rc)
			return rc;
	}
	return 0;
}

void fees_seal_current(fee_quote *q)
{
	for (int i = 0; i < q->n_lines; i++) {
		fee_line *l = &q->lines[i];
		if (l->item != FEE_SEAL || l->current)
			continue;
		q->total_fen -= l->total_fen;
		l->total_fen = 0;
		l->current = 1;
	}
}

const char *fees_format_yuan(int64_t fen, char *buf, unsigned long n)
{
	const char *sign = fen < 0 ? "-" : "";
	unsigned long long a = fen < 0 ? 0ULL - (unsigned long long)fen : (unsigned long long)fen;
	snprintf(buf, n, "%s%llu.%02llu", sign, a / 100, a % 100);
	return buf;
}

int64_t fees_parse_fen(const char *s)
{
	if (!s || !*s || strlen(s) > 15)
		return -1;
	int64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v;
}
