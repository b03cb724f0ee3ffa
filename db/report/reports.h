/* reports: what the supervisor and kioskctl read back, never write. This is
 * the folder's main header; including it includes them all.
 *
 *   file                      what it holds
 *   report.h, report.c        the day's figures: cases, outcomes, counts, money
 *                             and mismatches; the range summary
 *   report_csv.c (report.h)   those reports as CSV (no SQL)
 *   csv.h/.c                  one CSV cell: RFC 4180 quoting, formulas
 *                             neutralised (private: report_csv.c)
 *   dayview.h/.c              the supervisor's day view (the filtered report,
 *                             容缺, refusals, key moves) in one snapshot
 *   timeline.h/.c             everything recorded about one case, in order
 *   day_export.h/.c           a closed day's CSV and signed anchor files
 *   paydiffs.h/.c             the reconciliation's differences and runs of a
 *                             day (written by repo/recon_repo)
 *   closecheck.h/.c           what is still open before a day's close: cases,
 *                             fees not collected, unexplained differences
 *
 * Public: report.h, dayview.h, timeline.h, day_export.h, paydiffs.h,
 * closecheck.h. Dependencies point
 * one way: report/ reads the tables through db/store.h itself and never
 * includes repo/ (repo/ may include report/: the day close signs the day's
 * counts); nothing at db/'s top level includes report/. Inside: dayview and
 * day_export sit on report; closecheck on report and paydiffs. */
#ifndef DB_REPORT_REPORTS_H
#define DB_REPORT_REPORTS_H

#include "db/report/closecheck.h"
#include "db/report/day_export.h"
#include "db/report/dayview.h"
#include "db/report/paydiffs.h"
#include "db/report/report.h"
#include "db/report/timeline.h"

#endif
