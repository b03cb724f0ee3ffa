/* config: the kiosk's own settings from kiosk-config/kiosk.ini (site, window,
 * data directory, language, reader, idle lock, login lock, printing, payment,
 * sealing, the reasons offered when a case is cancelled).
 * config_load() returns an owned struct; config_free() releases it. Secrets
 * (key files) are paths only; their contents are never held here. */
#ifndef CORE_CONFIG_H
#define CORE_CONFIG_H

#include <stdbool.h>

#include "core/base/err.h"
#include "core/base/strings.h"

typedef struct kiosk_payment_cfg {
	char *mode;               /* "wechat" or "demo" */
	char *base_url;           /* gateway, e.g. https://api.mch.weixin.qq.com */
	char *appid;
	char *mchid;
	char *merchant_serial;    /* serial of the merchant API certificate */
	char *private_key_file;   /* merchant private key (PEM), must not be readable by others */
	char *platform_keys_dir;  /* platform certificates / PUB_KEY_ID_* public keys */
	char *apiv3_key_file;     /* APIv3 key, for decrypting notifications */
	char *notify_url;
	int order_expiry_minutes;
	int poll_seconds;
} kiosk_payment_cfg;

/* F8's list of reasons to cancel a case: ids from [cancel] reasons, each
 * shown as the UI string cancel.reason.<id> (kioskctl config check checks
 * every language has it). */
#define CANCEL_REASONS_MAX 10
#define CANCEL_REASON_ID_MAX 31

typedef struct kiosk_config {
	char *config_dir;         /* the directory this was loaded from */
	char *kiosk_id;           /* ties audit chain and case numbers to this kiosk */
	char *site;               /* e.g. 四川CA 成都高新服务窗口 */
	int window;               /* counter window number */
	char *data_dir;           /* database, slips, CA files; ~ and relative paths resolved */
	char *db_file;            /* database path (default <data_dir>/kiosk.db) */
	lang language;
	char *reader;             /* PC/SC reader name, "" for the first one found */
	char *token_admin_secret_file; /* master secret of the keys' admin PINs; "" = keys read only */
	char *ca_dir;             /* the local CA's directory (default <data_dir>/ca) */
	bool piv_only_accept;     /* piv_only_keys = accept: a key with the PIV application
				   * alone (a YubiKey) is used through PIV; refuse (the
				   * default): the token step refuses it */
	int idle_lock_minutes;
	int login_max_failures;   /* wrong PINs in a row before the id must wait */
	int login_max_wait_s;     /* the longest wait: 1, 2, 4 ... seconds up to this */
	char *print_command;      /* slips are piped to it; "" means files only */
	int seal_interval_minutes; /* forward-secure sealing's epoch, fixed at seal-init */
	char *hall_central;       /* [hall] central: the hall's PostgreSQL (a libpq
				   * connection string); "" = no hall, the kiosk
				   * keeps its records on its own file only */
	kiosk_payment_cfg payment;
	char cancel_reasons[CANCEL_REASONS_MAX][CANCEL_REASON_ID_MAX + 1];
	int n_cancel_reasons;
	int cancel_reasons_line;  /* kiosk.ini's line of the list, 0 the default */
} kiosk_config;

/* Load <dir>/kiosk.ini. An unknown key, a bad number or a missing required key
 * is an error naming the file and line. */
kiosk_config *config_load(const char *dir, kerr *err);
void config_free(kiosk_config *c);


/* The config directory to use: explicit if given, else $KIOSK_CONFIG, else the
 * one compiled in (the source tree's kiosk-config). */
const char *config_default_dir(const char *explicit_dir);

#endif
