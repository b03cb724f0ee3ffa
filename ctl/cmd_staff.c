/* kioskctl staff: adding and changing the members of staff, a supervisor's
 * acts. Each takes --by SUPERVISOR_ID and that supervisor's PIN (ctl_supervisor:
 * the role before the PIN); a new PIN follows it, from the terminal (asked
 * twice) or as the next line of stdin. The one exception is the first
 * supervisor of an empty database (no staff row at all, disabled ones
 * included): nobody could vouch for it, so it is added without --by, audited
 * as staff.add_first, and only while the table is still empty. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/audit/pinhash.h"
#include "core/base/clock.h"
#include "core/case/staff.h"
#include "core/base/hidden.h"
#include "ctl/ctl.h"
#include "db/repo/staff_repo.h"

#define STAFF_USAGE                                                                         \
	"kioskctl staff add --id ID --name NAME --role clerk|supervisor|trainer --by ID\n" \
	"       kioskctl staff add --id ID --name NAME --role supervisor  (the first, on an empty database)\n" \
	"       kioskctl staff list --by ID\n"                                                \
	"       kioskctl staff unlock|reset-pin|disable STAFF_ID --by ID\n"                    \
	"       kioskctl staff role STAFF_ID clerk|supervisor|trainer --by ID"

/* A new PIN for `whom`: on a terminal asked twice, else the next line of
 * stdin; checked by pinhash_acceptable(). EXIT_OK, else the reason printed and
 * EXIT_USAGE when none came, EXIT_FINDING when it is refused (nothing is
 * written). */
static int read_new_pin(const char *whom, char *pin, size_t n)
{
	char prompt[160], who[48];
	snprintf(who, sizeof who, "%.40s", whom);
	TEXT(prompt, "ctl.staff.new_pin_prompt", V("id", who));
	if (ctl_read_pin(prompt, pin, n) != 0) {
		ERR("ctl.staff.no_new_pin");
		return EXIT_USAGE;
	}
	if (isatty(STDIN_FILENO)) {
		char again[64];
		bool same = ctl_read_pin(ctl_word("ctl.staff.again_prompt"), again, sizeof again) == 0 &&
			    strcmp(pin, again) == 0;
		explicit_bzero(again, sizeof again);
		if (!same) {
			explicit_bzero(pin, n);
			ERR("ctl.staff.pins_differ");
			return EXIT_FINDING;
		}
	}
	const char *why = NULL;
	if (!pinhash_acceptable(pin, &why)) {
		explicit_bzero(pin, n);
		ERR("ctl.staff.pin_refused", V("why", why ? why : "?"));
		return EXIT_FINDING;
	}
	return EXIT_OK;
}

/* A repository's answer: 0 ok, 1 refused (a finding), -1 an error. */
static int repo_exit(int rc, const kerr *err)
{
	if (rc == 0)
		return EXIT_OK;
	if (rc > 0) {
		char buf[1024];
		ERR("ctl.nothing_changed", V("error", kerr_text(err, buf, sizeof buf)));
		return EXIT_FINDING;
	}
	return fail_env(err);
}

/* The store's rule for a staff id (db/repo/staff_repo.c), said before the
 * database is opened: 1-32 of A-Z a-z 0-9 _ . - */
static bool id_ok(const char *id)
{
	size_t n = strlen(id);
	return n >= 1 && n <= 32 &&
	       strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

static int staff_add(const args *a)
{
	if (check_opts(a, "config db id name role by"))
		return EXIT_USAGE;
	const char *id = opt(a, "id"), *name = opt(a, "name"), *role = opt(a, "role");
	const char *by = opt(a, "by");
	if (!id || !name || !role)
		return USAGE("ctl.staff.add_needs");
	int r = staff_role_from_name(role);
	if (r < 0)
		return REFUSE("ctl.staff.bad_role_opt", V("role", role));
	/* the values refused before anything is opened (the store checks them again) */
	if (!id_ok(id))
		return REFUSE("ctl.staff.bad_id", V("id", id));
	hidden_hit hh;
	char said[96];
	if (hidden_find(name, &hh))
		return REFUSE("ctl.staff.hidden_char", V("char", hidden_describe(&hh, said, sizeof said)));
	kerr err = { 0 };
	kdb *db = open_db(a, DB_OPEN_CREATE, &err);
	if (!db)
		return fail_env(&err);
	int rc;
	char pin[64] = "";
	if (!by) {
		/* Without --by only onto an empty table (checked again, under the
		 * write lock, by db_staff_add_first). */
		staff_rec *list = NULL;
		size_t n = 0;
		rc = db_staff_list(db, &list, &n, &err) ? fail_env(&err) : EXIT_OK;
		free(list);
		if (rc == EXIT_OK && n > 0)
			rc = USAGE("ctl.staff.add_needs_by");
		else if (rc == EXIT_OK && r != ROLE_SUPERVISOR)
			rc = USAGE("ctl.staff.first_supervisor");
		if (rc == EXIT_OK && (rc = read_new_pin(id, pin, sizeof pin)) == EXIT_OK) {
			int added = db_staff_add_first(db, id, name, pin, &err);
			/* another kioskctl added one first: --by from now on */
			rc = added > 0 ? fail_env(&err) : repo_exit(added, &err);
		}
	} else if ((rc = ctl_supervisor(a, db, "ctl.act.staff_add")) == EXIT_OK) {
		if ((rc = read_new_pin(id, pin, sizeof pin)) == EXIT_OK)
			rc = repo_exit(db_staff_add(db, by, id, name, (staff_role)r, pin, &err), &err);
		kerr lerr = { 0 };
		db_staff_logout(db, by, &lerr);
	}
	explicit_bzero(pin, sizeof pin);
	db_close(db);
	char rkey[48];
	snprintf(rkey, sizeof rkey, "ctl.role.%s", staff_role_name((staff_role)r));
	if (rc == EXIT_OK)
		SAY(stdout, by ? "ctl.staff.added" : "ctl.staff.added_first", V("id", id), V("name", name),
		    V("role", ctl_word(rkey)));
	return rc;
}

static void print_member(const staff_rec *s)
{
	char when[32];
	char rkey[48];
	snprintf(rkey, sizeof rkey, "ctl.role.%s", staff_role_name(s->role));
	printf("%-12s %s ", s->id, ctl_pad(ctl_term(rkey, staff_role_name(s->role)), 10));
	printf("%-8s", ctl_word(s->active ? "ctl.staff.active" : "ctl.staff.disabled"));
	if (s->failures) {
		fputs("  ", stdout);
		SAYP(stdout, s->failures == 1 ? "ctl.staff.wrong_pin" : "ctl.staff.wrong_pins",
		     V("n", NUM(s->failures)));
	}
	if (s->locked_until_ms > clock_now_ms()) {
		fputs("  ", stdout);
		SAYP(stdout, "ctl.staff.waits", V("until", clock_format_local(s->locked_until_ms, when, sizeof when)));
	}
	printf("  %s\n", s->name);
}

static int staff_list(kdb *db)
{
	kerr err = { 0 };
	staff_rec *list = NULL;
	size_t n = 0;
	if (db_staff_list(db, &list, &n, &err))
		return fail_env(&err);
	SAY(stdout, "ctl.staff.list_head");
	for (size_t i = 0; i < n; i++)
		print_member(&list[i]);
	free(list);
	return EXIT_OK;
}

/* unlock, reset-pin, disable and role: one member, named by the second word. */
static int staff_change(const args *a, kdb *db, const char *sub)
{
	const char *by = opt(a, "by"), *id = a->words[2];
	kerr err = { 0 };
	int rc;
	if (strcmp(sub, "unlock") == 0) {
		rc = repo_exit(db_staff_unlock(db, by, id, &err), &err);
		if (rc == EXIT_OK)
			SAY(stdout, "ctl.staff.unlocked", V("id", id));
	} else if (strcmp(sub, "reset-pin") == 0) {
		char pin[64];
		rc = read_new_pin(id, pin, sizeof pin);
		if (rc == EXIT_OK)
			rc = repo_exit(db_staff_reset_pin(db, by, id, pin, &err), &err);
		explicit_bzero(pin, sizeof pin);
		if (rc == EXIT_OK)
			SAY(stdout, "ctl.staff.pin_reset", V("id", id));
	} else if (strcmp(sub, "disable") == 0) {
		rc = repo_exit(db_staff_disable(db, by, id, &err), &err);
		if (rc == EXIT_OK)
			SAY(stdout, "ctl.staff.disabled_now", V("id", id));
	} else {
		int r = staff_role_from_name(a->words[3]);
		rc = repo_exit(db_staff_set_role(db, by, id, (staff_role)r, &err), &err);
		if (rc == EXIT_OK) {
			char rkey[48];
			snprintf(rkey, sizeof rkey, "ctl.role.%s", staff_role_name((staff_role)r));
			SAY(stdout, "ctl.staff.role_set", V("id", id), V("role", ctl_word(rkey)));
		}
	}
	return rc;
}

int cmd_staff(const args *a)
{
	const char *sub = a->n_words >= 2 ? a->words[1] : "";
	if (strcmp(sub, "add") == 0 && a->n_words == 2)
		return staff_add(a);
	bool list = strcmp(sub, "list") == 0 && a->n_words == 2;
	bool one = (strcmp(sub, "unlock") == 0 || strcmp(sub, "reset-pin") == 0 ||
		    strcmp(sub, "disable") == 0) &&
		   a->n_words == 3;
	bool role = strcmp(sub, "role") == 0 && a->n_words == 4;
	if (!list && !one && !role)
		return ctl_usage_of(STAFF_USAGE, "ctl.staff.usage_note");
	if (check_opts(a, "config db by"))
		return EXIT_USAGE;
	if (role && staff_role_from_name(a->words[3]) < 0)
		return REFUSE("ctl.staff.bad_role", V("role", a->words[3]));
	const char *by = opt(a, "by");
	if (!by || !*by)
		return USAGE("ctl.staff.need_by", V("sub", sub));
	kerr err = { 0 };
	kdb *db = open_db(a, DB_OPEN_EXISTING, &err);
	if (!db)
		return fail_env(&err);
	char act[48];
	snprintf(act, sizeof act, "ctl.act.staff.%s", sub);
	int rc = ctl_supervisor(a, db, act);
	if (rc == EXIT_OK) {
		rc = list ? staff_list(db) : staff_change(a, db, sub);
		kerr lerr = { 0 };
		db_staff_logout(db, by, &lerr);
	}
	db_close(db);
	return rc;
}
