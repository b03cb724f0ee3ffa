/* kioskctl: the operator's command line over the same library the kiosk uses.
 * Commands are declared once in COMMANDS below; usage and help are generated
 * from that table. Exit status: 0 ok, 1 a finding (an invalid value, a tampered
 * log), 2 usage or environment error. Every message names the file, line, field
 * or table at fault. No curses here: this is a plain command-line front end. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "core/catalog.h"
#include "core/cert.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/fees.h"
#include "core/pinhash.h"
#include "core/rules.h"
#include "core/staff.h"
#include "core/strings.h"
#include "core/token.h"
#include "core/validate.h"
#include "db/db.h"
#include "db/report.h"
#include "db/staff_repo.h"
#include "forms/config_check.h"
#include "forms/form.h"

enum { EXIT_OK = 0, EXIT_FINDING = 1, EXIT_USAGE = 2 };

/* Parsed command line: positional words and --name value options. */
#define MAX_WORDS 8
#define MAX_OPTS 12
typedef struct args {
	const char *words[MAX_WORDS];
	int n_words;
	const char *opt_name[MAX_OPTS];
	const char *opt_value[MAX_OPTS]; /* "" for a flag */
	int n_opts;
} args;

/* Options that take no value. */
static int is_flag(const char *name)
{
	return strcmp(name, "csv") == 0 || strcmp(name, "reissue") == 0 ||
	       strcmp(name, "help") == 0;
}

static const char *opt(const args *a, const char *name)
{
	for (int i = 0; i < a->n_opts; i++)
		if (strcmp(a->opt_name[i], name) == 0)
			return a->opt_value[i];
	return NULL;
}

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "kioskctl: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nRun 'kioskctl help' for the commands.\n");
	va_end(ap);
	return EXIT_USAGE;
}

static int fail_env(const kerr *err)
{
	char buf[1024];
	fprintf(stderr, "kioskctl: %s\n", kerr_text(err, buf, sizeof buf));
	return EXIT_USAGE;
}

/* Options each command accepts, so a typo is caught rather than ignored. */
static int check_opts(const args *a, const char *allowed)
{
	for (int i = 0; i < a->n_opts; i++) {
		char key[48];
		snprintf(key, sizeof key, " %s ", a->opt_name[i]);
		char list[256];
		snprintf(list, sizeof list, " %s ", allowed);
		if (!strstr(list, key))
			return usage_error("unknown option --%s for this command", a->opt_name[i]);
	}
	return 0;
}

/* ---- shared set-up ---- */

static kiosk_config *load_config(const args *a, kerr *err)
{
	return config_load(config_default_dir(opt(a, "config")), err);
}

/* Open the database named by --db, else the configured one. */
static kdb *open_db(const args *a, db_open_mode mode, kerr *err)
{
	kiosk_config *cfg = load_config(a, err);
	if (!cfg)
		return NULL;
	const char *path = opt(a, "db") ? opt(a, "db") : cfg->db_file;
	/* The kiosk id matters only when a file is created: an operator may well
	 * inspect another kiosk's file or a backup of it. */
	bool exists = access(path, F_OK) == 0;
	kdb *db = db_open(path, exists ? NULL : cfg->kiosk_id, mode, err);
	config_free(cfg);
	return db;
}

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
			return usage_error("unknown language '%s': use zh_CN or en", opt(a, "lang"));
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
		usage_error("unknown platform '%s' (see services.ini)", pid);
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
			goto out;
		}
		if (parse_int(opt(a, "years"), 0, 100, &req.years)) {
			usage_error("--years '%s' is not a whole number", opt(a, "years"));
			goto out;
		}
		if (opt(a, "seals") && parse_int(opt(a, "seals"), 0, 1000, &req.seals)) {
			usage_error("--seals '%s' is not a whole number from 0", opt(a, "seals"));
			goto out;
		}
		svc = catalog_service_of(cat, p, SVC_NEW);
	}
	if (!svc) {
		usage_error("platform %s offers no such service", p->id);
		goto out;
	}
	fee_quote q;
	if (fees_quote(cat, svc, &req, &q, &err) != 0) {
		fail_env(&err);
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

/* ---- staff add ---- */

/* Read a PIN: from the terminal without echo (asked twice), or one line of stdin. */
static int read_pin(char *pin, size_t n)
{
	if (!isatty(STDIN_FILENO)) {
		if (!fgets(pin, (int)n, stdin))
			return -1;
		pin[strcspn(pin, "\r\n")] = '\0';
		return 0;
	}
	struct termios old, quiet;
	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	char again[64];
	int rc = -1;
	fprintf(stderr, "PIN: ");
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	if (fgets(pin, (int)n, stdin)) {
		fprintf(stderr, "\nPIN again: ");
		if (fgets(again, sizeof again, stdin)) {
			pin[strcspn(pin, "\r\n")] = '\0';
			again[strcspn(again, "\r\n")] = '\0';
			rc = strcmp(pin, again) == 0 ? 0 : -2;
		}
	}
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fprintf(stderr, "\n");
	explicit_bzero(again, sizeof again);
	return rc;
}

static int cmd_staff(const args *a)
{
	if (a->n_words != 2 || strcmp(a->words[1], "add") != 0)
		return usage_error("%s", "usage: kioskctl staff add --id ID --name NAME --role clerk|supervisor|trainer [--db FILE]  (PIN from the terminal or one line of stdin)");
	if (check_opts(a, "config db id name role"))
		return EXIT_USAGE;
	const char *id = opt(a, "id"), *name = opt(a, "name"), *role = opt(a, "role");
	if (!id || !name || !role)
		return usage_error("%s", "staff add needs --id, --name and --role");
	int r = staff_role_from_name(role);
	if (r < 0)
		return usage_error("--role '%s': use clerk, supervisor or trainer", role);
	char pin[64];
	int prc = read_pin(pin, sizeof pin);
	if (prc == -2) {
		fprintf(stderr, "kioskctl: the two PINs differ; nothing was written\n");
		return EXIT_USAGE;
	}
	if (prc != 0) {
		fprintf(stderr, "kioskctl: no PIN given on the terminal or stdin; nothing was written\n");
		return EXIT_USAGE;
	}
	const char *why = NULL;
	if (!pinhash_acceptable(pin, &why)) {
		explicit_bzero(pin, sizeof pin);
		fprintf(stderr, "kioskctl: PIN not accepted (%s): use 6 to 12 digits, not all the same, not 12345678; nothing was written\n",
			why ? why : "?");
		return EXIT_USAGE;
	}
	kerr err = { 0 };
	kdb *db = open_db(a, DB_OPEN_CREATE, &err);
	if (!db) {
		explicit_bzero(pin, sizeof pin);
		return fail_env(&err);
	}
	int rc = db_staff_add(db, "kioskctl", id, name, (staff_role)r, pin, &err);
	explicit_bzero(pin, sizeof pin);
	db_close(db);
	if (rc != 0)
		return fail_env(&err);
	printf("staff %s (%s, %s) added\n", id, name, role);
	return EXIT_OK;
}

/* ---- audit verify ---- */

static int cmd_audit(const args *a)
{
	if (a->n_words != 2 || strcmp(a->words[1], "verify") != 0)
		return usage_error("%s", "usage: kioskctl audit verify [--db FILE] [--head HASH]");
	if (check_opts(a, "config db head"))
		return EXIT_USAGE;
	uint8_t want[AUDIT_HASH_LEN];
	if (opt(a, "head") && !audit_unhex(opt(a, "head"), want))
		return usage_error("--head '%s' is not 64 hex digits", opt(a, "head"));
	kerr err = { 0 };
	kdb *db = open_db(a, DB_OPEN_EXISTING, &err);
	if (!db)
		return fail_env(&err);
	audit_verify_result res;
	int rc = db_audit_verify(db, &res, &err);
	db_close(db);
	if (rc < 0)
		return fail_env(&err);
	if (rc > 0) {
		printf("TAMPERED at row %lld: %s\n", (long long)res.bad_seq, res.problem);
		return EXIT_FINDING;
	}
	char hex[2 * AUDIT_HASH_LEN + 1];
	/* An externally kept head catches a log cut back to an earlier, intact state. */
	if (opt(a, "head") && memcmp(want, res.head, AUDIT_HASH_LEN) != 0) {
		printf("TAMPERED: head is %s at row %lld, not the expected %s\n",
		       audit_hex(res.head, hex), (long long)res.head_seq, opt(a, "head"));
		return EXIT_FINDING;
	}
	printf("OK %lld rows, head %s\n", (long long)res.rows, audit_hex(res.head, hex));
	return EXIT_OK;
}

/* ---- report daily ---- */

static void csv_field(FILE *f, const char *s, int last)
{
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputc(last ? '\n' : ',', f);
}

static void print_report_csv(const daily_report *r)
{
	printf("case_no,service,clerk,status,last_step,unit_name,uscc,fee_yuan,paid_yuan,pay_state,flags,created\n");
	for (size_t i = 0; i < r->n_cases; i++) {
		const report_case *c = &r->cases[i];
		char fee[32], paid[32], at[32], flags[96];
		snprintf(flags, sizeof flags, "%s%s%s%s",
			 c->flag_unverified_paid ? " unverified-paid" : "",
			 c->flag_underpaid ? " underpaid" : "",
			 c->flag_no_verified_success ? " no-verified-success" : "",
			 c->flag_overpaid ? " overpaid" : "");
		csv_field(stdout, c->case_no, 0);
		csv_field(stdout, c->service_id, 0);
		csv_field(stdout, c->clerk_id, 0);
		csv_field(stdout, case_status_name(c->status), 0);
		csv_field(stdout, case_step_name(c->last_step), 0);
		csv_field(stdout, c->unit_name, 0);
		csv_field(stdout, c->uscc, 0);
		csv_field(stdout, fees_format_yuan(c->fee_fen, fee, sizeof fee), 0);
		csv_field(stdout, fees_format_yuan(c->paid_fen, paid, sizeof paid), 0);
		csv_field(stdout, c->pay_state, 0);
		csv_field(stdout, flags[0] ? flags + 1 : flags, 0);
		csv_field(stdout, clock_format_local(c->created_ms, at, sizeof at), 1);
	}
}

static void print_report_text(const daily_report *r, const char *date, const char *kiosk)
{
	char due[32], paid[32];
	printf("Daily report %s, kiosk %s: %zu cases\n", date, kiosk, r->n_cases);
	printf("status:");
	for (int s = 0; s < CS_COUNT; s++)
		printf(" %s %ld", case_status_name((case_status)s), r->by_status[s]);
	printf("\nfees due %s yuan, paid (verified) %s yuan, flagged %ld\n",
	       fees_format_yuan(r->due_fen, due, sizeof due),
	       fees_format_yuan(r->paid_fen, paid, sizeof paid), r->n_flagged);
	printf("by service:");
	for (size_t i = 0; i < r->n_by_service; i++)
		printf(" %s %ld", r->by_service[i].key, r->by_service[i].n);
	printf("\nby clerk:");
	for (size_t i = 0; i < r->n_by_clerk; i++)
		printf(" %s %ld", r->by_clerk[i].key, r->by_clerk[i].n);
	printf("\n");
	if (r->n_cases)
		printf("%-22s %-16s %-10s %-10s %-10s %10s %10s %-8s %s\n", "case", "service",
		       "clerk", "status", "step", "fee", "paid", "payment", "flags");
	for (size_t i = 0; i < r->n_cases; i++) {
		const report_case *c = &r->cases[i];
		printf("%-22s %-16s %-10s %-10s %-10s %10s %10s %-8s %s%s%s%s\n", c->case_no,
		       c->service_id, c->clerk_id, case_status_name(c->status),
		       case_step_name(c->last_step), fees_format_yuan(c->fee_fen, due, sizeof due),
		       fees_format_yuan(c->paid_fen, paid, sizeof paid),
		       c->pay_state[0] ? c->pay_state : "-",
		       c->flag_unverified_paid ? "PAID-UNVERIFIED " : "",
		       c->flag_underpaid ? "UNDERPAID " : "",
		       c->flag_no_verified_success ? "NO-VERIFIED-SUCCESS " : "",
		       c->flag_overpaid ? "OVERPAID" : "");
	}
	/* Reconciliation: every WeChat Pay order of these cases, with its case. */
	printf("payments: %zu, flagged %ld\n", r->n_payments, r->n_flagged_payments);
	if (r->n_payments)
		printf("%-22s %-32s %10s %-10s %-8s %-28s %-10s %s\n", "case", "out_trade_no",
		       "amount", "state", "verified", "transaction", "case is", "flags");
	for (size_t i = 0; i < r->n_payments; i++) {
		const report_payment *p = &r->payments[i];
		printf("%-22s %-32s %10s %-10s %-8s %-28s %-10s %s\n", p->case_no, p->out_trade_no,
		       fees_format_yuan(p->amount_fen, due, sizeof due), p->state,
		       p->verified ? "yes" : "NO", p->transaction_id[0] ? p->transaction_id : "-",
		       case_status_name(p->case_status),
		       p->flag_no_case ? "SUCCESS-WITHOUT-CASE" : "");
	}
}

static int cmd_report(const args *a)
{
	if (a->n_words != 2 || strcmp(a->words[1], "daily") != 0)
		return usage_error("%s", "usage: kioskctl report daily --date YYYY-MM-DD [--csv] [--db FILE]");
	if (check_opts(a, "config db date csv"))
		return EXIT_USAGE;
	long day;
	if (!opt(a, "date"))
		return usage_error("%s", "report daily needs --date YYYY-MM-DD");
	if (!civil_parse(opt(a, "date"), &day))
		return usage_error("--date '%s' is not a real date in the form YYYY-MM-DD", opt(a, "date"));
	kerr err = { 0 };
	kdb *db = open_db(a, DB_OPEN_EXISTING, &err);
	if (!db)
		return fail_env(&err);
	daily_report r;
	int rc = db_report_daily(db, day, &r, &err);
	if (rc != 0) {
		db_close(db);
		return fail_env(&err);
	}
	if (opt(a, "csv"))
		print_report_csv(&r);
	else
		print_report_text(&r, opt(a, "date"), db_kiosk_id(db));
	daily_report_free(&r);
	db_close(db);
	return EXIT_OK;
}

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
	X("staff",    cmd_staff,    "staff add --id ID --name NAME --role clerk|supervisor|trainer", \
	  "add a member of staff; the PIN is read from the terminal or stdin")              \
	X("audit",    cmd_audit,    "audit verify [--head HASH]",                            \
	  "walk the audit hash chain; exit 1 on any tampering")                              \
	X("report",   cmd_report,   "report daily --date YYYY-MM-DD [--csv]",                 \
	  "the day's cases, counts and money")                                              \
	X("db",       cmd_db,       "db backup FILE",                                        \
	  "online backup of the database into a new file")                                   \
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
	printf("\nExit status: 0 ok, 1 a finding (invalid value, tampered log, bad config),\n"
	       "2 usage or environment error.\n");
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
			} else if (is_flag(name)) {
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
