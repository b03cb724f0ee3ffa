/* rowhash: canonical row bytes, check bytes and row hashes (see rowhash.h).
 * The encoder writes into one growable buffer reused row after row: the
 * verifier hashes every bound row of the database, so nothing is allocated
 * per row once the buffer has grown to the widest row. */
#include "core/audit/rowhash.h"

#include <stdlib.h>
#include <string.h>

static const char ROW_DOMAIN[] = "kiosk.ledger.row/1";

void rowenc_clear(rowenc *e)
{
	e->len = 0;
	e->ncols = 0;
	e->oom = false;
}

void rowenc_free(rowenc *e)
{
	free(e->p);
	free(e->end);
	memset(e, 0, sizeof *e);
}

static bool reserve(rowenc *e, size_t more)
{
	if (e->oom)
		return false;
	if (e->len + more <= e->cap)
		return true;
	size_t cap = e->cap ? e->cap : 256;
	while (cap < e->len + more) {
		if (cap > SIZE_MAX / 2) {
			e->oom = true;
			return false;
		}
		cap *= 2;
	}
	uint8_t *p = realloc(e->p, cap);
	if (!p) {
		e->oom = true;
		return false;
	}
	e->p = p;
	e->cap = cap;
	return true;
}

static void put_be(uint8_t *b, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		b[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

void rowenc_add(rowenc *e, const rowval *v)
{
	if (e->ncols == e->capcols) {
		size_t cap = e->capcols ? e->capcols * 2 : 32;
		size_t *end = realloc(e->end, cap * sizeof *end);
		if (!end) {
			e->oom = true;
			return;
		}
		e->end = end;
		e->capcols = cap;
	}
	size_t n = (v->type == RV_TEXT || v->type == RV_BLOB) ? v->n : 0;
	if (n > UINT32_MAX) {
		e->oom = true; /* SQLite keeps a value under 2^31 bytes: never */
		return;
	}
	if (!reserve(e, 1 + 8 + n))
		return;
	uint8_t *b = e->p + e->len;
	switch (v->type) {
	case RV_INT:
		b[0] = 1;
		put_be(b + 1, (uint64_t)v->i, 8);
		e->len += 9;
		break;
	case RV_REAL: {
		uint64_t bits;
		memcpy(&bits, &v->r, sizeof bits);
		b[0] = 2;
		put_be(b + 1, bits, 8);
		e->len += 9;
		break;
	}
	case RV_TEXT:
	case RV_BLOB:
		b[0] = v->type == RV_TEXT ? 3 : 4;
		put_be(b + 1, (uint64_t)n, 4);
		if (n)
			memcpy(b + 5, v->p, n);
		e->len += 5 + n;
		break;
	default:
		b[0] = 0;
		e->len += 1;
		break;
	}
	e->end[e->ncols++] = e->len;
}

bool rowenc_copy(rowenc *dst, const rowenc *src)
{
	rowenc_clear(dst);
	if (src->oom || !reserve(dst, src->len)) {
		dst->oom = true;
		return false;
	}
	if (src->ncols > dst->capcols) {
		size_t *end = realloc(dst->end, src->ncols * sizeof *end);
		if (!end) {
			dst->oom = true;
			return false;
		}
		dst->end = end;
		dst->capcols = src->ncols;
	}
	if (src->len)
		memcpy(dst->p, src->p, src->len);
	if (src->ncols)
		memcpy(dst->end, src->end, src->ncols * sizeof *src->end);
	dst->len = src->len;
	dst->ncols = src->ncols;
	return true;
}

const uint8_t *rowenc_col(const rowenc *e, size_t i, size_t *n)
{
	if (i >= e->ncols || e->oom) {
		*n = 0;
		return NULL;
	}
	size_t start = i ? e->end[i - 1] : 0;
	*n = e->end[i] - start;
	return e->p + start;
}

size_t rowenc_checks(const rowenc *e, uint8_t *out, size_t cap)
{
	size_t w = 0;
	for (size_t i = 0; i < e->ncols && w + ROWHASH_CHECK_LEN <= cap; i++) {
		size_t n;
		const uint8_t *b = rowenc_col(e, i, &n);
		uint32_t h = 2166136261u; /* FNV-1a, 32 bits */
		for (size_t k = 0; k < n; k++) {
			h ^= b[k];
			h *= 16777619u;
		}
		put_be(out + w, h & 0xffff, ROWHASH_CHECK_LEN); /* the low bits mix best */
		w += ROWHASH_CHECK_LEN;
	}
	return w;
}

int rowhash_prefix(audit_hasher *h, const char *table, const char *const *cols, size_t ncols,
		   uint8_t out[AUDIT_HASH_LEN])
{
	if (!table || (ncols && !cols))
		return -1;
	rowenc e = { 0 };
	rowval v = { .type = RV_TEXT, .p = ROW_DOMAIN, .n = sizeof ROW_DOMAIN - 1 };
	rowenc_add(&e, &v);
	v.p = table;
	v.n = strlen(table);
	rowenc_add(&e, &v);
	rowval count = { .type = RV_INT, .i = (int64_t)ncols };
	rowenc_add(&e, &count);
	for (size_t i = 0; i < ncols; i++) {
		v.p = cols[i] ? cols[i] : "";
		v.n = strlen(v.p);
		rowenc_add(&e, &v);
	}
	int rc = -1;
	if (!e.oom) {
		audit_part part = { e.p, e.len };
		rc = audit_digest(h, &part, 1, out);
	}
	rowenc_free(&e);
	return rc;
}

int rowhash(audit_hasher *h, const uint8_t prefix[AUDIT_HASH_LEN], const rowenc *e,
	    uint8_t out[AUDIT_HASH_LEN])
{
	if (e->oom)
		return -1;
	audit_part parts[2] = { { prefix, AUDIT_HASH_LEN }, { e->p, e->len } };
	return audit_digest(h, parts, 2, out);
}
