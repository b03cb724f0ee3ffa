/* day_export: write a closed day's CSV and signed anchor files (see
 * db/report/day_export.c). */
#ifndef DB_DAY_EXPORT_H
#define DB_DAY_EXPORT_H

#include <stddef.h>

#include "core/audit/anchor.h"
#include "core/base/err.h"
#include "db/db.h"

/* day-YYYYMMDD.csv and day-YYYYMMDD.anchor of anchor a into dir; their paths
 * into csv_path and anchor_path (n bytes each). 0, or -1 with err. */
int day_export(kdb *db, const anchor_rec *a, const char *dir, char *csv_path,
	       char *anchor_path, size_t n, kerr *err);

#endif
