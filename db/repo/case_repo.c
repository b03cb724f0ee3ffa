/* case_repo: opening cases, recording their steps, cancelling, reading back.
 * A step is checked against casefsm *inside* the write transaction, on the
 * case's last_step and decision as stored, so two screens or a replay after a
 * crash cannot both record it. Step details are written as canonical text
 * (JSON with keys in a fixed order, materials in the service's order) which
 * is both the case_steps.detail and the audit row's detail. */
#include "db/repo/case_repo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/base/civil.h"
#include "db/audit_log.h"
#include "db/store.h"
#include "db/repo/token_repo.h"

/* The party's columns come from its table (core/case/party.h), in its order. */
#define PARTY_COL(e, word, col, size, type) ", " #col
#define CASE_COLS                                                        \
	"id, case_no, service_id, clerk_id, status, last_step, decision" \
	PARTY_FIELDS(PARTY_COL) ", holder, years, seals, fee_fen,"       \
	" rongque_deadline, created_ms, updated_ms"
enum {
	COL_PARTY = 7,                 /* the first party column */
	COL_HOLDER = COL_PARTY + PF_COUNT,
	COL_YEARS,
	COL_SEALS,
	COL_FEE,
	COL_DEADLINE,
	COL_CREATED,
	COL_UPDATED,
};

static void case_from_row(sqlite3_stmt *st, case_rec *c)
{
	memset(c, 0, sizeof *c);
	c->id = sqlite3_column_int64(st, 0);
	dbi_copy(c->case_no, sizeof c->case_no, (const char *)sqlite3_column_text(st, 1));
	dbi_copy(c->service_id, sizeof c->service_id, (const char *)sqlite3_column_text(st, 2));
	dbi_copy(c->clerk_id, sizeof c->clerk_id, (const char *)sqlite3_column_text(st, 3));
	int v = case_status_from_name((const char *)sqlite3_column_text(st, 4));
	c->status = v < 0 ? CS_OPEN : (case_status)v;
	const char *ls = (const char *)sqlite3_column_text(st, 5);
	v = (ls && strcmp(ls, "none") != 0) ? case_step_from_name(ls) : -1;
	c->last_step = v < 0 ? STEP_NONE : (case_step)v;
	v = case_decision_from_name((const char *)sqlite3_column_text(st, 6));
	c->decision = v < 0 ? DEC_NONE : (case_decision)v;
	for (int f = 0; f < PF_COUNT; f++)
		party_set(&c->party, (party_field)f,
			  (const char *)sqlite3_column_text(st, COL_PARTY + f));
	dbi_copy(c->holder, sizeof c->holder, (const char *)sqlite3_column_text(st, COL_HOLDER));
	c->years = sqlite3_column_int(st, COL_YEARS);
	c->seals = sqlite3_column_int(st, COL_SEALS);
	c->fee_fen = sqlite3_column_int64(st, COL_FEE);
	c->rongque_deadline = sqlite3_column_type(st, COL_DEADLINE) == SQLITE_NULL
				      ? -1
				      : (long)sqlite3_column_int64(st, COL_DEADLINE);
	c->created_ms = sqlite3_column_int64(st, COL_CREATED);
	c->updated_ms = sqlite3_column_int64(st, COL_UPDATED);
}

static void case_fill(sqlite3_stmt *st, void *p)
{
	case_from_row(st, p);
}

/* 0 found, 1 none, -1 error. */
static int read_case(kdb *db, const char *case_no, case_rec *out, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db, "SELECT " CASE_COLS " FROM cases WHERE case_no = ?1", err);
	if (st)
		sqlite3_bind_text(st, 1, case_no, -1, SQLITE_STATIC);
	return dbi_one(db, st, case_fill, out, "reading a case", err);
}

int db_case_get(kdb *db, const char *case_no, case_rec *out, kerr *err)
{
	return read_case(db, case_no ? case_no : "", out, err);
}

/* The case a step is recorded or corrected in: it exists, is of svc and is not
 * cancelled (when_cancelled: what the clerk does then). 0, or -1 with err. */
static int read_live_case(kdb *db, const char *case_no, const service *svc, case_rec *c,
			  const char *when_cancelled, kerr *err)
{
	int rc = read_case(db, case_no, c, err);
	if (rc < 0)
		return -1;
	if (rc == 1)
		return kerr_set(err, case_no, "no such case");
	if (strcmp(c->service_id, svc->id) != 0)
		return kerr_set(err, case_no, "the case is for service %s, not %s", c->service_id, svc->id);
	if (c->status == CS_CANCELLED)
		return kerr_set(err, case_no, "the case was cancelled: %s", when_cancelled);
	return 0;
}

int db_case_open(kdb *db, const service *svc, const char *clerk_id, case_rec *out, kerr *err)
{
	if (!svc || !svc->id || !*svc->id || strlen(svc->id) >= sizeof out->service_id)
		return kerr_set(err, "case", "opening a case needs a service from the catalog");
	if (!clerk_id || !*clerk_id)
		return kerr_set(err, "case", "opening a case needs the clerk's id");
	if (dbi_op_begin(db, err))
		return -1;
	dbuf d = { 0 };
	sqlite3_stmt *st = dbi_stmt(db, "SELECT active FROM staff WHERE id = ?1", err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, clerk_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int active = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		dbi_sqlerr(db, err, "looking up the clerk");
		goto fail;
	}
	if (!active) {
		kerr_set(err, "case", "no active staff member '%s' to open the case", clerk_id);
		goto fail;
	}

	int64_t now = clock_now_ms();
	long day = clock_local_day(now);
	/* a closed day takes no new case: its anchor has signed its counts
	 * (day anchors exist from schema v4 on) */
	st = db_schema_version(db) >= 4
		     ? dbi_stmt(db, "SELECT closed_by FROM day_anchors WHERE day = ?1", err)
		     : dbi_stmt(db, "SELECT '' WHERE 0 AND ?1", err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, day);
	rc = sqlite3_step(st);
	char closer[33] = "";
	if (rc == SQLITE_ROW)
		dbi_copy(closer, sizeof closer, (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc == SQLITE_ROW) {
		kerr_set(err, "case", "the day is closed (by %s): no new case can be opened today",
			 closer);
		goto fail;
	}
	if (rc != SQLITE_DONE) {
		dbi_sqlerr(db, err, "looking for the day's close");
		goto fail;
	}
	st = dbi_stmt(db,
		      "SELECT COALESCE(MAX(day_seq), 0) FROM cases WHERE kiosk_id = ?1 AND day = ?2",
		      err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, db->kiosk_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, day);
	rc = sqlite3_step(st);
	long n = rc == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) + 1 : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		dbi_sqlerr(db, err, "numbering the case");
		goto fail;
	}
	if (n > 9999) {
		kerr_set(err, "case", "this kiosk has opened 9999 cases today, the most a day can "
				      "number; continue tomorrow or at another kiosk");
		goto fail;
	}
	int y, m, dd;
	civil_to_ymd(day, &y, &m, &dd);
	/* kiosk id <= 24, so <kiosk>-YYYYMMDD-NNNN fits case_rec.case_no[40] */
	char case_no[96];
	snprintf(case_no, sizeof case_no, "%s-%04d%02d%02d-%04d", db->kiosk_id, y % 10000, m, dd,
		 (int)n);

	st = dbi_stmt(db,
		      "INSERT INTO cases (case_no, kiosk_id, day, day_seq, service_id, clerk_id,"
		      " created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
		      err);
	if (!st)
		goto fail;
	sqlite3_bind_text(st, 1, case_no, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, db->kiosk_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, day);
	sqlite3_bind_int64(st, 4, n);
	sqlite3_bind_text(st, 5, svc->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, clerk_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, now);
	if (dbi_step_done(db, st, "opening the case", err))
		goto fail;
	int64_t id = sqlite3_last_insert_rowid(db->h);

	dbuf_add(&d, "{");
	dbuf_kv(&d, "service", svc->id);
	dbuf_kv(&d, "clerk", clerk_id);
	dbuf_add(&d, "}");
	const char *detail = dbuf_done(&d, err);
	if (!detail || dbi_audit_append(db, clerk_id, AUD_CASE_OPEN, case_no, detail, err))
		goto fail;
	dbuf_free(&d);
	if (dbi_op_commit(db, err))
		return -1;
	if (out) {
		memset(out, 0, sizeof *out);
		out->id = id;
		dbi_copy(out->case_no, sizeof out->case_no, case_no);
		dbi_copy(out->service_id, sizeof out->service_id, svc->id);
		dbi_copy(out->clerk_id, sizeof out->clerk_id, clerk_id);
		out->status = CS_OPEN;
		out->last_step = STEP_NONE;
		out->decision = DEC_NONE;
		out->rongque_deadline = -1;
		out->created_ms = out->updated_ms = now;
	}
	return 0;
fail:
	dbuf_free(&d);
	dbi_op_rollback(db);
	return -1;
}

/* ---- step input checks and canonical detail text ---- */

/* A fixed-size field of the caller's case_rec: terminated within its array. */
static bool field_ok(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* One text field of the details: fits its array, UTF-8 without control
 * characters or characters that hide or reorder text (named when found), and
 * when not free text (a name) only ASCII without spaces. */
static int check_field(const char *name, const char *v, size_t size, bool text, kerr *err)
{
	if (!field_ok(v, size))
		return kerr_set(err, name, "is longer than %zu bytes", size - 1);
	if (dbi_check_hidden(name, v, err))
		return -1;
	if (dbi_utf8_chars(v) < 0)
		return kerr_set(err, name,
				"holds a control character or bytes that are not UTF-8 text");
	if (!text)
		for (const char *p = v; *p; p++)
			if ((unsigned char)*p >= 0x80 || *p == ' ')
				return kerr_set(err, name,
						"may hold only letters, digits and "
						"punctuation (no spaces)");
	return 0;
}

static int check_details(const service *svc, const case_rec *c, kerr *err)
{
	if (!c)
		return kerr_set(err, "details", "the details step needs the party details");
	for (int i = 0; i < PF_COUNT; i++) {
		party_field f = (party_field)i;
		if (check_field(party_field_name(f), party_get(&c->party, f), party_field_size(f),
				party_field_is_text(f), err) < 0)
			return -1;
	}
	if (check_field("holder", c->holder, sizeof c->holder, false, err) < 0)
		return -1;
	if (c->years < 0 || c->years > 99 || c->seals < 0 || c->seals > 99)
		return kerr_set(err, "details", "years (%d) and seals (%d) must be 0 to 99",
				c->years, c->seals);
	if (c->fee_fen < 0)
		return kerr_set(err, "fee_fen", "the fee cannot be negative (%lld)",
				(long long)c->fee_fen);
	if (c->holder[0] && svc->platform) {
		bool found = false;
		for (size_t i = 0; i < svc->platform->n_holders; i++)
			if (svc->platform->holders[i].id &&
			    strcmp(svc->platform->holders[i].id, c->holder) == 0)
				found = true;
		if (!found)
			return kerr_set(err, "holder", "holder type '%s' is not one of platform %s's",
					c->holder, svc->platform->id ? svc->platform->id : "?");
	}
	return 0;
}

static void detail_details(dbuf *d, const case_rec *c)
{
	for (int f = 0; f < PF_COUNT; f++)
		dbuf_kv(d, party_field_name((party_field)f), party_get(&c->party, (party_field)f));
	dbuf_kv(d, "holder", c->holder);
	dbuf_ki(d, "years", c->years);
	dbuf_ki(d, "seals", c->seals);
	dbuf_ki(d, "fee_fen", c->fee_fen);
}

/* The marks a decision can store: MARK_UNSET is a material not yet marked. */
static bool mark_storable(material_mark m)
{
	return m == MARK_RECEIVED || m == MARK_MISSING || m == MARK_DEFECTIVE;
}

/* The caller's decisions in the service's order (order[i] indexes data). */
static int check_materials(const service *svc, const case_step_data *data, size_t *order,
			   kerr *err)
{
	if (data->n_materials && !data->materials)
		return kerr_set(err, "materials", "no material decisions given");
	if (data->n_materials != svc->n_materials)
		return kerr_set(err, "materials",
				"service %s has %zu materials but %zu were marked: mark every "
				"material once",
				svc->id, svc->n_materials, data->n_materials);
	for (size_t i = 0; i < svc->n_materials; i++) {
		const material *m = svc->materials[i].material;
		if (!m || !m->id)
			return kerr_set(err, "materials", "service %s has a material without id",
					svc->id);
		size_t hits = 0;
		for (size_t j = 0; j < data->n_materials; j++) {
			const char *id = data->materials[j].material_id;
			if (id && strcmp(id, m->id) == 0) {
				order[i] = j;
				hits++;
			}
		}
		if (hits != 1)
			return kerr_set(err, m->id,
					hits ? "is marked %zu times: mark it once"
					     : "is not marked (%zu marks): mark every material of the "
					       "service",
					hits);
		const material_decision *md = &data->materials[order[i]];
		material_mark mk = md->mark;
		if (!mark_storable(mk))
			return kerr_set(err, m->id,
					"mark '%s' is not one of received, missing, defective",
					material_mark_name(mk));
		const char *reason = md->reason ? md->reason : "";
		if (mk == MARK_DEFECTIVE && !*reason)
			return kerr_set(err, m->id,
					"is marked defective without a reason: say what is wrong "
					"with it (it goes on the one-time notice)");
		if (mk != MARK_DEFECTIVE && *reason)
			return kerr_set(err, m->id, "a reason is only given for a defective material");
		if (dbi_utf8_chars(reason) < 0)
			return kerr_set(err, m->id,
					"the reason holds a control character or is not UTF-8 text");
		if ((md->essential != 0) != svc->materials[i].essential)
			return kerr_set(err, m->id,
					"is marked %sessential but the catalog says it is %sessential",
					md->essential ? "" : "not ", svc->materials[i].essential ? "" : "not ");
	}
	return 0;
}

/* How a step reaches the store: recorded (db_case_step) or corrected
 * (db_case_correct). The writes both share take it. */
typedef enum { WRITE_RECORD, WRITE_CORRECT } step_write;

/* The checks of a step's data that need no database, the same for recording
 * and correcting it: the details' fields, or the materials' marks, whose
 * places in the service's list go to *order (the caller frees it; NULL for
 * the other steps). */
static int check_step_input(const service *svc, const char *case_no, case_step step,
			    const case_step_data *data, size_t **order, kerr *err)
{
	*order = NULL;
	if (step == STEP_DETAILS)
		return check_details(svc, data->details, err) ? -1 : 0;
	if (step != STEP_MATERIALS)
		return 0;
	*order = calloc(svc->n_materials ? svc->n_materials : 1, sizeof **order);
	if (!*order)
		return kerr_set(err, case_no, "out of memory");
	if (check_materials(svc, data, *order, err)) {
		free(*order);
		*order = NULL;
		return -1;
	}
	return 0;
}

static void detail_materials(dbuf *d, const service *svc, const case_step_data *data,
			     const size_t *order)
{
	const material_mark in_order[] = { MARK_RECEIVED, MARK_MISSING, MARK_DEFECTIVE };
	for (size_t k = 0; k < sizeof in_order / sizeof *in_order; k++) {
		material_mark mk = in_order[k];
		dbuf_add(d, d->len > 1 ? "," : "");
		dbuf_json(d, material_mark_name(mk));
		dbuf_add(d, mk == MARK_DEFECTIVE ? ":{" : ":[");
		for (size_t i = 0; i < svc->n_materials; i++) {
			const material_decision *md = &data->materials[order[i]];
			if (md->mark != mk)
				continue;
			if (mk == MARK_DEFECTIVE) {
				dbuf_kv(d, md->material_id, md->reason);
			} else {
				if (d->p[d->len - 1] != '[')
					dbuf_add(d, ",");
				dbuf_json(d, md->material_id);
			}
		}
		dbuf_add(d, mk == MARK_DEFECTIVE ? "}" : "]");
	}
}


/* One row per material of svc, in the service's order, within the caller's
 * db operation (so the ledger binds every row): recording inserts each with
 * the service's essential flag; a correction changes only the mark and the
 * reason, so the flag stays what intake recorded. The statements are static
 * literals: the statement cache is keyed by their address. */
static int put_materials(kdb *db, step_write how, int64_t case_id, const service *svc,
			 const case_step_data *data, const size_t *order, kerr *err)
{
	static const char *const sql[] = {
		[WRITE_RECORD] = "INSERT INTO material_decisions (case_id, material_id, mark,"
				 " reason, essential) VALUES (?1, ?2, ?3, ?4, ?5)",
		[WRITE_CORRECT] = "UPDATE material_decisions SET mark = ?3, reason = ?4"
				  " WHERE case_id = ?1 AND material_id = ?2",
	};
	static const char *const doing[] = {
		[WRITE_RECORD] = "recording the materials",
		[WRITE_CORRECT] = "correcting the materials",
	};
	sqlite3_stmt *st = dbi_stmt(db, sql[how], err);
	if (!st)
		return -1;
	for (size_t i = 0; i < svc->n_materials; i++) {
		const material_decision *md = &data->materials[order[i]];
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, case_id);
		sqlite3_bind_text(st, 2, md->material_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, material_mark_name(md->mark), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, md->reason ? md->reason : "", -1, SQLITE_STATIC);
		if (how == WRITE_RECORD)
			sqlite3_bind_int(st, 5, svc->materials[i].essential ? 1 : 0);
		if (dbi_step_done(db, st, doing[how], err))
			return -1;
	}
	return 0;
}

/* The decision must fit the materials recorded for the case. */
static int check_decision(kdb *db, const service *svc, int64_t case_id,
			  const case_step_data *data, kerr *err)
{
	case_decision dec = data->decision;
	if (!case_decision_allowed(svc, dec))
		return kerr_set(err, "decision", "decision '%s' is not possible for service %s",
				case_decision_name(dec), svc->id);
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT material_id, mark, essential FROM material_decisions"
				    " WHERE case_id = ?1 ORDER BY rowid",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, case_id);
	long bad = 0;
	char essential_bad[64] = "";
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (material_mark_from_name((const char *)sqlite3_column_text(st, 1)) == MARK_RECEIVED)
			continue;
		bad++;
		if (sqlite3_column_int(st, 2) && !essential_bad[0])
			dbi_copy(essential_bad, sizeof essential_bad,
				 (const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "reading the materials");
	if (dec == DEC_ACCEPT && bad > 0)
		return kerr_set(err, "decision",
				"受理 needs every material received, but %ld are missing or "
				"defective: take 容缺受理 or 不予受理 with the one-time notice",
				bad);
	if (dec == DEC_RONGQUE) {
		if (bad == 0)
			return kerr_set(err, "decision",
					"nothing is missing, so there is nothing to accept 容缺: "
					"accept the case (受理)");
		if (essential_bad[0])
			return kerr_set(err, "decision",
					"essential material %s is missing or defective: 容缺受理 is "
					"not possible, refuse with the one-time notice",
					essential_bad);
		if (data->rongque_deadline < clock_today())
			return kerr_set(err, "rongque_deadline",
					"the deadline to supplement the material must be today or "
					"later");
	}
	return 0;
}

/* The decision and its 容缺 deadline on the case c, once check_decision
 * passes, within the caller's db operation. A correction also sets the
 * status the decision gives; recording leaves that to the step's advance.
 * c follows what is written. */
static int put_decision(kdb *db, step_write how, const service *svc, case_rec *c,
			const case_step_data *data, kerr *err)
{
	static const char *const sql[] = {
		[WRITE_RECORD] = "UPDATE cases SET decision = ?2, rongque_deadline = ?3 WHERE id = ?1",
		[WRITE_CORRECT] = "UPDATE cases SET decision = ?2, rongque_deadline = ?3,"
				  " status = ?4 WHERE id = ?1",
	};
	static const char *const doing[] = {
		[WRITE_RECORD] = "recording the decision",
		[WRITE_CORRECT] = "correcting the decision",
	};
	if (check_decision(db, svc, c->id, data, err))
		return -1;
	sqlite3_stmt *st = dbi_stmt(db, sql[how], err);
	if (!st)
		return -1;
	case_status status = case_status_after(STEP_DECISION, data->decision, CS_OPEN);
	sqlite3_bind_int64(st, 1, c->id);
	sqlite3_bind_text(st, 2, case_decision_name(data->decision), -1, SQLITE_STATIC);
	if (data->decision == DEC_RONGQUE)
		sqlite3_bind_int64(st, 3, data->rongque_deadline);
	else
		sqlite3_bind_null(st, 3);
	if (how == WRITE_CORRECT)
		sqlite3_bind_text(st, 4, case_status_name(status), -1, SQLITE_STATIC);
	if (dbi_step_done(db, st, doing[how], err))
		return -1;
	c->decision = data->decision;
	if (how == WRITE_CORRECT)
		c->status = status;
	return 0;
}

/* The canonical text of what a step records (the case_steps.detail and the
 * audit row's detail). */
static void step_text(dbuf *d, const service *svc, case_step step, const case_step_data *data,
		      const size_t *order)
{
	switch (step) {
	case STEP_DETAILS:
		dbuf_add(d, "{");
		detail_details(d, data->details);
		break;
	case STEP_MATERIALS:
		dbuf_add(d, "{");
		detail_materials(d, svc, data, order);
		break;
	case STEP_DECISION: {
		dbuf_add(d, "{");
		dbuf_kv(d, "decision", case_decision_name(data->decision));
		if (data->decision == DEC_RONGQUE) {
			char day[16];
			dbuf_kv(d, "deadline", civil_format(data->rongque_deadline, day, sizeof day));
		}
		break;
	}
	default:
		dbuf_add(d, data->detail ? data->detail : "");
		break;
	}
	if (step == STEP_DETAILS || step == STEP_MATERIALS || step == STEP_DECISION) {
		if (data->detail && *data->detail)
			dbuf_kv(d, "note", data->detail);
		dbuf_add(d, "}");
	}
}

/* Whether the case holds a verified SUCCESS order (with WeChat's transaction
 * id) of exactly its fee: the money the payment step and the case's end
 * stand on. 1 yes, 0 no, -1 error. */
static int fee_paid(kdb *db, const case_rec *c, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT EXISTS (SELECT 1 FROM payments WHERE case_id = ?1 AND state = 'SUCCESS'"
				    " AND verified = 1 AND amount_fen = ?2 AND transaction_id <> '')",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, c->id);
	sqlite3_bind_int64(st, 2, c->fee_fen);
	int rc = sqlite3_step(st);
	int paid = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) != 0 : -1;
	sqlite3_reset(st);
	if (paid < 0)
		return dbi_sqlerr(db, err, "looking for the case's payment");
	return paid;
}

/* Money a step needs, checked in the step's transaction on the case as
 * stored: the payment step of a case with a fee is recorded only on a
 * verified SUCCESS order of that fee, and a case that is accepted never
 * finishes owing its fee (a refused case owes nothing). */
static int check_money(kdb *db, const service *svc, const case_rec *c, case_step step, kerr *err)
{
	if (c->fee_fen <= 0)
		return 0;
	bool finishing = case_next_step(svc, step, c->decision) == STEP_NONE && c->decision != DEC_REFUSE;
	if (step != STEP_PAYMENT && !finishing)
		return 0;
	int paid = fee_paid(db, c, err);
	if (paid < 0)
		return -1;
	if (paid)
		return 0;
	return kerr_set(err, c->case_no,
			step == STEP_PAYMENT
				? "no verified WeChat Pay payment of the fee (%lld fen) is recorded: the "
				  "payment step cannot be recorded; ask the gateway for the order's state"
				: "the fee (%lld fen) is not paid by a verified WeChat Pay payment: the case "
				  "cannot be completed owing it",
			(long long)c->fee_fen);
}

int db_case_step(kdb *db, const service *svc, const char *actor, const char *case_no,
		 case_step step, const case_step_data *data, kerr *err)
{
	if (!svc || !svc->id)
		return kerr_set(err, "case", "recording a step needs the case's service");
	if (!actor || !*actor)
		return kerr_set(err, "case", "recording a step needs the acting staff id");
	if (!case_no || !*case_no)
		return kerr_set(err, "case", "no case number given");
	if ((unsigned)step >= STEP_COUNT)
		return kerr_set(err, case_no, "unknown step %d", (int)step);
	static const case_step_data none = { 0 };
	if (!data)
		data = &none;
	size_t *order = NULL;
	dbuf d = { 0 };

	/* Input checks first: they need no database. */
	if (check_step_input(svc, case_no, step, data, &order, err))
		return -1;
	step_text(&d, svc, step, data, order);
	const char *detail = dbuf_done(&d, err);
	if (!detail) {
		free(order);
		dbuf_free(&d);
		return -1;
	}

	if (dbi_op_begin(db, err)) {
		free(order);
		dbuf_free(&d);
		return -1;
	}
	case_rec c;
	if (read_live_case(db, case_no, svc, &c, "open a new one", err))
		goto fail;
	case_step next = case_next_step(svc, c.last_step, c.decision);
	if (next == STEP_NONE) {
		kerr_set(err, case_no, "the case is finished (%s): nothing more can be recorded",
			 case_status_name(c.status));
		goto fail;
	}
	if (!case_step_allowed(svc, c.last_step, c.decision, step)) {
		bool done = false;
		sqlite3_stmt *st = dbi_stmt(db,
					    "SELECT 1 FROM case_steps WHERE case_id = ?1 AND step = ?2",
					    err);
		if (!st)
			goto fail;
		sqlite3_bind_int64(st, 1, c.id);
		sqlite3_bind_text(st, 2, case_step_name(step), -1, SQLITE_STATIC);
		done = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_reset(st);
		kerr_set(err, case_no,
			 done ? "step %s is already recorded; the case is at step %s (next: %s)"
			      : "step %s is not the next step: the case is at step %s (next: %s)",
			 case_step_name(step), case_step_name(c.last_step), case_step_name(next));
		goto fail;
	}
	if (check_money(db, svc, &c, step, err))
		goto fail;
	int64_t now = clock_now_ms();
	sqlite3_stmt *st;
	switch (step) {
	case STEP_DETAILS: {
		const case_rec *x = data->details;
#define PARTY_SET(e, word, col, size, type) #col " = ?, "
		st = dbi_stmt(db,
			      "UPDATE cases SET " PARTY_FIELDS(PARTY_SET) "holder = ?, years = ?,"
			      " seals = ?, fee_fen = ? WHERE id = ?",
			      err);
#undef PARTY_SET
		if (!st)
			goto fail;
		int i = 1;
		for (int f = 0; f < PF_COUNT; f++)
			sqlite3_bind_text(st, i++, party_get(&x->party, (party_field)f), -1,
					  SQLITE_STATIC);
		sqlite3_bind_text(st, i++, x->holder, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, i++, x->years);
		sqlite3_bind_int(st, i++, x->seals);
		sqlite3_bind_int64(st, i++, x->fee_fen);
		sqlite3_bind_int64(st, i, c.id);
		if (dbi_step_done(db, st, "recording the details", err))
			goto fail;
		break;
	}
	case STEP_MATERIALS:
		if (put_materials(db, WRITE_RECORD, c.id, svc, data, order, err))
			goto fail;
		break;
	case STEP_DECISION:
		if (put_decision(db, WRITE_RECORD, svc, &c, data, err))
			goto fail;
		break;
	default:
		break;
	}
	st = dbi_stmt(db,
		      "INSERT INTO case_steps (case_id, step, actor, at_ms, detail)"
		      " VALUES (?1, ?2, ?3, ?4, ?5)",
		      err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, c.id);
	sqlite3_bind_text(st, 2, case_step_name(step), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, actor, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, now);
	sqlite3_bind_text(st, 5, detail, -1, SQLITE_STATIC);
	if (dbi_step_done(db, st, "recording the step", err))
		goto fail;

	case_status status = case_status_after(step, c.decision, c.status);
	bool finished = case_next_step(svc, step, c.decision) == STEP_NONE;
	st = dbi_stmt(db,
		      "UPDATE cases SET last_step = ?2, status = ?3, finished = ?4, updated_ms = ?5"
		      " WHERE id = ?1",
		      err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, c.id);
	sqlite3_bind_text(st, 2, case_step_name(step), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, case_status_name(status), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, finished);
	sqlite3_bind_int64(st, 5, now);
	if (dbi_step_done(db, st, "advancing the case", err))
		goto fail;

	if (dbi_audit_append(db, actor, audit_action_of_step(step), case_no, detail, err))
		goto fail;
	free(order);
	dbuf_free(&d);
	return dbi_op_commit(db, err);
fail:
	free(order);
	dbuf_free(&d);
	dbi_op_rollback(db);
	return -1;
}

int db_case_cancel(kdb *db, const char *actor, const char *case_no, const char *reason,
		   kerr *err)
{
	return db_case_cancel_coded(db, actor, case_no, NULL, reason, err);
}

int db_case_cancel_coded(kdb *db, const char *actor, const char *case_no, const char *code,
			 const char *reason, kerr *err)
{
	if (!actor || !*actor)
		return kerr_set(err, "case", "cancelling needs the acting staff id");
	if (!case_no || !*case_no)
		return kerr_set(err, "case", "no case number given");
	if (!reason || !*reason || dbi_utf8_chars(reason) < 0)
		return kerr_set(err, case_no, "say why the case is cancelled (plain text)");
	if (code && (!*code || strlen(code) > 31 || strspn(code, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(code)))
		return kerr_set(err, case_no, "a cancel reason's code is 1 to 31 of a-z 0-9 _");
	if (dbi_op_begin(db, err))
		return -1;
	dbuf d = { 0 };
	case_rec c;
	int rc = read_case(db, case_no, &c, err);
	if (rc < 0)
		goto fail;
	if (rc == 1) {
		kerr_set(err, case_no, "no such case");
		goto fail;
	}
	sqlite3_stmt *st = dbi_stmt(db, "SELECT finished FROM cases WHERE id = ?1", err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, c.id);
	rc = sqlite3_step(st);
	int finished = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 1;
	sqlite3_reset(st);
	if (finished) {
		kerr_set(err, case_no, "the case is already finished (%s) and cannot be cancelled",
			 case_status_name(c.status));
		goto fail;
	}
	/* money taken is given back by a refund (maker-checker, refund_repo),
	 * which cancels the case itself: never by a plain cancel */
	st = dbi_stmt(db, "SELECT out_trade_no FROM payments WHERE case_id = ?1 AND state = 'SUCCESS'"
		      " ORDER BY id LIMIT 1", err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, c.id);
	rc = sqlite3_step(st);
	char paid[33] = "";
	if (rc == SQLITE_ROW)
		dbi_copy(paid, sizeof paid, (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc == SQLITE_ROW) {
		kerr_set(err, case_no, "the case is paid (order %s): a paid case is cancelled only by a "
			 "refund that a supervisor approves", paid);
		goto fail;
	}
	if (rc != SQLITE_DONE) {
		dbi_sqlerr(db, err, "looking for the case's payment");
		goto fail;
	}
	st = dbi_stmt(db,
		      "UPDATE cases SET status = 'cancelled', finished = 1, updated_ms = ?2"
		      " WHERE id = ?1",
		      err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, c.id);
	sqlite3_bind_int64(st, 2, clock_now_ms());
	if (dbi_step_done(db, st, "cancelling the case", err))
		goto fail;
	dbuf_add(&d, "{");
	dbuf_kv(&d, "reason", reason);
	if (code)
		dbuf_kv(&d, "code", code);
	dbuf_kv(&d, "after_step", case_step_name(c.last_step));
	dbuf_add(&d, "}");
	const char *detail = dbuf_done(&d, err);
	if (!detail || dbi_audit_append(db, actor, AUD_CASE_CANCEL, case_no, detail, err) ||
	    token_cancel_case_in_op(db, actor, c.id, case_no, err))
		goto fail;
	dbuf_free(&d);
	return dbi_op_commit(db, err);
fail:
	dbuf_free(&d);
	dbi_op_rollback(db);
	return -1;
}

void db_material_decisions_free(material_decision *m, size_t n)
{
	if (!m)
		return;
	for (size_t i = 0; i < n; i++) {
		free((char *)m[i].material_id);
		free((char *)m[i].reason);
	}
	free(m);
}

int db_case_materials(kdb *db, const char *case_no, material_decision **out, size_t *n,
		      kerr *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT m.material_id, m.mark, m.reason, m.essential"
				    " FROM material_decisions m JOIN cases c ON c.id = m.case_id"
				    " WHERE c.case_no = ?1 ORDER BY m.rowid",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, case_no ? case_no : "", -1, SQLITE_STATIC);
	material_decision *v = NULL;
	size_t len = 0, cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (len == cap) {
			size_t nc = cap ? cap * 2 : 8;
			material_decision *nv = realloc(v, nc * sizeof *nv);
			if (!nv)
				goto oom;
			v = nv;
			cap = nc;
		}
		material_decision *md = &v[len];
		const char *word = (const char *)sqlite3_column_text(st, 1);
		int mark = material_mark_from_name(word);
		if (mark < 0 || !mark_storable((material_mark)mark)) {
			/* the schema's CHECK keeps other words out: the file was changed */
			kerr_set(err, case_no, "a stored material mark '%.16s' is not received, "
				 "missing or defective: run kioskctl audit verify", word ? word : "");
			sqlite3_reset(st);
			db_material_decisions_free(v, len);
			return -1;
		}
		md->material_id = strdup((const char *)sqlite3_column_text(st, 0));
		md->mark = (material_mark)mark;
		md->reason = strdup((const char *)sqlite3_column_text(st, 2));
		md->essential = sqlite3_column_int(st, 3);
		len++;
		if (!md->material_id || !md->reason)
			goto oom;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		db_material_decisions_free(v, len);
		return dbi_sqlerr(db, err, "reading the materials");
	}
	*out = v;
	*n = len;
	return 0;
oom:
	sqlite3_reset(st);
	db_material_decisions_free(v, len);
	return kerr_set(err, case_no, "out of memory reading the materials");
}

/* Run a case query whose parameters are all text, collecting every row. */
static int case_list(kdb *db, const char *sql, const char *const *params, int n_params,
		     case_rec **out, size_t *n, kerr *err)
{
	*out = NULL;
	*n = 0;
	sqlite3_stmt *st = dbi_stmt(db, sql, err);
	if (!st)
		return -1;
	for (int i = 0; i < n_params; i++)
		sqlite3_bind_text(st, i + 1, params[i] ? params[i] : "", -1, SQLITE_STATIC);
	void *v = NULL;
	int rc = dbi_collect(db, st, sizeof(case_rec), case_fill, &v, n, "listing cases",
			   err);
	*out = v;
	return rc;
}

int db_case_list_open(kdb *db, const char *clerk_id, case_rec **out, size_t *n, kerr *err)
{
	const char *p[] = { clerk_id };
	return case_list(db,
			 "SELECT " CASE_COLS " FROM cases WHERE clerk_id = ?1 AND"
			 " finished = 0 ORDER BY created_ms DESC, id DESC",
			 p, 1, out, n, err);
}

int db_case_list_day(kdb *db, const char *clerk_id, long civil_day, case_rec **out, size_t *n,
		     kerr *err)
{
	char from[24], to[24];
	snprintf(from, sizeof from, "%lld", (long long)clock_day_start_ms(civil_day));
	snprintf(to, sizeof to, "%lld", (long long)clock_day_start_ms(civil_day + 1));
	const char *p[] = { clerk_id, from, to };
	return case_list(db,
			 "SELECT " CASE_COLS " FROM cases WHERE clerk_id = ?1 AND"
			 " created_ms >= CAST(?2 AS INTEGER) AND created_ms < CAST(?3 AS INTEGER)"
			 " ORDER BY created_ms DESC, id DESC",
			 p, 3, out, n, err);
}

/* What db_case_find matches, on the cases row c: the rule itself, which
 * every way of finding applies last so that the rows found are the same
 * whichever index led to them. */
#define FIND_RULE(c)                                                                  \
	"(" c "case_no = ?1 OR " c "uscc = upper(?1)"                                  \
	" OR (length(?1) >= 4 AND substr(" c "case_no, -length(?1)) = ?1)"             \
	" OR instr(" c "unit_name, ?1) > 0 OR instr(" c "agent_name, ?1) > 0)"

/* A file without the search index (older than v11, opened at its version). */
static int find_scan(kdb *db, const char *q, case_rec **out, size_t *n, kerr *err)
{
	const char *p[] = { q };
	/* the newest 50 that match, by id (cases are numbered as they open and
	 * never deleted): the table read backwards, stopping at the 50th */
	return case_list(db,
			 "SELECT " CASE_COLS " FROM cases WHERE id IN (SELECT id FROM cases WHERE ?1 <> ''"
			 " AND " FIND_RULE("") " ORDER BY id DESC LIMIT 50)"
			 " ORDER BY created_ms DESC, id DESC",
			 p, 1, out, n, err);
}

/* 1 when the file has the search index (v11), 0 not, -1 error. */
static int find_indexed(kdb *db, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db, "SELECT count(*) FROM main.sqlite_schema"
				    " WHERE type = 'table' AND name = 'cases_find_terms'", err);
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	int has = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) > 0 : -1;
	sqlite3_reset(st);
	return has < 0 ? dbi_sqlerr(db, err, "looking for the search index") : has;
}

enum {
	FIND_TERMS_MAX = 200,    /* index terms OR'd for a short fragment */
	FIND_SCAN_STEPS = 50000, /* SQLite VM steps of the first look at the newest cases */
};

/* Characters in s (UTF-8), as SQLite's length() counts them. */
static size_t find_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* SQLite's progress handler: the statement stops at its first call. */
static int find_stop(void *stopped)
{
	*(bool *)stopped = true;
	return 1;
}

/* s as an FTS5 string: in double quotes, each one inside doubled. */
static void fts_quote(dbuf *d, const char *s)
{
	dbuf_add(d, "\"");
	for (const char *q; (q = strchr(s, '"')); s = q + 1) {
		dbuf_addn(d, s, (size_t)(q - s));
		dbuf_add(d, "\"\"");
	}
	dbuf_add(d, s);
	dbuf_add(d, "\"");
}

/* The FTS5 query that finds every name holding q, into *m (owned, free()):
 * for 3 characters or more the phrase of its trigrams; for 1 or 2, any of
 * the index's trigrams that start with it (every character of a name starts
 * one: cases_find holds each name with two U+001F after it). *m is NULL when
 * no name can hold q. 0, 1 when too many trigrams start with q (the caller
 * reads the table instead), -1 error. */
static int find_match(kdb *db, const char *q, char **m, kerr *err)
{
	*m = NULL;
	dbuf d = { 0 };
	if (find_chars(q) >= 3) {
		fts_quote(&d, q);
	} else {
		sqlite3_stmt *st = dbi_stmt(db,
					    "SELECT term FROM cases_find_terms"
					    " WHERE term >= ?1 AND term <= ?1 || char(1114111)",
					    err);
		if (!st)
			return -1;
		sqlite3_bind_text(st, 1, q, -1, SQLITE_STATIC);
		int rc, terms = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW && terms < FIND_TERMS_MAX) {
			const char *t = (const char *)sqlite3_column_text(st, 0);
			if (terms++)
				dbuf_add(&d, " OR ");
			fts_quote(&d, t ? t : "");
		}
		sqlite3_reset(st);
		if (rc == SQLITE_ROW) {
			dbuf_free(&d);
			return 1;
		}
		if (rc != SQLITE_DONE) {
			dbuf_free(&d);
			return dbi_sqlerr(db, err, "reading the search index");
		}
		if (!terms)
			return 0;
	}
	if (!dbuf_done(&d, err)) {
		dbuf_free(&d);
		return -1;
	}
	*m = d.p;
	return 0;
}

/* The newest 50 of each way a case can match, each read from its index
 * newest first and stopping at its 50th: the names (cases_find, with ?2 the
 * FTS5 query of find_match), the number's tail (cases_by_tail), the USCC,
 * the number; then the newest 50 of them all, which are the newest 50 that
 * match (each way's own newest 50 hold every one of them). The rule is
 * checked on each row the names' index gives, so the index only ever
 * narrows. A fragment nobody holds, or one every case holds, costs well
 * under a millisecond over a year of cases (docs/performance.md). */
#define FIND_BY_NAME                                                                 \
	"SELECT id FROM (SELECT c.id FROM cases_find f JOIN cases c ON c.id = f.rowid" \
	" WHERE cases_find MATCH ?2 AND " FIND_RULE("c.") " ORDER BY f.rowid DESC LIMIT 50)"
#define FIND_BY_REST                                                                       \
	"SELECT id FROM (SELECT id FROM cases WHERE substr(case_no, -4) = substr(?1, -4)"     \
	" AND length(?1) >= 4 AND substr(case_no, -length(?1)) = ?1 ORDER BY id DESC LIMIT 50)" \
	" UNION SELECT id FROM (SELECT id FROM cases WHERE uscc = upper(?1)"                   \
	" ORDER BY id DESC LIMIT 50)"                                                          \
	" UNION SELECT id FROM cases WHERE case_no = ?1 ORDER BY 1 DESC LIMIT 50"

int db_case_find_tidy(kdb *db, kerr *err)
{
	int has = find_indexed(db, err);
	if (has <= 0)
		return has;
	if (dbi_op_begin(db, err))
		return -1;
	/* the index's tables are not bound: nothing for the ledger to record */
	if (dbi_exec(db, "INSERT INTO cases_find(cases_find) VALUES ('optimize')", err)) {
		dbi_op_rollback(db);
		return -1;
	}
	return dbi_op_commit(db, err);
}

int db_case_find(kdb *db, const char *query, case_rec **out, size_t *n, kerr *err)
{
	char q[256];
	size_t len = strlen(query ? query : "");
	while (len && (query[len - 1] == ' ' || query[len - 1] == '\t'))
		len--;
	while (len && (*query == ' ' || *query == '\t'))
		query++, len--;
	if (len >= sizeof q)
		len = sizeof q - 1;
	memcpy(q, query ? query : "", len);
	q[len] = '\0';
	int has = *q ? find_indexed(db, err) : 0;
	if (has <= 0)
		return has < 0 ? -1 : find_scan(db, q, out, n, err);
	if (find_chars(q) < 3) {
		/* A fragment of 1-2 characters is mostly one many names hold,
		 * found among the newest cases at once; its index terms are then
		 * many and long to read. The newest cases are read first, for a
		 * while (about a thousand); only when that is not enough is the
		 * index asked, which is quick for the rare fragment this leaves. */
		bool stopped = false;
		sqlite3_progress_handler(db->h, FIND_SCAN_STEPS, find_stop, &stopped);
		int rc = find_scan(db, q, out, n, err);
		sqlite3_progress_handler(db->h, 0, NULL, NULL);
		if (rc == 0 || !stopped)
			return rc;
		memset(err, 0, sizeof *err);
	}
	char *m = NULL;
	int rc = find_match(db, q, &m, err);
	if (rc != 0)
		return rc < 0 ? -1 : find_scan(db, q, out, n, err);
	const char *p[] = { q, m };
	rc = case_list(db, m ? "SELECT " CASE_COLS " FROM cases WHERE id IN (" FIND_BY_NAME " UNION " FIND_BY_REST ")"
			     " ORDER BY created_ms DESC, id DESC"
			   : "SELECT " CASE_COLS " FROM cases WHERE id IN (" FIND_BY_REST ")"
			     " ORDER BY created_ms DESC, id DESC",
		       p, m ? 2 : 1, out, n, err);
	free(m);
	return rc;
}

/* ---- corrections (docs/corrections.md) ---- */

/* 1 when the case is past the point of no return: its key written (the token
 * step recorded, a key move or a certificate noted for it), its fee taken
 * (a SUCCESS order), or it is finished; 0 not, -1 error. */
static int past_return(kdb *db, const case_rec *c, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT (SELECT finished FROM cases WHERE id = ?1)"
				    " OR EXISTS (SELECT 1 FROM case_steps WHERE case_id = ?1"
				    "  AND step IN ('token', 'payment', 'slip'))"
				    " OR EXISTS (SELECT 1 FROM payments WHERE case_id = ?1 AND state = 'SUCCESS')"
				    " OR EXISTS (SELECT 1 FROM token_events WHERE case_id = ?1)"
				    " OR EXISTS (SELECT 1 FROM audit WHERE case_no = ?2 AND action = ?3)",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, c->id);
	sqlite3_bind_text(st, 2, c->case_no, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, audit_action_name(AUD_TOKEN_ISSUED), -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	int past = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) != 0 : -1;
	sqlite3_reset(st);
	if (past < 0)
		return dbi_sqlerr(db, err, "looking for what the case has done");
	return past;
}

int db_case_past_return(kdb *db, const char *case_no, kerr *err)
{
	case_rec c;
	int rc = read_case(db, case_no ? case_no : "", &c, err);
	if (rc == 1)
		return kerr_set(err, case_no, "no such case");
	return rc < 0 ? -1 : past_return(db, &c, err);
}

/* One change: {"field":..,"old":..,"new":..}; nothing when equal. */
static void change(dbuf *d, int *n, const char *field, const char *old, const char *nw)
{
	if (strcmp(old, nw) == 0)
		return;
	dbuf_add(d, (*n)++ ? ",{" : "{");
	dbuf_kv(d, "field", field);
	dbuf_kv(d, "old", old);
	dbuf_kv(d, "new", nw);
	dbuf_add(d, "}");
}

static void change_i(dbuf *d, int *n, const char *field, long long old, long long nw)
{
	char a[24], b[24];
	snprintf(a, sizeof a, "%lld", old);
	snprintf(b, sizeof b, "%lld", nw);
	change(d, n, field, a, b);
}

/* The party's fields a correction past the point of no return may change:
 * the agent's, which are neither on the key (the unit's name and USCC are in
 * its certificate) nor in the fee (holder, term, seals). */
static bool correctable_late(party_field f)
{
	return f == PF_AGENT_NAME || f == PF_AGENT_ID_NO || f == PF_AGENT_MOBILE;
}

/* A material's mark as a word, with the reason of a defective one. */
static void mark_text(char *out, size_t n, material_mark m, const char *reason)
{
	snprintf(out, n, "%s%s%s", material_mark_name(m), reason && *reason ? ": " : "",
		 reason ? reason : "");
}

/* The changes of a materials step against what is stored, into d. */
static int materials_changes(kdb *db, const case_rec *c, const service *svc,
			     const case_step_data *data, const size_t *order, dbuf *d, int *n,
			     kerr *err)
{
	material_decision *old = NULL;
	size_t n_old = 0;
	if (db_case_materials(db, c->case_no, &old, &n_old, err))
		return -1;
	for (size_t i = 0; i < svc->n_materials; i++) {
		const material_decision *md = &data->materials[order[i]];
		char a[320] = "", b[320];
		for (size_t j = 0; j < n_old; j++)
			if (strcmp(old[j].material_id, md->material_id) == 0)
				mark_text(a, sizeof a, old[j].mark, old[j].reason);
		mark_text(b, sizeof b, md->mark, md->reason);
		change(d, n, md->material_id, a, b);
	}
	db_material_decisions_free(old, n_old);
	return 0;
}

static int update_details(kdb *db, int64_t case_id, const case_rec *x, kerr *err)
{
#define PARTY_SET(e, word, col, size, type) #col " = ?, "
	sqlite3_stmt *st = dbi_stmt(db,
				    "UPDATE cases SET " PARTY_FIELDS(PARTY_SET) "holder = ?, years = ?,"
				    " seals = ?, fee_fen = ? WHERE id = ?",
				    err);
#undef PARTY_SET
	if (!st)
		return -1;
	int i = 1;
	for (int f = 0; f < PF_COUNT; f++)
		sqlite3_bind_text(st, i++, party_get(&x->party, (party_field)f), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, i++, x->holder, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, i++, x->years);
	sqlite3_bind_int(st, i++, x->seals);
	sqlite3_bind_int64(st, i++, x->fee_fen);
	sqlite3_bind_int64(st, i, case_id);
	return dbi_step_done(db, st, "correcting the details", err);
}

/* Whether step s is recorded for the case: 1, 0, -1 error. */
static int step_recorded(kdb *db, int64_t case_id, case_step s, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db, "SELECT 1 FROM case_steps WHERE case_id = ?1 AND step = ?2",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, case_id);
	sqlite3_bind_text(st, 2, case_step_name(s), -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "reading the case's steps");
	return rc == SQLITE_ROW;
}

/* Steps after a corrected one that stood on it are taken back: the decision
 * on the materials, the supervisor's approval on the details and the
 * decision. They are confirmed again (re-validated) when the clerk gets
 * there; the audit keeps what they were (casefsm: case_step_stands_on).
 * c->last_step gets the step the case is at. */
static int rewind_after(kdb *db, case_rec *c, case_step step, dbuf *d, kerr *err)
{
	bool undo[STEP_COUNT] = { false };
	for (int s = 0; s < STEP_COUNT; s++)
		undo[s] = case_step_stands_on((case_step)s, step);
	int n = 0;
	case_step last = STEP_NONE;
	for (int s = 0; s < STEP_COUNT; s++) {
		int rec = step_recorded(db, c->id, (case_step)s, err);
		if (rec < 0)
			return -1;
		if (!rec)
			continue;
		if (!undo[s]) {
			last = (case_step)s;
			continue;
		}
		sqlite3_stmt *st = dbi_stmt(db, "DELETE FROM case_steps WHERE case_id = ?1 AND step = ?2",
					    err);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, c->id);
		sqlite3_bind_text(st, 2, case_step_name((case_step)s), -1, SQLITE_STATIC);
		if (dbi_step_done(db, st, "taking back a step", err))
			return -1;
		dbuf_add(d, n++ ? "," : ",\"undone\":[");
		dbuf_json(d, case_step_name((case_step)s));
	}
	if (n)
		dbuf_add(d, "]");
	if (undo[STEP_DECISION] && c->decision != DEC_NONE) {
		c->decision = DEC_NONE;
		c->rongque_deadline = -1;
		c->status = CS_OPEN;
		sqlite3_stmt *st = dbi_stmt(db, "UPDATE cases SET decision = 'none', rongque_deadline = NULL"
					    " WHERE id = ?1", err);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, c->id);
		if (dbi_step_done(db, st, "taking back the decision", err))
			return -1;
	}
	c->last_step = last;
	return 0;
}

int db_case_correct(kdb *db, const service *svc, const case_correction *cc, kerr *err)
{
	if (!svc || !svc->id || !cc || !cc->data)
		return kerr_set(err, "case", "a correction needs the case's service and its new data");
	const char *case_no = cc->case_no, *actor = cc->actor;
	const case_step_data *data = cc->data;
	if (!actor || !*actor)
		return kerr_set(err, "case", "a correction needs the acting staff id");
	if (!case_no || !*case_no)
		return kerr_set(err, "case", "no case number given");
	case_step step = cc->step;
	if (!case_step_correctable(step))
		return kerr_set(err, case_no, "step %s cannot be corrected: only the details, the "
				"materials and the decision can", case_step_name(step));
	size_t *order = NULL;
	if (check_step_input(svc, case_no, step, data, &order, err))
		return -1;
	dbuf text = { 0 }, d = { 0 };
	step_text(&text, svc, step, data, order);
	const char *stext = dbuf_done(&text, err);
	if (!stext || dbi_op_begin(db, err)) {
		free(order);
		dbuf_free(&text);
		return -1;
	}
	case_rec c;
	int rc;
	if (read_live_case(db, case_no, svc, &c, "there is nothing to correct", err))
		goto fail;
	rc = step_recorded(db, c.id, step, err);
	if (rc < 0)
		goto fail;
	if (!rc) {
		kerr_set(err, case_no, "step %s is not recorded yet: confirm it, there is nothing "
			 "to correct", case_step_name(step));
		goto fail;
	}
	int past = past_return(db, &c, err);
	if (past < 0)
		goto fail;
	const char *why = cc->reason ? cc->reason : "";
	if (past) {
		/* maker-checker: a supervisor other than the clerk says yes, and why */
		if (step != STEP_DETAILS) {
			kerr_set(err, case_no, "the key is written or the fee is paid: the %s can no "
				 "longer be corrected, only the agent's details", case_step_name(step));
			goto fail;
		}
		if (!cc->approved_by || !*cc->approved_by || strcmp(cc->approved_by, actor) == 0 ||
		    strcmp(cc->approved_by, c.clerk_id) == 0) {
			kerr_set(err, case_no, "the key is written or the fee is paid: a correction now "
				 "needs a supervisor other than the clerk");
			goto fail;
		}
		sqlite3_stmt *st = dbi_stmt(db, "SELECT 1 FROM staff WHERE id = ?1 AND active = 1"
					    " AND role = 'supervisor'", err);
		if (!st)
			goto fail;
		sqlite3_bind_text(st, 1, cc->approved_by, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_ROW) {
			kerr_set(err, case_no, "'%s' is not an active supervisor: a correction after the "
				 "key is written or the fee is paid needs one", cc->approved_by);
			goto fail;
		}
		if (!*why || dbi_utf8_chars(why) < 0) {
			kerr_set(err, case_no, "say why the case is corrected (plain text)");
			goto fail;
		}
	} else if (*why && dbi_utf8_chars(why) < 0) {
		kerr_set(err, case_no, "the reason holds a control character or is not UTF-8 text");
		goto fail;
	}

	/* field by field: old -> new */
	dbuf_add(&d, "{");
	dbuf_kv(&d, "step", case_step_name(step));
	dbuf_add(&d, ",\"changes\":[");
	int n = 0;
	switch (step) {
	case STEP_DETAILS: {
		const case_rec *x = data->details;
		for (int f = 0; f < PF_COUNT; f++) {
			const char *a = party_get(&c.party, (party_field)f), *b = party_get(&x->party, (party_field)f);
			if (past && !correctable_late((party_field)f) && strcmp(a, b) != 0) {
				kerr_set(err, party_field_name((party_field)f),
					 "is on the key or in the fee paid and cannot be corrected now: only "
					 "the agent's name, ID number and mobile can");
				goto fail;
			}
			change(&d, &n, party_field_name((party_field)f), a, b);
		}
		if (past && (strcmp(c.holder, x->holder) != 0 || c.years != x->years ||
			     c.seals != x->seals || c.fee_fen != x->fee_fen)) {
			kerr_set(err, case_no, "the holder type, term, seals and fee are paid for or "
				 "written and cannot be corrected now");
			goto fail;
		}
		change(&d, &n, "holder", c.holder, x->holder);
		change_i(&d, &n, "years", c.years, x->years);
		change_i(&d, &n, "seals", c.seals, x->seals);
		change_i(&d, &n, "fee_fen", c.fee_fen, x->fee_fen);
		break;
	}
	case STEP_MATERIALS:
		if (materials_changes(db, &c, svc, data, order, &d, &n, err))
			goto fail;
		break;
	default: {
		char a[16] = "", b[16] = "";
		change(&d, &n, "decision", case_decision_name(c.decision), case_decision_name(data->decision));
		if (c.rongque_deadline >= 0)
			civil_format(c.rongque_deadline, a, sizeof a);
		if (data->decision == DEC_RONGQUE)
			civil_format(data->rongque_deadline, b, sizeof b);
		change(&d, &n, "deadline", a, b);
		break;
	}
	}
	dbuf_add(&d, "]");
	if (n == 0) { /* nothing changed: nothing written, nothing taken back */
		free(order);
		dbuf_free(&text);
		dbuf_free(&d);
		dbi_op_rollback(db);
		return 1;
	}
	switch (step) {
	case STEP_DETAILS:
		if (update_details(db, c.id, data->details, err))
			goto fail;
		break;
	case STEP_MATERIALS:
		if (put_materials(db, WRITE_CORRECT, c.id, svc, data, order, err))
			goto fail;
		break;
	default:
		if (put_decision(db, WRITE_CORRECT, svc, &c, data, err))
			goto fail;
		break;
	}
	/* the step's own record says what it holds now */
	sqlite3_stmt *st = dbi_stmt(db, "UPDATE case_steps SET detail = ?3 WHERE case_id = ?1 AND step = ?2",
				    err);
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, c.id);
	sqlite3_bind_text(st, 2, case_step_name(step), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, stext, -1, SQLITE_STATIC);
	if (dbi_step_done(db, st, "correcting the step's record", err))
		goto fail;
	if (!past && rewind_after(db, &c, step, &d, err))
		goto fail;
	if (past) {
		dbuf_kv(&d, "approved_by", cc->approved_by);
	} else {
		st = dbi_stmt(db, "UPDATE cases SET last_step = ?2, status = ?3, updated_ms = ?4 WHERE id = ?1",
			      err);
		if (!st)
			goto fail;
		sqlite3_bind_int64(st, 1, c.id);
		sqlite3_bind_text(st, 2, c.last_step == STEP_NONE ? "none" : case_step_name(c.last_step), -1,
				  SQLITE_STATIC);
		sqlite3_bind_text(st, 3, case_status_name(c.status), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, clock_now_ms());
		if (dbi_step_done(db, st, "moving the case back", err))
			goto fail;
	}
	if (*why)
		dbuf_kv(&d, "reason", why);
	dbuf_add(&d, "}");
	const char *detail = dbuf_done(&d, err);
	if (!detail || dbi_audit_append(db, actor, AUD_CASE_CORRECT, case_no, detail, err))
		goto fail;
	free(order);
	dbuf_free(&text);
	dbuf_free(&d);
	return dbi_op_commit(db, err);
fail:
	free(order);
	dbuf_free(&text);
	dbuf_free(&d);
	dbi_op_rollback(db);
	return -1;
}
