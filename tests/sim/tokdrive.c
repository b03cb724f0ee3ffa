/* tokdrive: drives a real key through pcscd the way the kiosk's token step
 * does, for tests/cli/test_pcsc.sh and for trying the driver by hand. It uses
 * only the library: the PC/SC driver (token_pcsc), the local CA (issuer),
 * certificate parsing (cert), the validity rules and the key lifecycle in the
 * database (token_repo). Output is key=value lines; exit 0 done, 1 the key or
 * the flow said no (status= names the token status or refused= the reason),
 * 2 usage or environment.
 *
 *   tokdrive [options] COMMAND [ARGS]
 *   options: --reader NAME (default: the first reader) --secret FILE (admin
 *            master secret) --ca DIR (local CA) --db FILE (lifecycle) --case
 *            CASE_NO --actor ID --resume SECONDS (a pulled key: wait for it to
 *            come back and run the operation again) --config DIR --piv (the
 *            key's PIV application too: token_pcsc_add_piv) --piv-only (a
 *            PIV key alone: token_pcsc_piv_new; write-cert takes the holder and
 *            validity, the key makes and certifies its pairs)
 *   list | wait in|out MS | info | personalise [PIN [p256|sm2]] | pubkey FILE
 *   cert FILE | sign PIN IN OUT (the key signs IN's bytes: DER signature)
 *   write-cert --unit U --uscc C --from YYYY-MM-DD --to YYYY-MM-DD
 *   write-seal YYYY-MM-DD | verify PIN | change OLD NEW | reset [PIN] | erase
 *   check [PIN]
 *   service SERVICE_ID [--unit U --uscc C --years N --agent-name A
 *            --agent-id I --old SERIAL --broken --pin PIN]
 *   (SERVICE_ID from services.ini: zc.new, rs.renew, zc.change, ...)
 * The CA signs with the certificate profile of the config directory's ca.ini
 * and, after each service, follows the database (db_token_ca_sync). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/case/catalog.h"
#include "core/token/cert.h"
#include "core/base/clock.h"
#include "core/base/config.h"
#include "core/token/issuer.h"
#include "core/case/rules.h"
#include "core/token/token.h"
#include "core/token/token_life.h"
#include "db/db.h"
#include "db/repo/token_repo.h"

static struct {
	const char *reader, *secret, *ca, *db, *case_no, *actor, *config;
	const char *unit, *uscc, *from, *to, *agent_name, *agent_id, *old, *pin;
	int years;
	bool broken;
	bool piv;       /* --piv: the key's PIV application too (needs --secret, --ca) */
	bool piv_only;  /* --piv-only: the PIV application alone (token_pcsc_piv_new) */
	long resume_ms;
} O = { .reader = "", .actor = "tester", .years = 1 };

static token_dev *dev;
static issuer *ca;
static kdb *db;

static int usage(void)
{
	fprintf(stderr, "usage: tokdrive [--reader R] [--secret F] [--ca DIR] [--db F] [--case N]"
			" [--resume S] COMMAND ... (see the head of tests/sim/tokdrive.c)\n");
	return 2;
}

static int env_fail(const kerr *err)
{
	char buf[1024];
	fprintf(stderr, "tokdrive: %s\n", kerr_text(err, buf, sizeof buf));
	return 2;
}

/* The result of a key operation: status=..., and the driver's detail. */
static int report(const char *what, token_status st)
{
	printf("%s=%s\n", what, token_status_name(st));
	if (st != TOK_OK && token_pcsc_detail(dev)[0])
		printf("detail=%s\n", token_pcsc_detail(dev));
	return st == TOK_OK ? 0 : 1;
}

/* A pulled key: wait until it is back, say what it reads as (blank or
 * personalised; a certificate on it must belong to its key pair: never a mix
 * that reads as valid), then the caller runs the operation again. False when
 * it does not come back in time. */
static bool key_back(void)
{
	if (O.resume_ms <= 0)
		return false;
	bool present = false;
	printf("pulled=1\n");
	fflush(stdout);
	token_pcsc_wait(dev, (int)O.resume_ms, false, &present); /* pcscd may lag */
	token_pcsc_wait(dev, (int)O.resume_ms, true, &present);
	if (!present)
		return false;
	token_info i;
	token_status st = token_read_info(dev, &i);
	printf("back=%s personalised=%d cert=%s\n", token_status_name(st), i.personalised,
	       i.cert_serial[0] ? i.cert_serial : "-");
	if (st == TOK_OK && token_info_has_cert(&i)) {
		kerr err = { 0 };
		st = token_final_check(dev, NULL, NULL, &err);
		printf("back_check=%s%s%s\n", token_status_name(st), err.msg[0] ? " " : "", err.msg);
	}
	fflush(stdout);
	return true;
}

#define RETRY(st, expr)                                                      \
	do {                                                                 \
		(st) = (expr);                                               \
	} while ((st) == TOK_REMOVED && key_back())

static long day_arg(const char *s)
{
	long d;
	if (!s || !civil_parse(s, &d)) {
		fprintf(stderr, "tokdrive: '%s' is not a day YYYY-MM-DD\n", s ? s : "");
		exit(2);
	}
	return d;
}

static void print_info(const token_info *i)
{
	char a[16], b[16], c[16];
	printf("serial=%s\npersonalised=%d\n", i->serial, i->personalised);
	printf("unit_name=%s\nuscc=%s\ncert_serial=%s\n", i->unit_name, i->uscc, i->cert_serial);
	printf("not_before=%s\nnot_after=%s\nseal_not_after=%s\n",
	       i->not_before >= 0 ? civil_format(i->not_before, a, sizeof a) : "-",
	       i->not_after >= 0 ? civil_format(i->not_after, b, sizeof b) : "-",
	       i->seal_not_after >= 0 ? civil_format(i->seal_not_after, c, sizeof c) : "-");
	printf("tries_left=%d\ntries_max=%d\nblocked=%d\n", i->pin_tries_left, i->pin_tries_max,
	       i->blocked);
	printf("key_alg=%s\n", i->personalised ? key_alg_name(i->key_alg) : "-");
}

static int write_file(const char *path, const unsigned char *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		fprintf(stderr, "tokdrive: cannot write %s\n", path);
		return 2;
	}
	return 0;
}

/* Issue a certificate for the key's own key pair and write it; *out keeps
 * the issued certificate (the caller clears it). */
static token_status issue_and_write(const char *unit, const char *uscc, long nb, long na,
				    int64_t end_s, issued_cert *out, int *fail)
{
	unsigned char *spki = NULL;
	size_t spki_len = 0;
	token_status st;
	RETRY(st, token_read_pubkey(dev, &spki, &spki_len));
	if (st != TOK_OK) {
		*fail = report("status", st);
		return st;
	}
	kerr err = { 0 };
	issue_request rq = { spki, spki_len, unit, uscc, nb, na, end_s };
	int rc = issuer_issue(ca, &rq, out, &err);
	free(spki);
	if (rc != 0) {
		*fail = env_fail(&err);
		return TOK_INVALID;
	}
	token_cert tc = issued_token_cert(out, unit, uscc);
	RETRY(st, token_write_cert(dev, &tc));
	if (st != TOK_OK)
		*fail = report("status", st);
	else
		printf("cert_serial=%s\n", out->serial);
	return st;
}

/* The final check; with the initial PIN when the PIN is known. */
static int final_check(const char *pin)
{
	kerr err = { 0 };
	int tries = -1;
	token_status st;
	RETRY(st, token_final_check(dev, pin, &tries, &err));
	if (st != TOK_OK && err.msg[0])
		printf("check_detail=%s\n", err.msg);
	return report("check", st);
}

/* The certificate on the key, parsed. */
static int read_key_cert(cert_info *ci)
{
	unsigned char *der = NULL;
	size_t len = 0;
	token_status st;
	RETRY(st, token_read_cert(dev, &der, &len));
	if (st != TOK_OK)
		return report("status", st);
	kerr err = { 0 };
	int rc = cert_parse(der, len, ci, &err);
	if (rc == 0 && issuer_verify(ca, der, len, &err) != 0) {
		printf("refused=not_our_ca\n");
		free(der);
		return 1;
	}
	free(der);
	return rc ? env_fail(&err) : 0;
}

static int need(const char *v, const char *name)
{
	if (!v) {
		fprintf(stderr, "tokdrive: this needs --%s\n", name);
		return 2;
	}
	return 0;
}

static int db_fail(const kerr *err)
{
	char buf[1024];
	printf("db_refused=%s\n", kerr_text(err, buf, sizeof buf));
	return 1;
}

/* One service's token part, as the token step runs it. */
static int run_service(const char *svc_id)
{
	if (!ca || !db)
		return fprintf(stderr, "tokdrive: a service needs --ca and --db\n"), 2;
	kerr err = { 0 };
	catalog *cat = catalog_load(config_default_dir(O.config), &err);
	if (!cat)
		return env_fail(&err);
	const service *svc = catalog_service(cat, svc_id);
	int rc = 0;
	issued_cert ic = { 0 };
	token_status st;
	token_info ki;
	cert_info ci;
	const char *initial = cat->rules.initial_pin;
	long today = clock_today(), nb, na;
	if (!svc) {
		fprintf(stderr, "tokdrive: no service '%s' in services.ini\n", svc_id);
		rc = 2;
		goto out;
	}
	switch (svc->kind) {
	case SVC_NEW:
	case SVC_REISSUE: {
		if ((rc = need(O.unit, "unit")) || (rc = need(O.uscc, "uscc")))
			goto out;
		long old_nb = today, old_na = today;
		token_rec old;
		if (svc->kind == SVC_REISSUE) {
			if ((rc = need(O.old, "old")))
				goto out;
			if (db_token_get(db, O.old, &old, &err) != 0 || old.cert_not_after < 0) {
				printf("refused=old_key_unknown\n");
				rc = 1;
				goto out;
			}
			old_nb = old.cert_not_before;
			old_na = old.cert_not_after;
			/* before the new key is touched: the old one must be retirable */
			token_state gone = O.broken ? TS_DAMAGED : TS_PERM_LOST;
			if (!token_life_allowed(old.state, gone, O.broken ? TR_BROKEN : TR_LOST)) {
				printf("refused=old key is %s\n", token_state_name(old.state));
				rc = 1;
				goto out;
			}
		}
		RETRY(st, token_personalise_alg(dev, initial, svc->platform->key_alg));
		if (st != TOK_OK) {
			rc = report("status", st);
			goto out;
		}
		RETRY(st, token_read_info(dev, &ki));
		if (st != TOK_OK) {
			rc = report("status", st);
			goto out;
		}
		if (db_token_transition(db, O.actor, O.case_no, ki.serial, TS_FORMATTED,
					TR_PERSONALISED, NULL, &err) != 0) {
			rc = db_fail(&err);
			goto out;
		}
		rules_new_validity(svc, today, old_nb, old_na, O.years, &nb, &na);
		/* a reissue keeps the lost key's last day, to its end */
		int64_t end_s = svc->kind == SVC_REISSUE ? clock_day_start_ms(na + 1) / 1000 - 1 : 0;
		if (issue_and_write(O.unit, O.uscc, nb, na, end_s, &ic, &rc) != TOK_OK)
			goto out;
		cert_new cn = { ic.serial, O.unit, O.uscc, ic.not_before, ic.not_after, ic.der,
				ic.der_len };
		if (db_token_enroll(db, O.actor, O.case_no, ki.serial, &cn, TR_ENROLLED, &err) != 0) {
			rc = db_fail(&err);
			goto out;
		}
		break;
	}
	case SVC_RENEW:
	case SVC_CHANGE:
	case SVC_BIND:
	case SVC_UNLOCK:
	case SVC_SEAL_UPGRADE:
	case SVC_SEAL_RENEW: {
		if ((rc = need(O.unit, "unit")) || (rc = need(O.uscc, "uscc")))
			goto out;
		RETRY(st, token_read_info(dev, &ki));
		if (st != TOK_OK) {
			rc = report("status", st);
			goto out;
		}
		if (!ki.personalised) {
			rc = report("status", TOK_NOT_PERSONALISED);
			goto out;
		}
		if ((rc = read_key_cert(&ci)) != 0)
			goto out;
		cert_match m = cert_compare(&ci, O.unit, O.uscc);
		printf("match=%s\n", cert_match_name(m));
		/* a change is for a unit whose name or code changed: the USCC stays the
		 * key's identity there only when the name changed; everywhere else the
		 * certificate must be the case's unit (所属机构与key信息不一致) */
		if (svc->kind != SVC_CHANGE && m != CERT_MATCH) {
			printf("refused=%s\n", cert_match_name(m));
			rc = 1;
			goto out;
		}
		if (svc->kind == SVC_CHANGE && m == CERT_MATCH) {
			printf("refused=nothing_changed\n");
			rc = 1;
			goto out;
		}
		if (svc->kind == SVC_BIND) {
			if (db_token_bind(db, O.actor, O.case_no, ki.serial, O.uscc, O.unit,
					  O.agent_name, O.agent_id, &err) != 0)
				rc = db_fail(&err);
			goto out;
		}
		if (svc->kind == SVC_UNLOCK) {
			RETRY(st, token_reset_pin(dev, initial));
			if (st != TOK_OK) {
				rc = report("status", st);
				goto out;
			}
			if (db_token_pin_reset(db, O.actor, O.case_no, ki.serial, &err) != 0)
				rc = db_fail(&err);
			goto out;
		}
		if (svc->kind == SVC_RENEW || svc->kind == SVC_CHANGE) {
			rules_new_validity(svc, today, ci.not_before, ci.not_after, O.years, &nb, &na);
			/* the old end kept (change) or moved by the years (renewal) */
			int64_t end_s = svc->kind == SVC_CHANGE ? ci.not_after_s
					: ci.not_after >= today ? ca_add_years(ci.not_after_s, O.years)
								: 0;
			if (issue_and_write(O.unit, O.uscc, nb, na, end_s, &ic, &rc) != TOK_OK)
				goto out;
			cert_new cn = { ic.serial, O.unit, O.uscc, ic.not_before, ic.not_after, ic.der,
					ic.der_len };
			token_reason why = svc->kind == SVC_RENEW ? TR_RENEWED : TR_REENROLLED;
			if (db_token_enroll(db, O.actor, O.case_no, ki.serial, &cn, why, &err) != 0) {
				rc = db_fail(&err);
				goto out;
			}
			/* the CA follows the database: a change revoked every
			 * earlier certificate of the key */
			if (db_token_ca_sync(db, ca, NULL, &err) != 0) {
				rc = env_fail(&err);
				goto out;
			}
		}
		break;
	}
	case SVC_REVOKE: {
		/* the key if brought, else the one named */
		bool present = false;
		token_present(dev, &present);
		const char *serial = O.old;
		if (present) {
			RETRY(st, token_read_info(dev, &ki));
			if (st != TOK_OK) {
				rc = report("status", st);
				goto out;
			}
			serial = ki.serial;
		}
		if ((rc = need(serial, "old")))
			goto out;
		token_rec k;
		if (db_token_get(db, serial, &k, &err) != 0) {
			printf("refused=key_unknown\n");
			rc = 1;
			goto out;
		}
		if (db_token_retire(db, O.actor, O.case_no, serial, TR_REVOKED, NULL, &err) != 0) {
			rc = db_fail(&err);
			goto out;
		}
		if (db_token_ca_sync(db, ca, NULL, &err) != 0) {
			rc = env_fail(&err);
			goto out;
		}
		if (present) {
			RETRY(st, token_erase(dev));
			if (st != TOK_OK) {
				rc = report("status", st);
				goto out;
			}
			if (db_token_transition(db, O.actor, O.case_no, serial, TS_UNFORMATTED,
						TR_ERASED, NULL, &err) != 0)
				rc = db_fail(&err);
		}
		goto out;
	}
	default:
		fprintf(stderr, "tokdrive: service kind %s has no token part here\n",
			service_kind_name(svc->kind));
		rc = 2;
		goto out;
	}
	/* the seal follows the certificate where the service writes one */
	for (size_t i = 0; i < svc->n_token_ops; i++) {
		if (svc->token_ops[i] != TOP_WRITE_SEAL)
			continue;
		RETRY(st, token_read_info(dev, &ki));
		if (st == TOK_OK)
			RETRY(st, token_write_seal(dev, ki.not_after));
		if (st != TOK_OK) {
			rc = report("status", st);
			goto out;
		}
		if (db_token_set_seal(db, O.actor, O.case_no, ki.serial, ki.not_after, &err) != 0) {
			rc = db_fail(&err);
			goto out;
		}
	}
	if (svc->kind == SVC_REISSUE) {
		token_reason why = O.broken ? TR_BROKEN : TR_LOST;
		if (db_token_retire(db, O.actor, O.case_no, O.old, why, NULL, &err) != 0) {
			rc = db_fail(&err);
			goto out;
		}
	}
	if (svc->kind == SVC_NEW || svc->kind == SVC_REISSUE) {
		if (db_token_ca_sync(db, ca, NULL, &err) != 0) {
			rc = env_fail(&err);
			goto out;
		}
	}
	/* new keys carry the initial PIN; a customer's own key is checked without it */
	rc = final_check(svc->kind == SVC_NEW || svc->kind == SVC_REISSUE ? initial : O.pin);
out:
	issued_cert_clear(&ic);
	catalog_free(cat);
	if (rc == 0)
		printf("service=ok\n");
	return rc;
}

static int run(int argc, char **argv)
{
	const char *cmd = argv[0];
	token_status st;
	int tries = -1;
	if (!strcmp(cmd, "list")) {
		token_reader r[8];
		size_t n;
		kerr err = { 0 };
		if (token_pcsc_list(r, 8, &n, &err) != 0)
			return env_fail(&err);
		for (size_t i = 0; i < n && i < 8; i++)
			printf("reader=%s present=%d atr=%s\n", r[i].name, r[i].present, r[i].atr);
		return 0;
	}
	if (!strcmp(cmd, "wait") && argc == 3) {
		bool present;
		st = token_pcsc_wait(dev, atoi(argv[2]), !strcmp(argv[1], "in"), &present);
		printf("present=%d\n", present);
		return report("status", st) ? 1 : present == !strcmp(argv[1], "in") ? 0 : 1;
	}
	if (!strcmp(cmd, "info")) {
		token_info i;
		RETRY(st, token_read_info(dev, &i));
		if (st == TOK_OK)
			print_info(&i);
		return report("status", st);
	}
	if (!strcmp(cmd, "personalise")) {
		int alg = argc > 2 ? key_alg_from_name(argv[2]) : KEY_ALG_P256;
		if (alg < 0)
			return usage();
		RETRY(st, token_personalise_alg(dev, argc > 1 ? argv[1] : "12345678", (key_alg)alg));
		return report("status", st);
	}
	if (!strcmp(cmd, "sign") && argc == 4) {
		/* the key signs the file's bytes; the signature (DER) into OUT */
		unsigned char in[TOKEN_CHALLENGE_MAX + 1], sig[TOKEN_SIG_MAX];
		size_t n = 0, sl = 0;
		FILE *f = fopen(argv[2], "rb");
		if (f) {
			n = fread(in, 1, sizeof in, f);
			fclose(f);
		}
		if (!f || n == 0 || n > TOKEN_CHALLENGE_MAX)
			return fprintf(stderr, "tokdrive: %s: 1-%d bytes to sign\n", argv[2],
				       TOKEN_CHALLENGE_MAX), 2;
		int left = -1;
		RETRY(st, token_sign(dev, argv[1], in, n, sig, &sl, &left));
		return st == TOK_OK ? write_file(argv[3], sig, sl) : report("status", st);
	}
	if ((!strcmp(cmd, "pubkey") || !strcmp(cmd, "cert")) && argc == 2) {
		unsigned char *p = NULL;
		size_t n = 0;
		if (!strcmp(cmd, "pubkey"))
			RETRY(st, token_read_pubkey(dev, &p, &n));
		else
			RETRY(st, token_read_cert(dev, &p, &n));
		int rc = st == TOK_OK ? write_file(argv[1], p, n) : report("status", st);
		free(p);
		return rc ? rc : report("status", st);
	}
	if (!strcmp(cmd, "write-cert")) {
		if (!ca || need(O.unit, "unit") || need(O.uscc, "uscc") || need(O.from, "from") ||
		    need(O.to, "to"))
			return usage();
		if (O.piv_only) {
			/* a PIV key certifies its own pairs: the holder and validity only */
			token_cert tc = { O.unit, O.uscc, "00", day_arg(O.from), day_arg(O.to), NULL, 0,
					  0, false, -1 };
			RETRY(st, token_write_cert(dev, &tc));
			return report("status", st);
		}
		issued_cert ic = { 0 };
		int rc = 0;
		issue_and_write(O.unit, O.uscc, day_arg(O.from), day_arg(O.to), 0, &ic, &rc);
		issued_cert_clear(&ic);
		return rc ? rc : report("status", TOK_OK);
	}
	if (!strcmp(cmd, "write-seal") && argc == 2) {
		RETRY(st, token_write_seal(dev, day_arg(argv[1])));
		return report("status", st);
	}
	if (!strcmp(cmd, "verify") && argc == 2) {
		RETRY(st, token_verify_pin(dev, argv[1], &tries));
		printf("tries_left=%d\n", tries);
		return report("status", st);
	}
	if (!strcmp(cmd, "change") && argc == 3) {
		RETRY(st, token_change_pin(dev, argv[1], argv[2], &tries));
		printf("tries_left=%d\n", tries);
		return report("status", st);
	}
	if (!strcmp(cmd, "reset")) {
		RETRY(st, token_reset_pin(dev, argc > 1 ? argv[1] : "12345678"));
		return report("status", st);
	}
	if (!strcmp(cmd, "erase")) {
		RETRY(st, token_erase(dev));
		return report("status", st);
	}
	if (!strcmp(cmd, "check"))
		return final_check(argc > 1 ? argv[1] : NULL);
	if (!strcmp(cmd, "service") && argc == 2)
		return run_service(argv[1]);
	return usage();
}

int main(int argc, char **argv)
{
	char *pos[8];
	int n = 0;
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0) {
			if (n == 8)
				return usage();
			pos[n++] = argv[i];
			continue;
		}
		const char *k = argv[i] + 2, *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(k, "broken")) {
			O.broken = true;
			continue;
		}
		if (!strcmp(k, "piv")) {
			O.piv = true;
			continue;
		}
		if (!strcmp(k, "piv-only")) {
			O.piv_only = true;
			continue;
		}
		if (!v)
			return usage();
		i++;
		const char **slot = !strcmp(k, "reader") ? &O.reader : !strcmp(k, "secret") ? &O.secret
				    : !strcmp(k, "ca") ? &O.ca : !strcmp(k, "db") ? &O.db
				    : !strcmp(k, "case") ? &O.case_no : !strcmp(k, "actor") ? &O.actor
				    : !strcmp(k, "config") ? &O.config : !strcmp(k, "unit") ? &O.unit
				    : !strcmp(k, "uscc") ? &O.uscc : !strcmp(k, "from") ? &O.from
				    : !strcmp(k, "to") ? &O.to : !strcmp(k, "agent-name") ? &O.agent_name
				    : !strcmp(k, "agent-id") ? &O.agent_id : !strcmp(k, "old") ? &O.old
				    : !strcmp(k, "pin") ? &O.pin : NULL;
		if (slot)
			*slot = v;
		else if (!strcmp(k, "years"))
			O.years = atoi(v);
		else if (!strcmp(k, "resume"))
			O.resume_ms = atol(v) * 1000;
		else
			return usage();
	}
	if (n == 0)
		return usage();
	kerr err = { 0 };
	/* the CA signs with the configured certificate profile, as the kiosk's */
	ca_profile prof;
	if (O.ca && (ca_profile_load(config_default_dir(O.config), &prof, &err) != 0 ||
		     !(ca = issuer_local_open(O.ca, &prof, &err))))
		return env_fail(&err);
	dev = O.piv_only ? token_pcsc_piv_new(O.reader, O.secret, ca, &err)
			 : token_pcsc_new(O.reader, O.secret, &err);
	int rc = 2;
	if (!dev) {
		rc = env_fail(&err);
		goto out;
	}
	if (O.piv && token_pcsc_add_piv(dev, ca, &err) != 0) {
		rc = env_fail(&err);
		goto out;
	}
	if (O.db && !(db = db_open(O.db, "K01", DB_OPEN_CREATE, &err))) {
		rc = env_fail(&err);
		goto out;
	}
	rc = run(n, pos);
out:
	db_close(db);
	issuer_free(ca);
	token_dev_free(dev);
	return rc;
}
