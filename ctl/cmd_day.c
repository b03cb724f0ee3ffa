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
	"kioskctl day close --date YYYY-MM-DD --by SUPERVISOR_ID [--out DIR] [--key FILE] [--with-open]\n" \
	"       kioskctl day show --date YYYY-MM-DD --by SUPERVISOR_ID\n"                      \
	"       kioskctl day export --date YYYY-MM-DD --by SUPERVISOR_ID [--out DIR]"

/* The two files, their paths printed. */
static int export_day(kdb *db, const anchor_rec *a, const char *dir, kerr *err)
{
	char csv[4200], anchor[4200];
	if (day_export(db, a, dir, csv, anchor, sizeof csv, err))
		return -1;
	SAY(stdout, "ctl.day.wrote", V("file", csv));
	SAY(stdout, "ctl.day.wrote", V("file", anchor));
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
		ERR("ctl.day.diffs_unreadable", V("error", kerr_text(&err, buf, sizeof buf)));
		return;
	}
	char at[32];
	if (r == 1)
		SAY(stdout, "ctl.day.not_reconciled");
	else
		SAY(stdout, "ctl.day.reconciled", V("by", run.run_by),
		    V("at", clock_format_local(run.run_ms, at, sizeof at)));
	size_t open = 0;
	for (size_t i = 0; i < n; i++) {
		const paydiff_rec *p = &list[i];
		open += p->status == PD_OPEN;
		char refund[80] = "", note[600] = "";
		if (p->d.out_refund_no[0]) {
			char said[64];
			snprintf(refund, sizeof refund, " %s",
				 TEXT(said, "ctl.day.diff_refund", V("refund", p->d.out_refund_no)));
		}
		if (p->status != PD_OPEN)
			snprintf(note, sizeof note, " — %s", p->note);
		fputs("  ", stdout);
		SAY(stdout, "ctl.day.diff", V("id", NUM(p->id)), V("kind", recon_kind_name(p->d.kind)),
		    V("status", paydiff_status_name(p->status)), V("case", p->d.case_no[0] ? p->d.case_no : "-"),
		    V("order", p->d.out_trade_no[0] ? p->d.out_trade_no : "-"), V("refund", refund),
		    V("detail", p->d.detail), V("note", note));
	}
	if (open)
		SAY(stdout, open == 1 ? "ctl.day.diffs_open_one" : "ctl.day.diffs_open", V("n", NUM(open)));
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
		ERR("ctl.day.open_unreadable", V("error", kerr_text(&err, buf, sizeof buf)));
		return -1;
	}
	char date[16], now[32], f1[32], f2[32];
	clock_format_local(clock_now_ms(), now, sizeof now);
	SAY(stdout, "ctl.day.before_close", V("date", civil_format(day, date, sizeof date)), V("time", now + 11));
	SAY(stdout, "ctl.day.cases_open", V("n", NUM(c.n_open)));
	for (size_t i = 0; i < c.n_open; i++) {
		const close_item *it = &c.open[i];
		fputs("  ", stdout);
		SAY(stdout, "ctl.day.case_open", V("case", it->case_no), V("status", ctl_term(case_status_key(it->status), case_status_name(it->status))),
		    V("step", it->last_step == STEP_NONE ? ctl_term("ctl.day.step_opened", "opened")
			      : ctl_term(case_step_key(it->last_step), case_step_name(it->last_step))),
		    V("service", it->service_id), V("unit", it->unit_name));
	}
	SAY(stdout, c.n_unpaid == 1 ? "ctl.day.unpaid_one" : "ctl.day.unpaid", V("n", NUM(c.n_unpaid)),
	    V("yuan", fees_format_yuan(c.unpaid_fen, f1, sizeof f1)));
	for (size_t i = 0; i < c.n_unpaid; i++) {
		const close_item *it = &c.unpaid[i];
		fputs("  ", stdout);
		SAY(stdout, "ctl.day.case_unpaid", V("case", it->case_no),
		    V("due", fees_format_yuan(it->fee_fen, f1, sizeof f1)),
		    V("paid", fees_format_yuan(it->paid_fen, f2, sizeof f2)), V("unit", it->unit_name));
	}
	if (c.n_diffs_open)
		SAY(stdout, "ctl.day.diffs_unexplained", V("n", NUM(c.n_diffs_open)));
	int any = close_check_any(&c);
	close_check_free(&c);
	return any;
}

static void print_anchor(const anchor_rec *a)
{
	char date[16], at[32], hx[2 * AUDIT_HASH_LEN + 1], due[32], paid[32], refunded[32];
	civil_format(a->day, date, sizeof date);
	SAY(stdout, "ctl.day.closed_by", V("date", date), V("kiosk", a->kiosk_id), V("by", a->closed_by),
	    V("at", clock_format_local(a->closed_ms, at, sizeof at)));
	SAYP(stdout, "ctl.day.cases", V("n", NUM(a->counts[AC_CASES])));
	for (int i = AC_CASES + 1; i < AC_DUE_FEN; i++)
		printf(" %s %lld", anchor_count_name((anchor_count)i), (long long)a->counts[i]);
	printf("\n");
	if (a->version >= 2)
		SAY(stdout, "ctl.day.fees", V("due", fees_format_yuan(a->counts[AC_DUE_FEN], due, sizeof due)),
		    V("paid", fees_format_yuan(a->counts[AC_PAID_FEN], paid, sizeof paid)),
		    V("refunded", fees_format_yuan(a->counts[AC_REFUNDED_FEN], refunded, sizeof refunded)));
	else
		SAY(stdout, "ctl.day.fees_v1", V("due", fees_format_yuan(a->counts[AC_DUE_FEN], due, sizeof due)),
		    V("paid", fees_format_yuan(a->counts[AC_PAID_FEN], paid, sizeof paid)));
	SAY(stdout, "ctl.day.anchor", V("seq", NUM(a->last_seq)), V("head", audit_hex(a->head, hx)));
	SAY(stdout, "ctl.day.signed", V("key", a->key_id));
	SAY(stdout, "ctl.day.message", V("message", a->message));
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
		return USAGE("ctl.need_date");
	if (!civil_parse(opt(a, "date"), day))
		return REFUSE("ctl.bad_date", V("date", opt(a, "date")));
	return 0;
}

static int day_close(const args *a, const kiosk_config *cfg, kdb *db, long day)
{
	const char *who = opt(a, "by");
	if (!who || !*who)
		return USAGE("ctl.day.need_by");
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
			ERR("ctl.day.key_missing", V("path", key_path), V("n", NUM(n)));
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
		ERR("ctl.day.still_open");
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
			ERR("ctl.day.not_closed_because", V("error", kerr_text(&err, buf, sizeof buf)));
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
		ERR("ctl.day.export_failed", V("error", kerr_text(&err, buf, sizeof buf)),
		    V("date", civil_format(day, date, sizeof date)));
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
		return ctl_usage_of(DAY_USAGE, "ctl.day.usage_note");
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
			SAY(stdout, "ctl.day.not_closed", V("date", date));
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
