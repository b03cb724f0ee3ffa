/* iso7816: the ISO/IEC 7816-4 layer under the card drivers, as pure functions
 * over byte buffers (no PC/SC, no I/O), so that they can be unit-tested and
 * fuzzed and the card simulator can share the decoding. It builds command
 * APDUs (short, extended, or split by command chaining), decodes them (for the
 * simulator), parses responses and maps status words to token_status, walks
 * BER-TLV, parses the FCP a SELECT returns and the card capabilities in an
 * ATR. Nothing here allocates: callers pass the buffers and own them; parsed
 * structures point into the caller's buffer and live as long as it does. */
#ifndef CORE_ISO7816_H
#define CORE_ISO7816_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/token/token.h"

#define ISO_SHORT_NC_MAX 255u     /* data bytes of a short command */
#define ISO_SHORT_NE_MAX 256u     /* response bytes a short Le can ask for */
#define ISO_EXT_NC_MAX   65535u
#define ISO_EXT_NE_MAX   65536u
/* Largest encoded command: extended case 4 (7 + data + 2). */
#define ISO_APDU_MAX     (7u + ISO_EXT_NC_MAX + 2u)
#define ISO_CLA_CHAIN    0x10u    /* CLA bit: more commands of this chain follow */

/* Instruction bytes of the commands the token profile uses. */
#define ISO_INS_SELECT          0xA4
#define ISO_INS_READ_BINARY     0xB0
#define ISO_INS_UPDATE_BINARY   0xD6
#define ISO_INS_VERIFY          0x20
#define ISO_INS_CHANGE_REF      0x24
#define ISO_INS_RESET_RETRY     0x2C
#define ISO_INS_GET_DATA        0xCA
#define ISO_INS_GENERATE_KEY    0x47
#define ISO_INS_INTERNAL_AUTH   0x88
#define ISO_INS_GET_RESPONSE    0xC0
#define ISO_INS_CREATE_FILE     0xE0   /* ISO 7816-9 */
#define ISO_INS_DELETE_FILE     0xE4   /* ISO 7816-9 */
#define ISO_INS_ACTIVATE_FILE   0x44   /* ISO 7816-9 */

/* A command. ne is the number of response bytes expected: 0 none, up to
 * ISO_SHORT_NE_MAX in a short APDU and ISO_EXT_NE_MAX in an extended one
 * (256 and 65536 are encoded as Le 00 and 0000: "as many as there are"). */
typedef struct iso_apdu {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data;
	size_t nc;
	size_t ne;
} iso_apdu;

/* Whether the command fits a short APDU. */
bool iso_apdu_is_short(const iso_apdu *a);
/* Encode a into out[cap]: the short form when it fits, otherwise the extended
 * form when ext_ok. Returns the length, or 0 when it does not fit (too long
 * for short without ext_ok, nc/ne over the extended limits, cap too small, or
 * data NULL with nc > 0). */
size_t iso_apdu_encode(const iso_apdu *a, bool ext_ok, uint8_t *out, size_t cap);
/* Command chaining (ISO 7816-4 5.3.3) for a card without extended lengths:
 * the data goes in parts of at most chunk (1..255) bytes; every part but the
 * last has CLA | ISO_CLA_CHAIN and no Le, the last carries a's Le (which must
 * fit a short Le). iso_chain_parts() is the number of commands (1 when nc is
 * 0); iso_chain_encode() encodes part i (0-based), 0 on error. */
size_t iso_chain_parts(size_t nc, size_t chunk);
size_t iso_chain_encode(const iso_apdu *a, size_t part, size_t chunk, uint8_t *out, size_t cap);
/* Decode a command as a card receives it (cases 1-4, short and extended);
 * data points into buf. 0 ok, -1 malformed (the card answers 6700). */
int iso_apdu_decode(const uint8_t *buf, size_t n, iso_apdu *out);

/* A response: data and the two status bytes. */
typedef struct iso_resp {
	const uint8_t *data;
	size_t len;
	uint16_t sw;
} iso_resp;

/* 0 ok, -1 when n < 2 (no status word). */
int iso_resp_parse(const uint8_t *buf, size_t n, iso_resp *out);

#define ISO_SW_OK           0x9000u
#define ISO_SW_EOF_WARNING  0x6282u  /* end of file before Ne bytes: data is short */
#define ISO_SW_MEMORY       0x6581u
#define ISO_SW_WRONG_LENGTH 0x6700u
#define ISO_SW_SECURITY     0x6982u
#define ISO_SW_BLOCKED      0x6983u
#define ISO_SW_CONDITIONS   0x6985u
#define ISO_SW_WRONG_DATA   0x6A80u
#define ISO_SW_FUNC_NOT_SUP 0x6A81u
#define ISO_SW_NOT_FOUND    0x6A82u
#define ISO_SW_NO_SPACE     0x6A84u
#define ISO_SW_WRONG_P1P2   0x6A86u
#define ISO_SW_DATA_NOT_FOUND 0x6A88u
#define ISO_SW_FILE_EXISTS  0x6A89u
#define ISO_SW_OFFSET       0x6B00u
#define ISO_SW_INS          0x6D00u
#define ISO_SW_CLA          0x6E00u
#define ISO_SW_UNKNOWN      0x6F00u

/* 63Cx: a verification failed with x tries left. */
static inline bool iso_sw_is_tries(uint16_t sw)
{
	return (sw & 0xFFF0u) == 0x63C0u;
}

/* What a status word means for the clerk, from the one status-word table in
 * iso7816.c (which also holds iso_sw_text's texts). 9000 and the 6282
 * warning are TOK_OK; 63Cx is TOK_WRONG_PIN with x tries (63C0: TOK_BLOCKED), 6983
 * TOK_BLOCKED with 0 tries; 6A82 (no such file or application) is
 * TOK_NOT_PERSONALISED; a card that refuses the profile's commands or our
 * authorisation (6982, 6985, 6A89, 6D00, 6E00, ...) is TOK_WRONG_CARD; memory
 * and unknown errors TOK_IO_ERROR. *tries_left (may be NULL) is set for 63Cx
 * and 6983, else -1. A card driver overrides the meaning where a command's
 * context differs (a wrong admin PIN is the wrong card, not the customer's
 * mistake) with a few rows of its own (core/token/card.h, card_sw). */
token_status iso_sw_status(uint16_t sw, int *tries_left);
/* A short English text for a status word, for logs ("file or application not
 * found"); never NULL. */
const char *iso_sw_text(uint16_t sw);

/* ---- BER-TLV (ISO 7816-4 5.2, ASN.1 BER subset) ----
 * Tags of 1 to 3 bytes; lengths in the short form or 81/82/83 long forms (no
 * indefinite length). 00 and FF bytes between objects are padding. */
typedef struct iso_tlv {
	uint32_t tag;          /* as bytes, e.g. 0x7F49, 0x5F20, 0x84 */
	bool constructed;
	const uint8_t *value;
	size_t len;
	size_t total;          /* header + value */
} iso_tlv;

/* One object at p[0..n). 0 ok, -1 malformed or truncated. */
int iso_tlv_parse(const uint8_t *p, size_t n, iso_tlv *out);
/* The next object from *pos (padding skipped): 1 got one, 0 end, -1 malformed. */
int iso_tlv_next(const uint8_t *p, size_t n, size_t *pos, iso_tlv *out);
/* The first object with tag at this level of p[0..n): 1 found, 0 none, -1
 * malformed (anything malformed before the tag is found). */
int iso_tlv_find(const uint8_t *p, size_t n, uint32_t tag, iso_tlv *out);

/* A growing output buffer over the caller's storage: writes past cap set
 * overflow and are dropped, so a builder checks once at the end. */
typedef struct iso_buf {
	uint8_t *p;
	size_t len, cap;
	bool overflow;
} iso_buf;

void iso_buf_init(iso_buf *b, uint8_t *p, size_t cap);
void iso_buf_bytes(iso_buf *b, const void *v, size_t n);
/* Tag and length header for a value of len bytes. */
void iso_buf_tlv_header(iso_buf *b, uint32_t tag, size_t len);
/* A whole object. */
void iso_buf_tlv(iso_buf *b, uint32_t tag, const void *v, size_t len);

/* ---- FCP (file control parameters, tag 62) ---- */
#define ISO_LCS_CREATION     0x01
#define ISO_LCS_INIT         0x03
#define ISO_LCS_OPERATIONAL  0x05   /* activated; 0x07 too */
#define ISO_FDB_DF           0x38
#define ISO_FDB_TRANSPARENT  0x01

typedef struct iso_fcp {
	bool has_fid, has_size, has_fdb, has_sfi, has_lcs;
	uint16_t fid;          /* 83 */
	size_t size;           /* 80 (data bytes) or else 81 */
	uint8_t fdb;           /* first byte of 82 */
	bool is_df;            /* fdb is 0x38 */
	uint8_t df_name[16];   /* 84 */
	size_t df_name_len;
	uint8_t sfi;           /* 88: the short EF identifier (1..30) */
	uint8_t lcs;           /* 8A */
} iso_fcp;

/* Parse an FCP template (62 L ...) as SELECT returns it. 0 ok, -1 malformed. */
int iso_fcp_parse(const uint8_t *p, size_t n, iso_fcp *out);
/* Life cycle status: operational (activated) per ISO 7816-4 table 15. */
static inline bool iso_lcs_operational(uint8_t lcs)
{
	return (lcs & 0xFD) == 0x05;
}

/* ---- ATR ---- */
typedef struct iso_atr {
	const uint8_t *hist;   /* historical bytes, into the caller's ATR */
	size_t hist_len;
	bool t1;               /* T=1 offered */
	bool has_caps;         /* a card capabilities object (7x) was found */
	bool ext_len;          /* extended Lc and Le */
	bool chaining;         /* command chaining */
} iso_atr;

/* Parse an ATR's interface bytes and historical bytes, and the card
 * capabilities (compact-TLV tag 7, third byte: b8 chaining, b7 extended
 * lengths) when the historical bytes carry them. 0 ok, -1 malformed. */
int iso_atr_parse(const uint8_t *atr, size_t n, iso_atr *out);

/* Hex helpers for logs and tests: "00A40400" -> bytes; returns bytes written
 * or -1 on a bad digit / odd length / too long. Spaces and ':' are skipped. */
long iso_unhex(const char *hex, uint8_t *out, size_t cap);
/* Bytes to upper-case hex into out (2n+1 bytes); returns out. */
char *iso_hex(const uint8_t *p, size_t n, char *out);

#endif
