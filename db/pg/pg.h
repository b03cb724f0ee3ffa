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
 *                                  acknowledged, in batches, once each
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

/* The central schema this program writes: the number of migrations. */
#define HALL_SCHEMA_VERSION 1

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
/* The central schema's version: 0 when none, -1 with err. */
int hall_version(hall *h, kerr *err);

/* Register a kiosk: its PostgreSQL role "kiosk_<ID>" (LOGIN, member of
 * hall_kiosk: insert its own rows, read its own rows and the registry) and
 * its row in hall.kiosks. 0, 1 already registered, -1 with err. */
int hall_kiosk_add(hall *h, const char *kiosk_id, kerr *err);

/* One kiosk as the centre sees it. */
typedef struct hall_kiosk_state {
	char kiosk_id[DB_KIOSK_ID_MAX + 1];
	char role[72];
	int64_t head_seq;              /* the last row acknowledged, 0 none */
	uint8_t head_hash[AUDIT_HASH_LEN];
	char shipped_at[40];           /* "" never */
	int64_t refusals;              /* shipments refused (rewinds, forks) */
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

#endif
