/* Allocation through the caller's ha_allocator, and a growable byte buffer. */
#ifndef HAI_ALLOC_H
#define HAI_ALLOC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "handleaudit/handleaudit.h"

/* Copy `src` into `dst`, or the malloc family when `src` is NULL or
 * incomplete. */
void hai_allocator_init(ha_allocator *dst, const ha_allocator *src);
/* 1 when `a` is the plain malloc family set by hai_allocator_init(NULL). */
int hai_allocator_is_default(const ha_allocator *a);

void *hai_malloc(const ha_allocator *a, size_t n);
void *hai_calloc(const ha_allocator *a, size_t count, size_t size);
void *hai_realloc(const ha_allocator *a, void *p, size_t n);
void hai_free(const ha_allocator *a, void *p);
/* Grow an array of `*cap` elements of `size` bytes to hold at least `need`.
 * Returns 0, or -1 (array unchanged) when memory runs out or sizes overflow. */
int hai_grow(const ha_allocator *a, void **arr, size_t *cap, size_t need, size_t size);

typedef struct hai_buf {
    char *data;
    size_t len;
    size_t cap;
} hai_buf;

/* Make room for `extra` more bytes. 0 or -1. */
int hai_buf_grow(hai_buf *b, const ha_allocator *a, size_t extra);
static inline int hai_buf_reserve(hai_buf *b, const ha_allocator *a, size_t extra)
{
    return extra <= b->cap - b->len ? 0 : hai_buf_grow(b, a, extra);
}
static inline int hai_buf_append(hai_buf *b, const ha_allocator *a, const void *p, size_t n)
{
    if (n == 0)
        return 0;
    if (hai_buf_reserve(b, a, n) != 0)
        return -1;
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}
/* Drop the first `n` bytes, keeping the rest at the front. */
void hai_buf_drop_front(hai_buf *b, size_t n);
void hai_buf_free(hai_buf *b, const ha_allocator *a);

#endif
