/* protect: private files and directories, no core dumps (see protect.h). */
#include "core/base/protect.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

int protect_process(kerr *err)
{
	struct rlimit none = { 0, 0 };
	if (setrlimit(RLIMIT_CORE, &none) != 0)
		return kerr_set(err, "core dumps", "cannot set the core size limit to 0: %s",
				strerror(errno));
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return kerr_set(err, "core dumps", "cannot make the process not dumpable: %s",
				strerror(errno));
	return 0;
}

bool protect_process_is_on(void)
{
	struct rlimit rl;
	return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0 && getrlimit(RLIMIT_CORE, &rl) == 0 &&
	       rl.rlim_cur == 0 && rl.rlim_max == 0;
}

/* One directory made, exactly 0700; 1 when it was already there. */
static int make_one(const char *dir, kerr *err)
{
	if (mkdir(dir, 0700) == 0) {
		/* mkdir's mode passes through the umask: set it outright */
		if (chmod(dir, 0700) != 0)
			return kerr_set(err, dir, "cannot make the directory private (0700): %s",
					strerror(errno));
		return 0;
	}
	if (errno != EEXIST)
		return kerr_set(err, dir, "cannot create the directory: %s; check the data "
				"directory's path and permissions", strerror(errno));
	struct stat sb;
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return kerr_set(err, dir, "is not a directory, so nothing can be kept under it");
	return 1;
}

int protect_mkdirs(const char *dir, kerr *err)
{
	if (!dir || !*dir)
		return kerr_set(err, "directory", "no directory given");
	char p[4096];
	if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p)
		return kerr_set(err, dir, "the directory's path is too long");
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (s[-1] != '/' && make_one(p, err) < 0)
			return -1;
		*s = c;
		if (!c)
			break;
	}
	return 0;
}

int protect_dir(const char *dir, kerr *err)
{
	if (protect_mkdirs(dir, err))
		return -1;
	struct stat sb;
	if (stat(dir, &sb) != 0)
		return kerr_set(err, dir, "cannot look at the directory: %s", strerror(errno));
	if (!(sb.st_mode & 077) || sb.st_uid != geteuid() || (sb.st_mode & S_ISVTX))
		return 0;
	if (chmod(dir, 0700) != 0)
		return kerr_set(err, dir, "cannot make the data directory private (0700; it is "
				"%03o): %s", (unsigned)(sb.st_mode & 0777), strerror(errno));
	return 0;
}

int protect_file(const char *path, kerr *err)
{
	struct stat sb;
	if (lstat(path, &sb) != 0)
		return errno == ENOENT ? 0 : kerr_set(err, path, "cannot look at the file: %s",
						      strerror(errno));
	if (!S_ISREG(sb.st_mode) || !(sb.st_mode & 077) || sb.st_uid != geteuid())
		return 0;
	if (chmod(path, sb.st_mode & 0700) != 0)
		return kerr_set(err, path, "cannot make the file private (it is %03o): %s",
				(unsigned)(sb.st_mode & 0777), strerror(errno));
	return 0;
}

void protect_dir_of(const char *path, char *dir, size_t n)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, n, ".");
	else if (slash == path)
		snprintf(dir, n, "/");
	else
		snprintf(dir, n, "%.*s", (int)(slash - path), path);
}

int protect_write(const char *path, const void *data, size_t len, mode_t mode, bool replace,
		  kerr *err)
{
	char dir[4096], tmp[4200];
	protect_dir_of(path, dir, sizeof dir);
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (snprintf(tmp, sizeof tmp, "%s/.%s.XXXXXX", dir, base) >= (int)sizeof tmp)
		return kerr_set(err, path, "the path is too long");
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return kerr_set(err, dir, "cannot create a file there: %s; check the directory's "
				"owner and permissions", strerror(errno));
	bool ok = fchmod(fd, mode) == 0;
	const char *p = data;
	for (size_t off = 0; ok && off < len;) {
		ssize_t w = write(fd, p + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			ok = false;
		else
			off += (size_t)w;
	}
	ok = ok && fsync(fd) == 0;
	int e = errno;
	ok = close(fd) == 0 && ok;
	if (!ok) {
		unlink(tmp);
		return kerr_set(err, path, "cannot write: %s; check the free space", strerror(e));
	}
	int rc = 0;
	if (replace ? rename(tmp, path) != 0 : link(tmp, path) != 0) {
		e = errno;
		unlink(tmp);
		if (replace || e != EEXIST)
			return kerr_set(err, path, "cannot put the file in place: %s", strerror(e));
		rc = 1;
	} else if (!replace) {
		unlink(tmp);
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return rc;
}
