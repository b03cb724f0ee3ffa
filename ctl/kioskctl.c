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
		return usage_error("%s", "usage: kioskctl config check [--config DIR]");
	if (check_opts(a, "config"))
		return EXIT_USAGE;
	const char *dir = config_default_dir(opt(a, "config"));
	config_summary sum;
	kerr err = { 0 };
	if (config_check_dir(dir, &sum, &err) != 0) {
		char buf[1024];
		fprintf(stderr, "config check: %s\n", kerr_text(&err, buf, sizeof buf));
		return EXIT_FINDING;
	}
	printf("config OK: %s\n", dir);
	printf("  %zu platforms, %zu services, %zu materials, %zu holder types, %zu form fields\n",
	       sum.platforms, sum.services, sum.materials, sum.holders, sum.fields);
	for (int l = 0; l < LANG_COUNT; l++)
		printf("  strings %s: %zu keys\n", lang_name((lang)l), sum.strings[l]);
	return EXIT_OK;
}

/* ---- validate ---- */

static int cmd_validate(const args *a)
{
	if (a->n_words != 3)
		return usage_error("%s", "usage: kioskctl validate uscc|id|orgcode|mobile VALUE [--lang zh_CN|en]");
	if (check_opts(a, "config lang"))
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
		return usage_error("validate what? '%s' is not one of uscc, id, orgcode, mobile", kind);

	kerr err = { 0 };
	const char *dir = config_default_dir(opt(a, "config"));
	kiosk_config *cfg = config_load(dir, &err);
	if (!cfg)
		return fail_env(&err);
	lang lg = cfg->language;
	config_free(cfg);
	if (opt(a, "lang")) {
		int l = lang_from_name(opt(a, "lang"));
		if (l < 0)
			return value_error("--lang '%s' is not a language: use zh_CN or en", opt(a, "lang"));
		lg = (lang)l;
	}
	strings *str = strings_load(dir, lg, &err);
	if (!str)
		return fail_env(&err);
	form_spec *form = form_load(dir, &err);
	if (!form) {
		strings_free(str);
		return fail_env(&err);
	}
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
			printf("valid: %s\n", norm);
			rc = EXIT_OK;
		} else {
			printf("invalid: %s\n", msg);
			rc = EXIT_FINDING;
		}
	}
	form_free(form);
	strings_free(str);
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
		return usage_error("%s", "usage: kioskctl fee --holder unit|expert --years 1|2 --seals N [--platform zc]  |  kioskctl fee --reissue [--platform zc]");
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
		rc = value_error("--platform '%s' is not a platform of services.ini", pid);
		goto out;
	}
	if (opt(a, "reissue")) {
		if (opt(a, "holder") || opt(a, "years") || opt(a, "seals")) {
			usage_error("%s", "--reissue takes no --holder, --years or --seals");
			goto out;
		}
		svc = catalog_service_of(cat, p, SVC_REISSUE);
	} else {
		if (!opt(a, "holder") || !opt(a, "years")) {
			usage_error("%s", "fee needs --holder and --years (and --seals N), or --reissue");
			goto out;
		}
		req.holder = platform_holder(p, opt(a, "holder"));
		if (!req.holder) {
			fprintf(stderr, "kioskctl: --holder %s: no such holder type on platform %s; use one of:",
				opt(a, "holder"), p->id);
			for (size_t i = 0; i < p->n_holders; i++)
				fprintf(stderr, " %s", p->holders[i].id);
			fprintf(stderr, "\n");
			rc = EXIT_FINDING;
			goto out;
		}
		if (parse_int(opt(a, "years"), 0, 100, &req.years)) {
			rc = value_error("--years '%s' is not a whole number", opt(a, "years"));
			goto out;
		}
		if (opt(a, "seals") && parse_int(opt(a, "seals"), 0, 1000, &req.seals)) {
			rc = value_error("--seals '%s' is not a whole number from 0", opt(a, "seals"));
			goto out;
		}
		svc = catalog_service_of(cat, p, SVC_NEW);
	}
	if (!svc) {
		rc = value_error("platform %s offers no such service", p->id);
		goto out;
	}
	fee_quote q;
	if (fees_quote(cat, svc, &req, &q, &err) != 0) {
		/* the fee table has nothing for what was asked (a term, a seal count) */
		char buf[512];
		rc = value_error("%s", kerr_text(&err, buf, sizeof buf));
		goto out;
	}
	char y1[32], y2[32];
	for (int i = 0; i < q.n_lines; i++) {
		const fee_line *l = &q.lines[i];
		printf("%-8s %10s x %d = %10s%s\n", fee_item_name(l->item),
		       fees_format_yuan(l->unit_fen, y1, sizeof y1), l->qty,
		       fees_format_yuan(l->total_fen, y2, sizeof y2),
		       l->waived ? "  (waived)" : "");
	}
	printf("total %s yuan (%lld fen)\n", fees_format_yuan(q.total_fen, y1, sizeof y1),
	       (long long)q.total_fen);
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
		return usage_error("%s", "usage: kioskctl db backup FILE [--db FILE]");
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
	printf("backup written: %s\n", a->words[2]);
	return EXIT_OK;
}

/* ---- ca sync ---- */

/* The local CA's index and CRL brought to the database and the CRL signed
 * again: after restoring a backup, and from cron so that an idle kiosk's
 * CRL never passes its nextUpdate (docs/ca.md). */
static int cmd_ca(const args *a)
{
	if (a->n_words != 2 || (strcmp(a->words[1], "sync") && strcmp(a->words[1], "publish")))
		return usage_error("%s", "usage: kioskctl ca sync|publish [--ca DIR] [--db FILE]");
	if (check_opts(a, "config db ca"))
		return EXIT_USAGE;
	kerr err = { 0 };
	kiosk_config *cfg = load_config(a, &err);
	ca_profile prof;
	if (!cfg || ca_profile_load(cfg->config_dir, &prof, &err) != 0) {
		config_free(cfg);
		return fail_env(&err);
	}
	const char *dir = opt(a, "ca") && *opt(a, "ca") ? opt(a, "ca") : cfg->ca_dir;
	/* never a new CA made here: the kiosk makes it on its first start */
	char key[4200];
	snprintf(key, sizeof key, "%s/ca.key", dir);
	if (access(key, F_OK) != 0) {
		kerr_set(&err, dir, "no local CA here (no ca.key); give its directory with --ca DIR, "
			 "or start the kiosk once to make it");
		config_free(cfg);
		return fail_env(&err);
	}
	kdb *db = open_db(a, DB_OPEN_EXISTING, &err);
	issuer *is = db ? issuer_local_open(dir, &prof, &err) : NULL;
	size_t changed = 0;
	int rc = is ? db_token_ca_sync(db, is, &changed, &err) : -1;
	if (rc == 0)
		printf("ca %s: %zu line(s) of index.txt added or revoked; CRL published: %s/crl.der\n",
		       dir, changed, dir);
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
		fprintf(stderr, "kioskctl: pcscd runs but knows no reader: plug the reader in (or "
				"install its driver) and try again\n");
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < n && i < 16; i++) {
		printf("%s: %s", r[i].name, r[i].present ? "key present" : "no key");
		if (r[i].present && r[i].atr[0])
			printf(" (ATR %s)", r[i].atr);
		if (r[i].exclusive)
			printf(", in use by another program");
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
		fprintf(stderr, "kioskctl: reader '%s': %s%s%s\n",
			token_pcsc_reader(dev)[0] ? token_pcsc_reader(dev) : reader,
			token_status_name(st), token_pcsc_detail(dev)[0] ? ": " : "",
			token_pcsc_detail(dev));
		rc = st == TOK_WRONG_CARD || st == TOK_CHECK_FAILED ? EXIT_FINDING : EXIT_USAGE;
		goto out;
	}
	char d1[16], d2[16];
	printf("reader: %s\nkey: %s\n", token_pcsc_reader(dev), k.serial);
	if (!k.personalised) {
		printf("personalised: no (a blank key)\n");
		goto out;
	}
	printf("personalised: yes\nPIN: %d of %d tries left%s\n", k.pin_tries_left,
	       k.pin_tries_max, k.blocked ? " (locked: PIN unlock service)" : "");
	if (!token_info_has_cert(&k)) {
		printf("certificate: none written yet\n");
		goto out;
	}
	printf("holder: %s (%s)\n", k.unit_name, k.uscc);
	printf("seal: %s\n", k.seal_not_after >= 0 ? civil_format(k.seal_not_after, d1, sizeof d1)
						   : "none");
	unsigned char *der = NULL;
	size_t len = 0;
	st = token_read_cert(dev, &der, &len);
	cert_info ci;
	if (st != TOK_OK || cert_parse(der, len, &ci, &err) != 0) {
		printf("certificate: cannot be read (%s%s%s)\n",
		       st != TOK_OK ? token_status_name(st) : err.msg,
		       st != TOK_OK && token_pcsc_detail(dev)[0] ? ": " : "",
		       st != TOK_OK ? token_pcsc_detail(dev) : "");
		free(der);
		rc = EXIT_FINDING;
		goto out;
	}
	free(der);
	long left = rules_days_left(clock_today(), ci.not_after);
	printf("certificate: %s\n  subject: %s\n  issuer: %s\n", ci.serial, ci.subject, ci.issuer);
	printf("  valid: %s to %s (%ld days %s)\n", civil_format(ci.not_before, d1, sizeof d1),
	       civil_format(ci.not_after, d2, sizeof d2), left < 0 ? -left : left,
	       left < 0 ? "ago: expired" : "left");
	if (strcmp(ci.serial, k.cert_serial) != 0 || ci.not_after != k.not_after ||
	    cert_compare(&ci, k.unit_name, k.uscc) != CERT_MATCH) {
		printf("warning: the key's info record and its certificate disagree\n");
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
		return usage_error("%s", "usage: kioskctl token list | kioskctl token info [--reader NAME]");
	if (check_opts(a, list ? "config" : "config reader"))
		return EXIT_USAGE;
	return list ? cmd_token_list() : cmd_token_info(a);
}

static int cmd_help(const args *a);

/* The commands, declared once: usage and help come from here. */
#define COMMANDS(X)                                                                        \
	X("config",   cmd_config,   "config check [--config DIR]",                          \
	  "load and cross-check every file of the configuration")                           \
	X("validate", cmd_validate, "validate uscc|id|orgcode|mobile VALUE [--lang zh_CN|en]", \
	  "check an identifier and say what is wrong with it")                              \
	X("fee",      cmd_fee,      "fee --holder unit|expert --years N --seals N | fee --reissue [--platform ID]", \
	  "quote the fee from the configured fee table")                                     \
	X("staff",    cmd_staff,    "staff add --id ID --name NAME --role clerk|supervisor|trainer --by ID | staff list --by ID | staff unlock|reset-pin|disable STAFF_ID --by ID | staff role STAFF_ID ROLE --by ID", \
	  "a supervisor's (--by and the PIN, then any new PIN, from the terminal or stdin lines): add, list, end a wait after wrong PINs, set a new PIN, disable, change a role; the first supervisor of an empty database is added without --by") \
	X("audit",    cmd_audit,    "audit verify [--head HASH] [--anchors [--anchor-file F ...] [--key F | --pubkey F]] [--seal-key KEY] | audit seal-init --by ID | audit seal", \
	  "walk the audit hash chain and check the seals (their tags with the verification key); exit 1 on any tampering; set up forward-secure sealing once; seal the ended epochs") \
	X("report",   cmd_report,   "report daily --date YYYY-MM-DD --by ID [--csv] [--clerk ID] [--service ID] [--outcome NAME[,NAME]] [--search TEXT] | report range --from YYYY-MM-DD --to YYYY-MM-DD --by ID [--csv] | report case CASE_NO --by ID", \
	  "the day view (cases, outcomes, money and mismatches, 容缺, refusals, key moves); days summed; one case's timeline (a supervisor's: --by and the PIN)") \
	X("day",      cmd_day,      "day close --date YYYY-MM-DD --by ID [--out DIR] [--key FILE] [--with-open] | day show|export --date D --by ID", \
	  "supervisor's day close: signed anchor of the audit chain, CSV and anchor files") \
	X("pay",      cmd_pay,      "pay reconcile --date YYYY-MM-DD --by ID | pay diffs --date D --by ID | pay resolve --id N --note TEXT --by ID | pay refund-duplicate --id N --reason TEXT --by ID --approver ID", \
	  "match a day with WeChat Pay's own bill (a supervisor's): every difference classified and recorded; list them; record who resolved one and how (exit 1 while any is open)") \
	X("rating",   cmd_rating,   "rating list --date YYYY-MM-DD --by ID | rating resolve CASE_NO --note TEXT --by ID", \
	  "好差评 (a supervisor's): a day's ratings and the 差评 to follow up with their due day (exit 1 while any is overdue); record what was done about one") \
	X("db",       cmd_db,       "db backup FILE",                                        \
	  "online backup of the database into a new file")                                   \
	X("hall",     cmd_hall,     "hall init --central CONNINFO [--to MIGRATION] | hall kiosk-add ID [--hall HALL] --central CONNINFO | hall supervisor-add ID --hall HALL --central CONNINFO | hall kiosks [--central CONNINFO] | hall ship [--central CONNINFO] [--batch ROWS] [--max ROWS] | hall report --date YYYY-MM-DD [--hall HALL] [--csv] --by ID | hall verify [--hall HALL] [--seal-key DIR] --by ID | hall close --date YYYY-MM-DD --hall HALL --key FILE --by ID | hall conflicts [--hall HALL] --by ID | hall lookup --uscc USCC | --key SERIAL [--timeout S]", \
	  "the hall's central store on PostgreSQL: its schema, kiosks and supervisors, what it holds; ship this kiosk's audit log to it; the hall's day: report, verify, close (docs/deployment.md)") \
	X("ca",       cmd_ca,       "ca sync|publish [--ca DIR]",                            \
	  "bring the local CA's index.txt and CRL to the database; sign a new CRL")               \
	X("token",    cmd_token,    "token list | token info [--reader NAME]",               \
	  "the key readers and whether a key is in them; what the key holds (read only)")   \
	X("help",     cmd_help,     "help", "this list")

static const struct command {
	const char *name;
	int (*run)(const args *a);
	const char *usage;
	const char *help;
} commands[] = {
#define X(name, fn, usage, help) { name, fn, usage, help },
	COMMANDS(X)
#undef X
};

static int cmd_help(const args *a)
{
	(void)a;
	printf("usage: kioskctl COMMAND [--config DIR] [--db FILE] ...\n\n");
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		printf("  kioskctl %s\n      %s\n", commands[i].usage, commands[i].help);
	printf("\nExit status: 0 ok, 1 a finding (invalid value, tampered log, bad config) or a\n"
	       "refusal (not a supervisor, wrong PIN), 2 usage or environment error.\n");
	return EXIT_OK;
}

static int parse_args(int argc, char **argv, args *a)
{
	memset(a, 0, sizeof *a);
	for (int i = 1; i < argc; i++) {
		const char *w = argv[i];
		if (strncmp(w, "--", 2) == 0 && w[2]) {
			if (a->n_opts == MAX_OPTS)
				return usage_error("%s", "too many options");
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
					return usage_error("option --%s needs a value", name);
				a->opt_name[a->n_opts] = name;
				a->opt_value[a->n_opts++] = argv[++i];
			}
		} else {
			if (a->n_words == MAX_WORDS)
				return usage_error("%s", "too many words");
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
	const char *clock_warning = clock_env_ignored();
	if (clock_warning)
		fprintf(stderr, "kioskctl: warning: %s\n", clock_warning);
	args a;
	if (parse_args(argc, argv, &a) != 0)
		return EXIT_USAGE;
	if (a.n_words == 0 || opt(&a, "help"))
		return a.n_words == 0 && !opt(&a, "help") ? (cmd_help(&a), EXIT_USAGE) : cmd_help(&a);
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		if (strcmp(a.words[0], commands[i].name) == 0)
			return commands[i].run(&a);
	return usage_error("unknown command '%s'", a.words[0]);
}
