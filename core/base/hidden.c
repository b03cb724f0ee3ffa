/* hidden: which characters are invisible or reorder text (see hidden.h).
 * The format characters are Unicode 15.1's general category Cf, every one of
 * them; the table is sorted by code point and searched in order (it is short,
 * and a name is a few dozen characters). */
#include "core/base/hidden.h"

#include <stdio.h>
#include <string.h>

#include "core/base/utf8.h"

ENUM_DEFINE_KEY(hidden_char, HIDDEN_CHARS, "char.format")

static const char *const hidden_english[] = { HIDDEN_CHARS(ENUM_COL3) };

const char *hidden_char_english(hidden_char h)
{
	return names_at(hidden_english, HC_COUNT, (int)h, "an invisible character");
}

static const struct {
	long lo, hi;
	hidden_char kind;
} ranges[] = {
	{ 0x0000, 0x001F, HC_CONTROL },
	{ 0x007F, 0x009F, HC_CONTROL },
	{ 0x00AD, 0x00AD, HC_SHY },
	{ 0x034F, 0x034F, HC_BLANK },   /* COMBINING GRAPHEME JOINER */
	{ 0x0600, 0x0605, HC_FORMAT },  /* Arabic number signs */
	{ 0x061C, 0x061C, HC_ALM },
	{ 0x06DD, 0x06DD, HC_FORMAT },
	{ 0x070F, 0x070F, HC_FORMAT },
	{ 0x0890, 0x0891, HC_FORMAT },
	{ 0x08E2, 0x08E2, HC_FORMAT },
	{ 0x115F, 0x1160, HC_BLANK },   /* HANGUL CHOSEONG / JUNGSEONG FILLER */
	{ 0x17B4, 0x17B5, HC_BLANK },   /* KHMER VOWEL INHERENT AQ / AA */
	{ 0x180E, 0x180E, HC_FORMAT },  /* MONGOLIAN VOWEL SEPARATOR */
	{ 0x200B, 0x200B, HC_ZWSP },
	{ 0x200C, 0x200C, HC_ZWNJ },
	{ 0x200D, 0x200D, HC_ZWJ },
	{ 0x200E, 0x200E, HC_LRM },
	{ 0x200F, 0x200F, HC_RLM },
	{ 0x2028, 0x2028, HC_LS },
	{ 0x2029, 0x2029, HC_PS },
	{ 0x202A, 0x202A, HC_LRE },
	{ 0x202B, 0x202B, HC_RLE },
	{ 0x202C, 0x202C, HC_PDF },
	{ 0x202D, 0x202D, HC_LRO },
	{ 0x202E, 0x202E, HC_RLO },
	{ 0x2060, 0x2060, HC_WJ },
	{ 0x2061, 0x2064, HC_FORMAT },  /* invisible times, separator, plus ... */
	{ 0x2066, 0x2066, HC_LRI },
	{ 0x2067, 0x2067, HC_RLI },
	{ 0x2068, 0x2068, HC_FSI },
	{ 0x2069, 0x2069, HC_PDI },
	{ 0x206A, 0x206F, HC_FORMAT },  /* deprecated shaping controls */
	{ 0x3164, 0x3164, HC_BLANK },   /* HANGUL FILLER */
	{ 0xFEFF, 0xFEFF, HC_BOM },
	{ 0xFFA0, 0xFFA0, HC_BLANK },   /* HALFWIDTH HANGUL FILLER */
	{ 0xFFF9, 0xFFFB, HC_FORMAT },  /* interlinear annotation */
	{ 0x110BD, 0x110BD, HC_FORMAT },
	{ 0x110CD, 0x110CD, HC_FORMAT },
	{ 0x13430, 0x1343F, HC_FORMAT }, /* Egyptian hieroglyph format controls */
	{ 0x1BCA0, 0x1BCA3, HC_FORMAT }, /* shorthand format controls */
	{ 0x1D173, 0x1D17A, HC_FORMAT }, /* musical symbol format controls */
	{ 0xE0001, 0xE0001, HC_TAG },
	{ 0xE0020, 0xE007F, HC_TAG },    /* tags: ASCII that shows as nothing */
};

hidden_char hidden_char_of(long cp)
{
	for (size_t i = 0; i < sizeof ranges / sizeof ranges[0] && cp >= ranges[i].lo; i++)
		if (cp <= ranges[i].hi)
			return ranges[i].kind;
	return HC_NONE;
}

bool hidden_find(const char *s, hidden_hit *hit)
{
	if (!s)
		return false;
	size_t left = strlen(s);
	int pos = 0;
	while (left > 0) {
		long cp;
		size_t k = utf8_next(s, left, &cp);
		pos++;
		if (!k) {
			k = 1;
		} else {
			hidden_char h = hidden_char_of(cp);
			if (h != HC_NONE) {
				if (hit)
					*hit = (hidden_hit){ pos, cp, h };
				return true;
			}
		}
		s += k;
		left -= k;
	}
	return false;
}

const char *hidden_describe(const hidden_hit *hit, char *buf, size_t n)
{
	if (n)
		snprintf(buf, n, "U+%04lX %s at character %d", (unsigned long)hit->cp,
			 hidden_char_english(hit->kind), hit->pos);
	return buf;
}
