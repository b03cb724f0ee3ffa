/* form: the customer and agent form, loaded from kiosk-config/forms.ini: which
 * fields a case asks for, in what order, their labels, and the validator bound
 * to each field type. form_check_field() is what the screen calls as the clerk
 * types; it renders the reason in the clerk's language. form_load() returns an
 * owned spec; form_free() releases it. */
#ifndef FORMS_FORM_H
#define FORMS_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/base/err.h"
#include "core/base/names.h"
#include "core/base/strings.h"
#include "core/case/validate.h"

#define FIELD_TYPES(X)                                                  \
	X(FT_TEXT,        "text")        /* free text, max_chars */       \
	X(FT_USCC,        "uscc")        /* validate_uscc */              \
	X(FT_ORGCODE,     "orgcode")     /* validate_orgcode */           \
	X(FT_RESIDENT_ID, "resident_id") /* validate_resident_id */       \
	X(FT_MOBILE,      "mobile")      /* validate_mobile */            \
	X(FT_DATE,        "date")        /* YYYY-MM-DD, a real date */    \
	X(FT_INT,         "int")         /* whole number in [min, max] */ \
	X(FT_CHOICE,      "choice")      /* one of choices */

/* field_type_name(): the forms.ini word ("?" out of range); _from_name(). */
ENUM_DECLARE_WORD(field_type, FIELD_TYPES, FT_COUNT);

/* What form_check_field() says beyond the validators' reasons (VAL_REASONS), as
 * UI string keys. Parameters: {field} {len} {want_len} {pos} {got} {min} {max}
 * {choices} {char}. */
#define FIELD_MESSAGES(X)                                                             \
	X(FM_TOO_LONG,     "field.too_long")     /* {len} characters, at most {want_len} */ \
	X(FM_BAD_UTF8,     "field.bad_utf8")     /* broken character at {pos} */          \
	X(FM_HIDDEN_CHAR,  "field.hidden_char")  /* {got} = U+202E at {pos}, {char} its name */ \
	X(FM_BAD_DATE,     "field.bad_date")     /* {got} is not a real YYYY-MM-DD */     \
	X(FM_NOT_INT,      "field.not_int")      /* {got} is not a whole number */        \
	X(FM_OUT_OF_RANGE, "field.out_of_range") /* {got} outside {min}..{max} */         \
	X(FM_NOT_CHOICE,   "field.not_choice")   /* {got} is not one of {choices} */

/* field_message_key(): "field.unknown" out of range. */
ENUM_DECLARE_KEY(field_message, FIELD_MESSAGES, FM_COUNT);

typedef struct field_spec {
	char *id;                 /* "unit_name", "uscc", "agent_mobile" ... */
	char *label[LANG_COUNT];
	field_type type;
	bool required;
	int max_chars;            /* characters, not bytes (FT_TEXT) */
	long min, max;            /* FT_INT */
	char **choices;           /* FT_CHOICE ids */
	size_t n_choices;
} field_spec;

typedef struct form_spec {
	char *id;                 /* "case" */
	field_spec *fields;
	size_t n_fields;
} form_spec;

/* Load <dir>/forms.ini. err names file:line on failure. */
form_spec *form_load(const char *dir, kerr *err);
void form_free(form_spec *f);
const field_spec *form_field(const form_spec *f, const char *id);

/* Check one typed value. On success returns true and, when norm is given,
 * writes the normalised value (upper-cased USCC, bare mobile). On failure
 * returns false and writes the reason in the clerk's language into msg, naming
 * the field and the position at fault. today_ymd is YYYYMMDD for dates.
 * Free text (a name) refuses control characters and the characters a reader
 * cannot see or that reorder the text (core/base/hidden.h), naming the one
 * found: "单位名称第5个字符是不可见的控制字符 U+202E（从右到左覆盖）…". */
bool form_check_field(const field_spec *fs, const char *value, int today_ymd,
		      const strings *str, lang lg, char *norm, size_t norm_n,
		      char *msg, size_t msg_n);

#endif
