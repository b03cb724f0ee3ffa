/* scenario: the trainer's scripted customers (scenario.h). The loader reads
 * scenarios.ini with kini and then plays each scenario's situation the way the
 * counter meets it (the identifiers typed, the key read, the guides' rules,
 * the materials checked), so the expected outcome written in the file must be
 * the one that situation leads to. */
#include "core/train/scenario.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/token/cert.h"
#include "core/base/clock.h"
#include "core/base/hidden.h"
#include "core/base/kini.h"
#include "core/base/names.h"
#include "core/token/token.h"
#include "core/case/validate.h"

/* ---- the tables ---- */

ENUM_DEFINE_WORD_KEY(trainee_outcome, TRAINEE_OUTCOMES, "?", "outcome.unknown")
ENUM_DEFINE_WORD_KEY(stop_reason, STOP_REASONS, "?", "stop.unknown")
ENUM_DEFINE_WORD_KEY(brought_state, BROUGHT_STATES, "?", "brought.unknown")
ENUM_DEFINE_KEY(scenario_msg, SCENARIO_MESSAGES, "missed.unknown")

/* The columns of their own: a stop reason's rule, a brought state's mark. */
#define RULE_OF(e, name, key, rule) rule,
#define MARK_OF(e, name, key, mark) mark,
static const rule_verdict reason_rules[] = { STOP_REASONS(RULE_OF) };
static const char *const brought_marks[] = { BROUGHT_STATES(MARK_OF) };
#undef RULE_OF
#undef MARK_OF

/* Every [messages] key, in one list: the set's texts are indexed by it. */
static const char *const msg_keys[] = {
	TRAINEE_OUTCOMES(ENUM_COL3)
	STOP_REASONS(ENUM_COL3)
	BROUGHT_STATES(ENUM_COL3)
	SCENARIO_MESSAGES(ENUM_COL2)
};
#define N_MSG (sizeof msg_keys / sizeof msg_keys[0])

int trainee_outcome_of_decision(case_decision d)
{
	switch (d) {
	case DEC_ACCEPT:
		return OUT_ACCEPT;
	case DEC_RONGQUE:
		return OUT_RONGQUE;
	case DEC_REFUSE:
		return OUT_REFUSE;
	default:
		return -1;
	}
}
rule_verdict stop_reason_rule(stop_reason r)
{
	return (unsigned)r < STOP_COUNT ? reason_rules[r] : RULE_OK;
}
stop_reason stop_reason_of_rule(rule_verdict v)
{
	if (v == RULE_OK)
		return STOP_NONE;
	for (int r = 0; r < STOP_COUNT; r++)
		if (reason_rules[r] == v)
			return (stop_reason)r;
	return STOP_NONE;
}
const char *brought_state_mark(brought_state b)
{
	return names_at(brought_marks, BR_COUNT, (int)b, "unset");
}

/* ---- look-ups ---- */

size_t scenario_count(const scenario_set *s)
{
	return s ? s->n : 0;
}

const scenario *scenario_at(const scenario_set *s, size_t i)
{
	return s && i < s->n ? &s->items[i] : NULL;
}

const scenario *scenario_find(const scenario_set *s, const char *id)
{
	if (!s || !id)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->items[i].id, id) == 0)
			return &s->items[i];
	return NULL;
}

const scenario_material *scenario_material_of(const scenario *sc, const char *material_id)
{
	if (!sc || !material_id)
		return NULL;
	for (size_t i = 0; i < sc->n_materials; i++)
		if (strcmp(sc->materials[i].sm->material->id, material_id) == 0)
			return &sc->materials[i];
	return NULL;
}

static int msg_index(const char *key)
{
	return names_index(msg_keys, (int)N_MSG, key);
}

const char *scenario_message(const scenario_set *s, const char *key, lang l)
{
	int i = msg_index(key);
	if (!s || !s->msg || i < 0 || (unsigned)l >= LANG_COUNT)
		return NULL;
	return s->msg[(size_t)i * LANG_COUNT + l];
}

/* ---- freeing ---- */

static void free_scenario(scenario *sc)
{
	free(sc->id);
	for (int l = 0; l < LANG_COUNT; l++) {
		free(sc->title[l]);
		free(sc->brief[l]);
		free(sc->teach[l]);
	}
	free(sc->unit_name);
	free(sc->uscc);
	free(sc->agent_name);
	free(sc->agent_id_no);
	free(sc->agent_mobile);
	free(sc->key);
	free(sc->materials);
}

void scenario_set_free(scenario_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free_scenario(&s->items[i]);
	free(s->items);
	if (s->msg)
		for (size_t i = 0; i < N_MSG * LANG_COUNT; i++)
			free(s->msg[i]);
	free(s->msg);
	free(s->path);
	free(s);
}

/* ---- loading ---- */

typedef struct loader {
	const kini_doc *doc;
	const catalog *cat;
	token_dev *keys;
	const char *keys_path;
	long today;
	int today_ymd;
	kerr *err;
} loader;

static int oom(loader *L)
{
	return kerr_setf(L->err, L->doc->path, 0, "out of memory");
}

static int at(loader *L, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int at(loader *L, int line, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return kerr_setf(L->err, L->doc->path, line, "%s", msg);
}

/* names[0..count) as "a, b, c" into buf. */
static void join(const char *const *names, int count, int from, char *buf, size_t n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = from; i < count && used < n; i++) {
		int w = snprintf(buf + used, n - used, "%s%s", i == from ? "" : ", ", names[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static bool id_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > SCENARIO_ID_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* What the trainee reads and types holds nothing hidden: no control
 * character and nothing that does not show or reorders the text
 * (core/base/hidden.h; the file is valid UTF-8 already: kini checks). */
static int plain_text(loader *L, int line, const char *key, const char *v)
{
	hidden_hit h;
	char said[96];
	if (!hidden_find(v, &h))
		return 0;
	if (h.kind == HC_CONTROL)
		return at(L, line, "%s holds a control character (U+%04lX at character %d); "
			  "write plain text", key, (unsigned long)h.cp, h.pos);
	return at(L, line, "%s holds %s, a character that does not show or that reorders "
		  "the text around it; remove it", key, hidden_describe(&h, said, sizeof said));
}

/* A required text of at most max bytes, copied. */
static int read_text(loader *L, const kini_section *s, const char *key, size_t max, char **out)
{
	const kini_entry *e = kini_require(L->doc, s, key, L->err);
	if (!e)
		return -1;
	if (!e->value[0])
		return at(L, e->line, "%s is empty; write the text", key);
	if (strlen(e->value) > max)
		return at(L, e->line, "%s is %zu bytes long; at most %zu are allowed", key,
			  strlen(e->value), max);
	if (plain_text(L, e->line, key, e->value) < 0)
		return -1;
	if (!(*out = kini_strdup(e->value)))
		return oom(L);
	return 0;
}

/* prefix.zh_CN and prefix.en, both required. */
static int read_texts(loader *L, const kini_section *s, const char *prefix, size_t max,
		      char *out[LANG_COUNT])
{
	for (int l = 0; l < LANG_COUNT; l++) {
		char key[64];
		snprintf(key, sizeof key, "%s.%s", prefix, lang_name((lang)l));
		if (read_text(L, s, key, max, &out[l]) < 0)
			return -1;
	}
	return 0;
}

static int load_messages(loader *L, const kini_section *s, char **msg)
{
	if (s->arg[0])
		return at(L, s->line, "[%s]: the texts section is written [messages], without "
			  "a name", s->name);
	for (size_t i = 0; i < s->n_entries; i++) {
		const kini_entry *e = &s->entries[i];
		const char *dot = strrchr(e->key, '.');
		int l = dot ? lang_from_name(dot + 1) : -1;
		if (l < 0)
			return at(L, e->line, "%s: a message key ends in .%s or .%s (e.g. "
				  "outcome.accept.zh_CN)", e->key, lang_name(LANG_ZH),
				  lang_name(LANG_EN));
		char base[64];
		size_t bl = (size_t)(dot - e->key);
		if (bl >= sizeof base)
			bl = sizeof base - 1;
		memcpy(base, e->key, bl);
		base[bl] = '\0';
		int k = msg_index(base);
		if (k < 0)
			return at(L, e->line, "%s: unknown message '%s'; the keys are listed in "
				  "docs/trainer-scenarios.md (outcome.*, stop.*, brought.*, "
				  "word.stop, missed.*, mark.*)", e->key, base);
		if (!e->value[0])
			return at(L, e->line, "%s is empty; write the text", e->key);
		if (strlen(e->value) > SCENARIO_TEXT_MAX)
			return at(L, e->line, "%s is %zu bytes long; at most %d are allowed",
				  e->key, strlen(e->value), SCENARIO_TEXT_MAX);
		if (plain_text(L, e->line, e->key, e->value) < 0)
			return -1;
		char **slot = &msg[(size_t)k * LANG_COUNT + l];
		if (!(*slot = kini_strdup(e->value)))
			return oom(L);
	}
	for (size_t k = 0; k < N_MSG; k++)
		for (int l = 0; l < LANG_COUNT; l++)
			if (!msg[k * LANG_COUNT + l])
				return at(L, s->line, "[messages] lacks %s.%s; add the text (every "
					  "message in every language)", msg_keys[k],
					  lang_name((lang)l));
	return 0;
}

static const char *const fixed_keys[] = {
	"title.zh_CN", "title.en", "brief.zh_CN", "brief.en", "teach.zh_CN", "teach.en",
	"service", "unit_name", "uscc", "agent_name", "agent_id_no", "agent_mobile", "key",
	"key_pin_locked", "expected", "expected_reason", NULL
};

#define MATERIAL_PREFIX "material."

/* Every key is one of fixed_keys or material.<id of the service>. */
static int check_keys(loader *L, const kini_section *s, const service *svc)
{
	for (size_t i = 0; i < s->n_entries; i++) {
		const kini_entry *e = &s->entries[i];
		bool known = false;
		for (const char *const *k = fixed_keys; *k && !known; k++)
			known = strcmp(*k, e->key) == 0;
		if (known)
			continue;
		size_t pl = strlen(MATERIAL_PREFIX);
		if (strncmp(e->key, MATERIAL_PREFIX, pl) != 0)
			return at(L, e->line, "unknown key '%s' in [%s]; the keys are title.*, "
				  "brief.*, teach.*, service, unit_name, uscc, agent_name, "
				  "agent_id_no, agent_mobile, key, key_pin_locked, expected, "
				  "expected_reason and material.<id>", e->key, s->name);
		const char *id = e->key + pl;
		bool ours = false;
		for (size_t m = 0; m < svc->n_materials && !ours; m++)
			ours = strcmp(svc->materials[m].material->id, id) == 0;
		if (!ours) {
			char list[400];
			size_t used = 0;
			list[0] = '\0';
			for (size_t m = 0; m < svc->n_materials && used < sizeof list; m++) {
				int w = snprintf(list + used, sizeof list - used, "%s%s",
						 m ? ", " : "", svc->materials[m].material->id);
				if (w < 0)
					break;
				used += (size_t)w;
			}
			return at(L, e->line, "%s: service %s takes no material '%s'; its "
				  "materials are: %s", e->key, svc->id, id, list);
		}
	}
	return 0;
}

static int read_service(loader *L, const kini_section *s, const service **out)
{
	const kini_entry *e = kini_require(L->doc, s, "service", L->err);
	if (!e)
		return -1;
	const service *svc = catalog_service(L->cat, e->value);
	if (!svc) {
		char list[600];
		size_t used = 0;
		list[0] = '\0';
		for (size_t i = 0; i < L->cat->n_services && used < sizeof list; i++) {
			int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "",
					 L->cat->services[i].id);
			if (w < 0)
				break;
			used += (size_t)w;
		}
		return at(L, e->line, "service = '%s' is not in the catalog (services.ini); use "
			  "one of: %s", e->value, list);
	}
	*out = svc;
	return 0;
}

static int read_fields(loader *L, const kini_section *s, scenario *sc)
{
	/* unit and agent names: what the case record can hold (db/case_repo) */
	if (read_text(L, s, "unit_name", 255, &sc->unit_name) < 0 ||
	    read_text(L, s, "agent_name", 96, &sc->agent_name) < 0 ||
	    read_text(L, s, "uscc", 40, &sc->uscc) < 0 ||
	    read_text(L, s, "agent_id_no", 40, &sc->agent_id_no) < 0 ||
	    read_text(L, s, "agent_mobile", 40, &sc->agent_mobile) < 0)
		return -1;
	val_result r;
	if (!validate_resident_id(sc->agent_id_no, L->today_ymd, &r)) {
		const kini_entry *e = kini_find(s, "agent_id_no");
		return at(L, e->line, "agent_id_no = %s is not a valid resident ID (%s at "
			  "position %d%s%s); compute the check character with "
			  "resident_id_check_char", e->value, val_reason_key(r.reason), r.pos,
			  r.want[0] ? ", should be " : "", r.want);
	}
	if (!validate_mobile(sc->agent_mobile, &r)) {
		const kini_entry *e = kini_find(s, "agent_mobile");
		return at(L, e->line, "agent_mobile = %s is not a mainland mobile number "
			  "(1[3-9] and 9 digits)", e->value);
	}
	return 0;
}

/* key = <serial> | none, and key_pin_locked; *info filled when a key is given. */
static int read_key(loader *L, const kini_section *s, scenario *sc, token_info *info)
{
	const kini_entry *e = kini_require(L->doc, s, "key", L->err);
	if (!e)
		return -1;
	token_info_clear(info);
	if (strcmp(e->value, "none") != 0) {
		kerr ignored;
		if (token_demo_insert(L->keys, e->value, &ignored) < 0)
			return at(L, e->line, "key = '%s' is not a demo key of %s; name one of its "
				  "[key <serial>] sections, or write none", e->value, L->keys_path);
		token_status st = token_read_info(L->keys, info);
		if (st != TOK_OK)
			return at(L, e->line, "key = '%s': the demo key cannot be read (%s)",
				  e->value, token_status_name(st));
		if (!(sc->key = kini_strdup(e->value)))
			return oom(L);
	}
	const kini_entry *p = kini_find(s, "key_pin_locked");
	if (p) {
		if (kini_parse_bool(p->value, &sc->key_pin_locked) < 0)
			return at(L, p->line, "key_pin_locked = '%s': write yes or no", p->value);
		if (sc->key_pin_locked && (!sc->key || !info->personalised))
			return at(L, p->line, "key_pin_locked = yes needs a personalised key (a "
				  "blank key or none has no PIN to lock)");
	}
	return 0;
}

static int read_materials(loader *L, const kini_section *s, scenario *sc)
{
	const service *svc = sc->svc;
	if (svc->n_materials) {
		sc->materials = calloc(svc->n_materials, sizeof *sc->materials);
		if (!sc->materials)
			return oom(L);
	}
	for (size_t i = 0; i < svc->n_materials; i++) {
		const service_material *sm = &svc->materials[i];
		const material *m = sm->material;
		char key[128];
		snprintf(key, sizeof key, MATERIAL_PREFIX "%s", m->id);
		const kini_entry *e = kini_find(s, key);
		if (!e)
			return at(L, s->line, "[%s] lacks %s; say how the customer brings each "
				  "material of %s (received, missing, copy, no_seal, expired, "
				  "illegible, incomplete)", s->name, key, svc->id);
		int b = brought_state_from_name(e->value);
		if (b < 0) {
			char list[200];
			join(brought_state_words, BR_COUNT, 0, list, sizeof list);
			return at(L, e->line, "%s = '%s' is not allowed; use one of: %s", key,
				  e->value, list);
		}
		if (m->form == MAT_DEVICE && b != BR_RECEIVED && b != BR_MISSING)
			return at(L, e->line, "%s = %s: the key is either brought (received) or "
				  "not (missing)", key, e->value);
		if (m->form == MAT_DEVICE && (b == BR_RECEIVED) != (sc->key != NULL))
			return at(L, e->line, "%s = %s does not agree with key = %s; the key is "
				  "received exactly when the scenario names one", key, e->value,
				  sc->key ? sc->key : "none");
		if (b == BR_COPY && m->form != MAT_ORIGINAL)
			return at(L, e->line, "%s = copy: %s is not required as the original "
				  "(form = %s in materials.ini), so a copy is in order", key, m->id,
				  material_form_name(m->form));
		if (b == BR_NO_SEAL && m->seal != SEAL_FRESH)
			return at(L, e->line, "%s = no_seal: %s needs no fresh seal (seal = %s in "
				  "materials.ini)", key, m->id, seal_rule_name(m->seal));
		sc->materials[i].sm = sm;
		sc->materials[i].brought = (brought_state)b;
		sc->materials[i].line = e->line;
	}
	sc->n_materials = svc->n_materials;
	return 0;
}

/* What the materials as brought lead to at the checklist (forms/checklist.h
 * evaluates the clerk's marks the same way: tests/unit/test_scenario.c holds
 * the two together). */
static trainee_outcome materials_verdict(const scenario *sc)
{
	bool all = true, essential_bad = false;
	for (size_t i = 0; i < sc->n_materials; i++) {
		if (sc->materials[i].brought == BR_RECEIVED)
			continue;
		all = false;
		if (sc->materials[i].sm->essential)
			essential_bad = true;
	}
	if (all)
		return OUT_ACCEPT;
	if (essential_bad)
		return OUT_REFUSE;
	return sc->svc->rongque_allowed ? OUT_RONGQUE : OUT_REFUSE;
}

static bool has_token_op(const service *svc, token_op op)
{
	for (size_t i = 0; i < svc->n_token_ops; i++)
		if (svc->token_ops[i] == op)
			return true;
	return false;
}

/* Every reason the counter finds to stop this service, in the order the
 * details screen meets them, into stops[STOP_COUNT] and *n. 0, or -1 with an
 * error when the key cannot serve the service at all (a scenario mistake). */
static int situation_stops(loader *L, const scenario *sc, const token_info *info, int line,
			   stop_reason *stops, int *n)
{
	const service *svc = sc->svc;
	*n = 0;
	val_result r;
	bool uscc_ok = validate_uscc(sc->uscc, &r); /* as the form takes it (any case) */
	if (!uscc_ok)
		stops[(*n)++] = STOP_USCC_INVALID;
	if (!sc->key) {
		if (svc->key_required)
			stops[(*n)++] = STOP_KEY_MISSING;
		return 0;
	}
	if (has_token_op(svc, TOP_PERSONALISE)) {
		if (info->personalised)
			return at(L, line, "key = %s: service %s personalises a blank key; name a "
				  "blank demo key (personalised = no) or none", sc->key, svc->id);
		return 0;
	}
	if (svc->key_required && !token_info_has_cert(info))
		return at(L, line, "key = %s holds no certificate; service %s works on the "
			  "customer's certificate: name a key with one", sc->key, svc->id);
	if (!token_info_has_cert(info))
		return 0;
	rule_verdict v = rules_check(L->cat, svc, L->today, info->not_after, true);
	if (v != RULE_OK)
		stops[(*n)++] = stop_reason_of_rule(v);
	/* A change is made because the unit's data differ from the certificate. */
	if (uscc_ok && svc->kind != SVC_CHANGE) {
		cert_info ci;
		memset(&ci, 0, sizeof ci);
		snprintf(ci.unit_name, sizeof ci.unit_name, "%s", info->unit_name);
		snprintf(ci.uscc, sizeof ci.uscc, "%s", info->uscc);
		if (cert_compare(&ci, sc->unit_name, sc->uscc) != CERT_MATCH)
			stops[(*n)++] = STOP_KEY_MISMATCH;
	}
	/* A locked PIN matters to every service that leaves the key in use: not to
	 * the unlock (which fixes it) nor to a revocation (which ends it). */
	if ((info->blocked || sc->key_pin_locked) && svc->kind != SVC_UNLOCK &&
	    svc->kind != SVC_REVOKE)
		stops[(*n)++] = STOP_PIN_LOCKED;
	return 0;
}

static int check_expected(loader *L, const kini_section *s, scenario *sc, const token_info *info)
{
	const kini_entry *e = kini_require(L->doc, s, "expected", L->err);
	if (!e)
		return -1;
	int o = trainee_outcome_from_name(e->value);
	if (o < 0 || o == OUT_CANCEL) {
		return at(L, e->line, "expected = '%s' is not allowed; use one of: accept, "
			  "rongque, refuse, stop", e->value);
	}
	sc->expected = (trainee_outcome)o;
	const kini_entry *re = kini_find(s, "expected_reason");
	if (o == OUT_STOP) {
		if (!re)
			return at(L, e->line, "expected = stop needs expected_reason = <why the "
				  "service cannot be done>");
		int r = stop_reason_from_name(re->value);
		if (r <= STOP_NONE) {
			char list[300];
			join(stop_reason_words, STOP_COUNT, 1, list, sizeof list);
			return at(L, re->line, "expected_reason = '%s' is not allowed; use one "
				  "of: %s", re->value, list);
		}
		sc->expected_reason = (stop_reason)r;
	} else if (re) {
		return at(L, re->line, "expected_reason goes with expected = stop only; delete "
			  "the line");
	}

	stop_reason stops[STOP_COUNT];
	int n = 0;
	if (situation_stops(L, sc, info, kini_find(s, "key")->line, stops, &n) < 0)
		return -1;
	char found[300];
	size_t used = 0;
	found[0] = '\0';
	for (int i = 0; i < n && used < sizeof found; i++) {
		int w = snprintf(found + used, sizeof found - used, "%s%s", i ? ", " : "",
				 stop_reason_name(stops[i]));
		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (sc->expected == OUT_STOP) {
		bool there = false;
		for (int i = 0; i < n; i++)
			there = there || stops[i] == sc->expected_reason;
		if (!there)
			return at(L, re->line, "expected_reason = %s, but nothing in this scenario "
				  "stops the service for that reason (%s%s); change the key, the "
				  "fields or the expected outcome", re->value,
				  n ? "it stops for: " : "it can go ahead", found);
		if (n > 1)
			return at(L, re->line, "the service stops for more than one reason here "
				  "(%s); a scenario teaches one: change the key or the fields", found);
		return 0;
	}
	if (n)
		return at(L, e->line, "expected = %s, but the service cannot be done here (%s); "
			  "write expected = stop with expected_reason = %s", e->value, found,
			  stop_reason_name(stops[0]));
	trainee_outcome v = materials_verdict(sc);
	if (v != sc->expected)
		return at(L, e->line, "expected = %s, but the materials as brought lead to %s "
			  "(essential ones missing or defective: refuse; only others: rongque "
			  "where %s allows it; all received: accept)", e->value,
			  trainee_outcome_name(v), sc->svc->id);
	return 0;
}

static int load_scenario(loader *L, const kini_section *s, scenario *sc)
{
	if (!id_ok(s->arg))
		return at(L, s->line, "[%s]: a scenario is written [scenario <id>], the id 1-%d "
			  "of a-z, 0-9 and '_'", s->name, SCENARIO_ID_MAX);
	sc->line = s->line;
	if (!(sc->id = kini_strdup(s->arg)))
		return oom(L);
	if (read_service(L, s, &sc->svc) < 0 || check_keys(L, s, sc->svc) < 0)
		return -1;
	if (read_texts(L, s, "title", SCENARIO_TITLE_MAX, sc->title) < 0 ||
	    read_texts(L, s, "brief", SCENARIO_TEXT_MAX, sc->brief) < 0 ||
	    read_texts(L, s, "teach", SCENARIO_TEXT_MAX, sc->teach) < 0)
		return -1;
	token_info info;
	if (read_fields(L, s, sc) < 0 || read_key(L, s, sc, &info) < 0 ||
	    read_materials(L, s, sc) < 0)
		return -1;
	return check_expected(L, s, sc, &info);
}

scenario_set *scenario_set_load_files(const char *scenarios_file, const char *keys_file,
				      const catalog *cat, kerr *err)
{
	if (!scenarios_file || !keys_file || !cat) {
		kerr_set(err, NULL, "scenario_set_load_files needs the scenarios file, the demo "
			 "keys file and the catalog");
		return NULL;
	}
	kini_doc *doc = kini_load(scenarios_file, err);
	if (!doc)
		return NULL;
	token_dev *keys = token_demo_new(keys_file, err);
	scenario_set *set = NULL;
	if (!keys)
		goto fail;
	loader L = { .doc = doc, .cat = cat, .keys = keys, .keys_path = keys_file,
		     .today = clock_today(), .err = err };
	int y, m, d;
	civil_to_ymd(L.today, &y, &m, &d);
	L.today_ymd = y * 10000 + m * 100 + d;

	set = calloc(1, sizeof *set);
	if (!set || !(set->path = kini_strdup(doc->path)) ||
	    !(set->msg = calloc(N_MSG * LANG_COUNT, sizeof *set->msg)) ||
	    (doc->n_sections && !(set->items = calloc(doc->n_sections, sizeof *set->items)))) {
		oom(&L);
		goto fail;
	}
	bool have_messages = false;
	for (size_t i = 0; i < doc->n_sections; i++) {
		const kini_section *s = &doc->sections[i];
		if (strcmp(s->type, "messages") == 0) {
			if (load_messages(&L, s, set->msg) < 0)
				goto fail;
			have_messages = true;
		} else if (strcmp(s->type, "scenario") == 0) {
			/* counted first, so a failure frees what was read */
			set->n++;
			if (load_scenario(&L, s, &set->items[set->n - 1]) < 0)
				goto fail;
		} else {
			at(&L, s->line, "[%s]: unknown section; the file holds [messages] and "
			   "[scenario <id>] sections", s->name);
			goto fail;
		}
	}
	if (!have_messages) {
		kerr_setf(err, doc->path, 0, "no [messages] section; it holds the score sheet's "
			  "words in every language (docs/trainer-scenarios.md)");
		goto fail;
	}
	if (!set->n) {
		kerr_setf(err, doc->path, 0, "no scenarios; add at least one [scenario <id>] "
			  "section (docs/trainer-scenarios.md)");
		goto fail;
	}
	token_dev_free(keys);
	kini_free(doc);
	return set;
fail:
	scenario_set_free(set);
	token_dev_free(keys);
	kini_free(doc);
	return NULL;
}

scenario_set *scenario_set_load(const char *config_dir, const catalog *cat, kerr *err)
{
	if (!config_dir || !config_dir[0]) {
		kerr_set(err, NULL, "no config directory given");
		return NULL;
	}
	char scen[1024], keys[1024];
	snprintf(scen, sizeof scen, "%s/demo/scenarios.ini", config_dir);
	snprintf(keys, sizeof keys, "%s/demo/keys.ini", config_dir);
	return scenario_set_load_files(scen, keys, cat, err);
}

int scenario_check(const char *config_dir, const catalog *cat, kerr *err)
{
	scenario_set *s = scenario_set_load(config_dir, cat, err);
	if (!s)
		return -1;
	int n = (int)s->n;
	scenario_set_free(s);
	return n;
}
