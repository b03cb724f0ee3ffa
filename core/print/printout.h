/* printout: keeping and printing the papers the counter hands out (受理回执,
 * 一次性告知单). Every paper is first saved as a text file under the data
 * directory, <data_dir>/slips/<YYYY-MM-DD>/<case_no>-<kind>.txt (the day in
 * Asia/Shanghai), so nothing printed is ever lost; then, if a print command is
 * configured (kiosk.ini [print] command), the file is piped to it. Callers own
 * every buffer; nothing here keeps state. */
#ifndef CORE_PRINTOUT_H
#define CORE_PRINTOUT_H

#include <stddef.h>

#include "core/base/err.h"

/* Save text as the paper `kind` ("slip", "notice", "supplement" (the
 * 容缺补交回执), a copy of any of them marked as a reprint: "slip-reprint",
 * "notice-reprint", "supplement-reprint", or "summary": the day
 * summary, case_no then names the day) of case_no. Written
 * atomically (temporary file, fsync, rename, fsync of the directory); the
 * directories are created with mode 0700 and the file is 0600. A file of that
 * name with the same content is left as it is (a reprint); one with other
 * content is kept and the new text goes to <case_no>-<kind>-2.txt (then -3 ...,
 * up to -99). The path written is copied to path_out (n bytes). case_no may
 * hold only A-Z a-z 0-9 '-' '_' (it becomes a file name). Returns 0, or -1
 * with err naming the path and what to do. */
int printout_save(const char *data_dir, const char *case_no, const char *kind,
		  const char *text, char *path_out, size_t n, kerr *err);

/* The paper `kind` of case_no saved on any day (the first one saved: its
 * unsuffixed name on the earliest day), so a step resumed after a crash
 * finds the paper it already made instead of making a second one. 0 with its
 * path (and, when text is not NULL, its contents, malloc'd: the caller frees
 * them), 1 none, -1 error. */
int printout_find(const char *data_dir, const char *case_no, const char *kind, char *path_out, size_t n,
		  char **text);

/* Print the file at path: run `/bin/sh -c command sh path`, the file on its
 * standard input and its path as $1 (never pasted into the command string, so
 * a path cannot inject shell syntax); standard output is discarded, the first
 * line of standard error is quoted in an error. NULL, "" or an all-blank
 * command means "files only": returns 0 without doing anything. A command
 * that exits non-zero or dies by a signal is an error naming the command and
 * its exit status. Returns 0 or -1 with err. */
int printout_send(const char *command, const char *path, kerr *err);

#endif
