/* Comparing a name with a literal of a length known at compile time: a load
 * or two of a known size, where a call to memcmp costs a call, a length
 * dispatch and a return for every element name and attribute of every
 * event. */
#ifndef HAI_NAMES_H
#define HAI_NAMES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t hai_load64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint32_t hai_load32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Whether the `n` bytes at `s` are those at `lit`; both have `n` bytes. */
static inline int hai_same(const char *s, const char *lit, size_t n)
{
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8)
            if (hai_load64(s + i) != hai_load64(lit + i))
                return 0;
        return hai_load64(s + n - 8) == hai_load64(lit + n - 8);
    }
    if (n >= 4)
        return hai_load32(s) == hai_load32(lit) && hai_load32(s + n - 4) == hai_load32(lit + n - 4);
    for (size_t i = 0; i < n; i++)
        if (s[i] != lit[i])
            return 0;
    return 1;
}

/* `s`, of length `n`, is the literal `lit`. */
#define HAI_IS(s, n, lit) ((n) == sizeof(lit) - 1 && hai_same((s), (lit), sizeof(lit) - 1))

#endif
