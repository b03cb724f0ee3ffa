/* Finding a case (db_case_find, issue 13 point 11): the rows found are the
 * rule's, whichever index finds them. The rule, written here again in C: a
 * case is found by its number, its USCC (the query in any letter case), the
 * number's tail (4 characters or more), or a fragment of the unit's or the
 * agent's name compared as typed; the newest 50 by id, listed newest first.
 * Every fragment of 1 to 4 characters of every name in the file (its
 * start, middle and end), every tail and a few odd queries are checked
 * against that rule over the whole file; a few are spelt out besides. The
 * search index (schema v11: cases_find, cases_by_tail) is checked to follow
 * every write of a case, and to stay out of the audit ledger's findings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/base/clock.h"
#include "core/base/utf8.h"
#include "core/case/catalog.h"
#include "db/audit_log.h"
#include "db/db.h"
#include "db/repo/case_repo.h"
#include "db/repo/staff_repo.h"
#include "tests/unit/testdb.h"
#include "tests/unit/testutil.h"

#define T0 1709251200000LL /* 2024-03-01 08:00 Asia/Shanghai */
#define F 1500              /* the older cases before those of units[] */

typedef struct fx {
	char dir[256];
	char path[320];
	kdb *db;
	sqlite3 *raw;
	catalog *cat;
	const service *svc;
} fx;

static int n_opened;

/* A case opened by c1 a minute after the last, its details committed with
 * this unit and agent (NULL: opened only, no details yet). */
static void add_case(fx *f, const char *unit, const char *agent, char *case_no, size_t n)
{
	kerr err = { 0 };
	clock_set_fixed(T0 + 60000LL * n_opened++);
	case_rec c;
	if (db_case_open(f->db, f->svc, "c1", &c, &err))
		fail_msg("open: %s", err.msg);
	if (case_no)
		snprintf(case_no, n, "%s", c.case_no);
	if (!unit)
		return;
	snprintf(c.party.unit_name, sizeof c.party.unit_name, "%s", unit);
	party_set(&c.party, PF_USCC, n_opened % 2 ? "91310115MA1K3BTP2B" : "91510100MA61XY3K4K");
	party_set(&c.party, PF_AGENT_NAME, agent);
	party_set(&c.party, PF_AGENT_ID_NO, "110102199101010078");
	party_set(&c.party, PF_AGENT_MOBILE, "13800138000");
	case_step_data sd = { .details = &c, .decision = DEC_NONE, .rongque_deadline = -1,
			      .detail = "details" };
	if (db_case_step(f->db, f->svc, "c1", c.case_no, STEP_DETAILS, &sd, &err))
		fail_msg("details of %s: %s", unit, err.msg);
}

/* The cases of the file: names that start, hold and end alike, one and two
 * characters long, ASCII in both cases, the characters FTS5 and LIKE treat
 * apart (" % _ *), spaces, full-width brackets; more than 50 that share a
 * fragment; one character followed by more than 200 others, in 210 cases
 * and in 5. */
static const char *const units[][2] = {
	{ "成都锦城示例科技有限公司", "张三" },
	{ "成都测试科技有限公司", "李四" },
	{ "四川甲有限公司", "王" },
	{ "北京ABC科技有限公司", "欧阳娜娜" },
	{ "abc商行", "Tom" },
	{ "引号\"公司", "张三丰" },
	{ "百分%下划线_星*公司", "赵一" },
	{ "空 格 公司", "钱 二" },
	{ "甲", "孙" },
	{ "乙丙", "丙" },
	{ "（成都）分公司", "周五" },
	{ "第1234号商行", "吴六" },
	{ "科技", "" },
};

static int group_setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	if (!f || !tu_mkdtemp(f->dir, sizeof f->dir))
		return -1;
	tu_path(f->path, sizeof f->path, f->dir, "kiosk.db");
	clock_set_fixed(T0);
	kerr err = { 0 };
	if (!(f->cat = catalog_load(KIOSK_CONFIG_DIR, &err)))
		return -1;
	f->svc = catalog_service(f->cat, "zc.new");
	f->db = db_open(f->path, "K01", DB_OPEN_CREATE, &err);
	if (!f->svc || !f->db || db_staff_add_first(f->db, "s1", "主管", "975310", &err) ||
	    db_staff_add(f->db, "s1", "c1", "张三", ROLE_CLERK, "864209", &err))
		return -1;
	if (sqlite3_open_v2(f->path, &f->raw, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return -1;
	*state = f;
	/* 1,500 older cases first, in one transaction: a fragment fewer than 50
	 * cases hold is then past what the find reads of the newest cases
	 * before it asks the index (FIND_SCAN_STEPS), so both ways are checked */
	if (db_tx_begin(f->db, &err))
		return -1;
	for (int i = 0; i < 1500; i++)
		add_case(f, "填充用的商行", "填充", NULL, 0);
	if (db_tx_commit(f->db, &err))
		return -1;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		add_case(f, units[i][0], units[i][1], NULL, 0);
	add_case(f, NULL, NULL, NULL, 0); /* no details: found by its number only */
	for (int i = 0; i < 60; i++) {
		char u[64];
		snprintf(u, sizeof u, "成都某某科技有限公司%d", i);
		add_case(f, u, i % 3 ? "张三" : "李四", NULL, 0);
	}
	for (int i = 0; i < 210; i++) { /* 丁 then 210 characters: 丁一公司, 丁丁公司… */
		char u[64];
		size_t k = 0;
		long cp = 0x4E00 + i;
		memcpy(u, "丁", 3);
		k = 3;
		u[k++] = (char)(0xE0 | (cp >> 12));
		u[k++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[k++] = (char)(0x80 | (cp & 0x3F));
		snprintf(u + k, sizeof u - k, "公司");
		add_case(f, u, "丁", NULL, 0);
	}
	for (int k = 0; k < 5; k++) { /* 戊 then 210 characters, in 5 names of 42 */
		char u[256];
		size_t at = 0;
		for (int j = 0; j < 42; j++) {
			long cp = 0x5000 + k * 42 + j;
			memcpy(u + at, "戊", 3);
			at += 3;
			u[at++] = (char)(0xE0 | (cp >> 12));
			u[at++] = (char)(0x80 | ((cp >> 6) & 0x3F));
			u[at++] = (char)(0x80 | (cp & 0x3F));
		}
		u[at] = '\0';
		add_case(f, u, "戊", NULL, 0);
	}
	return 0;
}

static int group_teardown(void **state)
{
	fx *f = *state;
	if (!f)
		return 0;
	sqlite3_close(f->raw);
	db_close(f->db);
	catalog_free(f->cat);
	tu_rmrf(f->dir);
	free(f);
	return 0;
}

/* One integer from the raw connection. */
static int raw_int(fx *f, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(f->raw, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(f->raw));
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* ---- the rule, in C ---- */

typedef struct row {
	long long id, created;
	char case_no[40], uscc[24], unit[256], agent[100];
} row;

static row *rows;
static size_t n_rows;

static void load_rows(fx *f)
{
	free(rows);
	rows = NULL;
	n_rows = 0;
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->raw, "SELECT id, created_ms, case_no, uscc, unit_name,"
					    " agent_name FROM cases ORDER BY id", -1, &st, NULL),
			 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		rows = realloc(rows, (n_rows + 1) * sizeof *rows);
		assert_non_null(rows);
		row *r = &rows[n_rows++];
		r->id = sqlite3_column_int64(st, 0);
		r->created = sqlite3_column_int64(st, 1);
		snprintf(r->case_no, sizeof r->case_no, "%s", sqlite3_column_text(st, 2));
		snprintf(r->uscc, sizeof r->uscc, "%s", sqlite3_column_text(st, 3));
		snprintf(r->unit, sizeof r->unit, "%s", sqlite3_column_text(st, 4));
		snprintf(r->agent, sizeof r->agent, "%s", sqlite3_column_text(st, 5));
	}
	sqlite3_finalize(st);
}

static size_t chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static bool rule(const row *r, const char *q)
{
	char up[256];
	size_t i = 0;
	for (; q[i] && i + 1 < sizeof up; i++)
		up[i] = q[i] >= 'a' && q[i] <= 'z' ? (char)(q[i] - 32) : q[i];
	up[i] = '\0';
	size_t lq = strlen(q), ln = strlen(r->case_no);
	return strcmp(r->case_no, q) == 0 || strcmp(r->uscc, up) == 0 ||
	       (chars(q) >= 4 && ln >= lq && strcmp(r->case_no + ln - lq, q) == 0) ||
	       strstr(r->unit, q) || strstr(r->agent, q);
}

static int by_id_desc(const void *a, const void *b)
{
	const row *x = a, *y = b;
	return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

static int by_created_desc(const void *a, const void *b)
{
	const row *x = a, *y = b;
	if (x->created != y->created)
		return x->created < y->created ? 1 : -1;
	return by_id_desc(a, b);
}

/* The case numbers the rule finds for q (already trimmed), newest first,
 * space-separated, into out. */
static void expected(const char *q, char *out, size_t n)
{
	row *m = malloc((n_rows + 1) * sizeof *m);
	assert_non_null(m);
	size_t k = 0;
	for (size_t i = 0; *q && i < n_rows; i++)
		if (rule(&rows[i], q))
			m[k++] = rows[i];
	qsort(m, k, sizeof *m, by_id_desc);
	if (k > 50)
		k = 50;
	qsort(m, k, sizeof *m, by_created_desc);
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < k; i++)
		len += (size_t)snprintf(out + len, n - len, "%s%s", i ? " " : "", m[i].case_no);
	free(m);
}

static void found(fx *f, const char *q, char *out, size_t n)
{
	kerr err = { 0 };
	case_rec *v = NULL;
	size_t k = 0;
	if (db_case_find(f->db, q, &v, &k, &err))
		fail_msg("find '%s': %s", q, err.msg);
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; i < k; i++)
		len += (size_t)snprintf(out + len, n - len, "%s%s", i ? " " : "", v[i].case_no);
	free(v);
}

static int checked;

static void same(fx *f, const char *q)
{
	static char want[50 * 40 + 1], got[50 * 40 + 1];
	char t[256];
	snprintf(t, sizeof t, "%s", q);
	size_t a = strspn(t, " \t"), b = strlen(t);
	while (b > a && (t[b - 1] == ' ' || t[b - 1] == '\t'))
		b--;
	t[b] = '\0';
	expected(t + a, want, sizeof want);
	found(f, q, got, sizeof got);
	if (strcmp(want, got) != 0)
		fail_msg("find '%s':\n  rule:  %s\n  found: %s", q, want, got);
	checked++;
}

/* Each fragment of 1 to 4 characters of s. */
static void fragments(fx *f, const char *s)
{
	size_t starts[300], n = 0;
	for (size_t i = 0; s[i] && n < 299; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			starts[n++] = i;
	starts[n] = strlen(s);
	for (size_t i = 0; i < n; i++)
		for (size_t len = 1; len <= 4 && i + len <= n; len++) {
			char q[64];
			snprintf(q, sizeof q, "%.*s", (int)(starts[i + len] - starts[i]), s + starts[i]);
			same(f, q);
		}
}

static void test_every_fragment_as_the_rule(void **state)
{
	fx *f = *state;
	load_rows(f);
	checked = 0;
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		fragments(f, units[i][0]);
		fragments(f, units[i][1]);
	}
	fragments(f, "成都某某科技有限公司59"); /* 50 of 60 and more: the newest 50 */
	for (size_t i = n_rows - 215; i < n_rows - 5; i += 30) /* 丁 and its 210 */
		fragments(f, rows[i].unit);
	for (size_t i = n_rows - 5; i < n_rows; i++) /* 戊 and its 210, in 5 cases */
		fragments(f, rows[i].unit);
	static const char *const odd[] = {
		"", " ", "  锦城 ", "\t甲\t", "没", "没有", "没有这", "没有这个单位", "ABC", "abc", "Abc",
		"\"", "\"\"", "\"公司", "%", "_", "*", "%下划线_", " ", "空 格", "格 公", "（成都）",
		"91310115MA1K3BTP2B", "91310115ma1k3btp2b", "91510100MA61XY3K4K", "9131011",
		"OR", "AND", "NEAR", "公司 OR 科技", "1234", "123", "0001", "0042", "-0001", "0",
		"2024", "20240301", "K01",
	};
	for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++)
		same(f, odd[i]);
	for (size_t i = 0; i < n_rows; i += 7) { /* numbers whole and by their tails */
		const char *no = rows[i].case_no;
		size_t len = strlen(no);
		same(f, no);
		for (size_t t = 3; t <= 9 && t <= len; t++)
			same(f, no + len - t);
	}
	print_message("%d queries checked against the rule\n", checked);
	assert_true(checked > 500);
}

/* A few spelt out, so that the rule above is not the only judge. */
static void test_fragments_spelt_out(void **state)
{
	fx *f = *state;
	char got[50 * 40 + 1], want[50 * 40 + 1];
	load_rows(f);
	found(f, "锦城", got, sizeof got); /* middle, 2 characters */
	assert_string_equal(got, rows[F].case_no);
	found(f, "成都锦", got, sizeof got); /* start, 3 */
	assert_string_equal(got, rows[F].case_no);
	found(f, "科技有限公司59", got, sizeof got); /* end, 8 */
	assert_non_null(strstr(got, "-"));
	assert_null(strchr(got, ' '));
	found(f, "甲", got, sizeof got); /* a whole name of 1 character, and a middle one */
	snprintf(want, sizeof want, "%s %s", rows[F + 8].case_no, rows[F + 2].case_no);
	assert_string_equal(got, want);
	found(f, "乙丙", got, sizeof got); /* a whole name of 2 */
	assert_string_equal(got, rows[F + 9].case_no);
	found(f, "Tom", got, sizeof got);
	assert_string_equal(got, rows[F + 4].case_no);
	found(f, "tom", got, sizeof got); /* names compare as typed */
	assert_string_equal(got, "");
	found(f, "\"公司", got, sizeof got);
	assert_string_equal(got, rows[F + 5].case_no);
	found(f, "%下划线_", got, sizeof got);
	assert_string_equal(got, rows[F + 6].case_no);
	found(f, "某某", got, sizeof got); /* 60 hold it: the newest 50 */
	size_t words = 1;
	for (const char *c = got; *c; c++)
		words += *c == ' ';
	assert_int_equal(words, 50);
	found(f, "没有", got, sizeof got);
	assert_string_equal(got, "");
	/* a case with no details yet is found by its number alone */
	found(f, rows[F + 13].case_no, got, sizeof got);
	assert_string_equal(got, rows[F + 13].case_no);
}

/* As the screens pass it: what a Chinese input method types full-width
 * (letters and digits) reaches the query in its narrow form (tui/app's
 * key handling, utf8_fold_narrow), and finds what the narrow text finds. */
static void test_full_width_folded_as_the_screens_do(void **state)
{
	fx *f = *state;
	static const char *const typed[][2] = {
		{ "ＡＢＣ", "ABC" },
		{ "第１２３４号", "第1234号" },
		{ "９１３１０１１５ＭＡ１Ｋ３ＢＴＰ２Ｂ", "91310115MA1K3BTP2B" },
		{ "　锦城　", " 锦城 " },
	};
	load_rows(f);
	for (size_t i = 0; i < sizeof typed / sizeof typed[0]; i++) {
		char q[128];
		size_t k = 0;
		const char *s = typed[i][0];
		size_t len = strlen(s);
		for (size_t at = 0; at < len;) {
			long cp;
			size_t step = utf8_next(s + at, len - at, &cp);
			assert_true(step > 0);
			cp = utf8_fold_narrow(cp);
			if (cp < 0x80) {
				q[k++] = (char)cp;
			} else {
				memcpy(q + k, s + at, step);
				k += step;
			}
			at += step;
		}
		q[k] = '\0';
		assert_string_equal(q, typed[i][1]);
		char a[50 * 40 + 1], b[50 * 40 + 1];
		found(f, q, a, sizeof a);
		found(f, typed[i][1], b, sizeof b);
		assert_string_equal(a, b);
		assert_true(a[0] != '\0');
		same(f, q);
	}
}

/* The index follows a name changed by a correction: found by the new name,
 * no longer by the old; and the file still verifies whole. */
static void test_index_follows_a_correction(void **state)
{
	fx *f = *state;
	char no[40], got[50 * 40 + 1];
	add_case(f, "旧名字商行", "旧经办", no, sizeof no);
	found(f, "旧名字", got, sizeof got);
	assert_string_equal(got, no);
	kerr err = { 0 };
	case_rec c;
	assert_int_equal(db_case_get(f->db, no, &c, &err), 0);
	party_set(&c.party, PF_UNIT_NAME, "新名字商行");
	party_set(&c.party, PF_AGENT_NAME, "新经办");
	case_step_data sd = { .details = &c, .decision = DEC_NONE, .rongque_deadline = -1,
			      .detail = "details" };
	case_correction cc = { .case_no = no, .actor = "c1", .step = STEP_DETAILS, .data = &sd };
	if (db_case_correct(f->db, f->svc, &cc, &err) != 0)
		fail_msg("correct: %s", err.msg);
	found(f, "旧名字", got, sizeof got);
	assert_string_equal(got, "");
	found(f, "旧经", got, sizeof got);
	assert_string_equal(got, "");
	found(f, "新名字", got, sizeof got);
	assert_string_equal(got, no);
	found(f, "新经", got, sizeof got);
	assert_string_equal(got, no);
	/* the index itself holds the new names, by the case's id */
	assert_int_equal(raw_int(f, "SELECT count(*) FROM cases_find WHERE cases_find"
				 " MATCH '\"新名字\" AND \"新经办\"'"), 1);
	load_rows(f);
	same(f, "名字");
	same(f, "商行");
	/* merged into one piece (the day close does it), the same rows */
	assert_int_equal(db_case_find_tidy(f->db, &err), 0);
	same(f, "名字");
	same(f, "某某");
	same(f, "司");
	same(f, "科技有限公司5");
	audit_verify_result res;
	assert_int_equal(db_audit_verify(f->db, &res, &err), 0);
	assert_int_equal(res.n_found, 0);
}

/* The schema's index: the FTS5 table and its terms, the tail's index, the
 * triggers; the FTS5 tables are not bound (the ledger leaves them out). */
static void test_index_in_the_schema_not_in_the_ledger(void **state)
{
	fx *f = *state;
	static const char *const objects[] = {
		"cases_find", "cases_find_terms", "cases_by_tail", "cases_find_insert",
		"cases_find_delete", "cases_find_update",
	};
	for (size_t i = 0; i < sizeof objects / sizeof objects[0]; i++) {
		char sql[160];
		snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_schema WHERE name = '%s'", objects[i]);
		if (raw_int(f, sql) != 1)
			fail_msg("%s missing", objects[i]);
	}
	assert_int_equal(db_schema_version(f->db), DB_SCHEMA_VERSION);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM audit WHERE action = 'ledger.bind'"
				 " AND detail LIKE '%cases\\_find%' ESCAPE '\\'"), 0);
}

/* A file from before the index, with its cases, upgraded: the cases it held
 * are found through the index the migration filled, as the rule finds them,
 * and the file verifies whole. */
static void test_upgraded_file_indexed(void **state)
{
	fx *f = *state;
	char path[400];
	snprintf(path, sizeof path, "%s/old.db", f->dir);
	kerr err = { 0 };
	kdb *old = db_open_version(path, "K01", DB_SCHEMA_VERSION - 1, &err);
	assert_non_null(old);
	assert_int_equal(db_staff_add_first(old, "s1", "主管", "975310", &err), 0);
	assert_int_equal(db_staff_add(old, "s1", "c1", "张三", ROLE_CLERK, "864209", &err), 0);
	kdb *keep = f->db;
	f->db = old;
	char a[40], b[40];
	add_case(f, "升级前的单位甲", "老张", a, sizeof a);
	add_case(f, "升级前的单位乙", "老李", b, sizeof b);
	f->db = keep;
	db_close(old);
	kdb *db = db_open(path, "K01", DB_OPEN_EXISTING, &err);
	assert_non_null(db);
	assert_int_equal(db_schema_version(db), DB_SCHEMA_VERSION);
	static const char *const qs[][2] = {
		{ "升级前", "b a" }, { "单位甲", "a" }, { "乙", "b" }, { "老张", "a" }, { "老", "b a" },
		{ "没有", "" },
	};
	for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
		case_rec *v = NULL;
		size_t n = 0;
		assert_int_equal(db_case_find(db, qs[i][0], &v, &n, &err), 0);
		char got[100] = "";
		for (size_t k = 0; k < n; k++)
			strcat(got, strcmp(v[k].case_no, a) == 0 ? (k ? " a" : "a") : (k ? " b" : "b"));
		free(v);
		if (strcmp(got, qs[i][1]) != 0)
			fail_msg("find '%s' in the upgraded file: %s, not %s", qs[i][0], got, qs[i][1]);
	}
	audit_verify_result res;
	assert_int_equal(db_audit_verify(db, &res, &err), 0);
	assert_int_equal(res.n_found, 0);
	db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_fragment_as_the_rule),
		cmocka_unit_test(test_fragments_spelt_out),
		cmocka_unit_test(test_full_width_folded_as_the_screens_do),
		cmocka_unit_test(test_index_follows_a_correction),
		cmocka_unit_test(test_index_in_the_schema_not_in_the_ledger),
		cmocka_unit_test(test_upgraded_file_indexed),
	};
	int rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
	free(rows);
	return rc;
}
