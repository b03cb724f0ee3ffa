/* kioskctl's shared plumbing: option look-up, usage and environment errors,
 * loading the configuration and opening the database the same way for every
 * command. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <termios.h>

#include "core/base/clock.h"
#include "core/base/protect.h"
#include "core/ca/ca.h"
#include "core/case/staff.h"
#include "ctl/ctl.h"
#include "db/repo/staff_repo.h"

/* Options that take no value. */
int ctl_is_flag(const char *name)
{
	static const char *const flags[] = { "csv", "reissue", "help", "anchors", "force", "with-open" };
	for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
		if (strcmp(name, flags[i]) == 0)
			return 1;
	return 0;
}

const char *opt(const args *a, const char *name)
{
	for (int i = 0; i < a->n_opts; i++)
		if (strcmp(a->opt_name[i], name) == 0)
			return a->opt_value[i];
	return NULL;
}

int fail_env(const kerr *err)
{
	char buf[1024];
	fprintf(stderr, "kioskctl: %s\n", kerr_text(err, buf, sizeof buf));
	return EXIT_USAGE;
}

/* Options each command accepts, so a typo is caught rather than ignored.
 * A command that reads the configuration also takes --data-dir, as the
 * kiosk does. */
int check_opts(const args *a, const char *allowed)
{
	for (int i = 0; i < a->n_opts; i++) {
		char key[48];
		snprintf(key, sizeof key, " %s ", a->opt_name[i]);
		char list[256];
		snprintf(list, sizeof list, " %s lang %s", allowed,
			 strstr(allowed, "config") ? "data-dir " : "");
		if (!strstr(list, key))
			return USAGE("ctl.unknown_option", V("option", a->opt_name[i]));
	}
	return 0;
}

/* ---- shared set-up ---- */

/* Replace *field with a new string of "<dir><tail>"; -1 on no memory. */
static int set_path(char **field, const char *dir, const char *tail, kerr *err)
{
	size_t n = strlen(dir) + strlen(tail) + 1;
	char *p = malloc(n);
	if (!p)
		return kerr_set(err, dir, "out of memory");
	snprintf(p, n, "%s%s", dir, tail);
	free(*field);
	*field = p;
	return 0;
}

kiosk_config *load_config(const args *a, kerr *err)
{
	kiosk_config *cfg = config_load(config_default_dir(opt(a, "config")), err);
	const char *dd = opt(a, "data-dir");
	if (!cfg || !dd)
		return cfg;
	/* --data-dir DIR as the kiosk takes it: the database DIR/kiosk.db (a
	 * trainer's DIR/demo.db when that is the one there), the CA in DIR/ca,
	 * the kiosk key and the day's exports under DIR. */
	if (!*dd) {
		kerr_set(err, "--data-dir", "give the data directory");
		config_free(cfg);
		return NULL;
	}
	char kiosk_db[4096], demo_db[4096];
	snprintf(kiosk_db, sizeof kiosk_db, "%s/kiosk.db", dd);
	snprintf(demo_db, sizeof demo_db, "%s/demo.db", dd);
	bool demo = access(kiosk_db, F_OK) != 0 && access(demo_db, F_OK) == 0;
	if (set_path(&cfg->data_dir, dd, "", err) || set_path(&cfg->db_file, dd, demo ? "/demo.db" : "/kiosk.db", err) ||
	    set_path(&cfg->ca_dir, dd, "/ca", err)) {
		config_free(cfg);
		return NULL;
	}
	return cfg;
}

issuer *ctl_open_ca(const args *a, const kiosk_config *cfg, bool *absent, const char **dir,
		    kerr *err)
{
	if (absent)
		*absent = false;
	*dir = opt(a, "ca") && *opt(a, "ca") ? opt(a, "ca") : cfg->ca_dir;
	/* never a new CA made here: the kiosk makes it on its first start */
	char key[4200];
	snprintf(key, sizeof key, "%s/ca.key", *dir);
	if (access(key, F_OK) != 0) {
		if (absent) {
			*absent = true;
			return NULL;
		}
		kerr_set(err, *dir, "no local CA here (no ca.key); give its directory with --ca DIR, "
			 "or start the kiosk once to make it");
		return NULL;
	}
	ca_profile prof;
	if (ca_profile_load(cfg->config_dir, &prof, err) != 0)
		return NULL;
	return issuer_local_open(*dir, &prof, err);
}

/* Open the database named by --db, else the configured one. */
kdb *open_db(const args *a, db_open_mode mode, kerr *err)
{
	kiosk_config *cfg = load_config(a, err);
	if (!cfg)
		return NULL;
	const char *path = opt(a, "db") ? opt(a, "db") : cfg->db_file;
	/* The configured data directory, when it exists, is made private as the
	 * kiosk does; a file named with --db leaves its directory alone (that
	 * may be anyone's, /tmp or a home directory). */
	if (!opt(a, "db") && access(cfg->data_dir, F_OK) == 0 && protect_dir(cfg->data_dir, err)) {
		config_free(cfg);
		return NULL;
	}
	/* The kiosk id matters only when a file is created: an operator may well
	 * inspect another kiosk's file or a backup of it. */
	bool exists = access(path, F_OK) == 0;
	kdb *db = db_open(path, exists ? NULL : cfg->kiosk_id, mode, err);
	config_free(cfg);
	return db;
}

/* One line of PIN: from the terminal without echo (after prompt), or from
 * stdin. 0, or -1 when none came. */
int ctl_read_pin(const char *prompt, char *pin, size_t n)
{
	if (!isatty(STDIN_FILENO)) {
		if (!fgets(pin, (int)n, stdin))
			return -1;
		pin[strcspn(pin, "\r\n")] = '\0';
		return 0;
	}
	struct termios old, quiet;
	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	fprintf(stderr, "%s ", prompt);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	int rc = fgets(pin, (int)n, stdin) ? 0 : -1;
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fprintf(stderr, "\n");
	if (rc == 0)
		pin[strcspn(pin, "\r\n")] = '\0';
	return rc;
}

/* Whole seconds from now until t, rounded up (at least 1). */
static long long secs_until(int64_t t)
{
	int64_t ms = t - clock_now_ms();
	return ms > 0 ? (long long)((ms + 999) / 1000) : 1;
}

/* The acts that are a supervisor's (the reports, the day close, changing
 * staff): --by ID and that supervisor's PIN, from the terminal or one line of
 * stdin, checked like a login at the kiosk. The role is checked before the
 * PIN, so a clerk's id refused here makes that clerk wait for nothing; wrong
 * PINs with a supervisor's id count towards its waits (a minute at most). */
int ctl_supervisor(const args *a, kdb *db, const char *act_key)
{
	const char *act = ctl_word(act_key);
	const char *who = opt(a, "by");
	if (!who || !*who) {
		ERR("ctl.sup.need_by", V("act", act));
		return EXIT_USAGE;
	}
	kerr err = { 0 };
	kiosk_config *cfg = load_config(a, &err);
	if (!cfg)
		return fail_env(&err);
	int max_failures = cfg->login_max_failures, max_wait_s = cfg->login_max_wait_s;
	config_free(cfg);
	char pin[64], prompt[80];
	char whom[48];
	snprintf(whom, sizeof whom, "%.40s", who);
	TEXT(prompt, "ctl.sup.pin_prompt", V("id", whom));
	if (ctl_read_pin(prompt, pin, sizeof pin) != 0) {
		ERR("ctl.sup.no_pin");
		return EXIT_USAGE;
	}
	staff_rec st;
	int left = 0;
	login_result lr = db_staff_login_as(db, who, pin, ROLE_SUPERVISOR, max_failures, max_wait_s,
					    &st, &left, &err);
	explicit_bzero(pin, sizeof pin);
	char until[32];
	switch (lr) {
	case LOGIN_OK:
		return EXIT_OK;
	case LOGIN_BAD_PIN:
		if (st.locked_until_ms)
			ERR("ctl.sup.bad_pin_wait", V("id", who), V("seconds", NUM(secs_until(st.locked_until_ms))),
			    V("at", clock_format_local(st.locked_until_ms, until, sizeof until)));
		else
			ERR(left == 1 ? "ctl.sup.bad_pin_one" : "ctl.sup.bad_pin", V("id", who),
			    V("left", NUM(left)));
		return EXIT_FINDING;
	case LOGIN_LOCKED:
		ERR("ctl.sup.locked", V("id", who), V("seconds", NUM(secs_until(st.locked_until_ms))),
		    V("at", clock_format_local(st.locked_until_ms, until, sizeof until)));
		return EXIT_FINDING;
	case LOGIN_UNKNOWN:
		ERR("ctl.sup.unknown", V("id", who));
		return EXIT_FINDING;
	case LOGIN_WRONG_ROLE: {
		char role[48];
		snprintf(role, sizeof role, "ctl.role.%s", staff_role_name(st.role));
		ERR("ctl.sup.wrong_role", V("id", who), V("role", ctl_word(role)), V("act", act));
		return EXIT_FINDING;
	}
	case LOGIN_ERROR:
		break;
	}
	return fail_env(&err);
}
