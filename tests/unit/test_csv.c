/* test_csv: the CSV cell writer (db/report/csv.h) and the day's CSV on top of
 * it. Text a spreadsheet would run (first character = + - @ TAB CR LF, after
 * any spaces) comes out quoted behind a single quote; quotes are doubled and
 * cells with a comma, a quote or a line break are quoted (RFC 4180); benign
 * text and the numbers the code writes itself come out unchanged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/report/csv.h"
#include "db/report/report.h"

typedef void (*cell_fn)(FILE *f, const char *s, bool last);

/* What one cell writes, into buf. */
static const char *cell(cell_fn fn, const char *s, bool last, char *buf, size_t n)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	assert_non_null(f);
	fn(f, s, last);
	assert_int_equal(fclose(f), 0);
	assert_true(len < n);
	memcpy(buf, out, len + 1);
	free(out);
	return buf;
}

static void formulas_neutralised(void **state)
{
	(void)state;
	char buf[256];
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "=1+1", "\"'=1+1\"," },
		{ "+1+1", "\"'+1+1\"," },
		{ "-1+1", "\"'-1+1\"," },
		{ "@SUM(A1:A9)", "\"'@SUM(A1:A9)\"," },
		{ "\t=1+1", "\"'\t=1+1\"," },
		{ "\r=1+1", "\"'\r=1+1\"," },
		{ "\n=1+1", "\"'\n=1+1\"," },
		{ "  =1+1", "\"'  =1+1\"," },
		{ "=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"," },
		{ "=cmd|' /C calc'!A0", "\"'=cmd|' /C calc'!A0\"," },
		{ "-", "\"'-\"," },
		{ "=", "\"'=\"," },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_true(csv_is_formula(cases[i].in));
		assert_string_equal(cell(csv_text, cases[i].in, false, buf, sizeof buf),
				    cases[i].out);
	}
	/* the last cell ends the line instead */
	assert_string_equal(cell(csv_text, "=1+1", true, buf, sizeof buf), "\"'=1+1\"\n");
	/* a number cell that is not a plain number is text, never raw */
	assert_string_equal(cell(csv_number, "=1+1", false, buf, sizeof buf), "\"'=1+1\",");
	assert_string_equal(cell(csv_number, "-1+1", false, buf, sizeof buf), "\"'-1+1\",");
	assert_string_equal(cell(csv_number, "-", false, buf, sizeof buf), "\"'-\",");
	assert_string_equal(cell(csv_number, "1.", false, buf, sizeof buf), "1.,");
	assert_string_equal(cell(csv_number, "1,5", false, buf, sizeof buf), "\"1,5\",");
}

static void rfc4180_quoting(void **state)
{
	(void)state;
	char buf[256];
	assert_string_equal(cell(csv_text, "a,b", false, buf, sizeof buf), "\"a,b\",");
	assert_string_equal(cell(csv_text, "say \"hi\"", false, buf, sizeof buf),
			    "\"say \"\"hi\"\"\",");
	assert_string_equal(cell(csv_text, "\"", false, buf, sizeof buf), "\"\"\"\",");
	assert_string_equal(cell(csv_text, "two\nlines", false, buf, sizeof buf),
			    "\"two\nlines\",");
	assert_string_equal(cell(csv_text, "cr\rhere", false, buf, sizeof buf), "\"cr\rhere\",");
	/* a quote first is not a formula: quoted for the quote only */
	assert_string_equal(cell(csv_text, "\"=1\"", false, buf, sizeof buf), "\"\"\"=1\"\"\",");
	/* a sign later in the cell is harmless */
	assert_string_equal(cell(csv_text, "a=1+1", false, buf, sizeof buf), "a=1+1,");
}

static void benign_unchanged(void **state)
{
	(void)state;
	char buf[256];
	static const char *const plain[] = {
		"", "成都测试科技有限公司", "91310115MA1K3BTP2B", "SCCA-CD-01-20240301-0001",
		"clerk1", "completed", "2024-03-01 09:00:00", "张三·李四", "ＡＢＣ（成都）",
		"underpaid no-verified-success", "'quoted already", "a b",
	};
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		char want[128];
		assert_false(csv_is_formula(plain[i]));
		snprintf(want, sizeof want, "%s,", plain[i]);
		assert_string_equal(cell(csv_text, plain[i], false, buf, sizeof buf), want);
	}
	assert_string_equal(cell(csv_text, NULL, true, buf, sizeof buf), "\n");
	/* numbers the code writes itself stay numbers, negative ones too */
	static const char *const numbers[] = { "0", "400.00", "-12.50", "-3", "1430.00", "12" };
	for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
		char want[64];
		snprintf(want, sizeof want, "%s,", numbers[i]);
		assert_string_equal(cell(csv_number, numbers[i], false, buf, sizeof buf), want);
	}
}

/* The day's CSV: names that are formulas reach the file as text; the fee, a
 * negative one included, stays a number. */
static void day_csv_neutralised(void **state)
{
	(void)state;
	report_case c;
	memset(&c, 0, sizeof c);
	snprintf(c.case_no, sizeof c.case_no, "SCCA-CD-01-20240301-0001");
	snprintf(c.service_id, sizeof c.service_id, "zc.new");
	snprintf(c.clerk_id, sizeof c.clerk_id, "-clerk");
	c.status = CS_COMPLETED;
	c.outcome = OUTCOME_COMPLETED;
	c.last_step = STEP_SLIP;
	snprintf(c.unit_name, sizeof c.unit_name, "=HYPERLINK(\"http://x\",\"y\")");
	snprintf(c.uscc, sizeof c.uscc, "+91310115MA1K3BTP");
	snprintf(c.agent_name, sizeof c.agent_name, "@SUM(1,2)");
	c.fee_fen = -1250;
	c.paid_fen = 40000;
	c.rongque_deadline = -1;
	snprintf(c.pay_state, sizeof c.pay_state, "SUCCESS");
	daily_report r;
	memset(&r, 0, sizeof r);
	r.cases = &c;
	r.n_cases = 1;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	assert_non_null(f);
	assert_int_equal(report_write_csv(f, &r), 0);
	assert_int_equal(fclose(f), 0);
	const char *line = strchr(out, '\n');
	assert_non_null(line);
	line++;
	assert_non_null(strstr(line, "SCCA-CD-01-20240301-0001,zc.new,\"'-clerk\",completed,slip,"
				     "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",\"'+91310115MA1K3BTP\","
				     "-12.50,400.00,SUCCESS,,"));
	assert_non_null(strstr(line, ",completed,\"'@SUM(1,2)\",,,,,,,,,,\n"));
	/* no cell of the line starts with a trigger outside quotes */
	assert_null(strstr(line, ",="));
	assert_null(strstr(line, ",@"));
	assert_null(strstr(line, ",+"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(formulas_neutralised),
		cmocka_unit_test(rfc4180_quoting),
		cmocka_unit_test(benign_unchanged),
		cmocka_unit_test(day_csv_neutralised),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
