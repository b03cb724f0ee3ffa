/* conn (private to db/pg): the hall struct, a libpq connection to the
 * centre, and running SQL on it with errors in words. An error names what
 * was being done; hall_lost() tells a connection gone (the centre stopped,
 * the network reset: try again later) from a statement refused. */
#ifndef DB_PG_CONN_H
#define DB_PG_CONN_H

#include <postgresql/libpq-fe.h>
#include <stdbool.h>

#include "core/base/err.h"
#include "db/pg/pg.h"

struct hall {
	PGconn *c;
	char sqlstate[6]; /* of the last failed statement, "" when none */
};

/* Run sql (no parameters) and expect `want` (PGRES_COMMAND_OK or
 * PGRES_TUPLES_OK). The result on success (PQclear it), NULL with err
 * ("<what> failed: <the server's message>") and h->sqlstate set. */
PGresult *hall_exec(hall *h, const char *sql, ExecStatusType want, const char *what, kerr *err);
/* The same with text parameters. */
PGresult *hall_execp(hall *h, const char *sql, int n, const char *const *params,
		     ExecStatusType want, const char *what, kerr *err);
/* Run a command (or a query) and discard its result: 0 or -1 with err. */
int hall_run(hall *h, const char *sql, const char *what, kerr *err);
/* Fill err from the connection or a result: -1. */
int hall_err(hall *h, const PGresult *res, const char *what, kerr *err);
/* True when the connection is gone (not merely a statement refused). */
bool hall_lost(const hall *h);
/* Roll back whatever is open, ignoring errors (a lost connection). */
void hall_rollback(hall *h);

#endif
