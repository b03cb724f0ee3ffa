/* Benchmark: `audit verify` over 1,000,000 audit rows (target >= 300,000 rows/s).
 * Builds the log through the same db_audit_append() the kiosk uses, in bulk
 * transactions, then walks it with db_audit_verify() three times and reports the
 * best and the median. Prints key=value lines for tests/bench/run.sh. */
#include "core/base/clock.h"
#include "db/db.h"
#include "tests/bench/bench_common.h"

int main(int argc, char **argv)
{
	long rows = argc > 1 ? atol(argv[1]) : 1000000;
	char *dir = bench_tmpdir();
	char path[512];
	snprintf(path, sizeof path, "%s/bench.db", dir);
	kerr err = { 0 };
	kdb *db = db_open(path, "BENCH-01", DB_OPEN_CREATE, &err);
	if (!db) {
		fprintf(stderr, "%s: %s\n", err.where, err.msg);
		return 2;
	}
	double t0 = bench_now();
	long have = 0;
	char detail[160], case_no[40];
	int64_t at = clock_now_ms();
	while (have < rows) {
		if (db_tx_begin(db, &err) != 0)
			goto fail;
		for (int i = 0; i < 20000 && have < rows; i++, have++) {
			snprintf(case_no, sizeof case_no, "BENCH-01-20261121-%04ld", have / 7 % 10000);
			snprintf(detail, sizeof detail,
				 "step=%ld service=zc.new unit=某某科技有限公司 uscc=91310115MA1K3BTP2B fee=40000",
				 have % 7);
			clock_set_fixed(at + have);
			if (db_audit_append(db, "c001", audit_action_of_step(STEP_DETAILS), case_no, detail,
					    &err) != 0)
				goto fail;
		}
		if (db_tx_commit(db, &err) != 0)
			goto fail;
	}
	clock_set_fixed(0);
	double t_fill = bench_now() - t0;
	db_close(db);

	double runs[3];
	audit_verify_result res;
	for (int r = 0; r < 3; r++) {
		db = db_open(path, NULL, DB_OPEN_EXISTING, &err);
		if (!db)
			goto fail_closed;
		double t = bench_now();
		int rc = db_audit_verify(db, &res, &err);
		runs[r] = bench_now() - t;
		db_close(db);
		if (rc != 0) {
			fprintf(stderr, "verify failed: %d %s %s\n", rc, res.problem, err.msg);
			return 2;
		}
	}
	qsort(runs, 3, sizeof *runs, bench_cmp_double);
	printf("audit_rows=%lld\n", (long long)res.rows);
	printf("audit_fill_s=%.2f\n", t_fill);
	printf("audit_verify_best_s=%.3f\n", runs[0]);
	printf("audit_verify_median_s=%.3f\n", runs[1]);
	printf("audit_verify_rows_per_s=%.0f\n", (double)res.rows / runs[1]);
	printf("audit_rss_kib=%ld\n", bench_rss_kib());
	if (getenv("BENCH_KEEP") && rename(path, getenv("BENCH_KEEP")) != 0)
		perror("BENCH_KEEP");
	bench_rmdir(dir);
	return 0;
fail:
	db_close(db);
fail_closed:
	fprintf(stderr, "%s: %s\n", err.where, err.msg);
	bench_rmdir(dir);
	return 2;
}
