#include "core/base/names.h"

#include <string.h>

int names_index(const char *const *names, int count, const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < count; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

const char *names_at(const char *const *names, int count, int v, const char *fallback)
{
	return v >= 0 && v < count ? names[v] : fallback;
}
