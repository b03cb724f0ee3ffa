/* ctl: kioskctl, the operator's command line, a front end beside tui/ (it
 * includes forms, core and db, never tui).
 *
 *   files          header  what they hold
 *   ctl.h          private this table; what the commands share
 *   kioskctl.c             the command table, main() and the small commands
 *   common.c               arguments, exit codes, opening config and database,
 *                          the supervisor's role and PIN check (--by)
 *   cmd_audit.c            audit verify (--head, --anchors, --seal-key)
 *   cmd_seal.c             audit seal-init, audit seal; the seals' verification
 *   cmd_day.c              day close, show, export
 *   cmd_report.c           report daily, range, case
 *   cmd_staff.c            staff add, list, unlock, reset-pin, disable, role
 *   cmd_pay.c              pay reconcile, diffs, resolve: WeChat Pay's bill
 *   cmd_rating.c           rating list, resolve: 好差评 and a 差评's follow-up
 *   cmd_hall.c             hall init, kiosk-add, supervisor-add, kiosks, ship,
 *                          report, verify, close: the hall's
 *                          central store (db/pg; links libpq)
 *   cmd_hall_day.c         hall day: the hall's day in records, for the
 *                          kiosk's hall view (tui/flow/hallday.c)
 */

/* kioskctl, the operator's command line, is split by command: kioskctl.c holds
 * the command table, main() and the small commands; cmd_*.c hold the larger
 * ones. This header is what they share: the parsed arguments, exit codes, and
 * the helpers that report usage and environment errors and open the
 * configuration and database the same way for every command. No curses here. */
#ifndef CTL_CTL_H
#define CTL_CTL_H

#include "core/base/config.h"
#include "core/base/err.h"
#include "db/db.h"

enum { EXIT_OK = 0, EXIT_FINDING = 1, EXIT_USAGE = 2 };

/* Parsed command line: positional words and --name value options. */
#define MAX_WORDS 8
#define MAX_OPTS 12
typedef struct args {
	const char *words[MAX_WORDS];
	int n_words;
	const char *opt_name[MAX_OPTS];
	const char *opt_value[MAX_OPTS]; /* "" for a flag */
	int n_opts;
} args;

/* True for an option that takes no value (--csv, --anchors, ...). */
int ctl_is_flag(const char *name);
/* The value of --name, "" for a given flag, NULL when absent. */
const char *opt(const args *a, const char *name);
/* Print "kioskctl: <message>" and the help hint; returns EXIT_USAGE. */
__attribute__((format(printf, 1, 2))) int usage_error(const char *fmt, ...);
/* Print "kioskctl: <message>" for a value refused (a wrong date, an unknown
 * service, a malformed key); returns EXIT_FINDING. */
__attribute__((format(printf, 1, 2))) int value_error(const char *fmt, ...);
/* Print the error; returns EXIT_USAGE. */
int fail_env(const kerr *err);
/* EXIT_USAGE (with a message) when an option is not in the space-separated list. */
int check_opts(const args *a, const char *allowed);
/* The configuration from --config, else the default directory, with
 * --data-dir DIR (as the kiosk's) in place of its data directory, database
 * and CA directory. Caller frees. */
kiosk_config *load_config(const args *a, kerr *err);
/* The database named by --db, else the configured one. Caller closes. */
kdb *open_db(const args *a, db_open_mode mode, kerr *err);

/* One line of PIN: from the terminal without echo (after prompt), or from
 * stdin; 0, or -1 when none came. */
int ctl_read_pin(const char *prompt, char *pin, size_t n);
/* A supervisor's act: --by ID and the PIN (terminal or stdin), the role
 * checked before the PIN, then the PIN like a login. EXIT_OK; else the reason
 * printed and EXIT_FINDING (refused: not a supervisor, wrong PIN, waiting,
 * unknown or disabled id) or EXIT_USAGE (no --by, no PIN, no config). */
int ctl_supervisor(const args *a, kdb *db, const char *act);

/* Commands living in their own files. */
int cmd_audit(const args *a);
int cmd_report(const args *a);
int cmd_day(const args *a);
int cmd_staff(const args *a);
int cmd_pay(const args *a);
int cmd_rating(const args *a);
int cmd_hall(const args *a);
/* kioskctl hall day (cmd_hall_day.c), dispatched by cmd_hall. */
int hall_cmd_day(const args *a);

/* cmd_seal.c: audit seal-init (--by), audit seal, and verify --seal-key's
 * half (ctl_seal_verify: EXIT_OK, EXIT_FINDING or EXIT_USAGE; prints nothing
 * for a database never sealed without a key). ctl_seal_due() seals what is
 * due (current: the current epoch's rows too, for the day close). */
int ctl_seal_init(const args *a);
int ctl_seal(const args *a);
int ctl_seal_verify(const args *a);
int ctl_seal_due(const kiosk_config *cfg, kdb *db, bool current);

#endif
