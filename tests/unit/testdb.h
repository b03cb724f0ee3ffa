/* Test helper (header-only): a test's database copied from a template made
 * once per test file (staff with scrypt PINs are slow to make), opened both
 * through the kiosk's db layer and as a raw sqlite3 connection for SQL
 * written independently of the code under test. */
#ifndef TESTS_UNIT_TESTDB_H
#define TESTS_UNIT_TESTDB_H

#include <sqlite3.h>

#include "db/db.h"

/* template_path copied to path (online backup), then opened as *db (kiosk
 * id checked when given) and *raw (busy timeout 5 s). 0, or -1. */
static inline int tu_db_copy(const char *template_path, const char *path, const char *kiosk_id,
			     kdb **db, sqlite3 **raw)
{
	kerr err = { 0 };
	kdb *tpl = db_open(template_path, NULL, DB_OPEN_EXISTING, &err);
	if (!tpl)
		return -1;
	int rc = db_backup(tpl, path, &err);
	db_close(tpl);
	if (rc)
		return -1;
	*db = db_open(path, kiosk_id, DB_OPEN_EXISTING, &err);
	if (!*db || sqlite3_open_v2(path, raw, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(*raw, 5000);
	return 0;
}

#endif
