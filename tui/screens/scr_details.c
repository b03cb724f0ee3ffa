/* The details screen: unit and agent validated as typed, the key read where
 * the service needs it, the guides' time rules, holder type, term and seals
 * for the fee (tui/flow/case_flow.c checks and commits). */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "core/base/civil.h"
#include "tui/screens/screens.h"
#include "tui/term/term.h"

/* The fields as they are edited; what they hold is copied into the case
 * (cs->text) at every key, so leaving the screen loses nothing. */
typedef struct details_state {
	edit_field fields[CASE_FIELDS];
	int focus;
} details_state;

static const char *field_label(const app *a, const case_flow *cs, int i)
{
	switch (cs->kinds[i]) {
	case CF_FORM:
		return a->k.form->fields[i].label[a->k.lg];
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

static void details_enter(app *a)
{
	details_state *st = app_private(a);
	case_flow *cs = a->cs;
	for (int i = 0; i < cs->n_fields; i++) {
		/* a name takes as many characters as forms.ini says, not bytes */
		if (cs->kinds[i] == CF_FORM && a->k.form->fields[i].type == FT_TEXT)
			st->fields[i].max = a->k.form->fields[i].max_chars;
		edit_set(&st->fields[i], cs->text[i]);
	}
	st->focus = 0;
	/* the fee is there from the start (the holder and term have defaults) */
	case_requote(&a->k, cs);
	/* a key already in the reader is read, not asked for: the status line
	 * says it is there, so the screen must not ask to insert it */
	bool present = false;
	if (cs->svc->key_required && !cs->key_read && a->k.tok &&
	    token_present(a->k.tok, &present) == TOK_OK && present)
		case_read_key(&a->k, cs);
}

static void draw_key_info(app *a, case_flow *cs, int y)
{
	char buf[512], na[16], sn[16];
	if (!cs->key_read) {
		draw_text(y, 4, app_str(a, a->k.demo ? "details.insert_key_demo" : "details.insert_key"), COLS - 8);
		return;
	}
	const token_info *k = &cs->key;
	str_var v[] = { { "serial", k->serial }, { "unit", k->unit_name[0] ? k->unit_name : "-" },
			{ "uscc", k->uscc[0] ? k->uscc : "-" },
			{ "expiry", k->not_after >= 0 ? civil_format(k->not_after, na, sizeof na) : "-" },
			{ "seal", k->seal_not_after >= 0 ? civil_format(k->seal_not_after, sn, sizeof sn) : "-" },
			{ NULL, NULL } };
	draw_wrapped(y, 4, COLS - 8, 2, app_render(a, "details.key_info", v, buf, sizeof buf));
	if (k->blocked) { /* said before anything that needs the PIN is tried */
		attron(term_attr(ST_ERROR));
		draw_text(y + 2, 4, app_str(a, "details.key_pin_locked"), COLS - 8);
		attroff(term_attr(ST_ERROR));
	}
}

static void details_draw(app *a)
{
	case_flow *cs = a->cs;
	details_state *st = app_private(a);
	attron(A_BOLD);
	draw_text(3, 2, cs->late_fix ? app_str(a, "correct.late_heading") : cs->svc->label[a->k.lg], COLS - 4);
	attroff(A_BOLD);
	int y = 5;
	int shown = -1; /* the field whose reason is shown: the focused one, else the first */
	/* the labels' column as wide as the longest label in this language */
	int lw = 20;
	for (int i = 0; i < cs->n_fields; i++)
		if (text_cols(field_label(a, cs, i)) > lw)
			lw = text_cols(field_label(a, cs, i));
	int fx = 4 + lw, fw = COLS - fx - 4 < 40 ? COLS - fx - 4 : 40;
	for (int i = 0; i < cs->n_fields; i++, y++) {
		draw_text(y, 2, field_label(a, cs, i), lw);
		if (cs->kinds[i] == CF_HOLDER || cs->kinds[i] == CF_YEARS) {
			char buf[128];
			const platform *p = cs->svc->platform;
			if (cs->kinds[i] == CF_HOLDER)
				snprintf(buf, sizeof buf, "< %s >", p->holders[cs->holder_ix].label[a->k.lg]);
			else {
				char n[8];
				snprintf(n, sizeof n, "%d", cs->years);
				str_var v[] = { { "n", n }, { NULL, NULL } };
				char t[64];
				snprintf(buf, sizeof buf, "< %s >", app_render(a, "details.n_years", v, t, sizeof t));
			}
			/* a long holder type goes on to a second row, never cut */
			int rows = text_cols(buf) > COLS - fx - 2 ? 2 : 1;
			attron(term_attr(st->focus == i ? ST_SELECT : ST_FIELD));
			draw_wrapped(y, fx, COLS - fx - 2, rows, buf);
			attroff(term_attr(st->focus == i ? ST_SELECT : ST_FIELD));
			y += rows - 1;
		} else {
			draw_field(y, fx, fw, &st->fields[i], st->focus == i);
		}
		if (cs->field_msg[i][0]) {
			attron(term_attr(ST_ERROR));
			draw_text(y, fx + fw + 1, "✗", 2);
			attroff(term_attr(ST_ERROR));
			if (shown < 0 || i == st->focus)
				shown = i;
		}
	}
	y++;
	if (cs->svc->key_required) {
		draw_key_info(a, cs, y++);
		if (cs->key_read && cs->key.blocked)
			y++; /* the locked PIN's line */
	}
	if (cs->quote.n_lines) {
		char yuan[32], buf[128];
		str_var v[] = { { "amount", fees_format_yuan(cs->quote.total_fen, yuan, sizeof yuan) }, { NULL, NULL } };
		draw_text(++y, 4, app_render(a, "details.fee", v, buf, sizeof buf), COLS - 8);
		/* a seal renewal with nothing to renew: why nothing is due */
		for (int i = 0; i < cs->quote.n_lines; i++)
			if (cs->quote.lines[i].current)
				draw_wrapped(++y, 4, COLS - 8, 2, app_str(a, "details.fee_seal_current"));
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

static bool details_key(app *a, const key_event *ev)
{
	case_flow *cs = a->cs;
	details_state *st = app_private(a);
	int i = st->focus;
	if (key_is(ev, KEY_UP)) {
		st->focus = (i + cs->n_fields - 1) % cs->n_fields;
		return true;
	}
	if (key_is(ev, KEY_DOWN)) {
		st->focus = (i + 1) % cs->n_fields;
		return true;
	}
	if (cs->late_fix && !case_flow_late_field(&a->k, cs, i)) {
		/* on the key or in the fee: looked at, not changed */
		if (key_is(ev, KEY_LEFT) || key_is(ev, KEY_RIGHT) || !ev->func || key_is(ev, KEY_BACKSPACE) ||
		    key_is(ev, KEY_DC)) {
			app_flash(a, app_str(a, "correct.late_only"));
			return true;
		}
		return false;
	}
	if (cs->kinds[i] == CF_HOLDER || cs->kinds[i] == CF_YEARS) {
		int dir = key_is(ev, KEY_LEFT) ? -1 : key_is(ev, KEY_RIGHT) || key_is_char(ev, L' ') ? 1 : 0;
		if (!dir)
			return false;
		case_field_cycle(&a->k, cs, i, dir);
		return true;
	}
	if (edit_key(&st->fields[i], ev)) {
		if (st->fields[i].refused) {
			char n[16], buf[256];
			snprintf(n, sizeof n, "%d", st->fields[i].max);
			str_var v[] = { { "field", field_label(a, cs, i) }, { "max", n }, { NULL, NULL } };
			app_flash(a, app_render(a, "details.field_full", v, buf, sizeof buf));
			return true;
		}
		edit_get(&st->fields[i], cs->text[i], sizeof cs->text[i]);
		/* Validated as typed: a complete value is checked at once, a partial one
		 * when the clerk leaves the field. */
		if (case_field_check_now(&a->k, cs, i))
			case_field_check(&a->k, cs, i);
		else
			cs->field_msg[i][0] = '\0';
		if (cs->kinds[i] == CF_SEALS)
			case_requote(&a->k, cs);
		return true;
	}
	return false;
}

/* An expired certificate renews like a new one: this case is closed and a new
 * case of the platform's new service opens with what was typed. */
static void renew_as_new(app *a)
{
	case_flow *nw = case_flow_as_new(&a->k, a->cs);
	if (!nw)
		return;
	case_end(a);
	a->cs = nw;
	case_goto_next(a);
}

static bool details_next(app *a)
{
	case_flow *cs = a->cs;
	details_state *st = app_private(a);
	int first_bad;
	flow_outcome out = case_details_submit(&a->k, cs, &first_bad);
	if (first_bad >= 0) {
		st->focus = first_bad;
		return true;
	}
	if (out == FLOW_ASK_AS_NEW) {
		char q[640];
		strings_join(cs->rule_msg, app_str(a, "details.ask_as_new"), q, sizeof q);
		app_ask(a, q, renew_as_new);
		return true;
	}
	case_react(a, out);
	return true;
}

/* Past the point of no return: the agent's fields checked, then the
 * supervisor's approval with a reason (the approval screen). */
static bool late_act(app *a, action_id act)
{
	case_flow *cs = a->cs;
	details_state *st = app_private(a);
	if (act == ACT_BACK) { /* nothing corrected: the case as the store holds it */
		case_late_abandon(&a->k, cs);
		case_goto_next(a);
		return true;
	}
	if (act != ACT_NEXT)
		return false;
	if (st->focus + 1 < cs->n_fields) {
		case_field_check(&a->k, cs, st->focus);
		st->focus++;
		return true;
	}
	for (int i = 0; i < cs->n_fields; i++)
		if (case_flow_late_field(&a->k, cs, i) && !case_field_check(&a->k, cs, i)) {
			st->focus = i;
			return true;
		}
	/* nothing changed: nothing for a supervisor to approve */
	if (!case_late_changed(&a->k, cs)) {
		app_flash(a, app_str(a, "correct.unchanged_no_approval"));
		return true;
	}
	app_go(a, SCR_APPROVAL);
	return true;
}

static bool details_act(app *a, action_id act)
{
	case_flow *cs = a->cs;
	details_state *st = app_private(a);
	if (cs->late_fix && late_act(a, act))
		return true;
	if (act == ACT_FIELD || act == ACT_FIELD_BACK) {
		case_field_check(&a->k, cs, st->focus);
		st->focus = (st->focus + (act == ACT_FIELD ? 1 : cs->n_fields - 1)) % cs->n_fields;
		return true;
	}
	if (act == ACT_NEXT) {
		if (st->focus + 1 < cs->n_fields) {
			case_field_check(&a->k, cs, st->focus);
			st->focus++;
			return true;
		}
		return details_next(a);
	}
	return case_common_act(a, act);
}

const screen_ops scr_details = { SCR_DETAILS, sizeof(details_state), false, details_enter, NULL,
				 details_draw, details_key, details_act };
