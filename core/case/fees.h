/* fees: what a case costs, in 分 (integer fen; money never touches floating
 * point), computed from the catalog's fee items for the service and the holder
 * type's amounts. A fee_quote keeps the breakdown the screen and the slip show. */
#ifndef CORE_FEES_H
#define CORE_FEES_H

#include <stdbool.h>
#include <stdint.h>

#include "core/case/catalog.h"

typedef struct fee_line {
	fee_item item;
	int64_t unit_fen;   /* amount per unit */
	int qty;            /* years, seal-years or keys */
	int64_t total_fen;  /* unit_fen * qty, 0 when waived */
	int waived;         /* opening fee waived for a long term */
	int current;        /* seal renewal: the seal already runs to the
			     * certificate's end, nothing to renew (total 0) */
} fee_line;

typedef struct fee_quote {
	fee_line lines[FEE_ITEM_COUNT];
	int n_lines;
	int64_t total_fen;
} fee_quote;

typedef struct fee_request {
	const holder_type *holder; /* may be NULL for services without holder fees */
	int years;                 /* certificate term bought (renew/new), or seal years */
	int seals;                 /* number of seals */
} fee_request;

/* Quote svc for req. Returns 0, or -1 with err (unknown holder, years outside
 * the rules, negative seals, overflow). */
int fees_quote(const catalog *c, const service *svc, const fee_request *req,
	       fee_quote *out, kerr *err);

/* A seal renewal whose seal already runs to the certificate's end
 * (rules_seal_current): its seal line stays, marked current, at 0, and the
 * total drops by it. Nothing else changes. */
void fees_seal_current(fee_quote *q);

/* "400.00" from 40000 分 into buf (at least 24 bytes). */
const char *fees_format_yuan(int64_t fen, char *buf, unsigned long n);
/* Parse a non-negative integer amount of 分 ("10000"); -1 on anything else. */
int64_t fees_parse_fen(const char *s);

#endif
