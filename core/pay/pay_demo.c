/* pay_demo: the simulated payment gateway of trainer mode and tests (see
 * pay.h and docs/devices.md). Orders answer like WeChat's Native orders; the
 * trainer settles them. Made with a file (pay_demo_open), the orders and
 * refunds are kept there as a gateway keeps them: every change is written
 * whole to a temporary file that replaces the old one (protect_write), so a
 * restarted demo finds the orders it made, paid or not, and a crash leaves
 * the old file or the new one, never half of one. */
#include "core/pay/pay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/base/clock.h"
#include "core/base/civil.h"
#include "core/base/protect.h"

/* An order refunded, and by which refund number. */
typedef struct demo_refund_rec {
	char trade[PAY_TRADE_NO_MAX + 1];
	char no[PAY_REFUND_NO_MAX + 1];
} demo_refund_rec;

typedef struct demo_pay {
	pay_order *orders;
	size_t n, cap;
	demo_refund_rec *refunds;
	size_t n_refunds;
	pay_result fail;       /* fault for the next call, PR_OK none */
	char *path;            /* the orders' file, NULL: memory only */
} demo_pay;

static void copy_str(char *dst, size_t n, const char *src)
{
	size_t len = strnlen(src, n - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static pay_order *find(demo_pay *d, const char *no)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->orders[i].out_trade_no, no) == 0)
			return &d->orders[i];
	return NULL;
}

/* An unpaid order past its expiry is closed, as the gateway does. */
static void expire(pay_order *o)
{
	if ((o->state == PAY_NOTPAY || o->state == PAY_USERPAYING || o->state == PAY_PAYERROR) &&
	    clock_now_ms() >= o->expire_ms)
		o->state = PAY_CLOSED;
}

/* The injected fault, if any, with the words a clerk's log needs. */
static pay_result take_fault(demo_pay *d, const char *what, kerr *err)
{
	pay_result r = d->fail;
	if (r == PR_OK)
		return PR_OK;
	d->fail = PR_OK;
	switch (r) {
	case PR_NETWORK:
		kerr_set(err, "demo gateway", "%s: no answer from the payment gateway (simulated "
			 "network fault); try again, the trade number stays the same", what);
		break;
	case PR_UNVERIFIED:
		kerr_set(err, "demo gateway", "%s: the answer's signature did not verify "
			 "(simulated); it is not trusted and nothing was recorded", what);
		break;
	default:
		kerr_set(err, "demo gateway", "%s: the payment gateway answered SYSTEM_ERROR, "
			 "系统繁忙 (simulated); try again in a moment", what);
		break;
	}
	return r;
}

static int digest(const char *a, const char *b, unsigned char md[EVP_MAX_MD_SIZE])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int len = 0;
	int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) &&
		 EVP_DigestUpdate(c, a, strlen(a)) && EVP_DigestUpdate(c, b, strlen(b)) &&
		 EVP_DigestFinal_ex(c, md, &len);
	EVP_MD_CTX_free(c);
	return ok && len >= 16 ? 0 : -1;
}

/* weixin://wxpay/bizpayurl?pr=<9 of [0-9A-Za-z]>, from the trade number. */
static int make_code_url(const char *no, char *out, size_t n)
{
	static const char b62[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	unsigned char md[EVP_MAX_MD_SIZE];
	if (digest("demo code_url:", no, md) < 0)
		return -1;
	char code[10];
	for (int i = 0; i < 9; i++)
		code[i] = b62[md[i] % 62];
	code[9] = '\0';
	snprintf(out, n, "%s%s", PAY_CODE_URL_PREFIX, code);
	return 0;
}

/* "4200000" + YYYYMMDD (today) + 13 digits from the trade number and a
 * random nonce: 28 digits, the shape of WeChat's transaction ids. The
 * nonce keeps them unique when case numbers (and so trade numbers) start
 * again: a new training day (make demo-reset) or the next day's 0001; the
 * id is kept with its order, so a query answers the same one. */
static int make_transaction_id(const char *no, char *out, size_t n)
{
	unsigned char md[EVP_MAX_MD_SIZE], nonce[8];
	char salted[PAY_TRADE_NO_MAX + 2 * sizeof nonce + 2];
	if (RAND_bytes(nonce, sizeof nonce) != 1)
		return -1;
	size_t o = 0;
	for (size_t i = 0; i < sizeof nonce; i++, o += 2)
		snprintf(salted + o, 3, "%02x", nonce[i]);
	snprintf(salted + o, sizeof salted - o, ":%s", no);
	if (digest("demo transaction:", salted, md) < 0)
		return -1;
	unsigned long long v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | md[i];
	int y, m, dd;
	civil_to_ymd(clock_today(), &y, &m, &dd);
	snprintf(out, n, "4200000%04d%02d%02d%013llu", y % 10000, m, dd, v % 10000000000000ULL);
	return 0;
}

/* ---- the orders' file ----
 * One line per order, then per refund, fields separated by tabs; text that
 * may hold anything (the description) in hex:
 *   order <no> <amount> <expire_ms> <state> <transaction|-> <paid_ms> <code_url> <description hex>
 *   refund <trade no> <refund no> */

static void hex_of(const char *s, char *out, size_t n)
{
	size_t o = 0;
	for (; *s && o + 3 <= n; s++, o += 2)
		snprintf(out + o, 3, "%02x", (unsigned char)*s);
	out[o] = '\0';
}

static bool unhex(const char *h, char *out, size_t n)
{
	size_t len = strlen(h), o = 0;
	if (len % 2 || len / 2 >= n)
		return false;
	for (size_t i = 0; i < len; i += 2) {
		unsigned v;
		if (sscanf(h + i, "%2x", &v) != 1)
			return false;
		out[o++] = (char)v;
	}
	out[o] = '\0';
	return true;
}

/* Write every order and refund to the file (nothing without one). */
static int save(demo_pay *d, kerr *err)
{
	if (!d->path)
		return 0;
	size_t cap = (d->n + d->n_refunds + 1) * 1600, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		return kerr_set(err, d->path, "out of memory saving the demo orders");
	for (size_t i = 0; i < d->n; i++) {
		const pay_order *o = &d->orders[i];
		char desc[2 * PAY_DESCRIPTION_MAX + 3];
		hex_of(o->description, desc, sizeof desc);
		len += (size_t)snprintf(buf + len, cap - len, "order\t%s\t%lld\t%lld\t%s\t%s\t%lld\t%s\t%s\n",
					o->out_trade_no, (long long)o->amount_fen, (long long)o->expire_ms,
					pay_state_name(o->state), o->transaction_id[0] ? o->transaction_id : "-",
					(long long)o->paid_ms, o->code_url, desc[0] ? desc : "-");
	}
	for (size_t i = 0; i < d->n_refunds; i++)
		len += (size_t)snprintf(buf + len, cap - len, "refund\t%s\t%s\n", d->refunds[i].trade,
					d->refunds[i].no);
	int rc = protect_write(d->path, buf, len, 0600, true, err);
	free(buf);
	return rc;
}

static int load_bad(const char *path, int line, kerr *err)
{
	return kerr_setf(err, path, line, "not a demo order line; the file is the demo gateway's "
			 "own (remove it to start the demo gateway empty)");
}

/* Read the file back; a missing file is an empty gateway. */
static int load(demo_pay *d, kerr *err)
{
	FILE *f = fopen(d->path, "r");
	if (!f)
		return 0;
	char line[2048];
	int no = 0;
	while (fgets(line, sizeof line, f)) {
		no++;
		line[strcspn(line, "\n")] = '\0';
		char *field[10];
		int n = 0;
		for (char *p = line, *t; n < 10 && (t = strsep(&p, "\t")); )
			field[n++] = t;
		if (n == 3 && strcmp(field[0], "refund") == 0) {
			demo_refund_rec *nv = realloc(d->refunds, (d->n_refunds + 1) * sizeof *nv);
			if (!nv)
				goto oom;
			d->refunds = nv;
			copy_str(nv[d->n_refunds].trade, sizeof nv->trade, field[1]);
			copy_str(nv[d->n_refunds].no, sizeof nv->no, field[2]);
			d->n_refunds++;
			continue;
		}
		int st = n == 9 ? pay_state_from_name(field[4]) : -1;
		if (n != 9 || strcmp(field[0], "order") != 0 || st < 0 ||
		    strlen(field[1]) > PAY_TRADE_NO_MAX || strlen(field[5]) >= 40 || strlen(field[7]) >= 512) {
			fclose(f);
			return load_bad(d->path, no, err);
		}
		if (d->n == d->cap) {
			size_t cap = d->cap ? d->cap * 2 : 16;
			pay_order *p = realloc(d->orders, cap * sizeof *p);
			if (!p)
				goto oom;
			d->orders = p;
			d->cap = cap;
		}
		pay_order *o = &d->orders[d->n];
		memset(o, 0, sizeof *o);
		copy_str(o->out_trade_no, sizeof o->out_trade_no, field[1]);
		o->amount_fen = strtoll(field[2], NULL, 10);
		o->expire_ms = strtoll(field[3], NULL, 10);
		o->state = (pay_state)st;
		copy_str(o->transaction_id, sizeof o->transaction_id, strcmp(field[5], "-") ? field[5] : "");
		o->paid_ms = strtoll(field[6], NULL, 10);
		copy_str(o->code_url, sizeof o->code_url, field[7]);
		if (strcmp(field[8], "-") != 0 && !unhex(field[8], o->description, sizeof o->description)) {
			fclose(f);
			return load_bad(d->path, no, err);
		}
		o->verified = true;
		d->n++;
	}
	fclose(f);
	return 0;
oom:
	fclose(f);
	return kerr_set(err, d->path, "out of memory reading the demo orders");
}

/* A change made: kept in the file; when it cannot be written the change is
 * said (the call's answer stays what the gateway did). */
static pay_result saved(demo_pay *d, pay_result r, kerr *err)
{
	if (r == PR_OK && save(d, err) != 0)
		return PR_GATEWAY;
	return r;
}

static pay_result demo_create(void *ctx, pay_order *o, kerr *err)
{
	demo_pay *d = ctx;
	pay_result r = take_fault(d, "create order", err);
	if (r != PR_OK)
		return r;
	pay_order *have = find(d, o->out_trade_no);
	if (have) {
		expire(have);
		if (have->amount_fen != o->amount_fen ||
		    strcmp(have->description, o->description) != 0) {
			kerr_set(err, o->out_trade_no, "OUT_TRADE_NO_USED: trade number already used "
				 "for an order of %lld fen (this one is %lld fen); make the next "
				 "attempt number", (long long)have->amount_fen,
				 (long long)o->amount_fen);
			return PR_DUPLICATE;
		}
		if (have->state == PAY_SUCCESS || have->state == PAY_REFUND) {
			kerr_set(err, o->out_trade_no, "ORDERPAID: the order is already paid; "
				 "query it");
			return PR_PAID;
		}
		if (have->state == PAY_CLOSED || have->state == PAY_REVOKED) {
			kerr_set(err, o->out_trade_no, "ORDERCLOSED: the order is closed; make "
				 "the next attempt number");
			return PR_CLOSED;
		}
		*o = *have; /* the same order: same code_url, same expiry */
		return PR_OK;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		pay_order *p = realloc(d->orders, cap * sizeof *p);
		if (!p) {
			kerr_set(err, o->out_trade_no, "out of memory");
			return PR_GATEWAY;
		}
		d->orders = p;
		d->cap = cap;
	}
	if (make_code_url(o->out_trade_no, o->code_url, sizeof o->code_url) < 0) {
		kerr_set(err, o->out_trade_no, "could not make the demo code URL (SHA-256)");
		return PR_GATEWAY;
	}
	o->state = PAY_NOTPAY;
	o->verified = true;
	d->orders[d->n++] = *o;
	return saved(d, PR_OK, err);
}

static pay_result demo_query(void *ctx, const char *no, pay_order *out, kerr *err)
{
	demo_pay *d = ctx;
	pay_result r = take_fault(d, "query order", err);
	if (r != PR_OK)
		return r;
	pay_order *have = find(d, no);
	if (!have) {
		copy_str(out->out_trade_no, sizeof out->out_trade_no, no);
		out->state = PAY_NOTFOUND;
		out->verified = true;
		return PR_OK;
	}
	expire(have);
	*out = *have;
	return PR_OK;
}

static pay_result demo_close(void *ctx, const char *no, kerr *err)
{
	demo_pay *d = ctx;
	pay_result r = take_fault(d, "close order", err);
	if (r != PR_OK)
		return r;
	pay_order *have = find(d, no);
	if (!have) {
		kerr_set(err, no, "ORDER_NOT_EXIST: no such order");
		return PR_NOT_FOUND;
	}
	expire(have);
	if (have->state == PAY_SUCCESS || have->state == PAY_REFUND) {
		kerr_set(err, no, "ORDERPAID: the order is paid and cannot be closed");
		return PR_PAID;
	}
	if (have->state != PAY_REVOKED)
		have->state = PAY_CLOSED;
	return saved(d, PR_OK, err);
}

static void demo_free(void *ctx)
{
	demo_pay *d = ctx;
	if (!d)
		return;
	free(d->orders);
	free(d->refunds);
	free(d->path);
	free(d);
}

/* A refund of a paid order: the whole amount goes back at once (the demo
 * has no bank to wait for); the same refund number again gives the same
 * refund. */
static pay_result demo_refund(void *ctx, struct pay_refund *r, kerr *err)
{
	demo_pay *d = ctx;
	pay_result res = take_fault(d, "refund order", err);
	if (res != PR_OK)
		return res;
	pay_order *o = find(d, r->out_trade_no);
	if (!o) {
		kerr_set(err, r->out_trade_no, "ORDER_NOT_EXIST: no such order (the demo gateway "
			 "without a data directory forgets its orders when the kiosk restarts)");
		return PR_NOT_FOUND;
	}
	if (o->state != PAY_SUCCESS && o->state != PAY_REFUND) {
		kerr_set(err, r->out_trade_no, "NOT_ENOUGH: the order is %s, not paid",
			 pay_state_name(o->state));
		return PR_REFUSED;
	}
	if (r->total_fen != o->amount_fen) {
		kerr_set(err, r->out_trade_no, "PARAM_ERROR: the order's amount is %lld fen",
			 (long long)o->amount_fen);
		return PR_REFUSED;
	}
	/* the whole amount is refunded once: another refund number finds no balance */
	demo_refund_rec *had = NULL;
	for (size_t i = 0; i < d->n_refunds; i++)
		if (strcmp(d->refunds[i].trade, o->out_trade_no) == 0)
			had = &d->refunds[i];
	if (had && strcmp(had->no, r->out_refund_no) != 0) {
		kerr_set(err, r->out_trade_no, "NOT_ENOUGH: the order was refunded already (%s)",
			 had->no);
		return PR_REFUSED;
	}
	if (!had) {
		demo_refund_rec *nv = realloc(d->refunds, (d->n_refunds + 1) * sizeof *nv);
		if (!nv) {
			kerr_set(err, NULL, "out of memory");
			return PR_GATEWAY;
		}
		d->refunds = nv;
		had = &d->refunds[d->n_refunds++];
		copy_str(had->trade, sizeof had->trade, o->out_trade_no);
		copy_str(had->no, sizeof had->no, r->out_refund_no);
	}
	o->state = PAY_REFUND;
	snprintf(r->refund_id, sizeof r->refund_id, "50300%.30s", o->transaction_id + 10);
	r->state = PAY_REFUND_SUCCESS;
	r->verified = true;
	return saved(d, PR_OK, err);
}

static const pay_ops demo_ops = {
	.name = "demo",
	.create = demo_create,
	.query = demo_query,
	.close = demo_close,
	.refund = demo_refund,
	.free = demo_free,
};

pay_dev *pay_demo_new(kerr *err)
{
	pay_dev *dev = calloc(1, sizeof *dev);
	demo_pay *d = calloc(1, sizeof *d);
	if (!dev || !d) {
		free(dev);
		free(d);
		kerr_set(err, NULL, "out of memory");
		return NULL;
	}
	d->fail = PR_OK;
	dev->ops = &demo_ops;
	dev->ctx = d;
	return dev;
}

pay_dev *pay_demo_open(const char *path, kerr *err)
{
	pay_dev *dev = pay_demo_new(err);
	if (!dev || !path || !*path)
		return dev;
	demo_pay *d = dev->ctx;
	if (!(d->path = strdup(path))) {
		pay_dev_free(dev);
		kerr_set(err, NULL, "out of memory");
		return NULL;
	}
	if (load(d, err) != 0) {
		pay_dev_free(dev);
		return NULL;
	}
	return dev;
}

/* ---- trainer controls ---- */

static demo_pay *demo_of(pay_dev *dev, kerr *err)
{
	if (!dev || dev->ops != &demo_ops) {
		kerr_set(err, NULL, "this is not the demo payment (it is '%s'); trainer "
			 "controls work in demo mode only", pay_dev_name(dev));
		return NULL;
	}
	return dev->ctx;
}

static pay_order *order_of(demo_pay *d, const char *no, kerr *err)
{
	pay_order *o = no ? find(d, no) : NULL;
	if (!o) {
		kerr_set(err, no ? no : "", "no demo order with this trade number");
		return NULL;
	}
	expire(o);
	return o;
}

pay_result pay_demo_settle(pay_dev *dev, const char *out_trade_no, kerr *err)
{
	demo_pay *d = demo_of(dev, err);
	if (!d)
		return PR_NOT_SUPPORTED;
	pay_order *o = order_of(d, out_trade_no, err);
	if (!o)
		return PR_NOT_FOUND;
	switch (o->state) {
	case PAY_SUCCESS:
		return PR_OK;
	case PAY_NOTPAY:
	case PAY_USERPAYING:
	case PAY_PAYERROR:
		break;
	case PAY_REFUND:
		kerr_set(err, out_trade_no, "the order was paid and refunded");
		return PR_PAID;
	default:
		kerr_set(err, out_trade_no, "the order is closed (%s); it cannot be paid",
			 pay_state_name(o->state));
		return PR_CLOSED;
	}
	if (make_transaction_id(o->out_trade_no, o->transaction_id, sizeof o->transaction_id) < 0) {
		kerr_set(err, out_trade_no, "could not make the demo transaction id (SHA-256)");
		return PR_GATEWAY;
	}
	o->state = PAY_SUCCESS;
	o->paid_ms = clock_now_ms();
	return saved(d, PR_OK, err);
}

int pay_demo_set_state(pay_dev *dev, const char *out_trade_no, pay_state st, kerr *err)
{
	demo_pay *d = demo_of(dev, err);
	if (!d)
		return -1;
	if (st == PAY_SUCCESS || st == PAY_NOTFOUND || (unsigned)st >= PAY_STATE_COUNT)
		return kerr_set(err, NULL, "state %s cannot be set; pay an order with "
				"pay_demo_settle", pay_state_name(st));
	pay_order *o = order_of(d, out_trade_no, err);
	if (!o)
		return -1;
	if (st == PAY_REFUND && o->state != PAY_SUCCESS)
		return kerr_set(err, out_trade_no, "only a paid order can be refunded (it is %s)",
				pay_state_name(o->state));
	if (st != PAY_REFUND && (o->state == PAY_SUCCESS || o->state == PAY_REFUND))
		return kerr_set(err, out_trade_no, "the order is paid; it can only be refunded");
	o->state = st;
	if (st != PAY_REFUND) {
		o->transaction_id[0] = '\0';
		o->paid_ms = 0;
	}
	return save(d, err);
}

int pay_demo_fail_next(pay_dev *dev, pay_result r, kerr *err)
{
	demo_pay *d = demo_of(dev, err);
	if (!d)
		return -1;
	if (r != PR_NETWORK && r != PR_GATEWAY && r != PR_UNVERIFIED)
		return kerr_set(err, NULL, "pay_demo_fail_next simulates network, gateway or "
				"unverified, not '%s'", pay_result_name(r));
	d->fail = r;
	return 0;
}
