/* Benchmark: `report daily` on a database holding a year of cases (about 100
 * a day, each carried through its steps with material decisions, payments and
 * audit rows) — target under 20 ms. The year is written through the same
 * repository functions the kiosk uses, a day per transaction. Reports the
 * median and worst of 50 reports on different days, and peak RSS. Then
 * `audit verify` over that year, every bound row recomputed (target: at
 * least 500,000 audit rows a second): median of 3, the file's size, and the
 * memory the verify added to the peak. */
#include "core/case/catalog.h"
#include "core/base/clock.h"
#include "core/case/fees.h"
#include "core/base/civil.h"
#include "db/repo/case_repo.h"
#include "db/db.h"
#include "db/repo/payment_repo.h"
#include "db/report/report.h"
#include "db/repo/staff_repo.h"
#include "tests/bench/bench_common.h"

#include <sys/stat.h>

static int run_case(kdb *db, const catalog *cat, const service *svc, int n, kerr *err)
{
	case_rec c;
	if (db_case_open(db, svc, "c001", &c, err) != 0)
		return -1;
	snprintf(c.party.unit_name, sizeof c.party.unit_name, "成都某某科技有限公司%d", n);
	party_set(&c.party, PF_USCC, "91310115MA1K3BTP2B");
	party_set(&c.party, PF_AGENT_NAME, "张三");
	party_set(&c.party, PF_AGENT_ID_NO, "110102199101010078");
	party_set(&c.party, PF_AGENT_MOBILE, "13800138000");
	c.years = 1;
	c.seals = svc->platform->has_seals ? 1 : 0;
	if (svc->platform->n_holders)
		snprintf(c.holder, sizeof c.holder, "%s", svc->platform->holders[0].id);
	fee_request fr = { svc->platform->n_holders ? &svc->platform->holders[0] : NULL,
			   c.years, c.seals };
	fee_quote q;
	if (fees_quote(cat, svc, &fr, &q, err) != 0)
		return -1;
	c.fee_fen = q.total_fen;
	material_decision md[16];
	for (size_t i = 0; i < svc->n_materials && i < 16; i++)
		md[i] = (material_decision){ svc->materials[i].material->id, MARK_RECEIVED, "",
					     svc->materials[i].essential };
	/* Every tenth case is refused, to give the report a mix. */
	case_decision dec = n % 10 == 9 ? DEC_REFUSE : DEC_ACCEPT;
	case_step done = STEP_NONE;
	case_decision seen = DEC_NONE;
	for (case_step st = case_next_step(svc, done, seen); st != STEP_NONE;
	     st = case_next_step(svc, st, seen)) {
		case_step_data d = { .details = &c, .materials = md,
				     .n_materials = svc->n_materials < 16 ? svc->n_materials : 16,
				     .decision = dec, .rongque_deadline = -1,
				     .detail = case_step_name(st) };
		if (st == STEP_PAYMENT) {
			payment_rec p = { 0 };
			snprintf(p.case_no, sizeof p.case_no, "%s", c.case_no);
			snprintf(p.out_trade_no, sizeof p.out_trade_no, "%.32s", c.case_no);
			p.amount_fen = c.fee_fen;
			p.state = PAY_SUCCESS;
			snprintf(p.transaction_id, sizeof p.transaction_id, "42000%027d", n);
			p.verified = true;
			if (db_payment_record(db, "c001", &p, err) != 0)
				return -1;
		}
		if (db_case_step(db, svc, "c001", c.case_no, st, &d, err) != 0)
			return -1;
		if (st == STEP_DECISION)
			seen = dec;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int days = argc > 1 ? atoi(argv[1]) : 365, per_day = argc > 2 ? atoi(argv[2]) : 100;
	kerr err = { 0 };
	catalog *cat = catalog_load(KIOSK_CONFIG_DIR, &err);
	if (!cat) {
		fprintf(stderr, "%s: %s\n", err.where, err.msg);
		return 2;
	}
	char *dir = bench_tmpdir();
	char path[512];
	snprintf(path, sizeof path, "%s/year.db", dir);
	/* The kiosk benchmark opens this file as its own: give it the kiosk's id. */
	const char *kiosk_id = getenv("BENCH_KIOSK_ID") ? getenv("BENCH_KIOSK_ID") : "BENCH-01";
	kdb *db = db_open(path, kiosk_id, DB_OPEN_CREATE, &err);
	/* s001 reads the report through kioskctl (tests/bench/run.sh) */
	if (!db || db_staff_add_first(db, "s001", "主管", "975310", &err) != 0 ||
	    db_staff_add(db, "s001", "c001", "张三", ROLE_CLERK, "864209", &err) != 0)
		goto fail;
	long first = civil_from_ymd(2025, 11, 21);
	double t0 = bench_now();
	int n = 0;
	for (int d = 0; d < days; d++) {
		if (db_tx_begin(db, &err) != 0)
			goto fail;
		for (int i = 0; i < per_day; i++, n++) {
			/* 09:00 onwards, a case every 4 minutes. */
			clock_set_fixed(clock_day_start_ms(first + d) + (9 * 3600 + i * 240) * 1000LL);
			if (run_case(db, cat, &cat->services[n % cat->n_services], n, &err) != 0)
				goto fail;
		}
		if (db_tx_commit(db, &err) != 0)
			goto fail;
	}
	clock_set_fixed(0);
	double t_fill = bench_now() - t0;
	db_close(db);

	db = db_open(path, NULL, DB_OPEN_EXISTING, &err);
	if (!db)
		goto fail;
	enum { RUNS = 50 };
	double t[RUNS];
	size_t cases = 0;
	for (int r = 0; r < RUNS; r++) {
		daily_report rep;
		double s = bench_now();
		if (db_report_daily(db, first + (r * 7) % days, &rep, &err) != 0)
			goto fail;
		t[r] = bench_now() - s;
		cases = rep.n_cases;
		daily_report_free(&rep);
	}
	qsort(t, RUNS, sizeof *t, bench_cmp_double);
	long rss_reports = bench_rss_kib();
	/* audit verify over the year: the chain and every bound row recomputed
	 * (each run on a fresh connection, as kioskctl runs it) */
	db_close(db);
	audit_verify_result res;
	double v[3];
	for (int r = 0; r < 3; r++) {
		db = db_open(path, NULL, DB_OPEN_EXISTING, &err);
		if (!db)
			goto fail;
		double s = bench_now();
		int rc = db_audit_verify(db, &res, &err);
		v[r] = bench_now() - s;
		if (rc != 0) {
			fprintf(stderr, "verify: %d %s %s\n", rc, res.problem, err.msg);
			goto fail;
		}
		db_close(db);
	}
	db = NULL;
	qsort(v, 3, sizeof *v, bench_cmp_double);
	struct stat sb;
	printf("report_days=%d\nreport_cases_total=%d\nreport_cases_per_day=%zu\n", days, n, cases);
	printf("report_audit_rows=%lld\n", (long long)res.rows);
	printf("year_bound_rows=%lld\nyear_bound_tables=%d\n", (long long)res.bound_rows,
	       res.bound_tables);
	printf("year_verify_median_s=%.3f\nyear_verify_best_s=%.3f\n", v[1], v[0]);
	printf("year_verify_rows_per_s=%.0f\n", (double)res.rows / v[1]);
	printf("year_verify_rss_kib=%ld\n", bench_rss_kib() - rss_reports);
	printf("year_db_mib=%.0f\n", stat(path, &sb) == 0 ? (double)sb.st_size / 1048576.0 : 0.0);
	printf("report_fill_s=%.1f\n", t_fill);
	printf("report_daily_median_ms=%.2f\n", t[RUNS / 2] * 1000);
	printf("report_daily_max_ms=%.2f\n", t[RUNS - 1] * 1000);
	printf("report_rss_kib=%ld\n", rss_reports);
	catalog_free(cat);
	if (getenv("BENCH_KEEP") && rename(path, getenv("BENCH_KEEP")) != 0)
		perror("BENCH_KEEP");
	bench_rmdir(dir);
	return 0;
fail:
	fprintf(stderr, "%s: %s\n", err.where, err.msg);
	db_close(db);
	catalog_free(cat);
	bench_rmdir(dir);
	return 2;
}
