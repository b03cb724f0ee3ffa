/* score: a trainee's play of a scenario against what it expects (score.h). */
#include "core/train/score.h"

#include <stdio.h>
#include <string.h>

/* ---- text building: bounded, never cut inside a UTF-8 character ---- */

typedef struct outbuf {
	char *buf;
	size_t n, used;
	bool full;
} outbuf;

static void put(outbuf *o, const char *s, size_t len)
{
	if (o->full || o->n == 0)
		return;
	size_t room = o->n - 1 - o->used;
	if (len > room) {
		size_t k = room;
		while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
			k--;
		len = k;
		o->full = true;
	}
	memcpy(o->buf + o->used, s, len);
	o->used += len;
	o->buf[o->used] = '\0';
}

static void puts_(outbuf *o, const char *s)
{
	put(o, s, strlen(s));
}

typedef struct var {
	const char *name;
	const char *value;
} var;

/* text with each {name} of vars replaced (an unknown {name} stays as it is,
 * so a typo in scenarios.ini shows on the sheet instead of vanishing). */
static void render(outbuf *o, const char *text, const var *vars, size_t n_vars)
{
	const char *p = text;
	while (*p) {
		const char *open = strchr(p, '{');
		if (!open) {
			puts_(o, p);
			return;
		}
		const char *close = strchr(open, '}');
		const var *hit = NULL;
		if (close)
			for (size_t i = 0; i < n_vars && !hit; i++)
				if (strlen(vars[i].name) == (size_t)(close - open - 1) &&
				    memcmp(vars[i].name, open + 1, (size_t)(close - open - 1)) == 0)
					hit = &vars[i];
		if (!hit) {
			put(o, p, (size_t)(open - p) + 1);
			p = open + 1;
			continue;
		}
		put(o, p, (size_t)(open - p));
		puts_(o, hit->value ? hit->value : "");
		p = close + 1;
	}
}

static const char *msg(const scenario_set *set, const char *key, lang l)
{
	const char *t = scenario_message(set, key, l);
	return t ? t : key;
}

/* ---- outcome words ---- */

const char *score_word(trainee_outcome o, stop_reason r, char *buf, size_t n)
{
	if (!buf || n == 0)
		return buf;
	if (o == OUT_STOP)
		snprintf(buf, n, "%s:%s", trainee_outcome_name(o), stop_reason_name(r));
	else
		snprintf(buf, n, "%s", trainee_outcome_name(o));
	return buf;
}

bool score_word_parse(const char *word, trainee_outcome *o, stop_reason *r)
{
	if (!word)
		return false;
	const char *colon = strchr(word, ':');
	char head[SCORE_WORD_MAX];
	size_t hl = colon ? (size_t)(colon - word) : strlen(word);
	if (hl >= sizeof head)
		return false;
	memcpy(head, word, hl);
	head[hl] = '\0';
	int oo = trainee_outcome_from_name(head);
	if (oo < 0)
		return false;
	int rr = STOP_NONE;
	if (oo == OUT_STOP) {
		if (!colon || (rr = stop_reason_from_name(colon + 1)) < 0)
			return false;
	} else if (colon) {
		return false;
	}
	if (o)
		*o = (trainee_outcome)oo;
	if (r)
		*r = (stop_reason)rr;
	return true;
}

static void word_text(outbuf *o, const scenario_set *set, trainee_outcome oc, stop_reason r,
		      lang l)
{
	const char *label = msg(set, trainee_outcome_key(oc), l);
	if (oc != OUT_STOP) {
		puts_(o, label);
		return;
	}
	var v[] = { { "outcome", label }, { "reason", msg(set, stop_reason_key(r), l) } };
	render(o, msg(set, scenario_msg_key(SMSG_WORD_STOP), l), v, 2);
}

const char *score_word_text(const scenario_set *set, const char *word, lang l, char *buf,
			    size_t n)
{
	if (!buf || n == 0)
		return buf;
	buf[0] = '\0';
	outbuf o = { buf, n, 0, false };
	trainee_outcome oc;
	stop_reason r;
	if (!score_word_parse(word, &oc, &r) || (unsigned)l >= LANG_COUNT)
		puts_(&o, word ? word : "");
	else
		word_text(&o, set, oc, r, l);
	return buf;
}

/* ---- scoring ---- */

static bool mark_known(const char *mark)
{
	for (int b = 0; b < BR_COUNT; b++)
		if (strcmp(brought_state_mark((brought_state)b), mark) == 0)
			return true;
	return false;
}

static bool unmarked(const char *mark)
{
	return !mark || !mark[0] || strcmp(mark, "unset") == 0;
}

/* The trainee's marks are for this scenario's service, each once, with known names. */
static int check_marks(const scenario *sc, const trainee_play *play, kerr *err)
{
	if (play->n_marks && !play->marks)
		return kerr_set(err, "score", "%zu marks announced but none given", play->n_marks);
	for (size_t i = 0; i < play->n_marks; i++) {
		const score_mark *m = &play->marks[i];
		if (!m->material_id || !scenario_material_of(sc, m->material_id))
			return kerr_set(err, "score", "material '%s' is not one of service %s's; "
					"score the marks of this scenario's checklist",
					m->material_id ? m->material_id : "", sc->svc->id);
		if (!unmarked(m->mark) && !mark_known(m->mark))
			return kerr_set(err, "score", "mark '%s' for %s is not a checklist mark "
					"(received, missing, defective)", m->mark, m->material_id);
		for (size_t k = 0; k < i; k++)
			if (strcmp(play->marks[k].material_id, m->material_id) == 0)
				return kerr_set(err, "score", "material %s is marked twice",
						m->material_id);
	}
	return 0;
}

static const char *trainee_mark(const trainee_play *play, const char *material_id)
{
	for (size_t i = 0; i < play->n_marks; i++)
		if (strcmp(play->marks[i].material_id, material_id) == 0)
			return unmarked(play->marks[i].mark) ? NULL : play->marks[i].mark;
	return NULL;
}

static bool is_decision(trainee_outcome o)
{
	return o == OUT_ACCEPT || o == OUT_RONGQUE || o == OUT_REFUSE;
}

/* Start a new item of the missed list. */
static void item(outbuf *o, score_result *out)
{
	if (o->used)
		puts_(o, "\n");
	out->mistakes++;
}

static void mark_label(const scenario_set *set, const char *mark, lang l, char *buf, size_t n)
{
	char key[64];
	snprintf(key, sizeof key, "mark.%s", mark);
	snprintf(buf, n, "%s", msg(set, key, l));
}

int score_play(const scenario_set *set, const scenario *sc, const trainee_play *play, lang l,
	       score_result *out, kerr *err)
{
	if (out)
		memset(out, 0, sizeof *out);
	if (!set || !sc || !play || !out)
		return kerr_set(err, "score", "score_play needs the set, the scenario, the play "
				"and a result");
	if ((unsigned)l >= LANG_COUNT)
		return kerr_set(err, "score", "unknown language %d", (int)l);
	if ((unsigned)play->outcome >= OUT_COUNT)
		return kerr_set(err, "score", "unknown trainee outcome %d", (int)play->outcome);
	stop_reason pr = play->outcome == OUT_STOP ? play->reason : STOP_NONE;
	if ((unsigned)pr >= STOP_COUNT)
		return kerr_set(err, "score", "unknown stop reason %d", (int)pr);
	if (check_marks(sc, play, err) < 0)
		return -1;

	score_word(sc->expected, sc->expected_reason, out->expected, sizeof out->expected);
	score_word(play->outcome, pr, out->decided, sizeof out->decided);
	outbuf o = { out->missed, sizeof out->missed, 0, false };

	if (play->outcome != sc->expected) {
		char want[256], got[256];
		outbuf w = { want, sizeof want, 0, false }, g = { got, sizeof got, 0, false };
		want[0] = got[0] = '\0';
		word_text(&w, set, sc->expected, sc->expected_reason, l);
		word_text(&g, set, play->outcome, pr, l);
		var v[] = { { "expected", want }, { "decided", got } };
		item(&o, out);
		render(&o, msg(set, scenario_msg_key(SMSG_MISSED_OUTCOME), l), v, 2);
	} else if (sc->expected == OUT_STOP && pr != sc->expected_reason) {
		var v[] = { { "expected", msg(set, stop_reason_key(sc->expected_reason), l) },
			    { "decided", msg(set, stop_reason_key(pr), l) } };
		item(&o, out);
		render(&o, msg(set, scenario_msg_key(SMSG_MISSED_REASON), l), v, 2);
	}

	/* The checklist counts when the scenario's answer is a decision and the
	 * trainee got as far as the checklist (a decision always comes after it). */
	if (is_decision(sc->expected) && (play->n_marks || is_decision(play->outcome))) {
		for (size_t i = 0; i < sc->n_materials; i++) {
			const scenario_material *m = &sc->materials[i];
			const char *want = brought_state_mark(m->brought);
			const char *got = trainee_mark(play, m->sm->material->id);
			if (got && strcmp(got, want) == 0)
				continue;
			char wl[128], gl[128] = "";
			mark_label(set, want, l, wl, sizeof wl);
			var v[] = { { "material", m->sm->material->label[l] },
				    { "brought", msg(set, brought_state_key(m->brought), l) },
				    { "want", wl },
				    { "got", gl } };
			item(&o, out);
			if (!got) {
				render(&o, msg(set, scenario_msg_key(SMSG_MISSED_UNMARKED), l), v, 3);
			} else {
				mark_label(set, got, l, gl, sizeof gl);
				render(&o, msg(set, scenario_msg_key(SMSG_MISSED_MARK), l), v, 4);
			}
		}
	}

	out->correct = out->mistakes == 0;
	if (!out->correct) {
		var v[] = { { "teach", sc->teach[l] } };
		puts_(&o, "\n");
		render(&o, msg(set, scenario_msg_key(SMSG_MISSED_TEACH), l), v, 1);
	}
	return 0;
}
