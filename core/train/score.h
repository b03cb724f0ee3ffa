/* score: how a trainee played one scenario, against what the scenario expects.
 * The play is the outcome the trainee ended with (a decision, a stop with its
 * reason, or giving up) and the checklist marks recorded on the way; the score
 * says right or wrong and, when wrong, what was missed, one item per line in
 * the language asked for, from the [messages] of scenarios.ini: a wrong
 * outcome, a wrong reason to stop, each material marked otherwise than it was
 * brought, then the scenario's teaching point. Pure functions over values;
 * every buffer is the caller's. */
#ifndef CORE_SCORE_H
#define CORE_SCORE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/base/err.h"
#include "core/train/scenario.h"
#include "core/base/strings.h"

/* One checklist mark as the trainee recorded it. mark is a checklist mark
 * name (material_mark_name() in core/case/marks.h: "received", "missing",
 * "defective"); NULL or "unset" is a material left unmarked. */
typedef struct score_mark {
	const char *material_id;
	const char *mark;
} score_mark;

typedef struct trainee_play {
	trainee_outcome outcome;
	stop_reason reason;        /* with OUT_STOP; ignored otherwise */
	const score_mark *marks;   /* the materials step as recorded; NULL/0 if not reached */
	size_t n_marks;
} trainee_play;

/* An outcome as one word for the score sheet (training_results.expected and
 * .decided): the outcome's name, and for a stop "stop:<reason>". */
#define SCORE_WORD_MAX   48
#define SCORE_MISSED_MAX 4096

typedef struct score_result {
	bool correct;
	char expected[SCORE_WORD_MAX];
	char decided[SCORE_WORD_MAX];
	char missed[SCORE_MISSED_MAX]; /* "" when correct; else items, '\n' between */
	int mistakes;                  /* items in missed, not counting the teaching point */
} score_result;

/* Score a play of sc (a scenario of set) in language l. The materials are
 * compared when the scenario expects a checklist decision and the trainee
 * reached the checklist (recorded marks, or decided: a decision comes after
 * the checklist, so a material without a mark then counts as not checked); a
 * stop comes before the checklist, so a stop scenario scores the outcome and
 * its reason only. Returns 0, or -1 with err
 * for a play that cannot be scored (unknown outcome or reason, a material the
 * service does not have or marked twice, an unknown mark name). */
int score_play(const scenario_set *set, const scenario *sc, const trainee_play *play, lang l,
	       score_result *out, kerr *err);

/* "accept", "stop:key_mismatch" into buf (>= SCORE_WORD_MAX); returns buf. */
const char *score_word(trainee_outcome o, stop_reason r, char *buf, size_t n);
/* The reverse; false for anything score_word() does not make. */
bool score_word_parse(const char *word, trainee_outcome *o, stop_reason *r);
/* A word as the trainer reads it ("不予受理", "停办（未到更新期）") from the
 * set's [messages]; the word itself when it does not parse. Returns buf. */
const char *score_word_text(const scenario_set *set, const char *word, lang l, char *buf,
			    size_t n);

#endif
