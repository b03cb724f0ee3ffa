/* Fuzz harness for the config loaders (core/kini + core/catalog): the input is
 * written as services.ini into a temporary config directory next to the
 * shipped materials.ini and fees.ini, and catalog_load() must either succeed
 * with a consistent catalog or fail with an error naming a file; never crash,
 * never leak (ASan's leak check runs at exit). Invariants are checked with
 * abort(), which libFuzzer and the replay driver both report.
 * Built with libFuzzer (make fuzz) and with tests/fuzz/replay.c (make test). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/case/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond)
{
	if (!cond)
		abort();
}

static char dir[256];

static void cleanup(void)
{
	static const char *const files[] = { "services.ini", "materials.ini", "fees.ini" };
	char p[512];
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, files[i]);
		unlink(p);
	}
	rmdir(dir);
}

static int copy_file(const char *name)
{
	char src[1024], dst[512];
	snprintf(src, sizeof src, "%s/%s", KIOSK_CONFIG_DIR, name);
	snprintf(dst, sizeof dst, "%s/%s", dir, name);
	FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
	int ok = in && out;
	char buf[4096];
	size_t n;
	while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
		ok = fwrite(buf, 1, n, out) == n;
	if (in)
		fclose(in);
	if (out && fclose(out) != 0)
		ok = 0;
	return ok;
}

/* The temporary directory, made once per process. */
static const char *config_dir(void)
{
	if (dir[0])
		return dir;
	const char *base = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/kiosk-fuzz-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(dir) || !copy_file("materials.ini") || !copy_file("fees.ini")) {
		perror("fuzz_config: temp config dir");
		abort();
	}
	atexit(cleanup);
	return dir;
}

static void check_catalog(const catalog *c)
{
	require(c->n_platforms > 0 && c->n_services > 0 && c->n_materials > 0);
	require(c->rules.years_min >= 1 && c->rules.years_min <= c->rules.years_max);
	require(c->rules.initial_pin && strlen(c->rules.initial_pin) >= 6);
	for (size_t i = 0; i < c->n_services; i++) {
		const service *s = &c->services[i];
		require(s->id && s->platform && s->label[LANG_ZH] && s->label[LANG_EN]);
		require(catalog_service(c, s->id) == s);
		require(catalog_service_of(c, s->platform, s->kind) == s);
		require((unsigned)s->kind < SVC_KIND_COUNT);
		require((unsigned)s->validity < VALIDITY_RULE_COUNT);
		require(s->n_token_ops <= TOKEN_OP_COUNT);
		require(s->fee_items < (1u << FEE_ITEM_COUNT));
		bool device = false;
		for (size_t k = 0; k < s->n_materials; k++) {
			require(s->materials[k].material != NULL);
			if (s->materials[k].material->form == MAT_DEVICE)
				device = s->materials[k].essential;
		}
		require(device == s->key_required);
		if (!s->platform->has_seals)
			require(!service_charges(s, FEE_SEAL));
	}
	for (size_t i = 0; i < c->n_platforms; i++)
		require(c->platforms[i].waive_opening_years >= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = config_dir();
	char path[512];
	snprintf(path, sizeof path, "%s/services.ini", d);
	FILE *f = fopen(path, "wb");
	require(f != NULL);
	require(size == 0 || fwrite(data, 1, size, f) == size);
	require(fclose(f) == 0);

	kerr err;
	memset(&err, 0, sizeof err);
	catalog *c = catalog_load(d, &err);
	if (c) {
		check_catalog(c);
		catalog_free(c);
	} else {
		/* every failure says where and what */
		require(err.msg[0] != '\0');
		require(strstr(err.where, "services.ini") || strstr(err.where, "fees.ini"));
	}
	return 0;
}
