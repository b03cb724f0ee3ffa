/* slip: the two papers the counter prints, rendered as UTF-8 text for a narrow
 * receipt printer (SLIP_WIDTH display columns, CJK counted as 2): the 受理回执
 * (acceptance slip, for 受理 and 容缺受理) and the 一次性告知单 (one-time notice
 * of everything missing or defective, 行政许可法 Art. 32, for 不予受理). Every
 * word comes from kiosk-config/strings ("slip.*", "notice.*") and the catalog's
 * labels; the agent's ID number and mobile are printed masked. A slip_data only
 * borrows its pointers (the party it holds by value); the rendered text is malloc'd and the caller frees it. */
#ifndef FORMS_SLIP_H
#define FORMS_SLIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/case/casefsm.h"
#include "core/case/catalog.h"
#include "core/base/err.h"
#include "core/case/fees.h"
#include "core/case/party.h"
#include "core/base/strings.h"
#include "forms/checklist.h"

/* Most display columns on a line (receipt printers are narrow). */
#define SLIP_WIDTH 40

/* The key a case wrote or read, as the store (or, in trainer mode, the key
 * in the reader) has it once the case is done: plain values. Dates are
 * civil days; 0 or less is unknown, so a zeroed slip_key prints nothing. */
typedef struct slip_key {
	char serial[64];           /* the key's serial, "" unknown */
	long not_before, not_after;/* the certificate on the key after the case */
	long old_not_after;        /* the certificate it replaced (a renewal) */
	char old_unit_name[256];   /* the name on the certificate it replaced (a change), "" */
	long seal_not_after;       /* the seal's validity on the key */
	bool piv_only;             /* the customer's own PIV key (a YubiKey): its type is
				    * said, and the PIN advice is PIV's */
} slip_key;

typedef struct slip_data {
	const strings *str;        /* the clerk's language */
	lang lang;                 /* which catalog labels to print; same language as str */
	const char *site;          /* kiosk_config.site */
	int window;                /* kiosk_config.window */
	bool demo;                 /* trainer mode: a DEMO banner at the top and the bottom */

	const service *svc;        /* required */
	const char *case_no;       /* required */
	case_party party;          /* as stored (normalised); a copy, e.g. case_rec.party.
				    * The agent's ID number and mobile are printed masked:
				    * 1101**********0078, 138****8000; empty fields not at all */
	case_decision decision;    /* receipt: DEC_ACCEPT or DEC_RONGQUE; the notice ignores it */
	/* Missing and defective materials (checklist_result.notice). The receipt
	 * prints the service's other materials as received; under 容缺受理 these
	 * are the items to supplement. The notice lists every one of them. */
	const notice_item *notice;
	size_t n_notice;
	long rongque_deadline;     /* civil day (core/case/rules.h) of the promised supplement */
	const fee_quote *fee;      /* NULL or no lines: nothing charged */
	const char *transaction_id;/* payment transaction id; NULL or "" when none */
	/* Further reasons for a refusal, already rendered in the clerk's language
	 * (e.g. strings_render of a rule verdict); the notice prints each one. */
	const char *const *reasons;
	size_t n_reasons;
	const char *clerk_id;      /* required */
	int64_t at_ms;             /* UTC ms of issue, printed in Asia/Shanghai; 0 = now */

	/* What the customer asks about at the counter (the receipt only; each
	 * line is left out when its value is unknown). */
	const holder_type *holder; /* NULL: no holder type (no holder, term or seal lines) */
	int years;                 /* certificate term bought; 0: taken from the fee's annual line */
	int seals;                 /* seals bought; 0: taken from the fee's seal line */
	slip_key key;              /* the key and its certificate after the case */
	const char *initial_pin;   /* the catalogue's initial PIN, printed after a new key or
				    * an unlock with the advice to change it; NULL none */
} slip_data;

/* The 受理回执. Returns a malloc'd NUL-terminated text (lines end in '\n'), or
 * NULL with err: missing required field, DEC_REFUSE or DEC_NONE (a refused case
 * gets the notice), 容缺 where the service does not allow it, a missing essential
 * material, accepted with materials missing, 容缺 without a deadline on or after
 * the day of issue. */
char *slip_render_receipt(const slip_data *d, kerr *err);

/* The 一次性告知单. Returns a malloc'd text, or NULL with err: missing required
 * field, or nothing to tell (no notice item and no reason). */
char *slip_render_notice(const slip_data *d, kerr *err);

/* The 容缺补交回执: the paper a 容缺 case gets when the customer brings back
 * what it owed and the case is completed. It states the supplement, the
 * original case number, the day the case was accepted and its deadline,
 * every material received now and when, who took it, and after the deadline
 * the supervisor who allowed it and why. */
typedef struct slip_supplement {
	const slip_data *base;         /* the case: strings, site, service, case number,
					* party, rongque_deadline, clerk_id (the one who took
					* the supplement), at_ms (when it was received) */
	long accepted_day;             /* civil day the case was accepted (opened) */
	const material *const *received; /* the materials brought back, in catalog order */
	size_t n_received;
	const char *late_by;           /* NULL or "" when in time */
	const char *late_note;
} slip_supplement;

/* A malloc'd text, or NULL with err: missing required field, nothing received. */
char *slip_render_supplement(const slip_supplement *s, kerr *err);
/* The string keys the 容缺补交回执 adds to slip_string_keys(), NULL-terminated. */
const char *const *slip_supplement_string_keys(void);

/* s with all but the first keep_head and last keep_tail characters replaced by
 * '*' (one per character), into buf; a value too short to hide anything is
 * masked entirely. NULL prints as "". Returns buf. */
const char *slip_mask(const char *s, size_t keep_head, size_t keep_tail, char *buf, size_t n);

/* Display columns of a UTF-8 string as a receipt printer or terminal shows it:
 * East Asian wide and full-width characters 2, combining marks 0, others 1. */
int slip_text_width(const char *s);

/* Every string key the two papers use, NULL-terminated (for config check). */
const char *const *slip_string_keys(void);

#endif
