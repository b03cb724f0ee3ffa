/* checklist: the materials check of a case. The clerk marks each of the
 * service's materials received, missing or defective (with a reason); the
 * evaluation says whether the case can be accepted (受理), accepted with a
 * non-essential item to follow (容缺受理, only where the service allows it), or
 * must be refused (不予受理), and lists every missing or defective item at once
 * for the 一次性告知单. A checklist borrows its service; checklist_new() /
 * checklist_free() own the marks. */
#ifndef FORMS_CHECKLIST_H
#define FORMS_CHECKLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "core/case/catalog.h"
#include "core/case/marks.h" /* material_mark: the clerk's mark of one material */

typedef struct checklist_item {
	const service_material *sm;
	material_mark mark;
	char reason[256];         /* defect reason as the clerk typed it (UTF-8) */
} checklist_item;

typedef struct checklist {
	const service *svc;
	checklist_item *items;
	size_t n_items;
} checklist;

#define CHECKLIST_VERDICTS(X)                                              \
	X(CL_INCOMPLETE, "incomplete", "checklist.incomplete") /* items unmarked */ \
	X(CL_COMPLETE,   "complete",   "checklist.complete")   /* all received: 受理 */ \
	X(CL_RONGQUE,    "rongque",    "checklist.rongque")    /* 容缺受理 possible */ \
	X(CL_REFUSE,     "refuse",     "checklist.refuse")     /* 不予受理 + 一次性告知单 */

/* checklist_verdict_name(), _key() ("?", "checklist.unknown" out of range),
 * _from_name() (core/base/names.h). */
ENUM_DECLARE_WORD_KEY(checklist_verdict, CHECKLIST_VERDICTS, CL_COUNT);

/* One entry of the one-time notice: the material and what is wrong with it. */
typedef struct notice_item {
	const material *material;
	material_mark mark;       /* MARK_MISSING or MARK_DEFECTIVE */
	bool essential;
	const char *reason;       /* borrowed from the checklist item; "" for missing */
} notice_item;

typedef struct checklist_result {
	checklist_verdict verdict;
	notice_item *notice;      /* every missing or defective item, in catalog order; owned */
	size_t n_notice;
	size_t n_unset;
} checklist_result;

checklist *checklist_new(const service *svc);
void checklist_free(checklist *cl);
/* Mark the material with this id. A defective mark needs a non-empty reason.
 * Returns 0, or -1 with err (unknown material for this service, no reason). */
int checklist_mark(checklist *cl, const char *material_id, material_mark mark,
		   const char *reason, kerr *err);
/* Evaluate. Rules: any unset item -> INCOMPLETE; all received -> COMPLETE; an
 * essential item missing or defective -> REFUSE; only non-essential items
 * missing or defective (a defective copy is as good as none) -> RONGQUE if the
 * service allows it, else REFUSE. The notice lists every missing and defective
 * item whatever the verdict. Free with checklist_result_free(). */
void checklist_evaluate(const checklist *cl, checklist_result *out);
void checklist_result_free(checklist_result *r);

#endif
