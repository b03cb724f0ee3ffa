/* token: the status table, the argument checks every driver shares, and the
 * wrappers that apply them before calling the driver (see token.h). */
#include "core/token/token.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/kini.h"
#include "core/base/names.h"
#include "core/ca/ca.h"
#include "core/case/validate.h"

ENUM_DEFINE_WORD_KEY(token_status, TOKEN_STATUSES, "?", "token.status.io_error")

void token_info_clear(token_info *i)
{
	memset(i, 0, sizeof *i);
	i->not_before = -1;
	i->not_after = -1;
	i->seal_not_after = -1;
	i->pin_tries_left = -1;
	i->pin_tries_max = -1;
}

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool token_pin_acceptable(const char *pin)
{
	if (!pin)
		return false;
	size_t n = strlen(pin);
	if (n < TOKEN_PIN_MIN || n > TOKEN_PIN_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(pin[i]))
			return false;
	return true;
}

bool token_serial_valid(const char *serial)
{
	if (!serial)
		return false;
	size_t n = strlen(serial);
	if (n < 1 || n > TOKEN_SERIAL_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(serial[i]) && serial[i] != '_' && serial[i] != '-')
			return false;
	return true;
}

static bool hex_string(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n < 1 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

bool token_cert_serial_valid(const char *s)
{
	return s && hex_string(s, TOKEN_CERT_SERIAL_MAX);
}

bool token_uscc_valid(const char *uscc)
{
	val_result r;
	/* the key holds the normalised form: a lower-case USCC is refused here */
	return uscc && validate_uscc(uscc, &r) && strcmp(r.norm, uscc) == 0;
}

bool token_cert_valid(const token_cert *c)
{
	if (!c || !c->unit_name || !c->uscc || !c->cert_serial)
		return false;
	size_t un = strlen(c->unit_name);
	if (un < 1 || un > TOKEN_UNIT_MAX || !kini_utf8_valid(c->unit_name, un, NULL))
		return false;
	if (!token_uscc_valid(c->uscc) || !token_cert_serial_valid(c->cert_serial))
		return false;
	if (c->not_before < 0 || c->not_after < c->not_before)
		return false;
	if (c->with_seal && c->seal_not_after < -1)
		return false;
	return (c->der == NULL) == (c->der_len == 0);
}

/* The driver's operation, or TOK_NOT_SUPPORTED from the caller. */
#define OP(dev, op) ((dev) && (dev)->ops && (dev)->ops->op ? (dev)->ops->op : NULL)

token_status token_present(token_dev *dev, bool *present)
{
	if (!present)
		return TOK_INVALID;
	*present = false;
	if (!OP(dev, present))
		return TOK_NOT_SUPPORTED;
	return dev->ops->present(dev->ctx, present);
}

token_status token_read_info(token_dev *dev, token_info *out)
{
	if (!out)
		return TOK_INVALID;
	token_info_clear(out);
	if (!OP(dev, read_info))
		return TOK_NOT_SUPPORTED;
	token_status st = dev->ops->read_info(dev->ctx, out);
	if (st != TOK_OK) {
		/* a failed read shows nothing half-read */
		token_info_clear(out);
	}
	return st;
}

token_status token_personalise(token_dev *dev, const char *initial_pin)
{
	if (!OP(dev, personalise))
		return TOK_NOT_SUPPORTED;
	if (!token_pin_acceptable(initial_pin))
		return initial_pin ? TOK_PIN_FORMAT : TOK_INVALID;
	return dev->ops->personalise(dev->ctx, initial_pin);
}

token_status token_personalise_alg(token_dev *dev, const char *initial_pin, key_alg alg)
{
	if (alg < 0 || alg >= KEY_ALG_COUNT)
		return TOK_INVALID;
	if (!OP(dev, personalise_alg))
		return alg == KEY_ALG_P256 ? token_personalise(dev, initial_pin) : TOK_NOT_SUPPORTED;
	if (!token_pin_acceptable(initial_pin))
		return initial_pin ? TOK_PIN_FORMAT : TOK_INVALID;
	return dev->ops->personalise_alg(dev->ctx, initial_pin, alg);
}

token_status token_write_cert(token_dev *dev, const token_cert *c)
{
	if (!OP(dev, write_cert))
		return TOK_NOT_SUPPORTED;
	if (!token_cert_valid(c))
		return TOK_INVALID;
	return dev->ops->write_cert(dev->ctx, c);
}

token_status token_write_seal(token_dev *dev, long seal_not_after)
{
	if (!OP(dev, write_seal))
		return TOK_NOT_SUPPORTED;
	if (seal_not_after < 0)
		return TOK_INVALID;
	return dev->ops->write_seal(dev->ctx, seal_not_after);
}

token_status token_verify_pin(token_dev *dev, const char *pin, int *tries_left)
{
	if (tries_left)
		*tries_left = -1;
	if (!OP(dev, verify_pin))
		return TOK_NOT_SUPPORTED;
	/* a PIN of any form goes to the key (a real key counts it too), but a
	 * missing or absurdly long one is the program's fault */
	if (!pin || strlen(pin) > 64)
		return TOK_INVALID;
	return dev->ops->verify_pin(dev->ctx, pin, tries_left);
}

token_status token_change_pin(token_dev *dev, const char *old_pin, const char *new_pin,
			      int *tries_left)
{
	if (tries_left)
		*tries_left = -1;
	if (!OP(dev, change_pin))
		return TOK_NOT_SUPPORTED;
	if (!old_pin || strlen(old_pin) > 64 || !new_pin)
		return TOK_INVALID;
	/* checked before the old PIN, so a bad new PIN costs no try */
	if (!token_pin_acceptable(new_pin))
		return TOK_PIN_FORMAT;
	return dev->ops->change_pin(dev->ctx, old_pin, new_pin, tries_left);
}

token_status token_reset_pin(token_dev *dev, const char *new_pin)
{
	if (!OP(dev, reset_pin))
		return TOK_NOT_SUPPORTED;
	if (!token_pin_acceptable(new_pin))
		return new_pin ? TOK_PIN_FORMAT : TOK_INVALID;
	return dev->ops->reset_pin(dev->ctx, new_pin);
}

token_status token_erase(token_dev *dev)
{
	if (!OP(dev, erase))
		return TOK_NOT_SUPPORTED;
	return dev->ops->erase(dev->ctx);
}

token_status token_read_cert(token_dev *dev, unsigned char **der, size_t *der_len)
{
	if (!der || !der_len)
		return TOK_INVALID;
	*der = NULL;
	*der_len = 0;
	if (!OP(dev, read_cert))
		return TOK_NOT_SUPPORTED;
	token_status st = dev->ops->read_cert(dev->ctx, der, der_len);
	if (st != TOK_OK) {
		free(*der);
		*der = NULL;
		*der_len = 0;
	}
	return st;
}

token_status token_read_pubkey(token_dev *dev, unsigned char **spki, size_t *spki_len)
{
	if (!spki || !spki_len)
		return TOK_INVALID;
	*spki = NULL;
	*spki_len = 0;
	if (!OP(dev, read_pubkey))
		return TOK_NOT_SUPPORTED;
	token_status st = dev->ops->read_pubkey(dev->ctx, spki, spki_len);
	if (st != TOK_OK) {
		free(*spki);
		*spki = NULL;
		*spki_len = 0;
	}
	return st;
}

token_status token_sign(token_dev *dev, const char *pin, const unsigned char *data, size_t len,
			unsigned char *sig, size_t *sig_len, int *tries_left)
{
	if (tries_left)
		*tries_left = -1;
	if (sig_len)
		*sig_len = 0;
	if (!OP(dev, sign))
		return TOK_NOT_SUPPORTED;
	if (!pin || strlen(pin) > 64 || !data || len < 1 || len > TOKEN_CHALLENGE_MAX || !sig ||
	    !sig_len)
		return TOK_INVALID;
	return dev->ops->sign(dev->ctx, pin, data, len, sig, sig_len, tries_left);
}

token_status token_final_check(token_dev *dev, const char *pin, int *tries_left, kerr *err)
{
	if (tries_left)
		*tries_left = -1;
	unsigned char *der = NULL, *spki = NULL;
	size_t der_len = 0, spki_len = 0;
	X509 *x = NULL;
	EVP_PKEY *card = NULL;
	token_status st = token_read_cert(dev, &der, &der_len);
	if (st != TOK_OK) {
		kerr_set(err, "key", "reading the certificate back: %s", token_status_name(st));
		goto out;
	}
	const unsigned char *p = der;
	x = d2i_X509(NULL, &p, (long)der_len);
	EVP_PKEY *cert_key = x ? X509_get0_pubkey(x) : NULL;
	if (!cert_key || p != der + der_len) {
		kerr_set(err, "key", "the certificate on the key is not a DER X.509 certificate");
		st = TOK_CHECK_FAILED;
		goto out;
	}
	st = token_read_pubkey(dev, &spki, &spki_len);
	if (st == TOK_NOT_SUPPORTED && pin) {
		/* a key with PIV alone has no command that reads a public key: the
		 * challenge signed below with the certificate's key is the proof */
		st = TOK_OK;
		goto sign;
	}
	if (st != TOK_OK) {
		kerr_set(err, "key", "reading the key's public key: %s", token_status_name(st));
		goto out;
	}
	p = spki;
	card = d2i_PUBKEY(NULL, &p, (long)spki_len);
	if (!card || EVP_PKEY_eq(card, cert_key) != 1) {
		kerr_set(err, "key", "the certificate on the key is not for the key's own key pair");
		st = TOK_CHECK_FAILED;
		goto out;
	}
	if (!pin)
		goto out;
sign:;
	unsigned char challenge[32], sig[TOKEN_SIG_MAX];
	size_t sig_len = 0;
	if (RAND_bytes(challenge, sizeof challenge) != 1) {
		kerr_set(err, "key", "no random bytes for the challenge");
		st = TOK_IO_ERROR;
		goto out;
	}
	st = token_sign(dev, pin, challenge, sizeof challenge, sig, &sig_len, tries_left);
	if (st != TOK_OK) {
		kerr_set(err, "key", "signing the challenge: %s", token_status_name(st));
		goto out;
	}
	/* ECDSA-SHA256, or SM2 with SM3 under the kiosk's SM2 ID */
	if (!ca_verify_data(cert_key, sig, sig_len, challenge, sizeof challenge)) {
		kerr_set(err, "key", "the key's %s signature does not verify with its certificate",
			 ca_key_alg_name(cert_key));
		st = TOK_CHECK_FAILED;
	}
out:
	EVP_PKEY_free(card);
	X509_free(x);
	free(der);
	free(spki);
	return st;
}

const char *token_dev_name(const token_dev *dev)
{
	return dev && dev->ops && dev->ops->name ? dev->ops->name : "";
}

void token_dev_free(token_dev *dev)
{
	if (!dev)
		return;
	if (dev->ops && dev->ops->free)
		dev->ops->free(dev->ctx);
	free(dev);
}
