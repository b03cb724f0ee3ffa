/* kioskctl hall: the hall's central store on PostgreSQL (docs/deployment.md).
 *   hall init [--to V] --central CONNINFO  the central schema, by migrations
 *                                          (--to: only up to version V)
 *   hall kiosk-add ID [--hall H] --central CONNINFO
 *                                          a kiosk's role and row, a window of H
 *   hall supervisor-add ID --hall H --central CONNINFO
 *                                          a supervisor's login (PIN on stdin)
 *   hall kiosks --central CONNINFO         what the centre holds of each kiosk
 *   hall ship [--central CONNINFO] [--batch N] [--max N]
 *                                          this kiosk's audit log to the centre
 *   hall report --date D [--hall H] [--csv] --by ID
 *   hall verify [--hall H] [--seal-key DIR] --by ID
 *   hall close --date D --hall H --key FILE --by ID
 *   hall conflicts [--hall H] --by ID      the hall's day: a supervisor's, the
 *                                          PIN checked by the centre (day.c)
 *   hall day --date D [--hall H] [--timeout S] --by ID
 *                                          the same day for the kiosk's hall
 *                                          view, in records (cmd_hall_day.c)
 *   hall lookup --uscc U | --key SERIAL [--timeout S]
 *                                          the central registry as the kiosk's
 *                                          role, within S seconds or "offline"
 * All but init, kiosk-add and supervisor-add take the connection string from
 * [hall] central in kiosk.ini when --central is not given; those three are
 * the administrator's, who names the centre each time. A kiosk with no
 * [hall] never runs any of this. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit/anchor.h"
#include "core/audit/kioskkey.h"
#include "core/audit/seal.h"
#include "core/base/civil.h"
#include "core/base/clock.h"
#include "core/case/catalog.h"
#include "core/case/fees.h"
#include "ctl/ctl.h"
#include "db/pg/pg.h"
#include "db/report/csv.h"

static int parse_count(const char *s, long long lo, long long hi, long long *out)
{
	if (!s)
		return 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/* The centre from --central, else (when allowed) from kiosk.ini; NULL after
 * a usage message. *cfg holds the loaded configuration (caller frees). */
static hall *connect_centre(const args *a, bool from_config, kiosk_config **cfg, int *rc)
{
	kerr err = { 0 };
	const char *conninfo = opt(a, "central");
	*cfg = NULL;
	if (!conninfo && from_config) {
		*cfg = load_config(a, &err);
		if (!*cfg) {
			*rc = fail_env(&err);
			return NULL;
		}
		conninfo = (*cfg)->hall_central;
	}
	if (!conninfo || !*conninfo) {
		*rc = USAGE(from_config ? "ctl.hall.no_hall" : "ctl.hall.need_central");
		return NULL;
	}
	hall *h = hall_connect(conninfo, &err);
	if (!h)
		*rc = fail_env(&err);
	return h;
}

static int hall_cmd_init(const args *a)
{
	if (a->n_words != 2 || check_opts(a, "central config to"))
		return ctl_usage_of("kioskctl hall init [--to VERSION] --central CONNINFO", NULL);
	long long target = HALL_SCHEMA_VERSION;
	if (opt(a, "to") && parse_count(opt(a, "to"), 1, HALL_SCHEMA_VERSION, &target))
		return USAGE("ctl.hall.bad_to", V("to", opt(a, "to")), V("max", NUM(HALL_SCHEMA_VERSION)));
	kiosk_config *cfg;
	int rc = EXIT_OK;
	hall *h = connect_centre(a, false, &cfg, &rc);
	if (!h)
		return rc;
	kerr err = { 0 };
	int from, to;
	if (hall_init_to(h, (int)target, &from, &to, &err))
		rc = fail_env(&err);
	else if (from == to)
		SAY(stdout, "ctl.hall.schema_current", V("version", NUM(to)));
	else
		SAY(stdout, "ctl.hall.schema_migrated", V("from", NUM(from)), V("to", NUM(to)));
	hall_close(h);
	return rc;
}

static int hall_cmd_kiosk_add(const args *a)
{
	if (a->n_words != 3 || check_opts(a, "central config hall"))
		return ctl_usage_of("kioskctl hall kiosk-add KIOSK_ID [--hall HALL] --central CONNINFO", NULL);
	kiosk_config *cfg;
	int rc = EXIT_OK;
	hall *h = connect_centre(a, false, &cfg, &rc);
	if (!h)
		return rc;
	kerr err = { 0 };
	int added = hall_kiosk_add_to(h, a->words[2], opt(a, "hall"), &err);
	if (added < 0)
		rc = fail_env(&err);
	else
		SAY(stdout, added == 0 ? "ctl.hall.kiosk_added" : "ctl.hall.kiosk_there", V("kiosk", a->words[2]),
		    V("hall", opt(a, "hall") ? opt(a, "hall") : "main"));
	hall_close(h);
	return rc;
}

static int hall_cmd_kiosks(const args *a)
{
	if (a->n_words != 2 || check_opts(a, "central config"))
		return ctl_usage_of("kioskctl hall kiosks [--central CONNINFO]", NULL);
	kiosk_config *cfg;
	int rc = EXIT_OK;
	hall *h = connect_centre(a, true, &cfg, &rc);
	config_free(cfg);
	if (!h)
		return rc;
	kerr err = { 0 };
	hall_kiosk_state *k = NULL;
	size_t n = 0;
	if (hall_kiosks(h, &k, &n, &err)) {
		rc = fail_env(&err);
	} else {
		for (size_t i = 0; i < n; i++) {
			char hex[2 * AUDIT_HASH_LEN + 1];
			SAY(stdout, "ctl.hall.kiosk_state", V("kiosk", k[i].kiosk_id), V("seq", NUM(k[i].head_seq)),
			    V("head", audit_hex(k[i].head_hash, hex)),
			    V("shipped", k[i].shipped_at[0] ? k[i].shipped_at : ctl_word("ctl.hall.never")),
			    V("refused", NUM(k[i].refusals)), V("hall", k[i].hall_id));
		}
		if (n == 0)
			SAY(stdout, "ctl.hall.no_kiosk");
	}
	free(k);
	hall_close(h);
	return rc;
}

/* What comes back with a shipment: the revocations other windows made of
 * this kiosk's certificates (and the keys they retired), taken into its
 * record and, when this kiosk's
 * CA is here, into its index and CRL at once (docs/ca.md "Revocations from
 * the hall"). A failure is said and changes nothing; the next run asks
 * again. 0 or -1. */
static int ship_ca_feed(const args *a, hall *h, kdb *db)
{
	kerr err = { 0 };
	token_revoked_elsewhere *v = NULL;
	size_t n = 0, applied = 0, keys = 0;
	int rc = hall_ca_feed(h, db_kiosk_id(db), &v, &n, &err);
	if (rc == 0)
		rc = db_token_hall_revoked(db, v, n, &applied, &keys, &err);
	free(v);
	if (rc == 0 && keys)
		SAY(stdout, "ctl.hall.keys_retired", V("n", NUM((long long)keys)));
	if (rc == 0 && applied) {
		SAY(stdout, "ctl.hall.ca_revoked", V("n", NUM((long long)applied)));
		kiosk_config *cfg = load_config(a, &err);
		bool absent = false;
		const char *dir = NULL;
		issuer *is = cfg ? ctl_open_ca(a, cfg, &absent, &dir, &err) : NULL;
		size_t changed = 0;
		if (absent)
			SAY(stdout, "ctl.hall.ca_revoked_later", V("dir", dir));
		else if (!is || db_token_ca_sync(db, is, &changed, &err) != 0)
			rc = -1;
		else
			SAY(stdout, "ctl.ca.synced", V("dir", dir), V("n", NUM((long long)changed)));
		issuer_free(is);
		config_free(cfg);
	}
	if (rc != 0) {
		char buf[1024];
		ERR("ctl.hall.ca_feed_failed", V("problem", kerr_text(&err, buf, sizeof buf)));
	}
	return rc;
}

static int hall_cmd_ship(const args *a)
{
	if (a->n_words != 2 || check_opts(a, "central config db batch max ca"))
		return ctl_usage_of("kioskctl hall ship [--central CONNINFO] [--db FILE] [--batch ROWS] [--max ROWS] "
				    "[--ca DIR]",
				    NULL);
	long long batch = 0, max = 0;
	if (parse_count(opt(a, "batch"), 1, 1000000, &batch))
		return USAGE("ctl.hall.bad_batch", V("batch", opt(a, "batch")));
	if (parse_count(opt(a, "max"), 1, INT64_MAX, &max))
		return USAGE("ctl.hall.bad_max", V("max", opt(a, "max")));
	kiosk_config *cfg;
	int rc = EXIT_OK;
	hall *h = connect_centre(a, true, &cfg, &rc);
	config_free(cfg);
	if (!h)
		return rc;
	kerr err = { 0 };
	kdb *db = open_db(a, DB_OPEN_EXISTING, &err);
	if (!db) {
		hall_close(h);
		return fail_env(&err);
	}
	hall_ship_opts o = { .batch_rows = (int)batch, .max_rows = max };
	hall_ship_result r;
	int got = hall_ship(h, db, &o, &r, &err);
	if (got == 1) {
		ERR("ctl.hall.ship_refused", V("problem", r.problem));
		rc = EXIT_FINDING;
	} else if (got < 0) {
		if (r.sent)
			SAY(stdout, "ctl.hall.shipped_part", V("rows", NUM(r.sent)), V("batches", NUM(r.batches)),
			    V("acked", NUM(r.acked)), V("kiosk", db_kiosk_id(db)));
		rc = fail_env(&err);
	} else {
		SAY(stdout, "ctl.hall.shipped", V("rows", NUM(r.sent)), V("batches", NUM(r.batches)),
		    V("acked", NUM(r.acked)), V("kiosk", db_kiosk_id(db)), V("left", NUM(r.local_head - r.acked)));
		/* the shipment stands whatever this says: the status line shows
		 * the link, and the next run asks again */
		ship_ca_feed(a, h, db);
	}
	db_close(db);
	hall_close(h);
	return rc;
}

/* ---- the hall's day: a supervisor's ---- */

static int hall_cmd_supervisor_add(const args *a)
{
	if (a->n_words != 3 || check_opts(a, "central config hall") || !opt(a, "hall"))
		return ctl_usage_of("kioskctl hall supervisor-add SUPERVISOR_ID --hall HALL --central CONNINFO",
				    "ctl.hall.pin_note");
	char pin[64], prompt[160], whom[48];
	snprintf(whom, sizeof whom, "%.40s", a->words[2]);
	TEXT(prompt, "ctl.hall.new_pin_prompt", V("id", whom));
	if (ctl_read_pin(prompt, pin, sizeof pin) != 0)
		return USAGE("ctl.sup.no_pin");
	kiosk_config *cfg;
	int rc = EXIT_OK;
	hall *h = connect_centre(a, false, &cfg, &rc);
	if (!h) {
		explicit_bzero(pin, sizeof pin);
		return rc;
	}
	kerr err = { 0 };
	int added = hall_supervisor_add(h, a->words[2], opt(a, "hall"), pin, &err);
	explicit_bzero(pin, sizeof pin);
	if (added < 0)
		rc = fail_env(&err);
	else
		SAY(stdout, added == 0 ? "ctl.hall.sup_added" : "ctl.hall.sup_there", V("id", a->words[2]),
		    V("hall", opt(a, "hall")));
	hall_close(h);
	return rc;
}

/* The centre as supervisor --by, its PIN read here and checked by the
 * centre (hall_connect_supervisor), and allowed for hall (NULL: any of its
 * halls; *halls: its halls). NULL after a message, *rc the exit status. */
static hall *connect_supervisor(const args *a, const char *act_key, const char *hall_id,
				char *halls, size_t halls_len, int *rc)
{
	const char *act = ctl_word(act_key);
	const char *who = opt(a, "by");
	if (!who || !*who) {
		*rc = USAGE("ctl.hall.need_by", V("act", act));
		return NULL;
	}
	if (hall_id && !hall_id_valid(hall_id)) {
		*rc = REFUSE("ctl.hall.bad_hall", V("hall", hall_id));
		return NULL;
	}
	kerr err = { 0 };
	const char *conninfo = opt(a, "central");
	kiosk_config *cfg = NULL;
	if (!conninfo) {
		cfg = load_config(a, &err);
		if (!cfg) {
			*rc = fail_env(&err);
			return NULL;
		}
		conninfo = cfg->hall_central;
	}
	if (!conninfo || !*conninfo) {
		config_free(cfg);
		*rc = USAGE("ctl.hall.no_hall");
		return NULL;
	}
	char pin[64], prompt[160], whom[48];
	snprintf(whom, sizeof whom, "%.40s", who);
	TEXT(prompt, "ctl.hall.pin_prompt", V("id", whom));
	if (ctl_read_pin(prompt, pin, sizeof pin) != 0) {
		config_free(cfg);
		*rc = USAGE("ctl.sup.no_pin");
		return NULL;
	}
	bool refused = false;
	hall *h = hall_connect_supervisor(conninfo, who, pin, &refused, &err);
	explicit_bzero(pin, sizeof pin);
	config_free(cfg);
	if (!h) {
		char buf[1024];
		fprintf(stderr, "kioskctl: %s\n", kerr_text(&err, buf, sizeof buf));
		*rc = refused ? EXIT_FINDING : EXIT_USAGE;
		return NULL;
	}
	int c = hall_supervisor_check(h, who, hall_id, halls, halls_len, &err);
	if (c != 0) {
		char buf[1024];
		fprintf(stderr, "kioskctl: %s\n", kerr_text(&err, buf, sizeof buf));
		*rc = c > 0 ? EXIT_FINDING : EXIT_USAGE;
		hall_close(h);
		return NULL;
	}
	return h;
}

/* Whether hall id is in the comma-separated list. */
static bool in_list(const char *list, const char *id)
{
	size_t n = strlen(id);
	for (const char *p = list; *p;) {
		size_t m = strcspn(p, ",");
		if (m == n && strncmp(p, id, n) == 0)
			return true;
		p += m + (p[m] == ',');
	}
	return false;
}

/* The day's rows carry a case's status as its stored word (CASE_STATUSES). */
#define N_STATUS ((size_t)CS_COUNT)

/* A status in lines of the configured language (English: the word). */
static const char *status_term(size_t s)
{
	return ctl_term(case_status_key((case_status)s), case_status_name((case_status)s));
}

/* Figures summed over some of the day's rows. */
typedef struct figs {
	int64_t cases, by_status[N_STATUS], due, paid, refunded;
} figs;

static void figs_add(figs *f, const hall_day_row *r)
{
	f->cases += r->cases;
	for (size_t s = 0; s < N_STATUS; s++)
		if (strcmp(r->status, case_status_name((case_status)s)) == 0)
			f->by_status[s] += r->cases;
	f->due += r->due_fen;
	f->paid += r->paid_fen;
	f->refunded += r->refunded_fen;
}

static void print_money(const figs *f)
{
	char due[32], paid[32], ref[32];
	SAY(stdout, "ctl.day.fees", V("due", fees_format_yuan(f->due, due, sizeof due)),
	    V("paid", fees_format_yuan(f->paid, paid, sizeof paid)),
	    V("refunded", fees_format_yuan(f->refunded, ref, sizeof ref)));
}

/* The day's rows and windows for --hall, or every hall of the supervisor. */
static int read_day(hall *h, const char *date, const char *hall_id, const char *halls,
		    hall_day_row **rows, size_t *n_rows, hall_window **wins, size_t *n_wins,
		    kerr *err)
{
	if (hall_day_report(h, date, hall_id, rows, n_rows, err) ||
	    hall_windows(h, date, hall_id, wins, n_wins, err))
		return -1;
	if (hall_id)
		return 0;
	size_t k = 0;
	for (size_t i = 0; i < *n_rows; i++)
		if (in_list(halls, (*rows)[i].hall_id))
			(*rows)[k++] = (*rows)[i];
	*n_rows = k;
	k = 0;
	for (size_t i = 0; i < *n_wins; i++)
		if (in_list(halls, (*wins)[i].hall_id))
			(*wins)[k++] = (*wins)[i];
	*n_wins = k;
	return 0;
}

/* A date option checked: EXIT_OK, else the exit status after a message. */
static int date_arg(const args *a)
{
	long day;
	if (!opt(a, "date") || !*opt(a, "date"))
		return USAGE("ctl.need_date");
	if (!civil_parse(opt(a, "date"), &day))
		return REFUSE("ctl.bad_date", V("date", opt(a, "date")));
	return EXIT_OK;
}

static int hall_cmd_report(const args *a)
{
	if (a->n_words != 2 || check_opts(a, "central config date hall csv by"))
		return ctl_usage_of("kioskctl hall report --date YYYY-MM-DD [--hall HALL] [--csv] --by SUPERVISOR_ID "
				    "[--central CONNINFO]", NULL);
	int rc = date_arg(a);
	if (rc)
		return rc;
	const char *date = opt(a, "date"), *hall_id = opt(a, "hall");
	char halls[512];
	hall *h = connect_supervisor(a, "ctl.act.hall_report", hall_id, halls, sizeof halls, &rc);
	if (!h)
		return rc;
	kerr err = { 0 };
	hall_day_row *rows = NULL;
	hall_window *wins = NULL;
	catalog *cat = NULL;
	size_t n_rows = 0, n_wins = 0;
	if (read_day(h, date, hall_id, halls, &rows, &n_rows, &wins, &n_wins, &err)) {
		rc = fail_env(&err);
		goto out;
	}
	if (opt(a, "csv")) {
		printf("hall,window,clerk,service,status,cases,due_fen,paid_fen,refunded_fen\n");
		for (size_t i = 0; i < n_rows; i++) {
			const hall_day_row *r = &rows[i];
			char num[4][24];
			snprintf(num[0], sizeof num[0], "%lld", (long long)r->cases);
			snprintf(num[1], sizeof num[1], "%lld", (long long)r->due_fen);
			snprintf(num[2], sizeof num[2], "%lld", (long long)r->paid_fen);
			snprintf(num[3], sizeof num[3], "%lld", (long long)r->refunded_fen);
			csv_text(stdout, r->hall_id, false);
			csv_text(stdout, r->kiosk_id, false);
			csv_text(stdout, r->clerk, false);
			csv_text(stdout, r->service, false);
			csv_text(stdout, r->status, false);
			for (int k = 0; k < 4; k++)
				csv_number(stdout, num[k], k == 3);
		}
		goto out;
	}
	/* services by their names in Chinese lines (English: the ids) */
	kerr cerr = { 0 };
	cat = ctl_lang() != LANG_EN ? catalog_load(config_default_dir(opt(a, "config")), &cerr) : NULL;
	figs all = { 0 };
	for (size_t i = 0; i < n_rows; i++)
		figs_add(&all, &rows[i]);
	size_t open_w = 0;
	for (size_t i = 0; i < n_wins; i++)
		open_w += !wins[i].closed;
	SAY(stdout, "ctl.hall.report_head", V("date", date), V("hall", hall_id ? hall_id : halls),
	    V("windows", NUM(n_wins)), V("closed", NUM(n_wins - open_w)), V("n", NUM(all.cases)));
	SAYP(stdout, "ctl.report.by_status");
	for (size_t s = 0; s < N_STATUS; s++)
		printf(" %s %lld", status_term(s), (long long)all.by_status[s]);
	printf("\n");
	print_money(&all);
	/* by service: the rows come sorted by window, so gather per service */
	SAYP(stdout, "ctl.report.by_service");
	for (size_t i = 0; i < n_rows; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(rows[j].service, rows[i].service) == 0;
		if (seen)
			continue;
		int64_t c = 0;
		for (size_t j = i; j < n_rows; j++)
			if (strcmp(rows[j].service, rows[i].service) == 0)
				c += rows[j].cases;
		const service *svc = cat ? catalog_service(cat, rows[i].service) : NULL;
		printf(" %s %lld", svc && svc->label[ctl_lang()] ? svc->label[ctl_lang()] : rows[i].service,
		       (long long)c);
	}
	printf("\n");
	SAY(stdout, "ctl.hall.by_window");
	for (size_t w = 0; w < n_wins; w++) {
		figs f = { 0 };
		for (size_t i = 0; i < n_rows; i++)
			if (strcmp(rows[i].kiosk_id, wins[w].kiosk_id) == 0)
				figs_add(&f, &rows[i]);
		printf("  %s %s: ", wins[w].hall_id, wins[w].kiosk_id);
		SAYP(stdout, "ctl.hall.cases", V("n", NUM(f.cases)));
		for (size_t s = 0; s < N_STATUS; s++)
			printf(" %s %lld", status_term(s), (long long)f.by_status[s]);
		fputs(ctl_term("ctl.hall.then", "; "), stdout);
		print_money(&f);
		if (wins[w].closed) {
			fputs("    ", stdout);
			SAY(stdout, "ctl.hall.window_closed", V("by", wins[w].closed_by), V("seq", NUM(wins[w].close_seq)));
		} else {
			fputs("    ", stdout);
			SAY(stdout, "ctl.hall.window_open", V("seq", NUM(wins[w].head_seq)));
		}
	}
	SAY(stdout, "ctl.hall.by_clerk");
	for (size_t i = 0; i < n_rows; i++) {
		if (i && strcmp(rows[i].kiosk_id, rows[i - 1].kiosk_id) == 0 &&
		    strcmp(rows[i].clerk, rows[i - 1].clerk) == 0)
			continue;
		figs f = { 0 };
		for (size_t j = i; j < n_rows && strcmp(rows[j].kiosk_id, rows[i].kiosk_id) == 0 &&
				   strcmp(rows[j].clerk, rows[i].clerk) == 0;
		     j++)
			figs_add(&f, &rows[j]);
		printf("  %s %s %s: ", rows[i].hall_id, rows[i].kiosk_id, rows[i].clerk);
		SAYP(stdout, "ctl.hall.clerk_cases", V("n", NUM(f.cases)));
		printf(" ");
		print_money(&f);
	}
out:
	catalog_free(cat);
	free(rows);
	free(wins);
	hall_close(h);
	return rc;
}

/* The tags of kiosk k's seals checked with its verification key, the file
 * DIR/<kiosk id>.vkey (kioskctl audit seal-init's); a kiosk without one
 * there is said. EXIT_OK, EXIT_FINDING or EXIT_USAGE. */
static int check_tags(hall *h, const char *dir, const hall_check *k)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s.vkey", dir, k->kiosk_id);
	FILE *f = fopen(path, "r");
	if (!f) {
		fputs("    ", stdout);
		SAY(stdout, "ctl.hall.tags_no_key", V("path", path));
		return EXIT_OK;
	}
	char text[512] = "";
	size_t got = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[got] = '\0';
	text[strcspn(text, "\r\n")] = '\0';
	uint8_t k0[SEAL_KEY_LEN];
	seal_params sp;
	if (!seal_vkey_parse(text, k0, &sp)) {
		fputs("    ", stdout);
		SAY(stdout, "ctl.hall.tags_bad_key", V("path", path));
		return EXIT_USAGE;
	}
	kerr err = { 0 };
	hall_seal *v = NULL;
	size_t n = 0;
	if (hall_seals_of(h, k->kiosk_id, &v, &n, &err)) {
		explicit_bzero(k0, sizeof k0);
		return fail_env(&err);
	}
	int rc = EXIT_OK;
	for (size_t i = 0; i < n && rc == EXIT_OK; i++) {
		uint8_t key[SEAL_KEY_LEN];
		seal_record r = { .epoch = v[i].epoch, .first_seq = v[i].first_seq,
				  .last_seq = v[i].last_seq, .row_count = v[i].row_count,
				  .at_ms = v[i].at_ms, .kiosk_id = k->kiosk_id };
		memcpy(r.head, v[i].head_hash, AUDIT_HASH_LEN);
		if (seal_derive(k0, v[i].epoch, key) != 0 || !seal_tag_check(key, &r, v[i].tag)) {
			fputs("    ", stdout);
			SAY(stdout, "ctl.hall.tag_tampered", V("id", NUM(v[i].id)), V("epoch", NUM(v[i].epoch)),
			    V("first", NUM(v[i].first_seq)), V("last", NUM(v[i].last_seq)), V("path", path));
			rc = EXIT_FINDING;
		}
		explicit_bzero(key, sizeof key);
	}
	if (rc == EXIT_OK) {
		fputs("    ", stdout);
		SAY(stdout, "ctl.hall.tags_ok", V("n", NUM(n)), V("path", path));
	}
	explicit_bzero(k0, sizeof k0);
	free(v);
	return rc;
}

static int hall_cmd_verify(const args *a)
{
	if (a->n_words != 2 || check_opts(a, "central config hall by seal-key"))
		return ctl_usage_of("kioskctl hall verify [--hall HALL] [--seal-key DIR] --by SUPERVISOR_ID "
				    "[--central CONNINFO]", NULL);
	int rc = EXIT_OK;
	const char *hall_id = opt(a, "hall");
	char halls[512];
	hall *h = connect_supervisor(a, "ctl.act.hall_verify", hall_id, halls, sizeof halls, &rc);
	if (!h)
		return rc;
	kerr err = { 0 };
	hall_check *k = NULL;
	size_t n = 0;
	if (hall_verify(h, hall_id, &k, &n, &err)) {
		rc = fail_env(&err);
		goto out;
	}
	size_t shown = 0, bad = 0, gaps = 0;
	for (size_t i = 0; i < n; i++) {
		const hall_check *c = &k[i];
		if (!hall_id && !in_list(halls, c->hall_id))
			continue;
		shown++;
		bool fault = c->problem[0] || c->seal_problem[0];
		printf("%s %s: ", fault ? "TAMPERED" : "OK", c->kiosk_id);
		SAY(stdout, "ctl.hall.check", V("hall", c->hall_id), V("rows", NUM(c->rows)),
		    V("seq", NUM(c->head_seq)), V("shipped", c->shipped_at[0] ? c->shipped_at : ctl_word("ctl.hall.never")),
		    V("refused", NUM(c->refusals)));
		fputs("    ", stdout);
		if (c->problem[0]) {
			SAY(stdout, "ctl.hall.chain_problem", V("problem", c->problem));
			fputs("    ", stdout);
		}
		if (c->seal_problem[0])
			SAY(stdout, "ctl.hall.seal_problem", V("problem", c->seal_problem));
		else if (c->seals)
			SAY(stdout, "ctl.hall.seals", V("n", NUM(c->seals)), V("sealed", NUM(c->sealed_to)),
			    V("after", NUM(c->head_seq - c->sealed_to)));
		else
			SAY(stdout, "ctl.hall.no_seals");
		fputs("    ", stdout);
		if (c->local_head < 0) {
			SAY(stdout, "ctl.hall.gap_unknown");
			gaps++;
		} else if (c->local_head > c->head_seq) {
			SAY(stdout, "ctl.hall.gap", V("from", NUM(c->head_seq + 1)), V("to", NUM(c->local_head)),
			    V("at", c->reported_at));
			gaps++;
		} else {
			SAY(stdout, "ctl.hall.no_gap", V("rows", NUM(c->local_head)), V("at", c->reported_at));
		}
		if (opt(a, "seal-key") && !c->seal_problem[0]) {
			int t = check_tags(h, opt(a, "seal-key"), c);
			if (t == EXIT_FINDING)
				fault = true;
			else if (t != EXIT_OK && rc == EXIT_OK)
				rc = t;
		}
		bad += fault;
	}
	SAY(stdout, "ctl.hall.verify_sum", V("n", NUM(shown)), V("bad", NUM(bad)), V("gaps", NUM(gaps)));
	if (bad)
		rc = EXIT_FINDING;
out:
	free(k);
	hall_close(h);
	return rc;
}

/* The windows' part of the hall's signed message: each window, its day.close
 * row and that row's hash, in kiosk order. */
static int windows_text(const hall_window *w, size_t n, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int m = snprintf(buf + off, len - off, "%s%s@%lld:%s", i ? ";" : "", w[i].kiosk_id,
				 (long long)w[i].close_seq, w[i].close_hash);
		if (m < 0 || (size_t)m >= len - off)
			return -1;
		off += (size_t)m;
	}
	return 0;
}

static int hall_cmd_close(const args *a)
{
	if (a->n_words != 2 || check_opts(a, "central config date hall by key") ||
	    !opt(a, "hall") || !opt(a, "key"))
		return ctl_usage_of("kioskctl hall close --date YYYY-MM-DD --hall HALL --key FILE --by SUPERVISOR_ID "
				    "[--central CONNINFO]", NULL);
	int rc = date_arg(a);
	if (rc)
		return rc;
	const char *date = opt(a, "date"), *hall_id = opt(a, "hall");
	hall *h = connect_supervisor(a, "ctl.act.hall_close", hall_id, NULL, 0, &rc);
	if (!h)
		return rc;
	kerr err = { 0 };
	hall_day_row *rows = NULL;
	hall_window *wins = NULL;
	size_t n_rows = 0, n_wins = 0;
	kioskkey *key = NULL;
	if (read_day(h, date, hall_id, NULL, &rows, &n_rows, &wins, &n_wins, &err)) {
		rc = fail_env(&err);
		goto out;
	}
	/* Said here in words; the centre refuses it anyway (its trigger). */
	char open_list[1024] = "";
	for (size_t i = 0; i < n_wins; i++)
		if (!wins[i].closed)
			snprintf(open_list + strlen(open_list), sizeof open_list - strlen(open_list),
				 "%s%s", open_list[0] ? ", " : "", wins[i].kiosk_id);
	if (n_wins == 0 || open_list[0]) {
		if (n_wins == 0)
			ERR("ctl.hall.no_window", V("hall", hall_id));
		else
			ERR("ctl.hall.windows_open", V("hall", hall_id), V("date", date), V("windows", open_list));
		rc = EXIT_FINDING;
		goto out;
	}
	/* The hall's totals: the sum of what each window signed at its close. */
	int64_t tot[AC_COUNT] = { 0 };
	for (size_t i = 0; i < n_wins; i++) {
		int64_t c[AC_COUNT];
		char where[64];
		snprintf(where, sizeof where, "the day.close of %s", wins[i].kiosk_id);
		if (anchor_counts_parse(wins[i].counts, c, NULL, where, &err)) {
			rc = fail_env(&err);
			goto out;
		}
		for (int j = 0; j < AC_COUNT; j++)
			tot[j] += c[j];
	}
	hall_close_rec cr = { 0 };
	snprintf(cr.hall_id, sizeof cr.hall_id, "%s", hall_id);
	snprintf(cr.day, sizeof cr.day, "%s", date);
	snprintf(cr.closed_by, sizeof cr.closed_by, "%s", opt(a, "by"));
	if (anchor_counts_format(tot, ANCHOR_VERSION, cr.totals, sizeof cr.totals, &err) ||
	    windows_text(wins, n_wins, cr.windows, sizeof cr.windows)) {
		if (!err.msg[0])
			kerr_set(&err, "hall", "too many windows for one close");
		rc = fail_env(&err);
		goto out;
	}
	snprintf(cr.message, sizeof cr.message, "hall-close v1 hall=%s day=%s windows=%s totals=%s",
		 hall_id, date, cr.windows, cr.totals);
	key = kioskkey_load_or_create(opt(a, "key"), &err);
	uint8_t sig[KIOSKKEY_SIG_MAX];
	size_t sig_len = 0;
	if (!key || kioskkey_sign(key, cr.message, strlen(cr.message), sig, &sig_len, &err)) {
		rc = fail_env(&err);
		goto out;
	}
	for (size_t i = 0; i < sig_len; i++)
		snprintf(cr.signature + 2 * i, 3, "%02x", sig[i]);
	snprintf(cr.key_id, sizeof cr.key_id, "%s", kioskkey_id(key));
	/* What the centre's rows say now, beside what the windows signed: a
	 * difference is a change after a window's close (a late refund). */
	figs now = { 0 };
	for (size_t i = 0; i < n_rows; i++)
		figs_add(&now, &rows[i]);
	bool same = now.cases == tot[AC_CASES] && now.due == tot[AC_DUE_FEN] &&
		    now.paid == tot[AC_PAID_FEN] && now.refunded == tot[AC_REFUNDED_FEN];
	for (size_t s = 0; s < N_STATUS; s++)
		same = same && now.by_status[s] == tot[AC_OPEN + (int)s];
	int put = hall_close_put(h, &cr, &err);
	if (put != 0) {
		char buf[1024];
		ERR("ctl.day.not_closed_because", V("error", kerr_text(&err, buf, sizeof buf)));
		rc = put > 0 ? EXIT_FINDING : EXIT_USAGE;
		goto out;
	}
	SAY(stdout, "ctl.hall.closed", V("hall", hall_id), V("date", date), V("by", cr.closed_by),
	    V("windows", NUM(n_wins)));
	SAY(stdout, "ctl.hall.totals", V("totals", cr.totals));
	SAY(stdout, "ctl.hall.signed", V("key", cr.key_id));
	SAY(stdout, "ctl.day.message", V("message", cr.message));
	if (!same)
		SAY(stdout, "ctl.hall.changed_after", V("cases", NUM(now.cases)), V("due", NUM(now.due)),
		    V("paid", NUM(now.paid)), V("refunded", NUM(now.refunded)));
out:
	kioskkey_free(key);
	free(rows);
	free(wins);
	hall_close(h);
	return rc;
}

/* ---- reads that need the hall ---- */

static int hall_cmd_lookup(const args *a)
{
	const char *uscc = opt(a, "uscc"), *key = opt(a, "key");
	if (a->n_words != 2 || check_opts(a, "central config uscc key timeout") ||
	    (!uscc && !key) || (uscc && !*uscc) || (key && !*key))
		return ctl_usage_of("kioskctl hall lookup --uscc USCC | --key SERIAL [--timeout SECONDS] "
				    "[--central CONNINFO]", NULL);
	long long timeout = 3;
	if (parse_count(opt(a, "timeout"), 1, 60, &timeout))
		return USAGE("ctl.hall.bad_timeout", V("timeout", opt(a, "timeout")));
	kerr err = { 0 };
	const char *conninfo = opt(a, "central");
	kiosk_config *cfg = NULL;
	if (!conninfo) {
		cfg = load_config(a, &err);
		if (!cfg)
			return fail_env(&err);
		conninfo = cfg->hall_central;
	}
	if (!conninfo || !*conninfo) {
		config_free(cfg);
		return USAGE("ctl.hall.no_hall");
	}
	hall *h = hall_connect_bounded(conninfo, (int)timeout, &err);
	config_free(cfg);
	hall_key_fact *f = NULL;
	size_t n = 0;
	if (!h || hall_lookup(h, uscc, key, &f, &n, &err)) {
		char buf[1024];
		SAY(stdout, "ctl.hall.offline", V("error", kerr_text(&err, buf, sizeof buf)));
		hall_close(h);
		return EXIT_USAGE;
	}
	hall_close(h);
	SAY(stdout, uscc ? "ctl.hall.online_unit" : "ctl.hall.online_key", V("n", NUM(n)),
	    V("what", uscc ? uscc : key));
	int rc = EXIT_OK;
	for (size_t i = 0; i < n; i++) {
		char state[160];
		snprintf(state, sizeof state, "%s%s%s%s", f[i].state[0] ? f[i].state : "?",
			 f[i].reason[0] ? " (" : "", f[i].reason, f[i].reason[0] ? ")" : "");
		SAYP(stdout, "ctl.hall.key_fact", V("serial", f[i].key_serial), V("state", state),
		     V("kiosk", f[i].moved_at_kiosk[0] ? f[i].moved_at_kiosk : "?"),
		     V("hall", f[i].moved_in_hall[0] ? f[i].moved_in_hall : "?"));
		if (f[i].cert_serial[0])
			SAYP(stdout, f[i].revoked[0] ? "ctl.hall.cert_revoked" : "ctl.hall.cert_valid",
			     V("serial", f[i].cert_serial), V("to", f[i].not_after), V("revoked", f[i].revoked));
		if (f[i].cert_serial[0] && f[i].app[0] && strcmp(f[i].app, "kiosk") != 0)
		{
			putchar(' '); /* the line's words are read back by the kiosk (registry.c) */
			SAYP(stdout, "ctl.hall.cert_app", V("app", f[i].app));
		}
		printf("\n");
		/* once a key: its binding, wherever it was made */
		if (f[i].bound_agent[0] && (i == 0 || strcmp(f[i - 1].key_serial, f[i].key_serial) != 0)) {
			fputs("  ", stdout);
			SAY(stdout, "ctl.hall.bound", V("serial", f[i].key_serial), V("uscc", f[i].bound_uscc),
			    V("agent", f[i].bound_agent), V("kiosk", f[i].bound_at_kiosk),
			    V("hall", f[i].bound_in_hall), V("seq", NUM(f[i].bound_seq)));
		}
		if (key && strcmp(f[i].key_serial, key) == 0 && hall_state_retired(f[i].state) &&
		    rc == EXIT_OK) {
			SAY(stdout, "ctl.hall.retired", V("serial", key), V("state", f[i].state),
			    V("reason", f[i].reason), V("kiosk", f[i].moved_at_kiosk), V("hall", f[i].moved_in_hall));
			rc = EXIT_FINDING;
		}
	}
	free(f);
	return rc;
}

static int hall_cmd_conflicts(const args *a)
{
	if (a->n_words != 2 || check_opts(a, "central config hall by"))
		return ctl_usage_of("kioskctl hall conflicts [--hall HALL] --by SUPERVISOR_ID [--central CONNINFO]",
				    NULL);
	int rc = EXIT_OK;
	const char *hall_id = opt(a, "hall");
	char halls[512];
	hall *h = connect_supervisor(a, "ctl.act.hall_conflicts", hall_id, halls, sizeof halls, &rc);
	if (!h)
		return rc;
	kerr err = { 0 };
	hall_conflict *c = NULL;
	size_t n = 0, shown = 0;
	if (hall_conflicts(h, hall_id, &c, &n, &err)) {
		rc = fail_env(&err);
	} else {
		for (size_t i = 0; i < n; i++) {
			if (!hall_id && !in_list(halls, c[i].first_hall) &&
			    !in_list(halls, c[i].second_hall))
				continue;
			char t1[32], t2[32];
			SAY(stdout, "ctl.hall.conflict", V("kind", c[i].kind), V("serial", c[i].serial),
			    V("act1", c[i].first_act), V("kiosk1", c[i].first_kiosk), V("hall1", c[i].first_hall),
			    V("seq1", NUM(c[i].first_seq)), V("at1", clock_format_local(c[i].first_ms, t1, sizeof t1)),
			    V("act2", c[i].second_act), V("kiosk2", c[i].second_kiosk), V("hall2", c[i].second_hall),
			    V("seq2", NUM(c[i].second_seq)), V("at2", clock_format_local(c[i].second_ms, t2, sizeof t2)));
			/* a binding made blind: what it means and what to do, in words */
			if (strcmp(c[i].kind, "binding") == 0) {
				fputs("  ", stdout);
				SAY(stdout, "ctl.hall.conflict_binding", V("kiosk1", c[i].first_kiosk),
				    V("hall1", c[i].first_hall), V("kiosk2", c[i].second_kiosk),
				    V("hall2", c[i].second_hall));
			}
			shown++;
		}
		SAY(stdout, "ctl.hall.conflicts", V("n", NUM(shown)));
		if (shown)
			rc = EXIT_FINDING;
	}
	free(c);
	hall_close(h);
	return rc;
}

int cmd_hall(const args *a)
{
	static const struct {
		const char *word;
		int (*run)(const args *a);
	} subs[] = { { "init", hall_cmd_init },
		     { "kiosk-add", hall_cmd_kiosk_add },
		     { "kiosks", hall_cmd_kiosks },
		     { "ship", hall_cmd_ship },
		     { "supervisor-add", hall_cmd_supervisor_add },
		     { "report", hall_cmd_report },
		     { "verify", hall_cmd_verify },
		     { "close", hall_cmd_close },
		     { "lookup", hall_cmd_lookup },
		     { "conflicts", hall_cmd_conflicts },
		     { "day", hall_cmd_day } };
	for (size_t i = 0; a->n_words >= 2 && i < sizeof subs / sizeof *subs; i++)
		if (strcmp(a->words[1], subs[i].word) == 0)
			return subs[i].run(a);
	return ctl_usage_of("kioskctl hall init|kiosk-add|supervisor-add|kiosks|ship|report|verify|close|lookup|"
			    "conflicts|day ...", NULL);
}
