/* subject: what a supervisor is asked to approve, read from the store, so an
 * approval screen shows the unit, its USCC, the service, the money, the key
 * and the certificate, not just a case number (a supervisor who sees only a
 * number approves blind). Plain values, owned by the caller. */
#ifndef TUI_FLOW_SUBJECT_H
#define TUI_FLOW_SUBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tui/flow/counter.h"

typedef struct case_subject {
	char case_no[40];
	char unit_name[256];
	char uscc[19];
	const char *service;      /* label in the counter's language (catalogue-owned) */
	int64_t fee_fen;          /* due */
	int64_t paid_fen;         /* a verified payment, -1 none */
	char keys[160];           /* the case's key, or the unit's keys on record ("" none) */
	char certs[200];          /* their certificates ("" none) */
	/* the key in the reader when it is not the unit's ("" none) */
	char foreign_key[40];
	char foreign_unit[256];
	char foreign_uscc[19];
} case_subject;

/* The subject of case_no; the key read at the counter (may be NULL) comes
 * first when it is the unit's (else it is the warning's). 0, or -1 with the reason said. */
int case_subject_get(counter *k, const char *case_no, const token_info *key_read,
		     case_subject *out);
/* Four lines ("\n" between them) in the counter's language. */
const char *case_subject_text(const counter *k, const case_subject *s, char *buf, size_t n);
/* The warning that the key in the reader is not the case unit's (another
 * unit's, or blank), "" when there is none. */
const char *case_subject_warning(const counter *k, const case_subject *s, char *buf, size_t n);

#endif
