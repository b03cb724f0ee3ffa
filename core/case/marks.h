/* marks: how the clerk marks one material of a case, declared once: the enum,
 * the word the store keeps (material_decisions.mark) and the trainer's score
 * compares, and the UI string key. It lives in core, not beside the checklist
 * in forms/, so that db/ (which may not include forms/) takes and returns the
 * enum and alone turns it into the stored word. MARK_UNSET is never stored:
 * the store keeps a decision only once every material is marked. */
#ifndef CORE_CASE_MARKS_H
#define CORE_CASE_MARKS_H

#include "core/base/names.h"

#define MATERIAL_MARKS(X)                                       \
	X(MARK_UNSET,     "unset",     "mark.unset")            \
	X(MARK_RECEIVED,  "received",  "mark.received")         \
	X(MARK_MISSING,   "missing",   "mark.missing")          \
	X(MARK_DEFECTIVE, "defective", "mark.defective")

/* material_mark_name() ("?" out of range), _key() ("mark.unknown"),
 * _from_name() (-1 unknown or NULL) */
ENUM_DECLARE_WORD_KEY(material_mark, MATERIAL_MARKS, MARK_COUNT);

#endif
