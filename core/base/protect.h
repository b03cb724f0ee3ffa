/* protect: what keeps the kiosk's data and secrets to the kiosk user. The
 * data directory holds PIN hashes, ID numbers, slips and keys: every
 * directory the programs make is 0700 and every file 0600 whatever the
 * umask, a data directory found looser is tightened, and no process dumps
 * its memory (the merchant key, the CA key, the keys' admin secret).
 * docs/architecture.md, "Files and memory". */
#ifndef CORE_PROTECT_H
#define CORE_PROTECT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/base/err.h"

/* Turn core dumps off for this process: not dumpable (PR_SET_DUMPABLE 0,
 * which also keeps other processes of the same user from attaching to it)
 * and a core size limit of 0. 0, or -1 with err. */
int protect_process(kerr *err);
/* True when this process may not dump core (what protect_process() set). */
bool protect_process_is_on(void);

/* mkdir -p dir: every directory made is exactly 0700 (the umask cannot
 * widen or narrow it); those that exist are left as they are. 0, or -1 with
 * err (a part that is not a directory, or cannot be made). */
int protect_mkdirs(const char *dir, kerr *err);
/* A data directory: made like protect_mkdirs(), and when it exists with
 * group or other permissions, made 0700. Left as it is when another user
 * owns it or it has the sticky bit (a shared directory like /tmp: the files
 * inside are private anyway). 0, or -1 with err. */
int protect_dir(const char *dir, kerr *err);
/* A file the kiosk keeps: when it exists with group or other permissions
 * and is ours, those bits are removed (the owner's stay, so a file made
 * read-only stays read-only). Missing: nothing to do. 0, or -1 with err. */
int protect_file(const char *path, kerr *err);

/* The directory part of path into dir[n] ("." when there is none). */
void protect_dir_of(const char *path, char *dir, size_t n);
/* Write data to path through a synced temporary file (mode) in the same
 * directory, then sync the directory. replace: rename over an existing
 * file (its old content is then gone from the directory); else link, which
 * never replaces: 1 when a file was there already (another process won),
 * nothing changed. 0 written, or -1 with err. */
int protect_write(const char *path, const void *data, size_t len, mode_t mode, bool replace,
		  kerr *err);

#endif
