/* core/token: the customer's USB key, from the screens' ops table down to
 * the APDUs, and the certificates on it. This is the folder's main header.
 *
 *   file                     holds                                  header
 *   token.h, token.c         the key's ops table (token_dev), its   public
 *                            statuses, the checks and wrappers
 *                            every driver shares; the constructors
 *   token_demo.c             the demo key (trainer mode, tests)     (token.h)
 *   reader.h, reader_pcsc.c  the PC/SC reader transport: connect,   private
 *                            transaction, one whole command (GET
 *                            RESPONSE, 6Cxx); token_pcsc_list. The
 *                            only file of the product with winscard.h
 *   card.h, card.c           what the card drivers share: ISO       private
 *                            7816-4 commands through the reader,
 *                            status words checked through one
 *                            table; token_pcsc_wait and the other
 *                            PC/SC extras
 *   card_kiosk.c             the card driver of the kiosk's own     (token.h)
 *                            application: token_pcsc_new
 *   card_piv.c               the card driver of the PIV appli-      (token.h)
 *                            cation (SP 800-73-4): token_pcsc_piv_new
 *   card_dual.c              one device over both applications:     (token.h)
 *                            token_pcsc_add_piv; a key with PIV
 *                            alone taken: token_pcsc_take_piv_only
 *   iso7816.h, iso7816.c     ISO 7816-4 as pure functions: APDUs,   private*
 *                            the status word table, BER-TLV, FCP,
 *                            ATR
 *   token_profile.h, .c      the on-key layout: AID, files, info    private*
 *                            record, key status object, PINs; the
 *                            PIV application's AID, objects and
 *                            derived management key and PUK
 *   token_life.h, .c         the key's lifecycle: states, reasons,  public
 *                            the allowed moves
 *   cert.h, cert.c           a key's X.509 certificate parsed and   public
 *                            compared with the case
 *   issuer.h, issuer.c       the issuer ops table; the local        public
 *                            OpenSSL CA
 *
 * Public headers are for the rest of the program (core's other folders,
 * forms, db, tui, ctl); private ones are included only inside core/token.
 * "(token.h)": no header of its own, its functions are declared here.
 * private*: tests/ includes these two as well: the card simulator implements
 * the same profile, and the unit and fuzz tests check them.
 *
 * token: the customer's USB key as the screens see it, behind an operations
 * table so that demo mode, tests and the real PC/SC driver are interchangeable.
 * A token_dev is one reader slot with at most one key in it; it is owned by
 * whoever made it (token_demo_new(), token_pcsc_new()) and released with
 * token_dev_free(). Every operation returns a token_status, a closed set of
 * outcomes each with clerk-facing text ("token.status.<name>" in
 * kiosk-config/strings/) saying what happened and what to do next. Call the
 * operations through the wrappers below, not through dev->ops: the wrappers
 * check the arguments once for every implementation (PIN format, certificate
 * fields) and clear the outputs, so a driver only does the key's part.
 * Writes are authorised by the driver itself (the real one with the key's
 * admin PIN, HMAC-derived from the serial); verify_pin checks the customer's
 * PIN. Nothing here remembers which key was read: before a write, read the
 * key again and compare token_info.serial with the one the clerk confirmed. */
#ifndef CORE_TOKEN_H
#define CORE_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/base/names.h"
#include "core/case/catalog.h"  /* key_alg */

/* Outcomes of a key operation: enum, name, UI string key. {tries} is filled
 * for wrong_pin. token_status_name(), _key() and _from_name() come from
 * core/base/names.h (out of range: "?" and io_error's key). */
#define TOKEN_STATUSES(X)                                                           \
	X(TOK_OK,               "ok",               "token.status.ok")               \
	X(TOK_NO_READER,        "no_reader",        "token.status.no_reader")        \
	X(TOK_NO_KEY,           "no_key",           "token.status.no_key")           \
	X(TOK_REMOVED,          "removed",          "token.status.removed")          \
	X(TOK_WRONG_PIN,        "wrong_pin",        "token.status.wrong_pin")        \
	X(TOK_BLOCKED,          "blocked",          "token.status.blocked")          \
	X(TOK_PIN_FORMAT,       "pin_format",       "token.status.pin_format")       \
	X(TOK_WRONG_CARD,       "wrong_card",       "token.status.wrong_card")       \
	X(TOK_NOT_PERSONALISED, "not_personalised", "token.status.not_personalised") \
	X(TOK_NO_CERT,          "no_cert",          "token.status.no_cert")          \
	X(TOK_INVALID,          "invalid",          "token.status.invalid")          \
	X(TOK_NOT_SUPPORTED,    "not_supported",    "token.status.not_supported")    \
	X(TOK_IO_ERROR,         "io_error",         "token.status.io_error")         \
	X(TOK_CHECK_FAILED,     "check_failed",     "token.status.check_failed")

ENUM_DECLARE_WORD_KEY(token_status, TOKEN_STATUSES, TOK_STATUS_COUNT);

/* Sizes of what a key holds (bytes, without the NUL). */
#define TOKEN_SERIAL_MAX      32   /* key serial: 1-32 of [A-Za-z0-9_-] */
#define TOKEN_UNIT_MAX        300  /* unit name, UTF-8 (about 100 Chinese characters) */
#define TOKEN_CERT_SERIAL_MAX 64   /* certificate serial, hex */
#define TOKEN_PIN_MIN         6    /* a new user PIN: 6-16 of [0-9A-Za-z] */
#define TOKEN_PIN_MAX         16

/* What a key holds, as read. A blank (not personalised) key has only its
 * serial; a personalised key may still have no certificate (not_after -1). */
typedef struct token_info {
	char serial[TOKEN_SERIAL_MAX + 1];
	bool personalised;
	char unit_name[TOKEN_UNIT_MAX + 1];        /* "" when no certificate */
	char uscc[19];                             /* "" when no certificate */
	char cert_serial[TOKEN_CERT_SERIAL_MAX + 1];
	long not_before, not_after;                /* civil days, -1 none */
	long seal_not_after;                       /* civil day, -1 no seal */
	int pin_tries_left;                        /* -1 on a blank key (no PIN) */
	int pin_tries_max;                         /* -1 on a blank key */
	bool blocked;                              /* user PIN locked: reset_pin */
	key_alg key_alg;                           /* the key pair's (personalised keys) */
} token_info;

static inline bool token_info_has_cert(const token_info *i)
{
	return i->not_after >= 0;
}

/* What write_cert writes. Strings are borrowed for the call. der is the
 * certificate itself (the real driver writes it to the certificate EF); it may
 * be NULL with der_len 0 in demo mode. The wrapper checks: unit_name 1..
 * TOKEN_UNIT_MAX bytes of valid UTF-8, uscc a valid USCC, cert_serial 1..
 * TOKEN_CERT_SERIAL_MAX hex digits, 0 <= not_before <= not_after. */
typedef struct token_cert {
	const char *unit_name;
	const char *uscc;
	const char *cert_serial;
	long not_before, not_after;                /* civil days */
	const unsigned char *der;
	size_t der_len;
	int64_t not_after_s;                       /* the certificate's exact notAfter
						    * (UTC s), so that the key's other
						    * applications (PIV) get the same end;
						    * 0: the term's end on day not_after */
	bool with_seal;                            /* the seal validity written with
						    * the certificate (one record write,
						    * not a write_seal after it); false:
						    * the key's seal is left as it is */
	long seal_not_after;                       /* with_seal: civil day, -1 no seal */
} token_cert;

/* One implementation. ctx is the implementation's own state, owned by the
 * token_dev and released by free(). Each operation works on the key now in the
 * slot: TOK_NO_KEY when there is none, TOK_REMOVED when it is pulled out
 * during the operation (a write is then left as before or as after, never
 * half done). present() reports TOK_OK with *present false for an empty slot.
 * tries_left (may be NULL) gets the user PIN tries left after the attempt. */
typedef struct token_ops {
	const char *name;                          /* "demo", "pcsc" */
	token_status (*present)(void *ctx, bool *present);
	token_status (*read_info)(void *ctx, token_info *out);
	/* blank key: application, files, PINs (user PIN = initial_pin), key pair.
	 * A personalised key: TOK_WRONG_CARD. */
	token_status (*personalise)(void *ctx, const char *initial_pin);
	/* certificate and info; the seal is left as it is */
	token_status (*write_cert)(void *ctx, const token_cert *c);
	/* seal validity; needs a certificate on the key (TOK_NO_CERT) */
	token_status (*write_seal)(void *ctx, long seal_not_after);
	/* right: TOK_OK, tries back to max; wrong: TOK_WRONG_PIN, one try less,
	 * TOK_BLOCKED when none is left (and on a key already blocked) */
	token_status (*verify_pin)(void *ctx, const char *pin, int *tries_left);
	/* old PIN counted as in verify_pin; the new one set only when it is right */
	token_status (*change_pin)(void *ctx, const char *old_pin, const char *new_pin,
				   int *tries_left);
	/* with the admin PIN: user PIN = new_pin, tries back to max, unblocked */
	token_status (*reset_pin)(void *ctx, const char *new_pin);
	/* application erased: the key is blank again (a blank key: TOK_OK) */
	token_status (*erase)(void *ctx);
	void (*free)(void *ctx);
	/* ---- what a real key adds (NULL in implementations without them) ---- */
	/* the certificate as written (DER) into a malloc'd *der the caller frees;
	 * TOK_NO_CERT when the key holds none, TOK_CHECK_FAILED when what is
	 * stored does not match the info record's hash */
	token_status (*read_cert)(void *ctx, unsigned char **der, size_t *der_len);
	/* the public key of the key pair made on the key, as a DER
	 * SubjectPublicKeyInfo in a malloc'd *spki (for issuing the certificate) */
	token_status (*read_pubkey)(void *ctx, unsigned char **spki, size_t *spki_len);
	/* user PIN checked as in verify_pin, then data (1..TOKEN_CHALLENGE_MAX
	 * bytes) signed with the on-card private key; sig (TOKEN_SIG_MAX bytes)
	 * gets the signature in X.509 form (DER ECDSA-Sig-Value for EC keys),
	 * SHA-256 over data; an SM2 pair's SM2 signature, SM3 over Z || data
	 * with the ID CA_SM2_ID, in the same DER form */
	token_status (*sign)(void *ctx, const char *pin, const unsigned char *data, size_t len,
			     unsigned char *sig, size_t *sig_len, int *tries_left);
	/* personalise with a key pair of algorithm alg (personalise makes
	 * KEY_ALG_P256); NULL: the device makes P-256 pairs only. An SM2 pair
	 * signs SM2 with SM3 and the ID CA_SM2_ID (core/ca/ca.h) in sign(), the
	 * signature in the same DER form */
	token_status (*personalise_alg)(void *ctx, const char *initial_pin, key_alg alg);
} token_ops;

typedef struct token_dev {
	const token_ops *ops;
	void *ctx;
} token_dev;

/* Wrappers. A NULL dev, or an operation the implementation leaves NULL,
 * gives TOK_NOT_SUPPORTED; a malformed argument gives TOK_INVALID (a new PIN
 * not of 6-16 of [0-9A-Za-z]: TOK_PIN_FORMAT) without calling the driver.
 * Outputs are cleared first (info: strings "", days and tries -1). */
token_status token_present(token_dev *dev, bool *present);
token_status token_read_info(token_dev *dev, token_info *out);
token_status token_personalise(token_dev *dev, const char *initial_pin);
/* The same with the platform's key algorithm: a device without
 * personalise_alg takes KEY_ALG_P256 (through personalise) and answers
 * TOK_NOT_SUPPORTED to any other (the PIV-only key: PIV has no SM2). */
token_status token_personalise_alg(token_dev *dev, const char *initial_pin, key_alg alg);
token_status token_write_cert(token_dev *dev, const token_cert *c);
token_status token_write_seal(token_dev *dev, long seal_not_after);
token_status token_verify_pin(token_dev *dev, const char *pin, int *tries_left);
token_status token_change_pin(token_dev *dev, const char *old_pin, const char *new_pin,
			      int *tries_left);
token_status token_reset_pin(token_dev *dev, const char *new_pin);
token_status token_erase(token_dev *dev);
/* Wrappers of the real key's operations (TOK_NOT_SUPPORTED without them).
 * *der / *spki are set to NULL first and owned by the caller (free()). */
#define TOKEN_CHALLENGE_MAX 128
#define TOKEN_SIG_MAX       512
token_status token_read_cert(token_dev *dev, unsigned char **der, size_t *der_len);
token_status token_read_pubkey(token_dev *dev, unsigned char **spki, size_t *spki_len);
token_status token_sign(token_dev *dev, const char *pin, const unsigned char *data, size_t len,
			unsigned char *sig, size_t *sig_len, int *tries_left);
/* The final check after writing: the key's certificate is read back and
 * parsed, and its public key must be the key pair's (a device that cannot
 * read the pair's public key, a key with PIV alone: with a PIN, the
 * signature below is the proof; without, TOK_NOT_SUPPORTED). With a PIN, a random
 * 32-byte challenge is signed on the key (the PIN counted as in verify_pin)
 * and the signature verified with the certificate's public key; with pin NULL
 * only the public keys are compared (no PIN needed). TOK_CHECK_FAILED when
 * anything does not match; err (may be NULL) says what, for the log. */
token_status token_final_check(token_dev *dev, const char *pin, int *tries_left, kerr *err);
/* The implementation's name ("demo"), "" for NULL. */
const char *token_dev_name(const token_dev *dev);
/* Releases ctx through ops->free and the token_dev itself. NULL is fine. */
void token_dev_free(token_dev *dev);

/* Shared checks (used by the wrappers; drivers and forms may use them too). */
void token_info_clear(token_info *i);
bool token_pin_acceptable(const char *pin);     /* 6-16 of [0-9A-Za-z] */
bool token_serial_valid(const char *serial);    /* 1-32 of [A-Za-z0-9_-] */
bool token_cert_serial_valid(const char *s);    /* 1-64 hex digits */
bool token_uscc_valid(const char *uscc);        /* a valid USCC, already in capitals */
bool token_cert_valid(const token_cert *c);

/* ---- the demo key (core/token/token_demo.c) ----
 * An in-process simulated key reader for trainer mode and tests. It loads a
 * set of keys from keys_file (kiosk-config/demo/keys.ini, format in
 * docs/devices.md) and starts with the slot empty; the trainer puts one key at
 * a time into the slot. Keys behave like real ones (PIN counter, blocking,
 * blank keys, personalisation), and writes change the key in memory only:
 * demo mode keeps no files, so a restarted demo starts from keys.ini again.
 * Relative dates in keys.ini ("+30d") count from clock_today() at load time.
 * Returns NULL with err naming file:line on any fault. */
#define TOKEN_DEMO_TRIES_DEFAULT 6   /* pin_tries_max when keys.ini does not say */

token_dev *token_demo_new(const char *keys_file, kerr *err);

/* One key of the demo set, for the trainer's picker. */
typedef struct token_demo_entry {
	char serial[TOKEN_SERIAL_MAX + 1];
	char unit_name[TOKEN_UNIT_MAX + 1];        /* "" for a blank key */
	char uscc[19];                             /* "" for a blank key */
	char cert_serial[TOKEN_CERT_SERIAL_MAX + 1]; /* "" for a blank key */
	char note[TOKEN_UNIT_MAX + 1];             /* the scenario it is for; may be "" */
	bool personalised;
	bool in_slot;
	bool pin_locked;                           /* user PIN tries used up */
} token_demo_entry;

/* Trainer controls. Each returns 0, or -1 with err (dev not a demo device,
 * unknown serial, empty slot). */
/* Put the key with this serial in the slot (a key already there is pulled first). */
int token_demo_insert(token_dev *dev, const char *serial, kerr *err);
/* Empty the slot (no key: fine). */
int token_demo_pull(token_dev *dev, kerr *err);
/* Lock the user PIN of the key in the slot (tries 0), as after too many wrong PINs. */
int token_demo_lock_pin(token_dev *dev, kerr *err);
/* The next operation (any but present) fails with st and changes nothing;
 * TOK_REMOVED also empties the slot, as a key pulled mid-write. st must not be
 * TOK_OK. */
int token_demo_fail_next(token_dev *dev, token_status st, kerr *err);
/* Copy up to max keys in file order into out (may be NULL when max is 0);
 * returns how many keys the set has, or -1 with err. */
long token_demo_list(const token_dev *dev, token_demo_entry *out, size_t max, kerr *err);

/* ---- the real key through PC/SC ----
 * The card driver of the kiosk's application (core/token/card_kiosk.c) over
 * the reader transport (core/token/reader_pcsc.c, the only file that
 * includes winscard.h); docs/token-profile.md.
 * token_pcsc_new() makes a token_dev for one reader: reader_name "" takes the
 * first reader pcscd lists (kiosk.ini reader). admin_master_secret_file holds
 * the master secret from which every key's admin PIN is derived (HMAC-SHA256
 * with the key serial, docs/token-profile.md): 32 or more bytes, raw or as hex
 * text, readable by the owner only. NULL or "" makes a read-only device whose
 * writes, PIN resets and erasing answer TOK_NOT_SUPPORTED. Nothing talks to
 * pcscd until the first operation, so the kiosk starts without a reader; an
 * operation then answers TOK_NO_READER. Returns NULL with err for a bad
 * secret file. Every operation holds a PC/SC transaction; a key pulled
 * during a write is left as before or as after (two copies of the info
 * record, the certificate written to the slot not in use and the record
 * last), and calling the operation again when the key is back finishes it. */
token_dev *token_pcsc_new(const char *reader_name, const char *admin_master_secret_file,
			  kerr *err);
/* The PIV application too (NIST SP 800-73-4; core/token/card_piv.c, over
 * both applications card_dual.c; docs/token-profile.md "The PIV
 * application"): dev, made by token_pcsc_new() with a master secret, becomes a
 * device whose personalisation, certificate writes, PIN resets and erasing do
 * the key's PIV application as well, PIV first. Its slots 9A and 9C get key
 * pairs made on the key and certificates from ca (borrowed: it must outlive
 * dev) with the holder and validity of the kiosk's certificate. A key with no
 * PIV application, or one this kiosk never personalised, is written as
 * before. 0, or -1 with err (not such a device, no master secret). */
struct issuer;
int token_pcsc_add_piv(token_dev *dev, struct issuer *ca, kerr *err);
/* A device for a key that has the PIV application only (a YubiKey 5, any
 * PIV card): its serial is a YubiKey's serial number; no seal, no public key
 * to read (write_cert makes and certifies the pairs itself through ca). */
token_dev *token_pcsc_piv_new(const char *reader_name, const char *admin_master_secret_file,
			      struct issuer *ca, kerr *err);
/* Wait up to timeout_ms (0: just look) until a key is in the reader
 * (want_present) or out of it; *present says how it is at the end (so a
 * timeout leaves it != want_present). TOK_NO_READER without pcscd or the
 * reader; TOK_NOT_SUPPORTED for a device that is not the PC/SC one. */
token_status token_pcsc_wait(token_dev *dev, int timeout_ms, bool want_present, bool *present);
/* The reader in use ("" before the first operation found one). */
const char *token_pcsc_reader(const token_dev *dev);
/* What went wrong in the last failed operation, in English for the log
 * (the PC/SC call or the command and its status word); "" when none. */
const char *token_pcsc_detail(const token_dev *dev);
/* Command APDUs sent since the device was made (the benchmark's count). */
unsigned long token_pcsc_apdu_count(const token_dev *dev);

/* A certificate the key's other application holds (PIV), as read from the
 * key or as written onto it in this card session. */
typedef struct token_app_cert {
	char app[8];               /* "piv.9a", "piv.9c" */
	unsigned char *der;        /* malloc'd: the caller frees */
	size_t der_len;
} token_app_cert;
/* The PIV certificates of the key in the reader (a device with
 * token_pcsc_add_piv, or token_pcsc_piv_new): slots 9A and 9C that hold
 * one, into out; *n 0 on a device or key without PIV. */
token_status token_pcsc_app_certs(token_dev *dev, token_app_cert out[2], size_t *n);
/* Called by the PIV driver with each certificate it is about to write (the
 * key's serial, the certificate's, its application), before it writes it:
 * the token step notes it (db_token_issue_note) so that a certificate signed
 * and never recorded is revoked once its key moves on. Non-zero: not
 * written. */
typedef int (*token_issue_hook)(void *arg, const char *key_serial, const char *cert_serial,
				const char *app);
/* Sets (hook NULL: clears) the hook of a device with PIV; 0, or -1 for a
 * device without. */
int token_pcsc_on_issue(token_dev *dev, token_issue_hook hook, void *arg);
/* After a read_info that answered TOK_WRONG_CARD, or TOK_OK on a device that
 * takes such keys (token_pcsc_take_piv_only): whether the key has a PIV
 * application and not the kiosk's (a YubiKey, a PIV card the customer
 * brought), which the counter refuses with its own message or uses through
 * PIV alone (docs/devices.md). false for any other device or answer. */
bool token_pcsc_piv_only(const token_dev *dev);

/* Whether a device with PIV (token_pcsc_add_piv) takes a key that has the
 * PIV application alone (kiosk.ini piv_only_keys = accept; docs/devices.md).
 * Taken, read_info answers TOK_OK with what its PIV application holds (the
 * YubiKey's serial, the holder and validity of the certificate in 9A, no
 * seal, personalised when it has a CHUID), token_pcsc_piv_only() is true,
 * and every operation until the next read_info goes to PIV alone:
 * personalise (P-256 only: another algorithm TOK_NOT_SUPPORTED; the
 * factory management key required, or this kiosk's), write_cert (9A and
 * 9C certified by the device's issuer; 9C first, so that a certificate in
 * 9A means both are written), reset_pin (with the key's PUK), erase (both
 * slots: a fresh pair made, then the certificate removed), read_cert (9A),
 * sign (9A); read_pubkey and write_seal answer TOK_NOT_SUPPORTED. Not taken
 * (the default), such a key reads as TOK_WRONG_CARD. 0, or -1 with err for
 * a device without PIV. */
int token_pcsc_take_piv_only(token_dev *dev, bool take, kerr *err);

/* One reader pcscd knows, for kioskctl token list. */
typedef struct token_reader {
	char name[128];
	bool present;          /* a card is in it */
	bool exclusive;        /* another program holds it exclusively */
	char atr[2 * 33 + 1];  /* hex, "" without a card */
} token_reader;
/* Up to max readers into out; *n is how many pcscd has. 0, or -1 with err
 * when there is no PC/SC service (pcscd not running). */
int token_pcsc_list(token_reader *out, size_t max, size_t *n, kerr *err);

#endif
