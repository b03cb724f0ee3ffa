/* hallday: the hall's day read through `kioskctl hall day` in a child with
 * a deadline, parsed, and summed by window, clerk and service. */
#include "tui/flow/hallday.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/civil.h"
#include "core/base/clock.h"
#include "tui/flow/child.h"

#define MAX_ARGS 12
#define OUT_MAX (8 * 1024 * 1024) /* a big hall's day: tens of thousands of rows */

static int index_rows(hallday *d);

void hallday_free(hallday *d)
{
	free(d->win);
	free(d->rows);
	free(d->pairs);
	free(d->svcs);
	memset(d, 0, sizeof *d);
}

int hallday_copy(hallday *dst, const hallday *src)
{
	*dst = *src;
	dst->win = NULL;
	dst->rows = NULL;
	dst->pairs = dst->svcs = NULL;
	if (src->n_win && !(dst->win = malloc(src->n_win * sizeof *dst->win)))
		goto fail;
	if (src->n_rows && !(dst->rows = malloc(src->n_rows * sizeof *dst->rows)))
		goto fail;
	if (src->n_win)
		memcpy(dst->win, src->win, src->n_win * sizeof *dst->win);
	if (src->n_rows)
		memcpy(dst->rows, src->rows, src->n_rows * sizeof *dst->rows);
	if (index_rows(dst) != 0)
		goto fail;
	return 0;
fail:
	hallday_free(dst);
	return -1;
}

static void add(hallday_figs *f, const hallday_row *r)
{
	f->cases += r->cases;
	f->by_status[r->status] += r->cases;
	f->due_fen += r->due_fen;
	f->paid_fen += r->paid_fen;
	f->refunded_fen += r->refunded_fen;
}

void hallday_sum(const hallday *d, const char *kiosk_id, const char *clerk, hallday_figs *f)
{
	memset(f, 0, sizeof *f);
	for (size_t i = 0; i < d->n_rows; i++)
		if ((!kiosk_id || strcmp(d->rows[i].kiosk_id, kiosk_id) == 0) &&
		    (!clerk || strcmp(d->rows[i].clerk, clerk) == 0))
			add(f, &d->rows[i]);
}

void hallday_sum_service(const hallday *d, const char *svc, hallday_figs *f)
{
	memset(f, 0, sizeof *f);
	for (size_t i = 0; i < d->n_rows; i++)
		if (strcmp(d->rows[i].service, svc) == 0)
			add(f, &d->rows[i]);
}

/* The distinct (window, clerk) pairs and services, as the index of the
 * first row of each, in the rows' order (by window, clerk: hall.day_report()'s),
 * made once when the day is read: a hall's day may have thousands of rows
 * and the screen asks for them at every draw. */
static int index_rows(hallday *d)
{
	free(d->pairs);
	free(d->svcs);
	d->pairs = d->svcs = NULL;
	d->n_pairs = d->n_svcs = 0;
	if (!d->n_rows)
		return 0;
	d->pairs = malloc(d->n_rows * sizeof *d->pairs);
	d->svcs = malloc(d->n_rows * sizeof *d->svcs);
	if (!d->pairs || !d->svcs)
		return -1;
	for (size_t i = 0; i < d->n_rows; i++) {
		const hallday_row *r = &d->rows[i];
		bool seen = false;
		for (size_t j = d->n_pairs; j-- > 0 && !seen;)
			seen = strcmp(d->rows[d->pairs[j]].kiosk_id, r->kiosk_id) == 0 &&
			       strcmp(d->rows[d->pairs[j]].clerk, r->clerk) == 0;
		if (!seen)
			d->pairs[d->n_pairs++] = i;
		seen = false;
		for (size_t j = 0; j < d->n_svcs && !seen; j++)
			seen = strcmp(d->rows[d->svcs[j]].service, r->service) == 0;
		if (!seen)
			d->svcs[d->n_svcs++] = i;
	}
	return 0;
}

size_t hallday_clerks(const hallday *d)
{
	return d->n_pairs;
}

void hallday_clerk_at(const hallday *d, size_t k, const char **kiosk, const char **clerk)
{
	*kiosk = *clerk = "";
	if (k < d->n_pairs) {
		*kiosk = d->rows[d->pairs[k]].kiosk_id;
		*clerk = d->rows[d->pairs[k]].clerk;
	}
}

size_t hallday_services(const hallday *d)
{
	return d->n_svcs;
}

const char *hallday_service_at(const hallday *d, size_t k)
{
	return k < d->n_svcs ? d->rows[d->svcs[k]].service : "";
}

void hallday_by_service(const hallday *d, const char *kiosk_id, const char *clerk,
			const char *(*label)(const void *ctx, const char *svc), const void *ctx,
			char *buf, size_t n)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t k = 0; k < d->n_svcs && len < n; k++) {
		const char *svc = d->rows[d->svcs[k]].service;
		int64_t c = 0;
		for (size_t j = d->svcs[k]; j < d->n_rows; j++)
			if (strcmp(d->rows[j].service, svc) == 0 &&
			    (!kiosk_id || strcmp(d->rows[j].kiosk_id, kiosk_id) == 0) &&
			    (!clerk || strcmp(d->rows[j].clerk, clerk) == 0))
				c += d->rows[j].cases;
		if (c)
			len += (size_t)snprintf(buf + len, n - len, "%s%s %lld", len ? "  " : "",
						label(ctx, svc), (long long)c);
	}
}

int64_t hallday_unshipped(const hallday_window *w)
{
	if (w->local_head < 0)
		return -1;
	return w->local_head > w->head_seq ? w->local_head - w->head_seq : 0;
}

/* ---- parsing kioskctl hall day's records ---- */

/* The fields of one line (tabs made NULs): how many, at most max. */
static int split(char *line, char **f, int max)
{
	int n = 0;
	for (char *p = line; n < max;) {
		f[n++] = p;
		char *t = strchr(p, '\t');
		if (!t)
			break;
		*t = '\0';
		p = t + 1;
	}
	return n;
}

static bool num(const char *s, int64_t *v)
{
	char *end;
	long long x = strtoll(s, &end, 10);
	if (!*s || *end)
		return false;
	*v = x;
	return true;
}

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

static int parse_line(char *line, hallday *d, size_t *cap_w, size_t *cap_r, bool *head, bool *end)
{
	char *f[12];
	int n = split(line, f, 12);
	if (strcmp(f[0], "hall-day") == 0) {
		if (n != 4 || strcmp(f[1], "v1") != 0)
			return -1;
		COPY(d->date, f[2]);
		COPY(d->hall_id, f[3]);
		*head = true;
		return 0;
	}
	if (!*head)
		return -1;
	if (strcmp(f[0], "close") == 0) {
		d->hall_closed = n == 4 && strcmp(f[1], "closed") == 0;
		if (d->hall_closed) {
			COPY(d->hall_closed_by, f[2]);
			if (!num(f[3], &d->hall_closed_ms))
				return -1;
		}
		return 0;
	}
	if (strcmp(f[0], "window") == 0) {
		if (n != 8)
			return -1;
		if (d->n_win == *cap_w) {
			size_t nc = *cap_w ? *cap_w * 2 : 16;
			hallday_window *nv = realloc(d->win, nc * sizeof *nv);
			if (!nv)
				return -1;
			d->win = nv;
			*cap_w = nc;
		}
		hallday_window *w = &d->win[d->n_win];
		memset(w, 0, sizeof *w);
		COPY(w->kiosk_id, f[1]);
		w->closed = strcmp(f[2], "1") == 0;
		COPY(w->closed_by, w->closed ? f[3] : "");
		if (!num(f[4], &w->head_seq) || !num(f[5], &w->shipped_ms) ||
		    !num(f[6], &w->local_head) || !num(f[7], &w->reported_ms))
			return -1;
		d->n_win++;
		return 0;
	}
	if (strcmp(f[0], "row") == 0) {
		if (n != 9)
			return -1;
		if (d->n_rows == *cap_r) {
			size_t nc = *cap_r ? *cap_r * 2 : 32;
			hallday_row *nv = realloc(d->rows, nc * sizeof *nv);
			if (!nv)
				return -1;
			d->rows = nv;
			*cap_r = nc;
		}
		hallday_row *r = &d->rows[d->n_rows];
		memset(r, 0, sizeof *r);
		COPY(r->kiosk_id, f[1]);
		COPY(r->clerk, f[2]);
		COPY(r->service, f[3]);
		int st = case_status_from_name(f[4]);
		if (st < 0 || !num(f[5], &r->cases) || !num(f[6], &r->due_fen) ||
		    !num(f[7], &r->paid_fen) || !num(f[8], &r->refunded_fen))
			return -1;
		r->status = (case_status)st;
		d->n_rows++;
		return 0;
	}
	if (strcmp(f[0], "end") == 0) {
		int64_t w, r;
		if (n != 3 || !num(f[1], &w) || !num(f[2], &r) || (size_t)w != d->n_win ||
		    (size_t)r != d->n_rows)
			return -1;
		*end = true;
		return 0;
	}
	return 0; /* a record of a later version: not ours */
}

int hallday_parse(const char *text, hallday *d)
{
	memset(d, 0, sizeof *d);
	char *copy = strdup(text);
	if (!copy)
		return -1;
	size_t cap_w = 0, cap_r = 0;
	bool head = false, end = false;
	int rc = 0;
	for (char *line = copy; line && *line && rc == 0 && !end;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		rc = parse_line(line, d, &cap_w, &cap_r, &head, &end);
		line = nl ? nl + 1 : NULL;
	}
	free(copy);
	if (rc == 0 && end && index_rows(d) != 0)
		rc = -1;
	if (rc != 0 || !end) {
		hallday_free(d);
		return -1;
	}
	return 0;
}

/* ---- the source: kioskctl hall day as a child ---- */

typedef struct child_src {
	hallday_src ops;
	char *argv[MAX_ARGS + 1];
	int timeout_s;
} child_src;

void hallday_src_free(hallday_src *s)
{
	if (s)
		s->free(s);
}

/* The words after "error offline|refused" of a failure, for why. */
static void error_words(const char *out, const char *kind, char *why, size_t n)
{
	char want[32];
	snprintf(want, sizeof want, "error\t%s\t", kind);
	const char *p = strstr(out, want);
	if (!p || !n)
		return;
	p += strlen(want);
	size_t len = strcspn(p, "\n");
	snprintf(why, n, "%.*s", (int)len, p);
}

static hallday_result child_fetch(hallday_src *s, const char *date, const char *sup_id,
				  const char *pin, hallday *d, char *why, size_t n)
{
	child_src *c = (child_src *)s;
	char *argv[MAX_ARGS + 8];
	char t[16];
	snprintf(t, sizeof t, "%d", c->timeout_s);
	int i = 0;
	for (; c->argv[i]; i++)
		argv[i] = c->argv[i];
	argv[i++] = "--date";
	argv[i++] = (char *)date;
	argv[i++] = "--by";
	argv[i++] = (char *)sup_id;
	argv[i++] = "--timeout";
	argv[i++] = t;
	argv[i] = NULL;
	char line[80];
	snprintf(line, sizeof line, "%s\n", pin);
	char *out = malloc(OUT_MAX);
	if (!out) {
		explicit_bzero(line, sizeof line);
		return HD_OFFLINE;
	}
	int rc = child_run(argv, line, (c->timeout_s + 1) * 1000, out, OUT_MAX);
	explicit_bzero(line, sizeof line);
	hallday_result res = HD_OFFLINE;
	if (rc == 0 && hallday_parse(out, d) == 0)
		res = HD_OK;
	else if (rc == 1 && strstr(out, "error\trefused\t"))
		res = HD_REFUSED;
	if (res == HD_REFUSED)
		error_words(out, "refused", why, n);
	else if (res == HD_OFFLINE)
		error_words(out, "offline", why, n);
	free(out);
	return res;
}

static void child_free(hallday_src *s)
{
	child_src *c = (child_src *)s;
	child_argv_free(c->argv);
	free(c);
}

hallday_src *hallday_child_new(const char *const *argv, int timeout_s)
{
	child_src *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->ops.fetch = child_fetch;
	c->ops.free = child_free;
	c->timeout_s = timeout_s > 0 ? timeout_s : 1;
	if (child_argv_copy(c->argv, MAX_ARGS, argv) != 0) {
		free(c);
		return NULL;
	}
	return &c->ops;
}

hallday_src *hallday_for(const kiosk_config *cfg, bool demo)
{
	if (demo || !cfg->hall_central || !cfg->hall_central[0])
		return NULL;
	char exe[PATH_MAX];
	if (child_beside("kioskctl", exe, sizeof exe) != 0)
		return NULL;
	/* --lang en: its few words (an error's text) the same whatever the counter's language */
	const char *argv[] = { exe, "hall", "day", "--lang", "en", "--config", cfg->config_dir, NULL };
	return hallday_child_new(argv, HALLDAY_TIMEOUT_S);
}

hallday_result hallday_fetch(counter *k, long day, const char *pin, hallday *d, char *why,
			     size_t n)
{
	memset(d, 0, sizeof *d);
	if (n)
		why[0] = '\0';
	hallday_result res = HD_NOT_ALLOWED;
	if (k->hallday && k->signed_in && k->user.role == ROLE_SUPERVISOR && !k->demo) {
		char date[16];
		civil_format(day, date, sizeof date);
		res = k->hallday->fetch(k->hallday, date, k->user.id, pin, d, why, n);
	}
	if (res != HD_OK)
		return res;
	d->fetched_ms = clock_now_ms();
	snprintf(d->fetched_by, sizeof d->fetched_by, "%s", k->user.id);
	/* this window: what its own file holds now, not what it said then */
	int64_t head;
	kerr err = { 0 };
	for (size_t i = 0; i < d->n_win; i++)
		if (strcmp(d->win[i].kiosk_id, db_kiosk_id(k->db)) == 0 &&
		    db_audit_head_seq(k->db, &head, &err) == 0) {
			d->win[i].local_head = head;
			d->win[i].reported_ms = d->fetched_ms;
		}
	return HD_OK;
}
