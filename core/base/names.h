/* names: the one generator of an enum and its word and UI-key lookups, from
 * the enum's X-table (after tig's DEFINE_ENUM). Every closed set of the kiosk
 * (service kinds, steps, statuses, roles, payment states ...) is declared once
 * as a table, and this file turns it into the enum and its functions, so that
 * name -> enum and enum -> name behave the same everywhere.
 *
 * A table is a macro of rows X(ENUM, column 2, column 3, ...), in one of
 * three shapes, named for what its columns 2 and 3 hold:
 *   WORD       X(E, "word", ...)            the word stored or configured
 *   KEY        X(E, "ui.key", ...)          the UI string key only
 *   WORD_KEY   X(E, "word", "ui.key", ...)  both
 * Further columns are the table's own (a rule, a size ...); the generator
 * skips them.
 *
 * In the header, one line declares the enum, its count and any further
 * enumerators (after the count), and the lookups:
 *   ENUM_DECLARE_WORD_KEY(case_step, CASE_STEPS, STEP_COUNT, STEP_NONE = -1);
 * gives
 *   typedef enum case_step { STEP_DETAILS, ..., STEP_COUNT, STEP_NONE = -1 } case_step;
 *   const char *case_step_name(case_step v);   the word; fallback when out of range
 *   const char *case_step_key(case_step v);    the UI key; fallback when out of range
 *   int case_step_from_name(const char *s);    the enum, -1 unknown (also NULL)
 * ENUM_DECLARE_WORD gives _name and _from_name, ENUM_DECLARE_KEY gives _key.
 *
 * In the .c, one line defines them, with the fixed fallbacks for values out
 * of range:
 *   ENUM_DEFINE_WORD_KEY(case_step, CASE_STEPS, "none", "step.none")
 *   ENUM_DEFINE_WORD(service_kind, SERVICE_KINDS, "?")
 *   ENUM_DEFINE_KEY(rule_verdict, RULE_VERDICTS, "rule.unknown")
 * (no semicolon after it: it ends with a function body). The word and key
 * lists are static arrays <type>_words and <type>_keys of that .c.
 *
 * Elsewhere a table's columns are read with the X-callbacks ENUM_COL1,
 * ENUM_COL2 and ENUM_COL3 (each gives that column and a comma), e.g.
 * { CASE_STEPS(ENUM_COL3) } is the list of the steps' UI keys. */
#ifndef CORE_NAMES_H
#define CORE_NAMES_H

/* Index of s among names[0..count), or -1 (also for s == NULL). */
int names_index(const char *const *names, int count, const char *s);
/* names[v], or fallback when v is out of range. */
const char *names_at(const char *const *names, int count, int v, const char *fallback);

/* ---- reading a row's columns ----
 * Rows are passed on as __VA_ARGS__ with one extra argument, so a pick never
 * leaves its own "..." empty (which C17 does not allow). */
#define ENUM_PICK1_(a, ...) a
#define ENUM_PICK2_(a, b, ...) b
#define ENUM_PICK3_(a, b, c, ...) c
#define ENUM_COL1(...) ENUM_PICK1_(__VA_ARGS__, ~),
#define ENUM_COL2(...) ENUM_PICK2_(__VA_ARGS__, ~),
#define ENUM_COL3(...) ENUM_PICK3_(__VA_ARGS__, ~),

/* ---- declarations (headers) ---- */

#define ENUM_TYPE_(type, TABLE, ...) \
	typedef enum type { TABLE(ENUM_COL1) __VA_ARGS__ } type
#define ENUM_PROTO_WORD_(type)            \
	const char *type##_name(type v);  \
	int type##_from_name(const char *s)
#define ENUM_PROTO_KEY_(type) const char *type##_key(type v)

/* The trailing arguments are the enumerators after the table's rows: the
 * count, then any others (STEP_NONE = -1). */
#define ENUM_DECLARE_WORD(type, TABLE, ...)      \
	ENUM_TYPE_(type, TABLE, __VA_ARGS__);    \
	ENUM_PROTO_WORD_(type)
#define ENUM_DECLARE_KEY(type, TABLE, ...)       \
	ENUM_TYPE_(type, TABLE, __VA_ARGS__);    \
	ENUM_PROTO_KEY_(type)
#define ENUM_DECLARE_WORD_KEY(type, TABLE, ...)  \
	ENUM_TYPE_(type, TABLE, __VA_ARGS__);    \
	ENUM_PROTO_WORD_(type);                  \
	ENUM_PROTO_KEY_(type)

/* ---- definitions (one .c) ---- */

#define ENUM_N_(list) ((int)(sizeof list / sizeof list[0]))

#define ENUM_DEFINE_NAME_(type, fallback)                                       \
	const char *type##_name(type v)                                         \
	{                                                                       \
		return names_at(type##_words, ENUM_N_(type##_words), (int)v,  \
				fallback);                                      \
	}                                                                       \
	int type##_from_name(const char *s)                                     \
	{                                                                       \
		return names_index(type##_words, ENUM_N_(type##_words), s);   \
	}
#define ENUM_DEFINE_KEY_(type, fallback)                                        \
	const char *type##_key(type v)                                          \
	{                                                                       \
		return names_at(type##_keys, ENUM_N_(type##_keys), (int)v,    \
				fallback);                                      \
	}

#define ENUM_DEFINE_WORD(type, TABLE, name_fallback)                            \
	static const char *const type##_words[] = { TABLE(ENUM_COL2) };      \
	ENUM_DEFINE_NAME_(type, name_fallback)
#define ENUM_DEFINE_KEY(type, TABLE, key_fallback)                              \
	static const char *const type##_keys[] = { TABLE(ENUM_COL2) };       \
	ENUM_DEFINE_KEY_(type, key_fallback)
#define ENUM_DEFINE_WORD_KEY(type, TABLE, name_fallback, key_fallback)          \
	static const char *const type##_words[] = { TABLE(ENUM_COL2) };      \
	static const char *const type##_keys[] = { TABLE(ENUM_COL3) };       \
	ENUM_DEFINE_NAME_(type, name_fallback)                                  \
	ENUM_DEFINE_KEY_(type, key_fallback)

#endif
