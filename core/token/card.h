/* card: what every card driver shares, private to core/token (OpenSC's
 * card.c and the operations of its iso7816.c). A card driver implements the
 * token ops table (token.h) for one card application; its ctx starts with a
 * card, which holds the reader (core/token/reader.h) the driver talks
 * through. Here are the ISO 7816-4 commands as most cards take them, each
 * built with core/token/iso7816, sent through the reader and its status word
 * checked through one table: a command's own reading of a few status words
 * (card_sw rows) first, then the ISO table (iso_sw_status). A driver uses
 * these and writes its own steps only where its card differs.
 *
 * A driver adds itself to card_drivers[] in card.c so that the PC/SC extras
 * (token_pcsc_wait, token_pcsc_reader, token_pcsc_detail,
 * token_pcsc_apdu_count in token.h) work on the devices it makes.
 * Drivers: card_kiosk.c, the kiosk's own application (docs/token-profile.md);
 * card_piv.c, the PIV application (NIST SP 800-73-4) on the same key;
 * card_dual.c, one device over both, so that every write does both. */
#ifndef CORE_TOKEN_CARD_H
#define CORE_TOKEN_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/token/iso7816.h"
#include "core/token/reader.h"
#include "core/token/token.h"

/* The first member of every card driver's ctx. The reader is the driver's
 * (reader_free() in its free op). */
typedef struct card {
	reader *rd;
} card;

/* The card drivers over PC/SC, for card_of(). */
extern const token_ops card_kiosk_ops;
extern const token_ops card_piv_ops;
extern const token_ops card_dual_ops;

/* The keys' admin master secret (token_pcsc_new): an owner-only file, raw
 * bytes or hex text, CARD_MASTER_MIN..CARD_MASTER_MAX bytes. */
#define CARD_MASTER_MIN 32
#define CARD_MASTER_MAX 128
int card_master_load(const char *path, uint8_t out[CARD_MASTER_MAX], size_t *len, kerr *err);
/* The master secret of a device card_kiosk.c made (len 0: read-only device). */
const uint8_t *card_kiosk_master(const void *kiosk_ctx, size_t *len);

struct issuer;
/* A PIV driver's ctx (card_piv.c) over rd, which it frees only when
 * own_reader. The master secret is copied; ca (may be NULL: no certificates
 * are written) is borrowed and must outlive it. NULL when memory runs out. */
void *card_piv_ctx_new(reader *rd, bool own_reader, const uint8_t *master, size_t master_len,
		       struct issuer *ca);

/* What the kiosk's driver knows of the key (card_kiosk.c): its serial,
 * read in card session *session; NULL when nothing is known. */
const char *card_kiosk_known(const void *kiosk_ctx, unsigned long *session);
/* The PIV driver told the key's serial for a card session (it then sends no
 * command to learn it), the hook it calls before writing a certificate, and
 * the certificates its slots hold (token_pcsc_app_certs). */
void card_piv_know_serial(void *piv_ctx, const char *serial, unsigned long session);
void card_piv_set_hook(void *piv_ctx, token_issue_hook hook, void *arg);
token_status card_piv_app_certs(void *piv_ctx, token_app_cert out[2], size_t *n);

/* A public key object 7F49 { [06 SM2 curve OID] 86 04||X||Y } -> a malloc'd
 * DER SubjectPublicKeyInfo of the P-256 key (no 06) or the SM2 key;
 * TOK_WRONG_CARD when it is neither. */
token_status card_spki_from_7f49(card *c, const uint8_t *p, size_t n, unsigned char **spki,
				 size_t *len);

/* The card of a device one of the card drivers made; NULL for any other
 * device (the demo key) and for NULL. */
card *card_of(const token_dev *dev);

/* A command's own reading of a status word, where its context differs from
 * the ISO table's: rows match when (sw & mask) == row.sw. A list ends with a
 * row whose mask is 0. */
typedef struct card_sw {
	uint16_t sw, mask;
	token_status st;
} card_sw;

#define CARD_SW_EXACT 0xFFFFu

/* An APDU of CLA 00 (the reader sets the chaining bit when it must). */
#define CARD_APDU(ins_, p1_, p2_, data_, nc_, ne_)                                      \
	((iso_apdu){ .cla = 0x00, .ins = (ins_), .p1 = (p1_), .p2 = (p2_), .data = (data_), \
		     .nc = (nc_), .ne = (ne_) })

/* Send a command and take whatever status word comes back (resp valid until
 * the next command). A transport failure is returned as the reader says it. */
token_status card_transmit(card *c, const iso_apdu *a, iso_resp *resp);
/* What sw means for this command: own (may be NULL), else the ISO table.
 * Anything but TOK_OK notes "what: SW text" in the detail. */
token_status card_check_sw(card *c, uint16_t sw, const card_sw *own, const char *what);
/* Transmit and check: the usual command. A transport failure's detail is
 * prefixed with what. resp may be NULL when the data is not wanted. */
token_status card_run(card *c, const iso_apdu *a, iso_resp *resp, const char *what,
		      const card_sw *own);
/* The answer to a check of the user's PIN (VERIFY, CHANGE REFERENCE DATA):
 * *tries_left (may be NULL) gets the tries left, max when it was right. The
 * customer's own mistakes (wrong, blocked) are outcomes, not faults, and are
 * not noted; anything else notes "what: SW text". */
token_status card_pin_result(card *c, uint16_t sw, int max, int *tries_left, const char *what);

/* ---- ISO 7816-4 commands ---- */

/* SELECT by DF name. With fcp, the FCP is asked for (P2 04), parsed, and
 * must name the application (TOK_WRONG_CARD otherwise); without, no answer
 * data (P2 0C). */
token_status card_select_aid(card *c, const uint8_t *aid, size_t aid_len, iso_fcp *fcp);
/* READ BINARY of an EF named by its short identifier, up to max bytes from
 * offset 0: one command with extended lengths, else 256 at a time (the first
 * by SFI, the rest by offset in what is then the current EF). */
token_status card_read_binary(card *c, int sfi, size_t max, uint8_t *out, size_t *got);
/* UPDATE BINARY of a whole EF content from offset 0, by SFI: one command when
 * the card takes extended lengths or chaining, else 255 bytes at a time. */
token_status card_update_binary(card *c, int sfi, const uint8_t *data, size_t n);
/* Forget a verified PIN on the card (VERIFY with P1 FF), so that no other
 * program sharing the reader inherits it. The answer does not matter. */
void card_logout(card *c, uint8_t ref);

/* ---- ops every card driver can take as they are ---- */

/* token_ops.present: is a card in the reader (no transaction). */
token_status card_present(void *ctx, bool *present);

#endif
