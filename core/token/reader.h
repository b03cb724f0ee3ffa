/* reader: the reader transport under the card drivers (OpenSC's reader-pcsc),
 * private to core/token. A reader is one PC/SC reader slot: it finds the
 * reader, connects to the card in it, holds a PC/SC transaction for one
 * operation, and sends whole ISO 7816-4 commands: extended lengths or command
 * chaining as the card's ATR offers them, 61xx answered with GET RESPONSE and
 * 6Cxx with the command sent again with the right Le. It knows nothing of
 * what the commands mean: status words are the card driver's (core/token/
 * card.h). PC/SC failures come back as token_status (no pcscd or reader:
 * TOK_NO_READER, no card: TOK_NO_KEY, the card pulled during an operation:
 * TOK_REMOVED, a mute card: TOK_WRONG_CARD) with the call named in the
 * detail. Implemented by reader_pcsc.c, the only file of the product that
 * includes winscard.h. A reader is owned by the card driver that made it
 * (reader_free()); nothing talks to pcscd before the first operation. */
#ifndef CORE_TOKEN_READER_H
#define CORE_TOKEN_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/base/err.h"
#include "core/token/iso7816.h"
#include "core/token/token.h"

#define READER_NAME_MAX 127   /* bytes of a reader name, without the NUL */

typedef struct reader reader;

/* A reader for name ("" or NULL: the first reader pcscd lists). NULL with err
 * when the name is too long or memory runs out. */
reader *reader_new(const char *name, kerr *err);
/* Ends a transaction still held, disconnects, releases the PC/SC context. */
void reader_free(reader *r);

/* The PC/SC context made (again, after pcscd restarted) and the reader found.
 * Every call below that needs them calls it first. */
token_status reader_establish(reader *r);
/* Forget the card: the next operation connects afresh. */
void reader_disconnect(reader *r);

/* Start an operation: the card connected (again when it was swapped, reset
 * by another program, or pulled and put back) and the transaction held; the
 * detail cleared. */
token_status reader_begin(reader *r);
/* End it: the transaction released; returns st, and clears the detail when
 * st is TOK_OK. */
token_status reader_end(reader *r, token_status st);

/* One command, whole, inside the transaction. resp gets the status word and
 * the data (GET RESPONSE parts joined) in the reader's buffer, valid until
 * the next transmit. TOK_OK means an answer came back, whatever its status
 * word; otherwise the transport failed (TOK_WRONG_CARD also for a command
 * too long for what the card takes, TOK_INVALID for one no APDU can carry). */
token_status reader_transmit(reader *r, const iso_apdu *a, iso_resp *resp);

/* What the connected card takes, from its ATR's card capabilities (both
 * false before a card was connected, or when the ATR says nothing). */
typedef struct reader_caps {
	bool ext_len;    /* extended Lc and Le */
	bool chaining;   /* command chaining */
} reader_caps;
reader_caps reader_card_caps(const reader *r);

/* Is a card in the reader now (no transaction needed)? */
token_status reader_present(reader *r, bool *present);
/* Wait up to timeout_ms (0: just look) until a card is in (want_present) or
 * out; *present says how it is at the end. */
token_status reader_wait(reader *r, int timeout_ms, bool want_present, bool *present);

/* The reader in use ("" before one was found). */
const char *reader_name(const reader *r);
/* Command APDUs sent since the reader was made (GET RESPONSE included). */
unsigned long reader_apdu_count(const reader *r);
/* The card session: a number that changes whenever the reader connects to a
 * card afresh (a key put in, pulled and put back, swapped, or reset by
 * another program), and only then. Read after reader_begin(): while it is
 * the same, the card in the reader is the one a driver last talked to, so
 * what the driver learnt of it then (its serial, what it wrote) still holds;
 * what is selected does not (another program may select between two
 * transactions). */
unsigned long reader_session(const reader *r);

/* The detail of the current operation's failure, in English for the log:
 * the PC/SC call, or (written by the card driver above) the command and its
 * status word. One buffer for both, so the last word is the one kept. */
void reader_note(reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *reader_detail(const reader *r);

#endif
