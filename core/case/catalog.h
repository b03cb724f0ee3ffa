/* catalog: the CA's services, materials, holder types and fees, and the rule
 * numbers, loaded from kiosk-config/{services,materials,fees}.ini. It is the
 * only description of the domain: screens, checklists and fee calculation read
 * it, no code branches on a service name. catalog_load() returns an owned,
 * immutable catalog; everything reachable from it lives until catalog_free().
 * See docs/config.md for the file format. */
#ifndef CORE_CATALOG_H
#define CORE_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/base/civil.h"
#include "core/base/err.h"
#include "core/base/names.h"
#include "core/base/strings.h"

/* Each table below comes with its lookups (core/base/names.h): <type>_name(),
 * the word the config uses ("?" out of range), and <type>_from_name(), -1 for
 * an unknown word. */

/* The kinds of service the counter handles; a service in the config names one. */
#define SERVICE_KINDS(X)                 \
	X(SVC_NEW,          "new")           \
	X(SVC_RENEW,        "renew")         \
	X(SVC_CHANGE,       "change")        \
	X(SVC_REISSUE,      "reissue")       \
	X(SVC_REVOKE,       "revoke")        \
	X(SVC_BIND,         "bind")          \
	X(SVC_UNLOCK,       "unlock")        \
	X(SVC_SEAL_UPGRADE, "seal_upgrade")  \
	X(SVC_SEAL_RENEW,   "seal_renew")

ENUM_DECLARE_WORD(service_kind, SERVICE_KINDS, SVC_KIND_COUNT);

/* How the customer must bring a material. */
#define MATERIAL_FORMS(X)                         \
	X(MAT_ORIGINAL,         "original")        \
	X(MAT_COPY,             "copy")            \
	X(MAT_ORIGINAL_OR_COPY, "original_or_copy") \
	X(MAT_DEVICE,           "device") /* the USB key itself */

ENUM_DECLARE_WORD(material_form, MATERIAL_FORMS, MAT_FORM_COUNT);

#define SEAL_RULES(X)          \
	X(SEAL_NONE,  "none")  \
	X(SEAL_FRESH, "fresh") /* stamped with the unit's fresh seal (鲜章) */

ENUM_DECLARE_WORD(seal_rule, SEAL_RULES, SEAL_RULE_COUNT);

/* What happens to the certificate's validity. */
#define VALIDITY_RULES(X)              \
	X(VALIDITY_NONE,   "none")   /* no certificate issued (bind, unlock, revoke) */ \
	X(VALIDITY_NEW,    "new")    /* today + the years bought */                    \
	X(VALIDITY_EXTEND, "extend") /* old expiry + years; expired: like new */       \
	X(VALIDITY_KEEP,   "keep")   /* the old certificate's validity (有效期不变) */  \
	X(VALIDITY_SEAL,   "seal")   /* seal validity set to the certificate's */

ENUM_DECLARE_WORD(validity_rule, VALIDITY_RULES, VALIDITY_RULE_COUNT);

/* Fee items a service charges; amounts come from the holder type. */
#define FEE_ITEMS(X)                  \
	X(FEE_OPENING, "opening") /* one-time, includes the key; waived for long terms */ \
	X(FEE_ANNUAL,  "annual")  /* per year bought */                                  \
	X(FEE_SEAL,    "seal")    /* per seal per year */                                \
	X(FEE_REISSUE, "reissue") /* per key reissued */

ENUM_DECLARE_WORD(fee_item, FEE_ITEMS, FEE_ITEM_COUNT);

/* Operations on the customer's key a service performs, in order. */
#define TOKEN_OPS(X)                                  \
	X(TOP_READ,        "read")        /* read holder info and certificate */ \
	X(TOP_PERSONALISE, "personalise") /* blank key: application, PINs, key pair */ \
	X(TOP_WRITE_CERT,  "write_cert")  /* certificate and info written */     \
	X(TOP_WRITE_SEAL,  "write_seal")  /* seal data written */                \
	X(TOP_RESET_PIN,   "reset_pin")   /* user PIN reset with the admin PIN */ \
	X(TOP_ERASE,       "erase")       /* application erased (if key brought) */ \
	X(TOP_REVOKE_OLD,  "revoke_old")  /* previous certificate revoked */

ENUM_DECLARE_WORD(token_op, TOKEN_OPS, TOKEN_OP_COUNT);

/* The key pair a platform's certificates are for (its key_algorithm):
 * EC P-256 signed ECDSA-SHA256, or the national algorithms, an SM2 pair
 * certified SM2-with-SM3 (docs/token-profile.md, docs/ca.md). The key pair
 * is made on the customer's key when it is personalised. */
#define KEY_ALGS(X)               \
	X(KEY_ALG_P256, "p256")    \
	X(KEY_ALG_SM2,  "sm2")

ENUM_DECLARE_WORD(key_alg, KEY_ALGS, KEY_ALG_COUNT);

typedef struct material {
	char *id;                 /* "app_form" */
	char *label[LANG_COUNT];  /* what the customer brings, in each language */
	char *note[LANG_COUNT];   /* what the clerk checks on it; may be NULL */
	material_form form;
	seal_rule seal;
} material;

typedef struct holder_type {
	char *id;                 /* "unit", "expert" */
	char *label[LANG_COUNT];
	int64_t opening_fen;
	int64_t annual_fen;
	int64_t seal_fen;         /* per seal per year */
} holder_type;

typedef struct platform {
	char *id;                 /* "rs" (人社), "zc" (政采) */
	char *name[LANG_COUNT];
	bool has_seals;           /* certificates come with an electronic seal */
	key_alg key_alg;          /* key_algorithm: the key pair made for it (p256 default) */
	int waive_opening_years;  /* a term of at least this many years waives the opening fee; 0 never */
	int64_t reissue_fen;
	holder_type *holders;
	size_t n_holders;
} platform;

typedef struct service_material {
	const material *material;
	bool essential;           /* can never be missing, not even under 容缺 */
} service_material;

typedef struct service {
	char *id;                 /* "<platform>.<kind>", e.g. "zc.renew" */
	service_kind kind;
	const platform *platform;
	char *label[LANG_COUNT];
	char *help[LANG_COUNT];   /* one line the clerk sees when choosing; may be NULL */
	service_material *materials;
	size_t n_materials;
	bool rongque_allowed;     /* 容缺受理 possible for this service */
	bool key_required;        /* the customer's key must be present */
	bool approval_required;   /* a supervisor must approve (revocation) */
	validity_rule validity;
	unsigned fee_items;       /* bit (1u << fee_item) */
	token_op token_ops[TOKEN_OP_COUNT];
	size_t n_token_ops;
} service;

/* Rule numbers from the guides, kept in config so a policy change is an edit. */
typedef struct catalog_rules {
	int renew_window_days;     /* renewal opens this many days before expiry (60) */
	int seal_upgrade_min_days; /* seal upgrade needs at least this many days left (60) */
	int years_min, years_max;  /* certificate terms sold (1, 2) */
	int rongque_max_days;      /* latest supplement deadline after acceptance */
	char *initial_pin;         /* the user PIN after personalisation or reset ("12345678") */
	/* Optional keys (their default when absent): */
	int notice_days;           /* 补正: a refusal's one-time notice is due within this many
				    * days of the application (5, 行政许可法 Art. 32's model) */
	int rating_followup_days;  /* a 差评 is followed up within this many working days (15) */
	long *holidays;            /* weekdays that are not worked (civil days), owned */
	size_t n_holidays;
	long *workdays;            /* weekend days that are worked (调休), owned */
	size_t n_workdays;
	civil_workdays calendar;   /* the two lists above, for civil_add_working_days() */
} catalog_rules;

typedef struct catalog {
	platform *platforms;
	size_t n_platforms;
	material *materials;
	size_t n_materials;
	service *services;
	size_t n_services;
	catalog_rules rules;
} catalog;

/* Load services.ini, materials.ini and fees.ini from dir. On any error returns
 * NULL with err naming the file and line; nothing is kept. */
catalog *catalog_load(const char *dir, kerr *err);
void catalog_free(catalog *c);

const platform *catalog_platform(const catalog *c, const char *id);
const material *catalog_material(const catalog *c, const char *id);
const service *catalog_service(const catalog *c, const char *id);
/* The service of a platform by kind, NULL if that platform does not offer it. */
const service *catalog_service_of(const catalog *c, const platform *p, service_kind k);
const holder_type *platform_holder(const platform *p, const char *id);

static inline bool service_charges(const service *s, fee_item f)
{
	return (s->fee_items >> f) & 1u;
}

#endif
