/* bench_recon: reconciling one day with WeChat Pay's bill against the
 * simulator on loopback: a day of N paid orders (cases opened and their
 * orders made, paid and booked in a real database file), then, the day
 * over, the whole reconciliation as kioskctl pay reconcile does it: the
 * signed tradebill call, the download, gunzip and SHA-1, the parse, reading
 * the day's book and the match. Target: under 200 ms for 500 payments.
 * Prints key=value lines for tests/bench/run.sh.
 * Usage: bench_recon [payments] [runs]   (defaults 500 and 7) */
#include "tests/bench/bench_common.h"

#include "core/base/clock.h"
#include "core/case/catalog.h"
#include "core/pay/bill.h"
#include "core/pay/pay.h"
#include "core/pay/recon.h"
#include "db/db.h"
#include "db/repo/case_repo.h"
#include "db/repo/payment_repo.h"
#include "db/repo/recon_repo.h"
#include "db/repo/staff_repo.h"
#include "tests/unit/testutil.h"

static void die(const char *what, const kerr *err)
{
	fprintf(stderr, "bench_recon: %s: %s %s\n", what, err ? err->where : "", err ? err->msg : "");
	exit(1);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 500;
	int runs = argc > 2 ? atoi(argv[2]) : 7;
	if (n < 1 || n > 9999 || runs < 1 || runs > 1000) {
		fprintf(stderr, "usage: bench_recon [payments 1-9999] [runs]\n");
		return 2;
	}
	/* tomorrow 09:00: the keys openssl makes are valid from now */
	long day = clock_today() + 1;
	int64_t t0 = clock_day_start_ms(day) + 9 * 3600 * 1000LL;
	clock_set_fixed(t0);
	char now[32];
	snprintf(now, sizeof now, "%lld", (long long)(t0 / 1000));
	setenv("KIOSK_NOW", now, 1);
	char *dir = bench_tmpdir();
	if (!tu_wx_keys(dir))
		die("making keys with the openssl command line", NULL);
	tu_sim sim;
	if (!tu_sim_start(&sim, dir, ""))
		die("starting build/tests/sim/paysim", NULL);
	char key[600], pdir[600], v3[600], path[600];
	kiosk_payment_cfg cfg = {
		.mode = "wechat", .base_url = sim.url, .appid = TU_WX_APPID, .mchid = TU_WX_MCHID,
		.merchant_serial = TU_WX_MERCHANT_SERIAL,
		.private_key_file = (char *)tu_path(key, sizeof key, dir, "merchant_key.pem"),
		.platform_keys_dir = (char *)tu_path(pdir, sizeof pdir, dir, "platform"),
		.apiv3_key_file = (char *)tu_path(v3, sizeof v3, dir, "apiv3.key"),
		.notify_url = "https://kiosk.example.com/wxpay/notify",
		.order_expiry_minutes = 15, .poll_seconds = 3,
	};
	kerr err = { { 0 }, { 0 } };
	pay_dev *dev = pay_wechat_new(&cfg, &err);
	catalog *cat = catalog_load(KIOSK_CONFIG_DIR, &err);
	kdb *db = db_open(tu_path(path, sizeof path, dir, "kiosk.db"), "K01", DB_OPEN_CREATE, &err);
	if (!dev || !cat || !db)
		die("set-up", &err);
	const service *svc = catalog_service(cat, "zc.new");
	if (!svc || db_staff_add(db, "system", "c1", "张三", ROLE_CLERK, "864209", &err) ||
	    db_staff_add(db, "system", "s1", "王五", ROLE_SUPERVISOR, "753186", &err))
		die("staff", &err);
	double f0 = bench_now();
	for (int i = 0; i < n; i++) {
		case_rec c;
		if (db_case_open(db, svc, "c1", &c, &err))
			die("case", &err);
		pay_order o;
		memset(&o, 0, sizeof o);
		pay_trade_no(c.case_no, 1, o.out_trade_no);
		o.amount_fen = 40000;
		snprintf(o.description, sizeof o.description, "四川CA 数字证书新办");
		o.expire_ms = clock_now_ms() + 15 * 60000;
		if (pay_create(dev, &o, &err) != PR_OK)
			die("create", &err);
		char p[96];
		snprintf(p, sizeof p, "/sim/pay/%s", o.out_trade_no);
		int st = 0;
		free(tu_sim_call(&sim, "POST", p, "", &st));
		if (pay_query(dev, o.out_trade_no, &o, &err) != PR_OK || o.state != PAY_SUCCESS)
			die("query", &err);
		payment_rec pr;
		memset(&pr, 0, sizeof pr);
		snprintf(pr.case_no, sizeof pr.case_no, "%s", c.case_no);
		snprintf(pr.out_trade_no, sizeof pr.out_trade_no, "%s", o.out_trade_no);
		snprintf(pr.transaction_id, sizeof pr.transaction_id, "%s", o.transaction_id);
		pr.amount_fen = o.amount_fen;
		pr.state = PAY_SUCCESS;
		pr.verified = true;
		if (db_payment_record(db, "c1", &pr, &err))
			die("book", &err);
	}
	double fill = bench_now() - f0;
	/* the day is over: 11:00 the next day for both */
	clock_set_fixed(t0 + 26 * 3600 * 1000LL);
	int st = 0;
	free(tu_sim_call(&sim, "POST", "/sim/config", "{\"advance\":93600}", &st));
	double *t = calloc((size_t)runs, sizeof *t);
	double t_dl = 0, t_parse = 0, t_match = 0;
	size_t rows = 0, found = 0;
	for (int r = 0; r < runs; r++) {
		double a = bench_now();
		pay_bill_file file;
		if (pay_bill_download(dev, day, &file, &err) != PR_OK)
			die("download", &err);
		double b = bench_now();
		bill bl;
		if (bill_parse(file.text, file.len, &bl, &err))
			die("parse", &err);
		double c = bench_now();
		recon_book bk;
		recon_diff *d = NULL;
		if (db_recon_book(db, day, &bl, &bk, &err) || recon_match(&bk, &bl, &d, &found, &err))
			die("match", &err);
		double e = bench_now();
		t[r] = (e - a) * 1000;
		t_dl += (b - a) * 1000;
		t_parse += (c - b) * 1000;
		t_match += (e - c) * 1000;
		rows = bl.n;
		free(d);
		recon_book_free(&bk);
		bill_free(&bl);
		pay_bill_file_free(&file);
	}
	qsort(t, (size_t)runs, sizeof *t, bench_cmp_double);
	printf("recon_payments=%d\n", n);
	printf("recon_bill_rows=%zu\n", rows);
	printf("recon_differences=%zu\n", found);
	printf("recon_runs=%d\n", runs);
	printf("recon_fill_s=%.1f\n", fill);
	printf("recon_median_ms=%.1f\n", t[runs / 2]);
	printf("recon_max_ms=%.1f\n", t[runs - 1]);
	printf("recon_download_ms=%.1f\n", t_dl / runs);
	printf("recon_parse_ms=%.2f\n", t_parse / runs);
	printf("recon_match_ms=%.2f\n", t_match / runs);
	printf("recon_rss_kib=%ld\n", bench_rss_kib());
	free(t);
	db_close(db);
	catalog_free(cat);
	pay_dev_free(dev);
	tu_sim_stop(&sim);
	bench_rmdir(dir);
	return found == 0 ? 0 : 1;
}
