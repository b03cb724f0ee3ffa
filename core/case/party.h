/* party: the customer's side of a case, the five fields every case records
 * (unit name, USCC, agent's name, ID number and mobile), declared once in
 * PARTY_FIELDS. The details form (kiosk-config/forms.ini [field <word>]), the
 * store (db/repo/case_repo: columns of the cases table), the resume and the
 * slip all loop over this table instead of naming the fields one by one. A
 * case_party holds the values as stored (normalised, UTF-8) in fixed arrays;
 * it owns nothing. */
#ifndef CORE_PARTY_H
#define CORE_PARTY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/base/names.h"

/* enum, the form's and config's field id, the cases column (and the
 * case_party member), the buffer size in bytes with its NUL, and the form
 * field type it is typed as (forms.ini type =). The sizes are the columns'
 * limits; forms.ini's max_chars keep 4-byte characters inside them. */
#define PARTY_FIELDS(X)                                                           \
	X(PF_UNIT_NAME,    "unit_name",    unit_name,    256, "text")                 \
	X(PF_USCC,         "uscc",         uscc,         19,  "uscc")                 \
	X(PF_AGENT_NAME,   "agent_name",   agent_name,   97,  "text")                 \
	X(PF_AGENT_ID_NO,  "agent_id_no",  agent_id_no,  19,  "resident_id") /* printed masked */ \
	X(PF_AGENT_MOBILE, "agent_mobile", agent_mobile, 12,  "mobile") /* bare 11 digits, printed masked */

/* party_field_name() is the field id ("?" out of range), party_field_from_name()
 * the field of an id (-1 when it is none of the party's), from core/base/names.h. */
ENUM_DECLARE_WORD(party_field, PARTY_FIELDS, PF_COUNT);

#define PARTY_MEMBER_(e, word, col, size, type) char col[size];
typedef struct case_party {
	PARTY_FIELDS(PARTY_MEMBER_)
} case_party;
#undef PARTY_MEMBER_

/* The column of the cases table ("" out of range). */
const char *party_field_column(party_field f);
/* The buffer size of the field in case_party, NUL included (0 out of range). */
size_t party_field_size(party_field f);
/* The forms.ini type the field is typed as: "text", "uscc", "resident_id",
 * "mobile" ("" out of range). */
const char *party_field_type(party_field f);
/* Free text (names: any UTF-8) rather than a code (ASCII, no spaces)? */
bool party_field_is_text(party_field f);

/* The value of f in p ("" for a field out of range). */
const char *party_get(const case_party *p, party_field f);
/* Copy utf8 (NULL as "") into f of p, cut on a character boundary when it
 * does not fit (core/base/utf8.h). 0, or -1 for a field out of range
 * (nothing written). */
int party_set(case_party *p, party_field f, const char *utf8);

#endif
