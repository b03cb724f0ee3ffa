/* ctl: kioskctl, the operator's command line, a front end beside tui/ (it
 * includes forms, core and db, never tui).
 *
 *   files          header  what they hold
 *   ctl.h          private this table; what the commands share
 *   kioskctl.c             the command table, main() and the small commands
 *   common.c               arguments, exit codes, opening config and database,
 *                          the supervisor's role and PIN check (--by)
 *   say.c                  what kioskctl says: the language (--lang,
 *                          KIOSKCTL_LANG, kiosk.ini) and the ctl.* strings
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

#include <stdbool.h>
#include <stdio.h>

#include "core/base/config.h"
#include "core/base/err.h"
#include "core/base/strings.h"
#include "core/token/issuer.h"
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
/* The kiosk's local CA (--ca DIR, else kiosk.ini's ca_dir; *dir says which),
 * never made here. NULL with err when it cannot be opened or, with absent
 * NULL, when there is none; with absent given, a directory holding no CA
 * is *absent = true and NULL with err untouched. issuer_free() it. */
issuer *ctl_open_ca(const args *a, const kiosk_config *cfg, bool *absent, const char **dir,
		    kerr *err);

/* One line of PIN: from the terminal without echo (after prompt), or from
 * stdin; 0, or -1 when none came. */
int ctl_read_pin(const char *prompt, char *pin, size_t n);
/* A supervisor's act (act_key: its words, ctl.act.*): --by ID and the PIN (terminal or stdin), the role
 * checked before the PIN, then the PIN like a login. EXIT_OK; else the reason
 * printed and EXIT_FINDING (refused: not a supervisor, wrong PIN, waiting,
 * unknown or disabled id) or EXIT_USAGE (no --by, no PIN, no config). */
int ctl_supervisor(const args *a, kdb *db, const char *act_key);

/* ---- what kioskctl says (say.c) ----
 * Every message for a person is a ctl.* key of the strings files, rendered
 * with named variables: SAY(stdout, "ctl.staff.added", V("id", id),
 * V("n", NUM(count))). Values are strings; NUM() formats a number (a ring of
 * buffers, so several fit in one message). Identifiers (service ids, states,
 * roles, CSV) are printed as they are, never through a key. */
#define V(name, value) { (name), (value) }
#define VARS(...) ((const str_var[]){ __VA_ARGS__ __VA_OPT__(,) { NULL, NULL } })
/* The key's text and a newline on f; SAYP without the newline. */
#define SAY(f, key, ...) ctl_say((f), (key), VARS(__VA_ARGS__))
#define SAYP(f, key, ...) ctl_say_part((f), (key), VARS(__VA_ARGS__))
/* "kioskctl: <text>" on stderr. */
#define ERR(key, ...) ctl_err((key), VARS(__VA_ARGS__))
/* ERR and the help hint; returns EXIT_USAGE. */
#define USAGE(key, ...) ctl_usage((key), VARS(__VA_ARGS__))
/* ERR; returns EXIT_FINDING (an invalid value, a refusal). */
#define REFUSE(key, ...) ctl_refuse((key), VARS(__VA_ARGS__))
/* The rendered text into the array buf. */
#define TEXT(buf, key, ...) ctl_text((buf), sizeof(buf), (key), VARS(__VA_ARGS__))

/* Pick the language (--lang, else KIOSKCTL_LANG, else kiosk.ini's) and load
 * its strings. EXIT_OK; EXIT_USAGE (said) for an unknown language, or when
 * the configuration or its strings do not load unless tolerant (config check,
 * which then reports what is wrong through the built-in English). */
int ctl_lang_setup(const args *a, bool tolerant);
lang ctl_lang(void);
/* The loaded strings (NULL when none loaded), for the form checks. */
const strings *ctl_strings(void);
const char *ctl_text(char *buf, size_t n, const char *key, const str_var *vars);
/* A key's text without variables (a word for a table); the key itself when missing. */
const char *ctl_word(const char *key);
/* A stored word (a case's status, an outcome) in lines of the configured
 * language: the strings' text for key when it is not English, else the word
 * itself, which English lines and their readers (scripts, the tests) use. */
const char *ctl_term(const char *key, const char *word);
const char *ctl_num(long long v);
/* A table heading: the key's word padded with spaces to width display
 * columns (a Chinese character takes two), right-aligned when width < 0. */
const char *ctl_col(const char *key, int width);
/* text padded to width columns (a CJK character is two; negative: right-aligned). */
const char *ctl_pad(const char *text, int width);
#define NUM(v) ctl_num((long long)(v))
void ctl_say(FILE *f, const char *key, const str_var *vars);
void ctl_say_part(FILE *f, const char *key, const str_var *vars);
void ctl_err(const char *key, const str_var *vars);
int ctl_usage(const char *key, const str_var *vars);
int ctl_refuse(const char *key, const str_var *vars);
/* "kioskctl: usage: <syntax>", the note's text when note_key is not NULL,
 * and the help hint; returns EXIT_USAGE. */
int ctl_usage_of(const char *syntax, const char *note_key);

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
