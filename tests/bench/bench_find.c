/* Benchmark: finding a case over a year of cases (365 days of 100: 36,500)
 * by a fragment of the unit's name, as the clerk's F3 and home do
 * (db_case_find) — target under 20 ms. With a path, it measures that file
 * (tests/bench/run.sh passes the year bench_report made); without one it
 * makes its own year, each case opened and its details committed through
 * the kiosk's repository functions, a day per transaction. Reports the
 * median and worst of 20 finds for each kind of query: a name fragment
 * that one case holds, one that every case holds (the newest 50 kept), a
 * case number's tail, an agent's name, a fragment nobody holds (6 and 2
 * characters: the search index finds a fragment of 1-2 characters by its
 * trigrams' prefix), and one character every case holds; and the worst of
 * them all. */
#include "core/base/civil.h"
#include "core/base/clock.h"
#include "core/case/catalog.h"
#include "db/db.h"
#include "db/repo/case_repo.h"
#include "db/repo/staff_repo.h"
#include "tests/bench/bench_common.h"

static int fill(kdb *db, const catalog *cat, int days, int per_day, kerr *err)
{
	long first = civil_from_ymd(2025, 11, 21);
	int n = 0;
	for (int d = 0; d < days; d++) {
		if (db_tx_begin(db, err) != 0)
			return -1;
		for (int i = 0; i < per_day; i++, n++) {
			clock_set_fixed(clock_day_start_ms(first + d) + (9 * 3600 + i * 240) * 1000LL);
			const service *svc = &cat->services[n % cat->n_services];
			case_rec c;
			if (db_case_open(db, svc, "c001", &c, err) != 0)
				return -1;
			snprintf(c.party.unit_name, sizeof c.party.unit_name, "成都某某科技有限公司%d", n);
			party_set(&c.party, PF_USCC, "91310115MA1K3BTP2B");
			party_set(&c.party, PF_AGENT_NAME, "张三");
			party_set(&c.party, PF_AGENT_ID_NO, "110102199101010078");
			party_set(&c.party, PF_AGENT_MOBILE, "13800138000");
			case_step_data sd = { .details = &c, .decision = DEC_NONE, .rongque_deadline = -1,
					      .detail = "details" };
			if (db_case_step(db, svc, "c001", c.case_no, STEP_DETAILS, &sd, err) != 0)
				return -1;
		}
		if (db_tx_commit(db, err) != 0)
			return -1;
	}
	clock_set_fixed(0);
	return n;
}

/* Median and worst of RUNS finds of q, in ms; the rows found in *found. */
static int measure(kdb *db, const char *q, double *median, double *worst, size_t *found, kerr *err)
{
	enum { RUNS = 20 };
	double t[RUNS];
	for (int r = 0; r < RUNS; r++) {
		case_rec *rows;
		size_t n;
		double s = bench_now();
		if (db_case_find(db, q, &rows, &n, err) != 0)
			return -1;
		t[r] = bench_now() - s;
		free(rows);
		*found = n;
	}
	qsort(t, RUNS, sizeof *t, bench_cmp_double);
	*median = t[RUNS / 2] * 1000;
	*worst = t[RUNS - 1] * 1000;
	return 0;
}

int main(int argc, char **argv)
{
	kerr err = { 0 };
	char *dir = NULL;
	char path[512];
	kdb *db = NULL;
	catalog *cat = NULL;
	double t_fill = 0;
	int filled = 0;
	if (argc > 1) {
		snprintf(path, sizeof path, "%s", argv[1]);
	} else {
		cat = catalog_load(KIOSK_CONFIG_DIR, &err);
		if (!cat)
			goto fail;
		dir = bench_tmpdir();
		snprintf(path, sizeof path, "%s/year.db", dir);
		db = db_open(path, "BENCH-01", DB_OPEN_CREATE, &err);
		if (!db || db_staff_add_first(db, "s001", "主管", "975310", &err) != 0 ||
		    db_staff_add(db, "s001", "c001", "张三", ROLE_CLERK, "864209", &err) != 0)
			goto fail;
		double t0 = bench_now();
		if ((filled = fill(db, cat, 365, 100, &err)) < 0)
			goto fail;
		t_fill = bench_now() - t0;
		db_close(db);
	}
	db = db_open(path, NULL, DB_OPEN_EXISTING, &err);
	if (!db)
		goto fail;
	static const struct {
		const char *name, *q;
	} kinds[] = {
		{ "unit_one", "科技有限公司12345" },  /* one case's unit */
		{ "unit_all", "某某科技" },           /* every case's: the newest 50 */
		{ "tail", "0042" },                   /* a case number's tail, every day */
		{ "agent", "张三" },                  /* every case's agent */
		{ "none", "没有这个单位" },           /* nobody's */
		{ "short", "没有" },                  /* nobody's, 2 characters */
		{ "one", "司" },                      /* 1 character, every case's */
	};
	double worst_unit = 0, worst_all = 0;
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		double med, worst;
		size_t found;
		if (measure(db, kinds[k].q, &med, &worst, &found, &err) != 0)
			goto fail;
		printf("find_%s_median_ms=%.2f\nfind_%s_max_ms=%.2f\nfind_%s_found=%zu\n", kinds[k].name, med,
		       kinds[k].name, worst, kinds[k].name, found);
		if (strncmp(kinds[k].name, "unit", 4) == 0 && worst > worst_unit)
			worst_unit = worst;
		if (worst > worst_all)
			worst_all = worst;
	}
	printf("find_unit_max_ms=%.2f\nfind_max_ms=%.2f\n", worst_unit, worst_all);
	if (t_fill > 0) /* a file given is bench_report's: its size is said there */
		printf("find_cases_total=%d\nfind_fill_s=%.1f\n", filled, t_fill);
	printf("find_rss_kib=%ld\n", bench_rss_kib());
	db_close(db);
	catalog_free(cat);
	if (dir && getenv("BENCH_KEEP") && rename(path, getenv("BENCH_KEEP")) != 0)
		perror("BENCH_KEEP");
	if (dir)
		bench_rmdir(dir);
	return 0;
fail:
	fprintf(stderr, "%s: %s\n", err.where, err.msg);
	db_close(db);
	catalog_free(cat);
	if (dir)
		bench_rmdir(dir);
	return 2;
}
