/* The case in progress: starting, resuming after a restart at the step it
 * reached, committing each step with its audit row (db_case_step), and the
 * details screen (unit and agent validated as typed, the key read where the
 * service needs it, the guides' time rules, holder type, term and seals for
 * the fee). */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/base/clock.h"
#include "core/case/rules.h"
#include "core/base/utf8.h"
#include "db/repo/anchor_repo.h"
#include "tui/term/term.h"
#include "tui/app/app.h"

static const screen_id step_screen[STEP_COUNT] = {
	[STEP_DETAILS] = SCR_DETAILS,   [STEP_MATERIALS] = SCR_MATERIALS,
	[STEP_DECISION] = SCR_DECISION, [STEP_APPROVAL] = SCR_APPROVAL,
	[STEP_TOKEN] = SCR_TOKEN,       [STEP_PAYMENT] = SCR_PAYMENT,
	[STEP_SLIP] = SCR_SLIP,
};

static bool charges_holder(const service *s)
{
	return service_charges(s, FEE_OPENING) || service_charges(s, FEE_ANNUAL) ||
	       service_charges(s, FEE_SEAL);
}

/* The fields of the details screen for this service. */
static void layout_fields(app *a, case_ctx *cs)
{
	int n = 0;
	for (size_t i = 0; i < a->form->n_fields && n < CASE_FIELDS; i++)
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

static case_ctx *ctx_new(app *a, const service *svc)
{
	case_ctx *cs = calloc(1, sizeof *cs);
	if (!cs)
		return NULL;
	cs->svc = svc;
	cs->years = a->cat->rules.years_min;
	cs->seals = svc->platform->has_seals && service_charges(svc, FEE_SEAL) ? 1 : 0;
	cs->old_not_after = cs->old_not_before = -1;
	cs->rongque_deadline = -1;
	cs->cl = checklist_new(svc);
	layout_fields(a, cs);
	for (int i = 0; i < cs->n_fields; i++)
		if (cs->kinds[i] == CF_SEALS)
			edit_set(&cs->fields[i], "1");
	cs->approver_pin.secret = true;
	return cs;
}

void case_end(app *a)
{
	if (!a->cs)
		return;
	payment_poll_wait(a);
	checklist_free(a->cs->cl);
	free(a->cs->slip_text);
	free(a->cs->old_keys);
	free(a->cs);
	a->cs = NULL;
}

void case_goto_next(app *a)
{
	case_ctx *cs = a->cs;
	case_step next = case_next_step(cs->svc, cs->rec.last_step, cs->rec.decision);
	if (next == STEP_NONE) {
		case_end(a);
		app_go(a, SCR_HOME);
		return;
	}
	cs->step_msg[0] = '\0';
	cs->step_failed = false;
	app_go(a, step_screen[next]);
}

void case_start(app *a, const service *svc)
{
	/* after the supervisor's day close, no new case (said in the clerk's words;
	 * db_case_open refuses it too) */
	anchor_rec closed;
	kerr cerr = { 0 };
	if (db_anchor_get(a->db, clock_today(), &closed, &cerr) == 0) {
		str_var v[] = { { "by", closed.closed_by }, { NULL, NULL } };
		char buf[256];
		app_flash(a, app_render(a, "case.day_closed", v, buf, sizeof buf));
		return;
	}
	case_end(a);
	case_ctx *cs = ctx_new(a, svc);
	kerr err = { 0 };
	if (!cs || db_case_open(a->db, svc, a->user.id, &cs->rec, &err) != 0) {
		if (cs) {
			checklist_free(cs->cl);
			free(cs);
		}
		app_flash_err(a, &err);
		return;
	}
	a->cs = cs;
	case_goto_next(a);
}

int case_resume(app *a, const char *case_no)
{
	kerr err = { 0 };
	if (a->cs && strcmp(a->cs->rec.case_no, case_no) == 0) {
		case_goto_next(a); /* the case left with Esc: what was typed is still here */
		return 0;
	}
	case_rec rec;
	if (db_case_get(a->db, case_no, &rec, &err) != 0) {
		app_flash_err(a, &err);
		return -1;
	}
	const service *svc = catalog_service(a->cat, rec.service_id);
	if (!svc) {
		kerr_set(&err, rec.service_id, "this case's service is no longer in the catalogue");
		app_flash_err(a, &err);
		return -1;
	}
	case_end(a);
	case_ctx *cs = ctx_new(a, svc);
	if (!cs)
		return -1;
	cs->rec = rec;
	a->cs = cs;
	/* Put back what earlier steps recorded, so the later screens have it. */
	const char *vals[] = { rec.unit_name, rec.uscc, rec.agent_name, rec.agent_id_no, rec.agent_mobile };
	for (int i = 0; i < cs->n_fields && i < (int)a->form->n_fields; i++) {
		const char *id = a->form->fields[i].id;
		static const char *const ids[] = { "unit_name", "uscc", "agent_name", "agent_id_no", "agent_mobile" };
		for (int k = 0; k < 5; k++)
			if (strcmp(id, ids[k]) == 0)
				edit_set(&cs->fields[i], vals[k]);
	}
	cs->years = rec.years > 0 ? rec.years : cs->years;
	cs->seals = rec.seals;
	const platform *p = svc->platform;
	for (size_t h = 0; h < p->n_holders; h++)
		if (strcmp(p->holders[h].id, rec.holder) == 0)
			cs->holder_ix = h;
	if (charges_holder(svc) && rec.last_step >= STEP_DETAILS) {
		fee_request fr = { p->n_holders ? &p->holders[cs->holder_ix] : NULL, cs->years, cs->seals };
		fees_quote(a->cat, svc, &fr, &cs->quote, &err);
	} else if (svc->fee_items) {
		fee_request fr = { NULL, 0, 0 };
		fees_quote(a->cat, svc, &fr, &cs->quote, &err);
	}
	material_decision *md = NULL;
	size_t n = 0;
	if (db_case_materials(a->db, case_no, &md, &n, &err) == 0) {
		for (size_t i = 0; i < n; i++)
			checklist_mark(cs->cl, md[i].material_id, material_mark_from_name(md[i].mark),
				       md[i].reason, &err);
		db_material_decisions_free(md, n);
	}
	cs->decision = rec.decision;
	cs->rongque_deadline = rec.rongque_deadline;
	char detail[160];
	snprintf(detail, sizeof detail, "resumed at %s",
		 case_step_name(case_next_step(svc, rec.last_step, rec.decision)));
	db_audit_append(a->db, a->user.id, "case.resume", case_no, detail, &err);
	case_goto_next(a);
	return 0;
}

bool case_commit(app *a, case_step step, const char *detail)
{
	case_ctx *cs = a->cs;
	material_decision md[32];
	size_t n = 0;
	for (size_t i = 0; i < cs->cl->n_items && n < 32; i++, n++) {
		const checklist_item *it = &cs->cl->items[i];
		md[n] = (material_decision){ it->sm->material->id, material_mark_name(it->mark),
					     it->reason, it->sm->essential };
	}
	case_step_data d = { .details = &cs->rec, .materials = md, .n_materials = n,
			     .decision = cs->decision, .rongque_deadline = cs->rongque_deadline,
			     .detail = detail ? detail : "" };
	kerr err = { 0 };
	if (db_case_step(a->db, cs->svc, a->user.id, cs->rec.case_no, step, &d, &err) != 0 ||
	    db_case_get(a->db, cs->rec.case_no, &cs->rec, &err) != 0) {
		kerr_text(&err, cs->step_msg, sizeof cs->step_msg);
		cs->step_failed = true;
		return false;
	}
	return true;
}

/* ---- the details screen ---- */

static const char *field_label(const app *a, const case_ctx *cs, int i)
{
	switch (cs->kinds[i]) {
	case CF_FORM:
		return a->form->fields[i].label[a->lg];
	case CF_OLD_EXPIRY:
		return app_str(a, "details.old_expiry");
	case CF_HOLDER:
		return app_str(a, "details.holder");
	case CF_YEARS:
		return app_str(a, "details.years");
	case CF_SEALS:
		return app_str(a, "details.seals");
	}
	return "";
}

/* Check field i; its message is left in cs->field_msg[i]. */
static bool check_field(app *a, case_ctx *cs, int i)
{
	char val[512], norm[128];
	edit_get(&cs->fields[i], val, sizeof val);
	cs->field_msg[i][0] = '\0';
	switch (cs->kinds[i]) {
	case CF_FORM:
		return form_check_field(&a->form->fields[i], val, app_today_ymd(), a->str, a->lg, norm,
					sizeof norm, cs->field_msg[i], sizeof cs->field_msg[i]);
	case CF_OLD_EXPIRY: {
		long d;
		if (!civil_parse(val, &d)) {
			app_render(a, "details.bad_date", NULL, cs->field_msg[i], sizeof cs->field_msg[i]);
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
			app_render(a, "details.bad_seals", NULL, cs->field_msg[i], sizeof cs->field_msg[i]);
			return false;
		}
		cs->seals = (int)v;
		return true;
	}
	default:
		return true;
	}
}

static void details_enter(app *a)
{
	a->cs->focus = 0;
}

static void draw_key_info(app *a, case_ctx *cs, int y)
{
	char buf[512], na[16], sn[16];
	if (!cs->key_read) {
		draw_text(y, 4, app_str(a, a->demo ? "details.insert_key_demo" : "details.insert_key"), COLS - 8);
		return;
	}
	const token_info *k = &cs->key;
	str_var v[] = { { "serial", k->serial }, { "unit", k->unit_name[0] ? k->unit_name : "-" },
			{ "uscc", k->uscc[0] ? k->uscc : "-" },
			{ "expiry", k->not_after >= 0 ? civil_format(k->not_after, na, sizeof na) : "-" },
			{ "seal", k->seal_not_after >= 0 ? civil_format(k->seal_not_after, sn, sizeof sn) : "-" },
			{ NULL, NULL } };
	draw_wrapped(y, 4, COLS - 8, 2, app_render(a, "details.key_info", v, buf, sizeof buf));
}

static void details_draw(app *a)
{
	case_ctx *cs = a->cs;
	attron(A_BOLD);
	draw_text(3, 2, cs->svc->label[a->lg], COLS - 4);
	attroff(A_BOLD);
	int y = 5;
	int shown = -1; /* the field whose reason is shown: the focused one, else the first */
	for (int i = 0; i < cs->n_fields; i++, y++) {
		draw_text(y, 2, field_label(a, cs, i), 22);
		if (cs->kinds[i] == CF_HOLDER || cs->kinds[i] == CF_YEARS) {
			char buf[128];
			const platform *p = cs->svc->platform;
			if (cs->kinds[i] == CF_HOLDER)
				snprintf(buf, sizeof buf, "< %s >", p->holders[cs->holder_ix].label[a->lg]);
			else {
				char n[8];
				snprintf(n, sizeof n, "%d", cs->years);
				str_var v[] = { { "n", n }, { NULL, NULL } };
				char t[64];
				snprintf(buf, sizeof buf, "< %s >", app_render(a, "details.n_years", v, t, sizeof t));
			}
			attron(term_attr(cs->focus == i ? ST_SELECT : ST_FIELD));
			draw_text(y, 24, buf, COLS - 26);
			attroff(term_attr(cs->focus == i ? ST_SELECT : ST_FIELD));
		} else {
			draw_field(y, 24, 40, &cs->fields[i], cs->focus == i);
		}
		if (cs->field_msg[i][0]) {
			attron(term_attr(ST_ERROR));
			draw_text(y, 65, "✗", 2);
			attroff(term_attr(ST_ERROR));
			if (shown < 0 || i == cs->focus)
				shown = i;
		}
	}
	y++;
	if (cs->svc->key_required)
		draw_key_info(a, cs, y++);
	if (cs->quote.n_lines) {
		char yuan[32], buf[128];
		str_var v[] = { { "amount", fees_format_yuan(cs->quote.total_fen, yuan, sizeof yuan) }, { NULL, NULL } };
		draw_text(++y, 4, app_render(a, "details.fee", v, buf, sizeof buf), COLS - 8);
	}
	attron(term_attr(ST_ERROR));
	const char *why = cs->rule_msg[0] ? cs->rule_msg : cs->step_msg;
	if (why[0]) {
		draw_wrapped(LINES - 5, 2, COLS - 4, 3, why);
	} else if (shown >= 0) {
		/* Every field that is wrong says why, the focused one first. */
		int row = LINES - 5;
		draw_text(row++, 2, cs->field_msg[shown], COLS - 4);
		for (int i = 0; i < cs->n_fields && row < LINES - 2; i++)
			if (i != shown && cs->field_msg[i][0])
				draw_text(row++, 2, cs->field_msg[i], COLS - 4);
	}
	attroff(term_attr(ST_ERROR));
}

static void requote(app *a, case_ctx *cs)
{
	kerr err = { 0 };
	const platform *p = cs->svc->platform;
	fee_request fr = { charges_holder(cs->svc) && p->n_holders ? &p->holders[cs->holder_ix] : NULL,
			   cs->years, cs->seals };
	if (cs->svc->fee_items && fees_quote(a->cat, cs->svc, &fr, &cs->quote, &err) != 0)
		memset(&cs->quote, 0, sizeof cs->quote);
}

static bool details_key(app *a, const key_event *ev)
{
	case_ctx *cs = a->cs;
	int i = cs->focus;
	if (key_is(ev, KEY_UP)) {
		cs->focus = (i + cs->n_fields - 1) % cs->n_fields;
		return true;
	}
	if (key_is(ev, KEY_DOWN)) {
		cs->focus = (i + 1) % cs->n_fields;
		return true;
	}
	if (cs->kinds[i] == CF_HOLDER || cs->kinds[i] == CF_YEARS) {
		int dir = key_is(ev, KEY_LEFT) ? -1 : key_is(ev, KEY_RIGHT) || key_is_char(ev, L' ') ? 1 : 0;
		if (!dir)
			return false;
		if (cs->kinds[i] == CF_HOLDER) {
			size_t n = cs->svc->platform->n_holders;
			cs->holder_ix = (size_t)(((int)cs->holder_ix + dir + (int)n) % (int)n);
		} else {
			int lo = a->cat->rules.years_min, hi = a->cat->rules.years_max;
			cs->years += dir;
			if (cs->years > hi)
				cs->years = lo;
			if (cs->years < lo)
				cs->years = hi;
		}
		requote(a, cs);
		return true;
	}
	if (edit_key(&cs->fields[i], ev)) {
		/* Validated as typed: a complete value is checked at once, a partial one
		 * when the clerk leaves the field. */
		if (cs->fields[i].len == 0 || (cs->kinds[i] == CF_FORM &&
		    a->form->fields[i].type == FT_TEXT) || cs->kinds[i] == CF_SEALS ||
		    cs->fields[i].len >= 18 || (cs->kinds[i] == CF_FORM &&
		    a->form->fields[i].type == FT_MOBILE && cs->fields[i].len >= 11))
			check_field(a, cs, i);
		else
			cs->field_msg[i][0] = '\0';
		if (cs->kinds[i] == CF_SEALS)
			requote(a, cs);
		return true;
	}
	return false;
}

/* Copy the typed values into the case record. */
static void fill_record(app *a, case_ctx *cs)
{
	case_rec *r = &cs->rec;
	for (int i = 0; i < cs->n_fields; i++) {
		if (cs->kinds[i] != CF_FORM)
			continue;
		char val[512], norm[128], msg[64];
		edit_get(&cs->fields[i], val, sizeof val);
		const field_spec *fs = &a->form->fields[i];
		const char *v = form_check_field(fs, val, app_today_ymd(), a->str, a->lg, norm, sizeof norm,
						 msg, sizeof msg) && norm[0] ? norm : val;
		if (strcmp(fs->id, "unit_name") == 0)
			utf8_copy(r->unit_name, sizeof r->unit_name, v);
		else if (strcmp(fs->id, "uscc") == 0)
			utf8_copy(r->uscc, sizeof r->uscc, v);
		else if (strcmp(fs->id, "agent_name") == 0)
			utf8_copy(r->agent_name, sizeof r->agent_name, v);
		else if (strcmp(fs->id, "agent_id_no") == 0)
			utf8_copy(r->agent_id_no, sizeof r->agent_id_no, v);
		else if (strcmp(fs->id, "agent_mobile") == 0)
			utf8_copy(r->agent_mobile, sizeof r->agent_mobile, v);
	}
	const platform *p = cs->svc->platform;
	bool h = charges_holder(cs->svc);
	snprintf(r->holder, sizeof r->holder, "%s", h && p->n_holders ? p->holders[cs->holder_ix].id : "");
	r->years = h ? cs->years : 0;
	r->seals = h ? cs->seals : 0;
	requote(a, cs);
	r->fee_fen = cs->quote.total_fen;
}

/* Read the key in the slot (F5 in demo mode puts the next demo key in). */
static void read_key(app *a, case_ctx *cs)
{
	cs->key_read = false;
	cs->rule_msg[0] = '\0';
	if (!a->tok) {
		app_flash(a, app_str(a, "token.status.no_reader"));
		return;
	}
	token_status st = token_read_info(a->tok, &cs->key);
	if (st != TOK_OK) {
		app_flash(a, app_str(a, token_status_key(st)));
		return;
	}
	cs->key_read = true;
	cs->old_not_after = cs->key.not_after;
	cs->old_not_before = cs->key.not_before;
}

/* The guides' rules for this case, now that the certificate's expiry is known. */
static rule_verdict apply_rules(app *a, case_ctx *cs)
{
	long na = cs->old_not_after >= 0 ? cs->old_not_after : clock_today() + 36500;
	rule_verdict v = rules_check(a->cat, cs->svc, clock_today(), na, cs->key_read);
	char days[24], open[16], exp[16], minv[16], win[16];
	snprintf(days, sizeof days, "%ld", rules_days_left(clock_today(), na));
	snprintf(minv, sizeof minv, "%d", a->cat->rules.seal_upgrade_min_days);
	snprintf(win, sizeof win, "%d", a->cat->rules.renew_window_days);
	civil_format(na - a->cat->rules.renew_window_days, open, sizeof open);
	civil_format(na, exp, sizeof exp);
	str_var vars[] = { { "days", days }, { "open", open }, { "expiry", exp }, { "min", minv },
			   { "window", win }, { NULL, NULL } };
	cs->rule_msg[0] = '\0';
	if (v != RULE_OK)
		app_render(a, rule_verdict_key(v), vars, cs->rule_msg, sizeof cs->rule_msg);
	return v;
}

/* An expired certificate renews like a new one: this case is closed and a new
 * case of the platform's new service opens with what was typed. */
static void renew_as_new(app *a)
{
	case_ctx *old = a->cs;
	const service *nw = catalog_service_of(a->cat, old->svc->platform, SVC_NEW);
	if (!nw)
		return;
	edit_field keep[CASE_FIELDS];
	memcpy(keep, old->fields, sizeof keep);
	kerr err = { 0 };
	db_case_cancel(a->db, a->user.id, old->rec.case_no, "certificate expired: handled as a new certificate", &err);
	case_start(a, nw);
	if (!a->cs)
		return;
	for (int i = 0; i < (int)a->form->n_fields; i++)
		a->cs->fields[i] = keep[i];
}

static bool details_next(app *a)
{
	case_ctx *cs = a->cs;
	bool ok = true;
	int first_bad = -1;
	for (int i = 0; i < cs->n_fields; i++)
		if (!check_field(a, cs, i) && first_bad < 0) {
			ok = false;
			first_bad = i;
		}
	if (!ok) {
		cs->focus = first_bad;
		return true;
	}
	fill_record(a, cs);
	if (cs->svc->key_required) {
		if (!cs->key_read)
			read_key(a, cs);
		if (!cs->key_read) {
			snprintf(cs->rule_msg, sizeof cs->rule_msg, "%s", app_str(a, "rule.key_required"));
			return true;
		}
		/* 当前用户所属机构与key信息不一致: caught at the counter. */
		if (token_info_has_cert(&cs->key) && cs->svc->kind != SVC_CHANGE &&
		    (strcmp(cs->key.uscc, cs->rec.uscc) != 0 || strcmp(cs->key.unit_name, cs->rec.unit_name) != 0)) {
			str_var v[] = { { "unit", cs->key.unit_name }, { "uscc", cs->key.uscc }, { NULL, NULL } };
			app_render(a, "details.key_mismatch", v, cs->rule_msg, sizeof cs->rule_msg);
			return true;
		}
	}
	rule_verdict v = apply_rules(a, cs);
	if (v == RULE_RENEW_AS_NEW) {
		char q[640];
		snprintf(q, sizeof q, "%s %s", cs->rule_msg, app_str(a, "details.ask_as_new"));
		app_ask(a, q, renew_as_new);
		return true;
	}
	if (v != RULE_OK)
		return true; /* the reason is on screen; F8 closes the case with it */
	char detail[256] = "";
	if (cs->key_read) {
		char na[16];
		snprintf(detail, sizeof detail, "key %s, certificate until %s", cs->key.serial,
			 cs->key.not_after >= 0 ? civil_format(cs->key.not_after, na, sizeof na) : "-");
	}
	if (case_commit(a, STEP_DETAILS, detail))
		case_goto_next(a);
	return true;
}

static void cancel_case(app *a)
{
	kerr err = { 0 };
	const char *why = a->cs->rule_msg[0] ? a->cs->rule_msg : "cancelled by the clerk";
	if (db_case_cancel(a->db, a->user.id, a->cs->rec.case_no, why, &err) != 0) {
		app_flash_err(a, &err);
		return;
	}
	case_end(a);
	app_go(a, SCR_HOME);
}

/* Case-wide actions every case screen shares: F8 cancels, Esc goes home with
 * the case kept (it can be resumed), F5/F6 put a demo key in and take it out. */
bool case_common_act(app *a, action_id act)
{
	switch (act) {
	case ACT_CANCEL:
		if (train_on_cancel(a))
			return true;
		app_ask(a, app_str(a, "case.ask_cancel"), cancel_case);
		return true;
	case ACT_T_GATEWAY:
	case ACT_T_PIN_LOCK:
		return train_control(a, act);
	case ACT_BACK:
		/* Nothing typed is lost: the case stays in memory (and its committed
		 * steps in the database) and Enter on it at home comes back here. */
		app_go(a, SCR_HOME);
		return true;
	case ACT_KEY_IN:
		if (a->demo) {
			token_demo_entry keys[32];
			kerr err = { 0 };
			long n = token_demo_list(a->tok, keys, 32, &err);
			long cur = -1;
			for (long i = 0; i < n; i++)
				if (keys[i].in_slot)
					cur = i;
			if (n > 0) {
				token_demo_pull(a->tok, &err);
				token_demo_insert(a->tok, keys[(cur + 1) % n].serial, &err);
			}
		}
		if (a->screen == SCR_DETAILS) {
			read_key(a, a->cs);
		}
		return true;
	case ACT_KEY_OUT:
		if (a->demo) {
			kerr err = { 0 };
			token_demo_pull(a->tok, &err);
		}
		a->cs->key_read = false;
		return true;
	default:
		return false;
	}
}

static bool details_act(app *a, action_id act)
{
	case_ctx *cs = a->cs;
	if (act == ACT_FIELD) {
		check_field(a, cs, cs->focus);
		cs->focus = (cs->focus + 1) % cs->n_fields;
		return true;
	}
	if (act == ACT_NEXT) {
		if (cs->focus + 1 < cs->n_fields) {
			check_field(a, cs, cs->focus);
			cs->focus++;
			return true;
		}
		return details_next(a);
	}
	return case_common_act(a, act);
}

const screen_ops scr_details = { SCR_DETAILS, details_enter, details_draw, details_key, details_act };
