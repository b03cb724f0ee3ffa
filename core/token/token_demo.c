/* token_demo: the simulated key reader of trainer mode and tests (see token.h
 * and docs/devices.md). The keys come from keys.ini; the slot holds at most
 * one of them; every write changes the key in memory only. */
#include "core/token/token.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base/clock.h"
#include "core/base/kini.h"
#include "core/base/civil.h"
#include "core/case/validate.h"

typedef struct demo_key {
	char serial[TOKEN_SERIAL_MAX + 1];
	char note[TOKEN_UNIT_MAX + 1];
	bool personalised;
	key_alg alg;           /* the pair it was personalised with (nothing is signed) */
	char unit_name[TOKEN_UNIT_MAX + 1];
	char uscc[19];
	char cert_serial[TOKEN_CERT_SERIAL_MAX + 1];
	long not_before, not_after, seal_not_after;
	char pin[TOKEN_PIN_MAX + 1];
	int tries, tries_max;
	unsigned char *der;
	size_t der_len;
} demo_key;

typedef struct demo {
	demo_key *keys;
	size_t n;
	long slot;             /* index into keys, -1 empty */
	token_status fail;     /* fault for the next operation, TOK_OK none */
} demo;

/* Bounded copy; every caller has checked the length already. */
static void copy_str(char *dst, size_t n, const char *src)
{
	size_t len = src ? strnlen(src, n - 1) : 0;
	if (len)
		memcpy(dst, src, len);
	dst[len] = '\0';
}

/* ---- the operations ---- */

/* The key in the slot, or NULL with *st set (an injected fault first). */
static demo_key *slot_key(demo *d, token_status *st)
{
	if (d->fail != TOK_OK) {
		*st = d->fail;
		d->fail = TOK_OK;
		if (*st == TOK_REMOVED)
			d->slot = -1;
		return NULL;
	}
	if (d->slot < 0) {
		*st = TOK_NO_KEY;
		return NULL;
	}
	*st = TOK_OK;
	return &d->keys[d->slot];
}

/* Same, and the key must be personalised. */
static demo_key *live_key(demo *d, token_status *st)
{
	demo_key *k = slot_key(d, st);
	if (k && !k->personalised) {
		*st = TOK_NOT_PERSONALISED;
		return NULL;
	}
	return k;
}

static token_status demo_present(void *ctx, bool *present)
{
	demo *d = ctx;
	*present = d->slot >= 0;
	return TOK_OK;
}

static token_status demo_read_info(void *ctx, token_info *out)
{
	token_status st;
	demo_key *k = slot_key(ctx, &st);
	if (!k)
		return st;
	copy_str(out->serial, sizeof out->serial, k->serial);
	out->personalised = k->personalised;
	if (!k->personalised)
		return TOK_OK;
	copy_str(out->unit_name, sizeof out->unit_name, k->unit_name);
	copy_str(out->uscc, sizeof out->uscc, k->uscc);
	copy_str(out->cert_serial, sizeof out->cert_serial, k->cert_serial);
	out->not_before = k->not_before;
	out->not_after = k->not_after;
	out->seal_not_after = k->seal_not_after;
	out->pin_tries_left = k->tries;
	out->pin_tries_max = k->tries_max;
	out->blocked = k->tries == 0;
	out->key_alg = k->alg;
	return TOK_OK;
}

static void clear_cert(demo_key *k)
{
	k->unit_name[0] = k->uscc[0] = k->cert_serial[0] = '\0';
	k->not_before = k->not_after = k->seal_not_after = -1;
	free(k->der);
	k->der = NULL;
	k->der_len = 0;
}

static token_status demo_personalise_alg(void *ctx, const char *initial_pin, key_alg alg)
{
	token_status st;
	demo_key *k = slot_key(ctx, &st);
	if (!k)
		return st;
	if (k->personalised)
		return TOK_WRONG_CARD;
	clear_cert(k);
	k->personalised = true;
	k->alg = alg;
	copy_str(k->pin, sizeof k->pin, initial_pin);
	k->tries = k->tries_max;
	return TOK_OK;
}

static token_status demo_personalise(void *ctx, const char *initial_pin)
{
	return demo_personalise_alg(ctx, initial_pin, KEY_ALG_P256);
}

static token_status demo_write_cert(void *ctx, const token_cert *c)
{
	token_status st;
	demo_key *k = live_key(ctx, &st);
	if (!k)
		return st;
	unsigned char *der = NULL;
	if (c->der_len) {
		der = malloc(c->der_len);
		if (!der)
			return TOK_IO_ERROR; /* nothing written */
		memcpy(der, c->der, c->der_len);
	}
	long seal = c->with_seal ? c->seal_not_after : k->seal_not_after;
	clear_cert(k);
	k->seal_not_after = seal;
	copy_str(k->unit_name, sizeof k->unit_name, c->unit_name);
	copy_str(k->uscc, sizeof k->uscc, c->uscc);
	copy_str(k->cert_serial, sizeof k->cert_serial, c->cert_serial);
	k->not_before = c->not_before;
	k->not_after = c->not_after;
	k->der = der;
	k->der_len = c->der_len;
	return TOK_OK;
}

static token_status demo_write_seal(void *ctx, long seal_not_after)
{
	token_status st;
	demo_key *k = live_key(ctx, &st);
	if (!k)
		return st;
	if (k->not_after < 0)
		return TOK_NO_CERT;
	k->seal_not_after = seal_not_after;
	return TOK_OK;
}

/* A PIN check as the card does it: counts down, blocks at zero. */
static token_status check_pin(demo_key *k, const char *pin, int *tries_left)
{
	token_status st;
	if (k->tries == 0) {
		st = TOK_BLOCKED;
	} else if (strcmp(pin, k->pin) == 0) {
		k->tries = k->tries_max;
		st = TOK_OK;
	} else {
		k->tries--;
		st = k->tries == 0 ? TOK_BLOCKED : TOK_WRONG_PIN;
	}
	if (tries_left)
		*tries_left = k->tries;
	return st;
}

static token_status demo_verify_pin(void *ctx, const char *pin, int *tries_left)
{
	token_status st;
	demo_key *k = live_key(ctx, &st);
	if (!k)
		return st;
	return check_pin(k, pin, tries_left);
}

static token_status demo_change_pin(void *ctx, const char *old_pin, const char *new_pin,
				    int *tries_left)
{
	token_status st;
	demo_key *k = live_key(ctx, &st);
	if (!k)
		return st;
	st = check_pin(k, old_pin, tries_left);
	if (st == TOK_OK)
		copy_str(k->pin, sizeof k->pin, new_pin);
	return st;
}

static token_status demo_reset_pin(void *ctx, const char *new_pin)
{
	token_status st;
	demo_key *k = live_key(ctx, &st);
	if (!k)
		return st;
	copy_str(k->pin, sizeof k->pin, new_pin);
	k->tries = k->tries_max;
	return TOK_OK;
}

static token_status demo_erase(void *ctx)
{
	token_status st;
	demo_key *k = slot_key(ctx, &st);
	if (!k)
		return st;
	clear_cert(k);
	k->personalised = false;
	k->pin[0] = '\0';
	k->tries = k->tries_max;
	return TOK_OK;
}

static void demo_free(void *ctx)
{
	demo *d = ctx;
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->keys[i].der);
	free(d->keys);
	free(d);
}

static const token_ops demo_ops = {
	.name = "demo",
	.present = demo_present,
	.read_info = demo_read_info,
	.personalise = demo_personalise,
	.write_cert = demo_write_cert,
	.write_seal = demo_write_seal,
	.verify_pin = demo_verify_pin,
	.change_pin = demo_change_pin,
	.reset_pin = demo_reset_pin,
	.erase = demo_erase,
	.free = demo_free,
	.personalise_alg = demo_personalise_alg,
};

/* ---- keys.ini ---- */

static const char *const key_keys[] = {
	"note", "personalised", "unit_name", "uscc", "cert_serial", "not_before", "not_after",
	"seal_not_after", "pin", "pin_tries_left", "pin_tries_max", NULL
};

/* What a blank key (personalised = no) cannot hold. */
static const char *const personal_keys[] = {
	"unit_name", "uscc", "cert_serial", "not_before", "not_after", "seal_not_after", "pin",
	"pin_tries_left", NULL
};

#define REL_DAYS_MAX 36500L

/* "YYYY-MM-DD", or "+Nd" / "-Nd" days from today. */
static bool parse_day(const char *v, long today, long *out)
{
	if (v[0] == '+' || v[0] == '-') {
		size_t n = strlen(v);
		if (n < 3 || v[n - 1] != 'd')
			return false;
		long days = 0;
		for (size_t i = 1; i < n - 1; i++) {
			if (v[i] < '0' || v[i] > '9' || days > REL_DAYS_MAX)
				return false;
			days = days * 10 + (v[i] - '0');
		}
		if (days > REL_DAYS_MAX)
			return false;
		*out = v[0] == '+' ? today + days : today - days;
		return *out >= 0;
	}
	return civil_parse(v, out) && *out >= 0;
}

typedef struct loader {
	const kini_doc *doc;
	long today;
	kerr *err;
} loader;

static int bad(loader *L, const kini_entry *e, const char *what)
{
	return kerr_setf(L->err, L->doc->path, e->line, "%s = %s: %s", e->key, e->value, what);
}

static int get_day(loader *L, const kini_entry *e, long *out)
{
	if (!parse_day(e->value, L->today, out))
		return bad(L, e, "not a date; write YYYY-MM-DD (a real day) or days from "
			   "today as +Nd / -Nd (N up to 36500), e.g. +30d");
	return 0;
}

static int get_int(loader *L, const kini_entry *e, long min, long max, int *out)
{
	long v;
	if (kini_parse_long(e->value, min, max, &v) < 0) {
		char what[96];
		snprintf(what, sizeof what, "must be a whole number from %ld to %ld", min, max);
		return bad(L, e, what);
	}
	*out = (int)v;
	return 0;
}

static int get_uscc(loader *L, const kini_entry *e, char out[19])
{
	val_result r;
	if (validate_uscc(e->value, &r) && strcmp(r.norm, e->value) == 0) {
		copy_str(out, 19, r.norm);
		return 0;
	}
	char what[200];
	switch (r.reason) {
	case VAL_OK:
		snprintf(what, sizeof what, "write the code in capitals (%s)", r.norm);
		break;
	case VAL_LENGTH:
		snprintf(what, sizeof what, "a USCC has 18 characters, this has %d", r.len);
		break;
	case VAL_BAD_CHAR:
		snprintf(what, sizeof what, "character %d '%s' is not allowed in a USCC "
			 "(0-9 and A-Z without I O Z S V)", r.pos, r.got);
		break;
	case VAL_CHECK:
	case VAL_ORG_CHECK:
		snprintf(what, sizeof what, "check character %d should be '%s', not '%s' "
			 "(compute it with uscc_check_char / orgcode_check_char)", r.pos, r.want,
			 r.got);
		break;
	default:
		snprintf(what, sizeof what, "not a valid unified social credit code");
		break;
	}
	return bad(L, e, what);
}

static bool hex_ok(const char *s)
{
	size_t n = strlen(s);
	if (n < 1 || n > TOKEN_CERT_SERIAL_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789ABCDEFabcdef", s[i]))
			return false;
	return true;
}

/* A stable certificate serial for a key whose keys.ini line gives none. */
static void default_cert_serial(const char *serial, char *out, size_t n)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (const char *p = serial; *p; p++) {
		h ^= (unsigned char)*p;
		h *= 1099511628211ULL;
	}
	snprintf(out, n, "%016llX", (unsigned long long)h);
}

static int load_key(loader *L, const kini_section *s, demo_key *k)
{
	const char *path = L->doc->path;
	if (strcmp(s->type, "key") != 0)
		return kerr_setf(L->err, path, s->line, "[%s]: unknown section; a demo key is "
				 "written [key <serial>]", s->name);
	if (!token_serial_valid(s->arg))
		return kerr_setf(L->err, path, s->line, "[%s]: the key serial must be 1-%d "
				 "characters of A-Z a-z 0-9 _ -", s->name, TOKEN_SERIAL_MAX);
	if (kini_check_keys(L->doc, s, key_keys, L->err) < 0)
		return -1;
	copy_str(k->serial, sizeof k->serial, s->arg);
	k->not_before = k->not_after = k->seal_not_after = -1;
	k->tries_max = TOKEN_DEMO_TRIES_DEFAULT;

	const kini_entry *e;
	if ((e = kini_find(s, "note"))) {
		if (strlen(e->value) > TOKEN_UNIT_MAX)
			return bad(L, e, "too long; keep the note under 300 bytes");
		copy_str(k->note, sizeof k->note, e->value);
	}
	if (!(e = kini_require(L->doc, s, "personalised", L->err)))
		return -1;
	if (kini_parse_bool(e->value, &k->personalised) < 0)
		return bad(L, e, "write yes or no");
	if ((e = kini_find(s, "pin_tries_max")) && get_int(L, e, 1, 15, &k->tries_max) < 0)
		return -1;
	k->tries = k->tries_max;

	if (!k->personalised) {
		for (const char *const *p = personal_keys; *p; p++)
			if ((e = kini_find(s, *p)))
				return bad(L, e, "a blank key (personalised = no) holds no PIN, "
					   "certificate or seal; remove this line");
		return 0;
	}

	if (!(e = kini_require(L->doc, s, "pin", L->err)))
		return -1;
	if (!token_pin_acceptable(e->value))
		return bad(L, e, "a key PIN is 6-16 digits or letters (the initial PIN is "
			   "12345678)");
	copy_str(k->pin, sizeof k->pin, e->value);
	if ((e = kini_find(s, "pin_tries_left")) && get_int(L, e, 0, k->tries_max, &k->tries) < 0)
		return -1;

	/* The certificate: unit_name, uscc and not_after together, or none of them
	 * (a personalised key whose certificate is not written yet). */
	const kini_entry *unit = kini_find(s, "unit_name");
	const kini_entry *uscc = kini_find(s, "uscc");
	const kini_entry *na = kini_find(s, "not_after");
	if (!unit && !uscc && !na) {
		static const char *const cert_only[] = { "cert_serial", "not_before",
							 "seal_not_after", NULL };
		for (const char *const *p = cert_only; *p; p++)
			if ((e = kini_find(s, *p)))
				return bad(L, e, "this key has no certificate (no unit_name, uscc, "
					   "not_after); add them or remove this line");
		return 0;
	}
	const char *need = !unit ? "unit_name" : !uscc ? "uscc" : !na ? "not_after" : NULL;
	if (need) {
		kini_require(L->doc, s, need, L->err);
		return -1;
	}
	if (!unit->value[0])
		return bad(L, unit, "the unit name is empty");
	if (strlen(unit->value) > TOKEN_UNIT_MAX)
		return bad(L, unit, "too long: a unit name has at most 300 bytes");
	copy_str(k->unit_name, sizeof k->unit_name, unit->value);
	if (get_uscc(L, uscc, k->uscc) < 0 || get_day(L, na, &k->not_after) < 0)
		return -1;
	if ((e = kini_find(s, "not_before"))) {
		if (get_day(L, e, &k->not_before) < 0)
			return -1;
		if (k->not_before > k->not_after)
			return bad(L, e, "after not_after; a certificate starts before it ends");
	} else {
		k->not_before = civil_add_years(k->not_after, -1);
		if (k->not_before < 0)
			k->not_before = 0;
	}
	if ((e = kini_find(s, "cert_serial"))) {
		if (!hex_ok(e->value))
			return bad(L, e, "a certificate serial is 1-64 hex digits");
		copy_str(k->cert_serial, sizeof k->cert_serial, e->value);
	} else {
		default_cert_serial(k->serial, k->cert_serial, sizeof k->cert_serial);
	}
	if ((e = kini_find(s, "seal_not_after")) && strcmp(e->value, "none") != 0 &&
	    get_day(L, e, &k->seal_not_after) < 0)
		return -1;
	return 0;
}

token_dev *token_demo_new(const char *keys_file, kerr *err)
{
	if (!keys_file || !keys_file[0]) {
		kerr_set(err, NULL, "no demo keys file given (kiosk-config/demo/keys.ini)");
		return NULL;
	}
	kini_doc *doc = kini_load(keys_file, err);
	if (!doc)
		return NULL;
	token_dev *dev = calloc(1, sizeof *dev);
	demo *d = calloc(1, sizeof *d);
	demo_key *keys = doc->n_sections ? calloc(doc->n_sections, sizeof *keys) : NULL;
	if (!dev || !d || (doc->n_sections && !keys)) {
		kerr_set(err, keys_file, "out of memory");
		goto fail;
	}
	d->keys = keys;
	d->slot = -1;
	d->fail = TOK_OK;
	if (!doc->n_sections) {
		kerr_setf(err, doc->path, 0, "no demo keys; add at least one [key <serial>] "
			  "section (see docs/devices.md)");
		goto fail;
	}
	loader L = { .doc = doc, .today = clock_today(), .err = err };
	for (size_t i = 0; i < doc->n_sections; i++) {
		if (load_key(&L, &doc->sections[i], &keys[i]) < 0)
			goto fail;
		d->n++;
	}
	kini_free(doc);
	dev->ops = &demo_ops;
	dev->ctx = d;
	return dev;
fail:
	kini_free(doc);
	free(dev);
	demo_free(d);
	return NULL;
}

/* ---- trainer controls ---- */

static demo *demo_of(const token_dev *dev, kerr *err)
{
	if (!dev || dev->ops != &demo_ops) {
		kerr_set(err, NULL, "this is not the demo key reader (it is '%s'); trainer "
			 "controls work in demo mode only", token_dev_name(dev));
		return NULL;
	}
	return dev->ctx;
}

int token_demo_insert(token_dev *dev, const char *serial, kerr *err)
{
	demo *d = demo_of(dev, err);
	if (!d)
		return -1;
	for (size_t i = 0; i < d->n; i++) {
		if (serial && strcmp(d->keys[i].serial, serial) == 0) {
			d->slot = (long)i;
			return 0;
		}
	}
	return kerr_set(err, NULL, "no demo key with serial '%s'; the keys are listed in "
			"kiosk-config/demo/keys.ini", serial ? serial : "");
}

int token_demo_pull(token_dev *dev, kerr *err)
{
	demo *d = demo_of(dev, err);
	if (!d)
		return -1;
	d->slot = -1;
	return 0;
}

int token_demo_lock_pin(token_dev *dev, kerr *err)
{
	demo *d = demo_of(dev, err);
	if (!d)
		return -1;
	if (d->slot < 0)
		return kerr_set(err, NULL, "no demo key in the slot; insert one first");
	demo_key *k = &d->keys[d->slot];
	if (!k->personalised)
		return kerr_set(err, NULL, "demo key %s is blank and has no PIN to lock",
				k->serial);
	k->tries = 0;
	return 0;
}

int token_demo_fail_next(token_dev *dev, token_status st, kerr *err)
{
	demo *d = demo_of(dev, err);
	if (!d)
		return -1;
	if (st <= TOK_OK || st >= TOK_STATUS_COUNT)
		return kerr_set(err, NULL, "token_demo_fail_next needs a failure status, not "
				"'%s'", token_status_name(st));
	d->fail = st;
	return 0;
}

long token_demo_list(const token_dev *dev, token_demo_entry *out, size_t max, kerr *err)
{
	const demo *d = demo_of(dev, err);
	if (!d)
		return -1;
	for (size_t i = 0; i < d->n && i < max; i++) {
		const demo_key *k = &d->keys[i];
		token_demo_entry *o = &out[i];
		copy_str(o->serial, sizeof o->serial, k->serial);
		copy_str(o->unit_name, sizeof o->unit_name, k->personalised ? k->unit_name : "");
		copy_str(o->uscc, sizeof o->uscc, k->personalised ? k->uscc : "");
		copy_str(o->cert_serial, sizeof o->cert_serial, k->personalised ? k->cert_serial : "");
		copy_str(o->note, sizeof o->note, k->note);
		o->personalised = k->personalised;
		o->in_slot = (long)i == d->slot;
		o->pin_locked = k->personalised && k->tries == 0;
	}
	return (long)d->n;
}
