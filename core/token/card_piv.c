/* card_piv: the card driver of the PIV application (NIST SP 800-73-4) on the
 * customer's key, implementing the token ops table (token.h) like
 * card_kiosk.c, over the same ISO 7816-4 commands (core/token/card.h) and
 * reader; docs/token-profile.md "The PIV application". What differs from the
 * kiosk's application is here: SELECT by AID with the application property
 * template, data objects by tag list (GET / PUT DATA), the management key's
 * mutual authentication (GENERAL AUTHENTICATE), key pairs made per slot, the
 * PIN (80) and PUK (81).
 *
 * A PIV key comes from its maker with the factory management key, PIN and
 * PUK. Personalising it sets the key's own PUK and management key (derived
 * from the master secret and the key serial, as the admin PIN is), the PIN
 * (through the PUK, so a rerun can always set it again) and the CHUID and
 * CCC; the management key is set last, so a key whose management key is ours
 * is wholly personalised. Key pairs are made in slots 9A and 9C when their
 * certificates are written: a slot that holds a certificate keeps its key
 * pair (renewal, change), an empty one gets a new pair. Every write of a data
 * object is one PUT DATA, which the card applies whole or not at all; 9C is
 * written (and erased) before 9A, so that 9A says whether a key with PIV
 * alone is done; erasing replaces a slot's key pair before it removes the
 * certificate, so that no pair of a revoked certificate is left usable.
 *
 * TOK_NOT_PERSONALISED means the key has no PIV application, or one this
 * kiosk never personalised (the factory management key): the two-application
 * device (card_dual.c) then leaves PIV alone. */
#include "core/token/card.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/token/cert.h"
#include "core/token/issuer.h"
#include "core/token/token_profile.h"

#define PIV_OBJ_MAX 3072   /* the largest object read or written */

/* The driver's state. Owned by its token_dev (or by card_dual's), released
 * by piv_free(). What it knows of the key is kept for one card session
 * (reader_session), as card_kiosk.c does: the serial (told by the kiosk's
 * driver on the customer's key), whether its slots were just made ready for
 * new pairs, and the certificates it wrote. */
typedef struct piv {
	card card;                       /* first: card_of() finds the reader */
	bool own_reader;
	uint8_t master[CARD_MASTER_MAX];
	size_t master_len;
	issuer *ca;                      /* borrowed; NULL: no certificates written */
	unsigned long serial_session;    /* serial below known in that session */
	char serial[TOKEN_SERIAL_MAX + 1];
	unsigned long fresh_session;     /* personalised in that session: the
					  * certificate write makes new pairs
					  * without reading the slots */
	unsigned long wrote_session;     /* the certificates below written then */
	issued_cert wrote[2];            /* 9A, 9C */
	token_issue_hook hook;           /* may be NULL */
	void *hook_arg;
} piv;

/* What the key is known by: its serial, for the derived secrets. */
typedef struct piv_key {
	char serial[TOKEN_SERIAL_MAX + 1];
	uint8_t mgm[TP_PIV_MGM_LEN];
	char puk[9];
} piv_key;

static void key_wipe(piv_key *k)
{
	OPENSSL_cleanse(k, sizeof *k);
}

/* ---- commands ---- */

#define PIV_APDU(ins_, p1_, p2_, data_, nc_, ne_) CARD_APDU(ins_, p1_, p2_, data_, nc_, ne_)

/* SELECT by AID: the application property template must name PIV. */
static const card_sw no_piv_sw[] = {
	{ ISO_SW_NOT_FOUND, CARD_SW_EXACT, TOK_NOT_PERSONALISED },
	{ 0 },
};

static token_status piv_select(piv *p)
{
	iso_apdu a = PIV_APDU(ISO_INS_SELECT, 0x04, 0x00, tp_piv_aid, TP_PIV_AID_LEN, 256);
	iso_resp r;
	token_status st = card_run(&p->card, &a, &r, "SELECT PIV", no_piv_sw);
	if (st != TOK_OK)
		return st;
	iso_tlv apt, aid;
	if (iso_tlv_parse(r.data, r.len, &apt) != 0 || apt.tag != 0x61 ||
	    iso_tlv_find(apt.value, apt.len, 0x4F, &aid) != 1) {
		reader_note(p->card.rd, "SELECT PIV: no application property template");
		return TOK_WRONG_CARD;
	}
	return TOK_OK;
}

/* The key's serial: the kiosk profile's key status object where the key has
 * one, else a YubiKey's serial number (GET SERIAL, F8). */
static token_status piv_serial(piv *p, char *serial)
{
	if (p->serial_session && p->serial_session == reader_session(p->card.rd)) {
		snprintf(serial, TOKEN_SERIAL_MAX + 1, "%s", p->serial);
		return TOK_OK;
	}
	iso_apdu a = PIV_APDU(ISO_INS_GET_DATA, TP_DO_STATUS >> 8, TP_DO_STATUS & 0xFF, NULL, 0, 256);
	iso_resp r;
	tp_status s;
	token_status st = card_transmit(&p->card, &a, &r);
	if (st != TOK_OK)
		return st;
	if (r.sw == ISO_SW_OK && tp_status_decode(r.data, r.len, &s) == 0) {
		snprintf(serial, TOKEN_SERIAL_MAX + 1, "%s", s.serial);
		return TOK_OK;
	}
	if ((st = piv_select(p)) != TOK_OK)
		return st;
	a = PIV_APDU(0xF8, 0x00, 0x00, NULL, 0, 4);
	if ((st = card_run(&p->card, &a, &r, "GET SERIAL", NULL)) != TOK_OK)
		return st;
	if (r.len != 4) {
		reader_note(p->card.rd, "the key has no serial this kiosk can read");
		return TOK_WRONG_CARD;
	}
	snprintf(serial, TOKEN_SERIAL_MAX + 1, "%lu",
		 (unsigned long)r.data[0] << 24 | (unsigned long)r.data[1] << 16 |
			 (unsigned long)r.data[2] << 8 | r.data[3]);
	return TOK_OK;
}

/* Selected, and the key's derived secrets ready. */
static token_status piv_begin(piv *p, piv_key *k)
{
	memset(k, 0, sizeof *k);
	token_status st = piv_serial(p, k->serial);
	if (st == TOK_OK)
		st = piv_select(p);
	if (st == TOK_OK && p->master_len &&
	    (tp_piv_mgm_key(p->master, p->master_len, k->serial, k->mgm) != 0 ||
	     tp_piv_puk(p->master, p->master_len, k->serial, k->puk) != 0))
		st = TOK_INVALID;
	return st;
}

static void tag_list(uint32_t tag, uint8_t out[5])
{
	out[0] = 0x5C;
	out[1] = 3;
	out[2] = (uint8_t)(tag >> 16);
	out[3] = (uint8_t)(tag >> 8);
	out[4] = (uint8_t)tag;
}

/* GET DATA of an object: its content (inside 53) into buf; *len 0 when the
 * key does not hold it. */
static const card_sw no_object_sw[] = {
	{ ISO_SW_NOT_FOUND, CARD_SW_EXACT, TOK_NO_CERT },
	{ 0 },
};

static token_status get_object(piv *p, uint32_t tag, uint8_t *buf, size_t cap, size_t *len)
{
	uint8_t tl[5];
	tag_list(tag, tl);
	*len = 0;
	iso_apdu a = PIV_APDU(TP_PIV_INS_GET_DATA, 0x3F, 0xFF, tl, sizeof tl, ISO_EXT_NE_MAX);
	iso_resp r;
	token_status st = card_run(&p->card, &a, &r, "GET DATA", no_object_sw);
	if (st == TOK_NO_CERT)
		return TOK_OK;
	if (st != TOK_OK)
		return st;
	iso_tlv o;
	if (iso_tlv_parse(r.data, r.len, &o) != 0 || o.tag != 0x53 || o.len > cap) {
		reader_note(p->card.rd, "GET DATA %06X: not a PIV data object", (unsigned)tag);
		return TOK_WRONG_CARD;
	}
	memcpy(buf, o.value, o.len);
	*len = o.len;
	return TOK_OK;
}

/* PUT DATA: the object's content whole (len 0: the object removed). */
static token_status put_object(piv *p, uint32_t tag, const uint8_t *content, size_t len)
{
	static uint8_t buf[PIV_OBJ_MAX + 16];
	uint8_t tl[5];
	iso_buf b;
	tag_list(tag, tl);
	iso_buf_init(&b, buf, sizeof buf);
	iso_buf_bytes(&b, tl, sizeof tl);
	iso_buf_tlv(&b, 0x53, content, len);
	if (b.overflow)
		return TOK_INVALID;
	char what[32];
	snprintf(what, sizeof what, "PUT DATA %06X", (unsigned)tag);
	iso_apdu a = PIV_APDU(TP_PIV_INS_PUT_DATA, 0x3F, 0xFF, buf, b.len, 0);
	return card_run(&p->card, &a, NULL, what, NULL);
}

/* One block of the management key's cipher (3DES or AES-192, ECB). */
static bool mgm_block(uint8_t alg, const uint8_t *key, bool enc, const uint8_t *in, size_t n,
		      uint8_t *out)
{
	const EVP_CIPHER *ci = alg == TP_PIV_ALG_3DES ? EVP_des_ede3_ecb() : EVP_aes_192_ecb();
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0;
	bool ok = c && EVP_CipherInit_ex(c, ci, NULL, key, NULL, enc) == 1 &&
		  EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
		  EVP_CipherUpdate(c, out, &l1, in, (int)n) == 1 &&
		  EVP_CipherFinal_ex(c, out + l1, &l2) == 1 && (size_t)(l1 + l2) == n;
	EVP_CIPHER_CTX_free(c);
	return ok;
}

/* The management key's mutual authentication (SP 800-73-4 part 2, appendix
 * A.1): the card's witness decrypted proves our key, our challenge
 * encrypted proves the card's. *refused: the card holds another key (or
 * another algorithm), which is not a fault of the card. */
static token_status mgm_auth(piv *p, uint8_t alg, const uint8_t *key, bool *refused)
{
	*refused = false;
	size_t bs = alg == TP_PIV_ALG_3DES ? 8 : 16;
	static const uint8_t ask[] = { 0x7C, 0x02, 0x80, 0x00 };
	iso_apdu a = PIV_APDU(TP_PIV_INS_GEN_AUTH, alg, TP_PIV_MGM, ask, sizeof ask, 256);
	iso_resp r;
	token_status st = card_transmit(&p->card, &a, &r);
	if (st != TOK_OK)
		return st;
	if (r.sw == ISO_SW_WRONG_P1P2 || r.sw == ISO_SW_SECURITY || r.sw == ISO_SW_WRONG_DATA) {
		*refused = true;
		return TOK_OK;
	}
	if ((st = card_check_sw(&p->card, r.sw, NULL, "GENERAL AUTHENTICATE (witness)")) != TOK_OK)
		return st;
	iso_tlv dyn, wit;
	uint8_t w[16], chal[16], data[48], expect[16];
	if (iso_tlv_parse(r.data, r.len, &dyn) != 0 || dyn.tag != 0x7C ||
	    iso_tlv_find(dyn.value, dyn.len, 0x80, &wit) != 1 || wit.len != bs ||
	    !mgm_block(alg, key, false, wit.value, bs, w) || RAND_bytes(chal, (int)bs) != 1 ||
	    !mgm_block(alg, key, true, chal, bs, expect)) {
		reader_note(p->card.rd, "GENERAL AUTHENTICATE: no witness of the management key");
		return TOK_WRONG_CARD;
	}
	uint8_t in[40];
	iso_buf b, d;
	iso_buf_init(&b, in, sizeof in);
	iso_buf_tlv(&b, 0x80, w, bs);
	iso_buf_tlv(&b, 0x81, chal, bs);
	iso_buf_init(&d, data, sizeof data);
	iso_buf_tlv(&d, 0x7C, in, b.len);
	a = PIV_APDU(TP_PIV_INS_GEN_AUTH, alg, TP_PIV_MGM, data, d.len, 256);
	st = card_transmit(&p->card, &a, &r);
	OPENSSL_cleanse(w, sizeof w);
	OPENSSL_cleanse(in, sizeof in);
	OPENSSL_cleanse(data, sizeof data);
	if (st != TOK_OK)
		return st;
	if (r.sw == ISO_SW_SECURITY) {
		*refused = true;
		return TOK_OK;
	}
	if ((st = card_check_sw(&p->card, r.sw, NULL, "GENERAL AUTHENTICATE (challenge)")) != TOK_OK)
		return st;
	iso_tlv resp;
	if (iso_tlv_parse(r.data, r.len, &dyn) != 0 || dyn.tag != 0x7C ||
	    iso_tlv_find(dyn.value, dyn.len, 0x82, &resp) != 1 || resp.len != bs ||
	    CRYPTO_memcmp(resp.value, expect, bs) != 0) {
		/* the card does not hold the key it let us prove: not a PIV key to trust */
		reader_note(p->card.rd, "GENERAL AUTHENTICATE: the card's answer to our challenge is wrong");
		return TOK_WRONG_CARD;
	}
	return TOK_OK;
}

/* Our management key; with factory set, the maker's is tried when ours is
 * refused (a key never personalised, or one whose personalisation stopped
 * before its last step). Neither: TOK_NOT_PERSONALISED when factory_ok is
 * false and the factory key works, else the key is not ours. */
static token_status auth_ours(piv *p, const piv_key *k, bool factory_first, bool *factory)
{
	bool refused = true;
	token_status st;
	/* personalising expects the maker's key: asked first, it costs no
	 * refused exchange on a new key */
	if (factory_first) {
		if ((st = mgm_auth(p, TP_PIV_ALG_3DES, tp_piv_factory_mgm, &refused)) != TOK_OK)
			return st;
		if (!refused) {
			*factory = true;
			return TOK_OK;
		}
	}
	st = mgm_auth(p, TP_PIV_ALG_AES192, k->mgm, &refused);
	if (st != TOK_OK || !refused) {
		*factory = false;
		return st;
	}
	if (!factory_first) {
		if ((st = mgm_auth(p, TP_PIV_ALG_3DES, tp_piv_factory_mgm, &refused)) != TOK_OK)
			return st;
		if (!refused) {
			*factory = true;
			return TOK_OK;
		}
	}
	reader_note(p->card.rd, "the PIV management key of key %s is neither this kiosk's nor the "
		    "factory's: personalised with another master secret", k->serial);
	return TOK_WRONG_CARD;
}

/* Our management key only: a factory key is a PIV application this kiosk
 * never personalised. */
static token_status auth_personalised(piv *p, const piv_key *k)
{
	bool factory = false;
	token_status st = auth_ours(p, k, false, &factory);
	if (st == TOK_OK && factory)
		return TOK_NOT_PERSONALISED;
	return st;
}

/* RESET RETRY COUNTER with the key's PUK: a PUK refused is the wrong card
 * (another master secret), not the customer's mistake. */
static const card_sw puk_sw[] = {
	{ 0x63C0, 0xFFF0u, TOK_WRONG_CARD },
	{ ISO_SW_BLOCKED, CARD_SW_EXACT, TOK_WRONG_CARD },
	{ 0 },
};

static token_status reset_with_puk(piv *p, const piv_key *k, const char *new_pin)
{
	uint8_t d[2 * TP_PIV_PIN_BLOCK];
	if (!tp_piv_pin_block(new_pin, d + TP_PIV_PIN_BLOCK)) {
		reader_note(p->card.rd, "a PIV PIN is 6-8 digits");
		return TOK_PIN_FORMAT;
	}
	tp_piv_pin_block(k->puk, d);
	iso_apdu a = PIV_APDU(ISO_INS_RESET_RETRY, 0x00, TP_PIV_PIN, d, sizeof d, 0);
	token_status st = card_run(&p->card, &a, NULL, "RESET RETRY COUNTER (PIV PIN)", puk_sw);
	OPENSSL_cleanse(d, sizeof d);
	return st;
}

/* The CHUID (SP 800-73-4 part 1 table 9): FASC-N of a non-federal issuer
 * (agency code 9999), the GUID (from the key serial), an expiry, an empty
 * issuer signature; and the CCC (table 8) with a card identifier from the
 * same GUID. Both only identify the card; the certificates carry validity. */
static void make_guid(const char *serial, uint8_t guid[16])
{
	uint8_t h[32];
	unsigned int hl = 0;
	char msg[16 + TOKEN_SERIAL_MAX];
	int n = snprintf(msg, sizeof msg, "piv-guid:%s", serial);
	EVP_Digest(msg, (size_t)n, h, &hl, EVP_sha256(), NULL);
	memcpy(guid, h, 16);
}

static token_status write_ids(piv *p, const piv_key *k)
{
	static const uint8_t fascn[25] = { 0xD4, 0xE7, 0x39, 0xDA, 0x73, 0x9C, 0xED, 0x39, 0xCE,
					   0x73, 0x9D, 0x83, 0x68, 0x58, 0x21, 0x08, 0x42, 0x10,
					   0x84, 0x21, 0xC8, 0x42, 0x10, 0xC3, 0xEB };
	uint8_t guid[16], buf[128];
	make_guid(k->serial, guid);
	iso_buf b;
	iso_buf_init(&b, buf, sizeof buf);
	iso_buf_tlv(&b, 0x30, fascn, sizeof fascn);
	iso_buf_tlv(&b, 0x34, guid, sizeof guid);
	iso_buf_tlv(&b, 0x35, "20991231", 8);
	iso_buf_tlv(&b, 0x3E, NULL, 0);
	iso_buf_tlv(&b, 0xFE, NULL, 0);
	token_status st = put_object(p, TP_PIV_OBJ_CHUID, buf, b.len);
	if (st != TOK_OK)
		return st;
	uint8_t id[21] = { 0xA0, 0x00, 0x00, 0x01, 0x16, 0xFF, 0x02 };
	memcpy(id + 7, guid, 14);
	static const uint8_t v21 = 0x21, v00 = 0x00, v10 = 0x10;
	iso_buf_init(&b, buf, sizeof buf);
	iso_buf_tlv(&b, 0xF0, id, sizeof id);
	iso_buf_tlv(&b, 0xF1, &v21, 1);
	iso_buf_tlv(&b, 0xF2, &v21, 1);
	iso_buf_tlv(&b, 0xF3, NULL, 0);
	iso_buf_tlv(&b, 0xF4, &v00, 1);
	iso_buf_tlv(&b, 0xF5, &v10, 1);
	static const uint32_t empty[] = { 0xF6, 0xF7, 0xFA, 0xFB, 0xFC, 0xFD, 0xFE };
	for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++)
		iso_buf_tlv(&b, empty[i], NULL, 0);
	return put_object(p, TP_PIV_OBJ_CCC, buf, b.len);
}

/* ---- the steps each operation is made of (inside a transaction) ---- */

static token_status steps_personalise(piv *p, const char *initial_pin)
{
	piv_key k;
	bool factory = false;
	token_status st = piv_begin(p, &k);
	if (st == TOK_OK)
		st = auth_ours(p, &k, true, &factory);
	if (st == TOK_OK && factory) {
		/* the factory PUK becomes the key's own; refused, it already is
		 * (an earlier run stopped before the management key): the reset
		 * below proves it */
		uint8_t d[2 * TP_PIV_PIN_BLOCK];
		tp_piv_pin_block(TP_PIV_FACTORY_PUK, d);
		tp_piv_pin_block(k.puk, d + TP_PIV_PIN_BLOCK);
		iso_apdu a = PIV_APDU(ISO_INS_CHANGE_REF, 0x00, TP_PIV_PUK, d, sizeof d, 0);
		iso_resp r;
		st = card_transmit(&p->card, &a, &r);
		OPENSSL_cleanse(d, sizeof d);
		if (st == TOK_OK && r.sw != ISO_SW_OK && !iso_sw_is_tries(r.sw))
			st = card_check_sw(&p->card, r.sw, puk_sw, "CHANGE REFERENCE DATA (PUK)");
	}
	if (st == TOK_OK)
		st = reset_with_puk(p, &k, initial_pin);
	if (st == TOK_OK)
		st = write_ids(p, &k);
	if (st == TOK_OK && factory) {
		/* the commit: from now on the key's PIV application is ours */
		uint8_t d[3 + TP_PIV_MGM_LEN] = { TP_PIV_ALG_AES192, TP_PIV_MGM, TP_PIV_MGM_LEN };
		memcpy(d + 3, k.mgm, TP_PIV_MGM_LEN);
		iso_apdu a = PIV_APDU(TP_PIV_INS_SET_MGM, 0xFF, 0xFF, d, sizeof d, 0);
		st = card_run(&p->card, &a, NULL, "SET MANAGEMENT KEY", NULL);
		OPENSSL_cleanse(d, sizeof d);
	}
	/* the certificates of a key just personalised go with new pairs */
	p->fresh_session = st == TOK_OK ? reader_session(p->card.rd) : 0;
	key_wipe(&k);
	return st;
}

/* The certificate object of a slot: 70 certificate, 71 certinfo 00 (not
 * compressed), FE error detection code (empty). */
static uint32_t cert_tag(uint8_t slot)
{
	return slot == TP_PIV_SLOT_AUTH ? TP_PIV_OBJ_CERT_9A : TP_PIV_OBJ_CERT_9C;
}

/* The slot's certificate (DER, pointing into buf), *der_len 0 when none. */
static token_status read_slot_cert(piv *p, uint8_t slot, uint8_t *buf, size_t cap,
				   const uint8_t **der, size_t *der_len)
{
	size_t len;
	*der_len = 0;
	token_status st = get_object(p, cert_tag(slot), buf, cap, &len);
	if (st != TOK_OK || !len)
		return st;
	iso_tlv c;
	if (iso_tlv_find(buf, len, 0x70, &c) != 1 || !c.len) {
		reader_note(p->card.rd, "PIV slot %02X: the object holds no certificate", slot);
		return TOK_CHECK_FAILED;
	}
	*der = c.value;
	*der_len = c.len;
	return TOK_OK;
}

static token_status generate(piv *p, uint8_t slot, unsigned char **spki, size_t *spki_len)
{
	static const uint8_t crt[] = { 0xAC, 0x03, 0x80, 0x01, TP_PIV_ALG_P256 };
	iso_apdu a = PIV_APDU(ISO_INS_GENERATE_KEY, 0x00, slot, crt, sizeof crt, 256);
	iso_resp r;
	token_status st = card_run(&p->card, &a, &r, "GENERATE ASYMMETRIC KEY PAIR (PIV)", NULL);
	if (st != TOK_OK || !spki)
		return st;
	return card_spki_from_7f49(&p->card, r.data, r.len, spki, spki_len);
}

/* Certify the slot's key pair for the holder: the pair there is when the slot
 * holds a certificate (its public key is in it), else a new one. */
static token_status certify_slot(piv *p, const piv_key *k, uint8_t slot, const token_cert *c,
				  issued_cert *keep)
{
	static uint8_t buf[PIV_OBJ_MAX];
	const uint8_t *der = NULL;
	size_t der_len = 0;
	unsigned char *spki = NULL;
	size_t spki_len = 0;
	bool fresh = p->fresh_session && p->fresh_session == reader_session(p->card.rd);
	token_status st = fresh ? TOK_OK : read_slot_cert(p, slot, buf, sizeof buf, &der, &der_len);
	if (st == TOK_OK && der_len) {
		const unsigned char *q = der;
		X509 *x = d2i_X509(NULL, &q, (long)der_len);
		int n = x ? i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki) : -1;
		X509_free(x);
		if (n <= 0) {
			reader_note(p->card.rd, "PIV slot %02X: the certificate there does not parse", slot);
			st = TOK_CHECK_FAILED;
		} else {
			spki_len = (size_t)n;
		}
	} else if (st == TOK_OK || st == TOK_CHECK_FAILED) {
		unsigned char *made = NULL;
		st = generate(p, slot, &made, &spki_len);
		if (st == TOK_OK) {
			/* OpenSSL's memory from here, as the branch above */
			spki = OPENSSL_memdup(made, spki_len);
			st = spki ? TOK_OK : TOK_IO_ERROR;
		}
		free(made);
	}
	if (st != TOK_OK) {
		OPENSSL_free(spki);
		return st;
	}
	/* the kiosk certificate's exact end, so that the three certificates of
	 * one issue end together (a kept validity stays kept in PIV too) */
	issue_request rq = { spki, spki_len, c->unit_name, c->uscc, c->not_before, c->not_after,
			     c->not_after_s };
	issued_cert ic = { 0 };
	kerr err = { 0 };
	int rc = issuer_issue(p->ca, &rq, &ic, &err);
	OPENSSL_free(spki);
	if (rc != 0) {
		char t[300];
		reader_note(p->card.rd, "PIV slot %02X: the issuer refused: %s", slot,
			    kerr_text(&err, t, sizeof t));
		return TOK_INVALID;
	}
	/* noted before the key is written, as the kiosk's certificate is: one
	 * signed and never recorded is revoked once its key moves on */
	char app[8];
	snprintf(app, sizeof app, "piv.%02x", slot);
	if (p->hook && p->hook(p->hook_arg, k->serial, ic.serial, app) != 0) {
		issued_cert_clear(&ic);
		reader_note(p->card.rd, "PIV slot %02X: the certificate could not be noted", slot);
		return TOK_INVALID;
	}
	iso_buf b;
	iso_buf_init(&b, buf, sizeof buf);
	static const uint8_t certinfo = 0x00;
	iso_buf_tlv(&b, 0x70, ic.der, ic.der_len);
	iso_buf_tlv(&b, 0x71, &certinfo, 1);
	iso_buf_tlv(&b, 0xFE, NULL, 0);
	if (b.overflow) {
		issued_cert_clear(&ic);
		return TOK_INVALID;
	}
	st = put_object(p, cert_tag(slot), buf, b.len);
	issued_cert_clear(keep);
	if (st == TOK_OK)
		*keep = ic;
	else
		issued_cert_clear(&ic);
	return st;
}

static const uint8_t slots[] = { TP_PIV_SLOT_AUTH, TP_PIV_SLOT_SIGN };
/* Writes and erasing end with 9A, the slot read_info and read_cert read: on a
 * key with PIV alone, its certificate there (or its absence, erased) says
 * the whole write is done; a key pulled before reads as not done, and the
 * write run again does both slots again. Indexes into slots[]. */
static const size_t write_order[] = { 1, 0 };

static token_status steps_write_cert(piv *p, const token_cert *c)
{
	piv_key k;
	token_status st = piv_begin(p, &k);
	if (st == TOK_OK)
		st = auth_personalised(p, &k);
	p->wrote_session = 0;
	for (size_t j = 0; st == TOK_OK && j < sizeof write_order / sizeof write_order[0]; j++) {
		size_t i = write_order[j];
		st = certify_slot(p, &k, slots[i], c, &p->wrote[i]);
	}
	if (st == TOK_OK) {
		p->wrote_session = reader_session(p->card.rd);
		p->fresh_session = 0;
	}
	key_wipe(&k);
	return st;
}

static token_status steps_reset_pin(piv *p, const char *new_pin)
{
	piv_key k;
	token_status st = piv_begin(p, &k);
	/* a PIV application never personalised has the factory PUK, not ours */
	if (st == TOK_OK)
		st = auth_personalised(p, &k);
	if (st == TOK_OK)
		st = reset_with_puk(p, &k, new_pin);
	key_wipe(&k);
	return st;
}

static token_status steps_erase(piv *p)
{
	piv_key k;
	token_status st = piv_begin(p, &k);
	if (st == TOK_OK)
		st = auth_personalised(p, &k);
	/* SP 800-73-4 has no command that deletes a key: the slot's pair is
	 * replaced by a fresh one nobody knows (GENERATE), then its certificate
	 * object is removed (PUT DATA of an empty object). Torn between, the
	 * slot holds a certificate naming a pair that is gone, which the step
	 * run again erases again; so an empty 9A, erased last, means no usable
	 * key pair and no certificate is left. */
	p->wrote_session = p->fresh_session = 0;
	for (size_t j = 0; st == TOK_OK && j < sizeof write_order / sizeof write_order[0]; j++) {
		uint8_t slot = slots[write_order[j]];
		if ((st = generate(p, slot, NULL, NULL)) == TOK_OK)
			st = put_object(p, cert_tag(slot), NULL, 0);
	}
	key_wipe(&k);
	if (st == TOK_NOT_PERSONALISED)
		st = TOK_OK; /* nothing of ours to erase */
	return st;
}

static token_status verify_pin_cmd(piv *p, const char *pin, int *tries_left)
{
	uint8_t d[TP_PIV_PIN_BLOCK];
	iso_apdu a;
	iso_resp r;
	if (!tp_piv_pin_block(pin, d)) {
		/* cannot be a PIV PIN: counted as wrong without asking the key */
		a = PIV_APDU(ISO_INS_VERIFY, 0x00, TP_PIV_PIN, NULL, 0, 0);
		token_status st = card_transmit(&p->card, &a, &r);
		if (st != TOK_OK)
			return st;
		st = card_pin_result(&p->card, r.sw, -1, tries_left, "PIV PIN");
		return st == TOK_OK || st == TOK_WRONG_PIN ? TOK_WRONG_PIN : st;
	}
	a = PIV_APDU(ISO_INS_VERIFY, 0x00, TP_PIV_PIN, d, sizeof d, 0);
	token_status st = card_transmit(&p->card, &a, &r);
	OPENSSL_cleanse(d, sizeof d);
	return st != TOK_OK ? st : card_pin_result(&p->card, r.sw, -1, tries_left, "PIV PIN");
}

/* ---- operations (each one transaction) ---- */

static token_status piv_personalise(void *ctx, const char *initial_pin)
{
	piv *p = ctx;
	if (!p->master_len)
		return TOK_NOT_SUPPORTED;
	token_status st = reader_begin(p->card.rd);
	if (st == TOK_OK)
		st = steps_personalise(p, initial_pin);
	return reader_end(p->card.rd, st);
}

static token_status piv_write_cert(void *ctx, const token_cert *c)
{
	piv *p = ctx;
	if (!p->master_len || !p->ca)
		return TOK_NOT_SUPPORTED;
	token_status st = reader_begin(p->card.rd);
	if (st == TOK_OK)
		st = steps_write_cert(p, c);
	return reader_end(p->card.rd, st);
}

static token_status piv_reset_pin(void *ctx, const char *new_pin)
{
	piv *p = ctx;
	if (!p->master_len)
		return TOK_NOT_SUPPORTED;
	token_status st = reader_begin(p->card.rd);
	if (st == TOK_OK)
		st = steps_reset_pin(p, new_pin);
	return reader_end(p->card.rd, st);
}

static token_status piv_erase(void *ctx)
{
	piv *p = ctx;
	if (!p->master_len)
		return TOK_NOT_SUPPORTED;
	token_status st = reader_begin(p->card.rd);
	if (st == TOK_OK)
		st = steps_erase(p);
	if (st == TOK_NOT_PERSONALISED)
		st = TOK_OK; /* no PIV application: nothing to erase */
	return reader_end(p->card.rd, st);
}

/* What the PIV application holds: the serial, and the holder and validity
 * from the certificate in 9A. */
static token_status piv_read_info(void *ctx, token_info *out)
{
	piv *p = ctx;
	token_status st = reader_begin(p->card.rd);
	if (st != TOK_OK)
		return st;
	static uint8_t buf[PIV_OBJ_MAX];
	size_t len = 0;
	if ((st = piv_serial(p, out->serial)) == TOK_OK && (st = piv_select(p)) == TOK_OK)
		st = get_object(p, TP_PIV_OBJ_CHUID, buf, sizeof buf, &len);
	if (st != TOK_OK)
		return reader_end(p->card.rd, st);
	out->personalised = len > 0;
	iso_apdu a = PIV_APDU(ISO_INS_VERIFY, 0x00, TP_PIV_PIN, NULL, 0, 0);
	iso_resp r;
	if ((st = card_transmit(&p->card, &a, &r)) == TOK_OK) {
		int left = -1;
		iso_sw_status(r.sw, &left);
		out->pin_tries_left = left;
		out->blocked = left == 0;
	}
	const uint8_t *der;
	size_t der_len;
	if (st == TOK_OK &&
	    (st = read_slot_cert(p, TP_PIV_SLOT_AUTH, buf, sizeof buf, &der, &der_len)) == TOK_OK &&
	    der_len) {
		cert_info ci;
		kerr err = { 0 };
		if (cert_parse(der, der_len, &ci, &err) == 0) {
			snprintf(out->unit_name, sizeof out->unit_name, "%s", ci.unit_name);
			snprintf(out->uscc, sizeof out->uscc, "%s", ci.uscc);
			snprintf(out->cert_serial, sizeof out->cert_serial, "%s", ci.serial);
			out->not_before = ci.not_before;
			out->not_after = ci.not_after;
		}
	}
	return reader_end(p->card.rd, st);
}

static token_status piv_verify_pin(void *ctx, const char *pin, int *tries_left)
{
	piv *p = ctx;
	token_status st = reader_begin(p->card.rd);
	if (st == TOK_OK && (st = piv_select(p)) == TOK_OK) {
		st = verify_pin_cmd(p, pin, tries_left);
		card_logout(&p->card, TP_PIV_PIN);
	}
	return reader_end(p->card.rd, st);
}

static token_status piv_change_pin(void *ctx, const char *old_pin, const char *new_pin,
				   int *tries_left)
{
	piv *p = ctx;
	uint8_t d[2 * TP_PIV_PIN_BLOCK];
	if (!tp_piv_pin_block(new_pin, d + TP_PIV_PIN_BLOCK))
		return TOK_PIN_FORMAT;
	token_status st = reader_begin(p->card.rd);
	if (st == TOK_OK && (st = piv_select(p)) == TOK_OK) {
		if (!tp_piv_pin_block(old_pin, d)) {
			st = verify_pin_cmd(p, old_pin, tries_left);
		} else {
			iso_apdu a = PIV_APDU(ISO_INS_CHANGE_REF, 0x00, TP_PIV_PIN, d, sizeof d, 0);
			iso_resp r;
			if ((st = card_transmit(&p->card, &a, &r)) == TOK_OK)
				st = card_pin_result(&p->card, r.sw, -1, tries_left, "PIV PIN");
		}
		card_logout(&p->card, TP_PIV_PIN);
	}
	OPENSSL_cleanse(d, sizeof d);
	return reader_end(p->card.rd, st);
}

static token_status piv_read_cert(void *ctx, unsigned char **der, size_t *der_len)
{
	piv *p = ctx;
	token_status st = reader_begin(p->card.rd);
	if (st != TOK_OK)
		return st;
	static uint8_t buf[PIV_OBJ_MAX];
	const uint8_t *d = NULL;
	size_t n = 0;
	if ((st = piv_select(p)) == TOK_OK)
		st = read_slot_cert(p, TP_PIV_SLOT_AUTH, buf, sizeof buf, &d, &n);
	if (st == TOK_OK && !n)
		st = TOK_NO_CERT;
	if (st == TOK_OK && !(*der = malloc(n)))
		st = TOK_IO_ERROR;
	if (st == TOK_OK) {
		memcpy(*der, d, n);
		*der_len = n;
	}
	return reader_end(p->card.rd, st);
}

/* ECDSA with the key in 9A (PIV authentication) over SHA-256(data): the
 * card signs the digest and answers the DER ECDSA-Sig-Value itself. */
static token_status piv_sign(void *ctx, const char *pin, const unsigned char *data, size_t len,
			     unsigned char *sig, size_t *sig_len, int *tries_left)
{
	piv *p = ctx;
	uint8_t h[32];
	unsigned int hl = 0;
	if (EVP_Digest(data, len, h, &hl, EVP_sha256(), NULL) != 1)
		return TOK_IO_ERROR;
	token_status st = reader_begin(p->card.rd);
	if (st == TOK_OK && (st = piv_select(p)) == TOK_OK &&
	    (st = verify_pin_cmd(p, pin, tries_left)) == TOK_OK) {
		uint8_t in[40], d[48];
		iso_buf b, w;
		iso_buf_init(&b, in, sizeof in);
		iso_buf_tlv(&b, 0x82, NULL, 0);
		iso_buf_tlv(&b, 0x81, h, sizeof h);
		iso_buf_init(&w, d, sizeof d);
		iso_buf_tlv(&w, 0x7C, in, b.len);
		iso_apdu a = PIV_APDU(TP_PIV_INS_GEN_AUTH, TP_PIV_ALG_P256, TP_PIV_SLOT_AUTH, d, w.len,
				      256);
		iso_resp r;
		st = card_run(&p->card, &a, &r, "GENERAL AUTHENTICATE (sign)", NULL);
		iso_tlv dyn, s;
		if (st == TOK_OK &&
		    (iso_tlv_parse(r.data, r.len, &dyn) != 0 || dyn.tag != 0x7C ||
		     iso_tlv_find(dyn.value, dyn.len, 0x82, &s) != 1 || !s.len ||
		     s.len > TOKEN_SIG_MAX)) {
			reader_note(p->card.rd, "GENERAL AUTHENTICATE: no signature in the answer");
			st = TOK_WRONG_CARD;
		}
		if (st == TOK_OK) {
			memcpy(sig, s.value, s.len);
			*sig_len = s.len;
		}
		card_logout(&p->card, TP_PIV_PIN);
	}
	return reader_end(p->card.rd, st);
}

static void piv_free(void *ctx)
{
	piv *p = ctx;
	if (!p)
		return;
	if (p->own_reader)
		reader_free(p->card.rd);
	OPENSSL_cleanse(p->master, sizeof p->master);
	issued_cert_clear(&p->wrote[0]);
	issued_cert_clear(&p->wrote[1]);
	free(p);
}

/* No read_pubkey: PIV has no command that reads a slot's public key; the
 * pairs are made, and certified, by write_cert. No seal: PIV has no place
 * for the kiosk's info record. */
const token_ops card_piv_ops = {
	.name = "pcsc",
	.present = card_present,
	.read_info = piv_read_info,
	.personalise = piv_personalise,
	.write_cert = piv_write_cert,
	.verify_pin = piv_verify_pin,
	.change_pin = piv_change_pin,
	.reset_pin = piv_reset_pin,
	.erase = piv_erase,
	.free = piv_free,
	.read_cert = piv_read_cert,
	.sign = piv_sign,
};

void card_piv_know_serial(void *ctx, const char *serial, unsigned long session)
{
	piv *p = ctx;
	snprintf(p->serial, sizeof p->serial, "%s", serial);
	p->serial_session = session;
}

void card_piv_set_hook(void *ctx, token_issue_hook hook, void *arg)
{
	piv *p = ctx;
	p->hook = hook;
	p->hook_arg = arg;
}

static token_status app_cert_copy(token_app_cert *o, uint8_t slot, const uint8_t *der, size_t len)
{
	snprintf(o->app, sizeof o->app, "piv.%02x", slot);
	if (!(o->der = malloc(len)))
		return TOK_IO_ERROR;
	memcpy(o->der, der, len);
	o->der_len = len;
	return TOK_OK;
}

token_status card_piv_app_certs(void *ctx, token_app_cert out[2], size_t *n)
{
	piv *p = ctx;
	*n = 0;
	token_status st = reader_begin(p->card.rd);
	if (st != TOK_OK)
		return st;
	if (p->wrote_session && p->wrote_session == reader_session(p->card.rd)) {
		/* written in this session: what the key holds */
		for (size_t i = 0; st == TOK_OK && i < sizeof slots; i++)
			if ((st = app_cert_copy(&out[*n], slots[i], p->wrote[i].der,
						p->wrote[i].der_len)) == TOK_OK)
				(*n)++;
		return reader_end(p->card.rd, st);
	}
	piv_key k;
	static uint8_t buf[PIV_OBJ_MAX];
	st = piv_begin(p, &k);
	key_wipe(&k);
	for (size_t i = 0; st == TOK_OK && i < sizeof slots; i++) {
		const uint8_t *der = NULL;
		size_t len = 0;
		st = read_slot_cert(p, slots[i], buf, sizeof buf, &der, &len);
		if (st == TOK_CHECK_FAILED)
			st = TOK_OK; /* nothing usable there */
		else if (st == TOK_OK && len && (st = app_cert_copy(&out[*n], slots[i], der, len)) == TOK_OK)
			(*n)++;
	}
	if (st == TOK_NOT_PERSONALISED)
		st = TOK_OK; /* no PIV application: no certificate */
	if (st != TOK_OK) {
		for (size_t i = 0; i < *n; i++)
			free(out[i].der);
		*n = 0;
	}
	return reader_end(p->card.rd, st);
}

void *card_piv_ctx_new(reader *rd, bool own_reader, const uint8_t *master, size_t master_len,
		       issuer *ca)
{
	piv *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->card.rd = rd;
	p->own_reader = own_reader;
	if (master_len > sizeof p->master)
		master_len = sizeof p->master;
	if (master_len)
		memcpy(p->master, master, master_len);
	p->master_len = master_len;
	p->ca = ca;
	return p;
}

token_dev *token_pcsc_piv_new(const char *reader_name, const char *admin_master_secret_file,
			      issuer *ca, kerr *err)
{
	uint8_t master[CARD_MASTER_MAX];
	size_t mlen = 0;
	if (admin_master_secret_file && *admin_master_secret_file &&
	    card_master_load(admin_master_secret_file, master, &mlen, err) != 0)
		return NULL;
	reader *rd = reader_new(reader_name, err);
	token_dev *dev = rd ? calloc(1, sizeof *dev) : NULL;
	piv *p = dev ? card_piv_ctx_new(rd, true, master, mlen, ca) : NULL;
	OPENSSL_cleanse(master, sizeof master);
	if (!p) {
		free(dev);
		reader_free(rd);
		if (rd)
			kerr_set(err, NULL, "out of memory");
		return NULL;
	}
	dev->ops = &card_piv_ops;
	dev->ctx = p;
	return dev;
}
