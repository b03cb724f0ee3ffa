/* Benchmark: the cost of binding rows to the chain on a case step (target:
 * under 10 % of the step). The same cases are carried through their steps,
 * each step in its own transaction as the kiosk does it (BEGIN IMMEDIATE ...
 * COMMIT, WAL, synchronous=FULL), on a file without a ledger (schema 6, where
 * nothing is bound) and on one with it (schema 7); the median wall time of a
 * step and the CPU time per step are compared. Prints key=value lines for
 * tests/bench/run.sh. */
#include <sys/resource.h>

#include "core/case/catalog.h"
#include "core/base/clock.h"
#include "core/case/fees.h"
#include "db/repo/case_repo.h"
#include "db/db.h"
#include "db/repo/payment_repo.h"
#include "db/repo/staff_repo.h"
#include "tests/bench/bench_common.h"

static double cpu_now(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

typedef struct timing {
	double *wall;  /* per step */
	size_t n, cap;
	double cpu;    /* over all steps */
} timing;

static void add(timing *t, double w)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 1024;
		t->wall = realloc(t->wall, t->cap * sizeof *t->wall);
		if (!t->wall)
			exit(2);
	}
	t->wall[t->n++] = w;
}

/* One case through every step, each timed. */
static int run_case(kdb *db, const catalog *cat, const service *svc, int n, timing *t, kerr *err)
{
	case_rec c;
	double s = bench_now(), cs = cpu_now();
	if (db_case_open(db, svc, "c001", &c, err) != 0)
		return -1;
	add(t, bench_now() - s);
	t->cpu += cpu_now() - cs;
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
	case_decision seen = DEC_NONE;
	for (case_step st = case_next_step(svc, STEP_NONE, seen); st != STEP_NONE;
	     st = case_next_step(svc, st, seen)) {
		case_step_data d = { .details = &c, .materials = md,
				     .n_materials = svc->n_materials < 16 ? svc->n_materials : 16,
				     .decision = DEC_ACCEPT, .rongque_deadline = -1,
				     .detail = case_step_name(st) };
		if (st == STEP_PAYMENT) {
			payment_rec p = { 0 };
			snprintf(p.case_no, sizeof p.case_no, "%s", c.case_no);
			snprintf(p.out_trade_no, sizeof p.out_trade_no, "%.32s", c.case_no);
			p.amount_fen = c.fee_fen;
			p.state = PAY_SUCCESS;
			snprintf(p.transaction_id, sizeof p.transaction_id, "42000%027d", n);
			p.verified = true;
			s = bench_now();
			cs = cpu_now();
			if (db_payment_record(db, "c001", &p, err) != 0)
				return -1;
			add(t, bench_now() - s);
			t->cpu += cpu_now() - cs;
		}
		s = bench_now();
		cs = cpu_now();
		if (db_case_step(db, svc, "c001", c.case_no, st, &d, err) != 0)
			return -1;
		add(t, bench_now() - s);
		t->cpu += cpu_now() - cs;
		if (st == STEP_DECISION)
			seen = DEC_ACCEPT;
	}
	return 0;
}

/* A fresh file at schema `version` with the clerk. */
static kdb *fresh(const char *dir, int version, kerr *err)
{
	char path[512];
	snprintf(path, sizeof path, "%s/bind-v%d.db", dir, version);
	kdb *db = db_open_version(path, "BENCH-01", version, err);
	if (db && db_staff_add(db, "bench", "c001", "张三", ROLE_CLERK, "864209", err) != 0) {
		db_close(db);
		db = NULL;
	}
	return db;
}

int main(int argc, char **argv)
{
	int cases = argc > 1 ? atoi(argv[1]) : 200;
	kerr err = { 0 };
	catalog *cat = catalog_load(KIOSK_CONFIG_DIR, &err);
	if (!cat) {
		fprintf(stderr, "%s: %s\n", err.where, err.msg);
		return 2;
	}
	char *dir = bench_tmpdir();
	timing plain = { 0 }, bound = { 0 };
	/* case by case in turn on each file, so that whatever else the machine
	 * does falls on both alike */
	kdb *p5 = fresh(dir, DB_SCHEMA_VERSION - 1, &err), *p6 = p5 ? fresh(dir, DB_SCHEMA_VERSION, &err) : NULL;
	int rc = p5 && p6 ? 0 : -1;
	for (int i = 0; i < cases && rc == 0; i++) {
		const service *svc = &cat->services[i % cat->n_services];
		rc = run_case(p5, cat, svc, i, &plain, &err) || run_case(p6, cat, svc, i, &bound, &err);
	}
	db_close(p5);
	db_close(p6);
	if (rc) {
		fprintf(stderr, "%s: %s\n", err.where, err.msg);
		catalog_free(cat);
		bench_rmdir(dir);
		return 2;
	}
	qsort(plain.wall, plain.n, sizeof *plain.wall, bench_cmp_double);
	qsort(bound.wall, bound.n, sizeof *bound.wall, bench_cmp_double);
	double p = plain.wall[plain.n / 2], b = bound.wall[bound.n / 2];
	double pc = plain.cpu / (double)plain.n, bc = bound.cpu / (double)bound.n;
	printf("bind_steps=%zu\n", bound.n);
	printf("bind_step_plain_ms=%.3f\n", p * 1000);
	printf("bind_step_bound_ms=%.3f\n", b * 1000);
	printf("bind_cost_pct=%+.1f\n", (b - p) / p * 100);
	printf("bind_cpu_plain_us=%.0f\n", pc * 1e6);
	printf("bind_cpu_bound_us=%.0f\n", bc * 1e6);
	printf("bind_cpu_cost_pct=%+.1f\n", (bc - pc) / pc * 100);
	free(plain.wall);
	free(bound.wall);
	catalog_free(cat);
	bench_rmdir(dir);
	return 0;
}
