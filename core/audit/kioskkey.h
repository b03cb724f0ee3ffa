/* kioskkey: the kiosk's own signing key, an Ed25519 key (OpenSSL EVP) that
 * signs the supervisor's day anchors (core/audit/anchor.h, docs/day-close.md). The
 * private key lives in <data_dir>/kiosk-key.pem (PKCS#8 PEM, mode 0600, made
 * on first use and never replaced); its public half is kept beside it in
 * <data_dir>/kiosk-key.pub.pem so an auditor can check an exported anchor
 * without the secret. A key is identified by its key id: the lower-case hex
 * SHA-256 of its public key in DER (SubjectPublicKeyInfo). A kioskkey is owned
 * by whoever loaded it and released with kioskkey_free(); nothing here keeps
 * global state or prints, and no message ever quotes a key file's contents. */
#ifndef CORE_KIOSKKEY_H
#define CORE_KIOSKKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"

#define KIOSKKEY_FILE      "kiosk-key.pem"
#define KIOSKKEY_PUB_FILE  "kiosk-key.pub.pem"
#define KIOSKKEY_ID_HEX    64   /* characters of a key id */
#define KIOSKKEY_SIG_MAX   128  /* bytes; an Ed25519 signature has 64 */

typedef struct kioskkey kioskkey;

/* <data_dir>/kiosk-key.pem into buf; -1 with err when it does not fit. */
int kioskkey_default_path(const char *data_dir, char *buf, size_t n, kerr *err);
/* The public key file that goes with a private key file (buf may be key_path): "x.pem" ->
 * "x.pub.pem", any other name gets ".pub.pem" appended. -1 when too long. */
int kioskkey_pub_path(const char *key_path, char *buf, size_t n, kerr *err);

/* Load the private key at path, or make one when the file does not exist
 * (its directory is created, mode 0700). A new key is written to a temporary
 * file with mode 0600, synced, and renamed into place without replacing a key
 * that appeared meanwhile (that one is then loaded). An existing file that
 * group or others may read, is not a regular file, or is not an Ed25519
 * private key is refused; the message says what to do (chmod 600 <path>).
 * The public key file (kioskkey_pub_path) is written, or rewritten when
 * missing or different. NULL with err on failure. */
kioskkey *kioskkey_load_or_create(const char *path, kerr *err);
/* Load an Ed25519 public key (PEM "PUBLIC KEY") for verification only. */
kioskkey *kioskkey_load_public(const char *path, kerr *err);
void kioskkey_free(kioskkey *k);

bool kioskkey_has_private(const kioskkey *k);
/* The key id (64 lower-case hex characters), valid while k lives. */
const char *kioskkey_id(const kioskkey *k);

/* Sign len bytes of msg; sig must hold KIOSKKEY_SIG_MAX bytes. 0 with
 * *sig_len set, or -1 with err (no private key, OpenSSL failure). */
int kioskkey_sign(const kioskkey *k, const void *msg, size_t len, uint8_t *sig,
		  size_t *sig_len, kerr *err);
/* True when sig is a valid signature of msg by k. */
bool kioskkey_verify(const kioskkey *k, const void *msg, size_t len, const uint8_t *sig,
		     size_t sig_len);

#endif
