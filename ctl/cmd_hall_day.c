/* kioskctl hall day: the hall's day for a program, the kiosk's hall view
 * (tui/flow/hallday.c runs it as a child, so the kiosk links no libpq).
 *
 *   hall day --date D [--hall H] [--timeout S] --by ID [--central CONNINFO]
 *
 * The same authority as hall report: the supervisor's login, its hall PIN
 * read from stdin (or the terminal) and checked by the centre, allowed only
 * for a hall it supervises; the hall is this kiosk's (kiosk.ini's kiosk_id
 * at the centre) unless --hall names one. Bounded: the connection and each
 * statement at most S seconds (3 by default), so a silent centre costs the
 * caller S seconds, never more.
 *
 * Output, one record a line, fields separated by a tab (ids have no tabs;
 * any tab or newline in a value is made a space), read by
 * hallday_parse(); the figures are hall.day_report()'s, the same rows as
 * hall report --csv:
 *   hall-day  v1  DATE  HALL
 *   close     closed BY CLOSED_MS | open
 *   window    KIOSK  CLOSED(0|1)  CLOSED_BY  HEAD_SEQ  SHIPPED_MS
 *             LOCAL_HEAD  REPORTED_MS          (-1: never)
 *   row       KIOSK  CLERK  SERVICE  STATUS  CASES  DUE_FEN  PAID_FEN
 *             REFUNDED_FEN
 *   end       WINDOWS  ROWS
 * and, instead, on a failure: "error offline TEXT" (exit 2: the centre not
 * reached in time, the connection lost) or "error refused TEXT" (exit 1: a
 * wrong hall PIN, not a supervisor of the hall, an unknown kiosk). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "ctl/ctl.h"
#include "db/pg/pg.h"

/* A value as one field: tabs and line ends made spaces. */
static void field(const char *s)
{
	putchar('\t');
	for (; *s; s++)
		putchar(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

static int say_error(int rc, const char *kind, const kerr *err)
{
	char buf[1024];
	printf("error\t%s", kind);
	field(kerr_text(err, buf, sizeof buf));
	putchar('\n');
	return rc;
}

int hall_cmd_day(const args *a)
{
	if (a->n_words != 2 || check_opts(a, "central config date hall timeout by"))
		return ctl_usage_of("kioskctl hall day --date YYYY-MM-DD [--hall HALL] [--timeout SECONDS] "
				    "--by SUPERVISOR_ID [--central CONNINFO]", NULL);
	const char *date = opt(a, "date"), *hall_id = opt(a, "hall"), *who = opt(a, "by");
	long day;
	if (!date || !civil_parse(date, &day))
		return USAGE("ctl.need_date");
	if (!who || !*who)
		return USAGE("ctl.hall_day.need_by");
	if (hall_id && !hall_id_valid(hall_id))
		return REFUSE("ctl.hall.bad_hall", V("hall", hall_id));
	long timeout = 3;
	if (opt(a, "timeout")) {
		char *end;
		timeout = strtol(opt(a, "timeout"), &end, 10);
		if (!*opt(a, "timeout") || *end || timeout < 1 || timeout > 60)
			return USAGE("ctl.hall.bad_timeout", V("timeout", opt(a, "timeout")));
	}
	kerr err = { 0 };
	kiosk_config *cfg = NULL;
	const char *conninfo = opt(a, "central");
	if (!conninfo || !hall_id) {
		cfg = load_config(a, &err);
		if (!cfg)
			return fail_env(&err);
		if (!conninfo)
			conninfo = cfg->hall_central;
	}
	if (!conninfo || !*conninfo) {
		config_free(cfg);
		return USAGE("ctl.hall.no_hall");
	}
	char pin[64], prompt[160], whom[48];
	snprintf(whom, sizeof whom, "%.40s", who);
	TEXT(prompt, "ctl.hall.pin_prompt", V("id", whom));
	if (ctl_read_pin(prompt, pin, sizeof pin) != 0) {
		config_free(cfg);
		return USAGE("ctl.sup.no_pin");
	}
	bool refused = false;
	hall *h = hall_connect_supervisor_bounded(conninfo, who, pin, (int)timeout, &refused, &err);
	explicit_bzero(pin, sizeof pin);
	int rc = EXIT_OK;
	hall_day_row *rows = NULL;
	hall_window *wins = NULL;
	size_t n_rows = 0, n_wins = 0;
	char own[32];
	if (!h) {
		rc = refused ? say_error(EXIT_FINDING, "refused", &err)
			     : say_error(EXIT_USAGE, "offline", &err);
		goto out;
	}
	if (!hall_id) {
		int got = hall_of_kiosk(h, cfg->kiosk_id, own, sizeof own, &err);
		if (got) {
			rc = got > 0 ? say_error(EXIT_FINDING, "refused", &err)
				     : say_error(EXIT_USAGE, "offline", &err);
			goto out;
		}
		hall_id = own;
	}
	int c = hall_supervisor_check(h, who, hall_id, NULL, 0, &err);
	if (c) {
		rc = c > 0 ? say_error(EXIT_FINDING, "refused", &err)
			   : say_error(EXIT_USAGE, "offline", &err);
		goto out;
	}
	hall_close_rec cr;
	int closed = -1;
	if (hall_day_report(h, date, hall_id, &rows, &n_rows, &err) ||
	    hall_windows(h, date, hall_id, &wins, &n_wins, &err) ||
	    (closed = hall_close_get(h, hall_id, date, &cr, &err)) < 0) {
		rc = say_error(EXIT_USAGE, "offline", &err);
		goto out;
	}
	printf("hall-day\tv1");
	field(date);
	field(hall_id);
	printf("\nclose\t%s", closed == 0 ? "closed" : "open");
	if (closed == 0) {
		field(cr.closed_by);
		printf("\t%lld", (long long)cr.closed_ms);
	}
	putchar('\n');
	for (size_t i = 0; i < n_wins; i++) {
		const hall_window *w = &wins[i];
		printf("window");
		field(w->kiosk_id);
		printf("\t%d", w->closed ? 1 : 0);
		field(w->closed ? w->closed_by : "-");
		printf("\t%lld\t%lld\t%lld\t%lld\n", (long long)w->head_seq, (long long)w->shipped_ms,
		       (long long)w->local_head, (long long)w->reported_ms);
	}
	for (size_t i = 0; i < n_rows; i++) {
		const hall_day_row *r = &rows[i];
		printf("row");
		field(r->kiosk_id);
		field(r->clerk);
		field(r->service);
		field(r->status);
		printf("\t%lld\t%lld\t%lld\t%lld\n", (long long)r->cases, (long long)r->due_fen,
		       (long long)r->paid_fen, (long long)r->refunded_fen);
	}
	printf("end\t%zu\t%zu\n", n_wins, n_rows);
out:
	free(rows);
	free(wins);
	hall_close(h);
	config_free(cfg);
	return rc;
}
