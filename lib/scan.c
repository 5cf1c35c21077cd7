#include "scan.h"

#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#define HAI_SSE2 1
#endif

/* Index of the lowest / highest set bit of a non-zero mask. */
static unsigned low_bit(unsigned m)
{
#if defined(__GNUC__)
    return (unsigned)__builtin_ctz(m);
#else
    unsigned i = 0;
    while (!(m & 1u)) {
        m >>= 1;
        i++;
    }
    return i;
#endif
}

static unsigned high_bit64(uint64_t m)
{
#if defined(__GNUC__)
    return 63u - (unsigned)__builtin_clzll(m);
#else
    unsigned i = 0;
    while (m >>= 1)
        i++;
    return i;
#endif
}

size_t hai_count_newlines(const char *p, size_t n, ptrdiff_t *last)
{
    size_t count = 0, i = 0;
    ptrdiff_t at = -1;
#ifdef HAI_SSE2
    const __m128i nl = _mm_set1_epi8('\n');
    const __m128i zero = _mm_setzero_si128();
    while (n - i >= 64) {
        /* Up to 63 blocks of 64 bytes into byte counters (each compare adds
         * 0 or -1, subtracted: at most 4 a block), summed by _mm_sad_epu8. */
        size_t blocks = (n - i) / 64;
        if (blocks > 63)
            blocks = 63;
        __m128i acc = zero;
        size_t last_block = SIZE_MAX;
        for (size_t b = 0; b < blocks; b++) {
            const char *q = p + i + 64 * b;
            __m128i e0 = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)q), nl);
            __m128i e1 = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(q + 16)), nl);
            __m128i e2 = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(q + 32)), nl);
            __m128i e3 = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(q + 48)), nl);
            acc = _mm_sub_epi8(_mm_sub_epi8(acc, e0), _mm_add_epi8(e1, _mm_add_epi8(e2, e3)));
            if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(e0, e1), _mm_or_si128(e2, e3))))
                last_block = b;
        }
        __m128i sums = _mm_sad_epu8(acc, zero);
        count += (size_t)_mm_cvtsi128_si32(sums) + (size_t)_mm_cvtsi128_si32(_mm_srli_si128(sums, 8));
        if (last_block != SIZE_MAX) { /* the last newline, in that block */
            const char *q = p + i + 64 * last_block;
            uint64_t m = 0;
            for (int k = 3; k >= 0; k--)
                m = m << 16 | (uint64_t)(unsigned)_mm_movemask_epi8(
                                  _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(q + 16 * k)), nl));
            at = (ptrdiff_t)(q - p) + (ptrdiff_t)high_bit64(m);
        }
        i += 64 * blocks;
    }
#endif
    for (; i < n; i++)
        if (p[i] == '\n') {
            count++;
            at = (ptrdiff_t)i;
        }
    *last = at;
    return count;
}

const char *hai_find(const char *p, size_t n, const char *lit, size_t len)
{
    if (n < len)
        return NULL;
    size_t i = 0, lim = n - len; /* the last possible start */
#ifdef HAI_SSE2
    const __m128i c0 = _mm_set1_epi8(lit[0]), c1 = _mm_set1_epi8(lit[1]), c2 = _mm_set1_epi8(lit[2]);
    /* A block at i reads p[i, i + 18); len >= 3 keeps that inside p. */
    for (; i + 16 <= lim + 1 && i + 18 <= n; i += 16) {
        const char *q = p + i;
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)q), c0)) &
                     (unsigned)_mm_movemask_epi8(
                         _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(q + 1)), c1)) &
                     (unsigned)_mm_movemask_epi8(
                         _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(q + 2)), c2));
        while (m) {
            unsigned k = low_bit(m);
            if (memcmp(q + k + 3, lit + 3, len - 3) == 0)
                return q + k;
            m &= m - 1;
        }
    }
#endif
    for (; i <= lim; i++)
        if (p[i] == lit[0] && memcmp(p + i, lit, len) == 0)
            return p + i;
    return NULL;
}
