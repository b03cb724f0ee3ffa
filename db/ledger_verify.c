/* ledger_verify: db_audit_verify(). In one read snapshot:
 *  1. the chain walk (audit_log.c); as it meets each binding row, its
 *     entries are folded into the last record of every key (a compact table
 *     in memory: 32 bytes a key), and each change is checked to start from
 *     the state last recorded: a change the kiosk made over a row that had
 *     been changed, deleted or added outside it is named there;
 *  2. every current row of every bound table is hashed and looked up: a row
 *     changed (with the columns that differ), a row without a record, and,
 *     last, every record whose row is gone.
 * When the call owns its snapshot (kioskctl audit verify), the tables of 2
 * are read and hashed on a second connection in a second thread while 1
 * runs, and matched when both are done (32 bytes a row kept meanwhile); a
 * finding's key and columns are read again only for the rows reported.
 * Nothing but the chain is trusted: the records are rebuilt from it on every
 * run. Nothing is allocated per row: one cursor per table, one reused
 * encoder, the records' table sized once. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/audit/actions.h"
#include "db/audit_log.h"
#include "db/ledger.h"

/* ---- the records, by a keyed hash of (table, key) ---- */

typedef struct rec {
	uint64_t fp;        /* 0: an empty slot */
	uint8_t h[LEDGER_PRE_LEN]; /* the last recorded hash, its first bytes */
	uint32_t seq;       /* the audit row of the last record */
	uint16_t table;     /* index into the names */
	uint8_t live;       /* the last record is of a row (not a deletion) */
	uint8_t seen;       /* the table scan met its row */
} rec;

typedef struct lverify {
	kdb *db;
	audit_verify_result *res;
	lcat cat;
	rec *map;
	size_t cap, n;
	char **names;        /* the tables the chain names */
	size_t n_names, cap_names;
	size_t last_name;
	uint64_t k0, k1;     /* the keyed hash's key, drawn per run */
	size_t rows_hint;    /* about how many rows the tables hold */
	rowenc kenc, enc;
	lentry e;
	int64_t seq;         /* of the binding row being folded */
	bool seal;           /* it is a ledger.seal row */
	bool full;           /* out of memory or records: stop folding */
} lverify;

/* SipHash-2-4 (Aumasson and Bernstein): keyed, so a key chosen in a forged
 * row cannot be made to meet another key's record. */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                          \
	do {                                                                              \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);                \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                                    \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                                    \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);                \
	} while (0)

static uint64_t siphash(uint64_t k0, uint64_t k1, const uint8_t *in, size_t n)
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	uint64_t b = (uint64_t)n << 56;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t m;
		memcpy(&m, in + i, 8); /* little-endian hosts; any order is fine here */
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t k = 0; i + k < n; k++)
		b |= (uint64_t)in[i + k] << (8 * k);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* The keyed hash of (table, key); never 0. */
static uint64_t fp_of(uint64_t k0, uint64_t k1, rowenc *scratch, const char *table, const lkey *k)
{
	lkey_bytes(k, scratch);
	size_t tn = strlen(table) + 1;
	rowval t = { .type = RV_BLOB, .p = table, .n = tn };
	rowenc_add(scratch, &t); /* the table after the key: one buffer */
	uint64_t fp = siphash(k0, k1, scratch->p, scratch->len);
	return fp ? fp : 1;
}

static uint64_t key_fp(lverify *v, const char *table, const lkey *k)
{
	return fp_of(v->k0, v->k1, &v->kenc, table, k);
}

static bool map_grow(lverify *v)
{
	size_t cap = v->cap ? v->cap * 2 : 1024;
	rec *m = calloc(cap, sizeof *m);
	if (!m)
		return false;
	for (size_t i = 0; i < v->cap; i++) {
		if (!v->map[i].fp)
			continue;
		size_t j = (size_t)v->map[i].fp & (cap - 1);
		while (m[j].fp)
			j = (j + 1) & (cap - 1);
		m[j] = v->map[i];
	}
	free(v->map);
	v->map = m;
	v->cap = cap;
	return true;
}

/* The record of fp; a new, empty one when add (NULL when there is none, or
 * out of memory with add). */
static rec *map_get(lverify *v, uint64_t fp, bool add)
{
	if (add && (v->n + 1) * 10 > v->cap * 7 && !map_grow(v))
		return NULL;
	if (!v->cap)
		return NULL;
	size_t j = (size_t)fp & (v->cap - 1);
	while (v->map[j].fp) {
		if (v->map[j].fp == fp)
			return &v->map[j];
		j = (j + 1) & (v->cap - 1);
	}
	if (!add)
		return NULL;
	v->map[j].fp = fp;
	v->n++;
	return &v->map[j];
}

/* The index of a table name the chain holds (interned). -1 out of memory. */
static int name_of(lverify *v, const char *table)
{
	if (v->n_names && strcmp(v->names[v->last_name], table) == 0)
		return (int)v->last_name;
	for (size_t i = 0; i < v->n_names; i++)
		if (strcmp(v->names[i], table) == 0)
			return (int)(v->last_name = i);
	if (v->n_names == 65535)
		return -1;
	if (v->n_names == v->cap_names) {
		size_t cap = v->cap_names ? v->cap_names * 2 : 32;
		char **t = realloc(v->names, cap * sizeof *t);
		if (!t)
			return -1;
		v->names = t;
		v->cap_names = cap;
	}
	if (!(v->names[v->n_names] = strdup(table)))
		return -1;
	v->last_name = v->n_names;
	return (int)v->n_names++;
}

static void add_finding(audit_verify_result *res, row_finding_kind kind, const char *table,
			const char *key, const char *columns, int64_t seq, const char *note)
{
	if (res->n_found == AUDIT_ROW_FINDINGS_MAX) {
		res->n_more++;
		return;
	}
	row_finding *f = &res->found[res->n_found++];
	memset(f, 0, sizeof *f);
	f->kind = kind;
	dbi_copy(f->table, sizeof f->table, table ? table : "");
	dbi_copy(f->key, sizeof f->key, key ? key : "");
	dbi_copy(f->columns, sizeof f->columns, columns ? columns : "");
	f->seq = seq;
	dbi_copy(f->note, sizeof f->note, note ? note : "");
}

/* ---- 1. the fold, as the walk meets each binding row ---- */

static bool is_binding(const char *action, bool *seal)
{
	if (action[0] != 'l')
		return false;
	*seal = strcmp(action, audit_action_name(AUD_LEDGER_SEAL)) == 0;
	return *seal || strcmp(action, audit_action_name(AUD_LEDGER_BIND)) == 0;
}

static int fold_entry(void *ctx, const lentry *e)
{
	lverify *v = ctx;
	uint64_t fp = key_fp(v, e->table, &e->key);
	if (v->cap)
		__builtin_prefetch(&v->map[(size_t)fp & (v->cap - 1)]);
	int ti = name_of(v, e->table);
	rec *r = ti < 0 ? NULL : map_get(v, fp, true);
	if (!r) {
		v->full = true;
		return -1;
	}
	bool had = r->live;
	bool fresh = r->seq == 0;
	/* a change starts from the state last recorded; a seal binds rows as
	 * found (its entries without a state before are taken as they are) */
	if (!(v->seal && !e->has_pre)) {
		const char *why = NULL;
		row_finding_kind kind = ROWF_CHANGED;
		if (had && !e->has_pre) {
			kind = ROWF_DELETED;
			why = "deleted outside the kiosk, then written again by it at audit row";
		} else if (!had && e->has_pre) {
			kind = ROWF_INSERTED;
			why = "added outside the kiosk, then changed by it at audit row";
		} else if (had && memcmp(e->pre, r->h, LEDGER_PRE_LEN) != 0) {
			why = "changed outside the kiosk, then changed again by it at audit row";
		}
		if (why) {
			char key[128], note[160];
			lkey_text(lcat_find(&v->cat, e->table), &e->key, key, sizeof key);
			snprintf(note, sizeof note, "%s %lld", why, (long long)v->seq);
			add_finding(v->res, kind, e->table, key, "", fresh ? 0 : r->seq, note);
		}
	}
	r->live = e->has_hash;
	if (e->has_hash)
		memcpy(r->h, e->hash, LEDGER_PRE_LEN);
	r->seq = (uint32_t)v->seq;
	r->table = (uint16_t)ti;
	return 0;
}

static int visit(void *ctx, int64_t seq, const char *action, const char *detail, size_t n,
		 kerr *err)
{
	lverify *v = ctx;
	if (v->full || !is_binding(action, &v->seal))
		return 0;
	if (seq > (int64_t)UINT32_MAX)
		return kerr_set(err, v->db->path, "the audit log is too long to verify its rows");
	v->seq = seq;
	int rc = ledger_entries(detail, n, false, &v->e, fold_entry, v);
	if (v->full)
		return kerr_set(err, v->db->path, "out of memory folding the audit log's bindings");
	if (rc == 1) {
		char what[96];
		snprintf(what, sizeof what, "audit row %lld: its bindings cannot be read",
			 (long long)seq);
		add_finding(v->res, ROWF_RECORD, "audit", "", "", seq, what);
	}
	return 0;
}

/* ---- 2. the tables ---- */

typedef struct find_ctx {
	lverify *v;
	uint64_t fp;
	bool found;
	char key[128];
	uint8_t *checks;
	size_t n_checks;
} find_ctx;

static int find_entry(void *ctx, const lentry *e)
{
	find_ctx *f = ctx;
	if (key_fp(f->v, e->table, &e->key) != f->fp)
		return 0;
	f->found = true;
	lkey_text(lcat_find(&f->v->cat, e->table), &e->key, f->key, sizeof f->key);
	free(f->checks);
	f->checks = malloc(e->n_checks ? e->n_checks : 1);
	f->n_checks = f->checks ? e->n_checks : 0;
	if (f->checks && e->n_checks)
		memcpy(f->checks, e->checks, e->n_checks);
	return 0; /* the last entry of the key in the row counts */
}

/* The entry of fp in the binding row at seq (its key's text, its check
 * bytes). */
static void find_record(lverify *v, int64_t seq, find_ctx *f)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(v->db->h, "SELECT detail FROM main.audit WHERE seq = ?1", -1, &st,
			       NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, seq);
	if (sqlite3_step(st) == SQLITE_ROW) {
		lentry e = { 0 };
		ledger_entries((const char *)sqlite3_column_text(st, 0),
			       (size_t)sqlite3_column_bytes(st, 0), true, &e, find_entry, f);
		lentry_free(&e);
	}
	sqlite3_finalize(st);
}

/* A row to report, until its key's text and columns are read (the tables
 * are read once, in order, without keeping their rows). */
typedef struct pending {
	size_t table;           /* index into the catalogue */
	uint64_t fp;            /* 0: a row of a table without a key */
	row_finding_kind kind;
	uint32_t seq;           /* its last record, 0 when none */
	char note[96];
	bool done;
} pending;

typedef struct matcher {
	lverify *v;
	pending p[AUDIT_ROW_FINDINGS_MAX];
	size_t n;
} matcher;

static void pend(matcher *m, size_t ti, uint64_t fp, row_finding_kind kind, uint32_t seq,
		 const char *note)
{
	if (m->v->res->n_found + m->n >= AUDIT_ROW_FINDINGS_MAX) {
		m->v->res->n_more++;
		return;
	}
	pending *p = &m->p[m->n++];
	memset(p, 0, sizeof *p);
	p->table = ti;
	p->fp = fp;
	p->kind = kind;
	p->seq = seq;
	snprintf(p->note, sizeof p->note, "%s", note);
}

/* One current row, by its key's hash and its own: matched with its record. */
static int match_row(void *ctx, size_t ti, uint64_t fp, const uint8_t *h)
{
	matcher *m = ctx;
	lverify *v = m->v;
	v->res->bound_rows++;
	if (!fp) {
		pend(m, ti, 0, ROWF_INSERTED, 0, "the table has no key a binding can hold");
		return 0;
	}
	rec *r = map_get(v, fp, false);
	if (r && r->live && !r->seen) {
		r->seen = 1;
		if (memcmp(h, r->h, LEDGER_PRE_LEN) != 0)
			pend(m, ti, fp, ROWF_CHANGED, r->seq, "");
		return 0;
	}
	char note[96] = "";
	if (r && r->seen)
		snprintf(note, sizeof note, "a second row with this key");
	else if (r)
		snprintf(note, sizeof note, "its last record, audit row %lu, says it was deleted",
			 (unsigned long)r->seq);
	pend(m, ti, fp, ROWF_INSERTED, 0, note);
	return 0;
}

typedef int (*row_fn)(void *ctx, size_t ti, uint64_t fp, const uint8_t *h);

/* Every row of every table of cat: its key's hash (0 without a key) and the
 * first bytes of its own. */
static int scan_tables(kdb *db, const lcat *cat, uint64_t k0, uint64_t k1, rowenc *enc,
		       rowenc *kenc, row_fn fn, void *ctx, kerr *err)
{
	for (size_t ti = 0; ti < cat->n; ti++) {
		const ltab *t = &cat->t[ti];
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db->h, t->select, -1, &st, NULL) != SQLITE_OK)
			return dbi_sqlerr(db, err, "reading a bound table");
		int rc;
		uint8_t h[AUDIT_HASH_LEN] = { 0 };
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			uint64_t fp = 0;
			if (t->nkey) {
				lkey k;
				lkey_of_row(t, st, &k);
				fp = fp_of(k0, k1, kenc, t->name, &k);
				ledger_encode(enc, st, t->ncols);
				if (rowhash(db->hasher, t->prefix, enc, h)) {
					sqlite3_finalize(st);
					return kerr_set(err, db->path, "computing a row hash failed "
							"(OpenSSL)");
				}
			}
			if (fn(ctx, ti, fp, h)) {
				sqlite3_finalize(st);
				return -1;
			}
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return dbi_sqlerr(db, err, "reading a bound table");
	}
	return 0;
}

/* The findings pending, with their keys and columns: each table that has
 * some is read once more (on a tampered file only). */
static int resolve(matcher *m, kerr *err)
{
	lverify *v = m->v;
	kdb *db = v->db;
	for (size_t ti = 0; ti < v->cat.n; ti++) {
		ltab *t = &v->cat.t[ti];
		size_t want = 0;
		for (size_t i = 0; i < m->n; i++)
			want += m->p[i].table == ti && m->p[i].fp;
		if (!want)
			continue;
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db->h, t->select, -1, &st, NULL) != SQLITE_OK)
			return dbi_sqlerr(db, err, "reading a bound table");
		int rc;
		while (want && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			lkey k;
			lkey_of_row(t, st, &k);
			uint64_t fp = key_fp(v, t->name, &k);
			pending *p = NULL;
			for (size_t i = 0; i < m->n && !p; i++)
				if (m->p[i].table == ti && m->p[i].fp == fp && !m->p[i].done)
					p = &m->p[i];
			if (!p)
				continue;
			p->done = true;
			want--;
			char key[128], cols[192] = "";
			lkey_text(t, &k, key, sizeof key);
			if (p->kind == ROWF_CHANGED) {
				ledger_encode(&v->enc, st, t->ncols);
				find_ctx f = { .v = v, .fp = fp };
				find_record(v, p->seq, &f);
				ledger_diff_columns(t, &v->enc, f.checks, f.n_checks, cols, sizeof cols);
				free(f.checks);
				if (!cols[0])
					snprintf(p->note, sizeof p->note, "no single column can be named");
			}
			add_finding(v->res, p->kind, t->name, key, cols, p->seq, p->note);
		}
		sqlite3_finalize(st);
	}
	/* rows of tables without a key, and any not met again */
	for (size_t i = 0; i < m->n; i++)
		if (!m->p[i].done)
			add_finding(v->res, m->p[i].kind, v->cat.t[m->p[i].table].name, "", "",
				    m->p[i].seq, m->p[i].note);
	return 0;
}

/* ---- the tables read beside the walk ---- */

/* The tables' rows on a connection of their own, in a thread of their own,
 * while the walk folds the chain: the two reads go in parallel. It reads the
 * same state of the file as the walk when the audit head it sees is the one
 * the walk ends at (every write binds its rows in an audit row, so the head
 * moves with any change); otherwise its reading is set aside. */
typedef struct rowfp {
	uint64_t fp;
	uint8_t h[LEDGER_PRE_LEN];
	uint32_t table;
} rowfp;

typedef struct scanner {
	const char *path;
	uint64_t k0, k1;
	size_t rows_hint;
	int rc;
	kerr err;
	int64_t head_seq;
	uint8_t head[AUDIT_HASH_LEN];
	lcat cat;
	rowfp *v;
	size_t n, cap;
	pthread_t th;
} scanner;

static int keep_row(void *ctx, size_t ti, uint64_t fp, const uint8_t *h)
{
	scanner *s = ctx;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : s->rows_hint ? s->rows_hint : 65536;
		rowfp *nv = realloc(s->v, cap * sizeof *nv);
		if (!nv)
			return kerr_set(&s->err, s->path, "out of memory reading the tables");
		s->v = nv;
		s->cap = cap;
	}
	rowfp *r = &s->v[s->n++];
	r->fp = fp;
	memcpy(r->h, h, LEDGER_PRE_LEN);
	r->table = (uint32_t)ti;
	return 0;
}

static void *scanner_run(void *p)
{
	scanner *s = p;
	s->rc = -1;
	kdb *db = dbi_new(s->path);
	if (!db) {
		kerr_set(&s->err, s->path, "out of memory");
		return NULL;
	}
	/* the same name handling as db_open(): "file:..." is a plain file here */
	char *name = malloc(strlen(s->path) + 3);
	if (name)
		sprintf(name, "%s%s", strncmp(s->path, "file:", 5) == 0 ? "./" : "", s->path);
	if (!name ||
	    sqlite3_open_v2(name, &db->h, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
		    SQLITE_OK ||
	    !(db->hasher = audit_hasher_new())) {
		kerr_set(&s->err, s->path, "cannot open the database a second time to read it");
		goto out;
	}
	sqlite3_busy_timeout(db->h, 5000);
	if (dbi_exec(db, "BEGIN", &s->err))
		goto out;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->h, "SELECT seq, hash FROM main.audit_head WHERE id = 1", -1, &st,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 1) == AUDIT_HASH_LEN) {
		s->head_seq = sqlite3_column_int64(st, 0);
		memcpy(s->head, sqlite3_column_blob(st, 1), AUDIT_HASH_LEN);
	}
	sqlite3_finalize(st);
	rowenc enc = { 0 }, kenc = { 0 };
	if (lcat_load(db, &s->cat, &s->err) == 0 &&
	    scan_tables(db, &s->cat, s->k0, s->k1, &enc, &kenc, keep_row, s, &s->err) == 0)
		s->rc = 0;
	rowenc_free(&enc);
	rowenc_free(&kenc);
	sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
out:
	free(name);
	dbi_free(db);
	return NULL;
}

/* The scanner's rows matched, when it read what the walk read. false: set
 * aside (the tables are then read on the walk's connection). */
static bool use_scanner(lverify *v, scanner *s, matcher *m)
{
	if (s->rc != 0 || s->head_seq != v->res->head_seq ||
	    memcmp(s->head, v->res->head, AUDIT_HASH_LEN) != 0 || s->cat.n != v->cat.n)
		return false;
	for (size_t i = 0; i < v->cat.n; i++)
		if (strcmp(s->cat.t[i].name, v->cat.t[i].name) != 0)
			return false;
	for (size_t i = 0; i < s->n; i++)
		match_row(m, s->v[i].table, s->v[i].fp, s->v[i].h);
	return true;
}

/* Every record whose row the tables did not show. */
static void report_deleted(lverify *v)
{
	for (size_t i = 0; i < v->cap; i++) {
		rec *r = &v->map[i];
		if (!r->fp || !r->live || r->seen)
			continue;
		if (v->res->n_found == AUDIT_ROW_FINDINGS_MAX) {
			v->res->n_more++;
			continue;
		}
		const char *table = v->names[r->table];
		find_ctx f = { .v = v, .fp = r->fp };
		find_record(v, r->seq, &f);
		free(f.checks);
		add_finding(v->res, ROWF_DELETED, table, f.found ? f.key : "?", "", r->seq,
			    lcat_find(&v->cat, table) ? "" : "its table is gone");
	}
}

/* The records' table sized once for the rows the tables hold now (each has
 * a record; deleted rows' records are few): no copy while it grows. */
static void presize(lverify *v)
{
	int64_t rows = 0;
	for (size_t i = 0; i < v->cat.n; i++) {
		if (v->cat.t[i].schema)
			continue;
		/* max(rowid) is a look-up, where count(*) would read the table;
		 * a table without rowid is counted */
		dbuf sql = { 0 };
		dbuf_add(&sql, "SELECT coalesce(max(rowid), count(*)) FROM main.");
		ledger_ident(&sql, v->cat.t[i].name);
		sqlite3_stmt *st = NULL;
		if (dbuf_done(&sql, NULL) &&
		    sqlite3_prepare_v2(v->db->h, sql.p, -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			rows += sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		dbuf_free(&sql);
	}
	rows += 256; /* the schema's rows */
	v->rows_hint = (size_t)rows + rows / 16 + 64;
	size_t cap = 1024;
	while ((double)cap * 0.7 < (double)rows * 1.05 + 64 && cap < ((size_t)1 << 40))
		cap *= 2;
	rec *m = calloc(cap, sizeof *m);
	if (m) {
		v->map = m;
		v->cap = cap;
	}
}

static int user_version(kdb *db)
{
	sqlite3_stmt *st = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(db->h, "PRAGMA main.user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

int db_audit_verify(kdb *db, audit_verify_result *res, kerr *err)
{
	memset(res, 0, sizeof *res);
	/* One snapshot for head, rows and tables, so an append by another
	 * process during the walk cannot look like a truncated tail. */
	bool own = sqlite3_get_autocommit(db->h);
	if (own && dbi_exec(db, "BEGIN", err))
		return -1;
	lverify v = { .db = db, .res = res };
	bool rows = user_version(db) >= LEDGER_SCHEMA_VERSION;
	int rc = 0;
	if (rows) {
		uint64_t key[2];
		if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key)
			rc = kerr_set(err, db->path, "no random numbers for the verifier");
		v.k0 = key[0];
		v.k1 = key[1];
		if (rc == 0)
			rc = lcat_load(db, &v.cat, err);
		if (rc == 0)
			presize(&v);
	}
	/* the tables in parallel, when this call owns its snapshot (inside a
	 * writer's transaction a second connection would not see the same) */
	scanner sc = { .path = db->path, .k0 = v.k0, .k1 = v.k1, .rows_hint = v.rows_hint,
		       .rc = -1 };
	bool threaded = rc == 0 && rows && own &&
			pthread_create(&sc.th, NULL, scanner_run, &sc) == 0;
	if (rc == 0)
		rc = dbi_audit_walk(db, res, rows ? visit : NULL, &v, err);
	if (threaded)
		pthread_join(sc.th, NULL);
	matcher *m = calloc(1, sizeof *m);
	if (rc == 0 && rows && !m)
		rc = kerr_set(err, db->path, "out of memory");
	if (rc == 1) {
		/* a broken chain: what its rows say of the tables is not to be
		 * trusted, and the break is the finding */
		res->n_found = 0;
		res->n_more = 0;
	} else if (rc == 0 && rows) {
		m->v = &v;
		res->bound_tables = (int)v.cat.n;
		if (!threaded || !use_scanner(&v, &sc, m)) {
			res->bound_rows = 0;
			m->n = 0;
			rc = scan_tables(db, &v.cat, v.k0, v.k1, &v.enc, &v.kenc, match_row, m, err);
		}
		if (rc == 0)
			rc = resolve(m, err);
		if (rc == 0)
			report_deleted(&v);
	}
	free(m);
	lcat_free(&sc.cat);
	free(sc.v);
	lcat_free(&v.cat);
	free(v.map);
	for (size_t i = 0; i < v.n_names; i++)
		free(v.names[i]);
	free(v.names);
	rowenc_free(&v.kenc);
	rowenc_free(&v.enc);
	lentry_free(&v.e);
	if (own)
		sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
	if (rc == 0 && (res->n_found || res->n_more))
		rc = 1;
	return rc;
}

const char *db_row_finding_text(const row_finding *f, char *buf, size_t n)
{
	char rec_at[64] = "";
	if (f->seq)
		snprintf(rec_at, sizeof rec_at, "; its last record is audit row %lld",
			 (long long)f->seq);
	const char *sep = f->note[0] ? " (" : "", *end = f->note[0] ? ")" : "";
	switch (f->kind) {
	case ROWF_CHANGED:
		if (f->columns[0])
			snprintf(buf, n, "%s %s: changed (column %s)%s%s%s%s", f->table, f->key,
				 f->columns, sep, f->note, end, rec_at);
		else
			snprintf(buf, n, "%s %s: changed%s%s%s%s", f->table, f->key, sep, f->note, end,
				 rec_at);
		break;
	case ROWF_DELETED:
		snprintf(buf, n, "%s %s: deleted%s%s%s%s", f->table, f->key, sep, f->note, end,
			 rec_at);
		break;
	case ROWF_INSERTED:
		snprintf(buf, n, "%s %s: inserted without its record%s%s%s%s", f->table,
			 f->key[0] ? f->key : "(a row)", sep, f->note, end, rec_at);
		break;
	default:
		snprintf(buf, n, "%s", f->note);
		break;
	}
	return buf;
}
