#include "forms/slip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/base/civil.h"

/* ---- UTF-8 and display width ---- */

/* Decode one character at s (non-empty). Returns its length in bytes (>= 1);
 * *cp is U+FFFD for an invalid or truncated sequence, which then takes 1 byte. */
static size_t u8_decode(const char *s, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	size_t len;
	uint32_t c, min;
	if ((u[0] & 0xE0) == 0xC0) {
		len = 2, c = u[0] & 0x1F, min = 0x80;
	} else if ((u[0] & 0xF0) == 0xE0) {
		len = 3, c = u[0] & 0x0F, min = 0x800;
	} else if ((u[0] & 0xF8) == 0xF0) {
		len = 4, c = u[0] & 0x07, min = 0x10000;
	} else {
		*cp = 0xFFFD;
		return 1;
	}
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xC0) != 0x80) {
			*cp = 0xFFFD;
			return 1;
		}
		c = (c << 6) | (u[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
		*cp = 0xFFFD;
		return 1;
	}
	*cp = c;
	return len;
}

/* East Asian Wide and Fullwidth (UAX #11) as terminals and receipt printers
 * draw them; ambiguous characters (“ ” — ×) count as narrow, like glibc. */
static int cp_width(uint32_t c)
{
	if (c == 0)
		return 0;
	if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) ||
	    (c >= 0xFE00 && c <= 0xFE0F))
		return 0;
	if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
	    (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
	    (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
	    (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
	    (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
	    (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
	    (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD))
		return 2;
	return 1;
}

int slip_text_width(const char *s)
{
	int w = 0;
	while (s && *s) {
		uint32_t c;
		s += u8_decode(s, &c);
		w += cp_width(c);
	}
	return w;
}

/* Punctuation that may not start a line (it sticks to what precedes it) ... */
static int is_closer(uint32_t c)
{
	static const uint32_t set[] = { 0xFF0C, 0x3002, 0x3001, 0xFF1B, 0xFF1A, 0xFF1F,
					0xFF01, 0xFF09, 0x300B, 0x300D, 0x300F, 0x3011,
					0x3009, 0x201D, 0x2019, 0xFF0E, 0x3015 };
	for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
		if (set[i] == c)
			return 1;
	return 0;
}

/* ... and that may not end one (it sticks to what follows). */
static int is_opener(uint32_t c)
{
	static const uint32_t set[] = { 0xFF08, 0x300A, 0x300C, 0x300E, 0x3010, 0x3008,
					0x201C, 0x2018, 0x3014 };
	for (size_t i = 0; i < sizeof set / sizeof set[0]; i++)
		if (set[i] == c)
			return 1;
	return 0;
}

const char *slip_mask(const char *s, size_t keep_head, size_t keep_tail, char *buf, size_t n)
{
	if (!buf || n == 0)
		return buf;
	buf[0] = '\0';
	if (!s)
		return buf;
	size_t chars = 0;
	for (const char *p = s; *p;) {
		uint32_t c;
		p += u8_decode(p, &c);
		chars++;
	}
	bool hide_all = chars <= keep_head + keep_tail;
	size_t used = 0, i = 0;
	for (const char *p = s; *p; i++) {
		uint32_t c;
		size_t len = u8_decode(p, &c);
		bool show = !hide_all && (i < keep_head || i >= chars - keep_tail);
		const char *src = show ? p : "*";
		size_t sl = show ? len : 1;
		if (used + sl >= n)
			break;
		memcpy(buf + used, src, sl);
		used += sl;
		p += len;
	}
	buf[used] = '\0';
	return buf;
}

/* ---- the output text ---- */

typedef struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (b->len + n + 1 > cap)
			cap *= 2;
		char *q = realloc(b->p, cap);
		if (!q) {
			b->oom = true;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_spaces(sbuf *b, int n)
{
	for (int i = 0; i < n; i++)
		sb_add(b, " ", 1);
}

/* A copy of s that is safe to print: invalid UTF-8 becomes '?', control
 * characters become spaces (a typed reason must not move the print head), and
 * only '\n' survives as a line break. */
static char *sanitize(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n * 3 + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	while (*s) {
		uint32_t c;
		size_t len = u8_decode(s, &c);
		if (c == 0xFFFD && len == 1) {
			out[o++] = '?';
		} else if (c == '\n') {
			out[o++] = '\n';
		} else if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0)) {
			out[o++] = ' ';
		} else {
			memcpy(out + o, s, len);
			o += len;
		}
		s += len;
	}
	out[o] = '\0';
	return out;
}

typedef struct writer {
	sbuf out;
	const slip_data *d;
	char t1[2048], t2[2048]; /* rendered strings, used at once */
	int col;                 /* columns used on the open line */
	bool empty;              /* nothing but indent on the open line */
} writer;

static const char *tr(writer *w, char *buf, const char *key, const str_var *vars)
{
	return strings_render(w->d->str, key, vars, buf, sizeof w->t1);
}

static void line_start(writer *w, int indent)
{
	sb_spaces(&w->out, indent);
	w->col = indent;
	w->empty = true;
}

static void line_end(writer *w)
{
	while (w->out.len > 0 && w->out.p[w->out.len - 1] == ' ')
		w->out.p[--w->out.len] = '\0';
	sb_add(&w->out, "\n", 1);
}

/* text as lines of at most SLIP_WIDTH columns: the first indented by ind1,
 * the rest by ind2. Breaks at spaces, or between two CJK characters, never
 * before closing or after opening punctuation; a word longer than a line is
 * cut between characters. */
static void wrap(writer *w, const char *text, int ind1, int ind2)
{
	if (ind2 > SLIP_WIDTH / 2)
		ind2 = SLIP_WIDTH / 2;
	if (ind1 > SLIP_WIDTH - 1)
		ind1 = SLIP_WIDTH - 1;
	char *s = sanitize(text ? text : "");
	if (!s) {
		w->out.oom = true;
		return;
	}
	line_start(w, ind1);
	bool space = false;
	const char *p = s;
	while (*p) {
		uint32_t c;
		size_t len = u8_decode(p, &c);
		if (c == '\n') {
			line_end(w);
			line_start(w, ind2);
			space = false;
			p += len;
			continue;
		}
		if (c == ' ') {
			space = true;
			p += len;
			continue;
		}
		/* one unbreakable unit: openers, then a CJK character or a run of
		 * narrow characters, then closers */
		const char *start = p;
		int uw = 0;
		while (*p) {
			len = u8_decode(p, &c);
			if (!is_opener(c))
				break;
			uw += cp_width(c);
			p += len;
		}
		if (*p) {
			len = u8_decode(p, &c);
			if (c != ' ' && c != '\n') {
				bool wide = cp_width(c) == 2;
				uw += cp_width(c);
				p += len;
				while (!wide && *p) {
					len = u8_decode(p, &c);
					if (c == ' ' || c == '\n' || cp_width(c) == 2 || is_opener(c))
						break;
					uw += cp_width(c);
					p += len;
				}
			}
		}
		while (*p) {
			len = u8_decode(p, &c);
			if (!is_closer(c))
				break;
			uw += cp_width(c);
			p += len;
		}
		if (p == start) /* a lone opener at the end of the text */
			continue;
		int sp = space && !w->empty ? 1 : 0;
		space = false;
		if (!w->empty && w->col + sp + uw > SLIP_WIDTH) {
			line_end(w);
			line_start(w, ind2);
			sp = 0;
		}
		if (sp) {
			sb_add(&w->out, " ", 1);
			w->col++;
		}
		if (w->col + uw <= SLIP_WIDTH) {
			sb_add(&w->out, start, (size_t)(p - start));
			w->col += uw;
			w->empty = false;
			continue;
		}
		for (const char *q = start; q < p;) { /* longer than a line: cut it */
			size_t l = u8_decode(q, &c);
			int cw = cp_width(c);
			if (!w->empty && w->col + cw > SLIP_WIDTH) {
				line_end(w);
				line_start(w, ind2);
			}
			sb_add(&w->out, q, l);
			w->col += cw;
			w->empty = false;
			q += l;
		}
	}
	line_end(w);
	free(s);
}

static void center(writer *w, const char *text)
{
	int tw = slip_text_width(text);
	if (tw > SLIP_WIDTH || strchr(text, '\n')) {
		wrap(w, text, 0, 0);
		return;
	}
	wrap(w, text, (SLIP_WIDTH - tw) / 2, 0);
}

/* left at indent, right flush with the right edge; on a line of its own when
 * the two do not fit together. */
static void left_right(writer *w, const char *left, const char *right, int indent)
{
	int lw = slip_text_width(left), rw = slip_text_width(right);
	if (indent + lw + 1 + rw <= SLIP_WIDTH && !strchr(left, '\n') && !strchr(right, '\n')) {
		char *l = sanitize(left), *r = sanitize(right);
		if (!l || !r) {
			w->out.oom = true;
		} else {
			sb_spaces(&w->out, indent);
			sb_add(&w->out, l, strlen(l));
			sb_spaces(&w->out, SLIP_WIDTH - indent - lw - rw);
			sb_add(&w->out, r, strlen(r));
			sb_add(&w->out, "\n", 1);
		}
		free(l);
		free(r);
		return;
	}
	wrap(w, left, indent, indent + 2);
	if (rw <= SLIP_WIDTH)
		wrap(w, right, SLIP_WIDTH - rw, 0);
	else
		wrap(w, right, 0, 0);
}

static void rule_line(writer *w, char ch)
{
	char line[SLIP_WIDTH + 2];
	memset(line, ch, SLIP_WIDTH);
	line[SLIP_WIDTH] = '\n';
	line[SLIP_WIDTH + 1] = '\0';
	sb_add(&w->out, line, SLIP_WIDTH + 1);
}

/* A line "key" rendered with one variable. */
static void say(writer *w, const char *key, const char *var, const char *value)
{
	str_var v[] = { { var, value }, { NULL, NULL } };
	wrap(w, tr(w, w->t1, key, var ? v : NULL), 0, 2);
}

/* A paragraph "key" rendered with one variable, flush left. */
static void para(writer *w, const char *key, const char *var, const char *value)
{
	str_var v[] = { { var, value }, { NULL, NULL } };
	wrap(w, tr(w, w->t1, key, var ? v : NULL), 0, 0);
}

/* " 1. text", continuation lines under the text. */
static void numbered(writer *w, size_t n, const char *text)
{
	char num[24];
	snprintf(num, sizeof num, "%zu. ", n);
	size_t tl = strlen(text), nl = strlen(num);
	char *line = malloc(nl + tl + 1);
	if (!line) {
		w->out.oom = true;
		return;
	}
	memcpy(line, num, nl);
	memcpy(line + nl, text, tl + 1);
	int pad = nl < 4 ? (int)(4 - nl) : 0; /* numbers right-aligned up to 99 */
	wrap(w, line, pad, pad + (int)nl);
	free(line);
}

/* ---- the parts of both papers ---- */

static void banner(writer *w)
{
	if (w->d->demo)
		center(w, tr(w, w->t1, "slip.demo", NULL));
}

static void header(writer *w, const char *title_key)
{
	const slip_data *d = w->d;
	banner(w);
	rule_line(w, '=');
	center(w, tr(w, w->t1, title_key, NULL));
	rule_line(w, '=');
	if (d->site && *d->site) {
		char win[16];
		snprintf(win, sizeof win, "%d", d->window);
		str_var v[] = { { "site", d->site }, { "window", win }, { NULL, NULL } };
		wrap(w, tr(w, w->t1, d->window > 0 ? "slip.site" : "slip.site_only", v), 0, 2);
	}
	say(w, "slip.case_no", NULL, NULL);
	str_var v[] = { { "case_no", d->case_no }, { NULL, NULL } };
	center(w, tr(w, w->t1, "slip.case_no_box", v));
	rule_line(w, '-');
	say(w, "slip.platform", "platform", d->svc->platform->name[d->lang]);
	say(w, "slip.service", "service", d->svc->label[d->lang]);
}

/* How the papers print each party field, by core/case/party.h's table: the
 * label's string key and its variable, whether it is masked (and how much of
 * it stays visible), and whether the notice prints it too. */
static const struct party_line {
	const char *key, *var;
	bool masked;
	size_t keep_head, keep_tail;
	bool on_notice;
} party_lines[PF_COUNT] = {
	[PF_UNIT_NAME] = { "slip.unit", "unit", false, 0, 0, true },
	[PF_USCC] = { "slip.uscc", "uscc", false, 0, 0, true },
	[PF_AGENT_NAME] = { "slip.agent", "name", false, 0, 0, true },
	[PF_AGENT_ID_NO] = { "slip.agent_id", "id", true, 4, 4, false },
	[PF_AGENT_MOBILE] = { "slip.mobile", "mobile", true, 3, 4, false },
};

static void party(writer *w, bool full)
{
	char mask[128];
	for (int i = 0; i < PF_COUNT; i++) {
		const struct party_line *l = &party_lines[i];
		const char *v = party_get(&w->d->party, (party_field)i);
		if (!*v || (!full && !l->on_notice))
			continue;
		say(w, l->key, l->var,
		    l->masked ? slip_mask(v, l->keep_head, l->keep_tail, mask, sizeof mask) : v);
	}
}

static void footer(writer *w)
{
	rule_line(w, '=');
	banner(w);
}

static void clerk_time(writer *w, const char *clerk_key, const char *time_key)
{
	const slip_data *d = w->d;
	char when[32];
	clock_format_local(d->at_ms ? d->at_ms : clock_now_ms(), when, sizeof when);
	say(w, clerk_key, "clerk", d->clerk_id);
	say(w, time_key, "time", when);
}

static bool in_notice(const slip_data *d, const material *m)
{
	for (size_t i = 0; i < d->n_notice; i++)
		if (d->notice[i].material == m)
			return true;
	return false;
}

/* The term bought and the seals, as the case recorded them or, when the
 * caller gave none, as the fee's lines imply them. */
static int term_years(const slip_data *d)
{
	if (d->years > 0)
		return d->years;
	for (int i = 0; d->fee && i < d->fee->n_lines && i < FEE_ITEM_COUNT; i++)
		if (d->fee->lines[i].item == FEE_ANNUAL)
			return d->fee->lines[i].qty;
	return 0;
}

static int seal_count(const slip_data *d)
{
	if (d->seals > 0)
		return d->seals;
	int years = term_years(d);
	for (int i = 0; d->fee && i < d->fee->n_lines && i < FEE_ITEM_COUNT; i++)
		if (d->fee->lines[i].item == FEE_SEAL)
			return years > 0 ? d->fee->lines[i].qty / years : d->fee->lines[i].qty;
	return 0;
}

static void fees(writer *w)
{
	const slip_data *d = w->d;
	const fee_quote *q = d->fee;
	if (!q || q->n_lines == 0) {
		say(w, "slip.fee_none", NULL, NULL);
	} else {
		say(w, "slip.fee", NULL, NULL);
		char years[16], seals[16];
		snprintf(years, sizeof years, "%d", term_years(d));
		snprintf(seals, sizeof seals, "%d", seal_count(d));
		for (int i = 0; i < q->n_lines && i < FEE_ITEM_COUNT; i++) {
			const fee_line *l = &q->lines[i];
			char key[64], unit[32], total[32], qty[16];
			snprintf(key, sizeof key, "fee.%s", fee_item_name(l->item));
			char item[256];
			snprintf(item, sizeof item, "%s", tr(w, w->t1, key, NULL));
			fees_format_yuan(l->unit_fen, unit, sizeof unit);
			fees_format_yuan(l->total_fen, total, sizeof total);
			snprintf(qty, sizeof qty, "%d", l->qty);
			str_var v[] = { { "item", item }, { "unit", unit }, { "qty", qty },
					{ "amount", total }, { "years", years }, { "seals", seals },
					{ NULL, NULL } };
			/* each item says what its figure is per: a year, a seal a year, a key */
			snprintf(key, sizeof key, "slip.fee_line.%s", fee_item_name(l->item));
			left_right(w, tr(w, w->t1, l->current ? "slip.fee_seal_current"
						   : l->waived ? "slip.fee_waived" : key, v),
				   tr(w, w->t2, "slip.fee_amount", v), 2);
		}
		char total[32];
		fees_format_yuan(q->total_fen, total, sizeof total);
		str_var v[] = { { "amount", total }, { NULL, NULL } };
		left_right(w, tr(w, w->t1, "slip.fee_total", v), tr(w, w->t2, "slip.fee_amount", v), 0);
	}
	if (d->transaction_id && *d->transaction_id)
		say(w, "slip.txn", "txn", d->transaction_id);
}

/* What the customer asks about: the key, the holder type, the term and the
 * seals, the certificate's validity (and, renewed, the expiry it replaced),
 * a changed name, the seal's validity, the initial PIN. A line whose value
 * is unknown is left out. */
static void key_lines(writer *w)
{
	const slip_data *d = w->d;
	const slip_key *k = &d->key;
	service_kind kind = d->svc->kind;
	char a[32], b[32];
	if (k->serial[0])
		say(w, "slip.key_serial", "serial", k->serial);
	if (k->piv_only)
		say(w, "slip.key_type_piv", NULL, NULL);
	if (d->holder && (kind == SVC_NEW || kind == SVC_RENEW || kind == SVC_SEAL_RENEW)) {
		say(w, "slip.holder", "holder", d->holder->label[d->lang]);
		int years = term_years(d), seals = seal_count(d);
		if (years > 0) {
			snprintf(a, sizeof a, "%d", years);
			say(w, "slip.term", "years", a);
		}
		if (d->svc->platform->has_seals) {
			snprintf(a, sizeof a, "%d", seals);
			say(w, "slip.seals", "seals", a);
		}
	}
	if (kind == SVC_CHANGE && k->old_unit_name[0] &&
	    strcmp(k->old_unit_name, d->party.unit_name) != 0) {
		/* a line each: a name is long, and cut in two it reads as another */
		str_var v[] = { { "old", k->old_unit_name }, { "new", d->party.unit_name }, { NULL, NULL } };
		say(w, "slip.name_change", NULL, NULL);
		wrap(w, tr(w, w->t1, "slip.name_old", v), 2, 4);
		wrap(w, tr(w, w->t1, "slip.name_new", v), 2, 4);
	}
	if (k->not_after > 0 && kind != SVC_REVOKE) {
		str_var v[] = { { "from", k->not_before > 0 ? civil_format(k->not_before, a, sizeof a) : "-" },
				{ "to", civil_format(k->not_after, b, sizeof b) }, { NULL, NULL } };
		wrap(w, tr(w, w->t1, "slip.validity", v), 0, 2);
		if (kind == SVC_RENEW && k->old_not_after > 0 && k->old_not_after != k->not_after) {
			str_var e[] = { { "old", civil_format(k->old_not_after, a, sizeof a) },
					{ "new", civil_format(k->not_after, b, sizeof b) }, { NULL, NULL } };
			wrap(w, tr(w, w->t1, "slip.expiry_change", e), 0, 2);
		}
	}
	if (k->seal_not_after > 0 && d->svc->platform->has_seals && kind != SVC_REVOKE)
		say(w, "slip.seal_until", "date", civil_format(k->seal_not_after, a, sizeof a));
	if (d->initial_pin && *d->initial_pin &&
	    (kind == SVC_NEW || kind == SVC_REISSUE || kind == SVC_UNLOCK))
		para(w, k->piv_only ? "slip.initial_pin_piv" : "slip.initial_pin", "pin",
		     d->initial_pin);
}

/* ---- checks ---- */

static int check_common(const slip_data *d, kerr *err)
{
	if (!d)
		return kerr_set(err, "slip", "no slip data given");
	const char *where = d->case_no && *d->case_no ? d->case_no : "slip";
	if (!d->str)
		return kerr_set(err, where, "no strings table: load kiosk-config/strings first");
	if ((unsigned)d->lang >= LANG_COUNT)
		return kerr_set(err, where, "unknown language %d", (int)d->lang);
	if (!d->svc || !d->svc->platform)
		return kerr_set(err, where, "no service given: the slip names the case's service");
	if (!d->case_no || !*d->case_no)
		return kerr_set(err, where, "no case number: every paper carries the case number");
	if (!d->clerk_id || !*d->clerk_id)
		return kerr_set(err, where, "no clerk id: every paper names the clerk");
	if (d->n_notice && !d->notice)
		return kerr_set(err, where, "n_notice is %zu but notice is NULL", d->n_notice);
	if (d->n_reasons && !d->reasons)
		return kerr_set(err, where, "n_reasons is %zu but reasons is NULL", d->n_reasons);
	for (size_t i = 0; i < d->n_notice; i++)
		if (!d->notice[i].material)
			return kerr_set(err, where, "notice item %zu names no material", i + 1);
	return 0;
}

static char *finish(writer *w, kerr *err)
{
	if (w->out.oom) {
		free(w->out.p);
		kerr_set(err, w->d->case_no, "out of memory while rendering the paper");
		return NULL;
	}
	return w->out.p;
}

char *slip_render_receipt(const slip_data *d, kerr *err)
{
	if (check_common(d, err))
		return NULL;
	if (d->decision != DEC_ACCEPT && d->decision != DEC_RONGQUE) {
		kerr_set(err, d->case_no, "decision '%s' has no acceptance slip: a refused case "
			 "gets the one-time notice (slip_render_notice)",
			 case_decision_name(d->decision));
		return NULL;
	}
	long today = clock_local_day(d->at_ms ? d->at_ms : clock_now_ms());
	if (d->decision == DEC_ACCEPT && d->n_notice) {
		kerr_set(err, d->case_no, "accepted with %zu material(s) missing or defective: "
			 "record 容缺受理 with a deadline, or refuse", d->n_notice);
		return NULL;
	}
	if (d->decision == DEC_RONGQUE) {
		if (!case_decision_allowed(d->svc, DEC_RONGQUE)) {
			kerr_set(err, d->case_no, "service %s does not allow 容缺受理", d->svc->id);
			return NULL;
		}
		if (!d->n_notice) {
			kerr_set(err, d->case_no, "容缺受理 with nothing missing: record it as 受理");
			return NULL;
		}
		for (size_t i = 0; i < d->n_notice; i++)
			if (d->notice[i].essential) {
				kerr_set(err, d->case_no, "essential material '%s' cannot be missing "
					 "under 容缺受理: refuse with the one-time notice",
					 d->notice[i].material->id);
				return NULL;
			}
		if (d->rongque_deadline < today) {
			kerr_set(err, d->case_no, "容缺受理 needs a supplement deadline on or after "
				 "the day of issue");
			return NULL;
		}
	}

	writer w;
	memset(&w, 0, sizeof w);
	w.d = d;
	const case_party *p = &d->party;
	char date[16] = "";
	if (d->decision == DEC_RONGQUE)
		civil_format(d->rongque_deadline, date, sizeof date);

	header(&w, "slip.title");
	say(&w, "slip.decision", "decision", tr(&w, w.t2, case_decision_key(d->decision), NULL));
	rule_line(&w, '-');
	party(&w, true);
	rule_line(&w, '-');
	size_t mark = w.out.len;
	key_lines(&w);
	if (w.out.len != mark)
		rule_line(&w, '-');

	say(&w, "slip.received", NULL, NULL);
	size_t n = 0;
	for (size_t i = 0; i < d->svc->n_materials; i++) {
		const material *m = d->svc->materials[i].material;
		if (!in_notice(d, m))
			numbered(&w, ++n, m->label[d->lang]);
	}
	if (!n)
		wrap(&w, tr(&w, w.t1, "slip.none", NULL), 4, 4);
	if (d->decision == DEC_RONGQUE) {
		say(&w, "slip.rongque_items", "date", date);
		for (size_t i = 0; i < d->n_notice; i++)
			numbered(&w, i + 1, d->notice[i].material->label[d->lang]);
		para(&w, "slip.promise", "date", date);
		sb_add(&w.out, "\n", 1);
		say(&w, "slip.sign", NULL, NULL);
		say(&w, "slip.sign_date", NULL, NULL);
	}
	rule_line(&w, '-');
	fees(&w);
	rule_line(&w, '-');
	clerk_time(&w, "slip.clerk", "slip.time");
	rule_line(&w, '-');

	say(&w, "slip.next", NULL, NULL);
	n = 0;
	char key[64];
	snprintf(key, sizeof key, "slip.next.%s%s", service_kind_name(d->svc->kind),
		 /* a PIV PIN is changed with a PIV tool, not the assistant */
		 d->key.piv_only && (d->svc->kind == SVC_UNLOCK || d->svc->kind == SVC_NEW)
			 ? "_piv"
			 : "");
	/* a seal renewal with nothing to renew says so, not "renewed" */
	bool seal_current = false;
	for (int i = 0; d->fee && i < d->fee->n_lines && i < FEE_ITEM_COUNT; i++)
		seal_current = seal_current || d->fee->lines[i].current;
	if (d->svc->kind == SVC_SEAL_RENEW && seal_current)
		snprintf(key, sizeof key, "slip.next.seal_renew_current");
	numbered(&w, ++n, tr(&w, w.t1, key, NULL));
	if (d->decision == DEC_RONGQUE) {
		str_var v[] = { { "date", date }, { NULL, NULL } };
		numbered(&w, ++n, tr(&w, w.t1, "slip.next_rongque", v));
	}
	if (d->fee && d->fee->total_fen > 0) {
		char mask[128];
		slip_mask(p->agent_mobile, 3, 4, mask, sizeof mask);
		str_var v[] = { { "mobile", mask }, { NULL, NULL } };
		numbered(&w, ++n, tr(&w, w.t1, "slip.next_invoice", v));
	}
	numbered(&w, ++n, tr(&w, w.t1, "slip.next_keep", NULL));
	footer(&w);
	return finish(&w, err);
}

char *slip_render_notice(const slip_data *d, kerr *err)
{
	if (check_common(d, err))
		return NULL;
	if (d->n_notice == 0 && d->n_reasons == 0) {
		kerr_set(err, d->case_no, "nothing to tell: a one-time notice lists the missing "
			 "or defective materials or the reason for refusal");
		return NULL;
	}
	writer w;
	memset(&w, 0, sizeof w);
	w.d = d;

	header(&w, "notice.title");
	say(&w, "slip.decision", "decision", tr(&w, w.t2, case_decision_key(DEC_REFUSE), NULL));
	rule_line(&w, '-');
	party(&w, false);
	rule_line(&w, '-');
	para(&w, "notice.law", NULL, NULL);
	if (d->n_notice) {
		say(&w, "notice.items", NULL, NULL);
		for (size_t i = 0; i < d->n_notice; i++) {
			const notice_item *it = &d->notice[i];
			numbered(&w, i + 1, it->material->label[d->lang]);
			bool defective = it->mark == MARK_DEFECTIVE;
			str_var v[] = { { "reason", it->reason ? it->reason : "" }, { NULL, NULL } };
			wrap(&w, tr(&w, w.t1, defective ? "notice.defective" : "notice.missing", v),
			     4, 6);
		}
	}
	if (d->n_reasons) {
		say(&w, "notice.reasons", NULL, NULL);
		for (size_t i = 0; i < d->n_reasons; i++)
			numbered(&w, i + 1, d->reasons[i] ? d->reasons[i] : "");
	}
	rule_line(&w, '-');
	say(&w, "notice.bring", NULL, NULL);
	for (size_t i = 0; i < d->svc->n_materials; i++) {
		const material *m = d->svc->materials[i].material;
		numbered(&w, i + 1, m->label[d->lang]);
		if (m->note[d->lang] && *m->note[d->lang]) {
			str_var v[] = { { "note", m->note[d->lang] }, { NULL, NULL } };
			wrap(&w, tr(&w, w.t1, "notice.requirement", v), 4, 6);
		}
	}
	if (!d->svc->n_materials)
		wrap(&w, tr(&w, w.t1, "slip.none", NULL), 4, 4);
	rule_line(&w, '-');
	clerk_time(&w, "notice.clerk", "notice.time");
	rule_line(&w, '-');
	para(&w, "notice.next", NULL, NULL);
	para(&w, "notice.rights", NULL, NULL);
	footer(&w);
	return finish(&w, err);
}

/* ---- the 容缺补交回执 ---- */

char *slip_render_supplement(const slip_supplement *s, kerr *err)
{
	const slip_data *d = s ? s->base : NULL;
	if (check_common(d, err))
		return NULL;
	if (!s->n_received || !s->received) {
		kerr_set(err, d->case_no, "nothing received: a supplement slip lists what was brought");
		return NULL;
	}
	for (size_t i = 0; i < s->n_received; i++)
		if (!s->received[i]) {
			kerr_set(err, d->case_no, "received item %zu names no material", i + 1);
			return NULL;
		}
	writer w;
	memset(&w, 0, sizeof w);
	w.d = d;
	char acc[16], dl[16], when[32];
	civil_format(s->accepted_day, acc, sizeof acc);
	civil_format(d->rongque_deadline, dl, sizeof dl);
	clock_format_local(d->at_ms ? d->at_ms : clock_now_ms(), when, sizeof when);

	header(&w, "supp.title");
	str_var v[] = { { "date", acc }, { "deadline", dl }, { NULL, NULL } };
	wrap(&w, tr(&w, w.t1, "supp.original", v), 0, 2);
	rule_line(&w, '-');
	say(&w, "supp.received", NULL, NULL);
	for (size_t i = 0; i < s->n_received; i++)
		numbered(&w, i + 1, s->received[i]->label[d->lang]);
	say(&w, "supp.received_at", "time", when);
	if (s->late_by && *s->late_by) {
		str_var l[] = { { "deadline", dl }, { "supervisor", s->late_by },
				{ "note", s->late_note ? s->late_note : "" }, { NULL, NULL } };
		wrap(&w, tr(&w, w.t1, "supp.late", l), 0, 2);
	}
	say(&w, "supp.status", NULL, NULL);
	rule_line(&w, '-');
	party(&w, false);
	rule_line(&w, '-');
	clerk_time(&w, "slip.clerk", "slip.time");
	rule_line(&w, '-');
	para(&w, "supp.next", NULL, NULL);
	numbered(&w, 1, tr(&w, w.t1, "slip.next_keep", NULL));
	footer(&w);
	return finish(&w, err);
}

static const char *const supp_keys[] = {
	"supp.title", "supp.original", "supp.received", "supp.received_at", "supp.late",
	"supp.status", "supp.next", NULL
};

const char *const *slip_supplement_string_keys(void)
{
	return supp_keys;
}

/* ---- the keys, for config check ---- */

static const char *const slip_keys[] = {
	"slip.demo", "slip.title", "slip.site", "slip.site_only", "slip.case_no",
	"slip.case_no_box", "slip.platform", "slip.service", "slip.decision", "slip.unit",
	"slip.uscc", "slip.agent", "slip.agent_id", "slip.mobile", "slip.received",
	"slip.none", "slip.rongque_items", "slip.promise", "slip.sign", "slip.sign_date",
	"slip.fee", "slip.fee_waived", "slip.fee_seal_current", "slip.fee_amount", "slip.fee_total",
	"slip.fee_none", "slip.txn", "slip.clerk", "slip.time", "slip.next",
	"slip.next_rongque", "slip.next_invoice", "slip.next_keep",
#define X(e, name) "slip.next." name,
	SERVICE_KINDS(X)
#undef X
	"notice.title", "notice.law", "notice.items", "notice.missing", "notice.defective",
	"notice.reasons", "notice.bring", "notice.requirement", "notice.clerk", "notice.time",
	"notice.next", "notice.rights",
#define X(e, name) "fee." name, "slip.fee_line." name,
	FEE_ITEMS(X)
#undef X
	"slip.key_serial", "slip.holder", "slip.term", "slip.seals", "slip.name_change",
	"slip.name_old", "slip.name_new",
	"slip.validity", "slip.expiry_change", "slip.seal_until", "slip.initial_pin",
	"slip.key_type_piv", "slip.initial_pin_piv", "slip.next.unlock_piv", "slip.next.seal_renew_current",
	"slip.next.new_piv",
#define X(e, name, key) key,
	CASE_DECISIONS(X)
#undef X
	NULL
};

const char *const *slip_string_keys(void)
{
	return slip_keys;
}
