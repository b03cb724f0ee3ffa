/* test_catalog: the shipped services/materials/fees load and say what the
 * guides say (domain.md), and every kind of broken config is refused with the
 * right file:line and a message that says what to do. Broken configs are a
 * copy of kiosk-config/ in a mkdtemp directory with one line edited. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/base/civil.h"
#include "core/case/catalog.h"
#include "core/case/rating.h"
#include "tests/unit/testutil.h"

static catalog *load_shipped(void)
{
	kerr err = { { 0 }, { 0 } };
	catalog *c = catalog_load(KIOSK_CONFIG_DIR, &err);
	if (!c)
		fail_msg("shipped catalog: %s: %s", err.where, err.msg);
	return c;
}

static void shipped_loads(void **state)
{
	(void)state;
	catalog *c = load_shipped();
	assert_int_equal(c->n_platforms, 2);
	assert_int_equal(c->n_services, 15);
	assert_int_equal(c->n_materials, 8);
	assert_int_equal(c->rules.renew_window_days, 60);
	assert_int_equal(c->rules.seal_upgrade_min_days, 60);
	assert_int_equal(c->rules.years_min, 1);
	assert_int_equal(c->rules.years_max, 2);
	assert_int_equal(c->rules.rongque_max_days, 30);
	assert_string_equal(c->rules.initial_pin, "12345678");
	catalog_free(c);
}

static void platforms_and_fees(void **state)
{
	(void)state;
	catalog *c = load_shipped();
	const platform *rs = catalog_platform(c, "rs"), *zc = catalog_platform(c, "zc");
	assert_non_null(rs);
	assert_non_null(zc);
	assert_null(catalog_platform(c, "xx"));
	assert_false(rs->has_seals);
	assert_true(zc->has_seals);
	assert_string_equal(zc->name[LANG_ZH], "四川省政府采购一体化平台");
	assert_string_equal(rs->name[LANG_ZH], "四川人社在线公共服务平台");
	/* 政采 table: 2-year waives the opening fee; reissue 50 元 */
	assert_int_equal(zc->waive_opening_years, 2);
	assert_int_equal(zc->reissue_fen, 5000);
	const holder_type *u = platform_holder(zc, "unit"), *e = platform_holder(zc, "expert");
	assert_non_null(u);
	assert_non_null(e);
	assert_int_equal(u->opening_fen, 10000);
	assert_int_equal(u->annual_fen, 20000);
	assert_int_equal(u->seal_fen, 10000);
	assert_int_equal(e->opening_fen, 5000);
	assert_int_equal(e->annual_fen, 5000);
	assert_int_equal(e->seal_fen, 5000);
	assert_string_equal(e->label[LANG_ZH], "评标专家");
	assert_null(platform_holder(zc, "nobody"));
	/* 人社 states no amounts: shipped with the 政采 unit figures (assumption) */
	const holder_type *ru = platform_holder(rs, "unit");
	assert_non_null(ru);
	assert_int_equal(rs->n_holders, 1);
	assert_int_equal(rs->reissue_fen, 5000);
	assert_int_equal(ru->opening_fen, 10000);
	assert_int_equal(ru->annual_fen, 20000);
	catalog_free(c);
}

static void materials_shipped(void **state)
{
	(void)state;
	catalog *c = load_shipped();
	const material *m = catalog_material(c, "app_form");
	assert_non_null(m);
	assert_int_equal(m->form, MAT_ORIGINAL);
	assert_int_equal(m->seal, SEAL_FRESH);
	assert_non_null(strstr(m->label[LANG_ZH], "《企业机构数字证书及印章业务申请表》"));
	assert_non_null(strstr(m->note[LANG_ZH], "鲜章"));
	m = catalog_material(c, "licence_copy");
	assert_int_equal(m->form, MAT_COPY);
	assert_int_equal(m->seal, SEAL_FRESH);
	m = catalog_material(c, "agent_id_copy");
	assert_int_equal(m->form, MAT_COPY);
	assert_int_equal(m->seal, SEAL_FRESH);
	/* bind: original or copy, no seal rule stated */
	m = catalog_material(c, "licence_any");
	assert_int_equal(m->form, MAT_ORIGINAL_OR_COPY);
	assert_int_equal(m->seal, SEAL_NONE);
	m = catalog_material(c, "agent_id_any");
	assert_int_equal(m->form, MAT_ORIGINAL_OR_COPY);
	assert_int_equal(m->seal, SEAL_NONE);
	m = catalog_material(c, "agent_id");
	assert_int_equal(m->seal, SEAL_NONE);
	m = catalog_material(c, "seal_form");
	assert_non_null(strstr(m->label[LANG_ZH], "国标印章申请表"));
	assert_non_null(strstr(m->note[LANG_ZH], "防伪码"));
	m = catalog_material(c, "usb_key");
	assert_int_equal(m->form, MAT_DEVICE);
	assert_null(catalog_material(c, "passport"));
	catalog_free(c);
}

/* One row per service: the facts of domain.md's services table. */
typedef struct svc_fact {
	const char *id;
	service_kind kind;
	const char *materials;   /* ids in order, '*' marks essential */
	bool rongque, key, approval;
	validity_rule validity;
	unsigned fees;
	const char *token;       /* op names in order */
} svc_fact;

#define F(x) (1u << (x))
static const svc_fact facts[] = {
	{ "rs.new", SVC_NEW, "*app_form licence_copy agent_id_copy", true, false, false,
	  VALIDITY_NEW, F(FEE_OPENING) | F(FEE_ANNUAL), "personalise write_cert" },
	{ "rs.renew", SVC_RENEW, "*app_form agent_id_copy *usb_key", true, true, false,
	  VALIDITY_EXTEND, F(FEE_ANNUAL), "read write_cert" },
	{ "rs.change", SVC_CHANGE, "*app_form licence_copy agent_id_copy *usb_key", false, true,
	  false, VALIDITY_KEEP, 0, "read write_cert revoke_old" },
	{ "rs.reissue", SVC_REISSUE, "*app_form agent_id_copy", false, false, false,
	  VALIDITY_KEEP, F(FEE_REISSUE), "personalise write_cert revoke_old" },
	{ "rs.revoke", SVC_REVOKE, "*app_form agent_id_copy", false, false, true,
	  VALIDITY_NONE, 0, "revoke_old erase" },
	{ "rs.bind", SVC_BIND, "licence_any agent_id_any *usb_key", false, true, false,
	  VALIDITY_NONE, 0, "read" },
	{ "rs.unlock", SVC_UNLOCK, "agent_id *usb_key", false, true, false, VALIDITY_NONE, 0,
	  "read reset_pin" },
	{ "zc.new", SVC_NEW, "*app_form licence_copy agent_id_copy", true, false, false,
	  VALIDITY_NEW, F(FEE_OPENING) | F(FEE_ANNUAL) | F(FEE_SEAL),
	  "personalise write_cert write_seal" },
	{ "zc.renew", SVC_RENEW, "*app_form agent_id_copy *usb_key", true, true, false,
	  VALIDITY_EXTEND, F(FEE_ANNUAL) | F(FEE_SEAL), "read write_cert write_seal" },
	{ "zc.change", SVC_CHANGE, "*app_form licence_copy agent_id_copy *usb_key", false, true,
	  false, VALIDITY_KEEP, 0, "read write_cert write_seal revoke_old" },
	{ "zc.reissue", SVC_REISSUE, "*app_form agent_id_copy", false, false, false,
	  VALIDITY_KEEP, F(FEE_REISSUE), "personalise write_cert write_seal revoke_old" },
	{ "zc.revoke", SVC_REVOKE, "*app_form agent_id_copy", false, false, true,
	  VALIDITY_NONE, 0, "revoke_old erase" },
	{ "zc.unlock", SVC_UNLOCK, "agent_id *usb_key", false, true, false, VALIDITY_NONE, 0,
	  "read reset_pin" },
	{ "zc.seal_upgrade", SVC_SEAL_UPGRADE, "*seal_form *usb_key", false, true, false,
	  VALIDITY_SEAL, 0, "read write_seal" },
	{ "zc.seal_renew", SVC_SEAL_RENEW, "*usb_key", false, true, false, VALIDITY_SEAL,
	  F(FEE_SEAL), "read write_seal" },
};

static void services_match_domain(void **state)
{
	(void)state;
	catalog *c = load_shipped();
	for (size_t i = 0; i < sizeof facts / sizeof facts[0]; i++) {
		const svc_fact *f = &facts[i];
		const service *s = catalog_service(c, f->id);
		if (!s)
			fail_msg("service %s missing", f->id);
		assert_int_equal(s->kind, f->kind);
		assert_ptr_equal(catalog_service_of(c, s->platform, f->kind), s);
		assert_int_equal(s->rongque_allowed, f->rongque);
		assert_int_equal(s->key_required, f->key);
		assert_int_equal(s->approval_required, f->approval);
		assert_int_equal(s->validity, f->validity);
		assert_int_equal(s->fee_items, f->fees);
		assert_non_null(s->label[LANG_ZH]);
		assert_non_null(s->label[LANG_EN]);

		char buf[256] = "";
		for (size_t k = 0; k < s->n_materials; k++) {
			strcat(buf, k ? " " : "");
			strcat(buf, s->materials[k].essential ? "*" : "");
			strcat(buf, s->materials[k].material->id);
		}
		if (strcmp(buf, f->materials) != 0)
			fail_msg("%s materials: got '%s', want '%s'", f->id, buf, f->materials);
		buf[0] = '\0';
		for (size_t k = 0; k < s->n_token_ops; k++) {
			strcat(buf, k ? " " : "");
			strcat(buf, token_op_name(s->token_ops[k]));
		}
		if (strcmp(buf, f->token) != 0)
			fail_msg("%s token: got '%s', want '%s'", f->id, buf, f->token);
	}
	/* 人社 has no seal services; 政采 no bind */
	const platform *rs = catalog_platform(c, "rs"), *zc = catalog_platform(c, "zc");
	assert_null(catalog_service_of(c, rs, SVC_SEAL_UPGRADE));
	assert_null(catalog_service_of(c, rs, SVC_SEAL_RENEW));
	assert_null(catalog_service_of(c, zc, SVC_BIND));
	assert_null(catalog_service(c, "zc.bind"));
	catalog_free(c);
}

/* The rules across all services, independent of the table above. */
static void services_invariants(void **state)
{
	(void)state;
	catalog *c = load_shipped();
	for (size_t i = 0; i < c->n_services; i++) {
		const service *s = &c->services[i];
		bool key_listed = false;
		for (size_t k = 0; k < s->n_materials; k++) {
			const service_material *sm = &s->materials[k];
			/* the form original is always essential */
			if (strcmp(sm->material->id, "app_form") == 0)
				assert_true(sm->essential);
			if (sm->material->form == MAT_DEVICE) {
				assert_true(sm->essential);
				key_listed = true;
			}
			/* essential is only the form(s) and the key */
			if (sm->essential)
				assert_true(strcmp(sm->material->id, "app_form") == 0 ||
					    strcmp(sm->material->id, "seal_form") == 0 ||
					    sm->material->form == MAT_DEVICE);
		}
		assert_int_equal(key_listed, s->key_required);
		/* change and reissue keep the validity */
		if (s->kind == SVC_CHANGE || s->kind == SVC_REISSUE)
			assert_int_equal(s->validity, VALIDITY_KEEP);
		/* change and bind need the key; reissue and revoke cannot */
		if (s->kind == SVC_CHANGE || s->kind == SVC_BIND)
			assert_true(s->key_required);
		if (s->kind == SVC_REISSUE || s->kind == SVC_REVOKE)
			assert_false(s->key_required);
		assert_int_equal(s->approval_required, s->kind == SVC_REVOKE);
		if (!s->platform->has_seals)
			assert_false(service_charges(s, FEE_SEAL));
	}
	catalog_free(c);
}

static void names_round_trip(void **state)
{
	(void)state;
	for (int i = 0; i < SVC_KIND_COUNT; i++)
		assert_int_equal(service_kind_from_name(service_kind_name((service_kind)i)), i);
	for (int i = 0; i < MAT_FORM_COUNT; i++)
		assert_int_equal(material_form_from_name(material_form_name((material_form)i)), i);
	for (int i = 0; i < SEAL_RULE_COUNT; i++)
		assert_int_equal(seal_rule_from_name(seal_rule_name((seal_rule)i)), i);
	for (int i = 0; i < VALIDITY_RULE_COUNT; i++)
		assert_int_equal(validity_rule_from_name(validity_rule_name((validity_rule)i)), i);
	for (int i = 0; i < FEE_ITEM_COUNT; i++)
		assert_int_equal(fee_item_from_name(fee_item_name((fee_item)i)), i);
	for (int i = 0; i < TOKEN_OP_COUNT; i++)
		assert_int_equal(token_op_from_name(token_op_name((token_op)i)), i);
	assert_string_equal(service_kind_name(SVC_SEAL_UPGRADE), "seal_upgrade");
	assert_string_equal(material_form_name(MAT_ORIGINAL_OR_COPY), "original_or_copy");
	assert_string_equal(token_op_name(TOP_REVOKE_OLD), "revoke_old");
	assert_int_equal(service_kind_from_name("New"), -1);
	assert_int_equal(service_kind_from_name(""), -1);
	assert_int_equal(service_kind_from_name(NULL), -1);
	assert_int_equal(material_form_from_name("scan"), -1);
	assert_int_equal(seal_rule_from_name("stale"), -1);
	assert_int_equal(validity_rule_from_name("forever"), -1);
	assert_int_equal(fee_item_from_name("tip"), -1);
	assert_int_equal(token_op_from_name("format"), -1);
	assert_string_equal(service_kind_name((service_kind)99), "?");
}

/* ---- broken configs ---- */

/* Copy the config, replace line `old` (after `anchor`) in `file` with `repl`,
 * load, and expect failure at file:line (line < 0: the edited line; 0: no
 * line) with `want` in the message. */
static void expect_broken(const char *file, const char *anchor, const char *old,
			  const char *repl, int line, const char *want)
{
	char dir[1024], path[1100];
	assert_non_null(tu_config_copy(dir, sizeof dir));
	tu_path(path, sizeof path, dir, file);
	int edited = tu_edit_line(path, anchor, old, repl);
	if (edited < 0)
		fail_msg("fixture: line '%s' not found in %s", old, file);
	kerr err = { { 0 }, { 0 } };
	catalog *c = catalog_load(dir, &err);
	if (c) {
		catalog_free(c);
		tu_config_remove(dir);
		fail_msg("%s: '%s' -> '%s' was accepted", file, old, repl ? repl : "(deleted)");
	}
	char where[1200];
	if (line == 0)
		snprintf(where, sizeof where, "/%s", file);
	else
		snprintf(where, sizeof where, "/%s:%d", file, line < 0 ? edited : line);
	bool ok_where = tu_ends_with(err.where, where);
	bool ok_msg = strstr(err.msg, want) != NULL;
	tu_config_remove(dir);
	if (!ok_where || !ok_msg)
		fail_msg("got '%s: %s', want '...%s' and '%s'", err.where, err.msg, where, want);
}

/* Line number of text in the shipped file (for header-line errors). */
static int shipped_line(const char *file, const char *text)
{
	char path[1024];
	tu_path(path, sizeof path, KIOSK_CONFIG_DIR, file);
	int n = tu_line_of(path, text);
	if (n < 0)
		fail_msg("fixture: '%s' not in shipped %s", text, file);
	return n;
}

static void err_malformed_line(void **state)
{
	(void)state;
	expect_broken("services.ini", NULL, "rongque_max_days = 30", "rongque_max_days 30", -1,
		      "malformed line");
	expect_broken("services.ini", NULL, "[platform rs]", "[platform rs", -1,
		      "without a closing ']'");
	expect_broken("services.ini", NULL, "[platform rs]", "[platform rs] x", -1,
		      "text after ']'");
	expect_broken("services.ini", NULL, "[platform rs]", "[]", -1, "empty section header");
	expect_broken("materials.ini", NULL, "[material app_form]",
		      "stray = 1\n[material app_form]", -1, "before any [section]");
	expect_broken("fees.ini", NULL, "reissue_fen = 5000", "= 5000", -1, "key name is missing");
}

static void err_long_line_and_bytes(void **state)
{
	(void)state;
	char *longv = malloc(5000);
	assert_non_null(longv);
	memcpy(longv, "label.en = ", 11);
	memset(longv + 11, 'x', 4500);
	longv[4511] = '\0';
	expect_broken("services.ini", "[service rs.new]", "label.en = New certificate", longv, -1,
		      "more than the 4096 allowed");
	free(longv);
	/* GBK bytes for 新办 */
	expect_broken("services.ini", NULL, "label.zh_CN = 证书新办",
		      "label.zh_CN = \xD0\xC2\xB0\xEC", -1, "invalid UTF-8");
}

static void err_nul_byte(void **state)
{
	(void)state;
	char dir[1024], path[1100];
	assert_non_null(tu_config_copy(dir, sizeof dir));
	tu_path(path, sizeof path, dir, "materials.ini");
	size_t n;
	char *buf = tu_read_file(path, &n);
	assert_non_null(buf);
	/* turn the first character of line 3 into a NUL */
	size_t pos = 0;
	for (int l = 1; l < 3; pos++)
		if (buf[pos] == '\n')
			l++;
	buf[pos] = '\0';
	assert_true(tu_write_file(path, buf, n));
	free(buf);
	kerr err = { { 0 }, { 0 } };
	assert_null(catalog_load(dir, &err));
	assert_true(tu_ends_with(err.where, "/materials.ini:3"));
	assert_non_null(strstr(err.msg, "NUL byte"));
	tu_config_remove(dir);
}

static void err_unknown_section_type(void **state)
{
	(void)state;
	expect_broken("services.ini", NULL, "[service rs.new]", "[servise rs.new]", -1,
		      "unknown section type [servise rs.new]");
	expect_broken("materials.ini", NULL, "[material usb_key]", "[materia usb_key]", -1,
		      "unknown section type");
	expect_broken("fees.ini", NULL, "[fees zc]", "[fee zc]", -1, "unknown section type");
	expect_broken("services.ini", NULL, "[rules]", "[rules extra]", -1, "takes no id");
	expect_broken("materials.ini", NULL, "[material usb_key]", "[material]", -1,
		      "needs an id");
	expect_broken("materials.ini", NULL, "[material usb_key]", "[material USB-key]", -1,
		      "may only use a-z");
}

static void err_unknown_key(void **state)
{
	(void)state;
	expect_broken("services.ini", "[service rs.new]", "approval = no", "aproval = no", -1,
		      "unknown key 'aproval' in [service rs.new]; allowed keys: kind, ");
	expect_broken("materials.ini", NULL, "seal = fresh", "stamp = fresh", -1,
		      "unknown key 'stamp'");
	expect_broken("fees.ini", NULL, "seal_fen = 10000", "seals_fen = 10000", -1,
		      "unknown key 'seals_fen'");
	expect_broken("services.ini", NULL, "initial_pin = 12345678", "initial_pin2 = 1", -1,
		      "unknown key 'initial_pin2'");
}

static void err_duplicates(void **state)
{
	(void)state;
	int first = shipped_line("services.ini", "[service rs.new]");
	char want[64];
	snprintf(want, sizeof want, "duplicate section [service rs.new] (first at line %d)", first);
	expect_broken("services.ini", NULL, "[service rs.renew]", "[service rs.new]", -1, want);
	/* spacing inside the brackets does not make a different section */
	expect_broken("services.ini", NULL, "[service rs.renew]", "[ service   rs.new ]", -1,
		      "duplicate section [service rs.new]");
	expect_broken("services.ini", "[service rs.new]", "approval = no",
		      "approval = no\napproval = yes", shipped_line("services.ini",
		      "approval = no") + 1, "appears twice");
	expect_broken("fees.ini", NULL, "[holder zc.expert]", "[holder zc.unit]", -1,
		      "duplicate section [holder zc.unit]");
	/* two services named alike in one language cannot be told apart */
	expect_broken("services.ini", NULL, "label.zh_CN = 证书及印章密码解锁", "label.zh_CN = 证书密码解锁",
		      -1, "[service zc.unlock]: label.zh_CN '证书密码解锁' is already [service rs.unlock]'s");
	expect_broken("services.ini", NULL, "label.en = Unlock cert + seal PIN", "label.en = Certificate PIN unlock",
		      -1, "label.en 'Certificate PIN unlock' is already [service rs.unlock]'s");
}

static void err_missing_required(void **state)
{
	(void)state;
	int hdr = shipped_line("services.ini", "[service rs.new]");
	expect_broken("services.ini", "[service rs.new]", "validity = new", NULL, hdr,
		      "[service rs.new] lacks the required key 'validity'");
	expect_broken("services.ini", "[service rs.new]", "kind = new", NULL, hdr,
		      "lacks the required key 'kind'");
	expect_broken("services.ini", "[service rs.new]", "label.en = New certificate", NULL, hdr,
		      "lacks the required key 'label.en'");
	hdr = shipped_line("materials.ini", "[material usb_key]");
	expect_broken("materials.ini", "[material usb_key]", "form = device", NULL, hdr,
		      "lacks the required key 'form'");
	hdr = shipped_line("fees.ini", "[holder zc.expert]");
	expect_broken("fees.ini", "[holder zc.expert]", "seal_fen = 5000", NULL, hdr,
		      "lacks the required key 'seal_fen'");
	hdr = shipped_line("services.ini", "[rules]");
	expect_broken("services.ini", NULL, "initial_pin = 12345678", NULL, hdr,
		      "lacks the required key 'initial_pin'");
	/* a section without keys at all (inih never reports it) */
	expect_broken("services.ini", NULL, "[service rs.new]",
		      "[service zc.bind]\n[service rs.new]", -1,
		      "[service zc.bind] lacks the required key 'kind'");
	/* optional texts come in both languages or none */
	expect_broken("services.ini", "[service rs.new]",
		      "help.en = First certificate or an additional one; a new USB key is issued",
		      NULL, shipped_line("services.ini", "[service rs.new]"), "lacks help.en");
	expect_broken("services.ini", "[service rs.new]", "label.en = New certificate",
		      "label.en =", -1, "label.en is empty");
}

static void err_kind_and_ids(void **state)
{
	(void)state;
	expect_broken("services.ini", "[service rs.new]", "kind = new", "kind = renew", -1,
		      "kind = renew does not match the section id [service rs.new]");
	expect_broken("services.ini", "[service rs.new]", "kind = new", "kind = nuevo", -1,
		      "kind = 'nuevo' is not allowed; use one of: new, renew, change, reissue, "
		      "revoke, bind, unlock, seal_upgrade, seal_renew");
	expect_broken("services.ini", NULL, "[service rs.new]", "[service rs.frob]", -1,
		      "unknown service kind 'frob'");
	expect_broken("services.ini", NULL, "[service rs.new]", "[service rsnew]", -1,
		      "<platform>.<kind>");
	expect_broken("services.ini", NULL, "[service rs.new]", "[service .new]", -1,
		      "<platform>.<kind>");
}

static void err_unknown_references(void **state)
{
	(void)state;
	/* a service of a platform that is not defined */
	expect_broken("services.ini", NULL, "[service rs.new]", "[service xx.new]", -1,
		      "names the platform 'xx', which is not defined");
	/* a material that materials.ini does not define */
	expect_broken("services.ini", "[service rs.new]",
		      "materials = app_form, licence_copy, agent_id_copy",
		      "materials = app_form, licence_copy, passport", -1,
		      "unknown material 'passport'");
	expect_broken("services.ini", "[service rs.new]", "essential = app_form",
		      "essential = app_form, passport", -1, "unknown material 'passport'");
	/* fees.ini naming platforms services.ini does not define */
	expect_broken("fees.ini", NULL, "[fees zc]", "[fees zz]", -1,
		      "names the platform 'zz'");
	expect_broken("fees.ini", NULL, "[holder zc.expert]", "[holder zz.expert]", -1,
		      "names the platform 'zz'");
	expect_broken("fees.ini", NULL, "[holder zc.expert]", "[holder zc]", -1,
		      "<platform>.<id>");
	/* a platform without its [fees] section */
	char dir[1024], path[1100];
	kerr err = { { 0 }, { 0 } };
	assert_non_null(tu_config_copy(dir, sizeof dir));
	tu_path(path, sizeof path, dir, "services.ini");
	assert_true(tu_edit_line(path, NULL, "[platform zc]", "[platform xx]\nname.zh_CN = x\n"
				 "name.en = x\nseals = no\n[platform zc]") > 0);
	assert_null(catalog_load(dir, &err));
	assert_true(tu_ends_with(err.where, "/fees.ini"));
	assert_non_null(strstr(err.msg, "no [fees xx] section for platform xx"));
	tu_config_remove(dir);
	/* a platform whose services charge holder fees but has no holder */
	assert_non_null(tu_config_copy(dir, sizeof dir));
	tu_path(path, sizeof path, dir, "fees.ini");
	assert_true(tu_edit_line(path, NULL, "[holder rs.unit]", "[holder zc.other]") > 0);
	assert_null(catalog_load(dir, &err));
	assert_non_null(strstr(err.msg, "no [holder rs.<id>] section"));
	assert_true(tu_ends_with(err.where, "/fees.ini"));
	tu_config_remove(dir);
}

static void err_essential_not_subset(void **state)
{
	(void)state;
	expect_broken("services.ini", "[service rs.new]", "essential = app_form",
		      "essential = app_form, usb_key", -1,
		      "essential: 'usb_key' is not in this service's materials");
	expect_broken("services.ini", "[service rs.new]", "essential = app_form",
		      "essential = app_form, app_form", -1, "listed twice");
	expect_broken("services.ini", "[service rs.new]",
		      "materials = app_form, licence_copy, agent_id_copy",
		      "materials = app_form, licence_copy, app_form", -1, "listed twice");
	expect_broken("services.ini", "[service rs.new]",
		      "materials = app_form, licence_copy, agent_id_copy",
		      "materials = app_form, , agent_id_copy", -1, "empty item");
}

static void err_key_rules(void **state)
{
	(void)state;
	/* the key listed but not essential */
	int mat = -1;
	{
		char dir[1024], path[1100];
		assert_non_null(tu_config_copy(dir, sizeof dir));
		tu_path(path, sizeof path, dir, "services.ini");
		int ess = tu_edit_line(path, "[service rs.unlock]", "essential = usb_key",
				       "essential =");
		assert_true(ess > 0);
		kerr err = { { 0 }, { 0 } };
		assert_null(catalog_load(dir, &err));
		char want[64];
		snprintf(want, sizeof want, "/services.ini:%d", ess);
		assert_true(tu_ends_with(err.where, want));
		assert_non_null(strstr(err.msg, "must be listed in essential"));
		tu_config_remove(dir);
	}
	/* key_required = yes but no device among the materials */
	{
		char dir[1024], path[1100];
		assert_non_null(tu_config_copy(dir, sizeof dir));
		tu_path(path, sizeof path, dir, "services.ini");
		mat = tu_edit_line(path, "[service rs.unlock]", "materials = agent_id, usb_key",
				   "materials = agent_id");
		assert_true(tu_edit_line(path, "[service rs.unlock]", "essential = usb_key",
					 "essential =") > 0);
		kerr err = { { 0 }, { 0 } };
		assert_null(catalog_load(dir, &err));
		char want[64];
		snprintf(want, sizeof want, "/services.ini:%d", mat);
		assert_true(tu_ends_with(err.where, want));
		assert_non_null(strstr(err.msg, "lists no device material"));
		tu_config_remove(dir);
	}
	/* a device listed by a service that does not require the key */
	expect_broken("services.ini", "[service rs.reissue]", "materials = app_form, agent_id_copy",
		      "materials = app_form, agent_id_copy, usb_key", -1,
		      "key_required = no");
	/* seals on a platform without seals */
	expect_broken("services.ini", "[service rs.new]", "fees = opening, annual",
		      "fees = opening, annual, seal", shipped_line("services.ini",
		      "[service rs.new]"), "seals = no");
}

static void err_bad_enum_words(void **state)
{
	(void)state;
	expect_broken("services.ini", "[service rs.new]", "validity = new", "validity = forever",
		      -1, "validity = 'forever' is not allowed; use one of: none, new, extend, "
		      "keep, seal");
	expect_broken("services.ini", "[service rs.new]", "rongque = yes", "rongque = maybe", -1,
		      "rongque = 'maybe' is not allowed; use one of: yes, no");
	expect_broken("services.ini", "[service rs.new]", "fees = opening, annual",
		      "fees = opening, tip", -1,
		      "fees: 'tip' is not allowed; use words from: opening, annual, seal, reissue");
	expect_broken("services.ini", "[service rs.new]", "fees = opening, annual",
		      "fees = opening, opening", -1, "'opening' is listed twice");
	expect_broken("services.ini", "[service rs.new]", "token = personalise, write_cert",
		      "token = personalise, format", -1,
		      "token: 'format' is not allowed; use words from: read, personalise, "
		      "write_cert, write_seal, reset_pin, erase, revoke_old");
	expect_broken("materials.ini", "[material usb_key]", "form = device", "form = scan", -1,
		      "form = 'scan' is not allowed; use one of: original, copy, "
		      "original_or_copy, device");
	expect_broken("materials.ini", "[material app_form]", "seal = fresh", "seal = wet", -1,
		      "use one of: none, fresh");
	expect_broken("services.ini", NULL, "seals = no", "seals = 2", -1,
		      "use one of: yes, no");
}

static void err_rules_values(void **state)
{
	(void)state;
	expect_broken("services.ini", NULL, "years = 1, 2", "years = 1, 3", -1,
		      "without gaps");
	expect_broken("services.ini", NULL, "years = 1, 2", "years = 0", -1, "from 1 to 50");
	expect_broken("services.ini", NULL, "years = 1, 2", "years =", -1, "e.g. '1, 2'");
	expect_broken("services.ini", NULL, "initial_pin = 12345678", "initial_pin = 1234abcd",
		      -1, "6 to 16 digits");
	expect_broken("services.ini", NULL, "renew_window_days = 60", "renew_window_days = -1",
		      -1, "whole number from 0 to 3650");
	expect_broken("services.ini", NULL, "renew_window_days = 60", "renew_window_days = 6O",
		      -1, "whole number");
	expect_broken("services.ini", NULL, "rongque_max_days = 30", "rongque_max_days = 0",
		      -1, "from 1 to 365");
}

/* The optional rule keys of issue 13: their shipped values, their defaults
 * when absent, and the holiday lists refused where a date is not one
 * (a "holiday" on a weekend, a make-up workday on a weekday, no date). */
static void optional_rules(void **state)
{
	(void)state;
	kerr err = { { 0 }, { 0 } };
	catalog *c = catalog_load(KIOSK_CONFIG_DIR, &err);
	assert_non_null(c);
	assert_int_equal(c->rules.notice_days, 5);
	assert_int_equal(c->rules.rating_followup_days, 15);
	assert_int_equal(c->rules.n_holidays, 0);
	assert_int_equal(c->rules.n_workdays, 0);
	catalog_free(c);

	char dir[1024], path[1100];
	assert_non_null(tu_config_copy(dir, sizeof dir));
	tu_path(path, sizeof path, dir, "services.ini");
	assert_true(tu_edit_line(path, NULL, "notice_days = 5", NULL) >= 0);
	assert_true(tu_edit_line(path, NULL, "rating_followup_days = 15", "rating_followup_days = 10") >= 0);
	assert_true(tu_edit_line(path, NULL, "holidays =", "holidays = 2026-10-01, 2026-10-02") >= 0);
	assert_true(tu_edit_line(path, NULL, "workdays =", "workdays = 2026-10-10") >= 0);
	c = catalog_load(dir, &err);
	if (!c)
		fail_msg("%s: %s", err.where, err.msg);
	assert_int_equal(c->rules.notice_days, 5); /* absent: the model rule's 5 */
	assert_int_equal(c->rules.rating_followup_days, 10);
	assert_int_equal(c->rules.n_holidays, 2);
	assert_int_equal(c->rules.holidays[1], civil_from_ymd(2026, 10, 2));
	assert_int_equal(c->rules.n_workdays, 1);
	/* Wednesday 2026-09-30: Thursday and Friday are holidays, Saturday
	 * 10-10 is worked: the 10th working day after is Thursday 10-15 */
	assert_int_equal(rating_due(&c->rules, civil_from_ymd(2026, 9, 30)), civil_from_ymd(2026, 10, 15));
	catalog_free(c);
	tu_config_remove(dir);

	expect_broken("services.ini", NULL, "holidays =", "holidays = 2026-11-21", -1,
		      "is a Saturday or Sunday");
	expect_broken("services.ini", NULL, "workdays =", "workdays = 2026-11-20", -1,
		      "is a weekday");
	expect_broken("services.ini", NULL, "holidays =", "holidays = 2026-13-01", -1,
		      "YYYY-MM-DD");
	expect_broken("services.ini", NULL, "notice_days = 5", "notice_days = 0", -1,
		      "from 1 to 60");
	expect_broken("services.ini", NULL, "rating_followup_days = 15", "rating_followup_days = x",
		      -1, "whole number");
}

static void err_bad_fees(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"opening_fen = -5", "opening_fen = 100.5", "opening_fen = 1e3", "opening_fen =",
		"opening_fen = 99999999999999999999", "opening_fen = 9223372036854775808",
		"opening_fen = +5", "opening_fen = 10 000", "opening_fen = 0x10",
		"opening_fen = ５０",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_broken("fees.ini", "[holder zc.unit]", "opening_fen = 10000", bad[i], -1,
			      "fee must be a whole number of 分 ≥ 0");
	expect_broken("fees.ini", NULL, "reissue_fen = 5000", "reissue_fen = 50.00", -1,
		      "fee must be a whole number of 分 ≥ 0");
	expect_broken("fees.ini", NULL, "waive_opening_years = 2", "waive_opening_years = two",
		      -1, "whole number");
}

/* Boundaries that must be accepted. */
static void fees_boundaries_ok(void **state)
{
	(void)state;
	char dir[1024], path[1100];
	assert_non_null(tu_config_copy(dir, sizeof dir));
	tu_path(path, sizeof path, dir, "fees.ini");
	assert_true(tu_edit_line(path, "[holder zc.unit]", "opening_fen = 10000",
				 "opening_fen = 0") > 0);
	assert_true(tu_edit_line(path, "[holder zc.unit]", "annual_fen = 20000",
				 "annual_fen = 9223372036854775807") > 0);
	assert_true(tu_edit_line(path, NULL, "waive_opening_years = 2",
				 "waive_opening_years = 0") > 0);
	kerr err = { { 0 }, { 0 } };
	catalog *c = catalog_load(dir, &err);
	if (!c)
		fail_msg("%s: %s", err.where, err.msg);
	const holder_type *u = platform_holder(catalog_platform(c, "zc"), "unit");
	assert_int_equal(u->opening_fen, 0);
	assert_true(u->annual_fen == INT64_MAX);
	assert_int_equal(catalog_platform(c, "zc")->waive_opening_years, 0);
	catalog_free(c);
	tu_config_remove(dir);
}

/* Accepted variations: comments, CRLF, BOM, a ';' inside a value. */
static void syntax_variations_ok(void **state)
{
	(void)state;
	char dir[1024], path[1100];
	assert_non_null(tu_config_copy(dir, sizeof dir));
	tu_path(path, sizeof path, dir, "materials.ini");
	size_t n;
	char *buf = tu_read_file(path, &n);
	assert_non_null(buf);
	char *crlf = malloc(2 * n + 4);
	assert_non_null(crlf);
	size_t k = 0;
	memcpy(crlf, "\xEF\xBB\xBF", 3);
	k = 3;
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n')
			crlf[k++] = '\r';
		crlf[k++] = buf[i];
	}
	assert_true(tu_write_file(path, crlf, k));
	free(buf);
	free(crlf);
	tu_path(path, sizeof path, dir, "services.ini");
	assert_true(tu_edit_line(path, "[service rs.new]", "label.en = New certificate",
				 "  label.en   =   New certificate ; first one  ") > 0);
	kerr err = { { 0 }, { 0 } };
	catalog *c = catalog_load(dir, &err);
	if (!c)
		fail_msg("%s: %s", err.where, err.msg);
	assert_string_equal(catalog_service(c, "rs.new")->label[LANG_EN],
			    "New certificate ; first one");
	assert_string_equal(catalog_material(c, "usb_key")->label[LANG_EN],
			    "The digital certificate USB key");
	catalog_free(c);
	tu_config_remove(dir);
}

static void err_missing_files(void **state)
{
	(void)state;
	static const char *const files[] = { "materials.ini", "services.ini", "fees.ini" };
	for (size_t i = 0; i < 3; i++) {
		char dir[1024], path[1100];
		assert_non_null(tu_config_copy(dir, sizeof dir));
		tu_path(path, sizeof path, dir, files[i]);
		assert_int_equal(remove(path), 0);
		kerr err = { { 0 }, { 0 } };
		assert_null(catalog_load(dir, &err));
		assert_true(tu_ends_with(err.where, files[i]));
		assert_non_null(strstr(err.msg, "cannot open"));
		tu_config_remove(dir);
	}
	kerr err = { { 0 }, { 0 } };
	assert_null(catalog_load("/nonexistent/kiosk-config", &err));
	assert_non_null(strstr(err.where, "/nonexistent/kiosk-config/materials.ini"));
}

static void err_null_err_ok(void **state)
{
	(void)state;
	/* a NULL err is allowed (kerr tolerates it) and nothing leaks */
	assert_null(catalog_load("/nonexistent", NULL));
	char dir[1024], path[1100];
	assert_non_null(tu_config_copy(dir, sizeof dir));
	tu_path(path, sizeof path, dir, "fees.ini");
	assert_true(tu_edit_line(path, NULL, "reissue_fen = 5000", "reissue_fen = x") > 0);
	assert_null(catalog_load(dir, NULL));
	tu_config_remove(dir);
	catalog_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(shipped_loads),
		cmocka_unit_test(platforms_and_fees),
		cmocka_unit_test(materials_shipped),
		cmocka_unit_test(services_match_domain),
		cmocka_unit_test(services_invariants),
		cmocka_unit_test(names_round_trip),
		cmocka_unit_test(err_malformed_line),
		cmocka_unit_test(err_long_line_and_bytes),
		cmocka_unit_test(err_nul_byte),
		cmocka_unit_test(err_unknown_section_type),
		cmocka_unit_test(err_unknown_key),
		cmocka_unit_test(err_duplicates),
		cmocka_unit_test(err_missing_required),
		cmocka_unit_test(err_kind_and_ids),
		cmocka_unit_test(err_unknown_references),
		cmocka_unit_test(err_essential_not_subset),
		cmocka_unit_test(err_key_rules),
		cmocka_unit_test(err_bad_enum_words),
		cmocka_unit_test(err_rules_values),
		cmocka_unit_test(err_bad_fees),
		cmocka_unit_test(fees_boundaries_ok),
		cmocka_unit_test(syntax_variations_ok),
		cmocka_unit_test(err_missing_files),
		cmocka_unit_test(optional_rules),
		cmocka_unit_test(err_null_err_ok),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
