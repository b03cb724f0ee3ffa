/* seal_repo: forward-secure sealing of the audit chain in the database (the
 * seal_setup row and the seals table; the keys are core/audit/seal.h's, and
 * never enter the database). db_seal_init() sets sealing up once and seals
 * everything written so far with k_0 (the set-up seal); db_seal_run() seals
 * what is due with the key file: every finished epoch (its rows, or none)
 * with that epoch's key before the key moves on, and on a day close also the
 * current epoch's rows at once; db_seal_verify() checks the seals against the chain,
 * and their tags when the verification key is given. Values here are plain
 * copies; nothing is owned across calls. docs/audit.md, "Sealing". */
#ifndef DB_SEAL_REPO_H
#define DB_SEAL_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/audit/seal.h"
#include "core/base/err.h"
#include "db/db.h"

typedef struct seal_setup_rec {
	seal_params p;
	char set_by[33];
	int64_t set_ms;
} seal_setup_rec;

/* The set-up row: 0 found, 1 sealing is not set up, -1 error. */
int db_seal_setup_get(kdb *db, seal_setup_rec *out, kerr *err);

/* Set sealing up as supervisor_id (an active supervisor; the caller checked
 * the PIN) with the fresh state st (epoch 0, key k_0): in one transaction the
 * seal_setup row, a `seal.init` audit row (detail: t0 and the interval) and
 * the set-up seal over rows 1..that row, tagged with k_0. Refused when
 * sealing is already set up. 0, or -1 with err (nothing written). */
int db_seal_init(kdb *db, const char *supervisor_id, const seal_state *st, kerr *err);

typedef struct seal_run_result {
	int seals;            /* seals written */
	int64_t from_epoch;   /* the key file's epoch before and after */
	int64_t to_epoch;
	int64_t sealed_to;    /* the last sealed audit row after the run */
} seal_run_result;

/* Seal what is due at now_ms with the key file at key_path: every epoch
 * from the key's to the one before now's gets a seal with its own key (the
 * unsealed rows written up to its end, or an empty seal: so a removed epoch
 * shows), all in one transaction; then the key file is rewritten once at
 * now's epoch (the old keys erased). With current, the rows written so far
 * in now's epoch are sealed too (the day close). One sealer at a time (a
 * lock file beside the key). Returns 0 done, 1 sealing is not set up
 * (nothing done), -1 error (err; nothing sealed, the key file unchanged). */
int db_seal_run(kdb *db, const char *key_path, int64_t now_ms, bool current,
		seal_run_result *res, kerr *err);

#define SEAL_FINDINGS_MAX 16

typedef struct seal_finding {
	int64_t seal_id;      /* the seal concerned, 0 when none */
	int64_t seq;          /* the audit row concerned, 0 when none */
	char problem[400];
} seal_finding;

typedef struct seal_verify_result {
	bool set_up;          /* a seal_setup row, or seals, or a seal.init row */
	bool keyed;           /* tags were checked with the verification key */
	seal_params p;        /* the parameters epochs were computed with */
	long n_seals;
	int64_t first_epoch, last_epoch;
	int64_t sealed_to;    /* last audit row under a seal, 0 when none */
	int64_t tail_rows;    /* rows after it (the unsealed tail: a note) */
	int64_t ended_unsealed; /* epochs ended (by the clock) after the last
				 * seal's: not sealed yet (a note: the kiosk
				 * was off, or nothing has run since) */
	int64_t head_seq;
	seal_finding findings[SEAL_FINDINGS_MAX];
	size_t n_findings;
	long n_more;
} seal_verify_result;

/* Check the seals in one read snapshot. k0/kp: the verification key
 * (seal_vkey_parse), or NULL to check the structure only. Every seal: in
 * order (each starts after the last; the first is the set-up seal of epoch
 * 0, then epochs one by one, none missing: every ended epoch is sealed, an
 * empty one too), its row count, its head hash equal to the chain's hash at
 * its last row, every row it covers written during its epoch (the set-up
 * seal: up to epoch 0), and with the key its tag under the key of its own
 * epoch. Then every closed day has a seal at or after its close row; a
 * seal.init row without the set-up row, or a key given for a file without
 * seals, are findings. Rows after the last seal (the unsealed tail) and
 * ended epochs not sealed yet are counted, not findings. Returns 0 intact,
 * 1 a finding (res), -1 error (err). */
int db_seal_verify(kdb *db, const uint8_t *k0, const seal_params *kp, seal_verify_result *res,
		   kerr *err);

#endif
