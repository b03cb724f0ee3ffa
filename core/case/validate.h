/* validate: the identifiers a clerk types, checked exactly as their national
 * standards define them (USCC GB 32100-2015 with its embedded organisation code
 * GB 11714, resident ID GB 11643-1999, mainland mobile numbers). A failed check
 * says why in a val_result: a reason code, the 1-based position at fault and the
 * expected and actual character, which strings_render() turns into the clerk's
 * language. Pure functions, no allocation. */
#ifndef CORE_VALIDATE_H
#define CORE_VALIDATE_H

#include <stdbool.h>

#include "core/base/names.h"

/* Reason codes, declared once: enum name and the UI string key that explains it.
 * String parameters available to every message: {field} {len} {want_len} {pos}
 * {got} {want} {date}. */
#define VAL_REASONS(X)                                                          \
	X(VAL_OK,          "val.ok")          /* valid */                           \
	X(VAL_EMPTY,       "val.empty")       /* nothing typed */                   \
	X(VAL_LENGTH,      "val.length")      /* {len} characters, {want_len} needed */ \
	X(VAL_BAD_CHAR,    "val.bad_char")    /* {got} at {pos} not allowed */      \
	X(VAL_CHECK,       "val.check")       /* check char at {pos}: {want}, not {got} */ \
	X(VAL_ORG_CHECK,   "val.org_check")   /* embedded org code check at {pos} */ \
	X(VAL_BAD_DATE,    "val.bad_date")    /* digits 7-14 {date} not a real date */ \
	X(VAL_FUTURE_DATE, "val.future_date") /* date of birth {date} after today */ \
	X(VAL_MOBILE,      "val.mobile")      /* not 1[3-9] + 9 digits after cleanup */

/* val_reason_key(): UI string key of a reason ("val.check"), "val.unknown"
 * out of range. */
ENUM_DECLARE_KEY(val_reason, VAL_REASONS, VAL_REASON_COUNT);

typedef struct val_result {
	val_reason reason;
	int pos;          /* 1-based position at fault, 0 when not about one position */
	int len;          /* length seen (characters after normalisation) */
	int want_len;     /* length required */
	char got[8];      /* the offending character as typed (UTF-8), "" if none */
	char want[4];     /* the expected check character, "" if none */
	char date[11];    /* YYYY-MM-DD for date reasons */
	char norm[24];    /* normalised value on success (upper-cased, mobile stripped) */
} val_result;

/* Unified social credit code: 18 of 0-9 A-H J-N P-R T U W-Y, check at 18, and
 * the organisation code in positions 9-17 carries its own valid check. Lower
 * case is accepted and upper-cased into norm. */
bool validate_uscc(const char *s, val_result *r);
/* Organisation code: 8 of 0-9A-Z and a check of 0-9X (an optional '-' before
 * the check is accepted, as printed on old certificates). */
bool validate_orgcode(const char *s, val_result *r);
/* Resident ID: 17 digits and a check of 0-9X; digits 7-14 a real date not after
 * today (YYYYMMDD as an integer, e.g. 20261121). */
bool validate_resident_id(const char *s, int today_ymd, val_result *r);
/* Mobile: strip +86/0086, spaces and dashes, then ^1[3-9][0-9]{9}$. */
bool validate_mobile(const char *s, val_result *r);

/* Check character a USCC's first 17 characters call for ('\0' when they hold a
 * character outside the alphabet). Used by tests and the demo data maker. */
char uscc_check_char(const char *first17);
char orgcode_check_char(const char *first8);
char resident_id_check_char(const char *first17);

#endif
