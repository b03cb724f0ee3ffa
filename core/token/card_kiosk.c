/* card_kiosk: the card driver of the kiosk's own application on the
 * customer's key, the token profile (core/token/token_profile.h,
 * docs/token-profile.md), implementing the token ops table (token.h) and
 * token_pcsc_new(). It starts from the shared ISO 7816-4 commands
 * (core/token/card.h) over the PC/SC reader (core/token/reader.h) and writes
 * only the profile's own steps: the key status object, the info records, the
 * admin PIN, personalisation and the on-card key pair.
 *
 * Writes are ordered so that a key pulled at any moment reads as before or as
 * after: a certificate goes into the certificate EF the current info record
 * does not use, then the new record (sequence + 1, with the certificate's
 * hash and a checksum over itself) into the info EF that does not hold the
 * current one. A torn record fails its checksum and the previous one stays
 * current; running the operation again finishes it. Personalisation builds
 * the application in the initialisation life cycle state and activates it
 * last; an interrupted one is resumed.
 *
 * APDU economy (docs/token-profile.md "Minimum for a full personalisation"):
 * what the driver learns of a key (its status, its info records, the public
 * key GENERATE answered) and what its own writes leave there is kept for the
 * card session (reader_session): while the reader has not connected afresh,
 * the key is the same and nobody without the admin PIN can have changed its
 * records, so an operation does not read them again. The application is
 * still selected in every transaction (another program may select between
 * two), and every PIN verified is still forgotten before the transaction
 * ends. A key pulled, swapped or reset is a new session: read afresh. */
#include "core/token/card.h"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/token/token_profile.h"

/* What is known of the key in the reader, for one card session (0: none). */
typedef struct known {
	unsigned long session;
	tp_status st;                /* as last read, or as our writes left it */
	bool counters;               /* st's PIN counters are the key's (not
				      * after a personalisation: read again) */
	bool have_recs;              /* the info records below are the key's */
	tp_record rec[2];
	bool ok[2];
	int cur;
	size_t pub_len;              /* the 7F49 object GENERATE answered, 0 none */
	uint8_t pub[96];
} known;

/* The device's state. Owned by its token_dev, released by kiosk_free(). */
typedef struct kiosk {
	card card;             /* first: card_of() finds the reader through it */
	uint8_t master[CARD_MASTER_MAX];
	size_t master_len;
	char pending[TOKEN_SERIAL_MAX + 1]; /* personalisation begun on this key */
	known kn;
} kiosk;

/* ---- the profile's steps ---- */

/* GET DATA 0101: serial, life cycle, PIN counters. A key that does not answer
 * it is not one of ours: no such object, or a PIN's state where a data object
 * was asked for, is the wrong card. */
static const card_sw status_do_sw[] = {
	{ ISO_SW_NOT_FOUND, CARD_SW_EXACT, TOK_WRONG_CARD },
	{ 0x6283, CARD_SW_EXACT, TOK_WRONG_CARD },  /* deactivated */
	{ 0x6300, CARD_SW_EXACT, TOK_WRONG_CARD },
	{ 0x63C0, 0xFFF0u, TOK_WRONG_CARD },
	{ ISO_SW_BLOCKED, CARD_SW_EXACT, TOK_WRONG_CARD },
	{ 0 },
};

static token_status get_status(kiosk *k, tp_status *s)
{
	iso_apdu a = CARD_APDU(ISO_INS_GET_DATA, TP_DO_STATUS >> 8, TP_DO_STATUS & 0xFF, NULL, 0,
			       256);
	iso_resp r;
	token_status st = card_run(&k->card, &a, &r, "GET DATA (key status)", status_do_sw);
	if (st != TOK_OK)
		return st;
	if (tp_status_decode(r.data, r.len, s) != 0) {
		reader_note(k->card.rd,
			    "GET DATA (key status): not this profile's key status object");
		return TOK_WRONG_CARD;
	}
	return TOK_OK;
}

static void forget(kiosk *k)
{
	memset(&k->kn, 0, sizeof k->kn);
}

/* Is what kn holds about the key in the reader now (after reader_begin)? */
static bool knows(const kiosk *k)
{
	return k->kn.session && k->kn.session == reader_session(k->card.rd);
}

/* The key status: as known in this session, or (fresh, or nothing known)
 * read with GET DATA. A status that differs from what was known (another
 * serial, another life cycle) drops the rest of what was known. */
static token_status status_of(kiosk *k, tp_status *s, bool fresh)
{
	if (!fresh && knows(k)) {
		*s = k->kn.st;
		return TOK_OK;
	}
	token_status st = get_status(k, s);
	if (st != TOK_OK) {
		forget(k);
		return st;
	}
	if (!knows(k) || strcmp(k->kn.st.serial, s->serial) != 0 || k->kn.st.lcs != s->lcs) {
		forget(k);
		k->kn.session = reader_session(k->card.rd);
	}
	k->kn.st = *s;
	k->kn.counters = true;
	return TOK_OK;
}

/* An operation's end: what failed may have left the key otherwise than
 * known, so it is read afresh next time. */
static token_status end_op(kiosk *k, token_status st)
{
	if (st != TOK_OK && st != TOK_WRONG_PIN && st != TOK_BLOCKED)
		forget(k);
	return reader_end(k->card.rd, st);
}

static token_status select_app(kiosk *k, iso_fcp *f)
{
	return card_select_aid(&k->card, tp_aid, TP_AID_LEN, f);
}

/* The user PIN as the card takes it: the FF-padded block, or (too long to be
 * right) the bytes as they are, which the key counts as a wrong PIN. */
static size_t pin_data(const char *pin, uint8_t *out)
{
	if (tp_pin_block(pin, out))
		return TP_PIN_BLOCK;
	size_t n = strlen(pin);
	memcpy(out, pin, n);
	return n;
}

static token_status verify_user(kiosk *k, const char *pin, int max, int *tries_left)
{
	uint8_t d[64];
	size_t n = pin_data(pin, d);
	iso_apdu a = CARD_APDU(ISO_INS_VERIFY, 0x00, TP_PIN_USER, d, n, 0);
	iso_resp r;
	token_status st = card_transmit(&k->card, &a, &r);
	OPENSSL_cleanse(d, sizeof d);
	return st != TOK_OK ? st : card_pin_result(&k->card, r.sw, max, tries_left, "user PIN");
}

static bool have_master(kiosk *k)
{
	if (k->master_len)
		return true;
	reader_note(k->card.rd,
		    "no admin master secret configured: this device can only read keys");
	return false;
}

/* The admin PIN opens writes. A key that refuses ours was personalised with
 * another master secret: not this CA's key for this kiosk. */
static token_status verify_admin(kiosk *k, const char *serial)
{
	uint8_t pin[TP_ADMIN_LEN];
	if (tp_admin_pin(k->master, k->master_len, serial, pin) != 0)
		return TOK_INVALID;
	iso_apdu a = CARD_APDU(ISO_INS_VERIFY, 0x00, TP_PIN_ADMIN, pin, sizeof pin, 0);
	iso_resp r;
	token_status st = card_transmit(&k->card, &a, &r);
	OPENSSL_cleanse(pin, sizeof pin);
	if (st != TOK_OK)
		return st;
	if (r.sw == ISO_SW_OK)
		return TOK_OK;
	reader_note(k->card.rd, "admin PIN of key %s refused (%04X %s): the key was personalised "
		    "with another master secret", serial, r.sw, iso_sw_text(r.sw));
	return TOK_WRONG_CARD;
}

/* What the key holds: status, both info records; selected: the
 * application was selected in this transaction (to read the records). */
typedef struct held {
	tp_status st;
	tp_record rec[2];
	bool ok[2];
	int cur; /* 0 none, 1 A, 2 B */
	bool selected;
} held;

/* fresh: the status read again whatever is known (read_info: the PIN
 * counters as they are now); the records are read only when not known. */
static token_status load(kiosk *k, held *h, bool need_app, bool fresh)
{
	memset(h, 0, sizeof *h);
	token_status st = status_of(k, &h->st, fresh);
	if (st != TOK_OK)
		return st;
	if (!iso_lcs_operational(h->st.lcs))
		return need_app ? TOK_NOT_PERSONALISED : TOK_OK;
	if (k->kn.have_recs) {
		memcpy(h->rec, k->kn.rec, sizeof h->rec);
		memcpy(h->ok, k->kn.ok, sizeof h->ok);
		h->cur = k->kn.cur;
		return TOK_OK;
	}
	if ((st = select_app(k, NULL)) != TOK_OK)
		return st;
	h->selected = true;
	static const int sfi[2] = { TP_SFI_INFO_A, TP_SFI_INFO_B };
	for (int i = 0; i < 2; i++) {
		uint8_t buf[TP_INFO_SIZE];
		size_t got;
		if ((st = card_read_binary(&k->card, sfi[i], sizeof buf, buf, &got)) != TOK_OK)
			return st;
		h->ok[i] = tp_record_decode(buf, got, &h->rec[i]) == 0 &&
			   strcmp(h->rec[i].serial, h->st.serial) == 0;
	}
	h->cur = tp_record_pick(&h->rec[0], h->ok[0], &h->rec[1], h->ok[1]);
	memcpy(k->kn.rec, h->rec, sizeof h->rec);
	memcpy(k->kn.ok, h->ok, sizeof h->ok);
	k->kn.cur = h->cur;
	k->kn.have_recs = true;
	return TOK_OK;
}

/* The application selected for the commands that follow load(). */
static token_status load_app(kiosk *k, held *h)
{
	token_status st = load(k, h, true, false);
	if (st == TOK_OK && !h->selected && (st = select_app(k, NULL)) == TOK_OK)
		h->selected = true;
	return st;
}

/* ---- operations ---- */

static token_status kiosk_read_info(void *ctx, token_info *out)
{
	kiosk *k = ctx;
	token_status st = reader_begin(k->card.rd);
	if (st != TOK_OK)
		return st;
	held h;
	st = load(k, &h, false, true);
	if (st == TOK_OK) {
		snprintf(out->serial, sizeof out->serial, "%s", h.st.serial);
		out->personalised = iso_lcs_operational(h.st.lcs);
		if (out->personalised) {
			out->pin_tries_max = h.st.user_max;
			out->pin_tries_left = h.st.user_left;
			out->blocked = h.st.user_left == 0;
			out->key_alg = tp_key_alg_of(h.st.key_alg) == KEY_ALG_SM2 ? KEY_ALG_SM2
										    : KEY_ALG_P256;
			if (h.cur)
				tp_record_to_info(&h.rec[h.cur - 1], out);
		}
	}
	return end_op(k, st);
}

/* An EF of the application. One that exists was made by a personalisation
 * that was interrupted: this one resumes it. */
static const card_sw ef_exists_sw[] = {
	{ ISO_SW_FILE_EXISTS, CARD_SW_EXACT, TOK_OK },
	{ 0 },
};

static token_status create_ef(kiosk *k, uint16_t fid, int sfi, size_t size)
{
	uint8_t in[32], fcp[40];
	iso_buf b, w;
	iso_buf_init(&b, in, sizeof in);
	uint8_t sz[2] = { (uint8_t)(size >> 8), (uint8_t)size };
	uint8_t fdb = ISO_FDB_TRANSPARENT, id[2] = { (uint8_t)(fid >> 8), (uint8_t)fid };
	uint8_t s = (uint8_t)(sfi << 3);
	iso_buf_tlv(&b, 0x80, sz, 2);
	iso_buf_tlv(&b, 0x82, &fdb, 1);
	iso_buf_tlv(&b, 0x83, id, 2);
	iso_buf_tlv(&b, 0x88, &s, 1);
	iso_buf_init(&w, fcp, sizeof fcp);
	iso_buf_tlv(&w, 0x62, in, b.len);
	iso_apdu a = CARD_APDU(ISO_INS_CREATE_FILE, 0, 0, fcp, w.len, 0);
	iso_resp r;
	token_status st = card_transmit(&k->card, &a, &r);
	if (st != TOK_OK)
		return st;
	char what[32];
	snprintf(what, sizeof what, "CREATE FILE %04X", fid);
	return card_check_sw(&k->card, r.sw, ef_exists_sw, what);
}

/* alg: the key pair GENERATE makes (the platform's key_algorithm) */
static token_status kiosk_personalise_alg(void *ctx, const char *initial_pin, key_alg alg)
{
	kiosk *k = ctx;
	if (!have_master(k))
		return TOK_NOT_SUPPORTED;
	token_status st = reader_begin(k->card.rd);
	if (st != TOK_OK)
		return st;
	tp_status s;
	uint8_t pin[TP_PIN_BLOCK], admin[TP_ADMIN_LEN];
	if ((st = status_of(k, &s, false)) != TOK_OK)
		goto out;
	if (iso_lcs_operational(s.lcs)) {
		/* done before the answer to its last command got back to us */
		if (strcmp(k->pending, s.serial) == 0) {
			k->pending[0] = '\0';
			goto out;
		}
		reader_note(k->card.rd, "key %s is already personalised", s.serial);
		st = TOK_WRONG_CARD;
		goto out;
	}
	snprintf(k->pending, sizeof k->pending, "%s", s.serial);
	if (s.lcs == 0x00) {
		uint8_t in[32], fcp[40];
		iso_buf b, w;
		iso_buf_init(&b, in, sizeof in);
		uint8_t fdb = ISO_FDB_DF, id[2] = { TP_DF_FID >> 8, TP_DF_FID & 0xFF };
		iso_buf_tlv(&b, 0x82, &fdb, 1);
		iso_buf_tlv(&b, 0x83, id, 2);
		iso_buf_tlv(&b, 0x84, tp_aid, TP_AID_LEN);
		iso_buf_init(&w, fcp, sizeof fcp);
		iso_buf_tlv(&w, 0x62, in, b.len);
		iso_apdu a = CARD_APDU(ISO_INS_CREATE_FILE, 0, 0, fcp, w.len, 0);
		st = card_run(&k->card, &a, NULL, "CREATE FILE (application)", NULL);
		if (st != TOK_OK)
			goto out;
	} else if ((st = select_app(k, NULL)) != TOK_OK) {
		goto out;
	}
	static const struct {
		uint16_t fid;
		int sfi;
		size_t size;
	} efs[] = { { TP_EF_INFO_A, TP_SFI_INFO_A, TP_INFO_SIZE },
		    { TP_EF_INFO_B, TP_SFI_INFO_B, TP_INFO_SIZE },
		    { TP_EF_CERT_A, TP_SFI_CERT_A, TP_CERT_SIZE },
		    { TP_EF_CERT_B, TP_SFI_CERT_B, TP_CERT_SIZE } };
	for (size_t i = 0; i < sizeof efs / sizeof efs[0]; i++)
		if ((st = create_ef(k, efs[i].fid, efs[i].sfi, efs[i].size)) != TOK_OK)
			goto out;
	tp_pin_block(initial_pin, pin);
	iso_apdu a = CARD_APDU(ISO_INS_CHANGE_REF, 0x01, TP_PIN_USER, pin, sizeof pin, 0);
	st = card_run(&k->card, &a, NULL, "CHANGE REFERENCE DATA (user PIN)", NULL);
	if (st != TOK_OK)
		goto out;
	if (tp_admin_pin(k->master, k->master_len, s.serial, admin) != 0) {
		st = TOK_INVALID;
		goto out;
	}
	a = CARD_APDU(ISO_INS_CHANGE_REF, 0x01, TP_PIN_ADMIN, admin, sizeof admin, 0);
	st = card_run(&k->card, &a, NULL, "CHANGE REFERENCE DATA (admin PIN)", NULL);
	if (st != TOK_OK)
		goto out;
	/* B6 { 84 key, 80 mechanism }: the mechanism only for a pair that is
	 * not P-256, so a P-256 personalisation is as it always was */
	uint8_t crt[8] = { 0xB6, 0x03, 0x84, 0x01, TP_KEY_REF, 0x80, 0x01, tp_alg_ref(alg) };
	size_t crt_len = 5;
	if (alg != KEY_ALG_P256) {
		crt[1] = 0x06;
		crt_len = sizeof crt;
	}
	a = CARD_APDU(ISO_INS_GENERATE_KEY, 0x80, 0x00, crt, crt_len, 256);
	iso_resp r;
	st = card_run(&k->card, &a, &r, "GENERATE ASYMMETRIC KEY PAIR", NULL);
	if (st != TOK_OK)
		goto out;
	/* the public key it answers is the one read_pubkey gives this session */
	size_t pub_len = r.len <= sizeof k->kn.pub ? r.len : 0;
	memcpy(k->kn.pub, r.data, pub_len);
	/* the commit: the application becomes operational */
	a = CARD_APDU(ISO_INS_ACTIVATE_FILE, 0x04, 0x00, tp_aid, TP_AID_LEN, 0);
	if ((st = card_run(&k->card, &a, NULL, "ACTIVATE FILE", NULL)) != TOK_OK)
		goto out;
	k->pending[0] = '\0';
	/* what the key holds now: operational, no record yet (the records are
	 * written only once it is), PIN counters as the key set them */
	k->kn.st.lcs = 0x05;
	k->kn.st.has_key = true;
	k->kn.st.key_alg = tp_alg_ref(alg);
	k->kn.counters = false;
	k->kn.have_recs = true;
	memset(k->kn.rec, 0, sizeof k->kn.rec);
	k->kn.ok[0] = k->kn.ok[1] = false;
	k->kn.cur = 0;
	k->kn.pub_len = pub_len;
out:
	OPENSSL_cleanse(pin, sizeof pin);
	OPENSSL_cleanse(admin, sizeof admin);
	return end_op(k, st);
}

/* Write a new info record (and before it, when der is given, the
 * certificate) into the copies the current record does not use. */
static token_status write_record(kiosk *k, const held *h, tp_record *n, const uint8_t *der,
				 size_t der_len)
{
	const tp_record *cur = h->cur ? &h->rec[h->cur - 1] : NULL;
	n->seq = cur ? cur->seq + 1 : 1;
	int info_sfi = h->cur == 1 ? TP_SFI_INFO_B : TP_SFI_INFO_A;
	snprintf(n->serial, sizeof n->serial, "%s", h->st.serial);
	if (der) {
		n->cert_slot = cur && cur->cert_slot == 1 ? 2 : 1;
		n->cert_len = der_len;
		unsigned int hl = 0;
		if (EVP_Digest(der, der_len, n->cert_hash, &hl, EVP_sha256(), NULL) != 1)
			return TOK_IO_ERROR;
	}
	uint8_t rec[TP_RECORD_MAX];
	size_t len = tp_record_encode(n, rec, sizeof rec);
	if (!len) {
		reader_note(k->card.rd, "the info record does not encode (a field out of range)");
		return TOK_INVALID;
	}
	token_status st = verify_admin(k, h->st.serial);
	if (st == TOK_OK && der)
		st = card_update_binary(&k->card, n->cert_slot == 1 ? TP_SFI_CERT_A : TP_SFI_CERT_B,
					der, der_len);
	if (st == TOK_OK)
		st = card_update_binary(&k->card, info_sfi, rec, len);
	if (st == TOK_OK) {
		card_logout(&k->card, TP_PIN_ADMIN);
		/* the new record is current, the old one stays beside it */
		int i = info_sfi == TP_SFI_INFO_A ? 0 : 1;
		k->kn.rec[i] = *n;
		k->kn.ok[i] = true;
		k->kn.cur = i + 1;
	}
	return st;
}

static token_status kiosk_personalise(void *ctx, const char *initial_pin)
{
	return kiosk_personalise_alg(ctx, initial_pin, KEY_ALG_P256);
}

static token_status kiosk_write_cert(void *ctx, const token_cert *c)
{
	kiosk *k = ctx;
	if (!c->der || c->der_len > TP_CERT_SIZE) {
		reader_note(k->card.rd, "the certificate to write is missing or over %d bytes",
			    TP_CERT_SIZE);
		return TOK_INVALID;
	}
	if (!have_master(k))
		return TOK_NOT_SUPPORTED;
	token_status st = reader_begin(k->card.rd);
	if (st != TOK_OK)
		return st;
	held h;
	if ((st = load_app(k, &h)) == TOK_OK) {
		tp_record n = { 0 };
		snprintf(n.unit_name, sizeof n.unit_name, "%s", c->unit_name);
		snprintf(n.uscc, sizeof n.uscc, "%s", c->uscc);
		snprintf(n.cert_serial, sizeof n.cert_serial, "%s", c->cert_serial);
		n.not_before = c->not_before;
		n.not_after = c->not_after;
		n.seal_not_after = c->with_seal ? c->seal_not_after
				 : h.cur ? h.rec[h.cur - 1].seal_not_after : -1;
		st = write_record(k, &h, &n, c->der, c->der_len);
	}
	return end_op(k, st);
}

static token_status kiosk_write_seal(void *ctx, long seal_not_after)
{
	kiosk *k = ctx;
	if (!have_master(k))
		return TOK_NOT_SUPPORTED;
	token_status st = reader_begin(k->card.rd);
	if (st != TOK_OK)
		return st;
	held h;
	if ((st = load(k, &h, true, false)) == TOK_OK) {
		if (!h.cur) {
			st = TOK_NO_CERT;
		} else if (h.selected || (st = select_app(k, NULL)) == TOK_OK) {
			tp_record n = h.rec[h.cur - 1];
			n.seal_not_after = seal_not_after;
			st = write_record(k, &h, &n, NULL, 0);
		}
	}
	return end_op(k, st);
}

/* Status and the application selected, for the PIN operations. */
static token_status pin_begin(kiosk *k, tp_status *s)
{
	token_status st = reader_begin(k->card.rd);
	if (st != TOK_OK)
		return st;
	/* the counters are wanted (tries left when the PIN is right) */
	if ((st = status_of(k, s, !k->kn.counters)) == TOK_OK) {
		if (!iso_lcs_operational(s->lcs))
			st = TOK_NOT_PERSONALISED;
		else
			st = select_app(k, NULL);
	}
	return st;
}

static token_status kiosk_verify_pin(void *ctx, const char *pin, int *tries_left)
{
	kiosk *k = ctx;
	tp_status s;
	token_status st = pin_begin(k, &s);
	if (st == TOK_OK) {
		st = verify_user(k, pin, s.user_max, tries_left);
		if (st == TOK_OK)
			card_logout(&k->card, TP_PIN_USER);
	}
	return end_op(k, st);
}

static token_status kiosk_change_pin(void *ctx, const char *old_pin, const char *new_pin,
				     int *tries_left)
{
	kiosk *k = ctx;
	tp_status s;
	token_status st = pin_begin(k, &s);
	if (st != TOK_OK)
		return end_op(k, st);
	uint8_t d[2 * TP_PIN_BLOCK];
	if (!tp_pin_block(old_pin, d)) {
		/* cannot be the PIN: let the key count it */
		st = verify_user(k, old_pin, s.user_max, tries_left);
		return end_op(k, st);
	}
	tp_pin_block(new_pin, d + TP_PIN_BLOCK);
	iso_apdu a = CARD_APDU(ISO_INS_CHANGE_REF, 0x00, TP_PIN_USER, d, sizeof d, 0);
	iso_resp r;
	st = card_transmit(&k->card, &a, &r);
	OPENSSL_cleanse(d, sizeof d);
	if (st == TOK_OK)
		st = card_pin_result(&k->card, r.sw, s.user_max, tries_left, "user PIN");
	if (st == TOK_OK)
		card_logout(&k->card, TP_PIN_USER);
	return end_op(k, st);
}

/* RESET RETRY COUNTER proves the admin PIN: a key that counts it wrong (or
 * has blocked it) was personalised with another master secret, which is the
 * wrong card, not the customer's mistake. */
static const card_sw admin_pin_sw[] = {
	{ 0x63C0, 0xFFF0u, TOK_WRONG_CARD },
	{ ISO_SW_BLOCKED, CARD_SW_EXACT, TOK_WRONG_CARD },
	{ 0 },
};

static token_status kiosk_reset_pin(void *ctx, const char *new_pin)
{
	kiosk *k = ctx;
	if (!have_master(k))
		return TOK_NOT_SUPPORTED;
	tp_status s;
	token_status st = pin_begin(k, &s);
	if (st != TOK_OK)
		return end_op(k, st);
	uint8_t d[TP_ADMIN_LEN + TP_PIN_BLOCK];
	if (tp_admin_pin(k->master, k->master_len, s.serial, d) != 0)
		return end_op(k, TOK_INVALID);
	tp_pin_block(new_pin, d + TP_ADMIN_LEN);
	iso_apdu a = CARD_APDU(ISO_INS_RESET_RETRY, 0x00, TP_PIN_USER, d, sizeof d, 0);
	iso_resp r;
	st = card_transmit(&k->card, &a, &r);
	OPENSSL_cleanse(d, sizeof d);
	if (st == TOK_OK) {
		char what[80];
		snprintf(what, sizeof what, "RESET RETRY COUNTER on key %s", s.serial);
		st = card_check_sw(&k->card, r.sw, admin_pin_sw, what);
	}
	return end_op(k, st);
}

static token_status kiosk_erase(void *ctx)
{
	kiosk *k = ctx;
	token_status st = reader_begin(k->card.rd);
	if (st != TOK_OK)
		return st;
	tp_status s;
	if ((st = status_of(k, &s, false)) != TOK_OK || s.lcs == 0x00)
		return end_op(k, st);
	if (iso_lcs_operational(s.lcs) && !have_master(k))
		return end_op(k, TOK_NOT_SUPPORTED);
	if ((st = select_app(k, NULL)) == TOK_OK && iso_lcs_operational(s.lcs))
		st = verify_admin(k, s.serial);
	if (st == TOK_OK) {
		iso_apdu a = CARD_APDU(ISO_INS_DELETE_FILE, 0x04, 0x00, tp_aid, TP_AID_LEN, 0);
		st = card_run(&k->card, &a, NULL, "DELETE FILE (application)", NULL);
	}
	if (st == TOK_OK) {
		/* blank again: nothing of the application is left to know */
		tp_status blank = k->kn.st;
		unsigned long session = k->kn.session;
		forget(k);
		k->kn.session = session;
		k->kn.st = blank;
		k->kn.st.lcs = 0x00;
		k->kn.st.has_key = false;
		k->kn.st.user_max = k->kn.st.user_left = -1;
		k->kn.st.admin_max = k->kn.st.admin_left = -1;
	}
	return end_op(k, st);
}

static token_status kiosk_read_cert(void *ctx, unsigned char **der, size_t *der_len)
{
	kiosk *k = ctx;
	token_status st = reader_begin(k->card.rd);
	if (st != TOK_OK)
		return st;
	held h;
	if ((st = load(k, &h, true, false)) != TOK_OK)
		return end_op(k, st);
	if (!h.cur)
		return end_op(k, TOK_NO_CERT);
	if (!h.selected && (st = select_app(k, NULL)) != TOK_OK)
		return end_op(k, st);
	const tp_record *r = &h.rec[h.cur - 1];
	unsigned char *buf = malloc(r->cert_len);
	size_t got = 0;
	if (!buf)
		return end_op(k, TOK_IO_ERROR);
	st = card_read_binary(&k->card, r->cert_slot == 1 ? TP_SFI_CERT_A : TP_SFI_CERT_B,
			      r->cert_len, buf, &got);
	uint8_t hash[32];
	unsigned int hl = 0;
	if (st == TOK_OK && (got != r->cert_len ||
			     EVP_Digest(buf, got, hash, &hl, EVP_sha256(), NULL) != 1 ||
			     memcmp(hash, r->cert_hash, 32) != 0)) {
		reader_note(k->card.rd, "the certificate on key %s does not match its info record",
			    h.st.serial);
		st = TOK_CHECK_FAILED;
	}
	if (st != TOK_OK) {
		free(buf);
		return end_op(k, st);
	}
	*der = buf;
	*der_len = got;
	return end_op(k, TOK_OK);
}

/* Reading the public key of a key pair not made yet: a key whose
 * personalisation stopped before GENERATE ASYMMETRIC KEY PAIR. */
static const card_sw no_key_pair_sw[] = {
	{ ISO_SW_DATA_NOT_FOUND, CARD_SW_EXACT, TOK_NOT_PERSONALISED },
	{ 0 },
};

static token_status kiosk_read_pubkey(void *ctx, unsigned char **spki, size_t *spki_len)
{
	kiosk *k = ctx;
	token_status st = reader_begin(k->card.rd);
	if (st != TOK_OK)
		return st;
	/* the pair GENERATE made in this session answered its public key then */
	if (knows(k) && k->kn.pub_len)
		return end_op(k, card_spki_from_7f49(&k->card, k->kn.pub, k->kn.pub_len, spki,
						     spki_len));
	iso_fcp f;
	if ((st = select_app(k, &f)) != TOK_OK) {
		/* no application: a blank key of this profile, or another card
		 * altogether, which answers no key status (wrong_card, as every
		 * other operation says); asked only then, so a personalised key
		 * costs no extra APDU */
		tp_status s;
		token_status why = st == TOK_NOT_PERSONALISED ? get_status(k, &s) : TOK_OK;
		return end_op(k, why != TOK_OK ? why : st);
	}
	iso_apdu a = CARD_APDU(ISO_INS_GENERATE_KEY, 0x81, 0x00, NULL, 0, 256);
	iso_resp r;
	st = card_run(&k->card, &a, &r, "GENERATE ASYMMETRIC KEY PAIR (read public key)",
		      no_key_pair_sw);
	if (st == TOK_OK)
		st = card_spki_from_7f49(&k->card, r.data, r.len, spki, spki_len);
	return end_op(k, st);
}

static token_status kiosk_sign(void *ctx, const char *pin, const unsigned char *data,
			       size_t len, unsigned char *sig, size_t *sig_len, int *tries_left)
{
	kiosk *k = ctx;
	tp_status s;
	token_status st = pin_begin(k, &s);
	if (st == TOK_OK)
		st = verify_user(k, pin, s.user_max, tries_left);
	if (st != TOK_OK)
		return end_op(k, st);
	iso_apdu a = CARD_APDU(ISO_INS_INTERNAL_AUTH, 0x00, 0x00, data, len, 256);
	iso_resp r;
	st = card_run(&k->card, &a, &r, "INTERNAL AUTHENTICATE", NULL);
	/* the answer is in the reader's buffer, which the logout reuses */
	uint8_t raw[TP_SIG_RAW_LEN];
	size_t raw_len = st == TOK_OK ? r.len : 0;
	if (raw_len == TP_SIG_RAW_LEN)
		memcpy(raw, r.data, raw_len);
	card_logout(&k->card, TP_PIN_USER);
	if (st == TOK_OK && raw_len != TP_SIG_RAW_LEN) {
		reader_note(k->card.rd, "INTERNAL AUTHENTICATE: %zu bytes, not r || s", raw_len);
		st = TOK_WRONG_CARD;
	}
	if (st != TOK_OK)
		return end_op(k, st);
	/* r || s -> the DER ECDSA-Sig-Value X.509 verifiers take (an SM2
	 * signature is the same SEQUENCE { r, s }) */
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *br = BN_bin2bn(raw, 32, NULL), *bs = BN_bin2bn(raw + 32, 32, NULL);
	if (!es || !br || !bs || ECDSA_SIG_set0(es, br, bs) != 1) {
		BN_free(br);
		BN_free(bs);
		ECDSA_SIG_free(es);
		return end_op(k, TOK_IO_ERROR);
	}
	int n = i2d_ECDSA_SIG(es, NULL);
	unsigned char *q = sig;
	if (n <= 0 || n > TOKEN_SIG_MAX || i2d_ECDSA_SIG(es, &q) != n)
		st = TOK_IO_ERROR;
	else
		*sig_len = (size_t)n;
	ECDSA_SIG_free(es);
	return end_op(k, st);
}

static void kiosk_free(void *ctx)
{
	kiosk *k = ctx;
	if (!k)
		return;
	reader_free(k->card.rd);
	OPENSSL_cleanse(k->master, sizeof k->master);
	free(k);
}

/* token_dev_name() says how the key is reached: "pcsc" for every card driver */
const token_ops card_kiosk_ops = {
	.name = "pcsc",
	.present = card_present,
	.read_info = kiosk_read_info,
	.personalise = kiosk_personalise,
	.write_cert = kiosk_write_cert,
	.write_seal = kiosk_write_seal,
	.verify_pin = kiosk_verify_pin,
	.change_pin = kiosk_change_pin,
	.reset_pin = kiosk_reset_pin,
	.erase = kiosk_erase,
	.free = kiosk_free,
	.read_cert = kiosk_read_cert,
	.read_pubkey = kiosk_read_pubkey,
	.sign = kiosk_sign,
	.personalise_alg = kiosk_personalise_alg,
};

/* ---- construction ---- */

const char *card_kiosk_known(const void *kiosk_ctx, unsigned long *session)
{
	const kiosk *k = kiosk_ctx;
	*session = k->kn.session;
	return k->kn.session ? k->kn.st.serial : NULL;
}

const uint8_t *card_kiosk_master(const void *kiosk_ctx, size_t *len)
{
	const kiosk *k = kiosk_ctx;
	*len = k->master_len;
	return k->master;
}

token_dev *token_pcsc_new(const char *reader_name, const char *admin_master_secret_file,
			  kerr *err)
{
	reader *rd = reader_new(reader_name, err);
	if (!rd)
		return NULL;
	token_dev *dev = calloc(1, sizeof *dev);
	kiosk *k = calloc(1, sizeof *k);
	if (!dev || !k) {
		free(dev);
		free(k);
		reader_free(rd);
		kerr_set(err, NULL, "out of memory");
		return NULL;
	}
	k->card.rd = rd;
	if (admin_master_secret_file && *admin_master_secret_file &&
	    card_master_load(admin_master_secret_file, k->master, &k->master_len, err) != 0) {
		kiosk_free(k);
		free(dev);
		return NULL;
	}
	dev->ops = &card_kiosk_ops;
	dev->ctx = k;
	return dev;
}
