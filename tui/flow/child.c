/* child: a program run with a deadline (posix_spawn, poll, SIGKILL). */
#include "tui/flow/child.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int64_t mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The child's stdin: a pipe already holding input and closed for writing
 * (a pipe's buffer holds 4 KiB whatever the system), else /dev/null. */
static int input_fd(const char *input)
{
	size_t len = input ? strlen(input) : 0;
	if (!len || len > 4096)
		return open("/dev/null", O_RDONLY | O_CLOEXEC);
	int fd[2];
	if (pipe2(fd, O_CLOEXEC) != 0)
		return -1;
	ssize_t w;
	do
		w = write(fd[1], input, len);
	while (w < 0 && errno == EINTR);
	close(fd[1]);
	if (w != (ssize_t)len) {
		close(fd[0]);
		return -1;
	}
	return fd[0];
}

int child_run(char *const *argv, const char *input, int timeout_ms, char *out, size_t n)
{
	out[0] = '\0';
	int in = input_fd(input);
	if (in < 0)
		return -1;
	int fd[2];
	if (pipe2(fd, O_CLOEXEC) != 0) {
		close(in);
		return -1;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in, 0);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	pid_t pid;
	int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in);
	close(fd[1]);
	if (rc != 0) {
		close(fd[0]);
		return -1;
	}
	int64_t deadline = mono_ms() + timeout_ms;
	size_t len = 0;
	bool killed = false;
	for (;;) {
		int64_t left = deadline - mono_ms();
		if (left <= 0) {
			kill(pid, SIGKILL);
			killed = true;
			break;
		}
		struct pollfd p = { .fd = fd[0], .events = POLLIN };
		int got = poll(&p, 1, (int)left);
		if (got <= 0)
			continue; /* a signal, or the deadline: looked at above */
		char chunk[1024];
		ssize_t r = read(fd[0], chunk, sizeof chunk);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		size_t take = (size_t)r < n - 1 - len ? (size_t)r : n - 1 - len;
		memcpy(out + len, chunk, take);
		len += take;
	}
	out[len] = '\0';
	close(fd[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (killed || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int child_beside(const char *name, char *path, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len <= 0)
		return -1;
	exe[len] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	int m = snprintf(path, n, "%s/%s", exe, name);
	return m < 0 || (size_t)m >= n ? -1 : 0;
}

int child_argv_copy(char **dst, int max, const char *const *argv)
{
	int i = 0;
	for (; argv[i]; i++)
		if (i == max || !(dst[i] = strdup(argv[i]))) {
			dst[i] = NULL;
			child_argv_free(dst);
			return -1;
		}
	dst[i] = NULL;
	return 0;
}

void child_argv_free(char **argv)
{
	for (int i = 0; argv[i]; i++) {
		free(argv[i]);
		argv[i] = NULL;
	}
}
