/* ledger: the notes the pre-update hook takes, the binding of every noted
 * row at commit, the schema's digest, the seal of an older file's rows, and
 * what a migration after the ledger owes it (see ledger.h). */
#define SQLITE_ENABLE_PREUPDATE_HOOK /* the hook's declarations (Debian's
				      * libsqlite3 is built with it) */
#include "db/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit/actions.h"
#include "db/audit_log.h"

/* ---- the state of a connection ---- */

/* A row written in the open transaction. */
typedef struct lnote {
	char *table;
	lkey key;
	uint8_t *kb;             /* the key's canonical bytes (map equality) */
	size_t kn;
	uint64_t h;
	bool had;                /* the row was there at its last record (or
				  * before the transaction) */
	rowenc was;              /* its canonical form then */
	uint8_t was_prefix[AUDIT_HASH_LEN];
	bool pending;            /* written since it was last bound */
} lnote;

struct ledger {
	lcat cat;
	lnote **notes;           /* in the order first noted */
	size_t n_notes, cap_notes;
	size_t *map;             /* open addressing: note index + 1, 0 empty */
	size_t map_cap;
	size_t n_pending;
	int schema_cookie;       /* PRAGMA schema_version when last checked */
	char schema_bad[320];    /* why writes are refused, "" when none */
	char failed[320];        /* a write the hook could not note ("" none) */
	rowenc enc, kenc;        /* scratch of the binder */
	rowenc henc, hkenc;      /* scratch of the pre-update hook */
};

bool dbi_ledger_on(const kdb *db)
{
	return db->ledger != NULL;
}

static uint64_t fnv64(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ull;
	}
	return h;
}

static void note_free(lnote *n)
{
	if (!n)
		return;
	free(n->table);
	lkey_free(&n->key);
	free(n->kb);
	rowenc_free(&n->was);
	free(n);
}

static void notes_clear(struct ledger *l)
{
	for (size_t i = 0; i < l->n_notes; i++)
		note_free(l->notes[i]);
	l->n_notes = 0;
	l->n_pending = 0;
	if (l->map)
		memset(l->map, 0, l->map_cap * sizeof *l->map);
}

static bool map_grow(struct ledger *l)
{
	size_t cap = l->map_cap ? l->map_cap * 2 : 256;
	size_t *m = calloc(cap, sizeof *m);
	if (!m)
		return false;
	for (size_t i = 0; i < l->n_notes; i++) {
		size_t j = (size_t)l->notes[i]->h & (cap - 1);
		while (m[j])
			j = (j + 1) & (cap - 1);
		m[j] = i + 1;
	}
	free(l->map);
	l->map = m;
	l->map_cap = cap;
	return true;
}

/* The note of (table, key), made when new (*created). NULL out of memory. */
static lnote *note_get(struct ledger *l, const char *table, const lkey *key, bool *created)
{
	*created = false;
	lkey_bytes(key, &l->kenc);
	if (l->kenc.oom)
		return NULL;
	uint64_t h = fnv64(fnv64(14695981039346656037ull, table, strlen(table) + 1), l->kenc.p,
			   l->kenc.len);
	if ((l->n_notes + 1) * 2 > l->map_cap && !map_grow(l))
		return NULL;
	size_t j = (size_t)h & (l->map_cap - 1);
	while (l->map[j]) {
		lnote *n = l->notes[l->map[j] - 1];
		if (n->h == h && n->kn == l->kenc.len && memcmp(n->kb, l->kenc.p, n->kn) == 0 &&
		    strcmp(n->table, table) == 0)
			return n;
		j = (j + 1) & (l->map_cap - 1);
	}
	if (l->n_notes == l->cap_notes) {
		size_t cap = l->cap_notes ? l->cap_notes * 2 : 64;
		lnote **v = realloc(l->notes, cap * sizeof *v);
		if (!v)
			return NULL;
		l->notes = v;
		l->cap_notes = cap;
	}
	lnote *n = calloc(1, sizeof *n);
	if (!n)
		return NULL;
	n->table = strdup(table);
	n->kb = malloc(l->kenc.len ? l->kenc.len : 1);
	n->kn = l->kenc.len;
	n->h = h;
	bool ok = n->table && n->kb;
	if (ok)
		memcpy(n->kb, l->kenc.p, l->kenc.len);
	n->key.n = key->n;
	for (int i = 0; ok && i < key->n; i++)
		ok = lval_copy(&n->key.v[i], &key->v[i]);
	if (!ok) {
		note_free(n);
		return NULL;
	}
	l->notes[l->n_notes++] = n;
	l->map[j] = l->n_notes;
	*created = true;
	return n;
}

static void note_pending(struct ledger *l, lnote *n)
{
	if (!n->pending) {
		n->pending = true;
		l->n_pending++;
	}
}

/* The row of t with key k, its statement stepped to it: SQLITE_ROW, or
 * SQLITE_DONE when there is none (reset the statement when done), -1 err. */
static int row_by_key(kdb *db, ltab *t, const lkey *k, kerr *err)
{
	if (!t->st_key &&
	    sqlite3_prepare_v3(db->h, t->by_key, -1, SQLITE_PREPARE_PERSISTENT, &t->st_key, NULL) !=
		    SQLITE_OK) {
		dbi_sqlerr(db, err, "reading a bound row");
		return -1;
	}
	sqlite3_reset(t->st_key);
	for (int i = 0; i < k->n && i < t->nkey; i++)
		lval_bind(t->st_key, i + 1, &k->v[i]);
	int rc = sqlite3_step(t->st_key);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		dbi_sqlerr(db, err, "reading a bound row");
		sqlite3_reset(t->st_key);
		return -1;
	}
	return rc;
}

/* A value of the row being changed, as the pre-update hook gives it. */
static sqlite3_value *pu_value(sqlite3 *h, bool old, int i)
{
	sqlite3_value *v = NULL;
	if ((old ? sqlite3_preupdate_old(h, i, &v) : sqlite3_preupdate_new(h, i, &v)) != SQLITE_OK)
		return NULL;
	return v;
}

/* The key of the row being changed, before (old) or after it. */
static bool pu_key(sqlite3 *h, const ltab *t, bool old, sqlite3_int64 rowid, lkey *k,
		   sqlite3_value **hold)
{
	k->n = t->nkey;
	for (int i = 0; i < t->nkey; i++) {
		if (t->by_rowid) {
			k->v[i].type = SQLITE_INTEGER; /* the rowid is the key */
			k->v[i].i = rowid;
			k->v[i].p = NULL;
			k->v[i].n = 0;
			continue;
		}
		hold[i] = pu_value(h, old, t->key[i]);
		if (!hold[i])
			return false;
		lval_view(&k->v[i], hold[i]);
	}
	return true;
}

/* The row being changed, before the change, as the canonical form. */
static void pu_encode(sqlite3 *h, const ltab *t, sqlite3_int64 rowid, rowenc *e)
{
	rowenc_clear(e);
	bool rid = t->by_rowid;
	for (size_t i = 0; i < t->ncols; i++) {
		rowval r = { 0 };
		if (rid && i == 0) {
			r.type = RV_INT;
			r.i = rowid;
			rowenc_add(e, &r);
			continue;
		}
		sqlite3_value *v = pu_value(h, true, (int)i - (rid ? 1 : 0));
		switch (v ? sqlite3_value_type(v) : SQLITE_NULL) {
		case SQLITE_INTEGER:
			r.type = RV_INT;
			r.i = sqlite3_value_int64(v);
			break;
		case SQLITE_FLOAT:
			r.type = RV_REAL;
			r.r = sqlite3_value_double(v);
			break;
		case SQLITE_TEXT:
			r.type = RV_TEXT;
			r.p = sqlite3_value_text(v);
			r.n = (size_t)sqlite3_value_bytes(v);
			break;
		case SQLITE_BLOB:
			r.type = RV_BLOB;
			r.p = sqlite3_value_blob(v);
			r.n = (size_t)sqlite3_value_bytes(v);
			break;
		default:
			r.type = RV_NULL;
			break;
		}
		rowenc_add(e, &r);
	}
}

/* Note the row with key k of t: before its first change in the
 * transaction (old), keep it as it is. */
static void note_key(kdb *db, const ltab *t, const lkey *k, bool old, sqlite3_int64 rowid)
{
	struct ledger *l = db->ledger;
	bool created;
	lnote *n = note_get(l, t->name, k, &created);
	if (!n) {
		snprintf(l->failed, sizeof l->failed, "out of memory noting a row of %s", t->name);
		return;
	}
	if (created && old) {
		pu_encode(db->h, t, rowid, &n->was);
		n->had = true;
		memcpy(n->was_prefix, t->prefix, AUDIT_HASH_LEN);
		if (n->was.oom)
			snprintf(l->failed, sizeof l->failed, "out of memory noting a row of %s",
				 t->name);
	}
	note_pending(l, n);
}

/* SQLite's pre-update hook: every row about to be inserted, changed or
 * deleted on this connection, by any statement (a raw one, a trigger's), is
 * noted before it changes. */
static void on_preupdate(void *p, sqlite3 *h, int op, const char *zdb, const char *ztab,
			 sqlite3_int64 k1, sqlite3_int64 k2)
{
	kdb *db = p;
	struct ledger *l = db->ledger;
	if (!l || strcmp(zdb, "main") != 0)
		return;
	const ltab *t = lcat_find(&l->cat, ztab);
	if (!t || t->schema)
		return; /* the chain itself, or no bound table */
	if (!t->nkey) {
		snprintf(l->failed, sizeof l->failed,
			 "table %s has no key the ledger can bind: its rows cannot be written",
			 t->name);
		return;
	}
	lkey k;
	sqlite3_value *hold[LEDGER_KEY_MAX];
	if (op == SQLITE_INSERT) {
		if (pu_key(h, t, false, k2, &k, hold))
			note_key(db, t, &k, false, k2);
		return;
	}
	if (!pu_key(h, t, true, k1, &k, hold)) {
		snprintf(l->failed, sizeof l->failed, "a row of %s could not be read", t->name);
		return;
	}
	note_key(db, t, &k, true, k1);
	if (op == SQLITE_UPDATE) {
		/* a changed key makes a new row: noted too */
		lkey nk;
		sqlite3_value *hold2[LEDGER_KEY_MAX];
		if (!pu_key(h, t, false, k2, &nk, hold2)) {
			snprintf(l->failed, sizeof l->failed, "a row of %s could not be read",
				 t->name);
			return;
		}
		lkey_bytes(&k, &l->henc);
		lkey_bytes(&nk, &l->hkenc);
		if (l->henc.len != l->hkenc.len || memcmp(l->henc.p, l->hkenc.p, l->henc.len) != 0)
			note_key(db, t, &nk, false, k2);
	}
}

/* ---- writing bindings ---- */

typedef struct binder {
	kdb *db;
	audit_action action;
	const char *note;
	char actor[40];
	size_t n;        /* entries in the row being filled */
	dbuf d;
	uint8_t *checks;
	size_t ccap;
} binder;

static void binder_free(binder *b)
{
	dbuf_free(&b->d);
	free(b->checks);
}

static int binder_flush(binder *b, kerr *err)
{
	if (!b->n)
		return 0;
	dbuf_add(&b->d, "]");
	if (b->note) {
		dbuf_add(&b->d, ",\"note\":");
		dbuf_json(&b->d, b->note);
	}
	dbuf_add(&b->d, "}");
	const char *detail = dbuf_done(&b->d, err);
	if (!detail || dbi_audit_append(b->db, b->actor, b->action, "", detail, err))
		return -1;
	b->n = 0;
	dbuf_free(&b->d);
	return 0;
}

/* One binding: was (NULL: no row before) and now (NULL: no row now), each
 * under its table prefix. */
static int binder_add(binder *b, const char *table, const lkey *k, const rowenc *was,
		      const uint8_t *was_prefix, const rowenc *now, const uint8_t *now_prefix,
		      kerr *err)
{
	kdb *db = b->db;
	uint8_t pre[AUDIT_HASH_LEN], hash[AUDIT_HASH_LEN];
	if ((was && rowhash(db->hasher, was_prefix, was, pre)) ||
	    (now && rowhash(db->hasher, now_prefix, now, hash)))
		return kerr_set(err, db->path, "computing a row hash failed (OpenSSL)");
	size_t nc = now ? now->ncols * ROWHASH_CHECK_LEN : 0;
	if (nc > b->ccap) {
		uint8_t *c = realloc(b->checks, nc);
		if (!c)
			return kerr_set(err, db->path, "out of memory");
		b->checks = c;
		b->ccap = nc;
	}
	if (now)
		rowenc_checks(now, b->checks, nc);
	if (!b->n)
		dbuf_add(&b->d, "{\"rows\":[");
	ledger_entry_text(&b->d, b->n == 0, table, k, was ? pre : NULL, now ? hash : NULL,
			  b->checks, nc);
	if (++b->n == LEDGER_CHUNK)
		return binder_flush(b, err);
	return 0;
}

/* Bind one noted row: what it was at its last record, what it is now. */
static int bind_note(binder *b, lnote *n, kerr *err)
{
	kdb *db = b->db;
	struct ledger *l = db->ledger;
	ltab *t = lcat_find(&l->cat, n->table);
	int rc = t && t->nkey ? row_by_key(db, t, &n->key, err) : SQLITE_DONE;
	if (rc < 0)
		return -1;
	bool has = rc == SQLITE_ROW;
	if (has)
		ledger_encode(&l->enc, t->st_key, t->ncols);
	if (t && t->st_key)
		sqlite3_reset(t->st_key);
	if (l->enc.oom)
		return kerr_set(err, db->path, "out of memory");
	if (!has && !n->had)
		return 0; /* added and removed again in the transaction */
	if (has && n->had && memcmp(n->was_prefix, t->prefix, AUDIT_HASH_LEN) == 0 &&
	    n->was.len == l->enc.len && memcmp(n->was.p, l->enc.p, l->enc.len) == 0)
		return 0; /* written back as it was: nothing to record */
	if (binder_add(b, n->table, &n->key, n->had ? &n->was : NULL, n->was_prefix,
		       has ? &l->enc : NULL, has ? t->prefix : NULL, err))
		return -1;
	/* the next record of the row starts from this one */
	n->had = has;
	if (has) {
		if (!rowenc_copy(&n->was, &l->enc))
			return kerr_set(err, db->path, "out of memory");
		memcpy(n->was_prefix, t->prefix, AUDIT_HASH_LEN);
	}
	return 0;
}

/* Bind every pending note, in the order noted. */
static int bind_pending(kdb *db, audit_action action, const char *note, kerr *err)
{
	struct ledger *l = db->ledger;
	if (!l || !l->n_pending)
		return 0;
	binder b = { .db = db, .action = action, .note = note };
	dbi_copy(b.actor, sizeof b.actor, db->last_actor[0] ? db->last_actor : "system");
	int rc = 0;
	for (size_t i = 0; i < l->n_notes && rc == 0; i++) {
		lnote *n = l->notes[i];
		if (!n->pending)
			continue;
		rc = bind_note(&b, n, err);
		if (rc == 0) {
			n->pending = false;
			l->n_pending--;
		}
	}
	if (rc == 0)
		rc = binder_flush(&b, err);
	binder_free(&b);
	return rc;
}

/* ---- the schema's digest ---- */

int dbi_ledger_schema_digest(kdb *db, char hex[2 * AUDIT_HASH_LEN + 1], kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT type, name, tbl_name, sql FROM main.sqlite_schema"
				    " WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
				    " ORDER BY type, name",
				    err);
	if (!st)
		return -1;
	rowenc all = { 0 }, one = { 0 };
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ledger_encode(&one, st, 4);
		rowval v = { .type = RV_BLOB, .p = one.p, .n = one.len };
		rowenc_add(&all, &v);
	}
	sqlite3_reset(st);
	int res = 0;
	uint8_t h[AUDIT_HASH_LEN];
	if (rc != SQLITE_DONE) {
		res = dbi_sqlerr(db, err, "reading the schema");
	} else if (all.oom || one.oom) {
		res = kerr_set(err, db->path, "out of memory");
	} else {
		audit_part part = { all.p, all.len };
		if (audit_digest(db->hasher, &part, 1, h))
			res = kerr_set(err, db->path, "computing the schema's digest failed (OpenSSL)");
		else
			audit_hex(h, hex);
	}
	rowenc_free(&all);
	rowenc_free(&one);
	return res;
}

static int schema_cookie(kdb *db)
{
	sqlite3_stmt *st = dbi_stmt(db, "PRAGMA main.schema_version", NULL);
	if (!st)
		return -1;
	int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_reset(st);
	return v;
}

/* The schema against its digest in meta; l->schema_bad says why writes are
 * refused. 0, -1 error. */
static int schema_check(kdb *db, kerr *err)
{
	struct ledger *l = db->ledger;
	l->schema_bad[0] = '\0';
	char now[2 * AUDIT_HASH_LEN + 1], kept[2 * AUDIT_HASH_LEN + 1] = "";
	if (dbi_ledger_schema_digest(db, now, err))
		return -1;
	sqlite3_stmt *st = dbi_stmt(db, "SELECT value FROM main.meta WHERE key = '"
				    LEDGER_META_DIGEST "'", err);
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		dbi_copy(kept, sizeof kept, (const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "reading the schema's digest");
	if (strcmp(now, kept) != 0)
		snprintf(l->schema_bad, sizeof l->schema_bad,
			 "tables, indexes or triggers differ from those the kiosk recorded");
	l->schema_cookie = schema_cookie(db);
	return 0;
}

/* ---- the hooks ---- */

static int hook_before_commit(kdb *db, kerr *err)
{
	struct ledger *l = db->ledger;
	if (!l)
		return 0;
	/* an operation inside another binds with the outermost one */
	if (db->op_depth > 1)
		return 0;
	if (l->failed[0])
		return kerr_set(err, db->path, "%s; nothing was written", l->failed);
	if (schema_cookie(db) != l->schema_cookie && schema_check(db, err))
		return -1;
	if (l->schema_bad[0])
		return kerr_set(err, db->path,
				"the database's schema was changed outside the kiosk (%s): nothing "
				"is written to it. Run kioskctl audit verify",
				l->schema_bad);
	return bind_pending(db, AUD_LEDGER_BIND, NULL, err);
}

/* A failed operation's savepoint undone: its rows are back as they were at
 * their last record (operations bind when they end), so binding them again
 * finds them unchanged and costs nothing. */
static void hook_savepoint_undone(kdb *db)
{
	struct ledger *l = db->ledger;
	if (!l)
		return;
	for (size_t i = 0; i < l->n_notes; i++)
		note_pending(l, l->notes[i]);
}

static void ledger_free(struct ledger *l)
{
	if (!l)
		return;
	notes_clear(l);
	free(l->notes);
	free(l->map);
	lcat_free(&l->cat);
	rowenc_free(&l->enc);
	rowenc_free(&l->kenc);
	rowenc_free(&l->henc);
	rowenc_free(&l->hkenc);
	free(l);
}

static void hook_release(kdb *db)
{
	if (db->h) {
		sqlite3_preupdate_hook(db->h, NULL, NULL);
		sqlite3_commit_hook(db->h, NULL, NULL);
		sqlite3_rollback_hook(db->h, NULL, NULL);
	}
	ledger_free(db->ledger);
	db->ledger = NULL;
}

static const dbi_tx_hooks ledger_hooks = {
	.before_commit = hook_before_commit,
	.savepoint_undone = hook_savepoint_undone,
	.release = hook_release,
};

/* SQLite's own: a transaction may not commit while rows written in it are
 * unbound (a write that bypassed the operations). */
static int on_commit(void *p)
{
	kdb *db = p;
	struct ledger *l = db->ledger;
	if (l && (l->n_pending || l->failed[0]))
		return 1;
	if (l)
		notes_clear(l);
	return 0;
}

static void on_rollback(void *p)
{
	kdb *db = p;
	if (db->ledger) {
		notes_clear(db->ledger);
		db->ledger->failed[0] = '\0';
	}
}

/* ---- attaching ---- */

int dbi_ledger_attach(kdb *db, kerr *err)
{
	struct ledger *l = db->ledger;
	bool fresh = !l;
	if (fresh && !(l = calloc(1, sizeof *l)))
		return kerr_set(err, db->path, "out of memory");
	lcat cat;
	if (lcat_load(db, &cat, err)) {
		if (fresh)
			free(l);
		return -1;
	}
	lcat_free(&l->cat);
	l->cat = cat;
	if (fresh) {
		db->ledger = l;
		db->hooks = &ledger_hooks;
		sqlite3_preupdate_hook(db->h, on_preupdate, db);
		sqlite3_commit_hook(db->h, on_commit, db);
		sqlite3_rollback_hook(db->h, on_rollback, db);
	}
	return schema_check(db, err);
}

/* ---- sealing an older file ---- */

/* The schema's digest into meta (in the caller's transaction). */
static int keep_schema_digest(kdb *db, kerr *err)
{
	char hex[2 * AUDIT_HASH_LEN + 1];
	if (dbi_ledger_schema_digest(db, hex, err))
		return -1;
	sqlite3_stmt *st = dbi_stmt(db,
				    "INSERT INTO main.meta (key, value) VALUES ('" LEDGER_META_DIGEST
				    "', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
				    err);
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_TRANSIENT);
	return dbi_step_done(db, st, "keeping the schema's digest", err);
}

int dbi_ledger_seal_all(kdb *db, const char *note, kerr *err)
{
	sqlite3_stmt *st = dbi_stmt(db,
				    "SELECT EXISTS (SELECT 1 FROM audit WHERE action IN"
				    " ('ledger.bind', 'ledger.seal'))",
				    err);
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	int bound = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return dbi_sqlerr(db, err, "reading the audit log");
	if (bound)
		return kerr_set(err, db->path,
				"the audit log already binds this file's rows, yet the file says it "
				"is older: it was tampered with, and its rows are not sealed again "
				"as found. Restore it from a backup");
	if (keep_schema_digest(db, err))
		return -1;
	lcat cat;
	if (lcat_load(db, &cat, err))
		return -1;
	binder b = { .db = db, .action = AUD_LEDGER_SEAL, .note = note };
	dbi_copy(b.actor, sizeof b.actor, "system");
	rowenc enc = { 0 };
	rc = 0;
	for (size_t i = 0; i < cat.n && rc == 0; i++) {
		ltab *t = &cat.t[i];
		if (!t->nkey)
			continue; /* nothing a binding can hold; verify reports its rows */
		sqlite3_stmt *rows = NULL;
		if (sqlite3_prepare_v2(db->h, t->select, -1, &rows, NULL) != SQLITE_OK) {
			rc = dbi_sqlerr(db, err, "sealing the rows");
			break;
		}
		int r = SQLITE_DONE;
		while (rc == 0 && (r = sqlite3_step(rows)) == SQLITE_ROW) {
			lkey k;
			lkey_of_row(t, rows, &k);
			ledger_encode(&enc, rows, t->ncols);
			rc = binder_add(&b, t->name, &k, NULL, NULL, &enc, t->prefix, err);
		}
		if (rc == 0 && r != SQLITE_DONE)
			rc = dbi_sqlerr(db, err, "sealing the rows");
		sqlite3_finalize(rows);
	}
	if (rc == 0)
		rc = binder_flush(&b, err);
	binder_free(&b);
	rowenc_free(&enc);
	lcat_free(&cat);
	return rc;
}

/* ---- migrations after the ledger ---- */

typedef struct schema_row_copy {
	lkey key;
	rowenc row;
} schema_row_copy;

struct ledger_before {
	lcat cat;                 /* the bound tables as they were */
	bool *had_rows;           /* per table of cat */
	schema_row_copy *schema;  /* the schema's rows as they were */
	size_t n_schema;
};

void dbi_ledger_before_free(ledger_before *b)
{
	if (!b)
		return;
	lcat_free(&b->cat);
	free(b->had_rows);
	for (size_t i = 0; i < b->n_schema; i++) {
		lkey_free(&b->schema[i].key);
		rowenc_free(&b->schema[i].row);
	}
	free(b->schema);
	free(b);
}

ledger_before *dbi_ledger_before_migration(kdb *db, kerr *err)
{
	ledger_before *b = calloc(1, sizeof *b);
	if (!b) {
		kerr_set(err, db->path, "out of memory");
		return NULL;
	}
	if (lcat_load(db, &b->cat, err)) {
		free(b);
		return NULL;
	}
	if (!(b->had_rows = calloc(b->cat.n, sizeof *b->had_rows))) {
		kerr_set(err, db->path, "out of memory");
		dbi_ledger_before_free(b);
		return NULL;
	}
	for (size_t i = 0; i < b->cat.n; i++) {
		sqlite3_stmt *one = NULL;
		if (sqlite3_prepare_v2(db->h, b->cat.t[i].select, -1, &one, NULL) == SQLITE_OK)
			b->had_rows[i] = sqlite3_step(one) == SQLITE_ROW;
		sqlite3_finalize(one);
	}
	ltab *t = lcat_find(&b->cat, LEDGER_SCHEMA_TABLE);
	sqlite3_stmt *st = NULL;
	if (!t || sqlite3_prepare_v2(db->h, t->select, -1, &st, NULL) != SQLITE_OK) {
		dbi_sqlerr(db, err, "reading the schema");
		dbi_ledger_before_free(b);
		return NULL;
	}
	size_t cap = 0;
	int rc;
	bool oom = false;
	while (!oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (b->n_schema == cap) {
			size_t c = cap ? cap * 2 : 64;
			schema_row_copy *v = realloc(b->schema, c * sizeof *v);
			if (!v) {
				oom = true;
				break;
			}
			b->schema = v;
			cap = c;
		}
		schema_row_copy *r = &b->schema[b->n_schema++];
		memset(r, 0, sizeof *r);
		lkey k;
		lkey_of_row(t, st, &k);
		r->key.n = k.n;
		for (int i = 0; i < k.n; i++)
			if (!lval_copy(&r->key.v[i], &k.v[i]))
				oom = true;
		ledger_encode(&r->row, st, t->ncols);
		oom = oom || r->row.oom;
	}
	sqlite3_finalize(st);
	if (oom || rc != SQLITE_DONE) {
		if (oom)
			kerr_set(err, db->path, "out of memory reading the schema");
		else
			dbi_sqlerr(db, err, "reading the schema");
		dbi_ledger_before_free(b);
		return NULL;
	}
	return b;
}

/* A note for a row a migration touched without a trigger seeing it, with
 * what it was (NULL: no row). */
static int note_migrated(kdb *db, const char *table, const lkey *k, const rowenc *was,
			 const uint8_t *prefix, kerr *err)
{
	struct ledger *l = db->ledger;
	bool created;
	lnote *n = note_get(l, table, k, &created);
	if (!n)
		return kerr_set(err, db->path, "out of memory");
	if (created && was) {
		if (!rowenc_copy(&n->was, was))
			return kerr_set(err, db->path, "out of memory");
		n->had = true;
		memcpy(n->was_prefix, prefix, AUDIT_HASH_LEN);
	}
	note_pending(l, n);
	return 0;
}

/* The schema's rows a migration changed, added or removed. */
static int note_schema_changes(kdb *db, ledger_before *b, kerr *err)
{
	struct ledger *l = db->ledger;
	ltab *t = lcat_find(&l->cat, LEDGER_SCHEMA_TABLE);
	const ltab *old = lcat_find(&b->cat, LEDGER_SCHEMA_TABLE);
	sqlite3_stmt *st = NULL;
	if (!t || !old || sqlite3_prepare_v2(db->h, t->select, -1, &st, NULL) != SQLITE_OK)
		return dbi_sqlerr(db, err, "reading the schema");
	bool *seen = calloc(b->n_schema ? b->n_schema : 1, sizeof *seen);
	if (!seen) {
		sqlite3_finalize(st);
		return kerr_set(err, db->path, "out of memory");
	}
	rowenc kb = { 0 };
	int rc = SQLITE_DONE, res = 0;
	while (res == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		lkey k;
		lkey_of_row(t, st, &k);
		ledger_encode(&l->enc, st, t->ncols);
		const schema_row_copy *was = NULL;
		lkey_bytes(&k, &l->kenc);
		for (size_t i = 0; i < b->n_schema && !was; i++) {
			lkey_bytes(&b->schema[i].key, &kb);
			if (kb.len == l->kenc.len && memcmp(kb.p, l->kenc.p, kb.len) == 0) {
				was = &b->schema[i];
				seen[i] = true;
			}
		}
		if (was && was->row.len == l->enc.len &&
		    memcmp(was->row.p, l->enc.p, l->enc.len) == 0)
			continue;
		res = note_migrated(db, t->name, &k, was ? &was->row : NULL, old->prefix, err);
	}
	sqlite3_finalize(st);
	rowenc_free(&kb);
	if (res == 0 && rc != SQLITE_DONE)
		res = dbi_sqlerr(db, err, "reading the schema");
	for (size_t i = 0; res == 0 && i < b->n_schema; i++)
		if (!seen[i])
			res = note_migrated(db, t->name, &b->schema[i].key, &b->schema[i].row,
					    old->prefix, err);
	free(seen);
	return res;
}

static bool same_columns(const ltab *a, const ltab *b)
{
	if (a->ncols != b->ncols)
		return false;
	for (size_t i = 0; i < a->ncols; i++)
		if (strcmp(a->cols[i], b->cols[i]) != 0)
			return false;
	return true;
}

/* Every row of table t (now), with what it held under the columns of old
 * (the table before the migration; NULL: the table is new). */
static int note_table_rows(kdb *db, const ltab *t, const ltab *old, kerr *err)
{
	dbuf sql = { 0 };
	dbuf_add(&sql, "SELECT ");
	size_t nold = old ? old->ncols : 0;
	for (size_t i = 0; i < nold; i++) {
		ltab_col_ref(&sql, old, i);
		dbuf_add(&sql, ", ");
	}
	for (int i = 0; i < t->nkey; i++) {
		if (i)
			dbuf_add(&sql, ", ");
		ltab_col_ref(&sql, t, (size_t)t->key[i]);
	}
	dbuf_add(&sql, " FROM main.");
	ledger_ident(&sql, t->name);
	const char *text = dbuf_done(&sql, err);
	if (!text)
		return -1;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->h, text, -1, &st, NULL) != SQLITE_OK) {
		/* a column the migration renamed or dropped: the rows cannot be
		 * matched with their records under the old columns; they are bound
		 * as they are, and verify names any that differed before */
		dbuf_free(&sql);
		return note_table_rows(db, t, NULL, err);
	}
	dbuf_free(&sql);
	rowenc was = { 0 };
	int rc = SQLITE_DONE, res = 0;
	while (res == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		lkey k = { .n = t->nkey };
		for (int i = 0; i < t->nkey; i++)
			lval_view(&k.v[i], sqlite3_column_value(st, (int)nold + i));
		if (old)
			ledger_encode(&was, st, nold);
		res = note_migrated(db, t->name, &k, old ? &was : NULL, old ? old->prefix : NULL,
				    err);
	}
	if (res == 0 && rc != SQLITE_DONE)
		res = dbi_sqlerr(db, err, "reading a bound table");
	sqlite3_finalize(st);
	rowenc_free(&was);
	return res;
}

int dbi_ledger_after_migration(kdb *db, ledger_before *b, const char *note, kerr *err)
{
	if (dbi_ledger_attach(db, err))
		return -1;
	struct ledger *l = db->ledger;
	for (size_t i = 0; i < l->cat.n; i++) {
		const ltab *t = &l->cat.t[i];
		if (t->schema || !t->nkey)
			continue;
		const ltab *old = lcat_find(&b->cat, t->name);
		if (old && same_columns(old, t))
			continue; /* its triggers saw whatever the migration wrote */
		if (note_table_rows(db, t, old, err))
			return -1;
	}
	/* a table the migration dropped must have had its rows deleted first by
	 * the migration itself, so that each deletion is bound (the triggers saw
	 * them); rows dropped with their table would be records without rows */
	for (size_t i = 0; i < b->cat.n; i++) {
		const ltab *old = &b->cat.t[i];
		if (old->schema || !b->had_rows[i] || lcat_find(&l->cat, old->name))
			continue;
		bool deleted = false;
		for (size_t k = 0; k < l->n_notes && !deleted; k++)
			deleted = strcmp(l->notes[k]->table, old->name) == 0;
		if (!deleted)
			return kerr_set(err, db->path,
					"the migration drops table %s with its rows: it must delete "
					"them first (DELETE FROM %s), so that their deletion is bound "
					"to the audit chain",
					old->name, old->name);
	}
	if (keep_schema_digest(db, err) || note_schema_changes(db, b, err) ||
	    bind_pending(db, AUD_LEDGER_SEAL, note, err))
		return -1;
	return schema_check(db, err);
}
