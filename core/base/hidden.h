/* hidden: the characters a name must not hold because whoever reads it cannot
 * see them or they rearrange the text around them: control characters (Cc),
 * the bidirectional controls (an RLO turns "公司ABC" into "公司CBA" on a
 * screen, a slip or a spreadsheet), zero-width and other format characters
 * (Cf), the line and paragraph separators, and the letters that draw as
 * nothing (Hangul fillers and the like). Two names that look the same on a
 * slip must be the same text.
 *
 * Each kind is a row of HIDDEN_CHARS: enum, UI string key (the character's
 * name in the clerk's language, kiosk-config/strings/), and its English name
 * for operators' messages. hidden_char_of() says which kind a code point is;
 * hidden_find() finds the first one in a text. Pure functions, no allocation.
 *
 * Not refused, on purpose: variation selectors (U+FE00-FE0F, U+E0100-E01EF:
 * a rare Chinese character's variant may need one) and Mongolian free
 * variation selectors (U+180B-180D, U+180F: Mongolian script needs them);
 * these combine with the character before them and cannot hide a whole
 * word or reorder one. docs/config.md, "Names". */
#ifndef CORE_HIDDEN_H
#define CORE_HIDDEN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/base/names.h"

#define HIDDEN_CHARS(X)                                                                   \
	X(HC_CONTROL, "char.control", "a control character")        /* Cc: C0, DEL, C1 */ \
	X(HC_SHY,     "char.shy",     "SOFT HYPHEN")                 /* U+00AD */          \
	X(HC_ALM,     "char.alm",     "ARABIC LETTER MARK")          /* U+061C */          \
	X(HC_ZWSP,    "char.zwsp",    "ZERO WIDTH SPACE")            /* U+200B */          \
	X(HC_ZWNJ,    "char.zwnj",    "ZERO WIDTH NON-JOINER")       /* U+200C */          \
	X(HC_ZWJ,     "char.zwj",     "ZERO WIDTH JOINER")           /* U+200D */          \
	X(HC_LRM,     "char.lrm",     "LEFT-TO-RIGHT MARK")          /* U+200E */          \
	X(HC_RLM,     "char.rlm",     "RIGHT-TO-LEFT MARK")          /* U+200F */          \
	X(HC_LS,      "char.ls",      "LINE SEPARATOR")              /* U+2028 */          \
	X(HC_PS,      "char.ps",      "PARAGRAPH SEPARATOR")         /* U+2029 */          \
	X(HC_LRE,     "char.lre",     "LEFT-TO-RIGHT EMBEDDING")     /* U+202A */          \
	X(HC_RLE,     "char.rle",     "RIGHT-TO-LEFT EMBEDDING")     /* U+202B */          \
	X(HC_PDF,     "char.pdf",     "POP DIRECTIONAL FORMATTING")  /* U+202C */          \
	X(HC_LRO,     "char.lro",     "LEFT-TO-RIGHT OVERRIDE")      /* U+202D */          \
	X(HC_RLO,     "char.rlo",     "RIGHT-TO-LEFT OVERRIDE")      /* U+202E */          \
	X(HC_WJ,      "char.wj",      "WORD JOINER")                 /* U+2060 */          \
	X(HC_LRI,     "char.lri",     "LEFT-TO-RIGHT ISOLATE")       /* U+2066 */          \
	X(HC_RLI,     "char.rli",     "RIGHT-TO-LEFT ISOLATE")       /* U+2067 */          \
	X(HC_FSI,     "char.fsi",     "FIRST STRONG ISOLATE")        /* U+2068 */          \
	X(HC_PDI,     "char.pdi",     "POP DIRECTIONAL ISOLATE")     /* U+2069 */          \
	X(HC_BOM,     "char.bom",     "ZERO WIDTH NO-BREAK SPACE (byte order mark)") /* U+FEFF */ \
	X(HC_TAG,     "char.tag",     "a tag character")             /* U+E0001, U+E0020-E007F */ \
	X(HC_FORMAT,  "char.format",  "an invisible format character") /* the other Cf */  \
	X(HC_BLANK,   "char.blank",   "a letter that shows as nothing") /* fillers, CGJ */

/* hidden_char_key(): the UI key of a kind ("char.format" out of range). */
ENUM_DECLARE_KEY(hidden_char, HIDDEN_CHARS, HC_COUNT, HC_NONE = -1);

/* The English name of a kind, for kioskctl and the store's messages. */
const char *hidden_char_english(hidden_char h);

/* The kind of code point cp, HC_NONE for a character a reader sees (and for
 * anything that is not a code point). */
hidden_char hidden_char_of(long cp);

typedef struct hidden_hit {
	int pos;          /* 1-based, in characters */
	long cp;          /* the code point */
	hidden_char kind;
} hidden_hit;

/* The first hidden character of the UTF-8 text s (NULL as ""): true with
 * *hit filled, false when there is none. A malformed byte counts as one
 * character and is not reported: well-formedness is the caller's check. */
bool hidden_find(const char *s, hidden_hit *hit);

/* "U+202E RIGHT-TO-LEFT OVERRIDE at character 5" into buf (n bytes), for
 * operators' messages. Returns buf. */
const char *hidden_describe(const hidden_hit *hit, char *buf, size_t n);

#endif
