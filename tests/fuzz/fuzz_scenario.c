/* Fuzz harness for the trainer's scenarios (core/scenario + core/score): the
 * input is written as scenarios.ini into a temporary directory and loaded
 * against the shipped catalog and demo keys. scenario_set_load_files() must
 * either succeed with scenarios that hold together (service from the catalog,
 * one material entry per material of the service, an expected outcome with a
 * reason exactly for a stop, every message in every language), each of which
 * scores right when played as expected and wrong when abandoned, or fail with
 * an error naming scenarios.ini; never crash, never leak (ASan's leak check
 * runs at exit). Invariants are checked with abort(), which libFuzzer and the
 * replay driver both report.
 * Built with libFuzzer (make fuzz) and with tests/fuzz/replay.c (make test). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/case/catalog.h"
#include "core/train/scenario.h"
#include "core/train/score.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond)
{
	if (!cond)
		abort();
}

static char dir[256];
static char path[512];
static catalog *cat;

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
	catalog_free(cat);
}

/* The temporary directory and the catalog, made once per process. */
static void prepare(void)
{
	if (cat)
		return;
	const char *base = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/kiosk-fuzz-XXXXXX", base && *base ? base : "/tmp");
	kerr err;
	memset(&err, 0, sizeof err);
	if (!mkdtemp(dir) || !(cat = catalog_load(KIOSK_CONFIG_DIR, &err))) {
		fprintf(stderr, "fuzz_scenario: setup: %s %s\n", err.where, err.msg);
		abort();
	}
	snprintf(path, sizeof path, "%s/scenarios.ini", dir);
	atexit(cleanup);
}

static void check_set(const scenario_set *s)
{
	require(scenario_count(s) >= 1);
	for (int k = 0; k < OUT_COUNT; k++)
		for (int l = 0; l < LANG_COUNT; l++)
			require(scenario_message(s, trainee_outcome_key((trainee_outcome)k),
						 (lang)l) != NULL);
	for (size_t i = 0; i < scenario_count(s); i++) {
		const scenario *sc = scenario_at(s, i);
		require(sc && scenario_find(s, sc->id) == sc);
		require(catalog_service(cat, sc->svc->id) == sc->svc);
		require(sc->n_materials == sc->svc->n_materials);
		for (size_t m = 0; m < sc->n_materials; m++) {
			require(sc->materials[m].sm == &sc->svc->materials[m]);
			require((unsigned)sc->materials[m].brought < BR_COUNT);
		}
		require(sc->expected != OUT_CANCEL && (unsigned)sc->expected < OUT_COUNT);
		require((sc->expected == OUT_STOP) == (sc->expected_reason != STOP_NONE));
		for (int l = 0; l < LANG_COUNT; l++)
			require(sc->title[l] && sc->brief[l] && sc->teach[l]);

		score_mark marks[64];
		size_t n = sc->n_materials < 64 ? sc->n_materials : 64;
		for (size_t m = 0; m < n; m++) {
			marks[m].material_id = sc->materials[m].sm->material->id;
			marks[m].mark = brought_state_mark(sc->materials[m].brought);
		}
		trainee_play right = { sc->expected, sc->expected_reason, marks, n };
		trainee_play quit = { OUT_CANCEL, STOP_NONE, NULL, 0 };
		score_result r;
		kerr err;
		for (int l = 0; l < LANG_COUNT; l++) {
			if (n == sc->n_materials) {
				require(score_play(s, sc, &right, (lang)l, &r, &err) == 0);
				require(r.correct && r.missed[0] == '\0');
			}
			require(score_play(s, sc, &quit, (lang)l, &r, &err) == 0);
			require(!r.correct && r.missed[0] != '\0' && r.mistakes == 1);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	prepare();
	FILE *f = fopen(path, "wb");
	require(f != NULL);
	require(size == 0 || fwrite(data, 1, size, f) == size);
	require(fclose(f) == 0);

	kerr err;
	memset(&err, 0, sizeof err);
	scenario_set *s = scenario_set_load_files(path, KIOSK_CONFIG_DIR "/demo/keys.ini", cat,
						  &err);
	if (s) {
		check_set(s);
		scenario_set_free(s);
	} else {
		/* every failure says where and what */
		require(err.msg[0] != '\0');
		require(strstr(err.where, "scenarios.ini") != NULL);
	}
	return 0;
}
