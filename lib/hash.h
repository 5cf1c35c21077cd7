/* uthash, configured for the library: allocation through the object's
 * allocator, out-of-memory reported, never fatal, and the keys hashed with
 * the object's secret key (keyed.h), never uthash's unkeyed Jenkins hash.
 * Every function that uses a HASH_ macro declares, in scope:
 *     const ha_allocator *hai_hash_alloc = ...;   (the allocator)
 *     int hai_hash_oom = 0;                        (set to 1 on failure)
 * and every one that finds or adds (HASH_FIND, HASH_ADD...):
 *     const hai_sipkey *hai_hash_key = ...;       (the object's key)
 */
#ifndef HAI_HASH_H
#define HAI_HASH_H

#include "alloc.h"
#include "keyed.h"

#define HASH_NONFATAL_OOM 1
#define uthash_malloc(sz) hai_malloc(hai_hash_alloc, (sz))
#define uthash_free(ptr, sz) hai_free(hai_hash_alloc, (ptr))
#define uthash_nonfatal_oom(obj) (hai_hash_oom = 1)
#define uthash_fatal(msg) (hai_hash_oom = 1)

#define HASH_FUNCTION(keyptr, keylen, hashv) ((hashv) = (unsigned)hai_siphash13(hai_hash_key, (keyptr), (keylen)))

#include <uthash.h>

/* A bucket's chain may reach 20 before the bucket array doubles (uthash's
 * default is 10): a million open handles then keep a quarter million
 * buckets per table instead of half a million, 16 bytes each, at one or two
 * more steps per lookup in the largest tables. The macro is read where the
 * HASH_ macros are used, after this point. */
#undef HASH_BKT_CAPACITY_THRESH
#define HASH_BKT_CAPACITY_THRESH 20U

#endif
