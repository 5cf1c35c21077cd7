/* uthash, configured for the library: allocation through the object's
 * allocator and out-of-memory reported, never fatal. Every function that
 * uses a HASH_ macro declares, in scope:
 *     const ha_allocator *hai_hash_alloc = ...;   (the allocator)
 *     int hai_hash_oom = 0;                        (set to 1 on failure)
 */
#ifndef HAI_HASH_H
#define HAI_HASH_H

#include "alloc.h"

#define HASH_NONFATAL_OOM 1
#define uthash_malloc(sz) hai_malloc(hai_hash_alloc, (sz))
#define uthash_free(ptr, sz) hai_free(hai_hash_alloc, (ptr))
#define uthash_nonfatal_oom(obj) (hai_hash_oom = 1)
#define uthash_fatal(msg) (hai_hash_oom = 1)

#include <uthash.h>

#endif
