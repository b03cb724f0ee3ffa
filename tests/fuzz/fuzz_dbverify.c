/* Fuzz harness for the verifier's input: a database file, damaged any way.
 * The bytes are written to a file of their own, which is opened as the
 * kiosk and kioskctl open it (db_open: the header read, migrations, the
 * ledger attached) and verified (db_audit_verify: the chain walked, every
 * binding row parsed and folded, every bound table read and hashed); what
 * must hold is that nothing crashes, hangs or leaks, whatever the file, and
 * that the verdict is one of intact, tampered (with findings or a chain
 * fault, and every finding's text terminated) or an error said in err.
 * Built with libFuzzer (make fuzz) and with tests/fuzz/replay.c (make test,
 * over the seed files in tests/fuzz/corpus/fuzz_dbverify: small kiosk files
 * of schema 5 and 7, intact, with a row changed, deleted or added, cut short;
 * files of the ledger's first layout (bound at schema 6, before sealing took
 * that number), one with an unreadable binding row in a rewritten chain; and
 * not SQLite at all). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond)
{
	if (!cond)
		abort();
}

static char dir[] = "/tmp/kiosk-fuzz-dbverify-XXXXXX";
static char path[sizeof dir + 16];

static void remove_files(void)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char p[sizeof path + 16];
	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		snprintf(p, sizeof p, "%s%s", path, suffix[i]);
		unlink(p);
	}
}

static void at_exit(void)
{
	remove_files();
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!path[0]) {
		require(mkdtemp(dir) != NULL);
		snprintf(path, sizeof path, "%s/kiosk.db", dir);
		atexit(at_exit);
	}
	remove_files();
	FILE *f = fopen(path, "wb");
	require(f != NULL);
	require(fwrite(data, 1, size, f) == size);
	require(fclose(f) == 0);

	kerr err = { { 0 }, { 0 } };
	kdb *db = db_open(path, NULL, DB_OPEN_EXISTING, &err);
	if (db) {
		audit_verify_result *res = malloc(sizeof *res);
		require(res != NULL);
		kerr verr = { { 0 }, { 0 } };
		int rc = db_audit_verify(db, res, &verr);
		require(rc >= -1 && rc <= 1);
		if (rc == 1)
			require(res->bad_seq > 0 || res->n_found > 0 || res->n_more > 0);
		require(res->n_found <= AUDIT_ROW_FINDINGS_MAX);
		for (size_t i = 0; i < res->n_found; i++) {
			char line[640];
			db_row_finding_text(&res->found[i], line, sizeof line);
			require(memchr(line, '\0', sizeof line) != NULL);
		}
		require(memchr(res->problem, '\0', sizeof res->problem) != NULL);
		require(memchr(verr.msg, '\0', sizeof verr.msg) != NULL);
		free(res);
		db_close(db);
	}
	require(memchr(err.msg, '\0', sizeof err.msg) != NULL);
	remove_files();
	return 0;
}
