/* train_flow: the trainer's session (demo mode only), without a screen. A
 * session has the scripted customers (kiosk-config/demo/scenarios.ini), a
 * session number of its own and the trainee signed in. A scenario is played
 * on the normal case flow: it starts from the demo keys as shipped (the
 * customer's key in the reader, its PIN locked when the scenario says so) and
 * a fresh demo gateway. The play is scored once, when the trainee decides
 * (受理 / 容缺受理 / 不予受理) or stops the service with a reason, and the row
 * goes to the demo database (db/repo/training_repo.h). Scoring and the words
 * of the sheet: core/train/score.h. A train_session is owned by its caller
 * (train_session_open / train_session_free). */
#ifndef TUI_FLOW_TRAIN_FLOW_H
#define TUI_FLOW_TRAIN_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "core/train/score.h"
#include "db/repo/training_repo.h"
#include "tui/flow/case_flow.h"

typedef struct train_session {
	scenario_set *set;
	char session_no[TRAINING_SESSION_MAX * 4 + 1];
	char trainee[33];
	/* The scenario in hand: played (scored) or being played. */
	int playing;                  /* index, -1 none */
	bool scored;                  /* its row is in training_results */
	char case_no[48];             /* the case it is played on */
	int64_t started_ms;
	char banner[256];             /* "scenario n/total: title" while it is played */
	/* this session's rows, in the order played */
	training_result *rows;
	size_t n_rows;
} train_session;

/* A new session: the scenarios, a free session number, the trainee signed
 * in. NULL with the reason said. */
train_session *train_session_open(counter *k);
void train_session_free(train_session *t);
/* The session's rows again from the store. */
void train_load_rows(counter *k, train_session *t);
/* The scenario in hand, NULL none. */
const scenario *train_played(const train_session *t);
/* Whether scenario i is in hand and not yet scored. */
bool train_in_play(const train_session *t, size_t i);
/* This session's latest result of a scenario, NULL none. */
const training_result *train_result_of(const train_session *t, const char *scenario_id);
/* Whether cs is the case the scenario in hand is played on (the banner shows). */
bool train_on_play_case(const train_session *t, const case_flow *cs);
/* Catch up with what happened to the play's case away from the trainer's
 * screens: a renewal of an expired certificate taken as a new case is the
 * stop the scenario teaches; a case cancelled otherwise is abandoned. */
void train_sync(counter *k, train_session *t, const case_flow *cs);
/* The decision on the play's case was committed: score it. */
void train_decided(counter *k, train_session *t, const case_flow *cs);
/* F8 on the play's case: true when the trainee is to say why the service
 * stops (the stop screen) instead of the plain cancel. */
bool train_wants_stop(counter *k, train_session *t, const case_flow *cs);
/* Score the play with this outcome and keep the row; the marks are those of
 * cs when it is the play's case. 0, or -1 with the reason said. */
int train_record(counter *k, train_session *t, const case_flow *cs, trainee_outcome o, stop_reason r);
/* The demo devices as scenario ix wants them (the caller has no payment
 * query in flight); then its case opened, the banner set, the customer's
 * key read as the case opens, audited. The new case, or NULL said. */
case_flow *train_start(counter *k, train_session *t, size_t ix);
/* The trainee stops the service (reason r, label as shown) or abandons it
 * (cancel): scored, the case cancelled with the reason. 0, or -1 said. */
int train_stop(counter *k, train_session *t, const case_flow *cs, bool cancel, stop_reason r,
	       const char *label);
/* The session ends with the scenario in hand unfinished: abandoned, its case
 * cancelled when still open. 0, or -1 said. */
int train_abandon(counter *k, train_session *t, const case_flow *cs);
/* The trainer's controls during a play: the gateway's next answer fails; the
 * key in the reader gets its PIN locked (serial into serial[n]). 0, or -1
 * with the reason said (no key: 1). */
int train_fail_gateway(counter *k);
int train_lock_pin(counter *k, case_flow *cs, char *serial, size_t n);

#endif
