/* stallproxy: a Unix-socket proxy between a client and a server that stalls
 * mid-stream, so a test can make a fault happen in the middle of a batch:
 * kill the client, stop the server, or tear the connection.
 *
 *   stallproxy LISTEN_SOCKET TARGET_SOCKET STALL_BYTES MARKER_FILE
 *
 * Forwards every connection both ways. Once STALL_BYTES bytes have gone from
 * clients to the server (counted over all connections; 0 never), it stops
 * reading from the clients and creates MARKER_FILE: the server then holds a
 * part of what the client sent, in an open transaction. While stalled, a
 * side that closes (the client killed, the server stopped) closes the other.
 * SIGUSR1 tears every connection at once (a network reset as the client and
 * the server see it) and stops stalling. SIGTERM ends it. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAXC 16

static volatile sig_atomic_t reset_now, stop_now;

static void on_usr1(int sig)
{
	(void)sig;
	reset_now = 1;
}

static void on_term(int sig)
{
	(void)sig;
	stop_now = 1;
}

static int unix_addr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof a->sun_path)
		return -1;
	strcpy(a->sun_path, path);
	return 0;
}

/* Write all of buf (blocking); -1 when the peer is gone. */
static int put_all(int fd, const char *buf, ssize_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, (size_t)n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= w;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: stallproxy LISTEN_SOCKET TARGET_SOCKET STALL_BYTES MARKER\n");
		return 2;
	}
	long long stall_at = atoll(argv[3]), passed = 0;
	int stalled = 0;
	struct sockaddr_un la, ta;
	if (unix_addr(&la, argv[1]) || unix_addr(&ta, argv[2])) {
		fprintf(stderr, "stallproxy: socket path too long\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = { 0 };
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	unlink(argv[1]);
	int ls = socket(AF_UNIX, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&la, sizeof la) != 0 || listen(ls, 8) != 0) {
		perror("stallproxy: listen");
		return 2;
	}
	int cli[MAXC], srv[MAXC], n = 0;
	char buf[65536];
	while (!stop_now) {
		if (reset_now) {
			for (int i = 0; i < n; i++) {
				close(cli[i]);
				close(srv[i]);
			}
			n = 0;
			reset_now = 0;
			stall_at = 0;
			stalled = 0;
		}
		struct pollfd p[1 + 2 * MAXC];
		p[0] = (struct pollfd){ .fd = ls, .events = POLLIN };
		for (int i = 0; i < n; i++) {
			/* While stalled, a client is only watched for hanging up. */
			p[1 + 2 * i] = (struct pollfd){ .fd = cli[i], .events = stalled ? 0 : POLLIN };
			p[2 + 2 * i] = (struct pollfd){ .fd = srv[i], .events = POLLIN };
		}
		int np = n; /* only these have poll results; one accepted below waits a turn */
		int r = poll(p, (nfds_t)(1 + 2 * n), 200);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			perror("stallproxy: poll");
			return 2;
		}
		if ((p[0].revents & POLLIN) && n < MAXC) {
			int c = accept(ls, NULL, NULL);
			int s = c >= 0 ? socket(AF_UNIX, SOCK_STREAM, 0) : -1;
			if (s >= 0 && connect(s, (struct sockaddr *)&ta, sizeof ta) == 0) {
				cli[n] = c;
				srv[n] = s;
				n++;
			} else {
				if (c >= 0)
					close(c);
				if (s >= 0)
					close(s);
			}
		}
		for (int i = 0; i < np; i++) {
			int gone = 0;
			short cr = p[1 + 2 * i].revents, sr = p[2 + 2 * i].revents;
			if (!stalled && (cr & (POLLIN | POLLHUP))) {
				ssize_t want = (ssize_t)sizeof buf;
				if (stall_at > 0 && stall_at - passed < want)
					want = (ssize_t)(stall_at - passed);
				ssize_t got = read(cli[i], buf, (size_t)want);
				if (got <= 0 || put_all(srv[i], buf, got))
					gone = 1;
				else
					passed += got;
				if (stall_at > 0 && passed >= stall_at && !stalled) {
					stalled = 1;
					int m = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC, 0644);
					if (m >= 0)
						close(m);
				}
			} else if (stalled && (cr & (POLLHUP | POLLERR))) {
				gone = 1;
			}
			if (!gone && (sr & (POLLIN | POLLHUP))) {
				ssize_t got = read(srv[i], buf, sizeof buf);
				if (got <= 0 || put_all(cli[i], buf, got))
					gone = 1;
			}
			if (gone) {
				close(cli[i]);
				close(srv[i]);
				cli[i] = srv[i] = -1;
			}
		}
		/* Compacted only after the pass: moving a live connection into a
		 * closed one's slot mid-pass would hand it the closed one's poll
		 * results, and a blocking read on a client with nothing to send
		 * hangs every connection (the hall view's read never came). */
		int m = 0;
		for (int i = 0; i < n; i++)
			if (cli[i] >= 0) {
				cli[m] = cli[i];
				srv[m] = srv[i];
				m++;
			}
		n = m;
	}
	unlink(argv[1]);
	return 0;
}
