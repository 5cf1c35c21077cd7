/* uthash, configured for the library: allocation through the object's
 * allocator, out-of-memory reported, never fatal, and the keys hashed with
 * the object's secret key (keyed.h), never uthash's unkeyed Jenkins hash.
 *
 * The library's code uses the HAI_HASH_ macros below, never uthash's
 * HASH_FIND, HASH_ADD... directly: the set-up those need (the allocator,
 * the key, the out-of-memory flag) exists only inside these macros, so a
 * direct use does not compile, and an insert cannot leave out the check
 * that it failed. HASH_ITER and HASH_COUNT, which need none of it, are used
 * as they are. */
#ifndef HAI_HASH_H
#define HAI_HASH_H

#include "alloc.h"
#include "keyed.h"

/* The table's hash of `len` bytes at `p` under the object's key `k`. */
static inline unsigned hai_hash_value(const hai_sipkey *k, const void *p, size_t len)
{
    return (unsigned)hai_siphash13(k, p, len);
}

#define HASH_NONFATAL_OOM 1
#define uthash_malloc(sz) hai_malloc(hai_hash_alloc_, (sz))
#define uthash_free(ptr, sz) hai_free(hai_hash_alloc_, (ptr))
#define uthash_nonfatal_oom(obj) (hai_hash_oom_ = 1)
#define uthash_fatal(msg) (hai_hash_oom_ = 1)
#define HASH_FUNCTION(keyptr, keylen, hashv) ((hashv) = hai_hash_value(hai_hash_key_, (keyptr), (keylen)))

#include <uthash.h>

/* A bucket's chain may reach 20 before the bucket array doubles (uthash's
 * default is 10): a million open handles then keep a quarter million
 * buckets per table instead of half a million, 16 bytes each, at one or two
 * more steps per lookup in the largest tables. The macro is read where the
 * HASH_ macros are used, after this point. */
#undef HASH_BKT_CAPACITY_THRESH
#define HASH_BKT_CAPACITY_THRESH 20U

/* Every table's items hold a `UT_hash_handle hh`. `alloc` is the owner's
 * `const ha_allocator *`, `key` its `const hai_sipkey *`. */

/* `out` becomes the item of `head` whose key is the `len` bytes at `keyptr`,
 * or NULL. */
#define HAI_HASH_FIND(key, head, keyptr, len, out)                                                      \
    do {                                                                                                \
        const hai_sipkey *hai_hash_key_ = (key);                                                        \
        HASH_FIND(hh, head, keyptr, (unsigned)(len), out);                                              \
    } while (0)

/* Add `item`, its key the `len` bytes of its member `field`. `failed` (an
 * int) becomes 1 when memory ran out: `item` is then not in the table, the
 * table is as it was, and the caller still owns `item`; else 0. */
#define HAI_HASH_ADD(alloc, key, head, field, len, item, failed)                                        \
    do {                                                                                                \
        const ha_allocator *hai_hash_alloc_ = (alloc);                                                  \
        const hai_sipkey *hai_hash_key_ = (key);                                                        \
        int hai_hash_oom_ = 0;                                                                          \
        HASH_ADD(hh, head, field, (unsigned)(len), item);                                               \
        (failed) = hai_hash_oom_;                                                                       \
    } while (0)

/* The same with the key anywhere `item` points (`keyptr`, `len` bytes). */
#define HAI_HASH_ADD_KEYPTR(alloc, key, head, keyptr, len, item, failed)                                \
    do {                                                                                                \
        const ha_allocator *hai_hash_alloc_ = (alloc);                                                  \
        const hai_sipkey *hai_hash_key_ = (key);                                                        \
        int hai_hash_oom_ = 0;                                                                          \
        HASH_ADD_KEYPTR(hh, head, keyptr, (unsigned)(len), item);                                       \
        (failed) = hai_hash_oom_;                                                                       \
    } while (0)

/* Take `item` out of `head` (the last one out frees the table's buckets;
 * never fails). */
#define HAI_HASH_DEL(alloc, head, item)                                                                 \
    do {                                                                                                \
        const ha_allocator *hai_hash_alloc_ = (alloc);                                                  \
        HASH_DEL(head, item);                                                                           \
    } while (0)

#endif
