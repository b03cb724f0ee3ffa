/* conn: connecting to the centre and running SQL with errors in words. */
#include "db/pg/conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

hall *hall_connect(const char *conninfo, kerr *err)
{
	if (!conninfo || !*conninfo)
		return kerr_set(err, "hall", "no central store given: set [hall] central in "
				"kiosk.ini or give --central CONNINFO"),
		       NULL;
	hall *h = calloc(1, sizeof *h);
	if (!h) {
		kerr_set(err, "hall", "out of memory");
		return NULL;
	}
	h->c = PQconnectdb(conninfo);
	if (!h->c || PQstatus(h->c) != CONNECTION_OK) {
		char msg[400] = "out of memory";
		if (h->c)
			snprintf(msg, sizeof msg, "%s", PQerrorMessage(h->c));
		msg[strcspn(msg, "\n")] = '\0';
		kerr_set(err, "hall", "cannot reach the central store: %s; the kiosk works on "
			 "without it, ship again later", msg);
		hall_close(h);
		return NULL;
	}
	/* Messages in English whatever the server's locale; the time zone only
	 * for the text of timestamps shown to the operator. */
	PGresult *r = PQexec(h->c, "SET lc_messages TO 'C'; SET client_min_messages TO warning");
	PQclear(r);
	r = PQexec(h->c, "SET client_encoding TO 'UTF8'");
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (!ok) {
		hall_err(h, NULL, "setting the client encoding", err);
		hall_close(h);
		return NULL;
	}
	return h;
}

void hall_close(hall *h)
{
	if (!h)
		return;
	if (h->c)
		PQfinish(h->c);
	free(h);
}

bool hall_lost(const hall *h)
{
	return !h->c || PQstatus(h->c) != CONNECTION_OK;
}

int hall_err(hall *h, const PGresult *res, const char *what, kerr *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	snprintf(h->sqlstate, sizeof h->sqlstate, "%s", state ? state : "");
	char msg[480];
	const char *m = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	snprintf(msg, sizeof msg, "%s", m ? m : PQerrorMessage(h->c));
	msg[strcspn(msg, "\n")] = '\0';
	if (hall_lost(h))
		return kerr_set(err, "hall", "%s failed: the connection to the central store was "
				"lost (%s); nothing half-sent is kept there: ship again later",
				what, msg);
	return kerr_set(err, "hall", "%s failed: %s", what, msg);
}

PGresult *hall_execp(hall *h, const char *sql, int n, const char *const *params,
		     ExecStatusType want, const char *what, kerr *err)
{
	h->sqlstate[0] = '\0';
	PGresult *r = n ? PQexecParams(h->c, sql, n, NULL, params, NULL, NULL, 0)
			: PQexec(h->c, sql);
	if (r && PQresultStatus(r) == want)
		return r;
	if (r && (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)) {
		kerr_set(err, "hall", "%s: the server answered %s, not %s", what,
			 PQresStatus(PQresultStatus(r)), PQresStatus(want));
		PQclear(r);
		return NULL;
	}
	hall_err(h, r, what, err);
	PQclear(r);
	return NULL;
}

PGresult *hall_exec(hall *h, const char *sql, ExecStatusType want, const char *what, kerr *err)
{
	return hall_execp(h, sql, 0, NULL, want, what, err);
}

int hall_run(hall *h, const char *sql, const char *what, kerr *err)
{
	h->sqlstate[0] = '\0';
	PGresult *r = PQexec(h->c, sql);
	ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		PQclear(r);
		return 0;
	}
	hall_err(h, r, what, err);
	PQclear(r);
	return -1;
}

void hall_rollback(hall *h)
{
	if (hall_lost(h) || PQtransactionStatus(h->c) == PQTRANS_IDLE)
		return;
	PQclear(PQexec(h->c, "ROLLBACK"));
}
