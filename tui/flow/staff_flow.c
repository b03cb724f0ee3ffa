#include "tui/flow/staff_flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit/pinhash.h"
#include "core/base/hidden.h"

static void said(const counter *k, const char *key, const char *id, char *msg, size_t n)
{
	str_var v[] = { { "id", id }, { NULL, NULL } };
	counter_render(k, key, v, msg, n);
}

static size_t chars(const char *s)
{
	size_t c = 0;
	for (; *s; s++)
		c += ((unsigned char)*s & 0xC0) != 0x80;
	return c;
}

/* Only a supervisor signed in acts (the store checks again). */
static bool acting(const counter *k, char *msg, size_t n)
{
	if (k->signed_in && k->user.role == ROLE_SUPERVISOR)
		return true;
	snprintf(msg, n, "%s", counter_str(k, "staff.not_supervisor"));
	return false;
}

/* The repository's answer in words: 0 done (ok_key said), else why not
 * (what the checks below did not foresee: the store's own words). */
static bool answer(const counter *k, int rc, const kerr *err, const char *ok_key, const char *id,
		   char *msg, size_t n)
{
	if (rc == 0) {
		said(k, ok_key, id, msg, n);
		return true;
	}
	char why[512];
	str_var v[] = { { "why", kerr_text(err, why, sizeof why) }, { NULL, NULL } };
	counter_render(k, "staff.failed", v, msg, n);
	return false;
}

/* The member acted on, said in the clerk's words when there is none. */
static bool target(counter *k, const char *id, staff_rec *t, char *msg, size_t n)
{
	kerr err = { 0 };
	int rc = db_staff_get(k->db, id, t, &err);
	if (rc == 0)
		return true;
	if (rc == 1)
		said(k, "staff.no_such", id, msg, n);
	else
		kerr_text(&err, msg, n);
	return false;
}

/* Active supervisors other than id. */
static int other_supervisors(counter *k, const char *id)
{
	staff_rec *list = NULL;
	size_t n = 0;
	kerr err = { 0 };
	int c = 0;
	if (db_staff_list(k->db, &list, &n, &err) != 0)
		return 1; /* the store decides */
	for (size_t i = 0; i < n; i++)
		c += list[i].active && list[i].role == ROLE_SUPERVISOR && strcmp(list[i].id, id) != 0;
	free(list);
	return c;
}

/* The two PINs the same and acceptable; both wiped when not. */
static bool pin_ok(const counter *k, char *pin, char *again, char *msg, size_t n)
{
	const char *why = NULL;
	bool ok = false;
	if (strcmp(pin, again) != 0)
		snprintf(msg, n, "%s", counter_str(k, "staff.pin_differ"));
	else if (!pinhash_acceptable(pin, &why))
		snprintf(msg, n, "%s", counter_str(k, why ? why : "pin.too_simple"));
	else
		ok = true;
	explicit_bzero(again, strlen(again));
	if (!ok)
		explicit_bzero(pin, strlen(pin));
	return ok;
}

bool staff_flow_list(counter *k, staff_rec **out, size_t *n, char *msg, size_t msg_n)
{
	kerr err = { 0 };
	*out = NULL;
	*n = 0;
	if (!acting(k, msg, msg_n))
		return false;
	if (db_staff_list(k->db, out, n, &err) != 0) {
		kerr_text(&err, msg, msg_n);
		return false;
	}
	return true;
}

bool staff_flow_add(counter *k, const char *id, const char *name, staff_role role, char *pin,
		    char *again, char *msg, size_t msg_n)
{
	if (!acting(k, msg, msg_n) || !pin_ok(k, pin, again, msg, msg_n)) {
		explicit_bzero(pin, strlen(pin));
		explicit_bzero(again, strlen(again));
		return false;
	}
	/* the store's rules, said before it is asked (it checks them again) */
	size_t idn = strlen(id);
	staff_rec t;
	kerr err = { 0 };
	const char *bad = NULL;
	if (idn < 1 || idn > 32 ||
	    strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != idn)
		bad = "staff.bad_id";
	else if (!name[0] || chars(name) > 32 || hidden_find(name, NULL))
		bad = "staff.bad_name";
	else if (db_staff_get(k->db, id, &t, &err) == 0)
		bad = "staff.id_taken";
	if (bad) {
		said(k, bad, id, msg, msg_n);
		explicit_bzero(pin, strlen(pin));
		return false;
	}
	int rc = db_staff_add(k->db, k->user.id, id, name, role, pin, &err);
	explicit_bzero(pin, strlen(pin));
	return answer(k, rc, &err, "staff.added", id, msg, msg_n);
}

bool staff_flow_unlock(counter *k, const char *id, char *msg, size_t msg_n)
{
	staff_rec t;
	if (!acting(k, msg, msg_n) || !target(k, id, &t, msg, msg_n))
		return false;
	if (t.failures == 0 && t.locked_until_ms == 0) {
		said(k, "staff.nothing_to_unlock", id, msg, msg_n);
		return false;
	}
	kerr err = { 0 };
	return answer(k, db_staff_unlock(k->db, k->user.id, id, &err), &err, "staff.unlocked", id, msg,
		      msg_n);
}

bool staff_flow_reset_pin(counter *k, const char *id, char *pin, char *again, char *msg,
			  size_t msg_n)
{
	staff_rec t;
	if (!acting(k, msg, msg_n) || !target(k, id, &t, msg, msg_n) || !pin_ok(k, pin, again, msg, msg_n)) {
		explicit_bzero(pin, strlen(pin));
		explicit_bzero(again, strlen(again));
		return false;
	}
	kerr err = { 0 };
	int rc = db_staff_reset_pin(k->db, k->user.id, id, pin, &err);
	explicit_bzero(pin, strlen(pin));
	return answer(k, rc, &err, "staff.pin_set", id, msg, msg_n);
}

bool staff_flow_disable(counter *k, const char *id, char *msg, size_t msg_n)
{
	if (!acting(k, msg, msg_n))
		return false;
	if (strcmp(id, k->user.id) == 0) {
		snprintf(msg, msg_n, "%s", counter_str(k, "staff.not_self"));
		return false;
	}
	staff_rec t;
	if (!target(k, id, &t, msg, msg_n))
		return false;
	if (!t.active) {
		said(k, "staff.already_disabled", id, msg, msg_n);
		return false;
	}
	if (t.role == ROLE_SUPERVISOR && other_supervisors(k, id) == 0) {
		said(k, "staff.last_supervisor", id, msg, msg_n);
		return false;
	}
	kerr err = { 0 };
	return answer(k, db_staff_disable(k->db, k->user.id, id, &err), &err, "staff.disabled", id, msg,
		      msg_n);
}
