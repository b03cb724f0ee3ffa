/* iso7816: APDU encoding and decoding, status words, BER-TLV, FCP and ATR
 * (see iso7816.h). Every parser bounds-checks against the length it is given
 * and never reads past it: they are fed card answers and fuzzed. */
#include "core/token/iso7816.h"

#include <string.h>

bool iso_apdu_is_short(const iso_apdu *a)
{
	return a->nc <= ISO_SHORT_NC_MAX && a->ne <= ISO_SHORT_NE_MAX;
}

size_t iso_apdu_encode(const iso_apdu *a, bool ext_ok, uint8_t *out, size_t cap)
{
	if (!a || !out || (a->nc && !a->data))
		return 0;
	bool ext = !iso_apdu_is_short(a);
	if (ext && (!ext_ok || a->nc > ISO_EXT_NC_MAX || a->ne > ISO_EXT_NE_MAX))
		return 0;
	size_t need = 4 + a->nc;
	if (ext)
		need += (a->nc ? 3 : 0) + (a->ne ? (a->nc ? 2 : 3) : 0);
	else
		need += (a->nc ? 1 : 0) + (a->ne ? 1 : 0);
	if (need > cap)
		return 0;
	size_t k = 0;
	out[k++] = a->cla;
	out[k++] = a->ins;
	out[k++] = a->p1;
	out[k++] = a->p2;
	if (ext) {
		if (a->nc) {
			out[k++] = 0x00;
			out[k++] = (uint8_t)(a->nc >> 8);
			out[k++] = (uint8_t)a->nc;
			memcpy(out + k, a->data, a->nc);
			k += a->nc;
		}
		if (a->ne) {
			if (!a->nc)
				out[k++] = 0x00;
			size_t le = a->ne == ISO_EXT_NE_MAX ? 0 : a->ne;
			out[k++] = (uint8_t)(le >> 8);
			out[k++] = (uint8_t)le;
		}
	} else {
		if (a->nc) {
			out[k++] = (uint8_t)a->nc;
			memcpy(out + k, a->data, a->nc);
			k += a->nc;
		}
		if (a->ne)
			out[k++] = (uint8_t)(a->ne == ISO_SHORT_NE_MAX ? 0 : a->ne);
	}
	return k;
}

size_t iso_chain_parts(size_t nc, size_t chunk)
{
	if (chunk == 0 || chunk > ISO_SHORT_NC_MAX)
		return 0;
	return nc == 0 ? 1 : (nc + chunk - 1) / chunk;
}

size_t iso_chain_encode(const iso_apdu *a, size_t part, size_t chunk, uint8_t *out, size_t cap)
{
	if (!a)
		return 0;
	size_t parts = iso_chain_parts(a->nc, chunk);
	if (parts == 0 || part >= parts || a->ne > ISO_SHORT_NE_MAX)
		return 0;
	bool last = part + 1 == parts;
	size_t off = part * chunk;
	iso_apdu p = *a;
	p.data = a->nc ? a->data + off : NULL;
	p.nc = a->nc ? (last ? a->nc - off : chunk) : 0;
	p.ne = last ? a->ne : 0;
	if (!last)
		p.cla = (uint8_t)(a->cla | ISO_CLA_CHAIN);
	return iso_apdu_encode(&p, false, out, cap);
}

int iso_apdu_decode(const uint8_t *buf, size_t n, iso_apdu *out)
{
	if (!buf || !out || n < 4)
		return -1;
	memset(out, 0, sizeof *out);
	out->cla = buf[0];
	out->ins = buf[1];
	out->p1 = buf[2];
	out->p2 = buf[3];
	const uint8_t *b = buf + 4;
	size_t body = n - 4;
	if (body == 0) /* case 1 */
		return 0;
	if (body == 1) { /* case 2 short */
		out->ne = b[0] ? b[0] : ISO_SHORT_NE_MAX;
		return 0;
	}
	if (b[0] != 0) { /* short case 3 or 4 */
		size_t lc = b[0];
		if (body == 1 + lc) {
			out->data = b + 1;
			out->nc = lc;
			return 0;
		}
		if (body == 2 + lc) {
			out->data = b + 1;
			out->nc = lc;
			out->ne = b[1 + lc] ? b[1 + lc] : ISO_SHORT_NE_MAX;
			return 0;
		}
		return -1;
	}
	/* extended: 00 then two bytes */
	if (body == 3) { /* case 2 extended */
		size_t le = ((size_t)b[1] << 8) | b[2];
		out->ne = le ? le : ISO_EXT_NE_MAX;
		return 0;
	}
	if (body < 3)
		return -1;
	size_t lc = ((size_t)b[1] << 8) | b[2];
	if (lc == 0)
		return -1;
	if (body == 3 + lc) {
		out->data = b + 3;
		out->nc = lc;
		return 0;
	}
	if (body == 5 + lc) {
		out->data = b + 3;
		out->nc = lc;
		size_t le = ((size_t)b[3 + lc] << 8) | b[4 + lc];
		out->ne = le ? le : ISO_EXT_NE_MAX;
		return 0;
	}
	return -1;
}

int iso_resp_parse(const uint8_t *buf, size_t n, iso_resp *out)
{
	if (!buf || !out || n < 2)
		return -1;
	out->data = buf;
	out->len = n - 2;
	out->sw = (uint16_t)((buf[n - 2] << 8) | buf[n - 1]);
	return 0;
}

/* ---- status words ----
 * The one table of what a status word means: the token status the clerk is
 * told, the tries it carries and the English text for the log. Rows match
 * when (sw & mask) == row.sw; the three ranges (61xx, 63Cx, 6Cxx) share no
 * status word with an exact row, so the order does not matter. */
#define EXACT 0xFFFFu
#define TRIES_NONE (-1)
#define TRIES_SW2  (-2) /* the counter is SW2's low digit */

static const struct sw_row {
	uint16_t sw, mask;
	token_status st;
	int tries;
	const char *text;
} sw_table[] = {
	{ 0x9000, EXACT,   TOK_OK,               TRIES_NONE, "success" },
	{ 0x6100, 0xFF00u, TOK_OK,               TRIES_NONE, "more response bytes available" },
	{ 0x6282, EXACT,   TOK_OK,               TRIES_NONE, "end of file reached before Le bytes" },
	{ 0x6283, EXACT,   TOK_NOT_PERSONALISED, TRIES_NONE, "selected file deactivated" },
	{ 0x6300, EXACT,   TOK_WRONG_PIN,        TRIES_NONE, "verification failed" },
	{ 0x63C0, 0xFFF0u, TOK_WRONG_PIN,        TRIES_SW2,
	  "verification failed (tries left in the low digit)" },
	{ 0x6400, EXACT,   TOK_IO_ERROR,         TRIES_NONE, "execution error, memory unchanged" },
	{ 0x6581, EXACT,   TOK_IO_ERROR,         TRIES_NONE, "memory failure" },
	{ 0x6700, EXACT,   TOK_WRONG_CARD,       TRIES_NONE, "wrong length" },
	{ 0x6881, EXACT,   TOK_WRONG_CARD,       TRIES_NONE, "logical channel not supported" },
	{ 0x6882, EXACT,   TOK_WRONG_CARD,       TRIES_NONE, "secure messaging not supported" },
	{ 0x6884, EXACT,   TOK_WRONG_CARD,       TRIES_NONE, "command chaining not supported" },
	{ 0x6981, EXACT,   TOK_WRONG_CARD,       TRIES_NONE, "command incompatible with file structure" },
	{ 0x6982, EXACT,   TOK_WRONG_CARD,       TRIES_NONE, "security status not satisfied" },
	{ 0x6983, EXACT,   TOK_BLOCKED,          0,          "authentication method blocked" },
	{ 0x6984, EXACT,   TOK_WRONG_CARD,       TRIES_NONE, "reference data not usable" },
	{ 0x6985, EXACT,   TOK_WRONG_CARD,       TRIES_NONE, "conditions of use not satisfied" },
	{ 0x6986, EXACT,   TOK_WRONG_CARD,       TRIES_NONE, "command not allowed (no current EF)" },
	{ 0x6A80, EXACT,   TOK_WRONG_CARD,       TRIES_NONE, "incorrect data field" },
	{ 0x6A81, EXACT,   TOK_WRONG_CARD,       TRIES_NONE, "function not supported" },
	{ 0x6A82, EXACT,   TOK_NOT_PERSONALISED, TRIES_NONE, "file or application not found" },
	{ 0x6A84, EXACT,   TOK_IO_ERROR,         TRIES_NONE, "not enough memory space in the file" },
	{ 0x6A86, EXACT,   TOK_WRONG_CARD,       TRIES_NONE, "incorrect P1-P2" },
	{ 0x6A88, EXACT,   TOK_WRONG_CARD,       TRIES_NONE, "referenced data not found" },
	{ 0x6A89, EXACT,   TOK_WRONG_CARD,       TRIES_NONE, "file already exists" },
	{ 0x6B00, EXACT,   TOK_WRONG_CARD,       TRIES_NONE, "wrong parameters (offset outside the EF)" },
	{ 0x6C00, 0xFF00u, TOK_IO_ERROR,         TRIES_NONE, "wrong Le (the right one in SW2)" },
	{ 0x6D00, EXACT,   TOK_WRONG_CARD,       TRIES_NONE, "instruction not supported" },
	{ 0x6E00, EXACT,   TOK_WRONG_CARD,       TRIES_NONE, "class not supported" },
	{ 0x6F00, EXACT,   TOK_IO_ERROR,         TRIES_NONE, "no precise diagnosis" },
};

static const struct sw_row *sw_find(uint16_t sw)
{
	for (size_t i = 0; i < sizeof sw_table / sizeof sw_table[0]; i++)
		if ((sw & sw_table[i].mask) == sw_table[i].sw)
			return &sw_table[i];
	return NULL;
}

token_status iso_sw_status(uint16_t sw, int *tries_left)
{
	const struct sw_row *row = sw_find(sw);
	int tries = !row ? TRIES_NONE : row->tries == TRIES_SW2 ? (sw & 0x0F) : row->tries;
	if (tries_left)
		*tries_left = tries;
	if (!row)
		return TOK_IO_ERROR; /* a fault on the key we cannot name */
	/* a counter at zero: the PIN is blocked, not merely wrong */
	return row->st == TOK_WRONG_PIN && tries == 0 ? TOK_BLOCKED : row->st;
}

const char *iso_sw_text(uint16_t sw)
{
	const struct sw_row *row = sw_find(sw);
	return row ? row->text : "unknown status word";
}

/* ---- BER-TLV ---- */

int iso_tlv_parse(const uint8_t *p, size_t n, iso_tlv *out)
{
	if (!p || !out || n < 2)
		return -1;
	size_t k = 0;
	uint32_t tag = p[k++];
	bool constructed = (tag & 0x20) != 0;
	if ((tag & 0x1F) == 0x1F) {
		/* subsequent tag bytes: b8 set means another follows; at most 3 in all */
		for (int i = 0;; i++) {
			if (k >= n || i == 2)
				return -1;
			uint8_t b = p[k++];
			tag = (tag << 8) | b;
			if (!(b & 0x80))
				break;
		}
	}
	if (k >= n)
		return -1;
	uint8_t l0 = p[k++];
	size_t len;
	if (l0 < 0x80) {
		len = l0;
	} else {
		size_t nb = l0 & 0x7F;
		if (nb == 0 || nb > 3 || n - k < nb)
			return -1;
		len = 0;
		for (size_t i = 0; i < nb; i++)
			len = (len << 8) | p[k++];
	}
	if (len > n - k)
		return -1;
	out->tag = tag;
	out->constructed = constructed;
	out->value = p + k;
	out->len = len;
	out->total = k + len;
	return 0;
}

int iso_tlv_next(const uint8_t *p, size_t n, size_t *pos, iso_tlv *out)
{
	if (!p || !pos || *pos > n)
		return -1;
	while (*pos < n && (p[*pos] == 0x00 || p[*pos] == 0xFF))
		(*pos)++;
	if (*pos == n)
		return 0;
	if (iso_tlv_parse(p + *pos, n - *pos, out) != 0)
		return -1;
	*pos += out->total;
	return 1;
}

int iso_tlv_find(const uint8_t *p, size_t n, uint32_t tag, iso_tlv *out)
{
	size_t pos = 0;
	iso_tlv t;
	int rc;
	while ((rc = iso_tlv_next(p, n, &pos, &t)) == 1) {
		if (t.tag == tag) {
			if (out)
				*out = t;
			return 1;
		}
	}
	return rc;
}

void iso_buf_init(iso_buf *b, uint8_t *p, size_t cap)
{
	b->p = p;
	b->len = 0;
	b->cap = p ? cap : 0;
	b->overflow = false;
}

void iso_buf_bytes(iso_buf *b, const void *v, size_t n)
{
	if (b->overflow || n > b->cap - b->len) {
		b->overflow = true;
		return;
	}
	if (n)
		memcpy(b->p + b->len, v, n);
	b->len += n;
}

void iso_buf_tlv_header(iso_buf *b, uint32_t tag, size_t len)
{
	uint8_t h[8];
	size_t k = 0;
	if (tag > 0xFFFF)
		h[k++] = (uint8_t)(tag >> 16);
	if (tag > 0xFF)
		h[k++] = (uint8_t)(tag >> 8);
	h[k++] = (uint8_t)tag;
	if (len < 0x80) {
		h[k++] = (uint8_t)len;
	} else if (len <= 0xFF) {
		h[k++] = 0x81;
		h[k++] = (uint8_t)len;
	} else if (len <= 0xFFFF) {
		h[k++] = 0x82;
		h[k++] = (uint8_t)(len >> 8);
		h[k++] = (uint8_t)len;
	} else if (len <= 0xFFFFFF) {
		h[k++] = 0x83;
		h[k++] = (uint8_t)(len >> 16);
		h[k++] = (uint8_t)(len >> 8);
		h[k++] = (uint8_t)len;
	} else {
		b->overflow = true;
		return;
	}
	iso_buf_bytes(b, h, k);
}

void iso_buf_tlv(iso_buf *b, uint32_t tag, const void *v, size_t len)
{
	iso_buf_tlv_header(b, tag, len);
	iso_buf_bytes(b, v, len);
}

/* ---- FCP ---- */

int iso_fcp_parse(const uint8_t *p, size_t n, iso_fcp *out)
{
	if (!out)
		return -1;
	memset(out, 0, sizeof *out);
	iso_tlv fcp;
	if (iso_tlv_parse(p, n, &fcp) != 0 || fcp.tag != 0x62)
		return -1;
	size_t pos = 0;
	iso_tlv t;
	int rc;
	bool size80 = false;
	while ((rc = iso_tlv_next(fcp.value, fcp.len, &pos, &t)) == 1) {
		switch (t.tag) {
		case 0x80:
		case 0x81: {
			if (t.len < 1 || t.len > 4)
				return -1;
			size_t v = 0;
			for (size_t i = 0; i < t.len; i++)
				v = (v << 8) | t.value[i];
			/* 80 is the data size; 81 (total size) only when 80 is absent */
			if (t.tag == 0x80 || !size80) {
				out->size = v;
				out->has_size = true;
				size80 = size80 || t.tag == 0x80;
			}
			break;
		}
		case 0x82:
			if (t.len < 1 || t.len > 6)
				return -1;
			out->fdb = t.value[0];
			out->has_fdb = true;
			out->is_df = (t.value[0] & 0xBF) == ISO_FDB_DF;
			break;
		case 0x83:
			if (t.len != 2)
				return -1;
			out->fid = (uint16_t)((t.value[0] << 8) | t.value[1]);
			out->has_fid = true;
			break;
		case 0x84:
			if (t.len < 1 || t.len > sizeof out->df_name)
				return -1;
			memcpy(out->df_name, t.value, t.len);
			out->df_name_len = t.len;
			break;
		case 0x88:
			/* empty: no SFI; one byte: SFI in b8-b4 (ISO 7816-4 5.3.1.1) */
			if (t.len > 1)
				return -1;
			if (t.len == 1) {
				out->sfi = (uint8_t)(t.value[0] >> 3);
				out->has_sfi = out->sfi >= 1 && out->sfi <= 30;
			}
			break;
		case 0x8A:
			if (t.len != 1)
				return -1;
			out->lcs = t.value[0];
			out->has_lcs = true;
			break;
		default:
			break; /* security attributes and proprietary data: not needed */
		}
	}
	return rc == 0 ? 0 : -1;
}

/* ---- ATR ---- */

int iso_atr_parse(const uint8_t *atr, size_t n, iso_atr *out)
{
	if (!atr || !out)
		return -1;
	memset(out, 0, sizeof *out);
	if (n < 2 || n > 33 || (atr[0] != 0x3B && atr[0] != 0x3F))
		return -1;
	size_t k = 1;
	uint8_t y = atr[k] >> 4;
	size_t hist = atr[k] & 0x0F;
	k++;
	bool any_t_not_0 = false;
	for (int i = 1;; i++) {
		/* TA, TB, TC present per bits 5-7 of Y; TD per bit 8 */
		for (int b = 0; b < 3; b++)
			if (y & (1 << b))
				k++;
		if (!(y & 0x8))
			break;
		if (k >= n)
			return -1;
		uint8_t td = atr[k++];
		uint8_t proto = td & 0x0F;
		if (proto == 1)
			out->t1 = true;
		if (proto != 0)
			any_t_not_0 = true;
		y = td >> 4;
		if (i > 8)
			return -1;
	}
	if (k > n || n - k < hist)
		return -1;
	out->hist = atr + k;
	out->hist_len = hist;
	/* TCK is present when any protocol other than T=0 is indicated */
	size_t tail = n - k - hist;
	if (tail != (any_t_not_0 ? 1u : 0u))
		return -1;
	if (hist == 0 || (out->hist[0] != 0x80 && out->hist[0] != 0x00))
		return 0;
	/* category 00: compact-TLV then three status bytes; 80: compact-TLV only */
	size_t end = out->hist[0] == 0x00 ? (hist >= 4 ? hist - 3 : 1) : hist;
	for (size_t i = 1; i < end;) {
		uint8_t tl = out->hist[i++];
		size_t len = tl & 0x0F;
		if (len > end - i)
			return 0; /* malformed historical bytes: no capabilities */
		if ((tl >> 4) == 0x7 && len >= 3) {
			out->has_caps = true;
			out->chaining = (out->hist[i + 2] & 0x80) != 0;
			out->ext_len = (out->hist[i + 2] & 0x40) != 0;
		}
		i += len;
	}
	return 0;
}

/* ---- hex ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long iso_unhex(const char *hex, uint8_t *out, size_t cap)
{
	if (!hex)
		return -1;
	size_t k = 0;
	int hi = -1;
	for (const char *s = hex; *s; s++) {
		if (*s == ' ' || *s == ':' || *s == '\n' || *s == '\r' || *s == '\t')
			continue;
		int v = hexval(*s);
		if (v < 0)
			return -1;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (k >= cap)
			return -1;
		out[k++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return hi >= 0 ? -1 : (long)k;
}

char *iso_hex(const uint8_t *p, size_t n, char *out)
{
	static const char d[] = "0123456789ABCDEF";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
	return out;
}
