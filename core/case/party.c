/* party: the party-field table's lookups and the get/set by field (party.h). */
#include "core/case/party.h"

#include <string.h>

#include "core/base/utf8.h"

ENUM_DEFINE_WORD(party_field, PARTY_FIELDS, "?")

static const struct slot {
	const char *column;
	size_t offset, size;
	const char *type;
} slots[] = {
#define X(e, word, col, size, type) { #col, offsetof(case_party, col), size, type },
	PARTY_FIELDS(X)
#undef X
};

static const struct slot *slot_of(party_field f)
{
	return (unsigned)f < PF_COUNT ? &slots[f] : NULL;
}

const char *party_field_column(party_field f)
{
	const struct slot *s = slot_of(f);
	return s ? s->column : "";
}

size_t party_field_size(party_field f)
{
	const struct slot *s = slot_of(f);
	return s ? s->size : 0;
}

const char *party_field_type(party_field f)
{
	const struct slot *s = slot_of(f);
	return s ? s->type : "";
}

bool party_field_is_text(party_field f)
{
	return strcmp(party_field_type(f), "text") == 0;
}

const char *party_get(const case_party *p, party_field f)
{
	const struct slot *s = slot_of(f);
	return s && p ? (const char *)p + s->offset : "";
}

int party_set(case_party *p, party_field f, const char *utf8)
{
	const struct slot *s = slot_of(f);
	if (!s || !p)
		return -1;
	utf8_copy((char *)p + s->offset, s->size, utf8);
	return 0;
}
