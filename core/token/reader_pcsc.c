/* reader_pcsc: the reader transport over PC/SC (pcsc-lite), the one file of
 * the product that includes winscard.h (see reader.h). Besides the reader a
 * card driver talks through, it lists the readers for kioskctl
 * (token_pcsc_list, token.h). */
#include "core/token/reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <winscard.h>

#define REMOVAL_WAIT_MS 1500 /* after a failed transmit: is the key gone? */

struct reader {
	SCARDCONTEXT sc;
	bool have_sc;
	char want[READER_NAME_MAX + 1];   /* configured reader, "" the first */
	char name[READER_NAME_MAX + 1];   /* the one in use */
	SCARDHANDLE h;
	bool connected;
	DWORD proto;
	bool in_tx;
	reader_caps caps;      /* from the ATR's card capabilities */
	bool sent;             /* a command went out in this operation */
	unsigned long apdus;
	unsigned long session;  /* one more at every connection to a card */
	char detail[512];
	uint8_t cmd[ISO_APDU_MAX];
	uint8_t raw[ISO_EXT_NE_MAX + 2];
	uint8_t resp[ISO_EXT_NE_MAX + 2]; /* one response, GET RESPONSE parts joined */
};

void reader_note(reader *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof r->detail, fmt, ap);
	va_end(ap);
}

const char *reader_detail(const reader *r)
{
	return r ? r->detail : "";
}

const char *reader_name(const reader *r)
{
	return r ? r->name : "";
}

unsigned long reader_apdu_count(const reader *r)
{
	return r ? r->apdus : 0;
}

unsigned long reader_session(const reader *r)
{
	return r ? r->session : 0;
}

reader_caps reader_card_caps(const reader *r)
{
	return r->caps;
}

reader *reader_new(const char *name, kerr *err)
{
	if (name && strlen(name) > READER_NAME_MAX) {
		kerr_set(err, "reader", "the reader name is too long");
		return NULL;
	}
	reader *r = calloc(1, sizeof *r);
	if (!r) {
		kerr_set(err, NULL, "out of memory");
		return NULL;
	}
	snprintf(r->want, sizeof r->want, "%s", name ? name : "");
	return r;
}

void reader_disconnect(reader *r)
{
	if (r->connected) {
		if (r->in_tx)
			SCardEndTransaction(r->h, SCARD_LEAVE_CARD);
		SCardDisconnect(r->h, SCARD_LEAVE_CARD);
	}
	r->connected = false;
	r->in_tx = false;
}

static void drop_context(reader *r)
{
	reader_disconnect(r);
	if (r->have_sc)
		SCardReleaseContext(r->sc);
	r->have_sc = false;
	r->name[0] = '\0';
}

void reader_free(reader *r)
{
	if (!r)
		return;
	drop_context(r);
	free(r);
}

/* What a PC/SC failure means for the clerk. */
static token_status sc_status(reader *r, LONG rv, const char *call)
{
	reader_note(r, "%s: %s (0x%08lX)", call, pcsc_stringify_error(rv), (unsigned long)rv);
	switch (rv) {
	case SCARD_E_NO_SERVICE:
	case SCARD_E_SERVICE_STOPPED:
	case SCARD_E_INVALID_HANDLE:
	case SCARD_E_NO_READERS_AVAILABLE:
	case SCARD_E_UNKNOWN_READER:
	case SCARD_E_READER_UNAVAILABLE:
		/* pcscd gone or restarted, reader unplugged: start afresh next time */
		drop_context(r);
		return TOK_NO_READER;
	case SCARD_E_NO_SMARTCARD:
	case SCARD_W_REMOVED_CARD:
		reader_disconnect(r);
		return r->sent ? TOK_REMOVED : TOK_NO_KEY;
	case SCARD_W_UNRESPONSIVE_CARD:
	case SCARD_W_UNPOWERED_CARD:
	case SCARD_W_UNSUPPORTED_CARD:
	case SCARD_E_PROTO_MISMATCH:
		reader_disconnect(r);
		return TOK_WRONG_CARD;
	default:
		return TOK_IO_ERROR;
	}
}

token_status reader_establish(reader *r)
{
	if (r->have_sc && SCardIsValidContext(r->sc) != SCARD_S_SUCCESS)
		drop_context(r);
	if (!r->have_sc) {
		LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &r->sc);
		if (rv != SCARD_S_SUCCESS) {
			sc_status(r, rv, "SCardEstablishContext (is pcscd running?)");
			return TOK_NO_READER;
		}
		r->have_sc = true;
	}
	if (r->name[0])
		return TOK_OK;
	char *names = NULL;
	DWORD len = SCARD_AUTOALLOCATE;
	LONG rv = SCardListReaders(r->sc, NULL, (LPSTR)&names, &len);
	if (rv != SCARD_S_SUCCESS)
		return sc_status(r, rv, "SCardListReaders");
	bool found = false;
	for (const char *n = names; n && *n; n += strlen(n) + 1) {
		if (!r->want[0] || strcmp(n, r->want) == 0) {
			snprintf(r->name, sizeof r->name, "%s", n);
			found = true;
			break;
		}
	}
	SCardFreeMemory(r->sc, names);
	if (!found) {
		reader_note(r, "no reader named '%s' (kioskctl token list shows the readers)", r->want);
		return TOK_NO_READER;
	}
	return TOK_OK;
}

/* The card connected, and what it takes read from its ATR. */
static token_status connect_card(reader *r)
{
	token_status st = reader_establish(r);
	if (st != TOK_OK || r->connected)
		return st;
	LONG rv = SCardConnect(r->sc, r->name, SCARD_SHARE_SHARED,
			       SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &r->h, &r->proto);
	if (rv != SCARD_S_SUCCESS)
		return sc_status(r, rv, "SCardConnect");
	r->connected = true;
	r->session++;
	uint8_t atr[MAX_ATR_SIZE];
	DWORD atr_len = sizeof atr, state = 0, proto = 0;
	char name[256];
	DWORD name_len = sizeof name;
	rv = SCardStatus(r->h, name, &name_len, &state, &proto, atr, &atr_len);
	if (rv != SCARD_S_SUCCESS)
		return sc_status(r, rv, "SCardStatus");
	iso_atr a;
	r->caps = (reader_caps){ 0 };
	if (iso_atr_parse(atr, atr_len, &a) == 0 && a.has_caps) {
		r->caps.ext_len = a.ext_len;
		r->caps.chaining = a.chaining;
	}
	return TOK_OK;
}

token_status reader_begin(reader *r)
{
	r->sent = false;
	r->detail[0] = '\0';
	for (int attempt = 0; attempt < 3; attempt++) {
		token_status st = connect_card(r);
		if (st != TOK_OK)
			return st;
		LONG rv = SCardBeginTransaction(r->h);
		if (rv == SCARD_S_SUCCESS) {
			r->in_tx = true;
			return TOK_OK;
		}
		if (rv == SCARD_W_RESET_CARD) {
			DWORD proto;
			rv = SCardReconnect(r->h, SCARD_SHARE_SHARED,
					    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD,
					    &proto);
			/* reset by another program: what the card had selected or
			 * verified is gone, so is what the drivers know of it */
			r->session++;
			if (rv == SCARD_S_SUCCESS)
				continue;
		}
		if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD ||
		    rv == SCARD_E_INVALID_HANDLE || rv == SCARD_W_RESET_CARD) {
			/* the key we had is gone; a key now in the slot gets a fresh handle */
			reader_disconnect(r);
			continue;
		}
		return sc_status(r, rv, "SCardBeginTransaction");
	}
	reader_note(r, "the key kept changing while connecting");
	return TOK_IO_ERROR;
}

token_status reader_end(reader *r, token_status st)
{
	if (r->in_tx) {
		SCardEndTransaction(r->h, SCARD_LEAVE_CARD);
		r->in_tx = false;
	}
	if (st == TOK_OK)
		r->detail[0] = '\0';
	return st;
}

/* After a failed transmit: pulled, or a fault? pcscd notices a removal at its
 * next poll, so give it a moment. A key pulled and put back meanwhile shows
 * as a new event count (the high 16 bits of the event state). */
static bool card_gone(reader *r)
{
	SCARD_READERSTATE rs = { .szReader = r->name, .dwCurrentState = SCARD_STATE_UNAWARE };
	if (SCardGetStatusChange(r->sc, 0, &rs, 1) != SCARD_S_SUCCESS)
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
		LONG rv = SCardGetStatusChange(r->sc, (DWORD)(REMOVAL_WAIT_MS - ms), &rs, 1);
		if (rv == SCARD_E_TIMEOUT)
			return false;
		if (rv != SCARD_S_SUCCESS)
			return true;
	}
	return true;
}

/* One APDU as it is, its answer in r->raw. */
static token_status transmit_raw(reader *r, const uint8_t *cmd, size_t n, size_t *rlen)
{
	const SCARD_IO_REQUEST *pci = r->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	DWORD len = sizeof r->raw;
	r->sent = true;
	r->apdus++;
	LONG rv = SCardTransmit(r->h, pci, cmd, (DWORD)n, NULL, r->raw, &len);
	if (rv == SCARD_S_SUCCESS && len >= 2) {
		*rlen = len;
		return TOK_OK;
	}
	if (rv == SCARD_S_SUCCESS)
		rv = SCARD_F_COMM_ERROR; /* no status word */
	token_status st = sc_status(r, rv, "SCardTransmit");
	if (st == TOK_IO_ERROR && card_gone(r)) {
		reader_disconnect(r);
		st = TOK_REMOVED;
	}
	return st;
}

/* Extended when the command needs it and the card can, else command
 * chaining; then 6Cxx sent again with the right Le and 61xx answered with
 * GET RESPONSE until the whole answer is in r->resp. */
token_status reader_transmit(reader *r, const iso_apdu *a, iso_resp *resp)
{
	bool ext = r->caps.ext_len;
	iso_apdu c = *a;
	if (!ext && c.ne > ISO_SHORT_NE_MAX)
		c.ne = ISO_SHORT_NE_MAX;
	size_t parts = 1, chunk = ISO_SHORT_NC_MAX;
	if (c.nc > ISO_SHORT_NC_MAX && !ext) {
		if (!r->caps.chaining) {
			reader_note(r, "the key takes neither extended lengths nor command chaining");
			return TOK_WRONG_CARD;
		}
		parts = iso_chain_parts(c.nc, chunk);
	}
	size_t rlen = 0, got = 0;
	token_status st;
	for (size_t i = 0; i < parts; i++) {
		size_t n = parts == 1 ? iso_apdu_encode(&c, ext, r->cmd, sizeof r->cmd)
				      : iso_chain_encode(&c, i, chunk, r->cmd, sizeof r->cmd);
		if (n == 0) {
			reader_note(r, "command %02X does not fit an APDU", a->ins);
			return TOK_INVALID;
		}
		if ((st = transmit_raw(r, r->cmd, n, &rlen)) != TOK_OK)
			return st;
		uint16_t sw = (uint16_t)(r->raw[rlen - 2] << 8 | r->raw[rlen - 1]);
		if (i + 1 < parts && sw != ISO_SW_OK)
			break; /* the chain was refused: report that answer */
	}
	for (int rounds = 0;; rounds++) {
		uint16_t sw = (uint16_t)(r->raw[rlen - 2] << 8 | r->raw[rlen - 1]);
		if (got + rlen - 2 > sizeof r->resp - 2)
			return TOK_IO_ERROR;
		memcpy(r->resp + got, r->raw, rlen - 2);
		got += rlen - 2;
		if (rounds > 64)
			return TOK_IO_ERROR;
		if ((sw & 0xFF00) == 0x6C00 && rounds == 0) {
			c.ne = (sw & 0xFF) ? (sw & 0xFF) : ISO_SHORT_NE_MAX;
			size_t n = iso_apdu_encode(&c, false, r->cmd, sizeof r->cmd);
			got = 0;
			if (!n || (st = transmit_raw(r, r->cmd, n, &rlen)) != TOK_OK)
				return n ? st : TOK_IO_ERROR;
			continue;
		}
		if ((sw & 0xFF00) == 0x6100) {
			uint8_t gr[5] = { 0x00, ISO_INS_GET_RESPONSE, 0, 0, (uint8_t)(sw & 0xFF) };
			if ((st = transmit_raw(r, gr, sizeof gr, &rlen)) != TOK_OK)
				return st;
			continue;
		}
		resp->data = r->resp;
		resp->len = got;
		resp->sw = sw;
		return TOK_OK;
	}
}

token_status reader_present(reader *r, bool *present)
{
	token_status st = reader_establish(r);
	if (st != TOK_OK)
		return st;
	SCARD_READERSTATE rs = { .szReader = r->name, .dwCurrentState = SCARD_STATE_UNAWARE };
	LONG rv = SCardGetStatusChange(r->sc, 0, &rs, 1);
	if (rv != SCARD_S_SUCCESS)
		return sc_status(r, rv, "SCardGetStatusChange");
	if (rs.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE)) {
		reader_note(r, "reader '%s' is gone", r->name);
		drop_context(r);
		return TOK_NO_READER;
	}
	*present = (rs.dwEventState & SCARD_STATE_PRESENT) != 0;
	if (!*present)
		reader_disconnect(r);
	return TOK_OK;
}

token_status reader_wait(reader *r, int timeout_ms, bool want_present, bool *present)
{
	*present = false;
	token_status st = reader_establish(r);
	if (st != TOK_OK)
		return st;
	SCARD_READERSTATE rs = { .szReader = r->name, .dwCurrentState = SCARD_STATE_UNAWARE };
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		long ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		long left = rs.dwCurrentState == SCARD_STATE_UNAWARE ? 0 : timeout_ms - ms;
		if (left < 0)
			left = 0;
		LONG rv = SCardGetStatusChange(r->sc, (DWORD)left, &rs, 1);
		if (rv == SCARD_E_TIMEOUT)
			return TOK_OK;
		if (rv != SCARD_S_SUCCESS)
			return sc_status(r, rv, "SCardGetStatusChange");
		if (rs.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE)) {
			drop_context(r);
			return TOK_NO_READER;
		}
		*present = (rs.dwEventState & SCARD_STATE_PRESENT) != 0;
		if (!*present)
			reader_disconnect(r);
		if (*present == want_present || ms >= timeout_ms)
			return TOK_OK;
		rs.dwCurrentState = rs.dwEventState & ~(DWORD)SCARD_STATE_CHANGED;
	}
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
