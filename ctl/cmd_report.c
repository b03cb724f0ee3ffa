/* kioskctl report: the supervisor's day view as text or CSV (`report daily`,
 * with the same filters as the screen), a span of days summed (`report
 * range`), and one case's timeline (`report case`). The data comes from
 * db/report/dayview.h, db/report/report.h and db/report/timeline.h; this file only checks the
 * options and prints, in kioskctl's language (ctl.report.*; material labels
 * from the catalog in that language). CSV is the same in every language. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/case/casefsm.h"
#include "core/case/catalog.h"
#include "core/base/clock.h"
#include "core/base/config.h"
#include "core/case/fees.h"
#include "core/base/civil.h"
#include "ctl/ctl.h"
#include "db/repo/case_repo.h"
#include "db/report/dayview.h"
#include "db/report/report.h"
#include "db/repo/staff_repo.h"
#include "db/report/timeline.h"

#define USAGE_DAILY                                                                    \
	"kioskctl report daily --date YYYY-MM-DD --by SUPERVISOR_ID [--csv] [--clerk ID]" \
	" [--service ID] [--outcome NAME[,NAME...]] [--search TEXT]"
#define USAGE_RANGE "kioskctl report range --from YYYY-MM-DD --to YYYY-MM-DD --by SUPERVISOR_ID [--csv]"
#define USAGE_CASE "kioskctl report case CASE_NO --by SUPERVISOR_ID"

static int usage(void)
{
	return ctl_usage_of(USAGE_DAILY "\n       " USAGE_RANGE "\n       " USAGE_CASE, NULL);
}

/* --name YYYY-MM-DD into *day; EXIT_USAGE with a message if absent,
 * EXIT_FINDING if not a real date. */
static int date_opt(const args *a, const char *name, const char *cmd, long *day)
{
	const char *v = opt(a, name);
	if (!v || !*v)
		return USAGE("ctl.report.need_date", V("cmd", cmd), V("option", name));
	if (!civil_parse(v, day))
		return REFUSE("ctl.report.bad_date", V("option", name), V("date", v));
	return EXIT_OK;
}

/* A filter value: plain text, 1 to max bytes. */
static int text_opt(const args *a, const char *name, size_t max, const char **out)
{
	const char *v = opt(a, name);
	*out = NULL;
	if (!v)
		return EXIT_OK;
	if (!*v)
		return USAGE("ctl.args.needs_value", V("option", name));
	if (strlen(v) > max)
		return REFUSE("ctl.report.too_long", V("option", name), V("max", NUM(max)));
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return REFUSE("ctl.report.control_char", V("option", name));
	*out = v;
	return EXIT_OK;
}

/* --outcome completed,refused into a bit set. */
static int outcome_opt(const char *v, unsigned *bits)
{
	*bits = 0;
	char buf[256];
	if (!*v || strlen(v) >= sizeof buf)
		return USAGE("ctl.report.outcome_needs");
	memcpy(buf, v, strlen(v) + 1);
	char *save = NULL;
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		int o = case_outcome_from_name(w);
		if (o < 0) {
			char names[160] = "";
			for (int i = 0; i < OUTCOME_COUNT; i++) {
				strcat(names, i ? ", " : "");
				strcat(names, case_outcome_name((case_outcome)i));
			}
			return REFUSE("ctl.report.bad_outcome", V("outcome", w), V("choices", names));
		}
		*bits |= 1u << o;
	}
	if (!*bits)
		return REFUSE("ctl.report.outcome_needs");
	return EXIT_OK;
}

static const char *flag_word(const char *name, char *buf, size_t n)
{
	size_t i = 0;
	for (; name[i] && i + 1 < n; i++)
		buf[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 'a' + 'A' : name[i]);
	buf[i] = '\0';
	return buf;
}

static const char *material_label(const catalog *cat, lang lg, const char *id)
{
	const material *m = cat ? catalog_material(cat, id) : NULL;
	return m && m->label[lg] ? m->label[lg] : "?";
}

/* A service in lines of the configured language: its name, or in English
 * its id (as the English lines have always said it). */
static const char *service_term(const catalog *cat, lang lg, const char *id)
{
	const service *svc = cat && lg != LANG_EN ? catalog_service(cat, id) : NULL;
	return svc && svc->label[lg] ? svc->label[lg] : id;
}

static void print_dayview(const dayview *v, const char *date, const char *kiosk,
			  const report_filter *f, const catalog *cat, lang lg)
{
	const daily_report *r = &v->r;
	char due[32], paid[32], day[16];
	SAY(stdout, "ctl.report.daily_head", V("date", date), V("kiosk", kiosk), V("n", NUM(r->n_cases)));
	if (f->clerk_id || f->service_id || f->outcomes || f->search) {
		SAYP(stdout, "ctl.report.filter");
		if (f->clerk_id)
			printf(" %s %s", ctl_word("ctl.report.filter_clerk"), f->clerk_id);
		if (f->service_id)
			printf(" %s %s", ctl_word("ctl.report.filter_service"), f->service_id);
		if (f->outcomes) {
			printf(" %s", ctl_word("ctl.report.filter_outcome"));
			for (int o = 0, first = 1; o < OUTCOME_COUNT; o++)
				if (f->outcomes & (1u << o)) {
					printf("%s%s", first ? " " : ",", case_outcome_name((case_outcome)o));
					first = 0;
				}
		}
		if (f->search)
			printf(" %s \"%s\"", ctl_word("ctl.report.filter_search"), f->search);
		printf("\n");
	}
	SAYP(stdout, "ctl.report.by_status");
	for (int s = 0; s < CS_COUNT; s++)
		printf(" %s %ld", ctl_term(case_status_key((case_status)s), case_status_name((case_status)s)),
		       r->by_status[s]);
	printf("\n");
	SAYP(stdout, "ctl.report.by_outcome");
	for (int o = 0; o < OUTCOME_COUNT; o++)
		printf(" %s %ld", ctl_term(case_outcome_key((case_outcome)o), case_outcome_name((case_outcome)o)),
		       r->by_outcome[o]);
	printf("\n");
	SAY(stdout, "ctl.report.fees", V("due", fees_format_yuan(r->due_fen, due, sizeof due)),
	    V("paid", fees_format_yuan(r->paid_fen, paid, sizeof paid)), V("flagged", NUM(r->n_flagged)));
	SAYP(stdout, "ctl.report.by_service");
	for (size_t i = 0; i < r->n_by_service; i++)
		printf(" %s %ld", service_term(cat, lg, r->by_service[i].key), r->by_service[i].n);
	printf("\n");
	SAYP(stdout, "ctl.report.by_clerk");
	for (size_t i = 0; i < r->n_by_clerk; i++)
		printf(" %s %ld", r->by_clerk[i].key, r->by_clerk[i].n);
	printf("\n");
	if (r->n_cases)
		printf("%s %s %s %s %s %s %s %s %s %s\n", ctl_col("ctl.col.case", 24),
		       ctl_col("ctl.col.service", 16), ctl_col("ctl.col.clerk", 10),
		       ctl_col("ctl.col.status", 10), ctl_col("ctl.col.outcome", 11),
		       ctl_col("ctl.col.step", 10), ctl_col("ctl.col.fee", -10), ctl_col("ctl.col.paid", -10),
		       ctl_col("ctl.col.payment", 8), ctl_word("ctl.col.flags"));
	for (size_t i = 0; i < r->n_cases; i++) {
		const report_case *c = &r->cases[i];
		char dup[96] = "";
		if (c->dup_refund_state[0])
			snprintf(dup, sizeof dup, " DUP-REFUND(重复支付退款) %s %s", c->dup_refund_state,
				 fees_format_yuan(c->dup_refund_fen, paid, sizeof paid));
		printf("%-24s %s %-10s %s %s %s %10s %10s %-8s %s%s%s%s%s\n", c->case_no,
		       ctl_pad(service_term(cat, lg, c->service_id), 16), c->clerk_id,
		       ctl_pad(ctl_term(case_status_key(c->status), case_status_name(c->status)), 10),
		       ctl_pad(ctl_term(case_outcome_key(c->outcome), case_outcome_name(c->outcome)), 11),
		       ctl_pad(c->last_step == STEP_NONE ? ctl_term("ctl.report.no_step", "none")
			       : ctl_term(case_step_key(c->last_step), case_step_name(c->last_step)), 10),
		       fees_format_yuan(c->fee_fen, due, sizeof due),
		       fees_format_yuan(c->paid_fen, paid, sizeof paid),
		       c->pay_state[0] ? c->pay_state : "-",
		       c->flag_unverified_paid ? "PAID-UNVERIFIED " : "",
		       c->flag_underpaid ? "UNDERPAID " : "",
		       c->flag_no_verified_success ? "NO-VERIFIED-SUCCESS " : "",
		       c->flag_overpaid ? "OVERPAID" : "", dup);
	}
	/* Reconciliation: every WeChat Pay order of these cases, with its case. */
	SAY(stdout, "ctl.report.payments", V("n", NUM(r->n_payments)), V("flagged", NUM(r->n_flagged_payments)));
	if (r->n_payments)
		printf("%s %s %s %s %s %s %s %s\n", ctl_col("ctl.col.case", 24),
		       ctl_col("ctl.col.out_trade_no", 32), ctl_col("ctl.col.amount", -10),
		       ctl_col("ctl.col.state", 10), ctl_col("ctl.col.verified", 8),
		       ctl_col("ctl.col.transaction", 28), ctl_col("ctl.col.case_is", 10),
		       ctl_word("ctl.col.flags"));
	for (size_t i = 0; i < r->n_payments; i++) {
		const report_payment *p = &r->payments[i];
		printf("%-24s %-32s %10s %-10s %-8s %-28s %s %s\n", p->case_no, p->out_trade_no,
		       fees_format_yuan(p->amount_fen, due, sizeof due), p->state,
		       ctl_word(p->verified ? "ctl.report.verified_yes" : "ctl.report.verified_no"), p->transaction_id[0] ? p->transaction_id : "-",
		       ctl_pad(ctl_term(case_status_key(p->case_status), case_status_name(p->case_status)), 10),
		       p->flag_no_case ? "SUCCESS-WITHOUT-CASE" : "");
	}
	SAY(stdout, "ctl.report.mismatches", V("n", NUM(r->n_mismatches)));
	for (size_t i = 0; i < r->n_mismatches; i++) {
		const report_mismatch *m = &r->mismatches[i];
		char w[40];
		printf("  %-24s %-24s ", m->case_no, flag_word(report_flag_name(m->flag), w, sizeof w));
		SAYP(stdout, "ctl.report.mismatch", V("fee", fees_format_yuan(m->fee_fen, due, sizeof due)),
		     V("paid", fees_format_yuan(m->paid_fen, paid, sizeof paid)));
		if (m->out_trade_no[0]) {
			printf(" ");
			SAYP(stdout, "ctl.report.mismatch_order", V("order", m->out_trade_no),
			     V("amount", fees_format_yuan(m->amount_fen, due, sizeof due)));
		}
		printf("\n");
	}
	SAY(stdout, "ctl.report.rongque", V("owed", NUM(r->n_rongque)), V("overdue", NUM(r->n_rongque_overdue)),
	    V("today", civil_format(r->today, day, sizeof day)));
	for (size_t i = 0; i < r->n_cases; i++) {
		const report_case *c = &r->cases[i];
		if (c->status != CS_RONGQUE)
			continue;
		printf("  %-24s ", c->case_no);
		SAYP(stdout, "ctl.report.deadline", V("date", civil_format(c->rongque_deadline, day, sizeof day)));
		printf("%s  %s\n", c->rongque_overdue ? " OVERDUE" : "", c->unit_name);
	}
	SAY(stdout, "ctl.report.refusals", V("n", NUM(v->n_refusals)));
	for (size_t i = 0; i < v->n_refusals; i++) {
		const dayview_refusal *x = &v->refusals[i];
		/* a notice not printed is due within notice_days of the application */
		long by = clock_local_day(r->cases[x->row].created_ms) + cat->rules.notice_days;
		char byd[16];
		civil_format(by, byd, sizeof byd);
		printf("  %-24s ", x->case_no);
		SAYP(stdout, x->notice_printed ? "ctl.report.notice_printed"
			     : r->today > by  ? "ctl.report.notice_overdue"
					      : "ctl.report.notice_due",
		     V("date", byd));
		printf("  %s\n", r->cases[x->row].unit_name);
		for (size_t k = 0; k < x->n_notice; k++) {
			const dayview_notice *n = &x->notice[k];
			printf("    - %s (%s) %s%s%s%s\n", n->material_id,
			       material_label(cat, lg, n->material_id), material_mark_name(n->mark),
			       n->essential ? ctl_word("ctl.report.essential") : "", n->reason[0] ? ": " : "",
			       n->reason);
		}
	}
	/* 好差评: the day's cases' ratings, and the 差评 with their follow-up */
	long rated = 0, bad = 0;
	for (size_t i = 0; i < r->n_cases; i++) {
		rated += r->cases[i].rating[0] != '\0';
		bad += r->cases[i].rating_due[0] != '\0';
	}
	SAY(stdout, "ctl.report.ratings", V("rated", NUM(rated)), V("n", NUM(r->n_cases)), V("bad", NUM(bad)));
	for (size_t i = 0; i < r->n_cases; i++) {
		const report_case *c = &r->cases[i];
		if (!c->rating_due[0])
			continue;
		printf("  %-24s %-17s ", c->case_no, c->rating);
		SAYP(stdout, "ctl.rating.due", V("date", c->rating_due));
		printf("  %s\n", ctl_word(c->rating_resolved_by[0] ? "ctl.report.followed_up" : "ctl.report.to_follow_up"));
	}
	SAY(stdout, "ctl.report.key_events", V("n", NUM(v->n_keys)));
	for (size_t i = 0; i < v->n_keys; i++) {
		const dayview_key_event *k = &v->keys[i];
		char at[32];
		printf("  %s %-20s %-11s -> %-11s %-13s %-10s %s\n",
		       clock_format_local(k->at_ms, at, sizeof at), k->serial,
		       k->from < 0 ? ctl_word("ctl.report.new_key") : token_state_name((token_state)k->from),
		       token_state_name(k->to), k->reason, k->actor,
		       k->case_no[0] ? k->case_no : "-");
	}
}

static int report_daily(const args *a)
{
	if (a->n_words != 2)
		return ctl_usage_of(USAGE_DAILY, NULL);
	if (check_opts(a, "config db date csv clerk service outcome search by"))
		return EXIT_USAGE;
	long day;
	int vr;
	if ((vr = date_opt(a, "date", "daily", &day)))
		return vr;
	report_filter f = { 0 };
	if ((vr = text_opt(a, "clerk", 32, &f.clerk_id)) || (vr = text_opt(a, "service", 39, &f.service_id)) ||
	    (vr = text_opt(a, "search", 96, &f.search)))
		return vr;
	if (opt(a, "outcome") && (vr = outcome_opt(opt(a, "outcome"), &f.outcomes)))
		return vr;

	kerr err = { 0 };
	lang lg = ctl_lang();
	catalog *cat = catalog_load(config_default_dir(opt(a, "config")), &err);
	if (!cat)
		return fail_env(&err);
	if (f.service_id && !catalog_service(cat, f.service_id)) {
		char ids[512] = "";
		for (size_t i = 0; i < cat->n_services && strlen(ids) + 48 < sizeof ids; i++) {
			strcat(ids, i ? ", " : "");
			strncat(ids, cat->services[i].id, 40);
		}
		catalog_free(cat);
		return REFUSE("ctl.report.bad_service", V("service", f.service_id), V("choices", ids));
	}
	kdb *db = open_db(a, DB_OPEN_EXISTING, &err);
	if (!db) {
		catalog_free(cat);
		return fail_env(&err);
	}
	int sup = ctl_supervisor(a, db, "ctl.act.report_daily");
	if (sup != EXIT_OK) {
		catalog_free(cat);
		db_close(db);
		return sup;
	}
	int rc = EXIT_OK;
	if (f.clerk_id) {
		staff_rec s;
		int found = db_staff_get(db, f.clerk_id, &s, &err);
		if (found < 0)
			rc = fail_env(&err);
		else if (found == 1)
			rc = REFUSE("ctl.report.bad_clerk", V("clerk", f.clerk_id), V("db", db_path(db)));
	}
	dayview v;
	if (rc == EXIT_OK && db_dayview(db, day, &f, &v, &err) != 0)
		rc = fail_env(&err);
	if (rc == EXIT_OK) {
		if (opt(a, "csv")) {
			if (report_write_csv(stdout, &v.r) != 0 || fflush(stdout) != 0) {
				ERR("ctl.report.csv_failed");
				rc = EXIT_USAGE;
			}
		} else {
			print_dayview(&v, opt(a, "date"), db_kiosk_id(db), &f, cat, lg);
		}
		dayview_free(&v);
	}
	db_close(db);
	catalog_free(cat);
	return rc;
}

static void print_range(const range_report *r, const char *kiosk)
{
	char from[16], to[16], due[32], paid[32];
	SAY(stdout, "ctl.report.range_head", V("from", civil_format(r->from_day, from, sizeof from)),
	    V("to", civil_format(r->to_day, to, sizeof to)), V("kiosk", kiosk), V("days", NUM(r->n_days)),
	    V("n", NUM(r->total.cases)));
	printf("%s %s", ctl_col("ctl.col.day", 10), ctl_col("ctl.col.cases", -6));
	for (int o = 0; o < OUTCOME_COUNT; o++)
		printf(" %s", ctl_pad(ctl_term(case_outcome_key((case_outcome)o), case_outcome_name((case_outcome)o)), -11));
	printf(" %s %s %s\n", ctl_col("ctl.col.due", -12), ctl_col("ctl.col.paid", -12),
	       ctl_col("ctl.col.mismatches", -10));
	for (size_t i = 0; i <= r->n_days; i++) {
		const range_day *d = i < r->n_days ? &r->days[i] : &r->total;
		if (i < r->n_days)
			printf("%-10s", civil_format(d->day, from, sizeof from));
		else
			printf("%s", ctl_col("ctl.col.total", 10));
		printf(" %6ld", d->cases);
		for (int o = 0; o < OUTCOME_COUNT; o++)
			printf(" %11ld", d->by_outcome[o]);
		printf(" %12s %12s %10ld\n", fees_format_yuan(d->due_fen, due, sizeof due),
		       fees_format_yuan(d->paid_fen, paid, sizeof paid), d->mismatches);
	}
}

static int report_range(const args *a)
{
	if (a->n_words != 2)
		return ctl_usage_of(USAGE_RANGE, NULL);
	if (check_opts(a, "config db from to csv by"))
		return EXIT_USAGE;
	long from, to;
	int vr;
	if ((vr = date_opt(a, "from", "range", &from)) || (vr = date_opt(a, "to", "range", &to)))
		return vr;
	if (to < from)
		return REFUSE("ctl.report.range_reversed", V("to", opt(a, "to")), V("from", opt(a, "from")));
	if (to - from + 1 > REPORT_RANGE_MAX_DAYS)
		return REFUSE("ctl.report.range_too_long", V("from", opt(a, "from")), V("to", opt(a, "to")),
			      V("days", NUM(to - from + 1)), V("max", NUM(REPORT_RANGE_MAX_DAYS)));
	kerr err = { 0 };
	kdb *db = open_db(a, DB_OPEN_EXISTING, &err);
	if (!db)
		return fail_env(&err);
	int sup = ctl_supervisor(a, db, "ctl.act.report_range");
	if (sup != EXIT_OK) {
		db_close(db);
		return sup;
	}
	range_report r;
	int rc = EXIT_OK;
	if (db_report_range(db, from, to, &r, &err) != 0) {
		rc = fail_env(&err);
	} else {
		if (opt(a, "csv")) {
			if (report_write_range_csv(stdout, &r) != 0 || fflush(stdout) != 0) {
				ERR("ctl.report.csv_failed");
				rc = EXIT_USAGE;
			}
		} else {
			print_range(&r, db_kiosk_id(db));
		}
		range_report_free(&r);
	}
	db_close(db);
	return rc;
}

static int report_timeline(const args *a)
{
	if (a->n_words != 3)
		return ctl_usage_of(USAGE_CASE, NULL);
	if (check_opts(a, "config db by"))
		return EXIT_USAGE;
	const char *case_no = a->words[2];
	if (!*case_no || strlen(case_no) > 39)
		return REFUSE("ctl.report.bad_case_no", V("case", case_no));
	kerr err = { 0 };
	kdb *db = open_db(a, DB_OPEN_EXISTING, &err);
	if (!db)
		return fail_env(&err);
	int sup = ctl_supervisor(a, db, "ctl.act.report_case");
	if (sup != EXIT_OK) {
		db_close(db);
		return sup;
	}
	timeline_entry *t = NULL;
	size_t n = 0;
	int found = db_case_timeline(db, case_no, &t, &n, &err);
	int rc = EXIT_OK;
	if (found < 0) {
		rc = fail_env(&err);
	} else if (found == 1) {
		ERR("ctl.report.no_case", V("case", case_no), V("db", db_path(db)));
		rc = EXIT_FINDING;
	} else {
		case_rec c;
		char fee[32];
		if (db_case_get(db, case_no, &c, &err) == 0)
			SAY(stdout, "ctl.report.case_head", V("case", case_no), V("service", c.service_id),
			    V("clerk", c.clerk_id), V("status", case_status_name(c.status)),
			    V("step", case_step_name(c.last_step)),
			    V("unit", c.party.unit_name[0] ? c.party.unit_name : "-"),
			    V("uscc", c.party.uscc[0] ? c.party.uscc : "-"),
			    V("agent", c.party.agent_name[0] ? c.party.agent_name : "-"),
			    V("fee", fees_format_yuan(c.fee_fen, fee, sizeof fee)));
		SAY(stdout, "ctl.report.timeline", V("n", NUM(n)));
		for (size_t i = 0; i < n; i++) {
			char at[32];
			printf("%s  %-8s %-10s %s\n", clock_format_local(t[i].at_ms, at, sizeof at),
			       timeline_kind_name(t[i].kind), t[i].actor[0] ? t[i].actor : "-",
			       t[i].text);
		}
	}
	free(t);
	db_close(db);
	return rc;
}

int cmd_report(const args *a)
{
	if (a->n_words < 2)
		return usage();
	if (strcmp(a->words[1], "daily") == 0)
		return report_daily(a);
	if (strcmp(a->words[1], "range") == 0)
		return report_range(a);
	if (strcmp(a->words[1], "case") == 0)
		return report_timeline(a);
	return usage();
}
