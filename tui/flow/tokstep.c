/* tokstep: the token step of a real kiosk (not demo). The service's part on
 * the customer's key, after core/token (the PC/SC driver), core/issuer (the
 * local OpenSSL CA) and core/cert, with the key's lifecycle recorded by
 * db/token_repo in ONE transaction together with the case's token step, so
 * the database never says more or less than the key holds.
 *
 * Key first, records last: a key cannot be rolled back, the database can. A
 * key pulled mid-write is left as before or as after (the driver's ordering);
 * running the step again finishes it: a blank or half-personalised key is
 * personalised, a prepared key gets its certificate, and a certificate that
 * this kiosk issued but has not recorded yet (the write finished, the
 * commit did not: pulled key, crash, restart) is recognised and recorded
 * instead of being issued twice. How it is recognised: issued by our CA,
 * for this case's unit, not before today, and not the certificate the
 * database holds for the key (docs/devices.md).
 *
 * A key with the PIV application alone (a YubiKey 5, any PIV card the
 * customer brings), where the CA takes such keys (kiosk.ini piv_only_keys =
 * accept; the device then answers for its PIV application): its
 * certificates are made by the driver in 9C and 9A (PIV reads no public
 * key), the one in 9A is the key's certificate of record (certs.app
 * piv.9a), and services that need the kiosk's application (a seal) or a
 * pair PIV cannot hold (SM2) are refused before anything is written; a new
 * certificate needs the key at factory state (docs/devices.md).
 *
 * The demo keeps the op-by-op simulation in token_flow.c: the demo key has
 * no key pair to certify. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/token/cert.h"
#include "core/base/clock.h"
#include "forms/casewords.h"
#include "core/token/issuer.h"
#include "core/case/rules.h"
#include "db/repo/token_repo.h"
#include "tui/flow/registry.h"
#include "tui/flow/token_flow.h"

static bool needs_op(const service *svc, token_op op)
{
	for (size_t i = 0; i < svc->n_token_ops; i++)
		if (svc->token_ops[i] == op)
			return true;
	return false;
}

/* The run's state: what was read, what was issued, the text for the step. */
typedef struct run {
	counter *k;
	case_flow *cs;
	token_info ki;
	cert_info ci;          /* the key's certificate, when read */
	bool have_ci;
	issued_cert ic;        /* issued in this run (zeroed otherwise) */
	unsigned char *der;    /* the key's certificate as last read (owned) */
	size_t der_len;
	token_app_cert apps[2];/* the key's PIV certificates to record (owned) */
	cert_info app_ci[2];
	size_t n_apps;
	bool piv_only;         /* the key read has the PIV application alone */
	char detail[1024];
} run;

static bool fail_status(run *r, token_status st, int tries)
{
	char buf[700], t[16];
	snprintf(t, sizeof t, "%d", tries);
	str_var v[] = { { "tries", t }, { NULL, NULL } };
	counter_render(r->k, token_status_key(st), v, buf, sizeof buf);
	const char *det = r->k->tok ? token_pcsc_detail(r->k->tok) : "";
	snprintf(r->cs->step_msg, sizeof r->cs->step_msg, "%s%s%.300s%s", buf, det[0] ? " (" : "",
		 det, det[0] ? ")" : "");
	r->cs->step_failed = true;
	/* a key pulled mid-write: finish when it is back (the tick looks) */
	r->cs->token_resume = st == TOK_REMOVED;
	if (st == TOK_REMOVED)
		snprintf(r->cs->step_msg, sizeof r->cs->step_msg, "%s", counter_str(r->k, "tokstep.resume_wait"));
	return false;
}

static bool refuse(run *r, tokstep_refusal why, const str_var *v)
{
	counter_render(r->k, tokstep_refusal_key(why), v, r->cs->step_msg, sizeof r->cs->step_msg);
	r->cs->step_failed = true;
	return false;
}

static bool refuse_err(run *r, tokstep_refusal why, const kerr *err)
{
	char d[600];
	str_var v[] = { { "detail", kerr_text(err, d, sizeof d) }, { NULL, NULL } };
	return refuse(r, why, v);
}

/* 所属机构与key信息不一致: the key's certificate is not the case's unit. */
static bool refuse_match(run *r, cert_match m)
{
	str_var v[] = { { "cert_unit", r->ci.unit_name }, { "cert_uscc", r->ci.uscc },
			{ "case_unit", r->cs->rec.party.unit_name }, { "case_uscc", r->cs->rec.party.uscc },
			{ NULL, NULL } };
	counter_render(r->k, cert_match_key(m), v, r->cs->step_msg, sizeof r->cs->step_msg);
	r->cs->step_failed = true;
	return false;
}

/* Append a phrase (forms/casewords.h STEP_NOTES: the timeline says it in
 * words) to the step's detail (the audit row's text), "; " between. */
static void note(run *r, step_note id, const char *a, const char *b, const char *c)
{
	char one[256];
	size_t len = strlen(r->detail);
	snprintf(r->detail + len, sizeof r->detail - len, "%s%s", len ? "; " : "",
		 casewords_note(one, sizeof one, id, a, b, c));
}

/* Say what is being done, on screen now (the key takes its time). */
static void progress(run *r, const char *what)
{
	char key[64];
	snprintf(key, sizeof key, "tokstep.progress.%s", what);
	snprintf(r->cs->step_msg, sizeof r->cs->step_msg, "%s", counter_str(r->k, key));
	r->cs->step_failed = false;
	counter_progress(r->k);
}

static bool same_key(run *r);

/* Every read of the key checks it is still the one the clerk agreed to: the
 * driver reconnects to whatever key is in the reader. */
static bool read_info(run *r)
{
	token_status st = token_read_info(r->k->tok, &r->ki);
	/* a key with PIV alone (a YubiKey, a PIV card the customer brought):
	 * said as such, not as a foreign card (docs/devices.md) */
	if (st == TOK_WRONG_CARD && token_pcsc_piv_only(r->k->tok))
		return refuse(r, TSR_PIV_ONLY, NULL);
	if (st != TOK_OK)
		return fail_status(r, st, -1);
	/* taken (kiosk.ini piv_only_keys = accept): used through PIV alone */
	r->piv_only = token_pcsc_piv_only(r->k->tok);
	return same_key(r);
}

/* The key's PIV certificates, recorded with its kiosk certificate: those
 * this CA issued for the case's unit (a PIV application this kiosk never
 * wrote holds none of ours). */
static bool read_app_certs(run *r)
{
	token_status st = token_pcsc_app_certs(r->k->tok, r->apps, &r->n_apps);
	if (st == TOK_NOT_SUPPORTED)
		return true;  /* no PIV on this device */
	if (st != TOK_OK)
		return fail_status(r, st, -1);
	size_t keep = 0;
	for (size_t i = 0; i < r->n_apps; i++) {
		kerr err = { 0 };
		token_app_cert *a = &r->apps[i];
		if (cert_parse(a->der, a->der_len, &r->app_ci[keep], &err) == 0 &&
		    issuer_verify(r->k->ca, a->der, a->der_len, &err) == 0 &&
		    cert_compare(&r->app_ci[keep], r->cs->rec.party.unit_name,
				 r->cs->rec.party.uscc) == CERT_MATCH &&
		    strcmp(r->app_ci[keep].serial, r->ci.serial) != 0) {
			r->apps[keep++] = *a;
			continue;
		}
		free(a->der);
	}
	r->n_apps = keep;
	for (size_t i = 0; i < keep; i++)
		note(r, SN_PIV_CERT, strncmp(r->apps[i].app, "piv.", 4) == 0 ? r->apps[i].app + 4 : r->apps[i].app,
		     r->app_ci[i].serial, NULL);
	return true;
}

/* The PIV driver's note of each certificate it is about to write
 * (token_pcsc_on_issue), as issue_and_write notes the kiosk's. */
static int note_app_cert(void *arg, const char *key_serial, const char *cert_serial,
			 const char *app)
{
	(void)app;
	run *r = arg;
	kerr err = { 0 };
	return db_token_issue_note(r->k->db, r->k->user.id, r->cs->rec.case_no, key_serial,
				   cert_serial, &err);
}

/* The key's certificate, parsed and checked to be ours. */
static bool read_cert(run *r)
{
	unsigned char *der = NULL;
	size_t len = 0;
	token_status st = token_read_cert(r->k->tok, &der, &len);
	if (st != TOK_OK)
		return fail_status(r, st, -1);
	kerr err = { 0 };
	bool ok = cert_parse(der, len, &r->ci, &err) == 0;
	if (ok && issuer_verify(r->k->ca, der, len, &err) != 0) {
		free(der);
		return refuse(r, TSR_NOT_OUR_CA, NULL);
	}
	if (!ok) {
		free(der);
		return refuse_err(r, TSR_NOT_OUR_CA, &err);
	}
	free(r->der);
	r->der = der;
	r->der_len = len;
	r->have_ci = true;
	return true;
}

/* The key's certificate was written by an earlier run of this step that did
 * not get to record it: this case noted it before writing (write-ahead,
 * db_token_issue_note) and no certs row records it yet. Dates play no part,
 * so a kept validity (change, reissue) and a run across midnight resume. */
static bool unrecorded_ours(run *r)
{
	if (!r->have_ci || cert_compare(&r->ci, r->cs->rec.party.unit_name, r->cs->rec.party.uscc) != CERT_MATCH)
		return false;
	kerr err = { 0 };
	return db_token_issue_pending(r->k->db, r->cs->rec.case_no, r->ki.serial, r->ci.serial, &err) == 1;
}

/* The exact end (UTC s) a certificate keeps or extends: the old
 * certificate's notAfter for a kept validity, moved by the years bought for
 * a renewal that is still open; 0 for a new term (it ends as the CPS says,
 * core/ca/ca.h). */
static int64_t exact_end(const service *svc, long old_na, int64_t old_end_s, int years)
{
	if (old_end_s <= 0)
		return 0;
	if (svc->validity == VALIDITY_KEEP)
		return old_end_s;
	if (svc->validity == VALIDITY_EXTEND && old_na >= clock_today())
		return ca_add_years(old_end_s, years);
	return 0;
}

/* A key with PIV alone: the driver certifies 9C and 9A itself (PIV has no
 * command that reads a public key), noting each certificate before it
 * writes it (note_app_cert); then the certificate in 9A is the key's. */
static bool piv_issue_and_write(run *r, long nb, long na, int64_t end_s)
{
	progress(r, "write_cert");
	/* cert_serial names the kiosk application's certificate, which such a
	 * key has none of: the driver issues its own */
	token_cert tc = { .unit_name = r->cs->rec.party.unit_name, .uscc = r->cs->rec.party.uscc,
			  .cert_serial = "00", .not_before = nb, .not_after = na,
			  .not_after_s = end_s, .seal_not_after = -1 };
	token_status st = token_write_cert(r->k->tok, &tc);
	if (st == TOK_INVALID) {
		/* the issuer refused, or the note could not be written */
		kerr err = { 0 };
		kerr_set(&err, "PIV", "%s", token_pcsc_detail(r->k->tok));
		return refuse_err(r, TSR_ISSUER, &err);
	}
	if (st != TOK_OK)
		return fail_status(r, st, -1);
	if (!read_cert(r))
		return false;
	char d1[16], d2[16];
	note(r, SN_CERT, r->ci.serial, civil_format(r->ci.not_before, d1, sizeof d1),
	     civil_format(r->ci.not_after, d2, sizeof d2));
	return true;
}

/* Issue a certificate for the key's own key pair and write it; end_s: the
 * exact end to keep (exact_end()), 0 for a new term ending on day na. */
static bool issue_and_write(run *r, long nb, long na, int64_t end_s)
{
	if (r->piv_only)
		return piv_issue_and_write(r, nb, na, end_s);
	unsigned char *spki = NULL;
	size_t spki_len = 0;
	token_status st = token_read_pubkey(r->k->tok, &spki, &spki_len);
	if (st != TOK_OK)
		return fail_status(r, st, -1);
	progress(r, "issue");
	kerr err = { 0 };
	issue_request rq = { spki, spki_len, r->cs->rec.party.unit_name, r->cs->rec.party.uscc, nb, na,
			     end_s };
	int rc = issuer_issue(r->k->ca, &rq, &r->ic, &err);
	free(spki);
	if (rc != 0)
		return refuse_err(r, TSR_ISSUER, &err);
	/* noted before the key is touched: a rerun recognises it on the key */
	if (db_token_issue_note(r->k->db, r->k->user.id, r->cs->rec.case_no, r->ki.serial, r->ic.serial,
				&err) != 0)
		return refuse_err(r, TSR_STORE, &err);
	progress(r, "write_cert");
	token_cert tc = issued_token_cert(&r->ic, r->cs->rec.party.unit_name, r->cs->rec.party.uscc);
	/* the seal, where the service writes one, goes in the same record */
	if (needs_op(r->cs->svc, TOP_WRITE_SEAL)) {
		tc.with_seal = true;
		tc.seal_not_after = r->ic.not_after;
	}
	st = token_write_cert(r->k->tok, &tc);
	if (st != TOK_OK)
		return fail_status(r, st, -1);
	/* what is now on the key is what gets recorded */
	if (!read_cert(r))
		return false;
	char d1[16], d2[16];
	note(r, SN_CERT, r->ci.serial, civil_format(r->ci.not_before, d1, sizeof d1),
	     civil_format(r->ci.not_after, d2, sizeof d2));
	return true;
}

/* The key in the reader is the one the clerk confirmed. */
static bool same_key(run *r)
{
	if (!r->cs->confirm_serial[0] || strcmp(r->cs->confirm_serial, r->ki.serial) == 0)
		return true;
	str_var v[] = { { "serial", r->ki.serial }, { "confirmed", r->cs->confirm_serial },
			{ NULL, NULL } };
	return refuse(r, TSR_OTHER_KEY, v);
}

/* A key with PIV alone takes a new certificate at factory state only: no
 * certificate in 9A or 9C but those this case wrote and did not record yet
 * (a rerun). The customer's own certificates are never overwritten, and the
 * kiosk does not reset the key (docs/devices.md). */
static bool piv_factory(run *r)
{
	token_app_cert a[2];
	size_t n = 0;
	token_status st = token_pcsc_app_certs(r->k->tok, a, &n);
	if (st != TOK_OK)
		return fail_status(r, st, -1);
	char slots[16] = "";
	for (size_t i = 0; i < n; i++) {
		kerr err = { 0 };
		cert_info ci;
		bool ours = cert_parse(a[i].der, a[i].der_len, &ci, &err) == 0 &&
			    issuer_verify(r->k->ca, a[i].der, a[i].der_len, &err) == 0 &&
			    db_token_issue_pending(r->k->db, r->cs->rec.case_no, r->ki.serial,
						   ci.serial, &err) == 1;
		if (!ours) {
			size_t len = strlen(slots);
			/* "piv.9a" -> "9A" */
			snprintf(slots + len, sizeof slots - len, "%s%c%c", len ? ", " : "",
				 a[i].app[4], a[i].app[5] == 'a' ? 'A' : 'C');
		}
		free(a[i].der);
	}
	if (!slots[0])
		return true;
	str_var v[] = { { "serial", r->ki.serial }, { "slots", slots }, { NULL, NULL } };
	return refuse(r, TSR_PIV_NOT_FACTORY, v);
}

/* A new certificate on a blank (or prepared, or resumed) key: new, reissue
 * (old_end_s: the lost key's certificate's exact end, 0 unknown). */
static bool key_new(run *r, long old_nb, long old_na, int64_t old_end_s)
{
	const counter *ctr = r->k;
	if (r->piv_only && !token_info_has_cert(&r->ki)) {
		/* set up every time (a rerun included): the PUK and management
		 * key of the key's own, the PIN the initial PIN, CHUID and CCC */
		if (!piv_factory(r))
			return false;
		progress(r, "personalise");
		token_status st = token_personalise_alg(ctr->tok, ctr->cat->rules.initial_pin,
							 KEY_ALG_P256);
		if (st == TOK_WRONG_CARD) {
			str_var v[] = { { "serial", r->ki.serial }, { NULL, NULL } };
			return refuse(r, TSR_PIV_NOT_FACTORY_MGM, v);
		}
		if (st != TOK_OK)
			return fail_status(r, st, -1);
		if (!read_info(r))
			return false;
		note(r, SN_PERSO_PIV, NULL, NULL, NULL);
	} else if (!r->ki.personalised) {
		progress(r, "personalise");
		/* the pair the platform's certificates are for (p256 or sm2) */
		token_status st = token_personalise_alg(ctr->tok, ctr->cat->rules.initial_pin,
							 r->cs->svc->platform->key_alg);
		if (st != TOK_OK)
			return fail_status(r, st, -1);
		if (!read_info(r))
			return false;
		/* the record says an SM2 pair (a P-256 one as it always did) */
		note(r, r->ki.key_alg == KEY_ALG_SM2 ? SN_PERSO_SM2 : SN_PERSO, NULL, NULL, NULL);
	}
	if (token_info_has_cert(&r->ki)) {
		if (!read_cert(r))
			return false;
		if (!unrecorded_ours(r)) {
			str_var v[] = { { "serial", r->ki.serial }, { NULL, NULL } };
			return refuse(r, TSR_KEY_IN_USE, v);
		}
		note(r, SN_CERT_FOUND, r->ci.serial, NULL, NULL);
		return true;
	}
	long nb, na;
	int years = r->cs->rec.years > 0 ? r->cs->rec.years : 1;
	rules_new_validity(r->cs->svc, clock_today(), old_nb, old_na, years, &nb, &na);
	return issue_and_write(r, nb, na, exact_end(r->cs->svc, old_na, old_end_s, years));
}

/* The exact end of a recorded certificate, from its DER; 0 unknown. */
static int64_t recorded_end(run *r, const char *cert_serial)
{
	unsigned char *der = NULL;
	size_t len = 0;
	kerr err = { 0 };
	cert_info ci;
	int64_t end = 0;
	if (cert_serial[0] && db_cert_der(r->k->db, cert_serial, &der, &len, &err) == 0 && der &&
	    cert_parse(der, len, &ci, &err) == 0)
		end = ci.not_after_s;
	free(der);
	return end;
}

/* The old key of a reissue or of a revocation without the key: the one the
 * clerk picked among the unit's keys on record, "" when there is none. */
static const char *old_serial(const case_flow *cs)
{
	return cs->n_old_keys && cs->old_sel < cs->n_old_keys ? cs->old_keys[cs->old_sel].serial : "";
}

/* A key of the unit's list that the hall says is retired (the list holds the
 * centre's state after registry_merge; without a hall, only keys with a
 * valid certificate are listed): refused, true. */
static bool retired_elsewhere(run *r, const char *serial)
{
	const case_flow *cs = r->cs;
	for (size_t i = 0; i < cs->n_old_keys; i++) {
		const token_rec *o = &cs->old_keys[i];
		if (strcmp(o->serial, serial) != 0 ||
		    (o->state != TS_PERM_LOST && o->state != TS_DAMAGED && o->state != TS_TERMINATED))
			continue;
		str_var v[] = { { "serial", o->serial },
				{ "state", counter_str(r->k, token_state_key(o->state)) },
				{ NULL, NULL } };
		refuse(r, TSR_RETIRED_ELSEWHERE, v);
		return true;
	}
	return false;
}

/* What a key with PIV alone can take: no seal (it lives in the kiosk's
 * application), and no new certificate for a platform of SM2 pairs (PIV
 * holds RSA and ECC only); revoking, unlocking and binding it are always
 * possible. Said before anything is written. */
static bool piv_service(run *r)
{
	const service *svc = r->cs->svc;
	if (needs_op(svc, TOP_WRITE_SEAL) || svc->kind == SVC_SEAL_UPGRADE ||
	    svc->kind == SVC_SEAL_RENEW)
		return refuse(r, TSR_PIV_ONLY_SEAL, NULL);
	bool issues = svc->kind == SVC_NEW || svc->kind == SVC_REISSUE || svc->kind == SVC_RENEW ||
		      svc->kind == SVC_CHANGE;
	if (issues && svc->platform->key_alg != KEY_ALG_P256)
		return refuse(r, TSR_PIV_ONLY_SM2, NULL);
	return true;
}

/* The key side of the service. On success r->detail says what was done. */
static bool key_part(run *r)
{
	counter *ctr = r->k;
	case_flow *cs = r->cs;
	const service *svc = cs->svc;
	bool present = false;
	token_present(ctr->tok, &present);
	/* a key agreed to and gone since is not "the key not brought" */
	if (svc->kind == SVC_REVOKE && !present && !cs->confirm_serial[0]) {
		if (!old_serial(cs)[0])
			return refuse(r, TSR_NO_KEY_ON_RECORD, NULL);
		note(r, SN_KEY_ABSENT, old_serial(cs), NULL, NULL);
		return true;
	}
	if (!present)
		return fail_status(r, TOK_NO_KEY, -1);
	progress(r, "read");
	if (!read_info(r))
		return false;
	note(r, r->piv_only ? SN_KEY_PIV : SN_KEY, r->ki.serial, NULL, NULL);
	if (retired_elsewhere(r, r->ki.serial))
		return false;
	if (r->piv_only && !piv_service(r))
		return false;
	switch (svc->kind) {
	case SVC_NEW:
		return key_new(r, clock_today(), clock_today(), 0);
	case SVC_REISSUE: {
		token_rec old;
		kerr err = { 0 };
		if (old_serial(cs)[0] && strcmp(old_serial(cs), r->ki.serial) == 0) {
			str_var v[] = { { "serial", r->ki.serial }, { NULL, NULL } };
			return refuse(r, TSR_KEY_IN_USE, v);
		}
		long nb, na;
		int64_t end_s;
		if (old_serial(cs)[0] && db_token_get(ctr->db, old_serial(cs), &old, &err) == 0 &&
		    old.cert_not_after >= 0) {
			nb = old.cert_not_before;
			na = old.cert_not_after;
			end_s = recorded_end(r, old.cert_serial);
		} else if (cs->old_not_after >= 0) {
			nb = cs->old_not_before >= 0 ? cs->old_not_before : cs->old_not_after;
			na = cs->old_not_after;
			end_s = 0;
		} else {
			/* the validity is kept: never guess it (a case resumed after a
			 * restart no longer has the expiry typed on its details) */
			return refuse(r, TSR_OLD_VALIDITY, NULL);
		}
		/* only the day is known: the certificate ran to the end of it */
		if (!end_s)
			end_s = clock_day_start_ms(na + 1) / 1000 - 1;
		return key_new(r, nb, na, end_s);
	}
	case SVC_REVOKE: {
		/* only this unit's key is erased: a key brought must hold its
		 * certificate (a blank key is the wrong key, not a revocation) */
		if (!token_info_has_cert(&r->ki)) {
			/* ...unless this unit's key on record, erased by an earlier
			 * run that did not get to record it: the records follow now */
			token_rec k;
			kerr err = { 0 };
			if (db_token_get(ctr->db, r->ki.serial, &k, &err) == 0 &&
			    (k.state == TS_ACTIVE || k.state == TS_SUSPENDED) &&
			    strcmp(k.uscc, cs->rec.party.uscc) == 0) {
				note(r, SN_ERASED_FOUND, NULL, NULL, NULL);
				return true;
			}
			str_var v[] = { { "serial", r->ki.serial }, { NULL, NULL } };
			return refuse(r, TSR_NO_CERT_ON_KEY, v);
		}
		if (!read_cert(r))
			return false;
		cert_match m = cert_compare(&r->ci, cs->rec.party.unit_name, cs->rec.party.uscc);
		if (m != CERT_MATCH)
			return refuse_match(r, m);
		progress(r, "erase");
		token_status st = token_erase(ctr->tok);
		if (st != TOK_OK)
			return fail_status(r, st, -1);
		note(r, SN_ERASED, NULL, NULL, NULL);
		return true;
	}
	default:
		break;
	}
	/* the customer's own key: it must be this unit's (所属机构与key信息不一致) */
	if (!r->ki.personalised)
		return fail_status(r, TOK_NOT_PERSONALISED, -1);
	if (!read_cert(r))
		return false;
	cert_match m = cert_compare(&r->ci, cs->rec.party.unit_name, cs->rec.party.uscc);
	bool resumed = svc->kind == SVC_RENEW && m == CERT_MATCH && unrecorded_ours(r);
	/* a change keeps one of the two (the name or the code changed); both
	 * different is another unit's key */
	if (svc->kind == SVC_CHANGE && m == CERT_MATCH && !unrecorded_ours(r))
		return refuse(r, TSR_NOTHING_CHANGED, NULL);
	if ((svc->kind != SVC_CHANGE && m != CERT_MATCH) ||
	    (svc->kind == SVC_CHANGE && m == CERT_BOTH_DIFFER))
		return refuse_match(r, m);
	if (svc->kind == SVC_CHANGE && m == CERT_MATCH)
		resumed = true;  /* the changed certificate is on the key already */
	switch (svc->kind) {
	case SVC_RENEW:
	case SVC_CHANGE: {
		if (resumed) {
			note(r, SN_CERT_FOUND, r->ci.serial, NULL, NULL);
			break;
		}
		snprintf(cs->replaced_cert, sizeof cs->replaced_cert, "%s", r->ci.serial);
		long nb, na;
		int years = cs->rec.years > 0 ? cs->rec.years : 1;
		rules_new_validity(svc, clock_today(), r->ci.not_before, r->ci.not_after, years, &nb,
				   &na);
		if (!issue_and_write(r, nb, na, exact_end(svc, r->ci.not_after, r->ci.not_after_s,
							  years)))
			return false;
		break;
	}
	case SVC_UNLOCK: {
		progress(r, "reset_pin");
		token_status st = token_reset_pin(ctr->tok, ctr->cat->rules.initial_pin);
		if (st != TOK_OK)
			return fail_status(r, st, -1);
		note(r, SN_PIN_RESET, NULL, NULL, NULL);
		break;
	}
	default:  /* bind, seal upgrade and renewal: the certificate stays */
		break;
	}
	return true;
}

/* The seal follows the certificate where the service writes one. */
static bool seal_part(run *r)
{
	if (!needs_op(r->cs->svc, TOP_WRITE_SEAL))
		return true;
	progress(r, "write_seal");
	if (!read_info(r))
		return false;
	/* written with the certificate (or by an earlier run): nothing to do */
	if (r->ki.seal_not_after == r->ki.not_after && token_info_has_cert(&r->ki))
		return true;
	token_status st = token_write_seal(r->k->tok, r->ki.not_after);
	if (st != TOK_OK)
		return fail_status(r, st, -1);
	return read_info(r);
}

/* The final check: the certificate belongs to the key pair, and a key whose
 * PIN is known (a new key, a reset one) signs a random challenge. */
static bool check_part(run *r)
{
	const service *svc = r->cs->svc;
	if (svc->kind == SVC_REVOKE || svc->kind == SVC_BIND)
		return true;
	progress(r, "check");
	bool pin_known = svc->kind == SVC_NEW || svc->kind == SVC_REISSUE || svc->kind == SVC_UNLOCK;
	int tries = -1;
	kerr err = { 0 };
	if (r->piv_only && !pin_known) {
		/* PIV reads no public key: the certificate read back is the one
		 * issued (its pair was the slot's, read from its certificate) */
		char issued[sizeof r->ci.serial];
		snprintf(issued, sizeof issued, "%s", r->ci.serial);
		if (!read_cert(r))
			return false;
		if (strcmp(issued, r->ci.serial) != 0)
			return fail_status(r, TOK_CHECK_FAILED, -1);
		note(r, SN_CHECK_READ, NULL, NULL, NULL);
		return true;
	}
	token_status st = token_final_check(r->k->tok, pin_known ? r->k->cat->rules.initial_pin : NULL,
					    &tries, &err);
	if (st != TOK_OK)
		return fail_status(r, st, tries);
	note(r, pin_known ? SN_CHECK_SIGNED : SN_CHECK_PAIR, NULL, NULL, NULL);
	return true;
}

/* The PIV certificates read (read_app_certs) as the store records them. */
static size_t app_certs(const run *r, app_cert_new out[2])
{
	for (size_t i = 0; i < r->n_apps; i++)
		out[i] = (app_cert_new){ r->apps[i].app, r->app_ci[i].serial, r->app_ci[i].not_before,
					 r->app_ci[i].not_after, r->apps[i].der,
					 r->apps[i].der_len };
	return r->n_apps;
}

/* The application of the key's certificate of record: PIV's 9A on a key
 * with PIV alone. */
static const char *main_app(const run *r)
{
	return r->piv_only ? "piv.9a" : "kiosk";
}

/* The database side, inside the caller's transaction. */
static int record(run *r, kerr *err)
{
	counter *ctr = r->k;
	case_flow *cs = r->cs;
	const char *who = ctr->user.id, *case_no = cs->rec.case_no, *serial = r->ki.serial;
	const service *svc = cs->svc;
	token_rec k;
	int known = serial[0] ? db_token_get(ctr->db, serial, &k, err) : 1;
	if (known < 0)
		return -1;
	switch (svc->kind) {
	case SVC_NEW:
	case SVC_REISSUE: {
		if ((known == 1 || k.state == TS_UNFORMATTED) &&
		    db_token_transition(ctr->db, who, case_no, serial, TS_FORMATTED, TR_PERSONALISED,
					NULL, err) != 0)
			return -1;
		cert_new cn = { r->ci.serial, cs->rec.party.unit_name, cs->rec.party.uscc, r->ci.not_before,
				r->ci.not_after, r->der, r->der_len };
		app_cert_new apps[2];
		size_t n = app_certs(r, apps);
		if (db_token_enroll_in(ctr->db, who, case_no, serial, main_app(r), &cn, TR_ENROLLED,
				       apps, n, err) != 0)
			return -1;
		if (svc->kind == SVC_REISSUE && old_serial(cs)[0] &&
		    db_token_retire(ctr->db, who, case_no, old_serial(cs),
				    cs->old_broken ? TR_BROKEN : TR_LOST, NULL, err) != 0)
			return -1;
		break;
	}
	case SVC_RENEW:
	case SVC_CHANGE: {
		cert_new cn = { r->ci.serial, cs->rec.party.unit_name, cs->rec.party.uscc, r->ci.not_before,
				r->ci.not_after, r->der, r->der_len };
		app_cert_new apps[2];
		size_t n = app_certs(r, apps);
		if (db_token_enroll_in(ctr->db, who, case_no, serial, main_app(r), &cn,
				       svc->kind == SVC_RENEW ? TR_RENEWED : TR_REENROLLED, apps, n,
				       err) != 0)
			return -1;
		break;
	}
	case SVC_BIND: {
		/* the binding the clerk was shown: the hall's when it answered,
		 * else this file's own (seen NULL) */
		token_seen seen;
		bool hall = cs->hall_answered &&
			    registry_seen(cs->hall_keys, cs->n_hall_keys, serial, &seen);
		if (db_token_bind_seen(ctr->db, who, case_no, serial, cs->rec.party.uscc,
				       cs->rec.party.unit_name, cs->rec.party.agent_name,
				       cs->rec.party.agent_id_no, hall ? &seen : NULL, err) != 0)
			return -1;
		break;
	}
	case SVC_UNLOCK:
		if (db_token_pin_reset(ctr->db, who, case_no, serial, err) != 0)
			return -1;
		break;
	case SVC_REVOKE: {
		const char *gone = serial[0] ? serial : old_serial(cs);
		if (db_token_retire(ctr->db, who, case_no, gone, TR_REVOKED, NULL, err) != 0)
			return -1;
		if (serial[0] && db_token_transition(ctr->db, who, case_no, serial, TS_UNFORMATTED,
						     TR_ERASED, NULL, err) != 0)
			return -1;
		break;
	}
	default:
		break;
	}
	if (needs_op(svc, TOP_WRITE_SEAL) &&
	    db_token_set_seal(ctr->db, who, case_no, serial, r->ki.seal_not_after, err) != 0)
		return -1;
	return 0;
}


static bool run_done(run *r, bool ok)
{
	issued_cert_clear(&r->ic);
	free(r->der);
	r->der = NULL;
	for (size_t i = 0; i < r->n_apps; i++)
		free(r->apps[i].der);
	r->n_apps = 0;
	token_pcsc_on_issue(r->k->tok, NULL, NULL);
	return ok;
}

bool tokstep_run(counter *k, case_flow *cs)
{
	run r = { .k = k, .cs = cs };
	cs->token_resume = false;
	cs->replaced_cert[0] = '\0';
	/* a key the hall says was retired (at this window or another) is not
	 * reissued or revoked again: said before any device is touched */
	if ((cs->svc->kind == SVC_REISSUE || cs->svc->kind == SVC_REVOKE) && old_serial(cs)[0] &&
	    retired_elsewhere(&r, old_serial(cs)))
		return run_done(&r, false);
	if (!k->tok || !k->ca)
		return fail_status(&r, TOK_NO_READER, -1);
	/* the PIV certificates are noted before they are written, as the
	 * kiosk's are (a device without PIV: no hook) */
	token_pcsc_on_issue(k->tok, note_app_cert, &r);
	if (!key_part(&r) || !seal_part(&r))
		return run_done(&r, false);
	/* what the key's PIV application holds is recorded with the certificate */
	service_kind kind = cs->svc->kind;
	if ((kind == SVC_NEW || kind == SVC_REISSUE || kind == SVC_RENEW || kind == SVC_CHANGE) &&
	    r.have_ci && !read_app_certs(&r))
		return run_done(&r, false);
	if (!check_part(&r))
		return run_done(&r, false);
	/* the key is still the one agreed to, right before its records */
	if (r.ki.serial[0] && !read_info(&r))
		return run_done(&r, false);
	kerr err = { 0 };
	progress(&r, "record");
	if (db_tx_begin(k->db, &err) != 0 || record(&r, &err) != 0) {
		db_tx_rollback(k->db);
		refuse_err(&r, TSR_STORE, &err);
		return run_done(&r, false);
	}
	if (!case_flow_commit(k, cs, STEP_TOKEN, r.detail[0] ? r.detail : step_note_text(SN_DONE))) {
		db_tx_rollback(k->db);
		return run_done(&r, false);
	}
	if (db_tx_commit(k->db, &err) != 0) {
		db_tx_rollback(k->db);
		refuse_err(&r, TSR_STORE, &err);
		return run_done(&r, false);
	}
	/* the CA follows the database, which revoked every certificate of a
	 * retired or re-enrolled key (not only the newest) and recorded the new one */
	counter_ca_follow(r.k);
	cs->step_failed = false;
	cs->step_msg[0] = '\0';
	return run_done(&r, true);
}

/* The unit's keys on record, for every service on a key the unit already
 * holds (all but a new one): the old key of a reissue or a revocation is
 * picked among them, a binding shows them; for the others they serve only
 * to refuse a key brought that the hall says is retired. */
void tokstep_load_old_keys(counter *k, case_flow *cs)
{
	free(cs->old_keys);
	cs->old_keys = NULL;
	cs->n_old_keys = 0;
	cs->old_sel = 0;
	free(cs->hall_keys);
	cs->hall_keys = NULL;
	cs->n_hall_keys = 0;
	cs->hall_answered = false;
	if (cs->svc->kind == SVC_NEW)
		return;
	kerr err = { 0 };
	if (db_token_by_uscc(k->db, cs->rec.party.uscc, &cs->old_keys, &cs->n_old_keys, &err) != 0) {
		counter_say_err(k, &err);
		return;
	}
	/* With a hall: the keys of the unit at other windows and halls too, and
	 * their state there (a key retired elsewhere is refused below), and
	 * for a binding each key's binding wherever it was made. */
	if (!k->reg)
		return;
	reg_key *c = NULL;
	size_t n = 0;
	char num[24], buf[300];
	if (registry_lookup(k->reg, cs->rec.party.uscc, &c, &n) != 0) {
		counter_say(k, counter_str(k, "tokstep.hall_offline"));
		return;
	}
	int added = registry_merge(c, n, &cs->old_keys, &cs->n_old_keys);
	cs->hall_keys = c;
	cs->n_hall_keys = n;
	cs->hall_answered = true;
	snprintf(num, sizeof num, "%d", added > 0 ? added : 0);
	str_var v[] = { { "n", num }, { NULL, NULL } };
	counter_say(k, counter_render(k, "tokstep.hall_online", v, buf, sizeof buf));
}
