/* kioskctl day: the supervisor's day close. `day close` checks the
 * supervisor's PIN, closes the day (db_day_close: chain verified, `day.close`
 * audit row, anchor signed with the kiosk key), seals the log up to the close
 * when sealing is set up (cmd_seal.c), prints the day's summary and exports
 * day-YYYYMMDD.csv and day-YYYYMMDD.anchor; `day show` prints a
 * closed day's anchor; `day export` writes the two files again for a closed
 * day. docs/day-close.md. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "core/audit/anchor.h"
#include "core/base/clock.h"
#include "core/case/fees.h"
#include "core/audit/kioskkey.h"
#include "core/base/civil.h"
#include "ctl/ctl.h"
#include "db/repo/anchor_repo.h"
#include "db/report/day_export.h"
#include "db/report/report.h"
#include "db/repo/staff_repo.h"
#include "db/report/closecheck.h"
#include "db/report/paydiffs.h"

#define DAY_USAGE                                                                          \
	"usage: kioskctl day close --date YYYY-MM-DD --by SUPERVISOR_ID [--out DIR] [--key FILE] [--with-open]\n" \
	"       kioskctl day show --date YYYY-MM-DD --by SUPERVISOR_ID\n"                      \
	"       kioskctl day export --date YYYY-MM-DD --by SUPERVISOR_ID [--out DIR]\n"        \
	"  (--config DIR, --data-dir DIR, --db FILE; the PIN is read from the terminal or one line of stdin)"

/* The two files, their paths printed. */
static int export_day(kdb *db, const anchor_rec *a, const char *dir, kerr *err)
{
	char csv[4200], anchor[4200];
	if (day_export(db, a, dir, csv, anchor, sizeof csv, err))
		return -1;
	printf("wrote %s\nwrote %s\n", csv, anchor);
	return 0;
}

/* The reconciliation with WeChat Pay's bill (docs/reconciliation.md): the
 * day's differences, with a warning while any is unexplained. The close does
 * not wait for them: the bill of a day is made the next morning. */
static void print_paydiffs(kdb *db, long day)
{
	kerr err = { 0 };
	recon_run_rec run;
	paydiff_rec *list = NULL;
	size_t n = 0;
	int r = db_recon_last(db, day, &run, &err);
	if (r < 0 || db_paydiffs_of_day(db, day, &list, &n, &err)) {
		char buf[1024];
		fprintf(stderr, "kioskctl: warning: the payment differences cannot be read: %s\n",
			kerr_text(&err, buf, sizeof buf));
		return;
	}
	char at[32];
	if (r == 1)
		printf("payments: not reconciled with WeChat Pay's bill yet (kioskctl pay reconcile "
		       "once the bill is out, after 10:00 the next day)\n");
	else
		printf("payments: reconciled with WeChat Pay's bill by %s at %s\n", run.run_by,
		       clock_format_local(run.run_ms, at, sizeof at));
	size_t open = 0;
	for (size_t i = 0; i < n; i++) {
		const paydiff_rec *p = &list[i];
		open += p->status == PD_OPEN;
		printf("  difference #%lld %s %s: case %s order %s%s%s; %s%s%s\n", (long long)p->id,
		       recon_kind_name(p->d.kind), paydiff_status_name(p->status),
		       p->d.case_no[0] ? p->d.case_no : "-", p->d.out_trade_no[0] ? p->d.out_trade_no : "-",
		       p->d.out_refund_no[0] ? " refund " : "", p->d.out_refund_no, p->d.detail,
		       p->status == PD_OPEN ? "" : " — ", p->status == PD_OPEN ? "" : p->note);
	}
	if (open)
		printf("warning: %zu payment difference%s of this day %s unexplained: resolve with "
		       "kioskctl pay resolve --id N --note TEXT --by ID\n", open, open == 1 ? "" : "s",
		       open == 1 ? "is" : "are");
	free(list);
}

/* What is still open on the day, and the time, before it is closed
 * (issue 13): the cases not finished, the fees not collected. Returns
 * whether anything is open (a difference too: print_paydiffs lists them
 * after the close). -1 when it cannot be read. */
static int print_open(kdb *db, long day)
{
	close_check c;
	kerr err = { 0 };
	if (db_close_check(db, day, &c, &err) != 0) {
		char buf[1024];
		fprintf(stderr, "kioskctl: what is still open cannot be read: %s\n",
			kerr_text(&err, buf, sizeof buf));
		return -1;
	}
	char date[16], now[32], f1[32], f2[32];
	clock_format_local(clock_now_ms(), now, sizeof now);
	printf("before closing %s: the time is %s (Beijing)\n", civil_format(day, date, sizeof date), now + 11);
	printf("cases not finished: %zu\n", c.n_open);
	for (size_t i = 0; i < c.n_open; i++) {
		const close_item *it = &c.open[i];
		printf("  %s  %s, at %s  %s  %s\n", it->case_no, case_status_name(it->status),
		       it->last_step == STEP_NONE ? "opened" : case_step_name(it->last_step), it->service_id,
		       it->unit_name);
	}
	printf("fees not collected: %zu case%s, %s yuan\n", c.n_unpaid, c.n_unpaid == 1 ? "" : "s",
	       fees_format_yuan(c.unpaid_fen, f1, sizeof f1));
	for (size_t i = 0; i < c.n_unpaid; i++) {
		const close_item *it = &c.unpaid[i];
		printf("  %s  due %s, paid %s  %s\n", it->case_no, fees_format_yuan(it->fee_fen, f1, sizeof f1),
		       fees_format_yuan(it->paid_fen, f2, sizeof f2), it->unit_name);
	}
	if (c.n_diffs_open)
		printf("payment differences unexplained: %zu\n", c.n_diffs_open);
	int any = close_check_any(&c);
	close_check_free(&c);
	return any;
}

static void print_anchor(const anchor_rec *a)
{
	char date[16], at[32], hx[2 * AUDIT_HASH_LEN + 1], due[32], paid[32], refunded[32];
	civil_format(a->day, date, sizeof date);
	printf("Day %s, kiosk %s: closed by %s at %s\n", date, a->kiosk_id, a->closed_by,
	       clock_format_local(a->closed_ms, at, sizeof at));
	printf("cases %lld:", (long long)a->counts[AC_CASES]);
	for (int i = AC_CASES + 1; i < AC_DUE_FEN; i++)
		printf(" %s %lld", anchor_count_name((anchor_count)i), (long long)a->counts[i]);
	printf("\nfees due %s yuan, paid (verified) %s yuan",
	       fees_format_yuan(a->counts[AC_DUE_FEN], due, sizeof due),
	       fees_format_yuan(a->counts[AC_PAID_FEN], paid, sizeof paid));
	if (a->version >= 2)
		printf(", refunded %s yuan",
		       fees_format_yuan(a->counts[AC_REFUNDED_FEN], refunded, sizeof refunded));
	else
		printf(" (a v1 anchor: refunds not signed)");
	printf("\n");
	printf("anchor: audit row %lld, head %s\n", (long long)a->last_seq, audit_hex(a->head, hx));
	printf("signed with kiosk key %s\n", a->key_id);
	printf("message: %s\n", a->message);
}

/* The closes directory: --out, else <data_dir>/closes. */
static int out_dir(const args *a, const kiosk_config *cfg, char *buf, size_t n, kerr *err)
{
	const char *o = opt(a, "out");
	if (o && !*o)
		return kerr_set(err, "--out", "an empty directory name");
	if (snprintf(buf, n, "%s%s", o ? o : cfg->data_dir, o ? "" : "/closes") >= (int)n)
		return kerr_set(err, o ? o : cfg->data_dir, "the path is too long");
	return 0;
}

static int parse_date(const args *a, long *day)
{
	if (!opt(a, "date"))
		return usage_error("%s", "the day is needed: --date YYYY-MM-DD");
	if (!civil_parse(opt(a, "date"), day))
		return value_error("--date '%s' is not a real date in the form YYYY-MM-DD",
				   opt(a, "date"));
	return 0;
}

static int day_close(const args *a, const kiosk_config *cfg, kdb *db, long day)
{
	const char *who = opt(a, "by");
	if (!who || !*who)
		return usage_error("%s", "day close needs --by SUPERVISOR_ID");
	kerr err = { 0 };
	char key_path[4096], dir[4096];
	if (opt(a, "key"))
		snprintf(key_path, sizeof key_path, "%s", opt(a, "key"));
	else if (kioskkey_default_path(cfg->data_dir, key_path, sizeof key_path, &err))
		return fail_env(&err);
	if (out_dir(a, cfg, dir, sizeof dir, &err))
		return fail_env(&err);
	/* A missing key is made, but never in place of the one earlier days were
	 * signed with: their anchors would stop verifying. */
	if (access(key_path, F_OK) != 0) {
		anchor_rec *list = NULL;
		size_t n = 0;
		if (db_anchor_list(db, &list, &n, &err))
			return fail_env(&err);
		free(list);
		if (n > 0) {
			fprintf(stderr, "kioskctl: %s: the kiosk key is missing, but %zu days were "
				"closed with it: restore kiosk-key.pem from the backup (or give it "
				"with --key FILE); nothing was closed\n", key_path, n);
			return EXIT_USAGE;
		}
	}

	int sup = ctl_supervisor(a, db, "ctl.act.day_close");
	if (sup != EXIT_OK)
		return sup;
	/* anything open is listed; closing over it is asked for again, in
	 * words (--with-open), as the kiosk's F12 asks twice */
	int open = print_open(db, day);
	if (open != 0 && !opt(a, "with-open")) {
		kerr lerr = { 0 };
		db_staff_logout(db, who, &lerr);
		if (open < 0)
			return EXIT_USAGE;
		fprintf(stderr, "kioskctl: the day still has open cases, fees not collected or "
			"unexplained payment differences (listed above); finish them, or close "
			"over them with --with-open; nothing was closed\n");
		return EXIT_FINDING;
	}

	int rc = EXIT_OK;
	kioskkey *key = kioskkey_load_or_create(key_path, &err);
	anchor_rec anc;
	if (!key) {
		rc = fail_env(&err);
	} else {
		int r = db_day_close(db, day, who, key, &anc, &err);
		if (r != 0) {
			char buf[1024];
			fprintf(stderr, "kioskctl: %s; nothing was closed\n",
				kerr_text(&err, buf, sizeof buf));
			rc = r > 0 ? EXIT_FINDING : EXIT_USAGE;
		}
	}
	kioskkey_free(key);
	kerr lerr = { 0 };
	db_staff_logout(db, who, &lerr);
	if (rc != EXIT_OK)
		return rc;

	print_anchor(&anc);
	print_paydiffs(db, day);
	/* the day's rows sealed at once with the current epoch's key (when
	 * sealing is set up); a failure is said, the close stands */
	int seal_rc = ctl_seal_due(cfg, db, true);
	if (export_day(db, &anc, dir, &err)) {
		char buf[1024], date[16];
		fprintf(stderr, "kioskctl: the day is closed, but its export failed: %s; write it "
			"again with kioskctl day export --date %s --out DIR\n",
			kerr_text(&err, buf, sizeof buf), civil_format(day, date, sizeof date));
		return EXIT_USAGE;
	}
	return seal_rc;
}

int cmd_day(const args *a)
{
	const char *sub = a->n_words == 2 ? a->words[1] : "";
	bool do_close = strcmp(sub, "close") == 0, show = strcmp(sub, "show") == 0,
	     do_export = strcmp(sub, "export") == 0;
	if (!do_close && !show && !do_export)
		return usage_error("%s", DAY_USAGE);
	if (check_opts(a, do_close ? "config db date by out key with-open"
			  : show ? "config db date by"
				 : "config db date by out"))
		return EXIT_USAGE;
	long day;
	int vr = parse_date(a, &day);
	if (vr)
		return vr;
	kerr err = { 0 };
	kiosk_config *cfg = load_config(a, &err);
	if (!cfg)
		return fail_env(&err);
	kdb *db = open_db(a, DB_OPEN_EXISTING, &err);
	if (!db) {
		config_free(cfg);
		return fail_env(&err);
	}
	int rc;
	if (do_close) {
		rc = day_close(a, cfg, db, day);
	} else if ((rc = ctl_supervisor(a, db, show ? "ctl.act.day_show" : "ctl.act.day_export")) ==
		   EXIT_OK) {
		anchor_rec anc;
		int r = db_anchor_get(db, day, &anc, &err);
		char date[16];
		civil_format(day, date, sizeof date);
		if (r < 0) {
			rc = fail_env(&err);
		} else if (r == 1) {
			printf("%s is not closed\n", date);
			rc = EXIT_FINDING;
		} else if (show) {
			print_anchor(&anc);
			rc = EXIT_OK;
		} else {
			char dir[4096];
			rc = out_dir(a, cfg, dir, sizeof dir, &err) || export_day(db, &anc, dir, &err)
				     ? fail_env(&err)
				     : EXIT_OK;
		}
	}
	db_close(db);
	config_free(cfg);
	return rc;
}
