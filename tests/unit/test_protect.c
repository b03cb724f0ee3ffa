/* protect: directories made exactly 0700 whatever the umask; a data
 * directory found 0755 tightened, one with the sticky bit left alone; a file
 * loses group and other bits and keeps the owner's; core dumps off. The
 * database: a new file, its -wal and -shm 0600 under umask 022 and 000; an
 * older kiosk's 0644 files tightened on open; a read-only file stays
 * read-only and is refused; a backup 0600 under umask 000. The clock of a
 * test build follows $KIOSK_NOW and says nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/base/protect.h"
#include "db/db.h"
#include "tests/unit/testutil.h"

typedef struct fx {
	char dir[256];
	mode_t umask_was;
} fx;

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	if (!f || !tu_mkdtemp(f->dir, sizeof f->dir))
		return -1;
	f->umask_was = umask(022);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	umask(f->umask_was);
	tu_rmrf(f->dir);
	free(f);
	return 0;
}

static unsigned mode_of(const char *path)
{
	struct stat sb;
	assert_int_equal(lstat(path, &sb), 0);
	return (unsigned)(sb.st_mode & 07777);
}

static void touch(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static void test_mkdirs_exact_whatever_the_umask(void **state)
{
	fx *f = *state;
	char p[400];
	kerr err = { 0 };
	umask(0);
	snprintf(p, sizeof p, "%s/a/b/c", f->dir);
	assert_int_equal(protect_mkdirs(p, &err), 0);
	assert_int_equal(mode_of(p), 0700);
	snprintf(p, sizeof p, "%s/a", f->dir);
	assert_int_equal(mode_of(p), 0700);
	umask(0277); /* would leave the owner unable to enter it */
	snprintf(p, sizeof p, "%s/x/y/", f->dir);
	assert_int_equal(protect_mkdirs(p, &err), 0);
	assert_int_equal(mode_of(p), 0700);
	umask(022);
	/* an existing directory is left as it is by mkdirs */
	snprintf(p, sizeof p, "%s/open", f->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(protect_mkdirs(p, &err), 0);
	assert_int_equal(mode_of(p), 0755);
	/* a file in the way */
	snprintf(p, sizeof p, "%s/file", f->dir);
	touch(p, 0600);
	snprintf(p, sizeof p, "%s/file/sub", f->dir);
	assert_int_equal(protect_mkdirs(p, &err), -1);
	assert_non_null(strstr(err.msg, "is not a directory"));
	assert_int_equal(protect_mkdirs("", &err), -1);
}

static void test_dir_tightened(void **state)
{
	fx *f = *state;
	char p[400];
	kerr err = { 0 };
	snprintf(p, sizeof p, "%s/data", f->dir);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_int_equal(protect_dir(p, &err), 0);
	assert_int_equal(mode_of(p), 0700);
	/* missing: made 0700 */
	snprintf(p, sizeof p, "%s/new/data", f->dir);
	assert_int_equal(protect_dir(p, &err), 0);
	assert_int_equal(mode_of(p), 0700);
	/* a shared directory (sticky bit, like /tmp) is not taken over */
	snprintf(p, sizeof p, "%s/shared", f->dir);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(chmod(p, 01777), 0);
	assert_int_equal(protect_dir(p, &err), 0);
	assert_int_equal(mode_of(p), 01777);
}

static void test_file_tightened_keeping_the_owner_bits(void **state)
{
	fx *f = *state;
	char p[400];
	kerr err = { 0 };
	snprintf(p, sizeof p, "%s/db", f->dir);
	touch(p, 0644);
	assert_int_equal(protect_file(p, &err), 0);
	assert_int_equal(mode_of(p), 0600);
	touch(p, 0444);
	assert_int_equal(protect_file(p, &err), 0);
	assert_int_equal(mode_of(p), 0400);
	touch(p, 0600);
	assert_int_equal(protect_file(p, &err), 0);
	assert_int_equal(mode_of(p), 0600);
	snprintf(p, sizeof p, "%s/none", f->dir);
	assert_int_equal(protect_file(p, &err), 0);
}

static void test_no_core_dumps(void **state)
{
	(void)state;
	kerr err = { 0 };
	assert_int_equal(protect_process(&err), 0);
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	struct rlimit rl;
	assert_int_equal(getrlimit(RLIMIT_CORE, &rl), 0);
	assert_true(rl.rlim_cur == 0 && rl.rlim_max == 0);
	assert_true(protect_process_is_on());
}

/* The database and whichever of -wal and -shm exist are all 0600. */
static void assert_db_private(const char *path, bool wal_too)
{
	char p[600];
	assert_int_equal(mode_of(path), 0600);
	snprintf(p, sizeof p, "%s-wal", path);
	if (wal_too || access(p, F_OK) == 0)
		assert_int_equal(mode_of(p), 0600);
	snprintf(p, sizeof p, "%s-shm", path);
	if (wal_too || access(p, F_OK) == 0)
		assert_int_equal(mode_of(p), 0600);
}

static void test_database_files_private(void **state)
{
	fx *f = *state;
	char path[400], p[500];
	kerr err = { 0 };
	for (int u = 0; u < 2; u++) {
		umask(u ? 0 : 022);
		snprintf(path, sizeof path, "%s/u%d/kiosk.db", f->dir, u);
		kdb *db = db_open(path, "K01", DB_OPEN_CREATE, &err);
		assert_non_null(db);
		assert_db_private(path, true); /* open: -wal and -shm are there */
		snprintf(p, sizeof p, "%s/u%d", f->dir, u);
		assert_int_equal(mode_of(p), 0700);
		db_close(db);
		assert_db_private(path, false);
	}
	umask(022);

	/* files an older kiosk left 0644, -wal and -shm with them: reopened while
	 * another connection holds them, all tightened */
	snprintf(path, sizeof path, "%s/old.db", f->dir);
	kdb *holder = db_open(path, "K01", DB_OPEN_CREATE, &err);
	assert_non_null(holder);
	assert_int_equal(chmod(path, 0644), 0);
	snprintf(p, sizeof p, "%s-wal", path);
	assert_int_equal(chmod(p, 0644), 0);
	snprintf(p, sizeof p, "%s-shm", path);
	assert_int_equal(chmod(p, 0644), 0);
	kdb *db = db_open(path, NULL, DB_OPEN_EXISTING, &err);
	assert_non_null(db);
	assert_db_private(path, true);
	db_close(db);
	db_close(holder);

	/* a read-only file stays read-only (only group and other bits go) and
	 * is refused as before */
	assert_int_equal(chmod(path, 0444), 0);
	if (geteuid() != 0) { /* root writes whatever the mode */
		assert_null(db_open(path, NULL, DB_OPEN_EXISTING, &err));
		assert_non_null(strstr(err.msg, "can only be read"));
	}
	assert_true(mode_of(path) == 0444 || mode_of(path) == 0400);
	assert_int_equal(chmod(path, 0600), 0);

	/* a backup under umask 000 */
	umask(0);
	db = db_open(path, NULL, DB_OPEN_EXISTING, &err);
	assert_non_null(db);
	snprintf(p, sizeof p, "%s/backup.db", f->dir);
	assert_int_equal(db_backup(db, p, &err), 0);
	assert_int_equal(mode_of(p), 0600);
	db_close(db);
	umask(022);
}

static void test_test_build_clock(void **state)
{
	(void)state;
	/* the unit tests link the test archive: $KIOSK_NOW is honoured */
	assert_true(clock_is_test_build());
	setenv("KIOSK_NOW", "2095-06-01T10:00:00+08:00", 1);
	char buf[32];
	assert_string_equal(clock_format_local(clock_now_ms(), buf, sizeof buf), "2095-06-01 10:00:00");
	assert_null(clock_env_ignored());
	unsetenv("KIOSK_NOW");
	assert_null(clock_env_ignored());
	assert_true(clock_now_ms() < 4000000000000LL); /* the real clock again (before 2096) */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mkdirs_exact_whatever_the_umask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_tightened, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_tightened_keeping_the_owner_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_database_files_private, setup, teardown),
		cmocka_unit_test(test_test_build_clock),
		/* last: the process stays not dumpable */
		cmocka_unit_test(test_no_core_dumps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
