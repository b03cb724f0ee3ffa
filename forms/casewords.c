/* casewords: a case's recorded details said in words. The phrases are matched
 * against STEP_NOTES' patterns, the JSON details walked key by key through
 * DETAIL_KEYS; a piece that matches nothing is put as recorded. */
#include "forms/casewords.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit/actions.h"
#include "core/case/casefsm.h"
#include "core/case/fees.h"
#include "core/case/marks.h"
#include "core/case/party.h"
#include "core/case/rating.h"
#include "core/pay/pay.h"
#include "core/token/token_life.h"

static const struct {
	const char *text, *key;
} notes[] = {
#define X(e, text, key) { text, key },
	STEP_NOTES(X)
#undef X
};

static const struct {
	const char *key;
	detail_value how;
} dkeys[] = {
#define X(key, how) { key, how },
	DETAIL_KEYS(X)
#undef X
};

const char *step_note_text(step_note id)
{
	return (unsigned)id < SN_COUNT ? notes[id].text : "?";
}

const char *step_note_key(step_note id)
{
	return (unsigned)id < SN_COUNT ? notes[id].key : "?";
}

const char *casewords_note(char *buf, size_t n, step_note id, const char *a, const char *b,
			   const char *c)
{
	const char *args[3] = { a, b, c };
	size_t len = 0;
	int k = 0;
	if (!n)
		return buf;
	for (const char *p = step_note_text(id); *p; p++) {
		const char *s = NULL;
		char one[2] = { *p, '\0' };
		if (p[0] == '%' && p[1] == 's') {
			s = k < 3 && args[k] ? args[k] : "";
			k++;
			p++;
		} else {
			s = one;
		}
		size_t l = strlen(s);
		if (len + l >= n)
			l = n - 1 - len;
		memcpy(buf + len, s, l);
		len += l;
	}
	buf[len] = '\0';
	return buf;
}

/* ---- matching a phrase back ---- */

enum { ARG_MAX = 3, ARG_LEN = 128 };

/* text against pat from here on; each %s takes one or more characters that
 * are not spaces, the fewest that let the rest match. */
static bool match_at(const char *pat, const char *text, char args[ARG_MAX][ARG_LEN], int k)
{
	while (*pat && !(pat[0] == '%' && pat[1] == 's')) {
		if (*pat != *text)
			return false;
		pat++;
		text++;
	}
	if (!*pat)
		return !*text;
	if (k >= ARG_MAX)
		return false;
	for (size_t l = 1; text[l - 1] && text[l - 1] != ' ' && l < ARG_LEN; l++) {
		if (match_at(pat + 2, text + l, args, k + 1)) {
			memcpy(args[k], text, l);
			args[k][l] = '\0';
			return true;
		}
	}
	return false;
}

/* The note the text is, SN_COUNT for none; args filled. */
static step_note note_of(const char *text, char args[ARG_MAX][ARG_LEN])
{
	for (int i = 0; i < SN_COUNT; i++) {
		memset(args, 0, sizeof(char[ARG_MAX][ARG_LEN]));
		if (match_at(notes[i].text, text, args, 0))
			return (step_note)i;
	}
	return SN_COUNT;
}

/* ---- what is said, into a buffer ---- */

typedef struct out {
	char *buf;
	size_t n, len;
} out;

static void put(out *o, const char *s)
{
	size_t l = strlen(s);
	if (o->len + l >= o->n) { /* cut at a character's start */
		l = o->n - 1 - o->len;
		while (l > 0 && ((unsigned char)s[l] & 0xC0) == 0x80)
			l--;
	}
	for (size_t i = 0; i < l; i++) /* a recorded newline or tab is a space here */
		o->buf[o->len + i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i];
	o->len += l;
	o->buf[o->len] = '\0';
}

/* A piece after those since start: "timeline.next" ("; {piece}") or
 * "timeline.list_next" (", {piece}") put it after its separator (a template,
 * as a strings file keeps no trailing space). */
static void add(const casewords *w, out *o, size_t start, const char *next_key, const char *piece)
{
	if (o->len > start) {
		char buf[2048];
		str_var v[] = { { "piece", piece }, { NULL, NULL } };
		put(o, strings_render(w->str, next_key, v, buf, sizeof buf));
	} else {
		put(o, piece);
	}
}

#define PIECE(name) char name##_buf[1024]; out name = { name##_buf, sizeof name##_buf, 0 }; name##_buf[0] = '\0'

static const char *word(const casewords *w, const char *key)
{
	const char *s = strings_get(w->str, key);
	return s ? s : key;
}

static void say(const casewords *w, out *o, const char *key, const str_var *v)
{
	char buf[1024];
	put(o, strings_render(w->str, key, v, buf, sizeof buf));
}

/* "{label}: {value}" */
static void kv(const casewords *w, out *o, const char *label, const char *value)
{
	str_var v[] = { { "label", label }, { "value", value }, { NULL, NULL } };
	say(w, o, "timeline.kv", v);
}

static const char *yuan_of(const char *fen, char *buf, size_t n)
{
	char *end;
	long long v = strtoll(fen, &end, 10);
	if (!*fen || *end)
		return fen;
	return fees_format_yuan(v, buf, n);
}

static const char *step_word(const casewords *w, const char *name)
{
	int i = case_step_from_name(name);
	return i >= 0 ? word(w, case_step_key((case_step)i)) : name;
}

static const char *material_word(const casewords *w, const char *id)
{
	const material *m = w->cat ? catalog_material(w->cat, id) : NULL;
	return m && m->label[w->lg] ? m->label[w->lg] : id;
}

/* "timeline.<what>.<lower-case word>" */
static const char *lower_key(char *key, size_t n, const char *what, const char *v)
{
	int l = snprintf(key, n, "timeline.%s.", what);
	for (const char *p = v; *p && l > 0 && (size_t)l < n - 1; p++)
		key[l++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	if (l > 0 && (size_t)l < n)
		key[l] = '\0';
	return key;
}

/* A state of a payment, a refund (first, in a refund's row: SUCCESS and
 * CLOSED are words of both) or a key, a key move's reason, or a word of
 * DETAIL_WORDS; the word itself otherwise. */
static const char *state_word(const casewords *w, const char *v, bool refund, char *key, size_t n)
{
	int i;
	if (refund && pay_refund_state_from_name(v) >= 0)
		return word(w, lower_key(key, n, "refund", v));
	if (pay_state_from_name(v) >= 0)
		return word(w, lower_key(key, n, "pay", v));
	if (pay_refund_state_from_name(v) >= 0)
		return word(w, lower_key(key, n, "refund", v));
	if ((i = token_state_from_name(v)) >= 0)
		return word(w, token_state_key((token_state)i));
	if ((i = token_reason_from_name(v)) >= 0)
		return word(w, token_reason_key((token_reason)i));
	snprintf(key, n, "timeline.v.%s", v);
	return strings_get(w->str, key) ? strings_get(w->str, key) : v;
}

/* ---- phrases ---- */

/* A note in words, its %s as said: an amount in 元, a step's word. */
static void say_note(const casewords *w, out *o, step_note id, char args[ARG_MAX][ARG_LEN])
{
	char yuan[32];
	const char *a = args[0];
	if (id == SN_PAID)
		a = yuan_of(args[0], yuan, sizeof yuan);
	if (id == SN_RESUMED_AT)
		a = step_word(w, args[0]);
	str_var v[] = { { "a", a }, { "b", args[1] }, { "c", args[2] }, { NULL, NULL } };
	say(w, o, notes[id].key, v);
}

/* A file the kiosk wrote a paper to (core/print/printout.h):
 * ".../<case>-<kind>.txt", a reprint's ".../<case>-<kind>-reprint.txt". */
static bool say_paper_file(const casewords *w, out *o, const char *path)
{
	static const char *const kinds[] = { "slip", "notice", "supplement" };
	size_t l = strlen(path);
	if (!strchr(path, '/'))
		return false;
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
		for (int copy = 0; copy < 2; copy++) {
			char tail[40], key[48];
			int t = snprintf(tail, sizeof tail, "-%s%s.txt", kinds[i], copy ? "-reprint" : "");
			if (l > (size_t)t && strcmp(path + l - (size_t)t, tail) == 0) {
				snprintf(key, sizeof key, "timeline.paper.%s", kinds[i]);
				put(o, word(w, key));
				return true;
			}
		}
	return false;
}

/* One piece of a plain-text detail: a note, a demo key's "<op>[: <note>]",
 * a paper's file, or the piece as recorded. */
static void say_piece(const casewords *w, out *o, const char *piece)
{
	char args[ARG_MAX][ARG_LEN];
	step_note id = note_of(piece, args);
	if (id != SN_COUNT) {
		say_note(w, o, id, args);
		return;
	}
	if (say_paper_file(w, o, piece))
		return;
	const char *colon = strstr(piece, ": ");
	char op[32];
	size_t l = colon ? (size_t)(colon - piece) : strlen(piece);
	if (l < sizeof op) {
		memcpy(op, piece, l);
		op[l] = '\0';
		int i = token_op_from_name(op);
		if (i >= 0) {
			char key[48];
			snprintf(key, sizeof key, "token.%s", op);
			if (!colon) {
				put(o, word(w, key));
				return;
			}
			PIECE(note);
			say_piece(w, &note, colon + 2);
			kv(w, o, word(w, key), note_buf);
			return;
		}
	}
	put(o, piece);
}

static void say_text(const casewords *w, out *o, const char *detail)
{
	size_t start = o->len;
	char *copy = strdup(detail);
	if (!copy) {
		put(o, detail);
		return;
	}
	char *p = copy;
	for (;;) {
		char *end = strstr(p, "; ");
		if (end)
			*end = '\0';
		PIECE(one);
		say_piece(w, &one, p);
		add(w, o, start, "timeline.next", one_buf);
		if (!end)
			break;
		p = end + 2;
	}
	free(copy);
}

/* ---- JSON details ---- */

/* How a key's value reads: DETAIL_KEYS', or a party field's; -1 unknown. */
static int how_of(const char *key)
{
	for (size_t i = 0; i < sizeof dkeys / sizeof *dkeys; i++)
		if (strcmp(dkeys[i].key, key) == 0)
			return (int)dkeys[i].how;
	return party_field_from_name(key) >= 0 ? DV_PARTY : -1;
}

static const char *field_label(const casewords *w, const char *key)
{
	const field_spec *f = w->form ? form_field(w->form, key) : NULL;
	return f && f->label[w->lg] ? f->label[w->lg] : key;
}

/* A key's label: the party's from forms.ini, the others "timeline.k.<key>". */
static const char *key_label(const casewords *w, const char *key, char *buf, size_t n)
{
	int how = how_of(key);
	if (how < 0)
		return key;
	if (how == DV_PARTY)
		return field_label(w, key);
	snprintf(buf, n, "timeline.k.%s", key);
	return strings_get(w->str, buf) ? strings_get(w->str, buf) : key;
}

static void say_object(const casewords *w, out *o, const cJSON *obj);

/* A scalar as recorded: a string, a number, true/false. */
static const char *scalar(const cJSON *v, char *buf, size_t n)
{
	if (cJSON_IsString(v))
		return v->valuestring;
	if (cJSON_IsNumber(v)) {
		snprintf(buf, n, "%.0f", v->valuedouble);
		return buf;
	}
	if (cJSON_IsBool(v))
		return cJSON_IsTrue(v) ? "1" : "0";
	return "";
}

static bool empty(const cJSON *v)
{
	return cJSON_IsNull(v) || (cJSON_IsString(v) && !*v->valuestring) ||
	       ((cJSON_IsArray(v) || cJSON_IsObject(v)) && !v->child);
}

/* A value as recorded where no word is known for it: a scalar, or the JSON. */
static void put_raw(out *o, const cJSON *v)
{
	char buf[32];
	if (!cJSON_IsArray(v) && !cJSON_IsObject(v)) {
		put(o, scalar(v, buf, sizeof buf));
		return;
	}
	char *s = cJSON_PrintUnformatted(v);
	put(o, s ? s : "");
	cJSON_free(s);
}

static const char *holder_word(const casewords *w, const char *id)
{
	const holder_type *h = w->svc ? platform_holder(w->svc->platform, id) : NULL;
	return h && h->label[w->lg] ? h->label[w->lg] : id;
}

/* A correction's value of field: a decision, a material's mark (and what is
 * wrong with it), money, a holder type; as recorded otherwise. */
static void say_changed(const casewords *w, out *o, const char *field, const char *v)
{
	char buf[64];
	int i;
	if (!*v) {
		put(o, word(w, "timeline.v.none"));
	} else if (strcmp(field, "decision") == 0 && (i = case_decision_from_name(v)) >= 0) {
		put(o, word(w, case_decision_key((case_decision)i)));
	} else if (strcmp(field, "fee_fen") == 0) {
		put(o, yuan_of(v, buf, sizeof buf));
	} else if (strcmp(field, "holder") == 0) {
		put(o, holder_word(w, v));
	} else if (how_of(field) < 0 && w->cat && catalog_material(w->cat, field)) {
		/* "<mark>" or "<mark>: <what is wrong>" */
		const char *colon = strstr(v, ": ");
		char mark[24];
		size_t l = colon ? (size_t)(colon - v) : strlen(v);
		snprintf(mark, sizeof mark, "%.*s", (int)(l < sizeof mark ? l : sizeof mark - 1), v);
		if (l < sizeof mark && (i = material_mark_from_name(mark)) >= 0) {
			str_var m[] = { { "mark", word(w, material_mark_key((material_mark)i)) },
					{ "reason", colon ? colon + 2 : "" }, { NULL, NULL } };
			say(w, o, colon ? "timeline.v.mark_why" : "timeline.v.mark", m);
		} else {
			put(o, v);
		}
	} else {
		put(o, v);
	}
}

/* v, the value of a key of obj, as it reads */
static void say_value(const casewords *w, out *o, detail_value how, const cJSON *v, const cJSON *obj)
{
	char buf[64], key[64];
	size_t start = o->len;
	const cJSON *e;
	int i;
	const char *s = cJSON_IsString(v) ? v->valuestring : NULL;
	switch (how) {
	case DV_FEN:
		if (cJSON_IsNumber(v) || s) {
			char yuan[32];
			str_var y[] = { { "yuan", s ? yuan_of(s, yuan, sizeof yuan)
					       : fees_format_yuan((int64_t)v->valuedouble, yuan, sizeof yuan) },
					{ NULL, NULL } };
			say(w, o, "timeline.v.yuan", y);
			return;
		}
		break;
	case DV_HOLDER:
		if (s) {
			put(o, holder_word(w, s));
			return;
		}
		break;
	case DV_SERVICE:
		if (s) {
			const service *sv = w->cat ? catalog_service(w->cat, s) : NULL;
			put(o, sv && sv->label[w->lg] ? sv->label[w->lg] : s);
			return;
		}
		break;
	case DV_DECISION:
		if (s && (i = case_decision_from_name(s)) >= 0) {
			put(o, word(w, case_decision_key((case_decision)i)));
			return;
		}
		break;
	case DV_STEP:
		if (s) {
			put(o, strcmp(s, "none") == 0 ? word(w, "timeline.v.none") : step_word(w, s));
			return;
		}
		break;
	case DV_STEPS:
	case DV_MATERIALS:
		if (cJSON_IsArray(v)) {
			cJSON_ArrayForEach(e, v) {
				const char *x = cJSON_IsString(e) ? e->valuestring : scalar(e, buf, sizeof buf);
				add(w, o, start, "timeline.list_next",
				    how == DV_STEPS ? step_word(w, x) : material_word(w, x));
			}
			return;
		}
		break;
	case DV_DEFECTIVE:
		if (cJSON_IsObject(v)) {
			cJSON_ArrayForEach(e, v) {
				PIECE(one);
				str_var m[] = { { "material", material_word(w, e->string) },
						{ "reason", scalar(e, buf, sizeof buf) }, { NULL, NULL } };
				say(w, &one, "timeline.v.defective", m);
				add(w, o, start, "timeline.list_next", one_buf);
			}
			return;
		}
		break;
	case DV_CHANGES:
		if (cJSON_IsArray(v)) {
			cJSON_ArrayForEach(e, v) {
				const cJSON *f = cJSON_GetObjectItemCaseSensitive(e, "field");
				const cJSON *a = cJSON_GetObjectItemCaseSensitive(e, "old");
				const cJSON *b = cJSON_GetObjectItemCaseSensitive(e, "new");
				PIECE(one);
				if (!cJSON_IsString(f) || !cJSON_IsString(a) || !cJSON_IsString(b)) {
					put_raw(&one, e);
					add(w, o, start, "timeline.list_next", one_buf);
					continue;
				}
				const char *fs = f->valuestring;
				char lab[64];
				PIECE(was);
				PIECE(now);
				say_changed(w, &was, fs, a->valuestring);
				say_changed(w, &now, fs, b->valuestring);
				str_var c[] = { { "field", how_of(fs) >= 0 ? key_label(w, fs, lab, sizeof lab)
							   : material_word(w, fs) },
						{ "old", was_buf }, { "new", now_buf }, { NULL, NULL } };
				say(w, &one, "timeline.v.change", c);
				add(w, o, start, "timeline.list_next", one_buf);
			}
			return;
		}
		break;
	case DV_STATE:
		if (s) {
			put(o, state_word(w, s, cJSON_GetObjectItemCaseSensitive(obj, "out_refund_no") != NULL,
					  key, sizeof key));
			return;
		}
		break;
	case DV_YESNO:
		if (cJSON_IsNumber(v) || cJSON_IsBool(v) || (s && (!strcmp(s, "yes") || !strcmp(s, "no")))) {
			bool yes = s ? strcmp(s, "yes") == 0 : cJSON_IsBool(v) ? cJSON_IsTrue(v) : v->valuedouble != 0;
			put(o, word(w, yes ? "timeline.v.yes" : "timeline.v.no"));
			return;
		}
		break;
	case DV_CANCEL:
		if (s) {
			snprintf(key, sizeof key, "cancel.reason.%s", s);
			put(o, strings_get(w->str, key) ? strings_get(w->str, key) : s);
			return;
		}
		break;
	case DV_RATING:
		if (s && (i = rating_level_from_name(s)) >= 0) {
			put(o, word(w, rating_level_key((rating_level)i)));
			return;
		}
		break;
	case DV_PAPER:
		if (s) {
			snprintf(key, sizeof key, "timeline.paper.%s", s);
			put(o, strings_get(w->str, key) ? strings_get(w->str, key) : s);
			return;
		}
		break;
	case DV_PATH: {
		/* a paper's file: kept (where, the record says; the paper is
		 * named beside it, or F11 shows it) */
		PIECE(kind);
		if (s && say_paper_file(w, &kind, s)) {
			put(o, word(w, "timeline.v.kept"));
			return;
		}
		break;
	}
	default:
		break;
	}
	/* as recorded: a list item by item (an object said key by key) */
	if (cJSON_IsArray(v)) {
		cJSON_ArrayForEach(e, v) {
			PIECE(one);
			if (cJSON_IsObject(e))
				say_object(w, &one, e);
			else
				put_raw(&one, e);
			add(w, o, start, "timeline.list_next", one_buf);
		}
		return;
	}
	if (cJSON_IsObject(v)) {
		say_object(w, o, v);
		return;
	}
	put_raw(o, v);
}

static void say_object(const casewords *w, out *o, const cJSON *obj)
{
	size_t start = o->len;
	const cJSON *e;
	cJSON_ArrayForEach(e, obj) {
		if (empty(e))
			continue;
		int how = how_of(e->string), m = material_mark_from_name(e->string);
		char lab[64];
		PIECE(value);
		PIECE(one);
		say_value(w, &value, how >= 0 ? (detail_value)how : DV_TEXT, e, obj);
		/* received / missing / defective: the mark's word is the label */
		if (cJSON_IsString(e) &&
		    ((how == DV_DECISION && case_decision_from_name(e->valuestring) >= 0) ||
		     (how == DV_PAPER && strcmp(value_buf, e->valuestring) != 0)))
			put(&one, value_buf); /* 受理, 受理回执: the word says what it is */
		else
			kv(w, &one, how >= 0 && m >= 0 ? word(w, material_mark_key((material_mark)m))
						     : key_label(w, e->string, lab, sizeof lab), value_buf);
		add(w, o, start, "timeline.next", one_buf);
	}
}

/* The detail in words: a JSON object key by key, plain text piece by piece. */
static const char *say_detail(const casewords *w, const char *detail, char *buf, size_t n)
{
	out o = { buf, n, 0 };
	if (!n)
		return buf;
	buf[0] = '\0';
	if (!detail)
		return buf;
	if (detail[0] == '{') {
		cJSON *j = cJSON_Parse(detail);
		if (cJSON_IsObject(j)) {
			say_object(w, &o, j);
			cJSON_Delete(j);
			return buf;
		}
		cJSON_Delete(j);
		put(&o, detail);
		return buf;
	}
	if (*detail)
		say_text(w, &o, detail);
	return buf;
}

const char *casewords_step(const casewords *w, const char *step, const char *detail, char *buf,
			   size_t n)
{
	(void)step; /* every step's detail is told apart by its own shape */
	return say_detail(w, detail, buf, n);
}

/* The step whose action this is, STEP_NONE for none. */
static case_step step_of_action(audit_action a)
{
	for (int s = 0; s < STEP_COUNT; s++)
		if (audit_action_of_step((case_step)s) == a)
			return (case_step)s;
	return STEP_NONE;
}

const char *casewords_action(const casewords *w, const char *action)
{
	int a = audit_action_from_name(action);
	if (a < 0)
		return NULL;
	case_step s = step_of_action((audit_action)a);
	if (s != STEP_NONE)
		return word(w, case_step_key(s));
	for (int r = 0; r < TR_COUNT; r++)
		if (audit_action_of_reason((token_reason)r) == (audit_action)a)
			return word(w, token_reason_key((token_reason)r));
	char key[64];
	snprintf(key, sizeof key, "timeline.audit.%s", action);
	return strings_get(w->str, key);
}

const char *casewords_audit(const casewords *w, const char *action, const char *detail, char *buf,
			    size_t n)
{
	int a = audit_action_from_name(action);
	case_step s = a >= 0 ? step_of_action((audit_action)a) : STEP_NONE;
	if (s != STEP_NONE)
		return casewords_step(w, case_step_name(s), detail, buf, n);
	return say_detail(w, detail, buf, n);
}

/* ---- the keys, for config check ---- */

static const char *const all_keys[] = {
#define X(e, word) "timeline.audit." word,
	AUDIT_ACTIONS(X)
#undef X
#define X(e, text, key) key,
	STEP_NOTES(X)
#undef X
#define X(key, how) "timeline.k." key,
	DETAIL_KEYS(X)
#undef X
#define X(w) "timeline.v." w,
	DETAIL_WORDS(X)
#undef X
	"timeline.paper.slip", "timeline.paper.notice", "timeline.paper.supplement",
	"timeline.next", "timeline.list_next", "timeline.kv", "timeline.v.none", "timeline.v.yes",
	"timeline.v.no", "timeline.v.yuan", "timeline.v.defective", "timeline.v.change",
	"timeline.v.mark", "timeline.v.mark_why", "timeline.v.kept", "timeline.line.audit",
	"timeline.line.audit_bare", NULL
};

const char *const *casewords_string_keys(void)
{
	return all_keys;
}
