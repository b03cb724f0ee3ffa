/* testutil: helpers shared by the unit tests, header-only (static inline) so
 * each test stays one .c file. Append new helpers at the end; prefix them tu_. */
#ifndef TESTS_UNIT_TESTUTIL_H
#define TESTS_UNIT_TESTUTIL_H

#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- temporary directories and files (real files, never :memory:) ---- */

/* Make a fresh directory under $TMPDIR (or /tmp) into buf; NULL on failure. */
static inline char *tu_mkdtemp(char *buf, size_t n)
{
	const char *base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	snprintf(buf, n, "%s/kiosk-test-XXXXXX", base);
	return mkdtemp(buf);
}

static inline int tu_rm_one(const char *p, const struct stat *sb, int type, struct FTW *f)
{
	(void)sb;
	(void)type;
	(void)f;
	return remove(p);
}

/* rm -rf path (the temporary directory of a test). */
static inline void tu_rmrf(const char *path)
{
	if (path && *path)
		nftw(path, tu_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* dir/name into buf; returns buf. */
static inline const char *tu_path(char *buf, size_t n, const char *dir, const char *name)
{
	snprintf(buf, n, "%s/%s", dir, name);
	return buf;
}

/* Whole file into a malloc'd buffer (NUL-terminated); NULL if unreadable. */
static inline char *tu_read_file(const char *path, size_t *len)
{
	if (len)
		*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *p = malloc(cap + 1);
	size_t got;
	while (p && (got = fread(p + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *q = realloc(p, cap * 2 + 1);
			if (!q) {
				free(p);
				p = NULL;
				break;
			}
			p = q;
			cap *= 2;
		}
	}
	fclose(f);
	if (p)
		p[n] = '\0';
	if (len)
		*len = n;
	return p;
}

static inline bool tu_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	bool ok = fwrite(data, 1, len, f) == len;
	return fclose(f) == 0 && ok;
}

static inline bool tu_exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

/* Do two files hold the same bytes? */
static inline bool tu_same_bytes(const void *a, size_t alen, const char *path)
{
	size_t blen = 0;
	char *b = tu_read_file(path, &blen);
	bool same = b && alen == blen && memcmp(a, b, alen) == 0;
	free(b);
	return same;
}

/* ---- config fixtures: a copy of kiosk-config/ to break one line at a time ---- */

#include <dirent.h>

/* Copy the files of src into dst (created), recursing into subdirectories. */
static inline bool tu_copy_tree(const char *src, const char *dst)
{
	if (mkdir(dst, 0700) != 0 && !tu_exists(dst))
		return false;
	DIR *d = opendir(src);
	if (!d)
		return false;
	bool ok = true;
	struct dirent *e;
	while (ok && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char s[1024], t[1024];
		tu_path(s, sizeof s, src, e->d_name);
		tu_path(t, sizeof t, dst, e->d_name);
		struct stat sb;
		if (stat(s, &sb) != 0) {
			ok = false;
		} else if (S_ISDIR(sb.st_mode)) {
			ok = tu_copy_tree(s, t);
		} else {
			size_t n = 0;
			char *buf = tu_read_file(s, &n);
			ok = buf && tu_write_file(t, buf, n);
			free(buf);
		}
	}
	closedir(d);
	return ok;
}

/* A fresh temporary copy of the shipped kiosk-config/ into buf; NULL on failure. */
static inline char *tu_config_copy(char *buf, size_t n)
{
	char tmp[512];
	if (!tu_mkdtemp(tmp, sizeof tmp))
		return NULL;
	snprintf(buf, n, "%s/cfg", tmp);
	if (!tu_copy_tree(KIOSK_CONFIG_DIR, buf)) {
		tu_rmrf(tmp);
		return NULL;
	}
	return buf;
}

/* Remove what tu_config_copy() made (the parent of the cfg directory). */
static inline void tu_config_remove(const char *cfg)
{
	char parent[1024];
	snprintf(parent, sizeof parent, "%s", cfg);
	char *slash = strrchr(parent, '/');
	if (slash && strcmp(slash, "/cfg") == 0)
		*slash = '\0';
	tu_rmrf(parent);
}

/* In file path, replace the first line equal to old (without its line end)
 * that comes after the first line equal to anchor (anchor NULL: from the top)
 * with repl (may hold '\n' for several lines; NULL deletes the line). Returns
 * the 1-based number of the replaced line, -1 if not found or on I/O error. */
static inline int tu_edit_line(const char *path, const char *anchor, const char *old,
			       const char *repl)
{
	size_t n = 0;
	char *buf = tu_read_file(path, &n);
	if (!buf)
		return -1;
	size_t cap = n + (repl ? strlen(repl) : 0) + 2;
	char *out = malloc(cap);
	if (!out) {
		free(buf);
		return -1;
	}
	size_t used = 0;
	int line = 0, hit = -1;
	bool armed = anchor == NULL;
	char *p = buf;
	while (p < buf + n) {
		char *nl = memchr(p, '\n', (size_t)(buf + n - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(buf + n - p);
		size_t full = nl ? len + 1 : len;
		line++;
		bool eq_old = hit < 0 && armed && strlen(old) == len && memcmp(p, old, len) == 0;
		if (!armed && strlen(anchor) == len && memcmp(p, anchor, len) == 0)
			armed = true;
		if (eq_old) {
			hit = line;
			if (repl) {
				size_t rl = strlen(repl);
				memcpy(out + used, repl, rl);
				used += rl;
				out[used++] = '\n';
			}
		} else {
			memcpy(out + used, p, full);
			used += full;
		}
		p += full;
	}
	bool ok = hit > 0 && tu_write_file(path, out, used);
	free(out);
	free(buf);
	return ok ? hit : -1;
}

/* 1-based number of the first line equal to text, -1 if none. */
static inline int tu_line_of(const char *path, const char *text)
{
	size_t n = 0;
	char *buf = tu_read_file(path, &n);
	if (!buf)
		return -1;
	int line = 0, hit = -1;
	char *p = buf;
	while (p < buf + n && hit < 0) {
		char *nl = memchr(p, '\n', (size_t)(buf + n - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(buf + n - p);
		line++;
		if (strlen(text) == len && memcmp(p, text, len) == 0)
			hit = line;
		p += nl ? len + 1 : len;
	}
	free(buf);
	return hit;
}

/* Does s end with suffix? */
static inline bool tu_ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* ---- WeChat Pay: test keys made by the openssl command line, and the
 * gateway simulator build/tests/sim/paysim (docs/payment.md) ---- */

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <sys/wait.h>

extern char **environ;

/* Run a shell command (printf format), its output thrown away; true on exit 0. */
static inline bool tu_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static inline bool tu_sh(const char *fmt, ...)
{
	char cmd[4096] = "( ";
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(cmd + 2, sizeof cmd - 24, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof cmd - 24)
		return false;
	strcat(cmd, " ) >/dev/null 2>&1");
	int rc = system(cmd);
	return rc != -1 && WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

#define TU_WX_MCHID           "1900000001"
#define TU_WX_APPID           "wx8888888888888888"
#define TU_WX_MERCHANT_SERIAL "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
#define TU_WX_PLATFORM_SERIAL "3775B6A45ACD1F8D5EDFCF89E1C0E4D9E1E2F3A4"
#define TU_WX_PUB_KEY_ID      "PUB_KEY_ID_0114232134912410000000000000"

/* In dir: merchant_key.pem + merchant_cert.pem (serial TU_WX_MERCHANT_SERIAL),
 * platform_key.pem + platform_cert.pem (TU_WX_PLATFORM_SERIAL), apiv3.key,
 * and platform/<serial>.pem with platform/PUB_KEY_ID_….pem (the same
 * platform key as a bare public key). Secrets mode 600. */
static inline bool tu_wx_keys(const char *dir)
{
	return tu_sh("cd '%s' && openssl req -x509 -newkey rsa:2048 -nodes -days 30 "
		     "-keyout merchant_key.pem -out merchant_cert.pem -subj '/CN=" TU_WX_MCHID "' "
		     "-set_serial 0x" TU_WX_MERCHANT_SERIAL, dir) &&
	       tu_sh("cd '%s' && openssl req -x509 -newkey rsa:2048 -nodes -days 30 "
		     "-keyout platform_key.pem -out platform_cert.pem -subj '/CN=Tenpay test' "
		     "-set_serial 0x" TU_WX_PLATFORM_SERIAL, dir) &&
	       tu_sh("cd '%s' && mkdir -p platform && cp platform_cert.pem "
		     "platform/" TU_WX_PLATFORM_SERIAL ".pem && openssl pkey -in platform_key.pem "
		     "-pubout -out platform/" TU_WX_PUB_KEY_ID ".pem && "
		     "printf 'k8Xv2mQ9pL4sT7wZ1nB6cR3yH5jF0dGa' > apiv3.key && "
		     "chmod 600 merchant_key.pem platform_key.pem apiv3.key", dir);
}

/* The directory of this test binary ("build/tests"), for its siblings. */
static inline const char *tu_bin_dir(char *buf, size_t n)
{
	ssize_t r = readlink("/proc/self/exe", buf, n - 1);
	if (r <= 0)
		return NULL;
	buf[r] = '\0';
	char *slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
	return buf;
}

typedef struct tu_sim {
	pid_t pid;
	int port;
	char url[64]; /* http://127.0.0.1:<port> */
} tu_sim;

/* Start paysim with the keys of tu_wx_keys(dir) and extra flags (space
 * separated, may be ""); waits for its port line. */
static inline bool tu_sim_start(tu_sim *s, const char *dir, const char *extra)
{
	memset(s, 0, sizeof *s);
	char bin[1100], exe[1024];
	if (!tu_bin_dir(exe, sizeof exe))
		return false;
	snprintf(bin, sizeof bin, "%.1000s/sim/paysim", exe);
	char args[2048];
	snprintf(args, sizeof args, "--mchid " TU_WX_MCHID " --appid " TU_WX_APPID
		 " --merchant-cert %s/merchant_cert.pem --platform-key %s/platform_key.pem"
		 " --platform-cert %s/platform_cert.pem %s", dir, dir, dir, extra ? extra : "");
	char *argv[64];
	int argc = 0;
	argv[argc++] = bin;
	for (char *t = strtok(args, " "); t && argc < 63; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	int fd[2];
	if (pipe(fd) != 0)
		return false;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	posix_spawn_file_actions_addclose(&fa, fd[1]);
	int rc = posix_spawn(&s->pid, bin, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	if (rc != 0) {
		close(fd[0]);
		s->pid = 0;
		return false;
	}
	char line[32] = "";
	size_t n = 0;
	struct pollfd p = { fd[0], POLLIN, 0 };
	while (n + 1 < sizeof line && !strchr(line, '\n') && poll(&p, 1, 20000) > 0) {
		ssize_t r = read(fd[0], line + n, sizeof line - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		line[n] = '\0';
	}
	close(fd[0]);
	s->port = atoi(line);
	if (s->port <= 0) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
		return false;
	}
	snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", s->port);
	return true;
}

/* SIGTERM and wait; true when it exited 0 (a clean stop, no sanitizer report). */
static inline bool tu_sim_stop(tu_sim *s)
{
	if (s->pid <= 0)
		return false;
	kill(s->pid, SIGTERM);
	int st = 0;
	pid_t r;
	while ((r = waitpid(s->pid, &st, 0)) < 0 && errno == EINTR)
		;
	s->pid = 0;
	return r > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* One plain HTTP/1.0 call to the simulator's control endpoints; the answer's
 * body (malloc'd) or NULL. *status gets the HTTP status. */
static inline char *tu_sim_call(const tu_sim *s, const char *method, const char *path,
				const char *body, int *status)
{
	if (status)
		*status = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return NULL;
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)s->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(fd);
		return NULL;
	}
	char head[512];
	size_t bl = body ? strlen(body) : 0;
	int hl = snprintf(head, sizeof head, "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n"
			  "Content-Length: %zu\r\n\r\n", method, path, bl);
	bool ok = write(fd, head, (size_t)hl) == hl && (!bl || write(fd, body, bl) == (ssize_t)bl);
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	ssize_t r;
	while (ok && buf && (r = read(fd, buf + n, cap - n)) > 0) {
		n += (size_t)r;
		if (n == cap) {
			char *nb = realloc(buf, cap * 2 + 1);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	close(fd);
	if (!ok || !buf) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (status && n > 12)
		*status = atoi(buf + 9);
	char *start = strstr(buf, "\r\n\r\n");
	if (!start) {
		free(buf);
		return NULL;
	}
	memmove(buf, start + 4, strlen(start + 4) + 1);
	return buf;
}

#endif
