/* Byte scans on the reader's hot path, sixteen bytes at a time where the
 * machine has SSE2 (every x86-64), a byte at a time elsewhere. */
#ifndef HAI_SCAN_H
#define HAI_SCAN_H

#include <stddef.h>

/* Newlines in p[0, n), and where the last one is (*last = -1 when none). */
size_t hai_count_newlines(const char *p, size_t n, ptrdiff_t *last);

/* The first `lit` (`len` bytes, len >= 3) in p[0, n), or NULL. Candidates
 * are found by the first three bytes together, so a literal whose first
 * three bytes are rare in the text (`</E`, `<Ev`) is found at close to
 * memchr's speed. */
const char *hai_find(const char *p, size_t n, const char *lit, size_t len);

#endif
