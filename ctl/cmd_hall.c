/* kioskctl hall: the hall's central store on PostgreSQL (docs/deployment.md).
 *   hall init --central CONNINFO           the central schema, by migrations
 *   hall kiosk-add ID --central CONNINFO   a kiosk's role and row
 *   hall kiosks --central CONNINFO         what the centre holds of each kiosk
 *   hall ship [--central CONNINFO] [--batch N] [--max N]
 *                                          this kiosk's audit log to the centre
 * ship and kiosks take the connection string from [hall] central in kiosk.ini
 * when --central is not given; the others are the administrator's, who names
 * the centre each time. A kiosk with no [hall] never runs any of this. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "db/pg/pg.h"

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
		*rc = usage_error("%s", from_config ? "no hall is configured: set [hall] central in "
				  "kiosk.ini or give --central CONNINFO"
						    : "give the centre: --central CONNINFO");
		return NULL;
	}
	hall *h = hall_connect(conninfo, &err);
	if (!h)
		*rc = fail_env(&err);
	return h;
}

static int hall_cmd_init(const args *a)
{
	if (a->n_words != 2 || check_opts(a, "central config"))
		return usage_error("%s", "usage: kioskctl hall init --central CONNINFO");
	kiosk_config *cfg;
	int rc = EXIT_OK;
	hall *h = connect_centre(a, false, &cfg, &rc);
	if (!h)
		return rc;
	kerr err = { 0 };
	int from, to;
	if (hall_init(h, &from, &to, &err))
		rc = fail_env(&err);
	else if (from == to)
		printf("central schema: version %d, up to date\n", to);
	else
		printf("central schema: version %d -> %d\n", from, to);
	hall_close(h);
	return rc;
}

static int hall_cmd_kiosk_add(const args *a)
{
	if (a->n_words != 3 || check_opts(a, "central config"))
		return usage_error("%s", "usage: kioskctl hall kiosk-add KIOSK_ID --central CONNINFO");
	kiosk_config *cfg;
	int rc = EXIT_OK;
	hall *h = connect_centre(a, false, &cfg, &rc);
	if (!h)
		return rc;
	kerr err = { 0 };
	int added = hall_kiosk_add(h, a->words[2], &err);
	if (added < 0)
		rc = fail_env(&err);
	else
		printf("kiosk %s %s: its role is kiosk_%s\n", a->words[2],
		       added == 0 ? "registered" : "was registered already", a->words[2]);
	hall_close(h);
	return rc;
}

static int hall_cmd_kiosks(const args *a)
{
	if (a->n_words != 2 || check_opts(a, "central config"))
		return usage_error("%s", "usage: kioskctl hall kiosks [--central CONNINFO]");
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
			printf("%s: rows 1 to %lld, head %s, last shipped %s, %lld refused\n",
			       k[i].kiosk_id, (long long)k[i].head_seq, audit_hex(k[i].head_hash, hex),
			       k[i].shipped_at[0] ? k[i].shipped_at : "never",
			       (long long)k[i].refusals);
		}
		if (n == 0)
			printf("no kiosk is registered (or visible to this login)\n");
	}
	free(k);
	hall_close(h);
	return rc;
}

static int hall_cmd_ship(const args *a)
{
	if (a->n_words != 2 || check_opts(a, "central config db batch max"))
		return usage_error("%s", "usage: kioskctl hall ship [--central CONNINFO] [--db FILE] "
				   "[--batch ROWS] [--max ROWS]");
	long long batch = 0, max = 0;
	if (parse_count(opt(a, "batch"), 1, 1000000, &batch))
		return usage_error("--batch '%s' is not a number of rows from 1 to 1000000",
				   opt(a, "batch"));
	if (parse_count(opt(a, "max"), 1, INT64_MAX, &max))
		return usage_error("--max '%s' is not a number of rows from 1", opt(a, "max"));
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
		fprintf(stderr, "kioskctl: hall ship: %s\n", r.problem);
		rc = EXIT_FINDING;
	} else if (got < 0) {
		if (r.sent)
			printf("shipped %lld rows in %d batches before the fault: the centre holds "
			       "rows 1 to %lld of %s\n",
			       (long long)r.sent, r.batches, (long long)r.acked, db_kiosk_id(db));
		rc = fail_env(&err);
	} else {
		printf("shipped %lld rows in %d batches: the centre holds rows 1 to %lld of kiosk "
		       "%s; %lld left to ship\n",
		       (long long)r.sent, r.batches, (long long)r.acked, db_kiosk_id(db),
		       (long long)(r.local_head - r.acked));
	}
	db_close(db);
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
		     { "ship", hall_cmd_ship } };
	for (size_t i = 0; a->n_words >= 2 && i < sizeof subs / sizeof *subs; i++)
		if (strcmp(a->words[1], subs[i].word) == 0)
			return subs[i].run(a);
	return usage_error("%s", "usage: kioskctl hall init|kiosk-add|kiosks|ship ... "
			   "(kioskctl help)");
}
