/* anchor: the day anchor's message and exported file, built and parsed
 * strictly (see anchor.h). Every value has one spelling (no leading zeros,
 * lower-case hex, single spaces, LF line ends), so a parsed anchor formats
 * back to the very bytes that were signed. */
#include "core/audit/anchor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base/civil.h"

ENUM_DEFINE_WORD(anchor_count, ANCHOR_COUNTS, "?")

static bool kiosk_id_ok(const char *s, size_t n)
{
	if (n < 1 || n > ANCHOR_KIOSK_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* A canonical non-negative decimal of n bytes: 1-19 digits, no leading zero
 * (except "0" itself), at most INT64_MAX. */
static bool decimal(const char *s, size_t n, int64_t *out)
{
	if (n < 1 || n > 19 || (n > 1 && s[0] == '0'))
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	/* 19 digits cannot wrap a uint64_t, but may pass INT64_MAX */
	if (v > (uint64_t)INT64_MAX)
		return false;
	*out = (int64_t)v;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* upper case is not canonical */
}

/* n lower-case hex characters into n/2 bytes. */
static bool unhex(const char *s, size_t n, uint8_t *out)
{
	if (n % 2)
		return false;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hx[b[i] >> 4];
		out[2 * i + 1] = hx[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/* ---- counts ---- */

int anchor_counts_n(int version)
{
	return version == 1 ? ANCHOR_V1_COUNTS : version == 2 ? AC_COUNT : 0;
}

int anchor_counts_format(const int64_t counts[AC_COUNT], int version, char *buf, size_t n,
			 kerr *err)
{
	size_t used = 0;
	int nc = anchor_counts_n(version);
	if (n)
		buf[0] = '\0';
	if (!nc)
		return kerr_set(err, "anchor counts", "anchor version %d does not exist (1 or 2)",
				version);
	for (int i = 0; i < nc; i++) {
		if (counts[i] < 0)
			return kerr_set(err, "anchor counts", "count %s is negative (%lld)",
					anchor_count_words[i], (long long)counts[i]);
		int w = snprintf(buf + used, n - used, "%s%s=%lld", i ? "," : "",
				 anchor_count_words[i], (long long)counts[i]);
		if (w < 0 || (size_t)w >= n - used)
			return kerr_set(err, "anchor counts", "the counts do not fit %zu bytes", n);
		used += (size_t)w;
	}
	return 0;
}

/* " cases open ... refunded_fen", from the table, for the messages */
#define ORDER_X(e, name) " " name
#define COUNTS_ORDER ANCHOR_COUNTS(ORDER_X)

/* Parse n bytes of counts text: v1's counts, then v2's last one if given. */
static int counts_parse_n(const char *s, size_t n, int64_t counts[AC_COUNT], int *version,
			  const char *where, kerr *err)
{
	size_t pos = 0;
	memset(counts, 0, sizeof(int64_t) * AC_COUNT);
	int nc = AC_COUNT;
	for (int i = 0; i < nc; i++) {
		if (i == ANCHOR_V1_COUNTS && pos == n) {
			nc = ANCHOR_V1_COUNTS; /* a v1 anchor's counts end here */
			break;
		}
		const char *name = anchor_count_words[i];
		size_t nl = strlen(name);
		if (i > 0) {
			if (pos >= n || s[pos] != ',')
				return kerr_set(err, where, "counts: expected ',%s=' at character %zu (the "
						"counts are, in this order:" COUNTS_ORDER ")", name, pos + 1);
			pos++;
		}
		if (n - pos < nl + 1 || memcmp(s + pos, name, nl) != 0 || s[pos + nl] != '=')
			return kerr_set(err, where, "counts: expected '%s=' at character %zu (the "
					"counts are, in this order:" COUNTS_ORDER ")", name, pos + 1);
		pos += nl + 1;
		size_t end = pos;
		while (end < n && s[end] != ',')
			end++;
		if (!decimal(s + pos, end - pos, &counts[i]))
			return kerr_set(err, where, "counts: %s must be a whole number without "
					"leading zeros", name);
		pos = end;
	}
	if (pos != n)
		return kerr_set(err, where, "counts: unexpected text after %s (character %zu)",
				anchor_count_words[nc - 1], pos + 1);
	if (version)
		*version = nc == AC_COUNT ? 2 : 1;
	return 0;
}

int anchor_counts_parse(const char *s, int64_t counts[AC_COUNT], int *version, const char *where,
			kerr *err)
{
	if (!s)
		return kerr_set(err, where, "counts: none given");
	return counts_parse_n(s, strlen(s), counts, version, where, err);
}

/* ---- the message ---- */

int anchor_message_format(const char *kiosk_id, long day, int64_t last_seq,
			  const uint8_t head[AUDIT_HASH_LEN], const char *counts_text, char *buf,
			  size_t n, kerr *err)
{
	if (n)
		buf[0] = '\0';
	if (!kiosk_id || !kiosk_id_ok(kiosk_id, strlen(kiosk_id)))
		return kerr_set(err, "anchor", "kiosk id '%.40s' is not 1-24 of A-Z a-z 0-9 _ -",
				kiosk_id ? kiosk_id : "");
	if (last_seq < 1)
		return kerr_set(err, "anchor", "last_seq must be at least 1, not %lld",
				(long long)last_seq);
	int64_t tmp[AC_COUNT];
	int version = 0;
	if (anchor_counts_parse(counts_text, tmp, &version, "anchor", err))
		return -1;
	char date[16], hx[2 * AUDIT_HASH_LEN + 1];
	civil_format(day, date, sizeof date);
	long back;
	if (!civil_parse(date, &back) || back != day)
		return kerr_set(err, "anchor", "day %ld is not a date from 1900 to 9999", day);
	hex(head, AUDIT_HASH_LEN, hx);
	int w = snprintf(buf, n, ANCHOR_PREFIX "%d kiosk=%s day=%s last_seq=%lld head=%s counts=%s",
			 version, kiosk_id, date, (long long)last_seq, hx, counts_text);
	if (w < 0 || (size_t)w >= n) {
		if (n)
			buf[0] = '\0';
		return kerr_set(err, "anchor", "the message does not fit %zu bytes", n);
	}
	return 0;
}

/* Take "key=value" at *pos of s[0..n); the value runs to the next space (or
 * the end when last). Moves *pos past it and its following space. */
static int take_field(const char *s, size_t n, size_t *pos, const char *key, bool last,
		      const char **val, size_t *vlen, const char *where, kerr *err)
{
	size_t kl = strlen(key);
	if (n - *pos < kl + 1 || memcmp(s + *pos, key, kl) != 0 || s[*pos + kl] != '=')
		return kerr_set(err, where, "expected '%s=' at character %zu (the fields are "
				"kiosk, day, last_seq, head, counts, in that order)", key, *pos + 1);
	size_t start = *pos + kl + 1, end = start;
	while (end < n && s[end] != ' ')
		end++;
	if (last && end != n)
		return kerr_set(err, where, "unexpected text after %s (character %zu)", key,
				end + 1);
	if (!last && end == n)
		return kerr_set(err, where, "the message ends after %s; fields are missing", key);
	*val = s + start;
	*vlen = end - start;
	*pos = last ? end : end + 1;
	return 0;
}

int anchor_message_parse(const char *msg, size_t len, const char *where, anchor_rec *out,
			 kerr *err)
{
	memset(out, 0, sizeof *out);
	if (!where)
		where = "anchor";
	if (!msg || len == 0)
		return kerr_set(err, where, "the anchor message is empty");
	if (len >= ANCHOR_MESSAGE_MAX)
		return kerr_set(err, where, "the anchor message has %zu bytes; at most %d", len,
				ANCHOR_MESSAGE_MAX - 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)msg[i];
		if (c < 0x20 || c > 0x7e)
			return kerr_set(err, where, "character %zu is not printable ASCII (byte "
					"0x%02x); an anchor message is one line of ASCII", i + 1, c);
		if (c == ' ' && (i == 0 || msg[i - 1] == ' '))
			return kerr_set(err, where, "extra space at character %zu", i + 1);
	}
	size_t pl = strlen(ANCHOR_PREFIX);
	if (len < pl + 2 || memcmp(msg, ANCHOR_PREFIX, pl) != 0 ||
	    (msg[pl] != '1' && msg[pl] != '2') || msg[pl + 1] != ' ')
		return kerr_set(err, where, "not a v1 or v2 anchor: the message must start with '"
				ANCHOR_PREFIX "1 ' or '" ANCHOR_PREFIX "2 '");
	anchor_rec a;
	memset(&a, 0, sizeof a);
	a.version = msg[pl] - '0';
	size_t pos = pl + 2;
	const char *v;
	size_t vl;

	if (take_field(msg, len, &pos, "kiosk", false, &v, &vl, where, err))
		return -1;
	if (!kiosk_id_ok(v, vl))
		return kerr_set(err, where, "kiosk: '%.*s' is not 1-24 of A-Z a-z 0-9 _ -",
				(int)(vl > 40 ? 40 : vl), v);
	memcpy(a.kiosk_id, v, vl);

	if (take_field(msg, len, &pos, "day", false, &v, &vl, where, err))
		return -1;
	char date[16];
	if (vl != 10)
		return kerr_set(err, where, "day: '%.*s' is not a date YYYY-MM-DD",
				(int)(vl > 40 ? 40 : vl), v);
	memcpy(date, v, 10);
	date[10] = '\0';
	if (!civil_parse(date, &a.day))
		return kerr_set(err, where, "day: '%s' is not a real date YYYY-MM-DD", date);

	if (take_field(msg, len, &pos, "last_seq", false, &v, &vl, where, err))
		return -1;
	if (!decimal(v, vl, &a.last_seq) || a.last_seq < 1)
		return kerr_set(err, where, "last_seq: must be a whole number from 1, without "
				"leading zeros");

	if (take_field(msg, len, &pos, "head", false, &v, &vl, where, err))
		return -1;
	if (vl != 2 * AUDIT_HASH_LEN || !unhex(v, vl, a.head))
		return kerr_set(err, where, "head: must be 64 lower-case hex digits");

	if (take_field(msg, len, &pos, "counts", true, &v, &vl, where, err))
		return -1;
	if (vl >= sizeof a.counts_text)
		return kerr_set(err, where, "counts: %zu bytes; at most %zu", vl,
				sizeof a.counts_text - 1);
	int cv = 0;
	if (counts_parse_n(v, vl, a.counts, &cv, where, err))
		return -1;
	if (cv != a.version)
		return kerr_set(err, where, "counts: a v%d anchor signs %d counts, these are v%d's %d",
				a.version, anchor_counts_n(a.version), cv, anchor_counts_n(cv));
	memcpy(a.counts_text, v, vl);
	memcpy(a.message, msg, len);
	*out = a;
	return 0;
}

/* ---- signing ---- */

int anchor_sign(anchor_rec *a, const kioskkey *k, kerr *err)
{
	a->sig_len = 0;
	if (!a->message[0])
		return kerr_set(err, "anchor", "no message to sign");
	if (kioskkey_sign(k, a->message, strlen(a->message), a->signature, &a->sig_len, err))
		return -1;
	snprintf(a->key_id, sizeof a->key_id, "%s", kioskkey_id(k));
	return 0;
}

bool anchor_signature_ok(const anchor_rec *a, const kioskkey *k)
{
	return a->message[0] &&
	       kioskkey_verify(k, a->message, strlen(a->message), a->signature, a->sig_len);
}

/* ---- the exported file ---- */

int anchor_file_format(const anchor_rec *a, char *buf, size_t n, kerr *err)
{
	if (n)
		buf[0] = '\0';
	if (a->sig_len == 0 || a->sig_len > KIOSKKEY_SIG_MAX)
		return kerr_set(err, "anchor", "the anchor has no signature");
	if (strlen(a->key_id) != KIOSKKEY_ID_HEX)
		return kerr_set(err, "anchor", "the anchor has no key id");
	char sig[2 * KIOSKKEY_SIG_MAX + 1];
	hex(a->signature, a->sig_len, sig);
	int w = snprintf(buf, n, "%s\nsignature=%s\nkey_id=%s\n", a->message, sig, a->key_id);
	if (w < 0 || (size_t)w >= n) {
		if (n)
			buf[0] = '\0';
		return kerr_set(err, "anchor", "the anchor file does not fit %zu bytes", n);
	}
	return 0;
}

/* The next line of data[0..len) from *pos: must end in LF, hold no CR. */
static int next_line(const char *data, size_t len, size_t *pos, int lineno, const char **line,
		     size_t *ll, const char *name, kerr *err)
{
	if (*pos >= len)
		return kerr_setf(err, name, lineno, "the file ends early: an anchor file has 3 "
				 "lines (message, signature=, key_id=)");
	const char *nl = memchr(data + *pos, '\n', len - *pos);
	if (!nl)
		return kerr_setf(err, name, lineno, "the line does not end with a line feed: the "
				 "file is cut short");
	*line = data + *pos;
	*ll = (size_t)(nl - *line);
	if (*ll && (*line)[*ll - 1] == '\r')
		return kerr_setf(err, name, lineno, "the line ends with CR LF: anchor files use LF "
				 "only (was it saved by a Windows editor?)");
	*pos = (size_t)(nl - data) + 1;
	return 0;
}

int anchor_file_parse(const char *data, size_t len, const char *name, anchor_rec *out,
		      kerr *err)
{
	memset(out, 0, sizeof *out);
	if (!name)
		name = "anchor file";
	if (!data || len == 0)
		return kerr_setf(err, name, 0, "the anchor file is empty");
	if (len > ANCHOR_FILE_MAX)
		return kerr_setf(err, name, 0, "%zu bytes is too long for an anchor file (at most "
				 "%d)", len, ANCHOR_FILE_MAX);
	if (memchr(data, '\0', len))
		return kerr_setf(err, name, 0, "the file holds a NUL byte: not an anchor file");
	size_t pos = 0, ll;
	const char *line;
	char where[400];
	anchor_rec a;

	if (next_line(data, len, &pos, 1, &line, &ll, name, err))
		return -1;
	snprintf(where, sizeof where, "%.380s:1", name);
	if (anchor_message_parse(line, ll, where, &a, err))
		return -1;

	if (next_line(data, len, &pos, 2, &line, &ll, name, err))
		return -1;
	static const char sk[] = "signature=";
	if (ll < sizeof sk - 1 || memcmp(line, sk, sizeof sk - 1) != 0)
		return kerr_setf(err, name, 2, "expected 'signature=' and the signature in hex");
	size_t sl = ll - (sizeof sk - 1);
	if (sl == 0 || sl > 2 * KIOSKKEY_SIG_MAX || !unhex(line + sizeof sk - 1, sl, a.signature))
		return kerr_setf(err, name, 2, "the signature must be 2 to %d lower-case hex "
				 "digits, an even number", 2 * KIOSKKEY_SIG_MAX);
	a.sig_len = sl / 2;

	if (next_line(data, len, &pos, 3, &line, &ll, name, err))
		return -1;
	static const char kk[] = "key_id=";
	uint8_t id[KIOSKKEY_ID_HEX / 2];
	if (ll < sizeof kk - 1 || memcmp(line, kk, sizeof kk - 1) != 0)
		return kerr_setf(err, name, 3, "expected 'key_id=' and the key id");
	if (ll - (sizeof kk - 1) != KIOSKKEY_ID_HEX || !unhex(line + sizeof kk - 1, KIOSKKEY_ID_HEX, id))
		return kerr_setf(err, name, 3, "the key id must be 64 lower-case hex digits");
	memcpy(a.key_id, line + sizeof kk - 1, KIOSKKEY_ID_HEX);
	a.key_id[KIOSKKEY_ID_HEX] = '\0';

	if (pos != len)
		return kerr_setf(err, name, 4, "unexpected text after the key id: an anchor file "
				 "has exactly 3 lines");
	*out = a;
	return 0;
}

int anchor_file_read(const char *path, anchor_rec *out, kerr *err)
{
	memset(out, 0, sizeof *out);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return kerr_set(err, path, "cannot open the anchor file: %s", strerror(errno));
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return kerr_set(err, path, "not a regular file: give the .anchor file itself");
	}
	char buf[ANCHOR_FILE_MAX + 1];
	size_t got = 0;
	for (;;) {
		ssize_t r = read(fd, buf + got, sizeof buf - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			return kerr_set(err, path, "cannot read the anchor file: %s", strerror(e));
		}
		if (r == 0 || (got += (size_t)r) == sizeof buf)
			break;
	}
	close(fd);
	return anchor_file_parse(buf, got, path, out, err);
}
