/* bill: reading WeChat Pay's trade bill (see bill.h). Every field of a data
 * line starts with a backtick, which WeChat adds so a spreadsheet keeps long
 * numbers as text; a line is therefore cut at ",`" rather than at every
 * comma, so a description holding a comma stays one field. */
#include "core/pay/bill.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "core/base/civil.h"
#include "core/base/clock.h"
#include "core/pay/pay.h"

#define FIELDS_MAX 64

/* The columns read, by their names in the header. */
enum { C_TIME, C_TX, C_TRADE_NO, C_STATE, C_SETTLE, C_TOTAL, C_REFUND_ID, C_REFUND_NO,
       C_REFUND_FEN, C_REFUND_STATUS, C_COUNT };
static const char *const col_names[C_COUNT] = {
	"交易时间", "微信订单号", "商户订单号", "交易状态", "应结订单金额", "订单金额",
	"微信退款单号", "商户退款单号", "退款金额", "退款状态",
};

typedef struct span {
	const char *p;
	size_t n;
} span;

static int line_err(kerr *err, long line, const char *msg)
{
	char where[32];
	snprintf(where, sizeof where, "bill line %ld", line);
	return kerr_set(err, where, "%s", msg);
}

int64_t bill_yuan_fen(const char *s, size_t len)
{
	if (len && s[0] == '`') {
		s++;
		len--;
	}
	if (len == 0 || len > 14)
		return -1;
	int64_t yuan = 0;
	size_t i = 0;
	for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		yuan = yuan * 10 + (s[i] - '0');
	if (i == 0)
		return -1;
	int64_t fen = 0;
	if (i < len) {
		if (s[i] != '.' || len - i - 1 < 1 || len - i - 1 > 2)
			return -1;
		for (size_t k = i + 1; k < len; k++) {
			if (s[k] < '0' || s[k] > '9')
				return -1;
			fen = fen * 10 + (s[k] - '0');
		}
		if (len - i - 1 == 1)
			fen *= 10;
	}
	return yuan * 100 + fen;
}

/* Split a line into fields: the header at ',', a data line at ",`" (each
 * field keeps no backtick). Returns the count, or -1 for too many fields or
 * a data line without its leading backtick. */
static int split(const char *p, size_t n, bool data, span *f)
{
	int k = 0;
	if (data) {
		if (n == 0 || p[0] != '`')
			return -1;
		p++;
		n--;
	}
	size_t start = 0;
	for (size_t i = 0; i <= n; i++) {
		bool end = i == n;
		bool cut = !end && p[i] == ',' && (!data || (i + 1 < n && p[i + 1] == '`'));
		if (!end && !cut)
			continue;
		if (k == FIELDS_MAX)
			return -1;
		f[k].p = p + start;
		f[k].n = i - start;
		k++;
		start = i + (data ? 2 : 1);
		if (cut && data)
			i++;
	}
	return k;
}

static bool span_is(span s, const char *word)
{
	size_t l = strlen(word);
	return s.n == l && memcmp(s.p, word, l) == 0;
}

/* A field copied as an id: printable ASCII, no spaces; "" allowed. */
static bool copy_id(char *dst, size_t cap, span s)
{
	if (s.n >= cap)
		return false;
	for (size_t i = 0; i < s.n; i++)
		if ((unsigned char)s.p[i] <= 0x20 || (unsigned char)s.p[i] >= 0x7f)
			return false;
	memcpy(dst, s.p, s.n);
	dst[s.n] = '\0';
	return true;
}

static int two(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

/* "2026-11-21 10:34:56", Shanghai wall time -> UTC ms; -1. */
static int64_t bill_time(span s)
{
	if (s.n != 19 || s.p[4] != '-' || s.p[7] != '-' || s.p[10] != ' ' || s.p[13] != ':' ||
	    s.p[16] != ':')
		return -1;
	int c = two(s.p), y2 = two(s.p + 2), mo = two(s.p + 5), d = two(s.p + 8);
	int h = two(s.p + 11), mi = two(s.p + 14), se = two(s.p + 17);
	if (c < 0 || y2 < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
	    mi < 0 || mi > 59 || se < 0 || se > 59)
		return -1;
	int y = c * 100 + y2;
	long day = civil_from_ymd(y, mo, d);
	int yy, mm, dd;
	civil_to_ymd(day, &yy, &mm, &dd);
	if (yy != y || mm != mo || dd != d)
		return -1;
	return clock_day_start_ms(day) + ((int64_t)h * 3600 + mi * 60 + se) * 1000;
}

static bool refund_id_given(span s)
{
	return s.n > 0 && !(s.n == 1 && s.p[0] == '0');
}

static int add_row(bill *b, size_t *cap, const bill_row *r)
{
	if (b->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 256;
		bill_row *nr = realloc(b->rows, nc * sizeof *nr);
		if (!nr)
			return -1;
		b->rows = nr;
		*cap = nc;
	}
	b->rows[b->n++] = *r;
	return 0;
}

static int data_row(const span *f, int nf, const int *at, long line, bill_row *r, kerr *err)
{
	memset(r, 0, sizeof *r);
	for (int c = 0; c < C_COUNT; c++)
		if (at[c] >= nf)
			return line_err(err, line, "the line has fewer fields than the header");
	r->at_ms = bill_time(f[at[C_TIME]]);
	if (r->at_ms < 0)
		return line_err(err, line, "交易时间 is not a time of the form "
				"YYYY-MM-DD HH:MM:SS");
	if (!copy_id(r->out_trade_no, sizeof r->out_trade_no, f[at[C_TRADE_NO]]) ||
	    !pay_trade_no_valid(r->out_trade_no))
		return line_err(err, line, "商户订单号 is not a WeChat Pay trade number");
	if (!copy_id(r->transaction_id, sizeof r->transaction_id, f[at[C_TX]]) ||
	    !r->transaction_id[0])
		return line_err(err, line, "微信订单号 is missing or not an id");
	if (!copy_id(r->trade_state, sizeof r->trade_state, f[at[C_STATE]]) || !r->trade_state[0])
		return line_err(err, line, "交易状态 is missing or not a word");
	r->total_fen = bill_yuan_fen(f[at[C_SETTLE]].p, f[at[C_SETTLE]].n);
	if (r->total_fen < 0 || r->total_fen > PAY_AMOUNT_MAX)
		return line_err(err, line, "应结订单金额 is not an amount of yuan with two "
				"decimals");
	span rid = f[at[C_REFUND_ID]];
	r->refund = refund_id_given(rid) || strcmp(r->trade_state, "REFUND") == 0;
	if (!r->refund)
		return 0;
	if (!copy_id(r->refund_id, sizeof r->refund_id, rid) || !r->refund_id[0] ||
	    !copy_id(r->out_refund_no, sizeof r->out_refund_no, f[at[C_REFUND_NO]]) ||
	    !pay_refund_no_valid(r->out_refund_no))
		return line_err(err, line, "a refund line needs 微信退款单号 and a valid "
				"商户退款单号");
	r->refund_fen = bill_yuan_fen(f[at[C_REFUND_FEN]].p, f[at[C_REFUND_FEN]].n);
	if (r->refund_fen < 1 || r->refund_fen > PAY_AMOUNT_MAX)
		return line_err(err, line, "退款金额 is not an amount above zero");
	if (!copy_id(r->refund_status, sizeof r->refund_status, f[at[C_REFUND_STATUS]]) ||
	    !r->refund_status[0])
		return line_err(err, line, "退款状态 is missing or not a word");
	return 0;
}

int bill_parse(const char *text, size_t len, bill *out, kerr *err)
{
	memset(out, 0, sizeof *out);
	if (!text && len)
		return kerr_set(err, "bill", "no text");
	if (len > BILL_TEXT_MAX)
		return kerr_set(err, "bill", "larger than %u MiB: not a day's bill", BILL_TEXT_MAX >> 20);
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;
		len -= 3;
	}
	span f[FIELDS_MAX];
	int at[C_COUNT];
	bool header = false, sum_header = false, summary = false;
	size_t cap = 0;
	long line = 0;
	int64_t total = 0, total_all = 0, refunds = 0;
	size_t pos = 0;
	while (pos < len) {
		const char *p = text + pos;
		const char *nl = memchr(p, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - p) : len - pos;
		pos += n + (nl ? 1 : 0);
		if (n && p[n - 1] == '\r')
			n--;
		line++;
		if (memchr(p, '\0', n)) {
			line_err(err, line, "holds a NUL byte");
			goto fail;
		}
		if (n == 0)
			continue;
		if (summary) {
			line_err(err, line, "text after the summary");
			goto fail;
		}
		if (!header) {
			int nf = split(p, n, false, f);
			for (int c = 0; c < C_COUNT; c++) {
				at[c] = FIELDS_MAX;
				for (int k = 0; k < nf; k++)
					if (span_is(f[k], col_names[c]))
						at[c] = k;
			}
			if (at[C_SETTLE] == FIELDS_MAX)
				at[C_SETTLE] = at[C_TOTAL];
			at[C_TOTAL] = at[C_SETTLE];
			for (int c = 0; c < C_COUNT; c++)
				if (at[c] == FIELDS_MAX) {
					char m[160];
					snprintf(m, sizeof m, "the header has no column %s: not a "
						 "WeChat Pay trade bill", col_names[c]);
					line_err(err, line, m);
					goto fail;
				}
			header = true;
			continue;
		}
		if (!sum_header && n >= 15 && memcmp(p, "总交易单数", 15) == 0) {
			sum_header = true;
			continue;
		}
		int nf = split(p, n, true, f);
		if (nf < 0) {
			line_err(err, line, "a field without its leading backtick");
			goto fail;
		}
		if (sum_header) {
			/* 总交易单数,应结订单总金额,退款总金额,… */
			char num[24];
			if (nf < 3 || f[0].n == 0 || f[0].n >= sizeof num) {
				line_err(err, line, "the summary needs the count and two totals");
				goto fail;
			}
			memcpy(num, f[0].p, f[0].n);
			num[f[0].n] = '\0';
			char *end;
			out->sum_count = strtol(num, &end, 10);
			out->sum_total_fen = bill_yuan_fen(f[1].p, f[1].n);
			out->sum_refund_fen = bill_yuan_fen(f[2].p, f[2].n);
			if (*end || num[0] < '0' || num[0] > '9' || out->sum_total_fen < 0 ||
			    out->sum_refund_fen < 0) {
				line_err(err, line, "the summary's count or totals do not read");
				goto fail;
			}
			summary = true;
			continue;
		}
		bill_row r;
		if (data_row(f, nf, at, line, &r, err))
			goto fail;
		if (add_row(out, &cap, &r)) {
			kerr_set(err, "bill", "out of memory");
			goto fail;
		}
		if (!r.refund)
			total += r.total_fen;
		total_all += r.total_fen;
		refunds += r.refund_fen;
	}
	if (!header) {
		kerr_set(err, "bill", "empty: no header line");
		goto fail;
	}
	if (!summary) {
		line_err(err, line + 1, "the summary (总交易单数 …) is missing: the bill is cut "
			 "short");
		goto fail;
	}
	/* WeChat's total of 应结订单金额 is read either over the payments or over
	 * every line; both are accepted, anything else is a bill that lost lines */
	if (out->sum_count != (long)out->n ||
	    (out->sum_total_fen != total && out->sum_total_fen != total_all) ||
	    out->sum_refund_fen != refunds) {
		char what[160];
		snprintf(what, sizeof what, "%ld lines, %lld + %lld fen refunded; the rows hold %zu, "
			 "%lld, %lld", out->sum_count, (long long)out->sum_total_fen,
			 (long long)out->sum_refund_fen, out->n, (long long)total, (long long)refunds);
		char m[240];
		snprintf(m, sizeof m, "the summary disagrees with the rows (it says %s)", what);
		line_err(err, line, m);
		goto fail;
	}
	return 0;
fail:
	bill_free(out);
	return -1;
}

void bill_free(bill *b)
{
	if (!b)
		return;
	free(b->rows);
	memset(b, 0, sizeof *b);
}

int bill_gunzip(const void *gz, size_t len, size_t max, char **out, size_t *out_len, kerr *err)
{
	*out = NULL;
	*out_len = 0;
	if (len > BILL_GZ_MAX)
		return kerr_set(err, "bill", "the download is over %u MiB", BILL_GZ_MAX >> 20);
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return kerr_set(err, "bill", "zlib could not start");
	size_t cap = len * 4 + 1024, n = 0;
	if (cap > max + 1)
		cap = max + 1;
	char *buf = malloc(cap + 1);
	int rc = Z_OK;
	z.next_in = (unsigned char *)gz;
	z.avail_in = (uInt)len;
	while (buf) {
		if (n == cap) {
			if (cap > max) {
				rc = Z_MEM_ERROR;
				break;
			}
			size_t nc = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nb = realloc(buf, nc + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap = nc;
		}
		z.next_out = (unsigned char *)buf + n;
		z.avail_out = (uInt)(cap - n);
		rc = inflate(&z, Z_NO_FLUSH);
		n = cap - z.avail_out;
		if (rc == Z_STREAM_END || (rc != Z_OK && rc != Z_BUF_ERROR))
			break;
		if (rc == Z_BUF_ERROR && z.avail_in == 0)
			break; /* the input ended before the stream did */
	}
	inflateEnd(&z);
	if (!buf)
		return kerr_set(err, "bill", "out of memory");
	if (rc != Z_STREAM_END || z.avail_in != 0 || n > max) {
		free(buf);
		if (n > max)
			return kerr_set(err, "bill", "decompressed, the bill is over %zu bytes", max);
		return kerr_set(err, "bill", "the download is not a whole gzip stream (%s)",
				rc == Z_STREAM_END ? "bytes after its end" : "cut short or damaged");
	}
	buf[n] = '\0';
	*out = buf;
	*out_len = n;
	return 0;
}

void bill_sha1_hex(const void *p, size_t n, char out[41])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int ml = 0;
	out[0] = '\0';
	if (!EVP_Digest(p, n, md, &ml, EVP_sha1(), NULL) || ml != 20)
		return;
	for (unsigned i = 0; i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}
