#include "forms/config_check.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/case/casefsm.h"
#include "core/token/cert.h"
#include "core/case/catalog.h"
#include "core/case/party.h"
#include "core/case/rating.h"
#include "core/base/config.h"
#include "core/base/hidden.h"
#include "core/ca/ca.h"
#include "core/pay/pay.h"
#include "core/pay/recon.h"
#include "core/case/rules.h"
#include "core/train/scenario.h"
#include "core/case/staff.h"
#include "core/token/token.h"
#include "core/token/token_life.h"
#include "core/case/validate.h"
#include "forms/casewords.h"
#include "forms/checklist.h"
#include "forms/form.h"
#include "forms/slip.h"

/* Every key the code looks up, straight from its tables, so a new reason or
 * step cannot ship without its text. */
static const char *const required_keys[] = {
	VAL_REASONS(ENUM_COL2)
	RULE_VERDICTS(ENUM_COL2)
	CASE_STEPS(ENUM_COL3)
	CASE_STATUSES(ENUM_COL3)
	CASE_DECISIONS(ENUM_COL3)
	MATERIAL_MARKS(ENUM_COL3)
	RATING_LEVELS(ENUM_COL3)
	CHECKLIST_VERDICTS(ENUM_COL3)
	STAFF_ROLES(ENUM_COL3)
	FIELD_MESSAGES(ENUM_COL2)
	HIDDEN_CHARS(ENUM_COL2)
	TOKEN_STATUSES(ENUM_COL3)
	TOKEN_STATES(ENUM_COL3)
	TOKEN_REASONS(ENUM_COL3)
	CERT_MATCHES(ENUM_COL3)
	PAY_STATES(ENUM_COL3)
	PAY_RESULTS(ENUM_COL3)
	PAY_REFUND_STATES(ENUM_COL3)
	RECON_KINDS(ENUM_COL3)
	/* pinhash_acceptable()'s reason keys (core/audit/pinhash.h has no table) */
	"pin.too_short", "pin.too_long", "pin.not_digits", "pin.too_simple", "pin.sequence",
	"pin.repeated",
#define KIND(e, name) "kind." name,
#define FEE(e, name) "fee." name,
#define TOKEN(e, name) "token." name,
#define FORM(e, name) "form." name,
#define SEAL(e, name) "seal." name,
#define VALIDITY(e, name) "validity." name,
	SERVICE_KINDS(KIND)
	FEE_ITEMS(FEE)
	TOKEN_OPS(TOKEN)
	MATERIAL_FORMS(FORM)
	SEAL_RULES(SEAL)
	VALIDITY_RULES(VALIDITY)
#undef KIND
#undef FEE
#undef TOKEN
#undef FORM
#undef SEAL
#undef VALIDITY
	NULL
};

const char *const *config_required_string_keys(void)
{
	return required_keys;
}

/* forms.ini against the party's table (core/case/party.h): every party field
 * has its [field <id>] of the type the case stores, and a text field's
 * max_chars fit its array even in 4-byte characters, so that what the clerk
 * may type is never cut when the case keeps it. */
static int party_fields_check(const char *dir, const form_spec *form, kerr *err)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/forms.ini", dir);
	for (int i = 0; i < PF_COUNT; i++) {
		party_field pf = (party_field)i;
		const field_spec *f = form_field(form, party_field_name(pf));
		if (!f)
			return kerr_set(err, path, "no [field %s]; every case records it, add "
					"the section", party_field_name(pf));
		int want = field_type_from_name(party_field_type(pf));
		if ((int)f->type != want)
			return kerr_set(err, path, "[field %s] has type = %s; the case stores it "
					"as type %s", f->id, field_type_name(f->type),
					party_field_type(pf));
		size_t room = party_field_size(pf) - 1;
		if (f->type == FT_TEXT && (size_t)f->max_chars * 4 > room)
			return kerr_set(err, path, "[field %s] has max_chars = %d; the case "
					"keeps %zu bytes, which hold at most %zu characters of "
					"4 bytes: make it at most %zu", f->id, f->max_chars, room,
					room / 4, room / 4);
	}
	return 0;
}

/* The next {name} placeholder of text from *p on: its name in name (n
 * bytes), or false at the end. Names as strings_render reads them. */
static bool next_placeholder(const char **p, char *name, size_t n)
{
	for (const char *q = *p; (q = strchr(q, '{')); q++) {
		size_t k = 0;
		while ((q[1 + k] >= 'a' && q[1 + k] <= 'z') || (q[1 + k] >= 'A' && q[1 + k] <= 'Z') ||
		       (q[1 + k] >= '0' && q[1 + k] <= '9') || q[1 + k] == '_')
			k++;
		if (k == 0 || q[1 + k] != '}' || k >= n)
			continue;
		memcpy(name, q + 1, k);
		name[k] = '\0';
		*p = q + k + 2;
		return true;
	}
	return false;
}

/* Whether every placeholder of a is in b: the code fills the same names in
 * every language, so one the other lacks shows as written, "{name}". */
static bool placeholders_in(const char *a, const char *b, char *missing, size_t n)
{
	char name[64], want[66];
	for (const char *p = a; next_placeholder(&p, name, sizeof name);) {
		snprintf(want, sizeof want, "{%s}", name);
		if (!strstr(b, want)) {
			snprintf(missing, n, "%s", want);
			return false;
		}
	}
	return true;
}

static int missing_keys(const char *dir, lang l, const strings *s, const strings *other,
			kerr *err)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/strings/%s.ini", dir, lang_name(l));
	char list[480];
	size_t used = 0, n = 0;
	list[0] = '\0';
	/* The code's tables, and the words the slip and the notice print. */
	const char *const *tables[] = { required_keys, slip_string_keys(),
					slip_supplement_string_keys(), casewords_string_keys() };
	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
		for (const char *const *k = tables[t]; *k; k++) {
			if (strings_get(s, *k))
				continue;
			if (used < sizeof list - 40) {
				int w = snprintf(list + used, sizeof list - used, "%s%s", n ? ", " : "", *k);
				if (w > 0)
					used += (size_t)w;
			}
			n++;
		}
	if (n)
		return kerr_set(err, path, "missing %zu string key%s the code uses: %s%s; add "
				"them to [strings]", n, n == 1 ? "" : "s", list,
				used >= sizeof list - 40 ? ", ..." : "");
	/* the two languages must hold the same keys, or a screen shows "[key]" in one */
	for (size_t i = 0; i < strings_count(other); i++) {
		const char *k = strings_key(other, i);
		if (!strings_get(s, k))
			return kerr_set(err, path, "missing string key '%s', which the other "
					"language has; add its translation", k);
		char ph[66];
		if (!placeholders_in(strings_get(other, k), strings_get(s, k), ph, sizeof ph))
			return kerr_set(err, path, "'%s' lacks the placeholder %s that the other "
					"language has; the code fills the same names in both", k, ph);
	}
	return 0;
}

/* Every reason F8 offers (kiosk.ini [cancel] reasons) has its words in
 * every language, or the clerk would pick from a list of "[key]"s. */
static int cancel_reasons_check(const char *dir, const kiosk_config *kc, strings *const *str,
				kerr *err)
{
	for (int i = 0; i < kc->n_cancel_reasons; i++)
		for (int l = 0; l < LANG_COUNT; l++) {
			char key[64];
			snprintf(key, sizeof key, "cancel.reason.%s", kc->cancel_reasons[i]);
			if (strings_get(str[l], key))
				continue;
			char ini[1024];
			snprintf(ini, sizeof ini, "%s/kiosk.ini", dir);
			return kerr_setf(err, ini, kc->cancel_reasons_line,
					 "[cancel] reasons: '%s' has no words in strings/%s.ini; add "
					 "%s = ... there (or take the reason off the list)",
					 kc->cancel_reasons[i], lang_name((lang)l), key);
		}
	return 0;
}

int config_check_dir(const char *dir, config_summary *out, kerr *err)
{
	config_summary sum;
	memset(&sum, 0, sizeof sum);
	kiosk_config *kc = NULL;
	catalog *cat = NULL;
	form_spec *form = NULL;
	strings *str[LANG_COUNT] = { NULL };
	int rc = -1;

	if (!dir || !dir[0]) {
		kerr_set(err, NULL, "no config directory given");
		return -1;
	}
	if (!(kc = config_load(dir, err)) || !(cat = catalog_load(dir, err)) ||
	    !(form = form_load(dir, err)))
		goto out;
	for (int l = 0; l < LANG_COUNT; l++)
		if (!(str[l] = strings_load(dir, (lang)l, err)))
			goto out;
	for (int l = 0; l < LANG_COUNT; l++)
		if (missing_keys(dir, (lang)l, str[l], str[(l + 1) % LANG_COUNT], err) < 0)
			goto out;
	if (cancel_reasons_check(dir, kc, str, err) < 0)
		goto out;
	/* the trainer's scenarios, played through the catalog, keys and rules */
	if (scenario_check(dir, cat, err) < 0)
		goto out;
	if (party_fields_check(dir, form, err) < 0)
		goto out;
	/* the local CA's certificate profile */
	ca_profile prof;
	if (ca_profile_load(dir, &prof, err) < 0)
		goto out;
	sum.platforms = cat->n_platforms;
	sum.services = cat->n_services;
	sum.materials = cat->n_materials;
	for (size_t i = 0; i < cat->n_platforms; i++)
		sum.holders += cat->platforms[i].n_holders;
	sum.fields = form->n_fields;
	for (int l = 0; l < LANG_COUNT; l++)
		sum.strings[l] = strings_count(str[l]);
	if (out)
		*out = sum;
	rc = 0;
out:
	for (int l = 0; l < LANG_COUNT; l++)
		strings_free(str[l]);
	form_free(form);
	catalog_free(cat);
	config_free(kc);
	return rc;
}
