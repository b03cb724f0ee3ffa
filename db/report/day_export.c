/* day_export: the files a day close leaves for the auditor and the archive:
 * day-YYYYMMDD.csv (the day's cases, report_write_csv) and
 * day-YYYYMMDD.anchor (the signed anchor, core/anchor), each written whole
 * (temporary file, fsync, rename, directory fsync; mode 0600) into a
 * directory made 0700 if missing. Shared by `kioskctl day close|export` and
 * the kiosk's day close screen. docs/day-close.md. */
#include "db/report/day_export.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/base/civil.h"
#include "core/base/protect.h"
#include "db/report/report.h"

typedef int (*fill_fn)(FILE *f, const void *ctx);

/* dir/name written whole: a temporary file (mode 0600), synced, renamed over
 * the name, then the directory synced. The path goes to path_out. */
static int export_file(const char *dir, const char *name, fill_fn fill, const void *ctx,
		       char *path_out, size_t n, kerr *err)
{
	char tmp[4200];
	if (snprintf(path_out, n, "%s/%s", dir, name) >= (int)n ||
	    snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, name) >= (int)sizeof tmp)
		return kerr_set(err, dir, "the path is too long");
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return kerr_set(err, dir, "cannot create a file there: %s", strerror(errno));
	FILE *f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return kerr_set(err, tmp, "cannot write: %s", strerror(errno));
	}
	bool ok = fchmod(fd, 0600) == 0 && fill(f, ctx) == 0 && fflush(f) == 0 && fsync(fd) == 0;
	int e = errno;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path_out) != 0) {
		if (ok)
			e = errno;
		unlink(tmp);
		return kerr_set(err, path_out, "cannot write: %s; check the free space and the "
				"directory's permissions", strerror(e ? e : EIO));
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

static int fill_csv(FILE *f, const void *ctx)
{
	return report_write_csv(f, ctx);
}

static int fill_anchor(FILE *f, const void *ctx)
{
	char text[ANCHOR_FILE_MAX];
	if (anchor_file_format(ctx, text, sizeof text, NULL))
		return -1;
	return fputs(text, f) < 0 ? -1 : 0;
}

/* day-YYYYMMDD.csv and day-YYYYMMDD.anchor into dir (made 0700 if missing). */
int day_export(kdb *db, const anchor_rec *a, const char *dir, char *csv_path,
	       char *anchor_path, size_t n, kerr *err)
{
	if (protect_mkdirs(dir, err))
		return -1;
	int y, m, d;
	civil_to_ymd(a->day, &y, &m, &d);
	char csv_name[64], anchor_name[64];
	snprintf(csv_name, sizeof csv_name, "day-%04d%02d%02d.csv", y, m, d);
	snprintf(anchor_name, sizeof anchor_name, "day-%04d%02d%02d.anchor", y, m, d);
	daily_report r;
	if (db_report_daily(db, a->day, &r, err))
		return -1;
	int rc = export_file(dir, csv_name, fill_csv, &r, csv_path, n, err);
	daily_report_free(&r);
	if (rc)
		return -1;
	return export_file(dir, anchor_name, fill_anchor, a, anchor_path, n, err);
}

