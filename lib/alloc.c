#include "alloc.h"

#include <stdlib.h>
#include <string.h>

static void *std_malloc(size_t n, void *ctx) { (void)ctx; return malloc(n); }
static void *std_realloc(void *p, size_t n, void *ctx) { (void)ctx; return realloc(p, n); }
static void std_free(void *p, void *ctx) { (void)ctx; free(p); }

void hai_allocator_init(ha_allocator *dst, const ha_allocator *src)
{
    if (src && src->malloc_fn && src->realloc_fn && src->free_fn) {
        *dst = *src;
        return;
    }
    dst->malloc_fn = std_malloc;
    dst->realloc_fn = std_realloc;
    dst->free_fn = std_free;
    dst->ctx = NULL;
}

int hai_allocator_is_default(const ha_allocator *a)
{
    return a->malloc_fn == std_malloc && a->realloc_fn == std_realloc && a->free_fn == std_free;
}

void *hai_malloc(const ha_allocator *a, size_t n)
{
    return a->malloc_fn(n ? n : 1, a->ctx);
}

void *hai_calloc(const ha_allocator *a, size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = hai_malloc(a, count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *hai_realloc(const ha_allocator *a, void *p, size_t n)
{
    return a->realloc_fn(p, n ? n : 1, a->ctx);
}

void hai_free(const ha_allocator *a, void *p)
{
    if (p)
        a->free_fn(p, a->ctx);
}

int hai_grow(const ha_allocator *a, void **arr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return -1;
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / size)
        return -1;
    void *p = hai_realloc(a, *arr, ncap * size);
    if (!p)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

int hai_buf_grow(hai_buf *b, const ha_allocator *a, size_t extra)
{
    if (extra > SIZE_MAX - b->len)
        return -1;
    void *p = b->data;
    if (hai_grow(a, &p, &b->cap, b->len + extra, 1) != 0)
        return -1;
    b->data = p;
    return 0;
}

void hai_buf_drop_front(hai_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void hai_buf_free(hai_buf *b, const ha_allocator *a)
{
    hai_free(a, b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
