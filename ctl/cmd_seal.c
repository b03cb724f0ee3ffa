/* kioskctl audit seal-init, audit seal, and the sealing half of audit
 * verify (--seal-key): forward-secure sealing of the audit log
 * (core/audit/seal.h, db/repo/seal_repo.h, docs/audit.md "Sealing").
 * seal-init makes the key and shows the verification key once, as text and
 * as a QR code, for the supervisor to keep off the kiosk; the day close
 * (cmd_day.c) and `audit seal` seal what is due. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/audit/seal.h"
#include "core/base/clock.h"
#include "core/print/qr.h"
#include "ctl/ctl.h"
#include "db/repo/seal_repo.h"
#include "db/repo/staff_repo.h"

/* Show the verification key: the text, then the QR code (dark on light when
 * stdout is a terminal, so a phone reads it on a dark screen too). */
static void show_vkey(const char *text)
{
	printf("\n");
	SAY(stdout, "ctl.seal.vkey_head");
	printf("\n    %s\n\n", text);
	kerr err = { 0 };
	qr_art *qr = qr_render(text, &err);
	if (!qr) {
		char buf[1024];
		ERR("ctl.seal.no_qr", V("error", kerr_text(&err, buf, sizeof buf)));
		return;
	}
	bool tty = isatty(STDOUT_FILENO);
	for (int i = 0; i < qr->rows; i++)
		printf("%s%s%s\n", tty ? "\033[30;47m" : "", qr->lines[i], tty ? "\033[0m" : "");
	qr_art_free(qr);
	printf("\n");
	SAY(stdout, "ctl.seal.check_with");
}

int ctl_seal_init(const args *a)
{
	if (check_opts(a, "config db by"))
		return EXIT_USAGE;
	const char *who = opt(a, "by");
	if (!who || !*who)
		return USAGE("ctl.seal.need_by");
	kerr err = { 0 };
	kiosk_config *cfg = load_config(a, &err);
	if (!cfg)
		return fail_env(&err);
	char path[4200];
	seal_params p = { clock_now_ms() / 1000 * 1000,
			  (int64_t)cfg->seal_interval_minutes * 60000 };
	int srp = seal_default_path(cfg->data_dir, path, sizeof path, &err);
	config_free(cfg);
	if (srp)
		return fail_env(&err);
	kdb *db = open_db(a, DB_OPEN_EXISTING, &err);
	if (!db)
		return fail_env(&err);
	int rc = EXIT_USAGE;
	seal_setup_rec have;
	int r = db_seal_setup_get(db, &have, &err);
	if (r < 0) {
		rc = fail_env(&err);
		goto out;
	}
	if (r == 0) {
		char at[32];
		ERR("ctl.seal.already", V("by", have.set_by), V("at", clock_format_local(have.set_ms, at, sizeof at)));
		goto out;
	}
	if (access(path, F_OK) == 0) {
		ERR("ctl.seal.foreign_key", V("path", path));
		goto out;
	}
	int sup = ctl_supervisor(a, db, "ctl.act.seal_init");
	if (sup != EXIT_OK) {
		rc = sup; /* 1 refused (role, PIN), 2 usage */
		goto out;
	}
	uint8_t k0[SEAL_KEY_LEN];
	r = seal_state_create(path, &p, k0, &err);
	if (r != 0) {
		if (r > 0)
			ERR("ctl.seal.key_appeared", V("path", path));
		else
			fail_env(&err);
		goto logout;
	}
	seal_state st = { .epoch = 0, .p = p };
	memcpy(st.key, k0, SEAL_KEY_LEN);
	if (db_seal_init(db, who, &st, &err)) {
		unlink(path); /* nothing was sealed with it */
		fail_env(&err);
	} else {
		char text[SEAL_VKEY_MAX];
		if (seal_vkey_format(k0, &p, text, sizeof text) == 0) {
			SAY(stdout, "ctl.seal.set_up", V("minutes", NUM(p.interval_ms / 60000)), V("path", path));
			show_vkey(text);
			rc = EXIT_OK;
		}
		OPENSSL_cleanse(text, sizeof text);
	}
	seal_state_wipe(&st);
	OPENSSL_cleanse(k0, sizeof k0);
logout:;
	kerr lerr = { 0 };
	db_staff_logout(db, who, &lerr);
out:
	db_close(db);
	return rc;
}

int ctl_seal_due(const kiosk_config *cfg, kdb *db, bool current)
{
	kerr err = { 0 };
	char path[4200];
	if (seal_default_path(cfg->data_dir, path, sizeof path, &err))
		return fail_env(&err);
	seal_run_result res;
	int r = db_seal_run(db, path, clock_now_ms(), current, &res, &err);
	if (r < 0) {
		char buf[1024];
		ERR("ctl.seal.failed", V("error", kerr_text(&err, buf, sizeof buf)));
		return EXIT_USAGE;
	}
	if (r == 0)
		SAY(stdout, res.seals == 1 ? "ctl.seal.sealed_one" : "ctl.seal.sealed", V("n", NUM(res.seals)),
		    V("rows", NUM(res.sealed_to)), V("epoch", NUM(res.to_epoch)));
	return EXIT_OK;
}

int ctl_seal(const args *a)
{
	if (check_opts(a, "config db"))
		return EXIT_USAGE;
	kerr err = { 0 };
	kiosk_config *cfg = load_config(a, &err);
	if (!cfg)
		return fail_env(&err);
	kdb *db = open_db(a, DB_OPEN_EXISTING, &err);
	if (!db) {
		config_free(cfg);
		return fail_env(&err);
	}
	seal_setup_rec have;
	int r = db_seal_setup_get(db, &have, &err);
	int rc = r < 0 ? fail_env(&err) : r > 0 ? EXIT_USAGE : ctl_seal_due(cfg, db, false);
	if (r > 0)
		ERR("ctl.seal.not_set_up");
	db_close(db);
	config_free(cfg);
	return rc;
}

int ctl_seal_verify(const args *a)
{
	const char *text = opt(a, "seal-key");
	uint8_t k0[SEAL_KEY_LEN];
	seal_params p;
	if (text && !seal_vkey_parse(text, k0, &p))
		return REFUSE("ctl.seal.bad_vkey");
	kerr err = { 0 };
	kdb *db = open_db(a, DB_OPEN_EXISTING, &err);
	if (!db)
		return fail_env(&err);
	seal_verify_result *res = calloc(1, sizeof *res);
	int r = res ? db_seal_verify(db, text ? k0 : NULL, text ? &p : NULL, res, &err)
		    : kerr_set(&err, NULL, "out of memory");
	OPENSSL_cleanse(k0, sizeof k0);
	db_close(db);
	if (r < 0) {
		free(res);
		return fail_env(&err);
	}
	if (!res->set_up && r == 0) {
		free(res);
		return EXIT_OK; /* never sealed, no key given: nothing to say */
	}
	for (size_t i = 0; i < res->n_findings; i++)
		SAY(stdout, "ctl.seal.finding", V("problem", res->findings[i].problem));
	if (res->n_more)
		SAY(stdout, "ctl.seal.more", V("n", NUM(res->n_more)));
	if (r == 0)
		SAY(stdout, res->keyed ? "ctl.seal.ok_keyed" : "ctl.seal.ok_structure",
		    V("n", NUM(res->n_seals)), V("first", NUM(res->first_epoch)),
		    V("last", NUM(res->last_epoch)), V("rows", NUM(res->sealed_to)));
	if (res->tail_rows > 0)
		SAY(stdout, "ctl.seal.tail", V("from", NUM(res->sealed_to + 1)), V("to", NUM(res->head_seq)),
		    V("n", NUM(res->tail_rows)));
	if (res->ended_unsealed > 0)
		SAY(stdout, res->ended_unsealed == 1 ? "ctl.seal.ended_unsealed_one" : "ctl.seal.ended_unsealed",
		    V("n", NUM(res->ended_unsealed)), V("epoch", NUM(res->last_epoch)));
	free(res);
	return r ? EXIT_FINDING : EXIT_OK;
}
