#include "core/print/printout.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/base/civil.h"
#include "core/base/protect.h"

extern char **environ;

#define MAX_VERSIONS 99

static bool name_ok(const char *s)
{
	size_t n = 0;
	for (; s && *s; s++, n++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return n > 0 && n <= 64;
}

/* 1: the file holds exactly text; 0: it holds something else; -1: it does
 * not exist; -2: it cannot be read (errno set). */
static int same_content(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -1 : -2;
	struct stat sb;
	if (fstat(fd, &sb) != 0) {
		close(fd);
		return -2;
	}
	if (!S_ISREG(sb.st_mode) || (size_t)sb.st_size != len) {
		close(fd);
		return 0;
	}
	char buf[4096];
	size_t off = 0;
	int same = 1;
	while (off < len) {
		ssize_t got = read(fd, buf, sizeof buf);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -2;
		}
		if (got == 0 || (size_t)got > len - off || memcmp(buf, text + off, (size_t)got)) {
			same = 0;
			break;
		}
		off += (size_t)got;
	}
	close(fd);
	return same;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Move tmp to path unless path exists (then errno EEXIST). */
static int rename_noreplace(const char *tmp, const char *path)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* file system without RENAME_NOREPLACE: link() does not replace either */
	if (link(tmp, path) == 0) {
		unlink(tmp);
		return 0;
	}
	return -1;
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

int printout_save(const char *data_dir, const char *case_no, const char *kind,
		  const char *text, char *path_out, size_t n, kerr *err)
{
	if (path_out && n)
		path_out[0] = '\0';
	if (!data_dir || !*data_dir)
		return kerr_set(err, "printout", "no data directory; set data_dir in kiosk.ini");
	if (!name_ok(case_no))
		return kerr_set(err, "printout", "case number '%.80s' cannot name a file: use "
				"1-64 of A-Z a-z 0-9 - _", case_no ? case_no : "(null)");
	if (!kind || (strcmp(kind, "slip") != 0 && strcmp(kind, "notice") != 0 &&
		      strcmp(kind, "summary") != 0 && strcmp(kind, "slip-reprint") != 0 &&
		      strcmp(kind, "notice-reprint") != 0 && strcmp(kind, "supplement") != 0 &&
		      strcmp(kind, "supplement-reprint") != 0))
		return kerr_set(err, case_no, "paper kind '%.40s' is unknown: use \"slip\", "
				"\"notice\", \"supplement\", their \"-reprint\" or \"summary\"",
				kind ? kind : "(null)");
	if (!text)
		return kerr_set(err, case_no, "no text to save");

	char day[16], dir[1024];
	civil_format(clock_today(), day, sizeof day);
	if (snprintf(dir, sizeof dir, "%s/slips/%s", data_dir, day) >= (int)sizeof dir)
		return kerr_set(err, data_dir, "data directory path is too long");
	if (protect_mkdirs(dir, err))
		return -1;

	size_t len = strlen(text);
	char path[1200], tmp[1200];
	for (int v = 1; v <= MAX_VERSIONS; v++) {
		if (v == 1)
			snprintf(path, sizeof path, "%s/%s-%s.txt", dir, case_no, kind);
		else
			snprintf(path, sizeof path, "%s/%s-%s-%d.txt", dir, case_no, kind, v);
		int same = same_content(path, text, len);
		if (same == -2)
			return kerr_set(err, path, "cannot read the existing paper: %s",
					strerror(errno));
		if (same == 0)
			continue; /* another text is kept there: try the next name */
		if (same == 1)
			goto done; /* a reprint: the file already holds it */

		snprintf(tmp, sizeof tmp, "%s/.%s-%s.XXXXXX", dir, case_no, kind);
		int fd = mkostemp(tmp, O_CLOEXEC);
		if (fd < 0)
			return kerr_set(err, dir, "cannot create a file: %s; check the data "
					"directory's permissions and free space", strerror(errno));
		if (write_all(fd, text, len) != 0 || fsync(fd) != 0) {
			int e = errno;
			close(fd);
			unlink(tmp);
			return kerr_set(err, path, "cannot write the paper: %s; check the free "
					"space of the data directory", strerror(e));
		}
		if (close(fd) != 0) {
			int e = errno;
			unlink(tmp);
			return kerr_set(err, path, "cannot write the paper: %s", strerror(e));
		}
		if (rename_noreplace(tmp, path) != 0) {
			int e = errno;
			unlink(tmp);
			if (e == EEXIST) { /* appeared meanwhile: look at it again */
				v--;
				continue;
			}
			return kerr_set(err, path, "cannot put the paper in place: %s",
					strerror(e));
		}
		if (fsync_dir(dir) != 0)
			return kerr_set(err, dir, "cannot sync the directory: %s", strerror(errno));
		goto done;
	}
	return kerr_set(err, dir, "%s already has %d different %s papers; move old ones away",
			case_no, MAX_VERSIONS, kind);
done:
	if (path_out && n && snprintf(path_out, n, "%s", path) >= (int)n)
		return kerr_set(err, path, "the path does not fit the caller's buffer");
	return 0;
}

static bool blank(const char *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

/* The first line of what the command said on stderr, printable only. */
static void first_line(char *s)
{
	char *p = s;
	while (*p == '\n' || *p == '\r')
		p++;
	memmove(s, p, strlen(p) + 1);
	for (p = s; *p; p++) {
		if (*p == '\n' || *p == '\r') {
			*p = '\0';
			break;
		}
		if ((unsigned char)*p < 0x20 || *p == 0x7F)
			*p = '?';
	}
}

int printout_send(const char *command, const char *path, kerr *err)
{
	if (blank(command))
		return 0;
	if (!path || !*path)
		return kerr_set(err, "print", "no file to print");
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kerr_set(err, path, "cannot open the paper to print: %s", strerror(errno));
	int ep[2];
	if (pipe2(ep, O_CLOEXEC) != 0) {
		int e = errno;
		close(fd);
		return kerr_set(err, "print", "cannot make a pipe: %s", strerror(e));
	}

	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_adddup2(&fa, fd, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, ep[1], 2);
	/* the kiosk ignores or catches signals for its screen; the command gets
	 * the defaults and an empty mask */
	sigset_t all, none;
	sigfillset(&all);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(&at, &all);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

	char *argv[] = { "sh", "-c", (char *)command, "sh", (char *)path, NULL };
	pid_t pid;
	int rc = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(fd);
	close(ep[1]);
	if (rc != 0) {
		close(ep[0]);
		return kerr_set(err, "print", "cannot start /bin/sh for the print command "
				"'%.200s': %s", command, strerror(rc));
	}

	char said[512];
	size_t got = 0;
	for (;;) {
		char chunk[512];
		ssize_t r = read(ep[0], chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		size_t take = (size_t)r;
		if (take > sizeof said - 1 - got)
			take = sizeof said - 1 - got;
		memcpy(said + got, chunk, take);
		got += take;
	}
	said[got] = '\0';
	close(ep[0]);

	int st;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return kerr_set(err, "print", "lost the print command '%.200s': %s",
					command, strerror(errno));
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	first_line(said);
	char why[64];
	if (WIFEXITED(st))
		snprintf(why, sizeof why, "exited with status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(why, sizeof why, "was killed by signal %d", WTERMSIG(st));
	else
		snprintf(why, sizeof why, "failed (wait status %d)", st);
	return kerr_set(err, path, "print command '%.200s' %s%s%.200s; the paper is saved "
			"here: check the printer, or [print] command in kiosk.ini", command, why,
			said[0] ? ": " : "", said);
}

int printout_find(const char *data_dir, const char *case_no, const char *kind, char *path_out, size_t n,
		  char **text)
{
	if (text)
		*text = NULL;
	if (!data_dir || !name_ok(case_no) || !name_ok(kind))
		return -1;
	char dir[1024];
	snprintf(dir, sizeof dir, "%s/slips", data_dir);
	DIR *d = opendir(dir);
	if (!d)
		return 1;
	/* the earliest day that holds it: the paper first saved */
	char best[1100] = "";
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strlen(e->d_name) != 10)
			continue;
		char path[1100];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s/%s-%s.txt", dir, e->d_name, case_no, kind);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (!best[0] || strcmp(path, best) < 0))
			snprintf(best, sizeof best, "%s", path);
	}
	closedir(d);
	if (!best[0])
		return 1;
	if ((size_t)snprintf(path_out, n, "%s", best) >= n)
		return -1;
	if (!text)
		return 0;
	FILE *f = fopen(best, "rb");
	if (!f)
		return -1;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1);
	size_t r;
	while (buf && (r = fread(buf + len, 1, cap - len, f)) > 0) {
		len += r;
		if (len == cap) {
			char *nb = cap < (1u << 20) ? realloc(buf, cap * 2 + 1) : NULL;
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (!buf)
		return -1;
	buf[len] = '\0';
	*text = buf;
	return 0;
}
