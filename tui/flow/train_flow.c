#include "tui/flow/train_flow.h"

#include "tui/flow/demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"

train_session *train_session_open(counter *k)
{
	kerr err = { 0 };
	train_session *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->playing = -1;
	if (!(t->set = scenario_set_load(k->cfg->config_dir, k->cat, &err)) ||
	    db_training_next_session(k->db, clock_today(), t->session_no, sizeof t->session_no, &err) != 0) {
		counter_say_err(k, &err);
		train_session_free(t);
		return NULL;
	}
	if (scenario_count(t->set) == 0) {
		counter_say(k, counter_str(k, "train.no_scenarios"));
		train_session_free(t);
		return NULL;
	}
	snprintf(t->trainee, sizeof t->trainee, "%s", k->user.id);
	return t;
}

void train_session_free(train_session *t)
{
	if (!t)
		return;
	free(t->rows);
	scenario_set_free(t->set);
	free(t);
}

void train_load_rows(counter *k, train_session *t)
{
	free(t->rows);
	t->rows = NULL;
	t->n_rows = 0;
	kerr err = { 0 };
	if (db_training_session(k->db, t->session_no, &t->rows, &t->n_rows, &err) != 0)
		counter_say_err(k, &err);
}

const scenario *train_played(const train_session *t)
{
	return t && t->playing >= 0 ? scenario_at(t->set, (size_t)t->playing) : NULL;
}

bool train_in_play(const train_session *t, size_t i)
{
	return t->playing == (int)i && !t->scored;
}

const training_result *train_result_of(const train_session *t, const char *scenario_id)
{
	for (size_t i = t->n_rows; i-- > 0;)
		if (strcmp(t->rows[i].scenario_id, scenario_id) == 0)
			return &t->rows[i];
	return NULL;
}

/* The case in hand is the one the scenario is played on. An expired
 * certificate asked to be renewed is cancelled by the details step and a new
 * case of the platform's new service opens in its place: that one counts as
 * the play's until the play is scored (train_sync()). */
static bool replaced_as_new(const train_session *t, const case_flow *cs)
{
	const scenario *sc = train_played(t);
	return sc && !t->scored && cs && sc->svc->kind == SVC_RENEW && cs->svc->kind == SVC_NEW &&
	       cs->svc->platform == sc->svc->platform && cs->rec.created_ms >= t->started_ms &&
	       strcmp(cs->rec.case_no, t->case_no) != 0;
}

static bool is_play_case(const train_session *t, const case_flow *cs)
{
	return cs && strcmp(cs->rec.case_no, t->case_no) == 0;
}

bool train_on_play_case(const train_session *t, const case_flow *cs)
{
	return t && t->playing >= 0 && cs && (is_play_case(t, cs) || replaced_as_new(t, cs));
}

int train_record(counter *k, train_session *t, const case_flow *cs, trainee_outcome o, stop_reason r)
{
	const scenario *sc = train_played(t);
	if (!sc || t->scored)
		return 0;
	score_mark marks[32];
	size_t n = 0;
	if (is_play_case(t, cs))
		for (size_t i = 0; i < cs->cl->n_items && n < 32; i++) {
			const checklist_item *it = &cs->cl->items[i];
			if (it->mark != MARK_UNSET)
				marks[n++] = (score_mark){ it->sm->material->id, material_mark_name(it->mark) };
		}
	trainee_play play = { o, r, n ? marks : NULL, n };
	score_result res;
	kerr err = { 0 };
	training_result row;
	memset(&row, 0, sizeof row);
	if (score_play(t->set, sc, &play, k->lg, &res, &err) != 0)
		goto fail;
	snprintf(row.session_no, sizeof row.session_no, "%s", t->session_no);
	snprintf(row.trainee, sizeof row.trainee, "%s", t->trainee);
	snprintf(row.scenario_id, sizeof row.scenario_id, "%s", sc->id);
	snprintf(row.case_no, sizeof row.case_no, "%s", t->case_no);
	snprintf(row.expected, sizeof row.expected, "%s", res.expected);
	snprintf(row.decided, sizeof row.decided, "%s", res.decided);
	row.correct = res.correct;
	snprintf(row.missed, sizeof row.missed, "%s", res.missed);
	if (db_training_record(k->db, &row, &err) != 0)
		goto fail;
	t->scored = true;
	train_load_rows(k, t);
	return 0;
fail:
	counter_say_err(k, &err);
	return -1;
}

void train_sync(counter *k, train_session *t, const case_flow *cs)
{
	if (!t || t->playing < 0 || t->scored || is_play_case(t, cs))
		return;
	case_rec r;
	kerr err = { 0 };
	if (db_case_get(k->db, t->case_no, &r, &err) != 0 || r.status != CS_CANCELLED)
		return;
	if (replaced_as_new(t, cs)) {
		train_record(k, t, cs, OUT_STOP, STOP_RENEW_AS_NEW);
		snprintf(t->case_no, sizeof t->case_no, "%s", cs->rec.case_no);
	} else {
		train_record(k, t, cs, OUT_CANCEL, STOP_NONE);
	}
}

void train_decided(counter *k, train_session *t, const case_flow *cs)
{
	if (!t || t->playing < 0)
		return;
	train_sync(k, t, cs);
	if (t->scored || !is_play_case(t, cs))
		return;
	int o = trainee_outcome_of_decision(cs->decision);
	if (o >= 0)
		train_record(k, t, cs, (trainee_outcome)o, STOP_NONE);
}

bool train_wants_stop(counter *k, train_session *t, const case_flow *cs)
{
	if (!t || t->playing < 0)
		return false;
	train_sync(k, t, cs);
	return !t->scored && is_play_case(t, cs);
}

/* The devices as the scenario wants them: the demo keys from keys.ini again
 * (a renewal or a lock changes them in memory), the customer's key in the
 * reader with its PIN locked if the scenario says so, and a gateway with no
 * failure pending (its file keeps the earlier cases' orders, whose trade
 * numbers are theirs alone). */
static int devices_for(counter *k, const scenario *sc, kerr *err)
{
	char keys[1100];
	snprintf(keys, sizeof keys, "%s/demo/keys.ini", k->cfg->config_dir);
	token_dev *tok = token_demo_new(keys, err);
	if (!tok)
		return -1;
	char orders[1100]; /* the same gateway's file: its trade numbers are the cases' */
	pay_dev *pay = pay_demo_open(demo_pay_file(k, orders, sizeof orders), err);
	if (!pay) {
		token_dev_free(tok);
		return -1;
	}
	if (sc->key && (token_demo_insert(tok, sc->key, err) != 0 ||
			(sc->key_pin_locked && token_demo_lock_pin(tok, err) != 0))) {
		token_dev_free(tok);
		pay_dev_free(pay);
		return -1;
	}
	if (k->tok)
		token_dev_free(k->tok);
	if (k->pay)
		pay_dev_free(k->pay);
	k->tok = tok;
	k->pay = pay;
	return 0;
}

case_flow *train_start(counter *k, train_session *t, size_t ix)
{
	const scenario *sc = scenario_at(t->set, ix);
	kerr err = { 0 };
	if (!sc)
		return NULL;
	if (devices_for(k, sc, &err) != 0) {
		counter_say_err(k, &err);
		return NULL;
	}
	int64_t now = clock_now_ms();
	case_flow *cs = case_flow_open(k, sc->svc);
	if (!cs)
		return NULL; /* case_flow_open said why */
	t->playing = (int)ix;
	t->scored = false;
	t->started_ms = now;
	snprintf(t->case_no, sizeof t->case_no, "%s", cs->rec.case_no);
	char n[16], total[16];
	snprintf(n, sizeof n, "%zu", ix + 1);
	snprintf(total, sizeof total, "%zu", scenario_count(t->set));
	str_var v[] = { { "n", n }, { "total", total }, { "title", sc->title[k->lg] }, { NULL, NULL } };
	counter_render(k, "train.banner", v, t->banner, sizeof t->banner);
	/* The customer hands the key over: it is read as the case opens, as the
	 * details step reads a key already in the reader. */
	token_info ki;
	if (sc->key && cs->svc->key_required && token_read_info(k->tok, &ki) == TOK_OK) {
		cs->key = ki;
		cs->key_read = true;
		cs->old_not_after = ki.not_after;
		cs->old_not_before = ki.not_before;
	}
	char detail[sizeof t->session_no + SCENARIO_ID_MAX + 32];
	snprintf(detail, sizeof detail, "session %s, scenario %s", t->session_no, sc->id);
	db_audit_append(k->db, k->user.id, AUD_TRAINING_START, t->case_no, detail, &err);
	return cs;
}

int train_stop(counter *k, train_session *t, const case_flow *cs, bool cancel, stop_reason r,
	       const char *label)
{
	if (train_record(k, t, cs, cancel ? OUT_CANCEL : OUT_STOP, r) != 0)
		return -1;
	char why[512];
	if (cancel)
		snprintf(why, sizeof why, "training: abandoned by the trainee");
	else
		snprintf(why, sizeof why, "training: stopped, %s (%s)", stop_reason_name(r), label);
	kerr err = { 0 };
	if (db_case_cancel(k->db, k->user.id, t->case_no, why, &err) != 0)
		counter_say_err(k, &err);
	return 0;
}

int train_abandon(counter *k, train_session *t, const case_flow *cs)
{
	kerr err = { 0 };
	if (train_record(k, t, cs, OUT_CANCEL, STOP_NONE) != 0)
		return -1;
	case_rec r;
	if (db_case_get(k->db, t->case_no, &r, &err) == 0 && r.status == CS_OPEN &&
	    db_case_cancel(k->db, k->user.id, t->case_no, "training session ended before the case was finished", &err) != 0)
		counter_say_err(k, &err);
	return 0;
}

int train_fail_gateway(counter *k)
{
	kerr err = { 0 };
	if (pay_demo_fail_next(k->pay, PR_GATEWAY, &err) != 0) {
		counter_say_err(k, &err);
		return -1;
	}
	return 0;
}

int train_lock_pin(counter *k, case_flow *cs, char *serial, size_t n)
{
	token_info ki;
	kerr err = { 0 };
	if (!k->tok || token_read_info(k->tok, &ki) != TOK_OK)
		return 1;
	if (token_demo_lock_pin(k->tok, &err) != 0) {
		counter_say_err(k, &err);
		return -1;
	}
	if (cs && cs->key_read && strcmp(cs->key.serial, ki.serial) == 0)
		token_read_info(k->tok, &cs->key);
	snprintf(serial, n, "%s", ki.serial);
	return 0;
}
