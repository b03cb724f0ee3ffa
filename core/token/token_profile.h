/* token_profile: the project's layout of a customer key (docs/token-profile.md)
 * as constants and pure functions shared by the PC/SC driver, the card
 * simulator and the tests: the application's AID and file identifiers, the
 * info record (BER-TLV with a sequence number and a SHA-256 commit checksum,
 * kept in two copies so a torn write leaves the previous one readable), the
 * key status data object that GET DATA returns, PIN blocks and the admin PIN
 * derived from the master secret and the key serial. Nothing here talks to a
 * card or allocates; records are plain values owned by the caller. */
#ifndef CORE_TOKEN_PROFILE_H
#define CORE_TOKEN_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/token/token.h"

/* The application DF: "F0" (proprietary, unregistered) + "SCCAKEY" + version 1. */
#define TP_AID_BYTES 0xF0, 0x53, 0x43, 0x43, 0x41, 0x4B, 0x45, 0x59, 0x01
#define TP_AID_LEN   9
extern const uint8_t tp_aid[TP_AID_LEN];
#define TP_DF_FID    0x5343

/* Elementary files in the DF: two copies of the info record and two
 * certificate slots. FID and short EF identifier (SFI). */
#define TP_EF_INFO_A 0x5101
#define TP_EF_INFO_B 0x5102
#define TP_EF_CERT_A 0x5103
#define TP_EF_CERT_B 0x5104
#define TP_SFI_INFO_A 1
#define TP_SFI_INFO_B 2
#define TP_SFI_CERT_A 3
#define TP_SFI_CERT_B 4
#define TP_INFO_SIZE 640     /* bytes of each info EF (a record is at most TP_RECORD_MAX) */
#define TP_CERT_SIZE 2048    /* bytes of each certificate EF: the largest certificate */

/* Reference data (DF-specific, b8 set) and the key. */
#define TP_PIN_USER  0x81
#define TP_PIN_ADMIN 0x82
#define TP_KEY_REF   0x01
#define TP_PIN_BLOCK 16      /* PINs travel padded with FF to 16 bytes */
#define TP_ADMIN_LEN 16      /* the admin PIN: 16 bytes of HMAC-SHA256 */

/* GET DATA P1-P2 of the key status object (proprietary range 0100-01FF). */
#define TP_DO_STATUS 0x0101
/* The key pair's algorithm (the cryptographic mechanism reference, tag 80
 * in GENERATE's control reference template; tag 85 of the key status):
 * EC P-256 (as PIV numbers it) or SM2 (GM/T 0003, proprietary number). */
#define TP_ALG_P256 0x11
#define TP_ALG_SM2  0x53
/* key_alg of a reference (-1 unknown), and back */
int tp_key_alg_of(uint8_t ref);
uint8_t tp_alg_ref(key_alg alg);
/* The curve of an SM2 public key in the public key object 7F49 (tag 06,
 * before 86): 1.2.156.10197.1.301. A P-256 key's object has no 06. */
#define TP_SM2_CURVE_OID 0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x82, 0x2D
#define TP_SM2_CURVE_OID_LEN 8
/* The signature the card makes (INTERNAL AUTHENTICATE): ECDSA P-256 with
 * SHA-256 over the challenge, or for an SM2 pair SM2 with SM3 over Z || the
 * challenge (Z from the ID CA_SM2_ID and the public key, GM/T 0009),
 * returned as r || s (32 + 32 bytes). */
#define TP_SIG_RAW_LEN 64
#define TP_CHALLENGE_MAX 128

/* ---- the key status object (GET DATA 0101) ----
 * E0 { 80 serial, 81 application LCS (00 none), 82 user PIN max|left,
 *      83 admin PIN max|left, 84 key pair present (00/01), 85 the pair's
 *      algorithm (absent: P-256; sent for another pair only) } */
typedef struct tp_status {
	char serial[TOKEN_SERIAL_MAX + 1];
	uint8_t lcs;              /* 00 no application, 03 initialisation, 05 operational */
	int user_max, user_left;  /* -1 when there is no application */
	int admin_max, admin_left;
	bool has_key;
	uint8_t key_alg;          /* TP_ALG_P256 (85 absent) or TP_ALG_SM2 */
} tp_status;

/* 0 ok; -1 malformed, or a serial that is not 1-32 of [A-Za-z0-9_-]. */
int tp_status_decode(const uint8_t *p, size_t n, tp_status *out);
/* Encoded size, 0 if it does not fit cap (the simulator answers with it). */
size_t tp_status_encode(const tp_status *s, uint8_t *out, size_t cap);

/* ---- the info record ----
 * E1 { 80 version 01, 81 sequence (4 bytes), 82 key serial, 83 unit name
 *      (UTF-8), 84 USCC, 85 certificate serial (hex), 86 not-before, 87
 *      not-after, 88 seal not-after (dates YYYYMMDD, 88 absent: no seal),
 *      89 certificate slot (1 A, 2 B), 8A certificate length (2 bytes),
 *      8B SHA-256 of the certificate } 8E SHA-256 of the whole E1 object.
 * The 8E checksum is the commit marker: a record whose write was torn does
 * not check and is not read. */
#define TP_RECORD_VERSION 1
#define TP_RECORD_MAX     600

typedef struct tp_record {
	uint32_t seq;
	char serial[TOKEN_SERIAL_MAX + 1];
	char unit_name[TOKEN_UNIT_MAX + 1];
	char uscc[19];
	char cert_serial[TOKEN_CERT_SERIAL_MAX + 1];
	long not_before, not_after;   /* civil days */
	long seal_not_after;          /* civil day, -1 no seal */
	int cert_slot;                /* 1 (A) or 2 (B) */
	size_t cert_len;              /* 1..TP_CERT_SIZE */
	uint8_t cert_hash[32];
} tp_record;

/* Encoded length (<= TP_RECORD_MAX), or 0 when a field is out of range. */
size_t tp_record_encode(const tp_record *r, uint8_t *out, size_t cap);
/* 0 a whole record whose checksum holds; -1 empty, torn or malformed (out is
 * cleared). Trailing bytes after the record (an older, longer one) are ignored. */
int tp_record_decode(const uint8_t *p, size_t n, tp_record *out);
/* Which copy is current: the valid one with the higher sequence number.
 * 0 none, 1 A, 2 B. */
int tp_record_pick(const tp_record *a, bool a_ok, const tp_record *b, bool b_ok);
/* Fill token_info's certificate fields from a record. */
void tp_record_to_info(const tp_record *r, token_info *out);

/* ---- PINs ---- */
/* The PIN padded with FF to TP_PIN_BLOCK bytes; false when longer. */
bool tp_pin_block(const char *pin, uint8_t out[TP_PIN_BLOCK]);
/* The admin PIN of a key: the first 16 bytes of HMAC-SHA256(master, serial). 0 ok, -1. */
int tp_admin_pin(const uint8_t *master, size_t master_len, const char *serial,
		 uint8_t out[TP_ADMIN_LEN]);

/* ---- the PIV application beside ours (NIST SP 800-73-4, docs/token-profile.md
 * "The PIV application") ---- */
#define TP_PIV_AID_BYTES 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01, 0x00
#define TP_PIV_AID_LEN   11
#define TP_PIV_AID_SHORT 5     /* the RID alone selects too (right-truncated AID) */
extern const uint8_t tp_piv_aid[TP_PIV_AID_LEN];
/* instructions PIV adds to ISO 7816-4 */
#define TP_PIV_INS_GET_DATA  0xCB
#define TP_PIV_INS_PUT_DATA  0xDB
#define TP_PIV_INS_GEN_AUTH  0x87
#define TP_PIV_INS_SET_MGM   0xFF   /* Yubico extension: set the management key */
/* key references and algorithms (SP 800-78-4) */
#define TP_PIV_PIN     0x80
#define TP_PIV_PUK     0x81
#define TP_PIV_MGM     0x9B
#define TP_PIV_SLOT_AUTH 0x9A
#define TP_PIV_SLOT_SIGN 0x9C
#define TP_PIV_ALG_3DES  0x03
#define TP_PIV_ALG_AES192 0x0A
#define TP_PIV_ALG_P256  0x11
/* data objects (GET / PUT DATA tag lists 5C) */
#define TP_PIV_OBJ_CHUID     0x5FC102
#define TP_PIV_OBJ_CERT_9A   0x5FC105
#define TP_PIV_OBJ_CCC       0x5FC107
#define TP_PIV_OBJ_CERT_9C   0x5FC10A
#define TP_PIV_OBJ_DISCOVERY 0x7E
#define TP_PIV_PIN_BLOCK 8      /* PIN and PUK: 6-8 bytes padded with FF to 8 */
#define TP_PIV_MGM_LEN   24     /* AES-192 and 3DES keys alike */
/* What every PIV key holds from its maker (a YubiKey's defaults): the
 * management key (3DES 0102..08 three times), PIN 123456 and PUK 12345678. */
extern const uint8_t tp_piv_factory_mgm[TP_PIV_MGM_LEN];
#define TP_PIV_FACTORY_PIN "123456"
#define TP_PIV_FACTORY_PUK "12345678"
/* A key's own management key (AES-192) and PUK (8 digits), derived as the
 * admin PIN is: HMAC-SHA256(master secret, label || key serial), with the
 * labels "piv-mgm:" and "piv-puk:" so that no two secrets of a key are the
 * same bytes. 0 ok, -1. */
int tp_piv_mgm_key(const uint8_t *master, size_t master_len, const char *serial,
		   uint8_t out[TP_PIV_MGM_LEN]);
int tp_piv_puk(const uint8_t *master, size_t master_len, const char *serial, char out[9]);
/* A PIN or PUK as PIV takes it: 6-8 bytes padded with FF to 8; false when
 * it is not 6-8 digits (PIV cards take digits only, SP 800-73-4 part 2 2.4.3). */
bool tp_piv_pin_block(const char *pin, uint8_t out[TP_PIV_PIN_BLOCK]);

/* Dates on the card: civil day <-> "YYYYMMDD" (8 bytes, no NUL). */
bool tp_date_encode(long day, char out[8]);
bool tp_date_decode(const uint8_t *p, size_t n, long *day);

#endif
