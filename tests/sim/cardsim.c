/* cardsim: a customer key for tests, behind the vpcd reader driver of pcscd.
 * It connects to vpcd over TCP (127.0.0.1:35963 is reader "Virtual PCD 00 00",
 * --port 35964 the second reader): connecting is inserting the key, closing
 * the connection pulling it. Framing in both directions: a 2-byte big-endian
 * length, then the message; a 1-byte message from vpcd is a control code
 * (0 power off, 1 power on, 2 reset, 4 send the ATR), anything longer is a
 * command APDU answered with data + SW1 SW2.
 *
 * It implements the token profile (docs/token-profile.md): an MF with the
 * application DF created by CREATE FILE, two info EFs and two certificate
 * EFs, FCP on SELECT, the user and admin PINs with retry counters (the
 * counter goes down before the comparison, as on a real card, so a pull
 * during a VERIFY costs the try), an EC P-256 key pair generated on the card
 * whose private key never leaves it, and INTERNAL AUTHENTICATE. Every change
 * is persisted to --state FILE (temp file, fsync, rename) before the answer,
 * so a key survives being pulled and a restarted simulator is the same key.
 *
 * Fault injection:
 *   --tear-after N   count the data bytes of every writing command (at least
 *                    1 per command) from 0; the command during which the count
 *                    passes N is torn: an UPDATE BINARY keeps the bytes that
 *                    had arrived, any other command none; no answer is sent
 *                    and the key is pulled. Then the simulator exits with
 *                    status 3, or with --reinsert-ms M is inserted again after
 *                    M ms (no more tearing).
 *   --sw N:XXXX      answer the Nth command APDU (from 1, over the process's
 *                    life) with status word XXXX without doing it (repeatable)
 *   --sw-ins II:XXXX[:K]  answer the K-th (default first) command APDU with
 *                    instruction byte II (hex) with status word XXXX instead;
 *                    K 0: every one (a card without that command)
 *   --delay-ms D     answer every command APDU D ms late
 *   --no-extended    no extended lengths (ATR says so; such APDUs get 6700)
 *   --log FILE       one line per writing command: "W <ins> <start> <weight>"
 *                    (the tear positions of a run) and per APDU "A <hex> <sw>"
 *   --piv-only       a key with the PIV application alone, as a YubiKey 5
 *                    with only PIV enabled answers: the kiosk's profile is
 *                    not there (its SELECT 6A82, its other commands 6D00),
 *                    and PIV answers Yubico's GET SERIAL (F8) with --serial,
 *                    which must then be a number (a YubiKey's serial)
 * Signals: SIGUSR1 pulls the key (closes the connection) and, sent again,
 * inserts it; SIGTERM / SIGINT exit; so does the death of the parent. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/token/iso7816.h"
#include "core/token/token_profile.h"

#define MAX_EF 8
/* The SM2 distinguishing ID an SM2 card signs with: GM/T 0009's default,
 * written here rather than taken from the kiosk, so that card and kiosk
 * cannot agree on the same mistake */
#define SM2_ID "1234567812345678"
#define CHAIN_MAX 8192
#define FILE_MAX 4096

typedef struct ef {
	uint16_t fid;
	uint8_t sfi;
	size_t size;
	uint8_t *data;
} ef;

/* What persists: the key itself. */
typedef struct card {
	char serial[TOKEN_SERIAL_MAX + 1];
	bool app;
	uint8_t lcs;
	ef efs[MAX_EF];
	int n_ef;
	bool user_set, admin_set;
	uint8_t user_pin[TP_PIN_BLOCK], admin_pin[TP_PIN_BLOCK];
	int user_max, user_left, admin_max, admin_left;
	EVP_PKEY *key;
} card;

/* What a reset or power cycle clears. */
typedef struct session {
	bool in_df;            /* the application DF is the current DF */
	int cur_ef;            /* index into efs, -1 none */
	bool user_ok, admin_ok;
	uint8_t chain[CHAIN_MAX];
	size_t chain_len;
	int chain_ins;         /* -1 no chain open */
	uint8_t chain_p1, chain_p2;
} session;

static struct opts {
	const char *state, *host, *log;
	char serial[TOKEN_SERIAL_MAX + 1];
	int port;
	long tear_after;       /* -1 none */
	long reinsert_ms;      /* -1: exit after a tear */
	long delay_ms;
	bool no_ext;
	bool piv_only;
	int user_tries, admin_tries;
	struct {
		long n;
		uint16_t sw;
	} sw[16];
	int n_sw;
	int sw_ins;        /* --sw-ins: this INS (-1 none) ... */
	uint16_t sw_ins_sw; /* ... answered with this status word ... */
	long sw_ins_k;     /* ... the k-th time it comes */
	bool verbose;
} O = { .host = "127.0.0.1", .port = 35963, .tear_after = -1, .reinsert_ms = -1,
	.user_tries = 6, .admin_tries = 10, .sw_ins = -1 };

static card C;
static session S;
static long write_bytes; /* data bytes of writing commands so far */
static long apdu_no;
static FILE *logfp;
static volatile sig_atomic_t want_toggle, want_exit;

static void die(const char *what)
{
	fprintf(stderr, "cardsim: %s\n", what);
	exit(2);
}

static void logline(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logline(const char *fmt, ...)
{
	if (!logfp)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(logfp, fmt, ap);
	va_end(ap);
	fflush(logfp);
}

/* The PIV application's part of the state and the session (below). */
static void piv_save(FILE *f);
static bool piv_load_line(const char *line, uint8_t *buf, size_t cap, char *hex);
static void piv_factory(void);
static void piv_reset_session(void);

/* ---- persistence ---- */

static void hexout(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02X", p[i]);
	if (n == 0)
		fputc('-', f);
}

static void save(void)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", O.state);
	FILE *f = fopen(tmp, "w");
	if (!f)
		die("cannot write the state file");
	fprintf(f, "cardsim 1\nserial %s\napp %d %d\n", C.serial, C.app, C.lcs);
	fprintf(f, "user %d %d %d ", C.user_set, C.user_max, C.user_left);
	hexout(f, C.user_pin, C.user_set ? TP_PIN_BLOCK : 0);
	fprintf(f, "\nadmin %d %d %d ", C.admin_set, C.admin_max, C.admin_left);
	hexout(f, C.admin_pin, C.admin_set ? TP_PIN_BLOCK : 0);
	fprintf(f, "\nkey ");
	uint8_t *der = NULL;
	int n = C.key ? i2d_PrivateKey(C.key, &der) : 0;
	hexout(f, der, n > 0 ? (size_t)n : 0);
	OPENSSL_free(der);
	fputc('\n', f);
	for (int i = 0; i < C.n_ef; i++) {
		fprintf(f, "ef %04X %d %zu ", C.efs[i].fid, C.efs[i].sfi, C.efs[i].size);
		hexout(f, C.efs[i].data, C.efs[i].size);
		fputc('\n', f);
	}
	piv_save(f);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0)
		die("cannot write the state file");
	if (rename(tmp, O.state) != 0)
		die("cannot rename the state file");
}

static size_t unhex_line(const char *s, uint8_t *out, size_t cap)
{
	if (strcmp(s, "-") == 0)
		return 0;
	long n = iso_unhex(s, out, cap);
	if (n < 0)
		die("state file: bad hex");
	return (size_t)n;
}

static void load(void)
{
	FILE *f = fopen(O.state, "r");
	memset(&C, 0, sizeof C);
	piv_factory();
	C.user_max = C.user_left = O.user_tries;
	C.admin_max = C.admin_left = O.admin_tries;
	if (!f) {
		/* a new blank key */
		if (O.serial[0])
			snprintf(C.serial, sizeof C.serial, "%s", O.serial);
		else
			snprintf(C.serial, sizeof C.serial, "SIM-%08lX", (unsigned long)time(NULL));
		save();
		return;
	}
	char *line = NULL;
	size_t cap = 0;
	static uint8_t buf[FILE_MAX + 64];
	char word[16], hex[FILE_MAX * 2 + 8];
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		int a, b, c;
		unsigned fid;
		size_t size;
		if (sscanf(line, "serial %32s", C.serial) == 1)
			continue;
		if (piv_load_line(line, buf, sizeof buf, hex))
			continue;
		if (sscanf(line, "app %d %d", &a, &b) == 2) {
			C.app = a;
			C.lcs = (uint8_t)b;
		} else if (sscanf(line, "%15s %d %d %d %8199s", word, &a, &b, &c, hex) == 5 &&
			   (!strcmp(word, "user") || !strcmp(word, "admin"))) {
			bool u = !strcmp(word, "user");
			size_t n = unhex_line(hex, u ? C.user_pin : C.admin_pin, TP_PIN_BLOCK);
			*(u ? &C.user_set : &C.admin_set) = a && n == TP_PIN_BLOCK;
			*(u ? &C.user_max : &C.admin_max) = b;
			*(u ? &C.user_left : &C.admin_left) = c;
		} else if (sscanf(line, "key %8199s", hex) == 1) {
			size_t n = unhex_line(hex, buf, sizeof buf);
			const uint8_t *p = buf;
			C.key = n ? d2i_AutoPrivateKey(NULL, &p, (long)n) : NULL;
			if (n && !C.key)
				die("state file: bad key");
		} else if (sscanf(line, "ef %x %d %zu %8199s", &fid, &a, &size, hex) == 4) {
			if (C.n_ef == MAX_EF || size > FILE_MAX)
				die("state file: too many or too large files");
			ef *e = &C.efs[C.n_ef++];
			e->fid = (uint16_t)fid;
			e->sfi = (uint8_t)a;
			e->size = size;
			e->data = calloc(1, size ? size : 1);
			if (!e->data || unhex_line(hex, e->data, size) != size)
				die("state file: bad file data");
		}
	}
	free(line);
	fclose(f);
	if (!token_serial_valid(C.serial))
		die("state file: no valid serial");
}

static void wipe_app(void)
{
	for (int i = 0; i < C.n_ef; i++)
		free(C.efs[i].data);
	C.n_ef = 0;
	C.app = false;
	C.lcs = 0;
	C.user_set = C.admin_set = false;
	C.user_max = C.user_left = O.user_tries;
	C.admin_max = C.admin_left = O.admin_tries;
	EVP_PKEY_free(C.key);
	C.key = NULL;
}

static void reset_session(void)
{
	piv_reset_session();
	memset(&S, 0, sizeof S);
	S.cur_ef = -1;
	S.chain_ins = -1;
}

/* ---- answers ---- */

typedef struct out {
	uint8_t b[FILE_MAX + 512];
	size_t n;
} out;

static uint16_t data_sw(out *o, const uint8_t *p, size_t n, uint16_t sw)
{
	memcpy(o->b + o->n, p, n);
	o->n += n;
	return sw;
}

static int find_ef_fid(uint16_t fid)
{
	for (int i = 0; i < C.n_ef; i++)
		if (C.efs[i].fid == fid)
			return i;
	return -1;
}

static int find_ef_sfi(uint8_t sfi)
{
	for (int i = 0; i < C.n_ef; i++)
		if (C.efs[i].sfi == sfi)
			return i;
	return -1;
}

static size_t fcp_df(uint8_t *o, size_t cap)
{
	uint8_t in[64];
	iso_buf b, w;
	iso_buf_init(&b, in, sizeof in);
	uint8_t fdb = ISO_FDB_DF, fid[2] = { TP_DF_FID >> 8, TP_DF_FID & 0xFF };
	iso_buf_tlv(&b, 0x82, &fdb, 1);
	iso_buf_tlv(&b, 0x83, fid, 2);
	iso_buf_tlv(&b, 0x84, tp_aid, TP_AID_LEN);
	iso_buf_tlv(&b, 0x8A, &C.lcs, 1);
	iso_buf_init(&w, o, cap);
	iso_buf_tlv(&w, 0x62, in, b.len);
	return w.len;
}

static size_t fcp_ef(const ef *e, uint8_t *o, size_t cap)
{
	uint8_t in[64];
	iso_buf b, w;
	iso_buf_init(&b, in, sizeof in);
	uint8_t size[2] = { (uint8_t)(e->size >> 8), (uint8_t)e->size };
	uint8_t fdb = ISO_FDB_TRANSPARENT, fid[2] = { (uint8_t)(e->fid >> 8), (uint8_t)e->fid };
	uint8_t sfi = (uint8_t)(e->sfi << 3), lcs = ISO_LCS_OPERATIONAL;
	iso_buf_tlv(&b, 0x80, size, 2);
	iso_buf_tlv(&b, 0x82, &fdb, 1);
	iso_buf_tlv(&b, 0x83, fid, 2);
	iso_buf_tlv(&b, 0x88, &sfi, 1);
	iso_buf_tlv(&b, 0x8A, &lcs, 1);
	iso_buf_init(&w, o, cap);
	iso_buf_tlv(&w, 0x62, in, b.len);
	return w.len;
}

/* ---- the PIV application (NIST SP 800-73-4) ----
 * Present from the factory, as on a YubiKey: management key 3DES 0102..08
 * three times, PIN 123456 (3 tries), PUK 12345678 (3 tries), no key pairs, no
 * objects. Selected by its AID (the version may be left off); while it is the
 * current application, GET DATA (CB) by tag list, PUT DATA (DB), GENERATE
 * (47) in slots 9A / 9C, GENERAL AUTHENTICATE (87: the management key's
 * mutual authentication, signatures), VERIFY / CHANGE REFERENCE DATA / RESET
 * RETRY COUNTER on the PIN (80) and PUK (81), and Yubico's SET MANAGEMENT KEY
 * (FF) go here. Answers longer than Le (Le absent: 256) come in parts with
 * 61xx and GET RESPONSE, as a card speaking short APDUs does. */

#define PIV_MAX_OBJ 12
#define PIV_OBJ_MAX 3072

typedef struct piv_obj {
	uint32_t tag;
	size_t len;
	uint8_t *data;   /* the content of 53 (or the whole 7E) */
} piv_obj;

/* What persists of the PIV application. */
static struct piv_card {
	uint8_t mgm_alg;
	uint8_t mgm[TP_PIV_MGM_LEN];
	uint8_t pin[TP_PIV_PIN_BLOCK], puk[TP_PIV_PIN_BLOCK];
	int pin_max, pin_left, puk_max, puk_left;
	EVP_PKEY *key9a, *key9c;
	piv_obj obj[PIV_MAX_OBJ];
	int n_obj;
} P;

/* What a reset or a change of application clears. */
static struct piv_session {
	bool selected;
	bool pin_ok, mgm_ok;
	uint8_t witness[16];    /* the mutual authentication under way */
	size_t witness_len;
	uint8_t pend[FILE_MAX + 512];  /* the rest of a long answer (GET RESPONSE) */
	size_t pend_len, pend_off;
} PS;

static void piv_factory(void)
{
	for (int i = 0; i < P.n_obj; i++)
		free(P.obj[i].data);
	EVP_PKEY_free(P.key9a);
	EVP_PKEY_free(P.key9c);
	memset(&P, 0, sizeof P);
	P.mgm_alg = TP_PIV_ALG_3DES;
	memcpy(P.mgm, tp_piv_factory_mgm, TP_PIV_MGM_LEN);
	tp_piv_pin_block(TP_PIV_FACTORY_PIN, P.pin);
	tp_piv_pin_block(TP_PIV_FACTORY_PUK, P.puk);
	P.pin_max = P.pin_left = 3;
	P.puk_max = P.puk_left = 3;
}

static void piv_reset_session(void)
{
	memset(&PS, 0, sizeof PS);
}

static piv_obj *piv_find(uint32_t tag)
{
	for (int i = 0; i < P.n_obj; i++)
		if (P.obj[i].tag == tag)
			return &P.obj[i];
	return NULL;
}

static void piv_save(FILE *f)
{
	fprintf(f, "pivmgm %02X ", P.mgm_alg);
	hexout(f, P.mgm, TP_PIV_MGM_LEN);
	fprintf(f, "\npivpin %d %d ", P.pin_max, P.pin_left);
	hexout(f, P.pin, TP_PIV_PIN_BLOCK);
	fprintf(f, "\npivpuk %d %d ", P.puk_max, P.puk_left);
	hexout(f, P.puk, TP_PIV_PIN_BLOCK);
	fputc('\n', f);
	EVP_PKEY *keys[2] = { P.key9a, P.key9c };
	for (int i = 0; i < 2; i++) {
		if (!keys[i])
			continue;
		uint8_t *der = NULL;
		int n = i2d_PrivateKey(keys[i], &der);
		fprintf(f, "pivkey %s ", i ? "9C" : "9A");
		hexout(f, der, n > 0 ? (size_t)n : 0);
		fputc('\n', f);
		OPENSSL_free(der);
	}
	for (int i = 0; i < P.n_obj; i++) {
		fprintf(f, "pivobj %06X ", (unsigned)P.obj[i].tag);
		hexout(f, P.obj[i].data, P.obj[i].len);
		fputc('\n', f);
	}
}

/* One line of the state file; false when it is not a PIV line. */
static bool piv_load_line(const char *line, uint8_t *buf, size_t cap, char *hex)
{
	unsigned a;
	int b, c;
	char slot = 0;
	if (sscanf(line, "pivmgm %x %8199s", &a, hex) == 2) {
		P.mgm_alg = (uint8_t)a;
		if (unhex_line(hex, P.mgm, TP_PIV_MGM_LEN) != TP_PIV_MGM_LEN)
			die("state file: bad PIV management key");
	} else if (sscanf(line, "pivpin %d %d %8199s", &b, &c, hex) == 3) {
		P.pin_max = b;
		P.pin_left = c;
		unhex_line(hex, P.pin, TP_PIV_PIN_BLOCK);
	} else if (sscanf(line, "pivpuk %d %d %8199s", &b, &c, hex) == 3) {
		P.puk_max = b;
		P.puk_left = c;
		unhex_line(hex, P.puk, TP_PIV_PIN_BLOCK);
	} else if (sscanf(line, "pivkey 9%c %8199s", &slot, hex) == 2) {
		size_t n = unhex_line(hex, buf, cap);
		const uint8_t *p = buf;
		EVP_PKEY *k = d2i_AutoPrivateKey(NULL, &p, (long)n);
		if (!k)
			die("state file: bad PIV key");
		*(slot == 'A' ? &P.key9a : &P.key9c) = k;
	} else if (sscanf(line, "pivobj %x %8199s", &a, hex) == 2) {
		if (P.n_obj == PIV_MAX_OBJ)
			die("state file: too many PIV objects");
		size_t n = unhex_line(hex, buf, cap);
		piv_obj *o = &P.obj[P.n_obj++];
		o->tag = a;
		o->len = n;
		o->data = malloc(n ? n : 1);
		if (!o->data)
			die("out of memory");
		memcpy(o->data, buf, n);
	} else {
		return false;
	}
	return true;
}

/* The answer, or its first part when it is longer than the command asked
 * for: 61xx says how much more GET RESPONSE gives. */
static uint16_t piv_answer(const iso_apdu *a, out *o, const uint8_t *p, size_t n)
{
	size_t ne = a->ne ? a->ne : 256;
	if (n <= ne)
		return data_sw(o, p, n, ISO_SW_OK);
	memcpy(PS.pend, p + ne, n - ne);
	PS.pend_len = n - ne;
	PS.pend_off = 0;
	data_sw(o, p, ne, 0);
	size_t rest = PS.pend_len > 255 ? 0 : PS.pend_len; /* 6100: 256 or more */
	return (uint16_t)(0x6100 | rest);
}

static uint16_t piv_get_response(const iso_apdu *a, out *o)
{
	if (PS.pend_off >= PS.pend_len)
		return ISO_SW_CONDITIONS;
	if (a->p1 || a->p2)
		return ISO_SW_WRONG_P1P2;
	size_t left = PS.pend_len - PS.pend_off;
	size_t ne = a->ne ? a->ne : 256;
	size_t k = left < ne ? left : ne;
	data_sw(o, PS.pend + PS.pend_off, k, 0);
	PS.pend_off += k;
	left -= k;
	if (!left) {
		PS.pend_len = PS.pend_off = 0;
		return ISO_SW_OK;
	}
	return (uint16_t)(0x6100 | (left > 255 ? 0 : left));
}

/* The application property template SELECT answers (SP 800-73-4 part 1,
 * 3.1.1): AID (PIX and version), its authority, label, algorithms. */
static uint16_t piv_select(const iso_apdu *a, out *o)
{
	if (a->p2 != 0x00)
		return ISO_SW_WRONG_P1P2;
	PS.selected = true;
	PS.pin_ok = PS.mgm_ok = false;
	S.in_df = false;
	S.cur_ef = -1;
	S.user_ok = S.admin_ok = false;
	uint8_t in[96], apt[128];
	iso_buf b, w;
	static const uint8_t alloc[] = { 0x4F, 0x05, 0xA0, 0x00, 0x00, 0x03, 0x08 };
	static const uint8_t algs[] = { 0x80, 0x01, TP_PIV_ALG_3DES, 0x80, 0x01, TP_PIV_ALG_AES192,
					0x80, 0x01, TP_PIV_ALG_P256, 0x06, 0x00 };
	iso_buf_init(&b, in, sizeof in);
	iso_buf_tlv(&b, 0x4F, tp_piv_aid + 5, TP_PIV_AID_LEN - 5);
	iso_buf_tlv(&b, 0x79, alloc, sizeof alloc);
	iso_buf_tlv(&b, 0x50, "cardsim PIV", 11);
	iso_buf_tlv(&b, 0xAC, algs, sizeof algs);
	iso_buf_init(&w, apt, sizeof apt);
	iso_buf_tlv(&w, 0x61, in, b.len);
	if (!a->ne)
		return ISO_SW_OK;
	return piv_answer(a, o, apt, w.len);
}

/* The tag a 5C list names (1 to 3 bytes). */
static int piv_tag_list(const iso_apdu *a, uint32_t *tag, size_t *used)
{
	iso_tlv t;
	if (iso_tlv_parse(a->data, a->nc, &t) != 0 || t.tag != 0x5C || t.len < 1 || t.len > 3)
		return -1;
	*tag = 0;
	for (size_t i = 0; i < t.len; i++)
		*tag = *tag << 8 | t.value[i];
	*used = t.total;
	return 0;
}

static uint16_t piv_get_data(const iso_apdu *a, out *o)
{
	if (a->p1 != 0x3F || a->p2 != 0xFF)
		return ISO_SW_WRONG_P1P2;
	uint32_t tag;
	size_t used;
	if (piv_tag_list(a, &tag, &used) != 0 || used != a->nc)
		return ISO_SW_WRONG_DATA;
	static uint8_t buf[PIV_OBJ_MAX + 16];
	iso_buf w;
	iso_buf_init(&w, buf, sizeof buf);
	if (tag == TP_PIV_OBJ_DISCOVERY) {
		/* 7E { AID, PIN usage policy: the PIV PIN only } */
		uint8_t in[32];
		iso_buf b;
		static const uint8_t policy[] = { 0x40, 0x00 };
		iso_buf_init(&b, in, sizeof in);
		iso_buf_tlv(&b, 0x4F, tp_piv_aid, TP_PIV_AID_LEN);
		iso_buf_tlv(&b, 0x5F2F, policy, sizeof policy);
		iso_buf_tlv(&w, 0x7E, in, b.len);
		return piv_answer(a, o, buf, w.len);
	}
	/* the PINs' data object may be read only after the PIN (SP 800-73-4
	 * table 2: printed information, facial image, ... need the PIN) */
	if (tag == 0x5FC109 && !PS.pin_ok)
		return ISO_SW_SECURITY;
	piv_obj *ob = piv_find(tag);
	if ((tag & 0xFFFF00) != 0x5FC100 || !ob)
		return ISO_SW_NOT_FOUND;
	iso_buf_tlv(&w, 0x53, ob->data, ob->len);
	return piv_answer(a, o, buf, w.len);
}

static uint16_t piv_put_data(const iso_apdu *a)
{
	if (a->p1 != 0x3F || a->p2 != 0xFF)
		return ISO_SW_WRONG_P1P2;
	if (!PS.mgm_ok)
		return ISO_SW_SECURITY;
	uint32_t tag;
	size_t used;
	iso_tlv v;
	if (piv_tag_list(a, &tag, &used) != 0 || (tag & 0xFFFF00) != 0x5FC100 ||
	    iso_tlv_parse(a->data + used, a->nc - used, &v) != 0 || v.tag != 0x53 ||
	    used + v.total != a->nc)
		return ISO_SW_WRONG_DATA;
	if (v.len > PIV_OBJ_MAX)
		return ISO_SW_NO_SPACE;
	piv_obj *ob = piv_find(tag);
	if (v.len == 0) { /* an empty object is no object */
		if (ob) {
			free(ob->data);
			*ob = P.obj[--P.n_obj];
		}
		return ISO_SW_OK;
	}
	if (!ob) {
		if (P.n_obj == PIV_MAX_OBJ)
			return ISO_SW_NO_SPACE;
		ob = &P.obj[P.n_obj++];
		ob->tag = tag;
		ob->data = NULL;
	}
	uint8_t *d = malloc(v.len);
	if (!d)
		return ISO_SW_MEMORY;
	memcpy(d, v.value, v.len);
	free(ob->data);
	ob->data = d;
	ob->len = v.len;
	return ISO_SW_OK;
}

/* A PIN or PUK comparison; the counter goes down (and is saved) first. */
static uint16_t piv_check(bool pin, const uint8_t *p, size_t n)
{
	int *left = pin ? &P.pin_left : &P.puk_left;
	if (*left <= 0)
		return ISO_SW_BLOCKED;
	(*left)--;
	save();
	if (n == TP_PIV_PIN_BLOCK && memcmp(p, pin ? P.pin : P.puk, n) == 0) {
		*left = pin ? P.pin_max : P.puk_max;
		if (pin)
			PS.pin_ok = true;
		save();
		return ISO_SW_OK;
	}
	if (pin)
		PS.pin_ok = false;
	return *left ? (uint16_t)(0x63C0 | *left) : ISO_SW_BLOCKED;
}

static uint16_t piv_verify(const iso_apdu *a)
{
	if (a->p2 != TP_PIV_PIN || (a->p1 != 0x00 && a->p1 != 0xFF))
		return a->p2 == TP_PIV_PUK || a->p2 == 0x00 ? ISO_SW_WRONG_P1P2 : ISO_SW_DATA_NOT_FOUND;
	if (a->p1 == 0xFF) {
		if (a->nc)
			return ISO_SW_WRONG_DATA;
		PS.pin_ok = false;
		return ISO_SW_OK;
	}
	if (a->nc == 0) {
		if (PS.pin_ok)
			return ISO_SW_OK;
		return P.pin_left ? (uint16_t)(0x63C0 | P.pin_left) : ISO_SW_BLOCKED;
	}
	if (a->nc != TP_PIV_PIN_BLOCK)
		return ISO_SW_WRONG_DATA;
	return piv_check(true, a->data, a->nc);
}

/* A new PIN or PUK: 6-8 bytes padded with FF (digits for the PIN). */
static bool piv_new_ok(const uint8_t *p, bool pin)
{
	size_t n = 0;
	while (n < TP_PIV_PIN_BLOCK && p[n] != 0xFF)
		n++;
	for (size_t i = n; i < TP_PIV_PIN_BLOCK; i++)
		if (p[i] != 0xFF)
			return false;
	for (size_t i = 0; pin && i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return n >= 6;
}

static uint16_t piv_change(const iso_apdu *a)
{
	if (a->p1 != 0x00 || (a->p2 != TP_PIV_PIN && a->p2 != TP_PIV_PUK))
		return ISO_SW_WRONG_P1P2;
	if (a->nc != 2 * TP_PIV_PIN_BLOCK)
		return ISO_SW_WRONG_DATA;
	bool pin = a->p2 == TP_PIV_PIN;
	if (!piv_new_ok(a->data + TP_PIV_PIN_BLOCK, pin))
		return ISO_SW_WRONG_DATA;
	uint16_t sw = piv_check(pin, a->data, TP_PIV_PIN_BLOCK);
	if (sw == ISO_SW_OK)
		memcpy(pin ? P.pin : P.puk, a->data + TP_PIV_PIN_BLOCK, TP_PIV_PIN_BLOCK);
	return sw;
}

static uint16_t piv_reset_retry(const iso_apdu *a)
{
	if (a->p1 != 0x00 || a->p2 != TP_PIV_PIN)
		return ISO_SW_WRONG_P1P2;
	if (a->nc != 2 * TP_PIV_PIN_BLOCK || !piv_new_ok(a->data + TP_PIV_PIN_BLOCK, true))
		return ISO_SW_WRONG_DATA;
	uint16_t sw = piv_check(false, a->data, TP_PIV_PIN_BLOCK);
	if (sw != ISO_SW_OK)
		return sw;
	memcpy(P.pin, a->data + TP_PIV_PIN_BLOCK, TP_PIV_PIN_BLOCK);
	P.pin_left = P.pin_max;
	return ISO_SW_OK;
}

static const EVP_CIPHER *piv_cipher(uint8_t alg)
{
	return alg == TP_PIV_ALG_3DES ? EVP_des_ede3_ecb() : alg == TP_PIV_ALG_AES192 ?
		EVP_aes_192_ecb() : NULL;
}

/* One block of the management key's cipher. */
static bool piv_block(bool enc, const uint8_t *in, size_t n, uint8_t *outb)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l1 = 0, l2 = 0;
	bool ok = c && EVP_CipherInit_ex(c, piv_cipher(P.mgm_alg), NULL, P.mgm, NULL, enc) == 1 &&
		  EVP_CIPHER_CTX_set_padding(c, 0) == 1 &&
		  EVP_CipherUpdate(c, outb, &l1, in, (int)n) == 1 &&
		  EVP_CipherFinal_ex(c, outb + l1, &l2) == 1 && (size_t)(l1 + l2) == n;
	EVP_CIPHER_CTX_free(c);
	return ok;
}

/* 7C { 82 DER ECDSA-Sig-Value } over the digest in 81, with the PIN verified. */
static uint16_t piv_sign(const iso_apdu *a, out *o, const iso_tlv *dyn)
{
	EVP_PKEY *k = a->p2 == TP_PIV_SLOT_AUTH ? P.key9a : a->p2 == TP_PIV_SLOT_SIGN ? P.key9c : NULL;
	if (a->p1 != TP_PIV_ALG_P256)
		return ISO_SW_WRONG_P1P2;
	if (!k)
		return ISO_SW_NOT_FOUND;
	iso_tlv resp, chal;
	if (iso_tlv_find(dyn->value, dyn->len, 0x82, &resp) != 1 || resp.len != 0 ||
	    iso_tlv_find(dyn->value, dyn->len, 0x81, &chal) != 1 || chal.len == 0 || chal.len > 64)
		return ISO_SW_WRONG_DATA;
	if (!PS.pin_ok)
		return ISO_SW_SECURITY;
	/* 9C is the digital signature key: its PIN counts for one signature */
	if (a->p2 == TP_PIV_SLOT_SIGN)
		PS.pin_ok = false;
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(k, NULL);
	uint8_t sig[80];
	size_t sl = sizeof sig;
	int ok = pc && EVP_PKEY_sign_init(pc) == 1 &&
		 EVP_PKEY_sign(pc, sig, &sl, chal.value, chal.len) == 1;
	EVP_PKEY_CTX_free(pc);
	if (!ok)
		return ISO_SW_UNKNOWN;
	uint8_t in[96], buf[100];
	iso_buf b, w;
	iso_buf_init(&b, in, sizeof in);
	iso_buf_tlv(&b, 0x82, sig, sl);
	iso_buf_init(&w, buf, sizeof buf);
	iso_buf_tlv(&w, 0x7C, in, b.len);
	return piv_answer(a, o, buf, w.len);
}

/* GENERAL AUTHENTICATE: the management key (9B) by mutual authentication
 * (7C { 80 00 } for the witness, then 7C { 80 witness, 81 challenge }), or a
 * signature with a slot's key. */
static uint16_t piv_gen_auth(const iso_apdu *a, out *o)
{
	iso_tlv dyn;
	if (iso_tlv_parse(a->data, a->nc, &dyn) != 0 || dyn.tag != 0x7C || dyn.total != a->nc)
		return ISO_SW_WRONG_DATA;
	if (a->p2 != TP_PIV_MGM)
		return piv_sign(a, o, &dyn);
	if (a->p1 != P.mgm_alg)
		return ISO_SW_WRONG_P1P2;
	size_t bs = (size_t)EVP_CIPHER_get_block_size(piv_cipher(P.mgm_alg));
	iso_tlv wit, chal;
	int hw = iso_tlv_find(dyn.value, dyn.len, 0x80, &wit);
	int hc = iso_tlv_find(dyn.value, dyn.len, 0x81, &chal);
	uint8_t in[48], buf[64], tmp[16];
	iso_buf b, w;
	iso_buf_init(&b, in, sizeof in);
	iso_buf_init(&w, buf, sizeof buf);
	if (hw == 1 && wit.len == 0 && hc != 1) {
		/* step 1: a fresh witness, encrypted */
		PS.mgm_ok = false;
		RAND_bytes(PS.witness, (int)bs);
		PS.witness_len = bs;
		if (!piv_block(true, PS.witness, bs, tmp))
			return ISO_SW_UNKNOWN;
		iso_buf_tlv(&b, 0x80, tmp, bs);
		iso_buf_tlv(&w, 0x7C, in, b.len);
		return piv_answer(a, o, buf, w.len);
	}
	if (hw == 1 && hc == 1 && wit.len == bs && chal.len == bs) {
		/* step 2: the witness decrypted proves the key; the host's
		 * challenge encrypted proves the card's */
		bool right = PS.witness_len == bs && CRYPTO_memcmp(wit.value, PS.witness, bs) == 0;
		PS.witness_len = 0;
		if (!right)
			return ISO_SW_SECURITY;
		if (!piv_block(true, chal.value, bs, tmp))
			return ISO_SW_UNKNOWN;
		PS.mgm_ok = true;
		iso_buf_tlv(&b, 0x82, tmp, bs);
		iso_buf_tlv(&w, 0x7C, in, b.len);
		return piv_answer(a, o, buf, w.len);
	}
	PS.witness_len = 0;
	return ISO_SW_WRONG_DATA;
}

static uint16_t piv_generate(const iso_apdu *a, out *o)
{
	if (a->p1 != 0x00 || (a->p2 != TP_PIV_SLOT_AUTH && a->p2 != TP_PIV_SLOT_SIGN &&
			      a->p2 != 0x9D && a->p2 != 0x9E))
		return ISO_SW_WRONG_P1P2;
	if (a->p2 == 0x9D || a->p2 == 0x9E)
		return ISO_SW_FUNC_NOT_SUP; /* only the two slots this key uses */
	iso_tlv crt, alg;
	if (iso_tlv_parse(a->data, a->nc, &crt) != 0 || crt.tag != 0xAC ||
	    iso_tlv_find(crt.value, crt.len, 0x80, &alg) != 1 || alg.len != 1)
		return ISO_SW_WRONG_DATA;
	if (alg.value[0] != TP_PIV_ALG_P256)
		return ISO_SW_WRONG_DATA; /* this key makes P-256 pairs only */
	if (!PS.mgm_ok)
		return ISO_SW_SECURITY;
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!k)
		return ISO_SW_MEMORY;
	EVP_PKEY **slot = a->p2 == TP_PIV_SLOT_AUTH ? &P.key9a : &P.key9c;
	EVP_PKEY_free(*slot);
	*slot = k;
	uint8_t pt[65], in[80], buf[96];
	size_t n = 0;
	if (EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof pt,
					    &n) != 1 || n != 65)
		return ISO_SW_UNKNOWN;
	iso_buf b, w;
	iso_buf_init(&b, in, sizeof in);
	iso_buf_tlv(&b, 0x86, pt, n);
	iso_buf_init(&w, buf, sizeof buf);
	iso_buf_tlv(&w, 0x7F49, in, b.len);
	return piv_answer(a, o, buf, w.len);
}

/* Yubico's SET MANAGEMENT KEY: FF FF FF (or FE: touch), { alg, 9B, len, key }. */
static uint16_t piv_set_mgm(const iso_apdu *a)
{
	if (a->p1 != 0xFF || (a->p2 != 0xFF && a->p2 != 0xFE))
		return ISO_SW_WRONG_P1P2;
	if (!PS.mgm_ok)
		return ISO_SW_SECURITY;
	if (a->nc != 3 + TP_PIV_MGM_LEN || a->data[1] != TP_PIV_MGM ||
	    a->data[2] != TP_PIV_MGM_LEN || !piv_cipher(a->data[0]))
		return ISO_SW_WRONG_DATA;
	P.mgm_alg = a->data[0];
	memcpy(P.mgm, a->data + 3, TP_PIV_MGM_LEN);
	return ISO_SW_OK;
}

/* INS the PIV application answers while it is selected. */
static bool piv_ins(uint8_t ins)
{
	switch (ins) {
	case TP_PIV_INS_GET_DATA:
	case TP_PIV_INS_PUT_DATA:
	case TP_PIV_INS_GEN_AUTH:
	case TP_PIV_INS_SET_MGM:
	case ISO_INS_GENERATE_KEY:
	case ISO_INS_VERIFY:
	case ISO_INS_CHANGE_REF:
	case ISO_INS_RESET_RETRY:
	case ISO_INS_GET_RESPONSE:
		return true;
	default:
		return false;
	}
}

static uint16_t piv_execute(const iso_apdu *a, out *o)
{
	if (a->ins != ISO_INS_GET_RESPONSE)
		PS.pend_len = PS.pend_off = 0;
	switch (a->ins) {
	case TP_PIV_INS_GET_DATA: return piv_get_data(a, o);
	case TP_PIV_INS_PUT_DATA: return piv_put_data(a);
	case TP_PIV_INS_GEN_AUTH: return piv_gen_auth(a, o);
	case TP_PIV_INS_SET_MGM: return piv_set_mgm(a);
	case ISO_INS_GENERATE_KEY: return piv_generate(a, o);
	case ISO_INS_VERIFY: return piv_verify(a);
	case ISO_INS_CHANGE_REF: return piv_change(a);
	case ISO_INS_RESET_RETRY: return piv_reset_retry(a);
	case ISO_INS_GET_RESPONSE: return piv_get_response(a, o);
	default: return ISO_SW_INS;
	}
}

static bool is_piv_aid(const iso_apdu *a)
{
	return a->nc >= TP_PIV_AID_SHORT && a->nc <= TP_PIV_AID_LEN &&
	       memcmp(a->data, tp_piv_aid, a->nc) == 0;
}

static uint16_t do_select(const iso_apdu *a, out *o)
{
	uint8_t fcp[96];
	size_t n = 0;
	bool want_fcp = (a->p2 & 0x0C) == 0x04 || (a->p2 & 0x0C) == 0x00;
	if ((a->p2 & 0x0C) == 0x08 || (a->p2 & 0xF3) != 0)
		return ISO_SW_WRONG_P1P2;
	if (a->p1 == 0x04) {
		if (!C.app || a->nc != TP_AID_LEN || memcmp(a->data, tp_aid, TP_AID_LEN) != 0)
			return ISO_SW_NOT_FOUND;
		if (!S.in_df)
			S.user_ok = S.admin_ok = false;
		S.in_df = true;
		S.cur_ef = -1;
		n = fcp_df(fcp, sizeof fcp);
	} else if (a->p1 == 0x00 || a->p1 == 0x02) {
		if (a->nc != 2)
			return ISO_SW_WRONG_DATA;
		uint16_t fid = (uint16_t)(a->data[0] << 8 | a->data[1]);
		if (fid == 0x3F00 && a->p1 == 0x00) {
			S.in_df = false;
			S.cur_ef = -1;
			S.user_ok = S.admin_ok = false;
			uint8_t in[] = { 0x82, 0x01, 0x38, 0x83, 0x02, 0x3F, 0x00, 0x8A, 0x01, 0x05 };
			iso_buf w;
			iso_buf_init(&w, fcp, sizeof fcp);
			iso_buf_tlv(&w, 0x62, in, sizeof in);
			n = w.len;
		} else if (fid == TP_DF_FID && C.app && a->p1 == 0x00) {
			if (!S.in_df)
				S.user_ok = S.admin_ok = false;
			S.in_df = true;
			S.cur_ef = -1;
			n = fcp_df(fcp, sizeof fcp);
		} else {
			int i = S.in_df ? find_ef_fid(fid) : -1;
			if (i < 0)
				return ISO_SW_NOT_FOUND;
			S.cur_ef = i;
			n = fcp_ef(&C.efs[i], fcp, sizeof fcp);
		}
	} else {
		return ISO_SW_WRONG_P1P2;
	}
	if (!want_fcp)
		return ISO_SW_OK;
	if (a->ne && n > a->ne)
		n = a->ne;
	return data_sw(o, fcp, n, ISO_SW_OK);
}

static bool key_is_sm2(void)
{
	return C.key && EVP_PKEY_is_a(C.key, "SM2");
}

static uint16_t do_get_data(const iso_apdu *a, out *o)
{
	if (a->p1 != (TP_DO_STATUS >> 8) || a->p2 != (TP_DO_STATUS & 0xFF))
		return ISO_SW_DATA_NOT_FOUND;
	tp_status s = { .lcs = C.app ? C.lcs : 0, .user_max = -1, .user_left = -1,
			.admin_max = -1, .admin_left = -1, .has_key = C.key != NULL,
			.key_alg = key_is_sm2() ? TP_ALG_SM2 : TP_ALG_P256 };
	snprintf(s.serial, sizeof s.serial, "%s", C.serial);
	if (C.app && C.user_set) {
		s.user_max = C.user_max;
		s.user_left = C.user_left;
	}
	if (C.app && C.admin_set) {
		s.admin_max = C.admin_max;
		s.admin_left = C.admin_left;
	}
	uint8_t buf[128];
	size_t n = tp_status_encode(&s, buf, sizeof buf);
	if (!n)
		return ISO_SW_UNKNOWN;
	return data_sw(o, buf, n, ISO_SW_OK);
}

/* The current EF of READ / UPDATE BINARY and the offset: P1 b8 set names an
 * SFI (offset P2), else the current EF with a 15-bit offset. */
static uint16_t binary_target(const iso_apdu *a, int *idx, size_t *off)
{
	if (a->p1 & 0x80) {
		if (a->p1 & 0x60)
			return ISO_SW_WRONG_P1P2;
		int i = S.in_df ? find_ef_sfi(a->p1 & 0x1F) : -1;
		if (i < 0)
			return ISO_SW_NOT_FOUND;
		S.cur_ef = i;
		*idx = i;
		*off = a->p2;
	} else {
		if (S.cur_ef < 0)
			return 0x6986;
		*idx = S.cur_ef;
		*off = (size_t)a->p1 << 8 | a->p2;
	}
	return ISO_SW_OK;
}

static uint16_t do_read(const iso_apdu *a, out *o)
{
	int i;
	size_t off;
	uint16_t sw = binary_target(a, &i, &off);
	if (sw != ISO_SW_OK)
		return sw;
	ef *e = &C.efs[i];
	if (off > e->size)
		return ISO_SW_OFFSET;
	size_t want = a->ne ? a->ne : 0;
	size_t n = e->size - off < want ? e->size - off : want;
	return data_sw(o, e->data + off, n, n < want ? ISO_SW_EOF_WARNING : ISO_SW_OK);
}

static bool may_write(void)
{
	return C.app && (C.lcs == ISO_LCS_INIT || S.admin_ok);
}

/* keep: bytes of data to apply (a torn write keeps fewer). */
static uint16_t do_update(const iso_apdu *a, size_t keep)
{
	int i;
	size_t off;
	uint16_t sw = binary_target(a, &i, &off);
	if (sw != ISO_SW_OK)
		return sw;
	if (!may_write())
		return ISO_SW_SECURITY;
	ef *e = &C.efs[i];
	if (off > e->size || a->nc > e->size - off)
		return ISO_SW_NO_SPACE;
	memcpy(e->data + off, a->data, keep < a->nc ? keep : a->nc);
	return ISO_SW_OK;
}

static uint16_t do_create(const iso_apdu *a)
{
	if (a->p1 || a->p2)
		return ISO_SW_WRONG_P1P2;
	iso_fcp f;
	if (iso_fcp_parse(a->data, a->nc, &f) != 0 || !f.has_fdb || !f.has_fid)
		return ISO_SW_WRONG_DATA;
	if (f.is_df) {
		if (f.fid != TP_DF_FID || f.df_name_len != TP_AID_LEN ||
		    memcmp(f.df_name, tp_aid, TP_AID_LEN) != 0)
			return ISO_SW_WRONG_DATA;
		if (C.app)
			return ISO_SW_FILE_EXISTS;
		wipe_app();
		C.app = true;
		C.lcs = ISO_LCS_INIT;
		PS.selected = false; /* the new DF is the current application */
		S.in_df = true;
		S.cur_ef = -1;
		S.user_ok = S.admin_ok = false;
		return ISO_SW_OK;
	}
	if (!S.in_df)
		return ISO_SW_CONDITIONS;
	if (!may_write())
		return ISO_SW_SECURITY;
	if (f.fdb != ISO_FDB_TRANSPARENT || !f.has_size || f.size == 0 || f.size > FILE_MAX)
		return ISO_SW_WRONG_DATA;
	if (find_ef_fid(f.fid) >= 0 || (f.has_sfi && find_ef_sfi(f.sfi) >= 0))
		return ISO_SW_FILE_EXISTS;
	if (C.n_ef == MAX_EF)
		return ISO_SW_NO_SPACE;
	ef *e = &C.efs[C.n_ef];
	e->data = calloc(1, f.size);
	if (!e->data)
		return ISO_SW_MEMORY;
	e->fid = f.fid;
	e->sfi = f.has_sfi ? f.sfi : 0;
	e->size = f.size;
	S.cur_ef = C.n_ef++;
	return ISO_SW_OK;
}

/* ACTIVATE and DELETE name the application DF by P1 04 and its AID (which
 * makes it the current DF), or mean the current DF (P1-P2 0000, no data). */
static uint16_t target_app(const iso_apdu *a)
{
	if (a->p1 == 0x04 && a->p2 == 0x00) {
		if (!C.app || a->nc != TP_AID_LEN || memcmp(a->data, tp_aid, TP_AID_LEN) != 0)
			return ISO_SW_NOT_FOUND;
		if (!S.in_df)
			S.user_ok = S.admin_ok = false;
		PS.selected = false;
		S.in_df = true;
		S.cur_ef = -1;
		return ISO_SW_OK;
	}
	if (a->p1 || a->p2 || a->nc)
		return ISO_SW_WRONG_P1P2;
	if (!C.app || !S.in_df || S.cur_ef >= 0)
		return ISO_SW_CONDITIONS; /* only the application DF itself */
	return ISO_SW_OK;
}

static uint16_t do_delete(const iso_apdu *a)
{
	uint16_t sw = target_app(a);
	if (sw != ISO_SW_OK)
		return sw;
	if (!may_write())
		return ISO_SW_SECURITY;
	wipe_app();
	reset_session();
	return ISO_SW_OK;
}

static uint16_t do_activate(const iso_apdu *a)
{
	uint16_t sw = target_app(a);
	if (sw != ISO_SW_OK)
		return sw;
	if (C.lcs == ISO_LCS_OPERATIONAL)
		return ISO_SW_OK;
	if (!C.user_set || !C.admin_set || !C.key)
		return ISO_SW_CONDITIONS; /* personalisation not complete */
	C.lcs = ISO_LCS_OPERATIONAL;
	return ISO_SW_OK;
}

/* A PIN comparison: the counter goes down (and is saved) first. */
static uint16_t check_pin(bool user, const uint8_t *p, size_t n)
{
	bool set = user ? C.user_set : C.admin_set;
	int *left = user ? &C.user_left : &C.admin_left;
	int max = user ? C.user_max : C.admin_max;
	const uint8_t *ref = user ? C.user_pin : C.admin_pin;
	if (!set)
		return ISO_SW_DATA_NOT_FOUND;
	if (*left <= 0)
		return ISO_SW_BLOCKED;
	(*left)--;
	save();
	if (n == TP_PIN_BLOCK && memcmp(p, ref, n) == 0) {
		*left = max;
		*(user ? &S.user_ok : &S.admin_ok) = true;
		save();
		return ISO_SW_OK;
	}
	*(user ? &S.user_ok : &S.admin_ok) = false;
	return (uint16_t)(0x63C0 | *left);
}

static int pin_ref(uint8_t p2)
{
	return p2 == TP_PIN_USER ? 1 : p2 == TP_PIN_ADMIN ? 0 : -1;
}

static uint16_t do_verify(const iso_apdu *a)
{
	int r = pin_ref(a->p2);
	if (r < 0 || (a->p1 != 0x00 && a->p1 != 0xFF))
		return ISO_SW_WRONG_P1P2;
	if (!S.in_df)
		return ISO_SW_DATA_NOT_FOUND;
	bool user = r == 1;
	if (a->p1 == 0xFF) { /* reset the verification status */
		*(user ? &S.user_ok : &S.admin_ok) = false;
		return ISO_SW_OK;
	}
	if (a->nc == 0) { /* status only, costs nothing */
		if (!(user ? C.user_set : C.admin_set))
			return ISO_SW_DATA_NOT_FOUND;
		if ((user ? S.user_ok : S.admin_ok))
			return ISO_SW_OK;
		int left = user ? C.user_left : C.admin_left;
		return left ? (uint16_t)(0x63C0 | left) : ISO_SW_BLOCKED;
	}
	return check_pin(user, a->data, a->nc);
}

static uint16_t do_change(const iso_apdu *a)
{
	int r = pin_ref(a->p2);
	if (r < 0)
		return ISO_SW_WRONG_P1P2;
	if (!C.app || !S.in_df)
		return ISO_SW_DATA_NOT_FOUND;
	bool user = r == 1;
	uint8_t *ref = user ? C.user_pin : C.admin_pin;
	if (a->p1 == 0x01) { /* new reference data only: while personalising */
		if (C.lcs != ISO_LCS_INIT)
			return ISO_SW_CONDITIONS;
		if (a->nc != TP_PIN_BLOCK)
			return ISO_SW_WRONG_LENGTH;
		memcpy(ref, a->data, TP_PIN_BLOCK);
		*(user ? &C.user_set : &C.admin_set) = true;
		*(user ? &C.user_left : &C.admin_left) = user ? C.user_max : C.admin_max;
		return ISO_SW_OK;
	}
	if (a->p1 != 0x00)
		return ISO_SW_WRONG_P1P2;
	if (a->nc != 2 * TP_PIN_BLOCK)
		return check_pin(user, a->data, a->nc); /* counts as a wrong PIN */
	uint16_t sw = check_pin(user, a->data, TP_PIN_BLOCK);
	if (sw == ISO_SW_OK)
		memcpy(ref, a->data + TP_PIN_BLOCK, TP_PIN_BLOCK);
	return sw;
}

static uint16_t do_reset_retry(const iso_apdu *a)
{
	if (a->p2 != TP_PIN_USER)
		return ISO_SW_WRONG_P1P2;
	if (!C.app || !S.in_df || !C.user_set)
		return ISO_SW_DATA_NOT_FOUND;
	const uint8_t *newpin = NULL;
	if (a->p1 == 0x00) { /* resetting code (admin PIN) then the new PIN */
		if (a->nc != TP_ADMIN_LEN + TP_PIN_BLOCK)
			return ISO_SW_WRONG_LENGTH;
		uint16_t sw = check_pin(false, a->data, TP_ADMIN_LEN);
		if (sw != ISO_SW_OK)
			return sw;
		newpin = a->data + TP_ADMIN_LEN;
	} else if (a->p1 == 0x02) { /* new PIN, admin verified before */
		if (!S.admin_ok)
			return ISO_SW_SECURITY;
		if (a->nc != TP_PIN_BLOCK)
			return ISO_SW_WRONG_LENGTH;
		newpin = a->data;
	} else {
		return ISO_SW_WRONG_P1P2;
	}
	memcpy(C.user_pin, newpin, TP_PIN_BLOCK);
	C.user_left = C.user_max;
	return ISO_SW_OK;
}

/* 7F49 { 86 04||X||Y }, for an SM2 pair 7F49 { 06 curve, 86 04||X||Y } */
static size_t pubkey_do(uint8_t *o, size_t cap)
{
	static const uint8_t sm2_oid[] = { TP_SM2_CURVE_OID };
	uint8_t pt[65];
	size_t n = 0;
	if (EVP_PKEY_get_octet_string_param(C.key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt,
					    sizeof pt, &n) != 1 || n != 65)
		return 0;
	uint8_t in[96];
	iso_buf b, w;
	iso_buf_init(&b, in, sizeof in);
	if (key_is_sm2())
		iso_buf_tlv(&b, 0x06, sm2_oid, sizeof sm2_oid);
	iso_buf_tlv(&b, 0x86, pt, n);
	iso_buf_init(&w, o, cap);
	iso_buf_tlv(&w, 0x7F49, in, b.len);
	return w.overflow ? 0 : w.len;
}

static uint16_t do_generate(const iso_apdu *a, out *o)
{
	if (a->p2 != 0x00 || (a->p1 != 0x80 && a->p1 != 0x81))
		return ISO_SW_WRONG_P1P2;
	if (!C.app || !S.in_df)
		return ISO_SW_CONDITIONS;
	if (a->p1 == 0x80) {
		/* the control reference template names key 1 (B6 03 84 01 01), and
		 * may name the mechanism: B6 06 84 01 01 80 01 <P-256 11 | SM2 53> */
		static const uint8_t crt[] = { 0xB6, 0x03, 0x84, 0x01, TP_KEY_REF };
		uint8_t alg = TP_ALG_P256;
		if (a->nc == sizeof crt + 3 && a->data[1] == 0x06 &&
		    memcmp(a->data + 2, crt + 2, 3) == 0 && a->data[5] == 0x80 && a->data[6] == 0x01)
			alg = a->data[7];
		else if (a->nc && (a->nc != sizeof crt || memcmp(a->data, crt, sizeof crt) != 0))
			return ISO_SW_WRONG_DATA;
		if (tp_key_alg_of(alg) < 0)
			return ISO_SW_WRONG_DATA; /* a mechanism this card does not have */
		if (!may_write())
			return ISO_SW_SECURITY;
		/* made here; the private key never leaves the card */
		EVP_PKEY *k = alg == TP_ALG_SM2 ? EVP_PKEY_Q_keygen(NULL, NULL, "SM2")
						: EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		if (!k)
			return ISO_SW_MEMORY;
		EVP_PKEY_free(C.key);
		C.key = k;
	} else if (!C.key) {
		return ISO_SW_DATA_NOT_FOUND;
	}
	uint8_t buf[96];
	size_t n = pubkey_do(buf, sizeof buf);
	if (!n)
		return ISO_SW_UNKNOWN;
	return data_sw(o, buf, n, ISO_SW_OK);
}

/* ECDSA P-256 over SHA-256(data), or SM2 with SM3 and the ID, answered as
 * r || s. */
static uint16_t do_internal_auth(const iso_apdu *a, out *o)
{
	if (a->p1 != 0x00 || (a->p2 != 0x00 && a->p2 != TP_KEY_REF))
		return ISO_SW_WRONG_P1P2;
	if (!C.app || !S.in_df || C.lcs != ISO_LCS_OPERATIONAL || !C.key)
		return ISO_SW_CONDITIONS;
	if (!S.user_ok)
		return ISO_SW_SECURITY;
	if (a->nc < 1 || a->nc > TP_CHALLENGE_MAX)
		return ISO_SW_WRONG_LENGTH;
	/* SM2: SM3 over Z || data, Z from the GM/T 0009 default ID and the
	 * public key, as an SM2 card signs */
	bool sm2 = key_is_sm2();
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;
	uint8_t der[80];
	size_t dlen = sizeof der;
	int ok = md && EVP_DigestSignInit_ex(md, &pc, sm2 ? "SM3" : "SHA256", NULL, NULL, C.key,
					     NULL) == 1 &&
		 (!sm2 || EVP_PKEY_CTX_set1_id(pc, SM2_ID, sizeof SM2_ID - 1) > 0) &&
		 EVP_DigestSign(md, der, &dlen, a->data, a->nc) == 1;
	EVP_MD_CTX_free(md);
	if (!ok)
		return ISO_SW_UNKNOWN;
	const uint8_t *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)dlen);
	uint8_t rs[TP_SIG_RAW_LEN];
	if (!sig || BN_bn2binpad(ECDSA_SIG_get0_r(sig), rs, 32) != 32 ||
	    BN_bn2binpad(ECDSA_SIG_get0_s(sig), rs + 32, 32) != 32) {
		ECDSA_SIG_free(sig);
		return ISO_SW_UNKNOWN;
	}
	ECDSA_SIG_free(sig);
	return data_sw(o, rs, sizeof rs, ISO_SW_OK);
}

static bool is_write(const iso_apdu *a)
{
	switch (a->ins) {
	case ISO_INS_UPDATE_BINARY:
	case ISO_INS_CREATE_FILE:
	case ISO_INS_DELETE_FILE:
	case ISO_INS_ACTIVATE_FILE:
	case ISO_INS_RESET_RETRY:
		return true;
	case ISO_INS_CHANGE_REF:
		return true;
	case ISO_INS_GENERATE_KEY:
		return a->p1 == 0x80 || PS.selected;
	case TP_PIV_INS_PUT_DATA:
	case TP_PIV_INS_SET_MGM:
		return PS.selected;
	default:
		return false;
	}
}

/* Yubico's GET SERIAL: the serial number, 4 bytes big-endian. */
static uint16_t yk_serial(out *o)
{
	unsigned long n = strtoul(O.serial, NULL, 10);
	uint8_t b[4] = { (uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n };
	return data_sw(o, b, sizeof b, ISO_SW_OK);
}

/* The whole (unchained) command; keep limits an UPDATE BINARY being torn. */
static uint16_t execute(const iso_apdu *a, out *o, size_t keep)
{
	if (a->ins == ISO_INS_SELECT && a->p1 == 0x04 && is_piv_aid(a))
		return piv_select(a, o);
	if (O.piv_only) {
		/* PIV alone: nothing of the kiosk's profile answers */
		if (PS.selected && a->ins == 0xF8)
			return yk_serial(o);
		if (PS.selected && piv_ins(a->ins))
			return piv_execute(a, o);
		return a->ins == ISO_INS_SELECT ? ISO_SW_NOT_FOUND : ISO_SW_INS;
	}
	if (PS.selected && piv_ins(a->ins))
		return piv_execute(a, o);
	switch (a->ins) {
	case ISO_INS_SELECT: {
		/* the kiosk's application (or the MF) takes over from PIV */
		uint16_t sw = do_select(a, o);
		if (sw == ISO_SW_OK)
			PS.selected = false;
		return sw;
	}
	case ISO_INS_GET_DATA: return do_get_data(a, o);
	case ISO_INS_READ_BINARY: return do_read(a, o);
	case ISO_INS_UPDATE_BINARY: return do_update(a, keep);
	case ISO_INS_CREATE_FILE: return do_create(a);
	case ISO_INS_DELETE_FILE: return do_delete(a);
	case ISO_INS_ACTIVATE_FILE: return do_activate(a);
	case ISO_INS_VERIFY: return do_verify(a);
	case ISO_INS_CHANGE_REF: return do_change(a);
	case ISO_INS_RESET_RETRY: return do_reset_retry(a);
	case ISO_INS_GENERATE_KEY: return do_generate(a, o);
	case ISO_INS_INTERNAL_AUTH: return do_internal_auth(a, o);
	default: return ISO_SW_INS;
	}
}

/* One command APDU: *torn set when the key is pulled during it. */
static void process(const uint8_t *cmd, size_t n, out *o, bool *torn)
{
	o->n = 0;
	*torn = false;
	apdu_no++;
	uint16_t sw;
	iso_apdu a;
	for (int i = 0; i < O.n_sw; i++)
		if (O.sw[i].n == apdu_no) {
			sw = O.sw[i].sw;
			goto answer;
		}
	if (O.sw_ins >= 0 && n >= 2 && cmd[1] == O.sw_ins && O.sw_ins_k == 0) {
		sw = O.sw_ins_sw; /* K 0: every time (a card that has no such command) */
		goto answer;
	}
	if (O.sw_ins >= 0 && n >= 2 && cmd[1] == O.sw_ins && --O.sw_ins_k == 0) {
		O.sw_ins = -1;
		sw = O.sw_ins_sw;
		goto answer;
	}
	if (iso_apdu_decode(cmd, n, &a) != 0) {
		sw = ISO_SW_WRONG_LENGTH;
		goto answer;
	}
	if (O.no_ext && !iso_apdu_is_short(&a)) {
		sw = ISO_SW_WRONG_LENGTH;
		goto answer;
	}
	if ((a.cla & ~ISO_CLA_CHAIN) != 0x00) {
		sw = ISO_SW_CLA;
		goto answer;
	}
	bool more = (a.cla & ISO_CLA_CHAIN) != 0;
	if (S.chain_ins >= 0 && (a.ins != S.chain_ins || a.p1 != S.chain_p1 || a.p2 != S.chain_p2)) {
		S.chain_ins = -1;
		S.chain_len = 0;
		sw = 0x6883; /* the last command of the chain was expected */
		goto answer;
	}
	/* tearing: the write during which the byte count passes the mark */
	size_t keep = SIZE_MAX;
	if (is_write(&a)) {
		long weight = a.nc ? (long)a.nc : 1;
		logline("W %02X %ld %ld\n", a.ins, write_bytes, weight);
		if (O.tear_after >= 0 && write_bytes <= O.tear_after &&
		    O.tear_after < write_bytes + weight) {
			*torn = true;
			keep = (size_t)(O.tear_after - write_bytes);
		}
		write_bytes += weight;
	}
	if (more || S.chain_ins >= 0) {
		if (S.chain_len + a.nc > CHAIN_MAX) {
			S.chain_ins = -1;
			S.chain_len = 0;
			sw = ISO_SW_WRONG_LENGTH;
			goto answer;
		}
		size_t before = S.chain_len;
		memcpy(S.chain + S.chain_len, a.data, a.nc);
		S.chain_len += a.nc;
		if (more) {
			S.chain_ins = a.ins;
			S.chain_p1 = a.p1;
			S.chain_p2 = a.p2;
			if (*torn)
				return; /* the chain is lost with the key */
			sw = ISO_SW_OK;
			goto answer;
		}
		a.data = S.chain;
		a.nc = S.chain_len;
		S.chain_ins = -1;
		S.chain_len = 0;
		if (keep != SIZE_MAX)
			keep += before;
	}
	if (*torn && a.ins != ISO_INS_UPDATE_BINARY)
		return; /* nothing of it happened */
	sw = execute(&a, o, keep);
	if (is_write(&a))
		save();
	if (*torn)
		return;
answer:
	o->b[o->n++] = (uint8_t)(sw >> 8);
	o->b[o->n++] = (uint8_t)sw;
	if (logfp) {
		char hex[2 * 64 + 1];
		iso_hex(cmd, n < 64 ? n : 64, hex);
		logline("A %s%s %04X\n", hex, n > 64 ? "..." : "", sw);
	}
}

/* ---- the ATR ---- */

static size_t make_atr(uint8_t *atr)
{
	/* T=0 and T=1 offered; historical bytes: category 80, card capabilities
	 * (compact-TLV 73): selection by full DF name / FID, chaining, extended
	 * lengths unless --no-extended */
	uint8_t hist[] = { 0x80, 0x73, 0xA0, 0x01, (uint8_t)(O.no_ext ? 0x80 : 0xC0) };
	size_t k = 0;
	atr[k++] = 0x3B;
	atr[k++] = (uint8_t)(0x80 | sizeof hist);
	atr[k++] = 0x80; /* TD1: T=0, TD2 follows */
	atr[k++] = 0x01; /* TD2: T=1 */
	memcpy(atr + k, hist, sizeof hist);
	k += sizeof hist;
	uint8_t tck = 0;
	for (size_t i = 1; i < k; i++)
		tck ^= atr[i];
	atr[k++] = tck;
	return k;
}

/* ---- the connection ---- */

static int sock = -1;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_toggle = 1;
	else
		want_exit = 1;
}

static bool send_msg(const uint8_t *p, size_t n)
{
	uint8_t hdr[2] = { (uint8_t)(n >> 8), (uint8_t)n };
	uint8_t buf[sizeof((out *)0)->b + 2];
	memcpy(buf, hdr, 2);
	memcpy(buf + 2, p, n);
	size_t done = 0;
	while (done < n + 2) {
		ssize_t w = send(sock, buf + done, n + 2 - done, MSG_NOSIGNAL);
		if (w <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			return false;
		}
		done += (size_t)w;
	}
	return true;
}

/* Read exactly n bytes; 1 ok, 0 closed, -1 interrupted by a signal wish. */
static int recv_all(uint8_t *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		struct pollfd pfd = { .fd = sock, .events = POLLIN };
		int r = poll(&pfd, 1, 100);
		if (want_exit || want_toggle)
			return -1;
		if (r <= 0)
			continue;
		ssize_t k = recv(sock, p + got, n - got, 0);
		/* vpcd sends the length and the message in two writes; acknowledge at
		 * once so its Nagle does not hold the message for our delayed ACK */
		int one = 1;
		setsockopt(sock, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
		if (k == 0)
			return 0;
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return 0;
		}
		got += (size_t)k;
	}
	return 1;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !want_exit)
		;
}

static bool connect_vpcd(void)
{
	sock = socket(AF_INET, SOCK_STREAM, 0);
	if (sock < 0)
		return false;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)O.port) };
	if (inet_pton(AF_INET, O.host, &sa.sin_addr) != 1)
		die("--host must be an IPv4 address");
	if (connect(sock, (struct sockaddr *)&sa, sizeof sa) != 0) {
		close(sock);
		sock = -1;
		return false;
	}
	int one = 1;
	setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	reset_session();
	if (O.verbose)
		fprintf(stderr, "cardsim: inserted (serial %s)\n", C.serial);
	return true;
}

static void pull(void)
{
	if (sock >= 0)
		close(sock);
	sock = -1;
	reset_session();
	if (O.verbose)
		fprintf(stderr, "cardsim: pulled\n");
}

/* Serve one insertion until the key is pulled. Returns 1 pulled by a signal,
 * 0 vpcd closed, 3 torn. */
static int serve(void)
{
	static out o;
	static uint8_t msg[ISO_APDU_MAX];
	for (;;) {
		uint8_t hdr[2];
		int r = recv_all(hdr, 2);
		if (r <= 0)
			return r < 0 ? 1 : 0;
		size_t n = (size_t)hdr[0] << 8 | hdr[1];
		if (n == 0)
			continue;
		if ((r = recv_all(msg, n)) <= 0)
			return r < 0 ? 1 : 0;
		if (n == 1) {
			switch (msg[0]) {
			case 0: /* power off */
			case 1: /* power on */
			case 2: /* reset */
				reset_session();
				break;
			case 4: {
				uint8_t atr[33];
				if (!send_msg(atr, make_atr(atr)))
					return 0;
				break;
			}
			default:
				break;
			}
			continue;
		}
		bool torn;
		process(msg, n, &o, &torn);
		if (torn)
			return 3;
		if (O.delay_ms > 0)
			sleep_ms(O.delay_ms);
		if (!send_msg(o.b, o.n))
			return 0;
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: cardsim --state FILE [--serial S] [--port 35963] [--host 127.0.0.1]\n"
		"               [--tear-after N [--reinsert-ms M]] [--sw N:XXXX]... [--sw-ins II:XXXX[:K]]\n"
		"               [--delay-ms D]\n"
		"               [--no-extended] [--piv-only] [--user-tries 6] [--admin-tries 10]\n"
		"               [--log FILE] [-v]\n");
	exit(2);
}

static long num(const char *s, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s ? s : "", &end, 10);
	if (!s || !*s || *end || errno || v < min || v > max)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "-v")) {
			O.verbose = true;
			continue;
		}
		if (!strcmp(a, "--no-extended")) {
			O.no_ext = true;
			continue;
		}
		if (!strcmp(a, "--piv-only")) {
			O.piv_only = true;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--state"))
			O.state = v;
		else if (!strcmp(a, "--serial")) {
			if (!token_serial_valid(v))
				die("--serial must be 1-32 of A-Z a-z 0-9 _ -");
			snprintf(O.serial, sizeof O.serial, "%s", v);
		} else if (!strcmp(a, "--port"))
			O.port = (int)num(v, 1, 65535);
		else if (!strcmp(a, "--host"))
			O.host = v;
		else if (!strcmp(a, "--tear-after"))
			O.tear_after = num(v, 0, 1L << 30);
		else if (!strcmp(a, "--reinsert-ms"))
			O.reinsert_ms = num(v, 0, 600000);
		else if (!strcmp(a, "--delay-ms"))
			O.delay_ms = num(v, 0, 600000);
		else if (!strcmp(a, "--user-tries"))
			O.user_tries = (int)num(v, 1, 15);
		else if (!strcmp(a, "--admin-tries"))
			O.admin_tries = (int)num(v, 1, 15);
		else if (!strcmp(a, "--log"))
			O.log = v;
		else if (!strcmp(a, "--sw")) {
			unsigned sw = 0;
			long n = 0;
			char c;
			if (O.n_sw == 16 || sscanf(v, "%ld:%4x%c", &n, &sw, &c) != 2 || n < 1)
				usage();
			O.sw[O.n_sw].n = n;
			O.sw[O.n_sw++].sw = (uint16_t)sw;
		} else if (!strcmp(a, "--sw-ins")) {
			unsigned ins = 0, sw = 0;
			long k = 1;
			int got = sscanf(v, "%2x:%4x:%ld", &ins, &sw, &k);
			if (got < 2 || k < 0)
				usage();
			O.sw_ins = (int)ins;
			O.sw_ins_sw = (uint16_t)sw;
			O.sw_ins_k = k;
		} else
			usage();
	}
	if (!O.state)
		usage();
	if (O.piv_only && strspn(O.serial, "0123456789") != strlen(O.serial))
		die("--piv-only: --serial must be a number (a YubiKey's serial)");
	/* a test that dies takes its keys with it */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (O.log && !(logfp = fopen(O.log, "a")))
		die("cannot open the log file");
	load();
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	bool pulled = false;
	int rc = 0;
	while (!want_exit) {
		if (want_toggle) {
			want_toggle = 0;
			pulled = !pulled;
			if (pulled)
				pull();
		}
		if (pulled) {
			sleep_ms(50);
			continue;
		}
		if (sock < 0 && !connect_vpcd()) {
			sleep_ms(100); /* pcscd not (yet) listening */
			continue;
		}
		int r = serve();
		pull();
		if (r == 3) {
			if (O.reinsert_ms < 0) {
				rc = 3;
				break;
			}
			O.tear_after = -1;
			sleep_ms(O.reinsert_ms);
		} else if (r == 0) {
			sleep_ms(100); /* vpcd went away (pcscd stopped): try again */
		}
	}
	pull();
	wipe_app();
	if (logfp)
		fclose(logfp);
	return rc;
}
