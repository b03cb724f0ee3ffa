/* seal: forward-secure sealing of the audit chain, after systemd-journald's
 * Forward Secure Sealing. Time is cut into epochs of a fixed interval from a
 * start t0; each epoch has its own 32-byte key, and the key of the next epoch
 * is HMAC-SHA256(k_e, "kiosk-seal-evolve" || e), after which k_e is wiped.
 * A checkpoint (seal) over the audit rows written during epoch e is tagged
 * with k_e, so whoever holds the kiosk later (with k_now) cannot make a valid
 * tag for an earlier epoch. The supervisor keeps the verification key off the
 * kiosk: k_0 with t0 and the interval, from which a verifier derives any k_e.
 *
 * Pure computation and one file: the current epoch's key lives in
 * <data_dir>/seal-key (mode 0600), rewritten atomically (temporary file,
 * fsync, rename, fsync of the directory) at every evolution, so the old key
 * is gone from disk as well as from memory. A seal_state is a plain value;
 * seal_state_wipe() cleanses it. No SQL here: db/repo/seal_repo stores the
 * seals. docs/audit.md, section "Sealing". */
#ifndef CORE_SEAL_H
#define CORE_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"

#define SEAL_KEY_LEN 32
#define SEAL_TAG_LEN 32
#define SEAL_FILE "seal-key"
/* 8 groups of 8 hex digits, '/', t0 and interval in seconds: fits 128 bytes */
#define SEAL_VKEY_MAX 128

typedef struct seal_params {
	int64_t t0_ms;        /* start of epoch 0, UTC ms (a whole second) */
	int64_t interval_ms;  /* length of an epoch, > 0 (whole seconds) */
} seal_params;

/* The epoch of a moment: floor((t - t0) / interval); negative before t0. */
int64_t seal_epoch_of(const seal_params *p, int64_t t_ms);

/* key: k_e becomes k_{e+1} in place; the old value is cleansed. 0, or -1 on
 * an OpenSSL failure (key unchanged). */
int seal_evolve(uint8_t key[SEAL_KEY_LEN], int64_t e);
/* out = k_epoch derived from k_0 by evolving epoch times (epoch >= 0). */
int seal_derive(const uint8_t k0[SEAL_KEY_LEN], int64_t epoch, uint8_t out[SEAL_KEY_LEN]);

/* What a seal vouches for: audit rows first_seq..last_seq (row_count of
 * them), written during epoch, the chain's hash at last_seq, when the seal
 * was made and by which kiosk. */
typedef struct seal_record {
	int64_t epoch;
	int64_t first_seq;
	int64_t last_seq;
	int64_t row_count;
	uint8_t head[32];
	int64_t at_ms;
	const char *kiosk_id;
} seal_record;

/* tag = HMAC-SHA256(key, length-prefixed canonical form of r). 0 or -1. */
int seal_tag(const uint8_t key[SEAL_KEY_LEN], const seal_record *r, uint8_t tag[SEAL_TAG_LEN]);
/* True when tag is r's tag under key (constant-time compare). */
bool seal_tag_check(const uint8_t key[SEAL_KEY_LEN], const seal_record *r,
		    const uint8_t tag[SEAL_TAG_LEN]);

/* The verification key as text: "xxxxxxxx-xxxxxxxx-…(8 groups of k_0 in
 * hex)/T0-INTERVAL" with t0 and the interval in decimal seconds (like
 * journald's seed/start-interval). buf holds SEAL_VKEY_MAX. 0 or -1. */
int seal_vkey_format(const uint8_t k0[SEAL_KEY_LEN], const seal_params *p, char *buf, size_t n);
/* Parse one (hex case and the dashes between groups are free); false on
 * anything else. */
bool seal_vkey_parse(const char *text, uint8_t k0[SEAL_KEY_LEN], seal_params *p);

/* The kiosk's sealing state: the key of epoch `epoch` and the parameters. */
typedef struct seal_state {
	uint8_t key[SEAL_KEY_LEN];
	int64_t epoch;
	seal_params p;
} seal_state;

/* <data_dir>/seal-key into buf; -1 with err when it does not fit. */
int seal_default_path(const char *data_dir, char *buf, size_t n, kerr *err);
/* A new random k_0 for p, written to path (0600) only if no file is there:
 * 1 when one is (nothing written, k0 untouched), 0 made (k0 filled for the
 * verification key, which the caller shows once and wipes), -1 error. */
int seal_state_create(const char *path, const seal_params *p, uint8_t k0[SEAL_KEY_LEN], kerr *err);
/* Read path; refused when group or others may read it or it is malformed. */
int seal_state_load(const char *path, seal_state *st, kerr *err);
/* Evolve st by one epoch and rewrite path atomically; on failure st and the
 * file keep the old epoch. */
int seal_state_advance(const char *path, seal_state *st, kerr *err);
/* The same up to epoch (> st->epoch; the epochs between are evolved in
 * memory and the file is written once, so a kiosk off for weeks catches up
 * with one fsync). */
int seal_state_advance_to(const char *path, seal_state *st, int64_t epoch, kerr *err);
void seal_state_wipe(seal_state *st);

#endif
