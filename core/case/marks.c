/* marks: the material mark table's lookups (see marks.h). */
#include "core/case/marks.h"

ENUM_DEFINE_WORD_KEY(material_mark, MATERIAL_MARKS, "?", "mark.unknown")
