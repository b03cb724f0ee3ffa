/* register: the local CA's record of what it signed and revoked, in the
 * files OpenSSL's own tools read (ca.h):
 *
 *   index.txt       one line per certificate, tab-separated, as `openssl ca`
 *                   writes it: V|R, notAfter, revocation time[,reason],
 *                   serial (hex), "unknown", subject (X509_NAME_oneline)
 *   index.txt.attr  unique_subject = no (a renewed unit holds two valid
 *                   certificates with one subject)
 *   crlnumber       the next CRL number, hex, as `openssl ca` keeps it
 *   crl.der         the CRL, signed by the CA key (DER); crl.pem the same
 *
 * Every change reads index.txt, changes it and writes it back whole, under
 * an exclusive flock() on the CA's directory, so two processes never lose
 * each other's lines; each file is replaced atomically (protect_write). */
#include "core/ca/ca.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "core/base/clock.h"
#include "core/base/protect.h"

#define INDEX_FILE "index.txt"
#define INDEX_MAX (64L * 1024 * 1024)

/* RFC 5280 CRLReason codes with OpenSSL's words (apps/ca.c crl_reasons). */
static const struct {
	const char *word;
	int code;
} crl_reasons[] = {
	{ "unspecified", 0 },       { "keyCompromise", 1 },        { "CACompromise", 2 },
	{ "affiliationChanged", 3 }, { "superseded", 4 },          { "cessationOfOperation", 5 },
	{ "certificateHold", 6 },
};

const char *ca_crl_reason(const char *db_reason)
{
	static const struct {
		const char *db, *crl;
	} map[] = {
		{ "lost", "keyCompromise" },           /* someone else may hold the key */
		{ "broken", "cessationOfOperation" },  /* the key is gone for everyone */
		{ "revoked", "cessationOfOperation" }, /* the unit no longer uses it */
		{ "superseded", "superseded" },        /* a change replaced it */
		{ "cancelled", "cessationOfOperation" }, /* its case cancelled and refunded */
	};
	for (size_t i = 0; db_reason && i < sizeof map / sizeof map[0]; i++)
		if (strcmp(db_reason, map[i].db) == 0)
			return map[i].crl;
	return "unspecified";
}

static int reason_code(const char *word)
{
	for (size_t i = 0; i < sizeof crl_reasons / sizeof crl_reasons[0]; i++)
		if (strcasecmp(word, crl_reasons[i].word) == 0)
			return crl_reasons[i].code;
	return -1;
}

/* ---- index.txt in memory ---- */

enum { F_TYPE, F_EXP, F_REV, F_SERIAL, F_FILE, F_NAME, F_COUNT };

typedef struct row {
	char *f[F_COUNT];
} row;

typedef struct index_db {
	row *rows;
	size_t n, cap;
	int lock_fd;
} index_db;

static void index_free(index_db *db)
{
	for (size_t i = 0; i < db->n; i++)
		for (int k = 0; k < F_COUNT; k++)
			free(db->rows[i].f[k]);
	free(db->rows);
	db->rows = NULL;
	db->n = db->cap = 0;
	if (db->lock_fd >= 0)
		close(db->lock_fd); /* releases the flock */
	db->lock_fd = -1;
}

static row *index_add(index_db *db)
{
	if (db->n == db->cap) {
		size_t cap = db->cap ? db->cap * 2 : 64;
		row *r = realloc(db->rows, cap * sizeof *r);
		if (!r)
			return NULL;
		db->rows = r;
		db->cap = cap;
	}
	row *r = &db->rows[db->n++];
	memset(r, 0, sizeof *r);
	return r;
}

static row *index_find(index_db *db, const char *serial)
{
	for (size_t i = 0; i < db->n; i++)
		if (strcmp(db->rows[i].f[F_SERIAL], serial) == 0)
			return &db->rows[i];
	return NULL;
}

static void path_of(const ca_keys *k, const char *name, char *out, size_t n)
{
	snprintf(out, n, "%s/%s", k->dir, name);
}

/* Lock the CA's directory and read index.txt (missing: empty). */
static int index_open(const ca_keys *k, index_db *db, kerr *err)
{
	memset(db, 0, sizeof *db);
	db->lock_fd = open(k->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (db->lock_fd < 0)
		return kerr_set(err, k->dir, "cannot open the CA's directory: %s", strerror(errno));
	while (flock(db->lock_fd, LOCK_EX) != 0)
		if (errno != EINTR) {
			kerr_set(err, k->dir, "cannot lock the CA's directory: %s", strerror(errno));
			index_free(db);
			return -1;
		}
	char path[4200];
	path_of(k, INDEX_FILE, path, sizeof path);
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		kerr_set(err, path, "cannot read: %s", strerror(errno));
		index_free(db);
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long no = 0, total = 0;
	int rc = 0;
	while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
		no++;
		total += len;
		if (total > INDEX_MAX) {
			rc = kerr_setf(err, path, (int)no, "the index is over %ld bytes", INDEX_MAX);
			break;
		}
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0)
			continue;
		row *r = index_add(db);
		if (!r) {
			rc = kerr_set(err, path, "out of memory");
			break;
		}
		char *p = line;
		for (int i = 0; i < F_COUNT; i++) {
			char *tab = i < F_COUNT - 1 ? strchr(p, '\t') : NULL;
			if (i < F_COUNT - 1 && !tab) {
				db->n--;
				for (int j = 0; j < i; j++)
					free(r->f[j]);
				rc = kerr_setf(err, path, (int)no, "not an index line (six fields "
					       "separated by tabs); restore the file or remove it and "
					       "restart the kiosk, which rebuilds it from the database");
				break;
			}
			if (tab)
				*tab = '\0';
			r->f[i] = strdup(p);
			p = tab ? tab + 1 : p;
		}
		if (rc == 0) {
			for (int i = 0; i < F_COUNT; i++)
				if (!r->f[i])
					rc = kerr_set(err, path, "out of memory");
			if (rc == 0 && ((strcmp(r->f[F_TYPE], "V") && strcmp(r->f[F_TYPE], "R") &&
					 strcmp(r->f[F_TYPE], "E")) || !r->f[F_SERIAL][0]))
				rc = kerr_setf(err, path, (int)no, "not an index line (V, R or E, "
					       "then a serial)");
		}
	}
	free(line);
	fclose(f);
	if (rc)
		index_free(db);
	return rc;
}

static int write_file(const ca_keys *k, const char *name, const void *data, size_t len,
		      kerr *err)
{
	char path[4200];
	path_of(k, name, path, sizeof path);
	return protect_write(path, data, len, 0600, true, err) < 0 ? -1 : 0;
}

static int index_write(const ca_keys *k, const index_db *db, kerr *err)
{
	size_t size = 1;
	for (size_t i = 0; i < db->n; i++)
		for (int j = 0; j < F_COUNT; j++)
			size += strlen(db->rows[i].f[j]) + 1;
	char *buf = malloc(size), *p = buf;
	if (!buf)
		return kerr_set(err, k->dir, "out of memory");
	for (size_t i = 0; i < db->n; i++)
		for (int j = 0; j < F_COUNT; j++) {
			size_t l = strlen(db->rows[i].f[j]);
			memcpy(p, db->rows[i].f[j], l);
			p += l;
			*p++ = j < F_COUNT - 1 ? '\t' : '\n';
		}
	static const char attr[] = "unique_subject = no\n";
	int rc = write_file(k, INDEX_FILE, buf, (size_t)(p - buf), err);
	if (rc == 0)
		rc = write_file(k, INDEX_FILE ".attr", attr, sizeof attr - 1, err);
	free(buf);
	return rc;
}

/* ---- rows from certificates ---- */

/* "YYMMDDHHMMSSZ" (UTCTime, as `openssl ca` writes revocation times). */
static void utc_time(int64_t ms, char out[80])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	/* UTCTime's two-digit year (RFC 5280: 1950-2049) */
	snprintf(out, 80, "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int row_of_cert(index_db *db, X509 *x, kerr *err)
{
	const ASN1_TIME *na = X509_get0_notAfter(x);
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	char *hex = bn ? (BN_is_zero(bn) ? OPENSSL_strdup("00") : BN_bn2hex(bn)) : NULL;
	char *name = X509_NAME_oneline(X509_get_subject_name(x), NULL, 0);
	row *r = hex && name && na ? index_add(db) : NULL;
	int rc = 0;
	if (!r) {
		rc = kerr_set(err, "index.txt", "out of memory");
	} else {
		r->f[F_TYPE] = strdup("V");
		r->f[F_EXP] = strndup((const char *)ASN1_STRING_get0_data(na),
				      (size_t)ASN1_STRING_length(na));
		r->f[F_REV] = strdup("");
		r->f[F_SERIAL] = strdup(hex);
		r->f[F_FILE] = strdup("unknown");
		r->f[F_NAME] = strdup(name);
		for (int i = 0; i < F_COUNT; i++)
			if (!r->f[i])
				rc = kerr_set(err, "index.txt", "out of memory");
	}
	OPENSSL_free(name);
	OPENSSL_free(hex);
	BN_free(bn);
	return rc;
}

/* Mark r revoked at ms for the database's reason; false when it already was. */
static int row_revoke(row *r, const char *db_reason, int64_t ms, bool *did)
{
	*did = false;
	if (strcmp(r->f[F_TYPE], "R") == 0)
		return 0;
	char when[80], rev[128];
	utc_time(ms, when);
	const char *why = ca_crl_reason(db_reason);
	snprintf(rev, sizeof rev, "%s%s%s", when, strcmp(why, "unspecified") ? "," : "",
		 strcmp(why, "unspecified") ? why : "");
	char *t = strdup("R"), *v = strdup(rev);
	if (!t || !v) {
		free(t);
		free(v);
		return -1;
	}
	free(r->f[F_TYPE]);
	free(r->f[F_REV]);
	r->f[F_TYPE] = t;
	r->f[F_REV] = v;
	*did = true;
	return 0;
}

/* ---- the CRL ---- */

static int ossl_fail(kerr *err, const char *where, const char *what)
{
	char buf[256];
	unsigned long e = ERR_get_error();
	ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	return kerr_set(err, where, "%s%s%s", what, e ? ": " : "", e ? buf : "");
}

/* The CRL number to use now, and the next one written back. */
static int crl_number(const ca_keys *k, BIGNUM **num, kerr *err)
{
	char path[4200], text[128] = "";
	path_of(k, "crlnumber", path, sizeof path);
	FILE *f = fopen(path, "r");
	if (f) {
		if (!fgets(text, sizeof text, f))
			text[0] = '\0';
		fclose(f);
	}
	text[strcspn(text, "\r\n")] = '\0';
	*num = NULL;
	int used = text[0] ? BN_hex2bn(num, text) : 0;
	if (used <= 0 || (size_t)used != strlen(text) || BN_is_negative(*num)) {
		BN_free(*num);
		*num = NULL;
		if (f)
			return kerr_set(err, path, "not a hex CRL number; remove it to start again "
					"from 1 (relying parties then see a CRL number go back)");
		if (!BN_hex2bn(num, "01"))
			return kerr_set(err, path, "out of memory");
	}
	BIGNUM *next = BN_dup(*num);
	char *hex = next && BN_add_word(next, 1) ? BN_bn2hex(next) : NULL;
	char line[160];
	int n = hex ? snprintf(line, sizeof line, "%s%s\n", strlen(hex) % 2 ? "0" : "", hex) : 0;
	int rc = hex ? write_file(k, "crlnumber", line, (size_t)n, err)
		     : kerr_set(err, path, "out of memory");
	OPENSSL_free(hex);
	BN_free(next);
	if (rc) {
		BN_free(*num);
		*num = NULL;
	}
	return rc;
}

static bool add_revoked(X509_CRL *crl, const row *r)
{
	BIGNUM *bn = NULL;
	char rev[64];
	snprintf(rev, sizeof rev, "%s", r->f[F_REV]);
	char *comma = strchr(rev, ',');
	if (comma)
		*comma++ = '\0';
	int code = comma ? reason_code(comma) : 0;
	X509_REVOKED *x = X509_REVOKED_new();
	ASN1_TIME *t = ASN1_TIME_new();
	ASN1_INTEGER *ai = NULL;
	ASN1_ENUMERATED *e = NULL;
	bool ok = x && t && BN_hex2bn(&bn, r->f[F_SERIAL]) && (ai = BN_to_ASN1_INTEGER(bn, NULL)) &&
		  X509_REVOKED_set_serialNumber(x, ai) == 1 && ASN1_TIME_set_string(t, rev) == 1 &&
		  X509_REVOKED_set_revocationDate(x, t) == 1;
	/* unspecified: no reasonCode entry (RFC 5280 5.3.1) */
	if (ok && code > 0)
		ok = (e = ASN1_ENUMERATED_new()) && ASN1_ENUMERATED_set(e, code) == 1 &&
		     X509_REVOKED_add1_ext_i2d(x, NID_crl_reason, e, 0, 0) == 1;
	if (ok)
		ok = X509_CRL_add0_revoked(crl, x) == 1;
	if (!ok)
		X509_REVOKED_free(x);
	ASN1_ENUMERATED_free(e);
	ASN1_INTEGER_free(ai);
	ASN1_TIME_free(t);
	BN_free(bn);
	return ok;
}

static int publish_crl(const ca_keys *k, const index_db *db, kerr *err)
{
	BIGNUM *num = NULL;
	if (crl_number(k, &num, err))
		return -1;
	time_t now = (time_t)(clock_now_ms() / 1000);
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	ASN1_INTEGER *ai = BN_to_ASN1_INTEGER(num, NULL);
	X509V3_CTX v3;
	X509_EXTENSION *aki = NULL;
	bool ok = crl && t && ai && X509_CRL_set_version(crl, X509_CRL_VERSION_2) == 1 &&
		  X509_CRL_set_issuer_name(crl, X509_get_subject_name(k->cert)) == 1 &&
		  ASN1_TIME_set(t, now) && X509_CRL_set1_lastUpdate(crl, t) == 1 &&
		  ASN1_TIME_adj(t, now, k->profile ? k->profile->crl_days : 7, 0) &&
		  X509_CRL_set1_nextUpdate(crl, t) == 1;
	for (size_t i = 0; ok && i < db->n; i++)
		if (strcmp(db->rows[i].f[F_TYPE], "R") == 0)
			ok = add_revoked(crl, &db->rows[i]);
	if (ok) {
		X509V3_set_ctx_nodb(&v3);
		X509V3_set_ctx(&v3, k->cert, NULL, NULL, crl, 0);
		ok = (aki = X509V3_EXT_conf_nid(NULL, &v3, NID_authority_key_identifier,
						"keyid:always")) != NULL &&
		     X509_CRL_add_ext(crl, aki, -1) == 1 &&
		     X509_CRL_add1_ext_i2d(crl, NID_crl_number, ai, 0, 0) == 1 &&
		     X509_CRL_sort(crl) == 1 && ca_sign_crl(crl, k->key) == 0;
	}
	int rc = ok ? 0 : ossl_fail(err, k->dir, "signing the CRL");
	unsigned char *der = NULL;
	int len = rc == 0 ? i2d_X509_CRL(crl, &der) : 0;
	if (rc == 0 && len <= 0)
		rc = ossl_fail(err, k->dir, "encoding the CRL");
	if (rc == 0)
		rc = write_file(k, "crl.der", der, (size_t)len, err);
	if (rc == 0) {
		BIO *b = BIO_new(BIO_s_mem());
		char *p = NULL;
		long n = b && PEM_write_bio_X509_CRL(b, crl) == 1 ? BIO_get_mem_data(b, &p) : 0;
		rc = n > 0 ? write_file(k, "crl.pem", p, (size_t)n, err)
			   : kerr_set(err, k->dir, "out of memory");
		BIO_free(b);
	}
	OPENSSL_free(der);
	X509_EXTENSION_free(aki);
	ASN1_INTEGER_free(ai);
	ASN1_TIME_free(t);
	X509_CRL_free(crl);
	BN_free(num);
	return rc;
}

/* ---- the operations ---- */

int ca_register_issued(const ca_keys *k, X509 *x, kerr *err)
{
	index_db db;
	if (index_open(k, &db, err))
		return -1;
	int rc = row_of_cert(&db, x, err);
	if (rc == 0)
		rc = index_write(k, &db, err);
	index_free(&db);
	return rc;
}

int ca_register_revoke(const ca_keys *k, const char *serial, const char *db_reason,
		       int64_t at_ms, kerr *err)
{
	index_db db;
	if (index_open(k, &db, err))
		return -1;
	row *r = index_find(&db, serial);
	int rc = 1;
	bool did = false;
	if (r) {
		rc = row_revoke(r, db_reason, at_ms, &did) ? kerr_set(err, k->dir, "out of memory") : 0;
		if (rc == 0 && did)
			rc = index_write(k, &db, err);
		if (rc == 0)
			rc = publish_crl(k, &db, err);
	}
	index_free(&db);
	return rc;
}

/* A line's serial and its number, sorted by serial. */
typedef struct by_serial_ref {
	const char *serial;
	size_t i;
} by_serial_ref;

static int by_serial(const void *a, const void *b)
{
	return strcmp(((const by_serial_ref *)a)->serial, ((const by_serial_ref *)b)->serial);
}

/* x was signed by this CA's key under its name. */
static X509 *ours(const ca_keys *k, const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x = der ? d2i_X509(NULL, &p, (long)len) : NULL;
	if (x && (p != der + len ||
		  X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(k->cert)) != 0 ||
		  !ca_verify_cert(x, k->key))) {
		X509_free(x);
		x = NULL;
	}
	ERR_clear_error();
	return x;
}

int ca_register_sync(const ca_keys *k, const ca_status *list, size_t n, size_t *changed,
		     kerr *err)
{
	if (changed)
		*changed = 0;
	index_db db;
	if (index_open(k, &db, err))
		return -1;
	/* the lines there were, by serial: a kiosk's years of certificates are
	 * looked up in log time (lines added here are few and searched apart) */
	size_t had = db.n;
	by_serial_ref *order = had ? malloc(had * sizeof *order) : NULL;
	if (had && !order) {
		index_free(&db);
		return kerr_set(err, k->dir, "out of memory");
	}
	for (size_t i = 0; i < had; i++)
		order[i] = (by_serial_ref){ db.rows[i].f[F_SERIAL], i };
	if (had)
		qsort(order, had, sizeof *order, by_serial);
	size_t moved = 0;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const ca_status *s = &list[i];
		if (!s->serial || !s->serial[0])
			continue;
		row *r = NULL;
		size_t lo = 0, hi = had;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = strcmp(order[mid].serial, s->serial);
			if (c == 0) {
				r = &db.rows[order[mid].i];
				break;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t j = had; !r && j < db.n; j++)
			if (strcmp(db.rows[j].f[F_SERIAL], s->serial) == 0)
				r = &db.rows[j];
		if (!r) {
			/* not in the index (lost, or from before it): ours only when
			 * its signature says so */
			X509 *x = ours(k, s->der, s->der_len);
			if (!x)
				continue;
			rc = row_of_cert(&db, x, err);
			X509_free(x);
			if (rc)
				break;
			r = &db.rows[db.n - 1];
			moved++;
		}
		bool did = false;
		if (s->revoked && row_revoke(r, s->reason, s->revoked_ms, &did) != 0)
			rc = kerr_set(err, k->dir, "out of memory");
		moved += did;
	}
	if (rc == 0 && moved)
		rc = index_write(k, &db, err);
	else if (rc == 0) {
		/* nothing moved: still make sure the files are all there */
		char path[4200];
		path_of(k, INDEX_FILE ".attr", path, sizeof path);
		if (access(path, F_OK) != 0)
			rc = index_write(k, &db, err);
	}
	if (rc == 0)
		rc = publish_crl(k, &db, err);
	free(order);
	index_free(&db);
	if (rc == 0 && changed)
		*changed = moved;
	return rc;
}

int ca_register_publish(const ca_keys *k, kerr *err)
{
	index_db db;
	if (index_open(k, &db, err))
		return -1;
	int rc = publish_crl(k, &db, err);
	index_free(&db);
	return rc;
}
