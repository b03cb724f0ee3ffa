/* ship_job: `kioskctl hall ship` on a thread of its own, every few seconds.
 * The thread spawns the child with its output on a pipe and stdin on
 * /dev/null (it must never read the clerk's terminal), reads the output,
 * waits for it and keeps what it said under a mutex; the loop reads that at
 * its ticks. The acknowledgement is read from the child's words ("the
 * centre holds rows 1 to N", asked for in English with --lang en whatever
 * the counter's language): the kiosk keeps no shipping state of its own,
 * as kioskctl keeps none. */
#include "tui/flow/ship_job.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_ARGS 16

struct ship_job {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	pid_t child;         /* the running shipment, 0 none */
	char *argv[MAX_ARGS + 1];
	int every_s;
	ship_state st;
};

/* The number after "holds rows 1 to " in the child's words, -1 none. */
static int64_t acked_in(const char *out)
{
	const char *p = strstr(out, "holds rows 1 to ");
	return p ? strtoll(p + strlen("holds rows 1 to "), NULL, 10) : -1;
}

/* One shipment: spawn, read, wait. Returns the exit status (-1 when it
 * could not run or was killed) and its output in out. */
static int run_once(ship_job *j, char *out, size_t n)
{
	out[0] = '\0';
	int fd[2];
	if (pipe2(fd, O_CLOEXEC) != 0)
		return -1;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 2);
	pid_t pid = 0;
	pthread_mutex_lock(&j->mu);
	int rc = j->stop ? -1 : posix_spawn(&pid, j->argv[0], &fa, NULL, j->argv, environ);
	if (rc == 0)
		j->child = pid;
	pthread_mutex_unlock(&j->mu);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	if (rc != 0) {
		close(fd[0]);
		return -1;
	}
	size_t len = 0;
	char buf[512];
	ssize_t got;
	while ((got = read(fd[0], buf, sizeof buf)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			break;
		size_t take = (size_t)got < n - 1 - len ? (size_t)got : n - 1 - len;
		memcpy(out + len, buf, take);
		len += take;
	}
	out[len] = '\0';
	close(fd[0]);
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&j->mu);
	j->child = 0;
	pthread_mutex_unlock(&j->mu);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void *ship_thread(void *arg)
{
	ship_job *j = arg;
	char out[4096];
	pthread_mutex_lock(&j->mu);
	while (!j->stop) {
		pthread_mutex_unlock(&j->mu);
		int rc = run_once(j, out, sizeof out);
		int64_t acked = acked_in(out);
		pthread_mutex_lock(&j->mu);
		if (j->stop)
			break;
		j->st.runs++;
		j->st.online = rc == 0 || rc == 1;
		j->st.refused = rc == 1;
		if (acked >= 0)
			j->st.acked = acked;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += j->every_s;
		while (!j->stop && pthread_cond_timedwait(&j->cv, &j->mu, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

static void job_free(ship_job *j)
{
	for (int i = 0; j->argv[i]; i++)
		free(j->argv[i]);
	pthread_mutex_destroy(&j->mu);
	pthread_cond_destroy(&j->cv);
	free(j);
}

ship_job *ship_job_start(const char *const *argv, int every_s)
{
	ship_job *j = calloc(1, sizeof *j);
	if (!j)
		return NULL;
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cv, NULL);
	j->every_s = every_s > 0 ? every_s : 1;
	for (int i = 0; argv[i]; i++) {
		if (i == MAX_ARGS || !(j->argv[i] = strdup(argv[i]))) {
			job_free(j);
			return NULL;
		}
	}
	if (!j->argv[0] || pthread_create(&j->th, NULL, ship_thread, j) != 0) {
		job_free(j);
		return NULL;
	}
	return j;
}

void ship_job_stop(ship_job *j)
{
	if (!j)
		return;
	pthread_mutex_lock(&j->mu);
	j->stop = true;
	if (j->child > 0)
		kill(j->child, SIGTERM);
	pthread_cond_signal(&j->cv);
	pthread_mutex_unlock(&j->mu);
	pthread_join(j->th, NULL);
	job_free(j);
}

void ship_job_state(ship_job *j, ship_state *out)
{
	pthread_mutex_lock(&j->mu);
	*out = j->st;
	pthread_mutex_unlock(&j->mu);
}

const char *ship_job_text(const ship_state *s, int64_t local_head, const strings *str,
			  char *buf, size_t n)
{
	buf[0] = '\0';
	if (s->runs == 0)
		return buf;
	if (s->refused) {
		strings_render(str, "ui.hall_refused", NULL, buf, n);
	} else if (s->online) {
		strings_render(str, "ui.hall_online", NULL, buf, n);
	} else {
		char num[24];
		int64_t pending = local_head > s->acked ? local_head - s->acked : 0;
		snprintf(num, sizeof num, "%lld", (long long)pending);
		str_var v[] = { { "n", num }, { NULL, NULL } };
		strings_render(str, "ui.hall_offline", v, buf, n);
	}
	return buf;
}

ship_job *ship_job_for(const kiosk_config *cfg, const char *db_path, const char *ca_dir, bool demo)
{
	if (demo || !cfg->hall_central || !cfg->hall_central[0])
		return NULL;
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len <= 0)
		return NULL;
	exe[len] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash || (size_t)(slash - exe) + sizeof "/kioskctl" > sizeof exe)
		return NULL;
	strcpy(slash, "/kioskctl");
	/* --ca: the revocations other windows made of this kiosk's
	 * certificates reach its own CA's files (docs/ca.md) */
	const char *argv[] = { exe, "hall", "ship", "--db", db_path, "--config", cfg->config_dir,
			       "--ca", ca_dir, "--lang", "en", NULL };
	return ship_job_start(argv, SHIP_JOB_EVERY_S);
}

const char *ship_job_status(ship_job *j, kdb *db, const strings *str, char *buf, size_t n)
{
	buf[0] = '\0';
	if (!j)
		return buf;
	ship_state st;
	ship_job_state(j, &st);
	int64_t head = 0;
	kerr err = { 0 };
	if (db_audit_head_seq(db, &head, &err) != 0)
		head = st.acked;
	return ship_job_text(&st, head, str, buf, n);
}
