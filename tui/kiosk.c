/* kiosk: the full-screen program at the counter. main() loads and checks the
 * configuration, opens the database and the devices (the demo key and payment
 * in demo mode), puts them in the counter, and runs the loop (tui/app).
 * It sits above the four parts of tui/: it alone knows both the app and the screens.
 * Options: --config DIR, --data-dir DIR, --demo, --check. Before anything it
 * turns core dumps off and, in a release build, says that $KIOSK_NOW is
 * ignored (core/base/clock.h). */
#include <locale.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/base/protect.h"
#include "core/ca/ca.h"
#include "db/repo/token_repo.h"
#include "forms/config_check.h"
#include "tui/screens/screens.h"
#include "tui/term/term.h"

/* The counter speaks through the status line and shows progress by a redraw. */
static void say(void *ui, const char *text)
{
	app_flash(ui, text);
}

static void progress(void *ui)
{
	app_redraw(ui);
}

/* Every screen and action names UI strings: check them at start-up so a gap in
 * a translation is found here, not on a clerk's screen. */
static int check_ui_strings(const app *a, kerr *err)
{
	for (int i = 0; i < SCR_COUNT; i++)
		if (!strings_get(a->k.str, screen_id_key((screen_id)i)))
			return kerr_set(err, lang_name(a->k.lg), "UI string '%s' is missing from strings/%s.ini",
					screen_id_key((screen_id)i), lang_name(a->k.lg));
	for (int i = 0; i < ACT_COUNT; i++) {
		char help[96];
		snprintf(help, sizeof help, "%s.help", actions[i].str_key);
		if (!strings_get(a->k.str, actions[i].str_key) || !strings_get(a->k.str, help))
			return kerr_set(err, lang_name(a->k.lg),
					"UI string '%s' or '%s' is missing from strings/%s.ini",
					actions[i].str_key, help, lang_name(a->k.lg));
	}
	for (int i = 0; i < TSR_COUNT; i++)
		if (!strings_get(a->k.str, tokstep_refusal_key((tokstep_refusal)i)))
			return kerr_set(err, lang_name(a->k.lg), "UI string '%s' is missing from strings/%s.ini",
					tokstep_refusal_key((tokstep_refusal)i), lang_name(a->k.lg));
	return 0;
}

/* --help: asked for, so on stdout and exit 0 (a wrong option is usage()). */
static int help(void)
{
	printf("usage: kiosk [--config DIR] [--data-dir DIR] [--demo] [--check]\n"
	       "  --config DIR    the configuration (default: $KIOSK_CONFIG, else the shipped one)\n"
	       "  --data-dir DIR  the database (DIR/kiosk.db; DIR/demo.db with --demo), slips and the CA\n"
	       "  --demo          trainer mode: demo keys, demo payments, a database of its own\n"
	       "  --check         check the configuration and the devices, then exit\n"
	       "Exit status: 0 ok, 2 usage or environment error.\n");
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: kiosk [--config DIR] [--data-dir DIR] [--demo] [--check]\n");
	return 2;
}

/* The CA's files are derived from the database; deriving them reads every
 * certificate and every certificate noted in the audit log (a scan of the
 * log: 150 ms on a year's file). At start they are derived again only when
 * something they come from was written since they last were: the head (seq
 * and hash) they were derived at is kept beside them in synced-head, and
 * the log after it is looked at for key and certificate writes. A kiosk
 * that died between a commit and the CA's files has such a write after the
 * mark, so it catches up; a database restored from a backup no longer has
 * the mark's row with its hash, so it does too. */
static int ca_sync_at_start(kdb *db, issuer *ca, const char *ca_dir, kerr *err)
{
	char path[1200], had[160] = "";
	snprintf(path, sizeof path, "%s/synced-head", ca_dir);
	FILE *f = fopen(path, "r");
	if (f) {
		if (!fgets(had, sizeof had, f))
			had[0] = '\0';
		fclose(f);
	}
	long long at = 0;
	char hx[2 * AUDIT_HASH_LEN + 1] = "";
	uint8_t at_hash[AUDIT_HASH_LEN];
	bool moved = true;
	if (sscanf(had, "%lld %64s", &at, hx) == 2 && strlen(hx) == 2 * AUDIT_HASH_LEN) {
		for (int i = 0; i < AUDIT_HASH_LEN; i++) {
			unsigned v = 0;
			sscanf(hx + 2 * i, "%2x", &v);
			at_hash[i] = (uint8_t)v;
		}
		if (db_token_ca_moved_since(db, at, at_hash, &moved, err) != 0)
			return -1;
	}
	if (!moved)
		return 0;
	int64_t seq = 0;
	uint8_t hash[AUDIT_HASH_LEN];
	if (db_audit_head(db, &seq, hash, err) != 0 || db_token_ca_sync(db, ca, NULL, err) != 0)
		return -1;
	char mark[128];
	snprintf(mark, sizeof mark, "%lld %s\n", (long long)seq, audit_hex(hash, hx));
	/* a mark not written only costs the next start another sync */
	kerr ignore = { 0 };
	protect_write(path, mark, strlen(mark), 0600, true, &ignore);
	return 0;
}

int main(int argc, char **argv)
{
	/* A fixed mmap threshold: large short-lived buffers (the 4 MiB of a PIN's
	 * scrypt) go back to the system when freed instead of staying in the heap,
	 * which keeps a kiosk that runs all day inside its memory budget. */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	setlocale(LC_ALL, "");
	/* No core dumps: the CA key, the keys' admin secret and the merchant key
	 * are in this process's memory. */
	kerr perr = { 0 };
	char pmsg[512];
	if (protect_process(&perr) != 0) {
		fprintf(stderr, "kiosk: %s\n", kerr_text(&perr, pmsg, sizeof pmsg));
		return 2;
	}
	const char *clock_warning = clock_env_ignored();
	if (clock_warning)
		fprintf(stderr, "kiosk: warning: %s\n", clock_warning);
	const char *config_dir = NULL, *data_dir = NULL;
	bool demo = false, check_only = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--demo") == 0)
			demo = true;
		else if (strcmp(argv[i], "--check") == 0)
			check_only = true;
		else if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			config_dir = argv[++i];
		else if (strcmp(argv[i], "--data-dir") == 0 && i + 1 < argc)
			data_dir = argv[++i];
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return help();
		else
			return usage();
	}
	const char *dir = config_default_dir(config_dir);
	kerr err = { 0 };
	char msg[1024];
	config_summary sum;
	app a;
	memset(&a, 0, sizeof a);
	a.k.demo = demo;
	a.k.say = say;
	a.k.progress = progress;
	a.k.ui = &a;
	a.config_dir = dir;
	a.banner = train_banner;
	int rc = 2;
	if (config_check_dir(dir, &sum, &err) != 0 || !(a.k.cfg = config_load(dir, &err)) ||
	    !(a.k.cat = catalog_load(dir, &err)) || !(a.k.form = form_load(dir, &err)))
		goto out;
	a.k.lg = a.k.cfg->language;
	if (!(a.k.str = strings_load(dir, a.k.lg, &err)) || check_ui_strings(&a, &err) != 0)
		goto out;
	/* Demo mode never touches the real data: its own directory (database,
	 * slips, the kiosk key) under the configured one. */
	char demo_dir[900];
	snprintf(demo_dir, sizeof demo_dir, "%.890s/demo", a.k.cfg->data_dir);
	a.k.data_dir = data_dir ? data_dir : demo ? demo_dir : a.k.cfg->data_dir;
	if (demo)
		snprintf(a.db_path, sizeof a.db_path, "%.900s/demo.db", a.k.data_dir);
	else if (data_dir)
		snprintf(a.db_path, sizeof a.db_path, "%s/kiosk.db", data_dir);
	else
		snprintf(a.db_path, sizeof a.db_path, "%s", a.k.cfg->db_file);
	/* The data directory is the kiosk user's alone, also when it was made
	 * before with a looser mode. */
	if (protect_dir(a.k.data_dir, &err) != 0)
		goto out;
	if (!(a.k.db = db_open(a.db_path, a.k.cfg->kiosk_id, DB_OPEN_CREATE, &err)))
		goto out;
	if (demo && demo_prepare(&a.k, dir, &err) != 0)
		goto out;
	/* Outside demo mode: the customer's key through PC/SC (nothing talks to
	 * pcscd until the first look, so the kiosk starts without a reader), the
	 * local CA, and the WeChat Pay client when configured. */
	char ca_dir[1100];
	snprintf(ca_dir, sizeof ca_dir, "%s%s", data_dir ? data_dir : a.k.cfg->ca_dir, data_dir ? "/ca" : "");
	ca_profile prof;
	if (!demo && (ca_profile_load(dir, &prof, &err) != 0 ||
		      !(a.k.tok = token_pcsc_new(a.k.cfg->reader, a.k.cfg->token_admin_secret_file, &err)) ||
		      !(a.k.ca = issuer_local_open(ca_dir, &prof, &err))))
		goto out;
	/* the CA's index and CRL are derived from the database: a kiosk that
	 * died between a commit and the CA's files catches up here */
	if (!demo && ca_sync_at_start(a.k.db, a.k.ca, ca_dir, &err) != 0)
		goto out;
	/* the customer's key gets the PIV application beside the kiosk's, with
	 * certificates from the same CA (a read-only device, without the keys'
	 * master secret, writes nothing anyway) */
	if (!demo && a.k.cfg->token_admin_secret_file && *a.k.cfg->token_admin_secret_file &&
	    (token_pcsc_add_piv(a.k.tok, a.k.ca, &err) != 0 ||
	     /* the CA's choice for a YubiKey or PIV card the customer brings */
	     token_pcsc_take_piv_only(a.k.tok, a.k.cfg->piv_only_accept, &err) != 0))
		goto out;
	if (!demo && strcmp(a.k.cfg->payment.mode, "wechat") == 0 &&
	    (pay_wechat_files_check(&a.k.cfg->payment, &err) != 0 || !(a.k.pay = pay_wechat_new(&a.k.cfg->payment, &err))))
		goto out;
	if (check_only) {
		printf("kiosk %s ready: config %s, database %s (schema %d)%s\n", a.k.cfg->kiosk_id, dir,
		       a.db_path, db_schema_version(a.k.db), demo ? ", demo mode" : "");
		rc = 0;
		goto out;
	}
	const char *script = getenv("KIOSK_SCRIPT");
	a.in = input_new(script && *script ? script : NULL);
	if (!a.in) {
		kerr_set(&err, script, "cannot read the key script");
		goto out;
	}
	if (term_open(input_is_script(a.in)) != 0) {
		kerr_set(&err, NULL, "cannot start the terminal (TERM=%s)", getenv("TERM") ? getenv("TERM") : "");
		goto out;
	}
	/* With a hall: its shipper, on a thread of its own (docs/deployment.md). */
	a.ship = ship_job_for(a.k.cfg, a.db_path, ca_dir, demo);
	a.k.reg = registry_for(a.k.cfg, demo);
	a.k.hallday = hallday_for(a.k.cfg, demo);
	rc = app_run(&a);
	term_close();
out:
	ship_job_stop(a.ship);
	registry_free(a.k.reg);
	hallday_src_free(a.k.hallday);
	a.k.reg = NULL;
	if (rc == 2 && (err.msg[0] || err.where[0]))
		fprintf(stderr, "kiosk: %s\n", kerr_text(&err, msg, sizeof msg));
	case_end(&a);
	app_release_all(&a);
	train_free(&a);
	input_free(a.in);
	if (a.k.tok)
		token_dev_free(a.k.tok);
	if (a.k.ca)
		issuer_free(a.k.ca);
	if (a.k.pay)
		pay_dev_free(a.k.pay);
	db_close(a.k.db);
	form_free(a.k.form);
	strings_free(a.k.str);
	catalog_free(a.k.cat);
	config_free(a.k.cfg);
	return rc;
}
