#include "tui/flow/token_flow.h"

#include <stdio.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/base/clock.h"
#include "forms/casewords.h"
#include "core/token/cert.h"
#include "db/repo/token_repo.h"

ENUM_DEFINE_KEY(tokstep_refusal, TOKSTEP_REFUSALS, "tokstep.store_failed")

static bool op_writes(token_op op)
{
	return op != TOP_READ && op != TOP_REVOKE_OLD;
}

void token_flow_enter(counter *k, case_flow *cs)
{
	cs->token_op_ix = 0;
	cs->step_msg[0] = '\0';
	cs->token_resume = false;
	cs->confirm_serial[0] = '\0';
	if (!k->demo)
		tokstep_load_old_keys(k, cs);
}

bool token_flow_writes(const counter *k, const case_flow *cs)
{
	/* the demo runs op by op and asks about what is left; a real run is whole */
	size_t from = k->demo ? (size_t)cs->token_op_ix : 0;
	bool writes = false;
	for (size_t i = from; i < cs->svc->n_token_ops; i++)
		writes |= op_writes(cs->svc->token_ops[i]);
	return writes;
}

void token_flow_confirm(case_flow *cs, const char *serial)
{
	cs->step_failed = false;
	cs->step_msg[0] = '\0';
	snprintf(cs->confirm_serial, sizeof cs->confirm_serial, "%s", serial);
}

bool token_flow_resume_due(const case_flow *cs, const char *serial)
{
	return cs->token_resume && (!cs->confirm_serial[0] || strcmp(serial, cs->confirm_serial) == 0);
}

/* ---- the demo key, op by op ---- */

static token_status run_op(counter *k, case_flow *cs, token_op op, char *note, size_t n)
{
	bool present = false;
	if (k->tok)
		token_present(k->tok, &present);
	note[0] = '\0';
	switch (op) {
	case TOP_REVOKE_OLD:
		casewords_note(note, n, SN_OLD_REVOKED, NULL, NULL, NULL);
		return TOK_OK;
	case TOP_ERASE:
		if (!present) {
			casewords_note(note, n, SN_NOTHING_ERASED, NULL, NULL, NULL);
			return TOK_OK;
		}
		return token_erase(k->tok);
	default:
		break;
	}
	if (!k->tok)
		return TOK_NO_READER;
	if (!present)
		return TOK_NO_KEY;
	switch (op) {
	case TOP_READ: {
		token_info ki;
		token_status st = token_read_info(k->tok, &ki);
		if (st == TOK_OK)
			casewords_note(note, n, SN_READ_KEY, ki.serial, NULL, NULL);
		return st;
	}
	case TOP_PERSONALISE:
		return token_personalise_alg(k->tok, k->cat->rules.initial_pin,
					     cs->svc->platform->key_alg);
	case TOP_WRITE_CERT: {
		long nb, na;
		long today = clock_today();
		rules_new_validity(cs->svc, today, cs->old_not_before >= 0 ? cs->old_not_before : today,
				   cs->old_not_after >= 0 ? cs->old_not_after : today, cs->rec.years > 0 ? cs->rec.years : 1,
				   &nb, &na);
		/* The demo key has no issuer behind it: the serial is the case
		 * number in hex, unique and the same on a retry. */
		char serial[TOKEN_CERT_SERIAL_MAX + 1];
		size_t o = 0;
		for (const char *p = cs->rec.case_no; *p && o + 2 < sizeof serial; p++, o += 2)
			snprintf(serial + o, 3, "%02x", (unsigned char)*p);
		serial[o] = '\0';
		token_cert c = { cs->rec.party.unit_name, cs->rec.party.uscc, serial, nb, na, NULL, 0,
				 0, false, -1 };
		token_status st = token_write_cert(k->tok, &c);
		char d1[16], d2[16];
		if (st == TOK_OK)
			casewords_note(note, n, SN_CERT_DAYS, civil_format(nb, d1, sizeof d1),
				       civil_format(na, d2, sizeof d2), NULL);
		cs->old_not_after = na;
		cs->old_not_before = nb;
		return st;
	}
	case TOP_WRITE_SEAL: {
		token_info ki;
		token_status st = token_read_info(k->tok, &ki);
		if (st != TOK_OK)
			return st;
		return token_write_seal(k->tok, ki.not_after);
	}
	case TOP_RESET_PIN:
		return token_reset_pin(k->tok, k->cat->rules.initial_pin);
	default:
		return TOK_NOT_SUPPORTED;
	}
}

static flow_outcome demo_refuse(counter *k, case_flow *cs, const char *key, const str_var *v)
{
	counter_render(k, key, v, cs->step_msg, sizeof cs->step_msg);
	cs->step_failed = true;
	return FLOW_FAILED;
}

/* The key in the reader (ki) against the service before anything is
 * written: a new certificate goes on a key without one; a revocation erases
 * only the case unit's key; the customer's own key must be the unit's
 * (所属机构与key信息不一致), and in the demo a locked user PIN stops every
 * service that leaves the key in use but the unlock (as the trainer's
 * scenarios expect). The real key part (tokstep.c) makes the same checks on
 * the certificate itself; here, on a key of the case's unit, it may still
 * find this case's own earlier write (a resumed run), so a real key is
 * refused only where no resume can explain it. FLOW_NEXT: go on. */
static flow_outcome check_info(counter *k, case_flow *cs, const token_info *ki)
{
	str_var sv[] = { { "serial", ki->serial }, { NULL, NULL } };
	cert_info ci;
	memset(&ci, 0, sizeof ci);
	snprintf(ci.unit_name, sizeof ci.unit_name, "%s", ki->unit_name);
	snprintf(ci.uscc, sizeof ci.uscc, "%s", ki->uscc);
	cert_match m = cert_compare(&ci, cs->rec.party.unit_name, cs->rec.party.uscc);
	str_var mv[] = { { "cert_unit", ki->unit_name }, { "cert_uscc", ki->uscc },
			 { "case_unit", cs->rec.party.unit_name }, { "case_uscc", cs->rec.party.uscc },
			 { NULL, NULL } };
	bool cert = token_info_has_cert(ki);
	switch (cs->svc->kind) {
	case SVC_NEW:
	case SVC_REISSUE:
		if (cert && (k->demo || m != CERT_MATCH))
			return demo_refuse(k, cs, tokstep_refusal_key(TSR_KEY_IN_USE), sv);
		return FLOW_NEXT;
	case SVC_REVOKE:
		if (!cert) {
			/* a real key of this unit on record, erased by an earlier
			 * run that did not get to record it, is recorded by the run */
			token_rec r;
			kerr err = { 0 };
			if (!k->demo && k->db && db_token_get(k->db, ki->serial, &r, &err) == 0 &&
			    (r.state == TS_ACTIVE || r.state == TS_SUSPENDED) &&
			    strcmp(r.uscc, cs->rec.party.uscc) == 0)
				return FLOW_NEXT;
			return demo_refuse(k, cs, tokstep_refusal_key(TSR_NO_CERT_ON_KEY), sv);
		}
		if (m != CERT_MATCH)
			return demo_refuse(k, cs, cert_match_key(m), mv);
		return FLOW_NEXT;
	default:
		break;
	}
	if (!ki->personalised) {
		snprintf(cs->step_msg, sizeof cs->step_msg, "%s", counter_str(k, token_status_key(TOK_NOT_PERSONALISED)));
		cs->step_failed = true;
		return FLOW_FAILED;
	}
	if (cert && ((cs->svc->kind != SVC_CHANGE && m != CERT_MATCH) ||
		     (cs->svc->kind == SVC_CHANGE && m == CERT_BOTH_DIFFER)))
		return demo_refuse(k, cs, cert_match_key(m), mv);
	if (k->demo && ki->blocked && cs->svc->kind != SVC_UNLOCK)
		return demo_refuse(k, cs, "tokstep.demo_pin_locked", sv);
	return FLOW_NEXT;
}

/* The demo key gets the checks the real key part makes (tokstep.c) before
 * anything is written: the key the clerk agreed to, then check_info. */
static flow_outcome demo_checks(counter *k, case_flow *cs)
{
	bool present = false;
	if (!k->tok || token_present(k->tok, &present) != TOK_OK || !present)
		return FLOW_NEXT; /* no key: the ops say so (a revocation without the key) */
	token_info ki;
	token_status st = token_read_info(k->tok, &ki);
	if (st != TOK_OK) {
		snprintf(cs->step_msg, sizeof cs->step_msg, "%s", counter_str(k, token_status_key(st)));
		cs->step_failed = true;
		return FLOW_FAILED;
	}
	if (cs->confirm_serial[0] && strcmp(cs->confirm_serial, ki.serial) != 0) {
		str_var v[] = { { "serial", ki.serial }, { "confirmed", cs->confirm_serial }, { NULL, NULL } };
		return demo_refuse(k, cs, tokstep_refusal_key(TSR_OTHER_KEY), v);
	}
	return check_info(k, cs, &ki);
}

flow_outcome token_flow_precheck(counter *k, case_flow *cs, const token_info *ki)
{
	if (k->demo)
		return cs->token_op_ix == 0 ? demo_checks(k, cs) : FLOW_NEXT;
	if (!ki)
		return FLOW_NEXT;
	return check_info(k, cs, ki);
}

static flow_outcome run_demo(counter *k, case_flow *cs)
{
	char detail[1024] = "", note[160];
	if (cs->token_op_ix == 0 && demo_checks(k, cs) != FLOW_NEXT)
		return FLOW_FAILED;
	while (cs->token_op_ix < (int)cs->svc->n_token_ops) {
		token_op op = cs->svc->token_ops[cs->token_op_ix];
		token_status st = run_op(k, cs, op, note, sizeof note);
		if (st != TOK_OK) {
			snprintf(cs->step_msg, sizeof cs->step_msg, "%s", counter_str(k, token_status_key(st)));
			cs->step_failed = true;
			return FLOW_FAILED;
		}
		size_t len = strlen(detail);
		snprintf(detail + len, sizeof detail - len, "%s%s%s%s", len ? "; " : "", token_op_name(op),
			 note[0] ? ": " : "", note);
		cs->token_op_ix++;
	}
	return case_flow_commit(k, cs, STEP_TOKEN, detail) ? FLOW_NEXT : FLOW_FAILED;
}

flow_outcome token_flow_run(counter *k, case_flow *cs)
{
	if (k->demo)
		return run_demo(k, cs);
	return tokstep_run(k, cs) ? FLOW_NEXT : FLOW_FAILED;
}
