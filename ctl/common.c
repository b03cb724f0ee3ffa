/* kioskctl's shared plumbing: option look-up, usage and environment errors,
 * loading the configuration and opening the database the same way for every
 * command. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl.h"

/* Options that take no value. */
int ctl_is_flag(const char *name)
{
	static const char *const flags[] = { "csv", "reissue", "help", "anchors", "force" };
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

int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "kioskctl: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nRun 'kioskctl help' for the commands.\n");
	va_end(ap);
	return EXIT_USAGE;
}

int fail_env(const kerr *err)
{
	char buf[1024];
	fprintf(stderr, "kioskctl: %s\n", kerr_text(err, buf, sizeof buf));
	return EXIT_USAGE;
}

/* Options each command accepts, so a typo is caught rather than ignored. */
int check_opts(const args *a, const char *allowed)
{
	for (int i = 0; i < a->n_opts; i++) {
		char key[48];
		snprintf(key, sizeof key, " %s ", a->opt_name[i]);
		char list[256];
		snprintf(list, sizeof list, " %s ", allowed);
		if (!strstr(list, key))
			return usage_error("unknown option --%s for this command", a->opt_name[i]);
	}
	return 0;
}

/* ---- shared set-up ---- */

kiosk_config *load_config(const args *a, kerr *err)
{
	return config_load(config_default_dir(opt(a, "config")), err);
}

/* Open the database named by --db, else the configured one. */
kdb *open_db(const args *a, db_open_mode mode, kerr *err)
{
	kiosk_config *cfg = load_config(a, err);
	if (!cfg)
		return NULL;
	const char *path = opt(a, "db") ? opt(a, "db") : cfg->db_file;
	/* The kiosk id matters only when a file is created: an operator may well
	 * inspect another kiosk's file or a backup of it. */
	bool exists = access(path, F_OK) == 0;
	kdb *db = db_open(path, exists ? NULL : cfg->kiosk_id, mode, err);
	config_free(cfg);
	return db;
}

