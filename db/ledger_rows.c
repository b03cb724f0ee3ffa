/* ledger_rows: what the binder and the verifier share (see ledger.h): the
 * bound tables as the file declares them, key values, a row's canonical
 * form, and the text of a binding row, written and read back. */
#include "db/ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- key values ---- */

void lval_view(lval *out, sqlite3_value *v)
{
	out->type = sqlite3_value_type(v);
	out->i = 0;
	out->r = 0;
	out->p = NULL;
	out->n = 0;
	switch (out->type) {
	case SQLITE_INTEGER:
		out->i = sqlite3_value_int64(v);
		break;
	case SQLITE_FLOAT:
		out->r = sqlite3_value_double(v);
		break;
	case SQLITE_TEXT:
		out->p = (const char *)sqlite3_value_text(v);
		out->n = (size_t)sqlite3_value_bytes(v);
		break;
	case SQLITE_BLOB:
		out->p = sqlite3_value_blob(v);
		out->n = (size_t)sqlite3_value_bytes(v);
		break;
	default:
		out->type = SQLITE_NULL;
		break;
	}
}

bool lval_copy(lval *dst, const lval *src)
{
	dst->type = src->type;
	dst->i = src->i;
	dst->r = src->r;
	dst->n = src->n;
	if (src->type != SQLITE_TEXT && src->type != SQLITE_BLOB) {
		dst->p = NULL;
		return true;
	}
	if (src->n + 1 > dst->cap) {
		size_t cap = src->n + 1 < 32 ? 32 : src->n + 1;
		char *p = realloc(dst->own, cap);
		if (!p)
			return false;
		dst->own = p;
		dst->cap = cap;
	}
	if (src->n)
		memcpy(dst->own, src->p, src->n);
	dst->own[src->n] = '\0';
	dst->p = dst->own;
	return true;
}

void lkey_free(lkey *k)
{
	for (int i = 0; i < LEDGER_KEY_MAX; i++)
		free(k->v[i].own);
	memset(k, 0, sizeof *k);
}

void lval_bind(sqlite3_stmt *st, int i, const lval *v)
{
	switch (v->type) {
	case SQLITE_INTEGER:
		sqlite3_bind_int64(st, i, v->i);
		break;
	case SQLITE_FLOAT:
		sqlite3_bind_double(st, i, v->r);
		break;
	case SQLITE_TEXT:
		sqlite3_bind_text(st, i, v->p ? v->p : "", (int)v->n, SQLITE_TRANSIENT);
		break;
	case SQLITE_BLOB:
		sqlite3_bind_blob(st, i, v->p ? v->p : "", (int)v->n, SQLITE_TRANSIENT);
		break;
	default:
		sqlite3_bind_null(st, i);
		break;
	}
}

void lkey_of_row(const ltab *t, sqlite3_stmt *row, lkey *k)
{
	k->n = t->nkey;
	for (int i = 0; i < t->nkey; i++)
		lval_view(&k->v[i], sqlite3_column_value(row, t->key[i]));
}

void lkey_bytes(const lkey *k, rowenc *e)
{
	rowenc_clear(e);
	for (int i = 0; i < k->n; i++) {
		const lval *v = &k->v[i];
		rowval r = { 0 };
		r.type = v->type == SQLITE_INTEGER ? RV_INT
			 : v->type == SQLITE_FLOAT ? RV_REAL
			 : v->type == SQLITE_TEXT  ? RV_TEXT
			 : v->type == SQLITE_BLOB  ? RV_BLOB
						   : RV_NULL;
		r.i = v->i;
		r.r = v->r;
		r.p = v->p;
		r.n = v->n;
		rowenc_add(e, &r);
	}
}

/* One value as the key text shows it, at most n - 1 bytes. */
static void lval_text(const lval *v, char *buf, size_t n)
{
	switch (v->type) {
	case SQLITE_INTEGER:
		snprintf(buf, n, "%lld", (long long)v->i);
		break;
	case SQLITE_FLOAT:
		snprintf(buf, n, "%.17g", v->r);
		break;
	case SQLITE_TEXT: {
		size_t k = 0;
		for (size_t i = 0; i < v->n && k + 1 < n && k < 64; i++)
			buf[k++] = (unsigned char)v->p[i] < 0x20 ? '?' : v->p[i];
		buf[k] = '\0';
		break;
	}
	case SQLITE_BLOB:
		snprintf(buf, n, "x'%zu bytes'", v->n);
		break;
	default:
		snprintf(buf, n, "NULL");
		break;
	}
}

void lkey_text(const ltab *t, const lkey *k, char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int i = 0; i < k->n && len + 1 < n; i++) {
		char v[80];
		lval_text(&k->v[i], v, sizeof v);
		const char *col = t && i < t->nkey ? t->cols[t->key[i]] : NULL;
		int w = col ? snprintf(buf + len, n - len, "%s%s=%s", i ? ", " : "", col, v)
			    : snprintf(buf + len, n - len, "%s%s", i ? ", " : "", v);
		if (w < 0)
			break;
		len += (size_t)w;
		if (len >= n)
			len = n - 1;
	}
	if (t && t->schema && k->n == 2 && k->v[0].type == SQLITE_TEXT) {
		/* the schema's rows read better as "trigger x" */
		char a[80], b[80];
		lval_text(&k->v[0], a, sizeof a);
		lval_text(&k->v[1], b, sizeof b);
		snprintf(buf, n, "%s %s", a, b);
	}
}

/* ---- the text of a binding ---- */

static const char hexdig[] = "0123456789abcdef";

static void add_hex(dbuf *d, const void *p, size_t n)
{
	char tmp[2 * 64];
	const unsigned char *b = p;
	while (n) {
		size_t k = n < 64 ? n : 64;
		for (size_t i = 0; i < k; i++) {
			tmp[2 * i] = hexdig[b[i] >> 4];
			tmp[2 * i + 1] = hexdig[b[i] & 15];
		}
		dbuf_addn(d, tmp, 2 * k);
		b += k;
		n -= k;
	}
}

/* A JSON string of n bytes, escaped as dbuf_json() does (and a NUL too). */
static void add_json(dbuf *d, const char *s, size_t n)
{
	dbuf_addn(d, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != 0x7f && c != '"' && c != '\\')
			continue;
		dbuf_addn(d, s + run, i - run);
		run = i + 1;
		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };
			dbuf_addn(d, esc, 2);
		} else {
			char esc[6] = { '\\', 'u', '0', '0', hexdig[c >> 4], hexdig[c & 15] };
			dbuf_addn(d, esc, 6);
		}
	}
	dbuf_addn(d, s + run, n - run);
	dbuf_addn(d, "\"", 1);
}

static void add_int(dbuf *d, int64_t v)
{
	char tmp[24];
	size_t k = sizeof tmp;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do {
		tmp[--k] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		tmp[--k] = '-';
	dbuf_addn(d, tmp + k, sizeof tmp - k);
}

void ledger_entry_text(dbuf *d, bool first, const char *table, const lkey *k,
		       const uint8_t *pre, const uint8_t *hash, const uint8_t *checks,
		       size_t n_checks)
{
	dbuf_addn(d, first ? "[" : ",[", first ? 1 : 2);
	add_json(d, table, strlen(table));
	dbuf_addn(d, ",[", 2);
	for (int i = 0; i < k->n; i++) {
		const lval *v = &k->v[i];
		if (i)
			dbuf_addn(d, ",", 1);
		switch (v->type) {
		case SQLITE_INTEGER:
			add_int(d, v->i);
			break;
		case SQLITE_FLOAT: {
			char tmp[40];
			int w = snprintf(tmp, sizeof tmp, "{\"r\":\"%.17g\"}", v->r);
			dbuf_addn(d, tmp, w > 0 ? (size_t)w : 0);
			break;
		}
		case SQLITE_TEXT:
			add_json(d, v->p, v->n);
			break;
		case SQLITE_BLOB:
			dbuf_addn(d, "{\"x\":\"", 6);
			add_hex(d, v->p, v->n);
			dbuf_addn(d, "\"}", 2);
			break;
		default:
			dbuf_addn(d, "null", 4);
			break;
		}
	}
	dbuf_addn(d, "],", 2);
	if (pre) {
		dbuf_addn(d, "\"", 1);
		add_hex(d, pre, LEDGER_PRE_LEN);
		dbuf_addn(d, "\",", 2);
	} else {
		dbuf_addn(d, "null,", 5);
	}
	if (hash) {
		dbuf_addn(d, "\"", 1);
		add_hex(d, hash, AUDIT_HASH_LEN);
		dbuf_addn(d, "\",\"", 3);
	} else {
		dbuf_addn(d, "null,\"", 6);
	}
	add_hex(d, checks, n_checks);
	dbuf_addn(d, "\"]", 2);
}

/* ---- reading it back ---- */

typedef struct pcur {
	const char *p, *end;
} pcur;

static bool lit(pcur *c, const char *s, size_t n)
{
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
		return false;
	c->p += n;
	return true;
}
#define LIT(c, s) lit(c, s, sizeof s - 1)

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* n bytes from 2n lower-case hex digits, without a branch per digit (the
 * verifier reads two hashes of every binding); false on any other byte. */
static bool unhex(const char *h, uint8_t *out, size_t n)
{
	unsigned bad = 0;
	for (size_t i = 0; i < 2 * n; i += 2) {
		unsigned a = (unsigned char)h[i], b = (unsigned char)h[i + 1];
		bad |= ((a - '0' > 9u) & (a - 'a' > 5u)) | ((b - '0' > 9u) & (b - 'a' > 5u));
		out[i / 2] = (uint8_t)(((a & 0xf) + 9 * (a >> 6)) << 4 | ((b & 0xf) + 9 * (b >> 6)));
	}
	return !bad;
}

static bool grow(char **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return true;
	size_t c = *cap ? *cap : 64;
	while (c < need)
		c *= 2;
	char *p = realloc(*buf, c);
	if (!p)
		return false;
	*buf = p;
	*cap = c;
	return true;
}

/* A JSON string as add_json() writes it, unescaped into *buf (NUL after). */
static bool json_string(pcur *c, char **buf, size_t *cap, size_t *len)
{
	if (!LIT(c, "\""))
		return false;
	size_t n = 0;
	while (c->p < c->end && *c->p != '"') {
		const char *run = c->p;
		while (c->p < c->end && *c->p != '"' && *c->p != '\\')
			c->p++;
		size_t k = (size_t)(c->p - run);
		if (!grow(buf, cap, n + k + 2))
			return false;
		memcpy(*buf + n, run, k);
		n += k;
		if (c->p < c->end && *c->p == '\\') {
			c->p++;
			char ch;
			if (c->p < c->end && (*c->p == '"' || *c->p == '\\')) {
				ch = *c->p++;
			} else if (c->end - c->p >= 5 && c->p[0] == 'u' && c->p[1] == '0' &&
				   c->p[2] == '0' && hexval(c->p[3]) >= 0 && hexval(c->p[4]) >= 0) {
				ch = (char)(hexval(c->p[3]) << 4 | hexval(c->p[4]));
				c->p += 5;
			} else {
				return false;
			}
			(*buf)[n++] = ch;
		}
	}
	if (!LIT(c, "\""))
		return false;
	if (!grow(buf, cap, n + 1))
		return false;
	(*buf)[n] = '\0';
	*len = n;
	return true;
}

/* A JSON string of exactly 2 * n hex digits, the first 2 * keep of them
 * decoded into out (the rest only checked to be there). */
static bool hex_string(pcur *c, uint8_t *out, size_t n, size_t keep)
{
	if ((size_t)(c->end - c->p) < 2 * n + 2 || c->p[0] != '"' || c->p[2 * n + 1] != '"')
		return false;
	if (!unhex(c->p + 1, out, keep))
		return false;
	c->p += 2 * n + 2;
	return true;
}

static bool json_int(pcur *c, int64_t *out)
{
	bool neg = c->p < c->end && *c->p == '-';
	if (neg)
		c->p++;
	uint64_t v = 0;
	size_t digits = 0;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		unsigned d = (unsigned)(*c->p++ - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
		digits++;
	}
	if (!digits || v > (uint64_t)INT64_MAX + (neg ? 1 : 0))
		return false;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

static bool key_value(pcur *c, lval *v, char **tmp, size_t *tcap)
{
	size_t n;
	v->p = NULL;
	v->n = 0;
	if (LIT(c, "null")) {
		v->type = SQLITE_NULL;
		return true;
	}
	if (c->p < c->end && *c->p == '"') {
		if (!json_string(c, &v->own, &v->cap, &n))
			return false;
		v->type = SQLITE_TEXT;
		v->p = v->own;
		v->n = n;
		return true;
	}
	if (LIT(c, "{\"r\":")) {
		if (!json_string(c, tmp, tcap, &n) || !LIT(c, "}"))
			return false;
		char *e;
		v->type = SQLITE_FLOAT;
		v->r = strtod(*tmp, &e);
		return *e == '\0' && n > 0;
	}
	if (LIT(c, "{\"x\":")) {
		if (!json_string(c, tmp, tcap, &n) || !LIT(c, "}") || n % 2 ||
		    !grow(&v->own, &v->cap, n / 2 + 1))
			return false;
		for (size_t i = 0; i < n / 2; i++) {
			int hi = hexval((*tmp)[2 * i]), lo = hexval((*tmp)[2 * i + 1]);
			if (hi < 0 || lo < 0)
				return false;
			v->own[i] = (char)(hi << 4 | lo);
		}
		v->type = SQLITE_BLOB;
		v->p = v->own;
		v->n = n / 2;
		return true;
	}
	v->type = SQLITE_INTEGER;
	return json_int(c, &v->i);
}

void lentry_free(lentry *e)
{
	free(e->tbuf);
	free(e->checks);
	lkey_free(&e->key);
	memset(e, 0, sizeof *e);
}

int ledger_entries(const char *detail, size_t n, bool checks, lentry *e,
		   int (*fn)(void *ctx, const lentry *e), void *ctx)
{
	pcur c = { detail, detail + n };
	char *tmp = NULL;
	size_t tcap = 0;
	int rc = 1;
	if (!LIT(&c, "{\"rows\":["))
		goto out;
	for (bool first = true; !LIT(&c, "]"); first = false) {
		size_t len;
		if ((!first && !LIT(&c, ",")) || !LIT(&c, "[") ||
		    !json_string(&c, &e->tbuf, &e->tcap, &len) || !LIT(&c, ",["))
			goto out;
		e->table = e->tbuf;
		e->key.n = 0;
		while (!LIT(&c, "]")) {
			if (e->key.n == LEDGER_KEY_MAX || (e->key.n && !LIT(&c, ",")) ||
			    !key_value(&c, &e->key.v[e->key.n], &tmp, &tcap))
				goto out;
			e->key.n++;
		}
		if (!LIT(&c, ","))
			goto out;
		e->has_pre = !LIT(&c, "null");
		if (e->has_pre && !hex_string(&c, e->pre, LEDGER_PRE_LEN, LEDGER_PRE_LEN))
			goto out;
		if (!LIT(&c, ","))
			goto out;
		e->has_hash = !LIT(&c, "null");
		if (e->has_hash && !hex_string(&c, e->hash, AUDIT_HASH_LEN,
					       checks ? AUDIT_HASH_LEN : LEDGER_PRE_LEN))
			goto out;
		/* the check bytes, when asked for */
		if (!LIT(&c, ",\""))
			goto out;
		const char *h = c.p;
		const char *q = memchr(c.p, '"', (size_t)(c.end - c.p));
		if (!q)
			goto out;
		c.p = q;
		size_t hn = (size_t)(c.p - h);
		if (hn % 2 || !LIT(&c, "\"]"))
			goto out;
		e->n_checks = 0;
		if (checks) {
			if (!grow((char **)&e->checks, &e->ccap, hn / 2 + 1) ||
			    !unhex(h, e->checks, hn / 2))
				goto out;
			e->n_checks = hn / 2;
		}
		int r = fn(ctx, e);
		if (r) {
			rc = r;
			goto out;
		}
	}
	/* the end: the object closes, or a seal's note closes it */
	if (LIT(&c, "}") && c.p == c.end)
		rc = 0;
	else if (LIT(&c, ",\"note\":") && json_string(&c, &tmp, &tcap, &(size_t){ 0 }) &&
		 LIT(&c, "}") && c.p == c.end)
		rc = 0;
out:
	free(tmp);
	return rc;
}

/* ---- the bound tables ---- */

/* An identifier in double quotes (a quote inside doubled): any name the
 * file holds, however an attacker spelled it, stays one identifier. */
void ledger_ident(dbuf *d, const char *name)
{
	dbuf_addn(d, "\"", 1);
	for (const char *p = name; *p; p++) {
		if (*p == '"')
			dbuf_addn(d, "\"\"", 2);
		else
			dbuf_addn(d, p, 1);
	}
	dbuf_addn(d, "\"", 1);
}

static void ltab_free(ltab *t)
{
	if (t->st_key)
		sqlite3_finalize(t->st_key);
	for (size_t i = 0; i < t->ncols; i++)
		free(t->cols[i]);
	free(t->cols);
	free(t->name);
	free(t->select);
	free(t->by_key);
	memset(t, 0, sizeof *t);
}

void lcat_free(lcat *cat)
{
	for (size_t i = 0; i < cat->n; i++)
		ltab_free(&cat->t[i]);
	free(cat->t);
	cat->t = NULL;
	cat->n = 0;
}

ltab *lcat_find(const lcat *cat, const char *name)
{
	for (size_t i = 0; i < cat->n; i++)
		if (strcmp(cat->t[i].name, name) == 0)
			return &cat->t[i];
	return NULL;
}


void ltab_col_ref(dbuf *d, const ltab *t, size_t i)
{
	if (t->schema || (i == 0 && t->by_rowid))
		dbuf_add(d, t->cols[i]);
	else
		ledger_ident(d, t->cols[i]);
}

/* The SQL texts of t from its columns and key; the prefix. where, when
 * given, starts with " WHERE ". */
static int ltab_finish(kdb *db, ltab *t, const char *from, const char *where, kerr *err)
{
	dbuf list = { 0 }, sel = { 0 }, key = { 0 };
	for (size_t i = 0; i < t->ncols; i++) {
		if (i)
			dbuf_add(&list, ", ");
		ltab_col_ref(&list, t, i);
	}
	const char *l = dbuf_done(&list, err);
	if (!l)
		goto oom;
	/* every row in the order the table keeps them: the verifier looks each
	 * one up by its key */
	dbuf_addf(&sel, "SELECT %s FROM %s%s", l, from, where ? where : "");
	dbuf_addf(&key, "SELECT %s FROM %s WHERE %s", l, from, where ? where + 7 : "");
	for (int i = 0; i < t->nkey; i++) {
		if (where || i)
			dbuf_add(&key, " AND ");
		ltab_col_ref(&key, t, (size_t)t->key[i]);
		dbuf_addf(&key, " IS ?%d", i + 1);
	}
	if (!t->nkey)
		dbuf_add(&key, where ? " AND 0" : "0");
	if (!dbuf_done(&sel, err) || !dbuf_done(&key, err))
		goto oom;
	t->select = sel.p;
	t->by_key = key.p;
	dbuf_free(&list);
	if (rowhash_prefix(db->hasher, t->name, (const char *const *)t->cols, t->ncols, t->prefix))
		return kerr_set(err, db->path, "computing a row hash failed (OpenSSL)");
	return 0;
oom:
	dbuf_free(&list);
	dbuf_free(&sel);
	dbuf_free(&key);
	return kerr_set(err, db->path, "out of memory reading the bound tables");
}

static int add_col(ltab *t, size_t *cap, const char *name)
{
	if (t->ncols == *cap) {
		size_t c = *cap ? *cap * 2 : 16;
		char **v = realloc(t->cols, c * sizeof *v);
		if (!v)
			return -1;
		t->cols = v;
		*cap = c;
	}
	if (!(t->cols[t->ncols] = strdup(name ? name : "")))
		return -1;
	t->ncols++;
	return 0;
}

static int load_table(kdb *db, const char *name, ltab *t, kerr *err)
{
	memset(t, 0, sizeof *t);
	if (!(t->name = strdup(name)))
		return kerr_set(err, db->path, "out of memory");
	/* a table without a declared key is keyed by its rowid, as column 0 */
	bool rowid = false;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->h, "SELECT wr FROM pragma_table_list(?1) WHERE schema = 'main'",
			       -1, &st, NULL) != SQLITE_OK)
		return dbi_sqlerr(db, err, "reading the bound tables");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	rowid = rc == SQLITE_ROW && sqlite3_column_int(st, 0) == 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "reading the bound tables");
	if (sqlite3_prepare_v2(db->h,
			       "SELECT name, pk, (SELECT count(*) FROM pragma_table_info(?1, 'main')"
			       " WHERE pk > 0) FROM pragma_table_info(?1, 'main') ORDER BY cid",
			       -1, &st, NULL) != SQLITE_OK)
		return dbi_sqlerr(db, err, "reading the bound tables");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	size_t cap = 0;
	int npk = -1;
	int at[LEDGER_KEY_MAX] = { 0 };
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (npk < 0) {
			npk = sqlite3_column_int(st, 2);
			if (npk == 0 && rowid && add_col(t, &cap, "rowid"))
				break;
		}
		int pk = sqlite3_column_int(st, 1);
		if (pk >= 1 && pk <= LEDGER_KEY_MAX)
			at[pk - 1] = (int)t->ncols;
		if (add_col(t, &cap, (const char *)sqlite3_column_text(st, 0)))
			break;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return kerr_set(err, db->path, "out of memory");
	if (rc != SQLITE_DONE)
		return dbi_sqlerr(db, err, "reading the bound tables");
	if (npk >= 1 && npk <= LEDGER_KEY_MAX) {
		t->nkey = npk;
		memcpy(t->key, at, sizeof at);
	} else if (npk == 0 && rowid) {
		t->nkey = 1;
		t->key[0] = 0;
		t->by_rowid = true;
	} /* else: a key wider than a binding holds, or none at all */
	dbuf from = { 0 };
	dbuf_add(&from, "main.");
	ledger_ident(&from, name);
	if (!dbuf_done(&from, err))
		return -1;
	rc = ltab_finish(db, t, from.p, NULL, err);
	dbuf_free(&from);
	return rc;
}

/* The schema's rows: what the file declares, minus SQLite's own objects. */
static int load_schema_table(kdb *db, ltab *t, kerr *err)
{
	memset(t, 0, sizeof *t);
	static const char *const cols[] = { "type", "name", "tbl_name", "sql" };
	size_t cap = 0;
	if (!(t->name = strdup(LEDGER_SCHEMA_TABLE)))
		return kerr_set(err, db->path, "out of memory");
	for (size_t i = 0; i < 4; i++)
		if (add_col(t, &cap, cols[i]))
			return kerr_set(err, db->path, "out of memory");
	t->schema = true;
	t->nkey = 2;
	t->key[0] = 0;
	t->key[1] = 1;
	return ltab_finish(db, t, "main.sqlite_schema",
			   " WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'", err);
}

int lcat_load(kdb *db, lcat *cat, kerr *err)
{
	memset(cat, 0, sizeof *cat);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->h,
			       "SELECT name FROM main.sqlite_schema WHERE type = 'table'"
			       " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
			       " AND name NOT IN " LEDGER_UNBOUND_SQL
			       " AND sql LIKE 'CREATE TABLE%' ORDER BY name",
			       -1, &st, NULL) != SQLITE_OK)
		return dbi_sqlerr(db, err, "reading the bound tables");
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cat->n + 1 >= cap) {
			size_t c = cap ? cap * 2 : 16;
			ltab *v = realloc(cat->t, c * sizeof *v);
			if (!v) {
				sqlite3_finalize(st);
				lcat_free(cat);
				return kerr_set(err, db->path, "out of memory");
			}
			cat->t = v;
			cap = c;
		}
		const char *name = (const char *)sqlite3_column_text(st, 0);
		int lr = load_table(db, name ? name : "", &cat->t[cat->n], err);
		cat->n++;
		if (lr) {
			sqlite3_finalize(st);
			lcat_free(cat);
			return -1;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		lcat_free(cat);
		return dbi_sqlerr(db, err, "reading the bound tables");
	}
	if (cat->n + 1 > cap) {
		ltab *v = realloc(cat->t, (cat->n + 1) * sizeof *v);
		if (!v) {
			lcat_free(cat);
			return kerr_set(err, db->path, "out of memory");
		}
		cat->t = v;
	}
	int lr = load_schema_table(db, &cat->t[cat->n], err);
	cat->n++;
	if (lr) {
		lcat_free(cat);
		return -1;
	}
	return 0;
}

/* ---- rows ---- */

void ledger_encode(rowenc *e, sqlite3_stmt *st, size_t ncols)
{
	rowenc_clear(e);
	for (size_t i = 0; i < ncols; i++) {
		rowval v = { 0 };
		switch (sqlite3_column_type(st, (int)i)) {
		case SQLITE_INTEGER:
			v.type = RV_INT;
			v.i = sqlite3_column_int64(st, (int)i);
			break;
		case SQLITE_FLOAT:
			v.type = RV_REAL;
			v.r = sqlite3_column_double(st, (int)i);
			break;
		case SQLITE_TEXT:
			v.type = RV_TEXT;
			v.p = sqlite3_column_text(st, (int)i);
			v.n = (size_t)sqlite3_column_bytes(st, (int)i);
			break;
		case SQLITE_BLOB:
			v.type = RV_BLOB;
			v.p = sqlite3_column_blob(st, (int)i);
			v.n = (size_t)sqlite3_column_bytes(st, (int)i);
			break;
		default:
			v.type = RV_NULL;
			break;
		}
		rowenc_add(e, &v);
	}
}

void ledger_diff_columns(const ltab *t, const rowenc *now, const uint8_t *recorded,
			 size_t rec_len, char *buf, size_t n)
{
	buf[0] = '\0';
	if (!t || !recorded || rec_len != t->ncols * ROWHASH_CHECK_LEN ||
	    now->ncols != t->ncols)
		return;
	uint8_t *mine = malloc(rec_len ? rec_len : 1);
	if (!mine)
		return;
	rowenc_checks(now, mine, rec_len);
	size_t len = 0;
	for (size_t i = 0; i < t->ncols; i++) {
		if (memcmp(mine + i * ROWHASH_CHECK_LEN, recorded + i * ROWHASH_CHECK_LEN,
			   ROWHASH_CHECK_LEN) == 0)
			continue;
		int w = snprintf(buf + len, n - len, "%s%s", len ? ", " : "", t->cols[i]);
		if (w < 0 || (size_t)w >= n - len) {
			buf[len] = '\0';
			break;
		}
		len += (size_t)w;
	}
	free(mine);
}

