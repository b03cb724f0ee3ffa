#include "core/case/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/kini.h"
#include "core/base/names.h"

/* ---- name <-> enum ---- */

ENUM_DEFINE_WORD(service_kind, SERVICE_KINDS, "?")
ENUM_DEFINE_WORD(material_form, MATERIAL_FORMS, "?")
ENUM_DEFINE_WORD(seal_rule, SEAL_RULES, "?")
ENUM_DEFINE_WORD(validity_rule, VALIDITY_RULES, "?")
ENUM_DEFINE_WORD(fee_item, FEE_ITEMS, "?")
ENUM_DEFINE_WORD(token_op, TOKEN_OPS, "?")
ENUM_DEFINE_WORD(key_alg, KEY_ALGS, "?")

/* ---- lookups ---- */

const platform *catalog_platform(const catalog *c, const char *id)
{
	if (!c || !id)
		return NULL;
	for (size_t i = 0; i < c->n_platforms; i++)
		if (c->platforms[i].id && strcmp(c->platforms[i].id, id) == 0)
			return &c->platforms[i];
	return NULL;
}

const material *catalog_material(const catalog *c, const char *id)
{
	if (!c || !id)
		return NULL;
	for (size_t i = 0; i < c->n_materials; i++)
		if (c->materials[i].id && strcmp(c->materials[i].id, id) == 0)
			return &c->materials[i];
	return NULL;
}

const service *catalog_service(const catalog *c, const char *id)
{
	if (!c || !id)
		return NULL;
	for (size_t i = 0; i < c->n_services; i++)
		if (c->services[i].id && strcmp(c->services[i].id, id) == 0)
			return &c->services[i];
	return NULL;
}

const service *catalog_service_of(const catalog *c, const platform *p, service_kind k)
{
	if (!c || !p)
		return NULL;
	for (size_t i = 0; i < c->n_services; i++)
		if (c->services[i].platform == p && c->services[i].kind == k)
			return &c->services[i];
	return NULL;
}

const holder_type *platform_holder(const platform *p, const char *id)
{
	if (!p || !id)
		return NULL;
	for (size_t i = 0; i < p->n_holders; i++)
		if (strcmp(p->holders[i].id, id) == 0)
			return &p->holders[i];
	return NULL;
}

/* ---- freeing ---- */

static void free_texts(char *t[LANG_COUNT])
{
	for (int l = 0; l < LANG_COUNT; l++)
		free(t[l]);
}

void catalog_free(catalog *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_materials; i++) {
		free(c->materials[i].id);
		free_texts(c->materials[i].label);
		free_texts(c->materials[i].note);
	}
	free(c->materials);
	for (size_t i = 0; i < c->n_platforms; i++) {
		platform *p = &c->platforms[i];
		free(p->id);
		free_texts(p->name);
		for (size_t h = 0; h < p->n_holders; h++) {
			free(p->holders[h].id);
			free_texts(p->holders[h].label);
		}
		free(p->holders);
	}
	free(c->platforms);
	for (size_t i = 0; i < c->n_services; i++) {
		service *s = &c->services[i];
		free(s->id);
		free_texts(s->label);
		free_texts(s->help);
		free(s->materials);
	}
	free(c->services);
	free(c->rules.initial_pin);
	free(c->rules.holidays);
	free(c->rules.workdays);
	free(c);
}

/* ---- helpers for loading ---- */

static void join_names(const char *const *names, int count, char *buf, size_t n)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < count && used < n; i++) {
		int w = snprintf(buf + used, n - used, "%s%s", i ? ", " : "", names[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

static bool id_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static int oom(const kini_doc *d, kerr *err)
{
	return kerr_setf(err, d->path, 0, "out of memory");
}

static int check_id(const kini_doc *d, const kini_section *s, const char *id, kerr *err)
{
	if (!id[0])
		return kerr_setf(err, d->path, s->line, "section [%s] needs an id: [%s <id>]",
				 s->name, s->type);
	if (!id_ok(id))
		return kerr_setf(err, d->path, s->line, "id '%s' in [%s] may only use a-z, 0-9 "
				 "and '_'", id, s->name);
	return 0;
}

/* prefix.zh_CN / prefix.en into out[]; required: both must be there and non-empty;
 * optional: both or neither. */
static int read_texts(const kini_doc *d, const kini_section *s, const char *prefix,
		      bool required, char *out[LANG_COUNT], kerr *err)
{
	const kini_entry *e[LANG_COUNT];
	int present = 0;
	for (int l = 0; l < LANG_COUNT; l++) {
		char key[64];
		snprintf(key, sizeof key, "%s.%s", prefix, lang_name((lang)l));
		e[l] = required ? kini_require(d, s, key, err) : kini_find(s, key);
		if (required && !e[l])
			return -1;
		if (e[l]) {
			present++;
			if (!e[l]->value[0])
				return kerr_setf(err, d->path, e[l]->line, "%s is empty; write "
						 "the text%s", key, required ? "" :
						 " or delete the line");
		}
	}
	if (present && present != LANG_COUNT) {
		for (int l = 0; l < LANG_COUNT; l++)
			if (!e[l])
				return kerr_setf(err, d->path, s->line, "[%s] has %s in one "
						 "language but lacks %s.%s; give every "
						 "language or none", s->name, prefix, prefix,
						 lang_name((lang)l));
	}
	for (int l = 0; l < LANG_COUNT; l++) {
		if (!e[l])
			continue;
		out[l] = kini_strdup(e[l]->value);
		if (!out[l])
			return oom(d, err);
	}
	return 0;
}

static int read_enum(const kini_doc *d, const kini_section *s, const char *key,
		     const char *const *names, int count, int *out, kerr *err)
{
	const kini_entry *e = kini_require(d, s, key, err);
	if (!e)
		return -1;
	int v = names_index(names, count, e->value);
	if (v < 0) {
		char list[256];
		join_names(names, count, list, sizeof list);
		return kerr_setf(err, d->path, e->line, "%s = '%s' is not allowed; use one "
				 "of: %s", key, e->value, list);
	}
	*out = v;
	return 0;
}

static int read_bool(const kini_doc *d, const kini_section *s, const char *key, bool *out,
		     kerr *err)
{
	const kini_entry *e = kini_require(d, s, key, err);
	if (!e)
		return -1;
	if (kini_parse_bool(e->value, out) < 0)
		return kerr_setf(err, d->path, e->line, "%s = '%s' is not allowed; use one "
				 "of: yes, no", key, e->value);
	return 0;
}

static int read_int(const kini_doc *d, const kini_section *s, const char *key, long min,
		    long max, int *out, kerr *err)
{
	const kini_entry *e = kini_require(d, s, key, err);
	if (!e)
		return -1;
	long v;
	if (kini_parse_long(e->value, min, max, &v) < 0)
		return kerr_setf(err, d->path, e->line, "%s = '%s': must be a whole number "
				 "from %ld to %ld", key, e->value, min, max);
	*out = (int)v;
	return 0;
}

/* Fees: a whole, non-negative number of 分 that fits int64_t. */
static int parse_fen(const char *v, int64_t *out)
{
	if (!*v)
		return -1;
	int64_t acc = 0;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		int dgt = *p - '0';
		if (acc > (INT64_MAX - dgt) / 10)
			return -1;
		acc = acc * 10 + dgt;
	}
	*out = acc;
	return 0;
}

static int read_fen(const kini_doc *d, const kini_section *s, const char *key, int64_t *out,
		    kerr *err)
{
	const kini_entry *e = kini_require(d, s, key, err);
	if (!e)
		return -1;
	if (parse_fen(e->value, out) < 0)
		return kerr_setf(err, d->path, e->line, "%s = '%s': fee must be a whole "
				 "number of 分 ≥ 0 (e.g. 10000 for 100 元)", key, e->value);
	return 0;
}

/* A comma list of enum words, each at most once, in order. */
static int read_enum_list(const kini_doc *d, const kini_section *s, const char *key,
			  const char *const *names, int count, int *out, size_t *n_out,
			  kerr *err)
{
	const kini_entry *e = kini_require(d, s, key, err);
	if (!e)
		return -1;
	char **items;
	size_t n;
	char list[256];
	join_names(names, count, list, sizeof list);
	if (kini_split_list(e->value, &items, &n) < 0)
		return kerr_setf(err, d->path, e->line, "%s: empty item in the list; write "
				 "words separated by commas, from: %s", key, list);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		int v = names_index(names, count, items[i]);
		if (v < 0) {
			rc = kerr_setf(err, d->path, e->line, "%s: '%s' is not allowed; use "
				       "words from: %s", key, items[i], list);
			break;
		}
		for (size_t j = 0; j < i; j++)
			if (out[j] == v) {
				rc = kerr_setf(err, d->path, e->line, "%s: '%s' is listed "
					       "twice; list it once", key, items[i]);
				break;
			}
		if (rc)
			break;
		out[i] = v;
	}
	if (!rc)
		*n_out = n;
	kini_list_free(items, n);
	return rc;
}

static char *load_path(const char *dir, const char *file)
{
	size_t n = strlen(dir) + strlen(file) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, file);
	return p;
}

/* ---- materials.ini ---- */

static const char *const material_keys[] = {
	"label.zh_CN", "label.en", "note.zh_CN", "note.en", "form", "seal", NULL
};

static int load_materials(catalog *c, const kini_doc *d, kerr *err)
{
	c->materials = calloc(d->n_sections ? d->n_sections : 1, sizeof *c->materials);
	if (!c->materials)
		return oom(d, err);
	for (size_t i = 0; i < d->n_sections; i++) {
		const kini_section *s = &d->sections[i];
		if (strcmp(s->type, "material") != 0)
			return kerr_setf(err, d->path, s->line, "unknown section type [%s]; "
					 "materials.ini holds only [material <id>] sections",
					 s->name);
		if (check_id(d, s, s->arg, err) < 0 || kini_check_keys(d, s, material_keys, err) < 0)
			return -1;
		material *m = &c->materials[c->n_materials++];
		if (!(m->id = kini_strdup(s->arg)))
			return oom(d, err);
		int form, seal;
		if (read_texts(d, s, "label", true, m->label, err) < 0 ||
		    read_texts(d, s, "note", false, m->note, err) < 0 ||
		    read_enum(d, s, "form", material_form_words, MAT_FORM_COUNT, &form, err) < 0 ||
		    read_enum(d, s, "seal", seal_rule_words, SEAL_RULE_COUNT, &seal, err) < 0)
			return -1;
		m->form = (material_form)form;
		m->seal = (seal_rule)seal;
	}
	if (!c->n_materials)
		return kerr_setf(err, d->path, 0, "no [material <id>] sections; the services "
				 "need their materials defined here");
	return 0;
}

/* ---- services.ini ---- */

static const char *const rules_keys[] = {
	"renew_window_days", "seal_upgrade_min_days", "years", "rongque_max_days",
	"initial_pin", "notice_days", "rating_followup_days", "holidays", "workdays", NULL
};
static const char *const platform_keys[] = { "name.zh_CN", "name.en", "seals", "key_algorithm",
					      NULL };
static const char *const service_keys[] = {
	"kind", "label.zh_CN", "label.en", "help.zh_CN", "help.en", "materials",
	"essential", "rongque", "key_required", "approval", "validity", "fees", "token",
	NULL
};

/* An optional list of dates (YYYY-MM-DD, comma separated): public holidays
 * fall on a weekday, make-up working days (weekend = true) on a weekend. */
static int read_days(const kini_doc *d, const kini_section *s, const char *key, bool weekend,
		     long **out, size_t *n_out, kerr *err)
{
	const kini_entry *e = kini_find(s, key);
	*out = NULL;
	*n_out = 0;
	if (!e || !e->value[0])
		return 0;
	char **items;
	size_t n;
	if (kini_split_list(e->value, &items, &n) < 0)
		return oom(d, err);
	long *v = calloc(n ? n : 1, sizeof *v);
	if (!v) {
		kini_list_free(items, n);
		return oom(d, err);
	}
	for (size_t i = 0; i < n; i++) {
		long day;
		if (!civil_parse(items[i], &day)) {
			kerr_setf(err, d->path, e->line, "%s = ...'%s'...: write each date as "
				  "YYYY-MM-DD, separated by commas", key, items[i]);
			goto bad;
		}
		if ((civil_weekday(day) >= 6) != weekend) {
			kerr_setf(err, d->path, e->line, "%s: %s is a %s; %s", key, items[i],
				  weekend ? "weekday" : "Saturday or Sunday",
				  weekend ? "workdays lists the weekend days that are worked (调休)"
					  : "holidays lists the weekdays that are not worked");
			goto bad;
		}
		v[i] = day;
	}
	kini_list_free(items, n);
	*out = v;
	*n_out = n;
	return 0;
bad:
	kini_list_free(items, n);
	free(v);
	return -1;
}

static int load_rules(catalog *c, const kini_doc *d, const kini_section *s, kerr *err)
{
	if (s->arg[0])
		return kerr_setf(err, d->path, s->line, "[rules] takes no id; write [rules]");
	if (kini_check_keys(d, s, rules_keys, err) < 0 ||
	    read_int(d, s, "renew_window_days", 0, 3650, &c->rules.renew_window_days, err) < 0 ||
	    read_int(d, s, "seal_upgrade_min_days", 0, 3650, &c->rules.seal_upgrade_min_days,
		     err) < 0 ||
	    read_int(d, s, "rongque_max_days", 1, 365, &c->rules.rongque_max_days, err) < 0)
		return -1;

	const kini_entry *e = kini_require(d, s, "years", err);
	if (!e)
		return -1;
	char **items;
	size_t n;
	bool ok = kini_split_list(e->value, &items, &n) == 0 && n > 0;
	long prev = 0, first = 0;
	for (size_t i = 0; ok && i < n; i++) {
		long v;
		if (kini_parse_long(items[i], 1, 50, &v) < 0 || (i > 0 && v != prev + 1))
			ok = false;
		if (i == 0)
			first = v;
		prev = v;
	}
	if (ok) {
		kini_list_free(items, n);
		c->rules.years_min = (int)first;
		c->rules.years_max = (int)prev;
	} else {
		kini_list_free(items, n);
		return kerr_setf(err, d->path, e->line, "years = '%s': list the certificate "
				 "terms sold as whole numbers of years from 1 to 50, ascending "
				 "without gaps, e.g. '1, 2'", e->value);
	}

	e = kini_require(d, s, "initial_pin", err);
	if (!e)
		return -1;
	size_t len = strlen(e->value);
	bool digits = len >= 6 && len <= 16;
	for (size_t i = 0; digits && i < len; i++)
		if (e->value[i] < '0' || e->value[i] > '9')
			digits = false;
	if (!digits)
		return kerr_setf(err, d->path, e->line, "initial_pin = '%s': must be 6 to 16 "
				 "digits (the guides give 12345678)", e->value);
	if (!(c->rules.initial_pin = kini_strdup(e->value)))
		return oom(d, err);

	/* the optional keys: the model rule and Sichuan's practice by default
	 * (documented in docs/config.md and beside the keys in services.ini) */
	c->rules.notice_days = 5;
	c->rules.rating_followup_days = 15;
	if ((kini_find(s, "notice_days") &&
	     read_int(d, s, "notice_days", 1, 60, &c->rules.notice_days, err) < 0) ||
	    (kini_find(s, "rating_followup_days") &&
	     read_int(d, s, "rating_followup_days", 1, 120, &c->rules.rating_followup_days, err) < 0))
		return -1;
	if (read_days(d, s, "holidays", false, &c->rules.holidays, &c->rules.n_holidays, err) < 0 ||
	    read_days(d, s, "workdays", true, &c->rules.workdays, &c->rules.n_workdays, err) < 0)
		return -1;
	c->rules.calendar = (civil_workdays){ c->rules.holidays, c->rules.n_holidays,
					      c->rules.workdays, c->rules.n_workdays };
	return 0;
}

static int load_platform(catalog *c, const kini_doc *d, const kini_section *s, kerr *err)
{
	if (check_id(d, s, s->arg, err) < 0 || kini_check_keys(d, s, platform_keys, err) < 0)
		return -1;
	platform *p = &c->platforms[c->n_platforms++];
	if (!(p->id = kini_strdup(s->arg)))
		return oom(d, err);
	p->waive_opening_years = -1; /* set by fees.ini; -1 = its [fees] section not seen */
	if (read_texts(d, s, "name", true, p->name, err) < 0 ||
	    read_bool(d, s, "seals", &p->has_seals, err) < 0)
		return -1;
	p->key_alg = KEY_ALG_P256;
	const kini_entry *e = kini_find(s, "key_algorithm");
	if (e) {
		int a = key_alg_from_name(e->value);
		if (a < 0)
			return kerr_setf(err, d->path, e->line, "key_algorithm = '%s': write p256 "
					 "(EC P-256, ECDSA-SHA256) or sm2 (SM2 key pair, "
					 "SM2-with-SM3 certificate)", e->value);
		p->key_alg = (key_alg)a;
	}
	return 0;
}

typedef struct pending {
	char *platform_id;       /* from the section id, resolved after the whole file */
	int line;
} pending;

static int load_service(catalog *c, const kini_doc *d, const kini_section *s,
			pending *pend, kerr *err)
{
	const char *dot = strchr(s->arg, '.');
	if (!s->arg[0] || !dot || dot == s->arg || !dot[1])
		return kerr_setf(err, d->path, s->line, "[%s]: a service id is "
				 "<platform>.<kind>, e.g. [service zc.renew]", s->name);
	char kind_part[64];
	snprintf(kind_part, sizeof kind_part, "%s", dot + 1);
	char list[256];
	join_names(service_kind_words, SVC_KIND_COUNT, list, sizeof list);
	int kind = service_kind_from_name(kind_part);
	if (kind < 0)
		return kerr_setf(err, d->path, s->line, "[%s]: unknown service kind '%s'; "
				 "use one of: %s", s->name, dot + 1, list);
	size_t plen = (size_t)(dot - s->arg);
	char *pid = malloc(plen + 1);
	if (!pid)
		return oom(d, err);
	memcpy(pid, s->arg, plen);
	pid[plen] = '\0';
	pend->platform_id = pid;
	pend->line = s->line;
	if (!id_ok(pid))
		return kerr_setf(err, d->path, s->line, "[%s]: platform id '%s' may only use "
				 "a-z, 0-9 and '_'", s->name, pid);
	if (kini_check_keys(d, s, service_keys, err) < 0)
		return -1;

	service *sv = &c->services[c->n_services++];
	if (!(sv->id = kini_strdup(s->arg)))
		return oom(d, err);
	sv->kind = (service_kind)kind;

	const kini_entry *e = kini_require(d, s, "kind", err);
	if (!e)
		return -1;
	if (service_kind_from_name(e->value) < 0)
		return kerr_setf(err, d->path, e->line, "kind = '%s' is not allowed; use one "
				 "of: %s", e->value, list);
	if (strcmp(e->value, kind_part) != 0)
		return kerr_setf(err, d->path, e->line, "kind = %s does not match the section "
				 "id [%s]; they must name the same kind", e->value, s->name);

	if (read_texts(d, s, "label", true, sv->label, err) < 0)
		return -1;
	/* two services with one name cannot be told apart on the day view, a
	 * slip or a report (the two PIN unlocks were both 密码解锁) */
	for (size_t i = 0; i + 1 < c->n_services; i++)
		for (int l = 0; l < LANG_COUNT; l++)
			if (c->services[i].label[l] && sv->label[l] &&
			    strcmp(c->services[i].label[l], sv->label[l]) == 0) {
				char key[32];
				snprintf(key, sizeof key, "label.%s", lang_name((lang)l));
				const kini_entry *le = kini_find(s, key);
				return kerr_setf(err, d->path, le ? le->line : s->line, "[%s]: label.%s '%s' is already "
						 "[service %s]'s; give each service a name of its own",
						 s->name, lang_name((lang)l), sv->label[l],
						 c->services[i].id);
			}
	if (read_texts(d, s, "help", false, sv->help, err) < 0 ||
	    read_bool(d, s, "rongque", &sv->rongque_allowed, err) < 0 ||
	    read_bool(d, s, "key_required", &sv->key_required, err) < 0 ||
	    read_bool(d, s, "approval", &sv->approval_required, err) < 0)
		return -1;
	int v;
	if (read_enum(d, s, "validity", validity_rule_words, VALIDITY_RULE_COUNT, &v, err) < 0)
		return -1;
	sv->validity = (validity_rule)v;

	int items[(int)FEE_ITEM_COUNT + (int)TOKEN_OP_COUNT];
	size_t n;
	if (read_enum_list(d, s, "fees", fee_item_words, FEE_ITEM_COUNT, items, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		sv->fee_items |= 1u << items[i];
	if (read_enum_list(d, s, "token", token_op_words, TOKEN_OP_COUNT, items, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		sv->token_ops[i] = (token_op)items[i];
	sv->n_token_ops = n;

	/* materials, in checklist order */
	const kini_entry *em = kini_require(d, s, "materials", err);
	if (!em)
		return -1;
	char **ids;
	if (kini_split_list(em->value, &ids, &n) < 0)
		return kerr_setf(err, d->path, em->line, "materials: empty item in the list; "
				 "write material ids separated by commas");
	sv->materials = calloc(n ? n : 1, sizeof *sv->materials);
	if (!sv->materials) {
		kini_list_free(ids, n);
		return oom(d, err);
	}
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		const material *m = catalog_material(c, ids[i]);
		if (!m) {
			rc = kerr_setf(err, d->path, em->line, "materials: unknown material "
				       "'%s'; define [material %s] in materials.ini or fix "
				       "the id", ids[i], ids[i]);
			break;
		}
		for (size_t j = 0; j < i; j++)
			if (sv->materials[j].material == m)
				rc = kerr_setf(err, d->path, em->line, "materials: '%s' is "
					       "listed twice; list it once", ids[i]);
		sv->materials[i].material = m;
	}
	kini_list_free(ids, n);
	if (rc)
		return rc;
	sv->n_materials = n;

	const kini_entry *ee = kini_require(d, s, "essential", err);
	if (!ee)
		return -1;
	if (kini_split_list(ee->value, &ids, &n) < 0)
		return kerr_setf(err, d->path, ee->line, "essential: empty item in the list; "
				 "write material ids separated by commas");
	for (size_t i = 0; i < n && !rc; i++) {
		const material *m = catalog_material(c, ids[i]);
		if (!m) {
			rc = kerr_setf(err, d->path, ee->line, "essential: unknown material "
				       "'%s'; define [material %s] in materials.ini or fix "
				       "the id", ids[i], ids[i]);
			break;
		}
		service_material *sm = NULL;
		for (size_t j = 0; j < sv->n_materials; j++)
			if (sv->materials[j].material == m)
				sm = &sv->materials[j];
		if (!sm)
			rc = kerr_setf(err, d->path, ee->line, "essential: '%s' is not in this "
				       "service's materials; essential must be a subset of "
				       "materials (add it there or remove it here)", ids[i]);
		else if (sm->essential)
			rc = kerr_setf(err, d->path, ee->line, "essential: '%s' is listed "
				       "twice; list it once", ids[i]);
		else
			sm->essential = true;
	}
	kini_list_free(ids, n);
	if (rc)
		return rc;

	/* The key is a material of its own: a service that needs it lists a device
	 * material as essential, and a device material is only listed by such a
	 * service (otherwise a customer without a key would be refused for it). */
	bool key_listed = false;
	for (size_t i = 0; i < sv->n_materials; i++) {
		const service_material *sm = &sv->materials[i];
		if (sm->material->form != MAT_DEVICE)
			continue;
		if (!sv->key_required)
			return kerr_setf(err, d->path, em->line, "materials lists the device "
					 "'%s' but key_required = no; set key_required = yes or "
					 "remove the device", sm->material->id);
		if (!sm->essential)
			return kerr_setf(err, d->path, ee->line, "the key '%s' is required "
					 "(key_required = yes) and must be listed in essential",
					 sm->material->id);
		key_listed = true;
	}
	if (sv->key_required && !key_listed)
		return kerr_setf(err, d->path, em->line, "key_required = yes but materials "
				 "lists no device material (form = device, e.g. usb_key); add it "
				 "to materials and essential");
	return 0;
}

static int finish_services(catalog *c, const kini_doc *d, pending *pend, kerr *err)
{
	for (size_t i = 0; i < c->n_services; i++) {
		service *sv = &c->services[i];
		const platform *p = catalog_platform(c, pend[i].platform_id);
		if (!p)
			return kerr_setf(err, d->path, pend[i].line, "[service %s] names the "
					 "platform '%s', which is not defined; add [platform %s] "
					 "or fix the id", sv->id, pend[i].platform_id,
					 pend[i].platform_id);
		sv->platform = p;
		if (p->has_seals)
			continue;
		bool seal_op = false;
		for (size_t k = 0; k < sv->n_token_ops; k++)
			if (sv->token_ops[k] == TOP_WRITE_SEAL)
				seal_op = true;
		if (service_charges(sv, FEE_SEAL) || sv->validity == VALIDITY_SEAL || seal_op)
			return kerr_setf(err, d->path, pend[i].line, "[service %s] charges, "
					 "writes or dates a seal, but platform %s has seals = no; "
					 "remove the seal parts or set seals = yes", sv->id, p->id);
	}
	if (!c->n_platforms)
		return kerr_setf(err, d->path, 0, "no [platform <id>] sections; define at "
				 "least one platform");
	if (!c->n_services)
		return kerr_setf(err, d->path, 0, "no [service <platform>.<kind>] sections; "
				 "define at least one service");
	return 0;
}

static int load_services(catalog *c, const kini_doc *d, kerr *err)
{
	size_t cap = d->n_sections ? d->n_sections : 1;
	c->platforms = calloc(cap, sizeof *c->platforms);
	c->services = calloc(cap, sizeof *c->services);
	pending *pend = calloc(cap, sizeof *pend);
	int rc = 0;
	if (!c->platforms || !c->services || !pend) {
		rc = oom(d, err);
		goto out;
	}
	const kini_section *rules = NULL;
	size_t n_pend = 0;
	for (size_t i = 0; i < d->n_sections && !rc; i++) {
		const kini_section *s = &d->sections[i];
		if (strcmp(s->type, "rules") == 0) {
			rules = s;
			rc = load_rules(c, d, s, err);
		} else if (strcmp(s->type, "platform") == 0) {
			rc = load_platform(c, d, s, err);
		} else if (strcmp(s->type, "service") == 0) {
			rc = load_service(c, d, s, &pend[n_pend++], err);
		} else {
			rc = kerr_setf(err, d->path, s->line, "unknown section type [%s]; "
				       "services.ini holds [rules], [platform <id>] and "
				       "[service <platform>.<kind>]", s->name);
		}
	}
	if (!rc && !rules)
		rc = kerr_setf(err, d->path, 0, "no [rules] section; add it with "
			       "renew_window_days, seal_upgrade_min_days, years, "
			       "rongque_max_days and initial_pin");
	if (!rc)
		rc = finish_services(c, d, pend, err);
	for (size_t i = 0; i < n_pend; i++)
		free(pend[i].platform_id);
out:
	free(pend);
	return rc;
}

/* ---- fees.ini ---- */

static const char *const fees_keys[] = { "reissue_fen", "waive_opening_years", NULL };
static const char *const holder_keys[] = {
	"label.zh_CN", "label.en", "opening_fen", "annual_fen", "seal_fen", NULL
};

static platform *platform_ref(catalog *c, const kini_doc *d, const kini_section *s,
			      const char *pid, kerr *err)
{
	platform *p = (platform *)catalog_platform(c, pid);
	if (!p)
		kerr_setf(err, d->path, s->line, "[%s] names the platform '%s', which "
			  "services.ini does not define; use one of its [platform <id>] ids",
			  s->name, pid);
	return p;
}

static int load_fees_section(catalog *c, const kini_doc *d, const kini_section *s, kerr *err)
{
	if (check_id(d, s, s->arg, err) < 0)
		return -1;
	platform *p = platform_ref(c, d, s, s->arg, err);
	if (!p || kini_check_keys(d, s, fees_keys, err) < 0 ||
	    read_fen(d, s, "reissue_fen", &p->reissue_fen, err) < 0 ||
	    read_int(d, s, "waive_opening_years", 0, 50, &p->waive_opening_years, err) < 0)
		return -1;
	return 0;
}

static int load_holder(catalog *c, const kini_doc *d, const kini_section *s, kerr *err)
{
	const char *dot = strchr(s->arg, '.');
	if (!dot || dot == s->arg || !dot[1])
		return kerr_setf(err, d->path, s->line, "[%s]: a holder id is "
				 "<platform>.<id>, e.g. [holder zc.unit]", s->name);
	size_t plen = (size_t)(dot - s->arg);
	char *pid = malloc(plen + 1);
	if (!pid)
		return oom(d, err);
	memcpy(pid, s->arg, plen);
	pid[plen] = '\0';
	if (check_id(d, s, dot + 1, err) < 0) {
		free(pid);
		return -1;
	}
	platform *p = platform_ref(c, d, s, pid, err);
	free(pid);
	if (!p || kini_check_keys(d, s, holder_keys, err) < 0)
		return -1;
	holder_type *nh = realloc(p->holders, (p->n_holders + 1) * sizeof *nh);
	if (!nh)
		return oom(d, err);
	p->holders = nh;
	holder_type *h = &p->holders[p->n_holders++];
	memset(h, 0, sizeof *h);
	if (!(h->id = kini_strdup(dot + 1)))
		return oom(d, err);
	if (read_texts(d, s, "label", true, h->label, err) < 0 ||
	    read_fen(d, s, "opening_fen", &h->opening_fen, err) < 0 ||
	    read_fen(d, s, "annual_fen", &h->annual_fen, err) < 0 ||
	    read_fen(d, s, "seal_fen", &h->seal_fen, err) < 0)
		return -1;
	return 0;
}

static int load_fees(catalog *c, const kini_doc *d, const char *services_path, kerr *err)
{
	for (size_t i = 0; i < d->n_sections; i++) {
		const kini_section *s = &d->sections[i];
		int rc;
		if (strcmp(s->type, "fees") == 0)
			rc = load_fees_section(c, d, s, err);
		else if (strcmp(s->type, "holder") == 0)
			rc = load_holder(c, d, s, err);
		else
			rc = kerr_setf(err, d->path, s->line, "unknown section type [%s]; "
				       "fees.ini holds [fees <platform>] and "
				       "[holder <platform>.<id>]", s->name);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < c->n_platforms; i++) {
		const platform *p = &c->platforms[i];
		if (p->waive_opening_years < 0)
			return kerr_setf(err, d->path, 0, "no [fees %s] section for platform "
					 "%s (%s); add it with reissue_fen and "
					 "waive_opening_years", p->id, p->id, services_path);
		if (p->n_holders)
			continue;
		for (size_t k = 0; k < c->n_services; k++) {
			const service *sv = &c->services[k];
			if (sv->platform == p &&
			    (service_charges(sv, FEE_OPENING) || service_charges(sv, FEE_ANNUAL) ||
			     service_charges(sv, FEE_SEAL)))
				return kerr_setf(err, d->path, 0, "service %s charges fees by "
						 "holder type, but there is no [holder %s.<id>] "
						 "section; add one", sv->id, p->id);
		}
	}
	return 0;
}

catalog *catalog_load(const char *dir, kerr *err)
{
	catalog *c = calloc(1, sizeof *c);
	char *mpath = load_path(dir, "materials.ini");
	char *spath = load_path(dir, "services.ini");
	char *fpath = load_path(dir, "fees.ini");
	kini_doc *d = NULL;
	int rc = -1;
	if (!c || !mpath || !spath || !fpath) {
		kerr_set(err, dir, "out of memory");
		goto out;
	}
	if (!(d = kini_load(mpath, err)) || load_materials(c, d, err) < 0)
		goto out;
	kini_free(d);
	if (!(d = kini_load(spath, err)) || load_services(c, d, err) < 0)
		goto out;
	kini_free(d);
	if (!(d = kini_load(fpath, err)) || load_fees(c, d, spath, err) < 0)
		goto out;
	rc = 0;
out:
	kini_free(d);
	free(mpath);
	free(spath);
	free(fpath);
	if (rc) {
		catalog_free(c);
		return NULL;
	}
	return c;
}
