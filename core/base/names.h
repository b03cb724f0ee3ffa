/* names: lookups in the word tables that the X-macro declarations generate
 * (service kinds, steps, statuses, roles ...). One implementation for every
 * table, so that name -> enum and enum -> name behave the same everywhere. */
#ifndef CORE_NAMES_H
#define CORE_NAMES_H

/* Index of s among names[0..count), or -1 (also for s == NULL). */
int names_index(const char *const *names, int count, const char *s);
/* names[v], or fallback when v is out of range. */
const char *names_at(const char *const *names, int count, int v, const char *fallback);

#endif
