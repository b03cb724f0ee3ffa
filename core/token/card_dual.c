/* card_dual: one device over the two applications of the customer's key, the
 * kiosk's own (card_kiosk.c) and PIV (card_piv.c), sharing one reader, so
 * that every service that writes or erases the key does both
 * (token_pcsc_add_piv). The kiosk's application is the key as the counter
 * knows it: reading, the seal, the PIN checks, the signature and the final
 * check are its alone. Writes do PIV first and the kiosk's application last,
 * because the kiosk's write is the one the token step looks at to know
 * whether it is done: a key pulled between the two reads as not written yet,
 * and the step, run again, does both again (each is resumable on its own).
 * A key without a PIV application, or whose PIV application this kiosk never
 * personalised (an older key: the factory management key), gets the kiosk's
 * part only.
 *
 * A key with the PIV application alone (a YubiKey 5, any PIV card the
 * customer brings) reads as TOK_WRONG_CARD unless the CA takes such keys
 * (token_pcsc_take_piv_only, kiosk.ini piv_only_keys = accept): then
 * read_info answers what its PIV application holds, and every operation
 * until the next read_info goes to PIV alone (docs/devices.md). */
#include "core/token/card.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Owned by its token_dev: the kiosk's ctx owns the reader, PIV's borrows it. */
typedef struct dual {
	card card;        /* first: card_of() finds the reader through it */
	void *kiosk;
	void *piv;
	bool piv_only;    /* the last read_info found PIV without the kiosk's application */
	bool take;        /* such a key is used through PIV (token_pcsc_take_piv_only) */
} dual;

/* The key last read is a PIV-only key the device takes: PIV alone. */
static bool piv_alone(const dual *d)
{
	return d->piv_only && d->take;
}

/* The key's serial, as the kiosk's driver knows it, passed on to PIV so
 * that it sends no command to learn it (APDU economy). */
static void *piv_of(dual *d)
{
	unsigned long session;
	const char *serial = card_kiosk_known(d->kiosk, &session);
	if (serial)
		card_piv_know_serial(d->piv, serial, session);
	return d->piv;
}

/* PIV's answer that there is no PIV application of ours: go on without it. */
static token_status piv_part(dual *d, token_status st)
{
	if (st == TOK_NOT_PERSONALISED) {
		reader_note(d->card.rd, "no PIV application of this kiosk on the key: kiosk part only");
		return TOK_OK;
	}
	return st;
}

static token_status dual_read_info(void *ctx, token_info *out)
{
	dual *d = ctx;
	d->piv_only = false;
	token_status st = card_kiosk_ops.read_info(d->kiosk, out);
	if (st != TOK_WRONG_CARD)
		return st;
	/* not a key of the kiosk's profile: a PIV key alone is told apart (it
	 * costs its APDUs only on such a key) */
	char why[512];
	snprintf(why, sizeof why, "%s", reader_detail(d->card.rd));
	token_info pi;
	token_info_clear(&pi);
	d->piv_only = card_piv_ops.read_info(d->piv, &pi) == TOK_OK;
	if (d->piv_only && d->take) {
		/* what PIV holds: P-256 pairs, no seal (token_info_clear left -1) */
		*out = pi;
		out->key_alg = KEY_ALG_P256;
		return TOK_OK;
	}
	if (d->piv_only)
		reader_note(d->card.rd, "key %s has a PIV application and not the kiosk's (%.300s)",
			    pi.serial, why);
	else
		reader_note(d->card.rd, "%s", why);
	return st;
}

/* PIV has no SM2: its slots get P-256 pairs whatever alg the kiosk's
 * application is personalised with (docs/token-profile.md) */
static token_status dual_personalise_alg(void *ctx, const char *initial_pin, key_alg alg)
{
	dual *d = ctx;
	if (piv_alone(d))
		return alg == KEY_ALG_P256 ? card_piv_ops.personalise(d->piv, initial_pin)
					   : TOK_NOT_SUPPORTED;
	token_info i;
	token_info_clear(&i);
	token_status st = card_kiosk_ops.read_info(d->kiosk, &i);
	if (st != TOK_OK)
		return st;
	/* a personalised key is refused (or, just personalised by us and the
	 * answer lost, recognised) by the kiosk's driver, before PIV is touched */
	if (!i.personalised)
		st = piv_part(d, card_piv_ops.personalise(piv_of(d), initial_pin));
	return st == TOK_OK ? card_kiosk_ops.personalise_alg(d->kiosk, initial_pin, alg) : st;
}

static token_status dual_personalise(void *ctx, const char *initial_pin)
{
	return dual_personalise_alg(ctx, initial_pin, KEY_ALG_P256);
}

static token_status dual_write_cert(void *ctx, const token_cert *c)
{
	dual *d = ctx;
	if (piv_alone(d))
		return card_piv_ops.write_cert(d->piv, c);
	token_status st = piv_part(d, card_piv_ops.write_cert(piv_of(d), c));
	return st == TOK_OK ? card_kiosk_ops.write_cert(d->kiosk, c) : st;
}

static token_status dual_write_seal(void *ctx, long seal_not_after)
{
	dual *d = ctx;
	if (piv_alone(d))
		return TOK_NOT_SUPPORTED; /* PIV has no place for the seal */
	return card_kiosk_ops.write_seal(d->kiosk, seal_not_after);
}

static token_status dual_verify_pin(void *ctx, const char *pin, int *tries_left)
{
	dual *d = ctx;
	if (piv_alone(d))
		return card_piv_ops.verify_pin(d->piv, pin, tries_left);
	return card_kiosk_ops.verify_pin(d->kiosk, pin, tries_left);
}

/* The customer's own PIN change is the kiosk application's: PIV's PIN is
 * the customer's to change with any PIV tool (6-8 digits). */
static token_status dual_change_pin(void *ctx, const char *old_pin, const char *new_pin,
				    int *tries_left)
{
	dual *d = ctx;
	if (piv_alone(d))
		return card_piv_ops.change_pin(d->piv, old_pin, new_pin, tries_left);
	return card_kiosk_ops.change_pin(d->kiosk, old_pin, new_pin, tries_left);
}

static token_status dual_reset_pin(void *ctx, const char *new_pin)
{
	dual *d = ctx;
	if (piv_alone(d))
		return card_piv_ops.reset_pin(d->piv, new_pin);
	token_status st = piv_part(d, card_piv_ops.reset_pin(piv_of(d), new_pin));
	return st == TOK_OK ? card_kiosk_ops.reset_pin(d->kiosk, new_pin) : st;
}

static token_status dual_erase(void *ctx)
{
	dual *d = ctx;
	if (piv_alone(d))
		return card_piv_ops.erase(d->piv);
	token_status st = piv_part(d, card_piv_ops.erase(piv_of(d)));
	return st == TOK_OK ? card_kiosk_ops.erase(d->kiosk) : st;
}

static token_status dual_read_cert(void *ctx, unsigned char **der, size_t *der_len)
{
	dual *d = ctx;
	if (piv_alone(d))
		return card_piv_ops.read_cert(d->piv, der, der_len);
	return card_kiosk_ops.read_cert(d->kiosk, der, der_len);
}

static token_status dual_read_pubkey(void *ctx, unsigned char **spki, size_t *spki_len)
{
	dual *d = ctx;
	if (piv_alone(d))
		return TOK_NOT_SUPPORTED; /* PIV has no command that reads a public key */
	return card_kiosk_ops.read_pubkey(d->kiosk, spki, spki_len);
}

static token_status dual_sign(void *ctx, const char *pin, const unsigned char *data, size_t len,
			      unsigned char *sig, size_t *sig_len, int *tries_left)
{
	dual *d = ctx;
	if (piv_alone(d))
		return card_piv_ops.sign(d->piv, pin, data, len, sig, sig_len, tries_left);
	return card_kiosk_ops.sign(d->kiosk, pin, data, len, sig, sig_len, tries_left);
}

static void dual_free(void *ctx)
{
	dual *d = ctx;
	if (!d)
		return;
	card_piv_ops.free(d->piv);
	card_kiosk_ops.free(d->kiosk);
	free(d);
}

const token_ops card_dual_ops = {
	.name = "pcsc",
	.present = card_present,
	.read_info = dual_read_info,
	.personalise = dual_personalise,
	.write_cert = dual_write_cert,
	.write_seal = dual_write_seal,
	.verify_pin = dual_verify_pin,
	.change_pin = dual_change_pin,
	.reset_pin = dual_reset_pin,
	.erase = dual_erase,
	.free = dual_free,
	.read_cert = dual_read_cert,
	.read_pubkey = dual_read_pubkey,
	.sign = dual_sign,
	.personalise_alg = dual_personalise_alg,
};

/* The PIV part of a device: its ctx, or NULL for a device without PIV. */
static void *piv_ctx(const token_dev *dev)
{
	if (dev && dev->ops == &card_dual_ops)
		return ((dual *)dev->ctx)->piv;
	if (dev && dev->ops == &card_piv_ops)
		return dev->ctx;
	return NULL;
}

token_status token_pcsc_app_certs(token_dev *dev, token_app_cert out[2], size_t *n)
{
	if (!n || !out)
		return TOK_INVALID;
	*n = 0;
	void *p = piv_ctx(dev);
	if (!p)
		return card_of(dev) ? TOK_OK : TOK_NOT_SUPPORTED;
	if (dev->ops == &card_dual_ops && !piv_alone(dev->ctx))
		p = piv_of(dev->ctx);
	return card_piv_app_certs(p, out, n);
}

bool token_pcsc_piv_only(const token_dev *dev)
{
	return dev && dev->ops == &card_dual_ops && ((const dual *)dev->ctx)->piv_only;
}

int token_pcsc_take_piv_only(token_dev *dev, bool take, kerr *err)
{
	if (!dev || dev->ops != &card_dual_ops)
		return kerr_set(err, NULL, "PIV-only keys are taken by a device with PIV "
				"(token_pcsc_add_piv)");
	dual *d = dev->ctx;
	d->take = take;
	d->piv_only = false;
	return 0;
}

int token_pcsc_on_issue(token_dev *dev, token_issue_hook hook, void *arg)
{
	void *p = piv_ctx(dev);
	if (!p)
		return -1;
	card_piv_set_hook(p, hook, arg);
	return 0;
}

int token_pcsc_add_piv(token_dev *dev, struct issuer *ca, kerr *err)
{
	if (!dev || dev->ops != &card_kiosk_ops)
		return kerr_set(err, NULL, "PIV is added to a device token_pcsc_new made, once");
	size_t mlen = 0;
	const uint8_t *master = card_kiosk_master(dev->ctx, &mlen);
	if (!mlen)
		return kerr_set(err, NULL, "PIV needs the keys' admin master secret");
	card *kc = dev->ctx;
	dual *d = calloc(1, sizeof *d);
	void *p = card_piv_ctx_new(kc->rd, false, master, mlen, ca);
	if (!d || !p) {
		free(d);
		card_piv_ops.free(p);
		return kerr_set(err, NULL, "out of memory");
	}
	d->card.rd = kc->rd;
	d->kiosk = dev->ctx;
	d->piv = p;
	dev->ops = &card_dual_ops;
	dev->ctx = d;
	return 0;
}
