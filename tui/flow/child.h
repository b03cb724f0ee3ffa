/* child: a program run with a deadline, its output read back, for the
 * counter's reads that need the hall (tui/flow/hallday.c: kioskctl hall day;
 * tui/flow/registry.c: kioskctl hall lookup).
 * The child gets `input` on its stdin (a PIN: written into the pipe before
 * the child starts, so the kiosk never blocks on it nor takes a SIGPIPE),
 * its stdout is read into a buffer and its stderr goes to /dev/null; at the
 * deadline it is killed, so the caller is never held longer. No state: the
 * caller owns every buffer. */
#ifndef TUI_FLOW_CHILD_H
#define TUI_FLOW_CHILD_H

#include <stddef.h>

/* Run argv (argv[0] a path, NULL-terminated) with input on stdin ("" or NULL
 * none; at most 4 KiB), its output into out (NUL-terminated, cut at n - 1),
 * killed after timeout_ms. The exit status, -1 when it could not be run,
 * was killed at the deadline or died of a signal. */
int child_run(char *const *argv, const char *input, int timeout_ms, char *out, size_t n);

/* A NULL-ended copy of argv into dst (room for max + 1 pointers): 0, or -1
 * with nothing kept when argv has more than max words or memory ran out.
 * child_argv_free() frees the copy's words. */
int child_argv_copy(char **dst, int max, const char *const *argv);
void child_argv_free(char **argv);

/* The path of a program beside this one (/proc/self/exe's directory), e.g.
 * "kioskctl": 0, or -1 when it cannot be said. */
int child_beside(const char *name, char *path, size_t n);

#endif
