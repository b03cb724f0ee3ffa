#include "tui/flow/demo.h"

#include <stdio.h>
#include <string.h>

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
