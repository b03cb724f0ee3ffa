#include "core/base/config.h"

#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base/kini.h"

#ifndef KIOSK_CONFIG_DIR
#define KIOSK_CONFIG_DIR "kiosk-config"
#endif

/* Shipped payment values that must be replaced before wechat mode starts. */
#define PLACEHOLDER "CHANGE-ME"

const char *config_default_dir(const char *explicit_dir)
{
	if (explicit_dir && explicit_dir[0])
		return explicit_dir;
	const char *env = getenv("KIOSK_CONFIG");
	if (env && env[0])
		return env;
	return KIOSK_CONFIG_DIR;
}

void config_free(kiosk_config *c)
{
	if (!c)
		return;
	free(c->config_dir);
	free(c->kiosk_id);
	free(c->site);
	free(c->data_dir);
	free(c->db_file);
	free(c->reader);
	free(c->token_admin_secret_file);
	free(c->ca_dir);
	free(c->print_command);
	free(c->hall_central);
	kiosk_payment_cfg *p = &c->payment;
	free(p->mode);
	free(p->base_url);
	free(p->appid);
	free(p->mchid);
	free(p->merchant_serial);
	free(p->private_key_file);
	free(p->platform_keys_dir);
	free(p->apiv3_key_file);
	free(p->notify_url);
	free(c);
}

static char *join(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	bool slash = la && a[la - 1] == '/';
	char *p = malloc(la + lb + 2);
	if (p) {
		memcpy(p, a, la);
		size_t k = la;
		if (!slash)
			p[k++] = '/';
		memcpy(p + k, b, lb + 1);
	}
	return p;
}

static const char *home_dir(void)
{
	const char *h = getenv("HOME");
	if (h && h[0])
		return h;
	struct passwd *pw = getpwuid(getuid());
	return pw && pw->pw_dir && pw->pw_dir[0] ? pw->pw_dir : NULL;
}

/* ~ and ~/x -> $HOME; a relative path -> base/path; absolute as is; "" stays "".
 * NULL with err on ~user or no home. */
static char *resolve_path(const char *v, const char *base, const char *file, int line,
			  const char *key, kerr *err)
{
	if (!v[0])
		return kini_strdup("");
	if (v[0] == '~') {
		if (v[1] && v[1] != '/') {
			kerr_setf(err, file, line, "%s = %s: '~user' is not supported; write the "
				  "full path", key, v);
			return NULL;
		}
		const char *h = home_dir();
		if (!h) {
			kerr_setf(err, file, line, "%s = %s: no home directory to expand '~' "
				  "(HOME is not set); write the full path", key, v);
			return NULL;
		}
		const char *rest = v[1] ? v + 2 : "";
		char *p = rest[0] ? join(h, rest) : kini_strdup(h);
		if (!p)
			kerr_setf(err, file, line, "out of memory");
		return p;
	}
	char *p = v[0] == '/' ? kini_strdup(v) : join(base, v);
	if (!p)
		kerr_setf(err, file, line, "out of memory");
	return p;
}

static const char *const kiosk_keys[] = {
	"kiosk_id", "site", "window", "data_dir", "db_file", "language", "reader",
	"token_admin_secret_file", "ca_dir", "idle_lock_minutes", "piv_only_keys", NULL
};
static const char *const login_keys[] = { "max_failures", "max_wait_seconds", NULL };
static const char *const print_keys[] = { "command", NULL };
static const char *const audit_keys[] = { "seal_interval_minutes", NULL };
static const char *const cancel_keys[] = { "reasons", NULL };
/* The list shipped in kiosk.ini, used when [cancel] is left out. */
#define CANCEL_REASONS_DEFAULT "customer_request wrong_service materials_incomplete key_fault other"
static const char *const hall_keys[] = { "central", NULL };
static const char *const payment_keys[] = {
	"mode", "base_url", "appid", "mchid", "merchant_serial", "private_key_file",
	"platform_keys_dir", "apiv3_key_file", "notify_url", "order_expiry_minutes",
	"poll_seconds", NULL
};

/* "[cancel] reasons": ids of a-z 0-9 _ separated by spaces or commas, 1 to
 * CANCEL_REASONS_MAX of them, each once. */
static int parse_cancel_reasons(kiosk_config *c, const char *list, const char *file, int line,
				kerr *err)
{
	c->n_cancel_reasons = 0;
	const char *p = list;
	while (*p) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (!*p)
			break;
		size_t n = strcspn(p, " ,\t");
		if (c->n_cancel_reasons == CANCEL_REASONS_MAX) {
			kerr_setf(err, file, line, "reasons: at most %d reasons to cancel a case",
				  CANCEL_REASONS_MAX);
			return -1;
		}
		bool ok = n >= 1 && n <= CANCEL_REASON_ID_MAX;
		for (size_t i = 0; ok && i < n; i++)
			ok = (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '_';
		if (!ok) {
			kerr_setf(err, file, line, "reasons: '%.*s' is not an id (1 to %d of a-z 0-9 _)",
				  (int)(n > 64 ? 64 : n), p, CANCEL_REASON_ID_MAX);
			return -1;
		}
		char *id = c->cancel_reasons[c->n_cancel_reasons];
		memcpy(id, p, n);
		id[n] = '\0';
		for (int i = 0; i < c->n_cancel_reasons; i++)
			if (strcmp(c->cancel_reasons[i], id) == 0) {
				kerr_setf(err, file, line, "reasons: '%s' is listed twice", id);
				return -1;
			}
		c->n_cancel_reasons++;
		p += n;
	}
	if (c->n_cancel_reasons == 0) {
		kerr_setf(err, file, line, "reasons is empty: list the reasons to cancel a case "
			  "(e.g. %s)", CANCEL_REASONS_DEFAULT);
		return -1;
	}
	return 0;
}

typedef struct ctx {
	const kini_doc *d;
	kerr *err;
} ctx;

/* A string value: the entry's, else def (NULL def = required). */
static int get_str(ctx *x, const kini_section *s, const char *key, const char *def, char **out,
		   int *line)
{
	const kini_entry *e = s ? kini_find(s, key) : NULL;
	if (!e && !def) {
		if (s)
			kini_require(x->d, s, key, x->err);
		else
			kerr_setf(x->err, x->d->path, 0, "missing required key '%s'", key);
		return -1;
	}
	*out = kini_strdup(e ? e->value : def);
	if (line)
		*line = e ? e->line : (s ? s->line : 0);
	if (!*out)
		return kerr_setf(x->err, x->d->path, 0, "out of memory");
	return 0;
}

static int get_int(ctx *x, const kini_section *s, const char *key, long def, long min,
		   long max, int *out)
{
	const kini_entry *e = s ? kini_find(s, key) : NULL;
	if (!e) {
		*out = (int)def;
		return 0;
	}
	long v;
	if (kini_parse_long(e->value, min, max, &v) < 0)
		return kerr_setf(x->err, x->d->path, e->line, "%s = '%s': must be a whole "
				 "number from %ld to %ld", key, e->value, min, max);
	*out = (int)v;
	return 0;
}

static bool loopback_http(const char *u)
{
	static const char *const ok[] = { "http://127.0.0.1", "http://localhost", "http://[::1]" };
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		size_t n = strlen(ok[i]);
		if (strncmp(u, ok[i], n) == 0 && (u[n] == '\0' || u[n] == ':' || u[n] == '/'))
			return true;
	}
	return false;
}

static int check_payment(ctx *x, const kini_section *s, kiosk_config *c, const char *base)
{
	kiosk_payment_cfg *p = &c->payment;
	int line = 0;
	if (get_str(x, s, "mode", "demo", &p->mode, &line) < 0)
		return -1;
	if (strcmp(p->mode, "demo") != 0 && strcmp(p->mode, "wechat") != 0)
		return kerr_setf(x->err, x->d->path, line, "mode = '%s' is not allowed; use "
				 "one of: demo, wechat", p->mode);
	bool wechat = strcmp(p->mode, "wechat") == 0;
	struct {
		const char *key;
		char **dst;
		bool path;
		bool url;
	} f[] = {
		{ "base_url", &p->base_url, false, true },
		{ "appid", &p->appid, false, false },
		{ "mchid", &p->mchid, false, false },
		{ "merchant_serial", &p->merchant_serial, false, false },
		{ "private_key_file", &p->private_key_file, true, false },
		{ "platform_keys_dir", &p->platform_keys_dir, true, false },
		{ "apiv3_key_file", &p->apiv3_key_file, true, false },
		{ "notify_url", &p->notify_url, false, true },
	};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
		const char *def = strcmp(f[i].key, "base_url") == 0 ?
			"https://api.mch.weixin.qq.com" : "";
		char *v;
		if (get_str(x, s, f[i].key, def, &v, &line) < 0)
			return -1;
		bool placeholder = strncmp(v, PLACEHOLDER, strlen(PLACEHOLDER)) == 0;
		if (wechat && (!v[0] || placeholder)) {
			free(v);
			return kerr_setf(x->err, x->d->path, line, "mode = wechat needs %s: "
					 "set it to the merchant's value (it is %s)", f[i].key,
					 placeholder ? "still the shipped placeholder" : "empty");
		}
		if (wechat && f[i].url && strncmp(v, "https://", 8) != 0 && !loopback_http(v)) {
			free(v);
			return kerr_setf(x->err, x->d->path, line, "%s must start with https:// "
					 "(http:// only to 127.0.0.1, localhost or [::1])",
					 f[i].key);
		}
		if (wechat && strcmp(f[i].key, "mchid") == 0 && strspn(v, "0123456789") != strlen(v)) {
			kerr_setf(x->err, x->d->path, line, "mchid = '%s': a merchant number is "
				  "digits only", v);
			free(v);
			return -1;
		}
		if (f[i].path && v[0] && !placeholder) {
			char *r = resolve_path(v, base, x->d->path, line, f[i].key, x->err);
			free(v);
			if (!r)
				return -1;
			v = r;
		}
		*f[i].dst = v;
	}
	if (get_int(x, s, "order_expiry_minutes", 15, 1, 1440, &p->order_expiry_minutes) < 0 ||
	    get_int(x, s, "poll_seconds", 3, 1, 60, &p->poll_seconds) < 0)
		return -1;
	return 0;
}

static char *absolute_dir(const char *dir)
{
	if (dir[0] == '/')
		return kini_strdup(dir);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		return NULL;
	if (strcmp(dir, ".") == 0)
		return kini_strdup(cwd);
	return join(cwd, dir);
}

kiosk_config *config_load(const char *dir, kerr *err)
{
	size_t n = strlen(dir) + sizeof "/kiosk.ini";
	char *path = malloc(n);
	if (!path) {
		kerr_set(err, dir, "out of memory");
		return NULL;
	}
	snprintf(path, n, "%s/kiosk.ini", dir);
	kini_doc *d = kini_load(path, err);
	free(path);
	if (!d)
		return NULL;
	ctx x = { d, err };
	kiosk_config *c = calloc(1, sizeof *c);
	if (!c) {
		kerr_setf(err, d->path, 0, "out of memory");
		goto fail;
	}
	const kini_section *sk = NULL, *sl = NULL, *sp = NULL, *sy = NULL, *sa = NULL, *sc = NULL,
			    *sh = NULL;
	for (size_t i = 0; i < d->n_sections; i++) {
		const kini_section *s = &d->sections[i];
		const char *const *keys;
		if (strcmp(s->name, "kiosk") == 0) {
			sk = s;
			keys = kiosk_keys;
		} else if (strcmp(s->name, "login") == 0) {
			sl = s;
			keys = login_keys;
			/* Said in words: a file from before the waits would otherwise
			 * meet a bare "unknown key". */
			const kini_entry *old = kini_find(s, "lock_minutes");
			if (old) {
				kerr_setf(err, d->path, old->line, "lock_minutes is no longer "
					  "read: wrong PINs now make the id wait, a little longer "
					  "each time up to max_wait_seconds (1-60); remove the line "
					  "(docs/config.md)");
				goto fail;
			}
		} else if (strcmp(s->name, "print") == 0) {
			sp = s;
			keys = print_keys;
		} else if (strcmp(s->name, "payment") == 0) {
			sy = s;
			keys = payment_keys;
		} else if (strcmp(s->name, "audit") == 0) {
			sa = s;
			keys = audit_keys;
		} else if (strcmp(s->name, "cancel") == 0) {
			sc = s;
			keys = cancel_keys;
		} else if (strcmp(s->name, "hall") == 0) {
			sh = s;
			keys = hall_keys;
		} else {
			kerr_setf(err, d->path, s->line, "unknown section [%s]; kiosk.ini holds "
				  "[kiosk], [login], [print], [payment], [audit], [cancel] and [hall]",
				  s->name);
			goto fail;
		}
		if (kini_check_keys(d, s, keys, err) < 0)
			goto fail;
	}
	if (!sk) {
		kerr_setf(err, d->path, 0, "no [kiosk] section; add it with kiosk_id, site "
			  "and window");
		goto fail;
	}
	if (!(c->config_dir = absolute_dir(dir))) {
		kerr_setf(err, dir, 0, "cannot resolve the config directory");
		goto fail;
	}

	int line;
	if (get_str(&x, sk, "kiosk_id", NULL, &c->kiosk_id, &line) < 0)
		goto fail;
	size_t idlen = strlen(c->kiosk_id);
	bool id_ok = idlen >= 1 && idlen <= 24;
	for (const char *q = c->kiosk_id; id_ok && *q; q++)
		if (!((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') ||
		      (*q >= '0' && *q <= '9') || *q == '_' || *q == '-'))
			id_ok = false;
	if (!id_ok) {
		kerr_setf(err, d->path, line, "kiosk_id = '%s': 1 to 24 of A-Z a-z 0-9 _ -",
			  c->kiosk_id);
		goto fail;
	}
	if (get_str(&x, sk, "site", NULL, &c->site, &line) < 0)
		goto fail;
	if (!c->site[0]) {
		kerr_setf(err, d->path, line, "site is empty; write the service point's name");
		goto fail;
	}
	if (!kini_require(d, sk, "window", err) ||
	    get_int(&x, sk, "window", 0, 1, 999, &c->window) < 0)
		goto fail;

	char *raw;
	if (get_str(&x, sk, "data_dir", "~/.local/share/kiosk", &raw, &line) < 0)
		goto fail;
	if (!raw[0]) {
		free(raw);
		raw = kini_strdup("~/.local/share/kiosk");
		if (!raw) {
			kerr_setf(err, d->path, 0, "out of memory");
			goto fail;
		}
	}
	c->data_dir = resolve_path(raw, c->config_dir, d->path, line, "data_dir", err);
	free(raw);
	if (!c->data_dir)
		goto fail;
	if (get_str(&x, sk, "db_file", "", &raw, &line) < 0)
		goto fail;
	if (raw[0]) {
		c->db_file = resolve_path(raw, c->data_dir, d->path, line, "db_file", err);
	} else if (!(c->db_file = join(c->data_dir, "kiosk.db"))) {
		kerr_setf(err, d->path, 0, "out of memory");
	}
	free(raw);
	if (!c->db_file)
		goto fail;

	if (get_str(&x, sk, "language", "zh_CN", &raw, &line) < 0)
		goto fail;
	int lg = lang_from_name(raw);
	if (lg < 0) {
		kerr_setf(err, d->path, line, "language = '%s' is not allowed; use one of: "
			  "zh_CN, en", raw);
		free(raw);
		goto fail;
	}
	free(raw);
	c->language = (lang)lg;
	if (get_str(&x, sk, "token_admin_secret_file", "", &raw, &line) < 0)
		goto fail;
	c->token_admin_secret_file = resolve_path(raw, c->config_dir, d->path, line,
						  "token_admin_secret_file", err);
	free(raw);
	if (!c->token_admin_secret_file || get_str(&x, sk, "ca_dir", "", &raw, &line) < 0)
		goto fail;
	c->ca_dir = raw[0] ? resolve_path(raw, c->data_dir, d->path, line, "ca_dir", err)
			   : join(c->data_dir, "ca");
	free(raw);
	if (!c->ca_dir) {
		if (!err->msg[0])
			kerr_setf(err, d->path, 0, "out of memory");
		goto fail;
	}
	/* the CA's choice for a key with the PIV application alone (a YubiKey,
	 * any PIV card): refused, as the counter always has, or used through
	 * PIV (docs/devices.md) */
	if (get_str(&x, sk, "piv_only_keys", "refuse", &raw, &line) < 0)
		goto fail;
	if (strcmp(raw, "refuse") != 0 && strcmp(raw, "accept") != 0) {
		kerr_setf(err, d->path, line, "piv_only_keys = '%s' is not allowed; use refuse (the "
			  "default) or accept", raw);
		free(raw);
		goto fail;
	}
	c->piv_only_accept = strcmp(raw, "accept") == 0;
	free(raw);
	if (get_str(&x, sk, "reader", "", &c->reader, NULL) < 0 ||
	    get_int(&x, sk, "idle_lock_minutes", 5, 1, 240, &c->idle_lock_minutes) < 0 ||
	    get_int(&x, sl, "max_failures", 5, 1, 20, &c->login_max_failures) < 0 ||
	    get_int(&x, sl, "max_wait_seconds", 60, 1, 60, &c->login_max_wait_s) < 0 ||
	    get_str(&x, sp, "command", "", &c->print_command, NULL) < 0 ||
	    get_int(&x, sa, "seal_interval_minutes", 15, 1, 1440, &c->seal_interval_minutes) < 0 ||
	    get_str(&x, sh, "central", "", &c->hall_central, NULL) < 0 ||
	    check_payment(&x, sy, c, c->config_dir) < 0)
		goto fail;
	if (get_str(&x, sc, "reasons", CANCEL_REASONS_DEFAULT, &raw, &line) < 0)
		goto fail;
	c->cancel_reasons_line = sc && kini_find(sc, "reasons") ? line : 0;
	int rrc = parse_cancel_reasons(c, raw, d->path, c->cancel_reasons_line, err);
	free(raw);
	if (rrc < 0)
		goto fail;
	kini_free(d);
	return c;
fail:
	config_free(c);
	kini_free(d);
	return NULL;
}
