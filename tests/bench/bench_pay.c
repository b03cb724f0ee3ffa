/* bench_pay: the WeChat Pay client against the simulator on loopback
 * (build/tests/sim/paysim, keys made by openssl in a temporary directory):
 * the time from the create-order call to code_url returned, the time to
 * render that code_url as the QR code the screen draws (qr_render), the two
 * together, and the wall time and CPU time of one poll (a signed query and
 * its verified answer). Prints key=value lines for tests/bench/run.sh.
 * Usage: bench_pay [orders] [polls]   (defaults 50 and 200) */
#include "tests/bench/bench_common.h"

#include "core/base/clock.h"
#include "core/pay/pay.h"
#include "core/print/qr.h"
#include "tests/unit/testutil.h"

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *what, const kerr *err)
{
	fprintf(stderr, "bench_pay: %s: %s %s\n", what, err ? err->where : "", err ? err->msg : "");
	exit(1);
}

int main(int argc, char **argv)
{
	int orders = argc > 1 ? atoi(argv[1]) : 50;
	int polls = argc > 2 ? atoi(argv[2]) : 200;
	if (orders < 2 || orders > 100000 || polls < 1 || polls > 1000000) {
		fprintf(stderr, "usage: bench_pay [orders >= 2] [polls >= 1]\n");
		return 2;
	}
	char *dir = bench_tmpdir();
	if (!tu_wx_keys(dir))
		die("making keys with the openssl command line", NULL);
	tu_sim sim;
	if (!tu_sim_start(&sim, dir, ""))
		die("starting build/tests/sim/paysim", NULL);
	char key[600], pdir[600], v3[600];
	kiosk_payment_cfg cfg = {
		.mode = "wechat",
		.base_url = sim.url,
		.appid = TU_WX_APPID,
		.mchid = TU_WX_MCHID,
		.merchant_serial = TU_WX_MERCHANT_SERIAL,
		.private_key_file = (char *)tu_path(key, sizeof key, dir, "merchant_key.pem"),
		.platform_keys_dir = (char *)tu_path(pdir, sizeof pdir, dir, "platform"),
		.apiv3_key_file = (char *)tu_path(v3, sizeof v3, dir, "apiv3.key"),
		.notify_url = "https://kiosk.example.com/wxpay/notify",
		.order_expiry_minutes = 15,
		.poll_seconds = 3,
	};
	kerr err = { { 0 }, { 0 } };
	pay_dev *dev = pay_wechat_new(&cfg, &err);
	if (!dev)
		die("pay_wechat_new", &err);

	double *t_create = calloc((size_t)orders, sizeof *t_create);
	double *t_qr = calloc((size_t)orders, sizeof *t_qr);
	double *t_both = calloc((size_t)orders, sizeof *t_both);
	double *t_poll = calloc((size_t)polls, sizeof *t_poll);
	if (!t_create || !t_qr || !t_both || !t_poll)
		die("out of memory", NULL);
	char last[PAY_TRADE_NO_MAX + 1] = "";
	for (int i = 0; i < orders; i++) {
		pay_order o;
		memset(&o, 0, sizeof o);
		snprintf(o.out_trade_no, sizeof o.out_trade_no, "BENCH-20261121-%06d", i);
		o.amount_fen = 40000;
		snprintf(o.description, sizeof o.description, "四川CA 数字证书新办");
		o.expire_ms = clock_now_ms() + 15 * 60000;
		double t0 = bench_now();
		pay_result r = pay_create(dev, &o, &err);
		double t1 = bench_now();
		if (r != PR_OK)
			die(pay_result_name(r), &err);
		qr_art *q = qr_render(o.code_url, &err);
		double t2 = bench_now();
		if (!q)
			die("qr_render", &err);
		qr_art_free(q);
		t_create[i] = t1 - t0;
		t_qr[i] = t2 - t1;
		t_both[i] = t2 - t0;
		snprintf(last, sizeof last, "%s", o.out_trade_no);
	}
	double first = t_create[0];
	/* The first call opens the connection; the rest reuse it, as polls do. */
	qsort(t_create + 1, (size_t)orders - 1, sizeof *t_create, bench_cmp_double);
	qsort(t_qr, (size_t)orders, sizeof *t_qr, bench_cmp_double);
	qsort(t_both + 1, (size_t)orders - 1, sizeof *t_both, bench_cmp_double);

	double c0 = cpu_s();
	for (int i = 0; i < polls; i++) {
		pay_order q;
		double t0 = bench_now();
		pay_result r = pay_query(dev, last, &q, &err);
		t_poll[i] = bench_now() - t0;
		if (r != PR_OK || !q.verified)
			die("query", &err);
	}
	double cpu = cpu_s() - c0;
	qsort(t_poll, (size_t)polls, sizeof *t_poll, bench_cmp_double);

	int n = orders - 1;
	printf("pay_orders=%d\n", orders);
	printf("pay_create_first_ms=%.2f\n", first * 1000);
	printf("pay_create_median_ms=%.2f\n", t_create[1 + n / 2] * 1000);
	printf("pay_create_max_ms=%.2f\n", t_create[orders - 1] * 1000);
	printf("pay_qr_render_median_ms=%.3f\n", t_qr[orders / 2] * 1000);
	printf("pay_qr_render_max_ms=%.3f\n", t_qr[orders - 1] * 1000);
	printf("pay_create_to_qr_median_ms=%.2f\n", t_both[1 + n / 2] * 1000);
	printf("pay_create_to_qr_max_ms=%.2f\n", t_both[orders - 1] * 1000);
	printf("pay_polls=%d\n", polls);
	printf("pay_poll_median_ms=%.2f\n", t_poll[polls / 2] * 1000);
	printf("pay_poll_max_ms=%.2f\n", t_poll[polls - 1] * 1000);
	printf("pay_poll_cpu_us=%.0f\n", cpu / polls * 1e6);
	printf("pay_rss_kib=%ld\n", bench_rss_kib());

	pay_dev_free(dev);
	bool clean = tu_sim_stop(&sim);
	bench_rmdir(dir);
	free(t_create);
	free(t_qr);
	free(t_both);
	free(t_poll);
	if (!clean) {
		fprintf(stderr, "bench_pay: the simulator did not stop cleanly\n");
		return 1;
	}
	return 0;
}
