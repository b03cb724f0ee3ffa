/* profile: the certificate profile from kiosk-config/ca.ini, the term of a
 * certificate, and the profile's extensions on a certificate (ca.h). */
#include "core/ca/ca.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/base/clock.h"
#include "core/base/kini.h"

ENUM_DEFINE_WORD(ca_key_usage, CA_KEY_USAGES, "?")
ENUM_DEFINE_WORD(ca_ext_key_usage, CA_EXT_KEY_USAGES, "?")

static const char *const ku_ossl[] = { CA_KEY_USAGES(ENUM_COL3) };
static const char *const eku_ossl[] = { CA_EXT_KEY_USAGES(ENUM_COL3) };

#define GMT0015_ORG_ID "1.2.156.10260.4.1.4"
#define CRL_DAYS_DEFAULT 7
#define CRL_DAYS_MAX 30

void ca_profile_default(ca_profile *p)
{
	memset(p, 0, sizeof *p);
	snprintf(p->identity_oid, sizeof p->identity_oid, "%s", GMT0015_ORG_ID);
	p->key_usage = 1u << CA_KU_DIGITAL_SIGNATURE | 1u << CA_KU_NON_REPUDIATION;
	p->ext_key_usage = 1u << CA_EKU_CLIENT_AUTH;
	p->crl_days = CRL_DAYS_DEFAULT;
}

/* ---- ca.ini ---- */

/* Dotted decimal, at least two arcs, the first 0-2 (below 2 the second is
 * under 40), no leading zeros; OpenSSL must take it as well. */
static bool oid_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 3 || n > CA_OID_MAX)
		return false;
	int arcs = 0;
	long first = -1;
	for (const char *p = s; *p;) {
		const char *q = p;
		while (*q >= '0' && *q <= '9')
			q++;
		size_t len = (size_t)(q - p);
		if (len == 0 || len > 18 || (len > 1 && *p == '0') || (*q && *q != '.') ||
		    (*q == '.' && !q[1]))
			return false;
		long v = len <= 9 ? strtol(p, NULL, 10) : 1000000000L;
		if (arcs == 0)
			first = v;
		if ((arcs == 0 && v > 2) || (arcs == 1 && first < 2 && v >= 40))
			return false;
		arcs++;
		p = *q ? q + 1 : q;
	}
	if (arcs < 2)
		return false;
	ASN1_OBJECT *o = OBJ_txt2obj(s, 1);
	ASN1_OBJECT_free(o);
	ERR_clear_error();
	return o != NULL;
}

/* http://host[:port][/path]: printable ASCII without spaces or the
 * characters RFC 3986 never allows. */
static const char *url_problem(const char *s)
{
	if (strncmp(s, "https://", 8) == 0)
		return "relying parties fetch CRLs, OCSP answers and CA certificates over "
		       "plain http (RFC 5280 4.2.1.13, RFC 6960 A.1: the answers are signed); "
		       "write http://";
	if (strncmp(s, "http://", 7) != 0)
		return "write an http:// URL";
	if (strlen(s) > CA_URL_MAX)
		return "longer than 255 characters";
	const char *host = s + 7;
	if (!*host || *host == '/' || *host == ':')
		return "the URL names no host";
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7F || strchr("\"<>\\^`{|}", *p))
			return "only printable ASCII without spaces or \"<>\\^`{|} (percent-encode "
			       "the rest)";
	return NULL;
}

typedef struct loader {
	const kini_doc *d;
	kerr *err;
} loader;

static const kini_entry *need(loader *l, const kini_section *s, const char *key)
{
	return kini_require(l->d, s, key, l->err);
}

static int read_oid(loader *l, const kini_section *s, const char *key, char *out, size_t cap)
{
	const kini_entry *e = need(l, s, key);
	if (!e)
		return -1;
	if (!oid_ok(e->value))
		return kerr_setf(l->err, l->d->path, e->line, "%s = '%s': not an object identifier; "
				 "write dotted numbers such as 1.2.156.10260.4.1.4", key, e->value);
	snprintf(out, cap, "%s", e->value);
	return 0;
}

static int read_url(loader *l, const kini_section *s, const char *key, bool required, char *out,
		    size_t cap)
{
	const kini_entry *e = required ? need(l, s, key) : kini_find(s, key);
	if (!e)
		return required ? -1 : 0;
	if (!e->value[0]) {
		if (required)
			return kerr_setf(l->err, l->d->path, e->line, "%s is empty; relying parties "
					 "need it to see revocations: write the http:// URL where "
					 "it is published (docs/ca.md)", key);
		out[0] = '\0';
		return 0;
	}
	const char *why = url_problem(e->value);
	if (why)
		return kerr_setf(l->err, l->d->path, e->line, "%s = '%s': %s", key, e->value, why);
	snprintf(out, cap, "%s", e->value);
	return 0;
}

/* A comma list of words from a table into bits. */
static int read_words(loader *l, const kini_section *s, const char *key, int (*from)(const char *),
		      const char *(*name)(int), int count, bool may_be_empty, unsigned *bits)
{
	const kini_entry *e = need(l, s, key);
	if (!e)
		return -1;
	char allowed[256] = "";
	for (int i = 0; i < count; i++)
		snprintf(allowed + strlen(allowed), sizeof allowed - strlen(allowed), "%s%s",
			 i ? ", " : "", name(i));
	char **items = NULL;
	size_t n = 0;
	if (kini_split_list(e->value, &items, &n) != 0)
		return kerr_setf(l->err, l->d->path, e->line, "%s: an empty item in the list; "
				 "separate words by single commas", key);
	*bits = 0;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		int v = from(items[i]);
		if (v < 0)
			rc = kerr_setf(l->err, l->d->path, e->line, "%s: '%s' is not allowed; use "
				       "words from: %s", key, items[i], allowed);
		else if (*bits & 1u << v)
			rc = kerr_setf(l->err, l->d->path, e->line, "%s: '%s' is listed twice; "
				       "list it once", key, items[i]);
		else
			*bits |= 1u << v;
	}
	kini_list_free(items, n);
	if (rc == 0 && !*bits && !may_be_empty)
		rc = kerr_setf(l->err, l->d->path, e->line, "%s is empty; a certificate needs at "
			       "least one of: %s", key, allowed);
	return rc;
}

static int ku_from(const char *s) { return ca_key_usage_from_name(s); }
static const char *ku_name(int v) { return ca_key_usage_name((ca_key_usage)v); }
static int eku_from(const char *s) { return ca_ext_key_usage_from_name(s); }
static const char *eku_name(int v) { return ca_ext_key_usage_name((ca_ext_key_usage)v); }

static const char *const profile_keys[] = { "policy_oid", "cps_url", "crl_url", "ocsp_url",
					    "ca_issuers_url", "identity_oid", "key_usage",
					    "ext_key_usage", NULL };
static const char *const crl_keys[] = { "next_update_days", NULL };

int ca_profile_load(const char *dir, ca_profile *out, kerr *err)
{
	ca_profile_default(out);
	char path[4096];
	snprintf(path, sizeof path, "%s/ca.ini", dir ? dir : ".");
	kini_doc *d = kini_load(path, err);
	if (!d)
		return -1;
	loader l = { d, err };
	const kini_section *sp = NULL, *sc = NULL;
	int rc = -1;
	for (size_t i = 0; i < d->n_sections; i++) {
		const kini_section *s = &d->sections[i];
		const char *const *keys;
		if (strcmp(s->name, "profile") == 0) {
			sp = s;
			keys = profile_keys;
		} else if (strcmp(s->name, "crl") == 0) {
			sc = s;
			keys = crl_keys;
		} else {
			kerr_setf(err, d->path, s->line, "unknown section [%s]; ca.ini holds "
				  "[profile] and [crl]", s->name);
			goto out;
		}
		if (kini_check_keys(d, s, keys, err) < 0)
			goto out;
	}
	if (!sp || !sc) {
		kerr_setf(err, d->path, 0, "no [%s] section; add it (docs/config.md, ca.ini)",
			  sp ? "crl" : "profile");
		goto out;
	}
	if (read_oid(&l, sp, "policy_oid", out->policy_oid, sizeof out->policy_oid) ||
	    read_url(&l, sp, "cps_url", false, out->cps_url, sizeof out->cps_url) ||
	    read_url(&l, sp, "crl_url", true, out->crl_url, sizeof out->crl_url) ||
	    read_url(&l, sp, "ocsp_url", true, out->ocsp_url, sizeof out->ocsp_url) ||
	    read_url(&l, sp, "ca_issuers_url", false, out->ca_issuers_url,
		     sizeof out->ca_issuers_url) ||
	    read_oid(&l, sp, "identity_oid", out->identity_oid, sizeof out->identity_oid) ||
	    read_words(&l, sp, "key_usage", ku_from, ku_name, CA_KU_COUNT, false, &out->key_usage) ||
	    read_words(&l, sp, "ext_key_usage", eku_from, eku_name, CA_EKU_COUNT, true,
		       &out->ext_key_usage))
		goto out;
	if (strcmp(out->policy_oid, out->identity_oid) == 0) {
		kerr_setf(err, d->path, need(&l, sp, "identity_oid")->line, "identity_oid is the "
			  "same as policy_oid; the identity extension has an OID of its own");
		goto out;
	}
	const kini_entry *e = need(&l, sc, "next_update_days");
	long days;
	if (!e)
		goto out;
	if (kini_parse_long(e->value, 1, CRL_DAYS_MAX, &days) != 0) {
		kerr_setf(err, d->path, e->line, "next_update_days = '%s': must be a whole number "
			  "of days from 1 to %d (a new CRL is published after every revocation "
			  "and at every start)", e->value, CRL_DAYS_MAX);
		goto out;
	}
	out->crl_days = (int)days;
	rc = 0;
out:
	kini_free(d);
	if (rc)
		ca_profile_default(out);
	return rc;
}

/* ---- the term ---- */

int64_t ca_add_years(int64_t t_s, int years)
{
	long day = clock_local_day(t_s * 1000);
	int64_t into_day_ms = t_s * 1000 - clock_day_start_ms(day);
	return (clock_day_start_ms(civil_add_years(day, years)) + into_day_ms) / 1000;
}

int64_t ca_term_end(int64_t start_s, int years)
{
	return ca_add_years(start_s, years) - 1;
}

/* ---- the extensions ---- */

static int ossl_fail(kerr *err, const char *what)
{
	char buf[256];
	unsigned long e = ERR_get_error();
	ERR_error_string_n(e, buf, sizeof buf);
	ERR_clear_error();
	return kerr_set(err, "issuer", "%s%s%s", what, e ? ": " : "", e ? buf : "");
}

static bool add_conf(X509 *x, X509 *ca, int nid, const char *value)
{
	X509V3_CTX v3;
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, ca, x, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	bool ok = ext && X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

/* A URI general name (the URL is set as it is: no config-string parsing). */
static GENERAL_NAME *uri_name(const char *url)
{
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_IA5STRING *s = ASN1_IA5STRING_new();
	if (!g || !s || ASN1_STRING_set(s, url, -1) != 1) {
		GENERAL_NAME_free(g);
		ASN1_IA5STRING_free(s);
		return NULL;
	}
	GENERAL_NAME_set0_value(g, GEN_URI, s);
	return g;
}

static bool add_policies(X509 *x, const ca_profile *p)
{
	CERTIFICATEPOLICIES *pols = sk_POLICYINFO_new_null();
	POLICYINFO *pi = POLICYINFO_new();
	bool ok = pols && pi && (pi->policyid = OBJ_txt2obj(p->policy_oid, 1)) != NULL &&
		  sk_POLICYINFO_push(pols, pi) > 0;
	if (!ok) {
		POLICYINFO_free(pi);
	} else if (p->cps_url[0]) {
		POLICYQUALINFO *q = POLICYQUALINFO_new();
		ok = q && (pi->qualifiers = sk_POLICYQUALINFO_new_null()) != NULL &&
		     (q->pqualid = OBJ_nid2obj(NID_id_qt_cps)) != NULL &&
		     (q->d.cpsuri = ASN1_IA5STRING_new()) != NULL &&
		     ASN1_STRING_set(q->d.cpsuri, p->cps_url, -1) == 1 &&
		     sk_POLICYQUALINFO_push(pi->qualifiers, q) > 0;
		if (!ok)
			POLICYQUALINFO_free(q);
	}
	ok = ok && X509_add1_ext_i2d(x, NID_certificate_policies, pols, 0, X509V3_ADD_APPEND) == 1;
	sk_POLICYINFO_pop_free(pols, POLICYINFO_free);
	return ok;
}

static bool add_crl_dp(X509 *x, const char *url)
{
	CRL_DIST_POINTS *dps = sk_DIST_POINT_new_null();
	DIST_POINT *dp = DIST_POINT_new();
	GENERAL_NAME *g = uri_name(url);
	bool ok = dps && dp && g && (dp->distpoint = DIST_POINT_NAME_new()) != NULL &&
		  (dp->distpoint->name.fullname = sk_GENERAL_NAME_new_null()) != NULL &&
		  sk_GENERAL_NAME_push(dp->distpoint->name.fullname, g) > 0;
	if (ok)
		g = NULL;
	if (dp && dp->distpoint)
		dp->distpoint->type = 0; /* fullName */
	ok = ok && sk_DIST_POINT_push(dps, dp) > 0;
	if (!ok)
		DIST_POINT_free(dp);
	ok = ok && X509_add1_ext_i2d(x, NID_crl_distribution_points, dps, 0, X509V3_ADD_APPEND) == 1;
	GENERAL_NAME_free(g);
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	return ok;
}

static bool push_access(AUTHORITY_INFO_ACCESS *aia, int nid, const char *url)
{
	ACCESS_DESCRIPTION *ad = ACCESS_DESCRIPTION_new();
	GENERAL_NAME *g = uri_name(url);
	if (!ad || !g) {
		ACCESS_DESCRIPTION_free(ad);
		GENERAL_NAME_free(g);
		return false;
	}
	ASN1_OBJECT_free(ad->method);
	ad->method = OBJ_nid2obj(nid);
	GENERAL_NAME_free(ad->location);
	ad->location = g;
	if (sk_ACCESS_DESCRIPTION_push(aia, ad) <= 0) {
		ACCESS_DESCRIPTION_free(ad);
		return false;
	}
	return true;
}

static bool add_aia(X509 *x, const ca_profile *p)
{
	AUTHORITY_INFO_ACCESS *aia = sk_ACCESS_DESCRIPTION_new_null();
	bool ok = aia != NULL;
	if (ok && p->ocsp_url[0])
		ok = push_access(aia, NID_ad_OCSP, p->ocsp_url);
	if (ok && p->ca_issuers_url[0])
		ok = push_access(aia, NID_ad_ca_issuers, p->ca_issuers_url);
	ok = ok && X509_add1_ext_i2d(x, NID_info_access, aia, 0, X509V3_ADD_APPEND) == 1;
	sk_ACCESS_DESCRIPTION_pop_free(aia, ACCESS_DESCRIPTION_free);
	return ok;
}

/* GM/T 0015's organisation identity: extnValue is the DER of a
 * PrintableString holding the USCC (its 18 characters are 0-9 and A-Z). */
static bool add_identity(X509 *x, const char *oid, const char *uscc)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	ASN1_STRING *ps = ASN1_STRING_type_new(V_ASN1_PRINTABLESTRING);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	unsigned char *der = NULL;
	int len = -1;
	bool ok = o && ps && os && ASN1_STRING_set(ps, uscc, -1) == 1 &&
		  (len = i2d_ASN1_PRINTABLESTRING(ps, &der)) > 0 &&
		  ASN1_OCTET_STRING_set(os, der, len) == 1;
	X509_EXTENSION *ext = ok ? X509_EXTENSION_create_by_OBJ(NULL, o, 0, os) : NULL;
	ok = ext && X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	OPENSSL_free(der);
	ASN1_OCTET_STRING_free(os);
	ASN1_STRING_free(ps);
	ASN1_OBJECT_free(o);
	return ok;
}

/* "a,b" from the bits set, in table order. */
static void words(unsigned bits, const char *const *names, int count, char *out, size_t cap)
{
	out[0] = '\0';
	for (int i = 0; i < count; i++)
		if (bits & 1u << i)
			snprintf(out + strlen(out), cap - strlen(out), "%s%s", out[0] ? "," : "",
				 names[i]);
}

int ca_profile_apply(const ca_profile *p, X509 *x, X509 *ca, const char *uscc, kerr *err)
{
	char ku[160] = "critical,", eku[160];
	words(p->key_usage, ku_ossl, CA_KU_COUNT, ku + strlen(ku), sizeof ku - strlen(ku));
	words(p->ext_key_usage, eku_ossl, CA_EKU_COUNT, eku, sizeof eku);
	if (!p->key_usage)
		return kerr_set(err, "issuer", "the certificate profile has no key usage");
	if (!add_conf(x, ca, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_conf(x, ca, NID_key_usage, ku) ||
	    (eku[0] && !add_conf(x, ca, NID_ext_key_usage, eku)) ||
	    !add_conf(x, ca, NID_subject_key_identifier, "hash") ||
	    !add_conf(x, ca, NID_authority_key_identifier, "keyid:always"))
		return ossl_fail(err, "the certificate's key usage and identifiers");
	if (p->policy_oid[0] && !add_policies(x, p))
		return ossl_fail(err, "the certificate policies");
	if (p->crl_url[0] && !add_crl_dp(x, p->crl_url))
		return ossl_fail(err, "the CRL distribution point");
	if ((p->ocsp_url[0] || p->ca_issuers_url[0]) && !add_aia(x, p))
		return ossl_fail(err, "the authority information access");
	if (p->identity_oid[0] && !add_identity(x, p->identity_oid, uscc))
		return ossl_fail(err, "the identity extension (GM/T 0015)");
	return 0;
}
