/* kioskctl: the operator's command line over the same library the kiosk uses.
 * Commands are declared once in COMMANDS below; usage and help are generated
 * from that table. Exit status: 0 ok, 1 a finding (an invalid value, a tampered
 * log) or a refusal (not a supervisor, wrong PIN), 2 usage or environment error. Every message names the file, line, field
 * or table at fault. No curses here: this is a plain command-line front end. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/civil.h"
#include "core/ca/ca.h"
#include "core/case/catalog.h"
#include "core/token/cert.h"
#include "core/base/clock.h"
#include "core/base/config.h"
#include "core/base/protect.h"
#include "core/case/fees.h"
#include "core/case/rules.h"
#include "core/base/strings.h"
#include "core/token/token.h"
#include "core/case/validate.h"
#include "db/db.h"
#include "db/repo/token_repo.h"
#include "db/report/report.h"
#include "forms/config_check.h"
#include "forms/form.h"
#include "ctl/ctl.h"

/* ---- config check ---- */

static int cmd_config(const args *a)
{
	if (a->n_words != 2 || strcmp(a->words[1], "check") != 0)
		return ctl_usage_of("kioskctl config check [--config DIR]", NULL);
	if (check_opts(a, "config"))
		return EXIT_USAGE;
	const char *dir = config_default_dir(opt(a, "config"));
	config_summary sum;
	kerr err = { 0 };
	if (config_check_dir(dir, &sum, &err) != 0) {
		char buf[1024];
		SAY(stderr, "ctl.config.failed", V("error", kerr_text(&err, buf, sizeof buf)));
		return EXIT_FINDING;
	}
	SAY(stdout, "ctl.config.ok", V("dir", dir));
	fputs("  ", stdout);
	SAY(stdout, "ctl.config.summary", V("platforms", NUM(sum.platforms)),
	    V("services", NUM(sum.services)), V("materials", NUM(sum.materials)),
	    V("holders", NUM(sum.holders)), V("fields", NUM(sum.fields)));
	for (int l = 0; l < LANG_COUNT; l++) {
		fputs("  ", stdout);
		SAY(stdout, "ctl.config.strings", V("lang", lang_name((lang)l)),
		    V("keys", NUM(sum.strings[l])));
	}
	return EXIT_OK;
}

/* ---- validate ---- */

static int cmd_validate(const args *a)
{
	if (a->n_words != 3)
		return ctl_usage_of("kioskctl validate uscc|id|orgcode|mobile VALUE [--lang zh_CN|en]", NULL);
	if (check_opts(a, "config"))
		return EXIT_USAGE;
	const char *kind = a->words[1], *value = a->words[2];
	static const struct {
		const char *word;
		const char *field;
	} kinds[] = { { "uscc", "uscc" }, { "id", "agent_id_no" }, { "orgcode", NULL },
		      { "mobile", "agent_mobile" } };
	int k = -1;
	for (int i = 0; i < 4; i++)
		if (strcmp(kind, kinds[i].word) == 0)
			k = i;
	if (k < 0)
		return USAGE("ctl.validate.what", V("kind", kind));

	/* the reason in kioskctl's language (--lang, KIOSKCTL_LANG, kiosk.ini) */
	kerr err = { 0 };
	const char *dir = config_default_dir(opt(a, "config"));
	lang lg = ctl_lang();
	const strings *str = ctl_strings();
	form_spec *form = form_load(dir, &err);
	if (!form)
		return fail_env(&err);
	/* The organisation code has no field on the form; check it with a spec of its own. */
	field_spec orgcode = { .id = "orgcode", .type = FT_ORGCODE, .required = true };
	orgcode.label[LANG_ZH] = "组织机构代码";
	orgcode.label[LANG_EN] = "Organisation code";
	const field_spec *fs = kinds[k].field ? form_field(form, kinds[k].field) : &orgcode;
	int rc;
	if (!fs) {
		kerr_setf(&err, dir, 0, "forms.ini has no field '%s'", kinds[k].field);
		rc = fail_env(&err);
	} else {
		int y, m, d;
		civil_to_ymd(clock_today(), &y, &m, &d);
		char norm[64], msg[512];
		if (form_check_field(fs, value, y * 10000 + m * 100 + d, str, lg, norm,
				     sizeof norm, msg, sizeof msg)) {
			SAY(stdout, "ctl.validate.valid", V("value", norm));
			rc = EXIT_OK;
		} else {
			SAY(stdout, "ctl.validate.invalid", V("reason", msg));
			rc = EXIT_FINDING;
		}
	}
	form_free(form);
	return rc;
}

/* ---- fee ---- */

static int parse_int(const char *s, int lo, int hi, int *out)
{
	if (!s || !*s)
		return -1;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*end || errno || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

static int cmd_fee(const args *a)
{
	if (a->n_words != 1)
		return ctl_usage_of("kioskctl fee --holder unit|expert --years 1|2 --seals N [--platform zc]  |  kioskctl fee --reissue [--platform zc]", NULL);
	if (check_opts(a, "config platform holder years seals reissue"))
		return EXIT_USAGE;
	kerr err = { 0 };
	catalog *cat = catalog_load(config_default_dir(opt(a, "config")), &err);
	if (!cat)
		return fail_env(&err);
	int rc = EXIT_USAGE;
	const char *pid = opt(a, "platform") ? opt(a, "platform") : "zc";
	const platform *p = catalog_platform(cat, pid);
	const service *svc = NULL;
	fee_request req = { 0 };
	if (!p) {
		rc = REFUSE("ctl.fee.no_platform", V("platform", pid));
		goto out;
	}
	if (opt(a, "reissue")) {
		if (opt(a, "holder") || opt(a, "years") || opt(a, "seals")) {
			USAGE("ctl.fee.reissue_alone");
			goto out;
		}
		svc = catalog_service_of(cat, p, SVC_REISSUE);
	} else {
		if (!opt(a, "holder") || !opt(a, "years")) {
			USAGE("ctl.fee.needs");
			goto out;
		}
		req.holder = platform_holder(p, opt(a, "holder"));
		if (!req.holder) {
			char ids[256] = "";
			for (size_t i = 0, used = 0; i < p->n_holders && used < sizeof ids; i++)
				used += (size_t)snprintf(ids + used, sizeof ids - used, "%s%s", i ? " " : "",
							 p->holders[i].id);
			ERR("ctl.fee.no_holder", V("holder", opt(a, "holder")), V("platform", p->id),
			    V("choices", ids));
			rc = EXIT_FINDING;
			goto out;
		}
		if (parse_int(opt(a, "years"), 0, 100, &req.years)) {
			rc = REFUSE("ctl.fee.bad_years", V("years", opt(a, "years")));
			goto out;
		}
		if (opt(a, "seals") && parse_int(opt(a, "seals"), 0, 1000, &req.seals)) {
			rc = REFUSE("ctl.fee.bad_seals", V("seals", opt(a, "seals")));
			goto out;
		}
		svc = catalog_service_of(cat, p, SVC_NEW);
	}
	if (!svc) {
		rc = REFUSE("ctl.fee.no_service", V("platform", p->id));
		goto out;
	}
	fee_quote q;
	if (fees_quote(cat, svc, &req, &q, &err) != 0) {
		/* the fee table has nothing for what was asked (a term, a seal count) */
		char buf[512];
		rc = REFUSE("ctl.fee.no_fee", V("error", kerr_text(&err, buf, sizeof buf)));
		goto out;
	}
	char y1[32], y2[32];
	for (int i = 0; i < q.n_lines; i++) {
		const fee_line *l = &q.lines[i];
		char key[48];
		snprintf(key, sizeof key, "fee.%s", fee_item_name(l->item));
		SAY(stdout, l->waived ? "ctl.fee.line_waived" : "ctl.fee.line", V("item", ctl_word(key)),
		    V("unit", fees_format_yuan(l->unit_fen, y1, sizeof y1)), V("qty", NUM(l->qty)),
		    V("total", fees_format_yuan(l->total_fen, y2, sizeof y2)));
	}
	SAY(stdout, "ctl.fee.total", V("yuan", fees_format_yuan(q.total_fen, y1, sizeof y1)),
	    V("fen", NUM(q.total_fen)));
	rc = EXIT_OK;
out:
	catalog_free(cat);
	return rc;
}

/* ---- audit verify ---- */

/* ---- db backup ---- */

static int cmd_db(const args *a)
{
	if (a->n_words != 3 || strcmp(a->words[1], "backup") != 0)
		return ctl_usage_of("kioskctl db backup FILE [--db FILE]", NULL);
	if (check_opts(a, "config db"))
		return EXIT_USAGE;
	kerr err = { 0 };
	kdb *db = open_db(a, DB_OPEN_EXISTING, &err);
	if (!db)
		return fail_env(&err);
	int rc = db_backup(db, a->words[2], &err);
	db_close(db);
	if (rc != 0)
		return fail_env(&err);
	SAY(stdout, "ctl.db.backup_written", V("file", a->words[2]));
	return EXIT_OK;
}

/* ---- ca sync ---- */

/* The local CA's index and CRL brought to the database and the CRL signed
 * again: after restoring a backup, and from cron so that an idle kiosk's
 * CRL never passes its nextUpdate (docs/ca.md). */
static int cmd_ca(const args *a)
{
	if (a->n_words != 2 || (strcmp(a->words[1], "sync") && strcmp(a->words[1], "publish")))
		return ctl_usage_of("kioskctl ca sync|publish [--ca DIR] [--db FILE]", NULL);
	if (check_opts(a, "config db ca"))
		return EXIT_USAGE;
	kerr err = { 0 };
	kiosk_config *cfg = load_config(a, &err);
	const char *dir = NULL;
	issuer *is = cfg ? ctl_open_ca(a, cfg, NULL, &dir, &err) : NULL;
	kdb *db = is ? open_db(a, DB_OPEN_EXISTING, &err) : NULL;
	size_t changed = 0;
	int rc = db ? db_token_ca_sync(db, is, &changed, &err) : -1;
	if (rc == 0)
		SAY(stdout, "ctl.ca.synced", V("dir", dir), V("n", NUM(changed)));
	issuer_free(is);
	db_close(db);
	config_free(cfg);
	return rc == 0 ? EXIT_OK : fail_env(&err);
}

/* ---- token list / info ---- */

static int cmd_token_list(void)
{
	token_reader r[16];
	size_t n = 0;
	kerr err = { 0 };
	if (token_pcsc_list(r, 16, &n, &err) != 0)
		return fail_env(&err);
	if (n == 0) {
		ERR("ctl.token.no_reader");
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < n && i < 16; i++) {
		SAYP(stdout, r[i].present ? "ctl.token.present" : "ctl.token.absent", V("reader", r[i].name));
		if (r[i].present && r[i].atr[0])
			printf(" (ATR %s)", r[i].atr);
		if (r[i].exclusive)
			SAYP(stdout, "ctl.token.in_use");
		printf("\n");
	}
	return EXIT_OK;
}

/* What the key in the reader holds, read-only (no admin secret needed). */
static int cmd_token_info(const args *a)
{
	kerr err = { 0 };
	const char *reader = opt(a, "reader");
	kiosk_config *cfg = NULL;
	if (!reader) {
		cfg = load_config(a, &err);
		if (!cfg)
			return fail_env(&err);
		reader = cfg->reader ? cfg->reader : "";
	}
	token_dev *dev = token_pcsc_new(reader, NULL, &err);
	if (!dev) {
		config_free(cfg);
		return fail_env(&err);
	}
	int rc = EXIT_OK;
	token_info k;
	token_status st = token_read_info(dev, &k);
	if (st != TOK_OK) {
		char what[512];
		snprintf(what, sizeof what, "%s%s%s", token_status_name(st),
			 token_pcsc_detail(dev)[0] ? ": " : "", token_pcsc_detail(dev));
		ERR("ctl.token.read_failed",
		    V("reader", token_pcsc_reader(dev)[0] ? token_pcsc_reader(dev) : reader),
		    V("error", what));
		rc = st == TOK_WRONG_CARD || st == TOK_CHECK_FAILED ? EXIT_FINDING : EXIT_USAGE;
		goto out;
	}
	char d1[16], d2[16];
	SAY(stdout, "ctl.token.reader", V("reader", token_pcsc_reader(dev)));
	SAY(stdout, "ctl.token.serial", V("serial", k.serial));
	if (!k.personalised) {
		SAY(stdout, "ctl.token.blank");
		goto out;
	}
	SAY(stdout, "ctl.token.personalised");
	SAY(stdout, k.blocked ? "ctl.token.pin_locked" : "ctl.token.pin", V("left", NUM(k.pin_tries_left)),
	    V("max", NUM(k.pin_tries_max)));
	if (!token_info_has_cert(&k)) {
		SAY(stdout, "ctl.token.no_cert");
		goto out;
	}
	SAY(stdout, "ctl.token.holder", V("unit", k.unit_name), V("uscc", k.uscc));
	if (k.seal_not_after >= 0)
		SAY(stdout, "ctl.token.seal", V("date", civil_format(k.seal_not_after, d1, sizeof d1)));
	else
		SAY(stdout, "ctl.token.no_seal");
	unsigned char *der = NULL;
	size_t len = 0;
	st = token_read_cert(dev, &der, &len);
	cert_info ci;
	if (st != TOK_OK || cert_parse(der, len, &ci, &err) != 0) {
		char what[1024];
		snprintf(what, sizeof what, "%s%s%s", st != TOK_OK ? token_status_name(st) : err.msg,
			 st != TOK_OK && token_pcsc_detail(dev)[0] ? ": " : "",
			 st != TOK_OK ? token_pcsc_detail(dev) : "");
		SAY(stdout, "ctl.token.cert_unreadable", V("error", what));
		free(der);
		rc = EXIT_FINDING;
		goto out;
	}
	free(der);
	long left = rules_days_left(clock_today(), ci.not_after);
	SAY(stdout, "ctl.token.cert", V("serial", ci.serial));
	fputs("  ", stdout);
	SAY(stdout, "ctl.token.subject", V("subject", ci.subject));
	fputs("  ", stdout);
	SAY(stdout, "ctl.token.issuer", V("issuer", ci.issuer));
	fputs("  ", stdout);
	SAY(stdout, left < 0 ? "ctl.token.expired" : "ctl.token.valid",
	    V("from", civil_format(ci.not_before, d1, sizeof d1)),
	    V("to", civil_format(ci.not_after, d2, sizeof d2)), V("days", NUM(left < 0 ? -left : left)));
	if (strcmp(ci.serial, k.cert_serial) != 0 || ci.not_after != k.not_after ||
	    cert_compare(&ci, k.unit_name, k.uscc) != CERT_MATCH) {
		SAY(stdout, "ctl.token.disagree");
		rc = EXIT_FINDING;
	}
out:
	token_dev_free(dev);
	config_free(cfg);
	return rc;
}

static int cmd_token(const args *a)
{
	bool list = a->n_words == 2 && strcmp(a->words[1], "list") == 0;
	bool info = a->n_words == 2 && strcmp(a->words[1], "info") == 0;
	if (!list && !info)
		return ctl_usage_of("kioskctl token list | kioskctl token info [--reader NAME]", NULL);
	if (check_opts(a, list ? "config" : "config reader"))
		return EXIT_USAGE;
	return list ? cmd_token_list() : cmd_token_info(a);
}

static int cmd_help(const args *a);

/* The commands, declared once: usage comes from here, each one's help from
 * the strings (ctl.help.<name>). */
#define COMMANDS(X)                                                                        \
	X("config",   cmd_config,    "config check [--config DIR]") \
	X("validate", cmd_validate,  "validate uscc|id|orgcode|mobile VALUE [--lang zh_CN|en]") \
	X("fee",      cmd_fee,       "fee --holder unit|expert --years N --seals N | fee --reissue [--platform ID]") \
	X("staff",    cmd_staff,     "staff add --id ID --name NAME --role clerk|supervisor|trainer --by ID | staff list --by ID | staff unlock|reset-pin|disable STAFF_ID --by ID | staff role STAFF_ID ROLE --by ID") \
	X("audit",    cmd_audit,     "audit verify [--head HASH] [--anchors [--anchor-file F ...] [--key F | --pubkey F]] [--seal-key KEY] | audit seal-init --by ID | audit seal") \
	X("report",   cmd_report,    "report daily --date YYYY-MM-DD --by ID [--csv] [--clerk ID] [--service ID] [--outcome NAME[,NAME]] [--search TEXT] | report range --from YYYY-MM-DD --to YYYY-MM-DD --by ID [--csv] | report case CASE_NO --by ID") \
	X("day",      cmd_day,       "day close --date YYYY-MM-DD --by ID [--out DIR] [--key FILE] [--with-open] | day show|export --date D --by ID") \
	X("pay",      cmd_pay,       "pay reconcile --date YYYY-MM-DD --by ID | pay diffs --date D --by ID | pay resolve --id N --note TEXT --by ID | pay refund-duplicate --id N --reason TEXT --by ID --approver ID") \
	X("rating",   cmd_rating,    "rating list --date YYYY-MM-DD --by ID | rating resolve CASE_NO --note TEXT --by ID") \
	X("db",       cmd_db,        "db backup FILE") \
	X("hall",     cmd_hall,      "hall init [--to VERSION] --central CONNINFO | hall kiosk-add ID [--hall HALL] --central CONNINFO | hall supervisor-add ID --hall HALL --central CONNINFO | hall kiosks [--central CONNINFO] | hall ship [--central CONNINFO] [--batch ROWS] [--max ROWS] | hall report --date YYYY-MM-DD [--hall HALL] [--csv] --by ID | hall verify [--hall HALL] [--seal-key DIR] --by ID | hall close --date YYYY-MM-DD --hall HALL --key FILE --by ID | hall conflicts [--hall HALL] --by ID | hall lookup --uscc USCC | --key SERIAL [--timeout S] | hall day --date YYYY-MM-DD [--hall HALL] [--timeout S] --by ID") \
	X("ca",       cmd_ca,        "ca sync|publish [--ca DIR]") \
	X("token",    cmd_token,     "token list | token info [--reader NAME]") \
	X("help",     cmd_help,      "help")

static const struct command {
	const char *name;
	int (*run)(const args *a);
	const char *usage;
} commands[] = {
#define X(name, fn, usage) { name, fn, usage },
	COMMANDS(X)
#undef X
};

static int cmd_help(const args *a)
{
	(void)a;
	SAY(stdout, "ctl.usage", V("syntax", "kioskctl COMMAND [--config DIR] [--data-dir DIR] [--db FILE] [--lang zh_CN|en] ..."));
	printf("\n");
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
		char key[32];
		snprintf(key, sizeof key, "ctl.help.%s", commands[i].name);
		printf("  kioskctl %s\n      ", commands[i].usage);
		SAY(stdout, key);
	}
	printf("\n");
	SAY(stdout, "ctl.help.exit");
	return EXIT_OK;
}

/* The words and options; on a malformed line the first fault's key and
 * option (said after the language is known) and -1. */
static int parse_args(int argc, char **argv, args *a, const char **fault, const char **what)
{
	memset(a, 0, sizeof *a);
	*fault = *what = NULL;
	for (int i = 1; i < argc; i++) {
		const char *w = argv[i];
		if (strncmp(w, "--", 2) == 0 && w[2]) {
			if (a->n_opts == MAX_OPTS)
				return *fault = "ctl.args.too_many_options", -1;
			const char *name = w + 2;
			const char *eq = strchr(name, '=');
			static char names[MAX_OPTS][40];
			if (eq) {
				snprintf(names[a->n_opts], sizeof names[0], "%.*s", (int)(eq - name), name);
				a->opt_name[a->n_opts] = names[a->n_opts];
				a->opt_value[a->n_opts++] = eq + 1;
			} else if (ctl_is_flag(name)) {
				a->opt_name[a->n_opts] = name;
				a->opt_value[a->n_opts++] = "";
			} else {
				if (i + 1 >= argc)
					return *fault = "ctl.args.needs_value", *what = name, -1;
				a->opt_name[a->n_opts] = name;
				a->opt_value[a->n_opts++] = argv[++i];
			}
		} else {
			if (a->n_words == MAX_WORDS)
				return *fault = "ctl.args.too_many_words", -1;
			a->words[a->n_words++] = w;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	/* No core dumps (the CA key, the kiosk key and PINs pass through here),
	 * and stdin unbuffered so a PIN read from it leaves no copy in stdio's
	 * buffer (ctl_read_pin wipes its own). */
	kerr perr = { 0 };
	if (protect_process(&perr) != 0)
		return fail_env(&perr);
	setvbuf(stdin, NULL, _IONBF, 0);
	args a;
	const char *fault, *what;
	int parsed = parse_args(argc, argv, &a, &fault, &what);
	/* the language first, so that even a malformed line is answered in it;
	 * config check reports a configuration that does not load itself */
	bool check = a.n_words > 0 && strcmp(a.words[0], "config") == 0;
	if (ctl_lang_setup(&a, check) != EXIT_OK)
		return EXIT_USAGE;
	const char *clock_warning = clock_env_ignored();
	if (clock_warning)
		ERR("ctl.clock_ignored", V("warning", clock_warning));
	if (parsed != 0)
		return USAGE(fault, V("option", what));
	if (a.n_words == 0 || opt(&a, "help"))
		return a.n_words == 0 && !opt(&a, "help") ? (cmd_help(&a), EXIT_USAGE) : cmd_help(&a);
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		if (strcmp(a.words[0], commands[i].name) == 0)
			return commands[i].run(&a);
	return USAGE("ctl.unknown_command", V("command", a.words[0]));
}
