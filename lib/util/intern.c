#include "intern.h"

#include <string.h>

void hai_interner_init(hai_interner *in, const ha_allocator *a, const hai_sipkey *key)
{
    in->table = NULL;
    in->key = *key;
    in->alloc = a;
    in->bytes = 0;
    in->count = 0;
    in->last_id = 0;
}

void hai_interner_free(hai_interner *in)
{
    hai_istr *x, *tmp;
    HASH_ITER(hh, in->table, x, tmp) {
        HAI_HASH_DEL(in->alloc, in->table, x);
        hai_free(in->alloc, x);
    }
    in->bytes = 0;
    in->count = 0;
}

hai_istr *hai_intern(hai_interner *in, const char *s, size_t len)
{
    hai_istr *x;
    if (len > UINT32_MAX - 1)
        return NULL;
    HAI_HASH_FIND(&in->key, in->table, s, (unsigned)len, x);
    if (x) {
        x->refs++;
        return x;
    }
    x = hai_malloc(in->alloc, sizeof *x + len + 1);
    if (!x)
        return NULL;
    memset(&x->hh, 0, sizeof x->hh);
    x->refs = 1;
    x->len = (uint32_t)len;
    x->id = in->last_id + 1;
    memcpy(x->s, s, len);
    x->s[len] = '\0';
    int failed;
    HAI_HASH_ADD_KEYPTR(in->alloc, &in->key, in->table, x->s, (unsigned)len, x, failed);
    if (failed) {
        hai_free(in->alloc, x);
        return NULL;
    }
    in->bytes += sizeof *x + len + 1;
    in->count++;
    in->last_id = x->id;
    return x;
}

void hai_istr_unref(hai_interner *in, hai_istr *x)
{
    if (!x || --x->refs > 0)
        return;
    HAI_HASH_DEL(in->alloc, in->table, x);
    in->bytes -= sizeof *x + x->len + 1;
    in->count--;
    hai_free(in->alloc, x);
}
