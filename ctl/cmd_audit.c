/* kioskctl audit: walk the audit hash chain and match every bound row with
 * its last record in it (docs/audit.md); with --anchors, check the chain
 * against every recorded day anchor and any exported anchor files kept
 * elsewhere, so a log cut back or rewritten consistently is still caught;
 * docs/day-close.md), then the seals (cmd_seal.c; with --seal-key their
 * tags; docs/audit.md). seal-init and seal are cmd_seal.c's. */
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/audit/anchor.h"
#include "core/audit/audit.h"
#include "core/audit/kioskkey.h"
#include "core/audit/seal.h"
#include "core/base/civil.h"
#include "ctl/ctl.h"
#include "db/repo/anchor_repo.h"
#include "db/db.h"

#define AUDIT_USAGE                                                                      \
	"kioskctl audit verify [--db FILE] [--head HASH] [--seal-key KEY]\n"          \
	"       kioskctl audit verify --anchors [--anchor-file F ...] [--key FILE | --pubkey FILE]" \
	" [--db FILE] [--head HASH] [--seal-key KEY]\n"                                      \
	"       kioskctl audit seal-init --by SUPERVISOR_ID   (once; shows the verification key)\n" \
	"       kioskctl audit seal   (seal the epochs that have ended)"

/* The public key to check signatures with: --pubkey, else the .pub.pem beside
 * --key or the configured <data_dir>/kiosk-key.pem. NULL when there is none
 * (*missing set, why in err) or on an error (*missing clear). */
static kioskkey *load_pub(const args *a, bool *missing, kerr *err)
{
	*missing = false;
	char key[4096], pub[4200];
	if (opt(a, "pubkey")) {
		snprintf(pub, sizeof pub, "%s", opt(a, "pubkey"));
	} else {
		if (opt(a, "key")) {
			snprintf(key, sizeof key, "%s", opt(a, "key"));
		} else {
			kiosk_config *cfg = load_config(a, err);
			if (!cfg)
				return NULL;
			int rc = kioskkey_default_path(cfg->data_dir, key, sizeof key, err);
			config_free(cfg);
			if (rc)
				return NULL;
		}
		if (kioskkey_pub_path(key, pub, sizeof pub, err))
			return NULL;
	}
	if (access(pub, F_OK) != 0 && errno == ENOENT) {
		*missing = true;
		kerr_set(err, pub, "no kiosk public key here (the first day close writes it beside "
			 "kiosk-key.pem): give it with --pubkey FILE");
		return NULL;
	}
	return kioskkey_load_public(pub, err);
}

/* The chain's verdict and, when it is intact, every bound row found at
 * fault: one line each. Returns whether anything was at fault. */
static bool print_verdict(const audit_verify_result *r, int rc)
{
	if (rc > 0 && r->bad_seq) {
		SAY(stdout, "ctl.audit.tampered_at", V("seq", NUM(r->bad_seq)), V("problem", r->problem));
		return true;
	}
	for (size_t i = 0; i < r->n_found; i++) {
		char line[640];
		SAY(stdout, "ctl.audit.tampered_row", V("finding", db_row_finding_text(&r->found[i], line, sizeof line)));
	}
	if (r->n_more)
		SAY(stdout, "ctl.audit.more_rows", V("n", NUM(r->n_more)));
	return rc > 0;
}

/* The line that says the bound rows were checked (schema 6 on). */
static void print_rows_ok(const audit_verify_result *r)
{
	if (r->bound_tables)
		SAY(stdout, "ctl.audit.rows_ok", V("rows", NUM(r->bound_rows)), V("tables", NUM(r->bound_tables)));
}

static int verify_anchors(const args *a, const uint8_t *want)
{
	kerr err = { 0 };
	/* Every --anchor-file, parsed before anything else is opened. */
	anchor_rec *files = NULL;
	const char *names[MAX_OPTS];
	size_t n_files = 0;
	int rc = EXIT_USAGE;
	kdb *db = NULL;
	kioskkey *pub = NULL;
	for (int i = 0; i < a->n_opts; i++) {
		if (strcmp(a->opt_name[i], "anchor-file") != 0)
			continue;
		if (!files && !(files = calloc(MAX_OPTS, sizeof *files))) {
			ERR("ctl.no_memory");
			goto out;
		}
		names[n_files] = a->opt_value[i];
		if (anchor_file_read(a->opt_value[i], &files[n_files], &err)) {
			fail_env(&err);
			goto out;
		}
		n_files++;
	}
	bool missing;
	kerr kerr_pub = { 0 };
	pub = load_pub(a, &missing, &kerr_pub);
	if (!pub && !missing) {
		fail_env(&kerr_pub);
		goto out;
	}
	db = open_db(a, DB_OPEN_EXISTING, &err);
	if (!db) {
		fail_env(&err);
		goto out;
	}
	anchor_verify_result *res = calloc(1, sizeof *res);
	if (!res) {
		ERR("ctl.no_memory");
		goto out;
	}
	int r = db_audit_verify_anchors(db, pub, files, n_files, res, &err);
	if (r < 0) {
		/* without a public key the cause is the missing key file */
		fail_env(!pub ? &kerr_pub : &err);
		free(res);
		goto out;
	}
	char hex[2 * AUDIT_HASH_LEN + 1];
	rc = EXIT_OK;
	bool bad = print_verdict(&res->chain, res->chain_rc);
	if (!res->chain.bad_seq && want && memcmp(want, res->chain.head, AUDIT_HASH_LEN) != 0) {
		SAY(stdout, "ctl.audit.head_differs", V("head", audit_hex(res->chain.head, hex)),
		    V("seq", NUM(res->chain.head_seq)), V("want", opt(a, "head")));
		bad = true;
	}
	if (bad) {
		rc = EXIT_FINDING;
	} else {
		SAY(stdout, "ctl.audit.ok", V("rows", NUM(res->chain.rows)), V("head", audit_hex(res->chain.head, hex)));
		print_rows_ok(&res->chain);
	}
	for (size_t i = 0; i < res->n_findings; i++) {
		const anchor_finding *f = &res->findings[i];
		char date[16];
		civil_format(f->day, date, sizeof date);
		if (f->file >= 0)
			SAY(stdout, "ctl.audit.anchor_file_bad", V("date", date), V("file", names[f->file]),
			    V("problem", f->problem));
		else
			SAY(stdout, "ctl.audit.anchor_bad", V("date", date), V("problem", f->problem));
	}
	if (res->n_more)
		SAY(stdout, "ctl.audit.more_anchors", V("n", NUM(res->n_more)));
	if (res->n_findings) {
		rc = EXIT_FINDING;
	} else {
		if (pub && res->n_anchors + res->n_files > 0)
			SAY(stdout, "ctl.audit.anchors_ok_signed", V("days", NUM(res->n_anchors)),
			    V("files", NUM(res->n_files)), V("key", kioskkey_id(pub)));
		else
			SAY(stdout, "ctl.audit.anchors_ok", V("days", NUM(res->n_anchors)),
			    V("files", NUM(res->n_files)));
	}
	free(res);
out:
	if (db)
		db_close(db);
	kioskkey_free(pub);
	free(files);
	return rc;
}

/* The chain (and anchors), then the seals: the worse of the two results. */
static int worse(int chain_rc, const args *a)
{
	if (chain_rc == EXIT_USAGE)
		return chain_rc;
	int seal_rc = ctl_seal_verify(a);
	return seal_rc == EXIT_USAGE ? seal_rc : chain_rc > seal_rc ? chain_rc : seal_rc;
}

static int verify_chain(const args *a);

int cmd_audit(const args *a)
{
	if (a->n_words == 2 && strcmp(a->words[1], "seal-init") == 0)
		return ctl_seal_init(a);
	if (a->n_words == 2 && strcmp(a->words[1], "seal") == 0)
		return ctl_seal(a);
	if (a->n_words != 2 || strcmp(a->words[1], "verify") != 0)
		return ctl_usage_of(AUDIT_USAGE, NULL);
	if (check_opts(a, "config db head anchors anchor-file key pubkey seal-key"))
		return EXIT_USAGE;
	uint8_t k0[SEAL_KEY_LEN];
	seal_params p;
	bool key_ok = !opt(a, "seal-key") || seal_vkey_parse(opt(a, "seal-key"), k0, &p);
	OPENSSL_cleanse(k0, sizeof k0);
	if (!key_ok) /* before anything is read */
		return REFUSE("ctl.seal.bad_vkey");
	return worse(verify_chain(a), a);
}

static int verify_chain(const args *a)
{
	bool anchors = opt(a, "anchors") || opt(a, "anchor-file");
	if (!anchors && (opt(a, "key") || opt(a, "pubkey")))
		return USAGE("ctl.audit.key_needs_anchors");
	uint8_t want[AUDIT_HASH_LEN];
	if (opt(a, "head") && !audit_unhex(opt(a, "head"), want))
		return REFUSE("ctl.audit.bad_head", V("head", opt(a, "head")));
	if (anchors)
		return verify_anchors(a, opt(a, "head") ? want : NULL);
	kerr err = { 0 };
	kdb *db = open_db(a, DB_OPEN_EXISTING, &err);
	if (!db)
		return fail_env(&err);
	audit_verify_result res;
	int rc = db_audit_verify(db, &res, &err);
	db_close(db);
	if (rc < 0)
		return fail_env(&err);
	bool bad = print_verdict(&res, rc);
	char hex[2 * AUDIT_HASH_LEN + 1];
	/* An externally kept head catches a log cut back to an earlier, intact state. */
	if (!res.bad_seq && opt(a, "head") && memcmp(want, res.head, AUDIT_HASH_LEN) != 0) {
		SAY(stdout, "ctl.audit.head_differs", V("head", audit_hex(res.head, hex)),
		    V("seq", NUM(res.head_seq)), V("want", opt(a, "head")));
		bad = true;
	}
	if (bad)
		return EXIT_FINDING;
	SAY(stdout, "ctl.audit.ok", V("rows", NUM(res.rows)), V("head", audit_hex(res.head, hex)));
	print_rows_ok(&res);
	return EXIT_OK;
}
