#include "tui/flow/demo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/base/kini.h"
#include "core/case/staff.h"

static int add_staff(counter *k, const char *dir, kerr *err)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/demo/staff.ini", dir);
	kini_doc *d = kini_load(path, err);
	if (!d)
		return -1;
	static const char *const keys[] = { "name", "role", "pin", NULL };
	int rc = 0;
	for (size_t i = 0; i < d->n_sections && rc == 0; i++) {
		const kini_section *s = &d->sections[i];
		const kini_entry *name, *role, *pin;
		if (strcmp(s->type, "staff") != 0 || !s->arg[0]) {
			rc = kerr_setf(err, d->path, s->line, "expected [staff ID], not [%s]", s->name);
			break;
		}
		if (kini_check_keys(d, s, keys, err) || !(name = kini_require(d, s, "name", err)) ||
		    !(role = kini_require(d, s, "role", err)) || !(pin = kini_require(d, s, "pin", err))) {
			rc = -1;
			break;
		}
		int r = staff_role_from_name(role->value);
		if (r < 0) {
			rc = kerr_setf(err, d->path, role->line, "role must be clerk, supervisor or trainer");
			break;
		}
		staff_rec existing;
		int got = db_staff_get(k->db, s->arg, &existing, err);
		if (got < 0)
			rc = -1;
		else if (got == 1 &&
			 db_staff_add(k->db, "demo", s->arg, name->value, (staff_role)r, pin->value, err)) {
			/* the store's reason (a name with a hidden character, a weak PIN)
			 * at the file and line to fix */
			char why[sizeof err->where + sizeof err->msg + 2] = "";
			if (err)
				kerr_text(err, why, sizeof why);
			rc = kerr_setf(err, d->path, s->line, "[staff %s]: %s", s->arg, why);
		}
	}
	kini_free(d);
	return rc;
}

int demo_prepare(counter *k, const char *config_dir, kerr *err)
{
	if (add_staff(k, config_dir, err) != 0)
		return -1;
	char keys[1024];
	snprintf(keys, sizeof keys, "%s/demo/keys.ini", config_dir);
	if (!(k->tok = token_demo_new(keys, err)))
		return -1;
	char orders[1100];
	if (!(k->pay = pay_demo_open(demo_pay_file(k, orders, sizeof orders), err)))
		return -1;
	return 0;
}

const char *demo_pay_file(const counter *k, char *buf, size_t n)
{
	if (!k->data_dir || !k->data_dir[0])
		return NULL; /* no data directory (tests): memory only */
	snprintf(buf, n, "%s/demo-pay.orders", k->data_dir);
	return buf;
}

/* Move from into the archive as to when from exists; 0, or -1 with err. */
static int archive_move(const char *from, const char *to, kerr *err)
{
	struct stat st;
	if (lstat(from, &st) != 0)
		return errno == ENOENT ? 0 : kerr_set(err, from, "%s", strerror(errno));
	if (rename(from, to) != 0)
		return kerr_set(err, from, "cannot move it to %s: %s", to, strerror(errno));
	return 0;
}

int demo_new_day(counter *k, const char *config_dir, const char *db_path, char *archived, size_t n,
		 kerr *err)
{
	if (!k->demo)
		return kerr_set(err, NULL, "a fresh training day is for trainer mode only");
	char dir[1100];
	snprintf(dir, sizeof dir, "%s/archive", k->data_dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return kerr_set(err, dir, "cannot make the archive: %s", strerror(errno));
	if (chmod(dir, 0700) != 0)
		return kerr_set(err, dir, "%s", strerror(errno));
	/* the wall clock names it (as make demo-reset does); a second reset in
	 * the same second gets a number */
	char stamp[32], base[1200];
	time_t now = time(NULL);
	struct tm tm;
	localtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	struct stat st;
	snprintf(base, sizeof base, "%s/demo-%s", dir, stamp);
	for (int i = 2; i < 100; i++) {
		char db[1300];
		snprintf(db, sizeof db, "%s.db", base);
		if (lstat(db, &st) != 0)
			break;
		snprintf(base, sizeof base, "%s/demo-%s-%d", dir, stamp, i);
	}
	/* the day's database closed, its devices let go, then everything moved */
	db_close(k->db);
	k->db = NULL;
	token_dev_free(k->tok);
	k->tok = NULL;
	pay_dev_free(k->pay);
	k->pay = NULL;
	char from[1300], to[1300], orders[1100];
	static const char *const sfx[] = { "", "-wal", "-shm" };
	int rc = 0;
	for (size_t i = 0; i < 3 && rc == 0; i++) {
		snprintf(from, sizeof from, "%s%s", db_path, sfx[i]);
		snprintf(to, sizeof to, "%s.db%s", base, sfx[i]);
		rc = archive_move(from, to, err);
	}
	if (rc == 0 && demo_pay_file(k, orders, sizeof orders)) {
		snprintf(to, sizeof to, "%s.pay.orders", base);
		rc = archive_move(orders, to, err);
	}
	if (rc == 0) {
		snprintf(from, sizeof from, "%s/slips", k->data_dir);
		snprintf(to, sizeof to, "%s.slips", base);
		rc = archive_move(from, to, err);
	}
	kerr e2 = { 0 };
	if (!(k->db = db_open(db_path, k->cfg->kiosk_id, DB_OPEN_CREATE, rc == 0 ? err : &e2)))
		return -1;
	if (demo_prepare(k, config_dir, rc == 0 ? err : &e2) != 0 || rc != 0)
		return -1;
	snprintf(archived, n, "%s", base);
	return 0;
}
