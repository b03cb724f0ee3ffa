/* registry: the hall's registry read through `kioskctl hall lookup` in a
 * child process with a deadline (the kiosk never links libpq). */
#include "tui/flow/registry.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/flow/child.h"

#define MAX_ARGS 12

typedef struct child_reg {
	registry ops;
	char *argv[MAX_ARGS + 1];
	int timeout_s;
} child_reg;

int registry_lookup(registry *r, const char *uscc, reg_key **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	return r ? r->lookup(r, uscc, out, n) : 1;
}

void registry_free(registry *r)
{
	if (r)
		r->free(r);
}

bool registry_retired(const char *state)
{
	return strcmp(state, "PERM_LOST") == 0 || strcmp(state, "DAMAGED") == 0 ||
	       strcmp(state, "TERMINATED") == 0;
}

/* One "key SERIAL STATE (reason) last moved at KIOSK (hall H)..." line. */
static bool parse_key(const char *line, reg_key *k)
{
	memset(k, 0, sizeof *k);
	if (sscanf(line, "key %63s %23s", k->serial, k->state) != 2)
		return false;
	if (strcmp(k->state, "?") == 0)
		k->state[0] = '\0';
	const char *p = strstr(line, " (");
	const char *at = strstr(line, " last moved at ");
	if (p && at && p < at)
		sscanf(p, " (%23[^)])", k->reason);
	if (at)
		sscanf(at, " last moved at %24s (hall %24[^)])", k->kiosk, k->hall);
	return true;
}

/* One "  bound SERIAL to USCC, agent NAME, at KIOSK (hall H), row SEQ"
 * line, into the key of that serial already read. */
static void parse_bound(const char *line, reg_key *keys, size_t n)
{
	char serial[64], uscc[24], agent[100], kiosk[25], hall[25];
	long long seq = 0;
	int got = sscanf(line, "  bound %63s to %23[^,], agent %99[^,], at %24s (hall %24[^)]), row %lld",
			 serial, uscc, agent, kiosk, hall, &seq);
	if (got < 5)
		return;
	for (size_t i = 0; i < n; i++)
		if (strcmp(keys[i].serial, serial) == 0) {
			keys[i].bound_seq = got == 6 && seq > 0 ? seq : 0;
			snprintf(keys[i].bound_uscc, sizeof keys[i].bound_uscc, "%s", uscc);
			snprintf(keys[i].bound_agent, sizeof keys[i].bound_agent, "%s", agent);
			snprintf(keys[i].bound_kiosk, sizeof keys[i].bound_kiosk, "%s", kiosk);
			snprintf(keys[i].bound_hall, sizeof keys[i].bound_hall, "%s", hall);
		}
}

const reg_key *registry_find(const reg_key *c, size_t n, const char *serial)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(c[i].serial, serial) == 0)
			return &c[i];
	return NULL;
}

bool registry_seen(const reg_key *c, size_t n, const char *serial, token_seen *out)
{
	memset(out, 0, sizeof *out);
	out->from_hall = true;
	const reg_key *k = registry_find(c, n, serial);
	if (!k || !k->bound_kiosk[0])
		return true;
	if (k->bound_seq < 1)
		return false;
	snprintf(out->kiosk, sizeof out->kiosk, "%s", k->bound_kiosk);
	out->seq = k->bound_seq;
	return true;
}

static int child_lookup(registry *r, const char *uscc, reg_key **out, size_t *n)
{
	child_reg *c = (child_reg *)r;
	char *argv[MAX_ARGS + 6];
	char t[16];
	snprintf(t, sizeof t, "%d", c->timeout_s);
	int i = 0;
	for (; c->argv[i]; i++)
		argv[i] = c->argv[i];
	argv[i++] = "--uscc";
	argv[i++] = (char *)uscc;
	argv[i++] = "--timeout";
	argv[i++] = t;
	argv[i] = NULL;
	char buf[16384];
	/* a second more than the child's own bound, then it is killed */
	int rc = child_run(argv, NULL, (c->timeout_s + 1) * 1000, buf, sizeof buf);
	if ((rc != 0 && rc != 1) || strncmp(buf, "hall: online", 12) != 0)
		return 1;
	size_t cap = 0;
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		reg_key k;
		if (strncmp(line, "  bound ", 8) == 0) {
			parse_bound(line, *out, *n);
		} else if (parse_key(line, &k)) {
			bool seen = false;
			for (size_t j = 0; j < *n && !seen; j++)
				seen = strcmp((*out)[j].serial, k.serial) == 0;
			if (!seen) {
				if (*n == cap) {
					size_t nc = cap ? cap * 2 : 8;
					reg_key *nv = realloc(*out, nc * sizeof *nv);
					if (!nv)
						break;
					*out = nv;
					cap = nc;
				}
				(*out)[(*n)++] = k;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

static void child_free(registry *r)
{
	child_reg *c = (child_reg *)r;
	child_argv_free(c->argv);
	free(c);
}

registry *registry_child_new(const char *const *argv, int timeout_s)
{
	child_reg *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->ops.lookup = child_lookup;
	c->ops.free = child_free;
	c->timeout_s = timeout_s > 0 ? timeout_s : 1;
	if (child_argv_copy(c->argv, MAX_ARGS, argv) != 0) {
		free(c);
		return NULL;
	}
	return &c->ops;
}

registry *registry_for(const kiosk_config *cfg, bool demo)
{
	if (demo || !cfg->hall_central || !cfg->hall_central[0])
		return NULL;
	char exe[PATH_MAX];
	if (child_beside("kioskctl", exe, sizeof exe) != 0)
		return NULL;
	/* its lines are read here: asked for in English whatever the counter's language */
	const char *argv[] = { exe, "hall", "lookup", "--config", cfg->config_dir, "--lang", "en", NULL };
	return registry_child_new(argv, REGISTRY_TIMEOUT_S);
}

int registry_merge(const reg_key *c, size_t n_c, token_rec **list, size_t *n)
{
	int added = 0;
	for (size_t i = 0; i < n_c; i++) {
		int st = token_state_from_name(c[i].state);
		token_rec *mine = NULL;
		for (size_t j = 0; j < *n && !mine; j++)
			if (strcmp((*list)[j].serial, c[i].serial) == 0)
				mine = &(*list)[j];
		if (mine) {
			if (st >= 0 && registry_retired(c[i].state))
				mine->state = (token_state)st;
			continue;
		}
		if (st < 0)
			continue;
		token_rec *nv = realloc(*list, (*n + 1) * sizeof *nv);
		if (!nv)
			return -1;
		*list = nv;
		token_rec *k = &nv[(*n)++];
		memset(k, 0, sizeof *k);
		snprintf(k->serial, sizeof k->serial, "%s", c[i].serial);
		k->state = (token_state)st;
		snprintf(k->reason, sizeof k->reason, "%s", c[i].reason);
		k->cert_not_before = k->cert_not_after = k->seal_not_after = -1;
		added++;
	}
	return added;
}
