/* ship_job: the kiosk's background shipper to the hall (docs/deployment.md).
 * A thread of its own runs `kioskctl hall ship` every few seconds as a child
 * process (the kiosk itself never links libpq: make demo needs no
 * PostgreSQL), so a slow or unreachable centre never holds up the clerk:
 * the loop only reads the job's last word (ship_job_state) at its ticks.
 * Started only when kiosk.ini has a [hall] central; owned by its starter,
 * ship_job_stop() ends the child and the thread and frees it. */
#ifndef TUI_FLOW_SHIP_JOB_H
#define TUI_FLOW_SHIP_JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/config.h"
#include "core/base/strings.h"
#include "db/db.h"

typedef struct ship_job ship_job;

/* argv: the command and its arguments, NULL-terminated (copied); run
 * every every_s seconds, the first time at once. NULL when no thread. */
ship_job *ship_job_start(const char *const *argv, int every_s);
/* Stop: the running child, if any, is ended (SIGTERM; the centre keeps
 * only whole batches), the thread joined, the job freed. NULL: nothing. */
void ship_job_stop(ship_job *j);

/* The kiosk's shipper: `kioskctl hall ship --db DB_PATH --config DIR --ca
 * CA_DIR` (its own CA: the revocations made of its certificates at other
 * windows come back with each shipment) every
 * SHIP_JOB_EVERY_S seconds, with the kioskctl that sits beside this
 * program's own executable. NULL when kiosk.ini has no [hall] central, in
 * demo mode, or when no thread could be had (the kiosk works on as alone). */
#define SHIP_JOB_EVERY_S 15
ship_job *ship_job_for(const kiosk_config *cfg, const char *db_path, const char *ca_dir, bool demo);

/* The last shipment's outcome. */
typedef struct ship_state {
	int runs;          /* shipments finished */
	bool online;       /* the last one reached the centre */
	bool refused;      /* the centre refused this file (a rewind, a fork) */
	int64_t acked;     /* the last row the centre was seen to hold, 0 none */
} ship_state;

void ship_job_state(ship_job *j, ship_state *out);

/* The status line's words for it, given the file's last row: 在线 when
 * the centre was reached, 离线 N 条待同步 when not (N: rows after the last one
 * it was seen to hold), 同步被拒绝 when it refused; "" before the first
 * shipment ends. From the strings (ui.hall_*). Returns buf. */
const char *ship_job_text(const ship_state *s, int64_t local_head, const strings *str,
			  char *buf, size_t n);

/* ship_job_text for the kiosk's file (its last row read from db); "" for a
 * NULL job. Returns buf. */
const char *ship_job_status(ship_job *j, kdb *db, const strings *str, char *buf, size_t n);

#endif
