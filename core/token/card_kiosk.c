/* token_pcsc: the customer's key through PC/SC (pcsc-lite), the one place that
 * includes winscard.h. Structured like an OpenSC card driver: an operation
 * builds ISO 7816-4 APDUs (core/iso7816), sends them inside a PC/SC
 * transaction, and maps the status words to token_status; the layout of the
 * key is the token profile (core/token_profile, docs/token-profile.md).
 *
 * Writes are ordered so that a key pulled at any moment reads as before or as
 * after: a certificate goes into the certificate EF the current info record
 * does not use, then the new record (sequence + 1, with the certificate's
 * hash and a checksum over itself) into the info EF that does not hold the
 * current one. A torn record fails its checksum and the previous one stays
 * current; running the operation again finishes it. Personalisation builds
 * the application in the initialisation life cycle state and activates it
 * last; an interrupted one is resumed. */
#include "core/token/token.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <winscard.h>

#include "core/token/iso7816.h"
#include "core/token/token_profile.h"

#define MASTER_MIN 32
#define MASTER_MAX 128
#define REMOVAL_WAIT_MS 1500 /* after a failed transmit: is the key gone? */

typedef struct pcsc {
	SCARDCONTEXT sc;
	bool have_sc;
	char want[128];        /* configured reader, "" the first */
	char reader[128];      /* the one in use */
	SCARDHANDLE h;
	bool connected;
	DWORD proto;
	bool in_tx;
	bool ext, chain;       /* from the ATR's card capabilities */
	bool sent;             /* a command went out in this operation */
	uint8_t master[MASTER_MAX];
	size_t master_len;
	char pending[TOKEN_SERIAL_MAX + 1]; /* personalisation begun on this key */
	unsigned long apdus;
	char detail[512];
	uint8_t cmd[ISO_APDU_MAX];
	uint8_t raw[ISO_EXT_NE_MAX + 2];
	uint8_t resp[ISO_EXT_NE_MAX + 2]; /* one response, GET RESPONSE parts joined */
} pcsc;

static const token_ops pcsc_ops;

__attribute__((format(printf, 2, 3)))
static void note(pcsc *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof p->detail, fmt, ap);
	va_end(ap);
}

/* ---- PC/SC ---- */

static void disconnect(pcsc *p)
{
	if (p->connected) {
		if (p->in_tx)
			SCardEndTransaction(p->h, SCARD_LEAVE_CARD);
		SCardDisconnect(p->h, SCARD_LEAVE_CARD);
	}
	p->connected = false;
	p->in_tx = false;
}

static void drop_context(pcsc *p)
{
	disconnect(p);
	if (p->have_sc)
		SCardReleaseContext(p->sc);
	p->have_sc = false;
	p->reader[0] = '\0';
}

/* What a PC/SC failure means for the clerk. */
static token_status sc_status(pcsc *p, LONG rv, const char *call)
{
	note(p, "%s: %s (0x%08lX)", call, pcsc_stringify_error(rv), (unsigned long)rv);
	switch (rv) {
	case SCARD_E_NO_SERVICE:
	case SCARD_E_SERVICE_STOPPED:
	case SCARD_E_INVALID_HANDLE:
	case SCARD_E_NO_READERS_AVAILABLE:
	case SCARD_E_UNKNOWN_READER:
	case SCARD_E_READER_UNAVAILABLE:
		/* pcscd gone or restarted, reader unplugged: start afresh next time */
		drop_context(p);
		return TOK_NO_READER;
	case SCARD_E_NO_SMARTCARD:
	case SCARD_W_REMOVED_CARD:
		disconnect(p);
		return p->sent ? TOK_REMOVED : TOK_NO_KEY;
	case SCARD_W_UNRESPONSIVE_CARD:
	case SCARD_W_UNPOWERED_CARD:
	case SCARD_W_UNSUPPORTED_CARD:
	case SCARD_E_PROTO_MISMATCH:
		disconnect(p);
		return TOK_WRONG_CARD;
	default:
		return TOK_IO_ERROR;
	}
}

static token_status ensure_context(pcsc *p)
{
	if (p->have_sc && SCardIsValidContext(p->sc) != SCARD_S_SUCCESS)
		drop_context(p);
	if (!p->have_sc) {
		LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->sc);
		if (rv != SCARD_S_SUCCESS) {
			sc_status(p, rv, "SCardEstablishContext (is pcscd running?)");
			return TOK_NO_READER;
		}
		p->have_sc = true;
	}
	if (p->reader[0])
		return TOK_OK;
	char *names = NULL;
	DWORD len = SCARD_AUTOALLOCATE;
	LONG rv = SCardListReaders(p->sc, NULL, (LPSTR)&names, &len);
	if (rv != SCARD_S_SUCCESS)
		return sc_status(p, rv, "SCardListReaders");
	bool found = false;
	for (const char *r = names; r && *r; r += strlen(r) + 1) {
		if (!p->want[0] || strcmp(r, p->want) == 0) {
			snprintf(p->reader, sizeof p->reader, "%s", r);
			found = true;
			break;
		}
	}
	SCardFreeMemory(p->sc, names);
	if (!found) {
		note(p, "no reader named '%s' (kioskctl token list shows the readers)", p->want);
		return TOK_NO_READER;
	}
	return TOK_OK;
}

static token_status connect_card(pcsc *p)
{
	token_status st = ensure_context(p);
	if (st != TOK_OK || p->connected)
		return st;
	LONG rv = SCardConnect(p->sc, p->reader, SCARD_SHARE_SHARED,
			       SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &p->h, &p->proto);
	if (rv != SCARD_S_SUCCESS)
		return sc_status(p, rv, "SCardConnect");
	p->connected = true;
	uint8_t atr[MAX_ATR_SIZE];
	DWORD atr_len = sizeof atr, state = 0, proto = 0;
	char name[256];
	DWORD name_len = sizeof name;
	rv = SCardStatus(p->h, name, &name_len, &state, &proto, atr, &atr_len);
	if (rv != SCARD_S_SUCCESS)
		return sc_status(p, rv, "SCardStatus");
	iso_atr a;
	p->ext = p->chain = false;
	if (iso_atr_parse(atr, atr_len, &a) == 0 && a.has_caps) {
		p->ext = a.ext_len;
		p->chain = a.chaining;
	}
	return TOK_OK;
}

/* Start an operation: the key connected (again if it was swapped, reset by
 * another program or pulled and put back) and the transaction held. */
static token_status op_begin(pcsc *p)
{
	p->sent = false;
	p->detail[0] = '\0';
	for (int attempt = 0; attempt < 3; attempt++) {
		token_status st = connect_card(p);
		if (st != TOK_OK)
			return st;
		LONG rv = SCardBeginTransaction(p->h);
		if (rv == SCARD_S_SUCCESS) {
			p->in_tx = true;
			return TOK_OK;
		}
		if (rv == SCARD_W_RESET_CARD) {
			DWORD proto;
			rv = SCardReconnect(p->h, SCARD_SHARE_SHARED,
					    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD,
					    &proto);
			if (rv == SCARD_S_SUCCESS)
				continue;
		}
		if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD ||
		    rv == SCARD_E_INVALID_HANDLE || rv == SCARD_W_RESET_CARD) {
			/* the key we had is gone; a key now in the slot gets a fresh handle */
			disconnect(p);
			continue;
		}
		return sc_status(p, rv, "SCardBeginTransaction");
	}
	note(p, "the key kept changing while connecting");
	return TOK_IO_ERROR;
}

static token_status op_end(pcsc *p, token_status st)
{
	if (p->in_tx) {
		SCardEndTransaction(p->h, SCARD_LEAVE_CARD);
		p->in_tx = false;
	}
	if (st == TOK_OK)
		p->detail[0] = '\0';
	return st;
}

/* After a failed transmit: pulled, or a fault? pcscd notices a removal at its
 * next poll, so give it a moment. A key pulled and put back meanwhile shows
 * as a new event count (the high 16 bits of the event state). */
static bool card_gone(pcsc *p)
{
	SCARD_READERSTATE rs = { .szReader = p->reader, .dwCurrentState = SCARD_STATE_UNAWARE };
	if (SCardGetStatusChange(p->sc, 0, &rs, 1) != SCARD_S_SUCCESS)
		return true;
	DWORD events = rs.dwEventState >> 16;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((rs.dwEventState & SCARD_STATE_PRESENT) && rs.dwEventState >> 16 == events) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		long ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms >= REMOVAL_WAIT_MS)
			return false;
		rs.dwCurrentState = rs.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
		LONG rv = SCardGetStatusChange(p->sc, (DWORD)(REMOVAL_WAIT_MS - ms), &rs, 1);
		if (rv == SCARD_E_TIMEOUT)
			return false;
		if (rv != SCARD_S_SUCCESS)
			return true;
	}
	return true;
}

static token_status transmit(pcsc *p, const uint8_t *cmd, size_t n, size_t *rlen)
{
	const SCARD_IO_REQUEST *pci = p->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	DWORD len = sizeof p->raw;
	p->sent = true;
	p->apdus++;
	LONG rv = SCardTransmit(p->h, pci, cmd, (DWORD)n, NULL, p->raw, &len);
	if (rv == SCARD_S_SUCCESS && len >= 2) {
		*rlen = len;
		return TOK_OK;
	}
	if (rv == SCARD_S_SUCCESS)
		rv = SCARD_F_COMM_ERROR; /* no status word */
	token_status st = sc_status(p, rv, "SCardTransmit");
	if (st == TOK_IO_ERROR && card_gone(p)) {
		disconnect(p);
		st = TOK_REMOVED;
	}
	return st;
}

/* One command, whole: extended when it needs to be and the key can, else
 * command chaining; 61xx answered with GET RESPONSE, 6Cxx with the right Le.
 * The response data is copied to p->resp. */
static token_status xfer(pcsc *p, const iso_apdu *a, iso_resp *r)
{
	iso_apdu c = *a;
	if (!p->ext && c.ne > ISO_SHORT_NE_MAX)
		c.ne = ISO_SHORT_NE_MAX;
	size_t parts = 1, chunk = ISO_SHORT_NC_MAX;
	if (c.nc > ISO_SHORT_NC_MAX && !p->ext) {
		if (!p->chain) {
			note(p, "the key takes neither extended lengths nor command chaining");
			return TOK_WRONG_CARD;
		}
		parts = iso_chain_parts(c.nc, chunk);
	}
	size_t rlen = 0, got = 0;
	token_status st;
	for (size_t i = 0; i < parts; i++) {
		size_t n = parts == 1 ? iso_apdu_encode(&c, p->ext, p->cmd, sizeof p->cmd)
				      : iso_chain_encode(&c, i, chunk, p->cmd, sizeof p->cmd);
		if (n == 0) {
			note(p, "command %02X does not fit an APDU", a->ins);
			return TOK_INVALID;
		}
		if ((st = transmit(p, p->cmd, n, &rlen)) != TOK_OK)
			return st;
		uint16_t sw = (uint16_t)(p->raw[rlen - 2] << 8 | p->raw[rlen - 1]);
		if (i + 1 < parts && sw != ISO_SW_OK)
			break; /* the chain was refused: report that answer */
	}
	for (int rounds = 0;; rounds++) {
		uint16_t sw = (uint16_t)(p->raw[rlen - 2] << 8 | p->raw[rlen - 1]);
		if (got + rlen - 2 > sizeof p->resp - 2)
			return TOK_IO_ERROR;
		memcpy(p->resp + got, p->raw, rlen - 2);
		got += rlen - 2;
		if (rounds > 64)
			return TOK_IO_ERROR;
		if ((sw & 0xFF00) == 0x6C00 && rounds == 0) {
			c.ne = (sw & 0xFF) ? (sw & 0xFF) : ISO_SHORT_NE_MAX;
			size_t n = iso_apdu_encode(&c, false, p->cmd, sizeof p->cmd);
			got = 0;
			if (!n || (st = transmit(p, p->cmd, n, &rlen)) != TOK_OK)
				return n ? st : TOK_IO_ERROR;
			continue;
		}
		if ((sw & 0xFF00) == 0x6100) {
			uint8_t gr[5] = { 0x00, ISO_INS_GET_RESPONSE, 0, 0, (uint8_t)(sw & 0xFF) };
			if ((st = transmit(p, gr, sizeof gr, &rlen)) != TOK_OK)
				return st;
			continue;
		}
		r->data = p->resp;
		r->len = got;
		r->sw = sw;
		return TOK_OK;
	}
}

/* A command whose status word must be 9000 (or 6282). */
static token_status run(pcsc *p, const iso_apdu *a, iso_resp *r, const char *what)
{
	iso_resp tmp;
	if (!r)
		r = &tmp;
	token_status st = xfer(p, a, r);
	if (st != TOK_OK) {
		if (!strstr(p->detail, what)) {
			char d[sizeof p->detail];
			memcpy(d, p->detail, sizeof d);
			note(p, "%s: %.400s", what, d);
		}
		return st;
	}
	st = iso_sw_status(r->sw, NULL);
	if (st != TOK_OK)
		note(p, "%s: %04X %s", what, r->sw, iso_sw_text(r->sw));
	return st;
}

#define APDU(ins_, p1_, p2_, data_, nc_, ne_) \
	((iso_apdu){ .cla = 0x00, .ins = (ins_), .p1 = (p1_), .p2 = (p2_), .data = (data_), \
		     .nc = (nc_), .ne = (ne_) })

/* ---- the profile's steps ---- */

/* GET DATA 0101: serial, life cycle, PIN counters. A key that does not answer
 * it is not one of ours. */
static token_status get_status(pcsc *p, tp_status *s)
{
	iso_apdu a = APDU(ISO_INS_GET_DATA, TP_DO_STATUS >> 8, TP_DO_STATUS & 0xFF, NULL, 0, 256);
	iso_resp r;
	token_status st = run(p, &a, &r, "GET DATA (key status)");
	if (st == TOK_NOT_PERSONALISED || st == TOK_BLOCKED || st == TOK_WRONG_PIN)
		st = TOK_WRONG_CARD;
	if (st != TOK_OK)
		return st;
	if (tp_status_decode(r.data, r.len, s) != 0) {
		note(p, "GET DATA (key status): not this profile's key status object");
		return TOK_WRONG_CARD;
	}
	return TOK_OK;
}

static token_status select_app(pcsc *p, iso_fcp *f)
{
	iso_apdu a = APDU(ISO_INS_SELECT, 0x04, f ? 0x04 : 0x0C, tp_aid, TP_AID_LEN, f ? 256 : 0);
	iso_resp r;
	token_status st = run(p, &a, &r, "SELECT application");
	if (st != TOK_OK || !f)
		return st;
	if (iso_fcp_parse(r.data, r.len, f) != 0 || f->df_name_len != TP_AID_LEN ||
	    memcmp(f->df_name, tp_aid, TP_AID_LEN) != 0) {
		note(p, "SELECT application: the FCP does not name the application");
		return TOK_WRONG_CARD;
	}
	return TOK_OK;
}

/* READ BINARY of an EF named by its SFI, up to max bytes from offset 0: one
 * command with extended lengths, else 256 at a time (the first by SFI, the
 * rest by offset in what is then the current EF). */
static token_status read_ef(pcsc *p, int sfi, size_t max, uint8_t *out, size_t *got)
{
	*got = 0;
	while (*got < max) {
		size_t want = max - *got;
		if (!p->ext && want > ISO_SHORT_NE_MAX)
			want = ISO_SHORT_NE_MAX;
		uint8_t p1 = *got ? (uint8_t)(*got >> 8) : (uint8_t)(0x80 | sfi);
		uint8_t p2 = (uint8_t)*got;
		if (*got > 0x7FFF)
			return TOK_IO_ERROR;
		iso_apdu a = APDU(ISO_INS_READ_BINARY, p1, p2, NULL, 0, want);
		iso_resp r;
		token_status st = run(p, &a, &r, "READ BINARY");
		if (st != TOK_OK)
			return st;
		if (r.len > want)
			return TOK_IO_ERROR;
		memcpy(out + *got, r.data, r.len);
		*got += r.len;
		if (r.len < want || r.sw == ISO_SW_EOF_WARNING)
			break;
	}
	return TOK_OK;
}

/* UPDATE BINARY of a whole EF content from offset 0, by SFI. */
static token_status update_ef(pcsc *p, int sfi, const uint8_t *data, size_t n)
{
	if (p->ext || p->chain || n <= ISO_SHORT_NC_MAX) {
		iso_apdu a = APDU(ISO_INS_UPDATE_BINARY, (uint8_t)(0x80 | sfi), 0, data, n, 0);
		return run(p, &a, NULL, "UPDATE BINARY");
	}
	for (size_t off = 0; off < n; off += ISO_SHORT_NC_MAX) {
		size_t k = n - off < ISO_SHORT_NC_MAX ? n - off : ISO_SHORT_NC_MAX;
		iso_apdu a = off ? APDU(ISO_INS_UPDATE_BINARY, (uint8_t)(off >> 8), (uint8_t)off,
					data + off, k, 0)
				 : APDU(ISO_INS_UPDATE_BINARY, (uint8_t)(0x80 | sfi), 0, data, k, 0);
		token_status st = run(p, &a, NULL, "UPDATE BINARY");
		if (st != TOK_OK)
			return st;
	}
	return TOK_OK;
}

/* The user PIN as the card takes it: the FF-padded block, or (too long to be
 * right) the bytes as they are, which the key counts as a wrong PIN. */
static size_t pin_data(const char *pin, uint8_t *out)
{
	if (tp_pin_block(pin, out))
		return TP_PIN_BLOCK;
	size_t n = strlen(pin);
	memcpy(out, pin, n);
	return n;
}

/* The answer to a check of the user PIN. */
static token_status pin_result(pcsc *p, uint16_t sw, int max, int *tries_left)
{
	int left = -1;
	token_status st = iso_sw_status(sw, &left);
	if (st == TOK_OK)
		left = max;
	if (tries_left)
		*tries_left = left;
	if (st != TOK_OK && st != TOK_WRONG_PIN && st != TOK_BLOCKED)
		note(p, "user PIN: %04X %s", sw, iso_sw_text(sw));
	return st;
}

static token_status verify_user(pcsc *p, const char *pin, int max, int *tries_left)
{
	uint8_t d[64];
	size_t n = pin_data(pin, d);
	iso_apdu a = APDU(ISO_INS_VERIFY, 0x00, TP_PIN_USER, d, n, 0);
	iso_resp r;
	token_status st = xfer(p, &a, &r);
	OPENSSL_cleanse(d, sizeof d);
	return st != TOK_OK ? st : pin_result(p, r.sw, max, tries_left);
}

/* Forget a verified PIN on the key (VERIFY with P1 FF) so that no other
 * program sharing the reader inherits it. */
static void logout(pcsc *p, uint8_t ref)
{
	iso_apdu a = APDU(ISO_INS_VERIFY, 0xFF, ref, NULL, 0, 0);
	iso_resp r;
	xfer(p, &a, &r);
}

static bool have_master(pcsc *p)
{
	if (p->master_len)
		return true;
	note(p, "no admin master secret configured: this device can only read keys");
	return false;
}

/* The admin PIN opens writes. A key that refuses ours was personalised with
 * another master secret: not this CA's key for this kiosk. */
static token_status verify_admin(pcsc *p, const char *serial)
{
	uint8_t pin[TP_ADMIN_LEN];
	if (tp_admin_pin(p->master, p->master_len, serial, pin) != 0)
		return TOK_INVALID;
	iso_apdu a = APDU(ISO_INS_VERIFY, 0x00, TP_PIN_ADMIN, pin, sizeof pin, 0);
	iso_resp r;
	token_status st = xfer(p, &a, &r);
	OPENSSL_cleanse(pin, sizeof pin);
	if (st != TOK_OK)
		return st;
	if (r.sw == ISO_SW_OK)
		return TOK_OK;
	note(p, "admin PIN of key %s refused (%04X %s): the key was personalised with another "
		"master secret", serial, r.sw, iso_sw_text(r.sw));
	return TOK_WRONG_CARD;
}

/* What the key holds: status, application selected, both info records. */
typedef struct held {
	tp_status st;
	tp_record rec[2];
	bool ok[2];
	int cur; /* 0 none, 1 A, 2 B */
} held;

static token_status load(pcsc *p, held *h, bool need_app)
{
	memset(h, 0, sizeof *h);
	token_status st = get_status(p, &h->st);
	if (st != TOK_OK)
		return st;
	if (!iso_lcs_operational(h->st.lcs))
		return need_app ? TOK_NOT_PERSONALISED : TOK_OK;
	if ((st = select_app(p, NULL)) != TOK_OK)
		return st;
	static const int sfi[2] = { TP_SFI_INFO_A, TP_SFI_INFO_B };
	for (int i = 0; i < 2; i++) {
		uint8_t buf[TP_INFO_SIZE];
		size_t got;
		if ((st = read_ef(p, sfi[i], sizeof buf, buf, &got)) != TOK_OK)
			return st;
		h->ok[i] = tp_record_decode(buf, got, &h->rec[i]) == 0 &&
			   strcmp(h->rec[i].serial, h->st.serial) == 0;
	}
	h->cur = tp_record_pick(&h->rec[0], h->ok[0], &h->rec[1], h->ok[1]);
	return TOK_OK;
}

/* ---- operations ---- */

static token_status pcsc_present(void *ctx, bool *present)
{
	pcsc *p = ctx;
	token_status st = ensure_context(p);
	if (st != TOK_OK)
		return st;
	SCARD_READERSTATE rs = { .szReader = p->reader, .dwCurrentState = SCARD_STATE_UNAWARE };
	LONG rv = SCardGetStatusChange(p->sc, 0, &rs, 1);
	if (rv != SCARD_S_SUCCESS)
		return sc_status(p, rv, "SCardGetStatusChange");
	if (rs.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE)) {
		note(p, "reader '%s' is gone", p->reader);
		drop_context(p);
		return TOK_NO_READER;
	}
	*present = (rs.dwEventState & SCARD_STATE_PRESENT) != 0;
	if (!*present)
		disconnect(p);
	return TOK_OK;
}

static token_status pcsc_read_info(void *ctx, token_info *out)
{
	pcsc *p = ctx;
	token_status st = op_begin(p);
	if (st != TOK_OK)
		return st;
	held h;
	st = load(p, &h, false);
	if (st == TOK_OK) {
		snprintf(out->serial, sizeof out->serial, "%s", h.st.serial);
		out->personalised = iso_lcs_operational(h.st.lcs);
		if (out->personalised) {
			out->pin_tries_max = h.st.user_max;
			out->pin_tries_left = h.st.user_left;
			out->blocked = h.st.user_left == 0;
			if (h.cur)
				tp_record_to_info(&h.rec[h.cur - 1], out);
		}
	}
	return op_end(p, st);
}

static token_status create_ef(pcsc *p, uint16_t fid, int sfi, size_t size)
{
	uint8_t in[32], fcp[40];
	iso_buf b, w;
	iso_buf_init(&b, in, sizeof in);
	uint8_t sz[2] = { (uint8_t)(size >> 8), (uint8_t)size };
	uint8_t fdb = ISO_FDB_TRANSPARENT, id[2] = { (uint8_t)(fid >> 8), (uint8_t)fid };
	uint8_t s = (uint8_t)(sfi << 3);
	iso_buf_tlv(&b, 0x80, sz, 2);
	iso_buf_tlv(&b, 0x82, &fdb, 1);
	iso_buf_tlv(&b, 0x83, id, 2);
	iso_buf_tlv(&b, 0x88, &s, 1);
	iso_buf_init(&w, fcp, sizeof fcp);
	iso_buf_tlv(&w, 0x62, in, b.len);
	iso_apdu a = APDU(ISO_INS_CREATE_FILE, 0, 0, fcp, w.len, 0);
	iso_resp r;
	token_status st = xfer(p, &a, &r);
	if (st != TOK_OK)
		return st;
	if (r.sw == ISO_SW_OK || r.sw == ISO_SW_FILE_EXISTS) /* exists: resumed */
		return TOK_OK;
	note(p, "CREATE FILE %04X: %04X %s", fid, r.sw, iso_sw_text(r.sw));
	return iso_sw_status(r.sw, NULL);
}

static token_status pcsc_personalise(void *ctx, const char *initial_pin)
{
	pcsc *p = ctx;
	if (!have_master(p))
		return TOK_NOT_SUPPORTED;
	token_status st = op_begin(p);
	if (st != TOK_OK)
		return st;
	tp_status s;
	uint8_t pin[TP_PIN_BLOCK], admin[TP_ADMIN_LEN];
	if ((st = get_status(p, &s)) != TOK_OK)
		goto out;
	if (iso_lcs_operational(s.lcs)) {
		/* done before the answer to its last command got back to us */
		if (strcmp(p->pending, s.serial) == 0) {
			p->pending[0] = '\0';
			goto out;
		}
		note(p, "key %s is already personalised", s.serial);
		st = TOK_WRONG_CARD;
		goto out;
	}
	snprintf(p->pending, sizeof p->pending, "%s", s.serial);
	if (s.lcs == 0x00) {
		uint8_t in[32], fcp[40];
		iso_buf b, w;
		iso_buf_init(&b, in, sizeof in);
		uint8_t fdb = ISO_FDB_DF, id[2] = { TP_DF_FID >> 8, TP_DF_FID & 0xFF };
		iso_buf_tlv(&b, 0x82, &fdb, 1);
		iso_buf_tlv(&b, 0x83, id, 2);
		iso_buf_tlv(&b, 0x84, tp_aid, TP_AID_LEN);
		iso_buf_init(&w, fcp, sizeof fcp);
		iso_buf_tlv(&w, 0x62, in, b.len);
		iso_apdu a = APDU(ISO_INS_CREATE_FILE, 0, 0, fcp, w.len, 0);
		if ((st = run(p, &a, NULL, "CREATE FILE (application)")) != TOK_OK)
			goto out;
	} else if ((st = select_app(p, NULL)) != TOK_OK) {
		goto out;
	}
	static const struct {
		uint16_t fid;
		int sfi;
		size_t size;
	} efs[] = { { TP_EF_INFO_A, TP_SFI_INFO_A, TP_INFO_SIZE },
		    { TP_EF_INFO_B, TP_SFI_INFO_B, TP_INFO_SIZE },
		    { TP_EF_CERT_A, TP_SFI_CERT_A, TP_CERT_SIZE },
		    { TP_EF_CERT_B, TP_SFI_CERT_B, TP_CERT_SIZE } };
	for (size_t i = 0; i < sizeof efs / sizeof efs[0]; i++)
		if ((st = create_ef(p, efs[i].fid, efs[i].sfi, efs[i].size)) != TOK_OK)
			goto out;
	tp_pin_block(initial_pin, pin);
	iso_apdu a = APDU(ISO_INS_CHANGE_REF, 0x01, TP_PIN_USER, pin, sizeof pin, 0);
	if ((st = run(p, &a, NULL, "CHANGE REFERENCE DATA (user PIN)")) != TOK_OK)
		goto out;
	if (tp_admin_pin(p->master, p->master_len, s.serial, admin) != 0) {
		st = TOK_INVALID;
		goto out;
	}
	a = APDU(ISO_INS_CHANGE_REF, 0x01, TP_PIN_ADMIN, admin, sizeof admin, 0);
	if ((st = run(p, &a, NULL, "CHANGE REFERENCE DATA (admin PIN)")) != TOK_OK)
		goto out;
	static const uint8_t crt[] = { 0xB6, 0x03, 0x84, 0x01, TP_KEY_REF };
	a = APDU(ISO_INS_GENERATE_KEY, 0x80, 0x00, crt, sizeof crt, 256);
	if ((st = run(p, &a, NULL, "GENERATE ASYMMETRIC KEY PAIR")) != TOK_OK)
		goto out;
	/* the commit: the application becomes operational */
	a = APDU(ISO_INS_ACTIVATE_FILE, 0x04, 0x00, tp_aid, TP_AID_LEN, 0);
	if ((st = run(p, &a, NULL, "ACTIVATE FILE")) != TOK_OK)
		goto out;
	p->pending[0] = '\0';
out:
	OPENSSL_cleanse(pin, sizeof pin);
	OPENSSL_cleanse(admin, sizeof admin);
	return op_end(p, st);
}

/* Write a new info record (and before it, when der is given, the
 * certificate) into the copies the current record does not use. */
static token_status write_record(pcsc *p, const held *h, tp_record *n, const uint8_t *der,
				 size_t der_len)
{
	const tp_record *cur = h->cur ? &h->rec[h->cur - 1] : NULL;
	n->seq = cur ? cur->seq + 1 : 1;
	int info_sfi = h->cur == 1 ? TP_SFI_INFO_B : TP_SFI_INFO_A;
	snprintf(n->serial, sizeof n->serial, "%s", h->st.serial);
	if (der) {
		n->cert_slot = cur && cur->cert_slot == 1 ? 2 : 1;
		n->cert_len = der_len;
		unsigned int hl = 0;
		if (EVP_Digest(der, der_len, n->cert_hash, &hl, EVP_sha256(), NULL) != 1)
			return TOK_IO_ERROR;
	}
	uint8_t rec[TP_RECORD_MAX];
	size_t len = tp_record_encode(n, rec, sizeof rec);
	if (!len) {
		note(p, "the info record does not encode (a field out of range)");
		return TOK_INVALID;
	}
	token_status st = verify_admin(p, h->st.serial);
	if (st == TOK_OK && der)
		st = update_ef(p, n->cert_slot == 1 ? TP_SFI_CERT_A : TP_SFI_CERT_B, der, der_len);
	if (st == TOK_OK)
		st = update_ef(p, info_sfi, rec, len);
	if (st == TOK_OK)
		logout(p, TP_PIN_ADMIN);
	return st;
}

static token_status pcsc_write_cert(void *ctx, const token_cert *c)
{
	pcsc *p = ctx;
	if (!c->der || c->der_len > TP_CERT_SIZE) {
		note(p, "the certificate to write is missing or over %d bytes", TP_CERT_SIZE);
		return TOK_INVALID;
	}
	if (!have_master(p))
		return TOK_NOT_SUPPORTED;
	token_status st = op_begin(p);
	if (st != TOK_OK)
		return st;
	held h;
	if ((st = load(p, &h, true)) == TOK_OK) {
		tp_record n = { 0 };
		snprintf(n.unit_name, sizeof n.unit_name, "%s", c->unit_name);
		snprintf(n.uscc, sizeof n.uscc, "%s", c->uscc);
		snprintf(n.cert_serial, sizeof n.cert_serial, "%s", c->cert_serial);
		n.not_before = c->not_before;
		n.not_after = c->not_after;
		n.seal_not_after = h.cur ? h.rec[h.cur - 1].seal_not_after : -1;
		st = write_record(p, &h, &n, c->der, c->der_len);
	}
	return op_end(p, st);
}

static token_status pcsc_write_seal(void *ctx, long seal_not_after)
{
	pcsc *p = ctx;
	if (!have_master(p))
		return TOK_NOT_SUPPORTED;
	token_status st = op_begin(p);
	if (st != TOK_OK)
		return st;
	held h;
	if ((st = load(p, &h, true)) == TOK_OK) {
		if (!h.cur) {
			st = TOK_NO_CERT;
		} else {
			tp_record n = h.rec[h.cur - 1];
			n.seal_not_after = seal_not_after;
			st = write_record(p, &h, &n, NULL, 0);
		}
	}
	return op_end(p, st);
}

/* Status and the application selected, for the PIN operations. */
static token_status pin_begin(pcsc *p, tp_status *s)
{
	token_status st = op_begin(p);
	if (st != TOK_OK)
		return st;
	if ((st = get_status(p, s)) == TOK_OK) {
		if (!iso_lcs_operational(s->lcs))
			st = TOK_NOT_PERSONALISED;
		else
			st = select_app(p, NULL);
	}
	return st;
}

static token_status pcsc_verify_pin(void *ctx, const char *pin, int *tries_left)
{
	pcsc *p = ctx;
	tp_status s;
	token_status st = pin_begin(p, &s);
	if (st == TOK_OK) {
		st = verify_user(p, pin, s.user_max, tries_left);
		if (st == TOK_OK)
			logout(p, TP_PIN_USER);
	}
	return op_end(p, st);
}

static token_status pcsc_change_pin(void *ctx, const char *old_pin, const char *new_pin,
				    int *tries_left)
{
	pcsc *p = ctx;
	tp_status s;
	token_status st = pin_begin(p, &s);
	if (st != TOK_OK)
		return op_end(p, st);
	uint8_t d[2 * TP_PIN_BLOCK];
	if (!tp_pin_block(old_pin, d)) {
		/* cannot be the PIN: let the key count it */
		st = verify_user(p, old_pin, s.user_max, tries_left);
		return op_end(p, st);
	}
	tp_pin_block(new_pin, d + TP_PIN_BLOCK);
	iso_apdu a = APDU(ISO_INS_CHANGE_REF, 0x00, TP_PIN_USER, d, sizeof d, 0);
	iso_resp r;
	st = xfer(p, &a, &r);
	OPENSSL_cleanse(d, sizeof d);
	if (st == TOK_OK)
		st = pin_result(p, r.sw, s.user_max, tries_left);
	if (st == TOK_OK)
		logout(p, TP_PIN_USER);
	return op_end(p, st);
}

static token_status pcsc_reset_pin(void *ctx, const char *new_pin)
{
	pcsc *p = ctx;
	if (!have_master(p))
		return TOK_NOT_SUPPORTED;
	tp_status s;
	token_status st = pin_begin(p, &s);
	if (st != TOK_OK)
		return op_end(p, st);
	uint8_t d[TP_ADMIN_LEN + TP_PIN_BLOCK];
	if (tp_admin_pin(p->master, p->master_len, s.serial, d) != 0)
		return op_end(p, TOK_INVALID);
	tp_pin_block(new_pin, d + TP_ADMIN_LEN);
	iso_apdu a = APDU(ISO_INS_RESET_RETRY, 0x00, TP_PIN_USER, d, sizeof d, 0);
	iso_resp r;
	st = xfer(p, &a, &r);
	OPENSSL_cleanse(d, sizeof d);
	if (st == TOK_OK && r.sw != ISO_SW_OK) {
		note(p, "RESET RETRY COUNTER on key %s: %04X %s", s.serial, r.sw, iso_sw_text(r.sw));
		st = iso_sw_is_tries(r.sw) || r.sw == ISO_SW_BLOCKED ? TOK_WRONG_CARD
								      : iso_sw_status(r.sw, NULL);
	}
	return op_end(p, st);
}

static token_status pcsc_erase(void *ctx)
{
	pcsc *p = ctx;
	token_status st = op_begin(p);
	if (st != TOK_OK)
		return st;
	tp_status s;
	if ((st = get_status(p, &s)) != TOK_OK || s.lcs == 0x00)
		return op_end(p, st);
	if (iso_lcs_operational(s.lcs) && !have_master(p))
		return op_end(p, TOK_NOT_SUPPORTED);
	if ((st = select_app(p, NULL)) == TOK_OK && iso_lcs_operational(s.lcs))
		st = verify_admin(p, s.serial);
	if (st == TOK_OK) {
		iso_apdu a = APDU(ISO_INS_DELETE_FILE, 0x04, 0x00, tp_aid, TP_AID_LEN, 0);
		st = run(p, &a, NULL, "DELETE FILE (application)");
	}
	return op_end(p, st);
}

static token_status pcsc_read_cert(void *ctx, unsigned char **der, size_t *der_len)
{
	pcsc *p = ctx;
	token_status st = op_begin(p);
	if (st != TOK_OK)
		return st;
	held h;
	if ((st = load(p, &h, true)) != TOK_OK)
		return op_end(p, st);
	if (!h.cur)
		return op_end(p, TOK_NO_CERT);
	const tp_record *r = &h.rec[h.cur - 1];
	unsigned char *buf = malloc(r->cert_len);
	size_t got = 0;
	if (!buf)
		return op_end(p, TOK_IO_ERROR);
	st = read_ef(p, r->cert_slot == 1 ? TP_SFI_CERT_A : TP_SFI_CERT_B, r->cert_len, buf, &got);
	uint8_t hash[32];
	unsigned int hl = 0;
	if (st == TOK_OK && (got != r->cert_len ||
			     EVP_Digest(buf, got, hash, &hl, EVP_sha256(), NULL) != 1 ||
			     memcmp(hash, r->cert_hash, 32) != 0)) {
		note(p, "the certificate on key %s does not match its info record", h.st.serial);
		st = TOK_CHECK_FAILED;
	}
	if (st != TOK_OK) {
		free(buf);
		return op_end(p, st);
	}
	*der = buf;
	*der_len = got;
	return op_end(p, TOK_OK);
}

/* 7F49 { 86 04||X||Y } -> DER SubjectPublicKeyInfo of a P-256 key. */
static token_status spki_from_do(pcsc *p, const iso_resp *r, unsigned char **spki, size_t *len)
{
	iso_tlv top, pt;
	if (iso_tlv_parse(r->data, r->len, &top) != 0 || top.tag != 0x7F49 ||
	    iso_tlv_find(top.value, top.len, 0x86, &pt) != 1 || pt.len != 65 ||
	    pt.value[0] != 0x04) {
		note(p, "the public key object is not an uncompressed P-256 point");
		return TOK_WRONG_CARD;
	}
	token_status st = TOK_IO_ERROR;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *key = NULL;
	if (bld && kc &&
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) &&
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt.value, pt.len) &&
	    (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(kc) == 1 &&
	    EVP_PKEY_fromdata(kc, &key, EVP_PKEY_PUBLIC_KEY, params) == 1) {
		unsigned char *out = NULL;
		int n = i2d_PUBKEY(key, &out);
		if (n > 0) {
			/* hand back memory the caller frees with free() */
			*spki = malloc((size_t)n);
			if (*spki) {
				memcpy(*spki, out, (size_t)n);
				*len = (size_t)n;
				st = TOK_OK;
			}
		}
		OPENSSL_free(out);
	} else {
		note(p, "the key's public point is not on P-256");
		st = TOK_WRONG_CARD;
	}
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(kc);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return st;
}

static token_status pcsc_read_pubkey(void *ctx, unsigned char **spki, size_t *spki_len)
{
	pcsc *p = ctx;
	token_status st = op_begin(p);
	if (st != TOK_OK)
		return st;
	iso_fcp f;
	if ((st = select_app(p, &f)) != TOK_OK)
		return op_end(p, st);
	iso_apdu a = APDU(ISO_INS_GENERATE_KEY, 0x81, 0x00, NULL, 0, 256);
	iso_resp r;
	st = run(p, &a, &r, "GENERATE ASYMMETRIC KEY PAIR (read public key)");
	if (st == TOK_WRONG_CARD && r.sw == ISO_SW_DATA_NOT_FOUND)
		st = TOK_NOT_PERSONALISED; /* no key pair yet */
	if (st == TOK_OK)
		st = spki_from_do(p, &r, spki, spki_len);
	return op_end(p, st);
}

static token_status pcsc_sign(void *ctx, const char *pin, const unsigned char *data, size_t len,
			      unsigned char *sig, size_t *sig_len, int *tries_left)
{
	pcsc *p = ctx;
	tp_status s;
	token_status st = pin_begin(p, &s);
	if (st == TOK_OK)
		st = verify_user(p, pin, s.user_max, tries_left);
	if (st != TOK_OK)
		return op_end(p, st);
	iso_apdu a = APDU(ISO_INS_INTERNAL_AUTH, 0x00, 0x00, data, len, 256);
	iso_resp r;
	st = run(p, &a, &r, "INTERNAL AUTHENTICATE");
	logout(p, TP_PIN_USER);
	if (st == TOK_OK && r.len != TP_SIG_RAW_LEN) {
		note(p, "INTERNAL AUTHENTICATE: %zu bytes, not r || s", r.len);
		st = TOK_WRONG_CARD;
	}
	if (st != TOK_OK)
		return op_end(p, st);
	/* r || s -> the DER ECDSA-Sig-Value X.509 verifiers take */
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *br = BN_bin2bn(r.data, 32, NULL), *bs = BN_bin2bn(r.data + 32, 32, NULL);
	if (!es || !br || !bs || ECDSA_SIG_set0(es, br, bs) != 1) {
		BN_free(br);
		BN_free(bs);
		ECDSA_SIG_free(es);
		return op_end(p, TOK_IO_ERROR);
	}
	int n = i2d_ECDSA_SIG(es, NULL);
	unsigned char *q = sig;
	if (n <= 0 || n > TOKEN_SIG_MAX || i2d_ECDSA_SIG(es, &q) != n)
		st = TOK_IO_ERROR;
	else
		*sig_len = (size_t)n;
	ECDSA_SIG_free(es);
	return op_end(p, st);
}

static void pcsc_free(void *ctx)
{
	pcsc *p = ctx;
	if (!p)
		return;
	drop_context(p);
	OPENSSL_cleanse(p->master, sizeof p->master);
	free(p);
}

static const token_ops pcsc_ops = {
	.name = "pcsc",
	.present = pcsc_present,
	.read_info = pcsc_read_info,
	.personalise = pcsc_personalise,
	.write_cert = pcsc_write_cert,
	.write_seal = pcsc_write_seal,
	.verify_pin = pcsc_verify_pin,
	.change_pin = pcsc_change_pin,
	.reset_pin = pcsc_reset_pin,
	.erase = pcsc_erase,
	.free = pcsc_free,
	.read_cert = pcsc_read_cert,
	.read_pubkey = pcsc_read_pubkey,
	.sign = pcsc_sign,
};

/* ---- construction and the extras ---- */

/* The master secret: owner-only file, raw bytes or hex text, 32..128 bytes. */
static int load_master(pcsc *p, const char *path, kerr *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kerr_set(err, path, "cannot open the admin master secret: %s", strerror(errno));
	struct stat sb;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return kerr_set(err, path, "the admin master secret is not a regular file");
	}
	if (sb.st_mode & 077) {
		close(fd);
		return kerr_set(err, path, "the admin master secret is readable by others "
				"(mode %03o): chmod 600 it", (unsigned)(sb.st_mode & 0777));
	}
	uint8_t buf[2 * MASTER_MAX + 8];
	ssize_t n = read(fd, buf, sizeof buf);
	close(fd);
	if (n < 0 || (size_t)n == sizeof buf) {
		OPENSSL_cleanse(buf, sizeof buf);
		return kerr_set(err, path, "the admin master secret must be %d to %d bytes (or "
				"twice as many hex digits)", MASTER_MIN, MASTER_MAX);
	}
	size_t len = (size_t)n;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	char hex[2 * MASTER_MAX + 8];
	memcpy(hex, buf, len);
	hex[len] = '\0';
	long h = iso_unhex(hex, p->master, sizeof p->master);
	if (h >= MASTER_MIN && len == 2 * (size_t)h) {
		p->master_len = (size_t)h;
	} else if ((size_t)n >= MASTER_MIN && (size_t)n <= MASTER_MAX) {
		memcpy(p->master, buf, (size_t)n);
		p->master_len = (size_t)n;
	}
	OPENSSL_cleanse(buf, sizeof buf);
	OPENSSL_cleanse(hex, sizeof hex);
	if (!p->master_len)
		return kerr_set(err, path, "the admin master secret must be %d to %d bytes (or "
				"twice as many hex digits)", MASTER_MIN, MASTER_MAX);
	return 0;
}

token_dev *token_pcsc_new(const char *reader_name, const char *admin_master_secret_file,
			  kerr *err)
{
	if (reader_name && strlen(reader_name) >= sizeof ((pcsc *)0)->want) {
		kerr_set(err, "reader", "the reader name is too long");
		return NULL;
	}
	token_dev *dev = calloc(1, sizeof *dev);
	pcsc *p = calloc(1, sizeof *p);
	if (!dev || !p) {
		free(dev);
		free(p);
		kerr_set(err, NULL, "out of memory");
		return NULL;
	}
	snprintf(p->want, sizeof p->want, "%s", reader_name ? reader_name : "");
	if (admin_master_secret_file && *admin_master_secret_file &&
	    load_master(p, admin_master_secret_file, err) != 0) {
		pcsc_free(p);
		free(dev);
		return NULL;
	}
	dev->ops = &pcsc_ops;
	dev->ctx = p;
	return dev;
}

static pcsc *pcsc_of(const token_dev *dev)
{
	return dev && dev->ops == &pcsc_ops ? dev->ctx : NULL;
}

token_status token_pcsc_wait(token_dev *dev, int timeout_ms, bool want_present, bool *present)
{
	pcsc *p = pcsc_of(dev);
	if (!present)
		return TOK_INVALID;
	*present = false;
	if (!p)
		return TOK_NOT_SUPPORTED;
	token_status st = ensure_context(p);
	if (st != TOK_OK)
		return st;
	SCARD_READERSTATE rs = { .szReader = p->reader, .dwCurrentState = SCARD_STATE_UNAWARE };
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		long ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		long left = rs.dwCurrentState == SCARD_STATE_UNAWARE ? 0 : timeout_ms - ms;
		if (left < 0)
			left = 0;
		LONG rv = SCardGetStatusChange(p->sc, (DWORD)left, &rs, 1);
		if (rv == SCARD_E_TIMEOUT)
			return TOK_OK;
		if (rv != SCARD_S_SUCCESS)
			return sc_status(p, rv, "SCardGetStatusChange");
		if (rs.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE)) {
			drop_context(p);
			return TOK_NO_READER;
		}
		*present = (rs.dwEventState & SCARD_STATE_PRESENT) != 0;
		if (!*present)
			disconnect(p);
		if (*present == want_present || ms >= timeout_ms)
			return TOK_OK;
		rs.dwCurrentState = rs.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
	}
}

const char *token_pcsc_reader(const token_dev *dev)
{
	pcsc *p = pcsc_of(dev);
	return p ? p->reader : "";
}

const char *token_pcsc_detail(const token_dev *dev)
{
	pcsc *p = pcsc_of(dev);
	return p ? p->detail : "";
}

unsigned long token_pcsc_apdu_count(const token_dev *dev)
{
	pcsc *p = pcsc_of(dev);
	return p ? p->apdus : 0;
}

int token_pcsc_list(token_reader *out, size_t max, size_t *n, kerr *err)
{
	*n = 0;
	SCARDCONTEXT sc;
	LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &sc);
	if (rv != SCARD_S_SUCCESS)
		return kerr_set(err, "PC/SC", "no PC/SC service: %s; start pcscd (pcscd, or "
				"pcscd --foreground --auto-exit &)", pcsc_stringify_error(rv));
	char *names = NULL;
	DWORD len = SCARD_AUTOALLOCATE;
	rv = SCardListReaders(sc, NULL, (LPSTR)&names, &len);
	if (rv == SCARD_E_NO_READERS_AVAILABLE) {
		SCardReleaseContext(sc);
		return 0;
	}
	if (rv != SCARD_S_SUCCESS) {
		SCardReleaseContext(sc);
		return kerr_set(err, "PC/SC", "listing the readers: %s", pcsc_stringify_error(rv));
	}
	for (const char *r = names; *r; r += strlen(r) + 1) {
		if (*n < max) {
			token_reader *o = &out[*n];
			memset(o, 0, sizeof *o);
			snprintf(o->name, sizeof o->name, "%s", r);
			SCARD_READERSTATE rs = { .szReader = r, .dwCurrentState = SCARD_STATE_UNAWARE };
			if (SCardGetStatusChange(sc, 0, &rs, 1) == SCARD_S_SUCCESS) {
				o->present = (rs.dwEventState & SCARD_STATE_PRESENT) != 0;
				o->exclusive = (rs.dwEventState & SCARD_STATE_EXCLUSIVE) != 0;
				if (o->present && rs.cbAtr && rs.cbAtr <= 33)
					iso_hex(rs.rgbAtr, rs.cbAtr, o->atr);
			}
		}
		(*n)++;
	}
	SCardFreeMemory(sc, names);
	SCardReleaseContext(sc);
	return 0;
}
