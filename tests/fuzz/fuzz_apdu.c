/* Fuzz harness for what the token driver parses from a card: response APDUs,
 * BER-TLV, FCP templates, ATRs, command APDUs (the simulator's side), the key
 * status object and the info record. Invariants checked with abort():
 *   - a parsed TLV lies inside the input and its total covers header + value;
 *   - iso_tlv_next always advances and stops at the end;
 *   - an FCP that parses has a DF name of at most 16 bytes and an SFI 1..30;
 *   - a decoded command re-encodes (short or extended as needed) to a command
 *     that decodes to the same fields;
 *   - a status object or info record that decodes re-encodes, and the
 *     re-encoding decodes to the same record;
 *   - iso_sw_status gives a real status and tries only for 63Cx / 6983.
 * Built with libFuzzer (make fuzz) and with tests/fuzz/replay.c (make test). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/token/iso7816.h"
#include "core/token/token_profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond)
{
	if (!cond)
		abort();
}

static void walk_tlv(const uint8_t *p, size_t n, int depth)
{
	size_t pos = 0;
	iso_tlv t;
	int rc;
	while ((rc = iso_tlv_next(p, n, &pos, &t)) == 1) {
		require(t.value >= p && t.value + t.len <= p + n);
		require(t.total > t.len && pos <= n);
		if (t.constructed && depth < 8)
			walk_tlv(t.value, t.len, depth + 1);
	}
	require(rc == 0 || rc == -1);
}

static void check_command(const uint8_t *p, size_t n)
{
	iso_apdu a;
	if (iso_apdu_decode(p, n, &a) != 0)
		return;
	require(a.nc <= ISO_EXT_NC_MAX && a.ne <= ISO_EXT_NE_MAX);
	static uint8_t buf[ISO_APDU_MAX];
	size_t k = iso_apdu_encode(&a, true, buf, sizeof buf);
	require(k > 0);
	iso_apdu b;
	require(iso_apdu_decode(buf, k, &b) == 0);
	require(a.cla == b.cla && a.ins == b.ins && a.p1 == b.p1 && a.p2 == b.p2);
	require(a.nc == b.nc && a.ne == b.ne);
	require(a.nc == 0 || memcmp(a.data, b.data, a.nc) == 0);
	/* chained, every part is a short command */
	if (a.ne <= ISO_SHORT_NE_MAX && a.nc > 0) {
		size_t parts = iso_chain_parts(a.nc, 255);
		size_t total = 0;
		for (size_t i = 0; i < parts && i < 300; i++) {
			size_t m = iso_chain_encode(&a, i, 255, buf, sizeof buf);
			require(m > 0);
			require(iso_apdu_decode(buf, m, &b) == 0 && iso_apdu_is_short(&b));
			total += b.nc;
		}
		require(parts > 300 || total == a.nc);
	}
}

static void check_records(const uint8_t *p, size_t n)
{
	tp_status s;
	if (tp_status_decode(p, n, &s) == 0) {
		uint8_t buf[256];
		tp_status t;
		size_t k = tp_status_encode(&s, buf, sizeof buf);
		require(k > 0 && tp_status_decode(buf, k, &t) == 0);
		require(strcmp(s.serial, t.serial) == 0 && s.lcs == t.lcs);
	}
	tp_record r;
	if (tp_record_decode(p, n, &r) == 0) {
		uint8_t buf[TP_RECORD_MAX];
		tp_record q;
		size_t k = tp_record_encode(&r, buf, sizeof buf);
		require(k > 0 && tp_record_decode(buf, k, &q) == 0);
		require(q.seq == r.seq && q.not_after == r.not_after && q.cert_len == r.cert_len);
		require(strcmp(q.unit_name, r.unit_name) == 0);
	} else {
		require(r.seq == 0 && r.unit_name[0] == '\0');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	iso_resp r;
	if (iso_resp_parse(data, size, &r) == 0) {
		require(r.len == size - 2);
		int tries;
		token_status st = iso_sw_status(r.sw, &tries);
		require(st >= TOK_OK && st < TOK_STATUS_COUNT);
		require(tries == -1 || iso_sw_is_tries(r.sw) || r.sw == ISO_SW_BLOCKED);
		require(iso_sw_text(r.sw) != NULL);
	} else {
		require(size < 2);
	}
	walk_tlv(data, size, 0);
	iso_fcp f;
	if (iso_fcp_parse(data, size, &f) == 0) {
		require(f.df_name_len <= sizeof f.df_name);
		require(!f.has_sfi || (f.sfi >= 1 && f.sfi <= 30));
	}
	iso_atr a;
	if (iso_atr_parse(data, size, &a) == 0)
		require(a.hist_len <= 15 && (a.hist_len == 0 || (a.hist >= data && a.hist + a.hist_len <= data + size)));
	check_command(data, size);
	check_records(data, size);
	return 0;
}
