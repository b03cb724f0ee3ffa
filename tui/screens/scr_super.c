/* The supervisor's screens: the day view (any date: counts by outcome,
 * service and clerk, fees due against verified payments with every mismatch,
 * 容缺 cases with their deadline, refusals with their notices (and the day
 * a notice not printed is due by, services.ini notice_days), the 差评 with
 * their follow-up (Enter: scr_supp.c's follow-up screen), the keys whose
 * lifecycle moved; filters by clerk, service and outcome, search by case
 * number or its tail, USCC, unit or agent, a date typed to go to), one
 * case's timeline, the day close (audit chain
 * verified, anchor signed with the kiosk key, summary printed, CSV and anchor
 * exported), and the refund of a paid case with a supervisor's approval
 * (maker-checker). The day view and the day close are offered to supervisors
 * only (action_offered); the refund screen is reached from home by anyone
 * and approved by a supervisor who is neither the one asking nor the case's
 * clerk. The figures come from db/dayview, the same as kioskctl report. */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/audit/kioskkey.h"
#include "core/print/printout.h"
#include "core/base/civil.h"
#include "db/repo/anchor_repo.h"
#include "db/report/closecheck.h"
#include "db/report/day_export.h"
#include "db/report/paydiffs.h"
#include "db/report/dayview.h"
#include "db/report/timeline.h"
#include "forms/casewords.h"
#include "core/pay/recon.h"
#include "core/case/rating.h"
#include "core/case/marks.h"
#include "core/token/token_life.h"
#include "tui/term/term.h"
#include "tui/screens/screens.h"

/* The day view's parts, one at a time (Tab): id, UI string key. */
#define DAY_TABS(X)                               \
	X(TAB_SUMMARY,    "day.tab.summary")      \
	X(TAB_CASES,      "day.tab.cases")        \
	X(TAB_MISMATCHES, "day.tab.mismatches")   \
	X(TAB_RONGQUE,    "day.tab.rongque")      \
	X(TAB_REFUSALS,   "day.tab.refusals")     \
	X(TAB_KEYS,       "day.tab.keys")         \
	X(TAB_RATINGS,    "day.tab.ratings")      \
	X(TAB_RECON,      "day.tab.recon")

ENUM_DECLARE_KEY(day_tab, DAY_TABS, TAB_COUNT);
ENUM_DEFINE_KEY(day_tab, DAY_TABS, "day.tab.summary")

#define LIST_MAX 64

typedef struct day_state {
	long day;
	dayview v;
	bool loaded;
	day_tab tab;
	int sel;
	rating_rec *bad;              /* the 差评 of the day and those still open */
	size_t n_bad;
	/* filters: indexes into the unfiltered day's clerks and services, -1 all */
	char clerks[LIST_MAX][40];
	int n_clerks, clerk_ix;
	char services[LIST_MAX][40];
	int n_services, service_ix;
	int outcome;                  /* -1 all */
	char search[128];
	edit_field find;
	bool finding;
	edit_field jump;              /* F2: a date typed to go to */
	bool jumping;
	bool closed;                  /* the day has its anchor */
	anchor_rec anchor;
	char msg[1024];
	bool msg_err;
	bool started;                 /* day, filters set on the first entry */
	/* the reconciliation with WeChat Pay's bill: the day's differences (all
	 * of them, whatever the filters) and its last run (run_rc 1: never) */
	paydiff_rec *pd;
	size_t npd;
	recon_run_rec run;
	int run_rc;
	/* F12: the day's open ends listed first (1), asked again when any is
	 * open (2); Enter goes on, Esc drops it (0) */
	int closing;
	close_check cc;
} day_state;

/* The day view keeps its date and filters for the session (keep): back from
 * a case's timeline it is as it was left. */
static day_state *ctx(app *a)
{
	day_state *d = app_private(a);
	if (d && !d->started) {
		d->started = true;
		d->day = clock_today();
		d->clerk_ix = d->service_ix = d->outcome = -1;
	}
	return d;
}

static void day_leave(app *a)
{
	day_state *d = app_private(a);
	if (d->loaded)
		dayview_free(&d->v);
	d->loaded = false;
	free(d->pd);
	d->pd = NULL;
	d->npd = 0;
	close_check_free(&d->cc);
	d->closing = 0;
	free(d->bad);
	d->bad = NULL;
	d->n_bad = 0;
}

static void say(day_state *d, bool is_err, const char *text)
{
	snprintf(d->msg, sizeof d->msg, "%s", text);
	d->msg_err = is_err;
}

static void say_err(day_state *d, const kerr *err)
{
	char buf[1024];
	say(d, true, kerr_text(err, buf, sizeof buf));
}

/* The clerks and services of the whole day, for the filters to step through. */
static void load_choices(app *a, day_state *d)
{
	dayview all;
	kerr err = { 0 };
	d->n_clerks = d->n_services = 0;
	if (db_dayview(a->k.db, d->day, NULL, &all, &err) != 0)
		return;
	for (size_t i = 0; i < all.r.n_by_clerk && d->n_clerks < LIST_MAX; i++)
		snprintf(d->clerks[d->n_clerks++], sizeof d->clerks[0], "%s", all.r.by_clerk[i].key);
	for (size_t i = 0; i < all.r.n_by_service && d->n_services < LIST_MAX; i++)
		snprintf(d->services[d->n_services++], sizeof d->services[0], "%s", all.r.by_service[i].key);
	dayview_free(&all);
}

static void load(app *a, day_state *d)
{
	if (d->loaded)
		dayview_free(&d->v);
	d->loaded = false;
	report_filter f = { 0 };
	f.clerk_id = d->clerk_ix >= 0 && d->clerk_ix < d->n_clerks ? d->clerks[d->clerk_ix] : NULL;
	f.service_id = d->service_ix >= 0 && d->service_ix < d->n_services ? d->services[d->service_ix] : NULL;
	f.outcomes = d->outcome >= 0 ? 1u << d->outcome : 0;
	f.search = d->search[0] ? d->search : NULL;
	kerr err = { 0 };
	if (db_dayview(a->k.db, d->day, &f, &d->v, &err) != 0) {
		say_err(d, &err);
		return;
	}
	d->loaded = true;
	d->closed = db_anchor_get(a->k.db, d->day, &d->anchor, &err) == 0;
	free(d->bad);
	d->bad = NULL;
	d->n_bad = 0;
	if (db_ratings_bad(a->k.db, d->day, &d->bad, &d->n_bad, &err) != 0)
		say_err(d, &err);
	d->sel = 0;
	free(d->pd);
	d->pd = NULL;
	d->npd = 0;
	if (db_paydiffs_of_day(a->k.db, d->day, &d->pd, &d->npd, &err) != 0)
		say_err(d, &err);
	d->run_rc = db_recon_last(a->k.db, d->day, &d->run, &err);
}

static size_t tab_rows(const day_state *d);
static const char *row_case(const day_state *d, size_t i);

static void day_enter(app *a)
{
	day_state *d = ctx(a);
	if (!d)
		return;
	d->finding = d->jumping = false;
	if (a->go_day > 0) { /* back from the hall's day (F4): its date */
		if (a->go_day != d->day)
			d->clerk_ix = d->service_ix = -1;
		d->day = a->go_day;
		a->go_day = 0;
	}
	load_choices(a, d);
	load(a, d);
	/* back from a case's paper or timeline: the row of that case again */
	for (size_t i = 0; a->go_case[0] && d->tab != TAB_SUMMARY && i < tab_rows(d); i++)
		if (strcmp(row_case(d, i), a->go_case) == 0)
			d->sel = (int)i;
	a->go_case[0] = '\0';
}

/* Show the day `day`: the clerk and service filters are the old day's, so
 * they go; the outcome and the search stay. */
static void show_day(app *a, day_state *d, long day)
{
	d->day = day;
	d->clerk_ix = d->service_ix = -1;
	d->msg[0] = '\0';
	load_choices(a, d);
	load(a, d);
}

/* Enter on the date typed after F2: that day, if it is one and not to come. */
static void jump_to(app *a, day_state *d)
{
	char text[64];
	edit_get(&d->jump, text, sizeof text);
	char *s = text;
	while (*s == ' ')
		s++;
	for (size_t n = strlen(s); n && s[n - 1] == ' '; n--)
		s[n - 1] = '\0';
	long day;
	if (!civil_parse_typed(s, &day)) {
		str_var v[] = { { "got", s }, { NULL, NULL } };
		char buf[256];
		say(d, true, app_render(a, "day.bad_date", v, buf, sizeof buf));
		return; /* the prompt stays, with what was typed */
	}
	if (day > clock_today()) {
		say(d, true, app_str(a, "day.future_date"));
		return;
	}
	d->jumping = false;
	show_day(a, d, day);
}

static const char *service_label(const app *a, const char *id)
{
	const service *s = catalog_service(a->k.cat, id);
	return s ? s->label[a->k.lg] : id;
}

static const char *yuan(int64_t fen, char *buf, size_t n)
{
	return fees_format_yuan(fen, buf, n);
}

/* The outcome's short word for a row of the cases ("day.outcome_short.<name>"). */
static const char *outcome_short(const app *a, case_outcome o)
{
	char key[64];
	snprintf(key, sizeof key, "day.outcome_short.%s", case_outcome_name(o));
	return app_str(a, key);
}

/* How many rows the current tab lists, and the case number of row i. */
static size_t tab_rows(const day_state *d)
{
	const daily_report *r = &d->v.r;
	switch (d->tab) {
	case TAB_CASES:
		return r->n_cases;
	case TAB_MISMATCHES:
		return r->n_mismatches;
	case TAB_RONGQUE: {
		size_t n = 0;
		for (size_t i = 0; i < r->n_cases; i++)
			n += r->cases[i].status == CS_RONGQUE;
		return n;
	}
	case TAB_REFUSALS:
		return d->v.n_refusals;
	case TAB_KEYS:
		return d->v.n_keys;
	case TAB_RECON:
		return d->npd;
	case TAB_RATINGS:
		return d->n_bad;
	default:
		return 0;
	}
}

static const report_case *rongque_row(const day_state *d, size_t k)
{
	for (size_t i = 0; i < d->v.r.n_cases; i++)
		if (d->v.r.cases[i].status == CS_RONGQUE && k-- == 0)
			return &d->v.r.cases[i];
	return NULL;
}

static const char *row_case(const day_state *d, size_t i)
{
	const daily_report *r = &d->v.r;
	switch (d->tab) {
	case TAB_CASES:
		return i < r->n_cases ? r->cases[i].case_no : "";
	case TAB_MISMATCHES:
		return i < r->n_mismatches ? r->mismatches[i].case_no : "";
	case TAB_RONGQUE: {
		const report_case *c = rongque_row(d, i);
		return c ? c->case_no : "";
	}
	case TAB_REFUSALS:
		return i < d->v.n_refusals ? d->v.refusals[i].case_no : "";
	case TAB_KEYS:
		return i < d->v.n_keys ? d->v.keys[i].case_no : "";
	case TAB_RECON:
		return i < d->npd ? d->pd[i].d.case_no : "";
	case TAB_RATINGS:
		return i < d->n_bad ? d->bad[i].case_no : "";
	default:
		return "";
	}
}

/* One line per row of the current tab. */
static void row_text(const app *a, const day_state *d, size_t i, char *buf, size_t n)
{
	const daily_report *r = &d->v.r;
	char f1[32], f2[32], when[32], dl[16];
	switch (d->tab) {
	case TAB_CASES: {
		/* 80 columns hold the number, the time, the clerk (7 characters
		 * of the id), the outcome's short word, the fee (! when the money
		 * disagrees: the mismatches tab has both figures) and the
		 * service's name whole, in either language; the columns are
		 * padded by display width */
		const report_case *c = &r->cases[i];
		clock_format_local(c->created_ms, when, sizeof when);
		bool flagged = c->flag_unverified_paid || c->flag_underpaid ||
			       c->flag_no_verified_success || c->flag_overpaid;
		int ow = 0, fw = 0;
		for (int o = 0; o < OUTCOME_COUNT; o++) {
			int w = text_cols(outcome_short(a, (case_outcome)o));
			ow = w > ow ? w : ow;
		}
		for (size_t k = 0; k < r->n_cases; k++) {
			int w = (int)strlen(yuan(r->cases[k].fee_fen, f1, sizeof f1));
			fw = w > fw ? w : fw;
		}
		const char *o = outcome_short(a, c->outcome);
		size_t len = (size_t)snprintf(buf, n, "%-24s %.5s %-7.7s %s%*s ", c->case_no, when + 11,
					      c->clerk_id, o, ow - text_cols(o), "");
		if (len < n)
			snprintf(buf + len, n - len, "%*s%s %s", fw, yuan(c->fee_fen, f2, sizeof f2),
				 flagged ? "!" : " ", service_label(a, c->service_id));
		break;
	}
	case TAB_MISMATCHES: {
		const report_mismatch *m = &r->mismatches[i];
		snprintf(buf, n, "%-24s %s  %s/%s%s%s", m->case_no, app_str(a, report_flag_key(m->flag)),
			 yuan(m->fee_fen, f1, sizeof f1), yuan(m->paid_fen, f2, sizeof f2),
			 m->out_trade_no[0] ? "  " : "", m->out_trade_no);
		break;
	}
	case TAB_RONGQUE: {
		const report_case *c = rongque_row(d, i);
		snprintf(buf, n, "%-24s %s %s  %s", c->case_no,
			 c->rongque_deadline >= 0 ? civil_format(c->rongque_deadline, dl, sizeof dl) : "-",
			 c->rongque_overdue ? app_str(a, "day.overdue") : "", c->unit_name);
		break;
	}
	case TAB_REFUSALS: {
		const dayview_refusal *f = &d->v.refusals[i];
		char items[16];
		snprintf(items, sizeof items, "%zu", f->n_notice);
		str_var v[] = { { "n", items }, { NULL, NULL } };
		char what[256];
		/* a notice not printed is due within notice_days of the application */
		char due[16], st[256];
		long by = clock_local_day(r->cases[f->row].created_ms) + a->k.cat->rules.notice_days;
		str_var w[] = { { "date", civil_format(by, due, sizeof due) }, { NULL, NULL } };
		app_render(a, f->notice_printed ? "day.notice_printed"
			   : clock_today() > by ? "day.notice_overdue" : "day.notice_due", w, st, sizeof st);
		snprintf(buf, n, "%-24s %s  %s", f->case_no, st,
			 app_render(a, "day.notice_items", v, what, sizeof what));
		break;
	}
	case TAB_RATINGS: {
		const rating_rec *g = &d->bad[i];
		char state[160];
		str_var w[] = { { "by", g->resolved_by }, { NULL, NULL } };
		app_render(a, g->resolved_by[0] ? "day.rating_resolved"
			   : clock_today() > g->due_day ? "day.rating_overdue" : "day.rating_open", w,
			   state, sizeof state);
		snprintf(buf, n, "%-24s %-10s %s %s  %s", g->case_no, app_str(a, rating_level_key(g->level)),
			 civil_format(g->due_day, dl, sizeof dl), state, g->unit_name);
		break;
	}
	case TAB_KEYS: {
		const dayview_key_event *k = &d->v.keys[i];
		clock_format_local(k->at_ms, when, sizeof when);
		snprintf(buf, n, "%.5s %-14s %s → %s  %s %s", when + 11, k->serial,
			 k->from >= 0 ? app_str(a, token_state_key((token_state)k->from)) : "-",
			 app_str(a, token_state_key(k->to)), k->actor, k->case_no);
		break;
	}
	case TAB_RECON: {
		/* class, the order (or the case), the fee due / booked / billed, state */
		const paydiff_rec *p = &d->pd[i];
		char f3[32];
		snprintf(buf, n, "#%-3lld %-14s %-24s %s/%s/%s  %s", (long long)p->id,
			 app_str(a, recon_kind_key(p->d.kind)),
			 p->d.out_trade_no[0] ? p->d.out_trade_no : p->d.case_no[0] ? p->d.case_no : "-",
			 p->d.due_fen < 0 ? "-" : yuan(p->d.due_fen, f1, sizeof f1),
			 p->d.book_fen < 0 ? "-" : yuan(p->d.book_fen, f2, sizeof f2),
			 p->d.bill_fen < 0 ? "-" : yuan(p->d.bill_fen, f3, sizeof f3),
			 app_str(a, paydiff_status_key(p->status)));
		break;
	}
	default:
		buf[0] = '\0';
	}
}

/* Above the differences: whether and when the day was reconciled. */
static int draw_recon_status(app *a, const day_state *d, int y)
{
	char buf[1024], at[32], n[24], open[24];
	size_t o = 0;
	for (size_t i = 0; i < d->npd; i++)
		o += d->pd[i].status == PD_OPEN;
	snprintf(n, sizeof n, "%zu", d->npd);
	snprintf(open, sizeof open, "%zu", o);
	str_var v[] = { { "by", d->run.run_by }, { "at", clock_format_local(d->run.run_ms, at, sizeof at) },
			{ "n", n }, { "open", open }, { NULL, NULL } };
	bool never = d->run_rc != 0;
	if (never || o)
		attron(term_attr(ST_ERROR));
	draw_wrapped(y, 2, COLS - 4, 2, never ? app_str(a, "day.recon_never")
					      : app_render(a, "day.recon_last", v, buf, sizeof buf));
	if (never || o)
		attroff(term_attr(ST_ERROR));
	y += 2;
	/* the day's duplicate payments refunded (重复支付退款), the cases kept */
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < d->v.r.n_cases && len < sizeof buf; i++) {
		const report_case *c = &d->v.r.cases[i];
		char f1[32];
		if (c->dup_refund_state[0])
			len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s %s %s %s", len ? "  " : "",
						app_str(a, "refund.dup"), c->case_no,
						yuan(c->dup_refund_fen, f1, sizeof f1), c->dup_refund_state);
	}
	if (buf[0]) {
		draw_wrapped(y, 2, COLS - 4, 2, buf);
		y += 2;
	}
	return y;
}

/* Below the differences: the selected one's detail, what to do, and who
 * resolved it and when (or that a later run no longer found it). */
static void draw_recon_detail(app *a, const day_state *d, int y)
{
	if (d->sel < 0 || (size_t)d->sel >= d->npd || y >= LINES - 4)
		return;
	const paydiff_rec *p = &d->pd[d->sel];
	char buf[1400], key[64], at[32];
	snprintf(buf, sizeof buf, "%s  %s", p->d.case_no[0] ? p->d.case_no : "-", p->d.detail);
	draw_wrapped(y++, 2, COLS - 4, 1, buf);
	if (p->status == PD_OPEN) {
		snprintf(key, sizeof key, "%s.todo", recon_kind_key(p->d.kind));
		snprintf(buf, sizeof buf, "%s%s", app_str(a, "day.recon_todo"),
			 app_str(a, p->d.kind == RK_DUPLICATE && p->d.case_no[0] ? "day.recon_f8" : key));
		draw_wrapped(y, 2, COLS - 4, 2, buf);
		return;
	}
	str_var v[] = { { "status", app_str(a, paydiff_status_key(p->status)) }, { "by", p->resolved_by },
			{ "at", clock_format_local(p->resolved_ms, at, sizeof at) }, { NULL, NULL } };
	char head[256];
	snprintf(buf, sizeof buf, "%s  %s", app_render(a, "day.recon_by", v, head, sizeof head), p->note);
	draw_wrapped(y, 2, COLS - 4, 2, buf);
}

/* Counts in cells of a fixed width, so a label and its number are never
 * split across lines (script-mode tests read them back). */
static int draw_cells(int y, const char *const *label, const long *n, int count)
{
	const int cell = 26, per = (COLS - 4) / cell > 0 ? (COLS - 4) / cell : 1;
	for (int i = 0; i < count; i++) {
		char buf[160];
		snprintf(buf, sizeof buf, "%s %ld", label[i], n[i]);
		draw_text(y + i / per, 2 + (i % per) * cell, buf, cell - 1);
	}
	return y + (count + per - 1) / per;
}

static int draw_summary(app *a, const day_state *d, int y)
{
	const daily_report *r = &d->v.r;
	char buf[1024], f1[32], f2[32];
	const char *lab[OUTCOME_COUNT + 1];
	long n[OUTCOME_COUNT + 1];
	lab[0] = app_str(a, "day.cases");
	n[0] = (long)r->n_cases;
	for (int o = 0; o < OUTCOME_COUNT; o++) {
		lab[o + 1] = app_str(a, case_outcome_key((case_outcome)o));
		n[o + 1] = r->by_outcome[o];
	}
	y = draw_cells(y, lab, n, OUTCOME_COUNT + 1) + 1;
	str_var v[] = { { "due", yuan(r->due_fen, f1, sizeof f1) }, { "paid", yuan(r->paid_fen, f2, sizeof f2) },
			{ NULL, NULL } };
	draw_text(y++, 2, app_render(a, "day.money", v, buf, sizeof buf), COLS - 4);
	/* the 差评 tab's ones still waiting for their follow-up */
	long bad_open = 0;
	for (size_t i = 0; i < d->n_bad; i++)
		bad_open += d->bad[i].resolved_by[0] == '\0';
	const char *lab2[] = { app_str(a, "day.tab.mismatches"), app_str(a, "day.rongque_owed"),
			       app_str(a, "day.rongque_overdue"), app_str(a, "day.tab.refusals"),
			       app_str(a, "day.tab.keys"), app_str(a, "day.ratings_open") };
	long n2[] = { (long)r->n_mismatches, r->n_rongque, r->n_rongque_overdue, (long)d->v.n_refusals,
		      (long)d->v.n_keys, bad_open };
	if (r->n_mismatches || r->n_rongque_overdue)
		attron(term_attr(ST_ERROR));
	y = draw_cells(y, lab2, n2, 6) + 1;
	if (r->n_mismatches || r->n_rongque_overdue)
		attroff(term_attr(ST_ERROR));
	size_t len = (size_t)snprintf(buf, sizeof buf, "%s", app_str(a, "day.by_service"));
	for (size_t i = 0; i < r->n_by_service && len < sizeof buf; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "  %s %ld",
					service_label(a, r->by_service[i].key), r->by_service[i].n);
	draw_wrapped(y, 2, COLS - 4, 3, buf);
	y += 3;
	len = (size_t)snprintf(buf, sizeof buf, "%s", app_str(a, "day.by_clerk"));
	for (size_t i = 0; i < r->n_by_clerk && len < sizeof buf; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "  %s %ld", r->by_clerk[i].key,
					r->by_clerk[i].n);
	draw_wrapped(y, 2, COLS - 4, 2, buf);
	y += 2;
	if (d->closed) {
		char hx[2 * AUDIT_HASH_LEN + 1], at[32];
		char seq[24];
		snprintf(seq, sizeof seq, "%lld", (long long)d->anchor.last_seq);
		str_var w[] = { { "by", d->anchor.closed_by },
				{ "at", clock_format_local(d->anchor.closed_ms, at, sizeof at) },
				{ "seq", seq }, { "head", audit_hex(d->anchor.head, hx) }, { NULL, NULL } };
		attron(term_attr(ST_OK));
		draw_wrapped(y, 2, COLS - 4, 3, app_render(a, "day.closed", w, buf, sizeof buf));
		attroff(term_attr(ST_OK));
	} else {
		draw_text(y, 2, app_str(a, "day.not_closed"), COLS - 4);
	}
	return y;
}

/* The selected refusal's one-time notice, a line per material. */
static void draw_notice(const app *a, const day_state *d, int y)
{
	if (d->sel < 0 || (size_t)d->sel >= d->v.n_refusals)
		return;
	const dayview_refusal *f = &d->v.refusals[d->sel];
	for (size_t k = 0; k < f->n_notice && y < LINES - 3; k++, y++) {
		const material *m = catalog_material(a->k.cat, f->notice[k].material_id);
		char line[700];
		snprintf(line, sizeof line, "  • %s：%s%s%s", m ? m->label[a->k.lg] : f->notice[k].material_id,
			 app_str(a, f->notice[k].mark == MARK_MISSING ? "mark.missing" : "mark.defective"),
			 f->notice[k].reason[0] ? " — " : "", f->notice[k].reason);
		draw_text(y, 2, line, COLS - 4);
	}
}

/* One line of the F12 listing: the case, where it stands, what, whose. */
static void close_row(const app *a, const close_item *it, bool money, char *buf, size_t n)
{
	char f1[32], f2[32];
	if (money) {
		str_var v[] = { { "case", it->case_no }, { "due", yuan(it->fee_fen, f1, sizeof f1) },
				{ "paid", yuan(it->paid_fen, f2, sizeof f2) }, { "unit", it->unit_name },
				{ NULL, NULL } };
		app_render(a, "day.close_unpaid_row", v, buf, n);
		return;
	}
	const service *svc = catalog_service(a->k.cat, it->service_id);
	case_step next = svc ? case_next_step(svc, it->last_step, it->decision) : STEP_NONE;
	char where[256];
	str_var w[] = { { "status", app_str(a, case_status_key(it->status)) },
			{ "step", next == STEP_NONE ? "" : app_str(a, case_step_key(next)) }, { NULL, NULL } };
	app_render(a, next == STEP_NONE ? "day.close_status" : "day.close_status_step", w, where, sizeof where);
	str_var v[] = { { "case", it->case_no }, { "status", where },
			{ "service", service_label(a, it->service_id) }, { "unit", it->unit_name },
			{ NULL, NULL } };
	app_render(a, "day.close_open_row", v, buf, n);
}

/* Rows of a list from y in at most `room` lines, the rest counted; an open
 * case takes two lines (its unit's name whole on the second). Returns the
 * next y. */
static int close_list(const app *a, const close_item *items, size_t n, bool money, int y, int room)
{
	char line[1200], buf[256];
	int per = money ? 1 : 2;
	size_t fit = room > 0 ? (size_t)(room / per) : 0;
	if (fit < n) /* a line left to say how many more */
		fit = room > per ? (size_t)((room - 1) / per) : 0;
	size_t shown = 0;
	for (; shown < n && shown < fit; shown++) {
		close_row(a, &items[shown], money, line, sizeof line);
		draw_text(y++, 4, line, COLS - 6);
		if (!money)
			draw_text(y++, 6, items[shown].unit_name, COLS - 8);
	}
	if (shown < n) {
		char more[24];
		snprintf(more, sizeof more, "%zu", n - shown);
		str_var v[] = { { "n", more }, { NULL, NULL } };
		draw_text(y++, 4, app_render(a, "day.close_more", v, buf, sizeof buf), COLS - 6);
	}
	return y;
}

/* F12: what is still open on the day, the time, the question (and, asked
 * again, why). */
static void draw_close(app *a, const day_state *d, int y)
{
	const close_check *c = &d->cc;
	char buf[1024], date[16], now[32], n1[24], f1[32];
	clock_format_local(clock_now_ms(), now, sizeof now);
	str_var v[] = { { "date", civil_format(d->day, date, sizeof date) }, { "time", now + 11 },
			{ NULL, NULL } };
	attron(A_BOLD);
	draw_text(y++, 2, app_render(a, "day.close_heading", v, buf, sizeof buf), COLS - 4);
	attroff(A_BOLD);
	int bottom = LINES - 7; /* the question and its keys below */
	int room = bottom - y - 2;
	if (c->n_open && c->n_unpaid)
		room = room / 2;
	if (c->n_open) {
		snprintf(n1, sizeof n1, "%zu", c->n_open);
		str_var w[] = { { "n", n1 }, { NULL, NULL } };
		attron(term_attr(ST_ERROR));
		draw_text(y++, 2, app_render(a, "day.close_open", w, buf, sizeof buf), COLS - 4);
		attroff(term_attr(ST_ERROR));
		y = close_list(a, c->open, c->n_open, false, y, room);
	}
	if (c->n_unpaid) {
		snprintf(n1, sizeof n1, "%zu", c->n_unpaid);
		str_var w[] = { { "n", n1 }, { "amount", yuan(c->unpaid_fen, f1, sizeof f1) }, { NULL, NULL } };
		attron(term_attr(ST_ERROR));
		draw_text(y++, 2, app_render(a, "day.close_unpaid", w, buf, sizeof buf), COLS - 4);
		attroff(term_attr(ST_ERROR));
		y = close_list(a, c->unpaid, c->n_unpaid, true, y, bottom - y);
	}
	if (!c->n_open && !c->n_unpaid)
		draw_text(y++, 2, app_str(a, "day.close_nothing_open"), COLS - 4);
	/* the money compared with WeChat Pay's bill (issue 12) */
	if (c->n_diffs_open) {
		snprintf(n1, sizeof n1, "%zu", c->n_diffs_open);
		str_var w[] = { { "n", n1 }, { NULL, NULL } };
		attron(term_attr(ST_ERROR));
		draw_wrapped(y, 2, COLS - 4, 2, app_render(a, "day.close_diffs_open", w, buf, sizeof buf));
		attroff(term_attr(ST_ERROR));
	} else if (c->never_reconciled && !a->k.demo) {
		draw_wrapped(y, 2, COLS - 4, 2, app_str(a, "day.close_not_reconciled"));
	}
	y = bottom;
	attron(A_BOLD);
	if (d->closing == 1) {
		draw_wrapped(y, 2, COLS - 4, 2, app_render(a, "day.ask_close", v, buf, sizeof buf));
		draw_text(y + 2, 2, app_str(a, "day.close_keys"), COLS - 4);
	} else {
		attron(term_attr(ST_ERROR));
		draw_wrapped(y, 2, COLS - 4, 3, app_str(a, "day.close_again"));
		attroff(term_attr(ST_ERROR));
	}
	attroff(A_BOLD);
}

static void day_draw(app *a)
{
	day_state *d = ctx(a);
	if (!d)
		return;
	char date[16], buf[1024];
	civil_format(d->day, date, sizeof date);
	str_var v[] = { { "date", date },
			{ "clerk", d->clerk_ix >= 0 ? d->clerks[d->clerk_ix] : app_str(a, "day.all") },
			{ "service", d->service_ix >= 0 ? service_label(a, d->services[d->service_ix]) : app_str(a, "day.all") },
			{ "outcome", d->outcome >= 0 ? app_str(a, case_outcome_key((case_outcome)d->outcome)) : app_str(a, "day.all") },
			{ "search", d->search[0] ? d->search : "-" }, { NULL, NULL } };
	attron(A_BOLD);
	draw_wrapped(2, 2, COLS - 4, 2, app_render(a, "day.heading", v, buf, sizeof buf));
	attroff(A_BOLD);
	int x = 2;
	for (int t = 0; t < TAB_COUNT; t++) {
		char label[96];
		snprintf(label, sizeof label, t == (int)d->tab ? "[%s]" : " %s ", app_str(a, day_tab_key((day_tab)t)));
		if (t == (int)d->tab)
			attron(A_BOLD);
		x += draw_text(4, x, label, COLS - x - 1) + 1;
		if (t == (int)d->tab)
			attroff(A_BOLD);
	}
	int y = 6;
	if (d->finding) {
		int w = draw_text(y, 2, app_str(a, "day.find_prompt"), COLS - 36);
		draw_field(y, 3 + w, 30, &d->find, true);
		y += 2;
	}
	if (d->jumping) {
		int w = draw_text(y, 2, app_str(a, "day.jump_prompt"), 20);
		draw_field(y, 3 + w, 12, &d->jump, true);
		draw_text(y, 5 + w + 12, app_str(a, "day.jump_forms"), COLS - 7 - w - 12);
		y += 2;
	}
	if (d->closing) {
		draw_close(a, d, y);
	} else if (d->loaded) {
		if (d->tab == TAB_SUMMARY) {
			draw_summary(a, d, y);
		} else {
			if (d->tab == TAB_RECON)
				y = draw_recon_status(a, d, y);
			size_t n = tab_rows(d);
			if (!n)
				draw_text(y, 2, app_str(a, "day.none"), COLS - 4);
			int rows = LINES - 3 - y;
			int top = d->sel >= rows ? d->sel - rows + 1 : 0;
			for (int i = top; i < (int)n && y < LINES - 3; i++, y++) {
				char line[1200];
				row_text(a, d, (size_t)i, line, sizeof line);
				bool sel = i == d->sel;
				if (sel)
					attron(term_attr(ST_SELECT));
				mvhline(y, 1, ' ', COLS - 2);
				draw_text(y, 0, sel ? "▶" : " ", 1);
				draw_text(y, 2, line, COLS - 4);
				if (sel)
					attroff(term_attr(ST_SELECT));
			}
			if (d->tab == TAB_REFUSALS && n)
				draw_notice(a, d, y + 1);
			if (d->tab == TAB_RECON && n)
				draw_recon_detail(a, d, y + 1);
		}
	}
	if (d->msg[0]) {
		/* a long one (the day close's files) wraps upwards, whole, above
		 * the footer's two rows */
		int rows = text_cols(d->msg) > COLS - 4 ? 2 : 1;
		attron(term_attr(d->msg_err ? ST_ERROR : ST_OK));
		for (int r = 0; r < rows; r++)
			mvhline(LINES - 2 - rows + r, 0, ' ', COLS);
		draw_wrapped(LINES - 2 - rows, 2, COLS - 4, rows, d->msg);
		attroff(term_attr(d->msg_err ? ST_ERROR : ST_OK));
	}
}

static void close_day(app *a);

static bool day_key(app *a, const key_event *ev)
{
	day_state *d = ctx(a);
	if (!d)
		return false;
	if (d->closing) {
		if (key_is(ev, K_ESC)) {
			d->closing = 0;
			close_check_free(&d->cc);
			return true;
		}
		if (key_is(ev, KEY_ENTER)) {
			/* anything open: asked again, the listing still in view */
			if (d->closing == 1 && close_check_any(&d->cc)) {
				d->closing = 2;
				return true;
			}
			d->closing = 0;
			close_check_free(&d->cc);
			close_day(a);
			return true;
		}
		/* help, the lock and quitting still work; nothing else under the question */
		return !key_is(ev, KEY_F(1)) && !key_is(ev, KEY_F(9)) && !key_is(ev, KEY_F(10));
	}
	if (d->finding) {
		if (key_is(ev, K_ESC)) {
			d->finding = false;
			return true;
		}
		if (key_is(ev, KEY_ENTER)) {
			edit_get(&d->find, d->search, sizeof d->search);
			d->finding = false;
			d->tab = TAB_CASES;
			load(a, d);
			return true;
		}
		return edit_key(&d->find, ev);
	}
	if (d->jumping) {
		if (key_is(ev, K_ESC)) {
			d->jumping = false;
			d->msg[0] = '\0';
			return true;
		}
		if (key_is(ev, KEY_ENTER)) {
			jump_to(a, d);
			return true;
		}
		return edit_key(&d->jump, ev);
	}
	size_t n = tab_rows(d);
	if (key_is(ev, KEY_UP) && d->sel > 0) {
		d->sel--;
		return true;
	}
	if (key_is(ev, KEY_DOWN) && d->sel + 1 < (int)n) {
		d->sel++;
		return true;
	}
	if (key_is(ev, KEY_LEFT) || key_is(ev, KEY_RIGHT)) {
		d->tab = (day_tab)((d->tab + (key_is(ev, KEY_LEFT) ? TAB_COUNT - 1 : 1)) % TAB_COUNT);
		d->sel = 0;
		return true;
	}
	return false;
}

/* ---- day close ---- */

/* The day's summary as text: saved with the slips and sent to the printer. */
static char *summary_text(app *a, const day_state *d, const char *csv, const char *anchor)
{
	const daily_report *r = &d->v.r;
	char date[16], f1[32], f2[32], hx[2 * AUDIT_HASH_LEN + 1];
	civil_format(d->day, date, sizeof date);
	size_t cap = 16384, len = 0;
	char *t = malloc(cap);
	if (!t)
		return NULL;
	len += (size_t)snprintf(t + len, cap - len, "%s\n%s  %s\n\n", app_str(a, "day.summary_title"),
				a->k.cfg->site, date);
	for (int o = 0; o < OUTCOME_COUNT && len < cap; o++)
		len += (size_t)snprintf(t + len, cap - len, "%-20s %ld\n",
					app_str(a, case_outcome_key((case_outcome)o)), r->by_outcome[o]);
	if (len < cap)
		len += (size_t)snprintf(t + len, cap - len, "\n%s %s / %s\n%s %zu\n",
					app_str(a, "day.due_paid"), yuan(r->due_fen, f1, sizeof f1),
					yuan(r->paid_fen, f2, sizeof f2), app_str(a, "day.tab.mismatches"),
					r->n_mismatches);
	if (len < cap)
		len += (size_t)snprintf(t + len, cap - len, "\n%s %lld %s\n%s %s\n%s\n%s\n",
					app_str(a, "day.anchor"), (long long)d->anchor.last_seq,
					audit_hex(d->anchor.head, hx), app_str(a, "day.closed_by"),
					d->anchor.closed_by, csv, anchor);
	return t;
}

static void close_day(app *a)
{
	day_state *d = ctx(a);
	kerr err = { 0 };
	char key_path[1100];
	snprintf(key_path, sizeof key_path, "%s/kiosk-key.pem", a->k.data_dir);
	kioskkey *key = kioskkey_load_or_create(key_path, &err);
	if (!key) {
		say_err(d, &err);
		return;
	}
	anchor_rec anc;
	int rc = db_day_close(a->k.db, d->day, a->k.user.id, key, &anc, &err);
	kioskkey_free(key);
	if (rc != 0) {
		say_err(d, &err);
		return;
	}
	/* the day's rows sealed at once (when sealing is set up); a failure is
	 * said at the end, the close stands */
	kerr seal_err = { 0 };
	int sealed = seal_flow_day_close(&a->k, &seal_err);
	load(a, d);
	char dir[1100], csv[4200], anc_path[4200];
	snprintf(dir, sizeof dir, "%s/closes", a->k.data_dir);
	if (day_export(a->k.db, &anc, dir, csv, anc_path, sizeof csv, &err) != 0) {
		say_err(d, &err);
		return;
	}
	char *text = summary_text(a, d, csv, anc_path);
	char day_name[24], slip[1200];
	int yy, mm, dd;
	civil_to_ymd(d->day, &yy, &mm, &dd);
	snprintf(day_name, sizeof day_name, "day-%04d%02d%02d", yy, mm, dd);
	if (text && printout_save(a->k.data_dir, day_name, "summary", text, slip, sizeof slip, &err) == 0 &&
	    a->k.cfg->print_command[0])
		printout_send(a->k.cfg->print_command, slip, &err);
	free(text);
	str_var v[] = { { "csv", csv }, { "anchor", anc_path }, { NULL, NULL } };
	char buf[1024];
	if (!err.msg[0] && sealed != 0)
		err = seal_err;
	say(d, err.msg[0] != '\0', err.msg[0] ? kerr_text(&err, buf, sizeof buf)
					      : app_render(a, "day.closed_now", v, buf, sizeof buf));
}

static bool day_act(app *a, action_id act)
{
	day_state *d = ctx(a);
	if (!d)
		return false;
	switch (act) {
	case ACT_NONE:
		return true;
	case ACT_BACK:
		app_go(a, SCR_HOME);
		return true;
	case ACT_PREV_DAY:
	case ACT_NEXT_DAY:
		if (act == ACT_NEXT_DAY && d->day >= clock_today())
			return true;
		show_day(a, d, d->day + (act == ACT_NEXT_DAY ? 1 : -1));
		return true;
	case ACT_GO_DATE:
		d->jumping = true;
		d->finding = false;
		edit_clear(&d->jump);
		return true;
	case ACT_HALL_DAY: /* the hall's day, the same date (scr_hall.c) */
		a->go_day = d->day;
		app_go(a, SCR_HALL);
		return true;
	case ACT_TAB:
		d->tab = (day_tab)((d->tab + 1) % TAB_COUNT);
		d->sel = 0;
		return true;
	case ACT_F_CLERK:
		d->clerk_ix = d->clerk_ix + 1 < d->n_clerks ? d->clerk_ix + 1 : -1;
		load(a, d);
		return true;
	case ACT_F_SERVICE:
		d->service_ix = d->service_ix + 1 < d->n_services ? d->service_ix + 1 : -1;
		load(a, d);
		return true;
	case ACT_F_OUTCOME:
		d->outcome = d->outcome + 1 < OUTCOME_COUNT ? d->outcome + 1 : -1;
		load(a, d);
		return true;
	case ACT_FIND:
		d->finding = true;
		d->jumping = false;
		edit_set(&d->find, d->search);
		return true;
	case ACT_NEXT: {
		const char *no = row_case(d, (size_t)d->sel);
		if (d->tab == TAB_SUMMARY || !no[0])
			return true;
		snprintf(a->go_case, sizeof a->go_case, "%s", no);
		app_go(a, d->tab == TAB_RATINGS ? SCR_RATING : SCR_TIMELINE);
		return true;
	}
	case ACT_REFUND: {
		/* F8: on a charged-twice difference its duplicate payment only; on a
		 * case, as F8 at home (its duplicate first, else the case) */
		const char *no = d->tab == TAB_SUMMARY ? "" : row_case(d, (size_t)d->sel);
		if (!no[0])
			return true;
		if (d->tab == TAB_RECON && d->pd[d->sel].d.kind == RK_DUPLICATE)
			refund_start_dup(a, no, d->pd[d->sel].d.out_trade_no);
		else
			refund_start(a, no);
		return true;
	}
	case ACT_PAPER:
		if (d->tab != TAB_SUMMARY)
			paper_open(a, row_case(d, (size_t)d->sel));
		return true;
	case ACT_DAY_CLOSE: {
		if (d->closed) {
			say(d, true, app_str(a, "day.already_closed"));
			return true;
		}
		/* what is still open, the money against WeChat Pay's bill (issue
		 * 12) and the time, listed before the question (issue 13) */
		kerr err = { 0 };
		close_check_free(&d->cc);
		if (db_close_check(a->k.db, d->day, &d->cc, &err) != 0) {
			say_err(d, &err);
			return true;
		}
		d->closing = 1;
		d->finding = d->jumping = false;
		d->msg[0] = '\0';
		return true;
	}
	default:
		return false;
	}
}

/* ---- the timeline ---- */

typedef struct timeline_state {
	char case_no[40];
	timeline_entry *tl;
	size_t n;
	int top;
	int shown; /* entries on the screen (one or two rows each): PgDn's step */
	const service *svc; /* the case's (its holder types' words), NULL unknown */
} timeline_state;

static void timeline_enter(app *a)
{
	timeline_state *t = app_private(a);
	snprintf(t->case_no, sizeof t->case_no, "%s", a->go_case);
	a->go_case[0] = '\0';
	kerr err = { 0 };
	if (db_case_timeline(a->k.db, t->case_no, &t->tl, &t->n, &err) < 0)
		app_flash_err(a, &err);
	case_rec rec;
	kerr e2 = { 0 };
	if (db_case_get(a->k.db, t->case_no, &rec, &e2) == 0)
		t->svc = catalog_service(a->k.cat, rec.service_id);
}

static void timeline_leave(app *a)
{
	timeline_state *t = app_private(a);
	free(t->tl);
	t->tl = NULL;
}

/* A stored word of a closed set in the screen's language (the word itself
 * when it is not one: a record older than its set). */
static const char *tl_word(app *a, const char *name, const char *v)
{
	int i = -1;
	if (strcmp(name, "step") == 0 && (i = case_step_from_name(v)) >= 0)
		return app_str(a, case_step_key((case_step)i));
	if (strcmp(name, "mark") == 0 && (i = material_mark_from_name(v)) >= 0)
		return app_str(a, material_mark_key((material_mark)i));
	if ((strcmp(name, "tfrom") == 0 || strcmp(name, "tto") == 0) && (i = token_state_from_name(v)) >= 0)
		return app_str(a, token_state_key((token_state)i));
	if (strcmp(name, "treason") == 0 && (i = token_reason_from_name(v)) >= 0)
		return app_str(a, token_reason_key((token_reason)i));
	if (strcmp(name, "treason") == 0 && strcmp(v, "superseded") == 0)
		return app_str(a, "timeline.superseded");
	/* the states as words (their *_key strings are whole sentences for
	 * the payment screen): "timeline.pay.<state>" */
	if ((strcmp(name, "state") == 0 && pay_state_from_name(v) >= 0) ||
	    (strcmp(name, "refund_state") == 0 && pay_refund_state_from_name(v) >= 0)) {
		char key[64];
		int n = snprintf(key, sizeof key, "timeline.%s.", name[0] == 's' ? "pay" : "refund");
		for (const char *p = v; *p && n < (int)sizeof key - 1; p++)
			key[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
		key[n] = '\0';
		return app_str(a, key);
	}
	if (strcmp(name, "rating") == 0 && (i = rating_level_from_name(v)) >= 0)
		return app_str(a, rating_level_key((rating_level)i));
	if (strcmp(name, "material") == 0) {
		const material *m = catalog_material(a->k.cat, v);
		if (m && m->label[a->k.lg])
			return m->label[a->k.lg];
	}
	return v;
}

/* A timeline entry's line in the screen's language (its recorded text when
 * it has no key). */
static const char *tl_line(app *a, const timeline_entry *e, const service *t_svc, char *buf, size_t n)
{
	if (!e->key)
		return e->text;
	str_var v[TL_VARS + 1];
	char detail[1200];
	const char *step = "", *action = NULL;
	int k = 0;
	for (; k < TL_VARS && e->var_name[k]; k++) {
		if (strcmp(e->var_name[k], "step") == 0)
			step = e->var[k];
		if (strcmp(e->var_name[k], "action") == 0)
			action = e->var[k];
	}
	for (k = 0; k < TL_VARS && e->var_name[k]; k++) {
		const char *w = tl_word(a, e->var_name[k], e->var[k]);
		/* a step's or audit row's own record, said in words (the
		 * record's English stays kioskctl's) */
		if (strcmp(e->var_name[k], "detail") == 0 && (e->kind == TL_STEP || e->kind == TL_AUDIT)) {
			casewords cw = { a->k.str, a->k.cat, t_svc, a->k.form, a->k.lg };
			w = e->kind == TL_STEP ? casewords_step(&cw, step, e->detail, detail, sizeof detail)
					       : casewords_audit(&cw, action, e->detail, detail, sizeof detail);
		} else if (strcmp(e->var_name[k], "action") == 0) {
			casewords cw = { a->k.str, a->k.cat, NULL, a->k.form, a->k.lg };
			const char *said = casewords_action(&cw, e->var[k]);
			w = said ? said : e->var[k];
		}
		v[k] = (str_var){ e->var_name[k], w };
	}
	v[k] = (str_var){ NULL, NULL };
	return app_render(a, e->key, v, buf, n);
}

static void timeline_draw(app *a)
{
	timeline_state *t = app_private(a);
	char buf[256];
	str_var v[] = { { "case", t->case_no }, { NULL, NULL } };
	attron(A_BOLD);
	draw_text(2, 2, app_render(a, "timeline.heading", v, buf, sizeof buf), COLS - 4);
	attroff(A_BOLD);
	int y = 4;
	t->shown = 0;
	for (size_t i = (size_t)t->top; i < t->n && y < LINES - 3; i++, y++, t->shown++) {
		const timeline_entry *e = &t->tl[i];
		char when[32], line[1400], said[1200];
		clock_format_local(e->at_ms, when, sizeof when);
		snprintf(line, sizeof line, "%.8s %-6s %-8.8s %s", when + 11,
			 app_str(a, timeline_kind_key(e->kind)), e->actor[0] ? e->actor : "-",
			 tl_line(a, e, t->svc, said, sizeof said));
		/* a long entry goes on to a second row (then ends in "…") */
		int room = LINES - 3 - y;
		y += draw_wrapped(y, 2, COLS - 4, room < 2 ? room : 2, line) - 1;
	}
	if (!t->n)
		draw_text(y, 2, app_str(a, "day.none"), COLS - 4);
}

static bool timeline_key(app *a, const key_event *ev)
{
	timeline_state *t = app_private(a);
	int page = t->shown > 1 ? t->shown : 1;
	if (key_is(ev, KEY_DOWN) || key_is(ev, KEY_NPAGE)) {
		t->top += key_is(ev, KEY_NPAGE) ? page : 1;
		if (t->top > (int)t->n - 1)
			t->top = t->n ? (int)t->n - 1 : 0;
		return true;
	}
	if (key_is(ev, KEY_UP) || key_is(ev, KEY_PPAGE)) {
		t->top -= key_is(ev, KEY_PPAGE) ? page : 1;
		if (t->top < 0)
			t->top = 0;
		return true;
	}
	return false;
}

static bool timeline_act(app *a, action_id act)
{
	if (act == ACT_PAPER) {
		timeline_state *t = app_private(a);
		paper_open(a, t->case_no);
		return true;
	}
	if (act == ACT_BACK || act == ACT_NEXT) {
		timeline_state *t = app_private(a);
		snprintf(a->go_case, sizeof a->go_case, "%s", t->case_no);
		app_go(a, SCR_DAY);
		return true;
	}
	return act == ACT_NONE;
}

/* ---- refund (maker-checker) ---- */

typedef struct refund_state {
	char case_no[40];
	edit_field reason, id, pin;
	int focus;
	bool done;
	char msg[1024];
	bool err;
	case_subject subj;        /* what is refunded, shown above the fields */
	bool dup;                 /* a duplicate payment refunded (重复支付退款), not the case */
	dup_target t;             /* that duplicate */
	screen_id back;           /* home, or the day view it was asked from */
	int why;                  /* the [cancel] reason ↑↓ put in the field, -1 none */
} refund_state;

/* Ask the gateway for the approved refund and show its answer. */
static void send(app *a, const refund_rec *r)
{
	refund_state *st = app_private(a);
	case_pay_wait(a); /* a case left at its payment may have a query in flight */
	flow_outcome out = refund_flow_send(&a->k, r, st->msg, sizeof st->msg);
	st->err = out != FLOW_NEXT;
	st->done = out == FLOW_NEXT;
}

void refund_start(app *a, const char *case_no)
{
	refund_rec had;
	bool pending;
	dup_target t;
	/* a duplicate payment first, on its own: the case keeps its payment */
	flow_outcome o = refund_flow_dup_check(&a->k, case_no, NULL, false, &t, &had, &pending);
	if (o == FLOW_FAILED)
		return;
	if (o == FLOW_NEXT) {
		refund_start_dup(a, case_no, t.out_trade_no);
		return;
	}
	if (refund_flow_check(&a->k, case_no, &had, &pending) != FLOW_NEXT)
		return;
	snprintf(a->go_case, sizeof a->go_case, "%s", case_no);
	a->go_order[0] = '\0';
	app_go(a, SCR_REFUND);
}

void refund_start_dup(app *a, const char *case_no, const char *out_trade_no)
{
	refund_rec had;
	bool pending;
	dup_target t;
	if (refund_flow_dup_check(&a->k, case_no, out_trade_no, true, &t, &had, &pending) != FLOW_NEXT)
		return;
	snprintf(a->go_case, sizeof a->go_case, "%s", case_no);
	snprintf(a->go_order, sizeof a->go_order, "%s", t.out_trade_no);
	app_go(a, SCR_REFUND);
}

static void refund_enter(app *a)
{
	refund_state *st = app_private(a);
	snprintf(st->case_no, sizeof st->case_no, "%s", a->go_case);
	st->back = a->came_from == SCR_DAY ? SCR_DAY : SCR_HOME;
	st->pin.secret = true;
	st->why = -1;
	case_subject_get(&a->k, st->case_no, NULL, &st->subj);
	refund_rec had;
	bool pending;
	if (a->go_order[0]) {
		char order[33];
		snprintf(order, sizeof order, "%s", a->go_order);
		a->go_order[0] = '\0';
		st->dup = true; /* never the case's own refund from here */
		if (refund_flow_dup_check(&a->k, st->case_no, order, true, &st->t, &had, &pending) != FLOW_NEXT) {
			/* gone meanwhile (refunded at another window): nothing to approve */
			snprintf(st->msg, sizeof st->msg, "%s", a->flash);
			st->err = st->done = true;
		} else if (pending) {
			send(a, &had);
		}
		return;
	}
	/* approved before, the gateway did not answer: send it again */
	if (refund_flow_check(&a->k, st->case_no, &had, &pending) == FLOW_NEXT && pending)
		send(a, &had);
}

static void refund_draw(app *a)
{
	refund_state *st = app_private(a);
	char buf[1024];
	char amount[32];
	str_var v[] = { { "case", st->case_no }, { "order", st->t.out_trade_no },
			{ "amount", fees_format_yuan(st->t.amount_fen, amount, sizeof amount) }, { NULL, NULL } };
	char subj[1024];
	draw_wrapped(3, 2, COLS - 4, 3, app_render(a, st->dup ? "refund.dup_heading" : "refund.heading", v, buf,
						    sizeof buf));
	attron(A_BOLD);
	draw_wrapped(6, 4, COLS - 6, 4, case_subject_text(&a->k, &st->subj, subj, sizeof subj));
	attroff(A_BOLD);
	draw_text(11, 2, app_str(a, "refund.reason"), 20);
	draw_field(11, 24, 40, &st->reason, st->focus == 0 && !st->done);
	if (!st->dup && !st->done && a->k.cfg->n_cancel_reasons > 0)
		draw_text(11, 66, app_str(a, "refund.reason_pick"), COLS - 67);
	draw_text(13, 2, app_str(a, "refund.supervisor_id"), 20);
	draw_field(13, 24, 24, &st->id, st->focus == 1 && !st->done);
	draw_text(15, 2, app_str(a, "refund.pin"), 20);
	draw_field(15, 24, 24, &st->pin, st->focus == 2 && !st->done);
	if (st->msg[0]) {
		attron(term_attr(st->err ? ST_ERROR : ST_OK));
		draw_wrapped(17, 2, COLS - 4, 4, st->msg);
		attroff(term_attr(st->err ? ST_ERROR : ST_OK));
	}
}

static bool refund_key(app *a, const key_event *ev)
{
	refund_state *st = app_private(a);
	if (st->done)
		return false;
	/* the case's cancel: ↑↓ puts one of kiosk.ini's [cancel] reasons in the
	 * field, which the clerk may then change or add to (as F8 in a case) */
	int n = a->k.cfg->n_cancel_reasons;
	bool up = key_is(ev, KEY_UP), down = key_is(ev, KEY_DOWN);
	if (st->focus == 0 && !st->dup && n > 0 && (up || down)) {
		st->why = st->why < 0 ? (down ? 0 : n - 1) : (st->why + (down ? 1 : n - 1)) % n;
		/* "other" is the clerk's own words */
		edit_set(&st->reason, strcmp(a->k.cfg->cancel_reasons[st->why], "other") == 0
					      ? "" : cancel_reason_words(a, st->why));
		return true;
	}
	edit_field *f = st->focus == 0 ? &st->reason : st->focus == 1 ? &st->id : &st->pin;
	return edit_key(f, ev);
}

static void refund_approve(app *a)
{
	refund_state *st = app_private(a);
	char reason[256], id[64], pin[64];
	edit_get(&st->reason, reason, sizeof reason);
	edit_get(&st->id, id, sizeof id);
	edit_get(&st->pin, pin, sizeof pin);
	edit_clear(&st->pin);
	refund_rec r;
	bool again;
	flow_outcome o = st->dup ? refund_flow_dup_approve(&a->k, &st->t, reason, id, pin, &r, st->msg, sizeof st->msg,
							   &again)
				 : refund_flow_approve(&a->k, st->case_no, reason, id, pin, &r, st->msg,
						       sizeof st->msg, &again);
	if (o != FLOW_NEXT) {
		st->err = true;
		if (again)
			st->focus = 1;
		return;
	}
	send(a, &r);
}

static bool refund_act(app *a, action_id act)
{
	refund_state *st = app_private(a);
	switch (act) {
	case ACT_NONE:
		return true;
	case ACT_BACK:
		if (st->back == SCR_HOME) /* home selects the case again */
			snprintf(a->go_case, sizeof a->go_case, "%s", st->case_no);
		app_go(a, st->back);
		return true;
	case ACT_FIELD:
		if (!st->done)
			st->focus = (st->focus + 1) % 3;
		return true;
	case ACT_FIELD_BACK:
		if (!st->done)
			st->focus = (st->focus + 2) % 3;
		return true;
	case ACT_NEXT:
		if (st->done) {
			if (st->back == SCR_HOME)
				snprintf(a->go_case, sizeof a->go_case, "%s", st->case_no);
			app_go(a, st->back);
			return true;
		}
		if (st->focus < 2) {
			st->focus++;
			return true;
		}
		refund_approve(a);
		return true;
	default:
		return false;
	}
}

const screen_ops scr_day = { SCR_DAY, sizeof(day_state), true, day_enter, day_leave, day_draw, day_key, day_act };
const screen_ops scr_timeline = { SCR_TIMELINE, sizeof(timeline_state), false, timeline_enter, timeline_leave,
				   timeline_draw, timeline_key, timeline_act };
const screen_ops scr_refund = { SCR_REFUND, sizeof(refund_state), false, refund_enter, NULL, refund_draw,
				 refund_key, refund_act };
