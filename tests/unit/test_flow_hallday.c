/* tui/flow/hallday: the hall's day at the counter. kioskctl hall day's
 * records parsed (and a partial answer refused), the figures summed by
 * window, clerk and service; the child-process source giving the PIN on
 * stdin only (never in its arguments), telling a refusal from an offline
 * centre, and never waiting past its bound; hallday_fetch() asking nothing
 * for a clerk or in trainer mode, and stamping what it read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "tests/unit/testflow.h"

#include "tui/flow/child.h"
#include "tui/flow/hallday.h"

/* Two windows, K1 (closed, shipped) and K2 (open, two clerks), one row of
 * another version's record to be passed over. */
static const char sample[] =
	"hall-day\tv1\t2026-03-02\tHA\n"
	"close\topen\n"
	"window\tK1\t1\ts001\t300\t1772416800000\t310\t1772416790000\n"
	"window\tK2\t0\t-\t120\t-1\t-1\t-1\n"
	"row\tK1\tc001\trs.new\tcompleted\t5\t200000\t200000\t0\n"
	"row\tK1\tc001\trs.seal\topen\t1\t0\t0\t0\n"
	"row\tK2\tc002\trs.new\tcompleted\t2\t80000\t80000\t40000\n"
	"row\tK2\tc003\trs.seal\trefused\t1\t0\t0\t0\n"
	"future\tsomething\n"
	"end\t2\t4\n";

static const char *plain(const void *ctx, const char *svc)
{
	(void)ctx;
	return svc;
}

static void parses_and_sums(void **state)
{
	(void)state;
	hallday d;
	assert_int_equal(hallday_parse(sample, &d), 0);
	assert_string_equal(d.date, "2026-03-02");
	assert_string_equal(d.hall_id, "HA");
	assert_false(d.hall_closed);
	assert_int_equal(d.n_win, 2);
	assert_true(d.win[0].closed);
	assert_string_equal(d.win[0].closed_by, "s001");
	assert_int_equal(hallday_unshipped(&d.win[0]), 10);
	assert_false(d.win[1].closed);
	assert_int_equal(hallday_unshipped(&d.win[1]), -1);
	assert_int_equal(d.win[1].shipped_ms, -1);
	assert_int_equal(d.n_rows, 4);

	hallday_figs f;
	hallday_sum(&d, NULL, NULL, &f);
	assert_int_equal(f.cases, 9);
	assert_int_equal(f.by_status[CS_COMPLETED], 7);
	assert_int_equal(f.by_status[CS_OPEN], 1);
	assert_int_equal(f.by_status[CS_REFUSED], 1);
	assert_int_equal(f.due_fen, 280000);
	assert_int_equal(f.refunded_fen, 40000);
	hallday_sum(&d, "K2", NULL, &f);
	assert_int_equal(f.cases, 3);
	hallday_sum(&d, "K2", "c003", &f);
	assert_int_equal(f.cases, 1);
	assert_int_equal(f.by_status[CS_REFUSED], 1);
	hallday_sum_service(&d, "rs.new", &f);
	assert_int_equal(f.cases, 7);
	assert_int_equal(f.paid_fen, 280000);

	assert_int_equal(hallday_clerks(&d), 3);
	const char *k, *c;
	hallday_clerk_at(&d, 2, &k, &c);
	assert_string_equal(k, "K2");
	assert_string_equal(c, "c003");
	assert_int_equal(hallday_services(&d), 2);
	assert_string_equal(hallday_service_at(&d, 1), "rs.seal");
	char buf[128];
	hallday_by_service(&d, "K1", NULL, plain, NULL, buf, sizeof buf);
	assert_string_equal(buf, "rs.new 5  rs.seal 1");
	hallday_by_service(&d, "K2", "c002", plain, NULL, buf, sizeof buf);
	assert_string_equal(buf, "rs.new 2");

	hallday copy;
	assert_int_equal(hallday_copy(&copy, &d), 0);
	hallday_free(&d);
	assert_string_equal(copy.rows[3].clerk, "c003");
	hallday_free(&copy);
}

static void refuses_a_partial_answer(void **state)
{
	(void)state;
	hallday d;
	/* cut before its end (a child killed mid-write) */
	char cut[sizeof sample];
	snprintf(cut, sizeof cut, "%s", sample);
	*strstr(cut, "end\t") = '\0';
	assert_int_equal(hallday_parse(cut, &d), -1);
	assert_null(d.rows);
	/* counts that do not match */
	char *wrong = strdup(sample);
	*strstr(wrong, "end\t2\t4") = '\0';
	char buf[1024];
	snprintf(buf, sizeof buf, "%send\t2\t5\n", wrong);
	assert_int_equal(hallday_parse(buf, &d), -1);
	/* a status that is not one, a number that is not one */
	snprintf(buf, sizeof buf, "hall-day\tv1\t2026-03-02\tHA\nrow\tK1\tc\ts\tlost\t1\t0\t0\t0\nend\t0\t1\n");
	assert_int_equal(hallday_parse(buf, &d), -1);
	snprintf(buf, sizeof buf, "hall-day\tv1\t2026-03-02\tHA\nrow\tK1\tc\ts\topen\tx\t0\t0\t0\nend\t0\t1\n");
	assert_int_equal(hallday_parse(buf, &d), -1);
	/* no heading, or another version's */
	assert_int_equal(hallday_parse("end\t0\t0\n", &d), -1);
	assert_int_equal(hallday_parse("hall-day\tv2\t2026-03-02\tHA\nend\t0\t0\n", &d), -1);
	assert_int_equal(hallday_parse("hall-day\tv1\t2026-03-02\tHA\nend\t0\t0\n", &d), 0);
	hallday_free(&d);
	free(wrong);
}

/* A fake kioskctl: the PIN read from stdin must be the one typed, and must
 * not be among the arguments; the records printed then. */
static void child_pin_on_stdin(void **state)
{
	(void)state;
	char script[2048];
	snprintf(script, sizeof script,
		 "read pin; case \"$*\" in *hallpin*) exit 7;; esac; "
		 "[ \"$pin\" = hallpin-9 ] || exit 9; "
		 "case \"$*\" in *'--date 2026-03-02 --by sup1 --timeout 2'*) ;; *) exit 8;; esac; "
		 "printf '%%s' '%s'", sample);
	const char *argv[] = { "/bin/sh", "-c", script, "kioskctl", "hall", "day", NULL };
	hallday_src *s = hallday_child_new(argv, 2);
	assert_non_null(s);
	hallday d;
	char why[256];
	assert_int_equal(s->fetch(s, "2026-03-02", "sup1", "hallpin-9", &d, why, sizeof why), HD_OK);
	assert_int_equal(d.n_win, 2);
	assert_int_equal(d.n_rows, 4);
	hallday_free(&d);
	/* another PIN: the fake says so by its exit, not a whole answer */
	assert_int_equal(s->fetch(s, "2026-03-02", "sup1", "other", &d, why, sizeof why), HD_OFFLINE);
	hallday_src_free(s);
}

static void child_refused_offline_bounded(void **state)
{
	(void)state;
	hallday d;
	char why[256];
	const char *no[] = { "/bin/sh", "-c",
			     "printf 'error\\trefused\\thall: the centre refused supervisor x\\n'; exit 1",
			     NULL };
	hallday_src *s = hallday_child_new(no, 1);
	assert_int_equal(s->fetch(s, "2026-03-02", "x", "p", &d, why, sizeof why), HD_REFUSED);
	assert_string_equal(why, "hall: the centre refused supervisor x");
	hallday_src_free(s);
	const char *off[] = { "/bin/sh", "-c",
			      "printf 'error\\toffline\\thall: cannot reach the central store\\n'; exit 2",
			      NULL };
	s = hallday_child_new(off, 1);
	assert_int_equal(s->fetch(s, "2026-03-02", "x", "p", &d, why, sizeof why), HD_OFFLINE);
	assert_string_equal(why, "hall: cannot reach the central store");
	hallday_src_free(s);
	/* a centre that never answers: the child is killed at the bound (1 s + 1) */
	const char *hang[] = { "/bin/sh", "-c", "exec sleep 30", NULL };
	s = hallday_child_new(hang, 1);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(s->fetch(s, "2026-03-02", "x", "p", &d, why, sizeof why), HD_OFFLINE);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true(b.tv_sec - a.tv_sec <= 3);
	assert_true((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 >= 1900);
	hallday_src_free(s);
	/* a program that is not there */
	const char *none[] = { "/nonexistent/kioskctl", NULL };
	s = hallday_child_new(none, 1);
	assert_int_equal(s->fetch(s, "2026-03-02", "x", "p", &d, why, sizeof why), HD_OFFLINE);
	hallday_src_free(s);
}

static void child_run_gives_input_and_output(void **state)
{
	(void)state;
	char out[64];
	char *cat[] = { "/bin/cat", NULL };
	assert_int_equal(child_run(cat, "line one\n", 2000, out, sizeof out), 0);
	assert_string_equal(out, "line one\n");
	char *fails[] = { "/bin/sh", "-c", "echo partial; exit 3", NULL };
	assert_int_equal(child_run(fails, NULL, 2000, out, sizeof out), 3);
	assert_string_equal(out, "partial\n");
	/* output past the buffer is cut, the child still read to its end */
	char *much[] = { "/bin/sh", "-c", "seq 1 10000", NULL };
	assert_int_equal(child_run(much, NULL, 5000, out, 8), 0);
	assert_string_equal(out, "1\n2\n3\n4");
}

/* A fake centre counting its calls, with this window's kiosk id. */
typedef struct fake_src {
	hallday_src ops;
	int calls;
	char sup[40], pin[64];
	const char *kiosk;
} fake_src;

static hallday_result fake_fetch(hallday_src *s, const char *date, const char *sup_id,
				 const char *pin, hallday *d, char *why, size_t n)
{
	(void)why;
	(void)n;
	fake_src *f = (fake_src *)s;
	f->calls++;
	snprintf(f->sup, sizeof f->sup, "%s", sup_id);
	snprintf(f->pin, sizeof f->pin, "%s", pin);
	char text[512];
	snprintf(text, sizeof text,
		 "hall-day\tv1\t%s\tHA\nclose\tclosed\ts001\t1772420000000\n"
		 "window\t%s\t0\t-\t3\t-1\t5\t1\nend\t1\t0\n", date, f->kiosk);
	return hallday_parse(text, d) == 0 ? HD_OK : HD_OFFLINE;
}

static void fake_free(hallday_src *s)
{
	(void)s;
}

static void fetch_needs_a_supervisor(void **state)
{
	tf_fx *f = *state;
	fake_src fs = { .ops = { fake_fetch, fake_free }, .kiosk = db_kiosk_id(f->k.db) };
	hallday d;
	char why[128];
	long day = civil_from_ymd(2026, 3, 2);
	/* no hall: nothing asked */
	assert_int_equal(hallday_fetch(&f->k, day, "p", &d, why, sizeof why), HD_NOT_ALLOWED);
	f->k.hallday = &fs.ops;
	f->k.demo = false;
	/* a clerk: nothing asked */
	assert_int_equal(hallday_fetch(&f->k, day, "p", &d, why, sizeof why), HD_NOT_ALLOWED);
	assert_int_equal(fs.calls, 0);
	/* trainer mode: never the hall */
	tf_sign_in(f, "demosup");
	f->k.demo = true;
	assert_int_equal(hallday_fetch(&f->k, day, "p", &d, why, sizeof why), HD_NOT_ALLOWED);
	assert_int_equal(fs.calls, 0);
	/* the supervisor signed in, as themselves, with the PIN typed */
	f->k.demo = false;
	assert_int_equal(hallday_fetch(&f->k, day, "hallpin-1", &d, why, sizeof why), HD_OK);
	assert_int_equal(fs.calls, 1);
	assert_string_equal(fs.sup, "demosup");
	assert_string_equal(fs.pin, "hallpin-1");
	assert_string_equal(d.date, "2026-03-02");
	assert_true(d.hall_closed);
	assert_string_equal(d.fetched_by, "demosup");
	assert_int_equal(d.fetched_ms, tf_t0());
	/* this window's rows not yet shipped: the file's head now, not what it
	 * said at its last shipment */
	int64_t head = 0;
	kerr err = { 0 };
	assert_int_equal(db_audit_head_seq(f->k.db, &head, &err), 0);
	assert_int_equal(d.win[0].local_head, head);
	assert_int_equal(hallday_unshipped(&d.win[0]), head > 3 ? head - 3 : 0);
	hallday_free(&d);
	f->k.hallday = NULL;
	f->k.demo = true;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_and_sums),
		cmocka_unit_test(refuses_a_partial_answer),
		cmocka_unit_test(child_pin_on_stdin),
		cmocka_unit_test(child_refused_offline_bounded),
		cmocka_unit_test(child_run_gives_input_and_output),
		cmocka_unit_test_setup_teardown(fetch_needs_a_supervisor, tf_setup, tf_teardown),
	};
	return cmocka_run_group_tests(tests, tf_group_setup, tf_group_teardown);
}
