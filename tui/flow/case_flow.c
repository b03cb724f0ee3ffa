#include "tui/flow/case_flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/base/clock.h"
#include "forms/casewords.h"
#include "core/base/utf8.h"
#include "core/case/rules.h"
#include "db/repo/anchor_repo.h"
#include "tui/flow/poll_job.h"
#include "tui/flow/session.h"

static bool charges_holder(const service *s)
{
	return service_charges(s, FEE_OPENING) || service_charges(s, FEE_ANNUAL) ||
	       service_charges(s, FEE_SEAL);
}

/* The fields of the details step for this service. */
static void layout_fields(const counter *k, case_flow *cs)
{
	int n = 0;
	for (size_t i = 0; i < k->form->n_fields && n < CASE_FIELDS; i++)
		cs->kinds[n++] = CF_FORM;
	/* A lost key cannot be read: the clerk types the expiry from the CA's records. */
	if (!cs->svc->key_required && cs->svc->validity == VALIDITY_KEEP)
		cs->kinds[n++] = CF_OLD_EXPIRY;
	if (charges_holder(cs->svc)) {
		cs->kinds[n++] = CF_HOLDER;
		cs->kinds[n++] = CF_YEARS;
		if (cs->svc->platform->has_seals && service_charges(cs->svc, FEE_SEAL))
			cs->kinds[n++] = CF_SEALS;
	}
	cs->n_fields = n;
}

static case_flow *flow_new(const counter *k, const service *svc)
{
	case_flow *cs = calloc(1, sizeof *cs);
	if (!cs)
		return NULL;
	cs->svc = svc;
	cs->years = k->cat->rules.years_min;
	cs->seals = svc->platform->has_seals && service_charges(svc, FEE_SEAL) ? 1 : 0;
	cs->old_not_after = cs->old_not_before = -1;
	cs->rongque_deadline = -1;
	cs->cl = checklist_new(svc);
	layout_fields(k, cs);
	for (int i = 0; i < cs->n_fields; i++)
		if (cs->kinds[i] == CF_SEALS)
			snprintf(cs->text[i], sizeof cs->text[i], "1");
	return cs;
}

void case_flow_free(case_flow *cs)
{
	if (!cs)
		return;
	/* a payment query in flight uses the gateway and its job: join it first */
	poll_job_drop(cs->poll_job);
	checklist_free(cs->cl);
	free(cs->slip_text);
	free(cs->old_keys);
	free(cs->hall_keys);
	free(cs);
}

case_step case_flow_next(const case_flow *cs)
{
	return case_next_step(cs->svc, cs->rec.last_step, cs->rec.decision);
}

case_flow *case_flow_open(counter *k, const service *svc)
{
	/* after the supervisor's day close, no new case (said in the clerk's words;
	 * db_case_open refuses it too) */
	anchor_rec closed;
	kerr cerr = { 0 };
	if (db_anchor_get(k->db, clock_today(), &closed, &cerr) == 0) {
		str_var v[] = { { "by", closed.closed_by }, { NULL, NULL } };
		char buf[256];
		/* in trainer mode, with the remedy: a fresh training day */
		counter_say(k, counter_render(k, k->demo ? "case.day_closed_demo" : "case.day_closed", v, buf,
					      sizeof buf));
		return NULL;
	}
	case_flow *cs = flow_new(k, svc);
	kerr err = { 0 };
	if (!cs || db_case_open(k->db, svc, k->user.id, &cs->rec, &err) != 0) {
		case_flow_free(cs);
		counter_say_err(k, &err);
		return NULL;
	}
	return cs;
}

/* The checklist's marks as the store holds them. */
static void marks_from_store(counter *k, case_flow *cs)
{
	kerr err = { 0 };
	material_decision *md = NULL;
	size_t n = 0;
	if (db_case_materials(k->db, cs->rec.case_no, &md, &n, &err) == 0) {
		for (size_t i = 0; i < n; i++)
			checklist_mark(cs->cl, md[i].material_id, md[i].mark,
				       md[i].reason, &err);
		db_material_decisions_free(md, n);
	}
}

case_flow *case_flow_resume(counter *k, const char *case_no)
{
	kerr err = { 0 };
	case_rec rec;
	int got = db_case_get(k->db, case_no, &rec, &err);
	if (got != 0) {
		char buf[256];
		str_var v[] = { { "case", case_no }, { NULL, NULL } };
		if (got == 1) /* the store leaves err empty for a number it does not know */
			counter_say(k, counter_render(k, "case.no_such", v, buf, sizeof buf));
		else
			counter_say_err(k, &err);
		return NULL;
	}
	const service *svc = catalog_service(k->cat, rec.service_id);
	if (!svc) {
		char buf[256];
		str_var v[] = { { "case", case_no }, { "service", rec.service_id }, { NULL, NULL } };
		counter_say(k, counter_render(k, "case.service_gone", v, buf, sizeof buf));
		return NULL;
	}
	case_flow *cs = flow_new(k, svc);
	if (!cs)
		return NULL;
	cs->rec = rec;
	/* Put back what earlier steps recorded, so the later steps have it. */
	for (int i = 0; i < cs->n_fields && i < (int)k->form->n_fields; i++) {
		int pf = party_field_from_name(k->form->fields[i].id);
		if (pf >= 0)
			utf8_copy(cs->text[i], sizeof cs->text[i], party_get(&rec.party, (party_field)pf));
	}
	cs->years = rec.years > 0 ? rec.years : cs->years;
	cs->seals = rec.seals;
	const platform *p = svc->platform;
	for (size_t h = 0; h < p->n_holders; h++)
		if (strcmp(p->holders[h].id, rec.holder) == 0)
			cs->holder_ix = h;
	if (charges_holder(svc) && rec.last_step >= STEP_DETAILS) {
		fee_request fr = { p->n_holders ? &p->holders[cs->holder_ix] : NULL, cs->years, cs->seals };
		fees_quote(k->cat, svc, &fr, &cs->quote, &err);
	} else if (svc->fee_items) {
		fee_request fr = { NULL, 0, 0 };
		fees_quote(k->cat, svc, &fr, &cs->quote, &err);
	}
	/* a seal renewal recorded at 0: its seal was current (the key not read yet) */
	if (svc->kind == SVC_SEAL_RENEW && rec.last_step >= STEP_DETAILS && rec.fee_fen == 0 &&
	    cs->quote.total_fen > 0)
		fees_seal_current(&cs->quote);
	marks_from_store(k, cs);
	cs->decision = rec.decision;
	cs->rongque_deadline = rec.rongque_deadline;
	char detail[160];
	casewords_note(detail, sizeof detail, SN_RESUMED_AT, case_step_name(case_flow_next(cs)), NULL, NULL);
	db_audit_append(k->db, k->user.id, AUD_CASE_RESUME, case_no, detail, &err);
	return cs;
}

#define CASE_MATERIALS_MAX 32

/* What the case holds now, as a step's data (md: room for the marks). */
static case_step_data step_data(const case_flow *cs, material_decision *md, const char *detail)
{
	size_t n = 0;
	for (size_t i = 0; i < cs->cl->n_items && n < CASE_MATERIALS_MAX; i++, n++) {
		const checklist_item *it = &cs->cl->items[i];
		md[n] = (material_decision){ it->sm->material->id, it->mark,
					     it->reason, it->sm->essential };
	}
	return (case_step_data){ .details = &cs->rec, .materials = md, .n_materials = n,
				 .decision = cs->decision, .rongque_deadline = cs->rongque_deadline,
				 .detail = detail ? detail : "" };
}

bool case_flow_commit(counter *k, case_flow *cs, case_step step, const char *detail)
{
	material_decision md[CASE_MATERIALS_MAX];
	case_step_data d = step_data(cs, md, detail);
	kerr err = { 0 };
	if (db_case_step(k->db, cs->svc, k->user.id, cs->rec.case_no, step, &d, &err) != 0 ||
	    db_case_get(k->db, cs->rec.case_no, &cs->rec, &err) != 0) {
		kerr_text(&err, cs->step_msg, sizeof cs->step_msg);
		cs->step_failed = true;
		return false;
	}
	return true;
}

/* ---- going back and corrections ---- */

bool case_flow_recorded(const case_flow *cs, case_step step)
{
	return step != STEP_NONE && cs->rec.last_step != STEP_NONE && step <= cs->rec.last_step &&
	       case_step_applies(cs->svc, step);
}

bool case_flow_past_return(counter *k, const case_flow *cs)
{
	/* the demo key written op by op, or a real key pulled mid-write: the
	 * key holds something already, whatever the store says yet */
	if (cs->token_op_ix > 0 || cs->token_resume)
		return true;
	kerr err = { 0 };
	return db_case_past_return(k->db, cs->rec.case_no, &err) != 0;
}

case_step case_flow_back(counter *k, case_flow *cs, case_step from)
{
	case_step to = STEP_NONE;
	/* the steps a clerk confirms; the supervisor's approval is not gone back
	 * to (a correction takes it back, and it is asked again) */
	for (int s = STEP_DETAILS; s < (int)from; s++)
		if (case_step_correctable((case_step)s) && case_flow_recorded(cs, (case_step)s))
			to = (case_step)s;
	if (to == STEP_NONE)
		return STEP_NONE;
	/* past it Esc goes home, the case kept, as it always did: F3 (on the
	 * payment screen) is the way to correct, and it says so there */
	if (case_flow_past_return(k, cs))
		return STEP_NONE;
	/* marks changed and left without Enter are not the case's: the step
	 * goes back to what was confirmed (the decision stands on it) */
	if (from == STEP_MATERIALS && case_flow_recorded(cs, STEP_MATERIALS))
		marks_from_store(k, cs);
	cs->step_msg[0] = '\0';
	cs->step_failed = false;
	return to;
}

/* What a correction says: that it is logged, or that nothing changed. */
static void say_corrected(counter *k, int rc)
{
	counter_say(k, counter_str(k, rc == 1 ? "correct.unchanged" : "correct.done"));
}

/* A step confirmed: recorded the first time, corrected (old -> new audited,
 * what stood on it taken back) when the clerk came back to it. */
static bool confirm_step(counter *k, case_flow *cs, case_step step, const char *detail)
{
	if (!case_flow_recorded(cs, step))
		return case_flow_commit(k, cs, step, detail);
	if (case_flow_past_return(k, cs)) {
		snprintf(cs->step_msg, sizeof cs->step_msg, "%s", counter_str(k, "correct.past_return"));
		cs->step_failed = true;
		kerr err = { 0 }; /* the record as stored, not as typed */
		db_case_get(k->db, cs->rec.case_no, &cs->rec, &err);
		return false;
	}
	material_decision md[CASE_MATERIALS_MAX];
	case_step_data d = step_data(cs, md, detail);
	case_correction cc = { cs->rec.case_no, k->user.id, step, &d, NULL, NULL };
	kerr err = { 0 };
	int rc = db_case_correct(k->db, cs->svc, &cc, &err);
	if (rc < 0 || db_case_get(k->db, cs->rec.case_no, &cs->rec, &err) != 0) {
		kerr_text(&err, cs->step_msg, sizeof cs->step_msg);
		cs->step_failed = true;
		kerr e2 = { 0 };
		db_case_get(k->db, cs->rec.case_no, &cs->rec, &e2);
		return false;
	}
	cs->decision = cs->rec.decision;
	cs->rongque_deadline = cs->rec.rongque_deadline;
	say_corrected(k, rc);
	return true;
}

bool case_flow_late_field(const counter *k, const case_flow *cs, int i)
{
	if (cs->kinds[i] != CF_FORM)
		return false;
	int pf = party_field_from_name(k->form->fields[i].id);
	return pf == PF_AGENT_NAME || pf == PF_AGENT_ID_NO || pf == PF_AGENT_MOBILE;
}

/* The typed fields put back to what the store holds. */
static void texts_from_record(counter *k, case_flow *cs)
{
	for (int i = 0; i < cs->n_fields && i < (int)k->form->n_fields; i++) {
		int pf = cs->kinds[i] == CF_FORM ? party_field_from_name(k->form->fields[i].id) : -1;
		if (pf >= 0) {
			utf8_copy(cs->text[i], sizeof cs->text[i], party_get(&cs->rec.party, (party_field)pf));
			cs->field_msg[i][0] = '\0';
		}
	}
}

const char *case_late_changes(counter *k, case_flow *cs, char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; i < cs->n_fields; i++) {
		if (!case_flow_late_field(k, cs, i))
			continue;
		char norm[CASE_FIELD_BYTES], msg[64];
		const field_spec *fs = &k->form->fields[i];
		const char *v = form_check_field(fs, cs->text[i], counter_today_ymd(), k->str, k->lg, norm,
						 sizeof norm, msg, sizeof msg) && norm[0] ? norm : cs->text[i];
		const char *old = party_get(&cs->rec.party, (party_field)party_field_from_name(fs->id));
		if (strcmp(old, v) != 0 && len < n) {
			/* in the counter's language: 经办人手机号码：… → …；… */
			char one[512];
			str_var cv[] = { { "field", fs->label[k->lg] }, { "old", old }, { "new", v }, { NULL, NULL } };
			counter_render(k, "correct.change", cv, one, sizeof one);
			len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? counter_str(k, "correct.sep") : "",
						one);
		}
	}
	if (!buf[0])
		snprintf(buf, n, "%s", counter_str(k, "correct.unchanged"));
	return buf;
}

bool case_late_changed(counter *k, case_flow *cs)
{
	char buf[1024];
	return strcmp(case_late_changes(k, cs, buf, sizeof buf), counter_str(k, "correct.unchanged")) != 0;
}

void case_late_abandon(counter *k, case_flow *cs)
{
	texts_from_record(k, cs);
	cs->late_fix = false;
	cs->step_msg[0] = '\0';
	cs->step_failed = false;
}

static void fill_record(counter *k, case_flow *cs);

flow_outcome case_correct_late(counter *k, case_flow *cs, const char *id, char *pin, const char *reason)
{
	cs->step_failed = false;
	cs->step_msg[0] = '\0';
	for (int i = 0; i < cs->n_fields; i++)
		if (case_flow_late_field(k, cs, i) && !case_field_check(k, cs, i)) {
			snprintf(cs->step_msg, sizeof cs->step_msg, "%s", cs->field_msg[i]);
			cs->step_failed = true;
			explicit_bzero(pin, strlen(pin));
			return FLOW_FAILED;
		}
	if (!reason || !reason[0]) {
		snprintf(cs->step_msg, sizeof cs->step_msg, "%s", counter_str(k, "correct.reason_needed"));
		cs->step_failed = true;
		explicit_bzero(pin, strlen(pin));
		return FLOW_FAILED;
	}
	/* the supervisor, as for an approval: not the clerk, the PIN checked */
	if (strcmp(id, k->user.id) == 0 || strcmp(id, cs->rec.clerk_id) == 0) {
		snprintf(cs->step_msg, sizeof cs->step_msg, "%s", counter_str(k, "approval.self"));
		explicit_bzero(pin, strlen(pin));
		return FLOW_FAILED;
	}
	staff_rec who;
	int left = 0;
	kerr err = { 0 };
	login_result r = db_staff_login_as(k->db, id, pin, ROLE_SUPERVISOR, k->cfg->login_max_failures,
					   k->cfg->login_max_wait_s, &who, &left, &err);
	explicit_bzero(pin, strlen(pin));
	if (r == LOGIN_WRONG_ROLE) {
		snprintf(cs->step_msg, sizeof cs->step_msg, "%s", counter_str(k, "approval.not_supervisor"));
		cs->step_failed = true;
		return FLOW_FAILED;
	}
	if (r == LOGIN_LOCKED || (r == LOGIN_BAD_PIN && who.locked_until_ms)) {
		session_wait_text(k, &who, cs->step_msg, sizeof cs->step_msg);
		cs->step_failed = true;
		return FLOW_FAILED;
	}
	if (r != LOGIN_OK) {
		snprintf(cs->step_msg, sizeof cs->step_msg, "%s", counter_str(k, "approval.failed"));
		cs->step_failed = true;
		return FLOW_FAILED;
	}
	db_staff_logout(k->db, who.id, &err);
	/* only the agent's fields are taken from what was typed: the rest is
	 * what the store holds (on the key, in the fee) */
	case_rec stored = cs->rec;
	fill_record(k, cs);
	case_rec fixed = stored;
	for (int f = PF_AGENT_NAME; f <= PF_AGENT_MOBILE; f++)
		party_set(&fixed.party, (party_field)f, party_get(&cs->rec.party, (party_field)f));
	cs->rec = stored;
	material_decision md[CASE_MATERIALS_MAX];
	case_step_data d = step_data(cs, md, NULL);
	d.details = &fixed;
	case_correction cc = { cs->rec.case_no, k->user.id, STEP_DETAILS, &d, who.id, reason };
	int rc = db_case_correct(k->db, cs->svc, &cc, &err);
	if (rc < 0 || db_case_get(k->db, cs->rec.case_no, &cs->rec, &err) != 0) {
		kerr_text(&err, cs->step_msg, sizeof cs->step_msg);
		cs->step_failed = true;
		return FLOW_FAILED;
	}
	texts_from_record(k, cs);
	cs->late_fix = false;
	say_corrected(k, rc);
	return FLOW_NEXT;
}

flow_outcome case_flow_cancel(counter *k, case_flow *cs, const char *why)
{
	return case_flow_cancel_coded(k, cs, NULL, why);
}

flow_outcome case_flow_cancel_coded(counter *k, case_flow *cs, const char *code, const char *why)
{
	kerr err = { 0 };
	if (!why)
		why = cs->rule_msg[0] ? cs->rule_msg : "cancelled by the clerk";
	if (db_case_cancel_coded(k->db, k->user.id, cs->rec.case_no, code, why, &err) != 0) {
		counter_say_err(k, &err);
		return FLOW_FAILED;
	}
	counter_ca_follow(k); /* a certificate the case issued was revoked with it */
	return FLOW_HOME;
}

bool case_flow_withdrawable(const case_flow *cs)
{
	return cs && cs->rec.last_step == STEP_NONE;
}

flow_outcome case_flow_withdraw(counter *k, case_flow *cs)
{
	if (!case_flow_withdrawable(cs)) {
		counter_say(k, counter_str(k, "withdraw.too_late"));
		return FLOW_STAY;
	}
	return case_flow_cancel_coded(k, cs, "withdrawn", counter_str(k, "withdraw.reason"));
}

/* ---- details ---- */

bool case_field_check(counter *k, case_flow *cs, int i)
{
	/* as large as the text: a name's limit is forms.ini's, in characters,
	 * and must not become the bytes of a small buffer */
	char norm[CASE_FIELD_BYTES];
	const char *val = cs->text[i];
	cs->field_msg[i][0] = '\0';
	switch (cs->kinds[i]) {
	case CF_FORM:
		return form_check_field(&k->form->fields[i], val, counter_today_ymd(), k->str, k->lg, norm,
					sizeof norm, cs->field_msg[i], sizeof cs->field_msg[i]);
	case CF_OLD_EXPIRY: {
		long d;
		if (!civil_parse_typed(val, &d)) {
			counter_render(k, "details.bad_date", NULL, cs->field_msg[i], sizeof cs->field_msg[i]);
			return false;
		}
		cs->old_not_after = d;
		cs->old_not_before = civil_add_years(d, -1);
		return true;
	}
	case CF_SEALS: {
		char *end;
		long v = strtol(val, &end, 10);
		if (!val[0] || *end || v < 0 || v > 99) {
			counter_render(k, "details.bad_seals", NULL, cs->field_msg[i], sizeof cs->field_msg[i]);
			return false;
		}
		cs->seals = (int)v;
		return true;
	}
	default:
		return true;
	}
}

/* Characters (code points) of a UTF-8 text. */
static long chars_of(const char *s)
{
	long n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

bool case_field_check_now(const counter *k, const case_flow *cs, int i)
{
	/* A complete value is checked at once, a partial one when the clerk
	 * leaves the field (counted in characters, as typed). */
	long len = chars_of(cs->text[i]);
	bool form = cs->kinds[i] == CF_FORM;
	return len == 0 || (form && k->form->fields[i].type == FT_TEXT) || cs->kinds[i] == CF_SEALS ||
	       len >= 18 || (form && k->form->fields[i].type == FT_MOBILE && len >= 11);
}

void case_requote(counter *k, case_flow *cs)
{
	kerr err = { 0 };
	const platform *p = cs->svc->platform;
	fee_request fr = { charges_holder(cs->svc) && p->n_holders ? &p->holders[cs->holder_ix] : NULL,
			   cs->years, cs->seals };
	if (cs->svc->fee_items && fees_quote(k->cat, cs->svc, &fr, &cs->quote, &err) != 0)
		memset(&cs->quote, 0, sizeof cs->quote);
	/* a seal renewal whose seal already runs to the certificate's end
	 * renews nothing and is charged nothing (known once the key is read) */
	if (cs->key_read && rules_seal_current(cs->svc, cs->key.seal_not_after, cs->key.not_after))
		fees_seal_current(&cs->quote);
}

void case_field_cycle(counter *k, case_flow *cs, int i, int dir)
{
	if (cs->kinds[i] == CF_HOLDER) {
		size_t n = cs->svc->platform->n_holders;
		cs->holder_ix = (size_t)(((int)cs->holder_ix + dir + (int)n) % (int)n);
	} else if (cs->kinds[i] == CF_YEARS) {
		int lo = k->cat->rules.years_min, hi = k->cat->rules.years_max;
		cs->years += dir;
		if (cs->years > hi)
			cs->years = lo;
		if (cs->years < lo)
			cs->years = hi;
	}
	case_requote(k, cs);
}

/* Copy the typed values into the case record. */
static void fill_record(counter *k, case_flow *cs)
{
	case_rec *r = &cs->rec;
	for (int i = 0; i < cs->n_fields; i++) {
		if (cs->kinds[i] != CF_FORM)
			continue;
		char norm[CASE_FIELD_BYTES], msg[64];
		const char *val = cs->text[i];
		const field_spec *fs = &k->form->fields[i];
		const char *v = form_check_field(fs, val, counter_today_ymd(), k->str, k->lg, norm, sizeof norm,
						 msg, sizeof msg) && norm[0] ? norm : val;
		int pf = party_field_from_name(fs->id);
		if (pf >= 0)
			party_set(&r->party, (party_field)pf, v);
	}
	const platform *p = cs->svc->platform;
	bool h = charges_holder(cs->svc);
	snprintf(r->holder, sizeof r->holder, "%s", h && p->n_holders ? p->holders[cs->holder_ix].id : "");
	r->years = h ? cs->years : 0;
	r->seals = h ? cs->seals : 0;
	case_requote(k, cs);
	r->fee_fen = cs->quote.total_fen;
}

void case_read_key(counter *k, case_flow *cs)
{
	cs->key_read = false;
	cs->rule_msg[0] = '\0';
	if (!k->tok) {
		counter_say(k, counter_str(k, "token.status.no_reader"));
		return;
	}
	token_status st = token_read_info(k->tok, &cs->key);
	if (st != TOK_OK) {
		counter_say(k, counter_str(k, token_status_key(st)));
		return;
	}
	cs->key_read = true;
	cs->old_not_after = cs->key.not_after;
	cs->old_not_before = cs->key.not_before;
	case_requote(k, cs);
}

/* The guides' rules for this case, now that the certificate's expiry is known. */
static rule_verdict apply_rules(counter *k, case_flow *cs)
{
	long na = cs->old_not_after >= 0 ? cs->old_not_after : clock_today() + 36500;
	rule_verdict v = rules_check(k->cat, cs->svc, clock_today(), na, cs->key_read);
	char days[24], open[16], exp[16], minv[16], win[16];
	snprintf(days, sizeof days, "%ld", rules_days_left(clock_today(), na));
	snprintf(minv, sizeof minv, "%d", k->cat->rules.seal_upgrade_min_days);
	snprintf(win, sizeof win, "%d", k->cat->rules.renew_window_days);
	civil_format(na - k->cat->rules.renew_window_days, open, sizeof open);
	civil_format(na, exp, sizeof exp);
	str_var vars[] = { { "days", days }, { "open", open }, { "expiry", exp }, { "min", minv },
			   { "window", win }, { NULL, NULL } };
	cs->rule_msg[0] = '\0';
	if (v != RULE_OK)
		counter_render(k, rule_verdict_key(v), vars, cs->rule_msg, sizeof cs->rule_msg);
	return v;
}

flow_outcome case_details_submit(counter *k, case_flow *cs, int *first_bad)
{
	*first_bad = -1;
	for (int i = 0; i < cs->n_fields; i++)
		if (!case_field_check(k, cs, i) && *first_bad < 0)
			*first_bad = i;
	if (*first_bad >= 0)
		return FLOW_FAILED;
	fill_record(k, cs);
	if (cs->svc->key_required) {
		if (!cs->key_read)
			case_read_key(k, cs);
		if (!cs->key_read) {
			snprintf(cs->rule_msg, sizeof cs->rule_msg, "%s", counter_str(k, "rule.key_required"));
			return FLOW_FAILED;
		}
		/* 当前用户所属机构与key信息不一致: caught at the counter. */
		if (token_info_has_cert(&cs->key) && cs->svc->kind != SVC_CHANGE &&
		    (strcmp(cs->key.uscc, cs->rec.party.uscc) != 0 || strcmp(cs->key.unit_name, cs->rec.party.unit_name) != 0)) {
			str_var v[] = { { "unit", cs->key.unit_name }, { "uscc", cs->key.uscc }, { NULL, NULL } };
			counter_render(k, "details.key_mismatch", v, cs->rule_msg, sizeof cs->rule_msg);
			return FLOW_FAILED;
		}
	}
	rule_verdict v = apply_rules(k, cs);
	if (v == RULE_RENEW_AS_NEW)
		return FLOW_ASK_AS_NEW;
	if (v != RULE_OK)
		return FLOW_FAILED; /* the reason is on screen; F8 closes the case with it */
	char detail[256] = "";
	if (cs->key_read) {
		char na[16];
		snprintf(detail, sizeof detail, "key %s, certificate until %s", cs->key.serial,
			 cs->key.not_after >= 0 ? civil_format(cs->key.not_after, na, sizeof na) : "-");
	}
	return confirm_step(k, cs, STEP_DETAILS, detail) ? FLOW_NEXT : FLOW_FAILED;
}

case_flow *case_flow_as_new(counter *k, case_flow *old)
{
	const service *nw = catalog_service_of(k->cat, old->svc->platform, SVC_NEW);
	if (!nw)
		return NULL;
	kerr err = { 0 };
	db_case_cancel(k->db, k->user.id, old->rec.case_no, "certificate expired: handled as a new certificate", &err);
	case_flow *cs = case_flow_open(k, nw);
	if (!cs)
		return NULL;
	for (int i = 0; i < (int)k->form->n_fields; i++)
		memcpy(cs->text[i], old->text[i], sizeof cs->text[i]);
	return cs;
}

/* ---- materials ---- */

bool case_mark(counter *k, case_flow *cs, size_t i, material_mark m, const char *reason)
{
	kerr err = { 0 };
	const checklist_item *it = &cs->cl->items[i];
	if (checklist_mark(cs->cl, it->sm->material->id, m, reason, &err) != 0) {
		counter_say_err(k, &err);
		return false;
	}
	return true;
}

flow_outcome case_materials_submit(counter *k, case_flow *cs)
{
	checklist_result r;
	checklist_evaluate(cs->cl, &r);
	size_t unset = r.n_unset;
	checklist_result_free(&r);
	if (unset) {
		char n[24], buf[256];
		snprintf(n, sizeof n, "%zu", unset);
		str_var v[] = { { "n", n }, { NULL, NULL } };
		counter_say(k, counter_render(k, "materials.unset", v, buf, sizeof buf));
		return FLOW_STAY;
	}
	return confirm_step(k, cs, STEP_MATERIALS, "") ? FLOW_NEXT : FLOW_FAILED;
}

/* ---- decision and approval ---- */

case_decision case_decision_start(counter *k, case_flow *cs)
{
	/* come back to: what was decided, as it was (Enter alone changes nothing) */
	if (case_flow_recorded(cs, STEP_DECISION) && cs->rec.decision != DEC_NONE) {
		cs->decision = cs->rec.decision;
		cs->rongque_deadline = cs->rec.rongque_deadline >= 0 ? cs->rec.rongque_deadline
								     : clock_today() + k->cat->rules.rongque_max_days;
		return cs->decision;
	}
	cs->rongque_deadline = clock_today() + k->cat->rules.rongque_max_days;
	return case_decision_suggested(cs);
}

bool case_decision_open(const case_flow *cs, case_decision d)
{
	checklist_result r;
	checklist_evaluate(cs->cl, &r);
	checklist_verdict v = r.verdict;
	checklist_result_free(&r);
	switch (d) {
	case DEC_ACCEPT:
		return v == CL_COMPLETE;
	case DEC_RONGQUE:
		return v == CL_RONGQUE && cs->svc->rongque_allowed;
	case DEC_REFUSE:
		return true;
	default:
		return false;
	}
}

case_decision case_decision_suggested(const case_flow *cs)
{
	checklist_result r;
	checklist_evaluate(cs->cl, &r);
	case_decision d = r.verdict == CL_COMPLETE ? DEC_ACCEPT : r.verdict == CL_RONGQUE ? DEC_RONGQUE
											  : DEC_REFUSE;
	checklist_result_free(&r);
	return d;
}

flow_outcome case_decide(counter *k, case_flow *cs, case_decision d)
{
	/* 不予受理 comes with a one-time notice of what is missing or defective:
	 * with every material in order there is nothing to tell the customer */
	if (d == DEC_REFUSE) {
		checklist_result r;
		checklist_evaluate(cs->cl, &r);
		size_t n = r.n_notice;
		checklist_result_free(&r);
		if (n == 0) {
			snprintf(cs->step_msg, sizeof cs->step_msg, "%s", counter_str(k, "decision.refuse_nothing"));
			cs->step_failed = true;
			return FLOW_FAILED;
		}
	}
	case_decision was = cs->decision;
	long was_deadline = cs->rongque_deadline;
	cs->decision = d;
	if (cs->decision != DEC_RONGQUE)
		cs->rongque_deadline = -1;
	else if (cs->rongque_deadline < 0) /* a refusal corrected to 容缺: the deadline from today */
		cs->rongque_deadline = clock_today() + k->cat->rules.rongque_max_days;
	if (!confirm_step(k, cs, STEP_DECISION, "")) {
		cs->decision = case_flow_recorded(cs, STEP_DECISION) ? was : DEC_NONE;
		cs->rongque_deadline = case_flow_recorded(cs, STEP_DECISION) ? was_deadline : -1;
		return FLOW_FAILED;
	}
	return FLOW_NEXT;
}

flow_outcome case_approve(counter *k, case_flow *cs, const char *id, char *pin)
{
	if (strcmp(id, k->user.id) == 0 || strcmp(id, cs->rec.clerk_id) == 0) {
		snprintf(cs->step_msg, sizeof cs->step_msg, "%s", counter_str(k, "approval.self"));
		explicit_bzero(pin, strlen(pin));
		return FLOW_FAILED;
	}
	staff_rec who;
	int left = 0;
	kerr err = { 0 };
	/* the role first: a clerk's id with a wrong PIN makes that clerk wait for nothing */
	login_result r = db_staff_login_as(k->db, id, pin, ROLE_SUPERVISOR, k->cfg->login_max_failures,
					   k->cfg->login_max_wait_s, &who, &left, &err);
	explicit_bzero(pin, strlen(pin));
	if (r == LOGIN_WRONG_ROLE) {
		snprintf(cs->step_msg, sizeof cs->step_msg, "%s", counter_str(k, "approval.not_supervisor"));
		return FLOW_FAILED;
	}
	if (r == LOGIN_LOCKED || (r == LOGIN_BAD_PIN && who.locked_until_ms)) {
		session_wait_text(k, &who, cs->step_msg, sizeof cs->step_msg);
		return FLOW_FAILED;
	}
	if (r != LOGIN_OK) {
		snprintf(cs->step_msg, sizeof cs->step_msg, "%s", counter_str(k, "approval.failed"));
		return FLOW_FAILED;
	}
	db_staff_logout(k->db, who.id, &err);
	char detail[96];
	casewords_note(detail, sizeof detail, SN_APPROVED_BY, who.id, NULL, NULL);
	return case_flow_commit(k, cs, STEP_APPROVAL, detail) ? FLOW_NEXT : FLOW_FAILED;
}
