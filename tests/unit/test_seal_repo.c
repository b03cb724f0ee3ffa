/* Forward-secure sealing on a real database (db/repo/seal_repo, with the
 * key file of core/audit/seal): set-up by a supervisor only and only once;
 * the seals table and the set-up row append-only, epochs one by one; every
 * finished epoch sealed with its own key before it evolves (an empty one
 * too), a day close sealing at once, a kiosk off for many epochs catching up
 * with the key file written once. Then the forgeries, with
 * raw SQL as a tamperer holding the kiosk would (triggers dropped, unkeyed
 * hashes recomputed, the current seal key read from its file):
 *   - a row of a sealed epoch changed and the whole chain rehashed: the seal
 *     of that epoch fails;
 *   - the same, and everything re-sealed with the current key (the class of
 *     CVE-2023-31439): fails, whether the forged seals claim the current
 *     epoch or the old ones;
 *   - the same with every row from the changed one re-dated into the
 *     current epoch and sealed there: the sealed epochs between are missing;
 *   - the seals deleted: the closed days without a seal are reported;
 *   - rows appended after the last seal: reported as the unsealed tail (a
 *     note), and once sealed, rows back-dated into a sealed epoch fail. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit/audit.h"
#include "core/audit/kioskkey.h"
#include "core/audit/seal.h"
#include "core/base/clock.h"
#include "db/db.h"
#include "db/repo/anchor_repo.h"
#include "db/repo/seal_repo.h"
#include "db/repo/staff_repo.h"
#include "tests/unit/testutil.h"

/* 2024-03-01 08:00 +08:00; civil day 19783 */
#define T0 1709251200000LL
#define DAY0 19783L
#define HOUR 3600000LL
#define PIN_CLERK "864209"
#define PIN_SUP "753186"

typedef struct fx {
	char saved[4][512]; /* triggers the tamperer dropped, to put back */
	int n_saved;
	char dir[256];
	char path[320];
	char seal_path[320];
	kdb *db;
	sqlite3 *raw;
	uint8_t k0[SEAL_KEY_LEN];
	seal_params p;
} fx;

static char template_dir[256];
static char template_path[320];

static int group_setup(void **state)
{
	(void)state;
	if (!tu_mkdtemp(template_dir, sizeof template_dir))
		return -1;
	tu_path(template_path, sizeof template_path, template_dir, "template.db");
	clock_set_fixed(T0 - HOUR);
	kerr err = { 0 };
	kdb *db = db_open(template_path, "K01", DB_OPEN_CREATE, &err);
	if (!db)
		return -1;
	int rc = db_staff_add(db, "system", "clerk1", "张三", ROLE_CLERK, PIN_CLERK, &err) ||
		 db_staff_add(db, "system", "sup1", "王五", ROLE_SUPERVISOR, PIN_SUP, &err);
	db_close(db);
	return rc ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	tu_rmrf(template_dir);
	return 0;
}

static int setup(void **state)
{
	fx *f = calloc(1, sizeof *f);
	if (!f || !tu_mkdtemp(f->dir, sizeof f->dir))
		return -1;
	tu_path(f->path, sizeof f->path, f->dir, "kiosk.db");
	tu_path(f->seal_path, sizeof f->seal_path, f->dir, SEAL_FILE);
	kerr err = { 0 };
	kdb *tpl = db_open(template_path, NULL, DB_OPEN_EXISTING, &err);
	if (!tpl)
		return -1;
	int rc = db_backup(tpl, f->path, &err);
	db_close(tpl);
	if (rc)
		return -1;
	f->db = db_open(f->path, "K01", DB_OPEN_EXISTING, &err);
	if (!f->db || sqlite3_open_v2(f->path, &f->raw, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		return -1;
	sqlite3_busy_timeout(f->raw, 5000);
	f->p = (seal_params){ T0, HOUR };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx *f = *state;
	sqlite3_close(f->raw);
	db_close(f->db);
	tu_rmrf(f->dir);
	free(f);
	clock_set_fixed(T0);
	return 0;
}

static void raw(fx *f, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(f->raw, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

static int raw_try(fx *f, const char *sql)
{
	return sqlite3_exec(f->raw, sql, NULL, NULL, NULL);
}

static int64_t raw_int(fx *f, const char *sql)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->raw, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Sealing set up at T0 by sup1, one-hour epochs. */
static void init_ok(fx *f)
{
	clock_set_fixed(T0);
	kerr err = { 0 };
	assert_int_equal(seal_state_create(f->seal_path, &f->p, f->k0, &err), 0);
	seal_state st;
	assert_int_equal(seal_state_load(f->seal_path, &st, &err), 0);
	assert_int_equal(db_seal_init(f->db, "sup1", &st, &err), 0);
	seal_state_wipe(&st);
}

static void rows_at(fx *f, int64_t at_ms, int n)
{
	kerr err = { 0 };
	clock_set_fixed(at_ms);
	for (int i = 0; i < n; i++)
		assert_int_equal(db_audit_append(f->db, "clerk1", AUD_STAFF_LOGIN, "", "seal test", &err),
				 0);
}

static void run_at(fx *f, int64_t now_ms, bool current, seal_run_result *res)
{
	kerr err = { 0 };
	clock_set_fixed(now_ms);
	int rc = db_seal_run(f->db, f->seal_path, now_ms, current, res, &err);
	if (rc != 0)
		fail_msg("db_seal_run: %d %s: %s", rc, err.where, err.msg);
}

/* The usual history: set-up (epoch 0), 3 rows in epoch 1, 2 in epoch 2,
 * sealed at the start of epoch 3, then one row of epoch 3 (the tail). */
static void history(fx *f)
{
	init_ok(f);
	rows_at(f, T0 + HOUR + 60000, 3);
	rows_at(f, T0 + 2 * HOUR + 60000, 2);
	seal_run_result r;
	run_at(f, T0 + 3 * HOUR + 1000, false, &r);
	assert_int_equal(r.seals, 2);
	assert_int_equal(r.from_epoch, 0);
	assert_int_equal(r.to_epoch, 3);
	rows_at(f, T0 + 3 * HOUR + 2000, 1);
}

static int verify(fx *f, bool keyed, seal_verify_result *res)
{
	kerr err = { 0 };
	int rc = db_seal_verify(f->db, keyed ? f->k0 : NULL, keyed ? &f->p : NULL, res, &err);
	if (rc < 0)
		fail_msg("db_seal_verify: %s: %s", err.where, err.msg);
	return rc;
}

static bool has_finding(const seal_verify_result *r, const char *text)
{
	for (size_t i = 0; i < r->n_findings; i++)
		if (strstr(r->findings[i].problem, text))
			return true;
	return false;
}

static void dump(const seal_verify_result *r)
{
	for (size_t i = 0; i < r->n_findings; i++)
		print_message("finding: %s\n", r->findings[i].problem);
}

static void test_not_set_up(void **state)
{
	fx *f = *state;
	seal_verify_result r;
	assert_int_equal(verify(f, false, &r), 0);
	assert_false(r.set_up);
	seal_run_result rr;
	kerr err = { 0 };
	assert_int_equal(db_seal_run(f->db, f->seal_path, T0, true, &rr, &err), 1);
	/* a key given for a file that was never sealed is a finding */
	assert_int_equal(verify(f, true, &r), 1);
	assert_true(has_finding(&r, "no seals"));
}

static void test_history_verifies(void **state)
{
	fx *f = *state;
	history(f);
	seal_verify_result r;
	assert_int_equal(verify(f, true, &r), 0);
	dump(&r);
	assert_true(r.set_up);
	assert_true(r.keyed);
	assert_int_equal(r.n_seals, 3);
	assert_int_equal(r.first_epoch, 0);
	assert_int_equal(r.last_epoch, 2);
	assert_int_equal(r.tail_rows, 1);
	assert_int_equal(r.sealed_to, r.head_seq - 1);
	assert_int_equal(verify(f, false, &r), 0);
	/* the set-up seal covers everything before it, its own seal.init row too */
	assert_int_equal(raw_int(f, "SELECT last_seq FROM seals WHERE epoch = 0"),
			 raw_int(f, "SELECT seq FROM audit WHERE action = 'seal.init'"));
	assert_int_equal(raw_int(f, "SELECT first_seq FROM seals WHERE epoch = 0"), 1);
	/* the key file is at epoch 3 and holds neither k_0 nor k_2 */
	seal_state st;
	kerr err = { 0 };
	assert_int_equal(seal_state_load(f->seal_path, &st, &err), 0);
	assert_int_equal(st.epoch, 3);
	uint8_t k[SEAL_KEY_LEN];
	seal_derive(f->k0, 3, k);
	assert_memory_equal(st.key, k, SEAL_KEY_LEN);
	seal_derive(f->k0, 2, k);
	assert_memory_not_equal(st.key, k, SEAL_KEY_LEN);
	/* a wrong verification key: every seal's tag fails */
	f->k0[0] ^= 1;
	assert_int_equal(verify(f, true, &r), 1);
	assert_int_equal(r.n_findings, 3);
	assert_true(has_finding(&r, "the tag does not verify with the key of epoch 0"));
	assert_true(has_finding(&r, "the tag does not verify with the key of epoch 2"));
}

static void test_init_once_by_a_supervisor(void **state)
{
	fx *f = *state;
	clock_set_fixed(T0);
	kerr err = { 0 };
	seal_state st = { .epoch = 0, .p = f->p };
	assert_int_equal(db_seal_init(f->db, "clerk1", &st, &err), -1);
	assert_non_null(strstr(err.msg, "not an active supervisor"));
	assert_int_equal(db_seal_init(f->db, "nobody", &st, &err), -1);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM seal_setup"), 0);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM seals"), 0);
	init_ok(f);
	assert_int_equal(db_seal_init(f->db, "sup1", &st, &err), -1);
	assert_non_null(strstr(err.msg, "already set up"));
	assert_int_equal(raw_int(f, "SELECT count(*) FROM seals"), 1);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM audit WHERE action = 'seal.init'"), 1);
}

static void test_tables_append_only(void **state)
{
	fx *f = *state;
	history(f);
	assert_int_not_equal(raw_try(f, "UPDATE seals SET at_ms = 0 WHERE id = 1"), SQLITE_OK);
	assert_int_not_equal(raw_try(f, "DELETE FROM seals"), SQLITE_OK);
	assert_int_not_equal(raw_try(f, "UPDATE seal_setup SET interval_ms = 7200000"), SQLITE_OK);
	assert_int_not_equal(raw_try(f, "DELETE FROM seal_setup"), SQLITE_OK);
	/* a seal that overlaps the last, skips rows or goes back an epoch */
	assert_int_not_equal(raw_try(f, "INSERT INTO seals (epoch, first_seq, last_seq, row_count,"
				     " head_hash, at_ms, tag) SELECT 3, last_seq, last_seq + 1, 2,"
				     " zeroblob(32), 0, zeroblob(32) FROM seals ORDER BY id DESC LIMIT 1"),
			     SQLITE_OK);
	assert_int_not_equal(raw_try(f, "INSERT INTO seals (epoch, first_seq, last_seq, row_count,"
				     " head_hash, at_ms, tag) SELECT 1, last_seq + 1, last_seq + 1, 1,"
				     " zeroblob(32), 0, zeroblob(32) FROM seals ORDER BY id DESC LIMIT 1"),
			     SQLITE_OK);
	/* ... or skips an epoch (the last is of epoch 2) */
	assert_int_not_equal(raw_try(f, "INSERT INTO seals (epoch, first_seq, last_seq, row_count,"
				     " head_hash, at_ms, tag) SELECT 4, last_seq + 1, last_seq + 1, 1,"
				     " zeroblob(32), 0, zeroblob(32) FROM seals ORDER BY id DESC LIMIT 1"),
			     SQLITE_OK);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM seals"), 3);
	seal_verify_result r;
	assert_int_equal(verify(f, true, &r), 0);
}

static void test_day_close_seals_at_once(void **state)
{
	fx *f = *state;
	history(f);
	char kp[400];
	tu_path(kp, sizeof kp, f->dir, "kiosk-key.pem");
	kerr err = { 0 };
	kioskkey *key = kioskkey_load_or_create(kp, &err);
	assert_non_null(key);
	anchor_rec a;
	clock_set_fixed(T0 + 3 * HOUR + 5000);
	assert_int_equal(db_day_close(f->db, DAY0, "sup1", key, &a, &err), 0);
	kioskkey_free(key);
	seal_run_result rr;
	run_at(f, T0 + 3 * HOUR + 6000, true, &rr);
	assert_int_equal(rr.seals, 1);
	assert_int_equal(rr.to_epoch, 3);
	/* the anchor's rows, and the row that binds the anchor itself */
	assert_true(rr.sealed_to >= a.last_seq);
	assert_int_equal(rr.sealed_to, raw_int(f, "SELECT seq FROM audit_head"));
	seal_verify_result r;
	assert_int_equal(verify(f, true, &r), 0);
	assert_int_equal(r.tail_rows, 0);
	/* more rows in the same epoch get a second seal of epoch 3 at its end */
	rows_at(f, T0 + 3 * HOUR + 7000, 2);
	run_at(f, T0 + 4 * HOUR, false, &rr);
	assert_int_equal(rr.seals, 1);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM seals WHERE epoch = 3"), 2);
	assert_int_equal(verify(f, true, &r), 0);
}

static void test_catch_up_after_many_epochs(void **state)
{
	fx *f = *state;
	init_ok(f);
	rows_at(f, T0 + HOUR + 1, 2);
	rows_at(f, T0 + 40 * HOUR + 1, 1);
	seal_run_result rr;
	run_at(f, T0 + 500 * HOUR, false, &rr);
	/* every ended epoch sealed, 1 to 499, the empty ones with no rows */
	assert_int_equal(rr.seals, 499);
	assert_int_equal(rr.to_epoch, 500);
	assert_int_equal(raw_int(f, "SELECT count(*) = 500 AND min(epoch) = 0 AND max(epoch) = 499"
				    " FROM seals"), 1);
	assert_int_equal(raw_int(f, "SELECT group_concat(epoch) = '0,1,40' FROM seals"
				    " WHERE row_count > 0"), 1);
	/* the key file is written once, at the end: k_500 */
	seal_state st;
	kerr err = { 0 };
	uint8_t k[SEAL_KEY_LEN];
	assert_int_equal(seal_state_load(f->seal_path, &st, &err), 0);
	assert_int_equal(seal_derive(f->k0, 500, k), 0);
	assert_memory_equal(st.key, k, SEAL_KEY_LEN);
	/* a run in the same epoch writes nothing */
	run_at(f, T0 + 500 * HOUR + 5, false, &rr);
	assert_int_equal(rr.seals, 0);
	seal_verify_result r;
	assert_int_equal(verify(f, true, &r), 0);
	assert_int_equal(r.tail_rows, 0);
}

/* A trigger out of the tamperer's way, its SQL kept to put it back: the
 * ledger binds the schema's rows, so a trigger left dropped is itself seen. */
static void drop_trigger(fx *f, const char *name)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->raw, "SELECT sql FROM sqlite_schema WHERE"
					    " type = 'trigger' AND name = ?1", -1, &st, NULL),
			 SQLITE_OK);
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		assert_true(f->n_saved < 4);
		snprintf(f->saved[f->n_saved++], sizeof f->saved[0], "%s",
			 (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	char sql[160];
	snprintf(sql, sizeof sql, "DROP TRIGGER IF EXISTS %s", name);
	raw(f, sql);
}

static void put_triggers_back(fx *f)
{
	for (int i = 0; i < f->n_saved; i++)
		raw(f, f->saved[i]);
	f->n_saved = 0;
}

/* The tamperer's tool: recompute every row's prev and hash (unkeyed SHA-256,
 * as anyone can) and move the head, triggers dropped and put back. */
static void rehash_chain(fx *f)
{
	drop_trigger(f, "audit_no_update");
	drop_trigger(f, "audit_head_only_advances");
	sqlite3_stmt *st = NULL, *up = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->raw, "SELECT seq, at_ms, actor, action, case_no,"
					    " detail FROM audit ORDER BY seq", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(f->raw, "UPDATE audit SET prev = ?1, hash = ?2"
					    " WHERE seq = ?3", -1, &up, NULL),
			 SQLITE_OK);
	audit_hasher *h = audit_hasher_new();
	uint8_t prev[AUDIT_HASH_LEN] = { 0 }, hash[AUDIT_HASH_LEN];
	raw(f, "BEGIN");
	while (sqlite3_step(st) == SQLITE_ROW) {
		audit_row r = { sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
				(const char *)sqlite3_column_text(st, 2),
				(const char *)sqlite3_column_text(st, 3),
				(const char *)sqlite3_column_text(st, 4),
				(const char *)sqlite3_column_text(st, 5), { 0 } };
		memcpy(r.prev, prev, AUDIT_HASH_LEN);
		assert_int_equal(audit_hash(h, &r, hash), 0);
		sqlite3_bind_blob(up, 1, prev, AUDIT_HASH_LEN, SQLITE_TRANSIENT);
		sqlite3_bind_blob(up, 2, hash, AUDIT_HASH_LEN, SQLITE_TRANSIENT);
		sqlite3_bind_int64(up, 3, r.seq);
		assert_int_equal(sqlite3_step(up), SQLITE_DONE);
		sqlite3_reset(up);
		memcpy(prev, hash, AUDIT_HASH_LEN);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(up);
	audit_hasher_free(h);
	raw(f, "UPDATE audit_head SET hash = (SELECT hash FROM audit ORDER BY seq DESC LIMIT 1)");
	raw(f, "COMMIT");
	put_triggers_back(f);
}

/* A row of epoch 1 changed (its detail) and the chain rehashed. */
static int64_t forge_epoch1_row(fx *f)
{
	int64_t seq = raw_int(f, "SELECT MIN(first_seq) FROM seals WHERE epoch = 1");
	char sql[160];
	drop_trigger(f, "audit_no_update");
	snprintf(sql, sizeof sql, "UPDATE audit SET detail = 'forged' WHERE seq = %lld",
		 (long long)seq);
	raw(f, sql);
	rehash_chain(f);
	audit_verify_result ar;
	kerr err = { 0 };
	assert_int_equal(db_audit_verify(f->db, &ar, &err), 0); /* the chain alone passes */
	return seq;
}

static void test_forgery_rehashed_chain_fails_its_seal(void **state)
{
	fx *f = *state;
	history(f);
	forge_epoch1_row(f);
	seal_verify_result r;
	assert_int_equal(verify(f, true, &r), 1);
	dump(&r);
	assert_true(has_finding(&r, "seal 2 (epoch 1): the chain's hash at row"));
	/* the structure alone sees it too: the seals' head hashes no longer match */
	assert_int_equal(verify(f, false, &r), 1);
	/* and with the seals' head hashes rewritten to the forged chain, the tags fail */
	raw(f, "DROP TRIGGER seals_no_update;"
	       " UPDATE seals SET head_hash = (SELECT hash FROM audit WHERE seq = seals.last_seq)");
	assert_int_equal(verify(f, true, &r), 1);
	assert_true(has_finding(&r, "(epoch 1, rows"));
	assert_true(has_finding(&r, "the tag does not verify with the key of epoch 1"));
	/* which only the key can tell: without it this forgery passes */
	assert_int_equal(verify(f, false, &r), 0);
}

/* Every seal deleted and the whole log sealed again with the current key,
 * read from the kiosk's own key file (what an attacker holding the kiosk
 * has). claim_old: the forged seals carry the old epochs' numbers. */
static void reseal_with_current_key(fx *f, bool claim_old)
{
	kerr err = { 0 };
	seal_state cur;
	assert_int_equal(seal_state_load(f->seal_path, &cur, &err), 0);
	assert_int_equal(cur.epoch, 3);
	raw(f, "DROP TRIGGER seals_no_delete; DROP TRIGGER seals_in_order; DELETE FROM seals");
	sqlite3_stmt *ins = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->raw, "INSERT INTO seals (epoch, first_seq, last_seq,"
					    " row_count, head_hash, at_ms, tag) VALUES (?1, ?2, ?3,"
					    " ?4, ?5, ?6, ?7)", -1, &ins, NULL),
			 SQLITE_OK);
	int64_t head = raw_int(f, "SELECT seq FROM audit_head");
	/* claim_old: one forged seal per epoch of the rows; else one of epoch 3 */
	int64_t ranges[4][3] = { { 0, 1, 0 }, { 1, 0, 0 }, { 2, 0, 0 }, { 3, 0, 0 } };
	int n_ranges = 0;
	if (claim_old) {
		for (int64_t e = 0; e <= 3; e++) {
			char sql[200];
			snprintf(sql, sizeof sql, "SELECT COALESCE(MAX(seq), 0) FROM audit WHERE at_ms < %lld",
				 (long long)(T0 + (e + 1) * HOUR));
			int64_t last = raw_int(f, sql);
			int64_t first = n_ranges ? ranges[n_ranges - 1][2] + 1 : 1;
			if (last >= first) {
				ranges[n_ranges][0] = e;
				ranges[n_ranges][1] = first;
				ranges[n_ranges][2] = last;
				n_ranges++;
			}
		}
	} else {
		ranges[0][0] = 3;
		ranges[0][1] = 1;
		ranges[0][2] = head;
		n_ranges = 1;
	}
	for (int i = 0; i < n_ranges; i++) {
		seal_record r = { .epoch = ranges[i][0], .first_seq = ranges[i][1],
				  .last_seq = ranges[i][2],
				  .row_count = ranges[i][2] - ranges[i][1] + 1,
				  .at_ms = T0 + 3 * HOUR + 9000, .kiosk_id = "K01" };
		char sql[120];
		snprintf(sql, sizeof sql, "SELECT hash FROM audit WHERE seq = %lld",
			 (long long)r.last_seq);
		sqlite3_stmt *h = NULL;
		assert_int_equal(sqlite3_prepare_v2(f->raw, sql, -1, &h, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(h), SQLITE_ROW);
		memcpy(r.head, sqlite3_column_blob(h, 0), AUDIT_HASH_LEN);
		sqlite3_finalize(h);
		uint8_t tag[SEAL_TAG_LEN];
		assert_int_equal(seal_tag(cur.key, &r, tag), 0);
		sqlite3_bind_int64(ins, 1, r.epoch);
		sqlite3_bind_int64(ins, 2, r.first_seq);
		sqlite3_bind_int64(ins, 3, r.last_seq);
		sqlite3_bind_int64(ins, 4, r.row_count);
		sqlite3_bind_blob(ins, 5, r.head, AUDIT_HASH_LEN, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins, 6, r.at_ms);
		sqlite3_bind_blob(ins, 7, tag, SEAL_TAG_LEN, SQLITE_TRANSIENT);
		assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
		sqlite3_reset(ins);
	}
	sqlite3_finalize(ins);
	seal_state_wipe(&cur);
}

static void test_forgery_resealed_with_current_key_fails(void **state)
{
	fx *f = *state;
	history(f);
	forge_epoch1_row(f);
	reseal_with_current_key(f, false);
	seal_verify_result r;
	/* its tag is good (the current key made it), but it seals rows of
	 * epochs 0-2 as if written in epoch 3 */
	assert_int_equal(verify(f, true, &r), 1);
	dump(&r);
	assert_int_equal(r.n_findings, 2);
	assert_true(has_finding(&r, "is sealed in epoch 3"));
	assert_true(has_finding(&r, "not the set-up seal of epoch 0"));
	assert_false(has_finding(&r, "tag"));
	/* the structure alone catches this shape too (the epochs come from the
	 * set-up row, which the attacker may also change: see the next test) */
	assert_int_equal(verify(f, false, &r), 1);
}

static void test_forgery_resealed_claiming_old_epochs_fails(void **state)
{
	fx *f = *state;
	history(f);
	forge_epoch1_row(f);
	reseal_with_current_key(f, true);
	seal_verify_result r;
	assert_int_equal(verify(f, true, &r), 1);
	dump(&r);
	/* epochs 0, 1 and 2 are not the current key's: their tags fail; the
	 * epoch-3 seal is the attacker's to make, and passes */
	assert_true(has_finding(&r, "the tag does not verify with the key of epoch 0"));
	assert_true(has_finding(&r, "the tag does not verify with the key of epoch 1"));
	assert_true(has_finding(&r, "the tag does not verify with the key of epoch 2"));
	assert_false(has_finding(&r, "key of epoch 3"));
	/* without the verification key nothing is wrong to see */
	assert_int_equal(verify(f, false, &r), 0);
}

/* The shrewdest forgery with the current key: the set-up seal kept, a row of
 * epoch 1 changed, every row from it on re-dated into the current epoch 3
 * (so each row lies in its seal's epoch), the chain rehashed, the later
 * seals deleted and one seal of epoch 3 made with k_3. Tag and epochs pass;
 * the epochs 1 and 2, which were sealed and cannot be sealed again, are
 * missing. */
static void test_forgery_redated_into_current_epoch_fails(void **state)
{
	fx *f = *state;
	history(f);
	int64_t from = raw_int(f, "SELECT MIN(first_seq) FROM seals WHERE epoch = 1");
	char sql[200];
	drop_trigger(f, "audit_no_update");
	snprintf(sql, sizeof sql, "UPDATE audit SET detail = 'forged' WHERE seq = %lld;"
		 " UPDATE audit SET at_ms = %lld WHERE seq >= %lld", (long long)from,
		 (long long)(T0 + 3 * HOUR + 5000), (long long)from);
	raw(f, sql);
	rehash_chain(f);
	kerr err = { 0 };
	seal_state cur;
	assert_int_equal(seal_state_load(f->seal_path, &cur, &err), 0);
	raw(f, "DROP TRIGGER seals_no_delete; DROP TRIGGER seals_in_order;"
	       " DELETE FROM seals WHERE epoch > 0");
	int64_t head = raw_int(f, "SELECT seq FROM audit_head");
	seal_record r = { .epoch = 3, .first_seq = from, .last_seq = head,
			  .row_count = head - from + 1, .at_ms = T0 + 3 * HOUR + 9000,
			  .kiosk_id = "K01" };
	sqlite3_stmt *h = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->raw, "SELECT hash FROM audit ORDER BY seq DESC LIMIT 1",
					    -1, &h, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(h), SQLITE_ROW);
	memcpy(r.head, sqlite3_column_blob(h, 0), AUDIT_HASH_LEN);
	sqlite3_finalize(h);
	uint8_t tag[SEAL_TAG_LEN];
	assert_int_equal(seal_tag(cur.key, &r, tag), 0);
	seal_state_wipe(&cur);
	sqlite3_stmt *ins = NULL;
	assert_int_equal(sqlite3_prepare_v2(f->raw, "INSERT INTO seals (epoch, first_seq, last_seq,"
					    " row_count, head_hash, at_ms, tag) VALUES (3, ?1, ?2, ?3,"
					    " ?4, ?5, ?6)", -1, &ins, NULL), SQLITE_OK);
	sqlite3_bind_int64(ins, 1, r.first_seq);
	sqlite3_bind_int64(ins, 2, r.last_seq);
	sqlite3_bind_int64(ins, 3, r.row_count);
	sqlite3_bind_blob(ins, 4, r.head, AUDIT_HASH_LEN, SQLITE_TRANSIENT);
	sqlite3_bind_int64(ins, 5, r.at_ms);
	sqlite3_bind_blob(ins, 6, tag, SEAL_TAG_LEN, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
	sqlite3_finalize(ins);
	seal_verify_result res;
	assert_int_equal(verify(f, true, &res), 1);
	dump(&res);
	assert_int_equal(res.n_findings, 1);
	assert_true(has_finding(&res, "no seal for epochs 1..2 (seal 2 is of epoch 3)"));
	/* the gap is plain without the key as well */
	assert_int_equal(verify(f, false, &res), 1);
}

static void test_deleted_seals_report_closed_days(void **state)
{
	fx *f = *state;
	history(f);
	char kp[400];
	tu_path(kp, sizeof kp, f->dir, "kiosk-key.pem");
	kerr err = { 0 };
	kioskkey *key = kioskkey_load_or_create(kp, &err);
	anchor_rec a;
	clock_set_fixed(T0 + 3 * HOUR + 5000);
	assert_int_equal(db_day_close(f->db, DAY0, "sup1", key, &a, &err), 0);
	kioskkey_free(key);
	seal_run_result rr;
	run_at(f, T0 + 3 * HOUR + 6000, true, &rr);
	raw(f, "DROP TRIGGER seals_no_delete; DELETE FROM seals");
	seal_verify_result r;
	assert_int_equal(verify(f, false, &r), 1);
	dump(&r);
	char want[80];
	snprintf(want, sizeof want, "the day closed at row %lld (day %ld) has no seal",
		 (long long)a.last_seq, DAY0);
	assert_true(has_finding(&r, want));
	assert_true(has_finding(&r, "not a single seal"));
	assert_int_equal(verify(f, true, &r), 1);
	assert_true(has_finding(&r, want));
	/* and with the set-up row gone too, the seal.init row in the chain tells */
	raw(f, "DROP TRIGGER seal_setup_no_delete; DELETE FROM seal_setup");
	assert_int_equal(verify(f, false, &r), 1);
	assert_true(has_finding(&r, "seal set-up row is missing"));
	assert_true(has_finding(&r, want));
}

static void test_rows_after_last_seal_are_the_tail(void **state)
{
	fx *f = *state;
	history(f);
	/* appended with correctly computed (unkeyed) hashes: the chain holds */
	rows_at(f, T0 + 3 * HOUR + 3000, 2);
	/* and back-dated into sealed epoch 1 */
	rows_at(f, T0 + HOUR + 120000, 1);
	audit_verify_result ar;
	kerr err = { 0 };
	assert_int_equal(db_audit_verify(f->db, &ar, &err), 0);
	seal_verify_result r;
	assert_int_equal(verify(f, true, &r), 0);
	assert_int_equal(r.tail_rows, 4);
	assert_int_equal(r.sealed_to, ar.head_seq - 4);
	/* once the kiosk seals them (epoch 3 ends), the back-dated row shows */
	seal_run_result rr;
	run_at(f, T0 + 4 * HOUR + 1, false, &rr);
	assert_int_equal(verify(f, true, &r), 1);
	char want[80];
	snprintf(want, sizeof want, "row %lld was written in epoch 1 but is sealed in epoch 3",
		 (long long)ar.head_seq);
	assert_true(has_finding(&r, want));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_not_set_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_verifies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_once_by_a_supervisor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tables_append_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_day_close_seals_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_catch_up_after_many_epochs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forgery_rehashed_chain_fails_its_seal, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_forgery_resealed_with_current_key_fails, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_forgery_resealed_claiming_old_epochs_fails,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_forgery_redated_into_current_epoch_fails, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_deleted_seals_report_closed_days, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rows_after_last_seal_are_the_tail, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
