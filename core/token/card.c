/* card: the ISO 7816-4 commands every card driver starts from, the status
 * word check, and the PC/SC extras of token.h over any card driver (see
 * card.h). */
#include "core/token/card.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/token/token_profile.h"

/* Every card driver over the PC/SC reader; a second application's driver
 * adds its ops here. */
static const token_ops *const card_drivers[] = {
	&card_kiosk_ops,
	&card_piv_ops,
	&card_dual_ops,
};

card *card_of(const token_dev *dev)
{
	if (!dev)
		return NULL;
	for (size_t i = 0; i < sizeof card_drivers / sizeof card_drivers[0]; i++)
		if (dev->ops == card_drivers[i])
			return dev->ctx;
	return NULL;
}

/* ---- commands and their status words ---- */

token_status card_transmit(card *c, const iso_apdu *a, iso_resp *resp)
{
	return reader_transmit(c->rd, a, resp);
}

static token_status sw_status(uint16_t sw, const card_sw *own)
{
	for (; own && own->mask; own++)
		if ((sw & own->mask) == own->sw)
			return own->st;
	return iso_sw_status(sw, NULL);
}

token_status card_check_sw(card *c, uint16_t sw, const card_sw *own, const char *what)
{
	token_status st = sw_status(sw, own);
	if (st != TOK_OK)
		reader_note(c->rd, "%s: %04X %s", what, sw, iso_sw_text(sw));
	return st;
}

token_status card_run(card *c, const iso_apdu *a, iso_resp *resp, const char *what,
		      const card_sw *own)
{
	iso_resp tmp;
	if (!resp)
		resp = &tmp;
	token_status st = card_transmit(c, a, resp);
	if (st != TOK_OK) {
		/* the reader said what failed; say during which command */
		if (!strstr(reader_detail(c->rd), what)) {
			char d[512];
			snprintf(d, sizeof d, "%s", reader_detail(c->rd));
			reader_note(c->rd, "%s: %.400s", what, d);
		}
		return st;
	}
	return card_check_sw(c, resp->sw, own, what);
}

token_status card_pin_result(card *c, uint16_t sw, int max, int *tries_left, const char *what)
{
	int left = -1;
	token_status st = iso_sw_status(sw, &left);
	if (st == TOK_OK)
		left = max;
	if (tries_left)
		*tries_left = left;
	if (st != TOK_OK && st != TOK_WRONG_PIN && st != TOK_BLOCKED)
		reader_note(c->rd, "%s: %04X %s", what, sw, iso_sw_text(sw));
	return st;
}

/* ---- ISO 7816-4 commands ---- */

token_status card_select_aid(card *c, const uint8_t *aid, size_t aid_len, iso_fcp *fcp)
{
	iso_apdu a = CARD_APDU(ISO_INS_SELECT, 0x04, fcp ? 0x04 : 0x0C, aid, aid_len,
			       fcp ? 256 : 0);
	iso_resp r;
	token_status st = card_run(c, &a, &r, "SELECT application", NULL);
	if (st != TOK_OK || !fcp)
		return st;
	if (iso_fcp_parse(r.data, r.len, fcp) != 0 || fcp->df_name_len != aid_len ||
	    memcmp(fcp->df_name, aid, aid_len) != 0) {
		reader_note(c->rd, "SELECT application: the FCP does not name the application");
		return TOK_WRONG_CARD;
	}
	return TOK_OK;
}

token_status card_read_binary(card *c, int sfi, size_t max, uint8_t *out, size_t *got)
{
	bool ext = reader_card_caps(c->rd).ext_len;
	*got = 0;
	while (*got < max) {
		size_t want = max - *got;
		if (!ext && want > ISO_SHORT_NE_MAX)
			want = ISO_SHORT_NE_MAX;
		uint8_t p1 = *got ? (uint8_t)(*got >> 8) : (uint8_t)(0x80 | sfi);
		uint8_t p2 = (uint8_t)*got;
		if (*got > 0x7FFF)
			return TOK_IO_ERROR;
		iso_apdu a = CARD_APDU(ISO_INS_READ_BINARY, p1, p2, NULL, 0, want);
		iso_resp r;
		token_status st = card_run(c, &a, &r, "READ BINARY", NULL);
		if (st != TOK_OK)
			return st;
		if (r.len > want)
			return TOK_IO_ERROR;
		memcpy(out + *got, r.data, r.len);
		*got += r.len;
		if (r.len < want || r.sw == ISO_SW_EOF_WARNING)
			break;
	}
	return TOK_OK;
}

token_status card_update_binary(card *c, int sfi, const uint8_t *data, size_t n)
{
	reader_caps caps = reader_card_caps(c->rd);
	if (caps.ext_len || caps.chaining || n <= ISO_SHORT_NC_MAX) {
		iso_apdu a = CARD_APDU(ISO_INS_UPDATE_BINARY, (uint8_t)(0x80 | sfi), 0, data, n, 0);
		return card_run(c, &a, NULL, "UPDATE BINARY", NULL);
	}
	for (size_t off = 0; off < n; off += ISO_SHORT_NC_MAX) {
		size_t k = n - off < ISO_SHORT_NC_MAX ? n - off : ISO_SHORT_NC_MAX;
		/* the first part by SFI, the rest by offset in what is then the current EF */
		uint8_t p1 = off ? (uint8_t)(off >> 8) : (uint8_t)(0x80 | sfi);
		iso_apdu a = CARD_APDU(ISO_INS_UPDATE_BINARY, p1, (uint8_t)off, data + off, k, 0);
		token_status st = card_run(c, &a, NULL, "UPDATE BINARY", NULL);
		if (st != TOK_OK)
			return st;
	}
	return TOK_OK;
}

void card_logout(card *c, uint8_t ref)
{
	iso_apdu a = CARD_APDU(ISO_INS_VERIFY, 0xFF, ref, NULL, 0, 0);
	iso_resp r;
	card_transmit(c, &a, &r);
}

token_status card_present(void *ctx, bool *present)
{
	card *c = ctx;
	return reader_present(c->rd, present);
}

/* ---- what drivers share besides commands ---- */

int card_master_load(const char *path, uint8_t out[CARD_MASTER_MAX], size_t *len_out, kerr *err)
{
	*len_out = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kerr_set(err, path, "cannot open the admin master secret: %s", strerror(errno));
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return kerr_set(err, path, "the admin master secret is not a regular file");
	}
	if (sb.st_mode & 077) {
		close(fd);
		return kerr_set(err, path, "the admin master secret is readable by others "
				"(mode %03o): chmod 600 it", (unsigned)(sb.st_mode & 0777));
	}
	uint8_t buf[2 * CARD_MASTER_MAX + 8];
	ssize_t n = read(fd, buf, sizeof buf);
	close(fd);
	if (n < 0 || (size_t)n == sizeof buf) {
		OPENSSL_cleanse(buf, sizeof buf);
		return kerr_set(err, path, "the admin master secret must be %d to %d bytes (or "
				"twice as many hex digits)", CARD_MASTER_MIN, CARD_MASTER_MAX);
	}
	size_t len = (size_t)n;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	char hex[2 * CARD_MASTER_MAX + 8];
	memcpy(hex, buf, len);
	hex[len] = '\0';
	long h = iso_unhex(hex, out, CARD_MASTER_MAX);
	if (h >= CARD_MASTER_MIN && len == 2 * (size_t)h) {
		*len_out = (size_t)h;
	} else if ((size_t)n >= CARD_MASTER_MIN && (size_t)n <= CARD_MASTER_MAX) {
		memcpy(out, buf, (size_t)n);
		*len_out = (size_t)n;
	}
	OPENSSL_cleanse(buf, sizeof buf);
	OPENSSL_cleanse(hex, sizeof hex);
	if (!*len_out)
		return kerr_set(err, path, "the admin master secret must be %d to %d bytes (or "
				"twice as many hex digits)", CARD_MASTER_MIN, CARD_MASTER_MAX);
	return 0;
}

token_status card_spki_from_7f49(card *c, const uint8_t *p, size_t plen, unsigned char **spki,
				 size_t *len)
{
	static const uint8_t sm2_oid[] = { TP_SM2_CURVE_OID };
	iso_tlv top, pt, oid;
	if (iso_tlv_parse(p, plen, &top) != 0 || top.tag != 0x7F49 ||
	    iso_tlv_find(top.value, top.len, 0x86, &pt) != 1 || pt.len != 65 ||
	    pt.value[0] != 0x04) {
		reader_note(c->rd, "the public key object is not an uncompressed EC point");
		return TOK_WRONG_CARD;
	}
	/* 06: the curve of a key that is not P-256 (SM2 only) */
	int has_oid = iso_tlv_find(top.value, top.len, 0x06, &oid);
	bool sm2 = has_oid == 1 && oid.len == sizeof sm2_oid &&
		   memcmp(oid.value, sm2_oid, sizeof sm2_oid) == 0;
	if (has_oid < 0 || (has_oid == 1 && !sm2)) {
		reader_note(c->rd, "the public key object names a curve other than SM2");
		return TOK_WRONG_CARD;
	}
	token_status st = TOK_IO_ERROR;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_from_name(NULL, sm2 ? "SM2" : "EC", NULL);
	EVP_PKEY *key = NULL;
	if (bld && kc &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
					    sm2 ? "SM2" : "prime256v1", 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt.value, pt.len) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(kc) == 1 &&
	    EVP_PKEY_fromdata(kc, &key, EVP_PKEY_PUBLIC_KEY, params) == 1) {
		unsigned char *out = NULL;
		int n = i2d_PUBKEY(key, &out);
		if (n > 0) {
			/* hand back memory the caller frees with free() */
			*spki = malloc((size_t)n);
			if (*spki) {
				memcpy(*spki, out, (size_t)n);
				*len = (size_t)n;
				st = TOK_OK;
			}
		}
		OPENSSL_free(out);
	} else {
		reader_note(c->rd, "the key's public point is not on %s", sm2 ? "SM2" : "P-256");
		st = TOK_WRONG_CARD;
	}
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(kc);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return st;
}

/* ---- the PC/SC extras (token.h) ---- */

token_status token_pcsc_wait(token_dev *dev, int timeout_ms, bool want_present, bool *present)
{
	card *c = card_of(dev);
	if (!present)
		return TOK_INVALID;
	*present = false;
	if (!c)
		return TOK_NOT_SUPPORTED;
	return reader_wait(c->rd, timeout_ms, want_present, present);
}

const char *token_pcsc_reader(const token_dev *dev)
{
	card *c = card_of(dev);
	return c ? reader_name(c->rd) : "";
}

const char *token_pcsc_detail(const token_dev *dev)
{
	card *c = card_of(dev);
	return c ? reader_detail(c->rd) : "";
}

unsigned long token_pcsc_apdu_count(const token_dev *dev)
{
	card *c = card_of(dev);
	return c ? reader_apdu_count(c->rd) : 0;
}
