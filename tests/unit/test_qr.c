/* test_qr: the half-block QR code decodes back to its text with an
 * independent reader (zbarimg, from zbar-tools), and keeps its quiet zone. The
 * lines are turned into a PBM bitmap exactly as a screen dump would be: each
 * character cell is 1 module across and 2 down (▀ top dark, ▄ bottom dark,
 * █ both, space neither), then scaled up so zbar sees clean edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/print/qr.h"
#include "tests/unit/testutil.h"

#define UPPER "\xE2\x96\x80" /* ▀ */
#define LOWER "\xE2\x96\x84" /* ▄ */
#define FULL "\xE2\x96\x88"  /* █ */
#define SCALE 4

typedef struct fixture {
	char tmp[512];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	if (!f || !tu_mkdtemp(f->tmp, sizeof f->tmp))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	tu_rmrf(f->tmp);
	free(f);
	return 0;
}

/* The cells of one line as 0..3 (bit 0 top dark, bit 1 bottom dark); fails
 * on any other character. Returns the number of cells. */
static int cells(const char *line, unsigned char *out, int max)
{
	int n = 0;
	for (const char *p = line; *p; n++) {
		assert_true(n < max);
		if (*p == ' ') {
			out[n] = 0;
			p += 1;
		} else if (strncmp(p, UPPER, 3) == 0) {
			out[n] = 1;
			p += 3;
		} else if (strncmp(p, LOWER, 3) == 0) {
			out[n] = 2;
			p += 3;
		} else if (strncmp(p, FULL, 3) == 0) {
			out[n] = 3;
			p += 3;
		} else {
			fail_msg("unexpected byte 0x%02x in a QR line", (unsigned char)*p);
		}
	}
	return n;
}

/* Write a as a plain PBM (P1, 1 = black), scaled; returns the path. */
static void write_pbm(const qr_art *a, const char *path)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	int w = a->width * SCALE, h = a->rows * 2 * SCALE;
	fprintf(fp, "P1\n%d %d\n", w, h);
	unsigned char row[512];
	for (int r = 0; r < a->rows; r++) {
		assert_int_equal(cells(a->lines[r], row, (int)sizeof row), a->width);
		for (int half = 0; half < 2; half++)
			for (int s = 0; s < SCALE; s++) {
				for (int x = 0; x < a->width; x++)
					for (int k = 0; k < SCALE; k++)
						fputs((row[x] >> half) & 1 ? "1 " : "0 ", fp);
				fputc('\n', fp);
			}
	}
	assert_int_equal(fclose(fp), 0);
}

/* What zbarimg reads from the PBM, without the trailing newline (malloc'd).
 * Its standard error (D-Bus chatter in a container) goes to a file shown
 * only when it fails. */
static char *zbar_decode(const char *pbm, const char *opts)
{
	char cmd[2600], errf[1100];
	snprintf(errf, sizeof errf, "%s.err", pbm);
	snprintf(cmd, sizeof cmd, "zbarimg -q --raw %s '%s' 2>'%s'", opts, pbm, errf);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char *out = calloc(1, 8192);
	size_t n = fread(out, 1, 8191, p);
	int st = pclose(p);
	if (st != 0) {
		char *e = tu_read_file(errf, NULL);
		fprintf(stderr, "zbarimg said: %s\n", e ? e : "(nothing)");
		free(e);
		fail_msg("zbarimg failed (status %d; is zbar-tools installed?)", st);
	}
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	return out;
}

/* opts: further zbarimg options ("-Sbinary": the bytes as they are, for
 * UTF-8; without it zbar guesses a legacy encoding for 8-bit data). */
static void roundtrip(fixture *f, const char *text, const char *opts)
{
	kerr err;
	qr_art *a = qr_render(text, &err);
	if (!a)
		fail_msg("qr_render: %s", err.msg);
	char pbm[1024];
	tu_path(pbm, sizeof pbm, f->tmp, "qr.pbm");
	write_pbm(a, pbm);
	char *got = zbar_decode(pbm, opts);
	assert_string_equal(got, text);
	free(got);
	qr_art_free(a);
}

static void decodes_wechat_code_url(void **state)
{
	roundtrip(*state, "weixin://wxpay/bizpayurl?pr=AbCd123", "");
}

static void decodes_longer_and_utf8(void **state)
{
	/* a longer URL (a bigger version) and non-ASCII bytes survive too */
	roundtrip(*state, "https://bss.scca.com.cn:8088/selfservice/govIndex?case=SCCA-CD-01-"
			  "20240301-0007&amount=40000&nonce=5K8264ILTKCH16CQ2502SI8ZNMTM67VS", "");
	roundtrip(*state, "weixin://wxpay/bizpayurl?pr=受理回执", "-Sbinary");
}

static void shape_and_quiet_zone(void **state)
{
	(void)state;
	kerr err;
	qr_art *a = qr_render("weixin://wxpay/bizpayurl?pr=AbCd123", &err);
	assert_non_null(a);
	/* version 2 or 3 at level M for 35 bytes: 25 or 29 modules, plus 2 x 4 */
	assert_true(a->modules == 25 || a->modules == 29);
	assert_int_equal(a->width, a->modules + 2 * QR_QUIET_ZONE);
	assert_int_equal(a->rows, (a->width + 1) / 2);
	unsigned char row[512];
	int dark_cells = 0;
	for (int r = 0; r < a->rows; r++) {
		assert_int_equal(cells(a->lines[r], row, (int)sizeof row), a->width);
		bool edge_row = r < 2 || r >= a->rows - 2;
		for (int x = 0; x < a->width; x++) {
			bool edge_col = x < QR_QUIET_ZONE || x >= a->width - QR_QUIET_ZONE;
			if (edge_row || edge_col)
				assert_int_equal(row[x], 0);
			dark_cells += row[x] != 0;
		}
	}
	/* the finder pattern's top edge: 7 dark modules at the code's corner
	 * (module row 4 = top half of line 2, columns 4..10) */
	cells(a->lines[2], row, (int)sizeof row);
	for (int x = QR_QUIET_ZONE; x < QR_QUIET_ZONE + 7; x++)
		assert_true(row[x] & 1);
	assert_false(row[QR_QUIET_ZONE + 7] & 1);
	assert_true(dark_cells > 0);
	qr_art_free(a);
}

static void errors(void **state)
{
	(void)state;
	kerr err;
	memset(&err, 0, sizeof err);
	assert_null(qr_render("", &err));
	assert_true(err.msg[0]);
	assert_null(qr_render(NULL, &err));
	/* more than a version 40 code holds at level M (2331 bytes) */
	size_t n = 3000;
	char *big = malloc(n + 1);
	memset(big, 'x', n);
	big[n] = '\0';
	memset(&err, 0, sizeof err);
	assert_null(qr_render(big, &err));
	assert_non_null(strstr(err.msg, "too long"));
	free(big);
	qr_art_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decodes_wechat_code_url),
		cmocka_unit_test(decodes_longer_and_utf8),
		cmocka_unit_test(shape_and_quiet_zone),
		cmocka_unit_test(errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
