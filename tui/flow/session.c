#include "tui/flow/session.h"

#include <stdio.h>
#include <string.h>

#include "core/base/clock.h"
#include "forms/casewords.h"

static void say(const counter *k, const char *key, const char *name, const char *value, char *msg,
		size_t n)
{
	str_var v[] = { { name, value }, { NULL, NULL } };
	counter_render(k, key, v, msg, n);
}

bool session_check(counter *k, const char *id, char *pin, staff_rec *who, char *msg, size_t n,
		   bool *unknown)
{
	int left = 0;
	kerr err = { 0 };
	*unknown = false;
	login_result r = db_staff_login(k->db, id, pin, k->cfg->login_max_failures,
					k->cfg->login_max_wait_s, who, &left, &err);
	explicit_bzero(pin, strlen(pin));
	char num[16];
	switch (r) {
	case LOGIN_OK:
		msg[0] = '\0';
		return true;
	case LOGIN_BAD_PIN:
		if (left == 0) { /* this wrong PIN began a wait */
			session_wait_text(k, who, msg, n);
			break;
		}
		snprintf(num, sizeof num, "%d", left);
		say(k, "login.bad_pin", "left", num, msg, n);
		break;
	case LOGIN_LOCKED:
		session_wait_text(k, who, msg, n);
		break;
	case LOGIN_UNKNOWN:
	case LOGIN_WRONG_ROLE: /* not asked for here: any role signs in */
		say(k, "login.unknown", "id", id, msg, n);
		*unknown = true;
		break;
	case LOGIN_ERROR:
		kerr_text(&err, msg, n);
		break;
	}
	return false;
}

void session_wait_text(const counter *k, const staff_rec *who, char *msg, size_t n)
{
	int64_t left_ms = who->locked_until_ms - clock_now_ms();
	char secs[24];
	/* whole seconds, rounded up: "wait 0 seconds" would be refused once more */
	snprintf(secs, sizeof secs, "%lld", left_ms > 0 ? (long long)((left_ms + 999) / 1000) : 1LL);
	say(k, "login.locked", "seconds", secs, msg, n);
}

void session_lock(counter *k, const char *case_no)
{
	kerr err = { 0 };
	db_audit_append(k->db, k->user.id, AUD_STAFF_LOCK, case_no, step_note_text(SN_LOCKED), &err);
}

bool session_unlock(counter *k, const staff_rec *who, const char *case_no, char *msg, size_t n)
{
	kerr err = { 0 };
	if (k->taken_over && strcmp(who->id, k->owner.id) == 0 && strcmp(who->id, k->user.id) != 0) {
		/* The window's own clerk takes it back from the supervisor who
		 * took it over (the supervisor locked it on leaving). */
		char detail[128];
		casewords_note(detail, sizeof detail, SN_TOOK_BACK, k->user.id, NULL, NULL);
		db_audit_append(k->db, who->id, AUD_STAFF_TAKEOVER, case_no, detail, &err);
		k->user = *who;
		k->taken_over = false;
	} else if (strcmp(who->id, k->user.id) != 0) {
		/* Only a supervisor may take over another's locked session. */
		if (who->role != ROLE_SUPERVISOR) {
			db_staff_logout(k->db, who->id, &err);
			say(k, "lock.not_supervisor", "id", who->id, msg, n);
			return false;
		}
		char detail[128];
		casewords_note(detail, sizeof detail, SN_TOOK_OVER, k->user.id, NULL, NULL);
		db_audit_append(k->db, who->id, AUD_STAFF_TAKEOVER, case_no, detail, &err);
		/* the window stays its first clerk's: a second takeover keeps it */
		if (!k->taken_over)
			k->owner = k->user;
		k->taken_over = true;
		k->user = *who;
	}
	db_audit_append(k->db, k->user.id, AUD_STAFF_UNLOCK, "", "", &err);
	return true;
}

void session_logout(counter *k)
{
	kerr err = { 0 };
	if (k->signed_in)
		db_staff_logout(k->db, k->user.id, &err);
}
