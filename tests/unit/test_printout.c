/* test_printout: papers saved under <data_dir>/slips/<day>/ and piped to the
 * print command, with real files and a real /bin/sh. The clock is pinned so
 * the day directory is known. */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/base/clock.h"
#include "core/print/printout.h"
#include "core/base/civil.h"
#include "tests/unit/testutil.h"

#define DAY "2024-03-01"
#define CASE_NO "SCCA-CD-01-20240301-0007"

typedef struct fixture {
	char tmp[512];
	char data[1024];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	if (!f || !tu_mkdtemp(f->tmp, sizeof f->tmp))
		return -1;
	snprintf(f->data, sizeof f->data, "%s/data", f->tmp);
	/* 00:30 in Shanghai is still the day before in UTC: the day is local */
	clock_set_fixed(clock_day_start_ms(civil_from_ymd(2024, 3, 1)) + 30 * 60 * 1000LL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	tu_rmrf(f->tmp);
	free(f);
	clock_set_fixed(0);
	return 0;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void save_ok(const char *data, const char *kind, const char *text, char *path, size_t n)
{
	kerr err;
	if (printout_save(data, CASE_NO, kind, text, path, n, &err) != 0)
		fail_msg("save: %s: %s", err.where, err.msg);
}

static void atomic_write(void **state)
{
	fixture *f = *state;
	static const char text[] = "受理回执\n" CASE_NO "\n";
	char path[1024], want[1200], dir[1100];
	save_ok(f->data, "slip", text, path, sizeof path);
	snprintf(dir, sizeof dir, "%s/slips/" DAY, f->data);
	snprintf(want, sizeof want, "%s/" CASE_NO "-slip.txt", dir);
	assert_string_equal(path, want);
	assert_true(tu_same_bytes(text, strlen(text), path));
	/* nothing else in the directory: the temporary file is gone */
	assert_int_equal(count_entries(dir), 1);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	char slips[1100];
	snprintf(slips, sizeof slips, "%s/slips", f->data);
	assert_int_equal(stat(slips, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	/* the notice of the same case is its own file */
	char npath[1024];
	save_ok(f->data, "notice", "告知\n", npath, sizeof npath);
	assert_true(tu_ends_with(npath, "/" CASE_NO "-notice.txt"));
	assert_int_equal(count_entries(dir), 2);
	/* an empty paper is still a file */
	kerr err;
	assert_int_equal(printout_save(f->data, "X-1", "slip", "", path, sizeof path, &err), 0);
	assert_true(tu_same_bytes("", 0, path));
}

static void same_content_and_versions(void **state)
{
	fixture *f = *state;
	char p1[1024], p2[1024], p3[1024], p4[1024];
	save_ok(f->data, "slip", "first\n", p1, sizeof p1);
	struct stat before;
	assert_int_equal(stat(p1, &before), 0);
	/* a reprint of the same text: the same file, nothing added */
	save_ok(f->data, "slip", "first\n", p2, sizeof p2);
	assert_string_equal(p1, p2);
	struct stat after;
	assert_int_equal(stat(p2, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	char dir[1100];
	snprintf(dir, sizeof dir, "%s/slips/" DAY, f->data);
	assert_int_equal(count_entries(dir), 1);
	/* different text: the first paper is kept, the new one is -2 */
	save_ok(f->data, "slip", "second\n", p3, sizeof p3);
	assert_true(tu_ends_with(p3, "/" CASE_NO "-slip-2.txt"));
	assert_true(tu_same_bytes("first\n", 6, p1));
	assert_true(tu_same_bytes("second\n", 7, p3));
	/* a prefix of the existing text is different text, too */
	save_ok(f->data, "slip", "first", p4, sizeof p4);
	assert_true(tu_ends_with(p4, "/" CASE_NO "-slip-3.txt"));
	/* the same as the -2 version: found, not written again */
	save_ok(f->data, "slip", "second\n", p4, sizeof p4);
	assert_string_equal(p4, p3);
	assert_int_equal(count_entries(dir), 3);
	assert_true(tu_same_bytes("first\n", 6, p1));
}

static void save_errors(void **state)
{
	fixture *f = *state;
	char path[1024] = "untouched";
	kerr err;
	memset(&err, 0, sizeof err);
	/* the case number becomes a file name: nothing that leaves the directory */
	assert_int_equal(printout_save(f->data, "../x", "slip", "t", path, sizeof path, &err), -1);
	assert_non_null(strstr(err.msg, "../x"));
	assert_string_equal(path, "");
	assert_int_equal(printout_save(f->data, "a/b", "slip", "t", path, sizeof path, &err), -1);
	assert_int_equal(printout_save(f->data, "", "slip", "t", path, sizeof path, &err), -1);
	assert_int_equal(printout_save(f->data, NULL, "slip", "t", path, sizeof path, &err), -1);
	assert_int_equal(printout_save(f->data, CASE_NO, "receipt", "t", path, sizeof path, &err),
			 -1);
	assert_non_null(strstr(err.msg, "receipt"));
	assert_int_equal(printout_save(f->data, CASE_NO, NULL, "t", path, sizeof path, &err), -1);
	assert_int_equal(printout_save(f->data, CASE_NO, "slip", NULL, path, sizeof path, &err), -1);
	assert_int_equal(printout_save("", CASE_NO, "slip", "t", path, sizeof path, &err), -1);
	assert_int_equal(printout_save(NULL, CASE_NO, "slip", "t", path, sizeof path, &err), -1);
	/* a data directory that is a file (works as root too, unlike chmod) */
	char file[1100];
	snprintf(file, sizeof file, "%s/plainfile", f->tmp);
	assert_true(tu_write_file(file, "x", 1));
	memset(&err, 0, sizeof err);
	assert_int_equal(printout_save(file, CASE_NO, "slip", "t", path, sizeof path, &err), -1);
	assert_non_null(strstr(err.where, "plainfile"));
	assert_true(err.msg[0]);
	/* a buffer too small for the path: an error, not a cut path */
	char small[8];
	assert_int_equal(printout_save(f->data, CASE_NO, "slip", "t", small, sizeof small, &err),
			 -1);
	/* no path wanted at all */
	assert_int_equal(printout_save(f->data, CASE_NO, "notice", "t", NULL, 0, &err), 0);
}

static void print_command_gets_the_file(void **state)
{
	fixture *f = *state;
	static const char text[] = "一次性告知单\nline 2\n";
	char path[1024], out[1100], cmd[2400];
	save_ok(f->data, "notice", text, path, sizeof path);
	kerr err;
	/* on standard input */
	snprintf(out, sizeof out, "%s/stdin.out", f->tmp);
	snprintf(cmd, sizeof cmd, "cat > '%s'", out);
	if (printout_send(cmd, path, &err) != 0)
		fail_msg("send: %s", err.msg);
	assert_true(tu_same_bytes(text, strlen(text), out));
	/* as $1 */
	snprintf(out, sizeof out, "%s/arg.out", f->tmp);
	snprintf(cmd, sizeof cmd, "cp \"$1\" '%s'", out);
	assert_int_equal(printout_send(cmd, path, &err), 0);
	assert_true(tu_same_bytes(text, strlen(text), out));
	/* what the command prints does not reach our standard output (the
	 * kiosk's screen), and a warning on a success is not an error */
	char cap[1100];
	snprintf(cap, sizeof cap, "%s/stdout.cap", f->tmp);
	fflush(stdout);
	int saved = dup(1);
	int fd = open(cap, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 1);
	close(fd);
	int rc = printout_send("echo printed; echo warning >&2", path, &err);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	assert_int_equal(rc, 0);
	assert_true(tu_same_bytes("", 0, cap));
	/* no command configured: nothing to do */
	assert_int_equal(printout_send(NULL, path, &err), 0);
	assert_int_equal(printout_send("", path, &err), 0);
	assert_int_equal(printout_send("  \t", path, &err), 0);
	/* not even the path is looked at then */
	assert_int_equal(printout_send("", "/nonexistent/x", &err), 0);
}

static void print_command_failure(void **state)
{
	fixture *f = *state;
	char path[1024];
	save_ok(f->data, "slip", "x\n", path, sizeof path);
	kerr err;
	memset(&err, 0, sizeof err);
	assert_int_equal(printout_send("echo 'lp: printer counter1 is offline' >&2; exit 3",
				       path, &err), -1);
	assert_non_null(strstr(err.msg, "echo 'lp: printer counter1 is offline' >&2; exit 3"));
	assert_non_null(strstr(err.msg, "status 3"));
	assert_non_null(strstr(err.msg, "lp: printer counter1 is offline"));
	/* a command that does not exist: the shell's 127 */
	memset(&err, 0, sizeof err);
	assert_int_equal(printout_send("kiosk-no-such-printer-cmd", path, &err), -1);
	assert_non_null(strstr(err.msg, "kiosk-no-such-printer-cmd"));
	assert_non_null(strstr(err.msg, "status 127"));
	/* killed by a signal */
	memset(&err, 0, sizeof err);
	assert_int_equal(printout_send("kill -9 $$", path, &err), -1);
	assert_non_null(strstr(err.msg, "signal 9"));
	/* the file to print is missing: said before anything runs */
	char marker[1100], cmd[1300];
	snprintf(marker, sizeof marker, "%s/ran", f->tmp);
	snprintf(cmd, sizeof cmd, "touch '%s'", marker);
	memset(&err, 0, sizeof err);
	assert_int_equal(printout_send(cmd, "/nonexistent/slip.txt", &err), -1);
	assert_non_null(strstr(err.where, "/nonexistent/slip.txt"));
	assert_false(tu_exists(marker));
	assert_int_equal(printout_send(cmd, NULL, &err), -1);
}

static void path_is_not_shell_syntax(void **state)
{
	fixture *f = *state;
	/* a data directory full of shell syntax; the case number cannot hold any */
	char data[1100], path[1300], out[1100], cmd[2400], pwned[1100];
	snprintf(pwned, sizeof pwned, "%s/PWNED", f->tmp);
	snprintf(data, sizeof data, "%s/d;touch PWNED;$(touch PWNED)`touch PWNED`'\"x y", f->tmp);
	save_ok(data, "slip", "text\n", path, sizeof path);
	assert_true(tu_same_bytes("text\n", 5, path));
	snprintf(out, sizeof out, "%s/copy.out", f->tmp);
	snprintf(cmd, sizeof cmd, "cd '%s' && cat \"$1\" > '%s'", f->tmp, out);
	kerr err;
	if (printout_send(cmd, path, &err) != 0)
		fail_msg("send: %s", err.msg);
	assert_true(tu_same_bytes("text\n", 5, out));
	assert_false(tu_exists(pwned));
	/* the path arrives whole as $1 */
	snprintf(out, sizeof out, "%s/arg1.out", f->tmp);
	snprintf(cmd, sizeof cmd, "cd '%s' && printf '%%s' \"$1\" > '%s'", f->tmp, out);
	assert_int_equal(printout_send(cmd, path, &err), 0);
	assert_true(tu_same_bytes(path, strlen(path), out));
	assert_false(tu_exists(pwned));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(atomic_write, setup, teardown),
		cmocka_unit_test_setup_teardown(same_content_and_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(save_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(print_command_gets_the_file, setup, teardown),
		cmocka_unit_test_setup_teardown(print_command_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(path_is_not_shell_syntax, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
