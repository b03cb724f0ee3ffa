/* token_profile: encoding and decoding of what the profile stores on a key
 * (see token_profile.h and docs/token-profile.md). */
#include "core/token/token_profile.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "core/token/iso7816.h"
#include "core/base/kini.h"
#include "core/base/civil.h"

const uint8_t tp_aid[TP_AID_LEN] = { TP_AID_BYTES };
const uint8_t tp_piv_aid[TP_PIV_AID_LEN] = { TP_PIV_AID_BYTES };
const uint8_t tp_piv_factory_mgm[TP_PIV_MGM_LEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8,
};

/* ---- status object ---- */

static bool copy_text(char *dst, size_t cap, const iso_tlv *t)
{
	if (t->len >= cap || memchr(t->value, '\0', t->len))
		return false;
	memcpy(dst, t->value, t->len);
	dst[t->len] = '\0';
	return true;
}

int tp_status_decode(const uint8_t *p, size_t n, tp_status *out)
{
	memset(out, 0, sizeof *out);
	out->user_max = out->user_left = out->admin_max = out->admin_left = -1;
	iso_tlv top, t;
	if (iso_tlv_parse(p, n, &top) != 0 || top.tag != 0xE0)
		return -1;
	if (iso_tlv_find(top.value, top.len, 0x80, &t) != 1 ||
	    !copy_text(out->serial, sizeof out->serial, &t) || !token_serial_valid(out->serial))
		return -1;
	if (iso_tlv_find(top.value, top.len, 0x81, &t) != 1 || t.len != 1)
		return -1;
	out->lcs = t.value[0];
	int rc = iso_tlv_find(top.value, top.len, 0x82, &t);
	if (rc < 0 || (rc == 1 && t.len != 2))
		return -1;
	if (rc == 1) {
		out->user_max = t.value[0];
		out->user_left = t.value[1];
	}
	rc = iso_tlv_find(top.value, top.len, 0x83, &t);
	if (rc < 0 || (rc == 1 && t.len != 2))
		return -1;
	if (rc == 1) {
		out->admin_max = t.value[0];
		out->admin_left = t.value[1];
	}
	rc = iso_tlv_find(top.value, top.len, 0x84, &t);
	if (rc < 0 || (rc == 1 && t.len != 1))
		return -1;
	out->has_key = rc == 1 && t.value[0] == 1;
	out->key_alg = TP_ALG_P256;
	rc = iso_tlv_find(top.value, top.len, 0x85, &t);
	if (rc < 0 || (rc == 1 && (t.len != 1 || tp_key_alg_of(t.value[0]) < 0)))
		return -1;
	if (rc == 1)
		out->key_alg = t.value[0];
	if (out->user_left > out->user_max || out->admin_left > out->admin_max)
		return -1;
	return 0;
}

size_t tp_status_encode(const tp_status *s, uint8_t *out, size_t cap)
{
	uint8_t in[96];
	iso_buf b;
	iso_buf_init(&b, in, sizeof in);
	iso_buf_tlv(&b, 0x80, s->serial, strlen(s->serial));
	iso_buf_tlv(&b, 0x81, &s->lcs, 1);
	if (s->user_max >= 0) {
		uint8_t v[2] = { (uint8_t)s->user_max, (uint8_t)s->user_left };
		iso_buf_tlv(&b, 0x82, v, 2);
	}
	if (s->admin_max >= 0) {
		uint8_t v[2] = { (uint8_t)s->admin_max, (uint8_t)s->admin_left };
		iso_buf_tlv(&b, 0x83, v, 2);
	}
	uint8_t k = s->has_key ? 1 : 0;
	iso_buf_tlv(&b, 0x84, &k, 1);
	/* a P-256 pair is the profile's first and says nothing more */
	if (s->has_key && s->key_alg && s->key_alg != TP_ALG_P256)
		iso_buf_tlv(&b, 0x85, &s->key_alg, 1);
	iso_buf o;
	iso_buf_init(&o, out, cap);
	iso_buf_tlv(&o, 0xE0, in, b.len);
	return b.overflow || o.overflow ? 0 : o.len;
}

int tp_key_alg_of(uint8_t ref)
{
	return ref == TP_ALG_P256 ? KEY_ALG_P256 : ref == TP_ALG_SM2 ? KEY_ALG_SM2 : -1;
}

uint8_t tp_alg_ref(key_alg alg)
{
	return alg == KEY_ALG_SM2 ? TP_ALG_SM2 : TP_ALG_P256;
}

/* ---- dates ---- */

bool tp_date_encode(long day, char out[8])
{
	if (day < 0)
		return false;
	int y, m, d;
	civil_to_ymd(day, &y, &m, &d);
	if (y < 1970 || y > 9999)
		return false;
	char buf[16];
	snprintf(buf, sizeof buf, "%04d%02d%02d", y, m, d);
	memcpy(out, buf, 8);
	return true;
}

bool tp_date_decode(const uint8_t *p, size_t n, long *day)
{
	if (n != 8)
		return false;
	char s[11];
	for (int i = 0; i < 8; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	/* civil_parse checks that the day exists */
	snprintf(s, sizeof s, "%.4s-%.2s-%.2s", (const char *)p, (const char *)p + 4,
		 (const char *)p + 6);
	return civil_parse(s, day) && *day >= 0;
}

/* ---- the info record ---- */

static bool sha256(const void *p, size_t n, uint8_t out[32])
{
	unsigned int len = 0;
	return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) == 1 && len == 32;
}

static bool record_fields_ok(const tp_record *r)
{
	size_t un = strlen(r->unit_name);
	return token_serial_valid(r->serial) && un >= 1 && un <= TOKEN_UNIT_MAX &&
	       kini_utf8_valid(r->unit_name, un, NULL) && token_uscc_valid(r->uscc) &&
	       token_cert_serial_valid(r->cert_serial) && r->not_before >= 0 &&
	       r->not_after >= r->not_before && r->seal_not_after >= -1 &&
	       (r->cert_slot == 1 || r->cert_slot == 2) && r->cert_len >= 1 &&
	       r->cert_len <= TP_CERT_SIZE;
}

size_t tp_record_encode(const tp_record *r, uint8_t *out, size_t cap)
{
	if (!r || !out || !record_fields_ok(r))
		return 0;
	uint8_t in[TP_RECORD_MAX];
	iso_buf b;
	iso_buf_init(&b, in, sizeof in);
	uint8_t v = TP_RECORD_VERSION;
	iso_buf_tlv(&b, 0x80, &v, 1);
	uint8_t seq[4] = { (uint8_t)(r->seq >> 24), (uint8_t)(r->seq >> 16), (uint8_t)(r->seq >> 8),
			   (uint8_t)r->seq };
	iso_buf_tlv(&b, 0x81, seq, 4);
	iso_buf_tlv(&b, 0x82, r->serial, strlen(r->serial));
	iso_buf_tlv(&b, 0x83, r->unit_name, strlen(r->unit_name));
	iso_buf_tlv(&b, 0x84, r->uscc, strlen(r->uscc));
	iso_buf_tlv(&b, 0x85, r->cert_serial, strlen(r->cert_serial));
	char d[8];
	if (!tp_date_encode(r->not_before, d))
		return 0;
	iso_buf_tlv(&b, 0x86, d, 8);
	if (!tp_date_encode(r->not_after, d))
		return 0;
	iso_buf_tlv(&b, 0x87, d, 8);
	if (r->seal_not_after >= 0) {
		if (!tp_date_encode(r->seal_not_after, d))
			return 0;
		iso_buf_tlv(&b, 0x88, d, 8);
	}
	uint8_t slot = (uint8_t)r->cert_slot;
	iso_buf_tlv(&b, 0x89, &slot, 1);
	uint8_t len[2] = { (uint8_t)(r->cert_len >> 8), (uint8_t)r->cert_len };
	iso_buf_tlv(&b, 0x8A, len, 2);
	iso_buf_tlv(&b, 0x8B, r->cert_hash, 32);
	if (b.overflow)
		return 0;
	iso_buf o;
	iso_buf_init(&o, out, cap < TP_RECORD_MAX ? cap : TP_RECORD_MAX);
	iso_buf_tlv(&o, 0xE1, in, b.len);
	uint8_t sum[32];
	if (o.overflow || !sha256(o.p, o.len, sum))
		return 0;
	iso_buf_tlv(&o, 0x8E, sum, 32);
	return o.overflow ? 0 : o.len;
}

/* A text field of the record: 1..cap-1 bytes without NUL. */
static bool get_text(const iso_tlv *rec, uint32_t tag, char *dst, size_t cap)
{
	iso_tlv t;
	return iso_tlv_find(rec->value, rec->len, tag, &t) == 1 && t.len >= 1 &&
	       copy_text(dst, cap, &t);
}

static bool get_date(const iso_tlv *rec, uint32_t tag, long *day)
{
	iso_tlv t;
	return iso_tlv_find(rec->value, rec->len, tag, &t) == 1 &&
	       tp_date_decode(t.value, t.len, day);
}

int tp_record_decode(const uint8_t *p, size_t n, tp_record *out)
{
	memset(out, 0, sizeof *out);
	out->seal_not_after = -1;
	iso_tlv rec, sum, t;
	if (!p || iso_tlv_parse(p, n, &rec) != 0 || rec.tag != 0xE1)
		goto bad;
	if (iso_tlv_parse(p + rec.total, n - rec.total, &sum) != 0 || sum.tag != 0x8E ||
	    sum.len != 32)
		goto bad;
	uint8_t want[32];
	if (!sha256(p, rec.total, want) || memcmp(want, sum.value, 32) != 0)
		goto bad;
	if (iso_tlv_find(rec.value, rec.len, 0x80, &t) != 1 || t.len != 1 ||
	    t.value[0] != TP_RECORD_VERSION)
		goto bad;
	if (iso_tlv_find(rec.value, rec.len, 0x81, &t) != 1 || t.len != 4)
		goto bad;
	out->seq = (uint32_t)t.value[0] << 24 | (uint32_t)t.value[1] << 16 |
		   (uint32_t)t.value[2] << 8 | t.value[3];
	if (!get_text(&rec, 0x82, out->serial, sizeof out->serial) ||
	    !get_text(&rec, 0x83, out->unit_name, sizeof out->unit_name) ||
	    !get_text(&rec, 0x84, out->uscc, sizeof out->uscc) ||
	    !get_text(&rec, 0x85, out->cert_serial, sizeof out->cert_serial) ||
	    !get_date(&rec, 0x86, &out->not_before) || !get_date(&rec, 0x87, &out->not_after))
		goto bad;
	int rc = iso_tlv_find(rec.value, rec.len, 0x88, &t);
	if (rc < 0 || (rc == 1 && !tp_date_decode(t.value, t.len, &out->seal_not_after)))
		goto bad;
	if (iso_tlv_find(rec.value, rec.len, 0x89, &t) != 1 || t.len != 1)
		goto bad;
	out->cert_slot = t.value[0];
	if (iso_tlv_find(rec.value, rec.len, 0x8A, &t) != 1 || t.len != 2)
		goto bad;
	out->cert_len = (size_t)t.value[0] << 8 | t.value[1];
	if (iso_tlv_find(rec.value, rec.len, 0x8B, &t) != 1 || t.len != 32)
		goto bad;
	memcpy(out->cert_hash, t.value, 32);
	if (!record_fields_ok(out))
		goto bad;
	return 0;
bad:
	memset(out, 0, sizeof *out);
	out->seal_not_after = -1;
	return -1;
}

int tp_record_pick(const tp_record *a, bool a_ok, const tp_record *b, bool b_ok)
{
	if (a_ok && b_ok)
		return a->seq >= b->seq ? 1 : 2;
	return a_ok ? 1 : b_ok ? 2 : 0;
}

void tp_record_to_info(const tp_record *r, token_info *out)
{
	snprintf(out->unit_name, sizeof out->unit_name, "%s", r->unit_name);
	snprintf(out->uscc, sizeof out->uscc, "%s", r->uscc);
	snprintf(out->cert_serial, sizeof out->cert_serial, "%s", r->cert_serial);
	out->not_before = r->not_before;
	out->not_after = r->not_after;
	out->seal_not_after = r->seal_not_after;
}

/* ---- PINs ---- */

bool tp_pin_block(const char *pin, uint8_t out[TP_PIN_BLOCK])
{
	size_t n = pin ? strlen(pin) : 0;
	if (!pin || n > TP_PIN_BLOCK)
		return false;
	memset(out, 0xFF, TP_PIN_BLOCK);
	memcpy(out, pin, n);
	return true;
}

int tp_admin_pin(const uint8_t *master, size_t master_len, const char *serial,
		 uint8_t out[TP_ADMIN_LEN])
{
	if (!master || master_len == 0 || !token_serial_valid(serial))
		return -1;
	uint8_t mac[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (!HMAC(EVP_sha256(), master, (int)master_len, (const uint8_t *)serial, strlen(serial),
		  mac, &len) ||
	    len != 32)
		return -1;
	memcpy(out, mac, TP_ADMIN_LEN);
	OPENSSL_cleanse(mac, sizeof mac);
	return 0;
}

/* HMAC-SHA256(master, label || serial) into mac[32]. */
static int labelled_mac(const uint8_t *master, size_t master_len, const char *label,
			const char *serial, uint8_t mac[32])
{
	if (!master || master_len == 0 || !token_serial_valid(serial))
		return -1;
	char msg[16 + TOKEN_SERIAL_MAX + 1];
	int n = snprintf(msg, sizeof msg, "%s%s", label, serial);
	unsigned int len = 0;
	uint8_t out[EVP_MAX_MD_SIZE];
	int ok = HMAC(EVP_sha256(), master, (int)master_len, (const uint8_t *)msg, (size_t)n, out,
		      &len) != NULL && len == 32;
	if (ok)
		memcpy(mac, out, 32);
	OPENSSL_cleanse(out, sizeof out);
	return ok ? 0 : -1;
}

int tp_piv_mgm_key(const uint8_t *master, size_t master_len, const char *serial,
		   uint8_t out[TP_PIV_MGM_LEN])
{
	uint8_t mac[32];
	if (labelled_mac(master, master_len, "piv-mgm:", serial, mac) != 0)
		return -1;
	memcpy(out, mac, TP_PIV_MGM_LEN);
	OPENSSL_cleanse(mac, sizeof mac);
	return 0;
}

int tp_piv_puk(const uint8_t *master, size_t master_len, const char *serial, char out[9])
{
	uint8_t mac[32];
	if (labelled_mac(master, master_len, "piv-puk:", serial, mac) != 0)
		return -1;
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | mac[i];
	/* 2^64 is 1.8e11 times 10^8: the remainder's bias is negligible */
	snprintf(out, 9, "%08llu", (unsigned long long)(v % 100000000ULL));
	OPENSSL_cleanse(mac, sizeof mac);
	return 0;
}

bool tp_piv_pin_block(const char *pin, uint8_t out[TP_PIV_PIN_BLOCK])
{
	size_t n = pin ? strlen(pin) : 0;
	if (n < 6 || n > TP_PIV_PIN_BLOCK)
		return false;
	for (size_t i = 0; i < n; i++)
		if (pin[i] < '0' || pin[i] > '9')
			return false;
	memset(out, 0xFF, TP_PIV_PIN_BLOCK);
	memcpy(out, pin, n);
	return true;
}
