/* kioskctl audit: walk the audit hash chain (and, with --anchors, check it
 * against every recorded day anchor). */
#include <stdio.h>
#include <string.h>

#include "core/audit.h"
#include "ctl/ctl.h"
#include "db/db.h"

int cmd_audit(const args *a)
{
	if (a->n_words != 2 || strcmp(a->words[1], "verify") != 0)
		return usage_error("%s", "usage: kioskctl audit verify [--db FILE] [--head HASH]");
	if (check_opts(a, "config db head"))
		return EXIT_USAGE;
	uint8_t want[AUDIT_HASH_LEN];
	if (opt(a, "head") && !audit_unhex(opt(a, "head"), want))
		return usage_error("--head '%s' is not 64 hex digits", opt(a, "head"));
	kerr err = { 0 };
	kdb *db = open_db(a, DB_OPEN_EXISTING, &err);
	if (!db)
		return fail_env(&err);
	audit_verify_result res;
	int rc = db_audit_verify(db, &res, &err);
	db_close(db);
	if (rc < 0)
		return fail_env(&err);
	if (rc > 0) {
		printf("TAMPERED at row %lld: %s\n", (long long)res.bad_seq, res.problem);
		return EXIT_FINDING;
	}
	char hex[2 * AUDIT_HASH_LEN + 1];
	/* An externally kept head catches a log cut back to an earlier, intact state. */
	if (opt(a, "head") && memcmp(want, res.head, AUDIT_HASH_LEN) != 0) {
		printf("TAMPERED: head is %s at row %lld, not the expected %s\n",
		       audit_hex(res.head, hex), (long long)res.head_seq, opt(a, "head"));
		return EXIT_FINDING;
	}
	printf("OK %lld rows, head %s\n", (long long)res.rows, audit_hex(res.head, hex));
	return EXIT_OK;
}

