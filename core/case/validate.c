/* validate: exact checks of the identifiers a clerk types (see validate.h).
 *
 * Input is whatever the keyboard or a barcode scanner produced, so it may hold
 * Chinese or full-width characters or broken UTF-8. Positions and lengths are
 * counted in characters, not bytes, because that is what the clerk sees on the
 * screen. Leading and trailing ASCII white space is dropped (scanners append
 * CR/LF, copy-paste adds spaces); positions count from the first character kept.
 *
 * When several faults apply, the one reported is the one the clerk should fix
 * first: the length, then the first character outside the alphabet, then the
 * date (resident ID: it points at the digits at fault, the check cannot), then
 * the check character at the end, then (USCC) the embedded organisation code's
 * own check. The overall check comes before the embedded one because it is the
 * code's own check over every position; a code that passes it but not the
 * embedded one was typed as issued and is itself wrong.
 *
 * No allocation: the input is walked in place. */
#include "core/case/validate.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/base/names.h"

ENUM_DEFINE_KEY(val_reason, VAL_REASONS, "val.unknown")

/* ---- characters -------------------------------------------------------- */

/* One character of the input: where it starts, how many bytes, its code point
 * (-1 for a byte that does not start a well-formed UTF-8 sequence). */
typedef struct vchar {
	const unsigned char *p;
	int nbytes;
	long cp;
} vchar;

static int is_cont(const unsigned char *p, const unsigned char *end, int k,
		   unsigned lo, unsigned hi)
{
	return p + k < end && p[k] >= lo && p[k] <= hi;
}

/* Decode the character at p (p < end). Well-formed UTF-8 only (RFC 3629: no
 * overlongs, no surrogates, nothing above U+10FFFF); anything else is taken as
 * one invalid byte so the walk always advances. */
static vchar utf8_at(const unsigned char *p, const unsigned char *end)
{
	vchar c = { p, 1, -1 };
	unsigned b = p[0];
	if (b < 0x80) {
		c.cp = b;
	} else if (b >= 0xC2 && b <= 0xDF) {
		if (is_cont(p, end, 1, 0x80, 0xBF)) {
			c.nbytes = 2;
			c.cp = (long)(b & 0x1F) << 6 | (p[1] & 0x3F);
		}
	} else if (b >= 0xE0 && b <= 0xEF) {
		unsigned lo = b == 0xE0 ? 0xA0 : 0x80, hi = b == 0xED ? 0x9F : 0xBF;
		if (is_cont(p, end, 1, lo, hi) && is_cont(p, end, 2, 0x80, 0xBF)) {
			c.nbytes = 3;
			c.cp = (long)(b & 0x0F) << 12 | (long)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
		}
	} else if (b >= 0xF0 && b <= 0xF4) {
		unsigned lo = b == 0xF0 ? 0x90 : 0x80, hi = b == 0xF4 ? 0x8F : 0xBF;
		if (is_cont(p, end, 1, lo, hi) && is_cont(p, end, 2, 0x80, 0xBF) &&
		    is_cont(p, end, 3, 0x80, 0xBF)) {
			c.nbytes = 4;
			c.cp = (long)(b & 0x07) << 18 | (long)(p[1] & 0x3F) << 12 |
			       (long)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
		}
	}
	return c;
}

static int is_trim_space(unsigned char b)
{
	return b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == '\v' || b == '\f';
}

/* The typed value without its surrounding white space, and its length in
 * characters (saturating: a pasted novel must not overflow an int). */
typedef struct span {
	const unsigned char *b, *e;
	int nchars;
} span;

static span span_of(const char *s)
{
	span sp = { NULL, NULL, 0 };
	if (!s)
		return sp;
	const unsigned char *b = (const unsigned char *)s;
	const unsigned char *e = b + strlen(s);
	while (b < e && is_trim_space(*b))
		b++;
	while (e > b && is_trim_space(e[-1]))
		e--;
	sp.b = b;
	sp.e = e;
	for (const unsigned char *p = b; p < e; p += utf8_at(p, e).nbytes)
		if (sp.nchars < INT_MAX)
			sp.nchars++;
	return sp;
}

/* ---- filling the result ------------------------------------------------ */

static void result_init(val_result *r, int want_len)
{
	memset(r, 0, sizeof *r);
	r->want_len = want_len;
}

static bool fail(val_result *r, val_reason why, int pos)
{
	r->reason = why;
	r->pos = pos;
	r->norm[0] = '\0';
	return false;
}

/* The offending character as typed; a broken byte shows as \xNN so the message
 * stays valid UTF-8. */
static void set_got(val_result *r, vchar c)
{
	if (c.cp < 0)
		snprintf(r->got, sizeof r->got, "\\x%02X", c.p[0]);
	else {
		memcpy(r->got, c.p, (size_t)c.nbytes);
		r->got[c.nbytes] = '\0';
	}
}

static bool fail_char(val_result *r, val_reason why, int pos, vchar c, char want)
{
	set_got(r, c);
	if (want) {
		r->want[0] = want;
		r->want[1] = '\0';
	}
	return fail(r, why, pos);
}

static bool ok(val_result *r, const char *norm, int len)
{
	r->reason = VAL_OK;
	r->pos = 0;
	r->len = len;
	memcpy(r->norm, norm, (size_t)len);
	r->norm[len] = '\0';
	return true;
}

/* Common start of the fixed-length codes: empty and length. Returns false
 * (result filled) when either applies. */
static bool check_len(const span *sp, val_result *r)
{
	r->len = sp->nchars;
	if (sp->nchars == 0)
		return fail(r, VAL_EMPTY, 0);
	if (sp->nchars != r->want_len)
		return fail(r, VAL_LENGTH, 0);
	return true;
}

static char upper_ascii(long cp)
{
	return (char)(cp >= 'a' && cp <= 'z' ? cp - 'a' + 'A' : cp);
}

/* ---- USCC (GB 32100-2015) ---------------------------------------------- */

#define USCC_LEN 18
static const char uscc_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int uscc_weights[17] = { 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28 };

/* Value of a USCC character (either case), -1 outside the alphabet. */
static int uscc_value(long cp)
{
	char c = upper_ascii(cp);
	if (cp <= 0 || cp > 127 || c == '\0')
		return -1;
	const char *hit = strchr(uscc_alphabet, c);
	return hit ? (int)(hit - uscc_alphabet) : -1;
}

char uscc_check_char(const char *first17)
{
	if (!first17)
		return '\0';
	int sum = 0;
	for (int i = 0; i < 17; i++) {
		int v = uscc_value((unsigned char)first17[i]);
		if (v < 0)
			return '\0';
		sum += v * uscc_weights[i];
	}
	return uscc_alphabet[(31 - sum % 31) % 31];
}

/* ---- organisation code (GB 11714) --------------------------------------- */

#define ORG_LEN 9
static const int org_weights[8] = { 3, 7, 9, 10, 5, 8, 4, 2 };

/* 0-9 then A=10 ... Z=35, either case; -1 otherwise. */
static int org_value(long cp)
{
	if (cp >= '0' && cp <= '9')
		return (int)(cp - '0');
	char c = upper_ascii(cp);
	if (cp < 128 && c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return -1;
}

char orgcode_check_char(const char *first8)
{
	if (!first8)
		return '\0';
	int sum = 0;
	for (int i = 0; i < 8; i++) {
		int v = org_value((unsigned char)first8[i]);
		if (v < 0)
			return '\0';
		sum += v * org_weights[i];
	}
	int c = 11 - sum % 11;
	return c == 10 ? 'X' : c == 11 ? '0' : (char)('0' + c);
}

static bool is_digit_or_x(long cp)
{
	return (cp >= '0' && cp <= '9') || cp == 'X' || cp == 'x';
}

bool validate_uscc(const char *s, val_result *r)
{
	val_result scratch;
	if (!r)
		r = &scratch;
	result_init(r, USCC_LEN);
	span sp = span_of(s);
	if (!check_len(&sp, r))
		return false;

	vchar at[USCC_LEN];
	char up[USCC_LEN + 1];
	const unsigned char *p = sp.b;
	for (int i = 0; i < USCC_LEN; i++) {
		at[i] = utf8_at(p, sp.e);
		p += at[i].nbytes;
		if (uscc_value(at[i].cp) < 0)
			return fail_char(r, VAL_BAD_CHAR, i + 1, at[i], 0);
		up[i] = upper_ascii(at[i].cp);
	}
	up[USCC_LEN] = '\0';

	char want = uscc_check_char(up);
	if (up[17] != want)
		return fail_char(r, VAL_CHECK, 18, at[17], want);
	/* Positions 9-17 are an organisation code with its own check (always
	 * 0-9 or X, so a letter there fails it too). */
	char org_want = orgcode_check_char(up + 8);
	if (up[16] != org_want)
		return fail_char(r, VAL_ORG_CHECK, 17, at[16], org_want);
	return ok(r, up, USCC_LEN);
}

bool validate_orgcode(const char *s, val_result *r)
{
	val_result scratch;
	if (!r)
		r = &scratch;
	result_init(r, ORG_LEN);
	span sp = span_of(s);

	/* "12345678-9" as printed on old certificates: the dash is dropped and
	 * positions stay as typed. */
	vchar at[ORG_LEN];
	bool dash = false;
	if (sp.nchars == ORG_LEN + 1) {
		const unsigned char *p = sp.b;
		for (int i = 0; i < 8; i++)
			p += utf8_at(p, sp.e).nbytes;
		dash = *p == '-';
	}
	if (dash)
		r->len = sp.nchars;
	else if (!check_len(&sp, r))
		return false;

	char up[ORG_LEN + 1];
	const unsigned char *p = sp.b;
	int n = 0;
	for (int i = 0; i < sp.nchars; i++) {
		vchar c = utf8_at(p, sp.e);
		p += c.nbytes;
		if (dash && i == 8)
			continue; /* the '-' */
		at[n] = c;
		bool good = n < 8 ? org_value(c.cp) >= 0 : is_digit_or_x(c.cp);
		if (!good)
			return fail_char(r, VAL_BAD_CHAR, i + 1, c, 0);
		up[n++] = upper_ascii(c.cp);
	}
	up[ORG_LEN] = '\0';

	char want = orgcode_check_char(up);
	if (up[8] != want)
		return fail_char(r, VAL_CHECK, sp.nchars, at[8], want);
	return ok(r, up, ORG_LEN);
}

/* ---- resident ID (GB 11643-1999) ---------------------------------------- */

#define ID_LEN 18
static const int id_weights[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
static const char id_checks[] = "10X98765432";

char resident_id_check_char(const char *first17)
{
	if (!first17)
		return '\0';
	int sum = 0;
	for (int i = 0; i < 17; i++) {
		if (first17[i] < '0' || first17[i] > '9')
			return '\0';
		sum += (first17[i] - '0') * id_weights[i];
	}
	return id_checks[sum % 11];
}

static int digits_value(const char *d, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (d[i] - '0');
	return v;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

bool validate_resident_id(const char *s, int today_ymd, val_result *r)
{
	val_result scratch;
	if (!r)
		r = &scratch;
	result_init(r, ID_LEN);
	span sp = span_of(s);
	if (!check_len(&sp, r))
		return false;

	vchar at[ID_LEN];
	char up[ID_LEN + 1];
	const unsigned char *p = sp.b;
	for (int i = 0; i < ID_LEN; i++) {
		at[i] = utf8_at(p, sp.e);
		p += at[i].nbytes;
		long cp = at[i].cp;
		bool good = i < 17 ? cp >= '0' && cp <= '9' : is_digit_or_x(cp);
		if (!good)
			return fail_char(r, VAL_BAD_CHAR, i + 1, at[i], 0);
		up[i] = upper_ascii(cp);
	}
	up[ID_LEN] = '\0';

	/* Date of birth, digits 7-14; the position names the part at fault. */
	int y = digits_value(up + 6, 4), m = digits_value(up + 10, 2), d = digits_value(up + 12, 2);
	snprintf(r->date, sizeof r->date, "%.4s-%.2s-%.2s", up + 6, up + 10, up + 12);
	if (y < 1900)
		return fail(r, VAL_BAD_DATE, 7);
	if (m < 1 || m > 12)
		return fail(r, VAL_BAD_DATE, 11);
	if (d < 1 || d > days_in_month(y, m))
		return fail(r, VAL_BAD_DATE, 13);
	if (y * 10000 + m * 100 + d > today_ymd)
		return fail(r, VAL_FUTURE_DATE, 7);
	r->date[0] = '\0'; /* only meaningful for date reasons */

	char want = resident_id_check_char(up);
	if (up[17] != want)
		return fail_char(r, VAL_CHECK, 18, at[17], want);
	return ok(r, up, ID_LEN);
}

/* ---- mobile ------------------------------------------------------------- */

#define MOBILE_LEN 11

/* Positions and len refer to what was typed until the clean-up succeeds (a bad
 * character), and to the bare number after it (length, 1[3-9] prefix): "the
 * 2nd digit must be 3-9" is clearer than a position counted over "+86 " and
 * dashes. */
bool validate_mobile(const char *s, val_result *r)
{
	val_result scratch;
	if (!r)
		r = &scratch;
	result_init(r, MOBILE_LEN);
	span sp = span_of(s);
	r->len = sp.nchars;
	if (sp.nchars == 0)
		return fail(r, VAL_EMPTY, 0);

	char dig[MOBILE_LEN + 8]; /* enough for "0086" + 11 and a few over */
	int nd = 0;
	bool plus = false;
	vchar plus_at = { NULL, 0, 0 };
	const unsigned char *p = sp.b;
	for (int pos = 1; p < sp.e; pos++) {
		vchar c = utf8_at(p, sp.e);
		p += c.nbytes;
		if (c.cp >= '0' && c.cp <= '9') {
			if (nd < (int)sizeof dig)
				dig[nd] = (char)c.cp;
			if (nd < INT_MAX)
				nd++;
		} else if (c.cp == ' ' || c.cp == '-') {
			continue;
		} else if (c.cp == '+' && pos == 1) {
			plus = true;
			plus_at = c;
		} else {
			return fail_char(r, VAL_BAD_CHAR, pos, c, 0);
		}
	}

	int skip = 0;
	if (plus) {
		/* '+' only ever introduces +86: another country is not a mainland mobile */
		if (nd < 2 || dig[0] != '8' || dig[1] != '6')
			return fail_char(r, VAL_BAD_CHAR, 1, plus_at, 0);
		skip = 2;
	} else if (nd >= 4 && memcmp(dig, "0086", 4) == 0) {
		skip = 4;
	}
	int n = nd - skip;
	r->len = n;
	if (n != MOBILE_LEN)
		return fail(r, VAL_LENGTH, 0);
	const char *bare = dig + skip;
	if (bare[0] != '1') {
		vchar c = { (const unsigned char *)bare, 1, bare[0] };
		return fail_char(r, VAL_MOBILE, 1, c, 0);
	}
	if (bare[1] < '3') {
		vchar c = { (const unsigned char *)bare + 1, 1, bare[1] };
		return fail_char(r, VAL_MOBILE, 2, c, 0);
	}
	return ok(r, bare, MOBILE_LEN);
}
