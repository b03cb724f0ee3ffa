/* db/pg: the hall's central store on PostgreSQL, and each kiosk's shipment of
 * its audit log to it (docs/deployment.md). This is the folder's main header
 * and its only public one; libpq (libpq-fe.h) is included nowhere else in the
 * tree than this folder's .c files, and every SQL text of the centre is here.
 *
 *   file        header             what it holds
 *   pg.h        public             this table; the hall's API below
 *   conn.c      conn.h (private)   a connection to the centre: connect, run,
 *                                  errors in words (unreachable vs refused)
 *   central.c   (pg.h)             the central schema as numbered migrations
 *                                  (hall_init), a kiosk's role (hall_kiosk_add),
 *                                  the centre's view of its kiosks
 *   local.c     local.h (private)  the kiosk's side: its audit rows read from
 *                                  the SQLite file in order, each hash
 *                                  recomputed (core/audit/audit.c) as it goes
 *   ship.c      (pg.h)             hall_ship(): from the row the centre
 *                                  acknowledged, in batches, once each; then
 *                                  the kiosk's seals and its own head; and
 *                                  what comes back: the revocations other
 *                                  windows made of its certificates
 *   day.c       (pg.h)             the hall's day: supervisors (a login role
 *                                  each, the PIN its password), the report,
 *                                  the windows' closes and shipping, the
 *                                  hall's close, the central verify; a
 *                                  bounded supervisor's login (the kiosk's
 *                                  hall view, kioskctl hall day)
 *
 * The embedded default is untouched: a kiosk with no [hall] section never
 * links or calls any of this (the kiosk itself does not; kioskctl hall does).
 * The centre verifies every row it is sent (PL/pgSQL, sha256()), so a
 * shipper that skipped its own checks still could not fork a chain there.
 * Ownership: a hall is owned by its connector and released by hall_close();
 * results are plain values. One thread uses a hall at a time. */
#ifndef DB_PG_PG_H
#define DB_PG_PG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/audit/audit.h"
#include "core/base/err.h"
#include "db/db.h"
#include "db/repo/token_repo.h"

/* The central schema this program writes: the number of migrations. */
#define HALL_SCHEMA_VERSION 7

typedef struct hall hall;

/* Connect to the centre (a libpq connection string). NULL with err when it
 * cannot be reached or refuses the login. */
hall *hall_connect(const char *conninfo, kerr *err);
void hall_close(hall *h);

/* Bring the central schema to HALL_SCHEMA_VERSION, one transaction per
 * migration, serialised by an advisory lock (two inits at once are safe).
 * *from and *to: the versions before and after. 0 or -1 with err. Needs a
 * role that may create schemas and roles (the hall's administrator). */
int hall_init(hall *h, int *from, int *to, kerr *err);
/* The same, up to version target only (1..HALL_SCHEMA_VERSION): an upgrade in
 * steps, and the tests' way to make a centre as an older program left it.
 * A centre past target is refused (-1 with err): nothing is ever undone. */
int hall_init_to(hall *h, int target, int *from, int *to, kerr *err);
/* The central schema's version: 0 when none, -1 with err. */
int hall_version(hall *h, kerr *err);

/* Register a kiosk: its PostgreSQL role "kiosk_<ID>" (LOGIN, member of
 * hall_kiosk: insert its own rows, read its own rows and the registry) and
 * its row in hall.kiosks. 0, 1 already registered, -1 with err. */
int hall_kiosk_add(hall *h, const char *kiosk_id, kerr *err);
/* The same, at the windows of hall hall_id (made when new; NULL: "main").
 * A kiosk registered in another hall is refused (-1 with err). */
int hall_kiosk_add_to(hall *h, const char *kiosk_id, const char *hall_id, kerr *err);
/* Whether s is a hall id: 1-24 of A-Z a-z 0-9 _ -. */
bool hall_id_valid(const char *s);

/* One kiosk as the centre sees it. */
typedef struct hall_kiosk_state {
	char kiosk_id[DB_KIOSK_ID_MAX + 1];
	char role[72];
	int64_t head_seq;              /* the last row acknowledged, 0 none */
	uint8_t head_hash[AUDIT_HASH_LEN];
	char shipped_at[40];           /* "" never */
	int64_t refusals;              /* shipments refused (rewinds, forks) */
	char hall_id[25];
} hall_kiosk_state;

/* Every kiosk the role may see (an administrator: all; a kiosk: its own), by
 * id. *out is malloc'd (free()). 0 or -1 with err. */
int hall_kiosks(hall *h, hall_kiosk_state **out, size_t *n, kerr *err);

typedef struct hall_ship_opts {
	int batch_rows;    /* rows per transaction; 0: 10000 */
	int64_t max_rows;  /* stop after this many rows; 0: all */
} hall_ship_opts;

typedef struct hall_ship_result {
	int64_t acked_before;  /* the centre's head when the shipment began */
	int64_t acked;         /* the centre's head now */
	int64_t local_head;    /* the file's head when the shipment began */
	int64_t sent;          /* rows accepted by the centre in this run */
	int batches;           /* transactions that added rows */
	char problem[400];     /* a refusal, in words */
} hall_ship_result;

/* Ship db's audit log to the centre: from the row after the centre's head, in
 * order, batch_rows per transaction, each row's hash recomputed here and
 * again at the centre. Idempotent by (kiosk id, seq): a batch the centre
 * already holds (a lost acknowledgement, a second shipper) adds nothing.
 * Returns 0 shipped (perhaps nothing), 1 refused (problem: the file ends
 * before the centre's head or differs from it at the head, a restore from a
 * backup, a fork; or a row of the file does not chain; the refusal is
 * recorded at the centre when it can be), -1 with err (the centre unreachable,
 * the connection lost: nothing half-sent stays, run it again). */
int hall_ship(hall *h, kdb *db, const hall_ship_opts *o, hall_ship_result *r, kerr *err);

/* The revocations made at other windows of certificates kiosk_id issued
 * (hall.ca_feed, central migration 6; docs/ca.md "Revocations from the
 * hall"), each event with its key, by the windows' time. The
 * kiosk's own role reads only its own (row-level security). *out malloc'd.
 * 0, or -1 with err (a centre older than 6 says to upgrade it). */
int hall_ca_feed(hall *h, const char *kiosk_id, token_revoked_elsewhere **out, size_t *n,
		 kerr *err);

/* ---- the hall's day (day.c; docs/deployment.md "The hall's day") ---- */

/* A supervisor of the hall is a PostgreSQL login role "hall_sup_<ID>",
 * member of hall_supervisor (which reads what hall_reader reads and may
 * insert a hall's close), whose password is the supervisor's hall PIN: the
 * centre keeps only its SCRAM-SHA-256 verifier (made here, by libpq, so the
 * PIN never crosses the wire in clear) and PostgreSQL itself checks it at
 * each login. hall.supervisors says which halls the role supervises.
 * Registering again with a PIN sets a new one and adds the hall. 0 added, 1
 * the hall was already the supervisor's (its PIN set anew), -1 with err. An
 * administrator's act. */
int hall_supervisor_add(hall *h, const char *sup_id, const char *hall_id, const char *pin,
			kerr *err);

/* Connect as supervisor sup_id with its PIN to the centre conninfo names
 * (its user and password are replaced). Refused (NULL, *refused true) on a
 * wrong PIN or an unknown supervisor, and when the server did not ask for
 * the PIN at all (pg_hba.conf trusting the supervisors' logins would let
 * anyone act as one): authority is the server's check of the PIN. */
hall *hall_connect_supervisor(const char *conninfo, const char *sup_id, const char *pin,
			      bool *refused, kerr *err);
/* The same within a bound: at most timeout_s seconds to connect, and each
 * statement then at most timeout_s seconds (the kiosk's hall view). */
hall *hall_connect_supervisor_bounded(const char *conninfo, const char *sup_id, const char *pin,
				      int timeout_s, bool *refused, kerr *err);
/* Whether the connected supervisor supervises hall_id (NULL: any hall):
 * 0 yes, 1 no (err says so), -1 with err. *halls (may be NULL): its halls,
 * comma-separated. */
int hall_supervisor_check(hall *h, const char *sup_id, const char *hall_id, char *halls,
			  size_t halls_len, kerr *err);

/* One group of a day's cases: a window (kiosk) of a hall, its clerk, a
 * service and a status, as hall.day_report() groups them. */
typedef struct hall_day_row {
	char hall_id[25];
	char kiosk_id[DB_KIOSK_ID_MAX + 1];
	char clerk[40];
	char service[40];
	char status[16];
	int64_t cases, due_fen, paid_fen, refunded_fen;
} hall_day_row;

/* The day's cases (date "YYYY-MM-DD") at the windows of hall_id (NULL:
 * every hall), from the centre's rows. *out malloc'd. 0 or -1 with err. */
int hall_day_report(hall *h, const char *date, const char *hall_id, hall_day_row **out,
		    size_t *n, kerr *err);

/* One window of a hall and its close of a day, as shipped. */
typedef struct hall_window {
	char hall_id[25];
	char kiosk_id[DB_KIOSK_ID_MAX + 1];
	bool closed;
	char closed_by[40];
	int64_t close_seq;             /* its day.close row */
	char close_hash[2 * AUDIT_HASH_LEN + 1];
	char counts[320];              /* the anchor's counts text */
	int64_t head_seq;              /* the centre's head */
	int64_t shipped_ms;            /* its last shipment that added rows, -1 never */
	int64_t local_head;            /* the kiosk's own head at its last shipment, -1 never said */
	int64_t reported_ms;           /* when it said so, -1 never */
} hall_window;

/* Every window of hall_id (NULL: every hall) and its close of date, by hall
 * and kiosk. 0 or -1 with err. */
int hall_windows(hall *h, const char *date, const char *hall_id, hall_window **out, size_t *n,
		 kerr *err);

/* The hall kiosk_id is a window of: 0, 1 not registered (err says so), -1
 * with err. */
int hall_of_kiosk(hall *h, const char *kiosk_id, char *hall_id, size_t n, kerr *err);

/* The hall's day close as stored. */
typedef struct hall_close_rec {
	char hall_id[25], day[16], closed_by[40], closed_at[40];
	char windows[2048], totals[400], message[3072], key_id[80], signature[300];
	int64_t closed_ms;             /* closed_at in ms (read back only) */
} hall_close_rec;

/* Record a hall's close: the centre refuses it (1, err naming the windows
 * still open) unless every window of the hall has shipped its day.close of
 * that day, refuses a second close of a day (1) and a hall not the
 * supervisor's (1). 0, 1, -1 with err. */
int hall_close_put(hall *h, const hall_close_rec *c, kerr *err);
/* A hall's close of a day: 0, 1 none, -1 with err. */
int hall_close_get(hall *h, const char *hall_id, const char *date, hall_close_rec *c, kerr *err);

/* One kiosk re-checked at the centre (hall verify). */
typedef struct hall_check {
	char hall_id[25];
	char kiosk_id[DB_KIOSK_ID_MAX + 1];
	int64_t rows, head_seq;
	int64_t bad_seq;               /* the first row at fault, 0 none */
	char problem[200];             /* what is wrong with it */
	int64_t local_head;            /* what the kiosk last said it holds, -1 never */
	char reported_at[40];
	int64_t seals, sealed_to;      /* seals shipped; the last row they cover */
	int64_t seal_bad;              /* the first seal (id) at fault, 0 none */
	char seal_problem[200];
	int64_t refusals;
	char shipped_at[40];
} hall_check;

/* Every kiosk of hall_id (NULL: all): its chain recomputed (each hash, each
 * link, no gap, the head), its seals against the chain the centre holds (each
 * seal's hash at its last row, its row count, the seals one after another
 * with no epoch skipped), what it last said of its own head. 0 or -1. */
int hall_verify(hall *h, const char *hall_id, hall_check **out, size_t *n, kerr *err);

/* ---- reads that need the hall ---- */

/* Connect with a bounded wait: at most timeout_s seconds to connect, and
 * each statement then at most timeout_s seconds (statement_timeout), so a
 * caller at the counter is never held longer. */
hall *hall_connect_bounded(const char *conninfo, int timeout_s, kerr *err);

/* A key or a certificate of a unit as the central registry holds it. */
typedef struct hall_key_fact {
	char key_serial[64];
	char state[24];                /* the key's last state, "" unknown */
	char reason[24];
	char moved_at_kiosk[DB_KIOSK_ID_MAX + 1], moved_in_hall[25];
	char cert_serial[64];          /* "" none */
	char not_after[16];
	char revoked[24];              /* its revocation reason, "" valid */
	char uscc[24];                 /* the key's unit (its last binding or certificate) */
	char unit_name[256];
	char app[16];                  /* the certificate's application: kiosk, piv.9a, piv.9c */
	char bound_agent[100];         /* the key's last binding: its agent, "" none */
	char bound_uscc[24];
	char bound_at_kiosk[DB_KIOSK_ID_MAX + 1], bound_in_hall[25];
	int64_t bound_seq;             /* that binding's audit row at bound_at_kiosk, 0 none */
} hall_key_fact;

/* The keys (and their certificates, one fact each) of unit uscc, or the
 * key key_serial, in the central registry, newest first. A key is the
 * unit's when its last binding or certificate (a correction's included)
 * names the unit: a key moved to another unit by a correction is that
 * unit's. *out malloc'd. 0 or -1 with err. */
int hall_lookup(hall *h, const char *uscc, const char *key_serial, hall_key_fact **out,
		size_t *n, kerr *err);
/* Whether a state is a retired key's (PERM_LOST, DAMAGED, TERMINATED). */
bool hall_state_retired(const char *state);

/* One conflict: the same key or certificate acted on at two kiosks that did
 * not see each other's act (hall.conflicts). */
typedef struct hall_conflict {
	char kind[16], serial[64];
	char first_hall[25], first_kiosk[DB_KIOSK_ID_MAX + 1], first_act[192];
	int64_t first_seq, first_ms;
	char second_hall[25], second_kiosk[DB_KIOSK_ID_MAX + 1], second_act[192];
	int64_t second_seq, second_ms;
} hall_conflict;

/* The conflicts touching hall_id (NULL: all), oldest first. 0 or -1. */
int hall_conflicts(hall *h, const char *hall_id, hall_conflict **out, size_t *n, kerr *err);

/* One seal as shipped (for the tags' check with a verification key). */
typedef struct hall_seal {
	int64_t id, epoch, first_seq, last_seq, row_count, at_ms;
	uint8_t head_hash[AUDIT_HASH_LEN], tag[AUDIT_HASH_LEN];
} hall_seal;
int hall_seals_of(hall *h, const char *kiosk_id, hall_seal **out, size_t *n, kerr *err);

#endif
