/* pay: the state and result tables, trade numbers, and the wrappers that check
 * arguments before any device sees them (see pay.h). */
#include "core/pay/pay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/base/clock.h"
#include "core/base/kini.h"
#include "core/base/names.h"

ENUM_DEFINE_WORD_KEY(pay_state, PAY_STATES, "?", "pay.state.notfound")
ENUM_DEFINE_WORD_KEY(pay_result, PAY_RESULTS, "?", "pay.result.gateway")
ENUM_DEFINE_WORD_KEY(pay_refund_state, PAY_REFUND_STATES, "?", "pay.refund.abnormal")

bool pay_state_pending(pay_state s)
{
	return s == PAY_NOTPAY || s == PAY_USERPAYING;
}

/* ---- trade numbers ---- */

static bool case_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       c == '_' || c == '-';
}

bool pay_trade_no_valid(const char *s)
{
	if (!s)
		return false;
	size_t n = strlen(s);
	if (n < PAY_TRADE_NO_MIN || n > PAY_TRADE_NO_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!case_char(s[i]) && s[i] != '|' && s[i] != '*')
			return false;
	return true;
}

/* Does s end in '_' and one or more digits? */
static bool ends_in_attempt(const char *s, size_t n)
{
	size_t i = n;
	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	return i < n && i > 0 && s[i - 1] == '_';
}

/* 10 characters of SHA-256(s) in Crockford's base 32, lower case. */
static int hash10(const char *s, char out[11])
{
	static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (!EVP_Digest(s, strlen(s), md, &mdlen, EVP_sha256(), NULL) || mdlen < 7)
		return -1;
	uint64_t v = 0;
	for (int i = 0; i < 7; i++)
		v = v << 8 | md[i];
	for (int i = 0; i < 10; i++) {
		out[i] = alphabet[v & 31];
		v >>= 5;
	}
	out[10] = '\0';
	return 0;
}

int pay_trade_no(const char *case_no, int attempt, char out[PAY_TRADE_NO_MAX + 1])
{
	if (out)
		out[0] = '\0';
	if (!case_no || !out || attempt < 1 || attempt > PAY_ATTEMPT_MAX)
		return -1;
	size_t n = strlen(case_no);
	if (n == 0 || n > 256 || ends_in_attempt(case_no, n))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!case_char(case_no[i]))
			return -1;
	char suffix[8] = "";
	if (attempt > 1)
		snprintf(suffix, sizeof suffix, "_%d", attempt);
	size_t sl = strlen(suffix);
	if (n >= PAY_TRADE_NO_MIN && n + sl <= PAY_TRADE_NO_MAX) {
		memcpy(out, case_no, n);
		memcpy(out + n, suffix, sl + 1);
		return 0;
	}
	/* Too long (a long kiosk id) or too short: the hash keeps cases apart,
	 * the tail (date and sequence) keeps the number readable on the bill. */
	char h[11];
	if (hash10(case_no, h) < 0)
		return -1;
	size_t room = PAY_TRADE_NO_MAX - 11 - sl;
	size_t tail = n < room ? n : room;
	memcpy(out, h, 10);
	out[10] = '-';
	memcpy(out + 11, case_no + n - tail, tail);
	memcpy(out + 11 + tail, suffix, sl + 1);
	return 0;
}

/* ---- wrappers ---- */

static pay_result unsupported(const pay_dev *dev, const char *op, kerr *err)
{
	kerr_set(err, NULL, "the payment device '%s' cannot %s", pay_dev_name(dev), op);
	return PR_NOT_SUPPORTED;
}

static pay_result check_no(const char *no, kerr *err)
{
	if (pay_trade_no_valid(no))
		return PR_OK;
	kerr_set(err, "out_trade_no", "'%s' is not a WeChat Pay trade number (6-32 of "
		 "0-9 A-Z a-z _ - | *); make it with pay_trade_no()", no ? no : "");
	return PR_INVALID;
}

pay_result pay_create(pay_dev *dev, pay_order *o, kerr *err)
{
	if (!dev || !dev->ops || !dev->ops->create)
		return unsupported(dev, "create orders", err);
	if (!o) {
		kerr_set(err, NULL, "no order to create");
		return PR_INVALID;
	}
	o->code_url[0] = '\0';
	o->transaction_id[0] = '\0';
	o->paid_ms = 0;
	o->state = PAY_NOTPAY;
	o->verified = false;
	if (check_no(o->out_trade_no, err) != PR_OK)
		return PR_INVALID;
	if (o->amount_fen < 1 || o->amount_fen > PAY_AMOUNT_MAX) {
		kerr_set(err, "amount", "%lld fen: an order is for 1 to %ld fen", (long long)o->amount_fen,
			 (long)PAY_AMOUNT_MAX);
		return PR_INVALID;
	}
	size_t dl = strnlen(o->description, sizeof o->description);
	if (dl == 0 || dl > PAY_DESCRIPTION_MAX || !kini_utf8_valid(o->description, dl, NULL)) {
		kerr_set(err, "description", "an order needs a description of 1-%d bytes of UTF-8",
			 PAY_DESCRIPTION_MAX);
		return PR_INVALID;
	}
	int64_t now = clock_now_ms();
	if (o->expire_ms <= now) {
		kerr_set(err, "expire_ms", "the order would expire before it is made (%lld ms "
			 "from now); give it the configured minutes", (long long)(o->expire_ms - now));
		return PR_INVALID;
	}
	pay_result r = dev->ops->create(dev->ctx, o, err);
	if (r != PR_OK)
		o->verified = false;
	return r;
}

pay_result pay_query(pay_dev *dev, const char *out_trade_no, pay_order *out, kerr *err)
{
	if (!out) {
		kerr_set(err, NULL, "nowhere to put the order");
		return PR_INVALID;
	}
	/* out_trade_no may point into *out (a query of the order in hand) */
	char no[PAY_TRADE_NO_MAX + 1] = "";
	bool valid = check_no(out_trade_no, err) == PR_OK;
	if (valid)
		memcpy(no, out_trade_no, strlen(out_trade_no) + 1);
	memset(out, 0, sizeof *out);
	out->state = PAY_NOTFOUND;
	if (!dev || !dev->ops || !dev->ops->query)
		return unsupported(dev, "query orders", err);
	if (!valid)
		return PR_INVALID;
	pay_result r = dev->ops->query(dev->ctx, no, out, err);
	if (r != PR_OK) {
		memset(out, 0, sizeof *out);
		out->state = PAY_NOTFOUND;
	}
	return r;
}

pay_result pay_close(pay_dev *dev, const char *out_trade_no, kerr *err)
{
	if (!dev || !dev->ops || !dev->ops->close)
		return unsupported(dev, "close orders", err);
	if (check_no(out_trade_no, err) != PR_OK)
		return PR_INVALID;
	return dev->ops->close(dev->ctx, out_trade_no, err);
}

/* ---- refunds ---- */

bool pay_refund_no_valid(const char *s)
{
	if (!s)
		return false;
	size_t n = strlen(s);
	if (n < 1 || n > PAY_REFUND_NO_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!case_char(s[i]) && s[i] != '|' && s[i] != '*' && s[i] != '@')
			return false;
	return true;
}

int pay_refund_no(const char *out_trade_no, int n, char out[PAY_REFUND_NO_MAX + 1])
{
	if (out)
		out[0] = '\0';
	if (!out || !pay_trade_no_valid(out_trade_no) || n < 1 || n > 99)
		return -1;
	snprintf(out, PAY_REFUND_NO_MAX + 1, "%s-R%d", out_trade_no, n);
	return 0;
}

int pay_refund_dup_no(const char *out_trade_no, char out[PAY_REFUND_NO_MAX + 1])
{
	if (out)
		out[0] = '\0';
	if (!out || !pay_trade_no_valid(out_trade_no))
		return -1;
	snprintf(out, PAY_REFUND_NO_MAX + 1, "%s" PAY_REFUND_DUP_SUFFIX, out_trade_no);
	return 0;
}

bool pay_refund_no_is_dup(const char *out_refund_no)
{
	size_t n = out_refund_no ? strlen(out_refund_no) : 0, k = strlen(PAY_REFUND_DUP_SUFFIX);
	char trade[PAY_TRADE_NO_MAX + 1];
	if (n <= k || n - k > PAY_TRADE_NO_MAX ||
	    strcmp(out_refund_no + n - k, PAY_REFUND_DUP_SUFFIX) != 0)
		return false;
	memcpy(trade, out_refund_no, n - k);
	trade[n - k] = '\0';
	return pay_trade_no_valid(trade);
}

pay_result pay_refund_order(pay_dev *dev, pay_refund *r, kerr *err)
{
	if (!r) {
		kerr_set(err, NULL, "no refund to ask for");
		return PR_INVALID;
	}
	r->refund_id[0] = '\0';
	r->state = PAY_REFUND_PROCESSING;
	r->verified = false;
	if (!dev || !dev->ops || !dev->ops->refund)
		return unsupported(dev, "refund orders", err);
	if (check_no(r->out_trade_no, err) != PR_OK)
		return PR_INVALID;
	if (!memchr(r->out_refund_no, '\0', sizeof r->out_refund_no) ||
	    !pay_refund_no_valid(r->out_refund_no)) {
		kerr_set(err, "out_refund_no", "not a WeChat Pay refund number (1-64 of 0-9 A-Z a-z "
			 "_ - | * @); make it with pay_refund_no()");
		return PR_INVALID;
	}
	if (r->total_fen < 1 || r->total_fen > PAY_AMOUNT_MAX || r->refund_fen < 1 ||
	    r->refund_fen > r->total_fen) {
		kerr_set(err, "refund_fen", "a refund of %lld fen of an order of %lld fen: it must be "
			 "1 fen to the order's amount", (long long)r->refund_fen,
			 (long long)r->total_fen);
		return PR_INVALID;
	}
	size_t tl = strnlen(r->transaction_id, sizeof r->transaction_id);
	bool tx_ok = tl < sizeof r->transaction_id && tl <= 32;
	for (size_t i = 0; tx_ok && i < tl; i++)
		tx_ok = r->transaction_id[i] >= '0' && r->transaction_id[i] <= '9';
	if (!tx_ok) {
		kerr_set(err, "transaction_id", "a WeChat Pay transaction id is 1-32 digits");
		return PR_INVALID;
	}
	size_t rl = strnlen(r->reason, sizeof r->reason);
	if (rl > PAY_REFUND_REASON_MAX || !kini_utf8_valid(r->reason, rl, NULL)) {
		kerr_set(err, "reason", "a refund reason is at most %d bytes of UTF-8",
			 PAY_REFUND_REASON_MAX);
		return PR_INVALID;
	}
	pay_result res = dev->ops->refund(dev->ctx, r, err);
	if (res != PR_OK) {
		r->refund_id[0] = '\0';
		r->state = PAY_REFUND_PROCESSING;
		r->verified = false;
	}
	return res;
}

/* ---- the trade bill ---- */

pay_result pay_bill_download(pay_dev *dev, long civil_day, pay_bill_file *out, kerr *err)
{
	if (!out) {
		kerr_set(err, NULL, "nowhere to put the bill");
		return PR_INVALID;
	}
	memset(out, 0, sizeof *out);
	if (!dev || !dev->ops || !dev->ops->bill)
		return unsupported(dev, "download the trade bill", err);
	pay_result r = dev->ops->bill(dev->ctx, civil_day, out, err);
	if (r != PR_OK)
		pay_bill_file_free(out);
	return r;
}

void pay_bill_file_free(pay_bill_file *f)
{
	if (!f)
		return;
	free(f->text);
	memset(f, 0, sizeof *f);
}

const char *pay_dev_name(const pay_dev *dev)
{
	return dev && dev->ops && dev->ops->name ? dev->ops->name : "";
}

void pay_dev_free(pay_dev *dev)
{
	if (!dev)
		return;
	if (dev->ops && dev->ops->free)
		dev->ops->free(dev->ctx);
	free(dev);
}
