/* marks: the material mark table's lookups (see marks.h). */
#include "core/case/marks.h"

#include "core/base/names.h"

static const char *const mark_names[] = {
#define X(e, name, key) name,
	MATERIAL_MARKS(X)
#undef X
};
static const char *const mark_keys[] = {
#define X(e, name, key) key,
	MATERIAL_MARKS(X)
#undef X
};

const char *material_mark_name(material_mark m)
{
	return (unsigned)m < MARK_COUNT ? mark_names[m] : "?";
}

const char *material_mark_key(material_mark m)
{
	return (unsigned)m < MARK_COUNT ? mark_keys[m] : "mark.unknown";
}

int material_mark_from_name(const char *s)
{
	return names_index(mark_names, MARK_COUNT, s);
}
