/* token_repo: the customer keys this kiosk has handled, their lifecycle
 * (core/token/token_life.h), the certificates written onto them and their bindings
 * to a unit and agent. Every call is one repository operation: the key's row,
 * its token_events row for a move, the certificate rows and the one audit row
 * ("token.<reason>", "token.bind", "token.seal", "token.pin_reset") commit
 * together, and inside a caller's db_tx_begin() they commit with the case's
 * token step. A move is checked against the whitelist on the state as stored;
 * a key the database does not know enters by one of TOKEN_ENTRIES (a blank
 * key registered, a key issued elsewhere adopted as ACTIVE). The records
 * filled here are plain values owned by the caller; lists are malloc'd
 * (free()). case_no may be NULL or "" when no case is involved. */
#ifndef DB_TOKEN_REPO_H
#define DB_TOKEN_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/token/issuer.h"
#include "core/token/token.h"
#include "core/token/token_life.h"
#include "db/db.h"

typedef struct token_rec {
	int64_t id;
	char serial[TOKEN_SERIAL_MAX + 1];
	token_state state;
	char reason[48];                            /* the last move's reason name */
	char unit_name[256];                        /* holder of the current certificate */
	char uscc[19];
	char cert_serial[TOKEN_CERT_SERIAL_MAX + 1];/* "" none */
	long cert_not_before, cert_not_after;       /* civil days, -1 none */
	long seal_not_after;                        /* civil day, -1 none */
	char case_no[40];                           /* the last case that moved it */
	int64_t created_ms, updated_ms;
} token_rec;

typedef struct token_event {
	int64_t id;
	int from;                                   /* token_state, -1 on entry */
	token_state to;
	char reason[48];
	char actor[40];
	char case_no[40];
	int64_t at_ms;
} token_event;

typedef struct cert_rec {
	char serial[TOKEN_CERT_SERIAL_MAX + 1];
	char key_serial[TOKEN_SERIAL_MAX + 1];
	char unit_name[256];
	char uscc[19];
	long not_before, not_after;                 /* civil days */
	bool revoked;
	char revoke_reason[48];
	int64_t revoked_ms;                         /* 0 when valid */
	char case_no[40];
	int64_t created_ms;
	char app[8];                                /* "kiosk", "piv.9a", "piv.9c" */
} cert_rec;

typedef struct token_binding {
	char uscc[19];
	char unit_name[256];
	char agent_name[97];
	char agent_id_no[19];
	char case_no[40];
	int64_t bound_ms;
} token_binding;

/* A certificate written onto a key (borrowed for the call). */
typedef struct cert_new {
	const char *serial;                         /* hex */
	const char *unit_name, *uscc;
	long not_before, not_after;                 /* civil days */
	const unsigned char *der;                   /* may be NULL */
	size_t der_len;
} cert_new;

/* A certificate of the key's other application (PIV), written with the
 * kiosk application's certificate and recorded with it (borrowed). Its
 * holder is the kiosk certificate's. */
typedef struct app_cert_new {
	const char *app;                            /* "piv.9a", "piv.9c" */
	const char *serial;                         /* hex */
	long not_before, not_after;                 /* civil days */
	const unsigned char *der;                   /* may be NULL */
	size_t der_len;
} app_cert_new;

/* 0 found, 1 unknown key, -1 error. */
int db_token_get(kdb *db, const char *serial, token_rec *out, kerr *err);

/* Move a key to `to` for `why` (whitelist), with its event and audit row. */
int db_token_transition(kdb *db, const char *actor, const char *case_no, const char *serial,
			token_state to, token_reason why, const char *note, kerr *err);

/* A certificate written onto a key: the certs row, the key's certificate
 * columns and its move: FORMATTED -> ACTIVE (TR_ENROLLED), ACTIVE -> ACTIVE
 * (TR_RENEWED; TR_REENROLLED for a change, which revokes the key's previous
 * certificates as "superseded"). A certificate serial seen before is refused. */
int db_token_enroll(kdb *db, const char *actor, const char *case_no, const char *serial,
		    const cert_new *c, token_reason why, kerr *err);
/* The same, with the certificates of the key's other applications written
 * with it (PIV's 9A and 9C): certs rows of the key in their application,
 * after a change has revoked the key's earlier ones, listed in the same
 * audit row ("apps":[{"app","cert"}]); a serial recorded already is left as
 * it is. The key's current certificate stays the kiosk application's. */
int db_token_enroll_apps(kdb *db, const char *actor, const char *case_no, const char *serial,
			 const cert_new *c, token_reason why, const app_cert_new *apps,
			 size_t n_apps, kerr *err);

/* The same for a key whose certificate of record is in application app:
 * "kiosk" (db_token_enroll_apps), or "piv.9a" for a key with the PIV
 * application alone (a YubiKey the customer brought; docs/devices.md), whose
 * 9C certificate is then the one of apps; its audit row says "cert_app". */
int db_token_enroll_in(kdb *db, const char *actor, const char *case_no, const char *serial,
		       const char *app, const cert_new *c, token_reason why,
		       const app_cert_new *apps, size_t n_apps, kerr *err);

/* Seal validity written onto an ACTIVE key (no move). */
int db_token_set_seal(kdb *db, const char *actor, const char *case_no, const char *serial,
		      long seal_not_after, kerr *err);

/* Take a key out of use: TR_LOST (PERM_LOST), TR_BROKEN (DAMAGED) or
 * TR_REVOKED (TERMINATED); every valid certificate of the key is revoked with
 * that reason. The revoked serials are listed in the audit row. */
int db_token_retire(kdb *db, const char *actor, const char *case_no, const char *serial,
		    token_reason why, const char *note, kerr *err);

/* A case cancelled (a plain cancel or a refund's): every valid certificate
 * it issued is revoked ("cancelled"; the CRL says cessationOfOperation), and
 * each key it wrote goes back to the newest valid certificate of the kiosk
 * application left (ACTIVE: a renewal undone) or, with none, is TERMINATED;
 * one "token.cancelled" audit row per key lists the serials. Called by
 * db_case_cancel_coded() and db_refund_approve() inside their own operation
 * (never on its own), after their case.cancel row, so the case and its
 * certificates change together. */
int token_cancel_case_in_op(kdb *db, const char *actor, int64_t case_id, const char *case_no,
			    kerr *err);

/* The binding the clerk saw as the key's current one when binding it, so
 * that the hall's centre can tell a binding made knowing the one before it
 * from one made blind (two halls offline: docs/deployment.md, "Conflicts").
 * Said in the token.bind row as "seen":"KIOSK:SEQ" (the audit row that made
 * that binding, at whichever kiosk) or "none", and "seen_from":"hall" (the
 * hall's registry answered) or "local" (this file's record). */
typedef struct token_seen {
	bool from_hall;
	char kiosk[DB_KIOSK_ID_MAX + 1];            /* "" none seen */
	int64_t seq;
} token_seen;

/* Bind an ACTIVE key to a unit and agent; the key's previous binding ends.
 * The binding seen is this file's own current one (db_token_bind_seen). */
int db_token_bind(kdb *db, const char *actor, const char *case_no, const char *serial,
		  const char *uscc, const char *unit_name, const char *agent_name,
		  const char *agent_id_no, kerr *err);
/* The same, saying which binding was seen: the hall's word (seen, borrowed)
 * or, with seen NULL, this file's record (its last token.bind of the key). */
int db_token_bind_seen(kdb *db, const char *actor, const char *case_no, const char *serial,
		       const char *uscc, const char *unit_name, const char *agent_name,
		       const char *agent_id_no, const token_seen *seen, kerr *err);
/* The key's current binding: 0 bound, 1 none, -1 error. */
int db_token_binding(kdb *db, const char *serial, token_binding *out, kerr *err);

/* The user PIN reset with the admin PIN (PIN unlock): audited, no move. */
int db_token_pin_reset(kdb *db, const char *actor, const char *case_no, const char *serial,
		       kerr *err);

/* Write-ahead note: cert_serial is about to be written onto key serial for
 * case_no (audit row "token.issued", its own transaction). A run that finds
 * that certificate on the key later knows it wrote it, whatever the dates. */
int db_token_issue_note(kdb *db, const char *actor, const char *case_no, const char *serial,
			const char *cert_serial, kerr *err);
/* 1 when case_no noted cert_serial for key serial and no certs row records it
 * yet (written, not recorded: a pulled key, a crash); 0 not; -1 error. */
int db_token_issue_pending(kdb *db, const char *case_no, const char *serial,
			   const char *cert_serial, kerr *err);

/* The key's moves, oldest first. */
int db_token_events(kdb *db, const char *serial, token_event **out, size_t *n, kerr *err);
/* A certificate by serial: 0 found, 1 unknown, -1 error. */
int db_cert_get(kdb *db, const char *cert_serial, cert_rec *out, kerr *err);
/* A certificate's DER as recorded into a malloc'd *der (the caller frees;
 * NULL when the row keeps none): 0 found, 1 unknown, -1 error. */
int db_cert_der(kdb *db, const char *cert_serial, unsigned char **der, size_t *len, kerr *err);
/* Keys holding a valid certificate for a USCC (a reissue or revocation whose
 * key was not brought), most recently changed first. */
int db_token_by_uscc(kdb *db, const char *uscc, token_rec **out, size_t *n, kerr *err);

/* What a case did to a key, for its slip: the key (the one the case wrote
 * a certificate onto, else the last one its token rows name), the
 * certificate on it after the case and, for the case's certificate, the
 * one it replaced on the same key (its expiry and unit name: a renewal's
 * old expiry, a change's old name). Dates are civil days, -1 unknown. */
typedef struct case_key_rec {
	char serial[TOKEN_SERIAL_MAX + 1];
	bool issued;                                /* the case wrote a certificate */
	long not_before, not_after;                 /* the key's certificate now (or the one issued) */
	long old_not_after;                         /* the certificate it replaced, -1 none */
	char old_unit_name[256];                    /* "" none */
	long seal_not_after;                        /* the key's seal, -1 none */
	bool piv_only;                              /* a key with the PIV application alone
						     * (a YubiKey): its certificates are PIV's */
} case_key_rec;

/* 0 found, 1 the case touched no key, -1 error. */
int db_case_key(kdb *db, const char *case_no, case_key_rec *out, kerr *err);

/* The CA brought to the database, which is the record (issuer_sync()): every
 * certificate row with its DER, status, revocation time and reason, and
 * every certificate noted as issued (db_token_issue_note) that was never
 * recorded and never can be, because its key was retired or erased, or got
 * a recorded certificate, after the note: those are handed over revoked
 * ("superseded"), since whoever holds that key pair holds them. Called on
 * start and after every commit that recorded or revoked a certificate, so a
 * kiosk that died between the commit and the CA's files loses nothing.
 * *changed (may be NULL): the CA's lines added or revoked. 0 or -1 with err. */
int db_token_ca_sync(kdb *db, issuer *is, size_t *changed, kerr *err);
/* A certificate this kiosk issued, revoked at another window of the hall
 * (hall_ca_feed(), db/pg): by the other window's revocation, or its key
 * retired, changed or erased there. */
typedef struct token_revoked_elsewhere {
	char cert_serial[TOKEN_CERT_SERIAL_MAX + 1];
	char reason[16];                 /* lost, broken, revoked, superseded, cancelled */
	int64_t at_ms;                   /* when, by the other window's clock */
	char by_kiosk[DB_KIOSK_ID_MAX + 1];
	int64_t by_seq;                  /* the other window's audit row */
	char key_serial[TOKEN_SERIAL_MAX + 1];
	char key_state[16];              /* the state the event left the key in when it
					  * retired it (PERM_LOST, DAMAGED, TERMINATED), "" */
} token_revoked_elsewhere;

/* Take in revocations made at other windows, in v's order: each of v whose
 * certificate is on record here and still valid is revoked with the other
 * window's reason and time (never before the certificate was recorded);
 * each that retired the key moves the key on record here to that state
 * (its move recorded with the reason, by "system") when the lifecycle
 * allows it and nothing was recorded of the key here after the other
 * window's act (the newer act stands; the centre lists the two as a
 * conflict). All in one operation with one audit row "ca.hall_revoked"
 * listing each certificate and key and where and when. The rest change
 * nothing, and when nothing changes nothing is written: the shipper asks
 * every run. A revocation is never taken back. *certs, *keys (may be NULL):
 * how many were revoked, moved. The CA's files follow with
 * db_token_ca_sync(). 0, or -1 with err (nothing written). */
int db_token_hall_revoked(kdb *db, const token_revoked_elsewhere *v, size_t n, size_t *certs,
			  size_t *keys, kerr *err);
/* Has anything the CA's files are derived from been written since audit row
 * seq, whose hash was hash? *moved: that row is gone or has another hash (a
 * database restored or rewritten), or a key or certificate row was written
 * after it (every such write has its token.*, case.token or
 * ca.hall_revoked audit row). A
 * range of the log from seq: cheap when seq is near the head. 0 or -1. */
int db_token_ca_moved_since(kdb *db, int64_t seq, const uint8_t hash[AUDIT_HASH_LEN], bool *moved,
			    kerr *err);

#endif
