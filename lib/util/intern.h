/* Interned strings: one copy of each distinct string, shared by reference
 * count (object names, process images, computer names). */
#ifndef HAI_INTERN_H
#define HAI_INTERN_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"

typedef struct hai_istr {
    UT_hash_handle hh;
    uint32_t refs;
    uint32_t len;
    uint64_t id; /* the interner's number for it, never reused (snapshots name strings by it) */
    char s[];    /* NUL-terminated */
} hai_istr;

typedef struct hai_interner {
    hai_istr *table;
    hai_sipkey key; /* the table's hash key */
    const ha_allocator *alloc;
    size_t bytes; /* bytes asked of the allocator for the strings' blocks (hai_interner_bytes adds the table) */
    size_t count;
    uint64_t last_id; /* of the newest string: ids grow in the table's order */
} hai_interner;

void hai_interner_init(hai_interner *in, const ha_allocator *a, const hai_sipkey *key);
/* Release every string whatever its count. */
void hai_interner_free(hai_interner *in);
/* The interned copy of s[0, len), with one more reference; NULL when out of
 * memory. */
hai_istr *hai_intern(hai_interner *in, const char *s, size_t len);
/* What the strings cost: every block as allocated (header, hash handle,
 * text, NUL) and the hash table's buckets; the figure max_string_bytes
 * bounds (the allocator's own overhead, 8 to 24 bytes a block with glibc,
 * is not known here). */
static inline size_t hai_interner_bytes(const hai_interner *in)
{
    if (!in->table)
        return in->bytes;
    return in->bytes + sizeof(UT_hash_table) + in->table->hh.tbl->num_buckets * sizeof(UT_hash_bucket);
}
/* One more reference to `x` (may be NULL). */
static inline hai_istr *hai_istr_ref(hai_istr *x)
{
    if (x)
        x->refs++;
    return x;
}
/* One reference less; freed at zero. NULL is ignored. */
void hai_istr_unref(hai_interner *in, hai_istr *x);

#endif
