/* supp_flow: 容缺补交 and 好差评 (supp_flow.h). The checklist does the
 * materials' checks exactly as on the materials step; the store checks again
 * inside its transaction (what the case owed, its deadline, the supervisor),
 * so nothing here is the only guard. */
#include "tui/flow/supp_flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/base/clock.h"
#include "core/print/printout.h"
#include "forms/slip.h"
#include "tui/flow/session.h"

static void said(counter *k, supp_case *s, bool failed, const char *text)
{
	(void)k; /* the screen shows s->msg: said once, not twice */
	snprintf(s->msg, sizeof s->msg, "%s", text);
	s->failed = failed;
}

static void said_err(counter *k, supp_case *s, const kerr *err)
{
	char buf[1024];
	said(k, s, true, kerr_text(err, buf, sizeof buf));
}

bool supp_flow_owes(const case_rec *c)
{
	return c->status == CS_RONGQUE && c->last_step == STEP_SLIP;
}

int supp_flow_list(counter *k, const char *query, case_rec **out, size_t *n)
{
	kerr err = { 0 };
	*out = NULL;
	*n = 0;
	bool all = !query || strspn(query, " ") == strlen(query);
	int rc = all ? db_rongque_owed(k->db, out, n, &err) : db_case_find(k->db, query, out, n, &err);
	if (rc != 0) {
		counter_say_err(k, &err);
		return -1;
	}
	if (!all) { /* the finder's cases, those that owe a material */
		size_t m = 0;
		for (size_t i = 0; i < *n; i++)
			if (supp_flow_owes(&(*out)[i]))
				(*out)[m++] = (*out)[i];
		*n = m;
	}
	return 0;
}

void supp_case_free(supp_case *s)
{
	if (!s)
		return;
	checklist_free(s->cl);
	free(s->owed);
	free(s->slip_text);
	free(s);
}

supp_case *supp_flow_open(counter *k, const char *case_no)
{
	kerr err = { 0 };
	supp_case *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	int rc = db_case_get(k->db, case_no, &s->rec, &err);
	if (rc != 0) {
		if (rc == 1)
			kerr_set(&err, case_no, "%s", counter_str(k, "supp.no_case"));
		counter_say_err(k, &err);
		free(s);
		return NULL;
	}
	/* a supplement already recorded: taken up for its slip */
	bool done = false;
	if (s->rec.status == CS_COMPLETED && s->rec.decision == DEC_RONGQUE) {
		supplement_rec *rows = NULL;
		size_t nr = 0;
		if (db_case_supplements(k->db, case_no, &rows, &nr, &err) != 0) {
			counter_say_err(k, &err);
			free(s);
			return NULL;
		}
		free(rows);
		done = nr > 0;
	}
	if (!done && !supp_flow_owes(&s->rec)) {
		str_var v[] = { { "case", case_no }, { "status", counter_str(k, case_status_key(s->rec.status)) },
				{ NULL, NULL } };
		char buf[512];
		counter_say(k, counter_render(k, "supp.not_owing", v, buf, sizeof buf));
		free(s);
		return NULL;
	}
	s->svc = catalog_service(k->cat, s->rec.service_id);
	material_decision *md = NULL;
	size_t n = 0;
	if (!s->svc || !(s->cl = checklist_new(s->svc)) ||
	    !(s->owed = calloc(s->svc->n_materials ? s->svc->n_materials : 1, sizeof *s->owed))) {
		kerr_set(&err, case_no, "service %s is not in the catalogue", s->rec.service_id);
		counter_say_err(k, &err);
		supp_case_free(s);
		return NULL;
	}
	if (db_case_materials(k->db, case_no, &md, &n, &err) != 0) {
		counter_say_err(k, &err);
		supp_case_free(s);
		return NULL;
	}
	for (size_t i = 0; i < s->cl->n_items; i++) {
		const char *id = s->cl->items[i].sm->material->id;
		bool received = false;
		for (size_t j = 0; j < n; j++)
			if (strcmp(md[j].material_id, id) == 0)
				received = md[j].mark == MARK_RECEIVED;
		if (received)
			checklist_mark(s->cl, id, MARK_RECEIVED, "", &err);
		else
			s->owed[i] = true, s->n_owed++;
	}
	db_material_decisions_free(md, n);
	s->late = s->rec.rongque_deadline >= 0 && clock_today() > s->rec.rongque_deadline;
	if (done) {
		s->done = true;
		for (size_t i = 0; i < s->cl->n_items; i++)
			if (s->owed[i])
				checklist_mark(s->cl, s->cl->items[i].sm->material->id, MARK_RECEIVED, "", &err);
		supp_flow_slip(k, s);
	}
	return s;
}

bool supp_flow_mark(counter *k, supp_case *s, size_t i, material_mark m, const char *reason)
{
	if (s->done || i >= s->cl->n_items)
		return false;
	if (!s->owed[i]) {
		said(k, s, true, counter_str(k, "supp.not_owed"));
		return false;
	}
	kerr err = { 0 };
	if (checklist_mark(s->cl, s->cl->items[i].sm->material->id, m, reason, &err) != 0) {
		said_err(k, s, &err);
		return false;
	}
	s->msg[0] = '\0';
	s->failed = false;
	return true;
}

/* A supervisor, not the clerk, with the PIN: as the approval step does. */
static bool supervisor_ok(counter *k, supp_case *s, const char *id, char *pin)
{
	if (!id || !*id) {
		said(k, s, true, counter_str(k, "supp.late_needs"));
		return false;
	}
	if (strcmp(id, k->user.id) == 0) {
		said(k, s, true, counter_str(k, "approval.self"));
		return false;
	}
	staff_rec who;
	int left = 0;
	kerr err = { 0 };
	login_result r = db_staff_login_as(k->db, id, pin, ROLE_SUPERVISOR, k->cfg->login_max_failures,
					   k->cfg->login_max_wait_s, &who, &left, &err);
	if (r == LOGIN_WRONG_ROLE) {
		said(k, s, true, counter_str(k, "approval.not_supervisor"));
		return false;
	}
	if (r == LOGIN_LOCKED || (r == LOGIN_BAD_PIN && who.locked_until_ms)) {
		char buf[512];
		session_wait_text(k, &who, buf, sizeof buf);
		said(k, s, true, buf);
		return false;
	}
	if (r != LOGIN_OK) {
		said(k, s, true, counter_str(k, "approval.failed"));
		return false;
	}
	db_staff_logout(k->db, who.id, &err);
	return true;
}

flow_outcome supp_flow_complete(counter *k, supp_case *s, const char *sup_id, char *pin,
				const char *note)
{
	char empty[1] = "";
	if (!pin)
		pin = empty;
	if (s->done) {
		explicit_bzero(pin, strlen(pin));
		return supp_flow_slip(k, s) ? FLOW_NEXT : FLOW_FAILED;
	}
	checklist_result r;
	checklist_evaluate(s->cl, &r);
	char buf[1024];
	if (r.verdict != CL_COMPLETE) {
		explicit_bzero(pin, strlen(pin));
		if (r.n_unset) {
			char n[24];
			snprintf(n, sizeof n, "%zu", r.n_unset);
			str_var v[] = { { "n", n }, { NULL, NULL } };
			said(k, s, false, counter_render(k, "materials.unset", v, buf, sizeof buf));
		} else {
			/* the checklist's one-time list: what is still owed, all at once */
			size_t len = 0;
			char items[700] = "";
			for (size_t i = 0; i < r.n_notice && len < sizeof items - 2; i++)
				len += (size_t)snprintf(items + len, sizeof items - len, "%s%s", i ? "、" : "",
							r.notice[i].material->label[k->lg]);
			str_var v[] = { { "items", items }, { NULL, NULL } };
			said(k, s, false, counter_render(k, "supp.still_owed", v, buf, sizeof buf));
		}
		checklist_result_free(&r);
		return FLOW_STAY;
	}
	checklist_result_free(&r);
	s->late = s->rec.rongque_deadline >= 0 && clock_today() > s->rec.rongque_deadline;
	if (s->late) {
		if (!note || strspn(note, " ") == strlen(note)) {
			explicit_bzero(pin, strlen(pin));
			said(k, s, true, counter_str(k, "supp.late_needs"));
			return FLOW_FAILED;
		}
		bool ok = supervisor_ok(k, s, sup_id, pin);
		explicit_bzero(pin, strlen(pin));
		if (!ok)
			return FLOW_FAILED;
	} else {
		explicit_bzero(pin, strlen(pin));
	}
	const char *ids[64];
	size_t n = 0;
	for (size_t i = 0; i < s->cl->n_items && n < 64; i++)
		if (s->owed[i])
			ids[n++] = s->cl->items[i].sm->material->id;
	kerr err = { 0 };
	if (db_case_supplement(k->db, k->user.id, s->rec.case_no, ids, n, s->late ? sup_id : NULL,
			       s->late ? note : NULL, &err) != 0) {
		said_err(k, s, &err);
		return FLOW_FAILED;
	}
	s->done = true;
	db_case_get(k->db, s->rec.case_no, &s->rec, &err);
	return supp_flow_slip(k, s) ? FLOW_NEXT : FLOW_FAILED;
}

static char *render(counter *k, supp_case *s, kerr *err)
{
	supplement_rec *rows = NULL;
	size_t n = 0;
	if (db_case_supplements(k->db, s->rec.case_no, &rows, &n, err) != 0)
		return NULL;
	if (!n) {
		kerr_set(err, s->rec.case_no, "no supplement is recorded for the case");
		return NULL;
	}
	const material *got[64];
	size_t m = 0;
	for (size_t i = 0; i < s->svc->n_materials && m < 64; i++)
		for (size_t j = 0; j < n; j++)
			if (strcmp(rows[j].material_id, s->svc->materials[i].material->id) == 0)
				got[m++] = s->svc->materials[i].material;
	slip_data d = { 0 };
	d.str = k->str;
	d.lang = k->lg;
	d.site = k->cfg->site;
	d.window = k->cfg->window;
	d.demo = k->demo;
	d.svc = s->svc;
	d.case_no = s->rec.case_no;
	d.party = s->rec.party;
	d.decision = s->rec.decision;
	d.rongque_deadline = s->rec.rongque_deadline;
	d.clerk_id = rows[0].actor;
	d.at_ms = rows[0].at_ms;
	slip_supplement sp = { .base = &d, .accepted_day = clock_local_day(s->rec.created_ms),
			       .received = got, .n_received = m, .late_by = rows[0].late_by,
			       .late_note = rows[0].note };
	char *text = slip_render_supplement(&sp, err);
	free(rows);
	return text;
}

bool supp_flow_slip(counter *k, supp_case *s)
{
	if (s->slip_text)
		return true;
	kerr err = { 0 };
	/* made before (a restart, or a printer that failed): the paper saved */
	char *saved = NULL;
	if (printout_find(k->data_dir, s->rec.case_no, "supplement", s->slip_path, sizeof s->slip_path,
			  &saved) == 0 && saved) {
		s->slip_text = saved;
		return true;
	}
	char *text = render(k, s, &err);
	if (!text) {
		said_err(k, s, &err);
		return false;
	}
	if (printout_save(k->data_dir, s->rec.case_no, "supplement", text, s->slip_path,
			  sizeof s->slip_path, &err) != 0) {
		free(text);
		said_err(k, s, &err);
		return false;
	}
	s->slip_text = text;
	char buf[512];
	str_var v[] = { { "case", s->rec.case_no }, { NULL, NULL } };
	said(k, s, false, counter_render(k, "supp.done", v, buf, sizeof buf));
	if (k->cfg->print_command[0] && printout_send(k->cfg->print_command, s->slip_path, &err) != 0)
		said_err(k, s, &err);
	return true;
}

void supp_flow_reprint(counter *k, supp_case *s)
{
	kerr err = { 0 };
	if (!s->slip_text)
		return;
	if (!k->cfg->print_command[0]) {
		counter_say(k, counter_str(k, "slip.no_printer"));
		return;
	}
	const char *mark = counter_str(k, "slip.reprint");
	size_t n = strlen(mark) + strlen(s->slip_text) + 4;
	char *text = malloc(n);
	if (!text)
		return;
	snprintf(text, n, "%s\n\n%s", mark, s->slip_text);
	char path[1100];
	if (printout_save(k->data_dir, s->rec.case_no, "supplement-reprint", text, path, sizeof path, &err) != 0 ||
	    printout_send(k->cfg->print_command, path, &err) != 0)
		counter_say_err(k, &err);
	free(text);
}

/* ---- 好差评 ---- */

bool rating_flow_record(counter *k, const char *case_no, rating_level l, const char *comment)
{
	kerr err = { 0 };
	long due = rating_is_bad(l) ? rating_due(&k->cat->rules, clock_today()) : -1;
	if (db_rating_record(k->db, k->user.id, case_no, l, comment, due, &err) != 0) {
		counter_say_err(k, &err);
		return false;
	}
	char buf[512], day[16] = "";
	if (due >= 0)
		civil_format(due, day, sizeof day);
	str_var v[] = { { "level", counter_str(k, rating_level_key(l)) }, { "due", day }, { NULL, NULL } };
	counter_say(k, counter_render(k, due >= 0 ? "rating.recorded_bad" : "rating.recorded", v, buf,
				      sizeof buf));
	return true;
}

const char *rating_flow_text(counter *k, const char *case_no, char *buf, size_t n)
{
	rating_rec r;
	kerr err = { 0 };
	int rc = db_rating_get(k->db, case_no, &r, &err);
	if (rc != 0) {
		str_var v[] = { { "level", counter_str(k, "rating.not_asked") }, { NULL, NULL } };
		return counter_render(k, "rating.line", v, buf, n);
	}
	char due[16] = "", level[160];
	if (r.due_day >= 0)
		civil_format(r.due_day, due, sizeof due);
	snprintf(level, sizeof level, "%s", counter_str(k, rating_level_key(r.level)));
	str_var v[] = { { "level", level }, { "due", due }, { "by", r.resolved_by }, { NULL, NULL } };
	const char *key = !rating_is_bad(r.level) ? "rating.line"
			  : r.resolved_by[0]      ? "rating.line_resolved"
						  : "rating.line_bad";
	return counter_render(k, key, v, buf, n);
}

bool rating_flow_resolve(counter *k, const char *case_no, const char *what)
{
	kerr err = { 0 };
	if (db_rating_resolve(k->db, k->user.id, case_no, what, &err) != 0) {
		counter_say_err(k, &err);
		return false;
	}
	char buf[512];
	str_var v[] = { { "case", case_no }, { NULL, NULL } };
	counter_say(k, counter_render(k, "rating.resolved", v, buf, sizeof buf));
	return true;
}
