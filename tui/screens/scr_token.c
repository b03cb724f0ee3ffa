/* The token screen: the service's key operations, the reader and the key as
 * last seen, for a reissue or a revocation the unit's keys on record (the old
 * key picked, lost or broken), for a binding the unit's keys and where each
 * is bound (with a hall: as the hall knows them); asked once before anything is written, each
 * failure explained (tui/flow/token_flow.c does the work). */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "core/base/civil.h"
#include "tui/screens/screens.h"
#include "tui/term/term.h"

static void token_enter(app *a)
{
	token_flow_enter(&a->k, a->cs);
	a->key_dirty = true;
}

/* A binding: the unit's keys on record here and at the hall, each with its
 * binding as the hall knows it (made at any window or hall). */
static int draw_bind_keys(app *a, int y)
{
	case_flow *cs = a->cs;
	if (!cs->n_old_keys)
		return y;
	draw_text(y++, 4, app_str(a, "tokstep.bind_keys"), COLS - 8);
	for (size_t i = 0; i < cs->n_old_keys && y < LINES - 9; i++) {
		const token_rec *k = &cs->old_keys[i];
		char line[512];
		snprintf(line, sizeof line, "%s  %s", k->serial, app_str(a, token_state_key(k->state)));
		draw_text(y++, 6, line, COLS - 10);
		const reg_key *h = registry_find(cs->hall_keys, cs->n_hall_keys, k->serial);
		if (h && h->bound_agent[0]) {
			str_var v[] = { { "agent", h->bound_agent }, { "uscc", h->bound_uscc },
					{ "kiosk", h->bound_kiosk }, { "hall", h->bound_hall },
					{ NULL, NULL } };
			draw_text(y++, 8, app_render(a, "tokstep.bound_at", v, line, sizeof line), COLS - 12);
		}
	}
	return y + 1;
}

/* Reissue and revocation: the unit's keys on record, the one picked marked,
 * and for a reissue whether it was lost or broken. */
static int draw_old_keys(app *a, int y)
{
	case_flow *cs = a->cs;
	if (!a->k.demo && cs->svc->kind == SVC_BIND)
		return draw_bind_keys(a, y);
	if (a->k.demo || (cs->svc->kind != SVC_REISSUE && cs->svc->kind != SVC_REVOKE))
		return y;
	if (!cs->n_old_keys) {
		draw_wrapped(y, 4, COLS - 8, 2, app_str(a, "tokstep.old_none"));
		return y + 2;
	}
	draw_text(y++, 4, app_str(a, cs->n_old_keys > 1 ? "tokstep.old_pick" : "tokstep.old_one"), COLS - 8);
	for (size_t i = 0; i < cs->n_old_keys && y < LINES - 8; i++, y++) {
		const token_rec *k = &cs->old_keys[i];
		char na[16], line[512];
		snprintf(line, sizeof line, "%s %s  %s  %s  %s", i == cs->old_sel ? "▶" : " ", k->serial,
			 k->cert_serial, k->cert_not_after >= 0 ? civil_format(k->cert_not_after, na, sizeof na) : "-",
			 app_str(a, token_state_key(k->state)));
		if (i == cs->old_sel)
			attron(term_attr(ST_SELECT));
		draw_text(y, 6, line, COLS - 10);
		if (i == cs->old_sel)
			attroff(term_attr(ST_SELECT));
	}
	if (cs->svc->kind == SVC_REISSUE)
		draw_text(y++, 6, app_str(a, cs->old_broken ? "tokstep.old_broken" : "tokstep.old_lost"), COLS - 10);
	return y + 1;
}

static void token_draw(app *a)
{
	case_flow *cs = a->cs;
	/* which reader the key is read through (a counter may have two) */
	const char *reader = a->k.demo ? "" : token_pcsc_reader(a->k.tok);
	if (reader[0]) {
		char buf[256];
		str_var v[] = { { "reader", reader }, { NULL, NULL } };
		draw_text(LINES - 3, 2, app_render(a, "tokstep.reader", v, buf, sizeof buf), COLS - 4);
	}
	attron(A_BOLD);
	draw_text(3, 2, cs->svc->label[a->k.lg], COLS - 4);
	attroff(A_BOLD);
	int y = 5;
	for (size_t i = 0; i < cs->svc->n_token_ops; i++, y++) {
		token_op op = cs->svc->token_ops[i];
		char name[64];
		snprintf(name, sizeof name, "token.%s", token_op_name(op));
		const char *mark = (int)i < cs->token_op_ix ? "✓" : (int)i == cs->token_op_ix ? "→" : " ";
		draw_text(y, 4, mark, 2);
		draw_text(y, 7, app_str(a, name), COLS - 10);
	}
	y++;
	y = draw_old_keys(a, y);
	const token_info *k = &a->key_info;
	if (a->key_seen && a->key_st == TOK_OK) {
		char na[16], sa[16], buf[512];
		str_var v[] = { { "serial", k->serial }, { "unit", k->unit_name[0] ? k->unit_name : "-" },
				{ "uscc", k->uscc[0] ? k->uscc : "-" },
				{ "expiry", k->not_after >= 0 ? civil_format(k->not_after, na, sizeof na) : "-" },
				{ "seal", k->seal_not_after >= 0 ? civil_format(k->seal_not_after, sa, sizeof sa) : "-" },
				{ NULL, NULL } };
		draw_wrapped(y, 4, COLS - 8, 2,
			     k->personalised ? app_render(a, "details.key_info", v, buf, sizeof buf)
					     : app_render(a, "tokstep.key_blank", v, buf, sizeof buf));
		if (k->personalised && k->blocked) {
			attron(term_attr(ST_ERROR));
			draw_text(y + 2, 4, app_str(a, "details.key_pin_locked"), COLS - 8);
			attroff(term_attr(ST_ERROR));
		}
		/* the customer's own YubiKey or PIV card, taken by the CA's choice */
		if (token_pcsc_piv_only(a->k.tok)) {
			str_var p[] = { { "pin", a->k.cat->rules.initial_pin }, { NULL, NULL } };
			draw_wrapped(y + 3, 4, COLS - 8, 2,
				     app_render(a, "tokstep.key_piv_only", p, buf, sizeof buf));
		}
	} else if (a->key_seen) {
		draw_wrapped(y, 4, COLS - 8, 2, app_str(a, token_status_key(a->key_st)));
	} else if (!a->k.demo && a->reader_st == TOK_NO_READER) {
		draw_wrapped(y, 4, COLS - 8, 2, app_str(a, "token.status.no_reader"));
	} else {
		draw_text(y, 4, app_str(a, a->k.demo ? "details.insert_key_demo" : "details.insert_key"), COLS - 8);
	}
	if (cs->step_msg[0]) {
		attron(term_attr(cs->step_failed ? ST_ERROR : ST_OK));
		draw_wrapped(LINES - 6, 2, COLS - 4, 3, cs->step_msg);
		attroff(term_attr(cs->step_failed ? ST_ERROR : ST_OK));
	}
}

static void run(app *a)
{
	case_react(a, token_flow_run(&a->k, a->cs));
}

static bool token_act(app *a, action_id act)
{
	case_flow *cs = a->cs;
	if (act == ACT_NONE) {
		/* a real key came back after being pulled mid-write: finish */
		if (!a->k.demo && a->key_seen && a->key_st == TOK_OK &&
		    token_flow_resume_due(cs, a->key_info.serial))
			run(a);
		return true;
	}
	if (act == ACT_OLD_REASON) {
		if (cs->svc->kind == SVC_REISSUE)
			cs->old_broken = !cs->old_broken;
		return true;
	}
	if (act != ACT_NEXT)
		return case_common_act(a, act);
	/* a real kiosk writes the key the clerk sees in the reader, no other */
	bool key_in = a->key_seen && a->key_st == TOK_OK;
	token_flow_confirm(cs, !a->k.demo && key_in ? a->key_info.serial : "");
	/* asked only once there is a key to write and it passed the checks:
	 * with none the run stops at once and says so (a revocation goes on
	 * without the key, so it asks); a key that fails is told, not asked */
	if (token_flow_writes(&a->k, cs) && (key_in || cs->svc->kind == SVC_REVOKE)) {
		if (token_flow_precheck(&a->k, cs, key_in ? &a->key_info : NULL) == FLOW_NEXT)
			app_ask(a, app_str(a, "token.ask_write"), run);
	}
	else
		run(a);
	return true;
}

static bool token_key(app *a, const key_event *ev)
{
	case_flow *cs = a->cs;
	if (a->k.demo || cs->n_old_keys < 2 || cs->svc->kind == SVC_BIND)
		return false;
	if (key_is(ev, KEY_UP) && cs->old_sel > 0)
		cs->old_sel--;
	else if (key_is(ev, KEY_DOWN) && cs->old_sel + 1 < cs->n_old_keys)
		cs->old_sel++;
	else
		return false;
	return true;
}

const screen_ops scr_token = { SCR_TOKEN, 0, false, token_enter, NULL, token_draw, token_key, token_act };
