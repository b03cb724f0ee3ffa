/* wxsign: the signatures of WeChat Pay API v3, on their own so they can be
 * tested alone and checked against the openssl command line. A request is
 * signed with the merchant's RSA key (SHA256withRSA, PKCS#1 v1.5) over
 *   METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n      (URL: path and query as sent)
 * and carried in `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",
 * nonce_str="…",timestamp="…",serial_no="…",signature="…"`. An answer is
 * verified with the platform key named by its Wechatpay-Serial header over
 *   TIMESTAMP\nNONCE\nBODY\n
 * and only within WX_CLOCK_TOLERANCE_S of the kiosk's clock.
 * Also here: reading secret files (refused when group or others may read
 * them, wiped after use, never quoted in an error) and the keyring of
 * platform keys (certificates named <serial>.pem and public keys named
 * PUB_KEY_ID_….pem). The caller owns every EVP_PKEY and wx_keyring it gets
 * (EVP_PKEY_free(), wx_keyring_free()); keys found in a keyring are borrowed. */
#ifndef CORE_WXSIGN_H
#define CORE_WXSIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "core/base/err.h"

#define WX_AUTH_SCHEME       "WECHATPAY2-SHA256-RSA2048"
#define WX_CLOCK_TOLERANCE_S 300     /* an answer's timestamp, either way */
#define WX_NONCE_LEN         32      /* our nonces: 32 of [0-9A-Z] */
#define WX_SERIAL_MAX        64      /* certificate serials, PUB_KEY_ID_… */
#define WX_SIG_B64_MAX       1400    /* base64 of an RSA signature up to 8192 bits */
#define WX_SIGNTEST_PREFIX   "WECHATPAY/SIGNTEST/" /* WeChat's probes: never valid */

/* ---- secret files ---- */

/* A secret file must be a regular file that neither group nor others may
 * read, write or execute. 0, or -1 with err naming the file and the fix
 * (chmod 600). `what` names the setting, e.g. "private_key_file". */
int wx_secret_file_check(const char *path, const char *what, kerr *err);
/* Read a checked secret file of at most max bytes into an owned buffer
 * (NUL-terminated, *len without the NUL); NULL with err. Release it with
 * wx_secret_free(), which wipes it first. */
unsigned char *wx_secret_read(const char *path, const char *what, size_t max, size_t *len,
			      kerr *err);
void wx_secret_free(unsigned char *p, size_t len);

/* The merchant's private key (PEM, PKCS#8 or PKCS#1, RSA of 2048 bits or
 * more) from a checked secret file. NULL with err. */
EVP_PKEY *wx_private_key_load(const char *path, const char *what, kerr *err);
/* The APIv3 key file: exactly 32 printable characters (a trailing line end
 * is allowed). Only checked: its value is wiped and never kept. */
int wx_apiv3_key_check(const char *path, const char *what, kerr *err);

/* ---- signatures ---- */

/* Base64 of SHA256withRSA (PKCS#1 v1.5) over msg into out (>= WX_SIG_B64_MAX
 * is always enough). 0, or -1 with err. */
int wx_sign(EVP_PKEY *key, const void *msg, size_t len, char *out, size_t n, kerr *err);
/* Is sig_b64 a valid signature of msg by key? 0 yes, -1 no (err says why).
 * Anything that starts with WX_SIGNTEST_PREFIX is not. */
int wx_verify(EVP_PKEY *key, const void *msg, size_t len, const char *sig_b64, kerr *err);

/* 32 random characters of [0-9A-Z] and a NUL. 0, or -1 if no randomness. */
int wx_nonce(char out[WX_NONCE_LEN + 1]);

/* The request message, malloc'd: "METHOD\nURL\nTS\nNONCE\nBODY\n" (body NULL
 * or "" for none). NULL on out of memory. */
char *wx_request_message(const char *method, const char *url, long long ts, const char *nonce,
			 const char *body, size_t *len);
/* The answer message, malloc'd: "TS\nNONCE\nBODY\n" (body may hold NULs). */
char *wx_response_message(const char *ts, const char *nonce, const void *body, size_t body_len,
			  size_t *len);

/* The Authorization header value (scheme included) for one request. */
int wx_authorization(EVP_PKEY *key, const char *mchid, const char *serial, const char *method,
		     const char *url, const char *body, long long ts, const char *nonce, char *out,
		     size_t n, kerr *err);

/* An Authorization header taken apart (the gateway's side; tests, simulator). */
typedef struct wx_auth {
	char mchid[33];
	char nonce[65];
	char timestamp[21];
	char serial[WX_SERIAL_MAX + 1];
	char signature[WX_SIG_B64_MAX + 1];
} wx_auth;
/* Parse `WECHATPAY2-SHA256-RSA2048 k="v",k="v",…` (any order, each of the
 * five keys exactly once, nothing else). 0, or -1 with err. */
int wx_auth_parse(const char *header, wx_auth *out, kerr *err);

/* ---- platform keys ---- */

typedef struct wx_keyring wx_keyring;

/* Every *.pem in dir: `<serial>.pem` holding an X.509 certificate whose
 * serial (hex, any case) is the file's name, or `PUB_KEY_ID_<id>.pem`
 * holding a public key. Other files are ignored; a .pem that is neither is
 * an error naming it. At least one key is needed. NULL with err. */
wx_keyring *wx_keyring_load_dir(const char *dir, kerr *err);
/* An empty keyring, and adding one key from PEM text (tests, simulator):
 * a certificate's serial comes from the certificate; a public key needs
 * serial. 0, or -1 with err. */
wx_keyring *wx_keyring_new(void);
int wx_keyring_add_pem(wx_keyring *k, const char *serial, const char *pem, size_t len,
		       kerr *err);
size_t wx_keyring_count(const wx_keyring *k);
/* The key for a serial (case-insensitive), borrowed; NULL with err when
 * unknown or when its certificate is not valid at now_ms. */
EVP_PKEY *wx_keyring_find(const wx_keyring *k, const char *serial, int64_t now_ms, kerr *err);
void wx_keyring_free(wx_keyring *k);

/* The serial of a certificate as WeChat writes it: upper-case hex. */
int wx_cert_serial(const char *pem, size_t len, char out[WX_SERIAL_MAX + 1], kerr *err);

/* Verify an answer: the four Wechatpay-* header values (NULL when absent)
 * and the raw body, at the kiosk's now_ms. 0 verified, or -1 with err
 * saying what failed (missing header, clock difference, unknown serial, bad
 * signature). */
int wx_verify_response(const wx_keyring *k, const char *timestamp, const char *nonce,
		       const char *signature, const char *serial, const void *body, size_t len,
		       int64_t now_ms, kerr *err);

#endif
