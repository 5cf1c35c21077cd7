/* A counting allocator: what is allocated now and the peak of it, in the
 * ha_allocator's context (one counter per allocator, no global state).
 * Shared by the C tests and ha_bench's save-memory. */
#ifndef HA_TEST_COUNTING_H
#define HA_TEST_COUNTING_H

#include <stdlib.h>

#include <handleaudit/handleaudit.h>

typedef struct {
    size_t now, peak;
} ha_test_counter;

#define HA_TEST_COUNT_PREFIX 16 /* the block's size, kept max_align_t-aligned */

static inline void *ha_test_count_malloc(size_t n, void *ctx)
{
    ha_test_counter *c = ctx;
    size_t *p = malloc(n + HA_TEST_COUNT_PREFIX);
    if (!p)
        return NULL;
    *p = n;
    c->now += n;
    if (c->now > c->peak)
        c->peak = c->now;
    return (char *)p + HA_TEST_COUNT_PREFIX;
}

static inline void ha_test_count_free(void *q, void *ctx)
{
    ha_test_counter *c = ctx;
    if (!q)
        return;
    size_t *p = (size_t *)(void *)((char *)q - HA_TEST_COUNT_PREFIX);
    c->now -= *p;
    free(p);
}

static inline void *ha_test_count_realloc(void *q, size_t n, void *ctx)
{
    ha_test_counter *c = ctx;
    if (!q)
        return ha_test_count_malloc(n, ctx);
    size_t *p = (size_t *)(void *)((char *)q - HA_TEST_COUNT_PREFIX);
    size_t old = *p;
    size_t *np = realloc(p, n + HA_TEST_COUNT_PREFIX);
    if (!np)
        return NULL;
    *np = n;
    c->now = c->now - old + n;
    if (c->now > c->peak)
        c->peak = c->now;
    return (char *)np + HA_TEST_COUNT_PREFIX;
}

/* An allocator counting into `c`. */
#define HA_TEST_COUNTING(c) {ha_test_count_malloc, ha_test_count_realloc, ha_test_count_free, (c)}

#endif
