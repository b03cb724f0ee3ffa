/* config_check: the whole shipped configuration checked at once, for
 * `kioskctl config check` and for start-up: kiosk.ini, the catalog
 * (services, materials, fees), the case form, and both UI string files, which
 * must hold every key the code names in its X-macro tables (validation
 * reasons, rule verdicts, case steps, statuses and decisions, material marks,
 * checklist verdicts, staff roles, PIN reasons, field messages, and the
 * kind./fee./token./form./seal./validity. names of the catalog's tables).
 * Reads only; nothing is ever written. */
#ifndef FORMS_CONFIG_CHECK_H
#define FORMS_CONFIG_CHECK_H

#include <stddef.h>

#include "core/base/err.h"
#include "core/base/strings.h"

typedef struct config_summary {
	size_t platforms;
	size_t services;
	size_t materials;
	size_t holders;             /* over all platforms */
	size_t fields;
	size_t strings[LANG_COUNT]; /* keys loaded per language */
} config_summary;

/* Load and cross-check everything under dir. 0 and out filled (out may be
 * NULL), or -1 with err naming the file (and line, or the missing key). */
int config_check_dir(const char *dir, config_summary *out, kerr *err);

/* The UI string keys the code requires, NULL-terminated, for tests and docs. */
const char *const *config_required_string_keys(void);

#endif
