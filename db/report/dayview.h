/* dayview: what the supervisor's day view shows for one civil day, read in
 * one snapshot: the day's cases as the daily report has them (db/report/report.h;
 * filtered by clerk, service, outcome and a search text, with counts by
 * status, outcome, service and clerk over the rows shown, fees due against
 * verified payments and every mismatch), the 容缺 cases with their deadline
 * (overdue ones marked on the rows), the refusals with their one-time notice
 * (each missing or defective material with its reason), and the keys whose
 * lifecycle moved that day. `kioskctl report daily` prints and exports the
 * same structure, so the screen and the CSV agree. db_dayview() fills a
 * dayview the caller owns; dayview_free() releases it. */
#ifndef DB_DAYVIEW_H
#define DB_DAYVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/err.h"
#include "core/case/marks.h"
#include "core/token/token_life.h"
#include "db/db.h"
#include "db/report/report.h"

/* The day view's filter is the report's: clerk, service, outcomes, search. */
typedef report_filter dayview_filter;

/* One line of a one-time notice (一次性告知单). */
typedef struct dayview_notice {
	char material_id[64];      /* catalog material id: the screen shows its label */
	material_mark mark;        /* MARK_MISSING or MARK_DEFECTIVE */
	char reason[256];          /* what is wrong with a defective one, "" if missing */
	bool essential;
} dayview_notice;

/* A refused case of the rows and its notice. */
typedef struct dayview_refusal {
	char case_no[40];
	size_t row;                /* index into r.cases */
	bool notice_printed;       /* its slip (the notice) is recorded */
	dayview_notice *notice;    /* in the service's order */
	size_t n_notice;
} dayview_refusal;

/* A move of a key on that day (token_events). */
typedef struct dayview_key_event {
	char serial[65];
	int from;                  /* token_state, -1 when the key entered */
	token_state to;
	char reason[48];           /* token reason name */
	char actor[40];
	char case_no[40];          /* "" when no case */
	int64_t at_ms;
} dayview_key_event;

typedef struct dayview {
	daily_report r;            /* the rows, counts, money, mismatches, orders */
	dayview_refusal *refusals; /* in row order */
	size_t n_refusals;
	dayview_key_event *keys;   /* by time; with a filter, only those of the rows' cases */
	size_t n_keys;
} dayview;

/* The day view of civil_day; f may be NULL (everything). 0, or -1 with err
 * (a bad filter, a store error) and *out empty. */
int db_dayview(kdb *db, long civil_day, const dayview_filter *f, dayview *out, kerr *err);
void dayview_free(dayview *v);

#endif
