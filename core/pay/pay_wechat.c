/* pay_wechat: the WeChat Pay API v3 client behind the payment ops table (see
 * pay.h, wxsign.h and docs/payment.md). One libcurl easy handle is kept so the
 * gateway's connection is reused between polls. Every request is signed
 * afresh (new timestamp and nonce) but a retried request carries the same
 * body, so the same out_trade_no. Every answer is verified before a byte of
 * it is used; a verified answer is then read by pay_wechat_parse(). */
#include "core/pay/pay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "core/base/clock.h"
#include "core/base/civil.h"
#include "core/base/kini.h"
#include "core/pay/bill.h"
#include "core/pay/wxsign.h"

#define BODY_MAX      (64 * 1024)   /* a larger answer is not the gateway's */
#define AUTH_MAX      (WX_SIG_B64_MAX + 512)
#define MESSAGE_SHOWN 200           /* bytes of WeChat's message kept in err */

typedef struct wx_pay {
	CURL *curl;
	char *base;         /* scheme://host[:port][/prefix], no trailing '/' */
	const char *prefix; /* into base: the path part, "" for none */
	char *appid, *mchid, *serial, *notify_url;
	EVP_PKEY *key;
	wx_keyring *ring;
	int tries;
	long timeout_ms, backoff_ms, deadline_ms;
} wx_pay;

/* One answer as received. */
typedef struct wx_http {
	long status;
	char *body;
	size_t len, cap;
	size_t max;         /* 0: BODY_MAX (a bill's download takes more) */
	bool too_big;
	char ts[24], nonce[160], sig[WX_SIG_B64_MAX + 1], serial[WX_SERIAL_MAX + 1];
	char request_id[80];
} wx_http;

static void copy_str(char *dst, size_t n, const char *src)
{
	size_t len = strnlen(src, n - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* ---- answers: parsing (on its own for the fuzz harness) ---- */

ENUM_DEFINE_WORD(pay_wx_call, PAY_WX_CALLS, "refund")

/* WeChat's message, safe to show: valid UTF-8 without control characters,
 * cut at a character boundary. */
static void clean_text(const char *s, char *out, size_t n)
{
	size_t len = strlen(s);
	if (!kini_utf8_valid(s, len, NULL)) {
		copy_str(out, n, "(message not in UTF-8)");
		return;
	}
	size_t o = 0;
	for (size_t i = 0; i < len && o + 1 < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t cl = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		if (o + cl >= n)
			break;
		if (c < 0x20 || c == 0x7f) {
			out[o++] = ' ';
			i++;
			continue;
		}
		memcpy(out + o, s + i, cl);
		o += cl;
		i += cl;
	}
	out[o] = '\0';
}

static bool printable_id(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

/* An integer member within [0, INT32_MAX]; -1 if absent or anything else. */
static int64_t jint(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsNumber(v))
		return -1;
	double d = v->valuedouble;
	if (!(d >= 0 && d <= (double)INT32_MAX) || d != (double)(int64_t)d)
		return -1;
	return (int64_t)d;
}

static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* RFC 3339 as WeChat writes it: 2026-11-21T10:34:56+08:00 (fractions and Z
 * allowed). UTC ms, or -1. */
static int64_t parse_rfc3339(const char *s)
{
	size_t n = strlen(s);
	if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':')
		return -1;
	int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	int h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || se < 0 || se > 60)
		return -1;
	long day = civil_from_ymd(y, mo, d);
	int yy, mm, dd;
	civil_to_ymd(day, &yy, &mm, &dd);
	if (yy != y || mm != mo || dd != d)
		return -1; /* 2026-02-30 */
	const char *p = s + 19;
	int frac_ms = 0;
	if (*p == '.') {
		p++;
		int k = 0;
		while (*p >= '0' && *p <= '9') {
			if (k < 3)
				frac_ms = frac_ms * 10 + (*p - '0');
			k++;
			p++;
		}
		if (k == 0 || k > 9)
			return -1;
		for (; k < 3; k++)
			frac_ms *= 10;
	}
	int64_t off_s = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		int oh = digits(p + 1, 2), om = digits(p + 4, 2);
		if (oh < 0 || oh > 23 || om < 0 || om > 59)
			return -1;
		off_s = (int64_t)(oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	return ((int64_t)day * 86400 + h * 3600 + mi * 60 + se - off_s) * 1000 + frac_ms;
}

static bool code_is(const char *code, const char *const *words)
{
	for (; *words; words++)
		if (strcmp(code, *words) == 0)
			return true;
	return false;
}

static const char *const not_found_codes[] = { "ORDER_NOT_EXIST", "ORDERNOTEXIST",
					       "RESOURCE_NOT_EXISTS", NULL };

static pay_result map_code(long status, const char *code)
{
	static const char *const duplicate[] = { "OUT_TRADE_NO_USED", NULL };
	static const char *const paid[] = { "ORDERPAID", "ORDER_PAID", NULL };
	static const char *const closed[] = { "ORDER_CLOSED", "ORDERCLOSED", NULL };
	static const char *const busy[] = { "SYSTEM_ERROR", "SYSTEMERROR", "FREQUENCY_LIMITED",
					    "BANKERROR", "BANK_ERROR", "USERPAYING", NULL };
	if (code_is(code, not_found_codes))
		return PR_NOT_FOUND;
	if (code_is(code, duplicate))
		return PR_DUPLICATE;
	if (code_is(code, paid))
		return PR_PAID;
	if (code_is(code, closed))
		return PR_CLOSED;
	if (code_is(code, busy) || status >= 500)
		return PR_GATEWAY;
	return PR_REFUSED;
}

/* What to do next, for the log, by error code. */
static const char *code_hint(const char *code)
{
	if (strcmp(code, "SIGN_ERROR") == 0)
		return "; the gateway refused the kiosk's signature: check merchant_serial and "
		       "private_key_file, and this computer's clock";
	if (strcmp(code, "APPID_MCHID_NOT_MATCH") == 0 || strcmp(code, "MCH_NOT_EXISTS") == 0)
		return "; check appid and mchid in kiosk.ini";
	if (strcmp(code, "NOT_ENOUGH") == 0 || strcmp(code, "NOTENOUGH") == 0)
		return "; the merchant account's balance cannot cover the refund now";
	if (strcmp(code, "OUT_TRADE_NO_USED") == 0)
		return "; the number was used for a different order: make the next attempt number";
	return "";
}

static pay_result error_body(pay_wx_call call, long status, const cJSON *j, const char *no,
			     pay_order *o, kerr *err)
{
	const char *code = j ? jstr(j, "code") : NULL;
	const char *msg = j ? jstr(j, "message") : NULL;
	if (!code || !printable_id(code, 64)) {
		kerr_set(err, no, "%s: WeChat Pay answered HTTP %ld without an error code",
			 pay_wx_call_name(call), status);
		return status >= 500 ? PR_GATEWAY : PR_REFUSED;
	}
	char text[MESSAGE_SHOWN + 1] = "";
	if (msg)
		clean_text(msg, text, sizeof text);
	pay_result r = map_code(status, code);
	if (call == PAY_WX_QUERY && r == PR_NOT_FOUND && o) {
		o->state = PAY_NOTFOUND;
		copy_str(o->out_trade_no, sizeof o->out_trade_no, no ? no : "");
		return PR_OK;
	}
	kerr_set(err, no, "%s: WeChat Pay answered HTTP %ld %s: %s%s", pay_wx_call_name(call),
		 status, code, text[0] ? text : "(no message)", code_hint(code));
	return r;
}

static pay_result gateway_fault(kerr *err, const char *no, pay_wx_call call, const char *what)
{
	kerr_set(err, no, "%s: the gateway's answer %s; it was not used", pay_wx_call_name(call),
		 what);
	return PR_GATEWAY;
}

static pay_result parse_create(const cJSON *j, const char *no, pay_order *o, kerr *err)
{
	const char *url = jstr(j, "code_url");
	if (!url || strncmp(url, "weixin://", 9) != 0 || !printable_id(url, sizeof o->code_url - 1))
		return gateway_fault(err, no, PAY_WX_CREATE, "has no usable code_url");
	copy_str(o->code_url, sizeof o->code_url, url);
	o->state = PAY_NOTPAY;
	return PR_OK;
}

static pay_result parse_query(const cJSON *j, const char *no, pay_order *o, kerr *err)
{
	const char *got = jstr(j, "out_trade_no");
	if (!got || !pay_trade_no_valid(got) || (no && strcmp(got, no) != 0))
		return gateway_fault(err, no, PAY_WX_QUERY, "is about another order");
	const char *ts = jstr(j, "trade_state");
	int st = ts ? pay_state_from_name(ts) : -1;
	if (ts && strcmp(ts, "ACCEPT") == 0)
		st = PAY_USERPAYING; /* taken, the bank not yet done: still pending */
	if (st < 0 || st == PAY_NOTFOUND)
		return gateway_fault(err, no, PAY_WX_QUERY, "has an unknown trade_state");
	const cJSON *amount = cJSON_GetObjectItemCaseSensitive(j, "amount");
	int64_t total = cJSON_IsObject(amount) ? jint(amount, "total") : -1;
	if (amount && total < 0)
		return gateway_fault(err, no, PAY_WX_QUERY, "has an unreadable amount");
	const char *tx = jstr(j, "transaction_id");
	if (tx && tx[0] && !printable_id(tx, sizeof o->transaction_id - 1))
		return gateway_fault(err, no, PAY_WX_QUERY, "has an unreadable transaction_id");
	int64_t paid_ms = 0;
	if (st == PAY_SUCCESS || st == PAY_REFUND) {
		if (!tx || !tx[0])
			return gateway_fault(err, no, PAY_WX_QUERY, "says paid without a transaction_id");
		const char *when = jstr(j, "success_time");
		if (when)
			paid_ms = parse_rfc3339(when);
		if (st == PAY_SUCCESS && (!when || paid_ms <= 0))
			return gateway_fault(err, no, PAY_WX_QUERY, "says paid without a readable "
					     "success_time");
		if (paid_ms < 0)
			paid_ms = 0;
	}
	copy_str(o->out_trade_no, sizeof o->out_trade_no, got);
	o->state = (pay_state)st;
	if (total >= 0)
		o->amount_fen = total;
	copy_str(o->transaction_id, sizeof o->transaction_id, tx ? tx : "");
	o->paid_ms = paid_ms;
	return PR_OK;
}

static pay_result parse_refund(const cJSON *j, const char *no, pay_refund *rf, kerr *err)
{
	const char *rno = jstr(j, "out_refund_no");
	const char *id = jstr(j, "refund_id");
	const char *status = jstr(j, "status");
	int st = status ? pay_refund_state_from_name(status) : -1;
	if (!rno || (rf->out_refund_no[0] && strcmp(rno, rf->out_refund_no) != 0))
		return gateway_fault(err, no, PAY_WX_REFUND, "is about another refund");
	if (!id || !printable_id(id, sizeof rf->refund_id - 1))
		return gateway_fault(err, no, PAY_WX_REFUND, "has no usable refund_id");
	if (st < 0 || st == PAY_REFUND_PENDING) /* PENDING is the kiosk's word only */
		return gateway_fault(err, no, PAY_WX_REFUND, "has an unknown refund status");
	const char *otn = jstr(j, "out_trade_no");
	if (otn && no && strcmp(otn, no) != 0)
		return gateway_fault(err, no, PAY_WX_REFUND, "is about another order");
	copy_str(rf->refund_id, sizeof rf->refund_id, id);
	rf->state = (pay_refund_state)st;
	return PR_OK;
}

pay_result pay_wechat_parse(pay_wx_call call, long status, const char *body, size_t len,
			    const char *no, pay_order *o, pay_refund *rf, kerr *err)
{
	bool ok_status = status >= 200 && status < 300;
	if (ok_status && (call == PAY_WX_CREATE || call == PAY_WX_QUERY) && !o) {
		kerr_set(err, no, "nowhere to put the order");
		return PR_INVALID;
	}
	if (ok_status && call == PAY_WX_REFUND && !rf) {
		kerr_set(err, no, "nowhere to put the refund");
		return PR_INVALID;
	}
	if ((unsigned)call > PAY_WX_REFUND) {
		kerr_set(err, no, "unknown call (the trade bill is read by pay_bill_download)");
		return PR_INVALID;
	}
	if (no && !pay_trade_no_valid(no))
		no = NULL;
	if (len > BODY_MAX || (!body && len))
		return gateway_fault(err, no, call, "is too large");
	cJSON *j = len ? cJSON_ParseWithLength(body, len) : NULL;
	pay_result r;
	if (ok_status) {
		if (call == PAY_WX_CLOSE) {
			r = PR_OK; /* 204: closed, nothing else to read */
		} else if (!cJSON_IsObject(j)) {
			r = gateway_fault(err, no, call, "is not a JSON object");
		} else if (call == PAY_WX_CREATE) {
			r = parse_create(j, no, o, err);
		} else if (call == PAY_WX_QUERY) {
			r = parse_query(j, no, o, err);
		} else {
			r = parse_refund(j, no, rf, err);
		}
	} else if (status >= 400 && status < 600) {
		r = error_body(call, status, cJSON_IsObject(j) ? j : NULL, no, o, err);
	} else {
		kerr_set(err, no, "%s: WeChat Pay answered HTTP %ld, which is not an answer of "
			 "the API", pay_wx_call_name(call), status);
		r = PR_GATEWAY;
	}
	cJSON_Delete(j);
	return r;
}

/* ---- HTTP ---- */

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	wx_http *h = ud;
	size_t len = size * n;
	if (h->len + len > (h->max ? h->max : BODY_MAX)) {
		h->too_big = true;
		return 0; /* stop: no gateway answer is this big */
	}
	if (h->len + len + 1 > h->cap) {
		size_t cap = h->cap ? h->cap : 1024;
		while (cap < h->len + len + 1)
			cap *= 2;
		char *nb = realloc(h->body, cap);
		if (!nb)
			return 0;
		h->body = nb;
		h->cap = cap;
	}
	memcpy(h->body + h->len, p, len);
	h->len += len;
	h->body[h->len] = '\0';
	return len;
}

/* Keep the Wechatpay-* headers of the final answer. A value that does not
 * fit is dropped, which then fails verification as missing. */
static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	wx_http *h = ud;
	size_t len = size * n;
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new answer (after 100 Continue, say): forget the last one's */
		h->ts[0] = h->nonce[0] = h->sig[0] = h->serial[0] = h->request_id[0] = '\0';
		return len;
	}
	const char *colon = memchr(p, ':', len);
	if (!colon)
		return len;
	size_t nl = (size_t)(colon - p);
	const char *v = colon + 1;
	const char *end = p + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
		end--;
	size_t vl = (size_t)(end - v);
	struct {
		const char *name;
		char *dst;
		size_t cap;
	} f[] = {
		{ "Wechatpay-Timestamp", h->ts, sizeof h->ts },
		{ "Wechatpay-Nonce", h->nonce, sizeof h->nonce },
		{ "Wechatpay-Signature", h->sig, sizeof h->sig },
		{ "Wechatpay-Serial", h->serial, sizeof h->serial },
		{ "Request-ID", h->request_id, sizeof h->request_id },
	};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		if (strlen(f[i].name) != nl || strncasecmp(p, f[i].name, nl) != 0)
			continue;
		if (vl < f[i].cap && !memchr(v, '\0', vl)) {
			memcpy(f[i].dst, v, vl);
			f[i].dst[vl] = '\0';
		} else {
			f[i].dst[0] = '\0';
		}
	}
	return len;
}

static void http_reset(wx_http *h)
{
	char *body = h->body;
	size_t cap = h->cap, max = h->max;
	memset(h, 0, sizeof *h);
	h->body = body;
	h->cap = cap;
	h->max = max;
	if (body)
		body[0] = '\0';
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* One exchange with retries. PR_OK: h holds a final answer (not 5xx/429)
 * still to be verified; PR_NETWORK / PR_GATEWAY after the last try. */
static pay_result exchange_at(wx_pay *w, const char *method, const char *url,
			      const char *signed_url, const char *body, wx_http *h, pay_wx_call call,
			      const char *no, kerr *err);

static pay_result exchange(wx_pay *w, const char *method, const char *path_q, const char *body,
			   wx_http *h, pay_wx_call call, const char *no, kerr *err)
{
	size_t ul = strlen(w->base) + strlen(path_q) + 1;
	size_t sl = strlen(w->prefix) + strlen(path_q) + 1;
	char *url = malloc(ul), *signed_url = malloc(sl);
	if (!url || !signed_url) {
		free(url);
		free(signed_url);
		kerr_set(err, no, "%s: out of memory", pay_wx_call_name(call));
		return PR_NETWORK;
	}
	snprintf(url, ul, "%s%s", w->base, path_q);
	snprintf(signed_url, sl, "%s%s", w->prefix, path_q);
	pay_result r = exchange_at(w, method, url, signed_url, body, h, call, no, err);
	free(url);
	free(signed_url);
	return r;
}

/* One exchange with url (absolute) whose signed part (path and query as
 * sent) is signed_url. */
static pay_result exchange_at(wx_pay *w, const char *method, const char *url,
			      const char *signed_url, const char *body, wx_http *h, pay_wx_call call,
			      const char *no, kerr *err)
{
	pay_result r = PR_NETWORK;
	char why[256] = "";
	int64_t start = mono_ms();
	int tries_done = 0;
	long backoff = w->backoff_ms;
	for (int t = 0; t < w->tries; t++) {
		if (t > 0) {
			if (mono_ms() - start + backoff >= w->deadline_ms)
				break;
			sleep_ms(backoff);
			backoff *= 3;
		}
		long left = w->deadline_ms - (long)(mono_ms() - start);
		if (left < 50)
			break;
		http_reset(h);
		char nonce[WX_NONCE_LEN + 1];
		char auth[AUTH_MAX + 32] = "Authorization: ";
		size_t al = strlen(auth);
		if (wx_nonce(nonce) != 0 ||
		    wx_authorization(w->key, w->mchid, w->serial, method, signed_url, body,
				     (long long)(clock_now_ms() / 1000), nonce, auth + al,
				     sizeof auth - al, err) != 0) {
			if (!err || !err->msg[0])
				kerr_set(err, no, "%s: could not sign the request",
					 pay_wx_call_name(call));
			r = PR_INVALID;
			goto out;
		}
		struct curl_slist *hdr = NULL, *tmp;
		const char *fixed[] = { "Accept: application/json",
					"Content-Type: application/json",
					"Expect:", auth };
		for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
			if (i == 1 && !body)
				continue;
			tmp = curl_slist_append(hdr, fixed[i]);
			if (!tmp) {
				curl_slist_free_all(hdr);
				OPENSSL_cleanse(auth, sizeof auth);
				kerr_set(err, no, "%s: out of memory", pay_wx_call_name(call));
				r = PR_NETWORK;
				goto out;
			}
			hdr = tmp;
		}
		CURL *c = w->curl;
		curl_easy_setopt(c, CURLOPT_URL, url);
		if (body) {
			curl_easy_setopt(c, CURLOPT_POST, 1L);
			curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		} else {
			curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
		}
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
		long to = left < w->timeout_ms ? left : w->timeout_ms;
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, to);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, to);
		CURLcode cc = curl_easy_perform(c);
		tries_done++;
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
		curl_slist_free_all(hdr);
		OPENSSL_cleanse(auth, sizeof auth);
		if (h->too_big) {
			kerr_set(err, no, "%s: the answer is over %zu bytes, which no gateway answer is",
				 pay_wx_call_name(call), h->max ? h->max : (size_t)BODY_MAX);
			r = PR_GATEWAY;
			goto out;
		}
		if (cc != CURLE_OK) {
			snprintf(why, sizeof why, "%s", curl_easy_strerror(cc));
			r = PR_NETWORK;
			continue;
		}
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &h->status);
		if (h->status >= 500 || h->status == 429) {
			snprintf(why, sizeof why, "HTTP %ld", h->status);
			r = PR_GATEWAY;
			continue;
		}
		r = PR_OK;
		goto out;
	}
	if (r == PR_NETWORK)
		kerr_set(err, no, "%s: no answer from WeChat Pay at %s after %d %s (%s); try again, "
			 "the order number stays the same", pay_wx_call_name(call), w->base,
			 tries_done, tries_done == 1 ? "try" : "tries", why[0] ? why : "out of time");
	else
		kerr_set(err, no, "%s: WeChat Pay was busy (%s) after %d %s; try again in a moment, "
			 "the order number stays the same", pay_wx_call_name(call), why,
			 tries_done, tries_done == 1 ? "try" : "tries");
out:
	return r;
}

static bool id_text(const char *s, size_t max, bool digits_only)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool dig = c >= '0' && c <= '9';
		bool alnum = dig || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
			     c == '-';
		if (digits_only ? !dig : !alnum)
			return false;
	}
	return true;
}

/* Verify h: PR_OK when it is a verified final answer to read. A 5xx/429
 * answer (after the last try) is only looked at when it verifies, for
 * WeChat's message. */
static pay_result check_answer(wx_pay *w, pay_result got, wx_http *h, pay_wx_call call,
			       const char *no, kerr *err)
{
	kerr verr = { { 0 }, { 0 } };
	bool verified = (got == PR_OK || got == PR_GATEWAY) &&
			wx_verify_response(w->ring, h->ts, h->nonce, h->sig, h->serial,
					   h->body ? h->body : "", h->len, clock_now_ms(), &verr) == 0;
	if (got == PR_GATEWAY) {
		if (verified) {
			kerr busy = { { 0 }, { 0 } };
			cJSON *j = h->len ? cJSON_ParseWithLength(h->body, h->len) : NULL;
			error_body(call, h->status, cJSON_IsObject(j) ? j : NULL, no, NULL, &busy);
			cJSON_Delete(j);
			if (busy.msg[0] && err) {
				size_t l = strlen(err->msg);
				snprintf(err->msg + l, sizeof err->msg - l, " [%s]", busy.msg);
			}
		}
		return PR_GATEWAY;
	}
	if (got != PR_OK)
		return got;
	if (!verified) {
		/* Request-ID is quoted (for WeChat's support) only when it is a plain id:
		 * nothing unverified may put words on the clerk's screen. */
		bool rid = id_text(h->request_id, 64, false);
		kerr_set(err, no, "%s: the answer (HTTP %ld%s%s) failed verification: %s%s%s; it is "
			 "not trusted and nothing in it was used", pay_wx_call_name(call),
			 h->status, rid ? ", Request-ID " : "", rid ? h->request_id : "", verr.where,
			 verr.where[0] ? ": " : "", verr.msg);
		return PR_UNVERIFIED;
	}
	return PR_OK;
}

/* Verify h, then read it. */
static pay_result answer(wx_pay *w, pay_result got, wx_http *h, pay_wx_call call,
			 const char *no, pay_order *o, pay_refund *rf, kerr *err)
{
	pay_result r = check_answer(w, got, h, call, no, err);
	if (r != PR_OK)
		return r;
	return pay_wechat_parse(call, h->status, h->body, h->len, no, o, rf, err);
}

/* "/v3/…/<no>…": out_trade_no is of [0-9A-Za-z_-|*]; '|' is sent encoded. */
static void path_no(char *out, size_t n, const char *no)
{
	size_t o = 0;
	for (; *no && o + 4 < n; no++) {
		if (*no == '|') {
			memcpy(out + o, "%7C", 3);
			o += 3;
		} else {
			out[o++] = *no;
		}
	}
	out[o] = '\0';
}

/* Shanghai wall time of a UTC ms instant, as RFC 3339 with +08:00. */
static void rfc3339_shanghai(int64_t utc_ms, char out[32])
{
	int64_t s = utc_ms / 1000 + 8 * 3600;
	long day = (long)(s / 86400);
	long sec = (long)(s % 86400);
	if (sec < 0) {
		sec += 86400;
		day--;
	}
	int y, m, d;
	civil_to_ymd(day, &y, &m, &d);
	snprintf(out, 32, "%04d-%02d-%02dT%02ld:%02ld:%02ld+08:00", y % 10000, m, d, sec / 3600,
		 sec / 60 % 60, sec % 60);
}

static char *json_text(cJSON *j)
{
	char *s = j ? cJSON_PrintUnformatted(j) : NULL;
	cJSON_Delete(j);
	return s;
}

/* ---- the operations ---- */

static pay_result wx_query(void *ctx, const char *no, pay_order *out, kerr *err)
{
	wx_pay *w = ctx;
	char path[256], enc[128];
	path_no(enc, sizeof enc, no);
	snprintf(path, sizeof path, "/v3/pay/transactions/out-trade-no/%s?mchid=%s", enc, w->mchid);
	wx_http h = { 0 };
	pay_result r = exchange(w, "GET", path, NULL, &h, PAY_WX_QUERY, no, err);
	pay_order got;
	memset(&got, 0, sizeof got);
	got.state = PAY_NOTFOUND;
	r = answer(w, r, &h, PAY_WX_QUERY, no, &got, NULL, err);
	free(h.body);
	if (r == PR_OK) {
		got.verified = true;
		*out = got;
	}
	return r;
}

static pay_result wx_create(void *ctx, pay_order *o, kerr *err)
{
	wx_pay *w = ctx;
	char expire[32];
	rfc3339_shanghai(o->expire_ms, expire);
	cJSON *j = cJSON_CreateObject();
	cJSON *amount = cJSON_CreateObject();
	bool ok = j && amount && cJSON_AddStringToObject(j, "appid", w->appid) &&
		  cJSON_AddStringToObject(j, "mchid", w->mchid) &&
		  cJSON_AddStringToObject(j, "description", o->description) &&
		  cJSON_AddStringToObject(j, "out_trade_no", o->out_trade_no) &&
		  cJSON_AddStringToObject(j, "time_expire", expire) &&
		  cJSON_AddStringToObject(j, "notify_url", w->notify_url) &&
		  cJSON_AddNumberToObject(amount, "total", (double)o->amount_fen) &&
		  cJSON_AddStringToObject(amount, "currency", "CNY");
	if (ok && cJSON_AddItemToObject(j, "amount", amount))
		amount = NULL;
	else
		ok = false;
	cJSON_Delete(amount);
	char *body = ok ? json_text(j) : (cJSON_Delete(j), NULL);
	if (!body) {
		kerr_set(err, o->out_trade_no, "create order: out of memory");
		return PR_NETWORK;
	}
	wx_http h = { 0 };
	pay_result r = exchange(w, "POST", "/v3/pay/transactions/native", body, &h, PAY_WX_CREATE,
				o->out_trade_no, err);
	free(body);
	pay_order got = *o;
	r = answer(w, r, &h, PAY_WX_CREATE, o->out_trade_no, &got, NULL, err);
	free(h.body);
	if (r == PR_OK) {
		got.verified = true;
		*o = got;
		return PR_OK;
	}
	if (r == PR_DUPLICATE) {
		/* WeChat says "number used" also for a paid or closed order: the
		 * query tells which, so the screen can say the right thing. */
		pay_order q;
		kerr qerr = { { 0 }, { 0 } };
		if (wx_query(ctx, o->out_trade_no, &q, &qerr) == PR_OK) {
			if (q.state == PAY_SUCCESS || q.state == PAY_REFUND)
				r = PR_PAID;
			else if (q.state == PAY_CLOSED || q.state == PAY_REVOKED)
				r = PR_CLOSED;
		}
	}
	return r;
}

static pay_result wx_close(void *ctx, const char *no, kerr *err)
{
	wx_pay *w = ctx;
	char path[256], enc[128];
	path_no(enc, sizeof enc, no);
	snprintf(path, sizeof path, "/v3/pay/transactions/out-trade-no/%s/close", enc);
	cJSON *j = cJSON_CreateObject();
	char *body = j && cJSON_AddStringToObject(j, "mchid", w->mchid) ? json_text(j)
									 : (cJSON_Delete(j), NULL);
	if (!body) {
		kerr_set(err, no, "close order: out of memory");
		return PR_NETWORK;
	}
	wx_http h = { 0 };
	pay_result r = exchange(w, "POST", path, body, &h, PAY_WX_CLOSE, no, err);
	free(body);
	r = answer(w, r, &h, PAY_WX_CLOSE, no, NULL, NULL, err);
	free(h.body);
	if (r == PR_CLOSED) /* already closed: that is what was asked */
		r = PR_OK;
	return r;
}

static pay_result wx_refund(void *ctx, pay_refund *rf, kerr *err)
{
	wx_pay *w = ctx;
	cJSON *j = cJSON_CreateObject();
	cJSON *amount = cJSON_CreateObject();
	/* one of the two (WeChat's 二选一): a charge of its own, by its
	 * transaction id, or the order's payment, by out_trade_no */
	bool by_tx = rf->transaction_id[0] != '\0';
	bool ok = j && amount &&
		  cJSON_AddStringToObject(j, by_tx ? "transaction_id" : "out_trade_no",
					  by_tx ? rf->transaction_id : rf->out_trade_no) &&
		  cJSON_AddStringToObject(j, "out_refund_no", rf->out_refund_no) &&
		  (!rf->reason[0] || cJSON_AddStringToObject(j, "reason", rf->reason)) &&
		  cJSON_AddStringToObject(j, "notify_url", w->notify_url) &&
		  cJSON_AddNumberToObject(amount, "refund", (double)rf->refund_fen) &&
		  cJSON_AddNumberToObject(amount, "total", (double)rf->total_fen) &&
		  cJSON_AddStringToObject(amount, "currency", "CNY");
	if (ok && cJSON_AddItemToObject(j, "amount", amount))
		amount = NULL;
	else
		ok = false;
	cJSON_Delete(amount);
	char *body = ok ? json_text(j) : (cJSON_Delete(j), NULL);
	if (!body) {
		kerr_set(err, rf->out_trade_no, "refund: out of memory");
		return PR_NETWORK;
	}
	wx_http h = { 0 };
	pay_result r = exchange(w, "POST", "/v3/refund/domestic/refunds", body, &h, PAY_WX_REFUND,
				rf->out_trade_no, err);
	free(body);
	pay_refund got = *rf;
	r = answer(w, r, &h, PAY_WX_REFUND, rf->out_trade_no, NULL, &got, err);
	free(h.body);
	if (r == PR_OK) {
		got.verified = true;
		*rf = got;
	}
	return r;
}

/* ---- the trade bill ---- */

static bool hex40(const char *s)
{
	if (!s || strlen(s) != 40)
		return false;
	for (int i = 0; i < 40; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

/* The verified answer to GET /v3/bill/tradebill: PR_OK with the download
 * address and SHA-1, PR_OK with *empty for NO_STATEMENT_EXIST, or why not. */
static pay_result bill_answer(wx_pay *w, const wx_http *h, char **url, char sha1[41],
			      bool *empty, kerr *err)
{
	const char *what = "trade bill";
	cJSON *j = h->len ? cJSON_ParseWithLength(h->body, h->len) : NULL;
	pay_result r = PR_OK;
	if (h->status < 200 || h->status >= 300) {
		const char *code = cJSON_IsObject(j) ? jstr(j, "code") : NULL;
		if (code && strcmp(code, "NO_STATEMENT_EXIST") == 0) {
			*empty = true;
		} else if (code && strcmp(code, "STATEMENT_CREATING") == 0) {
			kerr_set(err, "bill_date", "%s: WeChat Pay has not made the bill of that day yet "
				 "(STATEMENT_CREATING): it is ready after about 10:00 the next day; "
				 "try again later", what);
			r = PR_REFUSED;
		} else {
			r = error_body(PAY_WX_BILL, h->status, cJSON_IsObject(j) ? j : NULL, NULL, NULL,
				       err);
			if (r == PR_OK)
				r = PR_REFUSED;
		}
		cJSON_Delete(j);
		return r;
	}
	const char *type = cJSON_IsObject(j) ? jstr(j, "hash_type") : NULL;
	const char *value = cJSON_IsObject(j) ? jstr(j, "hash_value") : NULL;
	const char *u = cJSON_IsObject(j) ? jstr(j, "download_url") : NULL;
	size_t origin = (size_t)(w->prefix - w->base);
	if (!type || strcmp(type, "SHA1") != 0 || !hex40(value)) {
		r = gateway_fault(err, NULL, PAY_WX_BILL, "names no SHA1 hash_value");
	} else if (!u || strlen(u) > 2048 || strncmp(u, w->base, origin) != 0 || u[origin] != '/' ||
		   !printable_id(u, 2048)) {
		/* the download is signed with the merchant key: never sent to another host */
		r = gateway_fault(err, NULL, PAY_WX_BILL, "has a download_url that is not on the "
				  "gateway's host");
	} else if (!(*url = kini_strdup(u))) {
		kerr_set(err, NULL, "%s: out of memory", what);
		r = PR_NETWORK;
	} else {
		for (int i = 0; i < 40; i++)
			sha1[i] = (char)(value[i] >= 'A' && value[i] <= 'F' ? value[i] + 32 : value[i]);
		sha1[40] = '\0';
	}
	cJSON_Delete(j);
	return r;
}

static pay_result wx_bill(void *ctx, long day, pay_bill_file *out, kerr *err)
{
	wx_pay *w = ctx;
	char date[16], path[160];
	civil_format(day, date, sizeof date);
	snprintf(path, sizeof path, "/v3/bill/tradebill?bill_date=%s&bill_type=ALL&tar_type=GZIP",
		 date);
	size_t origin = (size_t)(w->prefix - w->base);
	pay_result r = PR_GATEWAY;
	/* the download address lives a short while: one that expired before it
	 * was used is asked for again, once */
	for (int attempt = 0; attempt < 2; attempt++) {
		wx_http h = { 0 };
		char *url = NULL, sha1[41] = "";
		bool empty = false;
		r = exchange(w, "GET", path, NULL, &h, PAY_WX_BILL, NULL, err);
		r = check_answer(w, r, &h, PAY_WX_BILL, NULL, err);
		if (r == PR_OK)
			r = bill_answer(w, &h, &url, sha1, &empty, err);
		free(h.body);
		if (r != PR_OK || empty) {
			out->empty = r == PR_OK;
			return r;
		}
		/* the download's answer carries no signature (WeChat signs only the
		 * answer naming the file): its SHA-1 is checked instead */
		wx_http d = { .max = BILL_GZ_MAX };
		r = exchange_at(w, "GET", url, url + origin, NULL, &d, PAY_WX_BILL, NULL, err);
		free(url);
		if (r != PR_OK) {
			free(d.body);
			return r;
		}
		if (d.status != 200) {
			free(d.body);
			kerr_set(err, "download_url", "trade bill: the download answered HTTP %ld%s",
				 d.status, attempt == 0 ? "" : " again after a fresh address; try later");
			r = PR_GATEWAY;
			continue;
		}
		char *text = NULL;
		size_t len = 0;
		int z = bill_gunzip(d.body ? d.body : "", d.len, BILL_TEXT_MAX, &text, &len, err);
		free(d.body);
		if (z != 0)
			return PR_UNVERIFIED;
		char got[41];
		bill_sha1_hex(text, len, got);
		if (strcmp(got, sha1) != 0) {
			free(text);
			kerr_set(err, "hash_value", "trade bill: the file's SHA-1 is %s, the gateway's "
				 "answer says %s: the download is damaged and was not used", got, sha1);
			return PR_UNVERIFIED;
		}
		out->text = text;
		out->len = len;
		memcpy(out->sha1, sha1, sizeof out->sha1);
		return PR_OK;
	}
	return r;
}

static void wx_free(void *ctx)
{
	wx_pay *w = ctx;
	if (!w)
		return;
	if (w->curl) {
		curl_easy_cleanup(w->curl);
		curl_global_cleanup();
	}
	EVP_PKEY_free(w->key);
	wx_keyring_free(w->ring);
	free(w->base);
	free(w->appid);
	free(w->mchid);
	free(w->serial);
	free(w->notify_url);
	free(w);
}

static const pay_ops wechat_ops = {
	.name = "wechat",
	.create = wx_create,
	.query = wx_query,
	.close = wx_close,
	.free = wx_free,
	.refund = wx_refund,
	.bill = wx_bill,
};

/* ---- construction ---- */

/* https://…, or http:// to 127.0.0.0/8, [::1] or localhost (which libcurl
 * resolves to loopback itself, never through DNS). The path part (if any)
 * goes into *prefix_at. */
static int url_ok(const char *u, const char *key, bool *plain, size_t *prefix_at, kerr *err)
{
	const char *host;
	*plain = false;
	if (strncmp(u, "https://", 8) == 0) {
		host = u + 8;
	} else if (strncmp(u, "http://", 7) == 0) {
		host = u + 7;
		*plain = true;
	} else {
		return kerr_set(err, key, "'%s' must start with https://", u);
	}
	size_t hl = strcspn(host, "/?#");
	if (hl == 0 || host[hl] == '?' || host[hl] == '#' || strchr(host, '@'))
		return kerr_set(err, key, "'%s' is not a plain https://host[:port][/path] address", u);
	if (*plain) {
		char h[64];
		size_t nl = hl;
		if (host[0] == '[') {
			const char *rb = memchr(host, ']', hl);
			nl = rb ? (size_t)(rb - host) + 1 : hl;
		} else {
			const char *colon = memchr(host, ':', hl);
			nl = colon ? (size_t)(colon - host) : hl;
		}
		if (nl >= sizeof h)
			return kerr_set(err, key, "'%s': plain http:// only to 127.0.0.1, [::1] or "
					"localhost", u);
		memcpy(h, host, nl);
		h[nl] = '\0';
		struct in_addr a4;
		bool loop = strcmp(h, "[::1]") == 0 || strcmp(h, "localhost") == 0 ||
			    (inet_pton(AF_INET, h, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127);
		if (!loop)
			return kerr_set(err, key, "'%s': plain http:// is allowed only to this "
					"computer (127.0.0.0/8, [::1], localhost) for the simulator; "
					"use https://", u);
	}
	if (prefix_at)
		*prefix_at = (size_t)(host - u) + hl;
	return 0;
}

pay_dev *pay_wechat_new(const kiosk_payment_cfg *cfg, kerr *err)
{
	if (!cfg) {
		kerr_set(err, "[payment]", "no payment settings");
		return NULL;
	}
	if (!id_text(cfg->appid, 32, false)) {
		kerr_set(err, "appid", "'%s' is not an AppID (1-32 of A-Z a-z 0-9 _ -); set the "
			 "merchant's AppID in kiosk.ini [payment]", cfg->appid ? cfg->appid : "");
		return NULL;
	}
	if (!id_text(cfg->mchid, 32, true)) {
		kerr_set(err, "mchid", "'%s' is not a merchant number (digits); set it in kiosk.ini "
			 "[payment]", cfg->mchid ? cfg->mchid : "");
		return NULL;
	}
	if (!id_text(cfg->merchant_serial, WX_SERIAL_MAX, false)) {
		kerr_set(err, "merchant_serial", "'%s' is not a certificate serial (hex); copy it "
			 "from the merchant platform",
			 cfg->merchant_serial ? cfg->merchant_serial : "");
		return NULL;
	}
	bool plain;
	size_t at = 0;
	if (!cfg->base_url || url_ok(cfg->base_url, "base_url", &plain, &at, err) != 0 ||
	    !cfg->notify_url || url_ok(cfg->notify_url, "notify_url", &plain, NULL, err) != 0) {
		if (err && !err->msg[0])
			kerr_set(err, "[payment]", "base_url and notify_url are needed");
		return NULL;
	}
	wx_pay *w = calloc(1, sizeof *w);
	pay_dev *dev = calloc(1, sizeof *dev);
	if (!w || !dev) {
		free(w);
		free(dev);
		kerr_set(err, NULL, "out of memory");
		return NULL;
	}
	w->tries = 3;
	w->timeout_ms = 2000;
	w->backoff_ms = 150;
	w->deadline_ms = 4000;
	size_t bl = strlen(cfg->base_url);
	while (bl > at && cfg->base_url[bl - 1] == '/')
		bl--;
	w->base = malloc(bl + 1);
	if (w->base) {
		memcpy(w->base, cfg->base_url, bl);
		w->base[bl] = '\0';
		w->prefix = w->base + at;
	}
	w->appid = kini_strdup(cfg->appid);
	w->mchid = kini_strdup(cfg->mchid);
	w->serial = kini_strdup(cfg->merchant_serial);
	w->notify_url = kini_strdup(cfg->notify_url);
	if (!w->base || !w->appid || !w->mchid || !w->serial || !w->notify_url) {
		kerr_set(err, NULL, "out of memory");
		goto fail;
	}
	if (!(w->key = wx_private_key_load(cfg->private_key_file, "private_key_file", err)) ||
	    wx_apiv3_key_check(cfg->apiv3_key_file, "apiv3_key_file", err) != 0 ||
	    !(w->ring = wx_keyring_load_dir(cfg->platform_keys_dir, err)))
		goto fail;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		kerr_set(err, NULL, "libcurl could not start");
		goto fail;
	}
	if (!(w->curl = curl_easy_init())) {
		curl_global_cleanup();
		kerr_set(err, NULL, "libcurl could not start");
		goto fail;
	}
	CURL *c = w->curl;
	bool ok = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK &&
		  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK &&
		  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK &&
		  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
		  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
		  curl_easy_setopt(c, CURLOPT_USERAGENT, "scca-kiosk/1 libcurl") == CURLE_OK &&
		  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
		  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK;
	if (plain) /* the simulator: never through a proxy from the environment */
		ok = ok && curl_easy_setopt(c, CURLOPT_NOPROXY, "*") == CURLE_OK;
	if (!ok) {
		kerr_set(err, NULL, "libcurl refused an option (version too old?)");
		goto fail;
	}
	dev->ops = &wechat_ops;
	dev->ctx = w;
	return dev;
fail:
	wx_free(w);
	free(dev);
	return NULL;
}

int pay_wechat_set_limits(pay_dev *dev, int tries, long timeout_ms, long backoff_ms, kerr *err)
{
	if (!dev || dev->ops != &wechat_ops)
		return kerr_set(err, NULL, "not the WeChat Pay client ('%s')", pay_dev_name(dev));
	if (tries < 1 || tries > 10 || timeout_ms < 100 || timeout_ms > 60000 || backoff_ms < 0 ||
	    backoff_ms > 10000)
		return kerr_set(err, NULL, "tries 1-10, timeout 100-60000 ms, backoff 0-10000 ms");
	wx_pay *w = dev->ctx;
	w->tries = tries;
	w->timeout_ms = timeout_ms;
	w->backoff_ms = backoff_ms;
	/* Room for every try and the pauses between them. */
	long total = 0, b = backoff_ms;
	for (int t = 0; t < tries; t++, b *= 3)
		total += timeout_ms + (t ? b / 3 : 0);
	w->deadline_ms = total;
	return 0;
}

int pay_wechat_files_check(const kiosk_payment_cfg *p, kerr *err)
{
	if (!p || !p->mode || strcmp(p->mode, "wechat") != 0)
		return 0;
	if (wx_secret_file_check(p->private_key_file, "private_key_file", err) != 0 ||
	    wx_secret_file_check(p->apiv3_key_file, "apiv3_key_file", err) != 0)
		return -1;
	struct stat sb;
	if (!p->platform_keys_dir || stat(p->platform_keys_dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return kerr_set(err, p->platform_keys_dir ? p->platform_keys_dir : "",
				"platform_keys_dir: not a directory; put the WeChat Pay platform "
				"certificates (<serial>.pem) or public key (PUB_KEY_ID_….pem) in one");
	return 0;
}
