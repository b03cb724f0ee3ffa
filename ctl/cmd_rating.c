/* kioskctl rating: 好差评 (GB/T 39734 一次一评) for the supervisor. `rating
 * list` shows a day's ratings by level and the 差评 the day view lists (those
 * given that day and those still open from before) with their follow-up due
 * day; `rating resolve` records what was done about a case's 差评 (the
 * call-back, the outcome) by the supervisor named with --by, who also gives
 * the PIN. The same records as the kiosk's day view (db/repo/supp_repo.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/base/clock.h"
#include "ctl/ctl.h"
#include "db/repo/staff_repo.h"
#include "db/repo/supp_repo.h"

#define RATING_USAGE                                                               \
	"kioskctl rating list --date YYYY-MM-DD --by SUPERVISOR_ID\n"      \
	"       kioskctl rating resolve CASE_NO --note TEXT --by SUPERVISOR_ID"

static void print_bad(const rating_rec *r, long today)
{
	char due[16], at[32];
	const char *state = r->resolved_by[0] ? "ctl.rating.resolved" : today > r->due_day ? "ctl.rating.overdue"
											    : "ctl.rating.open";
	printf("  %-24s %-17s ", r->case_no, rating_level_name(r->level));
	SAYP(stdout, "ctl.rating.due", V("date", civil_format(r->due_day, due, sizeof due)));
	printf(" %-8s %s\n", ctl_word(state), r->unit_name);
	if (r->comment[0]) {
		fputs("    ", stdout);
		SAY(stdout, "ctl.rating.comment", V("comment", r->comment));
	}
	if (r->resolved_by[0]) {
		fputs("    ", stdout);
		SAY(stdout, "ctl.rating.followed_up", V("by", r->resolved_by),
		    V("at", clock_format_local(r->resolved_ms, at, sizeof at)), V("what", r->resolution));
	}
}

/* The day's ratings and the 差评 to follow up; the count of overdue ones, -1 on error. */
static long list_day(kdb *db, long day, kerr *err)
{
	rating_rec *all = NULL, *bad = NULL;
	size_t n_all = 0, n_bad = 0;
	if (db_ratings_of_day(db, day, &all, &n_all, err) || db_ratings_bad(db, day, &bad, &n_bad, err)) {
		free(all);
		return -1;
	}
	long by_level[RATE_COUNT] = { 0 };
	for (size_t i = 0; i < n_all; i++)
		by_level[all[i].level]++;
	char date[16];
	SAYP(stdout, "ctl.rating.day", V("date", civil_format(day, date, sizeof date)), V("n", NUM(n_all)));
	for (int l = 0; l < RATE_COUNT; l++)
		printf(" %s %ld", rating_level_name((rating_level)l), by_level[l]);
	printf("\n");
	long today = clock_today(), overdue = 0;
	SAY(stdout, "ctl.rating.bad_count", V("n", NUM(n_bad)));
	for (size_t i = 0; i < n_bad; i++) {
		print_bad(&bad[i], today);
		overdue += !bad[i].resolved_by[0] && today > bad[i].due_day;
	}
	free(all);
	free(bad);
	return overdue;
}

int cmd_rating(const args *a)
{
	const char *sub = a->n_words >= 2 ? a->words[1] : "";
	bool list = strcmp(sub, "list") == 0 && a->n_words == 2;
	bool res = strcmp(sub, "resolve") == 0 && a->n_words == 3;
	if (!list && !res)
		return ctl_usage_of(RATING_USAGE, NULL);
	if (check_opts(a, res ? "config db note by" : "config db date by"))
		return EXIT_USAGE;
	long day = 0;
	if (list && (!opt(a, "date") || !civil_parse(opt(a, "date"), &day)))
		return USAGE("ctl.need_date");
	if (res && (!opt(a, "note") || !*opt(a, "note")))
		return USAGE("ctl.rating.need_note");
	if (!opt(a, "by") || !*opt(a, "by"))
		return USAGE("ctl.rating.need_by", V("sub", sub));
	kerr err = { 0 };
	kdb *db = open_db(a, DB_OPEN_EXISTING, &err);
	if (!db)
		return fail_env(&err);
	int rc = ctl_supervisor(a, db, list ? "ctl.act.rating_list" : "ctl.act.rating_resolve");
	if (rc == EXIT_OK && list) {
		long overdue = list_day(db, day, &err);
		rc = overdue < 0 ? fail_env(&err) : overdue > 0 ? EXIT_FINDING : EXIT_OK;
	} else if (rc == EXIT_OK) {
		const char *case_no = a->words[2];
		if (db_rating_resolve(db, opt(a, "by"), case_no, opt(a, "note"), &err)) {
			char buf[1024];
			ERR("ctl.nothing_changed", V("error", kerr_text(&err, buf, sizeof buf)));
			rc = EXIT_FINDING;
		} else {
			rating_rec r;
			if (db_rating_get(db, case_no, &r, &err) == 0)
				print_bad(&r, clock_today());
		}
	}
	if (rc != EXIT_USAGE) {
		kerr lerr = { 0 };
		db_staff_logout(db, opt(a, "by"), &lerr);
	}
	db_close(db);
	return rc;
}
