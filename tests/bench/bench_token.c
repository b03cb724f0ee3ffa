/* Benchmark: a full personalisation of a blank key, both applications (the
 * kiosk's and PIV: token_pcsc_add_piv), through pcscd and vpcd, as the token
 * step of a new 政采 certificate runs it: personalise (PIV's PUK, PIN, CHUID,
 * CCC and management key; the kiosk's application, files, PINs, on-card key
 * generation), read the public key, issue the certificate (local CA), write
 * the certificates (PIV's two slots, then the kiosk's certificate and info
 * with the seal), and the final check (PIN, challenge signed on the key,
 * verified with the certificate). Counts the command APDUs of each phase and
 * times the whole; the count must stay within 1.5 times the sum of the two
 * applications' minimums (docs/token-profile.md): exit 1 when it does not.
 * The key is erased between runs (not timed). Needs pcscd running and
 * tests/sim/cardsim connected to the reader:
 *   pcscd --foreground --auto-exit &
 *   build/tests/sim/cardsim --state /tmp/bench-key.state --serial SC-BENCH-1 &
 *   build/tests/bench_token [RUNS] [READER]
 * Prints key=value lines for tests/bench/run.sh and tests/cli/test_piv.sh. */
#include <sys/stat.h>

#include "core/base/clock.h"
#include "core/token/issuer.h"
#include "core/token/token.h"
#include "tests/bench/bench_common.h"

#define UNIT "四川省测试科技有限公司"
#define USCC "91310115MA1K3BTP2B"
/* What each application needs at least (docs/token-profile.md): the
 * kiosk's: personalisation 10, certificate and info with the seal 3, final
 * check 2; PIV's: select 1, management key 2, PUK 1, PIN 1, CHUID and CCC 2,
 * two key pairs and two certificates 4, the management key set 1. */
#define MIN_APDUS_KIOSK 15
#define MIN_APDUS_PIV   12
#define MIN_APDUS (MIN_APDUS_KIOSK + MIN_APDUS_PIV)
#define MAX_APDUS (MIN_APDUS * 3 / 2)   /* 1.5 times, rounded down */

enum { P_PERSO, P_PUBKEY, P_CERT, P_CHECK, P_COUNT };
static const char *const phase[P_COUNT] = { "personalise", "pubkey", "write_cert", "check" };

static int fail(const char *what, token_dev *dev, token_status st)
{
	fprintf(stderr, "bench_token: %s: %s %s\n", what, token_status_name(st),
		token_pcsc_detail(dev));
	return 2;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 20;
	const char *reader = argc > 2 ? argv[2] : "";
	if (runs < 1)
		runs = 1;
	char *dir = bench_tmpdir();
	char secret[512], ca_dir[512];
	snprintf(secret, sizeof secret, "%s/secret", dir);
	snprintf(ca_dir, sizeof ca_dir, "%s/ca", dir);
	FILE *f = fopen(secret, "w");
	if (!f || fputs("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n", f) < 0 ||
	    fclose(f) != 0 || chmod(secret, 0600) != 0) {
		perror(secret);
		return 2;
	}
	kerr err = { 0 };
	token_dev *dev = token_pcsc_new(reader, secret, &err);
	issuer *ca = dev ? issuer_local_new(ca_dir, &err) : NULL;
	if (!ca || token_pcsc_add_piv(dev, ca, &err) != 0) {
		fprintf(stderr, "bench_token: %s\n", err.msg);
		return 2;
	}
	bool present = false;
	token_status st = token_pcsc_wait(dev, 3000, true, &present);
	if (st != TOK_OK || !present) {
		fprintf(stderr, "bench_token: no key in the reader: start pcscd and "
				"tests/sim/cardsim (see the head of tests/bench/bench_token.c)\n");
		return 2;
	}
	st = token_erase(dev);
	if (st != TOK_OK)
		return fail("erase before the first run", dev, st);
	double *t = calloc((size_t)runs, sizeof *t);
	unsigned long apdus[P_COUNT] = { 0 };
	long today = clock_today();
	for (int r = 0; r < runs; r++) {
		unsigned long a0 = token_pcsc_apdu_count(dev);
		double t0 = bench_now();
		unsigned char *spki = NULL;
		size_t spki_len = 0;
		issued_cert ic = { 0 };
		int tries;
		st = token_personalise(dev, "12345678");
		if (st != TOK_OK)
			return fail("personalise", dev, st);
		unsigned long a1 = token_pcsc_apdu_count(dev);
		st = token_read_pubkey(dev, &spki, &spki_len);
		if (st != TOK_OK)
			return fail("read the public key", dev, st);
		unsigned long a2 = token_pcsc_apdu_count(dev);
		issue_request rq = { spki, spki_len, UNIT, USCC, today, today + 365, 0 };
		if (issuer_issue(ca, &rq, &ic, &err) != 0) {
			fprintf(stderr, "bench_token: issuing: %s\n", err.msg);
			return 2;
		}
		free(spki);
		/* the seal goes with the certificate, as the token step writes it */
		token_cert tc = issued_token_cert(&ic, UNIT, USCC);
		tc.with_seal = true;
		tc.seal_not_after = ic.not_after;
		st = token_write_cert(dev, &tc);
		issued_cert_clear(&ic);
		if (st != TOK_OK)
			return fail("write the certificates", dev, st);
		unsigned long a4 = token_pcsc_apdu_count(dev);
		st = token_final_check(dev, "12345678", &tries, &err);
		if (st != TOK_OK)
			return fail("final check", dev, st);
		t[r] = bench_now() - t0;
		unsigned long a5 = token_pcsc_apdu_count(dev);
		apdus[P_PERSO] = a1 - a0;
		apdus[P_PUBKEY] = a2 - a1;
		apdus[P_CERT] = a4 - a2;
		apdus[P_CHECK] = a5 - a4;
		st = token_erase(dev);
		if (st != TOK_OK)
			return fail("erase", dev, st);
	}
	qsort(t, (size_t)runs, sizeof *t, bench_cmp_double);
	unsigned long total = 0;
	for (int p = 0; p < P_COUNT; p++) {
		printf("token_apdus_%s=%lu\n", phase[p], apdus[p]);
		total += apdus[p];
	}
	printf("token_apdus_total=%lu\n", total);
	printf("token_apdus_min=%d\n", MIN_APDUS);
	printf("token_apdus_min_kiosk=%d\n", MIN_APDUS_KIOSK);
	printf("token_apdus_min_piv=%d\n", MIN_APDUS_PIV);
	printf("token_apdus_max=%d\n", MAX_APDUS);
	printf("token_runs=%d\n", runs);
	printf("token_full_median_ms=%.1f\n", t[runs / 2] * 1000);
	printf("token_full_best_ms=%.1f\n", t[0] * 1000);
	printf("token_full_worst_ms=%.1f\n", t[runs - 1] * 1000);
	printf("token_ms_per_apdu=%.2f\n", t[runs / 2] * 1000 / (double)total);
	free(t);
	token_dev_free(dev);
	issuer_free(ca);
	bench_rmdir(dir);
	if (total > MAX_APDUS) {
		fprintf(stderr, "bench_token: %lu APDUs, over 1.5 times the minimum %d (%d)\n", total,
			MIN_APDUS, MAX_APDUS);
		return 1;
	}
	return 0;
}
